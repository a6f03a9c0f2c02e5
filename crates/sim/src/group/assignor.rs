//! Kafka's partition assignors, as the Java consumer runs them on the group leader: `range`,
//! `roundrobin`, `sticky` and `cooperative-sticky`. Each matches Kafka's algorithm on Kafka's own
//! test cases (tests/suite/assignors.rs).
//!
//! Members are ordered as `AbstractPartitionAssignor.MemberInfo` orders them: static members
//! (with `group.instance.id`) first by instance id, then dynamic members by member id. The
//! sticky assignor's first pass visits members in the iteration order of the Java `HashMap`
//! Kafka keeps them in, which decides who keeps the larger share when several could; that order
//! is reproduced from Java's `String.hashCode`.

pub use crate::protocol::Subscription;
use crate::protocol::TopicPartition;
use crate::sorted::Collect;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// `partition.assignment.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assignor {
    /// `RangeAssignor`: contiguous ranges of each topic.
    Range,
    /// `RoundRobinAssignor`: all partitions dealt in turn.
    #[serde(rename = "roundrobin")]
    RoundRobin,
    /// `StickyAssignor`: balanced, keeping what members own (eager).
    Sticky,
    /// `CooperativeStickyAssignor`: sticky, but a partition changing owner is first revoked.
    CooperativeSticky,
}

