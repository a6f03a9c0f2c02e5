//! Goal: share groups (KIP-932) behave as Kafka's do. Method: run share consumers over a
//! three-broker cluster through crashes, stalls and each kind of acknowledgement, and check
//! who got which record how many times, what the leaders' share partitions hold (SPSO, SPEO,
//! record states), and that no record is lost or held by two members at once.

use crate::common;

use common::*;
use kafka_sim::share_consumer::Delivery;
use kafka_sim::{Command, EventKind, RecordState, ShareReleaseCause, TopicPartition, World};
use std::collections::{BTreeMap, BTreeSet};

/// Adds a share consumer of `group` reading topic `t`.
fn add_share(world: &mut World, name: &str, group: &str, configs: &[(&str, &str)]) {
    let mut config: BTreeMap<String, String> = configs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    config.insert("group.id".to_owned(), group.to_owned());
    config.insert("group.type".to_owned(), "share".to_owned());
    world
        .apply(Command::AddConsumer {
            name: name.to_owned(),
            config,
            topics: vec!["t".to_owned()],
            partitions: Vec::new(),
        })
        .expect("new share consumer");
}

fn earliest(world: &mut World, group: &str) {
    world
        .apply(Command::AlterGroupConfigs {
            group: group.to_owned(),
            configs: BTreeMap::from([(
                "share.auto.offset.reset".to_owned(),
                "earliest".to_owned(),
            )]),
        })
        .expect("group config");
}

fn deliveries(world: &World, name: &str) -> Vec<Delivery> {
    world
        .share_consumers()
        .find(|(c, _)| c.name() == name)
        .map(|(c, _)| c.history().iter().cloned().collect())
        .unwrap_or_default()
}

/// (partition, offset) of every record some member accepted and the leader took.
fn accepted(world: &World, names: &[&str]) -> Vec<(u32, u64)> {
    let mut all: Vec<(u32, u64)> = names
        .iter()
        .flat_map(|n| deliveries(world, n))
        .filter(|d| {
            d.acknowledged == Some(kafka_sim::share_consumer::AcknowledgeType::Accept)
                && d.result == Some(kafka_sim::ErrorCode::None)
        })
        .map(|d| (d.record.tp.partition, d.record.offset))
        .collect();
    all.sort();
    all
}

fn every_offset(partitions: u32, per_partition: u32) -> Vec<(u32, u64)> {
    (0..partitions)
        .flat_map(|p| (0..u64::from(per_partition)).map(move |o| (p, o)))
        .collect()
}

#[test]
fn more_share_consumers_than_partitions_all_get_work_and_each_record_is_accepted_once() {
    let mut world = loaded(1, 2, 40);
    earliest(&mut world, "s");
    let names = ["a", "b", "c", "d"];
    for name in names {
        add_share(
            &mut world,
            name,
            "s",
            &[("max.poll.records", "5"), ("app.processing.ms", "20")],
        );
    }
    run_ms(&mut world, 20_000);
    for name in names {
        assert!(
            !deliveries(&world, name).is_empty(),
            "{name} got no record: four members share two partitions"
        );
    }
    assert_eq!(
        accepted(&world, &names),
        every_offset(2, 40),
        "each record accepted exactly once"
    );
    let found = kafka_sim::check::check_all(&world);
    assert!(found.is_empty(), "{found:?}");
    for (group, tp, _, share) in world.share_partitions() {
        assert_eq!(group, "s");
        assert_eq!(
            share.start_offset, 40,
            "{tp}: the SPSO moved past every accepted record"
        );
        assert_eq!(share.end_offset, 40, "{tp}: SPEO");
        assert!(share.in_flight.is_empty(), "{tp}: {:?}", share.in_flight);
    }
}

#[test]
fn the_default_latest_reset_skips_what_was_written_before_the_group_first_fetched() {
    let mut world = loaded(2, 1, 10);
    add_share(&mut world, "a", "s", &[]);
    run_ms(&mut world, 5_000);
    assert!(
        deliveries(&world, "a").is_empty(),
        "share.auto.offset.reset=latest"
    );
    add_client(&mut world, "late");
    produce(&mut world, "late", "t", 0, "new", -1);
    run_ms(&mut world, 5_000);
    let got: Vec<u64> = deliveries(&world, "a")
        .iter()
        .map(|d| d.record.offset)
        .collect();
    assert_eq!(got, vec![10]);
    let started = world.events().iter().any(|e| {
        matches!(&e.kind, EventKind::SharePartitionInitialized { start_offset: 10, reset, .. } if reset == "latest")
    });
    assert!(started, "the leader says where the share partition starts");
}

