//! # kafka-sim: a deterministic simulation of an Apache Kafka cluster
//!
//! Brokers, KRaft controllers and clients are nodes that react to messages and timers and act
//! only through their context; the [`World`] delivers what they send over a simulated network
//! with latency, jitter, loss and cut links. All time is virtual and all randomness comes from
//! one seed, so a run is a pure function of `(seed, commands)`: it replays byte for byte,
//! rewinds from copies, and is checked by tests, the checker and the fuzzer.
//!
//! A cluster, a topic, a producer's record in and the same record out:
//!
//! ```
//! use kafka_sim::{ClusterConfig, Command, CreateTopic, Outcome, Request, SimDuration, World};
//! use kafka_sim::producer::ProducerRecord;
//!
//! let mut world = World::new(&ClusterConfig::default(), 7); // three brokers, one controller
//! world.run_for(SimDuration::from_millis(500)); // brokers register, the controller unfences them
//! let topic = CreateTopic { name: "orders".into(), partitions: 1, replication_factor: 3, configs: Default::default(), replica_assignment: None };
//! world.apply(Command::CreateTopic(topic)).expect("a valid topic");
//! world.apply(Command::AddProducer { name: "p".into(), config: Default::default() }).expect("default configs");
//! let record = ProducerRecord { topic: "orders".into(), key: Some("k1".into()), value: Some("apple".into()), ..Default::default() };
//! world.apply(Command::Send { producer: "p".into(), record }).expect("the producer exists");
//! world.apply(Command::AddClient { name: "reader".into() }).expect("a new name");
//! world.run_for(SimDuration::from_millis(2_000)); // linger, acks=all, the high watermark moves
//! let fetch = Request::Fetch { topic: "orders".into(), partition: 0, offset: 0 };
//! world.apply(Command::Client { client: "reader".into(), request: fetch }).expect("the client exists");
//! world.run_for(SimDuration::from_millis(100));
//! let read = &world.operations().last().expect("the fetch").outcome;
//! assert_eq!(read, &Outcome::Fetched { records: vec![(0, "k1".into(), "apple".into())], high_watermark: 1 });
//! ```
//!
//! The same run with Kafka's own tools goes through [`console::run`]
//! (`kafka-topics.sh --create ...`, `kafka-console-producer.sh ...`).
//!
//! ## A tour
//!
//! The parts are split by who may know what. The engine knows no Kafka; the nodes know no
//! engine beyond their context; the values they exchange know neither; and whatever reads a run
//! (views, checker, scenarios) only reads the world.
//!
//! - **The engine** (crate-private): `time`, `rng` (named ChaCha streams from one seed),
//!   `queue` (events by `(time, sequence)`), `net` (latency, jitter, loss, cut links), `node`
//!   (`Ctx`: all a node may do), `world` (runs time forward, delivers, routes each [`Command`]
//!   to the node that owns it), `checkpoint` (copies to rewind from), `trace` (a run's
//!   fingerprint).
//! - **The values on the wire** (crate-private): `protocol` (Kafka's requests and the records
//!   they carry, imported by every node kind and importing none), `error` ([`ErrorCode`]).
//! - **The nodes**: `controller` (KRaft: registration, fencing, the metadata log, elections,
//!   the quorum), `broker` (Produce, Fetch, ISR and HW, followers, the group and transaction
//!   coordinators), and the clients: [`producer`], [`consumer`], [`client`] (a plain client,
//!   and the history every client's operations go into), with what they share: [`group`]
//!   (assignors, the group state machine), `txn`, `metadata`, `log`, [`topic`],
//!   [`partitioner`].
//! - **What reads a run**: [`WorldView`] (what the page draws), [`Event`] and [`cause_chain`]
//!   (what happened and why), [`console`] (Kafka's CLI tools), [`charts`], [`check`] (the
//!   safety checker and its live marks), [`verdict`], [`fuzz`] (seeded runs with faults),
//!   [`ab`].
//! - **Runs as data**: [`scenario`], [`Command`], [`Condition`], [`challenge`], [`export`]
//!   (the same run for a real Kafka cluster); [`workload`] (the benchmark run); [`sorted`]
//!   (one sort instance for the page's download).
//!
//! What is public is what the page, the `kafka-sim` command line, the benches and the tests
//! use; the rest is `pub(crate)`, so it can change without asking them.

// An item the crate does not export says `pub(crate)`, so its visibility reads true.
#![warn(unreachable_pub)]

pub mod ab;
pub(crate) mod alarm;
pub(crate) mod backoff;
pub(crate) mod broker;
pub mod challenge;
pub mod charts;
pub mod check;
pub(crate) mod checkpoint;
pub mod chunked;
pub mod client;
pub(crate) mod command;
pub(crate) mod condition;
pub mod console;
pub mod consumer;
pub(crate) mod controller;
pub(crate) mod endpoint;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod explain;
pub mod export;
pub mod fuzz;
pub mod group;
pub(crate) mod in_flight_requests;
pub(crate) mod invariant;
pub(crate) mod log;
pub(crate) mod metadata;
pub(crate) mod net;
pub(crate) mod node;
pub mod partition_map;
pub mod partitioner;
pub(crate) mod placement;
pub mod producer;
pub(crate) mod properties;
pub(crate) mod protocol;
pub(crate) mod queue;
pub(crate) mod rng;
pub mod scenario;
pub mod share_consumer;
pub mod sorted;
pub(crate) mod tagged;
#[cfg(test)]
pub(crate) mod test_worlds;
pub(crate) mod time;
pub mod topic;
pub(crate) mod trace;
pub(crate) mod txn;
pub mod verdict;
pub(crate) mod view;
pub mod workload;
pub(crate) mod world;

pub use broker::BrokerState;
pub use broker::share_partition::{InFlight, RecordState, SharePartition};
pub use checkpoint::Checkpoints;
pub use client::{Outcome, Request};
pub use command::{Command, CommandError, CommitOffset, ResetTarget};
pub use condition::Condition;
pub use controller::{CreateTopic, ElectionKind, Reassignment};
pub use endpoint::Endpoint;
pub use error::{ErrorCode, KafkaError};
pub use event::{CrashKind, Event, EventKind, RemovalCause, ShareReleaseCause, TxnPrepareCause};
pub use explain::cause_chain;
pub use net::LinkConfig;
pub use protocol::{BrokerId, ControlType, TopicPartition};
pub use rng::SimRng;
pub use scenario::{Scenario, ScenarioError, Step};
pub use time::{SimDuration, SimTime};
pub use view::{
    BatchStage, BatchView, BrokerView, ConsumerPartitionView, ConsumerView, ControllerView,
    DeliveryView, ForwardView, PartitionView, ProducerView, RECORDS_IN_VIEW, ReplicaView,
    ShareConsumerView, SharePartitionView, ShareRecordView, TimerView, TopicView, TransactionsView,
    WorldView,
};
pub use world::{ClusterConfig, World};
