//! The faults a user injects: crashes and restarts of brokers, controllers and clients, a
//! controlled shutdown, links cut, slowed or lossy, a follower made slow, errors pushed into a
//! broker's answers, and processes paused as `kill -STOP` pauses them.

use super::World;
use super::nodes::Node;
use crate::broker::Broker;
use crate::command::{Command, CommandError};
use crate::endpoint::Endpoint;
use crate::event::{CrashKind, EventKind};
use crate::net::NodeId;
use crate::time::SimDuration;

impl World {
    pub(super) fn apply_fault(&mut self, command: &Command) -> Result<(), CommandError> {
        match command {
            Command::CrashBroker { broker, kind } => {
                // `kill -9` ends a paused (stopped) process as well as a running one.
                let node = self.broker_node(*broker)?;
                if !self.slots[node.0 as usize].up {
                    return Err(CommandError::AlreadyDown(*broker));
                }
                self.stop_node(node, *kind);
                self.push_event(EventKind::BrokerCrashed {
                    broker: *broker,
                    kind: *kind,
                });
            }
            Command::RestartBroker { broker } => {
                let node = self.broker_node(*broker)?;
                if self.slots[node.0 as usize].up {
                    return Err(CommandError::AlreadyUp(*broker));
                }
                self.push_event(EventKind::BrokerRestarted { broker: *broker });
                self.start(node);
            }
            Command::CrashController { controller } => {
                let node = self.controller_node(*controller)?;
                if !self.slots[node.0 as usize].up {
                    return Err(CommandError::ControllerState(*controller, "down"));
                }
                self.stop_node(node, CrashKind::Process);
                self.push_event(EventKind::ControllerCrashed {
                    controller: *controller,
                });
            }
            Command::RestartController { controller } => {
                let node = self.controller_node(*controller)?;
                if self.slots[node.0 as usize].up {
                    return Err(CommandError::ControllerState(*controller, "running"));
                }
                self.push_event(EventKind::ControllerRestarted {
                    controller: *controller,
                });
                self.start(node);
            }
            Command::ShutdownBroker { broker } => {
                let node = self.running_broker(*broker)?;
                self.run_broker(node, Broker::begin_controlled_shutdown);
            }
            Command::CutLink { a, b } | Command::HealLink { a, b } => {
                let cut = matches!(command, Command::CutLink { .. });
                let (node_a, node_b) = self.link_ends(a, b)?;
                self.network.set_cut(node_a, node_b, cut);
                self.push_event(if cut {
                    EventKind::LinkCut {
                        a: a.clone(),
                        b: b.clone(),
                    }
                } else {
                    EventKind::LinkHealed {
                        a: a.clone(),
                        b: b.clone(),
                    }
                });
            }
            Command::CutOneWay { from, to } => {
                let (node_from, node_to) = self.link_ends(from, to)?;
                self.network
                    .update(node_from, node_to, |link| link.cut = true);
                self.push_event(EventKind::LinkCutOneWay {
                    from: from.clone(),
                    to: to.clone(),
                });
            }
            Command::HealNetwork => {
                self.network.heal_all();
                self.push_event(EventKind::NetworkHealed);
            }
            Command::SetLink {
                a,
                b,
                latency_ms,
                jitter_ms,
                drop_per_million,
            } => {
                let (node_a, node_b) = self.link_ends(a, b)?;
                for (from, to) in [(node_a, node_b), (node_b, node_a)] {
                    self.network.update(from, to, |link| {
                        link.latency = SimDuration::from_millis(*latency_ms);
                        link.jitter = SimDuration::from_millis(*jitter_ms);
                        link.drop_per_million = (*drop_per_million).min(1_000_000);
                    });
                }
            }
            Command::SlowFollower { broker, delay_ms } => {
                let node = self.refuse_paused(self.broker_node(*broker)?)?;
                let delay = SimDuration::from_millis(*delay_ms);
                self.run_broker(node, |b, ctx| b.set_fetch_delay(ctx, delay));
                self.push_event(EventKind::FollowerSlowed {
                    broker: *broker,
                    delay_ms: *delay_ms,
                });
            }
            Command::PushErrors {
                broker,
                api,
                errors,
            } => {
                if !matches!(api.as_str(), "Produce" | "Fetch") {
                    return Err(CommandError::UnsupportedApi(api.clone()));
                }
                let node = self.broker_node(*broker)?;
                if let Node::Broker(b) = &mut self.slots[node.0 as usize].node {
                    b.push_errors(api, errors);
                }
            }
            Command::CrashClient { name } | Command::RestartClient { name } => {
                let node = *self
                    .clients
                    .get(name)
                    .ok_or_else(|| CommandError::UnknownClient(name.clone()))?;
                let crash = matches!(command, Command::CrashClient { .. });
                match (crash, self.slots[node.0 as usize].up) {
                    (true, true) => {
                        self.stop_node(node, CrashKind::Process);
                        self.push_event(EventKind::ClientCrashed { name: name.clone() });
                    }
                    (false, false) => {
                        self.push_event(EventKind::ClientRestarted { name: name.clone() });
                        self.start(node);
                    }
                    (true, false) => return Err(CommandError::ClientState(name.clone(), "down")),
                    (false, true) => {
                        return Err(CommandError::ClientState(name.clone(), "running"));
                    }
                }
            }
            Command::PauseClient { name } => self.pause(&Endpoint::Client(name.clone()))?,
            Command::ResumeClient { name } => self.resume(&Endpoint::Client(name.clone()))?,
            Command::PauseBroker { broker } => self.pause(&Endpoint::Broker(*broker))?,
            Command::ResumeBroker { broker } => self.resume(&Endpoint::Broker(*broker))?,
            other => unreachable!("World::apply sent {other:?} here, which is not a fault"),
        }
        Ok(())
    }

    pub(super) fn link_ends(
        &self,
        a: &Endpoint,
        b: &Endpoint,
    ) -> Result<(NodeId, NodeId), CommandError> {
        let (node_a, node_b) = (self.node_of(a)?, self.node_of(b)?);
        if node_a == node_b {
            return Err(CommandError::SameEndpoint(a.clone()));
        }
        Ok((node_a, node_b))
    }
}
