// Header hygiene both ways: hop-by-hop fields, Connection-named fields (including the gateway's
// own), forwarding headers from trusted and untrusted peers, Via, request id, traceparent,
// WebSocket upgrades, and the response plan.
import { describe, expect, it } from 'vitest';
import {
  decide,
  parseTraceparent,
  planResponseHeaders,
  planTraceparent,
} from '../../packages/adapters/src/gateway/pipeline/index.js';
import { UpstreamResponseError } from '../../packages/adapters/src/gateway/pipeline/upstream.js';
import {
  webSocketAccept,
  webSocketHandshakeProblem,
  webSocketSwitchProblem,
} from '../../packages/adapters/src/gateway/pipeline/websocket.js';
import type { Decision, ForwardDecision, GatewayRequest } from '../../packages/adapters/src/gateway/types.js';
import { freshState, type GatewaySpec, header, headers, inputs, request } from './support/build.js';

const spec: GatewaySpec = {
  name: 'edge-1',
  trustProxies: ['10.0.0.0/8'],
  services: { a: { targets: ['http://127.0.0.1:9001'] } },
  routes: [{ path: '/x', service: 'a' }],
};

function forward(d: Decision | Promise<Decision>): ForwardDecision {
  if (d instanceof Promise || d.kind !== 'forward') throw new Error('expected a synchronous forward');
  return d;
}
const plan = (req: Partial<GatewayRequest>) =>
  forward(decide(request({ target: '/x', ...req }), freshState(spec), inputs())).requestHeaders;
const names = (list: [string, string][]) => list.map(([n]) => n);

