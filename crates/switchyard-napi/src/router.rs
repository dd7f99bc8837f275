//! `NativeRouter`: the Rust router behind `Router` of `@switchyard/node`.
//!
//! The crossing follows docs/architecture.md: `match` takes the method as a number (an id the wrapper caches,
//! from `methodId`), the path and host as JS strings copied with `napi_get_value_string_utf8` into
//! buffers reused across calls, and returns the route id (or -1). It is a plain N-API callback
//! (`matcher()` makes it, bound to this router): napi-rs's generated glue for a method with
//! arguments (receiver unwrap, borrow scope) measured ~80 ns per call, twice the whole crossing. The winner's params go into the
//! `Int32Array` shared once at construction: `[count, (start, end, flags) x count]`, with `start`
//! and `end` as UTF-16 indices into the JS path string, so the wrapper slices the string it already
//! holds and decodes only flagged params. Nothing here decides anything: the `switchyard` crate does.
//!
//! `resolve` is a second function bound the same way (`resolver()`): one crossing returns the
//! route id or -1 and writes the outcome, the rejection, the `Allow` method ids (in the params
//! region) and the canonical path (as "same as the path part, up to this UTF-16 index", or as
//! ASCII bytes in the `Uint8Array` shared at construction and re-shared larger when a path did not
//! fit) into the shared arrays; the slots are `ROUTER_RESOLVE_*` of [`crate::layout`].
//! `canonicalizePath` is a third, bound to its own scratch ([`path_canonicalizer`]).
//! The binding pattern (state in a `Native`, the functions bound to it) is the toolkit's.

// Under `cargo test` the napi registration is compiled out, leaving the free functions unused.
#![cfg_attr(test, allow(dead_code))]

