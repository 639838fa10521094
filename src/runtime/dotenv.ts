import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

// A dotenv report as GitLab reads it (artifacts:reports:dotenv): `KEY=value` lines, keys of
// [A-Za-z0-9_], one-line unquoted values, 5 KB at most. It is an artifact that every later job and
// anyone with read access sees, so it carries references and digests, never a secret.

const KEY = /^[A-Za-z0-9_]+$/;
const MAX_BYTES = 5 * 1024;

export function dotenv(values: Readonly<Record<string, string>>): string {
  const lines = Object.entries(values).map(([key, value]) => {
    if (!KEY.test(key)) throw new Error(`dotenv key ${JSON.stringify(key)} is not [A-Za-z0-9_]+`);
    if (/[\r\n]/.test(value)) throw new Error(`dotenv value of ${key} spans lines`);
    return `${key}=${value}`;
  });
  const text = `${lines.join('\n')}\n`;
  if (Buffer.byteLength(text) > MAX_BYTES)
    throw new Error(`dotenv report exceeds GitLab's ${MAX_BYTES} bytes`);
  return text;
}

export async function writeDotenv(path: string, values: Readonly<Record<string, string>>): Promise<void> {
  const text = dotenv(values);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
