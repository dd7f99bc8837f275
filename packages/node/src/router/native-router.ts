import {
  type Contracts,
  Router as CoreRouter,
  type Explanation,
  InternalError,
  type Match,
  type Params,
  type RequestInfo,
  type RouteDiagnostic,
  type RouterOptions,
  type RouteSpec,
} from '@switchyard/core';
import {
  decodePercent,
  type RawConstraint,
  readHeader,
  readRouteSpec,
  resolveRouterOptions,
} from '@switchyard/core/internal';
import type { NativeBinding, NativeRouterHandle } from '../binding.js';
import { LAYOUT } from '../layout.js';
import { fromNativeError } from '../native-errors.js';

const CONSTRAINT_KIND: Record<RawConstraint['kind'], number> = {
  equals: LAYOUT.constraintEquals,
  present: LAYOUT.constraintPresent,
  absent: LAYOUT.constraintAbsent,
  pattern: LAYOUT.constraintPattern,
};
/** Method ids cached per method string; bounded so that odd methods cannot grow it forever. */
const METHOD_CACHE_LIMIT = 64;

function constraintColumns(list: ReadonlyArray<readonly [string, RawConstraint]>) {
  const names: string[] = [];
  const kinds: number[] = [];
  const values: string[] = [];
  for (const [name, c] of list) {
    names.push(name);
    kinds.push(CONSTRAINT_KIND[c.kind]);
    values.push(c.kind === 'equals' || c.kind === 'pattern' ? c.value : '');
  }
  return [names, kinds, values] as const;
}

/**
 * `Router` backed by the Rust core: same API, types and semantics as the `Router` of
 * `@switchyard/core` (docs/router-spec.md), which the differential test holds it to.
 *
 * `add` validates JS types with the shared `readRouteSpec`, then the native core validates and
 * compiles the route. `match` sends the method as a cached id and the path (and host, only when
 * some route has one; header values, only those constraints name) to the native core, which
 * answers with a route id and writes param spans into an `Int32Array` shared at construction;
 * the `Match` is built here, slicing the path and decoding only params that need it. A request
 * for the exact path of a fully static route is answered from a `Map` without crossing, when
 * the native core says that answer cannot depend on anything but the method (no host routes, no
 * constrained route ranking first).
 *
 * `explain` and `check` are debugging tools: they delegate to a reference `Router` of
 * `@switchyard/core` that receives the same routes (added lazily, on the first call after an
 * `add`).
 *
 * Built for a binding by `nativeRouter` (./index.ts).
 */
export class NativeRouter<T> implements Contracts.Router<T> {
  readonly #options: RouterOptions;
  readonly #keepSlash: boolean;
  readonly #native: NativeRouterHandle;
  readonly #match: (methodId: number, path: string, host: string | undefined) => number;
  readonly #out = new Int32Array(LAYOUT.routerOutputSlots);
  readonly #values: T[] = [];
  readonly #paths: string[] = [];
  readonly #names: string[][] = [];
  readonly #added: Array<readonly [RouteSpec, T]> = [];
  #reference: CoreRouter<T> | null = null;
  #referenceCount = 0;
  #methodIds = new Map<string, number>();
  #headerSlots: string[] = [];
  #hostMatters = false;
  /**
   * Exact request path -> `[method, route id, method, route id, ...]` (method '' = none), scanned
   * with `===` (a path has a few methods; cheaper than a second hash lookup); null once a host
   * route exists.
   */
  #fast: Map<string, Array<string | number>> | null = new Map();