use napi::bindgen_prelude::{Int32Array, ObjectFinalize, Uint8Array, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;
use switchyard::router::{
    canonicalize_path, Backslash, Canonical, ConstraintSpec, DotSegments, EncodedSlash,
    JsRouterOptions, Outcome, ParamSpan, PathPolicy, PathScratch, Rejection, Request, RouteError,
    RouteSpec, Router, RouterOptions,
};

use crate::layout::{
    BACKSLASH_KEEP, BACKSLASH_REJECT, BACKSLASH_SLASH, CANONICAL_BYTES_MIN, CANONICAL_LENGTH,
    CANONICAL_OUTPUT_SLOTS, CANONICAL_PATH_END, CANONICAL_SAME, CANONICAL_SEGMENT,
    CONSTRAINT_ABSENT, CONSTRAINT_EQUALS, CONSTRAINT_PATTERN, CONSTRAINT_PRESENT,
    DOT_SEGMENTS_KEEP, DOT_SEGMENTS_REJECT, DOT_SEGMENTS_RESOLVE, ENCODED_SLASH_DECODE,
    ENCODED_SLASH_KEEP, ENCODED_SLASH_REJECT, POLICY_BACKSLASH_SHIFT, POLICY_BITS,
    POLICY_DOT_SEGMENTS_SHIFT, POLICY_ENCODED_SLASH_SHIFT, POLICY_FIELD_MASK,
    POLICY_MALFORMED_LITERAL_SHIFT, POLICY_MERGE_SLASHES_SHIFT, REJECTION_NONE, ROUTER_HEADER_ARGS,
    ROUTER_NO_METHOD, ROUTER_NO_ROUTE, ROUTER_OUTCOME_MATCHED, ROUTER_OUTCOME_METHOD_NOT_ALLOWED,
    ROUTER_OUTCOME_NO_ROUTE, ROUTER_OUTCOME_REJECTED, ROUTER_OUTPUT_SLOTS, ROUTER_PARAM_FIELDS,
    ROUTER_PARAM_SLOTS, ROUTER_RESOLVE_CANONICAL, ROUTER_RESOLVE_OUTCOME, ROUTER_RESOLVE_PATH_END,
    ROUTER_RESOLVE_REJECTION, ROUTER_RESOLVE_SEGMENT,
};
use crate::toolkit::bound::{call, JsFunction, Native};
use crate::toolkit::errors::{guard, internal, to_js};
use crate::toolkit::out::SharedOut;
use crate::toolkit::read::{int32_or, read_str as read_string, read_utf8, utf8_str};
use crate::toolkit::trim::{trim_buffer, Trim, KEEP_BYTES};

fn route_error(err: RouteError) -> napi::Error {
    to_js(&err)
}

/// UTF-16 length of `bytes` (valid UTF-8): one unit per character, two for 4-byte characters.
fn utf16_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// The UTF-16 length of the first `end` bytes of `text`.
fn utf16_index(text: &str, end: usize) -> i32 {
    let head = text.as_bytes().get(..end).unwrap_or(text.as_bytes());
    if text.is_ascii() {
        head.len() as i32
    } else {
        utf16_len(head) as i32
    }
}

fn constraints(
    names: Vec<String>,
    kinds: Vec<u32>,
    values: Vec<String>,
) -> napi::Result<Vec<(String, ConstraintSpec)>> {
    let mut out = Vec::with_capacity(names.len());
    for ((name, kind), value) in names.into_iter().zip(kinds).zip(values) {
        let c = match kind {
            CONSTRAINT_EQUALS => ConstraintSpec::Equals(value),
            CONSTRAINT_PRESENT => ConstraintSpec::Present,
            CONSTRAINT_ABSENT => ConstraintSpec::Absent,
            CONSTRAINT_PATTERN => ConstraintSpec::Pattern(value),
            _ => return Err(internal("unknown constraint kind")),
        };
        out.push((name, c));
    }
    Ok(out)
}

/// The path policy packed as the `POLICY_*` constants of [`crate::layout`] say (the wrapper packs
/// it), or `None` for a number no policy packs to.
fn path_policy(bits: i32) -> Option<PathPolicy> {
    let bits = u32::try_from(bits).ok()?;
    if bits >> POLICY_BITS != 0 {
        return None;
    }
    let field = |shift: u32| bits >> shift & POLICY_FIELD_MASK;
    let flag = |shift: u32| bits >> shift & 1 == 1;
    Some(PathPolicy {
        encoded_slash: match field(POLICY_ENCODED_SLASH_SHIFT) {
            ENCODED_SLASH_DECODE => EncodedSlash::Decode,
            ENCODED_SLASH_KEEP => EncodedSlash::Keep,
            ENCODED_SLASH_REJECT => EncodedSlash::Reject,
            _ => return None,
        },
        malformed_literal: flag(POLICY_MALFORMED_LITERAL_SHIFT),
        dot_segments: match field(POLICY_DOT_SEGMENTS_SHIFT) {
            DOT_SEGMENTS_REJECT => DotSegments::Reject,
            DOT_SEGMENTS_RESOLVE => DotSegments::Resolve,
            DOT_SEGMENTS_KEEP => DotSegments::Keep,
            _ => return None,
        },
        merge_slashes: flag(POLICY_MERGE_SLASHES_SHIFT),
        backslash: match field(POLICY_BACKSLASH_SHIFT) {
            BACKSLASH_REJECT => Backslash::Reject,
            BACKSLASH_SLASH => Backslash::Slash,
            BACKSLASH_KEEP => Backslash::Keep,
            _ => return None,
        },
    })
}

/// Writes `value` at `index` of a shared output; the arrays are checked long enough at
/// construction, so a miss is a layout bug the wrapper's tests catch, not a panic here.
#[inline]
fn put(out: &mut [i32], index: usize, value: i32) {
    if let Some(slot) = out.get_mut(index) {
        *slot = value;
    }
}

/// Copies `canonical` to the start of the shared bytes when it fits; the wrapper reads the
/// length first and re-shares a larger array when it does not.
fn put_bytes(bytes: &mut [u8], canonical: &[u8]) {
    if let Some(head) = bytes.get_mut(..canonical.len()) {
        head.copy_from_slice(canonical);
    }
}

/// Writes param spans into the params region as `[count, (start, end, flags) x count]`, offsets
/// converted from bytes of `path` to UTF-16 indices.
#[inline(always)]
fn write_params(out: &mut [i32], spans: &[ParamSpan], path: &str) {
    let ascii = path.is_ascii();
    let bytes = path.as_bytes();
    let (mut cursor_byte, mut cursor_unit) = (0usize, 0usize);
    let mut to_unit = |byte: usize| -> i32 {
        if ascii {
            return byte as i32;
        }
        if byte < cursor_byte {
            cursor_byte = 0;
            cursor_unit = 0;
        }
        cursor_unit += utf16_len(bytes.get(cursor_byte..byte).unwrap_or(&[]));
        cursor_byte = byte;
        cursor_unit as i32
    };
    let Some((head, fields)) = out
        .get_mut(..ROUTER_PARAM_SLOTS)
        .and_then(|region| region.split_first_mut())
    else {
        return;
    };
    let mut count = 0;
    // Zipped chunks: no index is bounds-checked per span, and at most what fits is written.
    for (span, slots) in spans
        .iter()
        .zip(fields.chunks_exact_mut(ROUTER_PARAM_FIELDS))
    {
        slots[0] = to_unit(span.start as usize);
        slots[1] = to_unit(span.end as usize);
        slots[2] = i32::from(span.flags);
        count += 1;
    }
    *head = count;
}

/// What the class and its `match` and `resolve` functions share.
struct Shared {
    lookup: Lookup,
    /// Where the header values of a call of the bound functions with headers are copied, one
    /// buffer per header slot, reused from call to call. Beside [`Lookup`], not in it, so that
    /// the values can borrow them while the lookup borrows the rest.
    header_buffers: [Vec<u8>; ROUTER_HEADER_ARGS],
}

/// The router and the memory a lookup reads its strings into and writes its answer to.
struct Lookup {
    router: Router,
    out: SharedOut<Int32Array>,
    /// Where `resolve` writes a canonical path that differs from the request's.
    bytes: SharedOut<Uint8Array>,
    buffers: Buffers,
}

/// Inputs up to this many bytes grow no buffer of a lookup past [`KEEP_BYTES`]: the largest
/// per-input growth is the router's segment list, one 48-byte entry per byte at most (12 KiB
/// here), then its query and canonical-path buffers (a few bytes per byte); the string buffers
/// start larger than this.
const SMALL_INPUT: usize = 256;

impl Trim for Shared {
    /// Skipped after calls whose strings were all small ([`SMALL_INPUT`]): checking the dozen
    /// buffers of the router's working memory cost about 80 instructions a match, for nothing.
    fn trim(&mut self) {
        if std::mem::take(&mut self.lookup.buffers.largest) <= SMALL_INPUT {
            return;
        }
        trim_buffer(&mut self.lookup.buffers.path);
        trim_buffer(&mut self.lookup.buffers.host);
        for buffer in &mut self.header_buffers {
            trim_buffer(buffer);
        }
        if self.lookup.router.shrink_scratch(KEEP_BYTES) {
            // The joined param of this match was kept for the wrapper to read: the next call
            // trims whatever its inputs.
            self.lookup.buffers.largest = usize::MAX;
        }
    }
}

impl Trim for Canonicalizer {
    fn trim(&mut self) {
        trim_buffer(&mut self.buf);
        self.scratch.shrink(KEEP_BYTES);
    }
}

/// Where a hot call's path and host strings are copied, reused from call to call.
struct Buffers {
    path: Vec<u8>,
    host: Vec<u8>,
    /// The longest string (bytes) a call read since the last trim: whether it must look for
    /// buffers to shrink.
    largest: usize,
}

/// [`read_string`] that counts the bytes read into `largest` (a read that fails, for a value
/// that is not a string, fails before growing the buffer).
#[inline]
fn read_counted<'b>(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &'b mut Vec<u8>,
    largest: &mut usize,
) -> Option<&'b str> {
    let bytes = read_utf8(env, value, buf).ok()?;
    *largest = (*largest).max(bytes.len());
    utf8_str(bytes)
}

