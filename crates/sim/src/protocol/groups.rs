//! What the group APIs and `__consumer_offsets` carry: a member's subscription (Kafka's
//! `ConsumerProtocolSubscription`) and the coordinator's records (`OffsetCommitKey`/`Value`,
//! `GroupMetadataKey`/`Value`), and the group APIs' requests and responses. The `group`
//! module gives them their behaviour.

use super::{ApiBody, ApiKey, ApiMessage, Extension, Message, TopicPartition};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

fn is_empty(metadata: &Extension<String>) -> bool {
    metadata.0.is_empty()
}

/// One member's subscription, as JoinGroup carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subscription {
    /// The member id.
    pub member_id: String,
    /// `group.instance.id`, for static members.
    pub group_instance_id: Option<String>,
    /// Subscribed topics.
    pub topics: Vec<String>,
    /// Partitions it owns now (sticky assignors).
    pub owned: Vec<TopicPartition>,
    /// The generation in which it owned them.
    pub generation: Option<i32>,
}

/// A member as its generation's group metadata record keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersistedMember {
    /// Its subscription (member id, instance id, topics, owned partitions).
    pub subscription: Subscription,
    /// `client.id`.
    pub client_id: String,
    /// `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms`, which the consumer sends as its rebalance timeout.
    pub rebalance_timeout_ms: u64,
    /// Its partitions in this generation.
    pub assignment: Vec<TopicPartition>,
}

/// One record of `__consumer_offsets`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CoordinatorRecord {
    /// The next offset to read for one partition (Kafka's `OffsetCommitKey`/`Value`).
    Offset {
        /// The group.
        group: String,
        /// The partition.
        tp: TopicPartition,
        /// The committed offset.
        offset: u64,
        /// `OffsetAndMetadata.metadata()`, empty unless the application gave some.
        #[serde(default, skip_serializing_if = "is_empty")]
        metadata: Extension<String>,
    },
    /// A generation that completed (Kafka's `GroupMetadataKey`/`Value`).
    Group {
        /// The group.
        group: String,
        /// The generation id.
        generation: i32,
        /// The chosen assignor.
        protocol: Option<String>,
        /// The leader's member id.
        leader: Option<String>,
        /// Every member with its assignment.
        members: Vec<PersistedMember>,
    },
    /// The group was deleted (Kafka's tombstones for its metadata and offsets).
    Deleted {
        /// The group.
        group: String,
    },
    /// One committed offset was deleted by OffsetDelete (Kafka's tombstone for that
    /// `OffsetCommitKey`).
    OffsetDeleted {
        /// The group.
        group: String,
        /// The partition.
        tp: TopicPartition,
    },
    /// A consumer-protocol group as it stands after a change (KIP-848). Kafka writes each
    /// change as its own records (`ConsumerGroupMetadata`, `ConsumerGroupMemberMetadata`,
    /// `ConsumerGroupTargetAssignmentMember`, `ConsumerGroupCurrentMemberAssignment`, ...);
    /// here the whole group is one record, which a new coordinator replays the same way.
    ConsumerGroup {
        /// The group.
        group: String,
        /// Its epochs and members.
        state: ConsumerGroupRecord,
    },
}

/// Which group protocol a consumer speaks (`group.protocol`), and so which of the
/// coordinator's two kinds of group it is a member of. It lives with the protocol's values
/// because the client, the coordinator and the events all name it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupProtocol {
    /// JoinGroup, SyncGroup and Heartbeat; the group leader assigns (the default in 4.x).
    #[default]
    Classic,
    /// KIP-848: one ConsumerGroupHeartbeat API; the coordinator assigns and each member
    /// reconciles on its own.
    Consumer,
    /// KIP-932's ShareGroupHeartbeat, a share group's (no consumer's `group.protocol`: a
    /// share consumer is a `KafkaShareConsumer`).
    Share,
}

