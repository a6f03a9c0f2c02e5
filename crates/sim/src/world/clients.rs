//! What the clients' applications do: add a client, producer or consumer, send, stream,
//! flush, run a transaction, and call the consumer's API (commit, seek, position, pause).
//! Each call runs on the client's node as if its application made it now.

use super::World;
use super::nodes::Node;
use crate::client::{Client, ClientConfig};
use crate::command::{Command, CommandError};
use crate::consumer::{Consumer, ConsumerConfig, Subscription as ConsumerSubscription};
use crate::event::EventKind;
use crate::net::NodeId;
use crate::node::Ctx;
use crate::producer::{Producer, ProducerConfig};
use crate::protocol::TopicPartition;
use crate::share_consumer::{ShareConsumer, ShareConsumerConfig};
use std::collections::BTreeMap;
use std::rc::Rc;

impl World {
    pub(super) fn apply_client(&mut self, command: &Command) -> Result<(), CommandError> {
        match command {
            Command::AddClient { name } => {
                if self.clients.contains_key(name) {
                    return Err(CommandError::ClientExists(name.clone()));
                }
                let client = Client::new(name, Rc::clone(&self.brokers), ClientConfig::default());
                let node = self.add_node(Node::Client(client));
                self.clients.insert(name.clone(), node);
                self.start(node);
            }
            Command::AddProducer { name, config } => {
                if self.clients.contains_key(name) {
                    return Err(CommandError::ClientExists(name.clone()));
                }
                let config = ProducerConfig::from_properties(config)
                    .map_err(|e| CommandError::Config(e.to_string()))?;
                let producer = Producer::new(name, config, Rc::clone(&self.brokers));
                let node = self.add_node(Node::Producer(producer));
                self.clients.insert(name.clone(), node);
                self.start(node);
            }
            Command::Send { producer, record } => {
                let record = record.clone();
                self.with_producer(producer, |p, ctx| {
                    p.send(ctx, record);
                })?;
            }
            Command::AddConsumer {
                name,
                config,
                topics,
                partitions,
            } => self.add_consumer(name, config, topics, partitions)?,
            Command::StallConsumer { consumer } => {
                if !self.with_share_consumer(consumer, |c, _| c.stall())? {
                    self.with_consumer(consumer, |c, ctx| c.stall(ctx))?;
                }
                self.push_event(EventKind::ConsumerStalled {
                    consumer: consumer.clone(),
                });
            }
            Command::ResumeConsumer { consumer } => {
                if !self.with_share_consumer(consumer, |c, ctx| c.resume(ctx))? {
                    self.with_consumer(consumer, |c, ctx| c.resume(ctx))?;
                }
                self.push_event(EventKind::ConsumerResumed {
                    consumer: consumer.clone(),
                });
            }
            Command::CloseConsumer { consumer } => {
                if self.with_share_consumer(consumer, |c, ctx| c.close(ctx))? {
                    return Ok(());
                }
                let node = self.consumer_node(consumer)?;
                self.run_node(node, |n, ctx| {
                    if let Node::Consumer(c) = n {
                        c.close(ctx);
                    }
                });
            }
            Command::CommitSync { consumer } => {
                self.with_consumer(consumer, |c, ctx| {
                    c.commit_sync(ctx);
                })?;
            }
            Command::CommitAsync { consumer } => {
                self.with_consumer(consumer, |c, ctx| {
                    c.commit_async(ctx);
                })?;
            }
            Command::Seek {
                consumer,
                tp,
                offset,
            } => self.consumer_call(consumer, |c, ctx| c.seek(ctx, tp, *offset))?,
            Command::SeekToBeginning {
                consumer,
                partitions,
            } => self.consumer_call(consumer, |c, ctx| c.seek_to(ctx, partitions, -2))?,
            Command::SeekToEnd {
                consumer,
                partitions,
            } => self.consumer_call(consumer, |c, ctx| c.seek_to(ctx, partitions, -1))?,
            Command::CommitSyncOffsets { consumer, offsets }
            | Command::CommitAsyncOffsets { consumer, offsets } => {
                let sync = matches!(command, Command::CommitSyncOffsets { .. });
                let offsets: Vec<crate::consumer::ExplicitOffset> = offsets
                    .iter()
                    .map(|o| crate::consumer::ExplicitOffset {
                        tp: o.tp.clone(),
                        offset: o.offset,
                        metadata: o.metadata.clone(),
                    })
                    .collect();
                self.consumer_call(consumer, |c, ctx| {
                    c.commit_offsets(ctx, &offsets, sync).map(drop)
                })?;
            }
            Command::Position { consumer, tp } => {
                self.consumer_call(consumer, |c, ctx| c.ask_position(ctx, tp))?;
            }
            Command::Committed {
                consumer,
                partitions,
            } => self.consumer_call(consumer, |c, ctx| c.ask_committed(ctx, partitions))?,
            Command::OffsetsForTimes {
                consumer,
                tp,
                timestamp_ms,
            } => self.consumer_call(consumer, |c, ctx| {
                c.ask_offsets_for_times(ctx, tp, *timestamp_ms)
            })?,
            Command::PausePartitions {
                consumer,
                partitions,
            } => self.consumer_call(consumer, |c, ctx| c.set_paused(ctx, partitions, true))?,
            Command::ResumePartitions {
                consumer,
                partitions,
            } => self.consumer_call(consumer, |c, ctx| c.set_paused(ctx, partitions, false))?,
            Command::StreamRecords {
                producer,
                topic,
                per_second,
            } => {
                // One record per microsecond is the clock's resolution: a faster stream would
                // send its records all at one instant, forever.
                if *per_second > crate::producer::MAX_STREAM_PER_SECOND {
                    return Err(CommandError::Config(format!(
                        "per_second: at most {} records per second of virtual time",
                        crate::producer::MAX_STREAM_PER_SECOND
                    )));
                }
                self.with_producer(producer, |p, ctx| p.set_stream(ctx, topic, *per_second))?;
            }
            Command::Flush { producer } => {
                self.with_producer(producer, Producer::flush)?;
            }
            Command::Transaction { producer, action } => {
                let action = *action;
                self.with_producer(producer, |p, ctx| {
                    p.transaction(ctx, action);
                })?;
            }
            Command::Client { client, request } => {
                let node = self.refuse_paused(
                    *self
                        .clients
                        .get(client)
                        .ok_or_else(|| CommandError::UnknownClient(client.clone()))?,
                )?;
                let request = request.clone();
                self.run_node(node, |n, ctx| {
                    if let Node::Client(c) = n {
                        c.submit(ctx, request);
                    }
                });
            }
            other => unreachable!("World::apply sent {other:?} here, which is not a client's call"),
        }
        Ok(())
    }