impl Buffers {
    /// The path and host of a `match` or `resolve` call, or `None` when the path is not a
    /// string. The host is read only when `read_host` (some route is host-bound), so a host-less
    /// table pays nothing for it.
    #[inline]
    fn read(
        &mut self,
        env: sys::napi_env,
        path: sys::napi_value,
        host: sys::napi_value,
        read_host: bool,
    ) -> Option<(&str, Option<&str>)> {
        let largest = &mut self.largest;
        let path = read_counted(env, path, &mut self.path, largest)?;
        let host = if read_host {
            read_counted(env, host, &mut self.host, largest)
        } else {
            None
        };
        Some((path, host))
    }
}

impl Lookup {
    /// Matches and writes the winner's param spans (as UTF-16 offsets) into the shared array.
    fn run(
        &mut self,
        env: sys::napi_env,
        method: i32,
        path: sys::napi_value,
        host: sys::napi_value,
        headers: &[Option<&str>],
    ) -> i32 {
        let read_host = self.router.has_host_routes();
        let Some((path, host)) = self.buffers.read(env, path, host, read_host) else {
            return ROUTER_NO_ROUTE;
        };
        let Some(id) = self.router.find(&Request {
            method,
            path,
            host,
            headers,
        }) else {
            return ROUTER_NO_ROUTE;
        };
        write_params(self.out.elements(), self.router.params(), path);
        id as i32
    }

