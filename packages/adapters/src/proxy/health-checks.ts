/**
 * Active health checks: every target of a service with `health:` is probed with `GET path` every
 * `interval_ms` on the target's own connection pool, and each probe's outcome goes to the
 * target's state in the gateway's resilience runtime (`TargetHealth.recordProbe`), the same
 * state the circuit breaker keeps; the pipeline decides from it. Timers are unref'd (they never
 * keep a process alive), stopped on close, and on reload kept only for probes whose service,
 * target and `health:` did not change (the target's state itself is kept by the runtime).
 */
import type { CompiledGateway, GatewayState } from '../gateway/types.js';
import type { Upstreams } from './upstreams.js';

interface Probe {
  timer: NodeJS.Timeout;
  /** A probe is in flight: the next tick waits for it rather than piling up. */
  busy: boolean;
  stopped: boolean;
}

/** The active health checks of one gateway process; see the module comment. */
export class HealthChecker {
  readonly #upstreams: Upstreams;
  readonly #state: () => GatewayState;
  readonly #now: () => number;
  readonly #probes = new Map<string, Probe>();
  #closed = false;

  /**
   * @param upstreams the pools probes go through
   * @param state the state requests are decided on now (probes report to its runtime)
   * @param now the decision clock (default `Date.now`)
   */
  constructor(upstreams: Upstreams, state: () => GatewayState, now: () => number = Date.now) {
    this.#upstreams = upstreams;
    this.#state = state;
    this.#now = now;
  }

  /** Probes running now. */
  get size(): number {
    return this.#probes.size;
  }

  /** Starts the probes `compiled` asks for and stops the others (call on start and reload). */
  update(compiled: CompiledGateway): void {
    if (this.#closed) return;
    const wanted = new Set<string>();
    for (const service of compiled.services.values()) {
      const policy = service.resilience?.health;
      if (policy === undefined) continue;
      for (const target of service.targets) {
        const key = JSON.stringify([service.name, target.id, policy, service.timeouts.connectMs]);
        wanted.add(key);
        if (this.#probes.has(key)) continue;
        const probe: Probe = { timer: undefined as unknown as NodeJS.Timeout, busy: false, stopped: false };
        const run = () => this.#probe(probe, service.name, target.id, target.origin, service.timeouts.connectMs);
        probe.timer = setInterval(run, policy.intervalMs);
        probe.timer.unref();
        this.#probes.set(key, probe);
        run();
      }
    }
    for (const [key, probe] of this.#probes) {
      if (wanted.has(key)) continue;
      this.#stop(probe);
      this.#probes.delete(key);
    }
  }

  /** Stops every probe; no probe runs or reports after this. */
  close(): void {
    this.#closed = true;
    for (const probe of this.#probes.values()) this.#stop(probe);
    this.#probes.clear();
  }

  #stop(probe: Probe): void {
    probe.stopped = true;
    clearInterval(probe.timer);
  }

  #probe(probe: Probe, serviceName: string, targetId: string, origin: string, connectMs: number): void {
    if (probe.busy || probe.stopped) return;
    const service = this.#state().compiled.services.get(serviceName);
    const policy = service?.resilience?.health;
    if (policy === undefined) return;
    probe.busy = true;
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), policy.timeoutMs);
    timeout.unref();
    const settle = (passed: boolean) => {
      clearTimeout(timeout);
      probe.busy = false;
      if (probe.stopped || this.#closed) return;
      // The state current now: a reload between the probe and its answer reports to the new one.
      const state = this.#state();
      const current = state.compiled.services.get(serviceName);
      if (current === undefined) return;
      const index = current.targets.findIndex((t) => t.id === targetId);
      if (index < 0) return;
      state.runtime.resilience?.of(current)?.targets[index]?.recordProbe(passed, this.#now());
    };
    let pool: ReturnType<Upstreams['pool']>;
    try {
      pool = this.#upstreams.pool(origin, connectMs);
    } catch {
      settle(false);
      return;
    }
    pool
      .request({
        path: policy.path,
        method: 'GET',
        headers: { 'user-agent': 'switchyard-health-check' },
        headersTimeout: policy.timeoutMs,
        bodyTimeout: policy.timeoutMs,
        signal: abort.signal,
      })
      .then(
        async (res) => {
          // Read to the end so the connection is reused; a body that fails to arrive fails the probe.
          await res.body.dump();
          settle(res.statusCode >= 200 && res.statusCode < 400);
        },
        () => settle(false),
      )
      .catch(() => settle(false));
  }
}
