//! Snapshots for the UI and reports: plain data, computed from the world on demand, so the UI
//! never reaches into a node.

use crate::broker::BrokerState;
use crate::endpoint::Endpoint;
use crate::protocol::BrokerId;
use crate::time::SimTime;
use crate::world::{InFlight, Stats, World};
use serde::{Deserialize, Serialize};

/// The world as the UI draws it. Serialize-only: a view is derived, never loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorldView {
    /// The virtual clock.
    pub now: SimTime,
    /// The seed of the run.
    pub seed: u64,
    /// One entry per broker, by id.
    pub brokers: Vec<BrokerView>,
    /// Messages on the wire.
    pub in_flight: Vec<InFlight>,
    /// Cut links.
    pub cut_links: Vec<(Endpoint, Endpoint)>,
    /// Counters.
    pub stats: Stats,
}

/// One broker, as its process and as the controller see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerView {
    /// `node.id`.
    pub id: BrokerId,
    /// Whether the process runs.
    pub up: bool,
    /// The broker's own lifecycle state.
    pub state: BrokerState,
    /// The controller's verdict: fenced brokers may not lead.
    pub fenced: bool,
    /// The epoch of its registration, as the controller knows it.
    pub broker_epoch: Option<u64>,
}

impl BrokerView {
    /// One word for the broker's condition, the way an operator would say it.
    pub fn status(&self) -> &'static str {
        match (self.up, self.fenced) {
            (false, _) => "crashed",
            (true, true) => "fenced",
            (true, false) => "online",
        }
    }
}

impl World {
    /// A snapshot of the whole world.
    pub fn view(&self) -> WorldView {
        let registrations = self.controller().registrations();
        let brokers = self
            .broker_slots()
            .map(|(broker, up)| {
                let registration = registrations.get(&broker.id());
                BrokerView {
                    id: broker.id(),
                    up,
                    state: broker.state(),
                    fenced: registration.is_none_or(|r| r.fenced),
                    broker_epoch: registration.map(|r| r.broker_epoch),
                }
            })
            .collect();
        WorldView {
            now: self.now(),
            seed: self.seed(),
            brokers,
            in_flight: self.in_flight(),
            cut_links: self.cut_links(),
            stats: self.stats(),
        }
    }
}
