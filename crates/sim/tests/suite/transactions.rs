//! Goal: transactions behave as Kafka 4's (KIP-98 with KIP-890's epoch bump per transaction):
//! read_committed readers see a transaction's records only after its COMMIT markers, never an
//! aborted one's, and are held at the last stable offset while one is open; a new instance
//! fences the old one; the coordinator aborts a transaction past its timeout and finishes a
//! commit after failing over. Method: transactional producers and readers of both isolation
//! levels on a three-broker cluster, faults at the moment that matters, then what each reader
//! returned, the logs and the checker.

use crate::common;

use common::*;
use kafka_sim::ControlType;
use kafka_sim::check::{Anomaly, check};
use kafka_sim::client::TxnAction;
use kafka_sim::{EventKind, Outcome, TxnPrepareCause, World};

/// Values a consumer's application processed, sorted.
fn values(world: &World, consumer: &str) -> Vec<String> {
    let mut read: Vec<String> = processed(world, consumer)
        .into_iter()
        .map(|(_, _, v)| v)
        .collect();
    read.sort();
    read
}

/// Topic `t` (2 partitions, RF 3, min.insync.replicas 2), transactional producer `p`
/// initialised, and readers `rc` (read_committed) and `ru` (read_uncommitted).
fn setup(world: &mut World, producer_configs: &[(&str, &str)]) {
    create_topic(world, "t", 2, 3, &[("min.insync.replicas", "2")]);
    let mut configs = vec![("transactional.id", "tx")];
    configs.extend_from_slice(producer_configs);
    add_producer(world, "p", &configs);
    txn(world, "p", TxnAction::Init);
    run_ms(world, 3_000);
    assert_eq!(last_call(world, "p", TxnAction::Init), Outcome::Done);
    for (name, isolation) in [("rc", "read_committed"), ("ru", "read_uncommitted")] {
        let configs = [
            ("auto.offset.reset", "earliest"),
            ("isolation.level", isolation),
        ];
        add_consumer(world, name, name, &["t"], &configs);
    }
}

#[test]
fn read_committed_sees_committed_transactions_only() {
    let mut world = cluster(1);
    setup(&mut world, &[]);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "a1");
    send(&mut world, "p", "t", Some("k2"), "a2");
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 1_000);
    assert_eq!(last_call(&world, "p", TxnAction::Commit), Outcome::Done);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "b1");
    send(&mut world, "p", "t", Some("k2"), "b2");
    run_ms(&mut world, 1_000);
    txn(&mut world, "p", TxnAction::Abort);
    run_ms(&mut world, 15_000);
    assert_eq!(last_call(&world, "p", TxnAction::Abort), Outcome::Done);

    assert_eq!(values(&world, "rc"), ["a1", "a2"]);
    assert_eq!(values(&world, "ru"), ["a1", "a2", "b1", "b2"]);
    let markers: Vec<ControlType> = (0..2)
        .flat_map(|p| {
            let leader = leader(&world, "t", p).expect("leader");
            let tp = kafka_sim::TopicPartition::new("t", p);
            world
                .replica_log(leader, &tp)
                .expect("log")
                .records()
                .iter()
                .filter_map(|r| r.batch.control)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        markers
            .iter()
            .filter(|c| **c == ControlType::Commit)
            .count(),
        markers.len() / 2,
        "one COMMIT and one ABORT marker per partition: {markers:?}"
    );
    let anomalies: Vec<Anomaly> = check(&world).into_iter().map(|v| v.anomaly).collect();
    assert_eq!(
        anomalies,
        [Anomaly::AbortedRead, Anomaly::AbortedRead],
        "only the read_uncommitted reader read the aborted records"
    );
    // The epoch went up once per transaction (KIP-890).
    let producer = world.producers().find(|p| p.name() == "p").expect("p");
    assert!(producer.transactions().is_some());
}

#[test]
fn an_open_transaction_holds_read_committed_readers_at_the_last_stable_offset() {
    let mut world = cluster(2);
    setup(&mut world, &[]);
    add_producer(&mut world, "plain", &[]);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "x");
    run_ms(&mut world, 1_000);
    send(&mut world, "plain", "t", Some("k1"), "y");
    run_ms(&mut world, 10_000);
    assert_eq!(values(&world, "ru"), ["x", "y"]);
    assert!(
        values(&world, "rc").is_empty(),
        "y is committed but behind the open transaction: {:?}",
        values(&world, "rc")
    );
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 10_000);
    assert_eq!(values(&world, "rc"), ["x", "y"]);
    assert!(check(&world).is_empty(), "{:?}", check(&world));
}

