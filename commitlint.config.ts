import type { UserConfig } from '@commitlint/types';

// The library holds itself to the convention it enforces on the Oneex app repos.
const config: UserConfig = {
  extends: ['@commitlint/config-conventional'],
};

export default config;
