import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { ParsedInputs } from '../../src/model/inputs.ts';
import type { RunContext } from '../../src/runtime/context.ts';
import { EXIT, OneexError } from '../../src/runtime/errors.ts';
import { junitReport, type TestCase } from '../../src/runtime/junit.ts';
import { createSecretFiles, type SecretFiles } from '../../src/vault/index.ts';
import {
  ansibleEnvironment,
  ansiblePython,
  installCallback,
  readAnsibleConfig,
  runAnsible,
} from './ansible.ts';
import type { inputs as declared } from './component.ts';
import { checkAll, type PreparedRead, prepareCredentialRead, readCredentials } from './credentials.ts';
import { installRequirements } from './galaxy.ts';
import { checkHostKeys, type Invocation, probeInventory, targetedHosts } from './preflight.ts';
import { planRun, type RunPlan } from './project.ts';
import { parseEvents, recapLines, runError, summarise, testCases } from './report.ts';
import { closeConnections, installKey, knownHostsProblems, sshArgs } from './ssh.ts';

// The check and apply jobs: validate everything, then connect. Reads like the job: plan, credentials,
// requirements, preflight, run, report.

export type Inputs = ParsedInputs<typeof declared>;
export type Mode = 'check' | 'apply';

export async function runPlaybook(mode: Mode, inputs: Inputs, context: RunContext): Promise<number> {
  const suite = `ansible.${inputs.environment}.${mode}`;
  let reported = false;
  const report = async (cases: TestCase[]) => {
    const path = join(context.cwd, inputs.report_file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, context.redactor.redact(junitReport(suite, cases)));
    reported = true;
  };
  try {
    // Every input, Vault's settings included, is checked before anything is requested or run.
    const [plan, read] = await checkAll(
      () => planRun(inputs, context.cwd, { outputsOptional: mode === 'check' }),
      () => prepareCredentialRead(inputs, context),
    );
    const files = await createSecretFiles(context);
    try {
      return await execute(mode, inputs, plan, read, files, context, report);
    } finally {
      await files.remove();
    }
  } catch (error) {
    // When it stopped before the run, the merge request widget still says why.
    if (error instanceof OneexError && !reported) {
      await report([
        {
          name: `${inputs.environment}: ${error.code}`,
          className: `${suite}.preflight`,
          failure: { message: error.message.split('\n')[0] ?? error.code, details: error.message },
        },
      ]);
    }
    throw error;
  }
}

