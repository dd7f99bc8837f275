/**
 * A circuit breaker for one target, pure: the clock is an argument of every call, so a property
 * test drives it with a fake clock. It is the gateway's passive outlier detection: it watches the
 * outcomes of real requests.
 *
 * - closed: requests flow; it opens after `consecutiveFailures` failures in a row, or when the
 *   failure rate over the last `failureRate.windowMs` reaches `thresholdPercent` with at least
 *   `minRequests` outcomes in the window;
 * - open: no request goes to the target until `cooldownMs` has passed since it opened;
 * - half-open: up to `halfOpenRequests` trial requests at a time; `closeAfter` successes close
 *   it, one failure opens it again (for another `cooldownMs`).
 *
 * Only the target's own failures count (a 5xx, a connection error, a timeout): the caller never
 * reports a 4xx, a client abort or a request the gateway rejected as one.
 * @module
 */

/** A service's `breaker:` policy, compiled. */
export interface BreakerPolicy {
  /** Failures in a row that open the breaker. */
  consecutiveFailures: number;
  /** Failure rate that opens it; `undefined`: only consecutive failures count. */
  failureRate: { thresholdPercent: number; windowMs: number; minRequests: number } | undefined;
  /** How long it stays open before letting trials through. */
  cooldownMs: number;
  /** Trial requests allowed at a time while half-open. */
  halfOpenRequests: number;
  /** Successful trials that close it. */
  closeAfter: number;
}

/** The three states of a breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Why a breaker changed state. */
export type BreakerReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'cooldown-elapsed'
  | 'trial-failed'
  | 'trials-succeeded';

/** A state change, for the owner to publish. */
export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  reason: BreakerReason;
}

/**
 * How a request was let through, to hand back with its outcome: `'normal'` (closed), `'trial'`
 * (one of the half-open trial slots, which the outcome frees).
 */
export type Admission = 'normal' | 'trial';

/** Buckets of the failure-rate window: the window slides in steps of `windowMs / BUCKETS`. */
const BUCKETS = 10;

/** One target's breaker; see the module comment. */
export class CircuitBreaker {
  /** The policy it applies. */
  readonly policy: BreakerPolicy;
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #successes = 0;
  #trials = 0;
  #openedAtMs = 0;
  readonly #ok: Uint32Array | undefined;
  readonly #failed: Uint32Array | undefined;
  /** Index (time / bucket width) of the newest bucket. */
  #bucket = -1;

  constructor(policy: BreakerPolicy) {
    this.policy = policy;
    if (policy.failureRate) {
      this.#ok = new Uint32Array(BUCKETS);
      this.#failed = new Uint32Array(BUCKETS);
    }
  }

  /** The state as last advanced (call {@link CircuitBreaker.poll} to let the cooldown end). */
  get state(): BreakerState {
    return this.#state;
  }

  /** When the breaker (last) opened, in the clock of the calls. */
  get openedAtMs(): number {
    return this.#openedAtMs;
  }

  /** When an open breaker lets trials through; `undefined` when not open. */
  get reopensAtMs(): number | undefined {
    return this.#state === 'open' ? this.#openedAtMs + this.policy.cooldownMs : undefined;
  }

  /** Trial requests in flight (half-open). */
  get trials(): number {
    return this.#trials;
  }

