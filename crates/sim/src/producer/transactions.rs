//! The transactional producer (Java's `TransactionManager`): `initTransactions()` finds the
//! transaction coordinator and gets the producer id and epoch (fencing older instances);
//! each partition joins the transaction with AddPartitionsToTxn before its first batch goes
//! out; `commitTransaction()` flushes, waits for every batch, then sends EndTxn;
//! `abortTransaction()` drops what is unsent and sends EndTxn(abort). A batch that fails for
//! good makes the transaction abortable; a newer epoch at the coordinator makes the producer
//! fenced, which only closing cures.

use super::Producer;
use crate::client::{Operation, Outcome, Request, TxnAction, find_another_coordinator};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, BrokerId, CoordinatorType, EndTxnRequest,
    GroupMessage, GroupRequest, GroupResponse, InitProducerIdRequest, Message, TopicPartition,
    TxnOffsetCommitRequest, TxnRequest, TxnResponse,
};
use crate::time::SimTime;
use crate::txn::TxnMessage;
use serde::Serialize;
use std::collections::BTreeSet;
use std::rc::Rc;

/// The transaction manager's state (Java's `TransactionManager.State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TxnClientState {
    /// `initTransactions()` not called yet.
    Uninitialized,
    /// Waiting for the producer id.
    Initializing,
    /// No transaction open.
    Ready,
    /// Between `beginTransaction()` and its end.
    InTransaction,
    /// `commitTransaction()` in progress.
    Committing,
    /// `abortTransaction()` in progress.
    Aborting,
    /// Something failed: the transaction can only be aborted.
    AbortableError,
    /// Fenced or otherwise broken: the producer can only be closed.
    FatalError,
}

impl TxnClientState {
    /// The Java name, as its exceptions print it.
    pub fn java_name(self) -> &'static str {
        match self {
            TxnClientState::Uninitialized => "UNINITIALIZED",
            TxnClientState::Initializing => "INITIALIZING",
            TxnClientState::Ready => "READY",
            TxnClientState::InTransaction => "IN_TRANSACTION",
            TxnClientState::Committing => "COMMITTING_TRANSACTION",
            TxnClientState::Aborting => "ABORTING_TRANSACTION",
            TxnClientState::AbortableError => "ABORTABLE_ERROR",
            TxnClientState::FatalError => "FATAL_ERROR",
        }
    }
}

/// A transaction request in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TxnInFlight {
    FindCoordinator,
    Init,
    Add(Vec<TopicPartition>),
    /// AddOffsetsToTxn, then (with the group's coordinator) TxnOffsetCommit.
    AddOffsets,
    FindGroupCoordinator,
    CommitOffsets,
    End,
}

/// A `sendOffsetsToTransaction()` in progress.
#[derive(Clone, Debug, Serialize)]
pub struct PendingOffsets {
    /// The consumer's group.
    pub group: String,
    /// Its generation and member id (KIP-447's `ConsumerGroupMetadata`).
    pub generation: i32,
    /// The member id.
    pub member_id: String,
    /// The next offsets to read.
    pub offsets: Vec<(TopicPartition, u64)>,
    /// AddOffsetsToTxn answered.
    added: bool,
    /// The call waiting to return.
    operation: usize,
}

/// A transactional producer's transaction state.
#[derive(Clone, Debug, Serialize)]
pub struct Transactions {
    /// `transactional.id`.
    pub transactional_id: String,
    /// Where the transaction manager is.
    pub state: TxnClientState,
    /// The transaction coordinator, once found.
    pub coordinator: Option<BrokerId>,
    /// Partitions in the open transaction.
    pub added: BTreeSet<TopicPartition>,
    /// Transactions begun so far; the open one's number.
    pub number: u64,
    /// Why the transaction (or the producer) is in an error state.
    pub last_error: Option<String>,
    /// A `sendOffsetsToTransaction()` in progress.
    pub offsets: Option<PendingOffsets>,
    /// The group coordinator the offsets go to, once found.
    #[serde(skip)]
    group_coordinator: Option<BrokerId>,
    #[serde(skip)]
    in_flight: Option<(u64, TxnInFlight)>,
    #[serde(skip)]
    retry_at: SimTime,
    /// The `initTransactions()`/`commitTransaction()`/`abortTransaction()` waiting to return.
    #[serde(skip)]
    operation: Option<usize>,
}