    /// Resolves and writes the outcome into the `ROUTER_RESOLVE_*` slots; returns the route id
    /// or [`ROUTER_NO_ROUTE`].
    fn resolve(
        &mut self,
        env: sys::napi_env,
        method: i32,
        path: sys::napi_value,
        host: sys::napi_value,
        headers: &[Option<&str>],
    ) -> i32 {
        let out = self.out.elements();
        let read_host = self.router.has_host_routes();
        let Some((path, host)) = self.buffers.read(env, path, host, read_host) else {
            put(out, ROUTER_RESOLVE_OUTCOME, ROUTER_OUTCOME_REJECTED);
            put(
                out,
                ROUTER_RESOLVE_REJECTION,
                Rejection::NotOriginForm.index(),
            );
            put(out, ROUTER_RESOLVE_SEGMENT, 0);
            return ROUTER_NO_ROUTE;
        };
        let id = match self.router.resolve(&Request {
            method,
            path,
            host,
            headers,
        }) {
            Outcome::Matched(id) => {
                write_params(out, self.router.params(), path);
                put(out, ROUTER_RESOLVE_OUTCOME, ROUTER_OUTCOME_MATCHED);
                id as i32
            }
            Outcome::NoRoute => {
                put(out, ROUTER_RESOLVE_OUTCOME, ROUTER_OUTCOME_NO_ROUTE);
                ROUTER_NO_ROUTE
            }
            Outcome::MethodNotAllowed => {
                // `[count, id...]` in the params region; the count says how many there are even
                // when they do not all fit (the wrapper then asks `allowedMethods`).
                let mut count = 0usize;
                for method in self.router.allowed_methods() {
                    count += 1;
                    if count < ROUTER_PARAM_SLOTS {
                        put(out, count, method as i32);
                    }
                }
                put(out, 0, count as i32);
                put(
                    out,
                    ROUTER_RESOLVE_OUTCOME,
                    ROUTER_OUTCOME_METHOD_NOT_ALLOWED,
                );
                ROUTER_NO_ROUTE
            }
            Outcome::Rejected(rejected) => {
                put(out, ROUTER_RESOLVE_OUTCOME, ROUTER_OUTCOME_REJECTED);
                put(out, ROUTER_RESOLVE_REJECTION, rejected.rejection.index());
                put(out, ROUTER_RESOLVE_SEGMENT, rejected.segment as i32);
                return ROUTER_NO_ROUTE;
            }
        };
        match self.router.canonical_path(path) {
            Canonical::Same(end) => {
                put(out, ROUTER_RESOLVE_CANONICAL, CANONICAL_SAME);
                put(out, ROUTER_RESOLVE_PATH_END, utf16_index(path, end));
            }
            Canonical::Bytes(canonical) => {
                put(out, ROUTER_RESOLVE_CANONICAL, canonical.len() as i32);
                put_bytes(self.bytes.elements(), canonical);
            }
        }
        id
    }
}

/// The native router. Internal: `Router` of `@switchyard/node` wraps it.
#[napi(custom_finalize)]
pub struct NativeRouter {
    shared: Native<Shared>,
}

impl ObjectFinalize for NativeRouter {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.shared.release(env.raw());
        Ok(())
    }
}

