// Hostile input, size and time: heads too big or too many, clients too slow to send or to read,
// clients that vanish mid-transfer, and floods of idle connections. The doors run with short
// client deadlines (harness SHORT_DEADLINES: head 600 ms, request 1.5 s, keep-alive 500 ms) so a
// slow client is cut within about a second. Sources: RFC 9110 §15.5.9 (408), RFC 6585 §5 (431),
// RFC 9112 §9.8 (closing idle connections); slowloris against Node (CVE-2018-12122, which gave
// node:http its headersTimeout), Node 18's requestTimeout, and CVE-2024-22019 (unbounded reads of
// a request body's chunk extensions).
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontDoors, type RunningDoor } from '../e2e/front-doors.js';
import {
  connections,
  eventually,
  exchange,
  expectNoNewHandles,
  expectQuiet,
  HOST,
  handleCounts,
  head,
  hostileConfig,
  marker,
  open,
  type RecordingUpstream,
  SHORT_DEADLINES,
  startRecordingUpstream,
} from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `socket` closes (or after `ms`, with false). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

for (const door of frontDoors) {
  describe(`hostile input, size and time: ${door.name}`, () => {
    let up: RecordingUpstream;
    let gw: RunningDoor;
    let handles: Record<string, number>;

    beforeAll(async () => {
      up = await startRecordingUpstream();
      handles = handleCounts();
      gw = await door.start(hostileConfig(up), SHORT_DEADLINES);
    });

    afterAll(async () => {
      await gw.close();
      expect(await eventually(() => up.openConnections === 0), 'upstream connections after close').toBe(true);
      await expectNoNewHandles(handles);
      await up.close();
    });

    it.concurrent('a single 20 KiB header field: 431, nothing upstream (RFC 6585 §5)', async () => {
      const id = marker('bighdr');
      const x = await exchange(gw.url, head('GET', '/api/x', id, `X-Big: ${'a'.repeat(20_000)}`));
      expect(x.status).toBe(431);
      expect(up.find(id)).toEqual([]);
      // The standalone proxy answers the parser's rejections itself, with a request id like every
      // answer (Express and Fastify apps answer them with their framework's own handler).
      if (door.name === 'proxy') {
        expect(x.responses[0]?.headers.filter(([n]) => n === 'x-request-id').map(([, v]) => v)).toEqual([
          expect.stringMatching(/^[0-9a-f]{32}$/),
        ]);
        expect(x.responses[0]?.headers.filter(([n]) => n === 'content-type')).toHaveLength(1);
      }
    });

    it.concurrent('a 20 KiB cookie: 431, nothing upstream', async () => {
      const id = marker('bigcookie');
      const x = await exchange(gw.url, head('GET', '/api/x', id, `Cookie: s=${'c'.repeat(20_000)}`));
      expect(x.status).toBe(431);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('150 header fields: 431 from the gateway, nothing upstream', async () => {
      const id = marker('manyhdr');
      const fields = Array.from({ length: 150 }, (_, i) => `X-F${i}: v`);
      const x = await exchange(gw.url, head('GET', '/api/x', id, ...fields));
      expect(x.status).toBe(431);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('3000 tiny fields inside the size limit (Node keeps only 2000): 431, nothing upstream', async () => {
      const id = marker('tinyhdr');
      const fields = Array.from({ length: 3000 }, () => 'a:b');
      const x = await exchange(gw.url, head('GET', '/api/x', id, ...fields));
      expect(x.status).toBe(431);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('many Cookie fields within the limits reach the upstream as one', async () => {
      const id = marker('cookies');
      const fields = Array.from({ length: 40 }, (_, i) => `Cookie: c${i}=${'v'.repeat(200)}`);
      const x = await exchange(gw.url, head('GET', '/api/x', id, ...fields));
      expect(x.status).toBe(200);
      const r = up.find(id)[0]!;
      expect(r.rawHeaders.filter((h) => h.toLowerCase() === 'cookie')).toHaveLength(1);
      expect(String(r.headers.cookie).split('; ')).toHaveLength(40);
    });

    it.concurrent('slowloris: a head trickled one field at a time is cut with 408 (RFC 9110 §15.5.9)', async () => {
      const id = marker('slowhead');
      const parts = [`GET /api/x HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n`];
      for (let i = 0; i < 30; i++) parts.push(`X-Slow-${i}: ${i}\r\n`);
      const x = await exchange(gw.url, parts, { gapMs: 150, timeoutMs: 6_000, responses: 0 });
      expect(x.status).toBe(408);
      expect(x.closedByServer).toBe(true);
      // The head deadline is 600 ms; Node checks it every 150 ms (a quarter of it).
      expect(x.answeredAfterMs).toBeGreaterThanOrEqual(500);
      expect(x.answeredAfterMs).toBeLessThan(2_500);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('slowloris: a request line trickled byte by byte is cut with 408', async () => {
      const id = marker('slowline');
      const line = `GET /api/${id}/${'x'.repeat(60)} HTTP/1.1\r\n`;
      const x = await exchange(gw.url, [...line], { gapMs: 40, timeoutMs: 6_000, responses: 0 });
      expect(x.status).toBe(408);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('a connection that never sends a byte is closed', async () => {
      const socket = await open(gw.url);
      socket.on('error', () => {});
      socket.on('data', () => {});
      expect(await closedWithin(socket, 4_000)).toBe(true);
    });

    it.concurrent('a slow body is cut with 408 at the request deadline, the upstream upload aborted', async () => {
      const id = marker('slowbody');
      const parts: string[] = [head('POST', '/api/x', id, 'Content-Length: 100')];
      for (let i = 0; i < 10; i++) parts.push('0123456789'.slice(0, 5));
      const x = await exchange(gw.url, parts, { gapMs: 250, timeoutMs: 6_000, responses: 0 });
      expect(x.status).toBe(408);
      expect(x.closedByServer).toBe(true);
      // Streaming: the request went upstream as its body started; it must end cut, never complete.
      expect(await eventually(() => up.find(id).every((r) => r.aborted))).toBe(true);
    });

    it.concurrent('a slow reader is cut at the route deadline; the upstream stops writing', async () => {
      const id = marker('slowread');
      const before = up.abortedDownloads;
      const socket = await open(gw.url);
      socket.on('error', () => {});
      socket.pause();
      const total = 256 * 1024 * 1024;
      socket.write(head('GET', `/short/__download?bytes=${total}`, id));
      // `short`'s request_ms is 700: the gateway gives up on the exchange and cuts both sides.
      expect(await eventually(() => up.abortedDownloads > before, 5_000)).toBe(true);
      expect(up.downloadBytesWritten).toBeLessThan(total / 4);
      socket.resume();
      expect(await closedWithin(socket, 5_000)).toBe(true);
    });

    it.concurrent('an aborted upload ends the upstream request, nothing left in flight', async () => {
      const id = marker('abortup');
      const socket = await open(gw.url);
      socket.on('error', () => {});
      socket.write(head('POST', '/api/upload', id, `Content-Length: ${10 * 1024 * 1024}`));
      socket.write(Buffer.alloc(512 * 1024, 0x62));
      expect(await eventually(() => up.find(id).length === 1)).toBe(true);
      socket.destroy();
      expect(await eventually(() => up.find(id)[0]!.aborted)).toBe(true);
    });

    it.concurrent('an aborted download ends the upstream response', async () => {
      const id = marker('abortdown');
      const before = up.abortedDownloads;
      await exchange(gw.url, head('GET', `/api/__download?bytes=${64 * 1024 * 1024}`, id), {
        abortAfterBytes: 256 * 1024,
        responses: 0,
      });
      expect(await eventually(() => up.abortedDownloads > before)).toBe(true);
    });

    it('an idle keep-alive flood is closed by the deadlines while requests keep being served', async () => {
      const sockets: Socket[] = [];
      // 150 clients make one request each and then sit idle on the kept-alive connection ...
      await Promise.all(
        Array.from({ length: 150 }, async (_, i) => {
          const s = await open(gw.url);
          s.on('error', () => {});
          sockets.push(s);
          const got = new Promise<void>((resolve) => s.once('data', () => resolve()));
          s.write(`GET /api/flood/${i} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
          await got;
        }),
      );
      // ... and 150 more connect and never send a byte.
      for (let i = 0; i < 150; i++) {
        const s = await open(gw.url);
        s.on('error', () => {});
        s.on('data', () => {});
        sockets.push(s);
      }
      expect(await connections(gw)).toBeGreaterThan(0);
      const during = await exchange(gw.url, `GET /api/during HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      expect(during.status).toBe(200);
      const closed = await Promise.all(sockets.map((s) => closedWithin(s, 5_000)));
      expect(closed.filter((c) => !c).length, 'connections the server left open').toBe(0);
      expect(await eventually(async () => (await connections(gw)) === 0)).toBe(true);
      await sleep(10);
    });

    it('leaves no request, connection or upstream socket behind', async () => {
      await expectQuiet(gw, up, 16);
    });
  });
}
