//! # kafka-sim: a deterministic simulation of an Apache Kafka cluster
//!
//! Every broker, the KRaft controller and (later) every client is a node that reacts to messages
//! and timers and returns what it sends; the [`World`] delivers those messages over a simulated
//! network with latency, jitter, loss and cut links. All time is virtual and all randomness comes
//! from one seed, so a run is a pure function of `(seed, commands)`: it can be replayed byte for
//! byte, rewound, and checked by tests.
//!
//! ```
//! use kafka_sim::{ClusterConfig, Command, SimDuration, World};
//!
//! let mut world = World::new(&ClusterConfig::default(), 42);
//! world.run_for(SimDuration::from_millis(100));
//! assert!(world.view().brokers.iter().all(|b| b.status() == "online"));
//!
//! // Kill broker 2: after broker.session.timeout.ms (9 s) without heartbeats it is fenced.
//! world.apply(Command::CrashBroker { broker: 2, kind: Default::default() }).unwrap();
//! world.run_for(SimDuration::from_millis(10_000));
//! let view = world.view();
//! assert!(view.brokers[1].fenced && !view.brokers[1].up);
//! ```

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
pub mod tagged;
pub mod time;
pub mod topic;
pub mod trace;
pub mod txn;
pub mod verdict;
pub mod view;
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
