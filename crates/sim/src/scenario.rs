//! Scenarios as data: a seed, a cluster, timed commands, and how long to run. Tests, lessons and
//! `kafka-sim run` all use this one format (JSON or TOML; see docs/scenarios.md).

use crate::command::Command;
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use crate::world::{ClusterConfig, World};
use serde::{Deserialize, Serialize};

/// A scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The seed of every random choice.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The cluster to start.
    #[serde(default)]
    pub cluster: ClusterSpec,
    /// Commands, in time order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// When the run ends, in milliseconds of virtual time (at least the last step).
    #[serde(default)]
    pub run_until_ms: u64,
    /// The same moment to the microsecond, when it falls between milliseconds: a run the page
    /// paused mid-millisecond (the single-step button) ends there, not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_until_us: Option<u64>,
    /// Check the safety invariants after every step, reporting violations as events.
    #[serde(default)]
    pub check_invariants: bool,
}

fn default_seed() -> u64 {
    1
}

/// A scenario file with nothing in it: seed 1, the default cluster, no steps.
impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            seed: default_seed(),
            cluster: ClusterSpec::default(),
            steps: Vec::new(),
            run_until_ms: 0,
            run_until_us: None,
            check_invariants: false,
        }
    }
}

/// The cluster's shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// How many brokers (default 3).
    #[serde(default = "default_brokers")]
    pub brokers: u32,
    /// `broker.rack` for brokers 1, 2, ... in order (optional; all or none for rack-aware
    /// placement).
    #[serde(default)]
    pub racks: Vec<String>,
    /// `offsets.topic.num.partitions`, and `transaction.state.log.num.partitions` (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offsets_topic_partitions: Option<u32>,
    /// `replica.selector.class=RackAwareReplicaSelector`: consumers with `client.rack` fetch
    /// from a replica in their rack (KIP-392).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rack_aware_replica_selector: bool,
    /// KRaft controllers (default 1; 3 lets one fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controllers: Option<u32>,
    /// The brokers' `message.max.bytes` (default 1048588).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_max_bytes: Option<u32>,
    /// The brokers' `replica.fetch.max.bytes` (default 1048576).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_fetch_max_bytes: Option<u32>,
}

/// The most brokers a scenario's cluster may have: each is a node with its own state, and a
/// cluster of thousands would not fit a browser tab.
pub const MAX_BROKERS: u32 = 100;

fn default_brokers() -> u32 {
    3
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: default_brokers(),
            racks: Vec::new(),
            offsets_topic_partitions: None,
            rack_aware_replica_selector: false,
            controllers: None,
            message_max_bytes: None,
            replica_fetch_max_bytes: None,
        }
    }
}

/// One timed command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// When to apply it, in milliseconds of virtual time.
    pub at_ms: u64,
    /// The same moment to the microsecond, when it falls between milliseconds: the page logs
    /// a command at the instant it was given, and replaying it a few microseconds off would
    /// be another run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_us: Option<u64>,
    /// What to apply.
    #[serde(flatten)]
    pub command: Command,
}

impl Step {
    /// A step at a whole millisecond.
    pub fn at_ms(at_ms: u64, command: Command) -> Step {
        Step {
            at_ms,
            at_us: None,
            command,
        }
    }

    /// A step at any moment: `at_us` is written only when the moment falls between
    /// milliseconds, so files stay as people write them.
    pub fn at(at: SimTime, command: Command) -> Step {
        let (at_ms, at_us) = split(at);
        Step {
            at_ms,
            at_us,
            command,
        }
    }

    /// When it applies.
    pub fn moment(&self) -> SimTime {
        self.at_us
            .map_or(SimTime::from_millis(self.at_ms), SimTime::from_micros)
    }
}

/// A moment as whole milliseconds, plus the microseconds when it falls between them.
fn split(at: SimTime) -> (u64, Option<u64>) {
    let ms = at.as_millis();
    let us = at.as_micros();
    (ms, (us != ms * 1_000).then_some(us))
}

/// A step the world refused, such as a topic Kafka would not create: part of the outcome, not a
/// failure of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepResult {
    /// When it was applied.
    pub at_ms: u64,
    /// `ok`, or the error as Kafka names it.
    pub result: String,
}

