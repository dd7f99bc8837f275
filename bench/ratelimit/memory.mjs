// Child process of the rate-limit benchmark: fills one limiter with N keys and prints the memory
// it grew by, per key. Run alone (`node --expose-gc memory.mjs <impl> <n>`) so no other
// contender's garbage is counted.
import * as core from '@switchyard/core';
import * as node from '@switchyard/node';
import { RateLimiterMemory } from 'rate-limiter-flexible';

const [, , impl, nArg] = process.argv;
const n = Number(nArg);
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
}

const before = settle();
let keep;
if (impl === 'rate-limiter-flexible') {
  const rlf = new RateLimiterMemory({ points: 1_000_000_000, duration: 3600 });
  for (let i = 0; i < n; i++) await rlf.consume(`client:${i}`);
  keep = rlf;
} else {
  if (impl === 'native' && node.implementation !== 'native') throw new Error('native addon not loaded');
  const Limiter = impl === 'native' ? node.RateLimiter : core.RateLimiter;
  const limiter = new Limiter({ capacity: 1_000_000_000, refillPerSecond: 1, maxKeys: n });
  for (let i = 0; i < n; i++) limiter.take(`client:${i}`, 0);
  if (limiter.size !== n) throw new Error(`expected ${n} keys, have ${limiter.size}`);
  keep = limiter;
}
const after = settle();
const per = (k) => Number(((after[k] - before[k]) / n).toFixed(1));
process.stdout.write(
  JSON.stringify({
    impl,
    keys: n,
    heapBytesPerKey: per('heap'),
    rssBytesPerKey: per('rss'),
    externalBytesPerKey: per('external'),
  }),
);
if (!keep) process.exit(1);
process.exit(0); // rate-limiter-flexible's per-key timers would keep the process alive
