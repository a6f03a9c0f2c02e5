//! `kafka-reassign-partitions.sh`: `--execute`, `--verify` and `--cancel` with a reassignment
//! JSON, `--list`, and `--generate` of a plan that spreads topics over a broker list. The
//! console has no files: `--reassignment-json-file` and `--topics-to-move-json-file` take the
//! file's content in its place, in single quotes
//! (`--reassignment-json-file '{"version":1,"partitions":[...]}'`). Throttles are not
//! simulated, so `--throttle` is refused; the `Clearing ... throttles` lines are printed as
//! Kafka prints them.

use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError};
use crate::controller::Reassignment;
use crate::protocol::{BrokerId, TopicPartition};
use crate::world::World;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Kafka's reassignment JSON (version 1).
#[derive(Debug, Deserialize, Serialize)]
struct Plan {
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    partitions: Vec<PlanPartition>,
}

#[derive(Debug, Deserialize, Serialize)]
struct PlanPartition {
    topic: String,
    partition: u32,
    replicas: Vec<BrokerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    log_dirs: Option<Vec<String>>,
}

/// `--topics-to-move-json-file`.
#[derive(Debug, Deserialize)]
struct TopicsToMove {
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    topics: Vec<TopicToMove>,
}

#[derive(Debug, Deserialize)]
struct TopicToMove {
    topic: String,
}

fn one() -> u32 {
    1
}

const ANY_LOG_DIR: &str = "any";

/// Kafka's JSON of a plan, as `formatAsReassignmentJson` writes it (log dirs all `any`).
pub fn reassignment_json(reassignments: &[Reassignment]) -> String {
    let mut partitions: Vec<PlanPartition> = reassignments
        .iter()
        .map(|r| {
            let replicas = r.replicas.clone().unwrap_or_default();
            PlanPartition {
                log_dirs: Some(vec![ANY_LOG_DIR.to_owned(); replicas.len()]),
                topic: r.topic.clone(),
                partition: r.partition,
                replicas,
            }
        })
        .collect();
    crate::sorted::sort_by(&mut partitions, |a, b| {
        (&a.topic, a.partition).cmp(&(&b.topic, b.partition))
    });
    let plan = Plan {
        version: 1,
        partitions,
    };
    serde_json::to_string(&plan).expect("a plan serializes")
}

pub(super) fn reassign_partitions(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    let actions = ["generate", "execute", "verify", "cancel", "list"];
    let chosen: Vec<&str> = actions.iter().copied().filter(|a| options.has(a)).collect();
    let [action] = chosen[..] else {
        return Err(
            "Command must include exactly one action: --generate, --execute, --verify, --cancel, --list"
                .to_owned(),
        );
    };
    for unsupported in ["throttle", "replica-alter-log-dirs-throttle"] {
        if options.has(unsupported) {
            return Err(format!(
                "--{unsupported}: replication throttles are not simulated; run without it"
            ));
        }
    }
    match action {
        "list" => Ok(list(world)),
        "generate" => generate(world, options),
        _ => {
            let plan = read_plan(options.required("reassignment-json-file")?)?;
            match action {
                "execute" => execute(world, &plan, options.has("additional")),
                "verify" => Ok(verify(world, &plan)),
                _ => cancel(world, &plan),
            }
        }
    }
}

