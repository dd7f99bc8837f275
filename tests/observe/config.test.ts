// Observability turned on by gateway.yaml (`observability:`) in the standalone proxy: access lines
// into a file, `/metrics` on the admin listener (parsed after traffic), and with traces on but no
// tracer provider registered: no spans, the pipeline's traceparent sent as planned. Plus the
// event hub's contract (nobody listening: inactive; a throwing listener never reaches a request)
// and the schema of the block.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayEvents, parseConfig, type TargetStateChangeEvent } from '@switchyard/adapters/gateway';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../packages/adapters/src/proxy/index.js';
import { type Echo, startUpstream, type TestUpstream } from '../support/upstreams.js';
import { parseExposition, sample, types } from './exposition.js';

let up: TestUpstream;
let dir: string;
beforeAll(async () => {
  up = await startUpstream('users', 'u1');
  dir = mkdtempSync(join(tmpdir(), 'switchyard-observe-'));
});
afterAll(async () => {
  await up.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('observability from gateway.yaml in the standalone proxy', () => {
  it('logs to a file, serves /metrics on the admin listener, and traces nothing without a provider', async () => {
    const file = join(dir, 'logs', 'access.log');
    const gateway = createGateway(
      {
        name: 'from-yaml',
        admin: { host: '127.0.0.1', port: 0 },
        observability: {
          access_log: { enabled: true, destination: file },
          metrics: { enabled: true, process: true },
          traces: { enabled: true },
        },
        services: { users: { targets: [up.origin] } },
        routes: [{ path: '/users/:id', service: 'users' }],
      },
      { log: () => {} },
    );
    const address = await gateway.listen(0, '127.0.0.1');
    try {
      // What the CLI's startup line lists: the admin paths, /metrics among them.
      expect(address.admin!.paths).toEqual(['/healthz', '/routes', '/metrics']);
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const ok = await get(`${address.url}/users/1`, { traceparent });
      expect(ok.status).toBe(200);
      // No tracer provider registered: the pipeline's plan, the client's traceparent continued as is.
      expect((JSON.parse(ok.text) as Echo).headers.traceparent).toBe(traceparent);
      expect((await get(`${address.url}/users/2`)).status).toBe(200);
      expect((await get(`${address.url}/missing`)).status).toBe(404);

      const res = await get(`${address.admin!.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const metrics = parseExposition(res.text);
      expect(sample(metrics, 'switchyard_http_requests_total', { route: '/users/:id', status: '200' })).toBe(2);
      expect(sample(metrics, 'switchyard_http_requests_total', { route: 'none', status: '404' })).toBe(1);
      // `process: true`: prom-client's default metrics are there too.
      expect(sample(metrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      const kinds = types(res.text);
      expect(kinds.get('switchyard_http_requests_total')).toBe('counter');
      expect(kinds.get('switchyard_http_request_duration_seconds')).toBe('histogram');
      expect(kinds.get('switchyard_upstream_connections')).toBe('gauge');
      // Prometheus naming: counters end in _total, durations are in seconds.
      for (const [name, kind] of kinds) {
        if (!name.startsWith('switchyard_')) continue;
        if (kind === 'counter') expect(name).toMatch(/_total$/);
        if (kind === 'histogram') expect(name).toMatch(/_seconds$/);
      }
      // /healthz and /routes stay beside it.
      expect((await get(`${address.admin!.url}/healthz`)).status).toBe(200);
    } finally {
      await gateway.close();
    }
    // Closing flushed the asynchronous file destination.
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.path, l.status])).toEqual([
      ['/users/1', 200],
      ['/users/2', 200],
      ['/missing', 404],
    ]);
    expect(lines[0]).toMatchObject({ route: '/users/:id', service: 'users', target: up.origin, outcome: 'completed' });
  });

  it('without observability: (and metrics not on by an admin: listener) nothing subscribes', async () => {
    const base = { services: { users: { targets: [up.origin] } }, routes: [{ path: '/users/:id', service: 'users' }] };
    for (const config of [
      base,
      { ...base, admin: { host: '127.0.0.1', port: 0 }, observability: { metrics: { enabled: false } } },
    ]) {
      const gateway = createGateway(config, { log: () => {} });
      const address = await gateway.listen(0, '127.0.0.1');
      try {
        expect(gateway.proxy!.events.active).toBe(false);
        expect((await get(`${address.url}/users/1`)).status).toBe(200);
        if (address.admin) expect((await get(`${address.admin.url}/metrics`)).status).toBe(404);
      } finally {
        await gateway.close();
      }
    }
  });

  it('an admin: listener without observability: serves /metrics, counting requests', async () => {
    const gateway = createGateway(
      {
        admin: { host: '127.0.0.1', port: 0 },
        services: { users: { targets: [up.origin] } },
        routes: [{ path: '/users/:id', service: 'users' }],
      },
      { log: () => {} },
    );
    const address = await gateway.listen(0, '127.0.0.1');
    try {
      expect((await get(`${address.url}/users/1`)).status).toBe(200);
      const res = await get(`${address.admin!.url}/metrics`);
      expect(res.status).toBe(200);
      const metrics = parseExposition(res.text);
      expect(sample(metrics, 'switchyard_http_requests_total', { route: '/users/:id', status: '200' })).toBe(1);
    } finally {
      await gateway.close();
    }
  });
});

/** A `target-state` event: `target`'s breaker goes from `from` to `to`. */
function breakerChange(target: string, from: 'closed' | 'open', to: 'closed' | 'open'): TargetStateChangeEvent {
  const status = (breaker: 'closed' | 'open') => ({ breaker, health: undefined, available: breaker === 'closed' });
  return {
    type: 'target-state',
    service: 's',
    target,
    previous: status(from),
    current: status(to),
    reason: to === 'open' ? 'consecutive-failures' : 'trials-succeeded',
    atMs: 0,
  };
}

describe('GatewayEvents', () => {
  it('is active exactly while someone listens', () => {
    const events = new GatewayEvents();
    expect(events.active).toBe(false);
    const seen: string[] = [];
    const off = events.subscribe({ retry: (e) => seen.push(e.reason) });
    const off2 = events.on('target-state', (e) => seen.push(`${e.target}:${e.current.breaker}`));
    expect(events.active).toBe(true);
    expect(events.wants('retry')).toBe(true);
    expect(events.wants('request-start')).toBe(false);
    events.emit(breakerChange('t', 'closed', 'open'));
    off();
    off(); // twice is harmless
    expect(events.active).toBe(true);
    off2();
    expect(events.active).toBe(false);
    events.emit(breakerChange('t', 'open', 'closed'));
    expect(seen).toEqual(['t:open']);
  });

  it('a listener that throws is reported and the others still run', () => {
    const errors: string[] = [];
    const events = new GatewayEvents((error, type) => errors.push(`${type}: ${(error as Error).message}`));
    let after = 0;
    events.on('target-state', () => {
      throw new Error('boom');
    });
    events.on('target-state', () => after++);
    events.emit(breakerChange('t', 'closed', 'open'));
    expect(after).toBe(1);
    expect(errors).toEqual(['target-state: boom']);
  });
});

describe('observability: in gateway.yaml', () => {
  const base = 'routes: [{ path: /a, service: s }]\nservices: { s: { targets: [http://127.0.0.1:9001] } }\n';

  it('is off by default and filled in when written', () => {
    const off = parseConfig(base, 'g.yaml');
    expect(off.observability).toEqual({ accessLog: undefined, metrics: undefined, traces: false });
    const on = parseConfig(
      `${base}observability:\n  access_log: { enabled: true }\n  metrics: { enabled: true }\n  traces: { enabled: true }\n`,
      'g.yaml',
    );
    expect(on.observability).toEqual({
      accessLog: { destination: 'stdout' },
      metrics: { process: false },
      traces: true,
    });
  });

  it('rejects unknown keys and wrong types with their position', () => {
    expect(() => parseConfig(`${base}observability:\n  logs: true\n`, 'g.yaml')).toThrow(
      /g\.yaml:4:3: .*unknown key "logs"/,
    );
    expect(() => parseConfig(`${base}observability:\n  metrics: { enabled: yes please }\n`, 'g.yaml')).toThrow(
      /g\.yaml:4:23: .*expected/,
    );
  });
});

describe('loading', () => {
  it('a gateway without observability loads neither pino, prom-client nor @opentelemetry/api', () => {
    // On the built package, as users get it; then with observability on, as a control.
    const script = (on: boolean) => `
      const { createGateway } = require('@switchyard/adapters/proxy');
      const g = createGateway({ ${on ? "observability: { access_log: { enabled: true, destination: 'stderr' }, metrics: { enabled: true }, traces: { enabled: true } }," : ''}
        services: { s: { targets: ['http://127.0.0.1:9'] } }, routes: [{ path: '/', service: 's' }] }, { log: () => {} });
      g.embed();
      const hits = new Set();
      for (const k of Object.keys(require.cache)) {
        const m = /[\\\\/]node_modules[\\\\/](?:\\.pnpm[\\\\/])?(pino|prom-client|@opentelemetry[\\\\/+]api)[@\\\\/]/.exec(k);
        if (m) hits.add(m[1].replace('+', '/').replace('\\\\', '/'));
      }
      g.close().then(() => process.stdout.write(JSON.stringify([...hits].sort())));`;
    const run = (on: boolean) => {
      const r = spawnSync(process.execPath, ['-e', script(on)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as string[];
    };
    expect(run(false)).toEqual([]);
    expect(run(true)).toEqual(['@opentelemetry/api', 'pino', 'prom-client']);
  });
});
