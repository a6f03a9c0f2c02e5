//! Challenges: goals a learner reaches by causing something in a run ("lose an acknowledged
//! write"), judged from the run's history (the checker's findings, the operations and the
//! events), never from what a page shows. A verdict says how the goal was met (the events and
//! operations that met it) and which configuration made it possible, so the page can teach
//! from the learner's own run instead of from a script.

use crate::check::{self, Anomaly, Violation};
use crate::client::{Outcome, Request, TxnAction};
use crate::event::EventKind;
use crate::protocol::TopicPartition;
use crate::time::SimTime;
use crate::world::World;
use serde::{Deserialize, Serialize};

/// What a challenge asks the learner to cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// A record its producer was told is written is gone from the partition's leader.
    AckedWriteLost,
    /// A producer without idempotence writes a record twice, and an idempotent producer lives
    /// through the same kind of fault (a send retried after a lost answer) without a duplicate.
    DuplicateThenNone,
    /// A group member in a Stable generation owns no partition.
    ConsumerIdle,
    /// A read_committed consumer has read up to the last stable offset while records above it
    /// wait behind a transaction that is still open.
    ReadCommittedWaits,
    /// An unclean leader election, and records lost by it.
    UncleanElectionLoss,
    /// A consumer leaves (or is removed from) its group because it did not poll within
    /// `max.poll.interval.ms`.
    PollIntervalKick,
    /// A broker that led a partition crashes while a producer writes to it; the producer's
    /// sends are acknowledged before and after the failover, none fails and none is lost.
    ProduceThroughCrash,
}

/// The judgement of a run against a goal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the run meets the goal.
    pub met: bool,
    /// What met it: events and operations in plain words, with their times.
    pub how: Vec<String>,
    /// The settings of the clients and topics involved that made it possible.
    pub configuration: Vec<String>,
}

impl Goal {
    /// The goal in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            Goal::AckedWriteLost => "an acknowledged record is lost",
            Goal::DuplicateThenNone => {
                "a producer without idempotence writes a duplicate, and an idempotent one retries without one"
            }
            Goal::ConsumerIdle => "a member of a Stable group owns no partition",
            Goal::ReadCommittedWaits => {
                "a read_committed consumer waits at the last stable offset behind an open transaction"
            }
            Goal::UncleanElectionLoss => "an unclean leader election loses records",
            Goal::PollIntervalKick => "a consumer leaves its group after max.poll.interval.ms",
            Goal::ProduceThroughCrash => {
                "a producer's sends are acknowledged before and after a leader's crash, none failed or lost"
            }
        }
    }
}

/// Judges the run so far against `goal`.
pub fn evaluate(goal: &Goal, world: &World) -> Verdict {
    let verdict = match goal {
        Goal::AckedWriteLost => acked_write_lost(world),
        Goal::DuplicateThenNone => duplicate_then_none(world),
        Goal::ConsumerIdle => consumer_idle(world),
        Goal::ReadCommittedWaits => read_committed_waits(world),
        Goal::UncleanElectionLoss => unclean_election_loss(world),
        Goal::PollIntervalKick => poll_interval_kick(world),
        Goal::ProduceThroughCrash => produce_through_crash(world),
    };
    verdict.unwrap_or_default()
}

fn at(time: SimTime) -> String {
    format!("t = {:.3} s", time.as_millis() as f64 / 1000.0)
}

fn event_line(world: &World, index: usize) -> String {
    let event = &world.events()[index];
    format!("{}: {}", at(event.at), event.kind)
}

fn violations(world: &World, anomaly: Anomaly) -> Vec<Violation> {
    check::check(world)
        .into_iter()
        .filter(|v| v.anomaly == anomaly)
        .collect()
}

/// A producer's settings that decide what survives a fault.
fn producer_settings(world: &World, name: &str) -> Option<String> {
    let p = world.producers().find(|p| p.name() == name)?;
    let c = p.config();
    let acks = if c.acks == -1 {
        "all".to_owned()
    } else {
        c.acks.to_string()
    };
    Some(format!(
        "producer {name}: acks={acks}, enable.idempotence={}, request.timeout.ms={}, retries={}",
        c.enable_idempotence,
        c.request_timeout.as_millis(),
        c.retries
    ))
}

