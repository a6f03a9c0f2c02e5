//! Snapshots for the UI and reports: plain data, computed from the world on demand, so the UI
//! never reaches into a node.

use crate::broker::BrokerState;
use crate::client::{ConsumedRecord, Operation, Outcome};
use crate::consumer::{
    AppCommit, AppState, ForwardStep, GroupProtocol, MemberState, assignor_name,
};
use crate::endpoint::Endpoint;
use crate::error::ErrorCode;
use crate::event::Event;
use crate::group::{GroupDescription, describe};
use crate::protocol::{BrokerId, TopicPartition};
use crate::share_consumer::{AcknowledgeType, AcknowledgementMode, ShareAppState};
use crate::time::SimTime;
use crate::topic::is_internal;
use crate::world::{InFlight, Stats, World};
use serde::{Deserialize, Serialize};

/// The world as the UI draws it. Serialize-only: a view is derived, never loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorldView {
    /// The virtual clock.
    pub now: SimTime,
    /// The seed of the run.
    pub seed: u64,
    /// The KRaft controllers (voters of the metadata quorum), by id.
    pub controllers: Vec<ControllerView>,
    /// One entry per broker, by id.
    pub brokers: Vec<BrokerView>,
    /// Messages on the wire.
    pub in_flight: Vec<InFlight>,
    /// Cut links.
    pub cut_links: Vec<(Endpoint, Endpoint)>,
    /// Counters.
    pub stats: Stats,
    /// Topics and their partitions, as the controller and every replica see them. Internal
    /// topics (`__consumer_offsets`) are left out, as Kafka UIs hide them by default.
    pub topics: Vec<TopicView>,
    /// Names of the internal topics that exist.
    pub internal_topics: Vec<String>,
    /// Consumers, in the order added.
    pub consumers: Vec<ConsumerView>,
    /// Groups as their coordinators describe them.
    pub groups: Vec<GroupDescription>,
    /// Producers and what is in their pipelines.
    pub producers: Vec<ProducerView>,
    /// Share consumers (KIP-932), by name.
    pub share_consumers: Vec<ShareConsumerView>,
    /// Share partitions (KIP-932) as their leaders hold them, by group then partition.
    pub share_partitions: Vec<SharePartitionView>,
    /// Dynamic group configs (`kafka-configs.sh --entity-type groups`), by group.
    pub group_configs:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// Safety invariant violations so far (see `invariant.rs`).
    pub invariant_violations: Vec<String>,
}

/// How many deliveries of each share consumer a view carries, newest first.
const SHARE_DELIVERIES_IN_VIEW: usize = 20;
/// How many in-flight records of each share partition a view carries, from the SPSO: a
/// partition can hold thousands (`group.share.partition.max.record.locks`), a frame cannot.
const SHARE_RECORDS_IN_VIEW: usize = 50;

/// A share consumer (KIP-932): its membership, what its application does, what it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShareConsumerView {
    /// Its name (`client.id`).
    pub name: String,
    /// `group.id`.
    pub group: String,
    /// Whether its process runs.
    pub up: bool,
    /// Whether its process is frozen (`pause_client`).
    pub paused: bool,
    /// Whether `close()` was called.
    pub closed: bool,
    /// Its member id (empty before joining).
    pub member_id: String,
    /// Its member epoch (0 until the coordinator answers the join).
    pub member_epoch: i32,
    /// The partitions it fetches from, `topic-n`: shared with the group's other members.
    pub assignment: Vec<String>,
    /// What the application does: polling, processing, stalled, crashed, closed.
    pub app: String,
    /// `share.acknowledgement.mode`.
    pub acknowledgement_mode: AcknowledgementMode,
    /// `app.acknowledge`, in explicit mode.
    pub app_acknowledge: Option<AcknowledgeType>,
    /// `max.poll.records`.
    pub max_poll_records: usize,
    /// Records fetched, not yet returned by `poll()`.
    pub buffered: usize,
    /// Its newest deliveries (at most [`SHARE_DELIVERIES_IN_VIEW`]), newest first.
    pub deliveries: Vec<DeliveryView>,
    /// How many deliveries it got in all.
    pub deliveries_total: usize,
}

/// One record a share consumer's application got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    /// When `poll()` returned it.
    pub at: SimTime,
    /// Its partition, `topic-n`.
    pub partition: String,
    /// Its offset.
    pub offset: u64,
    /// Its delivery count, this delivery included.
    pub delivery_count: u16,
    /// How the application acknowledged it, once it did.
    pub acknowledged: Option<AcknowledgeType>,
    /// The leader's answer to the acknowledgement (`NONE`, `INVALID_RECORD_STATE`, ...).
    pub result: Option<String>,
}

/// One share group's state of one partition, on its leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharePartitionView {
    /// The share group.
    pub group: String,
    /// `topic-n`.
    pub partition: String,
    /// The leader that holds the state.
    pub leader: BrokerId,
    /// SPSO: every record before it is done.
    pub start_offset: u64,
    /// SPEO: the next offset never handed out.
    pub end_offset: u64,
    /// The in-flight records from the SPSO, at most [`SHARE_RECORDS_IN_VIEW`].
    pub records: Vec<ShareRecordView>,
    /// In-flight records left out.
    pub more_records: usize,
}

