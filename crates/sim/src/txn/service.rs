//! The transaction coordinator a broker runs (Kafka's `TransactionCoordinator` with its
//! `TransactionStateManager` and `TransactionMarkerChannelManager`) for the transactional ids
//! whose `__transaction_state` partition its broker leads: it answers InitProducerId,
//! AddPartitionsToTxn, AddOffsetsToTxn and EndTxn once each new state is replicated, then
//! writes the COMMIT/ABORT markers to every partition of the transaction through their
//! leaders, retrying until all are written (a partition without a leader keeps the
//! transaction, and its readers' LSO, waiting). It aborts transactions open longer than their
//! timeout, and rebuilds its state from the log when its broker becomes leader, finishing the
//! markers a previous coordinator owed. One transactional id's transitions are
//! `coordinator.rs`.
//!
//! It reaches its broker only through [`TxnHost`] and the `Ctx` (the time, its requests and
//! answers, its timers, events).

use super::{
    MARKER_TIMEOUT_MS, TransactionMetadata, TxnDecision, TxnLogRecord, TxnMessage, TxnState,
    coordinator_partition, transaction_partition_for,
};
use crate::chunked::Chunked;
use crate::error::ErrorCode;
use crate::event::{EventKind, TxnPrepareCause};
use crate::metadata::MetadataImage;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, BrokerId,
    ControlType, EndTxnRequest, EndTxnResponse, Extension, Message, Record, RecordData,
    TopicPartition, TxnRequest, TxnResponse, WriteTxnMarkersRequest,
};
use crate::time::SimDuration;
use std::collections::BTreeMap;
use std::rc::Rc;

/// `transaction.abort.timed.out.transaction.cleanup.interval.ms` (default 10000).
pub(crate) const TIMEOUT_CHECK_INTERVAL: SimDuration = SimDuration::from_millis(10_000);
/// Backoff before sending markers again after an error.
const MARKER_RETRY_BACKOFF: SimDuration = SimDuration::from_millis(100);

/// What the transaction coordinator needs of the broker it runs on.
pub(crate) trait TxnHost {
    /// The broker's metadata image: which partitions exist, who leads them.
    fn image(&self) -> &MetadataImage;
    /// Where broker `id` is.
    fn node(&self, id: BrokerId) -> Option<NodeId>;
    /// The records of `tp`, a `__transaction_state` partition the broker hosts.
    fn records(&self, tp: &TopicPartition) -> Option<&Chunked<Record>>;
    /// A correlation id for a request the broker sends (shared with its other requests).
    fn next_correlation_id(&mut self) -> u64;
    /// A producer id no other broker hands out.
    fn allocate_producer_id(&mut self) -> u64;
    /// Appends `record` to `tp` as its leader. Answers the writes on `tp` that are done at
    /// once (replicated, as when the ISR is the leader alone, or failed); the coordinator
    /// finishes them, then calls [`TxnHost::appended`] when `progressed` says so, so that the
    /// broker's own work on `tp` comes after, as one leader progress.
    fn append(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        record: Rc<RecordData>,
        then: TxnPersisted,
    ) -> Appended;
    /// The rest of the leader's progress on `tp` after an append (waking waiting fetches).
    fn appended(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition);
}

/// What [`TxnHost::append`] leaves for the coordinator.
#[derive(Debug, Default)]
pub(crate) struct Appended {
    /// Writes done at once, with NONE or their error.
    pub(crate) done: Vec<(TxnPersisted, ErrorCode)>,
    /// The partition whose leader progressed: call [`TxnHost::appended`] for it.
    pub(crate) progressed: Option<TopicPartition>,
}

/// What happens once a transaction's new state is replicated.
#[derive(Clone, Debug)]
enum TxnAfter {
    /// Answer InitProducerId with the id and epoch.
    Init { to: (NodeId, u64) },
    /// Answer AddPartitionsToTxn, or AddOffsetsToTxn (`offsets`).
    Add { to: (NodeId, u64), offsets: bool },
    /// Answer EndTxn with the bumped epoch, then write the markers.
    End { to: (NodeId, u64) },
    /// Write the markers (an abort the coordinator decided).
    Markers,
    /// Nothing waits (the transaction's completion).
    Nothing,
}

/// A persisted transition: the state before it (restored if the write fails) and what next.
#[derive(Clone, Debug)]
pub(crate) struct TxnPersisted {
    transactional_id: String,
    previous: TransactionMetadata,
    then: TxnAfter,
}

