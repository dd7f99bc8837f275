//! Binding of `switchyard::hashing`. Picks take the key as a raw JS string, read with
//! `napi_get_value_string_utf8` into a buffer the instance reuses (no allocation per call), and
//! return a node index; the TS wrapper maps it to the id. V8 writes a lone surrogate as U+FFFD,
//! the encoding the key-hash spec prescribes.
//!
//! The hot calls are not napi-rs methods: a napi-rs class method spends hundreds of ns on `this`
//! and argument handling before its body runs, against about 40 ns for a plain N-API call
//! (measured: the "N-API boundary" table of bench/hashing). So each instance hands out, once, raw
//! N-API functions bound to its state (`pickFunction()`, `setLoadFunction()`, ...), which read
//! their arguments themselves and return a number.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::{
    FromNapiValue, JsValue, This, ToNapiValue, TypeName, ValidateNapiValue, ValueType,
};
use napi::{sys, Env};
use napi_derive::napi;
use switchyard::hashing::{
    key_hash, Algorithm, ConsistentHash, HashingError, NodeSpec, Options, SplitTarget,
    WeightedSplit,
};

use crate::errors::{coded_error, guard};
use crate::raw::{arguments, read_utf8, throw, ReadError};

fn to_js(error: HashingError) -> napi::Error {
    coded_error(error.code(), &error.fields())
}

/// A string argument kept as the raw handle, read later into a reused buffer.
pub struct RawKey {
    env: sys::napi_env,
    value: sys::napi_value,
}

impl FromNapiValue for RawKey {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        Ok(RawKey { env, value })
    }
}

impl TypeName for RawKey {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for RawKey {}

/// A `Uint32Array` argument seen as a slice of its memory, without napi-rs's owned wrapper.
pub struct U32Out {
    data: *mut u32,
    len: usize,
}

impl FromNapiValue for U32Out {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut kind = 0;
        let mut len = 0usize;
        let mut data = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        let mut offset = 0usize;
        // SAFETY: handles passed by napi for this call; every out-pointer is a live local.
        let status = unsafe {
            sys::napi_get_typedarray_info(
                env,
                value,
                &mut kind,
                &mut len,
                &mut data,
                &mut buffer,
                &mut offset,
            )
        };
        if status != sys::Status::napi_ok || kind != sys::TypedarrayType::uint32_array {
            return Err(coded_error(
                "SWITCHYARD_INVALID_ARGUMENT",
                &["out", "must be a Uint32Array"],
            ));
        }
        Ok(U32Out {
            data: data.cast(),
            len,
        })
    }
}

impl TypeName for U32Out {
    fn type_name() -> &'static str {
        "Uint32Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for U32Out {}

impl U32Out {
    fn slice(&mut self) -> &mut [u32] {
        if self.len == 0 || self.data.is_null() {
            return &mut [];
        }
        // SAFETY: napi reported `len` u32 elements at `data` (already offset, 4-byte aligned as
        // every Uint32Array is); the array is alive for the duration of this call and nothing
        // else touches it while native code runs.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.len) }
    }
}

/// Reads `key` as UTF-8 into `buf` (grown when too small, never shrunk) and returns the bytes.
fn read_key<'a>(key: &RawKey, buf: &'a mut Vec<u8>) -> napi::Result<&'a [u8]> {
    read_utf8(key.env, key.value, buf).map_err(|error| match error {
        ReadError::NotAString => {
            coded_error("SWITCHYARD_INVALID_ARGUMENT", &["key", "must be a string"])
        }
        ReadError::Failed(status) => coded_error(
            "SWITCHYARD_INTERNAL",
            &[&format!(
                "napi_get_value_string_utf8 failed with status {status}"
            )],
        ),
    })
}

/// The key hash of a string as `[hi, lo]` written into `out` (for the golden-vector tests).
// The napi registration that uses this is not compiled into the unit-test build.
#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn hashing_key_hash(key: RawKey, mut out: U32Out) -> napi::Result<()> {
    guard("hashingKeyHash", || {
        let mut buf = Vec::new();
        let h = key_hash(read_key(&key, &mut buf)?);
        let out = out.slice();
        if out.len() < 2 {
            return Err(coded_error(
                "SWITCHYARD_INVALID_ARGUMENT",
                &["out", "needs 2 elements"],
            ));
        }
        out[0] = h.hi;
        out[1] = h.lo;
        Ok(())
    })
}

