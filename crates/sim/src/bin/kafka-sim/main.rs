//! `kafka-sim`: the simulation on the command line (`kafka-sim --help`; docs/scenarios.md).
//!
//! Exit status: 0 on success, 1 when an anomaly the configuration does not allow was found (with
//! `run --check` or `check`) or a fuzz campaign failed, 2 for bad input (clap's usage errors
//! included; a bad scenario file names the field and, for syntax errors, the line).

mod cli;
mod fuzz;
mod run;
mod summary;
mod tools;
mod workload;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use kafka_sim::Scenario;
use kafka_sim::scenario::file::Format;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Why a command did not succeed, which decides the exit status.
pub enum Failure {
    /// Bad input (exit 2): the message goes to stderr.
    Input(String),
    /// What was asked for ran, and found something wrong (exit 1); already reported.
    Found,
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Input(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Found) => ExitCode::from(1),
        // A reader that stopped early (`| head`) is not an error.
        Err(Failure::Input(message)) if message.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("kafka-sim: {message}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match command {
        Command::Run(args) => run::run(&args, &mut out)?,
        Command::Check(args) => run::check(&args, &mut out)?,
        Command::Describe { scenario, topic } => {
            let (_, world, _) = run::load_and_run(&scenario)?;
            write!(out, "{}", world.describe_topics(topic.as_deref()))?;
        }
        Command::Export(args) => tools::export(&args, &mut out)?,
        Command::Partition {
            partitions,
            hex,
            keys,
        } => tools::partition(partitions, hex, &keys, &mut out)?,
        Command::Assign => tools::assign(&mut out)?,
        Command::Fuzz(args) => fuzz::fuzz(&args, &mut out)?,
        Command::Workload(args) => workload::workload(&args, &mut out)?,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "kafka-sim", &mut out);
        }
    }
    out.flush()?;
    Ok(())
}

/// Loads a scenario file, naming the file in every error.
pub fn load(path: &Path) -> Result<Scenario, Failure> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("{name}: {e}")))?;
    let toml = path.extension().is_some_and(|e| e == "toml");
    parse(&text, toml).map_err(|e| Failure::Input(format!("{name}: {e}")))
}

/// Parses a scenario, naming the field that is wrong (`steps[2].broker`) and the line.
fn parse(text: &str, toml: bool) -> Result<Scenario, String> {
    let format = if toml { Format::Toml } else { Format::Json };
    kafka_sim::scenario::file::parse(text, format)
}

/// Parses JSON, naming the field that is wrong and the line.
pub use kafka_sim::scenario::file::from_json as parse_json;
