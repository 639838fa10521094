import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

// A test double of HashiCorp Vault's HTTP API (developer.hashicorp.com/vault/api-docs), for the parts
// the library uses, following the documented contract and Vault's own texts:
// - JWT auth method (auth/<mount>/login): the JWKS is fetched from `jwks_url` as Vault does; RS256
//   signatures verified; bound_issuer, bound_subject, bound_audiences, bound_claims (string or glob),
//   user_claim, token_ttl/token_max_ttl, clock_skew_leeway (60 s); role names lower-cased.
// - Tokens: X-Vault-Token; `default` policy (renew-self, revoke-self, lookup-self); expiry; revocation.
// - ACL policies: path rules with `*` (prefix) and `+` (one segment), deny wins, most specific rule.
// - KV v1 and v2 (data and metadata shapes, versions, soft delete and destroy).
// - X-Vault-Namespace (Enterprise): each namespace its own mounts, policies and tokens.
// - Errors `{"errors": [...]}` with Vault's statuses: 400, 403, 404 (`[]` for a missing secret), 503 sealed.
// - Fault injection: 5xx answers and dropped connections, to prove the client's retries.

export interface JwtRole {
  readonly role_type?: 'jwt';
  readonly bound_audiences: readonly string[];
  readonly bound_subject?: string;
  readonly bound_claims?: Readonly<Record<string, string | readonly string[]>>;
  readonly bound_claims_type?: 'string' | 'glob';
  readonly user_claim: string;
  readonly token_policies?: readonly string[];
  /** Seconds; Vault's default is the system default (32 days). */
  readonly token_ttl?: number;
  readonly token_max_ttl?: number;
  readonly clock_skew_leeway?: number;
  /** Claim -> metadata key, copied into the token's metadata. */
  readonly claim_mappings?: Readonly<Record<string, string>>;
}

export interface JwtConfig {
  readonly jwks_url: string;
  readonly bound_issuer?: string;
  readonly jwt_supported_algs?: readonly string[];
}

export type Capability = 'read' | 'list' | 'create' | 'update' | 'delete' | 'sudo' | 'deny';
export type Policy = Readonly<Record<string, readonly Capability[]>>;

interface KvVersion {
  data: Record<string, unknown>;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface KvMount {
  readonly version: 1 | 2;
  readonly v1: Map<string, Record<string, unknown>>;
  readonly v2: Map<string, { versions: KvVersion[]; updated_time: string }>;
}

interface JwtMount {
  config: JwtConfig;
  readonly roles: Map<string, JwtRole>;
}

interface TokenEntry {
  readonly token: string;
  readonly accessor: string;
  readonly namespace: string;
  readonly policies: readonly string[];
  readonly metadata: Record<string, string>;
  readonly role: string;
  ttl: number;
  expiresAt: number;
  readonly maxExpiresAt: number;
  revoked: boolean;
}

interface Namespace {
  readonly auth: Map<string, JwtMount>;
  readonly kv: Map<string, KvMount>;
  readonly policies: Map<string, Policy>;
}

export type Fault = { readonly status: number; readonly errors?: readonly string[] } | 'drop';

interface FaultRule {
  readonly path?: string | RegExp;
  readonly method?: string;
  remaining: number;
  readonly fault: Fault;
}

export interface RecordedRequest {
  readonly method: string;
  /** After /v1/, without the query. */
  readonly path: string;
  readonly query: string;
  readonly namespace: string;
  readonly hadToken: boolean;
  readonly status: number | 'dropped';
}

const SYSTEM_MAX_TTL = 32 * 24 * 3600;
const DEFAULT_POLICY: Policy = {
  'auth/token/lookup-self': ['read'],
  'auth/token/renew-self': ['update'],
  'auth/token/revoke-self': ['update'],
};

class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly string[],
  ) {
    super(errors.join('; '));
  }
}

