/**
 * The surface of every primitive, declared once. `@switchyard/core`'s classes and the
 * native-backed classes of `@switchyard/node` both `implements` these interfaces, so the type
 * checker holds the two implementations to one API; `@switchyard/node` exports its classes typed
 * by the constructor interfaces below, so no cast claims one implementation is the other.
 *
 * Exported as the `Contracts` namespace: `Contracts.Router<T>` is what either package's `new
 * Router<T>()` returns.
 *
 * @module
 */
import type { ConsistentHashOptions, HashAlgorithm, HashNode } from './hashing/consistent-hash.js';
import type { NodeInput } from './hashing/validate.js';
import type { SplitTarget, WeightedSplitOptions } from './hashing/weighted-split.js';
import type { KeyedLimiter } from './ratelimit/decision.js';
import type { NormalizedSlidingWindowLimiterOptions, SlidingWindowLimiterOptions } from './ratelimit/sliding-window.js';
import type { NormalizedRateLimiterOptions, RateLimiterOptions } from './ratelimit/token-bucket.js';
import type {
  CanonicalPath,
  Explanation,
  Match,
  RequestInfo,
  Resolution,
  RouteDiagnostic,
  RouterOptions,
  RouteSpec,
} from './router/types.js';

/** The route matcher (docs/router-spec.md). */
export interface Router<T> {
  /** Number of routes added. */
  readonly size: number;
  /**
   * Adds a route and returns its id (0, 1, 2, ... in insertion order).
   * @throws InvalidRouteError when the spec is invalid (nothing is added).
   * @throws RouteConflictError when an existing route cannot be told apart from it.
   */
  add(spec: RouteSpec, value: T): number;
  /** The winning route for `req`, or `null`. Never throws for any request. */
  match(req: RequestInfo): Match<T> | null;
  /**
   * What a gateway asks: the winning route, or why there is none (400, 404, 405 with `allow`),
   * with the canonical path (docs/router-spec.md §8). Never throws for any request.
   */
  resolve(req: RequestInfo): Resolution<T>;
  /** Every route with whether and why it matched `req`; for debugging a routing table. */
  explain(req: RequestInfo): Explanation;
  /** Static diagnostics of the table: unreachable, shadowed and conflicting routes. */
  check(): RouteDiagnostic[];
}

/** `new Router<T>(options?)`. */
export type RouterConstructor = new <T>(options?: RouterOptions) => Router<T>;

/**
 * `canonicalizePath(target, options?)`: the canonical form of a request path, or why it is
 * rejected (docs/router-spec.md §4.1).
 * @throws InvalidArgumentError when `target` is not a string or an option is invalid.
 */
export type CanonicalizePath = (target: string, options?: RouterOptions) => CanonicalPath;

/** Keyed token buckets. */
export interface RateLimiter extends KeyedLimiter {
  /** Normalized options. */
  readonly options: NormalizedRateLimiterOptions;
  /** Slot index where `key` is stored, or -1 (layout introspection for the differential test). @internal */
  slotOf(key: string): number;
}

/** `new RateLimiter(options)`. */
export type RateLimiterConstructor = new (options: RateLimiterOptions) => RateLimiter;

/** Keyed sliding-window counters, with the decision shape of {@link RateLimiter}. */
export interface SlidingWindowLimiter extends KeyedLimiter {
  /** Normalized options. */
  readonly options: NormalizedSlidingWindowLimiterOptions;
  /** Slot index where `key` is stored, or -1 (layout introspection for the differential test). @internal */
  slotOf(key: string): number;
}

/** `new SlidingWindowLimiter(options)`. */
export type SlidingWindowLimiterConstructor = new (options: SlidingWindowLimiterOptions) => SlidingWindowLimiter;

/** A consistent-hash balancer (docs/hashing.md). */
export interface ConsistentHash {
  /** The algorithm this instance uses. */
  readonly algorithm: HashAlgorithm;
  /** The nodes in insertion order, with their health and load. */
  readonly nodes: HashNode[];
  /** Number of nodes, healthy or not. */
  readonly size: number;
  /** Adds a node at the end. @throws InvalidArgumentError on a bad node or a duplicate id. */
  add(node: NodeInput): void;
  /** Removes a node; the nodes after it move down one index. @throws UnknownNodeError */
  remove(id: string): void;
  /** Marks a node healthy or unhealthy. @throws UnknownNodeError */
  setHealthy(id: string, healthy: boolean): void;
  /** Whether a node is healthy. @throws UnknownNodeError */
  isHealthy(id: string): boolean;
  /** Sets a node's current load, for bounded-load picks. @throws UnknownNodeError, InvalidArgumentError */
  setLoad(id: string, load: number): void;
  /** A node's bounded-load cap; `undefined` when bounded loads are off. @throws UnknownNodeError */
  loadCap(id: string): number | undefined;
  /** The node for `key`. @throws EmptyNodeSetError when no node is healthy. */
  pick(key: string): string;
  /** The first `n` distinct healthy nodes of the key's preference order. */
  pickN(key: string, n: number): string[];
}

/** `new ConsistentHash(nodes?, options?)`. */
export type ConsistentHashConstructor = new (
  nodes?: Iterable<NodeInput>,
  options?: ConsistentHashOptions,
) => ConsistentHash;

/** A canary or blue-green traffic split. */
export interface WeightedSplit {
  /** The targets and their current weights. */
  readonly targets: SplitTarget[];
  /** Changes one target's weight. @throws UnknownNodeError, InvalidArgumentError */
  setWeight(id: string, weight: number): void;
  /** With a key: its target, deterministic. Without: a random target, by weight. */
  pick(key?: string): string;
}

/** `new WeightedSplit(targets, options?)`. */
export type WeightedSplitConstructor = new (
  targets: Iterable<SplitTarget>,
  options?: WeightedSplitOptions,
) => WeightedSplit;
