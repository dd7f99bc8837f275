// The resilience machinery of the standalone gateway around the pure decisions: the active
// health checker (timers, reload, close), the state kept across reloads, and the typed gateway
// events observers get (per-attempt verdicts, request ends, target state changes). Real sockets on 127.0.0.1.
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  GatewayEventHandlers,
  GatewayObserver,
  RequestFinishedEvent,
  TargetStateChangeEvent,
  UpstreamAttemptEndEvent,
} from '../../packages/adapters/src/gateway/events.js';
import { createGateway, type Gateway, reloadText } from '../../packages/adapters/src/proxy/index.js';
import { closedPort, eventually, startUpstream, type TestUpstream } from '../support/upstreams.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function upstream(name: string): Promise<TestUpstream> {
  const u = await startUpstream(name, name);
  cleanup.push(() => u.close());
  return u;
}

function healthConfig(targets: string[], interval = 30) {
  return {
    services: {
      hc: {
        targets,
        health: {
          path: '/__health',
          interval_ms: interval,
          timeout_ms: 300,
          healthy_threshold: 1,
          unhealthy_threshold: 1,
        },
      },
    },
    routes: [{ path: '/*', service: 'hc' }],
  };
}

async function start(config: object, handlers: GatewayEventHandlers = {}): Promise<{ gw: Gateway; url: string }> {
  const observe: GatewayObserver = { attach: (g) => g.events.subscribe(handlers) };
  const gw = createGateway(config, { log: () => {}, observe });
  const address = await gw.listen(0, '127.0.0.1');
  cleanup.push(() => gw.close());
  return { gw, url: address.url };
}

describe('active health checks in the gateway', () => {
  it('probe every target; reload keeps the state of unchanged targets and stops removed ones; close stops all', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const { gw } = await start(healthConfig([a.origin, b.origin]));
    const status = (origin: string) => gw.resilience.targets(Date.now()).find((t) => t.target === origin)?.status;
    expect(await eventually(() => a.hits('/__health') >= 2 && b.hits('/__health') >= 2)).toBe(true);
    b.setHealthy(false);
    expect(await eventually(() => status(b.origin)?.health === 'unhealthy')).toBe(true);
    // Same config: the state carries over (b stays unhealthy without a new probe having to say so).
    await gw.reload(healthConfig([a.origin, b.origin]));
    expect(status(b.origin)).toEqual({ breaker: undefined, health: 'unhealthy', available: false });
    // b removed: its probe stops.
    await gw.reload(healthConfig([a.origin]));
    const bProbes = b.hits('/__health');
    await new Promise((r) => setTimeout(r, 200));
    expect(b.hits('/__health')).toBe(bProbes);
    expect(status(b.origin)).toBeUndefined();
    await gw.close();
    const aProbes = a.hits('/__health');
    await new Promise((r) => setTimeout(r, 200));
    expect(a.hits('/__health')).toBe(aProbes);
  });

  it('in-flight counts: back to 0 after each request, and a reload drops the idle ones (no removed target lingers)', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const config = (targets: string[]) => ({
      services: { lr: { targets, balance: 'least-requests' } },
      routes: [{ path: '/*', service: 'lr' }],
    });
    const { gw, url } = await start(config([a.origin, b.origin]));
    // Two at once: least-requests sends the second to the target the first left idle, so both are counted.
    const replies = await Promise.all([0, 1].map(() => request(`${url}/__slow?ms=200`)));
    for (const r of replies) expect((await r.body.text()).length).toBeGreaterThan(0);
    const flights = () => gw.proxy!.state.runtime.inFlight;
    expect(await eventually(() => [...flights().values()].every((n) => n === 0))).toBe(true);
    expect([...flights().keys()].sort()).toEqual([`lr\0${a.origin}`, `lr\0${b.origin}`].sort());
    await gw.reload(config([a.origin]));
    expect(flights().size).toBe(0);
    expect((await request(`${url}/x`)).statusCode).toBe(200);
    expect(await eventually(() => flights().get(`lr\0${a.origin}`) === 0)).toBe(true);
    expect([...flights().keys()]).toEqual([`lr\0${a.origin}`]);
  });

  it('a reload says which changed blocks wait for a restart (listen, admin, observability)', async () => {
    const a = await upstream('a');
    const base = { services: { s: { targets: [a.origin] } }, routes: [{ path: '/*', service: 's' }] };
    const { gw } = await start(base);
    expect((await gw.reload(base)).needsRestart).toEqual([]);
    const moved = { ...base, listen: { host: '127.0.0.1', port: 18099 }, admin: { host: '127.0.0.1', port: 18098 } };
    const r = await gw.reload(moved);
    // An admin listener turns metrics on by default: observability changes with it.
    expect(r.needsRestart).toEqual(['listen', 'admin', 'observability']);
    expect(reloadText(r)).toBe('1 route, 1 service; changed, applied on restart only: listen, admin, observability');
  });

  it('a target that does not answer its probe in timeout_ms is unhealthy; events say so, with the reason', async () => {
    const dead = await closedPort();
    const ok = await upstream('ok');
    const events: TargetStateChangeEvent[] = [];
    const { url } = await start(healthConfig([`http://127.0.0.1:${dead}`, ok.origin]), {
      'target-state': (e) => events.push(e),
    });
    expect(await eventually(() => events.some((e) => e.current.health === 'unhealthy'))).toBe(true);
    const down = events.find((e) => e.current.health === 'unhealthy')!;
    expect(down).toMatchObject({
      service: 'hc',
      target: `http://127.0.0.1:${dead}`,
      previous: { health: 'unknown', available: true },
      current: { health: 'unhealthy', available: false },
      reason: 'health-check-failed',
    });
    for (let i = 0; i < 6; i++) {
      const res = await request(`${url}/x${i}`);
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
  });
});

