//! `run.sh`: the scenario's steps as commands, in order, with `sleep`s between them for the
//! scenario's timing (whole seconds, so POSIX `sleep` takes them). Every line is a command or a
//! comment, and every value from the scenario is quoted with [`super::quote::sh`].

use super::clients::{Batch, Clients, Consumer};
use super::faults::Network;
use super::quote::{comment_lines, ere_literal, sh};
use super::{Layout, MOUNT, TOOLS};
use crate::command::{Command, ResetTarget};
use crate::controller::{CreateTopic, ElectionKind};
use crate::protocol::BrokerId;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// What the script is made from.
pub(crate) struct Input<'a> {
    pub scenario: &'a Scenario,
    pub layout: &'a Layout,
    pub clients: &'a Clients,
    /// The simulation's replica assignment of each topic at the end of the run.
    pub placements: &'a BTreeMap<String, Vec<Vec<BrokerId>>>,
    /// Steps the simulation refused, with Kafka's error.
    pub refused: &'a BTreeMap<usize, String>,
}

/// The script, and the steps it could only describe (for the README).
pub(crate) struct Output {
    pub text: String,
    pub notes: Vec<String>,
}

/// The script as it is written, step by step.
pub(crate) struct Script {
    lines: Vec<String>,
    notes: Vec<String>,
    /// The current step's time, for notes.
    at_ms: u64,
    /// Whole seconds slept so far.
    slept_s: u64,
    /// The current step was refused by the simulation: its commands must not stop the script.
    refused: bool,
    /// When the run ends, in ms.
    end_ms: u64,
}

impl Script {
    /// A `#` comment, wrapped.
    pub(crate) fn comment(&mut self, text: &str) {
        self.lines.extend(comment_lines(text));
    }

    /// A command line (already quoted).
    pub(crate) fn command(&mut self, line: String) {
        if self.refused && !line.ends_with('&') {
            self.lines.push(format!("{line} || true"));
        } else {
            self.lines.push(line);
        }
    }

    /// Something no container command causes: a comment with how to approximate it, and a
    /// line in the README.
    pub(crate) fn cannot(&mut self, what: &str, how: &str) {
        self.comment(&format!("Not reproduced: {what}. {}", capitalized(how)));
        let at = seconds(self.at_ms);
        self.notes
            .push(format!("{at}: {what}. {}", capitalized(how)));
    }

    /// Like [`Script::cannot`], with a command to run by hand, on a comment line of its own
    /// (never wrapped, so that it can be copied whole).
    pub(crate) fn by_hand(&mut self, what: &str, how: &str, command: &str) {
        self.comment(&format!("Not reproduced: {what}. {}:", capitalized(how)));
        self.lines
            .push(format!("#   {}", super::quote::one_line(command)));
        let at = seconds(self.at_ms);
        let how = capitalized(how);
        self.notes.push(format!("{at}: {what}. {how}: `{command}`"));
    }

    /// A step the script does only approximately: a comment, and a line in the README.
    pub(crate) fn differs(&mut self, text: &str) {
        self.comment(&format!("Differs: {text}."));
        self.notes.push(format!("{}: {text}.", seconds(self.at_ms)));
    }

    /// A Kafka tool run in the client container, `--bootstrap-server` added by `kafka_tool`.
    pub(crate) fn tool(&mut self, tool: &str, args: &[String]) {
        self.command(format!("kafka_tool {tool} {}", args.join(" ")));
    }

    /// The current step's time, in ms.
    pub(crate) fn at(&self) -> u64 {
        self.at_ms
    }

