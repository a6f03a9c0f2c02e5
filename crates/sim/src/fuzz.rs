//! A seeded fuzzer: each seed expands into a scenario (a workload of producers and a random
//! schedule of faults, then healing) that is run and checked. Because a run is a scenario, a
//! failing seed is its own reproduction: the fuzzer shrinks it by dropping faults while the same
//! anomaly persists, and prints the scenario file.

use crate::check::{Anomaly, Violation, check_all};
use crate::client::TxnAction;
use crate::command::Command;
use crate::controller::CreateTopic;
use crate::endpoint::Endpoint;
use crate::error::ErrorCode;
use crate::event::{CrashKind, RemovalCause, TxnPrepareCause};
use crate::producer::ProducerRecord;
use crate::protocol::{ConsumerMemberState, GroupProtocol};
use crate::rng::SimRng;
use crate::scenario::{ClusterSpec, Scenario, Step};
use serde::Serialize;
use std::collections::BTreeMap;

/// Configurations to fuzz: the safe one, and unsafe ones with the anomaly each must show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// acks=all, min.insync.replicas=2 of RF=3, idempotence, no unclean election, one
    /// transactional producer read with read_committed, consumers committing at-least-once
    /// (auto, `commitSync()`, or the application's own processed offset + 1, sync or async);
    /// process crashes (no power loss), paused processes, partitions, lossy links, lost
    /// responses, slow followers, scripted errors.
    Safe,
    /// acks=1: a leader that dies before its followers fetch takes acknowledged records along.
    Acks1,
    /// acks=0: the producer is never told.
    Acks0,
    /// unclean.leader.election.enable=true with acks=1 and power loss.
    Unclean,
    /// enable.idempotence=false: a retry after a lost response writes the record again.
    NoIdempotence,
    /// enable.idempotence=false with 5 requests in flight: a retried batch lands after a later one.
    Reorder,
    /// Consumers commit before processing: a crash loses the batch in hand (at-most-once).
    AtMostOnce,
    /// Consumers auto-commit every 5 s: what was processed since is processed again by the next
    /// owner after a crash or a stall (at-least-once).
    AtLeastOnce,
    /// A transactional producer that aborts some transactions, read with
    /// isolation.level=read_uncommitted: its readers see aborted records.
    ReadUncommitted,
    /// The safe producers and commits on a compacted topic (cleanup.policy=compact, segments
    /// of two seconds, a cleaner that starts at any dirt, tombstones among the sends): what the
    /// cleaner removes is superseded, never lost, and nothing Kafka forbids appears.
    Compacted,
    /// The safe profile's producers, topics, forwarders and faults, with every consumer in
    /// KIP-848's consumer group protocol (`group.protocol=consumer`, the broker's 45 s
    /// `group.consumer.session.timeout.ms`, a server-side assignor): revocation before
    /// assignment and member epochs must keep what the safe profile keeps.
    ConsumerProtocol,
    /// Share groups (KIP-932): four share consumers of one share group (more than the
    /// topic's three partitions) reading from `earliest`, one of which may release or reject
    /// what it gets, under the safe producers and the crash, stall, link and broker faults:
    /// no record the share-partition start offset passes is lost, and nothing else Kafka
    /// forbids appears (a new leader starting afresh may deliver again).
    Share,
    /// The safe profile's producers, consumers, forwarders and faults (each seed is the safe
    /// profile's same seed), and at a random moment mid-run one of the topics is deleted
    /// (`kafka-topics --delete`: the input topic, or the forwarders' output), in some seeds to
    /// be created again later under its name, maybe with another partition count, while the
    /// clients keep running: what went with the topic was the user's to delete, and nothing
    /// else Kafka forbids appears, on the deleted topic's incarnation or on the new one.
    DeletedTopic,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 13] = [
        Profile::Safe,
        Profile::Acks1,
        Profile::Acks0,
        Profile::Unclean,
        Profile::NoIdempotence,
        Profile::Reorder,
        Profile::AtMostOnce,
        Profile::AtLeastOnce,
        Profile::ReadUncommitted,
        Profile::Compacted,
        Profile::ConsumerProtocol,
        Profile::Share,
        Profile::DeletedTopic,
    ];

    /// The profile named on the command line (`safe`, `acks1`, ...).
    pub fn parse(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Safe => "safe",
            Profile::Acks1 => "acks1",
            Profile::Acks0 => "acks0",
            Profile::Unclean => "unclean",
            Profile::NoIdempotence => "no-idempotence",
            Profile::Reorder => "reorder",
            Profile::AtMostOnce => "at-most-once",
            Profile::AtLeastOnce => "at-least-once",
            Profile::ReadUncommitted => "read-uncommitted",
            Profile::Compacted => "compacted",
            Profile::ConsumerProtocol => "consumer-protocol",
            Profile::Share => "share",
            Profile::DeletedTopic => "deleted-topic",
        }
    }

    /// The anomaly this configuration must be able to produce; none for the safe ones.
    pub fn expected(self) -> Option<Anomaly> {
        match self {
            Profile::Safe
            | Profile::Compacted
            | Profile::ConsumerProtocol
            | Profile::Share
            | Profile::DeletedTopic => None,
            Profile::Acks1 | Profile::Acks0 | Profile::Unclean => Some(Anomaly::LostWrite),
            Profile::NoIdempotence => Some(Anomaly::Duplicate),
            Profile::Reorder => Some(Anomaly::Reordered),
            Profile::AtMostOnce => Some(Anomaly::ConsumerLoss),
            Profile::AtLeastOnce => Some(Anomaly::Redelivered),
            Profile::ReadUncommitted => Some(Anomaly::AbortedRead),
        }
    }

    /// Anomalies Kafka allows under this configuration (everything else is a simulator bug).
    /// The consumers here commit offsets outside any transaction, so at-least-once is the
    /// strongest they get: every profile allows redelivery. (The safe profile's exactly-once
    /// forwarders redeliver too: an aborted transaction's batch is processed again; what they
    /// guarantee is checked as duplicates and lost output.)
    pub fn allowed(self) -> &'static [Anomaly] {
        match self {
            Profile::Safe
            | Profile::AtLeastOnce
            | Profile::Compacted
            | Profile::ConsumerProtocol
            | Profile::Share => &[Anomaly::Redelivered],
            // A deletion published while a group's coordinator was frozen or cut off leaves
            // the group's offsets of the deleted topic to the coordinator that loads it next,
            // which replays them (Kafka tombstones them only in coordinators loaded then).
            Profile::DeletedTopic => &[Anomaly::Redelivered, Anomaly::DeletedTopicOffset],
            Profile::ReadUncommitted => &[Anomaly::AbortedRead, Anomaly::Redelivered],
            Profile::AtMostOnce => &[Anomaly::ConsumerLoss, Anomaly::Redelivered],
            Profile::Acks1 | Profile::Acks0 => &[
                Anomaly::LostWrite,
                Anomaly::OffsetReused,
                Anomaly::Duplicate,
                Anomaly::Reordered,
                Anomaly::Redelivered,
            ],
            // Records a consumer read can vanish in an unclean election, and so can committed
            // offsets whose records the power loss took.
            Profile::Unclean => &[
                Anomaly::LostWrite,
                Anomaly::OffsetReused,
                Anomaly::Duplicate,
                Anomaly::Reordered,
                Anomaly::ReplicasDiverge,
                Anomaly::Redelivered,
                Anomaly::PhantomRead,
                Anomaly::CommitRegressed,
            ],
            Profile::NoIdempotence | Profile::Reorder => {
                &[Anomaly::Duplicate, Anomaly::Reordered, Anomaly::Redelivered]
            }
        }
    }

    /// A producer's configs: batching and pipelining drawn at random (they change timing, not
    /// what the profile guarantees), then what the profile is about.
    fn producer_config(self, rng: &mut SimRng) -> Vec<(&'static str, &'static str)> {
        let pick = |rng: &mut SimRng, choices: &[&'static str]| {
            choices[rng.below(choices.len() as u64) as usize]
        };
        let mut config = vec![
            ("request.timeout.ms", "3000"),
            ("delivery.timeout.ms", "30000"),
            ("linger.ms", pick(rng, &["0", "5", "20"])),
            ("batch.size", pick(rng, &["1024", "16384"])),
        ];
        // Reordering needs several requests in flight; the others may have one or more.
        if self != Profile::Reorder {
            config.push((
                "max.in.flight.requests.per.connection",
                pick(rng, &["1", "2", "5"]),
            ));
        }
        config.extend_from_slice(match self {
            Profile::Safe | Profile::ConsumerProtocol | Profile::Share | Profile::DeletedTopic => {
                &[][..]
            }
            Profile::Acks1 | Profile::Unclean => &[("acks", "1")],
            Profile::Acks0 => &[("acks", "0")],
            Profile::NoIdempotence => &[("enable.idempotence", "false")],
            Profile::Reorder => &[("enable.idempotence", "false"), ("linger.ms", "0")],
            Profile::AtMostOnce
            | Profile::AtLeastOnce
            | Profile::ReadUncommitted
            | Profile::Compacted => &[][..],
        });
        config
    }

    /// Whether one producer runs transactions (and the consumers pick an isolation level).
    fn transactional(self) -> bool {
        matches!(
            self,
            Profile::Safe
                | Profile::ReadUncommitted
                | Profile::ConsumerProtocol
                | Profile::DeletedTopic
        )
    }

    /// The safe profile and its consumer-protocol and deleted-topic twins: exactly-once
    /// forwarders, zombies and read_committed consumers.
    fn safe(self) -> bool {
        matches!(
            self,
            Profile::Safe | Profile::ConsumerProtocol | Profile::DeletedTopic
        )
    }

    /// The consumers' configs: how the application commits decides what a crash costs.
    fn consumer_config(self, rng: &mut SimRng) -> Vec<(&'static str, &'static str)> {
        if self == Profile::ConsumerProtocol {
            return consumer_protocol_config(rng);
        }
        if self == Profile::Share {
            return vec![
                ("group.id", SHARE_GROUP),
                ("group.type", "share"),
                ("max.poll.records", "50"),
                ("request.timeout.ms", "5000"),
                // Busy three quarters of the time: a crash or a stall usually holds records.
                ("app.processing.ms", "30"),
            ];
        }
        let mut config = vec![
            ("group.id", GROUP),
            ("auto.offset.reset", "earliest"),
            ("session.timeout.ms", "10000"),
            ("heartbeat.interval.ms", "3000"),
            ("max.poll.interval.ms", "15000"),
            ("max.poll.records", "50"),
            ("request.timeout.ms", "5000"),
            ("app.processing.ms", "2"),
        ];
        let commits: &[(&str, &str)] = match self {
            Profile::AtMostOnce => &[
                ("enable.auto.commit", "false"),
                ("app.commit", "before-processing"),
            ],
            Profile::AtLeastOnce => &[("auto.commit.interval.ms", "5000")],
            // The safe profile tries every at-least-once style: auto commit, commitSync() of
            // the positions, and the application's own map of processed offset + 1, sync or
            // async (the checker holds those to what was processed, and a zombie's to
            // fencing).
            Profile::Safe | Profile::DeletedTopic => safe_commits(rng),
            _ if rng.below(2) == 0 => &[("auto.commit.interval.ms", "1000")],
            _ => &[
                ("enable.auto.commit", "false"),
                ("app.commit", "after-processing"),
            ],
        };
        config.extend_from_slice(commits);
        config.push(match self {
            Profile::Safe | Profile::DeletedTopic => ("isolation.level", "read_committed"),
            _ => ("isolation.level", "read_uncommitted"),
        });
        if rng.below(2) == 0 {
            config.push(("partition.assignment.strategy", "cooperative-sticky"));
        }
        config
    }

    fn topic_configs(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Profile::Safe
            | Profile::ConsumerProtocol
            | Profile::Share
            | Profile::DeletedTopic
            | Profile::NoIdempotence
            | Profile::Reorder
            | Profile::AtMostOnce
            | Profile::AtLeastOnce
            | Profile::ReadUncommitted => vec![("min.insync.replicas", "2")],
            // The cleaner looks every log.cleaner.backoff.ms (15 s): five passes in a run.
            Profile::Compacted => vec![
                ("min.insync.replicas", "2"),
                ("cleanup.policy", "compact"),
                ("segment.ms", "2000"),
                ("min.cleanable.dirty.ratio", "0.01"),
                ("delete.retention.ms", "10000"),
            ],
            Profile::Acks1 | Profile::Acks0 => vec![("min.insync.replicas", "1")],
            Profile::Unclean => vec![
                ("min.insync.replicas", "1"),
                ("unclean.leader.election.enable", "true"),
            ],
        }
    }
}