#[test]
fn a_crashed_member_s_records_go_to_another_member_when_its_lock_expires() {
    let mut world = loaded(3, 1, 20);
    earliest(&mut world, "s");
    // The first member takes records and dies while processing them.
    add_share(
        &mut world,
        "a",
        "s",
        &[("max.poll.records", "10"), ("app.processing.ms", "1000")],
    );
    run_ms(&mut world, 3_000);
    let held: BTreeSet<u64> = deliveries(&world, "a")
        .iter()
        .map(|d| d.record.offset)
        .collect();
    assert!(!held.is_empty());
    crash_client(&mut world, "a");
    add_share(&mut world, "b", "s", &[("app.processing.ms", "1")]);
    run_ms(&mut world, 10_000);
    let early: BTreeSet<u64> = deliveries(&world, "b")
        .iter()
        .map(|d| d.record.offset)
        .collect();
    assert!(
        early.is_disjoint(&held),
        "the dead member's locks hold for group.share.record.lock.duration.ms: {early:?} vs {held:?}"
    );
    run_ms(&mut world, 30_000);
    let again: Vec<&Delivery> = Vec::new();
    let b = deliveries(&world, "b");
    let redelivered: Vec<&Delivery> = b
        .iter()
        .filter(|d| held.contains(&d.record.offset))
        .collect();
    assert!(again.is_empty());
    assert_eq!(
        redelivered.len(),
        held.len(),
        "every record the dead member held went to b"
    );
    assert!(
        redelivered.iter().all(|d| d.delivery_count == 2),
        "{redelivered:?}"
    );
    assert_eq!(
        accepted(&world, &["a", "b"]),
        every_offset(1, 20),
        "nothing lost"
    );
    let expired = world.events().iter().any(|e| {
        matches!(&e.kind, EventKind::ShareRecordsReleased { cause: ShareReleaseCause::LockExpired, available, .. } if available.len() == held.len())
    });
    assert!(expired, "the leader tells of the expired lock");
}

#[test]
fn released_records_come_back_until_the_delivery_count_limit_archives_them() {
    let mut world = loaded(4, 1, 3);
    earliest(&mut world, "s");
    add_share(
        &mut world,
        "a",
        "s",
        &[
            ("share.acknowledgement.mode", "explicit"),
            ("app.acknowledge", "release"),
        ],
    );
    run_ms(&mut world, 20_000);
    let got = deliveries(&world, "a");
    for offset in 0..3 {
        let counts: Vec<u16> = got
            .iter()
            .filter(|d| d.record.offset == offset)
            .map(|d| d.delivery_count)
            .collect();
        assert_eq!(
            counts,
            vec![1, 2, 3, 4, 5],
            "offset {offset}: group.share.delivery.count.limit=5"
        );
    }
    let (_, tp, _, share) = world.share_partitions()[0];
    assert_eq!(*tp, TopicPartition::new("t", 0));
    assert_eq!(
        share.start_offset, 3,
        "archived records are done: the SPSO passes them"
    );
    let archived = world.events().iter().any(|e| {
        matches!(&e.kind, EventKind::ShareRecordsReleased { cause: ShareReleaseCause::Released, archived, .. } if archived.len() == 3)
    });
    assert!(
        archived,
        "the leader says it archived them after their last delivery"
    );
    let found = kafka_sim::check::check_all(&world);
    assert!(found.is_empty(), "archived records are not lost: {found:?}");
}

#[test]
fn a_rejected_record_is_never_delivered_again() {
    let mut world = loaded(5, 1, 4);
    earliest(&mut world, "s");
    add_share(
        &mut world,
        "a",
        "s",
        &[
            ("share.acknowledgement.mode", "explicit"),
            ("app.acknowledge", "reject"),
        ],
    );
    run_ms(&mut world, 20_000);
    let offsets: Vec<u64> = deliveries(&world, "a")
        .iter()
        .map(|d| d.record.offset)
        .collect();
    assert_eq!(offsets, vec![0, 1, 2, 3]);
    let (_, _, _, share) = world.share_partitions()[0];
    assert_eq!((share.start_offset, share.end_offset), (4, 4));
}

