//! Goal: topic administration answers exactly as Kafka 4.x does. Method: Kafka's own test
//! vectors (TopicTest) for names and collisions, then CreateTopics, CreatePartitions and
//! DeleteTopics against a cluster, checking error names and messages.

use crate::common;

use common::*;
use kafka_sim::topic::{has_collision_chars, unify_collision_chars, validate_name};
use kafka_sim::{Command, CommandError, ErrorCode, Outcome, SimTime};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("../testdata/kafka-vectors.json");
    serde_json::from_str::<Value>(text).expect("valid JSON")["topic_names"].clone()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string").to_owned())
        .collect()
}

#[test]
fn names_follow_kafkas_topic_test_vectors() {
    let v = vectors();
    for name in strings(&v["valid"]) {
        let name = if name.starts_with("<random 249") {
            "a".repeat(249)
        } else {
            name
        };
        assert!(validate_name(&name).is_ok(), "{name:?} is valid");
    }
    for name in strings(&v["invalid"]) {
        assert!(validate_name(&name).is_err(), "{name:?} is invalid");
    }
    for c in strings(&v["invalid_chars_inside_name"]) {
        let name = format!("Is{c}Illegal");
        let error = validate_name(&name).expect_err("illegal character");
        assert_eq!(error.code, ErrorCode::InvalidTopicException);
    }
    for name in strings(&v["collision_chars_true"]) {
        assert!(has_collision_chars(&name), "{name}");
    }
    for name in strings(&v["collision_chars_false"]) {
        assert!(!has_collision_chars(&name), "{name}");
    }
    for pair in v["collide_pairs"].as_array().expect("pairs") {
        let pair = strings(pair);
        assert_eq!(
            unify_collision_chars(&pair[0]),
            unify_collision_chars(&pair[1])
        );
    }
    for pair in v["no_collide_pairs"].as_array().expect("pairs") {
        let pair = strings(pair);
        assert_ne!(
            unify_collision_chars(&pair[0]),
            unify_collision_chars(&pair[1])
        );
    }
    for (name, unified) in v["unify"].as_object().expect("map") {
        assert_eq!(
            unify_collision_chars(name),
            unified.as_str().expect("string")
        );
    }
}

#[test]
fn invalid_topics_get_kafkas_errors() {
    let mut world = cluster(1);
    type Case<'a> = (&'a str, i32, i32, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case<'_>] = &[
        (
            "orders",
            3,
            4,
            &[],
            "INVALID_REPLICATION_FACTOR: Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.",
        ),
        (
            "orders",
            0,
            3,
            &[],
            "INVALID_PARTITIONS: Number of partitions was set to an invalid non-positive value.",
        ),
        (
            "orders",
            3,
            0,
            &[],
            "INVALID_REPLICATION_FACTOR: Replication factor must be larger than 0, or -1 to use the default value.",
        ),
        (
            "foo bar",
            1,
            1,
            &[],
            "INVALID_TOPIC_EXCEPTION: Topic name is invalid: 'foo bar' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
        ),
        (
            "..",
            1,
            1,
            &[],
            "INVALID_TOPIC_EXCEPTION: Topic name is invalid: '..' is not allowed",
        ),
        (
            "__cluster_metadata",
            1,
            1,
            &[],
            "INVALID_REQUEST: Creation of internal topic __cluster_metadata is prohibited.",
        ),
        (
            "orders",
            1,
            1,
            &[("min.insync.replicas", "0")],
            "INVALID_CONFIG: Invalid value 0 for configuration min.insync.replicas: Value must be at least 1",
        ),
        (
            "orders",
            1,
            1,
            &[("retention.mss", "1")],
            "INVALID_CONFIG: Unknown topic config name: retention.mss",
        ),
    ];
    for (name, partitions, rf, configs, expected) in cases {
        assert_eq!(
            try_create_topic(&mut world, name, *partitions, *rf, configs),
            Err(expected.to_string())
        );
    }
    assert!(world.metadata().topics.is_empty(), "nothing was created");
    assert!(
        world.commands().is_empty(),
        "rejected commands are not logged"
    );

    assert_eq!(try_create_topic(&mut world, "orders.eu", 1, 1, &[]), Ok(()));
    assert_eq!(
        try_create_topic(&mut world, "orders.eu", 1, 1, &[]),
        Err("TOPIC_ALREADY_EXISTS: Topic 'orders.eu' already exists.".to_owned())
    );
    assert_eq!(
        try_create_topic(&mut world, "orders_eu", 1, 1, &[]),
        Err(
            "INVALID_TOPIC_EXCEPTION: Topic 'orders_eu' collides with existing topic: orders.eu"
                .to_owned()
        )
    );
    assert_eq!(
        try_create_topic(&mut world, "defaults", -1, -1, &[]),
        Ok(()),
        "-1 takes the broker defaults"
    );
    let defaults = &world.metadata().topics["defaults"];
    assert_eq!(
        (
            defaults.partitions.len(),
            defaults.partitions[0].replicas.len()
        ),
        (1, 1)
    );
}

