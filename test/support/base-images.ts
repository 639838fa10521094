import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildAndPush, type TestRegistry } from './registry.ts';

// Stand-ins for the base images the example Containerfiles name (Harbor's proxies of Docker Hub and
// mcr.microsoft.com), which this machine cannot pull: each is built `FROM scratch` on busybox-static,
// pushed once to the test registry, and named `*-stand-in`. The build arguments returned point each
// Containerfile's `ARG` at them. What a build stage runs is real where it can be: the Node stand-in
// holds the real Node 22 binary, so the Front and Back really compile; the .NET SDK stand-in's `dotnet`
// is test/doubles/dotnet-sdk-double.sh. The runtime stand-ins (NGINX, Python, ASP.NET) hold a shell and
// the users of the real images only: the tests build those stages, they do not run them.

const run = promisify(execFile);
const NODE = join(import.meta.dirname, '..', '..', 'node_modules', 'node', 'bin', 'node');
const DOTNET_DOUBLE = join(import.meta.dirname, '..', 'doubles', 'dotnet-sdk-double.sh');

/** The build arguments of every example Containerfile, pointing at the stand-ins. */
export interface StandInBuildArgs {
  readonly NODE_IMAGE: string;
  readonly NGINX_IMAGE: string;
  readonly PYTHON_IMAGE: string;
  readonly SDK_IMAGE: string;
  readonly RUNTIME_IMAGE: string;
}

interface StandIn {
  readonly arg: keyof StandInBuildArgs;
  readonly name: string;
  readonly tag: string;
  /** Users besides root, as the real image has them: name and uid (the group has the same id). */
  readonly users: readonly (readonly [string, number])[];
  /** Files to add: absolute path in the image, path on this machine, mode. */
  readonly files?: () => Promise<readonly (readonly [string, string, number])[]>;
  readonly env?: readonly string[];
}

/** The shared libraries `ldd` says a binary needs, with their absolute paths. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return [...stdout.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1] as string);
}

const STAND_INS: readonly StandIn[] = [
  {
    arg: 'NODE_IMAGE',
    name: 'node-stand-in',
    tag: '22-alpine',
    users: [['node', 1000]],
    files: async () => [
      ['/usr/local/bin/node', NODE, 0o755],
      ...(await sharedLibraries(NODE)).map((lib) => [lib, lib, 0o755] as const),
    ],
  },
  { arg: 'NGINX_IMAGE', name: 'nginx-stand-in', tag: '1.27-alpine', users: [['nginx', 101]] },
  { arg: 'PYTHON_IMAGE', name: 'python-stand-in', tag: '3.12-slim', users: [] },
  {
    arg: 'SDK_IMAGE',
    name: 'dotnet-sdk-stand-in',
    tag: '8.0',
    users: [],
    files: async () => [['/usr/bin/dotnet', DOTNET_DOUBLE, 0o755]],
  },
  {
    arg: 'RUNTIME_IMAGE',
    name: 'aspnet-stand-in',
    tag: '8.0',
    users: [['app', 1654]],
    env: ['APP_UID=1654', 'ASPNETCORE_HTTP_PORTS=8080'],
  },
];

async function buildStandIn(
  standIn: StandIn,
  registry: TestRegistry,
  env: Readonly<Record<string, string>>,
): Promise<string> {
  const reference = `${registry.host}/stand-in/${standIn.name}:${standIn.tag}`;
  const context = await mkdtemp(join(tmpdir(), `oneex-${standIn.name}-`));
  try {
    const root = join(context, 'root');
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'etc'));
    await mkdir(join(root, 'tmp'), { mode: 0o1777 });
    await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
    const users = [['root', 0], ...standIn.users] as const;
    await writeFile(
      join(root, 'etc', 'passwd'),
      users
        .map(([name, id]) => `${name}:x:${id}:${id}:${name}:/${id === 0 ? 'root' : 'home'}:/bin/sh\n`)
        .join(''),
    );
    await writeFile(join(root, 'etc', 'group'), users.map(([name, id]) => `${name}:x:${id}:\n`).join(''));
    for (const [target, source] of (await standIn.files?.()) ?? []) {
      await mkdir(dirname(join(root, target)), { recursive: true });
      await copyFile(source, join(root, target));
    }
    const chmods = ((await standIn.files?.()) ?? []).map(
      ([target, , mode]) => `chmod ${mode.toString(8)} ${target}`,
    );
    await writeFile(
      join(context, 'Containerfile'),
      [
        `# ${standIn.name}: a test stand-in for the base image, not the real one.`,
        'FROM scratch',
        'COPY root/ /',
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        ...(chmods.length > 0 ? [`RUN ${chmods.join(' && ')}`] : []),
        `ENV PATH=/usr/local/bin:/usr/bin:/bin${standIn.env?.map((e) => ` ${e}`).join('') ?? ''}`,
        `LABEL org.opencontainers.image.title=${standIn.name}`,
        '',
      ].join('\n'),
    );
    return await buildAndPush(registry, env, context, reference);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Builds and pushes every stand-in (in parallel) into `registry`, with the containers storage `env`,
 * and returns the build arguments that point the example Containerfiles at them.
 */
export async function pushStandInBaseImages(
  registry: TestRegistry,
  env: Readonly<Record<string, string>>,
): Promise<StandInBuildArgs> {
  const references = await Promise.all(STAND_INS.map((standIn) => buildStandIn(standIn, registry, env)));
  return Object.fromEntries(
    STAND_INS.map((standIn, index) => [standIn.arg, references[index]]),
  ) as unknown as StandInBuildArgs;
}
