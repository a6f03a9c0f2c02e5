//! `kafka-topics.sh`: --create, --describe (with its partition reports and
//! --topics-with-overrides), --list, --delete and --alter --partitions, checked and worded as
//! `tools/src/main/java/org/apache/kafka/tools/TopicCommand.java` does. `--topic` is a regular
//! expression for --list, --describe, --alter and --delete, as Kafka's `IncludeList`.

use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError};
use crate::controller::CreateTopic;
use crate::error::ErrorCode;
use crate::topic;
use crate::world::World;
use std::collections::BTreeMap;

/// What `printException` puts before every failure of the command itself.
const PREFIX: &str = "Error while executing topic command : ";

/// The partition reports of `--describe`: any of them prints only matching partition lines.
const REPORTS: [&str; 4] = [
    "under-replicated-partitions",
    "under-min-isr-partitions",
    "at-min-isr-partitions",
    "unavailable-partitions",
];

pub(super) fn topics(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    check_args(options)?;
    if options.has("create") {
        create(world, options)
    } else if options.has("alter") {
        alter(world, options).map_err(|e| format!("{PREFIX}{e}"))
    } else if options.has("list") {
        let names = matching(world, options).map_err(|e| format!("{PREFIX}{e}"))?;
        // `System.out.println(String.join("\n", topics))`: one line even when empty.
        Ok(format!("{}\n", names.join("\n")))
    } else if options.has("describe") {
        describe(world, options).map_err(|e| format!("{PREFIX}{e}"))
    } else {
        delete(world, options).map_err(|e| format!("{PREFIX}{e}"))
    }
}

/// `TopicCommandOptions.checkArgs`, in its order: one action, the bootstrap server, the
/// required options, then the options that do not go together.
fn check_args(options: &Options<'_>) -> Result<(), String> {
    let actions = ["create", "list", "alter", "describe", "delete"];
    if actions.iter().filter(|a| options.has(a)).count() != 1 {
        return Err("Command must include exactly one action: --list, --describe, --create, --alter or --delete".to_owned());
    }
    if !options.has("bootstrap-server") {
        return Err("--bootstrap-server must be specified".to_owned());
    }
    if options.has("describe") && options.has("if-exists") && !options.has("topic") {
        return Err("--topic or --topic-id is required to describe a topic".to_owned());
    }
    if !options.has("list") && !options.has("describe") {
        options.required("topic")?;
    }
    if options.has("alter") {
        options.required("partitions")?;
    }
    // `invalidOptions`: allTopicLevelOpts (the actions) but the allowed ones.
    let except = |allowed: &[&str]| -> Vec<&'static str> {
        actions
            .into_iter()
            .filter(|a| !allowed.contains(a))
            .collect()
    };
    let mut invalid: Vec<(&str, Vec<&str>)> = vec![
        ("config", except(&["alter", "create"])),
        ("partitions", except(&["alter", "create"])),
        ("replication-factor", except(&["create"])),
        ("replica-assignment", except(&["alter", "create"])),
    ];
    if options.has("create") {
        invalid.push((
            "replica-assignment",
            vec!["partitions", "replication-factor"],
        ));
    }
    for report in REPORTS {
        let mut with = except(&["describe"]);
        with.push("topics-with-overrides");
        invalid.push((report, with));
    }
    let mut overrides = except(&["describe"]);
    overrides.extend(REPORTS);
    invalid.push(("topics-with-overrides", overrides));
    invalid.push(("if-exists", except(&["alter", "delete", "describe"])));
    invalid.push(("if-not-exists", except(&["create"])));
    invalid.push(("exclude-internal", except(&["list", "describe"])));
    for (used, others) in invalid {
        if let Some(other) = options
            .has(used)
            .then(|| others.into_iter().find(|o| options.has(o)))
            .flatten()
        {
            return Err(format!(
                "Option \"[{used}]\" can't be used with option \"[{other}]\""
            ));
        }
    }
    Ok(())
}

/// The topics `--topic` names, sorted: all (but internal ones with `--exclude-internal`)
/// without it, else those its regular expression matches whole (`TopicFilter.IncludeList`).
fn matching(world: &World, options: &Options<'_>) -> Result<Vec<String>, String> {
    let exclude_internal = options.has("exclude-internal");
    let pattern = options
        .value("topic")
        .map(|raw| {
            let regex = raw
                .trim()
                .replace(',', "|")
                .replace(' ', "")
                .trim_start_matches(['"', '\''])
                .trim_end_matches(['"', '\''])
                .to_owned();
            regex_lite::Regex::new(&format!("^(?:{regex})$"))
                .map_err(|_| format!("{regex} is an invalid regex."))
        })
        .transpose()?;
    Ok(world
        .metadata()
        .topics
        .keys()
        .filter(|t| !(exclude_internal && topic::is_internal(t)))
        .filter(|t| pattern.as_ref().is_none_or(|p| p.is_match(t)))
        .map(|t| t.to_string())
        .collect())
}

/// `ensureTopicExists`: a named topic that matches nothing is an error, unless `--if-exists`.
fn existing(world: &World, options: &Options<'_>) -> Result<Vec<String>, String> {
    let topics = matching(world, options)?;
    if let Some(name) = options.value("topic")
        && !name.is_empty()
        && topics.is_empty()
        && !options.has("if-exists")
    {
        return Err(format!("Topic '{name}' does not exist as expected"));
    }
    Ok(topics)
}

