//! The `simple` share group assignor (Kafka 4.1's `SimpleHomogeneousAssignmentBuilder`). A
//! share group needs no exclusive owner per partition, so the assignor balances differently
//! from a consumer group's: with more members than partitions, each partition is shared by
//! `ceil(members / partitions)` members, so every member gets work; with fewer, each member
//! gets its share of the partitions. It prefers balance over stickiness, and keeps what a
//! member had where balance allows.

use crate::protocol::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// The target assignment of every member: `members` maps each member to what it has now, and
/// every member subscribes to `partitions`' topics (Kafka's homogeneous case; members of a
/// share group in the playground subscribe by topic, and members with different topics are
/// assigned per topic set by [`assign`]).
fn assign_homogeneous(
    members: &BTreeMap<String, BTreeSet<TopicPartition>>,
    partitions: &[TopicPartition],
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let count = members.len();
    if count == 0 || partitions.is_empty() {
        return members
            .keys()
            .map(|m| (m.clone(), BTreeSet::new()))
            .collect();
    }
    // How many members share each partition, and how many partitions each member gets:
    // `desiredSharing` and `desiredAssignmentCount`, spread so that they sum exactly.
    let sharing = count.div_ceil(partitions.len());
    let slots = sharing * partitions.len();
    let desired: Vec<usize> = (0..count)
        .map(|i| (slots * (i + 1)).div_ceil(count) - (slots * i).div_ceil(count))
        .collect();
    let ids: Vec<&String> = members.keys().collect();
    let wanted: BTreeSet<&TopicPartition> = partitions.iter().collect();
    let mut by_partition: BTreeMap<&TopicPartition, BTreeSet<usize>> =
        partitions.iter().map(|tp| (tp, BTreeSet::new())).collect();
    let mut by_member: Vec<BTreeSet<TopicPartition>> = vec![BTreeSet::new(); count];
    // Keep what each member has and still may have, up to its desired count.
    for (index, id) in ids.iter().enumerate() {
        for tp in &members[*id] {
            if wanted.contains(tp) && by_member[index].len() < desired[index] {
                by_member[index].insert(tp.clone());
                by_partition.entry(tp).or_default().insert(index);
            }
        }
    }
    // Revoke what is shared by more members than desired, from the last members first.
    for (tp, holders) in by_partition.iter_mut() {
        while holders.len() > sharing {
            let last = *holders
                .iter()
                .next_back()
                .expect("more holders than sharing");
            holders.remove(&last);
            by_member[last].remove(*tp);
        }
    }
    // Hand out what is shared by fewer members than desired, to members below their count.
    for (tp, holders) in by_partition.iter_mut() {
        for index in 0..count {
            if holders.len() >= sharing {
                break;
            }
            if by_member[index].len() < desired[index] && !holders.contains(&index) {
                holders.insert(index);
                by_member[index].insert((*tp).clone());
            }
        }
    }
    ids.into_iter().cloned().zip(by_member).collect()
}

/// The target assignment: members with the same subscription are assigned together, each set
/// over its own topics' partitions (`SimpleAssignor`'s heterogeneous case gives every set the
/// homogeneous answer).
pub(super) fn assign(
    members: &BTreeMap<String, (Vec<String>, BTreeSet<TopicPartition>)>,
    partition_counts: &BTreeMap<String, u32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let mut by_subscription: BTreeMap<&[String], BTreeMap<String, BTreeSet<TopicPartition>>> =
        BTreeMap::new();
    for (id, (topics, current)) in members {
        by_subscription
            .entry(topics.as_slice())
            .or_default()
            .insert(id.clone(), current.clone());
    }
    let mut targets = BTreeMap::new();
    for (topics, group) in by_subscription {
        let partitions: Vec<TopicPartition> = topics
            .iter()
            .filter_map(|t| Some((t, *partition_counts.get(t)?)))
            .flat_map(|(t, n)| (0..n).map(move |p| TopicPartition::new(t, p)))
            .collect();
        targets.extend(assign_homogeneous(&group, &partitions));
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tps(topic: &str, n: u32) -> Vec<TopicPartition> {
        (0..n).map(|p| TopicPartition::new(topic, p)).collect()
    }

    fn members(n: usize) -> BTreeMap<String, BTreeSet<TopicPartition>> {
        (0..n).map(|i| (format!("m{i}"), BTreeSet::new())).collect()
    }

    fn sizes(target: &BTreeMap<String, BTreeSet<TopicPartition>>) -> Vec<usize> {
        target.values().map(BTreeSet::len).collect()
    }

    #[test]
    fn fewer_members_than_partitions_split_them_without_sharing() {
        let target = assign_homogeneous(&members(2), &tps("t", 5));
        assert_eq!(sizes(&target), vec![3, 2]);
        let all: BTreeSet<_> = target.values().flatten().collect();
        assert_eq!(all.len(), 5, "every partition assigned once: {target:?}");
    }

    #[test]
    fn more_members_than_partitions_all_get_work() {
        // SimpleAssignorTest: 3 members, 2 partitions: each partition shared by 2 members.
        let target = assign_homogeneous(&members(3), &tps("t", 2));
        assert!(target.values().all(|a| !a.is_empty()), "{target:?}");
        for tp in tps("t", 2) {
            let holders = target.values().filter(|a| a.contains(&tp)).count();
            assert_eq!(holders, 2, "{tp} shared by ceil(3/2) members: {target:?}");
        }
    }

    #[test]
    fn a_joining_member_takes_from_others_and_the_rest_stays() {
        let mut current = members(2);
        let first = assign_homogeneous(&current, &tps("t", 4));
        current = first.clone();
        current.insert("m2".to_owned(), BTreeSet::new());
        let second = assign_homogeneous(&current, &tps("t", 4));
        assert_eq!(second["m2"].len(), 1, "{second:?}");
        for id in ["m0", "m1"] {
            assert!(
                second[id].is_subset(&first[id]),
                "{id} kept its own: {second:?}"
            );
        }
        let all: BTreeSet<_> = second.values().flatten().collect();
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn members_with_different_topics_are_assigned_apart() {
        let mut current = BTreeMap::new();
        current.insert("a".to_owned(), (vec!["x".to_owned()], BTreeSet::new()));
        current.insert("b".to_owned(), (vec!["y".to_owned()], BTreeSet::new()));
        let counts = BTreeMap::from([("x".to_owned(), 2), ("y".to_owned(), 1)]);
        let target = assign(&current, &counts);
        assert_eq!(target["a"], tps("x", 2).into_iter().collect());
        assert_eq!(target["b"], tps("y", 1).into_iter().collect());
    }
}
