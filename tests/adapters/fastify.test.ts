// The Fastify plugin of @switchyard/adapters/fastify in a real Fastify 5 app on 127.0.0.1: its
// fastify-plugin metadata, typed decorators, the plugin-wide and per-route rate limits (onRequest
// hooks), the catch-all gateway route that leaves bodies unparsed (while the app's own routes
// keep their parsers), and forward() from an app's own handler.
import type { AddressInfo } from 'node:net';
import switchyard from '@switchyard/adapters/fastify';
import { ConfigError, InvalidArgumentError, RateLimiter } from '@switchyard/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Echo, startUpstream, type TestUpstream } from '../support/upstreams.js';

let up: TestUpstream;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  up = await startUpstream('solo', 'f1');
});
afterAll(async () => {
  await up.close();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const configFor = (origin: string) => ({
  services: { solo: { targets: [origin] } },
  routes: [{ path: '/gw/*', service: 'solo' }],
});

async function listen(app: FastifyInstance): Promise<string> {
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('the Switchyard Fastify plugin', () => {
  it('is wrapped with fastify-plugin: a name, the Fastify 5 range, and no encapsulation', () => {
    const meta = (switchyard as unknown as Record<symbol, { name: string; fastify: string }>)[
      Symbol.for('plugin-meta')
    ];
    expect(meta?.name).toBe('@switchyard/adapters/fastify');
    expect(meta?.fastify).toBe('5.x');
    expect((switchyard as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')]).toBe(true);
  });

  it('decorates the app (reachable from the root, not only inside the plugin) and each request', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(switchyard, { config: configFor(up.origin) });
    await app.ready();
    expect(app.hasDecorator('switchyard')).toBe(true);
    expect(app.hasRequestDecorator('switchyard')).toBe(true);
    expect(typeof app.switchyard.reload).toBe('function');
    expect(typeof app.switchyard.forward).toBe('function');
    expect(app.switchyard.embedded.gateway.compiled?.routes.length).toBe(1);
  });

  it('serves the gateway on a catch-all route; the app’s own routes win and keep their JSON parser', async () => {
    const app = Fastify();
    await app.register(switchyard, { config: configFor(up.origin) });
    app.post('/own', async (req) => ({ parsed: req.body }));
    const url = await listen(app);
    const json = JSON.stringify({ hello: 'world' });
    const fwd = await request(`${url}/gw/x?y=1`, {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json' },
    });
    expect(fwd.statusCode).toBe(200);
    const echo = (await fwd.body.json()) as Echo;
    // The body reached the upstream whole: Fastify's JSON parser did not consume it on the way.
    expect(echo.bodyBytes).toBe(Buffer.byteLength(json));
    expect(echo.url).toBe('/gw/x?y=1');
    expect(echo.headers['x-request-id']).toBe(fwd.headers['x-request-id']);
    const own = await request(`${url}/own`, {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json' },
    });
    expect(await own.body.json()).toEqual({ parsed: { hello: 'world' } });
    // Not in the gateway's table: the gateway's own 404, with its request id.
    const miss = await request(`${url}/elsewhere`);
    expect(miss.statusCode).toBe(404);
    expect(miss.headers['x-request-id']).toBeTruthy();
    await miss.body.text();
  });

  it('takes a route’s own rate limit from its route options, in an onRequest hook', async () => {
    const app = Fastify();
    await app.register(switchyard, { config: configFor(up.origin) });
    const limiter = new RateLimiter({ capacity: 2, refillPerSecond: 0.001 });
    app.get(
      '/limited',
      { config: { switchyard: { rateLimit: { limiter, key: 'header:x-client' } } } },
      async (req) => ({
        remaining: req.switchyard?.limit?.headers['X-RateLimit-Remaining'],
      }),
    );
    app.get('/free', async (req) => ({ limit: req.switchyard?.limit ?? null }));
    const url = await listen(app);
    const hit = (path: string, client = 'c1') => request(`${url}${path}`, { headers: { 'x-client': client } });
    const a = await hit('/limited');
    expect(a.headers['x-ratelimit-limit']).toBe('2');
    expect(await a.body.json()).toEqual({ remaining: '1' });
    await (await hit('/limited')).body.text();
    const denied = await hit('/limited');
    expect(denied.statusCode).toBe(429);
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0);
    expect(await denied.body.text()).toMatch(/^429 Too Many Requests/);
    expect((await hit('/limited', 'c2')).statusCode).toBe(200);
    // A route without the option has no limit and no limit headers.
    const free = await hit('/free');
    expect(free.headers['x-ratelimit-limit']).toBeUndefined();
    expect(await free.body.json()).toEqual({ limit: null });
  });

  it('applies a plugin-wide limit to every route, the gateway’s catch-all included', async () => {
    const app = Fastify();
    await app.register(switchyard, {
      config: configFor(up.origin),
      rateLimit: { limiter: new RateLimiter({ capacity: 1, refillPerSecond: 0.001 }) },
    });
    const url = await listen(app);
    const first = await request(`${url}/gw/a`);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('1');
    await first.body.text();
    const second = await request(`${url}/gw/a`);
    expect(second.statusCode).toBe(429);
    await second.body.text();
  });

  it('with catchAll: false, forwards only from the app’s own handlers through fastify.switchyard.forward', async () => {
    const app = Fastify();
    await app.register(switchyard, { config: configFor(up.origin), catchAll: false });
    app.get('/gw/through', (req, reply) => app.switchyard.forward(req, reply));
    const url = await listen(app);
    const res = await request(`${url}/gw/through`);
    expect(((await res.body.json()) as Echo).service).toBe('solo');
    // No catch-all: Fastify's own 404 (JSON), not the gateway's.
    const miss = await request(`${url}/gw/other`);
    expect(miss.statusCode).toBe(404);
    expect(miss.headers['content-type']).toMatch(/json/);
    await miss.body.text();
  });

  it('reloads through the decorator, keeping the old table when the new config does not compile', async () => {
    const app = Fastify();
    await app.register(switchyard, { config: configFor(up.origin) });
    const url = await listen(app);
    await expect(app.switchyard.reload({ routes: [{ path: '/x', service: 'missing' }] })).rejects.toThrow(ConfigError);
    expect((await request(`${url}/gw/still`)).statusCode).toBe(200);
    await app.switchyard.reload({
      services: { solo: { targets: [up.origin] } },
      routes: [{ path: '/moved/*', service: 'solo' }],
    });
    expect((await request(`${url}/gw/still`)).statusCode).toBe(404);
    expect((await request(`${url}/moved/x`)).statusCode).toBe(200);
  });

  it('refuses a registration without config, and a route limit with bad options when the route is added', async () => {
    const bare = Fastify();
    apps.push(bare);
    await expect(bare.register(switchyard, {} as never).ready()).rejects.toThrow(InvalidArgumentError);
    const app = Fastify();
    apps.push(app);
    await app.register(switchyard, { config: configFor(up.origin) });
    expect(() => app.get('/bad', { config: { switchyard: { rateLimit: { cost: 1 } } } }, async () => 'never')).toThrow(
      /exactly one/,
    );
  });
});
