/**
 * Per-target resilience state and where it lives: {@link TargetHealth} puts a target's circuit
 * breaker (passive outlier detection: real requests' outcomes) and its active health-check state
 * together into one verdict, whether the balancer may send to it; {@link ServiceResilience}
 * holds a service's targets and retry budget; {@link ResilienceRuntime} holds every service's,
 * lives in the gateway's runtime state (so a reload keeps it) and publishes every state change
 * to its `onStateChange` listeners. Pure: the clock is an argument of every call.
 *
 * Failure modes, explicit: a listener that throws is ignored (state changes and requests go on);
 * a service with every target unavailable gets no target (the pipeline answers 503 `no-target`);
 * open-to-half-open happens when the cooldown has passed and the state is next looked at (a
 * request to the service or a health probe), so its event carries that time.
 * @module
 */
import type { CompiledGateway, CompiledService } from '../types.js';
import { type Admission, type BreakerReason, type BreakerState, CircuitBreaker } from './breaker.js';
import { ActiveHealth, type HealthStatus, type HealthTransition } from './health.js';
import { RetryBudget } from './retry.js';

/** What a target's state says, as listeners and `explain` see it. */
export interface TargetStatus {
  /** The circuit breaker's state; `undefined` when the service has no `breaker:`. */
  breaker: BreakerState | undefined;
  /** The active checks' verdict; `undefined` when the service has no `health:`. */
  health: HealthStatus | undefined;
  /** Whether the balancer may choose the target: breaker not open, health not unhealthy. */
  available: boolean;
}

/** Why a target's state changed. */
export type TargetChangeReason = BreakerReason | HealthTransition['reason'];

/** One change of a target's state, published to {@link ResilienceRuntime.onStateChange} listeners. */
export interface TargetStateEvent {
  service: string;
  /** The target's id (its origin, `http://127.0.0.1:9001`). */
  target: string;
  previous: TargetStatus;
  current: TargetStatus;
  reason: TargetChangeReason;
  /** When it changed, in the clock of the gateway's decisions (wall-clock ms by default). */
  atMs: number;
}

/** A listener of target state changes. */
export type TargetStateListener = (event: TargetStateEvent) => void;

/** A target's state for display (`switchyard explain`, admin, metrics). */
export interface TargetView {
  service: string;
  /** The target's id (its origin). */
  target: string;
  status: TargetStatus;
  /** When an open breaker lets trials through. */
  reopensAtMs: number | undefined;
  /** Failures in a row the breaker has counted (closed). */
  consecutiveFailures: number;
}

function statusOf(breaker: CircuitBreaker | undefined, active: ActiveHealth | undefined): TargetStatus {
  const b = breaker?.state;
  const h = active?.status;
  return { breaker: b, health: h, available: b !== 'open' && h !== 'unhealthy' };
}

/** One target's breaker and health state; see the module comment. */
export class TargetHealth {
  /** The service's name. */
  readonly service: string;
  /** The target's id (its origin). */
  readonly target: string;
  /** The passive side: `undefined` without `breaker:`. */
  readonly breaker: CircuitBreaker | undefined;
  /** The active side: `undefined` without `health:`. */
  readonly active: ActiveHealth | undefined;
  /** The policies it was built from: a reload keeps the state only while they are the same. */
  readonly fingerprint: string;
  readonly #publish: (event: TargetStateEvent) => void;

  constructor(service: CompiledService, target: string, publish: (event: TargetStateEvent) => void) {
    const r = service.resilience;
    this.service = service.name;
    this.target = target;
    this.breaker = r?.breaker ? new CircuitBreaker(r.breaker) : undefined;
    this.active = r?.health ? new ActiveHealth(r.health) : undefined;
    this.fingerprint = targetFingerprint(service);
    this.#publish = publish;
  }

  /** The state now (lets an elapsed cooldown half-open the breaker). */
  status(nowMs: number): TargetStatus {
    this.#poll(nowMs);
    return statusOf(this.breaker, this.active);
  }

  /** Whether the balancer may choose the target (breaker not open, health not unhealthy). */
  available(nowMs: number): boolean {
    this.#poll(nowMs);
    return this.breaker?.state !== 'open' && this.active?.status !== 'unhealthy';
  }

  /** Whether a request may go now: available, and a trial slot free when half-open. */
  usable(nowMs: number): boolean {
    this.#poll(nowMs);
    return (this.breaker?.canAdmit() ?? true) && this.active?.status !== 'unhealthy';
  }

  /** Lets a request through (after {@link TargetHealth.usable}); hand the admission back with its outcome. */
  admit(nowMs: number): Admission | undefined {
    this.#poll(nowMs);
    if (this.active?.status === 'unhealthy') return undefined;
    return this.breaker ? this.breaker.admit() : 'normal';
  }

  /** A request let through ended without a verdict on the target (client abort, upgrade). */
  cancel(admission: Admission): void {
    this.breaker?.cancel(admission);
  }

  /** The outcome of a request let through: `success` false for the target's own failures only. */
  record(success: boolean, admission: Admission, nowMs: number): void {
    if (!this.breaker) return;
    const before = statusOf(this.breaker, this.active);
    const t = this.breaker.record(success, admission, nowMs);
    if (t) this.#changed(before, t.reason, nowMs);
  }

  /** The outcome of one active health probe. */
  recordProbe(passed: boolean, nowMs: number): void {
    if (!this.active) return;
    this.#poll(nowMs);
    const before = statusOf(this.breaker, this.active);
    const t = this.active.record(passed);
    if (t) this.#changed(before, t.reason, nowMs);
  }

