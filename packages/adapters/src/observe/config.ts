/**
 * The observability a compiled gateway.yaml turns on (`observability:`), as an
 * {@link Observability}; `undefined` when everything is off, so that nothing is loaded.
 * @module
 */
import type { CompiledGateway } from '../gateway/types.js';
import { Observability } from './index.js';

/** The {@link Observability} of `compiled`'s `observability:` block, or `undefined` when all is off. */
export function observabilityOf(compiled: CompiledGateway): Observability | undefined {
  const settings = compiled.observability;
  if (settings === undefined) return undefined;
  const { accessLog, metrics, traces } = settings;
  if (accessLog === undefined && metrics === undefined && !traces) return undefined;
  return new Observability({
    accessLog: accessLog === undefined ? false : { destination: accessLog.destination },
    metrics: metrics === undefined ? false : { process: metrics.process },
    traces,
  });
}