#[test]
fn all_fenced_brokers_cannot_host_a_new_topic() {
    let mut world = cluster(2);
    for broker in 1..=3 {
        world
            .apply(Command::CrashBroker {
                broker,
                kind: Default::default(),
            })
            .expect("up");
    }
    run_ms(&mut world, 12_000);
    assert_eq!(
        try_create_topic(&mut world, "orders", 1, 3, &[]),
        Err("INVALID_REPLICATION_FACTOR: Unable to replicate the partition 3 time(s): All brokers are currently fenced.".to_owned())
    );
}

#[test]
fn partitions_can_only_grow_and_deleted_topics_vanish_from_brokers() {
    let mut world = cluster(3);
    create_topic(&mut world, "orders", 2, 3, &[]);
    let grow = |world: &mut kafka_sim::World, total| {
        world
            .apply(Command::CreatePartitions {
                topic: "orders".to_owned(),
                total,
            })
            .map_err(|e| e.to_string())
    };
    assert_eq!(grow(&mut world, 1), Err("INVALID_PARTITIONS: The topic orders currently has 2 partition(s); 1 would not be an increase.".to_owned()));
    assert_eq!(
        grow(&mut world, 2),
        Err("INVALID_PARTITIONS: Topic already has 2 partition(s).".to_owned())
    );
    assert_eq!(grow(&mut world, 4), Ok(()));
    run_ms(&mut world, 200);
    assert_eq!(world.metadata().topics["orders"].partitions.len(), 4);
    assert!(leader(&world, "orders", 3).is_some());
    world
        .apply(Command::DeleteTopic {
            name: "orders".to_owned(),
        })
        .expect("exists");
    run_ms(&mut world, 200);
    assert!(
        world
            .replica_log(1, &kafka_sim::TopicPartition::new("orders", 0))
            .is_none()
    );
    let again = world.apply(Command::DeleteTopic {
        name: "orders".to_owned(),
    });
    assert!(
        matches!(again, Err(CommandError::Kafka(e)) if e.code == ErrorCode::UnknownTopicOrPartition)
    );
}

