// gateway.yaml loading and validation: every rule with its exact file:line:col, every problem at
// once, "did you mean" suggestions, the seed fixture as written, JSON and objects.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblems, loadConfig, parseConfig } from '@switchyard/adapters/gateway';
import { ConfigError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/gateway/${name}`, import.meta.url));

/** The problems of a config text as `file:line:col: message` lines (file `g.yaml`). */
function problems(text: string): string[] {
  try {
    parseConfig(text, 'g.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return formatProblems(error).trimEnd().split('\n');
  }
  throw new Error('expected the config to be rejected');
}

/** A valid base: one service, one route; `extra` is appended as is. */
const base = (extra = '') => `services:
  s: { targets: [http://127.0.0.1:9001] }
routes:
  - path: /a
    service: s
${extra}`;

describe('the seed fixture of issue 9', () => {
  it('loads as written, with its services block', () => {
    const config = loadConfig(fixture('seed.yaml'));
    expect(config.name).toBe('api-gateway');
    expect(config.routes.map((r) => [r.path, r.service, r.methods, r.version])).toEqual([
      ['/api/v1/users', 'user-service', ['GET', 'POST', 'PUT'], undefined],
      ['/api/v1/orders', 'order-service', ['GET', 'POST'], undefined],
      ['/api/v2/*', 'api-v2', null, 'v2'],
    ]);
    expect(config.services.map((s) => s.name)).toEqual(['user-service', 'order-service', 'api-v2']);
    expect(config.routes[2]!.position).toEqual({ file: fixture('seed.yaml'), line: 10, col: 3 });
  });

  it('without its services block, names every undefined service', () => {
    const text = readFileSync(fixture('seed.yaml'), 'utf8').replace(/^services:[\s\S]*$/m, '');
    expect(problems(text)).toEqual([
      'g.yaml:5:12: routes[0].service: unknown service "user-service" (none are defined under services:)',
      'g.yaml:8:12: routes[1].service: unknown service "order-service" (none are defined under services:)',
      'g.yaml:11:12: routes[2].service: unknown service "api-v2" (none are defined under services:)',
    ]);
  });
});

describe('every key of the DESIGN.md example', () => {
  it('loads, with each value where it belongs', () => {
    const c = loadConfig(fixture('full.yaml'));
    expect(c.listen).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.admin).toEqual({ host: '127.0.0.1', port: 9901 });
    expect(c.trustProxies).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
    expect(c.paths).toEqual({ escapedSlashes: 'reject', mergeSlashes: true, dotSegments: 'resolve' });
    expect(c.versioning).toEqual({ header: 'x-api-version', default: 'v1' });
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', onError: 'fail-open', timeoutMs: 100 });
    const [users, v2, api] = c.services;
    expect(users!.targets.map((t) => [t.origin, t.basePath, t.weight])).toEqual([
      ['http://127.0.0.1:9001', '', 1],
      ['http://127.0.0.1:9002', '', 2],
    ]);
    expect(users!.timeouts).toEqual({ connectMs: 2000, headersMs: 30000, requestMs: 30000, idleMs: 60000 });
    expect(v2!.balance).toEqual({
      kind: 'consistent-hash',
      key: { from: 'header', name: 'x-user-id' },
      algorithm: 'maglev',
    });
    expect(v2!.targets[0]).toMatchObject({ origin: 'http://127.0.0.1:9011', basePath: '/v2' });
    expect(api!.balance).toEqual({ kind: 'least-requests' });
    expect(c.rateLimits).toMatchObject([
      { name: 'per-ip', algorithm: 'token-bucket', capacity: 20, refillPerSecond: 10, key: { from: 'client-ip' } },
      { name: 'per-user', algorithm: 'sliding-window', limit: 600, windowMs: 60000, store: 'redis' },
    ]);
    expect(c.routes[2]).toMatchObject({
      host: 'api.example.com',
      headers: { 'x-beta': '1' },
      split: [
        { service: 'user-service', weight: 95 },
        { service: 'user-v2', weight: 5 },
      ],
      sticky: { from: 'header', name: 'x-user-id' },
      rateLimit: ['per-ip', 'per-user'],
      rewrite: { stripPrefix: '/api' },
      timeoutMs: 3000,
    });
  });

  it('fills in the defaults of the schema', () => {
    const c = parseConfig(base());
    expect(c.name).toBe('gateway');
    expect(c.listen).toEqual({
      host: '127.0.0.1',
      port: 8080,
      clientTimeouts: { keepAliveMs: 5000, headersMs: 20000, requestMs: 300000 },
    });
    expect(c.admin).toBeUndefined();
    expect(c.rateLimitHeaders).toEqual({ ietf: false });
    expect(c.paths).toEqual({ escapedSlashes: 'reject', mergeSlashes: true, dotSegments: 'resolve' });
    expect(c.services[0]).toMatchObject({
      balance: { kind: 'round-robin' },
      timeouts: { connectMs: 2000, headersMs: 30000, requestMs: 0, idleMs: 60000 },
    });
    expect(c.routes[0]).toMatchObject({ methods: null, rateLimit: [], sticky: undefined });
  });
});

describe('positions and messages', () => {
  it('reports every problem of a file at once, in file order', () => {
    const lines = problems(readFileSync(fixture('broken.yaml'), 'utf8'));
    expect(lines).toEqual([
      'g.yaml:2:34: listen.port: expected an integer from 0 to 65535, got 70000',
      'g.yaml:5:15: services.user-service.targets[0]: https: upstreams are not supported yet (TLS to upstreams is planned): use an http: URL, got "https://127.0.0.1:9001"',
      'g.yaml:5:69: services.user-service.targets[1].wieght: unknown key "wieght" in services.NAME.targets[]; did you mean "weight"? (expected one of: url, weight)',
      'g.yaml:6:14: services.user-service.balance: expected one of "round-robin", "least-requests", "random", got "round-robbin"; did you mean "round-robin"?',
      'g.yaml:8:11: rate_limits.per-ip: algorithm token-bucket needs "refill_per_second"',
      'g.yaml:10:5: routes[0]: needs one of "service" or "split"',
      'g.yaml:11:5: routes[0].servce: unknown key "servce" in routes[]; did you mean "service"? (expected one of: path, methods, host, headers, version, service, split, sticky, rate_limit, rewrite, timeout_ms, timeouts, request_headers, response_headers, max_body_bytes, retry)',
      'g.yaml:13:14: routes[1].service: unknown service "user-servce"; did you mean "user-service"? (defined: user-service under services:)',
      'g.yaml:15:18: routes[1].rate_limit[0]: unknown rate-limit policy "per-ipp"; did you mean "per-ip"? (defined: per-ip under rate_limits:)',
      'g.yaml:18:24: routes[2].headers.x-beta: expected a header value (a string), or true or false, or an object (keys: pattern), got the number 1 (YAML reads it as a number; quote it: "1")',
      'g.yaml:19:30: routes[2].rewrite.strip_prefix: "/api\\r\\nX-Evil: 1" contains a control character (CR, LF, NUL, ...), which a path may not',
    ]);
  });

  it('the ConfigError carries the problems and a message that lists them', () => {
    try {
      loadConfig(fixture('broken.yaml'));
      expect.unreachable();
    } catch (error) {
      const e = error as ConfigError;
      expect(e.code).toBe('SWITCHYARD_CONFIG');
      expect(e.problems).toHaveLength(11);
      expect(e.problems[0]).toEqual({
        file: fixture('broken.yaml'),
        line: 2,
        col: 34,
        message: 'listen.port: expected an integer from 0 to 65535, got 70000',
      });
      expect([e.file, e.line, e.col]).toEqual([fixture('broken.yaml'), 2, 34]);
      expect(e.message.split('\n')[0]).toBe(`invalid gateway config ${fixture('broken.yaml')}, 11 problems:`);
      expect(e.message).toContain(`${fixture('broken.yaml')}:19:30: routes[2].rewrite.strip_prefix`);
    }
  });

  it('YAML syntax errors are positioned, duplicate keys included', () => {
    expect(problems('routes:\n  - path: /a\n    path: /b\n')).toEqual(['g.yaml:3:5: YAML: Map keys must be unique']);
    expect(problems('routes: [\n')[0]).toMatch(/^g\.yaml:\d+:\d+: YAML: /);
  });

  it('an unknown top-level key, with and without a suggestion', () => {
    expect(problems(`${base()}rate_limit: {}\nzzz: 1\n`)).toEqual([
      'g.yaml:6:1: rate_limit: unknown key "rate_limit" at the top level; did you mean "rate_limits"? (expected one of: name, listen, admin, max_body_bytes, trust_proxies, paths, versioning, services, rate_limits, redis, rate_limit_headers, observability, routes)',
      'g.yaml:7:1: zzz: unknown key "zzz" at the top level (expected one of: name, listen, admin, max_body_bytes, trust_proxies, paths, versioning, services, rate_limits, redis, rate_limit_headers, observability, routes)',
    ]);
  });

  it("keys named like Object's own (toString, constructor, __proto__) are unknown keys, not a crash", () => {
    // Found by scripts/fuzz-config.mjs: `{"toString": 0}` threw a TypeError from the schema walk.
    for (const key of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      const found = problems(`${base()}${key}: 0\n`);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^g\\.yaml:6:1: .*unknown key "${key}" at the top level`));
    }
    const error = (() => {
      try {
        parseConfig('{"toString": 0}', 'x.yaml');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
  });

  it('missing routes, wrong shapes', () => {
    expect(problems('name: x\n')).toEqual(['g.yaml:1:1: (top level): missing required key "routes"']);
    expect(problems('- a\n')).toEqual([
      'g.yaml:1:1: (top level): expected an object (keys: name, listen, admin, max_body_bytes, trust_proxies, paths, versioning, services, rate_limits, redis, rate_limit_headers, observability, routes), got a list',
    ]);
    expect(problems(base('    methods: [GET, 1]\n'))).toEqual([
      'g.yaml:6:20: routes[0].methods[1]: expected an HTTP method, got the number 1 (YAML reads it as a number; quote it: "1")',
    ]);
    expect(problems(base('    timeout_ms: 1.5\n'))).toEqual([
      'g.yaml:6:17: routes[0].timeout_ms: expected an integer from 0 to 2147483647 (ms), got 1.5',
    ]);
    expect(problems('routes:\nadmin:\n')).toEqual([
      'g.yaml:1:8: routes: expected a list, each item an object (keys: path, methods, host, headers, version, service, split, sticky, rate_limit, rewrite, timeout_ms, timeouts, request_headers, response_headers, max_body_bytes, retry), got nothing (an empty value)',
      'g.yaml:2:7: admin: expected an object (keys: host, port), got nothing (an empty value)',
    ]);
  });
});

