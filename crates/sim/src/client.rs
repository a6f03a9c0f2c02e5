//! A plain Kafka client, for tests, scenarios and the UI: it learns leaders through Metadata
//! (so its view can be stale and get NOT_LEADER_OR_FOLLOWER), sends one Produce per record with
//! the chosen acks, and reads with Fetch. It does not retry; every operation ends with the
//! broker's answer or `request.timeout.ms`, and is kept as history.

use crate::chunked::Chunked;
use crate::error::ErrorCode;
use crate::in_flight_requests::InFlightRequests;
use crate::metadata::PartitionState;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::partitioner::partition_for_key;
use crate::protocol::{
    ApiKey, BatchHeader, BrokerId, Bytes, FetchPartition, FetchRequest, Message, ProduceBatch,
    ProduceRequest, RecordData, RequestHeader, TopicPartition,
};
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

// Written `{"op": "<variant>", ...}`: see crate::tagged for why not `#[serde(tag)]`.
crate::tagged::tagged!(Request, "op");

/// What a client was asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Request {
    /// Produce one record.
    Produce {
        /// Topic.
        topic: String,
        /// An explicit partition; otherwise murmur2 of the key, or partition 0 for null keys.
        partition: Option<u32>,
        /// Key.
        key: Option<String>,
        /// Value.
        value: String,
        /// 0, 1 or -1 (all).
        acks: i16,
    },
    /// A producer's `send()` (see `producer::ProducerRecord`).
    Send {
        /// Topic.
        topic: Rc<str>,
        /// An explicit partition, if any.
        partition: Option<u32>,
        /// Key (the text the application gave, shared with its `ProducerRecord`).
        key: Option<Rc<str>>,
        /// Value.
        value: Option<Rc<str>>,
        /// The transactional producer's transaction it was sent in (counted from 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction: Option<u64>,
    },
    /// A consumer's `poll()` that returned records (empty polls are not kept).
    Poll {
        /// The consumer's group, if it has one.
        group: Option<String>,
        /// `isolation.level=read_committed`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        read_committed: bool,
    },
    /// A transactional producer's `initTransactions()`, `beginTransaction()`,
    /// `commitTransaction()` or `abortTransaction()`.
    Transaction {
        /// Which call.
        action: TxnAction,
        /// The transaction it concerns (counted from 1; 0 for `initTransactions`).
        transaction: u64,
    },
    /// A transactional producer's `sendOffsetsToTransaction()`: a consumer group's offsets,
    /// committed with the transaction (exactly-once consume-transform-produce).
    SendOffsets {
        /// The consumer's group.
        group: String,
        /// The next offset to read, per partition.
        offsets: Vec<(TopicPartition, u64)>,
        /// The transaction (counted from 1).
        transaction: u64,
    },
    /// A consumer's offset commit (auto, `commitSync` or `commitAsync`).
    Commit {
        /// The consumer's group.
        group: String,
        /// The next offset to read, per partition.
        offsets: Vec<(TopicPartition, u64)>,
        /// Which commit: `auto`, `sync` or `async`.
        kind: String,
        /// Offsets the application named (`commitSync(Map<TopicPartition,
        /// OffsetAndMetadata>)`), not the consumer's positions: the checker holds them to
        /// what the consumer had processed.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        explicit: bool,
        /// Explicit `OffsetAndMetadata.metadata()` given by the application, where not empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        metadata: Vec<(TopicPartition, String)>,
    },
    /// Read a partition from an offset, up to what the leader returns now.
    Fetch {
        /// Topic.
        topic: String,
        /// Partition.
        partition: u32,
        /// First offset.
        offset: u64,
    },
}

/// The transactional producer's calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnAction {
    /// `initTransactions()`.
    Init,
    /// `beginTransaction()`.
    Begin,
    /// `commitTransaction()`.
    Commit,
    /// `abortTransaction()`.
    Abort,
}

