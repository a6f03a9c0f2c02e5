//! What `kafka-consumer-groups.sh` asks of a group's offsets through the admin client:
//! `--reset-offsets` (planned from the partitions' leaders as
//! `ConsumerGroupCommand.prepareOffsetsToReset` does, written by the coordinator, which refuses
//! unless the group is Empty) and `--delete-offsets` (OffsetDelete).

use super::World;
use crate::command::{CommandError, ResetTarget};
use crate::error::{ErrorCode, KafkaError};
use crate::protocol::{BrokerId, TopicPartition};

impl World {
    /// The offsets `--reset-offsets` would set for `partitions` of `topic` (all when empty),
    /// and the coordinator that would write them. Every target is clamped to the partition's
    /// range, log start to log end, as `checkOffsetsRange` does.
    pub fn reset_plan(
        &self,
        group: &str,
        topic: &str,
        partitions: &[u32],
        to: ResetTarget,
    ) -> Result<(BrokerId, Vec<(TopicPartition, u64)>), CommandError> {
        let image = self.metadata();
        let Some(count) = image.topics.get(topic).map(|t| t.partitions.len() as u32) else {
            return Err(KafkaError::new(
                ErrorCode::UnknownTopicOrPartition,
                format!("Topic '{topic}' does not exist"),
            )
            .into());
        };
        // GroupOffsetsResetter.checkAllTopicPartitionsValid.
        let missing: Vec<String> = partitions
            .iter()
            .filter(|p| **p >= count)
            .map(|p| format!("{topic}-{p}"))
            .collect();
        if !missing.is_empty() {
            return Err(KafkaError::new(
                ErrorCode::UnknownTopicOrPartition,
                format!("The partitions \"{}\" do not exist", missing.join(",")),
            )
            .into());
        }
        let coordinator = self.coordinator_of(group)?;
        let committed = self
            .groups()
            .into_iter()
            .find(|(_, g)| g.id == group)
            .map(|(_, g)| g.offsets.clone())
            .unwrap_or_default();
        let chosen: Vec<u32> = match partitions.is_empty() {
            true => (0..count).collect(),
            false => partitions.to_vec(),
        };
        let mut offsets = Vec::new();
        for partition in chosen {
            let tp = TopicPartition::new(topic, partition);
            let latest = self.leader_log(&tp).map_or(0, |log| log.high_watermark());
            // ListOffsets earliest: the log start offset, which retention moves.
            let earliest = self.leader_log(&tp).map_or(0, |log| log.log_start_offset());
            let offset = match to {
                ResetTarget::Earliest => earliest,
                ResetTarget::Latest => latest,
                // `checkOffsetsRange`: below the log start is the log start.
                ResetTarget::Offset(n) => n.min(latest).max(earliest),
                ResetTarget::ShiftBy(by) => {
                    let Some(current) = committed.get(&tp) else {
                        return Err(CommandError::InvalidArgument(format!(
                            "Cannot shift offset for partition {tp} since there is no current committed offset"
                        )));
                    };
                    current.saturating_add_signed(by).min(latest).max(earliest)
                }
                ResetTarget::Timestamp(ms) => self.offset_for_timestamp(&tp, ms).unwrap_or(latest),
                ResetTarget::Current => committed.get(&tp).copied().unwrap_or(latest),
            };
            offsets.push((tp, offset));
        }
        Ok((coordinator, offsets))
    }

    /// ListOffsets by timestamp at the partition's leader, as a read_uncommitted admin client
    /// asks it: the first record below the high watermark whose timestamp is at least
    /// `timestamp_ms`; none when no record is (Kafka's -1, "the partition is empty").
    pub fn offset_for_timestamp(&self, tp: &TopicPartition, timestamp_ms: i64) -> Option<u64> {
        let log = self.leader_log(tp)?;
        let end = log.high_watermark();
        log.records()
            .iter()
            .take_while(|record| record.offset < end)
            .find(|record| i64::try_from(record.data.timestamp_ms).is_ok_and(|t| t >= timestamp_ms))
            .map(|record| record.offset)
    }

    /// `--reset-offsets --execute`: computed from the partitions' leaders, written by the
    /// group's coordinator (which refuses unless the group is Empty).
    pub(super) fn reset_offsets(
        &mut self,
        group: &str,
        topic: &str,
        partitions: &[u32],
        to: ResetTarget,
    ) -> Result<(), CommandError> {
        let (_, offsets) = self.reset_plan(group, topic, partitions, to)?;
        self.with_coordinator(group, |b, ctx| b.reset_offsets(ctx, group, offsets))
    }

    /// What OffsetDelete would answer for each of `partitions`, or the group's error
    /// (GROUP_ID_NOT_FOUND), from the coordinator's view of the group.
    pub fn offset_delete_plan(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<ErrorCode>, CommandError> {
        self.coordinator_of(group)?;
        let Some((_, found)) = self.groups().into_iter().find(|(_, g)| g.id == group) else {
            return Err(KafkaError::of(ErrorCode::GroupIdNotFound).into());
        };
        Ok(found.offset_delete_errors(partitions))
    }
}