describe('each value rule', () => {
  it('targets: http URLs only, no user info, query or port 0, each once', () => {
    const lines = problems(`services:
  s:
    targets:
      - ftp://127.0.0.1
      - http://u:p@127.0.0.1:1
      - http://127.0.0.1:1/?q=1
      - http://127.0.0.1:0
      - not a url
      - { url: http://127.0.0.1:2, weight: 0 }
      - http://127.0.0.1:3
      - http://127.0.0.1:3/other
routes: []
`);
    expect(lines).toEqual([
      'g.yaml:4:9: services.s.targets[0]: expected an http: URL, got "ftp://127.0.0.1"',
      'g.yaml:5:9: services.s.targets[1]: the URL "http://u:p@127.0.0.1:1" carries user info, which is not accepted',
      'g.yaml:6:9: services.s.targets[2]: the URL "http://127.0.0.1:1/?q=1" has a query or fragment; a target is scheme, host, port and optionally a base path',
      'g.yaml:7:9: services.s.targets[3]: the URL "http://127.0.0.1:0" has port 0',
      'g.yaml:8:9: services.s.targets[4]: "not a url" contains a space or control character',
      'g.yaml:9:44: services.s.targets[5].weight: expected an integer from 1 to 1000000, got 0',
      'g.yaml:11:9: services.s.targets[7]: target http://127.0.0.1:3 is listed twice (also targets[6]); give it a weight instead',
    ]);
  });

  it('balance: strategies, consistent-hash keys and algorithms', () => {
    const lines = problems(`services:
  a: { targets: [http://127.0.0.1:1], balance: { consistent-hash: { key: header:x-user-id, algorithm: magelv } } }
  b: { targets: [http://127.0.0.1:1], balance: { consistent-hash: { key: body } } }
  c: { targets: [http://127.0.0.1:1], balance: { consistent_hash: { key: path } } }
  d: { targets: [http://127.0.0.1:1], balance: { consistent-hash: { key: "header:x y" } } }
  e: { targets: [http://127.0.0.1:1], balance: { consistent-hash: { key: "cookie:" } } }
routes: []
`);
    expect(lines).toEqual([
      'g.yaml:2:103: services.a.balance.consistent-hash.algorithm: expected one of "ring", "maglev", "rendezvous", "jump", got "magelv"; did you mean "maglev"?',
      'g.yaml:3:74: services.b.balance.consistent-hash.key: expected header:NAME, cookie:NAME, query:NAME, client-ip or path, got "body"',
      'g.yaml:4:48: services.c.balance: missing required key "consistent-hash"',
      'g.yaml:4:50: services.c.balance.consistent_hash: unknown key "consistent_hash" in services.NAME.balance; did you mean "consistent-hash"? (expected one of: consistent-hash)',
      'g.yaml:5:74: services.d.balance.consistent-hash.key: header:NAME: "x y" is not a valid header name (an HTTP token)',
      'g.yaml:6:74: services.e.balance.consistent-hash.key: cookie: needs a name after the colon (cookie:NAME)',
    ]);
  });

  it('jump consistent hashing takes no weights', () => {
    expect(
      problems(`services:
  j:
    targets: [http://127.0.0.1:1, { url: http://127.0.0.1:2, weight: 2 }]
    balance: { consistent-hash: { key: path, algorithm: jump } }
routes: [{ path: /, service: j }]
`),
    ).toEqual([
      'g.yaml:3:70: services.j.targets[1].weight: the jump algorithm gives every target the same share: remove the weight, or use ring, maglev or rendezvous',
    ]);
  });

  it('key syntax: every form parses', () => {
    const c = parseConfig(`services:
  s: { targets: [http://127.0.0.1:1], balance: { consistent-hash: { key: query:user } } }
rate_limits:
  a: { capacity: 1, refill_per_second: 1, key: header:X-User }
  b: { capacity: 1, refill_per_second: 1, key: cookie:sid }
  c: { capacity: 1, refill_per_second: 1, key: path }
  d: { capacity: 1, refill_per_second: 1 }
routes: [{ path: /a, service: s, rate_limit: [a, b, c, d] }]
`);
    expect(c.services[0]!.balance).toMatchObject({ key: { from: 'query', name: 'user' } });
    expect(c.rateLimits.map((p) => p.key)).toEqual([
      { from: 'header', name: 'x-user' },
      { from: 'cookie', name: 'sid' },
      { from: 'path' },
      { from: 'client-ip' },
    ]);
  });

  it('rate limits: algorithm fields, numbers, store redis needs redis:', () => {
    const lines = problems(`services: { s: { targets: [http://127.0.0.1:1] } }
rate_limits:
  a: { algorithm: token-bucket, capacity: 0, refill_per_second: 0.0001 }
  b: { algorithm: sliding-window, limit: 5 }
  c: { algorithm: sliding-window, limit: 1000000000, window_ms: 3000000 }
  d: { capacity: 1, refill_per_second: 1, store: redis }
  e: { algorithm: leaky-bucket, capacity: 1, refill_per_second: 1 }
routes: [{ path: /a, service: s, rate_limit: [a, b, c, d, e] }]
`);
    expect(lines).toEqual([
      'g.yaml:3:43: rate_limits.a.capacity: expected an integer from 1 to 1000000000, got 0',
      'g.yaml:3:65: rate_limits.a.refill_per_second: expected a number from 0.001 to 1000000000 with at most 3 decimals, got 0.0001',
      'g.yaml:4:6: rate_limits.b: algorithm sliding-window needs "window_ms"',
      'g.yaml:5:65: rate_limits.c.window_ms: limit × window_ms must be at most 2^51, got 1000000000 × 3000000',
      'g.yaml:6:50: rate_limits.d.store: store redis needs the top-level redis: { url } block',
      'g.yaml:7:19: rate_limits.e.algorithm: expected one of "token-bucket", "sliding-window", got "leaky-bucket"',
    ]);
  });

  it('routes: service xor split, split services and weights, inline policy', () => {
    const lines = problems(`services:
  stable: { targets: [http://127.0.0.1:1] }
  canary: { targets: [http://127.0.0.1:2] }
routes:
  - { path: /a, service: stable, split: [{ service: stable, weight: 1 }] }
  - { path: /b, split: [{ service: stable, weight: 0 }, { service: canry, weight: 0 }] }
  - { path: /c, split: [{ service: stable, weight: 1 }, { service: stable, weight: 1 }] }
  - { path: /d, split: [] }
  - { path: /e, service: stable, rate_limit: { capacity: 5 } }
  - { path: /f, service: stable, rate_limit: nope }
`);
    expect(lines).toEqual([
      'g.yaml:5:34: routes[0].split: "service" and "split" cannot both be set: use exactly one',
      'g.yaml:6:24: routes[1].split: the split weights sum to 0: no service could ever be picked',
      'g.yaml:6:68: routes[1].split[1].service: unknown service "canry"; did you mean "canary"? (defined: stable, canary under services:)',
      'g.yaml:7:68: routes[2].split[1].service: service "stable" appears twice in the split',
      'g.yaml:8:24: routes[3].split: expected at least 1 item, got none',
      'g.yaml:9:46: routes[4].rate_limit: algorithm token-bucket needs "refill_per_second"',
      'g.yaml:10:46: routes[5].rate_limit: unknown rate-limit policy "nope" (none are defined under rate_limits:)',
    ]);
    const ok = parseConfig(`services: { s: { targets: [http://127.0.0.1:1] } }
routes:
  - { path: /e, service: s, rate_limit: { algorithm: sliding-window, limit: 5, window_ms: 1000, key: path } }
  - { path: /f, service: s, methods: get }
`);
    expect(ok.routes[0]!.rateLimit).toEqual(['route:0']);
    expect(ok.routes[0]!.inlineLimit).toMatchObject({
      name: 'route:0',
      limit: 5,
      windowMs: 1000,
      key: { from: 'path' },
    });
    expect(ok.routes[1]!.methods).toEqual(['GET']);
  });

  it('rejects CR, LF and NUL in everything that becomes a header or a path', () => {
    const lines = problems(`services: { s: { targets: [http://127.0.0.1:1] } }
versioning: { header: "X-Version\\r\\n", default: "v1\\n" }
routes:
  - path: "/a\\u0000"
    service: s
  - path: /b
    service: s
    version: "v2\\r\\nX-Evil: 1"
    headers: { "x-a\\n": "1", x-b: "ok\\r\\nX-Evil: 1" }
    rewrite: { replace_prefix: { from: /b, to: "/c\\u0000" } }
  - path: /c
    service: s
    rewrite: { strip_prefix: "/c%0d%0a" }
`);
    expect(lines).toEqual([
      'g.yaml:2:23: versioning.header: expected an HTTP header name (a token), got "X-Version\\r\\n"',
      'g.yaml:2:49: versioning.default: expected a version token such as v2 (letters, digits, "._~-", at most 64), got "v1\\n"',
      'g.yaml:4:11: routes[0].path: "/a\\u0000" contains a space or control character (CR, LF, NUL, ...)',
      'g.yaml:8:14: routes[1].version: expected a version token such as v2 (letters, digits, "._~-", at most 64), got "v2\\r\\nX-Evil: 1"',
      'g.yaml:9:16: routes[1].headers["x-a\\n"]: bad header name: expected an HTTP header name (a token), got "x-a\\n"',
      'g.yaml:9:35: routes[1].headers.x-b: "ok\\r\\nX-Evil: 1" contains a control character (CR, LF, NUL, ...), which a header value may not',
      'g.yaml:10:48: routes[1].rewrite.replace_prefix.to: "/c\\u0000" contains a control character (CR, LF, NUL, ...), which a path may not',
      'g.yaml:13:30: routes[2].rewrite.strip_prefix: "/c%0d%0a" contains a malformed or control-character percent-escape at "%0d"',
    ]);
  });

  it('rewrite: exactly one form, prefixes start with /', () => {
    expect(problems(base('    rewrite: { strip_prefix: /a, replace_prefix: { from: /a, to: /b } }\n'))).toEqual([
      'g.yaml:6:34: routes[0].rewrite.replace_prefix: "strip_prefix" and "replace_prefix" cannot both be set: use exactly one',
    ]);
    expect(problems(base('    rewrite: { strip_prefix: a }\n'))).toEqual([
      'g.yaml:6:30: routes[0].rewrite.strip_prefix: expected a path starting with /, got "a"',
    ]);
    expect(problems(base('    rewrite: {}\n'))).toEqual([
      'g.yaml:6:14: routes[0].rewrite: needs one of "strip_prefix" or "replace_prefix"',
    ]);
  });

  it('listen, admin, trust_proxies (CIDRs), paths, versioning', () => {
    const lines = problems(`listen: { host: "not a host", port: 80 }
admin: { port: 80, host: not_a_host }
trust_proxies: [10.0.0.0/8, 10.0.0.0/33, ::1, 1.2.3]
paths: { escaped_slashes: drop, merge_slashes: "yes", dot_segments: reject }
versioning: { header: X-API-Version }
${base()}`);
    expect(lines).toEqual([
      'g.yaml:1:17: listen.host: expected an IP address or a host name, got "not a host"',
      'g.yaml:2:26: admin.host: expected an IP address or a host name, got "not_a_host"',
      'g.yaml:3:29: trust_proxies[1]: expected an IP address or CIDR block such as 10.0.0.0/8, got "10.0.0.0/33"',
      'g.yaml:3:47: trust_proxies[3]: expected an IP address or CIDR block such as 10.0.0.0/8, got "1.2.3"',
      'g.yaml:4:27: paths.escaped_slashes: expected one of "reject", "keep", "decode", got "drop"',
      'g.yaml:4:48: paths.merge_slashes: expected true or false, got "yes"',
      'g.yaml:5:13: versioning: missing required key "default"',
    ]);
    expect(problems(`listen: { port: 9000 }\nadmin: { port: 9000 }\n${base()}`)).toEqual([
      'g.yaml:2:16: admin.port: admin and listen both use 127.0.0.1:9000',
    ]);
  });

  it('listen.client_timeouts: values as given, positioned errors, only on the proxy listener', () => {
    const c = parseConfig(`listen: { port: 9000, client_timeouts: { headers_ms: 800, request_ms: 0 } }\n${base()}`);
    expect(c.listen.clientTimeouts).toEqual({ keepAliveMs: 5000, headersMs: 800, requestMs: 0 });
    expect(
      problems(`listen:\n  client_timeouts: { keep_alive_ms: 0, headers_ms: soon, idle_ms: 5 }\n${base()}`),
    ).toEqual([
      'g.yaml:2:37: listen.client_timeouts.keep_alive_ms: expected an integer from 1 to 2147483647 (ms), got 0',
      'g.yaml:2:52: listen.client_timeouts.headers_ms: expected an integer from 1 to 2147483647 (ms), got "soon"',
      'g.yaml:2:58: listen.client_timeouts.idle_ms: unknown key "idle_ms" in listen.client_timeouts (expected one of: keep_alive_ms, headers_ms, request_ms)',
    ]);
    expect(problems(`admin: { port: 9001, client_timeouts: {} }\n${base()}`)).toEqual([
      'g.yaml:1:22: admin.client_timeouts: unknown key "client_timeouts" in admin (expected one of: host, port)',
    ]);
  });

  it('request_headers and response_headers: as written, and fields the gateway writes refused at their key', () => {
    const c = parseConfig(
      base(
        '    request_headers: { set: { X-Api-Key: k1 }, remove: [Cookie] }\n    response_headers: { remove: [server] }\n',
      ),
    );
    expect(c.routes[0]!.requestHeaders).toEqual({ set: [['X-Api-Key', 'k1']], remove: ['Cookie'] });
    expect(c.routes[0]!.responseHeaders).toEqual({ set: [], remove: ['server'] });
    const lines = problems(
      base(
        '    request_headers:\n      set: { X-Request-ID: mine, Host: h }\n      remove: [via]\n    response_headers:\n      set: { x-ratelimit-limit: "1" }\n',
      ),
    );
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^g\.yaml:7:14: routes\[0\]\.request_headers\.set\.X-Request-ID: x-request-id is written by the gateway itself/,
    );
    expect(lines[1]).toMatch(
      /^g\.yaml:7:34: routes\[0\]\.request_headers\.set\.Host: host is written .*pass_host_header: false$/,
    );
    expect(lines[2]).toMatch(/^g\.yaml:8:16: routes\[0\]\.request_headers\.remove\[0\]: via is written/);
    expect(lines[3]).toMatch(/^g\.yaml:10:14: routes\[0\]\.response_headers\.set\.x-ratelimit-limit: .*in the answer$/);
    expect(problems(base('    request_headers: { set: { "x-a": "v\\r\\nx-b: 1" } }\n'))[0]).toMatch(
      /control character|header value/,
    );
  });

  it('max_body_bytes: top level and per route, positioned errors', () => {
    expect(parseConfig(base()).maxBodyBytes).toBe(0);
    const c = parseConfig(`max_body_bytes: 1048576\n${base('  - path: /up\n    service: s\n    max_body_bytes: 0\n')}`);
    expect(c.maxBodyBytes).toBe(1048576);
    expect(c.routes.map((r) => r.maxBodyBytes)).toEqual([undefined, 0]);
    expect(problems(`max_body_bytes: -1\n${base('  - path: /up\n    service: s\n    max_body_bytes: 1.5\n')}`)).toEqual(
      [
        'g.yaml:1:17: max_body_bytes: expected an integer from 0 to 9007199254740991, got -1',
        'g.yaml:9:21: routes[1].max_body_bytes: expected an integer from 0 to 9007199254740991, got 1.5',
      ],
    );
  });

  it('headers: the reserved version header, booleans and patterns', () => {
    expect(problems(base('    headers: { x-switchyard-route-version: v1 }\n'))).toEqual([
      'g.yaml:6:14: routes[0].headers: x-switchyard-route-version is reserved: the gateway sets it to the resolved version; use version: instead',
    ]);
    const c = parseConfig(base('    headers: { X-A: true, x-b: false, x-c: { pattern: "\\\\d+" } }\n'));
    expect(c.routes[0]!.headers).toEqual({ 'x-a': true, 'x-b': false, 'x-c': { pattern: '\\d+' } });
  });

  it('names of services and policies', () => {
    expect(problems('services:\n  "bad name": { targets: [http://127.0.0.1:1] }\nroutes: []\n')).toEqual([
      'g.yaml:2:3: services["bad name"]: bad service name: expected a name (letters, digits, ".", "_", "-", starting with a letter or digit, at most 128), got "bad name"',
    ]);
    expect(problems('rate_limits:\n  "route:0": { capacity: 1, refill_per_second: 1 }\nroutes: []\n')[0]).toMatch(
      /^g\.yaml:2:3: rate_limits\.route:0: bad policy name/,
    );
  });

  it('router errors (invalid paths, conflicts) are reported with the rest, at the route', () => {
    const lines = problems(`services: { s: { targets: [http://127.0.0.1:1] } }
routes:
  - { path: /users/:id(?=x), service: s }
  - { path: /a/:x, service: s, methods: [GET] }
  - { path: /a/:y, service: s, methods: [GET, POST] }
  - { path: /a/:y, service: s, methods: [DELETE] }
  - { path: /b, service: s, version: v1 }
  - { path: /b, service: s, version: v2 }
  - { path: /b, service: s, version: v2, zzz: 1 }
  - { path: /c, service: s, host: "*.example.com" }
  - { path: /c, service: s, host: "bad..host" }
`);
    expect(lines).toEqual([
      'g.yaml:3:13: routes[0].path: pattern of param "id": quantifier "?" has nothing to repeat at offset 0',
      'g.yaml:5:5: routes[2]: no request can tell it apart from routes[1] (same path shape, host, headers and version, and a method in common); remove one, or tell them apart by method, host, a header or version',
      'g.yaml:9:5: routes[6]: no request can tell it apart from routes[5] (same path shape, host, headers and version, and a method in common); remove one, or tell them apart by method, host, a header or version',
      'g.yaml:9:42: routes[6].zzz: unknown key "zzz" in routes[] (expected one of: path, methods, host, headers, version, service, split, sticky, rate_limit, rewrite, timeout_ms, timeouts, request_headers, response_headers, max_body_bytes, retry)',
      'g.yaml:11:35: routes[8].host: expected a host such as api.example.com or *.example.com, got "bad..host"',
    ]);
  });
});

