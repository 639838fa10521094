import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

// A test double of Harbor's v2.0 REST API, the scan part: POST .../artifacts/{ref}/scan,
// GET .../artifacts/{ref}?with_scan_overview=true and GET .../artifacts/{ref}/additions/vulnerabilities.
// It follows Harbor's documented behaviour strictly:
// - the router works on the decoded path, so a repository with `/` must be encoded twice
//   (`apps%252Fback`); encoded once, the path does not match and the answer is 404;
// - scan: 202 started, 409 while a scan is pending or running, 412 when the project has no scanner,
//   404 for an unknown artifact;
// - `scan_overview` is keyed by the report MIME type and absent for a never-scanned artifact; its
//   `summary.summary` lists only the severities found;
// - failed basic auth is treated as anonymous: 401 where anonymous is refused, 403 when a known
//   account lacks the permission; errors are `{"errors":[{code, message}]}`.
// Artifacts exist when `resolve` says so (the tests ask the real registry).

export const REPORT_MIME = 'application/vnd.security.vulnerability.report; version=1.1';

export interface DoubleVulnerability {
  readonly id: string;
  readonly package: string;
  readonly version: string;
  readonly fix_version?: string;
  readonly severity: 'Critical' | 'High' | 'Medium' | 'Low' | 'Negligible' | 'Unknown';
  readonly description?: string;
}

export interface HarborDoubleOptions {
  /** Robot accounts: name -> secret and whether the account may create scans. */
  readonly accounts: Readonly<Record<string, { readonly secret: string; readonly canScan: boolean }>>;
  /** Projects with a scanner; others answer 412 to a scan. */
  readonly scannerProjects: readonly string[];
  /** The digest an artifact reference names, or undefined when there is no such artifact. */
  readonly resolve: (project: string, repository: string, reference: string) => Promise<string | undefined>;
  /** GETs a scan stays Running before it succeeds. */
  readonly runningPolls?: number;
}

interface Scan {
  reportId: string;
  status: 'Pending' | 'Running' | 'Success' | 'Error';
  pollsLeft: number;
  start: string;
  end?: string;
}

export interface DoubleRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly user: string | undefined;
  readonly status: number;
}

