//! The bounded keyed store shared by both limiters: one open-addressing table with linear
//! probing, a slot = 64-bit key hash + 16 bytes of packed state (24 bytes), sized once at
//! construction to `maxKeys + ceil(maxKeys / 4)` slots, so at most 80% full and about 30 bytes
//! per key. No timers: idle keys are reclaimed lazily by a sweep cursor when a new key needs a
//! slot (see `Limiter`). Deletion is by backward shift, so no tombstones accumulate.
//!
//! The layout is part of the specification: the TS reference keeps the same table, so the same
//! slot is examined and the same key evicted in both implementations.

/// Slots the sweep examines, from the cursor, when the table is full and a new key arrives.
pub const SWEEP_LIMIT: usize = 32;

#[derive(Debug, Clone, Copy, Default)]
struct Slot<S> {
    /// 0 = empty (the hash function never returns 0).
    hash: u64,
    state: S,
}

#[derive(Debug)]
pub(crate) struct Table<S> {
    slots: Vec<Slot<S>>,
    len: usize,
    max_keys: usize,
    cursor: usize,
    slots_u32: u32,
}

impl<S: Copy + Default> Table<S> {
    /// `max_keys` is validated by the caller (1..=MAX_KEYS).
    pub(crate) fn new(max_keys: usize) -> Self {
        let slots = max_keys + max_keys.div_ceil(4);
        Self {
            slots: vec![Slot::default(); slots],
            len: 0,
            max_keys,
            cursor: 0,
            slots_u32: u32::try_from(slots).unwrap_or(u32::MAX),
        }
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
            if slot.hash == hash {
                return Some(i);
            }
            if slot.hash == 0 {
                return None;
            }
            i = self.next(i);
        }
    }

    /// Stores a hash known to be absent; the caller checked `!is_full()`.
    pub(crate) fn insert(&mut self, hash: u64, state: S) -> usize {
        let mut i = self.home(hash);
        while self.slots.get(i).is_some_and(|s| s.hash != 0) {
            i = self.next(i);
        }
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Slot { hash, state };
            self.len += 1;
        }
        i
    }

    /// Empties slot `i` and shifts later members of its probe run back, keeping every key
    /// reachable from its home slot without tombstones.
    pub(crate) fn remove_at(&mut self, mut i: usize) {
        let n = self.capacity();
        if !self.slots.get(i).is_some_and(|s| s.hash != 0) {
            return;
        }
        let mut j = i;
        for _ in 0..n {
            j = self.next(j);
            let Some(&moving) = self.slots.get(j) else {
                break;
            };
            if moving.hash == 0 {
                break;
            }
            let k = self.home(moving.hash);
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
            *hole = Slot::default();
        }
        self.len -= 1;
    }

    pub(crate) fn state(&self, i: usize) -> Option<S> {
        self.slots.get(i).map(|s| s.state)
    }

    pub(crate) fn state_mut(&mut self, i: usize) -> Option<&mut S> {
        self.slots.get_mut(i).map(|s| &mut s.state)
    }

    /// First occupied slot among the `SWEEP_LIMIT` from the cursor whose state `is_idle`
    /// accepts, without moving the cursor.
    pub(crate) fn find_idle(&self, is_idle: impl Fn(&S) -> bool) -> Option<usize> {
        let mut i = self.cursor;
        for _ in 0..SWEEP_LIMIT.min(self.capacity()) {
            let slot = self.slots.get(i)?;
            if slot.hash != 0 && is_idle(&slot.state) {
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
