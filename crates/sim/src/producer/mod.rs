//! Kafka's producer client, modelled on the Java `KafkaProducer`: `send()` serializes,
//! partitions (an explicit partition, murmur2 of the key, or the uniform sticky partitioner)
//! and appends to the record accumulator; the sender drains ready batches (full, or lingered
//! `linger.ms`) into one Produce request per leader broker, at most
//! `max.in.flight.requests.per.connection` at a time, and retries retriable errors after
//! `retry.backoff.ms` until `delivery.timeout.ms`. With idempotence it first asks for a
//! producer id and stamps each batch with a per-partition sequence number.

mod accumulator;
mod config;
mod sender;
mod serializer;
mod transactions;

pub use accumulator::{Accumulator, BATCH_OVERHEAD, ProducerBatch, batch_size, record_size};
pub use config::{ConfigException, ProducerConfig};
pub use serializer::Serializer;
pub use transactions::{Transactions, TxnClientState};

/// The fastest stream a producer's application sends: one record per microsecond of virtual
/// time, the clock's resolution.
pub const MAX_STREAM_PER_SECOND: u32 = 1_000_000;

use crate::alarm::Alarm;
use crate::chunked::Chunked;
use crate::client::{Bootstrap, ClientMetadata, Operation, Outcome, Request};
use crate::in_flight_requests::InFlightRequests;
use crate::net::NodeId;
use crate::node::{Connection, Ctx, Timer};
use crate::partitioner::{StickyPartitioner, partition_for_key};
use crate::protocol::{
    ApiKey, BrokerId, Bytes, InitProducerIdResponse, Message, ProducerIdRequest, RecordData,
    RequestHeader, TopicPartition,
};
use crate::time::{SimDuration, SimTime};
use accumulator::{Appended, Head};
use sender::HeadDecision;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// What `send()` is given (Kafka's `ProducerRecord`). Topic, key and value are shared, not
/// copied: the command log, the producer's history and (with `StringSerializer`) the stored
/// record's payload all point at the one text the application gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerRecord {
    /// The topic.
    pub topic: Rc<str>,
    /// An explicit partition, which wins over the key.
    #[serde(default)]
    pub partition: Option<u32>,
    /// The key, or null.
    #[serde(default)]
    pub key: Option<Rc<str>>,
    /// The value, or null (a tombstone).
    #[serde(default)]
    pub value: Option<Rc<str>>,
    /// Headers, in order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// CreateTime in milliseconds; by default the moment of `send()`.
    #[serde(default)]
    pub timestamp: Option<u64>,
}

/// The application sending a steady stream of records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stream {
    /// Where the records go (one `Rc` for all its records).
    pub topic: Rc<str>,
    /// Records per second of virtual time.
    pub per_second: u32,
    /// How many it sent so far (the next value is `stream-{sent + 1}`).
    pub sent: u64,
    /// Distinguishes this stream's timers from those of a stream it replaced.
    generation: u64,
}

/// A send waiting for metadata or for `buffer.memory`, until `max.block.ms`.
#[derive(Clone, Debug)]
struct Blocked {
    operation: usize,
    record: ProducerRecord,
    deadline: SimTime,
}

/// What the last full pump left, while a send can only change the partition it appends to:
/// that pump sent nothing, no transaction and no blocked send can act, and no deadline
/// (linger, backoff, expiry) falls before `next`. Until then a send appends its record and
/// asks [`Producer::head_decision`] of that one partition instead of pumping again.
#[derive(Clone, Copy, Debug)]
struct Quiet {
    /// The earliest deadline the wake-up timer waits for, as `next_deadline` found it.
    next: Option<SimTime>,
}

/// Where a send went when it left the blocked list.
enum Admitted {
    /// Into the accumulator, in this partition.
    Appended(TopicPartition, Appended),
    /// It failed before it reached a batch.
    Failed,
    /// It still waits for metadata (true) or memory (false).
    Waiting(Blocked, bool),
}

