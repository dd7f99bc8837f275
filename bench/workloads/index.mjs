// The speed goals on realistic workloads (issue 13): the native router against find-my-way on
// mixed lookups and against rou3 (compiled) on static paths, over route tables of several shapes
// with requests drawn at random from many distinct URLs (20% misses); the native rate limiter
// against rate-limiter-flexible's memory store with keys drawn at random from 100,000 and
// 1,000,000 keys and from a Zipf distribution, with costs above 1 in a quarter of the takes.
// Each comparison runs interleaved in this one process (compare.mjs); the figure is the median of
// the per-round ratios. Beside them, the floors: an empty native call and a call that only reads
// the string argument, through the same bound-function pattern the hot calls use.
//
//   node --expose-gc bench/run.mjs workloads [--quick] [--seed=N] [--only=router|limiter]
//     [--workload=<router workload name>] [--kind=mixed|static]
// `--workload` and `--kind` run part of the router tables (printed, not recorded): on a shared
// machine a comparison of one workload repeated is steadier than the whole run.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router as CoreRouter } from '@switchyard/core';
import { implementation, RateLimiter as NodeRateLimiter, Router as NodeRouter } from '@switchyard/node';
import FindMyWay from 'find-my-way';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { addRoute, createRouter } from 'rou3';
import { compileRouter } from 'rou3/compiler';
import { writeDocsSection, writeResults } from '../lib.mjs';
import { BATCH, batchLoop, compare, timeAlone } from './compare.mjs';
import {
  costs,
  DEFAULT_SEED,
  generatedRoutes,
  githubRoutes,
  headerRoutes,
  hostRoutes,
  requests,
  staticSiteRoutes,
  uniformIndices,
  VERSION_HEADER,
  zipfIndices,
} from './data.mjs';

// `--name=value`: bench/run.mjs takes every argument not starting with `-` for a suite name.
const argValue = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 1);
};
const QUICK = process.argv.includes('--quick');
const SEED = Number(argValue('--seed', String(DEFAULT_SEED)));
const ONLY = argValue('--only', undefined);
const WORKLOAD = argValue('--workload', undefined);
const KIND = argValue('--kind', undefined);
const ROUNDS = QUICK ? 5 : 15;
const SPELL_MS = QUICK ? 40 : 60;
/** Distinct requests per router workload (cycled in their random order). */
const REQUESTS = 10_000;

const require = createRequire(import.meta.url);
// The raw binding, for the floors: the addon instance @switchyard/node runs on (the first of the
// loader's candidates that loads, as its loader tries them; `require` hands back the same instance),
// when it was built with the test-only probes.
const binding = (() => {
  const { candidates } = require(join(dirname(require.resolve('@switchyard/node/package.json')), 'native.cjs'));
  for (const candidate of candidates) {
    try {
      const addon = candidate.load();
      return typeof addon.pathToucher === 'function' ? addon : null;
    } catch {
      // Not there: the loader goes on to the next candidate too.
    }
  }
  return null;
})();

const isStatic = (r) => !r.path.includes(':') && !r.path.includes('*');
const rou3Path = (p) => p.replace(/\*$/, '**');

/**
 * Builds the contenders over one table. `r.version` (header table) becomes a header constraint
 * natively and a find-my-way custom constraint deriving from the same header; `r.host` a host
 * constraint in both. rou3 has neither, so it only runs on plain tables.
 */
