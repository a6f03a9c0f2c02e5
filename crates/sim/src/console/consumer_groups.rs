//! `kafka-consumer-groups.sh`: --list (with --state), --describe (offsets, --members
//! [--verbose], --state), --delete, --reset-offsets (`reset_offsets.rs`) and --delete-offsets
//! (`delete_offsets.rs`), checked and printed as
//! `tools/src/main/java/org/apache/kafka/tools/consumer/group/ConsumerGroupCommand.java` and
//! `ConsumerGroupCommandOptions.java` do. What the tool writes to stderr (the notes on an empty
//! or rebalancing group, the reset's WARN) comes first here, as a terminal shows it.

use super::reset_offsets::SCENARIOS;
use super::{ConsoleResult, Options, delete_offsets, reset_offsets};
use crate::command::{Command, CommandError};
use crate::group::describe_group;
use crate::world::World;

pub(super) fn consumer_groups(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let actions = [
        "list",
        "describe",
        "delete",
        "reset-offsets",
        "delete-offsets",
    ];
    if actions.iter().filter(|a| options.has(a)).count() != 1 {
        return Err(
            "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"
                .to_owned(),
        );
    }
    let mut warning = String::new();
    check_args(options, &mut warning)?;
    if options.has("list") {
        list(world, options)
    } else if options.has("describe") {
        describe(world, options)
    } else if options.has("reset-offsets") {
        reset_offsets::reset(world, options).map(|out| format!("{warning}{out}"))
    } else if options.has("delete") {
        delete(world, options)
    } else {
        delete_offsets::delete_offsets(world, options)
    }
}

/// `ConsumerGroupCommandOptions.checkArgs`, in its order.
fn check_args(options: &Options<'_>, warning: &mut String) -> Result<(), String> {
    let scope = "takes one of these options: [group], [all-groups]";
    let has_scope = options.has("group") || options.has("all-groups");
    if options.has("describe") {
        if !has_scope {
            return Err(format!("Option [describe] {scope}"));
        }
        let views = ["members", "offsets", "state"];
        if views.iter().filter(|v| options.has(v)).count() > 1 {
            return Err(
                "Option [describe] takes at most one of these options: [members], [offsets], [state]"
                    .to_owned(),
            );
        }
        if options.value("state").is_some() {
            return Err("Option [describe] does not take a value for [state]".to_owned());
        }
    }
    if options.has("delete") {
        if !has_scope {
            return Err(format!("Option [delete] {scope}"));
        }
        if options.has("topic") {
            return Err(
                "The consumer does not support topic-specific offset deletion from a consumer group."
                    .to_owned(),
            );
        }
    }
    if options.has("delete-offsets") && !(options.has("group") && options.has("topic")) {
        return Err(
            "Option [delete-offsets] takes the following options: [group], [topic]".to_owned(),
        );
    }
    if options.has("reset-offsets") {
        if options.has("dry-run") && options.has("execute") {
            return Err(
                "Option [reset-offsets] only accepts one of [execute] and [dry-run]".to_owned(),
            );
        }
        if !options.has("dry-run") && !options.has("execute") {
            // Sic: Kafka's text has no space after "missing.".
            warning.push_str("WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n");
        }
        if !has_scope {
            return Err(format!("Option [reset-offsets] {scope}"));
        }
        for used in SCENARIOS {
            if let Some(other) = options
                .has(used)
                .then(|| SCENARIOS.iter().find(|o| **o != used && options.has(o)))
                .flatten()
            {
                return Err(format!(
                    "Option \"[{used}]\" can't be used with option \"[{other}]\""
                ));
            }
        }
    }
    if options.has("group") && options.has("all-groups") {
        return Err("Option \"[group]\" can't be used with option \"[all-groups]\"".to_owned());
    }
    if options.has("group") && options.has("list") {
        return Err("Option \"[group]\" can't be used with option \"[list]\"".to_owned());
    }
    if let Some(other) = ["list", "describe"]
        .into_iter()
        .find(|o| options.has("topic") && options.has(o))
    {
        return Err(format!(
            "Option \"[topic]\" can't be used with option \"[{other}]\""
        ));
    }
    Ok(())
}

/// `--list`, and with `--state` the `GROUP STATE` table of `printGroupInfo`.
fn list(world: &World, options: &Options<'_>) -> ConsoleResult {
    // Share groups are kafka-share-groups.sh's.
    let mut groups = world.groups();
    groups.retain(|(_, g)| g.share.is_none());
    if !options.has("state") {
        return Ok(groups.iter().map(|(_, g)| format!("{}\n", g.id)).collect());
    }
    let wanted: Vec<String> = options
        .value("state")
        .map(|s| {
            s.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let shown: Vec<_> = groups
        .iter()
        .filter(|(_, g)| {
            wanted.is_empty() || wanted.contains(&g.state.kafka_name().to_ascii_lowercase())
        })
        .collect();
    let width = shown
        .iter()
        .map(|(_, g)| g.id.len().max(15))
        .max()
        .unwrap_or(15)
        + 10;
    let mut out = format!("{:<width$} {:<20}\n", "GROUP", "STATE");
    for (_, g) in shown {
        out.push_str(&format!("{:<width$} {:<20}\n", g.id, g.state.kafka_name()));
    }
    Ok(out)
}

/// The groups `--group` (repeatable) or `--all-groups` names.
pub(super) fn selected(world: &World, options: &Options<'_>) -> Vec<String> {
    if options.has("all-groups") {
        world
            .groups()
            .iter()
            .filter(|(_, g)| g.share.is_none())
            .map(|(_, g)| g.id.clone())
            .collect()
    } else {
        options.values("group").map(str::to_owned).collect()
    }
}

fn describe(world: &World, options: &Options<'_>) -> ConsoleResult {
    let groups = selected(world, options);
    let mut out = String::new();
    for group in groups {
        let described = describe_group(world, &group).map_err(|e| format!("{out}Error: {e}"))?;
        out.push_str(&described.note());
        out.push_str(&if options.has("members") {
            described.members_table(options.has("verbose"))
        } else if options.has("state") {
            described.state_table(options.has("verbose"))
        } else {
            described.offsets_table()
        });
    }
    Ok(out)
}

fn delete(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let groups = selected(world, options);
    let mut deleted = Vec::new();
    let mut failed = Vec::new();
    for group in groups {
        let command = Command::DeleteGroup {
            group: group.clone(),
        };
        match world.apply(command) {
            Ok(()) => deleted.push(group),
            Err(CommandError::Kafka(e)) => failed.push(format!(
                "* Group '{group}' could not be deleted due to: java.util.concurrent.ExecutionException: {}",
                e.as_exception()
            )),
            Err(other) => return Err(format!("Error: {other}")),
        }
    }
    if failed.is_empty() {
        return Ok(format!(
            "Deletion of requested consumer groups ('{}') was successful.\n",
            deleted.join(", ")
        ));
    }
    let mut out = format!(
        "Error: Deletion of some consumer groups failed:\n{}",
        failed.join("\n")
    );
    if !deleted.is_empty() {
        out.push_str(&format!(
            "\n\nThese consumer groups were deleted successfully: '{}', '",
            deleted.join("'")
        ));
    }
    Err(out)
}
