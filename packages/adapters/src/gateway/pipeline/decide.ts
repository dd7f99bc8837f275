/**
 * The request pipeline: one pure function from (request, gateway state, now, random) to a
 * {@link Decision}. The order is fixed — canonicalize, match, version, limits, service and target,
 * rewrite, headers — and documented in docs/gateway.md.
 * @module
 */
import { ConfigError, type MultiDecision, type RequestInfo, type Resolution } from '@switchyard/core';
import type {
  CompiledLimitPolicy,
  CompiledRoute,
  CompiledService,
  Decision,
  DecisionInputs,
  ForwardDecision,
  GatewayRequest,
  GatewayState,
  HeaderList,
  HeaderMap,
  RespondDecision,
  RespondReason,
  Timeouts,
} from '../types.js';
import { chooseService, chooseTarget, releaseFlight, type ServiceChoice, type TargetChoice } from './balance.js';
import { FLIGHT, type Flighted, takeFlight, tracked } from './flight.js';
import { editHeaders, isWebSocketUpgrade, planRequestHeaders, planTraceparent, requestIdOf } from './headers.js';
import { type KeyInput, keyValue } from './keys.js';
import {
  type AppliedPolicy,
  applyPolicy,
  type LimitOutcome,
  limitHeaderList,
  takeMemory,
  takeShared,
} from './limits.js';
import { type Prepared, prepare } from './prepare.js';
import { rewritePath, upstreamTarget } from './rewrite.js';
import { NO_VERSION, type ResolvedVersion, resolveVersion, routerHeaders } from './version.js';
import { webSocketHandshakeProblem } from './websocket.js';

/** A request-target split into its parts. */
export interface TargetParts {
  /** The authority of an absolute-form target (`http://host:port/p`), else `undefined`. */
  authority: string | undefined;
  /** Origin-form path and query (`/p?q`): what the router and canonicalizer read. */
  pathAndQuery: string;
  /** What followed the first `?`, or `undefined` when there was no `?`. */
  query: string | undefined;
}

const ABSOLUTE = /^[Hh][Tt][Tt][Pp][Ss]?:\/\/([^/?#]*)/;

/**
 * Splits a request-target: origin-form `/p?q`, or absolute-form `http://host/p?q` (whose authority
 * then is the request's host, RFC 9112 §3.2.2). `undefined` for asterisk- and authority-form, an
 * absolute-form of another scheme than `http`/`https`, one with user info (RFC 9110 §4.2.4: a
 * recipient treats it as an error; `http://good@evil/` is a classic confusion) and anything else:
 * the gateway routes paths.
 */
export function splitTarget(target: string): TargetParts | undefined {
  let authority: string | undefined;
  let pathAndQuery = target;
  if (!target.startsWith('/')) {
    const m = ABSOLUTE.exec(target);
    if (!m || m[1]!.includes('@')) return undefined;
    authority = m[1]!;
    pathAndQuery = target.slice(m[0].length);
    if (pathAndQuery === '' || pathAndQuery.startsWith('?')) pathAndQuery = `/${pathAndQuery}`;
  }
  const q = pathAndQuery.indexOf('?');
  return { authority, pathAndQuery, query: q < 0 ? undefined : pathAndQuery.slice(q + 1) };
}

/**
 * A request host as RFC 3986 §3.2.2 allows one and DNS can name: a name of letters, digits and
 * `-._~`, an IPv4 address, or a bracketed IPv6 literal, then an optional port up to 65535.
 * Stricter than reg-name on purpose: a space, `,`, `/`, `\`, `@` or `%` in a host is a confusion
 * attempt (cache poisoning, routing by one host and forwarding another), never a real name.
 */
const HOST = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/** Whether `host` is a well-formed request host (see {@link HOST}); `''` is not. */
export function isValidHost(host: string): boolean {
  // Nearly every request of a gateway names one of a few hosts: the last valid one is remembered.
  if (host === lastValidHost) return true;
  const m = HOST.exec(host);
  const valid = m !== null && (m[1] === undefined || Number(m[1]) <= 65_535);
  if (valid) lastValidHost = host;
  return valid;
}

let lastValidHost: string | undefined;

/**
 * Most header fields a request may carry. Node keeps only the first 2000 (`maxHeadersCount`) and
 * drops the rest silently, so a gateway that forwarded "what it saw" could forward a different
 * request than the client sent; past this many the request is answered 431 instead. Envoy's and
 * Apache's default limits are 100.
 */
export const MAX_HEADER_FIELDS = 100;

/** What is wrong with the head of a request, before routing: `[reason, message]`, or `undefined`. */
function headProblem(req: GatewayRequest, host: string | undefined): [RespondReason, string] | undefined {
  const raw = req.rawHeaders;
  if (raw !== undefined) {
    if (raw.length > 2 * MAX_HEADER_FIELDS)
      return ['too-many-fields', `the request has more than ${MAX_HEADER_FIELDS} header fields`];
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
    }
    // RFC 9112 §3.2: a request with more than one Host field line is answered 400.
    if (hosts > 1) return ['rejected', 'the request has more than one Host field'];
  }
  if (host !== undefined && !isValidHost(host))
    return ['rejected', `the request host ${JSON.stringify(host.slice(0, 100))} is not a valid host[:port]`];
  // RFC 9112 §6.1: chunked must be the final coding and is the only one the gateway can re-frame;
  // `chunked, identity`, `gzip, chunked` or a doubled `chunked` would reach the upstream as
  // something other than what the client framed (the smuggling class of CVE-2022-32215).
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && (typeof te !== 'string' || te.trim().toLowerCase() !== 'chunked'))
    return ['rejected', 'the only transfer coding a request may use is chunked, once'];
  if (isWebSocketUpgrade(req.method, req.headers)) {
    const handshake = webSocketHandshakeProblem(req.headers);
    if (handshake !== undefined) return ['rejected', handshake];
  }
  return undefined;
}

