//! The cluster's shape while it runs. A new broker process takes the next free id and starts
//! the way every broker starts (it registers with the active controller, is fenced until it
//! has caught up with the metadata log, then unfenced). Nothing moves to it on its own; a
//! reassignment does that, as in Kafka.

use super::World;
use super::nodes::Node;
use crate::broker::Broker;
use crate::command::CommandError;
use crate::controller::OngoingReassignment;
use crate::event::EventKind;
use crate::net::NodeId;
use crate::scenario::MAX_BROKERS;
use std::rc::Rc;

impl World {
    /// ListPartitionReassignments, as the active controller (or the last one) answers it.
    pub fn partition_reassignments(&self) -> Vec<OngoingReassignment> {
        self.controller().list_partition_reassignments()
    }

    pub(super) fn add_broker(&mut self, rack: Option<String>) -> Result<(), CommandError> {
        if self.brokers.len() as u32 >= MAX_BROKERS {
            return Err(CommandError::TooManyBrokers(MAX_BROKERS));
        }
        if rack.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(CommandError::Config(
                "broker.rack: a rack name cannot be empty".to_owned(),
            ));
        }
        let id = self.brokers.keys().next_back().map_or(1, |last| last + 1);
        let existing = self.broker_slots().next().map(|(b, _)| b);
        let existing = existing.expect("a cluster has at least one broker");
        let config = existing.config();
        let mut racks = existing.racks().as_ref().clone();
        if let Some(rack) = &rack {
            racks.insert(id, rack.clone());
        }
        let racks = Rc::new(racks);
        let node = NodeId(self.slots.len() as u32);
        let mut directory = self.brokers.as_ref().clone();
        directory.insert(id, node);
        self.brokers = Rc::new(directory);
        let broker = Broker::new(
            id,
            Rc::clone(&self.controllers),
            Rc::clone(&self.brokers),
            config,
            Rc::clone(&racks),
        );
        let added = self.add_node(Node::Broker(broker));
        assert_eq!(added, node, "the new broker takes the next node id");
        for slot in &mut self.slots {
            slot.node.learn_brokers(&self.brokers, &racks);
        }
        self.push_event(EventKind::BrokerAdded { broker: id, rack });
        self.start(node);
        Ok(())
    }
}
