//! Binding of `switchyard::hashing`. Picks take the key as a raw JS string, read with
//! `napi_get_value_string_utf8` into a buffer the instance reuses (no allocation per call), and
//! return a node index; the TS wrapper maps it to the id. V8 writes a lone surrogate as U+FFFD,
//! the encoding the key-hash spec prescribes.

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use napi_derive::napi;
use switchyard::hashing::{
    key_hash, Algorithm, ConsistentHash, HashingError, NodeSpec, Options, SplitTarget,
    WeightedSplit,
};

use crate::errors::{coded_error, guard};

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

/// Longest UTF-8 sequence V8 writes for one UTF-16 unit or pair; a read that leaves at least this
/// much room (plus the NUL) cannot have been truncated.
const MAX_CHAR_BYTES: usize = 4;

/// Reads `key` as UTF-8 into `buf` (grown when too small, never shrunk) and returns the bytes.
fn read_key<'a>(key: &RawKey, buf: &'a mut Vec<u8>) -> napi::Result<&'a [u8]> {
    if buf.len() < 256 {
        buf.resize(256, 0);
    }
    loop {
        let mut written = 0usize;
        // SAFETY: `buf` is an initialised allocation of `buf.len()` bytes; napi writes at most
        // `buf.len() - 1` bytes and a NUL into it. `key` holds handles napi passed to this call,
        // valid until it returns.
        let status = unsafe {
            sys::napi_get_value_string_utf8(
                key.env,
                key.value,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            )
        };
        if status != sys::Status::napi_ok {
            return Err(coded_error(
                "SWITCHYARD_INVALID_ARGUMENT",
                &["key", "must be a string"],
            ));
        }
        if written + 1 + MAX_CHAR_BYTES <= buf.len() {
            return Ok(&buf[..written]);
        }
        // Possibly cut short: ask for the full length and read again.
        let mut needed = 0usize;
        // SAFETY: a null buffer asks napi for the length only.
        unsafe {
            sys::napi_get_value_string_utf8(key.env, key.value, ptr::null_mut(), 0, &mut needed)
        };
        buf.resize(needed + 1 + MAX_CHAR_BYTES, 0);
    }
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

/// `ConsistentHash` of the pure crate; nodes are addressed by index.
#[napi]
pub struct NativeConsistentHash {
    inner: ConsistentHash,
    key: Vec<u8>,
    order: Vec<u32>,
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
            Ok(NativeConsistentHash {
                inner: ConsistentHash::new(nodes, options).map_err(to_js)?,
                key: Vec::new(),
                order: Vec::new(),
            })
        })
    }

    /// Index of the node for `key`.
    #[napi]
    pub fn pick(&mut self, key: RawKey) -> napi::Result<u32> {
        guard("ConsistentHash.pick", || {
            let bytes = read_key(&key, &mut self.key)?;
            let index = self.inner.pick_index(bytes).map_err(to_js)?;
            Ok(index as u32)
        })
    }

    /// Writes the first `n` healthy nodes of the key's preference order into `out`; returns how
    /// many.
    #[napi]
    pub fn pick_n(&mut self, key: RawKey, n: u32, mut out: U32Out) -> napi::Result<u32> {
        guard("ConsistentHash.pickN", || {
            let bytes = read_key(&key, &mut self.key)?;
            let out = out.slice();
            let n = (n as usize).min(out.len());
            self.inner
                .pick_n_into(bytes, n, &mut self.order)
                .map_err(to_js)?;
            out[..self.order.len()].copy_from_slice(&self.order);
            Ok(self.order.len() as u32)
        })
    }

    #[napi]
    pub fn add(&mut self, id: String, weight: f64) -> napi::Result<()> {
        guard("ConsistentHash.add", || {
            self.inner
                .add(NodeSpec::weighted(id, weight))
                .map_err(to_js)
        })
    }

    #[napi]
    pub fn remove(&mut self, index: u32) -> napi::Result<()> {
        guard("ConsistentHash.remove", || {
            self.inner.remove_at(index as usize).map_err(to_js)
        })
    }

    #[napi]
    pub fn set_healthy(&mut self, index: u32, healthy: bool) -> napi::Result<()> {
        guard("ConsistentHash.setHealthy", || {
            self.inner
                .set_healthy_at(index as usize, healthy)
                .map_err(to_js)
        })
    }

    #[napi]
    pub fn set_load(&mut self, index: u32, load: f64) -> napi::Result<()> {
        guard("ConsistentHash.setLoad", || {
            self.inner.set_load_at(index as usize, load).map_err(to_js)
        })
    }

    /// The bounded-load cap of a node, NaN when bounded loads are off.
    #[napi]
    pub fn load_cap(&self, index: u32) -> napi::Result<f64> {
        guard("ConsistentHash.loadCap", || {
            Ok(self.inner.load_cap(index as usize).unwrap_or(f64::NAN))
        })
    }
}

/// `WeightedSplit` of the pure crate; targets are addressed by index.
#[napi]
pub struct NativeWeightedSplit {
    inner: WeightedSplit,
    key: Vec<u8>,
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
            Ok(NativeWeightedSplit {
                inner: WeightedSplit::new(targets).map_err(to_js)?,
                key: Vec::new(),
            })
        })
    }

    /// Index of the target of `key`.
    #[napi]
    pub fn pick_key(&mut self, key: RawKey) -> napi::Result<u32> {
        guard("WeightedSplit.pick", || {
            let bytes = read_key(&key, &mut self.key)?;
            Ok(self.inner.pick_key_index(bytes) as u32)
        })
    }

    /// Index of the target for a random number in [0, 1).
    #[napi]
    pub fn pick_random(&self, random: f64) -> napi::Result<u32> {
        guard("WeightedSplit.pick", || {
            let index = self.inner.pick_random_index(random).map_err(to_js)?;
            Ok(index as u32)
        })
    }

    #[napi]
    pub fn set_weight(&mut self, index: u32, weight: f64) -> napi::Result<()> {
        guard("WeightedSplit.setWeight", || {
            self.inner
                .set_weight_at(index as usize, weight)
                .map_err(to_js)
        })
    }
}
