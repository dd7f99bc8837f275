/**
 * The gateway config: `gateway.yaml` loaded and validated against one schema, compiled into the
 * primitives of `@switchyard/node`, checked, and printed.
 * @module
 */
export { DIAGNOSTIC_CODES, type DiagnosticCode } from './check.js';
export { type CompileOptions, compileGateway, type GatewayRedisClient } from './compile.js';
export { renderConfigReference } from './docs.js';
export { countsText, formatDiagnostics, formatProblems, formatRouteTable } from './format.js';
export { formatProblem, isGatewayConfig, loadConfig, parseConfig } from './load.js';
export type {
  BalanceConfig,
  GatewayConfig,
  LimitPolicyConfig,
  RouteConfig,
  ServiceConfig,
  TargetConfig,
} from './model.js';
export { routerOptionsOf, routeSpecOf } from './routes.js';
export { GATEWAY_SCHEMA, type SchemaNode } from './schema.js';
export { formatKeySource, parseKeySource } from './text.js';
