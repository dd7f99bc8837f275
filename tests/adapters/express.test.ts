// The parts of @switchyard/adapters/express on their own, in a real Express 5 app on 127.0.0.1:
// rateLimit (local limiter and async store), route (the resolution on req.switchyard) and proxy
// (one upstream through the pipeline), plus the error seam of the shared request path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gateway, proxy, rateLimit, route } from '@switchyard/adapters/express';
import { ConfigError, InvalidArgumentError, type RateLimitDecision, RateLimiter, Router } from '@switchyard/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionEngine } from '../../packages/adapters/src/proxy/server.js';
import { ProxyServer } from '../../packages/adapters/src/proxy/server.js';
import { type Echo, startUpstream, type TestUpstream } from '../support/upstreams.js';

const servers: Server[] = [];

async function serve(app: express.Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers an error that reached Express's error handling as 599 with its message, so tests see it. */
function errorsAs599(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  res
    .status(599)
    .type('text/plain')
    .send(`caught: ${(err as Error).message}`);
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

describe('rateLimit(options)', () => {
  it('sends X-RateLimit-* on admitted requests, then 429 with Retry-After; keys are separate', async () => {
    const app = express();
    app.use(rateLimit({ limiter: new RateLimiter({ capacity: 2, refillPerSecond: 0.001 }), key: 'header:x-client' }));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const url = await serve(app);
    const as = (client: string) => request(url, { headers: { 'x-client': client } });
    const first = await as('a');
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    expect(await first.body.text()).toBe('ok');
    expect((await as('a')).statusCode).toBe(200);
    const denied = await as('a');
    expect(denied.statusCode).toBe(429);
    expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0);
    expect(denied.headers['x-ratelimit-remaining']).toBe('0');
    expect(await denied.body.text()).toMatch(/^429 Too Many Requests/);
    // Another key has its own budget.
    expect((await as('b')).statusCode).toBe(200);
  });

  it('takes from an async store (such as RedisRateLimiter), and a failing store goes to next(err)', async () => {
    const taken: string[] = [];
    let fail = false;
    const store = {
      async take(key: string, cost = 1): Promise<RateLimitDecision> {
        if (fail) throw new Error('store down');
        taken.push(`${key}*${cost}`);
        return { allowed: true, limit: 10, remaining: 10 - taken.length, retryAfterMs: 0, resetMs: 1000 };
      },
    };
    const app = express();
    app.use(rateLimit({ store, cost: 2, headers: { families: ['legacy'] } }));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    app.use(errorsAs599);
    const url = await serve(app);
    const ok = await request(url);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-ratelimit-remaining']).toBe('9');
    expect(ok.headers.ratelimit).toBeUndefined();
    await ok.body.text();
    // The default key is the client address, as the gateway's client-ip keys are written.
    expect(taken).toEqual(['ip:127.0.0.1*2']);
    fail = true;
    const broken = await request(url);
    expect(broken.statusCode).toBe(599);
    expect(await broken.body.text()).toBe('caught: store down');
  });

  it('normalizes options once: bad ones throw InvalidArgumentError at construction', () => {
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 1 });
    const store = { take: async () => ({ allowed: true, limit: 1, remaining: 1, retryAfterMs: 0, resetMs: 0 }) };
    expect(() => rateLimit({})).toThrow(InvalidArgumentError);
    expect(() => rateLimit({ limiter, store })).toThrow(/exactly one/);
    expect(() => rateLimit({ limiter, cost: 0 })).toThrow(/rateLimit.cost/);
    expect(() => rateLimit({ limiter, key: 'body:x' })).toThrow(/header:NAME/);
    expect(() => rateLimit({ limiter, headers: { warnAt: 2 } })).toThrow(/warnAt/);
  });
});