/// The configs the transaction coordinator runs with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TxnSettings {
    /// `transaction.max.timeout.ms`.
    pub(crate) max_timeout: SimDuration,
    /// `offsets.topic.num.partitions`, to find a group's offsets partition.
    pub(crate) offsets_partitions: u32,
}

/// The transaction coordinator's state on one broker.
#[derive(Clone, Debug)]
pub(crate) struct TxnCoordinator {
    /// The broker it runs on, for its events.
    broker: BrokerId,
    settings: TxnSettings,
    /// Loaded transactional ids.
    txns: BTreeMap<String, TransactionMetadata>,
    /// `__transaction_state` partitions its broker leads and it has loaded.
    loaded: Vec<TopicPartition>,
    /// WriteTxnMarkers in flight: correlation id → (transactional id, partitions).
    markers: BTreeMap<u64, (String, Vec<TopicPartition>)>,
}

impl TxnCoordinator {
    /// A coordinator with no partition loaded yet.
    pub(crate) fn new(broker: BrokerId, settings: TxnSettings) -> Self {
        TxnCoordinator {
            broker,
            settings,
            txns: BTreeMap::new(),
            loaded: Vec::new(),
            markers: BTreeMap::new(),
        }
    }

    /// The `__transaction_state` partitions it has loaded.
    pub(crate) fn loaded(&self) -> &[TopicPartition] {
        &self.loaded
    }

    fn coordinated_partition(
        &self,
        image: &MetadataImage,
        transactional_id: &str,
    ) -> Option<TopicPartition> {
        let (tp, _) = coordinator_partition(image, transactional_id)?;
        self.loaded.contains(&tp).then_some(tp)
    }

    /// InitProducerId (with a transactional id), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
    /// and the answers to its WriteTxnMarkers.
    pub(crate) fn handle(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        message: TxnMessage,
    ) {
        let (correlation_id, request) = match message {
            TxnMessage::Request(header, request) => (header.correlation_id, request),
            TxnMessage::Response(header, TxnResponse::WriteTxnMarkers(response)) => {
                let id = header.correlation_id;
                return self.on_markers_written(host, ctx, id, response.partitions);
            }
            other => unreachable!(
                "broker {}: {other:?} routed to the transaction coordinator",
                self.broker
            ),
        };
        let to = (from, correlation_id);
        match request {
            TxnRequest::InitProducerId(request) => self.handle_init(
                host,
                ctx,
                to,
                &request.transactional_id,
                request.transaction_timeout_ms,
            ),
            TxnRequest::AddPartitionsToTxn(request) if request.verify_only.0 => {
                self.verify(host.image(), ctx, to, &request);
            }
            TxnRequest::AddPartitionsToTxn(request) => self.add_to_txn(
                host,
                ctx,
                to,
                (
                    &request.transactional_id,
                    request.producer_id,
                    request.producer_epoch,
                ),
                request.partitions,
                false,
            ),
            TxnRequest::AddOffsetsToTxn(request) => {
                // The group's offsets partition joins like any other (Kafka's
                // `partitionFor(groupId)`), so the markers reach the pending offsets.
                let partitions = self.settings.offsets_partitions;
                let tp = TopicPartition::new(
                    crate::group::OFFSETS_TOPIC,
                    crate::group::offsets_partition_for(&request.group_id, partitions),
                );
                self.add_to_txn(
                    host,
                    ctx,
                    to,
                    (
                        &request.transactional_id,
                        request.producer_id,
                        request.producer_epoch,
                    ),
                    vec![tp],
                    true,
                );
            }
            TxnRequest::EndTxn(request) => self.handle_end(host, ctx, to, &request),
            // A partition leader's API, which the broker handles itself.
            TxnRequest::WriteTxnMarkers(_) => unreachable!(
                "broker {}: WriteTxnMarkers routed to the transaction coordinator",
                self.broker
            ),
        }
    }

