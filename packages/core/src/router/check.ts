/**
 * `Router.check()`: static diagnostics of a route table (docs/router-spec.md §8), decided
 * structurally and conservatively.
 * @module
 */
import type { CompiledConstraint, CompiledRoute, CompiledSegment, HostRule } from './compile.js';
import { utf8Length } from './decode.js';
import { compareRank, structurallyTied } from './evaluate.js';
import { NO_ROUTES, overlapCandidatesOf, type RouteIndex, type TrieNode } from './route-index.js';
import type { RouteDiagnostic } from './types.js';

/** The router options `check()` depends on. */
export interface CheckOptions {
  readonly maxParamLength: number;
  readonly trailingSlash: 'strict' | 'ignore';
}

function hostCovers(a: HostRule, r: HostRule): boolean {
  if (a.kind === 'any') return true;
  if (r.kind === 'any') return false;
  if (a.kind === 'exact') return r.kind === 'exact' && r.value === a.value;
  if (r.kind === 'exact') return r.value.length > a.value.length + 1 && r.value.endsWith(`.${a.value}`);
  return r.value === a.value || r.value.endsWith(`.${a.value}`);
}

function hostsOverlap(a: HostRule, b: HostRule): boolean {
  return hostCovers(a, b) || hostCovers(b, a);
}

function sameSegment(a: CompiledSegment, r: CompiledSegment): boolean {
  const x = a.segment;
  const y = r.segment;
  if (x.kind !== y.kind) return false;
  if (x.kind === 'static') return a.text === r.text;
  if (x.kind === 'patterned' && y.kind === 'patterned') return x.pattern === y.pattern;
  if (x.kind === 'mixed' && y.kind === 'mixed') {
    return (
      x.parts.length === y.parts.length &&
      x.parts.every((p, i) => {
        const q = y.parts[i];
        if (p.kind === 'literal') return q?.kind === 'literal' && q.text === p.text;
        return q?.kind === 'param' && q.pattern === p.pattern;
      })
    );
  }
  return true;
}

function segmentCovers(a: CompiledSegment, r: CompiledSegment, options: CheckOptions): boolean {
  if (a.segment.kind === 'plain') {
    if (r.segment.kind === 'plain') return true;
    return r.segment.kind === 'static' && r.text !== '' && utf8Length(r.text) <= options.maxParamLength;
  }
  return sameSegment(a, r);
}

function pathCovers(a: CompiledRoute, r: CompiledRoute, options: CheckOptions): boolean {
  const as = a.segments;
  const rs = r.segments;
  const wildcardAt = a.wildcard ? as.length - 1 : -1;
  if (wildcardAt < 0) {
    if (r.wildcard || as.length !== rs.length) return false;
  } else {
    const min = options.trailingSlash === 'ignore' ? wildcardAt : wildcardAt + 1;
    // R's segments from the wildcard on may be anything, but R must always have enough of them.
    const rMin = r.wildcard && options.trailingSlash === 'ignore' ? rs.length - 1 : rs.length;
    if (rMin < min) return false;
  }
  const n = wildcardAt < 0 ? as.length : wildcardAt;
  for (let i = 0; i < n; i++) {
    const ri = rs[i];
    if (!ri || ri.segment.kind === 'wildcard' || !segmentCovers(as[i] as CompiledSegment, ri, options)) return false;
  }
  return true;
}

function implies(r: readonly CompiledConstraint[], c: CompiledConstraint): boolean {
  return r.some(
    (x) =>
      x.name === c.name &&
      ((x.kind === c.kind && x.value === c.value) || (c.kind === 'present' && x.kind !== 'absent')),
  );
}

function methodsCover(a: CompiledRoute, r: CompiledRoute): boolean {
  if (a.methods === null) return true;
  if (r.methods === null) return false;
  return [...r.methods].every((m) => a.methods?.has(m));
}

