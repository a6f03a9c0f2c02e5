//! The KRaft controller: brokers register and heartbeat; a broker silent for more than
//! `broker.session.timeout.ms` is fenced at the active controller's next look for expired
//! sessions, leaves every ISR (but never empties one) and loses its leaderships to elections.
//! Every decision is a record in the metadata log, which brokers fetch with a long poll; that
//! is the only way they learn of leaders and ISRs.
//!
//! Simplifications: admin requests (create, delete, elect) reach the active controller without
//! network delay, and their results travel to brokers as metadata.

mod election;
mod quorum;
mod reassignment;
mod topics;

pub(crate) use election::{Election, elect_offline, elect_preferred, reelect, without_broker};
pub(crate) use quorum::{Quorum, Role};
pub(crate) use reassignment::OngoingReassignment;
pub use reassignment::Reassignment;
pub(crate) use topics::uuid_text;
pub use topics::{CreateTopic, ElectionKind};

use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::metadata::{MetadataImage, MetadataRecord, PartitionState};
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{BrokerId, Message, MetadataFetchResponse, ResponseHeader, TopicPartition};
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Controller configs, with Kafka 4.x defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerConfig {
    /// `broker.session.timeout.ms`: silence beyond which a broker is fenced (default 9000).
    pub broker_session_timeout: SimDuration,
    /// How long a metadata fetch waits for new records before an empty answer (500 ms).
    pub metadata_fetch_max_wait: SimDuration,
    /// `auto.leader.rebalance.enable` (default true).
    pub auto_leader_rebalance_enable: bool,
    /// `leader.imbalance.check.interval.seconds` (default 300).
    pub leader_imbalance_check_interval: SimDuration,
    /// `leader.imbalance.per.broker.percentage` (default 10).
    pub leader_imbalance_per_broker_percentage: u32,
}

impl ControllerConfig {
    /// How often the active controller looks for an expired broker session: an eighth of
    /// the session timeout (Kafka's `QuorumController`), so a silent broker is fenced within
    /// 112.5 % of it.
    pub fn fence_stale_broker_interval(&self) -> SimDuration {
        SimDuration::from_micros((self.broker_session_timeout.as_micros() / 8).max(1_000))
    }

    /// Kafka's `BrokerHeartbeatTracker.isExpired`: strictly more than the session timeout.
    fn expired(&self, contact: SimTime, now: SimTime) -> bool {
        now.since(contact) > self.broker_session_timeout
    }
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            broker_session_timeout: SimDuration::from_millis(9_000),
            metadata_fetch_max_wait: SimDuration::from_millis(500),
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval: SimDuration::from_millis(300_000),
            leader_imbalance_per_broker_percentage: 10,
        }
    }
}

/// What the controller knows of one registered broker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Where the broker's messages come from.
    pub node: NodeId,
    /// The epoch handed out at registration.
    pub broker_epoch: u64,
    /// Which start of the broker's process registered.
    pub incarnation: u32,
    /// A fenced broker leads no partition and is not eligible for the ISR.
    pub fenced: bool,
    /// In controlled shutdown: leadership is being moved away.
    pub shutting_down: bool,
    /// When a heartbeat of this epoch last arrived (Kafka's `BrokerHeartbeatTracker`): none
    /// before the first heartbeat of this epoch and once the controller's periodic look ended
    /// the expired session; a new active controller sets it to now for unfenced brokers.
    /// Fenced or not, a broker heard from within `broker.session.timeout.ms` has a valid
    /// session.
    pub contact: Option<SimTime>,
    /// `broker.rack`, if set.
    pub rack: Option<String>,
}

/// What a broker's heartbeat asks for (`WantFence`, `WantShutDown`).
#[derive(Clone, Copy, Debug)]
struct Wants {
    fence: bool,
    shut_down: bool,
}

/// A KRaft controller node: one voter of the quorum; the active one (its leader) runs the
/// cluster.
#[derive(Clone, Debug)]
pub struct Controller {
    config: ControllerConfig,
    /// Leader-only state, rebuilt from the log when a controller becomes active.
    registrations: BTreeMap<BrokerId, Registration>,
    next_broker_epoch: u64,
    log: Vec<Rc<MetadataRecord>>,
    /// The quorum epoch each record was written in.
    epochs: Vec<u32>,
    image: MetadataImage,
    /// Metadata fetches waiting for new committed records: (broker node, offset).
    parked: Vec<(NodeId, u64, u64)>,
    /// Answers held until every record before them is committed: (log end, to, answer).
    pending: Vec<(u64, NodeId, Message)>,
    quorum: Quorum,
}

