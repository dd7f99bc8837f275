// Retry decisions of the gateway (src/gateway/resilience/retry.ts), with injected clocks and
// random sources: which failures are retried, the backoff, Retry-After, and the retry budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttemptResult,
  backoffMs,
  decideRetry,
  parseRetryAfter,
  RetryBudget,
  type RetryInput,
  type RetryPolicy,
} from '../../packages/adapters/src/gateway/resilience/index.js';
import { assertProperty } from '../support/fast-check.js';

const POLICY: RetryPolicy = {
  attempts: 3,
  backoffMs: 100,
  maxBackoffMs: 1000,
  maxRetryAfterMs: 5000,
  budget: { capacity: 10, refillPerSecond: 1 },
};
const NOW = Date.UTC(2026, 11, 2, 6, 0, 0);

function input(partial: Partial<RetryInput> = {}): RetryInput {
  return {
    policy: POLICY,
    mode: 'idempotent',
    method: 'GET',
    attempt: 1,
    result: { kind: 'connect-error', error: 'ECONNREFUSED' },
    bodySent: false,
    nowMs: NOW,
    remainingMs: Number.POSITIVE_INFINITY,
    random: () => 0.5,
    budget: undefined,
    ...partial,
  };
}

describe('Retry-After', () => {
  it('reads delay-seconds and the three HTTP-date forms; a past date is 0; garbage is ignored', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Wed, 02 Dec 2026 06:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 02-Dec-26 06:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed Dec  2 06:00:05 2026', NOW)).toBe(5_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 06:00:00 GMT', NOW)).toBe(0);
    for (const bad of [undefined, '', '-1', '1.5', 'soon', '02 Dec 2026', 'Wed, 02 Dec 2026 06:00:30 UTC'])
      expect(parseRetryAfter(bad, NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('is full jitter under a doubling, capped ceiling', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, base, max, r) => {
          const ceiling = Math.min(max, base * 2 ** (retry - 1));
          const b = backoffMs(retry, base, max, () => r);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThanOrEqual(Math.max(0, ceiling));
          if (ceiling > 0) expect(b).toBeLessThan(ceiling);
        },
      ),
      300,
    );
    expect(backoffMs(1, 100, 1000, () => 0.999)).toBe(99);
    expect(backoffMs(3, 100, 1000, () => 0.999)).toBe(399);
    expect(backoffMs(10, 100, 1000, () => 0.999)).toBe(999);
  });
});

describe('decideRetry', () => {
  it('retries connection errors and 502/503/504 only', () => {
    const results: [AttemptResult, boolean][] = [
      [{ kind: 'connect-error', error: 'x' }, true],
      [{ kind: 'reset', error: 'x' }, true],
      [{ kind: 'response', status: 502, retryAfter: undefined }, true],
      [{ kind: 'response', status: 503, retryAfter: undefined }, true],
      [{ kind: 'response', status: 504, retryAfter: undefined }, true],
      [{ kind: 'response', status: 500, retryAfter: undefined }, false],
      [{ kind: 'response', status: 429, retryAfter: '1' }, false],
      [{ kind: 'response', status: 404, retryAfter: undefined }, false],
      [{ kind: 'timeout', error: 'x' }, false],
      [{ kind: 'body-error', error: 'x' }, false],
      [{ kind: 'client-aborted' }, false],
    ];
    for (const [result, retried] of results) {
      const v = decideRetry(input({ result }));
      expect(v.retry).toBe(retried);
      if (!v.retry) expect(v.why).toBe('not-retryable');
    }
  });

  it('says why not: policy, route, method, body, attempts, Retry-After, deadline, budget', () => {
    expect(decideRetry(input({ policy: undefined }))).toMatchObject({ retry: false, why: 'disabled' });
    expect(decideRetry(input({ mode: 'never' }))).toMatchObject({ retry: false, why: 'route' });
    expect(decideRetry(input({ method: 'POST' }))).toMatchObject({ retry: false, why: 'method' });
    expect(decideRetry(input({ method: 'PATCH' }))).toMatchObject({ retry: false, why: 'method' });
    expect(decideRetry(input({ method: 'POST', mode: 'always' })).retry).toBe(true);
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])
      expect(decideRetry(input({ method: m })).retry).toBe(true);
    expect(decideRetry(input({ method: 'PUT', bodySent: true }))).toMatchObject({ retry: false, why: 'body-sent' });
    expect(decideRetry(input({ attempt: 3 }))).toMatchObject({ retry: false, why: 'attempts' });
    expect(decideRetry(input({ attempt: 2 })).retry).toBe(true);
    const r503 = (retryAfter: string): AttemptResult => ({ kind: 'response', status: 503, retryAfter });
    expect(decideRetry(input({ result: r503('6') }))).toMatchObject({ retry: false, why: 'retry-after' });
    expect(decideRetry(input({ result: r503('5') }))).toEqual({ retry: true, reason: 'status-503', delayMs: 5000 });
    expect(decideRetry(input({ result: r503('1'), remainingMs: 1000 }))).toMatchObject({
      retry: false,
      why: 'deadline',
    });
    const budget = new RetryBudget(1, 0.001);
    expect(decideRetry(input({ budget })).retry).toBe(true);
    expect(decideRetry(input({ budget }))).toMatchObject({ retry: false, why: 'budget' });
  });

  it('never retries once body bytes went up, whatever else holds', () => {
    assertProperty(
      fc.property(
        fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH'),
        fc.constantFrom('idempotent' as const, 'always' as const, 'never' as const),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom<AttemptResult>(
          { kind: 'connect-error', error: 'x' },
          { kind: 'reset', error: 'x' },
          { kind: 'response', status: 503, retryAfter: undefined },
        ),
        (method, mode, attempt, result) => {
          expect(decideRetry(input({ method, mode, attempt, result, bodySent: true })).retry).toBe(false);
        },
      ),
      200,
    );
  });

  it('never undercuts Retry-After: the delay is at least what the upstream asked', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 2 }),
        (seconds, asDate, r, attempt) => {
          const retryAfter = asDate ? new Date(NOW + seconds * 1000).toUTCString() : String(seconds);
          const v = decideRetry(
            input({ attempt, random: () => r, result: { kind: 'response', status: 503, retryAfter } }),
          );
          expect(v.retry).toBe(true);
          if (v.retry) {
            expect(v.delayMs).toBeGreaterThanOrEqual(seconds * 1000);
            expect(v.delayMs).toBeLessThanOrEqual(Math.max(seconds * 1000, POLICY.maxBackoffMs));
          }
        },
      ),
      300,
    );
  });
});

describe('RetryBudget', () => {
  it('admits at most capacity + refill × elapsed retries, over any clock', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5000 }).map((n) => n / 1000),
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200 }),
        (capacity, refill, steps) => {
          const budget = new RetryBudget(capacity, refill);
          let now = 0;
          let taken = 0;
          for (const step of steps) {
            now += step;
            if (budget.take(now)) taken++;
            expect(budget.tokens(now)).toBeLessThanOrEqual(capacity);
          }
          const elapsed = now - 0;
          expect(taken).toBeLessThanOrEqual(capacity + Math.floor((refill * elapsed) / 1000) + 1);
        },
      ),
      300,
    );
  });

  it('refills over time, never above capacity', () => {
    const b = new RetryBudget(2, 1);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false]);
    expect(b.take(999)).toBe(false);
    expect(b.take(1000)).toBe(true);
    expect(b.tokens(1_000_000)).toBe(2);
  });
});
