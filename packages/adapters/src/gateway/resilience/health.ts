/**
 * Active health-check state of one target, pure: the front door probes `path` every
 * `intervalMs` and reports each probe's outcome; this decides when the target counts as healthy
 * or unhealthy. A target starts `unknown`, which takes traffic (so a gateway that just started,
 * or a target just added, is not idle until its first probe); `unhealthyThreshold` failed probes
 * in a row make it `unhealthy` (it takes no traffic), `healthyThreshold` passed probes in a row
 * make it `healthy` again. The first probe that passes makes an `unknown` target `healthy`.
 * @module
 */

/** A service's `health:` policy, compiled. */
export interface HealthPolicy {
  /** Path (and query) probed with GET on every target. */
  path: string;
  intervalMs: number;
  /** A probe without a 2xx or 3xx answer within this long has failed. */
  timeoutMs: number;
  /** Passed probes in a row that make an unhealthy target healthy. */
  healthyThreshold: number;
  /** Failed probes in a row that make a target unhealthy. */
  unhealthyThreshold: number;
}

/** What the active checks say about a target. */
export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

/** A change of {@link HealthStatus}. */
export interface HealthTransition {
  from: HealthStatus;
  to: HealthStatus;
  reason: 'health-check-passed' | 'health-check-failed';
}

/** One target's active health state; see the module comment. */
export class ActiveHealth {
  /** The policy it applies. */
  readonly policy: HealthPolicy;
  #status: HealthStatus = 'unknown';
  #passed = 0;
  #failed = 0;

  constructor(policy: HealthPolicy) {
    this.policy = policy;
  }

  /** The verdict of the probes so far. */
  get status(): HealthStatus {
    return this.#status;
  }

  /** Probes passed in a row (0 after a failure). */
  get passedInRow(): number {
    return this.#passed;
  }

  /** Probes failed in a row (0 after a pass). */
  get failedInRow(): number {
    return this.#failed;
  }

  /** The outcome of one probe; the transition when the status changed. */
  record(passed: boolean): HealthTransition | undefined {
    const from = this.#status;
    if (passed) {
      this.#passed++;
      this.#failed = 0;
      if (from === 'healthy') return undefined;
      if (from === 'unknown' || this.#passed >= this.policy.healthyThreshold) {
        this.#status = 'healthy';
        return { from, to: 'healthy', reason: 'health-check-passed' };
      }
      return undefined;
    }
    this.#failed++;
    this.#passed = 0;
    if (from === 'unhealthy' || this.#failed < this.policy.unhealthyThreshold) return undefined;
    this.#status = 'unhealthy';
    return { from, to: 'unhealthy', reason: 'health-check-failed' };
  }
}