/// The first blocked sends, all found waiting for a topic the metadata did not have: until
/// the metadata changes or one's `max.block.ms` passes, checking them again changes nothing,
/// so a pump checks only the sends behind them. Without it every send made while a topic is
/// unknown would check every send before it (quadratic in the sends of a `max.block.ms`).
#[derive(Clone, Copy, Debug)]
struct WaitingForMetadata {
    /// How many.
    count: usize,
    /// The operation of the last of them: the prefix is still the same sends only if that
    /// send is still at `count - 1` (a crash or an aborted transaction empties the list).
    last: usize,
    /// The metadata they were checked against.
    metadata_version: u64,
    /// The earliest of their deadlines.
    deadline: SimTime,
}

/// A Produce request in flight.
#[derive(Clone, Debug)]
struct InFlight {
    broker: BrokerId,
    batches: Vec<ProducerBatch>,
}

/// A producer node.
#[derive(Clone, Debug)]
pub struct Producer {
    /// Shared by every operation of its history.
    name: Rc<str>,
    config: ProducerConfig,
    bootstrap: Bootstrap,
    /// Backs off `retry.backoff.ms` after each answer.
    metadata: ClientMetadata,
    /// (producer id, epoch) once InitProducerId answered.
    producer_id: Option<(u64, u16)>,
    init_in_flight: Option<u64>,
    /// A sequenced batch failed for good: the next sequence numbers would leave a gap the
    /// broker refuses, so the epoch must be bumped first (KIP-360).
    epoch_bump: bool,
    /// The last sequence acknowledged per partition in this epoch: the broker accepts only
    /// contiguous sequences, so every lower one is in the log.
    last_acked: BTreeMap<TopicPartition, u32>,
    next_sequence: BTreeMap<TopicPartition, u32>,
    accumulator: Accumulator,
    sticky: StickyPartitioner,
    blocked: Vec<Blocked>,
    waiting_for_metadata: Option<WaitingForMetadata>,
    /// Produce requests waiting for answers; numbers every request the producer sends.
    in_flight: InFlightRequests<InFlight>,
    flushing: bool,
    stream: Option<Stream>,
    stream_generation: u64,
    /// The wake-up timers set and not yet gone off: the next linger, backoff or
    /// `delivery.timeout.ms` deadline, one pump for all of them.
    wakeups: Alarm,
    history: Chunked<Operation>,
    /// The transaction manager, with `transactional.id`.
    txn: Option<Transactions>,
    /// Set by a pump after which a send needs no pump of its own.
    quiet: Option<Quiet>,
    /// The topic of the last send the metadata knew, as the metadata names it, with its
    /// partition count: an application mostly sends to one topic, and counting a topic's
    /// partitions walks the metadata. Forgotten when the metadata changes.
    last_topic: Option<(Rc<str>, u32)>,
}

impl Producer {
    /// A broker joined the cluster.
    pub(crate) fn learn_brokers(&mut self, directory: &Rc<BTreeMap<BrokerId, NodeId>>) {
        // A leader's address may now be known: the next send pumps in full.
        self.quiet = None;
        self.bootstrap.learn(directory);
    }

    /// A producer that bootstraps from the brokers in `directory`.
    pub fn new(
        name: &str,
        config: ProducerConfig,
        directory: Rc<BTreeMap<BrokerId, NodeId>>,
    ) -> Self {
        let txn = config.transactional_id.as_deref().map(Transactions::new);
        Producer {
            txn,
            name: name.into(),
            config,
            bootstrap: Bootstrap::new(directory),
            metadata: ClientMetadata::default(),
            producer_id: None,
            init_in_flight: None,
            epoch_bump: false,
            last_acked: BTreeMap::new(),
            next_sequence: BTreeMap::new(),
            accumulator: Accumulator::default(),
            sticky: StickyPartitioner::default(),
            blocked: Vec::new(),
            waiting_for_metadata: None,
            in_flight: InFlightRequests::default(),
            flushing: false,
            stream: None,
            stream_generation: 0,
            wakeups: Alarm::default(),
            history: Chunked::new(),
            quiet: None,
            last_topic: None,
        }
    }

    /// Its name (`client.id`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its configuration.
    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    /// Every send so far, with its outcome.
    pub fn history(&self) -> &Chunked<Operation> {
        &self.history
    }

