//! Goal: the producer behaves as Kafka's Java client: keys land where the Java client puts them,
//! records are batched, retries can duplicate or reorder without idempotence and cannot with
//! it, acks=0 loses records silently, and bad configs and serializers fail as Kafka's do.
//! Method: producers with chosen configs against a three-broker cluster, with faults aimed at
//! the exact moment that matters, then the logs.

use crate::common;

use common::*;
use kafka_sim::producer::ProducerRecord;
use kafka_sim::{
    Command, CommandError, Endpoint, ErrorCode, EventKind, Outcome, TopicPartition, World,
};
use serde_json::Value;
use std::collections::BTreeMap;

fn acked(outcome: &Outcome) -> Option<(u32, u64)> {
    match outcome {
        Outcome::Acked {
            partition, offset, ..
        } => Some((*partition, *offset)),
        _ => None,
    }
}

fn count(world: &World, broker: u32, topic: &str, value: &str) -> usize {
    log_values(world, broker, topic, 0)
        .iter()
        .filter(|(_, v)| v == value)
        .count()
}

#[test]
fn keys_land_on_the_partitions_the_java_client_picks() {
    let vectors: Value =
        serde_json::from_str(include_str!("../testdata/kafka-vectors.json")).expect("JSON");
    let mut world = cluster(1);
    create_topic(&mut world, "keys", 1000, 1, &[]);
    add_producer(&mut world, "p", &[]);
    let cases: Vec<(String, u64)> = vectors["partition"]
        .as_array()
        .expect("vectors")
        .iter()
        .filter(|v| v["num_partitions"] == 1000)
        .map(|v| {
            (
                v["key"].as_str().expect("key").to_owned(),
                v["partition"].as_u64().expect("partition"),
            )
        })
        .collect();
    assert!(cases.len() >= 5);
    for (key, _) in &cases {
        send(&mut world, "p", "keys", Some(key), "v");
    }
    run_ms(&mut world, 1_000);
    for (i, (key, partition)) in cases.iter().enumerate() {
        assert_eq!(
            acked(&outcome(&world, i)).map(|(p, _)| u64::from(p)),
            Some(*partition),
            "key {key:?}"
        );
    }
}

#[test]
fn records_sent_within_linger_ms_travel_as_one_batch() {
    let mut world = cluster(2);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_producer(&mut world, "p", &[("linger.ms", "50")]);
    run_ms(&mut world, 100);
    for i in 0..10 {
        send(&mut world, "p", "orders", None, &format!("v{i}"));
    }
    run_ms(&mut world, 200);
    let offsets: Vec<_> = (0..10).map(|i| acked(&outcome(&world, i))).collect();
    assert_eq!(offsets, (0..10).map(|o| Some((0, o))).collect::<Vec<_>>());
    let leader = leader(&world, "orders", 0).expect("led");
    let log = world
        .replica_log(leader, &TopicPartition::new("orders", 0))
        .expect("hosted");
    assert!(
        log.records().iter().all(|r| r.batch.record_count == 10),
        "one batch of ten"
    );
    assert!(
        log.records()[0].batch.producer_id.is_some(),
        "idempotent by default"
    );
}

/// The first attempt is written but its response is lost; the retry after request.timeout.ms
/// writes the record again unless the broker recognises the sequence number.
fn lost_response(idempotence: &str) -> (World, u32) {
    let mut world = cluster(3);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_producer(
        &mut world,
        "p",
        &[
            ("enable.idempotence", idempotence),
            ("request.timeout.ms", "1000"),
            ("linger.ms", "0"),
        ],
    );
    send(&mut world, "p", "orders", None, "warm-up");
    run_ms(&mut world, 100);
    let leader = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::CutOneWay {
            from: Endpoint::Broker(leader),
            to: Endpoint::Client("p".to_owned()),
        })
        .expect("valid");
    send(&mut world, "p", "orders", None, "payment-42");
    run_ms(&mut world, 500);
    world.apply(Command::HealNetwork).expect("valid");
    run_ms(&mut world, 2_000);
    (world, leader)
}

#[test]
fn without_idempotence_a_retry_after_a_lost_response_duplicates_the_record() {
    let (world, leader) = lost_response("false");
    assert_eq!(
        count(&world, leader, "orders", "payment-42"),
        2,
        "written twice"
    );
    assert_eq!(
        acked(&outcome(&world, 1)),
        Some((0, 2)),
        "the user sees one success, at the second copy"
    );
}

#[test]
fn with_idempotence_the_retry_is_recognised_and_answered_with_the_original_offset() {
    let (world, leader) = lost_response("true");
    assert_eq!(
        count(&world, leader, "orders", "payment-42"),
        1,
        "written once"
    );
    assert_eq!(acked(&outcome(&world, 1)), Some((0, 1)));
}

