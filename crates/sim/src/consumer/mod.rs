//! Kafka's consumer client with the application's poll loop around it, modelled on the Java
//! `KafkaConsumer` with the classic group protocol (`ConsumerCoordinator`): the application
//! calls `poll()`, processes what it got (`app.processing.ms` per record) and polls again; a
//! heartbeat thread keeps the group session alive independently. Joining a group happens inside
//! `poll()`, so an application busy processing delays a rebalance for everyone, up to
//! `max.poll.interval.ms`, after which the consumer leaves the group on its own.
//!
//! `membership.rs` is the group side (FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
//! LeaveGroup); `fetcher.rs` is positions, fetching and commits.

mod config;
mod consumer_membership;
mod fetcher;
mod membership;
mod offsets;
mod processor;
mod reprocessed;

pub use crate::protocol::GroupProtocol;
pub use config::{AppCommit, ConsumerConfig, OffsetReset, assignor_from_name, assignor_name};
pub(crate) use consumer_membership::kafka_uuid;
pub use offsets::ExplicitOffset;
pub(crate) use processor::SOURCE_HEADER;
pub use processor::{ForwardStep, Forwarder};

use crate::alarm::Alarm;
use crate::chunked::Chunked;
use crate::client::{Bootstrap, ClientMetadata, ConsumedRecord, Operation, Outcome, Request};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::in_flight_requests::InFlightRequests;
use crate::net::NodeId;
use crate::node::{Connection, Ctx, Timer};
use crate::protocol::{
    BrokerId, GroupMessage, GroupRequest, GroupResponse, Message, Record, ResponseHeader,
    TopicPartition,
};
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// Polls one application may complete at a single instant of virtual time.
const MAX_POLLS_PER_INSTANT: usize = 1_000;

/// What the consumer reads: topics through a group, or partitions it assigned itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Subscription {
    /// `subscribe(topics)`: the group assigns partitions.
    Topics(Vec<String>),
    /// `assign(partitions)`: no group management.
    Partitions(Vec<TopicPartition>),
}

/// Where the consumer is in the group protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MemberState {
    /// Not in a generation (never joined, left, or fenced out).
    Unjoined,
    /// JoinGroup sent, or about to be.
    Joining,
    /// SyncGroup sent.
    Syncing,
    /// A member of the current generation.
    Stable,
}

/// What the application is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AppState {
    /// Inside `poll()`, which returns when records arrive or at `until`.
    Polling {
        /// When `poll(timeout)` gives up and returns nothing.
        until: SimTime,
    },
    /// `commitSync()` waiting for the coordinator, then `then`.
    Committing {
        /// The commit operation being waited for.
        operation: usize,
        /// Whether processing of the polled batch comes next (commit before processing).
        then_process: Option<usize>,
    },
    /// Processing the records of a poll until `until`.
    Processing {
        /// The poll operation whose records are being processed.
        operation: usize,
        /// When processing ends.
        until: SimTime,
    },
    /// `initTransactions()` of the application's producer, before the first poll.
    InitTransactions {
        /// The producer's operation.
        operation: usize,
    },
    /// Sending the polled records on and committing (`processor.rs`).
    Forwarding {
        /// The poll whose records are forwarded.
        operation: usize,
        /// What it waits for.
        step: ForwardStep,
    },
    /// The application stopped on an exception it cannot handle (a fenced producer, a send
    /// at-least-once forwarding could not complete).
    Failed {
        /// The exception.
        reason: String,
    },
    /// Stalled: the application thread is stuck (a long GC pause, a blocking call); when it
    /// resumes it carries on with what it was doing.
    Stalled {
        /// What it was doing.
        was: Box<AppState>,
        /// When it stalled.
        since: SimTime,
    },
}

/// A partition the consumer owns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OwnedPartition {
    /// The next offset to return from `poll()`; unknown until committed offsets are fetched
    /// or the reset policy decides.
    pub position: Option<u64>,
    /// The last offset this consumer committed (or fetched as committed).
    pub committed: Option<u64>,
    /// The high watermark the last fetch reported (for lag).
    pub high_watermark: Option<u64>,
    /// Set when `auto.offset.reset=none` found no committed offset (no position) or the
    /// position out of range (kept, as Java keeps it): nothing is fetched until a seek.
    pub reset_failed: bool,
    /// `pause()`d: not fetched, nothing of it returned by `poll()`; dropped with the
    /// partition when it is revoked.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
    /// Being revoked (`group.protocol=consumer`, waiting for the rebalance listener's
    /// `poll()`): not fetched, nothing of it returned, as Java's `markPendingRevocation`.
    #[serde(skip)]
    pub pending_revocation: bool,
    /// `seekToBeginning` (-2) or `seekToEnd` (-1) asked, resolved by ListOffsets at the next
    /// poll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_reset: Option<i64>,
    /// The follower the leader pointed this consumer at (KIP-392), if any.
    pub preferred_replica: Option<BrokerId>,
    /// No fetch for it before this: after an error that sends the consumer back to the
    /// metadata, `retry.backoff.ms` (Java waits for the metadata update, which backs off).
    #[serde(skip)]
    pub fetch_not_before: SimTime,
}

