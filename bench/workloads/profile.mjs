#!/usr/bin/env node
// Profile driver for bench/workloads: runs one contender of one router workload for a fixed
// number of batches, so that a profiler counts instructions per call instead of a timer on a
// noisy machine. Two runs with different batch counts, diffed, give the cost per call with the
// startup and the JIT's warm-up cancelled out:
//
//   for n in 100 500; do valgrind --tool=callgrind --callgrind-out-file=cg.$n \
//     node --predictable --no-short-builtin-calls bench/workloads/profile.mjs github-api mixed native $n; done
//   node bench/workloads/callgrind-diff.mjs cg.500 cg.100 500 100
//
// callgrind-diff.mjs gives the Ir per native call and of its parts (one run is enough for those),
// and the JS builtins per lookup from the two runs. The two V8 flags make the difference
// reproducible: `--predictable` runs the compiler and the GC on the main thread at the same points
// in both runs (without it the totals of two runs of the same code differ by ~15%), and
// `--no-short-builtin-calls` keeps V8's builtins at their named addresses instead of an anonymous
// copy, so that callgrind names them.
//
//   node bench/workloads/profile.mjs <workload> <mixed|static> <native|fmw|rou3|touch> <batches>
import { BATCH } from './compare.mjs';
import { agreed, buildRouters, routerOps, routerWorkloads } from './index.mjs';

const [name, kind, side, batches] = process.argv.slice(2);
const workload = routerWorkloads().find((w) => w.name === name);
if (!workload?.[kind]) {
  console.error(`profile: no workload ${name} with ${kind} requests`);
  process.exit(2);
}
const plain = workload.routes.every((r) => !r.host && !r.version);
const routers = buildRouters(workload.routes, { withRou3: plain });
const reqs = agreed(routers, workload[kind]).slice(0, 10_000);
const op = routerOps(routers, reqs)[side === 'fmw' ? 'fmw' : side];
if (!op) {
  console.error(`profile: no contender ${side} here`);
  process.exit(2);
}
// Warm-up: the same for every run, so it cancels out of the difference.
for (let i = 0; i < 200; i++) op();
const n = Number(batches);
let sink = 0;
for (let i = 0; i < n; i++) sink ^= op();
console.log(`${name} ${kind} ${side}: ${(200 + n) * BATCH} calls (sink ${sink})`);
