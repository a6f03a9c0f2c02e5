//! Requests and responses between nodes, modelled on Kafka's APIs. Each is a plain value: a node's
//! handler returns the messages it sends, and the world carries them over the network.

use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// A broker's id (`node.id` in KRaft).
pub type BrokerId = u32;

/// Everything that travels over the simulated network.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Message {
    /// BrokerRegistration: a starting broker announces itself to the controller.
    BrokerRegistration {
        /// The broker registering.
        broker_id: BrokerId,
    },
    /// The controller's answer, with the epoch the broker must quote in heartbeats.
    BrokerRegistrationResponse {
        /// `NONE` on success.
        error: ErrorCode,
        /// A new epoch per registration, so heartbeats of a previous incarnation are rejected.
        broker_epoch: u64,
    },
    /// BrokerHeartbeat: keeps the broker's session with the controller alive.
    BrokerHeartbeat {
        /// The broker heartbeating.
        broker_id: BrokerId,
        /// The epoch from its registration.
        broker_epoch: u64,
    },
    /// The controller's answer: whether the broker may serve (unfenced) or not.
    BrokerHeartbeatResponse {
        /// `NONE`, or `STALE_BROKER_EPOCH` for a heartbeat from an old registration.
        error: ErrorCode,
        /// True while the controller keeps the broker fenced.
        is_fenced: bool,
    },
}

impl Message {
    /// The Kafka API name, for the network view and the event log.
    pub fn api_name(&self) -> &'static str {
        match self {
            Message::BrokerRegistration { .. } | Message::BrokerRegistrationResponse { .. } => {
                "BrokerRegistration"
            }
            Message::BrokerHeartbeat { .. } | Message::BrokerHeartbeatResponse { .. } => {
                "BrokerHeartbeat"
            }
        }
    }

    /// Whether this is a response (drawn returning along a link) rather than a request.
    pub fn is_response(&self) -> bool {
        matches!(
            self,
            Message::BrokerRegistrationResponse { .. } | Message::BrokerHeartbeatResponse { .. }
        )
    }
}
