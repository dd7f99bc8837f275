#!/usr/bin/env node
// Instructions per call from two callgrind runs of bench/workloads/profile.mjs that differ only in
// their batch count: (Ir of the longer run - Ir of the shorter) / (calls between them), in total
// and inclusive per function of interest, so startup, table building and the JIT's warm-up cancel
// out. Instruction counts are not time (cache misses are free here), but on a shared, noisy
// machine they are the one reproducible measure of where a call's work goes.
//
//   node bench/workloads/callgrind-diff.mjs <short.out> <short batches> <long.out> <long batches>
import { execFileSync } from 'node:child_process';
import { BATCH } from './compare.mjs';

const [shortFile, shortBatches, longFile, longBatches] = process.argv.slice(2);
const calls = (Number(longBatches) - Number(shortBatches)) * BATCH;

/** Parts of a call, by a pattern of the function names callgrind reports (inclusive cost). */
const PARTS = [
  ['bound native callback, all of it', /switchyard_napi::(router::raw_(match|resolve)(_with_headers)?|ratelimit::raw_take|testing::probe_bound)$/],
  ['  reading the arguments (napi_get_cb_info)', /^napi_get_cb_info$/],
  ['  string conversion (napi_get_value_string_utf8)', /^napi_get_value_string_utf8$/],
  ['  path canonicalization (Scratch::normalize)', /switchyard::router::search::Scratch::normalize$/],
  ['  lookup (search_trie, static paths and trie walk)', /switchyard::router::search::search_trie$/],
  ['  host normalization', /switchyard::router::.*normalize_host$/],
  ['  param spans (write_params)', /switchyard_napi::router::write_params$/],
  ['  key hashing (key_hash)', /switchyard::ratelimit::hash::key_hash$/],
  ['  limiter decision (RateLimiter::take)', /switchyard::ratelimit::.*Limiter.*::take$/],
];

function inclusive(file) {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const total = Number(/([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/.exec(text)?.[1].replaceAll(',', '') ?? Number.NaN);
  const byName = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \([\d. %]+\)\s+\S*?:(.+?) \[/.exec(line);
    if (!m) continue;
    const name = m[2].replace(/'\d+$/, '');
    // Recursive functions appear once per depth ('2, '3...): the outermost is the inclusive cost.
    if (!byName.has(name)) byName.set(name, Number(m[1].replaceAll(',', '')));
  }
  return { total, byName };
}

const a = inclusive(shortFile);
const b = inclusive(longFile);
const rows = [['whole call (JS and native)', (b.total - a.total) / calls]];
for (const [label, pattern] of PARTS) {
  let sum = 0;
  let found = false;
  for (const [name, ir] of b.byName) {
    if (!pattern.test(name)) continue;
    found = true;
    sum += ir - (a.byName.get(name) ?? 0);
  }
  if (found) rows.push([label, sum / calls]);
}
console.log(`Ir per call over ${calls} calls`);
for (const [label, ir] of rows) console.log(`${label.padEnd(52)} ${ir.toFixed(0).padStart(7)}`);