/// Where a consumer-protocol member is in reaching its target assignment (Kafka's
/// `MemberState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConsumerMemberState {
    /// It owns what it should at its epoch.
    Stable,
    /// It must give up partitions first: it stays at its epoch until its heartbeat no
    /// longer lists them.
    UnrevokedPartitions,
    /// It has moved to the target epoch but waits for partitions other members still own.
    UnreleasedPartitions,
}

impl ConsumerMemberState {
    /// Kafka's name (`MemberState.toString`).
    pub fn kafka_name(self) -> &'static str {
        match self {
            ConsumerMemberState::Stable => "STABLE",
            ConsumerMemberState::UnrevokedPartitions => "UNREVOKED_PARTITIONS",
            ConsumerMemberState::UnreleasedPartitions => "UNRELEASED_PARTITIONS",
        }
    }
}

/// A member of a consumer-protocol group (Kafka's `ConsumerGroupMember`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerMember {
    /// The member id the consumer chose.
    pub member_id: String,
    /// `client.id`.
    pub client_id: String,
    /// Its epoch: the group epoch of the assignment it has reached.
    pub member_epoch: i32,
    /// The epoch before, which a heartbeat whose answer was lost may still carry.
    pub previous_member_epoch: i32,
    /// How far it is in reconciling.
    pub state: ConsumerMemberState,
    /// The topics it subscribes to.
    pub subscribed_topics: Vec<String>,
    /// `group.remote.assignor`, if it named one.
    pub server_assignor: Option<String>,
    /// `max.poll.interval.ms`: how long it may take to revoke.
    pub rebalance_timeout_ms: u64,
    /// The partitions it owns (or is being given) now.
    pub assigned: BTreeSet<TopicPartition>,
    /// The partitions it must give up before it moves on.
    pub pending_revocation: BTreeSet<TopicPartition>,
    /// Its part of the group's target assignment.
    pub target: BTreeSet<TopicPartition>,
}

/// A consumer-protocol group's persisted state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerGroupRecord {
    /// Bumped when a member joins, leaves or changes its subscription, or a subscribed
    /// topic's partition count changes.
    pub group_epoch: i32,
    /// The group epoch the target assignment was computed for.
    pub assignment_epoch: i32,
    /// The partition count of each subscribed topic when the group epoch was last bumped.
    pub subscription_metadata: Vec<(String, u32)>,
    /// The members.
    pub members: Vec<ConsumerMember>,
}

/// The group coordinator's APIs
pub(crate) type GroupMessage = ApiMessage<GroupRequest, GroupResponse>;

/// The stream the trace fingerprints were fixed with, before messages had a header: the index
/// the API's request (even) or response (odd) had in one flat enum, the correlation id, then
/// the body's fields, JoinGroup's client id after its member id. Keep it so: every trace
/// hash depends on it.
impl Hash for GroupMessage {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            GroupMessage::Request(header, body) => {
                let id = header.correlation_id;
                match body {
                    GroupRequest::JoinGroup(b) => {
                        (0isize, id, &b.group_id, &b.member_id, &*header.client_id).hash(state);
                        let timeouts = (b.session_timeout_ms, b.rebalance_timeout_ms);
                        (&b.group_instance_id, timeouts, &b.protocols).hash(state);
                    }
                    GroupRequest::SyncGroup(b) => (2isize, id, b).hash(state),
                    GroupRequest::Heartbeat(b) => (4isize, id, b).hash(state),
                    GroupRequest::LeaveGroup(b) => (6isize, id, b).hash(state),
                    GroupRequest::OffsetCommit(b) => (8isize, id, b).hash(state),
                    GroupRequest::OffsetFetch(b) => (10isize, id, b).hash(state),
                    GroupRequest::TxnOffsetCommit(b) => (12isize, id, b).hash(state),
                    GroupRequest::ConsumerGroupHeartbeat(b) => (14isize, id, b).hash(state),
                    GroupRequest::ShareGroupHeartbeat(b) => (16isize, id, b).hash(state),
                }
            }
            GroupMessage::Response(header, body) => {
                let id = header.correlation_id;
                match body {
                    GroupResponse::JoinGroup(b) => (1isize, id, b).hash(state),
                    GroupResponse::SyncGroup(b) => (3isize, id, b).hash(state),
                    GroupResponse::Heartbeat(b) => (5isize, id, b).hash(state),
                    GroupResponse::LeaveGroup(b) => (7isize, id, b).hash(state),
                    GroupResponse::OffsetCommit(b) => (9isize, id, b).hash(state),
                    GroupResponse::OffsetFetch(b) => (11isize, id, b).hash(state),
                    GroupResponse::TxnOffsetCommit(b) => (13isize, id, b).hash(state),
                    GroupResponse::ConsumerGroupHeartbeat(b) => (15isize, id, b).hash(state),
                    GroupResponse::ShareGroupHeartbeat(b) => (17isize, id, b).hash(state),
                }
            }
        }
    }
}

