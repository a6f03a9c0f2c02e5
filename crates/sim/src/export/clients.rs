//! The scenario's clients as files: `producer-NAME.properties` and `consumer-NAME.properties`
//! with their configs by Kafka's names, and `records-PRODUCER-TOPIC.txt` with what each producer
//! sends, in `kafka-console-producer.sh` input format. Also the batches the script sends: the
//! records of consecutive steps of one producer, topic and moment, sent together so that the
//! script keeps the scenario's order of records and faults.

use super::Layout;
use super::quote::{comment_lines, file_part, property_key, property_value};
use crate::client::Request;
use crate::command::Command;
use crate::protocol::{BrokerId, TopicPartition};
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// Separators tried in turn: the console producer splits a line at the first one, so it must
/// not occur in any key of the file.
const SEPARATORS: [&str; 4] = [":", "|", ";", "\t"];

/// What stands for a null key or value, only in files that need one (`null.marker`).
const NULL_MARKER: &str = "<null>";

/// The client files, and what the script needs to know to use them.
pub(crate) struct Clients {
    files: BTreeMap<String, String>,
    /// Batches by the index of their first step.
    batches: BTreeMap<usize, Batch>,
    /// Consumers by name.
    consumers: BTreeMap<String, Consumer>,
    /// Properties file of each producer or producing client, by name.
    producers: BTreeMap<String, String>,
}

/// Records the script sends with one `kafka-console-producer.sh`.
pub(crate) struct Batch {
    /// The producer's name.
    pub producer: String,
    /// The topic.
    pub topic: String,
    /// The records file.
    pub file: String,
    /// The producer's properties file.
    pub properties: String,
    /// First and last line of the batch in the file (1-based).
    pub lines: (usize, usize),
    /// Lines in the file, to tell whether the batch is all of it.
    pub file_lines: usize,
    /// `acks` of a raw client's Produce, given on the command line.
    pub acks: Option<i16>,
    /// `--property` settings of the console producer's line reader.
    pub reader: Vec<String>,
    /// Steps of the batch after the first, which the script skips.
    pub steps: Vec<usize>,
    /// What the console producer cannot do as the scenario asked.
    pub notes: Vec<String>,
}

/// A consumer as the console consumer runs it.
pub(crate) struct Consumer {
    /// Its properties file.
    pub properties: String,
    /// Where the script writes what it reads.
    pub output: String,
    /// `subscribe(topics)`.
    pub topics: Vec<String>,
    /// `assign(partitions)`.
    pub partitions: Vec<TopicPartition>,
    /// `group.id`, when it subscribes through a group.
    pub group: Option<String>,
    /// `auto.offset.reset=earliest`.
    pub earliest: bool,
    /// `isolation.level=read_committed`.
    pub read_committed: bool,
    /// `app.forward.topic`: the simulated application also produced, in transactions with
    /// `app.commit=transactional`.
    pub forward_topic: Option<String>,
    /// `group.type=share`: a share consumer, run as `kafka-console-share-consumer.sh`, which
    /// acknowledges as `app.acknowledge` says (`--release`, `--reject`).
    pub share: Option<String>,
}

/// One record on its way to a file: the step, the producer, topic and line text.
struct Record {
    step: usize,
    at_ms: u64,
    producer: String,
    topic: String,
    key: Option<String>,
    value: Option<String>,
    acks: Option<i16>,
    notes: Vec<String>,
}

