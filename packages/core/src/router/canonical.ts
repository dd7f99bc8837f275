/**
 * Request path canonicalization (docs/router-spec.md §4.1): the path part of a request target
 * split into the segment values the matcher compares, under an explicit policy for escapes,
 * encoded slashes, backslashes, dot segments and empty segments; and the canonical path written
 * from them. The Rust core (`canonical.rs`) implements the same rules; the differential test holds
 * the two equal.
 * @module
 */
import { decodeUtf8 } from './decode.js';
import type { RequestRejection } from './types.js';

/** The path options of a router, after defaults: how a request path is canonicalized. */
export interface PathPolicy {
  readonly encodedSlash: 'decode' | 'keep' | 'reject';
  readonly malformedEncoding: 'reject' | 'literal';
  readonly dotSegments: 'reject' | 'resolve' | 'keep';
  readonly mergeSlashes: boolean;
  readonly backslash: 'reject' | 'slash' | 'keep';
}

/** The segments of a path that canonicalization accepted. */
export interface PathSegments {
  /** Segment values the matcher compares (before the trailing-slash rule). */
  readonly values: string[];
  /**
   * Raw text of each segment (`''` for the empty segment a final dot segment leaves) and whether
   * the canonical path writes it as received; `null` when the values are the path split on `/`
   * as received, nothing decoded.
   */
  readonly raws: string[] | null;
  readonly verbatim: boolean[] | null;
}

/** Why canonicalization rejected a path, and the 1-based raw segment (0: the path as a whole). */
export interface PathRejection {
  readonly code: RequestRejection;
  readonly segment: number;
}

/**
 * What each rejection code means, in words (the `reason` of a rejected `resolve` or
 * `canonicalizePath`). The codes are the contract; these texts are not.
 * @internal
 */
export const REJECTION_REASONS: Readonly<Record<RequestRejection, string>> = {
  'not-origin-form': 'the request target does not start with "/"',
  'malformed-escape': 'a "%" in the path is not followed by two hex digits',
  'invalid-utf8': 'percent-escapes in the path do not decode to valid UTF-8',
  nul: 'the path holds a NUL (raw or %00)',
  'encoded-slash':
    'the path holds an encoded slash (%2F, or %5C when backslashes are slashes) and encodedSlash is "reject"',
  backslash: 'the path holds a backslash ("\\" or %5C) and backslash is "reject"',
  'dot-segment':
    'the path holds a dot segment ("." or "..", raw or percent-encoded, or before ";") and dotSegments is "reject"',
};

/**
 * The `reason` text of a rejection: what, and in which segment.
 * @internal
 */
export function rejectionReason(code: RequestRejection, segment: number): string {
  const text = REJECTION_REASONS[code];
  return segment > 0 ? `${text} (segment ${segment})` : text;
}

/** RFC 3986 pchar without `%`: these ASCII bytes stand for themselves in a canonical path. */
const PCHAR = (() => {
  const table = new Array<boolean>(128).fill(false);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@") {
    table[c.charCodeAt(0)] = true;
  }
  return table;
})();
const HEX = '0123456789ABCDEF';
/** A path part that needs the per-segment pass (escapes, NUL, backslashes, dot segments). */
const NEEDS_PASS = /[%\\\0]|\/\.(?:[.;/]|$)/;
/** A byte a canonical path writes percent-encoded (besides `%` itself). */
const NEEDS_ENCODING = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** Appends the UTF-8 bytes of the code point `cp` to `out`. */
function pushUtf8(cp: number, out: number[]): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/** Whether the escape of `byte` stays as its three characters in a decoded segment. */
function keepsEscape(byte: number, policy: PathPolicy): boolean {
  return policy.encodedSlash === 'keep' && (byte === 0x2f || (byte === 0x5c && policy.backslash === 'slash'));
}

/** What decoding a request segment found. */
export interface DecodedSegment {
  readonly value: string;
  /** An escape of `/` / of `\` was present. */
  readonly slash: boolean;
  readonly backslash: boolean;
}

/**
 * Percent-decodes one request path segment (spec §4.1): escapes are UTF-8 bytes; escapes the
 * policy keeps (`%2F` under `encodedSlash: 'keep'`, and `%5C` too when backslashes are slashes)
 * stay as their three characters. A malformed escape anywhere wins over invalid UTF-8.
 * @internal shared with `@switchyard/node`, which decodes flagged params with it.
 */
export function decodeRequestSegment(
  raw: string,
  policy: PathPolicy,
): DecodedSegment | 'malformed-escape' | 'invalid-utf8' {
  if (MALFORMED_ESCAPE.test(raw)) return 'malformed-escape';
  const bytes: number[] = [];
  let slash = false;
  let backslash = false;
  for (let i = 0; i < raw.length; ) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const byte = hexValue(raw.charCodeAt(i + 1)) * 16 + hexValue(raw.charCodeAt(i + 2));
      if (byte === 0x2f) slash = true;
      else if (byte === 0x5c) backslash = true;
      if (keepsEscape(byte, policy)) bytes.push(0x25, raw.charCodeAt(i + 1), raw.charCodeAt(i + 2));
      else bytes.push(byte);
      i += 3;
    } else {
      const cp = raw.codePointAt(i) as number;
      pushUtf8(cp, bytes);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  const value = decodeUtf8(bytes);
  return value === null ? 'invalid-utf8' : { value, slash, backslash };
}

