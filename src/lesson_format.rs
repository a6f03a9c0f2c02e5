//! The lesson file format (see lessons/README.md): a scenario and the steps that teach with it.
//! Kept free of web crates so the simulation's own tests read lesson files with the very types
//! the page uses (`crates/sim/tests/lessons.rs` includes this file), and a lesson that drifts
//! from the format or from the engine fails there, not in a reader's browser.

use kafka_sim::condition::Condition;
use kafka_sim::{Command, Scenario};
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

/// The bound on a step's wait when the file does not give one.
pub const DEFAULT_WITHIN_MS: u64 = 60_000;

impl Lesson {
    /// Reads a lesson file; the error names the field (`steps[2].done.when`) and the problem.
    pub fn parse(json: &str) -> Result<Lesson, String> {
        let mut reader = serde_json::Deserializer::from_str(json);
        let lesson: Lesson = serde_path_to_error::deserialize(&mut reader)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()))?;
        lesson.validate()?;
        Ok(lesson)
    }

    /// What serde cannot say: the page runs three brokers only, and a task needs a condition.
    fn validate(&self) -> Result<(), String> {
        let cluster = &self.scenario.cluster;
        if cluster.brokers != 3
            || !cluster.racks.is_empty()
            || cluster.offsets_topic_partitions.is_some()
            || cluster.rack_aware_replica_selector
            || cluster.message_max_bytes.is_some()
        {
            return Err(
                "scenario.cluster: the page runs three brokers with default settings; only controllers may change"
                    .to_owned(),
            );
        }
        if !matches!(cluster.controllers, None | Some(1) | Some(3)) {
            return Err("scenario.cluster.controllers: 1 or 3".to_owned());
        }
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
