/**
 * Request normalization (docs/router-spec.md §4): the path into canonical segments, the host,
 * the method, the query (lazily) and header values.
 * @module
 */
import { type PathPolicy, type PathSegments, splitPath } from './canonical.js';
import { decodePercent } from './decode.js';
import type { RequestInfo, RequestRejection } from './types.js';

/** Normalized options the request side needs. */
export interface RequestOptions extends PathPolicy {
  readonly trailingSlash: 'strict' | 'ignore';
}

/** A request, normalized once per `match`. */
export interface NormalizedRequest {
  readonly method: string | null;
  readonly host: string | null;
  /** Segment values the matcher compares, or null when the request is rejected. */
  readonly segments: readonly string[] | null;
  readonly rejected: RequestRejection | null;
  /** The 1-based raw segment of the rejection (0: the path as a whole). */
  readonly rejectedSegment: number;
  /** The path part of the target (lone surrogates replaced), and its canonical segments. */
  readonly path: string;
  readonly split: PathSegments | null;
  /** Raw query string (after `?`), or null when there is none. */
  readonly rawQuery: string | null;
  readonly headers: RequestInfo['headers'];
}

/** ASCII-only upper case: `toUpperCase` would turn `ß` into `SS`. */
export function asciiUpper(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

/** ASCII-only lower case. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** Replaces lone surrogates with U+FFFD, as the conversion to UTF-8 at the native boundary does. */
export function wellFormed(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}

/** Host as the spec normalises it: lower-case, port and one trailing dot removed. */
export function normalizeHost(host: string): string {
  let h = asciiLower(wellFormed(host));
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close > 0) h = h.slice(0, close + 1);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0 && colon < h.length - 1 && /^[0-9]+$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Normalises the parts of a request every route looks at. Never throws. */
export function normalizeRequest(req: RequestInfo, options: RequestOptions): NormalizedRequest {
  const method = typeof req.method === 'string' ? asciiUpper(req.method) : null;
  const host = typeof req.host === 'string' ? normalizeHost(req.host) : null;
  const headers = typeof req.headers === 'object' && req.headers !== null ? req.headers : undefined;
  let path = typeof req.path === 'string' ? wellFormed(req.path) : '';
  let rawQuery: string | null = null;
  const q = path.indexOf('?');
  if (q >= 0) {
    rawQuery = path.slice(q + 1);
    path = path.slice(0, q);
  }
  const split = splitPath(path, options);
  // Plain literals: object spread is a slow path in V8 and this runs once per request.
  if (!('values' in split)) {
    return {
      method,
      host,
      rawQuery,
      headers,
      path,
      split: null,
      segments: null,
      rejected: split.code,
      rejectedSegment: split.segment,
    };
  }
  let segments = split.values;
  // `trailingSlash: 'ignore'`: one trailing empty segment is not compared (the canonical path keeps it).
  if (options.trailingSlash === 'ignore' && segments.length > 1 && segments[segments.length - 1] === '') {
    segments = segments.slice(0, -1);
  }
  return { method, host, rawQuery, headers, path, split, segments, rejected: null, rejectedSegment: 0 };
}

/**
 * Parses a query string into decoded key → values. `+` is a space; a part with a malformed
 * escape is kept undecoded.
 */
export function parseQuery(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (raw === '') return out;
  for (const part of wellFormed(raw).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const key = decodePercent(rawKey, true);
    const value = decodePercent(rawValue, true);
    const [k, v] = key === null || value === null ? [rawKey, rawValue] : [key.value, value.value];
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/**
 * A header's value as the spec reads it: own property only, an array joined with `", "`;
 * anything else (or an array holding a non-string) is absent. Shared by both implementations'
 * wrappers. Lone surrogates become U+FFFD.
 * @internal
 */
export function readHeader(headers: RequestInfo['headers'], name: string): string | undefined {
  if (!headers || !Object.hasOwn(headers, name)) return undefined;
  const v = (headers as Record<string, unknown>)[name];
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return wellFormed(v.join(', '));
  return undefined;
}
