//! `kafka-sim run` and `kafka-sim check`: one scenario, printed as a summary, the whole JSON
//! report, or JSON lines streamed as the run goes.

use crate::cli::{CheckArgs, Format, RunArgs};
use crate::{Failure, load, summary};
use kafka_sim::scenario::StepResult;
use kafka_sim::verdict::{self, Finding};
use kafka_sim::{ScenarioError, SimTime, World};
use serde::Serialize;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Loads and runs a scenario; refused steps are also told on stderr, for a reader who does not
/// open the report.
pub fn load_and_run(path: &Path) -> Result<(kafka_sim::Scenario, World, Vec<StepResult>), Failure> {
    let scenario = load(path)?;
    let (world, steps) = scenario
        .run()
        .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    tell_refused(&steps);
    Ok((scenario, world, steps))
}

fn tell_refused(steps: &[StepResult]) {
    for (index, step) in steps.iter().enumerate().filter(|(_, s)| !s.applied()) {
        eprintln!("steps[{index}] at {} ms: {}", step.at_ms, step.result);
    }
}

pub fn run(args: &RunArgs, out: &mut impl Write) -> Result<(), Failure> {
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Summary
    } else {
        Format::Json
    });
    let (scenario, world, steps) = match format {
        Format::Jsonl => {
            let scenario = load(&args.scenario)?;
            let (world, steps) = stream(&scenario, out)
                .map_err(|e| Failure::Input(format!("{}: {e}", args.scenario.display())))?;
            (scenario, world, steps)
        }
        Format::Summary | Format::Json => load_and_run(&args.scenario)?,
    };
    // The JSON report has no verdict: judging is only for --check there.
    let findings = if format == Format::Json && !args.check {
        Vec::new()
    } else {
        verdict::judge(&scenario, &world)
    };
    // The JSON report has no verdict: a failed --check says why on stderr.
    let why = (format == Format::Json && args.check && fails(&findings, args.strict))
        .then(|| summary::verdict(&findings, world.events()));
    match format {
        Format::Summary => {
            let name = args.scenario.display().to_string();
            let text = summary::summary(&name, &scenario, world, &steps, &findings);
            write!(out, "{text}")?;
        }
        Format::Json => {
            let mut report = world.report();
            report.refused = scenario.refused(&steps);
            serde_json::to_writer_pretty(&mut *out, &report)
                .map_err(|e| Failure::Input(e.to_string()))?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for finding in &findings {
                let body = json!({
                    "anomaly": finding.violation.anomaly,
                    "detail": finding.violation.detail,
                    "allowed_by": finding.allowed_by,
                });
                writeln!(
                    out,
                    "{}",
                    line("anomaly", None, body).map_err(Failure::Input)?
                )?;
            }
            let end = json!({
                "trace_hash": format!("{:016x}", world.trace().hash()),
                "refused": steps.iter().filter(|s| !s.applied()).count(),
                "anomalies": findings.len(),
            });
            let at = Some(world.now().as_millis());
            writeln!(out, "{}", line("end", at, end).map_err(Failure::Input)?)?;
        }
    }
    if args.check && fails(&findings, args.strict) {
        out.flush()?;
        if let Some(why) = why {
            eprint!("{}: {why}", args.scenario.display());
        }
        return Err(Failure::Found);
    }
    Ok(())
}

pub fn check(args: &CheckArgs, out: &mut impl Write) -> Result<(), Failure> {
    let (scenario, world, _) = load_and_run(&args.scenario)?;
    let findings = verdict::judge(&scenario, &world);
    write!(
        out,
        "{}: {}",
        args.scenario.display(),
        summary::verdict(&findings, world.events())
    )?;
    if fails(&findings, args.strict) {
        out.flush()?;
        return Err(Failure::Found);
    }
    Ok(())
}

fn fails(findings: &[Finding], strict: bool) -> bool {
    findings.iter().any(|f| strict || f.allowed_by.is_none())
}

/// How much virtual time runs between two flushes of the stream: small enough that a
/// reader sees a long run move, large enough that looking for new operations stays cheap.
const SLICE_MS: u64 = 100;

