// Oneex's commit convention, shared by the Front, Back, Scanner and CSharp repositories and by this
// library: Conventional Commits (the rules of @commitlint/config-conventional), which semantic-release
// reads to choose each version, with two Oneex choices. Published as `@oneex/ci-components/commitlint`;
// `oneex-ci hooks install` writes the same rules into an app repository's commitlint.config.mjs.

/** @type {import('@commitlint/types').UserConfig['rules']} */
export const rules = {
  // Pasted stack traces and URLs in a body are useful; long lines there only warn.
  'body-max-line-length': [1, 'always', 100],
  'footer-max-line-length': [1, 'always', 100],
  // `feat(Scan)` and `feat(scan)` would be two scopes in the release notes.
  'scope-case': [2, 'always', 'lower-case'],
};

export const helpUrl = 'https://www.conventionalcommits.org/en/v1.0.0/#summary';

/** @type {import('@commitlint/types').UserConfig} */
export default {
  extends: ['@commitlint/config-conventional'],
  rules,
  helpUrl,
};