    /// What the `Future` that `send()` or a transaction call returned for `operation` holds
    /// once it is done (`None` while pending): how an application in the producer's process
    /// learns the result, as Java's `Future.get()` or a callback would tell it.
    pub(crate) fn completion(&self, operation: usize) -> Option<&Outcome> {
        let outcome = &self.history.get(operation)?.outcome;
        (*outcome != Outcome::Pending).then_some(outcome)
    }

    /// Its producer id and epoch, once it has them (idempotent or transactional).
    pub fn producer_id(&self) -> Option<(u64, u16)> {
        self.producer_id
    }

    /// Every batch: those in the accumulator, then those in flight with the broker they went
    /// to; and the number of requests in flight.
    pub fn pipeline(&self) -> (Vec<(&ProducerBatch, Option<BrokerId>)>, usize) {
        let queued = self.accumulator.batches().map(|b| (b, None));
        let sent = self
            .in_flight
            .values()
            .flat_map(|r| r.batches.iter().map(move |b| (b, Some(r.broker))));
        (queued.chain(sent).collect(), self.in_flight.len())
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        self.pump(ctx);
    }

    /// A crashed producer loses everything unsent: those sends never complete.
    pub(crate) fn on_crash(&mut self, now: SimTime) {
        let queued = self.accumulator.take_all().into_iter();
        let in_flight = self.in_flight.abandon().into_iter().flat_map(|r| r.batches);
        let unsent: Vec<usize> = self
            .blocked
            .drain(..)
            .map(|b| b.operation)
            .chain(queued.chain(in_flight).flat_map(|b| b.operations))
            .collect();
        for operation in unsent {
            let message = "the producer crashed before the record was acknowledged".to_owned();
            self.finish(now, operation, Outcome::Exception { message });
        }
        let history = std::mem::take(&mut self.history);
        let transactions = self.txn.as_ref().map_or(0, |t| t.number);
        let in_flight = std::mem::take(&mut self.in_flight);
        *self = Producer::new(&self.name, self.config.clone(), self.bootstrap.directory());
        // Ids go on across the node's processes (`InFlightRequests::abandon`).
        self.in_flight = in_flight;
        self.history = history;
        // The history goes on, so transaction numbers do too: each names one transaction.
        if let Some(txn) = self.txn.as_mut() {
            txn.number = transactions;
        }
    }

    /// `send()`: returns the index of the send in the history; its outcome arrives later.
    pub fn send(&mut self, ctx: &mut Ctx<'_>, record: ProducerRecord) -> usize {
        let request = Request::Send {
            topic: record.topic.clone(),
            partition: record.partition,
            key: record.key.clone(),
            value: record.value.clone(),
            transaction: self
                .txn
                .as_ref()
                .filter(|t| t.send_refusal().is_none())
                .map(|t| t.number),
        };
        self.history.push(Operation::pending(
            Rc::clone(&self.name),
            request,
            ctx.now(),
        ));
        let operation = self.history.len() - 1;
        ctx.invoked(operation);
        if let Some(message) = self.txn.as_ref().and_then(Transactions::send_refusal) {
            self.finish(ctx.now(), operation, Outcome::Exception { message });
            return operation;
        }
        let deadline = ctx.now() + self.config.max_block;
        let blocked = Blocked {
            operation,
            record,
            deadline,
        };
        match self.quiet.take() {
            Some(quiet) if self.may_send_quietly(quiet, ctx.now()) => {
                self.send_quietly(ctx, blocked, quiet)
            }
            _ => {
                self.blocked.push(blocked);
                self.pump(ctx);
            }
        }
        operation
    }

    /// Whether a pump now would do nothing but admit the new send and decide about its
    /// partition: nothing to ask for (metadata, a producer id), nothing blocked ahead of it,
    /// no transaction, and no deadline passed since the last full pump.
    fn may_send_quietly(&self, quiet: Quiet, now: SimTime) -> bool {
        quiet.next.is_none_or(|next| now < next)
            && self.blocked.is_empty()
            && self.txn.is_none()
            && !self.metadata.needs_request()
            && !self.init_due()
    }