/// Two batches in flight to one partition; the first fails with a retriable error, the second
/// is written; the first is retried.
fn failed_first_batch(extra: &[(&str, &str)]) -> Vec<String> {
    let mut world = cluster(4);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let mut config = vec![
        ("linger.ms", "0"),
        ("max.in.flight.requests.per.connection", "5"),
    ];
    config.extend_from_slice(extra);
    add_producer(&mut world, "p", &config);
    send(&mut world, "p", "orders", None, "a");
    run_ms(&mut world, 100);
    let leader = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::PushErrors {
            broker: leader,
            api: "Produce".to_owned(),
            errors: vec![ErrorCode::NotEnoughReplicas],
        })
        .expect("valid");
    send(&mut world, "p", "orders", None, "b");
    send(&mut world, "p", "orders", None, "c");
    run_ms(&mut world, 1_000);
    for i in 0..3 {
        assert!(
            acked(&outcome(&world, i)).is_some(),
            "send {i} succeeded: {:?}",
            outcome(&world, i)
        );
    }
    log_values(&world, leader, "orders", 0)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn without_idempotence_max_in_flight_above_one_reorders_on_retry() {
    assert_eq!(
        failed_first_batch(&[("enable.idempotence", "false")]),
        ["a", "c", "b"]
    );
}

#[test]
fn with_idempotence_the_broker_keeps_the_order() {
    assert_eq!(failed_first_batch(&[]), ["a", "b", "c"]);
}

#[test]
fn acks_0_reports_success_for_records_that_never_arrive() {
    let mut world = cluster(5);
    create_topic(&mut world, "clicks", 1, 3, &[]);
    add_producer(&mut world, "p", &[("acks", "0"), ("linger.ms", "0")]);
    send(&mut world, "p", "clicks", None, "before");
    run_ms(&mut world, 100);
    let old_leader = leader(&world, "clicks", 0).expect("led");
    crash_broker(&mut world, old_leader);
    send(&mut world, "p", "clicks", None, "into-the-void");
    run_ms(&mut world, 100);
    assert_eq!(
        outcome(&world, 1),
        Outcome::Sent { partition: 0 },
        "no error reaches the user"
    );
    world
        .apply(Command::RestartBroker { broker: old_leader })
        .expect("down");
    run_ms(&mut world, 15_000);
    for broker in 1..=3 {
        assert_eq!(count(&world, broker, "clicks", "into-the-void"), 0);
        assert_eq!(count(&world, broker, "clicks", "before"), 1);
    }
}

#[test]
fn idempotence_does_not_merge_sends_or_producers() {
    let mut world = cluster(6);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_producer(&mut world, "p1", &[]);
    add_producer(&mut world, "p2", &[]);
    send(&mut world, "p1", "orders", None, "same");
    send(&mut world, "p1", "orders", None, "same");
    send(&mut world, "p2", "orders", None, "same");
    run_ms(&mut world, 500);
    let leader = leader(&world, "orders", 0).expect("led");
    assert_eq!(
        count(&world, leader, "orders", "same"),
        3,
        "idempotence dedupes retries, not values"
    );
}

#[test]
fn configs_that_contradict_explicit_idempotence_are_refused() {
    let mut world = cluster(7);
    let config = BTreeMap::from([
        ("acks".to_owned(), "1".to_owned()),
        ("enable.idempotence".to_owned(), "true".to_owned()),
    ]);
    assert_eq!(
        world.apply(Command::AddProducer { name: "p".to_owned(), config }),
        Err(CommandError::Config(
            "ConfigException: Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".to_owned()
        ))
    );
}

#[test]
fn a_failing_serializer_fails_the_send_before_anything_is_sent() {
    let mut world = cluster(8);
    create_topic(&mut world, "numbers", 1, 1, &[]);
    add_producer(
        &mut world,
        "p",
        &[(
            "value.serializer",
            "org.apache.kafka.common.serialization.IntegerSerializer",
        )],
    );
    send(&mut world, "p", "numbers", None, "forty-two");
    send(&mut world, "p", "numbers", None, "42");
    run_ms(&mut world, 200);
    assert!(
        matches!(outcome(&world, 0), Outcome::Exception { message } if message.starts_with("SerializationException: Can't convert value of class java.lang.String"))
    );
    assert_eq!(
        acked(&outcome(&world, 1)),
        Some((0, 0)),
        "only the serializable record was written"
    );
}

#[test]
fn keyless_records_stick_to_a_partition_for_about_a_batch() {
    let mut world = cluster(9);
    create_topic(&mut world, "clicks", 6, 1, &[]);
    add_producer(
        &mut world,
        "p",
        &[("batch.size", "1000"), ("linger.ms", "1000")],
    );
    run_ms(&mut world, 100);
    for i in 0..200 {
        send(&mut world, "p", "clicks", None, &format!("{i:0>92}"));
        run_ms(&mut world, 1);
    }
    run_ms(&mut world, 2_000);
    let partitions: Vec<u32> = (0..200)
        .map(|i| acked(&outcome(&world, i)).expect("acked").0)
        .collect();
    let switches = partitions.windows(2).filter(|w| w[0] != w[1]).count();
    // Records of 100 bytes and batch.size 1000: a switch about every 10 records.
    assert!(
        (8..=30).contains(&switches),
        "{switches} switches: {partitions:?}"
    );
    let used: std::collections::BTreeSet<u32> = partitions.iter().copied().collect();
    assert!(used.len() >= 4, "spread over time: {used:?}");
}

