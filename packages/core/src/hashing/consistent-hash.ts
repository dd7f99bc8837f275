import type * as Contract from '../contracts.js';
import { EmptyNodeSetError, InvalidArgumentError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { jumpBucket, type KeyHash, keyHash } from './key-hash.js';
import { buildMaglev } from './maglev.js';
import { NodeList } from './node-list.js';
import { best, ranked } from './rendezvous.js';
import { Ring, vnodes } from './ring.js';
import {
  checkBoolean,
  checkCount,
  checkKey,
  checkLoad,
  DEFAULT_TABLE_SIZE,
  DEFAULT_VNODES_PER_WEIGHT,
  duplicateId,
  isPrime,
  MAX_NODES,
  MAX_RING_POINTS,
  MAX_TABLE_SIZE,
  type NodeInput,
  type NodeSpec,
  toNodeSpec,
} from './validate.js';

/** The consistent-hashing algorithms. See `docs/hashing.md`. */
export type HashAlgorithm = 'ring' | 'maglev' | 'rendezvous' | 'jump';

const ALGORITHMS: readonly HashAlgorithm[] = ['ring', 'maglev', 'rendezvous', 'jump'];

/** Options of {@link ConsistentHash}. */
export interface ConsistentHashOptions {
  /**
   * `ring` (default): ketama-style ring, `max(1, floor(weight * vnodesPerWeight + 0.5))` points per
   * node, a key goes to the first point at or after its hash. `maglev`: lookup table of a prime
   * size filled in proportion to the weights; O(1) picks, near-perfect balance, but a change of
   * the node set moves a few keys between surviving nodes. `rendezvous`: weighted
   * highest-random-weight; O(nodes) per pick, minimal disruption, exact weights. `jump`: jump
   * consistent hash over the nodes in insertion order; no weights; only removing the last node
   * is minimal.
   */
  algorithm?: HashAlgorithm;
  /** Ring points per unit of weight; default 160, in (0, 10000]. */
  vnodesPerWeight?: number;
  /** Maglev table size, a prime in [3, 16777216] larger than the node count; default 65537. */
  tableSize?: number;
  /**
   * Consistent hashing with bounded loads (Mirrokni et al.): a pick skips, in the key's own
   * preference order, every node whose load (fed with {@link ConsistentHash.setLoad}) is not below
   * its cap `ceil((1 + epsilon) * (L + 1) * weight / W)`, with `L` the total load and `W` the total
   * weight of the healthy nodes. `epsilon` >= 0.
   */
  boundedLoad?: { epsilon: number };
}

/** A node of a {@link ConsistentHash}, as {@link ConsistentHash.nodes} lists it. */
export interface HashNode {
  readonly id: string;
  readonly weight: number;
  readonly healthy: boolean;
  readonly load: number;
}

interface NodeState extends NodeSpec {
  hash: KeyHash;
  healthy: boolean;
  load: number;
}

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : typeof value;
}

/** The keys of {@link ConsistentHashOptions}; any other is an error. */
const HASH_OPTIONS: readonly (keyof ConsistentHashOptions)[] = [
  'algorithm',
  'vnodesPerWeight',
  'tableSize',
  'boundedLoad',
];

/** Normalized options. @internal */
export interface NormalizedHashOptions {
  algorithm: HashAlgorithm;
  vnodesPerWeight: number;
  tableSize: number;
  epsilon: number | undefined;
}