/// A JS value handed back as is.
pub struct RawValue(sys::napi_value);

impl ToNapiValue for RawValue {
    unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        Ok(value.0)
    }
}

impl TypeName for RawValue {
    fn type_name() -> &'static str {
        "Function"
    }

    fn value_type() -> ValueType {
        ValueType::Function
    }
}

/// Runs a raw callback body: gets its `N` arguments and its bound state, and turns the result
/// into a JS number or a thrown error.
///
/// # Safety
/// `info` must be the callback info of a function created by [`bound_function`] with a
/// `*mut UnsafeCell<S>` as data, whose owner is kept alive by that function.
unsafe fn raw_call<S, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    what: &str,
    body: impl FnOnce(&mut S, [sys::napi_value; N]) -> napi::Result<u32>,
) -> sys::napi_value {
    let (argv, data) = match arguments::<N>(env, info) {
        Ok((_, data)) if data.is_null() => {
            return throw(
                env,
                &coded_error("SWITCHYARD_INTERNAL", &["bad native call"]),
            )
        }
        Ok(read) => read,
        Err(error) => return throw(env, &error),
    };
    // SAFETY: per this function's contract `data` is the state cell of an instance the function
    // keeps alive; JS is single-threaded and no other borrow of the state is live during a call.
    let state = unsafe { &mut *(*(data as *mut UnsafeCell<S>)).get() };
    match guard(what, || body(state, argv)) {
        Ok(value) => {
            let mut result = ptr::null_mut();
            // SAFETY: live env and out-pointer.
            unsafe { sys::napi_create_uint32(env, value, &mut result) };
            result
        }
        Err(error) => throw(env, &error),
    }
}

/// A number argument of a raw call (missing arguments are `undefined`, not a number).
fn number_arg(env: sys::napi_env, value: sys::napi_value, name: &str) -> napi::Result<f64> {
    let mut number = 0.0;
    // SAFETY: live env; `value` is an argument handle of the current call (or null, which napi
    // rejects with an error status).
    let status = unsafe { sys::napi_get_value_double(env, value, &mut number) };
    if status != sys::Status::napi_ok {
        return Err(coded_error(
            "SWITCHYARD_INVALID_ARGUMENT",
            &[name, "must be a number"],
        ));
    }
    Ok(number)
}

/// An index argument; out-of-range values are left to the crate's own index check.
fn index_arg(env: sys::napi_env, value: sys::napi_value) -> napi::Result<usize> {
    let index = number_arg(env, value, "index")?;
    if !(index >= 0.0 && index == index.trunc()) {
        return Err(coded_error(
            "SWITCHYARD_INVALID_ARGUMENT",
            &["index", "must be a non-negative integer"],
        ));
    }
    Ok(index as usize)
}

unsafe extern "C" fn release_owner(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the reference created in `bound_function`, deleted exactly once, here.
    unsafe { sys::napi_delete_reference(env, data as sys::napi_ref) };
}

/// Creates a JS function calling `callback` with `state` as data. The function holds a strong
/// reference to `owner` (the class instance owning `state`), released when the function is
/// collected, so `state` outlives every call of it.
fn bound_function<S>(
    env: &Env,
    owner: sys::napi_value,
    name: &str,
    state: &UnsafeCell<S>,
    callback: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
) -> napi::Result<RawValue> {
    let env = env.raw();
    let mut function = ptr::null_mut();
    let mut owner_ref = ptr::null_mut();
    // SAFETY: live env and handles of the current call; `name` is valid for `name.len()` bytes;
    // `state` points into the owner's boxed state, which the reference below keeps alive.
    let ok = unsafe {
        sys::napi_create_function(
            env,
            name.as_ptr().cast(),
            name.len() as isize,
            Some(callback),
            state as *const UnsafeCell<S> as *mut c_void,
            &mut function,
        ) == sys::Status::napi_ok
            && sys::napi_create_reference(env, owner, 1, &mut owner_ref) == sys::Status::napi_ok
            && sys::napi_add_finalizer(
                env,
                function,
                owner_ref as *mut c_void,
                Some(release_owner),
                ptr::null_mut(),
                ptr::null_mut(),
            ) == sys::Status::napi_ok
    };
    if !ok {
        return Err(coded_error(
            "SWITCHYARD_INTERNAL",
            &["could not create the native pick function"],
        ));
    }
    Ok(RawValue(function))
}