/// Parses and checks a plan as `parsePartitionReassignmentData` and `validateAndParseArgs` do.
fn read_plan(text: &str) -> Result<Vec<(TopicPartition, Vec<BrokerId>)>, String> {
    let plan: Plan = serde_json::from_str(text).map_err(|e| {
        format!(
            "Error: org.apache.kafka.server.common.AdminOperationException: {e} (the console has \
             no files: give the JSON itself in single quotes)"
        )
    })?;
    if plan.version != 1 {
        return Err(format!(
            "Error: Not supported version field value {}",
            plan.version
        ));
    }
    if plan.partitions.is_empty() {
        return Err("Error: Partition reassignment list cannot be empty".to_owned());
    }
    let mut seen = BTreeSet::new();
    let mut duplicates = Vec::new();
    let mut targets = Vec::new();
    for p in plan.partitions {
        if let Some(dirs) = &p.log_dirs {
            if dirs.len() != p.replicas.len() {
                return Err(format!(
                    "Error: Size of replicas list {:?} is different from size of log dirs list {:?} for partition {}-{}",
                    p.replicas, dirs, p.topic, p.partition
                ));
            }
            if dirs.iter().any(|d| d != ANY_LOG_DIR) {
                return Err(
                    "Error: log_dirs: only \"any\" is simulated (a broker has one log directory)"
                        .to_owned(),
                );
            }
        }
        // ReassignPartitionsCommand.parseAndValidate refuses it before asking the controller.
        if p.replicas.is_empty() {
            return Err("Error: Partition replica list cannot be empty".to_owned());
        }
        let tp = TopicPartition::new(&p.topic, p.partition);
        if !seen.insert(tp.clone()) {
            duplicates.push(tp.to_string());
        }
        let distinct: BTreeSet<BrokerId> = p.replicas.iter().copied().collect();
        if distinct.len() != p.replicas.len() {
            return Err(format!(
                "Error: Partition replica lists may not contain duplicate entries: {tp} contains {}",
                join(&p.replicas)
            ));
        }
        targets.push((tp, p.replicas));
    }
    if !duplicates.is_empty() {
        return Err(format!(
            "Error: Partition reassignment contains duplicate topic partitions: {}",
            duplicates.join(",")
        ));
    }
    crate::sorted::sort(&mut targets);
    Ok(targets)
}

