// Resilience through the pipeline: per-target state in the runtime, the balancer skipping
// unavailable targets (consistent hashing moving only their keys), afterAttempt's retry plans,
// events, reload carry-over and explain. Fake clocks, seeded random sources, no sockets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGateway } from '../../packages/adapters/src/gateway/config/index.js';
import { afterAttempt, decide, explainRequest, release } from '../../packages/adapters/src/gateway/pipeline/index.js';
import { ResilienceRuntime, type TargetStateEvent } from '../../packages/adapters/src/gateway/resilience/index.js';
import type { Decision, ForwardDecision, GatewayState } from '../../packages/adapters/src/gateway/types.js';
import { formatExplanation } from '../../packages/adapters/src/proxy/explain-format.js';
import { assertProperty } from '../support/fast-check.js';
import { request, seeded } from './support/build.js';

const T = ['http://127.0.0.1:9001', 'http://127.0.0.1:9002', 'http://127.0.0.1:9003'];

function config(extra: Record<string, unknown> = {}, balance: unknown = 'round-robin') {
  return {
    services: {
      s: {
        targets: T,
        balance,
        breaker: { consecutive_failures: 2, cooldown_ms: 1000, close_after: 2 },
        retries: {
          attempts: 3,
          backoff_ms: 10,
          max_backoff_ms: 100,
          budget: { capacity: 2, refill_per_second: 0.001 },
        },
        ...extra,
      },
      plain: { targets: T },
    },
    routes: [
      { path: '/s/*', service: 's' },
      { path: '/post/*', service: 's', retry: 'always' },
      { path: '/never/*', service: 's', retry: 'never' },
      { path: '/plain/*', service: 'plain' },
    ],
  };
}

function state(cfg: object = config()): GatewayState {
  return { compiled: compileGateway(cfg, { limiterSeed: 1 }), runtime: { cursors: new Map(), inFlight: new Map() } };
}

function fwd(d: Decision | Promise<Decision>): ForwardDecision {
  if (d instanceof Promise || d.kind !== 'forward') throw new Error('expected a forward decision');
  return d;
}

const at = (nowMs: number) => ({ nowMs, random: seeded(nowMs) });
const ctx = (attempt = 1, method = 'GET') => ({
  attempt,
  method,
  bodySent: false,
  remainingMs: Number.POSITIVE_INFINITY,
});
const refused = { kind: 'connect-error', error: 'ECONNREFUSED' } as const;
const ok = { kind: 'response', status: 200, retryAfter: undefined } as const;

/** Sends one request and reports `result` for its first attempt; returns the target and the plan. */
function exchange(
  s: GatewayState,
  path: string,
  result: Parameters<typeof afterAttempt>[2],
  nowMs: number,
  method = 'GET',
) {
  const d = fwd(decide(request({ target: path, method }), s, at(nowMs)));
  const plan = afterAttempt(s, d, result, ctx(1, method), at(nowMs));
  release(s, plan.next ?? d);
  return { target: d.target.id, plan };
}

