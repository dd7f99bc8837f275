/**
 * Checks a config tree against {@link GATEWAY_SCHEMA} and the cross-checks of
 * {@link CROSS_CHECKS}, collecting every problem with its position, and builds the typed
 * {@link GatewayConfig}. Nothing stops at the first problem: a user fixes a file in one pass.
 * @module
 */
import { type ConfigProblem, type Constraint, Router as ReferenceRouter } from '@switchyard/core';
import { MAX_LIMIT_TIMES_WINDOW } from '@switchyard/core/internal';
import { GATEWAY_REQUEST_HEADERS, HOP_BY_HOP, RATE_LIMIT_RESPONSE_HEADERS } from '../pipeline/headers.js';
import type { BreakerPolicy, HealthPolicy, RetryMode, RetryPolicy } from '../resilience/index.js';
import type { KeySource, ObservabilitySettings, PathPolicy, Rewrite, RouteTimeouts, Timeouts } from '../types.js';
import { VERSION_CONSTRAINT_HEADER } from '../types.js';
import type {
  BalanceConfig,
  GatewayConfig,
  HeaderEditsConfig,
  LimitPolicyConfig,
  RouteConfig,
  ServiceConfig,
  TargetConfig,
} from './model.js';
import { routeProblemOf, routerOptionsOf, routeSpecOf } from './routes.js';
import { GATEWAY_SCHEMA, type ObjectNode, type SchemaNode, TARGET } from './schema.js';
import { formatPath, keyPositionAt, nodeAt, positionAt, problemAt, type SourceNode } from './source.js';
import { checkFormat, didYouMean, parseKeySource, show } from './text.js';

/** Marks a value that failed its schema (its problem is already recorded). */
const INVALID: unique symbol = Symbol('invalid');
type Walked = unknown;
type Path = (string | number)[];

type Shape = 'string' | 'number' | 'boolean' | 'object' | 'list' | 'null' | 'other';

function shapeOfNode(node: SourceNode): Shape {
  if (node.kind === 'map') return 'object';
  if (node.kind === 'seq') return 'list';
  const v = node.value;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as Shape;
  return 'other';
}

function shapeOfSchema(schema: SchemaNode): Shape {
  switch (schema.kind) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
    case 'map':
      return 'object';
    case 'list':
      return 'list';
    case 'one-of':
      return 'other';
  }
}

const FORMAT_NOUNS: Record<string, string> = {
  name: 'a name',
  text: 'a string',
  'listen-host': 'an IP address or host name',
  'upstream-url': 'an http: URL',
  'redis-url': 'a redis: URL',
  cidr: 'an IP address or CIDR block',
  'key-source': 'a key (header:NAME, cookie:NAME, query:NAME, client-ip or path)',
  'header-name': 'a header name',
  'header-value': 'a header value (a string)',
  version: 'a version string',
  method: 'an HTTP method',
  'route-path': 'a route path',
  'route-host': 'a host',
  'path-prefix': 'a path prefix',
  pattern: 'a pattern',
};

/** What a schema node accepts, in a few words, for "expected ..." messages. */
export function expectation(schema: SchemaNode): string {
  switch (schema.kind) {
    case 'string':
      if (schema.enum) return `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`;
      return schema.format ? FORMAT_NOUNS[schema.format]! : 'a string';
    case 'integer':
      return `an integer from ${schema.min} to ${schema.max}${schema.unit ? ` (${schema.unit})` : ''}`;
    case 'number':
      return `a number from ${schema.min} to ${schema.max}${schema.decimals !== undefined ? ` with at most ${schema.decimals} decimals` : ''}`;
    case 'boolean':
      return 'true or false';
    case 'object':
      return `an object (keys: ${Object.keys(schema.fields).join(', ')})`;
    case 'map':
      return `an object of ${schema.keyDoc}s`;
    case 'list':
      return `a list, each item ${expectation(schema.items)}`;
    case 'one-of':
      return schema.variants.map(expectation).join(', or ');
  }
}

