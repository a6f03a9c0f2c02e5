//! Events worth telling a person, in plain words. Each carries its cause, so the event log can
//! say why something happened and not only that it did.

use crate::endpoint::Endpoint;
use crate::protocol::BrokerId;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a broker went down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// `kill -9`: the process dies, the OS page cache (and so the whole log) survives.
    #[default]
    Process,
    /// Power loss: the unflushed tail of the log is gone too (KIP-966's premise).
    PowerLoss,
}

/// One thing that happened, at a moment of virtual time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: SimTime,
    /// What happened.
    pub kind: EventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Fields are named for what they are; the Display text explains them.
pub enum EventKind {
    /// The controller accepted a broker's registration.
    BrokerRegistered { broker: BrokerId, broker_epoch: u64 },
    /// The controller let a broker serve.
    BrokerUnfenced { broker: BrokerId },
    /// The controller fenced a broker whose heartbeats stopped.
    BrokerFenced {
        broker: BrokerId,
        silent_for: SimDuration,
        session_timeout: SimDuration,
    },
    /// A broker's process went down.
    BrokerCrashed { broker: BrokerId, kind: CrashKind },
    /// A crashed broker's process started again.
    BrokerRestarted { broker: BrokerId },
    /// Both directions between two endpoints stopped delivering.
    LinkCut { a: Endpoint, b: Endpoint },
    /// A cut link delivers again.
    LinkHealed { a: Endpoint, b: Endpoint },
    /// Every link is back to normal.
    NetworkHealed,
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::BrokerRegistered {
                broker,
                broker_epoch,
            } => write!(
                f,
                "broker {broker} registered with the controller (broker epoch {broker_epoch}); \
                 fenced until its first heartbeat"
            ),
            EventKind::BrokerUnfenced { broker } => {
                write!(
                    f,
                    "broker {broker} unfenced: heartbeating, may lead partitions"
                )
            }
            EventKind::BrokerFenced {
                broker,
                silent_for,
                session_timeout,
            } => write!(
                f,
                "broker {broker} fenced by the controller: no heartbeat for {silent_for} \
                 (broker.session.timeout.ms={})",
                session_timeout.as_millis()
            ),
            EventKind::BrokerCrashed {
                broker,
                kind: CrashKind::Process,
            } => write!(
                f,
                "broker {broker} crashed (process killed; its log survives)"
            ),
            EventKind::BrokerCrashed {
                broker,
                kind: CrashKind::PowerLoss,
            } => write!(
                f,
                "broker {broker} lost power (the unflushed tail of its log is gone)"
            ),
            EventKind::BrokerRestarted { broker } => {
                write!(f, "broker {broker} restarted and registers again")
            }
            EventKind::LinkCut { a, b } => write!(f, "network cut between {a} and {b}"),
            EventKind::LinkHealed { a, b } => write!(f, "network healed between {a} and {b}"),
            EventKind::NetworkHealed => f.write_str("every network link healed"),
        }
    }
}
