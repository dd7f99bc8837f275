import type { KeyHash } from './key-hash.js';

const EMPTY = 0xffffffff;

/**
 * Maglev's lookup table (Eisenbud et al., NSDI 2016) with weights as Envoy fills it: every round,
 * a node takes its next preferred free slot when `round * weight >= target`, then its target grows
 * by the largest weight. Node `j` prefers slots `offset_j + k * skip_j (mod size)` with
 * `offset_j = lo_j % size`, `skip_j = hi_j % (size - 1) + 1`. @internal
 */
export function buildMaglev(nodes: readonly { hash: KeyHash; weight: number }[], size: number): Uint32Array {
  if (nodes.length === 0) return new Uint32Array(0);
  const table = new Uint32Array(size).fill(EMPTY);
  const next = Uint32Array.from(nodes, (n) => n.hash.lo % size);
  const skip = Uint32Array.from(nodes, (n) => (n.hash.hi % (size - 1)) + 1);
  const target = new Float64Array(nodes.length);
  let maxWeight = 0;
  for (const node of nodes) maxWeight = Math.max(maxWeight, node.weight);
  let filled = 0;
  for (let round = 0; ; round++) {
    for (let j = 0; j < nodes.length; j++) {
      if (round * nodes[j]!.weight < target[j]!) continue;
      target[j] = target[j]! + maxWeight;
      for (;;) {
        const slot = next[j]!;
        const advanced = slot + skip[j]!;
        next[j] = advanced >= size ? advanced - size : advanced;
        if (table[slot] === EMPTY) {
          table[slot] = j;
          filled++;
          break;
        }
      }
      if (filled === size) return table;
    }
  }
}