impl Transactions {
    /// The state of a producer with this `transactional.id` that has not initialised.
    pub fn new(transactional_id: &str) -> Self {
        Transactions {
            transactional_id: transactional_id.to_owned(),
            state: TxnClientState::Uninitialized,
            coordinator: None,
            added: BTreeSet::new(),
            number: 0,
            last_error: None,
            offsets: None,
            group_coordinator: None,
            in_flight: None,
            retry_at: SimTime::ZERO,
            operation: None,
        }
    }

    /// When the next transaction request may go, if one waits for a backoff.
    pub(super) fn retry_at(&self) -> Option<SimTime> {
        (self.in_flight.is_none()).then_some(self.retry_at)
    }

    /// Whether a batch for `tp` may go out (its partition is in the transaction).
    pub(super) fn may_send(&self, tp: &TopicPartition) -> bool {
        self.added.contains(tp)
    }

    /// Why `send()` is refused now, if it is (Java's `maybeAddPartition` checks).
    pub(super) fn send_refusal(&self) -> Option<String> {
        match self.state {
            TxnClientState::InTransaction => None,
            TxnClientState::Uninitialized | TxnClientState::Initializing => Some(
                "IllegalStateException: Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled."
                    .to_owned(),
            ),
            TxnClientState::AbortableError | TxnClientState::FatalError => Some(format!(
                "KafkaException: Cannot perform send because at least one previous transactional or idempotent request has failed with errors. ({})",
                self.last_error.as_deref().unwrap_or("unknown error")
            )),
            state => Some(format!(
                "IllegalStateException: Cannot call send in state {}",
                state.java_name()
            )),
        }
    }

    /// What a transactional call throws in an error state (Java's `maybeFailWithError`): an
    /// old epoch is rethrown as itself, anything else wrapped.
    fn error_state(&self) -> String {
        match self.last_error.as_deref() {
            Some(error) if error.starts_with("InvalidProducerEpochException: ") => error.to_owned(),
            error => format!(
                "KafkaException: Cannot execute transactional method because we are in an error state: {}",
                error.unwrap_or("unknown error")
            ),
        }
    }

    fn invalid_transition(&self, to: TxnClientState) -> String {
        format!(
            "IllegalStateException: TransactionalId {}: Invalid transition attempted from state {} to state {}",
            self.transactional_id,
            self.state.java_name(),
            to.java_name()
        )
    }
}

impl Producer {
    /// The transaction state, for a transactional producer.
    pub fn transactions(&self) -> Option<&Transactions> {
        self.txn.as_ref()
    }

    /// One of the four transactional calls; returns its operation in the history. A call the
    /// state does not allow ends at once with the exception Java throws.
    pub fn transaction(&mut self, ctx: &mut Ctx<'_>, action: TxnAction) -> usize {
        let number = self.txn.as_ref().map_or(0, |t| match action {
            TxnAction::Init => 0,
            TxnAction::Begin => t.number + 1,
            _ => t.number,
        });
        let request = Request::Transaction {
            action,
            transaction: number,
        };
        self.history.push(Operation::pending(
            Rc::clone(&self.name),
            request,
            ctx.now(),
        ));
        let operation = self.history.len() - 1;
        ctx.invoked(operation);
        let now = ctx.now();
        let Some(txn) = self.txn.as_mut() else {
            let message = "IllegalStateException: Transactional method invoked on a non-transactional producer.".to_owned();
            self.finish(now, operation, Outcome::Exception { message });
            return operation;
        };
        let refused = match (action, txn.state) {
            (TxnAction::Init, TxnClientState::Uninitialized) => {
                txn.state = TxnClientState::Initializing;
                None
            }
            (TxnAction::Begin, TxnClientState::Ready) => {
                txn.state = TxnClientState::InTransaction;
                txn.number += 1;
                txn.added.clear();
                self.finish(now, operation, Outcome::Done);
                return operation;
            }
            (TxnAction::Commit, TxnClientState::InTransaction) => {
                txn.state = TxnClientState::Committing;
                self.flushing = true;
                None
            }
            (TxnAction::Commit, TxnClientState::AbortableError) => Some(txn.error_state()),
            (TxnAction::Abort, TxnClientState::InTransaction | TxnClientState::AbortableError) => {
                txn.state = TxnClientState::Aborting;
                None
            }
            (_, TxnClientState::FatalError) => Some(format!(
                "KafkaException: The producer is fenced and can only be closed: {}",
                txn.last_error.as_deref().unwrap_or("unknown error")
            )),
            (action, _) => Some(txn.invalid_transition(match action {
                TxnAction::Init => TxnClientState::Initializing,
                TxnAction::Begin => TxnClientState::InTransaction,
                TxnAction::Commit => TxnClientState::Committing,
                TxnAction::Abort => TxnClientState::Aborting,
            })),
        };
        if let Some(message) = refused {
            self.finish(now, operation, Outcome::Exception { message });
            return operation;
        }
        txn.operation = Some(operation);
        if action == TxnAction::Abort {
            self.drop_unsent(now);
        }
        self.pump(ctx);
        operation
    }

