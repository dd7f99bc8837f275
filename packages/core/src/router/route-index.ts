/**
 * The route index: what makes a lookup cost the depth of the path rather than the number of
 * routes. Routes are split by host rule (one trie per exact host, one per wildcard suffix, one for
 * any host), and each trie is keyed by path segment. The order of the walk is the rank order of
 * docs/router-spec.md §6, so the first route found is the winner `compareRank` would choose.
 * @module
 */
import type { CompiledRoute, CompiledSegment } from './compile.js';
import { compareRank, evaluateRoute, type RequestContext } from './evaluate.js';
import type { Params } from './types.js';
import { type Program, runProgram } from './vm.js';

/**
 * One trie node: the routes whose path ends at this depth and the children by the kind of the
 * next segment. Children are keyed so that two segments share a child exactly when `check()`
 * calls them the same segment (static: folded text; mixed: its literals and patterns; patterned:
 * its pattern; plain: one child), which lets `check()` walk the same trie.
 */
export interface TrieNode {
  /** Routes whose last segment is the one leading here, best rank first once `sorted`. */
  readonly routes: CompiledRoute[];
  /** Routes whose wildcard `*` is the segment after this node's, best rank first once `sorted`. */
  readonly wildcard: CompiledRoute[];
  /** Whether `routes` and `wildcard` are in rank order (appending usually keeps it; see `place`). */
  sorted: boolean;
  readonly statics: Map<string, TrieNode>;
  readonly mixed: Map<string, TrieNode>;
  readonly patterned: Map<string, TrieNode>;
  plain: TrieNode | null;
  /** For a mixed or patterned child: the program its segment runs (the same for every route here). */
  readonly program: Program | null;
}

function node(program: Program | null = null): TrieNode {
  return {
    routes: [],
    wildcard: [],
    sorted: true,
    statics: new Map(),
    mixed: new Map(),
    patterned: new Map(),
    plain: null,
    program,
  };
}

/** The child key of a mixed segment: its literal texts and param patterns, as `check()` compares them. */
export function mixedKey(s: CompiledSegment): string {
  const seg = s.segment;
  if (seg.kind !== 'mixed') return '';
  return JSON.stringify(seg.parts.map((p) => (p.kind === 'literal' ? p.text : [p.pattern])));
}

function childOf(parent: TrieNode, s: CompiledSegment): TrieNode {
  const seg = s.segment;
  switch (seg.kind) {
    case 'static': {
      let child = parent.statics.get(s.text);
      if (!child) {
        child = node();
        parent.statics.set(s.text, child);
      }
      return child;
    }
    case 'mixed':
    case 'patterned': {
      const map = seg.kind === 'mixed' ? parent.mixed : parent.patterned;
      const key = seg.kind === 'mixed' ? mixedKey(s) : seg.pattern;
      let child = map.get(key);
      if (!child) {
        child = node(s.program);
        map.set(key, child);
      }
      return child;
    }
    default:
      parent.plain ??= node();
      return parent.plain;
  }
}

/** Appends, noting when the list stops being in rank order (it is sorted before its next read). */
function place(at: TrieNode, list: CompiledRoute[], route: CompiledRoute): void {
  const last = list[list.length - 1];
  list.push(route);
  if (last && compareRank(last, route) > 0) at.sorted = false;
}

/** Puts a node's lists in rank order; done on the first read after an out-of-order `add`. */
export function sortedNode(at: TrieNode): TrieNode {
  if (!at.sorted) {
    at.routes.sort(compareRank);
    at.wildcard.sort(compareRank);
    at.sorted = true;
  }
  return at;
}

/** A route found for a request, with its params. */
export interface Found {
  readonly route: CompiledRoute;
  readonly params: Params;
}

/** The better of two finds by rank. */
function better(a: Found | null, b: Found | null): Found | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareRank(a.route, b.route) <= 0 ? a : b;
}

/** The first route of `list` (in rank order) that matches the request. */
function firstMatch(list: readonly CompiledRoute[], ctx: RequestContext): Found | null {
  for (const route of list) {
    const result = evaluateRoute(route, ctx);
    if (typeof result !== 'string') return { route, params: result };
  }
  return null;
}

/**
 * The best route under `at` for the request's segments from `depth` on. Within a node, every
 * route ending here outranks every route going deeper (a path that is a prefix of another ranks
 * first), and the groups of children rank static < mixed < patterned < plain < wildcard; so the
 * first group holding a match holds the winner. Within the mixed and patterned groups several
 * children can match one segment and their routes interleave in rank, so the best of them is kept.
 */
