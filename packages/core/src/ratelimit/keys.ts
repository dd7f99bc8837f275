import { InvalidArgumentError } from '../errors.js';
import { type Cidr, formatIp, inCidr, maskIp, parseCidr, parseIp } from './ip.js';

/** What the key helpers need from a request; every adapter can fill it. */
export interface ClientAddressInfo {
  /** The TCP peer's address (`socket.remoteAddress`). */
  remoteAddress: string | undefined;
  /** Request headers, lower-case names (Node's `req.headers` shape). */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A request as the HTTP servers users run give it: Node's `IncomingMessage` (also what Express
 * hands a middleware) with `socket.remoteAddress`, or a Fastify request (`raw` is the
 * `IncomingMessage`). Only the fields read are named, so this needs no framework's types.
 */
export interface NodeRequestLike {
  /** The connection; `null` once Node has detached it. */
  socket?: { remoteAddress?: string | undefined } | null;
  /** Fastify's wrapped `IncomingMessage`. */
  raw?: { socket?: { remoteAddress?: string | undefined } | null };
  /** Request headers, lower-case names (Node's `req.headers` shape). */
  headers: Record<string, string | string[] | undefined>;
}

/** Anything {@link ClientIpResolver} reads a client address from. */
export type ClientRequest = ClientAddressInfo | NodeRequestLike;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * The peer address and headers of `req`, whichever shape it has. A shape that has neither a
 * `remoteAddress` key nor a socket is a caller's mistake, reported as such: guessing would give
 * every such request the one key `ip:unknown`, and so one shared budget.
 */
function clientAddressOf(req: unknown): ClientAddressInfo {
  if (!isObject(req) || !isObject(req.headers)) {
    throw new InvalidArgumentError(
      'req',
      `expected a request with headers ({ remoteAddress, headers }, an IncomingMessage, an Express or a Fastify request), got ${req === null ? 'null' : typeof req === 'object' ? 'an object without headers' : typeof req}`,
    );
  }
  const headers = req.headers as ClientAddressInfo['headers'];
  if ('remoteAddress' in req) {
    const { remoteAddress } = req;
    // The plain shape is what the gateway passes per request: used as is, no copy.
    if (remoteAddress === undefined || typeof remoteAddress === 'string') return req as unknown as ClientAddressInfo;
    throw new InvalidArgumentError('req.remoteAddress', `expected a string or undefined, got ${typeof remoteAddress}`);
  }
  const socket = 'socket' in req ? req.socket : isObject(req.raw) && 'socket' in req.raw ? req.raw.socket : undefined;
  if (socket === null) return { remoteAddress: undefined, headers };
  if (isObject(socket)) {
    const address = socket.remoteAddress;
    return { remoteAddress: typeof address === 'string' ? address : undefined, headers };
  }
  throw new InvalidArgumentError(
    'req',
    'expected remoteAddress, a socket (IncomingMessage, Express) or raw.socket (Fastify); the request has none of them',
  );
}

/** Options of {@link ClientIpResolver}. */
export interface ClientIpOptions {
  /**
   * Proxies whose forwarding headers are believed: CIDR blocks or addresses, e.g.
   * `['127.0.0.1', '10.0.0.0/8', '::1']`. Empty (the default): headers are ignored and the peer
   * address is the client — anyone can write `X-Forwarded-For`.
   */
  trustedProxies?: string[];
  /** Which header the trusted proxies write (default `'x-forwarded-for'`). */
  header?: 'x-forwarded-for' | 'forwarded';
  /** IPv6 clients are grouped by this prefix (default 64: one key per /64, what one host usually gets). */
  ipv6Prefix?: number;
  /** IPv4 clients are grouped by this prefix (default 32: one key per address). */
  ipv4Prefix?: number;
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** `for=` values of an RFC 7239 `Forwarded` header, in order. */
function forwardedFor(value: string | string[] | undefined): string[] {
  return headerList(value).map((element) => {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') {
        return pair
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
      }
    }
    return '';
  });
}