impl TxnAction {
    /// The Java method's name.
    pub fn method(self) -> &'static str {
        match self {
            TxnAction::Init => "initTransactions()",
            TxnAction::Begin => "beginTransaction()",
            TxnAction::Commit => "commitTransaction()",
            TxnAction::Abort => "abortTransaction()",
        }
    }
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Waiting for an answer.
    Pending,
    /// acks=0: sent, and nothing will ever say whether it arrived.
    Sent {
        /// The partition it went to.
        partition: u32,
    },
    /// The broker acknowledged the record (Kafka's `RecordMetadata`).
    Acked {
        /// The partition.
        partition: u32,
        /// Its offset.
        offset: u64,
        /// Its timestamp (CreateTime: given with the record, or the moment of `send()`).
        timestamp_ms: u64,
    },
    /// Records a consumer's `poll()` returned, and whether the application finished
    /// processing them (it may crash first).
    Polled {
        /// The records, in the order returned: shared, so a copy of the history (a rewind
        /// checkpoint holds its newest operations of its own) does not copy them.
        records: Rc<[ConsumedRecord]>,
        /// The group generation the consumer was in (-1 outside a group).
        generation: i32,
        /// Whether processing completed (at `completed_at`).
        processed: bool,
        /// When the process died during processing: how many of the records, from the first,
        /// it had finished (each takes `app.processing.ms`).
        #[serde(default, skip_serializing_if = "is_zero")]
        partly_processed: usize,
    },
    /// The coordinator stored the offsets.
    Committed,
    /// A call that returns nothing completed (a transaction's begin, commit, abort).
    Done,
    /// Records read, with the leader's high watermark.
    Fetched {
        /// `(offset, key, value)` of each record.
        records: Vec<(u64, String, String)>,
        /// The HW the leader reported.
        high_watermark: u64,
    },
    /// A client-side exception before or instead of a broker's answer (serialization,
    /// `max.block.ms`, `delivery.timeout.ms`, ...), with Kafka's exception name and message.
    Exception {
        /// `SerializationException: ...`.
        message: String,
    },
    /// The error Kafka returned, or REQUEST_TIMED_OUT.
    Failed {
        /// The error.
        error: ErrorCode,
        /// Kafka's message, when it sent one.
        message: Option<String>,
    },
}

/// One record as a consumer received it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumedRecord {
    /// Its partition.
    pub tp: TopicPartition,
    /// Its offset.
    pub offset: u64,
    /// CreateTime in milliseconds.
    pub timestamp_ms: u64,
    /// The key's bytes (the stored record's own, shared), or none for a null key: a key that
    /// is the text `null` is not a null key.
    #[serde(serialize_with = "text_or_null")]
    pub key: Option<Bytes>,
    /// The value's bytes, or none for a tombstone.
    #[serde(serialize_with = "text_or_null")]
    pub value: Option<Bytes>,
    /// Headers as text.
    pub headers: Vec<(String, String)>,
    /// Written in a transaction (a read_committed consumer only gets it once committed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transactional: bool,
}

impl ConsumedRecord {
    /// What a consumer gets for a stored record.
    pub fn from_record(tp: &TopicPartition, record: &crate::protocol::Record) -> Self {
        ConsumedRecord {
            tp: tp.clone(),
            offset: record.offset,
            timestamp_ms: record.data.timestamp_ms,
            key: record.data.key.clone(),
            value: record.data.value.clone(),
            headers: record
                .data
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
                .collect(),
            transactional: record.batch.transactional,
        }
    }

    /// The key as text (lossy UTF-8), or `null`.
    pub fn key_text(&self) -> String {
        crate::protocol::text(self.key.as_deref())
    }

    /// The value as text (lossy UTF-8), or `null`.
    pub fn value_text(&self) -> String {
        crate::protocol::text(self.value.as_deref())
    }
}

/// Bytes as the text a `StringDeserializer` reads (lossy UTF-8), null as JSON's null.
fn text_or_null<S: serde::Serializer>(
    bytes: &Option<Bytes>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => serializer.serialize_str(&String::from_utf8_lossy(b)),
        None => serializer.serialize_none(),
    }
}

/// One operation of the run, named by its client's process, the connection it went on (a
/// forwarding application has two clients) and its place in that client's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OperationId {
    /// The client's process.
    pub node: NodeId,
    /// Which of the process's clients.
    pub connection: crate::node::Connection,
    /// The operation's index in that client's history.
    pub index: u32,
}

impl OperationId {
    pub(crate) fn new(node: NodeId, connection: crate::node::Connection, index: usize) -> Self {
        OperationId {
            node,
            connection,
            index: u32::try_from(index).expect("a client's history fits in u32"),
        }
    }
}

/// One operation with its timing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Operation {
    /// The client that ran it (shared with the client, not a copy per operation).
    pub client: Rc<str>,
    /// What was asked.
    pub request: Request,
    /// When it was asked.
    pub invoked_at: SimTime,
    /// When it ended.
    pub completed_at: Option<SimTime>,
    /// How it ended.
    pub outcome: Outcome,
}

