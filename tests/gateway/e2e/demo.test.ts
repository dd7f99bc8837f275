// `npm start`'s demo: it comes up, and every curl line it prints does what the line says it does
// (each line's request is replayed with undici and checked against its `→ expectation`).
import { spawnSync } from 'node:child_process';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, ROOT, spawnNode } from '../../support/cli.js';

/** One printed curl line: method, URL, headers, and what it says should happen. */
interface CurlLine {
  text: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  expect: string;
}

/** Parses the `curl ... URL    → expectation` lines the demo prints (single-quoted -H values). */
function curlLines(output: string): CurlLine[] {
  const out: CurlLine[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const m = /^curl (.*?) (http:\/\/\S+)\s+→ (\S+)$/.exec(line);
    if (!m) continue;
    const flags = m[1]!;
    const headers: Record<string, string> = {};
    for (const h of flags.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[h[1]!.toLowerCase()] = h[2]!;
    const method = /-X (\S+)/.exec(flags)?.[1] ?? 'GET';
    out.push({ text: line, method, url: m[2]!, headers, expect: m[3]! });
  }
  return out;
}

describe('npm start demo', () => {
  let demo: Child;
  beforeAll(async () => {
    // Ports shifted off the defaults so the demo can run beside anything on 8080, and kept below
    // Linux's ephemeral range (32768+), where outgoing connections could hold them.
    demo = spawnNode(`${ROOT}/examples/demo.mjs`, ['--port-offset', String(10_000 + (process.pid % 12_000))]);
    await demo.waitFor(/Press Ctrl-C to stop/, 60_000);
  }, 90_000);
  afterAll(async () => {
    demo?.kill('SIGINT');
    await demo?.exited;
  });

  it('prints curl lines for every feature, and each one works', async () => {
    const lines = curlLines(demo.output);
    expect(lines.map((l) => l.expect)).toEqual([
      'user-service',
      'order-service',
      '405',
      '404',
      'user-v2',
      'user-service',
      'api-v2',
      'api-v2',
      'sticky',
      'cart-service',
      '429',
    ]);
    for (const line of lines) {
      const call = async () => {
        const res = await request(line.url, { method: line.method as 'GET', headers: line.headers });
        const text = await res.body.text();
        return {
          status: res.statusCode,
          headers: res.headers,
          json: text.startsWith('{') ? JSON.parse(text) : undefined,
        };
      };
      if (/^\d+$/.test(line.expect) && line.expect !== '429') {
        expect((await call()).status, line.text).toBe(Number(line.expect));
      } else if (line.expect === 'sticky') {
        const first = await call();
        expect(first.status, line.text).toBe(200);
        for (let i = 0; i < 5; i++) expect((await call()).json.service, line.text).toBe(first.json.service);
      } else if (line.expect === '429') {
        // Up to capacity (5) admitted, then 429 with its headers.
        let last = await call();
        for (let i = 0; i < 6 && last.status === 200; i++) last = await call();
        expect(last.status, line.text).toBe(429);
        expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
        expect(last.headers['x-ratelimit-limit']).toBe('5');
        expect(last.headers['x-ratelimit-remaining']).toBe('0');
      } else {
        const r = await call();
        expect(r.status, line.text).toBe(200);
        expect(r.json.service, line.text).toBe(line.expect);
      }
    }
  });

  it('shows the canary split it measured, consistent hashing, and a working explain line', () => {
    const split = /user-v2 (\d+\.\d)%/.exec(demo.output);
    expect(split).not.toBeNull();
    expect(Number(split![1])).toBeGreaterThan(3);
    expect(Number(split![1])).toBeLessThan(7);
    expect(demo.output).toMatch(/50\/50 repeat requests stayed on their side/);
    const explainLine = /^ {2}node (\S+) explain (\S+) (.*)$/m.exec(demo.output);
    expect(explainLine).not.toBeNull();
    const args = [...explainLine![3]!.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const r = spawnSync(process.execPath, [explainLine![1]!, 'explain', explainLine![2]!, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('route:     #6 /api/users/*');
  });

  it('stops its children on Ctrl-C', async () => {
    demo.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    const gatewayUrl = /Switchyard gateway on (http:\/\/\S+) /.exec(demo.output)![1]!;
    await expect(request(`${gatewayUrl}/api/v1/users`)).rejects.toThrow();
  });
});
