//! Conditions on a running world that a scenario step or a lesson waits for ("partition
//! orders-0 has a leader other than 2", "group g is Stable"): read from the world's state and
//! history, never from a screen.
//!
//! A condition is data (serde, tagged by `when`) so a lesson file can say what it waits for
//! without code, and it reads the world only through its public API, so a lesson that asks for
//! something the engine no longer does fails its test instead of waiting forever in the page.

use crate::check::{self, Anomaly};
use crate::client::{Outcome, Request, TxnAction};
use crate::group::GroupState;
use crate::protocol::TopicPartition;
use crate::view::WorldView;
use crate::world::World;
use serde::{Deserialize, Serialize};

// Written `{"when": "<variant>", ...}`: see crate::tagged for why not `#[serde(tag)]`.
crate::tagged::tagged!(Condition, "when");

/// Something that is true or not of the world at this moment (or of its history so far).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The controller's metadata names a leader for the partition.
    HasLeader {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
    },
    /// The partition has a leader, and it is not `broker` (a failover happened).
    LeaderOtherThan {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// The broker that must no longer lead.
        broker: u32,
    },
    /// `broker` leads the partition (a preferred election brought it back, say).
    LeaderIs {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// The broker.
        broker: u32,
    },
    /// Nobody leads the partition: it is offline.
    NoLeader {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
    },
    /// The ISR has exactly this many members.
    IsrExactly {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// Members.
        members: usize,
    },
    /// The ISR has at least this many members.
    IsrAtLeast {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// Members.
        members: usize,
    },
    /// `broker` is in the partition's ISR.
    InIsr {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// The broker.
        broker: u32,
    },
    /// `broker` is a replica of the partition but not in its ISR.
    NotInIsr {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// The broker.
        broker: u32,
    },
    /// The leader holds records its high watermark has not reached yet (not every in-sync
    /// replica has them, so no consumer may read them).
    AboveHighWatermark {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
    },
    /// The leader's high watermark has reached at least `offset` (records below it are
    /// readable).
    HighWatermarkAtLeast {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// The offset.
        offset: u64,
    },
    /// The controller has fenced the broker.
    BrokerFenced {
        /// The broker.
        broker: u32,
    },
    /// The broker runs and is unfenced.
    BrokerOnline {
        /// The broker.
        broker: u32,
    },
    /// The group is Stable with exactly this many members.
    GroupStable {
        /// `group.id`.
        group: String,
        /// Members.
        members: usize,
    },
    /// The consumer is a Stable member of its group with no partition assigned.
    ConsumerIdle {
        /// The consumer.
        consumer: String,
    },
    /// The consumer's application has finished processing at least this many records.
    ConsumerProcessed {
        /// The consumer.
        consumer: String,
        /// Records.
        at_least: usize,
    },
    /// The consumer owns partitions and its position has reached the high watermark of each
    /// (lag 0).
    ConsumerCaughtUp {
        /// The consumer.
        consumer: String,
    },
    /// The producer (or client) has had at least this many sends acknowledged.
    ProducerAcked {
        /// The producer or client.
        producer: String,
        /// Acknowledged sends.
        at_least: usize,
    },
    /// An operation of the client ended with this Kafka error (`NOT_ENOUGH_REPLICAS`) or
    /// exception (`TimeoutException`).
    OperationFailed {
        /// The producer, consumer or client.
        client: String,
        /// The error's name or the exception's class, as Kafka prints it.
        error: String,
    },
    /// The checker finds an acknowledged (or acks=0) record lost, and the current leader's log
    /// no longer holds it where it was acknowledged.
    AckedRecordLost {
        /// Only records of this producer or client (any, when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        producer: Option<String>,
    },
    /// At least `at_least` records with this key are in the topic's leaders' logs, all in one
    /// partition (murmur2 of the key picked it).
    KeyInOnePartition {
        /// Topic.
        topic: String,
        /// The key.
        key: String,
        /// Records.
        at_least: usize,
    },
    /// The checker finds a record written twice.
    DuplicateWritten,
    /// At least `at_least` records with this value are in the topic's leaders' logs (a retry
    /// wrote a second copy).
    RecordsWithValue {
        /// Topic.
        topic: String,
        /// The value.
        value: String,
        /// Copies.
        at_least: usize,
    },
    /// The producer's `commitTransaction()` has completed.
    TransactionCommitted {
        /// The transactional producer.
        producer: String,
    },
    /// The producer's `abortTransaction()` has completed.
    TransactionAborted {
        /// The transactional producer.
        producer: String,
    },
    /// A KRaft controller other than this one is active (the quorum elected a new leader).
    ActiveControllerOtherThan {
        /// The controller (1-based).
        controller: u32,
    },
    /// An open transaction holds the partition's last stable offset below its high watermark:
    /// read_committed consumers wait there while read_uncommitted ones read on.
    LsoBelowHighWatermark {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
    },
    /// The checker (`check::check`) reports this anomaly (`redelivered`, `aborted-read`, ...,
    /// as `Anomaly` prints), optionally only one whose detail contains `detail`.
    CheckerFinds {
        /// The anomaly's name.
        anomaly: String,
        /// Text the violation's detail must contain (a group, a topic).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// An event whose plain-words text (as the event log shows it) contains this text: for
    /// outcomes no state keeps, such as a coordinator aborting a transaction on a timeout.
    EventSeen {
        /// Text the event must contain.
        contains: String,
    },
    /// The consumer's offsets were committed (auto commit, commitSync or commitAsync).
    ConsumerCommitted {
        /// The consumer.
        consumer: String,
    },
    /// A challenge's goal is met by the run so far (`challenge::evaluate`).
    ChallengeMet {
        /// The goal.
        goal: crate::challenge::Goal,
    },
    /// Virtual time has reached this moment.
    ClockAtLeast {
        /// Milliseconds.
        ms: u64,
    },
    /// Every one holds.
    AllOf {
        /// The conditions.
        all: Vec<Condition>,
    },
    /// At least one holds.
    AnyOf {
        /// The conditions.
        any: Vec<Condition>,
    },
    /// The condition does not hold.
    Not {
        /// The condition.
        not: Box<Condition>,
    },
}