#[test]
fn a_stalled_member_s_late_acknowledgement_is_refused_and_another_member_has_the_record() {
    let mut world = loaded(6, 1, 5);
    earliest(&mut world, "s");
    add_share(&mut world, "a", "s", &[("app.processing.ms", "2000")]);
    run_ms(&mut world, 2_000);
    let held: Vec<u64> = deliveries(&world, "a")
        .iter()
        .map(|d| d.record.offset)
        .collect();
    assert_eq!(held, vec![0, 1, 2, 3, 4]);
    let lag = kafka_sim::charts::group_lags(&world);
    assert_eq!(
        lag.get("s"),
        Some(&5),
        "five records acquired, none done: {lag:?}"
    );
    world
        .apply(Command::StallConsumer {
            consumer: "a".to_owned(),
        })
        .expect("present");
    add_share(&mut world, "b", "s", &[("app.processing.ms", "1")]);
    run_ms(&mut world, 40_000);
    let b: Vec<(u64, u16)> = deliveries(&world, "b")
        .iter()
        .map(|d| (d.record.offset, d.delivery_count))
        .collect();
    assert_eq!(
        b,
        vec![(0, 2), (1, 2), (2, 2), (3, 2), (4, 2)],
        "b got them once the lock expired"
    );
    world
        .apply(Command::ResumeConsumer {
            consumer: "a".to_owned(),
        })
        .expect("present");
    run_ms(&mut world, 20_000);
    let a = deliveries(&world, "a");
    assert!(
        a.iter()
            .all(|d| d.result == Some(kafka_sim::ErrorCode::InvalidRecordState)),
        "a's acknowledgement came too late: {a:?}"
    );
    let refused = world.events().iter().any(
        |e| matches!(&e.kind, EventKind::ShareAcknowledgeRefused { client, .. } if client == "a"),
    );
    assert!(refused);
    assert_eq!(accepted(&world, &["a", "b"]), every_offset(1, 5));
    let lag = kafka_sim::charts::group_lags(&world);
    assert_eq!(lag.get("s"), Some(&0), "every record done: {lag:?}");
}

#[test]
fn a_share_partition_never_lends_a_record_to_two_members_at_once() {
    let mut world = loaded(7, 2, 100);
    earliest(&mut world, "s");
    for name in ["a", "b", "c"] {
        add_share(
            &mut world,
            name,
            "s",
            &[("max.poll.records", "7"), ("app.processing.ms", "30")],
        );
    }
    for _ in 0..40 {
        run_ms(&mut world, 250);
        for (_, tp, _, share) in world.share_partitions() {
            for (offset, record) in &share.in_flight {
                if record.state == RecordState::Acquired {
                    assert!(record.member.is_some(), "{tp}@{offset} acquired by nobody");
                }
            }
        }
    }
    crash_client(&mut world, "b");
    run_ms(&mut world, 60_000);
    assert_eq!(accepted(&world, &["a", "b", "c"]), every_offset(2, 100));
    let found = kafka_sim::check::check_all(&world);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_leader_change_delivers_again_and_loses_nothing() {
    let mut world = loaded(8, 1, 30);
    earliest(&mut world, "s");
    add_share(
        &mut world,
        "a",
        "s",
        &[("max.poll.records", "5"), ("app.processing.ms", "100")],
    );
    run_ms(&mut world, 1_500);
    let old = leader(&world, "t", 0).expect("present");
    crash_broker(&mut world, old);
    run_ms(&mut world, 60_000);
    assert_ne!(leader(&world, "t", 0), Some(old));
    let mut got: Vec<u64> = accepted(&world, &["a"])
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    got.dedup();
    assert_eq!(
        got,
        (0..30).collect::<Vec<_>>(),
        "every record accepted at least once"
    );
    let found = kafka_sim::check::check_all(&world);
    assert!(
        found
            .iter()
            .all(|v| v.anomaly == kafka_sim::check::Anomaly::Redelivered),
        "a new leader delivers again, it loses nothing: {found:?}"
    );
}

#[test]
fn group_configs_and_group_types_are_checked_as_kafka_checks_them() {
    let mut world = loaded(9, 1, 1);
    let refused = world.apply(Command::AlterGroupConfigs {
        group: "s".to_owned(),
        configs: BTreeMap::from([("share.auto.offset.reset".to_owned(), "middle".to_owned())]),
    });
    let text = refused.expect_err("refused").to_string();
    assert!(
        text.contains("String must be one of: latest, earliest"),
        "{text}"
    );
    let refused = world.apply(Command::AlterGroupConfigs {
        group: "s".to_owned(),
        configs: BTreeMap::from([("share.colour".to_owned(), "red".to_owned())]),
    });
    assert!(
        refused
            .expect_err("refused")
            .to_string()
            .contains("Unknown group config name: share.colour")
    );
    // A consumer group's id is not a share group's.
    add_consumer(&mut world, "classic", "g", &["t"], &[]);
    run_ms(&mut world, 8_000);
    add_share(&mut world, "s1", "g", &[]);
    run_ms(&mut world, 5_000);
    let (consumer, _) = world
        .share_consumers()
        .find(|(c, _)| c.name() == "s1")
        .expect("present");
    let app = format!("{:?}", consumer.app());
    assert!(app.contains("Group g is not a share group."), "{app}");
}