#[test]
fn with_racks_each_partition_spans_as_many_racks_as_it_can() {
    let text = r#"{
        "cluster": { "brokers": 6, "racks": ["eu-1a", "eu-1b", "eu-1c", "eu-1a", "eu-1b", "eu-1c"] },
        "steps": [{ "at_ms": 500, "command": "create_topic", "name": "orders", "partitions": 12, "replication_factor": 3 }],
        "run_until_ms": 1000
    }"#;
    let scenario: kafka_sim::Scenario = serde_json::from_str(text).expect("valid scenario");
    let (world, steps) = scenario.run().expect("runs");
    assert_eq!(steps[0].result, "ok");
    let rack = |b: u32| ["eu-1a", "eu-1b", "eu-1c"][(b as usize - 1) % 3];
    let topic = &world.metadata().topics["orders"];
    for state in &topic.partitions {
        let racks: std::collections::BTreeSet<&str> =
            state.replicas.iter().map(|&b| rack(b)).collect();
        assert_eq!(
            racks.len(),
            3,
            "replicas {:?} span every rack",
            state.replicas
        );
    }
    let view = world.view();
    assert_eq!(view.brokers[3].rack.as_deref(), Some("eu-1a"));
    let too_many: kafka_sim::Scenario =
        serde_json::from_str(r#"{ "cluster": { "brokers": 1, "racks": ["a", "b"] } }"#)
            .expect("parses");
    assert_eq!(
        too_many.run().err().map(|e| e.to_string()).as_deref(),
        Some("cluster.racks: 2 racks given for 1 brokers")
    );
}

/// A topic deleted and created again under its name starts afresh, and what was written to the
/// deleted one is neither lost nor overwritten: the checker (and its invariants, run all along)
/// judge each incarnation by its own log. They used to report the old records as lost, their
/// offsets as reused and committed-prefix-immutable as violated.
#[test]
fn a_topic_created_again_under_its_name_is_judged_on_its_own_log() {
    let send = |at_ms, value| {
        format!(
            r#"{{ "at_ms": {at_ms}, "command": "send", "producer": "p", "topic": "orders", "value": "{value}" }}"#
        )
    };
    let text = format!(
        r#"{{
        "seed": 3, "run_until_ms": 30000, "check_invariants": true,
        "steps": [
            {{ "at_ms": 500, "command": "create_topic", "name": "orders", "partitions": 1, "replication_factor": 3 }},
            {{ "at_ms": 600, "command": "add_producer", "name": "p" }},
            {}, {},
            {{ "at_ms": 5000, "command": "delete_topic", "name": "orders" }},
            {{ "at_ms": 10000, "command": "create_topic", "name": "orders", "partitions": 1, "replication_factor": 3 }},
            {}
        ]
    }}"#,
        send(700, "old-1"),
        send(710, "old-2"),
        send(15000, "new-1")
    );
    let scenario: kafka_sim::Scenario = serde_json::from_str(&text).expect("valid scenario");
    let (world, _) = scenario.run().expect("runs");
    let log = world
        .leader_log(&kafka_sim::TopicPartition::new("orders", 0))
        .expect("the new topic has a leader");
    let values: Vec<String> = log.records().iter().map(|r| r.data.value_text()).collect();
    assert_eq!(
        values,
        ["new-1"],
        "the new topic holds only what was sent to it"
    );
    assert_eq!(log.high_watermark(), 1);
    let anomalies = kafka_sim::check::check_all(&world);
    assert!(anomalies.is_empty(), "{anomalies:#?}");
}

/// A broker down while its topic is deleted and created again under the same name (the
/// crash is younger than `broker.session.timeout.ms`, so the controller still counts it and
/// places the new topic on it) finds on restart a log of the old topic under the new topic's
/// name. Kafka tells them apart by topic id (the log's `partition.metadata`) and deletes the
/// stray log; the broker must not keep the old records as the new topic's, nor serve them once
/// it leads.
#[test]
fn a_broker_down_while_its_topic_is_recreated_deletes_the_old_log_on_restart() {
    recreated_while_away(
        Command::CrashBroker {
            broker: 3,
            kind: kafka_sim::CrashKind::Process,
        },
        Command::RestartBroker { broker: 3 },
    );
}

/// The same for a running broker cut off from the controller as both happen: healed, it reads
/// the deletion and the creation in one metadata fetch and never sees the topic gone.
#[test]
fn a_broker_cut_off_while_its_topic_is_recreated_deletes_the_old_log_once_healed() {
    use kafka_sim::Endpoint::{Broker, Controller};
    recreated_while_away(
        Command::CutLink {
            a: Broker(3),
            b: Controller,
        },
        Command::HealLink {
            a: Broker(3),
            b: Controller,
        },
    );
}