    fn handle_end(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        request: &EndTxnRequest,
    ) {
        let EndTxnRequest {
            ref transactional_id,
            producer_id,
            producer_epoch,
            committed,
        } = *request;
        let result = self.with_txn(host.image(), transactional_id, |txn| {
            txn.end(producer_id, producer_epoch, committed)
        });
        match result {
            Ok((TxnDecision::AlreadyDone, _)) => {
                self.reply_end(ctx, to, transactional_id, ErrorCode::None);
            }
            Ok((decision, previous)) => {
                if decision == TxnDecision::Prepare {
                    self.emit_prepared(ctx, transactional_id, TxnPrepareCause::EndTxn);
                }
                self.persist(host, ctx, transactional_id, previous, TxnAfter::End { to });
            }
            Err(error) => send_end(ctx, to, error, (producer_id, producer_epoch)),
        }
    }

    /// A partition leader's verification (AddPartitionsToTxn with `VerifyOnly`): answered at
    /// once, per partition, and nothing changes.
    fn verify(
        &self,
        image: &MetadataImage,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        request: &AddPartitionsToTxnRequest,
    ) {
        let refused = |error: ErrorCode| {
            let partitions = request.partitions.iter();
            partitions.map(|tp| (tp.clone(), error)).collect()
        };
        let id = &request.transactional_id;
        let answers = if self.coordinated_partition(image, id).is_none() {
            refused(ErrorCode::NotCoordinator)
        } else if let Some(txn) = self.txns.get(id) {
            txn.verify(
                request.producer_id,
                request.producer_epoch,
                &request.partitions,
            )
        } else {
            refused(ErrorCode::InvalidProducerIdMapping)
        };
        let response = AddPartitionsToTxnResponse {
            error: ErrorCode::None,
            partitions: Extension(answers),
        };
        ctx.send(
            to.0,
            TxnMessage::response(to.1, TxnResponse::AddPartitionsToTxn(response)),
        );
    }

    /// AddPartitionsToTxn, or AddOffsetsToTxn (`offsets`) with the group's partition.
    fn add_to_txn(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        (transactional_id, producer_id, producer_epoch): (&str, u64, u16),
        partitions: Vec<TopicPartition>,
        offsets: bool,
    ) {
        let now_ms = ctx.now().as_millis();
        let result = self.with_txn(host.image(), transactional_id, |txn| {
            txn.add_partitions(producer_id, producer_epoch, &partitions, now_ms)
        });
        match result {
            Ok((true, previous)) => self.persist(
                host,
                ctx,
                transactional_id,
                previous,
                TxnAfter::Add { to, offsets },
            ),
            Ok((false, _)) => reply_add(ctx, to, offsets, ErrorCode::None),
            Err(error) => reply_add(ctx, to, offsets, error),
        }
    }

    /// Runs `change` on a loaded transaction; returns its result and the state before it.
    fn with_txn<T>(
        &mut self,
        image: &MetadataImage,
        transactional_id: &str,
        change: impl FnOnce(&mut TransactionMetadata) -> Result<T, ErrorCode>,
    ) -> Result<(T, TransactionMetadata), ErrorCode> {
        if self
            .coordinated_partition(image, transactional_id)
            .is_none()
        {
            return Err(ErrorCode::NotCoordinator);
        }
        let txn = self
            .txns
            .get_mut(transactional_id)
            .ok_or(ErrorCode::InvalidProducerIdMapping)?;
        let previous = txn.clone();
        change(txn).map(|result| (result, previous))
    }

    fn handle_init(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        transactional_id: &str,
        timeout_ms: u64,
    ) {
        if self
            .coordinated_partition(host.image(), transactional_id)
            .is_none()
        {
            return reply_init(ctx, to, ErrorCode::NotCoordinator, 0, 0);
        }
        if timeout_ms > self.settings.max_timeout.as_millis() {
            return reply_init(ctx, to, ErrorCode::InvalidTransactionTimeout, 0, 0);
        }
        if !self.txns.contains_key(transactional_id) {
            let producer_id = host.allocate_producer_id();
            let txn = TransactionMetadata::new(transactional_id, producer_id, timeout_ms);
            let previous = txn.clone();
            self.txns.insert(transactional_id.to_owned(), txn);
            let then = TxnAfter::Init { to };
            return self.persist(host, ctx, transactional_id, previous, then);
        }
        let result = self.with_txn(host.image(), transactional_id, |txn| txn.init(timeout_ms));
        match result {
            Ok((true, previous)) => {
                self.persist(host, ctx, transactional_id, previous, TxnAfter::Init { to });
            }
            Ok((false, previous)) => {
                // An older instance left a transaction open: abort it under the new epoch;
                // the new instance asks again until that is done.
                self.emit_prepared(ctx, transactional_id, TxnPrepareCause::NewInstance);
                self.persist(host, ctx, transactional_id, previous, TxnAfter::Markers);
                reply_init(ctx, to, ErrorCode::ConcurrentTransactions, 0, 0);
            }
            Err(error) => reply_init(ctx, to, error, 0, 0),
        }
    }

