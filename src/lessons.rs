//! The lessons the page offers, and the reader's progress through them. Lesson files are data
//! (lessons/README.md); each is embedded here, so adding a lesson is a file and one line below.
//! Files are parsed on first use: one that does not parse is left out of the picker (its native
//! test, crates/sim/tests/suite/lessons.rs, names the file and field), never a panic in the page.

#[path = "challenges.rs"]
pub mod challenges;

pub use crate::lesson_format::{Lesson, LessonStep, Text};
use crate::session::Session;
use crate::sim_handle::Moment;
use kafka_sim::SimTime;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// Every lesson file, in the order the picker lists them (the order of the basics).
const FILES: &[&str] = &[
    include_str!("../lessons/cluster-parts.json"),
    include_str!("../lessons/producer-pipeline.json"),
    include_str!("../lessons/keys-and-partitions.json"),
    include_str!("../lessons/consumer-groups.json"),
    include_str!("../lessons/offsets-and-commits.json"),
    include_str!("../lessons/rebalances.json"),
    include_str!("../lessons/consumer-protocol.json"),
    include_str!("../lessons/share-groups.json"),
    include_str!("../lessons/in-sync-replicas.json"),
    include_str!("../lessons/high-watermark.json"),
    include_str!("../lessons/preferred-leader.json"),
    include_str!("../lessons/unclean-leader-election.json"),
    include_str!("../lessons/acks.json"),
    include_str!("../lessons/min-insync-replicas.json"),
    include_str!("../lessons/idempotent-producer.json"),
    include_str!("../lessons/transactions.json"),
    include_str!("../lessons/exactly-once-limits.json"),
    include_str!("../lessons/kraft-quorum.json"),
];

thread_local! {
    static LESSONS: Rc<Vec<Lesson>> = Rc::new(FILES.iter().filter_map(|text| {
        Lesson::parse(text).ok()
    }).collect());
}

/// The lessons that parsed, in order.
pub fn all() -> Rc<Vec<Lesson>> {
    LESSONS.with(Rc::clone)
}

/// A lesson by id.
pub fn find(id: &str) -> Option<Lesson> {
    all().iter().find(|lesson| lesson.id == id).cloned()
}

/// The run a lesson starts: its scenario's commands as a session's timed log, then the first
/// step's commands at the moment the lesson opens (so a replay applies them there too).
pub fn session(lesson: &Lesson) -> Session {
    let scenario = &lesson.scenario;
    let last = scenario.steps.last().map_or(0, |s| s.at_ms);
    let now = SimTime::from_millis(scenario.run_until_ms.max(last));
    let mut log: Vec<_> = scenario
        .steps
        .iter()
        .map(|step| (SimTime::from_millis(step.at_ms), step.command.clone()))
        .collect();
    if let Some(first) = lesson.steps.first() {
        log.extend(first.commands.iter().map(|command| (now, command.clone())));
    }
    Session::of_scenario(scenario, now, log)
}

/// The point a lesson opens at, where its first step begins: the end of its scenario, with
/// the first step's commands applied.
pub fn opening(lesson: &Lesson) -> Moment {
    let session = session(lesson);
    Moment {
        at: session.now,
        commands: session.log.len(),
    }
}

/// The language of the lesson texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// Korean for a browser that prefers it, English otherwise.
    pub fn from_browser() -> Lang {
        let language = web_sys::window()
            .and_then(|w| w.navigator().language())
            .unwrap_or_default();
        if language.to_ascii_lowercase().starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// The text in this language.
    pub fn pick(self, text: &Text) -> &str {
        match self {
            Lang::En => &text.en,
            Lang::Ko => &text.ko,
        }
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }
}

/// What the browser remembers: whether the picker was dismissed, the chosen language, the
/// lesson in progress and the lessons finished.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The picker no longer opens by itself.
    #[serde(default)]
    pub dismissed: bool,
    /// The reader's choice, or none to follow the browser.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// The open lesson and its step.
    #[serde(default)]
    pub active: Option<(String, usize)>,
    /// The moment each step of the open lesson began, as far as the reader has gone (Back
    /// returns there: see lesson_walk.rs).
    #[serde(default)]
    pub entered: Vec<Moment>,
    /// Lessons walked to their end.
    #[serde(default)]
    pub finished: Vec<String>,
}

/// The localStorage key; tests set it before the page loads to skip the picker.
pub const PROGRESS_KEY: &str = "kafka-playground/lessons";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

impl Progress {
    /// The stored progress; unreadable progress starts afresh (it only affects the picker).
    pub fn load() -> Progress {
        storage()
            .and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Progress {
                dismissed: false,
                lang: None,
                active: None,
                entered: Vec::new(),
                finished: Vec::new(),
            })
    }

    /// Stores it (nothing where storage is unavailable).
    pub fn save(&self) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(self)) {
            let _ = storage.set_item(PROGRESS_KEY, &text);
        }
    }

    /// The language to show.
    pub fn language(&self) -> Lang {
        self.lang.unwrap_or_else(Lang::from_browser)
    }
}
