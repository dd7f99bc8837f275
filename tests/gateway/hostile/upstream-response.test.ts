// Hostile input from the other side: an upstream (compromised, buggy, or a shared backend serving
// attacker-controlled bytes) answers with framing or fields a client must never see, or with extra
// bytes that would desynchronize a pooled connection and hand one client's answer to another
// (response smuggling / queue poisoning, the mirror image of request smuggling; response
// splitting, CWE-113). The
// upstream here is a raw TCP server that writes exactly the bytes of each case. Outcome asserted:
// a 502 (the gateway's own answer, never the malformed one), no byte of the poison at the client,
// and the next request on the pool gets a real answer.
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webSocketAccept } from '../../../packages/adapters/src/gateway/pipeline/websocket.js';
import { frontDoors, type RunningDoor } from '../e2e/front-doors.js';
import { eventually, exchange, expectNoNewHandles, HOST, handleCounts, marker, ROOMY_DEADLINES } from './harness.js';

/** What the raw upstream answers, by the first path segment after `/raw/`. */
const ANSWERS: Record<string, string> = {
  fold: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Folded: a\r\n POISON\r\n\r\nok',
  barecr: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Cr: a\rPOISON: 1\r\n\r\nok',
  nul: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Nul: a\x00POISON\r\n\r\nok',
  clte: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nPOISON\r\n0\r\n\r\n',
  twocl: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 6\r\n\r\nPOISON',
  badte: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\nPOISON',
  badstatus: 'HTTP/1.1 2000 POISON\r\nContent-Length: 0\r\n\r\n',
  huge: `HTTP/1.1 200 OK\r\nX-Huge: ${'P'.repeat(70_000)}POISON\r\nContent-Length: 2\r\n\r\nok`,
  space: 'HTTP/1.1 200 OK\r\nContent-Length : 6\r\n\r\nPOISON',
  status: 'HTTP/1.1 600 POISON\r\nContent-Length: 6\r\n\r\nPOISON',
  // RFC 9110 §8.6: a 304 may announce the length of the representation it does not carry.
  notmodified: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 6\r\nETag: "v1"\r\n\r\n',
  // A 204 must not announce one; the bytes after its head are a poisoned answer nobody asked for.
  // 103 Early Hints before the answer: its Link goes on, its other fields do not.
  hints:
    'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\nX-Upstream-Only: POISON\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  nocontent: 'HTTP/1.1 204 No Content\r\nContent-Length: 44\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON',
};

/** A raw upstream: `/raw/<case>` gets its bytes; `/extra` an answer with a poisoned tail; anything else `real`. */
async function rawUpstream(): Promise<{ origin: string; server: Server; open: Set<Socket> }> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const line = buffered.slice(0, buffered.indexOf('\r\n'));
        const headText = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const path = line.split(' ')[1] ?? '/';
        const answer = ANSWERS[/^\/raw\/([a-z]+)/.exec(path)?.[1] ?? ''];
        if (answer !== undefined) {
          socket.end(answer);
          return;
        }
        if (path.startsWith('/extra')) {
          // A complete answer, then a second one nobody asked for, on a connection kept open.
          socket.write(
            'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' +
              'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Smuggled: 1\r\n\r\nPOISON',
          );
          continue;
        }
        const ws = /^\/ws101\/([a-z]+)/.exec(path)?.[1];
        if (ws !== undefined) {
          // A 101 to a WebSocket handshake; what the client sends after it is then read here as
          // requests, so a tunnel the gateway opened would carry plain HTTP past every route.
          const key = /sec-websocket-key: *(\S+)/i.exec(headText)?.[1] ?? '';
          const accept = ws === 'valid' ? webSocketAccept(key) : 'bm90IHRoZSByaWdodCBvbmU=';
          const upgrade = ws === 'h2c' ? 'h2c' : 'websocket';
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${upgrade}\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
          );
          continue;
        }
        if (path.startsWith('/short')) {
          socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part');
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, open };
}

