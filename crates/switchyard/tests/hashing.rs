//! Cargo side of the hashing spec: the shared golden vectors (fixtures/hashing.json) and the
//! invariants of every algorithm. The TypeScript reference runs the same checks in
//! tests/hashing/.

use serde::Deserialize;
use switchyard::hashing::{
    key_hash, Algorithm, ConsistentHash, HashingError, NodeSpec, Options, SplitTarget,
    WeightedSplit,
};

#[derive(Deserialize)]
struct KeyVector {
    name: String,
    utf16: Vec<u16>,
    utf8: String,
    hi: u32,
    lo: u32,
}

#[derive(Deserialize)]
struct PickVector {
    algorithm: String,
    nodes: Vec<(String, f64)>,
    keys: Vec<String>,
    picks: Vec<String>,
    #[serde(rename = "pickN")]
    pick_n: Vec<Vec<String>>,
}

#[derive(Deserialize)]
struct Fixtures {
    keys: Vec<KeyVector>,
    #[serde(default)]
    picks: Vec<PickVector>,
}

fn fixtures() -> Fixtures {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/hashing.json");
    let text = std::fs::read_to_string(path).expect("fixtures/hashing.json is readable");
    serde_json::from_str(&text).expect("fixtures/hashing.json parses")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn key_hash_matches_the_golden_vectors() {
    let fixtures = fixtures();
    assert!(fixtures.keys.len() >= 10);
    for v in &fixtures.keys {
        // The encoding rule: UTF-16 code units to UTF-8, lone surrogates to U+FFFD.
        let key = String::from_utf16_lossy(&v.utf16);
        assert_eq!(hex(key.as_bytes()), v.utf8, "{}: utf8 bytes", v.name);
        let h = key_hash(key.as_bytes());
        assert_eq!((h.hi, h.lo), (v.hi, v.lo), "{}", v.name);
    }
}

#[test]
fn picks_match_the_golden_vectors() {
    let fixtures = fixtures();
    assert_eq!(fixtures.picks.len(), 4);
    for v in fixtures.picks {
        let nodes = v
            .nodes
            .iter()
            .map(|(id, w)| NodeSpec::weighted(id.clone(), *w))
            .collect();
        let options = Options {
            algorithm: Algorithm::parse(&v.algorithm).expect("known algorithm"),
            ..Options::default()
        };
        let mut hash = ConsistentHash::new(nodes, options).expect("valid fixture");
        for (i, key) in v.keys.iter().enumerate() {
            assert_eq!(
                hash.pick(key).expect("pick"),
                v.picks[i],
                "{} {key}",
                v.algorithm
            );
            let order = hash.pick_n(key, 3).expect("pick_n");
            assert_eq!(order, v.pick_n[i], "{} {key}", v.algorithm);
        }
    }
}

const ALGORITHMS: [Algorithm; 4] = [
    Algorithm::Ring,
    Algorithm::Maglev,
    Algorithm::Rendezvous,
    Algorithm::Jump,
];

fn build(algorithm: Algorithm, n: usize) -> ConsistentHash {
    let nodes = (0..n).map(|i| NodeSpec::new(format!("node-{i}"))).collect();
    let options = Options {
        algorithm,
        ..Options::default()
    };
    ConsistentHash::new(nodes, options).expect("valid nodes")
}

fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("key-{i}")).collect()
}

fn picks(hash: &ConsistentHash, keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|k| hash.pick(k).expect("pick").to_owned())
        .collect()
}

#[test]
fn removing_a_node_moves_only_its_keys() {
    let keys = keys(5000);
    for algorithm in [Algorithm::Ring, Algorithm::Rendezvous] {
        let mut hash = build(algorithm, 20);
        let before = picks(&hash, &keys);
        hash.remove("node-7").expect("known node");
        let mut moved = 0;
        for (key, was) in keys.iter().zip(&before) {
            let now = hash.pick(key).expect("pick");
            if was != "node-7" {
                assert_eq!(now, was, "{algorithm:?} moved {key}");
            } else {
                moved += 1;
            }
        }
        assert!(moved > 0);
    }
    // Jump moves only the removed bucket's keys when the last node goes.
    let mut hash = build(Algorithm::Jump, 20);
    let before = picks(&hash, &keys);
    hash.remove("node-19").expect("known node");
    for (key, was) in keys.iter().zip(&before) {
        if was != "node-19" {
            assert_eq!(hash.pick(key).expect("pick"), was);
        }
    }
}

#[test]
fn unhealthy_nodes_are_skipped_without_moving_healthy_keys() {
    let keys = keys(3000);
    for algorithm in ALGORITHMS {
        let mut hash = build(algorithm, 10);
        let before = picks(&hash, &keys);
        hash.set_healthy("node-3", false).expect("known node");
        for (key, was) in keys.iter().zip(&before) {
            let now = hash.pick(key).expect("pick").to_owned();
            assert_ne!(now, "node-3");
            if was != "node-3" {
                assert_eq!(&now, was, "{algorithm:?}");
            } else {
                // The next healthy node of its own preference order.
                assert_eq!(now, hash.pick_n(key, 1).expect("pick_n")[0]);
            }
        }
        hash.set_healthy("node-3", true).expect("known node");
        assert_eq!(picks(&hash, &keys), before);
    }
}