#[napi]
impl NativeRouter {
    /// Options as their JS values (`undefined` = default), the shared output array (at least
    /// `ROUTER_OUTPUT_SLOTS` elements), the shared canonical bytes (at least
    /// `CANONICAL_BYTES_MIN`) and the seed of the tables over request text (`undefined` = 0;
    /// the wrapper passes the process's random seed unless the caller fixed one).
    #[napi(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        env: Env,
        case_sensitive: Option<bool>,
        trailing_slash: Option<String>,
        max_param_length: Option<f64>,
        encoded_slash: Option<String>,
        malformed_encoding: Option<String>,
        dot_segments: Option<String>,
        merge_slashes: Option<bool>,
        backslash: Option<String>,
        out: Int32Array,
        bytes: Uint8Array,
        seed: Option<f64>,
    ) -> napi::Result<Self> {
        guard("Router constructor", || {
            let opts = RouterOptions::from_js(&JsRouterOptions {
                case_sensitive,
                trailing_slash: trailing_slash.as_deref(),
                max_param_length,
                encoded_slash: encoded_slash.as_deref(),
                malformed_encoding: malformed_encoding.as_deref(),
                dot_segments: dot_segments.as_deref(),
                merge_slashes,
                backslash: backslash.as_deref(),
                seed,
            })
            .map_err(route_error)?;
            let out = SharedOut::new(out, ROUTER_OUTPUT_SLOTS, "router output")?;
            let bytes = SharedOut::new(bytes, CANONICAL_BYTES_MIN, "router canonical bytes")?;
            let shared = Native::new(env.raw(), || {
                Ok(Shared {
                    lookup: Lookup {
                        router: Router::new(opts),
                        out,
                        bytes,
                        buffers: Buffers {
                            path: Vec::with_capacity(1024),
                            host: Vec::with_capacity(256),
                            largest: 0,
                        },
                    },
                    header_buffers: Default::default(),
                })
            })?;
            Ok(NativeRouter { shared })
        })
    }

    /// Adds a route (fields as `readRouteSpec` returns them; constraints as parallel arrays with
    /// kinds 0 equals, 1 present, 2 absent, 3 pattern). Returns the route id.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &self,
        env: Env,
        path: String,
        methods: Option<Vec<String>>,
        host: Option<String>,
        header_names: Vec<String>,
        header_kinds: Vec<u32>,
        header_values: Vec<String>,
        query_keys: Vec<String>,
        query_kinds: Vec<u32>,
        query_values: Vec<String>,
        priority: f64,
    ) -> napi::Result<u32> {
        guard("Router.add", || {
            let spec = RouteSpec {
                path,
                methods,
                host,
                headers: constraints(header_names, header_kinds, header_values)?,
                query: constraints(query_keys, query_kinds, query_values)?,
                priority,
            };
            self.shared
                .update(env.raw(), |shared| shared.lookup.router.add(&spec))?
                .map_err(route_error)
        })
    }

    /// Param names of a route, in the order of the shared output.
    #[napi]
    pub fn param_names(&self, route: u32) -> napi::Result<Vec<String>> {
        guard("Router.paramNames", || {
            self.shared
                .read(|shared| shared.lookup.router.param_names(route).to_vec())
        })
    }

    /// Header names (lower case) constraints refer to, by slot, from slot `from` (default 0):
    /// the wrapper asks only for the slots it does not have, so adding N routes is linear.
    #[napi]
    pub fn header_slots(&self, from: Option<u32>) -> napi::Result<Vec<String>> {
        guard("Router.headerSlots", || {
            self.shared.read(|shared| {
                let slots = shared.lookup.router.header_slots();
                slots
                    .get(from.unwrap_or(0) as usize..)
                    .unwrap_or_default()
                    .to_vec()
            })
        })
    }

    /// Whether some route has an exact or wildcard host.
    #[napi]
    pub fn has_host_routes(&self) -> napi::Result<bool> {
        guard("Router.hasHostRoutes", || {
            self.shared
                .read(|shared| shared.lookup.router.has_host_routes())
        })
    }

    /// Id of a request method, -1 when no route lists it (then only any-method routes match).
    #[napi]
    pub fn method_id(&self, env: Env, method: String) -> napi::Result<i32> {
        guard("Router.methodId", || {
            self.shared.update(env.raw(), |shared| {
                // The router upper-cases the method in a reused buffer: a long one is trimmed
                // after the next hot call.
                let buffers = &mut shared.lookup.buffers;
                buffers.largest = buffers.largest.max(method.len());
                shared.lookup.router.method_id(&method)
            })
        })
    }

    /// For the wrapper's static fast path: `[key, method, route, method, route, ...]` for a
    /// fully static route (method `""` = a request without method), or `[]`.
    #[napi]
    pub fn static_answers(&self, route: u32) -> napi::Result<Vec<String>> {
        guard("Router.staticAnswers", || {
            self.shared.read(|shared| {
                let mut out = Vec::new();
                if let Some((key, answers)) = shared.lookup.router.static_answers(route) {
                    out.push(key.to_owned());
                    for (method, id) in answers {
                        out.push(method.unwrap_or_default());
                        out.push(id.to_string());
                    }
                }
                out
            })
        })
    }

    /// The hot call as a plain N-API function bound to this router:
    /// `(methodId, path, host?) => routeId | -1`, params in the shared output.
    #[napi]
    pub fn matcher(&self, env: Env) -> napi::Result<JsFunction> {
        guard("Router.matcher", || {
            self.shared.bind(env.raw(), c"match", raw_match)
        })
    }

    /// The `resolve` hot call as a plain N-API function bound to this router, like `matcher()`:
    /// `(methodId, path, host?) => routeId | -1`, the outcome in the shared output
    /// (`ROUTER_RESOLVE_*`) and a canonical path that differs from the request's in the shared
    /// bytes.
    #[napi]
    pub fn resolver(&self, env: Env) -> napi::Result<JsFunction> {
        guard("Router.resolver", || {
            self.shared.bind(env.raw(), c"resolve", raw_resolve)
        })
    }

    /// `match` for a table with header constraints, bound like `matcher()`:
    /// `(methodId, path, host?, value0?, ..., value7?) => routeId | -1`, one header value per
    /// slot of `headerSlots()` (`undefined` = absent; at most `ROUTER_HEADER_ARGS` slots), each
    /// copied into a buffer reused from call to call: no array, no allocation per call.
    #[napi]
    pub fn matcher_with_headers(&self, env: Env) -> napi::Result<JsFunction> {
        guard("Router.matcherWithHeaders", || {
            self.shared
                .bind(env.raw(), c"matchWithHeaders", raw_match_with_headers)
        })
    }

    /// `resolve` for a table with header constraints, as `matcherWithHeaders()` for `match`.
    #[napi]
    pub fn resolver_with_headers(&self, env: Env) -> napi::Result<JsFunction> {
        guard("Router.resolverWithHeaders", || {
            self.shared
                .bind(env.raw(), c"resolveWithHeaders", raw_resolve_with_headers)
        })
    }

    /// Shares a larger array for canonical paths, replacing the one given at construction: the
    /// wrapper's answer to a canonical path longer than the array (its length was written).
    #[napi]
    pub fn share_canonical_bytes(&self, env: Env, bytes: Uint8Array) -> napi::Result<()> {
        guard("Router.shareCanonicalBytes", || {
            self.shared.update(env.raw(), |shared| {
                shared
                    .lookup
                    .bytes
                    .reshare(bytes, CANONICAL_BYTES_MIN, "router canonical bytes")
            })?
        })
    }

    /// As `match`, with the values of the headers in `headerSlots()` order (`undefined` = absent).
    /// Only tables with header constraints take this (slower, allocating) path.
    #[napi]
    pub fn match_with_headers(
        &self,
        env: Env,
        method: i32,
        path: Unknown,
        host: Unknown,
        headers: Vec<Option<String>>,
    ) -> napi::Result<i32> {
        self.with_headers(env, "Router.matchWithHeaders", &headers, |shared, slots| {
            shared
                .lookup
                .run(env.raw(), method, path.raw(), host.raw(), slots)
        })
    }

    /// As `resolve`, with the values of the headers in `headerSlots()` order.
    #[napi]
    pub fn resolve_with_headers(
        &self,
        env: Env,
        method: i32,
        path: Unknown,
        host: Unknown,
        headers: Vec<Option<String>>,
    ) -> napi::Result<i32> {
        self.with_headers(
            env,
            "Router.resolveWithHeaders",
            &headers,
            |shared, slots| {
                shared
                    .lookup
                    .resolve(env.raw(), method, path.raw(), host.raw(), slots)
            },
        )
    }

    /// The value of the param the last match flagged as joined (a wildcard over segments that
    /// canonicalization moved together). Rare: only requests with resolved dot segments, merged
    /// slashes or backslash separators take it.
    #[napi]
    pub fn joined_param(&self) -> napi::Result<String> {
        guard("Router.joinedParam", || {
            self.shared
                .read(|shared| shared.lookup.router.joined_param().to_owned())
        })
    }

    /// The methods of the last `resolve` that answered "method not allowed", in name order: for
    /// a table with more distinct methods than the params region holds.
    #[napi]
    pub fn allowed_methods(&self) -> napi::Result<Vec<String>> {
        guard("Router.allowedMethods", || {
            self.shared.read(|shared| {
                let names = shared.lookup.router.method_names();
                shared
                    .lookup
                    .router
                    .allowed_methods()
                    .filter_map(|m| names.get(m as usize).cloned())
                    .collect()
            })
        })
    }

    /// Method names by id, as `methodId` numbers them, from id `from` (default 0), like
    /// `headerSlots`.
    #[napi]
    pub fn method_names(&self, from: Option<u32>) -> napi::Result<Vec<String>> {
        guard("Router.methodNames", || {
            self.shared.read(|shared| {
                let names = shared.lookup.router.method_names();
                names
                    .get(from.unwrap_or(0) as usize..)
                    .unwrap_or_default()
                    .to_vec()
            })
        })
    }
}

