import type { UserConfig } from '@commitlint/types';
import oneex from './conventions/commitlint.mjs';

// The library holds itself to the convention it enforces on the Oneex app repos.
const config: UserConfig = oneex;

export default config;