for (const door of frontDoors) {
  describe(`hostile input, upstream responses: ${door.name}`, () => {
    let raw: Awaited<ReturnType<typeof rawUpstream>>;
    let gw: RunningDoor;
    let handles: Record<string, number>;

    beforeAll(async () => {
      raw = await rawUpstream();
      handles = handleCounts();
      gw = await door.start(
        {
          name: 'hostile-upstream',
          services: {
            raw: { targets: [raw.origin], timeouts: { connect_ms: 1000, headers_ms: 2000, request_ms: 3000 } },
          },
          routes: [{ path: '/*', service: 'raw' }],
        },
        ROOMY_DEADLINES,
      );
    });

    afterAll(async () => {
      await gw.close();
      expect(await eventually(() => raw.open.size === 0), 'upstream connections after close').toBe(true);
      await expectNoNewHandles(handles);
      await new Promise<void>((resolve) => raw.server.close(() => resolve()));
    });

    for (const [name, why] of [
      ['fold', 'obs-fold in a field (RFC 9112 §5.2)'],
      ['barecr', 'a bare CR in a field (RFC 9112 §2.2)'],
      ['nul', 'a NUL in a field'],
      ['clte', 'Content-Length with Transfer-Encoding (RFC 9112 §6.3)'],
      ['twocl', 'two different Content-Length fields'],
      ['badstatus', 'a four-digit status'],
      ['huge', 'a head past the gateway client limit'],
      ['space', 'whitespace before a colon (RFC 9112 §5.1)'],
      ['status', 'a status past 599 (RFC 9110 §15: invalid, handled as a 5xx)'],
    ] as const) {
      it.concurrent(`an upstream answer with ${why} becomes 502; none of it reaches the client`, async () => {
        const x = await exchange(gw.url, `GET /raw/${name}/${marker('r')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
        expect(x.status).toBe(502);
        expect(x.raw.toString('latin1')).not.toContain('POISON');
      });
    }

    it.concurrent('an answer whose last coding is not chunked is read until close and re-framed (RFC 9112 §6.3 rule 4)', async () => {
      const x = await exchange(gw.url, `GET /raw/badte/${marker('t')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, {
        responses: 0,
        timeoutMs: 4_000,
      });
      // The upstream's coding list is hop-by-hop: the client gets the bytes in the door's own framing.
      expect(x.responses.map((r) => r.status)).toEqual([200]);
      expect(x.responses[0]!.header('transfer-encoding') ?? 'chunked').toBe('chunked');
      expect(x.responses[0]!.body.toString('latin1')).toBe('POISON');
    });

    it.concurrent('a 304 with a Content-Length arrives whole and the connection serves the next request (RFC 9112 §6.3 rule 1)', async () => {
      const x = await exchange(
        gw.url,
        `GET /raw/notmodified/${marker('n')} HTTP/1.1\r\nHost: ${HOST}\r\nIf-None-Match: "v1"\r\n\r\n` +
          `GET /plain/after-304 HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
        { responses: 2, settleMs: 100 },
      );
      expect(x.responses.map((r) => r.status)).toEqual([304, 200]);
      expect(x.responses[0]!.header('content-length')).toBe('6');
      expect(x.responses[0]!.header('etag')).toBe('"v1"');
      expect(x.responses[1]!.body.toString()).toBe('real');
      expect(x.closedByServer).toBe(false);
    });

    it.concurrent('a 204 announcing a length arrives without it; what followed it upstream never reaches the client (RFC 9110 §8.6)', async () => {
      const x = await exchange(
        gw.url,
        `GET /raw/nocontent/${marker('z')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n` +
          `GET /plain/after-204 HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
        { responses: 2, settleMs: 100 },
      );
      expect(x.responses.map((r) => r.status)).toEqual([204, 200]);
      expect(x.responses[0]!.header('content-length')).toBeUndefined();
      expect(x.responses[1]!.body.toString()).toBe('real');
      expect(x.raw.toString('latin1')).not.toContain('POISON');
    });

    it.concurrent('103 Early Hints pass on with their Link alone, to HTTP/1.1 clients only (RFC 9110 §15.2)', async () => {
      const x = await exchange(gw.url, `GET /raw/hints/${marker('e')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      expect(x.responses.map((r) => r.status)).toEqual([103, 200]);
      expect(x.responses[0]!.header('link')).toBe('</style.css>; rel=preload; as=style');
      expect(x.responses[1]!.body.toString()).toBe('ok');
      expect(x.raw.toString('latin1')).not.toContain('POISON');
      const old = await exchange(gw.url, `GET /raw/hints/${marker('e')} HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
      expect(old.responses.map((r) => r.status)).toEqual([200]);
    });

    it.concurrent('an answer to HEAD ends with its head: the body an upstream sends anyway never reaches the client', async () => {
      const x = await exchange(
        gw.url,
        `HEAD /extra/${marker('h')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /plain/after-head HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
        { responses: 0, timeoutMs: 1_500 },
      );
      const text = x.raw.toString('latin1');
      expect(text.match(/^HTTP\/1\.1 /gm)).toHaveLength(2);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n(?:.+\r\n)*content-length: 2\r\n/);
      expect(text.endsWith('real')).toBe(true);
      expect(text).not.toContain('POISON');
      expect(text).not.toContain('\r\n\r\nok');
    });

    const handshake = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const through = `GET /plain/through-tunnel HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

    for (const [kind, why] of [
      ['forged', 'a Sec-WebSocket-Accept that does not answer the key'],
      ['h2c', 'a switch to h2c'],
    ] as const) {
      it.concurrent(`a 101 with ${why} is a 502, never a tunnel (RFC 6455 §4.1)`, async () => {
        const x = await exchange(gw.url, [handshake(`/ws101/${kind}/${marker('w')}`), through], {
          responses: 0,
          gapMs: 300,
          timeoutMs: 3_000,
        });
        expect(x.responses.map((r) => r.status)).toEqual([502]);
        expect(x.closedByServer).toBe(true);
        expect(x.raw.toString('latin1')).not.toContain('real');
      });
    }

    it.concurrent('a 101 that answers the handshake opens the tunnel', async () => {
      const x = await exchange(gw.url, [handshake(`/ws101/valid/${marker('w')}`), through], {
        responses: 0,
        gapMs: 300,
        timeoutMs: 1_500,
      });
      expect(x.responses.map((r) => r.status)).toEqual([101, 200]);
      expect(x.raw.toString('latin1').endsWith('real')).toBe(true);
    });

    it('bytes past the end of an answer never become the next client answer (pool desync)', async () => {
      const first = await exchange(gw.url, `GET /extra/${marker('x')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      expect(first.status).toBe(200);
      expect(first.responses[0]!.body.toString()).toBe('ok');
      for (let i = 0; i < 5; i++) {
        const next = await exchange(gw.url, `GET /plain/${i} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
        expect(next.status).toBe(200);
        expect(next.responses[0]!.body.toString()).toBe('real');
        expect(next.raw.toString('latin1')).not.toContain('POISON');
        expect(next.responses[0]!.header('x-smuggled')).toBeUndefined();
      }
    });

    it('an answer cut short by the upstream is cut short to the client, never padded or reused', async () => {
      const x = await exchange(gw.url, `GET /short/${marker('s')} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, {
        responses: 0,
        timeoutMs: 4_000,
      });
      expect(x.responses).toHaveLength(1);
      expect(x.responses[0]!.status).toBe(200);
      expect(x.responses[0]!.complete).toBe(false);
      expect(x.closedByServer).toBe(true);
      expect(await eventually(() => gw.inFlight() === 0)).toBe(true);
    });
  });
}
