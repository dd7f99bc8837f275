import {
  type CanonicalPath,
  Router as CoreRouter,
  decodeRequestSegment,
  type Explanation,
  InternalError,
  InvalidArgumentError,
  type Match,
  NativeUnavailableError,
  type Params,
  type PathPolicy,
  type RawConstraint,
  type RequestInfo,
  type RequestRejection,
  type Resolution,
  type ResolvedRouterOptions,
  type RouteDiagnostic,
  type RouterOptions,
  type RouteSpec,
  readHeader,
  readRouteSpec,
  rejectionReason,
  resolveOptionsOnce,
  resolveRouterOptions,
} from '@switchyard/core';
import type { NativeRouterHandle } from '../binding.js';
import { nativeBinding } from '../implementation.js';
import { fromNativeError } from '../native-errors.js';

/** Int32 slots shared with the native router: a count and (start, end, flags) per param. */
const OUTPUT_SLOTS = 1 + 3 * 4097;
/**
 * Slots `resolve` writes after those (crates/switchyard-napi/src/router.rs, `RESOLVE_SLOTS`):
 * the outcome, the rejection index and segment, the canonical path's length in the shared bytes
 * (-1: the request's path part) and where the path part ends (UTF-16 index).
 */
const RESOLVE_OUTCOME = OUTPUT_SLOTS;
const RESOLVE_REJECTION = OUTPUT_SLOTS + 1;
const RESOLVE_SEGMENT = OUTPUT_SLOTS + 2;
const RESOLVE_CANONICAL = OUTPUT_SLOTS + 3;
const RESOLVE_PATH_END = OUTPUT_SLOTS + 4;
const RESOLVE_SLOTS = 5;
const OUTCOME_METHOD_NOT_ALLOWED = 2;
const OUTCOME_REJECTED = 3;
/** Rejection codes by the index the native core gives them, minus one (`Rejection` in canonical.rs). */
const REJECTIONS: readonly RequestRejection[] = [
  'not-origin-form',
  'malformed-escape',
  'invalid-utf8',
  'nul',
  'encoded-slash',
  'backslash',
  'dot-segment',
];
/** Bytes for canonical paths that differ from the request's; grown (and re-shared) when one does not fit. */
const INITIAL_CANONICAL_BYTES = 4096;
const PARAM_DECODE = 1;
const PARAM_REPLACEMENT_CHAR = 2;
/** The value is not a range of the path: the native core joined it (`joinedParam`). */
const PARAM_JOINED = 4;
const CONSTRAINT_KIND: Record<RawConstraint['kind'], number> = { equals: 0, present: 1, absent: 2, pattern: 3 };
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

/** A byte array of at least `length` bytes, a power of two: grown rarely, kept. */
function bytesFor(length: number): Buffer {
  let size = INITIAL_CANONICAL_BYTES;
  while (size < length) size *= 2;
  return Buffer.alloc(size);
}

/** A request rejected before reaching the native core (its path is not a string). */
function rejected(code: RequestRejection, segment: number): Resolution<never> {
  return { outcome: 'rejected', code, reason: rejectionReason(code, segment) };
}

/**
 * The path options packed into one number for the native `canonicalizePath` (the bits
 * `PathPolicy::bits` in crates/switchyard/src/router/canonical.rs reads).
 */