/** A matches every request R matches (decided structurally, conservatively). */
export function covers(a: CompiledRoute, r: CompiledRoute, options: CheckOptions): boolean {
  return (
    hostCovers(a.host, r.host) &&
    methodsCover(a, r) &&
    pathCovers(a, r, options) &&
    a.headers.every((c) => implies(r.headers, c)) &&
    a.query.every((c) => implies(r.query, c))
  );
}

function contradicts(a: readonly CompiledConstraint[], b: readonly CompiledConstraint[]): boolean {
  return a.some((x) =>
    b.some(
      (y) =>
        x.name === y.name &&
        ((x.kind === 'absent') !== (y.kind === 'absent') ||
          (x.kind === 'equals' && y.kind === 'equals' && x.value !== y.value)),
    ),
  );
}

/** Tied routes (same segment kinds) that some request could match both. */
export function mayOverlap(a: CompiledRoute, b: CompiledRoute): boolean {
  if (!hostsOverlap(a.host, b.host)) return false;
  if (a.methods !== null && b.methods !== null && ![...a.methods].some((m) => b.methods?.has(m))) return false;
  const staticClash = a.segments.some((s, i) => {
    const t = b.segments[i];
    return s.segment.kind === 'static' && t?.segment.kind === 'static' && s.text !== t.text;
  });
  if (staticClash) return false;
  return !contradicts(a.headers, b.headers) && !contradicts(a.query, b.query);
}

/** The routes of one list by method: those for any method, and by method those that list it. */
interface MethodIndex {
  readonly any: CompiledRoute[];
  readonly by: Map<string, CompiledRoute[]>;
}

/** Lists longer than this are also looked at by method (routes told apart only by method). */
const METHOD_INDEX_AFTER = 8;

/** The lists of one `check()` call by method, made when first asked for. */
class MethodIndexes {
  readonly #made = new Map<readonly CompiledRoute[], MethodIndex>();

  #of(list: readonly CompiledRoute[]): MethodIndex | null {
    if (list.length <= METHOD_INDEX_AFTER) return null;
    let index = this.#made.get(list);
    if (index === undefined) {
      index = { any: [], by: new Map() };
      for (const a of list) {
        if (a.methods === null) {
          index.any.push(a);
          continue;
        }
        for (const m of a.methods) {
          const same = index.by.get(m);
          if (same) same.push(a);
          else index.by.set(m, [a]);
        }
      }
      this.#made.set(list, index);
    }
    return index;
  }

  /**
   * The routes of `list` whose methods may cover R's: for any method, and those listing R's first
   * method (a route covering R lists all of R's); only any-method ones when R is any-method. The
   * shorter of those and `within` (the candidates found otherwise, by value); `within` for a short list.
   */
  covering(list: readonly CompiledRoute[], r: CompiledRoute, within: readonly CompiledRoute[]) {
    const index = this.#of(list);
    if (index === null) return within;
    const first = r.methods?.values().next().value;
    const listing = first === undefined ? NO_ROUTES : (index.by.get(first) ?? NO_ROUTES);
    const found = r.methods === null ? index.any : [...index.any, ...listing];
    return found.length < within.length ? found : within;
  }

  /**
   * The routes of `list` whose methods may share a request with R's (any-method, or one of R's),
   * or `within` when it is shorter, R is any-method, or the list is short. A route listed under
   * several of R's methods comes several times: the caller keeps the lowest id.
   */
  overlapping(list: readonly CompiledRoute[], r: CompiledRoute, within: readonly CompiledRoute[]) {
    const index = this.#of(list);
    if (index === null || r.methods === null) return within;
    const found = [...index.any];
    for (const m of r.methods) for (const a of index.by.get(m) ?? NO_ROUTES) found.push(a);
    return found.length < within.length ? found : within;
  }
}

/**
 * Every route that may tie with R structurally and share a request with it: the same segment
 * kinds, and the same text where R's segment is static. `structurallyTied` and `mayOverlap`
 * decide afterwards.
 */
