// Bytes allocated and CPU time per request by the pipeline alone (decide, the response header
// plan, release) on bench/proxy's Switchyard config, with V8's sampling heap profiler counting
// the objects the scavenger collected too: garbage per request sets how often a busy gateway
// pauses for a scavenge, and with it the tail latency issue 9 bounds.
// `node bench/proxy/decision-alloc.mjs` (not part of `npm run bench`; prints, writes nothing).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, planResponseHeaders, release } from '@switchyard/adapters/gateway';
import { createGateway } from '@switchyard/adapters/proxy';
import { benchExchange, switchyardConfig } from './index.mjs';

const N = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-alloc-'));
const file = join(dir, 'gateway.yaml');
// Targets are never connected to: only decisions are made.
writeFileSync(file, switchyardConfig(0, [1, 2, 3]));
const gateway = createGateway(file, { log: () => {} });
await gateway.listen(0, '127.0.0.1');
const state = gateway.proxy.state;
const { req, upstreamHeaders: upstream } = benchExchange();
const inputs = { nowMs: Date.now(), random: Math.random };
let sink = 0;
const run = (n) => {
  for (let i = 0; i < n; i++) {
    inputs.nowMs++;
    const d = decide(req, state, inputs);
    sink += planResponseHeaders(upstream, d, { status: 200 }).length;
    release(state, d);
  }
};
run(2 * N); // JIT warm-up

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 256,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
});
run(N);
const { profile } = await session.post('HeapProfiler.stopSampling');
const bySite = new Map();
const walk = (node) => {
  const f = node.callFrame;
  const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  if (node.selfSize) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
const total = [...bySite.values()].reduce((a, b) => a + b, 0);
console.log(`bytes per request: ${Math.round(total / N)} (sampled over ${N} requests)`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`  ${String(Math.round(bytes / N)).padStart(5)}  ${site}`);

const cpu = [];
for (let round = 0; round < 7; round++) {
  const t = process.cpuUsage();
  run(N);
  const u = process.cpuUsage(t);
  cpu.push(((u.user + u.system) * 1000) / N);
}
cpu.sort((a, b) => a - b);
console.log(`CPU ns per request: median ${Math.round(cpu[3])}, least ${Math.round(cpu[0])} (7 rounds of ${N})`);
await gateway.close();
rmSync(dir, { recursive: true, force: true });
if (sink === 0) throw new Error('unreachable');