describe('events for observers', () => {
  it('every attempt is reported with its verdict, and the request with their count', async () => {
    const good = await upstream('good');
    const dead = await closedPort();
    const attempts: UpstreamAttemptEndEvent[] = [];
    const finished: RequestFinishedEvent[] = [];
    const changes: TargetStateChangeEvent[] = [];
    const { url } = await start(
      {
        services: {
          s: {
            targets: [`http://127.0.0.1:${dead}`, good.origin],
            retries: { attempts: 2, backoff_ms: 1, max_backoff_ms: 2 },
            breaker: { consecutive_failures: 1, cooldown_ms: 60_000 },
          },
        },
        routes: [{ path: '/*', service: 's' }],
      },
      {
        'upstream-attempt-end': (e) => attempts.push(e),
        'request-finished': (e) => finished.push(e),
        'target-state': (e) => changes.push(e),
      },
    );
    const res = await request(`${url}/first`);
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(await eventually(() => finished.length === 1)).toBe(true);
    expect(attempts.map((a) => [a.attempt, a.target.id, a.outcome, a.result?.kind, a.retry?.retry])).toEqual([
      [1, `http://127.0.0.1:${dead}`, 'failed', 'connect-error', true],
      [2, good.origin, 'response', 'response', undefined],
    ]);
    expect(attempts[0]!.retry).toMatchObject({ retry: true, reason: 'connect-error' });
    expect(finished[0]).toMatchObject({ outcome: 'completed', status: 200, attempts: 2 });
    expect(changes.map((e) => [e.target, e.current.breaker, e.reason])).toEqual([
      [`http://127.0.0.1:${dead}`, 'open', 'consecutive-failures'],
    ]);
    // The dead target is open now: the next request goes straight to the live one, one attempt.
    const again = await request(`${url}/second`);
    await again.body.dump();
    expect(await eventually(() => finished.length === 2)).toBe(true);
    expect(attempts.slice(2).map((a) => a.target.id)).toEqual([good.origin]);
    expect(finished[1]).toMatchObject({ attempts: 1 });
    expect(good.hits('/first') + good.hits('/second')).toBe(2);
  });

  it('a service without resilience policies: one attempt, no retry verdict', async () => {
    const good = await upstream('plain');
    const attempts: UpstreamAttemptEndEvent[] = [];
    const finished: RequestFinishedEvent[] = [];
    const { url } = await start(
      { services: { s: { targets: [good.origin] } }, routes: [{ path: '/*', service: 's' }] },
      { 'upstream-attempt-end': (e) => attempts.push(e), 'request-finished': (e) => finished.push(e) },
    );
    const res = await request(`${url}/x`);
    await res.body.dump();
    expect(await eventually(() => finished.length === 1)).toBe(true);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status, a.result, a.retry])).toEqual([
      [1, 'response', 200, undefined, undefined],
    ]);
    expect(finished[0]).toMatchObject({ attempts: 1, outcome: 'completed' });
  });
});
