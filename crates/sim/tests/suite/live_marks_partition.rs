//! Goal: the page marks each record the checker finds something about (duplicated, reordered,
//! read then aborted) on that record in the partition's log, and acknowledged records a
//! truncation removed on the partition ("offsets 17-19 truncated after ack"), each worded as
//! the whole-run checker words it, with a "why?" that reaches the cause. The marks come from
//! an index kept up to date as the run grows, so they are also compared with an index built
//! at the end in one go. Method: run scenarios that produce each anomaly.

use kafka_sim::RECORDS_IN_VIEW;
use kafka_sim::check::{Anomaly, LiveMarks, Mark, check, why};
use kafka_sim::{EventKind, Scenario, SimTime, TopicPartition, World};

/// Scenario files and the topic (partition 0) where their anomaly happens.
const ACKS1_LOSS: (&str, &str) = ("../../docs/examples/acks1-loss.json", "orders");
const UNCLEAN_ELECTION: (&str, &str) = ("../../docs/examples/unclean-election.toml", "clicks");
const DUPLICATE: (&str, &str) = (
    "../../docs/examples/duplicate-without-idempotence.json",
    "payments",
);
const REORDERED: (&str, &str) = (
    "tests/testdata/marks/reordered-without-idempotence.json",
    "payments",
);
const READ_THEN_ABORTED: (&str, &str) = ("tests/testdata/marks/read-then-aborted.json", "payments");

fn scenario(path: &str) -> Scenario {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("scenario file");
    if path.ends_with(".toml") {
        toml::from_str(&text).expect("a scenario")
    } else {
        serde_json::from_str(&text).expect("a scenario")
    }
}

fn run(path: &str) -> World {
    let scenario = scenario(path);
    let (world, results) = scenario.run().expect("runs");
    assert!(scenario.refused(&results).is_empty(), "every step applies");
    world
}

/// The marks on the leader's records of `tp`, as the page draws them (the newest), by offset.
fn leader_marks(
    world: &World,
    marks: &LiveMarks,
    tp: &TopicPartition,
) -> Vec<(u64, String, Vec<Mark>)> {
    let log = world.leader_log(tp).expect("a leader");
    let shown = log
        .records()
        .iter_from(log.records().len().saturating_sub(RECORDS_IN_VIEW));
    let records: Vec<(u64, String)> = shown
        .filter(|r| r.batch.control.is_none())
        .map(|r| (r.offset, r.data.value_text()))
        .collect();
    let asked: Vec<(u64, &str)> = records.iter().map(|(o, v)| (*o, v.as_str())).collect();
    let found = marks.marks(world, tp, &asked);
    records
        .into_iter()
        .zip(found)
        .map(|((offset, value), marks)| (offset, value, marks))
        .collect()
}

fn whole_run(world: &World, anomaly: Anomaly) -> Vec<String> {
    check(world)
        .into_iter()
        .filter(|v| v.anomaly == anomaly)
        .map(|v| v.detail)
        .collect()
}

fn kinds(marks: &[Mark]) -> Vec<Anomaly> {
    marks.iter().map(|m| m.violation.anomaly).collect()
}

#[test]
fn both_copies_of_a_retried_send_are_marked_duplicate_with_the_checkers_words() {
    let world = run(DUPLICATE.0);
    let mut marks = LiveMarks::default();
    marks.update(&world);
    let tp = TopicPartition::new("payments", 0);
    let shown = leader_marks(&world, &marks, &tp);
    let expected = whole_run(&world, Anomaly::Duplicate);
    assert_eq!(expected.len(), 1, "{expected:?}");
    let mut duplicates = 0;
    for (offset, value, found) in &shown {
        if value == "charge 42 EUR" {
            assert_eq!(
                kinds(found),
                [Anomaly::Duplicate],
                "offset {offset}: {found:?}"
            );
            assert_eq!(found[0].violation.detail, expected[0]);
            duplicates += 1;
            let causes = why(&world, &found[0]);
            let first = causes.first().map(|&i| &world.events()[i].kind);
            assert!(
                matches!(first, Some(EventKind::LinkCutOneWay { .. })),
                "why? starts at the cut that lost the response: {first:?}"
            );
        } else {
            assert!(
                found.is_empty(),
                "{value} at {offset} is unmarked: {found:?}"
            );
        }
    }
    assert_eq!(duplicates, 2, "both copies: {shown:?}");
}

