//! Requests and responses between nodes, modelled on Kafka's APIs. Each is a plain value: a node's
//! handler returns the messages it sends, and the world carries them over the network.

mod groups;
mod header;
mod lookups;
mod metadata_log;
mod quorum;
mod share;
mod transactions;

pub(crate) use groups::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, GroupMessage, GroupRequest,
    GroupResponse, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse,
    LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest, OffsetCommitResponse,
    OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse,
    TxnOffsetCommitRequest, TxnOffsetCommitResponse,
};
pub use groups::{
    ConsumerGroupRecord, ConsumerMember, ConsumerMemberState, CoordinatorRecord, GroupProtocol,
    PersistedMember, Subscription,
};
pub(crate) use header::{ApiBody, ApiKey, ApiMessage, RequestHeader, ResponseHeader};
pub(crate) use lookups::{
    CoordinatorType, FindCoordinatorRequest, FindCoordinatorResponse, ListOffsetsRequest,
    ListOffsetsResponse, MetadataResponse,
};
pub use metadata_log::{CleanupPolicy, DirtyRatio, TopicConfig};
pub(crate) use metadata_log::{
    MetadataFetchRequest, MetadataFetchResponse, MetadataRecord, PartitionState,
};
pub(crate) use quorum::{QuorumFetchRequest, QuorumFetchResponse, QuorumMessage};
pub use share::AcknowledgeType;
pub(crate) use share::{
    AcknowledgementBatch, AcquiredRecords, ShareAcknowledgeResponse, ShareFetchRequest,
    ShareFetchResponse, ShareFetchedPartition, ShareGroupHeartbeatRequest,
    ShareGroupHeartbeatResponse, SharePartitionRequest,
};
pub(crate) use transactions::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest,
    AddPartitionsToTxnResponse, EndTxnRequest, EndTxnResponse, InitProducerIdRequest,
    InitProducerIdResponse, ProducerIdRequest, TxnLogRecord, TxnMessage, TxnRequest, TxnResponse,
    TxnState, WriteTxnMarkersRequest, WriteTxnMarkersResponse,
};

use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::rc::Rc;

/// A broker's id (`node.id` in KRaft).
pub type BrokerId = u32;
/// Record keys, values and header values: bytes, shared rather than copied.
pub(crate) type Bytes = Rc<[u8]>;

/// A field added to a message after example runs' trace hashes were fixed: hashed only when it
/// holds something (not its default), so runs that never use it keep their fingerprint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extension<T>(pub T);

impl<T: std::hash::Hash + Default + PartialEq> std::hash::Hash for Extension<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if self.0 != T::default() {
            self.0.hash(state);
        }
    }
}

/// A fetch's size limits (KIP-74): whole record batches up to `response` bytes in all and
/// `partition` bytes per partition, except that the first batch of the response is returned
/// even when larger, so a large record never stops a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FetchMaxBytes {
    /// `fetch.max.bytes` (52428800), or a follower's `replica.fetch.response.max.bytes`
    /// (10485760).
    pub response: u32,
    /// `max.partition.fetch.bytes` (1048576), or a follower's `replica.fetch.max.bytes`
    /// (1048576).
    pub partition: u32,
}

impl FetchMaxBytes {
    /// The Java consumer's defaults.
    pub const CONSUMER: FetchMaxBytes = FetchMaxBytes {
        response: 52_428_800,
        partition: 1_048_576,
    };
    /// A follower's defaults.
    pub const REPLICA: FetchMaxBytes = FetchMaxBytes {
        response: 10_485_760,
        partition: 1_048_576,
    };

    /// What a fetcher puts in its request: nothing when its limits are its defaults, which the
    /// broker assumes then (so runs with default limits keep their trace fingerprint).
    pub fn unless_default(self, default: FetchMaxBytes) -> Extension<Option<FetchMaxBytes>> {
        Extension((self != default).then_some(self))
    }
}

/// A partition of a topic, printed as Kafka prints it: `orders-0`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TopicPartition {
    /// The topic's name.
    pub topic: Rc<str>,
    /// The partition's index.
    pub partition: u32,
}

