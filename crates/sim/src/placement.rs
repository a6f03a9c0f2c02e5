//! Replica placement: Kafka's rack-unaware assignment (`AdminUtils.assignReplicasToBrokers`).
//! It spreads leaders round-robin from a random start and shifts followers so that the replicas
//! of consecutive partitions do not all land on the same brokers. The reference notes this is
//! the recognisable choice for a cluster without racks; KRaft's `StripedReplicaPlacer` stripes
//! across racks, which the simulation does not model yet.

use crate::protocol::BrokerId;
use crate::sorted::Collect;
use std::collections::BTreeMap;

/// Where each new partition's replicas go; the first replica is the preferred leader.
///
/// `start_index` and `replica_shift` are Kafka's `startIndex` and `nextReplicaShift` (random in
/// `0..brokers.len()` unless fixed); `first_partition` is the id of the first new partition
/// (non-zero when adding partitions to a topic).
pub(crate) fn assign_replicas(
    brokers: &[BrokerId],
    first_partition: u32,
    new_partitions: u32,
    replication_factor: usize,
    start_index: usize,
    replica_shift: usize,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len();
    first_replicas(
        n,
        replication_factor,
        first_partition,
        new_partitions,
        start_index,
        replica_shift,
    )
    .map(|(first, shift)| {
        let followers =
            (0..replication_factor - 1).map(|j| brokers[replica_index(first, shift, j, n)]);
        std::iter::once(brokers[first]).chain(followers).collect()
    })
    .collect()
}

/// The loop both assignments share: for each new partition, the index of its first replica in
/// the broker list and the follower shift, which grows each time partition ids wrap the list.
fn first_replicas(
    n: usize,
    replication_factor: usize,
    first_partition: u32,
    new_partitions: u32,
    start_index: usize,
    replica_shift: usize,
) -> impl Iterator<Item = (usize, usize)> {
    assert!(
        n > 0 && replication_factor <= n,
        "callers check the replication factor"
    );
    let first_new = first_partition as usize;
    let mut shift = replica_shift;
    (first_new..first_new + new_partitions as usize).map(move |partition| {
        if partition > 0 && partition.is_multiple_of(n) {
            shift += 1;
        }
        ((partition + start_index) % n, shift)
    })
}

fn replica_index(first: usize, shift: usize, j: usize, n: usize) -> usize {
    (first + 1 + (shift + j) % (n - 1)) % n
}

/// Brokers ordered so racks alternate (`getRackAlternatedBrokerList`): racks in name order,
/// each rack's brokers in id order, taking one broker per rack in turn.
pub(crate) fn rack_alternated(racks: &BTreeMap<BrokerId, String>) -> Vec<BrokerId> {
    let mut by_rack: BTreeMap<&str, Vec<BrokerId>> = BTreeMap::new();
    for (&broker, rack) in racks {
        by_rack.entry(rack.as_str()).or_default().push(broker);
    }
    let mut queues: Vec<std::collections::VecDeque<BrokerId>> =
        by_rack.into_values().map(Into::into).collect();
    let mut ordered = Vec::with_capacity(racks.len());
    while ordered.len() < racks.len() {
        for queue in &mut queues {
            ordered.extend(queue.pop_front());
        }
    }
    ordered
}

