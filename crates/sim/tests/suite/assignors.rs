//! Goal: every assignor gives Kafka's answer on Kafka's own test cases. Method: the vectors in
//! testdata/kafka-vectors.json (from RangeAssignorTest, RoundRobinAssignorTest and
//! AbstractStickyAssignorTest), compared as sets per member; for cooperative-sticky, the sticky
//! target minus the partitions changing owner.

use kafka_sim::TopicPartition;
use kafka_sim::group::assignor::{Assignor, Subscription, assign};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn tp(name: &str) -> TopicPartition {
    let (topic, partition) = name.rsplit_once('-').expect("topic-partition");
    TopicPartition::new(topic, partition.parse().expect("partition"))
}

fn members(vector: &Value) -> Vec<Subscription> {
    let instance_ids = vector.get("group_instance_ids").and_then(Value::as_object);
    vector["members"]
        .as_object()
        .expect("members")
        .iter()
        .map(|(id, topics)| Subscription {
            member_id: id.clone(),
            group_instance_id: instance_ids
                .and_then(|m| m.get(id))
                .and_then(Value::as_str)
                .map(str::to_owned),
            topics: topics
                .as_array()
                .expect("topics")
                .iter()
                .map(|t| t.as_str().expect("topic").to_owned())
                .collect(),
            owned: vector
                .get("owned")
                .and_then(|o| o.get(id))
                .and_then(Value::as_array)
                .map(|list| list.iter().map(|p| tp(p.as_str().expect("tp"))).collect())
                .unwrap_or_default(),
            generation: None,
        })
        .collect()
}

fn as_sets(
    assignment: &BTreeMap<String, Vec<TopicPartition>>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    assignment
        .iter()
        .map(|(m, list)| (m.clone(), list.iter().cloned().collect()))
        .collect()
}

fn expected(vector: &Value, key: &str) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    vector[key]
        .as_object()
        .expect("expected")
        .iter()
        .map(|(m, list)| {
            (
                m.clone(),
                list.as_array()
                    .expect("list")
                    .iter()
                    .map(|p| tp(p.as_str().expect("tp")))
                    .collect(),
            )
        })
        .collect()
}

fn check(kind: &str, assignor: Assignor) -> usize {
    let vectors: Value =
        serde_json::from_str(include_str!("../testdata/kafka-vectors.json")).expect("JSON");
    let mut checked = 0;
    for vector in vectors["assignors"][kind].as_array().expect("vectors") {
        let partitions: BTreeMap<String, u32> = vector["partitions_per_topic"]
            .as_object()
            .expect("partitions")
            .iter()
            .map(|(t, n)| (t.clone(), n.as_u64().expect("count") as u32))
            .collect();
        let got = assign(assignor, &members(vector), &partitions);
        let mut want = expected(vector, "expected");
        if assignor == Assignor::CooperativeSticky {
            // KIP-429: a partition another member owns now is withheld from its new owner
            // until that member has revoked it.
            let owners: BTreeMap<TopicPartition, String> = members(vector)
                .into_iter()
                .flat_map(|m| m.owned.into_iter().map(move |p| (p, m.member_id.clone())))
                .collect();
            for (member, partitions) in &mut want {
                partitions.retain(|p| owners.get(p).is_none_or(|owner| owner == member));
            }
        }
        assert_eq!(as_sets(&got), want, "{} ({assignor:?})", vector["test"]);
        let all: Vec<&TopicPartition> = got.values().flatten().collect();
        let distinct: BTreeSet<&TopicPartition> = all.iter().copied().collect();
        assert_eq!(
            all.len(),
            distinct.len(),
            "{}: a partition has two owners",
            vector["test"]
        );
        checked += 1;
    }
    checked
}

#[test]
fn range_matches_kafka() {
    assert_eq!(check("range", Assignor::Range), 14);
}

#[test]
fn roundrobin_matches_kafka() {
    assert_eq!(check("roundrobin", Assignor::RoundRobin), 10);
}

#[test]
fn sticky_matches_kafka() {
    assert_eq!(check("sticky", Assignor::Sticky), 12);
}

#[test]
fn cooperative_sticky_withholds_partitions_changing_owner() {
    assert_eq!(check("sticky", Assignor::CooperativeSticky), 12);
}