function describe(node: SourceNode): string {
  const shape = shapeOfNode(node);
  if (shape === 'object') return 'an object';
  if (shape === 'list') return 'a list';
  if (shape === 'null') return 'nothing (an empty value)';
  if (shape === 'number') return `the number ${show((node as { value: unknown }).value)}`;
  if (shape === 'boolean') return `the boolean ${show((node as { value: unknown }).value)}`;
  return show((node as { value: unknown }).value);
}

class Walker {
  readonly problems: ConfigProblem[] = [];
  constructor(
    readonly root: SourceNode,
    readonly file: string | undefined,
  ) {}

  report(path: Path, message: string, at: 'value' | 'key' = 'value'): void {
    const pos = at === 'key' ? keyPositionAt(this.root, path) : positionAt(this.root, path);
    this.problems.push(problemAt(pos, `${formatPath(path)}: ${message}`, this.file));
  }

  mismatch(node: SourceNode, schema: SchemaNode, path: Path): typeof INVALID {
    let hint = '';
    if (shapeOfNode(node) === 'number' || shapeOfNode(node) === 'boolean') {
      const accepts = schema.kind === 'one-of' ? schema.variants : [schema];
      if (accepts.some((s) => s.kind === 'string')) {
        hint = ` (YAML reads it as a ${shapeOfNode(node)}; quote it: "${String((node as { value: unknown }).value)}")`;
      }
    }
    this.report(path, `expected ${expectation(schema)}, got ${describe(node)}${hint}`);
    return INVALID;
  }

  walk(node: SourceNode, schema: SchemaNode, path: Path): Walked {
    switch (schema.kind) {
      case 'string': {
        if (shapeOfNode(node) !== 'string') return this.mismatch(node, schema, path);
        const text = (node as { value: string }).value;
        if (schema.enum && !schema.enum.includes(text)) {
          this.report(path, `expected ${expectation(schema)}, got ${show(text)}${didYouMean(text, schema.enum)}`);
          return INVALID;
        }
        const error = schema.format ? checkFormat(schema.format, text) : undefined;
        if (error !== undefined) {
          this.report(path, error);
          return INVALID;
        }
        return text;
      }
      case 'integer':
      case 'number': {
        if (shapeOfNode(node) !== 'number') return this.mismatch(node, schema, path);
        const n = (node as { value: number }).value;
        const integer = schema.kind === 'integer';
        const decimals = schema.kind === 'number' ? schema.decimals : undefined;
        const scaled = decimals === undefined ? 0 : n * 10 ** decimals;
        if (
          !Number.isFinite(n) ||
          (integer && !Number.isInteger(n)) ||
          n < schema.min ||
          n > schema.max ||
          (decimals !== undefined && Math.abs(scaled - Math.round(scaled)) > 1e-6)
        ) {
          this.report(path, `expected ${expectation(schema)}, got ${show(n)}`);
          return INVALID;
        }
        return n;
      }
      case 'boolean':
        return shapeOfNode(node) === 'boolean' ? (node as { value: boolean }).value : this.mismatch(node, schema, path);
      case 'object':
        return this.walkObject(node, schema, path);
      case 'map': {
        if (node.kind !== 'map') return this.mismatch(node, schema, path);
        const out: Record<string, Walked> = Object.create(null);
        for (const entry of node.entries) {
          const error = checkFormat(schema.keys, entry.key);
          if (error !== undefined) {
            this.report([...path, entry.key], `bad ${schema.keyDoc}: ${error}`, 'key');
            continue;
          }
          out[entry.key] = this.walk(entry.value, schema.values, [...path, entry.key]);
        }
        return out;
      }
      case 'list': {
        if (node.kind !== 'seq') return this.mismatch(node, schema, path);
        if (schema.minItems !== undefined && node.items.length < schema.minItems) {
          this.report(path, `expected at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}, got none`);
          return INVALID;
        }
        return node.items.map((item, i) => this.walk(item, schema.items, [...path, i]));
      }
      case 'one-of': {
        const shape = shapeOfNode(node);
        const variant = schema.variants.find((v) => shapeOfSchema(v) === shape);
        if (variant) return this.walk(node, variant, path);
        if (schema.singleAsList) {
          const list = schema.variants.find((v) => v.kind === 'list');
          if (list?.kind === 'list' && shapeOfSchema(list.items) === shape) {
            return [this.walk(node, list.items, path)];
          }
        }
        return this.mismatch(node, schema, path);
      }
    }
  }

