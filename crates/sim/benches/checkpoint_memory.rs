//! What one rewind checkpoint (a copy of the world) of the busy cluster holds, part by part:
//! the bytes each part's copy allocates, counted by a counting global allocator in this binary
//! of its own (so the counting slows no timed bench), while the copies of every part are
//! kept alive at once. Shared chunks (`Rc`) cost a copy nothing, so a part's figure is what a
//! copy of it holds of its own.
//!
//! `cargo bench -p kafka-sim --bench checkpoint_memory` measures at 300 s
//! (`CHECKPOINT_SECONDS` changes it); `cargo test --benches` at 2 s.

use kafka_sim::{Checkpoints, Scenario, SimDuration, SimTime, World};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::any::Any;
use std::collections::BTreeMap;

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn busy_cluster(seconds: u64) -> World {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/busy-cluster.toml"
    );
    let text = std::fs::read_to_string(path).expect("the busy cluster example");
    let scenario: Scenario = toml::from_str(&text).expect("a scenario");
    let (mut world, results) = scenario.run().expect("runs");
    assert!(scenario.refused(&results).is_empty(), "every step applies");
    world.run_until(SimTime::from_millis(seconds * 1_000));
    world
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let seconds = std::env::var("CHECKPOINT_SECONDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benching { 300 } else { 2 });
    let world = busy_cluster(seconds);
    let region = Region::new(ALLOCATOR);
    let copy = world.clone();
    let whole = region.change();
    drop(copy);
    let mut parts: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    let mut kept: Vec<Box<dyn Any>> = Vec::with_capacity(10_000);
    world.clone_each_part(&mut |name, copy| {
        let region = Region::new(ALLOCATOR);
        let part = copy();
        let change = region.change();
        kept.push(part);
        let entry = parts.entry(name.to_owned()).or_default();
        entry.0 += 1;
        entry.1 += change.bytes_allocated as i64 - change.bytes_deallocated as i64;
    });
    let mib = |bytes: i64| bytes as f64 / f64::from(1 << 20);
    let (copied, held) = Checkpoints::estimate(&world);
    println!(
        "checkpoint-memory at {seconds} s: a whole copy allocates {:.2} MiB in {} allocations \
         (estimated {:.2} MiB; {:.2} MiB once the run has gone on)",
        mib(whole.bytes_allocated as i64 - whole.bytes_deallocated as i64),
        whole.allocations,
        mib(copied as i64),
        mib(held as i64),
    );
    let mut rows: Vec<_> = parts.into_iter().collect();
    rows.sort_by_key(|(_, (_, bytes))| -bytes);
    for (name, (count, bytes)) in rows {
        println!(
            "checkpoint-memory: {name:40} x{count:<5} {:10.3} MiB",
            mib(bytes)
        );
    }
    drop(kept);
    let after = std::env::var("CHECKPOINT_AFTER")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benching { 60 } else { 1 });
    held_alone_after(world, after);
    page_policy(if benching { 3_600 } else { 3 });
}

/// Parts whose copies hold what another part's copy holds too (a replica's log and its
/// records, the queue and its entries, a client and its history), left out of
/// `held_alone_after` so that each chunk a copy comes to hold alone is counted once.
fn overlaps(name: &str) -> bool {
    name.starts_with("queue entry:")
        || name.contains("its live entries only")
        || name == "broker.replicas (whole)"
        || name == "broker.replica.log.records"
        || name.ends_with(".history")
}

/// What a copy comes to hold alone as the run moves on: a copy shares chunks (`Rc`) with the
/// run when taken, and holds the old version of a chunk alone once the run writes to it. Takes
/// a copy of each part, runs the world `seconds` on, then drops the copies part by part
/// and counts the bytes each drop frees (what the run still shares stays).
fn held_alone_after(mut world: World, seconds: u64) {
    let mib = |bytes: usize| bytes as f64 / f64::from(1 << 20);
    // The whole copy first, on its own: a part's copy would keep the chunks it shares alive.
    let region = Region::new(ALLOCATOR);
    let whole = world.clone();
    let taken = region.change();
    let from = world.now().as_millis() / 1_000;
    world.run_for(SimDuration::from_millis(seconds * 1_000));
    let region = Region::new(ALLOCATOR);
    drop(whole);
    println!(
        "checkpoint-memory: a copy taken at {from} s allocated {:.2} MiB; {seconds} s later it \
         holds {:.2} MiB alone",
        mib(taken.bytes_allocated - taken.bytes_deallocated),
        mib(region.change().bytes_deallocated),
    );
    // Then the parts, over the next `seconds`.
    let mut kept: Vec<(String, Box<dyn Any>)> = Vec::with_capacity(10_000);
    world.clone_each_part(&mut |name, copy| {
        if !overlaps(name) {
            kept.push((name.to_owned(), copy()));
        }
    });
    world.run_for(SimDuration::from_millis(seconds * 1_000));
    let mut parts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (name, part) in kept {
        let region = Region::new(ALLOCATOR);
        drop(part);
        let entry = parts.entry(name).or_default();
        entry.0 += 1;
        entry.1 += region.change().bytes_deallocated;
    }
    let mut rows: Vec<_> = parts.into_iter().collect();
    rows.sort_by_key(|(_, (_, bytes))| std::cmp::Reverse(*bytes));
    for (name, (count, bytes)) in rows.into_iter().take(12) {
        println!(
            "checkpoint-memory: parts copied at {} s, {seconds} s later: {name:40} x{count:<5} \
             {:10.3} MiB alone",
            from + seconds,
            mib(bytes)
        );
    }
}
/// A run of `seconds` of the busy cluster taking copies as the page does (src/sim_handle.rs's
/// constants, one `maybe_take` per simulated second): how many it keeps, how far apart, the
/// longest replay a rewind may need, and what the copies hold together (the bytes their drop
/// frees: what the run still shares with them stays).
fn page_policy(seconds: u64) {
    let mut world = busy_cluster(0);
    let mut checkpoints = Checkpoints::new(
        &world,
        SimDuration::from_millis(10_000),
        PAGE_CHECKPOINTS,
        PAGE_BUDGET,
    )
    .largest(8 << 20);
    while world.now() < SimTime::from_millis(seconds * 1_000) {
        world.run_for(SimDuration::from_millis(1_000));
        checkpoints.maybe_take(&world, 0);
    }
    let (kept, every) = checkpoints.spacing();
    let longest = checkpoints.longest_replay(world.now());
    let estimated = checkpoints.estimated_total();
    let region = Region::new(ALLOCATOR);
    drop(checkpoints);
    let freed = region.change().bytes_deallocated;
    println!(
        "checkpoint-memory: the page's policy at {seconds} s keeps {kept} copies ({} s apart now), \
         longest replay {} s, the copies hold {:.1} MiB (estimated {:.1} MiB)",
        every.as_millis() / 1_000,
        longest.as_millis() / 1_000,
        freed as f64 / f64::from(1 << 20),
        estimated as f64 / f64::from(1 << 20),
    );
}

/// src/sim_handle.rs's `CHECKPOINTS` and `CHECKPOINT_BUDGET`.
const PAGE_CHECKPOINTS: usize = 256;
const PAGE_BUDGET: usize = 320 << 20;
