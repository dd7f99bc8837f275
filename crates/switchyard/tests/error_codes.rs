//! The Rust code set is `ErrorCodes` of `@switchyard/core`: read from packages/core/src/errors.ts,
//! key for key, so a code added on one side only fails here (the vitest side compares the
//! addon's export with the TS object, see tests/node/layout.test.ts).

use std::path::PathBuf;

use switchyard::error::ERROR_CODES;

/// `key: 'SWITCHYARD_...'` pairs inside `export const ErrorCodes = { ... }`.
fn ts_error_codes() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../packages/core/src/errors.ts");
    let text = std::fs::read_to_string(&path).expect("packages/core/src/errors.ts is readable");
    let start = text
        .find("export const ErrorCodes = {")
        .expect("errors.ts declares `export const ErrorCodes = {`");
    let body = &text[start..];
    let body = &body[..body.find('}').expect("ErrorCodes object is closed")];
    body.lines()
        .filter_map(|line| {
            let (key, value) = line.trim().trim_end_matches(',').split_once(':')?;
            let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
            Some((key.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

#[test]
fn rust_error_codes_equal_the_ts_error_codes() {
    let mut ts = ts_error_codes();
    let mut rust: Vec<(String, String)> = ERROR_CODES
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert!(ts.len() >= 8, "parsed too few codes from errors.ts: {ts:?}");
    ts.sort();
    rust.sort();
    assert_eq!(
        rust, ts,
        "crates/switchyard/src/error.rs and packages/core/src/errors.ts list different codes"
    );
}