impl From<GroupMessage> for Message {
    fn from(message: GroupMessage) -> Self {
        Message::Group(Box::new(message))
    }
}

/// The body of a group request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GroupRequest {
    /// JoinGroup: a member (re)joins with its subscription for each protocol it supports.
    JoinGroup(JoinGroupRequest),
    /// SyncGroup: every member asks for its assignment; the leader brings everyone's.
    SyncGroup(SyncGroupRequest),
    /// Heartbeat: keeps the member's session; the answer says when to rejoin.
    Heartbeat(HeartbeatRequest),
    /// LeaveGroup: a dynamic member leaves at once instead of waiting for its session to end.
    LeaveGroup(LeaveGroupRequest),
    /// OffsetCommit: the next offset to read, per partition.
    OffsetCommit(OffsetCommitRequest),
    /// OffsetFetch: the group's committed offsets for some partitions.
    OffsetFetch(OffsetFetchRequest),
    /// TxnOffsetCommit: a transactional producer's `sendOffsetsToTransaction()`.
    TxnOffsetCommit(TxnOffsetCommitRequest),
    /// ConsumerGroupHeartbeat (KIP-848): joins, keeps the session, acknowledges revocations
    /// and brings the member's next assignment, all in one API.
    ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest),
    /// ShareGroupHeartbeat (KIP-932): joins a share group, keeps the session, and brings the
    /// partitions the member fetches from.
    ShareGroupHeartbeat(super::ShareGroupHeartbeatRequest),
}

impl ApiBody for GroupRequest {
    fn api(&self) -> ApiKey {
        match self {
            GroupRequest::JoinGroup(_) => ApiKey::JoinGroup,
            GroupRequest::SyncGroup(_) => ApiKey::SyncGroup,
            GroupRequest::Heartbeat(_) => ApiKey::Heartbeat,
            GroupRequest::LeaveGroup(_) => ApiKey::LeaveGroup,
            GroupRequest::OffsetCommit(_) => ApiKey::OffsetCommit,
            GroupRequest::OffsetFetch(_) => ApiKey::OffsetFetch,
            GroupRequest::TxnOffsetCommit(_) => ApiKey::TxnOffsetCommit,
            GroupRequest::ConsumerGroupHeartbeat(_) => ApiKey::ConsumerGroupHeartbeat,
            GroupRequest::ShareGroupHeartbeat(_) => ApiKey::ShareGroupHeartbeat,
        }
    }
}

impl GroupRequest {
    /// The group it is about, which decides its coordinator.
    pub fn group_id(&self) -> &str {
        match self {
            GroupRequest::JoinGroup(r) => &r.group_id,
            GroupRequest::SyncGroup(r) => &r.group_id,
            GroupRequest::Heartbeat(r) => &r.group_id,
            GroupRequest::LeaveGroup(r) => &r.group_id,
            GroupRequest::OffsetCommit(r) => &r.group_id,
            GroupRequest::OffsetFetch(r) => &r.group_id,
            GroupRequest::TxnOffsetCommit(r) => &r.group_id,
            GroupRequest::ConsumerGroupHeartbeat(r) => &r.group_id,
            GroupRequest::ShareGroupHeartbeat(r) => &r.group_id,
        }
    }

