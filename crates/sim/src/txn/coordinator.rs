//! One transactional id's state at its coordinator (Kafka's `TransactionMetadata`) and the
//! transitions each request asks for. Nothing here sends or writes: the broker persists each
//! transition to `__transaction_state` and acts once the high watermark covers it.

use super::{TxnLogRecord, TxnState};
use crate::error::ErrorCode;
use crate::protocol::TopicPartition;
use serde::Serialize;
use std::collections::BTreeSet;

/// What the coordinator knows of one transactional id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct TransactionMetadata {
    /// The `transactional.id`.
    pub transactional_id: String,
    /// Its producer id.
    pub producer_id: u64,
    /// Its current epoch; older ones are fenced.
    pub producer_epoch: u16,
    /// `transaction.timeout.ms`.
    pub timeout_ms: u64,
    /// The state.
    pub state: TxnState,
    /// The partitions in the open (or ending) transaction.
    pub partitions: BTreeSet<TopicPartition>,
    /// When the open transaction started (virtual ms).
    pub start_ms: u64,
    /// A transition is being written: requests meanwhile get CONCURRENT_TRANSACTIONS.
    pub writing: bool,
    /// Partitions whose marker is not yet acknowledged.
    pub pending_markers: BTreeSet<TopicPartition>,
}

/// What an EndTxn leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxnDecision {
    /// Persist the prepared state, answer, then write the markers.
    Prepare,
    /// Nothing was added: persist the completed state and answer.
    CompleteEmpty,
    /// A retry of an EndTxn already decided (its answer was lost): answer with the current
    /// epoch.
    AlreadyDone,
}

impl TransactionMetadata {
    /// A new transactional id with its producer id, at epoch 0.
    pub(crate) fn new(transactional_id: &str, producer_id: u64, timeout_ms: u64) -> Self {
        TransactionMetadata {
            transactional_id: transactional_id.to_owned(),
            producer_id,
            producer_epoch: 0,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            start_ms: 0,
            writing: false,
            pending_markers: BTreeSet::new(),
        }
    }

    /// The record that persists this state.
    pub(crate) fn to_record(&self) -> TxnLogRecord {
        TxnLogRecord {
            transactional_id: self.transactional_id.clone(),
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            timeout_ms: self.timeout_ms,
            state: self.state,
            partitions: self.partitions.iter().cloned().collect(),
            start_ms: self.start_ms,
        }
    }

    /// The state a loaded record describes; a prepared transaction still owes its markers.
    pub(crate) fn from_record(record: &TxnLogRecord) -> Self {
        let partitions: BTreeSet<TopicPartition> = record.partitions.iter().cloned().collect();
        let pending_markers = if record.state.marker().is_some() {
            partitions.clone()
        } else {
            BTreeSet::new()
        };
        TransactionMetadata {
            transactional_id: record.transactional_id.clone(),
            producer_id: record.producer_id,
            producer_epoch: record.producer_epoch,
            timeout_ms: record.timeout_ms,
            state: record.state,
            partitions,
            start_ms: record.start_ms,
            writing: false,
            pending_markers,
        }
    }

    fn busy(&self) -> bool {
        self.writing || self.state.marker().is_some()
    }

    fn check_producer(&self, producer_id: u64, epoch: u16) -> Result<(), ErrorCode> {
        if producer_id != self.producer_id {
            Err(ErrorCode::InvalidProducerIdMapping)
        } else if epoch < self.producer_epoch {
            Err(ErrorCode::ProducerFenced)
        } else if epoch > self.producer_epoch {
            Err(ErrorCode::InvalidProducerEpoch)
        } else {
            Ok(())
        }
    }

    /// InitProducerId from a (new) instance. `Ok(true)`: the epoch was bumped and the state
    /// is Empty; persist, then answer. `Ok(false)`: a transaction was open, so it is being
    /// aborted under a bumped epoch (persist, then write markers) and the producer is told
    /// CONCURRENT_TRANSACTIONS to ask again.
    pub(crate) fn init(&mut self, timeout_ms: u64) -> Result<bool, ErrorCode> {
        if self.busy() {
            return Err(ErrorCode::ConcurrentTransactions);
        }
        self.producer_epoch += 1;
        if self.state == TxnState::Ongoing {
            self.state = TxnState::PrepareAbort;
            self.pending_markers = self.partitions.clone();
            return Ok(false);
        }
        self.timeout_ms = timeout_ms;
        self.state = TxnState::Empty;
        self.partitions.clear();
        Ok(true)
    }