function bestUnder(at: TrieNode, depth: number, ctx: RequestContext, segments: readonly string[]): Found | null {
  const here = sortedNode(at);
  const count = segments.length;
  if (depth === count && here.routes.length > 0) {
    const found = firstMatch(here.routes, ctx);
    if (found) return found;
  }
  if (depth < count) {
    const child = here.statics.size > 0 ? here.statics.get(ctx.foldedSegment(depth)) : undefined;
    if (child) {
      const found = bestUnder(child, depth + 1, ctx, segments);
      if (found) return found;
    }
    for (const group of [here.mixed, here.patterned]) {
      if (group.size === 0) continue;
      let best: Found | null = null;
      const points = ctx.segmentCodePoints(depth).points;
      for (const next of group.values()) {
        if (runProgram(next.program as Program, points) === null) continue;
        best = better(best, bestUnder(next, depth + 1, ctx, segments));
      }
      if (best) return best;
    }
    if (here.plain && segments[depth] !== '') {
      const found = bestUnder(here.plain, depth + 1, ctx, segments);
      if (found) return found;
    }
  }
  // A wildcard takes one segment or more; with `trailingSlash: 'ignore'`, none too.
  if (here.wildcard.length > 0 && (depth < count || (ctx.ignoreTrailingSlash && depth === count))) {
    return firstMatch(here.wildcard, ctx);
  }
  return null;
}

/**
 * Calls `visit` with every route under `at` whose path may match the request's segments from
 * `depth` on (its static segments and segment patterns do; params are not yet checked).
 */
function eachUnder(
  at: TrieNode,
  depth: number,
  ctx: RequestContext,
  segments: readonly string[],
  visit: (route: CompiledRoute) => void,
): void {
  const count = segments.length;
  if (depth === count) for (const route of at.routes) visit(route);
  if (depth < count) {
    const child = at.statics.get(ctx.foldedSegment(depth));
    if (child) eachUnder(child, depth + 1, ctx, segments, visit);
    for (const group of [at.mixed, at.patterned]) {
      if (group.size === 0) continue;
      const points = ctx.segmentCodePoints(depth).points;
      for (const next of group.values()) {
        if (runProgram(next.program as Program, points) !== null) eachUnder(next, depth + 1, ctx, segments, visit);
      }
    }
    if (at.plain && segments[depth] !== '') eachUnder(at.plain, depth + 1, ctx, segments, visit);
  }
  if (depth < count || (ctx.ignoreTrailingSlash && depth === count)) for (const route of at.wildcard) visit(route);
}

/**
 * Every route of a router, indexed by host rule and path. Lookups walk only the tries whose host
 * rule can match the request, and in each only the children its segments can take.
 */
export class RouteIndex {
  /** One trie per exact host. */
  readonly exact = new Map<string, TrieNode>();
  /** One trie per wildcard suffix (`*.example.com` is under `example.com`). */
  readonly wildcard = new Map<string, TrieNode>();
  /** The suffix lengths in `wildcard`, longest first: the only suffixes of a host worth looking up. */
  #suffixLengths: number[] = [];
  readonly any: TrieNode = node();

  /** The trie of a host rule, created if `create`. */
  trieOf(route: CompiledRoute, create: boolean): TrieNode | undefined {
    const host = route.host;
    if (host.kind === 'any') return this.any;
    const map = host.kind === 'exact' ? this.exact : this.wildcard;
    let trie = map.get(host.value);
    if (!trie && create) {
      trie = node();
      map.set(host.value, trie);
      if (host.kind === 'wildcard' && !this.#suffixLengths.includes(host.value.length)) {
        this.#suffixLengths.push(host.value.length);
        this.#suffixLengths.sort((a, b) => b - a);
      }
    }
    return trie;
  }

  /** Adds a compiled route. */
  insert(route: CompiledRoute): void {
    let at = this.trieOf(route, true) as TrieNode;
    const last = route.segments.length - 1;
    for (let i = 0; i < last; i++) at = childOf(at, route.segments[i] as CompiledSegment);
    const final = route.segments[last] as CompiledSegment;
    if (final.segment.kind === 'wildcard') place(at, at.wildcard, route);
    else {
      at = childOf(at, final);
      place(at, at.routes, route);
    }
  }

  /**
   * The tries whose host rule matches the request's host, in rank order: the exact host, the
   * wildcard suffixes longest first (only the suffix lengths some route has are looked up, so a
   * host with many labels costs no more than one with few), then any host.
   */
  triesFor(host: string | null): TrieNode[] {
    const tries: TrieNode[] = [];
    if (host !== null) {
      const exact = this.exact.get(host);
      if (exact) tries.push(exact);
      for (const length of this.#suffixLengths) {
        // `*.s` matches a host that ends with `.s` and has something before the dot.
        const dot = host.length - length - 1;
        if (dot < 1 || host.charCodeAt(dot) !== 0x2e) continue;
        const trie = this.wildcard.get(host.slice(dot + 1));
        if (trie) tries.push(trie);
      }
    }
    tries.push(this.any);
    return tries;
  }

  /** The winning route for a request that was not rejected, with its params. */
  best(ctx: RequestContext): Found | null {
    const segments = ctx.req.segments as readonly string[];
    for (const trie of this.triesFor(ctx.req.host)) {
      const found = bestUnder(trie, 0, ctx, segments);
      if (found) return found;
    }
    return null;
  }

  /** Calls `visit` with every route whose host and path may match the request. */
  eachCandidate(ctx: RequestContext, visit: (route: CompiledRoute) => void): void {
    const segments = ctx.req.segments as readonly string[];
    for (const trie of this.triesFor(ctx.req.host)) eachUnder(trie, 0, ctx, segments, visit);
  }
}