impl NativeRouter {
    /// What `matchWithHeaders` and `resolveWithHeaders` share: the header values borrowed as the
    /// core takes them (the one allocation of this slower path), then `body` on the shared state.
    fn with_headers(
        &self,
        env: Env,
        what: &str,
        headers: &[Option<String>],
        body: impl FnOnce(&mut Shared, &[Option<&str>]) -> i32,
    ) -> napi::Result<i32> {
        guard(what, || {
            let slots: Vec<Option<&str>> = headers.iter().map(Option::as_deref).collect();
            self.shared.update(env.raw(), |shared| body(shared, &slots))
        })
    }
}

unsafe extern "C" fn raw_match(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `matcher` binds this callback to a `Native<Shared>`.
    unsafe { raw_call(env, info, "Router.match", Lookup::run) }
}

unsafe extern "C" fn raw_resolve(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `resolver` binds this callback to a `Native<Shared>`.
    unsafe { raw_call(env, info, "Router.resolve", Lookup::resolve) }
}

unsafe extern "C" fn raw_match_with_headers(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `matcher_with_headers` binds this callback to a `Native<Shared>`.
    unsafe { raw_call_with_headers(env, info, "Router.matchWithHeaders", Lookup::run) }
}

unsafe extern "C" fn raw_resolve_with_headers(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `resolver_with_headers` binds this callback to a `Native<Shared>`.
    unsafe { raw_call_with_headers(env, info, "Router.resolveWithHeaders", Lookup::resolve) }
}