impl Controller {
    /// Voter `id` (1-based) of the quorum whose voters are at `voters`, with no brokers yet.
    pub fn new(config: ControllerConfig, id: u32, voters: Rc<Vec<NodeId>>) -> Self {
        Controller {
            config,
            registrations: BTreeMap::new(),
            next_broker_epoch: 1,
            log: Vec::new(),
            epochs: Vec::new(),
            image: MetadataImage::default(),
            parked: Vec::new(),
            pending: Vec::new(),
            quorum: Quorum::new(id, voters),
        }
    }

    /// The metadata log.
    pub fn log(&self) -> &[Rc<MetadataRecord>] {
        &self.log
    }

    /// The metadata log's end offset.
    pub fn log_end_offset(&self) -> u64 {
        self.log.len() as u64
    }

    /// Its configs (`broker.session.timeout.ms`, ...).
    pub fn config(&self) -> &ControllerConfig {
        &self.config
    }

    /// Registered brokers, by id.
    pub fn registrations(&self) -> &BTreeMap<BrokerId, Registration> {
        &self.registrations
    }

    /// The metadata as the controller has decided it.
    pub fn image(&self) -> &MetadataImage {
        &self.image
    }

    /// A broker may lead and join ISRs: registered, unfenced, not shutting down.
    fn usable(&self, broker: BrokerId) -> bool {
        self.registrations
            .get(&broker)
            .is_some_and(|r| !r.fenced && !r.shutting_down)
    }

