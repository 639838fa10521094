// The one retry loop of the library: exponential backoff with full jitter, bounded both in attempts
// and in total time, and only for failures the caller says are transient.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles after each failure (with jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  readonly budgetMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  budgetMs: 60_000,
};

export interface RetryHooks {
  /** Whether a failure may pass with another attempt (a 5xx, a reset connection), or is final (a 4xx). */
  readonly transient: (error: unknown) => boolean;
  /** Told before each wait, to log what is being retried. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = hooks.random ?? Math.random;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(ceiling * random());
      const outOfTime = now() - started + delay >= policy.budgetMs;
      if (attempt >= policy.attempts || outOfTime || !hooks.transient(error)) throw error;
      hooks.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
