//! What a group coordinator writes to `__consumer_offsets`: committed offsets and each
//! generation's membership. A new coordinator rebuilds its groups by replaying these records
//! from its replica of the partition, so what it knows after a failover is exactly what was
//! replicated.

use super::assignor::java_hash_code;
use crate::metadata::{MetadataImage, PartitionState};
use crate::protocol::{Bytes, RecordData, TopicPartition};
pub use crate::protocol::{CoordinatorRecord, PersistedMember};
use std::rc::Rc;

/// The internal topic holding committed offsets and group metadata.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// `Utils.abs(key.hashCode()) % partitions`: which partition of a coordinator's topic a key
/// (a group id, a transactional id) lives in (`Utils.abs(Integer.MIN_VALUE)` is 0).
pub fn partition_for_key(key: &str, partitions: u32) -> u32 {
    let hash = java_hash_code(key);
    let abs = if hash == i32::MIN { 0 } else { hash.abs() };
    abs as u32 % partitions.max(1)
}

/// The partition of `topic` that `key` lives in and its state, once the topic exists; its
/// leader is the key's coordinator.
pub fn key_partition<'a>(
    image: &'a MetadataImage,
    topic: &str,
    key: &str,
) -> Option<(TopicPartition, &'a PartitionState)> {
    let found = image.topics.get(topic)?;
    let partition = partition_for_key(key, found.partitions.len() as u32);
    let state = found.partitions.get(partition as usize)?;
    Some((TopicPartition::new(topic, partition), state))
}

/// `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`: the partition whose leader
/// coordinates the group.
pub fn offsets_partition_for(group_id: &str, partitions: u32) -> u32 {
    partition_for_key(group_id, partitions)
}

/// The `__consumer_offsets` partition of `group` and its state, once the topic exists.
pub fn coordinator_partition<'a>(
    image: &'a MetadataImage,
    group: &str,
) -> Option<(TopicPartition, &'a PartitionState)> {
    key_partition(image, OFFSETS_TOPIC, group)
}

impl CoordinatorRecord {
    /// The group it belongs to.
    pub fn group(&self) -> &str {
        match self {
            CoordinatorRecord::Offset { group, .. }
            | CoordinatorRecord::OffsetDeleted { group, .. }
            | CoordinatorRecord::Group { group, .. }
            | CoordinatorRecord::ConsumerGroup { group, .. }
            | CoordinatorRecord::Deleted { group } => group,
        }
    }

    /// The record as it is appended: key and value rendered as Kafka's
    /// `OffsetsMessageFormatter` and `GroupMetadataMessageFormatter` print them.
    pub fn to_record(&self, timestamp_ms: u64) -> Rc<RecordData> {
        let (key, value) = match self {
            CoordinatorRecord::Offset {
                group,
                tp,
                offset,
                metadata,
            } => (
                format!("[{group},{},{}]", tp.topic, tp.partition),
                format!(
                    "OffsetAndMetadata(offset={offset}, metadata={})",
                    metadata.0
                ),
            ),
            CoordinatorRecord::OffsetDeleted { group, tp } => (
                format!("[{group},{},{}]", tp.topic, tp.partition),
                String::new(),
            ),
            CoordinatorRecord::Deleted { group } => (group.clone(), String::new()),
            CoordinatorRecord::Group {
                group,
                generation,
                protocol,
                leader,
                members,
            } => {
                let members: Vec<String> = members
                    .iter()
                    .map(|m| {
                        let parts: Vec<String> =
                            m.assignment.iter().map(ToString::to_string).collect();
                        format!("{}=[{}]", m.subscription.member_id, parts.join(","))
                    })
                    .collect();
                (
                    group.clone(),
                    format!(
                        "GroupMetadata(generation={generation}, protocol={}, leader={}, members={{{}}})",
                        protocol.as_deref().unwrap_or("-"),
                        leader.as_deref().unwrap_or("-"),
                        members.join(", ")
                    ),
                )
            }
            CoordinatorRecord::ConsumerGroup { group, state } => {
                let members: Vec<String> = state
                    .members
                    .iter()
                    .map(|m| {
                        let parts: Vec<String> =
                            m.assigned.iter().map(ToString::to_string).collect();
                        format!("{}@{}=[{}]", m.member_id, m.member_epoch, parts.join(","))
                    })
                    .collect();
                (
                    group.clone(),
                    format!(
                        "ConsumerGroup(epoch={}, assignmentEpoch={}, members={{{}}})",
                        state.group_epoch,
                        state.assignment_epoch,
                        members.join(", ")
                    ),
                )
            }
        };
        Rc::new(RecordData {
            timestamp_ms,
            key: Some(bytes(&key)),
            // A deletion is a tombstone: a key with a null value.
            value: (!matches!(
                self,
                CoordinatorRecord::Deleted { .. } | CoordinatorRecord::OffsetDeleted { .. }
            ))
            .then(|| bytes(&value)),
            coordinator: Some(Rc::new(self.clone())),
            ..RecordData::default()
        })
    }
}

fn bytes(text: &str) -> Bytes {
    Rc::from(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinator_partitions_match_kafkas() {
        // From kafka-reference.md §6 (computed with Java's String.hashCode).
        for (group, partition) in [
            ("my-group", 12),
            ("test-group", 12),
            ("group1", 40),
            ("hello", 22),
            ("polygenelubricants", 0),
        ] {
            assert_eq!(offsets_partition_for(group, 50), partition, "{group}");
        }
    }
}