#[test]
fn a_new_instance_fences_the_old_one_and_aborts_its_transaction() {
    let mut world = cluster(3);
    setup(&mut world, &[]);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "zombie");
    run_ms(&mut world, 1_000);
    add_producer(&mut world, "p2", &[("transactional.id", "tx")]);
    txn(&mut world, "p2", TxnAction::Init);
    run_ms(&mut world, 3_000);
    assert_eq!(last_call(&world, "p2", TxnAction::Init), Outcome::Done);
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 3_000);
    let Outcome::Exception { message } = last_call(&world, "p", TxnAction::Commit) else {
        panic!("the zombie's commit must fail");
    };
    assert!(message.contains("ProducerFencedException"), "{message}");
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::TxnPrepared {
            committed: false,
            cause: TxnPrepareCause::NewInstance,
            ..
        }
    )));
    // The new instance works; nothing of the zombie's is ever committed.
    txn(&mut world, "p2", TxnAction::Begin);
    send(&mut world, "p2", "t", Some("k1"), "fresh");
    txn(&mut world, "p2", TxnAction::Commit);
    run_ms(&mut world, 10_000);
    assert_eq!(values(&world, "rc"), ["fresh"]);
}

#[test]
fn the_coordinator_aborts_a_transaction_past_its_timeout() {
    let mut world = cluster(4);
    setup(&mut world, &[("transaction.timeout.ms", "5000")]);
    add_producer(&mut world, "plain", &[]);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "slow");
    run_ms(&mut world, 1_000);
    send(&mut world, "plain", "t", Some("k1"), "after");
    run_ms(&mut world, 20_000);
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::TxnPrepared {
            committed: false,
            cause: TxnPrepareCause::Timeout { timeout_ms: 5000 },
            ..
        }
    )));
    assert_eq!(
        values(&world, "rc"),
        ["after"],
        "the abort releases the stable offset"
    );
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 2_000);
    assert!(
        matches!(last_call(&world, "p", TxnAction::Commit), Outcome::Exception { ref message } if message.contains("ProducerFenced")),
        "{:?}",
        last_call(&world, "p", TxnAction::Commit)
    );
}

#[test]
fn a_commit_survives_the_coordinator_crashing_while_it_writes_markers() {
    let mut world = cluster(5);
    setup(&mut world, &[]);
    let (tp, state) =
        kafka_sim::group::key_partition(world.metadata(), "__transaction_state", "tx")
            .expect("topic exists");
    let coordinator = state.leader.expect("coordinator");
    txn(&mut world, "p", TxnAction::Begin);
    for i in 0..6 {
        send(
            &mut world,
            "p",
            "t",
            Some(&format!("k{i}")),
            &format!("v{i}"),
        );
    }
    run_ms(&mut world, 1_000);
    txn(&mut world, "p", TxnAction::Commit);
    // EndTxn reaches the coordinator, which persists PrepareCommit and starts on the
    // markers: then it dies.
    run_ms(&mut world, 3);
    crash_broker(&mut world, coordinator);
    // Requests in flight to the dead broker (a fetch, then perhaps a metadata request) are
    // given up only after request.timeout.ms (30 s) each: the simulation has no connection
    // resets.
    run_ms(&mut world, 80_000);
    assert_ne!(
        world.metadata().partition(&tp).and_then(|s| s.leader),
        Some(coordinator),
        "another broker coordinates"
    );
    assert_eq!(last_call(&world, "p", TxnAction::Commit), Outcome::Done);
    assert_eq!(values(&world, "rc").len(), 6, "the commit completed");
    assert!(check(&world).is_empty(), "{:?}", check(&world));
}

#[test]
fn ab_the_same_run_read_uncommitted_reads_aborted_records_and_read_committed_does_not() {
    let mut world = cluster(6);
    setup(&mut world, &[]);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "kept");
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 1_000);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k1"), "dropped");
    run_ms(&mut world, 1_000);
    txn(&mut world, "p", TxnAction::Abort);
    run_ms(&mut world, 10_000);
    let (uncommitted, committed) = ab_preset("read_committed");
    let comparison = ab_compare(&world, &uncommitted, &committed);
    // Both of the run's consumers are forced to the side's isolation level.
    assert_eq!(comparison.a.aborted_read, 2, "{comparison:?}");
    assert_eq!(comparison.b.aborted_read, 0, "{comparison:?}");
    assert!(
        comparison
            .difference
            .contains("2 read from aborted transactions"),
        "{}",
        comparison.difference
    );
}
