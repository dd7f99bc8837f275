// Golden vectors shared with the cargo tests (fixtures/ratelimit.json).
import { readFileSync } from 'node:fs';
import { rateLimitKeyHash } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { implementations as impls } from '../support/implementations.js';

interface Step {
  op: 'take' | 'peek' | 'reset' | 'size' | 'slotOf';
  key?: string;
  nowMs?: number;
  cost?: number;
  expect: unknown;
}
interface Scenario {
  name: string;
  options: Record<string, number>;
  steps: Step[];
}
const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/ratelimit.json', import.meta.url), 'utf8')) as {
  hash: { key?: string; utf16?: number[]; seed: number; utf8: string; hash: string }[];
  tokenBucket: Scenario[];
  slidingWindow: Scenario[];
};

it('key hash matches the golden vectors (and the UTF-8 they were computed from)', () => {
  expect(fixtures.hash.length).toBeGreaterThanOrEqual(10);
  for (const v of fixtures.hash) {
    const key = v.key ?? String.fromCharCode(...(v.utf16 ?? []));
    expect(Buffer.from(new TextEncoder().encode(key)).toString('hex')).toBe(v.utf8);
    expect(rateLimitKeyHash(key, v.seed)).toBe(v.hash);
  }
});

type Limiter = {
  take(key?: string, nowMs?: number, cost?: number): unknown;
  peek(key?: string, nowMs?: number, cost?: number): unknown;
  reset(key?: string): boolean;
  slotOf(key?: string): number;
  size: number;
};

function replay(limiter: Limiter, scenario: Scenario) {
  scenario.steps.forEach((step, i) => {
    const got =
      step.op === 'size'
        ? limiter.size
        : step.op === 'take' || step.op === 'peek'
          ? limiter[step.op](step.key, step.nowMs, step.cost)
          : limiter[step.op](step.key);
    expect(got, `${scenario.name}, step ${i} (${step.op})`).toEqual(step.expect);
  });
}

describe.each(impls)('golden scenarios: $name', ({ RateLimiter, SlidingWindowLimiter }) => {
  it.each(fixtures.tokenBucket)('token bucket: $name', (scenario) => {
    replay(new RateLimiter(scenario.options as never) as unknown as Limiter, scenario);
  });
  it.each(fixtures.slidingWindow)('sliding window: $name', (scenario) => {
    replay(new SlidingWindowLimiter(scenario.options as never) as unknown as Limiter, scenario);
  });
});