  walkObject(node: SourceNode, schema: ObjectNode, path: Path): Walked {
    if (node.kind !== 'map') return this.mismatch(node, schema, path);
    const out: Record<string, Walked> = Object.create(null);
    const known = Object.keys(schema.fields);
    for (const entry of node.entries) {
      // Own keys only: a key such as `toString` or `constructor` is unknown, not Object's own.
      const field = Object.hasOwn(schema.fields, entry.key) ? schema.fields[entry.key] : undefined;
      if (field === undefined) {
        const where = path.length === 0 ? 'at the top level' : `in ${schema.title}`;
        this.report(
          [...path, entry.key],
          `unknown key ${JSON.stringify(entry.key)} ${where}${didYouMean(entry.key, known)} (expected one of: ${known.join(', ')})`,
          'key',
        );
        continue;
      }
      out[entry.key] = this.walk(entry.value, field.type, [...path, entry.key]);
    }
    for (const [key, field] of Object.entries(schema.fields)) {
      if (field.required && !(key in out)) this.report(path, `missing required key ${JSON.stringify(key)}`);
    }
    for (const rule of schema.rules ?? []) {
      if (rule.rule === 'exactly-one') {
        const present = rule.keys.filter((k) => k in out);
        if (present.length === 0) {
          this.report(path, `needs one of ${rule.keys.map((k) => JSON.stringify(k)).join(' or ')}`);
        } else if (present.length > 1) {
          this.report(
            [...path, present[1]!],
            `${present.map((k) => JSON.stringify(k)).join(' and ')} cannot both be set: use exactly one`,
            'key',
          );
        }
      } else {
        const raw = rule.key in out ? out[rule.key] : schema.fields[rule.key]?.default;
        if (raw !== rule.equals) continue;
        for (const key of rule.require) {
          if (!(key in out)) this.report(path, `${rule.key} ${rule.equals} needs ${JSON.stringify(key)}`);
        }
        for (const key of rule.forbid) {
          if (key in out) {
            this.report(
              [...path, key],
              `${JSON.stringify(key)} does not apply to ${rule.key} ${rule.equals} (it takes ${rule.require.join(' and ')})`,
              'key',
            );
          }
        }
      }
    }
    // Defaults last, so that the rules above see what was written.
    for (const [key, field] of Object.entries(schema.fields)) {
      if (key in out) continue;
      if (field.default !== undefined) out[key] = structuredClone(field.default);
      else if (field.type.kind === 'object' && field.off !== true && fillable(field.type)) {
        out[key] = this.walkObject({ kind: 'map', pos: undefined, entries: [] }, field.type, [...path, key]);
      }
    }
    return out;
  }
}

/** Whether an absent object is filled in with its defaults: nothing in it is required. */
function fillable(schema: ObjectNode): boolean {
  return schema.rules === undefined && Object.values(schema.fields).every((f) => !f.required);
}

type Obj = Record<string, unknown>;
const ok = <T>(value: unknown): T | undefined => (value === INVALID || value === undefined ? undefined : (value as T));
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const objOf = (value: unknown): Obj => (isObj(value) ? value : {});
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function keySource(text: unknown): KeySource | undefined {
  const key = typeof text === 'string' ? parseKeySource(text) : undefined;
  return typeof key === 'object' ? key : undefined;
}

function target(raw: unknown, index: number, position: GatewayConfig['locate'], path: Path): TargetConfig | undefined {
  const url = typeof raw === 'string' ? raw : ok<string>(objOf(raw).url);
  if (url === undefined) return undefined;
  const parsed = new URL(url);
  const port = parsed.port === '' ? '80' : parsed.port;
  const basePath = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '');
  return {
    index,
    url,
    origin: `${parsed.protocol}//${parsed.hostname}:${port}`,
    basePath,
    weight: typeof raw === 'string' ? TARGET_WEIGHT : (ok<number>(objOf(raw).weight) as number),
    position: position(path),
  };
}

