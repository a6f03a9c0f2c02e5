//! `kafka-topics.sh`: --create, --describe, --list (both with --exclude-internal), --delete and
//! --alter --partitions.

use super::{ConsoleResult, Options, kafka_error};
use crate::command::Command;
use crate::controller::CreateTopic;
use crate::topic;
use crate::world::World;
use std::collections::BTreeMap;

pub(super) fn topics(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let actions = ["create", "describe", "list", "delete", "alter"];
    let chosen: Vec<&str> = actions.into_iter().filter(|a| options.has(a)).collect();
    match chosen.as_slice() {
        ["create"] => create(world, options),
        ["describe"] => {
            let only = options.value("topic");
            if let Some(name) = only
                && !world.metadata().topics.contains_key(name)
            {
                return Err(format!("Error while executing topic command : Topic '{name}' does not exist as expected"));
            }
            if only.is_none() && options.has("exclude-internal") {
                let external = world.metadata().topics.keys().filter(|t| !topic::is_internal(t));
                return Ok(external.map(|t| world.describe_topics(Some(t))).collect());
            }
            Ok(world.describe_topics(only))
        }
        ["list"] => Ok(world
            .metadata()
            .topics
            .keys()
            .filter(|t| !(options.has("exclude-internal") && topic::is_internal(t)))
            .map(|t| format!("{t}\n"))
            .collect()),
        ["delete"] => {
            let name = options.required("topic")?;
            world.apply(Command::DeleteTopic { name: name.to_owned() }).map_err(kafka_error)?;
            Ok(String::new())
        }
        ["alter"] => {
            let name = options.required("topic")?;
            let total = options.number("partitions")?.ok_or("Missing required argument \"[partitions]\"")?;
            let command = Command::CreatePartitions { topic: name.to_owned(), total };
            world.apply(command).map_err(kafka_error)?;
            Ok(String::new())
        }
        _ => Err("Command must include exactly one action: --list, --describe, --create, --alter or --delete".to_owned()),
    }
}

pub(super) fn create(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let name = options.required("topic")?;
    let partitions = options.number("partitions")?;
    let replication_factor = options.number("replication-factor")?;
    if partitions.is_some_and(|p| p < 1) {
        return Err("The partitions must be greater than 0".to_owned());
    }
    if replication_factor.is_some_and(|rf| !(1..=32_767).contains(&rf)) {
        return Err("The replication factor must be between 1 and 32767 inclusive".to_owned());
    }
    let mut configs = BTreeMap::new();
    for pair in options.values("config") {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("Invalid topic config: all configs to be added must be in the format \"key=val\": {pair}"))?;
        configs.insert(key.to_owned(), value.to_owned());
    }
    let replica_assignment = options
        .value("replica-assignment")
        .map(|text| {
            text.split(',')
                .map(|replicas| {
                    replicas
                        .split(':')
                        .map(|b| {
                            b.trim()
                                .parse()
                                .map_err(|_| format!("Invalid replica assignment {text}"))
                        })
                        .collect()
                })
                .collect::<Result<Vec<Vec<u32>>, String>>()
        })
        .transpose()?;
    let request = CreateTopic {
        name: name.to_owned(),
        partitions: partitions.unwrap_or(-1),
        replication_factor: replication_factor.unwrap_or(-1),
        configs,
        replica_assignment,
    };
    world
        .apply(Command::CreateTopic(request))
        .map_err(kafka_error)?;
    let mut out = String::new();
    if topic::has_collision_chars(name) {
        out.push_str("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
    }
    out.push_str(&format!("Created topic {name}.\n"));
    Ok(out)
}