    pub(crate) fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        ctx.set_timer(
            self.config.fence_stale_broker_interval(),
            Timer::FenceStaleBroker,
        );
        if self.config.auto_leader_rebalance_enable {
            ctx.set_timer(
                self.config.leader_imbalance_check_interval,
                Timer::LeaderImbalanceCheck,
            );
        }
        self.rebuild_image();
        self.start_quorum(ctx);
    }

    /// The metadata log, the epoch and the vote survive a restart; what only the active
    /// controller keeps in memory does not.
    pub(crate) fn on_crash(&mut self) {
        self.step_down();
        self.quorum.role = Role::Follower { leader: None };
        self.quorum.fetch_in_flight = false;
    }

    /// Leaves the active role for a new leader, or none yet (`leader`): as Kafka's
    /// `QuorumController.renounce()` fails its deferred events with NOT_CONTROLLER, each answer
    /// held until its records were committed goes out as NOT_CONTROLLER naming the new leader
    /// if known, so the broker sends its request there at once instead of timing out.
    pub(super) fn renounce(&mut self, ctx: &mut Ctx<'_>, leader: Option<u32>) {
        for (_, to, answer) in std::mem::take(&mut self.pending) {
            let refused = refusal(&answer, leader).unwrap_or_else(|| {
                unreachable!(
                    "controller {}: held {answer:?}, not an answer to a broker",
                    self.quorum.id
                )
            });
            ctx.send(to, refused);
        }
        self.step_down();
    }

    /// Leaves the active role: registrations, parked fetches and held answers are dropped
    /// (brokers time out and look for the new active controller).
    pub(super) fn step_down(&mut self) {
        self.registrations.clear();
        self.parked.clear();
        self.pending.clear();
    }

    /// Becomes the active controller: every registered broker (from the log) that is not
    /// fenced starts a fresh session, as KRaft's new active controller does.
    pub(super) fn take_over(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        self.registrations = self
            .image
            .registered
            .iter()
            .map(|(&broker, r)| {
                let fenced = self.image.fenced.contains(&broker);
                let registration = Registration {
                    node: NodeId(r.node),
                    broker_epoch: r.broker_epoch,
                    incarnation: r.incarnation,
                    fenced,
                    shutting_down: false,
                    // A fenced broker gets no session, so a new incarnation of it registers
                    // at once (KAFKA-19130, Kafka 4.1; 4.0 made it wait a session out).
                    contact: (!fenced).then_some(now),
                    rack: r.rack.clone(),
                };
                (broker, registration)
            })
            .collect_map();
        let last_epoch = self.registrations.values().map(|r| r.broker_epoch).max();
        self.next_broker_epoch = self.next_broker_epoch.max(last_epoch.unwrap_or(0) + 1);
    }

    /// Sends `answer` once every record appended so far is committed.
    fn reply(&mut self, ctx: &mut Ctx<'_>, to: NodeId, answer: Message) {
        if self.quorum.committed >= self.log.len() as u64 {
            ctx.send(to, answer);
        } else {
            self.pending.push((self.log.len() as u64, to, answer));
        }
    }

    /// New records are committed: answer parked metadata fetches and held answers.
    pub(super) fn on_committed(&mut self, ctx: &mut Ctx<'_>) {
        let committed = self.quorum.committed;
        for (node, correlation_id, offset) in std::mem::take(&mut self.parked) {
            ctx.send(node, self.committed_records(correlation_id, offset));
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(required, _, _)| *required <= committed);
        self.pending = waiting;
        for (_, to, answer) in ready {
            ctx.send(to, answer);
        }
    }

    pub(crate) fn on_message(&mut self, ctx: &mut Ctx<'_>, from: NodeId, message: Message) {
        if let Message::Quorum(message) = message {
            return self.on_quorum_message(ctx, from, *message);
        }
        if !self.is_active() {
            return not_controller(ctx, from, &message, self.quorum.leader());
        }
        match message {
            Message::BrokerRegistration {
                correlation_id,
                broker_id,
                incarnation,
                rack,
            } => {
                self.register(ctx, from, correlation_id, (broker_id, incarnation, rack));
            }
            Message::BrokerHeartbeat {
                broker_id,
                broker_epoch,
                metadata_offset,
                want_fence,
                want_shut_down,
            } => {
                let wants = Wants {
                    fence: want_fence,
                    shut_down: want_shut_down,
                };
                self.heartbeat(ctx, from, (broker_id, broker_epoch), metadata_offset, wants);
            }
            Message::MetadataFetch(header, request) => {
                self.metadata_fetch(ctx, from, header.correlation_id, request.offset)
            }
            Message::AlterPartition {
                tp,
                leader_id,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => {
                let response = self.alter_partition(
                    ctx,
                    &tp,
                    leader_id,
                    leader_epoch,
                    partition_epoch,
                    new_isr,
                );
                self.reply(ctx, from, response);
            }
            Message::CreateInternalTopic {
                name,
                partitions,
                replication_factor,
            } => {
                let request = CreateTopic {
                    configs: internal_topic_configs(&name, replication_factor),
                    name,
                    partitions,
                    replication_factor,
                    replica_assignment: None,
                };
                // Several brokers may ask at once: only the first creates it.
                if self.image.topics.contains_key(request.name.as_str()) {
                    return;
                }
                // Created, it reports TopicCreated itself.
                if let Err(error) = self.create_topic(ctx, &request) {
                    ctx.emit(EventKind::InternalTopicNotCreated {
                        topic: request.name,
                        error: error.to_string(),
                    });
                }
            }
            other => unreachable!(
                "controller {}: received {other:?}, which only brokers and clients are sent",
                self.quorum.id
            ),
        }
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::QuorumElection { .. } | Timer::QuorumFetch { .. } => {
                self.on_quorum_timer(ctx, timer)
            }
            Timer::FenceStaleBroker => {
                // As Kafka's periodic task: one broker at a time, so each fencing is in the
                // log before the next is decided, and at once again after one.
                let next = if self.is_active() && self.fence_one_stale_broker(ctx) {
                    SimDuration::from_millis(10)
                } else {
                    self.config.fence_stale_broker_interval()
                };
                ctx.set_timer(next, Timer::FenceStaleBroker);
            }
            Timer::MetadataFetchExpiry { node } => {
                if let Some(index) = self.parked.iter().position(|&(n, _, _)| n == node) {
                    // Nothing was committed while it waited (that would have answered it).
                    let (node, correlation_id, offset) = self.parked.remove(index);
                    ctx.send(node, self.committed_records(correlation_id, offset));
                }
            }
            Timer::LeaderImbalanceCheck => {
                if self.is_active() {
                    self.rebalance_leaders(ctx);
                }
                ctx.set_timer(
                    self.config.leader_imbalance_check_interval,
                    Timer::LeaderImbalanceCheck,
                );
            }
            other => unreachable!(
                "controller {}: fired {other:?}, a timer controllers never set",
                self.quorum.id
            ),
        }
    }

    /// Appends a record in the current epoch and applies it (the active controller acts on
    /// its own records at once; brokers get them once committed).
    fn append(&mut self, ctx: &mut Ctx<'_>, record: MetadataRecord) {
        self.image.apply(&record);
        self.log.push(Rc::new(record));
        self.epochs.push(self.quorum.epoch);
        self.advance_commit(ctx);
    }

    /// A metadata fetch's answer: the committed records from `offset`.
    fn committed_records(&self, correlation_id: u64, offset: u64) -> Message {
        let committed = self.quorum.committed as usize;
        let records = self.log[(offset as usize).min(committed)..committed].to_vec();
        Message::MetadataFetchResponse(
            ResponseHeader { correlation_id },
            MetadataFetchResponse { offset, records },
        )
    }

    /// Brokers read committed records only.
    fn metadata_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        offset: u64,
    ) {
        let committed = self.quorum.committed;
        let offset = offset.min(committed);
        if offset < committed {
            ctx.send(from, self.committed_records(correlation_id, offset));
        } else {
            self.parked.retain(|&(n, _, _)| n != from);
            self.parked.push((from, correlation_id, offset));
            ctx.set_timer(
                self.config.metadata_fetch_max_wait,
                Timer::MetadataFetchExpiry { node: from },
            );
        }
    }

    /// Kafka's `ClusterControlManager.registerBroker`. A new incarnation gets a fresh epoch and
    /// starts fenced: in KRaft a broker is unfenced once it has caught up with the metadata
    /// log, which its next heartbeat reports. It is refused (DUPLICATE_BROKER_REGISTRATION)
    /// while the previous incarnation's session is valid, that is until the controller has
    /// heard no heartbeat of it for more than `broker.session.timeout.ms`, fenced or not (as
    /// Kafka 4.0's `BrokerHeartbeatTracker`): a broker restarted right after a crash or a
    /// controlled shutdown waits that long. The same incarnation registering again (an attempt
    /// the broker gave up on reached the controller after all) amends its registration and
    /// keeps its epoch, so whichever answer the broker acts on, its heartbeats are valid.
    fn register(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        (broker_id, incarnation, rack): (BrokerId, u32, Option<String>),
    ) {
        let now = ctx.now();
        let existing = self.registrations.get(&broker_id);
        let unfenced = existing.is_some_and(|r| !r.fenced);
        let session_valid = existing
            .and_then(|r| r.contact)
            .is_some_and(|contact| !self.config.expired(contact, now));
        let amend = existing.filter(|r| r.incarnation == incarnation).cloned();
        let answer = |error, broker_epoch| Message::BrokerRegistrationResponse {
            correlation_id,
            error,
            broker_epoch,
            controller_hint: None,
        };
        if amend.is_none() && session_valid {
            ctx.emit(EventKind::BrokerRegistrationRefused {
                broker: broker_id,
                error: ErrorCode::DuplicateBrokerRegistration,
            });
            return ctx.send(from, answer(ErrorCode::DuplicateBrokerRegistration, 0));
        }
        let amended = amend.is_some();
        let registration = match amend {
            Some(r) => Registration {
                node: from,
                rack,
                ..r
            },
            None => {
                if unfenced {
                    // Silent past its session, not yet fenced by the check that will see it.
                    self.fence(ctx, broker_id);
                }
                let broker_epoch = self.next_broker_epoch;
                self.next_broker_epoch += 1;
                Registration {
                    node: from,
                    broker_epoch,
                    incarnation,
                    fenced: true,
                    shutting_down: false,
                    contact: None,
                    rack,
                }
            }
        };
        let broker_epoch = registration.broker_epoch;
        self.append(
            ctx,
            MetadataRecord::RegisterBroker {
                broker: broker_id,
                broker_epoch,
                incarnation,
                rack: registration.rack.clone(),
                node: from.0,
            },
        );
        let fenced = registration.fenced;
        self.registrations.insert(broker_id, registration);
        if fenced && !self.image.fenced.contains(&broker_id) {
            self.append(
                ctx,
                MetadataRecord::BrokerFencing {
                    broker: broker_id,
                    fenced: true,
                },
            );
        }
        if !amended {
            ctx.emit(EventKind::BrokerRegistered {
                broker: broker_id,
                broker_epoch,
            });
        }
        self.reply(ctx, from, answer(ErrorCode::None, broker_epoch));
    }

    /// As Kafka's `BrokerHeartbeatManager`: a fenced broker is unfenced when it no longer
    /// wants to be fenced and has applied the record of its own registration; every answer
    /// says whether it has, which is how a starting broker learns it has caught up.
    fn heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        (broker_id, epoch): (BrokerId, u64),
        metadata_offset: u64,
        wants: Wants,
    ) {
        let reply = |controller: &mut Controller,
                     ctx: &mut Ctx<'_>,
                     error,
                     (is_fenced, is_caught_up),
                     should_shut_down| {
            let answer = Message::BrokerHeartbeatResponse {
                error,
                is_fenced,
                is_caught_up,
                should_shut_down,
                controller_hint: None,
            };
            controller.reply(ctx, from, answer);
        };
        let Some(registration) = self.registrations.get_mut(&broker_id) else {
            return reply(
                self,
                ctx,
                ErrorCode::BrokerIdNotRegistered,
                (true, false),
                false,
            );
        };
        if registration.broker_epoch != epoch {
            let fenced = registration.fenced;
            return reply(
                self,
                ctx,
                ErrorCode::StaleBrokerEpoch,
                (fenced, false),
                false,
            );
        }
        registration.contact = Some(ctx.now());
        // The image holds every registration the log has: this one was appended before the
        // broker could quote its epoch.
        let record_offset = (self.image.registered.get(&broker_id))
            .unwrap_or_else(|| panic!("broker {broker_id} has a session but no registration"))
            .record_offset;
        let caught_up = metadata_offset > record_offset;
        if wants.shut_down {
            return self.controlled_shutdown(ctx, broker_id, |controller, ctx, done| {
                reply(controller, ctx, ErrorCode::None, (done, caught_up), done)
            });
        }
        let registration = self
            .registrations
            .get_mut(&broker_id)
            .expect("looked up above");
        if registration.fenced && !wants.fence && caught_up {
            registration.fenced = false;
            ctx.emit(EventKind::BrokerUnfenced { broker: broker_id });
            self.append(
                ctx,
                MetadataRecord::BrokerFencing {
                    broker: broker_id,
                    fenced: false,
                },
            );
            self.elect_offline_partitions(ctx);
        }
        let fenced = self.registrations[&broker_id].fenced;
        reply(self, ctx, ErrorCode::None, (fenced, caught_up), false);
    }

    /// Kafka's `maybeFenceOneStaleBroker`: ends the first session silent for more than
    /// `broker.session.timeout.ms` and fences its broker. Whether it ended one. (Kafka writes
    /// the fencing again for a broker already fenced, which changes nothing; here the session
    /// just ends.)
    fn fence_one_stale_broker(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let now = ctx.now();
        let stale = self.registrations.iter_mut().find_map(|(&broker, r)| {
            let contact = r.contact.filter(|&c| self.config.expired(c, now))?;
            r.contact = None;
            Some((broker, !r.fenced, now.since(contact)))
        });
        let Some((broker, unfenced, silent_for)) = stale else {
            return false;
        };
        if unfenced {
            ctx.emit(EventKind::BrokerFenced {
                broker,
                silent_for,
                session_timeout: self.config.broker_session_timeout,
            });
            self.fence(ctx, broker);
        }
        true
    }

    /// Fences a broker: it leaves ISRs and leaderships move to other replicas.
    fn fence(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId) {
        if let Some(registration) = self.registrations.get_mut(&broker) {
            registration.fenced = true;
        }
        self.append(
            ctx,
            MetadataRecord::BrokerFencing {
                broker,
                fenced: true,
            },
        );
        self.remove_from_partitions(ctx, broker, "was fenced");
    }

    /// Applies [`without_broker`] to every partition `broker` replicates.
    fn remove_from_partitions(&mut self, ctx: &mut Ctx<'_>, broker: BrokerId, why: &'static str) {
        let changes: Vec<_> = self
            .image
            .partitions()
            .filter(|(_, state)| state.replicas.contains(&broker))
            .filter_map(|(tp, state)| {
                let unclean = self.unclean_allowed(&tp);
                without_broker(state, broker, |b| b != broker && self.usable(b), unclean)
                    .map(|(next, how)| (tp, state.clone(), next, how))
            })
            .collect();
        for (tp, before, next, how) in changes {
            self.record_change(ctx, tp, &before, next, how, why);
        }
    }

    fn elect_offline_partitions(&mut self, ctx: &mut Ctx<'_>) {
        let changes: Vec<_> = self
            .image
            .partitions()
            .filter_map(|(tp, state)| {
                let unclean = self.unclean_allowed(&tp);
                elect_offline(state, |b| self.usable(b), unclean)
                    .map(|(next, how)| (tp, state.clone(), next, how))
            })
            .collect();
        for (tp, before, next, how) in changes {
            self.record_change(ctx, tp, &before, next, how, "a replica became available");
        }
    }

    fn unclean_allowed(&self, tp: &TopicPartition) -> bool {
        self.image
            .topics
            .get(&tp.topic)
            .is_some_and(|t| t.config.unclean_leader_election_enable)
    }

    /// Appends a partition change and tells the event log what it means.
    fn record_change(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        before: &PartitionState,
        next: PartitionState,
        how: Option<Election>,
        why: &'static str,
    ) {
        if next.leader != before.leader {
            ctx.emit(EventKind::LeaderChanged {
                tp: tp.clone(),
                from: before.leader,
                to: next.leader,
                leader_epoch: next.leader_epoch,
                unclean: how == Some(Election::Unclean),
                why,
            });
        }
        // A reassignment changes the replicas; either list changed is told, replicas first.
        let lists = [
            (&before.replicas, &next.replicas, true),
            (&before.isr, &next.isr, false),
        ];
        for (from, to, replicas) in lists {
            if from != to {
                let (tp, from, to) = (tp.clone(), from.clone(), to.clone());
                ctx.emit(if replicas {
                    EventKind::ReplicasChanged { tp, from, to, why }
                } else {
                    EventKind::IsrChanged { tp, from, to, why }
                });
            }
        }
        self.append(ctx, MetadataRecord::Partition { tp, state: next });
    }

    /// AlterPartition: a leader changes its ISR. Stale leaders and stale partition epochs are
    /// refused, as is adding a broker that is fenced or shutting down.
    fn alter_partition(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        leader_id: BrokerId,
        leader_epoch: u32,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    ) -> Message {
        let answer = |error, state: Option<PartitionState>| Message::AlterPartitionResponse {
            tp: tp.clone(),
            error,
            state: state.map(Box::new),
        };
        let Some(state) = self.image.partition(tp).cloned() else {
            return answer(ErrorCode::UnknownTopicOrPartition, None);
        };
        if state.leader != Some(leader_id) || state.leader_epoch != leader_epoch {
            return answer(ErrorCode::FencedLeaderEpoch, Some(state));
        }
        if state.partition_epoch != partition_epoch {
            return answer(ErrorCode::InvalidUpdateVersion, Some(state));
        }
        let ineligible = new_isr
            .iter()
            .any(|b| !state.isr.contains(b) && !self.usable(*b));
        if ineligible || !new_isr.contains(&leader_id) {
            return answer(ErrorCode::IneligibleReplica, Some(state));
        }
        let mut next = state.clone();
        next.isr = new_isr;
        let why = if next.isr.len() < state.isr.len() {
            "the leader found followers out of sync (replica.lag.time.max.ms)"
        } else {
            "a follower caught up with the leader"
        };
        if state.is_reassigning() {
            // As `PartitionChangeBuilder.build`: the ISR change may complete the reassignment.
            reassignment::complete_if_ready(&mut next);
            let why = if next.is_reassigning() {
                why
            } else {
                "a reassignment completed: every target replica is in sync"
            };
            let Some((next, how)) =
                reassignment::finish_change(&state, next, |b| self.usable(b), false)
            else {
                return answer(ErrorCode::None, Some(state));
            };
            self.record_change(ctx, tp.clone(), &state, next.clone(), how, why);
            return answer(ErrorCode::None, Some(next));
        }
        next.partition_epoch += 1;
        self.record_change(ctx, tp.clone(), &state, next.clone(), None, why);
        answer(ErrorCode::None, Some(next))
    }

    /// Controlled shutdown: move leadership off the broker and take it out of ISRs; once it
    /// leads nothing, it may stop (and is fenced).
    fn controlled_shutdown(
        &mut self,
        ctx: &mut Ctx<'_>,
        broker: BrokerId,
        reply: impl FnOnce(&mut Controller, &mut Ctx<'_>, bool),
    ) {
        let first_request = self
            .registrations
            .get_mut(&broker)
            .is_some_and(|r| !std::mem::replace(&mut r.shutting_down, true));
        if first_request {
            ctx.emit(EventKind::ControlledShutdownStarted { broker });
            self.remove_from_partitions(ctx, broker, "its broker is shutting down");
        }
        let leads = self
            .image
            .partitions()
            .any(|(_, state)| state.leader == Some(broker));
        if !leads {
            if let Some(registration) = self.registrations.get_mut(&broker) {
                registration.fenced = true;
            }
            if !self.image.fenced.contains(&broker) {
                self.append(
                    ctx,
                    MetadataRecord::BrokerFencing {
                        broker,
                        fenced: true,
                    },
                );
            }
        }
        reply(self, ctx, !leads);
    }

    /// `auto.leader.rebalance.enable`: for each broker whose share of partitions led by someone
    /// else exceeds `leader.imbalance.per.broker.percentage`, elect its preferred leaderships.
    fn rebalance_leaders(&mut self, ctx: &mut Ctx<'_>) {
        let mut preferred: BTreeMap<BrokerId, (u32, u32)> = BTreeMap::new();
        for (_, state) in self.image.partitions() {
            if let Some(&first) = state.replicas.first() {
                let entry = preferred.entry(first).or_default();
                entry.0 += 1;
                if state.leader != Some(first) {
                    entry.1 += 1;
                }
            }
        }
        let threshold = self.config.leader_imbalance_per_broker_percentage;
        let imbalanced: Vec<BrokerId> = preferred
            .into_iter()
            .filter(|&(_, (total, not_led))| not_led * 100 > threshold * total)
            .map(|(broker, _)| broker)
            .collect();
        if !imbalanced.is_empty() {
            self.elect_leaders(ctx, ElectionKind::Preferred, None, Some(&imbalanced));
        }
    }
}

