//! A broker: registers with the controller and heartbeats to keep its session; replays the
//! metadata log to learn which partitions it leads or follows; serves Produce and Fetch as
//! leader; replicates as follower by fetching from the leader. Its state names follow Kafka's
//! `BrokerState`.

mod coordinator;
mod fetch_session;
mod fetcher;
mod list_offsets;
mod produce;
mod producer_state;
mod registration;
mod replica;
mod retention;
mod serve;
mod share_fetch;
pub(crate) mod share_partition;
mod txn_coordinator;
mod txn_verification;

pub(crate) use producer_state::ProducerStates;
pub(crate) use replica::{Leadership, Replica};

use crate::alarm::Alarm;
use crate::error::ErrorCode;
use crate::event::{CrashKind, EventKind};
use crate::group::GroupCoordinator;
use crate::metadata::{MetadataImage, MetadataRecord};
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::partition_map::PartitionMap;
use crate::protocol::{
    ApiKey, BrokerId, Message, MetadataFetchRequest, MetadataResponse, RequestHeader,
    ResponseHeader, TopicPartition,
};
use crate::time::{SimDuration, SimTime};
use crate::txn::TxnCoordinator;
use coordinator::CoordinatorAppends;
use fetcher::Fetchers;
use produce::DelayedProduce;
use serde::{Deserialize, Serialize};
use serve::ParkedFetch;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// Broker configs, with Kafka 4.x defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfig {
    /// `broker.heartbeat.interval.ms` (default 2000).
    pub heartbeat_interval: SimDuration,
    /// `replica.lag.time.max.ms` (default 30000).
    pub replica_lag_time_max: SimDuration,
    /// `replica.fetch.wait.max.ms` (default 500).
    pub replica_fetch_wait_max: SimDuration,
    /// `replica.fetch.backoff.ms` (default 1000).
    pub replica_fetch_backoff: SimDuration,
    /// `replica.socket.timeout.ms` (default 30000): a follower's fetch gives up after this.
    pub replica_socket_timeout: SimDuration,
    /// `controller.quorum.request.timeout.ms` (default 2000), for metadata fetches.
    pub controller_request_timeout: SimDuration,
    /// How often dirty pages reach disk. Kafka leaves flushing to the OS (`log.flush.*` are
    /// unset by default); Linux writes back every 5 s (`dirty_writeback_centisecs` = 500).
    pub os_writeback_interval: SimDuration,
    /// `offsets.topic.num.partitions` (default 50).
    #[serde(default = "default_offsets_partitions")]
    pub offsets_topic_num_partitions: u32,
    /// `offsets.topic.replication.factor` (default 3; a cluster of fewer brokers uses its
    /// size, as single-broker development set-ups configure it).
    #[serde(default = "default_offsets_replication")]
    pub offsets_topic_replication_factor: u32,
    /// `offsets.commit.timeout.ms` (default 5000).
    #[serde(default = "default_offsets_commit_timeout")]
    pub offsets_commit_timeout: SimDuration,
    /// `group.initial.rebalance.delay.ms` (default 3000).
    #[serde(default = "default_initial_rebalance_delay")]
    pub group_initial_rebalance_delay: SimDuration,
    /// `group.min.session.timeout.ms` (default 6000).
    #[serde(default = "default_min_session_timeout")]
    pub group_min_session_timeout: SimDuration,
    /// `group.max.session.timeout.ms` (default 1800000).
    #[serde(default = "default_max_session_timeout")]
    pub group_max_session_timeout: SimDuration,
    /// `replica.selector.class=RackAwareReplicaSelector` (KIP-392); Kafka's default selects
    /// the leader, so consumers fetch only from leaders unless this is set.
    #[serde(default)]
    pub rack_aware_replica_selector: bool,
    /// `transaction.state.log.num.partitions` (default 50).
    #[serde(default = "default_offsets_partitions")]
    pub transaction_state_num_partitions: u32,
    /// `transaction.max.timeout.ms` (default 900000): a producer's `transaction.timeout.ms`
    /// above it is INVALID_TRANSACTION_TIMEOUT.
    #[serde(default = "default_transaction_max_timeout")]
    pub transaction_max_timeout: SimDuration,
    /// `message.max.bytes` (default 1048588: 1 MiB of records plus the log overhead): the
    /// largest record batch a leader appends, unless the topic sets `max.message.bytes`.
    #[serde(default = "default_message_max_bytes")]
    pub message_max_bytes: u32,
    /// `replica.fetch.max.bytes` (default 1048576): what a follower asks for per partition;
    /// a first batch larger than it is still returned, so replication never stalls.
    #[serde(default = "default_replica_fetch_max_bytes")]
    pub replica_fetch_max_bytes: u32,
    /// `log.retention.check.interval.ms` (default 300000): how often the broker's retention
    /// task looks for segments to delete, after `log.initial.task.delay.ms` (30000).
    #[serde(default = "default_log_retention_check_interval")]
    pub log_retention_check_interval: SimDuration,
    /// `log.cleaner.backoff.ms` (default 15000): how long the log cleaner sleeps when no
    /// compacted log is dirty enough to clean.
    #[serde(default = "default_log_cleaner_backoff")]
    pub log_cleaner_backoff: SimDuration,
    /// `group.consumer.session.timeout.ms` (default 45000): KIP-848 members' session, which
    /// the broker sets instead of each consumer.
    #[serde(default = "default_consumer_session_timeout")]
    pub group_consumer_session_timeout: SimDuration,
    /// `group.consumer.heartbeat.interval.ms` (default 5000).
    #[serde(default = "default_consumer_heartbeat_interval")]
    pub group_consumer_heartbeat_interval: SimDuration,
    /// The `group.share.*` configs of share groups (KIP-932).
    #[serde(default)]
    pub share: crate::group::ShareGroupSettings,
}

