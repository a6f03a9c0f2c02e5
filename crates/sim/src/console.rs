//! The Kafka command-line tools people know, run against a simulated cluster: `kafka-topics.sh`
//! (`--create`, `--describe`, `--list`, `--delete`, `--alter --partitions`) and
//! `kafka-leader-election.sh`. Output follows Kafka 4.x's formats; refusals are printed as the
//! tools print them, with Kafka's error message.

use crate::command::{Command, CommandError};
use crate::controller::{CreateTopic, ElectionKind};
use crate::protocol::TopicPartition;
use crate::topic;
use crate::world::World;
use std::collections::BTreeMap;

/// What a command line printed: its output, or the error the tool would print.
pub type ConsoleResult = Result<String, String>;

/// Runs one command line.
pub fn run(world: &mut World, line: &str) -> ConsoleResult {
    let words = shell_words(line)?;
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let Some((&tool, args)) = words.split_first() else {
        return Ok(String::new());
    };
    let tool = tool.trim_start_matches("bin/").trim_end_matches(".sh");
    let options = Options::parse(args)?;
    if !options.has("bootstrap-server") {
        return Err("Missing required argument \"[bootstrap-server]\"".to_owned());
    }
    match tool {
        "kafka-topics" => topics(world, &options),
        "kafka-leader-election" => leader_election(world, &options),
        other => Err(format!(
            "{other}: not simulated; try kafka-topics.sh or kafka-leader-election.sh"
        )),
    }
}

/// Splits a line into words as a shell would for these tools: whitespace separates words,
/// single or double quotes keep spaces inside one.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(current.take()),
            (None, c) => current.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".to_owned());
    }
    words.extend(current);
    Ok(words)
}

/// `--name value` pairs and `--flag`s, in order (`--config` may repeat).
struct Options<'a> {
    pairs: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Options<'a> {
    fn parse(args: &[&'a str]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut rest = args.iter().peekable();
        while let Some(arg) = rest.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("Found non-option argument: {arg}"))?;
            let value = rest.next_if(|next| !next.starts_with("--")).copied();
            pairs.push((name, value));
        }
        Ok(Options { pairs })
    }

    fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| *n == name)
    }

    fn value(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    }

    fn values(&self, name: &str) -> impl Iterator<Item = &'a str> + '_ {
        let name = name.to_owned();
        self.pairs
            .iter()
            .filter(move |(n, _)| *n == name)
            .filter_map(|(_, v)| *v)
    }

    fn number(&self, name: &str) -> Result<Option<i32>, String> {
        self.value(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("Invalid value {v} for option {name}"))
            })
            .transpose()
    }

    fn required(&self, name: &str) -> Result<&'a str, String> {
        self.value(name)
            .ok_or_else(|| format!("Missing required argument \"[{name}]\""))
    }
}

fn kafka_error(error: CommandError) -> String {
    match error {
        CommandError::Kafka(e) => format!("Error while executing topic command : {}", e.message),
        other => other.to_string(),
    }
}

fn topics(world: &mut World, options: &Options<'_>) -> ConsoleResult {
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
            Ok(world.describe_topics(only))
        }
        ["list"] => Ok(world.metadata().topics.keys().map(|t| format!("{t}\n")).collect()),
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

fn create(world: &mut World, options: &Options<'_>) -> ConsoleResult {
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

fn leader_election(world: &mut World, options: &Options<'_>) -> ConsoleResult {
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