impl StepResult {
    /// Whether the world applied the step.
    pub fn applied(&self) -> bool {
        self.result == "ok"
    }
}

/// A step the world refused, as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefusedStep<'a> {
    /// Its index in `steps`.
    pub step: usize,
    /// When it was applied.
    pub at_ms: u64,
    /// The command, as the scenario gave it.
    pub command: &'a Command,
    /// The error as Kafka names it.
    pub error: String,
}

impl Scenario {
    /// The steps of this scenario that `results` (from [`Scenario::run`]) says were refused.
    pub fn refused<'a>(&'a self, results: &[StepResult]) -> Vec<RefusedStep<'a>> {
        self.steps
            .iter()
            .zip(results)
            .enumerate()
            .filter(|(_, (_, result))| !result.applied())
            .map(|(index, (step, result))| RefusedStep {
                step: index,
                at_ms: step.at_ms,
                command: &step.command,
                error: result.result.clone(),
            })
            .collect()
    }
}

/// A scenario that cannot run at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// Steps must be in time order.
    #[error("steps[{index}].at_ms: {at_ms} is earlier than the step before it ({previous})")]
    OutOfOrder {
        /// The step's index.
        index: usize,
        /// Its time.
        at_ms: u64,
        /// The previous step's time.
        previous: u64,
    },
    /// A microsecond moment outside the millisecond it refines.
    #[error("{field}: {at_us} µs is not within {at_ms} ms, the millisecond it refines")]
    PreciseTime {
        /// `steps[3].at_us` or `run_until_us`.
        field: String,
        /// The microseconds given.
        at_us: u64,
        /// The milliseconds given.
        at_ms: u64,
    },
    /// A cluster needs a broker.
    #[error("cluster.brokers: a cluster needs at least 1 broker")]
    NoBrokers,
    /// More brokers than a simulation holds.
    #[error("cluster.brokers: {brokers} brokers; a simulated cluster holds at most {MAX_BROKERS}")]
    TooManyBrokers {
        /// Brokers asked for.
        brokers: u32,
    },
    /// A `wait_until` step's condition did not hold within its timeout.
    #[error(
        "steps[{index}]: wait_until timed out after {timeout_ms} ms (at {at_ms} ms of virtual time) waiting for {condition:?}"
    )]
    WaitTimedOut {
        /// The step's index.
        index: usize,
        /// What it waited for.
        condition: crate::condition::Condition,
        /// Its timeout.
        timeout_ms: u64,
        /// When the run gave up, in milliseconds.
        at_ms: u64,
    },
    /// More racks than brokers.
    #[error("cluster.racks: {racks} racks given for {brokers} brokers")]
    TooManyRacks {
        /// Racks listed.
        racks: usize,
        /// Brokers in the cluster.
        brokers: u32,
    },
}

impl Scenario {
    /// When the run ends: `run_until_ms` (or `run_until_us`), and at least the last step.
    pub fn end(&self) -> SimTime {
        let until = self.run_until_us.map_or(
            SimTime::from_millis(self.run_until_ms),
            SimTime::from_micros,
        );
        self.steps
            .last()
            .map_or(until, |last| until.max(last.moment()))
    }

    /// Sets when the run ends, to the microsecond when `end` falls between milliseconds.
    pub fn set_end(&mut self, end: SimTime) {
        (self.run_until_ms, self.run_until_us) = split(end);
    }