/// [`raw_call`] with the header values as arguments after the host: each is copied into its
/// slot's reused buffer and the core gets them as a slice borrowed from a stack array.
///
/// # Safety
/// As [`call`]: `info` is a call of a function bound to a `Native<Shared>`.
#[inline]
unsafe fn raw_call_with_headers<F>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    what: &str,
    body: F,
) -> sys::napi_value
where
    F: FnOnce(
        &mut Lookup,
        sys::napi_env,
        i32,
        sys::napi_value,
        sys::napi_value,
        &[Option<&str>],
    ) -> i32,
{
    // SAFETY: passed on from this function's contract.
    unsafe {
        call(
            env,
            info,
            what,
            |shared: &mut Shared, args: [sys::napi_value; 3 + ROUTER_HEADER_ARGS]| {
                let [method, path, host, values @ ..] = args;
                let count = shared.lookup.router.header_slots().len();
                if count > ROUTER_HEADER_ARGS {
                    return Err(Box::new(internal(&format!(
                        "{what}: the table has {count} header slots, more than the {ROUTER_HEADER_ARGS} arguments"
                    ))));
                }
                let method = int32_or(env, method, ROUTER_NO_METHOD);
                let Shared {
                    lookup,
                    header_buffers,
                } = shared;
                let mut slots: [Option<&str>; ROUTER_HEADER_ARGS] = [None; ROUTER_HEADER_ARGS];
                for ((slot, buf), value) in slots
                    .iter_mut()
                    .zip(header_buffers.iter_mut())
                    .zip(values)
                    .take(count)
                {
                    *slot = read_counted(env, value, buf, &mut lookup.buffers.largest);
                }
                Ok(body(
                    lookup,
                    env,
                    method,
                    path,
                    host,
                    slots.get(..count).unwrap_or(&[]),
                ))
            },
        )
    }
}

/// What `match` and `resolve` share: the `(methodId, path, host?)` arguments read as
/// `Shared::run` and `Shared::resolve` take them, with no header values. Generic over `body` so
/// each caller gets its own copy with a direct call, as when the body was written out in each.
///
/// # Safety
/// As [`call`]: `info` is a call of a function bound to a `Native<Shared>`.
#[inline]
unsafe fn raw_call<F>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    what: &str,
    body: F,
) -> sys::napi_value
where
    F: FnOnce(
        &mut Lookup,
        sys::napi_env,
        i32,
        sys::napi_value,
        sys::napi_value,
        &[Option<&str>],
    ) -> i32,
{
    // SAFETY: passed on from this function's contract.
    unsafe {
        call(
            env,
            info,
            what,
            |shared: &mut Shared, [method, path, host]| {
                let method = int32_or(env, method, ROUTER_NO_METHOD);
                Ok(body(&mut shared.lookup, env, method, path, host, &[]))
            },
        )
    }
}

/// State of a `canonicalizePath` function: its scratch, its string buffer and its shared
/// outputs (`CANONICAL_*` slots, and the bytes of a canonical path that differs from the
/// target's).
struct Canonicalizer {
    scratch: PathScratch,
    buf: Vec<u8>,
    out: SharedOut<Int32Array>,
    bytes: SharedOut<Uint8Array>,
}

impl Canonicalizer {
    /// Canonicalizes `target` under the packed `policy`: [`REJECTION_NONE`] with the path in the
    /// outputs, or the rejection index with its segment.
    fn run(
        &mut self,
        env: sys::napi_env,
        policy: i32,
        target: sys::napi_value,
    ) -> napi::Result<i32> {
        let policy = path_policy(policy).ok_or_else(|| {
            internal(&format!(
                "canonicalizePath: the policy number {policy} packs no policy"
            ))
        })?;
        let out = self.out.elements();
        let Some(target) = read_string(env, target, &mut self.buf) else {
            put(out, CANONICAL_SEGMENT, 0);
            return Ok(Rejection::NotOriginForm.index());
        };
        Ok(
            match canonicalize_path(target, &policy, &mut self.scratch) {
                Ok(Canonical::Same(end)) => {
                    put(out, CANONICAL_LENGTH, CANONICAL_SAME);
                    put(out, CANONICAL_PATH_END, utf16_index(target, end));
                    REJECTION_NONE
                }
                Ok(Canonical::Bytes(canonical)) => {
                    put(out, CANONICAL_LENGTH, canonical.len() as i32);
                    put_bytes(self.bytes.elements(), canonical);
                    REJECTION_NONE
                }
                Err(rejected) => {
                    put(out, CANONICAL_SEGMENT, rejected.segment as i32);
                    rejected.rejection.index()
                }
            },
        )
    }
}

