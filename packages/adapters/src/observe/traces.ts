/**
 * Traces through `@opentelemetry/api`: when the process has registered a tracer provider (an
 * OpenTelemetry SDK), one SERVER span per request and one CLIENT span per upstream attempt, with
 * the HTTP semantic-convention attributes, and the upstream's `traceparent` naming the attempt
 * span. The span listeners are subscribed only while a provider is registered (checked when a
 * gateway is attached and then every second, see {@link GatewayTracing.watch}): without one,
 * requests cost nothing here and nothing is recorded; the pipeline's own `traceparent`
 * (continued when valid, else started) is sent unchanged. `@opentelemetry/api` is an optional
 * peer dependency: without it, no spans.
 * @module
 */

import type { Context, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api';
import deps from '#observe-deps';
import type {
  GatewayEventHandlers,
  GatewayEvents,
  ObservedRequest,
  RequestDecidedEvent,
  RequestFinishedEvent,
  RequestStartEvent,
  UpstreamAttemptEndEvent,
  UpstreamAttemptStartEvent,
} from '../gateway/events.js';
import { parseTraceparent } from '../gateway/pipeline/headers.js';
import { prepare } from '../gateway/pipeline/prepare.js';
import type { CompiledTarget } from '../gateway/types.js';
import { methodLabel } from './metrics.js';

type OtelApi = NonNullable<ReturnType<typeof deps.otel>>;

const TRACER_NAME = '@switchyard/adapters';
/** How often a watched gateway checks whether a tracer provider was registered or removed. */
const PROVIDER_CHECK_MS = 1000;
const TRACER_VERSION = '0.1.0';

/** `host[:port]` split, for `server.address` / `server.port`. */
function hostAndPort(authority: string | undefined): [string | undefined, number | undefined] {
  if (authority === undefined || authority === '') return [undefined, undefined];
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority);
  if (!m) return [authority, undefined];
  return [m[1], m[2] === undefined ? undefined : Number(m[2])];
}