impl TopicPartition {
    /// `topic`-`partition`.
    pub fn new(topic: &str, partition: u32) -> Self {
        TopicPartition {
            topic: Rc::from(topic),
            partition,
        }
    }
}

/// Ordered by topic name, then partition, as the derived order would be; partitions are
/// looked up in maps thousands of times per simulated second.
impl Ord for TopicPartition {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        topic_order(&self.topic, &other.topic).then(self.partition.cmp(&other.partition))
    }
}

/// Topic names in their text's order, settled without reading them when they are the same
/// `Rc` (most names compared come from the metadata's), and without calling `memcmp` when
/// they differ at once (`__consumer_offsets` against `orders`).
pub(crate) fn topic_order(a: &Rc<str>, b: &Rc<str>) -> std::cmp::Ordering {
    if Rc::ptr_eq(a, b) {
        return std::cmp::Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

impl PartialOrd for TopicPartition {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for TopicPartition {
    fn eq(&self, other: &Self) -> bool {
        self.partition == other.partition
            && (Rc::ptr_eq(&self.topic, &other.topic) || self.topic == other.topic)
    }
}

impl Eq for TopicPartition {}

/// As the derived hash: the name's text, then the partition (the trace hash depends on it).
impl std::hash::Hash for TopicPartition {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.topic.hash(state);
        self.partition.hash(state);
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// What a producer sends for one record; shared by every replica that stores it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordData {
    /// CreateTime, in milliseconds of virtual time.
    pub timestamp_ms: u64,
    /// The key, or null.
    pub key: Option<Bytes>,
    /// The value, or null (a tombstone).
    pub value: Option<Bytes>,
    /// Headers, in order.
    pub headers: Vec<(String, Bytes)>,
    /// What a group coordinator wrote, for records of `__consumer_offsets`: the typed form of
    /// what Kafka encodes in the record's key and value bytes (which here hold a readable
    /// rendering of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinator: Option<Rc<CoordinatorRecord>>,
    /// What a transaction coordinator wrote, for records of `__transaction_state` (typed, as
    /// `coordinator` is for groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Rc<TxnLogRecord>>,
    /// The `send()` that wrote the record, for the checker: not a field of Kafka's records,
    /// and not on the wire (left out of the trace's hash). Values need not be unique (a
    /// learner sends "hello" twice; an application forwards a value into the topic it
    /// reads), so a duplicate is one send at two offsets, not one value. Retries resend
    /// the same data, so every copy of a send carries its id.
    #[serde(skip)]
    pub send: Option<crate::client::OperationId>,
    /// The record's content hashed once, the first time it is traced: a record crosses the
    /// network several times (produce, each follower's fetch, each consumer's), and hashing
    /// its bytes each time was a tenth of a busy run's work. Not part of what it is.
    #[serde(skip)]
    pub digest: TraceDigest,
}

/// A record's trace digest, once computed (0 until then: a digest that is 0 is computed
/// each time, which changes nothing but its cost, and keeps the field at 8 bytes a record).
/// Equal for any two records (the content decides); a record is never changed once built
/// (it is shared by `Rc` as soon as it is), so the digest never goes stale.
#[derive(Clone, Default)]
pub struct TraceDigest(std::cell::Cell<u64>);

impl PartialEq for TraceDigest {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for TraceDigest {}

/// As the derived form, without the digest.
impl fmt::Debug for RecordData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordData")
            .field("timestamp_ms", &self.timestamp_ms)
            .field("key", &self.key)
            .field("value", &self.value)
            .field("headers", &self.headers)
            .field("coordinator", &self.coordinator)
            .field("transaction", &self.transaction)
            .field("send", &self.send)
            .finish()
    }
}

/// The digest of every field but `send`, which is the checker's and not on the wire: the
/// trace's hash is what the cluster processed.
impl std::hash::Hash for RecordData {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let kept = self.digest.0.get();
        let digest = if kept != 0 {
            kept
        } else {
            let RecordData {
                timestamp_ms,
                key,
                value,
                headers,
                coordinator,
                transaction,
                send: _,
                digest,
            } = self;
            let mut content = crate::trace::TraceHasher::default();
            timestamp_ms.hash(&mut content);
            key.hash(&mut content);
            value.hash(&mut content);
            headers.hash(&mut content);
            coordinator.hash(&mut content);
            transaction.hash(&mut content);
            let computed = std::hash::Hasher::finish(&content);
            digest.0.set(computed);
            computed
        };
        state.write_u64(digest);
    }
}

impl RecordData {
    /// A record with only a UTF-8 value.
    pub fn value(value: &str) -> Self {
        RecordData {
            value: Some(Rc::from(value.as_bytes())),
            ..RecordData::default()
        }
    }

    /// The value as text (lossy UTF-8), or `null`.
    pub fn value_text(&self) -> String {
        text(self.value.as_deref())
    }

    /// The key as text (lossy UTF-8), or `null`.
    pub fn key_text(&self) -> String {
        text(self.key.as_deref())
    }
}

/// Bytes as lossy UTF-8 text, or `null`.
pub(crate) fn text(bytes: Option<&[u8]>) -> String {
    bytes.map_or_else(
        || "null".to_owned(),
        |b| String::from_utf8_lossy(b).into_owned(),
    )
}

/// The header of the batch a record was written in (Kafka's `RecordBatch` v2 fields that
/// matter here), shared by every record of the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BatchHeader {
    /// The idempotent producer's id, or none for a plain producer.
    pub producer_id: Option<u64>,
    /// The producer's epoch.
    pub producer_epoch: u16,
    /// The sequence number of the batch's first record (per partition).
    pub base_sequence: u32,
    /// How many records the batch holds.
    pub record_count: u32,
    /// Written inside a transaction: invisible to read_committed consumers until the
    /// producer's COMMIT marker follows it, and for good if an ABORT marker does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transactional: bool,
    /// A control batch: the transaction coordinator's COMMIT or ABORT marker for the
    /// producer's open transaction. Consumers never return it; it takes an offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<ControlType>,
}

