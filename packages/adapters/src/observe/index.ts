/**
 * `@switchyard/adapters/observe`: access logs (pino), Prometheus metrics (prom-client) and
 * OpenTelemetry traces of a gateway, subscribed to its typed events. `observe(options)` builds an
 * {@link Observability}; give it to any front door (`createGateway(config, { observe })`,
 * `gateway(config, { observe })` of Express, the Fastify plugin's `observe` option), or turn the
 * parts on in gateway.yaml (`observability:`). See docs/observability.md.
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError } from '@switchyard/core';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GatewayEventHandlers, GatewayObserver, ObservedGateway } from '../gateway/events.js';
import { type AccessLogOptions, accessLogger, accessLogHandlers } from './logs.js';
import { GatewayMetrics, type MetricsOptions, writeExposition } from './metrics.js';
import { GatewayTracing } from './traces.js';

export type {
  AccessLogLimit,
  AccessLogLine,
  AccessLogOptions,
  LogDestination,
} from './logs.js';
export { accessLine } from './logs.js';
export { LATENCY_BUCKETS, type MetricsOptions, methodLabel } from './metrics.js';

/** What to observe; every part is off unless given. */
export interface ObserveOptions {
  /** JSON access lines through pino: `true` for stdout, or where and how. */
  accessLog?: boolean | AccessLogOptions;
  /** Prometheus metrics: `true` for a registry of their own, or options. */
  metrics?: boolean | MetricsOptions;
  /**
   * Spans through `@opentelemetry/api` while a tracer provider is registered. Needs the optional
   * peer dependency `@opentelemetry/api`; {@link Observability.tracing} says whether it loaded.
   */
  traces?: boolean;
}

/** An admin or app endpoint: writes the whole response. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Access logs, metrics and traces, attached to one or more gateways. Created by {@link observe};
 * see the module comment for where to give it.
 */
export class Observability implements GatewayObserver {
  /** The access logger, when access logs are on. */
  readonly logger: Logger | undefined;
  /** The metrics registry, when metrics are on. */
  readonly registry: Registry | undefined;
  /** Whether traces are on and `@opentelemetry/api` is installed (spans still need a registered provider). */
  readonly tracing: boolean;
  /**
   * Serves the Prometheus exposition (`GET /metrics`); mount it in an app as a plain
   * `(req, res)` handler. Answers 404 when metrics are off.
   */
  readonly metricsHandler: MetricsHandler;
  /** `{ '/metrics': metricsHandler }` when metrics are on: what the standalone proxy's admin listener serves. */
  readonly endpoints: Readonly<Record<string, MetricsHandler>>;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #tracing: GatewayTracing | undefined;
  readonly #closeLog: () => Promise<void>;
  readonly #handlers: GatewayEventHandlers[];

  /** Use {@link observe}. */
  constructor(options: ObserveOptions) {
    if (options === null || typeof options !== 'object')
      throw new InvalidArgumentError('observe', 'expected options { accessLog?, metrics?, traces? }');
    this.#metrics =
      options.metrics === undefined || options.metrics === false
        ? undefined
        : new GatewayMetrics(options.metrics === true ? {} : options.metrics);
    this.registry = this.#metrics?.registry;
    this.#tracing = options.traces === true ? GatewayTracing.create() : undefined;
    this.tracing = this.#tracing !== undefined;
    this.#handlers = [];
    if (this.#metrics) this.#handlers.push(this.#metrics.handlers());
    if (options.accessLog !== undefined && options.accessLog !== false) {
      const log = accessLogger(options.accessLog === true ? {} : options.accessLog);
      this.logger = log.logger;
      this.#closeLog = log.close;
      this.#handlers.push(accessLogHandlers(log));
    } else {
      this.logger = undefined;
      this.#closeLog = async () => {};
    }
    const metrics = this.#metrics;
    this.metricsHandler = async (req, res) => {
      if (metrics === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics are off\n');
        return;
      }
      writeExposition(req, res, await metrics.text(), metrics.contentType);
    };
    this.endpoints = metrics ? { '/metrics': this.metricsHandler } : {};
  }

  /** Subscribes to `gateway`'s events; returns the function that stops. */
  attach(gateway: ObservedGateway): () => void {
    const undo = this.#handlers.map((h) => gateway.events.subscribe(h));
    if (this.#metrics) undo.push(this.#metrics.watch(gateway));
    // Span listeners only while a tracer provider is registered (see GatewayTracing.watch).
    if (this.#tracing) undo.push(this.#tracing.watch(gateway.events));
    return () => {
      for (const u of undo) u();
    };
  }

  /** The metrics exposition text (empty when metrics are off). */
  async metrics(): Promise<string> {
    return this.#metrics ? this.#metrics.text() : '';
  }

  /** Flushes the access log and closes a file it opened (call once every gateway it watches has closed). */
  close(): Promise<void> {
    return this.#closeLog();
  }
}

/** Builds the observability of `options`; give it to a gateway as its `observe` option. */
export function observe(options: ObserveOptions): Observability {
  return new Observability(options);
}
