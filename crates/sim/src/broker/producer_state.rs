//! Idempotent-producer state of one partition replica (Kafka's `ProducerStateManager`): for each
//! producer id, its epoch and the metadata of its last 5 batches. A retried batch that matches
//! one of them is a duplicate, answered with the original offsets and not written again; a
//! sequence gap is `OUT_OF_ORDER_SEQUENCE_NUMBER`. Followers keep the same state from the
//! batches they replicate, so a new leader still recognises duplicates.
//!
//! It also indexes transactions as Kafka's `ProducerStateManager` and aborted-transaction index
//! do: the first offset of each producer's open transaction (the earliest one is the last
//! stable offset) and the offset ranges of aborted ones, which read_committed fetches return.

use crate::error::ErrorCode;
use crate::protocol::{BatchHeader, Record};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// Batches retained per producer (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`).
pub(crate) const BATCHES_RETAINED: usize = 5;

/// What a replica retains of one written batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMetadata {
    /// Sequence number of its first record.
    pub first_sequence: u32,
    /// Sequence number of its last record.
    pub last_sequence: u32,
    /// Offset of its first record.
    pub first_offset: u64,
}

#[derive(Clone, Debug, Default)]
struct Entry {
    epoch: u16,
    batches: VecDeque<BatchMetadata>,
}

/// What to do with an incoming batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Write it.
    Append,
    /// Already written: answer with these offsets.
    Duplicate {
        /// Where the original batch starts.
        base_offset: u64,
    },
    /// Refuse it.
    Reject(ErrorCode, String),
}

/// An aborted transaction's records on one partition (Kafka's `AbortedTxn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AbortedTxn {
    /// The producer.
    pub producer_id: u64,
    /// Its transaction's first offset here.
    pub first_offset: u64,
    /// The offset of the ABORT marker.
    pub last_offset: u64,
}

/// Producer state of one replica.
#[derive(Clone, Debug, Default)]
pub struct ProducerStates {
    producers: BTreeMap<u64, Entry>,
    /// Producer id → first offset of its open transaction on this partition.
    ongoing: BTreeMap<u64, u64>,
    aborted: Vec<AbortedTxn>,
}

impl ProducerStates {
    /// Checks a batch from an idempotent producer against what this replica has written.
    pub fn check(&self, header: &BatchHeader) -> SequenceCheck {
        let Some(producer_id) = header.producer_id else {
            return SequenceCheck::Append;
        };
        let Some(entry) = self.producers.get(&producer_id) else {
            // No state for the producer: any sequence is accepted.
            return SequenceCheck::Append;
        };
        let (first, last) = (header.base_sequence, header.last_sequence());
        if header.producer_epoch < entry.epoch {
            return SequenceCheck::Reject(
                ErrorCode::InvalidProducerEpoch,
                format!(
                    "Epoch of producer {producer_id} at offset is {}, which is smaller than the last seen epoch {}",
                    header.producer_epoch, entry.epoch
                ),
            );
        }
        if header.producer_epoch > entry.epoch {
            return if first == 0 {
                SequenceCheck::Append
            } else {
                SequenceCheck::Reject(
                    ErrorCode::OutOfOrderSequenceNumber,
                    format!(
                        "Invalid sequence number for new epoch of producer {producer_id}: {first} (request epoch), 0 (expected)"
                    ),
                )
            };
        }
        if let Some(original) = entry
            .batches
            .iter()
            .find(|b| b.first_sequence == first && b.last_sequence == last)
        {
            return SequenceCheck::Duplicate {
                base_offset: original.first_offset,
            };
        }
        let last_written = entry.batches.back().map(|b| b.last_sequence);
        match last_written {
            Some(previous) if previous.wrapping_add(1) != first => SequenceCheck::Reject(
                ErrorCode::OutOfOrderSequenceNumber,
                format!(
                    "Out of order sequence number for producer {producer_id}: {first} (incoming seq. number), {previous} (current end sequence number)"
                ),
            ),
            _ => SequenceCheck::Append,
        }
    }