fn recreated_while_away(away: Command, back: Command) {
    let mut world = cluster(5);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_producer(&mut world, "p", &[]);
    for value in ["old-1", "old-2", "old-3"] {
        send(&mut world, "p", "orders", None, value);
    }
    run_ms(&mut world, 1_000);
    assert_eq!(log_values(&world, 3, "orders", 0).len(), 3);
    world.apply(away).expect("applies");
    world
        .apply(Command::DeleteTopic {
            name: "orders".to_owned(),
        })
        .expect("exists");
    run_ms(&mut world, 200);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let replicas = world.metadata().topics["orders"].partitions[0]
        .replicas
        .clone();
    assert!(
        replicas.contains(&3),
        "placed on broker 3 too: {replicas:?}"
    );
    send(&mut world, "p", "orders", None, "new-1");
    run_ms(&mut world, 1_000);
    world.apply(back).expect("applies");
    run_ms(&mut world, 20_000);
    assert_eq!(
        log_values(&world, 3, "orders", 0),
        [(0, "new-1".to_owned())],
        "broker 3 holds the new topic's log only"
    );
    let events = world.events();
    let removed = events.iter().position(|e| {
        matches!(
            e.kind,
            kafka_sim::EventKind::StrayLogRemoved {
                broker: 3,
                records: 3,
                ..
            }
        )
    });
    let removed = removed.expect("broker 3 says it removed the old log of three records");
    assert_eq!(
        cause_texts(&world, removed).first().map(String::as_str),
        Some("topic orders deleted"),
        "its why? is the deletion"
    );
    let anomalies = kafka_sim::check::check_all(&world);
    assert!(anomalies.is_empty(), "{anomalies:#?}");
}

/// Seeds of a topic deleted and created again around one broker's trouble (a crash, a power
/// loss, a pause, a cut from the controller, or none), at random moments and sizes: whatever
/// the broker missed, every replica of the new topic holds the new topic's records only, and
/// the checker (invariants on all along) finds nothing. Each seed says which it is.
#[test]
fn a_topic_recreated_around_a_broker_fault_starts_afresh_on_every_replica() {
    use kafka_sim::Endpoint::{Broker, Controller};
    for seed in 0..200 {
        let mut rng = kafka_sim::SimRng::stream(seed, "topic-recreated");
        let mut world = cluster(seed);
        world.check_invariants();
        let partitions = 1 + rng.below(3) as i32;
        create_topic(&mut world, "orders", partitions, 3, &[]);
        add_producer(&mut world, "p", &[]);
        send_a_few(&mut world, &mut rng, "old");
        run_ms(&mut world, 100 + rng.below(1_500));
        let broker = 1 + rng.below(3) as u32;
        let (away, back) = match rng.below(5) {
            0 => (
                Some(Command::CrashBroker {
                    broker,
                    kind: kafka_sim::CrashKind::Process,
                }),
                Some(Command::RestartBroker { broker }),
            ),
            1 => (
                Some(Command::CrashBroker {
                    broker,
                    kind: kafka_sim::CrashKind::PowerLoss,
                }),
                Some(Command::RestartBroker { broker }),
            ),
            2 => (
                Some(Command::PauseBroker { broker }),
                Some(Command::ResumeBroker { broker }),
            ),
            3 => (
                Some(Command::CutLink {
                    a: Broker(broker),
                    b: Controller,
                }),
                Some(Command::HealLink {
                    a: Broker(broker),
                    b: Controller,
                }),
            ),
            _ => (None, None),
        };
        let what = format!("seed {seed}: broker {broker}, {away:?}");
        if let Some(away) = away {
            world.apply(away).expect(&what);
        }
        run_ms(&mut world, rng.below(3_000));
        world
            .apply(Command::DeleteTopic {
                name: "orders".to_owned(),
            })
            .expect(&what);
        run_ms(&mut world, rng.below(2_000));
        let partitions = 1 + rng.below(3) as i32;
        create_topic(&mut world, "orders", partitions, 3, &[]);
        send_a_few(&mut world, &mut rng, "new");
        run_ms(&mut world, rng.below(5_000));
        if let Some(back) = back {
            world.apply(back).expect(&what);
        }
        run_ms(&mut world, 30_000);
        for b in 1..=3 {
            for p in 0..partitions as u32 {
                let old: Vec<_> = log_values(&world, b, "orders", p)
                    .into_iter()
                    .filter(|(_, value)| value.starts_with("old-"))
                    .collect();
                assert!(
                    old.is_empty(),
                    "{what}: broker {b} partition {p} kept {old:?}"
                );
            }
        }
        let anomalies = kafka_sim::check::check_all(&world);
        assert!(anomalies.is_empty(), "{what}: {anomalies:#?}");
    }
}

