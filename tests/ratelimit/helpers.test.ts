import {
  ClientIpResolver,
  InvalidArgumentError,
  quotaPolicy,
  rateLimitHeaders,
  rateLimitKeys,
  takeAll,
} from '@switchyard/core';
import { parseIp } from '@switchyard/core/internal';
import { describe, expect, it } from 'vitest';
import { implementations as impls } from '../support/implementations.js';

const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({ remoteAddress, headers });

describe('client IP from trusted proxies only', () => {
  it('ignores forwarding headers when no proxy is trusted', () => {
    const r = new ClientIpResolver();
    expect(r.clientIp(req('198.51.100.9', { 'x-forwarded-for': '1.2.3.4' }))).toBe('198.51.100.9');
  });

  it('walks X-Forwarded-For right to left through trusted hops only', () => {
    const r = new ClientIpResolver({ trustedProxies: ['10.0.0.0/8', '127.0.0.1'] });
    // client 203.0.113.7 → proxy 10.1.1.1 → proxy 127.0.0.1 → us; "6.6.6.6" was forged by the client.
    const h = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.1.1.1' };
    expect(r.clientIp(req('127.0.0.1', h))).toBe('203.0.113.7');
    // The same header from an untrusted peer is not read at all.
    expect(r.clientIp(req('198.51.100.9', h))).toBe('198.51.100.9');
    // Several header lines are one list.
    expect(r.clientIp({ remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': ['6.6.6.6', '203.0.113.8'] } })).toBe(
      '203.0.113.8',
    );
  });

  it('stops at a hop that is not an address, keeping the proxy that reported it', () => {
    const r = new ClientIpResolver({ trustedProxies: ['10.0.0.0/8'] });
    expect(r.clientIp(req('10.0.0.1', { 'x-forwarded-for': '1.1.1.1, unknown' }))).toBe('10.0.0.1');
  });

  it('reads RFC 7239 Forwarded when told to, with quotes, brackets and ports', () => {
    const r = new ClientIpResolver({ trustedProxies: ['::1', '10.0.0.0/8'], header: 'forwarded' });
    const h = { forwarded: 'for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.5;by=10.0.0.6' };
    expect(r.clientIp(req('::1', h))).toBe('2001:0db8:cafe:0000:0000:0000:0000:0017');
  });

  it('groups IPv6 clients by /64 by default, configurable, and unmaps IPv4-mapped addresses', () => {
    const r = new ClientIpResolver();
    expect(r.key(req('2001:db8:1:2:aaaa::1'))).toBe(r.key(req('2001:db8:1:2:ffff:1:2:3')));
    expect(r.key(req('2001:db8:1:2::1'))).toBe('ip:2001:0db8:0001:0002:0000:0000:0000:0000/64');
    expect(r.key(req('2001:db8:1:3::1'))).not.toBe(r.key(req('2001:db8:1:2::1')));
    expect(new ClientIpResolver({ ipv6Prefix: 48 }).key(req('2001:db8:1:3::1'))).toBe(
      new ClientIpResolver({ ipv6Prefix: 48 }).key(req('2001:db8:1:2::1')),
    );
    expect(r.key(req('::ffff:192.0.2.1'))).toBe('ip:192.0.2.1');
    expect(new ClientIpResolver({ ipv4Prefix: 24 }).key(req('192.0.2.77'))).toBe('ip:192.0.2.0/24');
    expect(r.key({ remoteAddress: undefined, headers: {} })).toBe('ip:unknown');
  });

  it('parses addresses strictly and rejects bad configuration', () => {
    expect(parseIp('1.2.3.256')).toBeNull();
    expect(parseIp('01.2.3.4')).toBeNull();
    expect(parseIp('1::2::3')).toBeNull();
    expect(parseIp('fe80::1%eth0')?.length).toBe(16);
    expect(parseIp('::ffff:1.2.3.4')).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(() => new ClientIpResolver({ trustedProxies: ['10.0.0.0/33'] })).toThrow(InvalidArgumentError);
    expect(() => new ClientIpResolver({ ipv6Prefix: 129 })).toThrow(/ipv6Prefix/);
  });

  it('builds prefixed keys that never collide across kinds', () => {
    expect(rateLimitKeys.apiKey('abc')).toBe('key:abc');
    expect(rateLimitKeys.user('abc')).toBe('user:abc');
    expect(rateLimitKeys.route('get', '/users/:id')).toBe('route:GET /users/:id');
    expect(rateLimitKeys.global()).toBe('global');
    expect(rateLimitKeys.compose('user:a|b', 'route:x')).toBe('"user:a|b"|route:x');
  });
});

describe.each(impls)('several limits on one request: $name', ({ RateLimiter, SlidingWindowLimiter }) => {
  const setup = () => ({
    ip: new RateLimiter({ capacity: 2, refillPerSecond: 1 }),
    route: new SlidingWindowLimiter({ limit: 100, windowMs: 60_000 }),
    global: new RateLimiter({ capacity: 1000, refillPerSecond: 100 }),
  });
  const limits = (l: ReturnType<typeof setup>, ip: string) => [
    { name: 'ip', limiter: l.ip, key: `ip:${ip}` },
    { name: 'route', limiter: l.route, key: 'route:GET /x' },
    { name: 'global', limiter: l.global, key: 'global' },
  ];

  it('a request denied by one limit consumes from none of the others', () => {
    const l = setup();
    expect(takeAll(limits(l, 'a'), { nowMs: 0 }).allowed).toBe(true);
    expect(takeAll(limits(l, 'a'), { nowMs: 0 }).allowed).toBe(true);
    const denied = takeAll(limits(l, 'a'), { nowMs: 0 });
    expect(denied).toMatchObject({ allowed: false, wouldAllow: false, retryAfterMs: 1000 });
    expect(denied.binding?.name).toBe('ip');
    // Only the two admitted requests were charged to the route and global limits.
    expect(l.route.peek('route:GET /x', 0, 0).remaining).toBe(98);
    expect(l.global.peek('global', 0, 0).remaining).toBe(998);
    expect(takeAll(limits(l, 'b'), { nowMs: 0 }).results.map((r) => r.decision.remaining)).toEqual([1, 97, 997]);
  });

  it('dry-run lets the request through, reports the truth and consumes as enforcement would', () => {
    const l = setup();
    const denials: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const d = takeAll(limits(l, 'a'), { nowMs: 0, dryRun: true, onDeny: (x) => denials.push(x.wouldAllow) });
      expect(d.allowed).toBe(true);
      expect(d.wouldAllow).toBe(i < 2);
    }
    expect(denials).toEqual([false]);
    expect(l.global.peek('global', 0, 0).remaining).toBe(998);
  });
});

describe('rate-limit headers', () => {
  const policy = quotaPolicy('default', { limit: 100, windowMs: 60_000 });
  const ok = { allowed: true, limit: 100, remaining: 50, retryAfterMs: 0, resetMs: 29_001 };
  const no = { allowed: false, limit: 100, remaining: 0, retryAfterMs: 1_500, resetMs: 45_000 };

  it('writes the IETF structured fields, the legacy trio and Retry-After on a deny', () => {
    expect(rateLimitHeaders(ok, { policies: [policy] })).toEqual({
      headers: {
        'RateLimit-Policy': '"default";q=100;w=60',
        RateLimit: '"default";r=50;t=30',
        'X-RateLimit-Limit': '100',
        'X-RateLimit-Remaining': '50',
        'X-RateLimit-Reset': '30',
      },
      warning: false,
    });
    expect(rateLimitHeaders(no).headers['Retry-After']).toBe('2');
    expect(rateLimitHeaders(ok).headers['Retry-After']).toBeUndefined();
  });

  it('sends only the chosen families', () => {
    expect(Object.keys(rateLimitHeaders(no, { families: ['retry-after'] }).headers)).toEqual(['Retry-After']);
    expect(Object.keys(rateLimitHeaders(no, { families: ['legacy'] }).headers)).toEqual([
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ]);
  });

  it('warns from the configured share of the quota (default 80%)', () => {
    const at = (remaining: number, warnAt?: number) =>
      rateLimitHeaders({ ...ok, remaining }, { warnAt, warningHeader: 'X-RateLimit-Warning' });
    expect(at(21).warning).toBe(false);
    expect(at(20).warning).toBe(true);
    expect(at(20).headers['X-RateLimit-Warning']).toBe('80% of quota used');
    expect(at(60, 0.4).warning).toBe(true);
    expect(() => at(1, 2)).toThrow(InvalidArgumentError);
  });

  it('lists every limit of a multi-limit decision and reports the binding one in legacy headers', () => {
    const rl = new impls[0]!.RateLimiter({ capacity: 10, refillPerSecond: 1 });
    const sw = new impls[0]!.SlidingWindowLimiter({ limit: 3, windowMs: 10_000 });
    const d = takeAll(
      [
        { name: 'ip', limiter: rl, key: 'a' },
        { name: 'route', limiter: sw, key: 'r' },
      ],
      { nowMs: 0 },
    );
    const { headers } = rateLimitHeaders(d, {
      policies: [quotaPolicy('ip', rl.options), quotaPolicy('route', sw.options)],
    });
    expect(headers['RateLimit-Policy']).toBe('"ip";q=10;w=10, "route";q=3;w=10');
    expect(headers.RateLimit).toBe('"ip";r=9;t=1, "route";r=2;t=20');
    expect(headers['X-RateLimit-Remaining']).toBe('2');
  });
});