/// The safe profile's commit styles, one drawn per run.
fn safe_commits(rng: &mut SimRng) -> &'static [(&'static str, &'static str)] {
    match rng.below(4) {
        0 => &[("auto.commit.interval.ms", "1000")],
        1 => &[
            ("enable.auto.commit", "false"),
            ("app.commit", "after-processing"),
        ],
        2 => &[("enable.auto.commit", "false"), ("app.commit", "explicit")],
        _ => &[
            ("enable.auto.commit", "false"),
            ("app.commit", "explicit-async"),
        ],
    }
}

/// The consumer-protocol profile's consumers: the safe profile's commit styles and
/// read_committed, without the classic settings the protocol refuses (`session.timeout.ms`,
/// `heartbeat.interval.ms` and `partition.assignment.strategy` are the broker's business), and
/// the broker's default assignor or one the members ask for. An application that commits its
/// own map of processed offsets registers a rebalance listener, as it must under this protocol:
/// without one the background thread revokes a partition while the application still
/// processes its records, and the commit that follows, at the member's new epoch, is accepted
/// and moves the group's offset back (seed 175 before the listener). Auto commit and
/// `commitSync()` of the positions are safe without one and run without.
fn consumer_protocol_config(rng: &mut SimRng) -> Vec<(&'static str, &'static str)> {
    let mut config = vec![
        ("group.id", GROUP),
        ("group.protocol", "consumer"),
        ("auto.offset.reset", "earliest"),
        ("max.poll.interval.ms", "15000"),
        ("max.poll.records", "50"),
        ("request.timeout.ms", "5000"),
        ("app.processing.ms", "2"),
        ("isolation.level", "read_committed"),
    ];
    let commits = safe_commits(rng);
    config.extend_from_slice(commits);
    if commits.contains(&("app.commit", "explicit"))
        || commits.contains(&("app.commit", "explicit-async"))
    {
        config.push(("app.rebalance.listener", "true"));
    }
    match rng.below(3) {
        0 => {}
        1 => config.push(("group.remote.assignor", "uniform")),
        _ => config.push(("group.remote.assignor", "range")),
    }
    config
}

