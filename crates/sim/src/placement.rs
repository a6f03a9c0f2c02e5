//! Replica placement: Kafka's rack-unaware assignment (`AdminUtils.assignReplicasToBrokers`).
//! It spreads leaders round-robin from a random start and shifts followers so that the replicas
//! of consecutive partitions do not all land on the same brokers. The reference notes this is
//! the recognisable choice for a cluster without racks; KRaft's `StripedReplicaPlacer` stripes
//! across racks, which the simulation does not model yet.

use crate::protocol::BrokerId;

/// Where each new partition's replicas go; the first replica is the preferred leader.
///
/// `start_index` and `replica_shift` are Kafka's `startIndex` and `nextReplicaShift` (random in
/// `0..brokers.len()` unless fixed); `first_partition` is the id of the first new partition
/// (non-zero when adding partitions to a topic).
pub fn assign_replicas(
    brokers: &[BrokerId],
    first_partition: u32,
    new_partitions: u32,
    replication_factor: usize,
    start_index: usize,
    replica_shift: usize,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len();
    assert!(
        n > 0 && replication_factor <= n,
        "callers check the replication factor"
    );
    let mut shift = replica_shift;
    let mut assignment = Vec::with_capacity(new_partitions as usize);
    let first_new = first_partition as usize;
    for partition in first_new..first_new + new_partitions as usize {
        if partition > 0 && partition.is_multiple_of(n) {
            shift += 1;
        }
        let first = (partition + start_index) % n;
        let mut replicas = Vec::with_capacity(replication_factor);
        replicas.push(brokers[first]);
        for j in 0..replication_factor - 1 {
            replicas.push(brokers[replica_index(first, shift, j, n)]);
        }
        assignment.push(replicas);
    }
    assignment
}

fn replica_index(first: usize, shift: usize, j: usize, n: usize) -> usize {
    (first + 1 + (shift + j) % (n - 1)) % n
}

#[cfg(test)]
mod tests {
    use super::*;

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
