//! The command line's shape. Help texts live here, next to the options they explain, so
//! `--help`, the shell completions and the parser cannot disagree.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Printed after every help text, so scripts know what to test.
pub const EXIT_CODES: &str = "\
Exit status:
  0  success (and, with --check or `check`, no anomaly the configuration does not allow)
  1  an anomaly the configuration does not allow was found, or a fuzz campaign failed
  2  bad input: an unknown option, a bad value, a missing or malformed scenario file";

/// Run, check and fuzz simulated Apache Kafka clusters: every scenario runs the same way
/// every time, byte for byte.
#[derive(Parser, Debug)]
#[command(name = "kafka-sim", version, after_help = EXIT_CODES)]
#[command(after_long_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  kafka-sim run docs/examples/acks1-loss.json              what happened, in Kafka's own words
  kafka-sim run docs/examples/acks1-loss.json --format jsonl | grep truncated
  kafka-sim check docs/examples/unclean-election.toml      anomalies and why they happened
  kafka-sim export docs/examples/acks1-loss.json --to real-kafka acks1-loss/
  kafka-sim fuzz --seeds 1000 --profile all

Exit status:
  0  success (and, with --check or `check`, no anomaly the configuration does not allow)
  1  an anomaly the configuration does not allow was found, or a fuzz campaign failed
  2  bad input: an unknown option, a bad value, a missing or malformed scenario file";

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and show what happened.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Run a scenario and judge it: each anomaly, whether its configuration allows it, and why
    /// it happened.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Run a scenario and print its topics as `kafka-topics.sh --describe` does.
    Describe {
        /// The scenario file (.json or .toml).
        scenario: PathBuf,
        /// Only this topic.
        #[arg(long)]
        topic: Option<String>,
    },
    /// Write what to run against a real Apache Kafka 4.x cluster to try the same scenario:
    /// compose.yaml, run.sh, client properties and records.
    #[command(
        after_help = "Without a directory, every file is printed after a `==> NAME <==` \
        header, as `head` prints several files."
    )]
    Export(ExportArgs),
    /// Print the partition Kafka's default partitioner (murmur2) picks for each key.
    Partition {
        /// The topic's partition count.
        #[arg(long, value_parser = partition_count)]
        partitions: u32,
        /// Read each key as hexadecimal bytes (`6b6579` for `key`).
        #[arg(long)]
        hex: bool,
        /// The keys.
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// Print what an assignor gives each member; reads a JSON request on stdin.
    #[command(
        long_about = "Print what an assignor gives each member; reads a JSON request on \
        stdin:\n  {\"assignor\": \"range\"|\"roundrobin\"|\"sticky\"|\"cooperative-sticky\", \
        \"members\": {\"c1\": [\"t1\"]}, \"partitions_per_topic\": {\"t1\": 3}, \"owned\": \
        {\"c1\": [[\"t1\", 0]]}}\n(`owned` is optional) and prints {\"c1\": [[\"t1\", 0], ...]}, \
        each member's partitions sorted."
    )]
    Assign,
    /// Expand seeds into scenarios with random faults, run them and check them.
    #[command(after_help = EXIT_CODES)]
    Fuzz(FuzzArgs),
    /// Run issue 17's benchmark workload once and print what it did as JSON (records read,
    /// events, virtual time, trace hash, the checker's findings): keyed 100-byte records,
    /// acks=all, idempotence, RF=3, min.insync.replicas=2, linger.ms=5, read by one consumer
    /// group (the function the native and wasm benches of `./playground bench` time).
    #[command(after_help = EXIT_CODES)]
    Workload(WorkloadArgs),
    /// Print a shell completion script (e.g. `kafka-sim completions bash >
    /// ~/.local/share/bash-completion/completions/kafka-sim`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (.json or .toml; see docs/scenarios.md).
    pub scenario: PathBuf,
    /// What to print. The default is `summary` on a terminal and `json` otherwise, so scripts
    /// that read the report keep working.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Exit with status 1 when the checker finds an anomaly the scenario's configuration does
    /// not allow (acks=1 allows a lost write; acks=all does not).
    #[arg(long)]
    pub check: bool,
    /// With --check: fail on every anomaly, even one the configuration allows.
    #[arg(long, requires = "check")]
    pub strict: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The scenario file (.json or .toml).
    pub scenario: PathBuf,
    /// Fail on every anomaly, even one the configuration allows.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: the topics and groups as Kafka's tools print them, operations by outcome,
    /// refused steps and the checker's verdict.
    Summary,
    /// The whole report as one JSON document: every event, operation and replica log.
    Json,
    /// One JSON object per line as the run goes (events, operations, refused steps, then
    /// anomalies and an `end` line), for grep and jq on long runs.
    Jsonl,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The scenario file (.json or .toml).
    pub scenario: PathBuf,
    /// What to export to.
    #[arg(long, value_enum, default_value = "real-kafka")]
    pub to: Target,
    /// Where to write the files (created if missing); without it they are printed.
    #[arg(conflicts_with = "out")]
    pub dir: Option<PathBuf>,
    /// The same as DIR (the older spelling).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Apache Kafka 4.x in Docker: compose.yaml, run.sh, properties and records.
    RealKafka,
}

#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// How many seeds to run per profile.
    #[arg(long, default_value_t = 100)]
    pub seeds: u64,
    /// The first seed (seeds run from here, in order).
    #[arg(long, default_value_t = 1)]
    pub first_seed: u64,
    /// The configuration to fuzz (each with the anomalies Kafka allows under it), or `all`.
    #[arg(long, default_value = "safe", value_parser = profiles())]
    pub profile: ProfileChoice,
    /// Threads to run seeds on (default: one per core). The output is the same for any
    /// number: results are printed in seed order.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

#[derive(Args, Debug)]
pub struct WorkloadArgs {
    /// Brokers in the cluster (RF=3 needs at least 3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub brokers: u32,
    /// Partitions of the topic.
    #[arg(long, default_value_t = 4, value_parser = partition_count)]
    pub partitions: u32,
    /// Records produced, then read.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub records: u32,
}

/// The `--profile` argument: one profile or all of them.
#[derive(Clone, Debug)]
pub struct ProfileChoice(pub Vec<kafka_sim::fuzz::Profile>);

/// Profiles as possible values, so `--help`, completions and typo suggestions know them.
fn profiles() -> impl clap::builder::TypedValueParser<Value = ProfileChoice> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    use kafka_sim::fuzz::Profile;
    let names = Profile::ALL.iter().map(|p| p.name()).chain(["all"]);
    PossibleValuesParser::new(names).map(|name| match Profile::parse(&name) {
        Some(profile) => ProfileChoice(vec![profile]),
        None => ProfileChoice(Profile::ALL.to_vec()),
    })
}

fn partition_count(text: &str) -> Result<u32, String> {
    text.parse::<u32>().ok().filter(|&n| n > 0).ok_or_else(|| {
        "INVALID_PARTITIONS: Number of partitions was set to an invalid non-positive value."
            .to_owned()
    })
}
