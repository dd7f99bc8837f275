import { type KeyHash, ringPoint } from './key-hash.js';

/** Virtual nodes of a node of `weight`: `max(1, floor(weight * perWeight + 0.5))`. @internal */
export function vnodes(weight: number, perWeight: number): number {
  const v = Math.floor(weight * perWeight + 0.5);
  return Math.max(v, 1);
}

// Sort key: point * 2^20 + node index (< 2^52, exact), so one numeric sort orders by
// (point, index) exactly as the Rust side's u64 (point << 32 | index).
const INDEX_SPAN = 1 << 20;

function entriesOf(node: { hash: KeyHash; weight: number }, index: number, perWeight: number): Float64Array {
  const count = vnodes(node.weight, perWeight);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = ringPoint(node.hash, i) * INDEX_SPAN + index;
  return out;
}

/** The ketama-style ring: sorted points and their owners' indices. @internal */
export class Ring {
  points: Uint32Array = new Uint32Array(0);
  owners: Uint32Array = new Uint32Array(0);

  static build(nodes: readonly { hash: KeyHash; weight: number }[], perWeight: number): Ring {
    let total = 0;
    for (const node of nodes) total += vnodes(node.weight, perWeight);
    const entries = new Float64Array(total);
    let at = 0;
    nodes.forEach((node, index) => {
      entries.set(entriesOf(node, index, perWeight), at);
      at += vnodes(node.weight, perWeight);
    });
    entries.sort();
    const ring = new Ring();
    ring.points = new Uint32Array(total);
    ring.owners = new Uint32Array(total);
    for (let i = 0; i < total; i++) {
      const point = Math.floor(entries[i]! / INDEX_SPAN);
      ring.points[i] = point;
      ring.owners[i] = entries[i]! - point * INDEX_SPAN;
    }
    return ring;
  }

  get length(): number {
    return this.points.length;
  }

  /** Merges the points of a node appended at `index` (the largest): the order a rebuild gives. */
  insert(node: { hash: KeyHash; weight: number }, index: number, perWeight: number): void {
    const fresh = entriesOf(node, index, perWeight).sort();
    const points = new Uint32Array(this.points.length + fresh.length);
    const owners = new Uint32Array(points.length);
    let old = 0;
    let at = 0;
    for (const entry of fresh) {
      const point = Math.floor(entry / INDEX_SPAN);
      while (old < this.points.length && this.points[old]! <= point) {
        points[at] = this.points[old]!;
        owners[at++] = this.owners[old++]!;
      }
      points[at] = point;
      owners[at++] = index;
    }
    points.set(this.points.subarray(old), at);
    owners.set(this.owners.subarray(old), at);
    this.points = points;
    this.owners = owners;
  }

  /** Drops the points of node `index` and renumbers the nodes after it. */
  remove(index: number): void {
    let kept = 0;
    for (let i = 0; i < this.points.length; i++) {
      const owner = this.owners[i]!;
      if (owner !== index) {
        this.points[kept] = this.points[i]!;
        this.owners[kept++] = owner > index ? owner - 1 : owner;
      }
    }
    this.points = this.points.slice(0, kept);
    this.owners = this.owners.slice(0, kept);
  }

  private start(point: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]! < point) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.points.length ? 0 : lo;
  }

  /** The first owner clockwise from `point` for which `ok` holds, or -1. */
  firstWhere(point: number, ok: (index: number) => boolean): number {
    const len = this.points.length;
    const start = this.start(point);
    for (let step = 0; step < len; step++) {
      const owner = this.owners[(start + step) % len]!;
      if (ok(owner)) return owner;
    }
    return -1;
  }

  /** Calls `visit` with each owner clockwise from `point` until it returns false or a full turn. */
  walk(point: number, visit: (index: number) => boolean): void {
    const len = this.points.length;
    const start = this.start(point);
    for (let step = 0; step < len; step++) if (!visit(this.owners[(start + step) % len]!)) return;
  }
}
