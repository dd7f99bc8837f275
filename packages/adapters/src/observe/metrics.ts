/**
 * Prometheus metrics of the gateway (prom-client), from its events. Labels are bounded by the
 * config, never by clients: a route is labelled by its path pattern (never the request path), a
 * method outside the standard ones is `_OTHER`, a request without a route or service gets
 * `none`. Figures that are states rather than counts (open connections, target health, breaker
 * state) are read when `/metrics` is scraped, so requests pay nothing for them.
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Registry } from 'prom-client';
import deps from '#observe-deps';
import type {
  AttemptOutcome,
  GatewayEventHandlers,
  LimitDecidedEvent,
  ObservedGateway,
  RequestFinishedEvent,
  RetryEvent,
  TargetStateChangeEvent,
  UpstreamAttemptEndEvent,
  UpstreamConnections,
} from '../gateway/events.js';
import type { BreakerState, TargetView } from '../gateway/resilience/index.js';
import { type CounterCell, CounterCells, type HistogramCell, HistogramCells } from './cells.js';

/** Options of the metrics. */
export interface MetricsOptions {
  /** The registry to register in (default: a new one, so that two gateways never collide). */
  registry?: Registry;
  /** Also collect Node's own metrics (CPU, memory, event-loop lag, GC): prom-client's defaults. */
  process?: boolean;
  /** Buckets of the latency histograms, in seconds. */
  buckets?: readonly number[];
}

/** Default latency buckets: 1 ms to 10 s, dense where a proxy's requests fall. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Methods labelled as themselves, by index; any other is `_OTHER` (OpenTelemetry's rule, for bounded labels). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]));
/** The index of `_OTHER` in a route's counter cells. */
const OTHER = METHODS.length;

/** The method as a label value. */
export function methodLabel(method: string): string {
  return METHOD_INDEX.has(method) ? method : '_OTHER';
}

/** The per-request series of one (route, service): its latency histogram, its counters by status and method. */
interface RouteCells {
  readonly duration: HistogramCell;
  /** By `status * 16 + method index`. */
  readonly requests: Map<number, CounterCell>;
}

/** The per-attempt series of one (service, target). */
interface TargetCells {
  readonly duration: HistogramCell;
  readonly attempts: Partial<Record<AttemptOutcome, CounterCell>>;
}

const NONE = 'none';
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/** The metrics of one {@link Observability}; see the module comment. */
export class GatewayMetrics {
  readonly registry: Registry;
  // The four series families every request touches are cells found once per label set (see cells.ts).
  readonly #requests: CounterCells;
  readonly #duration: HistogramCells;
  readonly #attempts: CounterCells;
  readonly #upstreamDuration: HistogramCells;
  /** Route pattern -> service -> its cells. */
  readonly #routes = new Map<string, Map<string, RouteCells>>();
  /** Service -> target id -> its cells. */
  readonly #targets = new Map<string, Map<string, TargetCells>>();
  readonly #limitRejections: Counter<'policy' | 'reason'>;
  readonly #retries: Counter<'service' | 'reason'>;
  readonly #budgetExhausted: Counter<'service'>;
  readonly #breakerTransitions: Counter<'service' | 'target' | 'to'>;
  readonly #gateways = new Set<ObservedGateway>();

