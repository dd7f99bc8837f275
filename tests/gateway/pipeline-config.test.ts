// The pipeline over configs compiled by compileGateway from the fixtures: the seed's routes as
// written, and every key of the contract's gateway.yaml (with a stand-in Redis client).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileGateway, type GatewayRedisClient } from '../../packages/adapters/src/gateway/index.js';
import { decide, explainRequest } from '../../packages/adapters/src/gateway/pipeline/index.js';
import type {
  CompiledGateway,
  Decision,
  ForwardDecision,
  GatewayState,
  RespondDecision,
} from '../../packages/adapters/src/gateway/types.js';
import { header, inputs, request } from './support/build.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/gateway/${name}`, import.meta.url));
const state = (compiled: CompiledGateway): GatewayState => ({
  compiled,
  runtime: { cursors: new Map(), inFlight: new Map() },
});

/** A Redis client answering every script call with `reply` (a decision row) or failing. */
function redis(reply: number[] | Error): GatewayRedisClient & { calls: number } {
  const client = {
    calls: 0,
    evalsha: () => {
      client.calls++;
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
    },
    eval: () => (reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply)),
  };
  return client;
}

async function forward(d: Decision | Promise<Decision>): Promise<ForwardDecision> {
  const s = await d;
  if (s.kind !== 'forward') throw new Error(`expected forward, got ${s.status} ${s.body}`);
  return s;
}

describe('the seed fixture', () => {
  const seed = state(compileGateway(fixture('seed.yaml')));
  it('routes by path, method and version', async () => {
    expect((await forward(decide(request({ target: '/api/v1/users' }), seed, inputs()))).service.name).toBe(
      'user-service',
    );
    const orders = await forward(decide(request({ method: 'POST', target: '/api/v1/orders' }), seed, inputs()));
    expect(orders.target.origin).toBe('http://127.0.0.1:9002');
    const v2 = await forward(decide(request({ target: '/api/v2/anything?x=1' }), seed, inputs()));
    expect(v2.service.name).toBe('api-v2');
    expect(v2.version).toBe('v2');
    expect(v2.upstreamPath).toBe('/api/v2/anything?x=1');
  });
  it('answers 405 with Allow and 404', () => {
    const d = decide(request({ method: 'DELETE', target: '/api/v1/users' }), seed, inputs()) as RespondDecision;
    expect(d.status).toBe(405);
    expect(header(d.headers, 'allow')).toBe('GET, POST, PUT');
    expect((decide(request({ target: '/api/v3/x' }), seed, inputs()) as RespondDecision).status).toBe(404);
  });
});

describe('the full fixture', () => {
  const full = (reply: number[] | Error = [1, 600, 599, 0, 60_000]) => {
    const client = redis(reply);
    return { s: state(compileGateway(fixture('full.yaml'), { createRedisClient: () => client })), client };
  };
  const beta = (user: string, extra: Record<string, string> = {}) =>
    request({
      target: '/api/users/42?full=1',
      remoteAddress: '127.0.0.1',
      headers: { host: 'api.example.com', 'x-beta': '1', 'x-user-id': user, ...extra },
    });

  it('splits sticky by user, strips /api, takes both limits (one in Redis) and sets the route timeout', async () => {
    const { s, client } = full();
    const services = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      // One client address per user (behind the trusted proxy), so per-ip never binds here.
      const req = () => beta(`user-${i}`, { 'x-forwarded-for': `198.51.100.${i}` });
      const d = await forward(decide(req(), s, inputs()));
      services.set(d.service.name, (services.get(d.service.name) ?? 0) + 1);
      expect(d.timeouts.requestMs).toBe(3000);
      expect(d.limits?.results.map((r) => r.name)).toEqual(['per-ip', 'per-user']);
      if (d.service.name === 'user-v2') expect(d.upstreamPath).toBe('/v2/users/42?full=1');
      else expect(d.upstreamPath).toBe('/users/42?full=1');
      // Sticky: the same user again lands on the same service.
      expect((await forward(decide(req(), s, inputs()))).service.name).toBe(d.service.name);
    }
    // 95/5 over 200 users: both services take some, the stable one most.
    expect(services.get('user-v2')).toBeGreaterThan(0);
    expect(services.get('user-service')).toBeGreaterThan(170);
    expect(client.calls).toBeGreaterThan(0);
  });

  it('routes the split only on its host and header', () => {
    const { s } = full();
    const d = decide(request({ target: '/api/users/42', headers: { host: 'api.example.com' } }), s, inputs());
    expect((d as RespondDecision).status).toBe(404);
  });

  it('appends to X-Forwarded-For from the trusted 127.0.0.1 and reads the client behind it', async () => {
    const { s } = full();
    const d = await forward(decide(beta('u1', { 'x-forwarded-for': '198.51.100.7' }), s, inputs()));
    expect(header(d.requestHeaders, 'x-forwarded-for')).toBe('198.51.100.7, 127.0.0.1');
    const e = explainRequest(s, beta('u1', { 'x-forwarded-for': '198.51.100.7' }), inputs());
    expect(e.request.clientIp).toBe('198.51.100.7');
    expect(e.limits.map((l) => [l.name, l.store, l.key])).toEqual([
      ['per-ip', 'memory', 'ip:198.51.100.7'],
      ['per-user', 'redis', 'v:u1'],
    ]);
  });

  it('a Redis deny is a 429 with its headers', async () => {
    const { s } = full([0, 600, 0, 2500, 60_000]);
    const d = (await decide(beta('u1'), s, inputs())) as RespondDecision;
    expect(d.status).toBe(429);
    expect(header(d.headers, 'retry-after')).toBe('3');
    expect(header(d.headers, 'x-ratelimit-limit')).toBe('600');
  });

  it('redis.on_error fail-open: a Redis failure admits, the limit left out', async () => {
    const { s } = full(new Error('ECONNREFUSED'));
    const d = await forward(decide(beta('u1'), s, inputs()));
    expect(d.limits?.results.map((r) => r.name)).toEqual(['per-ip']);
  });

  it('versions: the header picks v2, the default v1 has no /api/v2 route', async () => {
    const { s } = full();
    const v2 = await forward(decide(request({ target: '/api/v2/x', headers: { 'x-api-version': 'v2' } }), s, inputs()));
    expect(v2.service.name).toBe('api-v2');
    // Header first: v1 named in the header beats the /v2/ segment.
    const v1 = decide(request({ target: '/api/v2/x', headers: { 'x-api-version': 'v1' } }), s, inputs());
    expect((v1 as RespondDecision).status).toBe(404);
  });

  it('canonicalizes by the paths: policy (merged slashes, dot segments, escaped slashes rejected)', async () => {
    const { s } = full();
    const d = await forward(decide(request({ target: '/api//v1/x/../users' }), s, inputs()));
    expect(d.path).toBe('/api/v1/users');
    expect((decide(request({ target: '/api/v1%2Fusers' }), s, inputs()) as RespondDecision).status).toBe(400);
  });
});
