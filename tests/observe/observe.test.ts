// Observability end to end, against every front door (the standalone proxy, Express, Fastify):
// real upstreams and clients on 127.0.0.1, an `observe()` with access logs into memory, metrics
// and traces, and an OpenTelemetry SDK (BasicTracerProvider with an in-memory exporter)
// registered globally as an app would. Asserts the access lines' fields, the metrics exposition
// after the traffic (parsed), the traceparent the upstream received, and the spans.
import { SpanKind, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Observability, observe } from '@switchyard/adapters/observe';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { frontDoors, type RunningDoor } from '../gateway/e2e/front-doors.js';
import { closedPort, type Echo, eventually, startUpstream, type TestUpstream } from '../support/upstreams.js';
import { parseExposition, sample } from './exposition.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let up: TestUpstream;
let dead: number;
let flaky: number;

beforeAll(async () => {
  up = await startUpstream('users', 'u1');
  dead = await closedPort();
  flaky = await closedPort();
});
afterAll(async () => {
  await up.close();
});

function config(): object {
  return {
    name: 'observed',
    services: {
      users: { targets: [up.origin] },
      dead: {
        targets: [`http://127.0.0.1:${dead}`],
        timeouts: { connect_ms: 500, headers_ms: 1000, request_ms: 2000 },
      },
      // Refuses every connection: one retry from the budget, then the breaker opens at the 4th failure.
      flaky: {
        targets: [`http://127.0.0.1:${flaky}`],
        retries: { attempts: 2, backoff_ms: 0, budget: { capacity: 1, refill_per_second: 0.001 } },
        breaker: { consecutive_failures: 4, cooldown_ms: 600000 },
      },
    },
    rate_limits: { one: { algorithm: 'token-bucket', capacity: 1, refill_per_second: 0.001, key: 'header:x-client' } },
    routes: [
      { path: '/users/:id', methods: ['GET'], service: 'users', version: 'v1' },
      { path: '/limited', service: 'users', rate_limit: 'one' },
      { path: '/dead', service: 'dead' },
      { path: '/flaky', service: 'flaky' },
    ],
    versioning: { header: 'X-API-Version', default: 'v1' },
  };
}

/** An access log into memory: the parsed lines. */
function memoryLog(): { lines: Record<string, unknown>[]; destination: { write(line: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => lines.push(JSON.parse(line)) } };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; echo?: Echo }> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, echo: res.statusCode === 200 ? (JSON.parse(text) as Echo) : undefined };
}

const spansOf = (kind: SpanKind): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.kind === kind);