describe('request headers: hop-by-hop', () => {
  it('drops every hop-by-hop field and Expect', () => {
    const list = plan({
      headers: {
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-sum',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'proxy-authenticate': 'Basic',
        expect: '100-continue',
        accept: 'text/plain',
      },
    });
    for (const n of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'te',
      'trailer',
      'transfer-encoding',
      'upgrade',
      'http2-settings',
      'proxy-authorization',
      'proxy-authenticate',
      'expect',
    ]) {
      expect(names(list), n).not.toContain(n);
    }
    expect(header(list, 'accept')).toBe('text/plain');
  });
  it('drops fields named in Connection, but never Host or Content-Length', () => {
    const list = plan({
      headers: {
        connection: 'close, X-Secret, host, content-length',
        'x-secret': '1',
        'x-kept': '2',
        'content-length': '5',
      },
    });
    expect(names(list)).not.toContain('x-secret');
    expect(header(list, 'x-kept')).toBe('2');
    expect(header(list, 'host')).toBe('api.example.com');
    expect(header(list, 'content-length')).toBe('5');
  });
  it("a Connection header naming the gateway's own headers does not remove what the gateway adds", () => {
    const list = plan({
      headers: {
        connection: 'x-forwarded-for, x-forwarded-proto, x-forwarded-host, forwarded, via, x-request-id, traceparent',
        'x-request-id': 'client-id-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    expect(header(list, 'x-forwarded-for')).toBe('192.0.2.10');
    expect(header(list, 'x-forwarded-proto')).toBe('http');
    expect(header(list, 'x-forwarded-host')).toBe('api.example.com');
    expect(header(list, 'forwarded')).toBe('for=192.0.2.10;host=api.example.com;proto=http');
    expect(header(list, 'via')).toBe('1.1 edge-1');
    expect(header(list, 'x-request-id')).toBe('client-id-1');
    expect(header(list, 'traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
  it('never sends the version constraint header, and sends each gateway header exactly once', () => {
    const list = plan({
      headers: { 'x-switchyard-route-version': 'v9', 'x-request-id': 'r1', via: '1.0 client-proxy' },
    });
    expect(names(list)).not.toContain('x-switchyard-route-version');
    for (const n of ['x-forwarded-for', 'x-forwarded-proto', 'forwarded', 'via', 'x-request-id', 'traceparent']) {
      expect(headers(list, n), n).toHaveLength(1);
    }
    expect(header(list, 'via')).toBe('1.0 client-proxy, 1.1 edge-1');
  });
  it('keeps repeated end-to-end fields separate when raw headers are given, and one Host', () => {
    const list = plan({
      headers: { host: 'api.example.com', 'x-multi': 'a, b' },
      rawHeaders: ['Host', 'api.example.com', 'X-Multi', 'a', 'x-multi', 'b'],
    });
    expect(headers(list, 'x-multi')).toEqual(['a', 'b']);
    expect(headers(list, 'host')).toEqual(['api.example.com']);
  });
});

describe('request headers: HTTP/2 requests to an HTTP/1.1 upstream', () => {
  it('drops pseudo-headers, takes the host from :authority and joins cookies', () => {
    const d = forward(
      decide(
        {
          method: 'GET',
          target: '/x',
          headers: { ':authority': 'api.example.com', ':path': '/x', ':method': 'GET', cookie: 'a=1; b=2' },
          rawHeaders: [
            ':authority',
            'api.example.com',
            ':path',
            '/x',
            'cookie',
            'a=1',
            'accept',
            '*/*',
            'cookie',
            'b=2',
          ],
          remoteAddress: '192.0.2.10',
          encrypted: true,
          httpVersion: '2.0',
        },
        freshState(spec),
        inputs(),
      ),
    );
    const list = d.requestHeaders;
    expect(names(list).filter((n) => n.startsWith(':'))).toEqual([]);
    expect(list[0]).toEqual(['host', 'api.example.com']);
    expect(headers(list, 'cookie')).toEqual(['a=1; b=2']);
    expect(header(list, 'via')).toBe('2 edge-1');
    expect(header(list, 'x-forwarded-proto')).toBe('https');
  });
});

describe('request headers: forwarding', () => {
  it('an untrusted peer has its spoofed forwarding headers replaced', () => {
    const list = plan({
      remoteAddress: '203.0.113.9',
      headers: {
        'x-forwarded-for': '1.2.3.4',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'admin.internal',
        forwarded: 'for=1.2.3.4;proto=https',
      },
    });
    expect(header(list, 'x-forwarded-for')).toBe('203.0.113.9');
    expect(header(list, 'x-forwarded-proto')).toBe('http');
    expect(header(list, 'x-forwarded-host')).toBe('api.example.com');
    expect(header(list, 'forwarded')).toBe('for=203.0.113.9;host=api.example.com;proto=http');
  });
  it('a trusted proxy has them appended to (and its proto and host kept)', () => {
    const list = plan({
      remoteAddress: '10.1.2.3',
      encrypted: false,
      headers: {
        'x-forwarded-for': '198.51.100.1, 10.9.9.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'www.example.com',
        forwarded: 'for=198.51.100.1;proto=https',
      },
    });
    expect(header(list, 'x-forwarded-for')).toBe('198.51.100.1, 10.9.9.9, 10.1.2.3');
    expect(header(list, 'x-forwarded-proto')).toBe('https');
    expect(header(list, 'x-forwarded-host')).toBe('www.example.com');
    expect(header(list, 'forwarded')).toBe(
      'for=198.51.100.1;proto=https, for=10.1.2.3;host=api.example.com;proto=http',
    );
  });
  it('writes IPv6 peers bracketed in Forwarded, IPv4-mapped ones as IPv4, and https for TLS', () => {
    const v6 = plan({ remoteAddress: '2001:db8::1', encrypted: true });
    expect(header(v6, 'forwarded')).toBe('for="[2001:db8::1]";host=api.example.com;proto=https');
    expect(header(v6, 'x-forwarded-for')).toBe('2001:db8::1');
    expect(header(v6, 'x-forwarded-proto')).toBe('https');
    const mapped = plan({ remoteAddress: '::ffff:192.0.2.44' });
    expect(header(mapped, 'x-forwarded-for')).toBe('192.0.2.44');
  });
  it('quotes a host with a port in Forwarded', () => {
    const list = plan({ headers: { host: 'api.example.com:8080' } });
    expect(header(list, 'forwarded')).toBe('for=192.0.2.10;host="api.example.com:8080";proto=http');
  });
  it('drops client-address and routing aliases from an untrusted peer, keeps them from a trusted one', () => {
    const aliases = { 'x-real-ip': '6.6.6.6', 'x-original-url': '/admin', 'true-client-ip': '6.6.6.6' };
    const state = freshState(spec);
    const untrusted = forward(
      decide(request({ target: '/x', remoteAddress: '192.0.2.1', headers: aliases }), state, inputs()),
    );
    for (const name of Object.keys(aliases)) expect(header(untrusted.requestHeaders, name), name).toBeUndefined();
    const trusted = forward(
      decide(request({ target: '/x', remoteAddress: '10.0.0.5', headers: aliases }), state, inputs()),
    );
    for (const [name, value] of Object.entries(aliases)) expect(header(trusted.requestHeaders, name), name).toBe(value);
  });
  it('underscore look-alikes are never read as forwarding headers, nor forwarded', () => {
    const state = freshState({
      ...spec,
      limits: { ip: { algorithm: 'token-bucket', capacity: 5, refillPerSecond: 1, key: 'client-ip' } },
      routes: [{ path: '/x', service: 'a', limits: ['ip'] }],
    });
    const d = forward(
      decide(
        request({
          target: '/x',
          remoteAddress: '10.0.0.5',
          headers: { x_forwarded_for: '6.6.6.6', 'x-request_id': 'zz' },
        }),
        state,
        inputs(),
      ),
    );
    // CGI-style upstreams read `x_forwarded_for` as `X-Forwarded-For`: the look-alikes are dropped.
    expect(header(d.requestHeaders, 'x_forwarded_for')).toBeUndefined();
    expect(header(d.requestHeaders, 'x-request_id')).toBeUndefined();
    expect(header(d.requestHeaders, 'x-forwarded-for')).toBe('10.0.0.5');
    expect(d.requestId).not.toBe('zz');
    // The limit key is the trusted peer itself: the look-alike named no hop.
    expect(d.limits?.results[0]?.decision.remaining).toBe(4);
    const other = forward(decide(request({ target: '/x', remoteAddress: '10.0.0.5' }), state, inputs()));
    expect(other.limits?.results[0]?.decision.remaining).toBe(3);
  });
});

describe('request headers: request id and trace context', () => {
  it('continues a valid traceparent unchanged, with its tracestate', () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const list = plan({ headers: { traceparent: tp, tracestate: 'congo=t61rcWkgMzE' } });
    expect(header(list, 'traceparent')).toBe(tp);
    expect(header(list, 'tracestate')).toBe('congo=t61rcWkgMzE');
  });
  it('starts a trace for an absent or invalid traceparent and drops its tracestate', () => {
    for (const bad of [
      undefined,
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    ]) {
      const list = plan({ headers: { ...(bad ? { traceparent: bad } : {}), tracestate: 'a=b' } });
      const tp = header(list, 'traceparent')!;
      expect(tp, String(bad)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(tp).not.toBe(bad);
      expect(names(list)).not.toContain('tracestate');
    }
  });
  it('accepts a later version and re-emits it as version 00', () => {
    const parsed = parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever');
    expect(parsed).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
    expect(planTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x', Math.random).header).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    );
  });
  it('a random source stuck at 0 still yields valid ids', () => {
    const { header: tp } = planTraceparent(undefined, () => 0);
    expect(parseTraceparent(tp)).toBeDefined();
  });
});

describe('request headers: WebSocket', () => {
  it('passes a WebSocket upgrade on, with its handshake headers', () => {
    const d = forward(
      decide(
        request({
          target: '/x',
          headers: {
            connection: 'keep-alive, Upgrade',
            upgrade: 'websocket',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            'sec-websocket-version': '13',
          },
        }),
        freshState(spec),
        inputs(),
      ),
    );
    expect(d.websocket).toBe(true);
    expect(headers(d.requestHeaders, 'connection')).toEqual(['upgrade']);
    expect(headers(d.requestHeaders, 'upgrade')).toEqual(['websocket']);
    expect(header(d.requestHeaders, 'sec-websocket-key')).toBe('dGhlIHNhbXBsZSBub25jZQ==');
  });
  it('never passes another upgrade token (h2c), nor an upgrade without Connection: upgrade or on POST', () => {
    for (const req of [
      { headers: { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'x' } },
      { headers: { upgrade: 'websocket' } },
      { method: 'POST', headers: { connection: 'upgrade', upgrade: 'websocket' } },
    ]) {
      const d = forward(decide(request({ target: '/x', ...req }), freshState(spec), inputs()));
      expect(d.websocket).toBe(false);
      expect(names(d.requestHeaders)).not.toContain('upgrade');
      expect(names(d.requestHeaders)).not.toContain('connection');
      expect(names(d.requestHeaders)).not.toContain('http2-settings');
    }
  });
});

describe('response headers', () => {
  const limited: GatewaySpec = {
    ...spec,
    limits: { ip: { algorithm: 'token-bucket', capacity: 10, refillPerSecond: 1, key: 'client-ip' } },
    routes: [{ path: '/x', service: 'a', limits: ['ip'] }],
  };
  it('drops hop-by-hop and Connection-named fields, replaces the request id and limit headers', () => {
    const d = forward(decide(request({ target: '/x' }), freshState(limited), inputs()));
    const out = planResponseHeaders(
      {
        connection: 'close, x-internal',
        'x-internal': 'secret',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        trailer: 'x',
        upgrade: 'h2c',
        'proxy-authenticate': 'Basic',
        'x-request-id': 'upstream-id',
        'x-ratelimit-remaining': '999',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'text/plain',
        'retry-after': '30',
      },
      d,
    );
    for (const n of [
      'connection',
      'x-internal',
      'keep-alive',
      'transfer-encoding',
      'trailer',
      'upgrade',
      'proxy-authenticate',
    ]) {
      expect(names(out), n).not.toContain(n);
    }
    expect(headers(out, 'x-request-id')).toEqual([d.requestId]);
    expect(headers(out, 'x-ratelimit-remaining')).toEqual(['9']);
    expect(headers(out, 'set-cookie')).toEqual(['a=1', 'b=2']);
    expect(header(out, 'retry-after')).toBe('30');
    expect(header(out, 'content-type')).toBe('text/plain');
  });
  it("keeps an upstream's rate-limit headers when the gateway applied none", () => {
    const d = forward(decide(request({ target: '/x' }), freshState(spec), inputs()));
    const out = planResponseHeaders([['X-RateLimit-Remaining', '42']], d);
    expect(header(out, 'x-ratelimit-remaining')).toBe('42');
  });
  it('keeps Connection/Upgrade on a 101 to a WebSocket upgrade only', () => {
    const d = forward(
      decide(
        request({
          target: '/x',
          headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
        }),
        freshState(spec),
        inputs(),
      ),
    );
    const up = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' };
    const switched = planResponseHeaders(up, d, { status: 101 });
    expect(header(switched, 'upgrade')).toBe('websocket');
    expect(header(switched, 'connection')).toBe('upgrade');
    expect(header(switched, 'sec-websocket-accept')).toBeDefined();
    const refused = planResponseHeaders(up, d, { status: 200 });
    expect(names(refused)).not.toContain('upgrade');
  });
});

describe('WebSocket handshake checks (RFC 6455 §4)', () => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  it('derives Sec-WebSocket-Accept as RFC 6455 §1.3 does', () => {
    expect(webSocketAccept(key)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
  it('accepts a handshake with one 16-byte key and no body, and refuses the others', () => {
    expect(webSocketHandshakeProblem({ 'sec-websocket-key': key })).toBeUndefined();
    expect(webSocketHandshakeProblem({ 'sec-websocket-key': key, 'content-length': '0' })).toBeUndefined();
    expect(webSocketHandshakeProblem({ 'sec-websocket-key': key, 'content-length': '5' })).toMatch(/no body/);
    expect(webSocketHandshakeProblem({ 'sec-websocket-key': key, 'transfer-encoding': 'chunked' })).toMatch(/no body/);
    for (const bad of [undefined, '', 'x', 'dGhlIHNhbXBsZSBub25jZR==', `${key}A`, [key, key]])
      expect(webSocketHandshakeProblem({ 'sec-websocket-key': bad })).toMatch(/Sec-WebSocket-Key/);
  });
  it('takes a 101 only when it switches to websocket and answers the key', () => {
    const good = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    };
    expect(webSocketSwitchProblem(key, good)).toBeUndefined();
    expect(webSocketSwitchProblem(key, { ...good, upgrade: 'h2c' })?.code).toBe('SWITCHYARD_UPSTREAM_RESPONSE');
    expect(webSocketSwitchProblem(key, { ...good, connection: 'keep-alive' })).toBeInstanceOf(UpstreamResponseError);
    expect(webSocketSwitchProblem(key, { ...good, 'sec-websocket-accept': 'AAAA' })?.status).toBe(101);
    expect(webSocketSwitchProblem(undefined, good)).toBeDefined();
  });
});