struct HashState {
    inner: ConsistentHash,
    key: Vec<u8>,
    order: Vec<u32>,
}

unsafe extern "C" fn raw_hash_pick(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: created by `NativeConsistentHash::pick_function` with its state cell as data.
    unsafe {
        raw_call(
            env,
            info,
            "ConsistentHash.pick",
            |state: &mut HashState, [value]| {
                let bytes = read_key(&RawKey { env, value }, &mut state.key)?;
                let index = state.inner.pick_index(bytes).map_err(to_js)?;
                Ok(index as u32)
            },
        )
    }
}

unsafe extern "C" fn raw_hash_set_load(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: created by `NativeConsistentHash::set_load_function` with its state cell as data.
    unsafe {
        raw_call(
            env,
            info,
            "ConsistentHash.setLoad",
            |state: &mut HashState, [index, load]| {
                let index = index_arg(env, index)?;
                let load = number_arg(env, load, "load")?;
                state.inner.set_load_at(index, load).map_err(to_js)?;
                Ok(0)
            },
        )
    }
}

/// `ConsistentHash` of the pure crate; nodes are addressed by index.
#[napi]
pub struct NativeConsistentHash {
    // Boxed: the raw pick function holds its address.
    state: Box<UnsafeCell<HashState>>,
}

#[napi]
impl NativeConsistentHash {
    /// Options arrive normalised by the TS wrapper; the crate validates them again.
    #[napi(constructor)]
    pub fn new(
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
                algorithm: Algorithm::parse(&algorithm).map_err(to_js)?,
                vnodes_per_weight,
                table_size,
                bounded_load_epsilon: epsilon,
            };
            let state = HashState {
                inner: ConsistentHash::new(nodes, options).map_err(to_js)?,
                key: Vec::new(),
                order: Vec::new(),
            };
            Ok(NativeConsistentHash {
                state: Box::new(UnsafeCell::new(state)),
            })
        })
    }

    fn state(&mut self) -> &mut HashState {
        // SAFETY: through the cell, not `get_mut`, so the raw pick function's pointer (derived
        // from the same cell) stays valid; JS is single-threaded and a method never runs during
        // a pick, so this is the only live borrow.
        unsafe { &mut *self.state.get() }
    }

    /// A function `(key: string) => number` returning the index of the node for `key`; it keeps
    /// this instance alive. Call once and reuse.
    #[napi]
    pub fn pick_function(&self, env: Env, this: This) -> napi::Result<RawValue> {
        guard("ConsistentHash.pickFunction", || {
            bound_function(&env, this.raw(), "pick", &self.state, raw_hash_pick)
        })
    }

    /// Writes the first `n` healthy nodes of the key's preference order into `out`; returns how
    /// many.
    #[napi]
    pub fn pick_n(&mut self, key: RawKey, n: u32, mut out: U32Out) -> napi::Result<u32> {
        guard("ConsistentHash.pickN", || {
            let state = self.state();
            let bytes = read_key(&key, &mut state.key)?;
            let out = out.slice();
            let n = (n as usize).min(out.len());
            state
                .inner
                .pick_n_into(bytes, n, &mut state.order)
                .map_err(to_js)?;
            out[..state.order.len()].copy_from_slice(&state.order);
            Ok(state.order.len() as u32)
        })
    }

    #[napi]
    pub fn add(&mut self, id: String, weight: f64) -> napi::Result<()> {
        guard("ConsistentHash.add", || {
            self.state()
                .inner
                .add(NodeSpec::weighted(id, weight))
                .map_err(to_js)
        })
    }

    #[napi]
    pub fn remove(&mut self, index: u32) -> napi::Result<()> {
        guard("ConsistentHash.remove", || {
            self.state().inner.remove_at(index as usize).map_err(to_js)
        })
    }

    #[napi]
    pub fn set_healthy(&mut self, index: u32, healthy: bool) -> napi::Result<()> {
        guard("ConsistentHash.setHealthy", || {
            self.state()
                .inner
                .set_healthy_at(index as usize, healthy)
                .map_err(to_js)
        })
    }

    /// A function `(index, load) => 0` setting a node's load (hot in bounded-load mode: twice
    /// per request); it keeps this instance alive. Call once and reuse.
    #[napi]
    pub fn set_load_function(&self, env: Env, this: This) -> napi::Result<RawValue> {
        guard("ConsistentHash.setLoadFunction", || {
            bound_function(&env, this.raw(), "setLoad", &self.state, raw_hash_set_load)
        })
    }

    /// The bounded-load cap of a node, NaN when bounded loads are off.
    #[napi]
    pub fn load_cap(&mut self, index: u32) -> napi::Result<f64> {
        guard("ConsistentHash.loadCap", || {
            Ok(self
                .state()
                .inner
                .load_cap(index as usize)
                .unwrap_or(f64::NAN))
        })
    }
}