function limitPolicy(name: string, raw: Obj, position: GatewayConfig['locate'], path: Path): LimitPolicyConfig {
  return {
    name,
    algorithm: ok<LimitPolicyConfig['algorithm']>(raw.algorithm) as LimitPolicyConfig['algorithm'],
    capacity: ok<number>(raw.capacity),
    refillPerSecond: ok<number>(raw.refill_per_second),
    limit: ok<number>(raw.limit),
    windowMs: ok<number>(raw.window_ms),
    key: keySource(ok(raw.key)) as KeySource,
    store: ok<'memory' | 'redis'>(raw.store) as 'memory' | 'redis',
    position: position(path),
  };
}

function constraint(raw: unknown): Constraint | undefined {
  if (typeof raw === 'string' || typeof raw === 'boolean') return raw;
  const pattern = ok<string>(objOf(raw).pattern);
  return pattern === undefined ? undefined : { pattern };
}

function retryPolicy(raw: Obj | undefined): RetryPolicy | undefined {
  if (raw === undefined) return undefined;
  const budget = objOf(ok(raw.budget));
  return {
    attempts: ok<number>(raw.attempts) as number,
    backoffMs: ok<number>(raw.backoff_ms) as number,
    maxBackoffMs: ok<number>(raw.max_backoff_ms) as number,
    maxRetryAfterMs: ok<number>(raw.max_retry_after_ms) as number,
    budget: {
      capacity: ok<number>(budget.capacity) as number,
      refillPerSecond: ok<number>(budget.refill_per_second) as number,
    },
  };
}

function breakerPolicy(raw: Obj | undefined): BreakerPolicy | undefined {
  if (raw === undefined) return undefined;
  const rate = ok<Obj>(raw.failure_rate);
  return {
    consecutiveFailures: ok<number>(raw.consecutive_failures) as number,
    failureRate: rate
      ? {
          thresholdPercent: ok<number>(rate.threshold_percent) as number,
          windowMs: ok<number>(rate.window_ms) as number,
          minRequests: ok<number>(rate.min_requests) as number,
        }
      : undefined,
    cooldownMs: ok<number>(raw.cooldown_ms) as number,
    halfOpenRequests: ok<number>(raw.half_open_requests) as number,
    closeAfter: ok<number>(raw.close_after) as number,
  };
}

function healthPolicy(raw: Obj | undefined): HealthPolicy | undefined {
  if (raw === undefined) return undefined;
  return {
    path: ok<string>(raw.path) as string,
    intervalMs: ok<number>(raw.interval_ms) as number,
    timeoutMs: ok<number>(raw.timeout_ms) as number,
    healthyThreshold: ok<number>(raw.healthy_threshold) as number,
    unhealthyThreshold: ok<number>(raw.unhealthy_threshold) as number,
  };
}

/** `request_headers:` / `response_headers:` as written; `undefined` when absent. */
function headerEdits(raw: Obj | undefined): HeaderEditsConfig | undefined {
  if (raw === undefined) return undefined;
  const set: [string, string][] = [];
  for (const [name, value] of Object.entries(objOf(ok(raw.set)))) {
    const v = ok<string>(value);
    if (v !== undefined) set.push([name, v]);
  }
  const remove = listOf(ok(raw.remove)).map((n) => ok<string>(n) ?? '');
  return { set, remove };
}

function routeTimeouts(raw: Obj | undefined): RouteTimeouts | undefined {
  if (raw === undefined) return undefined;
  const out: RouteTimeouts = {};
  const connect = ok<number>(raw.connect_ms);
  const headers = ok<number>(raw.headers_ms);
  const request = ok<number>(raw.request_ms);
  if (connect !== undefined) out.connectMs = connect;
  if (headers !== undefined) out.headersMs = headers;
  if (request !== undefined) out.requestMs = request;
  return out;
}

