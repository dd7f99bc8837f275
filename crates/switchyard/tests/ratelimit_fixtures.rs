//! Golden vectors shared with the TS suite (fixtures/ratelimit.json): the key hash, and scenarios
//! of takes, peeks, resets, sizes and slots that both implementations must reproduce exactly.

use serde::Deserialize;
use switchyard::ratelimit::{
    key_hash, Decision, Limiter, Policy, RateLimiter, SlidingWindowLimiter,
};

#[derive(Deserialize)]
struct Fixtures {
    hash: Vec<HashVector>,
    #[serde(rename = "tokenBucket")]
    token_bucket: Vec<Scenario<BucketOptions>>,
    #[serde(rename = "slidingWindow")]
    sliding_window: Vec<Scenario<WindowOptions>>,
}

#[derive(Deserialize)]
struct HashVector {
    seed: u32,
    utf8: String,
    hash: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BucketOptions {
    capacity: u64,
    refill_per_second: f64,
    max_keys: u64,
    seed: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WindowOptions {
    limit: u64,
    window_ms: u64,
    max_keys: u64,
    seed: u32,
}

#[derive(Deserialize)]
struct Scenario<O> {
    name: String,
    options: O,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    op: String,
    key: Option<String>,
    now_ms: Option<u64>,
    cost: Option<u64>,
    expect: serde_json::Value,
}

fn load() -> Fixtures {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/ratelimit.json");
    let text = std::fs::read_to_string(path).expect("fixtures/ratelimit.json is readable");
    serde_json::from_str(&text).expect("fixtures/ratelimit.json parses")
}

fn bytes_of_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex byte"))
        .collect()
}

fn decision_json(d: Decision) -> serde_json::Value {
    serde_json::json!({
        "allowed": d.allowed,
        "limit": d.limit,
        "remaining": d.remaining,
        "retryAfterMs": d.retry_after_ms,
        "resetMs": d.reset_ms,
    })
}

fn replay<P: Policy>(name: &str, mut limiter: Limiter<P>, steps: &[Step]) {
    for (i, step) in steps.iter().enumerate() {
        let key = step.key.as_deref().unwrap_or("").as_bytes();
        let (now, cost) = (step.now_ms.unwrap_or(0), step.cost.unwrap_or(1));
        let got = match step.op.as_str() {
            "take" => decision_json(limiter.take(key, now, cost).expect("valid step")),
            "peek" => decision_json(limiter.peek(key, now, cost).expect("valid step")),
            "reset" => serde_json::json!(limiter.reset(key)),
            "size" => serde_json::json!(limiter.size()),
            "slotOf" => serde_json::json!(limiter.slot_of(key).map_or(-1, |s| s as i64)),
            other => panic!("unknown op {other}"),
        };
        assert_eq!(got, step.expect, "{name}, step {i} ({})", step.op);
    }
}

#[test]
fn key_hash_matches_the_golden_vectors() {
    let fixtures = load();
    assert!(fixtures.hash.len() >= 10);
    for v in &fixtures.hash {
        let got = format!("{:016x}", key_hash(&bytes_of_hex(&v.utf8), v.seed));
        assert_eq!(got, v.hash, "utf8 {} seed {}", v.utf8, v.seed);
    }
}

#[test]
fn token_bucket_scenarios_match_the_golden_vectors() {
    let scenarios = load().token_bucket;
    assert!(!scenarios.is_empty());
    for s in scenarios {
        let o = &s.options;
        let refill = (o.refill_per_second * 1000.0).round() as u64;
        let limiter =
            RateLimiter::new(o.capacity, refill, o.max_keys, o.seed).expect("valid options");
        replay(&s.name, limiter, &s.steps);
    }
}

#[test]
fn sliding_window_scenarios_match_the_golden_vectors() {
    let scenarios = load().sliding_window;
    assert!(!scenarios.is_empty());
    for s in scenarios {
        let o = &s.options;
        let limiter = SlidingWindowLimiter::new(o.limit, o.window_ms, o.max_keys, o.seed)
            .expect("valid options");
        replay(&s.name, limiter, &s.steps);
    }
}