    /// A send in a quiet state, with the effects a full pump would have: the state is what the
    /// last full pump left (nothing it could send, nothing due before `quiet.next`) plus the
    /// records appended since, each of which found its own partition not ready to send. So
    /// only the partition this record joins can change; if it becomes ready (a batch filled,
    /// a second batch queued, linger.ms=0) or has no leader, the rest of the pump runs in full.
    fn send_quietly(&mut self, ctx: &mut Ctx<'_>, blocked: Blocked, quiet: Quiet) {
        let now = ctx.now();
        let (tp, Appended { head, queued, .. }) = match self.admit(ctx, blocked) {
            Admitted::Appended(tp, appended) => (tp, appended),
            Admitted::Waiting(blocked, _) => {
                self.blocked.push(blocked);
                return self.pump_after_admit(ctx);
            }
            Admitted::Failed => {
                self.arm(ctx, quiet.next);
                self.quiet = Some(quiet);
                return;
            }
        };
        let idle = self.config.enable_idempotence && self.producer_id.is_none();
        if !idle {
            match self.head_decision(&tp, head, queued, now) {
                HeadDecision::Send(leader) if self.open_leader(leader).is_some() => {
                    return self.pump_after_admit(ctx);
                }
                HeadDecision::NoLeader => return self.pump_after_admit(ctx),
                HeadDecision::Send(_) | HeadDecision::Wait => {}
            }
        }
        // The head's deadlines: new if this send opened the partition's queue, else already
        // in `quiet.next` (a minimum does not mind seeing them twice).
        let next = self
            .head_deadlines(head)
            .into_iter()
            .flatten()
            .filter(|&t| t > now)
            .chain(quiet.next)
            .min();
        self.arm(ctx, next);
        self.quiet = Some(Quiet { next });
    }

    /// The steady stream it sends, if any.
    pub fn stream(&self) -> Option<&Stream> {
        self.stream.as_ref()
    }

    /// Starts (or, with 0 per second, stops) a steady stream of keyless records to `topic`:
    /// the application calls `send()` every 1/`per_second` of a second.
    pub fn set_stream(&mut self, ctx: &mut Ctx<'_>, topic: &str, per_second: u32) {
        self.stream_generation += 1;
        self.stream = (per_second > 0).then(|| Stream {
            topic: Rc::from(topic),
            per_second,
            sent: 0,
            generation: self.stream_generation,
        });
        self.schedule_stream(ctx);
    }

    fn schedule_stream(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(stream) = &self.stream {
            let gap = SimDuration::from_micros(1_000_000 / u64::from(stream.per_second.max(1)));
            ctx.set_timer(
                gap,
                Timer::ProducerStream {
                    generation: stream.generation,
                },
            );
        }
    }

    fn stream_send(&mut self, ctx: &mut Ctx<'_>, generation: u64) {
        let Some(stream) = self.stream.as_mut().filter(|s| s.generation == generation) else {
            return;
        };
        stream.sent += 1;
        let record = ProducerRecord {
            topic: Rc::clone(&stream.topic),
            value: Some(stream_value(&self.name, stream.sent)),
            ..ProducerRecord::default()
        };
        self.send(ctx, record);
        self.schedule_stream(ctx);
    }

    /// `flush()`: every batch is ready at once, lingering or not.
    pub fn flush(&mut self, ctx: &mut Ctx<'_>) {
        self.flushing = true;
        self.pump(ctx);
    }

    fn correlation_id(&mut self) -> u64 {
        self.in_flight.next_correlation_id()
    }

    /// The producer as the client on `connection` of its process (an application's producer
    /// numbers its requests apart from the application's consumer).
    pub(crate) fn on_connection(mut self, connection: Connection) -> Self {
        assert!(
            self.in_flight.is_empty() && self.history.is_empty(),
            "producer {}: moved to another connection after it started",
            self.name
        );
        self.in_flight = InFlightRequests::on(connection);
        self
    }

