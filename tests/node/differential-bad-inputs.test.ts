// Differential test over bad inputs: every entry point of every primitive, given a value of the
// wrong type, a value out of its domain, or one that runs the caller's code and throws, must
// answer the same in both implementations: the same result, or the same error class, `code`
// and message, and an exception of the caller's own code must reach the caller unchanged.
// FC_SEED and FC_RUNS apply (tests/support/fast-check.ts).

import { inspect, isDeepStrictEqual } from 'node:util';
import type { RouteSpec } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plain, plainResolution } from '../router/suite.js';
import { BAD_VALUES, badValue, CallerError, fickle, outcomeOf } from '../support/bad-inputs.js';
import { assertProperty } from '../support/fast-check.js';
import { type Implementation, isNative, native, reference } from '../support/implementations.js';

type Target = (impl: Implementation, bad: unknown) => unknown;

/** A spec with `bad` in `field` (or as the whole spec for `Router.add(spec)`). */
function specWith(field: string, bad: unknown): RouteSpec {
  switch (field) {
    case 'path':
      return { path: bad as string };
    case 'method':
      return { path: '/a', method: bad as string };
    case 'host':
      return { path: '/a', host: bad as string };
    case 'headers':
      return { path: '/a', headers: bad as Record<string, string> };
    case 'a header constraint':
      return { path: '/a', headers: { 'x-a': bad as string } };
    case 'a pattern':
      return { path: '/a', query: { q: { pattern: bad as string } } };
    case 'priority':
      return { path: '/a', priority: bad as number };
    default:
      return bad as RouteSpec;
  }
}

/** A router with a few routes, for the request-side targets. */
function router(impl: Implementation) {
  const r = new impl.Router<string>({ seed: 7 });
  r.add({ path: '/users/:id', method: 'GET' }, 'user');
  r.add({ path: '/files/*' }, 'files');
  r.add({ path: '/h', host: '*.example.com', headers: { 'x-a': 'on' } }, 'h');
  return r;
}

