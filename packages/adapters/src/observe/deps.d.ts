// Type of ../../observe-deps.cjs, reached through the package's "#observe-deps" subpath import.
declare module '#observe-deps' {
  const deps: {
    /** Requires pino. */
    pino(): typeof import('pino');
    /** Requires prom-client. */
    promClient(): typeof import('prom-client');
    /** Requires @opentelemetry/api; `undefined` when it is not installed. */
    otel(): typeof import('@opentelemetry/api') | undefined;
  };
  export default deps;
}