/// A request in flight, by correlation id.
#[derive(Clone, Debug)]
enum InFlight {
    Metadata,
    FindCoordinator,
    Join,
    Sync,
    /// Sent in this generation: an error about an older one is stale.
    Heartbeat {
        generation: i32,
    },
    Leave,
    Commit {
        operation: usize,
        sync: bool,
        offsets: Vec<(TopicPartition, u64)>,
    },
    OffsetFetch,
    ListOffsets {
        partitions: Vec<TopicPartition>,
        timestamp: i64,
    },
    /// The OffsetFetch of a `committed()` call.
    Committed {
        query: u64,
    },
    /// The ListOffsets of an `offsetsForTimes()` call.
    OffsetsForTimes {
        query: u64,
    },
    Fetch {
        broker: BrokerId,
        /// The fetch offset of each partition asked: an answer about an offset the consumer
        /// has since moved away from (a `seek`) is stale.
        offsets: Vec<(TopicPartition, u64)>,
    },
}

/// A consumer node.
#[derive(Clone, Debug)]
pub struct Consumer {
    name: Rc<str>,
    config: ConsumerConfig,
    subscription: Subscription,
    bootstrap: Bootstrap,
    /// Its backoff is `Metadata.timeToAllowUpdate`'s: exponential after the last answer.
    metadata: ClientMetadata,
    /// When the last answer came (`metadata.max.age.ms` counts from it).
    metadata_at: SimTime,
    /// Answers in a row that brought no newer leader epoch (`Metadata.equivalentResponseCount`):
    /// each doubles the wait before the next request, up to `retry.backoff.max.ms`.
    metadata_equivalent: u32,
    coordinator: Option<BrokerId>,
    /// No FindCoordinator before this (the exponential backoff after a failure).
    coordinator_not_before: SimTime,
    /// Failed coordinator discoveries in a row (`AbstractCoordinator.ensureCoordinatorReady`'s
    /// attempts): each doubles the wait before the next, up to `retry.backoff.max.ms`.
    coordinator_attempts: u32,
    member_id: String,
    generation: i32,
    /// What `consumer.groupMetadata()` returns: the generation and member id of the last
    /// completed join. Java updates it only in `onJoinComplete`, so a member the group has
    /// moved on from still sends its old generation with its transaction's offsets, and the
    /// coordinator fences them; the live `generation` may already read -1.
    group_metadata: (i32, String),
    member: MemberState,
    /// The next `poll()` must (re)join.
    rejoin: bool,
    is_leader: bool,
    /// The partition counts the leader assigned with, to notice new partitions.
    assigned_counts: BTreeMap<String, u32>,
    next_heartbeat: SimTime,
    /// What the sticky assignors remember across an eager revocation.
    last_assignment: Vec<TopicPartition>,
    owned: BTreeMap<TopicPartition, OwnedPartition>,
    /// Fetched records per partition, each with whether `poll()` returns it (markers and, for
    /// read_committed, aborted records only move the position past them).
    buffer: BTreeMap<TopicPartition, VecDeque<(Record, bool)>>,
    in_flight: InFlightRequests<InFlight>,
    app: AppState,
    last_poll: SimTime,
    next_auto_commit: SimTime,
    /// The wake-up timers set and not yet gone off: one pump for every deadline of the
    /// application, the membership and the fetches.
    wakeups: Alarm,
    history: Chunked<Operation>,
    /// What the application finished processing across the whole history.
    reprocessed: reprocessed::Reprocessed,
    /// A `commitSync()` waiting for the coordinator to be found.
    retry_commit: Option<usize>,
    /// `commitSync()` calls to send again at these times, after a retriable error.
    commit_backoff: Vec<(usize, SimTime)>,
    /// Whether the current `poll()` has thrown NoOffsetForPartitionException already.
    no_offset_thrown: bool,
    /// `position()`, `committed()` and `offsetsForTimes()` calls waiting for their answer.
    queries: Vec<offsets::Query>,
    next_query_id: u64,
    /// What those calls answered, the newest few.
    answers: VecDeque<String>,
    /// No OffsetFetch before this (after an error, `retry.backoff.ms`).
    offset_fetch_not_before: SimTime,
    /// The process was told to close: it left and stays stopped.
    closed: bool,
    /// The application's producer (`app.forward.topic`).
    forward: Option<Box<Forwarder>>,
    /// Its sends for the records of the poll being processed, in record order.
    forward_sends: Vec<usize>,
    /// With `group.protocol=consumer`: the heartbeat's and reconciliation's state.
    heartbeat: consumer_membership::ConsumerMembership,
    /// Where `deliver` gathers a poll's records, kept between polls so that a poll of up to
    /// `max.poll.records` grows no vector: its records are moved once, into the history.
    /// Empty between polls.
    poll_scratch: Vec<ConsumedRecord>,
}

