// What a Node user hands the request-reading helpers: Node's IncomingMessage, an Express request,
// a Fastify request, or the plain { remoteAddress, headers } shape; a wrong shape is a typed error,
// never the shared key `ip:unknown`. And a Match gives back its route's pattern and spec, in both
// implementations.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientIpResolver, InvalidArgumentError } from '@switchyard/core';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { native, reference } from '../support/implementations.js';

const resolver = new ClientIpResolver({ trustedProxies: ['127.0.0.1'] });
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function get(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
  return res.text();
}

describe('ClientIpResolver reads the requests Node servers give', () => {
  it('node:http IncomingMessage', async () => {
    const server = createServer((req: IncomingMessage, res) =>
      res.end(`${resolver.key(req)} ${resolver.clientIp(req)}`),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(() => new Promise((done) => server.close(done)));
    expect(await get((server.address() as AddressInfo).port)).toBe('ip:203.0.113.9 203.0.113.9');
  });

  it('an Express request', async () => {
    const app = express();
    app.get('/', (req, res) => {
      res.send(resolver.key(req));
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((done) => server.once('listening', done));
    closers.push(() => new Promise((done) => server.close(done)));
    expect(await get((server.address() as AddressInfo).port)).toBe('ip:203.0.113.9');
  });

  it('a Fastify request (and its raw IncomingMessage)', async () => {
    const app = Fastify();
    app.get('/', async (request) => `${resolver.key(request)} ${resolver.key(request.raw)}`);
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    expect(await get((app.server.address() as AddressInfo).port)).toBe('ip:203.0.113.9 ip:203.0.113.9');
  });

  it('the plain shape, and a detached socket is an unknown peer', () => {
    expect(resolver.key({ remoteAddress: '198.51.100.4', headers: {} })).toBe('ip:198.51.100.4');
    expect(resolver.key({ remoteAddress: undefined, headers: {} })).toBe('ip:unknown');
    expect(resolver.key({ socket: null, headers: {} })).toBe('ip:unknown');
    expect(resolver.key({ raw: { socket: { remoteAddress: '198.51.100.5' } }, headers: {} })).toBe('ip:198.51.100.5');
  });

  it('a wrong shape is an InvalidArgumentError that says what was expected', () => {
    const wrong: unknown[] = [
      null,
      'req',
      {},
      { headers: {} },
      { ip: '1.2.3.4', headers: {} },
      { remoteAddress: 7, headers: {} },
    ];
    for (const req of wrong) {
      let caught: unknown;
      try {
        resolver.key(req as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(req)).toBeInstanceOf(InvalidArgumentError);
      expect((caught as InvalidArgumentError).code).toBe('SWITCHYARD_INVALID_ARGUMENT');
      expect((caught as Error).message).toMatch(/IncomingMessage|remoteAddress/);
    }
  });
});

describe.each([reference, native])('$name Router: a match gives back its pattern and spec as added', (impl) => {
  it('pattern and a frozen copy of the spec, from match and resolve', () => {
    const router = new impl.Router<string>();
    const spec = { method: ['GET', 'PUT'], path: '/users/:id(\\d+)', headers: { 'x-beta': { pattern: '1|yes' } } };
    router.add({ path: '/health' }, 'health');
    router.add(spec, 'user');
    // The caller's object changes after add; the route as added does not.
    spec.path = '/changed';
    spec.method.push('DELETE');
    spec.headers['x-beta'].pattern = 'no';
    const match = router.match({ method: 'GET', path: '/users/42', headers: { 'x-beta': 'yes' } });
    expect(match).toMatchObject({ value: 'user', route: 1, pattern: '/users/:id(\\d+)' });
    expect(match?.spec).toEqual({
      method: ['GET', 'PUT'],
      path: '/users/:id(\\d+)',
      headers: { 'x-beta': { pattern: '1|yes' } },
    });
    expect(Object.isFrozen(match?.spec)).toBe(true);
    expect(Object.isFrozen(match?.spec.method)).toBe(true);
    const resolved = router.resolve({ method: 'GET', path: '/health' });
    expect(resolved.outcome === 'matched' && [resolved.match.pattern, resolved.match.spec]).toEqual([
      '/health',
      { path: '/health' },
    ]);
  });
});