  constructor(options: MetricsOptions = {}) {
    const prom = deps.promClient();
    const registry = options.registry ?? new prom.Registry();
    this.registry = registry;
    const buckets = [...(options.buckets ?? LATENCY_BUCKETS)];
    const registers = [registry];
    this.#requests = new CounterCells(
      'switchyard_http_requests_total',
      'Requests served, by method, route (path pattern), service and status (0: the client left before a status).',
      ['method', 'route', 'service', 'status'],
      registry,
    );
    this.#duration = new HistogramCells(
      'switchyard_http_request_duration_seconds',
      'Time from arrival to the end of the response, by route and service.',
      ['route', 'service'],
      buckets,
      registry,
    );
    this.#attempts = new CounterCells(
      'switchyard_upstream_attempts_total',
      'Exchanges with upstream targets, by outcome: response, failed, timeout, client-aborted.',
      ['service', 'target', 'outcome'],
      registry,
    );
    this.#upstreamDuration = new HistogramCells(
      'switchyard_upstream_request_duration_seconds',
      'Time of one exchange with an upstream target, from sending to the end of its response.',
      ['service', 'target'],
      buckets,
      registry,
    );
    this.#limitRejections = new prom.Counter({
      name: 'switchyard_rate_limit_rejections_total',
      help: 'Requests a rate limit turned away, by policy; reason exceeded (429) or store-unavailable (503).',
      labelNames: ['policy', 'reason'],
      registers,
    });
    this.#retries = new prom.Counter({
      name: 'switchyard_retries_total',
      help: 'Upstream attempts retried, by service and the reason the attempt failed.',
      labelNames: ['service', 'reason'],
      registers,
    });
    this.#budgetExhausted = new prom.Counter({
      name: 'switchyard_retry_budget_exhausted_total',
      help: "Retries not made because the service's retry budget was empty.",
      labelNames: ['service'],
      registers,
    });
    this.#breakerTransitions = new prom.Counter({
      name: 'switchyard_breaker_transitions_total',
      help: 'Circuit breaker state changes of upstream targets, by the state entered.',
      labelNames: ['service', 'target', 'to'],
      registers,
    });
    const gateways = this.#gateways;
    new prom.Gauge({
      name: 'switchyard_upstream_connections',
      help: 'Open TCP connections to an upstream origin.',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const [origin, u] of upstreamSums(gateways)) this.set({ upstream: origin }, u.connected);
      },
    });
    // Read from the connection pools when scraped: no per-request bookkeeping.
    new prom.Gauge({
      name: 'switchyard_upstream_active_requests',
      help: 'Requests to an upstream origin being processed on its connections now.',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const [origin, u] of upstreamSums(gateways)) this.set({ upstream: origin }, u.running);
      },
    });
    new prom.Gauge({
      name: 'switchyard_upstream_queued_requests',
      help: 'Requests to an upstream origin waiting for a connection now.',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const [origin, u] of upstreamSums(gateways)) this.set({ upstream: origin }, u.pending);
      },
    });
    new prom.Gauge({
      name: 'switchyard_target_available',
      help: 'Whether the balancer may choose an upstream target (1) or not (0: breaker open, or unhealthy).',
      labelNames: ['service', 'target'],
      registers,
      // Under `serve --workers`, 0 while any worker keeps the target out.
      aggregator: 'min',
      collect() {
        this.reset();
        for (const t of targetsOf(gateways)) this.set(t.labels, t.view?.status.available === false ? 0 : 1);
      },
    });
    new prom.Gauge({
      name: 'switchyard_target_healthy',
      help: 'Active health checks of an upstream target (services with health:): 1 healthy or not yet checked, 0 unhealthy.',
      labelNames: ['service', 'target'],
      registers,
      // Under `serve --workers`, 0 while any worker keeps the target out.
      aggregator: 'min',
      collect() {
        this.reset();
        for (const t of targetsOf(gateways)) {
          const health = t.view?.status.health;
          if (health !== undefined) this.set(t.labels, health === 'unhealthy' ? 0 : 1);
        }
      },
    });
    new prom.Gauge({
      name: 'switchyard_breaker_state',
      help: 'Circuit breaker of an upstream target (services with breaker:): 1 for the state it is in (closed, open, half-open), 0 for the others.',
      labelNames: ['service', 'target', 'state'],
      registers,
      collect() {
        this.reset();
        for (const t of targetsOf(gateways)) {
          const now = t.view?.status.breaker;
          if (now === undefined) continue;
          for (const state of BREAKER_STATES) this.set({ ...t.labels, state }, state === now ? 1 : 0);
        }
      },
    });
    if (options.process === true) prom.collectDefaultMetrics({ register: registry });
  }

  /** Starts reading `gateway`'s state-like figures at scrape time; returns the undo. */
  watch(gateway: ObservedGateway): () => void {
    this.#gateways.add(gateway);
    return () => this.#gateways.delete(gateway);
  }

  /** The listeners that keep the counters and histograms. */
  handlers(): GatewayEventHandlers {
    return {
      'request-finished': (event: RequestFinishedEvent) => {
        const decision = event.decision;
        const route = decision?.route?.path ?? NONE;
        // An answer of the gateway's own on a route (429) counts for the route's one service, if it has one.
        const service = decision?.kind === 'forward' ? decision.service.name : (decision?.route?.service ?? NONE);
        const cells = this.#routeCells(route, service);
        cells.duration.observe(event.durationSeconds);
        const method = event.request.method;
        const m = METHOD_INDEX.get(method) ?? OTHER;
        const key = event.status * 16 + m;
        let count = cells.requests.get(key);
        if (count === undefined) {
          const labels = { method: m === OTHER ? '_OTHER' : method, route, service, status: String(event.status) };
          count = this.#requests.cell(labels);
          cells.requests.set(key, count);
        }
        count.value++;
      },
      'upstream-attempt-end': (event: UpstreamAttemptEndEvent) => {
        const cells = this.#targetCells(event.service.name, event.target.id);
        cells.duration.observe(event.durationSeconds);
        const outcome = event.outcome;
        let count = cells.attempts[outcome];
        if (count === undefined) {
          count = this.#attempts.cell({ service: event.service.name, target: event.target.id, outcome });
          cells.attempts[outcome] = count;
        }
        count.value++;
      },
      'limit-decided': (event: LimitDecidedEvent) => {
        if (event.outcome === 'admitted') return;
        this.#limitRejections.inc({
          policy: event.policy ?? NONE,
          reason: event.outcome === 'rejected' ? 'exceeded' : 'store-unavailable',
        });
      },
      retry: (event: RetryEvent) => {
        const service = event.service.name;
        if (event.outcome === 'budget-exhausted') this.#budgetExhausted.inc({ service });
        else this.#retries.inc({ service, reason: event.reason });
      },
      'target-state': (event: TargetStateChangeEvent) => {
        const to = event.current.breaker;
        if (to === undefined || to === event.previous.breaker) return;
        this.#breakerTransitions.inc({ service: event.service, target: event.target, to });
      },
    };
  }

  #routeCells(route: string, service: string): RouteCells {
    let byService = this.#routes.get(route);
    if (byService === undefined) {
      byService = new Map();
      this.#routes.set(route, byService);
    }
    let cells = byService.get(service);
    if (cells === undefined) {
      cells = { duration: this.#duration.cell({ route, service }), requests: new Map() };
      byService.set(service, cells);
    }
    return cells;
  }

  #targetCells(service: string, target: string): TargetCells {
    let byTarget = this.#targets.get(service);
    if (byTarget === undefined) {
      byTarget = new Map();
      this.#targets.set(service, byTarget);
    }
    let cells = byTarget.get(target);
    if (cells === undefined) {
      cells = { duration: this.#upstreamDuration.cell({ service, target }), attempts: {} };
      byTarget.set(target, cells);
    }
    return cells;
  }

  /** The exposition text, as `/metrics` serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Answers a scrape with the exposition `text` (no body for `HEAD`). */
