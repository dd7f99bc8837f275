/**
 * Step 7 of the pipeline: the headers both ways. Upstream: the client's end-to-end headers, less
 * every hop-by-hop field and every field the client's `Connection` names, plus the gateway's
 * forwarding headers, `Via`, `X-Request-ID` and `traceparent`. Downstream: the upstream's
 * end-to-end headers plus the gateway's request id and rate-limit headers.
 * @module
 */
import { type ForwardDecision, type HeaderList, type HeaderMap, VERSION_CONSTRAINT_HEADER } from '../types.js';

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1, plus the legacy `Keep-Alive`, `Proxy-Connection` and the
 * h2c `HTTP2-Settings`): they describe one connection and are never forwarded, either way.
 * `Upgrade` is re-added by the gateway for a WebSocket upgrade only.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'http2-settings',
]);

/**
 * Request fields the gateway writes itself. Whatever the client sent under these names is replaced
 * (or, for a trusted peer's forwarding headers, appended to), and a client `Connection` header
 * naming them cannot remove what the gateway adds.
 */
export const GATEWAY_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'via',
  'x-request-id',
  'traceparent',
  VERSION_CONSTRAINT_HEADER,
]);

/**
 * Client-address and routing fields other than the standard forwarding ones, which upstream
 * frameworks read as if a proxy had set them (`X-Real-IP`, `True-Client-IP`, ...; `X-Original-URL`
 * and `X-Rewrite-URL` even override the routed path in IIS/Symfony/Laravel, a known access-control
 * bypass). From an untrusted peer they are spoofed and dropped; a trusted proxy's are kept.
 */
export const FORWARDING_ALIASES: ReadonlySet<string> = new Set([
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-originating-ip',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-original-url',
  'x-rewrite-url',
  'x-original-host',
]);

/**
 * Fields an underscore look-alike of which is dropped: CGI, WSGI, Rack and PHP name request
 * fields `HTTP_X_FORWARDED_FOR` for both `X-Forwarded-For` and `X_Forwarded_For`, so a client's
 * `X_Forwarded_For` would pass for the gateway's own (nginx drops every underscore name by default
 * for this reason; here only the look-alikes of fields that carry trust or framing are dropped).
 */
function isLookAlike(name: string): boolean {
  if (!name.includes('_')) return false;
  const dashed = name.replaceAll('_', '-');
  return (
    HOP_BY_HOP.has(dashed) ||
    GATEWAY_REQUEST_HEADERS.has(dashed) ||
    FORWARDING_ALIASES.has(dashed) ||
    PROTECTED.has(dashed) ||
    dashed === 'authorization' ||
    dashed === 'cookie'
  );
}

/**
 * Fields a `Connection` header may not remove from the upstream request, because the request
 * cannot be carried without them: `Host` names the resource and `Content-Length` frames the body.
 */
const PROTECTED = new Set(['host', 'content-length']);

/** The rate-limit response headers the gateway sets (they replace an upstream's of the same name). */
export const RATE_LIMIT_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-warning',
  'ratelimit',
  'ratelimit-policy',
]);

/** Header that carries the 80% warning: `X-RateLimit-Warning: 85% of quota used`. */
export const RATE_LIMIT_WARNING_HEADER = 'X-RateLimit-Warning';

