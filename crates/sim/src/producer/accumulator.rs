//! The record accumulator: one queue of batches per partition. A record joins the partition's
//! newest batch while it fits in `batch.size`; each batch takes `batch.size` bytes of
//! `buffer.memory` until it completes. Batches leave when drained by the sender and come back
//! to the front of their queue when retried.

use crate::error::ErrorCode;
use crate::protocol::{BatchHeader, Bytes, RecordData, TopicPartition};
use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// `RECORD_BATCH_OVERHEAD`: the v2 batch header, in bytes.
pub const BATCH_OVERHEAD: usize = 61;

fn varint_size(n: usize) -> usize {
    let mut size = 1;
    let mut rest = n >> 7;
    while rest > 0 {
        size += 1;
        rest >>= 7;
    }
    size
}

fn field_size(bytes: Option<&Bytes>) -> usize {
    bytes.map_or(1, |b| varint_size(b.len()) + b.len())
}

/// A batch's size as it travels and is stored (`MemoryRecords.sizeInBytes`): the header and
/// its records, what the broker holds against `message.max.bytes`.
pub fn batch_size(records: &[Rc<RecordData>]) -> usize {
    BATCH_OVERHEAD + records.iter().map(|r| record_size(r)).sum::<usize>()
}

/// A record's size in a v2 batch (`DefaultRecord.sizeInBytes`, with 1-byte time and offset
/// deltas).
pub fn record_size(record: &RecordData) -> usize {
    let headers: usize = record
        .headers
        .iter()
        .map(|(k, v)| varint_size(k.len()) + k.len() + varint_size(v.len()) + v.len())
        .sum();
    let body = 1
        + 1
        + 1
        + field_size(record.key.as_ref())
        + field_size(record.value.as_ref())
        + varint_size(record.headers.len())
        + headers;
    varint_size(body) + body
}

/// A batch of records for one partition.
#[derive(Clone, Debug)]
pub struct ProducerBatch {
    /// Where it goes.
    pub tp: TopicPartition,
    /// The records, shared with every replica that stores them.
    pub records: Vec<Rc<RecordData>>,
    /// For each record, the index of its send in the producer's history.
    pub operations: Vec<usize>,
    /// Estimated bytes, header included.
    pub size: usize,
    /// Memory it holds from `buffer.memory`.
    pub reserved: usize,
    /// When its first record arrived.
    pub created: SimTime,
    /// How many times it was sent.
    pub attempts: u32,
    /// Not to be sent again before this (`retry.backoff.ms`).
    pub retry_at: Option<SimTime>,
    /// The leader epoch the producer knew when it last sent the batch
    /// (`ProducerBatch.currentLeaderEpoch`): a retry toward a newer leader skips its backoff.
    pub sent_leader_epoch: Option<u32>,
    /// Producer id, epoch and sequence, fixed at its first send.
    pub header: Option<Rc<BatchHeader>>,
    /// The broker refused it as out of order while an epoch bump was pending: it was not
    /// written, and goes out again with a new sequence once the epoch is bumped.
    pub resequence: bool,
    /// Why its last attempt failed, once one has (kept while it is retried): a retriable error
    /// (NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT) reaches the application only when
    /// `delivery.timeout.ms` runs out, so this is where the page can say why it waits.
    pub last_error: Option<ErrorCode>,
}

impl ProducerBatch {
    /// What the sender decides about this batch from, when it heads its partition's queue.
    pub(super) fn head(&self) -> Head {
        Head {
            size: self.size,
            created: self.created,
            attempts: self.attempts,
            retry_at: self.retry_at,
            sent_leader_epoch: self.sent_leader_epoch,
            sequenced: self.header.is_some(),
            resequence: self.resequence,
        }
    }
}

/// A partition's next batch as the sender sees it (whether it is ready, backing off, waiting
/// for an epoch; its deadlines): copied out of the batch, so it can be had from the append
/// that changed the queue and looked at while the producer's other state is borrowed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Head {
    /// [`ProducerBatch::size`]: a full batch is ready.
    pub size: usize,
    /// [`ProducerBatch::created`]: ready once `linger.ms` has passed since.
    pub created: SimTime,
    /// [`ProducerBatch::attempts`]: a retry is ready at once.
    pub attempts: u32,
    /// [`ProducerBatch::retry_at`].
    pub retry_at: Option<SimTime>,
    /// [`ProducerBatch::sent_leader_epoch`].
    pub sent_leader_epoch: Option<u32>,
    /// It has its producer id, epoch and sequence ([`ProducerBatch::header`]).
    pub sequenced: bool,
    /// [`ProducerBatch::resequence`].
    pub resequence: bool,
}

