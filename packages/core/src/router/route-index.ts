/**
 * The route index: what makes a lookup cost the depth of the path rather than the number of
 * routes. Routes are split by host rule (one trie per exact host, one per wildcard suffix, one for
 * any host), and each trie is keyed by path segment. The order of the walk is the rank order of
 * docs/router-spec.md §6, so the first route found is the winner `compareRank` would choose.
 * @module
 */
import type { CompiledRoute, CompiledSegment } from './compile.js';
import { utf8Length } from './decode.js';
import { compareRank, evaluateRoute, type RequestContext } from './evaluate.js';
import { readHeader } from './request.js';
import type { Params } from './types.js';
import { matchesProgram, type Program } from './vm.js';

/**
 * One trie node: the routes whose path ends at this depth and the children by the kind of the
 * next segment. Children are keyed so that two segments share a child exactly when `check()`
 * calls them the same segment (static: folded text; mixed: its literals and patterns; patterned:
 * its pattern; plain: one child), which lets `check()` walk the same trie.
 */
export interface TrieNode {
  // Lists and child maps are created with their first entry: most nodes hold one kind of thing
  // or none, and a table of 100,000 routes has several times as many nodes.
  /** Routes whose last segment is the one leading here, best rank first once `sorted`. */
  routes: CompiledRoute[] | null;
  /** Routes whose wildcard `*` is the segment after this node's, best rank first once `sorted`. */
  wildcard: CompiledRoute[] | null;
  /** Whether `routes` and `wildcard` are in rank order (appending usually keeps it; see `place`). */
  sorted: boolean;
  /**
   * The routes of both lists by list (`/` or `*`) and constraint shape, made once the lists are
   * long enough for a scan at each `add` to cost (many routes on one path told apart by headers).
   */
  shapes: Map<string, CompiledRoute[]> | null;
  /**
   * The lists split by the value of one header or query key, for a long list of routes told apart
   * by an `equals` constraint on it (see {@link Dispatch}); made with the sorted lists, dropped by `add`.
   */
  routesBy: Dispatch | null;
  wildcardBy: Dispatch | null;
  /** Whether `routesBy` and `wildcardBy` were made for the current lists. */
  dispatched: boolean;
  statics: Map<string, TrieNode> | null;
  mixed: Map<string, TrieNode> | null;
  patterned: Map<string, TrieNode> | null;
  plain: TrieNode | null;
  /** For a mixed or patterned child: the program its segment runs (the same for every route here). */
  readonly program: Program | null;
}

function node(program: Program | null = null): TrieNode {
  return {
    routes: null,
    wildcard: null,
    sorted: true,
    shapes: null,
    routesBy: null,
    wildcardBy: null,
    dispatched: true,
    statics: null,
    mixed: null,
    patterned: null,
    plain: null,
    program,
  };
}

function childOf(parent: TrieNode, s: CompiledSegment): TrieNode {
  const kind = s.segment.kind;
  if (kind === 'plain') {
    parent.plain ??= node();
    return parent.plain;
  }
  if (kind === 'static') parent.statics ??= new Map();
  else if (kind === 'mixed') parent.mixed ??= new Map();
  else parent.patterned ??= new Map();
  const map = (kind === 'static' ? parent.statics : kind === 'mixed' ? parent.mixed : parent.patterned) as Map<
    string,
    TrieNode
  >;
  let child = map.get(s.key);
  if (!child) {
    child = node(s.program);
    map.set(s.key, child);
  }
  return child;
}

/** Appends, noting when the list stops being in rank order (it is sorted before its next read). */
function place(at: TrieNode, list: CompiledRoute[], route: CompiledRoute, wildcard: boolean): void {
  const last = list[list.length - 1];
  list.push(route);
  if (last && compareRank(last, route) > 0) {
    at.sorted = false;
    at.dispatched = false;
    return;
  }
  // Appended in rank order: a split takes it at the end of its list; an unsplit list is looked at
  // again only past DISPATCH_AFTER and at each power of two, so that adds between reads stay O(1).
  const by = wildcard ? at.wildcardBy : at.routesBy;
  const n = list.length;
  if (by !== null) file(by, route);
  else if (n === DISPATCH_AFTER + 1 || (n > DISPATCH_AFTER && (n & (n - 1)) === 0)) at.dispatched = false;
}

