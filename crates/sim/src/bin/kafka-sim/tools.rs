//! The small tools: the export to real Kafka, the partitioner and the assignors.

use crate::cli::{ExportArgs, Target};
use crate::{Failure, load, parse_json};
use kafka_sim::partitioner::partition_for_key;
use std::collections::BTreeMap;
use std::io::Write;

pub fn export(args: &ExportArgs, out: &mut impl Write) -> Result<(), Failure> {
    let Target::RealKafka = args.to;
    let scenario = load(&args.scenario)?;
    let files = kafka_sim::export::files(&scenario)
        .map_err(|e| Failure::Input(format!("{}: {e}", args.scenario.display())))?;
    match args.dir.as_ref().or(args.out.as_ref()) {
        None => {
            for (index, (name, text)) in files.iter().enumerate() {
                let gap = if index == 0 { "" } else { "\n" };
                write!(out, "{gap}==> {name} <==\n{text}")?;
            }
        }
        Some(dir) => {
            let failed = |path: &std::path::Path, e: std::io::Error| {
                Failure::Input(format!("{}: {e}", path.display()))
            };
            std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
            for (name, text) in &files {
                let file = dir.join(name);
                std::fs::write(&file, text).map_err(|e| failed(&file, e))?;
                writeln!(out, "{}", file.display())?;
            }
        }
    }
    Ok(())
}

pub fn partition(
    partitions: u32,
    hex: bool,
    keys: &[String],
    out: &mut impl Write,
) -> Result<(), Failure> {
    for key in keys {
        let bytes = if hex {
            decode_hex(key).map_err(Failure::Input)?
        } else {
            key.as_bytes().to_vec()
        };
        writeln!(out, "{key}\t{}", partition_for_key(&bytes, partitions))?;
    }
    Ok(())
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("{text}: hex keys need an even number of digits"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{text}: not hex"))
        })
        .collect()
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

pub fn assign(out: &mut impl Write) -> Result<(), Failure> {
    use kafka_sim::group::assignor::{Subscription, assign};
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
    let request: AssignRequest =
        parse_json(&text).map_err(|e| Failure::Input(format!("stdin: {e}")))?;
    if let Some(unknown) = request
        .owned
        .keys()
        .find(|m| !request.members.contains_key(*m))
    {
        return Err(Failure::Input(format!(
            "stdin: owned.{unknown}: not a member"
        )));
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
    let json = serde_json::to_string(&sorted).map_err(|e| Failure::Input(e.to_string()))?;
    writeln!(out, "{json}")?;
    Ok(())
}
