// Router lookups on the GitHub API route table (203 routes): native (@switchyard/node) against the
// reference (@switchyard/core), find-my-way, hono's RegExpRouter and rou3 (compiled), plus the
// N-API boundary floor (an empty native call, a native call that reads a path string).
//
// Each op of a task looks up every request of its list once (so the timer's own cost is spread
// over ~100 lookups); figures are ns per lookup.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router as CoreRouter } from '@switchyard/core';
import { implementation, Router as NodeRouter } from '@switchyard/node';
import FindMyWay from 'find-my-way';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { addRoute, createRouter } from 'rou3';
import { compileRouter } from 'rou3/compiler';
import { timeEach, writeDocsSection, writeResults } from '../lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** A Markdown table with padded columns, as the repository's formatter (biome) writes them. */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => [...r[i]].length)));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(width[i] - [...c].length)).join(' | ')} |`;
  return [line(all[0]), line(width.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join('\n');
}
const { nativeBinding } = await import('../../packages/node/dist/esm/implementation.js');

const routes = readFileSync(join(here, 'github-api-routes.txt'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter(Boolean)
  .map((line) => {
    const [method, path] = line.split(' ');
    return { method, path };
  });

/** A request path for a route: each param filled with a plausible value. */
const fill = (path) => path.replace(/:([A-Za-z_]+)/g, (_, name) => (name.includes('id') ? '12345' : `some-${name}`));
const isStatic = (r) => !r.path.includes(':') && !r.path.includes('*');
const lookups = {
  static: routes.filter(isStatic).map((r) => ({ method: r.method, path: r.path })),
  param: routes.filter((r) => !isStatic(r)).map((r) => ({ method: r.method, path: fill(r.path) })),
};
lookups.mixed = routes.map((r) => ({ method: r.method, path: isStatic(r) ? r.path : fill(r.path) }));

function build() {
  const native = new NodeRouter();
  const reference = new CoreRouter();
  const fmw = FindMyWay();
  const hono = new RegExpRouter();
  const rou3 = createRouter();
  const handle = nativeBinding
    ? new nativeBinding.NativeRouter(
        true,
        'strict',
        256,
        'decode',
        'reject',
        'reject',
        false,
        'reject',
        new Int32Array(1 + 3 * 4097 + 5),
      )
    : null;
  routes.forEach((r, i) => {
    native.add({ method: r.method, path: r.path }, i);
    reference.add({ method: r.method, path: r.path }, i);
    fmw.on(r.method, r.path, () => i);
    hono.add(r.method, r.path, i);
    addRoute(rou3, r.method, r.path, i);
    handle?.add(r.path, [r.method], null, [], [], [], [], [], [], 0);
  });
  return { native, reference, fmw, hono, rou3: compileRouter(rou3), handle };
}

/** Checks every contender finds a route for every request, so no loop measures a miss. */
function verify(r, list) {
  for (const req of list) {
    const found = [
      r.native.match(req)?.route,
      r.reference.match(req)?.route,
      r.fmw.find(req.method, req.path)?.handler,
      r.hono.match(req.method, req.path)[0].length > 0 ? 1 : undefined,
      r.rou3(req.method, req.path)?.data,
    ];
    if (found.some((x) => x === undefined)) throw new Error(`a contender misses ${req.method} ${req.path}: ${found}`);
  }
}

function tasks(r, list, kind) {
  const n = list.length;
  const methods = list.map((q) => q.method);
  const paths = list.map((q) => q.path);
  let sink = 0;
  const loop = (fn) => () => {
    for (let i = 0; i < n; i++) sink ^= fn(i);
  };
  const out = [
    [`${kind}/native`, loop((i) => r.native.match(list[i]).route)],
    [`${kind}/reference`, loop((i) => r.reference.match(list[i]).route)],
    [`${kind}/find-my-way`, loop((i) => r.fmw.find(methods[i], paths[i]).handler.length)],
    [`${kind}/hono-regexp`, loop((i) => r.hono.match(methods[i], paths[i])[0].length)],
    [`${kind}/rou3-compiled`, loop((i) => r.rou3(methods[i], paths[i]).data)],
  ];
  if (r.handle) {
    const ids = methods.map((m) => r.handle.methodId(m));
    const match = r.handle.matcher();
    out.push([`${kind}/native-core-call`, loop((i) => match(ids[i], paths[i], undefined))]);
  }
  return { n, tasks: out, sink: () => sink };
}

export async function run() {
  const r = build();
  const results = {};
  const perLookup = {};
  for (const kind of ['static', 'param', 'mixed']) {
    verify(r, lookups[kind]);
    const t = tasks(r, lookups[kind], kind);
    const timed = await timeEach(t.tasks, { time: 1500, warmupTime: 300 });
    for (const [name, v] of Object.entries(timed)) {
      results[name] = v;
      perLookup[name] = Number((v.nsPerOp / t.n).toFixed(1));
    }
  }
  // Boundary floor: 100 calls per op.
  if (nativeBinding) {
    const paths = lookups.mixed.map((q) => q.path).slice(0, 100);
    const touchPath = nativeBinding.pathToucher();
    let sink = 0;
    const boundary = await timeEach(
      [
        [
          'boundary/empty-call',
          () => {
            for (let i = 0; i < 100; i++) sink ^= nativeBinding.noop();
          },
        ],
        [
          'boundary/path-string-reused-buffer',
          () => {
            for (let i = 0; i < 100; i++) sink ^= touchPath(paths[i]);
          },
        ],
        [
          'boundary/path-string-napi-rs-String',
          () => {
            for (let i = 0; i < 100; i++) sink ^= nativeBinding.touchPathString(paths[i]);
          },
        ],
        // What every Match costs in JS, whatever finds it: the object and its null-prototype params.
        [
          'boundary/js-empty-match-object',
          () => {
            for (let i = 0; i < 100; i++) sink ^= { value: i, route: i, params: Object.create(null) }.route;
          },
        ],
      ],
      { time: 1500, warmupTime: 300 },
    );
    for (const [name, v] of Object.entries(boundary)) {
      results[name] = v;
      perLookup[name] = Number((v.nsPerOp / 100).toFixed(1));
    }
    if (sink === 0.5) console.log(sink);
  }

  const ns = (k) => perLookup[k];
  const ratio = (a, b) => Number((ns(a) / ns(b)).toFixed(2));
  const targets = [
    ['native mixed / find-my-way mixed', ratio('mixed/native', 'mixed/find-my-way'), 0.5],
    ['native static / rou3 compiled static', ratio('static/native', 'static/rou3-compiled'), 1.5],
    [
      'native call with path string / empty native call',
      ratio('boundary/path-string-reused-buffer', 'boundary/empty-call'),
      2.5,
    ],
  ].map(([name, value, target]) => ({ name, value, target, met: value <= target }));

  const contenders = ['native', 'native-core-call', 'reference', 'find-my-way', 'hono-regexp', 'rou3-compiled'];
  const rows = contenders.map((c) => [c, ...['static', 'param', 'mixed'].map((k) => ns(`${k}/${c}`) ?? '–')]);
  const boundaryRows = [
    'empty-call',
    'path-string-reused-buffer',
    'path-string-napi-rs-String',
    'js-empty-match-object',
  ].map((b) => [b, ns(`boundary/${b}`) ?? '–']);
  writeResults('router', {
    implementation,
    routes: routes.length,
    lookups: { static: lookups.static.length, param: lookups.param.length, mixed: lookups.mixed.length },
    nsPerLookup: perLookup,
    raw: results,
    targets,
  });
  const md = [
    '## Router',
    '',
    `GitHub API table (${routes.length} routes), ns per lookup (lower is better); \`@switchyard/node\` runs \`${implementation}\`. ` +
      '`native` is the public `Router.match` (builds the `Match`); `native-core-call` is the bare binding call (route id, params left in the shared array). ' +
      "find-my-way and rou3 return params; hono's RegExpRouter returns its param stash unbuilt.",
    '',
    table(['contender', 'static', 'param', 'mixed'], rows),
    '',
    'N-API boundary, ns per call:',
    '',
    table(['call', 'ns'], boundaryRows),
    '',
    'Where a native mixed lookup goes (ns; from the rows above): the N-API call with the path string ' +
      `${ns('boundary/path-string-reused-buffer')} (of which the empty call ${ns('boundary/empty-call')}); ` +
      `Rust normalisation and matching ${(ns('mixed/native-core-call') - ns('boundary/path-string-reused-buffer')).toFixed(1)}; ` +
      `building the \`Match\` and its null-prototype \`params\` in JS ${(ns('mixed/native') - ns('mixed/native-core-call')).toFixed(1)}.`,
    '',
    'Static lookups of the native router never cross: a `Map` of the static paths answers them in JS when the core says only the method can decide. ' +
      `What bounds them is the \`Match\` with its null-prototype \`params\`: ${ns('boundary/js-empty-match-object')} ns alone (\`js-empty-match-object\`), ` +
      'which rou3 does not pay (it returns a prebuilt object).',
    '',
    'Targets:',
    '',
    table(
      ['ratio', 'measured', 'target', 'met'],
      targets.map((t) => [t.name, t.value, `≤ ${t.target}`, t.met ? 'yes' : '**no**']),
    ),
  ].join('\n');
  writeDocsSection('router', md);
  console.log(md);
}
