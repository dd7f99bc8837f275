// End-to-end scenarios of the gateway, written once and run against every front door
// (front-doors.ts): real upstream servers, real sockets on 127.0.0.1, a real HTTP client.
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { closedPort, type Echo, eventually, startUpstream, type TestUpstream } from '../../support/upstreams.js';
import { type FrontDoor, frontDoors, type RunningDoor } from './front-doors.js';

interface Ups {
  a: TestUpstream[];
  b: TestUpstream;
  stable: TestUpstream;
  canary: TestUpstream;
  lr: TestUpstream[];
  rnd: TestUpstream[];
  ch: TestUpstream[];
  ws: TestUpstream;
  dead: number;
  /** The resilience scenarios' upstreams. */
  r: {
    /** The live target beside a refused one. */
    good: TestUpstream;
    /** Misbehaves on request: 503 with Retry-After, resets, stalls. */
    flaky: TestUpstream;
    /** Answers every request with 500. */
    bad: TestUpstream;
    /** The live target beside `bad`. */
    fine: TestUpstream;
    /** Its health is switched off and on by the test. */
    flap: TestUpstream;
    steady: TestUpstream;
  };
}

const ch = (key: string, ups: Ups) => ({
  targets: ups.ch.map((u) => u.origin),
  balance: { 'consistent-hash': { key, algorithm: 'maglev' } },
});

/** The gateway every scenario runs on; `variant` changes one route, for the reload scenarios. */
function scenarioConfig(ups: Ups, variant: 'one' | 'two' = 'one'): object {
  const origins = (list: TestUpstream[]) => list.map((u) => u.origin);
  return {
    name: 'e2e',
    versioning: { header: 'X-API-Version', default: 'v1' },
    services: {
      alpha: { targets: origins(ups.a), balance: 'round-robin' },
      beta: { targets: [ups.b.origin] },
      stable: { targets: [ups.stable.origin] },
      canary: { targets: [ups.canary.origin] },
      lr: { targets: origins(ups.lr), balance: 'least-requests' },
      rnd: { targets: origins(ups.rnd), balance: 'random' },
      'ch-header': ch('header:x-user-id', ups),
      'ch-cookie': ch('cookie:session', ups),
      'ch-query': ch('query:user', ups),
      'ch-ip': ch('client-ip', ups),
      'ch-path': ch('path', ups),
      based: { targets: [`${ups.b.origin}/base`] },
      slow: { targets: [ups.b.origin], timeouts: { connect_ms: 1000, headers_ms: 300, request_ms: 5000 } },
      dead: {
        targets: [`http://127.0.0.1:${ups.dead}`],
        timeouts: { connect_ms: 500, headers_ms: 1000, request_ms: 2000 },
      },
      ws: { targets: [ups.ws.origin], timeouts: { connect_ms: 1000, headers_ms: 1000, request_ms: 0, idle_ms: 400 } },
      // Resilience: fast backoffs so the suite stays quick; the rules are those of production.
      'refuse-one': {
        targets: [`http://127.0.0.1:${ups.dead}`, ups.r.good.origin],
        retries: { attempts: 2, backoff_ms: 1, max_backoff_ms: 5 },
        timeouts: { connect_ms: 500, headers_ms: 2000 },
      },
      // As refuse-one, sending each target its own Host.
      vhost: {
        targets: [`http://127.0.0.1:${ups.dead}`, ups.r.good.origin],
        retries: { attempts: 2, backoff_ms: 1, max_backoff_ms: 5 },
        timeouts: { connect_ms: 500, headers_ms: 2000 },
        pass_host_header: false,
      },
      'refuse-all': {
        targets: [`http://127.0.0.1:${ups.dead}`],
        retries: { attempts: 3, backoff_ms: 1, max_backoff_ms: 5 },
        timeouts: { connect_ms: 500 },
      },
      flaky: {
        targets: [ups.r.flaky.origin],
        retries: { attempts: 3, backoff_ms: 1, max_backoff_ms: 5, max_retry_after_ms: 2000 },
        timeouts: { connect_ms: 1000, headers_ms: 300 },
      },
      brk: {
        targets: [ups.r.bad.origin, ups.r.fine.origin],
        breaker: { consecutive_failures: 2, cooldown_ms: 60_000 },
      },
      hc: {
        targets: [ups.r.flap.origin, ups.r.steady.origin],
        health: { path: '/__health', interval_ms: 40, timeout_ms: 500, healthy_threshold: 2, unhealthy_threshold: 2 },
      },
      sse: { targets: [ups.b.origin], timeouts: { connect_ms: 1000, headers_ms: 300 } },
    },
    rate_limits: {
      five: { algorithm: 'token-bucket', capacity: 5, refill_per_second: 0.001, key: 'header:x-client' },
      one: { algorithm: 'token-bucket', capacity: 1, refill_per_second: 0.001, key: 'client-ip' },
    },
    routes: [
      { path: '/alpha/*', service: 'alpha' },
      { path: '/users/:id', methods: ['GET'], service: 'beta' },
      { path: '/only-get', methods: ['GET'], service: 'beta' },
      { path: '/h', host: 'api.example.com', service: 'alpha' },
      { path: '/h', host: '*.example.org', service: 'beta' },
      { path: '/h', service: 'stable' },
      { path: '/hdr', headers: { 'x-beta': '1' }, service: 'beta' },
      { path: '/hdr', service: 'alpha' },
      { path: '/ver', version: 'v1', service: 'alpha' },
      { path: '/ver', version: 'v2', service: 'beta' },
      { path: '/api/v2/ver', version: 'v2', service: 'beta' },
      {
        path: '/split/*',
        split: [
          { service: 'stable', weight: 80 },
          { service: 'canary', weight: 20 },
        ],
        sticky: 'header:x-user-id',
      },
      {
        path: '/rsplit/*',
        split: [
          { service: 'stable', weight: 50 },
          { service: 'canary', weight: 50 },
        ],
      },
      { path: '/lr/*', service: 'lr' },
      { path: '/rnd/*', service: 'rnd' },
      { path: '/ch/header/*', service: 'ch-header' },
      { path: '/ch/cookie/*', service: 'ch-cookie' },
      { path: '/ch/query/*', service: 'ch-query' },
      { path: '/ch/ip/*', service: 'ch-ip' },
      { path: '/ch/path/*', service: 'ch-path' },
      { path: '/limited', service: 'alpha', rate_limit: 'five' },
      { path: '/strip/*', service: 'alpha', rewrite: { strip_prefix: '/strip' } },
      { path: '/replace/*', service: 'alpha', rewrite: { replace_prefix: { from: '/replace/v1', to: '/internal' } } },
      { path: '/based/*', service: 'based' },
      { path: '/slowsvc/*', service: 'slow' },
      { path: '/routetimeout/*', service: 'alpha', timeout_ms: 300 },
      { path: '/dead/*', service: 'dead' },
      { path: '/ws', service: 'ws' },
      { path: '/wslimited', service: 'ws', rate_limit: 'one' },
      { path: '/r1/*', service: 'refuse-one' },
      { path: '/r1post/*', service: 'refuse-one', retry: 'always' },
      { path: '/vhost/*', service: 'vhost' },
      { path: '/rall/*', service: 'refuse-all' },
      { path: '/flaky/*', service: 'flaky' },
      { path: '/flakypost/*', service: 'flaky', retry: 'always' },
      { path: '/brk/*', service: 'brk' },
      { path: '/hc/*', service: 'hc' },
      { path: '/sse/*', service: 'sse' },
      { path: '/rt/*', service: 'alpha', timeouts: { headers_ms: 200 } },
      { path: '/capped/*', service: 'beta', max_body_bytes: 4096 },
      {
        path: '/edits/*',
        service: 'beta',
        request_headers: { set: { 'X-Api-Key': 'k1' }, remove: ['cookie'] },
        response_headers: { set: { 'x-frame-options': 'DENY' }, remove: ['X-Upstream-Public'] },
      },
      // The route the reload scenarios flip between two services.
      { path: '/flip', service: variant === 'one' ? 'stable' : 'canary' },
    ],
  };
}

