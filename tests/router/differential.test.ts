// Differential property test: random route tables and random requests (non-ASCII, percent-encoded,
// malformed) must give identical `add` outcomes and identical `match` results in the reference and
// in @switchyard/node. FC_SEED and FC_RUNS apply (tests/support/fast-check.ts); the seed is printed on every run.
import { Router as ReferenceRouter, type RequestInfo, type RouterOptions, type RouteSpec } from '@switchyard/core';
import { implementation, Router as NodeRouter } from '@switchyard/node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, fcRuns, fcSeed } from '../support/fast-check.js';
import { plain } from './suite.js';

const seed = fcSeed;
const numRuns = fcRuns(10_000);

const staticSegment = fc.constantFrom('a', 'b', 'users', 'A', 'é', 'caf%C3%A9', 'x%20y', 'v1', '', 'a.b', '😀');
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
const options: fc.Arbitrary<RouterOptions> = fc.record(
  {
    caseSensitive: fc.boolean(),
    trailingSlash: fc.constantFrom('strict' as const, 'ignore' as const),
    maxParamLength: fc.constantFrom(1, 3, 8, 256),
    encodedSlash: fc.constantFrom('decode' as const, 'keep' as const, 'reject' as const),
    malformedEncoding: fc.constantFrom('reject' as const, 'literal' as const),
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
const request: fc.Arbitrary<RequestInfo> = fc.record(
  {
    path: fc.oneof(
      { weight: 10, arbitrary: fc.array(requestSegment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`) },
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

function addOutcome(router: { add(spec: RouteSpec, value: number): number }, spec: RouteSpec, value: number) {
  try {
    return { id: router.add(spec, value) };
  } catch (error) {
    const e = error as { name: string; code: string; routeIndex?: number; existingIndex?: number };
    return { error: [e.name, e.code, e.routeIndex, e.existingIndex] };
  }
}

describe(`Router differential: reference vs @switchyard/node (${implementation})`, () => {
  it(`agrees on add and match (${numRuns} cases, seed ${seed})`, () => {
    console.log(`router differential: seed ${seed}, ${numRuns} runs (FC_SEED=${seed} to replay)`);
    const seen = { added: 0, rejected: 0, matched: 0, unmatched: 0 };
    assertProperty(
      fc.property(
        options,
        fc.array(routeSpec, { maxLength: 10 }),
        fc.array(fc.tuple(request, query), { maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.array(sampleValue, { minLength: 1, maxLength: 3 }), request, query), {
          maxLength: 6,
        }),
        (opts, specs, randomRequests, derived) => {
          // Requests aimed at the table's own routes, with the random request's other fields.
          const aimed = derived.flatMap(([pick, values, req, q]) => {
            const spec = specs[pick % Math.max(1, specs.length)];
            if (!spec || typeof spec.path !== 'string') return [];
            const host = typeof spec.host === 'string' ? spec.host.replace('*', 'w') : req.host;
            const method = Array.isArray(spec.method) ? spec.method[0] : spec.method;
            return [[{ ...req, path: instantiate(spec.path, values), host, method }, q] as const];
          });
          const requests = [...randomRequests, ...aimed];
          const reference = new ReferenceRouter<number>(opts);
          const native = new NodeRouter<number>(opts);
          specs.forEach((spec, i) => {
            const expected = addOutcome(reference, spec, i);
            expect(addOutcome(native, spec, i), JSON.stringify(spec)).toEqual(expected);
            seen[expected.error ? 'rejected' : 'added']++;
          });
          for (const [req, q] of requests) {
            const full = q === null ? req : { ...req, path: `${req.path}?${q}` };
            const expected = plain(reference.match(full));
            expect(plain(native.match(full)), JSON.stringify(full)).toEqual(expected);
            seen[expected ? 'matched' : 'unmatched']++;
          }
        },
      ),
      numRuns,
    );
    console.log(`router differential: ${JSON.stringify(seen)}`);
    // The generators must exercise both outcomes, or agreement would prove little.
    if (numRuns >= 1000) {
      expect(seen.added).toBeGreaterThan(seen.rejected / 4);
      expect(seen.rejected).toBeGreaterThan(0);
      expect(seen.matched).toBeGreaterThan((seen.matched + seen.unmatched) / 20);
    }
  });
});
