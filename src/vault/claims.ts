// The job's ID token, read only for what it says about the job: its claims are not secret (GitLab
// documents them, and they name the project, ref and environment), its signature and the token as a
// whole are. Nothing here prints or returns the token itself.

export type Claims = Readonly<Record<string, unknown>>;

/** The claims a role's bound_claims usually test, shown when Vault refuses a login. */
export const SHOWN_CLAIMS = [
  'project_path',
  'namespace_path',
  'ref',
  'ref_type',
  'ref_protected',
  'environment',
  'environment_protected',
  'deployment_tier',
  'pipeline_source',
] as const;

/** The payload of a compact JWS, or undefined when the text is not one. Does not check the signature. */
export function decodeClaims(jwt: string): Claims | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? (payload as Claims)
      : undefined;
  } catch {
    return undefined;
  }
}

const show = (value: unknown): string =>
  value === undefined
    ? '(not in the token)'
    : typeof value === 'string'
      ? `"${value}"`
      : JSON.stringify(value);

/** `  project_path = "oneex/back"` lines, the mismatched claim (if Vault named it) marked. */
export function describeClaims(claims: Claims | undefined, mismatched?: string): string[] {
  if (claims === undefined) return ['  (the ID token could not be decoded)'];
  const names: string[] = [...SHOWN_CLAIMS];
  if (mismatched !== undefined && !names.includes(mismatched)) names.push(mismatched);
  const width = Math.max(...names.map((n) => n.length));
  return names.map(
    (name) =>
      `  ${name.padEnd(width)} = ${show(claims[name])}${name === mismatched ? '   <- does not match the role' : ''}`,
  );
}

export function audienceOf(claims: Claims | undefined): readonly string[] {
  const aud = claims?.aud;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/** Expiry as a Date, when the token says. */
export function expiryOf(claims: Claims | undefined): Date | undefined {
  return typeof claims?.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
}
