//! A group as Kafka's classic group coordinator keeps it: members, generation, state
//! (`Empty` → `PreparingRebalance` → `CompletingRebalance` → `Stable`), and the rules for
//! JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit. The broker hosting the
//! coordinator persists what must survive (`broker/coordinator.rs`); this file decides.

use super::assignor::Subscription;
use super::consumer_group::{ConsumerGroup, ConsumerGroupSettings};
use super::records::{CoordinatorRecord, PersistedMember};
use crate::error::ErrorCode;
use crate::event::{EventKind, RemovalCause};
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    GroupMessage, GroupProtocol, GroupResponse, JoinGroupRequest, JoinGroupResponse, RequestHeader,
    SyncGroupResponse, TopicPartition,
};
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A group's state, named as `kafka-consumer-groups.sh --state` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum GroupState {
    /// No members; offsets may remain.
    Empty,
    /// Waiting for members to (re)join.
    PreparingRebalance,
    /// Joined; waiting for the leader's assignment.
    CompletingRebalance,
    /// Every member has its partitions.
    Stable,
    /// A consumer-protocol group whose target assignment lags its group epoch (KIP-848).
    Assigning,
    /// A consumer-protocol group with a member still on its way to its target (KIP-848).
    Reconciling,
}

impl GroupState {
    /// Kafka's name.
    pub fn kafka_name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Assigning => "Assigning",
            GroupState::Reconciling => "Reconciling",
        }
    }
}

/// A member of a group.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// The id the coordinator gave it (`client.id` + `-` + a UUID).
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub instance_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// `session.timeout.ms`.
    pub session_timeout: SimDuration,
    /// The rebalance timeout (the consumer's `max.poll.interval.ms`).
    pub rebalance_timeout: SimDuration,
    /// Supported assignors, most preferred first, each with the subscription.
    pub protocols: Vec<(String, Subscription)>,
    /// Its partitions in the current generation.
    pub assignment: Vec<TopicPartition>,
    /// When its session was last renewed.
    pub last_heartbeat: SimTime,
    /// Order of first join: the earliest remaining member leads.
    join_order: u64,
    /// A JoinGroup waiting for the join phase to end: (node, correlation id).
    #[serde(skip)]
    awaiting_join: Option<(NodeId, u64)>,
    /// A SyncGroup waiting for the leader's assignment.
    #[serde(skip)]
    awaiting_sync: Option<(NodeId, u64)>,
}

/// Group coordinator settings (`group.*` broker configs).
#[derive(Clone, Copy, Debug)]
pub struct GroupSettings {
    /// `group.initial.rebalance.delay.ms`.
    pub initial_rebalance_delay: SimDuration,
    /// `group.min.session.timeout.ms`.
    pub min_session_timeout: SimDuration,
    /// `group.max.session.timeout.ms`.
    pub max_session_timeout: SimDuration,
    /// The consumer protocol's `group.consumer.*` configs.
    pub consumer: ConsumerGroupSettings,
    /// The share groups' `group.share.*` configs.
    pub share: super::ShareGroupSettings,
}

/// The member a request names: its member id and, for a static member, its
/// `group.instance.id`.
pub(crate) type MemberRef<'a> = (&'a str, Option<&'a str>);

/// A JoinGroup as it arrived: its sender, its header (the client id member ids start with,
/// the correlation id to answer) and its body.
#[derive(Clone, Debug)]
pub struct JoinRequest {
    /// Where to answer.
    pub from: NodeId,
    /// The request's header.
    pub header: RequestHeader,
    /// The request's body.
    pub body: JoinGroupRequest,
}

impl JoinRequest {
    /// Where and to which correlation id the answer goes.
    fn to(&self) -> (NodeId, u64) {
        (self.from, self.header.correlation_id)
    }

    fn session_timeout(&self) -> SimDuration {
        SimDuration::from_millis(self.body.session_timeout_ms)
    }

    fn rebalance_timeout(&self) -> SimDuration {
        SimDuration::from_millis(self.body.rebalance_timeout_ms)
    }
}