  /** @throws InvalidArgumentError for an option outside its domain. */
  constructor(binding: NativeBinding, options: RouterOptions = {}) {
    const resolved = resolveRouterOptions(options);
    this.#options = options;
    this.#keepSlash = resolved.encodedSlash === 'keep';
    try {
      this.#native = new binding.NativeRouter(
        resolved.caseSensitive,
        resolved.trailingSlash,
        resolved.maxParamLength,
        resolved.encodedSlash,
        resolved.malformedEncoding,
        this.#out,
      );
      this.#match = this.#native.matcher();
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** Number of routes added. */
  get size(): number {
    return this.#values.length;
  }

  /**
   * Adds a route and returns its id (0, 1, 2, ... in insertion order).
   * @throws InvalidRouteError when the spec is invalid (nothing is added).
   * @throws RouteConflictError when an existing route cannot be told apart from it.
   */
  add(spec: RouteSpec, value: T): number {
    const index = this.#values.length;
    const raw = readRouteSpec(spec, index);
    const [headerNames, headerKinds, headerValues] = constraintColumns(raw.headers);
    const [queryKeys, queryKinds, queryValues] = constraintColumns(raw.query);
    let id: number;
    try {
      id = this.#native.add(
        raw.path,
        raw.methods,
        raw.host,
        headerNames,
        headerKinds,
        headerValues,
        queryKeys,
        queryKinds,
        queryValues,
        raw.priority,
      );
    } catch (error) {
      throw fromNativeError(error, { routeIndex: index, path: raw.path, pathOf: (i) => this.#paths[i] ?? '' });
    }
    if (id !== index) throw new InternalError(`native router returned id ${id} for route #${index}`);
    this.#values.push(value);
    this.#paths.push(raw.path);
    this.#added.push([{ ...spec }, value]);
    this.#names.push(this.#native.paramNames(id));
    if (raw.headers.length > 0) this.#headerSlots = this.#native.headerSlots();
    if (raw.methods !== null) this.#methodIds.clear();
    if (raw.host !== null) this.#hostMatters = this.#native.hasHostRoutes();
    this.#updateFastPath(id);
    return id;
  }

  #updateFastPath(id: number): void {
    if (this.#hostMatters) {
      this.#fast = null;
      return;
    }
    const fast = this.#fast;
    if (fast === null) return;
    const answers = this.#native.staticAnswers(id);
    const key = answers[0];
    // A key holding `%` would be a different path once the request is decoded.
    if (key === undefined || key.includes('%')) return;
    const byMethod: Array<string | number> = [];
    for (let i = 1; i + 1 < answers.length; i += 2) byMethod.push(answers[i] as string, Number(answers[i + 1]));
    if (byMethod.length > 0) fast.set(key, byMethod);
    else fast.delete(key);
  }

  #methodId(method: string): number {
    const cached = this.#methodIds.get(method);
    if (cached !== undefined) return cached;
    const id = this.#native.methodId(method);
    if (this.#methodIds.size < METHOD_CACHE_LIMIT) this.#methodIds.set(method, id);
    return id;
  }

  /** The winning route for `req`, or `null`. Never throws for any request. */
  match(req: RequestInfo): Match<T> | null {
    const path = req?.path;
    if (typeof path !== 'string') return null;
    const method = typeof req.method === 'string' ? req.method : '';
    const fast = this.#fast;
    if (fast !== null) {
      const answers = fast.get(path);
      if (answers !== undefined) {
        for (let i = 0; i < answers.length; i += 2) {
          if (answers[i] === method) {
            const id = answers[i + 1] as number;
            return { value: this.#values[id] as T, route: id, params: Object.create(null) };
          }
        }
      }
    }
    const methodId = method === '' ? LAYOUT.routerNoMethod : this.#methodId(method);
    const host = this.#hostMatters && typeof req.host === 'string' ? req.host : undefined;
    let id: number;
    try {
      if (this.#headerSlots.length === 0) id = this.#match(methodId, path, host);
      else {
        const headers = this.#headerSlots.map((name) => readHeader(req.headers, name));
        id = this.#native.matchWithHeaders(methodId, path, host, headers);
      }
    } catch (error) {
      throw fromNativeError(error);
    }
    if (id === LAYOUT.routerNoRoute) return null;
    return { value: this.#values[id] as T, route: id, params: this.#params(id, path) };
  }

  #params(id: number, path: string): Params {
    const params: Params = Object.create(null);
    const out = this.#out;
    const names = this.#names[id] as string[];
    const count = out[0] as number;
    for (let i = 0; i < count; i++) {
      const at = 1 + LAYOUT.routerParamFields * i;
      const name = names[i] as string;
      let value = path.slice(out[at], out[at + 1]);
      const flags = out[at + 2] as number;
      if (flags !== 0) value = this.#decode(value, flags, name === '*');
      params[name] = value;
    }
    return params;
  }

  /** Spec §4 for one param: lone surrogates to U+FFFD, then per-segment decoding. */
  #decode(raw: string, flags: number, wildcard: boolean): string {
    let value = (flags & LAYOUT.paramReplacementChar) !== 0 ? raw.toWellFormed() : raw;
    if ((flags & LAYOUT.paramDecode) !== 0) {
      // A segment that does not decode was kept as received (malformedEncoding: 'literal').
      const segment = (s: string) => decodePercent(s, false, this.#keepSlash)?.value ?? s;
      value = wildcard ? value.split('/').map(segment).join('/') : segment(value);
    }
    return value;
  }

  #syncedReference(): CoreRouter<T> {
    this.#reference ??= new CoreRouter<T>(this.#options);
    const reference = this.#reference;
    for (; this.#referenceCount < this.#added.length; this.#referenceCount++) {
      const [spec, value] = this.#added[this.#referenceCount] as readonly [RouteSpec, T];
      try {
        reference.add(spec, value);
      } catch (error) {
        throw new InternalError(
          `the reference router refused route #${this.#referenceCount}, which the native one took`,
          {
            cause: error,
          },
        );
      }
    }
    return reference;
  }

  /**
   * Every route with whether and why it matched `req`; for debugging a routing table.
   * Computed by the `@switchyard/core` reference kept in sync with this router.
   */
  explain(req: RequestInfo): Explanation {
    return this.#syncedReference().explain(req);
  }

  /**
   * Static diagnostics of the table: unreachable, shadowed and conflicting routes.
   * Computed by the `@switchyard/core` reference kept in sync with this router.
   */
  check(): RouteDiagnostic[] {
    return this.#syncedReference().check();
  }
}
