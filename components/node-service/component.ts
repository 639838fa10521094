import { servicePreset } from '../service-preset.ts';

export default servicePreset({
  name: 'node-service',
  summary:
    'The whole pipeline of a TypeScript or JavaScript service (Oneex Front, Back): lint, image, promotion, release.',
  stack: `For a Node.js project: a TypeScript API (Oneex Back), or a TypeScript single-page app whose
image serves its build with NGINX (Oneex Front). The lint job runs ESLint, Prettier and \`tsc --noEmit\`
with the repository's own configuration (its devDependencies, installed by \`npm ci\`), hadolint on the
Containerfile, yamllint and ShellCheck.`,
});
