/**
 * Request normalization (docs/router-spec.md §4): the path into decoded segments, the host,
 * the method, the query (lazily) and header values.
 * @module
 */
import { decodePercent } from './decode.js';
import type { RequestInfo, RequestRejection } from './types.js';

/** Normalized options the request side needs. */
export interface RequestOptions {
  readonly trailingSlash: 'strict' | 'ignore';
  readonly encodedSlash: 'decode' | 'keep' | 'reject';
  readonly malformedEncoding: 'reject' | 'literal';
}

/** A request, normalized once per `match`. */
export interface NormalizedRequest {
  readonly method: string | null;
  readonly host: string | null;
  /** Decoded segments, or the reason the request matches nothing. */
  readonly segments: readonly string[] | null;
  readonly rejected: RequestRejection | null;
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

/** Host as the spec normalizes it: lower-case, port and one trailing dot removed. */
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

function decodeSegments(path: string, options: RequestOptions): string[] | RequestRejection {
  const raw = path.slice(1).split('/');
  const keep = options.encodedSlash === 'keep';
  for (let i = 0; i < raw.length; i++) {
    const segment = raw[i] as string;
    let value = segment;
    if (segment.includes('%')) {
      const decoded = decodePercent(segment, false, keep);
      if (decoded === null) {
        if (options.malformedEncoding === 'reject') return 'malformed-encoding';
      } else {
        if (decoded.slash && options.encodedSlash === 'reject') return 'encoded-slash';
        value = decoded.value;
      }
    }
    if (value.includes('\0')) return 'nul';
    raw[i] = value;
  }
  return raw;
}

/** Normalizes the parts of a request every route looks at. Never throws. */
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
  // Plain literals: object spread is a slow path in V8 and this runs once per request.
  if (!path.startsWith('/')) return { method, host, rawQuery, headers, segments: null, rejected: 'not-origin-form' };
  if (options.trailingSlash === 'ignore' && path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const segments = decodeSegments(path, options);
  if (typeof segments === 'string') return { method, host, rawQuery, headers, segments: null, rejected: segments };
  return { method, host, rawQuery, headers, segments, rejected: null };
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