const BROKERS: u32 = 3;
/// A KRaft quorum of three, so controller failover is among the faults.
const CONTROLLERS: u32 = 3;
/// When the workload starts: after the quorum's first election and the brokers' registration.
const QUORUM_START_MS: u64 = 5_000;
const PRODUCERS: u32 = 2;
const CONSUMERS: u32 = 2;
const GROUP: &str = "fuzz-group";
/// The share profile's share group and how many share consumers read in it (more than the
/// topic's partitions, so partitions are shared).
const SHARE_GROUP: &str = "fuzz-share";
const SHARE_CONSUMERS: u32 = 4;
/// The safe profile's exactly-once consume-transform-produce applications: group, output
/// topic, and how many.
const FORWARD_GROUP: &str = "fuzz-forward";
const FORWARD_TOPIC: &str = "fuzz-out";
const FORWARDERS: u32 = 2;
const OFFSETS_PARTITIONS: u32 = 5;
const WORKLOAD_END_MS: u64 = 20_000;
const RUN_END_MS: u64 = 90_000;
/// The transactional producer (with `Profile::transactional`).
const TXN_PRODUCER: &str = "p1";
/// Its `transaction.timeout.ms`: short, so a transaction a crash left open is aborted well
/// before the run ends.
const TXN_TIMEOUT_MS: &str = "20000";
/// How often it starts a transaction; each spans up to half of this.
const TXN_EVERY_MS: u64 = 1_000;

