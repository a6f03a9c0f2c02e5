//! The records of `__cluster_metadata` (Kafka's `PartitionRecord`, `TopicRecord` and its
//! `ConfigRecord`s, ...): values the controller writes and brokers replay. They live with the
//! protocol because the metadata fetch carries them; `metadata` and `topic` give them their
//! behaviour.

use super::{BrokerId, Extension, TopicPartition};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// A partition's replication state, as `PartitionRecord`/`PartitionChangeRecord` carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    /// The assignment; the first replica is the preferred leader.
    pub replicas: Vec<BrokerId>,
    /// The in-sync replicas.
    pub isr: Vec<BrokerId>,
    /// The leader, or none (offline).
    pub leader: Option<BrokerId>,
    /// Bumped at every leader change.
    pub leader_epoch: u32,
    /// Bumped at every change of the state.
    pub partition_epoch: u32,
    /// KIP-455: replicas a reassignment is adding (they are in `replicas` and catching up).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adding_replicas: Vec<BrokerId>,
    /// KIP-455: replicas a reassignment will drop once the adding ones are in the ISR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removing_replicas: Vec<BrokerId>,
}

impl PartitionState {
    /// A partition with no reassignment in progress.
    pub fn new(
        replicas: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        leader: Option<BrokerId>,
        leader_epoch: u32,
        partition_epoch: u32,
    ) -> Self {
        PartitionState {
            replicas,
            isr,
            leader,
            leader_epoch,
            partition_epoch,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        }
    }

    /// A reassignment is in progress (`PartitionRegistration.isReassigning`).
    pub fn is_reassigning(&self) -> bool {
        !self.adding_replicas.is_empty() || !self.removing_replicas.is_empty()
    }
}

/// The reassignment fields are hashed only while a reassignment is in progress, so a run
/// without one fingerprints exactly as before they existed (example trace hashes stay).
impl std::hash::Hash for PartitionState {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.replicas.hash(state);
        self.isr.hash(state);
        self.leader.hash(state);
        self.leader_epoch.hash(state);
        self.partition_epoch.hash(state);
        if self.is_reassigning() {
            self.adding_replicas.hash(state);
            self.removing_replicas.hash(state);
        }
    }
}

/// One record of the metadata log.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MetadataRecord {
    /// A topic was created (`TopicRecord` plus its `ConfigRecord`s).
    Topic {
        /// Its name.
        name: Rc<str>,
        /// Its id (hashed as its text, as the `String` it was).
        topic_id: super::TopicId,
        /// Its configs.
        config: TopicConfig,
    },
    /// A partition was created or changed (full state, for simplicity of replay).
    Partition {
        /// Which partition.
        tp: TopicPartition,
        /// Its state after the change.
        state: PartitionState,
    },
    /// A topic was deleted.
    RemoveTopic {
        /// Its name.
        name: Rc<str>,
    },
    /// A broker was fenced or unfenced.
    BrokerFencing {
        /// Which broker.
        broker: BrokerId,
        /// Its new condition.
        fenced: bool,
    },
    /// A broker registered (`RegisterBrokerRecord`): a new active controller learns every
    /// broker and its epoch from these.
    RegisterBroker {
        /// Which broker.
        broker: BrokerId,
        /// The epoch its registration got.
        broker_epoch: u64,
        /// `IncarnationId`: which start of its process registered. Kafka draws a UUID at
        /// each start; a count serves the same purpose here.
        incarnation: u32,
        /// `broker.rack`.
        rack: Option<String>,
        /// Where it is (the simulation's address for it).
        node: u32,
    },
    /// A quorum leader's first record of its epoch (KRaft's `LeaderChangeMessage`).
    LeaderChange {
        /// The epoch.
        epoch: u32,
        /// The new active controller's id.
        leader: u32,
    },
    /// A group config was set or removed (a `ConfigRecord` of resource type GROUP, as
    /// `kafka-configs.sh --entity-type groups` writes them).
    GroupConfig {
        /// The group.
        group: String,
        /// The config's name.
        name: String,
        /// Its value; none when removed.
        value: Option<String>,
    },
}

