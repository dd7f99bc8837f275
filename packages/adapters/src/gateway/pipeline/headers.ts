/**
 * Step 7 of the pipeline: the headers both ways. Upstream: the client's end-to-end headers, less
 * every hop-by-hop field and every field the client's `Connection` names, plus the gateway's
 * forwarding headers, `Via`, `X-Request-ID` and `traceparent`. Downstream: the upstream's
 * end-to-end headers plus the gateway's request id and rate-limit headers.
 * @module
 */
import {
  type CompiledRoute,
  type ForwardDecision,
  type HeaderEdits,
  type HeaderList,
  type HeaderMap,
  VERSION_CONSTRAINT_HEADER,
} from '../types.js';

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

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
// Ids are written into a buffer and read out as one flat string: concatenating hex pairs built a
// chain of a dozen intermediate strings per id (about 1 KB of garbage per request, a share of the
// scavenges that set a busy gateway's tail latency).
const scratch = Buffer.alloc(64);
// 00-<32 hex trace id>-<16 hex parent id>-01: the fixed characters are written once.
const TRACEPARENT_LENGTH = 55;
const traceparentBuffer = Buffer.from(`00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`, 'latin1');

/**
 * Writes `n` lower-case hex digits drawn from `random` (8 per draw) into `into` at `at`;
 * whether any of them is not `0`.
 */
function fillHex(random: () => number, into: Buffer, at: number, n: number): boolean {
  let any = 0;
  for (let i = 0; i < n; i += 8) {
    // A source outside [0, 1) would give a wrong-length id; clamp so the header stays well-formed.
    let word = Math.min(0xffffffff, Math.max(0, Math.floor(random() * 0x100000000))) >>> 0;
    any |= word;
    for (let j = Math.min(7, n - i - 1); j >= 0; j--) {
      into[at + i + j] = HEX_DIGITS[word & 15]!;
      word >>>= 4;
    }
  }
  return any !== 0;
}

/** `n` lower-case hex digits from `random` (8 per draw). */
export function randomHex(random: () => number, n: number): string {
  if (n <= scratch.length) {
    fillHex(random, scratch, 0, n);
    return scratch.toString('latin1', 0, n);
  }
  let out = '';
  while (out.length < n) out += randomHex(random, Math.min(scratch.length, n - out.length));
  return out;
}

/** A new request id: 32 lower-case hex digits (128 bits) drawn from `random`. */
export function newRequestId(random: () => number): string {
  return randomHex(random, 32);
}

/**
 * The request id of a response: the client's `X-Request-ID` when valid ({@link isValidRequestId}),
 * else a new one. Every answer carries one, the gateway's own included.
 */
export function requestIdOf(sent: string | string[] | undefined, random: () => number): string {
  return isValidRequestId(sent) ? sent : newRequestId(random);
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
  return { header: newTraceparent(random), continued: false };
}

/** `00-<trace id>-<parent id>-01` with random ids, as one flat string. */
function newTraceparent(random: () => number): string {
  const b = traceparentBuffer;
  // All-zero ids are invalid; a source that returns 0 forever still yields a valid header.
  if (!fillHex(random, b, 3, 32)) b[34] = 0x31;
  if (!fillHex(random, b, 36, 16)) b[51] = 0x31;
  return b.toString('latin1', 0, TRACEPARENT_LENGTH);
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

/** `;host=…` of a `Forwarded` element, `''` for no host or one with control characters. */
function forwardedHost(host: string | undefined): string {
  return host === undefined || host === '' || /[\0-\x1f\x7f]/.test(host) ? '' : `;host=${tokenOrQuoted(host)}`;
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
  /**
   * The `Host` to send instead (the target's own, `pass_host_header: false`); `X-Forwarded-Host`
   * and `Forwarded` still carry {@link RequestHeaderInput.host}.
   */
  upstreamHost?: string | undefined;
  /** Whether the TCP peer is in `trust_proxies`. */
  peerTrusted: boolean;
  /** The gateway's `Via` pseudonym. */
  via: string;
  requestId: string;
  traceparent: { header: string; continued: boolean };
  websocket: boolean;
}

// `toLowerCase` allocates a new string even when nothing changes; header names are nearly always
// lower-case already (undici's, node:http's maps) or one of a few spellings (`Host`,
// `User-Agent`), so those are answered without a copy.
const LOWER_NAMES = new Map<string, string>();
const LOWER_NAMES_MAX = 512;

/** A header name in lower case, without a copy when it is lower-case already. */
export function lowerName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      const known = LOWER_NAMES.get(name);
      if (known !== undefined) return known;
      const lower = name.toLowerCase();
      // Names are chosen by clients: the cache keeps the first few hundred and stops growing.
      if (LOWER_NAMES.size < LOWER_NAMES_MAX) LOWER_NAMES.set(name, lower);
      return lower;
    }
  }
  return name;
}