const TARGETS: Record<string, [Target, ((value: unknown) => unknown)?]> = {
  'new Router(options)': [(impl, bad) => new impl.Router(bad as never)],
  'Router options.seed': [(impl, bad) => new impl.Router({ seed: bad as number })],
  'Router options.maxParamLength': [(impl, bad) => new impl.Router({ maxParamLength: bad as number })],
  'Router options.trailingSlash': [(impl, bad) => new impl.Router({ trailingSlash: bad as 'strict' })],
  'Router.add(spec)': [(impl, bad) => new impl.Router().add(bad as RouteSpec, 0), (id) => id],
  'Router.add path': [(impl, bad) => new impl.Router().add({ path: bad as string }, 0), (id) => id],
  'Router.add method': [(impl, bad) => new impl.Router().add({ path: '/a', method: bad as string }, 0), (id) => id],
  'Router.add host': [(impl, bad) => new impl.Router().add({ path: '/a', host: bad as string }, 0), (id) => id],
  'Router.add headers': [
    (impl, bad) => new impl.Router().add({ path: '/a', headers: bad as Record<string, string> }, 0),
    (id) => id,
  ],
  'Router.add a header constraint': [
    (impl, bad) => new impl.Router().add({ path: '/a', headers: { 'x-a': bad as string } }, 0),
    (id) => id,
  ],
  'Router.add a pattern': [
    (impl, bad) => new impl.Router().add({ path: '/a', query: { q: { pattern: bad as string } } }, 0),
    (id) => id,
  ],
  'Router.add priority': [(impl, bad) => new impl.Router().add({ path: '/a', priority: bad as number }, 0), (id) => id],
  'Router.match(req)': [(impl, bad) => router(impl).match(bad as never), plain as (v: unknown) => unknown],
  'Router.match path': [(impl, bad) => router(impl).match({ path: bad as string }), plain as (v: unknown) => unknown],
  'Router.match method': [
    (impl, bad) => router(impl).match({ path: '/users/1', method: bad as string }),
    plain as (v: unknown) => unknown,
  ],
  'Router.match host': [
    (impl, bad) => router(impl).match({ path: '/h', host: bad as string, headers: { 'x-a': 'on' } }),
    plain as (v: unknown) => unknown,
  ],
  // Header values are read when a route's constraint needs them: with a host that routes to the
  // constrained route, both implementations read them.
  'Router.match headers': [
    (impl, bad) => router(impl).match({ path: '/h', host: 'a.example.com', headers: bad as Record<string, string> }),
    plain as (v: unknown) => unknown,
  ],
  'Router.resolve(req)': [
    (impl, bad) => router(impl).resolve(bad as never),
    plainResolution as (v: unknown) => unknown,
  ],
  'Router.resolve path': [
    (impl, bad) => router(impl).resolve({ path: bad as string, method: 'GET' }),
    plainResolution as (v: unknown) => unknown,
  ],
  'canonicalizePath(target)': [(impl, bad) => impl.canonicalizePath(bad as string), (v) => v],
  'canonicalizePath options': [(impl, bad) => impl.canonicalizePath('/a', bad as never), (v) => v],
  'new RateLimiter(options)': [(impl, bad) => new impl.RateLimiter(bad as never)],
  'RateLimiter capacity': [(impl, bad) => new impl.RateLimiter({ capacity: bad as number, refillPerSecond: 1 })],
  'RateLimiter refillPerSecond': [(impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: bad as number })],
  'RateLimiter maxKeys and seed': [
    (impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: bad as number, seed: 1 }),
  ],
  'RateLimiter seed': [(impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: 1, seed: bad as number })],
  'RateLimiter.take key': [
    (impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: 1, seed: 1 }).take(bad as string, 0),
    (d) => d,
  ],
  'RateLimiter.take nowMs': [
    (impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: 1, seed: 1 }).take('k', bad as number),
    (d) => (d as { allowed: boolean }).allowed,
  ],
  'RateLimiter.take cost': [
    (impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: 1, seed: 1 }).take('k', 0, bad as number),
    (d) => d,
  ],
  'RateLimiter.reset key': [
    (impl, bad) => new impl.RateLimiter({ capacity: 1, refillPerSecond: 1, seed: 1 }).reset(bad as string),
    (v) => v,
  ],
  'new SlidingWindowLimiter(options)': [(impl, bad) => new impl.SlidingWindowLimiter(bad as never)],
  'SlidingWindowLimiter limit': [
    (impl, bad) => new impl.SlidingWindowLimiter({ limit: bad as number, windowMs: 1000 }),
  ],
  'SlidingWindowLimiter.peek key': [
    (impl, bad) => new impl.SlidingWindowLimiter({ limit: 1, windowMs: 1000, seed: 1 }).peek(bad as string, 0),
    (d) => d,
  ],
  'new ConsistentHash(nodes)': [(impl, bad) => new impl.ConsistentHash(bad as string[])],
  'ConsistentHash a node': [(impl, bad) => new impl.ConsistentHash(['a', bad as string])],
  'ConsistentHash options': [(impl, bad) => new impl.ConsistentHash(['a'], bad as never)],
  'ConsistentHash.pick key': [(impl, bad) => new impl.ConsistentHash(['a', 'b']).pick(bad as string), (v) => v],
  'ConsistentHash.pickN n': [(impl, bad) => new impl.ConsistentHash(['a', 'b']).pickN('k', bad as number), (v) => v],
  'new WeightedSplit(targets)': [(impl, bad) => new impl.WeightedSplit(bad as never)],
  'WeightedSplit options.random': [
    (impl, bad) => new impl.WeightedSplit([{ id: 'a', weight: 1 }], { random: bad as () => number }).pick(),
    (v) => v,
  ],
  'WeightedSplit random() returns it': [
    (impl, bad) =>
      new impl.WeightedSplit(
        [
          { id: 'a', weight: 1 },
          { id: 'b', weight: 1 },
        ],
        { random: () => bad as number },
      ).pick(),
    (v) => v,
  ],
  'WeightedSplit.pick key': [
    (impl, bad) =>
      new impl.WeightedSplit(
        [
          { id: 'a', weight: 1 },
          { id: 'b', weight: 1 },
        ],
        { random: () => 0.75 },
      ).pick(bad as string),
    (v) => v,
  ],
  'keyHash(key)': [(impl, bad) => impl.keyHash(bad as string), (v) => v],
};

