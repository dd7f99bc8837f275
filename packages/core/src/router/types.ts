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

/** Options of a {@link Router}, fixed at construction. */
export interface RouterOptions {
  /** Compare literal path text case-sensitively. Default `true`. ASCII folding only when `false`. */
  readonly caseSensitive?: boolean;
  /** `'strict'` (default): `/a` and `/a/` differ. `'ignore'`: one trailing slash is ignored. */
  readonly trailingSlash?: 'strict' | 'ignore';
  /** Longest named param value, in UTF-8 bytes of the decoded value. Default 256; 1 to 65536. */
  readonly maxParamLength?: number;
  /** `%2F` in a segment: `'decode'` (default) to `/` within the segment, `'keep'` as is, `'reject'` the request. */
  readonly encodedSlash?: 'decode' | 'keep' | 'reject';
  /** Malformed percent-escapes or invalid UTF-8: `'reject'` (default) the request, or keep the segment `'literal'`. */
  readonly malformedEncoding?: 'reject' | 'literal';
}

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

/** Why a request as a whole matches nothing, before any route is tried. */
export type RequestRejection = 'not-origin-form' | 'malformed-encoding' | 'encoded-slash' | 'nul';

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