/// One partition on one replica, and producer `p` that gives up on a batch after 3 s
/// (`delivery.timeout.ms`), sending each record at once.
fn expiring_producer(seed: u64) -> World {
    let mut world = cluster(seed);
    create_topic(&mut world, "orders", 1, 1, &[]);
    add_producer(
        &mut world,
        "p",
        &[
            ("request.timeout.ms", "1000"),
            ("delivery.timeout.ms", "3000"),
            ("linger.ms", "0"),
        ],
    );
    world
}

#[test]
fn records_expire_after_delivery_timeout_ms_when_no_leader_answers() {
    let mut world = expiring_producer(10);
    run_ms(&mut world, 100);
    let only = leader(&world, "orders", 0).expect("led");
    crash_broker(&mut world, only);
    send(&mut world, "p", "orders", None, "stranded");
    run_ms(&mut world, 5_000);
    assert_eq!(
        outcome(&world, 0),
        Outcome::Exception { message: "TimeoutException: Expiring 1 record(s) for orders-0:3000 ms has passed since batch creation".to_owned() }
    );
}

/// Regression: a producer whose first metadata predates the topic must ask again when a send
/// needs the topic, not sit until something else wakes it.
#[test]
fn a_send_to_a_topic_missing_from_first_metadata_goes_out_after_a_refresh() {
    let mut world = World::new(&kafka_sim::ClusterConfig::default(), 3);
    run_ms(&mut world, 500);
    try_create_topic(&mut world, "late", 1, 3, &[]).expect("valid");
    add_producer(&mut world, "p", &[]);
    run_ms(&mut world, 100);
    send(&mut world, "p", "late", None, "v");
    run_ms(&mut world, 50);
    let op = &world.operations()[0];
    assert!(acked(&op.outcome).is_some(), "{:?}", op.outcome);
    let took = op.completed_at.expect("done") - op.invoked_at;
    assert!(took.as_millis() < 20, "acknowledged {took} after the send");
}

/// Sends to a topic the metadata does not have wait, up to `max.block.ms`, without holding up
/// sends to a topic it has; once the topic exists they go out in the order sent, and a send
/// still waiting at `max.block.ms` fails as the Java client's does. (The producer checks the
/// waiting sends again only when the metadata changes or a deadline passes.)
#[test]
fn sends_waiting_for_a_missing_topic_let_others_pass_and_keep_their_order() {
    let mut world = cluster(21);
    create_topic(&mut world, "known", 1, 3, &[]);
    add_producer(&mut world, "p", &[("max.block.ms", "2000")]);
    run_ms(&mut world, 100);
    for i in 0..30 {
        send(&mut world, "p", "later", None, &format!("l{i}"));
        send(&mut world, "p", "known", None, &format!("k{i}"));
        run_ms(&mut world, 10);
    }
    run_ms(&mut world, 100);
    let outcomes = |world: &World| -> Vec<Outcome> {
        world
            .operations()
            .iter()
            .map(|op| op.outcome.clone())
            .collect()
    };
    let now = outcomes(&world);
    for i in 0..30 {
        assert_eq!(now[2 * i], Outcome::Pending, "l{i} waits for metadata");
        assert_eq!(acked(&now[2 * i + 1]), Some((0, i as u64)), "k{i} went out");
    }
    try_create_topic(&mut world, "later", 1, 3, &[]).expect("valid");
    run_ms(&mut world, 1_000);
    let now = outcomes(&world);
    for i in 0..30 {
        assert_eq!(
            acked(&now[2 * i]),
            Some((0, i as u64)),
            "l{i}, in send order"
        );
    }
    for i in 0..5 {
        send(&mut world, "p", "never", None, &format!("n{i}"));
        run_ms(&mut world, 100);
    }
    run_ms(&mut world, 2_000);
    let message = "TimeoutException: Topic never not present in metadata after 2000 ms.";
    for outcome in &outcomes(&world)[60..] {
        assert_eq!(
            outcome,
            &Outcome::Exception {
                message: message.to_owned()
            }
        );
    }
}

