//! `kafka-leader-election.sh`: preferred or unclean elections, per partition or for all.

use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError};
use crate::controller::ElectionKind;
use crate::protocol::TopicPartition;
use crate::world::World;

pub(super) fn leader_election(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let election = match options
        .required("election-type")?
        .to_ascii_uppercase()
        .as_str()
    {
        "PREFERRED" => ElectionKind::Preferred,
        "UNCLEAN" => ElectionKind::Unclean,
        other => {
            return Err(format!(
                "Invalid election type {other}: PREFERRED or UNCLEAN"
            ));
        }
    };
    let partitions: Vec<TopicPartition> = if options.has("all-topic-partitions") {
        world.metadata().partitions().map(|(tp, _)| tp).collect()
    } else {
        let topic = options.required("topic")?;
        let partition = options
            .number("partition")?
            .ok_or("Missing required argument \"[partition]\"")?;
        vec![TopicPartition::new(topic, partition.max(0) as u32)]
    };
    let name = if election == ElectionKind::Preferred {
        "PREFERRED"
    } else {
        "UNCLEAN"
    };
    let mut done = Vec::new();
    let mut not_needed = Vec::new();
    let mut failed = Vec::new();
    for tp in partitions {
        let command = Command::ElectLeaders {
            election,
            partitions: Some(vec![tp.clone()]),
        };
        match world.apply(command) {
            Ok(()) => done.push(tp.to_string()),
            Err(CommandError::Kafka(e)) if e.code == crate::error::ErrorCode::ElectionNotNeeded => {
                not_needed.push(tp.to_string())
            }
            Err(CommandError::Kafka(e)) => failed.push(format!(
                "Error completing leader election ({name}) for partition: {tp}: {}",
                e.message
            )),
            Err(other) => failed.push(other.to_string()),
        }
    }
    let mut out = String::new();
    if !done.is_empty() {
        out.push_str(&format!(
            "Successfully completed leader election ({name}) for partitions {}\n",
            done.join(", ")
        ));
    }
    if !not_needed.is_empty() {
        out.push_str(&format!(
            "Valid replica already elected for partitions {}\n",
            not_needed.join(", ")
        ));
    }
    for line in failed {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}
