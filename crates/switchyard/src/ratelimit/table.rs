//! The bounded keyed store shared by both limiters: one open-addressing table with linear
//! probing, a slot = 64-bit key hash + 16 bytes of packed state (three `u64`, 24 bytes; zeroed
//! words so the allocation comes straight from the OS untouched, ready for huge pages), sized once at
//! construction to `maxKeys + ceil(maxKeys / 4)` slots, so at most 80% full and about 30 bytes
//! per key. No timers: idle keys are reclaimed lazily by a sweep cursor when a new key needs a
//! slot (see `Limiter`). Deletion is by backward shift, so no tombstones accumulate.
//!
//! The layout is part of the specification: the TS reference keeps the same table, so the same
//! slot is examined and the same key evicted in both implementations.

/// Slots the sweep examines, from the cursor, when the table is full and a new key arrives.
pub const SWEEP_LIMIT: usize = 32;

/// Per-key state that packs into two `u64` words (all zero for an empty slot).
pub trait Packed: Copy {
    /// The two words stored in the slot.
    fn pack(self) -> [u64; 2];
    /// The state back from its words.
    fn unpack(words: [u64; 2]) -> Self;
}

/// `[hash, state word 0, state word 1]`; hash 0 = empty (the hash function never returns 0).
type Slot = [u64; 3];

#[derive(Debug)]
pub(crate) struct Table<S> {
    slots: Vec<Slot>,
    marker: std::marker::PhantomData<S>,
    len: usize,
    max_keys: usize,
    cursor: usize,
    slots_u32: u32,
}

impl<S: Packed> Table<S> {
    /// `max_keys` is validated by the caller (1..=MAX_KEYS).
    pub(crate) fn new(max_keys: usize) -> Self {
        let slots = max_keys + max_keys.div_ceil(4);
        Self {
            // `vec![[0; 3]; n]` is a zeroed allocation (calloc), not n writes.
            slots: vec![[0; 3]; slots],
            marker: std::marker::PhantomData,
            len: 0,
            max_keys,
            cursor: 0,
            slots_u32: u32::try_from(slots).unwrap_or(u32::MAX),
        }
    }

    /// Address and length in bytes of the slot array (for OS memory hints such as huge pages).
    pub(crate) fn region(&self) -> (usize, usize) {
        (
            self.slots.as_ptr() as usize,
            std::mem::size_of_val(self.slots.as_slice()),
        )
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= self.max_keys
    }

    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Home slot: the low 32 bits of the hash modulo the slot count (exact in JS too).
    fn home(&self, hash: u64) -> usize {
        // 32-bit division: the slot count is below 2^32 (at most 1.25 × 2^26), and it is several
        // times cheaper than a 64-bit one on the hot path.
        (hash as u32 % self.slots_u32) as usize
    }

    fn next(&self, i: usize) -> usize {
        if i + 1 == self.capacity() {
            0
        } else {
            i + 1
        }
    }

    /// Slot holding `hash`, if any. Terminates: at least a fifth of the slots are empty.
    pub(crate) fn find(&self, hash: u64) -> Option<usize> {
        let mut i = self.home(hash);
        loop {
            let slot = self.slots.get(i)?;
            if slot[0] == hash {
                return Some(i);
            }
            if slot[0] == 0 {
                return None;
            }
            i = self.next(i);
        }
    }

    /// Slots a lookup of `hash` examines (the complexity tests' measure of a take's cost).
    #[cfg(test)]
    pub(crate) fn probes(&self, hash: u64) -> usize {
        let mut i = self.home(hash);
        for probes in 1..=self.capacity() {
            match self.slots.get(i) {
                Some(slot) if slot[0] != hash && slot[0] != 0 => i = self.next(i),
                _ => return probes,
            }
        }
        self.capacity()
    }

    /// Home slot of `hash` (for the complexity tests, which craft keys by it).
    #[cfg(test)]
    pub(crate) fn home_of(&self, hash: u64) -> usize {
        self.home(hash)
    }

    /// Stores a hash known to be absent; the caller checked `!is_full()`.
    pub(crate) fn insert(&mut self, hash: u64, state: S) -> usize {
        let mut i = self.home(hash);
        while self.slots.get(i).is_some_and(|s| s[0] != 0) {
            i = self.next(i);
        }
        if let Some(slot) = self.slots.get_mut(i) {
            let [a, b] = state.pack();
            *slot = [hash, a, b];
            self.len += 1;
        }
        i
    }

    /// Empties slot `i` and shifts later members of its probe run back, keeping every key
    /// reachable from its home slot without tombstones.
    pub(crate) fn remove_at(&mut self, mut i: usize) {
        let n = self.capacity();
        if !self.slots.get(i).is_some_and(|s| s[0] != 0) {
            return;
        }
        let mut j = i;
        for _ in 0..n {
            j = self.next(j);
            let Some(&moving) = self.slots.get(j) else {
                break;
            };
            if moving[0] == 0 {
                break;
            }
            let k = self.home(moving[0]);
            // `moving` stays if its home lies cyclically in (i, j]: moving it to i would put it
            // before its home, out of reach of a probe.
            let stays = if i <= j {
                i < k && k <= j
            } else {
                i < k || k <= j
            };
            if !stays {
                if let Some(hole) = self.slots.get_mut(i) {
                    *hole = moving;
                }
                i = j;
            }
        }
        if let Some(hole) = self.slots.get_mut(i) {
            *hole = [0; 3];
        }
        self.len -= 1;
    }

    pub(crate) fn state(&self, i: usize) -> Option<S> {
        self.slots.get(i).map(|s| S::unpack([s[1], s[2]]))
    }

    pub(crate) fn set_state(&mut self, i: usize, state: S) {
        if let Some(slot) = self.slots.get_mut(i) {
            let [a, b] = state.pack();
            slot[1] = a;
            slot[2] = b;
        }
    }

    /// First occupied slot among the `SWEEP_LIMIT` from the cursor whose state `is_idle`
    /// accepts, without moving the cursor.
    pub(crate) fn find_idle(&self, is_idle: impl Fn(&S) -> bool) -> Option<usize> {
        let mut i = self.cursor;
        for _ in 0..SWEEP_LIMIT.min(self.capacity()) {
            let slot = self.slots.get(i)?;
            if slot[0] != 0 && is_idle(&S::unpack([slot[1], slot[2]])) {
                return Some(i);
            }
            i = self.next(i);
        }
        None
    }

    /// Moves the cursor past what a sweep examined: past the slot it found, or past all
    /// `SWEEP_LIMIT` slots when it found none, so successive sweeps walk the whole table.
    pub(crate) fn advance_cursor(&mut self, found: Option<usize>) {
        self.cursor = match found {
            Some(i) => self.next(i),
            None => (self.cursor + SWEEP_LIMIT.min(self.capacity())) % self.capacity(),
        };
    }
}