/// One consumer group at its coordinator.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// `group.id`.
    pub id: String,
    /// Its state.
    pub state: GroupState,
    /// The generation id (0 before the first rebalance completes).
    pub generation: i32,
    /// The assignor chosen for the generation.
    pub protocol: Option<String>,
    /// The leader's member id.
    pub leader: Option<String>,
    /// Members by id.
    pub members: BTreeMap<String, Member>,
    /// Committed offsets (the next offset to read).
    pub offsets: BTreeMap<TopicPartition, u64>,
    /// The metadata committed with an offset (`OffsetAndMetadata.metadata()`), where not empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<TopicPartition, String>,
    /// Offsets sent in open transactions, by producer id: they replace the committed ones
    /// when the transaction's COMMIT marker reaches the offsets partition, and vanish on ABORT.
    #[serde(skip)]
    pub pending_txn: BTreeMap<u64, BTreeMap<TopicPartition, u64>>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not yet joined (KIP-394).
    #[serde(skip)]
    pending_members: BTreeSet<String>,
    /// When the join phase ends regardless of who rejoined.
    #[serde(skip)]
    join_deadline: Option<SimTime>,
    /// During the initial delay of a new group: the latest the delay may be extended to.
    #[serde(skip)]
    initial_limit: Option<SimTime>,
    #[serde(skip)]
    next_join_order: u64,
    /// Set when the group uses the consumer protocol (KIP-848): its members, epochs and
    /// assignments are there, and the classic fields above stay empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<ConsumerGroup>,
    /// Set when it is a share group (KIP-932).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<super::ShareGroup>,
}

/// A JoinGroup answer that carries only an error.
pub fn join_error(correlation_id: u64, error: ErrorCode) -> GroupMessage {
    let response = JoinGroupResponse::error(error);
    GroupMessage::response(correlation_id, GroupResponse::JoinGroup(response))
}

impl Group {
    /// A group nobody has joined.
    pub fn new(id: &str) -> Self {
        Group {
            id: id.to_owned(),
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            offsets: BTreeMap::new(),
            metadata: BTreeMap::new(),
            pending_txn: BTreeMap::new(),
            pending_members: BTreeSet::new(),
            join_deadline: None,
            initial_limit: None,
            next_join_order: 0,
            consumer: None,
            share: None,
        }
    }