/// Regression (fuzz seed 8): followers must keep the producers' state, or a new leader takes a
/// retried batch for a new one and writes it again.
#[test]
fn a_new_leader_recognises_a_batch_retried_after_failover() {
    let mut world = cluster(11);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_producer(
        &mut world,
        "p",
        &[("request.timeout.ms", "2000"), ("linger.ms", "0")],
    );
    send(&mut world, "p", "orders", None, "warm-up");
    run_ms(&mut world, 100);
    let old_leader = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::CutOneWay {
            from: Endpoint::Broker(old_leader),
            to: Endpoint::Client("p".to_owned()),
        })
        .expect("valid");
    send(&mut world, "p", "orders", None, "once");
    run_ms(&mut world, 100);
    crash_broker(&mut world, old_leader);
    world.apply(Command::HealNetwork).expect("valid");
    run_ms(&mut world, 20_000);
    let new_leader = leader(&world, "orders", 0).expect("a new leader");
    assert_ne!(new_leader, old_leader);
    assert_eq!(
        count(&world, new_leader, "orders", "once"),
        1,
        "{:?}",
        log_values(&world, new_leader, "orders", 0)
    );
    assert_eq!(
        acked(&outcome(&world, 1)),
        Some((0, 1)),
        "answered with the original offset"
    );
}

#[test]
fn a_crashed_producer_loses_what_it_had_not_sent_but_not_its_history() {
    let mut world = cluster(12);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_producer(&mut world, "p", &[("linger.ms", "1000")]);
    run_ms(&mut world, 100);
    for i in 0..3 {
        send(&mut world, "p", "orders", None, &format!("lingering-{i}"));
    }
    run_ms(&mut world, 100);
    crash_client(&mut world, "p");
    assert_eq!(world.operations().len(), 3, "the history survives");
    for i in 0..3 {
        assert!(
            matches!(outcome(&world, i), Outcome::Exception { message } if message.contains("crashed"))
        );
    }
    assert!(
        world
            .apply(Command::CrashClient {
                name: "p".to_owned()
            })
            .is_err(),
        "already down"
    );
    world
        .apply(Command::RestartClient {
            name: "p".to_owned(),
        })
        .expect("down");
    send(&mut world, "p", "orders", None, "after-restart");
    run_ms(&mut world, 1_500);
    assert_eq!(
        acked(&outcome(&world, 3)),
        Some((0, 0)),
        "nothing of the lingering batch was written"
    );
}

#[test]
fn record_metadata_carries_the_create_time_given_or_taken_at_send() {
    let mut world = cluster(13);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_producer(&mut world, "p", &[]);
    run_ms(&mut world, 100);
    let sent_at = world.now().as_millis();
    send(&mut world, "p", "orders", None, "now");
    let record = ProducerRecord {
        topic: "orders".into(),
        value: Some("dated".into()),
        timestamp: Some(1_700_000_000_000),
        ..ProducerRecord::default()
    };
    world
        .apply(Command::Send {
            producer: "p".into(),
            record,
        })
        .expect("producer");
    run_ms(&mut world, 200);
    let stamp = |n: usize| match outcome(&world, n) {
        Outcome::Acked { timestamp_ms, .. } => timestamp_ms,
        other => panic!("not acknowledged: {other:?}"),
    };
    assert_eq!(stamp(0), sent_at, "CreateTime is the moment of send()");
    assert_eq!(stamp(1), 1_700_000_000_000);
    let leader = leader(&world, "orders", 0).expect("led");
    let log = world
        .replica_log(leader, &TopicPartition::new("orders", 0))
        .expect("hosted");
    assert_eq!(
        log.records()[1].data.timestamp_ms,
        1_700_000_000_000,
        "stored as given"
    );
}

#[test]
fn absurd_durations_are_accepted_without_panicking() {
    let mut world = cluster(14);
    create_topic(&mut world, "orders", 1, 1, &[]);
    add_producer(
        &mut world,
        "p",
        &[
            ("linger.ms", "18446744073709551615"),
            ("delivery.timeout.ms", "18446744073709551615"),
        ],
    );
    slow_follower(&mut world, 1, u64::MAX);
    send(&mut world, "p", "orders", None, "v");
    world
        .apply(Command::Flush {
            producer: "p".to_owned(),
        })
        .expect("producer");
    run_ms(&mut world, 1_000);
    assert_eq!(
        acked(&outcome(&world, 0)),
        Some((0, 0)),
        "flush sends despite the linger"
    );
}

/// KIP-360: a batch that expired without reaching the log leaves a gap in the partition's
/// sequence numbers; instead of failing every later batch with OUT_OF_ORDER_SEQUENCE_NUMBER,
/// the idempotent producer bumps its epoch and starts again at sequence 0.
#[test]
fn an_expired_batch_makes_the_idempotent_producer_bump_its_epoch() {
    let mut world = expiring_producer(11);
    run_ms(&mut world, 200);
    send(&mut world, "p", "orders", None, "first");
    run_ms(&mut world, 500);
    let broker = leader(&world, "orders", 0).expect("led");
    let (a, b) = (Endpoint::Broker(broker), Endpoint::Client("p".to_owned()));
    world
        .apply(Command::CutLink {
            a: a.clone(),
            b: b.clone(),
        })
        .expect("cut");
    send(&mut world, "p", "orders", None, "stranded");
    run_ms(&mut world, 5_000);
    world.apply(Command::HealLink { a, b }).expect("healed");
    send(&mut world, "p", "orders", None, "after");
    run_ms(&mut world, 3_000);
    assert!(
        matches!(outcome(&world, 1), Outcome::Exception { .. }),
        "the stranded batch expired"
    );
    assert!(
        matches!(outcome(&world, 2), Outcome::Acked { offset: 1, .. }),
        "{:?}",
        outcome(&world, 2)
    );
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::ProducerEpochBumped { producer, epoch: 1, .. } if producer == "p"
    )));
    let values: Vec<String> = log_values(&world, broker, "orders", 0)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(values, ["first", "after"]);
}

