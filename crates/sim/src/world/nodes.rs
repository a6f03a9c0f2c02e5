//! The node kinds the world holds and drives. Apart from `node`, so that a node kind imports
//! what a node may do (`Ctx`) without `node` importing every node kind back.

use crate::broker::Broker;
use crate::client::Client;
use crate::consumer::Consumer;
use crate::controller::Controller;
use crate::event::CrashKind;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::producer::Producer;
use crate::protocol::{BrokerId, Message, TopicPartition};
use crate::share_consumer::ShareConsumer;
use crate::time::SimTime;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Every kind of node in the world.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// The KRaft controller.
    Controller(Controller),
    /// A broker.
    Broker(Broker),
    /// A client.
    Client(Client),
    /// A producer.
    Producer(Producer),
    /// A consumer with its application's poll loop.
    Consumer(Consumer),
    /// A share consumer (KIP-932) with its application's poll loop.
    ShareConsumer(ShareConsumer),
}

impl Node {
    /// Called when the node's process starts, and again after each restart.
    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        match self {
            Node::Controller(controller) => controller.on_start(ctx),
            Node::Broker(broker) => broker.on_start(ctx),
            Node::Client(client) => client.on_start(ctx),
            Node::Producer(producer) => producer.on_start(ctx),
            Node::Consumer(consumer) => consumer.on_start(ctx),
            Node::ShareConsumer(consumer) => consumer.on_start(ctx),
        }
    }

    /// Handles a message that arrived from `from`.
    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        match self {
            Node::Controller(controller) => controller.on_message(ctx, from, message),
            Node::Broker(broker) => broker.on_message(ctx, from, message),
            Node::Client(client) => client.on_message(ctx, from, message),
            Node::Producer(producer) => producer.on_message(ctx, from, message),
            Node::Consumer(consumer) => consumer.on_message(ctx, from, message),
            Node::ShareConsumer(consumer) => consumer.on_message(ctx, from, message),
        }
    }

    /// Whether `message` gets in: a broker refuses connections until its listeners open (its
    /// answers to its own requests come back on connections it opened).
    pub(crate) fn accepts(&self, message: &Message) -> bool {
        match self {
            Node::Broker(broker) => broker.listening() || message.is_response(),
            _ => true,
        }
    }

    /// Handles one of its own timers.
    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match self {
            Node::Controller(controller) => controller.on_timer(ctx, timer),
            Node::Broker(broker) => broker.on_timer(ctx, timer),
            Node::Client(client) => client.on_timer(ctx, timer),
            Node::Producer(producer) => producer.on_timer(ctx, timer),
            Node::Consumer(consumer) => consumer.on_timer(ctx, timer),
            Node::ShareConsumer(consumer) => consumer.on_timer(ctx, timer),
        }
    }

    /// A broker joined the cluster: every node learns where it is (clients as their next
    /// Metadata response would tell them; brokers, as the metadata log's registration does).
    pub(crate) fn learn_brokers(
        &mut self,
        directory: &Rc<BTreeMap<BrokerId, NodeId>>,
        racks: &Rc<BTreeMap<BrokerId, String>>,
    ) {
        match self {
            Node::Controller(_) => {}
            Node::Broker(broker) => broker.learn_brokers(directory, racks),
            Node::Client(client) => client.bootstrap.learn(directory),
            Node::Producer(producer) => producer.learn_brokers(directory),
            Node::Consumer(consumer) => consumer.learn_brokers(directory),
            Node::ShareConsumer(consumer) => consumer.learn_brokers(directory),
        }
    }

    /// The process died: forget everything a real process would keep only in memory. Returns
    /// the records each partition lost from disk.
    pub(crate) fn on_crash(
        &mut self,
        kind: CrashKind,
        now: SimTime,
    ) -> Vec<(TopicPartition, usize)> {
        match self {
            Node::Controller(controller) => {
                controller.on_crash();
                Vec::new()
            }
            Node::Broker(broker) => broker.on_crash(kind),
            Node::Client(client) => {
                client.on_crash(now);
                Vec::new()
            }
            Node::Producer(producer) => {
                producer.on_crash(now);
                Vec::new()
            }
            Node::Consumer(consumer) => {
                consumer.on_crash(now);
                Vec::new()
            }
            Node::ShareConsumer(consumer) => {
                consumer.on_crash();
                Vec::new()
            }
        }
    }
}
