//! The assignors a consumer-protocol group's coordinator runs (KIP-848's server-side
//! assignors, `group.consumer.assignors`): `uniform` (the default) and `range`. Unlike the
//! classic protocol's, they run on the broker, over every member's subscription and the
//! group's current target, and a change reaches each member by reconciliation.

use crate::protocol::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// A server-side assignor, by its `group.remote.assignor` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServerAssignor {
    /// `UniformAssignor`: balanced, keeping each member's partitions where it can.
    Uniform,
    /// `RangeAssignor`: each topic's partitions in contiguous ranges, members by id.
    Range,
}

impl ServerAssignor {
    /// Both, the default first, as `group.consumer.assignors` lists them by default.
    pub const ALL: [ServerAssignor; 2] = [ServerAssignor::Uniform, ServerAssignor::Range];

    /// The name a consumer asks for it by.
    pub fn name(self) -> &'static str {
        match self {
            ServerAssignor::Uniform => "uniform",
            ServerAssignor::Range => "range",
        }
    }

    /// The assignor named `name`, if the coordinator has it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// One member as the assignor sees it: what it subscribes to and its current target.
#[derive(Clone, Debug)]
pub struct AssignorMember<'a> {
    /// Its subscribed topics.
    pub topics: &'a [String],
    /// Its part of the previous target assignment.
    pub target: &'a BTreeSet<TopicPartition>,
}

/// The new target assignment of every member (by member id), given the partition count of
/// each subscribed topic that exists.
pub fn assign(
    assignor: ServerAssignor,
    members: &BTreeMap<String, AssignorMember<'_>>,
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let homogeneous = members
        .values()
        .map(|m| subscribed(m.topics, partitions))
        .collect::<BTreeSet<_>>()
        .len()
        <= 1;
    match assignor {
        ServerAssignor::Uniform if homogeneous => uniform(members, partitions),
        // Kafka's `UniformHeterogeneousAssignmentBuilder` balances members with different
        // subscriptions while keeping partitions where they are; the playground gives such a
        // group the range assignor's answer instead (the docs say so).
        ServerAssignor::Uniform | ServerAssignor::Range => range(members, partitions),
    }
}

/// The subscribed topics that exist, sorted.
fn subscribed(topics: &[String], partitions: &BTreeMap<String, u32>) -> BTreeSet<String> {
    topics
        .iter()
        .filter(|t| partitions.contains_key(*t))
        .cloned()
        .collect()
}

/// `UniformHomogeneousAssignmentBuilder`: every member gets `total / members` partitions, the
/// first `total % members` of them (in member order) one more; a member keeps the partitions
/// of its previous target up to its quota, and the rest go, in topic and partition order, to
/// the members below quota.
fn uniform(
    members: &BTreeMap<String, AssignorMember<'_>>,
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let Some(first) = members.values().next() else {
        return BTreeMap::new();
    };
    let topics = subscribed(first.topics, partitions);
    if topics.is_empty() {
        return members
            .keys()
            .map(|m| (m.clone(), BTreeSet::new()))
            .collect();
    }
    let all: Vec<TopicPartition> = topics
        .iter()
        .flat_map(|t| (0..partitions[t]).map(move |p| TopicPartition::new(t, p)))
        .collect();
    let kept_anywhere: BTreeSet<&TopicPartition> =
        members.values().flat_map(|m| m.target.iter()).collect();
    let mut unassigned: Vec<TopicPartition> = all
        .iter()
        .filter(|tp| !kept_anywhere.contains(tp))
        .cloned()
        .collect();
    let count = members.len();
    let minimum = all.len() / count;
    let mut extra = all.len() % count;
    let mut result = BTreeMap::new();
    let mut unfilled = Vec::new();
    for (id, member) in members {
        let mut quota = minimum;
        if extra > 0 {
            quota += 1;
            extra -= 1;
        }
        let mut kept = BTreeSet::new();
        for tp in member.target {
            if !topics.contains(&*tp.topic) || tp.partition >= partitions[&*tp.topic] {
                continue;
            }
            if quota > 0 {
                quota -= 1;
                kept.insert(tp.clone());
            } else {
                unassigned.push(tp.clone());
            }
        }
        if quota > 0 {
            unfilled.push((id.clone(), quota));
        }
        result.insert(id.clone(), kept);
    }
    let mut next = unassigned.into_iter();
    for (id, quota) in unfilled {
        let target = result.get_mut(&id).expect("every member has an entry");
        target.extend(next.by_ref().take(quota));
    }
    let left: Vec<TopicPartition> = next.collect();
    assert!(
        left.is_empty(),
        "uniform assignor left partitions unassigned: {left:?} (members {:?}, partitions {partitions:?})",
        members.keys().collect::<Vec<_>>()
    );
    result
}

