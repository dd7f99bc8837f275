// Hostile input, framing: requests whose length, coding or line structure is ambiguous, the raw
// material of request smuggling. Every case is written byte by byte (a parser must decide the
// same however the bytes arrive) and carries a second request, `GET /smuggled-<id>`, hidden where
// a parser that disagreed with Node's would read it. Outcome asserted: the exact status, and the
// smuggled request never reaching the upstream, neither as a request nor anywhere in its bytes
// outside a body. Sources: RFC 9112 §2.2 (bare CR), §5.1-5.2 (field syntax, obs-fold), §6.1
// (Transfer-Encoding), §6.3 (length), §7.1 (chunks); Node/llhttp advisories CVE-2022-32213
// (flawed Transfer-Encoding parsing), CVE-2022-32214 (lines not strictly ended by CRLF),
// CVE-2022-32215 (multi-line Transfer-Encoding), CVE-2023-30589 (CR alone ending a field line),
// CVE-2024-27982 (space before the colon of Content-Length), CVE-2025-23167 (`\r\n\rX` ending a
// head). Config values the gateway writes are checked too: CR LF injection through a client
// library's inputs was undici's CVE-2022-35948 and CVE-2023-23936.
import { ConfigError } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGateway } from '../../../packages/adapters/src/gateway/config/index.js';
import { frontDoors, type RunningDoor } from '../e2e/front-doors.js';
import {
  eventually,
  exchange,
  expectNoNewHandles,
  expectQuiet,
  HOST,
  handleCounts,
  hostileConfig,
  marker,
  only,
  type RecordingUpstream,
  ROOMY_DEADLINES,
  startRecordingUpstream,
} from './harness.js';