    /// What makes a scenario impossible to run, found before running it.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.cluster.brokers == 0 {
            return Err(ScenarioError::NoBrokers);
        }
        if self.cluster.brokers > MAX_BROKERS {
            return Err(ScenarioError::TooManyBrokers {
                brokers: self.cluster.brokers,
            });
        }
        if self.cluster.racks.len() > self.cluster.brokers as usize {
            let (racks, brokers) = (self.cluster.racks.len(), self.cluster.brokers);
            return Err(ScenarioError::TooManyRacks { racks, brokers });
        }
        let precise = |field: String, at_ms: u64, at_us: Option<u64>| match at_us {
            Some(at_us) if at_us / 1_000 != at_ms => Err(ScenarioError::PreciseTime {
                field,
                at_us,
                at_ms,
            }),
            _ => Ok(()),
        };
        for (index, step) in self.steps.iter().enumerate() {
            precise(format!("steps[{index}].at_us"), step.at_ms, step.at_us)?;
        }
        precise(
            "run_until_us".to_owned(),
            self.run_until_ms,
            self.run_until_us,
        )?;
        for (index, pair) in self.steps.windows(2).enumerate() {
            if pair[1].moment() < pair[0].moment() {
                return Err(ScenarioError::OutOfOrder {
                    index: index + 1,
                    at_ms: pair[1].at_ms,
                    previous: pair[0].at_ms,
                });
            }
        }
        Ok(())
    }

    /// Runs the scenario; returns the world at the end and each step's result.
    pub fn run(&self) -> Result<(World, Vec<StepResult>), ScenarioError> {
        self.validate()?;
        let racks = (1..).zip(self.cluster.racks.iter().cloned()).collect_map();
        let mut config = ClusterConfig {
            brokers: self.cluster.brokers,
            racks,
            controllers: self.cluster.controllers.unwrap_or(1).max(1),
            ..ClusterConfig::default()
        };
        config.broker.rack_aware_replica_selector = self.cluster.rack_aware_replica_selector;
        if let Some(bytes) = self.cluster.message_max_bytes {
            config.broker.message_max_bytes = bytes;
        }
        if let Some(bytes) = self.cluster.replica_fetch_max_bytes {
            config.broker.replica_fetch_max_bytes = bytes;
        }
        if let Some(partitions) = self.cluster.offsets_topic_partitions {
            // Both coordinators' topics: small ones keep a run with groups and transactions
            // cheap.
            config.broker.offsets_topic_num_partitions = partitions.max(1);
            config.broker.transaction_state_num_partitions = partitions.max(1);
        }
        let mut world = World::new(&config, self.seed);
        if self.check_invariants {
            world.check_invariants();
        }
        let mut results = Vec::with_capacity(self.steps.len());
        for (index, step) in self.steps.iter().enumerate() {
            // A step runs at its time, or right after a wait before it that ended later.
            world.run_until(step.moment());
            let result = match &step.command {
                Command::WaitUntil {
                    condition,
                    timeout_ms,
                } => {
                    let deadline = world.now() + SimDuration::from_millis(*timeout_ms);
                    if !wait_until(&mut world, condition, deadline) {
                        return Err(ScenarioError::WaitTimedOut {
                            index,
                            condition: condition.clone(),
                            timeout_ms: *timeout_ms,
                            at_ms: world.now().as_millis(),
                        });
                    }
                    "ok".to_owned()
                }
                command => match world.apply(command.clone()) {
                    Ok(()) => "ok".to_owned(),
                    Err(error) => error.to_string(),
                },
            };
            results.push(StepResult {
                at_ms: world.now().as_millis(),
                result,
            });
        }
        world.run_until(self.end());
        Ok((world, results))
    }
}

/// Scenario files as text: the one parser of `kafka-sim run` and the page's import.
#[cfg(feature = "files")]
pub mod file {
    use super::Scenario;

