import type * as Contract from '../contracts.js';
import { InvalidArgumentError, RouteConflictError } from '../errors.js';
import { processSeed } from '../seed.js';
import { canonicalPathOf, rejectionReason, splitPath } from './canonical.js';
import { checkRoutes } from './check.js';
import { type CompiledRoute, compileRoute, type ProgramCache } from './compile.js';
import { compareRank, evaluateRoute, RequestContext } from './evaluate.js';
import { copyRouteSpec, RouteMatch } from './match.js';
import { readRouteSpec } from './read-spec.js';
import { normalizeRequest, type RequestOptions, wellFormed } from './request.js';
import { RouteIndex } from './route-index.js';
import type {
  Candidate,
  CanonicalPath,
  Explanation,
  Match,
  RequestInfo,
  Resolution,
  RouteDiagnostic,
  RouterOptions,
  RouteSpec,
} from './types.js';

/** Options after defaults and validation. */
export interface ResolvedRouterOptions extends RequestOptions {
  readonly caseSensitive: boolean;
  readonly maxParamLength: number;
  /** `options.seed`, or the process's random seed. */
  readonly seed: number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidArgumentError(`options.${name}`, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

/** Every key of {@link RouterOptions}: any other is an error that names it. */
const ROUTER_OPTION_KEYS: ReadonlySet<string> = new Set([
  'caseSensitive',
  'trailingSlash',
  'maxParamLength',
  'encodedSlash',
  'malformedEncoding',
  'dotSegments',
  'mergeSlashes',
  'backslash',
  'seed',
]);

/**
 * Validates router options once and fills in the defaults.
 * @throws InvalidArgumentError for an unknown key or a value outside its domain.
 * @internal shared with `@switchyard/node`, so both reject the same options the same way.
 */
export function resolveRouterOptions(options: RouterOptions = {}): ResolvedRouterOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'expected an object');
  for (const key of Object.keys(options)) {
    if (!ROUTER_OPTION_KEYS.has(key)) {
      throw new InvalidArgumentError(`options.${key}`, `unknown option (known: ${[...ROUTER_OPTION_KEYS].join(', ')})`);
    }
  }
  const caseSensitive = options.caseSensitive ?? true;
  if (typeof caseSensitive !== 'boolean') throw new InvalidArgumentError('options.caseSensitive', 'expected a boolean');
  const maxParamLength = options.maxParamLength ?? 256;
  if (!Number.isInteger(maxParamLength) || maxParamLength < 1 || maxParamLength > 65536) {
    throw new InvalidArgumentError('options.maxParamLength', 'expected an integer from 1 to 65536');
  }
  const seed = options.seed ?? processSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError('options.seed', 'expected an integer from 0 to 4294967295');
  }
  const mergeSlashes = options.mergeSlashes ?? false;
  if (typeof mergeSlashes !== 'boolean') throw new InvalidArgumentError('options.mergeSlashes', 'expected a boolean');
  return {
    caseSensitive,
    maxParamLength,
    seed,
    trailingSlash: oneOf('trailingSlash', options.trailingSlash, ['strict', 'ignore'], 'strict'),
    encodedSlash: oneOf('encodedSlash', options.encodedSlash, ['decode', 'keep', 'reject'], 'decode'),
    malformedEncoding: oneOf('malformedEncoding', options.malformedEncoding, ['reject', 'literal'], 'reject'),
    dotSegments: oneOf('dotSegments', options.dotSegments, ['reject', 'resolve', 'keep'], 'reject'),
    mergeSlashes,
    backslash: oneOf('backslash', options.backslash, ['reject', 'slash', 'keep'], 'reject'),
  };
}

const DEFAULT_OPTIONS = resolveRouterOptions();
/** The last options object `canonicalizePath` resolved: a gateway passes the same one every call. */
let lastOptions: RouterOptions | undefined;
let lastResolved: ResolvedRouterOptions = DEFAULT_OPTIONS;

/**
 * Router options resolved, remembering the last object so that a caller passing the same
 * (unchanged) options per request validates them once.
 * @internal shared with `@switchyard/node`.
 */
export function resolveOptionsOnce(options: RouterOptions | undefined): ResolvedRouterOptions {
  if (options === undefined) return DEFAULT_OPTIONS;
  if (options !== lastOptions) {
    lastResolved = resolveRouterOptions(options);
    lastOptions = options;
  }
  return lastResolved;
}

/**
 * The canonical form of a request path (docs/router-spec.md §4.1), as a `Router` with these
 * options canonicalizes it before matching: percent-escapes normalized, dot segments, slashes and
 * backslashes handled per the options, or why the path is rejected. `target` may carry a
 * `?query`, which is not part of the result. A gateway calls it per request (for rate-limit keys,
 * for the upstream request); `resolve` gives the same `path` with its answer.
 *
 * @param options the same options as `new Router(options)`; only the path options matter here.
 *   They are validated once per object: pass the same object, and do not change it afterwards.
 * @throws InvalidArgumentError when `target` is not a string or an option is invalid.
 *
 * @example
 * ```ts
 * canonicalizePath('/a/./b/../c%7e?x=1', { dotSegments: 'resolve' }); // → { ok: true, path: '/a/c~' }
 * canonicalizePath('/a/../b'); // → { ok: false, code: 'dot-segment', reason: '...' }
 * ```
 */