  /** Failures in a row so far (closed). */
  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /** Moves open to half-open once the cooldown has passed; the transition when it did. */
  poll(nowMs: number): BreakerTransition | undefined {
    if (this.#state !== 'open' || nowMs < this.#openedAtMs + this.policy.cooldownMs) return undefined;
    this.#state = 'half-open';
    this.#successes = 0;
    this.#trials = 0;
    return { from: 'open', to: 'half-open', reason: 'cooldown-elapsed' };
  }

  /** Whether a request could be let through now (after {@link CircuitBreaker.poll}). */
  canAdmit(): boolean {
    return this.#state === 'closed' || (this.#state === 'half-open' && this.#trials < this.policy.halfOpenRequests);
  }

  /** Lets a request through (check {@link CircuitBreaker.canAdmit} first); `undefined` when it may not go. */
  admit(): Admission | undefined {
    if (this.#state === 'closed') return 'normal';
    if (this.#state === 'half-open' && this.#trials < this.policy.halfOpenRequests) {
      this.#trials++;
      return 'trial';
    }
    return undefined;
  }

  /** A request let through ended without a verdict on the target (client abort): frees its slot. */
  cancel(admission: Admission): void {
    if (admission === 'trial' && this.#trials > 0) this.#trials--;
  }

  /**
   * The outcome of a request to the target. Outcomes of requests let through before the breaker
   * opened, arriving while it is open, change nothing (it already opened).
   */
  record(success: boolean, admission: Admission, nowMs: number): BreakerTransition | undefined {
    if (admission === 'trial' && this.#trials > 0) this.#trials--;
    switch (this.#state) {
      case 'open':
        return undefined;
      case 'half-open':
        if (!success) return this.#open(nowMs, 'trial-failed', 'half-open');
        if (++this.#successes < this.policy.closeAfter) return undefined;
        this.#close();
        return { from: 'half-open', to: 'closed', reason: 'trials-succeeded' };
      case 'closed': {
        this.#count(success, nowMs);
        if (success) {
          this.#consecutive = 0;
          return undefined;
        }
        if (++this.#consecutive >= this.policy.consecutiveFailures)
          return this.#open(nowMs, 'consecutive-failures', 'closed');
        if (this.#rateExceeded()) return this.#open(nowMs, 'failure-rate', 'closed');
        return undefined;
      }
    }
  }

  /** Outcomes in the failure-rate window now: `[ok, failed]` (`[0, 0]` without a window). */
  windowCounts(nowMs: number): [number, number] {
    if (!this.#ok || !this.#failed) return [0, 0];
    this.#slide(nowMs);
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < BUCKETS; i++) {
      ok += this.#ok[i]!;
      failed += this.#failed[i]!;
    }
    return [ok, failed];
  }

  #open(nowMs: number, reason: BreakerReason, from: BreakerState): BreakerTransition {
    this.#state = 'open';
    this.#openedAtMs = nowMs;
    this.#consecutive = 0;
    this.#successes = 0;
    return { from, to: 'open', reason };
  }

  #close(): void {
    this.#state = 'closed';
    this.#consecutive = 0;
    this.#successes = 0;
    this.#ok?.fill(0);
    this.#failed?.fill(0);
  }

  /** Drops the buckets that fell out of the window. */
  #slide(nowMs: number): void {
    const rate = this.policy.failureRate;
    if (!rate || !this.#ok || !this.#failed) return;
    const bucket = Math.floor(nowMs / Math.max(1, rate.windowMs / BUCKETS));
    if (this.#bucket < 0 || bucket - this.#bucket >= BUCKETS) {
      this.#ok.fill(0);
      this.#failed.fill(0);
    } else {
      for (let b = this.#bucket + 1; b <= bucket; b++) {
        this.#ok[b % BUCKETS] = 0;
        this.#failed[b % BUCKETS] = 0;
      }
    }
    if (bucket > this.#bucket) this.#bucket = bucket;
  }

  #count(success: boolean, nowMs: number): void {
    if (!this.#ok || !this.#failed) return;
    this.#slide(nowMs);
    const i = this.#bucket % BUCKETS;
    if (success) this.#ok[i]!++;
    else this.#failed[i]!++;
  }

  #rateExceeded(): boolean {
    const rate = this.policy.failureRate;
    if (!rate || !this.#ok || !this.#failed) return false;
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < BUCKETS; i++) {
      ok += this.#ok[i]!;
      failed += this.#failed[i]!;
    }
    const total = ok + failed;
    return total >= rate.minRequests && failed * 100 >= rate.thresholdPercent * total;
  }
}