    /// Rebuilds a group from its records in `__consumer_offsets`, as a new coordinator does;
    /// none if its last word was its deletion.
    pub fn load<'a>(
        id: &str,
        records: impl Iterator<Item = &'a CoordinatorRecord>,
        now: SimTime,
    ) -> Option<Self> {
        let mut group = Group::new(id);
        let mut exists = false;
        for record in records {
            exists = !matches!(record, CoordinatorRecord::Deleted { .. });
            match record {
                CoordinatorRecord::Deleted { .. } => group = Group::new(id),
                CoordinatorRecord::Offset {
                    tp,
                    offset,
                    metadata,
                    ..
                } => {
                    group.offsets.insert(tp.clone(), *offset);
                    group.set_metadata(tp, &metadata.0);
                }
                CoordinatorRecord::OffsetDeleted { tp, .. } => {
                    group.offsets.remove(tp);
                    group.set_metadata(tp, "");
                }
                CoordinatorRecord::ConsumerGroup { state, .. } => {
                    group.consumer = Some(ConsumerGroup::load(state, now));
                }
                CoordinatorRecord::Group {
                    generation,
                    protocol,
                    leader,
                    members,
                    ..
                } => {
                    group.generation = *generation;
                    group.protocol = protocol.clone();
                    group.leader = leader.clone();
                    group.members = members
                        .iter()
                        .enumerate()
                        .map(|(order, m)| {
                            let member = Member {
                                member_id: m.subscription.member_id.clone(),
                                instance_id: m.subscription.group_instance_id.clone(),
                                client_id: m.client_id.clone(),
                                session_timeout: SimDuration::from_millis(m.session_timeout_ms),
                                rebalance_timeout: SimDuration::from_millis(m.rebalance_timeout_ms),
                                protocols: vec![(
                                    protocol.clone().unwrap_or_default(),
                                    m.subscription.clone(),
                                )],
                                assignment: m.assignment.clone(),
                                last_heartbeat: now,
                                join_order: order as u64,
                                awaiting_join: None,
                                awaiting_sync: None,
                            };
                            (member.member_id.clone(), member)
                        })
                        .collect_map();
                    group.next_join_order = group.members.len() as u64;
                }
            }
        }
        group.state = if group.members.is_empty() {
            GroupState::Empty
        } else {
            GroupState::Stable
        };
        group.refresh_state();
        exists.then_some(group)
    }

    /// Session checks for every member, after a load.
    pub fn arm_session_checks(&self, ctx: &mut Ctx<'_>, settings: &GroupSettings) {
        for member in self.members.values() {
            self.arm_session_check(ctx, member);
        }
        for member_id in self.consumer.iter().flat_map(|c| c.members.keys()) {
            ctx.set_timer(
                settings.consumer.session_timeout,
                Timer::GroupSessionCheck {
                    group: self.id.clone(),
                    member_id: member_id.clone(),
                },
            );
        }
    }

    /// A consumer-protocol group's state follows from its members and epochs.
    pub fn refresh_state(&mut self) {
        if let Some(consumer) = &self.consumer {
            self.state = consumer.state();
        }
        if let Some(share) = &self.share {
            self.state = share.state();
        }
    }

    /// How many members it has, under either protocol.
    pub fn member_count(&self) -> usize {
        self.members.len()
            + self.consumer.as_ref().map_or(0, |c| c.members.len())
            + self.share.as_ref().map_or(0, |s| s.members.len())
    }

    fn arm_session_check(&self, ctx: &mut Ctx<'_>, member: &Member) {
        let due = member.last_heartbeat + member.session_timeout;
        let after = if due > ctx.now() {
            due - ctx.now()
        } else {
            SimDuration::ZERO
        };
        ctx.set_timer(
            after,
            Timer::GroupSessionCheck {
                group: self.id.clone(),
                member_id: member.member_id.clone(),
            },
        );
    }

    fn member_by_instance(&self, instance: &str) -> Option<&Member> {
        self.members
            .values()
            .find(|m| m.instance_id.as_deref() == Some(instance))
    }

    fn supports(&self, protocols: &[(String, Subscription)]) -> bool {
        self.members.values().all(|m| {
            m.protocols
                .iter()
                .any(|(name, _)| protocols.iter().any(|(n, _)| n == name))
        })
    }

    /// JoinGroup.
    pub fn join(&mut self, ctx: &mut Ctx<'_>, settings: &GroupSettings, request: JoinRequest) {
        let to = request.to();
        if request.session_timeout() < settings.min_session_timeout
            || request.session_timeout() > settings.max_session_timeout
        {
            return ctx.send(
                request.from,
                join_error(to.1, ErrorCode::InvalidSessionTimeout),
            );
        }
        if !self.supports(&request.body.protocols) {
            return ctx.send(
                request.from,
                join_error(to.1, ErrorCode::InconsistentGroupProtocol),
            );
        }
        let mut member_id = request.body.member_id.clone();
        if member_id.is_empty() {
            let fresh = format!("{}-{}", request.header.client_id, uuid(ctx));
            if let Some(instance) = &request.body.group_instance_id {
                if let Some(old) = self
                    .member_by_instance(instance)
                    .map(|m| m.member_id.clone())
                {
                    return self.replace_static_member(ctx, &old, fresh, request);
                }
            } else {
                // KIP-394: a dynamic member first learns its id, then joins with it.
                self.pending_members.insert(fresh.clone());
                return ctx.send(
                    request.from,
                    GroupMessage::response(
                        to.1,
                        GroupResponse::JoinGroup(JoinGroupResponse {
                            member_id: fresh,
                            ..JoinGroupResponse::error(ErrorCode::MemberIdRequired)
                        }),
                    ),
                );
            }
            member_id = fresh;
        } else if let Some(instance) = &request.body.group_instance_id
            && self
                .member_by_instance(instance)
                .is_some_and(|m| m.member_id != member_id)
        {
            // GroupMetadataManager.validateExistingMember: a zombie of a replaced static
            // member rejoining with its old member id.
            return ctx.send(request.from, join_error(to.1, ErrorCode::FencedInstanceId));
        } else if !self.members.contains_key(&member_id) && !self.pending_members.remove(&member_id)
        {
            return ctx.send(request.from, join_error(to.1, ErrorCode::UnknownMemberId));
        }
        let known = self.members.get(&member_id);
        let unchanged = known.is_some_and(|m| m.protocols == request.body.protocols);
        let is_leader = self.leader.as_deref() == Some(member_id.as_str());
        if self.state == GroupState::Stable && unchanged && !is_leader {
            // A member of the current generation rejoining with the same subscription.
            return self.send_join_response(ctx, &member_id, to);
        }
        let new_member = known.is_none();
        let order = self.next_join_order;
        let member = self
            .members
            .entry(member_id.clone())
            .or_insert_with(|| Member {
                member_id: member_id.clone(),
                instance_id: request.body.group_instance_id.clone(),
                client_id: request.header.client_id.to_string(),
                session_timeout: request.session_timeout(),
                rebalance_timeout: request.rebalance_timeout(),
                protocols: Vec::new(),
                assignment: Vec::new(),
                last_heartbeat: ctx.now(),
                join_order: order,
                awaiting_join: None,
                awaiting_sync: None,
            });
        member.session_timeout = request.session_timeout();
        member.rebalance_timeout = request.rebalance_timeout();
        member.protocols = request.body.protocols;
        member.last_heartbeat = ctx.now();
        member.awaiting_join = Some(to);
        if new_member {
            self.next_join_order += 1;
            let member = &self.members[&member_id];
            self.arm_session_check(ctx, member);
        }
        match self.state {
            GroupState::PreparingRebalance => {
                if new_member && let Some(limit) = self.initial_limit {
                    // InitialDelayedJoin: each new member extends the delay, up to the limit.
                    let extended = (ctx.now() + settings.initial_rebalance_delay).min(limit);
                    self.set_join_deadline(ctx, extended);
                }
                self.maybe_complete_join(ctx);
            }
            _ => {
                let reason = if new_member {
                    format!("member {member_id} joined")
                } else {
                    format!("member {member_id} rejoined with new metadata or as leader")
                };
                self.prepare_rebalance(ctx, settings, reason);
            }
        }
    }

    /// A static member came back with a new process: it takes over the old member's place
    /// and assignment, and a stable group does not rebalance (KIP-345).
    fn replace_static_member(
        &mut self,
        ctx: &mut Ctx<'_>,
        old: &str,
        fresh: String,
        request: JoinRequest,
    ) {
        let to = request.to();
        let Some(mut member) = self.members.remove(old) else {
            return;
        };
        // ClassicGroup.replaceStaticMember: the old instance's waiting join or sync is
        // answered FENCED_INSTANCE_ID at once.
        if let Some(fenced) = member.awaiting_join.take() {
            ctx.send(fenced.0, join_error(fenced.1, ErrorCode::FencedInstanceId));
        }
        if let Some(fenced) = member.awaiting_sync.take() {
            ctx.send(
                fenced.0,
                sync_response(fenced.1, ErrorCode::FencedInstanceId, Vec::new()),
            );
        }
        member.member_id = fresh.clone();
        member.protocols = request.body.protocols;
        member.last_heartbeat = ctx.now();
        if self.leader.as_deref() == Some(old) {
            self.leader = Some(fresh.clone());
        }
        let stable = self.state == GroupState::Stable;
        if !stable {
            member.awaiting_join = Some(to);
        }
        self.members.insert(fresh.clone(), member);
        self.arm_session_check(ctx, &self.members[&fresh]);
        if stable {
            self.send_join_response(ctx, &fresh, to);
        } else {
            self.maybe_complete_join(ctx);
        }
    }

    fn set_join_deadline(&mut self, ctx: &mut Ctx<'_>, at: SimTime) {
        self.join_deadline = Some(at);
        let after = if at > ctx.now() {
            at - ctx.now()
        } else {
            SimDuration::ZERO
        };
        ctx.set_timer(
            after,
            Timer::GroupJoinDeadline {
                group: self.id.clone(),
            },
        );
    }

    /// Ends the generation: members must rejoin within the rebalance timeout.
    pub fn prepare_rebalance(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &GroupSettings,
        reason: String,
    ) {
        if self.state == GroupState::CompletingRebalance {
            for member in self.members.values_mut() {
                if let Some(to) = member.awaiting_sync.take() {
                    ctx.send(
                        to.0,
                        sync_response(to.1, ErrorCode::RebalanceInProgress, Vec::new()),
                    );
                }
            }
        }
        let was_empty = self.state == GroupState::Empty;
        self.state = GroupState::PreparingRebalance;
        let rebalance_timeout = self
            .members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or(SimDuration::ZERO);
        ctx.emit(EventKind::GroupRebalancing {
            group: self.id.clone(),
            generation: self.generation,
            reason,
        });
        if was_empty {
            self.initial_limit = Some(ctx.now() + rebalance_timeout);
            let until = ctx.now() + settings.initial_rebalance_delay;
            self.set_join_deadline(ctx, until);
        } else {
            self.initial_limit = None;
            self.set_join_deadline(ctx, ctx.now() + rebalance_timeout);
            self.maybe_complete_join(ctx);
        }
    }

    fn maybe_complete_join(&mut self, ctx: &mut Ctx<'_>) {
        if self.state == GroupState::PreparingRebalance
            && self.initial_limit.is_none()
            && self.members.values().all(|m| m.awaiting_join.is_some())
        {
            self.complete_join(ctx);
        }
    }

    /// The join phase's deadline passed: members that did not rejoin are removed.
    pub fn on_join_deadline(&mut self, ctx: &mut Ctx<'_>) -> Option<CoordinatorRecord> {
        if self.state != GroupState::PreparingRebalance
            || self.join_deadline.is_none_or(|at| at > ctx.now())
        {
            return None;
        }
        let late: Vec<String> = self
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for member in late {
            let client = self
                .members
                .remove(&member)
                .map(|m| m.client_id)
                .unwrap_or_default();
            ctx.emit(EventKind::GroupMemberRemoved {
                group: self.id.clone(),
                member,
                client,
                protocol: GroupProtocol::Classic,
                cause: RemovalCause::RebalanceTimeout,
                why: "did not rejoin within the rebalance timeout (max.poll.interval.ms)"
                    .to_owned(),
            });
        }
        self.complete_join(ctx)
    }

    /// Starts the next generation and answers every waiting JoinGroup. An emptied group's
    /// new generation is persisted at once (there is no SyncGroup to wait for).
    fn complete_join(&mut self, ctx: &mut Ctx<'_>) -> Option<CoordinatorRecord> {
        self.initial_limit = None;
        self.join_deadline = None;
        self.generation += 1;
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            self.protocol = None;
            self.leader = None;
            return Some(self.metadata_record());
        }
        self.protocol = self.select_protocol();
        if !self
            .leader
            .as_ref()
            .is_some_and(|l| self.members.contains_key(l))
        {
            self.leader = self
                .members
                .values()
                .min_by_key(|m| m.join_order)
                .map(|m| m.member_id.clone());
        }
        self.state = GroupState::CompletingRebalance;
        let waiting: Vec<(String, (NodeId, u64))> = self
            .members
            .values_mut()
            .filter_map(|m| {
                m.last_heartbeat = ctx.now();
                m.assignment.clear();
                m.awaiting_join.take().map(|to| (m.member_id.clone(), to))
            })
            .collect();
        for (member, to) in waiting {
            self.send_join_response(ctx, &member, to);
        }
        None
    }

    /// The assignor every member supports that most members prefer (Kafka's vote).
    fn select_protocol(&self) -> Option<String> {
        let first = self.members.values().min_by_key(|m| m.join_order)?;
        let candidates: Vec<&String> = first
            .protocols
            .iter()
            .map(|(name, _)| name)
            .filter(|name| {
                self.members
                    .values()
                    .all(|m| m.protocols.iter().any(|(n, _)| n == *name))
            })
            .collect();
        let votes = |name: &String| {
            self.members
                .values()
                .filter(|m| {
                    m.protocols
                        .iter()
                        .map(|(n, _)| n)
                        .find(|n| candidates.contains(n))
                        == Some(name)
                })
                .count()
        };
        // Ties go to the earliest candidate in the first member's order.
        let mut best: Option<(&String, usize)> = None;
        for name in &candidates {
            let count = votes(name);
            if best.is_none_or(|(_, c)| count > c) {
                best = Some((name, count));
            }
        }
        best.map(|(name, _)| name.clone())
    }

    fn send_join_response(&self, ctx: &mut Ctx<'_>, member_id: &str, to: (NodeId, u64)) {
        let leader = self.leader.clone().unwrap_or_default();
        let protocol = self.protocol.clone();
        let members = if leader == member_id {
            self.members
                .values()
                .filter_map(|m| {
                    let chosen = protocol.as_deref()?;
                    let (_, subscription) = m.protocols.iter().find(|(n, _)| n == chosen)?;
                    let mut subscription = subscription.clone();
                    subscription.member_id = m.member_id.clone();
                    subscription.group_instance_id = m.instance_id.clone();
                    Some(subscription)
                })
                .collect()
        } else {
            Vec::new()
        };
        ctx.send(
            to.0,
            GroupMessage::response(
                to.1,
                GroupResponse::JoinGroup(JoinGroupResponse {
                    error: ErrorCode::None,
                    generation_id: self.generation,
                    protocol_name: protocol,
                    leader,
                    member_id: member_id.to_owned(),
                    members,
                }),
            ),
        );
    }

    /// Checks a request that names a member and generation (SyncGroup, Heartbeat,
    /// OffsetCommit): the member must be known and of the current generation.
    fn check_member(&self, member: MemberRef<'_>, generation: i32) -> Result<(), ErrorCode> {
        self.validate_member(member)?;
        if generation != self.generation {
            return Err(ErrorCode::IllegalGeneration);
        }
        Ok(())
    }

    /// `ClassicGroup.validateMember` (KIP-345): a static member's instance id must be held by
    /// the member id it names, else another instance replaced it and it is fenced
    /// (FENCED_INSTANCE_ID); then the member must be known.
    fn validate_member(&self, (member_id, instance): MemberRef<'_>) -> Result<(), ErrorCode> {
        if let Some(instance) = instance {
            match self.member_by_instance(instance) {
                None => return Err(ErrorCode::UnknownMemberId),
                Some(m) if m.member_id != member_id => return Err(ErrorCode::FencedInstanceId),
                Some(_) => {}
            }
        }
        if !self.members.contains_key(member_id) {
            return Err(ErrorCode::UnknownMemberId);
        }
        Ok(())
    }

    /// SyncGroup. Returns the generation's metadata to persist when the leader's assignment
    /// arrives; the waiting members are answered once it is written (`on_persisted`).
    pub fn sync(
        &mut self,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        generation: i32,
        member: MemberRef<'_>,
        assignments: Vec<(String, Vec<TopicPartition>)>,
    ) -> Option<CoordinatorRecord> {
        let member_id = member.0;
        let error = match self.check_member(member, generation) {
            Err(error) => Some(error),
            Ok(()) if self.state == GroupState::PreparingRebalance => {
                Some(ErrorCode::RebalanceInProgress)
            }
            Ok(()) => None,
        };
        if let Some(error) = error {
            ctx.send(to.0, sync_response(to.1, error, Vec::new()));
            return None;
        }
        if self.state == GroupState::Stable {
            let assignment = self.members[member_id].assignment.clone();
            ctx.send(to.0, sync_response(to.1, ErrorCode::None, assignment));
            return None;
        }
        let is_leader = self.leader.as_deref() == Some(member_id);
        if let Some(member) = self.members.get_mut(member_id) {
            member.awaiting_sync = Some(to);
            member.last_heartbeat = ctx.now();
        }
        if !is_leader {
            return None;
        }
        for (member, partitions) in assignments {
            if let Some(m) = self.members.get_mut(&member) {
                m.assignment = partitions;
            }
        }
        Some(self.metadata_record())
    }

    /// The record of the current generation.
    pub fn metadata_record(&self) -> CoordinatorRecord {
        CoordinatorRecord::Group {
            group: self.id.clone(),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            members: self
                .members
                .values()
                .map(|m| {
                    let mut subscription = m
                        .protocols
                        .iter()
                        .find(|(n, _)| Some(n) == self.protocol.as_ref())
                        .map(|(_, s)| s.clone())
                        .unwrap_or_default();
                    subscription.member_id = m.member_id.clone();
                    subscription.group_instance_id = m.instance_id.clone();
                    PersistedMember {
                        subscription,
                        client_id: m.client_id.clone(),
                        session_timeout_ms: m.session_timeout.as_millis(),
                        rebalance_timeout_ms: m.rebalance_timeout.as_millis(),
                        assignment: m.assignment.clone(),
                    }
                })
                .collect(),
        }
    }

    /// The generation's metadata reached the ISR (or failed to): answer waiting SyncGroups.
    pub fn on_persisted(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &GroupSettings,
        generation: i32,
        error: ErrorCode,
    ) {
        if self.state != GroupState::CompletingRebalance || self.generation != generation {
            return;
        }
        if error != ErrorCode::None {
            for member in self.members.values_mut() {
                if let Some(to) = member.awaiting_sync.take() {
                    ctx.send(to.0, sync_response(to.1, error, Vec::new()));
                }
            }
            let reason = format!("storing the assignment failed with {}", error.name());
            return self.prepare_rebalance(ctx, settings, reason);
        }
        self.state = GroupState::Stable;
        for member in self.members.values_mut() {
            if let Some(to) = member.awaiting_sync.take() {
                let assignment = member.assignment.clone();
                ctx.send(to.0, sync_response(to.1, ErrorCode::None, assignment));
            }
        }
        ctx.emit(EventKind::GroupStable {
            group: self.id.clone(),
            generation,
            protocol: self.protocol.clone().unwrap_or_default(),
            leader: self.leader.clone().unwrap_or_default(),
            assignment: self
                .members
                .values()
                .map(|m| (m.member_id.clone(), m.assignment.clone()))
                .collect(),
        });
    }

    /// Heartbeat: renews the session, and tells members of a rebalance.
    pub fn heartbeat(&mut self, member: MemberRef<'_>, generation: i32, now: SimTime) -> ErrorCode {
        if let Err(error) = self.check_member(member, generation) {
            return error;
        }
        let member_id = member.0;
        if let Some(member) = self.members.get_mut(member_id) {
            member.last_heartbeat = now;
        }
        match self.state {
            GroupState::PreparingRebalance => ErrorCode::RebalanceInProgress,
            _ => ErrorCode::None,
        }
    }

    /// A member's session check fired: remove it if it stayed silent for its session timeout.
    pub fn on_session_check(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &GroupSettings,
        member_id: &str,
    ) -> Option<CoordinatorRecord> {
        let member = self.members.get(member_id)?;
        let silent = ctx.now().since(member.last_heartbeat);
        if member.awaiting_join.is_some() {
            // A member waiting in JoinGroup is not expired; the join phase's deadline decides.
            // Look again one session later (never at once: that would fire forever).
            ctx.set_timer(
                member.session_timeout,
                Timer::GroupSessionCheck {
                    group: self.id.clone(),
                    member_id: member_id.to_owned(),
                },
            );
            return None;
        }
        if silent < member.session_timeout {
            let member = member.clone();
            self.arm_session_check(ctx, &member);
            return None;
        }
        let why = format!(
            "no heartbeat for {silent} (session.timeout.ms={})",
            member.session_timeout.as_millis()
        );
        self.remove_member(
            ctx,
            settings,
            member_id,
            (RemovalCause::SessionExpired, why),
        )
    }

    /// LeaveGroup.
    pub fn leave(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &GroupSettings,
        member_id: &str,
    ) -> Result<Option<CoordinatorRecord>, ErrorCode> {
        if !self.members.contains_key(member_id) {
            return Err(ErrorCode::UnknownMemberId);
        }
        let why = "sent LeaveGroup".to_owned();
        Ok(self.remove_member(ctx, settings, member_id, (RemovalCause::Left, why)))
    }

    fn remove_member(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &GroupSettings,
        member_id: &str,
        (cause, why): (RemovalCause, String),
    ) -> Option<CoordinatorRecord> {
        let member = self.members.remove(member_id)?;
        if let Some(to) = member.awaiting_join {
            ctx.send(to.0, join_error(to.1, ErrorCode::UnknownMemberId));
        }
        ctx.emit(EventKind::GroupMemberRemoved {
            group: self.id.clone(),
            member: member_id.to_owned(),
            client: member.client_id.clone(),
            protocol: GroupProtocol::Classic,
            cause,
            why: why.clone(),
        });
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                let reason = format!("member {member_id} removed: {why}");
                self.prepare_rebalance(ctx, settings, reason);
                None
            }
            GroupState::PreparingRebalance if self.members.is_empty() => self.complete_join(ctx),
            GroupState::PreparingRebalance => {
                self.maybe_complete_join(ctx);
                None
            }
            GroupState::Empty => None,
            state @ (GroupState::Assigning | GroupState::Reconciling) => unreachable!(
                "group {}: a classic member {member_id} removed while the group is a consumer-protocol group in {state:?}",
                self.id
            ),
        }
    }

    /// TxnOffsetCommit's checks (KIP-447): a member id and generation, when given, must be
    /// the group's current ones, which fences a processor that lost its partitions in a
    /// rebalance. Unlike OffsetCommit it is not refused during a rebalance.
    pub fn check_txn_commit(&self, member_id: &str, generation: i32) -> Result<(), ErrorCode> {
        if let Some(consumer) = &self.consumer {
            return check_member_epoch(consumer, member_id, generation);
        }
        if !member_id.is_empty() && !self.members.contains_key(member_id) {
            return Err(ErrorCode::UnknownMemberId);
        }
        if generation >= 0 && generation != self.generation {
            return Err(ErrorCode::IllegalGeneration);
        }
        Ok(())
    }

    /// Whether a transaction holds offsets for `tp` that are not committed yet.
    pub fn has_pending_txn_offset(&self, tp: &TopicPartition) -> bool {
        self.pending_txn.values().any(|o| o.contains_key(tp))
    }

    /// A transaction that sent offsets ended: they take effect on commit, vanish on abort.
    pub fn complete_txn(&mut self, producer_id: u64, committed: bool) {
        if let Some(offsets) = self.pending_txn.remove(&producer_id)
            && committed
        {
            for tp in offsets.keys() {
                self.metadata.remove(tp);
            }
            self.offsets.extend(offsets);
        }
    }

    /// Offsets stored by an OffsetCommit: each replaces the partition's offset and metadata.
    pub fn store_offsets(
        &mut self,
        offsets: Vec<(TopicPartition, u64)>,
        metadata: &[(TopicPartition, String)],
    ) {
        for (tp, offset) in offsets {
            let text = metadata
                .iter()
                .find(|(m, _)| *m == tp)
                .map_or("", |(_, text)| text.as_str());
            self.set_metadata(&tp, text);
            self.offsets.insert(tp, offset);
        }
    }

    /// OffsetDelete's answer per partition, as Kafka 4's `OffsetMetadataManager.deleteOffsets`
    /// gives it for a classic group of the consumer protocol (`ClassicGroup.isSubscribedToTopic`):
    /// GROUP_SUBSCRIBED_TO_TOPIC for a topic a member subscribes to, none otherwise (also
    /// where nothing is committed). An Empty group subscribes to nothing.
    pub fn offset_delete_errors(&self, partitions: &[TopicPartition]) -> Vec<ErrorCode> {
        let subscribed: BTreeSet<&str> = self
            .members
            .values()
            .filter_map(|m| {
                m.protocols
                    .iter()
                    .find(|(name, _)| Some(name) == self.protocol.as_ref())
                    .or(m.protocols.first())
            })
            .flat_map(|(_, subscription)| subscription.topics.iter().map(String::as_str))
            .collect_set();
        partitions
            .iter()
            .map(|tp| match subscribed.contains(&*tp.topic) {
                true => ErrorCode::GroupSubscribedToTopic,
                false => ErrorCode::None,
            })
            .collect()
    }

    /// The metadata committed with `tp`'s offset; empty metadata is not kept.
    pub fn set_metadata(&mut self, tp: &TopicPartition, text: &str) {
        if text.is_empty() {
            self.metadata.remove(tp);
        } else {
            self.metadata.insert(tp.clone(), text.to_owned());
        }
    }

    /// Whether an OffsetCommit from this member and generation may be written. A commit with
    /// generation -1 (a consumer without group management, or an admin tool) is accepted only
    /// while the group has no members (`ClassicGroup.validateOffsetCommit`).
    pub fn check_commit(&self, member: MemberRef<'_>, generation: i32) -> Result<(), ErrorCode> {
        if let Some(consumer) = &self.consumer {
            return check_member_epoch(consumer, member.0, generation);
        }
        if generation < 0 && member.0.is_empty() && member.1.is_none() {
            return if self.members.is_empty() {
                Ok(())
            } else {
                Err(ErrorCode::UnknownMemberId)
            };
        }
        self.check_member(member, generation)?;
        if self.state == GroupState::CompletingRebalance {
            return Err(ErrorCode::RebalanceInProgress);
        }
        Ok(())
    }
}