export function canonicalizePath(target: string, options?: RouterOptions): CanonicalPath {
  if (typeof target !== 'string') throw new InvalidArgumentError('target', 'expected a string');
  const policy = resolveOptionsOnce(options);
  let path = wellFormed(target);
  const q = path.indexOf('?');
  if (q >= 0) path = path.slice(0, q);
  const split = splitPath(path, policy);
  if (!('values' in split)) return { ok: false, code: split.code, reason: rejectionReason(split.code, split.segment) };
  return { ok: true, path: canonicalPathOf(path, split, policy) };
}

/**
 * A route matcher for API gateways: the pure-TypeScript reference. `@switchyard/node` exports a
 * `Router` with the same API and semantics backed by the Rust core. The full contract is
 * docs/router-spec.md; in short:
 *
 * **Paths**: static `/api/v1/users`; named param `/users/:id` (one segment, non-empty); param
 * with a pattern `/users/:id(\d+)` (a safe regex subset: no lookaround, no backreferences, no
 * anchors; matched in linear time); params inside a segment `/api/v:version/*`,
 * `/files/:name.:ext` (greedy: `archive.tar.gz` gives `name = archive.tar`); wildcard tail
 * `/static/*` (captured as `*`, may be empty). `::` is a literal colon.
 *
 * **Dimensions**: `method` (one, several, or any), `host` (exact, `*.example.com`, or any),
 * `headers` and `query` constraints (equals a string, `true` present, `false` absent, or
 * `{ pattern }`), and an integer `priority`.
 *
 * **Order**, when several routes match: exact host before wildcard host (longer suffix first)
 * before any host; then per path segment from the left: static before mixed (`v:version`) before
 * patterned param before plain param before wildcard; then routes with methods before any-method
 * routes; then more constraints before fewer; then higher priority; then earlier insertion. Two
 * routes no request can tell apart are a `RouteConflictError` at `add`.
 *
 * **Requests**: the path may carry a query string; it is canonicalized before matching (params
 * are percent-decoded as UTF-8). A malformed escape, invalid UTF-8, NUL, and by default a dot
 * segment (`..`, `%2e`, `..;x`) or a backslash, make the request match nothing; see
 * {@link RouterOptions} for the choices. `match` never throws; `resolve` says why nothing
 * matched (rejected, no route, or method not allowed with `allow`) and gives the canonical path.
 *
 * @example
 * ```ts
 * const router = new Router<string>();
 * router.add({ method: 'GET', path: '/users/:id(\\d+)' }, 'user');
 * router.add({ path: '/static/*' }, 'assets');
 * router.add({ host: '*.example.com', path: '/files/:name.:ext' }, 'files');
 * router.match({ method: 'GET', path: '/users/42?x=1' });
 * // → { value: 'user', route: 0, params: { id: '42' } }
 * router.match({ path: '/static/css/app.css' })?.params['*']; // 'css/app.css'
 * router.match({ path: '/files/a.tar.gz', host: 'cdn.example.com:443' })?.params;
 * // → { name: 'a.tar', ext: 'gz' }
 * ```
 */
export class Router<T> implements Contract.Router<T> {
  readonly #options: ResolvedRouterOptions;
  readonly #routes: CompiledRoute[] = [];
  readonly #values: T[] = [];
  /** Every route by host rule and path: lookups and `check()` walk it instead of every route. */
  readonly #index = new RouteIndex();
  readonly #programs: ProgramCache = new Map();
  /** Each route's spec as added (what a match's `spec` and `pattern` give back). */
  readonly #specs: RouteSpec[] = [];

  /** @throws InvalidArgumentError for an option outside its domain. */
  constructor(options: RouterOptions = {}) {
    this.#options = resolveRouterOptions(options);
  }

  /** Number of routes added. */
  get size(): number {
    return this.#routes.length;
  }