/** `headers` as `[name, value, name, value, ...]`, as `rawHeaders` are given (names as they are). */
function flatEntries(headers: HeaderMap): string[] {
  const out: string[] = [];
  for (const key of Object.keys(headers)) {
    const v = headers[key];
    if (v === undefined) continue;
    if (typeof v === 'string') out.push(key, v);
    else for (const each of v) out.push(key, each);
  }
  return out;
}

/** `list` with `value` pushed, made on the first value (most requests have none). */
function append(list: string[] | undefined, value: string): string[] {
  if (list === undefined) return [value];
  list.push(value);
  return list;
}

function joined(values: string[] | undefined): string | undefined {
  return values === undefined || values.length === 0 ? undefined : values.join(', ');
}

// This hop's `Forwarded` element and `Via` value are the same for every request from one peer to
// one host: the last ones are kept rather than formatted again for each request.
let lastPeer: string | undefined;
let lastPeerText: string | undefined;
let lastElementKey: [string | undefined, string | undefined, string] | undefined;
let lastElement = '';
let lastVia: [string, string] | undefined;
let lastViaValue = '';

function cachedPeerText(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress !== lastPeer) {
    lastPeerText = peerText(remoteAddress);
    lastPeer = remoteAddress;
  }
  return lastPeerText;
}

function cachedElement(peer: string | undefined, host: string | undefined, proto: string): string {
  const k = lastElementKey;
  if (k === undefined || k[0] !== peer || k[1] !== host || k[2] !== proto) {
    lastElement = forwardedElement(peer, host, proto);
    lastElementKey = [peer, host, proto];
  }
  return lastElement;
}

function cachedVia(httpVersion: string, name: string): string {
  const k = lastVia;
  if (k === undefined || k[0] !== httpVersion || k[1] !== name) {
    lastViaValue = `${viaProtocol(httpVersion)} ${name}`;
    lastVia = [httpVersion, name];
  }
  return lastViaValue;
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
  // `rawHeaders` keep repeated fields apart and in order; the pairs are made only for what is kept.
  const flat = input.rawHeaders ?? flatEntries(headers);
  const out: HeaderList = [];
  let hostSeen = false;
  let lengthSeen = false;
  let cookieAt = -1;
  let xff: string[] | undefined;
  let forwarded: string[] | undefined;
  let via: string[] | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = lowerName(flat[i]!);
    const value = flat[i + 1]!;
    switch (name) {
      case 'host':
        if (!hostSeen) out.push(['host', input.upstreamHost ?? input.host ?? value]);
        hostSeen = true;
        continue;
      case 'content-length':
        if (!lengthSeen) out.push([name, value]);
        lengthSeen = true;
        continue;
      case 'x-forwarded-for':
        xff = append(xff, value);
        continue;
      case 'forwarded':
        forwarded = append(forwarded, value);
        continue;
      case 'via':
        via = append(via, value);
        continue;
      case 'x-forwarded-proto':
        xfProto ??= value;
        continue;
      case 'x-forwarded-host':
        xfHost ??= value;
        continue;
      case 'expect':
        continue;
      case 'tracestate':
        if (input.traceparent.continued && !named.has(name)) out.push([name, value]);
        continue;
      case 'cookie':
        if (named.has(name)) continue;
        // HTTP/2 sends cookies as separate fields; an HTTP/1.1 upstream expects one (RFC 9113 §8.2.3).
        if (cookieAt < 0) {
          cookieAt = out.length;
          out.push(['cookie', value]);
        } else out[cookieAt] = ['cookie', `${out[cookieAt]![1]}; ${value}`];
        continue;
    }
    // HTTP/2 pseudo-headers (`:authority`, `:path`) are not header fields of an HTTP/1.1 request.
    if (name.charCodeAt(0) === 0x3a) continue;
    if (HOP_BY_HOP.has(name) || GATEWAY_REQUEST_HEADERS.has(name)) continue;
    if (named.has(name) && !PROTECTED.has(name)) continue;
    if (!input.peerTrusted && FORWARDING_ALIASES.has(name)) continue;
    if (isLookAlike(name)) continue;
    out.push([name, value]);
  }
  const sentHost = input.upstreamHost ?? input.host;
  if (!hostSeen && sentHost !== undefined) out.unshift(['host', sentHost]);
  const proto = input.encrypted ? 'https' : 'http';
  const peer = cachedPeerText(input.remoteAddress);
  const trusted = input.peerTrusted;
  const priorXff = trusted ? joined(xff) : undefined;
  const hop = peer ?? 'unknown';
  out.push(['x-forwarded-for', priorXff ? `${priorXff}, ${hop}` : hop]);
  out.push(['x-forwarded-proto', (trusted && xfProto?.trim()) || proto]);
  const thisHost = input.host;
  const fwdHost = (trusted && xfHost?.trim()) || thisHost;
  if (fwdHost !== undefined && fwdHost !== '') out.push(['x-forwarded-host', fwdHost]);
  const element = cachedElement(peer, thisHost, proto);
  const priorForwarded = trusted ? joined(forwarded) : undefined;
  out.push(['forwarded', priorForwarded ? `${priorForwarded}, ${element}` : element]);
  const priorVia = joined(via);
  const ours = cachedVia(input.httpVersion, input.via);
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
 * The fields an upstream's `Connection` names, added to `named`. Nearly always it names none but
 * `keep-alive` or `close`, which are dropped anyway: then nothing is built.
 */
