/**
 * The key hash, identical in Rust (`crates/switchyard/src/ratelimit/hash.rs`): cyrb53's two
 * 32-bit lanes over the key's UTF-8 bytes (a lone surrogate encodes as U+FFFD, as `TextEncoder`
 * and N-API do), kept at 64 bits, never 0. Not a keyed PRF: `seed` makes colliding keys harder to
 * precompute, not impossible.
 */

let h1 = 0;
let h2 = 0;

/**
 * The seed spread over all 32 bits (murmur3's `fmix32`; 0 stays 0). The lanes only carry bits
 * upwards, so a raw seed that differed from another in its top bits alone left every key's low
 * bits, and so its home slot in a table of 2^k slots, where the other seed put it.
 */
function spreadSeed(seed: number): number {
  let s = seed >>> 0;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
  return (s ^ (s >>> 16)) >>> 0;
}

function mix(byte: number): void {
  h1 = Math.imul(h1 ^ byte, 2654435761);
  h2 = Math.imul(h2 ^ byte, 1597334677);
}

/**
 * Hashes `key` under `seed` into `out[0]` (high 32 bits) and `out[1]` (low 32 bits).
 * @internal
 */
export function hashKeyInto(key: string, seed: number, out: Uint32Array): void {
  const spread = spreadSeed(seed);
  h1 = 0xdeadbeef ^ spread;
  h2 = 0x41c6ce57 ^ spread;
  const n = key.length;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x80) {
      mix(c);
    } else if (c < 0x800) {
      mix(0xc0 | (c >> 6));
      mix(0x80 | (c & 63));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? key.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        mix(0xf0 | (cp >> 18));
        mix(0x80 | ((cp >> 12) & 63));
        mix(0x80 | ((cp >> 6) & 63));
        mix(0x80 | (cp & 63));
        i++;
      } else {
        mix(0xef);
        mix(0xbf);
        mix(0xbd);
      }
    } else {
      mix(0xe0 | (c >> 12));
      mix(0x80 | ((c >> 6) & 63));
      mix(0x80 | (c & 63));
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[0] = h2 >>> 0;
  out[1] = h1 >>> 0;
  if (out[0] === 0 && out[1] === 0) out[1] = 1;
}

const scratch = new Uint32Array(2);

/**
 * The 64-bit hash a limiter files `key` under, as 16 lowercase hex digits. Exposed for the golden
 * vectors and for anyone reproducing the table layout.
 */
export function rateLimitKeyHash(key: string, seed = 0): string {
  hashKeyInto(key, seed >>> 0, scratch);
  return scratch[0]!.toString(16).padStart(8, '0') + scratch[1]!.toString(16).padStart(8, '0');
}
