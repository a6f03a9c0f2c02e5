//! How fast the engine itself runs: simulated events (deliveries and timers) per second of wall
//! time, natively. The workload is the idle control plane of a cluster (registrations and
//! heartbeats), so later work can see what topics, replication and clients cost on top.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kafka_sim::LinkConfig;
use kafka_sim::producer::ProducerRecord;
use kafka_sim::{ClusterConfig, Command, CreateTopic, Request, SimDuration, World};
use std::collections::BTreeMap;
use std::hint::black_box;

fn one_simulated_hour(brokers: u32, controllers: u32) -> World {
    let config = ClusterConfig {
        brokers,
        controllers,
        ..ClusterConfig::default()
    };
    let mut world = World::new(&config, 7);
    world.run_for(SimDuration::from_millis(3_600_000));
    world
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for brokers in [3, 30] {
        let steps = one_simulated_hour(brokers, 1).stats().steps;
        group.throughput(Throughput::Elements(steps));
        group.bench_function(format!("idle_cluster_{brokers}_brokers_1h"), |b| {
            b.iter_with_large_drop(|| black_box(one_simulated_hour(black_box(brokers), 1)))
        });
    }
    // The same three brokers under a quorum of three controllers (followers pull the metadata
    // log every 200 ms).
    let steps = one_simulated_hour(3, 3).stats().steps;
    group.throughput(Throughput::Elements(steps));
    group.bench_function("idle_quorum_3_controllers_3_brokers_1h", |b| {
        b.iter_with_large_drop(|| black_box(one_simulated_hour(3, black_box(3))))
    });
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
        b.iter_with_large_drop(|| {
            let mut world = World::new(black_box(&lossy), 7);
            world.run_for(SimDuration::from_millis(3_600_000));
            black_box(world)
        })
    });
    group.finish();
}

/// Three brokers, a topic `bench` of 3 partitions with RF=3 and min.insync.replicas=2, and
/// the client `add_client` adds.
fn bench_cluster(add_client: Command) -> World {
    let mut world = World::new(&ClusterConfig::default(), 7);
    world.run_for(SimDuration::from_millis(500));
    let configs = BTreeMap::from([("min.insync.replicas".to_owned(), "2".to_owned())]);
    let topic = CreateTopic {
        name: "bench".to_owned(),
        partitions: 3,
        replication_factor: 3,
        configs,
        replica_assignment: None,
    };
    world.apply(Command::CreateTopic(topic)).expect("valid");
    world.apply(add_client).expect("new client");
    world.run_for(SimDuration::from_millis(200));
    world
}

/// 10,000 records of 100 bytes, produced with acks=all to a topic of 3 partitions with RF=3
/// and min.insync.replicas=2, one Produce request per record (the plain client does not batch;
/// the producer pipeline will), 10 records per millisecond of virtual time.
fn replicated_produce() -> World {
    let mut world = bench_cluster(Command::AddClient {
        name: "p".to_owned(),
    });
    let value = "x".repeat(100);
    for step in 0..1_000u32 {
        for record in 0..10 {
            let request = Request::Produce {
                topic: "bench".to_owned(),
                partition: Some((step + record) % 3),
                key: None,
                value: value.clone(),
                acks: -1,
            };
            world
                .apply(Command::Client {
                    client: "p".to_owned(),
                    request,
                })
                .expect("client");
        }
        world.run_for(SimDuration::from_millis(1));
    }
    world.run_for(SimDuration::from_millis(1_000));
    world
}

/// Producer `p` sends one 100-byte record to `bench` per key in `keys`.
fn send_keyed(world: &mut World, keys: std::ops::Range<u32>) {
    let value = "x".repeat(100);
    for key in keys {
        let record = ProducerRecord {
            topic: "bench".into(),
            key: Some(key.to_string().into()),
            value: Some(value.as_str().into()),
            ..ProducerRecord::default()
        };
        world
            .apply(Command::Send {
                producer: "p".into(),
                record,
            })
            .expect("producer");
    }
}

/// The same 10,000 records through the producer pipeline (Kafka defaults: acks=all,
/// idempotence, linger.ms=5, batch.size=16384), keyed so they spread over the partitions.
fn producer_pipeline() -> World {
    let add = Command::AddProducer {
        name: "p".to_owned(),
        config: BTreeMap::new(),
    };
    let mut world = bench_cluster(add);
    for step in 0..1_000u32 {
        send_keyed(&mut world, step * 10..step * 10 + 10);
        world.run_for(SimDuration::from_millis(1));
    }
    world.run_for(SimDuration::from_millis(1_000));
    world
}

/// The same 10,000 records as 100 transactions of 100 records (initTransactions, then begin,
/// sends, commit; markers on every partition each time).
fn transactional_pipeline() -> World {
    let add = Command::AddProducer {
        name: "p".to_owned(),
        config: BTreeMap::from([("transactional.id".to_owned(), "bench-tx".to_owned())]),
    };
    let mut world = bench_cluster(add);
    let transaction = |action| Command::Transaction {
        producer: "p".to_owned(),
        action,
    };
    use kafka_sim::client::TxnAction;
    world.apply(transaction(TxnAction::Init)).expect("init");
    world.run_for(SimDuration::from_millis(2_000));
    for txn in 0..100u32 {
        world.apply(transaction(TxnAction::Begin)).expect("begin");
        send_keyed(&mut world, txn * 100..txn * 100 + 100);
        world.apply(transaction(TxnAction::Commit)).expect("commit");
        world.run_for(SimDuration::from_millis(50));
    }
    world.run_for(SimDuration::from_millis(1_000));
    world
}