impl Condition {
    /// Whether the condition holds now.
    pub fn holds(&self, world: &World) -> bool {
        // One snapshot for the whole tree: an all-of over many leaves stays one view.
        let mut view = None;
        self.holds_with(world, &mut view)
    }

    fn holds_with(&self, world: &World, view: &mut Option<WorldView>) -> bool {
        let partition = |topic: &str, partition: u32| {
            world
                .metadata()
                .partition(&TopicPartition::new(topic, partition))
                .cloned()
        };
        match self {
            Condition::HasLeader { topic, partition: p } => {
                partition(topic, *p).is_some_and(|s| s.leader.is_some())
            }
            Condition::LeaderOtherThan {
                topic,
                partition: p,
                broker,
            } => partition(topic, *p).is_some_and(|s| s.leader.is_some_and(|l| l != *broker)),
            Condition::LeaderIs {
                topic,
                partition: p,
                broker,
            } => partition(topic, *p).is_some_and(|s| s.leader == Some(*broker)),
            Condition::NoLeader { topic, partition: p } => {
                partition(topic, *p).is_some_and(|s| s.leader.is_none())
            }
            Condition::IsrExactly {
                topic,
                partition: p,
                members,
            } => partition(topic, *p).is_some_and(|s| s.isr.len() == *members),
            Condition::IsrAtLeast {
                topic,
                partition: p,
                members,
            } => partition(topic, *p).is_some_and(|s| s.isr.len() >= *members),
            Condition::InIsr {
                topic,
                partition: p,
                broker,
            } => partition(topic, *p).is_some_and(|s| s.isr.contains(broker)),
            Condition::NotInIsr {
                topic,
                partition: p,
                broker,
            } => partition(topic, *p)
                .is_some_and(|s| s.replicas.contains(broker) && !s.isr.contains(broker)),
            Condition::AboveHighWatermark { topic, partition: p } => {
                leader_replica(world, topic, *p)
                    .is_some_and(|(leo, hw)| leo > hw)
            }
            Condition::HighWatermarkAtLeast {
                topic,
                partition: p,
                offset,
            } => leader_replica(world, topic, *p).is_some_and(|(_, hw)| hw >= *offset),
            Condition::BrokerFenced { broker } => snapshot(world, view)
                .brokers
                .iter()
                .any(|b| b.id == *broker && b.fenced),
            Condition::BrokerOnline { broker } => snapshot(world, view)
                .brokers
                .iter()
                .any(|b| b.id == *broker && b.status() == "online"),
            Condition::GroupStable { group, members } => {
                world.groups().iter().any(|(_, g)| {
                    g.id == *group && g.state == GroupState::Stable && g.member_count() == *members
                })
            }
            Condition::ConsumerIdle { consumer } => {
                snapshot(world, view).consumers.iter().any(|c| {
                    c.name == *consumer
                        && c.up
                        && c.member_state == crate::consumer::MemberState::Stable
                        && c.partitions.is_empty()
                })
            }
            Condition::ConsumerProcessed { consumer, at_least } => {
                world
                    .consumers()
                    .filter(|(c, _)| c.name() == consumer)
                    .flat_map(|(c, _)| c.history())
                    .map(|op| op.outcome.processed_records().len())
                    .sum::<usize>()
                    >= *at_least
            }
            Condition::ConsumerCaughtUp { consumer } => {
                snapshot(world, view).consumers.iter().any(|c| {
                    c.name == *consumer
                        && c.up
                        && !c.partitions.is_empty()
                        && c.partitions.iter().all(|p| {
                            matches!((p.position, p.high_watermark), (Some(at), Some(hw)) if at >= hw)
                        })
                })
            }
            Condition::ProducerAcked { producer, at_least } => {
                world
                    .operations()
                    .iter()
                    .filter(|op| *op.client == **producer)
                    .filter(|op| matches!(op.outcome, Outcome::Acked { .. }))
                    .count()
                    >= *at_least
            }
            Condition::OperationFailed { client, error } => {
                world.operations().iter().filter(|op| *op.client == **client).any(|op| {
                    match &op.outcome {
                        Outcome::Failed { error: code, .. } => code.name() == error,
                        Outcome::Exception { message } => message.starts_with(error.as_str()),
                        _ => false,
                    }
                })
            }
            Condition::AckedRecordLost { producer } => {
                let from = producer.as_deref();
                check::check(world).iter().any(|v| {
                    v.anomaly == Anomaly::LostWrite
                        && from.is_none_or(|p| v.detail.contains(&format!(" from {p} was ")))
                }) && gone_from_leader(world, from)
            }
            Condition::KeyInOnePartition {
                topic,
                key,
                at_least,
            } => {
                let places: Vec<u32> = world
                    .metadata()
                    .partitions()
                    .filter(|(tp, _)| *tp.topic == **topic)
                    .filter_map(|(tp, s)| Some((world.replica_log(s.leader?, &tp)?, tp.partition)))
                    .flat_map(|(log, p)| {
                        log.records()
                            .iter()
                            .filter(|r| r.data.key_text() == *key)
                            .map(move |_| p)
                    })
                    .collect();
                places.len() >= *at_least && places.iter().all(|p| *p == places[0])
            }
            Condition::DuplicateWritten => found(world, Anomaly::Duplicate),
            Condition::RecordsWithValue {
                topic,
                value,
                at_least,
            } => {
                world
                    .metadata()
                    .partitions()
                    .filter(|(tp, _)| *tp.topic == **topic)
                    .filter_map(|(tp, s)| world.replica_log(s.leader?, &tp))
                    .flat_map(|log| log.records())
                    .filter(|r| r.batch.control.is_none() && r.data.value_text() == *value)
                    .count()
                    >= *at_least
            }
            Condition::TransactionCommitted { producer } => {
                ended_transaction(world, producer, TxnAction::Commit)
            }
            Condition::TransactionAborted { producer } => {
                ended_transaction(world, producer, TxnAction::Abort)
            }
            Condition::ActiveControllerOtherThan { controller } => world
                .active_controller_id()
                .is_some_and(|active| active != *controller),
            Condition::LsoBelowHighWatermark { topic, partition: p } => {
                let tp = TopicPartition::new(topic, *p);
                world
                    .metadata()
                    .partition(&tp)
                    .and_then(|s| s.leader)
                    .and_then(|leader| world.replica(leader, &tp))
                    .is_some_and(|r| r.last_stable_offset() < r.log.high_watermark())
            }
            Condition::CheckerFinds { anomaly, detail } => check::check(world).iter().any(|v| {
                v.anomaly.to_string() == *anomaly
                    && detail.as_deref().is_none_or(|d| v.detail.contains(d))
            }),
            Condition::EventSeen { contains } => world
                .events()
                .iter()
                .any(|e| e.kind.to_string().contains(contains.as_str())),
            Condition::ConsumerCommitted { consumer } => world
                .consumers()
                .filter(|(c, _)| c.name() == consumer)
                .flat_map(|(c, _)| c.history())
                .any(|op| {
                    matches!(op.request, Request::Commit { .. }) && op.outcome == Outcome::Committed
                }),
            Condition::ChallengeMet { goal } => crate::challenge::evaluate(goal, world).met,
            Condition::ClockAtLeast { ms } => world.now().as_millis() >= *ms,
            Condition::AllOf { all } => all.iter().all(|c| c.holds_with(world, view)),
            Condition::AnyOf { any } => any.iter().any(|c| c.holds_with(world, view)),
            Condition::Not { not } => !not.holds_with(world, view),
        }
    }

