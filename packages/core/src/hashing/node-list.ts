import { InvalidArgumentError, UnknownNodeError } from '../errors.js';

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string' ? String(value) : typeof value;
}

/**
 * The nodes (or split targets) of a balancer in index order, with their index by id, and the
 * lookups that check an id argument. Kept once here for `ConsistentHash` and `WeightedSplit` of
 * both packages: the reference keeps its node state in it, the native-backed wrappers of
 * `@switchyard/node` their mirror of the native node list, so both answer and refuse ids with the
 * same words.
 * @internal
 */
export class NodeList<N extends { readonly id: string }> {
  /** The nodes in index order (the live array: mutate only through this class). */
  readonly items: N[] = [];
  readonly #byId = new Map<string, number>();

  /** A list of `nodes` (ids already checked unique). */
  static of<N extends { readonly id: string }>(nodes: Iterable<N>): NodeList<N> {
    const list = new NodeList<N>();
    for (const node of nodes) list.push(node);
    return list;
  }

  /** Number of nodes. */
  get size(): number {
    return this.items.length;
  }

  /** Whether a node has this id. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Appends a node (its id not yet in the list); returns its index. */
  push(node: N): number {
    const index = this.items.length;
    this.#byId.set(node.id, index);
    this.items.push(node);
    return index;
  }

  /**
   * Index of the node `id`, an argument from the caller.
   * @throws InvalidArgumentError when `id` is not a string; UnknownNodeError when no node has it.
   */
  indexOf(id: unknown): number {
    if (typeof id !== 'string') throw new InvalidArgumentError('id', `must be a string, got ${show(id)}`);
    const index = this.#byId.get(id);
    if (index === undefined) throw new UnknownNodeError(id);
    return index;
  }

  /**
   * Index of the target `id`, for `WeightedSplit.setWeight`, which takes any value as an id.
   * @throws UnknownNodeError when no target has it.
   */
  targetIndex(id: unknown): number {
    const index = typeof id === 'string' ? this.#byId.get(id) : undefined;
    if (index === undefined) throw new UnknownNodeError(String(id));
    return index;
  }

  /** Removes the node at `index`; the nodes after it move down one index. */
  removeAt(index: number): void {
    const [removed] = this.items.splice(index, 1);
    if (removed === undefined) return;
    this.#byId.delete(removed.id);
    for (let i = index; i < this.items.length; i++) this.#byId.set(this.items[i]!.id, i);
  }
}