/// A topic's settings (those that differ from the defaults, and min.insync.replicas).
fn topic_settings(world: &World, topic: &str) -> Option<String> {
    let view = world.view();
    let t = view.topics.iter().find(|t| t.name == topic)?;
    let replicas = t.partitions.first().map_or(0, |p| p.replicas.len());
    let mut line = format!(
        "topic {topic}: {} partition(s), replication factor {replicas}, min.insync.replicas={}",
        t.partitions.len(),
        t.min_insync_replicas
    );
    for config in t.configs.iter().filter(|c| !c.starts_with("min.insync")) {
        line.push_str(", ");
        line.push_str(config);
    }
    Some(line)
}

fn producers_named_in(world: &World, text: &str) -> Vec<String> {
    world
        .producers()
        .map(|p| p.name().to_owned())
        .filter(|name| text.contains(&format!(" from {name} was ")))
        .collect()
}

/// Events about a partition's data going away: truncations, unclean elections, power losses.
fn loss_events(world: &World, tp: &TopicPartition) -> Vec<String> {
    world
        .events()
        .iter()
        .enumerate()
        .filter(|(_, e)| match &e.kind {
            EventKind::FollowerTruncated { tp: t, removed, .. } => t == tp && *removed > 0,
            EventKind::LeaderChanged { tp: t, .. } => t == tp,
            EventKind::UnflushedRecordsLost { tp: t, .. } => t == tp,
            EventKind::BrokerCrashed { .. } | EventKind::LinkCut { .. } => true,
            _ => false,
        })
        .map(|(i, _)| event_line(world, i))
        .collect()
}

fn partition_of(detail: &str) -> Option<TopicPartition> {
    let name = detail.split(':').next()?;
    let (topic, partition) = name.rsplit_once('-')?;
    Some(TopicPartition::new(topic, partition.parse().ok()?))
}

fn acked_write_lost(world: &World) -> Option<Verdict> {
    let lost = violations(world, Anomaly::LostWrite);
    if lost.is_empty() || !crate::condition::gone_from_leader(world, None) {
        return None;
    }
    let mut verdict = Verdict {
        met: true,
        ..Verdict::default()
    };
    for v in &lost {
        verdict.how.push(format!("lost: {}", v.detail));
        for name in producers_named_in(world, &v.detail) {
            verdict
                .configuration
                .extend(producer_settings(world, &name));
        }
        if let Some(tp) = partition_of(&v.detail) {
            verdict.how.extend(loss_events(world, &tp));
            verdict
                .configuration
                .extend(topic_settings(world, &tp.topic));
        }
    }
    Some(dedup(verdict))
}

fn dedup(mut verdict: Verdict) -> Verdict {
    for list in [&mut verdict.how, &mut verdict.configuration] {
        let mut seen = std::collections::BTreeSet::new();
        list.retain(|line| seen.insert(line.clone()));
    }
    verdict
}

fn duplicate_then_none(world: &World) -> Option<Verdict> {
    let idempotent = |name: &str| {
        world
            .producers()
            .find(|p| p.name() == name)
            .map(|p| p.config().enable_idempotence)
    };
    let mut duplicated = std::collections::BTreeSet::new();
    let mut duplicated_by = Vec::new();
    let mut how = Vec::new();
    for v in violations(world, Anomaly::Duplicate) {
        let Some(sender) = world
            .operations()
            .into_iter()
            .find_map(|op| match &op.request {
                Request::Send {
                    value: Some(value), ..
                } if v.detail.contains(&format!("{value:?}")) => Some(op.client.clone()),
                _ => None,
            })
        else {
            continue;
        };
        if idempotent(&sender) == Some(false) {
            how.push(format!("duplicate from {sender}: {}", v.detail));
            duplicated_by.push(sender.clone());
        }
        duplicated.insert(sender);
    }
    // The idempotent producer's retry: a send acknowledged only after its first attempt went
    // unanswered for request.timeout.ms, written once.
    let retried = world.operations().into_iter().find(|op| {
        let Some(p) = world.producers().find(|p| p.name() == &*op.client) else {
            return false;
        };
        p.config().enable_idempotence
            && !duplicated.contains(&*op.client)
            && matches!(op.request, Request::Send { .. })
            && matches!(op.outcome, Outcome::Acked { .. })
            && op
                .completed_at
                .is_some_and(|done| done - op.invoked_at >= p.config().request_timeout)
    })?;
    if duplicated_by.is_empty() {
        return None;
    }
    let value = match &retried.request {
        Request::Send { value, .. } => value.as_deref().unwrap_or("null").to_owned(),
        _ => String::new(),
    };
    how.push(format!(
        "{} sent {value:?} at {}; it was acknowledged at {}, after request.timeout.ms without an answer, and written once",
        retried.client,
        at(retried.invoked_at),
        at(retried.completed_at.unwrap_or(retried.invoked_at)),
    ));
    let mut configuration: Vec<String> = duplicated_by
        .iter()
        .filter_map(|name| producer_settings(world, name))
        .collect();
    configuration.extend(producer_settings(world, &retried.client));
    Some(dedup(Verdict {
        met: true,
        how,
        configuration,
    }))
}

