//! Goal: a running cluster grows as Kafka's does (a new broker registers, is unfenced and
//! hosts nothing until told) and partitions move by KIP-455 reassignment: adding replicas
//! catch up and join the ISR, then the removed ones leave, a removed leader hands over, and
//! no acknowledged record is lost. Method: drive the world through AddBroker and
//! AlterPartitionReassignments while a producer writes, and check replicas, ISRs, leaders,
//! logs and the checker's verdict.

use crate::common;

use common::*;
use kafka_sim::CommandError;
use kafka_sim::Reassignment;
use kafka_sim::check::check_all;
use kafka_sim::{Command, ErrorCode, EventKind, TopicPartition, World};

fn add_broker(world: &mut World, rack: Option<&str>) {
    world
        .apply(Command::AddBroker {
            rack: rack.map(str::to_owned),
        })
        .expect("a broker can be added");
}

fn reassign(
    world: &mut World,
    topic: &str,
    partition: u32,
    replicas: Option<&[u32]>,
) -> Result<(), CommandError> {
    world.apply(Command::AlterPartitionReassignments {
        reassignments: vec![Reassignment {
            topic: topic.to_owned(),
            partition,
            replicas: replicas.map(<[u32]>::to_vec),
        }],
    })
}

fn replicas(world: &World, topic: &str, partition: u32) -> Vec<u32> {
    world
        .metadata()
        .partition(&TopicPartition::new(topic, partition))
        .expect("partition")
        .replicas
        .clone()
}

fn kafka_code(result: Result<(), CommandError>) -> (ErrorCode, String) {
    match result {
        Err(CommandError::Kafka(e)) => (e.code, e.message),
        other => panic!("expected Kafka's refusal, got {other:?}"),
    }
}

#[test]
fn an_added_broker_registers_is_unfenced_and_hosts_nothing() {
    let mut world = cluster(11);
    create_topic(&mut world, "orders", 3, 3, &[]);
    add_broker(&mut world, Some("rack-d"));
    run_ms(&mut world, 1_000);
    let view = world.view();
    let new = view.brokers.iter().find(|b| b.id == 4).expect("broker 4");
    assert_eq!(new.status(), "online", "{new:?}");
    assert_eq!(new.rack.as_deref(), Some("rack-d"));
    assert!(
        world
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::BrokerUnfenced { broker: 4 }))
    );
    for p in 0..3 {
        assert!(
            !replicas(&world, "orders", p).contains(&4),
            "nothing moves on its own"
        );
    }
    assert!(
        world
            .replica_log(4, &TopicPartition::new("orders", 0))
            .is_none()
    );
}

#[test]
fn adding_past_the_limit_is_refused_with_nothing_changed() {
    let mut world = World::new(
        &kafka_sim::ClusterConfig {
            brokers: kafka_sim::scenario::MAX_BROKERS,
            ..Default::default()
        },
        3,
    );
    let before = world.commands().len();
    let refused = world.apply(Command::AddBroker { rack: None });
    assert_eq!(
        refused,
        Err(CommandError::TooManyBrokers(
            kafka_sim::scenario::MAX_BROKERS
        ))
    );
    assert_eq!(world.commands().len(), before);
    assert_eq!(
        world.view().brokers.len() as u32,
        kafka_sim::scenario::MAX_BROKERS
    );
}