#[test]
fn the_later_send_that_landed_first_is_marked_reordered() {
    let world = run(REORDERED.0);
    let mut marks = LiveMarks::default();
    marks.update(&world);
    let tp = TopicPartition::new("payments", 0);
    let expected = whole_run(&world, Anomaly::Reordered);
    assert_eq!(expected.len(), 1, "{expected:?}");
    let reordered: Vec<_> = leader_marks(&world, &marks, &tp)
        .into_iter()
        .filter(|(_, _, found)| kinds(found).contains(&Anomaly::Reordered))
        .collect();
    assert_eq!(reordered.len(), 1, "{reordered:?}");
    let (offset, value, found) = &reordered[0];
    assert_eq!((*offset, value.as_str()), (2, "third"));
    let mark = found
        .iter()
        .find(|m| m.violation.anomaly == Anomaly::Reordered)
        .expect("the reordered mark");
    assert_eq!(mark.violation.detail, expected[0]);
    assert!(!why(&world, mark).is_empty(), "a reorder has a why");
}

#[test]
fn a_record_read_uncommitted_and_then_aborted_is_marked_and_traced_to_the_abort() {
    let world = run(READ_THEN_ABORTED.0);
    let mut marks = LiveMarks::default();
    marks.update(&world);
    let tp = TopicPartition::new("payments", 0);
    let expected = whole_run(&world, Anomaly::AbortedRead);
    assert_eq!(expected.len(), 1, "{expected:?}");
    for (offset, value, found) in leader_marks(&world, &marks, &tp) {
        if value == "refund-1" {
            assert_eq!(kinds(&found), [Anomaly::AbortedRead], "offset {offset}");
            assert_eq!(found[0].violation.detail, expected[0]);
            let causes = why(&world, &found[0]);
            let first = causes.first().map(|&i| &world.events()[i].kind);
            assert!(
                matches!(
                    first,
                    Some(EventKind::TxnPrepared {
                        committed: false,
                        ..
                    })
                ),
                "why? starts at the abort: {first:?}"
            );
        } else {
            assert!(
                found.is_empty(),
                "{value} (committed) is unmarked: {found:?}"
            );
        }
    }
}

#[test]
fn acknowledged_records_a_truncation_removed_are_noted_on_the_partition() {
    for (path, topic) in [ACKS1_LOSS, UNCLEAN_ELECTION] {
        let tp = TopicPartition::new(topic, 0);
        let world = run(path);
        let mut marks = LiveMarks::default();
        marks.update(&world);
        let lost = whole_run(&world, Anomaly::LostWrite);
        assert!(!lost.is_empty(), "{path} loses an acknowledged write");
        let noted = marks.truncated_after_ack(&tp);
        assert_eq!(noted.len(), 1, "{path}: one run of offsets: {noted:?}");
        let detail = &noted[0].violation.detail;
        assert!(detail.contains("truncated after ack"), "{detail}");
        // Every lost write the checker reports is within the noted offsets.
        for finding in &lost {
            let offset: u64 = finding
                .split("acknowledged at offset ")
                .nth(1)
                .and_then(|rest| rest.split(';').next())
                .and_then(|o| o.parse().ok())
                .expect("an offset");
            assert!(
                detail.contains(&format!("offset {offset} "))
                    || detail.contains(&format!("{offset}-"))
                    || detail.contains(&format!("-{offset} ")),
                "{path}: {finding} is in {detail}"
            );
        }
        let causes = why(&world, &noted[0]);
        let first = causes.first().map(|&i| &world.events()[i].kind);
        assert!(
            matches!(
                first,
                Some(
                    EventKind::FollowerTruncated { .. }
                        | EventKind::UnflushedRecordsLost { .. }
                        | EventKind::LeaderChanged { .. }
                )
            ),
            "{path}: why? starts at what removed them: {first:?}"
        );
    }
}

/// Updated forty times over the run, the index ends where one built at the end does: the
/// rollbacks on truncation and the cursor over pending sends lose nothing.
#[test]
fn marks_kept_up_to_date_as_the_run_grows_equal_marks_built_at_the_end() {
    for (path, topic) in [UNCLEAN_ELECTION, ACKS1_LOSS, REORDERED, READ_THEN_ABORTED] {
        let tp = TopicPartition::new(topic, 0);
        let whole = scenario(path);
        let end = whole.end();
        let mut live = LiveMarks::default();
        let mut at = SimTime::ZERO;
        let mut updates = 0;
        while at < end {
            at = (at + kafka_sim::SimDuration::from_micros(end.as_micros() / 40)).min(end);
            // The run as it stood at `at`: the steps until then.
            let mut prefix = whole.clone();
            prefix.steps.retain(|step| step.moment() <= at);
            prefix.set_end(at);
            let (world, _) = prefix.run().expect("runs");
            assert_eq!(world.now(), at);
            live.update(&world);
            updates += 1;
        }
        assert!(updates >= 40, "{path}: {updates}");
        let (world, _) = whole.run().expect("runs");
        let mut fresh = LiveMarks::default();
        fresh.update(&world);
        assert_eq!(
            leader_marks(&world, &live, &tp),
            leader_marks(&world, &fresh, &tp),
            "{path}"
        );
        assert_eq!(
            live.truncated_after_ack(&tp),
            fresh.truncated_after_ack(&tp),
            "{path}"
        );
    }
}
