import { components } from '../../components/index.ts';
import type { Component } from '../model/component.ts';
import { envName, inputTypeOf, isRuntimeInput } from '../model/inputs.ts';
import { parseInputs } from '../model/parse.ts';
import { createContext } from '../runtime/context.ts';
import { EXIT, isOneexError, UsageError } from '../runtime/errors.ts';
import { didYouMean } from '../runtime/suggest.ts';
import { VERSION } from './version.ts';

// `oneex-ci <component> <action>`: the one entry point every job calls. It owns argument parsing,
// exit codes and the last word on errors; components own their actions, loaded only when they run.

export interface Io {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: { write(text: string): void; isTTY?: boolean };
  readonly stderr: { write(text: string): void };
}

const byName = new Map(components.map((c) => [c.name, c]));

function help(): string {
  const width = Math.max(
    ...components.flatMap((c) => Object.keys(c.actions).map((a) => `${c.name} ${a}`.length)),
  );
  const lines = components.flatMap((c) =>
    Object.keys(c.actions).map((action) => `  ${`${c.name} ${action}`.padEnd(width)}  ${c.summary}`),
  );
  return [
    `oneex-ci ${VERSION}: the commands behind the Oneex GitLab CI/CD components.`,
    '',
    'Usage: oneex-ci <component> <action>',
    '       oneex-ci <component> --help',
    "       oneex-ci check [file…]      check a .gitlab-ci.yml against this release's components",
    '',
    'Commands:',
    ...lines,
    '',
    'For developers:',
    '  hooks install  Set up Husky and commitlint in an app repository (Oneex’s commit convention).',
    '  init           Write a starter .gitlab-ci.yml: the preset that fits the repository.',
    '',
    'Options:',
    '  --help     Show this help.',
    '  --version  Print the version.',
    '',
    'Jobs pass inputs as ONEEX_<COMPONENT>_<INPUT> variables; `oneex-ci <component> --help` lists them.',
    'Exit codes: 0 ok, 1 the check failed, 2 bad usage or inputs, 3 a service or tool was unavailable.',
    '',
  ].join('\n');
}

function componentHelp(component: Component): string {
  const rows = Object.entries(component.inputs)
    .filter(([, spec]) => isRuntimeInput(spec))
    .map(([name, spec]) => {
      const fallback = spec.default === undefined ? 'required' : `default ${JSON.stringify(spec.default)}`;
      return `  ${envName(component.name, name)}  (${inputTypeOf(spec)}, ${fallback})\n      ${spec.description}`;
    });
  return [
    `oneex-ci ${component.name}: ${component.summary}`,
    '',
    `Actions: ${Object.keys(component.actions).join(', ')}`,
    '',
    'Inputs (job variables):',
    ...rows,
    '',
  ].join('\n');
}

export async function main(io: Io): Promise<number> {
  const [first, second, ...rest] = io.argv;
  try {
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      io.stdout.write(help());
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-v') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (first === 'check') {
      const { check } = await import('../check/command.ts');
      return await check(io.argv.slice(1), io);
    }
    // Commands for developers' machines rather than jobs; loaded only when used.
    if (first === 'init') return await (await import('../init/command.ts')).initCommand(io, io.argv.slice(1));
    if (first === 'hooks')
      return await (await import('../hooks/command.ts')).hooksCommand(io, io.argv.slice(1));
    const component = byName.get(first);
    if (component === undefined) {
      throw new UsageError(`Unknown component "${first}".${didYouMean(first, byName.keys())}`);
    }
    if (second === undefined || second === '--help' || second === '-h') {
      io.stdout.write(componentHelp(component));
      return second === undefined ? EXIT.usage : EXIT.ok;
    }
    const load = component.actions[second];
    if (load === undefined) {
      throw new UsageError(
        `Component "${component.name}" has no action "${second}".${didYouMean(second, Object.keys(component.actions))}`,
        `Its actions: ${Object.keys(component.actions).join(', ')}.`,
      );
    }
    if (rest.length > 0)
      throw new UsageError(`Unexpected arguments: ${rest.join(' ')}. Inputs travel as job variables.`);

    // Inputs first: a bad one fails here, before the action has done anything.
    const inputs = parseInputs(component, io.env);
    const context = createContext({
      env: io.env,
      cwd: io.cwd,
      out: io.stdout,
      isTTY: io.stdout.isTTY === true,
    });
    try {
      const { default: action } = await load();
      return (await action(inputs as never, context)) ?? EXIT.ok;
    } catch (error) {
      return report(io, error, context.redactor.redact.bind(context.redactor));
    }
  } catch (error) {
    return report(io, error, (text) => text);
  }
}

function report(io: Io, error: unknown, redact: (text: string) => string): number {
  if (isOneexError(error)) {
    io.stderr.write(
      redact(`✖ ${error.message} [${error.code}]\n${error.hint !== undefined ? `  ${error.hint}\n` : ''}`),
    );
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(
    redact(`✖ Internal error in oneex-ci ${VERSION}; please report it with this log.\n${detail}\n`),
  );
  return EXIT.internal;
}
