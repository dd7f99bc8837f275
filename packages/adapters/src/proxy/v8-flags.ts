/**
 * V8 settings for the process `switchyard serve` owns (and only that one: a gateway built with
 * `createGateway()` inside an application leaves the application's V8 as it is).
 *
 * Allocation-site pretenuring is turned off. V8 watches the object and array literals of each
 * allocation site, and once most objects of a site outlive a scavenge it allocates that site's
 * objects in the old generation from then on. A proxy's literals are per request, and a site
 * that makes several objects per request (a header pair per field, say) has them all alive while
 * the request is in flight: at start-up, when scavenges come every few dozen requests, such sites
 * qualify (`--trace-pretenuring-statistics` shows sites with every object found alive tenured in
 * the first seconds under load). Tenured for good, those per-request objects and
 * every young object they point to (header strings, undici's parsed header buffers) are promoted
 * and wait for a mark-compact. Measured on bench/proxy's setup (`--trace-gc-nvp`, docs/benchmarks.md):
 * 1.3 to 4.8 KB promoted per request with it, 0.1 to 0.3 KB without, and the p99 at the undici
 * floor's. Whoever passes `--allocation-site-pretenuring` themselves (in `NODE_OPTIONS` or on the
 * command line) keeps it.
 * @module
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags `switchyard serve` sets for itself. */
export const SERVE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

/**
 * The flags of {@link SERVE_V8_FLAGS} that apply to a process started with `execArgv` and
 * `nodeOptions`: those whose setting the user did not choose already.
 */
export function serveV8Flags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const chosen = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return SERVE_V8_FLAGS.filter((flag) => {
    const name = flag.replace(/^--(no-)?/, '').replace(/_/g, '-');
    return !chosen.some(
      (arg) =>
        arg
          .replace(/_/g, '-')
          .replace(/=.*$/, '')
          .replace(/^--(no-)?/, '') === name,
    );
  });
}

/**
 * Sets {@link serveV8Flags} in this process; returns what it set. Called by `switchyard serve`
 * (and by each worker of `serve --workers`) before the gateway is built: the flag is read at
 * each garbage collection, so it holds from then on (V8 documents late flag changes as
 * unsupported in general; this one is consulted only when a collection digests its feedback).
 */
export function applyServeV8Flags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string[] {
  const flags = serveV8Flags(execArgv, nodeOptions);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
