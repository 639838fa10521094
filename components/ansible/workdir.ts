import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A directory only the job's user can read, outside the project directory (so nothing in it can
// become an artifact or a cache), for the SSH key, the vault password and the files Ansible writes
// for the component. It is removed when the action ends, whatever happened.

export interface PrivateDir {
  readonly path: string;
  /** Writes a file readable by the owner only, and returns its path. */
  write(name: string, content: string): Promise<string>;
}

export async function withPrivateDir<T>(prefix: string, body: (dir: PrivateDir) => Promise<T>): Promise<T> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  await chmod(path, 0o700);
  const dir: PrivateDir = {
    path,
    async write(name, content) {
      const file = join(path, name);
      await writeFile(file, content, { mode: 0o600 });
      // `mode` applies only when the file is created; make it hold for a rewrite too.
      await chmod(file, 0o600);
      return file;
    },
  };
  try {
    return await body(dir);
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}
