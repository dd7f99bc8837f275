//! Binding of `switchyard::hashing`. Picks take the key as a raw JS string, read with
//! `napi_get_value_string_utf8` into a buffer the instance reuses (no allocation per call), and
//! return a node index; the TS wrapper maps it to the id. V8 writes a lone surrogate as U+FFFD,
//! the encoding the key-hash spec prescribes.
//!
//! The hot calls are not napi-rs methods: a napi-rs class method spends hundreds of ns on `this`
//! and argument handling before its body runs, against about 40 ns for a plain N-API call
//! (measured: the "N-API boundary" table of bench/hashing). So each instance hands out, once,
//! functions bound to its state (`pickFunction()`, `setLoadFunction()`, ...), in the toolkit's one
//! binding pattern.

// Under `cargo test` the napi registration is compiled out, leaving the exports unused.
#![cfg_attr(test, allow(dead_code))]

use std::cell::RefCell;

use napi::bindgen_prelude::ObjectFinalize;
use napi::{sys, Env};
use napi_derive::napi;
use switchyard::hashing::{
    key_hash, Algorithm, ConsistentHash, NodeSpec, Options, SplitTarget, WeightedSplit,
};

use crate::layout::{KEY_HASH_FIELDS, KEY_HASH_HI, KEY_HASH_LO};
use crate::toolkit::bound::{call, JsFunction, Native};
use crate::toolkit::errors::{guard, internal, invalid_argument, to_js};
use crate::toolkit::out::View;
use crate::toolkit::read::{index_arg, number_arg, string_arg, Raw};
use crate::toolkit::trim::{trim_buffer, Trim};

/// The key hash of a string as `[hi, lo]` written into `out` (for the golden-vector tests and
/// `keyHash` of `@switchyard/node`).
#[napi]
pub fn hashing_key_hash(key: Raw, mut out: View<u32>) -> napi::Result<()> {
    thread_local! {
        // Reused across calls, as every key buffer of the binding is.
        static KEY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    guard("hashingKeyHash", || {
        let h = KEY.with(|buf| -> napi::Result<_> {
            let mut buf = buf
                .try_borrow_mut()
                .map_err(|_| internal("key buffer re-entered"))?;
            let hash = string_arg(key.env, key.value, &mut buf, "key")
                .map(key_hash)
                .map_err(|e| *e);
            trim_buffer(&mut buf);
            hash
        })?;
        let out = out.elements();
        if out.len() < KEY_HASH_FIELDS {
            return Err(invalid_argument("out", "needs 2 elements"));
        }
        out[KEY_HASH_HI] = h.hi;
        out[KEY_HASH_LO] = h.lo;
        Ok(())
    })
}

struct HashState {
    inner: ConsistentHash,
    key: Vec<u8>,
    order: Vec<u32>,
}

impl Trim for HashState {
    fn trim(&mut self) {
        trim_buffer(&mut self.key);
    }
}

unsafe extern "C" fn raw_hash_pick(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `pick_function` binds this callback to a `Native<HashState>`.
    unsafe {
        call(
            env,
            info,
            "ConsistentHash.pick",
            |state: &mut HashState, [key]| {
                let bytes = string_arg(env, key, &mut state.key, "key")?;
                let index = state.inner.pick_index(bytes).map_err(|e| to_js(&e))?;
                Ok(index as u32)
            },
        )
    }
}

unsafe extern "C" fn raw_hash_set_load(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `set_load_function` binds this callback to a `Native<HashState>`.
    unsafe {
        call(
            env,
            info,
            "ConsistentHash.setLoad",
            |state: &mut HashState, [index, load]| {
                let index = index_arg(env, index)?;
                let load = number_arg(env, load, "load")?;
                state
                    .inner
                    .set_load_at(index, load)
                    .map_err(|e| Box::new(to_js(&e)))
            },
        )
    }
}

/// `ConsistentHash` of the pure crate; nodes are addressed by index.
#[napi(custom_finalize)]
pub struct NativeConsistentHash {
    state: Native<HashState>,
}

impl ObjectFinalize for NativeConsistentHash {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.state.release(env.raw());
        Ok(())
    }
}