    fn emit_prepared(&self, ctx: &mut Ctx<'_>, transactional_id: &str, cause: TxnPrepareCause) {
        if let Some(txn) = self.txns.get(transactional_id) {
            ctx.emit(EventKind::TxnPrepared {
                broker: self.broker,
                transactional_id: transactional_id.to_owned(),
                committed: txn.state == TxnState::PrepareCommit,
                epoch: txn.producer_epoch,
                partitions: txn.partitions.iter().cloned().collect(),
                cause,
            });
        }
    }

    fn reply_end(
        &self,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        transactional_id: &str,
        error: ErrorCode,
    ) {
        let producer = self
            .txns
            .get(transactional_id)
            .map_or((0, 0), |t| (t.producer_id, t.producer_epoch));
        send_end(ctx, to, error, producer);
    }

    /// Writes the transaction's state to its `__transaction_state` partition.
    fn persist(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        transactional_id: &str,
        previous: TransactionMetadata,
        then: TxnAfter,
    ) {
        let (Some(tp), Some(txn)) = (
            self.coordinated_partition(host.image(), transactional_id),
            self.txns.get_mut(transactional_id),
        ) else {
            return;
        };
        txn.writing = true;
        let record = txn.to_record();
        let data = Rc::new(RecordData {
            timestamp_ms: ctx.now().as_millis(),
            key: Some(Rc::from(transactional_id.as_bytes())),
            value: Some(Rc::from(
                format!(
                    "producerId={} epoch={} state={} partitions={}",
                    record.producer_id,
                    record.producer_epoch,
                    record.state.kafka_name(),
                    record.partitions.len()
                )
                .as_bytes(),
            )),
            transaction: Some(Rc::new(record)),
            ..RecordData::default()
        });
        let persisted = TxnPersisted {
            transactional_id: transactional_id.to_owned(),
            previous,
            then,
        };
        let appended = host.append(ctx, tp, data, persisted);
        for (persisted, error) in appended.done {
            self.on_persisted(host, ctx, persisted, error);
        }
        if let Some(tp) = appended.progressed {
            host.appended(ctx, &tp);
        }
    }

    /// A transition is replicated (or failed: then the state before it is restored and the
    /// producer told to retry elsewhere).
    pub(crate) fn on_persisted(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        persisted: TxnPersisted,
        error: ErrorCode,
    ) {
        let id = persisted.transactional_id;
        let Some(txn) = self.txns.get_mut(&id) else {
            return;
        };
        txn.writing = false;
        if error != ErrorCode::None {
            *txn = persisted.previous;
            let error = ErrorCode::NotCoordinator;
            match persisted.then {
                TxnAfter::Init { to } => reply_init(ctx, to, error, 0, 0),
                TxnAfter::Add { to, offsets } => reply_add(ctx, to, offsets, error),
                TxnAfter::End { to } => self.reply_end(ctx, to, &id, error),
                TxnAfter::Markers | TxnAfter::Nothing => {}
            }
            return;
        }
        let (producer_id, epoch) = (txn.producer_id, txn.producer_epoch);
        match persisted.then {
            TxnAfter::Init { to } => reply_init(ctx, to, ErrorCode::None, producer_id, epoch),
            TxnAfter::Add { to, offsets } => reply_add(ctx, to, offsets, ErrorCode::None),
            TxnAfter::End { to } => {
                self.reply_end(ctx, to, &id, ErrorCode::None);
                self.send_markers(host, ctx, &id);
            }
            TxnAfter::Markers => self.send_markers(host, ctx, &id),
            TxnAfter::Nothing => {}
        }
    }