impl Operation {
    /// An operation just invoked, waiting for its outcome.
    pub fn pending(client: Rc<str>, request: Request, invoked_at: SimTime) -> Self {
        Operation {
            client,
            request,
            invoked_at,
            completed_at: None,
            outcome: Outcome::Pending,
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Outcome {
    /// The records of a poll the application finished processing: all once it completed,
    /// the first ones done before a crash otherwise.
    pub fn processed_records(&self) -> &[ConsumedRecord] {
        match self {
            Outcome::Polled {
                records,
                processed: true,
                ..
            } => records,
            Outcome::Polled {
                records,
                partly_processed,
                ..
            } => &records[..(*partly_processed).min(records.len())],
            _ => &[],
        }
    }
}

/// Errors after which a client asks FindCoordinator again (the group's or the transaction's
/// coordinator moved, is loading, or did not answer).
pub fn find_another_coordinator(error: crate::error::ErrorCode) -> bool {
    use crate::error::ErrorCode;
    matches!(
        error,
        ErrorCode::NotCoordinator
            | ErrorCode::CoordinatorNotAvailable
            | ErrorCode::CoordinatorLoadInProgress
            | ErrorCode::RequestTimedOut
            | ErrorCode::NetworkException
    )
}

/// `orders-0@12 orders-1@7`.
pub(crate) fn offset_list(offsets: &[(TopicPartition, u64)]) -> String {
    let list: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}@{o}")).collect();
    list.join(" ")
}

impl std::fmt::Display for Operation {
    /// One line for logs and panels: when, who, what, and how it ended.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.request {
            Request::Send { topic, value, .. } => {
                format!("{} → {topic}", value.as_deref().unwrap_or("null"))
            }
            Request::Produce { topic, value, .. } => format!("{value} → {topic}"),
            Request::Fetch {
                topic,
                partition,
                offset,
            } => format!("fetch {topic}-{partition} from {offset}"),
            Request::Poll { .. } => "poll()".to_owned(),
            Request::Transaction {
                action,
                transaction,
            } => match action {
                TxnAction::Init => action.method().to_owned(),
                _ => format!("{} (transaction {transaction})", action.method()),
            },
            Request::Commit { offsets, kind, .. } => {
                format!("commit ({kind}) {}", offset_list(offsets))
            }
            Request::SendOffsets {
                offsets,
                transaction,
                ..
            } => format!(
                "sendOffsetsToTransaction() {} (transaction {transaction})",
                offset_list(offsets)
            ),
        };
        let result = match &self.outcome {
            Outcome::Pending => "waiting…".to_owned(),
            Outcome::Sent { partition } => {
                format!("sent to partition {partition}; acks=0, so nobody will say if it arrived")
            }
            Outcome::Acked {
                partition,
                offset,
                timestamp_ms,
            } => format!(
                "acknowledged: partition {partition}, offset {offset}, timestamp {timestamp_ms}{}",
                // How long acks=1 and acks=all take tell apart what each waits for.
                self.completed_at
                    .map(|at| format!(", after {}", at.since(self.invoked_at)))
                    .unwrap_or_default()
            ),
            Outcome::Polled {
                records,
                processed,
                partly_processed,
                ..
            } => {
                let first = records
                    .first()
                    .map(|r| format!(" from {}@{}", r.tp, r.offset));
                let state = match (*processed, *partly_processed) {
                    (true, _) => "processed".to_owned(),
                    (false, 0) => "not processed".to_owned(),
                    (false, n) => format!("{n} processed before a crash"),
                };
                format!(
                    "{} record(s){}; {state}",
                    records.len(),
                    first.unwrap_or_default()
                )
            }
            Outcome::Committed => "committed".to_owned(),
            Outcome::Done => "done".to_owned(),
            Outcome::Fetched {
                records,
                high_watermark,
            } => format!("{} record(s), HW {high_watermark}", records.len()),
            Outcome::Exception { message } => message.clone(),
            Outcome::Failed {
                error,
                message: Some(m),
            } => format!("{error}: {m}"),
            Outcome::Failed {
                error,
                message: None,
            } => error.to_string(),
        };
        write!(f, "{} {} {what}: {result}", self.invoked_at, self.client)
    }
}