export const NO_ROUTES: readonly CompiledRoute[] = Object.freeze([]);

/** How many routes a node holds before `add` finds same-shape routes by map rather than by scan. */
const SHAPES_AFTER = 8;

function shapeKey(route: CompiledRoute): string {
  return (route.wildcard ? '*' : '/') + route.constraintShape;
}

function addShape(shapes: Map<string, CompiledRoute[]>, route: CompiledRoute): void {
  const key = shapeKey(route);
  const list = shapes.get(key);
  if (list) list.push(route);
  else shapes.set(key, [route]);
}

/**
 * One list of a node split by the value of one request header or query key: the routes with an
 * `equals` constraint on it, by its value, and the others. A request can only match the routes of
 * its own value(s) and of `rest` (an `equals` constraint holds for one value), so a lookup among
 * 50,000 routes on one path told apart by `x-tenant` (or `?tenant=`) tries a handful, not all.
 * Every list is in rank order.
 */
export interface Dispatch {
  readonly on: SplitKey;
  readonly byValue: Map<string, CompiledRoute[]>;
  readonly rest: CompiledRoute[];
}

/** What a list is split by: a header (lower-case name) or a query key. */
export interface SplitKey {
  readonly field: 'headers' | 'query';
  readonly name: string;
}

/** Lists longer than this are split when one header or query key tells enough of them apart. */
const DISPATCH_AFTER = 8;

/**
 * The split of a sorted list by the header or query key most of its routes constrain with
 * `equals`, or null when the list is short or fewer than a quarter of its routes constrain one alike.
 */
function dispatchOf(list: readonly CompiledRoute[] | null): Dispatch | null {
  if (list === null || list.length <= DISPATCH_AFTER) return null;
  const counts = new Map<string, number>();
  let on: SplitKey = { field: 'headers', name: '' };
  let most = 0;
  for (const route of list) {
    for (const field of ['headers', 'query'] as const) {
      for (const c of route[field]) {
        if (c.kind !== 'equals') continue;
        const key = `${field}\0${c.name}`;
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        if (n > most) {
          most = n;
          on = { field, name: c.name };
        }
      }
    }
  }
  if (most < 2 || most * 4 < list.length) return null;
  const by: Dispatch = { on, byValue: new Map(), rest: [] };
  for (const route of list) file(by, route);
  return by;
}

/** Appends `route` to its list of `by` (routes come in rank order). */
function file(by: Dispatch, route: CompiledRoute): void {
  const value = equalsValue(route, by.on);
  if (value === undefined) {
    by.rest.push(route);
    return;
  }
  const same = by.byValue.get(value);
  if (same) same.push(route);
  else by.byValue.set(value, [route]);
}

/** The value a route's `equals` constraint on the split key asks for, if it has one. */
export function equalsValue(route: CompiledRoute, on: SplitKey): string | undefined {
  for (const c of route[on.field]) if (c.kind === 'equals' && c.name === on.name) return c.value as string;
  return undefined;
}

/** The request's values of a split key: its header's one value, or every value of its query key. */
export function requestValues(ctx: RequestContext, on: SplitKey): readonly string[] {
  if (on.field === 'query') return ctx.queryValues().get(on.name) ?? NO_VALUES;
  const value = readHeader(ctx.req.headers, on.name);
  return value === undefined ? NO_VALUES : [value];
}

const NO_VALUES: readonly string[] = Object.freeze([]);

