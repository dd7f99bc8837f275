// The reference router's index (packages/core/src/router/route-index.ts) against the linear
// algorithms it replaced, used here as oracles: `match` is the best-ranked of every route that
// matches, `resolve`'s `allow` is the methods of every route that matches but for its method, and
// `check()` tries every pair of routes. Random tables built from few segment, host and constraint
// values (so that routes overlap, cover and tie often) must give the same answers with and
// without the index. Then large generated tables with planted unreachable, shadowed and
// conflicting routes: `check()` must find exactly the planted ones, in both implementations.
// FC_SEED and FC_RUNS apply (tests/support/fast-check.ts).
import type { RequestInfo, RouterOptions, RouteSpec } from '@switchyard/core';
import { resolveRouterOptions } from '@switchyard/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, mayOverlap } from '../../packages/core/src/router/check.js';
import { type CompiledRoute, compileRoute } from '../../packages/core/src/router/compile.js';
import {
  compareRank,
  evaluateRoute,
  RequestContext,
  structurallyTied,
} from '../../packages/core/src/router/evaluate.js';
import { readRouteSpec } from '../../packages/core/src/router/read-spec.js';
import { normalizeRequest } from '../../packages/core/src/router/request.js';
import { assertProperty, fcRuns } from '../support/fast-check.js';
import { implementations, native as nativeImpl, reference } from '../support/implementations.js';
import { plain } from './suite.js';

