//! The one way a fast function is bound to native state (docs/architecture.md, "The binding
//! pattern").
//!
//! A primitive's state lives in a [`Native`]: an `Rc` shared by the napi-rs class that owns the
//! cold methods and by every hot function handed out by [`Native::bind`]. A hot function is a
//! plain N-API function whose data pointer is one strong count of that `Rc`, given back by the
//! function's finalizer; so the state lives as long as the class instance or any of its functions,
//! and the last of them to be collected frees it and un-reports its memory to V8. Calls borrow the
//! state through a `RefCell`: a re-entered call (JS code run by a conversion, say) is an
//! `INTERNAL` error, not aliasing.

use std::cell::{Cell, RefCell};
use std::ffi::{c_void, CStr};
use std::ptr;
use std::rc::Rc;

use napi::bindgen_prelude::{ToNapiValue, TypeName, ValueType};
use napi::sys;

use super::errors::{guard_hot, internal, throw, Hot};
use super::memory::{measure, report};
use super::read::arguments;
use super::trim::Trim;

struct Inner<S> {
    state: RefCell<S>,
    /// Bytes reported to V8 for this state so far.
    reported: Cell<i64>,
}

impl<S> Inner<S> {
    fn account(&self, env: sys::napi_env, change: i64) {
        let before = self.reported.get();
        let after = before.saturating_add(change).max(0);
        self.reported.set(after);
        report(env, after - before);
    }
}

/// Gives back one strong count; the last one un-reports the state's memory before freeing it.
fn release<S>(inner: Rc<Inner<S>>, env: sys::napi_env) {
    if Rc::strong_count(&inner) == 1 {
        report(env, -inner.reported.get());
    }
    drop(inner);
}

fn reentered() -> napi::Error {
    internal("native state re-entered during a call")
}

/// Native state of one primitive instance, shared by its class and its bound functions.
pub struct Native<S> {
    inner: Rc<Inner<S>>,
}

impl<S: 'static> Native<S> {
    /// Builds the state and reports what building it allocated to V8.
    pub fn new(env: sys::napi_env, build: impl FnOnce() -> napi::Result<S>) -> napi::Result<Self> {
        let (state, bytes) = measure(build);
        let inner = Rc::new(Inner {
            state: RefCell::new(state?),
            reported: Cell::new(0),
        });
        inner.account(env, bytes);
        Ok(Native { inner })
    }

    /// Reads the state.
    pub fn read<R>(&self, body: impl FnOnce(&S) -> R) -> napi::Result<R> {
        let state = self.inner.state.try_borrow().map_err(|_| reentered())?;
        Ok(body(&state))
    }

    /// Changes the state; what the change allocated or freed is reported to V8.
    pub fn update<R>(&self, env: sys::napi_env, body: impl FnOnce(&mut S) -> R) -> napi::Result<R> {
        let mut state = self.inner.state.try_borrow_mut().map_err(|_| reentered())?;
        let (result, bytes) = measure(|| body(&mut state));
        drop(state);
        self.inner.account(env, bytes);
        Ok(result)
    }

    /// A JS function named `name` running `callback` (which reaches the state with [`call`]); it
    /// holds the state alive until it is collected itself.
    pub fn bind(
        &self,
        env: sys::napi_env,
        name: &CStr,
        callback: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
    ) -> napi::Result<JsFunction> {
        let data = Rc::into_raw(Rc::clone(&self.inner))
            .cast_mut()
            .cast::<c_void>();
        let mut function = ptr::null_mut();
        // SAFETY: `name` is NUL-terminated (length -1: up to the NUL); `data` stays valid until
        // the finalizer added below gives its count back.
        let mut status = unsafe {
            sys::napi_create_function(env, name.as_ptr(), -1, Some(callback), data, &mut function)
        };
        if status == sys::Status::napi_ok {
            // SAFETY: ties the strong count in `data` to the function's lifetime; N-API calls
            // the finalizer exactly once, when the function is collected or the env torn down.
            status = unsafe {
                sys::napi_add_finalizer(
                    env,
                    function,
                    data,
                    Some(finalize::<S>),
                    ptr::null_mut(),
                    ptr::null_mut(),
                )
            };
        }
        if status != sys::Status::napi_ok {
            // SAFETY: no finalizer was attached, so this is the only owner of that count.
            drop(unsafe { Rc::from_raw(data.cast_const().cast::<Inner<S>>()) });
            return Err(internal(&format!(
                "could not create the bound function {name:?} (status {status})"
            )));
        }
        Ok(JsFunction(function))
    }

    /// Gives back the class instance's count: call from the class's finalizer
    /// (`#[napi(custom_finalize)]`), which is where napi-rs hands over the `env` needed to
    /// un-report the memory.
    pub fn release(self, env: sys::napi_env) {
        release(self.inner, env);
    }
}

