//! The lesson file format (see lessons/README.md): a scenario and the steps that teach with it.
//! Kept free of web crates so the simulation's own tests read lesson files with the very types
//! the page uses (`crates/sim/tests/suite/lessons.rs` includes this file), and a lesson that drifts
//! from the format or from the engine fails there, not in a reader's browser.

use kafka_sim::Condition;
use kafka_sim::challenge::Goal;
use kafka_sim::{Command, Scenario, Step};
use serde::{Deserialize, Serialize};

/// One lesson file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// The file's name without `.json`, also the key of its progress in the browser.
    pub id: String,
    /// The lesson's title.
    pub title: Text,
    /// One sentence for the picker.
    pub summary: Text,
    /// The run it starts: the page's cluster is three brokers, so only `seed`,
    /// `cluster.controllers`, `steps` and `run_until_ms` may differ from the defaults.
    pub scenario: Scenario,
    /// What the learner reads and does, in order.
    pub steps: Vec<LessonStep>,
}

/// A text in English and Korean.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// English.
    pub en: String,
    /// Korean.
    pub ko: String,
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonStep {
    /// What to do or what to notice, in two or three sentences.
    pub text: Text,
    /// Applied when the step starts (the lesson acting, not the learner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Command>,
    /// What the learner must do, in a few words ("crash the leader of orders-0").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Text>,
    /// Commands that do the task: the "show me" button, and what the tests apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solution: Vec<Command>,
    /// The step is done when this holds; without it, the step only has Next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Condition>,
    /// A CSS selector of the part of the page to look at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight: Option<String>,
    /// How much virtual time the condition may take after the task (default 60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_ms: Option<u64>,
}

/// The most brokers the page draws (a larger cluster is for `kafka-sim`).
pub const MAX_PAGE_BROKERS: u32 = 9;

/// The page runs brokers with default settings, so a scenario it opens may change only how
/// many brokers (1 to 9) and controllers there are, and their racks (one per broker, or none).
pub fn page_cluster(scenario: &Scenario, field: &str) -> Result<(), String> {
    let cluster = &scenario.cluster;
    if cluster.offsets_topic_partitions.is_some()
        || cluster.rack_aware_replica_selector
        || cluster.message_max_bytes.is_some()
    {
        return Err(format!(
            "{field}.cluster: the page runs brokers with default settings; only brokers, racks and controllers may change"
        ));
    }
    if !(1..=MAX_PAGE_BROKERS).contains(&cluster.brokers) {
        return Err(format!("{field}.cluster.brokers: 1 to {MAX_PAGE_BROKERS}"));
    }
    if !cluster.racks.is_empty() && cluster.racks.len() != cluster.brokers as usize {
        return Err(format!(
            "{field}.cluster.racks: one per broker ({}), or none",
            cluster.brokers
        ));
    }
    if !matches!(cluster.controllers, None | Some(1) | Some(3)) {
        return Err(format!("{field}.cluster.controllers: 1 or 3"));
    }
    Ok(())
}

/// The bound on a step's wait when the file does not give one.
pub const DEFAULT_WITHIN_MS: u64 = 60_000;

impl Lesson {
    /// Reads a lesson file; the error names the field (`steps[2].done.when`) and the problem.
    pub fn parse(json: &str) -> Result<Lesson, String> {
        // From bytes, as saves, links and scenario files are read: one deserializer type keeps the
        // code that decodes every command in the bundle once.
        let mut reader = serde_json::Deserializer::from_slice(json.as_bytes());
        let lesson: Lesson = serde_path_to_error::deserialize(&mut reader)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
        lesson.validate()?;
        Ok(lesson)
    }

    /// What serde cannot say: the page runs three brokers only, and a task needs a condition.
    fn validate(&self) -> Result<(), String> {
        page_cluster(&self.scenario, "scenario")?;
        if self.steps.is_empty() {
            return Err("steps: a lesson needs at least one step".to_owned());
        }
        for (index, step) in self.steps.iter().enumerate() {
            if (step.task.is_some() || !step.solution.is_empty()) && step.done.is_none() {
                return Err(format!(
                    "steps[{index}].done: a step with a task needs the condition that shows it done"
                ));
            }
            if step.task.is_some() == step.solution.is_empty() {
                return Err(format!(
                    "steps[{index}].solution: a task and its solution come together"
                ));
            }
        }
        Ok(())
    }
}

/// One challenge file (challenges/README.md): a goal the learner reaches in a run of their own
/// making, with two recorded attempts that keep the goal honest in the native test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The file's name without `.json`, also the key of its progress in the browser.
    pub id: String,
    /// The challenge, in a few words.
    pub title: Text,
    /// What to cause, in one or two sentences.
    pub summary: Text,
    /// Where to start, without giving the answer away.
    pub hint: Text,
    /// What the run's history must show (`kafka_sim::challenge::Goal`).
    pub goal: Goal,
    /// The run it opens, with the same limits as a lesson's scenario.
    pub setup: Scenario,
    /// Commands after the setup that meet the goal.
    pub solution: Attempt,
    /// Nearly the same commands, which must not meet it.
    pub near_miss: Attempt,
}

/// Timed commands applied after a challenge's setup, and when to judge the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    /// The commands, at or after the setup's `run_until_ms`, in time order.
    pub steps: Vec<Step>,
    /// When the run is judged.
    pub run_until_ms: u64,
}

impl Challenge {
    /// Reads a challenge file; the error names the field and the problem.
    pub fn parse(json: &str) -> Result<Challenge, String> {
        // From bytes, as saves, links and scenario files are read: one deserializer type keeps the
        // code that decodes every command in the bundle once.
        let mut reader = serde_json::Deserializer::from_slice(json.as_bytes());
        let challenge: Challenge = serde_path_to_error::deserialize(&mut reader)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
        page_cluster(&challenge.setup, "setup")?;
        let start = challenge.setup.run_until_ms;
        for (name, attempt) in [
            ("solution", &challenge.solution),
            ("near_miss", &challenge.near_miss),
        ] {
            let mut at = start;
            for (index, step) in attempt.steps.iter().enumerate() {
                if step.at_ms < at {
                    return Err(format!(
                        "{name}.steps[{index}].at_ms: at or after {at} (the setup's end and the step before)"
                    ));
                }
                at = step.at_ms;
            }
            if attempt.run_until_ms < at {
                return Err(format!("{name}.run_until_ms: at least {at}"));
            }
        }
        Ok(challenge)
    }
}