/// The two transaction markers (Kafka's `ControlRecordType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ControlType {
    /// The producer's transaction committed.
    Commit,
    /// The producer's transaction aborted.
    Abort,
}

impl ControlType {
    /// `COMMIT` or `ABORT`, as Kafka's dump tools print them.
    pub fn name(self) -> &'static str {
        match self {
            ControlType::Commit => "COMMIT",
            ControlType::Abort => "ABORT",
        }
    }
}

impl BatchHeader {
    /// The sequence number of the batch's last record.
    pub fn last_sequence(&self) -> u32 {
        self.base_sequence + self.record_count.saturating_sub(1)
    }
}

/// A record as stored in a log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Its offset in the partition.
    pub offset: u64,
    /// The leader epoch in which it was written.
    pub leader_epoch: u32,
    /// Its size in a v2 batch (`record_size` of its data), counted once when the leader
    /// appended it and carried to the followers: every log that stores it and every fetch
    /// that serves it needs it, and counting it each time was 3 % of a busy run. It fits in
    /// what was the struct's padding. 0 when not known (a record read from a file).
    #[serde(skip)]
    pub(crate) size: u32,
    /// Its payload, shared.
    pub data: Rc<RecordData>,
    /// Its batch's header, shared by the batch's records.
    pub batch: Rc<BatchHeader>,
}

/// As the derived form, without the size (what its data says already): the trace's hash is
/// what the cluster processed.
impl std::hash::Hash for Record {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Record {
            offset,
            leader_epoch,
            size: _,
            data,
            batch,
        } = self;
        offset.hash(state);
        leader_epoch.hash(state);
        data.hash(state);
        batch.hash(state);
    }
}

impl Record {
    /// A record with its size counted.
    pub(crate) fn new(
        offset: u64,
        leader_epoch: u32,
        data: Rc<RecordData>,
        batch: Rc<BatchHeader>,
    ) -> Self {
        let size = u32::try_from(crate::producer::record_size(&data)).unwrap_or(0);
        Record {
            offset,
            leader_epoch,
            size,
            data,
            batch,
        }
    }

    /// Its size in a v2 batch (`DefaultRecord.sizeInBytes`).
    pub fn size(&self) -> usize {
        match self.size {
            0 => crate::producer::record_size(&self.data),
            size => size as usize,
        }
    }
}

