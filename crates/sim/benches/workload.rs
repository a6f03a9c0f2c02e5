//! Issue 17's workload (`kafka_sim::workload`) natively: records per second produced (every
//! record acknowledged at acks=all), consumed (one group reads them all, from a copy of the
//! produced world made outside the timing) and end to end, on 3 brokers with a topic of 4
//! partitions and on 12 brokers with 100. `workload_memory` measures the bytes the same runs
//! keep; the wasm build (`crates/bench-wasm`) times the same function in Chromium.
//!
//! `cargo bench -p kafka-sim --bench workload` runs 100,000 records per case
//! (`WORKLOAD_RECORDS` changes it); `cargo test --benches` runs each case once on 1,000.

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use kafka_sim::workload::Workload;
use std::hint::black_box;

/// Records per case: full size under `cargo bench`, tiny under `cargo test --benches` (which
/// runs each bench once, unoptimised, so the code cannot rot).
fn records() -> u32 {
    let benching = std::env::args().any(|a| a == "--bench");
    let default = if benching { 100_000 } else { 1_000 };
    std::env::var("WORKLOAD_RECORDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn case(c: &mut Criterion, name: &str, workload: Workload) {
    let run = workload.run().expect("a valid workload");
    assert_eq!(
        kafka_sim::workload::records_read(&run),
        workload.records as usize,
        "{workload:?}: the group reads every record once"
    );
    drop(run);
    let produced = workload.produce().expect("a valid workload");
    let mut group = c.benchmark_group(format!("workload/{name}"));
    group.sample_size(10);
    // A run takes from a tenth of a second to seconds: the same number of runs per sample,
    // rather than criterion's 1, 2, ... 10 (55 runs at the least).
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(u64::from(workload.records)));
    group.bench_function("produce", |b| {
        b.iter_with_large_drop(|| black_box(workload.produce().expect("valid")))
    });
    group.bench_function("consume", |b| {
        b.iter_batched(
            || produced.clone(),
            |world| workload.consume(world).expect("valid"),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("end_to_end", |b| {
        b.iter_with_large_drop(|| black_box(workload.run().expect("valid")))
    });
    group.finish();
}

fn workload(c: &mut Criterion) {
    let records = records();
    case(
        c,
        "3_brokers_4_partitions",
        Workload::three_brokers(records),
    );
    case(
        c,
        "12_brokers_100_partitions",
        Workload::twelve_brokers(records),
    );
}

criterion_group!(benches, workload);
criterion_main!(benches);
