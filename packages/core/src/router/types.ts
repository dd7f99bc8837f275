/**
 * Public types of the route matcher. The semantics are specified in the TSDoc of
 * {@link Router} and in full in docs/router-spec.md.
 * @module
 */

/**
 * A constraint on one header or query key:
 * - a string: the value must equal it exactly;
 * - `true`: present (any value); `false`: absent;
 * - `{ pattern }`: the value must fully match the pattern (the safe regex subset of the spec).
 */
export type Constraint = string | boolean | { readonly pattern: string };

/** What a route matches. Only `path` is required. */
export interface RouteSpec {
  /** Path pattern: `/users/:id`, `/users/:id(\d+)`, `/files/:name.:ext`, `/static/*`. */
  readonly path: string;
  /** One method or several; omitted or `'*'` matches any method. Upper-cased. */
  readonly method?: string | readonly string[];
  /** Exact host (`api.example.com`), wildcard (`*.example.com`), or omitted / `'*'` for any. */
  readonly host?: string;
  /** Header constraints by header name (any case). */
  readonly headers?: Readonly<Record<string, Constraint>>;
  /** Query-string constraints by key. */
  readonly query?: Readonly<Record<string, Constraint>>;
  /** Integer; higher wins when everything else ties. Default 0. */
  readonly priority?: number;
}

/** The parts of a request the router looks at. */
export interface RequestInfo {
  /** Request-target path, may carry a `?query`. Must start with `/` to match anything. */
  readonly path: string;
  /** Request method; omitted matches only routes without a method. */
  readonly method?: string | undefined;
  /** Host (or `:authority`), port allowed; omitted matches only routes without a host. */
  readonly host?: string | undefined;
  /** Request headers, names in lower case as Node gives them. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
}

/** Route params by name; a wildcard tail is under `'*'`. Null-prototype object. */
export type Params = Record<string, string>;

/** The winning route for a request. */
export interface Match<T> {
  /** The value given to `add`. */
  readonly value: T;
  /** The route id returned by `add`. */
  readonly route: number;
  /** Decoded params. */
  readonly params: Params;
}

/**
 * Options of a {@link Router}, fixed at construction. An unknown key is an `InvalidArgumentError`
 * naming it. The path options (`encodedSlash` to `backslash`) say how a request path is
 * canonicalized (docs/router-spec.md §4.1); `canonicalizePath` takes the same options. A
 * gateway's `paths:` block maps onto them directly: `escaped_slashes` → `encodedSlash`,
 * `merge_slashes` → `mergeSlashes`, `dot_segments` → `dotSegments`.
 */
export interface RouterOptions {
  /** Compare literal path text case-sensitively. Default `true`. ASCII folding only when `false`. */
  readonly caseSensitive?: boolean;
  /** `'strict'` (default): `/a` and `/a/` differ. `'ignore'`: one trailing slash is ignored. */
  readonly trailingSlash?: 'strict' | 'ignore';
  /** Longest named param value, in UTF-8 bytes of the decoded value. Default 256; 1 to 65536. */
  readonly maxParamLength?: number;
  /**
   * `%2F` in a segment (and `%5C` when `backslash` is `'slash'`): `'decode'` (default) into the
   * segment's value (it never splits segments), `'keep'` as the three characters received, or
   * `'reject'` the request (`encoded-slash`).
   */
  readonly encodedSlash?: 'decode' | 'keep' | 'reject';
  /**
   * A malformed percent-escape or escapes that are not UTF-8: `'reject'` (default) the request
   * (`malformed-escape`, `invalid-utf8`), or keep that segment `'literal'` (as received).
   */
  readonly malformedEncoding?: 'reject' | 'literal';
  /**
   * Dot segments: `.` or `..`, raw or percent-encoded in any case (`%2e`, `.%2E`), alone or
   * before a `;` (`..;x`). `'reject'` (default) the request (`dot-segment`); `'resolve'` them as
   * RFC 3986 does (`/a/b/../c` is `/a/c`; never above the root); `'keep'` them as ordinary
   * segments. A double-encoded `%252e` is never a dot.
   */
  readonly dotSegments?: 'reject' | 'resolve' | 'keep';
  /** Merge runs of `/` into one (`/a//b` is `/a/b`). Default `false`: empty segments are kept. */
  readonly mergeSlashes?: boolean;
  /**
   * A backslash, raw `\` or `%5C`: `'reject'` (default) the request (`backslash`); `'slash'`:
   * a raw `\` separates segments like `/` and `%5C` is an encoded slash (see `encodedSlash`);
   * `'keep'`: an ordinary character.
   */
  readonly backslash?: 'reject' | 'slash' | 'keep';
  /**
   * Seed (an integer from 0 to 2^32 - 1) of the native router's hash tables over request text
   * (static segments, static paths, hosts, methods). Default: a random seed drawn once per
   * process, so that no one can prepare requests that collide in them; pass one to make a fleet's
   * tables, and their costs, identical. Matching does not depend on it. The reference's own
   * tables are JavaScript `Map`s, which V8 hashes with its own per-process random seed.
   */
  readonly seed?: number;
}

/**
 * Why a request is rejected by the canonicalization rules (docs/router-spec.md §4.1), before
 * any route is tried. A gateway answers 400.
 */
export type RequestRejection =
  | 'not-origin-form'
  | 'malformed-escape'
  | 'invalid-utf8'
  | 'nul'
  | 'encoded-slash'
  | 'backslash'
  | 'dot-segment';

/**
 * What `resolve` answers: the winning route, or why there is none. `path` is the canonical path
 * (docs/router-spec.md §4.1), what the matcher compared and what a gateway forwards.
 */
export type Resolution<T> =
  | { readonly outcome: 'matched'; readonly match: Match<T>; readonly path: string }
  /** No route matches, whatever the method (404). */
  | { readonly outcome: 'no-route'; readonly path: string }
  /**
   * Routes match this request but for their method (405); `allow` is every method with which
   * it would match (its host, headers and query unchanged), sorted.
   */
  | { readonly outcome: 'method-not-allowed'; readonly allow: readonly string[]; readonly path: string }
  /** The canonicalization rules reject the request (400); `reason` says what and where. */
  | { readonly outcome: 'rejected'; readonly code: RequestRejection; readonly reason: string };

/** What `canonicalizePath` answers: the canonical path, or why the path is rejected. */
export type CanonicalPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly code: RequestRejection; readonly reason: string };

/** Why a route did or did not match, in {@link Explanation}. */
export type ExplainReason =
  | 'matched'
  | 'outranked'
  | 'host'
  | 'method'
  | 'path'
  | 'param-too-long'
  | 'header'
  | 'query'
  | 'request-rejected';

/** One route's verdict in {@link Explanation}. */
export interface Candidate {
  readonly route: number;
  readonly path: string;
  readonly reason: ExplainReason;
  /** Human-readable detail; not part of the stable contract. */
  readonly detail: string;
}

/** What `explain` returns: every route and why it did or did not match. */
export interface Explanation {
  /** The winning route id, or `null`. */
  readonly winner: number | null;
  /** Set when the request was rejected as a whole (then no route matches). */
  readonly rejected: RequestRejection | null;
  /** Every route, in id order. */
  readonly candidates: readonly Candidate[];
}

/** A finding of `check()`; see docs/router-spec.md §8. */
export interface RouteDiagnostic {
  readonly kind: 'unreachable' | 'shadowed' | 'conflict';
  /** The route the finding is about. */
  readonly route: number;
  /** The route that takes its requests (unreachable) or ties with it. */
  readonly by: number;
  readonly message: string;
}