describe('per-target state in the pipeline', () => {
  it('a service without resilience policies keeps no state and is never skipped', () => {
    const s = state();
    const d = fwd(decide(request({ target: '/plain/x' }), s, at(1)));
    expect(d.service.resilience).toBeUndefined();
    expect(s.runtime.resilience?.of(d.service)).toBeUndefined();
  });

  it('a target whose breaker opens is skipped by round-robin until the cooldown; trials then close it', () => {
    const s = state();
    const events: TargetStateEvent[] = [];
    const runtime = new ResilienceRuntime();
    s.runtime.resilience = runtime;
    runtime.onStateChange((e) => events.push(e));
    // Every request to 9002 fails: two in a row open its breaker.
    let now = 1000;
    for (let i = 0; i < 6; i++) {
      const d = fwd(decide(request({ target: '/s/x' }), s, at(now)));
      afterAttempt(
        s,
        d,
        d.target.id === T[1] ? { kind: 'response', status: 503, retryAfter: undefined } : ok,
        ctx(),
        at(now),
      );
      release(s, d);
      now += 1;
    }
    expect(events.map((e) => [e.target, e.previous.breaker, e.current.breaker, e.reason])).toEqual([
      [T[1], 'closed', 'open', 'consecutive-failures'],
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(exchange(s, '/s/x', ok, now + i).target);
    expect(seen).toEqual(new Set([T[0], T[2]]));
    // After the cooldown one trial goes to 9002 (half-open, one at a time), two successes close it.
    now += 1000;
    const hits: string[] = [];
    for (let i = 0; i < 6; i++) hits.push(exchange(s, '/s/x', ok, now + i).target);
    expect(hits.filter((t) => t === T[1]).length).toBeGreaterThanOrEqual(2);
    expect(events.map((e) => e.reason)).toEqual(['consecutive-failures', 'cooldown-elapsed', 'trials-succeeded']);
    expect(events[2]!.current).toEqual({ breaker: 'closed', health: undefined, available: true });
  });

  it('4xx answers and client aborts never open a breaker', () => {
    const s = state();
    for (let i = 0; i < 30; i++) {
      const d = fwd(decide(request({ target: '/s/x' }), s, at(i)));
      afterAttempt(
        s,
        d,
        i % 2 ? { kind: 'response', status: 404, retryAfter: undefined } : { kind: 'client-aborted' },
        ctx(),
        at(i),
      );
      release(s, d);
    }
    const views = s.runtime.resilience!.targets(100);
    expect(views.every((v) => v.status.breaker === 'closed')).toBe(true);
  });

  it('with every target open the service answers 503 no-target', () => {
    const s = state();
    const res = new ResilienceRuntime();
    s.runtime.resilience = res;
    const service = s.compiled.services.get('s')!;
    const sr = res.of(service)!;
    for (const t of sr.targets) {
      t.record(false, 'normal', 0);
      t.record(false, 'normal', 0);
    }
    const d = decide(request({ target: '/s/x' }), s, at(10));
    expect(d).toMatchObject({ kind: 'respond', status: 503, reason: 'no-target' });
  });

  it('under consistent hashing only the open target’s keys move', () => {
    const s = state(config({}, { 'consistent-hash': { key: 'header:x-k', algorithm: 'maglev' } }));
    const pick = (k: string, now: number) => {
      const d = fwd(decide(request({ target: '/s/x', headers: { 'x-k': k } }), s, at(now)));
      release(s, d);
      return d.target.id;
    };
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    const before = new Map(keys.map((k) => [k, pick(k, 1)]));
    const sr = s.runtime.resilience!.of(s.compiled.services.get('s')!)!;
    sr.targets[0]!.record(false, 'normal', 2);
    sr.targets[0]!.record(false, 'normal', 2);
    for (const k of keys) {
      const now = pick(k, 3);
      if (before.get(k) === T[0]) expect(now).not.toBe(T[0]);
      else expect(now).toBe(before.get(k));
    }
    // After the cooldown and two good trials the keys come back.
    let t = 2000;
    while (sr.targets[0]!.status(t).breaker !== 'closed') {
      const k = keys.find((key) => before.get(key) === T[0])!;
      const d = fwd(decide(request({ target: '/s/x', headers: { 'x-k': k } }), s, at(t)));
      afterAttempt(s, d, ok, ctx(), at(t));
      release(s, d);
      t++;
    }
    for (const k of keys) expect(pick(k, t)).toBe(before.get(k));
  });
});

describe('afterAttempt: retries', () => {
  it('a refused GET is retried on another target, after the jittered backoff', () => {
    const s = state();
    const d = fwd(decide(request({ target: '/s/x?q=1' }), s, at(5)));
    const plan = afterAttempt(s, d, refused, ctx(), at(5));
    expect(plan.record).toMatchObject({
      attempt: 1,
      target: d.target.id,
      retry: { retry: true, reason: 'connect-error' },
    });
    expect(plan.next?.target.id).not.toBe(d.target.id);
    expect(plan.next?.upstreamPath).toBe('/s/x?q=1');
    expect(plan.delayMs).toBeGreaterThanOrEqual(0);
    expect(plan.delayMs).toBeLessThan(10);
    // The failed attempt's in-flight count is gone; the retry's is there.
    expect([...s.runtime.inFlight.values()].reduce((a, b) => a + b, 0)).toBe(1);
    release(s, plan.next!);
    expect([...s.runtime.inFlight.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('POST is not retried unless the route says always; never means never', () => {
    const s = state();
    expect(exchange(s, '/s/x', refused, 1, 'POST').plan.record.retry).toMatchObject({ retry: false, why: 'method' });
    expect(exchange(s, '/post/x', refused, 2, 'POST').plan.record.retry).toMatchObject({ retry: true });
    expect(exchange(s, '/never/x', refused, 3).plan.record.retry).toMatchObject({ retry: false, why: 'route' });
  });

  it('the retry budget is per service and runs out', () => {
    const s = state();
    const verdicts = [1, 2, 3].map((i) => exchange(s, '/s/x', refused, 100 + i).plan.record.retry);
    expect(verdicts.map((v) => (v?.retry ? 'retry' : v?.why))).toEqual(['retry', 'retry', 'budget']);
  });

  it('a 503 with a Retry-After past max_retry_after_ms is not retried; one within it delays at least that long', () => {
    const s = state(config({ retries: { attempts: 2, max_retry_after_ms: 2000 } }));
    const long = exchange(s, '/s/x', { kind: 'response', status: 503, retryAfter: '3' }, 1);
    expect(long.plan.record.retry).toMatchObject({ retry: false, why: 'retry-after' });
    const short = exchange(s, '/s/x', { kind: 'response', status: 503, retryAfter: '2' }, 2);
    expect(short.plan.delayMs).toBe(2000);
  });
});

describe('reload and explain', () => {
  it('a reload keeps the state of unchanged targets and resets changed policies', () => {
    const runtime = new ResilienceRuntime();
    const a = compileGateway(config(), { limiterSeed: 1 });
    runtime.adopt(a);
    const sa = runtime.of(a.services.get('s')!)!;
    sa.targets[1]!.record(false, 'normal', 0);
    sa.targets[1]!.record(false, 'normal', 0);
    const b = compileGateway(config(), { limiterSeed: 1 });
    runtime.adopt(b);
    expect(runtime.of(b.services.get('s')!)!.targets[1]!.status(10).breaker).toBe('open');
    const c = compileGateway(config({ breaker: { consecutive_failures: 9 } }), { limiterSeed: 1 });
    runtime.adopt(c);
    expect(runtime.of(c.services.get('s')!)!.targets[1]!.status(10).breaker).toBe('closed');
  });

  it('explain lists the chosen service’s target states and policies', () => {
    const s = state(config({ health: { path: '/healthz', interval_ms: 500 } }));
    s.runtime.resilience = new ResilienceRuntime();
    const sr = s.runtime.resilience.of(s.compiled.services.get('s')!)!;
    sr.targets[2]!.recordProbe(false, 1);
    sr.targets[2]!.recordProbe(false, 2);
    sr.targets[2]!.recordProbe(false, 3);
    const x = explainRequest(s, request({ target: '/s/x' }), at(10));
    expect(x.targets?.map((t) => [t.target, t.status.available, t.status.health])).toEqual([
      [T[0], true, 'unknown'],
      [T[1], true, 'unknown'],
      [T[2], false, 'unhealthy'],
    ]);
    const text = formatExplanation(x);
    expect(text).toContain('retries:   up to 3 attempts (idempotent methods)');
    expect(text).toContain('breaker:   opens after 2 failures in a row');
    expect(text).toContain('health:    GET /healthz every 500 ms');
    expect(text).toContain(`state:     ${T[2]}: unavailable, breaker closed, health unhealthy`);
  });
});

describe('the balancer and unavailable targets (property)', () => {
  const FOUR = [...T, 'http://127.0.0.1:9004'];
  const strategies = [
    'round-robin',
    'least-requests',
    'random',
    { 'consistent-hash': { key: 'header:x-k', algorithm: 'maglev' } },
    { 'consistent-hash': { key: 'header:x-k', algorithm: 'ring' } },
  ];

  it('never chooses an open or unhealthy target; under consistent hashing only their keys move', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: strategies.length - 1 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.array(fc.constantFrom('open', 'unhealthy'), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (which, down, how, seed) => {
          const s: GatewayState = {
            compiled: compileGateway(
              {
                services: {
                  s: {
                    targets: FOUR.map((url, i) => ({ url, weight: i + 1 })),
                    balance: strategies[which],
                    breaker: { consecutive_failures: 1 },
                    health: { path: '/h' },
                  },
                },
                routes: [{ path: '/*', service: 's' }],
              },
              { limiterSeed: 1 },
            ),
            runtime: { cursors: new Map(), inFlight: new Map(), resilience: new ResilienceRuntime() },
          };
          const random = seeded(seed);
          const pick = (k: string) => {
            const d = decide(request({ target: '/x', headers: { 'x-k': k } }), s, { nowMs: 10, random });
            if (d instanceof Promise) throw new Error('sync expected');
            if (d.kind === 'forward') release(s, d);
            return d.kind === 'forward' ? d.target.id : undefined;
          };
          const keys = Array.from({ length: 40 }, (_, i) => `key-${seed}-${i}`);
          const before = new Map(keys.map((k) => [k, pick(k)]));
          const sr = s.runtime.resilience!.of(s.compiled.services.get('s')!)!;
          down.forEach((isDown, i) => {
            if (!isDown) return;
            const t = sr.targets[i]!;
            if (how[i] === 'open') t.record(false, 'normal', 5);
            else for (let n = 0; n < 3; n++) t.recordProbe(false, 5);
          });
          const downIds = new Set(FOUR.filter((_, i) => down[i]));
          for (const k of keys) {
            const now = pick(k);
            if (downIds.size === FOUR.length) {
              expect(now).toBeUndefined();
              continue;
            }
            expect(now).toBeDefined();
            expect(downIds.has(now!)).toBe(false);
            if (which >= 3 && !downIds.has(before.get(k)!)) expect(now).toBe(before.get(k));
          }
        },
      ),
      80,
    );
  });
});
