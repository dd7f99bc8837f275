#!/usr/bin/env node
// What an attacker's inputs cost the native router (docs/architecture.md, "Inputs chosen by an
// attacker"): adding 5,000 sibling routes that share a prefix, adding many routes of mixed shapes,
// and a miss built to collide in the static-children table against an ordinary miss. Not a test
// (no assertion): it prints figures for docs and reviews. The tests that hold the tables to the
// rule count probes instead (crates/switchyard/src/router/table.rs, ratelimit/tests.rs).
//
//   node bench/collisions.mjs [--addon path/to/switchyard.node] [--before] [--routes N] [--rounds N]
//
// `--before` calls an addon built before the router took a seed (no seed argument).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const before = args.includes('--before');
const addon = option('--addon', join(root, 'packages/node/switchyard.node'));
const routeCount = Number(option('--routes', '100000'));
const rounds = Number(option('--rounds', '15'));
const binding = createRequire(import.meta.url)(addon);
const layout = binding.layout();

function router() {
  const out = new Int32Array(layout.routerOutputSlots);
  const bytes = new Uint8Array(layout.canonicalBytesMin);
  const head = [true, 'strict', 256, 'decode', 'reject', 'reject', false, 'reject'];
  return before ? new binding.NativeRouter(...head, out, bytes) : new binding.NativeRouter(...head, out, bytes, 12345);
}

function add(r, path, methods = null, host = null) {
  r.add(path, methods, host, [], [], [], [], [], [], 0);
}

function seconds(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const pad = (i, n) => String(i).padStart(n, '0');

// 1. Siblings sharing a prefix (and so, before, their first 8 bytes and their length).
const siblings = router();
const addSiblings = seconds(() => {
  for (let i = 0; i < 5000; i++) add(siblings, `/customer-${pad(i, 6)}`);
});
console.log(`add 5,000 siblings /customer-NNNNNN: ${addSiblings.toFixed(3)} s`);

// 2. Routes of mixed shapes: static, params at several depths, patterns, methods, hosts.
const mixed = router();
const addMixed = seconds(() => {
  for (let i = 0; i < routeCount; i++) {
    switch (i % 5) {
      case 0:
        add(mixed, `/api/v1/resource-${i}`);
        break;
      case 1:
        add(mixed, `/api/v2/item${i}/:id/details`, ['GET']);
        break;
      case 2:
        add(mixed, `/files/${i}/:name.:ext`);
        break;
      case 3:
        add(mixed, `/users/:user/repo-${i}/:n(\\d+)`, ['GET', 'POST']);
        break;
      default:
        add(mixed, `/h/${i}`, null, `host-${i % 1000}.example.com`);
    }
  }
});
console.log(`add ${routeCount.toLocaleString('en')} routes of mixed shapes: ${addMixed.toFixed(3)} s`);

// 3. Misses against the 5,000 siblings: crafted (same first 8 bytes and length as every sibling)
// against ordinary ones (another prefix, same length), interleaved, median of rounds.
const match = siblings.matcher();
const crafted = Array.from({ length: 4096 }, (_, i) => `/customer-x${pad(i, 5)}`);
const ordinary = Array.from({ length: 4096 }, (_, i) => `/visitors-x${pad(i, 5)}`);
function perCall(paths) {
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let k = 0; k < 8; k++) for (const p of paths) sink += match(-1, p, undefined);
  if (sink !== -8 * paths.length) throw new Error('a miss matched');
  return Number(process.hrtime.bigint() - start) / (8 * paths.length);
}
const ratios = [];
const times = { crafted: [], ordinary: [] };
for (let round = 0; round < rounds; round++) {
  const c = perCall(crafted);
  const o = perCall(ordinary);
  times.crafted.push(c);
  times.ordinary.push(o);
  ratios.push(c / o);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `miss against 5,000 siblings: crafted ${median(times.crafted).toFixed(0)} ns, ordinary ${median(times.ordinary).toFixed(0)} ns, median ratio ${median(ratios).toFixed(2)} (${rounds} rounds)`,
);