async function execute(
  mode: Mode,
  inputs: Inputs,
  plan: RunPlan,
  read: PreparedRead,
  files: SecretFiles,
  context: RunContext,
  report: (cases: TestCase[]) => Promise<void>,
): Promise<number> {
  const { log } = context;
  const dir = {
    path: files.dir,
    write: (name: string, content: string) => files.write(name, content, { exact: true }),
  };
  const credentials = await readCredentials(read, context);
  const [python, config] = await Promise.all([
    ansiblePython(context),
    readAnsibleConfig(plan.projectDir, context),
  ]);
  log.info(`Ansible configuration: ${config.file ?? 'none (Ansible defaults)'}`);

  // Files the run needs, all in the private directory.
  const knownHosts = credentials.knownHosts ?? '';
  const badLines = knownHostsProblems(knownHosts);
  if (badLines.length > 0) {
    throw new OneexError(
      'EINPUT',
      `ssh_known_hosts has ${badLines.length} malformed line(s): ${badLines.map((p) => `line ${p.line} "${p.text}"`).join('; ')}`,
      'Each line is `host keytype base64-key`, as `ssh-keyscan` prints it.',
      EXIT.usage,
    );
  }
  const knownHostsFile = await dir.write('known_hosts', knownHosts);
  const keyFile =
    credentials.sshPrivateKey !== undefined
      ? await installKey(dir, credentials.sshPrivateKey, context)
      : undefined;
  const vaultPasswordFile =
    credentials.vaultPassword !== undefined
      ? await dir.write('vault-password', credentials.vaultPassword)
      : undefined;
  const extraVarsFile =
    plan.extraVars !== undefined
      ? await dir.write('extra-vars.json', JSON.stringify(plan.extraVars))
      : undefined;
  const sources = [...(plan.inventory !== undefined ? [plan.inventory] : [])];
  if (plan.terraform !== undefined) {
    sources.push(await dir.write('terraform-inventory.yml', stringify(plan.terraform.inventory)));
    log.info(
      `Inventory from ${plan.terraform.source}: ${plan.terraform.hosts.map((h) => `${h.name} (${h.address}${h.groups.length > 0 ? `; ${h.groups.join(', ')}` : ''})`).join(', ') || 'no hosts'}`,
    );
  }
  if (plan.skippedOutputs !== undefined) {
    log.warn(
      `No ${plan.skippedOutputs} in this pipeline (no Terraform apply ran before the check): checking against the static inventory only.`,
    );
  }
  const controlDir = join(dir.path, 'cp');
  await mkdir(controlDir, { mode: 0o700 });
  await mkdir(join(dir.path, 'tmp'), { mode: 0o700 });

  const common = {
    root: context.cwd,
    config,
    privateDir: dir.path,
    colour: log.colour,
    ...(vaultPasswordFile !== undefined ? { vaultPasswordFile } : {}),
  };
  const env = ansibleEnvironment(common);
  await installRequirements(plan.requirements, { root: context.cwd, cwd: plan.projectDir, env }, context);

  const invocation: Invocation = {
    cwd: plan.projectDir,
    env,
    inventoryArgs: sources.flatMap((source) => ['-i', source]),
    playbook: plan.playbook,
    selectionArgs: [
      ...(plan.limit !== '' ? [`--limit=${plan.limit}`] : []),
      ...(plan.tags.length > 0 ? [`--tags=${plan.tags.join(',')}`] : []),
      ...(plan.skipTags.length > 0 ? [`--skip-tags=${plan.skipTags.join(',')}`] : []),
      ...(extraVarsFile !== undefined ? ['-e', `@${extraVarsFile}`] : []),
    ],
  };
  const hosts = await log.section('ansible_preflight', 'Preflight: syntax, hosts, host keys', async () => {
    const targets = await targetedHosts(invocation, plan.limit, context);
    const addresses = await probeInventory(
      { ...invocation, python, sources },
      { limit: plan.limit, hosts: targets, ...(extraVarsFile !== undefined ? { extraVarsFile } : {}) },
      config.remotePort,
      context,
    );
    await checkHostKeys(
      addresses,
      { knownHostsFile, strict: inputs.host_key_checking === 'strict', hasKey: keyFile !== undefined },
      context,
    );
    log.info(`Targets ${targets.length} host${targets.length === 1 ? '' : 's'}: ${targets.join(', ')}`);
    return addresses;
  });
  if (inputs.host_key_checking === 'accept-new') {
    log.warn(
      'host_key_checking is accept-new: keys of hosts missing from ssh_known_hosts are trusted blindly.',
    );
  }

  const eventsFile = join(dir.path, 'events.ndjson');
  const runEnv = ansibleEnvironment({
    ...common,
    events: { file: eventsFile, pluginDir: await installCallback(dir.path) },
    ssh: {
      args: sshArgs({ knownHostsFile, policy: inputs.host_key_checking, controlDir }),
      ...(keyFile !== undefined ? { keyFile } : {}),
    },
  });
  const args = [
    ...invocation.inventoryArgs,
    plan.playbook,
    ...(mode === 'check' ? ['--check', '--diff'] : inputs.diff ? ['--diff'] : []),
    ...invocation.selectionArgs,
    ...(inputs.ssh_user !== '' ? [`--user=${inputs.ssh_user}`] : []),
    ...(inputs.verbosity > 0 ? [`-${'v'.repeat(inputs.verbosity)}`] : []),
  ];
  const title =
    mode === 'check'
      ? `Check run on ${inputs.environment}: what would change (nothing is changed)`
      : `Applying ${plan.playbook} to ${inputs.environment}`;
  let result: Awaited<ReturnType<typeof runAnsible>>;
  try {
    result = await log.section(`ansible_${mode}`, title, () =>
      runAnsible('ansible-playbook', args, { cwd: plan.projectDir, env: runEnv }, context, true),
    );
  } finally {
    const sockets = await readdir(controlDir).catch(() => []);
    await closeConnections(controlDir, sockets, context);
  }

  const events = parseEvents(await readFile(eventsFile, 'utf8').catch(() => ''));
  await report(testCases(events, `ansible.${inputs.environment}.${mode}`));
  log.line();
  log.info(`Recap (${inputs.environment}, ${mode}):`);
  for (const line of recapLines(events.stats ?? {})) log.info(`  ${line}`);
  log.line();

  const error = runError(events, result.exitCode, hosts, `${result.stdout}\n${result.stderr}`);
  if (error !== undefined) throw error;
  const summary = summarise(events);
  if (mode === 'check') {
    log.success(
      summary.changed === 0
        ? `Check run: nothing would change on ${summary.hosts} host${summary.hosts === 1 ? '' : 's'}.`
        : `Check run: ${summary.changed} change${summary.changed === 1 ? '' : 's'} would be made on ${summary.changedHosts} of ${summary.hosts} host${summary.hosts === 1 ? '' : 's'} (see the diff above); nothing was changed.`,
    );
  } else {
    log.success(
      summary.changed === 0
        ? `Applied to ${inputs.environment}: nothing to change on ${summary.hosts} host${summary.hosts === 1 ? '' : 's'}.`
        : `Applied to ${inputs.environment}: ${summary.changed} change${summary.changed === 1 ? '' : 's'} on ${summary.changedHosts} of ${summary.hosts} host${summary.hosts === 1 ? '' : 's'}.`,
    );
  }
  return EXIT.ok;
}