/// One in-flight record of a share partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShareRecordView {
    /// Its offset.
    pub offset: u64,
    /// Available, acquired, acknowledged or archived.
    pub state: crate::RecordState,
    /// How many times it was acquired.
    pub delivery_count: u16,
    /// The client id of the member holding it (while acquired).
    pub holder: Option<String>,
    /// Milliseconds left on its acquisition lock (while acquired).
    pub lock_ms_left: Option<u64>,
}

/// A producer: its configs that matter most and what its pipeline holds now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerView {
    /// Its name (`client.id`).
    pub name: String,
    /// Whether its process is frozen (`pause_client`).
    pub paused: bool,
    /// `acks` (-1 is all).
    pub acks: i16,
    /// `enable.idempotence`, after Kafka's rules.
    pub idempotent: bool,
    /// `linger.ms`.
    pub linger_ms: u64,
    /// `max.in.flight.requests.per.connection`.
    pub max_in_flight: u32,
    /// `batch.size`.
    pub batch_size: usize,
    /// Every batch it holds: forming or waiting in the accumulator, backing off for a retry,
    /// or in a produce request, oldest first within a partition.
    pub batches: Vec<BatchView>,
    /// Produce requests in flight.
    pub requests_in_flight: usize,
    /// The steady stream it sends, as (topic, records per second), if any.
    pub stream: Option<(String, u32)>,
    /// Its transactions, with `transactional.id`.
    pub transactions: Option<TransactionsView>,
}

/// A producer batch, as the pipeline drawing shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchView {
    /// Its partition, `topic-n`.
    pub partition: String,
    /// Records in it.
    pub records: usize,
    /// Its estimated size in bytes, header included (fills up to `batch.size`).
    pub bytes: usize,
    /// Where it is.
    pub stage: BatchStage,
    /// How many times it was sent.
    pub attempts: u32,
    /// Its first sequence number, once stamped (idempotent producers).
    pub base_sequence: Option<u32>,
    /// How long it has existed, in ms (against `linger.ms` while it waits).
    pub age_ms: u64,
    /// Why its last attempt failed, as Kafka names the error, once one has.
    pub last_error: Option<&'static str>,
}

/// Where a producer batch is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BatchStage {
    /// In the accumulator, never sent: still accepting records, or ready and waiting for the
    /// sender (linger.ms passed, full, or max.in.flight reached).
    Accumulating,
    /// Back in the accumulator after a failed attempt, waiting out `retry.backoff.ms`.
    Retrying,
    /// In a produce request to this broker, not answered yet.
    InFlight(BrokerId),
}

/// A KRaft controller: one voter of the metadata quorum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerView {
    /// Its id (1-based).
    pub id: u32,
    /// Whether its process runs.
    pub up: bool,
    /// Whether it is the active controller.
    pub active: bool,
    /// `active`, `follower`, `unattached`, `prospective`, `candidate` or `down`.
    pub role: String,
    /// Its quorum epoch.
    pub epoch: u32,
    /// Its metadata log's end offset.
    pub log_end_offset: u64,
    /// How much of the log it knows to be committed.
    pub committed: u64,
}

/// A transactional producer's transaction state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransactionsView {
    /// `transactional.id`.
    pub transactional_id: String,
    /// The transaction manager's state, as Java names it (`IN_TRANSACTION`, ...).
    pub state: String,
    /// The open (or last) transaction's number, counted from 1.
    pub number: u64,
    /// Partitions added to the open transaction.
    pub partitions: Vec<String>,
    /// The producer id and epoch, once initialised.
    pub producer: Option<(u64, u16)>,
    /// Why it is in an error state.
    pub error: Option<String>,
}

/// A consumer: its group membership, what its application does, and what it owns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerView {
    /// Its name (`client.id`).
    pub name: String,
    /// `group.id`, if any.
    pub group: Option<String>,
    /// `group.instance.id`, if static.
    pub instance_id: Option<String>,
    /// Whether its process runs.
    pub up: bool,
    /// Whether its process is frozen (`pause_client`).
    pub paused: bool,
    /// Whether `close()` was called.
    pub closed: bool,
    /// Its member id (empty before joining).
    pub member_id: String,
    /// Its generation (-1 outside one).
    pub generation: i32,
    /// Unjoined, Joining, Syncing or Stable.
    pub member_state: MemberState,
    /// Whether it leads its group (and computes the assignment).
    pub leader: bool,
    /// What the application does: polling, processing, committing, stalled.
    pub app: String,
    /// `partition.assignment.strategy`, by name; under the consumer protocol (KIP-848)
    /// `group.remote.assignor`, or none for the coordinator's default.
    pub assignors: Vec<String>,
    /// `group.protocol=consumer` (KIP-848): `generation` is the member epoch.
    pub consumer_protocol: bool,
    /// `enable.auto.commit`.
    pub auto_commit: bool,
    /// `isolation.level=read_committed`.
    pub read_committed: bool,
    /// `app.commit`.
    pub app_commit: AppCommit,
    /// The application's producer, when it forwards what it processes.
    pub forward: Option<ForwardView>,
    /// Owned partitions with position, committed offset and lag.
    pub partitions: Vec<ConsumerPartitionView>,
    /// The newest records it received, newest first.
    pub recent_records: Vec<(ConsumedRecord, bool)>,
    /// Its newest operations (polls with exceptions, commits), newest first.
    pub recent_operations: Vec<String>,
    /// Records its application finished processing more than once (after a crash, a
    /// rebalance or an aborted transaction rewound it): what no Kafka guarantee prevents.
    pub reprocessed: usize,
    /// Timers running against it once it has gone quiet: the coordinator's session
    /// (`session.timeout.ms`, after a missed heartbeat) and its own poll timer
    /// (`max.poll.interval.ms`, while the application is not polling).
    pub timers: Vec<TimerView>,
    /// What its answering calls (`position`, `committed`, `offsetsForTimes`) returned,
    /// newest first.
    pub answers: Vec<String>,
}