    /// The condition in plain words, for "waiting for: ...".
    pub fn describe(&self) -> String {
        let tp = |topic: &str, partition: u32| format!("{topic}-{partition}");
        match self {
            Condition::HasLeader { topic, partition } => {
                format!("partition {} has a leader", tp(topic, *partition))
            }
            Condition::LeaderOtherThan {
                topic,
                partition,
                broker,
            } => format!(
                "partition {} has a leader other than broker {broker}",
                tp(topic, *partition)
            ),
            Condition::LeaderIs {
                topic,
                partition,
                broker,
            } => format!("broker {broker} leads partition {}", tp(topic, *partition)),
            Condition::NoLeader { topic, partition } => {
                format!("partition {} has no leader", tp(topic, *partition))
            }
            Condition::IsrExactly {
                topic,
                partition,
                members,
            } => format!(
                "the ISR of {} has exactly {members} member{}",
                tp(topic, *partition),
                plural(*members)
            ),
            Condition::IsrAtLeast {
                topic,
                partition,
                members,
            } => format!(
                "the ISR of {} has at least {members} member{}",
                tp(topic, *partition),
                plural(*members)
            ),
            Condition::InIsr {
                topic,
                partition,
                broker,
            } => format!("broker {broker} is in the ISR of {}", tp(topic, *partition)),
            Condition::NotInIsr {
                topic,
                partition,
                broker,
            } => format!(
                "broker {broker} has dropped out of the ISR of {}",
                tp(topic, *partition)
            ),
            Condition::AboveHighWatermark { topic, partition } => format!(
                "the leader of {} holds records above the high watermark",
                tp(topic, *partition)
            ),
            Condition::HighWatermarkAtLeast {
                topic,
                partition,
                offset,
            } => format!(
                "the high watermark of {} reaches offset {offset}",
                tp(topic, *partition)
            ),
            Condition::BrokerFenced { broker } => format!("broker {broker} is fenced"),
            Condition::BrokerOnline { broker } => format!("broker {broker} is online"),
            Condition::GroupStable { group, members } => format!(
                "group {group} is Stable with {members} member{}",
                plural(*members)
            ),
            Condition::ConsumerIdle { consumer } => {
                format!("{consumer} is in its group with no partition")
            }
            Condition::ConsumerProcessed { consumer, at_least } => format!(
                "{consumer} has processed at least {at_least} record{}",
                plural(*at_least)
            ),
            Condition::ConsumerCaughtUp { consumer } => format!("{consumer} has caught up (lag 0)"),
            Condition::ProducerAcked { producer, at_least } => format!(
                "{producer} has at least {at_least} acknowledged send{}",
                plural(*at_least)
            ),
            Condition::OperationFailed { client, error } => {
                format!("an operation of {client} fails with {error}")
            }
            Condition::AckedRecordLost { producer: None } => {
                "an acknowledged record is lost".to_owned()
            }
            Condition::AckedRecordLost {
                producer: Some(producer),
            } => format!("an acknowledged record of {producer} is lost"),
            Condition::KeyInOnePartition {
                topic,
                key,
                at_least,
            } => format!("{at_least} records with key {key} are in one partition of {topic}"),
            Condition::DuplicateWritten => "a record is written twice".to_owned(),
            Condition::RecordsWithValue {
                topic,
                value,
                at_least,
            } => format!(
                "{topic} holds at least {at_least} record{} with value \"{value}\"",
                plural(*at_least)
            ),
            Condition::TransactionCommitted { producer } => {
                format!("a transaction of {producer} commits")
            }
            Condition::TransactionAborted { producer } => {
                format!("a transaction of {producer} aborts")
            }
            Condition::ActiveControllerOtherThan { controller } => {
                format!("a controller other than {controller} is active")
            }
            Condition::LsoBelowHighWatermark { topic, partition } => format!(
                "an open transaction holds the last stable offset of {} below its high watermark",
                tp(topic, *partition)
            ),
            Condition::CheckerFinds {
                anomaly,
                detail: None,
            } => format!("the checker finds {anomaly}"),
            Condition::CheckerFinds {
                anomaly,
                detail: Some(detail),
            } => format!("the checker finds {anomaly} ({detail})"),
            Condition::EventSeen { contains } => format!("an event says \"{contains}\""),
            Condition::ConsumerCommitted { consumer } => {
                format!("{consumer} has committed its offsets")
            }
            Condition::ChallengeMet { goal } => {
                format!("the challenge is met: {}", goal.describe())
            }
            Condition::ClockAtLeast { ms } => format!("the clock reaches {ms} ms"),
            Condition::AllOf { all } => join(all, " and "),
            Condition::AnyOf { any } => join(any, " or "),
            Condition::Not { not } => format!("not: {}", not.describe()),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn join(conditions: &[Condition], with: &str) -> String {
    conditions
        .iter()
        .map(Condition::describe)
        .collect::<Vec<_>>()
        .join(with)
}

fn snapshot<'v>(world: &World, view: &'v mut Option<WorldView>) -> &'v WorldView {
    view.get_or_insert_with(|| world.view())
}

/// The current leader's log end offset and high watermark.
fn leader_replica(world: &World, topic: &str, partition: u32) -> Option<(u64, u64)> {
    let tp = TopicPartition::new(topic, partition);
    let log = world.leader_log(&tp)?;
    Some((log.log_end_offset(), log.high_watermark()))
}

/// Whether a record that was acknowledged (or sent with acks=0) is not where its producer
/// was told it is in the current leader's log. The checker also counts a record above the high
/// watermark as lost, which is right for a finished run but not while replication is merely
/// slow; a lesson waits for the record to be gone.
pub(crate) fn gone_from_leader(world: &World, producer: Option<&str>) -> bool {
    check::claims(world).into_iter().any(|claim| {
        if producer.is_some_and(|p| p != claim.client) {
            return false;
        }
        let (tp, offset, value) = (claim.tp, claim.offset, claim.value);
        let Some(log) = world.leader_log(&tp) else {
            return false;
        };
        let mut held = log
            .records()
            .iter()
            .filter(|r| r.data.value_text() == value)
            .map(|r| r.offset);
        match offset {
            Some(offset) => !held.any(|at| at == offset),
            None => held.next().is_none(),
        }
    })
}

fn found(world: &World, anomaly: Anomaly) -> bool {
    check::check(world).iter().any(|v| v.anomaly == anomaly)
}

fn ended_transaction(world: &World, producer: &str, action: TxnAction) -> bool {
    world.operations().iter().any(|op| {
        &*op.client == producer
            && matches!(op.request, Request::Transaction { action: a, .. } if a == action)
            && op.outcome == Outcome::Done
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Command;
    use crate::controller::CreateTopic;
    use crate::time::SimDuration;
    use crate::world::ClusterConfig;

    fn parse(json: &str) -> Condition {
        serde_json::from_str(json).expect("a condition")
    }

    /// Three brokers and `orders` with one partition on all three.
    fn cluster() -> World {
        let mut world = World::new(&ClusterConfig::default(), 7);
        world.run_for(SimDuration::from_millis(500));
        let topic: CreateTopic =
            serde_json::from_str(r#"{"name": "orders", "partitions": 1, "replication_factor": 3}"#)
                .expect("a topic");
        world.apply(Command::CreateTopic(topic)).expect("created");
        world.run_for(SimDuration::from_millis(1_000));
        world
    }

    fn leader(world: &World) -> u32 {
        world
            .metadata()
            .partition(&TopicPartition::new("orders", 0))
            .and_then(|p| p.leader)
            .expect("a leader")
    }

    #[test]
    fn leadership_and_fencing_follow_a_crash() {
        let mut world = cluster();
        let old = leader(&world);
        let other = parse(&format!(
            r#"{{"when": "leader_other_than", "topic": "orders", "partition": 0, "broker": {old}}}"#
        ));
        let fenced = Condition::BrokerFenced { broker: old };
        assert!(
            parse(r#"{"when": "has_leader", "topic": "orders", "partition": 0}"#).holds(&world)
        );
        assert!(!other.holds(&world) && !fenced.holds(&world));
        assert!(
            Condition::IsrExactly {
                topic: "orders".into(),
                partition: 0,
                members: 3
            }
            .holds(&world)
        );
        let crash = serde_json::from_str(&format!(
            r#"{{"command": "crash_broker", "broker": {old}}}"#
        ))
        .expect("a command");
        world.apply(crash).expect("crashed");
        world.run_for(SimDuration::from_millis(12_000));
        assert!(other.holds(&world) && fenced.holds(&world));
        assert!(!Condition::BrokerOnline { broker: old }.holds(&world));
        assert!(
            Condition::NotInIsr {
                topic: "orders".into(),
                partition: 0,
                broker: old
            }
            .holds(&world)
        );
        assert!(
            Condition::IsrAtLeast {
                topic: "orders".into(),
                partition: 0,
                members: 2
            }
            .holds(&world)
        );
        assert_eq!(
            other.describe(),
            format!("partition orders-0 has a leader other than broker {old}")
        );
    }

    #[test]
    fn combinators_and_acknowledgements() {
        let mut world = cluster();
        let acked = Condition::ProducerAcked {
            producer: "p".into(),
            at_least: 1,
        };
        let both = Condition::AllOf {
            all: vec![
                acked.clone(),
                Condition::Not {
                    not: Box::new(Condition::AckedRecordLost { producer: None }),
                },
            ],
        };
        assert!(!acked.holds(&world) && !both.holds(&world));
        assert!(
            Condition::AnyOf {
                any: vec![acked.clone(), Condition::ClockAtLeast { ms: 1 }]
            }
            .holds(&world)
        );
        for json in [
            r#"{"command": "add_producer", "name": "p", "config": {}}"#,
            r#"{"command": "send", "producer": "p", "topic": "orders", "value": "v"}"#,
        ] {
            world
                .apply(serde_json::from_str(json).expect("a command"))
                .expect("applied");
        }
        world.run_for(SimDuration::from_millis(1_000));
        assert!(acked.holds(&world) && both.holds(&world));
        let copies = |at_least| Condition::RecordsWithValue {
            topic: "orders".into(),
            value: "v".into(),
            at_least,
        };
        assert!(copies(1).holds(&world) && !copies(2).holds(&world));
        assert!(
            !Condition::OperationFailed {
                client: "p".into(),
                error: "NOT_ENOUGH_REPLICAS".into()
            }
            .holds(&world)
        );
        assert!(
            Condition::HighWatermarkAtLeast {
                topic: "orders".into(),
                partition: 0,
                offset: 1
            }
            .holds(&world)
        );
        assert!(
            !Condition::AboveHighWatermark {
                topic: "orders".into(),
                partition: 0
            }
            .holds(&world)
        );
    }

    fn apply(world: &mut World, json: &str) {
        world
            .apply(serde_json::from_str(json).expect("a command"))
            .expect("applied");
    }

    #[test]
    fn an_open_transaction_holds_the_lso_and_its_abort_is_read_uncommitted() {
        let mut world = cluster();
        for json in [
            r#"{"command": "add_producer", "name": "tx", "config": {"transactional.id": "tx-1"}}"#,
            r#"{"command": "add_consumer", "name": "dash", "config": {"group.id": "d", "auto.offset.reset": "earliest"}, "topics": ["orders"]}"#,
            r#"{"command": "add_consumer", "name": "rc", "config": {"group.id": "r", "isolation.level": "read_committed", "auto.offset.reset": "earliest"}, "topics": ["orders"]}"#,
            r#"{"command": "transaction", "producer": "tx", "action": "init"}"#,
        ] {
            apply(&mut world, json);
        }
        let committed = parse(r#"{"when": "consumer_committed", "consumer": "dash"}"#);
        assert!(!committed.holds(&world));
        world.run_for(SimDuration::from_millis(8_000));
        let lso =
            parse(r#"{"when": "lso_below_high_watermark", "topic": "orders", "partition": 0}"#);
        let aborted_read = parse(r#"{"when": "checker_finds", "anomaly": "aborted-read"}"#);
        let aborted_event =
            parse(r#"{"when": "event_seen", "contains": "transaction of tx-1 aborted"}"#);
        let waits = parse(r#"{"when": "challenge_met", "goal": "read_committed_waits"}"#);
        for condition in [&lso, &aborted_read, &aborted_event, &waits] {
            assert!(!condition.holds(&world), "{}", condition.describe());
        }
        apply(
            &mut world,
            r#"{"command": "transaction", "producer": "tx", "action": "begin"}"#,
        );
        apply(
            &mut world,
            r#"{"command": "send", "producer": "tx", "topic": "orders", "value": "open"}"#,
        );
        world.run_for(SimDuration::from_millis(6_000));
        assert!(lso.holds(&world) && waits.holds(&world) && committed.holds(&world));
        assert!(!aborted_event.holds(&world));
        apply(
            &mut world,
            r#"{"command": "transaction", "producer": "tx", "action": "abort"}"#,
        );
        world.run_for(SimDuration::from_millis(2_000));
        assert!(aborted_read.holds(&world) && aborted_event.holds(&world));
        assert!(!lso.holds(&world) && !waits.holds(&world));
        assert_eq!(
            aborted_read.describe(),
            "the checker finds aborted-read",
            "the anomaly is named as the checker prints it"
        );
    }

    #[test]
    fn a_bad_condition_names_what_is_wrong() {
        let error = serde_json::from_str::<Condition>(r#"{"when": "has_leader", "topic": "t"}"#)
            .expect_err("no partition");
        assert!(error.to_string().contains("partition"), "{error}");
        let error = serde_json::from_str::<Condition>(r#"{"when": "leader_is_nice"}"#)
            .expect_err("unknown");
        assert!(error.to_string().contains("leader_is_nice"), "{error}");
    }
}