describe('route(router)', () => {
  const router = new Router<string>();
  router.add({ path: '/users/:id', method: 'GET' }, 'user');
  router.add({ path: '/files/*' }, 'files');

  it('puts the resolution, with the match and its params, on req.switchyard', async () => {
    const app = express();
    app.use(route(router));
    app.use((req, res) => {
      const r = req.switchyard?.resolution;
      res.json(
        r?.outcome === 'matched' ? { value: r.match.value, params: { ...r.match.params } } : { outcome: r?.outcome },
      );
    });
    const url = await serve(app);
    expect(await (await request(`${url}/users/42`)).body.json()).toEqual({ value: 'user', params: { id: '42' } });
    expect(await (await request(`${url}/files/a/b`)).body.json()).toEqual({ value: 'files', params: { '*': 'a/b' } });
    expect(await (await request(`${url}/nothing`)).body.json()).toEqual({ outcome: 'no-route' });
    expect(await (await request(`${url}/users/42`, { method: 'DELETE' })).body.json()).toEqual({
      outcome: 'method-not-allowed',
    });
  });

  it('with answer: true, answers 404, 405 with Allow and 400 itself', async () => {
    const app = express();
    app.use(route(router, { answer: true }));
    app.use((_req, res) => {
      res.send('through');
    });
    const url = await serve(app);
    expect(await (await request(`${url}/users/1`)).body.text()).toBe('through');
    expect((await request(`${url}/nope`)).statusCode).toBe(404);
    const r405 = await request(`${url}/users/1`, { method: 'POST', body: 'x' });
    expect(r405.statusCode).toBe(405);
    expect(r405.headers.allow).toBe('GET');
    expect((await request(`${url}/files/%zz`)).statusCode).toBe(400);
  });

  it('rejects something that is not a router at construction', () => {
    expect(() => route({} as never)).toThrow(InvalidArgumentError);
  });
});

describe('proxy(options) and gateway(config)', () => {
  let up: TestUpstream;
  beforeAll(async () => {
    up = await startUpstream('solo', 's1');
  });
  afterAll(async () => {
    await up.close();
  });

  it('proxy forwards through the pipeline: prefix stripped, forwarding headers, request id, body streamed', async () => {
    const app = express();
    const mw = proxy({ target: up.origin, stripPrefix: '/api' });
    app.use('/api', mw);
    app.get('/local', (_req, res) => {
      res.send('local');
    });
    const url = await serve(app);
    try {
      const res = await request(`${url}/api/things/7?q=1`, { method: 'POST', body: 'hello' });
      expect(res.statusCode).toBe(200);
      const echo = (await res.body.json()) as Echo;
      expect(echo.url).toBe('/things/7?q=1');
      expect(echo.method).toBe('POST');
      expect(echo.bodyBytes).toBe(5);
      expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(echo.headers.via).toBeTruthy();
      expect(echo.headers['x-request-id']).toBe(res.headers['x-request-id']);
      // Routes outside the mount are the app's own.
      expect(await (await request(`${url}/local`)).body.text()).toBe('local');
    } finally {
      await mw.close();
    }
  });

  it('keeps headers an earlier middleware set (limit headers) next to the gateway answer', async () => {
    const app = express();
    const mw = proxy({ target: up.origin });
    app.use(rateLimit({ limiter: new RateLimiter({ capacity: 5, refillPerSecond: 1 }) }));
    app.use(mw);
    const url = await serve(app);
    try {
      const res = await request(`${url}/x`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      expect(((await res.body.json()) as Echo).url).toBe('/x');
    } finally {
      await mw.close();
    }
  });

  it('proxy takes the resilience options of a service: a 503 with Retry-After is retried', async () => {
    const app = express();
    const plain = proxy({ target: up.origin });
    const retrying = proxy({ target: up.origin, retries: { attempts: 2, backoff_ms: 1 } });
    app.use('/plain', plain);
    app.use('/retrying', retrying);
    const url = await serve(app);
    try {
      const once = await request(`${url}/plain/__flaky?n=1&after=0&id=a`);
      expect(once.statusCode).toBe(503);
      await once.body.dump();
      const again = await request(`${url}/retrying/__flaky?n=1&after=0&id=b`);
      expect(again.statusCode).toBe(200);
      await again.body.dump();
      expect(up.hits('/plain/__flaky?n=1&after=0&id=a')).toBe(1);
      expect(up.hits('/retrying/__flaky?n=1&after=0&id=b')).toBe(2);
    } finally {
      await plain.close();
      await retrying.close();
    }
  });

  it('a config that does not compile throws where the middleware is created', () => {
    expect(() => gateway({ routes: [{ path: '/x', service: 'missing' }] })).toThrow(ConfigError);
    expect(() => proxy({} as never)).toThrow(InvalidArgumentError);
  });

  it("the shared request path hands its own failures to the framework's error seam (next(err))", async () => {
    const engine: DecisionEngine = {
      decide: () => {
        throw new Error('engine bug');
      },
      responseHeaders: () => [],
      release: () => {},
    };
    const handler = new ProxyServer({ engine, state: {} as never });
    const app = express();
    app.use((req, res, next) => handler.handle(req, res, next));
    app.use(errorsAs599);
    const url = await serve(app);
    const res = await request(`${url}/any`);
    expect(res.statusCode).toBe(599);
    expect(await res.body.text()).toBe('caught: engine bug');
    expect(handler.inFlight).toBe(0);
  });
});
