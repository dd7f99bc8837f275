// The public API is exactly what the docs describe: each public entry point exports these names
// and no more, every one of them is named in README.md or docs/, and the internals that
// @switchyard/node and the adapters share go through @switchyard/core/internal only.
// Adding a public name means documenting it and listing it here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as adapters from '@switchyard/adapters';
import * as observe from '@switchyard/adapters/observe';
import * as core from '@switchyard/core';
import * as internal from '@switchyard/core/internal';
import * as node from '@switchyard/node';
import { describe, expect, it } from 'vitest';

const CORE = [
  'ClientIpResolver',
  'ConfigError',
  'ConsistentHash',
  'EmptyNodeSetError',
  'ErrorCodes',
  'InternalError',
  'InvalidArgumentError',
  'InvalidRouteError',
  'NativeUnavailableError',
  'RateLimiter',
  'RouteConflictError',
  'Router',
  'SlidingWindowLimiter',
  'StoreTimeoutError',
  'StoreUnavailableError',
  'SwitchyardError',
  'UnknownNodeError',
  'WeightedSplit',
  'canonicalizePath',
  'keyHash',
  'quotaPolicy',
  'rateLimitHeaders',
  'rateLimitKeyHash',
  'rateLimitKeys',
  'takeAll',
];
const NODE = [...CORE, 'implementation', 'nativeLoadError'];
const ADAPTERS = ['RedisRateLimiter', 'RedisSlidingWindowLimiter'];
/** `@switchyard/adapters/observe`: access logs, metrics and traces (docs/observability.md). */
const OBSERVE = ['LATENCY_BUCKETS', 'Observability', 'accessLine', 'methodLabel', 'observe'];
/**
 * Public types of the router's answers. Types leave no runtime export: `_Exported` makes tsc fail
 * when one is no longer exported; the docs test below checks they are named.
 */
const TYPES = ['CanonicalPath', 'RequestRejection', 'Resolution'];
type _Exported = [core.CanonicalPath, core.RequestRejection, core.Resolution<unknown>];

const root = fileURLToPath(new URL('../..', import.meta.url));
// docs/architecture.md is for contributors; it does not make a name public.
const userDocs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]
  .filter((f) => f !== 'docs/architecture.md')
  .map((f) => readFileSync(join(root, f), 'utf8'))
  .join('\n');

describe('public API surface', () => {
  it.each([
    ['@switchyard/core', core, CORE],
    ['@switchyard/node', node, NODE],
    ['@switchyard/adapters', adapters, ADAPTERS],
    ['@switchyard/adapters/observe', observe, OBSERVE],
  ] as const)('%s exports exactly the documented names', (_, module, expected) => {
    expect(Object.keys(module).sort()).toEqual([...expected].sort());
  });

  it('every public name is named in README.md or docs/', () => {
    const undocumented = [...NODE, ...ADAPTERS, ...OBSERVE, ...TYPES].filter(
      (name) => !new RegExp(`\\b${name}\\b`).test(userDocs),
    );
    expect(undocumented).toEqual([]);
  });

  it('no internal is public', () => {
    const names = Object.keys(internal);
    expect(names.length).toBeGreaterThan(10);
    const leaked = names.filter((name) => name in core || name in node || name in adapters);
    expect(leaked).toEqual([]);
  });
});
