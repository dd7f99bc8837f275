// The standalone proxy against the other ways to put a proxy in front of a service, on 127.0.0.1
// with one load generator (wrk), one run each: requests per second and p50/p99 latency for the
// upstream directly, a minimal undici pass-through proxy (the floor for a Node proxy),
// @fastify/http-proxy, nginx (when installed) and Switchyard's proxy with routing, a rate limit
// and consistent hashing on. Then where Switchyard's time goes: the pipeline decision and the
// response header plan timed alone, per request, against the whole request's share of a core.
// Issue 9's targets, as ratios of this one run: ≥ 1.5× @fastify/http-proxy's req/s, ≥ 0.9× the
// undici floor's, p99 added over direct ≤ 1.2× the floor's.
//
// SWITCHYARD_BENCH_DURATION (seconds per contender, default 10) shortens it for a smoke run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide, planResponseHeaders } from '@switchyard/adapters/gateway';
import { createGateway } from '@switchyard/adapters/proxy';
import { root, table, writeDocsSection, writeResults } from '../lib.mjs';
import { observabilityOverhead } from './observability.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const DURATION = Number(process.env.SWITCHYARD_BENCH_DURATION ?? 10);
const CONNECTIONS = 32;
const WARMUP = Math.min(3, DURATION);
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
  return { requestsPerSec: Math.round(rps), p50Ms: lat(50), p99Ms: lat(99), non2xx, socketErrors };
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

/** Switchyard's bench config: 24 routes, a rate limit that never denies, consistent hashing over 3 targets. */
function switchyardConfig(port, upstreamPorts) {
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

/** The pipeline's share of a request, measured in this process on the same config. */
async function decisionCost(configFile) {
  const gateway = createGateway(configFile, { log: () => {} });
  await gateway.listen(0, '127.0.0.1');
  const state = gateway.proxy.state;
  const req = {
    method: 'GET',
    target: PATH,
    headers: { host: '127.0.0.1:8080', 'user-agent': 'wrk', 'x-user-id': USER },
    rawHeaders: ['Host', '127.0.0.1:8080', 'User-Agent', 'wrk', 'x-user-id', USER],
    remoteAddress: '127.0.0.1',
    encrypted: false,
    httpVersion: '1.1',
  };
  const upstreamHeaders = {
    'content-type': 'application/json',
    'content-length': '39',
    date: new Date().toUTCString(),
    connection: 'keep-alive',
    'keep-alive': 'timeout=60',
  };
  const inputs = { nowMs: Date.now(), random: Math.random };
  const N = 200_000;
  let sink = 0;
  let d;
  for (let i = 0; i < 20_000; i++) {
    inputs.nowMs++;
    d = decide(req, state, inputs);
    sink += planResponseHeaders(upstreamHeaders, d, { status: 200 }).length;
  }
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    inputs.nowMs++;
    d = decide(req, state, inputs);
    sink += d.kind.length;
  }
  const decideNs = Number(process.hrtime.bigint() - t) / N;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += planResponseHeaders(upstreamHeaders, d, { status: 200 }).length;
  const planNs = Number(process.hrtime.bigint() - t) / N;
  await gateway.close();
  if (sink === 0) throw new Error('unreachable');
  return {
    decideNs: Math.round(decideNs),
    responseHeaderPlanNs: Math.round(planNs),
    decision: d.kind,
    target: d.target?.id,
  };
}

