import { createRequire } from 'node:module';

// The bundle has its version written in at build time (scripts/bundle.ts); from source, package.json says.
declare const __ONEEX_CI_VERSION__: string | undefined;

export const VERSION: string =
  typeof __ONEEX_CI_VERSION__ === 'string'
    ? __ONEEX_CI_VERSION__
    : (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
