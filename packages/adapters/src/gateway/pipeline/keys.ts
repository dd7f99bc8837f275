/**
 * Request-derived keys (`header:NAME`, `cookie:NAME`, `query:NAME`, `client-ip`, `path`) for
 * sticky splits, consistent hashing and rate limits, and the client address behind them.
 * @module
 */
import { ClientIpResolver } from '@switchyard/core';
import { type Cidr, inCidr, parseCidr, parseIp } from '@switchyard/core/internal';
import type { HeaderMap, KeySource } from '../types.js';

/**
 * Finds the client address: from the TCP peer, or, only when the peer is in `trust_proxies`,
 * by walking `X-Forwarded-For` (or, when the request has none, `Forwarded`'s `for=`) from the
 * right through trusted hops (core's {@link ClientIpResolver}).
 */
export class ClientAddress {
  readonly #xff: ClientIpResolver;
  readonly #forwarded: ClientIpResolver;
  readonly #trusted: Cidr[];
  // Without trusted proxies the answer depends on the peer address alone, and a gateway's
  // requests mostly come from a few peers (a load balancer, keep-alive connections): the last
  // peer's answer is kept, which spares parsing the address on every request.
  #ipOf: string | undefined;
  #ip: string | undefined;
  #keyOf: string | undefined;
  #key = '';

  /** @param trustProxies CIDR blocks or addresses, as in `trust_proxies:`. */
  constructor(trustProxies: readonly string[]) {
    const trustedProxies = [...trustProxies];
    this.#xff = new ClientIpResolver({ trustedProxies, header: 'x-forwarded-for' });
    this.#forwarded = new ClientIpResolver({ trustedProxies, header: 'forwarded' });
    this.#trusted = trustedProxies.map((c) => parseCidr(c, 'trust_proxies'));
  }

  #resolver(headers: HeaderMap): ClientIpResolver {
    return headers['x-forwarded-for'] === undefined && headers.forwarded !== undefined ? this.#forwarded : this.#xff;
  }

  /** The client address as text (IPv6 fully expanded), `undefined` when the peer is unknown. */
  clientIp(remoteAddress: string | undefined, headers: HeaderMap): string | undefined {
    if (this.#trusted.length === 0) {
      if (remoteAddress !== this.#ipOf || this.#ipOf === undefined) {
        this.#ip = this.#xff.clientIp({ remoteAddress, headers });
        this.#ipOf = remoteAddress;
      }
      return this.#ip;
    }
    return this.#resolver(headers).clientIp({ remoteAddress, headers });
  }

  /** A rate-limit key for the client: `ip:<v4>` or `ip:<v6 /64 network>/64`, `ip:unknown`. */
  limitKey(remoteAddress: string | undefined, headers: HeaderMap): string {
    if (this.#trusted.length === 0) {
      if (remoteAddress !== this.#keyOf || this.#keyOf === undefined) {
        this.#key = this.#xff.key({ remoteAddress, headers });
        this.#keyOf = remoteAddress;
      }
      return this.#key;
    }
    return this.#resolver(headers).key({ remoteAddress, headers });
  }

  /** Whether the TCP peer itself is a trusted proxy (then its forwarding headers are appended to). */
  peerTrusted(remoteAddress: string | undefined): boolean {
    if (this.#trusted.length === 0 || remoteAddress === undefined) return false;
    const ip = parseIp(remoteAddress);
    return ip !== null && this.#trusted.some((c) => inCidr(ip, c));
  }
}

/** A single header value: one string as is, several joined with `, `; `undefined` when absent. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(', ');
}

/** The value of cookie `name` in the request's `Cookie` header(s) (first occurrence), or `undefined`. */
export function cookieValue(headers: HeaderMap, name: string): string | undefined {
  const raw = headers.cookie;
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw : raw.join('; ');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

function formDecode(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    // A malformed escape is kept as received, as the router does for query values.
    return s;
  }
}

/** The first value of query key `name` (form-decoded; `key` alone is `''`), or `undefined`. */
export function queryValue(query: string | undefined, name: string): string | undefined {
  if (query === undefined || query === '') return undefined;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = formDecode(eq < 0 ? part : part.slice(0, eq));
    if (key === name) return eq < 0 ? '' : formDecode(part.slice(eq + 1));
  }
  return undefined;
}

/** What {@link keyValue} reads a key from. */
export interface KeyInput {
  headers: HeaderMap;
  query: string | undefined;
  /** Canonical path. */
  path: string;
  /** The client address, computed only when a `client-ip` key asks for it. */
  clientIp: () => string | undefined;
}

/** Text of a key source, for logs, explain and `RateLimit` names: `header:x-user-id`, `client-ip`. */
export function describeKey(source: KeySource): string {
  return 'name' in source ? `${source.from}:${source.name}` : source.from;
}

/**
 * The key of a request under `source`, or `undefined` when the request does not carry it (no
 * such header, cookie or query key, an empty value, or an unknown peer for `client-ip`). Callers
 * decide the fallback: a random pick for splits and balancing, the client address for limits.
 */
export function keyValue(source: KeySource, input: KeyInput): string | undefined {
  let v: string | undefined;
  switch (source.from) {
    case 'header':
      v = headerValue(input.headers, source.name.toLowerCase());
      break;
    case 'cookie':
      v = cookieValue(input.headers, source.name);
      break;
    case 'query':
      v = queryValue(input.query, source.name);
      break;
    case 'client-ip':
      v = input.clientIp();
      break;
    case 'path':
      v = input.path;
      break;
  }
  return v === '' ? undefined : v;
}
