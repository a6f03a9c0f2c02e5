//! Kafka's default partitioner for keyed records: murmur2 of the serialized key (seed
//! 0x9747b28c), made positive with `& 0x7fffffff` (not `abs`), modulo the partition count, as
//! `Utils.murmur2` and `BuiltInPartitioner.partitionForKey` in the Java client.

/// Kafka's murmur2, returning Java's signed 32-bit result.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len();
    let mut h: u32 = SEED ^ length as u32;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`.
pub fn to_positive(n: i32) -> u32 {
    (n & 0x7fff_ffff) as u32
}

/// The partition a key lands on among `partitions` (all of them, available or not).
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    to_positive(murmur2(key)) % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_vectors() {
        assert_eq!(murmur2(b"21"), -973_932_308);
        assert_eq!(murmur2(b"abc"), 479_470_107);
        assert_eq!(murmur2(b""), 275_646_681);
        assert_eq!(partition_for_key(b"abc", 1000), 107);
    }
}

/// Kafka's built-in partitioner for records without a key (KIP-794, "uniform sticky"): all
/// keyless records of a topic go to one partition until about `batch.size` bytes have gone
/// there and its batch is ready (or 2 × `batch.size` in any case); then a new partition is
/// drawn among those with a leader, weighted towards short queues when adaptive.
#[derive(Clone, Debug, Default)]
pub struct StickyPartitioner {
    topics: std::collections::BTreeMap<std::rc::Rc<str>, Sticky>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Sticky {
    partition: Option<u32>,
    produced: usize,
}

impl StickyPartitioner {
    /// The partition for the next keyless record of `topic`. `load` is asked only when a new
    /// partition is drawn, as Kafka's `BuiltInPartitioner` reads its load stats only then (a
    /// producer sends many records per switch): the partitions with a leader, and the queue
    /// sizes (per partition) when adaptive.
    pub fn partition(
        &mut self,
        topic: &std::rc::Rc<str>,
        partitions: u32,
        rng: &mut crate::rng::SimRng,
        load: impl FnOnce() -> (Vec<u32>, Option<Vec<usize>>),
    ) -> u32 {
        let sticky = self.topics.entry(std::rc::Rc::clone(topic)).or_default();
        if let Some(partition) = sticky.partition.filter(|&p| p < partitions) {
            return partition;
        }
        let (available, queue_sizes) = load();
        let all: Vec<u32> = (0..partitions).collect();
        let candidates = if available.is_empty() {
            &all[..]
        } else {
            &available[..]
        };
        let random = to_positive(rng.next_u32() as i32) as usize;
        let chosen = match queue_sizes.as_deref() {
            Some(sizes)
                if candidates
                    .iter()
                    .any(|&p| sizes.get(p as usize) != sizes.first()) =>
            {
                // Weight each partition by (longest queue + 1 - its queue).
                let longest = candidates
                    .iter()
                    .map(|&p| sizes[p as usize])
                    .max()
                    .unwrap_or(0);
                let weights: Vec<usize> = candidates
                    .iter()
                    .map(|&p| longest + 1 - sizes[p as usize])
                    .collect();
                let mut pick = random % weights.iter().sum::<usize>();
                let mut index = 0;
                while pick >= weights[index] {
                    pick -= weights[index];
                    index += 1;
                }
                candidates[index]
            }
            _ => candidates[random % candidates.len()],
        };
        *sticky = Sticky {
            partition: Some(chosen),
            produced: 0,
        };
        chosen
    }

    /// Accounts for `bytes` appended to the sticky partition of `topic`.
    pub fn appended(&mut self, topic: &str, bytes: usize, batch_size: usize, batches_full: bool) {
        if let Some(sticky) = self.topics.get_mut(topic) {
            sticky.produced += bytes;
            if (sticky.produced >= batch_size && batches_full) || sticky.produced >= 2 * batch_size
            {
                sticky.partition = None;
            }
        }
    }
}

#[cfg(test)]
mod sticky_tests {
    use super::*;
    use crate::rng::SimRng;
    use std::rc::Rc;

    #[test]
    fn sticks_until_a_batch_worth_of_bytes_then_moves() {
        let mut sticky = StickyPartitioner::default();
        let mut rng = SimRng::new(3);
        let topic: Rc<str> = Rc::from("t");
        let first = sticky.partition(&topic, 3, &mut rng, || (vec![0, 1, 2], None));
        sticky.appended("t", 100, 1000, false);
        // Sticking draws nothing and reads no load, as Kafka's partitioner between switches.
        assert_eq!(
            sticky.partition(&topic, 3, &mut rng, || unreachable!(
                "load read while sticking"
            )),
            first
        );
        sticky.appended("t", 1000, 1000, false);
        assert_eq!(
            sticky.partition(&topic, 3, &mut rng, || (vec![0, 1, 2], None)),
            first,
            "not full yet"
        );
        sticky.appended("t", 1000, 1000, false);
        let mut moved = false;
        for _ in 0..20 {
            moved |= sticky.partition(&topic, 3, &mut rng, || (vec![0, 1, 2], None)) != first;
            sticky.appended("t", 2000, 1000, true);
        }
        assert!(moved, "switches after 2 x batch.size");
    }

    #[test]
    fn only_partitions_with_a_leader_are_drawn_and_short_queues_are_favoured() {
        let mut rng = SimRng::new(5);
        let topic: Rc<str> = Rc::from("t");
        let mut counts = [0usize; 3];
        for _ in 0..3000 {
            let mut sticky = StickyPartitioner::default();
            counts[sticky.partition(&topic, 3, &mut rng, || (vec![0, 2], Some(vec![9, 0, 0])))
                as usize] += 1;
        }
        assert_eq!(counts[1], 0, "partition 1 has no leader");
        assert!(counts[2] > counts[0] * 5, "weights 1 and 10: {counts:?}");
    }
}
