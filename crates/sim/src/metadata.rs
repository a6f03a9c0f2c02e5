//! The cluster metadata: what KRaft keeps in `__cluster_metadata`. The controller appends
//! records to its log; brokers fetch and replay them into the same [`MetadataImage`], so every
//! broker's view of leaders and ISRs lags the controller's by exactly what it has not fetched.

use crate::protocol::{BrokerId, TopicPartition};
use crate::topic::TopicConfig;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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
        /// Its id, as `kafka-topics.sh` prints it (URL-safe base64 of 16 bytes).
        topic_id: String,
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
}

/// A broker's registration, as the metadata log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegisteredBroker {
    /// Its current broker epoch.
    pub broker_epoch: u64,
    /// `broker.rack`.
    pub rack: Option<String>,
    /// Its address in the simulation.
    pub node: u32,
}

/// A topic in the image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicImage {
    /// Its id.
    pub topic_id: String,
    /// Its configs.
    pub config: TopicConfig,
    /// Its partitions, by index.
    pub partitions: Vec<PartitionState>,
}

/// The state the metadata log describes, up to some offset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MetadataImage {
    /// Topics by name.
    pub topics: BTreeMap<Rc<str>, TopicImage>,
    /// Brokers currently fenced.
    pub fenced: BTreeSet<BrokerId>,
    /// Registered brokers.
    pub registered: BTreeMap<BrokerId, RegisteredBroker>,
    /// How many records have been applied.
    pub offset: u64,
}

impl MetadataImage {
    /// Applies one record.
    pub fn apply(&mut self, record: &MetadataRecord) {
        self.offset += 1;
        match record {
            MetadataRecord::Topic {
                name,
                topic_id,
                config,
            } => {
                self.topics.insert(
                    Rc::clone(name),
                    TopicImage {
                        topic_id: topic_id.clone(),
                        config: config.clone(),
                        partitions: Vec::new(),
                    },
                );
            }
            MetadataRecord::Partition { tp, state } => {
                if let Some(topic) = self.topics.get_mut(&tp.topic) {
                    let index = tp.partition as usize;
                    if index < topic.partitions.len() {
                        topic.partitions[index] = state.clone();
                    } else {
                        assert_eq!(
                            index,
                            topic.partitions.len(),
                            "partitions are created in order"
                        );
                        topic.partitions.push(state.clone());
                    }
                }
            }
            MetadataRecord::RemoveTopic { name } => {
                self.topics.remove(name);
            }
            MetadataRecord::BrokerFencing { broker, fenced } => {
                if *fenced {
                    self.fenced.insert(*broker);
                } else {
                    self.fenced.remove(broker);
                }
            }
            MetadataRecord::RegisterBroker {
                broker,
                broker_epoch,
                rack,
                node,
            } => {
                let registered = RegisteredBroker {
                    broker_epoch: *broker_epoch,
                    rack: rack.clone(),
                    node: *node,
                };
                self.registered.insert(*broker, registered);
            }
            MetadataRecord::LeaderChange { .. } => {}
        }
    }

    /// A partition's state, if the topic and partition exist.
    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionState> {
        self.topics
            .get(&tp.topic)?
            .partitions
            .get(tp.partition as usize)
    }

    /// Every partition with its state, in topic then partition order.
    pub fn partitions(&self) -> impl Iterator<Item = (TopicPartition, &PartitionState)> + '_ {
        self.topics.iter().flat_map(|(name, topic)| {
            topic
                .partitions
                .iter()
                .enumerate()
                .map(move |(index, state)| {
                    (
                        TopicPartition {
                            topic: Rc::clone(name),
                            partition: index as u32,
                        },
                        state,
                    )
                })
        })
    }
}