impl Consumer {
    /// A broker joined the cluster (its application's producer learns of it too).
    pub(crate) fn learn_brokers(&mut self, directory: &Rc<BTreeMap<BrokerId, NodeId>>) {
        self.bootstrap.learn(directory);
        if let Some(forward) = self.forward.as_mut() {
            forward.producer.learn_brokers(directory);
        }
    }

    /// How many fetched records it holds for `poll()`: a copy of the world holds them alone
    /// (the busy cluster's three consumers, half a copy).
    pub(crate) fn buffered_records(&self) -> usize {
        self.buffer.values().map(VecDeque::len).sum()
    }

    /// A consumer that bootstraps from the brokers in `directory`.
    pub fn new(
        name: &str,
        config: ConsumerConfig,
        subscription: Subscription,
        directory: Rc<BTreeMap<BrokerId, NodeId>>,
    ) -> Self {
        // assign() takes effect at once; subscribe() waits for the group.
        let owned = match &subscription {
            Subscription::Partitions(partitions) => partitions
                .iter()
                .map(|tp| (tp.clone(), OwnedPartition::default()))
                .collect_map(),
            Subscription::Topics(_) => BTreeMap::new(),
        };
        let mut consumer = Consumer {
            name: Rc::from(name),
            config,
            subscription,
            bootstrap: Bootstrap::new(directory),
            metadata: ClientMetadata::default(),
            metadata_at: SimTime::ZERO,
            metadata_equivalent: 0,
            coordinator: None,
            coordinator_not_before: SimTime::ZERO,
            coordinator_attempts: 0,
            member_id: String::new(),
            generation: -1,
            group_metadata: (-1, String::new()),
            member: MemberState::Unjoined,
            rejoin: true,
            is_leader: false,
            assigned_counts: BTreeMap::new(),
            next_heartbeat: SimTime::ZERO,
            last_assignment: Vec::new(),
            owned,
            buffer: BTreeMap::new(),
            in_flight: InFlightRequests::on(Connection::Main),
            app: AppState::Polling {
                until: SimTime::ZERO,
            },
            last_poll: SimTime::ZERO,
            next_auto_commit: SimTime::ZERO,
            wakeups: Alarm::default(),
            history: Chunked::new(),
            reprocessed: Default::default(),
            retry_commit: None,
            commit_backoff: Vec::new(),
            no_offset_thrown: false,
            queries: Vec::new(),
            next_query_id: 0,
            answers: VecDeque::new(),
            offset_fetch_not_before: SimTime::ZERO,
            closed: false,
            forward: None,
            forward_sends: Vec::new(),
            heartbeat: Default::default(),
            poll_scratch: Vec::new(),
        };
        consumer.forward = Forwarder::new(&consumer);
        consumer
    }

    /// Its name (`client.id`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the application last called `poll()`: `max.poll.interval.ms` counts from here.
    pub fn last_poll(&self) -> SimTime {
        self.last_poll
    }

    /// Its configuration.
    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// What it reads.
    pub fn subscription(&self) -> &Subscription {
        &self.subscription
    }

    /// Its group protocol state: member id, generation, state, leader or not.
    pub fn membership(&self) -> (&str, i32, MemberState, bool) {
        (
            &self.member_id,
            self.generation,
            self.member,
            self.is_leader,
        )
    }

    /// The partitions it owns, with positions.
    pub fn owned(&self) -> &BTreeMap<TopicPartition, OwnedPartition> {
        &self.owned
    }

    /// What the application is doing.
    pub fn app(&self) -> &AppState {
        &self.app
    }

    /// The coordinator it talks to, once found.
    pub fn coordinator(&self) -> Option<BrokerId> {
        self.coordinator
    }

    /// Every poll that returned records and every commit, with outcomes.
    pub fn history(&self) -> &Chunked<Operation> {
        &self.history
    }

    /// Records its application finished processing more than once, over its whole history.
    pub fn reprocessed(&self) -> usize {
        self.reprocessed.count()
    }

