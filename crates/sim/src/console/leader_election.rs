//! `kafka-leader-election.sh`: preferred or unclean elections, per partition or for all,
//! checked and printed as `tools/src/main/java/org/apache/kafka/tools/LeaderElectionCommand.java`
//! does. `--path-to-json-file` reads a file, which the console has none of.

use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError};
use crate::controller::ElectionKind;
use crate::error::ErrorCode;
use crate::protocol::TopicPartition;
use crate::world::World;

pub(super) fn leader_election(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    validate(options)?;
    if options.has("path-to-json-file") {
        return Err("--path-to-json-file: the playground's console has no files; use --topic and --partition, or --all-topic-partitions".to_owned());
    }
    let (election, name) = match options
        .required("election-type")?
        .to_ascii_uppercase()
        .as_str()
    {
        "PREFERRED" => (ElectionKind::Preferred, "PREFERRED"),
        "UNCLEAN" => (ElectionKind::Unclean, "UNCLEAN"),
        other => {
            return Err(format!(
                "Invalid election type {other}: PREFERRED or UNCLEAN"
            ));
        }
    };
    let all = options.has("all-topic-partitions");
    let partitions: Vec<TopicPartition> = if all {
        world.metadata().partitions().map(|(tp, _)| tp).collect()
    } else {
        let topic = options.required("topic")?;
        let partition = options.number("partition")?.unwrap_or_default();
        vec![TopicPartition::new(topic, partition.max(0) as u32)]
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
            // ReplicationControlManager.electLeaders leaves these out when asked for all.
            Err(CommandError::Kafka(e)) if e.code == ErrorCode::ElectionNotNeeded => {
                if !all {
                    not_needed.push(tp.to_string());
                }
            }
            Err(CommandError::Kafka(e)) => failed.push(format!(
                "Error completing leader election ({name}) for partition: {tp}: {}",
                e.as_exception()
            )),
            Err(other) => return Err(other.to_string()),
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
    if failed.is_empty() {
        return Ok(out);
    }
    // The lines go to stdout, then the tool throws and exits 1 with this message.
    for line in &failed {
        out.push_str(line);
        out.push('\n');
    }
    Err(format!(
        "{out}{} replica(s) could not be elected",
        failed.len()
    ))
}

/// `LeaderElectionCommandOptions.validate`, in its order.
fn validate(options: &Options<'_>) -> Result<(), String> {
    let missing: Vec<&str> = ["--bootstrap-server", "--election-type"]
        .into_iter()
        .filter(|o| !options.has(&o[2..]))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "Missing required option(s): {}",
            missing.join(", ")
        ));
    }
    let exclusive = ["topic", "all-topic-partitions", "path-to-json-file"];
    if exclusive.iter().filter(|o| options.has(o)).count() != 1 {
        return Err("One and only one of the following options is required: --topic, --all-topic-partitions, --path-to-json-file".to_owned());
    }
    if options.has("topic") && !options.has("partition") {
        return Err("Missing required option(s): --partition".to_owned());
    }
    if !options.has("topic") && options.has("partition") {
        return Err("Option --partition is only allowed if --topic is used".to_owned());
    }
    Ok(())
}