    /// A scenario file's syntax, by its extension.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Format {
        /// `.json`
        Json,
        /// `.toml`
        Toml,
    }

    impl Format {
        /// The format a file name's extension says, if it is one of ours.
        pub fn of_name(name: &str) -> Option<Format> {
            let (_, extension) = name.rsplit_once('.')?;
            match extension.to_ascii_lowercase().as_str() {
                "json" => Some(Format::Json),
                "toml" => Some(Format::Toml),
                _ => None,
            }
        }

        /// The extension, without the dot.
        pub fn extension(self) -> &'static str {
            match self {
                Format::Json => "json",
                Format::Toml => "toml",
            }
        }
    }

    /// Reads a scenario, naming the field that is wrong (`steps[2].broker`) and, for syntax and
    /// type errors, the line.
    pub fn parse(text: &str, format: Format) -> Result<Scenario, String> {
        match format {
            Format::Toml => toml_file::parse(text),
            Format::Json => from_json(text),
        }
    }

    /// Writes a scenario as `kafka-sim run` reads it. TOML cannot hold every scenario: its
    /// integers stop at 2^63-1, below the largest seeds.
    pub fn write(scenario: &Scenario, format: Format) -> Result<String, String> {
        // The toml crate writes such a seed, and then refuses to read it back.
        if format == Format::Toml && i64::try_from(scenario.seed).is_err() {
            return Err(format!(
                "seed: {} is above TOML's largest integer (2^63-1); JSON holds it",
                scenario.seed
            ));
        }
        let document = written::Document::of(scenario)?;
        match format {
            Format::Json => serde_json::to_string_pretty(&document)
                .map(|text| text + "\n")
                .map_err(|e| e.to_string()),
            Format::Toml => toml::to_string(&document).map_err(|e| e.to_string()),
        }
    }

    /// A scenario as its compact JSON says it, fields in their order, for the pretty JSON and
    /// TOML writers: the code that writes every command then exists in the wasm bundle for one
    /// serializer (compact JSON, as saves and links are written), not once per format.
    mod written {
        use super::Scenario;
        use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
        use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
        use std::fmt;

        /// A JSON value that keeps its object's fields in the order they were written
        /// (`serde_json::Value` sorts them by name).
        #[derive(Debug, PartialEq)]
        pub(super) enum Document {
            Null,
            Bool(bool),
            Int(i64),
            Unsigned(u64),
            Float(f64),
            Text(String),
            List(Vec<Document>),
            Object(Vec<(String, Document)>),
        }

        impl Document {
            pub(super) fn of(scenario: &Scenario) -> Result<Document, String> {
                let json = serde_json::to_vec(scenario).map_err(|e| e.to_string())?;
                serde_json::from_slice(&json).map_err(|e| e.to_string())
            }
        }

        /// Written as the typed value it came from was: a missing option (`null`) is left out
        /// of a TOML table exactly as a `None` field is.
        impl Serialize for Document {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    Document::Null => serializer.serialize_none(),
                    Document::Bool(b) => serializer.serialize_bool(*b),
                    Document::Int(i) => serializer.serialize_i64(*i),
                    Document::Unsigned(u) => serializer.serialize_u64(*u),
                    Document::Float(f) => serializer.serialize_f64(*f),
                    Document::Text(t) => serializer.serialize_str(t),
                    Document::List(items) => {
                        let mut list = serializer.serialize_seq(Some(items.len()))?;
                        for item in items {
                            list.serialize_element(item)?;
                        }
                        list.end()
                    }
                    Document::Object(fields) => {
                        let mut object = serializer.serialize_map(Some(fields.len()))?;
                        for (name, value) in fields {
                            object.serialize_entry(name, value)?;
                        }
                        object.end()
                    }
                }
            }
        }

        impl<'de> Deserialize<'de> for Document {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(DocumentVisitor)
            }
        }

        struct DocumentVisitor;

        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = Document;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON value")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Document, E> {
                Ok(Document::Null)
            }

            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Document, E> {
                Ok(Document::Bool(b))
            }

            fn visit_i64<E: de::Error>(self, i: i64) -> Result<Document, E> {
                Ok(Document::Int(i))
            }

            fn visit_u64<E: de::Error>(self, u: u64) -> Result<Document, E> {
                Ok(Document::Unsigned(u))
            }

            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Document, E> {
                Ok(Document::Float(f))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Document, E> {
                Ok(Document::Text(text.to_owned()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Document, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = access.next_element()? {
                    items.push(item);
                }
                Ok(Document::List(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Document, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = access.next_entry()? {
                    fields.push(field);
                }
                Ok(Document::Object(fields))
            }
        }
    }

    /// Reads JSON, naming the field that is wrong and the line.
    pub fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        from_json_bytes(text.as_bytes()).map_err(|e| at_field(e.path(), e.inner()))
    }

    /// From bytes, as the page reads its saves and links: one deserializer type for every
    /// caller (TOML files too, as JSON) keeps the large code that decodes commands in the wasm
    /// bundle once.
    fn from_json_bytes<T: serde::de::DeserializeOwned>(
        bytes: &[u8],
    ) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(&mut deserializer)
    }

    /// An error after the field it is about; one about the whole document (an empty file) has
    /// no field to name, where serde_path_to_error would print `.`.
    fn at_field(path: &serde_path_to_error::Path, error: impl std::fmt::Display) -> String {
        match path.iter().next() {
            Some(_) => format!("{path}: {error}"),
            None => error.to_string(),
        }
    }

    /// TOML files are read as the JSON they are equivalent to, by the JSON reader: a second
    /// deserializer type would put a second copy of the code that decodes every command into the
    /// wasm bundle. The TOML parser keeps where each value was, so an error still names the line.
    mod toml_file {
        use super::{Scenario, from_json_bytes};
        use serde_json::{Map, Number, Value};
        use serde_path_to_error::Segment;
        use toml::Spanned;
        use toml::de::{DeTable, DeValue};

        pub(super) fn parse(text: &str) -> Result<Scenario, String> {
            let document = DeTable::parse(text).map_err(|e| e.to_string())?;
            let json = table(text, document.get_ref())?;
            let bytes = serde_json::to_vec(&json).map_err(|e| e.to_string())?;
            from_json_bytes(&bytes).map_err(|e| {
                // The JSON's own line and column are of text nobody wrote.
                let message = e.inner().to_string();
                let problem = message
                    .rfind(" at line ")
                    .map_or(message.as_str(), |cut| &message[..cut]);
                if e.path().iter().next().is_none() {
                    return problem.to_owned();
                }
                let at = position(text, value_at(&document, e.path()));
                format!("{}: {problem} at {at}", e.path())
            })
        }

        /// Where the innermost value of the document the path leads to begins (the table of a
        /// step whose command is wrong, the value of a field).
        fn value_at(document: &Spanned<DeTable<'_>>, path: &serde_path_to_error::Path) -> usize {
            let mut segments = path.iter();
            let first = match segments.next() {
                Some(Segment::Map { key }) => document.get_ref().get(key.as_str()),
                _ => None,
            };
            let Some(mut at) = first else {
                return document.span().start;
            };
            for segment in segments {
                let next = match segment {
                    Segment::Seq { index } => at.get_ref().get(*index),
                    Segment::Map { key } => at.get_ref().get(key.as_str()),
                    _ => None,
                };
                match next {
                    Some(next) => at = next,
                    None => break,
                }
            }
            at.span().start
        }

        /// `line 5 column 3`, as serde_json says it.
        fn position(text: &str, offset: usize) -> String {
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line} column {column}")
        }

        fn table(text: &str, table: &DeTable<'_>) -> Result<Value, String> {
            let mut object = Map::new();
            for (key, item) in table.iter() {
                object.insert(key.get_ref().to_string(), value(text, item)?);
            }
            Ok(Value::Object(object))
        }

        fn value(text: &str, item: &Spanned<DeValue<'_>>) -> Result<Value, String> {
            let refused = |what: &str| {
                let at = position(text, item.span().start);
                Err(format!("{what} at {at}"))
            };
            Ok(match item.get_ref() {
                DeValue::String(s) => Value::String(s.to_string()),
                DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                    Ok(i) => Value::from(i),
                    Err(_) => return refused("a TOML integer is from -2^63 to 2^63-1"),
                },
                DeValue::Float(f) => match f.as_str().parse().ok().and_then(Number::from_f64) {
                    Some(n) => Value::Number(n),
                    None => return refused("a number must be finite"),
                },
                DeValue::Boolean(b) => Value::Bool(*b),
                // No scenario field is a date: read as text, it is refused by type.
                DeValue::Datetime(d) => Value::String(d.to_string()),
                DeValue::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|item| value(text, item))
                        .collect::<Result<_, _>>()?,
                ),
                DeValue::Table(t) => table(text, t)?,
            })
        }
    }
}

