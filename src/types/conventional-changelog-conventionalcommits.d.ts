// Version 9 of the preset ships no types (10 does, but semantic-release's writer cannot render 10:
// package.json holds it at 9 until @semantic-release/release-notes-generator moves to writer 9).
declare module 'conventional-changelog-conventionalcommits' {
  export default function createPreset(config?: Readonly<Record<string, unknown>>): {
    readonly commits: Readonly<Record<string, unknown>>;
    readonly parser: Readonly<Record<string, unknown>>;
    readonly writer: Readonly<Record<string, unknown>>;
    readonly whatBump: unknown;
  };
}