    /// `sendOffsetsToTransaction(offsets, groupMetadata)`: the group's offsets join the open
    /// transaction and are committed (or dropped) with it. Returns the operation, which ends
    /// once the group coordinator has the offsets.
    pub fn send_offsets_to_transaction(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        (generation, member_id): (i32, &str),
        offsets: Vec<(TopicPartition, u64)>,
    ) -> usize {
        let transaction = self.txn.as_ref().map_or(0, |t| t.number);
        let request = Request::SendOffsets {
            group: group.to_owned(),
            offsets: offsets.clone(),
            transaction,
        };
        self.history.push(Operation::pending(
            Rc::clone(&self.name),
            request,
            ctx.now(),
        ));
        let operation = self.history.len() - 1;
        ctx.invoked(operation);
        let refusal = match self.txn.as_ref() {
            None => Some("IllegalStateException: Transactional method invoked on a non-transactional producer.".to_owned()),
            Some(txn) if txn.state != TxnClientState::InTransaction => {
                Some(match txn.send_refusal() {
                    Some(message) => message.replace("send", "sendOffsetsToTransaction"),
                    None => txn.invalid_transition(TxnClientState::InTransaction),
                })
            }
            Some(txn) if txn.offsets.is_some() => Some(
                "IllegalStateException: a sendOffsetsToTransaction() is already in progress"
                    .to_owned(),
            ),
            Some(_) => None,
        };
        if let Some(message) = refusal {
            self.finish(ctx.now(), operation, Outcome::Exception { message });
            return operation;
        }
        if let Some(txn) = self.txn.as_mut() {
            txn.offsets = Some(PendingOffsets {
                group: group.to_owned(),
                generation,
                member_id: member_id.to_owned(),
                offsets,
                added: false,
                operation,
            });
        }
        self.pump(ctx);
        operation
    }

    /// Ends a `sendOffsetsToTransaction()` in progress, if any.
    fn finish_offsets(&mut self, now: SimTime, outcome: Outcome) {
        let pending = self.txn.as_mut().and_then(|t| t.offsets.take());
        if let Some(pending) = pending {
            self.finish(now, pending.operation, outcome);
        }
    }

    /// An abort fails every record not yet sent (Java's `TransactionAbortedException`).
    fn drop_unsent(&mut self, now: SimTime) {
        let message = "TransactionAbortedException: Failing batch since transaction was aborted";
        let queued: Vec<usize> = self
            .accumulator
            .take_all()
            .into_iter()
            .flat_map(|b| b.operations)
            .chain(self.blocked.drain(..).map(|b| b.operation))
            .collect();
        for operation in queued {
            let outcome = Outcome::Exception {
                message: message.to_owned(),
            };
            self.finish(now, operation, outcome);
        }
        let message = message.to_owned();
        self.finish_offsets(now, Outcome::Exception { message });
    }