const denied = () => new VaultHttpError(403, ['permission denied']);
const policyDenied = () => new VaultHttpError(403, ['1 error occurred:\n\t* permission denied\n\n']);
const badRequest = (message: string) => new VaultHttpError(400, [message]);

/** ryanuber/go-glob, as the JWT auth method uses it: `*` matches any run of characters, `/` included. */
export function goGlob(pattern: string, subject: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === subject;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!subject.startsWith(first)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = subject.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return subject.length - last.length >= at && subject.endsWith(last);
}

const now = () => Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

export class VaultDouble {
  private server: Server | undefined;
  private readonly namespaces = new Map<string, Namespace>();
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly faults: FaultRule[] = [];
  private readonly jwksCache = new Map<string, JSONWebKeySet>();
  readonly requests: RecordedRequest[] = [];
  sealed = false;
  address = '';

  constructor() {
    this.namespace('');
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }

  // Setup, as an operator would do it with `vault auth enable`, `vault write`, `vault kv put`.

  namespace(path: string): Namespace {
    let ns = this.namespaces.get(path);
    if (ns === undefined) {
      ns = { auth: new Map(), kv: new Map(), policies: new Map() };
      this.namespaces.set(path, ns);
    }
    return ns;
  }

  enableJwt(mount: string, config: JwtConfig, namespace = ''): void {
    this.namespace(namespace).auth.set(mount, { config, roles: new Map() });
  }

  writeRole(mount: string, name: string, role: JwtRole, namespace = ''): void {
    const auth = this.namespace(namespace).auth.get(mount);
    if (auth === undefined) throw new Error(`no auth method at auth/${mount}/`);
    if (role.user_claim === '') throw new Error('user_claim is required');
    auth.roles.set(name.toLowerCase(), role);
  }

  writePolicy(name: string, policy: Policy, namespace = ''): void {
    this.namespace(namespace).policies.set(name, policy);
  }

  enableKv(mount: string, version: 1 | 2, namespace = ''): void {
    this.namespace(namespace).kv.set(mount, { version, v1: new Map(), v2: new Map() });
  }

  /** `vault kv put`: a new version on KV v2; replaces the secret on KV v1. Returns the version. */
  putSecret(mount: string, path: string, data: Record<string, unknown>, namespace = ''): number {
    const kv = this.namespace(namespace).kv.get(mount);
    if (kv === undefined) throw new Error(`no KV mount at ${mount}/`);
    if (kv.version === 1) {
      kv.v1.set(path, { ...data });
      return 0;
    }
    const entry = kv.v2.get(path) ?? { versions: [], updated_time: iso(now()) };
    entry.versions.push({ data: { ...data }, created_time: iso(now()), deletion_time: '', destroyed: false });
    entry.updated_time = iso(now());
    kv.v2.set(path, entry);
    return entry.versions.length;
  }

  /** `vault kv delete -versions=N` (soft) or `vault kv destroy -versions=N`. */
  deleteVersion(
    mount: string,
    path: string,
    version: number,
    options: { destroy?: boolean } = {},
    namespace = '',
  ): void {
    const entry = this.namespace(namespace).kv.get(mount)?.v2.get(path);
    const v = entry?.versions[version - 1];
    if (v === undefined) throw new Error(`no version ${version} of ${mount}/${path}`);
    v.deletion_time = iso(now());
    if (options.destroy === true) {
      v.destroyed = true;
      v.data = {};
    }
  }

  /** Queues a fault for the next `times` matching requests. */
  inject(fault: Fault, options: { times?: number; path?: string | RegExp; method?: string } = {}): void {
    this.faults.push({
      fault,
      remaining: options.times ?? 1,
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.method !== undefined ? { method: options.method } : {}),
    });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Every client token issued so far (for leak scans). */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  tokenState(
    token: string,
  ): { revoked: boolean; expiresAt: number; policies: readonly string[] } | undefined {
    const entry = this.tokens.get(token);
    return entry === undefined
      ? undefined
      : { revoked: entry.revoked, expiresAt: entry.expiresAt, policies: entry.policies };
  }

