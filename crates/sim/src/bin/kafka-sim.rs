//! `kafka-sim`: the simulation on the command line.
//!
//! ```text
//! kafka-sim run SCENARIO                 run a scenario (.json or .toml), print a JSON report
//! kafka-sim describe SCENARIO [--topic T] run it, print `kafka-topics.sh --describe`
//! kafka-sim export SCENARIO [--out DIR]   what to run on a real Kafka 4.x cluster to try the
//!                                        same thing (compose.yaml, run.sh, properties, records)
//! kafka-sim partition --partitions N [--hex] KEY...
//!                                        the partition Kafka's default partitioner picks
//! kafka-sim assign < REQUEST.json       what an assignor gives each member (see below)
//! kafka-sim fuzz [--seeds N] [--first-seed S] [--profile P]
//!                                        seeded fault fuzzing, checked (profiles: safe,
//!                                        acks1, acks0, unclean, no-idempotence, reorder, all)
//! ```
//!
//! `assign` reads `{"assignor": "range"|"roundrobin"|"sticky"|"cooperative-sticky", "members":
//! {"c1": ["t1"]}, "partitions_per_topic": {"t1": 3}, "owned": {"c1": [["t1", 0]]}}` (`owned`
//! optional) and prints `{"c1": [["t1", 0], ...]}`, each member's partitions sorted.
//!
//! `export` prints every file with a `==> NAME <==` header (as `head` does for several files);
//! with `--out DIR` it writes them there (creating DIR) and prints their paths.
//!
//! `fuzz` exits with 1 when the safe profile shows an anomaly, or an unsafe profile shows one
//! Kafka does not allow; it prints each such seed with a shrunk scenario that reproduces it.
//!
//! Exit status: 0 on success, 2 for bad arguments or a bad scenario file (the message names
//! the field and, for syntax errors, the line).

use kafka_sim::fuzz::{self, Profile};
use kafka_sim::partitioner::partition_for_key;
use kafka_sim::scenario::StepResult;
use kafka_sim::{Scenario, World};
use std::collections::BTreeMap;
use std::process::ExitCode;

const USAGE: &str = "usage:
  kafka-sim run SCENARIO
  kafka-sim describe SCENARIO [--topic TOPIC]
  kafka-sim export SCENARIO [--out DIR]
  kafka-sim partition --partitions N [--hex] KEY...
  kafka-sim assign < REQUEST.json
  kafka-sim fuzz [--seeds N] [--first-seed S] [--profile safe|acks1|acks0|unclean|no-idempotence|reorder|at-most-once|at-least-once|all]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(message) if message.starts_with(FUZZ_FAILED) => {
            print!("{}", &message[FUZZ_FAILED.len()..]);
            ExitCode::from(1)
        }
        Err(message) => {
            eprintln!("kafka-sim: {message}");
            ExitCode::from(2)
        }
    }
}

/// Marks a fuzz report that found anomalies Kafka would not show (exit status 1).
const FUZZ_FAILED: &str = "\u{0}fuzz-failed\u{0}";

fn run(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("run") => {
            let (scenario, world, steps) = load_and_run(args.get(1))?;
            let mut report = world.report();
            report.refused = scenario.refused(&steps);
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
            json.push('\n');
            Ok(json)
        }
        Some("describe") => {
            let (_, world, _) = load_and_run(args.get(1))?;
            let topic = match (args.get(2).map(String::as_str), args.get(3)) {
                (Some("--topic"), Some(topic)) => Some(topic.as_str()),
                (None, _) => None,
                _ => return Err(USAGE.to_owned()),
            };
            Ok(world.describe_topics(topic))
        }
        Some("export") => export_command(&args[1..]),
        Some("partition") => partition(&args[1..]),
        Some("fuzz") => fuzz_command(&args[1..]),
        Some("assign") => assign_command(),
        _ => Err(USAGE.to_owned()),
    }
}

/// Loads and runs a scenario; refused steps are also told on stderr, for a reader who does not
/// open the report.
fn load_and_run(path: Option<&String>) -> Result<(Scenario, World, Vec<StepResult>), String> {
    let path = path.ok_or_else(|| USAGE.to_owned())?;
    let scenario = load(path)?;
    let (world, steps) = scenario.run().map_err(|e| format!("{path}: {e}"))?;
    for (index, step) in steps.iter().enumerate().filter(|(_, s)| !s.applied()) {
        eprintln!("steps[{index}] at {} ms: {}", step.at_ms, step.result);
    }
    Ok((scenario, world, steps))
}

/// Loads a scenario file, naming the file in every error.
fn load(path: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    parse(&text, path.ends_with(".toml")).map_err(|e| format!("{path}: {e}"))
}

fn export_command(args: &[String]) -> Result<String, String> {
    let (path, out) = match args {
        [path] => (path, None),
        [path, flag, dir] if flag == "--out" => (path, Some(dir)),
        _ => return Err(USAGE.to_owned()),
    };
    let scenario = load(path)?;
    let files = kafka_sim::export::files(&scenario).map_err(|e| format!("{path}: {e}"))?;
    let mut output = String::new();
    match out {
        None => {
            for (name, text) in &files {
                if !output.is_empty() {
                    output.push('\n');
                }
                output.push_str(&format!("==> {name} <==\n{text}"));
            }
        }
        Some(dir) => {
            let dir = std::path::Path::new(dir);
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for (name, text) in &files {
                let file = dir.join(name);
                std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
                output.push_str(&format!("{}\n", file.display()));
            }
        }
    }
    Ok(output)
}

