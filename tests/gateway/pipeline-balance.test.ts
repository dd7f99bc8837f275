// Step 5: splits (within tolerance over many keys, sticky per key) and every balance strategy.
import { describe, expect, it } from 'vitest';
import {
  chooseTarget,
  decide,
  prepareService,
  release,
  roundRobinSchedule,
  weightedIndex,
} from '../../packages/adapters/src/gateway/pipeline/index.js';
import type { Decision, ForwardDecision, GatewayState } from '../../packages/adapters/src/gateway/types.js';
import { freshState, type GatewaySpec, inputs, request, seeded } from './support/build.js';

function forward(d: Decision | Promise<Decision>): ForwardDecision {
  if (d instanceof Promise || d.kind !== 'forward') throw new Error('expected a synchronous forward');
  return d;
}

const T = (n: number) => `http://127.0.0.1:${9000 + n}`;

function counts(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('splits', () => {
  const spec = (sticky?: string): GatewaySpec => ({
    services: { stable: { targets: [T(1)] }, canary: { targets: [T(2)] } },
    routes: [
      {
        path: '/api/*',
        split: [
          { service: 'stable', weight: 95 },
          { service: 'canary', weight: 5 },
        ],
        ...(sticky ? { sticky } : {}),
      },
    ],
  });
  const N = 20_000;
  // Binomial(20000, 0.05): sd ≈ 30.8; ±1 percentage point is ±200, over 6 sd.
  const TOLERANCE = 0.01;

  it('a sticky split sends 5% ± 1 point of 20,000 distinct keys to the canary', () => {
    const state = freshState(spec('header:x-user-id'));
    const picked: string[] = [];
    for (let i = 0; i < N; i++) {
      const d = forward(decide(request({ target: '/api/x', headers: { 'x-user-id': `user-${i}` } }), state, inputs()));
      picked.push(d.service.name);
    }
    const share = (counts(picked).get('canary') ?? 0) / N;
    expect(Math.abs(share - 0.05)).toBeLessThan(TOLERANCE);
  });
  it('the same key lands on the same service every time, whatever the random source', () => {
    const state = freshState(spec('cookie:uid'));
    for (let i = 0; i < 200; i++) {
      const seen = new Set<string>();
      for (let r = 0; r < 5; r++) {
        const d = forward(
          decide(request({ target: '/api/x', headers: { cookie: `uid=u${i}` } }), state, inputs(0, r + 1)),
        );
        seen.add(d.service.name);
      }
      expect(seen.size).toBe(1);
    }
  });
  it('the same key lands on the same service in a fresh state too (another process)', () => {
    const a = freshState(spec('query:u'));
    const b = freshState(spec('query:u'));
    for (let i = 0; i < 300; i++) {
      const req = request({ target: `/api/x?u=k${i}` });
      expect(forward(decide(req, a, inputs())).service.name).toBe(forward(decide(req, b, inputs(0, 99))).service.name);
    }
  });
  it('without a sticky key (or without the key on the request) the split draws from the random source', () => {
    for (const s of [spec(), spec('header:x-user-id')]) {
      const state = freshState(s);
      const random = seeded(7);
      const picked: string[] = [];
      for (let i = 0; i < N; i++)
        picked.push(forward(decide(request({ target: '/api/x' }), state, { nowMs: 0, random })).service.name);
      const share = (counts(picked).get('canary') ?? 0) / N;
      expect(Math.abs(share - 0.05)).toBeLessThan(TOLERANCE);
    }
  });
});

describe('round-robin', () => {
  it('smooth weighted: a 5:1:1 service interleaves instead of bursting', () => {
    expect([...roundRobinSchedule([5, 1, 1])]).toEqual([0, 0, 1, 0, 2, 0, 0]);
    expect([...roundRobinSchedule([1, 1, 1])]).toEqual([0, 1, 2]);
    expect([...roundRobinSchedule([2, 4])]).toEqual([1, 0, 1]);
  });
  it('weight 0 takes nothing; all 0 counts as equal; large sums are scaled with every target kept', () => {
    expect([...roundRobinSchedule([0, 3])]).toEqual([1]);
    expect([...roundRobinSchedule([0, 0])]).toEqual([0, 1]);
    const big = roundRobinSchedule([1_000_000, 1]);
    expect(big.length).toBeLessThanOrEqual(4097);
    expect([...big].filter((i) => i === 1)).toHaveLength(1);
    const frac = roundRobinSchedule([0.5, 1.5]);
    expect([...frac].filter((i) => i === 1).length).toBe(3 * [...frac].filter((i) => i === 0).length);
  });
  it('walks the targets in order, weights respected, across decisions', () => {
    const state = freshState({
      services: { s: { targets: [T(1), { url: T(2), weight: 2 }] } },
      routes: [{ path: '/x', service: 's' }],
    });
    const seen = Array.from(
      { length: 6 },
      () => forward(decide(request({ target: '/x' }), state, inputs())).target.origin,
    );
    expect(seen).toEqual([T(2), T(1), T(2), T(2), T(1), T(2)]);
  });
});

describe('least-requests', () => {
  const spec: GatewaySpec = {
    services: { s: { targets: [T(1), T(2), { url: T(3), weight: 2 }], balance: 'least-requests' } },
    routes: [{ path: '/x', service: 's' }],
  };
  it('sends each request to the target with the fewest in flight per weight, and follows releases', () => {
    const state = freshState(spec);
    const held: ForwardDecision[] = [];
    for (let i = 0; i < 8; i++) held.push(forward(decide(request({ target: '/x' }), state, inputs(0, i + 1))));
    const load = counts(held.map((d) => d.target.origin));
    expect(load.get(T(1))).toBe(2);
    expect(load.get(T(2))).toBe(2);
    expect(load.get(T(3))).toBe(4);
    // Free two requests on T(1): the next two go there.
    for (const d of held.filter((h) => h.target.origin === T(1))) release(state, d);
    expect(forward(decide(request({ target: '/x' }), state, inputs())).target.origin).toBe(T(1));
    expect(forward(decide(request({ target: '/x' }), state, inputs())).target.origin).toBe(T(1));
  });
  it('breaks ties with the random source', () => {
    const even: GatewaySpec = {
      services: { s: { targets: [T(1), T(2), T(3)], balance: 'least-requests' } },
      routes: [{ path: '/x', service: 's' }],
    };
    const firsts = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      firsts.add(forward(decide(request({ target: '/x' }), freshState(even), inputs(0, seed))).target.origin);
    }
    expect(firsts.size).toBe(3);
    // With the weighted target less loaded per weight there is no tie: it always wins.
    for (let seed = 1; seed <= 10; seed++) {
      expect(forward(decide(request({ target: '/x' }), freshState(spec), inputs(0, seed))).target.origin).toBe(T(3));
    }
  });
});

