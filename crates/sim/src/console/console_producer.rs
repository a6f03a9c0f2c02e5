//! `kafka-console-producer.sh`: each line of stdin (`echo ... |`) becomes a record, sent by a
//! producer named `console-producer` with the tool's defaults (acks=all, linger.ms=1000 from
//! `--timeout`), flushed at the end of input as the tool does when stdin closes.

use super::{ConsoleResult, Options};
use crate::command::Command;
use crate::producer::ProducerRecord;
use crate::world::World;
use std::collections::BTreeMap;

const NAME: &str = "console-producer";

pub(super) fn run(world: &mut World, options: &Options<'_>, stdin: Option<&str>) -> ConsoleResult {
    let topic = options.required("topic")?;
    let mut reader: BTreeMap<&str, &str> = BTreeMap::new();
    for pair in options.values("property") {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("Invalid property {pair}: expected key=value"))?;
        reader.insert(k, v);
    }
    let parse_key = reader.get("parse.key").is_some_and(|v| *v == "true");
    let separator = reader.get("key.separator").copied().unwrap_or("\t");
    let Some(stdin) = stdin else {
        return Err(
            "kafka-console-producer reads records from stdin: pipe them in, e.g. echo 'key:value' | kafka-console-producer.sh --bootstrap-server localhost:9092 --topic orders --property parse.key=true --property key.separator=:".to_owned(),
        );
    };
    // Parse everything first: a bad line sends nothing, as the tool stops at it.
    let mut records = Vec::new();
    for (number, line) in stdin.lines().enumerate() {
        let (key, value) = if parse_key {
            let (k, v) = line.split_once(separator).ok_or_else(|| {
                format!(
                    "org.apache.kafka.common.KafkaException: No key separator found on line number {}: '{line}'",
                    number + 1
                )
            })?;
            (Some(k.into()), v.into())
        } else {
            (None, line.into())
        };
        records.push(ProducerRecord {
            topic: topic.into(),
            key,
            value: Some(value),
            ..ProducerRecord::default()
        });
    }
    if !world.has_client(NAME) {
        let mut config = BTreeMap::new();
        config.insert("linger.ms".to_owned(), "1000".to_owned());
        if let Some(acks) = options.value("request-required-acks") {
            config.insert("acks".to_owned(), acks.to_owned());
        }
        for pair in options.values("producer-property") {
            if let Some((k, v)) = pair.split_once('=') {
                config.insert(k.to_owned(), v.to_owned());
            }
        }
        let command = Command::AddProducer {
            name: NAME.to_owned(),
            config,
        };
        world.apply(command).map_err(|e| e.to_string())?;
    }
    let count = records.len();
    for record in records {
        let command = Command::Send {
            producer: NAME.into(),
            record,
        };
        world.apply(command).map_err(|e| e.to_string())?;
    }
    world
        .apply(Command::Flush {
            producer: NAME.to_owned(),
        })
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{}(sent {count} record(s) with producer {NAME}; see its panel for each RecordMetadata)\n",
        ">".repeat(count)
    ))
}