function policyBits(p: PathPolicy): number {
  const slash = p.encodedSlash === 'decode' ? 0 : p.encodedSlash === 'keep' ? 1 : 2;
  const dots = p.dotSegments === 'reject' ? 0 : p.dotSegments === 'resolve' ? 1 : 2;
  const backslash = p.backslash === 'reject' ? 0 : p.backslash === 'slash' ? 1 : 2;
  return (
    slash |
    ((p.malformedEncoding === 'literal' ? 1 : 0) << 2) |
    (dots << 3) |
    ((p.mergeSlashes ? 1 : 0) << 5) |
    (backslash << 6)
  );
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
 * `resolve` is one crossing too: the native core answers with the route id or -1 and writes the
 * outcome, the rejection, the `Allow` method ids and the canonical path into the shared arrays
 * (the canonical path as "the request's own path part" in the common case, else as ASCII bytes
 * in a shared `Uint8Array`); the `Resolution` is built here.
 *
 * `explain` and `check` are debugging tools: they delegate to a reference `Router` of
 * `@switchyard/core` that receives the same routes (added lazily, on the first call after an
 * `add`).
 */
export class NativeRouter<T> {
  readonly #options: RouterOptions;
  readonly #resolved: ResolvedRouterOptions;
  readonly #native: NativeRouterHandle;
  readonly #match: (methodId: number, path: string, host: string | undefined) => number;
  #resolve: (methodId: number, path: string, host: string | undefined) => number;
  readonly #out = new Int32Array(OUTPUT_SLOTS + RESOLVE_SLOTS);
  /** Where the native core writes a canonical path that differs from the request's (ASCII). */
  #bytes: Buffer = bytesFor(0);
  #methodNames: string[] = [];
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
  /** The entries of `#fast` whose path is its own canonical form, for `resolve`. */
  #fastResolve: Map<string, Array<string | number>> | null = new Map();

  /**
   * @throws InvalidArgumentError for an option outside its domain.
   * @throws NativeUnavailableError when the native addon is not loaded (use `Router` instead).
   */
  constructor(options: RouterOptions = {}) {
    const binding = nativeBinding;
    if (binding === null) throw new NativeUnavailableError('the native router needs the native addon');
    const resolved = resolveRouterOptions(options);
    this.#options = options;
    this.#resolved = resolved;
    try {
      this.#native = new binding.NativeRouter(
        resolved.caseSensitive,
        resolved.trailingSlash,
        resolved.maxParamLength,
        resolved.encodedSlash,
        resolved.malformedEncoding,
        resolved.dotSegments,
        resolved.mergeSlashes,
        resolved.backslash,
        this.#out,
      );
      this.#match = this.#native.matcher();
      this.#resolve = this.#native.resolver(this.#bytes);
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
    if (raw.methods !== null) {
      this.#methodIds.clear();
      this.#methodNames = this.#native.methodNames();
    }
    if (raw.host !== null) this.#hostMatters = this.#native.hasHostRoutes();
    this.#updateFastPath(id);
    return id;
  }

  #updateFastPath(id: number): void {
    if (this.#hostMatters) {
      this.#fast = null;
      this.#fastResolve = null;
      return;
    }
    const fast = this.#fast;
    const fastResolve = this.#fastResolve;
    if (fast === null || fastResolve === null) return;
    const answers = this.#native.staticAnswers(id);
    const key = answers[0];
    // A key holding `%` would be a different path once the request is decoded, and one holding
    // `\` a different path unless backslashes are ordinary characters.
    if (key === undefined || key.includes('%') || (key.includes('\\') && this.#resolved.backslash !== 'keep')) return;
    const byMethod: Array<string | number> = [];
    for (let i = 1; i + 1 < answers.length; i += 2) byMethod.push(answers[i] as string, Number(answers[i + 1]));
    if (byMethod.length > 0) {
      fast.set(key, byMethod);
      // Only a path that is its own canonical form answers `resolve` without the native core.
      if (!/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/.test(key)) fastResolve.set(key, byMethod);
    } else {
      fast.delete(key);
      fastResolve.delete(key);
    }
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
    const methodId = method === '' ? -1 : this.#methodId(method);
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
    if (id < 0) return null;
    return { value: this.#values[id] as T, route: id, params: this.#params(id, path) };
  }

  #params(id: number, path: string): Params {
    const params: Params = Object.create(null);
    const out = this.#out;
    const names = this.#names[id] as string[];
    const count = out[0] as number;
    for (let i = 0; i < count; i++) {
      const at = 1 + 3 * i;
      const name = names[i] as string;
      const flags = out[at + 2] as number;
      if ((flags & PARAM_JOINED) !== 0) {
        params[name] = this.#native.joinedParam();
        continue;
      }
      let value = path.slice(out[at], out[at + 1]);
      if (flags !== 0) value = this.#decode(value, flags, name === '*');
      params[name] = value;
    }
    return params;
  }

  /** Spec §4 for one param: lone surrogates to U+FFFD, then per-segment decoding. */
  #decode(raw: string, flags: number, wildcard: boolean): string {
    let value = (flags & PARAM_REPLACEMENT_CHAR) !== 0 ? raw.toWellFormed() : raw;
    if ((flags & PARAM_DECODE) !== 0) {
      // A segment that does not decode was kept as received (malformedEncoding: 'literal').
      const segment = (s: string) => {
        const decoded = decodeRequestSegment(s, this.#resolved);
        return typeof decoded === 'string' ? s : decoded.value;
      };
      value = wildcard ? value.split('/').map(segment).join('/') : segment(value);
    }
    return value;
  }

  /**
   * What a gateway asks: the winning route, or why there is none, with the canonical path. One
   * native crossing (none for the exact path of a static route). Never throws for any request.
   */
  resolve(req: RequestInfo): Resolution<T> {
    const path = req?.path;
    if (typeof path !== 'string') return rejected('not-origin-form', 0);
    const method = typeof req.method === 'string' ? req.method : '';
    const fast = this.#fastResolve;
    if (fast !== null) {
      const answers = fast.get(path);
      if (answers !== undefined) {
        for (let i = 0; i < answers.length; i += 2) {
          if (answers[i] === method) {
            const id = answers[i + 1] as number;
            const match = { value: this.#values[id] as T, route: id, params: Object.create(null) };
            return { outcome: 'matched', match, path };
          }
        }
      }
    }
    const methodId = method === '' ? -1 : this.#methodId(method);
    const host = this.#hostMatters && typeof req.host === 'string' ? req.host : undefined;
    let id: number;
    try {
      if (this.#headerSlots.length === 0) id = this.#resolve(methodId, path, host);
      else {
        const headers = this.#headerSlots.map((name) => readHeader(req.headers, name));
        id = this.#native.resolveWithHeaders(methodId, path, host, headers);
      }
    } catch (error) {
      throw fromNativeError(error);
    }
    const out = this.#out;
    const outcome = out[RESOLVE_OUTCOME] as number;
    if (outcome === OUTCOME_REJECTED) {
      return rejected(
        REJECTIONS[(out[RESOLVE_REJECTION] as number) - 1] as RequestRejection,
        out[RESOLVE_SEGMENT] as number,
      );
    }
    const length = out[RESOLVE_CANONICAL] as number;
    let canonical: string;
    if (length < 0) {
      const end = out[RESOLVE_PATH_END] as number;
      canonical = end === path.length ? path : path.slice(0, end);
    } else if (length <= this.#bytes.length) {
      canonical = this.#bytes.toString('latin1', 0, length);
    } else {
      // Did not fit: share a larger array and ask again (the answer does not change).
      this.#bytes = bytesFor(length);
      this.#resolve = this.#native.resolver(this.#bytes);
      return this.resolve(req);
    }
    if (id >= 0)
      return {
        outcome: 'matched',
        match: { value: this.#values[id] as T, route: id, params: this.#params(id, path) },
        path: canonical,
      };
    if (outcome === OUTCOME_METHOD_NOT_ALLOWED)
      return { outcome: 'method-not-allowed', allow: this.#allow(), path: canonical };
    return { outcome: 'no-route', path: canonical };
  }

  /** The `Allow` methods of the last resolve, from the ids in the params region. */
  #allow(): string[] {
    const out = this.#out;
    const count = out[0] as number;
    if (count > OUTPUT_SLOTS - 1) return this.#native.allowedMethods();
    const names = this.#methodNames;
    const allow = new Array<string>(count);
    for (let i = 0; i < count; i++) allow[i] = names[out[1 + i] as number] as string;
    return allow;
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

/** The native `canonicalizePath` function, its shared output and bytes; made on first use. */
let canonicalizer: ((policyBits: number, target: string) => number) | null = null;
const canonicalOut = new Int32Array(3);
let canonicalBytes = bytesFor(0);
let lastPolicy: PathPolicy | null = null;
let lastBits = 0;

/**
 * `canonicalizePath` of `@switchyard/core` (same contract, docs/router-spec.md §4.1), computed by
 * the Rust core in one crossing: the options go as one number, and the path comes back as "the
 * target's own path part" in the common case, else as ASCII bytes in a shared array.
 * @throws InvalidArgumentError when `target` is not a string or an option is invalid.
 */
export function canonicalizePath(target: string, options?: RouterOptions): CanonicalPath {
  if (typeof target !== 'string') throw new InvalidArgumentError('target', 'expected a string');
  const policy = resolveOptionsOnce(options);
  if (policy !== lastPolicy) {
    lastBits = policyBits(policy);
    lastPolicy = policy;
  }
  const binding = nativeBinding;
  if (binding === null) throw new NativeUnavailableError('the native canonicalizePath needs the native addon');
  let code: number;
  try {
    canonicalizer ??= binding.pathCanonicalizer(canonicalOut, canonicalBytes);
    code = canonicalizer(lastBits, target);
  } catch (error) {
    throw fromNativeError(error);
  }
  if (code !== 0) {
    const rejection = REJECTIONS[code - 1] as RequestRejection;
    return { ok: false, code: rejection, reason: rejectionReason(rejection, canonicalOut[2] as number) };
  }
  const length = canonicalOut[0] as number;
  if (length < 0) {
    const end = canonicalOut[1] as number;
    return { ok: true, path: end === target.length ? target : target.slice(0, end) };
  }
  if (length > canonicalBytes.length) {
    // Did not fit: share a larger array and ask again.
    canonicalBytes = bytesFor(length);
    canonicalizer = binding.pathCanonicalizer(canonicalOut, canonicalBytes);
    return canonicalizePath(target, options);
  }
  return { ok: true, path: canonicalBytes.toString('latin1', 0, length) };
}
