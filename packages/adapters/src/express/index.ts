/**
 * `@switchyard/adapters/express`: Switchyard in an Express 5 (or 4) app. {@link gateway} is the
 * whole gateway as one middleware; {@link rateLimit}, {@link route} and {@link proxy} are the
 * parts on their own. The adapter translates and carries out: every decision is the gateway
 * pipeline's, and forwarding is the standalone proxy's own undici code. Express itself is never
 * imported at runtime (only its types), so loading this module loads no framework.
 *
 * @packageDocumentation
 * @module @switchyard/adapters/express
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestInfo, Resolution } from '@switchyard/core';
import { InvalidArgumentError } from '@switchyard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  type EmbeddedGateway,
  type EmbeddedGatewayOptions,
  embedGateway,
  type LimitVerdict,
  limitCheck,
  type ProxyOptions,
  proxyConfig,
  type RateLimitOptions,
  type RateLimitStore,
} from '../frontdoor/index.js';
import type { ReloadResult } from '../proxy/gateway.js';
import { refuseConnect } from '../proxy/server.js';

export type { EmbeddedGatewayOptions, ProxyOptions, RateLimitOptions, RateLimitStore };

/** What {@link route} leaves on `req.switchyard`. */
export interface SwitchyardRequestState {
  /** The router's whole answer: matched, no-route (404), method-not-allowed (405) or rejected (400). */
  resolution?: Resolution<unknown>;
}

declare global {
  namespace Express {
    interface Request {
      /** Switchyard's per-request state (namespaced so it never collides with another middleware's). */
      switchyard?: SwitchyardRequestState;
    }
  }
}

/** The gateway middleware, with what its owner needs to run it: reload, upgrades, close. */
export interface GatewayMiddleware extends RequestHandler {
  /** Compiles `config` (default: the one given) and swaps it in; the old table stays on error. */
  reload(config?: string | object): Promise<ReloadResult>;
  /**
   * Routes WebSocket upgrades of `server` (the one `app.listen` returned) through the gateway;
   * Express has no upgrade hook of its own. Also answers `CONNECT` 400 (node:http would drop the
   * connection silently) unless the server already has a `connect` listener. Returns `server`.
   */
  attach(server: Server): Server;
  /** Lets requests in flight finish, then closes upstream pools and what compiling opened. */
  close(): Promise<void>;
  /** The embedded gateway (compiled state, handler). */
  readonly embedded: EmbeddedGateway;
}

/**
 * The whole gateway as Express middleware: every request it sees is decided by the pipeline on
 * `config` (a gateway.yaml path or a config object, compiled now: a bad config throws here) and
 * answered (404, 405, 400, 429) or forwarded. The gateway sees the request-target as received
 * (`req.originalUrl`), wherever the middleware is mounted. It never calls `next()` except with
 * an error of its own (a bug; client input and upstream failures are answered, never thrown).
 */
export function gateway(config: string | object, options: EmbeddedGatewayOptions = {}): GatewayMiddleware {
  const embedded = embedGateway(config, options);
  const { handler } = embedded;
  const middleware = ((req: Request, res: Response, next: NextFunction) => {
    // Express may have rewritten `req.url` for a mount path; the gateway routes what the client sent.
    if (req.originalUrl !== undefined && req.url !== req.originalUrl) req.url = req.originalUrl;
    handler.handle(req, res, next);
  }) as GatewayMiddleware;
  Object.defineProperties(middleware, {
    embedded: { value: embedded },
    reload: { value: (next?: string | object) => embedded.reload(next) },
    close: { value: () => embedded.close() },
    attach: {
      value: (server: Server) => {
        server.on('upgrade', (req, socket: Duplex, head: Buffer) => handler.handleUpgrade(req, socket, head, server));
        // An app that serves CONNECT itself keeps doing so; otherwise it is refused 400, not dropped.
        if (server.listenerCount('connect') === 0)
          server.on('connect', (req, socket: Duplex) => refuseConnect(socket, req));
        return server;
      },
    },
  });
  return middleware;
}

/**
 * Forwards every request it sees to one upstream (`options.target`) through the gateway pipeline
 * (header hygiene, `X-Forwarded-*`, `Via`, request ids) and the standalone proxy's forwarding.
 */
export function proxy(options: ProxyOptions): GatewayMiddleware {
  return gateway(proxyConfig(options));
}

/**
 * Rate limits the requests it sees with a local limiter or a shared store: every admitted
 * response carries `X-RateLimit-*` (and the IETF pair unless `headers.families` says otherwise),
 * a denied request gets 429 with `Retry-After`. A store that throws goes to `next(err)`.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const check = limitCheck(options);
  const carry = (res: Response, next: NextFunction, v: LimitVerdict) => {
    res.set(v.headers);
    if (v.allowed) next();
    else res.status(429).type('text/plain').send(v.body);
  };
  return (req: Request, res: Response, next: NextFunction) => {
    let verdict: LimitVerdict | Promise<LimitVerdict>;
    try {
      verdict = check(req);
    } catch (err) {
      next(err);
      return;
    }
    if (verdict instanceof Promise)
      verdict.then(
        (v) => carry(res, next, v),
        (err: unknown) => next(err),
      );
    else carry(res, next, verdict);
  };
}

/** The router interface {@link route} needs: `Router` of `@switchyard/core` or `@switchyard/node`. */
export interface ResolvingRouter<T> {
  resolve(req: RequestInfo): Resolution<T>;
}

/** Options of {@link route}. */
export interface RouteOptions {
  /**
   * Answer 404, 405 (with `Allow`) and 400 here instead of passing the request on (default
   * false: every request goes on with its resolution on `req.switchyard`).
   */
  answer?: boolean;
}

/**
 * Resolves each request with `router` and puts the resolution on `req.switchyard.resolution`
 * (the match, with its value and params, when one matched) for the handlers after it.
 */
export function route<T>(router: ResolvingRouter<T>, options: RouteOptions = {}): RequestHandler {
  if (router === null || typeof router !== 'object' || typeof router.resolve !== 'function')
    throw new InvalidArgumentError('route', 'expected a Router (an object with resolve())');
  const answer = options.answer === true;
  return (req: Request, res: Response, next: NextFunction) => {
    let resolution: Resolution<T>;
    try {
      resolution = router.resolve({
        path: req.originalUrl ?? req.url,
        method: req.method,
        host: req.headers.host,
        headers: req.headers,
      });
    } catch (err) {
      next(err);
      return;
    }
    req.switchyard = { ...req.switchyard, resolution };
    if (!answer || resolution.outcome === 'matched') {
      next();
      return;
    }
    if (resolution.outcome === 'method-not-allowed') res.setHeader('allow', resolution.allow.join(', '));
    const [status, text] =
      resolution.outcome === 'no-route'
        ? [404, 'no route']
        : resolution.outcome === 'method-not-allowed'
          ? [405, 'method not allowed']
          : [400, resolution.reason];
    res.status(status).type('text/plain').send(`${status} ${text}\n`);
  };
}