    fn finish(&mut self, now: SimTime, operation: usize, outcome: Outcome) {
        let entry = &mut self.history[operation];
        entry.outcome = outcome;
        entry.completed_at = Some(now);
    }

    /// A send that fails before it reaches a batch; inside a transaction the transaction can
    /// then only abort, as Java's `maybeTransitionToErrorState` decides.
    fn fail_send(&mut self, ctx: &mut Ctx<'_>, operation: usize, message: String) {
        self.finish(
            ctx.now(),
            operation,
            Outcome::Exception {
                message: message.clone(),
            },
        );
        if matches!(
            self.history[operation].request,
            Request::Send {
                transaction: Some(_),
                ..
            }
        ) {
            self.transaction_failed(ctx, crate::error::ErrorCode::None, &message);
        }
    }

    /// Moves blocked sends into the accumulator when metadata and memory allow, or fails them
    /// at `max.block.ms`.
    fn admit_blocked(&mut self, ctx: &mut Ctx<'_>) {
        if self.blocked.is_empty() {
            return;
        }
        let mut still = std::mem::take(&mut self.blocked);
        let unchanged = self.waiting_for_metadata.take().filter(|w| {
            w.metadata_version == self.metadata.version()
                && ctx.now() < w.deadline
                && still.get(w.count - 1).map(|b| b.operation) == Some(w.last)
        });
        let rest = still.split_off(unchanged.map_or(0, |w| w.count));
        let mut prefix = unchanged;
        // The prefix grows while every send checked waits for metadata.
        let mut prefix_open = true;
        for blocked in rest {
            if let Admitted::Waiting(blocked, for_metadata) = self.admit(ctx, blocked) {
                prefix_open &= for_metadata;
                if prefix_open {
                    let deadline =
                        prefix.map_or(blocked.deadline, |w| w.deadline.min(blocked.deadline));
                    prefix = Some(WaitingForMetadata {
                        count: still.len() + 1,
                        last: blocked.operation,
                        metadata_version: self.metadata.version(),
                        deadline,
                    });
                }
                still.push(blocked);
            }
        }
        self.blocked = still;
        self.waiting_for_metadata = prefix;
    }

    /// One blocked send: into the accumulator, failed, or still waiting.
    fn admit(&mut self, ctx: &mut Ctx<'_>, blocked: Blocked) -> Admitted {
        let now = ctx.now();
        let Some((topic, count)) = self.topic_in_metadata(&blocked.record.topic) else {
            if now >= blocked.deadline {
                let message = format!(
                    "TimeoutException: Topic {} not present in metadata after {} ms.",
                    blocked.record.topic,
                    self.config.max_block.as_millis()
                );
                self.fail_send(ctx, blocked.operation, message);
                return Admitted::Failed;
            }
            // Kafka's `waitOnMetadata` requests an update for the topic and wakes the sender:
            // ask now unless the backoff since the last answer runs (its end is a deadline
            // the pump wakes up for). Only marked stale, a send admitted after the backoff
            // had nothing left to wake it and waited out max.block.ms for metadata it never
            // asked for (a broker just restarted answered the first request from an empty
            // image).
            self.metadata.invalidate();
            if self.metadata.needs_request() && self.metadata.backoff_over(now) {
                self.request_metadata(ctx);
            }
            return Admitted::Waiting(blocked, true);
        };
        let sent_ms = self.history[blocked.operation].invoked_at.as_millis();
        let (tp, record) = match self.prepare(&blocked, &topic, count, sent_ms, ctx) {
            Err(message) => {
                self.fail_send(ctx, blocked.operation, message);
                return Admitted::Failed;
            }
            Ok(prepared) => prepared,
        };
        let limits = (self.config.batch_size, self.config.buffer_memory);
        let size = record.1;
        let appended = match (self.accumulator).append(&tp, record, blocked.operation, now, limits)
        {
            Ok(appended) => appended,
            Err(reserve) if now >= blocked.deadline => {
                let message = format!(
                    "BufferExhaustedException: Failed to allocate {reserve} bytes within the configured max blocking time {} ms. Total memory: {} bytes. Available memory: {} bytes. Poolable size: {} bytes",
                    self.config.max_block.as_millis(),
                    self.config.buffer_memory,
                    self.config.buffer_memory - self.accumulator.used(),
                    self.config.batch_size
                );
                self.fail_send(ctx, blocked.operation, message);
                return Admitted::Failed;
            }
            Err(_) => return Admitted::Waiting(blocked, false),
        };
        if blocked.record.partition.is_none()
            && (blocked.record.key.is_none() || self.config.partitioner_ignore_keys)
        {
            self.sticky
                .appended(&tp.topic, size, self.config.batch_size, appended.full);
        }
        Admitted::Appended(tp, appended)
    }

