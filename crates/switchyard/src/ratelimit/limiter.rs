//! The keyed limiter shared by the token bucket and the sliding window: validation, lookup,
//! insertion, lazy reclaiming of idle keys and the shared overflow bucket.

use super::table::{Packed, Table};
use super::{check_integer, key_hash, Decision, InvalidArgument, MAX_KEYS, MAX_NOW_MS};

/// The decision rule of one kind of limiter, over its packed per-key state.
pub trait Policy {
    /// Per-key state, packed into 16 bytes.
    type State: Packed;
    /// `capacity` or `limit`: the largest cost one take may ask for.
    fn limit(&self) -> u64;
    /// State of a key never seen before, first seen at `now_ms`.
    fn fresh(&self, now_ms: u64) -> Self::State;
    /// Whether the key is indistinguishable from a fresh one at `now_ms` (full again, window
    /// expired) AND `now_ms` is not before its stored time, so forgetting it cannot give a
    /// client anything it would not get anyway, even with a clock that went backwards.
    fn is_idle(&self, state: &Self::State, now_ms: u64) -> bool;
    /// Decides a take of `cost` at `now_ms`, updating `state` as a take does (a peek passes a copy).
    fn decide(&self, state: &mut Self::State, now_ms: u64, cost: u64) -> Decision;
}

/// Keyed limiter: at most `max_keys` keys in a preallocated table; when it is full, a new key
/// takes the slot of an idle key found by the sweep, and when the sweep finds none the take is
/// charged to one shared overflow bucket with the same policy. A client therefore cannot reset
/// its own bucket by spraying keys: only idle keys are ever forgotten.
#[derive(Debug)]
pub struct Limiter<P: Policy> {
    policy: P,
    seed: u32,
    table: Table<P::State>,
    overflow: Option<P::State>,
}

enum Where {
    Slot(usize),
    /// Absent: may be stored (after reclaiming the given idle slot, if any).
    New(Option<usize>),
    Overflow,
}

impl<P: Policy> Limiter<P> {
    pub(crate) fn with_policy(
        policy: P,
        max_keys: u64,
        seed: u32,
    ) -> Result<Self, InvalidArgument> {
        let max_keys = check_integer("maxKeys", max_keys, 1, MAX_KEYS)?;
        Ok(Self {
            policy,
            seed,
            table: Table::new(max_keys as usize),
            overflow: None,
        })
    }

    /// Slots a lookup of `key` examines now, and the slot its hash starts from.
    #[cfg(test)]
    pub(crate) fn probes(&self, key: &[u8]) -> (usize, usize) {
        let hash = key_hash(key, self.seed);
        (self.table.probes(hash), self.table.home_of(hash))
    }

    /// The policy (limits) this limiter applies.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// Address and length in bytes of the preallocated slot table, so a host can give the OS a
    /// memory hint (the N-API binding asks Linux for huge pages: at a million keys, TLB misses
    /// are a large part of a take).
    pub fn table_region(&self) -> (usize, usize) {
        self.table.region()
    }

    /// Keys currently stored (idle keys stay until a new key needs their slot or `reset`).
    pub fn size(&self) -> usize {
        self.table.len()
    }

    fn validate(&self, now_ms: u64, cost: u64) -> Result<(), InvalidArgument> {
        check_integer("nowMs", now_ms, 0, MAX_NOW_MS - 1)?;
        check_integer("cost", cost, 0, self.policy.limit())?;
        Ok(())
    }

    fn locate(&self, hash: u64, now_ms: u64) -> Where {
        if let Some(i) = self.table.find(hash) {
            return Where::Slot(i);
        }
        if !self.table.is_full() {
            return Where::New(None);
        }
        match self.table.find_idle(|s| self.policy.is_idle(s, now_ms)) {
            Some(i) => Where::New(Some(i)),
            None => Where::Overflow,
        }
    }

    /// Takes `cost` from `key`'s budget at `now_ms` if it is there, and says what happened.
    pub fn take(
        &mut self,
        key: &[u8],
        now_ms: u64,
        cost: u64,
    ) -> Result<Decision, InvalidArgument> {
        self.validate(now_ms, cost)?;
        let hash = key_hash(key, self.seed);
        let slot = match self.locate(hash, now_ms) {
            Where::Slot(i) => i,
            Where::New(reclaim) => {
                if self.table.is_full() {
                    self.table.advance_cursor(reclaim);
                }
                if let Some(i) = reclaim {
                    self.table.remove_at(i);
                }
                self.table.insert(hash, self.policy.fresh(now_ms))
            }
            Where::Overflow => {
                self.table.advance_cursor(None);
                let state = self
                    .overflow
                    .get_or_insert_with(|| self.policy.fresh(now_ms));
                return Ok(self.policy.decide(state, now_ms, cost));
            }
        };
        match self.table.state(slot) {
            Some(mut state) => {
                let decision = self.policy.decide(&mut state, now_ms, cost);
                self.table.set_state(slot, state);
                Ok(decision)
            }
            None => Err(InvalidArgument::new("key", "internal: slot vanished")),
        }
    }

    /// The decision `take` would make now, changing nothing (not even the sweep cursor).
    pub fn peek(&self, key: &[u8], now_ms: u64, cost: u64) -> Result<Decision, InvalidArgument> {
        self.validate(now_ms, cost)?;
        let hash = key_hash(key, self.seed);
        let mut state = match self.locate(hash, now_ms) {
            Where::Slot(i) => self
                .table
                .state(i)
                .unwrap_or_else(|| self.policy.fresh(now_ms)),
            Where::New(_) => self.policy.fresh(now_ms),
            Where::Overflow => self.overflow.unwrap_or_else(|| self.policy.fresh(now_ms)),
        };
        Ok(self.policy.decide(&mut state, now_ms, cost))
    }

    /// Slot index where `key` is stored, if it is: the table layout, for the differential test
    /// that holds it identical to the TS reference's.
    pub fn slot_of(&self, key: &[u8]) -> Option<usize> {
        self.table.find(key_hash(key, self.seed))
    }

    /// Forgets `key`; returns whether it was stored. The overflow bucket is never reset.
    pub fn reset(&mut self, key: &[u8]) -> bool {
        match self.table.find(key_hash(key, self.seed)) {
            Some(i) => {
                self.table.remove_at(i);
                true
            }
            None => false,
        }
    }
}
