#!/usr/bin/env node
// Fuzzes the gateway config loader and compiler (`parseConfig`, `compileGateway`) for a bounded
// time with fast-check: mutated copies of the example gateway.yaml files (lines dropped,
// duplicated or swapped; bytes replaced, inserted or cut) and generated YAML values. The loader
// must either accept the text or throw a ConfigError whose every problem has a position; any
// other exception, a hang, or a problem without a position is a finding, printed with the input
// that caused it. Not coverage-guided (no such fuzzer for JS is installable here); the Rust
// targets are (scripts/fuzz.mjs). Usage: node scripts/fuzz-config.mjs [--seconds N] [--seed S]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, seed: { type: 'string' } },
});
const seconds = Number(args.seconds);
const seed = Number(args.seed ?? Date.now() % 2 ** 31);

const gateway = await import(pathToFileURL(join(root, 'packages/adapters/dist/esm/gateway/index.js')).href);
const core = await import(pathToFileURL(join(root, 'packages/core/dist/esm/index.js')).href);
const { parseConfig, compileGateway } = gateway;
const { ConfigError } = core;

const examples = [
  'examples/gateway.yaml',
  'fixtures/gateway/full.yaml',
  'fixtures/gateway/seed.yaml',
  'fixtures/gateway/broken.yaml',
].map((file) => readFileSync(join(root, file), 'utf8'));

const TOKENS = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '#',
  '&a',
  '*a',
  '!!str',
  '\t',
  '\r',
  '\n',
  '\\',
  '%2e',
  '..',
  '/api/*',
  '{id}',
  'header:x',
  'cookie:',
  'query:',
  '0',
  '-1',
  '1e309',
  'NaN',
  '.inf',
  'null',
  '~',
  'true',
  'weight: 0',
  '<<: *a',
  '\u0000',
  '\uFEFF',
  '\u00e9',
  '\ud800',
  '𝒳',
  'service: nope',
  '    ',
];

/** A mutation of `text`: one edit at a position chosen by `at` in [0, 1). */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('drop-line'), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
  fc.record({ kind: fc.constant('dup-line'), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
  fc.record({
    kind: fc.constant('swap-lines'),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    to: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('insert'),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8, unit: 'binary' })),
  }),
  fc.record({
    kind: fc.constant('cut'),
    at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    length: fc.integer({ min: 1, max: 40 }),
  }),
);

function apply(text, edit) {
  const lines = text.split('\n');
  const line = Math.floor(edit.at * lines.length);
  switch (edit.kind) {
    case 'drop-line':
      lines.splice(line, 1);
      return lines.join('\n');
    case 'dup-line':
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    case 'swap-lines': {
      const other = Math.floor(edit.to * lines.length);
      [lines[line], lines[other]] = [lines[other] ?? '', lines[line] ?? ''];
      return lines.join('\n');
    }
    case 'insert': {
      const at = Math.floor(edit.at * (text.length + 1));
      return text.slice(0, at) + edit.text + text.slice(at);
    }
    default: {
      const at = Math.floor(edit.at * text.length);
      return text.slice(0, at) + text.slice(at + edit.length);
    }
  }
}

const mutatedText = fc
  .tuple(fc.constantFrom(...examples), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => edits.reduce(apply, text));
const generatedText = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
const input = fc.oneof({ weight: 4, arbitrary: mutatedText }, { weight: 1, arbitrary: generatedText });

const noRedis = () => ({ evalsha: async () => [1, 1, 0, 0, 0], eval: async () => [1, 1, 0, 0, 0], disconnect() {} });

let runs = 0;
let accepted = 0;
let rejected = 0;
const findings = [];
const deadline = Date.now() + seconds * 1000;
while (Date.now() < deadline && findings.length === 0) {
  const details = fc.check(
    fc.property(input, (text) => {
      runs++;
      let config;
      try {
        config = parseConfig(text, 'fuzz.yaml');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const unplaced = error.problems.filter((p) => !(p.line >= 1 && p.col >= 1));
        if (unplaced.length > 0) throw new Error(`problems without a position: ${JSON.stringify(unplaced)}`);
        rejected++;
        return;
      }
      try {
        const compiled = compileGateway(config, { createRedisClient: noRedis });
        compiled.close?.();
        accepted++;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        rejected++;
      }
    }),
    { seed: seed + runs, numRuns: 200 },
  );
  if (details.failed) findings.push(details);
}

console.log(
  `fuzz-config: ${runs} inputs in ${seconds} s (seed ${seed}): ${accepted} accepted, ${rejected} rejected with positions, ${findings.length} findings`,
);
for (const finding of findings) {
  console.log(`FINDING: ${String(finding.errorInstance?.stack ?? finding.error)}`);
  console.log(`input: ${JSON.stringify(finding.counterexample)}`);
}
process.exit(findings.length === 0 ? 0 : 1);
