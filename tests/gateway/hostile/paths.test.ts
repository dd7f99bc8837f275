// Hostile input, paths: request-targets that try to reach what no route exposes, or to make the
// upstream see a different path than the gateway routed (path traversal and normalization
// confusion: the class of CVE-2021-41773/CVE-2021-42013 in Apache (encoded and double-encoded
// dot segments), of the Node static-server traversals such as node-static's CVE-2023-26111, and
// of Tomcat-style `..;` path parameters that let `/api/..;/admin` pass a prefix check). The gateway decides
// the path once (docs/router-spec.md §4.1) and forwards that canonical path: the upstream never
// receives a dot segment, an escape it could decode into one, or a `//host` it could read as an
// authority. Sources: RFC 3986 §3.3, §5.2.4 (dot segments), §2.1 (escapes), RFC 9112 §3.2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A case: the target, and either the status with nothing upstream, or 200 and the path the upstream got. */
type PathCase = [name: string, target: string, outcome: number | string];

// The default `paths:` policy: dot segments resolved, `%2F` rejected, slashes merged.
const defaults: PathCase[] = [
  ['a raw dot-dot inside the routed prefix resolves', '/api/a/../b', '/api/b'],
  ['a raw dot resolves', '/api/a/./b', '/api/a/b'],
  ['a raw dot-dot out of the routed prefix', '/api/../admin', 404],
  ['a dot-dot past the root stays at the root', '/api/../../../../etc/passwd', 404],
  ['an encoded dot-dot %2e%2e', '/api/%2e%2e/admin', 404],
  ['a mixed-case encoded dot-dot %2E%2e', '/api/%2E%2e/admin', 404],
  ['a half-encoded dot-dot .%2E', '/api/.%2E/admin', 404],
  ['an encoded dot', '/api/a/%2e/b', '/api/a/b'],
  ['a dot-dot with a path parameter ..; (Tomcat-style)', '/api/..;/admin', 404],
  ['a dot-dot with a named path parameter', '/api/..;jsessionid=1/admin', 404],
  ['a dot-dot with ; inside the prefix', '/api/a/..;x/b', '/api/b'],
  ['a double-encoded dot-dot is text, forwarded as received', '/api/%252e%252e/admin', '/api/%252e%252e/admin'],
  ['an escaped percent spelling an escape', '/api/%25%32%65%25%32%65/x', '/api/%252e%252e/x'],
  ['an encoded slash (escaped_slashes: reject)', '/api/a%2Fb', 400],
  ['an encoded slash around a dot-dot', '/api/a%2f..%2f..%2fadmin', 400],
  ['a raw backslash', '/api/a\\..\\admin', 400],
  ['an encoded backslash', '/api/a%5c..%5cadmin', 400],
  ['an upper-case encoded backslash', '/api/a%5Cb', 400],
  ['an encoded NUL', '/api/a%00b', 400],
  ['an escape that is not UTF-8 (%ff)', '/api/%ff', 400],
  ['a truncated UTF-8 sequence', '/api/%c3', 400],
  ['an overlong dot (%c0%ae, the IIS/Tomcat unicode traversal)', '/api/%c0%ae%c0%ae/admin', 400],
  ['a three-byte overlong dot', '/api/%e0%80%ae/x', 400],
  ['a UTF-16 surrogate in UTF-8', '/api/%ed%a0%80', 400],
  ['a malformed escape', '/api/%zz', 400],
  ['a lone percent', '/api/%', 400],
  ['a valid UTF-8 escape, re-encoded upper-case', '/api/%c3%a9', '/api/%C3%A9'],
  ['an unreserved escape, decoded', '/api/%41%7e', '/api/A~'],
  ['prefix confusion: /apiX is not /api', '/apiX', 404],
  ['prefix confusion: /api.. is not a dot segment', '/api..', 404],
  ['prefix confusion: /api../x', '/api../x', 404],
  ['prefix confusion: /api%2e%2e/x', '/api%2e%2e/x', 404],
  ['prefix confusion: /API (case-sensitive)', '/API/x', 404],
  ['a protocol-relative //host target', '//evil.test/api', 404],
  ['a //api target is merged, never an authority upstream', '//api/x', '/api/x'],
  ['three slashes', '///api/x', '/api/x'],
  ['inner double slashes', '/api//x//y', '/api/x/y'],
  ['a backslash-host target', '/\\evil.test/api', 400],
  ['a rewrite cannot be escaped by dot-dot', '/rw/../admin', 404],
  ['a rewrite of a resolved path', '/rw/a/../b', '/internal/b'],
  ['a strip-prefix route after resolution', '/strip/x/../y', '/y'],
  ['a dot-dot from one route into another is routed by the result', '/strip/../api/x', '/api/x'],
  ['an asterisk target on GET', '*', 400],
  [
    'the query is forwarded untouched, never canonicalized',
    '/api/x?a=../../b&c=%2e%2e%2f',
    '/api/x?a=../../b&c=%2e%2e%2f',
  ],
  ['dot segments in an absolute-form target', `http://${HOST}/api/../admin`, 404],
];

