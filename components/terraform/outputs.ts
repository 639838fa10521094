// The outputs handed to the next step of the pipeline: `output -json` without the sensitive ones, in
// the same shape (`{ "<name>": { "sensitive": false, "type": <type>, "value": <value> } }`), so any
// tool that reads `tofu output -json` reads this file.

export interface OutputValue {
  readonly sensitive: false;
  readonly type: unknown;
  readonly value: unknown;
}

export function publicOutputs(outputJson: unknown): {
  readonly outputs: Record<string, OutputValue>;
  readonly withheld: readonly string[];
} {
  if (outputJson === null || typeof outputJson !== 'object' || Array.isArray(outputJson))
    throw new Error('output -json did not print an object');
  const outputs: Record<string, OutputValue> = {};
  const withheld: string[] = [];
  for (const [name, raw] of Object.entries(outputJson as Record<string, unknown>)) {
    const output = raw as { sensitive?: unknown; type?: unknown; value?: unknown };
    // Anything not plainly marked non-sensitive is withheld.
    if (output === null || typeof output !== 'object' || output.sensitive !== false) withheld.push(name);
    else outputs[name] = { sensitive: false, type: output.type, value: output.value };
  }
  return { outputs, withheld };
}