/// `ConsumerGroup.validateOffsetCommit`: a commit outside group management (epoch -1, no
/// member id) only while the group is empty; otherwise the member must be known and at its
/// current epoch (a member behind gets STALE_MEMBER_EPOCH and retries with the epoch its next
/// heartbeat brings).
fn check_member_epoch(
    consumer: &ConsumerGroup,
    member_id: &str,
    epoch: i32,
) -> Result<(), ErrorCode> {
    if epoch < 0 && consumer.members.is_empty() {
        return Ok(());
    }
    let member = consumer
        .members
        .get(member_id)
        .ok_or(ErrorCode::UnknownMemberId)?;
    if member.member_epoch != epoch {
        return Err(ErrorCode::StaleMemberEpoch);
    }
    Ok(())
}

/// Sends a group coordinator's answer `to` a request: (its sender, its correlation id).
pub(crate) fn answer(ctx: &mut Ctx<'_>, to: (NodeId, u64), response: GroupResponse) {
    ctx.send(to.0, GroupMessage::response(to.1, response));
}

fn sync_response(
    correlation_id: u64,
    error: ErrorCode,
    assignment: Vec<TopicPartition>,
) -> GroupMessage {
    let response = SyncGroupResponse { error, assignment };
    GroupMessage::response(correlation_id, GroupResponse::SyncGroup(response))
}

/// A random UUID in Kafka's text form, from the nodes' seeded stream.
fn uuid(ctx: &mut Ctx<'_>) -> String {
    let words: Vec<u32> = (0..4).map(|_| ctx.rng().next_u32()).collect();
    let hex: String = words.iter().map(|w| format!("{w:08x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
