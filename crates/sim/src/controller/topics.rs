//! Topic administration at the controller: CreateTopics, DeleteTopics, CreatePartitions and
//! ElectLeaders, validated in the order and with the messages of KRaft's
//! `ReplicationControlManager` and `StripedReplicaPlacer`.

use super::{Controller, Election, elect_offline, elect_preferred};
use crate::error::{ErrorCode, KafkaError};
use crate::event::EventKind;
use crate::metadata::{MetadataRecord, PartitionState};
use crate::node::Ctx;
use crate::placement::{assign_replicas, assign_replicas_rack_aware};
use crate::protocol::{BrokerId, TopicPartition};
use crate::sorted::Collect;
use crate::topic::{self, CLUSTER_METADATA_TOPIC, TopicConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// `num.partitions` and `default.replication.factor`, used when a request says -1.
const DEFAULT_PARTITIONS: i32 = 1;
const DEFAULT_REPLICATION_FACTOR: i32 = 1;

/// A CreateTopics request for one topic, as `kafka-topics.sh --create` sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTopic {
    /// The topic's name.
    pub name: String,
    /// `--partitions`; -1 means `num.partitions`.
    #[serde(default = "minus_one")]
    pub partitions: i32,
    /// `--replication-factor`; -1 means `default.replication.factor`.
    #[serde(default = "minus_one")]
    pub replication_factor: i32,
    /// `--config key=value` pairs.
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
    /// `--replica-assignment`: the replicas of each partition, preferred leader first. When
    /// set, partitions and replication factor must be -1 (they follow from it).
    #[serde(default)]
    pub replica_assignment: Option<Vec<Vec<BrokerId>>>,
}

fn minus_one() -> i32 {
    -1
}

/// Which election ElectLeaders asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionKind {
    /// Move leadership back to the first replica of the assignment.
    Preferred,
    /// Elect any live replica of a leaderless partition, accepting data loss.
    Unclean,
}

fn error(code: ErrorCode, message: impl Into<String>) -> KafkaError {
    KafkaError::new(code, message)
}

