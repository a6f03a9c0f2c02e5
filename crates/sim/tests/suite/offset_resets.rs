//! Goal: `kafka-consumer-groups.sh --reset-offsets` with every scenario, and `--delete-offsets`,
//! answer as Kafka 4.0's `ConsumerGroupCommand` does (texts from
//! `tools/src/main/java/org/apache/kafka/tools/consumer/group/ConsumerGroupCommand.java` and
//! `ConsumerGroupCommandOptions.java`; OffsetDelete as `OffsetMetadataManager.deleteOffsets`).
//! Method: a two-partition topic written in two rounds five seconds apart, a group that read
//! everything and left; then command lines, checking the printed plan and what the group's
//! coordinator holds afterwards.

use crate::common;

use common::*;
use kafka_sim::console::run;
use kafka_sim::{Command, World};

const GROUPS: &str = "kafka-consumer-groups.sh --bootstrap-server localhost:9092";

fn groups(world: &mut World, args: &str) -> Result<String, String> {
    run(world, &format!("{GROUPS} {args}"))
}

/// `orders` (2 partitions): offsets 0-3 written at about 1 s, 4-7 at about 6 s of virtual
/// time; group `g` read them all, committed 8 and 8, and is Empty.
fn read_and_left() -> World {
    let mut world = cluster(7);
    create_topic(&mut world, "orders", 2, 3, &[]);
    add_client(&mut world, "loader");
    for round in 0..2 {
        for p in 0..2 {
            for i in 0..4 {
                produce(
                    &mut world,
                    "loader",
                    "orders",
                    p,
                    &format!("r{round}-{i}"),
                    -1,
                );
            }
        }
        run_ms(&mut world, 5_000);
    }
    add_consumer(
        &mut world,
        "c1",
        "g",
        &["orders"],
        &[("auto.offset.reset", "earliest")],
    );
    run_ms(&mut world, 15_000);
    world
        .apply(Command::CloseConsumer {
            consumer: "c1".to_owned(),
        })
        .expect("closes");
    run_ms(&mut world, 2_000);
    assert_eq!(committed(&world, "g"), vec![8, 8]);
    world
}

/// The group's committed offsets of `orders` 0 and 1 (-1: none).
fn committed(world: &World, group: &str) -> Vec<i64> {
    let found = world.groups().into_iter().find(|(_, g)| g.id == group);
    (0..2)
        .map(|p| {
            found
                .and_then(|(_, g)| g.offsets.get(&kafka_sim::TopicPartition::new("orders", p)))
                .map_or(-1, |o| *o as i64)
        })
        .collect()
}

/// `printOffsetsToReset`'s table for group `g` and topic `orders`.
fn plan(rows: &[(u32, u64)]) -> String {
    let mut out = "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     ".to_owned();
    for (p, offset) in rows {
        out.push_str(&format!(
            "\ng                              orders                         {p:<10} {offset:<15}"
        ));
    }
    out + "\n"
}

#[test]
fn shift_by_moves_the_committed_offsets_within_the_log() {
    let mut world = read_and_left();
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --shift-by -3 --execute"
        ),
        Ok(plan(&[(0, 5), (1, 5)]))
    );
    assert_eq!(committed(&world, "g"), vec![5, 5]);
    // checkOffsetsRange clamps to the log end and to the log start.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --shift-by 100 --dry-run"
        ),
        Ok(plan(&[(0, 8), (1, 8)]))
    );
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders:1 --shift-by -100 --execute"
        ),
        Ok(plan(&[(1, 0)]))
    );
    assert_eq!(committed(&world, "g"), vec![5, 0], "only partition 1 moved");
    // resetByShiftBy's IllegalArgumentException for a group that committed nothing.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group fresh --topic orders --shift-by 1 --dry-run"
        ),
        Err(
            "Cannot shift offset for partition orders-0 since there is no current committed offset"
                .to_owned()
        )
    );
}

#[test]
fn to_current_keeps_committed_offsets_and_fills_the_rest_with_the_log_end() {
    let mut world = read_and_left();
    groups(
        &mut world,
        "--reset-offsets --group g --topic orders:0 --to-offset 2 --execute",
    )
    .expect("reset");
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --to-current --dry-run"
        ),
        Ok(plan(&[(0, 2), (1, 8)]))
    );
    // A group that committed nothing: the log end (resetToCurrent's fallback).
    assert!(
        groups(&mut world, "--reset-offsets --group fresh --topic orders --to-current --dry-run")
            .expect("plan")
            .ends_with("fresh                          orders                         1          8              \n")
    );
    // --to-offset below the log start is raised to it.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --to-offset -4 --dry-run"
        ),
        Ok(plan(&[(0, 0), (1, 0)]))
    );
}