/// The newest `count` operations of a history, oldest first (polls left out unless `polls`).
fn newest(
    history: &crate::chunked::Chunked<crate::client::Operation>,
    count: usize,
    polls: bool,
) -> Vec<&crate::client::Operation> {
    let mut ops: Vec<_> = history
        .iter()
        .rev()
        .filter(|op| polls || !matches!(op.outcome, Outcome::Polled { .. }))
        .take(count)
        .collect();
    ops.reverse();
    ops
}

/// Where a consume-transform-produce application sends its output, and its producer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForwardView {
    /// `app.forward.topic`.
    pub topic: String,
    /// Exactly-once (transactions) rather than at-least-once.
    pub exactly_once: bool,
    /// The producer, as the producer table shows one.
    pub producer: ProducerView,
}

/// A partition a consumer owns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerPartitionView {
    /// The partition.
    pub tp: TopicPartition,
    /// The next offset `poll()` returns.
    pub position: Option<u64>,
    /// What its group has committed for the partition, as the coordinator holds it (what
    /// `committed()` and the group table answer); what the consumer last committed or fetched
    /// while no coordinator holds the group. Not only the consumer's own commits: an
    /// exactly-once application commits its offsets through its producer's transaction
    /// (`sendOffsetsToTransaction`), never through the consumer.
    pub committed: Option<u64>,
    /// The high watermark its last fetch saw.
    pub high_watermark: Option<u64>,
    /// The follower it fetches from (KIP-392), if not the leader.
    pub fetching_from_follower: Option<BrokerId>,
    /// `pause()`d: not fetched until `resume()`.
    pub paused: bool,
}

/// A topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicView {
    /// Its name.
    pub name: String,
    /// Its id, as `kafka-topics.sh` prints it.
    pub topic_id: String,
    /// Configs that differ from the defaults, `key=value`.
    pub configs: Vec<String>,
    /// `min.insync.replicas`.
    pub min_insync_replicas: u32,
    /// Messages in the leaders' logs (log end minus log start, summed), as Kafka UIs count:
    /// a compacted log's gaps count too. Transaction markers are left out: they take an
    /// offset each, but no consumer ever returns one, so to a user they are not messages.
    pub messages: u64,
    /// Bytes of the leaders' logs (record sizes as the producer counts them, markers too).
    pub size_bytes: u64,
    /// Its partitions.
    pub partitions: Vec<PartitionView>,
}

/// One partition: the controller's state and every replica's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionView {
    /// Its index.
    pub partition: u32,
    /// The leader, or none (offline).
    pub leader: Option<BrokerId>,
    /// The leader epoch.
    pub leader_epoch: u32,
    /// The assignment; the first is the preferred leader.
    pub replicas: Vec<BrokerId>,
    /// The in-sync replicas.
    pub isr: Vec<BrokerId>,
    /// No leader: nothing can be produced or consumed.
    pub offline: bool,
    /// Fewer in-sync replicas than replicas.
    pub under_replicated: bool,
    /// Fewer in-sync replicas than `min.insync.replicas`: acks=all fails.
    pub under_min_isr: bool,
    /// Each replica's log, in assignment order.
    pub replica_logs: Vec<ReplicaView>,
}

/// One broker's copy of a partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaView {
    /// The broker.
    pub broker: BrokerId,
    /// Its log end offset.
    pub log_end_offset: u64,
    /// Its high watermark.
    pub high_watermark: u64,
    /// Its last stable offset: read_committed consumers read below it only.
    pub last_stable_offset: u64,
    /// Its log start offset: retention deleted everything below it.
    #[serde(skip_serializing_if = "is_zero")]
    pub log_start_offset: u64,
    /// How many segments retention has deleted from it.
    #[serde(skip_serializing_if = "is_zero")]
    pub deleted_segments: u64,
    /// How many records its log cleaner has removed (superseded values, expired tombstones):
    /// their offsets are gaps.
    #[serde(skip_serializing_if = "is_zero")]
    pub cleaned_records: u64,
    /// How many records its log holds (fewer than its offsets span once the cleaner ran), so
    /// the page counts the ones it does not draw.
    #[serde(skip)]
    pub record_count: u64,
    /// Its records: all of them in a [`World::report`], the newest [`RECORDS_IN_VIEW`] in a
    /// [`World::view`].
    pub records: Vec<RecordView>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How many of each replica's newest records a [`World::view`] carries: what the page shows.
/// A frame then costs what is on screen, not what the run has written (a busy run's logs
/// hold millions of records).
pub const RECORDS_IN_VIEW: usize = 16;

/// How much of each log a view copies.
#[derive(Clone, Copy)]
enum Records<'a> {
    /// The newest records of each partition's replicas, as many as the function says: what
    /// the page draws of it.
    Newest(&'a dyn Fn(&TopicPartition) -> usize),
    /// Every record, for a report.
    All,
}

