//! The challenges the page offers, and which the reader has met. Challenge files are data
//! (challenges/README.md), embedded like the lessons; the goal is judged by the core
//! (`kafka_sim::challenge`) on the run the page shows, never on what the page draws.

pub use crate::lesson_format::Challenge;
use crate::session::Session;
use kafka_sim::challenge::{Goal, Verdict};
use kafka_sim::{SimTime, World};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// Every challenge file, in the order.
const FILES: &[&str] = &[
    include_str!("../challenges/lose-an-acknowledged-write.json"),
    include_str!("../challenges/duplicate-then-none.json"),
    include_str!("../challenges/idle-consumer.json"),
    include_str!("../challenges/read-committed-waits.json"),
    include_str!("../challenges/unclean-election-loss.json"),
    include_str!("../challenges/max-poll-interval-kick.json"),
    include_str!("../challenges/produce-through-crash.json"),
];

thread_local! {
    static CHALLENGES: Rc<Vec<Challenge>> = Rc::new(FILES.iter().filter_map(|text| {
        Challenge::parse(text).ok()
    }).collect());
}

/// The challenges that parsed, in order.
pub fn all() -> Rc<Vec<Challenge>> {
    CHALLENGES.with(Rc::clone)
}

/// A challenge by id.
pub fn find(id: &str) -> Option<Challenge> {
    all().iter().find(|c| c.id == id).cloned()
}

/// The run a challenge opens: its setup, as a lesson's scenario opens.
pub fn session(challenge: &Challenge) -> Session {
    let setup = &challenge.setup;
    let last = setup.steps.last().map_or(0, |s| s.at_ms);
    let log = setup
        .steps
        .iter()
        .map(|step| (SimTime::from_millis(step.at_ms), step.command.clone()))
        .collect();
    Session::of_scenario(
        setup,
        SimTime::from_millis(setup.run_until_ms.max(last)),
        log,
    )
}

/// How the shown run met `goal`: the run is rebuilt from its session (a pure function of seed
/// and commands) because the page's handle lends out conditions, not its world. Called once,
/// when the goal is first seen met.
pub fn verdict(session: &Session, goal: Goal) -> Verdict {
    let config = session.shape().config();
    let mut world = World::new(&config, session.seed);
    for (at, command) in &session.log {
        if *at > session.now {
            break;
        }
        world.run_until(*at);
        let _ = world.apply(command.clone());
    }
    world.run_until(session.now);
    kafka_sim::challenge::evaluate(&goal, &world)
}

/// A met challenge as remembered: what met it, so the picker can say so after a reload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Met {
    /// The challenge.
    pub id: String,
    /// The verdict's lines (how, then the configuration).
    pub how: Vec<String>,
    /// The configuration that made it possible.
    pub configuration: Vec<String>,
}

/// What the browser remembers of challenges.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChallengeProgress {
    /// The open challenge, judged against whatever run is shown.
    #[serde(default)]
    pub open: Option<String>,
    /// Challenges met, with how.
    #[serde(default)]
    pub met: Vec<Met>,
}

/// The localStorage key.
pub const PROGRESS_KEY: &str = "kafka-playground/challenges";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl ChallengeProgress {
    /// The stored progress; unreadable progress starts afresh.
    pub fn load() -> ChallengeProgress {
        storage()
            .and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Stores it (nothing where storage is unavailable).
    pub fn save(&self) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(self)) {
            let _ = storage.set_item(PROGRESS_KEY, &text);
        }
    }

    /// Whether the challenge was met.
    pub fn is_met(&self, id: &str) -> bool {
        self.met.iter().any(|m| m.id == id)
    }
}
