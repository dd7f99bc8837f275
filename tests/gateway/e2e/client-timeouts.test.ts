// `listen.client_timeouts` in the config reaches the proxy's server: a head that does not arrive
// within `headers_ms` is answered 408, and an option given in code wins over the file.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../../packages/adapters/src/proxy/index.js';
import { startUpstream, type TestUpstream } from '../../support/upstreams.js';

/** Sends an incomplete head and resolves with what the gateway answered, and after how long. */
function slowHead(port: number): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /a HTTP/1.1\r\nHost: x\r\n'));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve({ text, ms: performance.now() - started }));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(new Error('no answer within 10 s')), 10_000).unref();
  });
}

describe('listen.client_timeouts', () => {
  let up: TestUpstream;
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    up = await startUpstream('svc', 'a1');
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await up.close();
  });

  const config = (headersMs: number) => ({
    listen: { client_timeouts: { headers_ms: headersMs, request_ms: headersMs * 2 } },
    services: { svc: { targets: [up.origin] } },
    routes: [{ path: '/a', service: 'svc' }],
  });

  it('headers_ms from the config answers a slow head 408', async () => {
    const gateway = createGateway(config(300), { log: () => {} });
    gateways.push(gateway);
    const { port } = await gateway.listen(0, '127.0.0.1');
    const { text, ms } = await slowHead(port);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    // Due at 300 ms; Node checks on an interval of a quarter of the shortest deadline.
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(3_000);
  });

  it('an option given in code wins over the file', async () => {
    const gateway = createGateway(config(60_000), { log: () => {}, headersTimeoutMs: 300, requestTimeoutMs: 600 });
    gateways.push(gateway);
    const { port } = await gateway.listen(0, '127.0.0.1');
    const { text, ms } = await slowHead(port);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(3_000);
  });
});
