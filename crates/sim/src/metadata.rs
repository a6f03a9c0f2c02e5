//! The cluster metadata: what KRaft keeps in `__cluster_metadata`. The controller appends
//! records to its log; brokers fetch and replay them into the same [`MetadataImage`], so every
//! broker's view of leaders and ISRs lags the controller's by exactly what it has not fetched.

use crate::protocol::{BrokerId, TopicPartition};
pub(crate) use crate::protocol::{MetadataRecord, PartitionState};
use crate::topic::TopicConfig;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// A broker's registration, as the metadata log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegisteredBroker {
    /// Its current broker epoch.
    pub broker_epoch: u64,
    /// Which start of its process registered it.
    pub incarnation: u32,
    /// `broker.rack`.
    pub rack: Option<String>,
    /// Its address in the simulation.
    pub node: u32,
    /// The offset of its registration record: a broker that has applied it has caught up
    /// (Kafka's `registerBrokerRecordOffset`).
    pub record_offset: u64,
}

/// A topic in the image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicImage {
    /// Its id (shared: replicas and Fetch requests carry it).
    pub topic_id: crate::protocol::TopicId,
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
    /// Group configs set with `kafka-configs.sh --entity-type groups`, by group and name.
    pub group_configs: BTreeMap<String, BTreeMap<String, String>>,
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
                incarnation,
                rack,
                node,
            } => {
                let registered = RegisteredBroker {
                    broker_epoch: *broker_epoch,
                    incarnation: *incarnation,
                    rack: rack.clone(),
                    node: *node,
                    record_offset: self.offset - 1,
                };
                self.registered.insert(*broker, registered);
            }
            MetadataRecord::LeaderChange { .. } => {}
            MetadataRecord::GroupConfig { group, name, value } => {
                let configs = self.group_configs.entry(group.clone()).or_default();
                match value {
                    Some(value) => configs.insert(name.clone(), value.clone()),
                    None => configs.remove(name),
                };
            }
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
