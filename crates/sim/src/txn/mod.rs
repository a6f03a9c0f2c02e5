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
//!   partition leader is simplified away. Both keep a batch out of the log until its partition
//!   is in the transaction.
//! - A timed-out transaction goes straight to PrepareAbort with the bumped epoch (Kafka passes
//!   through PrepareEpochFence on the way); the producer learns it from the next answer.

mod coordinator;

pub use coordinator::{TransactionMetadata, TxnDecision};

use crate::error::ErrorCode;
use crate::metadata::{MetadataImage, PartitionState};
use crate::protocol::{ControlType, TopicPartition};
use serde::{Deserialize, Serialize};

/// The internal topic holding every transaction's state.
pub const TRANSACTION_TOPIC: &str = "__transaction_state";

/// `Utils.abs(transactionalId.hashCode()) % transaction.state.log.num.partitions`.
pub fn transaction_partition_for(transactional_id: &str, partitions: u32) -> u32 {
    crate::group::partition_for_key(transactional_id, partitions)
}

/// The `__transaction_state` partition of `transactional_id` and its state, once the topic
/// exists; its leader is the transaction coordinator.
pub fn coordinator_partition<'a>(
    image: &'a MetadataImage,
    transactional_id: &str,
) -> Option<(TopicPartition, &'a PartitionState)> {
    crate::group::key_partition(image, TRANSACTION_TOPIC, transactional_id)
}

/// A transaction's state (`TransactionState` in Kafka).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TxnState {
    /// No transaction open.
    Empty,
    /// Partitions were added; records may be in their logs.
    Ongoing,
    /// The producer asked to commit; markers are being written.
    PrepareCommit,
    /// The producer (or a timeout, or a new instance) asked to abort; markers are being written.
    PrepareAbort,
    /// Every COMMIT marker is written.
    CompleteCommit,
    /// Every ABORT marker is written.
    CompleteAbort,
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

/// One record of `__transaction_state` (Kafka's `TransactionLogKey`/`Value`): a new coordinator
/// rebuilds each transaction from the last one written for its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TxnLogRecord {
    /// The `transactional.id`.
    pub transactional_id: String,
    /// Its producer id.
    pub producer_id: u64,
    /// Its current epoch.
    pub producer_epoch: u16,
    /// `transaction.timeout.ms` the producer asked for.
    pub timeout_ms: u64,
    /// The state.
    pub state: TxnState,
    /// The partitions in the transaction.
    pub partitions: Vec<TopicPartition>,
    /// When the transaction started (virtual ms), for its timeout.
    pub start_ms: u64,
}

/// The transaction APIs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Fields carry Kafka's field names; each variant says what it is.
pub enum TxnMessage {
    /// InitProducerId with a `transactional.id`: fences older instances (epoch bump) and
    /// aborts what they left open. Answered with `Message::InitProducerIdResponse`.
    InitProducerId {
        correlation_id: u64,
        transactional_id: String,
        transaction_timeout_ms: u64,
    },
    /// AddPartitionsToTxn: these partitions join the open transaction.
    AddPartitionsToTxn {
        correlation_id: u64,
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        partitions: Vec<TopicPartition>,
    },
    /// One error for the whole request (every partition shares it here).
    AddPartitionsToTxnResponse {
        correlation_id: u64,
        error: ErrorCode,
    },
    /// AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction, so
    /// its markers reach the offsets sent with TxnOffsetCommit.
    AddOffsetsToTxn {
        correlation_id: u64,
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        group_id: String,
    },
    /// The coordinator's answer.
    AddOffsetsToTxnResponse {
        correlation_id: u64,
        error: ErrorCode,
    },
    /// EndTxn: commit (true) or abort.
    EndTxn {
        correlation_id: u64,
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        committed: bool,
    },
    /// With transaction version 2 the answer carries the bumped epoch for the next transaction.
    EndTxnResponse {
        correlation_id: u64,
        error: ErrorCode,
        producer_id: u64,
        producer_epoch: u16,
    },
    /// WriteTxnMarkers: the coordinator asks a partition leader to append a marker.
    WriteTxnMarkers {
        correlation_id: u64,
        producer_id: u64,
        producer_epoch: u16,
        control: ControlType,
        partitions: Vec<TopicPartition>,
    },
    /// Per partition: written (and replicated), or why not.
    WriteTxnMarkersResponse {
        correlation_id: u64,
        partitions: Vec<(TopicPartition, ErrorCode)>,
    },
}

impl TxnMessage {
    /// The Kafka API name.
    pub fn api_name(&self) -> &'static str {
        match self {
            TxnMessage::InitProducerId { .. } => "InitProducerId",
            TxnMessage::AddPartitionsToTxn { .. }
            | TxnMessage::AddPartitionsToTxnResponse { .. } => "AddPartitionsToTxn",
            TxnMessage::AddOffsetsToTxn { .. } | TxnMessage::AddOffsetsToTxnResponse { .. } => {
                "AddOffsetsToTxn"
            }
            TxnMessage::EndTxn { .. } | TxnMessage::EndTxnResponse { .. } => "EndTxn",
            TxnMessage::WriteTxnMarkers { .. } | TxnMessage::WriteTxnMarkersResponse { .. } => {
                "WriteTxnMarkers"
            }
        }
    }

    /// The correlation id it carries.
    pub fn correlation_id(&self) -> u64 {
        match self {
            TxnMessage::InitProducerId { correlation_id, .. }
            | TxnMessage::AddPartitionsToTxn { correlation_id, .. }
            | TxnMessage::AddPartitionsToTxnResponse { correlation_id, .. }
            | TxnMessage::AddOffsetsToTxn { correlation_id, .. }
            | TxnMessage::AddOffsetsToTxnResponse { correlation_id, .. }
            | TxnMessage::EndTxn { correlation_id, .. }
            | TxnMessage::EndTxnResponse { correlation_id, .. }
            | TxnMessage::WriteTxnMarkers { correlation_id, .. }
            | TxnMessage::WriteTxnMarkersResponse { correlation_id, .. } => *correlation_id,
        }
    }

    /// Whether it is a response.
    pub fn is_response(&self) -> bool {
        matches!(
            self,
            TxnMessage::AddPartitionsToTxnResponse { .. }
                | TxnMessage::AddOffsetsToTxnResponse { .. }
                | TxnMessage::EndTxnResponse { .. }
                | TxnMessage::WriteTxnMarkersResponse { .. }
        )
    }
}

impl From<TxnMessage> for crate::protocol::Message {
    fn from(message: TxnMessage) -> Self {
        crate::protocol::Message::Txn(Box::new(message))
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
