//! Goal: what the simulator says is what Kafka 4.x says, word for word. Method: each text is
//! compared with the Kafka source file named in a comment next to it, so a drift on either
//! side shows here.

use crate::common;

use common::*;
use kafka_sim::{Command, CommandError, CreateTopic, ElectionKind, ErrorCode, TopicPartition};
use std::collections::BTreeMap;

fn refusal(result: Result<(), CommandError>) -> (ErrorCode, String) {
    match result {
        Err(CommandError::Kafka(e)) => (e.code, e.message),
        other => panic!("expected a Kafka error, got {other:?}"),
    }
}

fn manual(partitions: i32, rf: i32, assignment: &[&[u32]]) -> Command {
    Command::CreateTopic(CreateTopic {
        name: "t".to_owned(),
        partitions,
        replication_factor: rf,
        configs: BTreeMap::new(),
        replica_assignment: Some(assignment.iter().map(|r| r.to_vec()).collect()),
    })
}

#[test]
fn manual_assignment_refusals_use_replication_control_managers_texts() {
    let mut world = cluster(21);
    // metadata/src/main/java/org/apache/kafka/controller/ReplicationControlManager.java
    // (createTopic, validateManualPartitionAssignment).
    let cases: [(Command, ErrorCode, &str); 6] = [
        (
            manual(-1, 3, &[&[1, 2, 3]]),
            ErrorCode::InvalidRequest,
            "A manual partition assignment was specified, but replication factor was not set to -1.",
        ),
        (
            manual(1, -1, &[&[1, 2, 3]]),
            ErrorCode::InvalidRequest,
            "A manual partition assignment was specified, but numPartitions was not set to -1.",
        ),
        (
            manual(-1, -1, &[&[]]),
            ErrorCode::InvalidReplicaAssignment,
            "The manual partition assignment includes an empty replica list.",
        ),
        (
            manual(-1, -1, &[&[2, 1, 2]]),
            ErrorCode::InvalidReplicaAssignment,
            "The manual partition assignment includes the broker 2 more than once.",
        ),
        (
            // Sorted first: the unknown 0 is found before the repeated 2.
            manual(-1, -1, &[&[2, 0, 2]]),
            ErrorCode::InvalidReplicaAssignment,
            "The manual partition assignment includes broker 0, but no such broker is registered.",
        ),
        (
            manual(-1, -1, &[&[1, 2], &[3]]),
            ErrorCode::InvalidReplicaAssignment,
            "The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 2 replica(s).",
        ),
    ];
    for (command, code, text) in cases {
        let what = format!("{command:?}");
        assert_eq!(
            refusal(world.apply(command)),
            (code, text.to_owned()),
            "{what}"
        );
    }
    assert!(world.metadata().topics.is_empty());
}

fn elect(
    world: &mut kafka_sim::World,
    kind: ElectionKind,
    topic: &str,
    p: u32,
) -> (ErrorCode, String) {
    refusal(world.apply(Command::ElectLeaders {
        election: kind,
        partitions: Some(vec![TopicPartition::new(topic, p)]),
    }))
}

#[test]
fn election_refusals_use_kafkas_texts_and_default_messages() {
    let mut world = cluster(22);
    create_topic(&mut world, "orders", 1, 3, &[]);
    // ReplicationControlManager.electLeader names what is missing.
    assert_eq!(
        elect(&mut world, ElectionKind::Preferred, "nope", 0),
        (
            ErrorCode::UnknownTopicOrPartition,
            "No such topic as nope".to_owned()
        )
    );
    assert_eq!(
        elect(&mut world, ElectionKind::Preferred, "orders", 5),
        (
            ErrorCode::UnknownTopicOrPartition,
            "No such partition as orders-5".to_owned()
        )
    );
    // clients/src/main/java/org/apache/kafka/common/protocol/Errors.java: electLeader sends
    // these codes without a message, so the client prints the default one.
    assert_eq!(
        elect(&mut world, ElectionKind::Unclean, "orders", 0),
        (
            ErrorCode::ElectionNotNeeded,
            "Leader election not needed for topic partition.".to_owned()
        )
    );
    let preferred = world.metadata().topics["orders"].partitions[0].replicas[0];
    crash_broker(&mut world, preferred);
    run_ms(&mut world, 12_000);
    assert_eq!(
        elect(&mut world, ElectionKind::Preferred, "orders", 0),
        (
            ErrorCode::PreferredLeaderNotAvailable,
            "The preferred leader was not available.".to_owned()
        )
    );
}

#[test]
fn the_error_table_gives_errors_javas_default_messages() {
    // clients/src/main/java/org/apache/kafka/common/protocol/Errors.java
    let expected = [
        (
            ErrorCode::NotCoordinator,
            "This is not the correct coordinator.",
        ),
        (
            ErrorCode::NotController,
            "This is not the correct controller for this cluster.",
        ),
        (
            ErrorCode::PreferredLeaderNotAvailable,
            "The preferred leader was not available.",
        ),
        (
            ErrorCode::EligibleLeadersNotAvailable,
            "Eligible topic partition leaders are not available.",
        ),
        (
            ErrorCode::UnknownTopicOrPartition,
            "This server does not host this topic-partition.",
        ),
        (ErrorCode::GroupIdNotFound, "The group id does not exist."),
        (
            ErrorCode::TopicAlreadyExists,
            "Topic with this name already exists.",
        ),
        (
            ErrorCode::NotLeaderOrFollower,
            "For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.",
        ),
    ];
    for (code, message) in expected {
        assert_eq!(code.default_message(), message, "{code}");
    }
    // The exception classes of the same file, as tools print them.
    assert_eq!(
        ErrorCode::NonEmptyGroup.exception(),
        "org.apache.kafka.common.errors.GroupNotEmptyException"
    );
    assert_eq!(
        ErrorCode::InvalidRecord.exception(),
        "org.apache.kafka.common.InvalidRecordException"
    );
    assert_eq!(
        ErrorCode::TopicAlreadyExists.exception(),
        "org.apache.kafka.common.errors.TopicExistsException"
    );
    for code in ErrorCode::ALL {
        assert_eq!(
            code.default_message().is_empty(),
            *code == ErrorCode::None,
            "{code}: every error has a message, NONE has none"
        );
    }
}
