//! The key hash and the integer mixers every algorithm is built from.
//!
//! Specified so that any process, native or the TypeScript fallback, sends a key to the same
//! node (see `docs/hashing.md`): the key is hashed as its UTF-8 bytes (a JS string's lone
//! surrogates become U+FFFD, as `TextEncoder` does) with MurmurHash3 x86_32 twice, seed 0 for
//! the high half and seed `0x9747b28c` for the low half. Only 32-bit integer operations, so the
//! TypeScript side computes it exactly with `Math.imul`.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// Seed of the high half of [`KeyHash`].
pub const SEED_HI: u32 = 0;
/// Seed of the low half of [`KeyHash`] (the seed of the published MurmurHash3 test vectors).
pub const SEED_LO: u32 = 0x9747_b28c;

/// The 64-bit hash of a key or node id, as two 32-bit MurmurHash3 results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHash {
    /// `murmur3_x86_32(utf8, 0)`.
    pub hi: u32,
    /// `murmur3_x86_32(utf8, 0x9747b28c)`.
    pub lo: u32,
}

/// One MurmurHash3 x86_32 body step: mixes the 32-bit block `k` into the state `h`.
#[inline]
pub fn mix_block(h: u32, k: u32) -> u32 {
    let k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    (h ^ k)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

/// MurmurHash3's finaliser: full avalanche of a 32-bit state.
#[inline]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[inline]
fn tail_mix(h: u32, k: u32) -> u32 {
    h ^ k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

/// MurmurHash3 x86_32 of `bytes` with `seed` (the published algorithm, unchanged).
pub fn murmur3_32(bytes: &[u8], seed: u32) -> u32 {
    let mut h = seed;
    let mut blocks = bytes.chunks_exact(4);
    for block in &mut blocks {
        h = mix_block(
            h,
            u32::from_le_bytes([block[0], block[1], block[2], block[3]]),
        );
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, b) in tail.iter().enumerate() {
            k |= u32::from(*b) << (8 * i);
        }
        h = tail_mix(h, k);
    }
    // MurmurHash3 mixes in the length modulo 2^32.
    fmix32(h ^ (bytes.len() as u32))
}

/// Hashes a key's UTF-8 bytes: both MurmurHash3 lanes in one pass.
pub fn key_hash(bytes: &[u8]) -> KeyHash {
    let (mut hi, mut lo) = (SEED_HI, SEED_LO);
    let mut blocks = bytes.chunks_exact(4);
    for block in &mut blocks {
        let k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        hi = mix_block(hi, k);
        lo = mix_block(lo, k);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, b) in tail.iter().enumerate() {
            k |= u32::from(*b) << (8 * i);
        }
        hi = tail_mix(hi, k);
        lo = tail_mix(lo, k);
    }
    let len = bytes.len() as u32;
    KeyHash {
        hi: fmix32(hi ^ len),
        lo: fmix32(lo ^ len),
    }
}

/// The 32-bit hash of a (key, node) pair that rendezvous hashing and `WeightedSplit` score.
#[inline]
pub fn pair_hash(key: KeyHash, node: KeyHash) -> u32 {
    let h = mix_block(node.lo, key.hi);
    let h = mix_block(h, key.lo);
    let h = mix_block(h, node.hi);
    fmix32(h ^ 12)
}

/// Position of a node's `i`-th virtual node on the ring.
#[inline]
pub fn ring_point(node: KeyHash, i: u32) -> u32 {
    fmix32(mix_block(mix_block(node.hi, i), node.lo) ^ 8)
}

// The correctly rounded constants, bit-identical to JavaScript's `Math.LN2` and `Math.SQRT2`.
const LN2: f64 = std::f64::consts::LN_2;
const SQRT2: f64 = std::f64::consts::SQRT_2;
/// `1 / (2k + 1)` for the 20 terms of the atanh series: enough for a relative error below 1e-16
/// where it is used. Each is one correctly rounded division, the same in JavaScript.
const ATANH_COEFFICIENTS: [f64; 20] = [
    1.0,
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
    1.0 / 17.0,
    1.0 / 19.0,
    1.0 / 21.0,
    1.0 / 23.0,
    1.0 / 25.0,
    1.0 / 27.0,
    1.0 / 29.0,
    1.0 / 31.0,
    1.0 / 33.0,
    1.0 / 35.0,
    1.0 / 37.0,
    1.0 / 39.0,
];