fn consumer_idle(world: &World) -> Option<Verdict> {
    let (index, group, assignment) =
        world
            .events()
            .iter()
            .enumerate()
            .find_map(|(i, e)| match &e.kind {
                EventKind::GroupStable {
                    group, assignment, ..
                } if assignment.len() >= 2 && assignment.iter().any(|(_, tps)| tps.is_empty()) => {
                    Some((i, group, assignment))
                }
                _ => None,
            })?;
    let owned: usize = assignment.iter().map(|(_, tps)| tps.len()).sum();
    let mut topics: Vec<&str> = assignment
        .iter()
        .flat_map(|(_, tps)| tps.iter().map(|tp| &*tp.topic))
        .collect();
    topics.dedup();
    let mut configuration = vec![format!(
        "group {group}: {} members, {owned} partition(s) to share",
        assignment.len()
    )];
    configuration.extend(topics.iter().filter_map(|t| topic_settings(world, t)));
    Some(Verdict {
        met: true,
        how: vec![event_line(world, index)],
        configuration,
    })
}

fn read_committed_waits(world: &World) -> Option<Verdict> {
    for (consumer, up) in world.consumers() {
        if !up || !consumer.config().read_committed {
            continue;
        }
        for p in world
            .view()
            .consumers
            .iter()
            .filter(|c| c.name == consumer.name())
            .flat_map(|c| c.partitions.clone())
        {
            let Some(replica) = world
                .metadata()
                .partition(&p.tp)
                .and_then(|s| s.leader)
                .and_then(|leader| world.replica(leader, &p.tp))
            else {
                continue;
            };
            let (lso, hw) = (replica.last_stable_offset(), replica.log.high_watermark());
            if lso < hw && p.position.is_some_and(|at| at >= lso) {
                let mut how = vec![format!(
                    "{} reads {} up to the last stable offset {lso}; the high watermark is {hw}",
                    consumer.name(),
                    p.tp
                )];
                how.extend(open_transactions(world));
                let mut configuration = vec![format!(
                    "consumer {}: isolation.level=read_committed",
                    consumer.name()
                )];
                configuration.extend(
                    world
                        .producers()
                        .filter_map(|p| Some((p.name(), p.config().transactional_id.clone()?)))
                        .map(|(name, id)| format!("producer {name}: transactional.id={id}")),
                );
                return Some(Verdict {
                    met: true,
                    how,
                    configuration,
                });
            }
        }
    }
    None
}

/// The `beginTransaction()` calls of transactions that have not ended.
fn open_transactions(world: &World) -> Vec<String> {
    let mut open: std::collections::BTreeMap<&str, SimTime> = Default::default();
    for op in world.operations() {
        if let Request::Transaction { action, .. } = &op.request {
            match action {
                TxnAction::Begin if op.outcome == Outcome::Done => {
                    open.insert(&*op.client, op.invoked_at);
                }
                TxnAction::Commit | TxnAction::Abort => {
                    open.remove(&*op.client);
                }
                _ => {}
            }
        }
    }
    open.into_iter()
        .map(|(client, time)| format!("{}: {client} began a transaction, still open", at(time)))
        .collect()
}

