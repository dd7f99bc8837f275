//! Test-only exports, compiled only with the `testing` cargo feature (which `npm test`,
//! `npm run bench` and `npm start` turn on through scripts/bootstrap.mjs; a production build
//! leaves it off). They measure the boundary and exercise its failure paths.

// Under `cargo test` the napi registration is compiled out, leaving the exports unused.
#![cfg_attr(test, allow(dead_code))]

use std::cell::{RefCell, UnsafeCell};
use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::This;
use napi::{sys, Env, JsValue};
use napi_derive::napi;

use crate::toolkit::bound::{call, JsFunction, Native};
use crate::toolkit::errors::{guard, guard_hot, internal, throw};
use crate::toolkit::read::{arguments, read_str, Raw};
use crate::toolkit::trim::{trim_buffer, Trim};

/// Does nothing; the boundary micro-benchmark measures the bare cost of one N-API call with it.
#[napi]
pub fn noop() -> u32 {
    0
}

/// Panics on purpose, so the tests can show that a panic becomes a typed error, not an abort.
#[napi]
pub fn panic_for_test() -> napi::Result<u32> {
    guard("panic_for_test", || {
        panic!("deliberate panic for the boundary test")
    })
}

/// Boundary micro-benchmark: a plain N-API function that reads a JS string into a reused buffer
/// and returns its length in bytes (the crossing `match` pays before any routing).
#[napi]
pub fn path_toucher(env: Env) -> napi::Result<JsFunction> {
    guard("pathToucher", || {
        Native::new(env.raw(), || Ok(Probe::default()))?.bind(env.raw(), c"touchPath", probe_bound)
    })
}

/// Boundary micro-benchmark: the same through napi-rs's `String` conversion (allocates).
#[napi]
pub fn touch_path_string(path: String) -> napi::Result<u32> {
    guard("touchPathString", || Ok(path.len() as u32))
}

/// Bytes the addon's allocator holds for this thread, net (allocated less freed; see
/// toolkit/memory.rs): what the buffer tests read to see an oversized input's memory given back.
#[napi]
pub fn allocated_bytes() -> f64 {
    crate::toolkit::memory::net_bytes() as f64
}

/// The isolate's total of external memory as V8 counts it (native tables report into it; see
/// toolkit/memory.rs). `process.memoryUsage().external` does not show this counter on Node 20.
#[napi]
pub fn external_memory_total(env: Env) -> f64 {
    crate::toolkit::memory::reported_total(env.raw()) as f64
}

// The binding-pattern probes (bench/binding-pattern.mjs): one body, `(key) => UTF-8 bytes`,
// bound to its state in each of the ways the binding used before it settled on one.

#[derive(Default)]
struct Probe {
    buf: Vec<u8>,
    calls: u32,
}

impl Trim for Probe {
    fn trim(&mut self) {
        trim_buffer(&mut self.buf);
    }
}

impl Probe {
    /// Bytes of `key` as UTF-8 (0 for a non-string).
    fn touch(&mut self, env: sys::napi_env, key: sys::napi_value) -> u32 {
        self.calls = self.calls.wrapping_add(1);
        read_str(env, key, &mut self.buf).map_or(0, str::len) as u32
    }
}

unsafe extern "C" fn probe_bound(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: made by `Native::bind` over a `Native<Probe>`.
    unsafe {
        call(env, info, "probe", |probe: &mut Probe, [key]| {
            Ok(probe.touch(env, key))
        })
    }
}

/// The pattern the binding uses: a bound function over `Native` (shared `Rc<RefCell>`, the
/// function's data pointer, given back by its finalizer).
#[napi]
pub fn probe_native(env: Env) -> napi::Result<JsFunction> {
    guard("probeNative", || {
        Native::new(env.raw(), || Ok(Probe::default()))?.bind(env.raw(), c"probe", probe_bound)
    })
}

/// The former hashing pattern: state in a boxed `UnsafeCell` owned by a class instance; the
/// function's data pointer points into it and the function holds a reference to the instance.
#[napi]
pub struct ProbeOwner {
    state: Box<UnsafeCell<Probe>>,
}

