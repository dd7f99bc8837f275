'use strict';
// The libraries of @switchyard/adapters/observe, loaded on first use so that a gateway with
// observability off never loads them. Plain CommonJS so that both the ESM and the CJS builds
// reach it through the package's "#observe-deps" import, synchronously. @opentelemetry/api is an
// optional peer dependency: `otel()` is `undefined` when it is not installed.
module.exports = {
  pino: () => require('pino'),
  promClient: () => require('prom-client'),
  otel: () => {
    try {
      return require('@opentelemetry/api');
    } catch (error) {
      if (error && error.code === 'MODULE_NOT_FOUND') return undefined;
      throw error;
    }
  },
};