    pub(super) fn add_consumer(
        &mut self,
        name: &str,
        config: &BTreeMap<String, String>,
        topics: &[String],
        partitions: &[TopicPartition],
    ) -> Result<(), CommandError> {
        if self.clients.contains_key(name) {
            return Err(CommandError::ClientExists(name.to_owned()));
        }
        let mut config = config.clone();
        match config
            .get("group.type")
            .map(|t| t.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("share") => return self.add_share_consumer(name, &config, topics, partitions),
            None | Some("consumer" | "classic") => {
                config.remove("group.type");
            }
            Some(other) => {
                return Err(CommandError::Config(format!(
                    "Invalid value {other} for configuration group.type: String must be one of: consumer, share"
                )));
            }
        }
        let config = ConsumerConfig::from_properties(&config)
            .map_err(|e| CommandError::Config(e.to_string()))?;
        let subscription = match (topics.is_empty(), partitions.is_empty()) {
            (false, true) if config.group_id.is_none() => {
                return Err(CommandError::Consumer(
                    "InvalidGroupIdException: To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.".to_owned(),
                ));
            }
            (false, true) => ConsumerSubscription::Topics(topics.to_vec()),
            (true, false) => ConsumerSubscription::Partitions(partitions.to_vec()),
            _ => {
                return Err(CommandError::Consumer(
                    "IllegalStateException: Subscription to topics, partitions and pattern are mutually exclusive; give either topics or partitions".to_owned(),
                ));
            }
        };
        let consumer = Consumer::new(name, config, subscription, Rc::clone(&self.brokers));
        let node = self.add_node(Node::Consumer(consumer));
        self.clients.insert(name.to_owned(), node);
        self.consumers.push(node);
        self.start(node);
        Ok(())
    }

