//! `kafka-consumer-groups.sh`: --list, --describe (offsets, --members [--verbose], --state)
//! and --reset-offsets (--to-earliest, --to-latest, --to-offset; --dry-run or --execute).

use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError, ResetTarget};
use crate::group::describe_group;
use crate::world::World;

pub(super) fn consumer_groups(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let actions = ["list", "describe", "reset-offsets", "delete"];
    let chosen: Vec<&str> = actions.into_iter().filter(|a| options.has(a)).collect();
    match chosen.as_slice() {
        ["list"] => Ok(world
            .groups()
            .iter()
            .map(|(_, g)| format!("{}\n", g.id))
            .collect()),
        ["describe"] => describe(world, options),
        ["reset-offsets"] => reset(world, options),
        ["delete"] => {
            let group = options.required("group")?;
            let command = Command::DeleteGroup {
                group: group.to_owned(),
            };
            match world.apply(command) {
                Ok(()) => Ok(format!(
                    "Deletion of requested consumer groups ('{group}') was successful.\n"
                )),
                Err(CommandError::Kafka(e)) => Err(format!(
                    "Deletion of some consumer groups failed:\n* Group '{group}' could not be deleted due to: org.apache.kafka.common.errors.{}",
                    e.message
                )),
                Err(other) => Err(message(other)),
            }
        }
        _ => Err(
            "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"
                .to_owned(),
        ),
    }
}

fn describe(world: &World, options: &Options<'_>) -> ConsoleResult {
    let groups: Vec<String> = if options.has("all-groups") {
        world.groups().iter().map(|(_, g)| g.id.clone()).collect()
    } else {
        vec![options.required("group")?.to_owned()]
    };
    let mut out = String::new();
    for group in groups {
        let described = describe_group(world, &group).map_err(|e| format!("Error: {e}"))?;
        let text = if options.has("members") {
            described.members_table(options.has("verbose"))
        } else if options.has("state") {
            described.state_table()
        } else {
            described.offsets_table()
        };
        out.push_str(&text);
        out.push('\n');
    }
    Ok(out)
}

fn reset(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let group = options.required("group")?;
    let topic = options.required("topic")?;
    let to = if options.has("to-earliest") {
        ResetTarget::Earliest
    } else if options.has("to-latest") {
        ResetTarget::Latest
    } else if let Some(offset) = options.value("to-offset") {
        let offset = offset
            .parse()
            .map_err(|_| format!("Invalid value {offset} for option to-offset"))?;
        ResetTarget::Offset(offset)
    } else {
        return Err(
            "Option [reset-offsets] takes one of these options: --to-earliest, --to-latest, --to-offset"
                .to_owned(),
        );
    };
    let (_, plan) = world.reset_plan(group, topic, to).map_err(message)?;
    let mut out = String::new();
    if options.has("execute") {
        let command = Command::ResetOffsets {
            group: group.to_owned(),
            topic: topic.to_owned(),
            to,
        };
        world.apply(command).map_err(message)?;
    } else {
        out.push_str("WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n");
    }
    out.push_str(&format!(
        "\n{:<30} {:<30} {:<10} {:<15}",
        "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"
    ));
    for (tp, offset) in plan {
        out.push_str(&format!(
            "\n{:<30} {:<30} {:<10} {:<15}",
            group, tp.topic, tp.partition, offset
        ));
    }
    out.push('\n');
    Ok(out)
}

fn message(error: CommandError) -> String {
    match error {
        CommandError::Kafka(e) => format!("Error: {}", e.message),
        other => format!("Error: {other}"),
    }
}
