//! What the page reads each frame stays what a full pass over the run would give, while
//! costing what is on screen: the view's newest records, a log's size kept as records come
//! and go, the last minute of acknowledgements found without walking every send.

use kafka_sim::RECORDS_IN_VIEW;
use kafka_sim::charts::acknowledged;
use kafka_sim::client::Outcome;
use kafka_sim::producer::record_size;
use kafka_sim::{Command, Scenario, SimDuration, SimTime, TopicPartition, World};

fn example(name: &str) -> World {
    let path = format!("{}/../../docs/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("example");
    let scenario: Scenario = toml::from_str(&text).expect("scenario");
    let (world, results) = scenario.run().expect("runs");
    assert!(scenario.refused(&results).is_empty());
    world
}

#[test]
fn a_view_carries_each_logs_newest_records_and_a_report_all_of_them() {
    let world = example("busy-cluster.toml");
    let report = world.report();
    let view = world.view();
    let (full, shown) = (&report.view.topics[0], &view.topics[0]);
    assert_eq!(
        (full.messages, full.size_bytes),
        (shown.messages, shown.size_bytes)
    );
    let mut compared = 0;
    for (partition, shown_partition) in full.partitions.iter().zip(&shown.partitions) {
        for (full, shown) in partition
            .replica_logs
            .iter()
            .zip(&shown_partition.replica_logs)
        {
            assert_eq!(full.log_end_offset, shown.log_end_offset);
            assert_eq!(
                full.records.len() as u64,
                full.log_end_offset,
                "a report has every record"
            );
            let newest = &full.records[full.records.len().saturating_sub(RECORDS_IN_VIEW)..];
            assert_eq!(
                shown.records, newest,
                "broker {} of {}",
                shown.broker, partition.partition
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 36 * 3);
    assert!(
        full.partitions
            .iter()
            .any(|p| p.replica_logs[0].records.len() > RECORDS_IN_VIEW)
    );
}

#[test]
fn a_view_with_carries_what_the_page_draws_of_each_partition() {
    let world = example("busy-cluster.toml");
    let report = world.report();
    // Partition 3 opened to 40 records, partition 5 off screen, the others one line of 6.
    let view = world.view_with(&|tp| match tp.partition {
        3 => 40,
        5 => 0,
        _ => 6,
    });
    let (full, shown) = (&report.view.topics[0], &view.topics[0]);
    let (mut carried, mut asked, mut cut) = (0, 0, 0);
    for (partition, shown_partition) in full.partitions.iter().zip(&shown.partitions) {
        let wanted = match partition.partition {
            3 => 40,
            5 => 0,
            _ => 6,
        };
        for (full, shown) in partition
            .replica_logs
            .iter()
            .zip(&shown_partition.replica_logs)
        {
            let newest = &full.records[full.records.len().saturating_sub(wanted)..];
            asked += wanted.min(full.records.len());
            cut += usize::from(full.records.len() > wanted);
            assert_eq!(
                shown.records, newest,
                "broker {} of {}",
                shown.broker, partition.partition
            );
            assert_eq!(
                (
                    shown.log_start_offset,
                    shown.log_end_offset,
                    shown.high_watermark
                ),
                (
                    full.log_start_offset,
                    full.log_end_offset,
                    full.high_watermark
                ),
                "the labels stay whole"
            );
            carried += shown.records.len();
        }
    }
    assert_eq!(carried, asked, "proportional to what is drawn");
    assert!(cut > 3, "logs longer than drawn: {cut}");
    assert_eq!(world.view(), world.view_with(&|_| RECORDS_IN_VIEW));
}

#[test]
fn a_topics_size_follows_truncation() {
    // The unclean election truncates broker 2's log when broker 1 comes back as a follower.
    let mut world = example("unclean-election.toml");
    world
        .apply(Command::RestartBroker { broker: 1 })
        .expect("restarts");
    world.run_for(SimDuration::from_millis(30_000));
    let view = world.view();
    let topic = &view.topics[0];
    let tp = TopicPartition::new("clicks", 0);
    let leader = topic.partitions[0].leader.expect("a leader");
    let summed: u64 = world
        .replica_log(leader, &tp)
        .expect("the leader's log")
        .records()
        .iter()
        .map(|r| record_size(&r.data) as u64)
        .sum();
    assert_eq!(topic.size_bytes, summed);
    for broker in [1, 2] {
        let log = world.replica_log(broker, &tp).expect("a replica");
        let sum: u64 = log
            .records()
            .iter()
            .map(|r| record_size(&r.data) as u64)
            .sum();
        assert_eq!(log.size_bytes(), sum, "broker {broker}");
    }
    assert!(summed > 0);
    assert!(
        world
            .events()
            .iter()
            .any(|e| e.kind.to_string().contains("truncat")),
        "a follower truncated its log"
    );
}

#[test]
fn the_last_minute_of_acknowledgements_matches_a_pass_over_every_send() {
    // Five minutes of the busy cluster with a broker crash in the middle: sends wait for new
    // leaders and are acknowledged late, some inside the chart's minute.
    let mut world = example("busy-cluster.toml");
    world.run_until(SimTime::from_millis(200_000));
    world
        .apply(Command::CrashBroker {
            broker: 2,
            kind: Default::default(),
        })
        .expect("crashes");
    world.run_until(SimTime::from_millis(250_000));
    let bucket = SimDuration::from_millis(1_000);
    let chart = acknowledged(&world, bucket, 60);
    let mut expected = vec![0_u64; chart.values.len()];
    for op in world.operations() {
        if let (Outcome::Acked { .. }, Some(at)) = (&op.outcome, op.completed_at)
            && at >= chart.start
        {
            let index = ((at.as_micros() - chart.start.as_micros()) / bucket.as_micros()) as usize;
            if let Some(value) = expected.get_mut(index) {
                *value += 1;
            }
        }
    }
    assert_eq!(chart.values, expected);
    assert!(expected.iter().sum::<u64>() > 10_000, "{expected:?}");
}
