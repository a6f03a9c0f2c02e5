//! Names of the world's participants as users and commands refer to them (`broker 2`,
//! `controller`), as opposed to the world's internal node addresses.

use crate::protocol::BrokerId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A participant addressed by its Kafka identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// The KRaft controller (controller 1 of a quorum).
    Controller,
    /// Controller `n` of a KRaft quorum of several.
    ControllerNode(u32),
    /// The broker with this `node.id`.
    Broker(BrokerId),
    /// A client, by name.
    Client(String),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Controller => f.write_str("controller"),
            Endpoint::ControllerNode(id) => write!(f, "controller {id}"),
            Endpoint::Broker(id) => write!(f, "broker {id}"),
            Endpoint::Client(name) => write!(f, "client {name}"),
        }
    }
}