/** Whether a segment value is a dot segment: `.` or `..`, alone or before a `;`. */
export function isDotSegment(value: string): boolean {
  const semi = value.indexOf(';');
  const head = semi < 0 ? value : value.slice(0, semi);
  return head === '.' || head === '..';
}

/**
 * Splits the path part of a request target (no query; lone surrogates already replaced) into
 * canonical segments, or says why it is rejected: every raw segment is checked in order, and in
 * a segment the checks run in the order of spec §4.1, so the first failing check of the first
 * failing segment decides.
 */
export function splitPath(path: string, policy: PathPolicy): PathSegments | PathRejection {
  const first = path.charCodeAt(0);
  if (first !== 0x2f && !(first === 0x5c && policy.backslash === 'slash')) {
    return { code: 'not-origin-form', segment: 0 };
  }
  if (!NEEDS_PASS.test(path) && !(policy.mergeSlashes && path.includes('//'))) {
    return { values: path.slice(1).split('/'), raws: null, verbatim: null };
  }
  const raws = path.slice(1).split(policy.backslash === 'slash' ? /[/\\]/ : '/');
  const values: string[] = [];
  const kept: string[] = [];
  const verbatim: boolean[] = [];
  for (let k = 0; k < raws.length; k++) {
    const raw = raws[k] as string;
    const segment = k + 1;
    const last = k === raws.length - 1;
    if (policy.backslash === 'reject' && raw.includes('\\')) return { code: 'backslash', segment };
    let value = raw;
    let asReceived = false;
    if (raw.includes('%')) {
      const decoded = decodeRequestSegment(raw, policy);
      if (typeof decoded === 'string') {
        if (policy.malformedEncoding === 'reject') return { code: decoded, segment };
        asReceived = true;
      } else {
        if (decoded.slash && policy.encodedSlash === 'reject') return { code: 'encoded-slash', segment };
        if (decoded.backslash) {
          if (policy.backslash === 'reject') return { code: 'backslash', segment };
          if (policy.backslash === 'slash' && policy.encodedSlash === 'reject')
            return { code: 'encoded-slash', segment };
        }
        value = decoded.value;
      }
    }
    if (value.includes('\0')) return { code: 'nul', segment };
    if (isDotSegment(value)) {
      if (policy.dotSegments === 'reject') return { code: 'dot-segment', segment };
      if (policy.dotSegments === 'keep') asReceived = true;
      else {
        if (value.startsWith('..')) {
          values.pop();
          kept.pop();
          verbatim.pop();
        }
        // `/a/.` is `/a/`: a final dot segment leaves an empty segment.
        if (last) {
          values.push('');
          kept.push('');
          verbatim.push(false);
        }
        continue;
      }
    }
    if (policy.mergeSlashes && raw === '' && !last) continue;
    values.push(value);
    kept.push(raw);
    verbatim.push(asReceived);
  }
  return { values, raws: kept, verbatim };
}

/**
 * The canonical form of a segment from its raw text (spec §4.1): a decoded segment's escapes
 * normalized (pchars decoded, others upper-case), or, `verbatim`, every `%` as received; any other
 * byte outside pchar percent-encoded.
 */
function encodeValue(raw: string, policy: PathPolicy, verbatim: boolean): string {
  let out = '';
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && verbatim) {
      out += '%';
      i++;
      continue;
    }
    if (c === 0x25) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        const byte = hi * 16 + lo;
        if (keepsEscape(byte, policy)) out += raw.slice(i, i + 3);
        else if (byte < 0x80 && PCHAR[byte]) out += String.fromCharCode(byte);
        else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
        i += 3;
        continue;
      }
    }
    if (c < 0x80) {
      out += PCHAR[c] ? raw[i] : `%${HEX[c >> 4]}${HEX[c & 15]}`;
      i++;
      continue;
    }
    const cp = raw.codePointAt(i) as number;
    bytes.length = 0;
    pushUtf8(cp, bytes);
    for (const b of bytes) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/**
 * The canonical path of accepted segments (spec §4.1): `/` and each segment's canonical form,
 * joined with `/`. `path` is the path part they came from.
 */
export function canonicalPathOf(path: string, segments: PathSegments, policy: PathPolicy): string {
  const { raws, verbatim } = segments;
  if (raws === null || verbatim === null) {
    if (!NEEDS_ENCODING.test(path)) return path;
    return `/${segments.values.map((raw) => encodeValue(raw, policy, false)).join('/')}`;
  }
  return `/${raws.map((raw, i) => encodeValue(raw, policy, verbatim[i] as boolean)).join('/')}`;
}