#[test]
fn a_steady_stream_sends_at_its_rate_until_stopped_and_every_send_is_checked() {
    let mut world = cluster(12);
    create_topic(&mut world, "orders", 3, 3, &[]);
    add_producer(&mut world, "p", &[]);
    let stream = |per_second| Command::StreamRecords {
        producer: "p".to_owned(),
        topic: "orders".to_owned(),
        per_second,
    };
    world.apply(stream(100)).expect("producer exists");
    run_ms(&mut world, 2_000);
    world.apply(stream(0)).expect("producer exists");
    run_ms(&mut world, 2_000);
    let operations = world.operations();
    assert!(
        (199..=200).contains(&operations.len()),
        "100 records per second for 2 s: {}",
        operations.len()
    );
    assert!(
        operations
            .iter()
            .all(|op| matches!(op.outcome, Outcome::Acked { .. }))
    );
    assert!(kafka_sim::check::check(&world).is_empty());
}

#[test]
fn ab_the_same_run_loses_acknowledged_records_with_acks_1_and_none_with_acks_all() {
    let mut world = cluster(13);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_producer(&mut world, "p", &[("linger.ms", "0")]);
    run_ms(&mut world, 200);
    let leader_id = leader(&world, "orders", 0).expect("led");
    for broker in 1..=3 {
        if broker != leader_id {
            slow_follower(&mut world, broker, 60_000);
        }
    }
    run_ms(&mut world, 1_000);
    for i in 0..5 {
        send(&mut world, "p", "orders", None, &format!("order-{i}"));
    }
    run_ms(&mut world, 1_000);
    crash_broker(&mut world, leader_id);
    run_ms(&mut world, 20_000);
    let (acks1, acks_all) = ab_preset("acks=1 vs acks=all");
    let comparison = ab_compare(&world, &acks1, &acks_all);
    assert!(comparison.a.lost > 0, "{comparison:?}");
    assert_eq!(comparison.b.lost, 0, "{comparison:?}");
    assert!(
        comparison
            .difference
            .starts_with("acks=1: 5 of 5 sends acknowledged"),
        "{}",
        comparison.difference
    );
}

#[test]
fn ab_a_stall_only_acks_all_waits_for_is_a_difference_in_availability() {
    let mut world = cluster(13);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_producer(&mut world, "p", &[("linger.ms", "0")]);
    run_ms(&mut world, 200);
    // One follower stops fetching: acks=all waits until the leader drops it from the ISR
    // (replica.lag.time.max.ms); acks=1 does not wait for it. Nobody loses anything.
    let slow = followers(&world, "orders", 0)[0];
    slow_follower(&mut world, slow, 120_000);
    run_ms(&mut world, 1_000);
    for i in 0..5 {
        send(&mut world, "p", "orders", None, &format!("order-{i}"));
    }
    run_ms(&mut world, 60_000);
    let (acks1, acks_all) = ab_preset("acks=1 vs acks=all");
    let comparison = ab_compare(&world, &acks1, &acks_all);
    let (a, b) = (&comparison.a, &comparison.b);
    assert_eq!((a.lost, b.lost), (0, 0), "{comparison:?}");
    assert_eq!((a.acknowledged, b.acknowledged), (5, 5), "{comparison:?}");
    assert!(a.slowest_ack.as_millis() < 100, "{comparison:?}");
    assert!(b.slowest_ack.as_millis() >= 10_000, "{comparison:?}");
    let difference = &comparison.difference;
    assert!(
        difference.starts_with("No difference in safety so far, but in availability. acks=1: 5 of 5 sends acknowledged (the slowest after "),
        "{difference}"
    );
    assert!(
        difference.contains("acks=all: 5 of 5 sends acknowledged (the slowest after "),
        "{difference}"
    );
}

