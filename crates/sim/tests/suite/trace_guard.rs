//! Goal: a refactor changes no behaviour. Method: hold the trace hash of every example scenario
//! and of the first 200 seeds of every fuzz profile in a checked-in file, and compare.
//!
//! The trace hash fingerprints every event the world processed, in order, so any change in
//! what any node did, or when, shows here, named by scenario or by profile and seed. A change
//! that must alter behaviour (a fix) regenerates the file with `UPDATE_TRACES=1 cargo test
//! -p kafka-sim --release --test suite trace_guard:: -- --include-ignored` and says so in its commit.
//!
//! The test run checks the examples and the first `SIM_GUARD_SEEDS` seeds of each profile
//! (default 10, to keep the suite short); `trace_guard_all_seeds` checks all 200 and is what a
//! restructuring stage runs (`--include-ignored`).
#![cfg(feature = "cli")]

use kafka_sim::fuzz::{Profile, scenario};
use kafka_sim::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Seeds of each profile the file holds.
const SEEDS: u64 = 200;

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/trace_guard.txt")
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

fn load_example(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).expect("example readable");
    let parsed = if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    };
    parsed.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `example <file>` and `<profile> <seed>`, each with its trace hash, for what `seeds` covers.
fn current(seeds: u64) -> BTreeMap<String, String> {
    let mut hashes = BTreeMap::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("docs/examples")
        .map(|entry| entry.expect("entry").path())
        .collect();
    examples.sort();
    for path in examples {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let (world, _) = load_example(&path)
            .run()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        hashes.insert(
            format!("example {name}"),
            format!("{:016x}", world.trace().hash()),
        );
    }
    for profile in Profile::ALL {
        for seed in 1..=seeds {
            let (world, _) = scenario(seed, profile)
                .run()
                .expect("generated scenarios are well formed");
            hashes.insert(
                format!("{} {seed:03}", profile.name()),
                format!("{:016x}", world.trace().hash()),
            );
        }
    }
    hashes
}

fn golden() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(golden_path()).unwrap_or_default();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.rsplit_once(' '))
        .map(|(key, hash)| (key.to_owned(), hash.to_owned()))
        .collect()
}

fn check(seeds: u64) {
    let updating = std::env::var_os("UPDATE_TRACES").is_some();
    if updating && seeds < SEEDS {
        // trace_guard_all_seeds writes the file; this one has nothing to add.
        return;
    }
    let now = current(seeds);
    if updating {
        let mut text = String::from(
            "# Trace hashes held by tests/suite/trace_guard.rs; regenerate only for a deliberate change.\n",
        );
        for (key, hash) in &now {
            text.push_str(&format!("{key} {hash}\n"));
        }
        std::fs::write(golden_path(), text).expect("write the golden file");
        return;
    }
    let held = golden();
    let changed: Vec<String> = now
        .iter()
        .filter(|(key, hash)| held.get(*key) != Some(*hash))
        .map(|(key, hash)| {
            let before = held.get(key).map_or("(none)", String::as_str);
            format!("{key}: held {before}, now {hash}")
        })
        .collect();
    let shown: Vec<&String> = changed.iter().take(20).collect();
    assert!(
        changed.is_empty(),
        "{} trace hash(es) changed (reproduce a fuzz seed with `kafka-sim fuzz --profile P \
         --first-seed S --seeds 1`); first ones:\n{shown:#?}",
        changed.len()
    );
}

#[test]
fn trace_guard_examples_and_first_seeds() {
    let seeds = std::env::var("SIM_GUARD_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .min(SEEDS);
    println!("checking the examples and seeds 1..={seeds} of each profile");
    check(seeds);
}

#[test]
#[ignore = "all 200 seeds of each profile: run by a restructuring stage with --include-ignored"]
fn trace_guard_all_seeds() {
    check(SEEDS);
}
