#!/usr/bin/env node
// `npm start`: starts the demo upstreams of examples/gateway.yaml (tiny node:http servers that say
// who they are), runs `switchyard serve examples/gateway.yaml` in a child process, shows what the
// gateway does (and measures the canary split), and prints curl lines to try. Stays up until Ctrl-C,
// then stops the gateway and the upstreams.
//
// `--port-offset N` (or SWITCHYARD_DEMO_PORT_OFFSET) shifts every port of the file by N, through a
// temporary copy, so the demo can run beside something that already uses 8080 (and in tests).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDemoUpstream } from './upstream.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'packages', 'adapters', 'bin', 'switchyard.mjs');
const { values } = parseArgs({ options: { 'port-offset': { type: 'string' } } });
const offset = Number(values['port-offset'] ?? process.env.SWITCHYARD_DEMO_PORT_OFFSET ?? 0);
if (!Number.isInteger(offset) || offset < 0 || offset > 50_000) {
  console.error(`demo: --port-offset must be an integer in [0, 50000], got ${values['port-offset']}`);
  process.exit(2);
}

// The demo's upstreams are the targets of gateway.yaml: read them from the file so the two cannot disagree.
let config = readFileSync(join(here, 'gateway.yaml'), 'utf8');
let configFile = join(here, 'gateway.yaml');
let tmp;
if (offset > 0) {
  config = config
    .replace(/(http:\/\/127\.0\.0\.1:)(\d+)/g, (_m, p, port) => `${p}${Number(port) + offset}`)
    .replace(/(port: )(\d+)/g, (_m, p, port) => `${p}${Number(port) + offset}`);
  tmp = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
  configFile = join(tmp, 'gateway.yaml');
  writeFileSync(configFile, config);
}
const upstreams = [];
{
  let section = '';
  let service;
  for (const line of config.split('\n')) {
    const top = /^([a-z_]+):/.exec(line);
    if (top) section = top[1];
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (section === 'services' && name) service = name[1];
    if (section !== 'services' || !service) continue;
    for (const m of line.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)) {
      const n = upstreams.filter((u) => u.service === service).length + 1;
      upstreams.push({ service, instance: `${service}-${n}`, port: Number(m[1]) });
    }
  }
}
const gatewayPort = Number(/listen:.*port: (\d+)/.exec(config)?.[1] ?? 8080);
const base = `http://127.0.0.1:${gatewayPort}`;

const servers = [];
let gateway;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (gateway && gateway.exitCode === null) {
    gateway.kill('SIGTERM');
    await new Promise((resolve) => {
      const t = setTimeout(() => {
        gateway.kill('SIGKILL');
        resolve();
      }, 5_000);
      gateway.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve) && s.closeAllConnections())));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

try {
  for (const u of upstreams) servers.push(await startDemoUpstream(u));
} catch (err) {
  console.error(
    `demo: could not start the upstreams (${err.message}); is another demo running? Try --port-offset 1000`,
  );
  await stop(1);
}
console.log(
  `Started ${upstreams.length} demo upstreams: ${[...new Set(upstreams.map((u) => u.service))].map((s) => `${s} ×${upstreams.filter((u) => u.service === s).length}`).join(', ')}`,
);

gateway = spawn(process.execPath, [cli, 'serve', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
gateway.on('exit', (code, signal) => {
  if (!stopping) {
    console.error(`demo: the gateway exited (${signal ?? code})`);
    stop(1);
  }
});
await new Promise((resolve) => {
  let seen = '';
  gateway.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    seen += chunk;
    if (seen.includes('listening on')) resolve();
  });
});

async function get(path, headers = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

// Measure the canary: 2000 users, each sticky to one side.
const counts = new Map();
let sticky = 0;
for (let i = 0; i < 2000; i++) {
  const { body } = await get('/api/users/profile', { 'x-user-id': `user-${i}` });
  counts.set(body.service, (counts.get(body.service) ?? 0) + 1);
  if (i < 50) {
    const again = await get('/api/users/profile', { 'x-user-id': `user-${i}` });
    if (again.body.service === body.service) sticky++;
  }
}
const split = [...counts].map(([s, n]) => `${s} ${((100 * n) / 2000).toFixed(1)}%`).join(', ');
const carts = new Set();
for (const user of ['alice', 'alice', 'alice'])
  carts.add((await get('/api/cart/items', { 'x-user-id': user })).body.instance);
const bob = (await get('/api/cart/items', { 'x-user-id': 'bob' })).body.instance;

const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
const curl = (path, headers = {}, flags = '-s') =>
  `curl ${flags} ${Object.entries(headers)
    .map(([k, v]) => `-H ${q(`${k}: ${v}`)} `)
    .join('')}${base}${path}`;
const rel = relative(process.cwd(), configFile).startsWith('..') ? configFile : relative(process.cwd(), configFile);
const cliRel = relative(process.cwd(), cli);
const lines = [
  '',
  `Switchyard gateway on ${base} (admin: http://127.0.0.1:${9901 + offset}/routes). Try:`,
  '',
  'Path routing (the seed routes):',
  `  ${curl('/api/v1/users')}    → user-service`,
  `  ${curl('/api/v1/orders')}    → order-service`,
  `  ${curl('/api/v1/orders', {}, '-s -X DELETE -i')}    → 405`,
  `  ${curl('/api/v1/nothing', {}, '-s -i')}    → 404`,
  '',
  'Header and version routing:',
  `  ${curl('/api/v1/users', { 'x-beta': '1' })}    → user-v2`,
  `  ${curl('/api/items')}    → user-service`,
  `  ${curl('/api/items', { 'X-API-Version': '2' })}    → api-v2`,
  `  ${curl('/api/v2/items')}    → api-v2`,
  '',
  `A 95/5 canary, sticky per x-user-id (measured just now over 2000 users: ${split}; ${sticky}/50 repeat requests stayed on their side):`,
  `  ${curl('/api/users/profile', { 'x-user-id': 'alice' })}    → sticky`,
  '',
  `Consistent hashing on x-user-id (alice → ${[...carts].join(', ')} every time; bob → ${bob}):`,
  `  ${curl('/api/cart/items', { 'x-user-id': 'alice' })}    → cart-service`,
  '',
  'A rate limit: 5 requests, then 429 with Retry-After and X-RateLimit-* headers (one token every 2 s):',
  `  for i in 1 2 3 4 5 6; do ${curl('/api/limited', {}, '-s -o /dev/null -w "%{http_code}\\n"')}; done`,
  `  ${curl('/api/limited', {}, '-s -i')}    → 429`,
  '',
  'Why a request goes where it goes:',
  `  node ${cliRel} explain ${rel} GET /api/users/profile -H 'x-user-id: alice'`,
];
console.log(lines.join('\n'));
const explain = spawnSync(
  process.execPath,
  [cli, 'explain', configFile, 'GET', '/api/users/profile', '-H', 'x-user-id: alice'],
  { encoding: 'utf8' },
);
console.log(
  explain.stdout
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n'),
);
console.log('\nThe gateway reloads when gateway.yaml changes. Press Ctrl-C to stop.');