/** Weight of a target written as its URL alone: the default of the object form's `weight`. */
const TARGET_WEIGHT = TARGET.fields.weight!.default as number;

/**
 * Builds the typed config from a walked tree (defaults already filled in by the walker). Tolerant
 * of invalid parts, which are already reported: their fields may be `undefined`, and such a
 * config is only used for the cross-checks, never returned.
 */
function normalize(walked: Obj, file: string | undefined, locate: GatewayConfig['locate']): GatewayConfig {
  const listen = objOf(walked.listen);
  const clientTimeouts = objOf(ok(listen.client_timeouts));
  const admin = ok<Obj>(walked.admin);
  const paths = objOf(walked.paths);
  const versioning = ok<Obj>(walked.versioning);
  const redis = ok<Obj>(walked.redis);
  const services: ServiceConfig[] = [];
  for (const [name, value] of Object.entries(objOf(walked.services))) {
    const raw = ok<Obj>(value);
    if (raw === undefined) continue;
    const targets = listOf(raw.targets)
      .map((t, i) => target(ok(t), i, locate, ['services', name, 'targets', i]))
      .filter((t): t is TargetConfig => t !== undefined);
    const balanceRaw = ok(raw.balance);
    let balance: BalanceConfig;
    if (typeof balanceRaw === 'string') balance = { kind: balanceRaw as 'round-robin' };
    else {
      const ch = objOf(objOf(balanceRaw)['consistent-hash']);
      balance = {
        kind: 'consistent-hash',
        key: keySource(ok(ch.key)) as KeySource,
        algorithm: ok<'ring'>(ch.algorithm) as 'ring',
      };
    }
    const t = objOf(ok(raw.timeouts));
    const timeouts: Timeouts = {
      connectMs: ok<number>(t.connect_ms) as number,
      headersMs: ok<number>(t.headers_ms) as number,
      requestMs: ok<number>(t.request_ms) as number,
      idleMs: ok<number>(t.idle_ms) as number,
    };
    services.push({
      name,
      targets,
      balance,
      timeouts,
      passHostHeader: ok<boolean>(raw.pass_host_header) as boolean,
      retries: retryPolicy(ok<Obj>(raw.retries)),
      breaker: breakerPolicy(ok<Obj>(raw.breaker)),
      health: healthPolicy(ok<Obj>(raw.health)),
      position: locate(['services', name]),
    });
  }
  const rateLimits: LimitPolicyConfig[] = [];
  for (const [name, value] of Object.entries(objOf(walked.rate_limits))) {
    const raw = ok<Obj>(value);
    if (raw !== undefined) rateLimits.push(limitPolicy(name, raw, locate, ['rate_limits', name]));
  }
  const routes: RouteConfig[] = [];
  listOf(walked.routes).forEach((value, index) => {
    const raw = ok<Obj>(value);
    const path = ok<string>(raw?.path);
    if (raw === undefined || path === undefined) return;
    const methods = ok<unknown[]>(raw.methods);
    const headersRaw = ok<Obj>(raw.headers);
    let headers: Record<string, Constraint> | undefined;
    if (headersRaw) {
      headers = {};
      for (const [name, c] of Object.entries(headersRaw)) {
        const parsed = constraint(ok(c));
        if (parsed !== undefined) headers[name.toLowerCase()] = parsed;
      }
    }
    const split = ok<unknown[]>(raw.split)
      ?.map((s) => ({ service: ok<string>(objOf(ok(s)).service), weight: ok<number>(objOf(ok(s)).weight) }))
      .filter((s): s is { service: string; weight: number } => s.service !== undefined && s.weight !== undefined);
    const rateLimitRaw = ok(raw.rate_limit);
    let rateLimit: string[] = [];
    let inlineLimit: LimitPolicyConfig | undefined;
    if (Array.isArray(rateLimitRaw)) rateLimit = rateLimitRaw.filter((n): n is string => typeof n === 'string');
    else if (isObj(rateLimitRaw)) {
      inlineLimit = limitPolicy(`route:${index}`, rateLimitRaw, locate, ['routes', index, 'rate_limit']);
      rateLimit = [inlineLimit.name];
    }
    const rewriteRaw = ok<Obj>(raw.rewrite);
    let rewrite: Rewrite | undefined;
    if (rewriteRaw) {
      const strip = ok<string>(rewriteRaw.strip_prefix);
      const replace = ok<Obj>(rewriteRaw.replace_prefix);
      const from = ok<string>(replace?.from);
      const to = ok<string>(replace?.to);
      if (strip !== undefined) rewrite = { stripPrefix: strip };
      else if (from !== undefined && to !== undefined) rewrite = { replacePrefix: { from, to } };
    }
    routes.push({
      index,
      path,
      methods: methods
        ? [...new Set(methods.filter((m): m is string => typeof m === 'string').map((m) => m.toUpperCase()))]
        : null,
      host: ok<string>(raw.host)?.toLowerCase(),
      headers,
      version: ok<string>(raw.version),
      service: ok<string>(raw.service),
      split,
      sticky: keySource(ok(raw.sticky)),
      rateLimit,
      inlineLimit,
      rewrite,
      timeoutMs: ok<number>(raw.timeout_ms),
      timeouts: routeTimeouts(ok<Obj>(raw.timeouts)),
      retry: (ok<RetryMode>(raw.retry) ?? 'idempotent') as RetryMode,
      requestHeaders: headerEdits(ok<Obj>(raw.request_headers)),
      responseHeaders: headerEdits(ok<Obj>(raw.response_headers)),
      maxBodyBytes: ok<number>(raw.max_body_bytes),
      position: locate(['routes', index]),
    });
  });
  const pathPolicy: PathPolicy = {
    escapedSlashes: ok<PathPolicy['escapedSlashes']>(paths.escaped_slashes) as PathPolicy['escapedSlashes'],
    mergeSlashes: ok<boolean>(paths.merge_slashes) as boolean,
    dotSegments: ok<PathPolicy['dotSegments']>(paths.dot_segments) as PathPolicy['dotSegments'],
  };
  return {
    file,
    name: ok<string>(walked.name) as string,
    listen: {
      host: ok<string>(listen.host) as string,
      port: ok<number>(listen.port) as number,
      clientTimeouts: {
        keepAliveMs: ok<number>(clientTimeouts.keep_alive_ms) as number,
        headersMs: ok<number>(clientTimeouts.headers_ms) as number,
        requestMs: ok<number>(clientTimeouts.request_ms) as number,
      },
    },
    admin: admin ? { host: ok<string>(admin.host) as string, port: ok<number>(admin.port) as number } : undefined,
    maxBodyBytes: ok<number>(walked.max_body_bytes) as number,
    trustProxies: listOf(ok(walked.trust_proxies)).filter((c): c is string => typeof c === 'string'),
    paths: pathPolicy,
    versioning: versioning
      ? {
          header: String(ok<string>(versioning.header)).toLowerCase(),
          default: ok<string>(versioning.default) as string,
        }
      : undefined,
    services,
    rateLimits,
    redis: redis
      ? {
          url: ok<string>(redis.url) as string,
          onError: ok<'local'>(redis.on_error) as 'local',
          timeoutMs: ok<number>(redis.timeout_ms) as number,
        }
      : undefined,
    rateLimitHeaders: { ietf: ok<boolean>(objOf(walked.rate_limit_headers).ietf) as boolean },
    observability: observabilityOf(objOf(walked.observability), walked.admin !== undefined),
    routes,
    locate,
  };
}

