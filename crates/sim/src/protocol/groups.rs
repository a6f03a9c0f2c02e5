//! What the group APIs and `__consumer_offsets` carry: a member's subscription (Kafka's
//! `ConsumerProtocolSubscription`) and the coordinator's records (`OffsetCommitKey`/`Value`,
//! `GroupMetadataKey`/`Value`). The `group` module gives them their behaviour.

use super::{Extension, TopicPartition};
use serde::{Deserialize, Serialize};

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
}