fn default_consumer_session_timeout() -> SimDuration {
    SimDuration::from_millis(45_000)
}

fn default_consumer_heartbeat_interval() -> SimDuration {
    SimDuration::from_millis(5_000)
}

fn default_log_cleaner_backoff() -> SimDuration {
    SimDuration::from_millis(15_000)
}

fn default_log_retention_check_interval() -> SimDuration {
    SimDuration::from_millis(300_000)
}

fn default_replica_fetch_max_bytes() -> u32 {
    crate::protocol::FetchMaxBytes::REPLICA.partition
}

fn default_message_max_bytes() -> u32 {
    1_048_588
}

fn default_transaction_max_timeout() -> SimDuration {
    SimDuration::from_millis(900_000)
}

fn default_offsets_partitions() -> u32 {
    50
}
fn default_offsets_replication() -> u32 {
    3
}
fn default_offsets_commit_timeout() -> SimDuration {
    SimDuration::from_millis(5_000)
}
fn default_initial_rebalance_delay() -> SimDuration {
    SimDuration::from_millis(3_000)
}
fn default_min_session_timeout() -> SimDuration {
    SimDuration::from_millis(6_000)
}
fn default_max_session_timeout() -> SimDuration {
    SimDuration::from_millis(1_800_000)
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            heartbeat_interval: SimDuration::from_millis(2_000),
            replica_lag_time_max: SimDuration::from_millis(30_000),
            replica_fetch_wait_max: SimDuration::from_millis(500),
            replica_fetch_backoff: SimDuration::from_millis(1_000),
            replica_socket_timeout: SimDuration::from_millis(30_000),
            controller_request_timeout: SimDuration::from_millis(2_000),
            os_writeback_interval: SimDuration::from_millis(5_000),
            offsets_topic_num_partitions: default_offsets_partitions(),
            offsets_topic_replication_factor: default_offsets_replication(),
            offsets_commit_timeout: default_offsets_commit_timeout(),
            group_initial_rebalance_delay: default_initial_rebalance_delay(),
            group_min_session_timeout: default_min_session_timeout(),
            group_max_session_timeout: default_max_session_timeout(),
            rack_aware_replica_selector: false,
            transaction_state_num_partitions: default_offsets_partitions(),
            transaction_max_timeout: default_transaction_max_timeout(),
            log_retention_check_interval: default_log_retention_check_interval(),
            log_cleaner_backoff: default_log_cleaner_backoff(),
            group_consumer_session_timeout: default_consumer_session_timeout(),
            group_consumer_heartbeat_interval: default_consumer_heartbeat_interval(),
            share: Default::default(),
            message_max_bytes: default_message_max_bytes(),
            replica_fetch_max_bytes: default_replica_fetch_max_bytes(),
        }
    }
}

/// The broker's own view of its lifecycle, as Kafka's `BrokerState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerState {
    /// Not started, or crashed.
    NotRunning,
    /// Registering with the controller.
    Starting,
    /// Registered but fenced: catching up before it may serve.
    Recovery,
    /// Unfenced and serving.
    Running,
    /// Asked the controller to move its leaderships away.
    PendingControlledShutdown,
}

impl BrokerState {
    /// The name Kafka uses (`BrokerState.toString()`).
    pub fn kafka_name(self) -> &'static str {
        match self {
            BrokerState::NotRunning => "NOT_RUNNING",
            BrokerState::Starting => "STARTING",
            BrokerState::Recovery => "RECOVERY",
            BrokerState::Running => "RUNNING",
            BrokerState::PendingControlledShutdown => "PENDING_CONTROLLED_SHUTDOWN",
        }
    }
}

