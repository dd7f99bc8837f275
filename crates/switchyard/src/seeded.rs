//! The seeded hash behind every table whose keys a client can choose (docs/architecture.md,
//! "Inputs chosen by an attacker"): the router's static children, its host, method and static path
//! maps. It reads every byte of the key, and a secret derived from the seed enters each multiply,
//! so keys that collide under one seed are spread like any other keys under another. The seed is an
//! input (this crate has no randomness): the wrapper draws one per process unless the caller fixes it.
//!
//! The mixing step is a folded multiply (the 128-bit product of two words, high half xor low half),
//! as in wyhash, rapidhash and foldhash. It is a hash-flooding defence for probe tables, not a MAC.

use std::hash::{BuildHasher, Hasher};

/// Digits of pi: fixed odd-looking constants that the seed is spread over.
const P0: u64 = 0x243f_6a88_85a3_08d3;
const P1: u64 = 0x1319_8a2e_0370_7344;
const P2: u64 = 0xa409_3822_299f_31d0;

#[inline(always)]
fn fold(x: u64, y: u64) -> u64 {
    let product = u128::from(x) * u128::from(y);
    (product as u64) ^ ((product >> 64) as u64)
}

/// splitmix64: spreads a small seed (0, 1, 2...) over all 64 bits of three secrets.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline(always)]
fn read64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.first_chunk::<8>())
        .map_or(0, |w| u64::from_le_bytes(*w))
}

#[inline(always)]
fn read32(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.first_chunk::<4>())
        .map_or(0, |w| u64::from(u32::from_le_bytes(*w)))
}

/// The secrets one seed gives. Cheap to copy; build once per table owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    k0: u64,
    k1: u64,
    k2: u64,
}

impl Default for Seed {
    fn default() -> Self {
        Seed::new(0)
    }
}

impl Seed {
    /// The secrets of `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        Seed {
            k0: splitmix(&mut state) ^ P0,
            k1: splitmix(&mut state) ^ P1,
            k2: splitmix(&mut state) ^ P2,
        }
    }

    /// 64-bit hash of `bytes`: every byte and the length count.
    #[inline]
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        self.hash_from(self.k2, bytes)
    }

    /// `bytes` hashed on top of `acc` (what a [`Hasher`] carries between writes).
    #[inline]
    fn hash_from(&self, mut acc: u64, bytes: &[u8]) -> u64 {
        let len = bytes.len();
        // Up to 16 bytes: two words that, with the length, determine the bytes exactly
        // (overlapping reads), so distinct keys of one length differ before any multiply.
        let (a, b) = if len <= 16 {
            if len >= 8 {
                (read64(bytes, 0), read64(bytes, len - 8))
            } else if len >= 4 {
                (read32(bytes, 0), read32(bytes, len - 4))
            } else if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
                let mid = bytes.get(len / 2).copied().unwrap_or(0);
                (
                    u64::from(first) << 16 | u64::from(mid) << 8 | u64::from(last),
                    0,
                )
            } else {
                (0, 0)
            }
        } else {
            let mut at = 0;
            while len - at > 16 {
                acc = fold(read64(bytes, at) ^ self.k0, read64(bytes, at + 8) ^ acc);
                at += 16;
            }
            (read64(bytes, len - 16), read64(bytes, len - 8))
        };
        let h = fold(a ^ self.k0, b ^ acc);
        fold(h ^ self.k1, (len as u64) ^ self.k2)
    }

    /// A [`BuildHasher`] for std maps keyed by client-chosen text.
    pub fn build(self) -> SeededState {
        SeededState { seed: self }
    }
}

/// [`BuildHasher`] of [`SeededMap`]: every map built from one seed hashes alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeededState {
    seed: Seed,
}

impl BuildHasher for SeededState {
    type Hasher = SeededHasher;

    #[inline]
    fn build_hasher(&self) -> SeededHasher {
        SeededHasher {
            seed: self.seed,
            acc: self.seed.k2,
        }
    }
}

/// The streaming form of [`Seed::hash`], for `#[derive(Hash)]` keys and strings in std maps.
#[derive(Debug, Clone, Copy)]
pub struct SeededHasher {
    seed: Seed,
    acc: u64,
}

impl Hasher for SeededHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.acc = self.seed.hash_from(self.acc, bytes);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.acc = fold(self.acc ^ n ^ self.seed.k0, self.seed.k1);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.acc
    }
}

/// A `HashMap` whose keys a client may choose, hashed with a [`Seed`].
pub type SeededMap<K, V> = std::collections::HashMap<K, V, SeededState>;

#[cfg(test)]
mod tests {
    use super::Seed;
    use std::collections::HashSet;

    #[test]
    fn every_byte_and_the_length_count() {
        let seed = Seed::new(0);
        let mut seen = HashSet::new();
        let mut texts: Vec<Vec<u8>> = vec![vec![], vec![0], vec![0, 0]];
        for len in 1..40 {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            texts.push(base.clone());
            for i in 0..len {
                let mut changed = base.clone();
                changed[i as usize] ^= 1;
                texts.push(changed);
            }
        }
        texts.sort();
        texts.dedup();
        for text in &texts {
            assert!(seen.insert(seed.hash(text)), "{text:?} collides");
        }
    }

    #[test]
    fn another_seed_gives_other_hashes() {
        let (a, b) = (Seed::new(0), Seed::new(1));
        let same = (0..1000)
            .filter(|i| {
                let key = format!("/customer-{i:06}");
                a.hash(key.as_bytes()) == b.hash(key.as_bytes())
            })
            .count();
        assert_eq!(same, 0);
    }
}
