//! How fast the engine itself runs: simulated events (deliveries and timers) per second of wall
//! time, natively. The workload is the idle control plane of a cluster (registrations and
//! heartbeats), so later work can see what topics, replication and clients cost on top.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kafka_sim::net::LinkConfig;
use kafka_sim::{ClusterConfig, SimDuration, World};
use std::hint::black_box;

fn one_simulated_hour(brokers: u32) -> World {
    let config = ClusterConfig {
        brokers,
        ..ClusterConfig::default()
    };
    let mut world = World::new(&config, 7);
    world.run_for(SimDuration::from_millis(3_600_000));
    world
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for brokers in [3, 30] {
        let steps = one_simulated_hour(brokers).stats().steps;
        group.throughput(Throughput::Elements(steps));
        group.bench_function(format!("idle_cluster_{brokers}_brokers_1h"), |b| {
            b.iter(|| black_box(one_simulated_hour(black_box(brokers))))
        });
    }
    let lossy = ClusterConfig {
        link: LinkConfig {
            drop_per_million: 50_000,
            ..LinkConfig::default()
        },
        ..ClusterConfig::default()
    };
    let steps = {
        let mut world = World::new(&lossy, 7);
        world.run_for(SimDuration::from_millis(3_600_000));
        world.stats().steps
    };
    group.throughput(Throughput::Elements(steps));
    group.bench_function("lossy_cluster_3_brokers_1h", |b| {
        b.iter(|| {
            let mut world = World::new(black_box(&lossy), 7);
            world.run_for(SimDuration::from_millis(3_600_000));
            black_box(world)
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