/// Configs an internal topic is created with: compacted; `__transaction_state` also with
/// `transaction.state.log.min.isr` (2), so a transaction's state is never acknowledged by a
/// single replica.
fn internal_topic_configs(name: &str, replication_factor: i32) -> BTreeMap<String, String> {
    let mut configs = [("cleanup.policy".to_owned(), "compact".to_owned())]
        .into_iter()
        .collect_map();
    if name == crate::txn::TRANSACTION_TOPIC {
        let min_isr = replication_factor.clamp(1, 2);
        configs.insert("min.insync.replicas".to_owned(), min_isr.to_string());
    }
    configs
}

/// A controller that is not active answers brokers with NOT_CONTROLLER, so they look for the
/// active one (fetches and topic creation simply go unanswered and time out).
fn not_controller(ctx: &mut Ctx<'_>, from: NodeId, request: &Message, hint: Option<u32>) {
    if let Message::MetadataFetch { .. } | Message::CreateInternalTopic { .. } = request {
        // Unanswered, as the comment above says: the broker's timeout moves it on.
        return;
    }
    let answer = refusal(request, hint).unwrap_or_else(|| {
        unreachable!("a controller was sent {request:?}, which only brokers and clients are sent")
    });
    ctx.send(from, answer);
}

/// NOT_CONTROLLER in answer to a broker's request, or in place of the answer a controller held
/// until its records were committed and can no longer give: `hint` names the active controller
/// if known.
fn refusal(message: &Message, hint: Option<u32>) -> Option<Message> {
    let error = ErrorCode::NotController;
    Some(match message {
        Message::BrokerRegistration { correlation_id, .. }
        | Message::BrokerRegistrationResponse { correlation_id, .. } => {
            Message::BrokerRegistrationResponse {
                correlation_id: *correlation_id,
                error,
                broker_epoch: 0,
                controller_hint: hint,
            }
        }
        Message::BrokerHeartbeat { .. } | Message::BrokerHeartbeatResponse { .. } => {
            Message::BrokerHeartbeatResponse {
                error,
                is_fenced: true,
                is_caught_up: false,
                should_shut_down: false,
                controller_hint: hint,
            }
        }
        Message::AlterPartition { tp, .. } | Message::AlterPartitionResponse { tp, .. } => {
            Message::AlterPartitionResponse {
                tp: tp.clone(),
                error,
                state: None,
            }
        }
        _ => return None,
    })
}