impl Clients {
    pub(crate) fn new(
        scenario: &Scenario,
        layout: &Layout,
        placements: &BTreeMap<String, Vec<Vec<BrokerId>>>,
    ) -> Self {
        let mut clients = Clients {
            files: BTreeMap::new(),
            batches: BTreeMap::new(),
            consumers: BTreeMap::new(),
            producers: BTreeMap::new(),
        };
        let records = records(scenario, placements);
        for step in &scenario.steps {
            match &step.command {
                Command::AddProducer { name, config } => {
                    let text = producer_properties(name, config, layout);
                    clients.add_producer(name, text);
                }
                Command::AddConsumer {
                    name,
                    config,
                    topics,
                    partitions,
                } => {
                    let file = format!("consumer-{}.properties", file_part(name));
                    let assigned = !partitions.is_empty();
                    let text = consumer_properties(name, config, assigned, layout);
                    clients.files.insert(file.clone(), text);
                    let consumer = Consumer {
                        properties: file,
                        output: format!("consumer-{}.out", file_part(name)),
                        topics: topics.clone(),
                        partitions: partitions.clone(),
                        group: config.get("group.id").filter(|_| !assigned).cloned(),
                        earliest: config.get("auto.offset.reset").map(String::as_str)
                            == Some("earliest"),
                        read_committed: config.get("isolation.level").map(String::as_str)
                            == Some("read_committed"),
                        forward_topic: config.get("app.forward.topic").cloned(),
                        share: (config.get("group.type").map(String::as_str) == Some("share"))
                            .then(|| config.get("app.acknowledge").cloned().unwrap_or_default()),
                    };
                    clients.consumers.insert(name.clone(), consumer);
                }
                _ => {}
            }
        }
        for record in &records {
            if !clients.producers.contains_key(&record.producer) {
                let text = raw_client_properties(&record.producer, layout);
                clients.add_producer(&record.producer, text);
            }
        }
        clients.add_records(records);
        clients
    }

    fn add_producer(&mut self, name: &str, text: String) {
        let file = format!("producer-{}.properties", file_part(name));
        self.files.insert(file.clone(), text);
        self.producers.insert(name.to_owned(), file);
    }

    /// Writes the records files and cuts them into batches.
    fn add_records(&mut self, records: Vec<Record>) {
        let mut by_file: BTreeMap<(String, String), Vec<Record>> = BTreeMap::new();
        for record in records {
            let key = (record.producer.clone(), record.topic.clone());
            by_file.entry(key).or_default().push(record);
        }
        for ((producer, topic), records) in by_file {
            let file = format!("records-{}-{}.txt", file_part(&producer), file_part(&topic));
            let keyed = records.iter().any(|r| r.key.is_some());
            let separator = SEPARATORS
                .into_iter()
                .find(|s| {
                    records
                        .iter()
                        .filter_map(|r| r.key.as_deref())
                        .all(|k| !k.contains(s))
                })
                .unwrap_or(":");
            let needs_null = records
                .iter()
                .any(|r| r.value.is_none() || (keyed && r.key.is_none()));
            let mut reader = Vec::new();
            if keyed {
                reader.push("parse.key=true".to_owned());
                reader.push(format!("key.separator={separator}"));
            }
            if needs_null {
                reader.push(format!("null.marker={NULL_MARKER}"));
            }
            let mut text = String::new();
            for record in &records {
                let field = |f: &Option<String>| {
                    f.as_deref()
                        .map_or(NULL_MARKER.to_owned(), |s| s.replace(['\n', '\r'], " "))
                };
                if keyed {
                    text.push_str(&field(&record.key));
                    text.push_str(separator);
                }
                text.push_str(&field(&record.value));
                text.push('\n');
            }
            self.files.insert(file.clone(), text);
            let mut line = 0;
            let total = records.len();
            let mut iter = records.into_iter().peekable();
            while let Some(first) = iter.next() {
                line += 1;
                let mut batch = Batch {
                    producer: producer.clone(),
                    topic: topic.clone(),
                    file: file.clone(),
                    properties: self.producers.get(&producer).cloned().unwrap_or_default(),
                    lines: (line, line),
                    file_lines: total,
                    acks: first.acks,
                    reader: reader.clone(),
                    steps: Vec::new(),
                    notes: first.notes.clone(),
                };
                let mut last = first.step;
                while let Some(next) = iter.next_if(|r| {
                    r.step == last + 1 && r.at_ms == first.at_ms && r.acks == first.acks
                }) {
                    line += 1;
                    last = next.step;
                    batch.lines.1 = line;
                    batch.steps.push(next.step);
                    batch.notes.extend(next.notes);
                }
                batch.notes.dedup();
                self.batches.insert(first.step, batch);
            }
        }
    }

    /// Every properties and records file.
    pub(crate) fn files(&self) -> BTreeMap<String, String> {
        self.files.clone()
    }

    /// The batch that starts at this step.
    pub(crate) fn batch(&self, step: usize) -> Option<&Batch> {
        self.batches.get(&step)
    }

