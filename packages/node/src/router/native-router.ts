import {
  type CanonicalPath,
  type Contracts,
  Router as CoreRouter,
  type Explanation,
  InternalError,
  InvalidArgumentError,
  InvalidRouteError,
  type Match,
  type Params,
  type RequestInfo,
  type RequestRejection,
  type Resolution,
  type RouteDiagnostic,
  type RouterOptions,
  type RouteSpec,
} from '@switchyard/core';
import {
  RouteMatch as CoreRouteMatch,
  compileRoute,
  copyRouteSpec,
  decodeRequestSegment as coreDecodeRequestSegment,
  readHeader as coreReadHeader,
  type PathPolicy,
  type RawConstraint,
  type RawRoute,
  type ResolvedRouterOptions,
  readRouteSpec,
  rejectionReason,
  resolveOptionsOnce,
  resolveRouterOptions,
} from '@switchyard/core/internal';
import type { HeaderCall, NativeBinding, NativeRouterHandle } from '../binding.js';
import { LAYOUT } from '../layout.js';
import { fromNativeError } from '../native-errors.js';

// Read once, here: the CommonJS build turns every use of an imported name into a read of the
// exporting module's `exports`, where TypeScript's re-exports are getters that an optimized `match`
// cannot inline (a generic property load per use, about 140 instructions a match by callgrind).
const RouteMatch = CoreRouteMatch;
const readHeader = coreReadHeader;
const decodeRequestSegment = coreDecodeRequestSegment;

const CONSTRAINT_KIND: Record<RawConstraint['kind'], number> = {
  equals: LAYOUT.constraintEquals,
  present: LAYOUT.constraintPresent,
  absent: LAYOUT.constraintAbsent,
  pattern: LAYOUT.constraintPattern,
};
/** Method ids cached per method string; bounded so that odd methods cannot grow it forever. */
const METHOD_CACHE_LIMIT = 64;

/** The index the native core gives each rejection code. */
const REJECTION_INDEX: Record<RequestRejection, number> = {
  'not-origin-form': LAYOUT.rejectionNotOriginForm,
  'malformed-escape': LAYOUT.rejectionMalformedEscape,
  'invalid-utf8': LAYOUT.rejectionInvalidUtf8,
  nul: LAYOUT.rejectionNul,
  'encoded-slash': LAYOUT.rejectionEncodedSlash,
  backslash: LAYOUT.rejectionBackslash,
  'dot-segment': LAYOUT.rejectionDotSegment,
};
/** Rejection codes by native index. */
const REJECTIONS: ReadonlyArray<RequestRejection | undefined> = (() => {
  const byIndex = new Array<RequestRejection | undefined>(LAYOUT.rejectionCount + 1);
  for (const [code, index] of Object.entries(REJECTION_INDEX)) byIndex[index] = code as RequestRejection;
  return byIndex;
})();

/** The rejection the native core gave by `index`, with its reason. */
function rejection(index: number, segment: number): { code: RequestRejection; reason: string } {
  const code = REJECTIONS[index];
  if (code === undefined) throw new InternalError(`the native core gave the unknown rejection index ${index}`);
  return { code, reason: rejectionReason(code, segment) };
}

const ENCODED_SLASH: Record<PathPolicy['encodedSlash'], number> = {
  decode: LAYOUT.encodedSlashDecode,
  keep: LAYOUT.encodedSlashKeep,
  reject: LAYOUT.encodedSlashReject,
};
const DOT_SEGMENTS: Record<PathPolicy['dotSegments'], number> = {
  reject: LAYOUT.dotSegmentsReject,
  resolve: LAYOUT.dotSegmentsResolve,
  keep: LAYOUT.dotSegmentsKeep,
};
const BACKSLASH: Record<PathPolicy['backslash'], number> = {
  reject: LAYOUT.backslashReject,
  slash: LAYOUT.backslashSlash,
  keep: LAYOUT.backslashKeep,
};

