/**
 * What the pipeline derives once per compiled gateway (client-address resolvers, round-robin
 * schedules, per-route policy lists, header options) and keeps beside it in a `WeakMap`, so a
 * reload that swaps the compiled gateway drops them with it.
 * @module
 */
import { ConfigError, type RateLimitHeaderOptions } from '@switchyard/core';
import type { CompiledGateway, CompiledLimitPolicy, CompiledRoute } from '../types.js';
import { type PreparedService, prepareService } from './balance.js';
import { viaName } from './headers.js';
import { ClientAddress } from './keys.js';
import { headerOptions } from './limits.js';
import { type RouteResolver, routeResolver } from './route.js';

/** Per-compiled-gateway data of the pipeline. */
export interface Prepared {
  resolver: RouteResolver;
  address: ClientAddress;
  /** Whether any route has a `version:` (only then is the router's header map rewritten). */
  versioned: boolean;
  via: string;
  services: Map<string, PreparedService>;
  /** The policies of each route, in order. */
  routeLimits: WeakMap<CompiledRoute, CompiledLimitPolicy[]>;
  headerOptions: RateLimitHeaderOptions;
}

const cache = new WeakMap<CompiledGateway, Prepared>();

function where(route: CompiledRoute): { file?: string; line?: number } {
  return route.position ? { file: route.position.file, line: route.position.line } : {};
}

/**
 * The pipeline's data for `compiled`, built on first use and cached.
 * @throws ConfigError when a route names a rate-limit policy or service the gateway does not
 * define (the config compiler rejects such files; this guards objects built in code).
 */
export function prepare(compiled: CompiledGateway): Prepared {
  const hit = cache.get(compiled);
  if (hit) return hit;
  const services = new Map<string, PreparedService>();
  for (const [name, service] of compiled.services) services.set(name, prepareService(service));
  const routeLimits = new WeakMap<CompiledRoute, CompiledLimitPolicy[]>();
  for (const route of compiled.routes) {
    routeLimits.set(
      route,
      route.limits.map((name) => {
        const policy = compiled.limits.get(name);
        if (!policy)
          throw new ConfigError(
            `route #${route.index} ${route.path}: unknown rate limit ${JSON.stringify(name)}`,
            where(route),
          );
        return policy;
      }),
    );
    for (const name of route.split ? route.split.services : route.service ? [route.service] : []) {
      if (!services.has(name))
        throw new ConfigError(
          `route #${route.index} ${route.path}: unknown service ${JSON.stringify(name)}`,
          where(route),
        );
    }
  }
  const prepared: Prepared = {
    resolver: routeResolver(compiled),
    address: new ClientAddress(compiled.trustProxies),
    versioned: compiled.routes.some((r) => r.version !== undefined),
    via: viaName(compiled.name),
    services,
    routeLimits,
    headerOptions: headerOptions(compiled),
  };
  cache.set(compiled, prepared);
  return prepared;
}