/** Validates and fills in {@link ConsistentHashOptions}. @internal */
export function normalizeHashOptions(options: ConsistentHashOptions = {}): NormalizedHashOptions {
  checkKnownKeys(options, HASH_OPTIONS, 'options');
  const {
    algorithm = 'ring',
    vnodesPerWeight = DEFAULT_VNODES_PER_WEIGHT,
    tableSize = DEFAULT_TABLE_SIZE,
    boundedLoad,
  } = options;
  if (!ALGORITHMS.includes(algorithm)) {
    throw new InvalidArgumentError(
      'options.algorithm',
      `expected "ring", "maglev", "rendezvous" or "jump", got "${show(algorithm)}"`,
    );
  }
  if (
    typeof vnodesPerWeight !== 'number' ||
    !Number.isFinite(vnodesPerWeight) ||
    vnodesPerWeight <= 0 ||
    vnodesPerWeight > 10_000
  ) {
    throw new InvalidArgumentError(
      'options.vnodesPerWeight',
      `must be a finite number in (0, 10000], got ${show(vnodesPerWeight)}`,
    );
  }
  if (
    typeof tableSize !== 'number' ||
    !Number.isInteger(tableSize) ||
    tableSize < 3 ||
    tableSize > MAX_TABLE_SIZE ||
    !isPrime(tableSize)
  ) {
    throw new InvalidArgumentError(
      'options.tableSize',
      `must be a prime integer in [3, 16777216], got ${show(tableSize)}`,
    );
  }
  let epsilon: number | undefined;
  if (boundedLoad !== undefined) {
    checkKnownKeys(boundedLoad, ['epsilon'], 'options.boundedLoad');
    epsilon = (boundedLoad as { epsilon?: unknown } | null)?.epsilon as number;
    if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) {
      throw new InvalidArgumentError(
        'options.boundedLoad.epsilon',
        `must be a finite number >= 0, got ${show(epsilon)}`,
      );
    }
  }
  return { algorithm, vnodesPerWeight, tableSize, epsilon };
}

/**
 * A consistent-hash balancer: maps string keys to nodes so that a key keeps its node while the
 * node set stays the same, and few keys move when it changes.
 *
 * Every key has a *preference order* over the nodes: `ring` walks clockwise from the key's point;
 * `rendezvous` ranks nodes by score; `maglev` and `jump` put their table/bucket pick first, then
 * the other nodes in weighted-rendezvous order. {@link pick} returns the first node of that order
 * that is healthy (and under its cap in bounded-load mode), so marking a node unhealthy moves only
 * its own keys, each to its next node, and rebuilds nothing. Keys are hashed as specified in
 * `docs/hashing.md`, identically in `@switchyard/node`'s native core.
 *
 * ```ts
 * const hash = new ConsistentHash(['a', { id: 'b', weight: 2 }], { algorithm: 'maglev' });
 * hash.pick('user-42'); // 'a', in every process, native or not
 * ```
 */
export class ConsistentHash implements Contract.ConsistentHash {
  /** The algorithm this instance uses. */
  readonly algorithm: HashAlgorithm;
  readonly #vnodesPerWeight: number;
  readonly #tableSize: number;
  readonly #epsilon: number | undefined;
  readonly #list = new NodeList<NodeState>();
  /** `#list.items`, the live array. */
  readonly #nodes: NodeState[] = this.#list.items;
  #ring = new Ring();
  #table: Uint32Array = new Uint32Array(0);
  #equalWeights = true;
  #healthyCount = 0;
  #healthyWeight = 0;
  #healthyLoad = 0;
  readonly #key: KeyHash = { hi: 0, lo: 0 };