describe('random', () => {
  it('draws weighted from the random source', () => {
    const state = freshState({
      services: { s: { targets: [T(1), { url: T(2), weight: 3 }], balance: 'random' } },
      routes: [{ path: '/x', service: 's' }],
    });
    const random = seeded(3);
    const picked: string[] = [];
    for (let i = 0; i < 20_000; i++)
      picked.push(forward(decide(request({ target: '/x' }), state, { nowMs: 0, random })).target.origin);
    expect(Math.abs((counts(picked).get(T(2)) ?? 0) / 20_000 - 0.75)).toBeLessThan(0.015);
  });
  it('weightedIndex covers the ends of [0, 1) and skips weight 0', () => {
    expect(weightedIndex([1, 0, 1], 2, 0)).toBe(0);
    expect(weightedIndex([1, 0, 1], 2, 0.5)).toBe(2);
    expect(weightedIndex([1, 0, 1], 2, 0.9999999999)).toBe(2);
    expect(weightedIndex([0, 0], 0, 0.6)).toBe(1);
  });
});

describe('consistent-hash', () => {
  const spec = (key: string): GatewaySpec => ({
    trustProxies: ['10.0.0.0/8'],
    services: {
      s: { targets: [T(1), T(2), T(3), T(4)], balance: { consistentHash: { key, algorithm: 'maglev' } } },
    },
    routes: [{ path: '/*', service: 's' }],
  });
  const pick = (state: GatewayState, req: Parameters<typeof request>[0], seed = 1) =>
    forward(decide(request(req), state, inputs(0, seed))).target.origin;

  it.each([
    ['header:x-user-id', (k: string) => ({ target: '/a', headers: { 'x-user-id': k } })],
    ['cookie:sid', (k: string) => ({ target: '/a', headers: { cookie: `x=1; sid=${k}` } })],
    ['query:u', (k: string) => ({ target: `/a?u=${k}` })],
    ['client-ip', (k: string) => ({ target: '/a', remoteAddress: `192.0.2.${Number(k.slice(1)) % 250}` })],
    ['path', (k: string) => ({ target: `/${k}` })],
  ])('by %s: the same key, the same target, in any state; keys spread over targets', (key, req) => {
    const a = freshState(spec(key));
    const b = freshState(spec(key));
    const targets = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const k = `k${i}`;
      const t = pick(a, req(k), 1);
      expect(pick(a, req(k), 2)).toBe(t);
      expect(pick(b, req(k), 3)).toBe(t);
      targets.add(t);
    }
    expect(targets.size).toBe(4);
  });
  it('by client-ip reads the client behind a trusted proxy', () => {
    const state = freshState(spec('client-ip'));
    const direct = pick(state, { target: '/a', remoteAddress: '198.51.100.77' });
    for (let i = 0; i < 20; i++) {
      expect(
        pick(state, { target: '/a', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '198.51.100.77' } }),
      ).toBe(direct);
    }
  });
  it('a missing key falls back to a weighted random pick', () => {
    const state = freshState(spec('header:x-user-id'));
    const seen = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) seen.add(pick(state, { target: '/a' }, seed));
    expect(seen.size).toBeGreaterThan(1);
    const prepared = prepareService(state.compiled.services.get('s')!);
    const choice = chooseTarget(prepared, state.runtime, () => undefined, seeded(1), false);
    expect(choice?.fallback).toBe('random');
    expect(choice?.strategy).toBe('consistent-hash');
  });
});
