import { type KeyHash, negLnUnit, pairHash } from './key-hash.js';

/**
 * Weighted rendezvous (highest random weight): node `i` scores a key `w_i / -ln(u)` with
 * `u = (pairHash + 0.5) / 2^32`, an exponential race that node `i` wins with probability
 * `w_i / sum w`. `-ln(u)` is {@link negLnUnit} (basic IEEE operations only, so Rust and JS agree
 * to the bit). With equal weights the score is monotone in the pair hash, which is compared
 * directly. Ties: the higher pair hash, then the lower index.
 * @internal
 */
export interface Candidate {
  score: number;
  hash: number;
  index: number;
}

/** @internal */
export interface ScoredNode {
  hash: KeyHash;
  weight: number;
  healthy: boolean;
}

/** @internal */
export function rank(a: Candidate, b: Candidate): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.hash !== b.hash) return b.hash - a.hash;
  return a.index - b.index;
}

/** The best-scoring node index among those where `ok` holds, or -1. @internal */
export function best(
  nodes: readonly ScoredNode[],
  key: KeyHash,
  equalWeights: boolean,
  ok: (index: number) => boolean,
): number {
  let bestIndex = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestHash = -1;
  for (let i = 0; i < nodes.length; i++) {
    if (!ok(i)) continue;
    const node = nodes[i]!;
    const hash = pairHash(key, node.hash);
    const score = equalWeights ? hash : node.weight / negLnUnit(hash);
    if (score > bestScore || (score === bestScore && hash > bestHash)) {
      bestIndex = i;
      bestScore = score;
      bestHash = hash;
    }
  }
  return bestIndex;
}

/** The healthy nodes other than `exclude`, best first. @internal */
export function ranked(
  nodes: readonly ScoredNode[],
  key: KeyHash,
  equalWeights: boolean,
  exclude: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (i === exclude || !node.healthy) continue;
    const hash = pairHash(key, node.hash);
    out.push({ score: equalWeights ? hash : node.weight / negLnUnit(hash), hash, index: i });
  }
  return out.sort(rank);
}
