// Differential property test: random route tables and random requests (non-ASCII, percent-encoded,
// double-encoded, mixed-case escapes, dot segments, `..;`, backslashes, `//`, prefix confusion,
// malformed) must give identical `add` outcomes and identical `match`, `resolve` and
// `canonicalizePath` results in the reference and in @switchyard/node, and `resolve` must keep its
// own invariants (see the test). FC_SEED and FC_RUNS apply (tests/support/fast-check.ts); the seed is
// printed on every run.
import type { Contracts, RequestInfo, RouterOptions, RouteSpec } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, fcRuns, fcSeed } from '../support/fast-check.js';
import { native as nativeImpl, reference as referenceImpl } from '../support/implementations.js';
import { plain, plainResolution } from './suite.js';

const seed = fcSeed;
const numRuns = fcRuns(10_000);
const { Router: ReferenceRouter, canonicalizePath: referenceCanonicalize } = referenceImpl;
const { Router: NodeRouter, canonicalizePath: nodeCanonicalize } = nativeImpl;

const staticSegment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'users', 'A', 'é', 'caf%C3%A9', 'x%20y', 'v1', '', 'a.b', '😀') },
  // Prefix confusion, and static text that some path options make unreachable (refused at add).
  {
    weight: 2,
    arbitrary: fc.constantFrom('api', 'apiX', 'api..', '.well-known', '..', '.', '%2e', '..;x', 'a\\b', '~'),
  },
);
const pattern = fc.constantFrom(
  '\\d+',
  '[a-c]+',
  'a|b',
  '.*',
  '[^-]+?',
  '\\w{1,3}',
  'x*',
  '(?:ab)+',
  '[é-ü]',
  '\\S+?',
  '(|a){0,2}b?',
  '(a??)+',
);
const segment = fc.oneof(
  { weight: 4, arbitrary: staticSegment },
  { weight: 3, arbitrary: fc.constantFrom(':p', ':q', ':r') },
  { weight: 2, arbitrary: pattern.map((p) => `:p(${p})`) },
  { weight: 2, arbitrary: fc.constantFrom('v:p', ':p.:q', ':p-:q', ':p(\\d+)-:q', 'x:p(a+)y', ':p.json') },
  { weight: 1, arbitrary: fc.constantFrom('::', ':p(', '(x)', 'a*', ':p:q', '%zz', '%2F', ':p((?=a))') },
);
// Param names must be distinct within a route; renaming here keeps most generated paths valid.
function uniqueNames(segments: string[]): string {
  let n = 0;
  return `/${segments.map((s) => s.replace(/:([pqr])(?=[^A-Za-z0-9_]|$)/g, () => `:n${n++}`)).join('/')}`;
}
const routePath = fc.oneof(
  { weight: 12, arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map(uniqueNames) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.array(segment, { minLength: 0, maxLength: 3 }), fc.constant('*'))
      .map(([s, w]) => `${uniqueNames(s)}/${w}`.replace('//', '/')),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('/', ':', 'a', '(', ')', '*', '%', '?', '\\') }) },
);
const constraint = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('1', 'a b', '') },
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: pattern.map((p) => ({ pattern: p })) },
  { weight: 1, arbitrary: fc.constant({ pattern: '(?=x)' }) },
);
/** Mostly valid values, sometimes an invalid one, so that both add outcomes are exercised. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const routeSpec: fc.Arbitrary<RouteSpec> = fc.record(
  {
    path: routePath,
    method: mostly(fc.constantFrom('GET', 'post', ['GET', 'PUT'], '*', ['DELETE']), fc.constantFrom('G T', [])),
    host: mostly(
      fc.constantFrom('a.com', '*.a.com', '*.com', 'B.A.COM', '*', 'x.a.com.'),
      fc.constantFrom('a.com:80', ''),
    ),
    headers: fc.dictionary(fc.constantFrom('x-a', 'X-B', 'accept'), constraint, { maxKeys: 2 }),
    query: fc.dictionary(fc.constantFrom('k', 'format', 'é'), constraint, { maxKeys: 2 }),
    priority: mostly(fc.constantFrom(0, 1, -1), fc.constantFrom(2 ** 31, 0.5)),
  },
  { requiredKeys: ['path'] },
);
/** Fills a route path's params with sample values, so that many requests hit some route. */
const sampleValue = fc.constantFrom('42', 'ab', 'a-b', 'x', 'aay', 'é', '%41', '1.2');
function instantiate(path: string, values: string[]): string {
  let i = 0;
  const next = () => values[i++ % values.length] ?? 'x';
  return path.replace(/:n\d+(\((?:\\.|\[[^\]]*\]|[^)])*\))?/g, next).replace(/\*$/, () => (i % 2 === 0 ? 'a/b' : ''));
}
const pathOptions = {
  encodedSlash: fc.constantFrom('decode' as const, 'keep' as const, 'reject' as const),
  malformedEncoding: fc.constantFrom('reject' as const, 'literal' as const),
  dotSegments: fc.constantFrom('reject' as const, 'resolve' as const, 'keep' as const),
  mergeSlashes: fc.boolean(),
  backslash: fc.constantFrom('reject' as const, 'slash' as const, 'keep' as const),
};
const options: fc.Arbitrary<RouterOptions> = fc.record(
  {
    caseSensitive: fc.boolean(),
    trailingSlash: fc.constantFrom('strict' as const, 'ignore' as const),
    maxParamLength: fc.constantFrom(1, 3, 8, 256),
    ...pathOptions,
  },
  { requiredKeys: [] },
);
const requestSegment = fc.oneof(
  { weight: 6, arbitrary: staticSegment },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '42',
      'abc',
      'AbC',
      'v2',
      'a.b.c',
      'a-b',
      'xaay',
      '%41',
      '%2F',
      '%2f',
      'a%2Fb',
      '%C3%A9',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('%zz', '%C3', '%FF', '%ED%A0%80', '%00', '%', 'a%0Ab', '%E2%82', 'é%41') },
  {
    // Dot segments in every spelling, double encoding (decoded once only), backslashes, prefix
    // confusion, mixed-case escapes of unreserved characters.
    weight: 4,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e',
      '%2E%2e',
      '.%2E',
      '..;x',
      '.;',
      '..;',
      '...',
      '%252e%252e',
      '%252F',
      '%255C',
      'a%5Cb',
      '%5c',
      'a\\b',
      '\\',
      '',
      'api',
      'apiX',
      'api..',
      'API',
      '%61pi',
      '%7e',
      '~',
      'caf%c3%a9',
      '%3B',
      'x;y',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.oneof(
        fc.constantFrom('a', '.', '-', '%', '2', 'F', 'é', '\ud83d', '😀', '\n'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 6,
    }),
  },
);
/** Mostly `/`, sometimes a doubled slash or a backslash between two segments. */
const separator = fc.constantFrom('/', '/', '/', '/', '/', '/', '//', '\\');
const segmentsPath = fc
  .array(fc.tuple(separator, requestSegment), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.map(([sep, seg]) => sep + seg).join(''));
