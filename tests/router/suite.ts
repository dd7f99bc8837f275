// The one conformance suite every Router implementation runs (see conformance.test.ts): the
// golden cases of fixtures/router.json plus the behaviour fixtures cannot express.
import { readFileSync } from 'node:fs';
import {
  type Contracts,
  InvalidArgumentError,
  InvalidRouteError,
  type Match,
  type RequestInfo,
  type Resolution,
  RouteConflictError,
  type RouterOptions,
  type RouteSpec,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';

/** What the suite needs of an implementation. */
export type RouterClass = Contracts.RouterConstructor;
/** `canonicalizePath` of the same package. */
export type Canonicalize = Contracts.CanonicalizePath;

/** What a fixture says `resolve` answers (`reason` is not part of the contract). */
type FixtureResolution =
  | { outcome: 'matched' | 'no-route'; path: string }
  | { outcome: 'method-not-allowed'; allow: string[]; path: string }
  | { outcome: 'rejected'; code: string };

interface FixtureCase {
  name: string;
  options?: RouterOptions;
  routes: RouteSpec[];
  addErrors?: Array<{ route: number; code: string; existing?: number }>;
  requests: Array<{
    req: RequestInfo;
    route: number | null;
    params?: Record<string, string>;
    resolve?: FixtureResolution;
  }>;
}

interface CanonicalCase {
  options?: RouterOptions;
  target: string;
  path?: string;
  code?: string;
}

export const fixtures: { cases: FixtureCase[]; canonical: CanonicalCase[] } = JSON.parse(
  readFileSync(new URL('../../fixtures/router.json', import.meta.url), 'utf8'),
);

/** A match reduced to plain data, for comparing implementations and fixtures. */
export function plain(m: Match<unknown> | null): { route: number; params: Array<[string, string]> } | null {
  if (m === null) return null;
  expect(Object.getPrototypeOf(m.params)).toBe(null);
  return { route: m.route, params: Object.entries(m.params).sort(([a], [b]) => (a < b ? -1 : 1)) };
}

/** A resolution reduced to plain data, for comparing implementations. */
export function plainResolution(r: Resolution<unknown>) {
  if (r.outcome === 'matched') return { outcome: r.outcome, path: r.path, match: plain(r.match) };
  return r;
}

/** A resolution in the fixtures' shape; checks that a rejection has a reason. */
export function fixtureResolution(r: Resolution<unknown>): FixtureResolution {
  switch (r.outcome) {
    case 'matched':
    case 'no-route':
      return { outcome: r.outcome, path: r.path };
    case 'method-not-allowed':
      return { outcome: r.outcome, allow: [...r.allow], path: r.path };
    case 'rejected':
      expect(r.reason).toMatch(/\w/);
      return { outcome: r.outcome, code: r.code };
  }
}

export function routerConformance(label: string, RouterImpl: RouterClass, canonicalize: Canonicalize): void {
  describe(`Router conformance: ${label}`, () => {
    describe('golden cases (fixtures/router.json)', () => {
      for (const c of fixtures.cases) {
        it(c.name, () => {
          const router = new RouterImpl<number>(c.options);
          const errors = new Map((c.addErrors ?? []).map((e) => [e.route, e]));
          let id = 0;
          c.routes.forEach((spec, i) => {
            const expected = errors.get(i);
            if (expected) {
              let thrown: unknown;
              try {
                router.add(spec, i);
              } catch (error) {
                thrown = error;
              }
              expect(thrown, `route ${i} ${JSON.stringify(spec)} should fail`).toMatchObject({
                code: expected.code,
                routeIndex: id,
              });
              if (expected.existing !== undefined) {
                expect(thrown).toBeInstanceOf(RouteConflictError);
                expect((thrown as RouteConflictError).existingIndex).toBe(expected.existing);
              } else {
                expect(thrown).toBeInstanceOf(InvalidRouteError);
              }
            } else {
              expect(router.add(spec, i), `route ${i} ${JSON.stringify(spec)}`).toBe(id++);
            }
          });
          expect(router.size).toBe(id);
          for (const r of c.requests) {
            const got = plain(router.match(r.req));
            const want =
              r.route === null
                ? null
                : { route: r.route, params: Object.entries(r.params ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)) };
            expect(got, JSON.stringify(r.req)).toEqual(want);
            if (r.resolve) {
              const resolved = router.resolve(r.req);
              expect(fixtureResolution(resolved), `resolve ${JSON.stringify(r.req)}`).toEqual(r.resolve);
              if (resolved.outcome === 'matched') expect(plain(resolved.match)).toEqual(want);
            }
          }
        });
      }
    });

    describe('canonical paths (fixtures/router.json)', () => {
      for (const c of fixtures.canonical) {
        it(`${JSON.stringify(c.target)} ${JSON.stringify(c.options ?? {})}`, () => {
          const got = canonicalize(c.target, c.options);
          if (got.ok) expect({ path: got.path }).toEqual({ path: c.path });
          else {
            expect({ code: got.code }).toEqual({ code: c.code });
            expect(got.reason).toMatch(/\w/);
          }
        });
      }
    });

    describe('resolve, canonicalizePath and unknown keys', () => {
      it('names an unknown key of a route spec, and of a constraint', () => {
        const router = new RouterImpl<number>();
        const bad: Array<[unknown, RegExp]> = [
          [{ path: '/a', methods: ['GET'] }, /unknown key "methods" \(did you mean "method"\?\)/],
          [{ path: '/a', hosts: 'a.com' }, /unknown key "hosts"/],
          [{ path: '/a', headers: { 'x-a': { pattern: 'a', flags: 'i' } } }, /headers\.x-a: unknown key "flags"/],
        ];
        for (const [spec, message] of bad) {
          let thrown: unknown;
          try {
            router.add(spec as RouteSpec, 0);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(InvalidRouteError);
          expect((thrown as Error).message).toMatch(message);
        }
        expect(router.size).toBe(0);
        // An any-method route is still what a spec without `method` gives.
        router.add({ path: '/a' }, 1);
        expect(router.match({ method: 'DELETE', path: '/a' })?.value).toBe(1);
      });

      it('names an unknown router option, in the constructor and in canonicalizePath', () => {
        for (const options of [{ encodedSlashes: 'reject' }, { merge_slashes: true }, { dotSegment: 'resolve' }]) {
          const key = Object.keys(options)[0];
          expect(() => new RouterImpl(options as RouterOptions)).toThrow(InvalidArgumentError);
          expect(() => new RouterImpl(options as RouterOptions)).toThrow(`options.${key}`);
          expect(() => canonicalize('/a', options as RouterOptions)).toThrow(`options.${key}`);
        }
        expect(() => new RouterImpl({ dotSegments: 'collapse' as 'resolve' })).toThrow(InvalidArgumentError);
        expect(() => new RouterImpl({ backslash: 'slashes' as 'slash' })).toThrow(InvalidArgumentError);
        expect(() => new RouterImpl({ mergeSlashes: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
        expect(() => canonicalize(5 as unknown as string)).toThrow(InvalidArgumentError);
      });

      it('never throws for any request: a missing or non-string path is rejected as not origin-form', () => {
        const router = new RouterImpl<number>();
        router.add({ method: 'GET', path: '/a/:x' }, 0);
        for (const req of [{}, { path: 5 }, { path: null }, null, undefined]) {
          const r = router.resolve(req as unknown as RequestInfo);
          expect(r.outcome === 'rejected' && r.code).toBe('not-origin-form');
        }
        const r = router.resolve({ path: '/a/x', method: '__proto__', headers: 5 as unknown as undefined });
        expect(r).toEqual({ outcome: 'method-not-allowed', allow: ['GET'], path: '/a/x' });
      });

      it('gives long canonical paths and joined wildcards whole', () => {
        const router = new RouterImpl<number>({ dotSegments: 'resolve', mergeSlashes: true });
        router.add({ path: '/s/*' }, 0);
        const long = `/s/${'é x/'.repeat(20_000)}./a//b`;
        const want = `/s/${'%C3%A9%20x/'.repeat(20_000)}a/b`;
        const r = router.resolve({ path: long });
        expect(r.outcome === 'matched' && r.path === want).toBe(true);
        expect(r.outcome === 'matched' && r.match.params['*'] === `${'é x/'.repeat(20_000)}a/b`).toBe(true);
        expect(canonicalize(long, { dotSegments: 'resolve', mergeSlashes: true })).toEqual({ ok: true, path: want });
        // And back to short ones, through the same (grown) buffers.
        expect(router.resolve({ path: '/s/%41' })).toMatchObject({ outcome: 'matched', path: '/s/A' });
        expect(canonicalize('/a/%7e')).toEqual({ ok: true, path: '/a/~' });
      });
    });

    describe('values, ids and errors', () => {
      it('returns the value given to add and sequential ids', () => {
        const router = new RouterImpl<{ name: string }>();
        const a = { name: 'a' };
        expect(router.add({ path: '/a' }, a)).toBe(0);
        expect(router.add({ path: '/b' }, { name: 'b' })).toBe(1);
        expect(router.match({ path: '/a' })?.value).toBe(a);
      });

      it('rejects wrong JS types with InvalidRouteError naming the route', () => {
        const router = new RouterImpl<number>();
        router.add({ path: '/ok' }, 0);
        const bad: unknown[] = [null, 'x', { path: 7 }, { path: '/a', method: 5 }, { path: '/a', headers: [] }];
        for (const spec of bad) {
          expect(() => router.add(spec as RouteSpec, 1)).toThrow(InvalidRouteError);
          try {
            router.add(spec as RouteSpec, 1);
          } catch (error) {
            expect((error as InvalidRouteError).routeIndex).toBe(1);
            expect((error as InvalidRouteError).code).toBe('SWITCHYARD_INVALID_ROUTE');
          }
        }
        expect(router.size).toBe(1);
      });

      it('names both routes in a conflict and keeps the table unchanged', () => {
        const router = new RouterImpl<string>();
        router.add({ method: 'GET', path: '/users/:id' }, 'first');
        try {
          router.add({ method: 'GET', path: '/users/:name' }, 'second');
          expect.unreachable('conflict expected');
        } catch (error) {
          expect(error).toBeInstanceOf(RouteConflictError);
          expect((error as Error).message).toContain('#1 "/users/:name"');
          expect((error as Error).message).toContain('#0 "/users/:id"');
        }
        expect(router.size).toBe(1);
        expect(router.match({ method: 'GET', path: '/users/1' })?.value).toBe('first');
      });

      it('says what is wrong with an invalid pattern', () => {
        const router = new RouterImpl<number>();
        expect(() => router.add({ path: '/a/:x((?=a)a)' }, 0)).toThrow(/lookahead|lookaround/);
        expect(() => router.add({ path: '/a/:x((a)\\1)' }, 0)).toThrow(/backreference/);
      });

      it('refuses a pattern whose loop rewrite grows past the size bound, in a path, header or query', () => {
        // Written size 721; each loop over a body that may match nothing is spelled out by the
        // rewrite (spec §3): ~160,000 instructions, which every character of a value would cost.
        const blowUp = '((((((a|)){3,}){71}){1,})+((.)*){3,})';
        const router = new RouterImpl<number>();
        for (const spec of [
          { path: `/a/:x(${blowUp})` },
          { path: '/h', headers: { 'x-a': { pattern: blowUp } } },
          { path: '/q', query: { k: { pattern: blowUp } } },
        ]) {
          expect(() => router.add(spec, 0)).toThrow(InvalidRouteError);
          expect(() => router.add(spec, 0)).toThrow(/loops are rewritten/);
        }
        expect(router.size).toBe(0);
        // The same loop once fewer fits, and matches in time linear in the value.
        router.add({ path: '/h', headers: { 'x-a': { pattern: '((a|){3,}){71}' } } }, 1);
        const started = performance.now();
        expect(router.match({ path: '/h', headers: { 'x-a': `${'a'.repeat(8000)}b` } })).toBe(null);
        expect(router.match({ path: '/h', headers: { 'x-a': 'aaa' } })?.value).toBe(1);
        console.log(
          `[${label}] 8 KB header on a large accepted rewrite: ${(performance.now() - started).toFixed(0)} ms`,
        );
      });

      it('validates options', () => {
        expect(() => new RouterImpl({ maxParamLength: 0 })).toThrow(InvalidArgumentError);
        expect(() => new RouterImpl({ trailingSlash: 'sometimes' as 'ignore' })).toThrow(InvalidArgumentError);
        expect(() => new RouterImpl({ caseSensitive: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
      });
    });

    describe('hostile requests never throw', () => {
      const router = new RouterImpl<string>();
      router.add({ path: '/a/:x' }, 'param');
      router.add({ path: '/m/:a.:b' }, 'mixed');
      router.add({ path: '/p/:x((a|aa)*b)' }, 'pattern');
      router.add({ path: '/*', headers: { 'x-a': { pattern: '(a|a)*c' } } }, 'header');
      router.add({ path: '/q', query: { k: { pattern: '(x+x+)+y' } } }, 'query');

      it('handles a 100 KB path, a NUL, lone surrogates and odd methods', () => {
        const long = `/m/${'a.'.repeat(50_000)}`;
        // name would be ~100 KB: longer than maxParamLength, so the route does not match ...
        expect(router.match({ path: long })).toBe(null);
        // ... and with a larger limit the greedy split is found in linear time.
        const roomy = new RouterImpl<string>({ maxParamLength: 65536 });
        roomy.add({ path: '/m/:a.:b' }, 'mixed');
        const params = roomy.match({ path: `/m/${'a.'.repeat(20_000)}` })?.params;
        expect(params?.a === `${'a.'.repeat(19_998)}a` && params?.b === 'a.').toBe(true);
        expect(router.match({ path: `/p/${'a'.repeat(100_000)}` })).toBe(null);
        expect(router.match({ path: `/a/${'x'.repeat(100_000)}` })).toBe(null);
        expect(router.match({ path: '/a/\0' })).toBe(null);
        expect(router.match({ path: '/a/\ud800' })?.params).toEqual({ x: '\ufffd' });
        expect(router.match({ path: '/a/x', method: 'constructor' })?.value).toBe('param');
        expect(router.match({ path: '/a/x', method: '__proto__', host: '' })?.value).toBe('param');
        const headers = { 'x-a': `${'a'.repeat(50_000)}` };
        expect(router.match({ path: '/zz', headers })).toBe(null);
        expect(router.match({ path: `/q?k=${'x'.repeat(50_000)}` })).toBe(null);
        expect(router.match({ path: '/q', headers: { constructor: 'x', toString: 'y' } })).toBe(null);
      });

      it('treats malformed RequestInfo as matching nothing', () => {
        for (const req of [{}, { path: 5 }, { path: null }, { path: '/a/x', headers: 5 }]) {
          expect(() => router.match(req as unknown as RequestInfo)).not.toThrow();
        }
        expect(router.match({} as RequestInfo)).toBe(null);
      });

      it('reads headers as own properties only, arrays joined', () => {
        const r = new RouterImpl<string>();
        r.add({ path: '/h', headers: { constructor: true } }, 'ctor');
        r.add({ path: '/h', headers: { accept: 'a, b' } }, 'joined');
        expect(r.match({ path: '/h', headers: {} })).toBe(null);
        expect(r.match({ path: '/h', headers: { accept: ['a', 'b'] } })?.value).toBe('joined');
      });
    });

    describe('explain', () => {
      const router = new RouterImpl<string>();
      router.add({ method: 'GET', path: '/users/:id(\\d+)' }, 'id');
      router.add({ path: '/users/me' }, 'me');
      router.add({ path: '/users/:name' }, 'name');
      router.add({ host: 'api.example.com', path: '/users/:name' }, 'host');
      router.add({ path: '/users/:name', headers: { 'x-a': true } }, 'header');
      router.add({ path: '/users/:name', query: { v: '1' } }, 'query');
      router.add({ method: 'POST', path: '/users/:name' }, 'post');

      it('gives every route a reason and names the winner', () => {
        const e = router.explain({ method: 'GET', path: '/users/12' });
        expect(e.winner).toBe(0);
        expect(e.rejected).toBe(null);
        expect(e.candidates.map((c) => c.reason)).toEqual([
          'matched',
          'path',
          'outranked',
          'host',
          'header',
          'query',
          'method',
        ]);
        expect(e.candidates[3]?.route).toBe(3);
      });

      it('agrees with match', () => {
        for (const path of ['/users/12', '/users/me', '/users/bob', '/nope']) {
          expect(router.explain({ method: 'GET', path }).winner).toBe(
            router.match({ method: 'GET', path })?.route ?? null,
          );
        }
      });

      it('reports a rejected request', () => {
        const e = router.explain({ path: '/users/%zz' });
        expect(e.rejected).toBe('malformed-escape');
        expect(e.winner).toBe(null);
        expect(e.candidates.every((c) => c.reason === 'request-rejected')).toBe(true);
        expect(router.explain({ path: 'users' }).rejected).toBe('not-origin-form');
        expect(router.explain({ path: '/users/%C3' }).rejected).toBe('invalid-utf8');
        expect(router.explain({ path: '/users/../x' }).rejected).toBe('dot-segment');
        expect(router.explain({ path: '/a%00' }).rejected).toBe('nul');
      });

      it('reports params that are too long', () => {
        const r = new RouterImpl<string>({ maxParamLength: 3 });
        r.add({ path: '/x/:id' }, 'x');
        expect(r.explain({ path: '/x/abcd' }).candidates[0]?.reason).toBe('param-too-long');
      });

      it('a patterned param over maxParamLength: no match, without its pattern costing the segment; explain still tells path from length', () => {
        const r = new RouterImpl<string>();
        r.add({ path: '/p/:x((a|b|c|ab|bc)*d)' }, 'p');
        const long = 'ab'.repeat(50_000);
        const started = performance.now();
        for (let i = 0; i < 20; i++) expect(r.match({ path: `/p/${long}d` })).toBe(null);
        console.log(
          `[${label}] 20 matches of a 100 KB patterned segment: ${(performance.now() - started).toFixed(0)} ms`,
        );
        expect(r.explain({ path: `/p/${long.slice(0, 300)}d` }).candidates[0]?.reason).toBe('param-too-long');
        expect(r.explain({ path: `/p/${long.slice(0, 300)}x` }).candidates[0]?.reason).toBe('path');
        expect(r.match({ path: '/p/abd' })?.params.x).toBe('abd');
      });
    });

    describe('check', () => {
      it('finds unreachable, shadowed and conflicting routes', () => {
        const router = new RouterImpl<string>();
        router.add({ path: '/a/:x', priority: 10 }, 'wins'); // 0
        router.add({ method: 'GET', path: '/b/:x' }, 'b-get'); // 1
        router.add({ path: '/a/:y', headers: { 'x-a': '1' }, priority: 20 }, 'more constraints'); // 2
        router.add({ path: '/c/:x(\\d+)', priority: 1 }, 'c1'); // 3
        router.add({ path: '/c/:x([0-9a-f]+)' }, 'c2'); // 4
        router.add({ path: '/d/:x(\\d+)' }, 'd1'); // 5
        router.add({ path: '/d/:x([0-9]+)' }, 'd2'); // 6
        router.add({ host: 'x.example.com', path: '/*' }, 'host'); // 7
        router.add({ host: 'x.example.com', path: '/e' }, 'e'); // 8
        router.add({ path: '/f', headers: { 'x-a': '1' } }, 'f1'); // 9
        router.add({ path: '/f', headers: { 'x-a': '2' } }, 'f2'); // 10
        router.add({ path: '/g/:x', priority: 5 }, 'g1'); // 11
        router.add({ method: 'GET', path: '/g/:x', priority: 1, headers: { 'x-b': true } }, 'g2'); // 12
        router.add({ method: 'GET', path: '/g/:x', priority: 1, query: { q: true } }, 'g3'); // 13
        const found = router.check().map((d) => [d.kind, d.route, d.by]);
        expect(found).toContainEqual(['shadowed', 4, 3]);
        expect(found).toContainEqual(['conflict', 6, 5]);
        // /g/:x with a header is more specific, so it still wins; nothing to report for 12
        expect(found.filter(([, route]) => route === 12)).toEqual([]);
        // same constraint count, overlapping (x-b and q can both be present): priority ties, insertion decides
        expect(found).toContainEqual(['conflict', 13, 12]);
        // 8 is static under the same exact host: it ranks before the wildcard, so it is reachable
        expect(found.filter(([, route]) => route === 8)).toEqual([]);
        // 10 contradicts 9 (x-a equals 1 vs 2): no overlap
        expect(found.filter(([, route]) => route === 10)).toEqual([]);
        for (const d of router.check()) expect(d.message).toContain(`#${d.route}`);
      });

      it('finds a route covered by a higher-priority one', () => {
        const router = new RouterImpl<string>();
        router.add({ path: '/u/:a', priority: 2 }, 'general');
        router.add({ path: '/u/:b', priority: 1, method: 'GET' }, 'get');
        router.add({ path: '/v/:a', priority: 2 }, 'general');
        router.add({ path: '/v/:b', priority: 1 }, 'same shape, lower priority');
        const found = router.check().map((d) => [d.kind, d.route, d.by]);
        // 1 has a method, so it ranks first despite priority: reachable
        expect(found.filter(([, route]) => route === 1)).toEqual([]);
        expect(found).toContainEqual(['unreachable', 3, 2]);
      });

      it('reports nothing for a clean table', () => {
        const router = new RouterImpl<string>();
        router.add({ path: '/users' }, 'a');
        router.add({ path: '/users/:id' }, 'b');
        router.add({ path: '/users/me' }, 'c');
        router.add({ path: '/static/*' }, 'd');
        expect(router.check()).toEqual([]);
      });
    });
  });
}
