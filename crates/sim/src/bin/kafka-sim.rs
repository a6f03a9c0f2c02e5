//! `kafka-sim`: the simulation on the command line.
//!
//! ```text
//! kafka-sim run SCENARIO                 run a scenario (.json or .toml), print a JSON report
//! kafka-sim describe SCENARIO [--topic T] run it, print `kafka-topics.sh --describe`
//! kafka-sim partition --partitions N [--hex] KEY...
//!                                        the partition Kafka's default partitioner picks
//! ```
//!
//! Exit status: 0 on success, 2 for bad arguments or a bad scenario file (the message names
//! the field and, for syntax errors, the line).

use kafka_sim::partitioner::partition_for_key;
use kafka_sim::{Scenario, World};
use std::process::ExitCode;

const USAGE: &str = "usage:
  kafka-sim run SCENARIO
  kafka-sim describe SCENARIO [--topic TOPIC]
  kafka-sim partition --partitions N [--hex] KEY...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("kafka-sim: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("run") => {
            let world = load_and_run(args.get(1))?;
            let mut json =
                serde_json::to_string_pretty(&world.report()).map_err(|e| e.to_string())?;
            json.push('\n');
            Ok(json)
        }
        Some("describe") => {
            let world = load_and_run(args.get(1))?;
            let topic = match (args.get(2).map(String::as_str), args.get(3)) {
                (Some("--topic"), Some(topic)) => Some(topic.as_str()),
                (None, _) => None,
                _ => return Err(USAGE.to_owned()),
            };
            Ok(world.describe_topics(topic))
        }
        Some("partition") => partition(&args[1..]),
        _ => Err(USAGE.to_owned()),
    }
}

fn load_and_run(path: Option<&String>) -> Result<World, String> {
    let path = path.ok_or_else(|| USAGE.to_owned())?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let scenario = parse(&text, path.ends_with(".toml")).map_err(|e| format!("{path}: {e}"))?;
    let (world, steps) = scenario.run().map_err(|e| format!("{path}: {e}"))?;
    for (index, step) in steps.iter().enumerate().filter(|(_, s)| s.result != "ok") {
        eprintln!("steps[{index}] at {} ms: {}", step.at_ms, step.result);
    }
    Ok(world)
}

/// Parses a scenario, naming the field that is wrong (`steps[2].broker`) and the line.
fn parse(text: &str, toml: bool) -> Result<Scenario, String> {
    if toml {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| e.to_string())?;
        serde_path_to_error::deserialize(deserializer)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
    } else {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
    }
}

fn partition(args: &[String]) -> Result<String, String> {
    let mut partitions = None;
    let mut hex = false;
    let mut keys = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--partitions" => {
                let n = rest.next().ok_or("--partitions needs a number")?;
                partitions = Some(n.parse::<u32>().ok().filter(|&n| n > 0).ok_or(
                    "INVALID_PARTITIONS: Number of partitions was set to an invalid non-positive value.",
                )?);
            }
            "--hex" => hex = true,
            key => keys.push(key),
        }
    }
    let partitions = partitions.ok_or("--partitions N is required")?;
    let mut out = String::new();
    for key in keys {
        let bytes = if hex {
            decode_hex(key)?
        } else {
            key.as_bytes().to_vec()
        };
        out.push_str(&format!(
            "{key}\t{}\n",
            partition_for_key(&bytes, partitions)
        ));
    }
    Ok(out)
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("{text}: hex keys need an even number of digits"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| format!("{text}: not hex")))
        .collect()
}