    /// Does the next transaction step due now: find the coordinator, ask for the producer id,
    /// add partitions that have batches waiting, or end the transaction once every batch has
    /// its answer.
    pub(super) fn pump_transactions(&mut self, ctx: &mut Ctx<'_>) {
        let Some(txn) = self.txn.as_ref() else {
            return;
        };
        if txn.in_flight.is_some() || ctx.now() < txn.retry_at {
            return;
        }
        let unadded: Vec<TopicPartition> = self
            .accumulator
            .heads()
            .map(|(tp, _, _)| tp)
            .filter(|tp| !txn.added.contains(*tp))
            .cloned()
            .collect();
        let drained = self.accumulator.heads().next().is_none()
            && self.blocked.is_empty()
            && self.in_flight.is_empty()
            && txn.offsets.is_none();
        let next = match txn.state {
            TxnClientState::Initializing => Some(TxnInFlight::Init),
            TxnClientState::InTransaction | TxnClientState::Committing if !unadded.is_empty() => {
                Some(TxnInFlight::Add(unadded))
            }
            TxnClientState::InTransaction if txn.offsets.is_some() => {
                match (
                    txn.offsets.as_ref().is_some_and(|o| o.added),
                    txn.group_coordinator,
                ) {
                    (false, _) => Some(TxnInFlight::AddOffsets),
                    (true, None) => Some(TxnInFlight::FindGroupCoordinator),
                    (true, Some(_)) => Some(TxnInFlight::CommitOffsets),
                }
            }
            TxnClientState::Committing | TxnClientState::Aborting if drained => {
                if txn.added.is_empty() {
                    // Nothing was sent: nothing to tell the coordinator (Java skips EndTxn).
                    self.end_locally(ctx.now());
                    return;
                }
                Some(TxnInFlight::End)
            }
            _ => None,
        };
        let Some(next) = next else { return };
        let group_coordinator = txn.group_coordinator.and_then(|b| self.bootstrap.node(b));
        match (&next, group_coordinator) {
            (TxnInFlight::FindGroupCoordinator, _) => {
                return self.send_txn_request(ctx, None, next);
            }
            (TxnInFlight::CommitOffsets, Some(node)) => {
                return self.send_txn_request(ctx, Some(node), next);
            }
            _ => {}
        }
        let Some(coordinator) = txn.coordinator.and_then(|b| self.bootstrap.node(b)) else {
            return self.send_txn_request(ctx, None, TxnInFlight::FindCoordinator);
        };
        self.send_txn_request(ctx, Some(coordinator), next);
    }