/// A broker node.
#[derive(Clone, Debug)]
pub(crate) struct Broker {
    id: BrokerId,
    /// The KRaft controllers' nodes (`controller.quorum.bootstrap.servers`).
    controllers: Rc<Vec<NodeId>>,
    /// Which of them this broker believes active; it moves on when that one does not answer
    /// or says NOT_CONTROLLER.
    active_controller: usize,
    directory: Rc<BTreeMap<BrokerId, NodeId>>,
    config: BrokerConfig,
    /// `broker.rack`, if set.
    rack: Option<String>,
    /// Every broker's rack (static configuration, as `broker.rack` is), for KIP-392.
    racks: Rc<BTreeMap<BrokerId, String>>,
    state: BrokerState,
    /// Its listeners accept connections: from the end of its start-up until its process dies.
    /// Kafka's `BrokerServer` opens them (`enableRequestProcessing`) only once the broker has
    /// caught up with the metadata log and been unfenced, so no client or follower is ever
    /// answered from an image that lacks what the cluster already knows.
    listening: bool,
    /// When its next heartbeat is due: a heartbeat timer set before a sooner one was asked
    /// for finds this later and does nothing.
    next_heartbeat: SimTime,
    registration: registration::Registration,
    /// How many times its process has started: Kafka's `IncarnationId`.
    incarnation: u32,
    broker_epoch: Option<u64>,
    image: MetadataImage,
    metadata_fetch: Option<u64>,
    replicas: PartitionMap<Replica>,
    fetchers: Fetchers,
    /// The followers' fetch sessions (KIP-227) with this broker as their leader.
    fetch_sessions: fetch_session::FetchSessions,
    parked: Vec<ParkedFetch>,
    /// The partitions changed (as `wake_parked` and `stir_parked` hear) while a follower's
    /// fetch is being handled, before it parks: what its pass over its partitions has
    /// judged may change again when a coordinator acts on a high watermark's move.
    stirring: Option<Vec<TopicPartition>>,
    purgatory: Vec<DelayedProduce>,
    /// The `ProduceTimeouts` timers for the purgatory's deadlines.
    produce_timeouts: Alarm,
    /// Produce requests waiting for the transaction coordinator's verification.
    verifications: txn_verification::Verifications,
    coordinator: GroupCoordinator,
    /// The coordinators' writes waiting for the high watermark.
    coordinator_appends: CoordinatorAppends,
    /// Out of the broker only while it runs (`txn_coordinator.rs`).
    transactions: Option<TxnCoordinator>,
    next_correlation_id: u64,
    next_producer_id: u64,
    /// Extra wait before each follower fetch (a slow or stalled follower).
    fetch_delay: SimDuration,
    /// Errors to answer the next requests of an API with (librdkafka mock-cluster style).
    scripted_errors: BTreeMap<String, VecDeque<ErrorCode>>,
}

impl Broker {
    /// Calls `each` with a copier for each of its parts (`World::clone_each_part`).
    #[allow(clippy::type_complexity)]
    pub(crate) fn clone_each_part(
        &self,
        each: &mut dyn FnMut(&str, &dyn Fn() -> Box<dyn std::any::Any>),
    ) {
        each("broker.replicas (whole)", &|| {
            Box::new(self.replicas.clone())
        });
        for replica in self.replicas.values() {
            each("broker.replica.log (whole)", &|| {
                Box::new(replica.log.clone())
            });
            each("broker.replica.log.records", &|| {
                Box::new(replica.log.records().clone())
            });
            each("broker.replica.producers", &|| {
                Box::new(replica.producers.clone())
            });
            each("broker.replica.leadership", &|| {
                Box::new(replica.leadership.clone())
            });
            each("broker.replica.state", &|| Box::new(replica.state.clone()));
        }
        each("broker.image", &|| Box::new(self.image.clone()));
        each("broker.fetchers", &|| Box::new(self.fetchers.clone()));
        each("broker.parked", &|| Box::new(self.parked.clone()));
        each("broker.purgatory", &|| Box::new(self.purgatory.clone()));
        each("broker.produce_timeouts", &|| {
            Box::new(self.produce_timeouts.clone())
        });
        each("broker.verifications", &|| {
            Box::new(self.verifications.clone())
        });
        each("broker.coordinator", &|| Box::new(self.coordinator.clone()));
        each("broker.coordinator_appends", &|| {
            Box::new(self.coordinator_appends.clone())
        });
        each("broker.transactions", &|| {
            Box::new(self.transactions.clone())
        });
        each("broker.config", &|| Box::new(self.config));
    }
    /// A broker that will register with the controller at `controller` when started;
    /// `directory` says where the other brokers are.
    pub(crate) fn new(
        id: BrokerId,
        controllers: Rc<Vec<NodeId>>,
        directory: Rc<BTreeMap<BrokerId, NodeId>>,
        config: BrokerConfig,
        racks: Rc<BTreeMap<BrokerId, String>>,
    ) -> Self {
        Broker {
            id,
            controllers,
            active_controller: 0,
            directory,
            config,
            rack: racks.get(&id).cloned(),
            racks,
            state: BrokerState::NotRunning,
            listening: false,
            next_heartbeat: SimTime::ZERO,
            registration: Default::default(),
            incarnation: 0,
            broker_epoch: None,
            image: MetadataImage::default(),
            metadata_fetch: None,
            replicas: PartitionMap::new(),
            fetchers: Fetchers::new(id),
            fetch_sessions: Default::default(),
            parked: Vec::new(),
            stirring: None,
            purgatory: Vec::new(),
            produce_timeouts: Alarm::default(),
            verifications: Default::default(),
            coordinator: GroupCoordinator::new(id, coordinator::group_settings(&config)),
            coordinator_appends: CoordinatorAppends::default(),
            transactions: Some(TxnCoordinator::new(
                id,
                txn_coordinator::txn_settings(&config),
            )),
            next_correlation_id: 0,
            next_producer_id: 0,
            fetch_delay: SimDuration::ZERO,
            scripted_errors: BTreeMap::new(),
        }
    }

    /// The configs it was started with.
    pub(crate) fn config(&self) -> BrokerConfig {
        self.config
    }

