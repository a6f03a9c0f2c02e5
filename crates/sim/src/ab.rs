//! A/B: the same seed and the same actions under two producer configurations. The run's
//! command log is replayed twice, each time with every producer's properties overridden, and
//! the checker's verdict on each is set side by side, so "acks=1 loses what acks=all keeps"
//! is something the user's own run shows, not a sentence.

use crate::check::{Anomaly, check};
use crate::client::Outcome;
use crate::command::Command;
use crate::time::SimTime;
use crate::world::{ClusterConfig, World};
use serde::Serialize;
use std::collections::BTreeMap;

/// One side of a comparison: a label and the producer properties it forces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// How the side is named (`acks=1`).
    pub label: String,
    /// Producer properties that replace the run's own.
    pub producer_config: BTreeMap<String, String>,
}

impl Variant {
    fn new(label: &str, pairs: &[(&str, &str)]) -> Self {
        Variant {
            label: label.to_owned(),
            producer_config: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }
}

/// The comparisons the page offers: (name, A, B).
pub fn presets() -> Vec<(&'static str, Variant, Variant)> {
    vec![
        (
            "acks=1 vs acks=all",
            Variant::new("acks=1", &[("acks", "1"), ("enable.idempotence", "false")]),
            Variant::new("acks=all", &[("acks", "all")]),
        ),
        (
            "idempotence off vs on",
            Variant::new(
                "enable.idempotence=false",
                &[("enable.idempotence", "false")],
            ),
            Variant::new(
                "enable.idempotence=true",
                &[("enable.idempotence", "true"), ("acks", "all")],
            ),
        ),
    ]
}

/// What one side's run came to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The variant's label.
    pub label: String,
    /// Sends made.
    pub sends: usize,
    /// Sends acknowledged (or, with acks=0, sent).
    pub acknowledged: usize,
    /// Sends that failed or expired.
    pub failed: usize,
    /// Acknowledged records missing from the final log.
    pub lost: usize,
    /// Records written more than once.
    pub duplicated: usize,
    /// Records that landed out of their producer's order.
    pub reordered: usize,
}

/// Both sides and the difference in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Side A.
    pub a: Side,
    /// Side B.
    pub b: Side,
    /// What differs, in a sentence.
    pub difference: String,
}

/// Replays `log` up to `until` with every producer's properties overridden.
pub fn replay(seed: u64, log: &[(SimTime, Command)], until: SimTime, variant: &Variant) -> World {
    let mut world = World::new(&ClusterConfig::default(), seed);
    for (at, command) in log.iter().filter(|(at, _)| *at <= until) {
        world.run_until(*at);
        let command = match command {
            Command::AddProducer { name, config } => {
                let mut config = config.clone();
                config.extend(variant.producer_config.clone());
                Command::AddProducer {
                    name: name.clone(),
                    config,
                }
            }
            other => other.clone(),
        };
        let _ = world.apply(command);
    }
    world.run_until(until);
    world
}

fn summarise(world: &World, label: &str) -> Side {
    let mut side = Side {
        label: label.to_owned(),
        ..Side::default()
    };
    for op in world.operations() {
        side.sends += 1;
        match op.outcome {
            Outcome::Acked { .. } | Outcome::Sent { .. } => side.acknowledged += 1,
            Outcome::Failed { .. } | Outcome::Exception { .. } => side.failed += 1,
            _ => {}
        }
    }
    for violation in check(world) {
        match violation.anomaly {
            Anomaly::LostWrite => side.lost += 1,
            Anomaly::Duplicate => side.duplicated += 1,
            Anomaly::Reordered => side.reordered += 1,
            _ => {}
        }
    }
    side
}

fn in_words(side: &Side) -> String {
    let count = |n: usize, what: &str| match n {
        0 => format!("none {what}"),
        n => format!("{n} {what}"),
    };
    format!(
        "{}: {} of {} sends acknowledged, {}, {}, {}",
        side.label,
        side.acknowledged,
        side.sends,
        count(side.lost, "lost after acknowledgement"),
        count(side.duplicated, "written twice"),
        count(side.reordered, "out of order")
    )
}

/// Runs both sides of a comparison on the same seed and commands.
pub fn compare(
    seed: u64,
    log: &[(SimTime, Command)],
    until: SimTime,
    a: &Variant,
    b: &Variant,
) -> Comparison {
    let a = summarise(&replay(seed, log, until, a), &a.label);
    let b = summarise(&replay(seed, log, until, b), &b.label);
    let same = (a.lost, a.duplicated, a.reordered) == (b.lost, b.duplicated, b.reordered);
    let difference = if same {
        format!(
            "No difference in safety so far: {}. Inject a fault (crash a leader, cut a link) and compare again.",
            in_words(&a)
        )
    } else {
        format!("{}. {}.", in_words(&a), in_words(&b))
    };
    Comparison { a, b, difference }
}
