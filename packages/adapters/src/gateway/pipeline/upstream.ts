/**
 * What the gateway accepts of an upstream's answer before passing it on: the status must be one
 * HTTP defines, and an answer that cannot carry content ends with its head, whatever length it
 * announces. Decisions only; the front doors apply them to the bytes.
 * @module
 */

/** Stable code of {@link UpstreamResponseError}. */
export const UPSTREAM_RESPONSE_ERROR_CODE = 'SWITCHYARD_UPSTREAM_RESPONSE';

/**
 * An upstream answer the gateway refuses to pass to the client (the client gets the gateway's
 * own 502 instead, RFC 9110 §15.6.3). Thrown nowhere: front doors fail the upstream exchange with
 * it, so that logs and events name the reason by its stable {@link UpstreamResponseError.code}.
 */
export class UpstreamResponseError extends Error {
  /** Always {@link UPSTREAM_RESPONSE_ERROR_CODE}. */
  readonly code = UPSTREAM_RESPONSE_ERROR_CODE;
  /** The status the upstream sent. */
  readonly status: number;

  constructor(status: number, reason: string) {
    super(`the upstream answered status ${status}: ${reason}`);
    this.name = 'UpstreamResponseError';
    this.status = status;
  }
}

/**
 * Why an upstream's final status cannot be passed on, or `undefined` when it can. RFC 9110 §15:
 * a status is a three-digit integer from 100 to 599; values outside that range are invalid and
 * "a client that receives a response with an invalid status code SHOULD process the response as
 * if it had a 5xx (Server Error) status code". The gateway is that client, so it answers 502
 * rather than relay a status its own clients may not parse (Node's server writes any of 100-999).
 */
export function upstreamStatusProblem(status: number): UpstreamResponseError | undefined {
  if (Number.isInteger(status) && status >= 100 && status <= 599) return undefined;
  return new UpstreamResponseError(status, 'a status must be from 100 to 599 (RFC 9110 §15)');
}

/**
 * Whether an answer ends with its head, whatever `Content-Length` it announces (RFC 9112 §6.3
 * rule 1): any answer to `HEAD`, and any 1xx, 204 or 304. The front door ends the client's
 * response as soon as the head is written, so a `Content-Length` that only describes the
 * representation (allowed on a 304 and on a `HEAD` answer, RFC 9110 §8.6) never waits for, or
 * fails on, bytes that cannot come.
 */
export function answerEndsWithHead(method: string, status: number): boolean {
  return method === 'HEAD' || status < 200 || status === 204 || status === 304;
}
