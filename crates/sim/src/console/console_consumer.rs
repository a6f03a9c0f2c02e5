//! `kafka-console-consumer.sh`. A console command cannot let simulated time pass in the
//! cluster the page shows, so the tool runs a consumer on a copy of the cluster for
//! `--timeout-ms` of simulated time (5000 unless given) or until `--max-messages`, and prints
//! what it got in `DefaultMessageFormatter`'s format. The real cluster is untouched; a
//! consumer that keeps running is added in the Consumers panel.

use super::{ConsoleResult, Options};
use crate::client::Outcome;
use crate::command::Command;
use crate::protocol::TopicPartition;
use crate::time::SimDuration;
use crate::world::World;
use std::collections::BTreeMap;

const NAME: &str = "console-consumer";

pub(super) fn run(world: &World, options: &Options<'_>) -> ConsoleResult {
    let topic = options.required("topic")?;
    let max_messages = options.number("max-messages")?.map(|n| n.max(0) as usize);
    let timeout = options
        .number("timeout-ms")?
        .map_or(5_000, |n| n.max(0) as u64);
    let mut formatter: BTreeMap<&str, &str> = BTreeMap::new();
    for pair in options.values("property") {
        if let Some((k, v)) = pair.split_once('=') {
            formatter.insert(k, v);
        }
    }
    let mut config = BTreeMap::new();
    // The tool's own group when none is given: console-consumer-<5 digits>.
    let group = options.value("group").map_or_else(
        || format!("console-consumer-{:05}", world.seed() % 100_000),
        str::to_owned,
    );
    let from_beginning = options.has("from-beginning");
    config.insert(
        "auto.offset.reset".to_owned(),
        if from_beginning { "earliest" } else { "latest" }.to_owned(),
    );
    if let Some(level) = options.value("isolation-level") {
        config.insert("isolation.level".to_owned(), level.to_owned());
    }
    // The tool prints as it receives: no processing time.
    config.insert("app.processing.ms".to_owned(), "0".to_owned());
    let mut copy = world.clone();
    let name = (0..)
        .map(|n| {
            if n == 0 {
                NAME.to_owned()
            } else {
                format!("{NAME}-{n}")
            }
        })
        .find(|n| !copy.has_client(n))
        .unwrap_or_else(|| NAME.to_owned());
    let command = match options.number("partition")? {
        Some(partition) => Command::AddConsumer {
            name: name.clone(),
            config,
            topics: Vec::new(),
            partitions: vec![TopicPartition::new(topic, partition.max(0) as u32)],
        },
        None => {
            config.insert("group.id".to_owned(), group);
            Command::AddConsumer {
                name: name.clone(),
                config,
                topics: vec![topic.to_owned()],
                partitions: Vec::new(),
            }
        }
    };
    if !copy.metadata().topics.contains_key(topic) {
        return Err(format!(
            "[WARN] Error while fetching metadata: {{{topic}=UNKNOWN_TOPIC_OR_PARTITION}}"
        ));
    }
    copy.apply(command).map_err(|e| e.to_string())?;
    if let (Some(partition), Some(offset)) = (options.number("partition")?, options.value("offset"))
    {
        let tp = TopicPartition::new(topic, partition.max(0) as u32);
        let offset = match offset {
            "earliest" => copy.leader_log(&tp).map_or(0, |log| log.log_start_offset()),
            "latest" => u64::MAX,
            n => n
                .parse()
                .map_err(|_| format!("Invalid value {n} for option offset"))?,
        };
        if offset != u64::MAX {
            let seek = Command::Seek {
                consumer: name.clone(),
                tp,
                offset: i64::try_from(offset).unwrap_or(i64::MAX),
            };
            copy.apply(seek).map_err(|e| e.to_string())?;
        }
    }
    let deadline = copy.now() + SimDuration::from_millis(timeout);
    let mut lines = Vec::new();
    while copy.now() < deadline {
        copy.run_for(SimDuration::from_millis(100));
        lines = printed(&copy, &name, &formatter);
        if max_messages.is_some_and(|max| lines.len() >= max) {
            break;
        }
    }
    if let Some(max) = max_messages {
        lines.truncate(max);
    }
    let mut out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    if max_messages.is_none_or(|max| lines.len() < max) {
        out.push_str(&format!(
            "[ERROR] Error processing message, terminating consumer process: org.apache.kafka.common.errors.TimeoutException (after --timeout-ms {timeout} of simulated time, on a copy of the cluster)\n"
        ));
    }
    out.push_str(&format!("Processed a total of {} messages\n", lines.len()));
    Ok(out)
}

/// Every record the consumer got, formatted as `DefaultMessageFormatter` prints it.
fn printed(world: &World, name: &str, formatter: &BTreeMap<&str, &str>) -> Vec<String> {
    let flag = |key: &str, default: bool| {
        formatter
            .get(key)
            .map_or(default, |v| v.eq_ignore_ascii_case("true"))
    };
    let separator = formatter.get("key.separator").copied().unwrap_or("\t");
    let Some((consumer, _)) = world.consumers().find(|(c, _)| c.name() == name) else {
        return Vec::new();
    };
    consumer
        .history()
        .iter()
        .filter_map(|op| match &op.outcome {
            Outcome::Polled { records, .. } => Some(records.iter()),
            _ => None,
        })
        .flatten()
        .map(|r| {
            let mut fields = Vec::new();
            if flag("print.timestamp", false) {
                fields.push(format!("CreateTime:{}", r.timestamp_ms));
            }
            if flag("print.partition", false) {
                fields.push(format!("Partition:{}", r.tp.partition));
            }
            if flag("print.offset", false) {
                fields.push(format!("Offset:{}", r.offset));
            }
            if flag("print.headers", false) {
                let headers: Vec<String> =
                    r.headers.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                fields.push(if headers.is_empty() {
                    "NO_HEADERS".to_owned()
                } else {
                    headers.join(",")
                });
            }
            // `DefaultMessageFormatter` prints a null key or value as `null`.
            if flag("print.key", false) {
                fields.push(r.key_text());
            }
            if flag("print.value", true) {
                fields.push(r.value_text());
            }
            fields.join(separator)
        })
        .collect()
}
