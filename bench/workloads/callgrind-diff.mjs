#!/usr/bin/env node
// Where the native side of a call goes, in instructions, from a callgrind run of
// bench/workloads/profile.mjs: the inclusive cost of each part divided by the number of times the
// bound native callback ran (callgrind counts the calls), and the JS builtins the wrapper's side
// of a lookup runs (building the Match), per lookup, from the difference of two runs with
// different batch counts (their self costs; the JIT's and GC's own work differs between two runs
// by more than a lookup's whole cost, so no whole-call total is given). Instruction counts are not time
// (cache misses cost nothing here), but on a shared, noisy machine they are the one reproducible
// measure of where a call's work goes.
//
//   node bench/workloads/callgrind-diff.mjs <run.out> [<shorter.out> <batches of run> <batches of shorter>]
import { execFileSync } from 'node:child_process';
import { BATCH } from './compare.mjs';

const [file, shorter, longBatches, shortBatches] = process.argv.slice(2);

/** The bound callbacks a crossing enters by. */
const ENTRY =
  /^switchyard_napi::(router::raw_(match|resolve)(_with_headers)?|ratelimit::raw_take|testing::probe_bound)$/;
/** Parts of a native call, by a pattern of the function names callgrind reports (inclusive cost). */
const PARTS = [
  ['reading the arguments (napi_get_cb_info)', /^napi_get_cb_info$/],
  ['string conversion (napi_get_value_string_utf8)', /^napi_get_value_string_utf8$/],
  ['path canonicalization (Scratch::normalize)', /^switchyard::router::search::Scratch::normalize$/],
  ['lookup (search_trie: static paths, trie walk)', /^switchyard::router::search::search_trie$/],
  ['host normalization (normalize_host)', /^switchyard::router::.*normalize_host$/],
  ['key hashing (key_hash)', /^switchyard::ratelimit::hash::key_hash$/],
];

/** Inclusive Ir and call count per function, from callgrind_annotate's caller tree. */
function profile(out) {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--tree=caller', '--threshold=100', out], {
    encoding: 'utf8',
    maxBuffer: 512 << 20,
  });
  const total = Number(/([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/.exec(text)?.[1].replaceAll(',', '') ?? Number.NaN);
  const fns = new Map();
  let calls = 0;
  for (const line of text.split('\n')) {
    const caller = /^\s*[\d,]+ \([\d. %]+\)\s+<.*\(([\d,]+)x\)/.exec(line);
    if (caller) {
      calls += Number(caller[1].replaceAll(',', ''));
      continue;
    }
    const self = /^\s*([\d,]+) \([\d. %]+\)\s+\*\s+\S*?:(.+?) \[/.exec(line);
    if (self) {
      const name = self[2];
      // Recursive functions show once per depth ('2, '3, ...): the outermost has the whole cost.
      if (!/'\d+$/.test(name)) fns.set(name, { ir: Number(self[1].replaceAll(',', '')), calls });
    }
    if (line.trim() === '') calls = 0;
  }
  return { total, fns };
}

const run = profile(file);
let crossings = 0;
let native = 0;
for (const [name, f] of run.fns) {
  if (ENTRY.test(name)) {
    crossings += f.calls;
    native += f.ir;
  }
}
if (crossings === 0) throw new Error(`no bound native callback in ${file}`);
console.log(`${crossings} native calls; Ir per native call:`);
console.log(`${'the bound callback, all of it'.padEnd(50)} ${(native / crossings).toFixed(0).padStart(7)}`);
for (const [label, pattern] of PARTS) {
  let ir = 0;
  for (const [name, f] of run.fns) if (pattern.test(name)) ir += f.ir;
  if (ir > 0) console.log(`  ${label.padEnd(48)} ${(ir / crossings).toFixed(0).padStart(7)}`);
}
if (shorter) {
  /** JS builtins of the wrapper's side: the params object, its stores, slicing the path, Map lookups. */
  const JS = [
    ['Object.create(null) (params)', /^Builtins_CreateObjectWithoutProperties$/],
    ['params[name] = value (megamorphic keyed store)', /^Builtins_KeyedStoreIC(_Megamorphic)?$/],
    ['path.slice (param values)', /^Builtins_StringSubstring$/],
    ['Map.get (static fast path, method ids)', /^Builtins_FindOrderedHashMapEntry$/],
    [
      'entering the callback (CallApiCallback, FunctionCallbackWrapper)',
      /^(Builtins_CallApiCallback|v8impl::.*FunctionCallbackWrapper::Invoke.*)$/,
    ],
  ];
  const selfCosts = (out) => {
    const text = execFileSync('callgrind_annotate', ['--threshold=100', out], {
      encoding: 'utf8',
      maxBuffer: 512 << 20,
    });
    const m = new Map();
    for (const line of text.split('\n')) {
      const r = /^\s*([\d,]+) \([\d. %]+\)\s+\S*?:(.+?) \[/.exec(line);
      if (r)
        m.set(r[2].replace(/'\d+$/, ''), (m.get(r[2].replace(/'\d+$/, '')) ?? 0) + Number(r[1].replaceAll(',', '')));
    }
    return m;
  };
  const long = selfCosts(file);
  const short = selfCosts(shorter);
  const lookups = (Number(longBatches) - Number(shortBatches)) * BATCH;
  console.log('JS builtins per lookup (self Ir, difference of the two runs):');
  for (const [label, pattern] of JS) {
    let ir = 0;
    for (const [name, v] of long) if (pattern.test(name)) ir += v - (short.get(name) ?? 0);
    console.log(`  ${label.padEnd(48)} ${(ir / lookups).toFixed(0).padStart(7)}`);
  }
}