/** The `Host` header (or HTTP/2 `:authority`) as one string, `undefined` when absent. */
function hostHeader(headers: HeaderMap): string | undefined {
  const h = headers.host ?? headers[':authority'];
  return typeof h === 'string' ? h : h?.[0];
}

const JSON_TYPE = 'application/json; charset=utf-8';
const MESSAGE_PATH_MAX = 200;

function shown(path: string): string {
  return path.length > MESSAGE_PATH_MAX ? `${path.slice(0, MESSAGE_PATH_MAX)}…` : path;
}

/** Statuses of the answers the pipeline gives itself. */
export const RESPOND_STATUS: Readonly<Record<RespondReason, number>> = {
  'no-route': 404,
  'method-not-allowed': 405,
  rejected: 400,
  'too-many-fields': 431,
  'payload-too-large': 413,
  'rate-limited': 429,
  'limit-store-unavailable': 503,
  'no-target': 503,
};

/**
 * The body of the gateway's own 502 or 504 for a failed upstream, in the shape of its other
 * answers. It names the service, not the target: the upstream's address is for the operator (the
 * access log, the events), not for the client.
 */
export const UPSTREAM_FAILURE = {
  contentType: JSON_TYPE,
  body(status: 502 | 504, service: string): string {
    return JSON.stringify(
      status === 504
        ? { error: 'upstream-timeout', message: `the upstream of service ${service} did not answer in time` }
        : { error: 'upstream-failed', message: `the upstream of service ${service} failed` },
    );
  },
};

/**
 * An answer of the gateway itself: status by reason, a small JSON body
 * `{"error": <reason>, "message": <what happened>}`, `Content-Type`, `X-Request-ID`, then `extra`
 * (`Allow`, the limit headers). Front doors add `Content-Length` and drop the body for `HEAD`.
 */
export function respond(
  reason: RespondReason,
  message: string,
  requestId: string,
  extra: HeaderList,
  at: { path: string | undefined; route: CompiledRoute | undefined; limits: MultiDecision | undefined },
): RespondDecision {
  return {
    kind: 'respond',
    status: RESPOND_STATUS[reason],
    headers: [['content-type', JSON_TYPE], ['x-request-id', requestId], ...extra],
    body: JSON.stringify({ error: reason, message }),
    reason,
    requestId,
    path: at.path,
    route: at.route,
    limits: at.limits,
  };
}

/** A request that matched a route, with everything steps 4 to 7 read. */
export interface Matched {
  kind: 'matched';
  req: GatewayRequest;
  state: GatewayState;
  inputs: DecisionInputs;
  prep: Prepared;
  requestId: string;
  parts: TargetParts;
  host: string | undefined;
  path: string;
  version: ResolvedVersion;
  route: CompiledRoute;
  keys: KeyInput;
  clientKey: () => string;
  applied: AppliedPolicy[];
  /** What the router was asked (with the resolved version header), for `explain`. */
  routerRequest: RequestInfo;
}