/// `canonicalizePath` as a plain N-API function with its own scratch:
/// `(policy, target) => REJECTION_NONE | rejection index`, writing `out` (at least
/// `CANONICAL_OUTPUT_SLOTS`) and `bytes` (at least `CANONICAL_BYTES_MIN`). The policy comes packed
/// (`POLICY_*` of [`crate::layout`]), so a call takes two primitives. A canonical path longer
/// than `bytes` has its length written only: the wrapper makes a new function with more bytes.
#[napi]
pub fn path_canonicalizer(
    env: Env,
    out: Int32Array,
    bytes: Uint8Array,
) -> napi::Result<JsFunction> {
    guard("pathCanonicalizer", || {
        let out = SharedOut::new(out, CANONICAL_OUTPUT_SLOTS, "canonicalizePath output")?;
        let bytes = SharedOut::new(bytes, CANONICAL_BYTES_MIN, "canonicalizePath bytes")?;
        let state = Native::new(env.raw(), || {
            Ok(Canonicalizer {
                scratch: PathScratch::default(),
                buf: Vec::with_capacity(1024),
                out,
                bytes,
            })
        })?;
        let function = state.bind(env.raw(), c"canonicalizePath", raw_canonicalize);
        // From here on the function alone holds the state (nothing does when binding failed).
        state.release(env.raw());
        function
    })
}

unsafe extern "C" fn raw_canonicalize(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `path_canonicalizer` binds this callback to a `Native<Canonicalizer>`.
    unsafe {
        call(
            env,
            info,
            "canonicalizePath",
            |state: &mut Canonicalizer, [policy, target]| {
                let policy = int32_or(env, policy, -1);
                state.run(env, policy, target).map_err(Box::new)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wrapper's packing (packages/node/src/router/native-router.ts), written with the same
    /// layout constants.
    fn pack(p: &PathPolicy) -> i32 {
        let slash = match p.encoded_slash {
            EncodedSlash::Decode => ENCODED_SLASH_DECODE,
            EncodedSlash::Keep => ENCODED_SLASH_KEEP,
            EncodedSlash::Reject => ENCODED_SLASH_REJECT,
        };
        let dots = match p.dot_segments {
            DotSegments::Reject => DOT_SEGMENTS_REJECT,
            DotSegments::Resolve => DOT_SEGMENTS_RESOLVE,
            DotSegments::Keep => DOT_SEGMENTS_KEEP,
        };
        let backslash = match p.backslash {
            Backslash::Reject => BACKSLASH_REJECT,
            Backslash::Slash => BACKSLASH_SLASH,
            Backslash::Keep => BACKSLASH_KEEP,
        };
        let bits = slash << POLICY_ENCODED_SLASH_SHIFT
            | u32::from(p.malformed_literal) << POLICY_MALFORMED_LITERAL_SHIFT
            | dots << POLICY_DOT_SEGMENTS_SHIFT
            | u32::from(p.merge_slashes) << POLICY_MERGE_SLASHES_SHIFT
            | backslash << POLICY_BACKSLASH_SHIFT;
        bits as i32
    }

    #[test]
    fn every_policy_number_decodes_to_the_policy_it_packs_or_to_none() {
        let mut policies = 0;
        for bits in -2..1024 {
            if let Some(policy) = path_policy(bits) {
                assert_eq!(pack(&policy), bits);
                policies += 1;
            }
        }
        // 3 encodedSlash x 2 malformedEncoding x 3 dotSegments x 2 mergeSlashes x 3 backslash.
        assert_eq!(policies, 108);
        assert_eq!(
            path_policy(pack(&PathPolicy::default())),
            Some(PathPolicy::default())
        );
    }

    #[test]
    fn rejection_indexes_are_one_to_count() {
        for (i, rejection) in Rejection::ALL.iter().enumerate() {
            assert_eq!(rejection.index(), i as i32 + 1);
            assert_ne!(rejection.index(), REJECTION_NONE);
        }
    }
}
