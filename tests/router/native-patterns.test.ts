// Patterns are where two engines could disagree: the Rust side runs the `regex` crate, the
// reference its own Pike VM. Random patterns of the safe subset (alternation, lazy and counted
// quantifiers, classes, empty branches) inside mixed segments must give the same captures.
import { Router as CoreRouter } from '@switchyard/core';
import { Router } from '@switchyard/node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plain } from './suite.js';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() ^ (Math.random() * 2 ** 31);

// Bodies that prefer the empty match (`(|a)`, `(a??)`) are left out: see the known divergence below.
const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '\\w', '(?:ab|a)', '(a|)', 'é', '\\.');
const quantifier = fc.constantFrom('', '', '*', '+', '?', '*?', '+?', '??', '{0,2}', '{1,2}?', '{2}');
const pattern: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(atom, quantifier).map(([a, q]) => a + q),
    { minLength: 1, maxLength: 4 },
  )
  .chain((items) => fc.constantFrom(items.join(''), `${items[0]}|${items.slice(1).join('')}`));
const segment = fc.oneof(
  pattern.map((p) => `:x(${p})`),
  fc.tuple(pattern, pattern).map(([p, q]) => `:x(${p})-:y(${q})`),
  fc.tuple(pattern, pattern).map(([p, q]) => `v:x(${p}).:y(${q})z`),
  pattern.map((p) => `:x(${p})a:y`),
  pattern.map((p) => `:x.:y(${p})`),
);
const value = fc.string({ unit: fc.constantFrom('a', 'b', '1', '.', '-', 'é', 'z', 'v'), maxLength: 8 });

describe('patterns: native regex crate vs the reference Pike VM', () => {
  it(`give the same match and captures (seed ${seed})`, () => {
    fc.assert(
      fc.property(segment, fc.array(value, { minLength: 1, maxLength: 8 }), (seg, values) => {
        const reference = new CoreRouter<number>();
        const native = new Router<number>();
        let refError: unknown = null;
        let nativeError: unknown = null;
        try {
          reference.add({ path: `/${seg}` }, 0);
        } catch (error) {
          refError = (error as { code: string }).code;
        }
        try {
          native.add({ path: `/${seg}` }, 0);
        } catch (error) {
          nativeError = (error as { code: string }).code;
        }
        expect(nativeError, seg).toBe(refError);
        if (refError !== null) return;
        for (const v of values) {
          const req = { path: `/${v}` };
          expect(plain(native.match(req)), `${seg} on ${v}`).toEqual(plain(reference.match(req)));
        }
      }),
      { seed, numRuns: 3000 },
    );
  });

  // Known divergence (reported to the lead): a repeated group whose body prefers the empty match
  // (`(|a)*`, `(a??)+`). A backtracking engine (JS) and the reference's Pike VM never take an empty
  // iteration past the minimum, so `x` gets "aaa"; the `regex` crate ends the loop there and gives
  // "" (then `y` = "aaa"). `it.fails` turns red the day the two agree, to drop this note.
  it.fails('agree on a repeated group with an empty first branch, (|a)*', () => {
    const reference = new CoreRouter<number>();
    const native = new Router<number>();
    reference.add({ path: '/:x((|a)*)a:y(a*)' }, 0);
    native.add({ path: '/:x((|a)*)a:y(a*)' }, 0);
    expect(plain(reference.match({ path: '/aaaa' }))?.params).toEqual([
      ['x', 'aaa'],
      ['y', ''],
    ]);
    expect(plain(native.match({ path: '/aaaa' }))).toEqual(plain(reference.match({ path: '/aaaa' })));
  });
});
