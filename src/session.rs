//! A session: the seed, the cluster's shape and the timed command log, which together are the
//! whole state of a run (a run is a pure function of them), plus where the clock was. The same
//! value is saved in the browser, carried by a share link and rebuilt by replay.

use kafka_sim::{ClusterConfig, Command, SimTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A run as saved or shared: enough to rebuild it exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The seed, as a string: a JSON number read by JavaScript would lose a u64's low bits.
    #[serde(with = "seed_text")]
    pub seed: u64,
    /// Where the clock was.
    pub now: SimTime,
    /// Every command with the moment it was applied (microseconds, so a replay applies it at
    /// the same instant and gives the same trace).
    pub log: Vec<(SimTime, Command)>,
    /// KRaft controllers in the cluster (saves from before quorums had one).
    #[serde(default = "one")]
    pub controllers: u32,
    /// Brokers the cluster starts with (saves from before the page could change it had 3).
    #[serde(default = "three", skip_serializing_if = "is_three")]
    pub brokers: u32,
    /// `broker.rack` of brokers 1, 2, ... in order; empty when the cluster has no racks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub racks: Vec<String>,
    /// The furthest the clock had been on this branch, when past `now` (a rewind): the slider
    /// still reaches it after a reload, as it did before. Share links do not carry it.
    #[serde(default, skip_serializing_if = "not_ahead")]
    pub furthest: SimTime,
    /// How many commands had been applied, when not every one given by `now` had: a lesson's
    /// Back to a step that began at the very moment its task was later done (the clock
    /// paused), which a reload must not redo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<usize>,
}

fn not_ahead(furthest: &SimTime) -> bool {
    *furthest == SimTime::ZERO
}

fn one() -> u32 {
    1
}

fn three() -> u32 {
    3
}

fn is_three(n: &u32) -> bool {
    *n == 3
}

/// The shape a new cluster starts with: what the "New cluster" controls choose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Brokers, 1 to [`MAX_PAGE_BROKERS`].
    pub brokers: u32,
    /// KRaft controllers: 1, or 3 for a quorum.
    pub controllers: u32,
    /// `broker.rack` of brokers 1, 2, ...; empty for none.
    pub racks: Vec<String>,
}

pub use crate::lesson_format::MAX_PAGE_BROKERS;

impl Default for Shape {
    /// Three brokers and one controller, no racks: the page's cluster before it had a choice.
    fn default() -> Self {
        Shape {
            brokers: 3,
            controllers: 1,
            racks: Vec::new(),
        }
    }
}

/// How brokers are spread over racks, as the "racks" control offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RackLayout {
    /// No `broker.rack`.
    None,
    /// Each broker in its own rack (`rack-1`, `rack-2`, ...).
    PerBroker,
    /// Brokers dealt round-robin over this many racks (`rack-a`, `rack-b`, ...).
    Spread(u32),
}

impl RackLayout {
    /// The racks of `brokers` brokers.
    pub fn racks(self, brokers: u32) -> Vec<String> {
        match self {
            RackLayout::None => Vec::new(),
            RackLayout::PerBroker => (1..=brokers).map(|b| format!("rack-{b}")).collect(),
            RackLayout::Spread(k) => (0..brokers).map(|b| spread_rack(b % k.max(1))).collect(),
        }
    }

    /// The layout `racks` were made with (what the control shows).
    pub fn of(racks: &[String]) -> RackLayout {
        if racks.is_empty() {
            return RackLayout::None;
        }
        if racks
            .iter()
            .enumerate()
            .all(|(i, r)| *r == format!("rack-{}", i + 1))
        {
            return RackLayout::PerBroker;
        }
        let distinct: std::collections::BTreeSet<&String> = racks.iter().collect();
        RackLayout::Spread(distinct.len() as u32)
    }

    /// The rack for broker `id` joining a running cluster whose brokers have `racks`: its own
    /// with a rack per broker, else the rack with the fewest brokers.
    pub fn rack_for_new(racks: &[Option<String>], id: u32) -> Option<String> {
        let named: Vec<&String> = racks.iter().flatten().collect();
        if named.is_empty() {
            return None;
        }
        let per_broker = named.iter().all(|r| {
            r.strip_prefix("rack-")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        });
        if per_broker {
            return Some(format!("rack-{id}"));
        }
        let mut counts: std::collections::BTreeMap<&String, usize> = Default::default();
        for rack in named {
            *counts.entry(rack).or_default() += 1;
        }
        let fewest = counts.values().copied().min().unwrap_or(0);
        counts
            .into_iter()
            .find(|(_, n)| *n == fewest)
            .map(|(rack, _)| rack.clone())
    }
}

fn spread_rack(index: u32) -> String {
    format!("rack-{}", char::from(b'a' + (index % 26) as u8))
}

impl Shape {
    /// The core's configuration of a cluster of this shape.
    pub fn config(&self) -> ClusterConfig {
        ClusterConfig {
            brokers: self.brokers,
            controllers: self.controllers,
            racks: (1..).zip(self.racks.iter().cloned()).collect(),
            ..ClusterConfig::default()
        }
    }
}

impl Session {
    /// A run that has not started: nothing to replay.
    pub fn fresh(seed: u64, controllers: u32) -> Session {
        Session {
            seed,
            now: SimTime::ZERO,
            log: Vec::new(),
            controllers,
            brokers: 3,
            racks: Vec::new(),
            furthest: SimTime::ZERO,
            applied: None,
        }
    }

    /// The cluster of a scenario the page opens (checked by `lesson_format::page_cluster`).
    pub fn of_scenario(
        scenario: &kafka_sim::Scenario,
        now: SimTime,
        log: Vec<(SimTime, Command)>,
    ) -> Session {
        Session {
            seed: scenario.seed,
            now,
            log,
            controllers: scenario.cluster.controllers.unwrap_or(1),
            brokers: scenario.cluster.brokers,
            racks: scenario.cluster.racks.clone(),
            furthest: SimTime::ZERO,
            applied: None,
        }
    }

    /// The shape the cluster started with.
    pub fn shape(&self) -> Shape {
        Shape {
            brokers: self.brokers,
            controllers: self.controllers,
            racks: self.racks.clone(),
        }
    }
}

/// JSON that could not be read: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// The field, as a path (`log[3][1].command`), or `.` for the whole value.
    pub path: String,
    /// What is wrong, without serde_json's line and column (a link or a save has one line).
    pub problem: String,
}

/// Reads JSON. Saves and links both come through here, with one deserializer type, so the
/// large code that decodes every kind of command is in the wasm bundle once, not per caller.
pub fn from_json<T: DeserializeOwned>(json: &[u8]) -> Result<T, JsonError> {
    let mut reader = serde_json::Deserializer::from_slice(json);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let problem = message
            .rfind(" at line ")
            .map_or(message.as_str(), |cut| &message[..cut]);
        JsonError {
            path,
            problem: problem.to_owned(),
        }
    })
}

/// The seed written as decimal text (the saved format since the first version).
pub(crate) mod seed_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seed: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&seed.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(|_| serde::de::Error::custom("a seed is a whole number from 0 to 2^64-1"))
    }
}