    /// The topic's name as the metadata holds it, and its partition count; `None` while the
    /// metadata does not know the topic. Partitions are then named with the metadata's own
    /// `Rc`, so every map keyed by them settles the name by pointer, not by its bytes.
    fn topic_in_metadata(&mut self, topic: &Rc<str>) -> Option<(Rc<str>, u32)> {
        if let Some((known, count)) = &self.last_topic
            && (Rc::ptr_eq(known, topic) || **known == **topic)
        {
            return Some((Rc::clone(known), *count));
        }
        let count = self.metadata.partition_count(topic);
        let known = self.metadata.known_name(topic)?;
        let known = (count > 0).then_some((known, count))?;
        self.last_topic = Some(known.clone());
        Some(known)
    }

    /// Serializes, checks the size and picks the partition, as `KafkaProducer.doSend`; the
    /// record comes back with its size, which the accumulator and the sticky partitioner use
    /// without counting it again.
    fn prepare(
        &mut self,
        blocked: &Blocked,
        topic: &Rc<str>,
        count: u32,
        sent_ms: u64,
        ctx: &mut Ctx<'_>,
    ) -> Result<(TopicPartition, (Rc<RecordData>, usize)), String> {
        let record = &blocked.record;
        let serialize = |serializer: Serializer,
                         config: &str,
                         text: &Option<Rc<str>>|
         -> Result<Option<Bytes>, String> {
            text.as_ref()
                .map(|t| serializer.serialize(config, t))
                .transpose()
        };
        let key = serialize(self.config.key_serializer, "key.serializer", &record.key)?;
        let value = serialize(
            self.config.value_serializer,
            "value.serializer",
            &record.value,
        )?;
        let headers = record
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Rc::from(v.as_bytes())))
            .collect();
        let data = RecordData {
            timestamp_ms: record.timestamp.unwrap_or(sent_ms),
            key,
            value,
            headers,
            send: Some(ctx.operation_id(blocked.operation)),
            ..RecordData::default()
        };
        let size = record_size(&data);
        if size > self.config.max_request_size {
            return Err(format!(
                "RecordTooLargeException: The message is {size} bytes when serialized which is larger than {}, which is the value of the max.request.size configuration.",
                self.config.max_request_size
            ));
        }
        let partition = match (record.partition, &data.key) {
            (Some(p), _) if p >= count => {
                return Err(format!(
                    "IllegalArgumentException: Invalid partition given with record: {p} is not in the range [0...{count})."
                ));
            }
            (Some(p), _) => p,
            (None, Some(key)) if !self.config.partitioner_ignore_keys => {
                partition_for_key(key, count)
            }
            _ => {
                let (metadata, accumulator) = (&self.metadata, &self.accumulator);
                let adaptive = self.config.partitioner_adaptive;
                self.sticky.partition(topic, count, ctx.rng(), || {
                    let available = (0..count)
                        .filter(|&p| {
                            metadata
                                .get(&TopicPartition {
                                    topic: Rc::clone(topic),
                                    partition: p,
                                })
                                .is_some_and(|s| s.leader.is_some())
                        })
                        .collect();
                    (
                        available,
                        adaptive.then(|| accumulator.queue_sizes(topic, count)),
                    )
                })
            }
        };
        Ok((
            TopicPartition {
                topic: Rc::clone(topic),
                partition,
            },
            (Rc::new(data), size),
        ))
    }

    /// Does whatever can be done now, then sets a timer for the next thing that will be due.
    fn pump(&mut self, ctx: &mut Ctx<'_>) {
        self.quiet = None;
        if self.metadata.needs_request() {
            self.request_metadata(ctx);
        }
        if self.init_due() {
            self.init_producer_id(ctx);
        }
        self.admit_blocked(ctx);
        self.pump_after_admit(ctx);
    }

    /// Whether an idempotent producer must ask for a producer id (or the next epoch) now.
    fn init_due(&self) -> bool {
        let bump_due =
            self.epoch_bump && self.in_flight.is_empty() && !self.accumulator.has_unresolved();
        self.config.enable_idempotence
            && self.txn.is_none()
            && (self.producer_id.is_none() || bump_due)
            && self.init_in_flight.is_none()
    }

    /// The pump from the admitted sends on: expiry, transactions, the drain, the wake-up.
    fn pump_after_admit(&mut self, ctx: &mut Ctx<'_>) {
        self.quiet = None;
        self.expire_batches(ctx);
        self.pump_transactions(ctx);
        let sent = self.drain(ctx);
        // flush() covers every record sent before it, including those still waiting for
        // metadata or memory.
        if self.accumulator.heads().next().is_none() && self.blocked.is_empty() {
            self.flushing = false;
        }
        let next = self.next_deadline(ctx.now());
        self.arm(ctx, next);
        if !sent && self.txn.is_none() && self.blocked.is_empty() {
            self.quiet = Some(Quiet { next });
        }
    }

    fn request_metadata(&mut self, ctx: &mut Ctx<'_>) {
        let correlation_id = self.correlation_id();
        self.metadata.requested(correlation_id);
        let request = Message::metadata(correlation_id, Rc::clone(&self.name));
        self.bootstrap
            .send(ctx, request, correlation_id, self.config.request_timeout);
    }

    fn init_producer_id(&mut self, ctx: &mut Ctx<'_>) {
        let correlation_id = self.correlation_id();
        self.init_in_flight = Some(correlation_id);
        // KIP-360: after a sequence gap, ask for the next epoch of the same producer id.
        let current = self.producer_id.filter(|_| self.epoch_bump);
        let header = RequestHeader::new(
            ApiKey::InitProducerId,
            correlation_id,
            Rc::clone(&self.name),
        );
        let request = Message::InitProducerId(header, ProducerIdRequest { current });
        self.bootstrap
            .send(ctx, request, correlation_id, self.config.request_timeout);
    }

    /// The earliest deadline after `now`: a batch's linger, backoff or expiry, a blocked
    /// send's `max.block.ms`, the metadata backoff, the transaction's retry.
    fn next_deadline(&self, now: SimTime) -> Option<SimTime> {
        let delivery = self.config.delivery_timeout;
        self.accumulator
            .heads()
            .flat_map(|(_, b, _)| self.head_deadlines(b))
            .chain(
                self.in_flight
                    .values()
                    .flat_map(|r| &r.batches)
                    .map(|b| Some(b.created + delivery)),
            )
            .chain(self.blocked.iter().map(|b| Some(b.deadline)))
            .chain(std::iter::once(self.metadata.retry_at()))
            .chain(std::iter::once(
                self.txn.as_ref().and_then(Transactions::retry_at),
            ))
            .flatten()
            .filter(|&t| t > now)
            .min()
    }

    /// The moments a partition's head batch must be looked at again: its linger ends, its
    /// retry backoff ends, its `delivery.timeout.ms` runs out. One list for the full pump's
    /// wake-up and for a quiet send's.
    fn head_deadlines(&self, head: Head) -> [Option<SimTime>; 3] {
        [
            Some(head.created + self.config.linger),
            head.retry_at,
            Some(head.created + self.config.delivery_timeout),
        ]
    }

    /// Sets a wake-up timer for `next`, unless one set before goes off at or before it.
    fn arm(&mut self, ctx: &mut Ctx<'_>, next: Option<SimTime>) {
        if let Some(at) = next {
            self.wakeups.arm(ctx, at, Timer::ProducerWakeup);
        }
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::ProducerWakeup => {
                self.wakeups.went_off(ctx.now());
                self.pump(ctx);
            }
            Timer::ClientRequestTimeout { correlation_id } => {
                self.on_request_timeout(ctx, correlation_id)
            }
            Timer::ClientRequestTimeouts => self.on_request_timeouts(ctx),
            Timer::ProducerStream { generation } => self.stream_send(ctx, generation),
            other => unreachable!(
                "producer {}: fired {other:?}, a timer producers never set",
                self.name
            ),
        }
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, _from: NodeId, message: Message) {
        if self.on_txn_response(ctx, &message) {
            return self.pump(ctx);
        }
        match message {
            Message::MetadataResponse(header, response)
                if self.metadata.take_request(header.correlation_id) =>
            {
                self.metadata
                    .back_off_until(ctx.now() + self.config.retry_backoff);
                self.metadata.update(response);
                self.last_topic = None;
            }
            Message::InitProducerIdResponse(header, response)
                if self.init_in_flight == Some(header.correlation_id) =>
            {
                let InitProducerIdResponse {
                    error,
                    producer_id,
                    producer_epoch,
                } = response;
                self.init_in_flight = None;
                if error == crate::error::ErrorCode::None {
                    if self.epoch_bump {
                        // New epoch: every partition's sequence starts again at 0, and batches
                        // waiting for a retry are stamped anew when they go out.
                        self.epoch_bump = false;
                        self.next_sequence.clear();
                        self.last_acked.clear();
                        self.accumulator.clear_headers();
                        ctx.emit(crate::event::EventKind::ProducerEpochBumped {
                            producer: self.name.to_string(),
                            producer_id,
                            epoch: producer_epoch,
                        });
                    }
                    self.producer_id = Some((producer_id, producer_epoch));
                }
            }
            Message::ProduceResponse(header, response) => {
                self.on_produce_response(ctx, header.correlation_id, response.partitions);
            }
            // Answers to requests the producer no longer waits for (timed out and sent again,
            // or the transaction moved on): Kafka's NetworkClient drops them too.
            Message::MetadataResponse { .. }
            | Message::InitProducerIdResponse { .. }
            | Message::FindCoordinatorResponse { .. } => return,
            Message::Group(group) if group.is_response() => return,
            Message::Txn(_) => return,
            other => unreachable!(
                "producer {}: received {other:?}, which is not a response",
                self.name
            ),
        }
        self.pump(ctx);
    }
}