  /**
   * Adds a route and returns its id (0, 1, 2, ... in insertion order).
   * @throws InvalidRouteError when the spec is invalid (nothing is added).
   * @throws RouteConflictError when an existing route cannot be told apart from it.
   */
  add(spec: RouteSpec, value: T): number {
    const id = this.#routes.length;
    const raw = readRouteSpec(spec, id);
    const route = compileRoute(id, raw, this.#options, this.#programs);
    // Routes that §7 could call the same share the index list `at` holds for them (host rule
    // and path shape); of those, the ones with the same constraints and priority are compared.
    const at = this.#index.locate(route);
    for (const other of this.#index.sameShape(at, route)) {
      const overlap =
        other.methods === null || route.methods === null
          ? other.methods === route.methods
          : [...route.methods].some((m) => other.methods?.has(m));
      if (overlap) throw new RouteConflictError(id, route.path, other.id, other.path);
    }
    this.#routes.push(route);
    this.#values.push(value);
    this.#index.insert(at, route);
    this.#specs.push(copyRouteSpec(raw));
    return id;
  }

  #context(req: RequestInfo): RequestContext {
    const normalized = normalizeRequest(req ?? { path: '' }, this.#options);
    return new RequestContext(
      normalized,
      this.#options.caseSensitive,
      this.#options.maxParamLength,
      this.#options.trailingSlash === 'ignore',
    );
  }

  /** The winning route for `req`, or `null`. Never throws. */
  match(req: RequestInfo): Match<T> | null {
    const ctx = this.#context(req);
    if (ctx.req.rejected !== null) return null;
    return this.#matchIn(ctx);
  }

  /**
   * What a gateway asks: the winning route, or why there is none (rejected by the
   * canonicalization rules: 400; no route: 404; routes for other methods only: 405 with `allow`),
   * with the canonical path. Never throws. See {@link Resolution} and docs/router-spec.md §8.
   *
   * @example
   * ```ts
   * router.resolve({ method: 'DELETE', path: '/users/42' });
   * // → { outcome: 'method-not-allowed', allow: ['GET', 'PUT'], path: '/users/42' }
   * ```
   */
  resolve(req: RequestInfo): Resolution<T> {
    const ctx = this.#context(req);
    const n = ctx.req;
    if (n.rejected !== null || n.split === null) {
      const code = n.rejected ?? 'not-origin-form';
      return { outcome: 'rejected', code, reason: rejectionReason(code, n.rejectedSegment) };
    }
    const path = canonicalPathOf(n.path, n.split, this.#options);
    const match = this.#matchIn(ctx);
    if (match !== null) return { outcome: 'matched', match, path };
    const allow = new Set<string>();
    this.#index.eachCandidate(ctx, (route) => {
      const methods = route.methods;
      if (methods === null || [...methods].every((m) => allow.has(m))) return;
      if (typeof evaluateRoute(route, ctx, true) !== 'string') for (const m of methods) allow.add(m);
    });
    if (allow.size === 0) return { outcome: 'no-route', path };
    return { outcome: 'method-not-allowed', allow: [...allow].sort(), path };
  }

  #matchIn(ctx: RequestContext): Match<T> | null {
    const found = this.#index.best(ctx);
    return found === null
      ? null
      : new RouteMatch(this.#values[found.route.id] as T, found.route.id, found.params, this.#specs);
  }

  /** Every route with whether and why it matched `req`; for debugging a routing table. */
  explain(req: RequestInfo): Explanation {
    const ctx = this.#context(req);
    const rejected = ctx.req.rejected;
    const verdicts = this.#routes.map((route) => (rejected === null ? evaluateRoute(route, ctx, false, true) : null));
    let winner: CompiledRoute | null = null;
    this.#routes.forEach((route, i) => {
      if (typeof verdicts[i] === 'object' && verdicts[i] !== null && (!winner || compareRank(route, winner) < 0)) {
        winner = route;
      }
    });
    const won = winner as CompiledRoute | null;
    const candidates: Candidate[] = this.#routes.map((route, i) => {
      const verdict = verdicts[i];
      if (verdict === null) {
        return {
          route: route.id,
          path: route.path,
          reason: 'request-rejected',
          detail: `request rejected: ${rejected}`,
        };
      }
      if (typeof verdict === 'string') {
        return { route: route.id, path: route.path, reason: verdict, detail: describeFailure(verdict, route) };
      }
      if (route === won) return { route: route.id, path: route.path, reason: 'matched', detail: 'matched; wins' };
      return {
        route: route.id,
        path: route.path,
        reason: 'outranked',
        detail: `matched, but route #${won?.id} ranks first`,
      };
    });
    return { winner: won?.id ?? null, rejected, candidates };
  }

  /** Static diagnostics of the table: unreachable, shadowed and conflicting routes. */
  check(): RouteDiagnostic[] {
    return checkRoutes(this.#routes, this.#index, this.#options);
  }
}

function describeFailure(reason: string, route: CompiledRoute): string {
  switch (reason) {
    case 'host':
      return route.host.kind === 'any' ? 'host' : `host does not match ${route.host.kind} ${route.host.value}`;
    case 'method':
      return `method is not one of ${[...(route.methods ?? [])].join(', ')}`;
    case 'path':
      return `path does not match ${route.path}`;
    case 'param-too-long':
      return 'a param is longer than maxParamLength';
    case 'header':
      return `a header constraint fails (${route.headers.map((h) => h.name).join(', ')})`;
    default:
      return `a query constraint fails (${route.query.map((q) => q.name).join(', ')})`;
  }
}
