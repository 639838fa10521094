// The notes generator ships no types; this is the one function the library calls.
declare module '@semantic-release/release-notes-generator' {
  export function generateNotes(
    pluginConfig: Readonly<Record<string, unknown>>,
    context: Readonly<Record<string, unknown>>,
  ): Promise<string>;
}
