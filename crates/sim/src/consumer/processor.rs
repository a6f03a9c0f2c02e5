//! Consume-transform-produce: an application that sends every record it processes on to
//! another topic with a producer of its own (`app.forward.topic`), then commits. Both clients
//! live in one process, so a crash takes both and a restart brings both back.
//!
//! Two ways to commit, the two a Kafka course compares:
//! - **at-least-once** (`app.commit=after-processing`): wait until every forwarded record is
//!   acknowledged, then `commitSync()`. A crash between the two re-processes the batch after
//!   the restart, and the output topic holds its records twice. A send that fails stops the
//!   application uncommitted (so do `app.commit=explicit` and `explicit-async`, which also
//!   commit after processing).
//! - **exactly-once** (`app.commit=transactional`, KIP-98/KIP-447): `initTransactions()` at
//!   start; per poll `beginTransaction()`, the sends, `sendOffsetsToTransaction(positions,
//!   groupMetadata)`, `commitTransaction()`. A crash leaves the transaction open; the restarted
//!   instance's `initTransactions()` fences and aborts it, and read_committed readers of the
//!   output never see the first attempt. A failed commit aborts and rewinds to the committed
//!   offsets. What lies outside Kafka (a database write, an e-mail) is not covered: that is
//!   the limit of exactly-once.

use super::{AppState, Consumer};
use crate::client::{Outcome, TxnAction};
use crate::consumer::AppCommit;
use crate::node::{Connection, Ctx};
use crate::producer::{Producer, ProducerConfig, ProducerRecord};
use crate::protocol::TopicPartition;
use crate::sorted::Collect;
use crate::time::SimTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// The header an application's output record names its input in (`orders-0@5`): where it came
/// from, for a reader, and for the checker, which output records are one input processed
/// twice.
pub(crate) const SOURCE_HEADER: &str = "source";
use std::rc::Rc;

/// What the application's `StringDeserializer` reads from a record's bytes, to send on.
fn text(bytes: &[u8]) -> Rc<str> {
    Rc::from(String::from_utf8_lossy(bytes))
}

/// Where the application is in forwarding a poll's records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ForwardStep {
    /// Waiting for the sends (at-least-once waits for every acknowledgement before it
    /// commits).
    Sends(Vec<usize>),
    /// `sendOffsetsToTransaction()` waiting for the group coordinator.
    Offsets(usize),
    /// `commitTransaction()` waiting.
    Commit(usize),
    /// `abortTransaction()` waiting; then the positions go back to the committed offsets.
    Abort(usize),
}

/// The application's producer and where it forwards.
#[derive(Clone, Debug)]
pub struct Forwarder {
    /// The producer, inside the application's process.
    pub producer: Producer,
    /// `app.forward.topic`.
    pub topic: String,
    /// `app.commit=transactional`.
    pub exactly_once: bool,
}

impl Forwarder {
    /// The application's producer for a consumer so configured: acks=all, idempotent, and
    /// transactional for exactly-once.
    pub fn new(consumer: &Consumer) -> Option<Box<Self>> {
        let config = consumer.config();
        let topic = config.forward_topic.clone()?;
        let exactly_once = config.app_commit == AppCommit::Transactional;
        let mut properties = [("acks".to_owned(), "all".to_owned())]
            .into_iter()
            .collect_map();
        if exactly_once {
            let id = config
                .transactional_id
                .clone()
                .unwrap_or_else(|| format!("{}-eos", consumer.name()));
            properties.insert("transactional.id".to_owned(), id);
        }
        let producer_config = ProducerConfig::from_properties(&properties).ok()?;
        let producer = Producer::new(
            &format!("{}-producer", consumer.name()),
            producer_config,
            consumer.bootstrap.directory(),
        )
        .on_connection(Connection::AppProducer);
        Some(Box::new(Forwarder {
            producer,
            topic,
            exactly_once,
        }))
    }
}

/// What failed, for a send that did not reach the output topic; none for an acknowledged one.
///
/// At-least-once commits only what reached the output, so a failure stops the application
/// before its commit: Kafka Streams' default `ProductionExceptionHandler` answers FAIL and the
/// thread dies, and a plain application whose `send().get()` throws leaves its loop. Retrying
/// the batch in a loop instead would never end on an error that does not go away (a record too
/// large for the output topic).
fn send_failure(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Acked { .. } => None,
        Outcome::Failed { error, message } => Some(format!(
            "{}: {}",
            error.exception(),
            message.as_deref().unwrap_or(error.default_message())
        )),
        Outcome::Exception { message } => Some(message.clone()),
        other => unreachable!("the application's acks=all send ended with {other:?}"),
    }
}

