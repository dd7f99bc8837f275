// Interleaved head-to-head timing: two contenders, each in its own loop (a function compiled for
// it alone, so its call site stays monomorphic), timed by tinybench in alternating order round
// after round in one process; the figure is the median over rounds of the ratio of the two.
// On a noisy shared machine a slow spell hits both sides of a round alike, so the ratio of one
// round is steadier than either time, and the median drops the rounds a spike hit.
import { Bench } from 'tinybench';

/** Calls per timed op: spreads tinybench's own per-op cost over many calls. */
export const BATCH = 256;

/**
 * A batch op over `call(i)` for `i` cycling through `[0, n)`: `BATCH` calls per op. Compiled
 * per contender (new Function) so that no two contenders share a call site's feedback.
 */
export function batchLoop(call, n, { async = false } = {}) {
  const body = async
    ? 'return async function op() { for (let b = 0; b < batch; b++) { sink = (sink + (await call(c))) | 0; c = c + 1 === n ? 0 : c + 1; } return sink; };'
    : 'return function op() { for (let b = 0; b < batch; b++) { sink = (sink + call(c)) | 0; c = c + 1 === n ? 0 : c + 1; } return sink; };';
  return new Function('call', 'n', 'batch', `let c = 0; let sink = 0; ${body}`)(call, n, BATCH);
}

/** ns per call of one timed spell of `op` (a batch op): its median batch over `BATCH`. */
async function spell(op, time) {
  const bench = new Bench({ time, warmup: false, iterations: 16 });
  bench.add('op', op);
  await bench.run();
  const r = bench.tasks[0].result;
  if (!r || r.state === 'errored' || r.error) throw new Error(`bench op failed: ${r?.error ?? 'no result'}`);
  // The median batch, not the mean: on a shared machine a batch the scheduler preempted takes
  // many times longer, and those land in the tail. (A GC pause lands there too, which leaves out
  // part of the cost of allocating contenders; rate-limiter-flexible allocates more than the
  // native limiter, so that errs against the native side.)
  const ms = r.latency?.p50 ?? r.latency?.mean;
  return (ms * 1e6) / BATCH;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times `a` against `b` (each `{ name, op }`, `op` a batch op from {@link batchLoop}) in
 * `rounds` interleaved rounds, alternating which goes first; returns the medians of each side's
 * ns per call and of the ratio a/b, with the ratio's spread (min, max over rounds).
 */
export async function compare(a, b, { rounds = 15, time = 60 } = {}) {
  // Warm both up (tier-up to optimized code) before any timed spell.
  await spell(a.op, time * 2);
  await spell(b.op, time * 2);
  const ta = [];
  const tb = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    let x;
    let y;
    if (r % 2 === 0) {
      x = await spell(a.op, time);
      y = await spell(b.op, time);
    } else {
      y = await spell(b.op, time);
      x = await spell(a.op, time);
    }
    ta.push(x);
    tb.push(y);
    ratios.push(x / y);
  }
  return {
    [a.name]: Number(median(ta).toFixed(1)),
    [b.name]: Number(median(tb).toFixed(1)),
    ratio: Number(median(ratios).toFixed(3)),
    ratioMin: Number(Math.min(...ratios).toFixed(3)),
    ratioMax: Number(Math.max(...ratios).toFixed(3)),
    rounds,
  };
}

/** Median ns per call of a single op over `rounds` spells (for the floors). */
export async function timeAlone(op, { rounds = 7, time = 60 } = {}) {
  await spell(op, time);
  const t = [];
  for (let r = 0; r < rounds; r++) t.push(await spell(op, time));
  return Number(median(t).toFixed(1));
}
