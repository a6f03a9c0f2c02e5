//! A/B: the same seed and the same actions under two client configurations. The run's
//! command log is replayed twice, each time with every producer's (or consumer's) properties
//! overridden, and
//! the checker's verdict on each is set side by side, so "acks=1 loses what acks=all keeps"
//! is something the user's own run shows, not a sentence.

use crate::check::{Anomaly, check};
use crate::client::Outcome;
use crate::command::Command;
use crate::sorted::Collect;
use crate::time::SimTime;
use crate::world::{ClusterConfig, World};
use serde::Serialize;
use std::collections::BTreeMap;

/// One side of a comparison: a label and the client properties it forces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// How the side is named (`acks=1`).
    pub label: String,
    /// Producer properties that replace the run's own.
    pub producer_config: BTreeMap<String, String>,
    /// Consumer properties that replace the run's own.
    pub consumer_config: BTreeMap<String, String>,
    /// Only consumers whose application forwards (`app.forward.topic`) take them.
    pub forwarding_only: bool,
}

fn properties(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect_map()
}

impl Variant {
    fn new(label: &str, pairs: &[(&str, &str)]) -> Self {
        Variant {
            label: label.to_owned(),
            producer_config: properties(pairs),
            consumer_config: BTreeMap::new(),
            forwarding_only: false,
        }
    }

    fn consumers(label: &str, pairs: &[(&str, &str)]) -> Self {
        Variant {
            label: label.to_owned(),
            producer_config: BTreeMap::new(),
            consumer_config: properties(pairs),
            forwarding_only: false,
        }
    }

    fn forwarding(label: &str, pairs: &[(&str, &str)]) -> Self {
        Variant {
            forwarding_only: true,
            ..Variant::consumers(label, pairs)
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
        (
            "read_uncommitted vs read_committed",
            Variant::consumers(
                "isolation.level=read_uncommitted",
                &[("isolation.level", "read_uncommitted")],
            ),
            Variant::consumers(
                "isolation.level=read_committed",
                &[("isolation.level", "read_committed")],
            ),
        ),
        (
            "at-least-once vs exactly-once (forwarding apps)",
            Variant::forwarding(
                "commitSync after the output (at-least-once)",
                &[("app.commit", "after-processing")],
            ),
            Variant::forwarding(
                "output and offsets in a transaction (exactly-once)",
                &[
                    ("app.commit", "transactional"),
                    ("enable.auto.commit", "false"),
                    ("isolation.level", "read_committed"),
                ],
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
    /// Records of aborted (or never committed) transactions that consumers returned.
    pub aborted_read: usize,
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

/// Replays `log` up to `until` on a cluster built from `config`, with every client's
/// properties overridden.
pub fn replay(
    config: &ClusterConfig,
    seed: u64,
    log: &[(SimTime, Command)],
    until: SimTime,
    variant: &Variant,
) -> World {
    let mut world = World::new(config, seed);
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
            Command::AddConsumer {
                name,
                config,
                topics,
                partitions,
            } => {
                let mut config = config.clone();
                if !variant.forwarding_only || config.contains_key("app.forward.topic") {
                    config.extend(variant.consumer_config.clone());
                }
                Command::AddConsumer {
                    name: name.clone(),
                    config,
                    topics: topics.clone(),
                    partitions: partitions.clone(),
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
    let sends = world.operations().into_iter().filter(|op| {
        matches!(
            op.request,
            crate::client::Request::Send { .. } | crate::client::Request::Produce { .. }
        )
    });
    for op in sends {
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
            Anomaly::AbortedRead => side.aborted_read += 1,
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
        "{}: {} of {} sends acknowledged, {}, {}, {}, {}",
        side.label,
        side.acknowledged,
        side.sends,
        count(side.lost, "lost after acknowledgement"),
        count(side.duplicated, "written twice"),
        count(side.reordered, "out of order"),
        count(side.aborted_read, "read from aborted transactions")
    )
}

/// Runs both sides of a comparison on the same cluster, seed and commands.
pub fn compare(
    config: &ClusterConfig,
    seed: u64,
    log: &[(SimTime, Command)],
    until: SimTime,
    a: &Variant,
    b: &Variant,
) -> Comparison {
    let a = summarise(&replay(config, seed, log, until, a), &a.label);
    let b = summarise(&replay(config, seed, log, until, b), &b.label);
    let outcome = |s: &Side| (s.lost, s.duplicated, s.reordered, s.aborted_read);
    let same = outcome(&a) == outcome(&b);
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