// A strict policy: dot segments rejected, `%2F` kept encoded, slashes not merged.
const strict: PathCase[] = [
  ['a raw dot-dot', '/api/a/../b', 400],
  ['an encoded dot-dot', '/api/%2E%2E/b', 400],
  ['a dot-dot with ;', '/api/..;/b', 400],
  ['a dot', '/api/./b', 400],
  ['a double-encoded dot-dot is not a dot segment', '/api/%252e%252e/b', '/api/%252e%252e/b'],
  ['an encoded slash kept as received', '/api/a%2fb', '/api/a%2fb'],
  ['a //api target without merging matches no route', '//api/x', 404],
];

for (const door of frontDoors) {
  describe(`hostile input, paths: ${door.name}`, () => {
    let up: RecordingUpstream;
    let gw: RunningDoor;
    let strictGw: RunningDoor;
    let handles: Record<string, number>;

    beforeAll(async () => {
      up = await startRecordingUpstream();
      handles = handleCounts();
      gw = await door.start(hostileConfig(up), ROOMY_DEADLINES);
      const strictConfig = {
        ...hostileConfig(up),
        paths: { dot_segments: 'reject', escaped_slashes: 'keep', merge_slashes: false },
      };
      strictGw = await door.start(strictConfig, ROOMY_DEADLINES);
    });

    afterAll(async () => {
      await gw.close();
      await strictGw.close();
      expect(await eventually(() => up.openConnections === 0), 'upstream connections after close').toBe(true);
      await expectNoNewHandles(handles);
      await up.close();
    });

    const run = (which: () => RunningDoor, [name, target, outcome]: PathCase) =>
      it.concurrent(`${name}: ${target} -> ${outcome}`, async () => {
        const id = marker('path');
        const x = await exchange(which().url, `GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n\r\n`);
        if (typeof outcome === 'number') {
          expect(x.status).toBe(outcome);
          expect(up.find(id)).toEqual([]);
        } else {
          expect(x.status).toBe(200);
          expect(only(up, id).url).toBe(outcome);
        }
      });
    for (const c of defaults) run(() => gw, c);
    for (const c of strict) run(() => strictGw, [`strict policy: ${c[0]}`, c[1], c[2]]);

    it.concurrent('a NUL byte in the raw target is refused by the parser: 400', async () => {
      const id = marker('nul');
      const x = await exchange(gw.url, `GET /api/a\x00b HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n\r\n`);
      expect(x.status).toBe(400);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('raw bytes that are not UTF-8 in the target: 400', async () => {
      const id = marker('raw8');
      const x = await exchange(
        gw.url,
        Buffer.concat([
          Buffer.from('GET /api/'),
          Buffer.from([0xc0, 0xae, 0xff]),
          Buffer.from(` HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n\r\n`),
        ]),
      );
      expect(x.status).toBe(400);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('a path longer than the head limit (16 KiB): 431, nothing upstream', async () => {
      const id = marker('long');
      const x = await exchange(
        gw.url,
        `GET /api/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n\r\n`,
      );
      expect(x.status).toBe(431);
      expect(up.find(id)).toEqual([]);
    });

    it.concurrent('a long path within the limit is forwarded whole', async () => {
      const id = marker('long-ok');
      const path = `/api/${'b'.repeat(8_000)}`;
      const x = await exchange(gw.url, `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n\r\n`);
      expect(x.status).toBe(200);
      expect(only(up, id).url).toBe(path);
    });

    it.concurrent('an authority-form CONNECT is refused: the gateway is not a forward proxy', async () => {
      const id = marker('connect');
      const x = await exchange(
        gw.url,
        `CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\nX-Case: ${id}\r\nX-Request-ID: ${id}\r\n\r\n`,
        { responses: 0, timeoutMs: 2_000 },
      );
      expect(x.status).toBe(400);
      expect(x.closedByServer).toBe(true);
      expect(up.find(id)).toEqual([]);
      // Every answer carries a request id, the refusal too: the client's, being a valid one.
      expect(x.responses[0]?.header('x-request-id')).toBe(id);
    });

    it('leaves no request, connection or upstream socket behind', async () => {
      await expectQuiet(gw, up, 16);
      await expectQuiet(strictGw, up, 32);
    });
  });
}
