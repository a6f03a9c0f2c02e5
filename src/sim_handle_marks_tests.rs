//! The checker's marks as the page asks for them: a plain client's lost write in the producers'
//! log, an acknowledged range truncated away noted on its partition, a duplicate on both its
//! records, each with a "why?" that names events.

use crate::sim_handle::{PartitionMarks, SimHandle};
use kafka_sim::SimDuration;
use kafka_sim::check::Anomaly;

/// A topic of the view, and the marks the page draws on it.
fn topic_marks(sim: &SimHandle, name: &str) -> (kafka_sim::TopicView, Vec<PartitionMarks>) {
    let view = sim.view();
    let topic = view
        .topics
        .into_iter()
        .find(|t| t.name == name)
        .expect("the topic");
    let marks = sim.marks(&topic);
    (topic, marks)
}

fn opened(file: &str) -> SimHandle {
    let path = format!("{}/docs/examples/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(path).expect("the example");
    let session = crate::scenario_file::import(file, &bytes).expect("imports");
    let sim = SimHandle::restore(session);
    sim.finish_seek();
    sim
}

#[test]
fn a_plain_clients_lost_write_is_marked_in_the_producers_log_and_on_its_partition() {
    let sim = opened("acks1-loss.json");
    let operations = sim.recent_operations(10);
    let marks = sim.operation_marks(&operations);
    let marked: Vec<_> = operations
        .iter()
        .zip(&marks)
        .filter_map(|(op, marks)| Some((op, marks.first()?)))
        .collect();
    assert_eq!(marked[0].1.violation.anomaly, Anomaly::LostWrite);
    assert!(
        marked.iter().any(|(op, _)| &*op.client == "producer"),
        "the plain client's send is shown and marked: {operations:?}"
    );
    let (_, marks) = topic_marks(&sim, "orders");
    let noted = &marks[0].truncated;
    assert_eq!(noted.len(), 1, "{noted:?}");
    assert_eq!(noted[0].violation.anomaly, Anomaly::LostWrite);
    assert!(!sim.explain_mark(&noted[0]).is_empty(), "why? names events");
    assert!(
        !sim.explain_mark(marked[0].1).is_empty(),
        "why? names events"
    );
}

#[test]
fn both_copies_of_a_duplicate_are_marked_in_every_replica_that_holds_them() {
    let sim = opened("duplicate-without-idempotence.json");
    let (topic, marks) = topic_marks(&sim, "payments");
    let partition = &topic.partitions[0];
    assert_eq!(marks[0].records.len(), partition.replica_logs.len());
    for (replica, marked) in partition.replica_logs.iter().zip(&marks[0].records) {
        assert_eq!(marked.len(), replica.records.len());
        let duplicates: Vec<u64> = replica
            .records
            .iter()
            .zip(marked)
            .filter(|(_, m)| m.iter().any(|m| m.violation.anomaly == Anomaly::Duplicate))
            .map(|(r, _)| r.offset)
            .collect();
        assert_eq!(
            duplicates.len(),
            2,
            "broker {}: {duplicates:?}",
            replica.broker
        );
    }
}

/// A rewind in a run longer than one budget of the marks arrives with the world, the marks
/// behind; carried on, they end as those of a run that never went back.
#[test]
fn a_rewind_arrives_with_the_world_and_the_marks_catch_up_after() {
    let sim = opened("busy-cluster.toml");
    sim.advance(SimDuration::from_millis(5_000));
    let moment = kafka_sim::SimTime::from_millis(12_000);
    sim.begin_seek(moment);
    while sim.continue_seek(SimDuration::from_millis(500)).is_some() {}
    assert_eq!(sim.now(), moment, "arrived");
    // A panel's draw meanwhile leaves the catching up to the page's note, and says it drew
    // the marks partly.
    let _ = topic_marks(&sim, "orders");
    assert!(sim.marks_drawn_partly());
    assert!(
        !sim.check_marks(),
        "12 s of 1,000 records a second is more than one budget of the marks"
    );
    while !sim.check_marks() {}
    let (_, rewound) = topic_marks(&sim, "orders");
    assert!(!sim.marks_drawn_partly(), "drawn whole once caught up");
    let straight = opened("busy-cluster.toml");
    straight.advance(SimDuration::from_millis(2_000));
    while !straight.check_marks() {}
    let (topic, marks) = topic_marks(&straight, "orders");
    assert_eq!(topic.partitions.len(), 36);
    assert_eq!(rewound, marks);
}