    /// AddPartitionsToTxn. `Ok(true)` when the state changed and must be persisted.
    pub(crate) fn add_partitions(
        &mut self,
        producer_id: u64,
        epoch: u16,
        partitions: &[TopicPartition],
        now_ms: u64,
    ) -> Result<bool, ErrorCode> {
        self.check_producer(producer_id, epoch)?;
        if self.busy() {
            return Err(ErrorCode::ConcurrentTransactions);
        }
        if self.state == TxnState::Ongoing && partitions.iter().all(|p| self.partitions.contains(p))
        {
            return Ok(false);
        }
        if self.state != TxnState::Ongoing {
            self.start_ms = now_ms;
            self.partitions.clear();
        }
        self.state = TxnState::Ongoing;
        self.partitions.extend(partitions.iter().cloned());
        Ok(true)
    }

    /// A partition leader's question (Kafka's `handleVerifyPartitionsInTransaction`, in its
    /// order of checks): is each of `partitions` in this producer's open transaction? A
    /// prepared transaction takes no new batches; a partition not added is
    /// TRANSACTION_ABORTABLE. A transition still being written is not waited for, as in Kafka:
    /// the producer adds a partition and hears back only once that is written.
    pub(crate) fn verify(
        &self,
        producer_id: u64,
        epoch: u16,
        partitions: &[TopicPartition],
    ) -> Vec<(TopicPartition, ErrorCode)> {
        let refused = if producer_id != self.producer_id {
            Some(ErrorCode::InvalidProducerIdMapping)
        } else if epoch != self.producer_epoch {
            Some(ErrorCode::ProducerFenced)
        } else if self.state.marker().is_some() {
            Some(ErrorCode::ConcurrentTransactions)
        } else {
            None
        };
        let answer = |tp: &TopicPartition| match refused {
            Some(error) => error,
            None if self.partitions.contains(tp) => ErrorCode::None,
            None => ErrorCode::TransactionAbortable,
        };
        partitions
            .iter()
            .map(|tp| (tp.clone(), answer(tp)))
            .collect()
    }