/// One to six keyed records from producer p to orders, valued `{prefix}-{i}`.
fn send_a_few(world: &mut kafka_sim::World, rng: &mut kafka_sim::SimRng, prefix: &str) {
    for i in 0..1 + rng.below(6) {
        send(
            world,
            "p",
            "orders",
            Some(&format!("k{i}")),
            &format!("{prefix}-{i}"),
        );
    }
}

/// The new topic's leader is a broker cut off from the controller that still leads the old
/// topic of that name: it takes the producer's record into its old log (Produce names topics),
/// but its followers ask with the new topic's id, get UNKNOWN_TOPIC_ID and count for nothing,
/// so an acks=all send is never acknowledged there. Healed, the broker removes its stray log.
#[test]
fn followers_of_a_leader_that_missed_the_re_creation_get_unknown_topic_id() {
    use kafka_sim::Endpoint::{Broker, Controller};
    let mut world = cluster(7);
    let on_3 = |world: &mut kafka_sim::World| {
        let topic = kafka_sim::CreateTopic {
            name: "orders".to_owned(),
            partitions: -1,
            replication_factor: -1,
            configs: Default::default(),
            replica_assignment: Some(vec![vec![3, 1, 2]]),
        };
        world.apply(Command::CreateTopic(topic)).expect("created");
        run_ms(world, 200);
    };
    on_3(&mut world);
    add_producer(&mut world, "p", &[]);
    send(&mut world, "p", "orders", None, "old-1");
    run_ms(&mut world, 1_000);
    let cut = || Command::CutLink {
        a: Broker(3),
        b: Controller,
    };
    world.apply(cut()).expect("cut");
    world
        .apply(Command::DeleteTopic {
            name: "orders".to_owned(),
        })
        .expect("exists");
    run_ms(&mut world, 200);
    on_3(&mut world);
    assert_eq!(
        leader(&world, "orders", 0),
        Some(3),
        "still unfenced, so placed first"
    );
    send(&mut world, "p", "orders", None, "new-1");
    run_ms(&mut world, 4_000);
    assert!(
        !matches!(last_outcome(&world), kafka_sim::Outcome::Acked { .. }),
        "a leader whose followers fetch another topic cannot move its high watermark: {:?}",
        last_outcome(&world)
    );
    assert!(
        log_values(&world, 1, "orders", 0).is_empty(),
        "follower 1 took nothing of broker 3's old log"
    );
    world
        .apply(Command::HealLink {
            a: Broker(3),
            b: Controller,
        })
        .expect("healed");
    run_ms(&mut world, 30_000);
    for broker in 1..=3 {
        let old: Vec<_> = log_values(&world, broker, "orders", 0)
            .into_iter()
            .filter(|(_, value)| value.starts_with("old-"))
            .collect();
        assert!(old.is_empty(), "broker {broker} kept {old:?}");
    }
    let anomalies = kafka_sim::check::check_all(&world);
    assert!(anomalies.is_empty(), "{anomalies:#?}");
}