/// A streamed record's value, `{producer}-stream-{n}`, written on the stack and copied once
/// into its `Rc`: built in a `String`, each streamed record took three allocations (the
/// `String`, its `Rc` and an `Rc` of the topic's name) where it now takes one. The number's
/// digits are written by hand: through `write!` they cost a streamed record more than its
/// partitioning.
fn stream_value(producer: &str, n: u64) -> Rc<str> {
    const STREAM: &[u8] = b"-stream-";
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let parts = [producer.as_bytes(), STREAM, &digits[start..]];
    let mut buf = [0u8; 128];
    let mut len = 0;
    for part in parts {
        let Some(to) = buf.get_mut(len..len + part.len()) else {
            // A producer's name too long for the buffer.
            return Rc::from(format!("{producer}-stream-{n}"));
        };
        to.copy_from_slice(part);
        len += part.len();
    }
    Rc::from(std::str::from_utf8(&buf[..len]).expect("written from a str and ASCII digits"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_streamed_value_names_its_producer_and_its_number_whatever_the_name_length() {
        assert_eq!(&*super::stream_value("p1", 42), "p1-stream-42");
        assert_eq!(&*super::stream_value("p1", 0), "p1-stream-0");
        assert_eq!(&*super::stream_value("é", 10), "é-stream-10");
        let fits = "p".repeat(100);
        let value = super::stream_value(&fits, u64::MAX);
        assert_eq!(&*value, format!("{fits}-stream-{}", u64::MAX));
        let long = "p".repeat(200);
        let value = super::stream_value(&long, u64::MAX);
        assert_eq!(&*value, format!("{long}-stream-{}", u64::MAX));
    }
}