describe.each(frontDoors)('observability through the $name front door', (door) => {
  let running: RunningDoor;
  let obs: Observability;
  let log: ReturnType<typeof memoryLog>;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    log = memoryLog();
    obs = observe({ accessLog: { destination: log.destination }, metrics: true, traces: true });
    running = await door.start(config(), { observe: obs });
  });
  afterAll(async () => {
    await running.close();
    await obs.close();
    trace.disable();
  });
  afterEach(() => exporter.reset());

  it('continues a valid traceparent through a server span and an attempt span the upstream is told about', async () => {
    const { status, echo } = await get(`${running.url}/users/42?x=1`, {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      'user-agent': 'observe-test',
    });
    expect(status).toBe(200);
    const sent = TRACEPARENT.exec(String(echo?.headers.traceparent));
    expect(sent).not.toBeNull();
    expect(sent![1]).toBe(TRACE_ID);
    expect(await eventually(() => spansOf(SpanKind.SERVER).length === 1)).toBe(true);
    const [server] = spansOf(SpanKind.SERVER);
    const [client] = spansOf(SpanKind.CLIENT);
    expect(server!.spanContext().traceId).toBe(TRACE_ID);
    expect(server!.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(server!.name).toBe('GET /users/:id');
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/users/42',
      'url.scheme': 'http',
      'http.route': '/users/:id',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'client.address': '127.0.0.1',
      'user_agent.original': 'observe-test',
      'switchyard.service': 'users',
    });
    // The upstream's parent is the attempt span, itself a child of the request's span.
    expect(client!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    expect(sent![2]).toBe(client!.spanContext().spanId);
    expect(client!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': up.port,
      'url.full': `${up.origin}/users/42?x=1`,
      'http.response.status_code': 200,
      'switchyard.target': up.origin,
    });
  });

  it('starts a trace when the traceparent is absent, and replaces a malformed one', async () => {
    const cases: Record<string, string>[] = [
      {},
      { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01-extra` },
      { traceparent: 'garbage' },
    ];
    for (const headers of cases) {
      exporter.reset();
      const { echo } = await get(`${running.url}/users/7`, headers);
      const sent = TRACEPARENT.exec(String(echo?.headers.traceparent));
      expect(sent).not.toBeNull();
      expect(sent![1]).not.toBe(TRACE_ID);
      expect(await eventually(() => spansOf(SpanKind.SERVER).length === 1)).toBe(true);
      const [server] = spansOf(SpanKind.SERVER);
      expect(server!.parentSpanContext).toBeUndefined();
      expect(sent![1]).toBe(server!.spanContext().traceId);
      expect(sent![2]).toBe(spansOf(SpanKind.CLIENT)[0]!.spanContext().spanId);
    }
  });

  it('marks a failed upstream attempt and the 502 as errors', async () => {
    const { status } = await get(`${running.url}/dead`);
    expect(status).toBe(502);
    expect(await eventually(() => spansOf(SpanKind.SERVER).length === 1)).toBe(true);
    const [server] = spansOf(SpanKind.SERVER);
    const [client] = spansOf(SpanKind.CLIENT);
    expect(server!.attributes['http.response.status_code']).toBe(502);
    expect(server!.attributes['error.type']).toBe('502');
    expect(server!.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(client!.attributes['error.type']).toBe('ECONNREFUSED');
    expect(client!.attributes['http.response.status_code']).toBeUndefined();
  });

  it('writes one access line per request with the gateway’s view of it', async () => {
    log.lines.length = 0;
    await get(`${running.url}/users/9`, { 'x-request-id': 'req-obs-1', 'x-api-version': 'v1' });
    await get(`${running.url}/limited`, { 'x-client': 'c1' });
    await get(`${running.url}/limited`, { 'x-client': 'c1', 'x-request-id': 'req-obs-3' });
    await get(`${running.url}/nowhere`);
    expect(await eventually(() => log.lines.length === 4)).toBe(true);
    const [ok, admitted, limited, none] = log.lines;
    expect(ok).toMatchObject({
      msg: 'request',
      level: 30,
      requestId: 'req-obs-1',
      method: 'GET',
      path: '/users/9',
      route: '/users/:id',
      version: 'v1',
      service: 'users',
      target: up.origin,
      status: 200,
      outcome: 'completed',
      clientIp: '127.0.0.1',
      attempts: 1,
      retries: 0,
      retryBudgetExhausted: false,
    });
    expect(typeof ok!.latencyMs).toBe('number');
    expect(ok!.latencyMs as number).toBeGreaterThan(0);
    expect(admitted).toMatchObject({
      status: 200,
      rateLimit: { outcome: 'admitted', policy: 'one', remaining: 0, limit: 1 },
    });
    expect(limited).toMatchObject({
      requestId: 'req-obs-3',
      status: 429,
      outcome: 'responded',
      reason: 'rate-limited',
      route: '/limited',
      attempts: 0,
      rateLimit: { outcome: 'rejected', policy: 'one', remaining: 0 },
    });
    expect(none).toMatchObject({ status: 404, reason: 'no-route', path: '/nowhere' });
    expect(none!.route).toBeUndefined();
  });

  it('reports retries, an exhausted retry budget and an opened breaker', async () => {
    log.lines.length = 0;
    expect((await get(`${running.url}/flaky`)).status).toBe(502); // attempts 1 and 2 fail: one retry
    expect(await eventually(() => spansOf(SpanKind.SERVER).length === 1)).toBe(true);
    const resent = spansOf(SpanKind.CLIENT).map((a) => a.attributes['http.request.resend_count']);
    expect(resent.sort()).toEqual([1, undefined]);
    expect((await get(`${running.url}/flaky`)).status).toBe(502); // failure 3: the budget is empty
    expect((await get(`${running.url}/flaky`)).status).toBe(502); // failure 4: the breaker opens
    expect((await get(`${running.url}/flaky`)).status).toBe(503); // no target left
    expect(await eventually(() => log.lines.length === 4)).toBe(true);
    const target = `http://127.0.0.1:${flaky}`;
    expect(log.lines.map((l) => [l.status, l.attempts, l.retries, l.retryBudgetExhausted, l.breaker])).toEqual([
      [502, 2, 1, false, 'closed'],
      [502, 1, 0, true, 'closed'],
      [502, 1, 0, false, 'open'],
      [503, 0, 0, false, undefined],
    ]);
    expect(log.lines[0]).toMatchObject({ service: 'flaky', target, outcome: 'upstream-failed' });
    expect(log.lines[3]).toMatchObject({ reason: 'no-target', route: '/flaky' });

    const metrics = parseExposition(await obs.metrics());
    const labels = { service: 'flaky', target };
    expect(sample(metrics, 'switchyard_retries_total', { service: 'flaky', reason: 'connect-error' })).toBe(1);
    expect(sample(metrics, 'switchyard_retry_budget_exhausted_total', { service: 'flaky' })).toBe(1);
    expect(sample(metrics, 'switchyard_upstream_attempts_total', { ...labels, outcome: 'failed' })).toBe(4);
    expect(sample(metrics, 'switchyard_breaker_transitions_total', { ...labels, to: 'open' })).toBe(1);
    expect(sample(metrics, 'switchyard_breaker_state', { ...labels, state: 'open' })).toBe(1);
    expect(sample(metrics, 'switchyard_breaker_state', { ...labels, state: 'closed' })).toBe(0);
    expect(sample(metrics, 'switchyard_target_available', labels)).toBe(0);
    const noTarget = { route: '/flaky', service: 'flaky', status: '503' };
    expect(sample(metrics, 'switchyard_http_requests_total', noTarget)).toBe(1);
  });

  it('counts the traffic in the metrics exposition', async () => {
    const metrics = parseExposition(await obs.metrics());
    const users = { method: 'GET', route: '/users/:id', service: 'users', status: '200' };
    expect(sample(metrics, 'switchyard_http_requests_total', users)).toBeGreaterThanOrEqual(5);
    expect(sample(metrics, 'switchyard_http_requests_total', { route: 'none', status: '404' })).toBe(1);
    expect(sample(metrics, 'switchyard_http_requests_total', { route: '/dead', service: 'dead', status: '502' })).toBe(
      1,
    );
    expect(sample(metrics, 'switchyard_rate_limit_rejections_total', { policy: 'one', reason: 'exceeded' })).toBe(1);
    const count = sample(metrics, 'switchyard_http_request_duration_seconds_count', { route: '/users/:id' });
    expect(count).toBe(sample(metrics, 'switchyard_http_requests_total', users));
    expect(
      sample(metrics, 'switchyard_http_request_duration_seconds_bucket', { route: '/users/:id', le: '+Inf' }),
    ).toBe(count);
    const target = { service: 'users', target: up.origin };
    expect(sample(metrics, 'switchyard_upstream_attempts_total', { ...target, outcome: 'response' })).toBeGreaterThan(
      5,
    );
    expect(
      sample(metrics, 'switchyard_upstream_attempts_total', { service: 'dead', outcome: 'failed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'switchyard_upstream_request_duration_seconds_count', target)).toBeGreaterThan(5);
    expect(sample(metrics, 'switchyard_upstream_active_requests', { upstream: up.origin })).toBe(0);
    expect(sample(metrics, 'switchyard_upstream_queued_requests', { upstream: up.origin })).toBe(0);
    // Keep-alive connections to the upstream stay open between requests.
    expect(sample(metrics, 'switchyard_upstream_connections', { upstream: up.origin })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'switchyard_target_available', target)).toBe(1);
    // `users` has no breaker: no breaker series for it.
    expect(metrics.filter((m) => m.name === 'switchyard_breaker_state' && m.labels.service === 'users')).toEqual([]);
    // Labels are route patterns, never request paths.
    const paths = metrics.filter((m) => m.labels.route !== undefined).map((m) => m.labels.route);
    expect(paths).not.toContain('/users/42');
    expect(paths).not.toContain('/nowhere');
  });
});