/** The routes of `by` filed under any of `values`, in rank order (one list: no copy). */
function hitsOf(by: Dispatch, values: readonly string[]): readonly CompiledRoute[] {
  if (values.length === 0) return NO_ROUTES;
  if (values.length === 1) return by.byValue.get(values[0] as string) ?? NO_ROUTES;
  const all = new Set<CompiledRoute>();
  for (const v of values) for (const r of by.byValue.get(v) ?? NO_ROUTES) all.add(r);
  return [...all].sort(compareRank);
}

/** Puts a node's lists in rank order, and splits long ones by value; done on the first read after an `add`. */
export function sortedNode(at: TrieNode): TrieNode {
  if (!at.sorted) {
    at.routes?.sort(compareRank);
    at.wildcard?.sort(compareRank);
    at.sorted = true;
  }
  if (!at.dispatched) {
    at.routesBy = dispatchOf(at.routes);
    at.wildcardBy = dispatchOf(at.wildcard);
    at.dispatched = true;
  }
  return at;
}

/**
 * The routes of a node's list (`wildcard`: its wildcard list) that something whose values of the
 * list's split key are `values` may match, in no particular order: the whole list when it is not
 * split. `values` is read only when it is.
 */
export function candidatesOf(
  at: TrieNode,
  wildcard: boolean,
  values: (on: SplitKey) => readonly string[],
): readonly CompiledRoute[] {
  sortedNode(at);
  const list = (wildcard ? at.wildcard : at.routes) ?? NO_ROUTES;
  const by = wildcard ? at.wildcardBy : at.routesBy;
  if (by === null) return list;
  const hit = hitsOf(by, values(by.on));
  return hit.length === 0 ? by.rest : [...hit, ...by.rest];
}

