//! The only bridge between the UI and the core: commands go in, views and events come out.
//! The world lives behind `Rc<RefCell<_>>` because it is large and mutated in place on every
//! tick; cloning it per render (as a reducer would) would cost more than simulating.

use kafka_sim::client::Operation;
use kafka_sim::{ClusterConfig, Command, CommandError, Event, SimDuration, World, WorldView};
use std::cell::RefCell;
use std::rc::Rc;

/// A shared handle on the running world.
#[derive(Clone)]
pub struct SimHandle(Rc<RefCell<World>>);

impl PartialEq for SimHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl SimHandle {
    /// A default three-broker cluster from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut world = World::new(&ClusterConfig::default(), seed);
        // Cheap enough to keep on: a violation is a simulator bug or a lesson (power loss).
        world.check_invariants();
        SimHandle(Rc::new(RefCell::new(world)))
    }

    /// Advances virtual time.
    pub fn advance(&self, span: SimDuration) {
        self.0.borrow_mut().run_for(span);
    }

    /// Processes exactly the next scheduled event (single-step).
    pub fn step(&self) -> bool {
        self.0.borrow_mut().step()
    }

    /// Applies a user's command.
    pub fn apply(&self, command: Command) -> Result<(), CommandError> {
        self.0.borrow_mut().apply(command)
    }

    /// A snapshot to render.
    pub fn view(&self) -> WorldView {
        self.0.borrow().view()
    }

    /// The newest `count` client operations, newest first.
    pub fn recent_operations(&self, count: usize) -> Vec<Operation> {
        let world = self.0.borrow();
        world
            .operations()
            .into_iter()
            .rev()
            .take(count)
            .cloned()
            .collect()
    }

    /// The newest `count` events, newest first.
    pub fn recent_events(&self, count: usize) -> Vec<Event> {
        let world = self.0.borrow();
        world.events().iter().rev().take(count).cloned().collect()
    }
}
