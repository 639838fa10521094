import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushStandInBaseImages } from '../support/base-images.ts';
import { containersEnv, startRegistry, type TestRegistry } from '../support/registry.ts';

// Each example's Containerfile built by real buildah, its base images replaced by the stand-ins
// (test/support/base-images.ts) through its own ARGs, as Harbor's proxies would serve the real ones.

const run = promisify(execFile);
const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const APPS = ['oneex-front', 'oneex-back', 'oneex-scanner', 'oneex-csharp'] as const;
type App = (typeof APPS)[number];

interface ImageConfig {
  readonly User?: string;
  readonly ExposedPorts?: Record<string, object>;
  readonly Cmd?: string[];
  readonly Entrypoint?: string[];
  readonly Env?: string[];
}

let registry: TestRegistry;
let env: Record<string, string>;
let dir: string;
const built = new Map<App, { config: ImageConfig; root: string; log: string }>();

const buildah = async (args: readonly string[]) =>
  (await run('buildah', args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 })).stdout;

async function build(app: App, buildArgs: Readonly<Record<string, string>>): Promise<void> {
  const reference = `localhost/examples/${app}:test`;
  const log = await buildah([
    'bud',
    '--isolation',
    'chroot',
    '--authfile',
    registry.authFile,
    '--cert-dir',
    registry.certDir,
    ...Object.entries(buildArgs).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
    '--file',
    'Containerfile',
    '-t',
    reference,
    join(EXAMPLES, app),
  ]);
  const inspected = JSON.parse(await buildah(['inspect', '--type', 'image', reference])) as {
    OCIv1: { config: ImageConfig };
  };
  const container = (await buildah(['from', '--pull=never', '--quiet', reference])).trim();
  const root = (await buildah(['mount', container])).trim();
  built.set(app, { config: inspected.OCIv1.config, root, log });
}

const image = (app: App) => {
  const found = built.get(app);
  if (found === undefined) throw new Error(`${app} was not built`);
  return found;
};
const file = (app: App, path: string) => readFile(join(image(app).root, path), 'utf8');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oneex-examples-images-'));
  registry = await startRegistry();
  env = await containersEnv(dir);
  const args = await pushStandInBaseImages(registry, env);
  const only = (...names: (keyof typeof args)[]) =>
    Object.fromEntries(names.map((name) => [name, args[name]]));
  // Two at a time: the machine has two cores, and each build is mostly one process.
  await Promise.all([
    build('oneex-front', only('NODE_IMAGE', 'NGINX_IMAGE')),
    build('oneex-scanner', only('PYTHON_IMAGE')),
  ]);
  await Promise.all([
    build('oneex-back', only('NODE_IMAGE')),
    build('oneex-csharp', only('SDK_IMAGE', 'RUNTIME_IMAGE')),
  ]);
}, 240_000);

afterAll(async () => {
  await buildah(['rm', '--all']).catch(() => '');
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('example Containerfiles', () => {
  it('oneex-front: NGINX serves the SPA its build stage compiled from TypeScript', async () => {
    const main = await file('oneex-front', 'usr/share/nginx/html/assets/main.js');
    expect(main).toContain("from './mrz-client.js'");
    expect(main).not.toMatch(/HTMLFormElement|: string/);
    const client = await file('oneex-front', 'usr/share/nginx/html/assets/mrz-client.js');
    expect(client).toContain('export async function checkMrz(');
    expect(client).not.toContain('interface ');
    expect(await file('oneex-front', 'usr/share/nginx/html/index.html')).toContain('src="/assets/main.js"');
    const nginx = await file('oneex-front', 'etc/nginx/nginx.conf');
    expect(nginx).toContain('listen 8080;');
    expect(nginx).toContain('pid /tmp/nginx.pid;');
    // Nothing of the build stage reaches the runtime image.
    await expect(file('oneex-front', 'usr/local/bin/node')).rejects.toThrow(/ENOENT/);
    await expect(file('oneex-front', 'usr/share/nginx/html/main.ts')).rejects.toThrow(/ENOENT/);
    const { config } = image('oneex-front');
    expect(config.User).toBe('nginx');
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(config.Cmd).toEqual(['nginx', '-g', 'daemon off;']);
  });

  it('oneex-back: the compiled server, run by Node as the node user', async () => {
    const server = await file('oneex-back', 'app/dist/server.js');
    expect(server).toContain("from './mrz.js'");
    expect(server).toContain('/api/mrz/check');
    expect(await file('oneex-back', 'app/dist/main.js')).toContain("from './server.js'");
    await expect(file('oneex-back', 'app/src/server.ts')).rejects.toThrow(/ENOENT/);
    const { config } = image('oneex-back');
    expect(config.User).toBe('node');
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['3000/tcp']);
    expect(config.Cmd).toEqual(['node', 'dist/main.js']);
    expect(config.Env).toContain('NODE_ENV=production');
  });

  it('oneex-back: the image really runs its server with the Node it holds', async () => {
    // The stand-in holds the real Node 22, so the compiled JavaScript can be loaded in the image.
    const { root } = image('oneex-back');
    const { stdout } = await run('chroot', [
      root,
      '/usr/local/bin/node',
      '--input-type=module',
      '-e',
      "const { checkTd3 } = await import('/app/dist/mrz.js'); console.log(checkTd3(['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<', 'L898902C36UTO7408122F1204159ZE184226B<<<<<10']).valid)",
    ]);
    expect(stdout.trim()).toBe('true');
  });

  it('oneex-scanner: the package, run as an unprivileged uid', async () => {
    expect(await file('oneex-scanner', 'app/scanner/mrz.py')).toContain('def parse(');
    expect(await file('oneex-scanner', 'app/pyproject.toml')).toContain('name = "oneex-scanner"');
    // .dockerignore keeps the tests out of the image.
    await expect(file('oneex-scanner', 'app/tests/test_mrz.py')).rejects.toThrow(/ENOENT/);
    const { config } = image('oneex-scanner');
    expect(config.User).toBe('10001:10001');
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['8000/tcp']);
    expect(config.Cmd).toEqual(['python', '-m', 'scanner']);
  });

  it('oneex-csharp: the published app on the ASP.NET runtime, as the app user', async () => {
    const { log, config } = image('oneex-csharp');
    expect(log).toContain('Oneex.Csharp -> /app/publish/');
    expect(await file('oneex-csharp', 'app/Oneex.Csharp.dll')).toContain('DotnetSdkDouble');
    const runtimeConfig = JSON.parse(await file('oneex-csharp', 'app/Oneex.Csharp.runtimeconfig.json'));
    expect(runtimeConfig.runtimeOptions.framework.name).toBe('Microsoft.AspNetCore.App');
    // UseAppHost=false: no native launcher, `dotnet Oneex.Csharp.dll` starts it.
    await expect(file('oneex-csharp', 'app/Oneex.Csharp')).rejects.toThrow(/ENOENT/);
    expect(config.User).toBe('app');
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(config.Entrypoint).toEqual(['dotnet', 'Oneex.Csharp.dll']);
  });
});
