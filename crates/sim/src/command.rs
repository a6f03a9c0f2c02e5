//! Commands: the only way anything outside the simulation changes it. A run is a pure function
//! of the seed and the timed command log, which is what replay and rewind rely on.

use crate::client::Request;
use crate::controller::{CreateTopic, ElectionKind};
use crate::endpoint::Endpoint;
use crate::error::{ErrorCode, KafkaError};
use crate::event::CrashKind;
use crate::protocol::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};
use thiserror::Error;

// Written `{"command": "<variant>", ...}`: see crate::tagged for why not `#[serde(tag)]`.
crate::tagged::tagged!(Command, "command");

/// A change requested from outside: topics, clients, faults and repairs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Command {
    /// CreateTopics, as `kafka-topics.sh --create`.
    CreateTopic(CreateTopic),
    /// DeleteTopics.
    DeleteTopic {
        /// The topic.
        name: String,
    },
    /// CreatePartitions: grow a topic to `total` partitions.
    CreatePartitions {
        /// The topic.
        topic: String,
        /// The new partition count.
        total: i32,
    },
    /// ElectLeaders, as `kafka-leader-election.sh`: every partition when none are listed.
    ElectLeaders {
        /// Preferred or unclean.
        election: ElectionKind,
        /// The partitions, or all.
        #[serde(default)]
        partitions: Option<Vec<TopicPartition>>,
    },
    /// Kill a broker's process, or cut its power.
    CrashBroker {
        /// The broker to bring down.
        broker: BrokerId,
        /// A process crash (log kept) or a power loss (unflushed tail lost).
        #[serde(default)]
        kind: CrashKind,
    },
    /// Start a stopped broker again.
    RestartBroker {
        /// The broker to start.
        broker: BrokerId,
    },
    /// Controlled shutdown: leadership moves away first, then the broker stops.
    ShutdownBroker {
        /// The broker to stop.
        broker: BrokerId,
    },
    /// Cut both directions between two endpoints (a network partition).
    CutLink {
        /// One side.
        a: Endpoint,
        /// The other side.
        b: Endpoint,
    },
    /// Cut one direction only: `from` can no longer reach `to` (say, responses are lost while
    /// requests still arrive).
    CutOneWay {
        /// The sender that is cut off.
        from: Endpoint,
        /// The receiver it can no longer reach.
        to: Endpoint,
    },
    /// Heal both directions between two endpoints.
    HealLink {
        /// One side.
        a: Endpoint,
        /// The other side.
        b: Endpoint,
    },
    /// Heal every link.
    HealNetwork,
    /// Set latency, jitter and loss on both directions between two endpoints.
    SetLink {
        /// One side.
        a: Endpoint,
        /// The other side.
        b: Endpoint,
        /// One-way latency in milliseconds.
        latency_ms: u64,
        /// Extra random delay, up to this, in milliseconds.
        #[serde(default)]
        jitter_ms: u64,
        /// Loss probability in parts per million.
        #[serde(default)]
        drop_per_million: u32,
    },
    /// A slow follower: the broker waits this long before each replica fetch (0 restores it).
    SlowFollower {
        /// The broker.
        broker: BrokerId,
        /// Extra wait before each fetch, in milliseconds.
        delay_ms: u64,
    },
    /// A KRaft controller's process dies (its metadata log survives). With three, the others
    /// elect a new active controller if it was the active one.
    CrashController {
        /// The controller's id (1-based).
        controller: u32,
    },
    /// A crashed controller starts again and rejoins the quorum.
    RestartController {
        /// The controller's id.
        controller: u32,
    },
    /// Scripted errors: the next requests of `api` ("Produce" or "Fetch") to `broker` fail with
    /// these errors, in order, as librdkafka's mock cluster can.
    PushErrors {
        /// The broker.
        broker: BrokerId,
        /// The API.
        api: String,
        /// The errors.
        errors: Vec<ErrorCode>,
    },
    /// Add a client (it bootstraps from every broker).
    AddClient {
        /// Its name, unique.
        name: String,
    },
    /// Add a producer with Kafka properties (`{"acks": "1", "linger.ms": "0"}`).
    AddProducer {
        /// Its name (`client.id`), unique among clients.
        name: String,
        /// Producer configs, by Kafka name.
        #[serde(default)]
        config: std::collections::BTreeMap<String, String>,
    },
    /// A producer's `send()`.
    Send {
        /// The producer's name: shared, since a busy run sends thousands a second and its
        /// history keeps every one.
        producer: std::rc::Rc<str>,
        /// The record.
        #[serde(flatten)]
        record: crate::producer::ProducerRecord,
    },
    /// Add a consumer with Kafka properties (and the playground's `app.*` settings), reading
    /// `topics` through its group or the listed `partitions` without one.
    AddConsumer {
        /// Its name (`client.id`), unique among clients.
        name: String,
        /// Consumer configs, by Kafka name.
        #[serde(default)]
        config: std::collections::BTreeMap<String, String>,
        /// `subscribe(topics)`.
        #[serde(default)]
        topics: Vec<String>,
        /// `assign(partitions)`, instead of topics.
        #[serde(default)]
        partitions: Vec<TopicPartition>,
    },
    /// The consumer's application stops calling `poll()` (its heartbeats go on).
    StallConsumer {
        /// The consumer's name.
        consumer: String,
    },
    /// A stalled consumer's application calls `poll()` again.
    ResumeConsumer {
        /// The consumer's name.
        consumer: String,
    },
    /// `close()`: commit (with auto commit), leave the group, stop.
    CloseConsumer {
        /// The consumer's name.
        consumer: String,
    },
    /// `commitSync()` of the consumer's positions.
    CommitSync {
        /// The consumer's name.
        consumer: String,
    },
    /// `commitAsync()` of the consumer's positions: no waiting, a retriable failure is only
    /// reported.
    CommitAsync {
        /// The consumer's name.
        consumer: String,
    },
    /// `seek()`: the consumer's next poll of this partition starts at `offset`.
    Seek {
        /// The consumer's name.
        consumer: String,
        /// An owned partition.
        tp: TopicPartition,
        /// The offset (signed, as Java's `long`: a negative one is refused with
        /// IllegalArgumentException).
        offset: i64,
    },
    /// `seekToBeginning(partitions)`: resolved by ListOffsets at the next poll.
    SeekToBeginning {
        /// The consumer's name.
        consumer: String,
        /// Owned partitions; none means every assigned one.
        #[serde(default)]
        partitions: Vec<TopicPartition>,
    },
    /// `seekToEnd(partitions)`: resolved by ListOffsets at the next poll.
    SeekToEnd {
        /// The consumer's name.
        consumer: String,
        /// Owned partitions; none means every assigned one.
        #[serde(default)]
        partitions: Vec<TopicPartition>,
    },
    /// `commitSync(Map<TopicPartition, OffsetAndMetadata>)`: explicit offsets and metadata.
    CommitSyncOffsets {
        /// The consumer's name.
        consumer: String,
        /// What to commit.
        offsets: Vec<CommitOffset>,
    },
    /// `commitAsync(Map<TopicPartition, OffsetAndMetadata>, callback)`.
    CommitAsyncOffsets {
        /// The consumer's name.
        consumer: String,
        /// What to commit.
        offsets: Vec<CommitOffset>,
    },
    /// `position(partition)`: the answer is an event.
    Position {
        /// The consumer's name.
        consumer: String,
        /// An owned partition.
        tp: TopicPartition,
    },
    /// `committed(partitions)`: the group's committed offsets and metadata, as an event.
    Committed {
        /// The consumer's name.
        consumer: String,
        /// The partitions (owned or not).
        partitions: Vec<TopicPartition>,
    },
    /// `offsetsForTimes({tp=timestamp})`: the first offset whose timestamp is at least
    /// `timestamp_ms` (null if none), as an event.
    OffsetsForTimes {
        /// The consumer's name.
        consumer: String,
        /// The partition.
        tp: TopicPartition,
        /// The timestamp, in milliseconds of virtual time.
        timestamp_ms: i64,
    },
    /// `pause(partitions)`: not fetched, still assigned, no rebalance.
    PausePartitions {
        /// The consumer's name.
        consumer: String,
        /// Owned partitions.
        partitions: Vec<TopicPartition>,
    },
    /// `resume(partitions)`.
    ResumePartitions {
        /// The consumer's name.
        consumer: String,
        /// Owned partitions.
        partitions: Vec<TopicPartition>,
    },
    /// `kafka-consumer-groups.sh --reset-offsets --execute` for one topic of an inactive group.
    ResetOffsets {
        /// The group.
        group: String,
        /// The topic.
        topic: String,
        /// The partitions (`--topic orders:0,2`); every partition of the topic when empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        partitions: Vec<u32>,
        /// Where to.
        to: ResetTarget,
    },
    /// `kafka-consumer-groups.sh --delete-offsets`: the group's committed offsets of these
    /// partitions go (OffsetDelete), unless the group is subscribed to the topic.
    DeleteOffsets {
        /// The group.
        group: String,
        /// The partitions.
        partitions: Vec<TopicPartition>,
    },
    /// The application behind a producer sends keyless records to `topic` at a steady rate
    /// (0 stops it): values `<producer>-stream-1`, `-2`, ...
    StreamRecords {
        /// The producer's name.
        producer: String,
        /// The topic.
        topic: String,
        /// Records per second of virtual time.
        per_second: u32,
    },
    /// `kafka-consumer-groups.sh --delete`: an Empty group and its offsets go.
    DeleteGroup {
        /// The group.
        group: String,
    },
    /// `kafka-configs.sh --alter --entity-type groups --entity-name <group> --add-config`:
    /// a share group's `share.auto.offset.reset` (an empty value deletes the config).
    AlterGroupConfigs {
        /// The group.
        group: String,
        /// Config names and values.
        configs: std::collections::BTreeMap<String, String>,
    },
    /// A transactional producer's `initTransactions()`, `beginTransaction()`,
    /// `commitTransaction()` or `abortTransaction()`; a call its state does not allow ends
    /// with the exception Java throws, in the producer's history.
    Transaction {
        /// The producer's name.
        producer: String,
        /// Which call.
        action: crate::client::TxnAction,
    },
    /// A producer's `flush()`: every batch is sent without waiting for `linger.ms`.
    Flush {
        /// The producer's name.
        producer: String,
    },
    /// A client's or producer's process dies: what it had not sent is gone.
    CrashClient {
        /// Its name.
        name: String,
    },
    /// A crashed client or producer starts again (with new connections and state).
    RestartClient {
        /// Its name.
        name: String,
    },
    /// A new broker joins the running cluster with the next free id (`broker.rack` optional):
    /// it registers with the controller and is unfenced once caught up; no partition moves to
    /// it until a reassignment says so, as in Kafka.
    AddBroker {
        /// Its `broker.rack`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rack: Option<String>,
    },
    /// AlterPartitionReassignments (KIP-455), as `kafka-reassign-partitions.sh --execute`
    /// (a partition without `replicas` is cancelled, as `--cancel` does).
    AlterPartitionReassignments {
        /// The partitions and their target replicas.
        reassignments: Vec<crate::controller::Reassignment>,
    },
    /// Freeze a client's whole process (`kill -STOP`, a long GC pause): its heartbeat thread,
    /// timers and handlers stop; what reaches it waits in its sockets.
    PauseClient {
        /// Its name.
        name: String,
    },
    /// A paused client runs again with the state it had when frozen.
    ResumeClient {
        /// Its name.
        name: String,
    },
    /// Freeze a broker's process: it misses its heartbeats to the controller and is fenced,
    /// but still believes what it believed (a zombie leader, once resumed).
    PauseBroker {
        /// The broker.
        broker: BrokerId,
    },
    /// A paused broker runs again with its stale state until it learns otherwise.
    ResumeBroker {
        /// The broker.
        broker: BrokerId,
    },
    /// A scenario step that waits until `condition` holds (checked after every instant of
    /// virtual time), failing the run when `timeout_ms` passes first. Only the scenario runner
    /// waits; the cluster itself has nothing to apply.
    WaitUntil {
        /// What to wait for, as lessons write it (`{"when": "group_stable", ...}`).
        condition: crate::condition::Condition,
        /// How long to wait at most, in milliseconds of virtual time.
        timeout_ms: u64,
    },
    /// A client produces one record or fetches.
    Client {
        /// The client's name.
        client: String,
        /// What it does.
        #[serde(flatten)]
        request: Request,
    },
}