/// When the send of `value`, made while the leader waits for its slow followers, is
/// acknowledged after the leader's host suffers `kind`.
fn ack_after_leader_dies(kind: kafka_sim::CrashKind) -> u64 {
    let mut world = cluster(8);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_producer(&mut world, "p", &[("acks", "all"), ("linger.ms", "0")]);
    send(&mut world, "p", "orders", None, "warm-up");
    run_ms(&mut world, 500);
    let leader = leader(&world, "orders", 0).expect("led");
    for broker in followers(&world, "orders", 0) {
        slow_follower(&mut world, broker, 2_000);
    }
    send(&mut world, "p", "orders", None, "payment-7");
    run_ms(&mut world, 200);
    let crashed_at = world.now().as_millis();
    world
        .apply(Command::CrashBroker {
            broker: leader,
            kind,
        })
        .expect("running");
    for broker in followers(&world, "orders", 0) {
        slow_follower(&mut world, broker, 0);
    }
    run_ms(&mut world, 60_000);
    let p = world.producers().next().expect("producer");
    let op = p.history().last().expect("sent");
    assert!(acked(&op.outcome).is_some(), "{:?}", op.outcome);
    op.completed_at.expect("completed").as_millis() - crashed_at
}

#[test]
fn a_killed_leader_resets_the_connection_and_the_producer_retries_at_once() {
    // kill -9: the host's TCP stack resets the connection, the producer retries at once and
    // keeps retrying until the controller fences the broker (9 s) and elects a new leader.
    let killed = ack_after_leader_dies(kafka_sim::CrashKind::Process);
    assert!(killed < 12_000, "acknowledged {killed} ms after the crash");
    // A host that lost power answers nothing: the request, sent 200 ms before, waits out
    // request.timeout.ms (30 s).
    let powered_off = ack_after_leader_dies(kafka_sim::CrashKind::PowerLoss);
    assert!(
        powered_off >= 29_000,
        "acknowledged {powered_off} ms after the power loss"
    );
}

/// A batch larger than the brokers' `message.max.bytes` (default 1048588) or its topic's
/// `max.message.bytes` is refused whole with MESSAGE_TOO_LARGE, even from a producer whose
/// `max.request.size` lets it through: nothing is appended, and the next record takes the
/// next offset.
#[test]
fn a_batch_over_the_size_limit_is_refused_and_appends_nothing() {
    let mut world = cluster(3);
    create_topic(&mut world, "big", 1, 3, &[]);
    create_topic(&mut world, "small", 1, 3, &[("max.message.bytes", "1000")]);
    add_producer(&mut world, "p", &[("max.request.size", "4194304")]);
    run_ms(&mut world, 100);
    let sends = [
        ("big", "x".repeat(2 * 1024 * 1024)),
        ("big", "after".to_owned()),
        ("small", "y".repeat(1_500)),
        ("small", "ok".to_owned()),
    ];
    for (topic, value) in &sends {
        send(&mut world, "p", topic, None, value);
        run_ms(&mut world, 500);
    }
    for refused in [0, 2] {
        assert!(
            matches!(
                outcome(&world, refused),
                Outcome::Failed {
                    error: ErrorCode::MessageTooLarge,
                    ..
                }
            ),
            "send {refused}: {:?}",
            outcome(&world, refused)
        );
    }
    assert_eq!(acked(&outcome(&world, 1)), Some((0, 0)));
    assert_eq!(acked(&outcome(&world, 3)), Some((0, 0)));
    for topic in ["big", "small"] {
        let leader = leader(&world, topic, 0).expect("led");
        assert_eq!(log_values(&world, leader, topic, 0).len(), 1, "{topic}");
    }
    let described = world.describe_topics(Some("small"));
    assert!(described.contains("max.message.bytes=1000"), "{described}");
}

#[test]
fn max_message_bytes_is_a_topic_config_with_kafkas_checks() {
    let mut world = cluster(4);
    let refused = try_create_topic(&mut world, "t", 1, 3, &[("max.message.bytes", "-1")]);
    assert_eq!(
        refused,
        Err("INVALID_CONFIG: Invalid value -1 for configuration max.message.bytes: Value must be at least 0".to_owned())
    );
}

/// KIP-91: `delivery.timeout.ms` bounds a send whatever the network does, also while its
/// batch is in a request nobody answers: the batch fails with TimeoutException at the
/// deadline, not when the request's own `request.timeout.ms` runs out later.
#[test]
fn a_batch_in_flight_expires_at_delivery_timeout() {
    let mut world = cluster(5);
    create_topic(&mut world, "t", 1, 3, &[]);
    add_producer(
        &mut world,
        "p",
        &[
            ("request.timeout.ms", "20000"),
            ("delivery.timeout.ms", "30000"),
        ],
    );
    run_ms(&mut world, 100);
    let leader = leader(&world, "t", 0).expect("led");
    let link = (Endpoint::Client("p".to_owned()), Endpoint::Broker(leader));
    world
        .apply(Command::CutLink {
            a: link.0.clone(),
            b: link.1.clone(),
        })
        .expect("cut");
    send(&mut world, "p", "t", None, "v");
    // The first attempt times out after 20 s; the retry is in flight when the 30 s are up.
    run_ms(&mut world, 45_000);
    let op = world
        .operations()
        .into_iter()
        .find(|op| &*op.client == "p")
        .expect("the send")
        .clone();
    assert_eq!(
        op.outcome,
        Outcome::Exception {
            message: "TimeoutException: Expiring 1 record(s) for t-0:30000 ms has passed since batch creation"
                .to_owned()
        }
    );
    let took = op.completed_at.expect("done").as_micros() - op.invoked_at.as_micros();
    assert!(
        (30_000_000..30_010_000).contains(&took),
        "failed {took} µs after send(), at the delivery timeout"
    );
}

