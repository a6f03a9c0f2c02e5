//! Goal: the page marks each record the checker finds something about (duplicated, reordered,
//! read then aborted) on that record in the partition's log, and acknowledged records its
//! leader's log lacks on the partition ("offsets 17-19 acknowledged, not in the leader's
//! log"), each worded as
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
const ACKS1_TRUNCATED_THEN_REUSED: &str = "tests/testdata/marks/acks1-truncated-then-reused.toml";

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
        assert!(
            detail.contains("acknowledged, not in the leader's log"),
            "{detail}"
        );
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

/// Goal: the note counts every acknowledged record a truncation removed, also once the new
/// leader has taken new records at the offsets they had (it counted one send per offset, the
/// newest, so the new records hid the lost ones). Method: acks=1 to a leader cut off from the
/// other brokers, which truncates on rejoining; new sends land at the lost records' offsets.
#[test]
fn lost_records_stay_counted_when_the_new_leader_reuses_their_offsets() {
    let tp = TopicPartition::new("orders", 0);
    let world = run(ACKS1_TRUNCATED_THEN_REUSED);
    let removed: usize = world
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::FollowerTruncated { tp: t, removed, .. } if *t == tp => Some(*removed),
            _ => None,
        })
        .sum();
    assert_eq!(
        removed, 3,
        "broker 1 truncates the three records only it had"
    );
    let log = world.leader_log(&tp).expect("a leader");
    assert!(
        log.record_at(2)
            .is_some_and(|r| r.data.value_text() == "record-6"),
        "the new leader reused the lost records' offsets"
    );
    let lost = whole_run(&world, Anomaly::LostWrite);
    assert_eq!(lost.len(), removed, "{lost:?}");
    let mut marks = LiveMarks::default();
    marks.update(&world);
    let noted = marks.truncated_after_ack(&tp);
    let counted: u64 = noted.iter().map(|m| m.last - m.offset + 1).sum();
    assert_eq!(counted, removed as u64, "{noted:?}");
}

/// Goal: a send landing at a lost send's offset is the loss and the offset reused, not a
/// reordering, in the whole-run checker and on the page (both said "reordered": record-6,
/// sent after record-5, landed at offset 2 where record-3 had been acknowledged). Method: the
/// scenario above, whose producer goes on sending after the truncation.
#[test]
fn a_send_at_a_lost_sends_offset_is_not_marked_reordered() {
    let tp = TopicPartition::new("orders", 0);
    let world = run(ACKS1_TRUNCATED_THEN_REUSED);
    assert!(!whole_run(&world, Anomaly::LostWrite).is_empty());
    assert!(!whole_run(&world, Anomaly::OffsetReused).is_empty());
    assert_eq!(whole_run(&world, Anomaly::Reordered), Vec::<String>::new());
    let mut marks = LiveMarks::default();
    marks.update(&world);
    let reordered: Vec<_> = leader_marks(&world, &marks, &tp)
        .into_iter()
        .filter(|(_, _, found)| kinds(found).contains(&Anomaly::Reordered))
        .collect();
    assert!(reordered.is_empty(), "{reordered:?}");
}

/// Goal: the same once retention has deleted the lost sends' offsets, when the whole-run
/// checker no longer finds them lost (retention's doing, not a loss it can see). Method: the
/// scenario above on a topic whose segments roll every 10 s and are kept 20 s, with a later
/// send and a run long enough for retention's five-minute check.
#[test]
fn a_send_at_a_lost_sends_offset_is_not_reordered_once_retention_deleted_both() {
    let tp = TopicPartition::new("orders", 0);
    let mut scenario = scenario(ACKS1_TRUNCATED_THEN_REUSED);
    for step in &mut scenario.steps {
        if let kafka_sim::Command::CreateTopic(topic) = &mut step.command {
            topic.configs.insert("segment.ms".into(), "10000".into());
            topic.configs.insert("retention.ms".into(), "20000".into());
        }
    }
    let record = kafka_sim::producer::ProducerRecord {
        topic: "orders".into(),
        value: Some("record-8".into()),
        ..Default::default()
    };
    scenario.steps.push(kafka_sim::Step::at_ms(
        200_000,
        kafka_sim::Command::Send {
            producer: "producer-1".into(),
            record,
        },
    ));
    scenario.set_end(SimTime::from_millis(400_000));
    let (world, results) = scenario.run().expect("runs");
    assert!(scenario.refused(&results).is_empty(), "every step applies");
    let log = world.leader_log(&tp).expect("a leader");
    assert!(
        log.log_start_offset() > 4,
        "retention deleted the lost sends' offsets: log start {}",
        log.log_start_offset()
    );
    assert!(!whole_run(&world, Anomaly::OffsetReused).is_empty());
    assert_eq!(whole_run(&world, Anomaly::Reordered), Vec::<String>::new());
}