fn describe(world: &World, options: &Options<'_>) -> Result<String, String> {
    let topics = existing(world, options)?;
    let report = |name: &str| options.has(name);
    let reporting = REPORTS.iter().any(|r| report(r));
    let overrides_only = report("topics-with-overrides");
    Ok(world.describe_topics_where(
        |name| topics.iter().any(|t| t == name),
        |t| !reporting && (!overrides_only || !t.configs.is_empty()),
        |t, p| {
            let isr = p.isr.len() as u32;
            !overrides_only
                && (!reporting
                    || (report("under-replicated-partitions") && p.isr.len() < p.replicas.len())
                    || (report("unavailable-partitions") && p.leader.is_none())
                    || (report("under-min-isr-partitions")
                        && (p.leader.is_none() || isr < t.min_insync_replicas))
                    || (report("at-min-isr-partitions") && isr == t.min_insync_replicas))
        },
    ))
}

fn delete(world: &mut World, options: &Options<'_>) -> Result<String, String> {
    for name in existing(world, options)? {
        world
            .apply(Command::DeleteTopic { name })
            .map_err(message)?;
    }
    Ok(String::new())
}

fn alter(world: &mut World, options: &Options<'_>) -> Result<String, String> {
    let total = options.number("partitions")?.unwrap_or_default();
    for topic in existing(world, options)? {
        world
            .apply(Command::CreatePartitions { topic, total })
            .map_err(message)?;
    }
    Ok(String::new())
}

pub(super) fn create(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let name = options.required("topic")?;
    // The warning is printed before the attempt, so also above its failure.
    let mut out = String::new();
    if topic::has_collision_chars(name) {
        out.push_str("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
    }
    match create_request(options).and_then(|request| {
        let name = request.name.clone();
        match world.apply(Command::CreateTopic(request)) {
            Err(CommandError::Kafka(e))
                if e.code == ErrorCode::TopicAlreadyExists && options.has("if-not-exists") =>
            {
                Ok(None)
            }
            Err(other) => Err(message(other)),
            Ok(()) => Ok(Some(name)),
        }
    }) {
        Ok(created) => {
            if let Some(name) = created {
                out.push_str(&format!("Created topic {name}.\n"));
            }
            Ok(out)
        }
        Err(e) => Err(format!("{out}{PREFIX}{e}")),
    }
}

/// `CommandTopicPartition` and the checks of `createTopic`, in their order: the replica
/// assignment and configs are parsed first, then the replication factor, then the partitions.
fn create_request(options: &Options<'_>) -> Result<CreateTopic, String> {
    let name = options.required("topic")?;
    let partitions = options.number("partitions")?;
    let replication_factor = options.number("replication-factor")?;
    let replica_assignment = options
        .value("replica-assignment")
        .map(replica_assignment)
        .transpose()?;
    let mut configs = BTreeMap::new();
    for pair in options.values("config") {
        // `s.split("\\s*=\\s*")` must give exactly two parts (Java drops trailing empty ones).
        let mut parts: Vec<&str> = pair.split('=').map(str::trim).collect();
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        let [key, value] = parts[..] else {
            return Err("requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".".to_owned());
        };
        configs.insert(key.to_owned(), value.to_owned());
    }
    if replication_factor.is_some_and(|rf| !(1..=32_767).contains(&rf)) {
        return Err("The replication factor must be between 1 and 32767 inclusive".to_owned());
    }
    if partitions.is_some_and(|p| p < 1) {
        return Err("The partitions must be greater than 0".to_owned());
    }
    Ok(CreateTopic {
        name: name.to_owned(),
        partitions: partitions.unwrap_or(-1),
        replication_factor: replication_factor.unwrap_or(-1),
        configs,
        replica_assignment,
    })
}

/// `TopicCommand.parseReplicaAssignment`: `1:2,2:3`, each list without repeats and as long as
/// the first.
fn replica_assignment(text: &str) -> Result<Vec<Vec<u32>>, String> {
    let mut lists: Vec<Vec<u32>> = Vec::new();
    for (i, list) in text.split(',').enumerate() {
        let brokers = list
            .split(':')
            .map(|b| {
                let b = b.trim();
                b.parse().map_err(|_| format!("For input string: \"{b}\""))
            })
            .collect::<Result<Vec<u32>, String>>()?;
        let mut repeated: Vec<u32> = brokers
            .iter()
            .copied()
            .filter(|b| brokers.iter().filter(|x| *x == b).count() > 1)
            .collect();
        repeated.sort_unstable();
        repeated.dedup();
        if !repeated.is_empty() {
            let repeated: Vec<String> = repeated.iter().map(u32::to_string).collect();
            return Err(format!(
                "Partition replica lists may not contain duplicate entries: {}",
                repeated.join(",")
            ));
        }
        if lists
            .first()
            .is_some_and(|first| first.len() != brokers.len())
        {
            let shown: Vec<String> = brokers.iter().map(u32::to_string).collect();
            return Err(format!(
                "Partition {i} has different replication factor: [{}]",
                shown.join(", ")
            ));
        }
        lists.push(brokers);
    }
    Ok(lists)
}

/// The admin client's exception message: Kafka's text for the error.
fn message(error: CommandError) -> String {
    match error {
        CommandError::Kafka(e) => e.message,
        other => other.to_string(),
    }
}
