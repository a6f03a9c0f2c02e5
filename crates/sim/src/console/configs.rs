//! `kafka-configs.sh` for group configs (KIP-932's `share.auto.offset.reset`, KIP-848's
//! group-level overrides): `--alter --add-config` / `--delete-config` and `--describe` with
//! `--entity-type groups`, printed as Kafka 4's `ConfigCommand` prints them. Topic, broker
//! and client-quota configs are not simulated through this tool.

use super::{ConsoleResult, Options};
use crate::command::Command;
use crate::world::World;
use std::collections::BTreeMap;
use std::fmt::Write;

pub(super) fn configs(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let actions = ["alter", "describe"];
    if actions.iter().filter(|a| options.has(a)).count() != 1 {
        return Err("Command must include exactly one action: --describe, --alter".to_owned());
    }
    let entity_type = options
        .value("entity-type")
        .ok_or_else(|| "At least one entity type must be specified".to_owned())?;
    if entity_type != "groups" {
        return Err(format!(
            "--entity-type {entity_type} is not simulated here: only --entity-type groups (share.auto.offset.reset)"
        ));
    }
    let group = options.value("entity-name");
    if options.has("describe") {
        return Ok(describe(world, group));
    }
    let group = group
        .ok_or_else(|| "an entity name must be specified with --alter of groups".to_owned())?;
    let mut changes: BTreeMap<String, String> = BTreeMap::new();
    for added in options.values("add-config") {
        for pair in added.split(',') {
            let (name, value) = pair.split_once('=').ok_or_else(|| {
                format!("Invalid entity config: all configs to be added must be in the format \"key=val\". Found: {pair}")
            })?;
            changes.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
    for deleted in options.values("delete-config") {
        for name in deleted.split(',') {
            // An empty value deletes (the metadata image drops the config).
            changes.insert(name.trim().to_owned(), String::new());
        }
    }
    if changes.is_empty() {
        return Err(
            "At least one of --add-config or --delete-config must be specified with --alter"
                .to_owned(),
        );
    }
    world
        .apply(Command::AlterGroupConfigs {
            group: group.to_owned(),
            configs: changes,
        })
        .map_err(|e| {
            format!("Error while executing config command with args '--entity-type groups --entity-name {group}'\n{e}")
        })?;
    Ok(format!("Completed updating config for group {group}.\n"))
}

/// `Dynamic configs for group G are:` and one line per config set on it; without a name,
/// every group that has one.
fn describe(world: &World, group: Option<&str>) -> String {
    let all = &world.metadata().group_configs;
    let groups: Vec<&str> = match group {
        Some(g) => vec![g],
        None => all.keys().map(String::as_str).collect(),
    };
    let mut out = String::new();
    for g in groups {
        let _ = writeln!(out, "Dynamic configs for group {g} are:");
        for (name, value) in all.get(g).into_iter().flatten() {
            let _ = writeln!(out, "  {name}={value} sensitive=false synonyms={{}}");
        }
    }
    out
}
