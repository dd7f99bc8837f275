// The per-request work of observability (`observe()`: access log, metrics, traces without a
// tracer provider) timed alone, in CPU time per request: the gateway events of one forwarded
// request (request-start, request-decided, limit-decided, upstream-attempt-start and -end,
// request-finished) emitted as the standalone proxy emits them, around the real decision, with
// observability on and off, interleaved round by round. The access log goes to /dev/null through
// the same asynchronous destination as a config's `destination: /dev/null` (its writes happen on
// libuv's threads, which process.cpuUsage counts). Run: node --expose-gc bench/proxy/observe-cost.mjs
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { decide, release } from '@switchyard/adapters/gateway';
import { observe } from '@switchyard/adapters/observe';
import { createGateway } from '@switchyard/adapters/proxy';

const PATH = '/api/users/42';
const N = Number(process.env.SWITCHYARD_BENCH_CALLS ?? 50_000);
const ROUNDS = Number(process.env.SWITCHYARD_BENCH_ROUNDS ?? 9);

const tmp = mkdtempSync(join(tmpdir(), 'switchyard-observe-cost-'));
const file = join(tmp, 'gateway.yaml');
writeFileSync(
  file,
  `name: bench
services:
  users:
    targets: [http://127.0.0.1:9, http://127.0.0.1:10, http://127.0.0.1:11]
    balance: { consistent-hash: { key: header:x-user-id, algorithm: maglev } }
rate_limits:
  per-ip: { algorithm: token-bucket, capacity: 1000000000, refill_per_second: 1000000000, key: client-ip }
routes:
  - path: /api/users/:id
    service: users
    methods: [GET]
    rate_limit: per-ip
`,
);

async function variant(name, observability) {
  const gateway = createGateway(file, { log: () => {}, ...(observability ? { observe: observability } : {}) });
  await gateway.listen(0, '127.0.0.1');
  return { name, gateway, observability, runs: [] };
}

const req = {
  method: 'GET',
  target: PATH,
  headers: { host: '127.0.0.1:8080', 'x-user-id': 'user-42', 'user-agent': 'wrk' },
  rawHeaders: ['Host', '127.0.0.1:8080', 'x-user-id', 'user-42', 'User-Agent', 'wrk'],
  remoteAddress: '127.0.0.1',
  encrypted: false,
  httpVersion: '1.1',
};

/** One request's decision and events, as server.ts and forward.ts do them. */
function once(events, state, inputs) {
  const observed = events.active ? events.start(req, false, state, process.hrtime.bigint()) : undefined;
  const d = decide(req, state, inputs);
  if (observed !== undefined) {
    events.decided(observed, d);
    const startNs = process.hrtime.bigint();
    const attempt = {
      type: 'upstream-attempt-start',
      request: observed,
      decision: d,
      service: d.service,
      target: d.target,
      attempt: 1,
      traceparent: undefined,
    };
    events.emit(attempt);
    events.emit({
      type: 'upstream-attempt-end',
      request: observed,
      decision: d,
      service: d.service,
      target: d.target,
      attempt: 1,
      outcome: 'response',
      status: 200,
      error: undefined,
      result: undefined,
      retry: undefined,
      durationSeconds: Number(process.hrtime.bigint() - startNs) / 1e9,
    });
    events.finished(observed, d, 'completed', 200, undefined, 1);
  }
  release(state, d);
  return d;
}

/** Requests between event-loop turns: the proxy serves a few per turn (wrk keeps 32 in flight). */
const PER_TURN = 32;

async function measure(v) {
  const events = v.gateway.proxy.events;
  const state = v.gateway.proxy.state;
  const inputs = { nowMs: Date.now(), random: Math.random };
  globalThis.gc?.();
  const t = process.cpuUsage();
  let sink = 0;
  for (let i = 0; i < N; i += PER_TURN) {
    for (let k = 0; k < PER_TURN; k++) {
      inputs.nowMs++;
      sink += once(events, state, inputs).kind.length;
    }
    // The access log's writes complete on later turns, as they do in the proxy.
    await setImmediate();
  }
  const u = process.cpuUsage(t);
  if (sink === 0) throw new Error('unreachable');
  return (u.user + u.system) / N;
}

const variants = [
  await variant('off', undefined),
  await variant('on', observe({ accessLog: { destination: '/dev/null' }, metrics: true, traces: true })),
];
// SWITCHYARD_BENCH_PARTS=1 adds each part on its own.
if (process.env.SWITCHYARD_BENCH_PARTS === '1') {
  variants.push(await variant('access log', observe({ accessLog: { destination: '/dev/null' } })));
  variants.push(await variant('metrics', observe({ metrics: true })));
  variants.push(await variant('traces (no provider)', observe({ traces: true })));
}
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const v of variants.map((_, i) => variants[(i + r) % variants.length])) {
    const us = await measure(v);
    if (r > 0) v.runs.push(us); // the first round is the warm-up (JIT)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const off = median(variants[0].runs);
for (const v of variants)
  console.log(
    `${v.name}: ${median(v.runs).toFixed(2)} µs CPU/request (rounds ${v.runs.map((x) => x.toFixed(2)).join(' ')})`,
  );
for (const v of variants.slice(1)) console.log(`${v.name} adds ${(median(v.runs) - off).toFixed(2)} µs CPU/request`);
for (const v of variants) await v.gateway.close();
for (const v of variants) await v.observability?.close();
rmSync(tmp, { recursive: true, force: true });