    /// Whether this step's record is sent with an earlier step's batch.
    pub(crate) fn in_earlier_batch(&self, step: usize) -> bool {
        self.batches.values().any(|b| b.steps.contains(&step))
    }

    /// A consumer, by name.
    pub(crate) fn consumer(&self, name: &str) -> Option<&Consumer> {
        self.consumers.get(name)
    }

    /// A producer's properties file, by name.
    pub(crate) fn producer_properties(&self, name: &str) -> Option<&str> {
        self.producers.get(name).map(String::as_str)
    }
}

/// Every record a step sends, in step order.
fn records(scenario: &Scenario, placements: &BTreeMap<String, Vec<Vec<BrokerId>>>) -> Vec<Record> {
    // With one partition there is nothing for the console producer to choose differently.
    let several = |topic: &str| placements.get(topic).is_none_or(|p| p.len() > 1);
    let mut out = Vec::new();
    for (step, s) in scenario.steps.iter().enumerate() {
        let record = match &s.command {
            Command::Send { producer, record } => {
                let mut notes = Vec::new();
                if let Some(partition) = record.partition.filter(|_| several(&record.topic)) {
                    notes.push(format!(
                        "the scenario sends to partition {partition}; the console producer \
                         picks the partition itself (by key, or sticky without one)"
                    ));
                }
                if !record.headers.is_empty() {
                    notes.push("the record's headers are left out".to_owned());
                }
                if record.timestamp.is_some() {
                    notes.push("the record's timestamp is the moment of sending here".to_owned());
                }
                Record {
                    step,
                    at_ms: s.at_ms,
                    producer: producer.to_string(),
                    topic: record.topic.to_string(),
                    key: record.key.as_deref().map(str::to_owned),
                    value: record.value.as_deref().map(str::to_owned),
                    acks: None,
                    notes,
                }
            }
            Command::Client {
                client,
                request:
                    Request::Produce {
                        topic,
                        partition,
                        key,
                        value,
                        acks,
                    },
            } => Record {
                step,
                at_ms: s.at_ms,
                producer: client.clone(),
                topic: topic.clone(),
                key: key.clone(),
                value: Some(value.clone()),
                acks: Some(*acks),
                notes: partition
                    .filter(|_| key.is_none() && several(topic))
                    .map(|p| {
                        vec![format!(
                            "the scenario produces to partition {p}; the console producer \
                             picks one itself"
                        )]
                    })
                    .unwrap_or_default(),
            },
            _ => continue,
        };
        out.push(record);
    }
    out
}

fn header(kind: &str, name: &str, tool: &str, layout: &Layout) -> String {
    let mut text = String::new();
    let lines = comment_lines(&format!(
        "{kind} {name} of the scenario, for {tool}. From the host, use \
         bootstrap.servers={}",
        layout.bootstrap_from_host()
    ));
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&format!("bootstrap.servers={}\n", layout.bootstrap()));
    text.push_str(&format!("client.id={}\n", property_value(name)));
    text
}

fn property(text: &mut String, key: &str, value: &str) {
    text.push_str(&format!(
        "{}={}\n",
        property_key(key),
        property_value(value)
    ));
}

fn comment(text: &mut String, words: &str) {
    for line in comment_lines(words) {
        text.push_str(&line);
        text.push('\n');
    }
}

fn producer_properties(name: &str, config: &BTreeMap<String, String>, layout: &Layout) -> String {
    let tool = "kafka-console-producer.sh --producer.config";
    let mut text = header("Producer", name, tool, layout);
    for (key, value) in config {
        match key.as_str() {
            "transactional.id" => comment(
                &mut text,
                &format!(
                    "transactional.id={value}: left out, because the console producer cannot \
                     call initTransactions() and would fail every send with it; the simulated \
                     application ran its sends in transactions"
                ),
            ),
            "key.serializer" | "value.serializer" => {
                property(&mut text, key, &class_name(value, "serialization"))
            }
            _ => property(&mut text, key, value),
        }
    }
    text
}