// Patterns that overlap on the sample values below weigh most: several siblings of one trie node
// then match one request segment, the case where the index must compare subtrees by rank.
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'A', '') },
  { weight: 1, arbitrary: fc.constant(':p') },
  { weight: 4, arbitrary: fc.constantFrom(':p(\\d+)', ':p(a|b)', ':p([0-9a-f]+)', ':p(.*)') },
  { weight: 2, arbitrary: fc.constantFrom('v:p', 'V:p', 'v:p(\\d+)', ':p.:q', 'x:p(a+)y') },
);
/** Param names must be distinct within a route. */
function uniqueNames(segments: string[]): string {
  let n = 0;
  return `/${segments.map((s) => s.replace(/:([pq])(?=[^A-Za-z0-9_]|$)/g, () => `:n${n++}`)).join('/')}`;
}
const routePath = fc.oneof(
  { weight: 3, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map(uniqueNames) },
  {
    weight: 1,
    arbitrary: fc.array(segment, { minLength: 0, maxLength: 2 }).map((s) => `${uniqueNames(s)}/*`.replace('//', '/')),
  },
);
const constraint = fc.constantFrom<string | boolean | { pattern: string }>('1', '2', true, false, { pattern: '\\d+' });
const routeSpec: fc.Arbitrary<RouteSpec> = fc.record(
  {
    path: routePath,
    method: fc.constantFrom('GET', 'PUT', ['GET', 'PUT'], '*'),
    host: fc.constantFrom('a.com', 'b.a.com', '*.a.com', '*.b.a.com', '*.com', '*'),
    // Mostly without constraints: a request meets a random one seldom, and a route it does not
    // meet takes no part in the ranking.
    headers: fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('x-a', 'x-b'), constraint, { maxKeys: 2 }) },
    ),
    query: fc.oneof(
      { weight: 4, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('k'), constraint, { maxKeys: 1 }) },
    ),
    priority: fc.constantFrom(0, 1, 2),
  },
  { requiredKeys: ['path'] },
);
const options: fc.Arbitrary<RouterOptions> = fc.record(
  {
    caseSensitive: fc.boolean(),
    trailingSlash: fc.constantFrom('strict' as const, 'ignore' as const),
    maxParamLength: fc.constantFrom(1, 3, 256),
  },
  { requiredKeys: [] },
);
const request: fc.Arbitrary<RequestInfo> = fc.record(
  {
    path: fc
      .tuple(
        fc.array(fc.constantFrom('a', 'b', 'A', '1', '12', 'ab', 'v1', 'V1', 'x.y', 'xaay', 'f0', ''), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom('', '?k=1', '?k=2&k=x', '?k'),
      )
      .map(([s, q]) => `/${s.join('/')}${q}`),
    method: fc.constantFrom('GET', 'PUT', 'POST'),
    host: fc.constantFrom('a.com', 'b.a.com', 'x.b.a.com', 'c.com', 'A.COM:80'),
    headers: fc.dictionary(fc.constantFrom('x-a', 'x-b'), fc.constantFrom('1', '2', '34'), { maxKeys: 2 }),
  },
  { requiredKeys: ['path'] },
);

const paramValue = fc.constantFrom('1', '12', 'ab', 'f0', 'a', 'b', 'v1', 'V1', 'x.y', 'xaay', 'A', '');
/**
 * Requests built from the table's own paths (each param and the wildcard filled with a sample
 * value), so that most of them match a route or several: index i of the accepted routes (modulo
 * their count), the values, and the rest of a random request.
 */
const fromTable = fc.tuple(fc.nat(), fc.array(paramValue, { minLength: 4, maxLength: 4 }), request);
function instantiate(accepted: readonly RouteSpec[], [i, values, rest]: [number, string[], RequestInfo]): RequestInfo {
  const spec = accepted[i % accepted.length];
  if (spec === undefined) return rest;
  let k = 0;
  const next = () => values[k++ % values.length] as string;
  const path = spec.path.replace(/[^/]*:n\d+[^/]*/g, next).replace(/\*$/, next);
  const query = rest.path.includes('?') ? rest.path.slice(rest.path.indexOf('?')) : '';
  // The route's own host and method half of the time, so that the request reaches its trie.
  if (values[0] === '' || values[0] === '1') return { ...rest, path: `${path}${query}` };
  const host = spec.host === undefined || spec.host === '*' ? rest.host : spec.host.replace('*', 'q');
  const method = typeof spec.method === 'string' ? spec.method : (spec.method?.[0] ?? rest.method);
  return { ...rest, host, method: method === '*' ? rest.method : method, path: `${path}${query}` };
}

/** The routes a reference router accepted, compiled again for the oracles. */
function build(specs: readonly RouteSpec[], opts: RouterOptions) {
  const router = new reference.Router<number>(opts);
  const resolved = resolveRouterOptions(opts);
  const routes: CompiledRoute[] = [];
  const accepted: RouteSpec[] = [];
  for (const spec of specs) {
    let id: number;
    try {
      id = router.add(spec, routes.length);
    } catch {
      continue;
    }
    routes.push(compileRoute(id, readRouteSpec(spec, id), resolved));
    accepted.push(spec);
  }
  const context = (req: RequestInfo) =>
    new RequestContext(
      normalizeRequest(req, resolved),
      resolved.caseSensitive,
      resolved.maxParamLength,
      resolved.trailingSlash === 'ignore',
    );
  return { router, routes, accepted, resolved, context };
}

/** The linear `match`: the best-ranked route that matches. */
function linearMatch(routes: readonly CompiledRoute[], ctx: RequestContext) {
  if (ctx.req.rejected !== null) return null;
  let best: { route: CompiledRoute; params: Record<string, string> } | null = null;
  for (const route of routes) {
    const result = evaluateRoute(route, ctx);
    if (typeof result !== 'string' && (best === null || compareRank(route, best.route) < 0)) {
      best = { route, params: result };
    }
  }
  return best && { route: best.route.id, params: Object.entries(best.params).sort(([a], [b]) => (a < b ? -1 : 1)) };
}

/** The linear `allow` of a resolve that matched nothing. */
function linearAllow(routes: readonly CompiledRoute[], ctx: RequestContext): string[] {
  const allow = new Set<string>();
  for (const route of routes) {
    if (route.methods !== null && typeof evaluateRoute(route, ctx, true) !== 'string') {
      for (const m of route.methods) allow.add(m);
    }
  }
  return [...allow].sort();
}

/** The pairwise `check()`: for each route, the first route in id order that covers it, or ties with it. */
function pairwiseCheck(routes: readonly CompiledRoute[], opts: ReturnType<typeof resolveRouterOptions>) {
  const out: Array<[string, number, number]> = [];
  for (const r of routes) {
    const by = routes.find((a) => a !== r && compareRank(a, r) < 0 && covers(a, r, opts));
    if (by) {
      out.push(['unreachable', r.id, by.id]);
      continue;
    }
    const tied = routes.find((a) => a !== r && compareRank(a, r) < 0 && structurallyTied(a, r) && mayOverlap(a, r));
    if (tied) out.push([tied.priority !== r.priority ? 'shadowed' : 'conflict', r.id, tied.id]);
  }
  return out;
}

describe('the reference router index', () => {
  it('gives the match, the allow list and the check() findings of the linear algorithms', () => {
    assertProperty(
      fc.property(
        fc.array(routeSpec, { minLength: 1, maxLength: 30 }),
        options,
        fc.array(request, { minLength: 1, maxLength: 6 }),
        fc.array(fromTable, { minLength: 1, maxLength: 10 }),
        (specs, opts, random, built) => {
          const { router, routes, accepted, resolved, context } = build(specs, opts);
          for (const req of [...random, ...built.map((b) => instantiate(accepted, b))]) {
            const ctx = context(req);
            const expected = linearMatch(routes, ctx);
            expect(plain(router.match(req))).toEqual(expected);
            const resolution = router.resolve(req);
            if (expected === null) {
              const allow = linearAllow(routes, ctx);
              expect(resolution).toMatchObject(
                allow.length > 0 ? { outcome: 'method-not-allowed', allow } : { outcome: 'no-route' },
              );
            } else {
              expect(resolution.outcome).toBe('matched');
            }
          }
          expect(router.check().map((d) => [d.kind, d.route, d.by])).toEqual(pairwiseCheck(routes, resolved));
        },
      ),
      fcRuns(400),
    );
  });

  it('finds what the pairwise check() finds in dense tables', () => {
    // Few hosts, methods and paths: routes cover and tie each other often.
    const dense: fc.Arbitrary<RouteSpec> = fc.record(
      {
        path: fc.oneof(
          { weight: 3, arbitrary: fc.array(segment, { minLength: 1, maxLength: 2 }).map(uniqueNames) },
          {
            weight: 1,
            arbitrary: fc.array(segment, { maxLength: 1 }).map((s) => `${uniqueNames(s)}/*`.replace('//', '/')),
          },
        ),
        method: fc.constantFrom('GET', ['GET', 'PUT'], '*'),
        host: fc.constantFrom('b.a.com', '*.a.com', '*'),
        headers: fc.oneof(
          { weight: 2, arbitrary: fc.constant({}) },
          { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('x-a'), constraint, { maxKeys: 1 }) },
        ),
        priority: fc.constantFrom(0, 1, 2),
      },
      { requiredKeys: ['path'] },
    );
    assertProperty(
      fc.property(fc.array(dense, { minLength: 2, maxLength: 40 }), options, (specs, opts) => {
        const { router, routes, resolved } = build(specs, opts);
        expect(router.check().map((d) => [d.kind, d.route, d.by])).toEqual(pairwiseCheck(routes, resolved));
      }),
      fcRuns(300),
    );
  });

  it('splits long lists by header or query value without changing an answer (match, allow, check)', () => {
    // Many routes on a few paths, most told apart by an `equals` on the header x-t or on the query
    // key t (the lists both routers split by value), the others by other constraints or none: the
    // split must give what the linear algorithms give, including for requests without the value,
    // with an unknown one, or (query) with several.
    const tenant = fc.constantFrom('t1', 't2', 't3', 't4', 't5');
    const constraints = (key: string) =>
      fc.oneof(
        { weight: 6, arbitrary: tenant.map((t) => ({ [key]: t })) },
        { weight: 2, arbitrary: fc.tuple(tenant, constraint).map(([t, c]) => ({ [key]: t, 'x-a': c })) },
        { weight: 1, arbitrary: fc.constantFrom({}, { [key]: true }, { [key]: false }, { 'x-a': '1' }) },
        { weight: 1, arbitrary: fc.constant({ [key]: { pattern: 't[12]' } }) },
      ) as fc.Arbitrary<NonNullable<RouteSpec['headers']>>;
    const spec: fc.Arbitrary<RouteSpec> = fc
      .oneof(
        fc.record({ headers: constraints('x-t') }),
        fc.record({ query: constraints('t') }),
        fc.record({ headers: constraints('x-t'), query: constraints('t') }),
      )
      .chain((c) =>
        fc
          .record(
            {
              path: fc.constantFrom('/o/:id', '/o/:id', '/o/a', '/o/*', '/p/:id(\\d+)'),
              method: fc.constantFrom('GET', 'PUT', ['GET', 'PUT'], '*'),
              priority: fc.constantFrom(0, 1, 2),
            },
            { requiredKeys: ['path'] },
          )
          .map((r) => ({ ...r, ...c })),
      );
    const req: fc.Arbitrary<RequestInfo> = fc.record(
      {
        path: fc
          .tuple(
            fc.constantFrom('/o/1', '/o/a', '/o/a/b', '/p/12', '/p/x', '/o/'),
            fc.constantFrom('', '?t=t1', '?t=t2&t=t5', '?t=t9', '?x-a=1&t=t3', '?t'),
          )
          .map(([p, q]) => p + q),
        method: fc.constantFrom('GET', 'PUT', 'POST'),
        headers: fc.record(
          { 'x-t': fc.constantFrom('t1', 't2', 't5', 't9'), 'x-a': fc.constantFrom('1', '2') },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['path', 'method', 'headers'] },
    );
    let split = 0;
    assertProperty(
      fc.property(
        fc.array(spec, { minLength: 10, maxLength: 60 }),
        options,
        fc.array(req, { maxLength: 12 }),
        (specs, opts, reqs) => {
          const { router, routes, accepted, resolved, context } = build(specs, opts);
          if (routes.length > 16) split++;
          // The native router splits its lists the same way (crates/switchyard/src/router/table.rs).
          const native = new nativeImpl.Router<number>(opts);
          for (const [i, s] of accepted.entries()) native.add(s, i);
          // A reference router read between its adds keeps its splits up to date as it grows.
          const interleaved = new reference.Router<number>(opts);
          for (const [i, s] of accepted.entries()) {
            interleaved.add(s, i);
            if (reqs.length > 0) interleaved.match(reqs[i % reqs.length] as RequestInfo);
          }
          for (const r of reqs) {
            const ctx = context(r);
            const expected = linearMatch(routes, ctx);
            const allow = expected === null ? linearAllow(routes, ctx) : [];
            for (const impl of [router, native, interleaved]) {
              expect(plain(impl.match(r))).toEqual(expected);
              if (expected === null) {
                expect(impl.resolve(r)).toMatchObject(
                  allow.length > 0 ? { outcome: 'method-not-allowed', allow } : { outcome: 'no-route' },
                );
              }
            }
          }
          expect(router.check().map((d) => [d.kind, d.route, d.by])).toEqual(pairwiseCheck(routes, resolved));
        },
      ),
      fcRuns(300),
    );
    expect(split).toBeGreaterThan(0);
  });

  it('keeps a split list up to date when it is read between adds', () => {
    // Routes appended in rank order (equal but for their ids) to a list that is split once it
    // passes 8: each add is followed by lookups, so the split made at a read must take the routes
    // added after it.
    for (const { name, Router } of implementations) {
      const router = new Router<number>();
      for (let i = 0; i < 40; i++) {
        router.add(i === 20 ? { path: '/t/:id' } : { path: '/t/:id', headers: { 'x-t': `t${i}` } }, i);
        for (let j = 0; j <= i; j++) {
          const want = j === 20 ? 20 : j;
          expect([name, i, router.match({ path: '/t/1', headers: { 'x-t': `t${j}` } })?.value]).toEqual([
            name,
            i,
            want,
          ]);
        }
        expect([name, i, router.match({ path: '/t/1', headers: { 'x-t': 'nobody' } })?.value ?? null]).toEqual([
          name,
          i,
          i >= 20 ? 20 : null,
        ]);
      }
    }
  });

  it('takes the best of several pattern siblings that match, not the first one added', () => {
    for (const { name, Router } of implementations) {
      const router = new Router<string>();
      router.add({ path: '/:a([0-9a-f]+)/:b' }, 'hex then param');
      router.add({ path: '/:a(\\d+)/x' }, 'digits then static');
      router.add({ path: '/v:a/:b' }, 'mixed then param');
      router.add({ path: '/V:a(\\d+)/x' }, 'mixed with pattern then static');
      expect([name, router.match({ path: '/12/x' })?.value]).toEqual([name, 'digits then static']);
      expect([name, router.match({ path: '/12/y' })?.value]).toEqual([name, 'hex then param']);
      expect([name, router.match({ path: '/v1/x' })?.value]).toEqual([name, 'mixed then param']);
      const insensitive = new Router<string>({ caseSensitive: false });
      insensitive.add({ path: '/v:a/:b' }, 'mixed then param');
      insensitive.add({ path: '/V:a(\\d+)/x' }, 'mixed with pattern then static');
      expect([name, insensitive.match({ path: '/v1/x' })?.value]).toEqual([name, 'mixed with pattern then static']);
    }
  });

  it('walks routes of thousands of segments without running out of stack', () => {
    for (const { name, Router } of implementations) {
      const router = new Router<number>();
      const deep = `/${Array(4096).fill('a').join('/')}`;
      router.add({ path: deep }, 1);
      router.add({ method: 'GET', path: `/${Array(4000).fill('a').join('/')}/*` }, 2);
      router.add({ path: `/${Array(4095).fill('a').join('/')}/*` }, 3);
      router.add({ path: `/${Array(4095).fill('a').join('/')}/*`, priority: -1, query: {} }, 4);
      expect([name, router.match({ path: deep })?.value]).toEqual([name, 1]);
      expect([name, router.match({ method: 'GET', path: `${deep}/b` })?.value]).toEqual([name, 3]);
      expect([name, router.resolve({ method: 'PUT', path: `${deep}/b/c` }).outcome]).toEqual([name, 'matched']);
      expect([name, router.resolve({ method: 'PUT', path: '/a/b' }).outcome]).toEqual([name, 'no-route']);
      expect(router.check().map((d) => [d.kind, d.route, d.by])).toEqual([['unreachable', 3, 2]]);
    }
  });

  it('finds the winner whatever the order the routes were added in', () => {
    // Lists in the index are kept in insertion order and sorted on the first lookup after a
    // route that ranks before an earlier one: the answers may not depend on that order.
    assertProperty(
      fc.property(
        fc.array(routeSpec, { minLength: 2, maxLength: 20 }),
        fc.array(fromTable, { minLength: 1, maxLength: 8 }),
        (specs, built) => {
          const forward = build(specs, {});
          const requests = built.map((b) => instantiate(forward.accepted, b));
          const n = forward.accepted.length;
          const backward = new reference.Router<number>();
          // Reversed, route i is added as n - 1 - i.
          for (const spec of [...forward.accepted].reverse()) backward.add(spec, 0);
          for (const req of requests) {
            const a = forward.router.match(req);
            const b = backward.match(req);
            if (a === null || b === null) {
              expect(a === null).toBe(b === null);
              continue;
            }
            // Ties decided by insertion order may differ; anything else must not.
            const winnerA = forward.routes.find((r) => r.id === a.route) as CompiledRoute;
            const winnerB = forward.routes.find((r) => r.id === n - 1 - b.route) as CompiledRoute;
            expect(compareRank({ ...winnerA, id: 0 }, { ...winnerB, id: 0 })).toBe(0);
          }
        },
      ),
      fcRuns(200),
    );
  });
});

/** A clean table of `groups` x 10 routes (the shapes of bench/router-scale/table.mjs). */
function cleanTable(groups: number): RouteSpec[] {
  const specs: RouteSpec[] = [];
  for (let g = 0; g < groups; g++) {
    specs.push(
      { method: 'GET', path: `/api/v1/res${g}` },
      { method: 'GET', path: `/api/v1/res${g}/:id` },
      { method: ['PUT', 'PATCH'], path: `/api/v1/res${g}/:id` },
      { method: 'GET', path: `/api/v1/res${g}/:id/items/:item(\\d+)` },
      { method: 'GET', path: `/api/v2/res${g}/files/:name.:ext` },
      { method: 'POST', path: `/api/v2/res${g}/:id/actions/restart` },
      { method: 'GET', host: `tenant${g}.example.com`, path: '/dashboard/:page' },
      { host: `*.region${g}.example.com`, path: '/status', headers: { 'x-probe': true } },
      { method: 'GET', path: `/p${g}/:a/:b/:c` },
      { path: `/assets${g}/*` },
    );
  }
  return specs;
}

/**
 * Routes to plant after the clean table, for group g, each with the finding `check()` must report
 * (`by` as an offset from the first planted route of the group, or the clean route it refers to).
 */
function plants(g: number): Array<{ spec: RouteSpec; kind: string; by: number | 'self-1' }> {
  const at = g * 10;
  return [
    // Same path shape and method as route 1 of the group, lower priority: never wins.
    { spec: { method: 'GET', path: `/api/v1/res${g}/:other`, priority: -1 }, kind: 'unreachable', by: at + 1 },
    // A wildcard host route with the same constraints, lower priority.
    {
      spec: { host: `*.region${g}.example.com`, path: '/status', headers: { 'x-probe': true }, priority: -3 },
      kind: 'unreachable',
      by: at + 7,
    },
    // Two patterns at one position are assumed to overlap: priority alone decides.
    { spec: { method: 'GET', path: `/api/v1/res${g}/:id(\\d+)/x`, priority: 2 }, kind: 'none', by: 0 },
    {
      spec: { method: 'GET', path: `/api/v1/res${g}/:id([0-9a-f]+)/x`, priority: 1 },
      kind: 'shadowed',
      by: 'self-1',
    },
    // The same with equal priority: insertion order alone decides.
    { spec: { method: 'PUT', path: `/api/v2/res${g}/:a(\\d+)` }, kind: 'none', by: 0 },
    { spec: { method: ['PUT', 'GET'], path: `/api/v2/res${g}/:a([a-f]+)` }, kind: 'conflict', by: 'self-1' },
    // An exact host covered by a wildcard host route of the clean table, with fewer constraints
    // than it: it ranks first (exact host), so it is reachable.
    { spec: { host: `a.region${g}.example.com`, path: '/status' }, kind: 'none', by: 0 },
  ];
}

describe('check() on large tables', () => {
  for (const { name, Router } of implementations) {
    it(`${name}: finds every planted unreachable, shadowed and conflicting route among 5,000`, () => {
      const groups = 500;
      const router = new Router<number>();
      for (const [i, spec] of cleanTable(groups).entries()) router.add(spec, i);
      expect(router.check()).toEqual([]);
      // Plant in every 25th group, after the whole clean table.
      const expected: Array<[string, number, number]> = [];
      for (let g = 3; g < groups; g += 25) {
        let previous = -1;
        for (const plant of plants(g)) {
          const id = router.add(plant.spec, -1);
          if (plant.kind !== 'none') expected.push([plant.kind, id, plant.by === 'self-1' ? previous : plant.by]);
          previous = id;
        }
      }
      expect(expected.length).toBe(80);
      const found = router.check().map((d) => [d.kind, d.route, d.by]);
      expect(found).toEqual(expected.sort((a, b) => (a[1] as number) - (b[1] as number)));
    });
  }

  it('leaves routes that broader ones cover but that rank first, in a large table', () => {
    const router = new reference.Router<number>();
    for (const [i, spec] of cleanTable(300).entries()) router.add(spec, i);
    // Covered by `/p7/:a/:b/:c` and `/assets9/*`, but a static segment ranks before a param, and
    // a param before a wildcard tail: both reachable, whatever their priority.
    const covered = router.add({ method: 'GET', path: '/p7/x/y/z', priority: -5 }, -1);
    const underWildcard = router.add({ path: '/assets9/:f', priority: -1 }, -1);
    // The same wildcard route twice but for priority: the lower one never wins.
    const tail = router.add({ path: '/assets11/*', headers: { 'x-a': true }, priority: -1 }, -1);
    const wide = router.add({ path: '/assets11/*', headers: { 'x-a': true }, priority: 3 }, -1);
    const found = router.check().map((d) => [d.kind, d.route, d.by]);
    expect(found.filter(([, route]) => route === covered || route === underWildcard)).toEqual([]);
    expect(found).toContainEqual(['unreachable', tail, wide]);
    expect(found.length).toBe(1);
  });
});
