// The admin listener: /healthz, /routes (the compiled table as JSON), /metrics unless turned off,
// 404 naming the endpoints, and the seam endpoints plug into.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../../packages/adapters/src/proxy/index.js';
import { closedPort, startUpstream, type TestUpstream } from '../../support/upstreams.js';

describe('admin listener', () => {
  let up: TestUpstream;
  let gateway: Gateway;
  let admin: string;
  beforeAll(async () => {
    up = await startUpstream('svc', 'a1');
    const port = await closedPort();
    gateway = createGateway(
      {
        name: 'admin-test',
        admin: { host: '127.0.0.1', port },
        services: {
          svc: { targets: [up.origin], balance: { 'consistent-hash': { key: 'header:x-user', algorithm: 'ring' } } },
        },
        rate_limits: { 'per-ip': { algorithm: 'token-bucket', capacity: 5, refill_per_second: 1, key: 'client-ip' } },
        routes: [
          { path: '/a/*', service: 'svc', methods: ['GET'], rate_limit: 'per-ip' },
          { path: '/b', service: 'svc', rewrite: { strip_prefix: '/b' } },
        ],
      },
      { log: () => {} },
    );
    const address = await gateway.listen(0, '127.0.0.1');
    admin = address.admin!.url;
  });
  afterAll(async () => {
    await gateway.close();
    await up.close();
  });

  it('/healthz answers ok with the gateway name and pid', async () => {
    const r = await request(`${admin}/healthz`);
    expect(r.statusCode).toBe(200);
    const body = (await r.body.json()) as { status: string; name: string; pid: number };
    expect(body).toMatchObject({ status: 'ok', name: 'admin-test', pid: process.pid });
  });

  it('/routes is the compiled table as JSON', async () => {
    const r = await request(`${admin}/routes`);
    expect(r.statusCode).toBe(200);
    const body = (await r.body.json()) as {
      routes: { index: number; path: string; methods: string[] | null; limits: string[]; rewrite: unknown }[];
      services: { name: string; balance: { kind: string; key?: string } }[];
      limits: { name: string; limit: number }[];
    };
    expect(body.routes.map((x) => [x.index, x.path, x.methods])).toEqual([
      [0, '/a/*', ['GET']],
      [1, '/b', null],
    ]);
    expect(body.routes[0]!.limits).toEqual(['per-ip']);
    expect(body.routes[1]!.rewrite).toEqual({ stripPrefix: '/b' });
    expect(body.services[0]!.balance).toEqual({ kind: 'consistent-hash', key: 'header:x-user', algorithm: 'ring' });
    expect(body.limits).toEqual([expect.objectContaining({ name: 'per-ip', limit: 5 })]);
  });

  it('/metrics is served without an observability: block (the contract: admin serves /metrics)', async () => {
    const r = await request(`${admin}/metrics`);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await r.body.text()).toMatch(/^# HELP switchyard_http_requests_total /m);
  });

  it('unknown paths get 404 listing the endpoints; handle() adds one (the seam)', async () => {
    const miss = await request(`${admin}/stats`);
    expect(miss.statusCode).toBe(404);
    expect(((await miss.body.json()) as { endpoints: string[] }).endpoints).toEqual([
      '/healthz',
      '/routes',
      '/metrics',
    ]);
    gateway.admin!.handle('/stats', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('# stats\n');
    });
    expect(gateway.admin!.paths).toEqual(['/healthz', '/routes', '/metrics', '/stats']);
    const hit = await request(`${admin}/stats`);
    expect(hit.statusCode).toBe(200);
    expect(await hit.body.text()).toBe('# stats\n');
  });

  it('observability.metrics.enabled: false turns /metrics off on the admin listener', async () => {
    const port = await closedPort();
    const off = createGateway(
      {
        admin: { host: '127.0.0.1', port },
        observability: { metrics: { enabled: false } },
        services: { svc: { targets: [up.origin] } },
        routes: [{ path: '/a', service: 'svc' }],
      },
      { log: () => {} },
    );
    const address = await off.listen(0, '127.0.0.1');
    try {
      expect(address.admin!.paths).toEqual(['/healthz', '/routes']);
      expect((await request(`${address.admin!.url}/metrics`)).statusCode).toBe(404);
    } finally {
      await off.close();
    }
  });
});
