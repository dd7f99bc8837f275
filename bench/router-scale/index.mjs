// Router at scale: how add, a match, a miss and check() grow with the number of routes, in the
// reference (@switchyard/core) and the native router (@switchyard/node). The table is generated
// (bench/router-scale/table.mjs): ten route shapes per group (static, plain, patterned and mixed
// params, methods, exact and wildcard hosts, a wildcard tail), most under one shared `/api` prefix.
//
// Each size builds a fresh router per implementation and times, once: `add` of every route (ms)
// and `check()` (ms; the native router hands it to a reference it fills on the first call, so its
// figure includes that filling). Lookups are 1,000 requests drawn at random from the table (match)
// and 1,000 that match nothing (miss; some share a long prefix with a route, some do not), timed
// in rounds of the whole list until 400 ms have passed; the median round, per lookup. `resolve`
// on the misses is the 404 a gateway asks for.
//
// A phase whose previous size took too long is skipped (the old, quadratic check() ran for a
// minute at 10,000 routes); such a cell reads `skipped`.
//
// `node --expose-gc bench/run.mjs router-scale [--sizes=100,1000]`
import os from 'node:os';
import { Router as CoreRouter } from '@switchyard/core';
import { implementation, Router as NodeRouter } from '@switchyard/node';
import { table, writeDocsSection, writeResults } from '../lib.mjs';
import { generateTable, lookups, tenantLookups, tenantTable } from './table.mjs';

/** The table shapes: the generated mix, and one path told apart by header (`tenants`). */
const SHAPES = {
  generated: { table: generateTable, lookups },
  tenants: { table: tenantTable, lookups: tenantLookups },
};

const DEFAULT_SIZES = [100, 1_000, 10_000, 50_000, 100_000];
/** A phase is skipped at the next size when it is projected to take longer than this (ms). */
const BUDGET_MS = 30_000;

function sizes() {
  const arg = process.argv.find((a) => a.startsWith('--sizes='));
  return arg ? arg.slice('--sizes='.length).split(',').map(Number) : DEFAULT_SIZES;
}

const gc = () => globalThis.gc?.();
const wall = () => Number(process.hrtime.bigint()) / 1e6;
/**
 * The process's CPU time in ms. The figures are CPU time rather than wall time: on a machine
 * shared with other jobs, wall time also counts the time this process waited for a core.
 */
const now = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Times `fn` once: CPU ms, and wall ms for the record. */
function once(fn) {
  gc();
  const start = now();
  const startWall = wall();
  const result = fn();
  return { ms: now() - start, wallMs: wall() - startWall, result };
}

/** ns per call of `fn` over `list`: rounds of the whole list until `minMs`, median round. */
function perLookup(list, fn, minMs = 400) {
  let sink = 0;
  for (let i = 0; i < Math.min(list.length, 200); i++) sink ^= fn(list[i]); // warm-up
  const rounds = [];
  const start = now();
  do {
    const t0 = now();
    for (let i = 0; i < list.length; i++) sink ^= fn(list[i]);
    rounds.push(((now() - t0) * 1e6) / list.length);
  } while (now() - start < minMs || rounds.length < 5);
  if (sink === 0.5) console.log(sink);
  rounds.sort((a, b) => a - b);
  return Number((rounds[rounds.length >> 1] ?? 0).toFixed(1));
}

/** Whether a phase that took `ms` at size `from` is projected over budget at `to` (growth `power`). */
const overBudget = (ms, from, to, power) => ms !== undefined && ms * (to / from) ** power > BUDGET_MS;

