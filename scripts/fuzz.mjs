#!/usr/bin/env node
// Runs every fuzz target for a bounded time and reports what each did. Not part of `npm test`.
//   node scripts/fuzz.mjs [--seconds N per target, default 60] [--only name,name]
// Rust targets (fuzz/fuzz_targets/*.rs): coverage-guided, cargo-fuzz + libFuzzer on the nightly
// toolchain (installed with rustup and `cargo install cargo-fuzz` when missing). The config loader:
// fast-check, bounded by time (scripts/fuzz-config.mjs). A crash leaves its input in
// fuzz/artifacts/<target>/; turn each into a regression case before fixing it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, only: { type: 'string', default: '' } },
});
const seconds = Number(args.seconds);
const only = args.only.split(',').filter(Boolean);
const rustTargets = readdirSync(join(root, 'fuzz/fuzz_targets')).map((f) => f.replace(/\.rs$/, ''));
const wanted = (name) => only.length === 0 || only.includes(name);

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...options });
}

function ensureCargoFuzz() {
  if (run('rustup', ['run', 'nightly', 'cargo', '--version']).status !== 0) {
    console.log('fuzz: installing the nightly toolchain (rustup toolchain install nightly --profile minimal)');
    if (run('rustup', ['toolchain', 'install', 'nightly', '--profile', 'minimal'], { stdio: 'inherit' }).status !== 0)
      throw new Error('fuzz: no nightly toolchain, and rustup could not install one');
  }
  if (run('cargo', ['fuzz', '--version']).status !== 0) {
    console.log('fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked)');
    if (run('cargo', ['install', 'cargo-fuzz', '--locked'], { stdio: 'inherit' }).status !== 0)
      throw new Error('fuzz: cargo install cargo-fuzz failed');
  }
}

const stat = (text, name) => Number(new RegExp(`stat::${name}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN);
const results = [];

if (rustTargets.some(wanted)) ensureCargoFuzz();
for (const target of rustTargets.filter(wanted)) {
  const corpus = join(root, 'target/fuzz-corpus', target);
  mkdirSync(corpus, { recursive: true });
  console.log(`fuzz: ${target} for ${seconds} s (cargo +nightly fuzz run)`);
  const started = Date.now();
  const out = run('cargo', [
    '+nightly',
    'fuzz',
    'run',
    '--fuzz-dir',
    'fuzz',
    target,
    corpus,
    join('fuzz/seeds', target),
    '--',
    `-max_total_time=${seconds}`,
    '-print_final_stats=1',
    '-max_len=4096',
  ]);
  const text = `${out.stdout}\n${out.stderr}`;
  const crashed = out.status !== 0;
  results.push({
    target,
    engine: 'cargo-fuzz/libFuzzer (coverage-guided)',
    seconds: Math.round((Date.now() - started) / 1000),
    executions: stat(text, 'number_of_executed_units'),
    newUnits: stat(text, 'new_units_added'),
    corpus: readdirSync(corpus).length,
    finding: crashed ? (/(fuzz\/artifacts\/\S+)/.exec(text)?.[1] ?? `exit ${out.status}`) : 'none',
  });
  if (crashed) console.log(text.split('\n').slice(-60).join('\n'));
}

if (wanted('config')) {
  console.log(`fuzz: config loader for ${seconds} s (fast-check)`);
  const out = run(process.execPath, [join(root, 'scripts/fuzz-config.mjs'), '--seconds', String(seconds)]);
  const text = `${out.stdout}\n${out.stderr}`;
  const line = /fuzz-config: (\d+) inputs/.exec(text);
  results.push({
    target: 'config',
    engine: 'fast-check (generative, not coverage-guided)',
    seconds,
    executions: Number(line?.[1] ?? Number.NaN),
    newUnits: Number.NaN,
    corpus: Number.NaN,
    finding: out.status === 0 ? 'none' : 'see FINDING above',
  });
  process.stdout.write(text);
}

console.log(
  `\n${seconds} s of fuzzing per target; wall time includes the build\ntarget        engine                                      wall s  executions  finding`,
);
for (const r of results) {
  console.log(
    `${r.target.padEnd(13)} ${r.engine.padEnd(46)} ${String(r.seconds).padStart(3)} ${String(r.executions).padStart(12)}  ${r.finding}`,
  );
}
process.exit(results.every((r) => r.finding === 'none') ? 0 : 1);