/**
 * `observability:` (defaults filled in): each part on only when its `enabled` is, but for the
 * metrics of a gateway with an admin listener, which serves `/metrics` unless told not to.
 */
function observabilityOf(raw: Obj, admin: boolean): ObservabilitySettings {
  const log = objOf(raw.access_log);
  const metrics = objOf(raw.metrics);
  const traces = objOf(raw.traces);
  const metricsOn = metrics.enabled === true || (metrics.enabled === undefined && admin);
  return {
    accessLog: log.enabled === true ? { destination: ok<string>(log.destination) ?? 'stdout' } : undefined,
    metrics: metricsOn ? { process: metrics.process === true } : undefined,
    traces: traces.enabled === true,
  };
}

function names(list: { name: string }[]): string {
  if (list.length === 0) return 'none are defined';
  const shown = list.slice(0, 8).map((s) => s.name);
  return `defined: ${shown.join(', ')}${list.length > 8 ? ', ...' : ''}`;
}

/** The cross-checks of {@link CROSS_CHECKS}, on a (possibly partly invalid) config. */
/**
 * Request fields a route's `request_headers` may not edit: those the gateway writes or manages
 * itself (docs/gateway.md, "The header plan"), whose values the contract fixes or whose framing
 * node:http and undici own. `Host` has `pass_host_header`.
 */
