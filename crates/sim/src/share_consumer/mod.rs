//! Kafka's share consumer (`KafkaShareConsumer`, KIP-932) with the application's poll loop
//! around it. It joins a share group with ShareGroupHeartbeat, fetches from the leaders of the
//! partitions the group assigned it with ShareFetch, and acknowledges each record it got:
//! implicitly (the next `poll()` accepts the previous batch) or as the application says
//! (`share.acknowledgement.mode=explicit`, `app.acknowledge`). Acknowledgements ride on the
//! next ShareFetch to the same leader; a closing consumer sends its last with ShareAcknowledge
//! and epoch -1, which hands back what it still holds.
//!
//! Records are not owned: the leader lends them under a lock, so more consumers than
//! partitions all get work, and a consumer that dies or stalls loses its records to the
//! others when `group.share.record.lock.duration.ms` passes.

mod config;

pub use crate::protocol::AcknowledgeType;
pub use config::{AcknowledgementMode, ShareConsumerConfig};

use crate::alarm::Alarm;
use crate::chunked::Chunked;
use crate::client::{Bootstrap, ClientMetadata, ConsumedRecord};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::in_flight_requests::InFlightRequests;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    AcknowledgementBatch, ApiKey, BrokerId, CoordinatorType, GroupMessage, GroupRequest,
    GroupResponse, Message, Record, RequestHeader, ResponseHeader, ShareFetchRequest,
    ShareFetchedPartition, ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse,
    SharePartitionRequest, TopicPartition,
};
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// One record the application got, and what became of its acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// When `poll()` returned it.
    pub at: SimTime,
    /// The record.
    pub record: ConsumedRecord,
    /// Its delivery count, this delivery included.
    pub delivery_count: u16,
    /// How the application acknowledged it, once it did.
    pub acknowledged: Option<AcknowledgeType>,
    /// What the leader answered to the acknowledgement: `NONE`, or INVALID_RECORD_STATE when
    /// the lock had expired (someone else may have it now), or the request's error.
    pub result: Option<ErrorCode>,
}

/// What the application is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ShareAppState {
    /// In `poll()`, waiting for records.
    Polling,
    /// Processing the deliveries `from..` of the history until `until`.
    Processing {
        /// The first delivery of the batch, in the history.
        from: usize,
        /// When processing ends.
        until: SimTime,
    },
    /// The application thread is stuck; heartbeats go on.
    Stalled {
        /// What it was doing.
        was: Box<ShareAppState>,
    },
    /// It stopped on an exception.
    Failed {
        /// The exception.
        reason: String,
    },
}

/// A request in flight, by correlation id.
#[derive(Clone, Debug)]
enum InFlight {
    Metadata,
    FindCoordinator,
    Heartbeat,
    Leave,
    /// A ShareFetch (or, closing, ShareAcknowledge) to `broker`, carrying the
    /// acknowledgements of these deliveries.
    Share {
        broker: BrokerId,
        acks: Vec<usize>,
    },
}

/// A share consumer node.
#[derive(Clone, Debug)]
pub struct ShareConsumer {
    name: Rc<str>,
    config: ShareConsumerConfig,
    topics: Vec<String>,
    bootstrap: Bootstrap,
    metadata: ClientMetadata,
    coordinator: Option<BrokerId>,
    coordinator_not_before: SimTime,
    member_id: String,
    /// 0 until the coordinator answers the join.
    member_epoch: i32,
    assignment: BTreeSet<TopicPartition>,
    next_heartbeat: SimTime,
    in_flight: InFlightRequests<InFlight>,
    /// No ShareFetch to a leader before this (after an answer without records).
    fetch_not_before: BTreeMap<BrokerId, SimTime>,
    /// The share session epoch of each leader: 0 opens it, then one more per request.
    session_epochs: BTreeMap<BrokerId, i32>,
    /// Records fetched, not yet returned by `poll()`: (record, partition, delivery count).
    buffer: VecDeque<(TopicPartition, Record, u16)>,
    /// Acknowledged deliveries not yet sent, by partition.
    pending_acks: BTreeMap<TopicPartition, Vec<usize>>,
    app: ShareAppState,
    /// Shared between rewind copies (full chunks are never copied).
    history: Chunked<Delivery>,
    /// The wake-up timers set and not yet gone off.
    wakeups: Alarm,
    closed: bool,
}

