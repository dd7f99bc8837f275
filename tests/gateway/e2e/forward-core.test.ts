// The proxy's forwarding core against a hand-built decision engine: what the proxy itself does
// with a decision (stream, abort, 502/504, upgrades, parse errors), independent of the pipeline.
import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type {
  CompiledGateway,
  CompiledService,
  ForwardDecision,
  GatewayState,
  HeaderList,
} from '../../../packages/adapters/src/gateway/types.js';
import { type DecisionEngine, ProxyServer } from '../../../packages/adapters/src/proxy/server.js';
import { closedPort, eventually, startUpstream, type TestUpstream } from '../../support/upstreams.js';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-authenticate']);

function engineFor(
  targets: Record<string, string>,
  timeouts = { connectMs: 1000, headersMs: 500, requestMs: 2000, idleMs: 300 },
): DecisionEngine {
  return {
    decide(req) {
      const prefix = req.target.split('/')[1] ?? '';
      const origin = targets[prefix];
      if (!origin) {
        return {
          kind: 'respond',
          status: 404,
          headers: [['x-request-id', 'r1']],
          body: 'no route\n',
          reason: 'no-route',
          requestId: 'r1',
          path: req.target,
          route: undefined,
          limits: undefined,
        };
      }
      const service: CompiledService = {
        name: prefix,
        targets: [],
        balance: { kind: 'round-robin' },
        timeouts,
        position: undefined,
      };
      const headers: HeaderList = [];
      for (const [k, v] of Object.entries(req.headers)) {
        if (HOP.has(k) || v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
      }
      const d: ForwardDecision = {
        kind: 'forward',
        requestId: 'r1',
        route: {
          index: 0,
          path: `/${prefix}/*`,
          methods: null,
          host: undefined,
          version: undefined,
          service: prefix,
          split: undefined,
          sticky: undefined,
          limits: [],
          rewrite: undefined,
          timeoutMs: undefined,
          position: undefined,
        },
        path: req.target,
        version: undefined,
        service,
        target: { id: origin, origin, basePath: '', weight: 1 },
        upstreamPath: req.target,
        requestHeaders: headers,
        responseHeaders: [['x-request-id', 'r1']],
        timeouts,
        limits: undefined,
        websocket: req.headers.upgrade === 'websocket',
      };
      return d;
    },
    responseHeaders(upstream, d) {
      const out: HeaderList = [];
      for (const [k, v] of Object.entries(upstream)) {
        if (HOP.has(k) || v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
      }
      return [...out, ...d.responseHeaders];
    },
    release() {},
  };
}

describe('proxy forwarding core (hand-built decisions)', () => {
  let up: TestUpstream;
  let proxy: ProxyServer;
  let base: string;
  beforeAll(async () => {
    up = await startUpstream('svc', 'a', 0, { websocket: true });
    const dead = await closedPort();
    proxy = new ProxyServer({
      engine: engineFor({ up: up.origin, dead: `http://127.0.0.1:${dead}` }),
      state: { compiled: {} as CompiledGateway, runtime: { cursors: new Map(), inFlight: new Map() } } as GatewayState,
    });
    const addr = await proxy.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });

  it('forwards and answers itself', async () => {
    const ok = await request(`${base}/up/x`);
    expect(ok.statusCode).toBe(200);
    expect(((await ok.body.json()) as { instance: string }).instance).toBe('a');
    const miss = await request(`${base}/nope`);
    expect(miss.statusCode).toBe(404);
    expect(miss.headers['x-request-id']).toBe('r1');
    await miss.body.text();
  });

  it('Expect: 100-continue gets 100 only for a request it forwards; one it answers itself gets the answer first', async () => {
    const exchange = (path: string, body: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(base).port), '127.0.0.1');
        let text = '';
        let sent = false;
        socket.setEncoding('latin1');
        socket.on('error', reject);
        socket.on('data', (d: string) => {
          text += d;
          // Like a client that waits: the body goes only after `100 Continue`.
          if (!sent && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
            sent = true;
            socket.write(body);
          }
          if (/\r\n\r\n[\s\S]*\r\n\r\n/.test(text) || (!text.startsWith('HTTP/1.1 100') && text.includes('\r\n\r\n'))) {
            socket.end();
            resolve(text);
          }
        });
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
        );
      });
    const forwarded = await exchange('/up/x', 'hello');
    expect(forwarded).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    const answered = await exchange('/nope', 'hello');
    expect(answered).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('502 on refused, reset and malformed upstreams; 504 on a slow one', async () => {
    for (const [path, status] of [
      ['/dead/x', 502],
      ['/up/__reset', 502],
      ['/up/__malformed', 502],
      ['/up/__hang', 504],
    ] as const) {
      const r = await request(`${base}${path}`);
      expect(r.statusCode, path).toBe(status);
      await r.body.text();
    }
  });

  it('pipes a WebSocket both ways', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/up/ws`);
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(d.toString()));
      ws.once('error', reject);
    });
    expect(JSON.parse(first).instance).toBe('a');
    ws.send('hello');
    const echo = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    expect(echo).toBe('a:hello');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // idle_ms is 300: with no traffic the gateway closes the tunnel.
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('serves an h2c upgrade request as plain HTTP/1.1 without passing the upgrade on', async () => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    const text = await new Promise<string>((resolve, reject) => {
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString();
        if (buf.endsWith('\r\n0\r\n\r\n')) resolve(buf);
      });
      socket.on('error', reject);
      socket.write(
        'GET /up/h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
      );
    });
    socket.destroy();
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    const echo = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
    expect(echo.headers.upgrade).toBeUndefined();
    expect(echo.headers['http2-settings']).toBeUndefined();
  });

  it('answers 400 to garbage and keeps serving', async () => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString();
      });
      socket.on('close', () => resolve(buf));
      socket.write('GARBAGE\x00 / HTTP/9\r\n\r\n');
    });
    expect(text.startsWith('HTTP/1.1 400')).toBe(true);
    const ok = await request(`${base}/up/x`);
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    expect(await eventually(() => true)).toBe(true);
  });
});