export function buildRouters(routes, { withRou3 }) {
  const native = new NodeRouter();
  const reference = new CoreRouter();
  const fmw = FindMyWay({
    constraints: {
      apiVersion: {
        name: 'apiVersion',
        storage() {
          const byValue = new Map();
          return { get: (v) => byValue.get(v) ?? null, set: (v, s) => byValue.set(v, s) };
        },
        deriveConstraint: (req) => req.headers[VERSION_HEADER],
        mustMatchWhenDerived: false,
      },
    },
  });
  const rou3 = withRou3 ? createRouter() : null;
  routes.forEach((r, i) => {
    const spec = { method: r.method, path: r.path };
    const constraints = {};
    if (r.host) {
      spec.host = r.host;
      constraints.host = r.host;
    }
    if (r.version) {
      spec.headers = { [VERSION_HEADER]: r.version };
      constraints.apiVersion = r.version;
    }
    native.add(spec, i);
    reference.add(spec, i);
    const opts = Object.keys(constraints).length > 0 ? { constraints } : {};
    fmw.on(r.method, r.path, opts, () => i, { id: i });
    if (rou3) addRoute(rou3, r.method, rou3Path(r.path), i);
  });
  return { native, reference, fmw, rou3: rou3 ? compileRouter(rou3) : null };
}

/** find-my-way's derived constraints for a request (what its `lookup` would derive). */
function fmwConstraints(req) {
  const c = {};
  if (req.host !== undefined) c.host = req.host;
  if (req.headers?.[VERSION_HEADER] !== undefined) c.apiVersion = req.headers[VERSION_HEADER];
  return Object.keys(c).length > 0 ? c : undefined;
}

/**
 * Keeps the requests every contender answers alike (the same route, or none), so that no loop
 * times work another skips; returns them with the contenders' per-request inputs.
 */
export function agreed(routers, reqs) {
  const kept = [];
  for (const req of reqs) {
    const native = routers.native.match(req)?.route ?? -1;
    const reference = routers.reference.match(req)?.route ?? -1;
    const fmw = routers.fmw.find(req.method, req.path, fmwConstraints(req))?.store.id ?? -1;
    const rou3 = routers.rou3 ? (routers.rou3(req.method, req.path)?.data ?? -1) : native;
    if (native === reference && native === fmw && native === rou3) kept.push(req);
  }
  return kept;
}

export function routerOps(routers, reqs) {
  // Each op is a batch of BATCH calls (compare.mjs).
  const n = reqs.length;
  const methods = reqs.map((q) => q.method);
  const paths = reqs.map((q) => q.path);
  const derived = reqs.map(fmwConstraints);
  const { native, fmw, rou3 } = routers;
  return {
    native: batchLoop((i) => {
      const m = native.match(reqs[i]);
      return m === null ? -1 : m.route;
    }, n),
    fmw: derived.every((c) => c === undefined)
      ? batchLoop((i) => {
          const r = fmw.find(methods[i], paths[i]);
          return r === null ? -1 : r.store.id;
        }, n)
      : batchLoop((i) => {
          const r = fmw.find(methods[i], paths[i], derived[i]);
          return r === null ? -1 : r.store.id;
        }, n),
    rou3: rou3
      ? batchLoop((i) => {
          const r = rou3(methods[i], paths[i]);
          return r === undefined ? -1 : r.data;
        }, n)
      : null,
    touch: binding
      ? batchLoop(
          (
            (touch) => (i) =>
              touch(paths[i])
          )(binding.pathToucher()),
          n,
        )
      : null,
  };
}

