//! Transactions (KIP-98), as Kafka 4.x runs them with `transaction.version=2` (KIP-890): the
//! transaction coordinator's state per `transactional.id`, what it writes to
//! `__transaction_state`, and the APIs between producer, coordinator and partition leaders.
//!
//! Choices, written down because Kafka changed them over versions:
//! - Every EndTxn bumps the producer epoch (KIP-890 part 2), and the COMMIT/ABORT markers
//!   carry the new epoch: a produce delayed from an ended transaction is fenced with
//!   INVALID_PRODUCER_EPOCH instead of joining the next one or leaving it hanging.
//! - The producer still registers each partition with AddPartitionsToTxn before its first
//!   batch there (the client path of transaction version 1); Kafka 4's implicit add by the
//!   partition leader is simplified away. The leader verifies that first batch with the
//!   coordinator (KIP-890 part 1, `broker/txn_verification.rs`), as Kafka 4 does for such
//!   clients, so a batch outliving its transaction is refused even where no marker fenced its
//!   epoch (a partition created since). Transactional offset commits are not verified.
//! - A timed-out transaction goes straight to PrepareAbort with the bumped epoch (Kafka passes
//!   through PrepareEpochFence on the way); the producer learns it from the next answer.

mod coordinator;
mod service;

pub(crate) use coordinator::{TransactionMetadata, TxnDecision};
pub(crate) use service::{
    Appended, TIMEOUT_CHECK_INTERVAL, TxnCoordinator, TxnHost, TxnPersisted, TxnSettings,
};

use crate::metadata::{MetadataImage, PartitionState};
use crate::protocol::{ControlType, TopicPartition};
pub(crate) use crate::protocol::{TxnLogRecord, TxnMessage, TxnState};

/// The internal topic holding every transaction's state.
pub(crate) const TRANSACTION_TOPIC: &str = "__transaction_state";

/// How long a coordinator's markers may wait for replication (`request.timeout.ms`).
pub(crate) const MARKER_TIMEOUT_MS: u64 = 30_000;

/// `Utils.abs(transactionalId.hashCode()) % transaction.state.log.num.partitions`.
pub(crate) fn transaction_partition_for(transactional_id: &str, partitions: u32) -> u32 {
    crate::group::partition_for_key(transactional_id, partitions)
}

/// The `__transaction_state` partition of `transactional_id` and its state, once the topic
/// exists; its leader is the transaction coordinator.
pub(crate) fn coordinator_partition<'a>(
    image: &'a MetadataImage,
    transactional_id: &str,
) -> Option<(TopicPartition, &'a PartitionState)> {
    crate::group::key_partition(image, TRANSACTION_TOPIC, transactional_id)
}

impl TxnState {
    /// The name `kafka-transactions.sh describe` prints.
    pub fn kafka_name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
        }
    }

    /// The marker a prepared transaction writes.
    pub fn marker(self) -> Option<ControlType> {
        match self {
            TxnState::PrepareCommit => Some(ControlType::Commit),
            TxnState::PrepareAbort => Some(ControlType::Abort),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coordinator_partition_follows_the_java_hash() {
        // kafka-reference.md §6: my-transactional-id → hashCode -959806496 → partition 46.
        assert_eq!(transaction_partition_for("my-transactional-id", 50), 46);
        assert_eq!(transaction_partition_for("polygenelubricants", 50), 0);
    }
}