/// A record in its batch (Kafka's `RecordAppendResult`): whether the batch is now full (what
/// lets the sticky partitioner move on), the partition's next batch, and how many it has
/// queued.
#[derive(Clone, Copy, Debug)]
pub(super) struct Appended {
    pub full: bool,
    pub head: Head,
    pub queued: usize,
}

/// The accumulator.
#[derive(Clone, Debug, Default)]
pub struct Accumulator {
    queues: BTreeMap<TopicPartition, VecDeque<ProducerBatch>>,
    used: usize,
}

impl Accumulator {
    /// Bytes of `buffer.memory` in use.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Adds a record of `size` bytes (counted once, by `prepare`) to the partition's newest
    /// batch while that one is open and has room, or else to a new batch, which reserves
    /// `batch.size` (or the record's size, if larger) of `buffer.memory`: `Err` with that
    /// reservation when the memory left cannot hold it. One map search a record while its
    /// partition has a queue (this runs for every send), so what the sender asks next, the
    /// partition's head, comes back with it.
    pub(super) fn append(
        &mut self,
        tp: &TopicPartition,
        (record, size): (Rc<RecordData>, usize),
        operation: usize,
        now: SimTime,
        (batch_size, buffer_memory): (usize, usize),
    ) -> Result<Appended, usize> {
        debug_assert_eq!(size, record_size(&record), "the size prepare counted");
        let open = |b: &ProducerBatch| {
            b.header.is_none() && b.attempts == 0 && b.size + size <= batch_size
        };
        let queue = self.queues.entry(tp.clone()).or_default();
        if !queue.back().is_some_and(open) {
            let reserved = batch_size.max(BATCH_OVERHEAD + size);
            if self.used + reserved > buffer_memory {
                if queue.is_empty() {
                    self.queues.remove(tp);
                }
                return Err(reserved);
            }
            self.used += reserved;
            queue.push_back(ProducerBatch {
                tp: tp.clone(),
                records: Vec::new(),
                operations: Vec::new(),
                size: BATCH_OVERHEAD,
                reserved,
                created: now,
                attempts: 0,
                retry_at: None,
                sent_leader_epoch: None,
                header: None,
                resequence: false,
                last_error: None,
            });
        }
        let batch = queue.back_mut().expect("pushed above");
        batch.records.push(record);
        batch.operations.push(operation);
        batch.size += size;
        // Full: another record like this one would not fit.
        let full = batch.size + size > batch_size;
        let head = queue.front().expect("appended above").head();
        Ok(Appended {
            full,
            head,
            queued: queue.len(),
        })
    }

    /// Batches waiting per partition of `topic`, for adaptive partitioning.
    pub fn queue_sizes(&self, topic: &str, partitions: u32) -> Vec<usize> {
        (0..partitions)
            .map(|p| {
                self.queues
                    .get(&TopicPartition::new(topic, p))
                    .map_or(0, VecDeque::len)
            })
            .collect()
    }