fn replication(c: &mut Criterion) {
    let world = replicated_produce();
    let acked = world
        .operations()
        .iter()
        .filter(|op| matches!(op.outcome, kafka_sim::Outcome::Acked { .. }))
        .count();
    assert_eq!(acked, 10_000, "every record is acknowledged");
    let mut group = c.benchmark_group("replication");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("acks_all_rf3_10k_records", |b| {
        b.iter_with_large_drop(|| black_box(replicated_produce()))
    });
    group.throughput(Throughput::Elements(world.stats().steps));
    group.bench_function("acks_all_rf3_10k_records_events", |b| {
        b.iter_with_large_drop(|| black_box(replicated_produce()))
    });
    let batched = producer_pipeline();
    let acked = batched
        .operations()
        .iter()
        .filter(|op| matches!(op.outcome, kafka_sim::Outcome::Acked { .. }))
        .count();
    assert_eq!(acked, 10_000, "every record is acknowledged");
    println!(
        "events: plain client {}, producer pipeline {}",
        world.stats().steps,
        batched.stats().steps
    );
    group.throughput(Throughput::Elements(10_000));
    let committed = transactional_pipeline()
        .events()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                kafka_sim::EventKind::TxnCompleted {
                    committed: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(committed, 100, "every transaction commits");
    group.bench_function("transactional_producer_100_txns_of_100_records", |b| {
        b.iter_with_large_drop(|| black_box(transactional_pipeline()))
    });
    group.bench_function("producer_acks_all_rf3_10k_records", |b| {
        b.iter_with_large_drop(|| black_box(producer_pipeline()))
    });
    group.finish();
}

/// Three consumers of one group read the 10,000 records the producer pipeline wrote (join,
/// sync, offset fetch, fetches up to the HW, auto commits), from a checkpoint of that world;
/// `app` adds the application's settings (forwarding, how it commits).
fn consume(produced: &World, app: &[(&str, &str)]) -> World {
    consume_from(produced.clone(), app)
}

/// [`consume`] from `world`, a copy the caller made (the benches copy outside the timing).
fn consume_from(mut world: World, app: &[(&str, &str)]) -> World {
    if app.iter().any(|(k, _)| *k == "app.forward.topic") {
        let topic = CreateTopic {
            name: "bench-out".to_owned(),
            partitions: 3,
            replication_factor: 3,
            configs: BTreeMap::from([("min.insync.replicas".to_owned(), "2".to_owned())]),
            replica_assignment: None,
        };
        world.apply(Command::CreateTopic(topic)).expect("valid");
        world.run_for(SimDuration::from_millis(200));
    }
    for name in ["c1", "c2", "c3"] {
        let mut config = BTreeMap::from([
            ("group.id".to_owned(), "bench".to_owned()),
            ("auto.offset.reset".to_owned(), "earliest".to_owned()),
            ("app.processing.ms".to_owned(), "0".to_owned()),
        ]);
        config.extend(app.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        world
            .apply(Command::AddConsumer {
                name: name.to_owned(),
                config,
                topics: vec!["bench".to_owned()],
                partitions: Vec::new(),
            })
            .expect("consumer");
    }
    world.run_for(SimDuration::from_millis(10_000));
    world
}

fn consumers(c: &mut Criterion) {
    let produced = producer_pipeline();
    let read = consume(&produced, &[]);
    let records: usize = read
        .consumers()
        .flat_map(|(consumer, _)| consumer.history())
        .map(|op| match &op.outcome {
            kafka_sim::Outcome::Polled { records, .. } => records.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(
        records, 10_000,
        "the group reads every record once, got {records}"
    );
    let mut group = c.benchmark_group("consumers");
    group.sample_size(10);
    // The checkpoint the consume benches start from (the world after 10,000 produced
    // records): what a rewind's copy costs, now that records and histories share their text.
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("checkpoint_after_10k_records", |b| {
        b.iter_with_large_drop(|| black_box(produced.clone()))
    });
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("group_of_3_reads_10k_records", |b| {
        b.iter_batched(
            || produced.clone(),
            |world| consume_from(world, &[]),
            BatchSize::LargeInput,
        )
    });
    // The same group forwarding every record to another topic: commitSync() after the output
    // is acknowledged, or output and offsets in one transaction per poll.
    let at_least_once = [
        ("app.forward.topic", "bench-out"),
        ("enable.auto.commit", "false"),
        ("app.commit", "after-processing"),
    ];
    let exactly_once = [
        ("app.forward.topic", "bench-out"),
        ("enable.auto.commit", "false"),
        ("app.commit", "transactional"),
        ("isolation.level", "read_committed"),
    ];
    for app in [&at_least_once[..], &exactly_once[..]] {
        let forwarded = consume(&produced, app)
            .operations()
            .iter()
            .filter(|op| {
                op.client.ends_with("-producer")
                    && matches!(op.outcome, kafka_sim::Outcome::Acked { .. })
            })
            .count();
        assert_eq!(forwarded, 10_000, "every record is forwarded once");
    }
    group.bench_function("group_of_3_forwards_10k_records_at_least_once", |b| {
        b.iter_batched(
            || produced.clone(),
            |world| consume_from(world, &at_least_once),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("group_of_3_forwards_10k_records_exactly_once", |b| {
        b.iter_batched(
            || produced.clone(),
            |world| consume_from(world, &exactly_once),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, engine, replication, consumers);
criterion_main!(benches);