    /// The answer that carries only `error` (Kafka's `AbstractRequest.getErrorResponse`).
    pub fn error_response(&self, error: ErrorCode) -> GroupResponse {
        match self {
            GroupRequest::JoinGroup(_) => GroupResponse::JoinGroup(JoinGroupResponse::error(error)),
            GroupRequest::SyncGroup(_) => GroupResponse::SyncGroup(SyncGroupResponse {
                error,
                assignment: Vec::new(),
            }),
            GroupRequest::Heartbeat(_) => GroupResponse::Heartbeat(HeartbeatResponse { error }),
            GroupRequest::LeaveGroup(_) => GroupResponse::LeaveGroup(LeaveGroupResponse { error }),
            GroupRequest::OffsetCommit(_) => {
                GroupResponse::OffsetCommit(OffsetCommitResponse { error })
            }
            GroupRequest::OffsetFetch(_) => {
                GroupResponse::OffsetFetch(OffsetFetchResponse::error(error))
            }
            GroupRequest::TxnOffsetCommit(_) => {
                GroupResponse::TxnOffsetCommit(TxnOffsetCommitResponse { error })
            }
            GroupRequest::ConsumerGroupHeartbeat(r) => GroupResponse::ConsumerGroupHeartbeat(
                ConsumerGroupHeartbeatResponse::error(error, &r.member_id, r.member_epoch),
            ),
            GroupRequest::ShareGroupHeartbeat(r) => GroupResponse::ShareGroupHeartbeat(
                super::ShareGroupHeartbeatResponse::error(error, &r.member_id, r.member_epoch),
            ),
        }
    }
}

/// The body of a group coordinator's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Each answers the request of its name.
pub enum GroupResponse {
    JoinGroup(JoinGroupResponse),
    SyncGroup(SyncGroupResponse),
    Heartbeat(HeartbeatResponse),
    LeaveGroup(LeaveGroupResponse),
    OffsetCommit(OffsetCommitResponse),
    OffsetFetch(OffsetFetchResponse),
    TxnOffsetCommit(TxnOffsetCommitResponse),
    ConsumerGroupHeartbeat(ConsumerGroupHeartbeatResponse),
    ShareGroupHeartbeat(super::ShareGroupHeartbeatResponse),
}

impl ApiBody for GroupResponse {
    fn api(&self) -> ApiKey {
        match self {
            GroupResponse::JoinGroup(_) => ApiKey::JoinGroup,
            GroupResponse::SyncGroup(_) => ApiKey::SyncGroup,
            GroupResponse::Heartbeat(_) => ApiKey::Heartbeat,
            GroupResponse::LeaveGroup(_) => ApiKey::LeaveGroup,
            GroupResponse::OffsetCommit(_) => ApiKey::OffsetCommit,
            GroupResponse::OffsetFetch(_) => ApiKey::OffsetFetch,
            GroupResponse::TxnOffsetCommit(_) => ApiKey::TxnOffsetCommit,
            GroupResponse::ConsumerGroupHeartbeat(_) => ApiKey::ConsumerGroupHeartbeat,
            GroupResponse::ShareGroupHeartbeat(_) => ApiKey::ShareGroupHeartbeat,
        }
    }
}

/// JoinGroup's body (Kafka's `JoinGroupRequestData`; the client id is in the header).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinGroupRequest {
    /// `group.id`.
    pub group_id: String,
    /// Empty on a first join.
    pub member_id: String,
    /// `group.instance.id`, for static members (KIP-345).
    pub group_instance_id: Option<String>,
    /// `session.timeout.ms`.
    pub session_timeout_ms: u64,
    /// `max.poll.interval.ms`, which the consumer sends as its rebalance timeout.
    pub rebalance_timeout_ms: u64,
    /// Each assignor the member supports, with its subscription.
    pub protocols: Vec<(String, Subscription)>,
}