async function startAll(): Promise<Ups> {
  const start = (s: string, i: string, ws = false) => startUpstream(s, i, 0, { websocket: ws });
  return {
    a: await Promise.all([start('alpha', 'a1'), start('alpha', 'a2'), start('alpha', 'a3')]),
    b: await start('beta', 'b1'),
    stable: await start('stable', 's1'),
    canary: await start('canary', 'k1'),
    lr: await Promise.all([start('lr', 'lr1'), start('lr', 'lr2')]),
    rnd: await Promise.all([start('rnd', 'r1'), start('rnd', 'r2')]),
    ch: await Promise.all([start('ch', 'h1'), start('ch', 'h2'), start('ch', 'h3')]),
    ws: await start('ws', 'w1', true),
    dead: await closedPort(),
    r: {
      good: await start('good', 'g1'),
      flaky: await start('flaky', 'f1'),
      bad: await startUpstream('brk', 'bad', 0, { failing: true }),
      fine: await start('brk', 'fine'),
      flap: await start('hc', 'flap'),
      steady: await start('hc', 'steady'),
    },
  };
}

async function stopAll(ups: Ups): Promise<void> {
  const all = [
    ...ups.a,
    ups.b,
    ups.stable,
    ups.canary,
    ...ups.lr,
    ...ups.rnd,
    ...ups.ch,
    ups.ws,
    ...Object.values(ups.r),
  ];
  await Promise.all(all.map((u) => u.close()));
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  echo: Echo | undefined;
}

