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
//! - **Time and the world**: [`time`], [`rng`] (named ChaCha streams from one seed), [`queue`]
//!   (events by `(time, sequence)`), [`net`], [`node`] (what a node may do: `Ctx`), [`world`]
//!   (runs time forward, delivers, routes each [`Command`] to its family in `world/`),
//!   [`checkpoint`] (copies to rewind from), [`trace`] (the fingerprint of a run).
//! - **The cluster**: [`controller`] (KRaft: registration, fencing, the metadata log, elections,
//!   topics, reassignments, the quorum), [`broker`] (Produce, Fetch, ISR and HW, followers, the
//!   group and transaction coordinators it hosts), [`log`], [`metadata`], [`topic`],
//!   [`placement`].
//! - **Clients**: [`producer`] (accumulator, sender, idempotence, transactions), [`consumer`]
//!   (membership, fetching, commits, the application's poll loop), [`group`] (assignors and the
//!   group state machine), [`txn`], [`client`] (a plain client, and the history every client's
//!   operations go into), [`partitioner`], [`backoff`], [`protocol`] and [`error`] (Kafka's
//!   requests, error codes and texts).
//! - **What a user reads**: [`view`] (what the page draws), [`event`] and [`explain`] (what
//!   happened and why), [`console`] (Kafka's CLI tools), [`charts`].
//! - **What checks a run**: [`invariant`] (after every step), [`check`] (the safety checker over
//!   a run's history, and its live marks), [`verdict`] (which anomalies a configuration allows),
//!   [`fuzz`] (seeded runs with faults, nine profiles), [`ab`].
//! - **Runs as data**: [`scenario`], [`command`], [`condition`], [`challenge`], [`export`] (the
//!   same run for a real Kafka cluster), [`tagged`].
//! - **The page's download**: [`sorted`] (stable sorts, sorted maps and sets, through one
//!   instance of the standard library's sort).
//! - **Measuring**: [`workload`] (the benchmark run the native bench, the wasm bench and
//!   `kafka-sim workload` share).

pub mod ab;
pub mod backoff;
pub mod broker;
pub mod challenge;
pub mod charts;
pub mod check;
pub mod checkpoint;
pub mod client;
pub mod command;
pub mod condition;
pub mod console;
pub mod consumer;
pub mod controller;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod explain;
pub mod export;
pub mod fuzz;
pub mod group;
pub mod invariant;
pub mod log;
pub mod metadata;
pub mod net;
pub mod node;
pub mod partitioner;
pub mod placement;
pub mod producer;
pub mod properties;
pub mod protocol;
pub mod queue;
pub mod rng;
pub mod scenario;
pub mod sorted;
pub mod tagged;
pub mod time;
pub mod topic;
pub mod trace;
pub mod txn;
pub mod verdict;
pub mod view;
pub mod workload;
pub mod world;

pub use client::{Outcome, Request};
pub use command::{Command, CommandError, CommitOffset};
pub use controller::{CreateTopic, ElectionKind};
pub use endpoint::Endpoint;
pub use error::{ErrorCode, KafkaError};
pub use event::{CrashKind, Event, EventKind};
pub use protocol::TopicPartition;
pub use scenario::{Scenario, ScenarioError, Step};
pub use time::{SimDuration, SimTime};
pub use view::{
    BatchStage, BatchView, BrokerView, ConsumerPartitionView, ConsumerView, ControllerView,
    ForwardView, PartitionView, ProducerView, ReplicaView, TimerView, TopicView, TransactionsView,
    WorldView,
};
pub use world::{ClusterConfig, World};