    /// Whether it was closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn group(&self) -> Option<&str> {
        match self.subscription {
            Subscription::Topics(_) => self.config.group_id.as_deref(),
            Subscription::Partitions(_) => None,
        }
    }

    /// Sends a request to a broker with a `request.timeout.ms` timer.
    fn request<M: Into<Message>>(
        &mut self,
        ctx: &mut Ctx<'_>,
        broker: BrokerId,
        kind: InFlight,
        build: impl FnOnce(u64) -> M,
    ) -> bool {
        let timeout = self.config.request_timeout;
        self.in_flight
            .send_to(ctx, &self.bootstrap, broker, timeout, kind, build)
    }

    /// Sends a group request to the coordinator `broker`, with this consumer's header.
    fn group_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        broker: BrokerId,
        kind: InFlight,
        body: GroupRequest,
    ) -> bool {
        let client_id = Rc::clone(&self.name);
        self.request(ctx, broker, kind, |correlation_id| {
            GroupMessage::request(correlation_id, client_id, body)
        })
    }

    /// Sends a request any broker can answer, to the next bootstrap broker.
    fn request_any(
        &mut self,
        ctx: &mut Ctx<'_>,
        kind: InFlight,
        build: impl FnOnce(u64) -> Message,
    ) {
        let timeout = self.config.request_timeout;
        self.in_flight
            .send_any(ctx, &mut self.bootstrap, timeout, kind, build);
    }

    fn has_in_flight(&self, matches: impl Fn(&InFlight) -> bool) -> bool {
        self.in_flight.values().any(matches)
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if self.closed {
            return;
        }
        self.start_application(ctx);
        self.pump(ctx);
    }

    /// The process died: memory is gone, the records being processed were never finished.
    pub(crate) fn on_crash(&mut self, now: SimTime) {
        self.record_interrupted_processing(now);
        let history = std::mem::take(&mut self.history);
        let reprocessed = std::mem::take(&mut self.reprocessed);
        let closed = self.closed;
        // The application's producer dies with the process; its history goes on.
        let mut forward = self.forward.take();
        if let Some(forward) = forward.as_mut() {
            forward.producer.on_crash(now);
        }
        let mut in_flight = std::mem::take(&mut self.in_flight);
        in_flight.abandon();
        *self = Consumer::new(
            &self.name,
            self.config.clone(),
            self.subscription.clone(),
            self.bootstrap.directory(),
        );
        // Ids stay unique across the node's processes (`InFlightRequests::abandon`).
        self.in_flight = in_flight;
        self.history = history;
        self.reprocessed = reprocessed;
        self.closed = closed;
        if forward.is_some() {
            self.forward = forward;
        }
    }

    /// The records of the batch being processed that were finished when the process died.
    fn record_interrupted_processing(&mut self, now: SimTime) {
        let (operation, until, at) = match &self.app {
            AppState::Processing { operation, until } => (*operation, *until, now),
            AppState::Stalled { was, since } => match **was {
                AppState::Processing { operation, until } => (operation, until, *since),
                _ => return,
            },
            _ => return,
        };
        let count = self.polled_count(operation);
        let done = (0..count)
            .take_while(|&i| self.record_done_at(i, count, until) <= at)
            .count();
        if let Outcome::Polled {
            partly_processed, ..
        } = &mut self.history[operation].outcome
        {
            *partly_processed = done;
        }
        let outcome = &self.history[operation].outcome;
        self.reprocessed.processed(outcome.processed_records());
    }

    /// A stalled application carries on: processing resumes for what was left of it, a
    /// poll or commit in progress starts over.
    pub fn resume(&mut self, ctx: &mut Ctx<'_>) {
        let AppState::Stalled { was, since } = self.app.clone() else {
            return;
        };
        match *was {
            AppState::Processing { operation, until } => {
                let left = until - since;
                self.app = AppState::Processing {
                    operation,
                    until: ctx.now() + left,
                };
            }
            AppState::Committing {
                operation,
                then_process,
            } => {
                if self.history[operation].completed_at.is_some() {
                    self.after_commit(ctx, then_process);
                } else {
                    self.app = AppState::Committing {
                        operation,
                        then_process,
                    };
                }
            }
            state @ (AppState::InitTransactions { .. }
            | AppState::Forwarding { .. }
            | AppState::Failed { .. }) => self.app = state,
            _ => self.start_poll(ctx),
        }
        self.pump(ctx);
    }

    /// The application thread stops (the heartbeat thread goes on).
    pub fn stall(&mut self, ctx: &mut Ctx<'_>) {
        if !self.is_stalled() {
            self.app = AppState::Stalled {
                was: Box::new(self.app.clone()),
                since: ctx.now(),
            };
        }
        self.pump(ctx);
    }

    /// Whether the application thread is stuck.
    pub fn is_stalled(&self) -> bool {
        matches!(self.app, AppState::Stalled { .. })
    }

    /// `close()`: commits (with auto commit), leaves the group, and stops.
    pub fn close(&mut self, ctx: &mut Ctx<'_>) {
        if self.config.enable_auto_commit {
            self.commit(ctx, "auto", false);
        }
        self.leave_group(ctx, "the consumer was closed");
        self.closed = true;
    }

    /// `commitSync()` by hand.
    pub fn commit_sync(&mut self, ctx: &mut Ctx<'_>) -> Option<usize> {
        // Like poll(), a call of its own: its coordinator lookups start from the first backoff.
        self.coordinator_attempts = 0;
        let operation = self.commit(ctx, "sync", true);
        self.pump(ctx);
        operation
    }

    /// `commitAsync()` by hand.
    pub fn commit_async(&mut self, ctx: &mut Ctx<'_>) -> Option<usize> {
        let operation = self.commit(ctx, "async", false);
        self.pump(ctx);
        operation
    }

    /// The application enters `poll()`: auto commit of what the previous poll returned, if due.
    fn start_poll(&mut self, ctx: &mut Ctx<'_>) {
        self.app = AppState::Polling {
            until: ctx.now() + self.config.poll_timeout,
        };
        self.last_poll = ctx.now();
        if self.config.enable_auto_commit && ctx.now() >= self.next_auto_commit {
            self.next_auto_commit = ctx.now() + self.config.auto_commit_interval;
            self.commit(ctx, "auto", false);
        }
        self.no_offset_thrown = false;
        // Each poll() looks for the coordinator afresh (ensureCoordinatorReady's attempts are a
        // local of the call).
        self.coordinator_attempts = 0;
        self.throw_no_offset(ctx);
    }

    /// Does whatever can be done now, then sets a timer for the next thing due.
    fn pump(&mut self, ctx: &mut Ctx<'_>) {
        if self.closed {
            return;
        }
        let now = ctx.now();
        let expired = now >= self.metadata_at + self.config.metadata_max_age;
        if expired {
            // Metadata.timeToAllowUpdate: a periodic refresh is not a retry, so the count of
            // equivalent answers starts again and a leader change found later is not slowed
            // by answers from minutes ago.
            self.metadata_equivalent = 0;
        }
        if (self.metadata.is_stale() || expired)
            && self.metadata.backoff_over(now)
            && !self.has_in_flight(|f| matches!(f, InFlight::Metadata))
        {
            let client_id = Rc::clone(&self.name);
            self.request_any(ctx, InFlight::Metadata, |correlation_id| {
                Message::metadata(correlation_id, client_id)
            });
        }
        self.expire_waiting_commit(ctx);
        self.pump_membership(ctx);
        self.pump_positions(ctx);
        self.pump_queries(ctx);
        self.pump_fetches(ctx);
        self.pump_app(ctx);
        if self.consumer_protocol() && self.rejoins_in_this_poll() {
            // A member waiting for poll() to rejoin (its onPartitionsLost callback runs there)
            // joins in the poll the application has just begun, as Java's background thread
            // heartbeats once the callback completes, not when that poll times out.
            self.pump_membership(ctx);
        }
        self.arm_wakeup(ctx);
    }

    fn pump_app(&mut self, ctx: &mut Ctx<'_>) {
        // With no processing time, several polls happen at one instant: go on while the
        // application can (each round consumes buffered records or moves to waiting).
        for _ in 0..MAX_POLLS_PER_INSTANT {
            let now = ctx.now();
            match self.app.clone() {
                AppState::Polling { until } => {
                    if self.config.rebalance_listener && self.consumer_protocol() {
                        // The listener's onPartitionsRevoked runs first in poll().
                        self.continue_reconciling(ctx);
                    }
                    if let Some(operation) = self.deliver(ctx) {
                        self.after_poll(ctx, operation);
                        continue;
                    }
                    if now >= until {
                        // poll() returned nothing; the loop calls it again.
                        self.start_poll(ctx);
                    }
                    return;
                }
                AppState::InitTransactions { operation } => {
                    match self.producer_outcome(operation) {
                        None => return,
                        Some(Outcome::Done) => self.start_poll(ctx),
                        Some(outcome) => {
                            let reason = match outcome {
                                Outcome::Exception { message } => message,
                                other => format!("initTransactions() ended with {other:?}"),
                            };
                            self.app = AppState::Failed { reason };
                            return;
                        }
                    }
                }
                AppState::Forwarding { operation, step } => {
                    if !self.advance_forwarding(ctx, operation, step) {
                        return;
                    }
                }
                AppState::Processing { operation, until } if self.forward.is_some() => {
                    self.forward_due(ctx, operation, until);
                    if now < until {
                        return;
                    }
                    self.finish_processing(now, operation);
                    self.forward_records(ctx, operation);
                }
                AppState::Processing { operation, until } if now >= until => {
                    self.finish_processing(now, operation);
                    self.after_processing(ctx, operation);
                }
                _ => return,
            }
        }
    }

    /// `poll()` returned records: commit first (at-most-once) or start processing.
    fn after_poll(&mut self, ctx: &mut Ctx<'_>, operation: usize) {
        if self.config.app_commit == AppCommit::BeforeProcessing {
            self.commit_then(ctx, Some(operation));
        } else {
            self.begin_forwarding(ctx);
            self.start_processing(ctx, operation);
        }
    }

    /// A batch is processed (and, by a forwarder, sent on): commit as `app.commit` says, then
    /// poll again.
    fn after_processing(&mut self, ctx: &mut Ctx<'_>, operation: usize) {
        match self.config.app_commit {
            AppCommit::AfterProcessing => self.commit_then(ctx, None),
            AppCommit::Explicit => {
                let commit = self.commit_processed(ctx, operation, true);
                self.await_commit(ctx, commit, None);
            }
            AppCommit::ExplicitAsync => {
                self.commit_processed(ctx, operation, false);
                self.start_poll(ctx);
            }
            AppCommit::None | AppCommit::BeforeProcessing | AppCommit::Transactional => {
                self.start_poll(ctx)
            }
        }
    }

    /// `commitSync()`, then process `then_process` (if any) or poll again.
    fn commit_then(&mut self, ctx: &mut Ctx<'_>, then_process: Option<usize>) {
        let commit = self.commit(ctx, "sync", true);
        self.await_commit(ctx, commit, then_process);
    }

    /// Waits for a `commitSync()` still in flight, then processes `then_process` (if any) or
    /// polls again.
    fn await_commit(
        &mut self,
        ctx: &mut Ctx<'_>,
        commit: Option<usize>,
        then_process: Option<usize>,
    ) {
        match commit {
            Some(operation) if self.history[operation].completed_at.is_none() => {
                self.app = AppState::Committing {
                    operation,
                    then_process,
                };
            }
            _ => self.after_commit(ctx, then_process),
        }
    }

    fn after_commit(&mut self, ctx: &mut Ctx<'_>, then_process: Option<usize>) {
        match then_process {
            Some(operation) => self.start_processing(ctx, operation),
            None => self.start_poll(ctx),
        }
    }

    fn start_processing(&mut self, ctx: &mut Ctx<'_>, operation: usize) {
        let count = match &self.history[operation].outcome {
            Outcome::Polled { records, .. } => records.len() as u64,
            _ => 0,
        };
        let took = SimDuration::from_micros(self.config.processing_per_record.as_micros() * count);
        self.app = AppState::Processing {
            operation,
            until: ctx.now() + took,
        };
    }

    fn finish_processing(&mut self, now: SimTime, operation: usize) {
        let op = &mut self.history[operation];
        if let Outcome::Polled { processed, .. } = &mut op.outcome {
            *processed = true;
            op.completed_at = Some(now);
            self.reprocessed.processed(op.outcome.processed_records());
        }
    }

    /// How this consumer's polls are recorded.
    fn poll_request(&self) -> Request {
        Request::Poll {
            group: self.group().map(str::to_owned),
            read_committed: self.config.read_committed,
        }
    }

    /// Hands buffered records of owned partitions to the application, up to
    /// `max.poll.records`, and advances positions. Returns the poll's operation.
    fn deliver(&mut self, ctx: &mut Ctx<'_>) -> Option<usize> {
        self.give_up_partitions_if_out_of_group(ctx);
        let mut records = std::mem::take(&mut self.poll_scratch);
        let budget = self.config.max_poll_records;
        for (tp, owned) in &mut self.owned {
            let Some(queue) = self
                .buffer
                .get_mut(tp)
                .filter(|_| !owned.paused && !owned.pending_revocation)
            else {
                continue;
            };
            while records.len() < budget {
                let Some((record, returned)) = queue.pop_front() else {
                    break;
                };
                // Below the position: already consumed (or sought past). Above it: the cleaner
                // removed the offsets between, which the position skips.
                if owned
                    .position
                    .is_none_or(|position| record.offset < position)
                {
                    continue;
                }
                owned.position = Some(record.offset + 1);
                if !returned {
                    continue;
                }
                records.push(ConsumedRecord::from_record(tp, &record));
            }
        }
        self.buffer.retain(|_, queue| !queue.is_empty());
        if records.is_empty() {
            self.poll_scratch = records;
            return None;
        }
        let request = self.poll_request();
        let mut operation = Operation::pending(Rc::clone(&self.name), request, ctx.now());
        // One allocation of the exact size (a drain's length is known), no copy of a vector.
        let polled = records.drain(..).collect();
        self.poll_scratch = records;
        operation.outcome = Outcome::Polled {
            records: polled,
            generation: self.generation,
            processed: false,
            partly_processed: 0,
        };
        self.history.push(operation);
        Some(self.history.len() - 1)
    }

    fn arm_wakeup(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let app = match self.app {
            AppState::Polling { until } => Some(until),
            AppState::Processing { until, operation } => {
                Some(self.next_forward_due(operation, until).unwrap_or(until))
            }
            _ => None,
        };
        let member = self.member != MemberState::Unjoined;
        let next = [
            app,
            (self.member == MemberState::Stable).then_some(self.next_heartbeat),
            member.then_some(self.last_poll + self.config.max_poll_interval),
            Some(self.metadata_at + self.config.metadata_max_age),
            self.metadata.retry_at(),
            (self.coordinator.is_none() && self.group().is_some())
                .then_some(self.coordinator_not_before),
            Some(self.offset_fetch_not_before),
            self.next_query_deadline(now),
            self.owned
                .values()
                .map(|o| o.fetch_not_before)
                .filter(|&t| t > now)
                .min(),
        ];
        let next = next.into_iter().flatten();
        self.wakeups.arm_earliest(ctx, next, Timer::ConsumerWakeup);
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        if ctx.arrived_on() == Connection::AppProducer {
            self.with_producer(ctx, |p, ctx| p.on_timer(ctx, timer));
            self.pump(ctx);
            return;
        }
        match timer {
            Timer::ConsumerWakeup => self.wakeups.went_off(ctx.now()),
            Timer::ClientRequestTimeout { correlation_id } => {
                let Some(kind) = self.in_flight.complete(correlation_id) else {
                    return;
                };
                self.on_failure(ctx, kind, ErrorCode::RequestTimedOut);
            }
            Timer::ClientRequestTimeouts => {
                let timed_out = self.in_flight.take_timed_out(ctx);
                if timed_out.is_empty() {
                    return;
                }
                for kind in timed_out {
                    self.on_failure(ctx, kind, ErrorCode::RequestTimedOut);
                }
            }
            other => unreachable!(
                "consumer {}: fired {other:?}, a timer no consumer sets",
                self.name
            ),
        }
        self.pump(ctx);
    }

    /// A request failed (timed out, or an error that concerns the whole request).
    fn on_failure(&mut self, ctx: &mut Ctx<'_>, kind: InFlight, error: ErrorCode) {
        match kind {
            InFlight::Metadata => self.metadata.invalidate(),
            InFlight::Fetch { .. }
            | InFlight::ListOffsets { .. }
            | InFlight::OffsetsForTimes { .. } => self.metadata.invalidate(),
            InFlight::Commit {
                operation,
                sync,
                offsets,
            } => self.on_commit_response(ctx, operation, sync, offsets, error),
            InFlight::FindCoordinator => self.coordinator_lookup_failed(ctx),
            InFlight::Join
            | InFlight::Sync
            | InFlight::Heartbeat { .. }
            | InFlight::Leave
            | InFlight::OffsetFetch
            | InFlight::Committed { .. } => self.coordinator_unknown(ctx),
        }
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        if ctx.arrived_on() == Connection::AppProducer {
            if !self.closed {
                self.with_producer(ctx, |p, ctx| p.on_message(ctx, from, message));
                self.pump(ctx);
            }
            return;
        }
        let correlation_id = match &message {
            Message::MetadataResponse(ResponseHeader { correlation_id }, _)
            | Message::FindCoordinatorResponse(ResponseHeader { correlation_id }, _)
            | Message::ListOffsetsResponse(ResponseHeader { correlation_id }, _)
            | Message::FetchResponse(ResponseHeader { correlation_id }, _) => *correlation_id,
            Message::Group(group) if group.is_response() => group.correlation_id(),
            other => unreachable!(
                "consumer {}: received {other:?}, which is not a response",
                self.name
            ),
        };
        let Some(kind) = self.in_flight.complete(correlation_id) else {
            return;
        };
        if self.closed {
            return;
        }
        match (kind, message) {
            (InFlight::Metadata, Message::MetadataResponse(_, response)) => {
                let partitions = &response.partitions;
                // Metadata.update and updateLatestMetadata (KIP-580): an answer with a newer
                // leader epoch (or a partition first seen) resets the count of equivalent
                // answers; the next request waits backoff(count - 1), at least backoff(0).
                let newer = partitions.iter().any(|(tp, state)| {
                    self.metadata
                        .get(tp)
                        .is_none_or(|known| state.leader_epoch > known.leader_epoch)
                });
                self.metadata_equivalent = match newer {
                    true => 0,
                    false => self.metadata_equivalent.saturating_add(1),
                };
                self.metadata.update(response);
                self.metadata_at = ctx.now();
                // A subscribed topic the broker does not know yet: ask again after the
                // backoff (Java logs UNKNOWN_TOPIC_OR_PARTITION and retries).
                if self.missing_topic() {
                    self.metadata.invalidate();
                }
                let backoff = crate::backoff::backoff(
                    self.config.retry_backoff,
                    self.config.retry_backoff_max,
                    self.metadata_equivalent.saturating_sub(1),
                    ctx.rng(),
                );
                self.metadata.back_off_until(ctx.now() + backoff);
                self.check_partition_counts();
            }
            (InFlight::FindCoordinator, Message::FindCoordinatorResponse(_, response)) => {
                match (response.error, response.coordinator) {
                    (ErrorCode::None, Some(broker)) => {
                        self.coordinator = Some(broker);
                        self.coordinator_attempts = 0;
                    }
                    _ => self.coordinator_lookup_failed(ctx),
                }
            }
            (kind, Message::Group(group)) => self.on_group_response(ctx, kind, *group),
            (
                InFlight::ListOffsets { timestamp, .. },
                Message::ListOffsetsResponse(_, response),
            ) => {
                self.on_list_offsets_response(timestamp, response.partitions);
            }
            (InFlight::OffsetsForTimes { query }, Message::ListOffsetsResponse(_, response)) => {
                let (partitions, found) = (response.partitions, response.found.0);
                self.on_offsets_for_times_response(ctx, query, partitions, found);
            }
            (InFlight::Fetch { offsets, .. }, Message::FetchResponse(_, response)) => {
                self.on_fetch_response(ctx, response.partitions, &offsets);
            }
            (kind, message) => unreachable!(
                "consumer {}: {message:?} answers correlation id {correlation_id}, awaited as {kind:?}",
                self.name
            ),
        }
        self.pump(ctx);
    }

    /// A coordinator's answer to the request `kind`.
    fn on_group_response(&mut self, ctx: &mut Ctx<'_>, kind: InFlight, response: GroupMessage) {
        let GroupMessage::Response(_, response) = response else {
            unreachable!("consumer {}: {response:?} is not an answer", self.name)
        };
        match (kind, response) {
            (InFlight::Join, GroupResponse::JoinGroup(response)) => {
                self.on_join_response(ctx, response);
            }
            (InFlight::Sync, GroupResponse::SyncGroup(response)) => {
                self.on_sync_response(ctx, response.error, response.assignment);
            }
            (InFlight::Heartbeat { generation }, GroupResponse::Heartbeat(response)) => {
                self.on_heartbeat_response(ctx, response.error, generation);
            }
            (
                InFlight::Heartbeat { generation },
                GroupResponse::ConsumerGroupHeartbeat(response),
            ) => self.on_consumer_heartbeat_response(ctx, response, generation),
            (
                InFlight::Commit {
                    operation,
                    sync,
                    offsets,
                },
                GroupResponse::OffsetCommit(response),
            ) => self.on_commit_response(ctx, operation, sync, offsets, response.error),
            (InFlight::OffsetFetch, GroupResponse::OffsetFetch(response)) => {
                self.on_offset_fetch_response(ctx, response.error, response.offsets);
            }
            (InFlight::Committed { query }, GroupResponse::OffsetFetch(response)) => {
                self.on_committed_response(ctx, query, response);
            }
            // Nothing waits on it: `leave_group` reset the generation when it sent LeaveGroup
            // (as `maybeLeaveGroup` does), and an error would change nothing either.
            (
                InFlight::Leave,
                GroupResponse::LeaveGroup(_) | GroupResponse::ConsumerGroupHeartbeat(_),
            ) => {}
            (kind, response) => unreachable!(
                "consumer {}: {response:?} answers a request awaited as {kind:?}",
                self.name
            ),
        }
    }

    /// Whether a subscribed topic (or an assigned partition's topic) is missing from metadata.
    fn missing_topic(&self) -> bool {
        let known = |topic: &str| self.metadata.partition_count(&Rc::from(topic)) > 0;
        match &self.subscription {
            Subscription::Topics(topics) => !topics.iter().all(|t| known(t)),
            Subscription::Partitions(tps) => !tps.iter().all(|tp| known(&tp.topic)),
        }
    }

    /// Reports a change of the owned partitions.
    fn emit_assignment(&self, ctx: &mut Ctx<'_>, revoked: Vec<TopicPartition>) {
        ctx.emit(EventKind::ConsumerAssigned {
            consumer: self.name.to_string(),
            group: self.group().unwrap_or_default().to_owned(),
            generation: self.generation,
            member_epoch: self.consumer_protocol(),
            assigned: self.owned.keys().cloned().collect(),
            revoked,
        });
    }
}