unsafe extern "C" fn probe_owner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let result = guard_hot("probe", || {
        let ([key], data) = arguments::<1>(env, info)?;
        // SAFETY: `data` is the cell of a `ProbeOwner` kept alive by the function's reference to
        // it; JS is single-threaded and nothing else borrows the probe during the call.
        let probe = unsafe { &mut *(*data.cast::<UnsafeCell<Probe>>()).get() };
        Ok(probe.touch(env, key))
    });
    match result {
        Ok(n) => {
            let mut out = ptr::null_mut();
            // SAFETY: creating a number in the live env.
            unsafe { sys::napi_create_uint32(env, n, &mut out) };
            out
        }
        Err(error) => throw(env, &error),
    }
}

unsafe extern "C" fn release_owner(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: the reference created in `ProbeOwner::function`, deleted once, here.
    unsafe { sys::napi_delete_reference(env, data.cast()) };
}

#[napi]
impl ProbeOwner {
    #[napi(constructor)]
    pub fn new() -> Self {
        ProbeOwner {
            state: Box::new(UnsafeCell::new(Probe::default())),
        }
    }

    /// The bound function, holding a reference to this instance.
    #[napi]
    pub fn function(&self, env: Env, this: This) -> napi::Result<JsFunction> {
        let env = env.raw();
        let mut function = ptr::null_mut();
        let mut owner = ptr::null_mut();
        // SAFETY: live env and handles of this call; the name is NUL-terminated; the data
        // pointer stays valid while the reference keeps the instance (and its box) alive.
        let ok = unsafe {
            sys::napi_create_function(
                env,
                c"probe".as_ptr(),
                -1,
                Some(probe_owner),
                self.state.get().cast(),
                &mut function,
            ) == sys::Status::napi_ok
                && sys::napi_create_reference(env, this.raw(), 1, &mut owner)
                    == sys::Status::napi_ok
                && sys::napi_add_finalizer(
                    env,
                    function,
                    owner.cast(),
                    Some(release_owner),
                    ptr::null_mut(),
                    ptr::null_mut(),
                ) == sys::Status::napi_ok
        };
        if ok {
            Ok(JsFunction::from_raw(function))
        } else {
            Err(internal("could not create the probe function"))
        }
    }

    /// The same body as a napi-rs class method (napi-rs converts `this` and the argument).
    #[napi]
    pub fn touch(&mut self, env: Env, key: Raw) -> u32 {
        self.state.get_mut().touch(env.raw(), key.value)
    }
}

impl Default for ProbeOwner {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    static REGISTRY: RefCell<Vec<Probe>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn probe_registry(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let result = guard_hot("probe", || {
        let ([handle, key], _) = arguments::<2>(env, info)?;
        let mut index = u32::MAX;
        // SAFETY: reading a number argument; a non-number leaves u32::MAX (no such handle).
        unsafe { sys::napi_get_value_uint32(env, handle, &mut index) };
        REGISTRY.with(|registry| {
            let mut registry = registry.borrow_mut();
            match registry.get_mut(index as usize) {
                Some(probe) => Ok(probe.touch(env, key)),
                None => Err(Box::new(internal("no such probe handle"))),
            }
        })
    });
    match result {
        Ok(n) => {
            let mut out = ptr::null_mut();
            // SAFETY: creating a number in the live env.
            unsafe { sys::napi_create_uint32(env, n, &mut out) };
            out
        }
        Err(error) => throw(env, &error),
    }
}

/// The former rate-limit pattern: state in a per-thread registry, reached by a handle passed as
/// the first argument of an unbound function (`(handle, key) => number`). Returns the handle;
/// `probeRegistryFunction` gives the function.
#[napi]
pub fn probe_registry_create() -> u32 {
    REGISTRY.with(|registry| {
        let mut registry = registry.borrow_mut();
        registry.push(Probe::default());
        (registry.len() - 1) as u32
    })
}

/// The unbound function of the registry probe.
#[napi]
pub fn probe_registry_function(env: Env) -> napi::Result<JsFunction> {
    let mut function = ptr::null_mut();
    // SAFETY: live env; the name is NUL-terminated; no data pointer.
    let status = unsafe {
        sys::napi_create_function(
            env.raw(),
            c"probe".as_ptr(),
            -1,
            Some(probe_registry),
            ptr::null_mut(),
            &mut function,
        )
    };
    if status == sys::Status::napi_ok {
        Ok(JsFunction::from_raw(function))
    } else {
        Err(internal("could not create the probe function"))
    }
}