describe.each(frontDoors)('gateway scenarios through the $name front door', (door: FrontDoor) => {
  let ups: Ups;
  let gw: RunningDoor;
  const agent = new Agent({ keepAliveTimeout: 1000 });

  async function call(
    path: string,
    options: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Reply> {
    const res = await request(`${gw.url}${path}`, {
      method: (options.method ?? 'GET') as 'GET',
      headers: options.headers,
      body: options.body,
      dispatcher: agent,
    });
    const text = await res.body.text();
    let echo: Echo | undefined;
    try {
      const parsed = JSON.parse(text) as Echo;
      echo = typeof parsed.instance === 'string' ? parsed : undefined;
    } catch {
      echo = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, echo };
  }
  const instanceOf = async (path: string, headers?: Record<string, string>) =>
    (await call(path, { headers })).echo?.instance;

  beforeAll(async () => {
    ups = await startAll();
    gw = await door.start(scenarioConfig(ups));
  });
  afterAll(async () => {
    await gw?.close();
    await agent.close();
    if (ups) await stopAll(ups);
  });

  describe('routing dimensions', () => {
    it('path: static, param and wildcard routes; 404 for no route', async () => {
      expect((await call('/users/42')).echo?.service).toBe('beta');
      expect((await call('/alpha/deep/er/path')).echo?.service).toBe('alpha');
      const miss = await call('/nothing/here');
      expect(miss.status).toBe(404);
      expect(miss.headers['x-request-id']).toBeTruthy();
    });

    it('method: 405 with Allow when the path is known but the method is not routed', async () => {
      expect((await call('/only-get')).status).toBe(200);
      const r = await call('/only-get', { method: 'POST', body: 'x' });
      expect(r.status).toBe(405);
      expect(String(r.headers.allow)).toContain('GET');
    });

    it('host: exact before wildcard before any', async () => {
      expect((await call('/h', { headers: { host: 'api.example.com' } })).echo?.service).toBe('alpha');
      expect((await call('/h', { headers: { host: 'x.example.org' } })).echo?.service).toBe('beta');
      expect((await call('/h', { headers: { host: 'other.test' } })).echo?.service).toBe('stable');
    });

    it('header constraint', async () => {
      expect((await call('/hdr', { headers: { 'x-beta': '1' } })).echo?.service).toBe('beta');
      expect((await call('/hdr', { headers: { 'x-beta': '2' } })).echo?.service).toBe('alpha');
      expect((await call('/hdr')).echo?.service).toBe('alpha');
    });

    it('version: header, then path segment, then the default; the reserved header never reaches upstream', async () => {
      expect((await call('/ver')).echo?.service).toBe('alpha');
      const v2 = await call('/ver', { headers: { 'x-api-version': '2' } });
      expect(v2.echo?.service).toBe('beta');
      expect(v2.echo?.headers['x-switchyard-route-version']).toBeUndefined();
      expect((await call('/ver', { headers: { 'x-api-version': 'v1' } })).echo?.service).toBe('alpha');
      expect((await call('/api/v2/ver')).echo?.service).toBe('beta');
      // A client cannot pick a route by sending the reserved header itself.
      expect((await call('/ver', { headers: { 'x-switchyard-route-version': 'v2' } })).echo?.service).toBe('alpha');
    });
  });

  describe('splits', () => {
    it('80/20 sticky split lands within ±4 points over 2000 keys, and each key stays on its side', async () => {
      let canary = 0;
      const first = new Map<string, string | undefined>();
      for (let i = 0; i < 2000; i++) {
        const s = (await call('/split/x', { headers: { 'x-user-id': `u${i}` } })).echo?.service;
        if (s === 'canary') canary++;
        if (i < 100) first.set(`u${i}`, s);
      }
      const share = canary / 2000;
      expect(share).toBeGreaterThan(0.16);
      expect(share).toBeLessThan(0.24);
      for (const [key, s] of first) {
        for (let j = 0; j < 3; j++)
          expect((await call('/split/x', { headers: { 'x-user-id': key } })).echo?.service).toBe(s);
      }
    });

    it('a split without sticky draws at random by weight (50/50 within ±6 points over 1000 requests)', async () => {
      let canary = 0;
      for (let i = 0; i < 1000; i++) if ((await call('/rsplit/x')).echo?.service === 'canary') canary++;
      expect(canary / 1000).toBeGreaterThan(0.44);
      expect(canary / 1000).toBeLessThan(0.56);
    });
  });

  describe('balance strategies', () => {
    it('round-robin cycles through every target in turn', async () => {
      const seen: (string | undefined)[] = [];
      for (let i = 0; i < 9; i++) seen.push(await instanceOf('/alpha/rr'));
      for (let i = 3; i < 9; i++) expect(seen[i]).toBe(seen[i - 3]);
      expect(new Set(seen)).toEqual(new Set(['a1', 'a2', 'a3']));
    });

    it('least-requests sends to the target with fewer requests in flight', async () => {
      // Two slow requests hold one target each... then one more slow one; the fast one must go
      // to the target with fewer in flight.
      const slow1 = call('/lr/__slow?ms=600');
      await new Promise((r) => setTimeout(r, 50));
      const fast = await call('/lr/fast');
      const slow = await slow1;
      expect(slow.status).toBe(200);
      const first = slow.echo?.instance;
      expect(fast.echo?.instance).toBeDefined();
      expect(fast.echo?.instance).not.toBe(first);
      // Idle again: both targets are used.
      const both = new Set<string | undefined>();
      for (let i = 0; i < 10; i++) both.add(await instanceOf('/lr/x'));
      expect(both.size).toBe(2);
    });

    it('random spreads over every target (each gets 35-65% of 400)', async () => {
      let r1 = 0;
      for (let i = 0; i < 400; i++) if ((await instanceOf('/rnd/x')) === 'r1') r1++;
      expect(r1).toBeGreaterThan(140);
      expect(r1).toBeLessThan(260);
    });

    it.each([
      ['header', (k: string) => ({ path: '/ch/header/x', headers: { 'x-user-id': k } })],
      ['cookie', (k: string) => ({ path: '/ch/cookie/x', headers: { cookie: `a=1; session=${k}` } })],
      ['query', (k: string) => ({ path: `/ch/query/x?user=${k}`, headers: {} })],
      ['path', (k: string) => ({ path: `/ch/path/${k}`, headers: {} })],
    ])('consistent hashing by %s: a key always lands on one target, keys spread over all', async (_n, make) => {
      const targets = new Set<string | undefined>();
      for (let i = 0; i < 60; i++) {
        const { path, headers } = make(`key-${i}`);
        const t = await instanceOf(path, headers);
        targets.add(t);
        for (let j = 0; j < 2; j++) expect(await instanceOf(path, headers)).toBe(t);
      }
      expect(targets).toEqual(new Set(['h1', 'h2', 'h3']));
    });

    it('consistent hashing by client ip: one client, one target', async () => {
      const t = await instanceOf('/ch/ip/x');
      for (let i = 0; i < 10; i++) expect(await instanceOf('/ch/ip/x')).toBe(t);
    });
  });

  describe('rate limits', () => {
    it('X-RateLimit-* on every response, the 80% warning, then 429 with Retry-After; keys are separate', async () => {
      const headers = { 'x-client': `c-${Date.now()}` };
      const replies: Reply[] = [];
      for (let i = 0; i < 6; i++) replies.push(await call('/limited', { headers }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
      for (const r of replies) {
        expect(r.headers['x-ratelimit-limit']).toBe('5');
        expect(r.headers['x-ratelimit-reset']).toBeDefined();
      }
      expect(replies.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0', '0']);
      // 80% used from the 4th admitted request on (remaining 1 of 5), not before.
      expect(replies.map((r) => r.headers['x-ratelimit-warning'] !== undefined)).toEqual([
        false,
        false,
        false,
        true,
        true,
        true,
      ]);
      const denied = replies[5]!;
      expect(Number(denied.headers['retry-after'])).toBeGreaterThan(0);
      expect((await call('/limited', { headers: { 'x-client': `other-${Date.now()}` } })).status).toBe(200);
    });
  });

  describe('rewrites and timeouts', () => {
    it('strip_prefix, replace_prefix and a target base path, query kept', async () => {
      expect((await call('/strip/a/b?q=1')).echo?.url).toBe('/a/b?q=1');
      expect((await call('/replace/v1/x')).echo?.url).toBe('/internal/x');
      expect((await call('/based/y?z=2')).echo?.url).toBe('/base/based/y?z=2');
    });

    it('504 when the upstream does not send headers in headers_ms, or the route timeout_ms passes', async () => {
      const t0 = Date.now();
      const slow = await call('/slowsvc/__hang');
      expect(slow.status).toBe(504);
      expect(slow.headers['x-request-id']).toBeTruthy();
      expect(slow.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(slow.text)).toMatchObject({ error: 'upstream-timeout' });
      const route = await call('/routetimeout/__hang');
      expect(route.status).toBe(504);
      expect(Date.now() - t0).toBeLessThan(3000);
    });
  });

  describe('statuses', () => {
    it('400 for a request the canonicalizer rejects, and for garbage on the wire', async () => {
      expect((await call('/alpha/%zz')).status).toBe(400);
      const raw = await rawExchange(gw.url, 'GET /x HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n');
      expect(raw.startsWith('HTTP/1.1 400')).toBe(true);
    });

    it('502 for a refused connection, a reset and a malformed response', async () => {
      const dead = await call('/dead/x');
      expect(dead.status).toBe(502);
      // The gateway's JSON answer, naming the service but not the upstream's address.
      expect(dead.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(dead.text)).toEqual({
        error: 'upstream-failed',
        message: 'the upstream of service dead failed',
      });
      expect(dead.text).not.toContain('127.0.0.1');
      expect((await call('/alpha/__reset')).status).toBe(502);
      expect((await call('/alpha/__malformed')).status).toBe(502);
    });
  });

  describe('header hygiene', () => {
    it('upstream gets forwarding headers, never hop-by-hop or Connection-named ones, and the gateway keeps its own', async () => {
      // A raw request: HTTP clients (undici included) refuse to send a Connection header like this one.
      const text = await rawExchange(
        gw.url,
        [
          'GET /alpha/h HTTP/1.1',
          'Host: gw.test',
          'Connection: x-request-id, via, x-forwarded-for, forwarded, x-secret, close',
          'X-Secret: hide me',
          'TE: trailers',
          'Keep-Alive: timeout=5',
          'Proxy-Authorization: Basic Zm9v',
          'X-Forwarded-For: 6.6.6.6',
          'X-Request-ID: client-id-123',
          '',
          '',
        ].join('\r\n'),
      );
      const head = text.slice(0, text.indexOf('\r\n\r\n')).toLowerCase();
      const r = { echo: JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as Echo };
      expect(head).toContain('x-request-id: client-id-123');
      const h = r.echo!.headers;
      expect(h['x-secret']).toBeUndefined();
      expect(h['proxy-authorization']).toBeUndefined();
      expect(h.te).toBeUndefined();
      // The peer is not a trusted proxy: its X-Forwarded-For is replaced, not appended to.
      expect(h['x-forwarded-for']).toBe('127.0.0.1');
      expect(String(h.forwarded)).toContain('for=127.0.0.1');
      expect(h.via).toBeTruthy();
      expect(h['x-forwarded-proto']).toBe('http');
      // Naming them in Connection does not strip what the gateway itself adds.
      expect(h['x-request-id']).toBe('client-id-123');
      expect(h['keep-alive']).toBeUndefined();
      expect(h.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    });

    it('client gets no hop-by-hop or upstream-Connection-named fields; repeated fields survive', async () => {
      const r = await call('/alpha/__headers');
      expect(r.status).toBe(200);
      expect(r.headers['x-upstream-private']).toBeUndefined();
      expect(r.headers['proxy-authenticate']).toBeUndefined();
      expect(r.headers['x-upstream-public']).toBe('yes');
      expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(r.headers['x-request-id']).toBeTruthy();
    });
  });

  describe('streaming and aborts', () => {
    it('streams a 50 MB body up and the same 50 MB back with flat memory', async () => {
      const size = 50 * 1024 * 1024;
      const chunk = Buffer.alloc(256 * 1024, 120);
      let sent = 0;
      const body = Readable.from(
        (async function* () {
          while (sent < size) {
            sent += chunk.length;
            yield chunk;
          }
        })(),
      );
      // Live memory is sampled after a full GC each time, so garbage read buffers (freed at the
      // next collection) do not count and a buffered body (held until it is sent) would.
      const gc = forceGc();
      const live = () => {
        // Twice: V8 sweeps dead ArrayBuffers on a background thread, and `arrayBuffers` drops only
        // once that sweep is done; a second collection finishes the first one's sweep first (on
        // a loaded machine the lag alone showed up to +30 MiB of already-dead buffers, any door).
        gc();
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const base = live();
      const rssBefore = process.memoryUsage().rss;
      let peakLive = base;
      let peakRss = rssBefore;
      const sampler = setInterval(() => {
        peakLive = Math.max(peakLive, live());
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }, 100);
      const res = await request(`${gw.url}/alpha/__pipe`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' },
        dispatcher: agent,
      });
      let received = 0;
      let maxGap = 0;
      for await (const c of res.body) {
        received += (c as Buffer).length;
        // Bytes sent but not yet back: what sits in the gateway, the upstream and the socket buffers.
        maxGap = Math.max(maxGap, sent - received);
      }
      clearInterval(sampler);
      expect(res.statusCode).toBe(200);
      expect(received).toBe(size);
      console.log(
        `[${door.name}] 50 MB both ways: live memory +${((peakLive - base) / 2 ** 20).toFixed(1)} MiB, RSS +${((peakRss - rssBefore) / 2 ** 20).toFixed(1)} MiB, max in transit ${(maxGap / 2 ** 20).toFixed(1)} MiB`,
      );
      // Buffering either direction would hold up to 50 MB at once; streaming holds socket buffers.
      expect(peakLive - base).toBeLessThan(16 * 2 ** 20);
      expect(maxGap).toBeLessThan(24 * 2 ** 20);
    });

    it('request_headers and response_headers edit what goes up and what comes back', async () => {
      const r = await call('/edits/echo', { headers: { cookie: 'a=1', 'x-api-key': 'forged', 'x-keep': 'k' } });
      expect(r.status).toBe(200);
      expect(r.echo?.headers['x-api-key']).toBe('k1');
      expect(r.echo?.headers.cookie).toBeUndefined();
      expect(r.echo?.headers['x-keep']).toBe('k');
      expect(r.echo?.headers['x-request-id']).toBe(r.headers['x-request-id']);
      expect(r.headers['x-frame-options']).toBe('DENY');
      const h = await call('/edits/__headers');
      expect(h.headers['x-upstream-public']).toBeUndefined();
      expect(h.headers['x-frame-options']).toBe('DENY');
    });

    it('max_body_bytes: 413 for a declared length over it without asking the upstream; a chunked body past it is cut off upstream', async () => {
      const before = ups.b.requests;
      const big = await call('/capped/__upload', { method: 'POST', body: 'x'.repeat(4097) });
      expect(big.status).toBe(413);
      expect(JSON.parse(big.text).error).toBe('payload-too-large');
      expect(big.headers.connection).toBe('close');
      expect(big.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
      expect(ups.b.requests).toBe(before);
      const fits = await call('/capped/__upload', { method: 'POST', body: 'x'.repeat(4096) });
      expect(JSON.parse(fits.text)).toEqual({ bytes: 4096 });
      const small = await request(`${gw.url}/capped/__upload`, {
        method: 'POST',
        body: Readable.from([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]),
        dispatcher: agent,
      });
      expect(await small.body.json()).toEqual({ bytes: 2000 });

      // Chunked past the limit: the first 2 KiB go up, the next 4 KiB tip it over. The client gets
      // 413 and its connection closes; the upstream sees its upload end early.
      const aborted = ups.b.abortedUploads;
      const port = Number(new URL(gw.url).port);
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        answer += d;
      });
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      socket.on('error', () => {});
      await new Promise<void>((r) => socket.once('connect', () => r()));
      const chunk = (n: number) => `${n.toString(16)}\r\n${'y'.repeat(n)}\r\n`;
      socket.write(`POST /capped/__upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(2048)}`);
      await new Promise((r) => setTimeout(r, 50));
      socket.write(chunk(4096));
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(answer).toContain('"error":"payload-too-large"');
      expect(await eventually(() => ups.b.abortedUploads === aborted + 1)).toBe(true);
    });

    it('a client abort mid-upload cancels the upstream request and leaves no upstream socket open', async () => {
      const up = await startUpstream('abort', 'x1');
      await gw.reload({
        ...scenarioConfig(ups),
        services: { ...(scenarioConfig(ups) as { services: object }).services, abort: { targets: [up.origin] } },
        routes: [...(scenarioConfig(ups) as { routes: object[] }).routes, { path: '/abort/*', service: 'abort' }],
      });
      try {
        const port = Number(new URL(gw.url).port);
        const socket = connect(port, '127.0.0.1');
        await new Promise<void>((r) => socket.once('connect', () => r()));
        socket.write(`POST /abort/__upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
        socket.write(Buffer.alloc(1024 * 1024, 1));
        expect(await eventually(() => up.openConnections === 1)).toBe(true);
        socket.destroy();
        expect(await eventually(() => up.abortedUploads === 1)).toBe(true);
        expect(await eventually(() => up.openConnections === 0)).toBe(true);

        // Mid-download: read 1 MB of 50, then go away.
        const res = await request(`${gw.url}/abort/__download?bytes=${50 * 1024 * 1024}`, { dispatcher: agent });
        let got = 0;
        for await (const c of res.body) {
          got += (c as Buffer).length;
          if (got > 1024 * 1024) break;
        }
        expect(await eventually(() => up.abortedDownloads === 1)).toBe(true);
        expect(await eventually(() => up.openConnections === 0)).toBe(true);
      } finally {
        await gw.reload(scenarioConfig(ups));
        await up.close();
      }
    });
  });

  describe('resilience', () => {
    const id = () => `${door.name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

    it('a refused connection is retried on the other target: every GET answers 200 and reaches it once', async () => {
      for (let i = 0; i < 4; i++) {
        const url = `/r1/get-${id()}`;
        const r = await call(url);
        expect(r.status).toBe(200);
        expect(r.echo?.instance).toBe('g1');
        expect(ups.r.good.hits(url)).toBe(1);
      }
    });

    it("pass_host_header: false sends the target's own Host, the retried target's after a refused connection", async () => {
      const good = new URL(ups.r.good.origin).host;
      for (let i = 0; i < 4; i++) {
        const r = await call(`/vhost/get-${id()}`, { headers: { host: 'api.example.com' } });
        expect(r.status).toBe(200);
        expect(r.echo?.headers.host).toBe(good);
        expect(r.echo?.headers['x-forwarded-host']).toBe('api.example.com');
      }
      // The client's Host still goes upstream for a service that passes it (the default).
      expect((await call(`/r1/get-${id()}`, { headers: { host: 'api.example.com' } })).echo?.headers.host).toBe(
        'api.example.com',
      );
    });

    it('a POST is retried after a refused connection only where the route allows it, and never reaches the upstream twice', async () => {
      // `retry: idempotent` (the default): of two POSTs in a row over [refused, live], exactly one is refused.
      const urls = [`/r1/post-${id()}`, `/r1/post-${id()}`];
      const statuses: number[] = [];
      for (const url of urls) statuses.push((await call(url, { method: 'POST', body: 'x'.repeat(1000) })).status);
      expect([...statuses].sort()).toEqual([200, 502]);
      expect(urls.map((u) => ups.r.good.hits(u)).sort()).toEqual([0, 1]);
      // `retry: always`: a refused connection sent nothing, so the body goes to the live target, once.
      for (let i = 0; i < 3; i++) {
        const url = `/r1post/p-${id()}`;
        const r = await call(url, { method: 'POST', body: 'y'.repeat(5000) });
        expect(r.status).toBe(200);
        expect(r.echo?.method).toBe('POST');
        expect(r.echo?.bodyBytes).toBe(5000);
        expect(ups.r.good.hits(url)).toBe(1);
      }
    });

    it('every target refused: 502 once the attempts are spent', async () => {
      const r = await call(`/rall/${id()}`);
      expect(r.status).toBe(502);
      expect(r.headers['x-request-id']).toBeTruthy();
    });

    it('503 with Retry-After: retried no sooner than asked; too long a Retry-After goes to the client', async () => {
      const url = `/flaky/__flaky?n=1&after=1&id=${id()}`;
      const t0 = Date.now();
      const r = await call(url);
      expect(r.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
      expect(ups.r.flaky.hits(url)).toBe(2);
      const long = `/flaky/__flaky?n=1&after=5&id=${id()}`;
      const passed = await call(long);
      expect(passed.status).toBe(503);
      expect(passed.headers['retry-after']).toBe('5');
      expect(ups.r.flaky.hits(long)).toBe(1);
    });

    it('a 503 to a POST whose body went upstream is never resent, even where the route allows retries', async () => {
      const url = `/flakypost/__flaky?n=1&after=0&id=${id()}`;
      const r = await call(url, { method: 'POST', body: 'z'.repeat(2000) });
      expect(r.status).toBe(503);
      expect(ups.r.flaky.hits(url)).toBe(1);
      // Without a body nothing was streamed: the same POST is retried and answered.
      const bare = `/flakypost/__flaky?n=1&after=0&id=${id()}`;
      expect((await call(bare, { method: 'POST' })).status).toBe(200);
      expect(ups.r.flaky.hits(bare)).toBe(2);
    });

    it('a reset before the response is retried up to `attempts` for a GET, never for a POST with a body', async () => {
      const get = `/flaky/__reset?id=${id()}`;
      expect((await call(get)).status).toBe(502);
      expect(ups.r.flaky.hits(get)).toBe(3);
      const post = `/flakypost/__reset?id=${id()}`;
      expect((await call(post, { method: 'POST', body: 'w'.repeat(3000) })).status).toBe(502);
      expect(ups.r.flaky.hits(post)).toBe(1);
    });

    it('a reset mid-body reaches the client as a truncated body; nothing is retried', async () => {
      const url = `/flaky/__reset-mid?id=${id()}`;
      const res = await request(`${gw.url}${url}`, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      await expect(res.body.arrayBuffer()).rejects.toThrow();
      expect(ups.r.flaky.hits(url)).toBe(1);
    });

    it('a stalled upstream gives 504 after headers_ms and is not retried', async () => {
      const url = `/flaky/__hang?id=${id()}`;
      const t0 = Date.now();
      expect((await call(url)).status).toBe(504);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(ups.r.flaky.hits(url)).toBe(1);
    });

    it('a failing target opens its breaker after 2 consecutive 500s and gets no request after that', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await call(`/brk/${id()}`)).status);
      // Round-robin over [bad, fine]: bad fails twice (the 1st and 3rd request), then is skipped.
      expect(statuses).toEqual([500, 200, 500, 200, 200, 200, 200, 200, 200, 200]);
      expect(ups.r.bad.hitsUnder('/brk/')).toBe(2);
    });

    it('a flapping target: health checks take it out of rotation and bring it back', async () => {
      const { flap, steady } = ups.r;
      const round = async () => {
        const seen: string[] = [];
        for (let i = 0; i < 6; i++) seen.push((await call(`/hc/${id()}`)).echo?.instance ?? 'error');
        return seen;
      };
      const until = async (want: (seen: string[]) => boolean) => {
        const end = Date.now() + 5000;
        while (Date.now() < end) {
          if (want(await round())) return true;
          await new Promise((r) => setTimeout(r, 50));
        }
        return false;
      };
      expect(await until((seen) => new Set(seen).size === 2)).toBe(true);
      for (let flips = 0; flips < 2; flips++) {
        flap.setHealthy(false);
        expect(await until((seen) => seen.every((s) => s === 'steady'))).toBe(true);
        const before = flap.hitsUnder('/hc/');
        expect((await round()).every((s) => s === 'steady')).toBe(true);
        expect(flap.hitsUnder('/hc/')).toBe(before);
        flap.setHealthy(true);
        expect(await until((seen) => seen.includes('flap') && seen.includes('steady'))).toBe(true);
      }
      expect(steady.hitsUnder('/hc/')).toBeGreaterThan(0);
    });

    it('a Server-Sent Events stream outlives headers_ms: the default whole-request timeout is none', async () => {
      const t0 = Date.now();
      const res = await request(`${gw.url}/sse/__sse?events=5&gap=150`, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      const text = await res.body.text();
      expect(text.match(/^data: /gm)?.length).toBe(5);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    });

    it("a route's own timeouts override its service's", async () => {
      // alpha waits 30 s for response headers; the route waits 200 ms (undici checks it every ~0.5 s).
      const t0 = Date.now();
      expect((await call('/rt/__hang')).status).toBe(504);
      expect(Date.now() - t0).toBeLessThan(2500);
      expect((await call('/alpha/__slow?ms=300')).status).toBe(200);
    });
  });

  describe('reload', () => {
    it('under steady load: zero failed requests, and new requests see the new table', async () => {
      if (door.cannot.reload) {
        console.log(`[${door.name}] reload scenario not run: ${door.cannot.reload}`);
        expect(door.cannot.reload).toBeTruthy();
        return;
      }
      let failed = 0;
      let done = 0;
      let running = true;
      const seen = new Set<string | undefined>();
      const worker = async () => {
        while (running) {
          const r = await call('/flip').catch(() => undefined);
          if (r?.status === 200) seen.add(r.echo?.service);
          else failed++;
          done++;
        }
      };
      const workers = Array.from({ length: 4 }, worker);
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 120));
        await gw.reload(scenarioConfig(ups, i % 2 === 0 ? 'two' : 'one'));
      }
      await new Promise((r) => setTimeout(r, 120));
      running = false;
      await Promise.all(workers);
      expect(failed).toBe(0);
      expect(done).toBeGreaterThan(50);
      expect(seen).toEqual(new Set(['stable', 'canary']));
      expect((await call('/flip')).echo?.service).toBe('stable');
    });

    it('a target removed while requests to it are in flight: they finish once, new requests see the new table', async () => {
      if (door.cannot.reload) {
        console.log(`[${door.name}] removed-target scenario not run: ${door.cannot.reload}`);
        expect(door.cannot.reload).toBeTruthy();
        return;
      }
      const up = await startUpstream('gone', 'g1');
      const base = scenarioConfig(ups) as { services: object; routes: object[] };
      await gw.reload({
        ...base,
        services: { ...base.services, gone: { targets: [up.origin] } },
        routes: [...base.routes, { path: '/gone/*', service: 'gone' }],
      });
      try {
        const inFlight = ['GET', 'POST', 'GET', 'POST'].map((method) =>
          call('/gone/__slow?ms=800', method === 'POST' ? { method, body: 'once' } : {}),
        );
        expect(await eventually(() => up.requests === 4)).toBe(true);
        // The service and its only target leave the config while all four are at the upstream.
        await gw.reload(scenarioConfig(ups));
        const replies = await Promise.all(inFlight);
        expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
        expect(up.requests).toBe(4); // none sent twice, none lost
        expect((await call('/gone/after')).status).toBe(404);
        expect(up.requests).toBe(4);
        // The removed target's pool is closed once its requests are done.
        expect(await eventually(() => up.openConnections === 0)).toBe(true);
      } finally {
        await gw.reload(scenarioConfig(ups));
        await up.close();
      }
    });

    it('keeps the old table when the new config does not compile; unchanged limits keep their budgets', async () => {
      const headers = { 'x-client': `reload-${Date.now()}` };
      await call('/limited', { headers });
      await call('/limited', { headers });
      await expect(gw.reload({ routes: [{ path: '/x', service: 'missing' }] })).rejects.toThrow(/missing/);
      expect((await call('/alpha/still')).status).toBe(200);
      await gw.reload(scenarioConfig(ups, 'two'));
      const third = await call('/limited', { headers });
      expect(third.headers['x-ratelimit-remaining']).toBe('2');
      await gw.reload(scenarioConfig(ups));
    });
  });

  describe('WebSocket and other upgrades', () => {
    it('a WebSocket is routed, piped both ways, and closed after idle_ms', async () => {
      if (door.cannot.websocket) {
        console.log(`[${door.name}] WebSocket scenario not run: ${door.cannot.websocket}`);
        expect(door.cannot.websocket).toBeTruthy();
        return;
      }
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws`);
      const hello = await new Promise<string>((resolve, reject) => {
        ws.once('message', (d) => resolve(d.toString()));
        ws.once('error', reject);
      });
      const info = JSON.parse(hello) as { instance: string; headers: Record<string, string> };
      expect(info.instance).toBe('w1');
      expect(info.headers['x-forwarded-for']).toBe('127.0.0.1');
      for (const m of ['one', 'two']) {
        ws.send(m);
        expect(await new Promise<string>((r) => ws.once('message', (d) => r(d.toString())))).toBe(`w1:${m}`);
      }
      const t0 = Date.now();
      await new Promise<void>((r) => ws.once('close', () => r()));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    });

    it('a WebSocket handshake is rate limited like any request', async () => {
      if (door.cannot.websocket) {
        console.log(`[${door.name}] WebSocket limit scenario not run: ${door.cannot.websocket}`);
        expect(door.cannot.websocket).toBeTruthy();
        return;
      }
      const open = (path: string) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`${gw.url.replace('http', 'ws')}${path}`);
          ws.once('open', () => {
            ws.close();
            resolve(101);
          });
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.once('error', () => resolve(-1));
        });
      expect(await open('/wslimited')).toBe(101);
      expect(await open('/wslimited')).toBe(429);
      expect(await open('/nowhere')).toBe(404);
      // The gateway's own answer to a handshake is one well-formed head: one Content-Type (the
      // decision's JSON one), one X-Request-ID.
      const text = await rawExchange(
        gw.url,
        'GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      const head = text.slice(0, text.indexOf('\r\n\r\n')).toLowerCase().split('\r\n');
      expect(head[0]).toMatch(/^http\/1\.1 404/);
      expect(head.filter((l) => l.startsWith('content-type:'))).toHaveLength(1);
      expect(head.filter((l) => l.startsWith('x-request-id:'))).toHaveLength(1);
    });

    it('an h2c upgrade is never passed upstream: served as plain HTTP/1.1', async () => {
      if (door.cannot.h2c) {
        console.log(`[${door.name}] h2c scenario not run: ${door.cannot.h2c}`);
        expect(door.cannot.h2c).toBeTruthy();
        return;
      }
      const text = await rawExchange(
        gw.url,
        'GET /alpha/h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
        (buf) => buf.endsWith('\r\n0\r\n\r\n') || /content-length: \d+\r\n[\s\S]*\r\n\r\n\{[\s\S]*\}$/i.test(buf),
      );
      expect(text.startsWith('HTTP/1.1 200')).toBe(true);
      const echo = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as Echo;
      expect(echo.headers.upgrade).toBeUndefined();
      expect(echo.headers['http2-settings']).toBeUndefined();
    });
  });
});

/** A full-GC function: `global.gc` when exposed, else the same obtained through V8's flags. */
function forceGc(): () => void {
  if (typeof global.gc === 'function') return global.gc as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Writes `raw` on a fresh connection and resolves with what comes back (until close, or `done`). */
function rawExchange(url: string, raw: string, done?: (buf: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString();
      if (done?.(buf)) {
        socket.destroy();
        resolve(buf);
      }
    });
    socket.on('close', () => resolve(buf));
    socket.on('error', reject);
    socket.write(raw);
  });
}