/// One partition's batch in a Produce request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProduceBatch {
    /// Where it goes.
    pub tp: TopicPartition,
    /// Producer id, epoch and sequence (idempotent producers), shared with the log.
    pub header: Rc<BatchHeader>,
    /// The records.
    pub records: Vec<Rc<RecordData>>,
}

/// One partition's answer in a Produce response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProducePartitionResponse {
    /// Which partition.
    pub tp: TopicPartition,
    /// `NONE` or why the batch was not written.
    pub error: ErrorCode,
    /// The offset of the batch's first record.
    pub base_offset: Option<u64>,
    /// Kafka's message for the error, if it sends one.
    pub error_message: Option<String>,
}

/// Produce's body (Kafka's `ProduceRequestData`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProduceRequest {
    /// 0 (no answer), 1 (the leader's write) or -1 (all in-sync replicas).
    pub acks: i16,
    /// How long the leader waits for the in-sync replicas (acks=-1).
    pub timeout_ms: u64,
    /// One batch per partition.
    pub batches: Vec<ProduceBatch>,
    /// A transactional producer's `transactional.id`: the leader asks that id's coordinator
    /// whether a transaction's first batch on a partition belongs to an open transaction
    /// (KIP-890's verification) before it appends it.
    #[serde(default)]
    pub transactional_id: Extension<Option<String>>,
}

/// Produce's answer (Kafka's `ProduceResponseData`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProduceResponse {
    /// Per partition written to, its base offset or its error.
    pub partitions: Vec<ProducePartitionResponse>,
}

/// A topic's id (KIP-516), as `kafka-topics.sh` prints it (URL-safe base64 of 16 bytes). The
/// controller makes one `Rc` per topic, which every broker's image, replica and fetch shares:
/// two equal ids are nearly always one pointer, compared first (std compares an `Rc<str>`'s
/// text every time, as `str` is unsized). Hashed as its text.
#[derive(Clone, Debug, Default, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TopicId(pub Rc<str>);

impl PartialEq for TopicId {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

// Equal ids have equal text, so hashing the text agrees with `eq`.
impl std::hash::Hash for TopicId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::fmt::Display for TopicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TopicId {
    /// The id of no topic: a replica's before it learns its topic's.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One partition in a Fetch request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FetchPartition {
    /// Which partition.
    pub tp: TopicPartition,
    /// The first offset wanted.
    pub fetch_offset: u64,
    /// The epoch of the fetcher's last record (KIP-595 divergence check); followers only.
    pub last_fetched_epoch: Option<u32>,
    /// The leader epoch the fetcher believes current (KIP-320 fencing).
    pub current_leader_epoch: Option<u32>,
    /// The topic's id as the fetcher knows it (Fetch v13+, KIP-516): a leader whose log of
    /// the partition belongs to another topic of that name (deleted and created again while
    /// it did not hear) answers UNKNOWN_TOPIC_ID instead of serving it. Followers and
    /// consumers send it; the playground's plain clients (`client` steps) name topics only,
    /// as Fetch before v13 did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_id: Option<TopicId>,
}

/// One partition in a Fetch response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FetchedPartition {
    /// Which partition.
    pub tp: TopicPartition,
    /// `NONE` or why nothing was returned.
    pub error: ErrorCode,
    /// The leader's high watermark.
    pub high_watermark: u64,
    /// The leader's log end offset.
    pub log_end_offset: u64,
    /// Records from the fetch offset (up to the HW for consumers, the LEO for followers).
    pub records: Vec<Record>,
    /// Set when the follower's log diverged: truncate to `end_offset` of `epoch`, then refetch.
    pub diverging_epoch: Option<(u32, u64)>,
    /// KIP-392: the replica this consumer should fetch from instead (no records come with it).
    pub preferred_read_replica: Option<BrokerId>,
    /// The answering replica's log start offset (`logStartOffset`), which followers follow.
    #[serde(default)]
    pub log_start_offset: Extension<u64>,
    /// The last stable offset: below it no transaction is still open. A read_committed
    /// consumer is served up to here and measures its lag against it.
    pub last_stable_offset: u64,
    /// For read_committed fetches: `(producer id, first offset)` of every aborted transaction
    /// overlapping the returned records, so the consumer can drop their records.
    pub aborted_transactions: Vec<(u64, u64)>,
}

