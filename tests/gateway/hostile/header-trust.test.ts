// Hostile input, header trust: what a client (or an upstream) may make the gateway forward or
// drop by the fields it sends. Raw sockets against every front door; the recording upstream shows
// exactly what got through. Sources: RFC 9110 §7.6.1 (hop-by-hop, Connection), §7.2 and RFC 9112
// §3.2 (Host), §3.2.2 (absolute-form), RFC 7239 (Forwarded), and the "Connection: x-forwarded-for"
// hop-by-hop abuse reported against proxies (Traefik CVE-2024-45410, and the class described in
// "Abusing HTTP hop-by-hop request headers", N. Jones 2019).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontDoors, type RunningDoor } from '../e2e/front-doors.js';
import {
  eventually,
  exchange,
  expectNoNewHandles,
  expectQuiet,
  fieldValues,
  HOST,
  handleCounts,
  head,
  hostileConfig,
  marker,
  only,
  RESPONSE_HOP_FIELDS,
  type RecordingUpstream,
  ROOMY_DEADLINES,
  startRecordingUpstream,
} from './harness.js';

for (const door of frontDoors) {
  describe(`hostile input, header trust: ${door.name}`, () => {
    let up: RecordingUpstream;
    let gw: RunningDoor;
    let trusting: RunningDoor;
    let handles: Record<string, number>;

    beforeAll(async () => {
      up = await startRecordingUpstream();
      handles = handleCounts();
      gw = await door.start(hostileConfig(up), ROOMY_DEADLINES);
      trusting = await door.start(hostileConfig(up, true), ROOMY_DEADLINES);
    });

    afterAll(async () => {
      await gw.close();
      await trusting.close();
      expect(await eventually(() => up.openConnections === 0), 'upstream connections after close').toBe(true);
      await expectNoNewHandles(handles);
      await up.close();
    });

    it.concurrent('Connection naming the gateway own fields cannot remove them (RFC 9110 §7.6.1)', async () => {
      const id = marker('conn-own');
      const x = await exchange(
        gw.url,
        head(
          'GET',
          '/api/x',
          id,
          'Connection: keep-alive, X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Forwarded, Via, X-Request-ID, traceparent, Host',
          'X-Request-ID: client-id-1',
        ),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(fieldValues(r, 'x-forwarded-for')).toEqual(['127.0.0.1']);
      expect(fieldValues(r, 'x-forwarded-proto')).toEqual(['http']);
      expect(fieldValues(r, 'x-forwarded-host')).toEqual([HOST]);
      expect(fieldValues(r, 'forwarded')).toEqual([`for=127.0.0.1;host=${HOST};proto=http`]);
      expect(fieldValues(r, 'via')).toEqual(['1.1 hostile']);
      expect(fieldValues(r, 'x-request-id')).toEqual(['client-id-1']);
      expect(fieldValues(r, 'traceparent')).toHaveLength(1);
      expect(fieldValues(r, 'host')).toEqual([HOST]);
      expect(x.responses[0]!.header('x-request-id')).toBe('client-id-1');
    });

    it.concurrent('Connection cannot strip Content-Length: the body still arrives framed (RFC 9112 §6.3)', async () => {
      const id = marker('conn-cl');
      const x = await exchange(
        gw.url,
        `${head('POST', '/api/x', id, 'Connection: Content-Length', 'Content-Length: 5')}hello`,
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(r.body.toString()).toBe('hello');
      expect(fieldValues(r, 'content-length')).toEqual(['5']);
    });

    it.concurrent('a field the client names in Connection is not forwarded (RFC 9110 §7.6.1)', async () => {
      const id = marker('conn-named');
      const x = await exchange(
        gw.url,
        head('GET', '/api/x', id, 'Connection: X-Private, close', 'X-Private: secret', 'Authorization: Bearer t'),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(fieldValues(r, 'x-private')).toEqual([]);
      expect(fieldValues(r, 'authorization')).toEqual(['Bearer t']);
    });

    it.concurrent('no hop-by-hop request field reaches the upstream (RFC 9110 §7.6.1, §11.7.2)', async () => {
      const id = marker('hop-req');
      const x = await exchange(
        gw.url,
        head(
          'GET',
          '/api/x',
          id,
          'Keep-Alive: timeout=999',
          'Proxy-Connection: keep-alive',
          'TE: trailers',
          'Trailer: X-T',
          'Proxy-Authorization: Basic Y2xpZW50OnNlY3JldA==',
          'HTTP2-Settings: AAMAAABkAAQAAP__',
        ),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      for (const f of ['keep-alive', 'proxy-connection', 'te', 'trailer', 'proxy-authorization', 'http2-settings'])
        expect(fieldValues(r, f), f).toEqual([]);
      expect(up.rawText()).not.toContain('Y2xpZW50OnNlY3JldA==');
    });

    it.concurrent('an h2c upgrade is served as plain HTTP/1.1, Upgrade never forwarded (RFC 9113 §3.1)', async () => {
      const id = marker('h2c');
      const x = await exchange(
        gw.url,
        head(
          'GET',
          '/api/x',
          id,
          'Connection: Upgrade, HTTP2-Settings',
          'Upgrade: h2c',
          'HTTP2-Settings: AAMAAABkAAQAAP__',
        ),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(fieldValues(r, 'upgrade')).toEqual([]);
      expect(fieldValues(r, 'http2-settings')).toEqual([]);
      expect(x.responses.some((res) => res.status === 101)).toBe(false);
    });

    it.concurrent('hop-by-hop and Connection-named response fields never reach the client (RFC 9110 §7.6.1)', async () => {
      const id = marker('hop-res');
      const x = await exchange(gw.url, head('GET', '/api/__hop', id));
      expect(x.status).toBe(200);
      const res = x.responses[0]!;
      for (const [name] of RESPONSE_HOP_FIELDS) {
        const lower = name.toLowerCase();
        // The front door's own `Connection` and `Keep-Alive` (for this client connection) are its to
        // send: only the upstream's values must not show through.
        if (lower === 'connection') expect(res.header('connection') ?? '', name).toMatch(/^(keep-alive|close)$/);
        else if (lower === 'keep-alive') expect(res.header(lower) ?? 'timeout=0', name).toMatch(/^timeout=\d+$/);
        else expect(res.header(lower), name).toBeUndefined();
      }
      expect(res.header('x-up-public')).toBe('yes');
      expect(x.raw.toString('latin1')).not.toContain('named-in-connection');
    });

    it.concurrent('spoofed forwarding headers from an untrusted peer are replaced (RFC 7239 §8.1)', async () => {
      const id = marker('spoof');
      const x = await exchange(
        gw.url,
        head(
          'GET',
          '/api/x',
          id,
          'X-Forwarded-For: 6.6.6.6',
          'X-Forwarded-For: 7.7.7.7, 8.8.8.8',
          'X-Forwarded-Proto: https',
          'X-Forwarded-Host: evil.test',
          'Forwarded: for=6.6.6.6;proto=https;host=evil.test',
          'X-Real-IP: 6.6.6.6',
          'True-Client-IP: 6.6.6.6',
          'X-Client-IP: 6.6.6.6',
          'X-Original-URL: /admin',
          'X-Rewrite-URL: /admin',
          'X-Forwarded-Prefix: /admin',
          'X-Forwarded-Port: 443',
        ),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(fieldValues(r, 'x-forwarded-for')).toEqual(['127.0.0.1']);
      expect(fieldValues(r, 'x-forwarded-proto')).toEqual(['http']);
      expect(fieldValues(r, 'x-forwarded-host')).toEqual([HOST]);
      expect(fieldValues(r, 'forwarded')).toEqual([`for=127.0.0.1;host=${HOST};proto=http`]);
      for (const f of [
        'x-real-ip',
        'true-client-ip',
        'x-client-ip',
        'x-original-url',
        'x-rewrite-url',
        'x-forwarded-prefix',
        'x-forwarded-port',
      ])
        expect(fieldValues(r, f), f).toEqual([]);
      const raw = up.rawText();
      expect(raw).not.toContain('6.6.6.6');
      expect(raw).not.toContain('evil.test');
    });

    it.concurrent('a trusted peer extends the forwarding chain instead (RFC 7239 §4)', async () => {
      const id = marker('trusted');
      const x = await exchange(
        trusting.url,
        head(
          'GET',
          '/api/x',
          id,
          'X-Forwarded-For: 203.0.113.9',
          'X-Forwarded-Proto: https',
          'Forwarded: for=203.0.113.9;proto=https',
          'X-Real-IP: 203.0.113.9',
        ),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(fieldValues(r, 'x-forwarded-for')).toEqual(['203.0.113.9, 127.0.0.1']);
      expect(fieldValues(r, 'x-forwarded-proto')).toEqual(['https']);
      expect(fieldValues(r, 'forwarded')).toEqual([
        `for=203.0.113.9;proto=https, for=127.0.0.1;host=${HOST};proto=http`,
      ]);
      expect(fieldValues(r, 'x-real-ip')).toEqual(['203.0.113.9']);
    });

    it.concurrent('underscore look-alikes of forwarding and framing fields are dropped (CGI/WSGI map _ and - alike)', async () => {
      const id = marker('underscore');
      const x = await exchange(
        gw.url,
        head(
          'GET',
          '/api/x',
          id,
          'X_Forwarded_For: 6.6.6.6',
          'X_Forwarded_Host: evil.test',
          'X_Forwarded_Proto: https',
          'X_Real_IP: 6.6.6.6',
          'X_Request_ID: evil-id',
          'Transfer_Encoding: chunked',
          'Content_Length: 10',
          'Proxy_Authorization: Basic x',
          'X_Custom_Field: kept',
        ),
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      const names = r.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names.filter((n) => n.includes('_'))).toEqual(['x_custom_field']);
      expect(up.rawText()).not.toContain('6.6.6.6');
      expect(up.rawText()).not.toContain('evil');
    });

    it.concurrent('two Host fields are rejected 400, nothing forwarded (RFC 9112 §3.2)', async () => {
      const id = marker('host-dup');
      const x = await exchange(gw.url, `GET /api/${id} HTTP/1.1\r\nHost: ${HOST}\r\nHost: evil.test\r\n\r\n`);
      expect(x.status).toBe(400);
      expect(up.find(id)).toEqual([]);
    });

    for (const [what, host] of [
      ['a path', `${HOST}/evil`],
      ['user info', `user@${HOST}`],
      ['a space', `${HOST} evil.test`],
      ['an unclosed IPv6 literal', '[::1'],
      ['a bad port', `${HOST}:99x`],
      ['a backslash', `${HOST}\\evil`],
      ['a comma list', `${HOST}, evil.test`],
    ] as const) {
      it.concurrent(`a Host with ${what} is rejected 400 (RFC 9112 §3.2, RFC 3986 §3.2.2)`, async () => {
        const id = marker('host-bad');
        const x = await exchange(gw.url, `GET /api/${id} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        expect(x.status).toBe(400);
        expect(up.find(id)).toEqual([]);
      });
    }

    it.concurrent('HTTP/1.1 without Host is rejected 400 (RFC 9112 §3.2)', async () => {
      const id = marker('host-none');
      const x = await exchange(gw.url, `GET /api/${id} HTTP/1.1\r\nX-Case: ${id}\r\n\r\n`);
      expect(x.status).toBe(400);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('an absolute-form target wins over a disagreeing Host, sent upstream as the one Host (RFC 9112 §3.2.2)', async () => {
      const id = marker('abs');
      const x = await exchange(gw.url, `GET http://other.test/api/${id} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(fieldValues(r, 'host')).toEqual(['other.test']);
      expect(fieldValues(r, 'x-forwarded-host')).toEqual(['other.test']);
      expect(r.url).toBe(`/api/${id}`);
    });

    for (const [what, target] of [
      ['user info (RFC 9110 §4.2.4)', 'http://user:pw@other.test/api/'],
      ['a non-http scheme', 'ftp://other.test/api/'],
      ['an empty authority', 'http:///api/'],
    ] as const) {
      it.concurrent(`an absolute-form target with ${what} is rejected 400`, async () => {
        const id = marker('abs-bad');
        const x = await exchange(gw.url, `GET ${target}${id} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
        expect(x.status).toBe(400);
        expect(up.find(id)).toEqual([]);
      });
    }

    it.concurrent('a WebSocket upgrade with two Host fields is refused 400 before any tunnel (RFC 9112 §3.2)', async () => {
      const id = marker('ws-host');
      const x = await exchange(
        gw.url,
        `GET /api/${id} HTTP/1.1\r\nHost: ${HOST}\r\nHost: evil.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        { responses: 0, timeoutMs: 3_000 },
      );
      expect(x.responses.map((r) => r.status)).toEqual([400]);
      expect(x.responses[0]!.headers.filter(([n]) => n === 'connection')).toEqual([['connection', 'close']]);
      expect(up.find(id)).toEqual([]);
    });

    const wsHead = (id: string, ...fields: string[]) =>
      `GET /api/${id} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
    const hidden = (id: string) => `GET /api/smuggled-${id} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
    const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';

    for (const [what, fields, body] of [
      ['a Content-Length body', [KEY, 'Content-Length: 38'], hidden],
      ['a chunked body', [KEY, 'Transfer-Encoding: chunked'], (id: string) => `26\r\n${hidden(id)}\r\n0\r\n\r\n`],
      ['no Sec-WebSocket-Key', [], hidden],
      ['a Sec-WebSocket-Key that is not 16 bytes', ['Sec-WebSocket-Key: x'], hidden],
      ['two Sec-WebSocket-Key fields', [KEY, 'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=='], hidden],
    ] as const) {
      it.concurrent(`a WebSocket handshake with ${what} is refused 400, nothing upstream (RFC 6455 §4.1, §4.2.1)`, async () => {
        const id = marker('ws-bad');
        const x = await exchange(gw.url, wsHead(id, ...fields) + body(id), { responses: 0, timeoutMs: 3_000 });
        expect(x.responses.map((r) => r.status)).toEqual([400]);
        expect(x.closedByServer).toBe(true);
        expect(up.find(id)).toEqual([]);
        expect(up.rawText()).not.toContain(`smuggled-${id}`);
      });
    }

    it.concurrent('Expect: 100-continue is answered by the door and never forwarded (RFC 9110 §10.1.1)', async () => {
      const id = marker('expect');
      const x = await exchange(
        gw.url,
        [head('POST', '/api/x', id, 'Expect: 100-continue', 'Content-Length: 5'), 'hello'],
        {
          gapMs: 100,
        },
      );
      expect(x.responses.map((r) => r.status)).toEqual([100, 200]);
      const r = only(up, id);
      expect(fieldValues(r, 'expect')).toEqual([]);
      expect(r.body.toString()).toBe('hello');
    });

    it.concurrent('an expectation other than 100-continue: 417, nothing upstream (RFC 9110 §10.1.1)', async () => {
      const id = marker('expect-bad');
      const x = await exchange(gw.url, head('POST', '/api/x', id, 'Expect: evil', 'Content-Length: 0'));
      expect(x.status).toBe(417);
      expect(up.find(id)).toEqual([]);
    });

    it('leaves no request, connection or upstream socket behind', async () => {
      await expectQuiet(gw, up, 16);
      await expectQuiet(trusting, up, 32);
    });
  });
}