/// The note comes as soon as a replica without the acknowledged record leads, while the old
/// leader (crashed) still holds it: it must not say the record was truncated, which happens
/// only when the old leader comes back and follows.
#[test]
fn the_note_before_the_old_leader_truncates_does_not_say_truncated() {
    let tp = TopicPartition::new(ACKS1_LOSS.1, 0);
    let mut before = scenario(ACKS1_LOSS.0);
    // Broker 1 crashes at 1 s holding "order-1"; it comes back at 20 s.
    let at = SimTime::from_millis(19_000);
    before.steps.retain(|step| step.moment() <= at);
    before.set_end(at);
    let (world, _) = before.run().expect("runs");
    let leader = world
        .metadata()
        .partition(&tp)
        .and_then(|p| p.leader)
        .expect("a new leader");
    assert_ne!(leader, 1, "a follower took over");
    assert!(
        !world.events().iter().any(|e| matches!(
            &e.kind,
            EventKind::FollowerTruncated { .. } | EventKind::UnflushedRecordsLost { .. }
        )),
        "nothing truncated yet"
    );
    let old = world.replica_log(1, &tp).expect("broker 1's log");
    assert!(
        old.records()
            .iter()
            .any(|r| r.data.value_text() == "order-1"),
        "the old leader still holds the acknowledged record"
    );
    let mut marks = LiveMarks::default();
    marks.update(&world);
    let noted = marks.truncated_after_ack(&tp);
    assert_eq!(noted.len(), 1, "the loss is noted at once: {noted:?}");
    let detail = &noted[0].violation.detail;
    assert!(!detail.contains("truncat"), "{detail}");
    assert!(
        detail.ends_with(
            "offset 0 acknowledged, not in the leader's log: a consumer can no longer read it"
        ),
        "{detail}"
    );
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

/// The run `whole` grown in `updates` steps, its marks brought up to date after each by at
/// most `budget` records and operations, then caught up with the end the same way; and how
/// many updates the budget cut short.
fn caught_up_in_pieces(whole: &Scenario, updates: u64, budget: usize) -> (World, LiveMarks, usize) {
    let end = whole.end();
    let mut pieces = LiveMarks::default();
    let mut at = SimTime::ZERO;
    let mut cut_short = 0;
    while at < end {
        at = (at + kafka_sim::SimDuration::from_micros(end.as_micros() / updates)).min(end);
        let mut prefix = whole.clone();
        prefix.steps.retain(|step| step.moment() <= at);
        prefix.set_end(at);
        let (world, _) = prefix.run().expect("runs");
        if !pieces.update_within(&world, budget) {
            cut_short += 1;
        }
    }
    let (world, _) = whole.run().expect("runs");
    while !pieces.update_within(&world, budget) {
        cut_short += 1;
        assert!(cut_short < 1_000_000, "never caught up");
    }
    (world, pieces, cut_short)
}

/// The page brings the index up to date a budget at a time (a rewind indexes the whole run
/// afresh, more than a frame can wait for): read one record and one operation per update,
/// while the run grows between updates and after it ends, the index ends where one built in
/// one go does. A budget cut in the middle of the sends must not skip a send still pending
/// then, nor register a send before its log is indexed.
#[test]
fn marks_caught_up_one_item_at_a_time_equal_marks_built_in_one_go() {
    let mut cut_short = 0;
    for (path, topic) in [
        UNCLEAN_ELECTION,
        ACKS1_LOSS,
        DUPLICATE,
        REORDERED,
        READ_THEN_ABORTED,
    ] {
        let tp = TopicPartition::new(topic, 0);
        let (world, pieces, cut) = caught_up_in_pieces(&scenario(path), 4, 1);
        cut_short += cut;
        let mut fresh = LiveMarks::default();
        fresh.update(&world);
        assert_eq!(
            leader_marks(&world, &pieces, &tp),
            leader_marks(&world, &fresh, &tp),
            "{path}"
        );
        assert_eq!(
            pieces.truncated_after_ack(&tp),
            fresh.truncated_after_ack(&tp),
            "{path}"
        );
        // And something to compare: each scenario's anomaly is marked.
        let marked = leader_marks(&world, &fresh, &tp)
            .iter()
            .any(|(_, _, marks)| !marks.is_empty())
            || !fresh.truncated_after_ack(&tp).is_empty();
        assert!(marked, "{path}: its anomaly is marked");
    }
    assert!(
        cut_short > 10,
        "a budget of 1 cut {cut_short} updates short"
    );
}

/// The busy cluster (36 partitions, a thousand records a second, a group of three) caught up
/// a couple of hundred items at a time while it runs: no partition gets a mark, above all no
/// acknowledged record is taken for truncated because its send was read before its log.
#[test]
fn a_busy_cluster_caught_up_in_pieces_has_no_marks() {
    let mut busy = scenario("../../docs/examples/busy-cluster.toml");
    busy.set_end(SimTime::from_millis(4_000));
    let (world, pieces, cut_short) = caught_up_in_pieces(&busy, 8, 200);
    assert!(
        cut_short >= 8,
        "a budget of 200 cut {cut_short} updates short"
    );
    let mut partitions = 0;
    for (tp, _) in world.metadata().partitions() {
        if &*tp.topic != "orders" {
            continue;
        }
        partitions += 1;
        assert_eq!(pieces.truncated_after_ack(&tp), Vec::new(), "{tp}");
        for (offset, _, marks) in leader_marks(&world, &pieces, &tp) {
            assert_eq!(marks, Vec::new(), "{tp} offset {offset}");
        }
    }
    assert_eq!(partitions, 36);
}

/// Built afresh while the partition has no leader (a rewind to a moment its only in-sync
/// replica was down): its acknowledged sends are registered with nothing indexed to judge them
/// by. Once the leader is back and its log followed they are judged against it, so the index
/// ends where one built at the end does: nothing truncated, nothing lost.
#[test]
fn marks_built_while_a_partition_has_no_leader_end_as_marks_built_at_the_end() {
    let (path, topic) = ("tests/testdata/marks/leaderless-then-back.toml", "clicks");
    let tp = TopicPartition::new(topic, 0);
    let whole = scenario(path);
    let end = whole.end();
    let (last, _) = whole.run().expect("runs");
    let mut fresh = LiveMarks::default();
    fresh.update(&last);
    let mut offline = 0;
    for step in 1..40 {
        let at = SimTime::from_micros(end.as_micros() / 40 * step);
        let mut prefix = whole.clone();
        prefix.steps.retain(|step| step.moment() <= at);
        prefix.set_end(at);
        let (world, _) = prefix.run().expect("runs");
        let leaderless = world
            .metadata()
            .partitions()
            .any(|(p, state)| p == tp && state.leader.is_none());
        if !leaderless {
            continue;
        }
        offline += 1;
        let mut built_then = LiveMarks::default();
        built_then.update(&world);
        built_then.update(&last);
        assert_eq!(
            built_then.truncated_after_ack(&tp),
            fresh.truncated_after_ack(&tp),
            "built at {at} with no leader"
        );
        assert_eq!(
            leader_marks(&last, &built_then, &tp),
            leader_marks(&last, &fresh, &tp),
            "built at {at} with no leader"
        );
    }
    assert!(offline > 0, "{path} has a moment with no leader");
    assert!(check(&last).is_empty(), "{path}: nothing lost in the end");
}

/// A topic deleted and created again under its name: the marks kept up to date as the run
/// grows judge the new topic's log on its own. What was acknowledged in the deleted one went
/// with it on the user's request; it is not lost after ack and marks no new record.
#[test]
fn a_topic_created_again_under_its_name_has_no_marks() {
    let whole = scenario("tests/testdata/marks/topic-created-again.toml");
    let tp = TopicPartition::new("orders", 0);
    // Followed across the deletion (40 updates), and built at the end in one go (a rewind).
    let (world, live, _) = caught_up_in_pieces(&whole, 40, 1_000_000);
    let mut fresh = LiveMarks::default();
    fresh.update(&world);
    assert!(check(&world).is_empty(), "{:#?}", check(&world));
    for marks in [&live, &fresh] {
        assert_eq!(marks.truncated_after_ack(&tp), Vec::<Mark>::new());
        let found = leader_marks(&world, marks, &tp);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found.iter().all(|(_, _, m)| m.is_empty()), "{found:?}");
    }
}

#[test]
fn equal_values_from_different_sends_are_not_duplicates() {
    let whole = scenario("tests/testdata/marks/equal-values.toml");
    let tp = TopicPartition::new("orders", 0);
    let (world, live, _) = caught_up_in_pieces(&whole, 40, 1_000_000);
    let log = world.leader_log(&tp).expect("a leader");
    let hellos = log
        .records()
        .iter()
        .filter(|r| r.batch.control.is_none() && r.data.value_text() == "hello")
        .count();
    // The four sends, and the application's copies of them (and of its copies).
    assert!(hellos > 4, "the log holds \"hello\" {hellos} times");
    assert!(check(&world).is_empty(), "{:#?}", check(&world));
    let mut fresh = LiveMarks::default();
    fresh.update(&world);
    for marks in [&live, &fresh] {
        let found = leader_marks(&world, marks, &tp);
        assert!(found.iter().all(|(_, _, m)| m.is_empty()), "{found:?}");
    }
}
