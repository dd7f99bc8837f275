#!/usr/bin/env node
// A bounded soak of the standalone proxy: steady load on 127.0.0.1 through routing, a rate
// limit, consistent hashing and a flapping upstream, with one reload halfway. Reports errors,
// RSS, heap and open file descriptors at start and end, and p50/p99 per window.
//   npm run soak -- [--duration SECONDS (default 180)] [--connections N (default 16)]
// The gateway runs in a child process (its memory and descriptors are what is measured); the
// load generator and the upstreams run here. Exit status 1 when an unexpected error was seen, or
// memory or descriptors grew past the stated bounds.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The gateway child is started with `--gateway-child <config file>`.
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '180' },
    connections: { type: 'string', default: '16' },
    'gateway-child': { type: 'string' },
  },
});
const durationS = Number(args.duration);
const connections = Number(args.connections);
const windowS = Math.max(5, Math.round(durationS / 12));

function upstream(name) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ upstream: name, path: req.url }));
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const origin = (server) => `http://127.0.0.1:${server.address().port}`;

function config(stable, flappingPort, extraRoute) {
  return `name: soak
listen: { host: 127.0.0.1, port: 0 }
services:
  stable:
    targets: [${stable.map(origin).join(', ')}]
    balance: { consistent-hash: { key: header:x-user-id } }
  flapping:
    targets: [http://127.0.0.1:${flappingPort}]
    timeouts: { connect_ms: 500, request_ms: 2000 }
rate_limits:
  per-user: { algorithm: token-bucket, capacity: 50, refill_per_second: 20, key: header:x-user-id }
routes:
  - path: /api/users/:id
    service: stable
    rate_limit: per-user
  - path: /api/items/*
    service: stable
  - path: /flap/*
    service: flapping
${extraRoute ? '  - path: /added/*\n    service: stable\n' : ''}`;
}

