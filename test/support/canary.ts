import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { VaultDouble } from '../doubles/vault-double.ts';
import type { Consumer, PipelineResult } from './local-pipeline.ts';

// Canaries for end-to-end runs: known secret values seeded into the Vault double, then looked for,
// after the pipeline ran, in everything a run leaves: gitlab-ci-local's output, every job log, every
// artifact and dotenv report, the jobs' workspaces and whatever else is in the consumer's directory.
// Each value is looked for raw, base64 (standard and URL alphabets, at any alignment inside a longer
// encoded text), URL-encoded and JSON-escaped. The Vault tokens the double issued and the ID tokens
// the test handed to jobs are watched the same way.
//
//   const canaries = createCanaries(vault);
//   const refs = canaries.seed({ mount: 'kv', path: 'oneex/back', fields: ['password'] });
//   const idToken = canaries.watch('id token', await issuer.mint());
//   const result = await runPipeline(library, consumer, { variables: { ONEEX_VAULT_ID_TOKEN: idToken } });
//   await canaries.assertNoLeak(result, consumer);

export interface Leak {
  readonly label: string;
  readonly form: string;
  /** `output`, `log of <job>`, or a path relative to the consumer's directory. */
  readonly where: string;
}

export interface SeedRequest {
  readonly mount: string;
  readonly path: string;
  /** Field names (each gets a one-line canary) or field -> `pem` for a multi-line private key. */
  readonly fields: readonly string[] | Readonly<Record<string, 'text' | 'pem'>>;
  readonly namespace?: string;
}

export interface Canaries {
  /** A fresh canary: unique, random, with characters that URL and JSON encoding change. */
  value(label: string, kind?: 'text' | 'pem'): string;
  /** Writes a secret of canaries into the double; returns each field's reference (`kv/data/p#f`). */
  seed(request: SeedRequest): Record<string, string>;
  /** The canary value of a seeded field, by its reference. */
  valueOf(ref: string): string;
  /** Watches another secret (an ID token); returns it. */
  watch(label: string, value: string): string;
  /** Every leak found; empty when none. */
  scan(result: PipelineResult, consumer: Consumer): Promise<Leak[]>;
  /** Fails, naming each leak (never the value), when any canary or watched secret appears. */
  assertNoLeak(result: PipelineResult, consumer: Consumer): Promise<void>;
}

/** The forms a secret may take in output, computed here independently of the library's redactor. */
export function leakForms(secret: string): { form: string; text: string }[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: { form: string; text: string }[] = [
    { form: 'raw', text: secret },
    { form: 'url-encoded', text: encodeURIComponent(secret) },
    { form: 'form-encoded', text: new URLSearchParams({ x: secret }).toString().slice(2) },
    { form: 'json-escaped', text: JSON.stringify(secret).slice(1, -1) },
  ];
  for (const [alphabet, encoding] of [
    ['base64', 'base64'],
    ['base64url', 'base64url'],
  ] as const) {
    // Inside a longer encoded text, the secret starts at byte offset 0, 1 or 2 of a 3-byte group: the
    // characters that depend on the secret alone are stable in each case.
    for (let shift = 0; shift < 3; shift++) {
      const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
        .toString(encoding)
        .replace(/=+$/, '');
      const start = shift === 0 ? 0 : Math.ceil((shift * 4) / 3);
      const end = Math.floor(((shift + bytes.length) * 4) / 3);
      const inner = encoded.slice(start, end);
      if (inner.length >= 8) forms.push({ form: `${alphabet} (offset ${shift})`, text: inner });
    }
  }
  for (const line of secret.split('\n').map((l) => l.trim()))
    if (line.length >= 16 && line !== secret && !/^-----(BEGIN|END) /.test(line))
      forms.push({ form: 'one line of it', text: line });
  const unique = new Map<string, { form: string; text: string }>();
  for (const f of forms) if (!unique.has(f.text)) unique.set(f.text, f);
  return [...unique.values()];
}

function pemKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd();
}

export function createCanaries(vault: VaultDouble): Canaries {
  const watched = new Map<string, string>();
  const byRef = new Map<string, string>();

  const canaries: Canaries = {
    value(label, kind = 'text') {
      const value =
        kind === 'pem'
          ? pemKey()
          : `canary-${label.replace(/[^a-z0-9]+/gi, '-')}-${randomBytes(6).toString('hex')}+/="&%${randomBytes(4).toString('hex')}`;
      watched.set(label, value);
      return value;
    },
    seed(request) {
      const fields = Array.isArray(request.fields)
        ? Object.fromEntries((request.fields as string[]).map((f) => [f, 'text' as const]))
        : (request.fields as Record<string, 'text' | 'pem'>);
      const data: Record<string, string> = {};
      const refs: Record<string, string> = {};
      for (const [field, kind] of Object.entries(fields)) {
        const ref = `${request.mount}/data/${request.path}#${field}`;
        data[field] = canaries.value(`${request.mount}/${request.path}#${field}`, kind);
        refs[field] = ref;
        byRef.set(ref, data[field]);
      }
      vault.putSecret(request.mount, request.path, data, request.namespace);
      return refs;
    },
    valueOf(ref) {
      const value = byRef.get(ref);
      if (value === undefined) throw new Error(`no canary seeded at ${ref}`);
      return value;
    },
    watch(label, value) {
      watched.set(label, value);
      return value;
    },
    async scan(result, consumer) {
      const secrets = new Map(watched);
      for (const [i, token] of vault.issuedTokens().entries()) secrets.set(`vault token #${i + 1}`, token);
      const needles = [...secrets].flatMap(([label, value]) =>
        leakForms(value).map(({ form, text }) => ({ label, form, text })),
      );
      const leaks: Leak[] = [];
      const look = (where: string, text: string) => {
        // `base64` and friends wrap their output at 76 columns: look across line breaks too.
        const joined = text.replace(/\r?\n/g, '');
        for (const needle of needles) {
          if (text.includes(needle.text)) leaks.push({ label: needle.label, form: needle.form, where });
          else if (joined.includes(needle.text))
            leaks.push({ label: needle.label, form: `${needle.form}, across lines`, where });
        }
      };
      look('gitlab-ci-local output', result.output);
      for (const job of result.jobs.values()) look(`log of ${job.name}`, job.log);
      for (const job of result.jobs.keys())
        for (const [path, content] of Object.entries(await result.artifacts(job)))
          look(`artifact ${path} of ${job}`, content);
      // Everything else the run left: artifacts copied back, dotenv reports, workspaces, leftovers.
      for (const file of await listFiles(consumer.dir)) {
        const rel = relative(consumer.dir, file);
        if (rel === '.gitlab-ci-local-variables.yml') continue; // the test's own input to the run
        look(rel, (await readFile(file)).toString('latin1'));
      }
      return leaks;
    },
    async assertNoLeak(result, consumer) {
      // A run where nothing ran leaks nothing and proves nothing.
      if (result.jobs.size === 0) throw new Error(`no job ran; the pipeline printed:\n${result.output}`);
      const leaks = await canaries.scan(result, consumer);
      if (leaks.length > 0) {
        const lines = [...new Set(leaks.map((l) => `  ${l.label} (${l.form}) in ${l.where}`))];
        throw new Error(`${lines.length} secret leak(s) after the pipeline run:\n${lines.join('\n')}`);
      }
    },
  };
  return canaries;
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '.git') continue;
      files.push(...(await listFiles(path)));
    } else if (entry.isFile()) files.push(path);
  }
  return files;
}
