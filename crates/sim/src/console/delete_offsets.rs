//! `kafka-consumer-groups.sh --delete-offsets --group G --topic T[:0,1]...`, as Kafka 4.0's
//! `ConsumerGroupCommand.deleteOffsets` prints it: OffsetDelete to the group's coordinator
//! (`OffsetMetadataManager.deleteOffsets`), which deletes the committed offsets of topics the
//! group does not subscribe to and answers GROUP_SUBSCRIBED_TO_TOPIC for the others; then a
//! verdict line and a `TOPIC PARTITION STATUS` row per partition.

use super::reset_offsets::{message, topic_partitions};
use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError};
use crate::error::{ErrorCode, KafkaError};
use crate::protocol::TopicPartition;
use crate::world::World;

/// One row: topic, partition (`None`: the topic could not be described), error.
type Row = (String, Option<u32>, Option<String>);

pub(super) fn delete_offsets(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let group = options.required("group")?;
    let topics: Vec<&str> = options.values("topic").collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut partitions: Vec<TopicPartition> = Vec::new();
    for arg in &topics {
        let (topic, listed) = topic_partitions(arg)?;
        let known = world
            .metadata()
            .topics
            .get(topic)
            .map(|t| t.partitions.len());
        let chosen: Vec<u32> = match (listed.is_empty(), known) {
            (false, _) => listed,
            (true, Some(count)) => (0..count as u32).collect(),
            (true, None) => {
                // describeTopics failed: the row has no partition.
                rows.push((
                    topic.to_owned(),
                    None,
                    Some(KafkaError::of(ErrorCode::UnknownTopicOrPartition).as_exception()),
                ));
                continue;
            }
        };
        for partition in chosen {
            let tp = TopicPartition::new(topic, partition);
            if !partitions.contains(&tp) {
                partitions.push(tp);
            }
        }
    }
    let verdict = match world.offset_delete_plan(group, &partitions) {
        Err(CommandError::Kafka(e)) if e.code == ErrorCode::GroupIdNotFound => {
            // The group-level error fails every partition's future.
            let error = KafkaError::of(e.code).as_exception();
            rows.extend(partitions.iter().map(|tp| {
                (
                    tp.topic.to_string(),
                    Some(tp.partition),
                    Some(error.clone()),
                )
            }));
            Some(format!("Error: '{group}' does not exist."))
        }
        Err(other) => return Err(message(other)),
        Ok(errors) => {
            let deletable: Vec<TopicPartition> = partitions
                .iter()
                .zip(&errors)
                .filter(|(_, e)| **e == ErrorCode::None)
                .map(|(tp, _)| tp.clone())
                .collect();
            if !deletable.is_empty() {
                let command = Command::DeleteOffsets {
                    group: group.to_owned(),
                    partitions: deletable,
                };
                world.apply(command).map_err(message)?;
            }
            for (tp, error) in partitions.iter().zip(&errors) {
                let text =
                    (*error != ErrorCode::None).then(|| KafkaError::of(*error).as_exception());
                rows.push((tp.topic.to_string(), Some(tp.partition), text));
            }
            errors.iter().any(|e| *e != ErrorCode::None).then(|| {
                "Error: Encounter some partition level error, see the follow-up details:".to_owned()
            })
        }
    };
    // Sorted as Kafka sorts them: by topic and partition as one string.
    crate::sorted::sort_by_key(&mut rows, |(topic, partition, _)| {
        format!("{topic}{}", partition.map_or(-1, i64::from))
    });
    let mut table = format!("\n{:<30} {:<15} {:<15}", "TOPIC", "PARTITION", "STATUS");
    for (topic, partition, error) in &rows {
        let partition = partition.map_or("Not Provided".to_owned(), |p| p.to_string());
        // A failed partition's ExecutionException message is its cause's toString; sic,
        // Kafka 4.0 prints "Error: :" before it.
        let status = match error {
            Some(text) => format!("Error: :{text}"),
            None => "Successful".to_owned(),
        };
        table.push_str(&format!("\n{topic:<30} {partition:<15} {status:<15}"));
    }
    table.push('\n');
    match verdict {
        None => Ok(format!(
            "Request succeed for deleting offsets with topic {} group {group}\n{table}",
            topics.join(", ")
        )),
        Some(error) => Err(format!("{error}\n{table}")),
    }
}