/**
 * A request answered before the limits: rejected (400), no route (404), method not allowed (405),
 * or a declared body larger than its route takes (413, with `decision.route` set).
 */
export interface Unmatched {
  kind: 'unmatched';
  decision: RespondDecision;
  /** What the router was asked, when the request got that far. */
  routerRequest: RequestInfo | undefined;
  version: ResolvedVersion | undefined;
  host: string | undefined;
}

/** Where a request answered before matching got: nowhere. */
const NOWHERE = { path: undefined, route: undefined, limits: undefined } as const;

/** An answer given before the router was asked. */
function early(decision: RespondDecision, host?: string): Unmatched {
  return { kind: 'unmatched', decision, routerRequest: undefined, version: undefined, host };
}

/** The answer to a request the router did not match: 400, 404 or 405 with `Allow`. */
function unmatchedAnswer(
  req: GatewayRequest,
  outcome: Exclude<Resolution<CompiledRoute>, { outcome: 'matched' }>,
  requestId: string,
): RespondDecision {
  switch (outcome.outcome) {
    case 'rejected': {
      const message = `request rejected (${outcome.code}): ${outcome.reason}`;
      return respond('rejected', message, requestId, [], NOWHERE);
    }
    case 'no-route': {
      const message = `no route for ${req.method} ${shown(outcome.path)}`;
      return respond('no-route', message, requestId, [], { ...NOWHERE, path: outcome.path });
    }
    case 'method-not-allowed': {
      const allow = outcome.allow.join(', ');
      const message = `${req.method} is not allowed on ${shown(outcome.path)}; allowed: ${allow}`;
      return respond('method-not-allowed', message, requestId, [['allow', allow]], { ...NOWHERE, path: outcome.path });
    }
  }
}

/** Steps 1 to 3 and the match (2): the route, or the answer when there is none. */
export function begin(req: GatewayRequest, state: GatewayState, inputs: DecisionInputs): Matched | Unmatched {
  const compiled = state.compiled;
  const prep = prepare(compiled);
  const requestId = requestIdOf(req.headers['x-request-id'], inputs.random);
  const none = NOWHERE;
  // Origin-form or absolute-form only: the gateway routes paths.
  const parts = splitTarget(req.target);
  if (parts === undefined) {
    const message = 'the request-target must be a path (origin-form) or an absolute URL';
    return early(respond('rejected', message, requestId, [], none));
  }
  const host = parts.authority ?? hostHeader(req.headers);
  const problem = headProblem(req, host);
  // A head the gateway cannot trust ends the connection: whatever follows it on the wire was framed
  // by rules the gateway just refused, so nothing after it is read as a request (RFC 9112 §9.6).
  if (problem !== undefined) return early(respond(problem[0], problem[1], requestId, [['connection', 'close']], none));
  // 3 before 2: versioned routes are told apart by the router itself, through the version header
  // it is given, so the version is resolved from the canonical path before matching. Without
  // versioned routes the router's own canonicalization (inside resolve) is the only one.
  let version: ResolvedVersion = NO_VERSION;
  let headers = req.headers;
  if (prep.versioned) {
    const canonical = prep.resolver.canonicalize(parts.pathAndQuery);
    if (!canonical.ok) {
      const message = `request rejected (${canonical.code}): ${canonical.reason}`;
      return early(respond('rejected', message, requestId, [], none), host);
    }
    version = resolveVersion(canonical.path, req.headers, compiled.versioning);
    headers = routerHeaders(req.headers, version.version);
  }
  const routerRequest: RequestInfo = { path: parts.pathAndQuery, method: req.method, host, headers };
  // 1 and 2: canonicalize and match
  const outcome = prep.resolver.resolve(routerRequest);
  if (!prep.versioned && outcome.outcome !== 'rejected') {
    version = resolveVersion(outcome.path, req.headers, compiled.versioning);
  }
  if (outcome.outcome !== 'matched') {
    const decision = unmatchedAnswer(req, outcome, requestId);
    return { kind: 'unmatched', decision, routerRequest, version, host };
  }

  const path = outcome.path;
  const route = outcome.match.value;
  const tooLarge = bodyOverLimit(req.headers['content-length'], route.maxBodyBytes);
  if (tooLarge !== undefined) {
    const message = `the request body of ${tooLarge} bytes is over this route's limit of ${route.maxBodyBytes} bytes`;
    // The body is not read: the connection ends after the answer, so that its bytes are never
    // taken for the next request (and a client that sent `Expect: 100-continue` never sends them).
    const decision = respond('payload-too-large', message, requestId, [['connection', 'close']], {
      path,
      route,
      limits: undefined,
    });
    return { kind: 'unmatched', decision, routerRequest, version, host };
  }
  let clientIp: string | undefined | null = null;
  let clientKey: string | undefined;
  const keys: KeyInput = {
    headers: req.headers,
    query: parts.query,
    path,
    clientIp: () => {
      if (clientIp === null) clientIp = prep.address.clientIp(req.remoteAddress, req.headers);
      return clientIp;
    },
  };
  const clientKeyOf = () => {
    clientKey ??= prep.address.limitKey(req.remoteAddress, req.headers);
    return clientKey;
  };
  const policies = prep.routeLimits.get(route) ?? policiesOf(state, route);
  return {
    kind: 'matched',
    req,
    state,
    inputs,
    prep,
    requestId,
    parts,
    host,
    path,
    version,
    route,
    keys,
    clientKey: clientKeyOf,
    applied: policies.map((p) => applyPolicy(p, keys, clientKeyOf)),
    routerRequest,
  };
}