/// The generation, the chosen protocol and the leader; the leader alone gets the members.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinGroupResponse {
    /// `NONE`, or why the member is not in the generation (MEMBER_ID_REQUIRED, ...).
    pub error: ErrorCode,
    /// The generation, or -1.
    pub generation_id: i32,
    /// The chosen assignor.
    pub protocol_name: Option<String>,
    /// The leader's member id.
    pub leader: String,
    /// This member's id.
    pub member_id: String,
    /// Every member's subscription, for the leader only.
    pub members: Vec<Subscription>,
}

impl JoinGroupResponse {
    /// An answer that carries only an error.
    pub fn error(error: ErrorCode) -> Self {
        JoinGroupResponse {
            error,
            generation_id: -1,
            protocol_name: None,
            leader: String::new(),
            member_id: String::new(),
            members: Vec::new(),
        }
    }
}

/// SyncGroup's body.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SyncGroupRequest {
    /// `group.id`.
    pub group_id: String,
    /// The generation the member joined.
    pub generation_id: i32,
    /// The member id.
    pub member_id: String,
    /// The leader's assignment of every member; empty from the others.
    pub assignments: Vec<(String, Vec<TopicPartition>)>,
    /// A static member's `group.instance.id` (KIP-345): fenced if another member holds it.
    pub group_instance_id: Extension<Option<String>>,
}

/// This member's partitions for the generation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SyncGroupResponse {
    /// `NONE` or why there is no assignment.
    pub error: ErrorCode,
    /// The member's partitions.
    pub assignment: Vec<TopicPartition>,
}

/// Heartbeat's body.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    /// `group.id`.
    pub group_id: String,
    /// The member's generation.
    pub generation_id: i32,
    /// The member id.
    pub member_id: String,
    /// A static member's `group.instance.id`.
    pub group_instance_id: Extension<Option<String>>,
}

/// `NONE`, or REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, ...
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// The error.
    pub error: ErrorCode,
}

/// LeaveGroup's body.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeaveGroupRequest {
    /// `group.id`.
    pub group_id: String,
    /// The member leaving.
    pub member_id: String,
}

/// The coordinator's answer to LeaveGroup.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeaveGroupResponse {
    /// The error.
    pub error: ErrorCode,
}

/// OffsetCommit's body: generation -1 for a consumer outside group management (or an admin
/// tool).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OffsetCommitRequest {
    /// `group.id`.
    pub group_id: String,
    /// The member's generation, or -1.
    pub generation_id: i32,
    /// The member id, or empty.
    pub member_id: String,
    /// The next offset to read, per partition.
    pub offsets: Vec<(TopicPartition, u64)>,
    /// `OffsetAndMetadata.metadata()` of the partitions that have some.
    pub metadata: Extension<Vec<(TopicPartition, String)>>,
    /// A static member's `group.instance.id` (none outside group management).
    pub group_instance_id: Extension<Option<String>>,
}

/// One error for the whole commit (every partition shares it here).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OffsetCommitResponse {
    /// The error.
    pub error: ErrorCode,
}

/// OffsetFetch's body. `require_stable` (KIP-447): UNSTABLE_OFFSET_COMMIT while a transaction
/// has offsets for the partitions pending, instead of the older committed offset; Kafka 4's
/// coordinator also answers it only once the offsets written before it are replicated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OffsetFetchRequest {
    /// `group.id`.
    pub group_id: String,
    /// The partitions asked about.
    pub partitions: Vec<TopicPartition>,
    /// See the type's doc.
    pub require_stable: bool,
}

