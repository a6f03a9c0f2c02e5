//! Goal: the console answers like Kafka's tools. Method: command lines against a cluster,
//! comparing the printed output and errors.

use crate::common;

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
    // TopicCommand.PartitionDescription: Kafka 4's DescribeTopicPartitions gives empty, not
    // null, ELR lists.
    assert!(lines[1].ends_with("\tElr: \tLastKnownElr: "));
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
    // tools/src/main/java/org/apache/kafka/tools/TopicCommand.java: printException's prefix,
    // createTopic's checks (replication factor before partitions), parseReplicaAssignment,
    // parseTopicConfigsToBeAdded, ensureTopicExists; TopicCommandOptions.checkArgs and
    // server-common's CommandLineUtils for the option errors.
    let cases = [
        (
            format!("{TOPICS} --create --topic orders --replication-factor 4"),
            "Error while executing topic command : Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.",
        ),
        (
            format!("{TOPICS} --create --topic orders --partitions 0"),
            "Error while executing topic command : The partitions must be greater than 0",
        ),
        (
            format!("{TOPICS} --create --topic orders --partitions 0 --replication-factor 0"),
            "Error while executing topic command : The replication factor must be between 1 and 32767 inclusive",
        ),
        (
            format!("{TOPICS} --create --topic orders --config foo"),
            "Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".",
        ),
        (
            format!("{TOPICS} --create --topic orders --config a=b=c"),
            "Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".",
        ),
        (
            format!("{TOPICS} --create --topic orders --replica-assignment 1:2:1,2:3:3"),
            "Error while executing topic command : Partition replica lists may not contain duplicate entries: 1",
        ),
        (
            format!("{TOPICS} --create --topic orders --replica-assignment 1:2,3"),
            "Error while executing topic command : Partition 1 has different replication factor: [3]",
        ),
        (
            format!("{TOPICS} --create --topic orders --replica-assignment 1:x"),
            "Error while executing topic command : For input string: \"x\"",
        ),
        (
            format!("{TOPICS} --create --topic orders --replica-assignment 1:2 --partitions 1"),
            "Option \"[replica-assignment]\" can't be used with option \"[partitions]\"",
        ),
        (
            format!("{TOPICS} --create --topic 'bad name'"),
            "Error while executing topic command : Topic name is invalid: 'bad name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
        ),
        (
            format!("{TOPICS} --create --topic orders_eu --partitions 0"),
            "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\nError while executing topic command : The partitions must be greater than 0",
        ),
        (
            format!("{TOPICS} --describe --topic nope"),
            "Error while executing topic command : Topic 'nope' does not exist as expected",
        ),
        (
            format!("{TOPICS} --delete --topic nope"),
            "Error while executing topic command : Topic 'nope' does not exist as expected",
        ),
        (
            format!("{TOPICS} --alter --topic nope --partitions 2"),
            "Error while executing topic command : Topic 'nope' does not exist as expected",
        ),
        (
            format!("{TOPICS} --alter --topic nope"),
            "Missing required argument \"[partitions]\"",
        ),
        (
            format!("{TOPICS} --delete"),
            "Missing required argument \"[topic]\"",
        ),
        (
            format!("{TOPICS} --list --if-exists"),
            "Option \"[if-exists]\" can't be used with option \"[list]\"",
        ),
        (
            format!("{TOPICS} --describe --under-replicated-partitions --topics-with-overrides"),
            "Option \"[under-replicated-partitions]\" can't be used with option \"[topics-with-overrides]\"",
        ),
        (
            "kafka-topics.sh --list".to_owned(),
            "--bootstrap-server must be specified",
        ),
        (
            "kafka-topics.sh --list --describe".to_owned(),
            "Command must include exactly one action: --list, --describe, --create, --alter or --delete",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(run(&mut world, &line), Err(expected.to_owned()), "{line}");
    }
    assert!(world.metadata().topics.is_empty());
    // An empty list is one empty line (`println` of the joined names).
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --list")).as_deref(),
        Ok("\n")
    );
}