/// Runs the world one instant at a time until `condition` holds (true) or `deadline` passes
/// (false). The condition is read between instants, never in the middle of one, so what it
/// sees is a state the cluster was really in.
pub fn wait_until(
    world: &mut World,
    condition: &crate::condition::Condition,
    deadline: SimTime,
) -> bool {
    loop {
        if condition.holds(world) {
            return true;
        }
        match world.next_event_time() {
            Some(at) if at <= deadline => world.run_until(at),
            _ => {
                world.run_until(deadline);
                return condition.holds(world);
            }
        }
    }
}

#[cfg(all(test, feature = "files"))]
mod tests {
    use super::file::{Format, parse, write};

    /// A TOML file read as JSON is the scenario the TOML deserializer reads, for every example.
    #[test]
    fn toml_examples_read_as_json_are_the_scenarios_toml_reads() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).expect("examples") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("text");
                let direct: super::Scenario = toml::from_str(&text).expect("toml reads it");
                assert_eq!(parse(&text, Format::Toml), Ok(direct), "{}", path.display());
                read += 1;
            }
        }
        assert!(read >= 3, "only {read} TOML examples");
    }

    /// Every scenario of the examples, lessons and challenges is written, in both formats,
    /// as the typed serializers write it (the text `kafka-sim` and the page wrote before the
    /// writers went through one document).
    #[test]
    fn files_are_written_as_the_typed_serializers_write_them() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut scenarios = Vec::new();
        for dir in ["docs/examples", "lessons", "challenges"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("a directory") {
                let path = entry.expect("entry").path();
                let text = std::fs::read_to_string(&path).expect("text");
                match path.extension().and_then(|e| e.to_str()) {
                    Some("toml") => scenarios.push(parse(&text, Format::Toml).expect("toml")),
                    Some("json") if dir == "docs/examples" => {
                        scenarios.push(parse(&text, Format::Json).expect("json"));
                    }
                    Some("json") => {
                        let document: serde_json::Value =
                            serde_json::from_str(&text).expect("json");
                        for key in ["scenario", "setup"] {
                            if let Some(scenario) = document.get(key) {
                                scenarios.push(
                                    serde_json::from_value(scenario.clone()).expect("a scenario"),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        assert!(scenarios.len() >= 25, "only {} scenarios", scenarios.len());
        let mut odd = super::Scenario {
            run_until_us: Some(1_500),
            ..scenarios[0].clone()
        };
        odd.cluster.controllers = Some(3);
        scenarios.push(odd);
        for scenario in &scenarios {
            let json = serde_json::to_string_pretty(scenario).expect("json") + "\n";
            assert_eq!(write(scenario, Format::Json), Ok(json));
            let toml = toml::to_string(scenario).expect("toml");
            assert_eq!(write(scenario, Format::Toml), Ok(toml));
        }
    }

    /// The error names the field and the line of the TOML file, not of the JSON it became.
    #[test]
    fn a_bad_toml_field_is_named_with_its_line() {
        let bad_seed = "# a comment\nseed = \"one\"\n";
        assert_eq!(
            parse(bad_seed, Format::Toml),
            Err("seed: invalid type: string \"one\", expected u64 at line 2 column 8".to_owned())
        );
        let bad_step = "seed = 3\n\n[[steps]]\nat_ms = 500\ncommand = \"explode\"\n";
        let error = parse(bad_step, Format::Toml).expect_err("refused");
        assert!(
            error.starts_with("steps[0]: unknown variant `explode`, expected one of"),
            "{error}"
        );
        assert!(
            error.ends_with(" at line 3 column 1"),
            "the step's [[steps]]: {error}"
        );
        let cluster = "[cluster]\nbrokers = 3\nbrokres = 4\n";
        let error = parse(cluster, Format::Toml).expect_err("refused");
        assert!(
            error.starts_with("cluster.brokres: unknown field"),
            "{error}"
        );
        let huge = "seed = 18446744073709551615\n";
        assert_eq!(
            parse(huge, Format::Toml),
            Err("a TOML integer is from -2^63 to 2^63-1 at line 1 column 8".to_owned())
        );
        let syntax = parse("seed = \n", Format::Toml).expect_err("refused");
        assert!(syntax.contains("line 1"), "{syntax}");
    }
}
