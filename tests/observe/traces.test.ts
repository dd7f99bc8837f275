// Traces cost nothing per request while no tracer provider is registered: the span listeners are
// subscribed to a gateway's events only while one is (checked at attach, then every second), so
// a gateway with only traces on has no listener at all, and its requests are not even observed.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayEvents } from '../../packages/adapters/src/gateway/events.js';
import { observe } from '../../packages/adapters/src/observe/index.js';

afterEach(() => {
  trace.disable();
  vi.useRealTimers();
});

function attached(events: GatewayEvents): () => void {
  const obs = observe({ traces: true });
  expect(obs.tracing).toBe(true);
  return obs.attach({ events, state: () => undefined, upstreams: () => [], targets: () => [] });
}

describe('traces without a tracer provider', () => {
  it('subscribe nothing until a provider is registered, and let go when it is removed', () => {
    vi.useFakeTimers();
    const events = new GatewayEvents();
    const detach = attached(events);
    expect(events.active).toBe(false);
    expect(events.wants('request-start')).toBe(false);

    trace.setGlobalTracerProvider(new BasicTracerProvider());
    vi.advanceTimersByTime(999);
    expect(events.active).toBe(false);
    vi.advanceTimersByTime(1);
    expect(events.wants('request-start')).toBe(true);
    expect(events.wants('upstream-attempt-start')).toBe(true);

    trace.disable();
    vi.advanceTimersByTime(1000);
    expect(events.active).toBe(false);

    trace.setGlobalTracerProvider(new BasicTracerProvider());
    detach();
    vi.advanceTimersByTime(5000);
    expect(events.active).toBe(false);
  });

  it('subscribe at once when the provider is there before the gateway', () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    const events = new GatewayEvents();
    const detach = attached(events);
    expect(events.wants('request-start')).toBe(true);
    detach();
    expect(events.active).toBe(false);
  });
});