/** Every router workload: its table, its request stream, and which goals it is held to. */
export function routerWorkloads() {
  const github = githubRoutes();
  const generated = generatedRoutes();
  const site = staticSiteRoutes();
  const { routes: hosted, hosts } = hostRoutes();
  const versioned = headerRoutes();
  const draw = (routes, opts, salt) =>
    requests(routes, { count: Math.ceil(REQUESTS * 1.2), seed: SEED ^ salt, ...opts });
  return [
    {
      name: 'github-api',
      title: 'GitHub REST API style, 203 routes',
      routes: github,
      mixed: draw(github, {}, 0x11),
      static: draw(github, { only: isStatic }, 0x12),
    },
    {
      name: 'generated-1000',
      title: '1,000 generated routes, params at depths 2/4/6',
      routes: generated,
      mixed: draw(generated, {}, 0x21),
      static: draw(generated, { only: isStatic }, 0x22),
    },
    {
      name: 'static-site',
      title: `static-heavy site: ${site.filter(isStatic).length} static routes, ${site.filter((r) => !isStatic(r)).length} with a param or a wildcard`,
      routes: site,
      mixed: draw(site, {}, 0x31),
      static: draw(site, { only: isStatic }, 0x32),
    },
    {
      name: 'host-constrained',
      title: `${hosts.length} hosts x 60 GitHub routes each, and 40 routes any host serves`,
      routes: hosted,
      mixed: draw(
        hosted,
        {
          decorate: (req, route, d) => {
            // Mostly the route's own host (any-host routes: a random one); 10% an unknown host.
            req.host = d.next() < 0.1 ? 'other.example.org' : (route.host ?? d.pick(hosts));
          },
        },
        0x41,
      ),
    },
    {
      name: 'header-constrained',
      title: `the GitHub table, ${versioned.filter((r) => r.version).length / 3} of its routes also once per \`x-api-version\` v1-v3 (header equals)`,
      routes: versioned,
      mixed: draw(
        versioned,
        {
          decorate: (req, route, d) => {
            // Half the requests name a version (v4: none routed), the rest no header at all.
            const v = route.version ?? (d.next() < 0.5 ? d.pick(['v1', 'v2', 'v3', 'v4']) : undefined);
            req.headers = v === undefined ? {} : { [VERSION_HEADER]: v };
          },
        },
        0x51,
      ),
    },
  ];
}

async function runRouter() {
  const out = [];
  for (const w of routerWorkloads()) {
    if (WORKLOAD !== undefined && w.name !== WORKLOAD) continue;
    const plain = w.routes.every((r) => !r.host && !r.version);
    const routers = buildRouters(w.routes, { withRou3: plain });
    const entry = { name: w.name, title: w.title, routes: w.routes.length };
    const mixed = agreed(routers, w.mixed).slice(0, REQUESTS);
    const mixedOps = routerOps(routers, mixed);
    if (KIND === undefined || KIND === 'mixed')
      entry.mixed = {
        requests: mixed.length,
        misses: mixed.filter((q) => routers.native.match(q) === null).length,
        distinctUrls: new Set(mixed.map((q) => `${q.host ?? ''} ${q.path}`)).size,
        ...(await compare(
          { name: 'native', op: mixedOps.native },
          { name: 'find-my-way', op: mixedOps.fmw },
          { rounds: ROUNDS, time: SPELL_MS },
        )),
        floorReadPath: mixedOps.touch ? await timeAlone(mixedOps.touch, { time: SPELL_MS }) : null,
      };
    if (entry.mixed) console.log(w.name, 'mixed', entry.mixed);
    if (w.static && (KIND === undefined || KIND === 'static')) {
      const stat = agreed(routers, w.static).slice(0, REQUESTS);
      const ops = routerOps(routers, stat);
      entry.static = {
        requests: stat.length,
        misses: stat.filter((q) => routers.native.match(q) === null).length,
        distinctUrls: new Set(stat.map((q) => q.path)).size,
        ...(await compare(
          { name: 'native', op: ops.native },
          { name: 'rou3', op: ops.rou3 },
          { rounds: ROUNDS, time: SPELL_MS },
        )),
        floorReadPath: ops.touch ? await timeAlone(ops.touch, { time: SPELL_MS }) : null,
      };
      console.log(w.name, 'static', entry.static);
    }
    out.push(entry);
  }
  return out;
}

/** Keys `client:<i>`; the universe is built once for the largest workload. */
function keyUniverse(n) {
  return Array.from({ length: n }, (_, i) => `client:${i}`);
}

