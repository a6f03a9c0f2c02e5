//! A group of the KIP-848 consumer protocol (`group.protocol=consumer`), as Kafka's
//! `GroupMetadataManager.consumerGroupHeartbeat` keeps it. There is no join phase and no
//! group leader: one ConsumerGroupHeartbeat API carries each member's subscription and what
//! it owns; the coordinator bumps the group epoch when membership, a subscription or a
//! subscribed topic's partition count changes, computes the new target assignment with a
//! server-side assignor, and moves each member towards its target on its own heartbeats
//! (`CurrentAssignmentBuilder`): a member gives up the partitions it loses first, at its old
//! epoch, and only then gets partitions another member gave up. Members that keep their
//! partitions never stop consuming.

use super::server_assignor::{self, AssignorMember, ServerAssignor};
use super::{CoordinatorRecord, GroupState};
use crate::error::ErrorCode;
use crate::event::{EventKind, RemovalCause};
use crate::metadata::MetadataImage;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, ConsumerGroupRecord,
    ConsumerMember, ConsumerMemberState, GroupProtocol, TopicPartition,
};
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The epoch a member sends to leave the group.
pub const LEAVE_GROUP_MEMBER_EPOCH: i32 = -1;

/// The broker configs of the consumer protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsumerGroupSettings {
    /// `group.consumer.session.timeout.ms` (45000): a member silent this long is removed.
    pub session_timeout: SimDuration,
    /// `group.consumer.heartbeat.interval.ms` (5000), which every answer tells the member.
    pub heartbeat_interval: SimDuration,
}

impl Default for ConsumerGroupSettings {
    fn default() -> Self {
        ConsumerGroupSettings {
            session_timeout: SimDuration::from_millis(45_000),
            heartbeat_interval: SimDuration::from_millis(5_000),
        }
    }
}

/// A refused heartbeat: the error and Kafka's message for it.
pub(crate) type Refusal = (ErrorCode, String);

/// A consumer-protocol group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConsumerGroup {
    /// See [`ConsumerGroupRecord::group_epoch`].
    pub group_epoch: i32,
    /// See [`ConsumerGroupRecord::assignment_epoch`].
    pub assignment_epoch: i32,
    /// The partition count of each subscribed topic at the last epoch bump.
    pub subscription_metadata: BTreeMap<String, u32>,
    /// The members, by id.
    pub members: BTreeMap<String, ConsumerMember>,
    #[serde(skip)]
    /// When each member last heartbeated (not persisted: a new coordinator starts every
    /// session afresh, as Kafka's does on load).
    pub last_heartbeat: BTreeMap<String, SimTime>,
    /// The broker's `group.consumer.*` settings, from the last heartbeat (not persisted).
    #[serde(skip)]
    pub settings: ConsumerGroupSettings,
    #[serde(skip)]
    /// Members that must revoke by then or be fenced (`max.poll.interval.ms` from when the
    /// revocation was asked).
    revoke_by: BTreeMap<String, SimTime>,
}

impl ConsumerGroup {
    /// The group as its last record left it; every session starts at `now`.
    pub fn load(record: &ConsumerGroupRecord, now: SimTime) -> Self {
        ConsumerGroup {
            group_epoch: record.group_epoch,
            assignment_epoch: record.assignment_epoch,
            subscription_metadata: record.subscription_metadata.iter().cloned().collect(),
            members: record
                .members
                .iter()
                .map(|m| (m.member_id.clone(), m.clone()))
                .collect(),
            last_heartbeat: record
                .members
                .iter()
                .map(|m| (m.member_id.clone(), now))
                .collect(),
            revoke_by: BTreeMap::new(),
            settings: ConsumerGroupSettings::default(),
        }
    }

    /// The record that persists the group as it is now.
    pub fn record(&self, group: &str) -> CoordinatorRecord {
        CoordinatorRecord::ConsumerGroup {
            group: group.to_owned(),
            state: ConsumerGroupRecord {
                group_epoch: self.group_epoch,
                assignment_epoch: self.assignment_epoch,
                subscription_metadata: self
                    .subscription_metadata
                    .iter()
                    .map(|(t, n)| (t.clone(), *n))
                    .collect(),
                members: self.members.values().cloned().collect(),
            },
        }
    }

