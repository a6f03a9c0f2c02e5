//! The transaction APIs (KIP-98) and the records of `__transaction_state`
//! (`TransactionLogKey`/`Value`). The `txn` module gives the state its behaviour.

use super::{ControlType, Message, TopicPartition};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

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

impl From<TxnMessage> for Message {
    fn from(message: TxnMessage) -> Self {
        Message::Txn(Box::new(message))
    }
}
