// What the page does, apart from the DOM: turn what the operator typed into MRZ lines, ask the Back
// to check them, and say what it answered. Kept free of `document` so that it is tested under Node.

export interface FieldCheck {
  readonly field: string;
  readonly expected: number;
  readonly found: string;
  readonly valid: boolean;
}

export interface MrzResult {
  readonly valid: boolean;
  readonly surname: string;
  readonly givenNames: string;
  readonly documentNumber: string;
  readonly nationality: string;
  readonly birthDate: string;
  readonly expiryDate: string;
  readonly checks: readonly FieldCheck[];
}

export type Outcome =
  | { readonly kind: 'checked'; readonly result: MrzResult }
  | { readonly kind: 'refused'; readonly message: string };

const LABELS: Readonly<Record<string, string>> = {
  documentNumber: 'document number',
  birthDate: 'date of birth',
  expiryDate: 'date of expiry',
  personalNumber: 'personal number',
  composite: 'composite',
};

/** The MRZ lines in a pasted text: blank lines dropped, spaces removed, upper case. */
export function mrzLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+/g, '').toUpperCase())
    .filter((line) => line !== '');
}

/** Asks the Back (same origin, `/api`) to check the lines. */
export async function checkMrz(
  lines: readonly string[],
  fetcher: typeof fetch = fetch,
  base = '',
): Promise<Outcome> {
  const response = await fetcher(`${base}/api/mrz/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lines }),
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) {
    return { kind: 'refused', message: body.error ?? `the API answered ${response.status}` };
  }
  return { kind: 'checked', result: body as MrzResult };
}

/** One sentence for the operator. */
export function describe(outcome: Outcome): string {
  if (outcome.kind === 'refused') return `Not an MRZ: ${outcome.message}.`;
  const { result } = outcome;
  const holder = `${result.givenNames} ${result.surname}`.trim();
  if (result.valid) {
    return `Valid MRZ: document ${result.documentNumber} (${result.nationality}) of ${holder}, expires ${result.expiryDate}.`;
  }
  const wrong = result.checks.filter((c) => !c.valid).map((c) => LABELS[c.field] ?? c.field);
  return `Invalid MRZ: wrong check digit for ${wrong.join(', ')}.`;
}
