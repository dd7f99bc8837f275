/**
 * The WebSocket opening handshake as the gateway checks it both ways (RFC 6455 §4): a client's
 * handshake must be one a server could accept before it is sent upstream, and an upstream's
 * `101` must really switch to WebSocket for this handshake before the gateway turns the two
 * connections into a raw tunnel. Decisions only; the front doors carry them out.
 * @module
 */
import { createHash } from 'node:crypto';
import type { HeaderMap } from '../types.js';
import { tokenList } from './headers.js';
import { UpstreamResponseError } from './upstream.js';

/** RFC 6455 §1.3: the GUID a server appends to the client's key to prove it read the handshake. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A base64 encoding of 16 bytes (RFC 6455 §4.1 item 7): 22 characters, the last with 2 bits, then `==`. */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/**
 * Whether a request declares content (RFC 9112 §6.3: a `Content-Length` other than 0, or a
 * transfer coding): what the forwarder streams upstream as a body, and what a handshake may not have.
 */
export function declaresContent(headers: HeaderMap): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/**
 * Why a request that asks for a WebSocket upgrade cannot be forwarded, or `undefined` when it can.
 *
 * - It declares content: the bytes after a handshake's head belong to the new protocol (RFC 9110
 *   §7.8: the switch happens right after the `101`), so a body would be read as a body by one
 *   hop and as frames, or as a next request, by another; and the gateway holds those bytes until
 *   the upstream switches, so an upstream that waits for the announced body never answers.
 * - `Sec-WebSocket-Key` is missing, repeated or not the base64 of 16 bytes (RFC 6455 §4.1 item
 *   7): a server "MUST stop processing the client's handshake and return an HTTP response with an
 *   appropriate error code (such as 400 Bad Request)" (§4.2.1), and the gateway needs the key to
 *   check the upstream's answer ({@link webSocketSwitchProblem}).
 */
export function webSocketHandshakeProblem(headers: HeaderMap): string | undefined {
  if (declaresContent(headers))
    return 'a WebSocket handshake carries no body: what follows its head is the new protocol (RFC 9110 §7.8)';
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key))
    return 'a WebSocket handshake needs one Sec-WebSocket-Key, the base64 of 16 bytes (RFC 6455 §4.1)';
  return undefined;
}

/** The `Sec-WebSocket-Accept` a server answers `key` with (RFC 6455 §4.2.2 item 5.4). */
export function webSocketAccept(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/**
 * Why an upstream's `101` to a forwarded WebSocket handshake is not a switch to WebSocket for
 * this handshake, or `undefined` when it is. RFC 6455 §4.1 (the client's checks, which the
 * gateway makes as the upstream's client): `Upgrade` must name `websocket`, `Connection` must
 * name `upgrade`, and `Sec-WebSocket-Accept` must be the one derived from the key sent;
 * otherwise the client "MUST _Fail the WebSocket Connection_". The gateway answers 502 rather
 * than open a raw tunnel to an upstream that did not take the handshake (through such a tunnel a
 * client could speak any protocol, plain HTTP requests that no route decided included).
 */
export function webSocketSwitchProblem(
  requestKey: string | string[] | undefined,
  upstream: HeaderMap,
): UpstreamResponseError | undefined {
  if (!tokenList(upstream.upgrade).includes('websocket'))
    return new UpstreamResponseError(101, 'a switch to another protocol than websocket');
  if (!tokenList(upstream.connection).includes('upgrade'))
    return new UpstreamResponseError(101, 'a switch whose Connection does not name upgrade');
  const accept = upstream['sec-websocket-accept'];
  if (typeof requestKey !== 'string' || typeof accept !== 'string' || accept.trim() !== webSocketAccept(requestKey))
    return new UpstreamResponseError(101, 'a Sec-WebSocket-Accept that does not answer the handshake (RFC 6455 §4.1)');
  return undefined;
}