#[test]
fn moving_a_partition_to_a_new_broker_keeps_every_acknowledged_record_and_moves_the_leader() {
    let seed = 12;
    let mut world = cluster(seed);
    world.check_invariants();
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_client(&mut world, "producer");
    for i in 0..20 {
        produce(
            &mut world,
            "producer",
            "orders",
            0,
            &format!("before-{i}"),
            -1,
        );
    }
    run_ms(&mut world, 200);
    let old_leader = leader(&world, "orders", 0).expect("led");
    add_broker(&mut world, None);
    run_ms(&mut world, 500);
    // Target: the old leader goes, broker 4 comes and is preferred.
    let mut target: Vec<u32> = vec![4];
    target.extend(
        replicas(&world, "orders", 0)
            .into_iter()
            .filter(|&b| b != old_leader),
    );
    reassign(&mut world, "orders", 0, Some(&target)).expect("accepted");
    // At once: replicas are the target followed by the removed one; ISR unchanged.
    let state = world
        .metadata()
        .partition(&TopicPartition::new("orders", 0))
        .expect("partition")
        .clone();
    let mut merged = target.clone();
    merged.push(old_leader);
    assert_eq!(state.replicas, merged);
    assert_eq!(state.adding_replicas, vec![4]);
    assert_eq!(state.removing_replicas, vec![old_leader]);
    assert_eq!(
        state.isr.len(),
        3,
        "the ISR waits for the new replica: {state:?}"
    );
    assert!(!state.isr.contains(&4));
    assert_eq!(world.partition_reassignments().len(), 1);
    // Writes go on while it moves.
    for i in 0..20 {
        produce(
            &mut world,
            "producer",
            "orders",
            0,
            &format!("during-{i}"),
            -1,
        );
    }
    run_ms(&mut world, 3_000);
    assert!(world.partition_reassignments().is_empty(), "completed");
    assert_eq!(replicas(&world, "orders", 0), target);
    let mut isr_now = isr(&world, "orders", 0);
    isr_now.sort_unstable();
    let mut expected = target.clone();
    expected.sort_unstable();
    assert_eq!(isr_now, expected);
    let new_leader = leader(&world, "orders", 0).expect("led");
    assert_ne!(new_leader, old_leader, "leadership left the removed broker");
    assert!(target.contains(&new_leader));
    assert!(
        world
            .replica_log(old_leader, &TopicPartition::new("orders", 0))
            .is_none(),
        "the removed replica's log is deleted"
    );
    // Broker 4 holds every acknowledged record.
    let acked: Vec<String> = world
        .operations()
        .iter()
        .filter(|op| matches!(op.outcome, kafka_sim::Outcome::Acked { .. }))
        .filter_map(|op| match &op.request {
            kafka_sim::Request::Produce { value, .. } => Some(value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(acked.len(), 40, "seed {seed}");
    let on_new: Vec<String> = log_values(&world, 4, "orders", 0)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    for value in &acked {
        assert!(
            on_new.contains(value),
            "seed {seed}: {value} missing on broker 4"
        );
    }
    let violations = check_all(&world);
    assert!(violations.is_empty(), "seed {seed}: {violations:?}");
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::ReplicasChanged { to, .. } if *to == target
    )));
}

#[test]
fn reassignment_errors_are_kafkas_and_change_nothing() {
    let mut world = cluster(13);
    create_topic(&mut world, "orders", 2, 2, &[]);
    let before = world.commands().len();
    let (code, message) = kafka_code(reassign(&mut world, "orders", 0, Some(&[1, 9])));
    assert_eq!(code, ErrorCode::InvalidReplicaAssignment);
    assert_eq!(
        message,
        "The manual partition assignment includes broker 9, but no such broker is registered."
    );
    let (code, message) = kafka_code(reassign(&mut world, "orders", 0, Some(&[1, 1])));
    assert_eq!(code, ErrorCode::InvalidReplicaAssignment);
    assert_eq!(
        message,
        "The manual partition assignment includes the broker 1 more than once."
    );
    let (code, message) = kafka_code(reassign(&mut world, "orders", 5, Some(&[1])));
    assert_eq!(code, ErrorCode::UnknownTopicOrPartition);
    assert_eq!(message, "Unable to find partition orders:5.");
    let (code, _) = kafka_code(reassign(&mut world, "nope", 0, Some(&[1])));
    assert_eq!(code, ErrorCode::UnknownTopicOrPartition);
    let (code, message) = kafka_code(reassign(&mut world, "orders", 0, None));
    assert_eq!(code, ErrorCode::NoReassignmentInProgress);
    assert_eq!(message, "No partition reassignment is in progress.");
    assert_eq!(world.commands().len(), before, "refusals are not logged");
}

