/**
 * The key hash and the integer mixers every algorithm is built from; the spec both
 * implementations follow (crates/switchyard/src/hashing/key_hash.rs is the same code).
 *
 * A key is hashed as the UTF-8 bytes of the JS string, a lone surrogate becoming U+FFFD (EF BF BD)
 * as `TextEncoder` does, with MurmurHash3 x86_32 twice: seed 0 gives the high 32 bits, seed
 * `0x9747b28c` the low 32 bits. The bytes are produced on the fly from `charCodeAt`, so hashing
 * a key allocates nothing.
 * @module
 */
import { checkKey } from './validate.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** Seed of {@link KeyHash.hi}. */
export const SEED_HI = 0;
/** Seed of {@link KeyHash.lo} (the seed of the published MurmurHash3 test vectors). */
export const SEED_LO = 0x9747b28c;

/** The 64-bit hash of a key or node id, as two unsigned 32-bit MurmurHash3 results. */
export interface KeyHash {
  /** `murmur3_x86_32(utf8, 0)`, unsigned. */
  hi: number;
  /** `murmur3_x86_32(utf8, 0x9747b28c)`, unsigned. */
  lo: number;
}

/** One MurmurHash3 x86_32 body step: mixes the 32-bit block `k` into `h` (result is int32). */
export function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser; returns an unsigned 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function tailMix(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return h ^ Math.imul(k, C2);
}

// Streaming state of the hash being computed: module-level so the byte feeder is a plain,
// inlinable function and hashing allocates nothing.
let laneHi = 0;
let laneLo = 0;
let block = 0;
let blockBytes = 0;
let byteLength = 0;

function feed(byte: number): void {
  block |= byte << (blockBytes << 3);
  byteLength++;
  if (++blockBytes === 4) {
    laneHi = mixBlock(laneHi, block);
    laneLo = mixBlock(laneLo, block);
    block = 0;
    blockBytes = 0;
  }
}

/**
 * Hashes `key` (see the module doc for the spec) into `out` and returns it. Pass a reused object
 * to hash without allocating.
 * @throws InvalidArgumentError (`key`) when `key` is not a string, as the native `keyHash` does.
 */
export function keyHash(key: string, out: KeyHash = { hi: 0, lo: 0 }): KeyHash {
  checkKey(key);
  laneHi = SEED_HI;
  laneLo = SEED_LO;
  block = 0;
  blockBytes = 0;
  byteLength = 0;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      feed(c);
    } else if (c < 0x800) {
      feed(0xc0 | (c >> 6));
      feed(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? key.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        feed(0xf0 | (c >> 18));
        feed(0x80 | ((c >> 12) & 0x3f));
        feed(0x80 | ((c >> 6) & 0x3f));
        feed(0x80 | (c & 0x3f));
      } else {
        // A lone surrogate: U+FFFD, as TextEncoder and V8's UTF-8 writer produce.
        feed(0xef);
        feed(0xbf);
        feed(0xbd);
      }
    } else {
      feed(0xe0 | (c >> 12));
      feed(0x80 | ((c >> 6) & 0x3f));
      feed(0x80 | (c & 0x3f));
    }
  }
  let hi = laneHi;
  let lo = laneLo;
  if (blockBytes > 0) {
    hi = tailMix(hi, block);
    lo = tailMix(lo, block);
  }
  out.hi = fmix32(hi ^ byteLength);
  out.lo = fmix32(lo ^ byteLength);
  return out;
}

/** MurmurHash3 x86_32 of `bytes` with `seed` (the published algorithm; for tests and docs). */
export function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed | 0;
  const blocks = bytes.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const j = i << 2;
    h = mixBlock(h, bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24));
  }
  let k = 0;
  const tail = bytes.length & 3;
  for (let i = 0; i < tail; i++) k |= bytes[(blocks << 2) + i]! << (8 * i);
  if (tail > 0) h = tailMix(h, k);
  return fmix32(h ^ bytes.length);
}

/** The 32-bit hash of a (key, node) pair that rendezvous hashing and `WeightedSplit` score. */
export function pairHash(key: KeyHash, node: KeyHash): number {
  let h = mixBlock(node.lo, key.hi);
  h = mixBlock(h, key.lo);
  h = mixBlock(h, node.hi);
  return fmix32(h ^ 12);
}

/** Position of a node's `i`-th virtual node on the ring. */
export function ringPoint(node: KeyHash, i: number): number {
  return fmix32(mixBlock(mixBlock(node.hi, i), node.lo) ^ 8);
}

// `1 / (2k + 1)`, each one correctly rounded division: the same bits as the Rust constants.
const ATANH_COEFFICIENTS = Float64Array.from({ length: 20 }, (_, k) => 1 / (2 * k + 1));

function atanhSeries(t: number): number {
  const z = t * t;
  let p = ATANH_COEFFICIENTS[19]!;
  for (let k = 18; k >= 0; k--) p = p * z + ATANH_COEFFICIENTS[k]!;
  return t * p;
}

/**
 * `-ln(u)` for `u = (h + 0.5) / 2^32`, from basic IEEE-754 operations only (no `Math.log`, whose
 * last bit may differ from Rust's `ln`), so both implementations get the same bits. Strictly
 * positive and decreasing in `h`.
 */
export function negLnUnit(h: number): number {
  const x = h + 0.5;
  if (h >= 0x80000000) {
    // u >= 1/2: -ln(u) = 2 atanh((1 - u) / (1 + u)), no cancellation near u = 1.
    return 2 * atanhSeries((4294967296 - x) / (4294967296 + x));
  }
  // u < 1/2: -ln(u) = 32 ln 2 - ln(x), with x = m * 2^e, m in [sqrt(1/2), sqrt(2)).
  let m: number;
  let e: number;
  if (h === 0) {
    m = 1;
    e = -1;
  } else {
    e = 31 - Math.clz32(h);
    m = x / (1 << e);
  }
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const lnX = e * Math.LN2 + 2 * atanhSeries(s);
  return 32 * Math.LN2 - lnX;
}

/**
 * Jump consistent hash (Lamping & Veach) drawing from mulberry32 seeded with `seed` instead of
 * the paper's 64-bit LCG: the bucket in `[0, buckets)`.
 */
export function jumpBucket(seed: number, buckets: number): number {
  let state = seed | 0;
  let b = 0;
  let j = 0;
  while (j < buckets) {
    b = j;
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) >>> 1;
    j = Math.floor((b + 1) * (2147483648 / (r + 1)));
  }
  return b;
}
