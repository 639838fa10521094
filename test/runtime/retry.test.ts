import { describe, expect, it } from 'vitest';
import { type RetryPolicy, retry } from '../../src/runtime/retry.ts';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, budgetMs: 10_000 };

function clock() {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    hooks: {
      now: () => now,
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
      random: () => 1,
    },
  };
}

describe('retry', () => {
  it('retries transient failures with doubling, capped delays, then succeeds', async () => {
    const { waits, hooks } = clock();
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 4) throw new Error('503');
        return 'ok';
      },
      policy,
      { ...hooks, transient: () => true },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([100, 200, 250]);
  });

  it('never retries a final failure', async () => {
    const { waits, hooks } = clock();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('400');
        },
        policy,
        { ...hooks, transient: () => false },
      ),
    ).rejects.toThrow('400');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('gives up after the last attempt with the last error', async () => {
    const { hooks } = clock();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        policy,
        { ...hooks, transient: () => true },
      ),
    ).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
  });

  it('starts no attempt past the time budget', async () => {
    const { hooks } = clock();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('slow');
        },
        { ...policy, attempts: 100, budgetMs: 500 },
        { ...hooks, transient: () => true },
      ),
    ).rejects.toThrow('slow');
    // waits of 100, 200, 250 fit in 500 ms only up to the second.
    expect(calls).toBe(3);
  });
});
