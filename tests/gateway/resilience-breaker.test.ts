// Circuit breaker and active health state (src/gateway/resilience/), driven by fake clocks:
// exact transitions, the failure-rate window, and a property test against a small model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTargetFailure } from '../../packages/adapters/src/gateway/pipeline/attempts.js';
import {
  ActiveHealth,
  type BreakerPolicy,
  type BreakerState,
  CircuitBreaker,
} from '../../packages/adapters/src/gateway/resilience/index.js';
import { assertProperty } from '../support/fast-check.js';

const DEFAULTS: BreakerPolicy = {
  consecutiveFailures: 5,
  failureRate: undefined,
  cooldownMs: 30_000,
  halfOpenRequests: 1,
  closeAfter: 3,
};

describe('CircuitBreaker', () => {
  it('opens after exactly N consecutive failures; a success in between starts the count again', () => {
    const b = new CircuitBreaker(DEFAULTS);
    for (let i = 0; i < 4; i++) expect(b.record(false, 'normal', i)).toBeUndefined();
    expect(b.record(true, 'normal', 4)).toBeUndefined();
    for (let i = 0; i < 4; i++) b.record(false, 'normal', 10 + i);
    expect(b.state).toBe('closed');
    expect(b.record(false, 'normal', 20)).toEqual({ from: 'closed', to: 'open', reason: 'consecutive-failures' });
    expect(b.canAdmit()).toBe(false);
    expect(b.admit()).toBeUndefined();
    expect(b.reopensAtMs).toBe(30_020);
  });

  it('half-opens after the cooldown, not before; lets the configured trials through; closes after M successes', () => {
    const b = new CircuitBreaker({ ...DEFAULTS, consecutiveFailures: 1, halfOpenRequests: 2 });
    b.record(false, 'normal', 1000);
    expect(b.poll(30_999)).toBeUndefined();
    expect(b.state).toBe('open');
    expect(b.poll(31_000)).toEqual({ from: 'open', to: 'half-open', reason: 'cooldown-elapsed' });
    expect([b.admit(), b.admit(), b.admit()]).toEqual(['trial', 'trial', undefined]);
    expect(b.record(true, 'trial', 31_001)).toBeUndefined();
    expect(b.admit()).toBe('trial');
    expect(b.record(true, 'trial', 31_002)).toBeUndefined();
    expect(b.record(true, 'trial', 31_003)).toEqual({ from: 'half-open', to: 'closed', reason: 'trials-succeeded' });
    expect(b.admit()).toBe('normal');
  });

  it('a failed trial opens it again for another cooldown; a cancelled trial frees its slot', () => {
    const b = new CircuitBreaker({ ...DEFAULTS, consecutiveFailures: 1 });
    b.record(false, 'normal', 0);
    b.poll(30_000);
    expect(b.admit()).toBe('trial');
    expect(b.admit()).toBeUndefined();
    b.cancel('trial');
    expect(b.admit()).toBe('trial');
    expect(b.record(false, 'trial', 30_500)).toEqual({ from: 'half-open', to: 'open', reason: 'trial-failed' });
    expect(b.poll(60_499)).toBeUndefined();
    expect(b.poll(60_500)?.to).toBe('half-open');
  });

  it('opens on the failure rate over the window once it has min_requests outcomes', () => {
    const b = new CircuitBreaker({
      ...DEFAULTS,
      consecutiveFailures: 1000,
      failureRate: { thresholdPercent: 50, windowMs: 10_000, minRequests: 10 },
    });
    // Alternating: 50% failures, but fewer than 10 outcomes until the 10th.
    for (let i = 0; i < 9; i++) expect(b.record(i % 2 === 1, 'normal', i * 100)).toBeUndefined();
    expect(b.record(false, 'normal', 900)).toEqual({ from: 'closed', to: 'open', reason: 'failure-rate' });
  });

  it('forgets outcomes older than the window', () => {
    const b = new CircuitBreaker({
      ...DEFAULTS,
      consecutiveFailures: 1000,
      failureRate: { thresholdPercent: 50, windowMs: 10_000, minRequests: 4 },
    });
    b.record(false, 'normal', 0);
    b.record(false, 'normal', 100);
    b.record(false, 'normal', 200);
    expect(b.windowCounts(5_000)).toEqual([0, 3]);
    // 20 s later the three failures are out of the window: 1 failure + 3 successes is 25%.
    for (let i = 0; i < 3; i++) b.record(true, 'normal', 20_000 + i);
    expect(b.record(false, 'normal', 20_010)).toBeUndefined();
    expect(b.windowCounts(20_010)).toEqual([3, 1]);
    expect(b.state).toBe('closed');
  });

  it('matches a reference model over random outcome sequences and clocks', () => {
    type Event = { kind: 'ok' | 'fail' | 'admit' | 'cancel'; dt: number };
    const event = fc.record({
      kind: fc.constantFrom('ok' as const, 'fail' as const, 'admit' as const, 'cancel' as const),
      dt: fc.integer({ min: 0, max: 20_000 }),
    });
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(event, { maxLength: 120 }),
        (n, m, trialsAllowed, events: Event[]) => {
          const policy: BreakerPolicy = {
            consecutiveFailures: n,
            failureRate: undefined,
            cooldownMs: 30_000,
            halfOpenRequests: trialsAllowed,
            closeAfter: m,
          };
          const b = new CircuitBreaker(policy);
          // The model: the rules of docs/gateway.md, written as plainly as possible.
          let state: BreakerState = 'closed';
          let failures = 0;
          let successes = 0;
          let trials = 0;
          let openedAt = 0;
          let now = 0;
          const held: ('normal' | 'trial')[] = [];
          for (const e of events) {
            now += e.dt;
            if (state === 'open' && now >= openedAt + 30_000) {
              state = 'half-open';
              successes = 0;
              trials = 0;
            }
            b.poll(now);
            expect(b.state).toBe(state);
            if (e.kind === 'admit') {
              const got = b.admit();
              const want =
                state === 'closed' ? 'normal' : state === 'half-open' && trials < trialsAllowed ? 'trial' : undefined;
              expect(got).toBe(want);
              if (want === 'trial') trials++;
              if (want) held.push(want);
              continue;
            }
            const admission = held.shift() ?? 'normal';
            if (e.kind === 'cancel') {
              b.cancel(admission);
              if (admission === 'trial' && trials > 0) trials--;
              continue;
            }
            b.record(e.kind === 'ok', admission, now);
            if (admission === 'trial' && trials > 0) trials--;
            if (state === 'closed') {
              failures = e.kind === 'ok' ? 0 : failures + 1;
              if (failures >= n) {
                state = 'open';
                openedAt = now;
                failures = 0;
              }
            } else if (state === 'half-open') {
              if (e.kind === 'fail') {
                state = 'open';
                openedAt = now;
              } else if (++successes >= m) {
                state = 'closed';
                failures = 0;
              }
            }
            expect(b.state).toBe(state);
            expect(b.trials).toBeLessThanOrEqual(trialsAllowed);
          }
        },
      ),
      300,
    );
  });
});