/// One entry of an explicit commit: `tp → OffsetAndMetadata(offset, metadata)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitOffset {
    /// The partition.
    pub tp: TopicPartition,
    /// The next offset to read (a negative one is refused, as `OffsetAndMetadata` refuses it).
    pub offset: i64,
    /// Free text the group coordinator stores with the offset.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub metadata: String,
}

/// Where `--reset-offsets` moves a group's offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetTarget {
    /// `--to-earliest`.
    Earliest,
    /// `--to-latest`.
    Latest,
    /// `--to-offset N` (clamped to the partition's range, as the tool does).
    Offset(u64),
    /// `--shift-by N`: the committed offset moved by N, clamped to the partition's range;
    /// refused for a partition with nothing committed.
    ShiftBy(i64),
    /// `--to-datetime` and `--by-duration`: the first offset whose record's timestamp is at
    /// least this (milliseconds of virtual time), or the log end when no record is.
    Timestamp(i64),
    /// `--to-current`: the committed offset, or the log end where nothing is committed.
    Current,
}

/// A command the world cannot apply. Nothing changes when one is returned.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CommandError {
    /// No such participant.
    #[error("unknown {0}")]
    UnknownEndpoint(Endpoint),
    /// Crashing what is already down.
    #[error("broker {0} is already down")]
    AlreadyDown(BrokerId),
    /// Restarting what is already up.
    #[error("broker {0} is already running")]
    AlreadyUp(BrokerId),
    /// Crashing a controller that is down, or restarting one that runs.
    #[error("controller {0} is already {1}")]
    ControllerState(u32, &'static str),
    /// A link needs two different ends.
    #[error("a link needs two different endpoints, got {0} twice")]
    SameEndpoint(Endpoint),
    /// No client of that name.
    #[error("no client named {0}")]
    UnknownClient(String),
    /// Crashing a client that is down, or restarting one that runs.
    #[error("client {0} is already {1}")]
    ClientState(String, &'static str),
    /// Pausing what is paused or down, resuming what is not paused, or asking a paused
    /// process to act.
    #[error("{0} is {1}")]
    Paused(Endpoint, &'static str),
    /// A client of that name exists.
    #[error("a client named {0} already exists")]
    ClientExists(String),
    /// An API the scripted errors do not cover.
    #[error("scripted errors cover the Produce and Fetch APIs, not {0}")]
    UnsupportedApi(String),
    /// Not a consumer, or it does not own the partition.
    #[error("{0}")]
    Consumer(String),
    /// A client config Kafka would refuse (`ConfigException: ...`).
    #[error("{0}")]
    Config(String),
    /// An admin tool's request Kafka refuses with `IllegalArgumentException` before sending.
    #[error("{0}")]
    InvalidArgument(String),
    /// The cluster already has as many brokers as a simulation holds.
    #[error("a simulated cluster holds at most {0} brokers")]
    TooManyBrokers(u32),
    /// Kafka refused the request, with its error and message.
    #[error("{0}")]
    Kafka(#[from] KafkaError),
}