const request: fc.Arbitrary<RequestInfo> = fc.record(
  {
    path: fc.oneof(
      { weight: 10, arbitrary: fc.array(requestSegment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`) },
      { weight: 4, arbitrary: segmentsPath },
      { weight: 1, arbitrary: fc.constantFrom('', '*', 'a/b', '/?', '/a?k=1&format=json', '/users?%zz', '//') },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    ),
    method: fc.constantFrom('GET', 'get', 'POST', 'PUT', 'DELETE', 'constructor', '__proto__', 'ß'),
    host: fc.constantFrom('a.com', 'x.a.com', 'B.A.COM:8080', 'y.x.a.com.', 'com', '[::1]:80', ''),
    headers: fc.dictionary(
      fc.constantFrom('x-a', 'x-b', 'accept', 'X-A'),
      fc.oneof(fc.constantFrom('1', 'a b', '', 'ab', '42'), fc.array(fc.constantFrom('1', 'a'), { maxLength: 2 })),
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: ['path'] },
);
const query = fc.option(
  fc
    .array(fc.constantFrom('k=1', 'format=json', 'k', '%C3%A9=ab', 'k=%zz', 'format=a+b', 'k=42'), { maxLength: 3 })
    .map((parts) => parts.join('&')),
);

/** Every method a generated table may list: `resolve`'s `allow` is checked against each. */
const METHODS = ['DELETE', 'GET', 'POST', 'PUT'];

/** What a canonical path may hold: pchars, `/` and `%` (escapes), nothing else. */
const CANONICAL = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;

function addOutcome(router: { add(spec: RouteSpec, value: number): number }, spec: RouteSpec, value: number) {
  try {
    return { id: router.add(spec, value) };
  } catch (error) {
    const e = error as { name: string; code: string; message: string; routeIndex?: number; existingIndex?: number };
    return { error: [e.name, e.code, e.routeIndex, e.existingIndex, e.message] };
  }
}

/** A random table and requests: random ones, and ones aimed at the table's own routes. */
const tableCase = fc
  .tuple(
    options,
    fc.array(routeSpec, { maxLength: 10 }),
    fc.array(fc.tuple(request, query), { maxLength: 4 }),
    fc.array(fc.tuple(fc.nat(), fc.array(sampleValue, { minLength: 1, maxLength: 3 }), request, query), {
      maxLength: 6,
    }),
  )
  .map(([opts, specs, randomRequests, derived]) => {
    // Aimed requests take the random request's other fields.
    const aimed = derived.flatMap(([pick, values, req, q]) => {
      const spec = specs[pick % Math.max(1, specs.length)];
      if (!spec || typeof spec.path !== 'string') return [];
      const host = typeof spec.host === 'string' ? spec.host.replace('*', 'w') : req.host;
      const method = Array.isArray(spec.method) ? spec.method[0] : spec.method;
      return [[{ ...req, path: instantiate(spec.path, values), host, method }, q] as const];
    });
    const requests = [...randomRequests, ...aimed].map(([req, q]) =>
      q === null ? req : { ...req, path: `${req.path}?${q}` },
    );
    return { opts, specs, requests };
  });

/** 10 000 tables take tens of seconds; on a loaded machine more than vitest's default minute. */
const TIMEOUT_MS = 240_000;

/** Both routers built from one table; add outcomes must agree. */
function build(opts: RouterOptions, specs: RouteSpec[], seen: { added: number; rejected: number }) {
  const reference = new ReferenceRouter<number>(opts);
  const native = new NodeRouter<number>(opts);
  specs.forEach((spec, i) => {
    const expected = addOutcome(reference, spec, i);
    expect(addOutcome(native, spec, i), JSON.stringify(spec)).toEqual(expected);
    seen[expected.error ? 'rejected' : 'added']++;
  });
  return { reference, native };
}

describe('Router differential: reference vs @switchyard/node (native)', () => {
  it(
    `agrees on add and match (${numRuns} cases, seed ${seed})`,
    () => {
      console.log(`router differential: seed ${seed}, ${numRuns} runs (FC_SEED=${seed} to replay)`);
      const seen = { added: 0, rejected: 0, matched: 0, unmatched: 0 };
      assertProperty(
        fc.property(tableCase, ({ opts, specs, requests }) => {
          const { reference, native } = build(opts, specs, seen);
          for (const req of requests) {
            const expected = plain(reference.match(req));
            expect(plain(native.match(req)), `${JSON.stringify(req)} ${JSON.stringify(opts)}`).toEqual(expected);
            seen[expected ? 'matched' : 'unmatched']++;
          }
        }),
        numRuns,
      );
      console.log(`router differential (match): ${JSON.stringify(seen)}`);
      // The generators must exercise both outcomes, or agreement would prove little.
      if (numRuns >= 1000) {
        expect(seen.added).toBeGreaterThan(seen.rejected / 4);
        expect(seen.rejected).toBeGreaterThan(0);
        expect(seen.matched).toBeGreaterThan((seen.matched + seen.unmatched) / 20);
      }
    },
    TIMEOUT_MS,
  );

  it(
    `agrees on resolve, which keeps its invariants (${numRuns} cases, seed ${seed})`,
    () => {
      const seen = { added: 0, rejected: 0 };
      const outcomes = { matched: 0, 'no-route': 0, 'method-not-allowed': 0, rejected: 0 };
      assertProperty(
        fc.property(tableCase, ({ opts, specs, requests }) => {
          const { reference, native } = build(opts, specs, seen);
          for (const req of requests) {
            const resolved = plainResolution(reference.resolve(req));
            expect(plainResolution(native.resolve(req)), `${JSON.stringify(req)} ${JSON.stringify(opts)}`).toEqual(
              resolved,
            );
            outcomes[resolved.outcome]++;
            checkResolution(reference, opts, req, resolved, plain(reference.match(req)));
          }
        }),
        numRuns,
      );
      console.log(`router differential (resolve): ${JSON.stringify(outcomes)}`);
      // Each outcome must occur, or the agreement on it would prove nothing.
      if (numRuns >= 1000) {
        for (const outcome of ['matched', 'no-route', 'method-not-allowed', 'rejected'] as const) {
          expect(outcomes[outcome], outcome).toBeGreaterThan(numRuns / 50);
        }
      }
    },
    TIMEOUT_MS,
  );
});

/**
 * What `resolve` promises besides agreeing across implementations (docs/router-spec.md §8):
 * matched exactly when `match` matches, with the same route; `allow` is exactly the methods with
 * which `match` would match; `path` is what `canonicalizePath` gives, a fixed point of it, and
 * (unless segments are kept literally) resolving it again gives the same answer.
 */
function checkResolution(
  router: Contracts.Router<number>,
  opts: RouterOptions,
  req: RequestInfo,
  resolved: ReturnType<typeof plainResolution>,
  matched: ReturnType<typeof plain>,
): void {
  const label = `${JSON.stringify(req)} ${JSON.stringify(opts)}`;
  expect(resolved.outcome === 'matched' ? resolved.match : null, label).toEqual(matched);
  if (resolved.outcome === 'no-route' || resolved.outcome === 'method-not-allowed') {
    const allow = resolved.outcome === 'method-not-allowed' ? resolved.allow : [];
    expect(allow.length > 0 || resolved.outcome === 'no-route', label).toBe(true);
    for (const method of METHODS) {
      expect(router.match({ ...req, method }) !== null, `${method} ${label}`).toBe(allow.includes(method));
    }
    expect([...allow].sort(), label).toEqual(allow);
  }
  const target = typeof req.path === 'string' ? req.path : '';
  const canonical = referenceCanonicalize(target, opts);
  if (resolved.outcome === 'rejected') {
    expect(canonical, label).toEqual({ ok: false, code: resolved.code, reason: resolved.reason });
    return;
  }
  expect(canonical, label).toEqual({ ok: true, path: resolved.path });
  expect(resolved.path, label).toMatch(CANONICAL);
  expect(referenceCanonicalize(resolved.path, opts), `idempotent: ${label}`).toEqual(canonical);
  if (opts.malformedEncoding !== 'literal') {
    const q = target.indexOf('?');
    const again = router.resolve({ ...req, path: resolved.path + (q >= 0 ? target.slice(q) : '') });
    expect(plainResolution(again), `canonical resolves the same: ${label}`).toEqual(resolved);
  }
}

describe('canonicalizePath differential: reference vs @switchyard/node', () => {
  const unit = fc.constantFrom(
    '/',
    '/',
    '\\',
    '.',
    '.',
    '%',
    '2',
    'e',
    'E',
    'F',
    'f',
    '5',
    'C',
    'c',
    ';',
    'a',
    'é',
    '\0',
    '?',
    '😀',
    '\ud83d',
    ' ',
    '~',
  );
  it(`agrees on random targets (${numRuns} cases, seed ${seed})`, () => {
    let ok = 0;
    assertProperty(
      fc.property(
        fc.record(pathOptions, { requiredKeys: [] }),
        fc.array(fc.string({ unit, maxLength: 16 }), { minLength: 1, maxLength: 8 }),
        (opts, targets) => {
          for (const raw of targets) {
            const target = raw.startsWith('/') || raw === '' ? raw : `/${raw}`;
            const expected = referenceCanonicalize(target, opts);
            expect(nodeCanonicalize(target, opts), `${JSON.stringify(target)} ${JSON.stringify(opts)}`).toEqual(
              expected,
            );
            if (expected.ok) {
              ok++;
              expect(expected.path).toMatch(CANONICAL);
              expect(referenceCanonicalize(expected.path, opts)).toEqual(expected);
            }
          }
        },
      ),
      numRuns,
    );
    if (numRuns >= 1000) expect(ok).toBeGreaterThan(numRuns / 10);
  });
});
