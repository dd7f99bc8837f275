import type * as Contract from '../contracts.js';
import { InvalidArgumentError, RouteConflictError } from '../errors.js';
import { checkRoutes } from './check.js';
import { type CompiledRoute, compileRoute } from './compile.js';
import { compareRank, evaluateRoute, RequestContext } from './evaluate.js';
import { readRouteSpec } from './read-spec.js';
import { asciiLower, normalizeRequest, type RequestOptions } from './request.js';
import type { Candidate, Explanation, Match, RequestInfo, RouteDiagnostic, RouterOptions, RouteSpec } from './types.js';

/** Options after defaults and validation. */
export interface ResolvedRouterOptions extends RequestOptions {
  readonly caseSensitive: boolean;
  readonly maxParamLength: number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidArgumentError(`options.${name}`, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

/**
 * Validates router options once and fills in the defaults.
 * @internal shared with `@switchyard/node`, so both reject the same options the same way.
 */
export function resolveRouterOptions(options: RouterOptions = {}): ResolvedRouterOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'expected an object');
  const caseSensitive = options.caseSensitive ?? true;
  if (typeof caseSensitive !== 'boolean') throw new InvalidArgumentError('options.caseSensitive', 'expected a boolean');
  const maxParamLength = options.maxParamLength ?? 256;
  if (!Number.isInteger(maxParamLength) || maxParamLength < 1 || maxParamLength > 65536) {
    throw new InvalidArgumentError('options.maxParamLength', 'expected an integer from 1 to 65536');
  }
  return {
    caseSensitive,
    maxParamLength,
    trailingSlash: oneOf('trailingSlash', options.trailingSlash, ['strict', 'ignore'], 'strict'),
    encodedSlash: oneOf('encodedSlash', options.encodedSlash, ['decode', 'keep', 'reject'], 'decode'),
    malformedEncoding: oneOf('malformedEncoding', options.malformedEncoding, ['reject', 'literal'], 'reject'),
  };
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
 * **Requests**: the path may carry a query string; params are percent-decoded as UTF-8. A
 * malformed escape, invalid UTF-8, NUL or (with `encodedSlash: 'reject'`) `%2F` makes the request
 * match nothing; see {@link RouterOptions} for the choices. `match` never throws.
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
  /** Routes without a wildcard whose first segment is static, by segment count and first segment. */
  readonly #buckets = new Map<string, CompiledRoute[]>();
  /** Every other route. */
  readonly #rest: CompiledRoute[] = [];
  readonly #shapes = new Map<string, CompiledRoute[]>();

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
    const route = compileRoute(id, readRouteSpec(spec, id), this.#options);
    const same = this.#shapes.get(route.shape) ?? [];
    for (const other of same) {
      const overlap =
        other.methods === null || route.methods === null
          ? other.methods === route.methods
          : [...route.methods].some((m) => other.methods?.has(m));
      if (overlap) throw new RouteConflictError(id, route.path, other.id, other.path);
    }
    same.push(route);
    this.#shapes.set(route.shape, same);
    this.#routes.push(route);
    this.#values.push(value);
    const first = route.segments[0];
    if (!route.wildcard && first?.segment.kind === 'static') {
      const key = `${route.segments.length}/${first.text}`;
      const bucket = this.#buckets.get(key);
      if (bucket) insertByRank(bucket, route);
      else this.#buckets.set(key, [route]);
    } else {
      insertByRank(this.#rest, route);
    }
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
    const segments = ctx.req.segments as readonly string[];
    const first = segments[0] as string;
    const bucket = this.#buckets.get(`${segments.length}/${this.#options.caseSensitive ? first : asciiLower(first)}`);
    // Both lists are sorted by rank, so the first route to match in their merged order wins.
    const a = bucket ?? [];
    const b = this.#rest;
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const x = a[i];
      const y = b[j];
      let route: CompiledRoute;
      if (x && (!y || compareRank(x, y) < 0)) {
        route = x;
        i++;
      } else {
        route = y as CompiledRoute;
        j++;
      }
      const result = evaluateRoute(route, ctx);
      if (typeof result !== 'string') return { value: this.#values[route.id] as T, route: route.id, params: result };
    }
    return null;
  }

  /** Every route with whether and why it matched `req`; for debugging a routing table. */
  explain(req: RequestInfo): Explanation {
    const ctx = this.#context(req);
    const rejected = ctx.req.rejected;
    const verdicts = this.#routes.map((route) => (rejected === null ? evaluateRoute(route, ctx) : null));
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
    return checkRoutes(this.#routes, this.#options);
  }
}

/** Inserts `route` into `list`, keeping it sorted by rank (best first). */
function insertByRank(list: CompiledRoute[], route: CompiledRoute): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareRank(list[mid] as CompiledRoute, route) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, route);
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