/// `cleanup.policy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupPolicy {
    /// Old segments are deleted by retention.
    #[default]
    Delete,
    /// The log cleaner keeps only the latest record per key.
    Compact,
    /// Both.
    CompactDelete,
}

/// The per-topic configs the simulation knows, with Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TopicConfig {
    /// `min.insync.replicas` (default 1).
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` (default false).
    pub unclean_leader_election_enable: bool,
    /// `retention.ms` (default 604800000, 7 days; -1 keeps forever).
    pub retention_ms: i64,
    /// `retention.bytes` (default -1, no limit).
    pub retention_bytes: i64,
    /// `cleanup.policy` (default delete).
    pub cleanup_policy: CleanupPolicy,
    /// `max.message.bytes`: the largest record batch the topic's leaders append. Unset, the
    /// broker's `message.max.bytes` (default 1048588) applies, as Kafka's topic default is
    /// the broker's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_message_bytes: Option<u32>,
    /// `segment.bytes` (default 1073741824, at least 1048576 as Kafka 4 requires). Unset is
    /// the default; an extension so configs without it keep their trace fingerprint.
    #[serde(default, skip_serializing_if = "unset")]
    pub segment_bytes: Extension<Option<u32>>,
    /// `segment.ms` (default 604800000, 7 days).
    #[serde(default, skip_serializing_if = "unset")]
    pub segment_ms: Extension<Option<u64>>,
    /// `delete.retention.ms` (default 86400000, one day): how long the cleaner keeps a
    /// tombstone after it first cleaned it.
    #[serde(default, skip_serializing_if = "unset")]
    pub delete_retention_ms: Extension<Option<u64>>,
    /// `min.cleanable.dirty.ratio` (default 0.5).
    #[serde(default, skip_serializing_if = "unset")]
    pub min_cleanable_dirty_ratio: Extension<Option<DirtyRatio>>,
    /// `min.compaction.lag.ms` (default 0).
    #[serde(default, skip_serializing_if = "unset")]
    pub min_compaction_lag_ms: Extension<Option<u64>>,
    /// `max.compaction.lag.ms` (default Long.MAX_VALUE).
    #[serde(default, skip_serializing_if = "unset")]
    pub max_compaction_lag_ms: Extension<Option<u64>>,
}

/// A `min.cleanable.dirty.ratio` between 0 and 1, held as its bits so configs stay `Eq` and
/// `Hash` (a validated ratio is never NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DirtyRatio(u64);

impl DirtyRatio {
    /// The ratio; `None` unless it is a number from 0 to 1.
    pub fn new(ratio: f64) -> Option<DirtyRatio> {
        (0.0..=1.0)
            .contains(&ratio)
            .then(|| DirtyRatio(ratio.to_bits()))
    }

    /// The ratio as a number.
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl Serialize for DirtyRatio {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.get())
    }
}

impl<'de> Deserialize<'de> for DirtyRatio {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let ratio = f64::deserialize(deserializer)?;
        DirtyRatio::new(ratio).ok_or_else(|| {
            serde::de::Error::custom(format!("dirty ratio {ratio} is not in [0, 1]"))
        })
    }
}

fn unset<T>(value: &Extension<Option<T>>) -> bool {
    value.0.is_none()
}

/// A broker's read of the metadata log from `offset` (a long poll, like KRaft's Fetch of
/// `__cluster_metadata`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MetadataFetchRequest {
    /// The next offset the broker wants.
    pub offset: u64,
}

/// Committed metadata records from the requested offset.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MetadataFetchResponse {
    /// The offset of the first record.
    pub offset: u64,
    /// The records, shared with the controller's log.
    pub records: Vec<Rc<MetadataRecord>>,
}