/// The scenario a seed expands into.
pub fn scenario(seed: u64, profile: Profile) -> Scenario {
    let mut rng = SimRng::stream(seed, "fuzz");
    let mut steps = Vec::new();
    let mut step = |at_ms: u64, command: Command| steps.push(Step::at_ms(at_ms, command));
    let configs: BTreeMap<String, String> = profile
        .topic_configs()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let topic = CreateTopic {
        name: "fuzz".to_owned(),
        partitions: 3,
        replication_factor: 3,
        configs,
        replica_assignment: None,
    };
    let forwarding = profile.safe();
    if forwarding {
        step(
            500,
            Command::CreateTopic(CreateTopic {
                name: FORWARD_TOPIC.to_owned(),
                ..topic.clone()
            }),
        );
    }
    let topic_template = topic.clone();
    step(500, Command::CreateTopic(topic));
    for p in 0..PRODUCERS {
        let name = format!("p{p}");
        let mut config: BTreeMap<String, String> = profile
            .producer_config(&mut rng)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let transactional = profile.transactional() && name == TXN_PRODUCER;
        if transactional {
            config.insert("transactional.id".to_owned(), "fuzz-tx".to_owned());
            config.insert(
                "transaction.timeout.ms".to_owned(),
                TXN_TIMEOUT_MS.to_owned(),
            );
        }
        step(500, Command::AddProducer { name, config });
    }
    let consumer_config: BTreeMap<String, String> = profile
        .consumer_config(&mut rng)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let consumers = if profile == Profile::Share {
        step(
            500,
            Command::AlterGroupConfigs {
                group: SHARE_GROUP.to_owned(),
                configs: BTreeMap::from([(
                    "share.auto.offset.reset".to_owned(),
                    "earliest".to_owned(),
                )]),
            },
        );
        SHARE_CONSUMERS
    } else {
        CONSUMERS
    };
    // One share consumer may give back what it gets, or refuse it: the other members and
    // the delivery count limit must still see every record done.
    let last_acknowledges =
        (profile == Profile::Share).then(|| ["accept", "release", "reject"][rng.below(3) as usize]);
    for c in 0..consumers {
        let mut config = consumer_config.clone();
        if let Some(how) = last_acknowledges.filter(|_| c + 1 == consumers) {
            config.insert(
                "share.acknowledgement.mode".to_owned(),
                "explicit".to_owned(),
            );
            config.insert("app.acknowledge".to_owned(), how.to_owned());
        }
        step(
            500,
            Command::AddConsumer {
                name: format!("c{c}"),
                config,
                topics: vec!["fuzz".to_owned()],
                partitions: Vec::new(),
            },
        );
    }
    if forwarding {
        let mut config = consumer_config.clone();
        for (k, v) in [
            ("group.id", FORWARD_GROUP),
            ("enable.auto.commit", "false"),
            ("app.commit", "transactional"),
            ("app.forward.topic", FORWARD_TOPIC),
            ("isolation.level", "read_committed"),
        ] {
            config.insert(k.to_owned(), v.to_owned());
        }
        // Exactly-once under the consumer protocol needs the listener: without it a forwarder
        // sends a revoked partition's offsets with its transaction at its new member epoch
        // after the partition's next owner started from the old ones, and both write the
        // output (seed 156 before the listener).
        if profile == Profile::ConsumerProtocol {
            config.insert("app.rebalance.listener".to_owned(), "true".to_owned());
        }
        config.remove("auto.commit.interval.ms");
        for x in 0..FORWARDERS {
            step(
                500,
                Command::AddConsumer {
                    name: format!("x{x}"),
                    config: config.clone(),
                    topics: vec!["fuzz".to_owned()],
                    partitions: Vec::new(),
                },
            );
        }
    }
    let mut faults = Vec::new();
    let fault_count = 2 + rng.below(5);
    for _ in 0..fault_count {
        faults.extend(random_fault(&mut rng, profile));
    }
    if matches!(profile, Profile::Acks1 | Profile::Acks0 | Profile::Unclean) {
        faults.extend(lagging_followers_then_crash(&mut rng));
    }
    // What the commit profiles are about: a consumer dies with a batch in hand.
    if matches!(profile, Profile::AtMostOnce | Profile::AtLeastOnce) {
        let at = 3_000 + rng.below(14_000);
        let name = format!("c{}", rng.below(u64::from(CONSUMERS)));
        faults.push((at, Command::CrashClient { name: name.clone() }));
        faults.push((
            at + 1_000 + rng.below(5_000),
            Command::RestartClient { name },
        ));
    }
    let calls = if profile.transactional() {
        let mut calls = vec![(600, transaction(TxnAction::Init))];
        calls.extend(transactions(&mut rng));
        calls
    } else {
        Vec::new()
    };
    // The transactional producer sends only inside its transactions.
    let in_transaction = |at: u64| {
        calls.windows(2).any(|pair| {
            matches!(
                pair[0].1,
                Command::Transaction {
                    action: TxnAction::Begin,
                    ..
                }
            ) && pair[0].0 < at
                && at < pair[1].0
        })
    };
    let mut sends = Vec::new();
    for n in 0..(WORKLOAD_END_MS - 1_000) / 20 {
        let at = 1_000 + n * 20;
        for p in 0..PRODUCERS {
            if profile.transactional() && format!("p{p}") == TXN_PRODUCER && !in_transaction(at) {
                continue;
            }
            let key = Some(format!("k{}", rng.below(100)).into());
            // A compacted topic's deletes: a tombstone in ten sends (drawn only there, so the
            // other profiles' seeds keep their runs).
            let tombstone = profile == Profile::Compacted && rng.below(10) == 0;
            let record = ProducerRecord {
                topic: "fuzz".into(),
                key,
                value: (!tombstone).then(|| format!("p{p}-{n}").into()),
                ..ProducerRecord::default()
            };
            sends.push((
                at,
                Command::Send {
                    producer: format!("p{p}").into(),
                    record,
                },
            ));
        }
    }
    sends.extend(calls);
    let mut timed: Vec<(u64, Command)> = faults.into_iter().chain(sends).collect();
    for broker in 1..=BROKERS {
        timed.push((
            WORKLOAD_END_MS,
            Command::SlowFollower {
                broker,
                delay_ms: 0,
            },
        ));
    }
    timed.push((WORKLOAD_END_MS, Command::HealNetwork));
    // Drawn after everything else, so each seed is the safe profile's same seed plus this.
    if profile == Profile::DeletedTopic {
        timed.extend(topic_deletion(&mut rng, &topic_template));
    }
    timed.sort_by_key(|(at, _)| *at);
    for (at, command) in timed {
        step(at, command);
    }
    // The quorum elects its first active controller and the brokers register with it before
    // anything else happens.
    for step in &mut steps {
        step.at_ms += QUORUM_START_MS;
    }
    Scenario {
        seed,
        cluster: ClusterSpec {
            brokers: BROKERS,
            racks: Vec::new(),
            // Fewer than Kafka's 50 keeps a run fast; the coordinator logic is the same.
            offsets_topic_partitions: Some(OFFSETS_PARTITIONS),
            rack_aware_replica_selector: false,
            controllers: Some(CONTROLLERS),
            message_max_bytes: None,
            replica_fetch_max_bytes: None,
        },
        steps,
        run_until_ms: RUN_END_MS + QUORUM_START_MS,
        run_until_us: None,
        check_invariants: true,
    }
}