/// The brokers a client bootstraps from, tried in turn for requests any broker can answer
/// (Metadata, InitProducerId), as Kafka's clients pick a node to ask.
#[derive(Clone, Debug)]
pub(crate) struct Bootstrap {
    directory: Rc<BTreeMap<BrokerId, NodeId>>,
    next: usize,
}

impl Bootstrap {
    pub(crate) fn new(directory: Rc<BTreeMap<BrokerId, NodeId>>) -> Self {
        Bootstrap { directory, next: 0 }
    }

    /// The directory it was made from.
    pub(crate) fn directory(&self) -> Rc<BTreeMap<BrokerId, NodeId>> {
        Rc::clone(&self.directory)
    }

    /// Learns of brokers added to the cluster (as a Metadata response lists them).
    pub(crate) fn learn(&mut self, directory: &Rc<BTreeMap<BrokerId, NodeId>>) {
        self.directory = Rc::clone(directory);
    }

    /// Where broker `id` is.
    pub(crate) fn node(&self, id: BrokerId) -> Option<NodeId> {
        self.directory.get(&id).copied()
    }

    /// Sends `message` to the next broker in turn, with a `request.timeout.ms` timer.
    pub(crate) fn send(
        &mut self,
        ctx: &mut Ctx<'_>,
        message: Message,
        correlation_id: u64,
        timeout: SimDuration,
    ) {
        let node = *self
            .directory
            .values()
            .nth(self.next % self.directory.len())
            .expect("a cluster has brokers");
        self.next += 1;
        ctx.send(node, message);
        ctx.set_timer(timeout, Timer::ClientRequestTimeout { correlation_id });
    }
}

/// Errors after which a client's metadata is out of date: the leader moved, the partition is
/// unknown, or no answer came (one rule for every client kind).
pub(crate) fn invalidates_metadata(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::NotLeaderOrFollower
            | ErrorCode::LeaderNotAvailable
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::UnknownTopicId
            | ErrorCode::FencedLeaderEpoch
            | ErrorCode::UnknownLeaderEpoch
            | ErrorCode::RequestTimedOut
            | ErrorCode::NetworkException
    )
}

/// A client's view of the cluster's partitions (Kafka's client-side `Metadata`), one for every
/// client kind: what the last Metadata answer said, whether an error or a timeout has made it
/// stale since, when the next request may go (the backoff the client kind computes), and the
/// request in flight, for the clients that track it here.
#[derive(Clone, Debug)]
pub(crate) struct ClientMetadata {
    partitions: BTreeMap<TopicPartition, PartitionState>,
    /// Each topic's id, by name.
    topic_ids: BTreeMap<Rc<str>, crate::protocol::TopicId>,
    stale: bool,
    /// No metadata request before this.
    not_before: SimTime,
    in_flight: Option<u64>,
    /// Counts the answers taken: a producer's sends waiting for a topic look again only when
    /// it moves.
    version: u64,
}

impl Default for ClientMetadata {
    /// Nothing known yet: stale, so the first request goes at once.
    fn default() -> Self {
        ClientMetadata {
            partitions: BTreeMap::new(),
            topic_ids: BTreeMap::new(),
            stale: true,
            not_before: SimTime::ZERO,
            in_flight: None,
            version: 0,
        }
    }
}

impl ClientMetadata {
    /// What the metadata says of `tp`.
    pub(crate) fn get(&self, tp: &TopicPartition) -> Option<&PartitionState> {
        self.partitions.get(tp)
    }

    /// The id of `topic`, if the metadata knows it.
    pub(crate) fn topic_id(&self, topic: &str) -> Option<crate::protocol::TopicId> {
        self.topic_ids.get(topic).cloned()
    }