/** `traceparent` of a span context. */
export function traceparentOf(ctx: SpanContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The spans of one gateway's requests; see the module comment. */
export class GatewayTracing {
  readonly #api: OtelApi;
  /** The API's own no-op provider: what the global provider delegates to while none is registered. */
  readonly #noop: TracerProvider;
  #provider: TracerProvider | undefined;
  #tracer: Tracer | undefined;
  readonly #server = new WeakMap<ObservedRequest, Span>();
  /** Attempt spans by request and attempt number (at most a few per request). */
  readonly #attempts = new WeakMap<ObservedRequest, Map<number, Span>>();
  /** `server.address` and `server.port` of a target, parsed from its origin once (not per attempt). */
  readonly #servers = new WeakMap<CompiledTarget, { address: string; port: number }>();

  private constructor(api: OtelApi) {
    this.#api = api;
    this.#noop = new api.ProxyTracerProvider().getDelegate();
  }

  /** The tracing, or `undefined` when `@opentelemetry/api` is not installed. */
  static create(): GatewayTracing | undefined {
    const api = deps.otel();
    return api === undefined ? undefined : new GatewayTracing(api);
  }

  /**
   * The tracer of the registered provider, or `undefined` while none is registered. Checked per
   * request (a provider may be registered after the gateway starts); the tracer is cached per provider.
   */
  tracer(): Tracer | undefined {
    const global = this.#api.trace.getTracerProvider() as TracerProvider & { getDelegate?(): TracerProvider };
    const provider = typeof global.getDelegate === 'function' ? global.getDelegate() : global;
    if (provider === this.#noop) return undefined;
    if (provider !== this.#provider) {
      this.#provider = provider;
      this.#tracer = provider.getTracer(TRACER_NAME, TRACER_VERSION);
    }
    return this.#tracer;
  }

  #serverOf(target: CompiledTarget): { address: string; port: number } {
    let server = this.#servers.get(target);
    if (server === undefined) {
      const url = new URL(target.origin);
      server = { address: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
      this.#servers.set(target, server);
    }
    return server;
  }

  /** The parent of a request's span: an active span (the app's own instrumentation), else the client's `traceparent`. */
  #parent(request: ObservedRequest): Context {
    const api = this.#api;
    const active = api.context.active();
    if (api.trace.getSpan(active) !== undefined) return active;
    const sent = parseTraceparent(request.headers.traceparent);
    if (sent === undefined) return api.ROOT_CONTEXT;
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      traceId: sent.traceId,
      spanId: sent.parentId,
      traceFlags: Number.parseInt(sent.flags, 16) & 1,
      isRemote: true,
    });
  }

  /**
   * Subscribes the span listeners to `events` while a tracer provider is registered: now, and
   * re-checked every second (an unref'd timer), so that requests pay nothing for traces while no
   * provider is there. A provider registered while the gateway serves is picked up within a second;
   * requests already under way when the listeners go away keep no span. Returns the undo.
   */
  watch(events: GatewayEvents): () => void {
    const handlers = this.handlers();
    let unsubscribe: (() => void) | undefined;
    const check = () => {
      const registered = this.tracer() !== undefined;
      if (registered && unsubscribe === undefined) unsubscribe = events.subscribe(handlers);
      else if (!registered && unsubscribe !== undefined) {
        unsubscribe();
        unsubscribe = undefined;
      }
    };
    check();
    const timer = setInterval(check, PROVIDER_CHECK_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      unsubscribe?.();
    };
  }

  /** The listeners that start and end the spans (a provider removed meanwhile: they record nothing). */
  handlers(): GatewayEventHandlers {
    const api = this.#api;
    return {
      'request-start': ({ request }: RequestStartEvent) => {
        const tracer = this.tracer();
        if (tracer === undefined) return;
        const method = methodLabel(request.method);
        const q = request.target.indexOf('?');
        const [address, port] = hostAndPort(firstHeader(request.headers.host));
        const span = tracer.startSpan(
          method === '_OTHER' ? 'HTTP' : method,
          {
            kind: api.SpanKind.SERVER,
            attributes: {
              'http.request.method': method,
              ...(method === '_OTHER' ? { 'http.request.method_original': request.method } : {}),
              'url.path': q < 0 ? request.target : request.target.slice(0, q),
              'url.scheme': request.encrypted ? 'https' : 'http',
              'network.protocol.version': request.httpVersion,
              ...(address === undefined ? {} : { 'server.address': address }),
              ...(port === undefined ? {} : { 'server.port': port }),
              ...(request.remoteAddress === undefined ? {} : { 'network.peer.address': request.remoteAddress }),
              ...userAgent(request),
            },
          },
          this.#parent(request),
        );
        this.#server.set(request, span);
      },
      'request-decided': ({ request, decision }: RequestDecidedEvent) => {
        const span = this.#server.get(request);
        if (span === undefined) return;
        const client = prepare(request.state.compiled).address.clientIp(request.remoteAddress, request.headers);
        if (client !== undefined) span.setAttribute('client.address', client);
        span.setAttribute('switchyard.request_id', decision.requestId);
        if (decision.path !== undefined) span.setAttribute('url.path', decision.path);
        if (decision.route !== undefined) {
          span.setAttribute('http.route', decision.route.path);
          const method = methodLabel(request.method);
          span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${decision.route.path}`);
        }
        if (decision.kind === 'forward') {
          span.setAttribute('switchyard.service', decision.service.name);
          if (decision.version !== undefined) span.setAttribute('switchyard.version', decision.version);
        } else span.setAttribute('switchyard.reason', decision.reason);
      },
      'upstream-attempt-start': (event: UpstreamAttemptStartEvent) => {
        const parent = this.#server.get(event.request);
        const tracer = this.#tracer;
        if (parent === undefined || tracer === undefined) return;
        const server = this.#serverOf(event.target);
        const method = methodLabel(event.request.method);
        const span = tracer.startSpan(
          method === '_OTHER' ? 'HTTP' : method,
          {
            kind: api.SpanKind.CLIENT,
            attributes: {
              'http.request.method': method,
              'server.address': server.address,
              'server.port': server.port,
              'url.full': `${event.target.origin}${event.decision.upstreamPath}`,
              'switchyard.service': event.service.name,
              'switchyard.target': event.target.id,
              ...(event.attempt > 1 ? { 'http.request.resend_count': event.attempt - 1 } : {}),
            },
          },
          api.trace.setSpan(api.ROOT_CONTEXT, parent),
        );
        let spans = this.#attempts.get(event.request);
        if (spans === undefined) {
          spans = new Map();
          this.#attempts.set(event.request, spans);
        }
        spans.set(event.attempt, span);
        event.traceparent = traceparentOf(span.spanContext());
      },
      'upstream-attempt-end': (event: UpstreamAttemptEndEvent) => {
        const spans = this.#attempts.get(event.request);
        const span = spans?.get(event.attempt);
        if (span === undefined) return;
        spans!.delete(event.attempt);
        if (event.status !== undefined) span.setAttribute('http.response.status_code', event.status);
        if (event.outcome !== 'response') {
          span.setAttribute('error.type', event.outcome === 'failed' ? errorType(event.error) : event.outcome);
          span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.error ?? event.outcome });
        } else if (event.status !== undefined && event.status >= 500) {
          span.setAttribute('error.type', String(event.status));
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
      },
      'request-finished': (event: RequestFinishedEvent) => {
        const span = this.#server.get(event.request);
        if (span === undefined) return;
        this.#server.delete(event.request);
        if (event.status > 0) span.setAttribute('http.response.status_code', event.status);
        // Server spans: only 5xx are errors (a 4xx is the client's doing).
        if (event.outcome === 'failed' || event.status >= 500) {
          span.setAttribute('error.type', event.status >= 500 ? String(event.status) : event.outcome);
          span.setStatus({ code: api.SpanStatusCode.ERROR, ...(event.error ? { message: event.error } : {}) });
        } else if (event.outcome === 'client-aborted') span.setAttribute('error.type', 'client-aborted');
        // Attempts still open (a client that left mid-exchange) end with the request.
        const open = this.#attempts.get(event.request);
        if (open !== undefined) for (const s of open.values()) s.end();
        span.end();
      },
    };
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

function userAgent(request: ObservedRequest): Record<string, string> {
  const ua = firstHeader(request.headers['user-agent']);
  return ua === undefined ? {} : { 'user_agent.original': ua };
}

/** `error.type` of a failed attempt: the error code (`ECONNREFUSED`) when it has one. */
function errorType(error: string | undefined): string {
  if (error === undefined) return 'failed';
  const m = /^([A-Z][A-Z0-9_]+):/.exec(error);
  return m ? m[1]! : 'failed';
}
