// Registers an OpenTelemetry SDK in the gateway process (`node --import`), as an app that traces
// would: a BasicTracerProvider whose batch processor hands spans to an exporter that drops them,
// so the overhead measured is the gateway's spans and the SDK's, not an exporter's network.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const exporter = {
  export(_spans, done) {
    done({ code: 0 });
  },
  shutdown: async () => {},
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }));