    /// Every broker's rack, as configured.
    pub(crate) fn racks(&self) -> &Rc<BTreeMap<BrokerId, String>> {
        &self.racks
    }

    /// A broker joined the cluster: where it is and its rack.
    pub(crate) fn learn_brokers(
        &mut self,
        directory: &Rc<BTreeMap<BrokerId, NodeId>>,
        racks: &Rc<BTreeMap<BrokerId, String>>,
    ) {
        self.directory = Rc::clone(directory);
        self.racks = Rc::clone(racks);
    }

    /// `log.retention.check.interval.ms`.
    pub(crate) fn log_retention_check_interval(&self) -> SimDuration {
        // Kafka's ConfigDef says atLeast(1); a zero interval would never let the world's
        // clock pass the next check.
        self.config
            .log_retention_check_interval
            .max(SimDuration::from_millis(1))
    }

    /// `log.cleaner.backoff.ms` (at least 1 ms here, so the world's clock moves on; Kafka's
    /// `atLeast(0)` lets its thread spin instead).
    pub(crate) fn log_cleaner_backoff(&self) -> SimDuration {
        self.config
            .log_cleaner_backoff
            .max(SimDuration::from_millis(1))
    }

    /// This broker's id.
    pub(crate) fn id(&self) -> BrokerId {
        self.id
    }

    /// `broker.rack`, if set.
    pub(crate) fn rack(&self) -> Option<&str> {
        self.rack.as_deref()
    }

    /// Its own view of its lifecycle.
    pub(crate) fn state(&self) -> BrokerState {
        self.state
    }

    /// The replicas it hosts.
    pub(crate) fn replicas(&self) -> &PartitionMap<Replica> {
        &self.replicas
    }

    /// `broker.heartbeat.interval.ms`: a broker silent for longer has missed a heartbeat.
    pub(crate) fn heartbeat_interval(&self) -> SimDuration {
        self.config.heartbeat_interval
    }

    /// The extra wait before each follower fetch.
    pub(crate) fn fetch_delay(&self) -> SimDuration {
        self.fetch_delay
    }

    /// Slows (or, with zero, restores) this broker's follower fetching. Restored, a fetch
    /// already waiting out the delay goes at once: a user who heals a slow follower sees it
    /// catch up now, not after the old delay.
    pub(crate) fn set_fetch_delay(&mut self, ctx: &mut Ctx<'_>, delay: SimDuration) {
        self.fetch_delay = delay;
        if delay == SimDuration::ZERO && self.state != BrokerState::NotRunning {
            self.end_delay_waits(ctx);
        }
    }

    /// Answers the next requests of `api` with `errors`, in order.
    pub(crate) fn push_errors(&mut self, api: &str, errors: &[ErrorCode]) {
        self.scripted_errors
            .entry(api.to_owned())
            .or_default()
            .extend(errors.iter().copied());
    }

    fn take_scripted_error(&mut self, api: &str) -> Option<ErrorCode> {
        self.scripted_errors.get_mut(api)?.pop_front()
    }

    fn next_correlation_id(&mut self) -> u64 {
        self.next_correlation_id += 1;
        self.next_correlation_id
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        self.state = BrokerState::Starting;
        self.incarnation += 1;
        self.fetch_sessions = fetch_session::FetchSessions::started(self.incarnation);
        self.register(ctx);
        ctx.set_timer(self.config.os_writeback_interval, Timer::OsWriteback);
        ctx.set_timer(
            SimDuration::from_micros(self.config.replica_lag_time_max.as_micros() / 2),
            Timer::IsrExpiration,
        );
        ctx.set_timer(crate::txn::TIMEOUT_CHECK_INTERVAL, Timer::TxnTimeoutCheck);
    }

