#!/usr/bin/env node
// Micro-benchmark behind the choice of one binding pattern (docs/architecture.md, "The binding
// pattern"): the same native body, `(key) => UTF-8 length of key` read into a reused buffer,
// reached through each way the binding used to bind a fast function to its state. Needs the addon
// built with the `testing` feature (scripts/bootstrap.mjs does). Candidates run interleaved, in a
// shuffled order each round; the figure is the median over rounds of ns per call.
//
//   node bench/binding-pattern.mjs [--rounds 30] [--before path/to/older/switchyard.node]
//
// `--before` also times the real hot calls (hashing pick, rate-limit take, router match) of an
// older build of the addon against this one's, interleaved in one process.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const argValue = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(argValue('--rounds', '30'));
const CALLS = 200_000;
const addon = require(join(here, '..', 'packages', 'node', 'switchyard.node'));
if (typeof addon.probeNative !== 'function') {
  console.error(
    'binding-pattern: the addon lacks the test-only probes; build it with SWITCHYARD_NATIVE_FEATURES=testing',
  );
  process.exit(1);
}

const KEYS = Array.from({ length: 64 }, (_, i) => `user-${(i * 7919) % 100000}`);
let sink = 0;

// One loop per candidate (a fresh function each), so that every call site stays monomorphic.
function timer(fn) {
  const loop = new Function(
    'fn',
    'keys',
    'calls',
    'let s = 0; for (let i = 0; i < calls; i++) s ^= fn(keys[i & 63]); return s;',
  );
  return () => {
    const start = process.hrtime.bigint();
    sink ^= loop(fn, KEYS, CALLS);
    return Number(process.hrtime.bigint() - start) / CALLS;
  };
}

function run(candidates) {
  const timed = candidates.map(([name, fn]) => [name, timer(fn)]);
  const samples = Object.fromEntries(candidates.map(([name]) => [name, []]));
  for (const [, time] of timed) time(); // warm up every candidate before timing any
  for (let round = 0; round < ROUNDS; round++) {
    const order = [...timed].sort(() => Math.random() - 0.5);
    for (const [name, time] of order) samples[name].push(time());
  }
  const rows = candidates.map(([name]) => {
    const s = samples[name].sort((a, b) => a - b);
    return { candidate: name, 'median ns/call': s[s.length >> 1].toFixed(1), 'min ns/call': s[0].toFixed(1) };
  });
  console.table(rows);
}

const bound = addon.probeNative();
const owner = new addon.ProbeOwner();
const ownerFn = owner.function();
const handle = addon.probeRegistryCreate();
const registryFn = addon.probeRegistryFunction();
console.log(`binding patterns, ${ROUNDS} interleaved rounds of ${CALLS} calls (node ${process.version})`);
run([
  ['N-API call, no argument (noop)', () => addon.noop()],
  ['bound function, Rc<RefCell> state as data, finalizer (chosen)', (k) => bound(k)],
  ['bound function, UnsafeCell in a class, owner reference (hashing before)', (k) => ownerFn(k)],
  ['unbound function, handle into a thread-local registry (rate limiting before)', (k) => registryFn(handle, k)],
  ['napi-rs class method (what the raw functions avoid)', (k) => owner.touch(k)],
]);

const beforePath = argValue('--before', undefined);
if (beforePath) {
  const before = require(beforePath);
  const nodes = Array.from({ length: 100 }, (_, i) => `node-${i}`);
  const hashOf = (b) =>
    new b.NativeConsistentHash(
      nodes,
      nodes.map(() => 1),
      'maglev',
      160,
      65537,
      null,
    ).pickFunction();
  const routerOf = (b) => {
    // This addon's router takes the path options added since, and a second shared array.
    const layout = b === addon ? b.layout() : null;
    const r = layout
      ? new b.NativeRouter(
          true,
          'strict',
          256,
          'decode',
          'reject',
          'reject',
          false,
          'reject',
          new Int32Array(layout.routerOutputSlots),
          new Uint8Array(layout.canonicalBytesMin),
        )
      : new b.NativeRouter(true, 'strict', 256, 'decode', 'reject', new Int32Array(1 + 3 * 4097));
    r.add('/users/:id', ['GET'], null, [], [], [], [], [], [], 0);
    const match = r.matcher();
    const get = r.methodId('GET');
    return (k) => match(get, `/users/${k}`, undefined);
  };
  const beforeOut = new Float64Array(5);
  const beforeHot = {};
  before.rateLimiterInstall(beforeHot);
  const beforeLimiter = before.rateLimiterCreate(0, 1e9, 1e6, 100_000, 0, beforeOut);
  const nowLimiter = new addon.NativeRateLimiter(0, 1e9, 1e6, 100_000, 0, new Float64Array(5)).takeFunction();
  console.log(`real hot calls, older addon (${beforePath}) against this one`);
  run([
    ['ConsistentHash.pick (maglev, 100 nodes), before', hashOf(before)],
    ['ConsistentHash.pick (maglev, 100 nodes), now', hashOf(addon)],
    ['RateLimiter.take, before', (k) => beforeHot.rateLimiterTake(beforeLimiter, k, 0, 1)],
    ['RateLimiter.take, now', (k) => nowLimiter(k, 0, 1)],
    ['Router.match (/users/:id), before', routerOf(before)],
    ['Router.match (/users/:id), now', routerOf(addon)],
  ]);
}
if (sink === 0.5) console.log(sink);