/// A record in a replica's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordView {
    /// Offset.
    pub offset: u64,
    /// The leader epoch it was written in.
    pub leader_epoch: u32,
    /// Key (UTF-8, lossy), or `null`.
    pub key: String,
    /// Value (UTF-8, lossy), or `null`.
    pub value: String,
    /// Written inside a transaction.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub transactional: bool,
    /// A COMMIT or ABORT marker rather than data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<crate::protocol::ControlType>,
    /// For a transactional record, the marker that ended its transaction in this log (none
    /// while it is open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<crate::protocol::ControlType>,
}

/// Everything a report needs: the final view, the events and every client operation.
#[derive(Clone, Debug, Serialize)]
pub struct Report<'a> {
    /// The world at the end.
    pub view: WorldView,
    /// The trace fingerprint (equal for equal runs).
    pub trace_hash: String,
    /// Every event, in order.
    pub events: Vec<EventLine>,
    /// Every client operation, in invocation order.
    pub operations: Vec<&'a Operation>,
    /// Every consumer's polls and commits, consumer by consumer.
    pub consumer_operations: Vec<&'a Operation>,
    /// The scenario's steps the world refused, with the error as Kafka names it: part of what
    /// happened (a topic Kafka would not create), so a reader of the report sees them too.
    pub refused: Vec<crate::scenario::RefusedStep<'a>>,
}

/// An event with its text, for people and for JSON readers alike.
#[derive(Clone, Debug, Serialize)]
pub struct EventLine {
    /// When, in milliseconds of virtual time.
    pub at_ms: u64,
    /// The event in plain words.
    pub text: String,
}

impl EventLine {
    fn from_event(event: &Event) -> Self {
        EventLine {
            at_ms: event.at.as_millis(),
            text: event.kind.to_string(),
        }
    }
}

/// One broker, as its process and as the controller see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerView {
    /// `node.id`.
    pub id: BrokerId,
    /// Whether the process runs.
    pub up: bool,
    /// Whether its process is frozen (`pause_broker`).
    #[serde(default)]
    pub paused: bool,
    /// The broker's own lifecycle state.
    pub state: BrokerState,
    /// The controller's verdict: fenced brokers may not lead.
    pub fenced: bool,
    /// The epoch of its registration, as the controller knows it.
    pub broker_epoch: Option<u64>,
    /// `broker.rack`, if set.
    pub rack: Option<String>,
    /// The extra wait before each of its follower fetches (a slow follower), 0 if none.
    #[serde(default)]
    pub slow_follower_ms: u64,
    /// The broker's session at the active controller, once the broker has missed a
    /// heartbeat: when it runs out (the broker is fenced at the controller's next look)
    /// unless a heartbeat arrives.
    #[serde(default)]
    pub fencing: Option<TimerView>,
}

/// A timeout that is running against a node: what fires when, unless something renews it.
/// Read from the simulation's state (the last heartbeat or poll the owner of the timer saw,
/// and the timeout it runs), so what the page counts down is what will happen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerView {
    /// The config that sets it, as Kafka names it.
    pub config: String,
    /// Its value.
    pub timeout: crate::time::SimDuration,
    /// How long until it fires (zero: due now, or at the next look when `checked_every`).
    pub fires_in: crate::time::SimDuration,
    /// What renews it ("a heartbeat arrives").
    pub renewed_by: String,
    /// What happens when it fires ("fenced by the controller").
    pub then: String,
    /// When what fires it is a periodic look rather than a timer of its own (the
    /// controller's look for expired broker sessions), how often it looks: once the time is
    /// up, it happens at the next look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_every: Option<crate::time::SimDuration>,
}

impl TimerView {
    fn running(
        (config, timeout): (&str, crate::time::SimDuration),
        since: SimTime,
        now: SimTime,
        (renewed_by, then): (&str, &str),
    ) -> TimerView {
        TimerView {
            config: config.to_owned(),
            timeout,
            fires_in: (since + timeout).since(now),
            renewed_by: renewed_by.to_owned(),
            then: then.to_owned(),
            checked_every: None,
        }
    }

    fn checked_every(self, interval: crate::time::SimDuration) -> TimerView {
        TimerView {
            checked_every: Some(interval),
            ..self
        }
    }
}

impl BrokerView {
    /// One word for the broker's condition, the way an operator would say it.
    pub fn status(&self) -> &'static str {
        match (self.up, self.fenced) {
            (false, _) => "crashed",
            _ if self.paused => "paused",
            (true, true) => "fenced",
            (true, false) => "online",
        }
    }
}

impl World {
    /// A snapshot of the whole world for drawing it: each log's newest [`RECORDS_IN_VIEW`]
    /// records.
    pub fn view(&self) -> WorldView {
        self.view_of(Records::Newest(&|_| RECORDS_IN_VIEW))
    }

    /// A view carrying, of each replica's log of a partition, the newest `records(partition)`
    /// records (none for a partition off screen): the page asks for what it draws, so the
    /// view's size follows the screen, not the run.
    pub fn view_with(&self, records: &dyn Fn(&TopicPartition) -> usize) -> WorldView {
        self.view_of(Records::Newest(records))
    }