    /// Memory is gone; logs stay, minus their unflushed tail after a power loss. Returns how
    /// many records each partition lost.
    pub(crate) fn on_crash(&mut self, kind: CrashKind) -> Vec<(TopicPartition, usize)> {
        self.state = BrokerState::NotRunning;
        self.listening = false;
        self.registration = Default::default();
        self.broker_epoch = None;
        self.image = MetadataImage::default();
        self.metadata_fetch = None;
        self.fetchers = Fetchers::new(self.id);
        self.fetch_sessions = Default::default();
        self.parked.clear();
        self.purgatory.clear();
        self.produce_timeouts = Alarm::default();
        self.verifications = Default::default();
        self.coordinator =
            GroupCoordinator::new(self.id, coordinator::group_settings(&self.config));
        self.coordinator_appends = CoordinatorAppends::default();
        self.transactions = Some(TxnCoordinator::new(
            self.id,
            txn_coordinator::txn_settings(&self.config),
        ));
        let mut lost = Vec::new();
        // The replicas' states go below: the new fetchers (above) have no followed partitions
        // kept, so the next `maybe_fetch` finds them again.
        for (tp, replica) in self.replicas.iter_mut() {
            replica.leadership = None;
            replica.state = None;
            if kind == CrashKind::PowerLoss {
                let count = replica.log.lose_unflushed();
                if count > 0 {
                    lost.push((tp.clone(), count));
                }
            }
        }
        lost
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        match message {
            Message::BrokerRegistrationResponse {
                correlation_id,
                error,
                broker_epoch,
                controller_hint,
            } => self.on_registration_response(
                ctx,
                correlation_id,
                error,
                broker_epoch,
                controller_hint,
            ),
            Message::BrokerHeartbeatResponse {
                error: ErrorCode::NotController,
                controller_hint,
                ..
            } => {
                // Straight to the active controller when the answer names it, as Kafka's
                // controller channel sends the heartbeat again; else the next one, at the next
                // heartbeat.
                self.follow_controller_hint(controller_hint);
                if controller_hint.is_some() {
                    self.heartbeat(ctx);
                    if self.metadata_fetch.is_some() {
                        // The fetch in flight went to a controller that will not answer.
                        self.fetch_metadata(ctx);
                    }
                }
            }
            Message::BrokerHeartbeatResponse {
                error,
                is_fenced,
                is_caught_up,
                should_shut_down,
                ..
            } => {
                let answer = (is_fenced, is_caught_up, should_shut_down);
                self.on_heartbeat_response(ctx, error, answer);
            }
            Message::MetadataFetchResponse(header, response)
                if self.metadata_fetch == Some(header.correlation_id) =>
            {
                self.on_metadata(ctx, response.offset, &response.records);
            }
            Message::AlterPartitionResponse { tp, error, state } => {
                self.on_alter_partition_response(ctx, &tp, error, state.map(|s| *s));
            }
            Message::Produce(header, request) => {
                self.handle_produce(ctx, (from, header.correlation_id), request);
            }
            Message::InitProducerId(header, request) => {
                let correlation_id = header.correlation_id;
                self.handle_init_producer_id(ctx, from, correlation_id, request.current);
            }
            // A consumer's fetch reads; a follower's moves the leader's HW.
            Message::Fetch(header, request) if request.replica_id.is_none() => self
                .without_led_writes(ctx, |broker, ctx| {
                    broker.handle_fetch(ctx, from, &header, request);
                }),
            Message::Fetch(header, request) => self.handle_fetch(ctx, from, &header, request),
            // Writes only the logs it follows from other leaders.
            Message::FetchResponse(header, response) => self.without_led_writes(ctx, |b, ctx| {
                b.on_fetch_response(ctx, from, header.correlation_id, response);
            }),
            Message::FindCoordinator(header, request) => self.handle_find_coordinator(
                ctx,
                from,
                header.correlation_id,
                request.key_type,
                &request.key,
            ),
            Message::ListOffsets(header, request) => self.handle_list_offsets(
                ctx,
                from,
                header.correlation_id,
                request.partitions,
                request.read_committed.0,
            ),
            Message::ShareFetch(header, request) => {
                self.handle_share_fetch(ctx, from, &header, &request, true);
            }
            Message::ShareAcknowledge(header, request) => {
                self.handle_share_fetch(ctx, from, &header, &request, false);
            }
            Message::Group(message) => self.handle_group_request(ctx, from, *message),
            Message::Txn(message) => self.handle_txn_message(ctx, from, *message),
            Message::Metadata(header) => {
                let partitions = self
                    .image
                    .partitions()
                    .map(|(tp, s)| (tp, s.clone()))
                    .collect();
                let topic_ids = (self.image.topics.iter())
                    .map(|(name, topic)| (Rc::clone(name), topic.topic_id.clone()))
                    .collect();
                let response = MetadataResponse {
                    partitions,
                    topic_ids,
                };
                let header = ResponseHeader::answering(&header);
                ctx.send(from, Message::MetadataResponse(header, response));
            }
            // The answer to a metadata fetch that timed out and was sent again: Kafka's
            // NetworkClient drops it as well.
            Message::MetadataFetchResponse { .. } => {}
            other => unreachable!(
                "broker {}: received {other:?}, which only controllers and clients are sent",
                self.id
            ),
        }
    }