#[napi]
impl NativeConsistentHash {
    /// Options arrive normalized by the TS wrapper; the crate validates them again.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        ids: Vec<String>,
        weights: Vec<f64>,
        algorithm: String,
        vnodes_per_weight: f64,
        table_size: f64,
        epsilon: Option<f64>,
    ) -> napi::Result<Self> {
        guard("ConsistentHash constructor", || {
            let nodes = ids
                .into_iter()
                .zip(weights)
                .map(|(id, weight)| NodeSpec::weighted(id, weight))
                .collect();
            let options = Options {
                algorithm: Algorithm::parse(&algorithm).map_err(|e| to_js(&e))?,
                vnodes_per_weight,
                table_size,
                bounded_load_epsilon: epsilon,
            };
            let state = Native::new(env.raw(), || {
                Ok(HashState {
                    inner: ConsistentHash::new(nodes, options).map_err(|e| to_js(&e))?,
                    key: Vec::new(),
                    order: Vec::new(),
                })
            })?;
            Ok(NativeConsistentHash { state })
        })
    }

    /// A function `(key: string) => number` returning the index of the node for `key`; it keeps
    /// the native state alive. Call once and reuse.
    #[napi]
    pub fn pick_function(&self, env: Env) -> napi::Result<JsFunction> {
        guard("ConsistentHash.pickFunction", || {
            self.state.bind(env.raw(), c"pick", raw_hash_pick)
        })
    }

    /// Writes the first `n` healthy nodes of the key's preference order into `out`; returns how
    /// many.
    #[napi]
    pub fn pick_n(&self, env: Env, key: Raw, n: u32, mut out: View<u32>) -> napi::Result<u32> {
        guard("ConsistentHash.pickN", || {
            self.state.update(env.raw(), |state| {
                let bytes =
                    string_arg(key.env, key.value, &mut state.key, "key").map_err(|e| *e)?;
                let out = out.elements();
                let n = (n as usize).min(out.len());
                state
                    .inner
                    .pick_n_into(bytes, n, &mut state.order)
                    .map_err(|e| to_js(&e))?;
                out[..state.order.len()].copy_from_slice(&state.order);
                Ok(state.order.len() as u32)
            })?
        })
    }

    #[napi]
    pub fn add(&self, env: Env, id: String, weight: f64) -> napi::Result<()> {
        guard("ConsistentHash.add", || {
            self.state
                .update(env.raw(), |state| {
                    state.inner.add(NodeSpec::weighted(id, weight))
                })?
                .map_err(|e| to_js(&e))
        })
    }

    #[napi]
    pub fn remove(&self, env: Env, index: u32) -> napi::Result<()> {
        guard("ConsistentHash.remove", || {
            self.state
                .update(env.raw(), |state| state.inner.remove_at(index as usize))?
                .map_err(|e| to_js(&e))
        })
    }

    #[napi]
    pub fn set_healthy(&self, env: Env, index: u32, healthy: bool) -> napi::Result<()> {
        guard("ConsistentHash.setHealthy", || {
            self.state
                .update(env.raw(), |state| {
                    state.inner.set_healthy_at(index as usize, healthy)
                })?
                .map_err(|e| to_js(&e))
        })
    }

    /// A function `(index, load) => undefined` setting a node's load (hot in bounded-load mode:
    /// twice per request); it keeps the native state alive. Call once and reuse.
    #[napi]
    pub fn set_load_function(&self, env: Env) -> napi::Result<JsFunction> {
        guard("ConsistentHash.setLoadFunction", || {
            self.state.bind(env.raw(), c"setLoad", raw_hash_set_load)
        })
    }

    /// The bounded-load cap of a node, NaN when bounded loads are off.
    #[napi]
    pub fn load_cap(&self, index: u32) -> napi::Result<f64> {
        guard("ConsistentHash.loadCap", || {
            self.state
                .read(|state| state.inner.load_cap(index as usize).unwrap_or(f64::NAN))
        })
    }
}

struct SplitState {
    inner: WeightedSplit,
    key: Vec<u8>,
}

impl Trim for SplitState {
    fn trim(&mut self) {
        trim_buffer(&mut self.key);
    }
}

unsafe extern "C" fn raw_split_pick(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `pick_key_function` binds this callback to a `Native<SplitState>`.
    unsafe {
        call(
            env,
            info,
            "WeightedSplit.pick",
            |state: &mut SplitState, [key]| {
                let bytes = string_arg(env, key, &mut state.key, "key")?;
                Ok(state.inner.pick_key_index(bytes) as u32)
            },
        )
    }
}

unsafe extern "C" fn raw_split_pick_random(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `pick_random_function` binds this callback to a `Native<SplitState>`.
    unsafe {
        call(
            env,
            info,
            "WeightedSplit.pick",
            |state: &mut SplitState, [random]| {
                let random = number_arg(env, random, "random")?;
                let index = state
                    .inner
                    .pick_random_index(random)
                    .map_err(|e| Box::new(to_js(&e)))?;
                Ok(index as u32)
            },
        )
    }
}

/// `WeightedSplit` of the pure crate; targets are addressed by index.
#[napi(custom_finalize)]
pub struct NativeWeightedSplit {
    state: Native<SplitState>,
}

impl ObjectFinalize for NativeWeightedSplit {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.state.release(env.raw());
        Ok(())
    }
}

#[napi]
impl NativeWeightedSplit {
    #[napi(constructor)]
    pub fn new(env: Env, ids: Vec<String>, weights: Vec<f64>) -> napi::Result<Self> {
        guard("WeightedSplit constructor", || {
            let targets = ids
                .into_iter()
                .zip(weights)
                .map(|(id, weight)| SplitTarget { id, weight })
                .collect();
            let state = Native::new(env.raw(), || {
                Ok(SplitState {
                    inner: WeightedSplit::new(targets).map_err(|e| to_js(&e))?,
                    key: Vec::new(),
                })
            })?;
            Ok(NativeWeightedSplit { state })
        })
    }

    /// A function `(key: string) => number` returning the index of the target of `key`; it keeps
    /// the native state alive. Call once and reuse.
    #[napi]
    pub fn pick_key_function(&self, env: Env) -> napi::Result<JsFunction> {
        guard("WeightedSplit.pickKeyFunction", || {
            self.state.bind(env.raw(), c"pickKey", raw_split_pick)
        })
    }

    /// A function `(random) => target index` for a random number in [0, 1); it keeps the native
    /// state alive. Call once and reuse.
    #[napi]
    pub fn pick_random_function(&self, env: Env) -> napi::Result<JsFunction> {
        guard("WeightedSplit.pickRandomFunction", || {
            self.state
                .bind(env.raw(), c"pickRandom", raw_split_pick_random)
        })
    }

    #[napi]
    pub fn set_weight(&self, env: Env, index: u32, weight: f64) -> napi::Result<()> {
        guard("WeightedSplit.setWeight", || {
            self.state
                .update(env.raw(), |state| {
                    state.inner.set_weight_at(index as usize, weight)
                })?
                .map_err(|e| to_js(&e))
        })
    }
}