    fn view_of(&self, records: Records<'_>) -> WorldView {
        // From the metadata log, which every controller has: it outlives the active one.
        let metadata = self.metadata();
        let active = self.controllers().find(|(c, up)| *up && c.is_active());
        let now = self.now();
        let brokers = self
            .broker_slots()
            .map(|(broker, up)| {
                let registration = metadata.registered.get(&broker.id());
                let fencing = active.and_then(|(c, _)| {
                    let session = c.registrations().get(&broker.id())?;
                    let contact = session.contact?;
                    (!session.fenced && now.since(contact) > broker.heartbeat_interval()).then(
                        || {
                            TimerView::running(
                                (
                                    "broker.session.timeout.ms",
                                    c.config().broker_session_timeout,
                                ),
                                contact,
                                now,
                                ("a heartbeat arrives", "fenced by the controller"),
                            )
                            .checked_every(c.config().fence_stale_broker_interval())
                        },
                    )
                });
                BrokerView {
                    id: broker.id(),
                    up,
                    paused: self.is_paused(&crate::endpoint::Endpoint::Broker(broker.id())),
                    state: broker.state(),
                    fenced: registration.is_none() || metadata.fenced.contains(&broker.id()),
                    broker_epoch: registration.map(|r| r.broker_epoch),
                    rack: broker.rack().map(str::to_owned),
                    slow_follower_ms: broker.fetch_delay().as_millis(),
                    fencing,
                }
            })
            .collect();
        let controllers = self
            .controllers()
            .map(|(c, up)| {
                let quorum = c.quorum();
                ControllerView {
                    id: quorum.id,
                    up,
                    active: up && c.is_active(),
                    role: match (&quorum.role, up) {
                        (_, false) => "down",
                        (crate::controller::Role::Leader, _) => "active",
                        (crate::controller::Role::Follower { leader: Some(_) }, _) => "follower",
                        (crate::controller::Role::Follower { leader: None }, _) => "unattached",
                        (crate::controller::Role::Prospective { .. }, _) => "prospective",
                        (crate::controller::Role::Candidate { .. }, _) => "candidate",
                    }
                    .to_owned(),
                    epoch: quorum.epoch,
                    log_end_offset: c.log_end_offset(),
                    committed: quorum.committed,
                }
            })
            .collect();
        WorldView {
            now: self.now(),
            seed: self.seed(),
            controllers,
            brokers,
            in_flight: self.in_flight(),
            cut_links: self.cut_links(),
            stats: self.stats(),
            topics: self
                .topic_views(records)
                .into_iter()
                .filter(|t| !is_internal(&t.name))
                .collect(),
            internal_topics: self
                .metadata()
                .topics
                .keys()
                .filter(|t| is_internal(t))
                .map(|t| t.to_string())
                .collect(),
            consumers: self.consumer_views(),
            groups: self
                .groups()
                .into_iter()
                .map(|(coordinator, g)| describe(self, coordinator, g))
                .collect(),
            producers: self.producer_views(),
            share_consumers: self.share_consumer_views(),
            share_partitions: self.share_partition_views(),
            group_configs: metadata.group_configs.clone(),
            invariant_violations: self
                .invariant_violations()
                .iter()
                .map(|e| format!("{}: {}", e.at, e.kind))
                .collect(),
        }
    }

    /// The timers running against a consumer that has gone quiet (see [`ConsumerView::timers`]).
    fn consumer_timers(&self, c: &crate::consumer::Consumer, up: bool) -> Vec<TimerView> {
        let (now, config) = (self.now(), c.config());
        let mut timers = Vec::new();
        let group = config.group_id.as_deref().and_then(|group| {
            let (_, found) = self.groups().into_iter().find(|(_, g)| g.id == group)?;
            Some(found)
        });
        // The coordinator's session clock for this consumer: (setting, timeout, last
        // heartbeat, heartbeat interval). The consumer protocol's is the broker's.
        let session = group.and_then(|found| match &found.consumer {
            None => {
                let member = found.members.values().find(|m| m.client_id == c.name())?;
                Some((
                    "session.timeout.ms",
                    member.session_timeout,
                    member.last_heartbeat,
                    config.heartbeat_interval,
                ))
            }
            Some(modern) => {
                let member = modern.members.values().find(|m| m.client_id == c.name())?;
                Some((
                    "group.consumer.session.timeout.ms",
                    modern.settings.session_timeout,
                    *modern.last_heartbeat.get(&member.member_id)?,
                    modern.settings.heartbeat_interval,
                ))
            }
        });
        if let Some((setting, timeout, last_heartbeat, interval)) = session
            && now.since(last_heartbeat) > interval
        {
            timers.push(TimerView::running(
                (setting, timeout),
                last_heartbeat,
                now,
                (
                    "a heartbeat arrives",
                    "removed from the group by the coordinator",
                ),
            ));
        }
        let polling = matches!(c.app(), AppState::Polling { .. });
        let (_, _, state, _) = c.membership();
        if up && !c.is_closed() && !polling && state != MemberState::Unjoined {
            timers.push(TimerView::running(
                ("max.poll.interval.ms", config.max_poll_interval),
                c.last_poll(),
                now,
                (
                    "the application calls poll()",
                    "leaves the group (poll timeout)",
                ),
            ));
        }
        timers
    }