/** Lower-case tokens of a comma-separated field (`Connection`, `Upgrade`), each value of a repeated field included. */
export function tokenList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const v of typeof value === 'string' ? [value] : value) {
    for (const t of v.split(',')) {
      const token = t.trim().toLowerCase();
      if (token !== '') out.push(token);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Request id and trace context

const REQUEST_ID = /^[A-Za-z0-9._~:+/=-]{1,200}$/;

/**
 * Whether a client's `X-Request-ID` is kept: one value of 1 to 200 characters from
 * `A-Z a-z 0-9 . _ ~ : + / = -` (UUIDs, ULIDs, base64 and the usual prefixed ids; nothing that
 * could break a log line or a header).
 */
export function isValidRequestId(value: string | string[] | undefined): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `n` lower-case hex digits from `random` (8 per draw). */
export function randomHex(random: () => number, n: number): string {
  let out = '';
  while (out.length < n) {
    // A source outside [0, 1) would give a wrong-length id; clamp so the header stays well-formed.
    const word = Math.min(0xffffffff, Math.max(0, Math.floor(random() * 0x100000000)));
    // Bytes through a table: `toString(16)` of a number above 2^30 (not a small integer) takes
    // V8's slow double-to-radix path, microseconds per call.
    out += HEX[(word >>> 24) & 255]! + HEX[(word >>> 16) & 255]! + HEX[(word >>> 8) & 255]! + HEX[word & 255]!;
  }
  return out.length === n ? out : out.slice(0, n);
}

/** A new request id: 32 lower-case hex digits (128 bits) drawn from `random`. */
export function newRequestId(random: () => number): string {
  return randomHex(random, 32);
}

/** A parsed W3C `traceparent`. */
export interface TraceParent {
  traceId: string;
  parentId: string;
  flags: string;
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a `traceparent` per W3C Trace Context: version `00` exactly four fields; a later version
 * (not `ff`) its first four fields, with anything after them only behind a `-`. Trace id and
 * parent id must not be all zeros. `undefined` when invalid or sent more than once.
 */
export function parseTraceparent(value: string | string[] | undefined): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined;
  return { traceId, parentId, flags };
}

/**
 * The `traceparent` sent upstream. A valid one is continued unchanged (re-emitted as version
 * `00` when it came in a later version): the gateway records no span of its own, so a new parent
 * id would point at nothing. An absent or invalid one starts a trace: a random trace id and
 * parent id, flags `01` (sampled), so upstreams that trace record the request.
 */
export function planTraceparent(
  value: string | string[] | undefined,
  random: () => number,
): {
  header: string;
  continued: boolean;
} {
  const parsed = parseTraceparent(value);
  if (parsed) return { header: `00-${parsed.traceId}-${parsed.parentId}-${parsed.flags}`, continued: true };
  let traceId = randomHex(random, 32);
  let parentId = randomHex(random, 16);
  // All-zero ids are invalid; a source that returns 0 forever still yields a valid header.
  if (traceId === ZERO_TRACE_ID) traceId = `${traceId.slice(0, 31)}1`;
  if (parentId === ZERO_PARENT_ID) parentId = `${parentId.slice(0, 15)}1`;
  return { header: `00-${traceId}-${parentId}-01`, continued: false };
}

// ---------------------------------------------------------------------------------------------
// Forwarding headers

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NONE: ReadonlySet<string> = new Set();

/** An RFC 7230 token as is, anything else as a quoted-string. */
function tokenOrQuoted(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The peer address as forwarding headers write it: IPv4-mapped IPv6 as IPv4, no zone. */
export function peerText(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress === undefined || remoteAddress === '') return undefined;
  const lower = remoteAddress.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  const zone = lower.indexOf('%');
  return zone >= 0 ? lower.slice(0, zone) : lower;
}

// Most requests of a gateway carry one of a few hosts: the last one's rendering is kept.
let lastHost: string | undefined;
let lastHostPart = '';

/** `;host=…` of a `Forwarded` element, `''` for no host or one with control characters. */
function forwardedHost(host: string | undefined): string {
  if (host === lastHost) return lastHostPart;
  const part = host === undefined || host === '' || /[\0-\x1f\x7f]/.test(host) ? '' : `;host=${tokenOrQuoted(host)}`;
  lastHost = host;
  lastHostPart = part;
  return part;
}

/** One RFC 7239 `Forwarded` element for this hop: `for=…;host=…;proto=…`. */
export function forwardedElement(peer: string | undefined, host: string | undefined, proto: string): string {
  const node = peer === undefined ? 'unknown' : peer.includes(':') ? `"[${peer}]"` : peer;
  return `for=${node}${forwardedHost(host)};proto=${proto}`;
}

/** `Via`'s received-protocol for an HTTP version: `1.1`, `1.0`, `2`. */
function viaProtocol(httpVersion: string): string {
  return httpVersion === '2.0' ? '2' : httpVersion === '' ? '1.1' : httpVersion;
}

/** The `Via` pseudonym: the gateway's name when it is a token, else `switchyard`. */
export function viaName(name: string): string {
  return TOKEN.test(name) ? name : 'switchyard';
}

/** What {@link planRequestHeaders} needs to know about the request and the decision. */
export interface RequestHeaderInput {
  headers: HeaderMap;
  rawHeaders: readonly string[] | undefined;
  remoteAddress: string | undefined;
  encrypted: boolean;
  httpVersion: string;
  /** The host the request was routed by (from an absolute-form target, or `Host`). */
  host: string | undefined;
  /** Whether the TCP peer is in `trust_proxies`. */
  peerTrusted: boolean;
  /** The gateway's `Via` pseudonym. */
  via: string;
  requestId: string;
  traceparent: { header: string; continued: boolean };
  websocket: boolean;
}

/** Entries of a header map; `lower` when its names may not be lower-case already. */
function mapEntries(headers: HeaderMap, lower: boolean): HeaderList {
  const out: HeaderList = [];
  for (const key of Object.keys(headers)) {
    const v = headers[key];
    if (v === undefined) continue;
    const name = lower ? key.toLowerCase() : key;
    if (typeof v === 'string') out.push([name, v]);
    else for (const each of v) out.push([name, each]);
  }
  return out;
}

function rawEntries(raw: readonly string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

function joined(values: string[]): string | undefined {
  return values.length === 0 ? undefined : values.join(', ');
}

/**
 * The exact header list to send upstream:
 *
 * 1. the client's fields in order (from `rawHeaders` when given, so repeated fields stay
 *    separate), less: hop-by-hop fields; fields named in the client's `Connection` (except `Host`
 *    and `Content-Length`, which carry the request); `Expect` (the front door answers
 *    `100-continue` itself); every field the gateway writes itself (`X-Forwarded-*`, `Forwarded`,
 *    `Via`, `X-Request-ID`, `traceparent`, the version constraint); `tracestate` when the `traceparent` was not continued; a second `Host` or `Content-Length`
 *    (the first, the one routed by, is kept; an absolute-form target's authority is the `Host`);
 *    HTTP/2 pseudo-headers (`:authority` becomes `Host` when there is none); from an untrusted
 *    peer, the other client-address and URL headers that servers trust (`X-Real-IP`, `True-Client-IP`, `X-Original-URL`...; see docs/security.md); underscore look-alikes of all of these
 *    (`X_Forwarded_For`). Several `Cookie`
 *    fields (as HTTP/2 sends them) become one, joined with `; `;
 * 2. `X-Forwarded-For`: the client's list plus the peer when the peer is a trusted proxy, else
 *    the peer alone; `X-Forwarded-Proto` and `X-Forwarded-Host`: a trusted peer's if it sent them,
 *    else this hop's scheme and host; `Forwarded`: likewise appended to or replaced, one
 *    `for=;host=;proto=` element for this hop;
 * 3. `Via: <protocol> <name>` appended to the client's `Via`;
 * 4. `X-Request-ID` and `traceparent` as decided;
 * 5. for a WebSocket upgrade, `Connection: upgrade` and `Upgrade: websocket`.
 *
 * The gateway's own fields are computed from the request as received, before any removal, so a
 * `Connection` header naming them changes nothing the gateway writes.
 */
export function planRequestHeaders(input: RequestHeaderInput): HeaderList {
  const { headers } = input;
  const named = headers.connection === undefined ? NONE : new Set(tokenList(headers.connection));
  const entries = input.rawHeaders ? rawEntries(input.rawHeaders) : mapEntries(headers, false);
  const out: HeaderList = [];
  let hostSeen = false;
  let lengthSeen = false;
  let cookieAt = -1;
  const xff: string[] = [];
  const forwarded: string[] = [];
  const via: string[] = [];
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (const entry of entries) {
    const name = entry[0];
    switch (name) {
      case 'host':
        if (!hostSeen) out.push(['host', input.host ?? entry[1]]);
        hostSeen = true;
        continue;
      case 'content-length':
        if (!lengthSeen) out.push(entry);
        lengthSeen = true;
        continue;
      case 'x-forwarded-for':
        xff.push(entry[1]);
        continue;
      case 'forwarded':
        forwarded.push(entry[1]);
        continue;
      case 'via':
        via.push(entry[1]);
        continue;
      case 'x-forwarded-proto':
        xfProto ??= entry[1];
        continue;
      case 'x-forwarded-host':
        xfHost ??= entry[1];
        continue;
      case 'expect':
        continue;
      case 'tracestate':
        if (input.traceparent.continued && !named.has(name)) out.push(entry);
        continue;
      case 'cookie':
        if (named.has(name)) continue;
        // HTTP/2 sends cookies as separate fields; an HTTP/1.1 upstream expects one (RFC 9113 §8.2.3).
        if (cookieAt < 0) {
          cookieAt = out.length;
          out.push(['cookie', entry[1]]);
        } else out[cookieAt] = ['cookie', `${out[cookieAt]![1]}; ${entry[1]}`];
        continue;
    }
    // HTTP/2 pseudo-headers (`:authority`, `:path`) are not header fields of an HTTP/1.1 request.
    if (name.charCodeAt(0) === 0x3a) continue;
    if (HOP_BY_HOP.has(name) || GATEWAY_REQUEST_HEADERS.has(name)) continue;
    if (named.has(name) && !PROTECTED.has(name)) continue;
    if (!input.peerTrusted && FORWARDING_ALIASES.has(name)) continue;
    if (isLookAlike(name)) continue;
    out.push(entry);
  }
  if (!hostSeen && input.host !== undefined) out.unshift(['host', input.host]);
  const proto = input.encrypted ? 'https' : 'http';
  const peer = peerText(input.remoteAddress);
  const trusted = input.peerTrusted;
  const priorXff = trusted ? joined(xff) : undefined;
  const hop = peer ?? 'unknown';
  out.push(['x-forwarded-for', priorXff ? `${priorXff}, ${hop}` : hop]);
  out.push(['x-forwarded-proto', (trusted && xfProto?.trim()) || proto]);
  const thisHost = input.host;
  const fwdHost = (trusted && xfHost?.trim()) || thisHost;
  if (fwdHost !== undefined && fwdHost !== '') out.push(['x-forwarded-host', fwdHost]);
  const element = forwardedElement(peer, thisHost, proto);
  const priorForwarded = trusted ? joined(forwarded) : undefined;
  out.push(['forwarded', priorForwarded ? `${priorForwarded}, ${element}` : element]);
  const priorVia = joined(via);
  const ours = `${viaProtocol(input.httpVersion)} ${input.via}`;
  out.push(['via', priorVia ? `${priorVia}, ${ours}` : ours]);
  out.push(['x-request-id', input.requestId]);
  out.push(['traceparent', input.traceparent.header]);
  if (input.websocket) {
    out.push(['connection', 'upgrade']);
    out.push(['upgrade', 'websocket']);
  }
  return out;
}

/**
 * Whether a request asks for a WebSocket upgrade: `GET` with `websocket` among its `Upgrade`
 * tokens and `upgrade` among its `Connection` tokens. Any other upgrade (`h2c`, ...) is not passed
 * on: the request is served as plain HTTP/1.1.
 */
export function isWebSocketUpgrade(method: string, headers: HeaderMap): boolean {
  if (method !== 'GET' || headers.upgrade === undefined) return false;
  return tokenList(headers.upgrade).includes('websocket') && tokenList(headers.connection).includes('upgrade');
}

// ---------------------------------------------------------------------------------------------
// Response side

/** Options of {@link planResponseHeaders}. */
export interface ResponseHeaderOptions {
  /** The upstream's status; a `101` to a WebSocket upgrade keeps `Connection`/`Upgrade`. */
  status?: number;
}

/**
 * The header list to send the client with an upstream's response: the upstream's fields (a
 * `HeaderMap` as undici or node:http give them, or an ordered list), less every hop-by-hop field
 * and every field the upstream's `Connection` names, less the upstream's own `X-Request-ID` and,
 * when the gateway applied rate limits, its rate-limit fields; then the decision's
 * `responseHeaders` (the request id, the limit headers, the 80% warning). A `101 Switching
 * Protocols` to a WebSocket upgrade keeps `Connection: upgrade` and `Upgrade: websocket`.
 */
export function planResponseHeaders(
  upstreamHeaders: HeaderMap | HeaderList,
  decision: Pick<ForwardDecision, 'responseHeaders' | 'websocket' | 'limits'>,
  options: ResponseHeaderOptions = {},
): HeaderList {
  const entries: HeaderList = Array.isArray(upstreamHeaders)
    ? upstreamHeaders.map(([n, v]) => [n.toLowerCase(), v])
    : mapEntries(upstreamHeaders, true);
  // The tokens of the upstream's `Connection`: nearly always none or just `keep-alive`/`close`,
  // so a short array beats building a Set per response.
  let named: string[] | undefined;
  for (const [n, v] of entries) if (n === 'connection') named = named ? [...named, ...tokenList(v)] : tokenList(v);
  const limited = decision.limits !== undefined && decision.limits.results.length > 0;
  const out: HeaderList = [];
  for (const entry of entries) {
    const name = entry[0];
    if (HOP_BY_HOP.has(name) || name === 'x-request-id' || named?.includes(name)) continue;
    if (limited && RATE_LIMIT_RESPONSE_HEADERS.has(name)) continue;
    out.push(entry);
  }
  if (decision.websocket && options.status === 101) {
    out.push(['connection', 'upgrade']);
    out.push(['upgrade', 'websocket']);
  }
  for (const entry of decision.responseHeaders) out.push(entry);
  return out;
}
