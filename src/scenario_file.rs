//! Scenario files in the page: the run exported as the JSON or TOML that `kafka-sim run` reads,
//! and such a file imported as a new run. The text is read and written by the core's own
//! parser (`kafka_sim::scenario::file`), so the page names a bad field and line exactly as the
//! command line does.
//!
//! A file is untrusted input, so importing is bounded: its size (checked before it is read),
//! its number of steps and the virtual time it runs to (the bounds of a share link, so a file
//! opens whatever a link opens), and the page's cluster shape. Free of the browser, so it is
//! tested natively.

use crate::session::Session;
use crate::share::{MAX_COMMANDS, MAX_NOW};
use kafka_sim::scenario::file::{self, Format};
use kafka_sim::{Scenario, SimTime, Step};

/// The largest file read; larger ones are refused before a byte is read (the page's sessions
/// write a few kilobytes per hundred commands).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The run as a scenario: its commands up to the clock, at their exact moments, ending at the
/// clock. Commands after the clock (the future a rewind keeps) are left out: a scenario runs to
/// its last step, and the run exported is the one on screen.
pub fn scenario_of(session: &Session) -> Scenario {
    let mut scenario = Scenario {
        seed: session.seed,
        steps: session
            .log
            .iter()
            .filter(|(at, _)| *at <= session.now)
            .map(|(at, command)| Step::at(*at, command.clone()))
            .collect(),
        // The page checks the invariants in every run: a violation is an event of its trace.
        check_invariants: true,
        ..Scenario::default()
    };
    scenario.cluster.controllers = (session.controllers != 1).then_some(session.controllers);
    scenario.set_end(session.now);
    scenario
}

/// The run as a file's text.
pub fn export(session: &Session, format: Format) -> Result<String, String> {
    file::write(&scenario_of(session), format)
}

/// The name a download suggests: the seed and the clock, so two exports do not collide.
pub fn file_name(session: &Session, format: Format) -> String {
    format!(
        "kafka-playground-seed{}-{}ms.{}",
        session.seed,
        session.now.as_millis(),
        format.extension()
    )
}

/// The refusal of a file too large to read.
pub fn too_large(bytes: u64) -> Option<String> {
    (bytes > MAX_FILE_BYTES).then(|| {
        format!(
            "the file is {bytes} bytes; a scenario file may be at most {MAX_FILE_BYTES} bytes (1 MiB)"
        )
    })
}

/// Reads an imported file named `name`: its extension says JSON or TOML, its bytes must be
/// text, and the scenario must fit the page.
pub fn import(name: &str, bytes: &[u8]) -> Result<Session, String> {
    if let Some(refusal) = too_large(bytes.len() as u64) {
        return Err(refusal);
    }
    let format = Format::of_name(name).ok_or_else(|| {
        format!("\"{name}\" is not a scenario file: kafka-sim reads .json and .toml files")
    })?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not text (invalid UTF-8 at byte {}); a scenario file is {}",
            e.valid_up_to(),
            format.extension().to_uppercase()
        )
    })?;
    let scenario = file::parse(text, format)?;
    session_of(&scenario, "", MAX_COMMANDS, MAX_NOW)
}

/// The run a scenario starts, within `max_steps` and `max_end`. The page's cluster is three
/// brokers with default settings, so a scenario asking for another shape is refused rather
/// than shown wrong. Errors name the field after `prefix` (`scenario` in an embed's message,
/// nothing in a file).
pub fn session_of(
    scenario: &Scenario,
    prefix: &str,
    max_steps: usize,
    max_end: SimTime,
) -> Result<Session, String> {
    let field = |name: &str| match prefix {
        "" => name.to_owned(),
        _ => format!("{prefix}.{name}"),
    };
    crate::lesson_format::page_cluster(scenario, prefix)
        .map_err(|e| e.trim_start_matches('.').to_owned())?;
    scenario.validate().map_err(|e| match prefix {
        "" => e.to_string(),
        _ => format!("{prefix}.{e}"),
    })?;
    if scenario.steps.len() > max_steps {
        return Err(format!(
            "{}: {} steps; the page replays at most {max_steps}",
            field("steps"),
            scenario.steps.len()
        ));
    }
    let end = scenario.end();
    if end > max_end {
        return Err(format!(
            "{}: the run ends at {end}; the page replays at most {max_end} of virtual time",
            field("run_until_ms")
        ));
    }
    let log = scenario
        .steps
        .iter()
        .map(|step| (step.moment(), step.command.clone()))
        .collect();
    Ok(Session::of_scenario(scenario, end, log))
}

#[cfg(test)]
#[path = "scenario_file_tests.rs"]
mod tests;