impl ShareConsumer {
    /// A share consumer that bootstraps from the brokers in `directory` and subscribes to
    /// `topics`.
    pub fn new(
        name: &str,
        config: ShareConsumerConfig,
        topics: Vec<String>,
        directory: Rc<BTreeMap<BrokerId, NodeId>>,
    ) -> Self {
        ShareConsumer {
            name: Rc::from(name),
            config,
            topics,
            bootstrap: Bootstrap::new(directory),
            metadata: ClientMetadata::default(),
            coordinator: None,
            coordinator_not_before: SimTime::ZERO,
            member_id: String::new(),
            member_epoch: 0,
            assignment: BTreeSet::new(),
            next_heartbeat: SimTime::ZERO,
            in_flight: InFlightRequests::default(),
            fetch_not_before: BTreeMap::new(),
            session_epochs: BTreeMap::new(),
            buffer: VecDeque::new(),
            pending_acks: BTreeMap::new(),
            app: ShareAppState::Polling,
            history: Chunked::new(),
            wakeups: Alarm::default(),
            closed: false,
        }
    }

    /// Its name (`client.id`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its configuration.
    pub fn config(&self) -> &ShareConsumerConfig {
        &self.config
    }

    /// The topics it subscribes to.
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Its member id and epoch (0: not in the group).
    pub fn membership(&self) -> (&str, i32) {
        (&self.member_id, self.member_epoch)
    }

    /// The partitions the group assigned it.
    pub fn assignment(&self) -> &BTreeSet<TopicPartition> {
        &self.assignment
    }

    /// What the application is doing.
    pub fn app(&self) -> &ShareAppState {
        &self.app
    }

    /// Every record the application got, across its processes.
    pub fn history(&self) -> &Chunked<Delivery> {
        &self.history
    }

    /// Records fetched and not yet returned by `poll()`.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Whether it was closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// A broker joined the cluster.
    pub(crate) fn learn_brokers(&mut self, directory: &Rc<BTreeMap<BrokerId, NodeId>>) {
        self.bootstrap.learn(directory);
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if self.member_id.is_empty() {
            // KIP-1082: the member id is the consumer's, chosen once per process.
            self.member_id = crate::consumer::kafka_uuid(ctx);
        }
        self.pump(ctx);
    }

    /// The process died: what it held stays locked at the leaders until the locks expire,
    /// and the group forgets it when its session expires.
    pub(crate) fn on_crash(&mut self) {
        let history = std::mem::take(&mut self.history);
        let mut in_flight = std::mem::take(&mut self.in_flight);
        in_flight.abandon();
        let closed = self.closed;
        *self = ShareConsumer::new(
            &self.name,
            self.config.clone(),
            self.topics.clone(),
            self.bootstrap.directory(),
        );
        self.history = history;
        self.in_flight = in_flight;
        self.closed = closed;
    }

    /// The application stops calling `poll()`; heartbeats go on.
    pub(crate) fn stall(&mut self) {
        if !matches!(
            self.app,
            ShareAppState::Stalled { .. } | ShareAppState::Failed { .. }
        ) {
            let was = std::mem::replace(&mut self.app, ShareAppState::Polling);
            self.app = ShareAppState::Stalled { was: Box::new(was) };
        }
    }

    /// The application carries on with what it was doing.
    pub(crate) fn resume(&mut self, ctx: &mut Ctx<'_>) {
        if let ShareAppState::Stalled { was } = &self.app {
            self.app = (**was).clone();
        }
        self.pump(ctx);
    }

    /// `close()`: the batch being processed is released (it was not finished), every
    /// leader gets the last acknowledgements with epoch -1, and the member leaves.
    pub(crate) fn close(&mut self, ctx: &mut Ctx<'_>) {
        if self.closed {
            return;
        }
        if let ShareAppState::Processing { from, .. } = self.app {
            self.acknowledge_from(from, AcknowledgeType::Release);
        }
        for broker in self.leaders() {
            self.send_share(ctx, broker, false);
        }
        if let Some(coordinator) = self.coordinator {
            self.heartbeat(ctx, coordinator, InFlight::Leave, -1);
        }
        self.buffer.clear();
        self.assignment.clear();
        self.closed = true;
    }

