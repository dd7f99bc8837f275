/**
 * What the CLI's commands share: where they write, and the note about per-worker budgets.
 */
import type { CompiledGateway } from '../gateway/types.js';

/** Where the CLI writes (injectable so tests can read it). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Names of `store: memory` policies: budgets that each worker keeps for itself. */
export function perWorkerLimits(compiled: CompiledGateway): string[] {
  return [...compiled.limits.values()].filter((l) => l.store === 'memory').map((l) => l.name);
}

/** The note `serve --workers` and `check` print about per-worker budgets (empty when none applies). */
export function perWorkerNote(compiled: CompiledGateway, workers: number | undefined): string {
  const names = perWorkerLimits(compiled);
  if (names.length === 0) return '';
  const who = workers === undefined ? 'each worker process of `serve --workers N`' : `each of the ${workers} workers`;
  return `note: store: memory limits are per worker: ${who} keeps its own budget for ${names.join(', ')} (use store: redis for one budget across workers)\n`;
}