    /// Whether a COMMIT or ABORT marker from the coordinator should be appended: not when it is
    /// from an older epoch than the producer's (fenced), nor a repeat of one already written
    /// (same epoch, nothing open).
    pub fn check_marker(&self, producer_id: u64, epoch: u16) -> Result<bool, ErrorCode> {
        match self.producers.get(&producer_id) {
            Some(entry) if epoch < entry.epoch => Err(ErrorCode::InvalidProducerEpoch),
            Some(entry) if epoch == entry.epoch && !self.ongoing.contains_key(&producer_id) => {
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    /// Whether `producer_id` has a transaction open here at `epoch`: its next batch joins it
    /// without the coordinator's verification.
    pub fn in_transaction(&self, producer_id: u64, epoch: u16) -> bool {
        self.ongoing.contains_key(&producer_id)
            && self
                .producers
                .get(&producer_id)
                .is_some_and(|e| e.epoch == epoch)
    }

    /// Whether a newer epoch of `producer_id` wrote here (a zombie's write is refused).
    pub fn is_fenced(&self, producer_id: u64, epoch: u16) -> bool {
        self.producers
            .get(&producer_id)
            .is_some_and(|entry| epoch < entry.epoch)
    }

    /// The first offset of the earliest open transaction, if any (bounds the LSO).
    pub fn first_unstable_offset(&self) -> Option<u64> {
        self.ongoing.values().copied().min()
    }

    /// Producers with a transaction open here, with its first offset.
    pub fn open_transactions(&self) -> &BTreeMap<u64, u64> {
        &self.ongoing
    }

    /// `(producer id, first offset)` of aborted transactions overlapping `[from, to)`.
    pub fn aborted_between(&self, from: u64, to: u64) -> Vec<(u64, u64)> {
        self.aborted
            .iter()
            .filter(|a| a.last_offset >= from && a.first_offset < to)
            .map(|a| (a.producer_id, a.first_offset))
            .collect()
    }

    /// The producer's epoch and retained batches, oldest first; for views and tests.
    pub fn batches(&self, producer_id: u64) -> Option<(u16, &VecDeque<BatchMetadata>)> {
        let entry = self.producers.get(&producer_id)?;
        Some((entry.epoch, &entry.batches))
    }

    /// Remembers a batch written at `first_offset`.
    pub fn record(&mut self, header: &BatchHeader, first_offset: u64) {
        let Some(producer_id) = header.producer_id else {
            return;
        };
        let entry = self.producers.entry(producer_id).or_default();
        if header.producer_epoch > entry.epoch {
            entry.batches.clear();
        }
        entry.epoch = header.producer_epoch;
        if let Some(control) = header.control {
            // A marker ends the producer's open transaction here; sequences restart with the
            // epoch it carries.
            if let Some(first) = self.ongoing.remove(&producer_id)
                && control == crate::protocol::ControlType::Abort
            {
                self.aborted.push(AbortedTxn {
                    producer_id,
                    first_offset: first,
                    last_offset: first_offset,
                });
            }
            return;
        }
        if header.transactional {
            self.ongoing.entry(producer_id).or_insert(first_offset);
        }
        entry.batches.push_back(BatchMetadata {
            first_sequence: header.base_sequence,
            last_sequence: header.last_sequence(),
            first_offset,
        });
        if entry.batches.len() > BATCHES_RETAINED {
            entry.batches.pop_front();
        }
    }

    /// Records the batches among `records` (consecutive records sharing a header form one).
    pub fn record_log<'a>(&mut self, records: impl IntoIterator<Item = &'a Record>) {
        let mut previous: Option<&Rc<BatchHeader>> = None;
        for record in records {
            if previous.is_none_or(|p| !Rc::ptr_eq(p, &record.batch)) {
                self.record(&record.batch, record.offset);
            }
            previous = Some(&record.batch);
        }
    }

    /// The state a log implies, after truncation rewrote its tail.
    pub fn rebuild<'a>(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut states = ProducerStates::default();
        states.record_log(records);
        states
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sequence: u32, count: u32, epoch: u16) -> BatchHeader {
        BatchHeader {
            producer_id: Some(7),
            producer_epoch: epoch,
            base_sequence: sequence,
            record_count: count,
            ..BatchHeader::default()
        }
    }

    #[test]
    fn transactions_bound_the_stable_offset_and_aborts_are_indexed() {
        use crate::protocol::ControlType;
        let mut states = ProducerStates::default();
        let txn = |producer_id: u64, epoch: u16, sequence: u32| BatchHeader {
            producer_id: Some(producer_id),
            producer_epoch: epoch,
            base_sequence: sequence,
            record_count: 1,
            transactional: true,
            control: None,
        };
        let marker = |producer_id: u64, epoch: u16, control| BatchHeader {
            producer_id: Some(producer_id),
            producer_epoch: epoch,
            record_count: 1,
            control: Some(control),
            ..BatchHeader::default()
        };
        states.record(&txn(1, 0, 0), 10);
        states.record(&txn(2, 0, 0), 11);
        states.record(&txn(1, 0, 1), 12);
        assert_eq!(states.first_unstable_offset(), Some(10));
        assert_eq!(states.check_marker(1, 1), Ok(true));
        states.record(&marker(1, 1, ControlType::Abort), 13);
        assert_eq!(states.first_unstable_offset(), Some(11));
        assert_eq!(states.check_marker(1, 1), Ok(false), "written already");
        assert_eq!(
            states.check_marker(1, 0),
            Err(ErrorCode::InvalidProducerEpoch)
        );
        assert!(
            matches!(
                states.check(&txn(1, 0, 2)),
                SequenceCheck::Reject(ErrorCode::InvalidProducerEpoch, _)
            ),
            "a delayed batch of the aborted transaction is fenced"
        );
        assert_eq!(states.check(&txn(1, 1, 0)), SequenceCheck::Append);
        states.record(&marker(2, 1, ControlType::Commit), 14);
        assert_eq!(states.first_unstable_offset(), None);
        assert_eq!(states.aborted_between(0, 20), vec![(1, 10)]);
        assert_eq!(states.aborted_between(14, 20), vec![]);
    }

    #[test]
    fn a_retried_batch_is_a_duplicate_with_its_original_offset() {
        let mut states = ProducerStates::default();
        states.record(&batch(0, 2, 0), 10);
        states.record(&batch(2, 3, 0), 12);
        assert_eq!(
            states.check(&batch(0, 2, 0)),
            SequenceCheck::Duplicate { base_offset: 10 }
        );
        assert_eq!(
            states.check(&batch(2, 3, 0)),
            SequenceCheck::Duplicate { base_offset: 12 }
        );
        assert_eq!(states.check(&batch(5, 1, 0)), SequenceCheck::Append);
    }

    #[test]
    fn gaps_and_old_epochs_are_refused() {
        let mut states = ProducerStates::default();
        states.record(&batch(0, 1, 1), 0);
        assert!(matches!(
            states.check(&batch(2, 1, 1)),
            SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber, _)
        ));
        assert!(matches!(
            states.check(&batch(1, 1, 0)),
            SequenceCheck::Reject(ErrorCode::InvalidProducerEpoch, _)
        ));
        assert!(matches!(
            states.check(&batch(3, 1, 2)),
            SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber, _)
        ));
        assert_eq!(
            states.check(&batch(0, 1, 2)),
            SequenceCheck::Append,
            "a new epoch starts at 0"
        );
    }

    #[test]
    fn only_the_last_five_batches_are_remembered() {
        let mut states = ProducerStates::default();
        for i in 0..6 {
            states.record(&batch(i, 1, 0), u64::from(i));
        }
        assert!(matches!(
            states.check(&batch(0, 1, 0)),
            SequenceCheck::Reject(ErrorCode::OutOfOrderSequenceNumber, _)
        ));
        assert_eq!(
            states.check(&batch(1, 1, 0)),
            SequenceCheck::Duplicate { base_offset: 1 }
        );
    }

    #[test]
    fn unknown_producers_may_start_anywhere_and_plain_batches_always_append() {
        let states = ProducerStates::default();
        assert_eq!(states.check(&batch(42, 1, 0)), SequenceCheck::Append);
        assert_eq!(states.check(&BatchHeader::default()), SequenceCheck::Append);
    }
}