export function writeExposition(req: IncomingMessage, res: ServerResponse, text: string, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Connections and requests per upstream origin, summed over the watched gateways. */
function upstreamSums(gateways: ReadonlySet<ObservedGateway>): Map<string, UpstreamConnections> {
  const sums = new Map<string, UpstreamConnections>();
  for (const g of gateways)
    for (const u of g.upstreams()) {
      const sum = sums.get(u.origin) ?? { origin: u.origin, connected: 0, running: 0, pending: 0 };
      sum.connected += u.connected;
      sum.running += u.running;
      sum.pending += u.pending;
      sums.set(u.origin, sum);
    }
  return sums;
}

/** A target of a watched gateway's current config, with its resilience state when it has one. */
interface WatchedTarget {
  labels: { service: string; target: string };
  view: TargetView | undefined;
}

/** Every target of the watched gateways' current configs, once each. */
function targetsOf(gateways: ReadonlySet<ObservedGateway>): WatchedTarget[] {
  const out = new Map<string, WatchedTarget>();
  for (const g of gateways) {
    const services = g.state()?.compiled.services;
    if (services === undefined) continue;
    const views = new Map<string, TargetView>();
    for (const v of g.targets()) views.set(`${v.service}\0${v.target}`, v);
    for (const s of services.values())
      for (const t of s.targets) {
        const key = `${s.name}\0${t.id}`;
        if (!out.has(key)) out.set(key, { labels: { service: s.name, target: t.id }, view: views.get(key) });
      }
  }
  return [...out.values()];
}
