/**
 * `@switchyard/adapters/gateway`: what a gateway decides, with no socket: `gateway.yaml` loaded,
 * validated and compiled, and the contract types shared by the pipeline and the front doors.
 *
 * @packageDocumentation
 */

// The config: load, validate, compile, check, print.
export {
  type BalanceConfig,
  type CompileOptions,
  compileGateway,
  DIAGNOSTIC_CODES,
  type DiagnosticCode,
  formatDiagnostics,
  formatKeySource,
  formatProblem,
  formatProblems,
  formatRouteTable,
  GATEWAY_SCHEMA,
  type GatewayConfig,
  type GatewayRedisClient,
  isGatewayConfig,
  type LimitPolicyConfig,
  loadConfig,
  parseConfig,
  parseKeySource,
  type RouteConfig,
  renderConfigReference,
  routerOptionsOf,
  routeSpecOf,
  type SchemaNode,
  type ServiceConfig,
  type TargetConfig,
} from './config/index.js';
export * from './types.js';