impl OffsetFetchRequest {
    /// What a consumer sends, whatever its `isolation.level`: Kafka's consumers always ask for
    /// stable offsets (`ConsumerCoordinator.sendOffsetFetchRequest` and 4.x's
    /// `CommitRequestManager` pass `requireStable = true`), so a consumer does not start from
    /// an offset that a commit the coordinator has written, still replicating or pending in a
    /// transaction, is about to replace. Only Kafka's admin client asks without (nothing here
    /// does: the playground's admin commands read the coordinator's state).
    pub fn stable(group_id: String, partitions: Vec<TopicPartition>) -> Self {
        Self {
            group_id,
            partitions,
            require_stable: true,
        }
    }
}

/// Committed offsets (none where nothing was committed).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OffsetFetchResponse {
    /// The error.
    pub error: ErrorCode,
    /// Per partition asked about, its committed offset.
    pub offsets: Vec<(TopicPartition, Option<u64>)>,
    /// The metadata committed with them, where there is some.
    pub metadata: Extension<Vec<(TopicPartition, String)>>,
}

impl OffsetFetchResponse {
    /// A whole request refused with `error`: no offsets.
    pub fn error(error: ErrorCode) -> Self {
        OffsetFetchResponse {
            error,
            offsets: Vec::new(),
            metadata: Extension::default(),
        }
    }
}

/// TxnOffsetCommit's body: the offsets take effect when the transaction's COMMIT marker
/// reaches the offsets partition. The consumer's generation and member id fence a zombie
/// after a rebalance (KIP-447).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TxnOffsetCommitRequest {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The consumer's `group.id`.
    pub group_id: String,
    /// The producer's id.
    pub producer_id: u64,
    /// The producer's epoch.
    pub producer_epoch: u16,
    /// The consumer's generation, or -1.
    pub generation_id: i32,
    /// The consumer's member id, or empty.
    pub member_id: String,
    /// The offsets.
    pub offsets: Vec<(TopicPartition, u64)>,
}

/// One error for the whole commit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TxnOffsetCommitResponse {
    /// The error.
    pub error: ErrorCode,
}

/// ConsumerGroupHeartbeat's body (Kafka's `ConsumerGroupHeartbeatRequestData`). The optional
/// fields are sent when they changed, and all of them when the member (re)joins: the
/// coordinator answers a request with every field with the member's whole assignment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerGroupHeartbeatRequest {
    /// `group.id`.
    pub group_id: String,
    /// Chosen by the consumer (KIP-1082) and kept across its rejoins.
    pub member_id: String,
    /// 0 to join, -1 to leave, else the epoch the member is at.
    pub member_epoch: i32,
    /// `max.poll.interval.ms`: how long the member may take to revoke partitions.
    pub rebalance_timeout_ms: Option<u64>,
    /// The subscribed topics.
    pub subscribed_topic_names: Option<Vec<String>>,
    /// `group.remote.assignor`.
    pub server_assignor: Option<String>,
    /// The partitions the member owns now, which is how it acknowledges a revocation.
    pub topic_partitions: Option<Vec<TopicPartition>>,
}

/// The coordinator's answer: the member's epoch, when to heartbeat next, and its assignment
/// when it changed (or the request was a full one).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsumerGroupHeartbeatResponse {
    /// `NONE`, FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, NOT_COORDINATOR, ...
    pub error: ErrorCode,
    /// The error's message, where Kafka gives one.
    pub error_message: Option<String>,
    /// The member id.
    pub member_id: String,
    /// The member's epoch now.
    pub member_epoch: i32,
    /// `group.consumer.heartbeat.interval.ms`.
    pub heartbeat_interval_ms: u64,
    /// The partitions the member owns from now on; none when unchanged.
    pub assignment: Option<Vec<TopicPartition>>,
}

impl ConsumerGroupHeartbeatResponse {
    /// An answer that carries only an error.
    pub fn error(error: ErrorCode, member_id: &str, member_epoch: i32) -> Self {
        ConsumerGroupHeartbeatResponse {
            error,
            error_message: None,
            member_id: member_id.to_owned(),
            member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }
}