function measure(shape, name, Router, n, last) {
  const row = { shape, implementation: name, routes: n };
  const { routes } = SHAPES[shape].table(n);
  const { match, miss } = SHAPES[shape].lookups(n, 1_000);
  if (overBudget(last?.addMs, last?.routes, n, 2)) {
    row.addMs = null;
    return row;
  }
  const built = once(() => {
    const router = new Router();
    for (const [i, r] of routes.entries()) router.add(r.spec, i);
    return router;
  });
  const router = built.result;
  row.addMs = Number(built.ms.toFixed(1));
  row.addWallMs = Number(built.wallMs.toFixed(1));
  for (const req of match) {
    const found = router.match(req);
    if (found === null || found.route !== req.route) {
      throw new Error(
        `${name} at ${n}: ${req.method} ${req.host ?? ''}${req.path} gave ${found?.route}, not ${req.route}`,
      );
    }
  }
  for (const req of miss) {
    if (router.match(req) !== null) throw new Error(`${name} at ${n}: ${req.method} ${req.path} should miss`);
  }
  const lookupsOver = overBudget(last?.lookupBudgetMs, last?.routes, n, 1);
  if (lookupsOver) {
    row.matchNs = row.missNs = row.resolveMissNs = null;
  } else {
    const t0 = now();
    row.matchNs = perLookup(match, (q) => router.match(q).route);
    row.missNs = perLookup(miss, (q) => (router.match(q) === null ? 1 : 0));
    row.resolveMissNs = perLookup(miss, (q) => router.resolve(q).outcome.length);
    row.lookupBudgetMs = now() - t0;
  }
  if (overBudget(last?.checkMs, last?.routes, n, 2)) {
    row.checkMs = null;
  } else {
    const checked = once(() => router.check());
    if (checked.result.length !== 0) {
      throw new Error(`${name} at ${n}: check() found ${checked.result.length} findings in a clean table`);
    }
    row.checkMs = Number(checked.ms.toFixed(1));
    row.checkWallMs = Number(checked.wallMs.toFixed(1));
  }
  return row;
}

export async function run() {
  const loadBefore = os.loadavg()[0].toFixed(1);
  const rows = [];
  for (const shape of Object.keys(SHAPES)) {
    const last = { reference: undefined, native: undefined };
    for (const n of sizes()) {
      for (const [name, Router] of [
        ['reference', CoreRouter],
        ['native', NodeRouter],
      ]) {
        const row = measure(shape, name, Router, n, last[name]);
        // A skipped phase keeps the last measured one for the budget projection.
        last[name] = {
          routes: row.addMs === null ? last[name]?.routes : n,
          addMs: row.addMs ?? last[name]?.addMs,
          lookupBudgetMs: row.lookupBudgetMs ?? last[name]?.lookupBudgetMs,
          checkMs: row.checkMs ?? last[name]?.checkMs,
        };
        delete row.lookupBudgetMs;
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
  }
  const smallest = rows[0]?.routes;
  const base = (r, key) =>
    rows.find((b) => b.shape === r.shape && b.implementation === r.implementation && b.routes === smallest)?.[key];
  const cell = (v) => (v === null || v === undefined ? 'skipped' : String(v));
  const growth = (r, key) => {
    const b = base(r, key);
    return r[key] == null || !b ? '–' : `${(r[key] / b).toFixed(1)}×`;
  };
  writeResults('router-scale', { implementation, rows });
  const md = [
    '## Router at scale',
    '',
    `Two table shapes (\`bench/router-scale/table.mjs\`): \`generated\`, ten route shapes per group, most under one \`/api\` prefix; \`tenants\`, every route on one path (\`GET /v1/orders/:id\`) told apart by its \`x-tenant\` value, the list both routers split by header. \`@switchyard/node\` runs \`${implementation}\`. ` +
      '`add` is the time to add every route, `check` one `check()` call (CPU ms of the process; the native router fills its reference on that first call, which is included). ' +
      'Lookups are 1,000 requests drawn at random from the table (match) and 1,000 that match nothing (miss), CPU ns per lookup, median round; ' +
      '`× 100` is the lookup time over its time at the smallest table. A cell reads `skipped` when the phase was projected to run past 30 s.',
    '',
    table(
      [
        'table',
        'implementation',
        'routes',
        'add ms',
        'match ns',
        '× 100',
        'miss ns',
        '× 100',
        'resolve miss ns',
        'check ms',
      ],
      rows.map((r) => [
        r.shape,
        r.implementation,
        r.routes,
        cell(r.addMs),
        cell(r.matchNs),
        growth(r, 'matchNs'),
        cell(r.missNs),
        growth(r, 'missNs'),
        cell(r.resolveMissNs),
        cell(r.checkMs),
      ]),
    ),
    '',
    `The machine is shared with other jobs (load average ${loadBefore} before the run, ${os.loadavg()[0].toFixed(1)} after), ` +
      'so every figure is CPU time rather than wall time (`bench/results/router-scale.json` has the wall times of `add` and `check` too); ' +
      'single figures can still be off by tens of percent, the growth across sizes is what the table shows.',
    '',
    'Command: `node --expose-gc bench/run.mjs router-scale`.',
  ].join('\n');
  writeDocsSection('router-scale', md);
  console.log(md);
}
