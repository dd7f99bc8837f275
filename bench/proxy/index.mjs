// The standalone proxy against the other ways to put a proxy in front of a service, on 127.0.0.1
// with one load generator (wrk): requests per second and p50/p99 latency for the upstream
// directly, a minimal undici pass-through proxy (the floor for a Node proxy), @fastify/http-proxy,
// nginx (when installed) and Switchyard's proxy with routing, a rate limit and consistent hashing
// on. Then where Switchyard's time goes: the pipeline decision and the response header plan timed
// alone, per request, against the whole request's share of a core.
// Issue 9's targets, as ratios: ≥ 1.5× @fastify/http-proxy's req/s, ≥ 0.9× the undici floor's,
// p99 added over direct ≤ 1.2× the floor's.
//
// Fair conditions: every contender is its own process (started once, all against the same
// upstream process), warmed up alike, then measured in interleaved rounds with the same wrk
// settings; each round starts at a different contender so no one always runs first or last. On
// a shared machine one run per contender swings by 2x; the median of the rounds does not, and a
// ratio is taken between medians of the same rounds.
//
// SWITCHYARD_BENCH_DURATION (seconds per contender per round, default 5),
// SWITCHYARD_BENCH_ROUNDS (default 5), SWITCHYARD_BENCH_WARMUP (seconds, default 3, repeated up to
// SWITCHYARD_BENCH_WARMUP_REQUESTS, default 40000) shorten or lengthen it;
// SWITCHYARD_BENCH_ONLY=name,name runs a subset (names as in the table, and `observability` for
// the observability overhead part) and writes nothing; SWITCHYARD_BENCH_OBSERVABILITY_ROUNDS
// (default 5) sets that part's rounds.
// On a machine shared with other work, run it as `nice -n -15 node --expose-gc bench/run.mjs proxy`
// (as root): the contenders, the upstream and wrk inherit the priority.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide, planResponseHeaders, release } from '@switchyard/adapters/gateway';
import { createGateway } from '@switchyard/adapters/proxy';
import { root, table, writeDocsSection, writeResults } from '../lib.mjs';
import { observabilityOverhead } from './observability.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const DURATION = Number(process.env.SWITCHYARD_BENCH_DURATION ?? 5);
const ROUNDS = Math.max(1, Number(process.env.SWITCHYARD_BENCH_ROUNDS ?? 5));
const WARMUP = Number(process.env.SWITCHYARD_BENCH_WARMUP ?? 3);
/** Requests every contender serves before it is measured (its JIT settles); see {@link warmUp}. */
const WARMUP_REQUESTS = Number(process.env.SWITCHYARD_BENCH_WARMUP_REQUESTS ?? 40_000);
const ONLY = process.env.SWITCHYARD_BENCH_ONLY?.split(',').map((n) => n.trim());
const CONNECTIONS = 32;
const PATH = '/api/users/42';
const USER = 'user-42';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a server process and resolves once it prints `pattern`. */
function startProcess(cmd, args, pattern, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${out}`)), 20_000);
    const onData = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}): ${out}`));
    });
  });
}

/** Length of a clock tick of /proc/<pid>/stat in µs (USER_HZ is 100 on Linux). */
const TICK_US = 10_000;

/**
 * CPU time (user + system, in ticks) of a process and its descendants (nginx's worker is a child
 * of its master), from /proc; NaN where /proc is not there. Per request it says what a contender
 * costs a core independently of how much CPU the other processes on the machine left it.
 */
function cpuTicks(pid) {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ticks = Number(f[11]) + Number(f[12]);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const c of children ? children.split(' ') : []) ticks += cpuTicks(Number(c));
    return ticks;
  } catch {
    return Number.NaN;
  }
}

function rounded(x, digits) {
  return x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
}

