/**
 * `@switchyard/adapters/proxy`: the standalone reverse proxy. {@link createGateway} runs a
 * gateway.yaml (or a config object) over node:http and undici; {@link main} is the `switchyard` CLI.
 *
 * @packageDocumentation
 * @module @switchyard/adapters/proxy
 */
export { type AdminHandler, AdminServer, routesDocument } from './admin.js';
export { type CliIo, main, USAGE } from './cli.js';
export { formatExplanation } from './explain-format.js';
export { type ForwardOutcome, forwardHttp } from './forward.js';
export {
  createGateway,
  type Gateway,
  type GatewayAddress,
  type GatewayOptions,
  pipelineEngine,
  type ReloadResult,
  reloadText,
} from './gateway.js';
export { type DecisionEngine, ProxyServer, type ProxyServerOptions } from './server.js';
export { Upstreams } from './upstreams.js';
export { applyServeV8Flags, SERVE_V8_FLAGS, serveV8Flags } from './v8-flags.js';
