//! Goal: the page marks an acknowledged record "lost after ack" exactly when the checker
//! finds it lost, asking about each record on screen on its own (one lookup, whatever the
//! run's length), and the mark's "why?" reaches the event that removed it. Method: run the
//! acks=1 loss example and compare the per-record verdict with the whole-run checker.

use crate::common;

use common::{add_producer, cluster, create_topic, run_ms, send, slow_follower};
use kafka_sim::check::{Anomaly, acked_send_lost, check};
use kafka_sim::client::Request;
use kafka_sim::{EventKind, Outcome, Scenario, TopicPartition};

#[test]
fn the_per_record_verdict_is_the_checkers_and_its_cause_is_the_truncation() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/acks1-loss.json"
    );
    let text = std::fs::read_to_string(path).expect("the acks=1 example");
    let scenario: Scenario = serde_json::from_str(&text).expect("a scenario");
    let (world, _) = scenario.run().expect("runs");
    let whole_run: Vec<String> = check(&world)
        .into_iter()
        .filter(|v| v.anomaly == Anomaly::LostWrite)
        .map(|v| v.detail)
        .collect();
    assert!(
        !whole_run.is_empty(),
        "the example loses an acknowledged record"
    );
    let mut marked = Vec::new();
    for op in world.operations() {
        let (topic, value) = match &op.request {
            Request::Send { topic, value, .. } => (&**topic, value.as_deref().unwrap_or("null")),
            Request::Produce { topic, value, .. } => (topic.as_str(), value.as_str()),
            _ => continue,
        };
        let Outcome::Acked {
            partition, offset, ..
        } = &op.outcome
        else {
            continue;
        };
        let tp = TopicPartition::new(topic, *partition);
        if let Some(found) = acked_send_lost(&world, &op.client, &tp, *offset, value) {
            assert_eq!(found.anomaly, Anomaly::LostWrite);
            marked.push(found);
        }
    }
    assert_eq!(
        marked.len(),
        whole_run.len(),
        "one mark per lost write: {marked:?} vs {whole_run:?}"
    );
    for found in &marked {
        assert!(
            whole_run
                .iter()
                .any(|d| d.starts_with(found.detail.split(';').next().unwrap_or(""))),
            "{found:?} is among {whole_run:?}"
        );
        let causes = kafka_sim::verdict::causes(world.events(), found);
        let first = causes.first().map(|&i| &world.events()[i].kind);
        assert!(
            matches!(
                first,
                Some(EventKind::FollowerTruncated { .. } | EventKind::UnflushedRecordsLost { .. })
            ),
            "why? starts at what removed it: {first:?}"
        );
    }
}

#[test]
fn an_acks_1_record_waiting_above_the_high_watermark_is_not_marked_lost() {
    let mut world = cluster(5);
    create_topic(&mut world, "t", 1, 3, &[]);
    add_producer(&mut world, "p", &[("acks", "1")]);
    run_ms(&mut world, 1_000);
    let tp = TopicPartition::new("t", 0);
    // Slow followers: the leader acknowledges at once, the HW moves seconds later.
    for broker in 1..=3 {
        slow_follower(&mut world, broker, 3_000);
    }
    send(&mut world, "p", "t", None, "waiting");
    run_ms(&mut world, 500);
    let operations = world.operations();
    let op = operations.last().expect("the send");
    let Outcome::Acked { offset, .. } = op.outcome else {
        panic!("acks=1 answers before the followers copy: {:?}", op.outcome);
    };
    let hw = world.leader_log(&tp).expect("a leader").high_watermark();
    assert!(offset >= hw, "still above the HW {hw}: offset {offset}");
    assert_eq!(acked_send_lost(&world, "p", &tp, offset, "waiting"), None);
    // Once the followers copy it the HW passes it, and it is still not lost.
    run_ms(&mut world, 10_000);
    assert!(world.leader_log(&tp).expect("a leader").high_watermark() > offset);
    assert_eq!(acked_send_lost(&world, "p", &tp, offset, "waiting"), None);
}
