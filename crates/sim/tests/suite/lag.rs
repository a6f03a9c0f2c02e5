//! Goal: lag has one definition (the log end, or the LSO for a read_committed group, minus the
//! committed offset; "-" only without a committed offset or a leader), and every view shows
//! the same number at the same moment: the group table (`describe`), its total in the page's
//! header, the console's `kafka-consumer-groups --describe` and the lag chart (the console
//! reads to the high watermark even for a read_committed group, as the real tool does). Method: run a
//! streaming producer against two groups, sampling lag each second as the page does, and
//! compare the views in a steady state, during and after a rebalance, and with an open
//! transaction that holds a read_committed group's end at the LSO.

use crate::common;

use common::*;
use kafka_sim::charts::{LagSamples, group_lag, group_lags};
use kafka_sim::client::TxnAction;
use kafka_sim::group::{GroupDescription, describe_group};
use kafka_sim::{Command, SimDuration, SimTime, World};
use std::collections::BTreeMap;

const SECOND: SimDuration = SimDuration::from_millis(1_000);

/// Runs `ms` as the page does: sampling every group's lag at each whole second on the way,
/// and keeping what the one definition said then in `seen` to compare with the chart.
fn run_sampled(
    world: &mut World,
    ms: u64,
    samples: &mut LagSamples,
    seen: &mut BTreeMap<SimTime, BTreeMap<String, u64>>,
) {
    let until = world.now() + SimDuration::from_millis(ms);
    loop {
        let next = LagSamples::next_after(world.now());
        if next > until {
            break;
        }
        world.run_until(next);
        samples.take(world);
        seen.insert(next, group_lags(world));
    }
    world.run_until(until);
}

/// The LAG column of `kafka-consumer-groups --describe`: the sum of the numbers, and how
/// many rows print "-".
fn console_lag(world: &mut World, group: &str) -> (u64, usize) {
    let out = kafka_sim::console::run(
        world,
        &format!(
            "kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group {group}"
        ),
    )
    .expect("describes");
    let mut lines = out.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .find(|l| l.starts_with("GROUP"))
        .expect("a header")
        .split_whitespace()
        .collect();
    let column = header
        .iter()
        .position(|c| *c == "LAG")
        .expect("a LAG column");
    let mut total = (0, 0);
    for line in lines.filter(|l| l.starts_with(group)) {
        match line.split_whitespace().nth(column).expect("a lag") {
            "-" => total.1 += 1,
            n => total.0 += n.parse::<u64>().expect("a number"),
        }
    }
    total
}

/// Every view of `group`'s lag agrees now, and the chart's past buckets are what the one
/// definition said at their ends.
fn assert_views_agree(
    world: &mut World,
    samples: &LagSamples,
    seen: &BTreeMap<SimTime, BTreeMap<String, u64>>,
    group: &str,
) -> GroupDescription {
    let described = world
        .view()
        .groups
        .into_iter()
        .find(|g| g.group == group)
        .expect("in the view");
    let total = described.total_lag();
    for row in &described.rows {
        assert!(
            row.log_end_offset.is_some(),
            "every partition has a leader: {row:?}"
        );
        assert_eq!(
            row.lag.is_none(),
            row.current_offset.is_none(),
            "lag is \"-\" only when nothing is committed: {row:?}"
        );
    }
    // The console prints what the real tool does: to the high watermark even for a
    // read_committed group (its admin client reads ends read_uncommitted).
    let tool = describe_group(world, group).expect("the group exists");
    let tool_total = tool.total_lag();
    assert_eq!(
        console_lag(world, group),
        (tool_total.records, tool_total.unknown),
        "the console's --describe at {}",
        world.now()
    );
    if !described.read_committed {
        assert_eq!(tool_total, total, "the page's table is the tool's");
    }
    let chart = group_lag(world, samples, group, SECOND, 60);
    assert_eq!(
        chart.values.last().copied(),
        Some(total.records),
        "the chart's current value at {}",
        world.now()
    );
    for (index, value) in chart.values.iter().enumerate().rev().skip(1) {
        let end = SimTime::from_micros(
            chart.start.as_micros() + chart.bucket.as_micros() * (index as u64 + 1),
        );
        if let Some(lags) = seen.get(&end) {
            assert_eq!(
                *value,
                lags.get(group).copied().unwrap_or(0),
                "the chart's bucket ending at {end}"
            );
        }
    }
    described
}

#[test]
fn every_view_shows_the_same_lag_through_a_rebalance_and_read_committed() {
    let seed = 41;
    println!("seed {seed}");
    let mut world = cluster(seed);
    let (mut samples, mut seen) = (LagSamples::default(), BTreeMap::new());
    create_topic(&mut world, "t", 3, 3, &[]);
    add_producer(&mut world, "p", &[]);
    world
        .apply(Command::StreamRecords {
            producer: "p".to_owned(),
            topic: "t".to_owned(),
            per_second: 40,
        })
        .expect("streams");
    // A slow reader, so there is lag to measure.
    let slow = [
        ("auto.offset.reset", "earliest"),
        ("app.processing.ms", "40"),
    ];
    add_consumer(&mut world, "c1", "g", &["t"], &slow);
    let committed = [
        ("auto.offset.reset", "earliest"),
        ("isolation.level", "read_committed"),
    ];
    add_consumer(&mut world, "r1", "rc", &["t"], &committed);
    run_sampled(&mut world, 20_300, &mut samples, &mut seen);
    let steady = assert_views_agree(&mut world, &samples, &seen, "g");
    assert!(
        steady.total_lag().records > 0,
        "the slow reader lags: {steady:?}"
    );
    assert!(!steady.read_committed);

    // A second member: the group rebalances; the views agree during and after it.
    add_consumer(&mut world, "c2", "g", &["t"], &slow);
    run_sampled(&mut world, 1_200, &mut samples, &mut seen);
    assert_views_agree(&mut world, &samples, &seen, "g");
    run_sampled(&mut world, 15_000, &mut samples, &mut seen);
    let after = assert_views_agree(&mut world, &samples, &seen, "g");
    assert_eq!(after.members.len(), 2, "{after:?}");

    // An open transaction: the read_committed group's end is the LSO, below the HW.
    add_producer(&mut world, "tx", &[("transactional.id", "tx-1")]);
    for action in [TxnAction::Init, TxnAction::Begin] {
        world
            .apply(Command::Transaction {
                producer: "tx".to_owned(),
                action,
            })
            .expect("the producer exists");
        run_sampled(&mut world, 2_000, &mut samples, &mut seen);
    }
    for i in 0..6 {
        send(&mut world, "tx", "t", Some(&format!("k{i}")), "open");
    }
    run_sampled(&mut world, 5_000, &mut samples, &mut seen);
    let rc = assert_views_agree(&mut world, &samples, &seen, "rc");
    assert!(rc.read_committed);
    let held = rc.rows.iter().any(|row| {
        let hw = world.leader_log(&row.tp).map(|l| l.high_watermark());
        row.log_end_offset < hw
    });
    assert!(
        held,
        "the open transaction holds the end below the HW: {rc:?}"
    );
    // The tool's LOG-END-OFFSET is the HW all the same: the open transaction shows as lag.
    let tool = describe_group(&world, "rc").expect("the group exists");
    for row in &tool.rows {
        let hw = world.leader_log(&row.tp).map(|l| l.high_watermark());
        assert_eq!(row.log_end_offset, hw, "the tool reads to the HW: {row:?}");
    }
    assert!(
        tool.total_lag().records > rc.total_lag().records,
        "{tool:?} against {rc:?}"
    );
    assert_views_agree(&mut world, &samples, &seen, "g");
}
