//! The world's parts one by one, so a bench can count what a copy of each costs (a rewind
//! checkpoint is a copy of the world: `benches/checkpoint_memory.rs`).

use super::{Node, World};
use std::any::Any;

impl World {
    /// Calls `each` with a name and a copier for every part of the world, node parts named by
    /// their kind (the same name for every broker), so a counting allocator can say where a
    /// copy's bytes go. The parts together are the world's fields.
    #[doc(hidden)]
    #[allow(clippy::type_complexity)]
    pub fn clone_each_part(&self, each: &mut dyn FnMut(&str, &dyn Fn() -> Box<dyn Any>)) {
        each("world.queue", &|| Box::new(self.queue.clone()));
        each("world.queue (its live entries only)", &|| {
            Box::new(
                self.queue
                    .iter()
                    .map(|(_, _, e)| e.clone())
                    .collect::<Vec<_>>(),
            )
        });
        for (_, _, entry) in self.queue.iter() {
            let name = match entry {
                super::Pending::Deliver { message, .. } => {
                    format!("queue entry: {} message", message.api_name())
                }
                super::Pending::Timer { timer, .. } => {
                    let timer = format!("{timer:?}");
                    let kind = timer.split(['(', ' ', '{']).next().unwrap_or_default();
                    format!("queue entry: {kind} timer")
                }
            };
            each(&name, &|| Box::new(entry.clone()));
        }
        each("world.network", &|| Box::new(self.network.clone()));
        each("world.operation_order", &|| {
            Box::new(self.operation_order.clone())
        });
        each("world.events", &|| Box::new(self.events.clone()));
        each("world.commands", &|| Box::new(self.commands.clone()));
        each("world.trace", &|| Box::new(self.trace.clone()));
        each("world.invariants", &|| Box::new(self.invariants.clone()));
        each("world.outbox", &|| Box::new(self.outbox.clone()));
        each("world.unanswered", &|| Box::new(self.unanswered.clone()));
        each("world.retention_checks", &|| {
            Box::new(self.retention_checks.clone())
        });
        each("world.slots (the Vec itself)", &|| {
            Box::new(Vec::<u8>::with_capacity(
                self.slots.capacity() * std::mem::size_of_val(&self.slots[0]),
            ))
        });
        for slot in &self.slots {
            each("slot.held", &|| Box::new(slot.held.clone()));
            match &slot.node {
                Node::Controller(controller) => {
                    each("controller", &|| Box::new(controller.clone()))
                }
                Node::Broker(broker) => broker.clone_each_part(each),
                Node::Client(client) => {
                    each("client (whole)", &|| Box::new(client.clone()));
                    each("client.history", &|| Box::new(client.history().clone()));
                }
                Node::Producer(producer) => {
                    each("producer (whole)", &|| Box::new(producer.clone()));
                    each("producer.history", &|| Box::new(producer.history().clone()));
                }
                Node::Consumer(consumer) => {
                    each("consumer (whole)", &|| Box::new(consumer.clone()));
                    each("consumer.history", &|| Box::new(consumer.history().clone()));
                }
                Node::ShareConsumer(consumer) => {
                    each("share consumer (whole)", &|| Box::new(consumer.clone()));
                }
            }
        }
    }
}
