// decide() end to end without sockets: every status the gateway gives itself, the forward
// decision's fields, version routing through the router, release and explain.
import { describe, expect, it } from 'vitest';
import { decide, explainRequest, release } from '../../packages/adapters/src/gateway/pipeline/index.js';
import type { Decision, ForwardDecision, RespondDecision } from '../../packages/adapters/src/gateway/types.js';
import { freshState, type GatewaySpec, header, inputs, request } from './support/build.js';

/** The seed fixture of issue 9 with the services it names. */
const seed: GatewaySpec = {
  services: {
    'user-service': { targets: ['http://127.0.0.1:9001'] },
    'order-service': { targets: ['http://127.0.0.1:9002/base'] },
    'api-v2': { targets: ['http://127.0.0.1:9003'] },
  },
  routes: [
    { path: '/api/v1/users', service: 'user-service', methods: ['GET', 'POST', 'PUT'] },
    { path: '/api/v1/orders', service: 'order-service', methods: ['GET', 'POST'], timeoutMs: 3000 },
    { path: '/api/v2/*', service: 'api-v2', version: 'v2' },
  ],
};

function sync(d: Decision | Promise<Decision>): Decision {
  if (d instanceof Promise) throw new Error('expected a synchronous decision');
  return d;
}
function forward(d: Decision | Promise<Decision>): ForwardDecision {
  const s = sync(d);
  if (s.kind !== 'forward') throw new Error(`expected forward, got ${s.status} ${s.body}`);
  return s;
}
function answer(d: Decision | Promise<Decision>): RespondDecision {
  const s = sync(d);
  if (s.kind !== 'respond') throw new Error(`expected respond, got forward to ${s.service.name}`);
  return s;
}