    /// Runs `handle`, which writes no log this broker leads, and says so to the world
    /// (`Ctx::led_logs_untouched`); in debug builds, the led logs' count and write counts check
    /// it (a sum: a handler that moved leadership between two logs could pass unseen, and
    /// none of those wrapped touches leadership).
    fn without_led_writes(
        &mut self,
        ctx: &mut Ctx<'_>,
        handle: impl FnOnce(&mut Self, &mut Ctx<'_>),
    ) {
        let led = |broker: &Self| -> (usize, u64) {
            let led = broker.replicas.values().filter(|r| r.leadership.is_some());
            led.fold((0, 0), |(count, writes), r| {
                (count + 1, writes + r.log.writes())
            })
        };
        let before = cfg!(debug_assertions).then(|| led(self));
        handle(self, ctx);
        debug_assert!(
            before.is_none_or(|before| before == led(self)),
            "broker {}: a handler said to leave the logs it leads alone wrote one",
            self.id
        );
        ctx.led_logs_untouched();
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::BrokerHeartbeat if ctx.now() >= self.next_heartbeat => self.heartbeat(ctx),
            Timer::ShareLockExpiry { group, tp } => self.on_share_lock_expiry(ctx, &group, &tp),
            Timer::BrokerRegistrationRetry => self.on_registration_retry(ctx),
            Timer::BrokerRegistrationTimeout { correlation_id } => {
                self.on_registration_timeout(ctx, correlation_id);
            }
            Timer::MetadataFetchTimeout { correlation_id }
                if self.metadata_fetch == Some(correlation_id) =>
            {
                // No answer: perhaps that controller is down or no longer active.
                self.next_controller();
                self.fetch_metadata(ctx);
            }
            // Timeouts: each sends a request anew or answers one, and reads logs only.
            Timer::ReplicaFetchTimeouts => self.without_led_writes(ctx, |broker, ctx| {
                broker.on_replica_fetch_timeouts(ctx);
            }),
            Timer::ReplicaFetchBackoff { leader } => self.on_replica_fetch_backoff(ctx, leader),
            // A broker sets no client timeout of its own: the world fires this when the process
            // a fetch or a marker request went to died (Kafka's NetworkClient sees the
            // disconnect at once). It sends again later, and reads logs only.
            // A produce held for verification is appended then, but for what was not verified.
            Timer::ClientRequestTimeout { correlation_id } => {
                if !self.on_verification_reset(ctx, correlation_id) {
                    self.without_led_writes(ctx, |broker, ctx| {
                        if !broker.on_fetch_connection_reset(ctx, correlation_id) {
                            broker.on_txn_marker_connection_reset(ctx, correlation_id);
                        }
                    });
                }
            }
            Timer::ParkedFetchExpiry {
                from,
                correlation_id,
            } => self.without_led_writes(ctx, |broker, ctx| {
                broker.expire_parked_fetch(ctx, from, correlation_id);
            }),
            Timer::ProduceTimeouts => self.without_led_writes(ctx, |broker, ctx| {
                broker.expire_produces(ctx);
            }),
            Timer::TxnVerificationTimeouts => self.expire_verifications(ctx),
            Timer::IsrExpiration => {
                self.shrink_isrs(ctx);
                let half = self.config.replica_lag_time_max.as_micros() / 2;
                ctx.set_timer(SimDuration::from_micros(half), Timer::IsrExpiration);
            }
            Timer::OsWriteback => {
                for replica in self.replicas.values_mut() {
                    replica.log.flush();
                }
                ctx.set_timer(self.config.os_writeback_interval, Timer::OsWriteback);
            }
            timer @ (Timer::GroupJoinDeadline { .. }
            | Timer::GroupSessionCheck { .. }
            | Timer::GroupRebalanceTimeout { .. }
            | Timer::CoordinatorAppendTimeout { .. }) => self.on_group_timer(ctx, timer),
            timer @ (Timer::TxnMarkerRetry { .. }
            | Timer::TxnMarkerTimeout { .. }
            | Timer::TxnTimeoutCheck) => self.on_txn_timer(ctx, timer),
            // Stale: the metadata fetch it timed out was answered meanwhile, or a sooner
            // heartbeat was sent instead.
            Timer::MetadataFetchTimeout { .. } | Timer::BrokerHeartbeat => {}
            other => unreachable!(
                "broker {}: fired {other:?}, a timer brokers never set",
                self.id
            ),
        }
    }