/**
 * The declared body length when it is over `limit` bytes (`0` or absent: no limit), else
 * `undefined`. A chunked body declares none: the front door counts it as it streams.
 */
export function bodyOverLimit(
  contentLength: string | string[] | undefined,
  limit: number | undefined,
): number | undefined {
  if (limit === undefined || limit === 0 || typeof contentLength !== 'string') return undefined;
  const length = Number(contentLength);
  return length > limit ? length : undefined;
}

/** Policies of a route that is not the same object as one of `compiled.routes` (built in code). */
function policiesOf(state: GatewayState, route: CompiledRoute): CompiledLimitPolicy[] {
  return route.limits.map((name) => {
    const policy = state.compiled.limits.get(name);
    if (!policy)
      throw new ConfigError(`route #${route.index} ${route.path}: unknown rate limit ${JSON.stringify(name)}`);
    return policy;
  });
}

/** The hash key of a service that does not hash. */
const noKey = (): undefined => undefined;

/** What steps 5 to 7 chose, beside the decision (for `explain`). */
export interface Chosen {
  decision: Decision;
  service: ServiceChoice | undefined;
  target: TargetChoice | undefined;
}

/** Steps 5 to 7 after the limits decided; `commit` false changes no balancer state. */
export function finish(m: Matched, outcome: LimitOutcome, commit: boolean): Chosen {
  const { route, requestId, prep, inputs } = m;
  const limits = outcome.kind === 'none' ? undefined : outcome.decision;
  const limitHeaders = limitHeaderList(limits, prep.headerOptions);
  if (outcome.kind === 'denied') {
    const binding = outcome.decision.binding;
    const seconds = Math.max(1, Math.ceil(outcome.decision.retryAfterMs / 1000));
    const message = `rate limit ${JSON.stringify(binding?.name ?? '')} exceeded; retry in ${seconds} s`;
    return {
      decision: respond('rate-limited', message, requestId, limitHeaders, { path: m.path, route, limits }),
      service: undefined,
      target: undefined,
    };
  }
  if (outcome.kind === 'unavailable') {
    const message = `rate limit ${JSON.stringify(outcome.policy)}: its shared store is unavailable`;
    return {
      decision: respond('limit-store-unavailable', message, requestId, [...limitHeaders, ['retry-after', '1']], {
        path: m.path,
        route,
        limits,
      }),
      service: undefined,
      target: undefined,
    };
  }
  // 5. service, then target
  const sticky = route.sticky ? keyValue(route.sticky, m.keys) : undefined;
  const service = chooseService(route, sticky, inputs.random);
  const prepared = service ? prep.services.get(service.service) : undefined;
  const balance = prepared?.service.balance;
  const hashKey = balance?.kind === 'consistent-hash' ? () => keyValue(balance.key, m.keys) : noKey;
  const target = prepared
    ? chooseTarget(prepared, m.state.runtime, hashKey, inputs.random, commit, inputs.nowMs)
    : undefined;
  if (!prepared || !target) {
    const name = service?.service ?? route.service ?? '';
    return {
      decision: respond(
        'no-target',
        `service ${JSON.stringify(name)} has no target that can take the request`,
        requestId,
        limitHeaders,
        { path: m.path, route, limits },
      ),
      service,
      target: undefined,
    };
  }
  // 6. rewrite
  const rewritten = rewritePath(m.path, route.rewrite);
  // 7. headers both ways
  const req = m.req;
  const websocket = isWebSocketUpgrade(req.method, req.headers);
  const requestHeaders = planRequestHeaders({
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    remoteAddress: req.remoteAddress,
    encrypted: req.encrypted,
    httpVersion: req.httpVersion,
    host: m.host,
    upstreamHost: target.target.host,
    peerTrusted: prep.address.peerTrusted(req.remoteAddress),
    via: prep.via,
    requestId,
    traceparent: planTraceparent(req.headers.traceparent, inputs.random),
    websocket,
  });
  if (route.requestEdits !== undefined) editHeaders(requestHeaders, route.requestEdits);
  const svc = prepared.service;
  const decision: Flighted = {
    kind: 'forward',
    requestId,
    route,
    path: m.path,
    version: m.version.version,
    service: svc,
    target: target.target,
    upstreamPath: upstreamTarget(target.target.basePath, rewritten, m.parts.query),
    requestHeaders,
    responseHeaders: [['x-request-id', requestId], ...limitHeaders],
    timeouts: route.timeoutMs === undefined && route.timeouts === undefined ? svc.timeouts : routeTimeouts(svc, route),
    limits,
    websocket,
    // In the literal, so that every decision has one shape from the start.
    [FLIGHT]: commit ? prepared.flightKeys[target.index] : undefined,
  };
  if (commit) {
    if (svc.resilience !== undefined) {
      tracked.set(decision, {
        prepared,
        index: target.index,
        key: target.key,
        admission: target.admission,
        tried: [target.index],
      });
    }
  }
  return { decision, service, target };
}