/** The path options packed into one number for the native `canonicalizePath` (`LAYOUT.policy*`). */
function packPolicy(p: PathPolicy): number {
  return (
    (ENCODED_SLASH[p.encodedSlash] << LAYOUT.policyEncodedSlashShift) |
    ((p.malformedEncoding === 'literal' ? 1 : 0) << LAYOUT.policyMalformedLiteralShift) |
    (DOT_SEGMENTS[p.dotSegments] << LAYOUT.policyDotSegmentsShift) |
    ((p.mergeSlashes ? 1 : 0) << LAYOUT.policyMergeSlashesShift) |
    (BACKSLASH[p.backslash] << LAYOUT.policyBackslashShift)
  );
}

/**
 * Largest shared byte array kept after a call: one grown for an oversized canonical path is
 * replaced by the initial one right after it was read, so that a 200 MiB path leaves nothing
 * behind (the addon trims its own buffers the same way, crates/switchyard-napi/src/toolkit/trim.rs).
 */
const KEEP_BYTES = 64 * 1024;

/** A byte array for canonical paths of at least `length` bytes, a power of two: grown rarely. */
function bytesFor(length: number): Buffer {
  let size: number = LAYOUT.canonicalBytesMin;
  while (size < length) size *= 2;
  return Buffer.alloc(size);
}

/**
 * The reference's own error for a route the native core refused, or `undefined` if the reference
 * would take it (the differential tests catch that). The two implementations refuse the same
 * routes with the same code; the words are the reference's, as its spec decides, so a user sees
 * one message whichever implementation runs. Only a failing `add` pays for it.
 */
function referenceRejection(
  index: number,
  raw: RawRoute,
  options: ResolvedRouterOptions,
): InvalidRouteError | undefined {
  try {
    compileRoute(index, raw, options);
  } catch (error) {
    if (error instanceof InvalidRouteError) return error;
  }
  return undefined;
}

/** Buckets of the static fast path's filter ({@link fastBucket}). */
const FAST_BUCKETS = 64 * 64;

/**
 * The filter bucket of a path: its length and its last code unit, six bits of each. Most
 * requests for a route with params fall in a bucket no static path has, so they skip hashing
 * their path for the fast path's `Map` (a fresh request string is hashed in full).
 */
function fastBucket(path: string): number {
  return ((path.length & 63) << 6) | (path.charCodeAt(path.length - 1) & 63);
}

/** A request rejected before reaching the native core (its path is not a string). */
function rejected(code: RequestRejection, segment: number): Resolution<never> {
  return { outcome: 'rejected', code, reason: rejectionReason(code, segment) };
}

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
 * `resolve` is one crossing too: the native core answers with the route id or -1 and writes the
 * outcome, the rejection, the `Allow` method ids and the canonical path into the shared arrays
 * (the canonical path as "the request's own path part" in the common case, else as ASCII bytes
 * in a shared `Uint8Array`, re-shared larger when one does not fit); the `Resolution` is built
 * here.
 *
 * `explain` and `check` are debugging tools: they delegate to a reference `Router` of
 * `@switchyard/core` that receives the same routes (added lazily, on the first call after an
 * `add`).
 *
 * Built for a binding by `nativeRouter` (./index.ts).
 */
export class NativeRouter<T> implements Contracts.Router<T> {
  /** The options as resolved at construction (a copy): the reference router gets these too. */
  readonly #options: RouterOptions;
  readonly #resolved: ResolvedRouterOptions;
  readonly #native: NativeRouterHandle;
  readonly #match: (methodId: number, path: string, host: string | undefined) => number;
  readonly #resolve: (methodId: number, path: string, host: string | undefined) => number;
  /** The bound calls with header values as arguments, made once some route has a header constraint. */
  #matchHeaders: HeaderCall | null = null;
  #resolveHeaders: HeaderCall | null = null;
  readonly #out = new Int32Array(LAYOUT.routerOutputSlots);
  /** Where the native core writes a canonical path that differs from the request's (ASCII). */
  #bytes: Buffer = bytesFor(0);
  #methodNames: string[] = [];
  readonly #values: T[] = [];
  readonly #paths: string[] = [];
  readonly #names: string[][] = [];
  /** Each spec as added (a frozen copy), by route id: what a match's `spec` gives back. */
  readonly #specs: RouteSpec[] = [];
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
  /** How many keys of `#fast` fall in each {@link fastBucket}: a path in an empty one is not there. */
  readonly #fastBuckets = new Uint32Array(FAST_BUCKETS);