    fn consumer_views(&self) -> Vec<ConsumerView> {
        const RECENT: usize = 8;
        let groups = self.groups();
        self.consumers()
            .map(|(c, up)| {
                let config = c.config();
                let group_offsets = config.group_id.as_deref().and_then(|id| {
                    groups
                        .iter()
                        .find(|(_, g)| g.id == id)
                        .map(|(_, g)| &g.offsets)
                });
                let (member_id, generation, member_state, leader) = c.membership();
                let app = match c.app() {
                    _ if !up => "crashed".to_owned(),
                    _ if c.is_closed() => "closed".to_owned(),
                    AppState::Polling { .. } => "polling".to_owned(),
                    AppState::Processing { .. } => "processing".to_owned(),
                    AppState::Committing { .. } => "committing".to_owned(),
                    AppState::Stalled { .. } => "stalled".to_owned(),
                    AppState::InitTransactions { .. } => "initTransactions()".to_owned(),
                    AppState::Forwarding { step, .. } => match step {
                        ForwardStep::Sends(_) => "forwarding".to_owned(),
                        ForwardStep::Offsets(_) => "sendOffsetsToTransaction()".to_owned(),
                        ForwardStep::Commit(_) => "commitTransaction()".to_owned(),
                        ForwardStep::Abort(_) => "abortTransaction()".to_owned(),
                    },
                    AppState::Failed { reason } => format!("stopped: {reason}"),
                };
                let forward = c.forwarder().map(|f| ForwardView {
                    topic: f.topic.clone(),
                    exactly_once: f.exactly_once,
                    producer: self.producer_view(&f.producer),
                });
                let recent_records = c
                    .history()
                    .iter()
                    .rev()
                    .filter_map(|op| match &op.outcome {
                        outcome @ Outcome::Polled { records, .. } => {
                            let done = outcome.processed_records().len();
                            Some(
                                records
                                    .iter()
                                    .enumerate()
                                    .rev()
                                    .map(move |(i, r)| (r.clone(), i < done)),
                            )
                        }
                        _ => None,
                    })
                    .flatten()
                    .take(RECENT)
                    .collect();
                // Each history is in invocation order, so the newest of both are among the
                // newest of each: a frame reads a few operations, not the whole run.
                let mut recent = newest(c.history(), RECENT, false);
                if let Some(forwarder) = c.forwarder() {
                    recent.extend(newest(forwarder.producer.history(), RECENT, true));
                }
                crate::sorted::sort_by_key(&mut recent, |op| op.invoked_at);
                let recent_operations = recent
                    .iter()
                    .rev()
                    .take(RECENT)
                    .map(ToString::to_string)
                    .collect();
                ConsumerView {
                    name: c.name().to_owned(),
                    group: config.group_id.clone(),
                    instance_id: config.group_instance_id.clone(),
                    up,
                    paused: self.is_paused(&crate::endpoint::Endpoint::Client(c.name().to_owned())),
                    closed: c.is_closed(),
                    member_id: member_id.to_owned(),
                    generation,
                    member_state,
                    leader,
                    app,
                    forward,
                    assignors: match config.group_protocol {
                        GroupProtocol::Classic => config
                            .assignors
                            .iter()
                            .map(|a| assignor_name(*a).to_owned())
                            .collect(),
                        GroupProtocol::Consumer | GroupProtocol::Share => {
                            config.remote_assignor.iter().cloned().collect()
                        }
                    },
                    consumer_protocol: config.group_protocol == GroupProtocol::Consumer,
                    auto_commit: config.enable_auto_commit,
                    read_committed: config.read_committed,
                    app_commit: config.app_commit,
                    partitions: c
                        .owned()
                        .iter()
                        .map(|(tp, o)| ConsumerPartitionView {
                            tp: tp.clone(),
                            position: o.position,
                            committed: group_offsets
                                .map_or(o.committed, |offsets| offsets.get(tp).copied()),
                            high_watermark: o.high_watermark,
                            fetching_from_follower: o.preferred_replica,
                            paused: o.paused,
                        })
                        .collect(),
                    recent_records,
                    recent_operations,
                    reprocessed: c.reprocessed(),
                    timers: self.consumer_timers(c, up),
                    answers: c.answers().iter().rev().cloned().collect(),
                }
            })
            .collect()
    }