/// A topic deleted under a running producer and group, then created again under its name.
const DELETED_IN_USE: &str = include_str!("../testdata/deleted-in-use.toml");

#[test]
fn records_read_from_a_deleted_topic_went_with_it_and_its_new_namesake_is_judged_alone() {
    // A consumer hands out what it fetched before the deletion until the group takes the
    // partitions away (Kafka's fetch buffer does the same): those records are not phantom
    // reads for being missing from the final log, which is the new topic's. The producer's
    // sends that waited through the gap go to the new topic and are judged against its log.
    let scenario: kafka_sim::scenario::Scenario = toml::from_str(DELETED_IN_USE).expect("parses");
    let (world, _) = scenario.run().expect("runs");
    let deleted = SimTime::from_millis(5_000);
    let read_after_deletion = world
        .consumers()
        .flat_map(|(c, _)| c.history())
        .filter(|op| op.completed_at.is_some_and(|at| at > deleted))
        .filter(|op| matches!(&op.outcome, Outcome::Polled { .. }))
        .flat_map(|op| op.outcome.processed_records().to_vec())
        .filter(|r| r.tp.partition >= 2)
        .count();
    assert!(
        read_after_deletion > 0,
        "the group read the deleted topic's records after the deletion (partitions 2-5 do not exist again)"
    );
    let recreated = &world.metadata().topics["orders"];
    assert_eq!(recreated.partitions.len(), 2);
    let new_records: u64 = (0..2)
        .map(|p| {
            high_watermark(
                &world,
                leader(&world, "orders", p).expect("led"),
                "orders",
                p,
            )
        })
        .sum();
    assert!(
        new_records > 100,
        "the producer writes to the new topic: {new_records}"
    );
    let found = kafka_sim::check::check_all(&world);
    assert!(found.is_empty(), "seed 7: {found:#?}");
    let mut marks = kafka_sim::check::LiveMarks::default();
    marks.update(&world);
    for p in 0..6 {
        let tp = kafka_sim::TopicPartition::new("orders", p);
        assert_eq!(marks.truncated_after_ack(&tp), [], "{tp}");
    }
}

/// Regression (deleted-topic fuzz profile): a group kept its committed offsets of a deleted
/// topic, so after the topic was created again under its name the group started the new topic
/// at the old topic's offsets and skipped its records. Kafka's `BrokerMetadataPublisher` calls
/// `GroupCoordinator.onPartitionsDeleted`, which tombstones every group's offsets of the
/// deleted partitions (`OffsetMetadataManager.onPartitionsDeleted`).
#[test]
fn a_deleted_topic_takes_the_groups_offsets_of_it_along() {
    let without_recreation: String = DELETED_IN_USE
        .split("[[steps]]")
        .filter(|step| !step.contains("partitions = 2"))
        .collect::<Vec<_>>()
        .join("[[steps]]")
        .replace("run_until_ms = 20000", "run_until_ms = 15000")
        // After the group's auto commits (every 5 s).
        .replace("at_ms = 5000", "at_ms = 12000");
    let scenario: kafka_sim::scenario::Scenario =
        toml::from_str(&without_recreation).expect("parses");
    let before: kafka_sim::scenario::Scenario =
        toml::from_str(&without_recreation.replace("run_until_ms = 15000", "run_until_ms = 11900"))
            .expect("parses");
    let offsets_of_orders = |world: &kafka_sim::World| -> usize {
        world
            .groups()
            .iter()
            .filter(|(_, g)| g.id == "billing")
            .map(|(_, g)| g.offsets.keys().filter(|tp| &*tp.topic == "orders").count())
            .sum()
    };
    let (world, _) = before.run().expect("runs");
    assert!(offsets_of_orders(&world) > 0, "the group committed offsets");
    let (world, _) = scenario.run().expect("runs");
    assert!(!world.metadata().topics.contains_key("orders"));
    assert_eq!(
        offsets_of_orders(&world),
        0,
        "the group's offsets went with the topic"
    );
}