  /**
   * @param nodes node ids, or `{ id, weight }` (weight in (0, 1e6], default 1); may be empty.
   * @throws InvalidArgumentError on a bad option, node, weight or a duplicate id.
   */
  constructor(nodes: Iterable<NodeInput> = [], options: ConsistentHashOptions = {}) {
    const normalized = normalizeHashOptions(options);
    this.algorithm = normalized.algorithm;
    this.#vnodesPerWeight = normalized.vnodesPerWeight;
    this.#tableSize = normalized.tableSize;
    this.#epsilon = normalized.epsilon;
    let ringPoints = 0;
    let i = 0;
    for (const input of nodes) {
      const argument = `nodes[${i++}]`;
      const spec = toNodeSpec(input, argument);
      this.#checkNew(argument, spec, ringPoints);
      ringPoints += vnodes(spec.weight, this.#vnodesPerWeight);
      this.#push(spec);
    }
    if (this.algorithm === 'ring') this.#ring = Ring.build(this.#nodes, this.#vnodesPerWeight);
    if (this.algorithm === 'maglev') this.#table = buildMaglev(this.#nodes, this.#tableSize);
    this.#refresh();
  }

  #checkNew(argument: string, spec: NodeSpec, ringPoints: number): void {
    if (this.algorithm === 'jump' && spec.weight !== 1) {
      throw new InvalidArgumentError(
        `${argument}.weight`,
        `algorithm "jump" does not support weights (its buckets are equal), got ${spec.weight}`,
      );
    }
    if (this.#list.has(spec.id)) throw duplicateId(argument, spec.id);
    if (this.#nodes.length >= MAX_NODES) throw new InvalidArgumentError('nodes', 'at most 1048576 nodes');
    if (this.algorithm === 'maglev' && this.#nodes.length + 1 >= this.#tableSize) {
      throw new InvalidArgumentError(
        'options.tableSize',
        `must be larger than the node count (${this.#nodes.length + 1}); pick a prime well above it`,
      );
    }
    if (this.algorithm === 'ring') {
      const total = ringPoints + vnodes(spec.weight, this.#vnodesPerWeight);
      if (total > MAX_RING_POINTS) {
        throw new InvalidArgumentError(
          'nodes',
          `the ring would have ${total} points, more than 10000000: lower the weights or options.vnodesPerWeight`,
        );
      }
    }
  }

  #push(spec: NodeSpec): void {
    this.#list.push({ id: spec.id, weight: spec.weight, hash: keyHash(spec.id), healthy: true, load: 0 });
  }

  // Sums recomputed in index order, the same float additions as the Rust side.
  #refresh(): void {
    const first = this.#nodes[0]?.weight;
    this.#equalWeights = this.#nodes.every((n) => n.weight === first);
    this.#healthyCount = 0;
    this.#healthyWeight = 0;
    this.#healthyLoad = 0;
    for (const node of this.#nodes) {
      if (!node.healthy) continue;
      this.#healthyCount++;
      this.#healthyWeight += node.weight;
      this.#healthyLoad += node.load;
    }
  }

  #indexOf(id: unknown): number {
    return this.#list.indexOf(id);
  }

  /** The nodes in insertion order (jump's bucket order), with their health and load. */
  get nodes(): HashNode[] {
    return this.#nodes.map(({ id, weight, healthy, load }) => ({ id, weight, healthy, load }));
  }

  /** Number of nodes, healthy or not. */
  get size(): number {
    return this.#nodes.length;
  }

  /**
   * Adds a node at the end (jump's next bucket). The ring merges the node's points in; Maglev
   * rebuilds its table.
   * @throws InvalidArgumentError on a bad node or a duplicate id.
   */
  add(node: NodeInput): void {
    const spec = toNodeSpec(node, 'node');
    this.#checkNew('node', spec, this.#ring.length);
    const index = this.#nodes.length;
    this.#push(spec);
    if (this.algorithm === 'ring') this.#ring.insert(this.#nodes[index]!, index, this.#vnodesPerWeight);
    if (this.algorithm === 'maglev') this.#table = buildMaglev(this.#nodes, this.#tableSize);
    this.#refresh();
  }

  /**
   * Removes a node; the nodes after it move down one index (for `jump`, one bucket).
   * @throws UnknownNodeError when no node has this id.
   */
  remove(id: string): void {
    const index = this.#indexOf(id);
    this.#list.removeAt(index);
    if (this.algorithm === 'ring') this.#ring.remove(index);
    if (this.algorithm === 'maglev') this.#table = buildMaglev(this.#nodes, this.#tableSize);
    this.#refresh();
  }

  /**
   * Marks a node healthy or unhealthy. Unhealthy nodes are skipped by {@link pick} and
   * {@link pickN} without rebuilding anything: the keys of healthy nodes do not move, and each
   * key of the unhealthy node goes to the next node of its own preference order.
   * @throws UnknownNodeError when no node has this id.
   */
  setHealthy(id: string, healthy: boolean): void {
    const index = this.#indexOf(id);
    checkBoolean('healthy', healthy);
    const node = this.#nodes[index]!;
    if (node.healthy !== healthy) {
      node.healthy = healthy;
      this.#refresh();
    }
  }

  /** Whether a node is healthy. @throws UnknownNodeError */
  isHealthy(id: string): boolean {
    return this.#nodes[this.#indexOf(id)]!.healthy;
  }