fn transaction(action: TxnAction) -> Command {
    Command::Transaction {
        producer: TXN_PRODUCER.to_owned(),
        action,
    }
}

/// The transactional producer's application: every second it begins a transaction and ends
/// it up to half a second later, committing three times in four. Its sends in between belong
/// to the transaction; when a commit is still completing at the next begin, Java's
/// IllegalStateException ends that begin and the sends fail alike.
fn transactions(rng: &mut SimRng) -> Vec<(u64, Command)> {
    let mut calls = Vec::new();
    let mut at = 1_000;
    while at + TXN_EVERY_MS < WORKLOAD_END_MS {
        // Just before the sends of the same millisecond.
        calls.push((at.saturating_sub(1), transaction(TxnAction::Begin)));
        let end = at + 100 + rng.below(TXN_EVERY_MS / 2 - 100);
        let action = if rng.below(4) == 0 {
            TxnAction::Abort
        } else {
            TxnAction::Commit
        };
        calls.push((end, transaction(action)));
        at += TXN_EVERY_MS;
    }
    calls
}

/// The deleted-topic profile's deletion: at a random moment while the producers stream, the
/// input topic (three times in four) or the forwarders' output is deleted; in half the seeds
/// it is created again under its name a little later, with the same configs and maybe another
/// partition count, while the clients keep running. A send waiting for the topic in between
/// waits `max.block.ms` for it to appear (auto-creation is off).
/// How long after its deletion the deleted-topic profile creates a topic again at the
/// earliest: past `default.api.timeout.ms` (60 s), after which a `commitSync()` retrying
/// UNKNOWN_TOPIC_OR_PARTITION for the deleted topic has given up. Sooner, Kafka itself lets a
/// client that still holds the deleted topic's positions (a retried commit, buffered records,
/// a transaction's offsets) carry them over to the new topic, which OffsetCommit and
/// TxnOffsetCommit name only by topic name; see the report of the profile's first sweep.
const RECREATE_AFTER_MS: u64 = 61_000;

fn topic_deletion(rng: &mut SimRng, template: &CreateTopic) -> Vec<(u64, Command)> {
    let at = 3_000 + rng.below(12_000);
    let name = if rng.below(4) == 0 {
        FORWARD_TOPIC
    } else {
        "fuzz"
    };
    let mut steps = vec![(
        at,
        Command::DeleteTopic {
            name: name.to_owned(),
        },
    )];
    if rng.below(2) == 0 {
        let partitions = [1, 2, 3, 3, 5][rng.below(5) as usize];
        steps.push((
            at + RECREATE_AFTER_MS + rng.below(10_000),
            Command::CreateTopic(CreateTopic {
                name: name.to_owned(),
                partitions,
                ..template.clone()
            }),
        ));
    }
    steps
}

/// The fault that acks=1 and acks=0 are about: two brokers' follower fetching lags, then the
/// third (which leads some partitions) dies, so its leaderships pass to replicas that never
/// got what it acknowledged. The loss profiles get it once per seed, at a random moment.
fn lagging_followers_then_crash(rng: &mut SimRng) -> Vec<(u64, Command)> {
    let start = 2_000 + rng.below(10_000);
    let crashed = 1 + rng.below(u64::from(BROKERS)) as u32;
    let mut steps = Vec::new();
    for broker in (1..=BROKERS).filter(|&b| b != crashed) {
        steps.push((
            start,
            Command::SlowFollower {
                broker,
                delay_ms: 5_000,
            },
        ));
        steps.push((
            start + 6_000,
            Command::SlowFollower {
                broker,
                delay_ms: 0,
            },
        ));
    }
    steps.push((
        start + 2_000,
        Command::CrashBroker {
            broker: crashed,
            kind: CrashKind::Process,
        },
    ));
    steps.push((start + 5_000, Command::RestartBroker { broker: crashed }));
    steps
}

/// The transactional producer freezes mid-run and a new instance of its application starts
/// with the same `transactional.id` (a supervisor gave up on it): the successor's
/// `initTransactions()` fences it and runs one transaction; the zombie wakes and carries on
/// with its schedule, which must all be refused.
fn zombie_producer(rng: &mut SimRng, start: u64, end: u64) -> Vec<(u64, Command)> {
    let successor = format!("{TXN_PRODUCER}-successor");
    let mut config: BTreeMap<String, String> = Profile::Safe
        .producer_config(rng)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    config.insert("transactional.id".to_owned(), "fuzz-tx".to_owned());
    config.insert(
        "transaction.timeout.ms".to_owned(),
        TXN_TIMEOUT_MS.to_owned(),
    );
    let call = |action| Command::Transaction {
        producer: successor.clone(),
        action,
    };
    let record = ProducerRecord {
        topic: "fuzz".into(),
        key: Some(format!("k{}", rng.below(100)).into()),
        value: Some(format!("{successor}-{start}").into()),
        ..ProducerRecord::default()
    };
    vec![
        (
            start,
            Command::PauseClient {
                name: TXN_PRODUCER.to_owned(),
            },
        ),
        (
            start + 200,
            Command::AddProducer {
                name: successor.clone(),
                config,
            },
        ),
        (start + 200, call(TxnAction::Init)),
        (start + 1_500, call(TxnAction::Begin)),
        (
            start + 1_500,
            Command::Send {
                producer: successor.as_str().into(),
                record,
            },
        ),
        (start + 1_700, call(TxnAction::Commit)),
        (
            end.max(start + 2_000),
            Command::ResumeClient {
                name: TXN_PRODUCER.to_owned(),
            },
        ),
    ]
}