describe('route paths against the paths: policy', () => {
  it('a path no canonical request has is refused at load, at the path', () => {
    expect(
      problems(`services: { s: { targets: [http://127.0.0.1:1] } }
routes:
  - { path: /a//b, service: s }
  - { path: /a/./c, service: s }
  - { path: /a%2Fb, service: s }
`),
    ).toEqual([
      'g.yaml:3:13: routes[0].path: empty segment at offset 3',
      'g.yaml:4:13: routes[1].path: the dot segment "." can never match: requests\' dot segments are resolved (dotSegments)',
      expect.stringMatching(/^g\.yaml:5:13: routes\[2\]\.path: an encoded slash \(%2F\) is not allowed/),
    ]);
  });
});

describe('other sources', () => {
  it('JSON files load with positions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-gw-'));
    const file = join(dir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          name: 'j',
          services: { s: { targets: ['http://127.0.0.1:1'] } },
          routes: [{ path: '/a', service: 's', methods: ['GET'] }],
        },
        null,
        '\t',
      ),
    );
    expect(loadConfig(file).routes[0]).toMatchObject({ path: '/a', methods: ['GET'], position: { file, line: 11 } });
    writeFileSync(file, '{\n  "routes": [\n    { "path": "/a", "service": "nope" }\n  ]\n}\n');
    try {
      loadConfig(file);
      expect.unreachable();
    } catch (error) {
      expect(formatProblems(error)).toBe(
        `${file}:3:32: routes[0].service: unknown service "nope" (none are defined under services:)\n`,
      );
    }
    // A JSON syntax error is told in JSON's words, at its position (not as the YAML parser sees it).
    writeFileSync(file, '{\n  "routes": [\n    { "path": "/a", "service": "s" }\n    { "path": "/b" }\n  ]\n}\n');
    try {
      loadConfig(file);
      expect.unreachable();
    } catch (error) {
      expect(formatProblems(error)).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:5: JSON: .+\n$`),
      );
      expect(formatProblems(error)).not.toMatch(/YAML|[Ff]low sequence/);
    }
  });

  it('objects given in code are checked the same way, by key path', () => {
    const c = loadConfig({
      services: { s: { targets: ['http://127.0.0.1:1'] } },
      routes: [{ path: '/a', service: 's' }],
    });
    expect(c.file).toBeUndefined();
    expect(c.routes[0]!.position).toBeUndefined();
    expect(loadConfig(c)).toBe(c);
    try {
      loadConfig({ routes: [{ path: '/a', service: 's', extra: 1 }] });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.split('\n')[0]).toBe('invalid gateway config, 2 problems:');
      expect(formatProblems(error).trimEnd().split('\n')).toEqual([
        'routes[0].extra: unknown key "extra" in routes[] (expected one of: path, methods, host, headers, version, service, split, sticky, rate_limit, rewrite, timeout_ms, timeouts, request_headers, response_headers, max_body_bytes, retry)',
        'routes[0].service: unknown service "s" (none are defined under services:)',
      ]);
    }
  });

  it('a missing file is a ConfigError that names it', () => {
    expect(() => loadConfig('/nonexistent/gateway.yaml')).toThrow(
      /cannot read gateway config \/nonexistent\/gateway\.yaml: no such file/,
    );
  });

  it('an alias bomb is refused, not expanded', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(problems(`${levels.join('\n')}\nroutes: []\n`)).toEqual([
      'g.yaml:1:1: the document is too large or too deep once its aliases are expanded (at most 200000 values, 64 levels)',
    ]);
  });
});