describe('decide: forward', () => {
  it('routes the seed fixture by path and method, synchronously', () => {
    const state = freshState(seed);
    const d = forward(decide(request({ target: '/api/v1/users?page=2' }), state, inputs()));
    expect(d.service.name).toBe('user-service');
    expect(d.target.origin).toBe('http://127.0.0.1:9001');
    expect(d.route.index).toBe(0);
    expect(d.path).toBe('/api/v1/users');
    expect(d.upstreamPath).toBe('/api/v1/users?page=2');
    expect(d.limits).toBeUndefined();
    expect(d.websocket).toBe(false);
    expect(d.timeouts.requestMs).toBe(30000);
    expect(header(d.responseHeaders, 'x-request-id')).toBe(d.requestId);
    expect(header(d.requestHeaders, 'x-request-id')).toBe(d.requestId);
  });
  it("prepends the target's base path and applies the route timeout", () => {
    const d = forward(decide(request({ method: 'POST', target: '/api/v1/orders' }), freshState(seed), inputs()));
    expect(d.upstreamPath).toBe('/base/api/v1/orders');
    expect(d.timeouts.requestMs).toBe(3000);
    expect(d.timeouts.connectMs).toBe(2000);
  });
  it('an absolute-form target routes by its path and its authority is the host', () => {
    const spec: GatewaySpec = {
      services: { a: { targets: ['http://127.0.0.1:9001'] } },
      routes: [{ path: '/x', host: 'api.example.com', service: 'a' }],
    };
    const d = forward(
      decide(
        request({ target: 'http://api.example.com/x?q=1', headers: { host: 'other.test' } }),
        freshState(spec),
        inputs(),
      ),
    );
    expect(d.upstreamPath).toBe('/x?q=1');
    expect(header(d.requestHeaders, 'host')).toBe('api.example.com');
  });
  it('keeps a valid client X-Request-ID and replaces an invalid one', () => {
    const state = freshState(seed);
    const kept = forward(
      decide(request({ target: '/api/v1/users', headers: { 'x-request-id': 'abc-123_x.y' } }), state, inputs()),
    );
    expect(kept.requestId).toBe('abc-123_x.y');
    for (const bad of ['', 'has space', 'a'.repeat(201), 'semi;colon', 'nl\nx']) {
      const d = forward(
        decide(request({ target: '/api/v1/users', headers: { 'x-request-id': bad } }), state, inputs()),
      );
      expect(d.requestId).toMatch(/^[0-9a-f]{32}$/);
    }
    const two = forward(
      decide(request({ target: '/api/v1/users', headers: { 'x-request-id': ['a', 'b'] } }), state, inputs()),
    );
    expect(two.requestId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('decide: statuses the gateway answers itself', () => {
  it('404 for no route, with X-Request-ID and a JSON body', () => {
    const d = answer(decide(request({ target: '/nope' }), freshState(seed), inputs()));
    expect(d.status).toBe(404);
    expect(d.reason).toBe('no-route');
    expect(d.path).toBe('/nope');
    expect(header(d.headers, 'content-type')).toBe('application/json; charset=utf-8');
    expect(header(d.headers, 'x-request-id')).toBe(d.requestId);
    expect(JSON.parse(d.body)).toEqual({ error: 'no-route', message: 'no route for GET /nope' });
  });
  it('405 with Allow when the path is routed but not the method', () => {
    const d = answer(decide(request({ method: 'DELETE', target: '/api/v1/users' }), freshState(seed), inputs()));
    expect(d.status).toBe(405);
    expect(header(d.headers, 'allow')).toBe('GET, POST, PUT');
    expect(JSON.parse(d.body).error).toBe('method-not-allowed');
  });
  it('400 for a request the canonicalizer rejects, and for a target that is not a path', () => {
    const state = freshState(seed);
    for (const target of ['/api/v1/users%00', '/api/%zz', '*', 'example.com:443']) {
      const d = answer(decide(request({ target }), state, inputs()));
      expect(d.status, target).toBe(400);
      expect(d.reason).toBe('rejected');
      expect(header(d.headers, 'x-request-id')).toBe(d.requestId);
      expect(JSON.parse(d.body).error).toBe('rejected');
    }
  });
  it('400 and Connection: close for a head it cannot trust: several or invalid Host, a transfer coding other than chunked', () => {
    const state = freshState(seed);
    const bad: [string, Parameters<typeof request>[0]][] = [
      ['two Host fields', { rawHeaders: ['Host', 'api.example.com', 'Host', 'evil.test'] }],
      ['a Host with a path', { headers: { host: 'api.example.com/x' } }],
      ['a Host with user info', { headers: { host: 'u@api.example.com' } }],
      ['a Host with a space', { headers: { host: 'a b' } }],
      ['an empty Host', { headers: { host: '' } }],
      ['a port past 65535', { headers: { host: 'api.example.com:65536' } }],
      ['absolute-form with an empty authority', { target: 'http:///api/v1/users' }],
      ['gzip, chunked', { headers: { 'transfer-encoding': 'gzip, chunked' } }],
      ['chunked twice', { headers: { 'transfer-encoding': 'chunked, chunked' } }],
    ];
    for (const [what, partial] of bad) {
      const d = answer(decide(request({ target: '/api/v1/users', ...partial }), state, inputs()));
      expect(d.status, what).toBe(400);
      expect(d.reason, what).toBe('rejected');
      expect(header(d.headers, 'connection'), what).toBe('close');
    }
    for (const host of ['api.example.com:8080', '127.0.0.1', '[::1]:80', 'a_b.example']) {
      const d = sync(decide(request({ target: '/api/v1/users', headers: { host } }), state, inputs()));
      expect(d.kind, host).toBe('forward');
    }
    const chunked = request({ method: 'POST', target: '/api/v1/users', headers: { 'transfer-encoding': 'Chunked' } });
    expect(sync(decide(chunked, state, inputs())).kind).toBe('forward');
  });
  it('400 for an absolute-form target with user info or another scheme', () => {
    for (const target of ['http://u@api.example.com/api/v1/users', 'ftp://api.example.com/api/v1/users']) {
      expect(answer(decide(request({ target }), freshState(seed), inputs())).status, target).toBe(400);
    }
  });
  it('431 and Connection: close past 100 header fields', () => {
    const rawHeaders = ['Host', 'api.example.com'];
    for (let i = 0; i < 100; i++) rawHeaders.push(`x-f${i}`, 'v');
    const d = answer(decide(request({ target: '/api/v1/users', rawHeaders }), freshState(seed), inputs()));
    expect(d.status).toBe(431);
    expect(d.reason).toBe('too-many-fields');
    expect(header(d.headers, 'connection')).toBe('close');
    const fewer = request({ target: '/api/v1/users', rawHeaders: rawHeaders.slice(0, 200) });
    expect(sync(decide(fewer, freshState(seed), inputs())).kind).toBe('forward');
  });
  it('413 and Connection: close for a declared body over the route limit, before any limit is taken', () => {
    const spec: GatewaySpec = {
      services: { s: { targets: ['http://127.0.0.1:9001'] } },
      limits: { one: { algorithm: 'token-bucket', capacity: 1, refillPerSecond: 0.001, key: 'client-ip' } },
      routes: [
        { path: '/upload', service: 's', maxBodyBytes: 1000, limits: ['one'] },
        { path: '/free', service: 's', maxBodyBytes: 0 },
      ],
    };
    const state = freshState(spec);
    const post = (target: string, length: string | undefined) =>
      request({
        method: 'POST',
        target,
        headers: { host: 'api.example.com', ...(length === undefined ? {} : { 'content-length': length }) },
      });
    const d = answer(decide(post('/upload', '1001'), state, inputs()));
    expect(d.status).toBe(413);
    expect(d.reason).toBe('payload-too-large');
    expect(d.route?.index).toBe(0);
    expect(header(d.headers, 'connection')).toBe('close');
    expect(JSON.parse(d.body).message).toContain('1001 bytes');
    // The refused request took no token: the one the bucket holds is still there.
    expect(forward(decide(post('/upload', '1000'), state, inputs())).route.index).toBe(0);
    expect(answer(decide(post('/upload', '10'), state, inputs())).status).toBe(429);
    // No declared length (chunked): the front door counts it as it streams.
    expect(forward(decide(post('/upload', undefined), freshState(spec), inputs())).route.maxBodyBytes).toBe(1000);
    expect(forward(decide(post('/free', String(2 ** 40)), state, inputs())).route.index).toBe(1);
  });
  it('bounds the path shown in a message', () => {
    const d = answer(decide(request({ target: `/${'a'.repeat(5000)}` }), freshState(seed), inputs()));
    expect(JSON.parse(d.body).message.length).toBeLessThan(300);
  });
  it('503 no-target when the service has no target', () => {
    const spec: GatewaySpec = { services: { empty: { targets: [] } }, routes: [{ path: '/x', service: 'empty' }] };
    const d = answer(decide(request({ target: '/x' }), freshState(spec), inputs()));
    expect(d.status).toBe(503);
    expect(d.reason).toBe('no-target');
  });
});

describe('decide: the canonical path, decided once', () => {
  const spec: GatewaySpec = {
    versioning: { header: 'X-API-Version', default: 'v1' },
    services: { a: { targets: ['http://127.0.0.1:9001'] }, b: { targets: ['http://127.0.0.1:9002'] } },
    limits: { per: { algorithm: 'token-bucket', capacity: 5, refillPerSecond: 1, key: 'path' } },
    routes: [
      { path: '/api/v1/users', service: 'a', limits: ['per'] },
      { path: '/files/*', service: 'b', rewrite: { stripPrefix: '/files' } },
      { path: '/api/v2/*', service: 'b', version: 'v2' },
    ],
  };
  it('routes, limits and forwards the canonical path: dot segments resolved, slashes merged', () => {
    const state = freshState(spec);
    const d = forward(decide(request({ target: '/api//v1/x/../users?q=1' }), state, inputs()));
    expect(d.path).toBe('/api/v1/users');
    expect(d.upstreamPath).toBe('/api/v1/users?q=1');
    // The path key is the canonical one: both spellings share a budget.
    const again = forward(decide(request({ target: '/api/v1/users' }), state, inputs()));
    expect(again.limits?.results[0]?.decision.remaining).toBe(3);
  });
  it('forwards escapes in their canonical spelling', () => {
    const d = forward(decide(request({ target: '/files/a%7eb/%c3%a9%20x' }), freshState(spec), inputs()));
    expect(d.upstreamPath).toBe('/a~b/%C3%A9%20x');
  });
  it('a version read from a path spelled with escapes and dots is the canonical one', () => {
    const d = forward(decide(request({ target: '/api/x/../%76%32/things' }), freshState(spec), inputs()));
    expect(d.version).toBe('v2');
    expect(d.service.name).toBe('b');
    expect(d.path).toBe('/api/v2/things');
  });
  it('400 for an encoded slash under escaped_slashes: reject, naming the rule', () => {
    const d = answer(decide(request({ target: '/files/a%2Fb' }), freshState(spec), inputs()));
    expect(d.status).toBe(400);
    expect(JSON.parse(d.body).message).toMatch(/^request rejected \(encoded-slash\)/);
  });
});

describe('decide: versions through the router', () => {
  const spec: GatewaySpec = {
    versioning: { header: 'X-API-Version', default: 'v1' },
    services: {
      v1: { targets: ['http://127.0.0.1:9101'] },
      v2: { targets: ['http://127.0.0.1:9102'] },
      any: { targets: ['http://127.0.0.1:9103'] },
    },
    routes: [
      { path: '/users', service: 'v1', version: 'v1' },
      { path: '/users', service: 'v2', version: 'v2' },
      { path: '/api/v2/*', service: 'v2', version: 'v2' },
      { path: '/open', service: 'any' },
    ],
  };
  const svc = (headers: Record<string, string>, target = '/users') =>
    forward(decide(request({ target, headers }), freshState(spec), inputs()));
  it('header, else path segment, else default picks among routes sharing a path', () => {
    expect(svc({ 'x-api-version': 'v2' }).service.name).toBe('v2');
    expect(svc({ 'x-api-version': '2' }).version).toBe('v2');
    expect(svc({}).service.name).toBe('v1');
    expect(svc({}).version).toBe('v1');
    expect(svc({}, '/api/v2/things').version).toBe('v2');
  });
  it('a version no route has is a 404, and unversioned routes match any version', () => {
    const d = answer(
      decide(request({ target: '/users', headers: { 'x-api-version': 'v7' } }), freshState(spec), inputs()),
    );
    expect(d.status).toBe(404);
    expect(svc({ 'x-api-version': 'v7' }, '/open').service.name).toBe('any');
  });
  it('a client cannot pick a version through the reserved header, and it never goes upstream', () => {
    const d = svc({ 'x-switchyard-route-version': 'v2' });
    expect(d.service.name).toBe('v1');
    expect(d.requestHeaders.some(([n]) => n === 'x-switchyard-route-version')).toBe(false);
  });
  it('the seed fixture routes /api/v2/* by its path version without a versioning block', () => {
    const d = forward(decide(request({ target: '/api/v2/anything' }), freshState(seed), inputs()));
    expect(d.service.name).toBe('api-v2');
    expect(d.version).toBe('v2');
    expect(answer(decide(request({ target: '/api/v3/x' }), freshState(seed), inputs())).status).toBe(404);
  });
});

describe('decide: rewrite', () => {
  it('strips a prefix on a segment boundary and keeps the query', () => {
    const spec: GatewaySpec = {
      services: { a: { targets: ['http://127.0.0.1:9001'] } },
      routes: [
        { path: '/api/*', service: 'a', rewrite: { stripPrefix: '/api' } },
        { path: '/apix', service: 'a', rewrite: { stripPrefix: '/api' } },
      ],
    };
    const state = freshState(spec);
    expect(forward(decide(request({ target: '/api/users?x=1' }), state, inputs())).upstreamPath).toBe('/users?x=1');
    expect(forward(decide(request({ target: '/api/' }), state, inputs())).upstreamPath).toBe('/');
    expect(forward(decide(request({ target: '/apix' }), state, inputs())).upstreamPath).toBe('/apix');
  });
});

describe('release', () => {
  it('gives back the in-flight count once, whatever the number of calls', () => {
    const spec: GatewaySpec = {
      services: { a: { targets: ['http://127.0.0.1:9001'], balance: 'least-requests' } },
      routes: [{ path: '/x', service: 'a' }],
    };
    const state = freshState(spec);
    const key = 'a\0http://127.0.0.1:9001';
    const d1 = forward(decide(request({ target: '/x' }), state, inputs()));
    const d2 = forward(decide(request({ target: '/x' }), state, inputs()));
    expect(state.runtime.inFlight.get(key)).toBe(2);
    release(state, d1);
    release(state, d1);
    expect(state.runtime.inFlight.get(key)).toBe(1);
    release(state, d2);
    expect(state.runtime.inFlight.get(key) ?? 0).toBe(0);
    release(state, d2);
    expect(state.runtime.inFlight.get(key) ?? 0).toBe(0);
    release(state, answer(decide(request({ target: '/nope' }), state, inputs())));
    expect([...state.runtime.inFlight.keys()]).toEqual([key]);
    expect([...state.runtime.inFlight.values()]).toEqual([0]);
  });
});

describe('explainRequest', () => {
  const spec: GatewaySpec = {
    services: {
      a: { targets: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] },
    },
    limits: { 'per-ip': { algorithm: 'token-bucket', capacity: 2, refillPerSecond: 1, key: 'client-ip' } },
    routes: [
      { path: '/x', service: 'a', limits: ['per-ip'], methods: ['GET'] },
      { path: '/y', service: 'a' },
    ],
  };
  it('shows the decision, the limits peeked, and every route verdict, consuming nothing', () => {
    const state = freshState(spec);
    for (let i = 0; i < 5; i++) {
      const e = explainRequest(state, request({ target: '/x' }), inputs());
      expect(e.decision.kind).toBe('forward');
      expect(e.limits).toHaveLength(1);
      expect(e.limits[0]).toMatchObject({ name: 'per-ip', store: 'memory', source: 'client-ip', key: 'ip:192.0.2.10' });
      expect(e.limits[0]!.decision?.remaining).toBe(1);
      expect(e.target?.target.origin).toBe('http://127.0.0.1:9001');
      expect(e.request.clientIp).toBe('192.0.2.10');
      expect(e.winner).toBe(0);
      expect(e.routes.map((r) => r.reason)).toEqual(['matched', 'path']);
      expect(e.routes[1]!.route?.path).toBe('/y');
    }
    expect(state.runtime.cursors.size).toBe(0);
    expect(state.runtime.inFlight.size).toBe(0);
  });
  it('explains a 405 and a rejection', () => {
    const state = freshState(spec);
    const e = explainRequest(state, request({ method: 'POST', target: '/x' }), inputs());
    expect(e.decision.kind === 'respond' && e.decision.status).toBe(405);
    expect(e.routes[0]!.reason).toBe('method');
    const r = explainRequest(state, request({ target: '*' }), inputs());
    expect(r.decision.kind === 'respond' && r.decision.status).toBe(400);
    expect(r.routes).toEqual([]);
  });
  it('reports a 429 it would give without taking anything', () => {
    const state = freshState(spec);
    decide(request({ target: '/x' }), state, inputs());
    decide(request({ target: '/x' }), state, inputs());
    const e = explainRequest(state, request({ target: '/x' }), inputs());
    expect(e.decision.kind === 'respond' && e.decision.status).toBe(429);
    expect(e.limits[0]!.decision?.allowed).toBe(false);
  });
});