    /// The leader of `tp`, if the metadata names one.
    pub(crate) fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.partitions.get(tp)?.leader
    }

    /// How many partitions `topic` has (zero: unknown). Derived from the metadata rather than
    /// kept beside it; the map is ordered by topic, so this is a range scan.
    pub(crate) fn partition_count(&self, topic: &Rc<str>) -> u32 {
        // The caller's name is shared, not copied: this runs for every record a producer sends.
        self.topic_partitions(topic).count() as u32
    }

    /// The topic's name as the metadata holds it (its own `Rc`), if it knows the topic.
    pub(crate) fn known_name(&self, topic: &Rc<str>) -> Option<Rc<str>> {
        let (tp, _) = self.topic_partitions(topic).next()?;
        Some(Rc::clone(&tp.topic))
    }

    fn topic_partitions<'a>(
        &'a self,
        topic: &'a Rc<str>,
    ) -> impl Iterator<Item = (&'a TopicPartition, &'a PartitionState)> {
        let first = TopicPartition {
            topic: Rc::clone(topic),
            partition: 0,
        };
        self.partitions
            .range(first..)
            .take_while(move |(tp, _)| tp.topic == *topic)
    }

    /// Whether the next request for anything should refresh it first.
    pub(crate) fn is_stale(&self) -> bool {
        self.stale
    }

    /// It is out of date: the next chance asks for it again.
    pub(crate) fn invalidate(&mut self) {
        self.stale = true;
    }

    /// Invalidates it after an error that says it is out of date ([`invalidates_metadata`]).
    pub(crate) fn note_error(&mut self, error: ErrorCode) {
        if invalidates_metadata(error) {
            self.stale = true;
        }
    }

    /// When a stale metadata may be asked for again; `None` while it is fresh.
    pub(crate) fn retry_at(&self) -> Option<SimTime> {
        self.stale.then_some(self.not_before)
    }

    /// No request before `at`.
    pub(crate) fn back_off_until(&mut self, at: SimTime) {
        self.not_before = at;
    }

    /// Whether a client that tracks its request here should send one: stale, and none in
    /// flight (the backoff only sets when the client wakes up to ask).
    pub(crate) fn needs_request(&self) -> bool {
        self.stale && self.in_flight.is_none()
    }

    /// Whether the backoff lets a request go at `now`.
    pub(crate) fn backoff_over(&self, now: SimTime) -> bool {
        now >= self.not_before
    }

    /// A Metadata request went with `correlation_id`.
    pub(crate) fn requested(&mut self, correlation_id: u64) {
        self.in_flight = Some(correlation_id);
    }

    /// Whether `correlation_id` is the request in flight; if so, it is no longer.
    pub(crate) fn take_request(&mut self, correlation_id: u64) -> bool {
        let answers = self.in_flight == Some(correlation_id);
        if answers {
            self.in_flight = None;
        }
        answers
    }

    /// An answer (to the request in flight, or one the client tracks itself) replaces what it
    /// knew; fresh until an error says otherwise.
    pub(crate) fn update(&mut self, response: crate::protocol::MetadataResponse) {
        self.partitions = response.partitions.into_iter().collect_map();
        self.topic_ids = response.topic_ids.into_iter().collect_map();
        self.stale = false;
        self.version += 1;
    }

    /// How many answers it has taken.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// After a crash: the request in flight is gone, and what it knew may be out of date.
    pub(crate) fn forget_request(&mut self) {
        self.in_flight = None;
        self.stale = true;
    }
}

/// Client configs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// `request.timeout.ms` (default 30000).
    pub request_timeout: SimDuration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            request_timeout: SimDuration::from_millis(30_000),
        }
    }
}

/// A client node.
#[derive(Clone, Debug)]
pub struct Client {
    name: Rc<str>,
    config: ClientConfig,
    pub(crate) bootstrap: Bootstrap,
    metadata: ClientMetadata,
    /// Operations waiting for metadata, by index into `history`.
    waiting: Vec<usize>,
    /// Requests in flight: correlation id to index into `history`.
    in_flight: InFlightRequests<usize>,
    history: Chunked<Operation>,
}

impl Client {
    /// A client that bootstraps from the brokers in `directory`.
    pub fn new(
        name: &str,
        directory: Rc<BTreeMap<BrokerId, NodeId>>,
        config: ClientConfig,
    ) -> Self {
        Client {
            name: Rc::from(name),
            config,
            bootstrap: Bootstrap::new(directory),
            metadata: ClientMetadata::default(),
            waiting: Vec::new(),
            in_flight: InFlightRequests::default(),
            history: Chunked::new(),
        }
    }

    /// The client's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every operation so far.
    pub fn history(&self) -> &Chunked<Operation> {
        &self.history
    }