    /// Sends `message` to `broker` with a `request.timeout.ms` timer.
    fn request(
        &mut self,
        ctx: &mut Ctx<'_>,
        broker: BrokerId,
        kind: InFlight,
        build: impl FnOnce(u64) -> Message,
    ) -> bool {
        let timeout = self.config.request_timeout;
        self.in_flight
            .send_to(ctx, &self.bootstrap, broker, timeout, kind, build)
    }

    /// A ShareGroupHeartbeat at `member_epoch`: 0 joins (with the subscription), -1 leaves.
    fn heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        broker: BrokerId,
        kind: InFlight,
        member_epoch: i32,
    ) {
        let body = ShareGroupHeartbeatRequest {
            group_id: self.config.group_id.clone(),
            member_id: self.member_id.clone(),
            member_epoch,
            subscribed_topic_names: (member_epoch == 0).then(|| self.topics.clone()),
        };
        let client_id = Rc::clone(&self.name);
        self.request(ctx, broker, kind, |correlation_id| {
            let body = GroupRequest::ShareGroupHeartbeat(body);
            GroupMessage::request(correlation_id, client_id, body).into()
        });
    }

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

    /// Does whatever is due now, and sets the wake-up for what is due later.
    fn pump(&mut self, ctx: &mut Ctx<'_>) {
        if self.closed {
            return;
        }
        let now = ctx.now();
        let mut next: Vec<SimTime> = Vec::new();
        // Metadata: for the leaders of the assigned partitions.
        if self.metadata.is_stale() && !self.has_in_flight(|k| matches!(k, InFlight::Metadata)) {
            match self.metadata.retry_at() {
                Some(at) if at > now => next.push(at),
                _ => {
                    let client_id = Rc::clone(&self.name);
                    self.request_any(ctx, InFlight::Metadata, |id| {
                        Message::metadata(id, client_id)
                    });
                    self.metadata
                        .back_off_until(now + self.config.retry_backoff);
                }
            }
        }
        // The coordinator.
        if self.coordinator.is_none()
            && !self.has_in_flight(|k| matches!(k, InFlight::FindCoordinator))
        {
            if now >= self.coordinator_not_before {
                let (client_id, group) = (Rc::clone(&self.name), self.config.group_id.clone());
                self.request_any(ctx, InFlight::FindCoordinator, |id| {
                    Message::find_coordinator(id, client_id, CoordinatorType::Group, group)
                });
            } else {
                next.push(self.coordinator_not_before);
            }
        }
        // The heartbeat, in the background whatever the application does.
        if let Some(coordinator) = self.coordinator
            && !self.has_in_flight(|k| matches!(k, InFlight::Heartbeat))
        {
            if now >= self.next_heartbeat {
                self.heartbeat(ctx, coordinator, InFlight::Heartbeat, self.member_epoch);
            } else {
                next.push(self.next_heartbeat);
            }
        }
        self.run_application(ctx, &mut next);
        // Fetch when the application waits in poll() with nothing buffered.
        if self.app == ShareAppState::Polling && self.buffer.is_empty() {
            for broker in self.leaders() {
                let busy = self.has_in_flight(
                    |k| matches!(k, InFlight::Share { broker: b, .. } if *b == broker),
                );
                let not_before = self
                    .fetch_not_before
                    .get(&broker)
                    .copied()
                    .unwrap_or(SimTime::ZERO);
                if busy {
                    continue;
                }
                if not_before > now && !self.has_acks_for(broker) {
                    next.push(not_before);
                    continue;
                }
                self.send_share(ctx, broker, true);
            }
        }
        self.wakeups.arm_earliest(ctx, next, Timer::ConsumerWakeup);
    }

    /// `poll()` returns buffered records; processing ends, and the batch is acknowledged.
    fn run_application(&mut self, ctx: &mut Ctx<'_>, next: &mut Vec<SimTime>) {
        let now = ctx.now();
        if let ShareAppState::Processing { from, until } = self.app {
            if until > now {
                next.push(until);
                return;
            }
            let how = match self.config.acknowledgement_mode {
                AcknowledgementMode::Implicit => AcknowledgeType::Accept,
                AcknowledgementMode::Explicit => self.config.app_acknowledge,
            };
            self.acknowledge_from(from, how);
            self.app = ShareAppState::Polling;
        }
        if self.app != ShareAppState::Polling || self.buffer.is_empty() {
            return;
        }
        let count = self.buffer.len().min(self.config.max_poll_records);
        let from = self.history.len();
        for (tp, record, delivery_count) in self.buffer.drain(..count) {
            self.history.push(Delivery {
                at: now,
                record: ConsumedRecord::from_record(&tp, &record),
                delivery_count,
                acknowledged: None,
                result: None,
            });
        }
        let until = now
            + SimDuration::from_micros(
                self.config.processing_per_record.as_micros() * count as u64,
            );
        self.app = ShareAppState::Processing { from, until };
        if until > now {
            next.push(until);
        } else {
            self.run_application(ctx, next);
        }
    }

    /// The application acknowledges deliveries `from..` of its history as `how`.
    fn acknowledge_from(&mut self, from: usize, how: AcknowledgeType) {
        for index in from..self.history.len() {
            let delivery = self
                .history
                .get_mut(index)
                .expect("a delivery of the history");
            if delivery.acknowledged.is_none() {
                delivery.acknowledged = Some(how);
                self.pending_acks
                    .entry(delivery.record.tp.clone())
                    .or_default()
                    .push(index);
            }
        }
    }

    /// The leaders of what it fetches from or has acknowledgements for.
    fn leaders(&self) -> BTreeSet<BrokerId> {
        self.assignment
            .iter()
            .chain(self.pending_acks.keys())
            .filter_map(|tp| self.metadata.leader(tp))
            .collect()
    }

    fn has_acks_for(&self, broker: BrokerId) -> bool {
        self.pending_acks
            .keys()
            .any(|tp| self.metadata.leader(tp) == Some(broker))
    }

    /// A ShareFetch (or ShareAcknowledge, when not `acquire`) to `broker`, with the pending
    /// acknowledgements of the partitions it leads.
    fn send_share(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId, acquire: bool) {
        let mut partitions: BTreeMap<TopicPartition, Vec<AcknowledgementBatch>> = BTreeMap::new();
        {
            for tp in &self.assignment {
                if self.metadata.leader(tp) == Some(broker) {
                    partitions.insert(tp.clone(), Vec::new());
                }
            }
        }
        let mut acks = Vec::new();
        let led: Vec<TopicPartition> = self
            .pending_acks
            .keys()
            .filter(|tp| self.metadata.leader(tp) == Some(broker))
            .cloned()
            .collect();
        for tp in led {
            let indices = self.pending_acks.remove(&tp).unwrap_or_default();
            let batches = partitions.entry(tp).or_default();
            for &index in &indices {
                let delivery = self.history.get(index).expect("a delivery of the history");
                let how = delivery
                    .acknowledged
                    .expect("pending acknowledgements are acknowledged");
                let offset = delivery.record.offset;
                match batches.last_mut() {
                    Some(last)
                        if last.last_offset + 1 == offset && last.acknowledge_type == how =>
                    {
                        last.last_offset = offset;
                    }
                    _ => batches.push(AcknowledgementBatch {
                        first_offset: offset,
                        last_offset: offset,
                        acknowledge_type: how,
                    }),
                }
            }
            acks.extend(indices);
        }
        if partitions.is_empty() {
            return;
        }
        let epoch = if acquire {
            let epoch = self.session_epochs.entry(broker).or_insert(0);
            let sent = *epoch;
            *epoch += 1;
            sent
        } else {
            -1
        };
        let request = ShareFetchRequest {
            group_id: self.config.group_id.clone(),
            member_id: self.member_id.clone(),
            share_session_epoch: epoch,
            max_records: self.config.max_poll_records as u32,
            partitions: partitions
                .into_iter()
                .map(|(tp, acknowledgements)| SharePartitionRequest {
                    tp,
                    acknowledgements,
                })
                .collect(),
        };
        let client_id = Rc::clone(&self.name);
        let sent = self.request(
            ctx,
            broker,
            InFlight::Share {
                broker,
                acks: acks.clone(),
            },
            |id| {
                let api = if acquire {
                    ApiKey::ShareFetch
                } else {
                    ApiKey::ShareAcknowledge
                };
                let header = RequestHeader::new(api, id, client_id);
                if acquire {
                    Message::ShareFetch(header, Box::new(request))
                } else {
                    Message::ShareAcknowledge(header, Box::new(request))
                }
            },
        );
        if !sent {
            self.ack_results(&acks, ErrorCode::NetworkException);
        }
    }

    /// What the leader answered to the acknowledgements among `acks` of partition `tp`.
    fn partition_ack_results(&mut self, acks: &[usize], tp: &TopicPartition, error: ErrorCode) {
        let of_tp: Vec<usize> = acks
            .iter()
            .copied()
            .filter(|&i| {
                self.history
                    .get(i)
                    .expect("a delivery of the history")
                    .record
                    .tp
                    == *tp
            })
            .collect();
        self.ack_results(&of_tp, error);
    }

    /// What became of acknowledgements.
    fn ack_results(&mut self, acks: &[usize], error: ErrorCode) {
        for &index in acks {
            if let Some(delivery) = self.history.get_mut(index) {
                delivery.result = Some(error);
            }
        }
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::ConsumerWakeup => {
                self.wakeups.went_off(ctx.now());
            }
            Timer::ClientRequestTimeout { correlation_id } => {
                if let Some(kind) = self.in_flight.complete(correlation_id) {
                    self.on_failure(kind, ErrorCode::RequestTimedOut, ctx.now());
                }
            }
            Timer::ClientRequestTimeouts => {
                for kind in self.in_flight.take_timed_out(ctx) {
                    self.on_failure(kind, ErrorCode::RequestTimedOut, ctx.now());
                }
            }
            other => unreachable!(
                "share consumer {}: fired {other:?}, a timer no share consumer sets",
                self.name
            ),
        }
        self.pump(ctx);
    }

    fn on_failure(&mut self, kind: InFlight, error: ErrorCode, now: SimTime) {
        match kind {
            InFlight::Metadata => self.metadata.invalidate(),
            InFlight::FindCoordinator => {
                self.coordinator_not_before = now + self.config.retry_backoff;
            }
            InFlight::Heartbeat | InFlight::Leave => self.coordinator = None,
            InFlight::Share { acks, .. } => {
                self.metadata.invalidate();
                self.ack_results(&acks, error);
            }
        }
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, _from: NodeId, message: Message) {
        let correlation_id = match &message {
            Message::MetadataResponse(ResponseHeader { correlation_id }, _)
            | Message::FindCoordinatorResponse(ResponseHeader { correlation_id }, _)
            | Message::ShareFetchResponse(ResponseHeader { correlation_id }, _)
            | Message::ShareAcknowledgeResponse(ResponseHeader { correlation_id }, _) => {
                *correlation_id
            }
            Message::Group(group) if group.is_response() => group.correlation_id(),
            other => unreachable!(
                "share consumer {}: received {other:?}, which is not a response",
                self.name
            ),
        };
        let Some(kind) = self.in_flight.complete(correlation_id) else {
            // Timed out before, or sent by the process before a crash.
            return;
        };
        let now = ctx.now();
        match (kind, message) {
            (InFlight::Metadata, Message::MetadataResponse(_, response)) => {
                self.metadata.update(response);
                let known = |t: &String| self.metadata.partition_count(&Rc::from(t.as_str())) > 0;
                if !self.topics.iter().all(known) {
                    self.metadata.invalidate();
                }
                self.metadata
                    .back_off_until(now + self.config.retry_backoff);
            }
            (InFlight::FindCoordinator, Message::FindCoordinatorResponse(_, response)) => {
                match (response.error, response.coordinator) {
                    (ErrorCode::None, Some(broker)) => self.coordinator = Some(broker),
                    _ => self.coordinator_not_before = now + self.config.retry_backoff,
                }
            }
            (InFlight::Heartbeat, Message::Group(group)) => {
                let GroupMessage::Response(_, GroupResponse::ShareGroupHeartbeat(response)) =
                    *group
                else {
                    unreachable!(
                        "share consumer {}: a ShareGroupHeartbeat answered with {group:?}",
                        self.name
                    )
                };
                self.on_heartbeat_response(ctx, response);
            }
            (InFlight::Leave, Message::Group(_)) => {}
            (InFlight::Share { broker, acks }, Message::ShareFetchResponse(_, response)) => {
                self.on_share_fetch_response(now, broker, &acks, response.partitions);
            }
            (InFlight::Share { acks, .. }, Message::ShareAcknowledgeResponse(_, response)) => {
                for (tp, error) in response.partitions {
                    self.partition_ack_results(&acks, &tp, error);
                }
            }
            (kind, message) => unreachable!(
                "share consumer {}: {message:?} answers correlation id {correlation_id}, awaited as {kind:?}",
                self.name
            ),
        }
        self.pump(ctx);
    }

    fn on_heartbeat_response(&mut self, ctx: &mut Ctx<'_>, response: ShareGroupHeartbeatResponse) {
        let now = ctx.now();
        match response.error {
            ErrorCode::None => {
                self.member_epoch = response.member_epoch;
                self.next_heartbeat =
                    now + SimDuration::from_millis(response.heartbeat_interval_ms);
                if let Some(assignment) = response.assignment {
                    let assignment: BTreeSet<TopicPartition> = assignment.into_iter().collect();
                    self.assignment = assignment;
                    // What was fetched from partitions no longer assigned stays: its locks
                    // are this member's whatever the assignment says.
                    ctx.emit(EventKind::ShareAssigned {
                        consumer: self.name.to_string(),
                        group: self.config.group_id.clone(),
                        epoch: self.member_epoch,
                        assigned: self.assignment.iter().cloned().collect(),
                    });
                    if self
                        .assignment
                        .iter()
                        .any(|tp| self.metadata.leader(tp).is_none())
                    {
                        self.metadata.invalidate();
                    }
                }
            }
            ErrorCode::FencedMemberEpoch | ErrorCode::UnknownMemberId => {
                // Rejoin at once with the same member id (its locks stay valid).
                self.member_epoch = 0;
                self.next_heartbeat = now;
            }
            ErrorCode::NotCoordinator
            | ErrorCode::CoordinatorNotAvailable
            | ErrorCode::CoordinatorLoadInProgress => {
                self.coordinator = None;
                self.coordinator_not_before = now + self.config.retry_backoff;
            }
            error => {
                let message = response
                    .error_message
                    .unwrap_or_else(|| error.default_message().to_owned());
                self.app = ShareAppState::Failed {
                    reason: format!("{}: {message}", error.exception()),
                };
                self.assignment.clear();
                self.closed = true;
            }
        }
    }

    fn on_share_fetch_response(
        &mut self,
        now: SimTime,
        broker: BrokerId,
        acks: &[usize],
        partitions: Vec<ShareFetchedPartition>,
    ) {
        let mut got = false;
        for part in partitions {
            self.partition_ack_results(acks, &part.tp, part.acknowledge_error);
            if part.error != ErrorCode::None {
                self.metadata.note_error(part.error);
                self.metadata.invalidate();
                continue;
            }
            let counts: BTreeMap<u64, u16> = part
                .acquired
                .iter()
                .flat_map(|r| (r.first_offset..=r.last_offset).map(move |o| (o, r.delivery_count)))
                .collect();
            for record in part.records {
                let count = counts.get(&record.offset).copied().unwrap_or_else(|| {
                    unreachable!(
                        "{}: offset {} returned without being acquired: {:?}",
                        part.tp, record.offset, part.acquired
                    )
                });
                self.buffer.push_back((part.tp.clone(), record, count));
                got = true;
            }
        }
        if got {
            self.fetch_not_before.remove(&broker);
        } else {
            // The leader would hold the fetch up to fetch.max.wait.ms for records to come.
            self.fetch_not_before
                .insert(broker, now + self.config.fetch_max_wait);
        }
    }
}
