// Shared plumbing for the benchmark suites: machine description, a tinybench runner that gives
// each contender its own loop, and writers for bench/results/*.json and docs/benchmarks.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The 1-minute load average when this process loaded the bench library. */
const LOAD_AT_START = Number(os.loadavg()[0].toFixed(2));

/** The first 8 hex digits of Linux's id of this boot, `unknown` elsewhere. */
const BOOT = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
  } catch {
    return 'unknown';
  }
})();

/** Date, machine and runtime, stamped on every result file. */
export function machine() {
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()}-${os.arch()}`,
    node: process.version,
    // Two machines of one CPU model (VMs named alike) are told apart by the boot they ran in, and a
    // busy one by its load when the bench started (later the bench's own load would count).
    host: os.hostname(),
    boot: BOOT,
    loadAverageAtStart: LOAD_AT_START,
  };
}

/**
 * Times each task in its own tinybench loop (one task after another, never interleaved) and
 * returns `{ name: { nsPerOp, rme, samples } }`. `tasks` is `[name, fn][]`.
 */
export async function timeEach(tasks, { time = 500, warmupTime = 200 } = {}) {
  const out = {};
  for (const [name, fn] of tasks) {
    const bench = new Bench({ time, warmupTime, warmup: true });
    bench.add(name, fn);
    await bench.run();
    const task = bench.tasks[0];
    const r = task.result;
    if (!r || r.state === 'errored' || r.error)
      throw new Error(`bench task ${name} failed: ${r?.error ?? 'no result'}`);
    const mean = r.latency?.mean ?? r.mean; // ms per op
    out[name] = {
      nsPerOp: Number((mean * 1e6).toFixed(2)),
      rme: Number((r.latency?.rme ?? r.rme ?? 0).toFixed(2)),
      samples: r.latency?.samplesCount ?? r.samples?.length ?? 0,
    };
  }
  return out;
}

/** Writes bench/results/<name>.json (with machine stamp) and returns its path. */
export function writeResults(name, data) {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machine(), ...data }, null, 2)}\n`);
  return file;
}

/** Replaces (or appends) the section between `<!-- bench:name -->` markers in docs/benchmarks.md. */
export function writeDocsSection(name, markdown) {
  const file = join(root, 'docs', 'benchmarks.md');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEvery figure here is written by `npm run bench` (see `bench/`); raw results are in `bench/results/`.\n';
  const m = machine();
  const block = `${start}\n${markdown.trim()}\n\n_${m.date.slice(0, 16).replace('T', ' ')} UTC, ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB, host ${m.host}, boot ${m.boot}, load ${m.loadAverageAtStart} at the start), ${m.platform}, Node ${m.node}._\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, doc);
}

/** Markdown table from a header row and rows. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