/// A batch refused again and again (NOT_ENOUGH_REPLICAS: the ISR is below
/// min.insync.replicas), after `wait_ms`: how many times it was sent.
fn attempts_while_refused(seed: u64, extra: &[(&str, &str)], wait_ms: u64) -> u32 {
    let mut world = cluster(seed);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "3")]);
    let led = leader(&world, "orders", 0).expect("led");
    let follower = (1..=3).find(|&b| b != led).expect("three brokers");
    crash_broker(&mut world, follower);
    run_ms(&mut world, 40_000);
    let mut config = vec![("linger.ms", "0")];
    config.extend_from_slice(extra);
    add_producer(&mut world, "p", &config);
    send(&mut world, "p", "orders", None, "v");
    run_ms(&mut world, wait_ms);
    let view = world.view();
    let batch = view.producers[0].batches.first().expect("still retrying");
    batch.attempts
}

#[test]
fn retries_back_off_exponentially_up_to_retry_backoff_max_ms() {
    // clients/src/main/java/org/apache/kafka/common/utils/ExponentialBackoff.java, as
    // RecordAccumulator uses it: 100, 200, 400, 800, then 1000 ms (±20 %) between attempts.
    // Five seconds hold about seven attempts, where a constant 100 ms would hold forty.
    for seed in [31, 32, 33] {
        let attempts = attempts_while_refused(seed, &[], 5_000);
        assert!(
            (5..=9).contains(&attempts),
            "seed {seed}: {attempts} attempts"
        );
        // With the cap at the base, the wait stays retry.backoff.ms.
        let constant = attempts_while_refused(seed, &[("retry.backoff.max.ms", "100")], 5_000);
        assert!(constant >= 30, "seed {seed}: {constant} attempts");
    }
}

#[test]
fn a_retry_to_a_new_leader_skips_its_backoff() {
    // KIP-951, RecordAccumulator.shouldBackoff and ProducerBatch.maybeUpdateLeaderEpoch: a
    // batch refused with NOT_LEADER_OR_FOLLOWER waits its backoff only while the producer knows
    // no newer leader; once its metadata names a newer leader epoch it goes at once.
    for seed in [41, 42, 43] {
        let mut world = cluster(seed);
        create_topic(&mut world, "t", 1, 3, &[]);
        // A long backoff makes the difference plain: a retry that waited would take 5 s.
        add_producer(
            &mut world,
            "p",
            &[
                ("retry.backoff.ms", "5000"),
                ("retry.backoff.max.ms", "5000"),
            ],
        );
        send(&mut world, "p", "t", None, "warm-up");
        run_ms(&mut world, 1_000);
        // The leader dies and comes back as a follower; the idle producer's metadata still
        // names it, so the next send is refused with NOT_LEADER_OR_FOLLOWER.
        let old = leader(&world, "t", 0).expect("a leader");
        crash_broker(&mut world, old);
        run_ms(&mut world, 15_000);
        world
            .apply(Command::RestartBroker { broker: old })
            .expect("a crashed broker");
        run_ms(&mut world, 15_000);
        assert_ne!(leader(&world, "t", 0), Some(old), "seed {seed}");
        send(&mut world, "p", "t", None, "after the move");
        run_ms(&mut world, 10_000);
        let operations = world.operations();
        let op = operations.last().expect("the send");
        assert!(
            matches!(op.outcome, Outcome::Acked { .. }),
            "seed {seed}: {:?}",
            op.outcome
        );
        let took = op.completed_at.expect("completed").as_millis() - op.invoked_at.as_millis();
        assert!(took < 1_000, "seed {seed}: the send took {took} ms");
    }
}

