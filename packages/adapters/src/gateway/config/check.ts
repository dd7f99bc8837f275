/**
 * Static diagnostics of a compiled gateway, what `switchyard check` prints besides the route
 * table: the router's own (`Router.check()`: unreachable, shadowed, conflicting routes), mapped to
 * the routes' positions, plus the gateway's: things that load but are probably not what was meant.
 * @module
 */
import type { CompiledGateway, GatewayDiagnostic } from '../types.js';
import type { GatewayConfig, RouteConfig } from './model.js';

const ROUTER_SEVERITY = { unreachable: 'warning', conflict: 'warning', shadowed: 'info' } as const;

/**
 * Every diagnostic code `switchyard check` can report, with what it means; the config reference
 * lists them from here, and the checks below can only use these codes.
 */
export const DIAGNOSTIC_CODES = {
  'route-unreachable': 'warning: another route takes every request this one would match (`Router.check()`).',
  'route-conflict':
    'warning: two routes can match the same request and only their order in the file decides (`Router.check()`).',
  'route-shadowed': 'note: two routes can match the same request and only `priority` decides (`Router.check()`).',
  'sticky-without-split': 'warning: `sticky` on a route without a `split` does nothing.',
  'split-of-one': 'note: a split over a single service.',
  'rewrite-never-applies': 'warning: the rewrite prefix cannot start any path the route matches.',
  'version-from-path-only':
    'note: a route has a `version` but there is no `versioning:` block, so the version is read only from a `/v{n}/` path segment.',
  'no-routes': 'warning: no routes: every request gets 404.',
  'unused-service': 'warning: a service no route uses.',
  'unused-policy': 'warning: a rate-limit policy no route uses.',
  'per-process-limits':
    'note: `store: memory` policies keep one budget per process: with `serve --workers N`, or several gateways, a key may get N times the limit.',
} as const;

/** A code of {@link DIAGNOSTIC_CODES}. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Static text before the first param or wildcard of a route path. */
function staticPrefix(path: string): string {
  const cut = path.search(/[:*(]/);
  return cut < 0 ? path : path.slice(0, cut);
}

/**
 * Whether a rewrite prefix can start some path the route matches: the route's static head
 * starts with it, or (when the path goes on with params) it may continue the head.
 */
function prefixCanApply(route: RouteConfig, prefix: string): boolean {
  const fixed = staticPrefix(route.path);
  return fixed.startsWith(prefix) || (fixed !== route.path && prefix.startsWith(fixed));
}

/**
 * The diagnostics of a compiled gateway, in order: router findings (by route), then the
 * gateway's own (routes, services, policies, process-wide notes).
 */
export function gatewayDiagnostics(cfg: GatewayConfig, compiled: CompiledGateway): GatewayDiagnostic[] {
  const out: GatewayDiagnostic[] = [];
  const add = (
    severity: GatewayDiagnostic['severity'],
    code: DiagnosticCode,
    message: string,
    path: (string | number)[] | undefined,
    at: 'value' | 'key' = 'value',
  ) => out.push({ severity, code, message, position: path ? cfg.locate(path, at) : undefined });

  for (const d of compiled.router.check()) {
    const route = compiled.routes[d.route];
    const by = compiled.routes[d.by];
    const index = route?.index ?? d.route;
    const byIndex = by?.index ?? d.by;
    const what =
      d.kind === 'unreachable'
        ? `routes[${index}] (${route?.path}) never matches: routes[${byIndex}] (${by?.path}) takes every request it would`
        : d.kind === 'conflict'
          ? `routes[${index}] (${route?.path}) and routes[${byIndex}] (${by?.path}) can match the same request and only their order decides`
          : `routes[${index}] (${route?.path}) and routes[${byIndex}] (${by?.path}) can match the same request and only priority decides`;
    add(ROUTER_SEVERITY[d.kind], `route-${d.kind}`, what, ['routes', index]);
  }

  const usedServices = new Set<string>();
  const usedPolicies = new Set<string>();
  for (const route of cfg.routes) {
    const at = ['routes', route.index];
    if (route.service !== undefined) usedServices.add(route.service);
    for (const s of route.split ?? []) usedServices.add(s.service);
    for (const name of route.rateLimit) usedPolicies.add(name);
    if (route.sticky && !route.split) {
      add(
        'warning',
        'sticky-without-split',
        `routes[${route.index}]: sticky has no effect without a split (to keep a key on one target, use balance: { consistent-hash: ... } on the service)`,
        [...at, 'sticky'],
      );
    }
    if (route.split && route.split.length === 1) {
      add('info', 'split-of-one', `routes[${route.index}]: a split over one service; service: would say the same`, [
        ...at,
        'split',
      ]);
    }
    if (route.rewrite) {
      const prefix = 'stripPrefix' in route.rewrite ? route.rewrite.stripPrefix : route.rewrite.replacePrefix.from;
      if (!prefixCanApply(route, prefix)) {
        add(
          'warning',
          'rewrite-never-applies',
          `routes[${route.index}]: the rewrite prefix ${prefix} never starts a path this route (${route.path}) matches, so it never applies`,
          [...at, 'rewrite'],
        );
      }
    }
    if (route.version !== undefined && cfg.versioning === undefined && !/\/v\d+(\/|$)/.test(route.path)) {
      add(
        'info',
        'version-from-path-only',
        `routes[${route.index}]: version ${route.version} is only recognized from a /v{n}/ path segment, because there is no versioning: block (add versioning: { header, default } to read it from a header)`,
        [...at, 'version'],
      );
    }
  }
  if (cfg.routes.length === 0) add('warning', 'no-routes', 'there are no routes: every request gets 404', ['routes']);

  for (const service of cfg.services) {
    if (!usedServices.has(service.name)) {
      add(
        'warning',
        'unused-service',
        `service ${service.name} is defined but no route uses it`,
        ['services', service.name],
        'key',
      );
    }
  }
  const memory: string[] = [];
  for (const policy of cfg.rateLimits) {
    if (!usedPolicies.has(policy.name)) {
      add(
        'warning',
        'unused-policy',
        `rate-limit policy ${policy.name} is defined but no route uses it`,
        ['rate_limits', policy.name],
        'key',
      );
    }
  }
  for (const policy of compiled.limits.values()) {
    if (policy.store === 'memory' && usedPolicies.has(policy.name)) memory.push(policy.name);
  }
  if (memory.length > 0) {
    add(
      'info',
      'per-process-limits',
      `rate limits ${memory.join(', ')} use store: memory: each process keeps its own budget, so with serve --workers N (or several gateways) a key may get up to N times the limit; store: redis shares one budget`,
      undefined,
    );
  }
  return out;
}