export class HarborDouble {
  readonly requests: DoubleRequest[] = [];
  private readonly scans = new Map<string, Scan>();
  private readonly findings = new Map<string, DoubleVulnerability[]>();
  /** Forces the outcome of the next scans (Error), for failure tests. */
  failScans = false;
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: HarborDoubleOptions,
  ) {}

  static async start(options: HarborDoubleOptions): Promise<HarborDouble> {
    let double: HarborDouble | undefined;
    const server = createServer((request, response) => {
      void double?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    double = new HarborDouble(server, `http://127.0.0.1:${port}`, options);
    return double;
  }

  /** What the scanner will find in a repository (`project/repository`), whatever the digest. */
  setFindings(repository: string, vulnerabilities: DoubleVulnerability[]): void {
    this.findings.set(repository, vulnerabilities);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private user(request: IncomingMessage): { name: string; canScan: boolean } | undefined {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const name = decoded.slice(0, colon);
    const account = this.options.accounts[name];
    // Harbor: a failed basic login does not fail the request; the caller is anonymous.
    if (account === undefined || account.secret !== decoded.slice(colon + 1)) return undefined;
    return { name, canScan: account.canScan };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawPath = request.url ?? '/';
    const user = this.user(request);
    const send = (status: number, body?: unknown) => {
      this.requests.push({ method: request.method ?? 'GET', rawPath, user: user?.name, status });
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'X-Request-Id': randomUUID(),
      });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string) =>
      send(status, { errors: [{ code, message }] });
    request.resume();

    const [pathPart = '', query = ''] = rawPath.split('?');
    // The router sees the path decoded once, as Harbor's does.
    const segments = decodeURIComponent(pathPart)
      .split('/')
      .filter((s) => s !== '');
    const match =
      segments.length >= 8 &&
      segments[0] === 'api' &&
      segments[1] === 'v2.0' &&
      segments[2] === 'projects' &&
      segments[4] === 'repositories' &&
      segments[6] === 'artifacts';
    const tail = segments.slice(8).join('/');
    if (!match || !['', 'scan', 'additions/vulnerabilities'].includes(tail)) {
      error(404, 'NOT_FOUND', `no route for ${request.method} ${pathPart}`);
      return;
    }
    const project = segments[3] as string;
    const repository = decodeURIComponent(segments[5] as string);
    const reference = segments[7] as string;
    // Projects in this double are private: anonymous callers are refused.
    if (user === undefined) {
      error(401, 'UNAUTHORIZED', 'unauthorized');
      return;
    }
    const digest = await this.options.resolve(project, repository, reference);
    if (digest === undefined) {
      error(404, 'NOT_FOUND', `artifact ${project}/${repository}@${reference} not found`);
      return;
    }
    const key = `${project}/${repository}@${digest}`;

    if (tail === 'scan') {
      if (request.method !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
      if (!user.canScan) return error(403, 'FORBIDDEN', `forbidden: ${user.name} may not scan in ${project}`);
      if (!this.options.scannerProjects.includes(project)) {
        return error(412, 'PRECONDITION', `no available scanner for project ${project}`);
      }
      const current = this.scans.get(key);
      if (current !== undefined && (current.status === 'Pending' || current.status === 'Running')) {
        return error(409, 'CONFLICT', `a previous scan process is ${current.status}`);
      }
      this.scans.set(key, {
        reportId: randomUUID(),
        status: 'Pending',
        pollsLeft: this.options.runningPolls ?? 2,
        start: new Date().toISOString(),
      });
      return send(202);
    }
    if (request.method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
    const scan = this.scans.get(key);
    if (scan !== undefined && (scan.status === 'Pending' || scan.status === 'Running')) {
      if (scan.pollsLeft > 0) {
        scan.pollsLeft--;
        scan.status = 'Running';
      } else {
        scan.status = this.failScans ? 'Error' : 'Success';
        scan.end = new Date().toISOString();
      }
    }
    const vulnerabilities = this.findings.get(`${project}/${repository}`) ?? [];
    if (tail === 'additions/vulnerabilities') {
      if (scan?.status !== 'Success') return send(200, {});
      return send(200, {
        [REPORT_MIME]: {
          generated_at: scan.end,
          scanner: { name: 'Trivy', vendor: 'Aqua Security', version: 'v0.50.1' },
          severity: worst(vulnerabilities),
          vulnerabilities: vulnerabilities.map((v) => ({
            links: [`https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`],
            ...v,
          })),
        },
      });
    }
    const artifact: Record<string, unknown> = {
      id: 1,
      digest,
      media_type: 'application/vnd.oci.image.manifest.v1+json',
      project_id: 1,
      repository_name: `${project}/${repository}`,
      type: 'IMAGE',
    };
    if (query.includes('with_scan_overview=true') && scan !== undefined) {
      const counts: Record<string, number> = {};
      for (const v of vulnerabilities) counts[v.severity] = (counts[v.severity] ?? 0) + 1;
      const done = scan.status === 'Success';
      artifact.scan_overview = {
        [REPORT_MIME]: {
          report_id: scan.reportId,
          scan_status: scan.status,
          severity: done ? worst(vulnerabilities) : '',
          duration: done ? 3 : 0,
          start_time: scan.start,
          ...(scan.end !== undefined ? { end_time: scan.end } : {}),
          complete_percent: done ? 100 : 50,
          scanner: { name: 'Trivy', vendor: 'Aqua Security', version: 'v0.50.1' },
          ...(done
            ? {
                summary: {
                  total: vulnerabilities.length,
                  fixable: vulnerabilities.filter((v) => v.fix_version !== undefined).length,
                  summary: counts,
                },
              }
            : {}),
        },
      };
    }
    send(200, artifact);
  }
}

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'] as const;
const worst = (vulnerabilities: readonly DoubleVulnerability[]): string =>
  SEVERITIES.find((s) => vulnerabilities.some((v) => v.severity === s)) ?? 'None';