function median(xs) {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const UNIT = { us: 1e-3, ms: 1, s: 1e3 };
/** Parses wrk's `--latency` output: req/s, p50 and p99 in ms, errors. */
function parseWrk(text) {
  const lat = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    return m ? Number((Number(m[1]) * UNIT[m[2]]).toFixed(3)) : null;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(text)?.[1] ?? null;
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  return { requestsPerSec: Math.round(rps), p50Ms: lat(50), p99Ms: lat(99), non2xx, socketErrors, requests };
}

function wrk(url, seconds) {
  const r = spawnSync(
    'wrk',
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `x-user-id: ${USER}`, url],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  return parseWrk(r.stdout);
}

/**
 * Warms a contender up: wrk for `WARMUP` seconds, repeated until it has served
 * `WARMUP_REQUESTS` requests (at most 10 times). A fixed time alone is unfair on a busy machine:
 * a proxy that got little CPU in its warm-up is measured while V8 still compiles its hot path
 * (a 1 s warm-up measured both Node proxies at 300-600 µs of CPU per request instead of ~60).
 */
function warmUp(url) {
  if (WARMUP <= 0) return;
  let served = 0;
  for (let i = 0; i < 10 && served < WARMUP_REQUESTS; i++) served += wrk(url, WARMUP).requests;
}

/** Switchyard's bench config: 24 routes, a rate limit that never denies, consistent hashing over 3 targets. */
export function switchyardConfig(port, upstreamPorts) {
  const targets = upstreamPorts.map((p) => `http://127.0.0.1:${p}`).join(', ');
  const filler = Array.from(
    { length: 20 },
    (_, i) => `  - path: /svc${i}/items/:id\n    service: users\n    methods: [GET, POST]\n`,
  ).join('');
  return `name: bench
listen: { host: 127.0.0.1, port: ${port} }
services:
  users:
    targets: [${targets}]
    balance: { consistent-hash: { key: header:x-user-id, algorithm: maglev } }
rate_limits:
  per-ip: { algorithm: token-bucket, capacity: 1000000000, refill_per_second: 1000000000, key: client-ip }
routes:
${filler}  - path: /api/orders/:id
    service: users
  - path: /api/users/:id
    service: users
    methods: [GET]
    rate_limit: per-ip
  - path: /api/users
    service: users
  - path: /static/*
    service: users
`;
}

/**
 * The request wrk sends the Switchyard contender, as the pipeline sees it, and a typical upstream
 * answer's headers: what the decision and the response header plan are timed on.
 */
export function benchExchange() {
  return {
    req: {
      method: 'GET',
      target: PATH,
      headers: { host: '127.0.0.1:8080', 'x-user-id': USER },
      rawHeaders: ['Host', '127.0.0.1:8080', 'x-user-id', USER],
      remoteAddress: '127.0.0.1',
      encrypted: false,
      httpVersion: '1.1',
    },
    upstreamHeaders: {
      'content-type': 'application/json',
      'content-length': '39',
      date: new Date().toUTCString(),
      connection: 'keep-alive',
      'keep-alive': 'timeout=60',
    },
  };
}

/**
 * The pipeline's share of a request, measured in this process on the same config: the decision
 * (released again, as the proxy does when the exchange ends) and the response header plan, in
 * CPU time per call (the median of 7 loops), so other load on the machine does not count.
 */
async function decisionCost(configFile) {
  const gateway = createGateway(configFile, { log: () => {} });
  await gateway.listen(0, '127.0.0.1');
  const state = gateway.proxy.state;
  const { req, upstreamHeaders } = benchExchange();
  const inputs = { nowMs: Date.now(), random: Math.random };
  const N = 100_000;
  let sink = 0;
  let d;
  const cpuNs = (since) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) * 1000;
  };
  const decideRuns = [];
  const planRuns = [];
  for (let round = 0; round < 8; round++) {
    let t = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      inputs.nowMs++;
      d = decide(req, state, inputs);
      sink += d.kind.length;
      release(state, d);
    }
    const decideNs = cpuNs(t) / N;
    t = process.cpuUsage();
    for (let i = 0; i < N; i++) sink += planResponseHeaders(upstreamHeaders, d, { status: 200 }).length;
    const planNs = cpuNs(t) / N;
    // The first round is the warm-up (JIT).
    if (round > 0) {
      decideRuns.push(decideNs);
      planRuns.push(planNs);
    }
  }
  await gateway.close();
  if (sink === 0) throw new Error('unreachable');
  return {
    decideNs: Math.round(median(decideRuns)),
    responseHeaderPlanNs: Math.round(median(planRuns)),
    decision: d.kind,
    target: d.target?.id,
  };
}