/// One fault and its repair, as timed commands within the workload.
fn random_fault(rng: &mut SimRng, profile: Profile) -> Vec<(u64, Command)> {
    let start = 2_000 + rng.below(15_000);
    let end = (start + 500 + rng.below(10_000)).min(WORKLOAD_END_MS - 100);
    let broker = 1 + rng.below(u64::from(BROKERS)) as u32;
    let other = 1 + (broker + rng.below(u64::from(BROKERS) - 1) as u32) % BROKERS;
    let producer = format!("p{}", rng.below(u64::from(PRODUCERS)));
    // The safe profile's faults reach its forwarders as often as its plain consumers.
    let consumer = if profile.safe() && rng.below(2) == 0 {
        format!("x{}", rng.below(u64::from(FORWARDERS)))
    } else {
        format!("c{}", rng.below(u64::from(CONSUMERS)))
    };
    let controller = 1 + rng.below(u64::from(CONTROLLERS)) as u32;
    // Paused processes (zombies) are the safe profile's: what fencing must stop. The other
    // profiles draw from the faults they had, so their seeds keep their outcomes.
    let kinds = if profile.safe() { 14 } else { 11 };
    match rng.below(kinds) {
        11 => vec![
            (start, Command::PauseBroker { broker }),
            (end, Command::ResumeBroker { broker }),
        ],
        12 => {
            let name = if rng.below(2) == 0 {
                producer
            } else {
                consumer
            };
            vec![
                (start, Command::PauseClient { name: name.clone() }),
                (end, Command::ResumeClient { name }),
            ]
        }
        13 => zombie_producer(rng, start, end),
        10 => vec![
            (start, Command::CrashController { controller }),
            (end, Command::RestartController { controller }),
        ],
        8 if profile.transactional() => vec![
            (
                start,
                Command::CrashClient {
                    name: TXN_PRODUCER.to_owned(),
                },
            ),
            (
                end,
                Command::RestartClient {
                    name: TXN_PRODUCER.to_owned(),
                },
            ),
            // The application starts over: initTransactions aborts what the crash left open.
            (end, transaction(TxnAction::Init)),
        ],
        8 | 9 => {
            // A lossy, slow link: messages vanish or arrive late until it is repaired.
            let ends = [
                Endpoint::Broker(other),
                Endpoint::ControllerNode(controller),
                Endpoint::Client(producer),
                Endpoint::Client(consumer),
            ];
            let b = ends[rng.below(ends.len() as u64) as usize].clone();
            let a = Endpoint::Broker(broker);
            vec![
                (
                    start,
                    Command::SetLink {
                        a: a.clone(),
                        b: b.clone(),
                        latency_ms: 1 + rng.below(200),
                        jitter_ms: rng.below(100),
                        drop_per_million: 10_000 * (1 + rng.below(20)) as u32,
                    },
                ),
                (
                    end,
                    Command::SetLink {
                        a,
                        b,
                        latency_ms: 1,
                        jitter_ms: 0,
                        drop_per_million: 0,
                    },
                ),
            ]
        }
        6 => vec![
            (
                start,
                Command::CrashClient {
                    name: consumer.clone(),
                },
            ),
            (end, Command::RestartClient { name: consumer }),
        ],
        7 => vec![
            (
                start,
                Command::StallConsumer {
                    consumer: consumer.clone(),
                },
            ),
            (end, Command::ResumeConsumer { consumer }),
        ],
        0 => {
            let kind = if profile == Profile::Unclean && rng.below(2) == 0 {
                CrashKind::PowerLoss
            } else {
                CrashKind::Process
            };
            vec![
                (start, Command::CrashBroker { broker, kind }),
                (end, Command::RestartBroker { broker }),
            ]
        }
        1 => vec![
            (
                start,
                Command::CutLink {
                    a: Endpoint::Broker(broker),
                    b: Endpoint::Broker(other),
                },
            ),
            (
                end,
                Command::HealLink {
                    a: Endpoint::Broker(broker),
                    b: Endpoint::Broker(other),
                },
            ),
        ],
        2 => {
            // A broker, or another controller, loses a controller.
            let from = if rng.below(2) == 0 {
                Endpoint::Broker(broker)
            } else {
                Endpoint::ControllerNode(1 + controller % CONTROLLERS)
            };
            let to = Endpoint::ControllerNode(controller);
            vec![
                (
                    start,
                    Command::CutLink {
                        a: from.clone(),
                        b: to.clone(),
                    },
                ),
                (end, Command::HealLink { a: from, b: to }),
            ]
        }
        3 => vec![
            (
                start,
                Command::CutOneWay {
                    from: Endpoint::Broker(broker),
                    to: Endpoint::Client(producer.clone()),
                },
            ),
            (
                end,
                Command::HealLink {
                    a: Endpoint::Broker(broker),
                    b: Endpoint::Client(producer),
                },
            ),
        ],
        4 => vec![
            (
                start,
                Command::SlowFollower {
                    broker,
                    delay_ms: 1_000 + rng.below(40_000),
                },
            ),
            (
                end,
                Command::SlowFollower {
                    broker,
                    delay_ms: 0,
                },
            ),
        ],
        _ => {
            let errors = vec![ErrorCode::NotEnoughReplicas; 1 + rng.below(3) as usize];
            vec![(
                start,
                Command::PushErrors {
                    broker,
                    api: "Produce".to_owned(),
                    errors,
                },
            )]
        }
    }
}

