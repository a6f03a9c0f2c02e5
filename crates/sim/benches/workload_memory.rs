//! The memory issue 17's workload keeps: the bytes still allocated after a run (the world with
//! its logs on three replicas, the clients' histories, the command and event logs), per
//! million records. Counted exactly by a counting global allocator (`stats_alloc`) in this
//! binary of its own, so the allocator's counting slows none of the timed benches; malloc's
//! own overhead per allocation is not in the figure (the process's resident memory is, and
//! is printed beside it).
//!
//! Prints one JSON object per case on a line starting `workload-memory: `, which the bench
//! command reads. `cargo bench -p kafka-sim --bench workload_memory` runs 100,000 records per
//! case (`WORKLOAD_RECORDS` changes it); `cargo test --benches` runs 1,000.

use kafka_sim::workload::{self, Workload};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Resident memory of this process in bytes (Linux; 0 where `/proc` is missing).
fn resident_bytes() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let records = std::env::var("WORKLOAD_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 1_000 });
    for (name, workload) in [
        ("3_brokers_4_partitions", Workload::three_brokers(records)),
        (
            "12_brokers_100_partitions",
            Workload::twelve_brokers(records),
        ),
    ] {
        let resident_before = resident_bytes();
        let region = Region::new(ALLOCATOR);
        let world = workload.run().expect("a valid workload");
        let change = region.change();
        let resident_after = resident_bytes();
        assert_eq!(workload::records_read(&world), records as usize);
        let retained = change.bytes_allocated as i64 - change.bytes_deallocated as i64;
        let per_million = |bytes: i64| bytes as f64 * 1e6 / f64::from(records);
        println!(
            "workload-memory: {{\"case\":\"{name}\",\"records\":{records},\"retained_bytes\":{retained},\
             \"retained_bytes_per_million_records\":{:.0},\"allocations\":{},\"allocated_bytes\":{},\
             \"resident_growth_bytes\":{},\"resident_growth_per_million_records\":{:.0}}}",
            per_million(retained),
            change.allocations,
            change.bytes_allocated,
            resident_after.saturating_sub(resident_before),
            per_million(resident_after.saturating_sub(resident_before) as i64),
        );
        drop(world);
    }
}