#[test]
fn kafka_topics_filters_by_regex_reports_and_existence_flags() {
    let mut world = cluster(4);
    for line in [
        "--create --topic orders --partitions 2 --replication-factor 3 --config min.insync.replicas=2",
        "--create --topic payments --partitions 1 --replication-factor 3",
        "--create --topic clicks --partitions 1 --replication-factor 1",
    ] {
        run(&mut world, &format!("{TOPICS} {line}")).expect("created");
    }
    run_ms(&mut world, 200);
    // TopicFilter.IncludeList: the whole name matches; a comma is an alternative.
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --list --topic 'o.*,pay.*'")).as_deref(),
        Ok("orders\npayments\n")
    );
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --list --topic rders")).as_deref(),
        Ok("\n")
    );
    assert_eq!(
        run(&mut world, &format!("{TOPICS} --list --topic '['")),
        Err("Error while executing topic command : [ is an invalid regex.".to_owned())
    );
    // --if-exists: a missing topic is no error; --if-not-exists: an existing one is none.
    assert_eq!(
        run(
            &mut world,
            &format!("{TOPICS} --delete --topic nope --if-exists")
        )
        .as_deref(),
        Ok("")
    );
    assert_eq!(
        run(
            &mut world,
            &format!("{TOPICS} --create --topic orders --if-not-exists")
        )
        .as_deref(),
        Ok("")
    );
    // --topics-with-overrides: only the summary of topics with a non-default config.
    let overrides = run(
        &mut world,
        &format!("{TOPICS} --describe --topics-with-overrides"),
    )
    .expect("described");
    assert_eq!(overrides.lines().count(), 1, "{overrides}");
    assert!(overrides.starts_with("Topic: orders\t"), "{overrides}");
    let clicks_leader = leader(&world, "clicks", 0).expect("led");
    let orders_follower = world.metadata().topics["orders"].partitions[0]
        .replicas
        .iter()
        .copied()
        .find(|&b| b != clicks_leader)
        .expect("three replicas");
    crash_broker(&mut world, clicks_leader);
    run_ms(&mut world, 12_000);
    // DescribeOptions: with a report, only matching partition lines, no summary line.
    let unavailable = run(
        &mut world,
        &format!("{TOPICS} --describe --unavailable-partitions"),
    )
    .expect("described");
    assert!(
        unavailable.starts_with("\tTopic: clicks\tPartition: 0\tLeader: none\t"),
        "{unavailable}"
    );
    assert_eq!(unavailable.lines().count(), 1, "{unavailable}");
    let under = run(
        &mut world,
        &format!("{TOPICS} --describe --under-replicated-partitions --topic 'orders|payments'"),
    )
    .expect("described");
    assert_eq!(under.lines().count(), 3, "{under}");
    assert!(under.lines().all(|l| l.starts_with("\tTopic: ")), "{under}");
    // orders has min.insync.replicas=2 and two in-sync replicas left; clicks keeps its last
    // (offline) replica in the ISR, one as its minimum; payments has two of one.
    let at_min = run(
        &mut world,
        &format!("{TOPICS} --describe --at-min-isr-partitions"),
    )
    .expect("described");
    assert_eq!(at_min.lines().count(), 3, "{at_min}");
    assert!(!at_min.contains("payments"), "{at_min}");
    crash_broker(&mut world, orders_follower);
    run_ms(&mut world, 12_000);
    let under_min = run(
        &mut world,
        &format!("{TOPICS} --describe --under-min-isr-partitions"),
    )
    .expect("described");
    assert!(
        under_min.contains("\tTopic: orders\tPartition: 0\t"),
        "{under_min}"
    );
    assert!(
        under_min.contains("\tTopic: clicks\tPartition: 0\t"),
        "{under_min}"
    );
    assert!(!under_min.contains("payments"), "{under_min}");
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
    // tools/src/main/java/org/apache/kafka/tools/LeaderElectionCommand.java: with all
    // partitions, ReplicationControlManager leaves out those that need no election; failures
    // print the exception and end in a thrown error.
    let election = "kafka-leader-election.sh --bootstrap-server localhost:9092 --election-type";
    assert_eq!(
        run(
            &mut world,
            &format!("{election} PREFERRED --all-topic-partitions")
        )
        .as_deref(),
        Ok("")
    );
    assert_eq!(
        run(&mut world, &format!("{election} PREFERRED --topic nope --partition 0")),
        Err("Error completing leader election (PREFERRED) for partition: nope-0: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such topic as nope\n1 replica(s) could not be elected".to_owned())
    );
    let cases = [
        (
            "kafka-leader-election.sh --topic orders --partition 0",
            "Missing required option(s): --bootstrap-server, --election-type",
        ),
        (
            &format!("{election} PREFERRED"),
            "One and only one of the following options is required: --topic, --all-topic-partitions, --path-to-json-file",
        ),
        (
            &format!("{election} PREFERRED --topic orders"),
            "Missing required option(s): --partition",
        ),
        (
            &format!("{election} PREFERRED --all-topic-partitions --partition 0"),
            "Option --partition is only allowed if --topic is used",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(run(&mut world, line), Err(expected.to_owned()), "{line}");
    }
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
    // ConsumerGroupCommand.run's printError of the admin client's exception.
    assert_eq!(
        groups(&mut world, "--describe --group nobody"),
        Err("Error: Executing consumer group command failed due to org.apache.kafka.common.errors.GroupIdNotFoundException: Group nobody not found.".to_owned())
    );
    // printMembers: #PARTITIONS is 15 wide; --verbose adds a classic member's epochs (none)
    // and its assignment as topic:partitions.
    let members =
        groups(&mut world, "--describe --group billing --members --verbose").expect("exists");
    let lines: Vec<&str> = members.lines().collect();
    assert_eq!(lines[0], "", "{members}");
    assert!(lines[1].contains("CLIENT-ID       #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT   TARGET-EPOCH    TARGET-ASSIGNMENT   "), "{members:?}");
    assert!(lines[2].ends_with("c1              1               -               orders:0             -               -                   "), "{members:?}");
    // printStates.
    let state_lines: Vec<&str> = state.lines().collect();
    assert_eq!(
        state_lines[1],
        "GROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS",
        "{state:?}"
    );
    // resetOffsets prints the refusal of an active group and goes on (exit code 0).
    let refused = groups(
        &mut world,
        "--reset-offsets --group billing --topic orders --to-earliest --execute",
    );
    assert!(
        refused
            .expect("printed, not thrown")
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
    // ConsumerGroupCommandOptions.checkArgs: the WARN (sic, no space after "missing.") only
    // without --dry-run and --execute; ConsumerGroupCommand.prepareOffsetsToReset's refusal.
    let dry = groups(
        &mut world,
        "--reset-offsets --group billing --topic orders --to-latest",
    )
    .expect("dry run");
    assert!(dry.starts_with("WARN: No action will be performed as the --execute option is missing.In a future major release"), "{dry}");
    let explicit = groups(
        &mut world,
        "--reset-offsets --group billing --topic orders --to-latest --dry-run",
    )
    .expect("dry run");
    assert!(explicit.starts_with("\nGROUP "), "{explicit}");
    assert_eq!(
        groups(&mut world, "--reset-offsets --group billing --topic orders --dry-run"),
        Err("Option '[reset-offsets]' requires one of the following scenarios: [[to-offset], [shift-by], [to-datetime], [by-duration], [to-earliest], [to-latest], [to-current], [from-file]]".to_owned())
    );
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group billing --topic orders --to-latest --to-earliest"
        ),
        Err("Option \"[to-earliest]\" can't be used with option \"[to-latest]\"".to_owned())
    );
    assert_eq!(
        groups(&mut world, "--describe"),
        Err("Option [describe] takes one of these options: [group], [all-groups]".to_owned())
    );
    run_ms(&mut world, 1_000);
    let described = groups(&mut world, "--describe --group billing").expect("exists");
    assert!(described.contains("billing         orders          0          0               2               2               -"), "{described}");
    // shouldPrintMemberState writes the note (to stderr) before the table, for every view.
    assert!(
        described.starts_with("\nConsumer group 'billing' has no active members.\n\nGROUP "),
        "{described:?}"
    );
    let state = groups(&mut world, "--describe --group billing --state").expect("exists");
    assert!(
        state.starts_with("\nConsumer group 'billing' has no active members.\n\nGROUP "),
        "{state:?}"
    );
    assert_eq!(
        groups(&mut world, "--describe --group billing --members").as_deref(),
        Ok("\nConsumer group 'billing' has no active members.\n")
    );
    assert_eq!(
        groups(&mut world, "--list --state").as_deref(),
        Ok(
            "GROUP                     STATE               \nbilling                   Empty               \n"
        )
    );
    // An Empty group can be deleted; then it does not exist.
    assert_eq!(
        groups(&mut world, "--delete --group billing").as_deref(),
        Ok("Deletion of requested consumer groups ('billing') was successful.\n")
    );
    run_ms(&mut world, 1_000);
    assert!(
        groups(&mut world, "--describe --group billing")
            .expect_err("gone")
            .ends_with("GroupIdNotFoundException: Group billing not found.")
    );
    assert_eq!(groups(&mut world, "--list").as_deref(), Ok(""));
    // ConsumerGroupCommand.deleteGroups prints the ExecutionException.
    assert_eq!(
        groups(&mut world, "--delete --group billing"),
        Err("Error: Deletion of some consumer groups failed:\n* Group 'billing' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.".to_owned())
    );
}