fn unclean_election_loss(world: &World) -> Option<Verdict> {
    let events = world.events();
    let (index, tp) = events.iter().enumerate().find_map(|(i, e)| match &e.kind {
        EventKind::LeaderChanged {
            tp,
            unclean: true,
            to: Some(_),
            ..
        } => Some((i, tp)),
        _ => None,
    })?;
    let truncated: Vec<usize> = (index..events.len())
        .filter(|&i| {
            matches!(&events[i].kind, EventKind::FollowerTruncated { tp: t, removed, .. }
                if t == tp && *removed > 0)
        })
        .collect();
    let lost: Vec<Violation> = violations(world, Anomaly::LostWrite)
        .into_iter()
        .filter(|v| partition_of(&v.detail).as_ref() == Some(tp))
        .collect();
    if truncated.is_empty() && lost.is_empty() {
        return None;
    }
    let mut how = vec![event_line(world, index)];
    how.extend(truncated.iter().map(|&i| event_line(world, i)));
    how.extend(lost.iter().map(|v| format!("lost: {}", v.detail)));
    let mut configuration: Vec<String> = topic_settings(world, &tp.topic).into_iter().collect();
    if world.commands().iter().any(|(_, c)| {
        matches!(c, crate::command::Command::ElectLeaders { election, .. }
            if *election == crate::controller::ElectionKind::Unclean)
    }) {
        configuration.push("kafka-leader-election.sh --election-type UNCLEAN".to_owned());
    }
    Some(Verdict {
        met: true,
        how,
        configuration,
    })
}

fn poll_interval_kick(world: &World) -> Option<Verdict> {
    let (index, consumer) = world
        .events()
        .iter()
        .enumerate()
        .find_map(|(i, e)| match &e.kind {
            EventKind::ConsumerLeftGroup { consumer, why, .. }
                if why.contains("max.poll.interval.ms") =>
            {
                Some((i, consumer.clone()))
            }
            _ => None,
        })?;
    let mut how: Vec<String> = world.events()[..index]
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(&e.kind, EventKind::ConsumerStalled { consumer: c } if *c == consumer))
        .map(|(i, _)| event_line(world, i))
        .collect();
    how.push(event_line(world, index));
    let configuration = world
        .consumers()
        .filter(|(c, _)| c.name() == consumer)
        .map(|(c, _)| {
            let config = c.config();
            format!(
                "consumer {consumer}: max.poll.interval.ms={}, max.poll.records={}, app.processing.ms={}",
                config.max_poll_interval.as_millis(),
                config.max_poll_records,
                config.processing_per_record.as_millis()
            )
        })
        .collect();
    Some(Verdict {
        met: true,
        how,
        configuration,
    })
}

fn produce_through_crash(world: &World) -> Option<Verdict> {
    if !violations(world, Anomaly::LostWrite).is_empty() {
        return None;
    }
    let events = world.events();
    for (crash, e) in events.iter().enumerate() {
        let EventKind::BrokerCrashed { broker, .. } = &e.kind else {
            continue;
        };
        let crashed_at = e.at;
        // Leadership of a partition moved off the crashed broker.
        let Some((moved, tp)) = (crash..events.len()).find_map(|i| match &events[i].kind {
            EventKind::LeaderChanged {
                tp,
                from: Some(from),
                to: Some(_),
                ..
            } if from == broker && !crate::topic::is_internal(&tp.topic) => Some((i, tp)),
            _ => None,
        }) else {
            continue;
        };
        let moved_at = events[moved].at;
        for producer in world.producers() {
            let sends: Vec<_> = producer
                .history()
                .iter()
                .filter(
                    |op| matches!(&op.request, Request::Send { topic, .. } if **topic == *tp.topic),
                )
                .collect();
            let failed = sends.iter().any(|op| {
                matches!(
                    op.outcome,
                    Outcome::Failed { .. } | Outcome::Exception { .. }
                )
            });
            let acked_at = |op: &&&crate::client::Operation| match op.outcome {
                Outcome::Acked { .. } => op.completed_at,
                _ => None,
            };
            let before = sends
                .iter()
                .filter(|op| acked_at(op).is_some_and(|t| t < crashed_at))
                .count();
            let after = sends
                .iter()
                .filter(|op| acked_at(op).is_some_and(|t| t > moved_at))
                .count();
            if failed || before == 0 || after == 0 {
                continue;
            }
            let how = vec![
                format!(
                    "{}: {before} send(s) of {} to {} acknowledged before the crash",
                    at(crashed_at),
                    producer.name(),
                    tp.topic
                ),
                event_line(world, crash),
                event_line(world, moved),
                format!(
                    "{after} send(s) acknowledged after the new leader took over; none failed, the checker finds none lost"
                ),
            ];
            let mut configuration: Vec<String> = producer_settings(world, producer.name())
                .into_iter()
                .collect();
            configuration.extend(topic_settings(world, &tp.topic));
            return Some(Verdict {
                met: true,
                how,
                configuration,
            });
        }
    }
    None
}