async function runLimiter() {
  const COUNT = 1 << 20;
  const universe = keyUniverse(1_000_000);
  const workloads = [
    {
      name: 'uniform-100k',
      title: 'uniform over 100,000 keys',
      keys: 100_000,
      draw: (s) => uniformIndices(100_000, COUNT, s),
    },
    {
      name: 'uniform-1m',
      title: 'uniform over 1,000,000 keys',
      keys: 1_000_000,
      draw: (s) => uniformIndices(1_000_000, COUNT, s),
    },
    {
      name: 'zipf-1m',
      title: 'Zipf (s = 1) over 1,000,000 keys',
      keys: 1_000_000,
      draw: (s) => zipfIndices(1_000_000, COUNT, s),
    },
  ];
  const out = [];
  for (const w of workloads) {
    const index = w.draw(SEED ^ 0x61);
    const cost = costs(COUNT, SEED ^ 0x62);
    // Every take admitted (capacities far above the draws): the bookkeeping is timed, not
    // rate-limiter-flexible's rejected Promise, which would dominate its side.
    const native = new NodeRateLimiter({ capacity: 1e9, refillPerSecond: 1, maxKeys: w.keys });
    const rlf = new RateLimiterMemory({ points: 1e9, duration: 3600 });
    for (let i = 0; i < w.keys; i++) {
      native.take(universe[i], 0, 1);
      await rlf.consume(universe[i], 1);
    }
    // A gateway reads its clock once per request and passes it; rate-limiter-flexible reads
    // Date.now() itself. The native side gets a clock that moves per batch.
    let now = 1;
    const nativeOp = batchLoop((i) => {
      if ((i & 255) === 0) now += 1;
      return native.take(universe[index[i]], now, cost[i]).remaining > 0 ? 1 : 0;
    }, COUNT);
    const rlfOp = batchLoop(
      (i) => rlf.consume(universe[index[i]], cost[i]).then((r) => (r.remainingPoints > 0 ? 1 : 0)),
      COUNT,
      { async: true },
    );
    const entry = {
      name: w.name,
      title: w.title,
      keys: w.keys,
      takes: COUNT,
      costAboveOne: cost.reduce((a, c) => a + (c > 1 ? 1 : 0), 0) / COUNT,
      distinctKeysDrawn: new Set(index).size,
      ...(await compare(
        { name: 'native', op: nativeOp },
        { name: 'rate-limiter-flexible', op: rlfOp },
        { rounds: ROUNDS, time: SPELL_MS * 2 },
      )),
    };
    if (binding) {
      const probe = binding.probeNative();
      entry.floorReadKey = await timeAlone(
        batchLoop((i) => probe(universe[index[i]]), COUNT),
        { time: SPELL_MS },
      );
    }
    console.log(w.name, entry);
    out.push(entry);
    globalThis.gc?.();
  }
  return out;
}

/** The bare crossings, through the pattern the hot calls use (a function bound to native state). */
async function floors() {
  if (!binding) return null;
  const probe = binding.probeNative();
  return {
    napiNoop: await timeAlone(
      batchLoop(() => binding.noop(), 1 << 16),
      { time: SPELL_MS },
    ),
    boundEmpty: await timeAlone(
      batchLoop(() => probe(undefined), 1 << 16),
      { time: SPELL_MS },
    ),
    boundShortString: await timeAlone(
      batchLoop(() => probe('client:12345'), 1 << 16),
      { time: SPELL_MS },
    ),
  };
}

const GOALS = { mixed: 0.5, static: 1.5, limiter: 0.1 };