/// Fetch's body (Kafka's `FetchRequestData`), from followers (`replica_id` set) and consumers
/// (`None`). A fetch with less than `min_bytes` to return waits up to `max_wait_ms`; a
/// consumer's `rack_id` (KIP-392) lets the leader point it at a replica in its rack.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FetchRequest {
    /// The follower's broker id, or none for a consumer.
    pub replica_id: Option<BrokerId>,
    /// How long the leader may hold the fetch waiting for `min_bytes`.
    pub max_wait_ms: u32,
    /// What the fetch waits for.
    pub min_bytes: u32,
    /// `isolation.level=read_committed`: served up to the last stable offset.
    pub read_committed: bool,
    /// The consumer's `client.rack`.
    pub rack_id: Option<Rc<str>>,
    /// The partitions and where to read them from.
    pub partitions: Vec<FetchPartition>,
    /// The size limits, when not the fetcher's defaults.
    pub max_bytes: Extension<Option<FetchMaxBytes>>,
    /// KIP-227's fetch session: none for a consumer (sessionless, as before sessions).
    pub metadata: Extension<FetchMetadata>,
    /// Partitions an incremental fetch leaves its session (`ForgottenTopicsData`).
    pub forgotten: Extension<Vec<TopicPartition>>,
}

/// KIP-227's `FetchMetadata`: which fetch session a fetch belongs to and where in it it is.
/// A full fetch (epoch 0) lists every partition and asks for a session; after it, each
/// incremental fetch (epoch 1, 2, ...) lists only the partitions whose fetch state changed,
/// and its answer only the partitions with news (records, a new high watermark or log start
/// offset, an error or a divergence). Epoch -1 is a fetch outside any session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FetchMetadata {
    /// The session's id, 0 for none (`INVALID_SESSION_ID`).
    pub session_id: u32,
    /// The fetch's epoch in the session.
    pub epoch: i32,
}

impl FetchMetadata {
    /// A fetch outside any session (`FetchMetadata.LEGACY`): full, and no session is made.
    pub const SESSIONLESS: FetchMetadata = FetchMetadata {
        session_id: 0,
        epoch: -1,
    };
    /// A full fetch that asks for a new session, closing `session_id`'s if not 0.
    pub fn full(session_id: u32) -> Self {
        FetchMetadata {
            session_id,
            epoch: 0,
        }
    }
    /// Whether it lists every partition of the fetch: a new session's or a sessionless one.
    pub fn is_full(self) -> bool {
        self.epoch <= 0
    }
}

impl Default for FetchMetadata {
    fn default() -> Self {
        FetchMetadata::SESSIONLESS
    }
}

impl FetchRequest {
    /// The size limits: those sent, else the defaults of a follower or a consumer.
    pub fn max_bytes(&self) -> FetchMaxBytes {
        let defaults = match self.replica_id {
            Some(_) => FetchMaxBytes::REPLICA,
            None => FetchMaxBytes::CONSUMER,
        };
        self.max_bytes.0.unwrap_or(defaults)
    }
}

/// Fetch's answer (Kafka's `FetchResponseData`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FetchResponse {
    /// Per partition asked, its records or its error; of an incremental fetch (KIP-227), only
    /// the partitions with news.
    pub partitions: Vec<FetchedPartition>,
    /// The fetch session's error: FETCH_SESSION_ID_NOT_FOUND or INVALID_FETCH_SESSION_EPOCH.
    pub error: Extension<ErrorCode>,
    /// The fetch session the answer belongs to, 0 for none.
    pub session_id: Extension<u32>,
}

