//! What the page, the checker and the tools read of a world: its clients, groups, replicas,
//! operations and the messages on the wire. Read-only, so the event loop in `world.rs` stays
//! about time, delivery and routing.

use super::nodes::Node;
use super::{InFlight, Pending, World};
use crate::broker::Broker;
use crate::chunked::Chunked;
use crate::client::{Operation, OperationId};
use crate::consumer::Consumer;
use crate::controller::Controller;
use crate::endpoint::Endpoint;
use crate::net::NodeId;
use crate::node::Connection;
use crate::protocol::{BrokerId, TopicPartition};
use crate::time::SimTime;

/// The history of operations of the client on `connection` of a node's process.
fn history_of(node: &Node, connection: Connection) -> Option<&Chunked<Operation>> {
    match (node, connection) {
        (Node::Client(client), Connection::Main) => Some(client.history()),
        (Node::Producer(producer), Connection::Main) => Some(producer.history()),
        (Node::Consumer(consumer), Connection::Main) => Some(consumer.history()),
        (Node::Consumer(consumer), Connection::AppProducer) => {
            consumer.forwarder().map(|f| f.producer.history())
        }
        _ => None,
    }
}

impl World {
    /// Messages on the wire now, oldest first.
    pub fn in_flight(&self) -> Vec<InFlight> {
        let mut entries: Vec<_> = self
            .queue
            .iter()
            .filter_map(|(at, seq, event)| match event {
                Pending::Deliver {
                    from,
                    to,
                    sent_at,
                    message,
                    ..
                } => Some((
                    seq,
                    InFlight {
                        from: self.endpoint_of(*from),
                        to: self.endpoint_of(*to),
                        sent_at: *sent_at,
                        arrives_at: at,
                        api: message.api_name(),
                        is_response: message.is_response(),
                    },
                )),
                Pending::Timer { .. } => None,
            })
            .collect();
        crate::sorted::sort_by_key(&mut entries, |(seq, _)| *seq);
        entries.into_iter().map(|(_, flight)| flight).collect()
    }

    /// The cut links by endpoint name: a link cut both ways once, a one-way cut as (from, to).
    pub fn cut_links(&self) -> Vec<(Endpoint, Endpoint)> {
        self.network
            .cut_links()
            .filter(|&(from, to)| from < to || !self.network.link(to, from).cut)
            .map(|(from, to)| (self.endpoint_of(from), self.endpoint_of(to)))
            .collect()
    }

    /// The active controller, or (during an election) controller 1.
    pub(crate) fn controller(&self) -> &Controller {
        let node = self.active_controller().unwrap_or(self.controllers[0]);
        match &self.slots[node.0 as usize].node {
            Node::Controller(controller) => controller,
            _ => unreachable!("controllers are controller nodes"),
        }
    }

