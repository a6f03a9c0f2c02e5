//! The KRaft controller: brokers register with it and heartbeat to it; a broker whose heartbeats
//! stop for `broker.session.timeout.ms` is fenced. Later it also places replicas, elects leaders
//! and applies AlterPartition, and every change reaches brokers as metadata.
//!
//! Simplification: one controller, not a Raft quorum of three; the metadata log is not modelled
//! as records yet.

use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{BrokerId, Message};
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Controller configs, with Kafka 4.x defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerConfig {
    /// `broker.session.timeout.ms`: silence after which a broker is fenced (default 9000).
    pub broker_session_timeout: SimDuration,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            broker_session_timeout: SimDuration::from_millis(9_000),
        }
    }
}

/// What the controller knows of one registered broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Where the broker's messages come from.
    pub node: NodeId,
    /// The epoch handed out at registration.
    pub broker_epoch: u64,
    /// A fenced broker leads no partition and is not eligible for the ISR.
    pub fenced: bool,
    /// When its last valid heartbeat arrived.
    pub last_heartbeat: SimTime,
}

/// The KRaft controller node.
#[derive(Clone, Debug, Default)]
pub struct Controller {
    config: ControllerConfig,
    registrations: BTreeMap<BrokerId, Registration>,
    next_broker_epoch: u64,
}

impl Controller {
    /// A controller with the given configs and no brokers yet.
    pub fn new(config: ControllerConfig) -> Self {
        Controller {
            config,
            registrations: BTreeMap::new(),
            next_broker_epoch: 1,
        }
    }

    /// Registered brokers, by id.
    pub fn registrations(&self) -> &BTreeMap<BrokerId, Registration> {
        &self.registrations
    }

    pub(crate) fn on_start(&mut self, _ctx: &mut Ctx<'_>) {}

    /// Registrations survive a restart in real KRaft (they are in the metadata log).
    pub(crate) fn on_crash(&mut self) {}

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        match message {
            Message::BrokerRegistration { broker_id } => self.register(ctx, from, broker_id),
            Message::BrokerHeartbeat {
                broker_id,
                broker_epoch,
            } => self.heartbeat(ctx, from, broker_id, broker_epoch),
            Message::BrokerRegistrationResponse { .. }
            | Message::BrokerHeartbeatResponse { .. } => {}
        }
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        if let Timer::BrokerSessionExpiry { broker } = timer {
            self.expire_session(ctx, broker);
        }
    }

    /// A (re)registration gets a fresh epoch and starts fenced: in KRaft a broker is unfenced
    /// only once it has caught up with the metadata log, which its next heartbeat reports.
    fn register(&mut self, ctx: &mut Ctx<'_>, from: NodeId, broker_id: BrokerId) {
        let broker_epoch = self.next_broker_epoch;
        self.next_broker_epoch += 1;
        self.registrations.insert(
            broker_id,
            Registration {
                node: from,
                broker_epoch,
                fenced: true,
                last_heartbeat: ctx.now(),
            },
        );
        ctx.emit(EventKind::BrokerRegistered {
            broker: broker_id,
            broker_epoch,
        });
        ctx.send(
            from,
            Message::BrokerRegistrationResponse {
                error: ErrorCode::None,
                broker_epoch,
            },
        );
        self.arm_session_timer(ctx, broker_id);
    }

    fn heartbeat(&mut self, ctx: &mut Ctx<'_>, from: NodeId, broker_id: BrokerId, epoch: u64) {
        let Some(registration) = self.registrations.get_mut(&broker_id) else {
            let response = Message::BrokerHeartbeatResponse {
                error: ErrorCode::BrokerIdNotRegistered,
                is_fenced: true,
            };
            ctx.send(from, response);
            return;
        };
        if registration.broker_epoch != epoch {
            let response = Message::BrokerHeartbeatResponse {
                error: ErrorCode::StaleBrokerEpoch,
                is_fenced: registration.fenced,
            };
            ctx.send(from, response);
            return;
        }
        registration.last_heartbeat = ctx.now();
        if registration.fenced {
            registration.fenced = false;
            ctx.emit(EventKind::BrokerUnfenced { broker: broker_id });
        }
        let response = Message::BrokerHeartbeatResponse {
            error: ErrorCode::None,
            is_fenced: false,
        };
        ctx.send(from, response);
        self.arm_session_timer(ctx, broker_id);
    }

    fn arm_session_timer(&self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        ctx.set_timer(
            self.config.broker_session_timeout,
            Timer::BrokerSessionExpiry { broker },
        );
    }

    /// Each heartbeat arms a timer; only the one that finds the session really silent fences.
    fn expire_session(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        let timeout = self.config.broker_session_timeout;
        let Some(registration) = self.registrations.get_mut(&broker) else {
            return;
        };
        let silent_for = ctx.now().since(registration.last_heartbeat);
        if registration.fenced || silent_for < timeout {
            return;
        }
        registration.fenced = true;
        ctx.emit(EventKind::BrokerFenced {
            broker,
            silent_for,
            session_timeout: timeout,
        });
    }
}