    /// `ConsumerGroup.maybeUpdateGroupState`: Empty without members, Assigning while the
    /// target lags the group epoch, Reconciling while a member has not reached it.
    pub fn state(&self) -> GroupState {
        if self.members.is_empty() {
            GroupState::Empty
        } else if self.group_epoch > self.assignment_epoch {
            GroupState::Assigning
        } else if self.members.values().any(|m| {
            m.state != ConsumerMemberState::Stable || m.member_epoch != self.assignment_epoch
        }) {
            GroupState::Reconciling
        } else {
            GroupState::Stable
        }
    }

    /// The assignor the group uses: the one most members ask for, else the first of
    /// `group.consumer.assignors` (`computePreferredServerAssignor`).
    pub fn assignor(&self) -> ServerAssignor {
        let mut counts: BTreeMap<ServerAssignor, usize> = BTreeMap::new();
        for member in self.members.values() {
            if let Some(found) = member
                .server_assignor
                .as_deref()
                .and_then(ServerAssignor::from_name)
            {
                *counts.entry(found).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by_key(|(assignor, count)| (*count, std::cmp::Reverse(*assignor)))
            .map_or(ServerAssignor::ALL[0], |(assignor, _)| assignor)
    }

    /// One ConsumerGroupHeartbeat (`consumerGroupHeartbeat`). Returns the answer and whether
    /// the group changed (so it must be written before the answer goes out).
    pub fn heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &ConsumerGroupSettings,
        image: &MetadataImage,
        (group, client_id): (&str, &str),
        request: &ConsumerGroupHeartbeatRequest,
    ) -> Result<(ConsumerGroupHeartbeatResponse, bool), Refusal> {
        validate(request)?;
        self.settings = *settings;
        let member_id = request.member_id.as_str();
        if request.member_epoch == LEAVE_GROUP_MEMBER_EPOCH {
            if !self.members.contains_key(member_id) {
                return Err(unknown_member(group, member_id));
            }
            self.fence(
                ctx,
                group,
                member_id,
                (RemovalCause::Left, "the member left the group".to_owned()),
            );
            let response = ConsumerGroupHeartbeatResponse {
                heartbeat_interval_ms: 0,
                ..ConsumerGroupHeartbeatResponse::error(
                    ErrorCode::None,
                    member_id,
                    LEAVE_GROUP_MEMBER_EPOCH,
                )
            };
            return Ok((response, true));
        }
        let joining = request.member_epoch == 0;
        let member = match self.members.get(member_id) {
            Some(member) => member.clone(),
            None if joining => ConsumerMember {
                member_id: member_id.to_owned(),
                client_id: client_id.to_owned(),
                member_epoch: 0,
                previous_member_epoch: 0,
                state: ConsumerMemberState::Stable,
                subscribed_topics: Vec::new(),
                server_assignor: None,
                rebalance_timeout_ms: 0,
                assigned: BTreeSet::new(),
                pending_revocation: BTreeSet::new(),
                target: BTreeSet::new(),
            },
            None => return Err(unknown_member(group, member_id)),
        };
        check_epoch(
            &member,
            request.member_epoch,
            request.topic_partitions.as_deref(),
        )?;
        let mut updated = member.clone();
        if let Some(topics) = &request.subscribed_topic_names {
            let mut topics = topics.clone();
            topics.sort();
            topics.dedup();
            updated.subscribed_topics = topics;
        }
        if let Some(timeout) = request.rebalance_timeout_ms {
            updated.rebalance_timeout_ms = timeout;
        }
        if let Some(assignor) = &request.server_assignor {
            updated.server_assignor = Some(assignor.clone());
        }
        updated.client_id = client_id.to_owned();
        let mut changed = updated != member;
        let mut reasons = Vec::new();
        if joining && !self.members.contains_key(member_id) {
            reasons.push(format!("member {member_id} ({client_id}) joined"));
        } else if updated.subscribed_topics != member.subscribed_topics {
            reasons.push(format!(
                "member {member_id} ({client_id}) changed its subscription"
            ));
        }
        self.members.insert(member_id.to_owned(), updated);
        let metadata = self.subscribed_metadata(image);
        if metadata != self.subscription_metadata {
            if reasons.is_empty() {
                reasons.push("the partitions of a subscribed topic changed".to_owned());
            }
            self.subscription_metadata = metadata;
        }
        if !reasons.is_empty() {
            self.group_epoch += 1;
            changed = true;
            ctx.emit(EventKind::GroupEpochBumped {
                group: group.to_owned(),
                epoch: self.group_epoch,
                reason: reasons.join(", "),
            });
        }
        if self.group_epoch > self.assignment_epoch {
            self.compute_target(ctx, group);
            changed = true;
        }
        let before = self.members[member_id].clone();
        let after = self.reconcile(&before, request.topic_partitions.as_deref());
        if after != before {
            changed = true;
            self.on_reconciled(ctx, group, &before, &after);
        }
        self.members.insert(member_id.to_owned(), after.clone());
        self.assert_exclusive(group);
        self.last_heartbeat.insert(member_id.to_owned(), ctx.now());
        ctx.set_timer(
            settings.session_timeout,
            Timer::GroupSessionCheck {
                group: group.to_owned(),
                member_id: member_id.to_owned(),
            },
        );
        let full = joining
            || (request.rebalance_timeout_ms.is_some()
                && request.subscribed_topic_names.is_some()
                && request.topic_partitions.is_some());
        let response = ConsumerGroupHeartbeatResponse {
            error: ErrorCode::None,
            error_message: None,
            member_id: member_id.to_owned(),
            member_epoch: after.member_epoch,
            heartbeat_interval_ms: settings.heartbeat_interval.as_millis(),
            assignment: (full || after.assigned != member.assigned)
                .then(|| after.assigned.iter().cloned().collect()),
        };
        Ok((response, changed))
    }

    /// The protocol's promise: the coordinator never gives a partition to a member while
    /// another still owns it or has yet to revoke it.
    fn assert_exclusive(&self, group: &str) {
        let mut holder: BTreeMap<&TopicPartition, &str> = BTreeMap::new();
        for member in self.members.values() {
            for tp in member.assigned.iter().chain(&member.pending_revocation) {
                if let Some(other) = holder.insert(tp, &member.member_id) {
                    assert_eq!(
                        other, member.member_id,
                        "group {group}: {tp} held by {other} and {} at once: {:?}",
                        member.member_id, self.members
                    );
                }
            }
        }
    }

    /// The partition count of every topic a member subscribes to that exists.
    fn subscribed_metadata(&self, image: &MetadataImage) -> BTreeMap<String, u32> {
        self.members
            .values()
            .flat_map(|m| &m.subscribed_topics)
            .filter_map(|topic| {
                let found = image.topics.get(topic.as_str())?;
                Some((topic.clone(), found.partitions.len() as u32))
            })
            .collect()
    }

    /// `TargetAssignmentBuilder`: the assignor's answer for every member becomes the target
    /// of the current group epoch.
    fn compute_target(&mut self, ctx: &mut Ctx<'_>, group: &str) {
        let assignor = self.assignor();
        let views: BTreeMap<String, AssignorMember<'_>> = self
            .members
            .iter()
            .map(|(id, m)| {
                let view = AssignorMember {
                    topics: &m.subscribed_topics,
                    target: &m.target,
                };
                (id.clone(), view)
            })
            .collect();
        let targets = server_assignor::assign(assignor, &views, &self.subscription_metadata);
        for (id, target) in targets {
            if let Some(member) = self.members.get_mut(&id) {
                member.target = target;
            }
        }
        self.assignment_epoch = self.group_epoch;
        ctx.emit(EventKind::GroupTargetAssignment {
            group: group.to_owned(),
            epoch: self.assignment_epoch,
            assignor: assignor.name().to_owned(),
            target: self
                .members
                .values()
                .map(|m| (m.client_id.clone(), m.target.iter().cloned().collect()))
                .collect(),
        });
    }

    /// The epoch of the member that owns `tp` (assigned or still revoking), other than the
    /// member being reconciled; none when it is free.
    fn owner(&self, tp: &TopicPartition, except: &str) -> Option<i32> {
        self.members
            .values()
            .filter(|m| m.member_id != except)
            .find(|m| m.assigned.contains(tp) || m.pending_revocation.contains(tp))
            .map(|m| m.member_epoch)
    }

    /// `CurrentAssignmentBuilder.build`: the member's next step towards the target, given
    /// what it reports it owns.
    fn reconcile(
        &self,
        member: &ConsumerMember,
        owned: Option<&[TopicPartition]>,
    ) -> ConsumerMember {
        let target_epoch = self.assignment_epoch;
        match member.state {
            ConsumerMemberState::Stable if member.member_epoch == target_epoch => member.clone(),
            ConsumerMemberState::Stable => self.next_assignment(member, member.member_epoch, owned),
            ConsumerMemberState::UnrevokedPartitions => {
                if owns_any(owned, &member.pending_revocation) {
                    return member.clone();
                }
                self.next_assignment(member, member.member_epoch + 1, owned)
            }
            ConsumerMemberState::UnreleasedPartitions => {
                self.next_assignment(member, member.member_epoch, owned)
            }
        }
    }

    /// `CurrentAssignmentBuilder.computeNextAssignment`.
    fn next_assignment(
        &self,
        member: &ConsumerMember,
        epoch: i32,
        owned: Option<&[TopicPartition]>,
    ) -> ConsumerMember {
        let target = &member.target;
        let kept: BTreeSet<TopicPartition> =
            member.assigned.intersection(target).cloned().collect();
        let revoking: BTreeSet<TopicPartition> =
            member.assigned.difference(&kept).cloned().collect();
        let (free, held): (Vec<TopicPartition>, Vec<TopicPartition>) = target
            .difference(&kept)
            .cloned()
            .partition(|tp| self.owner(tp, &member.member_id).is_none());
        let unreleased = !held.is_empty();
        let mut next = member.clone();
        if !revoking.is_empty() && owns_any(owned, &revoking) {
            next.previous_member_epoch = member.member_epoch;
            next.member_epoch = epoch;
            next.state = ConsumerMemberState::UnrevokedPartitions;
            next.assigned = kept;
            next.pending_revocation = revoking;
            return next;
        }
        next.previous_member_epoch = member.member_epoch;
        next.member_epoch = self.assignment_epoch;
        next.state = if unreleased {
            ConsumerMemberState::UnreleasedPartitions
        } else {
            ConsumerMemberState::Stable
        };
        next.assigned = kept;
        next.assigned.extend(free);
        next.pending_revocation = BTreeSet::new();
        next
    }

    /// A member moved: start or stop its revocation clock, and say what happened.
    fn on_reconciled(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        before: &ConsumerMember,
        after: &ConsumerMember,
    ) {
        let id = &after.member_id;
        if after.state == ConsumerMemberState::UnrevokedPartitions {
            let timeout = SimDuration::from_millis(after.rebalance_timeout_ms);
            self.revoke_by.insert(id.clone(), ctx.now() + timeout);
            ctx.set_timer(
                timeout,
                Timer::GroupRebalanceTimeout {
                    group: group.to_owned(),
                    member_id: id.clone(),
                },
            );
        } else {
            self.revoke_by.remove(id);
        }
        ctx.emit(EventKind::GroupMemberReconciled {
            group: group.to_owned(),
            member: id.clone(),
            client: after.client_id.clone(),
            epoch: after.member_epoch,
            state: after.state,
            assigned: after.assigned.iter().cloned().collect(),
            revoking: after.pending_revocation.iter().cloned().collect(),
            from_epoch: before.member_epoch,
        });
    }

    /// Removes a member and bumps the group epoch (`consumerGroupFenceMember`); the others
    /// get the new target on their next heartbeat. False when it was not a member.
    pub fn fence(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        member_id: &str,
        (cause, why): (RemovalCause, String),
    ) -> bool {
        let Some(member) = self.members.remove(member_id) else {
            return false;
        };
        self.last_heartbeat.remove(member_id);
        self.revoke_by.remove(member_id);
        let reason = format!("member {member_id} ({}) removed: {why}", member.client_id);
        ctx.emit(EventKind::GroupMemberRemoved {
            group: group.to_owned(),
            member: member_id.to_owned(),
            client: member.client_id,
            protocol: GroupProtocol::Consumer,
            cause,
            why,
        });
        self.group_epoch += 1;
        ctx.emit(EventKind::GroupEpochBumped {
            group: group.to_owned(),
            epoch: self.group_epoch,
            reason,
        });
        true
    }

    /// A member's session check fired: fence it if it stayed silent for
    /// `group.consumer.session.timeout.ms` (the timer is set again on every heartbeat, so an
    /// earlier one finds the member alive and does nothing). True when the group changed.
    pub fn on_session_check(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &ConsumerGroupSettings,
        group: &str,
        member_id: &str,
    ) -> bool {
        let Some(&last) = self.last_heartbeat.get(member_id) else {
            return false;
        };
        let silent = ctx.now().since(last);
        if silent < settings.session_timeout {
            return false;
        }
        let why = format!(
            "the member session expired: no heartbeat for {silent} (group.consumer.session.timeout.ms={})",
            settings.session_timeout.as_millis()
        );
        self.fence(ctx, group, member_id, (RemovalCause::SessionExpired, why))
    }

    /// A member's rebalance timeout fired: fence it if it still has not revoked what it was
    /// asked to give up. True when the group changed.
    pub fn on_rebalance_timeout(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        member_id: &str,
    ) -> bool {
        let Some(&due) = self.revoke_by.get(member_id) else {
            return false;
        };
        if ctx.now() < due {
            return false;
        }
        let Some(member) = self.members.get(member_id) else {
            return false;
        };
        let why = format!(
            "it failed to revoke its partitions within the rebalance timeout (max.poll.interval.ms={}) at epoch {}",
            member.rebalance_timeout_ms, member.member_epoch
        );
        self.fence(ctx, group, member_id, (RemovalCause::RebalanceTimeout, why))
    }
}

/// Whether the member still reports any of `partitions` (a member that reported nothing is
/// taken to own them all).
fn owns_any(owned: Option<&[TopicPartition]>, partitions: &BTreeSet<TopicPartition>) -> bool {
    owned.is_none_or(|owned| owned.iter().any(|tp| partitions.contains(tp)))
}

/// `throwIfConsumerGroupHeartbeatRequestIsInvalid`.
fn validate(request: &ConsumerGroupHeartbeatRequest) -> Result<(), Refusal> {
    let invalid = |message: &str| Err((ErrorCode::InvalidRequest, message.to_owned()));
    if request.group_id.is_empty() {
        return invalid("GroupId can't be empty.");
    }
    if request.member_id.is_empty() {
        return invalid("MemberId can't be empty.");
    }
    match request.member_epoch {
        0 => {
            if request.rebalance_timeout_ms.is_none() {
                return invalid("RebalanceTimeoutMs must be provided in first request.");
            }
            if request
                .topic_partitions
                .as_ref()
                .is_none_or(|p| !p.is_empty())
            {
                return invalid("TopicPartitions must be empty when (re-)joining.");
            }
            if request
                .subscribed_topic_names
                .as_ref()
                .is_none_or(Vec::is_empty)
            {
                return invalid("SubscribedTopicNames must be set in first request.");
            }
        }
        epoch if epoch > 0 || epoch == LEAVE_GROUP_MEMBER_EPOCH => {}
        _ => return invalid("MemberEpoch is invalid."),
    }
    if let Some(assignor) = &request.server_assignor
        && ServerAssignor::from_name(assignor).is_none()
    {
        let supported: Vec<&str> = ServerAssignor::ALL.iter().map(|a| a.name()).collect();
        return Err((
            ErrorCode::UnsupportedAssignor,
            format!(
                "ServerAssignor {assignor} is not supported. Supported assignors: {}.",
                supported.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `throwIfConsumerGroupMemberEpochIsInvalid`: a member ahead of the coordinator, or behind
/// it other than by one lost answer, must give up its partitions and rejoin. Rejoining (epoch
/// 0) is always allowed, as KIP-848 says and KAFKA-19233 made Kafka do: without it a member
/// fenced while the coordinator still held it was refused again on every rejoin until its
/// session expired (consumer-protocol seed 11 of the fuzzer: 45 s of back-to-back refusals).
fn check_epoch(
    member: &ConsumerMember,
    received: i32,
    owned: Option<&[TopicPartition]>,
) -> Result<(), Refusal> {
    if received == 0 {
        return Ok(());
    }
    let fenced = |relation: &str| {
        Err((
            ErrorCode::FencedMemberEpoch,
            format!(
                "The consumer group member has a {relation} member epoch ({received}) than the one known by the group coordinator ({}). The member must abandon all its partitions and rejoin.",
                member.member_epoch
            ),
        ))
    };
    if received > member.member_epoch {
        return fenced("greater");
    }
    if received < member.member_epoch {
        let subset = owned.is_some_and(|owned| owned.iter().all(|tp| member.assigned.contains(tp)));
        if received != member.previous_member_epoch || !subset {
            return fenced("smaller");
        }
    }
    Ok(())
}

fn unknown_member(group: &str, member_id: &str) -> Refusal {
    (
        ErrorCode::UnknownMemberId,
        format!("Member {member_id} is not a member of group {group}."),
    )
}