  /** Tokens issued and neither revoked nor expired. */
  liveTokens(): string[] {
    return [...this.tokens.values()].filter((t) => !t.revoked && t.expiresAt > now()).map((t) => t.token);
  }

  // The HTTP API.

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://vault');
    const method = request.method ?? 'GET';
    const namespaceHeader = request.headers['x-vault-namespace'];
    const namespace = ((Array.isArray(namespaceHeader) ? namespaceHeader[0] : namespaceHeader) ?? '').replace(
      /^\/+|\/+$/g,
      '',
    );
    const tokenHeader = request.headers['x-vault-token'];
    const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
    const path = url.pathname.replace(/^\/v1\//, '');
    const record = (status: number | 'dropped') =>
      this.requests.push({
        method,
        path,
        query: url.search,
        namespace,
        hadToken: token !== undefined,
        status,
      });

    const body = await readBody(request);
    const fault = this.takeFault(method, path);
    if (fault === 'drop') {
      record('dropped');
      request.socket.destroy();
      return;
    }
    const send = (status: number, payload?: unknown) => {
      record(status);
      if (payload === undefined) {
        response.writeHead(status).end();
        return;
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    if (fault !== undefined) {
      send(fault.status, { errors: fault.errors ?? ['internal error'] });
      return;
    }
    if (!url.pathname.startsWith('/v1/')) {
      send(404, { errors: [] });
      return;
    }
    if (this.sealed) {
      send(503, { errors: ['Vault is sealed'] });
      return;
    }
    try {
      const ns = this.namespaces.get(namespace);
      const result = await this.route(method, path, url.searchParams, body, token, namespace, ns);
      send(result.status, result.body);
    } catch (error) {
      if (error instanceof VaultHttpError) send(error.status, { errors: error.errors });
      else send(500, { errors: [(error as Error).message] });
    }
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const rule = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || (typeof f.path === 'string' ? path.startsWith(f.path) : f.path.test(path))),
    );
    if (rule === undefined) return undefined;
    rule.remaining--;
    return rule.fault;
  }