/** A route's own value of a split key as `candidatesOf` takes it. */
function routeValues(route: CompiledRoute): (on: SplitKey) => readonly string[] {
  return (on) => {
    const value = equalsValue(route, on);
    return value === undefined ? NO_VALUES : [value];
  };
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

/**
 * The routes of a node's list that may share a request with `r` (an `equals` constraint on the
 * list's split key with another value than `r`'s contradicts it): for a split list and an
 * `r` with such a constraint, the routes of its value and the rest; else the whole list.
 */
export function overlapCandidatesOf(at: TrieNode, wildcard: boolean, r: CompiledRoute): readonly CompiledRoute[] {
  sortedNode(at);
  const by = wildcard ? at.wildcardBy : at.routesBy;
  if (by === null || equalsValue(r, by.on) === undefined) return (wildcard ? at.wildcard : at.routes) ?? NO_ROUTES;
  return candidatesOf(at, wildcard, routeValues(r));
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
 * The first route of a node's list (in rank order) that matches the request; for a split list,
 * of the routes of the request's value(s) merged in rank order with the rest.
 */
function firstMatchAt(at: TrieNode, wildcard: boolean, ctx: RequestContext): Found | null {
  const by = wildcard ? at.wildcardBy : at.routesBy;
  if (by === null) return firstMatch((wildcard ? at.wildcard : at.routes) ?? NO_ROUTES, ctx);
  const hit = hitsOf(by, requestValues(ctx, by.on));
  const rest = by.rest;
  let i = 0;
  let j = 0;
  while (i < hit.length || j < rest.length) {
    const a = hit[i];
    const b = rest[j];
    const route = (
      b === undefined || (a !== undefined && compareRank(a, b) < 0) ? hit[i++] : rest[j++]
    ) as CompiledRoute;
    const result = evaluateRoute(route, ctx);
    if (typeof result !== 'string') return { route, params: result };
  }
  return null;
}

/** A node being searched by {@link bestUnder}. */
interface Frame {
  readonly node: TrieNode;
  readonly depth: number;
  /** What to try next: 0 the routes ending here, 1 the static child, 2 mixed, 3 patterned, 4 plain, 5 wildcard. */
  stage: number;
  /** The children of the mixed or patterned group being tried (those whose program matches), or null. */
  group: TrieNode[] | null;
  next: number;
  /** The best match found in the group so far. */
  best: Found | null;
}

function frame(node: TrieNode, depth: number): Frame {
  return { node: sortedNode(node), depth, stage: 0, group: null, next: 0, best: null };
}

/**
 * The best route under `root` for the request's segments. Within a node, every route ending
 * here outranks every route going deeper (a path that is a prefix of another ranks first), and
 * the groups of children rank static < mixed < patterned < plain < wildcard; so the first group
 * holding a match holds the winner. Within the mixed and patterned groups several children can
 * match one segment and their routes interleave in rank, so the best of them is kept.
 *
 * The walk keeps its own stack rather than recursing: a route may have thousands of segments.
 */
function bestUnder(root: TrieNode, ctx: RequestContext, segments: readonly string[]): Found | null {
  const count = segments.length;
  const stack: Frame[] = [frame(root, 0)];
  // What the frame last popped answered, when `returning`.
  let result: Found | null = null;
  let returning = false;
  while (stack.length > 0) {
    const f = stack[stack.length - 1] as Frame;
    const { node: at, depth } = f;
    if (returning) {
      returning = false;
      if (f.group !== null) f.best = better(f.best, result);
      else if (result !== null) {
        stack.pop();
        returning = true;
        continue;
      }
    }
    switch (f.stage) {
      case 0:
        f.stage = 1;
        if (depth === count && at.routes !== null) {
          result = firstMatchAt(at, false, ctx);
          if (result !== null) {
            stack.pop();
            returning = true;
          }
        }
        break;
      case 1: {
        f.stage = 2;
        const child = depth < count ? at.statics?.get(ctx.foldedSegment(depth)) : undefined;
        if (child) stack.push(frame(child, depth + 1));
        break;
      }
      case 2:
      case 3: {
        if (f.group === null) {
          const map = f.stage === 2 ? at.mixed : at.patterned;
          if (map === null || depth >= count || (f.stage === 3 && overlongParam(ctx, depth))) {
            f.stage++;
            break;
          }
          const points = ctx.segmentCodePoints(depth).points;
          f.group = [];
          for (const next of map.values()) if (matchesProgram(next.program as Program, points)) f.group.push(next);
          f.next = 0;
          f.best = null;
        }
        const next = f.group[f.next++];
        if (next) {
          stack.push(frame(next, depth + 1));
          break;
        }
        result = f.best;
        f.group = null;
        f.best = null;
        f.stage++;
        if (result !== null) {
          stack.pop();
          returning = true;
        }
        break;
      }
      case 4:
        f.stage = 5;
        if (depth < count && at.plain && segments[depth] !== '') stack.push(frame(at.plain, depth + 1));
        break;
      default:
        // A wildcard takes one segment or more; with `trailingSlash: 'ignore'`, none too.
        result =
          at.wildcard !== null && (depth < count || (ctx.ignoreTrailingSlash && depth === count))
            ? firstMatchAt(at, true, ctx)
            : null;
        stack.pop();
        returning = true;
    }
  }
  return result;
}

/**
 * Whether segment `depth` is longer than a param may be: then no route whose segment there is one
 * patterned param (the whole segment) can match, and its pattern, whose cost grows with the
 * segment, is not run (as the native router skips it).
 */
function overlongParam(ctx: RequestContext, depth: number): boolean {
  return utf8Length(ctx.req.segments![depth] as string) > ctx.maxParamLength;
}

/**
 * Calls `visit` with every route under `root` whose path may match the request's segments (its
 * static segments and segment patterns do; params are not yet checked).
 */
function eachUnder(
  root: TrieNode,
  ctx: RequestContext,
  segments: readonly string[],
  visit: (route: CompiledRoute) => void,
): void {
  const count = segments.length;
  const nodes: TrieNode[] = [root];
  const depths: number[] = [0];
  const values = (on: SplitKey) => requestValues(ctx, on);
  for (let at = nodes.pop(); at !== undefined; at = nodes.pop()) {
    const depth = depths.pop() as number;
    if (depth === count && at.routes !== null) for (const route of candidatesOf(at, false, values)) visit(route);
    if (at.wildcard !== null && (depth < count || (ctx.ignoreTrailingSlash && depth === count))) {
      for (const route of candidatesOf(at, true, values)) visit(route);
    }
    if (depth >= count) continue;
    const push = (next: TrieNode) => {
      nodes.push(next);
      depths.push(depth + 1);
    };
    const child = at.statics?.get(ctx.foldedSegment(depth));
    if (child) push(child);
    for (const group of [at.mixed, at.patterned]) {
      if (group === null || (group === at.patterned && overlongParam(ctx, depth))) continue;
      const points = ctx.segmentCodePoints(depth).points;
      for (const next of group.values()) if (matchesProgram(next.program as Program, points)) push(next);
    }
    if (at.plain && segments[depth] !== '') push(at.plain);
  }
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
  /** The node of each route, by id. */
  readonly #nodes: TrieNode[] = [];

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

  /**
   * Where a route goes: the node whose `routes` (or, for a wildcard route, `wildcard`) list takes
   * it. Every route in one list has the same host rule and path shape (static text and mixed
   * literals folded when case-insensitive, patterns, kinds; param names aside): what §7 compares
   * besides methods and constraints. Creates the nodes on the way; adds nothing to a list.
   */
  locate(route: CompiledRoute): TrieNode {
    let at = this.trieOf(route, true) as TrieNode;
    const last = route.wildcard ? route.segments.length - 1 : route.segments.length;
    for (let i = 0; i < last; i++) at = childOf(at, route.segments[i] as CompiledSegment);
    return at;
  }

  /**
   * The routes already at `at` (see {@link locate}) that have the host rule, path shape and
   * constraint shape of `route`: the ones §7 compares it with (by method).
   */
  sameShape(at: TrieNode, route: CompiledRoute): readonly CompiledRoute[] {
    if (at.shapes !== null) return at.shapes.get(shapeKey(route)) ?? [];
    const list = route.wildcard ? at.wildcard : at.routes;
    if (list === null) return NO_ROUTES;
    return list.filter((other) => other.constraintShape === route.constraintShape);
  }

  /**
   * The routes with the host rule and path shape of `route` (an added one) that may cover it,
   * itself perhaps included: those of the list it was added to, and of a list split by value
   * (a route with an `equals` constraint covers only routes with the same one) only those of
   * `route`'s value and the rest.
   */
  coverCandidates(route: CompiledRoute): readonly CompiledRoute[] {
    const at = this.#nodes[route.id];
    if (at === undefined) return NO_ROUTES;
    return candidatesOf(at, route.wildcard, routeValues(route));
  }

  /** The list `route` (an added one) was added to. */
  listOf(route: CompiledRoute): readonly CompiledRoute[] {
    const at = this.#nodes[route.id];
    return (at && (route.wildcard ? at.wildcard : at.routes)) ?? NO_ROUTES;
  }

  /** Adds a route at the node {@link locate} gave. */
  insert(at: TrieNode, route: CompiledRoute): void {
    this.#nodes[route.id] = at;
    if (route.wildcard) {
      at.wildcard ??= [];
      place(at, at.wildcard, route, true);
    } else {
      at.routes ??= [];
      place(at, at.routes, route, false);
    }
    if (at.shapes !== null) addShape(at.shapes, route);
    else if ((at.routes?.length ?? 0) + (at.wildcard?.length ?? 0) > SHAPES_AFTER) {
      at.shapes = new Map();
      for (const r of at.routes ?? []) addShape(at.shapes, r);
      for (const r of at.wildcard ?? []) addShape(at.shapes, r);
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
      const found = bestUnder(trie, ctx, segments);
      if (found) return found;
    }
    return null;
  }

  /** Calls `visit` with every route whose host and path may match the request. */
  eachCandidate(ctx: RequestContext, visit: (route: CompiledRoute) => void): void {
    const segments = ctx.req.segments as readonly string[];
    for (const trie of this.triesFor(ctx.req.host)) eachUnder(trie, ctx, segments, visit);
  }
}