/// Kafka's rack-aware assignment (`assignReplicasToBrokersRackAware`): like the rack-unaware
/// one over the rack-alternated broker list, but a follower candidate is skipped while its rack
/// already holds a replica and some rack holds none, or while it already holds one and some
/// broker holds none. So a partition spans `min(replication factor, racks)` racks.
pub(crate) fn assign_replicas_rack_aware(
    racks: &BTreeMap<BrokerId, String>,
    first_partition: u32,
    new_partitions: u32,
    replication_factor: usize,
    start_index: usize,
    replica_shift: usize,
) -> Vec<Vec<BrokerId>> {
    let brokers = rack_alternated(racks);
    let n = brokers.len();
    let rack_count = racks.values().collect_set().len();
    first_replicas(
        n,
        replication_factor,
        first_partition,
        new_partitions,
        start_index,
        replica_shift,
    )
    .map(|(first, shift)| {
        let leader = brokers[first];
        let mut replicas = vec![leader];
        let mut racks_used = std::iter::once(racks[&leader].as_str()).collect_set();
        let mut brokers_used = std::iter::once(leader).collect_set();
        let mut k = 0;
        while replicas.len() < replication_factor {
            let broker = brokers[replica_index(first, shift * rack_count, k, n)];
            let rack = racks[&broker].as_str();
            let rack_ok = !racks_used.contains(rack) || racks_used.len() == rack_count;
            let broker_ok = !brokers_used.contains(&broker) || brokers_used.len() == n;
            if rack_ok && broker_ok {
                replicas.push(broker);
                racks_used.insert(rack);
                brokers_used.insert(broker);
            }
            k += 1;
        }
        replicas
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn matches_admin_rack_aware_test_vector() {
        let got = assign_replicas(&[0, 1, 2, 3, 4], 0, 10, 3, 0, 0);
        let expected: Vec<Vec<u32>> = vec![
            vec![0, 1, 2],
            vec![1, 2, 3],
            vec![2, 3, 4],
            vec![3, 4, 0],
            vec![4, 0, 1],
            vec![0, 2, 3],
            vec![1, 3, 4],
            vec![2, 4, 0],
            vec![3, 0, 1],
            vec![4, 1, 2],
        ];
        assert_eq!(got, expected);
    }

    fn racks(pairs: &[(u32, &str)]) -> BTreeMap<u32, String> {
        pairs.iter().map(|&(b, r)| (b, r.to_owned())).collect()
    }

    #[test]
    fn racks_alternate() {
        let map = racks(&[
            (0, "rack1"),
            (1, "rack3"),
            (2, "rack3"),
            (3, "rack2"),
            (4, "rack2"),
            (5, "rack1"),
        ]);
        assert_eq!(rack_alternated(&map), vec![0, 3, 1, 5, 4, 2]);
    }

    /// The properties Kafka's AdminRackAwareTest checks: every partition spans
    /// min(RF, racks) racks, and replicas and leaders spread evenly over brokers.
    #[test]
    fn rack_aware_assignment_spans_racks_and_balances_brokers() {
        let map = racks(&[(0, "a"), (1, "b"), (2, "c"), (3, "a"), (4, "b"), (5, "c")]);
        for start in 0..6 {
            for shift in 0..6 {
                let assignment = assign_replicas_rack_aware(&map, 0, 12, 3, start, shift);
                let mut replicas_per_broker = BTreeMap::new();
                let mut leaders_per_broker = BTreeMap::new();
                for replicas in &assignment {
                    let spanned: BTreeSet<&String> = replicas.iter().map(|b| &map[b]).collect();
                    assert_eq!(spanned.len(), 3, "{replicas:?}");
                    *leaders_per_broker.entry(replicas[0]).or_insert(0) += 1;
                    for b in replicas {
                        *replicas_per_broker.entry(*b).or_insert(0) += 1;
                    }
                }
                assert!(
                    leaders_per_broker.values().all(|&n| n == 2),
                    "{leaders_per_broker:?}"
                );
                assert!(
                    replicas_per_broker.values().all(|&n| n == 6),
                    "{replicas_per_broker:?}"
                );
            }
        }
        let two_racks = racks(&[(1, "a"), (2, "a"), (3, "b")]);
        for replicas in assign_replicas_rack_aware(&two_racks, 0, 6, 3, 0, 0) {
            let spanned: BTreeSet<&String> = replicas.iter().map(|b| &two_racks[b]).collect();
            assert_eq!(
                spanned.len(),
                2,
                "RF 3 over 2 racks uses both: {replicas:?}"
            );
        }
    }

    #[test]
    fn replicas_of_a_partition_are_distinct() {
        for n in 1..7u32 {
            let brokers: Vec<u32> = (1..=n).collect();
            for rf in 1..=n as usize {
                for start in 0..n as usize {
                    for replicas in assign_replicas(&brokers, 0, 20, rf, start, start) {
                        let mut sorted = replicas.clone();
                        sorted.sort_unstable();
                        sorted.dedup();
                        assert_eq!(sorted.len(), rf, "{replicas:?}");
                    }
                }
            }
        }
    }
}