/// Runs the scenario as `Scenario::run` does, writing each event, refused step and finished
/// operation as a JSON line when it happens.
fn stream(
    scenario: &kafka_sim::Scenario,
    out: &mut impl Write,
) -> Result<(World, Vec<StepResult>), String> {
    scenario.validate().map_err(|e| e.to_string())?;
    // The cluster as `Scenario::run` builds it, before any step.
    let empty = kafka_sim::Scenario {
        steps: Vec::new(),
        run_until_ms: 0,
        run_until_us: None,
        ..scenario.clone()
    };
    let (mut world, _) = empty.run().map_err(|e| e.to_string())?;
    let mut cursor = Cursor::default();
    let mut results = Vec::with_capacity(scenario.steps.len());
    for (index, step) in scenario.steps.iter().enumerate() {
        cursor.advance(&mut world, step.moment(), out)?;
        if let kafka_sim::Command::WaitUntil {
            condition,
            timeout_ms,
        } = &step.command
        {
            cursor.wait(&mut world, out, index, condition, *timeout_ms)?;
            results.push(StepResult {
                at_ms: world.now().as_millis(),
                result: "ok".to_owned(),
            });
            continue;
        }
        let result = match world.apply(step.command.clone()) {
            Ok(()) => "ok".to_owned(),
            Err(error) => {
                let body = json!({
                    "step": index,
                    "command": step.command,
                    "error": error.to_string(),
                });
                let refused = line("refused", Some(step.at_ms), body)?;
                writeln!(out, "{refused}").map_err(|e| e.to_string())?;
                error.to_string()
            }
        };
        results.push(StepResult {
            at_ms: step.at_ms,
            result,
        });
    }
    cursor.advance(&mut world, scenario.end(), out)?;
    cursor.flush(&world, out, true)?;
    tell_refused(&results);
    Ok((world, results))
}

/// What of the run has been written.
#[derive(Default)]
struct Cursor {
    events: usize,
    /// Operations before this one are all written.
    operations: usize,
    /// Which operations from `operations` on are written (they finish out of order).
    written: Vec<bool>,
    /// Per consumer, how many of its polls and commits are written.
    consumers: Vec<usize>,
}

impl Cursor {
    fn advance(
        &mut self,
        world: &mut World,
        to: SimTime,
        out: &mut impl Write,
    ) -> Result<(), String> {
        loop {
            let next = SimTime::from_millis(world.now().as_millis() + SLICE_MS).min(to);
            world.run_until(next);
            self.flush(world, out, false)?;
            if next >= to {
                return Ok(());
            }
        }
    }

    /// A `wait_until` step: the run goes on, streamed slice by slice, until the condition
    /// holds, or fails as `Scenario::run` does when the timeout passes first.
    fn wait(
        &mut self,
        world: &mut World,
        out: &mut impl Write,
        index: usize,
        condition: &kafka_sim::Condition,
        timeout_ms: u64,
    ) -> Result<(), String> {
        let deadline = world.now().as_millis() + timeout_ms;
        loop {
            let slice_end = (world.now().as_millis() + SLICE_MS).min(deadline);
            let held =
                kafka_sim::scenario::wait_until(world, condition, SimTime::from_millis(slice_end));
            self.flush(world, out, false)?;
            if held {
                return Ok(());
            }
            if slice_end >= deadline {
                let error = ScenarioError::WaitTimedOut {
                    index,
                    condition: condition.clone(),
                    timeout_ms,
                    at_ms: world.now().as_millis(),
                };
                return Err(error.to_string());
            }
        }
    }

    /// Writes what happened since the last flush, in time order; at the end, operations still
    /// pending are written too, as pending.
    fn flush(&mut self, world: &World, out: &mut impl Write, end: bool) -> Result<(), String> {
        let mut lines: Vec<(u64, String)> = Vec::new();
        for event in &world.events()[self.events..] {
            let at = event.at.as_millis();
            let text = json!({"text": event.kind.to_string()});
            lines.push((at, line("event", Some(at), text)?));
        }
        self.events = world.events().len();
        let operations = world.operations();
        self.written
            .resize(operations.len() - self.operations, false);
        for (offset, op) in operations[self.operations..].iter().enumerate() {
            let done = op.completed_at.is_some() || end;
            if done && !self.written[offset] {
                self.written[offset] = true;
                lines.push(operation_line("operation", op, world)?);
            }
        }
        let finished = self.written.iter().take_while(|w| **w).count();
        self.written.drain(..finished);
        self.operations += finished;
        for (index, (consumer, _)) in world.consumers().enumerate() {
            if self.consumers.len() <= index {
                self.consumers.push(0);
            }
            let history = consumer.history();
            while let Some(op) = history.get(self.consumers[index]) {
                if op.completed_at.is_none() && !end {
                    break;
                }
                lines.push(operation_line("consumer_operation", op, world)?);
                self.consumers[index] += 1;
            }
        }
        lines.sort_by_key(|(at, _)| *at);
        for (_, line) in &lines {
            writeln!(out, "{line}").map_err(|e| e.to_string())?;
        }
        // A reader at the other end of a pipe sees the run move, not 8 KB at a time.
        if !lines.is_empty() {
            out.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// An operation as a line: its fields, with the moment it finished as `at_ms`.
fn operation_line(
    kind: &str,
    op: &kafka_sim::client::Operation,
    world: &World,
) -> Result<(u64, String), String> {
    let at = op.completed_at.unwrap_or(world.now()).as_millis();
    Ok((at, line(kind, Some(at), op)?))
}

/// A JSON line: `type` and `at_ms` first, where `grep` and a reader's eye look.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_ms: Option<u64>,
    #[serde(flatten)]
    body: T,
}

fn line<T: Serialize>(kind: &str, at_ms: Option<u64>, body: T) -> Result<String, String> {
    serde_json::to_string(&Line { kind, at_ms, body }).map_err(|e| e.to_string())
}
