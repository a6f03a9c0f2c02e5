//! What the page pays per frame on a busy cluster (docs/examples/busy-cluster.toml): one
//! simulated second of it, and the reads a frame makes (the view, the charts, the newest
//! operations). The reads are measured early and late in the same run: their ratio says
//! whether a frame costs what is on screen or what the run has accumulated.

use criterion::{Criterion, criterion_group, criterion_main};
use kafka_sim::charts::{acknowledged, group_lag, smallest_isr, under_replicated};
use kafka_sim::check::LiveMarks;
use kafka_sim::{Checkpoints, Scenario, SimDuration, SimTime, World};
use std::hint::black_box;

fn busy_cluster(seconds: u64) -> World {
    let mut world = busy_cluster_started();
    world.run_until(SimTime::from_millis(seconds * 1_000));
    world
}

/// The busy cluster as its scenario leaves it (streaming, the group joined).
fn busy_cluster_started() -> World {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/busy-cluster.toml"
    );
    let text = std::fs::read_to_string(path).expect("the busy cluster example");
    let scenario: Scenario = toml::from_str(&text).expect("a scenario");
    let (world, results) = scenario.run().expect("runs");
    assert!(scenario.refused(&results).is_empty(), "every step applies");
    world
}

/// The page's rewind copies (src/sim_handle.rs: `CHECKPOINT_EVERY`, `CHECKPOINTS`,
/// `CHECKPOINT_BUDGET`, `CHECKPOINT_LARGEST`), taken as the page takes them: after each step
/// of play, here each simulated second.
fn busy_cluster_with_checkpoints(seconds: u64) -> (World, Checkpoints) {
    let mut world = busy_cluster_started();
    let mut checkpoints =
        Checkpoints::new(&world, SimDuration::from_millis(10_000), 96, 320 << 20).largest(8 << 20);
    while world.now() < SimTime::from_millis(seconds * 1_000) {
        world.run_for(SimDuration::from_millis(1_000));
        checkpoints.maybe_take(&world, 0);
    }
    (world, checkpoints)
}

/// The process's resident memory (Linux), to see what a copy of the world holds.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// How many copies of the world the memory of one is measured over.
const COPIES_MEASURED: usize = 8;

/// What the page reads to draw one frame.
fn frame(world: &World) -> usize {
    let bucket = SimDuration::from_millis(1_000);
    let view = world.view();
    let charts = [
        acknowledged(world, bucket, 60),
        under_replicated(world, bucket, 60),
        smallest_isr(world, bucket, 60),
        group_lag(world, &Default::default(), "billing", bucket, 60),
    ];
    let operations = world.operations_since(SimTime::ZERO).rev().take(20).count();
    view.topics.len() + charts.len() + operations
}

/// What a frame adds for the checker's marks: bring the index up to date, then ask about each
/// record the view carries (each replica's newest).
fn marks(world: &World, marks: &mut LiveMarks, view: &kafka_sim::WorldView) -> usize {
    marks.update(world);
    let mut found = 0;
    for topic in &view.topics {
        for p in &topic.partitions {
            let tp = kafka_sim::TopicPartition::new(&topic.name, p.partition);
            for replica in &p.replica_logs {
                let shown: Vec<(u64, &str)> = replica
                    .records
                    .iter()
                    .map(|r| (r.offset, r.value.as_str()))
                    .collect();
                found += marks.marks(world, &tp, &shown).len();
            }
            found += marks.truncated_after_ack(&tp).len();
        }
    }
    found
}

fn page(c: &mut Criterion) {
    let mut group = c.benchmark_group("page");
    group.sample_size(10);
    let early = busy_cluster(30);
    group.bench_function("busy_cluster_one_simulated_second", |b| {
        b.iter_batched(
            || early.clone(),
            |mut world| {
                world.run_for(SimDuration::from_millis(1_000));
                world
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("frame_reads_at_30s", |b| {
        b.iter(|| black_box(frame(&early)))
    });
    let late = busy_cluster(300);
    group.bench_function("frame_reads_at_300s", |b| {
        b.iter(|| black_box(frame(&late)))
    });
    // The marks: a frame with nothing new (the index is up to date) costs the questions about
    // the records on screen; a simulated second's worth of new records and sends is what an
    // update reads while playing; building the index afresh (after a rewind or a reload) reads
    // the whole run once.
    for (name, world) in [("30s", &early), ("300s", &late)] {
        let view = world.view();
        let mut index = LiveMarks::default();
        marks(world, &mut index, &view);
        group.bench_function(format!("frame_marks_at_{name}"), |b| {
            b.iter(|| black_box(marks(world, &mut index, &view)))
        });
        group.bench_function(format!("marks_built_afresh_at_{name}"), |b| {
            b.iter(|| {
                let mut fresh = LiveMarks::default();
                black_box(marks(world, &mut fresh, &view))
            })
        });
        let mut later = world.clone();
        later.run_for(SimDuration::from_millis(1_000));
        let later_view = later.view();
        group.bench_function(
            format!("marks_update_one_simulated_second_at_{name}"),
            |b| {
                b.iter_batched(
                    || index.clone(),
                    // The index is returned, so criterion drops it outside the timing: a
                    // drop frees the whole run's index and would grow with the run.
                    |mut index| {
                        black_box(marks(&later, &mut index, &later_view));
                        index
                    },
                    criterion::BatchSize::LargeInput,
                )
            },
        );
    }
    // A rewind checkpoint is a copy of the world; what one costs grows with the logs.
    group.bench_function("checkpoint_at_300s", |b| b.iter(|| black_box(late.clone())));
    // Several copies kept at once, so memory freed by the timed copies (which the allocator
    // keeps for reuse) cannot hide what they hold.
    let before = resident_bytes();
    let copies: Vec<World> = (0..COPIES_MEASURED).map(|_| late.clone()).collect();
    if let (Some(before), Some(after)) = (before, resident_bytes()) {
        eprintln!(
            "page/checkpoint_at_300s holds about {:.1} MiB (resident memory before and after {COPIES_MEASURED} copies, divided)",
            after.saturating_sub(before) as f64 / COPIES_MEASURED as f64 / f64::from(1 << 20)
        );
    }
    drop(copies);
    drop(late);
    drop(early);
    // A rewind as the page makes one (`SimHandle::begin_seek`, then `continue_seek` to the
    // moment): the nearest copy before the moment, cloned, replayed to it.
    let (long, checkpoints) = busy_cluster_with_checkpoints(600);
    let moment = SimTime::from_millis(300_000);
    let nearest = checkpoints
        .nearest(moment, usize::MAX)
        .expect("the copy at time zero");
    let (copies, every) = checkpoints.spacing();
    eprintln!(
        "page/rewind_to_300s_of_600s: {copies} copies (now {} s apart), the nearest at {} s",
        every.as_millis() / 1_000,
        nearest.at.as_millis() / 1_000
    );
    drop(long);
    group.bench_function("rewind_to_300s_of_600s", |b| {
        b.iter_with_large_drop(|| {
            let mut world = nearest.world.clone();
            world.run_until(moment);
            world
        })
    });
    group.finish();
}

criterion_group!(benches, page);
criterion_main!(benches);
