/**
 * `@switchyard/adapters/fastify`: Switchyard as a Fastify 5 plugin (the default export), wrapped
 * with fastify-plugin so that its decorators reach the whole app. Given `{ config }` it serves the
 * gateway: a catch-all route (in its own encapsulated context, whose only body parser leaves the
 * request stream unread for forwarding) hands each request to the pipeline and the standalone
 * proxy's undici forwarding. Routes the app declares itself win over the catch-all, and any route
 * can carry its own rate limit in its options (`config: { switchyard: { rateLimit } }`), taken in
 * an `onRequest` hook. Fastify is never imported at runtime (only its types).
 *
 * @packageDocumentation
 * @module @switchyard/adapters/fastify
 */

import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '@switchyard/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import {
  type EmbeddedGateway,
  type EmbeddedGatewayOptions,
  embedGateway,
  type LimitCheck,
  type LimitVerdict,
  limitCheck,
  type RateLimitOptions,
  type RateLimitStore,
} from '../frontdoor/index.js';
import type { ReloadResult } from '../proxy/gateway.js';
import { refuseConnect } from '../proxy/server.js';

export type { EmbeddedGatewayOptions, LimitVerdict, RateLimitOptions, RateLimitStore };

/** Options of the plugin. */
export interface SwitchyardPluginOptions extends EmbeddedGatewayOptions {
  /** The gateway: a gateway.yaml path or a config object, compiled at registration. */
  config: string | object;
  /**
   * Serve the gateway on a catch-all route (default true). Off: the gateway only answers through
   * `fastify.switchyard.forward(request, reply)` in the app's own handlers.
   */
  catchAll?: boolean;
  /** Route WebSocket upgrades of `fastify.server` through the gateway (default true). */
  upgrades?: boolean;
  /** A rate limit for every route of the app (routes may add their own through route options). */
  rateLimit?: RateLimitOptions;
}

/** Per-route options, under `config: { switchyard: ... }` of a route. */
export interface SwitchyardRouteConfig {
  /** A rate limit for this route alone, normalized once when the route is added. */
  rateLimit?: RateLimitOptions;
}

/** The `fastify.switchyard` decorator. */
export interface SwitchyardDecorator {
  /** Compiles `config` (default: the one given) and swaps it in; the old table stays on error. */
  reload(config?: string | object): Promise<ReloadResult>;
  /**
   * Hands a request to the gateway from an app's own handler: the reply is hijacked and the
   * gateway answers or forwards. The route must leave the body unparsed for a body to be forwarded.
   */
  forward(request: FastifyRequest, reply: FastifyReply): void;
  /** The embedded gateway (compiled state, handler). */
  readonly embedded: EmbeddedGateway;
}

/** What the `onRequest` limit hooks leave on `request.switchyard`. */
export interface SwitchyardRequestState {
  /** The last limit verdict taken for this request (plugin-wide, then the route's). */
  limit: LimitVerdict | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Switchyard's gateway; see {@link SwitchyardDecorator}. */
    switchyard: SwitchyardDecorator;
  }
  interface FastifyRequest {
    /** Switchyard's per-request state (namespaced). */
    switchyard: SwitchyardRequestState | null;
  }
  interface FastifyContextConfig {
    /** Switchyard's per-route options; see {@link SwitchyardRouteConfig}. */
    switchyard?: SwitchyardRouteConfig;
  }
}