    /// Every queued batch, in partition order and queue order.
    pub fn batches(&self) -> impl Iterator<Item = &ProducerBatch> + '_ {
        self.queues.values().flatten()
    }

    /// The next batch of each partition, in partition order.
    pub(super) fn heads(&self) -> impl Iterator<Item = (&TopicPartition, Head, usize)> + '_ {
        self.queues
            .iter()
            .filter_map(|(tp, queue)| queue.front().map(|b| (tp, b.head(), queue.len())))
    }

    /// Takes the next batch of a partition for sending.
    pub fn take(&mut self, tp: &TopicPartition) -> Option<ProducerBatch> {
        let queue = self.queues.get_mut(tp)?;
        let batch = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(tp);
        }
        batch
    }

    /// Puts a batch back to be retried: at the front, and, for sequenced batches, in sequence
    /// order so an idempotent producer resends in the order it first sent.
    pub fn reenqueue(&mut self, batch: ProducerBatch) {
        let queue = self.queues.entry(batch.tp.clone()).or_default();
        let sequence = batch.header.as_ref().map(|h| h.base_sequence);
        let position = match sequence {
            Some(seq) => queue
                .iter()
                .position(|b| b.header.as_ref().is_none_or(|h| h.base_sequence > seq))
                .unwrap_or(queue.len()),
            None => 0,
        };
        queue.insert(position, batch);
    }

    /// Forgets the sequence numbers of queued batches (after an epoch bump they are stamped
    /// again, in queue order, when sent).
    pub fn clear_headers(&mut self) {
        for batch in self.queues.values_mut().flatten() {
            batch.header = None;
            batch.resequence = false;
        }
    }

    /// Whether a queued batch went out with a sequence and its fate is still unknown (it may
    /// be in the log): it must be resolved under its old epoch before the epoch is bumped.
    pub fn has_unresolved(&self) -> bool {
        self.queues
            .values()
            .flatten()
            .any(|b| b.header.is_some() && !b.resequence)
    }

    /// Every queued batch, emptying the queues and returning their memory (batches in flight
    /// keep theirs until answered).
    pub fn take_all(&mut self) -> Vec<ProducerBatch> {
        let batches: Vec<ProducerBatch> = std::mem::take(&mut self.queues)
            .into_values()
            .flatten()
            .collect();
        for batch in &batches {
            self.release(batch);
        }
        batches
    }

    /// Returns a completed batch's memory.
    pub fn release(&mut self, batch: &ProducerBatch) {
        self.used -= batch.reserved;
    }

    /// Removes and returns queued batches older than `deadline` allows.
    pub fn expire(&mut self, created_before: SimTime) -> Vec<ProducerBatch> {
        let mut expired = Vec::new();
        for queue in self.queues.values_mut() {
            while queue.front().is_some_and(|b| b.created < created_before) {
                expired.extend(queue.pop_front());
            }
        }
        self.queues.retain(|_, q| !q.is_empty());
        expired
    }

    /// Sequenced batches of `tp` still queued, by base sequence.
    pub fn queued_sequences(&self, tp: &TopicPartition) -> impl Iterator<Item = u32> + '_ {
        self.queues
            .get(tp)
            .into_iter()
            .flatten()
            .filter_map(|b| b.header.as_ref().map(|h| h.base_sequence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &str) -> Rc<RecordData> {
        Rc::new(RecordData::value(value))
    }

    #[test]
    fn records_share_a_batch_until_batch_size() {
        let mut acc = Accumulator::default();
        let tp = TopicPartition::new("t", 0);
        let size = record_size(&record(&"x".repeat(100)));
        assert_eq!(
            size, 107,
            "length, attributes, timestamp delta, offset delta, null key, 1+100 value, header count"
        );
        let appended: Vec<Appended> = (0..3)
            .map(|i| {
                acc.append(
                    &tp,
                    (record(&"x".repeat(100)), size),
                    i,
                    SimTime::ZERO,
                    (300, usize::MAX),
                )
                .expect("memory is unbounded")
            })
            .collect();
        let heads: Vec<(usize, usize)> = appended.iter().map(|a| (a.head.size, a.queued)).collect();
        let first = BATCH_OVERHEAD + size;
        assert_eq!(
            heads,
            vec![(first, 1), (first + size, 1), (first + size, 2)],
            "two records in the first batch, the third opens a second; the head is the first"
        );
        assert_eq!(
            appended.iter().map(|a| a.full).collect::<Vec<_>>(),
            vec![false, true, false],
            "full once a third record would not fit in 300 bytes"
        );
        let from_heads: Vec<(usize, usize)> = acc.heads().map(|(_, h, n)| (h.size, n)).collect();
        assert_eq!(
            from_heads,
            vec![(first + size, 2)],
            "heads() sees what append said"
        );
        assert_eq!(acc.used(), 600, "each batch reserves batch.size");
    }

    #[test]
    fn retried_sequenced_batches_go_back_in_sequence_order() {
        let mut acc = Accumulator::default();
        let tp = TopicPartition::new("t", 0);
        let batch = |seq: u32| ProducerBatch {
            tp: tp.clone(),
            records: vec![],
            operations: vec![],
            size: 0,
            reserved: 0,
            created: SimTime::ZERO,
            attempts: 1,
            retry_at: None,
            sent_leader_epoch: None,
            header: Some(Rc::new(BatchHeader {
                producer_id: Some(1),
                base_sequence: seq,
                record_count: 1,
                ..BatchHeader::default()
            })),
            resequence: false,
            last_error: None,
        };
        acc.reenqueue(batch(2));
        acc.reenqueue(batch(1));
        acc.reenqueue(batch(3));
        assert_eq!(acc.queued_sequences(&tp).collect::<Vec<_>>(), vec![1, 2, 3]);
    }
}