/// A producer's process dies while its acks=all send waits at the leader for slow followers,
/// and a new process of it starts and sends. The leader answers the dead process's request
/// after the new process has sent its own: the late answer must not acknowledge a record of
/// the new process (in Kafka it goes nowhere: its connection died with the old process), and
/// the new process's own answers must reach it.
#[test]
fn a_restarted_producer_gets_its_own_answers_not_its_predecessors() {
    for seed in 1..=10 {
        let mut world = cluster(seed);
        create_topic(&mut world, "t", 1, 3, &[("min.insync.replicas", "2")]);
        let leader = leader(&world, "t", 0).expect("a leader");
        let config = [("enable.idempotence", "false"), ("acks", "all")];
        add_producer(&mut world, "p", &config);
        send(&mut world, "p", "t", None, "warm-up");
        run_ms(&mut world, 1_000);
        for follower in followers(&world, "t", 0) {
            slow_follower(&mut world, follower, 4_000);
        }
        send(&mut world, "p", "t", None, "from the dead process");
        run_ms(&mut world, 50);
        crash_client(&mut world, "p");
        world
            .apply(Command::RestartClient { name: "p".into() })
            .expect("crashed producer");
        let new: Vec<String> = (0..5).map(|i| format!("new-{i}")).collect();
        for value in &new {
            send(&mut world, "p", "t", None, value);
            run_ms(&mut world, 20);
        }
        for follower in followers(&world, "t", 0) {
            slow_follower(&mut world, follower, 0);
        }
        run_ms(&mut world, 20_000);
        let log = log_values(&world, leader, "t", 0);
        for value in &new {
            let ops = world.operations();
            let op = ops
                .iter()
                .find(|op| op.to_string().contains(value.as_str()))
                .expect("the send");
            let Some((_, offset)) = acked(&op.outcome) else {
                panic!("seed {seed}: {value} not acknowledged: {:?}", op.outcome);
            };
            assert!(
                log.contains(&(offset, value.clone())),
                "seed {seed}: {value} acknowledged at offset {offset}, but the log is {log:?}"
            );
        }
    }
}

/// A producer whose first metadata answer lacked the topic sends to it once the topic exists:
/// the send asks for metadata again, as Kafka's `waitOnMetadata` requests an update for its
/// topic. Before, a send admitted after the last answer's backoff only marked the metadata
/// stale, nothing woke the producer to ask, and the send failed after max.block.ms (seen in
/// the acks lesson: a producer added as broker 1 restarted asked it first, and it answered
/// from the empty image it restarted with).
#[test]
fn a_send_for_a_topic_created_after_the_producer_asked_fetches_its_metadata() {
    let mut world = cluster(22);
    add_producer(&mut world, "p", &[]);
    run_ms(&mut world, 1_000);
    create_topic(&mut world, "late", 1, 3, &[]);
    run_ms(&mut world, 1_000);
    send(&mut world, "p", "late", None, "v");
    run_ms(&mut world, 1_000);
    let outcome = world.operations().last().map(|op| op.outcome.clone());
    assert_eq!(
        outcome.as_ref().and_then(acked),
        Some((0, 0)),
        "acknowledged within a second of virtual time, not after max.block.ms: {outcome:?}"
    );
}

/// Each new batch takes `batch.size` of `buffer.memory` (Kafka's `BufferPool`) until it is
/// acknowledged. With room for two batches, both in flight to brokers that cannot answer, a
/// send that needs a third blocks, and fails after `max.block.ms` with Kafka's
/// BufferExhaustedException; the two are written once the brokers can be reached again.
#[test]
fn a_send_that_needs_a_batch_buffer_memory_lacks_fails_after_max_block_ms() {
    let mut world = cluster(3);
    create_topic(&mut world, "t", 3, 1, &[]);
    add_producer(
        &mut world,
        "p",
        &[
            ("linger.ms", "5000"),
            ("batch.size", "16384"),
            ("buffer.memory", "32768"),
            ("max.block.ms", "1000"),
        ],
    );
    run_ms(&mut world, 200);
    for broker in 1..=3 {
        client_link(&mut world, "p", broker, true);
    }
    let first = world.operations().len();
    for partition in 0..3 {
        send_to_partition(&mut world, "p", "t", partition, &format!("v{partition}"));
    }
    run_ms(&mut world, 900);
    assert_eq!(
        outcome(&world, first + 2),
        Outcome::Pending,
        "blocked on buffer.memory within max.block.ms"
    );
    // Lingering for 5 s, yet sent: with a send waiting for memory every batch is ready
    // (Kafka's `RecordAccumulator.ready`, `exhausted`).
    let view = world.view();
    let producer = view.producers.iter().find(|p| p.name == "p").expect("p");
    let in_flight = (producer.batches.iter())
        .filter(|b| matches!(b.stage, kafka_sim::BatchStage::InFlight(_)))
        .count();
    assert_eq!(in_flight, 2, "{:?}", producer.batches);
    run_ms(&mut world, 200);
    assert_eq!(
        outcome(&world, first + 2),
        Outcome::Exception {
            message: "BufferExhaustedException: Failed to allocate 16384 bytes within the configured max blocking time 1000 ms. Total memory: 32768 bytes. Available memory: 0 bytes. Poolable size: 16384 bytes".to_owned()
        }
    );
    for broker in 1..=3 {
        client_link(&mut world, "p", broker, false);
    }
    run_ms(&mut world, 40_000);
    let written: Vec<_> = (first..first + 2)
        .map(|n| acked(&outcome(&world, n)))
        .collect();
    assert_eq!(written, vec![Some((0, 0)), Some((1, 0))]);
}