/// What one seed did.
#[derive(Clone, Debug, Serialize)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// Faults injected (commands other than sends and setup).
    pub faults: usize,
    /// Client operations checked: sends, polls that returned records, commits.
    pub operations: usize,
    /// Every anomaly found.
    pub violations: Vec<Violation>,
    /// How often each interesting thing happened (Antithesis-style "sometimes" coverage): a
    /// campaign in which these stay at zero tested less than it seems.
    pub coverage: BTreeMap<&'static str, usize>,
}

/// Counts what a run exercised.
fn coverage(world: &crate::world::World) -> BTreeMap<&'static str, usize> {
    use crate::client::Outcome;
    use crate::event::EventKind;
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut deleted = std::collections::BTreeSet::new();
    for event in world.events() {
        let what = match &event.kind {
            EventKind::TopicDeleted { topic } => {
                deleted.insert(topic.as_str());
                "topic-deleted"
            }
            EventKind::TopicCreated { topic, .. } if deleted.contains(topic.as_str()) => {
                "topic-recreated"
            }
            EventKind::IsrChanged { from, to, .. } if to.len() < from.len() => "isr-shrink",
            EventKind::IsrChanged { .. } => "isr-expand",
            EventKind::LeaderChanged { to: None, .. } => "partition-offline",
            EventKind::LeaderChanged { unclean: true, .. } => "unclean-election",
            EventKind::LeaderChanged { .. } => "leader-election",
            EventKind::FollowerTruncated { .. } => "follower-truncation",
            EventKind::SegmentsDeleted { .. } => "retention-deletion",
            EventKind::StrayLogRemoved { .. } => "stray-log-removed",
            EventKind::LogCleaned { tombstones, .. } if *tombstones > 0 => "tombstones-removed",
            EventKind::LogCleaned { .. } => "log-compaction",
            EventKind::UnflushedRecordsLost { .. } => "power-loss-data-loss",
            EventKind::BrokerFenced { .. } => "broker-fenced",
            EventKind::GroupRebalancing { .. } => "group-rebalance",
            EventKind::GroupMemberRemoved { .. } => "group-member-removed",
            EventKind::CoordinatorLoaded { .. } => "coordinator-moved",
            EventKind::ConsumerLeftGroup { .. } => "consumer-poll-timeout",
            EventKind::TxnCompleted {
                committed: true, ..
            } => "transaction-committed",
            EventKind::TxnCompleted { .. } => "transaction-aborted",
            EventKind::TxnPrepared {
                cause: TxnPrepareCause::Timeout { .. },
                ..
            } => "transaction-timed-out",
            EventKind::TxnPrepared {
                cause: TxnPrepareCause::NewInstance,
                ..
            } => "transaction-fenced-by-new-instance",
            EventKind::ProducerFenced { .. } => "producer-fenced",
            EventKind::ProcessPaused { .. } => "process-paused",
            EventKind::ControllerElected { epoch: 1, .. } => continue,
            EventKind::ControllerElected { .. } => "controller-failover",
            _ => continue,
        };
        *seen.entry(what).or_default() += 1;
    }
    consumer_protocol_coverage(world, &mut seen);
    share_coverage(world, &mut seen);
    // Consumers' own calls are in their histories, not among the world's operations.
    let consumer_ops = world.consumers().flat_map(|(c, _)| c.history());
    for op in consumer_ops {
        let crate::client::Request::Commit { explicit, .. } = &op.request else {
            continue;
        };
        let what = match &op.outcome {
            Outcome::Committed if *explicit => "explicit-commit",
            Outcome::Exception { message } if message.starts_with("CommitFailed") => {
                "commit-fenced"
            }
            Outcome::Exception { message } if message.starts_with("RebalanceInProgress") => {
                "commit-during-rebalance"
            }
            _ => continue,
        };
        *seen.entry(what).or_default() += 1;
    }
    for op in world.operations() {
        let what = match &op.outcome {
            Outcome::Failed {
                error: ErrorCode::NotEnoughReplicas,
                ..
            } => "not-enough-replicas",
            Outcome::Failed {
                error: ErrorCode::OutOfOrderSequenceNumber,
                ..
            } => "out-of-order-sequence",
            Outcome::Failed { .. } => "send-failed",
            Outcome::Exception { .. } => "client-exception",
            Outcome::Done if matches!(op.request, crate::client::Request::SendOffsets { .. }) => {
                "offsets-sent-in-transaction"
            }
            _ => continue,
        };
        *seen.entry(what).or_default() += 1;
    }
    for (consumer, _) in world.consumers() {
        if matches!(consumer.app(), crate::consumer::AppState::Failed { .. }) {
            *seen.entry("forwarder-stopped").or_default() += 1;
        }
    }
    if forwarders_caught_up(world) {
        *seen.entry("forwarders-caught-up").or_default() += 1;
    }
    seen
}