/** The request hidden behind each case. */
const smuggled = (id: string) => `GET /api/smuggled-${id} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
/** A request line and Host, then `fields`, the blank line, and `rest`. */
const post = (id: string, fields: string[], rest: string) =>
  `POST /api/${id} HTTP/1.1\r\nHost: ${HOST}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n${rest}`;

interface FramingCase {
  name: string;
  bytes: (id: string) => string;
  /** The status of the one answer; Node's parser decides most (400 before any gateway code runs). */
  status: number;
  /**
   * `'body'`: the head is well-formed and the error is in the body (a chunk), so the request may
   * already be on its way upstream when the parser finds it, as with any streaming proxy: then it
   * must arrive cut (aborted), never complete. Default `'head'`: nothing of it upstream.
   */
  stage?: 'head' | 'body';
}

// Each rejected by Node's parser (llhttp, strict mode) or by the gateway's own framing check:
// 400 and the connection closed, nothing of it upstream.
const rejected: FramingCase[] = [
  {
    name: 'Content-Length and Transfer-Encoding together (RFC 9112 §6.3, CL.TE/TE.CL smuggling)',
    bytes: (id) => post(id, ['Content-Length: 4', 'Transfer-Encoding: chunked'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'Transfer-Encoding before Content-Length',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked', 'Content-Length: 60'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'two different Content-Length fields (RFC 9112 §6.3 item 5)',
    bytes: (id) => post(id, ['Content-Length: 0', 'Content-Length: 60'], smuggled(id)),
    status: 400,
  },
  {
    name: 'two equal Content-Length fields',
    bytes: (id) => post(id, ['Content-Length: 0', 'Content-Length: 0'], smuggled(id)),
    status: 400,
  },
  {
    name: 'a Content-Length list "0, 60"',
    bytes: (id) => post(id, ['Content-Length: 0, 60'], smuggled(id)),
    status: 400,
  },
  { name: 'Content-Length "+3"', bytes: (id) => post(id, ['Content-Length: +3'], `abc${smuggled(id)}`), status: 400 },
  { name: 'Content-Length "0x3"', bytes: (id) => post(id, ['Content-Length: 0x3'], `abc${smuggled(id)}`), status: 400 },
  { name: 'Content-Length "-1"', bytes: (id) => post(id, ['Content-Length: -1'], smuggled(id)), status: 400 },
  { name: 'Content-Length "3 4"', bytes: (id) => post(id, ['Content-Length: 3 4'], smuggled(id)), status: 400 },
  {
    name: 'Content-Length past 2^64',
    bytes: (id) => post(id, ['Content-Length: 184467440737095516160'], smuggled(id)),
    status: 400,
  },
  {
    name: 'a space before the colon of Content-Length (CVE-2024-27982)',
    bytes: (id) => post(id, ['Content-Length : 60'], smuggled(id)),
    status: 400,
  },
  {
    name: 'Transfer-Encoding "chunked, identity" (RFC 9112 §6.1: chunked must be last)',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked, identity'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'Transfer-Encoding "identity" (CVE-2022-32213)',
    bytes: (id) => post(id, ['Transfer-Encoding: identity'], smuggled(id)),
    status: 400,
  },
  {
    name: 'Transfer-Encoding "xchunked"',
    bytes: (id) => post(id, ['Transfer-Encoding: xchunked'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'Transfer-Encoding "gzip, chunked" (a coding the gateway cannot re-frame)',
    bytes: (id) => post(id, ['Transfer-Encoding: gzip, chunked'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'Transfer-Encoding chunked twice (RFC 9112 §6.1: never applied twice)',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'Transfer-Encoding with a vertical tab (CVE-2022-32213 class)',
    bytes: (id) => post(id, ['Transfer-Encoding:\x0bchunked'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'obs-fold continuing Transfer-Encoding (RFC 9112 §5.2, CVE-2022-32215)',
    bytes: (id) => post(id, ['Transfer-Encoding: identity', ' chunked'], `0\r\n\r\n${smuggled(id)}`),
    status: 400,
  },
  {
    name: 'obs-fold in an ordinary field (RFC 9112 §5.2)',
    bytes: (id) => post(id, ['X-Folded: a', '\tb', 'Content-Length: 0'], smuggled(id)),
    status: 400,
  },
  {
    name: 'a bare CR inside a field value (RFC 9112 §2.2, CVE-2023-30589)',
    bytes: (id) => post(id, ['X-A: 1\rContent-Length: 60'], smuggled(id)),
    status: 400,
  },
  {
    name: 'a bare CR ending a field line (CVE-2023-30589)',
    bytes: (id) => `POST /api/${id} HTTP/1.1\r\nHost: ${HOST}\rContent-Length: 60\r\n\r\n${smuggled(id)}`,
    status: 400,
  },
  {
    name: 'a head ended by CR LF CR and a byte (CVE-2025-23167)',
    bytes: (id) => `POST /api/${id} HTTP/1.1\r\nHost: ${HOST}\r\n\rX${smuggled(id)}`,
    status: 400,
  },
  {
    name: 'a bare LF ending the request line (RFC 9112 §2.2, CVE-2022-32214)',
    bytes: (id) => `GET /api/${id} HTTP/1.1\nHost: ${HOST}\r\nContent-Length: 60\r\n\r\n${smuggled(id)}`,
    status: 400,
  },
  {
    name: 'a NUL in a field value',
    bytes: (id) => post(id, ['X-A: a\x00b', 'Content-Length: 0'], smuggled(id)),
    status: 400,
  },
  {
    name: 'a field name with a space',
    bytes: (id) => post(id, ['Content Length: 0'], smuggled(id)),
    status: 400,
  },
  {
    name: 'a chunk size in hex with 0x (RFC 9112 §7.1)',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked'], `0x5\r\nhello\r\n0\r\n\r\n${smuggled(id)}`),
    status: 400,
    stage: 'body',
  },
  {
    name: 'a negative chunk size',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked'], `-5\r\nhello\r\n0\r\n\r\n${smuggled(id)}`),
    status: 400,
    stage: 'body',
  },
  {
    name: 'a chunk size past 2^64',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked'], `1ffffffffffffffff\r\nhello\r\n0\r\n\r\n${smuggled(id)}`),
    status: 400,
    stage: 'body',
  },
  {
    name: 'chunk data longer than its size',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked'], `3\r\nhello\r\n0\r\n\r\n${smuggled(id)}`),
    status: 400,
    stage: 'body',
  },
  {
    name: 'a chunk size line ended by a bare LF (CVE-2022-32214)',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked'], `5\nhello\r\n0\r\n\r\n${smuggled(id)}`),
    status: 400,
    stage: 'body',
  },
  {
    name: 'a chunk extension with a bare CR',
    bytes: (id) => post(id, ['Transfer-Encoding: chunked'], `5;a=b\rc\r\nhello\r\n0\r\n\r\n${smuggled(id)}`),
    status: 400,
    stage: 'body',
  },
  {
    name: 'HTTP/1.2 and other versions',
    bytes: (id) => `GET /api/${id} HTTP/1.2\r\nHost: ${HOST}\r\n\r\n`,
    status: 400,
  },
  {
    name: 'a lowercase http version',
    bytes: (id) => `GET /api/${id} http/1.1\r\nHost: ${HOST}\r\n\r\n`,
    status: 400,
  },
];

for (const door of frontDoors) {
  describe(`hostile input, framing: ${door.name}`, () => {
    let up: RecordingUpstream;
    let gw: RunningDoor;
    let handles: Record<string, number>;

    beforeAll(async () => {
      up = await startRecordingUpstream();
      handles = handleCounts();
      gw = await door.start(hostileConfig(up), ROOMY_DEADLINES);
    });

    afterAll(async () => {
      await gw.close();
      expect(await eventually(() => up.openConnections === 0), 'upstream connections after close').toBe(true);
      await expectNoNewHandles(handles);
      await up.close();
    });

    for (const c of rejected) {
      it.concurrent(`rejects ${c.name}: ${c.status}, nothing upstream`, async () => {
        const id = marker('frame');
        const x = await exchange(gw.url, c.bytes(id), { byteByByte: true, responses: 2, timeoutMs: 3_000 });
        expect(x.responses.map((r) => r.status)).toEqual([c.status]);
        expect(x.closedByServer, 'the connection is closed after a framing error').toBe(true);
        expect(up.find(`smuggled-${id}`)).toEqual([]);
        expect(up.rawText()).not.toContain(`smuggled-${id}`);
        if (c.stage === 'body') {
          expect(await eventually(() => up.find(id).every((r) => r.aborted))).toBe(true);
        } else {
          expect(up.find(id)).toEqual([]);
          expect(up.rawText()).not.toContain(id);
        }
      });
    }

    it.concurrent('a GET with a body carrying a request forwards it as body, never as a request', async () => {
      const id = marker('getbody');
      const hidden = smuggled(id);
      const x = await exchange(
        gw.url,
        `GET /api/${id} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`,
        { byteByByte: true, responses: 2, settleMs: 200 },
      );
      expect(x.responses.map((r) => r.status)).toEqual([200]);
      const r = only(up, `/api/${id}`);
      expect(r.body.toString('latin1')).toBe(hidden);
      expect(up.find(`smuggled-${id}`).filter((s) => s.url.includes('smuggled'))).toEqual([]);
    });

    it.concurrent('a valid chunked body is re-framed upstream as one chunked (or sized) body', async () => {
      const id = marker('chunked');
      const x = await exchange(
        gw.url,
        post(id, ['Transfer-Encoding: chunked'], `5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n`),
        { byteByByte: true },
      );
      expect(x.status).toBe(200);
      const r = only(up, id);
      expect(r.body.toString()).toBe('hello world');
      const names = r.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names.filter((n) => n === 'transfer-encoding' || n === 'content-length')).toHaveLength(1);
      expect(names).not.toContain('x-trailer');
    });

    it.concurrent('pipelined requests are answered in order, each forwarded once', async () => {
      const id = marker('pipe');
      const one = `GET /api/${id}/1 HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
      const two = `POST /api/${id}/2 HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 3\r\n\r\nabc`;
      const x = await exchange(gw.url, one + two, { responses: 2 });
      expect(x.responses.map((r) => r.status)).toEqual([200, 200]);
      expect(up.find(id).map((r) => r.url)).toEqual([`/api/${id}/1`, `/api/${id}/2`]);
    });

    it.concurrent('a malformed request pipelined after a good one: the good one answered, then 400', async () => {
      const id = marker('pipebad');
      const good = `GET /api/${id}/ok HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
      const bad = `POST /api/${id}/bad HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`;
      const x = await exchange(gw.url, good + bad + smuggled(id), { responses: 3, timeoutMs: 3_000 });
      const statuses = x.responses.map((r) => r.status);
      // Node reads both heads in one go: the good request is on its way upstream when the bad one's
      // framing error arrives. Its 400 is the one answer when the good answer had not started yet
      // (Node's rule: an error status line only where no answer is under way); once it started, the
      // connection is cut after it. Either way one answer, then the connection closes, and neither
      // the bad request nor the smuggled one reaches the upstream.
      expect(statuses.length).toBe(1);
      expect([200, 400]).toContain(statuses[0]);
      expect(x.closedByServer).toBe(true);
      expect(
        up
          .find(id)
          .map((r) => r.url)
          .filter((u) => !u.endsWith('/ok')),
      ).toEqual([]);
    });

    it('leaves no request, connection or upstream socket behind', async () => {
      await expectQuiet(gw, up, 16);
    });
  });
}

describe('hostile input, framing: values the gateway writes', () => {
  const base = {
    services: { up: { targets: ['http://127.0.0.1:9'] } },
    routes: [{ path: '/api/*', service: 'up' }],
  };
  const injected = 'x\r\nX-Injected: 1';
  const cases: [string, object][] = [
    ['name (the Via pseudonym)', { ...base, name: `gw${injected}` }],
    [
      'rewrite.replace_prefix.to (the upstream path)',
      {
        ...base,
        routes: [
          { path: '/api/*', service: 'up', rewrite: { replace_prefix: { from: '/api', to: `/v1${injected}` } } },
        ],
      },
    ],
    [
      'rewrite.strip_prefix',
      { ...base, routes: [{ path: '/api/*', service: 'up', rewrite: { strip_prefix: `/api${injected}` } }] },
    ],
    [
      'rewrite.replace_prefix.to with an encoded CR LF',
      {
        ...base,
        routes: [{ path: '/api/*', service: 'up', rewrite: { replace_prefix: { from: '/api', to: '/v1%0d%0aX' } } }],
      },
    ],
    [
      'a target URL (the upstream path base)',
      { ...base, services: { up: { targets: [`http://127.0.0.1:9/b${injected}`] } } },
    ],
    ['versioning.header', { ...base, versioning: { header: `X-Version${injected}`, default: 'v1' } }],
    [
      'a route header constraint value',
      { ...base, routes: [{ path: '/api/*', service: 'up', headers: { 'x-beta': `1${injected}` } }] },
    ],
    [
      'a route header constraint name',
      { ...base, routes: [{ path: '/api/*', service: 'up', headers: { [`x-b${injected}`]: '1' } }] },
    ],
    ['a route path', { ...base, routes: [{ path: `/api${injected}`, service: 'up' }] }],
    ['a route host', { ...base, routes: [{ path: '/api/*', host: `a.test${injected}`, service: 'up' }] }],
    ['a route version', { ...base, routes: [{ path: '/api/*', service: 'up', version: `v1${injected}` }] }],
    [
      'a rate-limit key header',
      {
        ...base,
        rate_limits: {
          l: { algorithm: 'token-bucket', capacity: 1, refill_per_second: 1, key: `header:x${injected}` },
        },
        routes: [{ path: '/api/*', service: 'up', rate_limit: 'l' }],
      },
    ],
  ];
  for (const [where, config] of cases) {
    it(`config validation rejects CR LF in ${where}`, () => {
      expect(() => compileGateway(config)).toThrow(ConfigError);
    });
  }
});
