//! The requests a client sends to find its way around the cluster (Kafka's
//! `MetadataRequestData`, `FindCoordinatorRequestData`) and to find offsets by position or time
//! (`ListOffsetsRequestData`), with their answers. Each travels as a [`Message`] variant beside
//! a [`RequestHeader`] or [`ResponseHeader`]; the bodies keep the fields in the order the
//! trace fingerprints were fixed with (a body hashes as the fields that followed the
//! correlation id).
//!
//! [`Message`]: super::Message
//! [`RequestHeader`]: super::RequestHeader
//! [`ResponseHeader`]: super::ResponseHeader

use super::{BrokerId, PartitionState};
use super::{Extension, TopicPartition};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// The broker's view of every partition (`MetadataResponseData`'s topics).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MetadataResponse {
    /// Every partition with its leader, epoch, replicas and ISR.
    pub partitions: Vec<(TopicPartition, PartitionState)>,
    /// Each topic's id, by name (Metadata v10+, KIP-516): consumers send it with their fetches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topic_ids: Vec<(Rc<str>, super::TopicId)>,
}

/// What a FindCoordinator key names (Kafka's `FindCoordinatorRequest.CoordinatorType`, sent as
/// `key_type`: 0 and 1). A share group's coordinator is a group coordinator here, so Kafka's
/// SHARE (2), the share coordinator of share-partition state, is never asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CoordinatorType {
    /// A group id: its group coordinator (an `__consumer_offsets` partition's leader).
    Group = 0,
    /// A transactional id: its transaction coordinator (a `__transaction_state` partition's
    /// leader).
    Transaction = 1,
}

/// FindCoordinator: which broker coordinates a group or a transactional id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FindCoordinatorRequest {
    /// What `key` names (hashed as the wire's int8 was, so every trace keeps its hash).
    pub key_type: CoordinatorType,
    /// The group id or transactional id.
    pub key: String,
}

/// The coordinator's broker id, or why there is none yet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FindCoordinatorResponse {
    /// `NONE`, COORDINATOR_NOT_AVAILABLE, ...
    pub error: ErrorCode,
    /// The coordinator, when there is one.
    pub coordinator: Option<BrokerId>,
}

/// ListOffsets: the earliest (-2) or latest (-1) offset of partitions, or the first offset
/// whose timestamp is at least the given one (`offsetsForTimes`), from their leader.
/// `read_committed` is the request's `isolation_level` (READ_COMMITTED = 1): the latest offset
/// is then the last stable offset, not the high watermark.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListOffsetsRequest {
    /// Each partition with its timestamp (or -1, -2).
    pub partitions: Vec<(TopicPartition, i64)>,
    /// `isolation_level`.
    pub read_committed: Extension<bool>,
}

/// The offset per partition, or the error. For a timestamp query the offset is that of the
/// record found and `found` has `(offset, timestamp)` of each record found; a partition with
/// no record at or after the timestamp is answered offset -1 in Kafka, and here simply left
/// out of `found`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListOffsetsResponse {
    /// Each partition with its error and offset.
    pub partitions: Vec<(TopicPartition, ErrorCode, u64)>,
    /// `(partition, offset, timestamp)` of each record a timestamp query found.
    pub found: Extension<Vec<(TopicPartition, u64, u64)>>,
}
