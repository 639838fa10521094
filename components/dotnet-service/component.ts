import { servicePreset } from '../service-preset.ts';

export default servicePreset({
  name: 'dotnet-service',
  summary: 'The whole pipeline of a .NET 8 service (Oneex CSharp): lint, image, promotion, release.',
  stack: `For a .NET 8 project (\`*.sln\`, \`*.csproj\`). The lint job runs \`dotnet format
--verify-no-changes\` (reading .editorconfig), hadolint on the Containerfile, yamllint and ShellCheck.
It needs the .NET SDK beside \`oneex-ci\`: its image is the CI/CD variable \`ONEEX_CI_DOTNET_IMAGE\`
(set it at group level to the library image with the .NET 8 SDK added), or the \`lint_image\` input.
The image itself is built from the project's multi-stage Containerfile (SDK stage, runtime stage).`,
  lint: { image: '$ONEEX_CI_DOTNET_IMAGE' },
  variables: [
    { name: 'ONEEX_CI_DOTNET_IMAGE', what: 'the library image with the .NET 8 SDK, for the lint job' },
  ],
});