function eachTied(root: TrieNode, r: CompiledRoute, methods: MethodIndexes, visit: (a: CompiledRoute) => void): void {
  const rs = r.segments;
  // Its own stack rather than recursion: a route may have thousands of segments.
  const nodes: TrieNode[] = [root];
  const depths: number[] = [0];
  for (let at = nodes.pop(); at !== undefined; at = nodes.pop()) {
    const i = depths.pop() as number;
    const push = (next: TrieNode | null | undefined) => {
      if (!next) return;
      nodes.push(next);
      depths.push(i + 1);
    };
    const ri = rs[i];
    if (ri === undefined) {
      if (at.routes !== null) {
        for (const a of methods.overlapping(at.routes, r, overlapCandidatesOf(at, false, r))) visit(a);
      }
      continue;
    }
    switch (ri.segment.kind) {
      case 'wildcard':
        if (at.wildcard !== null) {
          for (const a of methods.overlapping(at.wildcard, r, overlapCandidatesOf(at, true, r))) visit(a);
        }
        break;
      case 'static':
        push(at.statics?.get(ri.text));
        break;
      case 'mixed':
        for (const next of at.mixed?.values() ?? []) push(next);
        break;
      case 'patterned':
        for (const next of at.patterned?.values() ?? []) push(next);
        break;
      default:
        push(at.plain);
    }
  }
}

/**
 * Diagnostics for a table, in route id order. For each route R, the routes that could take its
 * requests or tie with it are found through the index (R's own list, and the lists of R's trie
 * with the same segment kinds) rather than by trying every route: near-linear for a real table.
 * Among those that qualify, the one with the lowest id is reported, as a scan in id order would.
 */
export function checkRoutes(
  routes: readonly CompiledRoute[],
  index: RouteIndex,
  options: CheckOptions,
): RouteDiagnostic[] {
  const out: RouteDiagnostic[] = [];
  const methods = new MethodIndexes();
  for (const r of routes) {
    // A route A that covers R and ranks first has R's host rule and path shape, so it is in R's
    // own list of the index. Where A covers R with a broader rule, R ranks first (§6): a wildcard
    // host covers an exact host or a longer suffix, any host covers the others, a plain param
    // covers static text, a wildcard tail covers any rest of the path or none; and a shorter path
    // ranks first. Only method, constraints and priority can then put A first.
    let coveredBy: CompiledRoute | null = null;
    for (const a of methods.covering(index.listOf(r), r, index.coverCandidates(r))) {
      if (a === r || (coveredBy !== null && a.id >= coveredBy.id)) continue;
      if (compareRank(a, r) < 0 && covers(a, r, options)) coveredBy = a;
    }
    const by = coveredBy as CompiledRoute | null;
    if (by) {
      out.push({
        kind: 'unreachable',
        route: r.id,
        by: by.id,
        message: `route #${r.id} ${r.path} can never win: route #${by.id} ${by.path} matches every request it matches and ranks first`,
      });
      continue;
    }
    let tied: CompiledRoute | null = null;
    const offerTie = (a: CompiledRoute) => {
      if (a === r || (tied !== null && a.id >= tied.id)) return;
      if (compareRank(a, r) < 0 && structurallyTied(a, r) && mayOverlap(a, r)) tied = a;
    };
    // Tied routes that overlap have the same host rule: an exact host equal to R's, a wildcard of
    // the same suffix length covering R's (so the same suffix), or both any.
    const own = index.trieOf(r, false);
    if (own) eachTied(own, r, methods, offerTie);
    const t = tied as CompiledRoute | null;
    if (t) {
      const byPriority = t.priority !== r.priority;
      out.push({
        kind: byPriority ? 'shadowed' : 'conflict',
        route: r.id,
        by: t.id,
        message: byPriority
          ? `route #${r.id} ${r.path} and route #${t.id} ${t.path} can match the same requests; only priority decides (#${t.id} wins)`
          : `route #${r.id} ${r.path} and route #${t.id} ${t.path} can match the same requests; only insertion order decides (#${t.id} wins)`,
      });
    }
  }
  return out;
}