#[test]
fn to_datetime_and_by_duration_find_the_first_record_at_or_after_the_time() {
    let mut world = read_and_left();
    // The second round was written after 5 s of virtual time (the clock starts at the epoch).
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --to-datetime 1970-01-01T00:00:04.000 --execute"
        ),
        Ok(plan(&[(0, 4), (1, 4)]))
    );
    assert_eq!(committed(&world, "g"), vec![4, 4]);
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --to-datetime 1970-01-01T01:00:00.000+01:00 --dry-run"
        ),
        Ok(plan(&[(0, 0), (1, 0)]))
    );
    // No record that late: getLogTimestampOffsets warns (on stdout) and takes the log end.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --to-datetime 2024-01-01T00:00:00.000 --dry-run"
        ),
        Ok(format!(
            "\nWarn: Partition 0 from topic orders is empty. Falling back to latest known offset.\n\
             \nWarn: Partition 1 from topic orders is empty. Falling back to latest known offset.\n{}",
            plan(&[(0, 8), (1, 8)])
        ))
    );
    // Utils.getDateTime's ParseException, caught by run.
    assert_eq!(
        groups(&mut world, "--reset-offsets --group g --topic orders --to-datetime 1970-01-01T00:00:04 --dry-run"),
        Err("Error: Executing consumer group command failed due to java.text.ParseException: Unparseable date: \"1970-01-01T00:00:04Z\"".to_owned())
    );
    // Now is about 27 s: 25 s back is before the second round, 60 s back before everything.
    let now_ms = world.now().as_millis();
    assert!((25_000..30_000).contains(&now_ms), "{now_ms}");
    let back = format!("PT{}S", now_ms / 1000 - 4);
    assert_eq!(
        groups(
            &mut world,
            &format!("--reset-offsets --group g --topic orders --by-duration {back} --dry-run")
        ),
        Ok(plan(&[(0, 4), (1, 4)]))
    );
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --by-duration PT1M --dry-run"
        ),
        Ok(plan(&[(0, 0), (1, 0)]))
    );
    assert_eq!(
        groups(&mut world, "--reset-offsets --group g --topic orders --by-duration 5m --dry-run"),
        Err("Error: Executing consumer group command failed due to Text cannot be parsed to a Duration".to_owned())
    );
}

#[test]
fn from_file_takes_the_csv_inline_as_export_prints_it() {
    let mut world = read_and_left();
    // --export prints exportOffsetsToCsv's lines for one group, then a newline.
    let exported = groups(
        &mut world,
        "--reset-offsets --group g --topic orders --to-offset 3 --export --dry-run",
    )
    .expect("csv");
    assert_eq!(exported, "orders,0,3\norders,1,3\n\n");
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --from-file 'orders,0,1 orders,1,99' --execute"
        ),
        Ok(plan(&[(0, 1), (1, 8)]))
    );
    assert_eq!(committed(&world, "g"), vec![1, 8]);
    // The form with groups; a plan for other groups only is Kafka's printError.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --from-file 'g,orders,0,6\\ng,orders,1,7' --execute"
        ),
        Ok(plan(&[(0, 6), (1, 7)]))
    );
    assert!(
        groups(
            &mut world,
            "--reset-offsets --group g --from-file 'other,orders,0,6' --dry-run"
        )
        .expect_err("no plan for g")
            == "Error: No reset plan for group g found"
    );
    // A path: the console has no files, and says what it takes instead.
    let refused = groups(
        &mut world,
        "--reset-offsets --group g --from-file plan.csv --dry-run",
    )
    .expect_err("no files");
    assert!(refused.contains("the console has no files"), "{refused}");
    // Without --from-file a scope is needed (getPartitionsToReset).
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --to-latest --dry-run"
        ),
        Err("One of the reset scopes should be defined: --all-topics, --topic.".to_owned())
    );
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --all-topics --to-earliest --dry-run"
        ),
        Ok(plan(&[(0, 0), (1, 0)]))
    );
}

#[test]
fn an_active_group_is_refused_even_for_a_dry_run() {
    let mut world = read_and_left();
    add_consumer(&mut world, "c2", "g", &["orders"], &[]);
    run_ms(&mut world, 10_000);
    // resetOffsets prints the error (printError, to stdout) and an empty plan (the header
    // only), and the tool ends normally.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic orders --shift-by 1 --dry-run"
        ),
        Ok(format!(
            "\nError: Assignments can only be reset if the group 'g' is inactive, but the current state is Stable.\n{}",
            plan(&[])
        ))
    );
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --topic nope --to-latest --dry-run"
        ),
        Ok(format!(
            "\nError: Assignments can only be reset if the group 'g' is inactive, but the current state is Stable.\n{}",
            plan(&[])
        ))
    );
}