/// Kafka prints a `Uuid` (a topic id, a cluster id) as URL-safe base64 of 16 bytes, without
/// padding (22 characters).
pub(crate) fn uuid_text(bytes: [u8; 16]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(22);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

impl Controller {
    fn registered_brokers(&self) -> Vec<BrokerId> {
        self.registrations.keys().copied().collect()
    }

    /// Replicas for new partitions: spread over usable brokers when there are enough, and
    /// always led (first) by a usable broker when one is in the list.
    fn place(
        &self,
        ctx: &mut Ctx<'_>,
        first_partition: u32,
        count: u32,
        replication_factor: usize,
        start: Option<BrokerId>,
    ) -> Result<Vec<PartitionState>, KafkaError> {
        let registered = self.registered_brokers();
        let usable: Vec<BrokerId> = registered
            .iter()
            .copied()
            .filter(|&b| self.usable(b))
            .collect();
        let rf = replication_factor;
        if rf > registered.len() {
            return Err(error(
                ErrorCode::InvalidReplicationFactor,
                format!(
                    "Unable to replicate the partition {rf} time(s): The target replication factor \
                     of {rf} cannot be reached because only {} broker(s) are registered.",
                    registered.len()
                ),
            ));
        }
        if usable.is_empty() {
            return Err(error(
                ErrorCode::InvalidReplicationFactor,
                format!(
                    "Unable to replicate the partition {rf} time(s): All brokers are currently fenced."
                ),
            ));
        }
        let pool = if usable.len() >= rf {
            usable
        } else {
            registered
        };
        let n = pool.len() as u64;
        let start_index = match start.and_then(|b| pool.iter().position(|&p| p == b)) {
            Some(index) => index,
            None => ctx.rng().below(n) as usize,
        };
        let shift = ctx.rng().below(n) as usize;
        // Rack-aware when every candidate has `broker.rack`, as AdminUtils requires.
        let racks: BTreeMap<BrokerId, String> = pool
            .iter()
            .filter_map(|b| Some((*b, self.registrations.get(b)?.rack.clone()?)))
            .collect_map();
        let assignment = if racks.len() == pool.len() {
            assign_replicas_rack_aware(&racks, first_partition, count, rf, start_index, shift)
        } else {
            assign_replicas(&pool, first_partition, count, rf, start_index, shift)
        };
        Ok(assignment
            .into_iter()
            .map(|mut replicas| {
                if let Some(pos) = replicas.iter().position(|&b| self.usable(b)) {
                    replicas.rotate_left(pos);
                }
                let isr: Vec<BrokerId> = replicas
                    .iter()
                    .copied()
                    .filter(|&b| self.usable(b))
                    .collect();
                let leader = isr.first().copied();
                PartitionState::new(replicas, isr, leader, 0, 0)
            })
            .collect())
    }

    /// CreateTopics for one topic.
    pub(crate) fn create_topic(
        &mut self,
        ctx: &mut Ctx<'_>,
        request: &CreateTopic,
    ) -> Result<(), KafkaError> {
        let name = request.name.as_str();
        if name == CLUSTER_METADATA_TOPIC {
            return Err(error(
                ErrorCode::InvalidRequest,
                format!("Creation of internal topic {CLUSTER_METADATA_TOPIC} is prohibited."),
            ));
        }
        topic::validate_name(name)?;
        if self.image.topics.contains_key(name) {
            return Err(error(
                ErrorCode::TopicAlreadyExists,
                format!("Topic '{name}' already exists."),
            ));
        }
        let unified = topic::unify_collision_chars(name);
        if let Some(existing) = self
            .image
            .topics
            .keys()
            .find(|existing| topic::unify_collision_chars(existing) == unified)
        {
            return Err(error(
                ErrorCode::InvalidTopicException,
                format!("Topic '{name}' collides with existing topic: {existing}"),
            ));
        }
        if let Some(assignment) = &request.replica_assignment {
            within_partition_limit(assignment.len() as i64)?;
            let states = self.manual_assignment(request, assignment)?;
            let config = TopicConfig::from_pairs(
                request
                    .configs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            )?;
            self.append_topic(ctx, name, config, states);
            return Ok(());
        }
        let partitions = count_or_default(
            request.partitions,
            DEFAULT_PARTITIONS,
            ErrorCode::InvalidPartitions,
            "Number of partitions was set to an invalid non-positive value.",
        )?;
        within_partition_limit(partitions as i64)?;
        let replication_factor = count_or_default(
            request.replication_factor,
            DEFAULT_REPLICATION_FACTOR,
            ErrorCode::InvalidReplicationFactor,
            "Replication factor must be larger than 0, or -1 to use the default value.",
        )?;
        let config = TopicConfig::from_pairs(
            request
                .configs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let states = self.place(ctx, 0, partitions as u32, replication_factor as usize, None)?;
        self.append_topic(ctx, name, config, states);
        Ok(())
    }

    fn append_topic(
        &mut self,
        ctx: &mut Ctx<'_>,
        name: &str,
        config: TopicConfig,
        states: Vec<PartitionState>,
    ) {
        let mut id = [0u8; 16];
        for chunk in id.chunks_mut(4) {
            chunk.copy_from_slice(&ctx.rng().next_u32().to_be_bytes());
        }
        let name: Rc<str> = Rc::from(name);
        let created = EventKind::TopicCreated {
            topic: name.to_string(),
            partitions: states.len() as u32,
            replication_factor: states.first().map_or(0, |p| p.replicas.len() as u32),
        };
        let topic = MetadataRecord::Topic {
            name: Rc::clone(&name),
            topic_id: crate::protocol::TopicId(Rc::from(uuid_text(id))),
            config,
        };
        self.append(ctx, topic);
        for (index, state) in states.into_iter().enumerate() {
            let tp = TopicPartition {
                topic: Rc::clone(&name),
                partition: index as u32,
            };
            self.append(ctx, MetadataRecord::Partition { tp, state });
        }
        ctx.emit(created);
    }

    /// Validates `--replica-assignment` as KRaft's `createTopic` does for manual assignments.
    fn manual_assignment(
        &self,
        request: &CreateTopic,
        assignment: &[Vec<BrokerId>],
    ) -> Result<Vec<PartitionState>, KafkaError> {
        // ReplicationControlManager.createTopic and validateManualPartitionAssignment, in
        // their order: each partition's brokers sorted, unregistered before repeated, then
        // the replica count against the partitions before.
        if request.replication_factor != -1 {
            return Err(error(
                ErrorCode::InvalidRequest,
                "A manual partition assignment was specified, but replication factor was not set to -1.",
            ));
        }
        if request.partitions != -1 {
            return Err(error(
                ErrorCode::InvalidRequest,
                "A manual partition assignment was specified, but numPartitions was not set to -1.",
            ));
        }
        let invalid = |message: String| error(ErrorCode::InvalidReplicaAssignment, message);
        let mut rf: Option<usize> = None;
        let mut states = Vec::with_capacity(assignment.len());
        for (partition, replicas) in assignment.iter().enumerate() {
            if replicas.is_empty() {
                return Err(invalid(
                    "The manual partition assignment includes an empty replica list.".to_owned(),
                ));
            }
            let mut sorted = replicas.clone();
            sorted.sort_unstable();
            for (i, broker) in sorted.iter().enumerate() {
                if !self.registrations.contains_key(broker) {
                    return Err(invalid(format!(
                        "The manual partition assignment includes broker {broker}, but no such broker is registered."
                    )));
                }
                if i > 0 && sorted[i - 1] == *broker {
                    return Err(invalid(format!(
                        "The manual partition assignment includes the broker {broker} more than once."
                    )));
                }
            }
            if let Some(rf) = rf.filter(|&rf| rf != replicas.len()) {
                return Err(invalid(format!(
                    "The manual partition assignment includes a partition with {} replica(s), but \
                     this is not consistent with previous partitions, which have {rf} replica(s).",
                    replicas.len()
                )));
            }
            rf = Some(replicas.len());
            let isr: Vec<BrokerId> = replicas
                .iter()
                .copied()
                .filter(|&b| self.usable(b))
                .collect();
            let Some(&leader) = isr.first() else {
                return Err(invalid(format!(
                    "All brokers specified in the manual partition assignment for partition \
                     {partition} are fenced or in controlled shutdown."
                )));
            };
            states.push(PartitionState::new(
                replicas.clone(),
                isr,
                Some(leader),
                0,
                0,
            ));
        }
        Ok(states)
    }

    /// DeleteTopics for one topic.
    pub(crate) fn delete_topic(&mut self, ctx: &mut Ctx<'_>, name: &str) -> Result<(), KafkaError> {
        if !self.image.topics.contains_key(name) {
            return Err(unknown_topic());
        }
        self.append(
            ctx,
            MetadataRecord::RemoveTopic {
                name: Rc::from(name),
            },
        );
        ctx.emit(EventKind::TopicDeleted {
            topic: name.to_owned(),
        });
        Ok(())
    }

    /// IncrementalAlterConfigs of a group (`kafka-configs.sh --alter --entity-type groups`):
    /// the share group configs Kafka 4 takes per group, validated as Kafka's `GroupConfig`
    /// does (an empty value removes the config).
    pub(crate) fn alter_group_configs(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        configs: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), KafkaError> {
        for (name, value) in configs {
            crate::group::validate_group_config(name, value)
                .map_err(|message| error(ErrorCode::InvalidConfig, message))?;
        }
        for (name, value) in configs {
            let record = MetadataRecord::GroupConfig {
                group: group.to_owned(),
                name: name.clone(),
                value: (!value.is_empty()).then(|| value.clone()),
            };
            self.append(ctx, record);
        }
        Ok(())
    }

    /// CreatePartitions: grow a topic to `total` partitions.
    pub(crate) fn create_partitions(
        &mut self,
        ctx: &mut Ctx<'_>,
        name: &str,
        total: i32,
    ) -> Result<(), KafkaError> {
        let Some(topic) = self.image.topics.get(name) else {
            return Err(unknown_topic());
        };
        let current = topic.partitions.len() as i32;
        if total < current {
            return Err(error(
                ErrorCode::InvalidPartitions,
                format!(
                    "The topic {name} currently has {current} partition(s); {total} would not be an increase."
                ),
            ));
        }
        if total == current {
            return Err(error(
                ErrorCode::InvalidPartitions,
                format!("Topic already has {current} partition(s)."),
            ));
        }
        within_partition_limit(i64::from(total))?;
        let rf = topic.partitions.first().map_or(1, |p| p.replicas.len());
        let start = topic
            .partitions
            .first()
            .and_then(|p| p.replicas.first().copied());
        let states = self.place(ctx, current as u32, (total - current) as u32, rf, start)?;
        let name: Rc<str> = Rc::from(name);
        for (offset, state) in states.into_iter().enumerate() {
            let tp = TopicPartition {
                topic: Rc::clone(&name),
                partition: current as u32 + offset as u32,
            };
            self.append(ctx, MetadataRecord::Partition { tp, state });
        }
        Ok(())
    }

    /// ElectLeaders, for the listed partitions or every partition (optionally only those whose
    /// preferred leader is one of `brokers`). Returns each partition's outcome.
    pub(crate) fn elect_leaders(
        &mut self,
        ctx: &mut Ctx<'_>,
        kind: ElectionKind,
        partitions: Option<&[TopicPartition]>,
        brokers: Option<&[BrokerId]>,
    ) -> Vec<(TopicPartition, Result<(), KafkaError>)> {
        let targets: Vec<TopicPartition> = match partitions {
            Some(list) => list.to_vec(),
            None => self
                .image
                .partitions()
                .filter(|(_, s)| {
                    brokers.is_none_or(|b| s.replicas.first().is_some_and(|f| b.contains(f)))
                })
                .map(|(tp, _)| tp)
                .collect(),
        };
        let mut outcomes = Vec::with_capacity(targets.len());
        for tp in targets {
            let Some(state) = self.image.partition(&tp).cloned() else {
                // ReplicationControlManager.electLeader's texts.
                let message = if self.image.topics.contains_key(&*tp.topic) {
                    format!("No such partition as {tp}")
                } else {
                    format!("No such topic as {}", tp.topic)
                };
                let missing = error(ErrorCode::UnknownTopicOrPartition, message);
                outcomes.push((tp, Err(missing)));
                continue;
            };
            let next = match kind {
                ElectionKind::Preferred => {
                    elect_preferred(&state, |b| self.usable(b)).map(|s| (s, Election::Clean))
                }
                ElectionKind::Unclean => elect_offline(&state, |b| self.usable(b), true)
                    .and_then(|(s, how)| how.map(|h| (s, h))),
            };
            let outcome = match next {
                Some((next, how)) => {
                    let why = match kind {
                        ElectionKind::Preferred => "preferred leader election",
                        ElectionKind::Unclean => "unclean leader election was requested",
                    };
                    self.record_change(ctx, tp.clone(), &state, next, Some(how), why);
                    Ok(())
                }
                None if (kind == ElectionKind::Preferred
                    && state.leader == state.replicas.first().copied())
                    || (kind == ElectionKind::Unclean && state.leader.is_some()) =>
                {
                    Err(KafkaError::of(ErrorCode::ElectionNotNeeded))
                }
                None if kind == ElectionKind::Preferred => {
                    Err(KafkaError::of(ErrorCode::PreferredLeaderNotAvailable))
                }
                None => Err(KafkaError::of(ErrorCode::EligibleLeadersNotAvailable)),
            };
            outcomes.push((tp, outcome));
        }
        outcomes
    }
}

/// A requested count: -1 takes the broker default, anything else below 1 is refused.
fn count_or_default(
    requested: i32,
    default: i32,
    code: ErrorCode,
    message: &str,
) -> Result<i32, KafkaError> {
    match requested {
        -1 => Ok(default),
        n if n < 1 => Err(error(code, message)),
        n => Ok(n),
    }
}

/// The most partitions a topic may have here. Kafka sets no such limit (a cluster slows long
/// before), but a simulated topic's partitions live in one browser tab.
pub(crate) const MAX_PARTITIONS: i64 = 10_000;

fn within_partition_limit(partitions: i64) -> Result<(), KafkaError> {
    if partitions > MAX_PARTITIONS {
        return Err(error(
            ErrorCode::InvalidPartitions,
            format!(
                "Number of partitions {partitions} is more than this simulation holds ({MAX_PARTITIONS} per topic)."
            ),
        ));
    }
    Ok(())
}

fn unknown_topic() -> KafkaError {
    KafkaError::of(ErrorCode::UnknownTopicOrPartition)
}

#[cfg(test)]
mod tests {
    use super::uuid_text;

    #[test]
    fn topic_ids_are_22_characters_of_url_safe_base64() {
        assert_eq!(uuid_text([0; 16]), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(uuid_text([0xff; 16]), "_____________________w");
        assert_eq!(uuid_text([0xff; 16]).len(), 22);
    }
}