describe('what counts as the target failing', () => {
  it('5xx, connection errors and timeouts do; 4xx, other answers and client aborts never', () => {
    for (const status of [500, 502, 503, 504])
      expect(isTargetFailure({ kind: 'response', status, retryAfter: undefined })).toBe(true);
    for (const status of [200, 204, 301, 400, 401, 404, 429, 499])
      expect(isTargetFailure({ kind: 'response', status, retryAfter: undefined })).toBe(false);
    expect(isTargetFailure({ kind: 'connect-error', error: '' })).toBe(true);
    expect(isTargetFailure({ kind: 'reset', error: '' })).toBe(true);
    expect(isTargetFailure({ kind: 'timeout', error: '' })).toBe(true);
    expect(isTargetFailure({ kind: 'body-error', error: '' })).toBe(true);
    expect(isTargetFailure({ kind: 'client-aborted' })).toBe(false);
  });
});

describe('ActiveHealth', () => {
  const policy = { path: '/h', intervalMs: 1000, timeoutMs: 100, healthyThreshold: 2, unhealthyThreshold: 3 };

  it('starts unknown (taking traffic); first pass makes it healthy; thresholds in a row flip it', () => {
    const h = new ActiveHealth(policy);
    expect(h.status).toBe('unknown');
    expect(h.record(true)).toEqual({ from: 'unknown', to: 'healthy', reason: 'health-check-passed' });
    expect(h.record(false)).toBeUndefined();
    expect(h.record(false)).toBeUndefined();
    expect(h.record(true)).toBeUndefined();
    expect(h.record(false)).toBeUndefined();
    expect(h.record(false)).toBeUndefined();
    expect(h.record(false)).toEqual({ from: 'healthy', to: 'unhealthy', reason: 'health-check-failed' });
    expect(h.record(true)).toBeUndefined();
    expect(h.record(false)).toBeUndefined();
    expect(h.record(true)).toBeUndefined();
    expect(h.record(true)).toEqual({ from: 'unhealthy', to: 'healthy', reason: 'health-check-passed' });
  });

  it('an unknown target that never passes becomes unhealthy after the threshold', () => {
    const h = new ActiveHealth(policy);
    h.record(false);
    h.record(false);
    expect(h.status).toBe('unknown');
    h.record(false);
    expect(h.status).toBe('unhealthy');
  });
});