describe('bad inputs: native == reference', () => {
  it('runs against the addon', () => {
    expect(isNative).toBe(true);
  });

  it('every entry point answers every bad value the same, errors included', () => {
    // Every pair, not a sample: a rejection that differs for one value of one entry point shows.
    const differences: string[] = [];
    for (const [name, [target, summary]] of Object.entries(TARGETS)) {
      for (const bad of BAD_VALUES) {
        const expected = outcomeOf(() => target(reference, bad.make()), summary);
        const actual = outcomeOf(() => target(native, bad.make()), summary);
        if (!isDeepStrictEqual(actual, expected)) {
          differences.push(`${name} given ${bad.name}: ${inspect(expected)} / native ${inspect(actual)}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it('agrees on random sequences of bad and good inputs to one router', () => {
    // The router's state after a rejected add must be the same too: a later good route gets
    // the same id and the same matches in both.
    const names = Object.keys(TARGETS).filter((n) => n.startsWith('Router.add'));
    assertProperty(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), badValue), { maxLength: 8 }), (steps) => {
        const routers = [reference, native].map((impl) => new impl.Router<number>({ seed: 5 }));
        for (const [name, bad] of steps) {
          const field = name.replace('Router.add ', '');
          const outcomes = routers.map((r) =>
            outcomeOf(
              () => r.add(specWith(field, bad.make()), 0),
              (id) => id,
            ),
          );
          expect(outcomes[1], `${name} given ${bad.name}`).toEqual(outcomes[0]);
          const good = routers.map((r) =>
            outcomeOf(
              () => r.add({ path: `/ok/${r.size}` }, 1),
              (id) => id,
            ),
          );
          expect(good[1]).toEqual(good[0]);
        }
        for (const path of ['/ok/0', '/ok/1', '/a', '/']) {
          expect(plain(routers[1]?.match({ path }) ?? null), path).toEqual(plain(routers[0]?.match({ path }) ?? null));
        }
      }),
      300,
    );
  });

  it('the cases the issue names give typed errors with the same code, or the caller’s own error', () => {
    const cases: Array<[string, (impl: Implementation) => unknown, string]> = [
      ['keyHash(42)', (impl) => impl.keyHash(42 as unknown as string), 'SWITCHYARD_INVALID_ARGUMENT'],
      ['add(Object.create(null))', (impl) => new impl.Router().add(Object.create(null), 0), 'SWITCHYARD_INVALID_ROUTE'],
    ];
    for (const [what, call, code] of cases) {
      for (const impl of [reference, native]) {
        const outcome = outcomeOf(() => call(impl));
        expect(outcome, `${what} (${impl.name})`).toHaveProperty('error');
        expect((outcome as { error: string }).error, `${what} (${impl.name})`).toContain(code);
      }
    }
    const throwing = () => {
      throw new CallerError('random');
    };
    for (const impl of [reference, native]) {
      const split = new impl.WeightedSplit([{ id: 'a', weight: 1 }], { random: throwing });
      expect(
        outcomeOf(() => split.pick()),
        impl.name,
      ).toEqual({ caller: 'random' });
      const getter = Object.defineProperty({}, 'path', {
        enumerable: true,
        get: () => {
          throw new CallerError('path getter');
        },
      });
      expect(
        outcomeOf(() => new impl.Router().add(getter as RouteSpec, 0)),
        impl.name,
      ).toEqual({
        caller: 'path getter',
      });
    }
  });
});

describe('a route spec is copied at add', () => {
  /** Every view of the table the router gives for one request. */
  function views(r: ReturnType<typeof router>, path: string) {
    const req = { method: 'GET', path };
    const explained = r.explain(req);
    return {
      match: plain(r.match(req)),
      resolve: plainResolution(r.resolve(req)),
      explain: explained.winner,
    };
  }

  it('a getter answering differently later, or a mutation after add, changes nothing', () => {
    for (const impl of [reference, native]) {
      const r = new impl.Router<string>({ seed: 3 });
      const spec: { path: string; method: string[] } = { path: '/a', method: ['GET'] };
      r.add(spec, 'a');
      spec.path = '/b';
      spec.method.push('POST');
      spec.method[0] = 'PUT';
      r.add(fickle({ method: 'GET' }, 'path', '/c', '/d') as RouteSpec, 'c');
      for (const path of ['/a', '/b', '/c', '/d']) {
        const seen = views(r as ReturnType<typeof router>, path);
        const expectMatch = path === '/a' || path === '/c';
        expect(seen.match !== null, `${impl.name} ${path}`).toBe(expectMatch);
        expect(seen.explain, `${impl.name} explain ${path} agrees with match`).toBe(seen.match?.route ?? null);
        expect(seen.resolve.outcome, `${impl.name} ${path}`).toBe(expectMatch ? 'matched' : 'no-route');
      }
      // `check` reads the same table: a route for GET /a and one for GET /c, nothing to report.
      expect(r.check(), impl.name).toEqual([]);
    }
  });
});