/// `atanh(t) = t + t^3/3 + t^5/5 + ...` by Horner, `|t| <= 1/3`. Basic IEEE operations only.
#[inline]
fn atanh_series(t: f64) -> f64 {
    let z = t * t;
    let mut p = ATANH_COEFFICIENTS[19];
    for c in ATANH_COEFFICIENTS[..19].iter().rev() {
        p = p * z + c;
    }
    t * p
}

/// `-ln(u)` for `u = (h + 0.5) / 2^32`, computed with basic IEEE-754 operations only (no
/// `ln`, whose last bit may differ between Rust's libm and a JS engine), so both
/// implementations get the same bits. Strictly positive for every `h`.
pub fn neg_ln_unit(h: u32) -> f64 {
    let x = f64::from(h) + 0.5;
    if h >= 0x8000_0000 {
        // u >= 1/2: -ln(u) = 2 atanh((1 - u) / (1 + u)), no cancellation near u = 1.
        let t = (4_294_967_296.0 - x) / (4_294_967_296.0 + x);
        return 2.0 * atanh_series(t);
    }
    // u < 1/2: -ln(u) = 32 ln 2 - ln(x), with x = m * 2^e, m in [sqrt(1/2), sqrt(2)).
    let (mut m, mut e) = if h == 0 {
        (1.0, -1i32)
    } else {
        let e = 31 - h.leading_zeros() as i32;
        (x / f64::from(1u32 << e), e)
    };
    if m > SQRT2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let ln_x = f64::from(e) * LN2 + 2.0 * atanh_series(s);
    32.0 * LN2 - ln_x
}

/// The next output of mulberry32 (`state` is advanced first), the generator jump hashing draws
/// from.
#[inline]
pub fn mulberry32(state: &mut u32) -> u32 {
    *state = state.wrapping_add(0x6d2b_79f5);
    let a = *state;
    let mut t = (a ^ (a >> 15)).wrapping_mul(a | 1);
    t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
    t ^ (t >> 14)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_matches_published_vectors() {
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1), 0x514e_28b7);
        assert_eq!(murmur3_32(b"hello", 0), 0x248b_fa47);
        assert_eq!(murmur3_32(b"Hello, world!", SEED_LO), 0x2488_4cba);
        assert_eq!(
            murmur3_32(b"The quick brown fox jumps over the lazy dog", SEED_LO),
            0x2fa8_26cd
        );
    }

    #[test]
    fn key_hash_is_two_murmur3_lanes() {
        for key in ["", "a", "ab", "abc", "abcd", "abcde", "héllo wörld ✓"] {
            let h = key_hash(key.as_bytes());
            assert_eq!(h.hi, murmur3_32(key.as_bytes(), SEED_HI));
            assert_eq!(h.lo, murmur3_32(key.as_bytes(), SEED_LO));
        }
    }

    #[test]
    fn neg_ln_unit_is_close_to_libm() {
        for h in [
            0u32,
            1,
            2,
            3,
            1000,
            0x7fff_ffff,
            0x8000_0000,
            0xdead_beef,
            u32::MAX,
        ] {
            let u = (f64::from(h) + 0.5) / 4_294_967_296.0;
            let want = -u.ln();
            let got = neg_ln_unit(h);
            assert!(
                ((got - want) / want).abs() < 1e-12,
                "h={h} got={got} want={want}"
            );
        }
    }

    #[test]
    fn neg_ln_unit_decreases_with_h() {
        let mut previous = f64::INFINITY;
        let mut h: u32 = 0;
        loop {
            let v = neg_ln_unit(h);
            assert!(v < previous && v > 0.0, "h={h}");
            previous = v;
            match h.checked_add(7919 * 13) {
                Some(next) => h = next,
                None => break,
            }
        }
    }
}
