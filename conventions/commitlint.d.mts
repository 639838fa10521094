import type { UserConfig } from '@commitlint/types';

export declare const rules: NonNullable<UserConfig['rules']>;
export declare const helpUrl: string;
declare const config: UserConfig;
export default config;