  /** @throws InvalidArgumentError for an option outside its domain. */
  constructor(binding: NativeBinding, options: RouterOptions = {}) {
    const resolved = resolveRouterOptions(options);
    this.#options = { ...resolved };
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
        this.#bytes,
        resolved.seed,
      );
      this.#match = this.#native.matcher();
      this.#resolve = this.#native.resolver();
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
      const mapped = fromNativeError(error, { routeIndex: index, path: raw.path, pathOf: (i) => this.#paths[i] ?? '' });
      throw mapped instanceof InvalidRouteError ? (referenceRejection(index, raw, this.#resolved) ?? mapped) : mapped;
    }
    if (id !== index) throw new InternalError(`native router returned id ${id} for route #${index}`);
    this.#values.push(value);
    this.#paths.push(raw.path);
    // The copy `add` read, not the caller's object: `match`'s spec, `explain` and `check` (the
    // reference filled from these) see this same route.
    this.#specs.push(copyRouteSpec(raw));
    this.#names.push(this.#native.paramNames(id));
    // Only the names this route added: fetching them all on every add made adding N routes
    // with N names quadratic.
    if (raw.headers.length > 0) {
      this.#headerSlots.push(...this.#native.headerSlots(this.#headerSlots.length));
      if (this.#matchHeaders === null) {
        this.#matchHeaders = this.#native.matcherWithHeaders();
        this.#resolveHeaders = this.#native.resolverWithHeaders();
      }
    }
    if (raw.methods !== null) {
      this.#methodIds.clear();
      this.#methodNames.push(...this.#native.methodNames(this.#methodNames.length));
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
    // A key holding `%` would be a different path once the request is decoded, one holding `\`
    // a different path unless backslashes are ordinary characters, and one holding `?` (a route's
    // `%3F`) a path and a query: the request `/a?b` is the path `/a`, never the route `/a%3Fb`.
    if (
      key === undefined ||
      key.includes('%') ||
      key.includes('?') ||
      (key.includes('\\') && this.#resolved.backslash !== 'keep')
    )
      return;
    const byMethod: Array<string | number> = [];
    for (let i = 1; i + 1 < answers.length; i += 2) byMethod.push(answers[i] as string, Number(answers[i + 1]));
    if (byMethod.length > 0) {
      if (!fast.has(key)) (this.#fastBuckets[fastBucket(key)] as number)++;
      fast.set(key, byMethod);
      // Only a path that is its own canonical form answers `resolve` without the native core.
      if (!/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/.test(key)) fastResolve.set(key, byMethod);
    } else if (fast.delete(key)) {
      (this.#fastBuckets[fastBucket(key)] as number)--;
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
    if (fast !== null && this.#fastBuckets[fastBucket(path)] !== 0) {
      const answers = fast.get(path);
      if (answers !== undefined) {
        for (let i = 0; i < answers.length; i += 2) {
          if (answers[i] === method) {
            const id = answers[i + 1] as number;
            return new RouteMatch(this.#values[id] as T, id, Object.create(null), this.#specs);
          }
        }
      }
    }
    const id = this.#cross(req, method, path, false);
    if (id === LAYOUT.routerNoRoute) return null;
    return new RouteMatch(this.#values[id] as T, id, this.#params(id, path), this.#specs);
  }

  /**
   * The one native crossing `match` and `resolve` share: the host only when some route is
   * host-bound, and header values only when some route has header constraints (as arguments
   * of the bound call for up to `LAYOUT.routerHeaderArgs` header slots, else as an array), so
   * the common table pays for neither.
   */
  #cross(req: RequestInfo, method: string, path: string, resolve: boolean): number {
    const methodId = method === '' ? LAYOUT.routerNoMethod : this.#methodId(method);
    const host = this.#hostMatters && typeof req.host === 'string' ? req.host : undefined;
    if (this.#headerSlots.length === 0) {
      try {
        return resolve ? this.#resolve(methodId, path, host) : this.#match(methodId, path, host);
      } catch (error) {
        throw fromNativeError(error);
      }
    }
    const slots = this.#headerSlots;
    const call = resolve ? this.#resolveHeaders : this.#matchHeaders;
    // Header values are read before the crossing, outside the `try`: a getter of the caller's
    // that throws reaches the caller unchanged, as from the reference.
    if (call !== null && slots.length <= LAYOUT.routerHeaderArgs) {
      // One argument per slot, no array: the values go straight to the native buffers. As many
      // as there are slots, for the common tables with one or two constrained headers: the
      // binding reads that many, and each argument passed costs its read on both sides.
      const h = req.headers;
      const h0 = this.#header(h, 0);
      if (slots.length === 1) {
        try {
          return call(methodId, path, host, h0);
        } catch (error) {
          throw fromNativeError(error);
        }
      }
      const h1 = this.#header(h, 1);
      if (slots.length === 2) {
        try {
          return call(methodId, path, host, h0, h1);
        } catch (error) {
          throw fromNativeError(error);
        }
      }
      const h2 = this.#header(h, 2);
      const h3 = this.#header(h, 3);
      const h4 = this.#header(h, 4);
      const h5 = this.#header(h, 5);
      const h6 = this.#header(h, 6);
      const h7 = this.#header(h, 7);
      try {
        return call(methodId, path, host, h0, h1, h2, h3, h4, h5, h6, h7);
      } catch (error) {
        throw fromNativeError(error);
      }
    }
    const headers = slots.map((name) => readHeader(req.headers, name));
    try {
      return resolve
        ? this.#native.resolveWithHeaders(methodId, path, host, headers)
        : this.#native.matchWithHeaders(methodId, path, host, headers);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** The value of header slot `slot` (`undefined` past the last slot). */
  #header(headers: RequestInfo['headers'], slot: number): string | undefined {
    const name = this.#headerSlots[slot];
    return name === undefined ? undefined : readHeader(headers, name);
  }

  #params(id: number, path: string): Params {
    const params: Params = Object.create(null);
    const out = this.#out;
    const names = this.#names[id] as string[];
    const count = out[0] as number;
    for (let i = 0; i < count; i++) {
      const at = 1 + LAYOUT.routerParamFields * i;
      const name = names[i] as string;
      const flags = out[at + 2] as number;
      if ((flags & LAYOUT.paramJoined) !== 0) {
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
    let value = (flags & LAYOUT.paramReplacementChar) !== 0 ? raw.toWellFormed() : raw;
    if ((flags & LAYOUT.paramDecode) !== 0) {
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
    if (fast !== null && this.#fastBuckets[fastBucket(path)] !== 0) {
      const answers = fast.get(path);
      if (answers !== undefined) {
        for (let i = 0; i < answers.length; i += 2) {
          if (answers[i] === method) {
            const id = answers[i + 1] as number;
            const match = new RouteMatch(this.#values[id] as T, id, Object.create(null), this.#specs);
            return { outcome: 'matched', match, path };
          }
        }
      }
    }
    const id = this.#cross(req, method, path, true);
    const out = this.#out;
    const outcome = out[LAYOUT.routerResolveOutcome] as number;
    if (outcome === LAYOUT.routerOutcomeRejected) {
      const { code, reason } = rejection(
        out[LAYOUT.routerResolveRejection] as number,
        out[LAYOUT.routerResolveSegment] as number,
      );
      return { outcome: 'rejected', code, reason };
    }
    const length = out[LAYOUT.routerResolveCanonical] as number;
    let canonical: string;
    if (length === LAYOUT.canonicalSame) {
      const end = out[LAYOUT.routerResolvePathEnd] as number;
      canonical = end === path.length ? path : path.slice(0, end);
    } else if (length <= this.#bytes.length) {
      canonical = this.#bytes.toString('latin1', 0, length);
      if (this.#bytes.length > KEEP_BYTES) this.#shareBytes(bytesFor(0));
    } else {
      // Did not fit: share a larger array and ask again (the answer does not change).
      this.#shareBytes(bytesFor(length));
      return this.resolve(req);
    }
    if (id !== LAYOUT.routerNoRoute)
      return {
        outcome: 'matched',
        match: new RouteMatch(this.#values[id] as T, id, this.#params(id, path), this.#specs),
        path: canonical,
      };
    if (outcome === LAYOUT.routerOutcomeMethodNotAllowed)
      return { outcome: 'method-not-allowed', allow: this.#allow(), path: canonical };
    return { outcome: 'no-route', path: canonical };
  }

  #shareBytes(bytes: Buffer): void {
    this.#bytes = bytes;
    try {
      this.#native.shareCanonicalBytes(bytes);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** The `Allow` methods of the last resolve, from the ids in the params region. */
  #allow(): string[] {
    const out = this.#out;
    const count = out[0] as number;
    if (count > LAYOUT.routerParamSlots - 1) return this.#native.allowedMethods();
    const names = this.#methodNames;
    const allow = new Array<string>(count);
    for (let i = 0; i < count; i++) allow[i] = names[out[1 + i] as number] as string;
    return allow;
  }

  #syncedReference(): CoreRouter<T> {
    this.#reference ??= new CoreRouter<T>(this.#options);
    const reference = this.#reference;
    for (; this.#referenceCount < this.#specs.length; this.#referenceCount++) {
      const spec = this.#specs[this.#referenceCount] as RouteSpec;
      const value = this.#values[this.#referenceCount] as T;
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

/**
 * `canonicalizePath` of `@switchyard/core` (same contract, docs/router-spec.md §4.1) computed by
 * the Rust core of `binding` in one crossing: the options go as one number, and the path comes
 * back as "the target's own path part" in the common case, else as ASCII bytes in a shared array.
 * Its native function, shared output and bytes are made on first use and kept.
 * @internal chosen by ./index.ts.
 */
export function nativeCanonicalizePath(binding: NativeBinding): Contracts.CanonicalizePath {
  let canonicalizer: ((policy: number, target: string) => number) | null = null;
  const out = new Int32Array(LAYOUT.canonicalOutputSlots);
  let bytes = bytesFor(0);
  let lastPolicy: PathPolicy | null = null;
  let lastPacked = 0;

  return function canonicalizePath(target: string, options?: RouterOptions): CanonicalPath {
    if (typeof target !== 'string') throw new InvalidArgumentError('target', 'expected a string');
    const policy = resolveOptionsOnce(options);
    if (policy !== lastPolicy) {
      lastPacked = packPolicy(policy);
      lastPolicy = policy;
    }
    let code: number;
    try {
      canonicalizer ??= binding.pathCanonicalizer(out, bytes);
      code = canonicalizer(lastPacked, target);
    } catch (error) {
      throw fromNativeError(error);
    }
    if (code !== LAYOUT.rejectionNone) return { ok: false, ...rejection(code, out[LAYOUT.canonicalSegment] as number) };
    const length = out[LAYOUT.canonicalLength] as number;
    if (length === LAYOUT.canonicalSame) {
      const end = out[LAYOUT.canonicalPathEnd] as number;
      return { ok: true, path: end === target.length ? target : target.slice(0, end) };
    }
    if (length > bytes.length) {
      // Did not fit: a function over a larger array, and ask again (the old one is collected).
      bytes = bytesFor(length);
      canonicalizer = null;
      return canonicalizePath(target, options);
    }
    const path = bytes.toString('latin1', 0, length);
    if (bytes.length > KEEP_BYTES) {
      // Oversized: back to the initial size, with a new function over it on the next call.
      bytes = bytesFor(0);
      canonicalizer = null;
    }
    return { ok: true, path };
  };
}