/// `WeightedSplit` of the pure crate; targets are addressed by index.
#[napi]
pub struct NativeWeightedSplit {
    // Boxed: the raw pick function holds its address.
    state: Box<UnsafeCell<SplitState>>,
}

struct SplitState {
    inner: WeightedSplit,
    key: Vec<u8>,
}

unsafe extern "C" fn raw_split_pick(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: created by `NativeWeightedSplit::pick_key_function` with its state cell as data.
    unsafe {
        raw_call(
            env,
            info,
            "WeightedSplit.pick",
            |state: &mut SplitState, [value]| {
                let bytes = read_key(&RawKey { env, value }, &mut state.key)?;
                Ok(state.inner.pick_key_index(bytes) as u32)
            },
        )
    }
}

unsafe extern "C" fn raw_split_pick_random(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: created by `NativeWeightedSplit::pick_random_function` with its state cell as data.
    unsafe {
        raw_call(
            env,
            info,
            "WeightedSplit.pick",
            |state: &mut SplitState, [random]| {
                let random = number_arg(env, random, "random")?;
                let index = state.inner.pick_random_index(random).map_err(to_js)?;
                Ok(index as u32)
            },
        )
    }
}

#[napi]
impl NativeWeightedSplit {
    #[napi(constructor)]
    pub fn new(ids: Vec<String>, weights: Vec<f64>) -> napi::Result<Self> {
        guard("WeightedSplit constructor", || {
            let targets = ids
                .into_iter()
                .zip(weights)
                .map(|(id, weight)| SplitTarget { id, weight })
                .collect();
            let state = SplitState {
                inner: WeightedSplit::new(targets).map_err(to_js)?,
                key: Vec::new(),
            };
            Ok(NativeWeightedSplit {
                state: Box::new(UnsafeCell::new(state)),
            })
        })
    }

    fn state(&mut self) -> &mut SplitState {
        // SAFETY: as `NativeConsistentHash::state`.
        unsafe { &mut *self.state.get() }
    }

    /// A function `(key: string) => number` returning the index of the target of `key`; it keeps
    /// this instance alive. Call once and reuse.
    #[napi]
    pub fn pick_key_function(&self, env: Env, this: This) -> napi::Result<RawValue> {
        guard("WeightedSplit.pickKeyFunction", || {
            bound_function(&env, this.raw(), "pickKey", &self.state, raw_split_pick)
        })
    }

    /// A function `(random) => target index` for a random number in [0, 1); it keeps this
    /// instance alive. Call once and reuse.
    #[napi]
    pub fn pick_random_function(&self, env: Env, this: This) -> napi::Result<RawValue> {
        guard("WeightedSplit.pickRandomFunction", || {
            bound_function(
                &env,
                this.raw(),
                "pickRandom",
                &self.state,
                raw_split_pick_random,
            )
        })
    }

    #[napi]
    pub fn set_weight(&mut self, index: u32, weight: f64) -> napi::Result<()> {
        guard("WeightedSplit.setWeight", || {
            self.state()
                .inner
                .set_weight_at(index as usize, weight)
                .map_err(to_js)
        })
    }
}
