/**
 * Counters and histograms whose series ("cells", one per label set) the caller finds once and
 * keeps, registered in a prom-client `Registry` like any of its metrics: the registry writes
 * their exposition (and JSON) from `get()`, and `resetMetrics()` zeroes them. prom-client's own
 * `inc(labels)` and `observe(labels, v)` hash and validate the label set on every call, and a
 * histogram observation allocates a closure and two objects (~3 µs a request for the gateway's
 * four per-request metrics); a kept cell costs an add.
 * @module
 */

import type { Registry } from 'prom-client';

/** Labels of one series. */
export type CellLabels = Readonly<Record<string, string>>;

/** One sample as prom-client's registry reads it (`metricName` for a histogram's `_bucket`, `_sum`, `_count`). */
export interface CellSample {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  metricName?: string;
  /** prom-client's buckets carry `exemplar: null` (exemplars are off). */
  exemplar?: null;
}

/** A family's samples as prom-client's registry reads a metric's `get()`. */
export interface CellFamily {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: CellSample[];
  aggregator: 'sum';
}

/** What prom-client's registry asks of a metric. */
interface Family {
  readonly name: string;
  get(): Promise<CellFamily>;
  reset(): void;
}

/** Registers `family` in `registry` (its typings want a prom-client class; it reads only `Family`). */
function register(registry: Registry, family: Family): void {
  registry.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** The key of a label set: its values in the family's label order. */
function keyOf(labelNames: readonly string[], labels: CellLabels): string {
  let key = '';
  for (const n of labelNames) key += `${labels[n] ?? ''}\u0000`;
  return key;
}

/** One counter series. */
export class CounterCell {
  /** The count; only ever increased (a registry reset zeroes it). */
  value = 0;
  /** @param labels - the series' labels */
  constructor(readonly labels: CellLabels) {}
}

/** A counter family; see the module comment. */
export class CounterCells implements Family {
  readonly type = 'counter';
  readonly #cells = new Map<string, CounterCell>();

  /** Registers the family in `registry` under `name`. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    register(registry, this);
  }

  /** The series of `labels` (created at its first use). */
  cell(labels: CellLabels): CounterCell {
    const key = keyOf(this.labelNames, labels);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = new CounterCell({ ...labels });
      this.#cells.set(key, cell);
    }
    return cell;
  }

  /** The series, as prom-client's registry reads a metric. */
  async get(): Promise<CellFamily> {
    const values: CellSample[] = [];
    for (const c of this.#cells.values()) values.push({ labels: c.labels, value: c.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  /** Zeroes every series (kept cells stay valid). */
  reset(): void {
    for (const c of this.#cells.values()) c.value = 0;
  }
}

/** One histogram series. */
export class HistogramCell {
  /** Observations per bucket (not cumulative), the last one past the highest bound (`+Inf`). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  /** @param labels - the series' labels; `bounds` ascending */
  constructor(
    readonly labels: CellLabels,
    bounds: readonly number[],
  ) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Counts one observation of `value`. */
  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** A histogram family (buckets `le` as prom-client writes them, `_sum`, `_count`); see the module comment. */
export class HistogramCells implements Family {
  readonly type = 'histogram';
  readonly bounds: readonly number[];
  readonly #cells = new Map<string, HistogramCell>();

  /** Registers the family in `registry` under `name`; `buckets` are the upper bounds, ascending. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    register(registry, this);
  }

  /** The series of `labels` (created at its first use). */
  cell(labels: CellLabels): HistogramCell {
    const key = keyOf(this.labelNames, labels);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = new HistogramCell({ ...labels }, this.bounds);
      this.#cells.set(key, cell);
    }
    return cell;
  }

  /** The series, as prom-client's registry reads a metric. */
  async get(): Promise<CellFamily> {
    const values: CellSample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const c of this.#cells.values()) {
      let below = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        below += c.counts[i]!;
        values.push({ labels: { le: this.bounds[i]!, ...c.labels }, value: below, metricName: bucket, exemplar: null });
      }
      values.push({ labels: { le: '+Inf', ...c.labels }, value: c.count, metricName: bucket, exemplar: null });
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  /** Zeroes every series (kept cells stay valid). */
  reset(): void {
    for (const c of this.#cells.values()) {
      c.counts.fill(0);
      c.sum = 0;
      c.count = 0;
    }
  }
}
