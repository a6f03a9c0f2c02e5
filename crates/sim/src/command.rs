//! Commands: the only way anything outside the simulation changes it. A run is a pure function
//! of the seed and the timed command log, which is what replay and rewind rely on.

use crate::endpoint::Endpoint;
use crate::event::CrashKind;
use crate::protocol::BrokerId;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A change requested from outside: a fault, a repair, and later topics and clients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Kill a broker's process, or cut its power.
    CrashBroker {
        /// The broker to bring down.
        broker: BrokerId,
        /// A process crash (log kept) or a power loss (unflushed tail lost).
        #[serde(default)]
        kind: CrashKind,
    },
    /// Start a crashed broker again.
    RestartBroker {
        /// The broker to start.
        broker: BrokerId,
    },
    /// Cut both directions between two endpoints (a network partition).
    CutLink {
        /// One side.
        a: Endpoint,
        /// The other side.
        b: Endpoint,
    },
    /// Heal both directions between two endpoints.
    HealLink {
        /// One side.
        a: Endpoint,
        /// The other side.
        b: Endpoint,
    },
    /// Heal every link.
    HealNetwork,
}

/// A command the world cannot apply. Nothing changes when one is returned.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CommandError {
    /// No such participant.
    #[error("unknown {0}")]
    UnknownEndpoint(Endpoint),
    /// Crashing what is already down.
    #[error("broker {0} is already down")]
    AlreadyDown(BrokerId),
    /// Restarting what is already up.
    #[error("broker {0} is already running")]
    AlreadyUp(BrokerId),
    /// A link needs two different ends.
    #[error("a link needs two different endpoints, got {0} twice")]
    SameEndpoint(Endpoint),
}
