// Every secret value the CLI reads is registered here, and everything the CLI writes (its own lines
// and the output of the tools it runs) passes through `redact`. The encoded forms a tool may print are
// covered too: base64 and base64url (also inside a longer encoded text, such as the base64 of
// `user:password` in a Basic auth header or a docker config), URL and form encoding, JSON escaping,
// and each line of a multi-line secret (a key).

const MASK = '[MASKED]';
/** Shorter values would mask ordinary words; GitLab's own masking has a minimum of 8. */
const MIN_LENGTH = 4;
/** Shorter fragments (encoded pieces, lines) would mask ordinary text. */
const MIN_FRAGMENT = 8;

export class Redactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;

  add(secret: string): void {
    if (secret.length < MIN_LENGTH) return;
    for (const form of encodedForms(secret)) this.forms.add(form);
    // Longest first, so a secret that contains another is masked whole.
    const sorted = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(sorted.join('|'), 'g');
  }

  redact(text: string): string {
    return this.pattern === undefined ? text : text.replace(this.pattern, MASK);
  }

  get size(): number {
    return this.forms.size;
  }
}

export function encodedForms(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ]);
  const bytes = Buffer.from(secret);
  for (const encoding of ['base64', 'base64url'] as const) {
    const whole = bytes.toString(encoding);
    forms.add(whole);
    forms.add(whole.replace(/=+$/, ''));
    for (const fragment of alignedBase64(bytes, encoding)) forms.add(fragment);
  }
  // `base64` (coreutils) wraps at 76 columns: each line of the wrapped encoding is masked on its own.
  const wrapped = bytes.toString('base64').match(/.{1,76}/g) ?? [];
  if (wrapped.length > 1)
    for (const line of wrapped) if (line.replace(/=+$/, '').length >= MIN_FRAGMENT) forms.add(line);
  // A multi-line secret (a key) is often printed one line at a time.
  for (const line of secret.split('\n')) if (line.trim().length >= MIN_FRAGMENT) forms.add(line.trim());
  return [...forms].filter((form) => form.length >= MIN_LENGTH);
}

/**
 * The base64 characters that depend on the secret alone when it starts at byte 0, 1 or 2 of a 3-byte
 * group inside a longer text: they appear in the encoding of any text that holds the secret.
 */
function alignedBase64(bytes: Buffer, encoding: 'base64' | 'base64url'): string[] {
  const fragments: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(encoding);
    const fragment = encoded.slice(Math.ceil((shift * 4) / 3), Math.floor(((shift + bytes.length) * 4) / 3));
    if (fragment.length >= MIN_FRAGMENT) fragments.push(fragment);
  }
  return fragments;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const MASKED = MASK;