/// Everything that travels over the simulated network.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Fields carry Kafka's field names; each variant says what it is.
pub enum Message {
    /// BrokerRegistration: a starting broker announces itself to the controller.
    BrokerRegistration {
        /// Which attempt this is: the broker acts only on the answer to its latest one.
        correlation_id: u64,
        broker_id: BrokerId,
        /// `IncarnationId`: which start of the broker's process this is. The controller keeps
        /// the epoch of a registration sent again by the same incarnation, and refuses a new
        /// incarnation while the previous one's session is still valid.
        incarnation: u32,
        rack: Option<String>,
    },
    /// The controller's answer, with the epoch the broker must quote in heartbeats; with
    /// NOT_CONTROLLER, the active controller's id if known.
    BrokerRegistrationResponse {
        correlation_id: u64,
        error: ErrorCode,
        broker_epoch: u64,
        controller_hint: Option<u32>,
    },
    /// BrokerHeartbeat: keeps the session alive; `want_shut_down` asks for controlled shutdown.
    BrokerHeartbeat {
        broker_id: BrokerId,
        broker_epoch: u64,
        /// How many metadata records the broker has applied (`CurrentMetadataOffset`, as a
        /// count): the controller unfences it only once it has applied its own registration.
        metadata_offset: u64,
        /// `WantFence`: a starting broker stays fenced until it has caught up and is ready.
        want_fence: bool,
        want_shut_down: bool,
    },
    /// The controller's answer: fenced or not, caught up with the broker's registration or
    /// not, and whether a shutting-down broker may stop.
    BrokerHeartbeatResponse {
        error: ErrorCode,
        is_fenced: bool,
        is_caught_up: bool,
        should_shut_down: bool,
        controller_hint: Option<u32>,
    },
    /// A broker reads the metadata log (a long poll, like KRaft's Fetch).
    MetadataFetch(RequestHeader, MetadataFetchRequest),
    /// Metadata records from the requested offset.
    MetadataFetchResponse(ResponseHeader, MetadataFetchResponse),
    /// AlterPartition: a leader asks the controller to change a partition's ISR.
    AlterPartition {
        tp: TopicPartition,
        leader_id: BrokerId,
        leader_epoch: u32,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    },
    /// The controller's answer, with the partition's state after the request.
    AlterPartitionResponse {
        tp: TopicPartition,
        error: ErrorCode,
        /// Boxed: a partition state is large and this answer is rare.
        state: Option<Box<PartitionState>>,
    },
    /// Produce: one batch per partition, all led by the receiving broker.
    Produce(RequestHeader, ProduceRequest),
    /// The leader's answer, per partition; never sent for acks=0.
    ProduceResponse(ResponseHeader, ProduceResponse),
    /// InitProducerId of an idempotent producer (a transactional one's goes as a `Txn`).
    InitProducerId(RequestHeader, ProducerIdRequest),
    /// The id and epoch to stamp on every batch, to either kind of producer.
    InitProducerIdResponse(ResponseHeader, InitProducerIdResponse),
    /// Fetch from followers and consumers (boxed: the body is the largest of the common
    /// messages, and the header would make every message on the wire larger).
    Fetch(RequestHeader, Box<FetchRequest>),
    /// Records and high watermarks per partition.
    FetchResponse(ResponseHeader, FetchResponse),
    /// Metadata: a client asks a broker for leaders.
    Metadata(RequestHeader),
    /// FindCoordinator: which broker coordinates a group or a transactional id.
    FindCoordinator(RequestHeader, FindCoordinatorRequest),
    /// The coordinator's broker id, or why there is none yet.
    FindCoordinatorResponse(ResponseHeader, FindCoordinatorResponse),
    /// A group coordinator request or response (boxed: they are large and rare, and every
    /// message on the wire is as big as the largest variant).
    Group(Box<GroupMessage>),
    /// A transaction API request or response (boxed, as group messages are).
    Txn(Box<TxnMessage>),
    /// Between the controllers of the KRaft quorum.
    Quorum(Box<QuorumMessage>),
    /// ListOffsets: offsets by position or time, from the partitions' leader.
    ListOffsets(RequestHeader, ListOffsetsRequest),
    /// The offset per partition, or the error.
    ListOffsetsResponse(ResponseHeader, ListOffsetsResponse),
    /// A broker asks the controller to create an internal topic (auto-creation of
    /// `__consumer_offsets` on the first FindCoordinator).
    CreateInternalTopic {
        name: String,
        partitions: i32,
        replication_factor: i32,
    },
    /// The broker's current view of every partition.
    MetadataResponse(ResponseHeader, MetadataResponse),
    /// ShareFetch (KIP-932): a share group member acknowledges what it processed and acquires
    /// more, from a partition's leader.
    ShareFetch(RequestHeader, Box<ShareFetchRequest>),
    /// The records acquired, under the member's lock.
    ShareFetchResponse(ResponseHeader, ShareFetchResponse),
    /// ShareAcknowledge: acknowledgements alone (a closing member's last, with epoch -1).
    ShareAcknowledge(RequestHeader, Box<ShareFetchRequest>),
    /// Whether they were applied.
    ShareAcknowledgeResponse(ResponseHeader, ShareAcknowledgeResponse),
}