    pub(crate) fn on_start(&mut self, _ctx: &mut Ctx<'_>) {}

    /// Requests in flight are abandoned, and their operations end unanswered.
    pub(crate) fn on_crash(&mut self, now: SimTime) {
        self.metadata.forget_request();
        let abandoned: Vec<usize> = self
            .waiting
            .drain(..)
            .chain(self.in_flight.abandon())
            .collect();
        for index in abandoned {
            let message = "the client crashed before an answer came".to_owned();
            self.finish(now, index, Outcome::Exception { message });
        }
    }

    /// Starts an operation; returns its index in the history.
    pub fn submit(&mut self, ctx: &mut Ctx<'_>, request: Request) -> usize {
        self.history.push(Operation::pending(
            Rc::clone(&self.name),
            request,
            ctx.now(),
        ));
        let index = self.history.len() - 1;
        ctx.invoked(index);
        self.waiting.push(index);
        self.dispatch(ctx);
        index
    }

    /// Sends what can be sent; asks for metadata when it is stale.
    fn dispatch(&mut self, ctx: &mut Ctx<'_>) {
        if self.waiting.is_empty() {
            return;
        }
        if self.metadata.is_stale() {
            if self.metadata.needs_request() {
                self.request_metadata(ctx);
            }
            return;
        }
        for index in std::mem::take(&mut self.waiting) {
            self.send_operation(ctx, index);
        }
    }

    fn request_metadata(&mut self, ctx: &mut Ctx<'_>) {
        let correlation_id = self.in_flight.next_correlation_id();
        self.metadata.requested(correlation_id);
        let request = Message::metadata(correlation_id, Rc::clone(&self.name));
        let timeout = self.config.request_timeout;
        self.bootstrap.send(ctx, request, correlation_id, timeout);
    }

    fn finish(&mut self, now: SimTime, index: usize, outcome: Outcome) {
        let operation = &mut self.history[index];
        operation.outcome = outcome;
        operation.completed_at = Some(now);
    }

    fn fail(&mut self, now: SimTime, index: usize, error: ErrorCode, message: Option<String>) {
        self.finish(now, index, Outcome::Failed { error, message });
    }

    fn send_operation(&mut self, ctx: &mut Ctx<'_>, index: usize) {
        let now = ctx.now();
        let (topic, partition, message_for) = match &self.history[index].request {
            Request::Produce {
                topic,
                partition,
                key,
                value,
                acks,
            } => {
                let count = self.metadata.partition_count(&Rc::from(topic.as_str()));
                let partition = partition.unwrap_or_else(|| match key {
                    Some(key) if count > 0 => partition_for_key(key.as_bytes(), count),
                    _ => 0,
                });
                let data = RecordData {
                    timestamp_ms: self.history[index].invoked_at.as_millis(),
                    key: key.as_ref().map(|k| Rc::from(k.as_bytes())),
                    value: Some(Rc::from(value.as_bytes())),
                    send: Some(ctx.operation_id(index)),
                    ..RecordData::default()
                };
                (topic.clone(), partition, Some((*acks, Rc::new(data))))
            }
            Request::Fetch {
                topic, partition, ..
            } => (topic.clone(), *partition, None),
            Request::Send { .. }
            | Request::Poll { .. }
            | Request::Commit { .. }
            | Request::SendOffsets { .. }
            | Request::Transaction { .. } => {
                let message =
                    "a plain client only produces and fetches; add a producer or consumer"
                        .to_owned();
                return self.finish(now, index, Outcome::Exception { message });
            }
        };
        let tp = TopicPartition::new(&topic, partition);
        let Some(state) = self.metadata.get(&tp) else {
            return self.fail(now, index, ErrorCode::UnknownTopicOrPartition, None);
        };
        let Some(node) = state.leader.and_then(|l| self.bootstrap.node(l)) else {
            return self.fail(now, index, ErrorCode::LeaderNotAvailable, None);
        };
        let leader_epoch = state.leader_epoch;
        let correlation_id = self.in_flight.next_correlation_id();
        let timeout = self.config.request_timeout;
        let message = match message_for {
            Some((acks, data)) => {
                if acks == 0 {
                    self.finish(now, index, Outcome::Sent { partition });
                } else {
                    self.in_flight.insert(correlation_id, index);
                }
                let header = Rc::new(BatchHeader {
                    record_count: 1,
                    ..BatchHeader::default()
                });
                let batches = vec![ProduceBatch {
                    tp,
                    header,
                    records: vec![data],
                }];
                let request = ProduceRequest {
                    acks,
                    timeout_ms: timeout.as_millis(),
                    batches,
                    transactional_id: Default::default(),
                };
                let client_id = Rc::clone(&self.name);
                let header = RequestHeader::new(ApiKey::Produce, correlation_id, client_id);
                Message::Produce(header, request)
            }
            None => {
                let Request::Fetch { offset, .. } = self.history[index].request else {
                    unreachable!()
                };
                self.in_flight.insert(correlation_id, index);
                let partitions = vec![FetchPartition {
                    tp,
                    fetch_offset: offset,
                    last_fetched_epoch: None,
                    current_leader_epoch: Some(leader_epoch),
                    topic_id: None,
                }];
                let request = FetchRequest {
                    replica_id: None,
                    max_wait_ms: 0,
                    min_bytes: 1,
                    read_committed: false,
                    rack_id: None,
                    partitions,
                    max_bytes: crate::protocol::Extension(None),
                    metadata: Default::default(),
                    forgotten: Default::default(),
                };
                let client_id = Rc::clone(&self.name);
                let header = RequestHeader::new(ApiKey::Fetch, correlation_id, client_id);
                Message::Fetch(header, Box::new(request))
            }
        };
        ctx.send(node, message);
        ctx.set_timer(timeout, Timer::ClientRequestTimeout { correlation_id });
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, _from: NodeId, message: Message) {
        let now = ctx.now();
        match message {
            Message::MetadataResponse(header, response)
                if self.metadata.take_request(header.correlation_id) =>
            {
                self.metadata.update(response);
                self.dispatch(ctx);
            }
            Message::ProduceResponse(header, response) => {
                let Some(index) = self.in_flight.complete(header.correlation_id) else {
                    return;
                };
                let Some(response) = response.partitions.into_iter().next() else {
                    return;
                };
                let (tp, error, error_message) =
                    (response.tp, response.error, response.error_message);
                match (error, response.base_offset) {
                    (ErrorCode::None, Some(offset)) => self.finish(
                        now,
                        index,
                        Outcome::Acked {
                            partition: tp.partition,
                            offset,
                            timestamp_ms: self.history[index].invoked_at.as_millis(),
                        },
                    ),
                    _ => {
                        self.note_error(error);
                        self.fail(now, index, error, error_message);
                    }
                }
            }
            Message::FetchResponse(header, response) => {
                let Some(index) = self.in_flight.complete(header.correlation_id) else {
                    return;
                };
                let Some(fetched) = response.partitions.into_iter().next() else {
                    return;
                };
                if fetched.error != ErrorCode::None {
                    self.note_error(fetched.error);
                    return self.fail(now, index, fetched.error, None);
                }
                let records = fetched
                    .records
                    .iter()
                    .map(|r| (r.offset, r.data.key_text(), r.data.value_text()))
                    .collect();
                self.finish(
                    now,
                    index,
                    Outcome::Fetched {
                        records,
                        high_watermark: fetched.high_watermark,
                    },
                );
            }
            // An answer to a Metadata request the client gave up on (it timed out, or a newer
            // one went): Kafka's NetworkClient drops answers no longer in flight too.
            Message::MetadataResponse(..) => {}
            other => unreachable!(
                "client {}: received {other:?}, which a plain client never asks for",
                self.name
            ),
        }
    }

    /// Errors that mean the client's metadata is out of date.
    fn note_error(&mut self, error: ErrorCode) {
        self.metadata.note_error(error);
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        let Timer::ClientRequestTimeout { correlation_id } = timer else {
            return;
        };
        if self.metadata.take_request(correlation_id) {
            self.request_metadata(ctx);
        } else if let Some(index) = self.in_flight.complete(correlation_id) {
            self.metadata.invalidate();
            self.fail(ctx.now(), index, ErrorCode::RequestTimedOut, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acked_after(micros: u64) -> String {
        let request = Request::Send {
            topic: Rc::from("orders"),
            partition: None,
            key: None,
            value: Some(Rc::from("order-1")),
            transaction: None,
        };
        let mut op = Operation::pending(Rc::from("safe"), request, SimTime::from_millis(100));
        op.completed_at = Some(SimTime::from_micros(100_000 + micros));
        op.outcome = Outcome::Acked {
            partition: 0,
            offset: 3,
            timestamp_ms: 100,
        };
        op.to_string()
    }

    #[test]
    fn an_acknowledged_send_says_how_long_it_waited() {
        let line = acked_after(4_300);
        assert!(
            line.ends_with(
                "order-1 → orders: acknowledged: partition 0, offset 3, timestamp 100, after 4.300 ms"
            ),
            "{line}"
        );
        let line = acked_after(1_350_000);
        assert!(line.ends_with(", after 1350 ms"), "{line}");
    }
}