fn raw_client_properties(name: &str, layout: &Layout) -> String {
    let tool = "kafka-console-producer.sh --producer.config";
    let mut text = header("Client", name, tool, layout);
    comment(
        &mut text,
        "The playground's client sends each record as one Produce and does not retry; acks is \
         given on the command line, as each of its requests names it.",
    );
    property(&mut text, "retries", "0");
    text
}

fn consumer_properties(
    name: &str,
    config: &BTreeMap<String, String>,
    assigned: bool,
    layout: &Layout,
) -> String {
    let tool = "kafka-console-consumer.sh --consumer.config";
    let mut text = header("Consumer", name, tool, layout);
    for (key, value) in config {
        match key.as_str() {
            app if app.starts_with("app.") => comment(&mut text, &app_setting(app, value)),
            "group.type" => comment(
                &mut text,
                &format!(
                    "group.type={value}: the playground's way to pick a KafkaShareConsumer; \
                     kafka-console-share-consumer.sh is one"
                ),
            ),
            "group.id" if assigned => comment(
                &mut text,
                &format!(
                    "group.id={value}: left out, because kafka-console-consumer.sh refuses a \
                     group with --partition; the simulated consumer used assign() and \
                     committed to this group"
                ),
            ),
            "key.deserializer" | "value.deserializer" => {
                property(&mut text, key, &class_name(value, "serialization"))
            }
            "partition.assignment.strategy" => {
                let classes: Vec<String> = value.split(',').map(assignor_class).collect();
                property(&mut text, key, &classes.join(","));
            }
            _ => property(&mut text, key, value),
        }
    }
    text
}

/// What the playground's `app.*` settings made the simulated application do, which the console
/// consumer does not.
fn app_setting(key: &str, value: &str) -> String {
    const COMMITS: &str = "kafka-console-consumer.sh commits only with enable.auto.commit";
    let what = match (key, value) {
        ("app.processing.ms", _) => format!(
            "the application spent {value} ms processing each record; the console consumer \
             prints each record at once"
        ),
        ("app.poll.timeout.ms", _) => format!("the application called poll({value} ms)"),
        ("app.commit", "none") => format!("the application committed nothing itself; {COMMITS}"),
        ("app.commit", "after-processing") => format!(
            "the application called commitSync() after processing each batch \
             (at-least-once); {COMMITS}"
        ),
        ("app.commit", "before-processing") => format!(
            "the application called commitSync() right after poll(), before processing \
             (at-most-once); {COMMITS}"
        ),
        ("app.commit", "explicit") => format!(
            "the application called commitSync(offsets) after processing each batch, with each \
             partition's last processed offset + 1 and metadata (at-least-once); {COMMITS}"
        ),
        ("app.commit", "explicit-async") => format!(
            "the application called commitAsync(offsets, callback) after processing each \
             batch, with each partition's last processed offset + 1 and metadata \
             (at-least-once); {COMMITS}"
        ),
        ("app.commit", "transactional") => format!(
            "the application committed its offsets in the transaction of what it forwarded, \
             with sendOffsetsToTransaction() (exactly-once); {COMMITS}"
        ),
        ("app.forward.topic", _) => format!(
            "the application sent each record it processed on to {value} \
             (consume-transform-produce), which the console tools cannot do: a small Java \
             application or Kafka Streams can"
        ),
        ("app.transactional.id", _) => {
            format!("the transactional.id of the application's forwarding producer was {value}")
        }
        _ => "a setting of the simulated application".to_owned(),
    };
    format!("{key}={value}: playground only: {what}.")
}

/// A short class name as Kafka's full one (the playground accepts both; Kafka only the full).
fn class_name(value: &str, package: &str) -> String {
    if value.contains('.') {
        value.to_owned()
    } else {
        format!("org.apache.kafka.common.{package}.{}", value.trim())
    }
}

/// An assignor by the class name the Java consumer needs (the playground also takes the
/// protocol names, `range` or `cooperative-sticky`).
fn assignor_class(name: &str) -> String {
    let class = match name.trim() {
        "range" => "RangeAssignor",
        "roundrobin" => "RoundRobinAssignor",
        "sticky" => "StickyAssignor",
        "cooperative-sticky" => "CooperativeStickyAssignor",
        other if other.contains('.') => return other.to_owned(),
        other => other,
    };
    format!("org.apache.kafka.clients.consumer.{class}")
}