/// Kafka's server-side `RangeAssignor`: members sorted by id; for each topic, the members
/// that subscribe to it take contiguous ranges in that order, the first `partitions %
/// subscribers` one partition more.
fn range(
    members: &BTreeMap<String, AssignorMember<'_>>,
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let mut subscribers: BTreeMap<&str, u32> = BTreeMap::new();
    for member in members.values() {
        for topic in subscribed(member.topics, partitions) {
            *subscribers
                .entry(partitions.get_key_value(&topic).expect("exists").0)
                .or_default() += 1;
        }
    }
    // Per topic: (minimum quota, extra partitions left to give, next partition).
    let mut ranges: BTreeMap<&str, (u32, u32, u32)> = subscribers
        .iter()
        .map(|(&topic, &count)| {
            let total = partitions[topic];
            (topic, (total / count, total % count, 0))
        })
        .collect();
    members
        .iter()
        .map(|(id, member)| {
            let mut target = BTreeSet::new();
            for topic in subscribed(member.topics, partitions) {
                let (minimum, extra, next) =
                    ranges.get_mut(topic.as_str()).expect("a subscribed topic");
                let mut quota = *minimum;
                if *extra > 0 {
                    quota += 1;
                    *extra -= 1;
                }
                let end = (*next + quota).min(partitions[&topic]);
                target.extend((*next..end).map(|p| TopicPartition::new(&topic, p)));
                *next = end;
            }
            (id.clone(), target)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tps(list: &[(&str, u32)]) -> BTreeSet<TopicPartition> {
        list.iter()
            .map(|(t, p)| TopicPartition::new(t, *p))
            .collect()
    }

    /// A member: its id, subscribed topics and previous target.
    type Spec<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, u32)]);

    fn run(
        assignor: ServerAssignor,
        members: &[Spec<'_>],
        partitions: &[(&str, u32)],
    ) -> BTreeMap<String, BTreeSet<TopicPartition>> {
        let topics: Vec<(String, Vec<String>, BTreeSet<TopicPartition>)> = members
            .iter()
            .map(|(id, topics, target)| {
                let topics = topics.iter().map(|t| (*t).to_owned()).collect();
                ((*id).to_owned(), topics, tps(target))
            })
            .collect();
        let members = topics
            .iter()
            .map(|(id, topics, target)| (id.clone(), AssignorMember { topics, target }))
            .collect();
        let partitions = partitions
            .iter()
            .map(|(t, n)| ((*t).to_owned(), *n))
            .collect();
        assign(assignor, &members, &partitions)
    }

    // UniformHomogeneousAssignmentBuilderTest.testFirstAssignmentTwoMembersTwoTopicsNoMemberRacks
    // (members A and B, topic1 with 3 partitions and topic3 with 2): 3 and 2 partitions, every
    // partition once.
    #[test]
    fn uniform_first_assignment_balances_two_topics_over_two_members() {
        let result = run(
            ServerAssignor::Uniform,
            &[
                ("A", &["topic1", "topic3"], &[]),
                ("B", &["topic1", "topic3"], &[]),
            ],
            &[("topic1", 3), ("topic3", 2)],
        );
        assert_eq!(result["A"].len(), 3);
        assert_eq!(result["B"].len(), 2);
        let all: BTreeSet<_> = result.values().flatten().cloned().collect();
        assert_eq!(all.len(), 5);
    }

    // UniformHomogeneousAssignmentBuilderTest.testReassignmentWhenOneMemberAddedAfterInitial
    // Assignment: a new member takes partitions from the others; they keep the rest.
    #[test]
    fn uniform_keeps_what_members_had_when_one_joins() {
        let a: &[(&str, u32)] = &[("t", 0), ("t", 1), ("t", 2)];
        let b: &[(&str, u32)] = &[("t", 3), ("t", 4), ("t", 5)];
        let result = run(
            ServerAssignor::Uniform,
            &[("A", &["t"], a), ("B", &["t"], b), ("C", &["t"], &[])],
            &[("t", 6)],
        );
        assert_eq!(result["A"], tps(&[("t", 0), ("t", 1)]));
        assert_eq!(result["B"], tps(&[("t", 3), ("t", 4)]));
        assert_eq!(result["C"], tps(&[("t", 2), ("t", 5)]));
    }

    #[test]
    fn uniform_gives_a_leavers_partitions_to_those_below_quota() {
        let a: &[(&str, u32)] = &[("t", 0), ("t", 1)];
        let result = run(
            ServerAssignor::Uniform,
            &[("A", &["t"], a), ("C", &["t"], &[])],
            &[("t", 4)],
        );
        assert_eq!(result["A"], tps(&[("t", 0), ("t", 1)]));
        assert_eq!(result["C"], tps(&[("t", 2), ("t", 3)]));
    }

    #[test]
    fn uniform_with_more_members_than_partitions_leaves_some_idle() {
        let result = run(
            ServerAssignor::Uniform,
            &[("A", &["t"], &[]), ("B", &["t"], &[]), ("C", &["t"], &[])],
            &[("t", 2)],
        );
        assert_eq!(result.values().map(BTreeSet::len).sum::<usize>(), 2);
        assert_eq!(result["C"].len(), 0);
    }

    // RangeAssignorTest.testFirstAssignmentTwoMembersTwoTopicsSameSubscriptions (server side):
    // topic1 of 3 partitions and topic3 of 2 over A and B.
    #[test]
    fn range_splits_each_topic_in_ranges_by_member_id() {
        let result = run(
            ServerAssignor::Range,
            &[
                ("A", &["topic1", "topic3"], &[]),
                ("B", &["topic1", "topic3"], &[]),
            ],
            &[("topic1", 3), ("topic3", 2)],
        );
        assert_eq!(
            result["A"],
            tps(&[("topic1", 0), ("topic1", 1), ("topic3", 0)])
        );
        assert_eq!(result["B"], tps(&[("topic1", 2), ("topic3", 1)]));
    }

    // RangeAssignorTest.testFirstAssignmentThreeMembersThreeTopicsDifferentSubscriptions:
    // A {topic1, topic2}, B {topic3}, C {topic2, topic3}; 3, 3 and 2 partitions.
    #[test]
    fn range_with_different_subscriptions_shares_each_topic_among_its_subscribers() {
        let result = run(
            ServerAssignor::Range,
            &[
                ("A", &["topic1", "topic2"], &[]),
                ("B", &["topic3"], &[]),
                ("C", &["topic2", "topic3"], &[]),
            ],
            &[("topic1", 3), ("topic2", 3), ("topic3", 2)],
        );
        assert_eq!(
            result["A"],
            tps(&[
                ("topic1", 0),
                ("topic1", 1),
                ("topic1", 2),
                ("topic2", 0),
                ("topic2", 1)
            ])
        );
        assert_eq!(result["B"], tps(&[("topic3", 0)]));
        assert_eq!(result["C"], tps(&[("topic2", 2), ("topic3", 1)]));
    }
}