/** `nice -n N ` when the bench runs at a non-default priority (read from /proc), else ''. */
function niceness() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const n = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    return Number.isFinite(n) && n !== 0 ? `nice -n ${n} ` : '';
  } catch {
    return '';
  }
}

export async function run() {
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-bench-proxy-'));
  const children = [];
  const results = {};
  const skipped = {};
  try {
    const wrkMissing = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error;
    if (wrkMissing) {
      console.log('bench/proxy: skipped: wrk is not installed (apt-get install wrk)');
      return;
    }
    const up = await startProcess(
      process.execPath,
      [join(here, 'upstream.mjs'), '0', '0', '0'],
      /listening (\d+) (\d+) (\d+)/,
    );
    children.push(up.child);
    const upstreamPorts = up.match.slice(1, 4).map(Number);
    const origin = `http://127.0.0.1:${upstreamPorts[0]}`;

    const contenders = [
      ['direct', async () => ({ url: `${origin}${PATH}`, pid: up.child.pid })],
      [
        'undici floor',
        async () => {
          const port = await freePort();
          const p = await startProcess(
            process.execPath,
            [join(here, 'undici-floor.mjs'), String(port), origin],
            /listening/,
          );
          return { url: `http://127.0.0.1:${port}${PATH}`, child: p.child };
        },
      ],
      [
        'undici floor + contract headers',
        async () => {
          const port = await freePort();
          const p = await startProcess(
            process.execPath,
            [join(here, 'undici-floor-contract.mjs'), String(port), origin],
            /listening/,
          );
          return { url: `http://127.0.0.1:${port}${PATH}`, child: p.child };
        },
      ],
      [
        '@fastify/http-proxy',
        async () => {
          const port = await freePort();
          const p = await startProcess(
            process.execPath,
            [join(here, 'fastify-proxy.mjs'), String(port), origin],
            /listening/,
          );
          return { url: `http://127.0.0.1:${port}${PATH}`, child: p.child };
        },
      ],
      [
        'nginx',
        async () => {
          if (spawnSync('nginx', ['-v']).error) return { skip: 'nginx is not installed' };
          const port = await freePort();
          const dir = join(tmp, 'nginx');
          spawnSync('mkdir', ['-p', join(dir, 'logs')]);
          writeFileSync(
            join(dir, 'nginx.conf'),
            `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPorts[0]}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
          );
          const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
            stdio: 'ignore',
          });
          for (let i = 0; i < 100; i++) {
            const ok = await fetch(`http://127.0.0.1:${port}${PATH}`).then(
              (r) => r.ok,
              () => false,
            );
            if (ok) break;
            if (child.exitCode !== null) return { skip: `nginx exited (${child.exitCode}); see ${dir}/logs/error.log` };
            await new Promise((r) => setTimeout(r, 50));
          }
          return { url: `http://127.0.0.1:${port}${PATH}`, child };
        },
      ],
      [
        'switchyard',
        async () => {
          const port = await freePort();
          const file = join(tmp, 'gateway.yaml');
          writeFileSync(file, switchyardConfig(port, upstreamPorts));
          const p = await startProcess(
            process.execPath,
            [join(root, 'packages', 'adapters', 'bin', 'switchyard.mjs'), 'serve', file],
            /listening on/,
          );
          return { url: `http://127.0.0.1:${port}${PATH}`, child: p.child, file };
        },
      ],
    ];

    // Start every contender once, each in its own process, and warm each up alike (JIT, pools,
    // keep-alive sockets); idle contenders cost the measured one nothing.
    const running = [];
    let switchyardFile;
    for (const [name, start] of contenders) {
      if (ONLY && !ONLY.includes(name)) continue;
      const c = await start();
      if (c.skip) {
        skipped[name] = c.skip;
        console.log(`  ${name}: skipped (${c.skip})`);
        continue;
      }
      if (c.child) children.push(c.child);
      if (c.file) switchyardFile = c.file;
      warmUp(c.url);
      running.push({ name, url: c.url, pid: c.pid ?? c.child?.pid });
    }
    const rounds = Object.fromEntries(running.map((c) => [c.name, []]));
    for (let r = 0; r < (running.length > 0 ? ROUNDS : 0); r++) {
      const order = running.map((_, i) => running[(i + r) % running.length]);
      const line = [];
      for (const c of order) {
        const before = cpuTicks(c.pid);
        const one = wrk(c.url, DURATION);
        const ticks = cpuTicks(c.pid) - before;
        one.cpuUsPerRequest = one.requests > 0 && Number.isFinite(ticks) ? (ticks * TICK_US) / one.requests : null;
        rounds[c.name].push(one);
        line.push(`${c.name} ${one.requestsPerSec}`);
      }
      console.log(`  round ${r + 1}/${ROUNDS}: ${line.join(', ')}`);
    }
    for (const c of running) {
      const rs = rounds[c.name];
      results[c.name] = {
        requestsPerSec: Math.round(median(rs.map((x) => x.requestsPerSec))),
        p50Ms: Number(median(rs.map((x) => x.p50Ms)).toFixed(3)),
        p99Ms: Number(median(rs.map((x) => x.p99Ms)).toFixed(3)),
        cpuUsPerRequest: rounded(median(rs.map((x) => x.cpuUsPerRequest)), 1),
        non2xx: rs.reduce((a, x) => a + x.non2xx, 0),
        socketErrors: rs.map((x) => x.socketErrors).filter((x) => x !== null),
        rounds: rs.map((x) => ({
          requestsPerSec: x.requestsPerSec,
          p50Ms: x.p50Ms,
          p99Ms: x.p99Ms,
          cpuUsPerRequest: rounded(x.cpuUsPerRequest, 1),
        })),
      };
      console.log(
        `  ${c.name}: median ${results[c.name].requestsPerSec} req/s, p50 ${results[c.name].p50Ms} ms, p99 ${results[c.name].p99Ms} ms, ${results[c.name].cpuUsPerRequest} µs CPU/request`,
      );
    }

    const cost = switchyardFile ? await decisionCost(switchyardFile) : undefined;
    // A subset without `observability` skips that part (it is not a contender of the table).
    const skipObservability = ONLY !== undefined && !ONLY.includes('observability');
    const observability = skipObservability
      ? undefined
      : await observabilityOverhead({
          tmp,
          upstreamPorts,
          path: PATH,
          rounds: Math.max(1, Number(process.env.SWITCHYARD_BENCH_OBSERVABILITY_ROUNDS ?? 5)),
          seconds: Math.max(2, DURATION),
          tools: {
            freePort,
            startProcess,
            stop,
            wrk,
            switchyardConfig,
            bin: join(root, 'packages', 'adapters', 'bin', 'switchyard.mjs'),
            cpuTicks,
            tickUs: TICK_US,
            warmUp,
          },
        });
    const observedOn = observability?.variants['logs+metrics+traces (no tracer provider)'];
    const observedSdk = observability?.variants['logs+metrics+traces (OTel SDK recording)'];
    if (observability) console.log(`  observability: ${JSON.stringify(observability.variants)}`);
    const sy = results.switchyard;
    const floor = results['undici floor'];
    const fastify = results['@fastify/http-proxy'];
    const direct = results.direct;
    const ratio = (x) => Number(x.toFixed(3));
    const p99Added = (a, b, d) => (a.p99Ms - d.p99Ms) / Math.max(1e-3, b.p99Ms - d.p99Ms);
    const ratios = {
      vsFastify: sy && fastify ? ratio(sy.requestsPerSec / fastify.requestsPerSec) : null,
      vsUndiciFloor: sy && floor ? ratio(sy.requestsPerSec / floor.requestsPerSec) : null,
      p99AddedVsFloorAdded: sy && floor && direct ? ratio(p99Added(sy, floor, direct)) : null,
    };
    // The same ratios round by round (contenders of one round ran within seconds of each other):
    // their median is a check on the ratio of medians above.
    const perRound = (f) => Array.from({ length: ROUNDS }, (_, r) => ratio(f(r))).filter((x) => Number.isFinite(x));
    const at = (name, r) => rounds[name][r];
    const ratiosPerRound = {
      vsFastify:
        sy && fastify
          ? perRound((r) => at('switchyard', r).requestsPerSec / at('@fastify/http-proxy', r).requestsPerSec)
          : null,
      vsUndiciFloor:
        sy && floor ? perRound((r) => at('switchyard', r).requestsPerSec / at('undici floor', r).requestsPerSec) : null,
      p99AddedVsFloorAdded:
        sy && floor && direct
          ? perRound((r) => p99Added(at('switchyard', r), at('undici floor', r), at('direct', r)))
          : null,
    };
    const medianRatios = Object.fromEntries(
      Object.entries(ratiosPerRound).map(([k, v]) => [k, v ? ratio(median(v)) : null]),
    );
    // Per request, what the proxy process spent (CPU time over the requests wrk counted), beside
    // what the pipeline alone costs: the rest is node:http, undici and the socket system calls.
    const perRequestUs = sy ? (sy.cpuUsPerRequest ?? 1e6 / sy.requestsPerSec) : null;
    const pipelineUs = cost ? (cost.decideNs + cost.responseHeaderPlanNs) / 1000 : null;
    const timeSplit =
      cost && perRequestUs
        ? {
            perRequestUs: rounded(perRequestUs, 2),
            floorPerRequestUs: floor?.cpuUsPerRequest ?? null,
            overFloorUs: floor?.cpuUsPerRequest ? rounded(perRequestUs - floor.cpuUsPerRequest, 2) : null,
            decideUs: rounded(cost.decideNs / 1000, 2),
            responseHeaderPlanUs: rounded(cost.responseHeaderPlanNs / 1000, 2),
            pipelineShare: rounded(pipelineUs / perRequestUs, 3),
            ioAndRestUs: rounded(perRequestUs - pipelineUs, 2),
          }
        : null;
    const targets = {
      'req/s >= 1.5x @fastify/http-proxy': ratios.vsFastify === null ? null : ratios.vsFastify >= 1.5,
      'req/s >= 0.9x undici floor': ratios.vsUndiciFloor === null ? null : ratios.vsUndiciFloor >= 0.9,
      'p99 added <= 1.2x floor p99 added':
        ratios.p99AddedVsFloorAdded === null ? null : ratios.p99AddedVsFloorAdded <= 1.2,
      'observability on >= 0.85x off': observedOn ? observedOn.ratioToOff >= 0.85 : null,
    };
    const tool = `wrk -t1 -c${CONNECTIONS} -d${DURATION}s --latency, ${ROUNDS} interleaved rounds, median (warm-up: ${WARMUP} s runs until ${WARMUP_REQUESTS} requests each)`;
    console.log(`  ratios (of medians): ${JSON.stringify(ratios)}`);
    console.log(`  ratios (median of rounds): ${JSON.stringify(medianRatios)}`);
    if (timeSplit) console.log(`  time split: ${JSON.stringify(timeSplit)}`);
    console.log(`  targets: ${JSON.stringify(targets)}`);
    if (ONLY) return; // a subset is a probe, not the documented comparison: nothing is written
    const file = writeResults('proxy', {
      tool,
      command: `${Object.entries(process.env)
        .filter(([k]) => k.startsWith('SWITCHYARD_BENCH_'))
        .map(([k, v]) => `${k}=${v} `)
        .join('')}${niceness()}node --expose-gc bench/run.mjs proxy`,
      // Other work on the machine is the largest source of spread: the 1-minute load average
      // when the rounds started and when they ended.
      loadAverage: { start: loadAtStart, end: Number(loadavg()[0].toFixed(2)) },
      path: PATH,
      results,
      skipped,
      ratios,
      ratiosPerRound,
      medianOfRoundRatios: medianRatios,
      timeSplit,
      decisionCost: cost,
      observability,
      targets,
    });
    console.log(`  wrote ${file}`);

    const rows = Object.entries(results).map(([n, r]) => [
      n,
      r.requestsPerSec,
      `${Math.min(...r.rounds.map((x) => x.requestsPerSec))}–${Math.max(...r.rounds.map((x) => x.requestsPerSec))}`,
      r.p50Ms,
      r.p99Ms,
      r.cpuUsPerRequest ?? '',
      sy ? (r.requestsPerSec / sy.requestsPerSec).toFixed(2) : '',
    ]);
    for (const [n, why] of Object.entries(skipped)) rows.push([n, `skipped: ${why}`, '', '', '', '', '']);
    writeDocsSection(
      'proxy',
      `## Standalone proxy (bench/proxy)

\`${tool}\` per contender, all on 127.0.0.1 against the same node:http upstream process (GET \`${PATH}\`, 39-byte JSON); each contender runs in its own process, and each round starts at a different one. Switchyard runs \`switchyard serve\` with 24 routes, a token-bucket rate limit on the route (never denying) and consistent hashing (maglev, \`x-user-id\`) over 3 targets. Figures are medians of the rounds.

${table(['contender', 'req/s', 'req/s range', 'p50 ms', 'p99 ms', 'CPU µs/request', 'req/s vs switchyard'], rows)}

Targets (issue 9), ratios of the medians (median of the per-round ratios in brackets): ≥ 1.5× @fastify/http-proxy's req/s: ${ratios.vsFastify ?? 'n/a'}× (${medianRatios.vsFastify ?? 'n/a'}×); ≥ 0.9× the undici floor's: ${ratios.vsUndiciFloor ?? 'n/a'}× (${medianRatios.vsUndiciFloor ?? 'n/a'}×); p99 added over direct ≤ 1.2× the floor's: ${ratios.p99AddedVsFloorAdded ?? 'n/a'}× (${medianRatios.p99AddedVsFloorAdded ?? 'n/a'}×).

Where the time goes: ${
        timeSplit
          ? `one request costs the switchyard process ${timeSplit.perRequestUs} µs of CPU (median over the rounds; the undici floor's ${timeSplit.floorPerRequestUs ?? 'n/a'} µs, ${timeSplit.overFloorUs ?? 'n/a'} µs less). Of it the pipeline decision (canonical path, match, rate limit, consistent hash, request header plan, request id and traceparent) takes ${timeSplit.decideUs} µs and the response header plan ${timeSplit.responseHeaderPlanUs} µs, timed alone in one process (${(timeSplit.pipelineShare * 100).toFixed(1)}% together); the other ${timeSplit.ioAndRestUs} µs are node:http parsing and writing, undici (including its checks of the extra forwarding headers) and the socket system calls, two reads and two writes per request as for the floor.`
          : 'not measured in this run.'
      }

Observability overhead (issue 10's target: ≥ 0.85× off): the same Switchyard config served three ways, interleaved over ${observability.rounds} rounds of \`wrk\` ${observability.secondsPerRound} s each (medians): off ${observability.variants.off.median} req/s; access logs (to /dev/null), metrics and traces on with no tracer provider registered ${observedOn.median} req/s (${observedOn.ratioToOff}×); the same with an OpenTelemetry SDK recording every span (BasicTracerProvider, batch processor, an exporter that drops them) ${observedSdk.median} req/s (${observedSdk.ratioToOff}×). Median of the per-round ratios: ${observedOn.medianRoundRatioToOff}× and ${observedSdk.medianRoundRatioToOff}×. CPU per request (median over the rounds): off ${observability.variants.off.medianCpuUsPerRequest} µs, on ${observedOn.medianCpuUsPerRequest} µs (${observedOn.cpuUsAddedOverOff} µs added), with the SDK ${observedSdk.medianCpuUsPerRequest} µs (${observedSdk.cpuUsAddedOverOff} µs added).`,
    );
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}
