//! Goal: the console answers like Kafka's tools. Method: command lines against a cluster,
//! comparing the printed output and errors.

mod common;

use common::*;
use kafka_sim::console::run;
use kafka_sim::{Command, CrashKind};

const TOPICS: &str = "kafka-topics.sh --bootstrap-server localhost:9092";

#[test]
fn kafka_topics_creates_lists_describes_and_deletes() {
    let mut world = cluster(1);
    let created = run(
        &mut world,
        &format!(
            "{TOPICS} --create --topic orders --partitions 3 --replication-factor 3 --config min.insync.replicas=2"
        ),
    );
    assert_eq!(created.as_deref(), Ok("Created topic orders.\n"));
    let warned = run(&mut world, &format!("{TOPICS} --create --topic orders.eu"));
    assert!(
        warned
            .expect("created")
            .starts_with("WARNING: Due to limitations in metric names")
    );
    run_ms(&mut world, 200);
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --list")).as_deref(),
        Ok("orders\norders.eu\n")
    );
    let described =
        run(&mut world, &format!("{TOPICS} --describe --topic orders")).expect("exists");
    let lines: Vec<&str> = described.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("Topic: orders\tTopicId: "));
    assert!(
        lines[0]
            .ends_with("\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: min.insync.replicas=2")
    );
    assert!(lines[1].starts_with("\tTopic: orders\tPartition: 0\tLeader: "));
    assert!(lines[1].ends_with("\tElr: N/A\tLastKnownElr: N/A"));
    assert_eq!(
        run(
            &mut world,
            &format!("{TOPICS} --alter --topic orders --partitions 4")
        )
        .as_deref(),
        Ok("")
    );
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --delete --topic orders.eu")).as_deref(),
        Ok("")
    );
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --list")).as_deref(),
        Ok("orders\n")
    );
}

#[test]
fn kafka_topics_prints_kafkas_refusals() {
    let mut world = cluster(2);
    let cases = [
        (
            format!("{TOPICS} --create --topic orders --replication-factor 4"),
            "Error while executing topic command : Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.",
        ),
        (
            format!("{TOPICS} --create --topic orders --partitions 0"),
            "The partitions must be greater than 0",
        ),
        (
            format!("{TOPICS} --create --topic 'bad name'"),
            "Error while executing topic command : Topic name is invalid: 'bad name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
        ),
        (
            format!("{TOPICS} --describe --topic nope"),
            "Error while executing topic command : Topic 'nope' does not exist as expected",
        ),
        (
            "kafka-topics.sh --list".to_owned(),
            "Missing required argument \"[bootstrap-server]\"",
        ),
        (
            format!("{TOPICS} --list --describe"),
            "Command must include exactly one action: --list, --describe, --create, --alter or --delete",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(run(&mut world, &line), Err(expected.to_owned()), "{line}");
    }
    assert!(world.metadata().topics.is_empty());
}

#[test]
fn kafka_leader_election_moves_leadership_back_to_the_preferred_replica() {
    let mut world = cluster(3);
    run(
        &mut world,
        &format!("{TOPICS} --create --topic orders --partitions 1 --replication-factor 3"),
    )
    .expect("created");
    run_ms(&mut world, 200);
    let preferred = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::CrashBroker {
            broker: preferred,
            kind: CrashKind::Process,
        })
        .expect("up");
    run_ms(&mut world, 12_000);
    world
        .apply(Command::RestartBroker { broker: preferred })
        .expect("down");
    run_ms(&mut world, 3_000);
    let elect = "kafka-leader-election.sh --bootstrap-server localhost:9092 --election-type PREFERRED --topic orders --partition 0";
    assert_eq!(
        run(&mut world, elect).as_deref(),
        Ok("Successfully completed leader election (PREFERRED) for partitions orders-0\n")
    );
    assert_eq!(
        run(&mut world, elect).as_deref(),
        Ok("Valid replica already elected for partitions orders-0\n")
    );
    assert_eq!(leader(&world, "orders", 0), Some(preferred));
}
