//! A/B: the same seed and the same actions under two client configurations. The run's
//! command log is replayed twice, each time with every producer's (or consumer's) properties
//! overridden, and
//! the checker's verdict on each is set side by side, so "acks=1 loses what acks=all keeps"
//! is something the user's own run shows, not a sentence.

use crate::check::{Anomaly, check};
use crate::client::Outcome;
use crate::command::Command;
use crate::event::EventKind;
use crate::protocol::TopicPartition;
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
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
            // Auto commit off on both sides: left on, Java's consumer also commits its
            // positions when partitions are revoked, past a batch whose output is not out.
            Variant::forwarding(
                "commitSync after the output (at-least-once)",
                &[
                    ("app.commit", "after-processing"),
                    ("enable.auto.commit", "false"),
                ],
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
        (
            "classic vs consumer group protocol (KIP-848)",
            Variant::consumers("group.protocol=classic", &[("group.protocol", "classic")]),
            Variant::consumers("group.protocol=consumer", &[("group.protocol", "consumer")]),
        ),
    ]
}

/// The settings each group protocol refuses from the other (`ConsumerConfig`'s
/// `CLASSIC_PROTOCOL_UNSUPPORTED_CONFIGS` and `CONSUMER_PROTOCOL_UNSUPPORTED_CONFIGS`; static
/// membership is simulated with the classic protocol only): a consumer switched to a protocol
/// drops them, as a user would have to.
fn other_protocols_settings(protocol: &str) -> &'static [&'static str] {
    match protocol {
        "consumer" => &[
            "partition.assignment.strategy",
            "session.timeout.ms",
            "heartbeat.interval.ms",
            "group.instance.id",
        ],
        _ => &["group.remote.assignor"],
    }
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
    /// Sends with no answer yet when the comparison stopped.
    pub waiting: usize,
    /// The longest an acknowledged send waited for its acknowledgement.
    pub slowest_ack: SimDuration,
    /// Acknowledged records missing from the final log.
    pub lost: usize,
    /// Records written more than once.
    pub duplicated: usize,
    /// Records that landed out of their producer's order.
    pub reordered: usize,
    /// Records of aborted (or never committed) transactions that consumers returned.
    pub aborted_read: usize,
    /// Partitions a live member gave up in a rebalance and got back, with no other owner in
    /// between: work stopped for nothing (an eager assignor revokes everything every time).
    pub given_back: usize,
    /// How long partitions went without an owner once their group had first assigned them,
    /// summed over the partitions, in milliseconds: what rebalances and dead members cost.
    pub unowned_ms: u64,
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
                    if let Some(protocol) = variant.consumer_config.get("group.protocol") {
                        for name in other_protocols_settings(protocol) {
                            config.remove(*name);
                        }
                    }
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
            Outcome::Pending => side.waiting += 1,
            _ => {}
        }
        if let (Outcome::Acked { .. }, Some(done)) = (&op.outcome, op.completed_at) {
            side.slowest_ack = side.slowest_ack.max(done.since(op.invoked_at));
        }
    }
    (side.given_back, side.unowned_ms) = ownership_gaps(world);
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

/// Replays who owned what (each ConsumerAssigned gives a consumer's whole assignment; a
/// crashed process owns nothing): partitions a live member gave up and got back, and the time
/// each (group, partition) spent without an owner after its first.
fn ownership_gaps(world: &World) -> (usize, u64) {
    type Key<'a> = (&'a str, &'a TopicPartition);
    let mut owners: BTreeMap<Key<'_>, &str> = BTreeMap::new();
    // Without an owner since then; given up by this live member (none after a crash).
    let mut orphaned: BTreeMap<Key<'_>, (SimTime, Option<&str>)> = BTreeMap::new();
    let (mut given_back, mut unowned) = (0, 0);
    for event in world.events() {
        let (who, assigned, group, alive) = match &event.kind {
            EventKind::ClientCrashed { name } => (name, &[][..], "", false),
            EventKind::ConsumerAssigned {
                consumer,
                group,
                assigned,
                ..
            } => (consumer, &assigned[..], group.as_str(), true),
            _ => continue,
        };
        let released: Vec<Key<'_>> = owners
            .iter()
            .filter(|(key, owner)| *owner == who && !assigned.contains(key.1))
            .map(|(key, _)| *key)
            .collect();
        for key in released {
            owners.remove(&key);
            orphaned.insert(key, (event.at, alive.then_some(who.as_str())));
        }
        if !alive {
            continue;
        }
        for tp in assigned {
            let key = (group, tp);
            owners.insert(key, who);
            if let Some((since, by)) = orphaned.remove(&key) {
                unowned += event.at.since(since).as_millis();
                if by == Some(who.as_str()) {
                    given_back += 1;
                }
            }
        }
    }
    let end = world.now();
    unowned += orphaned
        .values()
        .map(|(since, _)| end.since(*since).as_millis())
        .sum::<u64>();
    (given_back, unowned)
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

/// A stall shorter than this is not one a reader would notice as a difference.
const NOTICEABLE_STALL: SimDuration = SimDuration::from_millis(1_000);

/// Whether the sides' sends fared differently (failed, still waiting, or one side's slowest
/// acknowledgement a noticeable stall longer), though neither lost or duplicated anything.
fn availability_differs(a: &Side, b: &Side) -> bool {
    let answers = |s: &Side| (s.acknowledged, s.failed, s.waiting);
    let stall = (a.slowest_ack.as_micros()).abs_diff(b.slowest_ack.as_micros());
    answers(a) != answers(b) || stall >= NOTICEABLE_STALL.as_micros()
}

fn availability_in_words(side: &Side) -> String {
    let slowest = match side.acknowledged {
        0 => String::new(),
        _ => format!(" (the slowest after {})", side.slowest_ack),
    };
    format!(
        "{}: {} of {} sends acknowledged{slowest}, {} failed, {} still waiting",
        side.label, side.acknowledged, side.sends, side.failed, side.waiting
    )
}

fn rebalancing_in_words(side: &Side) -> String {
    format!(
        "{}: {} partition(s) given up and given back to the same member, partitions without an owner for {:.1} s in all",
        side.label,
        side.given_back,
        side.unowned_ms as f64 / 1000.0
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
    let groups = |s: &Side| (s.given_back, s.unowned_ms);
    let about_groups = [&a.label, &b.label]
        .iter()
        .any(|l| l.starts_with("group.protocol"));
    let difference = if about_groups {
        if groups(&a) == groups(&b) {
            "No difference in rebalancing so far. Crash a consumer or add one, and compare again."
                .to_owned()
        } else {
            format!(
                "{}. {}.",
                rebalancing_in_words(&a),
                rebalancing_in_words(&b)
            )
        }
    } else if same && availability_differs(&a, &b) {
        format!(
            "No difference in safety so far, but in availability. {}. {}.",
            availability_in_words(&a),
            availability_in_words(&b)
        )
    } else if same {
        format!(
            "No difference in safety so far: {}. Inject a fault (crash a leader, cut a link) and compare again.",
            in_words(&a)
        )
    } else {
        format!("{}. {}.", in_words(&a), in_words(&b))
    };
    Comparison { a, b, difference }
}
