//! The path canonicalizer (spec §4.1) on any target under any policy: it never panics, and a
//! canonical path is a fixed point (canonicalizing it again gives it back unchanged).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use switchyard::router::canonical::{canonicalize_path, Canonical, PathScratch};
use switchyard::router::{Backslash, DotSegments, EncodedSlash, PathPolicy};

#[derive(Debug, Arbitrary)]
struct Input {
    target: String,
    encoded_slash: u8,
    malformed_literal: bool,
    dot_segments: u8,
    merge_slashes: bool,
    backslash: u8,
}

fn policy(input: &Input) -> PathPolicy {
    PathPolicy {
        encoded_slash: match input.encoded_slash % 3 {
            0 => EncodedSlash::Decode,
            1 => EncodedSlash::Keep,
            _ => EncodedSlash::Reject,
        },
        malformed_literal: input.malformed_literal,
        dot_segments: match input.dot_segments % 3 {
            0 => DotSegments::Reject,
            1 => DotSegments::Resolve,
            _ => DotSegments::Keep,
        },
        merge_slashes: input.merge_slashes,
        backslash: match input.backslash % 3 {
            0 => Backslash::Reject,
            1 => Backslash::Slash,
            _ => Backslash::Keep,
        },
    }
}

fn canonical(target: &str, policy: &PathPolicy, scratch: &mut PathScratch) -> Option<String> {
    match canonicalize_path(target, policy, scratch) {
        Ok(Canonical::Same(end)) => Some(target[..end].to_owned()),
        Ok(Canonical::Bytes(bytes)) => Some(
            String::from_utf8(bytes.to_vec()).expect("a canonical path is ASCII (escapes for the rest)"),
        ),
        Err(_) => None,
    }
}

fuzz_target!(|input: Input| {
    let policy = policy(&input);
    let mut scratch = PathScratch::default();
    if let Some(once) = canonical(&input.target, &policy, &mut scratch) {
        let twice = canonical(&once, &policy, &mut scratch);
        assert_eq!(twice.as_deref(), Some(once.as_str()), "not a fixed point: {:?}", input.target);
    }
});