    fn sleep_until(&mut self, at_ms: u64) {
        let target_s = at_ms / 1000;
        if target_s > self.slept_s {
            self.lines
                .push(format!("sleep {}", target_s - self.slept_s));
            self.slept_s = target_s;
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `1.234 s`.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// The script.
pub(crate) fn render(input: &Input<'_>) -> Output {
    let scenario = input.scenario;
    let end_ms = scenario
        .run_until_ms
        .max(scenario.steps.last().map_or(0, |s| s.at_ms));
    let mut script = Script {
        lines: Vec::new(),
        notes: Vec::new(),
        at_ms: 0,
        slept_s: 0,
        refused: false,
        end_ms,
    };
    prologue(&mut script, input);
    let mut network = Network::default();
    for (index, step) in scenario.steps.iter().enumerate() {
        if input.clients.in_earlier_batch(index) {
            continue;
        }
        script.lines.push(String::new());
        script.sleep_until(step.at_ms);
        script.at_ms = step.at_ms;
        script.refused = false;
        if let Some(error) = input.refused.get(&index) {
            script.comment(&format!(
                "steps[{index}] was refused by the simulation ({error}); Kafka may refuse it \
                 too, so its failure does not stop the script."
            ));
            script.refused = true;
        }
        translate(&mut script, &mut network, input, index, &step.command);
    }
    script.refused = false;
    script.lines.push(String::new());
    script.sleep_until(end_ms);
    script.comment(&format!(
        "{}: the simulation ends. Wait for the consumers (each stops after its --timeout-ms \
         without records).",
        seconds(end_ms)
    ));
    script.command("wait".to_owned());
    script.command(
        "echo 'done: what the consumers read is in consumer-*.out; docker compose down -v stops \
         the cluster'"
            .to_owned(),
    );
    let mut text = script.lines.join("\n");
    text.push('\n');
    Output {
        text,
        notes: script.notes,
    }
}

fn prologue(script: &mut Script, input: &Input<'_>) {
    let layout = input.layout;
    let brokers = layout.brokers;
    script.lines.push("#!/bin/sh".to_owned());
    script.comment(&format!(
        "Generated by `kafka-sim export` from a Kafka Playground scenario (seed {}): the same \
         steps against a real Apache Kafka cluster (compose.yaml). Times in the comments are the \
         simulation's; see README.md for what differs.",
        input.scenario.seed
    ));
    script.command("set -eu".to_owned());
    script.command("cd \"$(dirname \"$0\")\"".to_owned());
    script.lines.push(String::new());
    script.command(format!("BOOTSTRAP={}", sh(&layout.bootstrap())));
    script.lines.push(String::new());
    script.comment(
        "Runs a Kafka tool in the client container, inside the compose network, so that it \
         keeps working while brokers are down or disconnected.",
    );
    script.lines.extend([
        "kafka_tool() {".to_owned(),
        "  tool=$1".to_owned(),
        "  shift".to_owned(),
        format!("  docker compose exec -T client \"{TOOLS}/$tool\" --bootstrap-server \"$BOOTSTRAP\" \"$@\""),
        "}".to_owned(),
    ]);
    let streams = input.scenario.steps.iter().any(
        |s| matches!(&s.command, Command::StreamRecords { per_second, .. } if *per_second > 0),
    );
    if streams {
        script.lines.push(String::new());
        script.comment(
            "stream_records PRODUCER TOPIC PER_SECOND SECONDS PROPERTIES: the keyless records \
             PRODUCER-stream-1, -2, ... at about PER_SECOND a second, as the playground's \
             stream_records sends them.",
        );
        script.lines.extend([
            "stream_records() {".to_owned(),
            "  i=0".to_owned(),
            "  while [ \"$i\" -lt $(($3 * $4)) ]; do".to_owned(),
            "    i=$((i + 1))".to_owned(),
            "    printf '%s-stream-%s\\n' \"$1\" \"$i\"".to_owned(),
            "    if [ $((i % $3)) -eq 0 ]; then sleep 1; fi".to_owned(),
            format!(
                "  done | kafka_tool kafka-console-producer.sh --topic \"$2\" --producer.config \"{MOUNT}/$5\""
            ),
            "}".to_owned(),
        ]);
    }
    script.lines.push(String::new());
    script.command("docker compose up -d".to_owned());
    script.comment(&format!(
        "Wait until all {brokers} broker(s) have registered and answer, as the simulation's \
         brokers have within a few milliseconds; time 0 of the scenario is when they have."
    ));
    script.lines.extend([
        "tries=0".to_owned(),
        format!(
            "until [ \"$(kafka_tool kafka-broker-api-versions.sh 2>/dev/null | grep -c '(id: ')\" -ge {brokers} ]; do"
        ),
        "  tries=$((tries + 1))".to_owned(),
        "  if [ \"$tries\" -ge 120 ]; then".to_owned(),
        "    echo 'the cluster did not start within 120 s: see docker compose logs' >&2".to_owned(),
        "    exit 1".to_owned(),
        "  fi".to_owned(),
        "  sleep 1".to_owned(),
        "done".to_owned(),
    ]);
}

fn translate(
    script: &mut Script,
    network: &mut Network,
    input: &Input<'_>,
    index: usize,
    command: &Command,
) {
    let at = seconds(script.at_ms);
    let layout = input.layout;
    match command {
        Command::CreateTopic(create) => {
            script.comment(&format!("{at}: create topic {}", create.name));
            create_topic(script, input, index, create);
        }
        Command::DeleteTopic { name } => {
            script.comment(&format!("{at}: delete topic {name}"));
            script.tool("kafka-topics.sh", &["--delete --topic".into(), sh(name)]);
        }
        Command::CreatePartitions { topic, total } => {
            script.comment(&format!("{at}: grow {topic} to {total} partitions"));
            let args = [format!(
                "--alter --topic {} --partitions {total}",
                sh(topic)
            )];
            script.tool("kafka-topics.sh", &args);
        }
        Command::ElectLeaders {
            election,
            partitions,
        } => {
            let kind = match election {
                ElectionKind::Preferred => "PREFERRED",
                ElectionKind::Unclean => "UNCLEAN",
            };
            script.comment(&format!("{at}: {} leader election", kind.to_lowercase()));
            let targets: Vec<String> = match partitions {
                None => vec!["--all-topic-partitions".to_owned()],
                Some(list) => list
                    .iter()
                    .map(|tp| format!("--topic {} --partition {}", sh(&tp.topic), tp.partition))
                    .collect(),
            };
            for target in targets {
                let args = [format!("--election-type {kind}"), target];
                script.tool("kafka-leader-election.sh", &args);
            }
        }
        Command::AddBroker { rack } => script.cannot(
            &format!("{at}: a broker joins the running cluster"),
            &format!(
                "add a broker service to compose.yaml (the next node.id{}) and `docker compose up -d` it",
                rack.as_deref()
                    .map(|r| format!(", broker.rack={r}"))
                    .unwrap_or_default()
            ),
        ),
        Command::AlterPartitionReassignments { reassignments } => {
            script.comment(&format!("{at}: partition reassignment"));
            // The tool reads a file inside the client container.
            let file = format!("/tmp/reassignment-{index}.json");
            let json = crate::console::reassignment_json(reassignments);
            script.command(format!(
                "printf '%s\\n' {} | docker compose exec -T client sh -c 'cat > {file}'",
                sh(&json)
            ));
            let action = if reassignments.iter().all(|r| r.replicas.is_none()) {
                "--cancel"
            } else {
                "--execute"
            };
            script.tool(
                "kafka-reassign-partitions.sh",
                &[format!("{action} --reassignment-json-file {file}")],
            );
        }
        Command::CrashBroker { broker, kind } => {
            super::faults::crash_broker(script, layout, *broker, *kind)
        }
        Command::RestartBroker { broker } => {
            script.comment(&format!("{at}: broker {broker} starts again"));
            script.command(format!("docker compose start {}", layout.broker(*broker)));
        }
        Command::ShutdownBroker { broker } => {
            script.comment(&format!(
                "{at}: controlled shutdown of broker {broker} (docker compose stop sends \
                 SIGTERM; the broker moves its leaderships away before it stops)"
            ));
            script.command(format!("docker compose stop {}", layout.broker(*broker)));
        }
        Command::CutLink { a, b } => network.cut(script, layout, a, b),
        Command::HealLink { a, b } => network.heal(script, Some((a, b))),
        Command::HealNetwork => network.heal(script, None),
        Command::SetLink { .. }
        | Command::SlowFollower { .. }
        | Command::CutOneWay { .. }
        | Command::PushErrors { .. } => super::faults::by_hand(script, layout, command),
        Command::CrashController { controller } => {
            script.comment(&format!("{at}: controller {controller}'s process dies"));
            let service = layout.controller(*controller);
            script.command(format!("docker compose kill -s KILL {service}"));
        }
        Command::RestartController { controller } => {
            script.comment(&format!("{at}: controller {controller} starts again"));
            script.command(format!(
                "docker compose start {}",
                layout.controller(*controller)
            ));
        }
        Command::AddClient { name } => script.comment(&format!(
            "{at}: client {name}: the console producer below stands in for it when it sends"
        )),
        Command::AddProducer { name, .. } => script.comment(&format!(
            "{at}: producer {name}: its configs are in {}; a console producer runs with them \
             for each batch of records",
            input
                .clients
                .producer_properties(name)
                .unwrap_or("its properties file")
        )),
        Command::Send { .. }
        | Command::Client {
            request: crate::client::Request::Produce { .. },
            ..
        } => {
            if let Some(batch) = input.clients.batch(index) {
                send(script, batch);
            }
        }
        Command::Client {
            client, request, ..
        } => fetch(script, client, request),
        Command::AddConsumer { name, .. } => {
            script.comment(&format!("{at}: consumer {name} starts"));
            if let Some(consumer) = input.clients.consumer(name) {
                script.command(format!(": > {}", consumer.output));
                run_consumer(script, consumer);
            }
        }
        Command::StallConsumer { consumer } | Command::ResumeConsumer { consumer } => {
            let verb = if matches!(command, Command::StallConsumer { .. }) {
                "stops"
            } else {
                "resumes"
            };
            script.comment(&format!(
                "{at}: {consumer}'s application {verb} calling poll()"
            ));
            script.cannot(
                &format!("{consumer}'s application {verb} polling while its heartbeats go on"),
                "docker compose pause client (or kill -STOP) would also stop its heartbeats, \
                 and every other client's; your own application can sleep in its poll loop",
            );
        }
        Command::CloseConsumer { consumer } => {
            script.comment(&format!(
                "{at}: {consumer} calls close(): SIGTERM makes the console consumer close \
                 (commit with auto commit, LeaveGroup)"
            ));
            signal_consumer(script, input, consumer, "TERM");
        }
        Command::CommitSync { consumer } | Command::CommitAsync { consumer } => {
            script.comment(&format!("{at}: {consumer} commits its positions"));
            script.cannot(
                &format!("{consumer}'s explicit commit"),
                "the console consumer commits only with enable.auto.commit, every \
                 auto.commit.interval.ms",
            );
        }
        Command::Seek {
            consumer,
            tp,
            offset,
        } => {
            script.comment(&format!(
                "{at}: {consumer} seeks {}-{} to {offset}",
                tp.topic, tp.partition
            ));
            script.cannot(
                &format!("{consumer}'s seek()"),
                &format!(
                    "a console consumer can start there: --topic {} --partition {} --offset \
                     {offset}",
                    tp.topic, tp.partition
                ),
            );
        }
        Command::SeekToBeginning { consumer, .. }
        | Command::SeekToEnd { consumer, .. }
        | Command::CommitSyncOffsets { consumer, .. }
        | Command::CommitAsyncOffsets { consumer, .. }
        | Command::Position { consumer, .. }
        | Command::Committed { consumer, .. }
        | Command::OffsetsForTimes { consumer, .. }
        | Command::PausePartitions { consumer, .. }
        | Command::ResumePartitions { consumer, .. } => {
            script.comment(&format!(
                "{at}: {consumer} is asked for a consumer API call"
            ));
            script.cannot(
                &format!("{consumer}'s call of the KafkaConsumer API"),
                "the console consumer cannot be told to seek, commit given offsets, answer \
                 position or committed, or pause partitions; your own application calls them",
            );
        }
        Command::ResetOffsets {
            group,
            topic,
            partitions,
            to,
        } => {
            script.comment(&format!("{at}: reset {group}'s offsets of {topic}"));
            let to = match to {
                ResetTarget::Earliest => "--to-earliest".to_owned(),
                ResetTarget::Latest => "--to-latest".to_owned(),
                ResetTarget::Offset(offset) => format!("--to-offset {offset}"),
                ResetTarget::ShiftBy(by) => format!("--shift-by {by}"),
                // The real cluster's records carry wall-clock times: the same distance back
                // from the step's moment is what stays true.
                ResetTarget::Timestamp(ms) => {
                    format!("--by-duration {}", iso_duration(script.at() as i64 - ms))
                }
                ResetTarget::Current => "--to-current".to_owned(),
            };
            let args = [format!(
                "--reset-offsets --group {} --topic {} {to} --execute",
                sh(group),
                sh(&topic_arg(topic, partitions))
            )];
            script.tool("kafka-consumer-groups.sh", &args);
        }
        Command::DeleteOffsets { group, partitions } => {
            script.comment(&format!("{at}: delete {group}'s committed offsets"));
            let mut by_topic: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
            for tp in partitions {
                by_topic.entry(&tp.topic).or_default().push(tp.partition);
            }
            let topics: Vec<String> = by_topic
                .iter()
                .map(|(topic, partitions)| format!("--topic {}", sh(&topic_arg(topic, partitions))))
                .collect();
            let args = [format!(
                "--delete-offsets --group {} {}",
                sh(group),
                topics.join(" ")
            )];
            script.tool("kafka-consumer-groups.sh", &args);
        }
        Command::StreamRecords {
            producer,
            topic,
            per_second,
        } => stream(script, input, index, producer, topic, *per_second),
        Command::DeleteGroup { group } => {
            script.comment(&format!("{at}: delete group {group}"));
            script.tool(
                "kafka-consumer-groups.sh",
                &[format!("--delete --group {}", sh(group))],
            );
        }
        Command::AlterGroupConfigs { group, configs } => {
            script.comment(&format!("{at}: set group configs of {group}"));
            let (set, deleted): (Vec<_>, Vec<_>) = configs.iter().partition(|(_, v)| !v.is_empty());
            let mut args = format!("--alter --entity-type groups --entity-name {}", sh(group));
            if !set.is_empty() {
                let list: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
                args.push_str(&format!(" --add-config {}", sh(&list.join(","))));
            }
            if !deleted.is_empty() {
                let list: Vec<&str> = deleted.iter().map(|(k, _)| k.as_str()).collect();
                args.push_str(&format!(" --delete-config {}", list.join(",")));
            }
            script.tool("kafka-configs.sh", &[args]);
        }
        Command::Transaction { producer, action } => {
            script.comment(&format!("{at}: {producer} calls {}", action.method()));
            script.cannot(
                &format!("{producer}'s {}", action.method()),
                "the console producer has no transactions; a small Java application with \
                 the same transactional.id can make these calls",
            );
        }
        Command::Flush { producer } => script.comment(&format!(
            "{at}: {producer} calls flush(); the console producer sends each line as it reads it"
        )),
        Command::CrashClient { name } => {
            script.comment(&format!("{at}: {name}'s process dies"));
            if let Some(consumer) = input.clients.consumer(name) {
                if let Some(topic) = &consumer.forward_topic {
                    script.cannot(
                        &format!(
                            "{name} dies while forwarding to {topic}, perhaps mid-transaction"
                        ),
                        "the console consumer only reads, so killing it leaves nothing half \
                         written; kill -9 your own consume-transform-produce application instead",
                    );
                }
                signal_consumer(script, input, name, "KILL");
            } else {
                script.cannot(
                    &format!("a crash of {name}'s process (mid-send or mid-transaction)"),
                    "the console producer has sent its batch and exited by now; kill -9 your \
                     own application at that moment instead",
                );
            }
        }
        Command::WaitUntil {
            condition,
            timeout_ms,
        } => {
            script.comment(&format!(
                "{at}: the scenario waits (at most {timeout_ms} ms) until {condition:?}"
            ));
            script.cannot(
                "waiting on a condition of the simulated cluster",
                "watch for it with kafka-topics.sh --describe or kafka-consumer-groups.sh --describe, then go on",
            );
        }
        Command::PauseBroker { broker } | Command::ResumeBroker { broker } => {
            let (verb, tool) = match command {
                Command::PauseBroker { .. } => {
                    ("is frozen (its cgroup stops, as kill -STOP)", "pause")
                }
                _ => ("runs again with its stale state", "unpause"),
            };
            script.comment(&format!("{at}: broker {broker} {verb}"));
            script.command(format!("docker compose {tool} {}", layout.broker(*broker)));
        }
        Command::PauseClient { name } | Command::ResumeClient { name } => {
            let (verb, signal) = match command {
                Command::PauseClient { .. } => ("is frozen", "STOP"),
                _ => ("runs again", "CONT"),
            };
            script.comment(&format!("{at}: {name}'s process {verb}"));
            if input.clients.consumer(name).is_some() {
                signal_consumer(script, input, name, signal);
            } else {
                script.cannot(
                    &format!("{name}'s process {verb}"),
                    "the console producer runs only for each batch; send kill -{signal} to your own producer application",
                );
            }
        }
        Command::RestartClient { name } => {
            script.comment(&format!("{at}: {name} starts again"));
            if let Some(consumer) = input.clients.consumer(name) {
                run_consumer(script, consumer);
            } else {
                script.comment("The console producer starts afresh with each batch anyway.");
            }
        }
    }
}

/// `--partitions` and `--replication-factor` as the scenario gave them (-1: the broker's
/// default, so no flag).
fn size_flags(create: &CreateTopic) -> Vec<String> {
    let mut flags = Vec::new();
    if create.partitions != -1 {
        flags.push(format!("--partitions {}", create.partitions));
    }
    if create.replication_factor != -1 {
        flags.push(format!(
            "--replication-factor {}",
            create.replication_factor
        ));
    }
    flags
}

fn create_topic(script: &mut Script, input: &Input<'_>, index: usize, create: &CreateTopic) {
    let mut args = vec![format!("--create --topic {}", sh(&create.name))];
    let later_delete = input.scenario.steps[index + 1..]
        .iter()
        .any(|s| matches!(&s.command, Command::DeleteTopic { name } if *name == create.name));
    let placement = input
        .placements
        .get(&create.name)
        .filter(|_| !later_delete && !input.refused.contains_key(&index));
    if let Some(assignment) = &create.replica_assignment {
        args.push(format!(
            "--replica-assignment {}",
            replica_assignment(assignment)
        ));
    } else if let Some(placement) = placement {
        let count = usize::try_from(create.partitions).unwrap_or(1).max(1);
        let partitions = &placement[..count.min(placement.len())];
        let asked = size_flags(create);
        script.comment(&format!(
            "The scenario asks for {}; the replicas are placed as the simulation placed them \
             (the first of each partition leads), so that the steps below hit the same brokers.",
            if asked.is_empty() {
                "the defaults".to_owned()
            } else {
                asked.join(" ")
            }
        ));
        args.push(format!(
            "--replica-assignment {}",
            replica_assignment(partitions)
        ));
    } else {
        args.extend(size_flags(create));
    }
    for (key, value) in &create.configs {
        args.push(format!("--config {}", sh(&format!("{key}={value}"))));
    }
    script.tool("kafka-topics.sh", &args);
}

/// `--replica-assignment 1:2:3,2:3:1`.
fn replica_assignment(partitions: &[Vec<BrokerId>]) -> String {
    let parts: Vec<String> = partitions
        .iter()
        .map(|replicas| {
            let ids: Vec<String> = replicas.iter().map(u32::to_string).collect();
            ids.join(":")
        })
        .collect();
    parts.join(",")
}

fn send(script: &mut Script, batch: &Batch) {
    let count = batch.lines.1 - batch.lines.0 + 1;
    let at = seconds(script.at_ms);
    script.comment(&format!(
        "{at}: {} sends {count} record(s) to {} (lines {}-{} of {})",
        batch.producer, batch.topic, batch.lines.0, batch.lines.1, batch.file
    ));
    for note in &batch.notes {
        script.differs(note);
    }
    let mut args = vec![format!(
        "--topic {} --producer.config {MOUNT}/{}",
        sh(&batch.topic),
        batch.properties
    )];
    if let Some(acks) = batch.acks {
        args.push(format!("--producer-property acks={acks}"));
    }
    for property in &batch.reader {
        args.push(format!("--property {}", sh(property)));
    }
    let line = format!("kafka_tool kafka-console-producer.sh {}", args.join(" "));
    if batch.lines == (1, batch.file_lines) {
        script.command(format!("{line} < {}", batch.file));
    } else {
        let (first, last) = batch.lines;
        script.command(format!("sed -n '{first},{last}p' {} | {line}", batch.file));
    }
}

fn fetch(script: &mut Script, client: &str, request: &crate::client::Request) {
    let at = seconds(script.at_ms);
    match request {
        crate::client::Request::Fetch {
            topic,
            partition,
            offset,
        } => {
            script.comment(&format!(
                "{at}: {client} fetches {topic}-{partition} from offset {offset} (the console \
                 consumer reads for 10 s, then stops)"
            ));
            let args = [format!(
                "--topic {} --partition {partition} --offset {offset} --timeout-ms 10000 \
                 --property print.offset=true",
                sh(topic)
            )];
            script.tool("kafka-console-consumer.sh", &args);
        }
        other => script.comment(&format!("{at}: {client}: {other:?}")),
    }
}

/// Starts a console consumer (one per partition for `assign`) in the background; it stops
/// after the scenario's remaining time without records.
fn run_consumer(script: &mut Script, consumer: &Consumer) {
    let timeout_ms = script.end_ms.saturating_sub(script.at_ms) + 10_000;
    if let Some(acknowledge) = &consumer.share {
        let mut args = vec![
            format!("--topic {}", sh(&consumer.topics.join(","))),
            format!("--group {}", sh(consumer.group.as_deref().unwrap_or_default())),
            format!("--consumer-config {MOUNT}/{}", consumer.properties),
            format!("--timeout-ms {timeout_ms}"),
            "--property print.partition=true --property print.offset=true --property print.key=true"
                .to_owned(),
        ];
        if matches!(acknowledge.as_str(), "release" | "reject") {
            args.push(format!("--{acknowledge}"));
        }
        script.command(format!(
            "kafka_tool kafka-console-share-consumer.sh {} >> {} 2>&1 &",
            args.join(" "),
            consumer.output
        ));
        return;
    }
    let mut common = vec![format!("--consumer.config {MOUNT}/{}", consumer.properties)];
    if consumer.earliest {
        common.push("--from-beginning".to_owned());
    }
    if consumer.read_committed {
        common.push("--isolation-level read_committed".to_owned());
    }
    common.push(format!("--timeout-ms {timeout_ms}"));
    common.push(
        "--property print.partition=true --property print.offset=true --property print.key=true"
            .to_owned(),
    );
    let mut targets = Vec::new();
    if consumer.partitions.is_empty() {
        let mut target = match consumer.topics.as_slice() {
            [topic] => format!("--topic {}", sh(topic)),
            topics => {
                let names: Vec<String> = topics.iter().map(|t| ere_literal(t)).collect();
                format!("--include {}", sh(&format!("^({})$", names.join("|"))))
            }
        };
        if let Some(group) = &consumer.group {
            target.push_str(&format!(" --group {}", sh(group)));
        }
        targets.push(target);
    } else {
        for tp in &consumer.partitions {
            targets.push(format!(
                "--topic {} --partition {}",
                sh(&tp.topic),
                tp.partition
            ));
        }
    }
    for target in targets {
        script.command(format!(
            "kafka_tool kafka-console-consumer.sh {target} {} >> {} 2>&1 &",
            common.join(" "),
            consumer.output
        ));
    }
}

/// Sends a signal to a consumer's console consumer in the client container, found by its
/// properties file (which only its command line names).
fn signal_consumer(script: &mut Script, input: &Input<'_>, name: &str, signal: &str) {
    let Some(consumer) = input.clients.consumer(name) else {
        return;
    };
    let pattern = ere_literal(&format!("{MOUNT}/{}", consumer.properties));
    script.command(format!(
        "docker compose exec -T client pkill -{signal} -f {} || true",
        sh(&pattern)
    ));
}

fn stream(
    script: &mut Script,
    input: &Input<'_>,
    index: usize,
    producer: &str,
    topic: &str,
    per_second: u32,
) {
    let at = seconds(script.at_ms);
    if per_second == 0 {
        script.comment(&format!(
            "{at}: {producer} stops its stream (the loop started above sends only until now)"
        ));
        return;
    }
    // The stream runs until this producer's next stream_records or crash, or the end.
    let until_ms = input.scenario.steps[index + 1..]
        .iter()
        .find(|s| match &s.command {
            Command::StreamRecords { producer: p, .. } => p == producer,
            Command::CrashClient { name } => name == producer,
            _ => false,
        })
        .map_or(script.end_ms, |s| s.at_ms);
    let seconds_long = (until_ms.saturating_sub(script.at_ms) / 1000).max(1);
    script.comment(&format!(
        "{at}: {producer} sends {per_second} keyless record(s) a second to {topic} for \
         {seconds_long} s"
    ));
    let properties = input
        .clients
        .producer_properties(producer)
        .unwrap_or("producer.properties");
    script.command(format!(
        "stream_records {} {} {per_second} {seconds_long} {} &",
        sh(producer),
        sh(topic),
        sh(properties)
    ));
}

/// `--topic`'s value: the topic, or `topic:0,2` for some of its partitions.
fn topic_arg(topic: &str, partitions: &[u32]) -> String {
    match partitions.is_empty() {
        true => topic.to_owned(),
        false => {
            let list: Vec<String> = partitions.iter().map(u32::to_string).collect();
            format!("{topic}:{}", list.join(","))
        }
    }
}

/// A span of milliseconds as `java.time.Duration.toString` writes it (`PT1M30.5S`), which
/// `Duration.parse` reads back.
fn iso_duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let seconds = ms / 1000;
    let millis = ms % 1000;
    match millis {
        0 => format!("{sign}PT{seconds}S"),
        _ => format!("{sign}PT{seconds}.{millis:03}S"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_export_as_the_tools_arguments() {
        assert_eq!(topic_arg("orders", &[]), "orders");
        assert_eq!(topic_arg("orders", &[0, 2]), "orders:0,2");
        // Duration.toString's form, which Duration.parse reads back.
        assert_eq!(iso_duration(90_000), "PT90S");
        assert_eq!(iso_duration(1_500), "PT1.500S");
        assert_eq!(iso_duration(-5_000), "-PT5S");
    }
}