#[test]
fn several_groups_are_reset_in_one_run_and_printed_in_kafkas_order() {
    let mut world = read_and_left();
    add_consumer(
        &mut world,
        "c3",
        "p",
        &["orders"],
        &[("auto.offset.reset", "earliest")],
    );
    run_ms(&mut world, 15_000);
    world
        .apply(Command::CloseConsumer {
            consumer: "c3".to_owned(),
        })
        .expect("closes");
    run_ms(&mut world, 2_000);
    // resetOffsets collects the plans in a HashMap keyed by group id: "p" (hash 112, bucket 0)
    // comes before "g" (103, bucket 7); each plan is a HashMap of partitions (orders-0 in
    // bucket 9, orders-1 in 10).
    let row = |g: &str, p: u32, offset: u64| {
        format!("\n{g:<30} orders                         {p:<10} {offset:<15}")
    };
    let header = "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     ";
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --all-groups --topic orders --to-earliest --dry-run"
        ),
        Ok(format!(
            "{header}{}{}{}{}\n",
            row("p", 0, 0),
            row("p", 1, 0),
            row("g", 0, 0),
            row("g", 1, 0)
        ))
    );
    // exportOffsetsToCsv writes the group column unless exactly one --group was given.
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --group p --topic orders:1 --shift-by -2 --export --dry-run"
        ),
        Ok("p,orders,1,6\ng,orders,1,6\n\n".to_owned())
    );
    // A group named twice is handled once (describeConsumerGroups answers a map).
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --group g --group g --topic orders:0 --shift-by -1 --execute"
        ),
        Ok(format!("{header}{}\n", row("g", 0, 7)))
    );
    assert_eq!(committed(&world, "g"), vec![7, 8]);
    // An active group is skipped with printError's line; the others are reset.
    add_consumer(&mut world, "c4", "p", &["orders"], &[]);
    run_ms(&mut world, 10_000);
    assert_eq!(
        groups(
            &mut world,
            "--reset-offsets --all-groups --all-topics --to-offset 2 --execute"
        ),
        Ok(format!(
            "\nError: Assignments can only be reset if the group 'p' is inactive, but the current state is Stable.\n{header}{}{}\n",
            row("g", 0, 2),
            row("g", 1, 2)
        ))
    );
    assert_eq!(committed(&world, "g"), vec![2, 2]);
    assert_eq!(committed(&world, "p"), vec![8, 8]);
}

/// `deleteOffsets`' table: `%-30s %-15s %-15s` rows after the verdict.
fn statuses(rows: &[(&str, &str, &str)]) -> String {
    let mut out = format!("\n{:<30} {:<15} {:<15}", "TOPIC", "PARTITION", "STATUS");
    for (topic, partition, status) in rows {
        out.push_str(&format!("\n{topic:<30} {partition:<15} {status:<15}"));
    }
    out + "\n"
}

#[test]
fn delete_offsets_removes_what_the_group_does_not_subscribe_to() {
    let mut world = read_and_left();
    assert_eq!(
        groups(&mut world, "--delete-offsets --group g --topic orders:1"),
        Ok(format!(
            "Request succeed for deleting offsets with topic orders:1 group g\n{}",
            statuses(&[("orders", "1", "Successful")])
        ))
    );
    assert_eq!(committed(&world, "g"), vec![8, -1]);
    // The deletion is a tombstone in __consumer_offsets: a new coordinator loads it too.
    let coordinator = group_coordinator(&world, "g");
    crash_broker(&mut world, coordinator);
    run_ms(&mut world, 10_000);
    assert_ne!(group_coordinator(&world, "g"), coordinator);
    assert_eq!(committed(&world, "g"), vec![8, -1]);

    // A Stable group subscribed to the topic: GROUP_SUBSCRIBED_TO_TOPIC per partition.
    add_consumer(&mut world, "c2", "g", &["orders"], &[]);
    run_ms(&mut world, 10_000);
    let subscribed = "Error: :org.apache.kafka.common.errors.GroupSubscribedToTopicException: Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.";
    assert_eq!(
        groups(&mut world, "--delete-offsets --group g --topic orders"),
        Err(format!(
            "Error: Encounter some partition level error, see the follow-up details:\n{}",
            statuses(&[("orders", "0", subscribed), ("orders", "1", subscribed)])
        ))
    );
    assert_eq!(committed(&world, "g")[0], 8, "nothing deleted");
    // A scenario step asking the same is refused whole.
    let step = Command::DeleteOffsets {
        group: "g".to_owned(),
        partitions: vec![kafka_sim::TopicPartition::new("orders", 0)],
    };
    assert!(
        world
            .apply(step)
            .expect_err("subscribed")
            .to_string()
            .contains("GROUP_SUBSCRIBED_TO_TOPIC")
    );

    // An unknown group, an unknown topic (no partition to name), and the options' check.
    let missing = "Error: :org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.";
    assert_eq!(
        groups(&mut world, "--delete-offsets --group nobody --topic orders"),
        Err(format!(
            "Error: 'nobody' does not exist.\n{}",
            statuses(&[("orders", "0", missing), ("orders", "1", missing)])
        ))
    );
    assert_eq!(
        groups(&mut world, "--delete-offsets --group g --topic nope"),
        Ok(format!(
            "Request succeed for deleting offsets with topic nope group g\n{}",
            statuses(&[(
                "nope",
                "Not Provided",
                "Error: :org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition."
            )])
        ))
    );
    assert_eq!(
        groups(&mut world, "--delete-offsets --group g"),
        Err("Option [delete-offsets] takes the following options: [group], [topic]".to_owned())
    );
}