    fn send_txn_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        coordinator: Option<crate::net::NodeId>,
        request: TxnInFlight,
    ) {
        let correlation_id = self.correlation_id();
        let timeout_ms = self.config.transaction_timeout.as_millis();
        let (producer_id, producer_epoch) = self.producer_id.unwrap_or_default();
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        let transactional_id = txn.transactional_id.clone();
        let client_id = Rc::clone(&self.name);
        let txn_request =
            |body| TxnMessage::request(correlation_id, Rc::clone(&client_id), body).into();
        let message: Message = match &request {
            TxnInFlight::FindCoordinator => Message::find_coordinator(
                correlation_id,
                client_id,
                CoordinatorType::Transaction,
                transactional_id,
            ),
            TxnInFlight::Init => txn_request(TxnRequest::InitProducerId(InitProducerIdRequest {
                transactional_id,
                transaction_timeout_ms: timeout_ms,
            })),
            TxnInFlight::Add(partitions) => {
                txn_request(TxnRequest::AddPartitionsToTxn(AddPartitionsToTxnRequest {
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    partitions: partitions.clone(),
                    verify_only: Default::default(),
                }))
            }
            TxnInFlight::AddOffsets => {
                txn_request(TxnRequest::AddOffsetsToTxn(AddOffsetsToTxnRequest {
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    group_id: txn
                        .offsets
                        .as_ref()
                        .map(|o| o.group.clone())
                        .unwrap_or_default(),
                }))
            }
            TxnInFlight::FindGroupCoordinator => {
                let group = txn.offsets.as_ref().map(|o| o.group.clone());
                Message::find_coordinator(
                    correlation_id,
                    client_id,
                    CoordinatorType::Group,
                    group.unwrap_or_default(),
                )
            }
            TxnInFlight::CommitOffsets => {
                let pending = txn.offsets.clone();
                let pending = pending.as_ref();
                let request = TxnOffsetCommitRequest {
                    transactional_id,
                    group_id: pending.map(|o| o.group.clone()).unwrap_or_default(),
                    producer_id,
                    producer_epoch,
                    generation_id: pending.map_or(-1, |o| o.generation),
                    member_id: pending.map(|o| o.member_id.clone()).unwrap_or_default(),
                    offsets: pending.map(|o| o.offsets.clone()).unwrap_or_default(),
                };
                let request = GroupRequest::TxnOffsetCommit(request);
                GroupMessage::request(correlation_id, client_id, request).into()
            }
            TxnInFlight::End => txn_request(TxnRequest::EndTxn(EndTxnRequest {
                transactional_id,
                producer_id,
                producer_epoch,
                committed: txn.state == TxnClientState::Committing,
            })),
        };
        txn.in_flight = Some((correlation_id, request));
        let timeout = self.config.request_timeout;
        match coordinator {
            Some(node) => {
                ctx.send(node, message);
                ctx.set_timer(timeout, Timer::ClientRequestTimeout { correlation_id });
            }
            None => self.bootstrap.send(ctx, message, correlation_id, timeout),
        }
    }

    /// Commit or abort of a transaction that sent nothing.
    fn end_locally(&mut self, now: SimTime) {
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        txn.state = TxnClientState::Ready;
        txn.added.clear();
        let operation = txn.operation.take();
        self.flushing = false;
        if let Some(operation) = operation {
            self.finish(now, operation, Outcome::Done);
        }
    }

    /// Handles a transaction response; returns false if the message was not one.
    pub(super) fn on_txn_response(&mut self, ctx: &mut Ctx<'_>, message: &Message) -> bool {
        let Some((expected, request)) = self.txn.as_ref().and_then(|t| t.in_flight.clone()) else {
            return false;
        };
        let (correlation_id, error) = match message {
            Message::FindCoordinatorResponse(header, response) => {
                (header.correlation_id, response.error)
            }
            Message::InitProducerIdResponse(header, response) => {
                (header.correlation_id, response.error)
            }
            Message::Group(group) => match &**group {
                GroupMessage::Response(header, GroupResponse::TxnOffsetCommit(response)) => {
                    (header.correlation_id, response.error)
                }
                _ => return false,
            },
            Message::Txn(txn) => match &**txn {
                TxnMessage::Response(header, response) => {
                    let error = match response {
                        TxnResponse::AddPartitionsToTxn(r) => r.error,
                        TxnResponse::AddOffsetsToTxn(r) => r.error,
                        TxnResponse::EndTxn(r) => r.error,
                        TxnResponse::WriteTxnMarkers(_) => return false,
                    };
                    (header.correlation_id, error)
                }
                TxnMessage::Request(..) => return false,
            },
            _ => return false,
        };
        if correlation_id != expected {
            return false;
        }
        let now = ctx.now();
        if let Some(txn) = self.txn.as_mut() {
            txn.in_flight = None;
        }
        if error != ErrorCode::None {
            self.on_txn_error(ctx, &request, error);
            return true;
        }
        match (request, message) {
            (TxnInFlight::FindGroupCoordinator, Message::FindCoordinatorResponse(_, response)) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.group_coordinator = response.coordinator;
                }
            }
            (TxnInFlight::AddOffsets, _) => {
                if let Some(pending) = self.txn.as_mut().and_then(|t| t.offsets.as_mut()) {
                    pending.added = true;
                }
            }
            (TxnInFlight::CommitOffsets, _) => self.finish_offsets(now, Outcome::Done),
            (TxnInFlight::FindCoordinator, Message::FindCoordinatorResponse(_, response)) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.coordinator = response.coordinator;
                }
            }
            (TxnInFlight::Init, Message::InitProducerIdResponse(_, response)) => {
                self.new_epoch(response.producer_id, response.producer_epoch);
                if let Some(txn) = self.txn.as_mut() {
                    txn.state = TxnClientState::Ready;
                    let operation = txn.operation.take();
                    if let Some(operation) = operation {
                        self.finish(now, operation, Outcome::Done);
                    }
                }
            }
            (TxnInFlight::Add(partitions), _) => {
                if let Some(txn) = self.txn.as_mut() {
                    txn.added.extend(partitions);
                }
            }
            (TxnInFlight::End, Message::Txn(response)) => {
                if let TxnMessage::Response(_, TxnResponse::EndTxn(response)) = &**response {
                    // Transaction version 2: the next transaction runs under the bumped epoch.
                    self.new_epoch(response.producer_id, response.producer_epoch);
                }
                self.end_locally(now);
            }
            (request, message) => unreachable!(
                "producer {}: {message:?} answered the transaction's {request:?} by its \
                 correlation id, yet is not that request's answer",
                self.name
            ),
        }
        true
    }

    /// A new producer id or epoch: every partition's sequence starts again at 0.
    fn new_epoch(&mut self, producer_id: u64, producer_epoch: u16) {
        self.producer_id = Some((producer_id, producer_epoch));
        self.next_sequence.clear();
        self.last_acked.clear();
    }

    /// A transaction request failed. Coordinator errors send it to the coordinator found anew
    /// (the group's, for the offsets); a rebalance that fenced this member (KIP-447) fails
    /// `sendOffsetsToTransaction()` and makes the transaction abortable, as Java's
    /// `CommitFailedException`.
    fn on_txn_error(&mut self, ctx: &mut Ctx<'_>, request: &TxnInFlight, error: ErrorCode) {
        let now = ctx.now();
        let retry_backoff = self.config.retry_backoff;
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        let to_group = matches!(
            request,
            TxnInFlight::FindGroupCoordinator | TxnInFlight::CommitOffsets
        );
        match error {
            error if find_another_coordinator(error) => {
                if to_group {
                    txn.group_coordinator = None;
                } else {
                    txn.coordinator = None;
                }
                txn.retry_at = now + retry_backoff;
            }
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration if to_group => {
                let message = format!(
                    "CommitFailedException: Transaction offset Commit failed due to consumer group metadata mismatch: {error}"
                );
                txn.state = TxnClientState::AbortableError;
                txn.last_error = Some(message.clone());
                self.finish_offsets(now, Outcome::Exception { message });
            }
            // TxnOffsetCommitHandler retries a partition whose topic the broker does not know
            // (deleted, or not yet in its metadata), as it retries a loading coordinator.
            ErrorCode::UnknownTopicOrPartition if to_group => {
                txn.retry_at = now + retry_backoff;
            }
            ErrorCode::ConcurrentTransactions => {
                // Java retries this one sooner (20 ms) while the previous transaction completes.
                txn.retry_at = now + retry_backoff.min(crate::time::SimDuration::from_millis(20));
            }
            ErrorCode::ProducerFenced
            | ErrorCode::InvalidProducerEpoch
            | ErrorCode::InvalidProducerIdMapping => {
                let message = "ProducerFencedException: There is a newer producer with the same transactionalId which fences the current one, or the transaction timed out and was aborted by the coordinator.".to_owned();
                self.fence(ctx, message);
            }
            error => {
                let message = format!("KafkaException: {error} from the transaction coordinator");
                txn.last_error = Some(message.clone());
                let operation = txn.operation.take();
                txn.state = match txn.state {
                    TxnClientState::Initializing => TxnClientState::FatalError,
                    _ => TxnClientState::AbortableError,
                };
                if let Some(operation) = operation {
                    let outcome = Outcome::Exception {
                        message: message.clone(),
                    };
                    self.finish(now, operation, outcome);
                }
                self.finish_offsets(now, Outcome::Exception { message });
            }
        }
    }

    /// The producer is fenced: everything pending fails, and it can only be closed.
    pub(super) fn fence(&mut self, ctx: &mut Ctx<'_>, message: String) {
        let now = ctx.now();
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        if txn.state == TxnClientState::FatalError {
            return;
        }
        txn.state = TxnClientState::FatalError;
        txn.last_error = Some(message.clone());
        let operation = txn.operation.take();
        if let Some(operation) = operation {
            self.finish(
                now,
                operation,
                Outcome::Exception {
                    message: message.clone(),
                },
            );
        }
        self.finish_offsets(
            now,
            Outcome::Exception {
                message: message.clone(),
            },
        );
        self.drop_unsent(now);
        ctx.emit(EventKind::ProducerFenced {
            producer: self.name.to_string(),
            message,
        });
    }

    /// A batch of the transaction failed for good: the transaction can only be aborted.
    pub(super) fn transaction_failed(
        &mut self,
        ctx: &mut Ctx<'_>,
        error: ErrorCode,
        message: &str,
    ) {
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        if error == ErrorCode::ProducerFenced {
            return self.fence(ctx, format!("ProducerFencedException: {message}"));
        }
        if matches!(
            txn.state,
            TxnClientState::InTransaction | TxnClientState::Committing
        ) {
            txn.state = TxnClientState::AbortableError;
            // KIP-588: a produce refused for an old epoch is InvalidProducerEpochException,
            // which aborts the transaction but does not fence the producer.
            txn.last_error = Some(if error == ErrorCode::InvalidProducerEpoch {
                let (id, epoch) = self.producer_id.unwrap_or_default();
                format!(
                    "InvalidProducerEpochException: Producer with transactionalId '{}' and \
                     ProducerIdAndEpoch(producerId={id}, epoch={epoch}) attempted to produce \
                     with an old epoch",
                    txn.transactional_id
                )
            } else {
                message.to_owned()
            });
            let operation = txn.operation.take();
            if let Some(operation) = operation {
                let message = txn.error_state();
                self.finish(ctx.now(), operation, Outcome::Exception { message });
            }
            self.flushing = false;
        }
    }

    /// A transaction request got no answer in time.
    pub(super) fn on_txn_timeout(&mut self, ctx: &mut Ctx<'_>, correlation_id: u64) -> bool {
        let Some(request) = self
            .txn
            .as_mut()
            .and_then(|t| t.in_flight.take_if(|(id, _)| *id == correlation_id))
            .map(|(_, request)| request)
        else {
            return false;
        };
        self.on_txn_error(ctx, &request, ErrorCode::RequestTimedOut);
        true
    }
}