  private async route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
    token: string | undefined,
    namespace: string,
    ns: Namespace | undefined,
  ): Promise<{ status: number; body?: unknown }> {
    const login = /^auth\/(.+)\/login$/.exec(path);
    if (login?.[1] !== undefined && method === 'POST') {
      // Unauthenticated; a path no auth method serves needs a token, so it is refused as such.
      const mount = ns?.auth.get(login[1]);
      if (mount === undefined) throw denied();
      return { status: 200, body: await this.login(mount, body, namespace) };
    }

    const entry = this.authenticate(token, namespace);
    if (path === 'auth/token/renew-self' && method === 'POST') return this.renewSelf(entry, ns, body);
    if (path === 'auth/token/revoke-self' && method === 'POST') {
      this.authorize(entry, ns, path, 'update');
      entry.revoked = true;
      return { status: 204 };
    }
    if (path === 'auth/token/lookup-self' && method === 'GET') {
      this.authorize(entry, ns, path, 'read');
      return { status: 200, body: envelope(this.lookup(entry)) };
    }
    if (method !== 'GET') throw new VaultHttpError(405, ['unsupported operation']);
    this.authorize(entry, ns, path, 'read');
    return this.readKv(path, query, ns);
  }

  private authenticate(token: string | undefined, namespace: string): TokenEntry {
    const entry = token === undefined ? undefined : this.tokens.get(token);
    if (entry === undefined || entry.revoked || entry.expiresAt <= now() || entry.namespace !== namespace)
      throw denied();
    return entry;
  }

  private authorize(
    entry: TokenEntry,
    ns: Namespace | undefined,
    path: string,
    capability: Capability,
  ): void {
    const granted = new Set<Capability>();
    for (const name of entry.policies) {
      const policy = name === 'default' ? DEFAULT_POLICY : ns?.policies.get(name);
      if (policy === undefined) continue;
      const rule = mostSpecific(policy, path);
      for (const cap of rule ?? []) granted.add(cap);
    }
    if (granted.has('deny') || !granted.has(capability)) throw policyDenied();
  }

  private async login(mount: JwtMount, body: unknown, namespace: string) {
    const { role: roleName, jwt } = (body ?? {}) as { role?: unknown; jwt?: unknown };
    if (typeof jwt !== 'string' || jwt === '') throw badRequest('missing token');
    if (typeof roleName !== 'string' || roleName === '') throw badRequest('missing role');
    const role = mount.roles.get(roleName.toLowerCase());
    if (role === undefined) throw badRequest(`role "${roleName.toLowerCase()}" could not be found`);
    if ((role.role_type ?? 'jwt') !== 'jwt') throw badRequest('role is not a jwt role');

    const claims = await this.validateToken(mount, role, jwt);
    const claimsError = boundClaimsError(role, claims);
    if (claimsError !== undefined) throw badRequest(`error validating claims: ${claimsError}`);
    const user = claims[role.user_claim];
    if (user === undefined) throw badRequest(`claim "${role.user_claim}" not found in token`);
    if (typeof user !== 'string')
      throw badRequest(`claim "${role.user_claim}" could not be converted to string`);

    const ttl = role.token_ttl ?? SYSTEM_MAX_TTL;
    const maxTtl = role.token_max_ttl ?? SYSTEM_MAX_TTL;
    const metadata: Record<string, string> = { role: roleName.toLowerCase() };
    for (const [claim, key] of Object.entries(role.claim_mappings ?? {}))
      if (typeof claims[claim] === 'string') metadata[key] = claims[claim] as string;
    const policies = ['default', ...(role.token_policies ?? [])];
    const entry: TokenEntry = {
      token: `hvs.${randomBytes(24).toString('base64url')}`,
      accessor: randomBytes(12).toString('base64url'),
      namespace,
      policies,
      metadata,
      role: roleName.toLowerCase(),
      ttl,
      expiresAt: now() + Math.min(ttl, maxTtl) * 1000,
      maxExpiresAt: now() + maxTtl * 1000,
      revoked: false,
    };
    this.tokens.set(entry.token, entry);
    return {
      ...envelope(null),
      auth: {
        client_token: entry.token,
        accessor: entry.accessor,
        policies,
        token_policies: policies,
        metadata,
        lease_duration: Math.min(ttl, maxTtl),
        renewable: true,
        entity_id: randomUUID(),
        token_type: 'service',
        orphan: true,
        mfa_requirement: null,
        num_uses: 0,
      },
    };
  }

  /** hashicorp/cap's Validator as the JWT auth method calls it, with its texts. */
  private async validateToken(mount: JwtMount, role: JwtRole, jwt: string): Promise<Record<string, unknown>> {
    const fail = (message: string) => badRequest(`error validating token: ${message}`);
    let header: { alg?: string; kid?: string };
    try {
      header = decodeProtectedHeader(jwt);
    } catch {
      throw fail('error verifying token signature: failed to parse JWT');
    }
    let payload: Uint8Array;
    try {
      const jwks = await this.jwks(mount, header.kid);
      ({ payload } = await compactVerify(jwt, createLocalJWKSet(jwks)));
    } catch {
      throw fail('error verifying token signature: no known key successfully validated the token signature');
    }
    const algs = mount.config.jwt_supported_algs ?? ['RS256'];
    if (!algs.includes(header.alg ?? ''))
      throw fail('invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (
      mount.config.bound_issuer !== undefined &&
      mount.config.bound_issuer !== '' &&
      claims.iss !== mount.config.bound_issuer
    )
      throw fail('invalid issuer (iss) claim');
    if (role.bound_subject !== undefined && role.bound_subject !== '' && claims.sub !== role.bound_subject)
      throw fail('invalid subject (sub) claim');
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    if (role.bound_audiences.length > 0 && !role.bound_audiences.some((a) => aud.includes(a)))
      throw fail('invalid audience (aud) claim: audience claim does not match any expected audience');
    const leeway = (role.clock_skew_leeway ?? 60) * 1000;
    const t = now();
    const seconds = (name: string) =>
      typeof claims[name] === 'number' ? (claims[name] as number) * 1000 : 0;
    if (seconds('iat') === 0 && seconds('exp') === 0 && seconds('nbf') === 0)
      throw fail('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
    if (seconds('nbf') !== 0 && t + leeway < seconds('nbf'))
      throw fail('invalid not before (nbf) claim: token not yet valid');
    if (seconds('exp') !== 0 && t - leeway > seconds('exp'))
      throw fail('invalid expiration time (exp) claim: token is expired');
    if (seconds('iat') !== 0 && t + leeway < seconds('iat'))
      throw fail('invalid issued at (iat) claim: token issued in the future');
    return claims;
  }

  private async jwks(mount: JwtMount, kid: string | undefined): Promise<JSONWebKeySet> {
    const cached = this.jwksCache.get(mount.config.jwks_url);
    if (cached !== undefined && (kid === undefined || cached.keys.some((k) => k.kid === kid))) return cached;
    const response = await fetch(mount.config.jwks_url);
    if (!response.ok) throw new Error(`fetching keys: HTTP ${response.status}`);
    const jwks = (await response.json()) as JSONWebKeySet;
    this.jwksCache.set(mount.config.jwks_url, jwks);
    return jwks;
  }

  private renewSelf(entry: TokenEntry, ns: Namespace | undefined, body: unknown) {
    this.authorize(entry, ns, 'auth/token/renew-self', 'update');
    const raw = (body as { increment?: unknown } | undefined)?.increment;
    const increment =
      typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseInt(raw, 10) : entry.ttl;
    const wanted = Number.isFinite(increment) && increment > 0 ? increment : entry.ttl;
    const left = Math.floor((entry.maxExpiresAt - now()) / 1000);
    const ttl = Math.max(0, Math.min(wanted, left));
    entry.expiresAt = now() + ttl * 1000;
    const warnings =
      ttl < wanted
        ? [
            `TTL of "${wanted}s" exceeded the effective max_ttl of "${left}s"; TTL value is capped accordingly`,
          ]
        : null;
    return {
      status: 200,
      body: {
        ...envelope(null),
        warnings,
        auth: {
          client_token: entry.token,
          accessor: entry.accessor,
          policies: entry.policies,
          token_policies: entry.policies,
          metadata: entry.metadata,
          lease_duration: ttl,
          renewable: true,
        },
      },
    };
  }

  private lookup(entry: TokenEntry) {
    return {
      accessor: entry.accessor,
      policies: entry.policies,
      meta: entry.metadata,
      ttl: Math.floor((entry.expiresAt - now()) / 1000),
      renewable: true,
      type: 'service',
    };
  }

  private readKv(
    path: string,
    query: URLSearchParams,
    ns: Namespace | undefined,
  ): { status: number; body?: unknown } {
    const found = [...(ns?.kv.entries() ?? [])]
      .filter(([mount]) => path === mount || path.startsWith(`${mount}/`))
      .sort((a, b) => b[0].length - a[0].length)[0];
    if (found === undefined)
      throw new VaultHttpError(404, [`no handler for route "${path}". route entry not found.`]);
    const [mount, kv] = found;
    const rest = path.slice(mount.length + 1);
    if (kv.version === 1) {
      const data = kv.v1.get(rest);
      if (data === undefined) throw new VaultHttpError(404, []);
      return { status: 200, body: { ...envelope({ ...data }), lease_duration: 2764800 } };
    }
    const data = /^data\/(.+)$/.exec(rest);
    const meta = /^metadata\/(.+)$/.exec(rest);
    if (data?.[1] !== undefined) {
      const entry = kv.v2.get(data[1]);
      if (entry === undefined) throw new VaultHttpError(404, []);
      const asked = query.get('version');
      const number = asked === null || asked === '0' ? entry.versions.length : Number(asked);
      if (!Number.isInteger(number) || number < 0) throw badRequest('invalid version');
      const version = entry.versions[number - 1];
      if (version === undefined) throw new VaultHttpError(404, []);
      const metadata = {
        created_time: version.created_time,
        custom_metadata: null,
        deletion_time: version.deletion_time,
        destroyed: version.destroyed,
        version: number,
      };
      // A deleted or destroyed version: 404 with the metadata and no data.
      if (version.deletion_time !== '' || version.destroyed)
        return { status: 404, body: envelope({ data: null, metadata }) };
      return { status: 200, body: envelope({ data: { ...version.data }, metadata }) };
    }
    if (meta?.[1] !== undefined) {
      const entry = kv.v2.get(meta[1]);
      if (entry === undefined) throw new VaultHttpError(404, []);
      const versions = Object.fromEntries(
        entry.versions.map((v, i) => [
          String(i + 1),
          { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed },
        ]),
      );
      return {
        status: 200,
        body: envelope({
          cas_required: false,
          created_time: entry.versions[0]?.created_time,
          current_version: entry.versions.length,
          custom_metadata: null,
          delete_version_after: '0s',
          max_versions: 0,
          oldest_version: 0,
          updated_time: entry.updated_time,
          versions,
        }),
      };
    }
    // Vault's answer for a KV v1 style read on a v2 mount.
    return {
      status: 404,
      body: {
        ...envelope(null),
        warnings: [
          "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
        ],
      },
    };
  }
}