impl Message {
    /// `client_id`'s Metadata request `correlation_id`.
    pub(crate) fn metadata(correlation_id: u64, client_id: Rc<str>) -> Self {
        Message::Metadata(RequestHeader::new(
            ApiKey::Metadata,
            correlation_id,
            client_id,
        ))
    }

    /// `client_id`'s FindCoordinator request `correlation_id` for a group or a transactional id.
    pub(crate) fn find_coordinator(
        correlation_id: u64,
        client_id: Rc<str>,
        key_type: CoordinatorType,
        key: String,
    ) -> Self {
        let header = RequestHeader::new(ApiKey::FindCoordinator, correlation_id, client_id);
        Message::FindCoordinator(header, FindCoordinatorRequest { key_type, key })
    }

    /// `client_id`'s ListOffsets request `correlation_id`.
    pub(crate) fn list_offsets(
        correlation_id: u64,
        client_id: Rc<str>,
        partitions: Vec<(TopicPartition, i64)>,
        read_committed: bool,
    ) -> Self {
        let header = RequestHeader::new(ApiKey::ListOffsets, correlation_id, client_id);
        let body = ListOffsetsRequest {
            partitions,
            read_committed: Extension(read_committed),
        };
        Message::ListOffsets(header, body)
    }

    /// The answer to InitProducerId `correlation_id`.
    pub(crate) fn init_producer_id_response(
        correlation_id: u64,
        error: ErrorCode,
        producer_id: u64,
        producer_epoch: u16,
    ) -> Self {
        let body = InitProducerIdResponse {
            error,
            producer_id,
            producer_epoch,
        };
        Message::InitProducerIdResponse(ResponseHeader { correlation_id }, body)
    }