unsafe extern "C" fn finalize<S>(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the count `Native::bind` leaked for this function; N-API finalizes once.
    let inner = unsafe { Rc::from_raw(data.cast_const().cast::<Inner<S>>()) };
    release(inner, env);
}

/// What a bound function returns to JS.
pub trait ToJs {
    /// The JS value, created in `env`.
    fn to_js(self, env: sys::napi_env) -> sys::napi_value;
}

impl ToJs for i32 {
    fn to_js(self, env: sys::napi_env) -> sys::napi_value {
        let mut out = ptr::null_mut();
        // SAFETY: creating a number in the live env of the current call.
        unsafe { sys::napi_create_int32(env, self, &mut out) };
        out
    }
}

impl ToJs for u32 {
    fn to_js(self, env: sys::napi_env) -> sys::napi_value {
        let mut out = ptr::null_mut();
        // SAFETY: creating a number in the live env of the current call.
        unsafe { sys::napi_create_uint32(env, self, &mut out) };
        out
    }
}

/// `undefined`: the result is in a shared output array.
impl ToJs for () {
    fn to_js(self, _env: sys::napi_env) -> sys::napi_value {
        // A callback returning NULL returns `undefined` to JS.
        ptr::null_mut()
    }
}

/// The body of a bound function's callback: reads `N` arguments, borrows the state, runs `body`
/// (panics caught), trims the state's reused buffers ([`Trim`]) and returns its result to JS,
/// or throws its error.
///
/// # Safety
/// `env` and `info` must be those N-API passed to a callback of a function made by
/// [`Native::bind`] on a `Native<S>` (the same `S`).
pub unsafe fn call<S: Trim, R: ToJs, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    what: &str,
    body: impl FnOnce(&mut S, [sys::napi_value; N]) -> Hot<R>,
) -> sys::napi_value {
    let result = guard_hot(what, || {
        let (argv, data) = arguments::<N>(env, info)?;
        if data.is_null() {
            return Err(Box::new(internal(
                "bound function called without its state",
            )));
        }
        // SAFETY: per this function's contract `data` is a strong count of an `Inner<S>`, held by
        // the function being called until its finalizer runs, so it is alive.
        let inner = unsafe { &*data.cast_const().cast::<Inner<S>>() };
        let mut state = inner
            .state
            .try_borrow_mut()
            .map_err(|_| Box::new(reentered()))?;
        let result = body(&mut state, argv);
        state.trim();
        result
    });
    match result {
        Ok(value) => value.to_js(env),
        Err(error) => throw(env, &error),
    }
}

/// A JS function made natively, returned to JS as is.
pub struct JsFunction(sys::napi_value);

impl JsFunction {
    /// Wraps a function value created in the current call.
    pub fn from_raw(function: sys::napi_value) -> Self {
        JsFunction(function)
    }
}

impl ToNapiValue for JsFunction {
    unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        Ok(value.0)
    }
}

impl TypeName for JsFunction {
    fn type_name() -> &'static str {
        "Function"
    }

    fn value_type() -> ValueType {
        ValueType::Function
    }
}