function connectionNamed(named: string[] | undefined, value: string | string[]): string[] | undefined {
  if (typeof value === 'string') {
    const lower = lowerName(value);
    if (lower === 'keep-alive' || lower === 'close') return named;
  }
  for (const token of tokenList(value)) if (!HOP_BY_HOP.has(token)) named = append(named, token);
  return named;
}

/** Whether a response field (lower-case name) is not passed to the client. */
function dropsResponseField(name: string, named: string[] | undefined, limited: boolean, noLength: boolean): boolean {
  if (HOP_BY_HOP.has(name) || name === 'x-request-id' || named?.includes(name) === true) return true;
  if (noLength && name === 'content-length') return true;
  return limited && RATE_LIMIT_RESPONSE_HEADERS.has(name);
}

/**
 * Applies a route's `request_headers` or `response_headers` to a planned list, in place: drops
 * every field `set` replaces or `remove` names (names are lower-case on both sides), then appends
 * the `set` fields. The names the gateway writes itself are refused at load, so its own fields
 * are never touched.
 */
export function editHeaders(list: HeaderList, edits: HeaderEdits): HeaderList {
  let kept = 0;
  for (const entry of list) if (!edits.drop.has(entry[0])) list[kept++] = entry;
  list.length = kept;
  for (const [name, value] of edits.set) list.push([name, value]);
  return list;
}

/**
 * The header list to send the client with an upstream's response: the upstream's fields (a
 * `HeaderMap` as undici or node:http give them, or an ordered list), less every hop-by-hop field
 * and every field the upstream's `Connection` names, less the upstream's own `X-Request-ID` and,
 * when the gateway applied rate limits, its rate-limit fields, and, on a 1xx or 204, its
 * `Content-Length` (RFC 9110 §8.6: never sent on those; a client that believed one would read the
 * next answer on its connection as this one's body); then the decision's `responseHeaders` (the
 * request id, the limit headers, the 80% warning). A `101 Switching Protocols` to a WebSocket
 * upgrade keeps `Connection: upgrade` and `Upgrade: websocket`. The route's `response_headers`
 * edit the upstream's fields, before the gateway's own are added.
 */
export function planResponseHeaders(
  upstreamHeaders: HeaderMap | HeaderList,
  decision: Pick<ForwardDecision, 'responseHeaders' | 'websocket' | 'limits'> & {
    route?: Pick<CompiledRoute, 'responseEdits'>;
  },
  options: ResponseHeaderOptions = {},
): HeaderList {
  const limited = decision.limits !== undefined && decision.limits.results.length > 0;
  const status = options.status;
  const noLength = status !== undefined && (status < 200 || status === 204);
  const out: HeaderList = [];
  if (Array.isArray(upstreamHeaders)) {
    let named: string[] | undefined;
    for (const [n, v] of upstreamHeaders) if (lowerName(n) === 'connection') named = connectionNamed(named, v);
    for (const [n, v] of upstreamHeaders) {
      const name = lowerName(n);
      if (!dropsResponseField(name, named, limited, noLength)) out.push([name, v]);
    }
  } else {
    const keys = Object.keys(upstreamHeaders);
    let named: string[] | undefined;
    for (const key of keys) {
      const v = upstreamHeaders[key];
      if (v !== undefined && lowerName(key) === 'connection') named = connectionNamed(named, v);
    }
    for (const key of keys) {
      const v = upstreamHeaders[key];
      if (v === undefined) continue;
      const name = lowerName(key);
      if (dropsResponseField(name, named, limited, noLength)) continue;
      if (typeof v === 'string') out.push([name, v]);
      else for (const each of v) out.push([name, each]);
    }
  }
  const edits = decision.route?.responseEdits;
  if (edits !== undefined) editHeaders(out, edits);
  if (decision.websocket && status === 101) {
    out.push(['connection', 'upgrade']);
    out.push(['upgrade', 'websocket']);
  }
  for (const entry of decision.responseHeaders) out.push(entry);
  return out;
}