export async function run() {
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
      ['direct', async () => ({ url: `${origin}${PATH}` })],
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

    let switchyardFile;
    for (const [name, start] of contenders) {
      const c = await start();
      if (c.skip) {
        skipped[name] = c.skip;
        console.log(`  ${name}: skipped (${c.skip})`);
        continue;
      }
      if (c.file) switchyardFile = c.file;
      wrk(c.url, WARMUP); // warm-up: JIT (the gateway's pipeline has the most to compile), pools, keep-alive
      results[name] = wrk(c.url, DURATION);
      console.log(
        `  ${name}: ${results[name].requestsPerSec} req/s, p50 ${results[name].p50Ms} ms, p99 ${results[name].p99Ms} ms`,
      );
      if (c.child) await stop(c.child);
    }

    const cost = switchyardFile ? await decisionCost(switchyardFile) : undefined;
    const observability = await observabilityOverhead({
      tmp,
      upstreamPorts,
      path: PATH,
      rounds: 3,
      seconds: Math.max(2, Math.round(DURATION / 2)),
      tools: {
        freePort,
        startProcess,
        stop,
        wrk,
        switchyardConfig,
        bin: join(root, 'packages', 'adapters', 'bin', 'switchyard.mjs'),
      },
    });
    const observedOn = observability.variants['logs+metrics+traces (no tracer provider)'];
    const observedSdk = observability.variants['logs+metrics+traces (OTel SDK recording)'];
    console.log(`  observability: ${JSON.stringify(observability.variants)}`);
    const sy = results.switchyard;
    const floor = results['undici floor'];
    const fastify = results['@fastify/http-proxy'];
    const direct = results.direct;
    const ratios = {
      vsFastify: sy && fastify ? Number((sy.requestsPerSec / fastify.requestsPerSec).toFixed(3)) : null,
      vsUndiciFloor: sy && floor ? Number((sy.requestsPerSec / floor.requestsPerSec).toFixed(3)) : null,
      p99AddedVsFloorAdded:
        sy && floor && direct
          ? Number(((sy.p99Ms - direct.p99Ms) / Math.max(1e-3, floor.p99Ms - direct.p99Ms)).toFixed(3))
          : null,
    };
    const perRequestUs = sy ? 1e6 / sy.requestsPerSec : null;
    const timeSplit =
      cost && perRequestUs
        ? {
            perRequestUs: Number(perRequestUs.toFixed(2)),
            decideUs: Number((cost.decideNs / 1000).toFixed(2)),
            responseHeaderPlanUs: Number((cost.responseHeaderPlanNs / 1000).toFixed(2)),
            pipelineShare: Number(((cost.decideNs + cost.responseHeaderPlanNs) / 1000 / perRequestUs).toFixed(3)),
          }
        : null;
    const targets = {
      'req/s >= 1.5x @fastify/http-proxy': ratios.vsFastify === null ? null : ratios.vsFastify >= 1.5,
      'req/s >= 0.9x undici floor': ratios.vsUndiciFloor === null ? null : ratios.vsUndiciFloor >= 0.9,
      'p99 added <= 1.2x floor p99 added':
        ratios.p99AddedVsFloorAdded === null ? null : ratios.p99AddedVsFloorAdded <= 1.2,
      'observability on >= 0.85x off': observedOn.ratioToOff >= 0.85,
    };
    const file = writeResults('proxy', {
      tool: `wrk -t1 -c${CONNECTIONS} -d${DURATION}s --latency (${WARMUP} s warm-up each)`,
      path: PATH,
      results,
      skipped,
      ratios,
      timeSplit,
      decisionCost: cost,
      observability,
      targets,
    });
    console.log(`  ratios: ${JSON.stringify(ratios)}`);
    if (timeSplit) console.log(`  time split: ${JSON.stringify(timeSplit)}`);
    console.log(`  targets: ${JSON.stringify(targets)}`);
    console.log(`  wrote ${file}`);

    const rows = Object.entries(results).map(([n, r]) => [
      n,
      r.requestsPerSec,
      r.p50Ms,
      r.p99Ms,
      sy ? (r.requestsPerSec / sy.requestsPerSec).toFixed(2) : '',
    ]);
    for (const [n, why] of Object.entries(skipped)) rows.push([n, `skipped: ${why}`, '', '', '']);
    writeDocsSection(
      'proxy',
      `## Standalone proxy (bench/proxy)

One \`wrk -t1 -c${CONNECTIONS} -d${DURATION}s --latency\` run per contender, all on 127.0.0.1 against the same node:http upstream (GET \`${PATH}\`, 39-byte JSON). Switchyard runs \`switchyard serve\` with 24 routes, a token-bucket rate limit on the route (never denying) and consistent hashing (maglev, \`x-user-id\`) over 3 targets.

${table(['contender', 'req/s', 'p50 ms', 'p99 ms', 'req/s vs switchyard'], rows)}

Targets (issue 9): ≥ 1.5× @fastify/http-proxy's req/s: ${ratios.vsFastify ?? 'n/a'}×; ≥ 0.9× the undici floor's: ${ratios.vsUndiciFloor ?? 'n/a'}×; p99 added over direct ≤ 1.2× the floor's: ${ratios.p99AddedVsFloorAdded ?? 'n/a'}×.

Where the time goes: ${
        timeSplit
          ? `at ${sy.requestsPerSec} req/s one request costs the proxy's core ${timeSplit.perRequestUs} µs; the pipeline decision (canonical path, match, limit, hash) takes ${timeSplit.decideUs} µs and the response header plan ${timeSplit.responseHeaderPlanUs} µs of it, timed alone in one process (${(timeSplit.pipelineShare * 100).toFixed(1)}%); the rest is node:http parsing and writing, undici and the sockets.`
          : 'not measured in this run.'
      }

Observability overhead (issue 10's target: ≥ 0.85× off): the same Switchyard config served three ways, interleaved over ${observability.rounds} rounds of \`wrk\` ${observability.secondsPerRound} s each (medians): off ${observability.variants.off.median} req/s; access logs (to /dev/null), metrics and traces on with no tracer provider registered ${observedOn.median} req/s (${observedOn.ratioToOff}×); the same with an OpenTelemetry SDK recording every span (BasicTracerProvider, batch processor, an exporter that drops them) ${observedSdk.median} req/s (${observedSdk.ratioToOff}×).`,
    );
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}
