//! The summary `kafka-sim run` prints on a terminal: what a Kafka user would look at after the
//! fact, in the tools' own formats, instead of every replica's whole log.

use kafka_sim::scenario::StepResult;
use kafka_sim::verdict::Finding;
use kafka_sim::{Event, Scenario, World};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The console is the page's, so the tables are exactly what the page's console prints.
const TOPICS: &str =
    "kafka-topics.sh --bootstrap-server localhost:9092 --describe --exclude-internal";
const GROUPS: &str =
    "kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --all-groups";
const SHARE_GROUPS: &str =
    "kafka-share-groups.sh --bootstrap-server localhost:9092 --describe --all-groups";

pub fn summary(
    name: &str,
    scenario: &Scenario,
    mut world: World,
    steps: &[StepResult],
    findings: &[Finding],
) -> String {
    let mut out = String::new();
    let brokers = scenario.cluster.brokers;
    let _ = writeln!(
        out,
        "{name}: seed {}, {brokers} broker(s), ran to {} ms of virtual time, trace {:016x}",
        scenario.seed,
        world.now().as_millis(),
        world.trace().hash()
    );
    let shares = world.groups().iter().any(|(_, g)| g.share.is_some());
    let commands = [TOPICS, GROUPS, SHARE_GROUPS];
    // The share groups' table only where there are share groups (older runs read as before).
    for command in &commands[..if shares { 3 } else { 2 }] {
        let _ = writeln!(out, "\n$ {command}");
        match kafka_sim::console::run(&mut world, command) {
            Ok(text) if text.trim().is_empty() => out.push_str("(none)\n"),
            Ok(text) => out.push_str(text.trim_end_matches('\n')),
            Err(error) => out.push_str(&error),
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out.push_str(&operations(&world));
    let refused = scenario.refused(steps);
    let _ = writeln!(out, "\nRefused steps: {}", refused.len());
    for step in refused {
        let command = serde_json::to_value(step.command)
            .ok()
            .and_then(|v| v["command"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  steps[{}] at {} ms ({command}): {}",
            step.step, step.at_ms, step.error
        );
    }
    let _ = write!(out, "\nVerdict: {}", verdict(findings, world.events()));
    out
}

/// Operations counted by client call and outcome (`produce acked 3`), with Kafka's error for
/// failures, since which error it was is the point.
fn operations(world: &World) -> String {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let consumer_ops = world.consumers().flat_map(|(c, _)| c.history());
    for op in world.operations().into_iter().chain(consumer_ops) {
        let request = serde_json::to_value(&op.request).unwrap_or_default();
        let outcome = serde_json::to_value(&op.outcome).unwrap_or_default();
        let call = request["op"].as_str().unwrap_or("?").to_owned();
        let mut result = outcome["result"].as_str().unwrap_or("?").to_owned();
        if let Some(error) = outcome["error"].as_str() {
            result = format!("{result} {error}");
        } else if let Some(message) = outcome["message"].as_str() {
            let exception = message.split(':').next().unwrap_or(message);
            result = format!("{result} {exception}");
        }
        *counts.entry((call, result)).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let mut out = format!("\nOperations: {total}\n");
    for ((call, result), count) in counts {
        let _ = writeln!(out, "  {call:<12} {result:<40} {count}");
    }
    out
}

/// The verdict and, for each anomaly, whether the configuration allows it and why it
/// happened (the cause chain the page's "why?" shows).
pub fn verdict(findings: &[Finding], events: &[Event]) -> String {
    let not_allowed = findings.iter().filter(|f| f.allowed_by.is_none()).count();
    let mut out = match (findings.len(), not_allowed) {
        (0, _) => "no anomaly\n".to_owned(),
        (n, 0) => format!(
            "{n} anomal{}, all allowed by the configuration\n",
            plural(n)
        ),
        (n, bad) => format!(
            "{n} anomal{}, {bad} NOT allowed by the configuration\n",
            plural(n)
        ),
    };
    for finding in findings {
        let judged = match &finding.allowed_by {
            Some(why) => format!("allowed by {why}"),
            None => "NOT ALLOWED".to_owned(),
        };
        let violation = &finding.violation;
        let _ = writeln!(
            out,
            "  {} ({judged}): {}",
            violation.anomaly, violation.detail
        );
        for (position, &index) in finding.causes.iter().enumerate() {
            let lead = if position == 0 { "why:" } else { "   ←" };
            if let Some(event) = events.get(index) {
                let _ = writeln!(out, "    {lead} at {}: {}", event.at, event.kind);
            }
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}
