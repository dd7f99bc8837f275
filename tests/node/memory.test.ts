// Native tables report their size to V8 (crates/switchyard-napi/src/toolkit/memory.rs), so the
// engine schedules collection by the memory programs really hold. Each check runs in a child
// process, to control its flags: the accounting one with --expose-gc (to free on demand), the
// RSS one without it, as a program that creates and drops tables in a loop runs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const nodePkg = join(__dirname, '..', '..', 'packages', 'node');

function child(code: string, flags: string[] = []): unknown {
  const result = spawnSync(process.execPath, [...flags, '-e', code], {
    cwd: nodePkg,
    env: { ...process.env, SWITCHYARD_IMPLEMENTATION: 'native' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.stderr, 'child process stderr').toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

const MB = 2 ** 20;

describe('native memory seen by V8', () => {
  it('every table reports its size when built or grown, and un-reports it when collected', () => {
    // externalMemoryTotal is a test-only export (the `testing` feature that bootstrap builds).
    const code = `
      // Inside a function: top-level bindings of a -e script live in the global scope forever.
      const measure = () => {
        const addon = require('./switchyard.node');
        if (typeof addon.externalMemoryTotal !== 'function') {
          throw new Error('needs the addon built with the testing cargo feature (node scripts/bootstrap.mjs)');
        }
        const n = require('@switchyard/node');
        const total = () => addon.externalMemoryTotal();
        const base = total();
        const grown = {};
        let last = base;
        const step = (name) => { const now = total(); grown[name] = now - last; last = now; };
        const router = new n.Router();
        step('router (empty)');
        for (let i = 0; i < 2000; i++) router.add({ path: '/api/v' + (i % 7) + '/r' + i + '/:id/s/:sub(\\d+)' }, i);
        router.match({ path: '/api/v0/r0/1/s/2' });
        step('router (2000 routes)');
        new n.RateLimiter({ capacity: 10, refillPerSecond: 1, maxKeys: 2 ** 20 }).take('k', 0);
        step('token bucket (2^20 keys)');
        new n.SlidingWindowLimiter({ limit: 10, windowMs: 1000, maxKeys: 2 ** 16 }).take('k', 0);
        step('sliding window (2^16 keys)');
        const ids = (k) => Array.from({ length: k }, (_, i) => 'node-' + i);
        new n.ConsistentHash(ids(10), { algorithm: 'maglev', tableSize: 1000003 }).pick('k');
        step('maglev (1000003 slots)');
        const ring = new n.ConsistentHash(ids(50), { algorithm: 'ring', vnodesPerWeight: 10000 });
        step('ring (500000 points)');
        ring.add({ id: 'late', weight: 10 });
        step('ring add (100000 points)');
        ring.remove('late');
        step('ring remove');
        new n.WeightedSplit(ids(1000).map((id) => ({ id, weight: 1 }))).pick('k');
        step('split (1000 targets)');
        return { total, base, grown, held: total() - base };
      };
      (async () => {
        const { total, base, grown, held } = measure();
        for (let i = 0; i < 10 && total() > base; i++) { globalThis.gc(); await new Promise(setImmediate); }
        console.log(JSON.stringify({ grown, held, left: total() - base }));
      })();
    `;
    const { grown, held, left } = child(code, ['--expose-gc']) as {
      grown: Record<string, number>;
      held: number;
      left: number;
    };
    // Lower bounds from the tables' own sizes: 24-byte limiter slots for 1.25 slots per key,
    // 4-byte Maglev slots, 8 bytes per ring point.
    expect(grown['router (2000 routes)']).toBeGreaterThan(1 * MB);
    expect(grown['token bucket (2^20 keys)']).toBeGreaterThanOrEqual(24 * 1.25 * 2 ** 20);
    expect(grown['sliding window (2^16 keys)']).toBeGreaterThanOrEqual(24 * 1.25 * 2 ** 16);
    expect(grown['maglev (1000003 slots)']).toBeGreaterThanOrEqual(4 * 1000003);
    expect(grown['ring (500000 points)']).toBeGreaterThanOrEqual(8 * 500_000);
    expect(grown['ring add (100000 points)']).toBeGreaterThanOrEqual(8 * 100_000);
    // The ring keeps its capacity after a removal: still held, so not un-reported.
    expect(grown['ring remove']).toBeLessThanOrEqual(0);
    expect(grown['split (1000 targets)']).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(40 * MB);
    // Everything collected: V8's count is back where it started (the tolerance is for array
    // buffers of the test's own making; the smallest table above is 25 times larger).
    expect(Math.abs(left)).toBeLessThan(64 * 1024);
  });

  it('a loop creating and dropping large tables keeps a bounded RSS without --expose-gc', () => {
    // 100 rings of 1M points (about 8 MB each, written at build): 800 MB if nothing were freed
    // before the loop ends. The loop yields each cycle, as a server does, so finalizers run.
    const code = `
      const n = require('@switchyard/node');
      const ids = Array.from({ length: 100 }, (_, i) => 'node-' + i);
      const rss = () => process.memoryUsage.rss() / 2 ** 20;
      (async () => {
        if (typeof globalThis.gc === 'function') throw new Error('must run without --expose-gc');
        const cycle = () => new n.ConsistentHash(ids, { algorithm: 'ring', vnodesPerWeight: 10000 }).pick('k');
        for (let i = 0; i < 10; i++) { cycle(); await new Promise(setImmediate); }
        const start = rss();
        let peak = start;
        let cycles = 0;
        for (; cycles < 100; cycles++) {
          cycle();
          await new Promise(setImmediate);
          peak = Math.max(peak, rss());
          if (peak - start > 600) break; // runaway: stop before it hurts the machine
        }
        console.log(JSON.stringify({ start, peak, cycles }));
      })();
    `;
    const { start, peak, cycles } = child(code) as { start: number; peak: number; cycles: number };
    expect(cycles, `RSS grew from ${start.toFixed(0)} MB to ${peak.toFixed(0)} MB`).toBe(100);
    expect(peak - start).toBeLessThan(350);
  });
});