function markdown({ router, limiter, floor }) {
  const yes = (ok) => (ok ? 'yes' : '**no**');
  const lines = [
    '## Speed goals on realistic workloads',
    '',
    `\`node --expose-gc bench/run.mjs workloads\` (bench/workloads; seed ${SEED}). Each comparison runs interleaved in one`,
    `process: ${ROUNDS} rounds, each contender timed by tinybench in its own loop for ${SPELL_MS} ms (${BATCH} calls per op,`,
    "a spell's figure is its median op), the order alternating round by round; the ratio is the median of the per-round",
    'ratios (its range over rounds in brackets), the ns columns the medians of each side. `native` is the public API of `@switchyard/node`',
    '(`Router.match`, which builds the `Match`; `RateLimiter.take`, which builds the decision object).',
    '',
  ];
  if (floor) {
    lines.push(
      'The floor, ns per call, through the same binding pattern (a plain N-API function bound to native state): ' +
        `an empty call ${floor.boundEmpty} (napi-rs \`noop()\`: ${floor.napiNoop}); reading a 12-character key ${floor.boundShortString}.` +
        ' Per workload, `floor` below is that bound call reading the very paths or keys of the workload.',
      '',
    );
  }
  if (router) {
    lines.push('### Router', '');
    const rows = [];
    for (const w of router) {
      for (const kind of ['mixed', 'static']) {
        const e = w[kind];
        if (!e) continue;
        const other = kind === 'mixed' ? 'find-my-way' : 'rou3';
        rows.push([
          `${w.name} (${w.routes})`,
          kind === 'mixed' ? 'mixed, vs find-my-way' : 'static paths, vs rou3 (compiled)',
          `${e.requests} (${e.distinctUrls} distinct, ${((100 * e.misses) / e.requests).toFixed(0)}% misses)`,
          e.native,
          e[other],
          e.floorReadPath ?? '–',
          `${e.ratio} [${e.ratioMin}–${e.ratioMax}]`,
          `≤ ${GOALS[kind]}`,
          yes(e.ratio <= GOALS[kind]),
        ]);
      }
    }
    lines.push(
      table(
        ['table (routes)', 'workload', 'requests', 'native ns', 'other ns', 'floor ns', 'ratio', 'goal', 'met'],
        rows,
      ),
      '',
      ...router.map((w) => `- \`${w.name}\`: ${w.title}.`),
      '',
    );
  }
  if (limiter) {
    lines.push('### Rate limiter', '');
    lines.push(
      table(
        ['keys drawn', 'native ns', 'rate-limiter-flexible ns', 'floor ns', 'ratio', 'goal', 'met'],
        limiter.map((e) => [
          `${e.title} (${e.distinctKeysDrawn} distinct in ${e.takes} takes)`,
          e.native,
          e['rate-limiter-flexible'],
          e.floorReadKey ?? '–',
          `${e.ratio} [${e.ratioMin}–${e.ratioMax}]`,
          `≤ ${GOALS.limiter}`,
          yes(e.ratio <= GOALS.limiter),
        ]),
      ),
      '',
      `Token bucket, every take admitted; ${(100 * (limiter[0]?.costAboveOne ?? 0)).toFixed(0)}% of the takes cost 2–10. Both tables are filled with`,
      "every key first. rate-limiter-flexible's `consume` returns a Promise (awaited) and reads `Date.now()`; the native",
      'take is given the clock, as a gateway that reads it once per request does.',
      '',
    );
  }
  return lines.join('\n');
}

/** A Markdown table with padded columns, as the repository's formatter (biome) writes them. */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => [...r[i]].length)));
  const line = (cells) => `| ${cells.map((c, i) => c + ' '.repeat(width[i] - [...c].length)).join(' | ')} |`;
  return [line(all[0]), line(width.map((w) => '-'.repeat(w))), ...all.slice(1).map(line)].join('\n');
}

export async function run() {
  if (implementation !== 'native') throw new Error('the native addon is not loaded; run `npm run build`');
  const floor = await floors();
  console.log('floors', floor);
  const router = ONLY === 'limiter' ? null : await runRouter();
  const limiter = ONLY === 'router' ? null : await runLimiter();
  const data = {
    seed: SEED,
    quick: QUICK,
    rounds: ROUNDS,
    spellMs: SPELL_MS,
    batch: BATCH,
    floor,
    router,
    limiter,
    goals: GOALS,
  };
  // A partial or quick run is printed, not recorded: the committed figures come from full runs.
  if (!QUICK && !ONLY && !WORKLOAD && !KIND) {
    writeResults('workloads', data);
    writeDocsSection('workloads', markdown(data));
  }
  console.log(markdown(data));
}