    /// Starts controlled shutdown: the next heartbeats ask the controller to move leadership.
    pub(crate) fn begin_controlled_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        if self.broker_epoch.is_some() {
            self.state = BrokerState::PendingControlledShutdown;
            self.heartbeat(ctx);
        } else {
            ctx.stop_self();
        }
    }

    /// The controller this broker sends to.
    fn controller(&self) -> NodeId {
        self.controllers[self.active_controller % self.controllers.len()]
    }

    /// Tries the next controller of the quorum.
    fn next_controller(&mut self) {
        self.active_controller = (self.active_controller + 1) % self.controllers.len();
    }

    /// Moves to the controller a NOT_CONTROLLER answer names, or else to the next one.
    fn follow_controller_hint(&mut self, controller_hint: Option<u32>) {
        match controller_hint {
            Some(id) => self.active_controller = id.saturating_sub(1) as usize,
            None => self.next_controller(),
        }
    }

    /// Whether its listeners accept connections yet.
    pub(crate) fn listening(&self) -> bool {
        self.listening
    }

    fn heartbeat(&mut self, ctx: &mut Ctx<'_>) {
        let Some(broker_epoch) = self.broker_epoch else {
            return;
        };
        let want_shut_down = self.state == BrokerState::PendingControlledShutdown;
        let request = Message::BrokerHeartbeat {
            broker_id: self.id,
            broker_epoch,
            metadata_offset: self.image.offset,
            want_fence: self.state == BrokerState::Starting,
            want_shut_down,
        };
        ctx.send(self.controller(), request);
        // A shutting-down broker asks again soon, as Kafka's lifecycle manager does.
        let next = if want_shut_down {
            SimDuration::from_millis(100)
        } else {
            self.config.heartbeat_interval
        };
        self.heartbeat_in(ctx, next);
    }

    fn heartbeat_in(&mut self, ctx: &mut Ctx<'_>, delay: SimDuration) {
        self.next_heartbeat = ctx.now() + delay;
        ctx.set_timer(delay, Timer::BrokerHeartbeat);
    }

    /// Kafka's `BrokerLifecycleManager`: STARTING until the controller says it has caught up,
    /// then RECOVERY (it has no log recovery to wait for, so it asks to be unfenced at once),
    /// then RUNNING once unfenced, when its listeners open. A running broker that the
    /// controller fenced meanwhile stays RUNNING, as in Kafka: its next heartbeat, caught up
    /// and not wanting to be fenced, unfences it again.
    fn on_heartbeat_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        error: ErrorCode,
        (is_fenced, is_caught_up, should_shut_down): (bool, bool, bool),
    ) {
        if error != ErrorCode::None || self.broker_epoch.is_none() {
            // A heartbeat from before a re-registration (or of the process before a restart):
            // the current registration decides.
            return;
        }
        match self.state {
            BrokerState::PendingControlledShutdown if should_shut_down => {
                ctx.emit(EventKind::BrokerShutDown { broker: self.id });
                ctx.stop_self();
            }
            BrokerState::Starting if is_caught_up => {
                self.state = BrokerState::Recovery;
                self.heartbeat(ctx);
            }
            // Kafka asks again after 10 ms, "so that we start up a bit quicker".
            BrokerState::Starting => self.heartbeat_in(ctx, SimDuration::from_millis(10)),
            BrokerState::Recovery if !is_fenced => {
                self.state = BrokerState::Running;
                self.listening = true;
            }
            BrokerState::Recovery
            | BrokerState::Running
            | BrokerState::PendingControlledShutdown => {}
            BrokerState::NotRunning => {
                unreachable!("broker {}: a heartbeat answered while not running", self.id)
            }
        }
    }

    fn fetch_metadata(&mut self, ctx: &mut Ctx<'_>) {
        let correlation_id = self.next_correlation_id();
        self.metadata_fetch = Some(correlation_id);
        // KRaft's Fetch of `__cluster_metadata`, from the broker's raft client.
        let client_id = Rc::from(format!("raft-client-{}", self.id));
        let header = RequestHeader::new(ApiKey::Fetch, correlation_id, client_id);
        let request = MetadataFetchRequest {
            offset: self.image.offset,
        };
        ctx.send(self.controller(), Message::MetadataFetch(header, request));
        let timeout = self.config.controller_request_timeout + SimDuration::from_millis(500);
        ctx.set_timer(timeout, Timer::MetadataFetchTimeout { correlation_id });
    }

    fn on_metadata(&mut self, ctx: &mut Ctx<'_>, offset: u64, records: &[Rc<MetadataRecord>]) {
        if self.metadata_fetch.is_none() || self.broker_epoch.is_none() {
            return;
        }
        if offset == self.image.offset && !records.is_empty() {
            let mut deleted = Vec::new();
            for record in records {
                if let MetadataRecord::RemoveTopic { name } = &**record
                    && let Some(topic) = self.image.topics.get(&**name)
                {
                    let count = topic.partitions.len() as u32;
                    deleted.extend((0..count).map(|p| TopicPartition::new(name, p)));
                }
                self.image.apply(record);
            }
            self.apply_partition_changes(ctx);
            if !deleted.is_empty() {
                self.on_partitions_deleted(ctx, &deleted);
            }
        }
        self.fetch_metadata(ctx);
    }

    /// Brings every hosted replica in line with the metadata image: become leader, follower,
    /// or drop the replica of a deleted topic.
    fn apply_partition_changes(&mut self, ctx: &mut Ctx<'_>) {
        // Replicas come and go, and their leaders change, from here to the `retain` below,
        // after which the followed partitions are forgotten again: nothing in between fetches,
        // so this first forgetting only keeps a fetch added there from using the old list.
        self.fetchers.forget_followed();
        self.remove_stray_replicas(ctx);
        let me = self.id;
        let now = ctx.now();
        let hosted: Vec<_> = self
            .image
            .partitions()
            .filter(|(_, state)| state.replicas.contains(&me))
            .map(|(tp, state)| (tp, state.clone()))
            .collect();
        for (tp, state) in &hosted {
            let topic = &self.image.topics[&tp.topic];
            let config = &topic.config;
            let replica = self.replicas.get_or_default(tp);
            if replica.topic_id.is_empty() {
                replica.topic_id = topic.topic_id.clone();
            }
            replica.min_insync_replicas = config.min_insync_replicas;
            replica.roll = config.roll();
            replica.retention = config.retention();
            // The internal topics are compacted in Kafka; here their coordinators' state is
            // replayed from whole logs, so their cleaner does not run (a simplification).
            replica.compaction = if crate::topic::is_internal(&tp.topic) {
                None
            } else {
                config.compaction()
            };
            replica.state = Some(state.clone());
            let leading_epoch = replica.leadership.as_ref().map(|l| l.leader_epoch);
            if state.leader == Some(me) {
                if leading_epoch != Some(state.leader_epoch) {
                    replica.become_leader(me, state, now);
                } else if let Some(leadership) = &mut replica.leadership
                    && state.partition_epoch > leadership.partition_epoch
                {
                    leadership.isr = state.isr.clone();
                    leadership.partition_epoch = state.partition_epoch;
                    leadership.pending_isr = None;
                }
                replica.sync_followers(me, &state.replicas);
            } else {
                replica.leadership = None;
            }
        }
        let kept: Vec<TopicPartition> = hosted.into_iter().map(|(tp, _)| tp).collect();
        let dropped: Vec<TopicPartition> = self
            .replicas
            .keys()
            .filter(|tp| !kept.contains(tp))
            .cloned()
            .collect();
        self.replicas.retain(|tp, _| kept.contains(tp));
        self.fetchers.forget_followed();
        // Every one changed before the first wakes: a parked fetch woken by one reads them
        // all.
        for tp in dropped.iter().chain(&kept) {
            self.stir_parked(tp);
        }
        // Fetches waiting on a partition this broker no longer hosts get their error now, and
        // so do produces waiting on one a reassignment moved away (its log is deleted).
        for tp in dropped {
            self.wake_parked(ctx, &tp);
            if self.image.topics.contains_key(&tp.topic) {
                self.complete_delayed_produces(ctx, &tp);
            }
        }
        // Waiting produces of partitions led elsewhere now fail with NOT_LEADER_OR_FOLLOWER.
        for tp in kept {
            self.after_leader_progress(ctx, &tp);
        }
        self.update_coordinated_partitions(ctx);
        self.update_transaction_partitions(ctx);
        self.maybe_fetch(ctx);
    }

    /// Removes the replicas whose log belongs to an earlier topic of the same name: one deleted
    /// and created again while this broker was down, or between two of its metadata fetches, so
    /// that it never saw the topic gone. Kafka tells them apart by the topic id in the log's
    /// `partition.metadata` (`LogManager.isStrayKraftReplica` on restart, the topics delta's
    /// deleted ids while running); kept, the old records would pass for the new topic's. What
    /// waited on the old log fails as it does for a replica moved away.
    /// Those the new topic does not place here go as any deleted topic's replica does.
    fn remove_stray_replicas(&mut self, ctx: &mut Ctx<'_>) {
        let (image, me) = (&self.image, self.id);
        let stray: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(tp, replica)| {
                image.topics.get(&tp.topic).is_some_and(|topic| {
                    let placed_here = (topic.partitions.get(tp.partition as usize))
                        .is_some_and(|s| s.replicas.contains(&me));
                    topic.topic_id != replica.topic_id && placed_here
                })
            })
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in stray {
            let replica = self.replicas.remove(&tp).expect("listed above");
            let records = replica.log.records().len();
            // A log that never had a record: its removal changes nothing anyone sees.
            if replica.log.log_end_offset() > 0 {
                ctx.emit(EventKind::StrayLogRemoved {
                    broker: me,
                    tp: tp.clone(),
                    topic_id: replica.topic_id.to_string(),
                    records,
                });
            }
            self.wake_parked(ctx, &tp);
            self.complete_delayed_produces(ctx, &tp);
        }
    }

    fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        error: ErrorCode,
        state: Option<crate::metadata::PartitionState>,
    ) {
        if error == ErrorCode::NotController {
            self.next_controller();
        }
        let Some(leadership) = self.leadership_mut(tp) else {
            return;
        };
        leadership.pending_isr = None;
        if let (ErrorCode::None, Some(state)) = (error, state)
            && state.leader_epoch == leadership.leader_epoch
            && state.partition_epoch > leadership.partition_epoch
        {
            leadership.isr = state.isr;
            leadership.partition_epoch = state.partition_epoch;
        }
        self.after_leader_progress(ctx, tp);
    }

    /// The leader's periodic ISR check (every `replica.lag.time.max.ms` / 2).
    fn shrink_isrs(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let max_lag = self.config.replica_lag_time_max;
        let mut proposals = Vec::new();
        for (tp, replica) in self.replicas.iter_mut() {
            let out = replica.out_of_sync_followers(now, max_lag);
            let Some(leadership) = &mut replica.leadership else {
                continue;
            };
            // An AlterPartition that got no answer is given up after the lag time.
            if leadership
                .pending_isr
                .as_ref()
                .is_some_and(|(_, sent)| now.since(*sent) > max_lag)
            {
                leadership.pending_isr = None;
                leadership.progress_owed = true;
            }
            if out.is_empty() || leadership.pending_isr.is_some() {
                continue;
            }
            let new_isr: Vec<BrokerId> = leadership
                .isr
                .iter()
                .copied()
                .filter(|b| !out.contains(b))
                .collect();
            proposals.push((tp.clone(), new_isr));
        }
        for (tp, new_isr) in proposals {
            self.propose_isr(ctx, &tp, new_isr);
        }
    }

    fn leadership_mut(&mut self, tp: &TopicPartition) -> Option<&mut Leadership> {
        self.replicas.get_mut(tp)?.leadership.as_mut()
    }

    /// Sends AlterPartition for a new ISR and remembers it as pending.
    fn propose_isr(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition, new_isr: Vec<BrokerId>) {
        let (me, controller) = (self.id, self.controller());
        let Some(leadership) = self.leadership_mut(tp) else {
            return;
        };
        leadership.pending_isr = Some((new_isr.clone(), ctx.now()));
        let request = Message::AlterPartition {
            tp: tp.clone(),
            leader_id: me,
            leader_epoch: leadership.leader_epoch,
            partition_epoch: leadership.partition_epoch,
            new_isr,
        };
        ctx.send(controller, request);
    }
}