    /// A share consumer (`KafkaShareConsumer`, KIP-932): it subscribes to topics; the
    /// playground's `group.type=share` asks for one.
    fn add_share_consumer(
        &mut self,
        name: &str,
        config: &BTreeMap<String, String>,
        topics: &[String],
        partitions: &[TopicPartition],
    ) -> Result<(), CommandError> {
        let config = ShareConsumerConfig::from_properties(config)
            .map_err(|e| CommandError::Config(e.to_string()))?;
        if !partitions.is_empty() || topics.is_empty() {
            return Err(CommandError::Consumer(
                "IllegalStateException: a share consumer subscribes to topics: KafkaShareConsumer has no assign()".to_owned(),
            ));
        }
        let consumer = ShareConsumer::new(name, config, topics.to_vec(), Rc::clone(&self.brokers));
        let node = self.add_node(Node::ShareConsumer(consumer));
        self.clients.insert(name.to_owned(), node);
        self.start(node);
        Ok(())
    }

    /// Runs `f` on the share consumer `name`; false when `name` is no share consumer.
    fn with_share_consumer(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut ShareConsumer, &mut Ctx<'_>),
    ) -> Result<bool, CommandError> {
        let Some(&node) = self.clients.get(name) else {
            return Ok(false);
        };
        if !matches!(self.slots[node.0 as usize].node, Node::ShareConsumer(_)) {
            return Ok(false);
        }
        let node = self.refuse_paused(node)?;
        if !self.slots[node.0 as usize].up {
            return Err(CommandError::ClientState(name.to_owned(), "down"));
        }
        self.run_node(node, |n, ctx| {
            if let Node::ShareConsumer(c) = n {
                f(c, ctx);
            }
        });
        Ok(true)
    }

    /// The consumer a command addresses; a paused one cannot be asked anything.
    pub(super) fn consumer_node(&self, name: &str) -> Result<NodeId, CommandError> {
        let node = self
            .clients
            .get(name)
            .copied()
            .filter(|node| matches!(self.slots[node.0 as usize].node, Node::Consumer(_)))
            .ok_or_else(|| CommandError::UnknownClient(name.to_owned()))?;
        self.refuse_paused(node)
    }

    /// Runs a producer's call: it must exist and not be paused.
    pub(super) fn with_producer(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Producer, &mut Ctx<'_>),
    ) -> Result<(), CommandError> {
        let node = self.producer_node(name)?;
        self.run_node(node, |n, ctx| {
            if let Node::Producer(p) = n {
                f(p, ctx);
            }
        });
        Ok(())
    }

    /// Runs a consumer's call: it must exist, be running and not be paused.
    pub(super) fn with_consumer(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Consumer, &mut Ctx<'_>),
    ) -> Result<(), CommandError> {
        let node = self.consumer_node(name)?;
        if !self.slots[node.0 as usize].up {
            return Err(CommandError::ClientState(name.to_owned(), "down"));
        }
        self.run_node(node, |n, ctx| {
            if let Node::Consumer(c) = n {
                f(c, ctx);
            }
        });
        Ok(())
    }

    /// A consumer call that Java may refuse with an exception: refused, nothing changes.
    pub(super) fn consumer_call(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Consumer, &mut Ctx<'_>) -> Result<(), String>,
    ) -> Result<(), CommandError> {
        let mut result = Ok(());
        self.with_consumer(name, |c, ctx| result = f(c, ctx))?;
        result.map_err(CommandError::Consumer)
    }

    /// The producer a command addresses; a paused one cannot be asked anything.
    pub(super) fn producer_node(&self, name: &str) -> Result<NodeId, CommandError> {
        let node = self
            .clients
            .get(name)
            .copied()
            .filter(|node| matches!(self.slots[node.0 as usize].node, Node::Producer(_)))
            .ok_or_else(|| CommandError::UnknownClient(name.to_owned()))?;
        self.refuse_paused(node)
    }
}
