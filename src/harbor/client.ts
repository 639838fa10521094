import type { RegistryCredentials } from '../registry/access.ts';
import { EXIT, OneexError } from '../runtime/errors.ts';
import { type HttpResponse, http, NetworkError } from '../runtime/http.ts';
import type { Redactor } from '../runtime/redact.ts';

// Harbor's v2.0 REST API, the part jobs need: scan an artifact, read its scan overview and its
// vulnerabilities. Harbor's own ways are kept: repository names URL-encoded twice in paths, scan
// overviews keyed by report MIME type, a failed robot login answered as anonymous (401), errors as
// `{"errors": [{code, message}]}`.

/** The report types Harbor's scanners produce, newest first; Harbor keys `scan_overview` by them. */
export const VULNERABILITY_REPORT_TYPES = [
  'application/vnd.security.vulnerability.report; version=1.1',
  'application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0',
] as const;

export type ScanStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped' | 'Scheduled';

export interface ScanOverview {
  readonly report_id?: string;
  readonly scan_status: ScanStatus;
  readonly severity?: string;
  readonly summary?: {
    readonly total?: number;
    readonly fixable?: number;
    readonly summary?: Readonly<Record<string, number>>;
  };
  readonly scanner?: { readonly name?: string; readonly vendor?: string; readonly version?: string };
  readonly start_time?: string;
  readonly end_time?: string;
}

export interface Vulnerability {
  readonly id: string;
  readonly package: string;
  readonly version: string;
  readonly fix_version?: string;
  readonly severity: string;
  readonly description?: string;
  readonly links?: readonly string[];
}

export interface ArtifactRef {
  /** The Harbor project: the first path component of the repository. */
  readonly project: string;
  /** The repository inside the project (`back`, `apps/back`). */
  readonly repository: string;
  readonly digest: string;
}

/** `oneex/apps/back` -> project `oneex`, repository `apps/back`. */
export function harborArtifact(path: string, digest: string): ArtifactRef {
  const [project = '', ...rest] = path.split('/');
  return { project, repository: rest.join('/'), digest };
}

export class HarborClient {
  private readonly base: string;
  constructor(
    url: string,
    private readonly credentials: RegistryCredentials | undefined,
    redactor: Redactor,
  ) {
    this.base = `${url.replace(/\/+$/, '')}/api/v2.0`;
    if (credentials !== undefined) {
      redactor.add(credentials.password);
      redactor.add(this.authorization() ?? '');
    }
  }

  private authorization(): string | undefined {
    if (this.credentials === undefined) return undefined;
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  private artifactPath(artifact: ArtifactRef): string {
    // Harbor routes on the decoded path, so a `/` in a repository name must survive one decoding.
    const repository = encodeURIComponent(encodeURIComponent(artifact.repository));
    return `${this.base}/projects/${encodeURIComponent(artifact.project)}/repositories/${repository}/artifacts/${artifact.digest}`;
  }

  private async send(method: 'GET' | 'POST', url: string, what: string): Promise<HttpResponse> {
    const authorization = this.authorization();
    try {
      return await http({
        method,
        url,
        headers: {
          ...(authorization !== undefined ? { Authorization: authorization } : {}),
          'X-Accept-Vulnerabilities': VULNERABILITY_REPORT_TYPES.join(', '),
        },
      });
    } catch (error) {
      if (error instanceof NetworkError) {
        throw new OneexError(
          'EHARBOR',
          `Harbor did not answer while trying to ${what}: ${error.reason}.`,
          'Check the Harbor URL the job uses, and that Harbor is up.',
          EXIT.unavailable,
        );
      }
      throw error;
    }
  }

  /** Asks Harbor to scan the artifact: `started`, or `running` when a scan of it is already under way. */
  async startScan(artifact: ArtifactRef): Promise<'started' | 'running'> {
    const what = `scan ${describe(artifact)}`;
    const response = await this.send('POST', `${this.artifactPath(artifact)}/scan`, what);
    if (response.status === 202) return 'started';
    if (response.status === 409) return 'running';
    if (response.status === 412) {
      throw new OneexError(
        'EHARBOR_NO_SCANNER',
        `Harbor cannot ${what}: the project has no vulnerability scanner (${harborMessage(response)}).`,
        'Ask a Harbor administrator to set a default scanner (Trivy) or one for the project, or do without the scan.',
        EXIT.unavailable,
      );
    }
    throw failure(response, what);
  }

  /** The artifact's vulnerability scan overview; undefined when it was never scanned. */
  async scanOverview(artifact: ArtifactRef): Promise<ScanOverview | undefined> {
    const what = `read the scan of ${describe(artifact)}`;
    const response = await this.send('GET', `${this.artifactPath(artifact)}?with_scan_overview=true`, what);
    if (response.status !== 200) throw failure(response, what);
    const overview = (response.body as { scan_overview?: Record<string, ScanOverview> }).scan_overview;
    if (overview === undefined) return undefined;
    const type = VULNERABILITY_REPORT_TYPES.find((t) => overview[t] !== undefined);
    return type === undefined ? undefined : overview[type];
  }

  async vulnerabilities(artifact: ArtifactRef): Promise<Vulnerability[]> {
    const what = `read the vulnerabilities of ${describe(artifact)}`;
    const response = await this.send('GET', `${this.artifactPath(artifact)}/additions/vulnerabilities`, what);
    if (response.status !== 200) throw failure(response, what);
    const reports = response.body as Record<string, { vulnerabilities?: Vulnerability[] | null }>;
    const type = VULNERABILITY_REPORT_TYPES.find((t) => reports[t] !== undefined);
    return type === undefined ? [] : (reports[type]?.vulnerabilities ?? []);
  }
}

const describe = (artifact: ArtifactRef): string =>
  `${artifact.project}/${artifact.repository}@${artifact.digest.slice(0, 19)}…`;

function harborMessage(response: HttpResponse): string {
  const errors = (response.body as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (first !== undefined) return `${first.code ?? 'error'}: ${first.message ?? ''}`.trim();
  return typeof response.body === 'string' && response.body !== ''
    ? response.body.slice(0, 200)
    : 'no details';
}

function failure(response: HttpResponse, what: string): OneexError {
  const detail = `HTTP ${response.status}, ${harborMessage(response)}`;
  const request = response.headers.get('x-request-id');
  const suffix = request !== null ? ` (X-Request-Id ${request})` : '';
  switch (response.status) {
    case 401:
      return new OneexError(
        'EHARBOR_AUTH',
        `Harbor refused to ${what}: not logged in (${detail})${suffix}.`,
        'Harbor answers a wrong robot name or secret as anonymous: check the robot account and that it has not expired.',
        EXIT.unavailable,
      );
    case 403:
      return new OneexError(
        'EHARBOR_FORBIDDEN',
        `Harbor refused to ${what}: the robot account may not (${detail})${suffix}.`,
        'Give the robot account the permissions to read artifacts and to create scans in the project.',
        EXIT.unavailable,
      );
    case 404:
      return new OneexError(
        'EHARBOR_NOT_FOUND',
        `Harbor could not ${what}: not found (${detail})${suffix}.`,
        'Check the Harbor URL the job uses, and that the image was pushed to this Harbor.',
        EXIT.unavailable,
      );
    default:
      return new OneexError(
        'EHARBOR',
        `Harbor could not ${what} (${detail})${suffix}.`,
        'Check Harbor’s health; re-run the job when it answers again.',
        EXIT.unavailable,
      );
  }
}
