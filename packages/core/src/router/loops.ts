/**
 * JS loop semantics for bounded repeats. A backtracking engine with JS rules never takes an
 * iteration that matches nothing once the minimum count is reached. The Pike VM gets that for
 * free on `*` and `+` (an empty iteration revisits the loop's own state), but a bounded repeat is
 * compiled as nested optionals, which could each match empty. Rewriting every optional iteration
 * to a body that cannot match empty, keeping the order in which its other matches are preferred,
 * gives the JS answer; the Rust core applies the same rewrite (crates/switchyard/src/router/loops.rs)
 * before handing the pattern to the `regex` crate.
 * @module
 */
import type { PatternNode } from './pattern.js';

function nullable(n: PatternNode): boolean {
  switch (n.t) {
    case 'set':
      return false;
    case 'cat':
      return n.items.every(nullable);
    case 'alt':
      return n.items.some(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.item);
  }
}

function cat(items: PatternNode[]): PatternNode {
  return items.length === 1 ? (items[0] as PatternNode) : { t: 'cat', items };
}

function alt(items: PatternNode[]): PatternNode | null {
  if (items.length === 0) return null;
  return items.length === 1 ? (items[0] as PatternNode) : { t: 'alt', items };
}

function repeat(item: PatternNode, count: number): PatternNode {
  return cat(Array.from({ length: count }, () => item));
}

const present = (n: PatternNode | null): n is PatternNode => n !== null;

/** Rewrites every loop so that iterations past the minimum cannot match empty. */
export function jsLoops(n: PatternNode): PatternNode {
  switch (n.t) {
    case 'set':
      return n;
    case 'cat':
      return { t: 'cat', items: n.items.map(jsLoops) };
    case 'alt':
      return { t: 'alt', items: n.items.map(jsLoops) };
    case 'rep': {
      const item = jsLoops(n.item);
      if (!nullable(item) || n.max === n.min) return { ...n, item };
      // Mandatory iterations may be empty; optional ones must not.
      const mandatory = repeat(item, n.min);
      const body = nonEmpty(item);
      if (body === null) return mandatory;
      const optional: PatternNode = { t: 'rep', min: 0, max: n.max - n.min, greedy: n.greedy, item: body };
      return n.min === 0 ? optional : { t: 'cat', items: [mandatory, optional] };
    }
  }
}

/** The non-empty matches of `n`, in the order `n` prefers them; null when it only matches empty. */
function nonEmpty(n: PatternNode): PatternNode | null {
  if (!nullable(n)) return n;
  const [before, after] = split(n);
  return alt([before, after].filter(present));
}

/**
 * For a nullable node: its non-empty matches preferred to its (first) empty match, and those
 * after it, each in order.
 */
function split(n: PatternNode): [PatternNode | null, PatternNode | null] {
  switch (n.t) {
    case 'set':
      return [n, null];
    case 'alt': {
      const i = n.items.findIndex(nullable);
      if (i < 0) return [alt([...n.items]), null];
      const [pre, post] = split(n.items[i] as PatternNode);
      const before = alt([...n.items.slice(0, i), pre].filter(present));
      const after = alt([post, ...n.items.slice(i + 1).map(nonEmpty)].filter(present));
      return [before, after];
    }
    case 'cat': {
      const [first, ...rest] = n.items;
      if (first === undefined) return [null, null];
      if (rest.length === 0) return split(first);
      const tail = cat(rest);
      // Matches are tried as (first's choice, then tail's choice): the first empty one is
      // (empty, empty). Before it: first's earlier choices with any tail, then empty + the tail's
      // earlier choices; after it: empty + the tail's later choices, then first's later choices
      // with any tail.
      const [preFirst, postFirst] = split(first);
      const [preTail, postTail] = split(tail);
      const withTail = (head: PatternNode | null) => (head === null ? null : cat([head, tail]));
      return [alt([withTail(preFirst), preTail].filter(present)), alt([postTail, withTail(postFirst)].filter(present))];
    }
    case 'rep': {
      // Only fixed counts are left with a nullable body (see jsLoops).
      if (nullable(n.item)) return split(repeat(n.item, n.min));
      if (n.max === 0) return [null, null];
      // min is 0: the loop either runs (at least once) or is skipped, greedy preferring to run.
      const runs: PatternNode = { t: 'rep', min: 1, max: n.max, greedy: n.greedy, item: n.item };
      return n.greedy ? [runs, null] : [null, runs];
    }
  }
}