    /// The Kafka API name, for the network view and the event log.
    pub fn api_name(&self) -> &'static str {
        match self {
            Message::BrokerRegistration { .. } | Message::BrokerRegistrationResponse { .. } => {
                "BrokerRegistration"
            }
            Message::BrokerHeartbeat { .. } | Message::BrokerHeartbeatResponse { .. } => {
                "BrokerHeartbeat"
            }
            Message::MetadataFetch(..) | Message::MetadataFetchResponse(..) => {
                "Fetch(__cluster_metadata)"
            }
            Message::AlterPartition { .. } | Message::AlterPartitionResponse { .. } => {
                "AlterPartition"
            }
            Message::Produce(..) | Message::ProduceResponse(..) => "Produce",
            Message::InitProducerId(..) | Message::InitProducerIdResponse(..) => "InitProducerId",
            Message::Fetch(..) | Message::FetchResponse(..) => "Fetch",
            Message::Metadata(..) | Message::MetadataResponse(..) => "Metadata",
            Message::FindCoordinator(..) | Message::FindCoordinatorResponse(..) => {
                "FindCoordinator"
            }
            Message::ListOffsets(..) | Message::ListOffsetsResponse(..) => "ListOffsets",
            Message::CreateInternalTopic { .. } => "CreateTopics",
            Message::ShareFetch(..) | Message::ShareFetchResponse(..) => "ShareFetch",
            Message::ShareAcknowledge(..) | Message::ShareAcknowledgeResponse(..) => {
                "ShareAcknowledge"
            }
            Message::Group(group) => group.api_name(),
            Message::Txn(txn) => txn.api_name(),
            Message::Quorum(quorum) => quorum.api_name(),
        }
    }

    /// The correlation id of a client API's request or response (none for the brokers' and
    /// controllers' own APIs).
    pub fn client_correlation_id(&self) -> Option<u64> {
        match self {
            Message::Produce(header, _)
            | Message::InitProducerId(header, _)
            | Message::Fetch(header, _)
            | Message::Metadata(header)
            | Message::FindCoordinator(header, _)
            | Message::ListOffsets(header, _)
            | Message::ShareFetch(header, _)
            | Message::ShareAcknowledge(header, _) => Some(header.correlation_id),
            Message::ProduceResponse(header, _)
            | Message::InitProducerIdResponse(header, _)
            | Message::FetchResponse(header, _)
            | Message::MetadataResponse(header, _)
            | Message::FindCoordinatorResponse(header, _)
            | Message::ListOffsetsResponse(header, _)
            | Message::ShareFetchResponse(header, _)
            | Message::ShareAcknowledgeResponse(header, _) => Some(header.correlation_id),
            Message::Group(group) => Some(group.correlation_id()),
            Message::Txn(txn) => Some(txn.correlation_id()),
            _ => None,
        }
    }

    /// Whether this is a response (drawn returning along a link) rather than a request.
    pub fn is_response(&self) -> bool {
        match self {
            Message::Group(group) => return group.is_response(),
            Message::Txn(txn) => return txn.is_response(),
            Message::Quorum(quorum) => return quorum.is_response(),
            _ => {}
        }
        matches!(
            self,
            Message::BrokerRegistrationResponse { .. }
                | Message::BrokerHeartbeatResponse { .. }
                | Message::MetadataFetchResponse(..)
                | Message::AlterPartitionResponse { .. }
                | Message::ProduceResponse(..)
                | Message::InitProducerIdResponse(..)
                | Message::FetchResponse(..)
                | Message::MetadataResponse(..)
                | Message::FindCoordinatorResponse(..)
                | Message::ListOffsetsResponse(..)
                | Message::ShareFetchResponse(..)
                | Message::ShareAcknowledgeResponse(..)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the trace's hash adds for `value`.
    fn traced(value: &impl std::hash::Hash) -> u64 {
        let mut hasher = crate::trace::TraceHasher::default();
        value.hash(&mut hasher);
        std::hash::Hasher::finish(&hasher)
    }

    /// A log holds one `Record` a record on every replica: its size takes what was padding,
    /// and the trace sees the same with the size known or not.
    #[test]
    fn a_record_keeps_its_size_in_its_padding_and_out_of_the_trace() {
        assert_eq!(size_of::<Record>(), 16 + 2 * size_of::<usize>());
        let data = Rc::new(RecordData::value(&"x".repeat(100)));
        let known = Record::new(7, 1, data, Rc::new(BatchHeader::default()));
        assert_eq!(known.size(), 107);
        let unknown = Record {
            size: 0,
            ..known.clone()
        };
        assert_eq!(unknown.size(), 107, "counted when not known");
        assert_eq!(traced(&known), traced(&unknown));
    }

    /// A record is traced by its content: the same before and after its digest is kept, the
    /// same for a copy that never computed one, and different for other content.
    #[test]
    fn a_record_is_traced_by_its_content_whether_its_digest_is_kept_or_not() {
        let record = RecordData {
            key: Some(Rc::from(&b"k"[..])),
            ..RecordData::value("v")
        };
        let copy = record.clone();
        let first = traced(&record);
        assert_eq!(traced(&record), first, "kept");
        assert_eq!(traced(&copy), first, "computed afresh");
        assert_eq!(record, copy, "the digest is not part of what a record is");
        let other = RecordData {
            key: Some(Rc::from(&b"k"[..])),
            ..RecordData::value("w")
        };
        assert_ne!(traced(&other), first);
        assert_eq!(
            format!("{record:?}"),
            format!("{copy:?}"),
            "Debug shows no digest"
        );
    }

    /// Every message in flight takes a queue slot as large as the largest variant: keep the
    /// common ones (Fetch, Produce, heartbeats) from paying for rare, large ones.
    #[test]
    fn a_message_stays_small() {
        assert!(
            std::mem::size_of::<Message>() <= 96,
            "Message is {} bytes",
            std::mem::size_of::<Message>()
        );
    }
}
