import { DEFAULT_RETRY, type RetryPolicy, retry } from './retry.ts';

// The one HTTP client of the library's REST integrations (Vault, Harbor, Argo CD, Grafana). It retries
// what is transient (no answer, 5xx, 429) within a bounded policy, never a 4xx, and hands every
// answer, error statuses included, back to the caller: each API gives its statuses its own meaning.

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON unless a string. */
  readonly body?: unknown;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON when the answer is JSON, else the text (empty for no body). */
  readonly body: unknown;
}

/** No answer at all: refused, reset, timed out, name not resolved. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`no answer from ${url}: ${reason}`);
  }
}

class RetryableStatus extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

const isTransientStatus = (status: number): boolean => status >= 500 || status === 429;

async function once(request: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['Content-Type'] ??= 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
      redirect: 'error',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new NetworkError(request.url, cause?.code ?? cause?.message ?? (error as Error).message);
  }
  const text = await response.text();
  let parsed: unknown = text;
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * Sends a request, retrying network errors and 5xx/429 answers with backoff. After the last attempt a
 * network error is thrown; an error status is returned like any other answer.
 */
export async function http(
  request: HttpRequest,
  options: {
    readonly policy?: RetryPolicy;
    readonly onRetry?: (reason: string, attempt: number) => void;
  } = {},
): Promise<HttpResponse> {
  try {
    return await retry(
      async () => {
        const response = await once(request);
        if (isTransientStatus(response.status)) throw new RetryableStatus(response);
        return response;
      },
      options.policy ?? DEFAULT_RETRY,
      {
        transient: (error) => error instanceof NetworkError || error instanceof RetryableStatus,
        onRetry: (error, attempt) => options.onRetry?.((error as Error).message, attempt),
      },
    );
  } catch (error) {
    if (error instanceof RetryableStatus) return error.response;
    throw error;
  }
}