    /// Sends WriteTxnMarkers to the leaders of the partitions still owed a marker (and not
    /// already asked); completes the transaction when none is owed.
    fn send_markers(&mut self, host: &mut dyn TxnHost, ctx: &mut Ctx<'_>, transactional_id: &str) {
        let Some(txn) = self.txns.get(transactional_id) else {
            return;
        };
        let Some(control) = txn.state.marker() else {
            return;
        };
        if txn.writing {
            return;
        }
        if txn.pending_markers.is_empty() {
            return self.complete_txn(host, ctx, transactional_id);
        }
        let asked: Vec<&TopicPartition> = self
            .markers
            .values()
            .filter(|(id, _)| id == transactional_id)
            .flat_map(|(_, tps)| tps)
            .collect();
        let mut by_leader: BTreeMap<u32, Vec<TopicPartition>> = BTreeMap::new();
        let mut leaderless = false;
        let image = host.image();
        for tp in txn.pending_markers.iter().filter(|tp| !asked.contains(tp)) {
            match image.partition(tp).and_then(|s| s.leader) {
                Some(leader) => by_leader.entry(leader).or_default().push(tp.clone()),
                None if image.partition(tp).is_none() => {}
                None => leaderless = true,
            }
        }
        let (producer_id, producer_epoch) = (txn.producer_id, txn.producer_epoch);
        for (leader, partitions) in by_leader {
            let Some(node) = host.node(leader) else {
                continue;
            };
            let correlation_id = host.next_correlation_id();
            self.markers.insert(
                correlation_id,
                (transactional_id.to_owned(), partitions.clone()),
            );
            let request = WriteTxnMarkersRequest {
                producer_id,
                producer_epoch,
                control,
                partitions,
            };
            let request = TxnRequest::WriteTxnMarkers(request);
            // Kafka's `TransactionMarkerChannelManager` names its client so.
            let client_id = Rc::from(format!("broker-{}-txn-marker-sender", self.broker));
            ctx.send(
                node,
                TxnMessage::request(correlation_id, client_id, request),
            );
            let timeout = SimDuration::from_millis(MARKER_TIMEOUT_MS + 1_000);
            ctx.set_timer(timeout, Timer::TxnMarkerTimeout { correlation_id });
        }
        if leaderless {
            retry_markers_later(ctx, transactional_id);
        }
        // Partitions of deleted topics owe nothing.
        let image = host.image();
        if let Some(txn) = self.txns.get_mut(transactional_id) {
            txn.pending_markers
                .retain(|tp| image.partition(tp).is_some());
            if txn.pending_markers.is_empty() {
                self.complete_txn(host, ctx, transactional_id);
            }
        }
    }

    fn on_markers_written(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
        partitions: Vec<(TopicPartition, ErrorCode)>,
    ) {
        let Some((id, _)) = self.markers.remove(&correlation_id) else {
            return;
        };
        let Some(txn) = self.txns.get_mut(&id) else {
            return;
        };
        let mut retry = false;
        for (tp, error) in partitions {
            match error {
                // Written; or superseded by a newer epoch; or the topic is gone.
                ErrorCode::None
                | ErrorCode::InvalidProducerEpoch
                | ErrorCode::UnknownTopicOrPartition => {
                    txn.pending_markers.remove(&tp);
                }
                _ => retry = true,
            }
        }
        if txn.pending_markers.is_empty() {
            self.complete_txn(host, ctx, &id);
        } else if retry {
            retry_markers_later(ctx, &id);
        }
    }

    fn complete_txn(&mut self, host: &mut dyn TxnHost, ctx: &mut Ctx<'_>, transactional_id: &str) {
        let Some(txn) = self.txns.get_mut(transactional_id) else {
            return;
        };
        let Some(control) = txn.state.marker() else {
            return;
        };
        let previous = txn.clone();
        txn.complete();
        ctx.emit(EventKind::TxnCompleted {
            broker: self.broker,
            transactional_id: transactional_id.to_owned(),
            committed: control == ControlType::Commit,
        });
        self.persist(host, ctx, transactional_id, previous, TxnAfter::Nothing);
    }

    /// A marker request's connection was reset (its leader's process died): the markers go
    /// again after a backoff, to whichever broker leads then, as Kafka's
    /// `TransactionMarkerRequestCompletionHandler` queues a disconnected request's markers
    /// again. At once would send to the same dead leader every millisecond until it is fenced.
    pub(crate) fn on_marker_connection_reset(&mut self, ctx: &mut Ctx<'_>, correlation_id: u64) {
        if let Some((id, _)) = self.markers.remove(&correlation_id) {
            retry_markers_later(ctx, &id);
        }
    }