/// `help` says which tools there are and where the console differs from a real machine (no
/// bootstrap server, no files), as issue #21 asks.
#[test]
fn help_names_the_tools_and_what_a_console_without_a_machine_lacks() {
    let mut world = cluster(1);
    let help = run(&mut world, "help").expect("help");
    for tool in [
        "kafka-topics.sh",
        "kafka-console-producer.sh",
        "kafka-console-consumer.sh",
        "kafka-consumer-groups.sh",
        "kafka-leader-election.sh",
        "kafka-reassign-partitions.sh",
    ] {
        assert!(help.contains(tool), "{tool} in {help}");
    }
    assert!(help.contains("no real bootstrap server"), "{help}");
    assert!(help.contains("no files"), "{help}");
    let unknown = run(
        &mut world,
        "kafka-acls.sh --bootstrap-server localhost:9092 --list",
    )
    .expect_err("not simulated");
    assert!(unknown.contains("help says"), "{unknown}");
}

/// `kafka-configs.sh --entity-type groups` sets, shows and deletes a share group's
/// `share.auto.offset.reset` as Kafka 4's ConfigCommand does, and refuses a value the broker
/// refuses.
#[test]
fn kafka_configs_alters_and_describes_group_configs() {
    const CONFIGS: &str = "kafka-configs.sh --bootstrap-server localhost:9092";
    let mut world = cluster(1);
    let altered = run(
        &mut world,
        &format!(
            "{CONFIGS} --alter --entity-type groups --entity-name workers --add-config share.auto.offset.reset=earliest"
        ),
    );
    assert_eq!(
        altered.as_deref(),
        Ok("Completed updating config for group workers.\n")
    );
    run_ms(&mut world, 200);
    assert_eq!(
        world.metadata().group_configs["workers"]["share.auto.offset.reset"],
        "earliest"
    );
    let describe = format!("{CONFIGS} --describe --entity-type groups --entity-name workers");
    assert_eq!(
        run(&mut world, &describe).as_deref(),
        Ok(
            "Dynamic configs for group workers are:\n  share.auto.offset.reset=earliest sensitive=false synonyms={}\n"
        )
    );
    let refused = run(
        &mut world,
        &format!(
            "{CONFIGS} --alter --entity-type groups --entity-name workers --add-config share.auto.offset.reset=middle"
        ),
    )
    .expect_err("an invalid value");
    assert!(
        refused.contains("String must be one of: latest, earliest"),
        "{refused}"
    );
    let deleted = run(
        &mut world,
        &format!(
            "{CONFIGS} --alter --entity-type groups --entity-name workers --delete-config share.auto.offset.reset"
        ),
    );
    assert_eq!(
        deleted.as_deref(),
        Ok("Completed updating config for group workers.\n")
    );
    run_ms(&mut world, 200);
    assert_eq!(
        run(&mut world, &describe).as_deref(),
        Ok("Dynamic configs for group workers are:\n")
    );
    let no_action = run(
        &mut world,
        &format!("{CONFIGS} --entity-type groups --entity-name workers"),
    )
    .expect_err("no action");
    assert!(no_action.contains("exactly one action"), "{no_action}");
}