#[test]
fn pick_n_gives_distinct_nodes_led_by_the_pick() {
    for algorithm in ALGORITHMS {
        let mut hash = build(algorithm, 12);
        for key in keys(300) {
            let first = hash.pick(&key).expect("pick").to_owned();
            let order: Vec<String> = hash
                .pick_n(&key, 20)
                .expect("pick_n")
                .into_iter()
                .map(str::to_owned)
                .collect();
            assert_eq!(order.len(), 12);
            assert_eq!(order[0], first);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 12, "{algorithm:?}");
        }
    }
}

#[test]
fn bounded_load_never_exceeds_the_cap() {
    for algorithm in ALGORITHMS {
        let nodes = (0..8).map(|i| NodeSpec::new(format!("n{i}"))).collect();
        let options = Options {
            algorithm,
            bounded_load_epsilon: Some(0.25),
            ..Options::default()
        };
        let mut hash = ConsistentHash::new(nodes, options).expect("valid");
        let mut loads = [0f64; 8];
        for key in keys(4000) {
            let index = hash.pick_index(key.as_bytes()).expect("pick");
            let total: f64 = loads.iter().sum();
            let cap = (1.25 * (total + 1.0) / 8.0).ceil();
            assert!(
                loads[index] < cap,
                "{algorithm:?}: load {} cap {cap}",
                loads[index]
            );
            loads[index] += 1.0;
            hash.set_load_at(index, loads[index]).expect("valid load");
        }
    }
}

#[test]
fn maglev_fills_its_table_evenly() {
    let hash = build(Algorithm::Maglev, 100);
    let mut counts = [0usize; 100];
    for &slot in hash.maglev_table() {
        counts[slot as usize] += 1;
    }
    let mean = 65_537.0 / 100.0;
    for c in counts {
        assert!((c as f64 - mean).abs() <= 1.0, "slot count {c}");
    }
}

fn argument_of<T>(result: Result<T, HashingError>) -> String {
    match result {
        Err(HashingError::InvalidArgument { argument, .. }) => argument,
        Err(other) => format!("other error: {other}"),
        Ok(_) => "no error".to_owned(),
    }
}

#[test]
fn errors_are_typed() {
    let empty = build(Algorithm::Ring, 0);
    assert!(matches!(
        empty.pick("k"),
        Err(HashingError::EmptyNodeSet(_))
    ));
    let mut hash = build(Algorithm::Ring, 2);
    assert_eq!(
        hash.remove("nope"),
        Err(HashingError::UnknownNode("nope".into()))
    );
    let options = Options::default;
    let dup = ConsistentHash::new(vec![NodeSpec::new("a"), NodeSpec::new("a")], options());
    assert_eq!(argument_of(dup), "nodes[1].id");
    let bad = ConsistentHash::new(vec![NodeSpec::weighted("a", -1.0)], options());
    assert_eq!(argument_of(bad), "nodes[0].weight");
    let jump = Options {
        algorithm: Algorithm::Jump,
        ..options()
    };
    let weighted_jump = ConsistentHash::new(vec![NodeSpec::weighted("a", 2.0)], jump);
    assert_eq!(argument_of(weighted_jump), "nodes[0].weight");
    let not_prime = Options {
        table_size: 65_536.0,
        ..options()
    };
    assert_eq!(
        argument_of(ConsistentHash::new(vec![], not_prime)),
        "options.tableSize"
    );
    hash.set_healthy("node-0", false).expect("known");
    hash.set_healthy("node-1", false).expect("known");
    assert!(matches!(hash.pick("k"), Err(HashingError::EmptyNodeSet(_))));
}

#[test]
fn weighted_split_ramp_only_moves_users_to_the_canary() {
    let targets = |canary: f64| {
        vec![
            SplitTarget {
                id: "stable".into(),
                weight: 100.0 - canary,
            },
            SplitTarget {
                id: "canary".into(),
                weight: canary,
            },
        ]
    };
    let at5 = WeightedSplit::new(targets(5.0)).expect("valid");
    let at25 = WeightedSplit::new(targets(25.0)).expect("valid");
    let (mut on5, mut on25) = (0, 0);
    for key in keys(20_000) {
        let before = at5.pick_key(&key);
        let after = at25.pick_key(&key);
        if before == "canary" {
            on5 += 1;
            assert_eq!(after, "canary", "{key} left the canary");
        }
        if after == "canary" {
            on25 += 1;
        }
    }
    assert!((800..1200).contains(&on5), "{on5}");
    assert!((4600..5400).contains(&on25), "{on25}");
    assert_eq!(at25.pick_random_index(0.0).expect("valid"), 0);
    assert_eq!(at25.pick_random_index(0.9).expect("valid"), 1);
    assert!(at25.pick_random_index(1.0).is_err());
}