fn join(ids: &[BrokerId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn partitions_line(tps: &[&TopicPartition]) -> String {
    tps.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Brokers `describeCluster` lists: registered and unfenced.
fn live_brokers(world: &World) -> Vec<BrokerId> {
    let image = world.metadata();
    image
        .registered
        .keys()
        .copied()
        .filter(|b| !image.fenced.contains(b))
        .collect()
}

fn refused(error: CommandError) -> String {
    match error {
        CommandError::Kafka(e) => e.message,
        other => other.to_string(),
    }
}

fn execute(
    world: &mut World,
    targets: &[(TopicPartition, Vec<BrokerId>)],
    additional: bool,
) -> ConsoleResult {
    let ongoing = world.partition_reassignments();
    if !additional && !ongoing.is_empty() {
        return Err(
            "Cannot execute because there is an existing partition assignment.  Use \
                    --additional to override this and create a new partition assignment in \
                    addition to the existing one. The --additional flag can also be used to \
                    change the throttle by resubmitting the current reassignment."
                .to_owned(),
        );
    }
    let live = live_brokers(world);
    if let Some(unknown) = targets
        .iter()
        .flat_map(|(_, replicas)| replicas)
        .find(|b| !live.contains(b))
    {
        return Err(format!("Error: Unknown broker id {unknown}"));
    }
    let current: Vec<Reassignment> = targets
        .iter()
        .filter_map(|(tp, _)| {
            let state = world.metadata().partition(tp)?;
            Some(Reassignment {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                replicas: Some(state.replicas.clone()),
            })
        })
        .collect();
    let rollback = reassignment_json(&current);
    let command = Command::AlterPartitionReassignments {
        reassignments: targets
            .iter()
            .map(|(tp, replicas)| Reassignment {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                replicas: Some(replicas.clone()),
            })
            .collect(),
    };
    let mut out = format!(
        "Current partition replica assignment\n\n{rollback}\n\nSave this to use as the \
         --reassignment-json-file option during rollback\n"
    );
    if let Err(error) = world.apply(command) {
        // The simulated controller refuses the whole request at its first bad partition.
        let tp = failing_partition(&error, targets);
        return Err(format!(
            "{out}Error reassigning partition(s):\n{tp}: {}",
            refused(error)
        ));
    }
    let tps: Vec<&TopicPartition> = targets.iter().map(|(tp, _)| tp).collect();
    out.push_str(&format!(
        "Successfully started partition reassignment{} for {}\n",
        plural(tps.len()),
        partitions_line(&tps)
    ));
    Ok(out)
}

/// The partition an error names (the controller's messages say `topic:partition` or the
/// topic), or the first of the plan.
fn failing_partition(error: &CommandError, targets: &[(TopicPartition, Vec<BrokerId>)]) -> String {
    let message = error.to_string();
    targets
        .iter()
        .map(|(tp, _)| tp)
        .find(|tp| {
            message.contains(&format!("{}:{}", tp.topic, tp.partition))
                || message.contains(&format!("named {}.", tp.topic))
        })
        .or(targets.first().map(|(tp, _)| tp))
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn clearing_lines(world: &World, targets: &[(TopicPartition, Vec<BrokerId>)]) -> String {
    let brokers: Vec<BrokerId> = world.metadata().registered.keys().copied().collect();
    let topics: BTreeSet<&str> = targets.iter().map(|(tp, _)| &*tp.topic).collect();
    let mut out = format!(
        "Clearing broker-level throttles on brokers {}\n",
        join(&brokers)
    );
    for topic in topics {
        out.push_str(&format!(
            "Clearing topic-level throttles on topic {topic}\n"
        ));
    }
    out
}

fn verify(world: &World, targets: &[(TopicPartition, Vec<BrokerId>)]) -> String {
    let ongoing = world.partition_reassignments();
    let mut out = "Status of partition reassignment:\n".to_owned();
    for (tp, target) in targets {
        if ongoing.iter().any(|o| &o.tp == tp) {
            out.push_str(&format!(
                "Reassignment of partition {tp} is still in progress.\n"
            ));
            continue;
        }
        let current = world
            .metadata()
            .partition(tp)
            .map(|s| s.replicas.clone())
            .unwrap_or_default();
        if &current == target {
            out.push_str(&format!("Reassignment of partition {tp} is completed.\n"));
        } else {
            out.push_str(&format!(
                "There is no active reassignment of partition {tp}, but replica set is {} rather than {}.\n",
                join(&current),
                join(target)
            ));
        }
    }
    // The (empty) report of log directory moves.
    out.push('\n');
    if ongoing.is_empty() {
        out.push_str(&clearing_lines(world, targets));
    }
    out
}

fn cancel(world: &mut World, targets: &[(TopicPartition, Vec<BrokerId>)]) -> ConsoleResult {
    let ongoing = world.partition_reassignments();
    let active: Vec<&TopicPartition> = targets
        .iter()
        .map(|(tp, _)| tp)
        .filter(|tp| ongoing.iter().any(|o| &o.tp == *tp))
        .collect();
    let mut out = String::new();
    if active.is_empty() {
        out.push_str("None of the specified partition reassignments are active.\n");
    } else {
        let command = Command::AlterPartitionReassignments {
            reassignments: active
                .iter()
                .map(|tp| Reassignment {
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    replicas: None,
                })
                .collect(),
        };
        if let Err(error) = world.apply(command) {
            let tp = failing_partition(&error, targets);
            return Err(format!(
                "Error cancelling partition reassignment for:\n{tp}: {}",
                refused(error)
            ));
        }
        out.push_str(&format!(
            "Successfully cancelled partition reassignment{} for: {}\n",
            plural(active.len()),
            partitions_line(&active)
        ));
    }
    out.push_str("None of the specified partition moves are active.\n");
    out.push_str(&clearing_lines(world, targets));
    Ok(out)
}

fn list(world: &World) -> String {
    let ongoing = world.partition_reassignments();
    if ongoing.is_empty() {
        return "No partition reassignments found.\n".to_owned();
    }
    let mut out = "Current partition reassignments:\n".to_owned();
    for o in ongoing {
        let adding = if o.adding.is_empty() {
            String::new()
        } else {
            format!(" adding: {}.", join(&o.adding))
        };
        let removing = if o.removing.is_empty() {
            String::new()
        } else {
            format!(" removing: {}.", join(&o.removing))
        };
        out.push_str(&format!(
            "{}: replicas: {}.{adding}{removing}\n",
            o.tp,
            join(&o.replicas)
        ));
    }
    out
}

/// `--generate`: the current assignment of the topics, and a proposal that places them on the
/// brokers listed, round-robin from a start as Kafka's placer does (rack awareness and the
/// random start are left out: the proposal starts at the first listed broker).
fn generate(world: &World, options: &Options<'_>) -> ConsoleResult {
    let text = options.required("topics-to-move-json-file")?;
    let topics: TopicsToMove = serde_json::from_str(text)
        .map_err(|e| format!("Error: The input string is not a valid JSON: {e}"))?;
    if topics.version != 1 {
        return Err(format!(
            "Error: Not supported version field value {}",
            topics.version
        ));
    }
    let brokers: Vec<BrokerId> = options
        .required("broker-list")?
        .split(',')
        .map(|b| {
            b.trim()
                .parse()
                .map_err(|_| format!("Error: Invalid broker id {b}"))
        })
        .collect::<Result<_, _>>()?;
    let distinct: BTreeSet<BrokerId> = brokers.iter().copied().collect();
    if distinct.len() != brokers.len() {
        return Err(format!(
            "Error: Duplicate brokers in the list: {}",
            join(&brokers)
        ));
    }
    let live = live_brokers(world);
    if let Some(unknown) = brokers.iter().find(|b| !live.contains(b)) {
        return Err(format!("Error: Unknown broker id {unknown}"));
    }
    let mut current = Vec::new();
    let mut proposed = Vec::new();
    for TopicToMove { topic } in &topics.topics {
        let Some(image) = world.metadata().topics.get(topic.as_str()) else {
            return Err(format!(
                "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic {topic} not found"
            ));
        };
        for (index, state) in image.partitions.iter().enumerate() {
            let rf = state.replicas.len();
            if rf > brokers.len() {
                return Err(format!(
                    "Error: Replication factor: {rf} larger than available brokers: {}.",
                    brokers.len()
                ));
            }
            let replicas: Vec<BrokerId> = (0..rf)
                .map(|r| brokers[(index + r) % brokers.len()])
                .collect();
            let partition = index as u32;
            current.push(Reassignment {
                topic: topic.clone(),
                partition,
                replicas: Some(state.replicas.clone()),
            });
            proposed.push(Reassignment {
                topic: topic.clone(),
                partition,
                replicas: Some(replicas),
            });
        }
    }
    Ok(format!(
        "Current partition replica assignment\n{}\n\nProposed partition reassignment configuration\n{}\n",
        reassignment_json(&current),
        reassignment_json(&proposed)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_is_kafkas_with_any_log_dirs_sorted_by_partition() {
        let plan = [
            Reassignment {
                topic: "t".into(),
                partition: 1,
                replicas: Some(vec![2, 4]),
            },
            Reassignment {
                topic: "t".into(),
                partition: 0,
                replicas: Some(vec![4]),
            },
        ];
        assert_eq!(
            reassignment_json(&plan),
            r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[4],"log_dirs":["any"]},{"topic":"t","partition":1,"replicas":[2,4],"log_dirs":["any","any"]}]}"#
        );
    }

    #[test]
    fn a_plan_naming_a_partition_twice_is_refused() {
        let text = r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1]},{"topic":"t","partition":0,"replicas":[2]}]}"#;
        assert_eq!(
            read_plan(text).expect_err("refused"),
            "Error: Partition reassignment contains duplicate topic partitions: t-0"
        );
        assert_eq!(
            read_plan(r#"{"version":1,"partitions":[]}"#).expect_err("refused"),
            "Error: Partition reassignment list cannot be empty"
        );
        // tools/.../reassign/ReassignPartitionsCommand.java, parseAndValidate.
        assert_eq!(
            read_plan(r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[]}]}"#)
                .expect_err("refused"),
            "Error: Partition replica list cannot be empty"
        );
    }
}