/// Parses a scenario, naming the field that is wrong (`steps[2].broker`) and the line.
fn parse(text: &str, toml: bool) -> Result<Scenario, String> {
    if toml {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| e.to_string())?;
        serde_path_to_error::deserialize(deserializer)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))
    } else {
        parse_json(text)
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

fn fuzz_command(args: &[String]) -> Result<String, String> {
    let mut seeds = 100u64;
    let mut first = 1u64;
    let mut profiles = vec![Profile::Safe];
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?;
        match arg.as_str() {
            "--seeds" => {
                seeds = value
                    .parse()
                    .map_err(|_| format!("--seeds {value}: not a number"))?
            }
            "--first-seed" => {
                first = value
                    .parse()
                    .map_err(|_| format!("--first-seed {value}: not a number"))?
            }
            "--profile" if value == "all" => profiles = Profile::ALL.to_vec(),
            "--profile" => {
                profiles = vec![
                    Profile::parse(value)
                        .ok_or_else(|| format!("unknown profile {value}\n{USAGE}"))?,
                ]
            }
            _ => return Err(USAGE.to_owned()),
        }
    }
    let mut out = String::new();
    let mut failed = false;
    for profile in profiles {
        let (mut faults, mut operations) = (0, 0);
        let mut coverage: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let mut seen: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for seed in first..first + seeds {
            let generated = fuzz::scenario(seed, profile);
            let outcome = fuzz::run(&generated);
            faults += outcome.faults;
            operations += outcome.operations;
            for (what, count) in &outcome.coverage {
                let entry = coverage.entry(what).or_default();
                entry.0 += count;
                entry.1 += 1;
            }
            let mut reported = std::collections::BTreeSet::new();
            for violation in &outcome.violations {
                seen.entry(violation.anomaly.to_string())
                    .or_default()
                    .push(seed);
                if profile.allowed().contains(&violation.anomaly)
                    || !reported.insert(violation.anomaly)
                {
                    continue;
                }
                failed = true;
                let minimal = fuzz::shrink(&generated, violation.anomaly);
                let json = serde_json::to_string_pretty(&minimal).map_err(|e| e.to_string())?;
                out.push_str(&format!(
                    "FAILED {} seed {seed}: {}: {}\nminimal scenario (save as a .json file and `kafka-sim run` it):\n{json}\n",
                    profile.name(), violation.anomaly, violation.detail
                ));
            }
        }
        out.push_str(&format!(
            "profile {}: {seeds} seeds, {faults} faults injected, {operations} operations checked\n",
            profile.name()
        ));
        let exercised: Vec<String> = coverage
            .iter()
            .map(|(what, (count, seeds))| format!("{what} {count}× in {seeds} seeds"))
            .collect();
        out.push_str(&format!("  exercised: {}\n", exercised.join(", ")));
        for (anomaly, on) in &seen {
            let mut distinct = on.clone();
            distinct.dedup();
            let allowed = if profile.allowed().iter().any(|a| a.to_string() == *anomaly) {
                "allowed"
            } else {
                "NOT ALLOWED"
            };
            out.push_str(&format!(
                "  {anomaly} ({allowed}): {} seed(s), first seed {}\n",
                distinct.len(),
                distinct[0]
            ));
        }
        if let Some(expected) = profile.expected()
            && !seen.contains_key(&expected.to_string())
        {
            failed = true;
            out.push_str(&format!(
                "  FAILED: {expected} was expected on some seed and never showed\n"
            ));
        }
        let unexpected = seen.keys().any(|a| {
            !profile
                .allowed()
                .iter()
                .any(|allowed| allowed.to_string() == *a)
        });
        if !unexpected && profile.expected().is_none() {
            out.push_str("  no anomaly beyond what the configuration allows\n");
        }
    }
    if failed {
        Err(format!("{FUZZ_FAILED}{out}"))
    } else {
        Ok(out)
    }
}

/// The request `kafka-sim assign` reads.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignRequest {
    assignor: kafka_sim::group::assignor::Assignor,
    members: BTreeMap<String, Vec<String>>,
    partitions_per_topic: BTreeMap<String, u32>,
    #[serde(default)]
    owned: BTreeMap<String, Vec<(String, u32)>>,
}

fn assign_command() -> Result<String, String> {
    use kafka_sim::group::assignor::{Subscription, assign};
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| e.to_string())?;
    let request: AssignRequest = parse_json(&text).map_err(|e| format!("stdin: {e}"))?;
    if let Some(unknown) = request
        .owned
        .keys()
        .find(|m| !request.members.contains_key(*m))
    {
        return Err(format!("stdin: owned.{unknown}: not a member"));
    }
    let members: Vec<Subscription> = request
        .members
        .iter()
        .map(|(id, topics)| Subscription {
            member_id: id.clone(),
            topics: topics.clone(),
            owned: request
                .owned
                .get(id)
                .into_iter()
                .flatten()
                .map(|(t, p)| kafka_sim::TopicPartition::new(t, *p))
                .collect(),
            ..Subscription::default()
        })
        .collect();
    let assignment = assign(request.assignor, &members, &request.partitions_per_topic);
    let sorted: BTreeMap<&String, Vec<(String, u32)>> = assignment
        .iter()
        .map(|(member, list)| {
            let mut pairs: Vec<(String, u32)> = list
                .iter()
                .map(|tp| (tp.topic.to_string(), tp.partition))
                .collect();
            pairs.sort();
            (member, pairs)
        })
        .collect();
    let mut json = serde_json::to_string(&sorted).map_err(|e| e.to_string())?;
    json.push('\n');
    Ok(json)
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| format!("{}: {}", e.path(), e.inner()))
}