  /**
   * Sets a node's current load (in-flight requests, an integer in [0, 2^32 - 1]), which
   * bounded-load picks compare to the node's cap. Loads are the caller's to keep: `pick` does not
   * change them.
   * @throws UnknownNodeError, InvalidArgumentError
   */
  setLoad(id: string, load: number): void {
    const index = this.#indexOf(id);
    checkLoad(load);
    const node = this.#nodes[index]!;
    // Integers below 2^53: the running sum stays exact.
    if (node.healthy) this.#healthyLoad += load - node.load;
    node.load = load;
  }

  /**
   * A node's bounded-load cap, `ceil((1 + epsilon) * (L + 1) * weight / W)` over the healthy
   * nodes; `undefined` when bounded loads are off. @throws UnknownNodeError
   */
  loadCap(id: string): number | undefined {
    return this.#capOf(this.#indexOf(id));
  }

  #capOf(index: number): number | undefined {
    if (this.#epsilon === undefined) return undefined;
    return Math.ceil(
      ((1 + this.#epsilon) * (this.#healthyLoad + 1) * this.#nodes[index]!.weight) / this.#healthyWeight,
    );
  }

  #checkPickable(): void {
    if (this.#nodes.length === 0) throw new EmptyNodeSetError('no node to pick from: the node set is empty');
    if (this.#healthyCount === 0) {
      throw new EmptyNodeSetError(`no node to pick from: all ${this.#nodes.length} nodes are unhealthy`);
    }
  }

  readonly #eligible = (i: number): boolean => {
    const node = this.#nodes[i]!;
    if (!node.healthy) return false;
    const cap = this.#capOf(i);
    return cap === undefined || node.load < cap;
  };

  readonly #healthy = (i: number): boolean => this.#nodes[i]!.healthy;

  #primary(key: KeyHash): number {
    return this.algorithm === 'maglev'
      ? this.#table[key.lo % this.#tableSize]!
      : jumpBucket(key.lo, this.#nodes.length);
  }

  #firstWhere(key: KeyHash, ok: (i: number) => boolean): number {
    switch (this.algorithm) {
      case 'ring':
        return this.#ring.firstWhere(key.hi, ok);
      case 'rendezvous':
        return best(this.#nodes, key, this.#equalWeights, ok);
      default: {
        const primary = this.#primary(key);
        return ok(primary) ? primary : best(this.#nodes, key, this.#equalWeights, ok);
      }
    }
  }

  /**
   * The node for `key`: the first node of the key's preference order that is healthy and, in
   * bounded-load mode, below its cap.
   * @throws EmptyNodeSetError when there is no node or none is healthy.
   */
  pick(key: string): string {
    checkKey(key);
    this.#checkPickable();
    const hash = keyHash(key, this.#key);
    let index = this.#firstWhere(hash, this.#eligible);
    // Unreachable by the cap arithmetic (the caps sum to more than the total load); kept so a
    // rounding corner can never fail a pick: ignore the loads.
    if (index < 0) index = this.#firstWhere(hash, this.#healthy);
    return this.#nodes[index]!.id;
  }

  /**
   * The first `n` distinct healthy nodes of the key's preference order (loads are ignored), for
   * fail-over or replication; fewer when fewer are healthy. `pickN(key, 1)[0] === pick(key)`
   * outside bounded-load mode.
   * @throws EmptyNodeSetError when `n > 0` and there is no node or none is healthy.
   */
  pickN(key: string, n: number): string[] {
    checkKey(key);
    checkCount(n);
    if (n === 0) return [];
    this.#checkPickable();
    const want = Math.min(n, this.#healthyCount);
    const hash = keyHash(key, this.#key);
    const out: string[] = [];
    if (this.algorithm === 'ring') {
      const seen = new Uint8Array(this.#nodes.length);
      this.#ring.walk(hash.hi, (owner) => {
        const node = this.#nodes[owner]!;
        if (node.healthy && seen[owner] === 0) {
          seen[owner] = 1;
          out.push(node.id);
        }
        return out.length < want;
      });
      return out;
    }
    let exclude = -1;
    if (this.algorithm !== 'rendezvous') {
      exclude = this.#primary(hash);
      if (this.#nodes[exclude]!.healthy) out.push(this.#nodes[exclude]!.id);
    }
    for (const candidate of ranked(this.#nodes, hash, this.#equalWeights, exclude)) {
      if (out.length >= want) break;
      out.push(this.#nodes[candidate.index]!.id);
    }
    return out;
  }
}
