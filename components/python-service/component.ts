import { servicePreset } from '../service-preset.ts';

export default servicePreset({
  name: 'python-service',
  summary: 'The whole pipeline of a Python service (Oneex Scanner): lint, image, promotion, release.',
  stack: `For a Python project (pyproject.toml). The lint job runs Ruff (or Flake8 where the repository
configures it) with the repository's configuration, hadolint on the Containerfile, yamllint and
ShellCheck.`,
});