/// Partitions by member.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// Java's `String.hashCode` over UTF-16 code units.
pub fn java_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The iteration order of a Java `HashMap<String, _>` holding `keys` (inserted in the given
/// order).
fn java_hash_map_order(keys: &[&str]) -> Vec<String> {
    let hashes: Vec<i32> = keys.iter().map(|k| java_hash_code(k)).collect();
    java_hash_map_indices(&hashes)
        .into_iter()
        .map(|i| keys[i].to_owned())
        .collect()
}

/// The iteration order of a Java `HashMap` whose keys have these `hashCode`s, inserted in the
/// given order and with the default capacity and load factor: by bucket of the spread hash
/// (`HashMap.hash`), then insertion order (a resize splits a bucket keeping its order).
/// Kafka's tools print many results straight from such maps.
pub(crate) fn java_hash_map_indices(hashes: &[i32]) -> Vec<usize> {
    let mut capacity = 16usize;
    while hashes.len() * 4 > capacity * 3 {
        capacity *= 2;
    }
    let bucket = |h: i32| {
        let h = h as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut ordered: Vec<(usize, usize)> = hashes
        .iter()
        .enumerate()
        .map(|(i, &h)| (bucket(h), i))
        .collect();
    ordered.sort_unstable();
    ordered.into_iter().map(|(_, i)| i).collect()
}

fn member_order(members: &[Subscription]) -> Vec<&Subscription> {
    let mut ordered: Vec<&Subscription> = members.iter().collect();
    crate::sorted::sort_by(&mut ordered, |a, b| {
        match (&a.group_instance_id, &b.group_instance_id) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.member_id.cmp(&b.member_id),
        }
    });
    ordered
}

fn empty(members: &[Subscription]) -> Assignment {
    members
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect_map()
}

/// Runs an assignor.
pub fn assign(
    assignor: Assignor,
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
) -> Assignment {
    match assignor {
        Assignor::Range => range(members, partitions_per_topic),
        Assignor::RoundRobin => round_robin(members, partitions_per_topic),
        Assignor::Sticky => sticky(members, partitions_per_topic).0,
        Assignor::CooperativeSticky => {
            let (mut target, transferring) = sticky(members, partitions_per_topic);
            // KIP-429: a partition moving to a new owner is first revoked by its current owner;
            // the new owner gets it in the follow-up rebalance.
            for (tp, to) in transferring {
                if let Some(list) = target.get_mut(&to) {
                    list.retain(|p| *p != tp);
                }
            }
            target
        }
    }
}

fn range(members: &[Subscription], partitions_per_topic: &BTreeMap<String, u32>) -> Assignment {
    let mut assignment = empty(members);
    let ordered = member_order(members);
    for (topic, &count) in partitions_per_topic {
        let consumers: Vec<&&Subscription> = ordered
            .iter()
            .filter(|m| m.topics.contains(topic))
            .collect();
        if consumers.is_empty() {
            continue;
        }
        let per = count as usize / consumers.len();
        let extra = count as usize % consumers.len();
        let mut next = 0u32;
        for (i, consumer) in consumers.iter().enumerate() {
            let share = per + usize::from(i < extra);
            let list = assignment.entry(consumer.member_id.clone()).or_default();
            for _ in 0..share {
                list.push(TopicPartition::new(topic, next));
                next += 1;
            }
        }
    }
    assignment
}

fn round_robin(
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
) -> Assignment {
    let mut assignment = empty(members);
    let ordered = member_order(members);
    let subscribed: BTreeSet<&String> = members.iter().flat_map(|m| m.topics.iter()).collect_set();
    let mut turn = 0usize;
    for (topic, &count) in partitions_per_topic
        .iter()
        .filter(|(t, _)| subscribed.contains(t))
    {
        for partition in 0..count {
            while !ordered[turn % ordered.len()].topics.contains(topic) {
                turn += 1;
            }
            let member = &ordered[turn % ordered.len()].member_id;
            assignment
                .entry(member.clone())
                .or_default()
                .push(TopicPartition::new(topic, partition));
            turn += 1;
        }
    }
    assignment
}

/// Owned partitions each member may keep: still existing and subscribed, and not claimed by
/// another member in the same generation (then neither keeps it) or a later one.
fn owned_partitions(
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
) -> (
    BTreeMap<String, Vec<TopicPartition>>,
    BTreeSet<TopicPartition>,
) {
    let mut claims: BTreeMap<&TopicPartition, Vec<(Option<i32>, &str)>> = BTreeMap::new();
    for member in members {
        for tp in &member.owned {
            claims
                .entry(tp)
                .or_default()
                .push((member.generation, &member.member_id));
        }
    }
    let mut contested = BTreeSet::new();
    let mut keeper: BTreeMap<&TopicPartition, &str> = BTreeMap::new();
    for (tp, owners) in claims {
        let best = owners.iter().map(|(g, _)| *g).max().flatten();
        let at_best: Vec<&str> = owners
            .iter()
            .filter(|(g, _)| *g == best)
            .map(|(_, m)| *m)
            .collect();
        if at_best.len() == 1 {
            keeper.insert(tp, at_best[0]);
        } else {
            contested.insert(tp.clone());
        }
    }
    let owned = members
        .iter()
        .map(|m| {
            let mut kept: Vec<TopicPartition> = m
                .owned
                .iter()
                .filter(|tp| keeper.get(tp) == Some(&m.member_id.as_str()))
                .filter(|tp| {
                    m.topics.iter().any(|t| *t == *tp.topic)
                        && partitions_per_topic
                            .get(&*tp.topic)
                            .is_some_and(|&n| tp.partition < n)
                })
                .cloned()
                .collect();
            crate::sorted::sort_by(&mut kept, |a, b| {
                (a.partition, &a.topic).cmp(&(b.partition, &b.topic))
            });
            (m.member_id.clone(), kept)
        })
        .collect_map();
    (owned, contested)
}

/// The sticky target assignment and the partitions changing owner (for cooperative-sticky).
fn sticky(
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
) -> (Assignment, Vec<(TopicPartition, String)>) {
    let all_equal = members.windows(2).all(|w| {
        let (mut a, mut b) = (w[0].topics.clone(), w[1].topics.clone());
        crate::sorted::sort(&mut a);
        crate::sorted::sort(&mut b);
        a == b
    });
    let (owned, contested) = owned_partitions(members, partitions_per_topic);
    if all_equal && !members.is_empty() {
        constrained(members, partitions_per_topic, owned, &contested)
    } else {
        general(members, partitions_per_topic, owned, &contested)
    }
}

fn all_partitions(
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
) -> Vec<TopicPartition> {
    let subscribed: BTreeSet<&String> = members.iter().flat_map(|m| m.topics.iter()).collect_set();
    partitions_per_topic
        .iter()
        .filter(|(t, _)| subscribed.contains(t))
        .flat_map(|(t, &n)| (0..n).map(move |p| TopicPartition::new(t, p)))
        .collect()
}

/// `AbstractStickyAssignor.constrainedAssign`: every member has the same subscription.
fn constrained(
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
    owned: BTreeMap<String, Vec<TopicPartition>>,
    contested: &BTreeSet<TopicPartition>,
) -> (Assignment, Vec<(TopicPartition, String)>) {
    let partitions = all_partitions(members, partitions_per_topic);
    let (total, count) = (partitions.len(), members.len());
    let (min_quota, max_quota) = (total / count, total.div_ceil(count));
    let expected_at_max = total % count;
    let mut at_max = 0usize;
    let mut assignment = empty(members);
    let mut assigned = BTreeSet::new();
    let mut revoked = BTreeSet::new();
    let mut under_min = Vec::new();
    let mut exactly_min = Vec::new();
    let ids: Vec<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
    for member in java_hash_map_order(&ids) {
        let mine = &owned[&member];
        let list = assignment
            .get_mut(&member)
            .expect("every member has a list");
        if mine.len() < min_quota {
            list.extend(mine.iter().cloned());
            assigned.extend(mine.iter().cloned());
            under_min.push(member);
        } else if mine.len() >= max_quota && at_max < expected_at_max {
            at_max += 1;
            if at_max == expected_at_max {
                exactly_min.clear();
            }
            list.extend(mine[..max_quota].iter().cloned());
            assigned.extend(mine[..max_quota].iter().cloned());
            revoked.extend(mine[max_quota..].iter().cloned());
        } else {
            list.extend(mine[..min_quota].iter().cloned());
            assigned.extend(mine[..min_quota].iter().cloned());
            revoked.extend(mine[min_quota..].iter().cloned());
            if at_max < expected_at_max {
                exactly_min.push(member);
            }
        }
    }
    crate::sorted::sort(&mut under_min);
    crate::sorted::sort(&mut exactly_min);
    let mut transferring = Vec::new();
    let mut cursor = 0usize;
    for tp in partitions.into_iter().filter(|tp| !assigned.contains(tp)) {
        let member = if cursor < under_min.len() {
            under_min[cursor].clone()
        } else if !under_min.is_empty() {
            cursor = 0;
            under_min[0].clone()
        } else if !exactly_min.is_empty() {
            let member = exactly_min.remove(0);
            at_max += 1;
            if at_max == expected_at_max {
                exactly_min.clear();
            }
            member
        } else {
            break;
        };
        let list = assignment
            .get_mut(&member)
            .expect("every member has a list");
        list.push(tp.clone());
        if revoked.contains(&tp) || contested.contains(&tp) {
            transferring.push((tp, member.clone()));
        }
        if under_min.get(cursor) == Some(&member) {
            if list.len() == min_quota {
                under_min.remove(cursor);
                if min_quota < max_quota {
                    exactly_min.push(member);
                }
            } else {
                cursor += 1;
            }
        }
    }
    (assignment, transferring)
}

/// The general path (unequal subscriptions), a balance-driven approximation of
/// `AbstractStickyAssignor.generalAssign`: owned partitions stay; the rest go, fewest potential
/// consumers first, to the least-loaded eligible member (ties by member id); then partitions move
/// from the most to the least loaded eligible member while that narrows the gap by two or more.
fn general(
    members: &[Subscription],
    partitions_per_topic: &BTreeMap<String, u32>,
    owned: BTreeMap<String, Vec<TopicPartition>>,
    contested: &BTreeSet<TopicPartition>,
) -> (Assignment, Vec<(TopicPartition, String)>) {
    let eligible = |tp: &TopicPartition| -> Vec<&str> {
        let mut ids: Vec<&str> = members
            .iter()
            .filter(|m| m.topics.iter().any(|t| *t == *tp.topic))
            .map(|m| m.member_id.as_str())
            .collect();
        crate::sorted::sort(&mut ids);
        ids
    };
    let mut assignment: Assignment = owned;
    let previous: BTreeMap<TopicPartition, String> = members
        .iter()
        .flat_map(|m| {
            m.owned
                .iter()
                .map(move |tp| (tp.clone(), m.member_id.clone()))
        })
        .collect_map();
    let assigned: BTreeSet<TopicPartition> = assignment.values().flatten().cloned().collect_set();
    let mut pending: Vec<TopicPartition> = all_partitions(members, partitions_per_topic)
        .into_iter()
        .filter(|tp| !assigned.contains(tp))
        .collect();
    crate::sorted::sort_by_key(&mut pending, |tp| {
        (eligible(tp).len(), tp.topic.clone(), tp.partition)
    });
    let mut transferring = Vec::new();
    for tp in pending {
        let Some(member) = eligible(&tp)
            .into_iter()
            .min_by_key(|m| (assignment[*m].len(), *m))
        else {
            continue;
        };
        if previous.get(&tp).is_some_and(|p| p != member) || contested.contains(&tp) {
            transferring.push((tp.clone(), member.to_owned()));
        }
        assignment.get_mut(member).expect("listed").push(tp);
    }
    loop {
        let moved = assignment.iter().find_map(|(from, list)| {
            list.iter().find_map(|tp| {
                eligible(tp)
                    .into_iter()
                    .filter(|to| assignment[*to].len() + 1 < list.len())
                    .min_by_key(|to| (assignment[*to].len(), *to))
                    .map(|to| (from.clone(), to.to_owned(), tp.clone()))
            })
        });
        let Some((from, to, tp)) = moved else { break };
        assignment
            .get_mut(&from)
            .expect("listed")
            .retain(|p| *p != tp);
        assignment.get_mut(&to).expect("listed").push(tp.clone());
        transferring.retain(|(p, _)| *p != tp);
        if previous.get(&tp).is_some_and(|p| *p != to) {
            transferring.push((tp, to));
        }
    }
    (assignment, transferring)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_codes_match_the_reference_table() {
        assert_eq!(java_hash_code("my-group"), -1_906_497_762);
        assert_eq!(java_hash_code("test-group"), 627_841_412);
        assert_eq!(java_hash_code("polygenelubricants"), i32::MIN);
        assert_eq!(java_hash_code("my-transactional-id"), -959_806_496);
    }

    #[test]
    fn java_hash_map_iterates_by_bucket() {
        assert_eq!(
            java_hash_map_order(&["consumer1", "consumer2", "consumer3"]),
            ["consumer3", "consumer2", "consumer1"]
        );
    }
}