/**
 * Finds the client address of a request and turns it into a rate-limit key.
 *
 * Rule: start from the TCP peer. While the current address is a trusted proxy, step to the hop
 * that proxy recorded — the rightmost not yet used entry of `X-Forwarded-For` (or `Forwarded`'s
 * `for=`). The first address that is not a trusted proxy is the client. Entries left of it were
 * written by the client and are never read. A hop that is not an IP (`unknown`, an obfuscated
 * name) stops the walk at the proxy that reported it. So a header is honoured only as far as
 * it was written by configured trusted hops.
 */
export class ClientIpResolver {
  readonly #trusted: Cidr[];
  readonly #header: 'x-forwarded-for' | 'forwarded';
  readonly #v6: number;
  readonly #v4: number;

  constructor(options: ClientIpOptions = {}) {
    this.#trusted = (options.trustedProxies ?? []).map((c) => parseCidr(c, 'trustedProxies'));
    this.#header = options.header ?? 'x-forwarded-for';
    if (this.#header !== 'x-forwarded-for' && this.#header !== 'forwarded') {
      throw new InvalidArgumentError(
        'header',
        `expected "x-forwarded-for" or "forwarded", got ${String(this.#header)}`,
      );
    }
    this.#v6 = prefix('ipv6Prefix', options.ipv6Prefix ?? 64, 128);
    this.#v4 = prefix('ipv4Prefix', options.ipv4Prefix ?? 32, 32);
  }

  #isTrusted(ip: Uint8Array): boolean {
    return this.#trusted.some((c) => inCidr(ip, c));
  }

  /**
   * The client address as text (IPv6 fully expanded), or `undefined` when the peer is unknown.
   * `req` is `{ remoteAddress, headers }`, a Node `IncomingMessage`, or an Express or Fastify
   * request; any other shape throws `InvalidArgumentError`.
   */
  clientIp(req: ClientRequest): string | undefined {
    const ip = this.#client(clientAddressOf(req));
    return ip ? formatIp(ip) : undefined;
  }

  #client(req: ClientAddressInfo): Uint8Array | undefined {
    let current = parseIp(req.remoteAddress ?? '');
    if (!current) return undefined;
    if (this.#trusted.length === 0) return current;
    const hops =
      this.#header === 'forwarded' ? forwardedFor(req.headers.forwarded) : headerList(req.headers['x-forwarded-for']);
    for (let i = hops.length - 1; i >= 0 && this.#isTrusted(current); i--) {
      const hop = parseIp(hops[i]!);
      if (!hop) break;
      current = hop;
    }
    return current;
  }

  /**
   * `ip:<address>` for IPv4 (masked to `ipv4Prefix`), `ip:<network>/<prefix>` for IPv6 masked to
   * `ipv6Prefix`; `ip:unknown` when the peer address is missing or invalid (a closed socket).
   * `req` is `{ remoteAddress, headers }`, a Node `IncomingMessage`, or an Express or Fastify
   * request; any other shape throws `InvalidArgumentError`.
   */
  key(req: ClientRequest): string {
    const ip = this.#client(clientAddressOf(req));
    if (!ip) return 'ip:unknown';
    const p = ip.length === 4 ? this.#v4 : this.#v6;
    const text = formatIp(maskIp(ip, p));
    return p === ip.length * 8 ? `ip:${text}` : `ip:${text}/${p}`;
  }
}

function prefix(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(name, `expected an integer in [0, ${max}], got ${String(value)}`);
  }
  return value;
}

/**
 * Key builders for the other usual dimensions; each prefixes its kind so keys of different kinds
 * never collide in one limiter. Values are used as given (`JSON.stringify`-quoted when they
 * contain the separator), so pass the identity you mean, not raw user input you did not check.
 */
export const rateLimitKeys = {
  /** One budget per API key. */
  apiKey: (apiKey: string): string => `key:${apiKey}`,
  /** One budget per authenticated user id. */
  user: (userId: string): string => `user:${userId}`,
  /** One budget per route (method + route pattern, not the raw path, so params do not split it). */
  route: (method: string, routePattern: string): string => `route:${method.toUpperCase()} ${routePattern}`,
  /** One budget shared by everyone. */
  global: (): string => 'global',
  /** Several dimensions at once, e.g. per user per route. */
  compose: (...parts: string[]): string => parts.map((p) => (p.includes('|') ? JSON.stringify(p) : p)).join('|'),
};