const GATEWAY_OWNED_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  ...GATEWAY_REQUEST_HEADERS,
  'host',
  'content-length',
  'expect',
  'tracestate',
]);

/** Response fields a route's `response_headers` may not edit: framing, the request id, the limit fields. */
const GATEWAY_OWNED_RESPONSE_FIELDS: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  ...RATE_LIMIT_RESPONSE_HEADERS,
  'content-length',
  'x-request-id',
]);

function ownedFieldMessage(name: string, which: 'request' | 'response'): string {
  const hint =
    which === 'request' && name === 'host'
      ? "; to send the target its own Host, use the service's pass_host_header: false"
      : '';
  return `${name} is written by the gateway itself (framing, forwarding or the request id), so a route cannot ${which === 'request' ? 'set or remove it upstream' : 'set or remove it in the answer'}${hint}`;
}

function crossCheck(config: GatewayConfig, walker: Walker): void {
  const report = (path: Path, message: string) => walker.report(path, message);
  const services = new Map(config.services.map((s) => [s.name, s]));
  const policies = new Map(config.rateLimits.map((p) => [p.name, p]));
  const unknownService = (name: string, path: Path) => {
    if (services.has(name)) return;
    report(
      path,
      `unknown service ${JSON.stringify(name)}${didYouMean(name, services.keys())} (${names(config.services)} under services:)`,
    );
  };
  for (const service of config.services) {
    if (service.balance.kind === 'consistent-hash' && service.balance.algorithm === 'jump') {
      for (const t of service.targets) {
        if (t.weight !== 1) {
          report(
            ['services', service.name, 'targets', t.index, 'weight'],
            'the jump algorithm gives every target the same share: remove the weight, or use ring, maglev or rendezvous',
          );
        }
      }
    }
    const seen = new Map<string, number>();
    for (const t of service.targets) {
      const first = seen.get(t.origin);
      if (first !== undefined) {
        report(
          ['services', service.name, 'targets', t.index],
          `target ${t.origin} is listed twice (also targets[${first}]); give it a weight instead`,
        );
      } else seen.set(t.origin, t.index);
    }
  }
  const checkPolicy = (policy: LimitPolicyConfig, path: Path) => {
    const { limit, windowMs } = policy;
    if (limit !== undefined && windowMs !== undefined && limit * windowMs > MAX_LIMIT_TIMES_WINDOW) {
      report([...path, 'window_ms'], `limit × window_ms must be at most 2^51, got ${limit} × ${windowMs}`);
    }
    if (policy.store === 'redis' && config.redis === undefined) {
      report([...path, 'store'], 'store redis needs the top-level redis: { url } block');
    }
  };
  for (const policy of config.rateLimits) checkPolicy(policy, ['rate_limits', policy.name]);
  for (const route of config.routes) {
    const at: Path = ['routes', route.index];
    if (route.service !== undefined) unknownService(route.service, [...at, 'service']);
    if (route.timeoutMs !== undefined && route.timeouts?.requestMs !== undefined) {
      report(
        [...at, 'timeouts', 'request_ms'],
        'timeout_ms and timeouts.request_ms are the same timeout: give it once (timeouts.request_ms)',
      );
    }
    if (route.split) {
      const seen = new Set<string>();
      route.split.forEach((entry, i) => {
        unknownService(entry.service, [...at, 'split', i, 'service']);
        if (seen.has(entry.service)) {
          report([...at, 'split', i, 'service'], `service ${JSON.stringify(entry.service)} appears twice in the split`);
        }
        seen.add(entry.service);
      });
      if (route.split.length > 0 && route.split.every((entry) => entry.weight === 0)) {
        report([...at, 'split'], 'the split weights sum to 0: no service could ever be picked');
      }
    }
    if (route.inlineLimit) checkPolicy(route.inlineLimit, [...at, 'rate_limit']);
    else {
      route.rateLimit.forEach((name, i) => {
        if (!policies.has(name)) {
          const listed = nodeAt(walker.root, [...at, 'rate_limit'])?.kind === 'seq';
          const path = listed ? [...at, 'rate_limit', i] : [...at, 'rate_limit'];
          report(
            path,
            `unknown rate-limit policy ${JSON.stringify(name)}${didYouMean(name, policies.keys())} (${names(config.rateLimits)} under rate_limits:)`,
          );
        }
      });
    }
    for (const which of ['request', 'response'] as const) {
      const edits = which === 'request' ? route.requestHeaders : route.responseHeaders;
      const owned = which === 'request' ? GATEWAY_OWNED_REQUEST_FIELDS : GATEWAY_OWNED_RESPONSE_FIELDS;
      const where = `${which}_headers`;
      for (const [name] of edits?.set ?? []) {
        const lower = name.toLowerCase();
        if (owned.has(lower)) walker.report([...at, where, 'set', name], ownedFieldMessage(lower, which), 'key');
      }
      edits?.remove.forEach((name, i) => {
        const lower = name.toLowerCase();
        if (owned.has(lower)) report([...at, where, 'remove', i], ownedFieldMessage(lower, which));
      });
    }
    for (const name of Object.keys(route.headers ?? {})) {
      if (name === VERSION_CONSTRAINT_HEADER) {
        report(
          [...at, 'headers'],
          `${VERSION_CONSTRAINT_HEADER} is reserved: the gateway sets it to the resolved version; use version: instead`,
        );
      }
    }
  }
  if (
    config.admin?.host !== undefined &&
    config.listen.host !== undefined &&
    config.admin.port !== 0 &&
    config.admin.port === config.listen.port &&
    config.admin.host === config.listen.host
  ) {
    report(['admin', 'port'], `admin and listen both use ${config.listen.host}:${config.listen.port}`);
  }
  // Paths, hosts, patterns and conflicts as the router sees them, reported with the rest. The
  // reference router decides exactly as the native one (property-tested).
  const router = new ReferenceRouter<number>(routerOptionsOf(config.paths));
  const indexOf: number[] = [];
  for (const route of config.routes) {
    try {
      router.add(routeSpecOf(route), route.index);
      indexOf.push(route.index);
    } catch (error) {
      const problem = routeProblemOf(error, route.index, (id) => indexOf[id] ?? id);
      walker.problems.push(problemAt(positionAt(walker.root, problem.path), problem.message, walker.file));
    }
  }
}

function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

/**
 * Validates a config tree: schema, then cross-checks, collecting every problem. Returns the
 * typed config when there is none, else the problems in file order.
 */
export function validateTree(
  root: SourceNode,
  file: string | undefined,
): { config: GatewayConfig; problems: [] } | { config: undefined; problems: ConfigProblem[] } {
  const walker = new Walker(root, file);
  const walked = walker.walk(root, GATEWAY_SCHEMA, []);
  if (!isObj(walked)) return { config: undefined, problems: walker.problems };
  const locate: GatewayConfig['locate'] = (path, at = 'value') =>
    at === 'key' ? keyPositionAt(root, path) : positionAt(root, path);
  const config = normalize(walked, file, locate);
  crossCheck(config, walker);
  if (walker.problems.length > 0) {
    return { config: undefined, problems: [...walker.problems].sort(byPosition) };
  }
  return { config, problems: [] };
}