    /// Its timers: a marker retry, a marker request's timeout, the timed-out transactions
    /// check.
    pub(crate) fn on_timer(&mut self, host: &mut dyn TxnHost, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::TxnMarkerRetry { transactional_id } => {
                self.send_markers(host, ctx, &transactional_id);
            }
            Timer::TxnMarkerTimeout { correlation_id } => {
                if let Some((id, _)) = self.markers.remove(&correlation_id) {
                    self.send_markers(host, ctx, &id);
                }
            }
            Timer::TxnTimeoutCheck => {
                ctx.set_timer(TIMEOUT_CHECK_INTERVAL, Timer::TxnTimeoutCheck);
                let now_ms = ctx.now().as_millis();
                let expired: Vec<String> = self
                    .txns
                    .values()
                    .filter(|t| t.expired(now_ms))
                    .map(|t| t.transactional_id.clone())
                    .collect();
                for id in expired {
                    let Some(txn) = self.txns.get_mut(&id) else {
                        continue;
                    };
                    let previous = txn.clone();
                    let timeout = txn.timeout_ms;
                    txn.abort_for_timeout();
                    let cause = TxnPrepareCause::Timeout {
                        timeout_ms: timeout,
                    };
                    self.emit_prepared(ctx, &id, cause);
                    self.persist(host, ctx, &id, previous, TxnAfter::Markers);
                }
            }
            other => unreachable!(
                "broker {}: {other:?} routed to the transaction coordinator",
                self.broker
            ),
        }
    }

    /// Its broker no longer leads `tp` (of `partitions`): its transactions go.
    pub(crate) fn on_resignation(&mut self, tp: &TopicPartition, partitions: u32) {
        self.loaded.retain(|t| t != tp);
        let belongs = |id: &str| transaction_partition_for(id, partitions) == tp.partition;
        self.txns.retain(|id, _| !belongs(id));
        self.markers.retain(|_, (id, _)| !belongs(id));
    }

    /// Its broker now leads `tp` (of `partitions`): load the partition's transactions from
    /// its log and finish the markers a previous coordinator owed.
    pub(crate) fn on_election(
        &mut self,
        host: &mut dyn TxnHost,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        partitions: u32,
    ) {
        let Some(records) = host.records(tp) else {
            return;
        };
        let mut latest: BTreeMap<&str, &TxnLogRecord> = BTreeMap::new();
        for record in records {
            if let Some(txn) = &record.data.transaction
                && transaction_partition_for(&txn.transactional_id, partitions) == tp.partition
            {
                latest.insert(&txn.transactional_id, txn);
            }
        }
        let loaded: Vec<TransactionMetadata> = latest
            .into_values()
            .map(TransactionMetadata::from_record)
            .collect();
        self.loaded.push(tp.clone());
        for txn in loaded {
            let id = txn.transactional_id.clone();
            let owes_markers = txn.state.marker().is_some();
            self.txns.insert(id.clone(), txn);
            if owes_markers {
                self.send_markers(host, ctx, &id);
            }
        }
    }
}

fn retry_markers_later(ctx: &mut Ctx<'_>, transactional_id: &str) {
    ctx.set_timer(
        MARKER_RETRY_BACKOFF,
        Timer::TxnMarkerRetry {
            transactional_id: transactional_id.to_owned(),
        },
    );
}

fn reply_init(
    ctx: &mut Ctx<'_>,
    to: (NodeId, u64),
    error: ErrorCode,
    producer_id: u64,
    producer_epoch: u16,
) {
    let response = Message::init_producer_id_response(to.1, error, producer_id, producer_epoch);
    ctx.send(to.0, response);
}

/// EndTxn's answer, with the producer id and epoch for the next transaction.
fn send_end(ctx: &mut Ctx<'_>, to: (NodeId, u64), error: ErrorCode, producer: (u64, u16)) {
    let response = EndTxnResponse {
        error,
        producer_id: producer.0,
        producer_epoch: producer.1,
    };
    ctx.send(
        to.0,
        TxnMessage::response(to.1, TxnResponse::EndTxn(response)),
    );
}

fn reply_add(ctx: &mut Ctx<'_>, to: (NodeId, u64), offsets: bool, error: ErrorCode) {
    let response = if offsets {
        TxnResponse::AddOffsetsToTxn(AddOffsetsToTxnResponse { error })
    } else {
        TxnResponse::AddPartitionsToTxn(AddPartitionsToTxnResponse {
            error,
            partitions: Default::default(),
        })
    };
    ctx.send(to.0, TxnMessage::response(to.1, response));
}