function request(child, message, key) {
  return new Promise((resolve) => {
    const listener = (reply) => {
      if (key in reply) {
        child.off('message', listener);
        resolve(reply[key]);
      }
    };
    child.on('message', listener);
    child.send(message);
  });
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main() {
  const stable = await Promise.all([upstream('a'), upstream('b'), upstream('c')]);
  // The flapping upstream: up for 3 s, down (listener closed, connections dropped) for 2 s.
  const flapping = await upstream('flap');
  const flappingPort = flapping.address().port;
  let flappingUp = true;
  const flap = setInterval(
    () => {
      if (flappingUp) {
        flapping.close();
        flapping.closeAllConnections();
      } else flapping.listen(flappingPort, '127.0.0.1');
      flappingUp = !flappingUp;
    },
    flappingUp ? 3000 : 2000,
  );

  const dir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, config(stable, flappingPort, false));
  const child = fork(fileURLToPath(import.meta.url), ['--gateway-child', file], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve) => child.on('message', (m) => m.listening && resolve(m.listening)));
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });

  const counts = { ok: 0, limited: 0, flappingErrors: 0, unexpected: 0 };
  const unexpected = [];
  const windows = [];
  let current = { latencies: [], unexpected: 0 };
  let seq = 0;
  let running = true;

  async function worker(id) {
    while (running) {
      const n = seq++;
      const kind = n % 10;
      const path =
        kind < 6
          ? `/api/users/${n % 500}`
          : kind < 8
            ? `/api/items/${n % 97}/detail`
            : kind < 9
              ? '/flap/x'
              : '/api/nope';
      const started = performance.now();
      try {
        const res = await pool.request({
          path,
          method: 'GET',
          headers: { 'x-user-id': kind === 0 ? 'hot' : `u${(n * 7 + id) % 300}` },
        });
        await res.body.text();
        current.latencies.push(performance.now() - started);
        const status = res.statusCode;
        if (path === '/api/nope' ? status === 404 : status === 200) counts.ok++;
        else if (status === 429 && path.startsWith('/api/users/')) counts.limited++;
        else if (path === '/flap/x' && [502, 503, 504].includes(status)) counts.flappingErrors++;
        else throw new Error(`${path}: status ${status}`);
      } catch (error) {
        counts.unexpected++;
        current.unexpected++;
        if (unexpected.length < 10) unexpected.push(String(error));
      }
    }
  }

  await new Promise((r) => setTimeout(r, 500));
  const cold = await request(child, 'stats', 'stats');
  // The baseline is taken after the first window: by then every pool and keep-alive connection
  // the steady state needs is open.
  let start = cold;
  const started = Date.now();
  const workers = Array.from({ length: connections }, (_, i) => worker(i));
  let reloaded = false;
  console.log(`soak: ${durationS} s, ${connections} connections, windows of ${windowS} s`);
  console.log('  t(s)   requests   req/s    p50 ms   p99 ms   unexpected');
  while (Date.now() - started < durationS * 1000) {
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const done = current;
    current = { latencies: [], unexpected: 0 };
    const sorted = done.latencies.sort((a, b) => a - b);
    const t = Math.round((Date.now() - started) / 1000);
    windows.push({ t, requests: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
    console.log(
      `${String(t).padStart(6)} ${String(sorted.length).padStart(10)} ${String(Math.round(sorted.length / windowS)).padStart(7)} ${percentile(sorted, 50).toFixed(2).padStart(9)} ${percentile(sorted, 99).toFixed(2).padStart(8)} ${String(done.unexpected).padStart(12)}`,
    );
    if (windows.length === 1) start = await request(child, 'stats', 'stats');
    if (!reloaded && Date.now() - started >= (durationS * 1000) / 2) {
      writeFileSync(file, config(stable, flappingPort, true));
      const routes = await request(child, 'reload', 'reloaded');
      console.log(`  reloaded at ${t} s: ${routes} routes`);
      reloaded = true;
    }
  }
  running = false;
  await Promise.all(workers);
  // Settle: idle upstream keep-alive sockets close after undici's keep-alive timeout (4 s), so a
  // leak shows as descriptors above the loaded baseline; the client pool stays open.
  await new Promise((r) => setTimeout(r, 5000));
  const end = await request(child, 'stats', 'stats');
  await pool.close();
  child.send('close');
  clearInterval(flap);
  for (const s of [...stable, flapping]) {
    s.close();
    s.closeAllConnections();
  }

  const total = counts.ok + counts.limited + counts.flappingErrors + counts.unexpected;
  console.log(
    `\nrequests ${total}: ${counts.ok} ok, ${counts.limited} limited (429), ${counts.flappingErrors} flapping-target 502/503/504 (documented), ${counts.unexpected} unexpected`,
  );
  for (const line of unexpected) console.log(`  unexpected: ${line}`);
  console.log(`rss       ${mb(cold.rss)} cold, ${mb(start.rss)} after the first window -> ${mb(end.rss)} at the end`);
  console.log(`heap used ${mb(cold.heapUsed)} cold, ${mb(start.heapUsed)} -> ${mb(end.heapUsed)} (after gc)`);
  console.log(`fds       ${cold.fds} cold, ${start.fds} -> ${end.fds}`);
  const p99s = windows.map((w) => w.p99);
  console.log(`p99 per window: ${p99s.map((p) => p.toFixed(1)).join(' ')} ms`);
  // Bounds: heap within 25% + 10 MB of the start, RSS within 50% + 30 MB (the allocator keeps
  // pages), descriptors within 8 (the flapping target's sockets come and go).
  const problems = [];
  if (counts.unexpected > 0) problems.push('unexpected errors');
  if (end.heapUsed > start.heapUsed * 1.25 + 10 * 2 ** 20) problems.push('heap grew');
  if (end.rss > start.rss * 1.5 + 30 * 2 ** 20) problems.push('rss grew');
  if (end.fds > start.fds + 8) problems.push('descriptors grew');
  if (!reloaded) problems.push('no reload happened (duration too short)');
  console.log(problems.length === 0 ? 'soak: PASS' : `soak: FAIL (${problems.join(', ')})`);
  process.exit(problems.length === 0 ? 0 : 1);
}

async function gatewayChild() {
  // The gateway process: listens, reloads on request, reports its own memory and descriptors.
  const { createGateway } = await import(join(root, 'packages/adapters/dist/esm/proxy/index.js'));
  const gateway = createGateway(args['gateway-child'], { signals: false, watch: false, log: () => {} });
  const address = await gateway.listen(0, '127.0.0.1');
  const stats = () => ({
    rss: process.memoryUsage().rss,
    heapUsed: process.memoryUsage().heapUsed,
    fds: readdirSync('/proc/self/fd').length,
  });
  process.on('message', async (message) => {
    if (message === 'stats') {
      globalThis.gc?.();
      process.send({ stats: stats() });
    } else if (message === 'reload') {
      const result = await gateway.reload();
      process.send({ reloaded: result.routes });
    } else if (message === 'close') {
      await gateway.close();
      process.exit(0);
    }
  });
  process.send({ listening: address.port });
}

if (args['gateway-child'] !== undefined) await gatewayChild();
else await main();