  /** A view for display. */
  view(nowMs: number): TargetView {
    return {
      service: this.service,
      target: this.target,
      status: this.status(nowMs),
      reopensAtMs: this.breaker?.reopensAtMs,
      consecutiveFailures: this.breaker?.consecutiveFailures ?? 0,
    };
  }

  #poll(nowMs: number): void {
    const b = this.breaker;
    if (b === undefined || b.state !== 'open') return;
    const before = statusOf(b, this.active);
    const t = b.poll(nowMs);
    if (t) this.#changed(before, t.reason, nowMs);
  }

  #changed(previous: TargetStatus, reason: TargetChangeReason, atMs: number): void {
    this.#publish({
      service: this.service,
      target: this.target,
      previous,
      current: statusOf(this.breaker, this.active),
      reason,
      atMs,
    });
  }
}

function targetFingerprint(service: CompiledService): string {
  const r = service.resilience;
  return JSON.stringify([r?.breaker ?? null, r?.health ?? null]);
}

/** A service's targets' states (by target index) and its retry budget. */
export class ServiceResilience {
  /** The compiled service it was built for. */
  readonly service: CompiledService;
  /** One state per target, by target index (shared with later states while unchanged). */
  readonly targets: readonly TargetHealth[];
  /** The retry budget; `undefined` when the service has no `retries:`. */
  readonly budget: RetryBudget | undefined;
  /** The consistent hash's view of each target (1: healthy), to tell it only of changes. */
  readonly #hashed: Uint8Array;

  constructor(service: CompiledService, targets: TargetHealth[], budget: RetryBudget | undefined) {
    this.service = service;
    this.targets = targets;
    this.budget = budget;
    this.#hashed = new Uint8Array(targets.length).fill(1);
  }

  /** Whether target `index` may take a request now. */
  usable(index: number, nowMs: number): boolean {
    return this.targets[index]?.usable(nowMs) ?? false;
  }

  /**
   * Tells the service's consistent hash which targets are available (`setHealthy`), so that an
   * unavailable target's keys, and only those, move to the next target of their preference order.
   */
  syncHash(nowMs: number): void {
    const balance = this.service.balance;
    if (balance.kind !== 'consistent-hash') return;
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      const available = t.available(nowMs) ? 1 : 0;
      if (available !== this.#hashed[i]) {
        this.#hashed[i] = available;
        balance.hash.setHealthy(t.target, available === 1);
      }
    }
  }
}

/**
 * Every service's resilience state in one gateway process; see the module comment. Kept in
 * `GatewayRuntime.resilience`, which a reload carries over: a target whose service keeps its
 * name, the target its id and the service its `breaker:` and `health:` keeps its state; a
 * service that keeps its `retries:` keeps its budget.
 */
export class ResilienceRuntime {
  readonly #byService = new WeakMap<CompiledService, ServiceResilience>();
  /** The newest state per service name: what a reload carries over from. */
  readonly #byName = new Map<string, ServiceResilience>();
  readonly #listeners = new Set<TargetStateListener>();
  readonly #publish = (event: TargetStateEvent): void => {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener (a metrics or log sink) that fails must not change a decision.
      }
    }
  };

  /** Calls `listener` on every target state change; returns the function that unsubscribes it. */
  onStateChange(listener: TargetStateListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * The state of `service`, `undefined` when it has no `retries:`, `breaker:` or `health:`.
   * Built on first use, carrying over what the newest state of the same name allows.
   */
  of(service: CompiledService): ServiceResilience | undefined {
    if (service.resilience === undefined) return undefined;
    const hit = this.#byService.get(service);
    if (hit) return hit;
    const built = this.#build(service);
    if (!this.#byName.has(service.name)) this.#byName.set(service.name, built);
    return built;
  }

  /**
   * Makes `compiled` the newest state: builds its services' states (carrying over as described
   * above) and forgets services it no longer has. The gateway calls it on start and reload.
   */
  adopt(compiled: CompiledGateway): void {
    const next = new Map<string, ServiceResilience>();
    for (const service of compiled.services.values()) {
      if (service.resilience === undefined) continue;
      const built = this.#byService.get(service) ?? this.#build(service);
      next.set(service.name, built);
    }
    this.#byName.clear();
    for (const [name, s] of next) this.#byName.set(name, s);
  }

  /** Every target of the newest state, for display. */
  targets(nowMs: number): TargetView[] {
    const out: TargetView[] = [];
    for (const s of this.#byName.values()) for (const t of s.targets) out.push(t.view(nowMs));
    return out;
  }

  #build(service: CompiledService): ServiceResilience {
    const previous = this.#byName.get(service.name);
    const fingerprint = targetFingerprint(service);
    const kept = new Map<string, TargetHealth>();
    for (const t of previous?.targets ?? []) if (t.fingerprint === fingerprint) kept.set(t.target, t);
    const targets = service.targets.map((t) => kept.get(t.id) ?? new TargetHealth(service, t.id, this.#publish));
    const retries = service.resilience?.retries;
    let budget: RetryBudget | undefined;
    if (retries) {
      const same =
        previous?.budget !== undefined &&
        previous.budget.capacity === retries.budget.capacity &&
        previous.budget.refillPerSecond === retries.budget.refillPerSecond;
      budget = same ? previous.budget : new RetryBudget(retries.budget.capacity, retries.budget.refillPerSecond);
    }
    const built = new ServiceResilience(service, targets, budget);
    this.#byService.set(service, built);
    return built;
  }
}
