//! Typed arrays as output: structured results cross the boundary as numbers written into a typed
//! array, never as JS objects built natively (docs/architecture.md, "The N-API boundary and what it costs").
//!
//! [`SharedOut`] is an array the wrapper hands over once, at construction, and reads after each
//! hot call; [`View`] is an array passed to one call.

use std::marker::PhantomData;
use std::ptr;

use napi::bindgen_prelude::{
    Float64Array, FromNapiValue, Int32Array, TypeName, Uint32Array, Uint8Array, ValidateNapiValue,
    ValueType,
};
use napi::sys;

use super::errors::{internal, invalid_argument};

/// A napi-rs owned typed array (it holds a reference, so the array outlives the holder).
pub trait OwnedTypedArray {
    /// Element type.
    type Elem;
    /// Elements, for writing.
    ///
    /// # Safety
    /// No JS may run while the slice is alive (it aliases memory JS can write), and the array's
    /// buffer must not have been detached.
    unsafe fn elements(&mut self) -> &mut [Self::Elem];
}

macro_rules! owned_typed_array {
    ($array:ty, $elem:ty) => {
        impl OwnedTypedArray for $array {
            type Elem = $elem;

            unsafe fn elements(&mut self) -> &mut [$elem] {
                // SAFETY: forwarded contract (see the trait).
                unsafe { self.as_mut() }
            }
        }
    };
}

owned_typed_array!(Int32Array, i32);
owned_typed_array!(Uint32Array, u32);
owned_typed_array!(Float64Array, f64);
owned_typed_array!(Uint8Array, u8);

/// A typed array shared once at construction: hot calls write into it, the wrapper reads it after
/// the call returns. Holding it keeps the array alive. An output whose size depends on the input
/// (a canonical path's bytes) is re-shared larger by the wrapper when a result did not fit
/// ([`SharedOut::reshare`]).
pub struct SharedOut<A: OwnedTypedArray> {
    array: A,
}

impl<A: OwnedTypedArray> SharedOut<A> {
    /// Takes `array`, refusing one shorter than `min_len` (a wrapper bug, hence `INTERNAL`).
    pub fn new(mut array: A, min_len: usize, what: &str) -> napi::Result<Self> {
        let len = {
            // SAFETY: inside a napi call, so no JS runs; the array was just received from JS and
            // the wrapper never detaches the buffers it shares.
            let elements = unsafe { array.elements() };
            elements.len()
        };
        if len < min_len {
            return Err(internal(&format!(
                "{what}: the shared array needs at least {min_len} elements, got {len}"
            )));
        }
        Ok(SharedOut { array })
    }

    /// Replaces the array with `array` (refused, and the old one kept, when shorter than
    /// `min_len`); the old array is released.
    pub fn reshare(&mut self, array: A, min_len: usize, what: &str) -> napi::Result<()> {
        *self = SharedOut::new(array, min_len, what)?;
        Ok(())
    }

    /// The elements, for the current native call to write.
    pub fn elements(&mut self) -> &mut [A::Elem] {
        // SAFETY: only called from inside a napi callback (every `SharedOut` lives in native
        // state that only callbacks reach), during which JS is suspended; the wrapper keeps the
        // array private and never detaches its buffer.
        unsafe { self.array.elements() }
    }
}

/// Element types a [`View`] reads.
pub trait Element: Copy {
    /// The typed array kind holding this element type.
    const KIND: sys::napi_typedarray_type;
    /// The JS class name, for errors.
    const NAME: &'static str;
}

impl Element for u32 {
    const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint32_array;
    const NAME: &'static str = "Uint32Array";
}

/// A typed array argument of one call, seen as a slice of its memory, without napi-rs's owned
/// wrapper (which creates a reference per call).
pub struct View<E: Element> {
    data: *mut E,
    len: usize,
    _elem: PhantomData<E>,
}

impl<E: Element> FromNapiValue for View<E> {
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
        if status != sys::Status::napi_ok || kind != E::KIND {
            return Err(invalid_argument("out", &format!("must be a {}", E::NAME)));
        }
        Ok(View {
            data: data.cast(),
            len,
            _elem: PhantomData,
        })
    }
}

impl<E: Element> TypeName for View<E> {
    fn type_name() -> &'static str {
        E::NAME
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<E: Element> ValidateNapiValue for View<E> {}

impl<E: Element> View<E> {
    /// The elements, for the current call to write.
    pub fn elements(&mut self) -> &mut [E] {
        if self.len == 0 || self.data.is_null() {
            return &mut [];
        }
        // SAFETY: napi reported `len` elements of `E` at `data` (already offset, and aligned as
        // every typed array of this kind is); the array is an argument of the running call, so it
        // is alive, and JS is suspended until the call returns.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.len) }
    }
}