impl Consumer {
    /// The application's producer, when it forwards.
    pub fn forwarder(&self) -> Option<&Forwarder> {
        self.forward.as_deref()
    }

    /// Runs `call` on the application's producer, on the producer's own connection: what it
    /// sends, the timers it sets and the operations it records are its own.
    pub(super) fn with_producer<T>(
        &mut self,
        ctx: &mut Ctx<'_>,
        call: impl FnOnce(&mut Producer, &mut Ctx<'_>) -> T,
    ) -> Option<T> {
        let forward = self.forward.as_mut()?;
        Some(ctx.as_client(Connection::AppProducer, |ctx| {
            call(&mut forward.producer, ctx)
        }))
    }

    /// The result of the application's producer's call, once it completes.
    pub(super) fn producer_outcome(&self, operation: usize) -> Option<Outcome> {
        self.forward
            .as_ref()?
            .producer
            .completion(operation)
            .cloned()
    }

    /// At start: `initTransactions()` before the first poll (exactly-once).
    pub(super) fn start_application(&mut self, ctx: &mut Ctx<'_>) {
        self.with_producer(ctx, |p, ctx| p.on_start(ctx));
        if self.forward.as_ref().is_some_and(|f| f.exactly_once) {
            let operation = self.with_producer(ctx, |p, ctx| p.transaction(ctx, TxnAction::Init));
            if let Some(operation) = operation {
                self.app = AppState::InitTransactions { operation };
                return;
            }
        }
        self.start_poll(ctx);
    }

    /// `beginTransaction()` for a poll's records (exactly-once).
    pub(super) fn begin_forwarding(&mut self, ctx: &mut Ctx<'_>) {
        if self.forward.as_ref().is_some_and(|f| f.exactly_once) {
            self.with_producer(ctx, |p, ctx| p.transaction(ctx, TxnAction::Begin));
        }
    }

    /// When record `index` of a poll of `count` records, processed until `until`, is done
    /// (each takes `app.processing.ms`).
    pub(super) fn record_done_at(&self, index: usize, count: usize, until: SimTime) -> SimTime {
        let later = (count - 1 - index) as u64 * self.config.processing_per_record.as_micros();
        SimTime::from_micros(until.as_micros().saturating_sub(later))
    }

    pub(super) fn polled_count(&self, operation: usize) -> usize {
        match &self.history[operation].outcome {
            Outcome::Polled { records, .. } => records.len(),
            _ => 0,
        }
    }

    /// When the next record of the poll being processed is done, if one is left.
    pub(super) fn next_forward_due(&self, operation: usize, until: SimTime) -> Option<SimTime> {
        self.forward.as_ref()?;
        let count = self.polled_count(operation);
        let next = self.forward_sends.len();
        (next < count).then(|| self.record_done_at(next, count, until))
    }

    /// Sends on each record whose processing is done, one by one as the application
    /// processes them (so a crash mid-batch leaves part of the output written).
    pub(super) fn forward_due(&mut self, ctx: &mut Ctx<'_>, operation: usize, until: SimTime) {
        let Some(topic) = self
            .forward
            .as_ref()
            .map(|f| Rc::<str>::from(f.topic.as_str()))
        else {
            return;
        };
        let count = self.polled_count(operation);
        while self.forward_sends.len() < count
            && self.record_done_at(self.forward_sends.len(), count, until) <= ctx.now()
        {
            let Outcome::Polled { records, .. } = &self.history[operation].outcome else {
                return;
            };
            let r = &records[self.forward_sends.len()];
            let record = ProducerRecord {
                topic: Rc::clone(&topic),
                key: r.key.as_deref().map(text),
                value: r.value.as_deref().map(text),
                headers: vec![(SOURCE_HEADER.to_owned(), format!("{}@{}", r.tp, r.offset))],
                ..ProducerRecord::default()
            };
            let Some(send) = self.with_producer(ctx, |p, ctx| p.send(ctx, record)) else {
                return;
            };
            self.forward_sends.push(send);
        }
    }

    /// Processing ended and every record went on: wait for them (at-least-once) or send the
    /// offsets into the transaction (exactly-once).
    pub(super) fn forward_records(&mut self, ctx: &mut Ctx<'_>, operation: usize) {
        let sends = std::mem::take(&mut self.forward_sends);
        let (records, exactly_once) = match (&self.history[operation].outcome, &self.forward) {
            (Outcome::Polled { records, .. }, Some(f)) => (records.clone(), f.exactly_once),
            _ => return self.start_poll(ctx),
        };
        if !exactly_once {
            self.app = AppState::Forwarding {
                operation,
                step: ForwardStep::Sends(sends),
            };
            return;
        }
        // The positions after this poll: what a restart must resume from if it commits.
        let mut offsets: BTreeMap<TopicPartition, u64> = BTreeMap::new();
        for r in records.iter() {
            let next = offsets.entry(r.tp.clone()).or_default();
            *next = (*next).max(r.offset + 1);
        }
        let group = self.config.group_id.clone().unwrap_or_default();
        let metadata = self.group_metadata.clone();
        let step = self.with_producer(ctx, |p, ctx| {
            let offsets = offsets.into_iter().collect();
            p.send_offsets_to_transaction(ctx, &group, (metadata.0, &metadata.1), offsets)
        });
        self.app = AppState::Forwarding {
            operation,
            step: ForwardStep::Offsets(step.unwrap_or_default()),
        };
    }

    /// Moves the forwarding on when what it waits for is done; returns whether it moved.
    pub(super) fn advance_forwarding(
        &mut self,
        ctx: &mut Ctx<'_>,
        operation: usize,
        step: ForwardStep,
    ) -> bool {
        let next = match step {
            ForwardStep::Sends(sends) => {
                let mut failure = None;
                for &send in &sends {
                    let Some(outcome) = self.producer_outcome(send) else {
                        return false;
                    };
                    failure = failure.or_else(|| send_failure(&outcome));
                }
                // An application that committed before processing (at-most-once), or
                // commits nothing itself, goes on: the failed output is the loss it accepts.
                match failure.filter(|_| self.config.app_commit.after_processing()) {
                    Some(exception) => {
                        self.app = AppState::Failed {
                            reason: format!(
                                "a record sent on to {} failed ({exception}): the application \
                                 commits nothing past it; restart it (crash, then restart) to \
                                 process the batch again",
                                self.forward.as_ref().map_or("", |f| f.topic.as_str())
                            ),
                        };
                    }
                    None => self.after_processing(ctx, operation),
                }
                return true;
            }
            ForwardStep::Offsets(call) => match self.producer_outcome(call) {
                None => return false,
                Some(Outcome::Done) => self.transaction_call(ctx, TxnAction::Commit),
                Some(_) => self.abort_or_stop(ctx),
            },
            ForwardStep::Commit(call) => match self.producer_outcome(call) {
                None => return false,
                Some(Outcome::Done) => {
                    self.start_poll(ctx);
                    return true;
                }
                Some(_) => self.abort_or_stop(ctx),
            },
            ForwardStep::Abort(call) => match self.producer_outcome(call) {
                None => return false,
                Some(Outcome::Done) => {
                    self.rewind_to_committed(operation);
                    self.start_poll(ctx);
                    return true;
                }
                Some(_) => None,
            },
        };
        self.app = match next {
            Some(step) => AppState::Forwarding { operation, step },
            None => AppState::Failed {
                reason: self
                    .forward
                    .as_ref()
                    .and_then(|f| f.producer.transactions())
                    .and_then(|t| t.last_error.clone())
                    .unwrap_or_else(|| "the transaction failed".to_owned()),
            },
        };
        true
    }

    fn transaction_call(&mut self, ctx: &mut Ctx<'_>, action: TxnAction) -> Option<ForwardStep> {
        let call = self.with_producer(ctx, |p, ctx| p.transaction(ctx, action))?;
        Some(match action {
            TxnAction::Commit => ForwardStep::Commit(call),
            _ => ForwardStep::Abort(call),
        })
    }

    /// A transaction that cannot commit is aborted; a fenced producer stops the application
    /// (Java's `ProducerFencedException`: only closing it helps).
    fn abort_or_stop(&mut self, ctx: &mut Ctx<'_>) -> Option<ForwardStep> {
        let fatal = self
            .forward
            .as_ref()
            .and_then(|f| f.producer.transactions())
            .is_some_and(|t| t.state == crate::producer::TxnClientState::FatalError);
        if fatal {
            return None;
        }
        self.transaction_call(ctx, TxnAction::Abort)
    }

    /// After an abort the application must not skip what it had polled: positions go back to
    /// the committed offsets (fetched again).
    fn rewind_to_committed(&mut self, operation: usize) {
        let Outcome::Polled { records, .. } = &self.history[operation].outcome else {
            return;
        };
        let partitions: Vec<TopicPartition> = records.iter().map(|r| r.tp.clone()).collect();
        for tp in partitions {
            if let Some(owned) = self.owned.get_mut(&tp) {
                owned.position = None;
            }
            self.buffer.remove(&tp);
        }
    }
}