/** The `onRequest` hook of one limit: headers on every answer, 429 when denied. */
function limitHook(check: LimitCheck): onRequestHookHandler {
  const carry = (request: FastifyRequest, reply: FastifyReply, v: LimitVerdict): boolean => {
    request.switchyard = { limit: v };
    reply.headers(v.headers);
    if (v.allowed) return true;
    reply.code(429).type('text/plain; charset=utf-8').send(v.body);
    return false;
  };
  return (request, reply, done) => {
    let verdict: LimitVerdict | Promise<LimitVerdict>;
    try {
      verdict = check(request.raw);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (verdict instanceof Promise)
      verdict.then(
        (v) => {
          if (carry(request, reply, v)) done();
        },
        (err: Error) => done(err),
      );
    else if (carry(request, reply, verdict)) done();
  };
}

/**
 * Fastify's `clientError` handlers (its default, and any `clientErrorHandler` an app gives) write
 * an error status line even when an answer is already under way on that connection; Node's own
 * default does not, because the extra bytes corrupt that answer (a client or cache then reads them
 * as the next response). A parse error behind a request the gateway answered or forwards (a body
 * that breaks its chunked framing, a smuggled request behind a refused head) would do exactly
 * that, so while an answer is under way the connection is only cut, as Node does.
 */
function guardClientErrors(fastify: FastifyInstance): void {
  const server = fastify.server;
  const handlers = server.listeners('clientError') as ((err: Error, socket: Duplex) => void)[];
  server.removeAllListeners('clientError');
  server.on('clientError', (err: Error, socket: Duplex) => {
    const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (current?.headersSent === true) {
      socket.destroy();
      return;
    }
    for (const handler of handlers) handler.call(server, err, socket);
  });
}

const switchyard: FastifyPluginAsync<SwitchyardPluginOptions> = async (fastify: FastifyInstance, options) => {
  if (options === null || typeof options !== 'object' || options.config === undefined)
    throw new InvalidArgumentError(
      'options.config',
      'the Switchyard plugin needs { config }: a gateway.yaml path or object',
    );
  const { config, catchAll = true, upgrades = true, rateLimit, ...embedOptions } = options;
  const embedded = embedGateway(config, embedOptions);
  const { handler } = embedded;

  const forward = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    // Limit headers set by an onRequest hook were put on the reply; the raw response carries them now.
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) reply.raw.setHeader(name, value as string);
    handler.handle(request.raw, reply.raw);
  };
  const decorator: SwitchyardDecorator = {
    reload: (next) => embedded.reload(next),
    forward,
    embedded,
  };
  fastify.decorate('switchyard', decorator);
  fastify.decorateRequest('switchyard', null);

  if (rateLimit !== undefined) fastify.addHook('onRequest', limitHook(limitCheck(rateLimit)));
  // Route options are read once, when the route is added: its limit is normalized then, never per request.
  fastify.addHook('onRoute', (route) => {
    const own = route.config?.switchyard?.rateLimit;
    if (own === undefined) return;
    const hook = limitHook(limitCheck(own));
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
  });

  guardClientErrors(fastify);
  // An app that serves CONNECT itself keeps doing so; otherwise it is refused 400, not dropped.
  if (fastify.server.listenerCount('connect') === 0)
    fastify.server.on('connect', (req, socket: Duplex) => refuseConnect(socket, req));
  if (upgrades) {
    const server = fastify.server;
    server.on('upgrade', (req, socket, head: Buffer) => handler.handleUpgrade(req, socket, head, server));
  }
  fastify.addHook('onClose', async () => {
    await embedded.close();
  });

  if (catchAll) {
    // Encapsulated: the raw body parser below must not replace the app's own parsers.
    await fastify.register(async (child) => {
      child.removeAllContentTypeParsers();
      // Leaves the body unread: the forwarder streams `request.raw` to the upstream as it arrives.
      child.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      child.all('/', forward);
      child.all('/*', forward);
    });
  }
};

/**
 * The Switchyard Fastify plugin: `app.register(switchyard, { config })`. Wrapped with
 * fastify-plugin (name `@switchyard/adapters/fastify`, Fastify 5) so `fastify.switchyard`, the
 * plugin-wide limit hook and the route-option hook apply to the whole app.
 */
const plugin = fp(switchyard, { name: '@switchyard/adapters/fastify', fastify: '5.x' });
export default plugin;
export { plugin as switchyard };
