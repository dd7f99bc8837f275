// The metric cells the per-request metrics are kept in (observe/cells.ts) stand in for prom-client's
// Counter and Histogram: for any observations, the registry's exposition and JSON of a family of
// cells must be what prom-client's own metric writes for the same observations, and a registry
// reset must zero them while kept cells keep counting.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CounterCells, HistogramCells } from '../../packages/adapters/src/observe/cells.js';
import { LATENCY_BUCKETS } from '../../packages/adapters/src/observe/metrics.js';
import { assertAsyncProperty } from '../support/fast-check.js';

const prom = createRequire(join(process.cwd(), 'packages/adapters/package.json'))(
  'prom-client',
) as typeof import('../../packages/adapters/node_modules/prom-client/index.js');

const label = fc.constantFrom('/users/:id', 'none', 'a"b', 'back\\slash', 'new\nline', 'ünï');
const observation = fc.record({
  route: label,
  service: fc.constantFrom('users', 'orders'),
  value: fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(...LATENCY_BUCKETS)),
});

describe('metric cells', () => {
  it('expose what prom-client’s Counter and Histogram expose for the same observations', async () => {
    await assertAsyncProperty(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), async (observations) => {
        const theirs = new prom.Registry();
        const ours = new prom.Registry();
        const counter = new prom.Counter({
          name: 'c_total',
          help: 'c',
          labelNames: ['route', 'service'],
          registers: [theirs],
        });
        const histogram = new prom.Histogram({
          name: 'h_seconds',
          help: 'h',
          labelNames: ['route', 'service'],
          buckets: [...LATENCY_BUCKETS],
          registers: [theirs],
        });
        const counterCells = new CounterCells('c_total', 'c', ['route', 'service'], ours);
        const histogramCells = new HistogramCells('h_seconds', 'h', ['route', 'service'], LATENCY_BUCKETS, ours);
        for (const { route, service, value } of observations) {
          counter.inc({ route, service });
          histogram.observe({ route, service }, value);
          counterCells.cell({ route, service }).value++;
          histogramCells.cell({ route, service }).observe(value);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }),
      100,
    );
  });

  it('are zeroed by a registry reset, and kept cells keep counting', async () => {
    const registry = new prom.Registry();
    const counts = new CounterCells('c_total', 'c', ['route'], registry);
    const latency = new HistogramCells('h_seconds', 'h', ['route'], [0.1, 1], registry);
    const kept = counts.cell({ route: '/a' });
    const keptLatency = latency.cell({ route: '/a' });
    kept.value += 3;
    keptLatency.observe(0.5);
    expect(counts.cell({ route: '/a' })).toBe(kept);
    registry.resetMetrics();
    kept.value++;
    keptLatency.observe(2);
    const text = await registry.metrics();
    expect(text).toContain('c_total{route="/a"} 1\n');
    expect(text).toContain('h_seconds_bucket{le="1",route="/a"} 0\n');
    expect(text).toContain('h_seconds_bucket{le="+Inf",route="/a"} 1\n');
    expect(text).toContain('h_seconds_sum{route="/a"} 2\n');
  });
});
