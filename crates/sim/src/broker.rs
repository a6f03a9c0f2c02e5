//! A broker: registers with the controller, heartbeats to keep its session, and (in later work)
//! hosts partition replicas. Its state names follow Kafka's `BrokerState`.

use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{BrokerId, Message};
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// Broker configs, with Kafka 4.x defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfig {
    /// `broker.heartbeat.interval.ms` (default 2000).
    pub heartbeat_interval: SimDuration,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            heartbeat_interval: SimDuration::from_millis(2_000),
        }
    }
}

/// The broker's own view of its lifecycle, as Kafka's `BrokerState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerState {
    /// Not started, or crashed.
    NotRunning,
    /// Registering with the controller.
    Starting,
    /// Registered but fenced: catching up before it may serve.
    Recovery,
    /// Unfenced and serving.
    Running,
}

impl BrokerState {
    /// The name Kafka uses (`BrokerState.toString()`).
    pub fn kafka_name(self) -> &'static str {
        match self {
            BrokerState::NotRunning => "NOT_RUNNING",
            BrokerState::Starting => "STARTING",
            BrokerState::Recovery => "RECOVERY",
            BrokerState::Running => "RUNNING",
        }
    }
}

/// A broker node.
#[derive(Clone, Debug)]
pub struct Broker {
    id: BrokerId,
    controller: NodeId,
    config: BrokerConfig,
    state: BrokerState,
    broker_epoch: Option<u64>,
}

impl Broker {
    /// A broker that will register with the controller at `controller` when started.
    pub fn new(id: BrokerId, controller: NodeId, config: BrokerConfig) -> Self {
        Broker {
            id,
            controller,
            config,
            state: BrokerState::NotRunning,
            broker_epoch: None,
        }
    }

    /// The broker's id.
    pub fn id(&self) -> BrokerId {
        self.id
    }

    /// Its own view of its lifecycle.
    pub fn state(&self) -> BrokerState {
        self.state
    }

    /// The epoch of its current registration, once registered.
    pub fn broker_epoch(&self) -> Option<u64> {
        self.broker_epoch
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        self.state = BrokerState::Starting;
        self.register(ctx);
    }

    pub(crate) fn on_crash(&mut self) {
        self.state = BrokerState::NotRunning;
        self.broker_epoch = None;
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, _from: NodeId, message: Message) {
        match message {
            Message::BrokerRegistrationResponse {
                error: ErrorCode::None,
                broker_epoch,
            } if self.state == BrokerState::Starting => {
                self.broker_epoch = Some(broker_epoch);
                self.state = BrokerState::Recovery;
                self.heartbeat(ctx);
            }
            Message::BrokerHeartbeatResponse { error, is_fenced } => {
                self.on_heartbeat_response(error, is_fenced);
            }
            _ => {}
        }
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::BrokerHeartbeat => self.heartbeat(ctx),
            Timer::BrokerRegistrationRetry if self.state == BrokerState::Starting => {
                self.register(ctx);
            }
            _ => {}
        }
    }

    fn register(&mut self, ctx: &mut Ctx<'_>) {
        ctx.send(
            self.controller,
            Message::BrokerRegistration { broker_id: self.id },
        );
        // Registration has no response timeout of its own here: retry after a heartbeat interval.
        ctx.set_timer(
            self.config.heartbeat_interval,
            Timer::BrokerRegistrationRetry,
        );
    }

    fn heartbeat(&mut self, ctx: &mut Ctx<'_>) {
        let Some(broker_epoch) = self.broker_epoch else {
            return;
        };
        ctx.send(
            self.controller,
            Message::BrokerHeartbeat {
                broker_id: self.id,
                broker_epoch,
            },
        );
        ctx.set_timer(self.config.heartbeat_interval, Timer::BrokerHeartbeat);
    }

    fn on_heartbeat_response(&mut self, error: ErrorCode, is_fenced: bool) {
        match error {
            ErrorCode::None if is_fenced => self.state = BrokerState::Recovery,
            ErrorCode::None => self.state = BrokerState::Running,
            // A heartbeat from before a re-registration: the current registration decides.
            _ => {}
        }
    }
}
