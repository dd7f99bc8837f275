/**
 * `/metrics` under `serve --workers N`. Each worker counts in its own prom-client registry, and
 * the admin port is shared, so a scrape lands on one worker at random. Here a worker's `/metrics`
 * asks the primary, which collects every worker's registries with prom-client's
 * `AggregatorRegistry` and answers their aggregate: counters and histograms summed, and each
 * gauge by its family's `aggregator` (connections summed; target availability and health the
 * minimum over the workers, so 0 while any worker keeps a target out).
 * @module
 */
import type { Worker } from 'node:cluster';
import type { AggregatorRegistry, Registry } from 'prom-client';
import deps from '#observe-deps';
import type { GatewayObserver } from '../gateway/events.js';
import { writeExposition } from '../observe/metrics.js';
import type { AdminServer } from './admin.js';

/** A worker asks the primary for the aggregate exposition. */
export interface MetricsRequest {
  type: 'metrics-request';
  id: number;
}

/** The primary's answer to a {@link MetricsRequest}. */
export type MetricsAnswer =
  | { type: 'metrics-answer'; id: number; text: string; contentType: string }
  | { type: 'metrics-answer'; id: number; error: string };

/** How long a worker waits for the primary (prom-client's own collection gives up after 5 s). */
const ANSWER_WAIT_MS = 6_000;

/** The primary's side: aggregates on request. prom-client is loaded on the first request only. */
export class ClusterMetrics {
  #aggregator: AggregatorRegistry<'text/plain; version=0.0.4; charset=utf-8'> | undefined;

  /** Answers `request` from `worker` with the aggregate of every connected worker's registries. */
  answer(worker: Worker, request: MetricsRequest): void {
    this.#aggregator ??= new (deps.promClient().AggregatorRegistry)();
    const aggregator = this.#aggregator;
    const send = (m: MetricsAnswer) => {
      if (worker.isConnected()) worker.send(m);
    };
    aggregator.clusterMetrics().then(
      (text) => send({ type: 'metrics-answer', id: request.id, text, contentType: aggregator.contentType }),
      (err: Error) => send({ type: 'metrics-answer', id: request.id, error: err.message }),
    );
  }
}

/** The prom-client registries of `observers` (those with metrics on). */
export function registriesOf(observers: readonly GatewayObserver[]): Registry[] {
  return observers.flatMap((o) => (o.registry !== undefined ? [o.registry] : []));
}

/**
 * A worker's side: offers `registries` to the primary's collection, and makes `admin`'s
 * `/metrics` answer the aggregate (503 when the primary cannot collect it).
 */
export function shareWorkerMetrics(registries: Registry[], admin: AdminServer): void {
  if (registries.length === 0 || process.send === undefined) return;
  const prom = deps.promClient();
  // The constructor installs prom-client's answer to the primary's collection requests.
  new prom.AggregatorRegistry();
  prom.AggregatorRegistry.setRegistries(registries);
  let next = 0;
  const waiting = new Map<number, (answer: MetricsAnswer) => void>();
  process.on('message', (m: MetricsAnswer) => {
    if (m?.type !== 'metrics-answer') return;
    const settle = waiting.get(m.id);
    waiting.delete(m.id);
    settle?.(m);
  });
  admin.handle(
    '/metrics',
    (req, res) =>
      new Promise<void>((resolve) => {
        const id = next++;
        const settle = (answer: MetricsAnswer) => {
          clearTimeout(timer);
          if ('error' in answer) {
            const text = `metrics of the workers could not be collected: ${answer.error}\n`;
            res.writeHead(503, {
              'content-type': 'text/plain; charset=utf-8',
              'content-length': Buffer.byteLength(text),
            });
            res.end(text);
          } else {
            writeExposition(req, res, answer.text, answer.contentType);
          }
          resolve();
        };
        const timer = setTimeout(() => {
          waiting.delete(id);
          settle({ type: 'metrics-answer', id, error: `the primary did not answer within ${ANSWER_WAIT_MS} ms` });
        }, ANSWER_WAIT_MS);
        waiting.set(id, settle);
        process.send?.({ type: 'metrics-request', id } satisfies MetricsRequest);
      }),
  );
}
