// Every secret value the CLI reads is registered here, and everything the CLI writes (its own lines
// and the output of the tools it runs) passes through `redact`. The encoded forms a tool may print are
// covered too: base64 (of the value) and URL encoding.

const MASK = '[MASKED]';
/** Shorter values would mask ordinary words; GitLab's own masking has a minimum of 8. */
const MIN_LENGTH = 4;

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
  const forms = new Set([secret, encodeURIComponent(secret)]);
  const base64 = Buffer.from(secret).toString('base64');
  forms.add(base64);
  forms.add(base64.replace(/=+$/, ''));
  forms.add(Buffer.from(secret).toString('base64url'));
  // A multi-line secret (a key) is often printed one line at a time.
  for (const line of secret.split('\n')) if (line.trim().length >= 8) forms.add(line.trim());
  return [...forms].filter((form) => form.length >= MIN_LENGTH);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const MASKED = MASK;