function envelope(data: unknown) {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
}

/** The ACL rule of one policy that applies to a path: exact beats glob, longer beats shorter. */
function mostSpecific(policy: Policy, path: string): readonly Capability[] | undefined {
  let best: { score: number; caps: readonly Capability[] } | undefined;
  for (const [pattern, caps] of Object.entries(policy)) {
    const score = matchScore(pattern, path);
    if (score !== undefined && (best === undefined || score > best.score)) best = { score, caps };
  }
  return best?.caps;
}

function matchScore(pattern: string, path: string): number | undefined {
  const glob = pattern.endsWith('*');
  const body = glob ? pattern.slice(0, -1) : pattern;
  const patternParts = body.split('/');
  const pathParts = path.split('/');
  // Compare segment by segment; `+` matches exactly one segment.
  for (let i = 0; i < patternParts.length; i++) {
    const want = patternParts[i] ?? '';
    const have = pathParts[i];
    if (have === undefined) return undefined;
    const last = i === patternParts.length - 1;
    if (want === '+') continue;
    if (last && glob) {
      if (!have.startsWith(want)) return undefined;
    } else if (want !== have) return undefined;
  }
  if (!glob && patternParts.length !== pathParts.length) return undefined;
  return glob ? body.length : body.length + 10_000;
}

/** The JWT auth method's bound_claims check (claims.go), with its texts. */
function boundClaimsError(role: JwtRole, claims: Record<string, unknown>): string | undefined {
  const globs = role.bound_claims_type === 'glob';
  for (const [claim, expected] of Object.entries(role.bound_claims ?? {})) {
    const actual = claimAt(claims, claim);
    if (actual === undefined) return `claim "${claim}" is missing`;
    const actuals = Array.isArray(actual) ? actual : [actual];
    const expecteds = typeof expected === 'string' ? [expected] : expected;
    const found = expecteds.some((want) =>
      actuals.some((have) => (globs ? typeof have === 'string' && goGlob(want, have) : have === want)),
    );
    if (!found) return `claim "${claim}" does not match any associated bound claim values`;
  }
  return undefined;
}

/** A claim by name, or by JSON pointer (`/a/b`) as the JWT auth method allows. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let node: unknown = claims;
  for (const part of name.slice(1).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
