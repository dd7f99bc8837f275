/**
 * String rules shared by the validator and the compiler: the request-key syntax, the checks of
 * each string format, and "did you mean" suggestions.
 * @module
 */
import { isIP } from 'node:net';
import { parseCidr } from '@switchyard/core/internal';
import type { KeySource } from '../types.js';
import type { StringFormat } from './schema.js';

/** HTTP token characters (RFC 9110 `tchar`): header names, methods, cookie names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Any C0 control character or DEL: CR, LF and NUL among them. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION = /^[A-Za-z0-9._~-]{1,64}$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
const ROUTE_HOST = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** Control characters made visible for a message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/**
 * Parses `header:NAME | cookie:NAME | query:NAME | client-ip | path`; header names are
 * lower-cased (Node gives request headers in lower case). Returns an error text when invalid.
 */
export function parseKeySource(text: string): KeySource | string {
  if (text === 'client-ip') return { from: 'client-ip' };
  if (text === 'path') return { from: 'path' };
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const name = colon < 0 ? '' : text.slice(colon + 1);
  if (kind !== 'header' && kind !== 'cookie' && kind !== 'query') {
    return `expected header:NAME, cookie:NAME, query:NAME, client-ip or path, got ${show(text)}`;
  }
  if (name === '') return `${kind}: needs a name after the colon (${kind}:NAME)`;
  if (kind === 'query') {
    if (CONTROL.test(name) || /[&=#?\s]/.test(name)) {
      return `query:NAME: ${show(name)} is not a query parameter name (no &, =, #, ?, spaces or control characters)`;
    }
    return { from: 'query', name };
  }
  if (!TOKEN.test(name)) return `${kind}:NAME: ${show(name)} is not a valid ${kind} name (an HTTP token)`;
  return kind === 'header' ? { from: 'header', name: name.toLowerCase() } : { from: 'cookie', name };
}

/** A key source as written in gateway.yaml. */
export function formatKeySource(key: KeySource): string {
  return key.from === 'client-ip' || key.from === 'path' ? key.from : `${key.from}:${key.name}`;
}

function checkUrl(text: string, kind: 'upstream' | 'redis'): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return kind === 'upstream'
      ? `expected an absolute http: URL such as http://127.0.0.1:9001, got ${show(text)}`
      : `expected a redis: URL such as redis://127.0.0.1:6379, got ${show(text)}`;
  }
  if (kind === 'redis') {
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      return `expected a redis: or rediss: URL, got ${show(text)}`;
    }
    return url.hostname === '' ? `the Redis URL ${show(text)} has no host` : undefined;
  }
  if (url.protocol === 'https:') {
    return `https: upstreams are not supported yet (TLS to upstreams is planned): use an http: URL, got ${show(text)}`;
  }
  if (url.protocol !== 'http:') return `expected an http: URL, got ${show(text)}`;
  if (url.hostname === '') return `the URL ${show(text)} has no host`;
  if (url.username !== '' || url.password !== '')
    return `the URL ${show(text)} carries user info, which is not accepted`;
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    return `the URL ${show(text)} has a query or fragment; a target is scheme, host, port and optionally a base path`;
  }
  if (url.port === '0') return `the URL ${show(text)} has port 0`;
  return undefined;
}

function checkPrefix(text: string): string | undefined {
  if (!text.startsWith('/')) return `expected a path starting with /, got ${show(text)}`;
  if (CONTROL.test(text)) return `${show(text)} contains a control character (CR, LF, NUL, ...), which a path may not`;
  if (/[?#\s]/.test(text)) return `${show(text)} contains ?, # or a space, which a path prefix may not`;
  const badEscape = /%(?![0-9A-Fa-f]{2})|%(?:0[0-9A-Fa-f]|1[0-9A-Fa-f]|7[Ff])/.exec(text);
  if (badEscape) return `${show(text)} contains a malformed or control-character percent-escape at "${badEscape[0]}"`;
  return undefined;
}

/**
 * Checks a string against its format. Returns what was expected when it does not fit;
 * `undefined` when it does.
 */
export function checkFormat(format: StringFormat, text: string): string | undefined {
  switch (format) {
    case 'name':
      return NAME.test(text)
        ? undefined
        : `expected a name (letters, digits, ".", "_", "-", starting with a letter or digit, at most 128), got ${show(text)}`;
    case 'text':
      return CONTROL.test(text) ? `${show(text)} contains a control character` : undefined;
    case 'listen-host':
      return isIP(text) !== 0 || HOSTNAME.test(text)
        ? undefined
        : `expected an IP address or a host name, got ${show(text)}`;
    case 'upstream-url':
    case 'redis-url':
      if (CONTROL.test(text) || /\s/.test(text)) return `${show(text)} contains a space or control character`;
      return checkUrl(text, format === 'redis-url' ? 'redis' : 'upstream');
    case 'cidr':
      try {
        parseCidr(text, 'trust_proxies');
        return undefined;
      } catch {
        return `expected an IP address or CIDR block such as 10.0.0.0/8, got ${show(text)}`;
      }
    case 'key-source': {
      const key = parseKeySource(text);
      return typeof key === 'string' ? key : undefined;
    }
    case 'header-name':
      return TOKEN.test(text) ? undefined : `expected an HTTP header name (a token), got ${show(text)}`;
    case 'header-value':
      return /[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)
        ? `${show(text)} contains a control character (CR, LF, NUL, ...), which a header value may not`
        : undefined;
    case 'version':
      return VERSION.test(text)
        ? undefined
        : `expected a version token such as v2 (letters, digits, "._~-", at most 64), got ${show(text)}`;
    case 'method':
      if (text === '*') return 'expected an HTTP method; omit `methods` to route any method';
      return TOKEN.test(text) ? undefined : `expected an HTTP method such as GET, got ${show(text)}`;
    case 'route-path':
      if (!text.startsWith('/')) return `expected a path starting with /, got ${show(text)}`;
      return CONTROL.test(text) || /\s/.test(text)
        ? `${show(text)} contains a space or control character (CR, LF, NUL, ...)`
        : undefined;
    case 'route-host':
      return ROUTE_HOST.test(text)
        ? undefined
        : `expected a host such as api.example.com or *.example.com, got ${show(text)}`;
    case 'path-prefix':
      return checkPrefix(text);
    case 'pattern':
      return text === '' || CONTROL.test(text) ? `expected a non-empty pattern, got ${show(text)}` : undefined;
  }
}

/** Optimal-string-alignment distance (edits, adjacent swaps), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= y.length; j++) d[0]![j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[x.length]![y.length]!;
}

/**
 * The candidate closest to `name`, when close enough to be a likely typo (at most a third of
 * its length in edits, at least one), or one contains the other; ties go to the earlier one.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    const near =
      d <= Math.max(1, Math.floor(Math.max(name.length, candidate.length) / 3)) ||
      (name.length >= 3 && candidate.toLowerCase().includes(name.toLowerCase())) ||
      (candidate.length >= 3 && name.toLowerCase().includes(candidate.toLowerCase()));
    if (near && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean "x"?` or `` when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closest(name, candidates);
  return best === undefined ? '' : `; did you mean ${JSON.stringify(best)}?`;
}
