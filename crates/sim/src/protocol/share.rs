//! Share groups' APIs (KIP-932): ShareGroupHeartbeat to the group coordinator, ShareFetch and
//! ShareAcknowledge to each partition's leader. A share group has no partition owner: the
//! leader hands records out under a time-limited lock to whichever member fetches, and each
//! member acknowledges what it got, record by record.

use super::{Record, TopicPartition};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// ShareGroupHeartbeat's body (Kafka's `ShareGroupHeartbeatRequestData`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShareGroupHeartbeatRequest {
    /// `group.id`.
    pub group_id: String,
    /// Chosen by the consumer (KIP-1082) and kept across its rejoins.
    pub member_id: String,
    /// 0 to join, -1 to leave, else the epoch the member is at.
    pub member_epoch: i32,
    /// The subscribed topics, when they changed or the member joins.
    pub subscribed_topic_names: Option<Vec<String>>,
}

/// The coordinator's answer: the member's epoch, when to heartbeat next, and its assignment
/// when it changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShareGroupHeartbeatResponse {
    /// `NONE`, FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, NOT_COORDINATOR, ...
    pub error: ErrorCode,
    /// The error's message, where Kafka gives one.
    pub error_message: Option<String>,
    /// The member id.
    pub member_id: String,
    /// The member's epoch now.
    pub member_epoch: i32,
    /// `group.share.heartbeat.interval.ms`.
    pub heartbeat_interval_ms: u64,
    /// The partitions the member fetches from now on; none when unchanged.
    pub assignment: Option<Vec<TopicPartition>>,
}

impl ShareGroupHeartbeatResponse {
    /// An answer that carries only an error.
    pub fn error(error: ErrorCode, member_id: &str, member_epoch: i32) -> Self {
        ShareGroupHeartbeatResponse {
            error,
            error_message: None,
            member_id: member_id.to_owned(),
            member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }
}

/// How a member acknowledges a record it acquired (`AcknowledgeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcknowledgeType {
    /// Processed: never delivered again (1).
    Accept,
    /// Not processed: deliver it again, to anyone, if its delivery count allows (2).
    Release,
    /// Unprocessable: never delivered again (3).
    Reject,
}

impl AcknowledgeType {
    /// Kafka's name, as `AcknowledgeType.toString()` prints it.
    pub fn name(self) -> &'static str {
        match self {
            AcknowledgeType::Accept => "ACCEPT",
            AcknowledgeType::Release => "RELEASE",
            AcknowledgeType::Reject => "REJECT",
        }
    }
}

/// A range of offsets acknowledged the same way (`AcknowledgementBatch`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AcknowledgementBatch {
    /// The first offset.
    pub first_offset: u64,
    /// The last offset, inclusive.
    pub last_offset: u64,
    /// How.
    pub acknowledge_type: AcknowledgeType,
}

/// One partition of a ShareFetch or ShareAcknowledge request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SharePartitionRequest {
    /// Which partition.
    pub tp: TopicPartition,
    /// What the member acknowledges of what it acquired before.
    pub acknowledgements: Vec<AcknowledgementBatch>,
}

/// ShareFetch's body (Kafka's `ShareFetchRequestData`): acknowledge, then acquire.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShareFetchRequest {
    /// `group.id`.
    pub group_id: String,
    /// The member's id.
    pub member_id: String,
    /// 0 opens the share session, then one more per request; -1 closes it (ShareAcknowledge
    /// only).
    pub share_session_epoch: i32,
    /// `max.poll.records`: at most this many records are acquired.
    pub max_records: u32,
    /// The partitions, each with its acknowledgements.
    pub partitions: Vec<SharePartitionRequest>,
}

/// A range of offsets acquired with the same delivery count (`AcquiredRecords`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AcquiredRecords {
    /// The first offset.
    pub first_offset: u64,
    /// The last offset, inclusive.
    pub last_offset: u64,
    /// How many times these records have now been delivered, this time included.
    pub delivery_count: u16,
}

/// One partition of a ShareFetch response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShareFetchedPartition {
    /// Which partition.
    pub tp: TopicPartition,
    /// `NONE` or why nothing was acquired (NOT_LEADER_OR_FOLLOWER, ...).
    pub error: ErrorCode,
    /// `NONE` or why the acknowledgements were refused (INVALID_RECORD_STATE: a lock that
    /// expired, or a record the member never held).
    pub acknowledge_error: ErrorCode,
    /// The records acquired, batch by batch as the log holds them.
    pub records: Vec<Record>,
    /// Which of them this member now holds, and their delivery counts.
    pub acquired: Vec<AcquiredRecords>,
}

/// ShareFetch's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShareFetchResponse {
    /// `NONE`, or an error for the whole request.
    pub error: ErrorCode,
    /// Per partition.
    pub partitions: Vec<ShareFetchedPartition>,
}

/// ShareAcknowledge's answer: per partition, `NONE` or why its acknowledgements failed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ShareAcknowledgeResponse {
    /// Per partition.
    pub partitions: Vec<(TopicPartition, ErrorCode)>,
}