    /// Every producer, by name.
    pub fn producers(&self) -> impl Iterator<Item = &crate::producer::Producer> + '_ {
        self.clients
            .values()
            .filter_map(|node| match &self.slots[node.0 as usize].node {
                Node::Producer(p) => Some(p),
                _ => None,
            })
    }

    /// Every client's history of operations (a consume-transform-produce application's
    /// producer has its own).
    pub(crate) fn histories(&self) -> impl Iterator<Item = &Chunked<Operation>> + '_ {
        self.slots.iter().flat_map(|slot| {
            [Connection::Main, Connection::AppProducer]
                .into_iter()
                .filter_map(|connection| history_of(&slot.node, connection))
        })
    }

    /// Every consumer, in the order added, with whether its process runs.
    pub fn consumers(&self) -> impl Iterator<Item = (&Consumer, bool)> + '_ {
        self.consumers.iter().filter_map(|node| {
            let slot = &self.slots[node.0 as usize];
            match &slot.node {
                Node::Consumer(c) => Some((c, slot.up)),
                _ => None,
            }
        })
    }

    /// Every share consumer (KIP-932), by name, with whether its process runs.
    pub fn share_consumers(
        &self,
    ) -> impl Iterator<Item = (&crate::share_consumer::ShareConsumer, bool)> + '_ {
        self.clients.values().filter_map(|node| {
            let slot = &self.slots[node.0 as usize];
            match &slot.node {
                Node::ShareConsumer(c) => Some((c, slot.up)),
                _ => None,
            }
        })
    }

    /// Every group as its current coordinator holds it, with the coordinator's id. A group
    /// whose coordinator is down or not yet elected is missing until one loads it.
    pub fn groups(&self) -> Vec<(BrokerId, &crate::group::Group)> {
        let mut groups: Vec<(BrokerId, &crate::group::Group)> = self
            .broker_slots()
            .filter(|(_, up)| *up)
            .flat_map(|(b, _)| b.groups().values().map(move |g| (b.id(), g)))
            .collect();
        crate::sorted::sort_by(&mut groups, |a, b| a.1.id.cmp(&b.1.id));
        groups
    }

    /// Every share partition (KIP-932) as its leader holds it: (group, partition, leader,
    /// state), in group then partition order.
    pub fn share_partitions(
        &self,
    ) -> Vec<(&str, &TopicPartition, BrokerId, &crate::SharePartition)> {
        let mut found: Vec<_> = self
            .broker_slots()
            .filter(|(_, up)| *up)
            .flat_map(|(b, _)| {
                b.share_partitions()
                    .map(move |(g, tp, s)| (g, tp, b.id(), s))
            })
            .collect();
        crate::sorted::sort_by(&mut found, |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        found
    }

    /// Whether a client of this name exists.
    pub fn has_client(&self, name: &str) -> bool {
        self.clients.contains_key(name)
    }

    /// Every client operation so far, in the order they were invoked.
    pub fn operations(&self) -> Vec<&Operation> {
        self.operations_since(SimTime::ZERO).collect()
    }

    /// The operations invoked at or after `since`, in the order they were invoked (newest
    /// first with `.rev()`): what the page shows of a long run, found without walking it.
    pub fn operations_since(&self, since: SimTime) -> impl DoubleEndedIterator<Item = &Operation> {
        self.identified_operations_since(since).map(|(_, op)| op)
    }

    /// [`operations_since`](Self::operations_since) with each operation's run-wide id, the one
    /// a send's records carry (`RecordData::send`).
    pub fn identified_operations_since(
        &self,
        since: SimTime,
    ) -> impl DoubleEndedIterator<Item = (OperationId, &Operation)> {
        // Invocation order is time order. An entry that no longer resolves counts as later,
        // which can only start the range early, never skip an operation.
        let first = self.operation_order.partition_point(|entry| {
            self.operation(*entry)
                .is_some_and(|op| op.invoked_at < since)
        });
        self.operation_order
            .iter_from(first)
            .filter_map(|&(node, connection, index)| {
                let op = self.operation((node, connection, index))?;
                Some((OperationId::new(node, connection, index), op))
            })
    }

    fn operation(
        &self,
        (node, connection, index): (NodeId, Connection, usize),
    ) -> Option<&Operation> {
        history_of(&self.slots[node.0 as usize].node, connection)?.get(index)
    }

    /// One broker's replica of a partition (log, producer state, leadership), if it hosts one.
    pub fn replica(
        &self,
        broker: BrokerId,
        tp: &TopicPartition,
    ) -> Option<&crate::broker::Replica> {
        self.broker_replicas(broker)?.get(tp)
    }

    /// Every replica a broker hosts, by partition.
    pub(crate) fn broker_replicas(
        &self,
        broker: BrokerId,
    ) -> Option<&crate::partition_map::PartitionMap<crate::broker::Replica>> {
        let node = self.brokers.get(&broker)?;
        match &self.slots[node.0 as usize].node {
            Node::Broker(b) => Some(b.replicas()),
            _ => None,
        }
    }

    /// One broker's log of a partition, if it hosts a replica.
    pub fn replica_log(
        &self,
        broker: BrokerId,
        tp: &TopicPartition,
    ) -> Option<&crate::log::PartitionLog> {
        self.replica(broker, tp).map(|r| &r.log)
    }

    /// The log of the partition's current leader, as the controller's metadata names it.
    pub fn leader_log(&self, tp: &TopicPartition) -> Option<&crate::log::PartitionLog> {
        let leader = self.metadata().partition(tp)?.leader?;
        self.replica_log(leader, tp)
    }

    /// The controller's metadata: the truth about leaders and ISRs.
    pub fn metadata(&self) -> &crate::metadata::MetadataImage {
        self.controller().image()
    }

    /// What a copy of the event queue holds of its own, in bytes (rewind checkpoints): when
    /// taken, and once the run has gone past every event it holds.
    pub(crate) fn queue_bytes(&self) -> (usize, usize) {
        (self.queue.unshared_bytes(), self.queue.held_bytes())
    }

    pub(crate) fn broker_slots(&self) -> impl Iterator<Item = (&Broker, bool)> + '_ {
        self.brokers.values().filter_map(|node| {
            let slot = &self.slots[node.0 as usize];
            match &slot.node {
                Node::Broker(broker) => Some((broker, slot.up)),
                _ => None,
            }
        })
    }
}