/// What the KIP-848 consumer protocol exercised (nothing in classic runs): the coordinator
/// asked members to revoke, held partitions back until their owner let go, fenced silent
/// members and slow revokers, and members learnt they were fenced and rejoined.
fn consumer_protocol_coverage(
    world: &crate::world::World,
    seen: &mut BTreeMap<&'static str, usize>,
) {
    use crate::event::EventKind;
    for event in world.events() {
        let what = match &event.kind {
            EventKind::GroupMemberReconciled {
                state: ConsumerMemberState::UnrevokedPartitions,
                ..
            } => "member-revoking",
            EventKind::GroupMemberReconciled {
                state: ConsumerMemberState::UnreleasedPartitions,
                ..
            } => "member-awaiting-release",
            EventKind::GroupTargetAssignment { .. } => "target-assignment",
            EventKind::GroupMemberRemoved {
                protocol: GroupProtocol::Consumer,
                cause: RemovalCause::SessionExpired,
                ..
            } => "member-session-expired",
            EventKind::GroupMemberRemoved {
                protocol: GroupProtocol::Consumer,
                cause: RemovalCause::RebalanceTimeout,
                ..
            } => "member-revocation-timed-out",
            EventKind::ConsumerFenced {
                error: ErrorCode::FencedMemberEpoch,
                ..
            } => "member-fenced-epoch",
            EventKind::ConsumerFenced { .. } => "member-unknown",
            _ => continue,
        };
        *seen.entry(what).or_default() += 1;
    }
}

/// What share groups exercised: locks that expired, records released or archived,
/// acknowledgements refused, share partitions a new leader started afresh, and whether every
/// share partition's start offset reached its high watermark by the end (liveness: after the
/// faults heal, the group finishes the work).
fn share_coverage(world: &crate::world::World, seen: &mut BTreeMap<&'static str, usize>) {
    use crate::event::{EventKind, ShareReleaseCause};
    let mut started = 0;
    for event in world.events() {
        let what = match &event.kind {
            EventKind::ShareRecordsReleased { archived, .. } if !archived.is_empty() => {
                "share-archived"
            }
            EventKind::ShareRecordsReleased {
                cause: ShareReleaseCause::LockExpired,
                ..
            } => "share-lock-expired",
            EventKind::ShareRecordsReleased { .. } => "share-released",
            EventKind::ShareAcknowledgeRefused { .. } => "share-ack-refused",
            EventKind::SharePartitionInitialized { .. } => {
                started += 1;
                continue;
            }
            _ => continue,
        };
        *seen.entry(what).or_default() += 1;
    }
    let partitions = world.share_partitions();
    if started > partitions.len() {
        *seen.entry("share-partition-restarted").or_default() += started - partitions.len();
    }
    if !partitions.is_empty()
        && partitions.iter().all(|(_, tp, leader, share)| {
            world
                .replica_log(*leader, tp)
                .is_some_and(|log| share.start_offset >= log.high_watermark())
        })
    {
        *seen.entry("share-caught-up").or_default() += 1;
    }
}

/// Whether the exactly-once forwarders' group committed past every record of the input that
/// read_committed returns (liveness: after the faults heal they finish the work). Aborted
/// records at the end of a partition are never returned, so nothing commits past them.
fn forwarders_caught_up(world: &crate::world::World) -> bool {
    let Some((_, group)) = world
        .groups()
        .into_iter()
        .find(|(_, g)| g.id == FORWARD_GROUP)
    else {
        return false;
    };
    world
        .metadata()
        .partitions()
        .filter(|(tp, _)| &*tp.topic == "fuzz")
        .all(|(tp, state)| {
            let last = state
                .leader
                .and_then(|leader| world.replica_log(leader, &tp))
                .and_then(|log| {
                    let fates = crate::check::log_fates(log.records());
                    log.records()
                        .iter()
                        .zip(fates)
                        .rev()
                        .find(|(_, fate)| *fate == crate::check::Fate::Committed)
                        .map(|(r, _)| r.offset)
                });
            last.is_none_or(|last| group.offsets.get(&tp).is_some_and(|&o| o > last))
        })
}

/// Commands that break something: setup, sends and repairs are not faults.
fn is_fault(command: &Command) -> bool {
    !matches!(
        command,
        Command::Send { .. }
            | Command::CreateTopic(_)
            | Command::AddProducer { .. }
            | Command::AddConsumer { .. }
            | Command::RestartClient { .. }
            | Command::ResumeConsumer { .. }
            | Command::ResumeClient { .. }
            | Command::ResumeBroker { .. }
            | Command::HealNetwork
            | Command::HealLink { .. }
            | Command::RestartBroker { .. }
            | Command::RestartController { .. }
            | Command::SlowFollower { delay_ms: 0, .. }
            | Command::SetLink {
                drop_per_million: 0,
                ..
            }
            | Command::Transaction { .. }
    )
}

/// Runs a scenario and checks it.
pub fn run(scenario: &Scenario) -> SeedOutcome {
    let (world, _) = scenario.run().expect("generated scenarios are well formed");
    let violations = check_all(&world);
    SeedOutcome {
        seed: scenario.seed,
        faults: scenario
            .steps
            .iter()
            .filter(|s| is_fault(&s.command))
            .count(),
        operations: world.operations().len()
            + world
                .consumers()
                .map(|(c, _)| c.history().len())
                .sum::<usize>(),
        coverage: coverage(&world),
        violations,
    }
}

/// Shrinks a failing scenario: drops fault steps (with their repairs) one at a time while
/// `anomaly` still shows.
pub fn shrink(scenario: &Scenario, anomaly: Anomaly) -> Scenario {
    let mut current = scenario.clone();
    let mut index = 0;
    while index < current.steps.len() {
        let is_setup_or_send = matches!(
            current.steps[index].command,
            Command::Send { .. }
                | Command::CreateTopic(_)
                | Command::AddProducer { .. }
                | Command::AddConsumer { .. }
                | Command::Transaction { .. }
        );
        if is_setup_or_send {
            index += 1;
            continue;
        }
        let mut candidate = current.clone();
        candidate.steps.remove(index);
        if run(&candidate)
            .violations
            .iter()
            .any(|v| v.anomaly == anomaly)
        {
            current = candidate;
        } else {
            index += 1;
        }
    }
    current
}