/** The service's timeouts with the route's own (`timeouts:`, then `timeout_ms`) over them. */
function routeTimeouts(service: CompiledService, route: CompiledRoute): Timeouts {
  const own = route.timeouts;
  return {
    connectMs: own?.connectMs ?? service.timeouts.connectMs,
    headersMs: own?.headersMs ?? service.timeouts.headersMs,
    requestMs: own?.requestMs ?? route.timeoutMs ?? service.timeouts.requestMs,
    idleMs: service.timeouts.idleMs,
  };
}

/** Whether any of the policies keeps its budget outside the process. */
function hasShared(applied: readonly AppliedPolicy[]): boolean {
  for (const a of applied) if (a.policy.shared !== undefined) return true;
  return false;
}

/**
 * Decides what to do with one request: answer it now ({@link RespondDecision}: 400, 404, 405 with
 * `Allow`, 429, 503) or forward it ({@link ForwardDecision}: service, target, upstream path, both
 * header plans, timeouts, the limits taken). Pure but for the state it is meant to change: limiter
 * budgets, the round-robin cursor and the in-flight count of the chosen target (which the front
 * door gives back with {@link release} when the upstream exchange ends). Time and randomness come
 * only from `inputs`.
 *
 * Synchronous whenever every rate limit that applies is in memory; a Promise only when a
 * `store: redis` limit applies. It never rejects for a Redis failure (`redis.on_error` decides).
 * @throws ConfigError when the state names a policy or service it does not define.
 */
export function decide(req: GatewayRequest, state: GatewayState, inputs: DecisionInputs): Decision | Promise<Decision> {
  const m = begin(req, state, inputs);
  if (m.kind === 'unmatched') return m.decision;
  // 4. limits, all or nothing
  if (!hasShared(m.applied)) return finish(m, takeMemory(m.applied, inputs.nowMs), true).decision;
  const onError = state.compiled.redis?.onError ?? 'fail-open';
  return takeShared(m.applied, inputs.nowMs, onError).then((outcome) => finish(m, outcome, true).decision);
}

/**
 * Ends a forwarded request's in-flight count on its target (least-requests balancing reads it).
 * Front doors call it once when the upstream exchange ends, however it ends; a second call for
 * the same decision, or a call with a respond decision, does nothing.
 */
export function release(state: GatewayState, decision: Decision): void {
  if (decision.kind !== 'forward') return;
  const key = takeFlight(decision);
  if (key === undefined) return;
  releaseFlight(state.runtime, key);
  const t = tracked.get(decision);
  if (t !== undefined) {
    tracked.delete(decision);
    // An admission never answered for (an upgrade, a request the front door gave up on) frees its trial slot.
    if (t.admission !== undefined)
      state.runtime.resilience?.of(t.prepared.service)?.targets[t.index]?.cancel(t.admission);
  }
}
