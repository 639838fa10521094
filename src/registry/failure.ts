// What a failed buildah or skopeo run means, read from what it printed (containers/image words its
// errors consistently): whether another attempt may pass, and what a person should do otherwise.

interface Known {
  readonly pattern: RegExp;
  readonly reason: string;
  readonly hint: string;
}

// Final failures first: a 401 inside a 5xx-looking line is still a 401.
const PERMANENT: readonly Known[] = [
  {
    pattern: /unauthorized|authentication required|invalid username\/password|401 Unauthorized/i,
    reason: 'the registry refused the credentials',
    hint: 'Check the robot account (name and secret, not expired). Harbor treats a failed login as anonymous.',
  },
  {
    pattern: /immutable/i,
    reason: 'the tag is immutable in the registry',
    hint: 'A Harbor tag immutability rule protects this tag: it keeps the image it has. Reuse that image rather than rebuilding it.',
  },
  {
    pattern: /denied|403 Forbidden|insufficient_scope/i,
    reason: 'the registry denied the request',
    hint: 'Give the robot account push and pull permission on the Harbor project (and check its quota and tag immutability rules).',
  },
  {
    pattern: /x509:|certificate signed by unknown authority|tls: failed to verify/i,
    reason: 'the registry certificate is not trusted',
    hint: 'Give the job the CA bundle that signed the registry certificate (a CA file input of the component).',
  },
  {
    pattern: /manifest unknown|name unknown|not found|404/i,
    reason: 'the registry does not know that image',
    hint: 'Check the image name, and that the base images in the Containerfile exist in the registry.',
  },
];

const TRANSIENT =
  /\b5\d\d\b|StatusCode: 5|Service Unavailable|Bad Gateway|Gateway Timeout|Internal Server Error|too many requests|toomanyrequests|\b429\b|connection reset|connection refused|broken pipe|unexpected EOF|\bEOF\b|i\/o timeout|TLS handshake timeout|context deadline exceeded|timeout awaiting response|no such host|server misbehaving|use of closed network connection/i;

export const UNKNOWN = 'the tool failed';

export interface FailureReading {
  readonly transient: boolean;
  readonly reason: string;
  readonly hint: string;
}

// A build step's own command failed: its text may hold anything ("503", "timeout"), so nothing else is read.
const STEP_FAILED = /building at STEP .*: (?:while running runtime: )?exit status \d+/;

export function readFailure(output: string): FailureReading {
  if (STEP_FAILED.test(output))
    return { transient: false, reason: UNKNOWN, hint: 'Read the build output above.' };
  const known = PERMANENT.find((k) => k.pattern.test(output));
  if (known !== undefined) return { transient: false, reason: known.reason, hint: known.hint };
  if (TRANSIENT.test(output)) {
    return {
      transient: true,
      reason: 'the registry did not answer properly (server error, timeout or reset connection)',
      hint: 'The registry was unavailable for longer than the retries allow; re-run the job, or check Harbor’s health.',
    };
  }
  return { transient: false, reason: UNKNOWN, hint: 'Read the tool output above.' };
}

/** The lines worth showing from a tool's output: its errors, not its progress bars. */
export function errorLines(output: string, most = 6): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines.filter((line) =>
    /error|fatal|level=(fatal|error)|failed|denied|unauthorized/i.test(line),
  );
  return (errors.length > 0 ? errors : lines).slice(-most).join('\n');
}