    /// EndTxn: commit or abort. The epoch is bumped at once (transaction version 2).
    pub(crate) fn end(
        &mut self,
        producer_id: u64,
        epoch: u16,
        committed: bool,
    ) -> Result<TxnDecision, ErrorCode> {
        if producer_id != self.producer_id {
            return Err(ErrorCode::InvalidProducerIdMapping);
        }
        let (prepare, complete) = if committed {
            (TxnState::PrepareCommit, TxnState::CompleteCommit)
        } else {
            (TxnState::PrepareAbort, TxnState::CompleteAbort)
        };
        // Nothing is answered from a state still being written: the write may fail.
        if self.writing {
            return Err(ErrorCode::ConcurrentTransactions);
        }
        // The same request again, after the bump: its first attempt decided it.
        if epoch.checked_add(1) == Some(self.producer_epoch)
            && (self.state == prepare || self.state == complete)
        {
            return Ok(TxnDecision::AlreadyDone);
        }
        self.check_producer(producer_id, epoch)?;
        match self.state {
            TxnState::Ongoing => {
                self.producer_epoch += 1;
                self.state = prepare;
                self.pending_markers = self.partitions.clone();
                Ok(TxnDecision::Prepare)
            }
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                self.producer_epoch += 1;
                self.state = complete;
                self.partitions.clear();
                Ok(TxnDecision::CompleteEmpty)
            }
            TxnState::PrepareCommit | TxnState::PrepareAbort => {
                Err(ErrorCode::ConcurrentTransactions)
            }
        }
    }

    /// Whether an open transaction ran past `transaction.timeout.ms`.
    pub(crate) fn expired(&self, now_ms: u64) -> bool {
        self.state == TxnState::Ongoing
            && !self.writing
            && now_ms.saturating_sub(self.start_ms) > self.timeout_ms
    }

    /// The coordinator aborts a timed-out transaction, fencing its producer's epoch.
    pub(crate) fn abort_for_timeout(&mut self) {
        self.producer_epoch += 1;
        self.state = TxnState::PrepareAbort;
        self.pending_markers = self.partitions.clone();
    }

    /// Every marker was written: the transaction is over.
    pub(crate) fn complete(&mut self) {
        self.state = match self.state {
            TxnState::PrepareCommit => TxnState::CompleteCommit,
            TxnState::PrepareAbort => TxnState::CompleteAbort,
            other => other,
        };
        self.partitions.clear();
        self.pending_markers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: u32) -> TopicPartition {
        TopicPartition::new("orders", p)
    }

    #[test]
    fn a_commit_bumps_the_epoch_and_a_retry_is_recognised() {
        let mut txn = TransactionMetadata::new("t", 7, 60_000);
        assert_eq!(txn.init(60_000), Ok(true));
        assert_eq!(txn.producer_epoch, 1);
        assert_eq!(txn.add_partitions(7, 1, &[tp(0)], 10), Ok(true));
        assert_eq!(txn.add_partitions(7, 1, &[tp(0)], 20), Ok(false));
        assert_eq!(txn.end(7, 1, true), Ok(TxnDecision::Prepare));
        assert_eq!(
            (txn.state, txn.producer_epoch),
            (TxnState::PrepareCommit, 2)
        );
        assert_eq!(txn.end(7, 1, true), Ok(TxnDecision::AlreadyDone));
        assert_eq!(
            txn.add_partitions(7, 2, &[tp(1)], 30),
            Err(ErrorCode::ConcurrentTransactions),
            "no new transaction while markers are written"
        );
        txn.complete();
        assert_eq!(txn.add_partitions(7, 2, &[tp(1)], 30), Ok(true));
        assert_eq!(txn.partitions.len(), 1, "a new transaction starts empty");
    }

    /// Kafka's `TransactionCoordinatorTest.testVerifyPartitionHandling`, check by check.
    #[test]
    fn a_verification_answers_as_kafkas_coordinator_does() {
        let mut txn = TransactionMetadata::new("t", 7, 60_000);
        txn.add_partitions(7, 0, &[tp(0)], 0).expect("added");
        let errors = |txn: &TransactionMetadata, producer_id, epoch| -> Vec<ErrorCode> {
            let answers = txn.verify(producer_id, epoch, &[tp(0), tp(1)]);
            answers.into_iter().map(|(_, error)| error).collect()
        };
        use ErrorCode::*;
        assert_eq!(errors(&txn, 8, 0), [InvalidProducerIdMapping; 2]);
        assert_eq!(errors(&txn, 7, 1), [ProducerFenced; 2], "another epoch");
        assert_eq!(
            errors(&txn, 7, 0),
            [None, TransactionAbortable],
            "only the partition added is in the transaction"
        );
        assert_eq!(txn.end(7, 0, false), Ok(TxnDecision::Prepare));
        assert_eq!(errors(&txn, 7, 1), [ConcurrentTransactions; 2]);
        txn.complete();
        assert_eq!(
            errors(&txn, 7, 1),
            [TransactionAbortable; 2],
            "an ended transaction holds no partition"
        );
    }

    #[test]
    fn old_epochs_are_fenced() {
        let mut txn = TransactionMetadata::new("t", 7, 60_000);
        txn.add_partitions(7, 0, &[tp(0)], 0).expect("added");
        assert_eq!(
            txn.init(60_000),
            Ok(false),
            "an open transaction is aborted"
        );
        assert_eq!(txn.state, TxnState::PrepareAbort);
        assert_eq!(
            txn.pending_markers.len(),
            1,
            "its partition is owed a marker"
        );
        assert_eq!(
            txn.add_partitions(7, 0, &[tp(0)], 0),
            Err(ErrorCode::ProducerFenced)
        );
        assert_eq!(txn.end(7, 0, true), Err(ErrorCode::ProducerFenced));
        assert_eq!(
            txn.end(8, 1, true),
            Err(ErrorCode::InvalidProducerIdMapping)
        );
    }

    #[test]
    fn a_timed_out_transaction_is_aborted_and_its_producer_may_only_abort() {
        let mut txn = TransactionMetadata::new("t", 7, 1_000);
        txn.add_partitions(7, 0, &[tp(0)], 0).expect("added");
        assert!(!txn.expired(1_000));
        assert!(txn.expired(1_001));
        txn.abort_for_timeout();
        assert_eq!(txn.end(7, 0, true), Err(ErrorCode::ProducerFenced));
        assert_eq!(txn.end(7, 0, false), Ok(TxnDecision::AlreadyDone));
    }
}