#[test]
fn cancelling_puts_the_old_replicas_back_and_drops_the_half_made_copy() {
    let mut world = cluster(14);
    create_topic(&mut world, "orders", 1, 2, &[]);
    let original = replicas(&world, "orders", 0);
    add_broker(&mut world, None);
    run_ms(&mut world, 500);
    // Broker 4 cannot catch up while it is cut off from everyone.
    world
        .apply(Command::SlowFollower {
            broker: 4,
            delay_ms: 600_000,
        })
        .expect("slow");
    let target = vec![4, original[0]];
    reassign(&mut world, "orders", 0, Some(&target)).expect("accepted");
    run_ms(&mut world, 1_000);
    assert_eq!(
        world.partition_reassignments().len(),
        1,
        "still in progress"
    );
    reassign(&mut world, "orders", 0, None).expect("cancelled");
    run_ms(&mut world, 500);
    assert!(world.partition_reassignments().is_empty());
    assert_eq!(replicas(&world, "orders", 0), original);
    assert!(
        world
            .replica_log(4, &TopicPartition::new("orders", 0))
            .is_none()
    );
}

#[test]
fn shrinking_the_replicas_completes_at_once_with_a_new_leader_epoch() {
    let mut world = cluster(15);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let before = world
        .metadata()
        .partition(&TopicPartition::new("orders", 0))
        .expect("partition")
        .clone();
    let leader_now = before.leader.expect("led");
    let keep: Vec<u32> = before
        .replicas
        .iter()
        .copied()
        .filter(|&b| b == leader_now)
        .chain(
            before
                .replicas
                .iter()
                .copied()
                .filter(|&b| b != leader_now)
                .take(1),
        )
        .collect();
    reassign(&mut world, "orders", 0, Some(&keep)).expect("accepted");
    let after = world
        .metadata()
        .partition(&TopicPartition::new("orders", 0))
        .expect("partition")
        .clone();
    assert_eq!(after.replicas, keep);
    assert!(!after.is_reassigning());
    assert_eq!(after.leader, Some(leader_now));
    assert_eq!(
        after.leader_epoch,
        before.leader_epoch + 1,
        "a dropped replica bumps it"
    );
}

#[test]
fn the_console_executes_verifies_and_lists_as_kafka_prints() {
    let mut world = cluster(16);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_broker(&mut world, None);
    run_ms(&mut world, 500);
    let current = replicas(&world, "orders", 0);
    let target = format!("[4,{},{}]", current[1], current[2]);
    let json = format!(
        r#"{{"version":1,"partitions":[{{"topic":"orders","partition":0,"replicas":{target}}}]}}"#
    );
    let out = kafka_sim::console::run(
        &mut world,
        &format!(
            "kafka-reassign-partitions.sh --bootstrap-server localhost:9092 --execute --reassignment-json-file '{json}'"
        ),
    )
    .expect("executed");
    let current_json = format!(
        r#"{{"version":1,"partitions":[{{"topic":"orders","partition":0,"replicas":[{}],"log_dirs":["any","any","any"]}}]}}"#,
        current
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(
        out,
        format!(
            "Current partition replica assignment\n\n{current_json}\n\nSave this to use as the \
             --reassignment-json-file option during rollback\nSuccessfully started partition \
             reassignment for orders-0\n"
        )
    );
    let listed = kafka_sim::console::run(
        &mut world,
        "kafka-reassign-partitions.sh --bootstrap-server localhost:9092 --list",
    )
    .expect("listed");
    assert!(
        listed.starts_with("Current partition reassignments:\norders-0: replicas: 4,"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!(" adding: 4. removing: {}.", current[0])),
        "{listed}"
    );
    let described = world.describe_topics(Some("orders"));
    assert!(
        described.contains(&format!(
            "\tAdding Replicas: 4\tRemoving Replicas: {}\tElr",
            current[0]
        )),
        "{described}"
    );
    run_ms(&mut world, 3_000);
    let verify = kafka_sim::console::run(
        &mut world,
        &format!(
            "kafka-reassign-partitions.sh --bootstrap-server localhost:9092 --verify --reassignment-json-file '{json}'"
        ),
    )
    .expect("verified");
    assert_eq!(
        verify,
        "Status of partition reassignment:\nReassignment of partition orders-0 is completed.\n\n\
         Clearing broker-level throttles on brokers 1,2,3,4\nClearing topic-level throttles on topic orders\n"
    );
    let unknown = kafka_sim::console::run(
        &mut world,
        r#"kafka-reassign-partitions.sh --bootstrap-server localhost:9092 --execute --reassignment-json-file '{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[7]}]}'"#,
    );
    assert_eq!(unknown, Err("Error: Unknown broker id 7".to_owned()));
}
