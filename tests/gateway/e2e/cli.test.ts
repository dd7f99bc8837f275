// The `switchyard` command as a user runs it: check, explain, serve (startup lines, config errors,
// SIGHUP and file-change reloads, SIGTERM drain) and serve --workers with a shared Redis budget.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../support/cli.js';
import { redisUnavailableReason, startRedis } from '../../support/redis-server.mjs';
import { closedPort, startUpstream, type TestUpstream } from '../../support/upstreams.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
let up: TestUpstream;

beforeAll(async () => {
  up = await startUpstream('svc', 'u1');
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

function yaml(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const config = (port: number, extraRoutes = '') => `name: cli-test
listen: { host: 127.0.0.1, port: ${port} }
services:
  svc:
    targets: [${up.origin}]
rate_limits:
  per-ip: { algorithm: token-bucket, capacity: 50, refill_per_second: 10, key: client-ip }
routes:
  - path: /api/*
    service: svc
    rate_limit: per-ip
${extraRoutes}`;

describe('switchyard check / explain / --help', () => {
  it('check: exit 0 with the route table and findings', () => {
    const r = runCli(['check', yaml('ok.yaml', config(8080))]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('/api/*');
    expect(r.stdout).toContain('per-ip');
    expect(r.stdout).toMatch(/store: memory/);
  });

  it('check: exit 1 with one file:line:col line per problem', () => {
    const file = yaml(
      'bad.yaml',
      'routes:\n  - path: /a\n    service: user-servise\n    methds: [GET]\nservices:\n  user-service: { targets: [http://127.0.0.1:1] }\n',
    );
    const r = runCli(['check', file]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines)
      expect(line).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    expect(r.stderr).toContain('user-service');
  });

  it('explain: the decision and every route verdict', () => {
    const file = yaml('explain.yaml', config(8080, '  - path: /other\n    service: svc\n'));
    const r = runCli(['explain', file, 'GET', '/api/x', '-H', 'x-a: 1', '--client-ip', '10.1.2.3']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`forward to ${up.origin}/api/x`);
    expect(r.stdout).toContain('client ip: 10.1.2.3');
    expect(r.stdout).toMatch(/per-ip: token-bucket.*ip:10\.1\.2\.3/);
    expect(r.stdout).toMatch(/\/other\s+path/);
    const miss = runCli(['explain', file, 'GET', '/nope']);
    expect(miss.stdout).toContain('respond 404');
  });

  it('explain: the resilience policies of the chosen service and the state of each target', () => {
    const file = yaml(
      'resilient.yaml',
      `services:
  svc:
    targets: [${up.origin}, http://127.0.0.1:1]
    retries: { attempts: 2 }
    breaker: {}
    health: { path: /healthz }
routes:
  - path: /api/*
    service: svc
    retry: always
`,
    );
    const r = runCli(['explain', file, 'POST', '/api/x']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('retries:   up to 2 attempts (always methods)');
    expect(r.stdout).toContain('breaker:   opens after 5 failures in a row; cooldown 30000 ms');
    expect(r.stdout).toContain('health:    GET /healthz every 5000 ms');
    expect(r.stdout).toContain(`state:     ${up.origin}: available, breaker closed, health unknown`);
    expect(r.stdout).toContain('state:     http://127.0.0.1:1: available, breaker closed, health unknown');
    expect(r.stdout).toContain('request unlimited');
  });

  it('--help exits 0; a bad command or flag exits 2 with usage', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('switchyard serve');
    const bad = runCli(['frobnicate', 'x.yaml']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Usage');
    expect(runCli(['serve', 'x.yaml', '--workers', 'lots']).status).toBe(2);
  });
});

describe('switchyard serve', () => {
  it('prints where it listens and what it loaded; a bad file exits non-zero with positions', async () => {
    const bad = runCli(['serve', yaml('serve-bad.yaml', 'routes:\n  - path: /a\n    service: nope\n')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/serve-bad\.yaml:3:\d+: .*nope/);
  });

  it('reloads on SIGHUP and on file change, keeps the old table on a bad edit, drains on SIGTERM', async () => {
    const port = await closedPort();
    const file = yaml('live.yaml', config(port));
    const child = spawnCli(['serve', file]);
    try {
      await child.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+: 1 route, 1 service /);
      const base = `http://127.0.0.1:${port}`;
      expect((await request(`${base}/api/a`)).statusCode).toBe(200);
      expect((await request(`${base}/new`)).statusCode).toBe(404);

      // A file change alone reloads.
      writeFileSync(file, config(port, '  - path: /new\n    service: svc\n'));
      await child.waitFor(/reloaded \(file changed\): 2 routes/);
      expect((await request(`${base}/new`)).statusCode).toBe(200);

      // A bad edit is reported with positions and the running table stays.
      writeFileSync(
        file,
        `${config(port, '  - path: /new\n    service: svc\n')}  - path: /broken\n    service: missing\n`,
      );
      await child.waitFor(/reload \(file changed\) failed, keeping the previous config:\n.*live\.yaml:\d+:\d+: /);
      expect((await request(`${base}/new`)).statusCode).toBe(200);

      // SIGHUP reloads (the budget of the unchanged per-ip policy carries over).
      writeFileSync(file, config(port));
      await new Promise((r) => setTimeout(r, 400)); // let the watcher's reload settle first
      child.kill('SIGHUP');
      await child.waitFor(/reloaded \(SIGHUP\): 1 route, 1 service; limits carried over: per-ip/);
      expect((await request(`${base}/new`)).statusCode).toBe(404);

      // SIGTERM: the request in flight finishes, the process exits 0, nothing new is accepted.
      const inFlight = request(`${base}/api/__slow?ms=700`);
      await new Promise((r) => setTimeout(r, 150));
      child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(await res.body.text()).instance).toBe('u1');
      expect(await child.exited).toBe(0);
      await expect(request(`${base}/api/a`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

const noRedis = redisUnavailableReason();
if (noRedis) console.log(`serve --workers with Redis: not run: ${noRedis}`);

describe.skipIf(noRedis !== undefined)('switchyard serve --workers 2 with a Redis store', () => {
  it('both workers together admit no more than capacity + rate x elapsed, and SIGHUP reloads both', async () => {
    const redis = await startRedis();
    const port = await closedPort();
    const adminPort = await closedPort();
    const body = (extra: string) => `name: fleet
listen: { host: 127.0.0.1, port: ${port} }
admin: { host: 127.0.0.1, port: ${adminPort} }
redis: { url: ${redis.url}, on_error: fail-closed, timeout_ms: 2000 }
services:
  svc: { targets: [${up.origin}] }
rate_limits:
  shared: { algorithm: token-bucket, capacity: 20, refill_per_second: 10, key: header:x-tenant, store: redis }
  local: { algorithm: token-bucket, capacity: 1000, refill_per_second: 100, key: client-ip }
routes:
  - path: /shared
    service: svc
    rate_limit: shared
  - path: /local
    service: svc
    rate_limit: local
${extra}`;
    const file = yaml('fleet.yaml', body(''));
    const child = spawnCli(['serve', file, '--workers', '2']);
    try {
      await child.waitFor(/listening on .* with 2 workers/, 20_000);
      expect(child.output).toMatch(/store: memory limits are per worker.*local/);
      const base = `http://127.0.0.1:${port}`;

      // Both workers serve: fresh connections are spread over them.
      const pids = new Set<number>();
      for (let i = 0; i < 12 && pids.size < 2; i++) {
        const r = await request(`http://127.0.0.1:${adminPort}/healthz`, { reset: true } as never);
        pids.add((JSON.parse(await r.body.text()) as { pid: number }).pid);
      }
      expect(pids.size).toBe(2);

      // Hammer one tenant over 8 connections (spread over both workers) for ~1.5 s.
      const agent = new Agent({ connections: 8, pipelining: 1 });
      let admitted = 0;
      let denied = 0;
      let other = 0;
      const started = performance.now();
      const until = started + 1500;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (performance.now() < until) {
            const r = await request(`${base}/shared`, { headers: { 'x-tenant': 't1' }, dispatcher: agent });
            await r.body.text();
            if (r.statusCode === 200) admitted++;
            else if (r.statusCode === 429) denied++;
            else {
              other++;
              console.log(`unexpected ${r.statusCode}`, r.headers);
            }
          }
        }),
      );
      const elapsedS = (performance.now() - started) / 1000;
      await agent.close();
      expect(other).toBe(0);
      expect(denied).toBeGreaterThan(0);
      expect(admitted).toBeGreaterThanOrEqual(20);
      expect(admitted).toBeLessThanOrEqual(Math.floor(20 + 10 * elapsedS) + 1);

      // SIGHUP to the primary reloads every worker.
      writeFileSync(file, body('  - path: /added\n    service: svc\n'));
      await child.waitFor(/worker \d+ reloaded: 3 routes/, 15_000, 2);
      const fresh = new Agent({ connections: 8, pipelining: 1 });
      for (let i = 0; i < 8; i++) {
        const r = await request(`${base}/added`, { dispatcher: fresh, reset: true } as never);
        await r.body.text();
        expect(r.statusCode).toBe(200);
      }
      await fresh.close();
      const reloadsBefore = [...child.output.matchAll(/worker \d+ reloaded/g)].length;
      child.kill('SIGHUP');
      await child.waitFor(/worker \d+ reloaded/, 15_000, reloadsBefore + 2);

      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await redis.stop();
    }
  });
});

describe('switchyard serve --workers 2 with metrics on', () => {
  it('/metrics answers the sum over both workers, whichever worker the scrape lands on', async () => {
    const port = await closedPort();
    const adminPort = await closedPort();
    const file = yaml(
      'metrics-fleet.yaml',
      `name: metrics-fleet
listen: { host: 127.0.0.1, port: ${port} }
admin: { host: 127.0.0.1, port: ${adminPort} }
observability:
  metrics: { enabled: true }
services:
  svc: { targets: [${up.origin}] }
routes:
  - path: /api/*
    service: svc
`,
    );
    const child = spawnCli(['serve', file, '--workers', '2']);
    try {
      await child.waitFor(/listening on .* with 2 workers/, 20_000);
      const served = new Set<number>();
      const sent = 40;
      for (let i = 0; i < sent; i++) {
        const r = await request(`http://127.0.0.1:${port}/api/${i}`, { reset: true } as never);
        await r.body.text();
        expect(r.statusCode).toBe(200);
      }
      const total = (text: string) =>
        text
          .split('\n')
          .filter((l) => l.startsWith('switchyard_http_requests_total{'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      // Both workers listen on the admin port: fresh connections reach both.
      for (let i = 0; i < 12 && served.size < 2; i++) {
        const health = await request(`http://127.0.0.1:${adminPort}/healthz`, { reset: true } as never);
        served.add((JSON.parse(await health.body.text()) as { pid: number }).pid);
      }
      expect(served.size).toBe(2);
      for (let i = 0; i < 4; i++) {
        const r = await request(`http://127.0.0.1:${adminPort}/metrics`, { reset: true } as never);
        const text = await r.body.text();
        expect(r.statusCode).toBe(200);
        expect(r.headers['content-type']).toMatch(/^text\/plain/);
        expect(total(text)).toBe(sent);
        // Histograms are summed too: one observation per request.
        const count = text
          .split('\n')
          .filter((l) => l.startsWith('switchyard_http_request_duration_seconds_count{'))
          .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        expect(count).toBe(sent);
      }
      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
