//! The transaction APIs (KIP-98), each with a named request and response, and the records of
//! `__transaction_state` (`TransactionLogKey`/`Value`). The `txn` module gives the state its
//! behaviour.

use super::{ApiBody, ApiKey, ApiMessage, ControlType, Extension, Message, TopicPartition};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

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

/// The transaction APIs
pub(crate) type TxnMessage = ApiMessage<TxnRequest, TxnResponse>;

/// The stream the trace fingerprints were fixed with, before messages had a header: the index
/// the request or response had in one flat enum (InitProducerId's answer is
/// `Message::InitProducerIdResponse`), the correlation id, then the body's fields. Keep it
/// so: every trace hash depends on it.
impl Hash for TxnMessage {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            TxnMessage::Request(header, body) => {
                let id = header.correlation_id;
                match body {
                    TxnRequest::InitProducerId(b) => (0isize, id, b).hash(state),
                    TxnRequest::AddPartitionsToTxn(b) => (1isize, id, b).hash(state),
                    TxnRequest::AddOffsetsToTxn(b) => (3isize, id, b).hash(state),
                    TxnRequest::EndTxn(b) => (5isize, id, b).hash(state),
                    TxnRequest::WriteTxnMarkers(b) => (7isize, id, b).hash(state),
                }
            }
            TxnMessage::Response(header, body) => {
                let id = header.correlation_id;
                match body {
                    TxnResponse::AddPartitionsToTxn(b) => (2isize, id, b).hash(state),
                    TxnResponse::AddOffsetsToTxn(b) => (4isize, id, b).hash(state),
                    TxnResponse::EndTxn(b) => (6isize, id, b).hash(state),
                    TxnResponse::WriteTxnMarkers(b) => (8isize, id, b).hash(state),
                }
            }
        }
    }
}

impl From<TxnMessage> for Message {
    fn from(message: TxnMessage) -> Self {
        Message::Txn(Box::new(message))
    }
}

/// The body of a transaction request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TxnRequest {
    /// InitProducerId with a `transactional.id`: fences older instances (epoch bump) and
    /// aborts what they left open. Answered with `Message::InitProducerIdResponse`.
    InitProducerId(InitProducerIdRequest),
    /// AddPartitionsToTxn: these partitions join the open transaction.
    AddPartitionsToTxn(AddPartitionsToTxnRequest),
    /// AddOffsetsToTxn: the group's `__consumer_offsets` partition joins the transaction, so
    /// its markers reach the offsets sent with TxnOffsetCommit.
    AddOffsetsToTxn(AddOffsetsToTxnRequest),
    /// EndTxn: commit or abort.
    EndTxn(EndTxnRequest),
    /// WriteTxnMarkers: the coordinator asks a partition leader to append a marker.
    WriteTxnMarkers(WriteTxnMarkersRequest),
}

impl ApiBody for TxnRequest {
    fn api(&self) -> ApiKey {
        match self {
            TxnRequest::InitProducerId(_) => ApiKey::InitProducerId,
            TxnRequest::AddPartitionsToTxn(_) => ApiKey::AddPartitionsToTxn,
            TxnRequest::AddOffsetsToTxn(_) => ApiKey::AddOffsetsToTxn,
            TxnRequest::EndTxn(_) => ApiKey::EndTxn,
            TxnRequest::WriteTxnMarkers(_) => ApiKey::WriteTxnMarkers,
        }
    }
}

/// The body of a transaction API's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Each answers the request of its name.
pub enum TxnResponse {
    AddPartitionsToTxn(AddPartitionsToTxnResponse),
    AddOffsetsToTxn(AddOffsetsToTxnResponse),
    EndTxn(EndTxnResponse),
    WriteTxnMarkers(WriteTxnMarkersResponse),
}

impl ApiBody for TxnResponse {
    fn api(&self) -> ApiKey {
        match self {
            TxnResponse::AddPartitionsToTxn(_) => ApiKey::AddPartitionsToTxn,
            TxnResponse::AddOffsetsToTxn(_) => ApiKey::AddOffsetsToTxn,
            TxnResponse::EndTxn(_) => ApiKey::EndTxn,
            TxnResponse::WriteTxnMarkers(_) => ApiKey::WriteTxnMarkers,
        }
    }
}

/// InitProducerId's body with a `transactional.id` (the idempotent producer's, without one,
/// is `Message::InitProducerId`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InitProducerIdRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// `transaction.timeout.ms`.
    pub transaction_timeout_ms: u64,
}

/// AddPartitionsToTxn's body.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddPartitionsToTxnRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// Its producer id.
    pub producer_id: u64,
    /// Its epoch.
    pub producer_epoch: u16,
    /// The partitions joining the transaction.
    pub partitions: Vec<TopicPartition>,
    /// Sent by a partition leader (KIP-890, version 4's `VerifyOnly`): are these partitions in
    /// the open transaction? Nothing is added.
    #[serde(default)]
    pub verify_only: Extension<bool>,
}

/// One error for a producer's request (every partition shares it); a leader's verification is
/// answered per partition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddPartitionsToTxnResponse {
    /// The error.
    pub error: ErrorCode,
    /// A verification's answer for each partition asked about.
    #[serde(default)]
    pub partitions: Extension<Vec<(TopicPartition, ErrorCode)>>,
}

/// AddOffsetsToTxn's body.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddOffsetsToTxnRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// Its producer id.
    pub producer_id: u64,
    /// Its epoch.
    pub producer_epoch: u16,
    /// The consumer group whose offsets the transaction commits.
    pub group_id: String,
}

/// The coordinator's answer to AddOffsetsToTxn.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AddOffsetsToTxnResponse {
    /// The error.
    pub error: ErrorCode,
}

/// EndTxn's body.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EndTxnRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// Its producer id.
    pub producer_id: u64,
    /// Its epoch.
    pub producer_epoch: u16,
    /// Commit (true) or abort.
    pub committed: bool,
}

/// With transaction version 2 the answer carries the bumped epoch for the next transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EndTxnResponse {
    /// The error.
    pub error: ErrorCode,
    /// The producer id.
    pub producer_id: u64,
    /// The epoch for the next transaction.
    pub producer_epoch: u16,
}

/// WriteTxnMarkers's body: one producer's marker for these partitions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriteTxnMarkersRequest {
    /// The producer id.
    pub producer_id: u64,
    /// Its epoch.
    pub producer_epoch: u16,
    /// COMMIT or ABORT.
    pub control: ControlType,
    /// The partitions the receiving broker leads.
    pub partitions: Vec<TopicPartition>,
}

/// Per partition: written (and replicated), or why not.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriteTxnMarkersResponse {
    /// Each partition with its error.
    pub partitions: Vec<(TopicPartition, ErrorCode)>,
}

/// InitProducerId's body without a `transactional.id`: an idempotent producer asks for its
/// producer id and epoch; with its current id and epoch (KIP-360) it asks for the epoch to be
/// bumped. Any broker answers it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProducerIdRequest {
    /// The producer id and epoch to bump, after a sequence gap (KIP-360).
    pub current: Option<(u64, u16)>,
}

/// The id and epoch to stamp on every batch (the answer with or without a `transactional.id`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InitProducerIdResponse {
    /// `NONE`, or why there is no id.
    pub error: ErrorCode,
    /// The producer id.
    pub producer_id: u64,
    /// The producer epoch.
    pub producer_epoch: u16,
}
