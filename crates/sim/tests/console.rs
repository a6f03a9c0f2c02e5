//! Goal: the console answers like Kafka's tools. Method: command lines against a cluster,
//! comparing the printed output and errors.

mod common;

use common::*;
use kafka_sim::Command;
use kafka_sim::console::run;

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
    crash_broker(&mut world, preferred);
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

const BOOTSTRAP: &str = "--bootstrap-server localhost:9092";

#[test]
fn console_producer_consumer_and_consumer_groups_speak_kafkas_formats() {
    let mut world = cluster(2);
    run(
        &mut world,
        &format!("{TOPICS} --create --topic orders --partitions 1 --replication-factor 3"),
    )
    .expect("created");
    run_ms(&mut world, 200);
    let sent = run(
        &mut world,
        &format!("printf 'k1:v1\\nk2:v2\\n' | kafka-console-producer.sh {BOOTSTRAP} --topic orders --property parse.key=true --property key.separator=:"),
    )
    .expect("sent");
    assert!(sent.starts_with(">>"), "{sent}");
    let refused = run(
        &mut world,
        &format!(
            "echo novalue | kafka-console-producer.sh {BOOTSTRAP} --topic orders --property parse.key=true --property key.separator=:"
        ),
    );
    assert_eq!(
        refused,
        Err("org.apache.kafka.common.KafkaException: No key separator found on line number 1: 'novalue'".to_owned())
    );
    run_ms(&mut world, 3_000);

    let consumed = run(
        &mut world,
        &format!("kafka-console-consumer.sh {BOOTSTRAP} --topic orders --from-beginning --max-messages 2 --property print.key=true --property print.offset=true"),
    )
    .expect("consumed");
    assert_eq!(
        consumed,
        "Offset:0\tk1\tv1\nOffset:1\tk2\tv2\nProcessed a total of 2 messages\n"
    );
    // The console consumer ran on a copy: the real cluster has no consumer.
    assert_eq!(world.consumers().count(), 0);

    add_consumer(
        &mut world,
        "c1",
        "billing",
        &["orders"],
        &[("auto.offset.reset", "earliest")],
    );
    run_ms(&mut world, 15_000);
    let groups = |world: &mut kafka_sim::World, args: &str| {
        run(
            world,
            &format!("kafka-consumer-groups.sh {BOOTSTRAP} {args}"),
        )
    };
    assert_eq!(groups(&mut world, "--list").as_deref(), Ok("billing\n"));
    let described = groups(&mut world, "--describe --group billing").expect("exists");
    let lines: Vec<&str> = described.lines().collect();
    assert_eq!(lines[0], "");
    assert!(lines[1].starts_with(
        "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID "
    ));
    // CONSUMER-ID is as wide as the longest member id: HOST lines up with the host column.
    assert_eq!(
        lines[1].find("HOST"),
        lines[2].find("/127.0.0.1"),
        "{described}"
    );
    assert!(lines[1].ends_with("HOST            CLIENT-ID"));
    assert!(lines[2].starts_with("billing         orders          0          2               2               0               c1-"), "{described}");
    assert!(lines[2].ends_with("/127.0.0.1      c1"), "{described}");
    let state = groups(&mut world, "--describe --group billing --state").expect("exists");
    assert!(
        state.contains("range") && state.contains("Stable"),
        "{state}"
    );
    assert_eq!(
        groups(&mut world, "--describe --group nobody"),
        Err("Error: Consumer group 'nobody' does not exist.".to_owned())
    );
    let refused = groups(
        &mut world,
        "--reset-offsets --group billing --topic orders --to-earliest --execute",
    );
    assert!(
        refused
            .expect_err("active group")
            .contains("is inactive, but the current state is Stable")
    );
    world
        .apply(Command::CloseConsumer {
            consumer: "c1".to_owned(),
        })
        .expect("closes");
    run_ms(&mut world, 2_000);
    let reset = groups(
        &mut world,
        "--reset-offsets --group billing --topic orders --to-earliest --execute",
    )
    .expect("reset");
    assert!(reset.ends_with("billing                        orders                         0          0              \n"), "{reset:?}");
    run_ms(&mut world, 1_000);
    let described = groups(&mut world, "--describe --group billing").expect("exists");
    assert!(described.contains("billing         orders          0          0               2               2               -"), "{described}");
    assert!(
        described.ends_with("Consumer group 'billing' has no active members.\n"),
        "{described:?}"
    );
    // An Empty group can be deleted; then it does not exist.
    assert_eq!(
        groups(&mut world, "--delete --group billing").as_deref(),
        Ok("Deletion of requested consumer groups ('billing') was successful.\n")
    );
    run_ms(&mut world, 1_000);
    assert_eq!(
        groups(&mut world, "--describe --group billing"),
        Err("Error: Consumer group 'billing' does not exist.".to_owned())
    );
    assert_eq!(groups(&mut world, "--list").as_deref(), Ok(""));
    assert!(
        groups(&mut world, "--delete --group billing")
            .expect_err("gone")
            .ends_with("GroupIdNotFoundException: The group id does not exist.")
    );
}