    fn share_consumer_views(&self) -> Vec<ShareConsumerView> {
        self.share_consumers()
            .map(|(c, up)| {
                let config = c.config();
                let (member_id, member_epoch) = c.membership();
                let app = match c.app() {
                    _ if !up => "crashed".to_owned(),
                    _ if c.is_closed() => "closed".to_owned(),
                    ShareAppState::Polling => "polling".to_owned(),
                    ShareAppState::Processing { .. } => "processing".to_owned(),
                    ShareAppState::Stalled { .. } => "stalled".to_owned(),
                    ShareAppState::Failed { reason } => format!("stopped: {reason}"),
                };
                let history = c.history();
                ShareConsumerView {
                    name: c.name().to_owned(),
                    group: config.group_id.clone(),
                    up,
                    paused: self.is_paused(&crate::endpoint::Endpoint::Client(c.name().to_owned())),
                    closed: c.is_closed(),
                    member_id: member_id.to_owned(),
                    member_epoch,
                    assignment: c.assignment().iter().map(|tp| tp.to_string()).collect(),
                    app,
                    acknowledgement_mode: config.acknowledgement_mode,
                    app_acknowledge: (config.acknowledgement_mode == AcknowledgementMode::Explicit)
                        .then_some(config.app_acknowledge),
                    max_poll_records: config.max_poll_records,
                    buffered: c.buffered(),
                    deliveries_total: history.len(),
                    deliveries: history
                        .iter()
                        .rev()
                        .take(SHARE_DELIVERIES_IN_VIEW)
                        .map(|d| DeliveryView {
                            at: d.at,
                            partition: d.record.tp.to_string(),
                            offset: d.record.offset,
                            delivery_count: d.delivery_count,
                            acknowledged: d.acknowledged,
                            result: d.result.map(|e| e.to_string()),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    fn share_partition_views(&self) -> Vec<SharePartitionView> {
        // A holder is shown by client id: the group's members know it, and a member the
        // coordinator already dropped may still hold locks, so the consumers' own
        // memberships are asked too.
        let mut client_of: std::collections::BTreeMap<(String, String), String> = self
            .share_consumers()
            .map(|(c, _)| {
                let (member, _) = c.membership();
                (
                    (c.config().group_id.clone(), member.to_owned()),
                    c.name().to_owned(),
                )
            })
            .collect();
        for (_, g) in self.groups() {
            if let Some(share) = &g.share {
                for (member, m) in &share.members {
                    client_of.insert((g.id.to_string(), member.clone()), m.client_id.clone());
                }
            }
        }
        let now = self.now();
        self.share_partitions()
            .into_iter()
            .map(|(group, tp, leader, sp)| SharePartitionView {
                group: group.to_owned(),
                partition: tp.to_string(),
                leader,
                start_offset: sp.start_offset,
                end_offset: sp.end_offset,
                records: sp
                    .in_flight
                    .iter()
                    .take(SHARE_RECORDS_IN_VIEW)
                    .map(|(offset, r)| {
                        let acquired = r.state == crate::RecordState::Acquired;
                        ShareRecordView {
                            offset: *offset,
                            state: r.state,
                            delivery_count: r.delivery_count,
                            holder: r.member.as_deref().filter(|_| acquired).map(|m| {
                                client_of
                                    .get(&(group.to_owned(), m.to_owned()))
                                    .cloned()
                                    .unwrap_or_else(|| m.to_owned())
                            }),
                            lock_ms_left: acquired.then(|| r.lock_until.since(now).as_millis()),
                        }
                    })
                    .collect(),
                more_records: sp.in_flight.len().saturating_sub(SHARE_RECORDS_IN_VIEW),
            })
            .collect()
    }

    fn producer_views(&self) -> Vec<ProducerView> {
        self.producers().map(|p| self.producer_view(p)).collect()
    }

    fn producer_view(&self, p: &crate::producer::Producer) -> ProducerView {
        let (batches, requests_in_flight) = p.pipeline();
        let config = p.config();
        let batches = batches
            .into_iter()
            .map(|(b, broker)| BatchView {
                partition: b.tp.to_string(),
                records: b.records.len(),
                bytes: b.size,
                stage: match broker {
                    Some(broker) => BatchStage::InFlight(broker),
                    None if b.attempts > 0 => BatchStage::Retrying,
                    None => BatchStage::Accumulating,
                },
                attempts: b.attempts,
                base_sequence: b.header.as_ref().map(|h| h.base_sequence),
                age_ms: (self.now() - b.created).as_millis(),
                last_error: b.last_error.map(ErrorCode::name),
            })
            .collect();
        ProducerView {
            name: p.name().to_owned(),
            paused: self.is_paused(&crate::endpoint::Endpoint::Client(p.name().to_owned())),
            acks: config.acks,
            idempotent: config.enable_idempotence,
            linger_ms: config.linger.as_millis(),
            max_in_flight: config.max_in_flight,
            batch_size: config.batch_size,
            batches,
            requests_in_flight,
            stream: p.stream().map(|s| (s.topic.to_string(), s.per_second)),
            transactions: p.transactions().map(|t| TransactionsView {
                transactional_id: t.transactional_id.clone(),
                state: t.state.java_name().to_owned(),
                number: t.number,
                partitions: t.added.iter().map(ToString::to_string).collect(),
                producer: p.producer_id(),
                error: t.last_error.clone(),
            }),
        }
    }

    fn topic_views(&self, records: Records<'_>) -> Vec<TopicView> {
        self.metadata()
            .topics
            .iter()
            .map(|(name, topic)| {
                let min_isr = topic.config.min_insync_replicas;
                let partitions = topic
                    .partitions
                    .iter()
                    .enumerate()
                    .map(|(index, state)| {
                        let tp = TopicPartition {
                            topic: name.clone(),
                            partition: index as u32,
                        };
                        let replica_logs = state
                            .replicas
                            .iter()
                            .map(|&broker| self.replica_view(broker, &tp, records))
                            .collect();
                        PartitionView {
                            partition: index as u32,
                            leader: state.leader,
                            leader_epoch: state.leader_epoch,
                            replicas: state.replicas.clone(),
                            isr: state.isr.clone(),
                            offline: state.leader.is_none(),
                            under_replicated: state.isr.len() < state.replicas.len(),
                            under_min_isr: state.isr.len() < min_isr as usize,
                            replica_logs,
                        }
                    })
                    .collect();
                let leader_logs = || {
                    topic
                        .partitions
                        .iter()
                        .enumerate()
                        .filter_map(|(index, state)| {
                            let tp = TopicPartition {
                                topic: name.clone(),
                                partition: index as u32,
                            };
                            self.replica_log(state.leader?, &tp)
                        })
                };
                TopicView {
                    messages: leader_logs()
                        .map(|log| {
                            (log.log_end_offset() - log.log_start_offset())
                                .saturating_sub(log.control_records())
                        })
                        .sum(),
                    size_bytes: leader_logs().map(|log| log.size_bytes()).sum(),
                    name: name.to_string(),
                    topic_id: topic.topic_id.to_string(),
                    configs: topic
                        .config
                        .non_default()
                        .into_iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect(),
                    min_insync_replicas: min_isr,
                    partitions,
                }
            })
            .collect()
    }

    fn replica_view(
        &self,
        broker: BrokerId,
        tp: &TopicPartition,
        records: Records<'_>,
    ) -> ReplicaView {
        let replica = self.replica(broker, tp);
        let log = replica.map(|r| &r.log);
        let shown = |all: &crate::chunked::Chunked<crate::protocol::Record>| -> Vec<RecordView> {
            match records {
                Records::All => record_views(all.iter()),
                Records::Newest(newest) => {
                    record_views(all.iter_from(all.len().saturating_sub(newest(tp))))
                }
            }
        };
        ReplicaView {
            broker,
            log_end_offset: log.map_or(0, |l| l.log_end_offset()),
            high_watermark: log.map_or(0, |l| l.high_watermark()),
            last_stable_offset: replica.map_or(0, |r| r.last_stable_offset()),
            log_start_offset: log.map_or(0, |l| l.log_start_offset()),
            deleted_segments: log.map_or(0, |l| l.deleted_segments()),
            cleaned_records: log.map_or(0, |l| l.cleaned_records()),
            record_count: log.map_or(0, |l| l.records().len() as u64),
            records: log.map(|l| shown(l.records())).unwrap_or_default(),
        }
    }

    /// The final view with events and operations, for `kafka-sim run`.
    pub fn report(&self) -> Report<'_> {
        Report {
            view: self.view_of(Records::All),
            trace_hash: format!("{:016x}", self.trace().hash()),
            events: self.events().iter().map(EventLine::from_event).collect(),
            operations: self.operations(),
            consumer_operations: self.consumers().flat_map(|(c, _)| c.history()).collect(),
            refused: Vec::new(),
        }
    }

    /// `kafka-topics.sh --describe` of Kafka 4.x, for one topic or all, tab-separated.
    pub fn describe_topics(&self, only: Option<&str>) -> String {
        self.describe_topics_where(|name| only.is_none_or(|o| o == name), |_| true, |_, _| true)
    }

    /// `kafka-topics.sh --describe` with its filters: which topics, whether a topic gets its
    /// summary line (not with the partition reports; only with overrides for
    /// `--topics-with-overrides`), and which partition lines it prints. Kafka 4's admin
    /// client reads DescribeTopicPartitions, whose ELR lists are never null: eligible leader
    /// replicas are not modelled (KIP-966 is off by default in 4.0), so both print empty.
    pub fn describe_topics_where(
        &self,
        topics: impl Fn(&str) -> bool,
        summary: impl Fn(&TopicView) -> bool,
        partitions: impl Fn(&TopicView, &PartitionView) -> bool,
    ) -> String {
        let join = |ids: &[BrokerId]| {
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut out = String::new();
        for topic in self
            .topic_views(Records::Newest(&|_| 0))
            .iter()
            .filter(|t| topics(&t.name))
        {
            if summary(topic) {
                let rf = topic.partitions.first().map_or(0, |p| p.replicas.len());
                out.push_str(&format!(
                    "Topic: {}\tTopicId: {}\tPartitionCount: {}\tReplicationFactor: {rf}\tConfigs: {}\n",
                    topic.name,
                    topic.topic_id,
                    topic.partitions.len(),
                    topic.configs.join(",")
                ));
            }
            for p in topic.partitions.iter().filter(|p| partitions(topic, p)) {
                // During a reassignment Kafka adds its two columns after the ISR.
                let tp = TopicPartition::new(&topic.name, p.partition);
                let reassignment = self
                    .metadata()
                    .partition(&tp)
                    .filter(|s| s.is_reassigning())
                    .map(|s| {
                        format!(
                            "\tAdding Replicas: {}\tRemoving Replicas: {}",
                            join(&s.adding_replicas),
                            join(&s.removing_replicas)
                        )
                    })
                    .unwrap_or_default();
                out.push_str(&format!(
                    "\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}{reassignment}\tElr: \tLastKnownElr: \n",
                    topic.name,
                    p.partition,
                    p.leader.map_or_else(|| "none".to_owned(), |l| l.to_string()),
                    join(&p.replicas),
                    join(&p.isr),
                ));
            }
        }
        out
    }
}

/// The records of a log for views, each transactional one with the marker that ended its
/// transaction: the first marker of the same producer after it, found in one backward pass.
/// A log's newest records are enough: a marker always follows the records it ends.
fn record_views(records: crate::chunked::Iter<'_, crate::protocol::Record>) -> Vec<RecordView> {
    let mut next_marker = std::collections::BTreeMap::new();
    let mut views: Vec<RecordView> = records
        .rev()
        .map(|r| {
            let producer = r.batch.producer_id.unwrap_or_default();
            if let Some(control) = r.batch.control {
                next_marker.insert(producer, control);
            }
            RecordView {
                offset: r.offset,
                leader_epoch: r.leader_epoch,
                key: r.data.key_text(),
                value: r.data.value_text(),
                transactional: r.batch.transactional,
                control: r.batch.control,
                ended_by: r
                    .batch
                    .transactional
                    .then(|| next_marker.get(&producer).copied())
                    .flatten(),
            }
        })
        .collect();
    views.reverse();
    views
}
