//! The consumer's side of the classic group protocol (Java's `AbstractCoordinator` and
//! `ConsumerCoordinator`): find the coordinator, join (eager assignors revoke everything first;
//! cooperative ones keep what they own), compute the assignment when elected leader, sync,
//! heartbeat, and leave when `max.poll.interval.ms` passes without a `poll()`.

use super::{AppState, Consumer, InFlight, MemberState, Subscription};
use crate::client::{Operation, Outcome};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::group::{Assignor, Subscription as MemberSubscription, assignor::assign};
use crate::node::Ctx;
use crate::protocol::{
    CoordinatorType, Extension, GroupRequest, HeartbeatRequest, JoinGroupRequest,
    JoinGroupResponse, LeaveGroupRequest, Message, SyncGroupRequest, TopicPartition,
};
use crate::sorted::Collect;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

impl Consumer {
    pub(super) fn topics(&self) -> &[String] {
        match &self.subscription {
            Subscription::Topics(topics) => topics,
            Subscription::Partitions(_) => &[],
        }
    }

    fn uses_group_management(&self) -> bool {
        matches!(self.subscription, Subscription::Topics(_)) && self.config.group_id.is_some()
    }

    pub(super) fn pump_membership(&mut self, ctx: &mut Ctx<'_>) {
        let Some(group) = self.config.group_id.clone() else {
            return;
        };
        let now = ctx.now();
        let polling = matches!(self.app, AppState::Polling { .. });
        if self.member != MemberState::Unjoined
            && !polling
            && now >= self.last_poll + self.config.max_poll_interval
        {
            self.leave_group(
                ctx,
                "consumer poll timeout has expired: the time between subsequent calls to poll() \
                 was longer than the configured max.poll.interval.ms",
            );
        }
        let Some(coordinator) = self.coordinator else {
            if now >= self.coordinator_not_before
                && !self.has_in_flight(|f| matches!(f, InFlight::FindCoordinator))
            {
                let client_id = Rc::clone(&self.name);
                self.request_any(ctx, InFlight::FindCoordinator, |correlation_id| {
                    Message::find_coordinator(
                        correlation_id,
                        client_id,
                        CoordinatorType::Group,
                        group.clone(),
                    )
                });
            }
            return;
        };
        if let Some(operation) = self.retry_commit.take() {
            self.send_commit(ctx, operation, true);
        }
        if !self.uses_group_management() {
            return;
        }
        if self.consumer_protocol() {
            return self.pump_consumer_membership(ctx, coordinator, group);
        }
        if self.member == MemberState::Stable
            && now >= self.next_heartbeat
            && !self.has_in_flight(|f| matches!(f, InFlight::Heartbeat { .. }))
        {
            self.next_heartbeat = now + self.config.heartbeat_interval;
            let request = HeartbeatRequest {
                group_id: group.clone(),
                generation_id: self.generation,
                member_id: self.member_id.clone(),
                group_instance_id: Extension(self.config.group_instance_id.clone()),
            };
            let in_flight = InFlight::Heartbeat {
                generation: request.generation_id,
            };
            self.group_request(
                ctx,
                coordinator,
                in_flight,
                GroupRequest::Heartbeat(request),
            );
        }
        // One JoinGroup (then SyncGroup) at a time, as Java's single join future: a member
        // reset while its join is on the way waits for that answer, so the group never gets
        // a second member no process stands behind.
        let joining = matches!(self.member, MemberState::Joining | MemberState::Syncing)
            || self.has_in_flight(|f| matches!(f, InFlight::Join | InFlight::Sync));
        if self.rejoin && polling && !joining {
            self.join(ctx, coordinator, group);
        }
    }

    /// `onJoinPrepare` then JoinGroup.
    fn join(&mut self, ctx: &mut Ctx<'_>, coordinator: u32, group_id: String) {
        assert!(
            !self.has_in_flight(|f| matches!(f, InFlight::Join | InFlight::Sync)),
            "{}: a second JoinGroup while one is in flight (member {:?}, generation {}, {:?})",
            self.name,
            self.member_id,
            self.generation,
            self.member
        );
        self.give_up_partitions_if_out_of_group(ctx);
        if self.config.enable_auto_commit && self.member == MemberState::Stable {
            self.commit(ctx, "auto", false);
        }
        if !self.config.cooperative() && !self.owned.is_empty() {
            // Eager protocol: everything is revoked before joining.
            let revoked: Vec<TopicPartition> = self.owned.keys().cloned().collect();
            self.owned.clear();
            self.buffer.clear();
            self.emit_assignment(ctx, revoked);
        }
        let owned: Vec<TopicPartition> = if self.config.cooperative() {
            self.owned.keys().cloned().collect()
        } else {
            self.last_assignment.clone()
        };
        let subscription = MemberSubscription {
            member_id: String::new(),
            group_instance_id: self.config.group_instance_id.clone(),
            topics: self.topics().to_vec(),
            owned,
            generation: (self.generation >= 0).then_some(self.generation),
        };
        let protocols = self
            .config
            .assignors
            .iter()
            .map(|a| (super::assignor_name(*a).to_owned(), subscription.clone()))
            .collect();
        let request = JoinGroupRequest {
            group_id,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
            session_timeout_ms: self.config.session_timeout.as_millis(),
            rebalance_timeout_ms: self.config.max_poll_interval.as_millis(),
            protocols,
        };
        let sent = self.group_request(
            ctx,
            coordinator,
            InFlight::Join,
            GroupRequest::JoinGroup(request),
        );
        if sent {
            self.member = MemberState::Joining;
            self.rejoin = false;
        }
    }

    pub(super) fn on_join_response(&mut self, ctx: &mut Ctx<'_>, response: JoinGroupResponse) {
        let JoinGroupResponse {
            error,
            generation_id,
            protocol_name,
            leader,
            member_id,
            members,
        } = response;
        // The member left (or was reset) while its JoinGroup waited at the coordinator: the
        // answer is about a membership it no longer holds. Java's JoinGroupResponseHandler
        // drops it the same way (UnjoinedGroupException when no longer PREPARING_REBALANCE).
        if self.member != MemberState::Joining {
            return;
        }
        self.member = MemberState::Unjoined;
        self.rejoin = true;
        match error {
            ErrorCode::None => {
                self.member_id = member_id;
                self.generation = generation_id;
                self.is_leader = leader == self.member_id;
                let assignments = if self.is_leader {
                    self.assign(protocol_name.as_deref(), &members)
                } else {
                    Vec::new()
                };
                let (Some(coordinator), Some(group_id)) =
                    (self.coordinator, self.config.group_id.clone())
                else {
                    return;
                };
                let request = GroupRequest::SyncGroup(SyncGroupRequest {
                    group_id,
                    generation_id,
                    member_id: self.member_id.clone(),
                    assignments,
                    group_instance_id: Extension(self.config.group_instance_id.clone()),
                });
                if self.group_request(ctx, coordinator, InFlight::Sync, request) {
                    self.member = MemberState::Syncing;
                    self.rejoin = false;
                }
            }
            ErrorCode::MemberIdRequired => self.member_id = member_id,
            ErrorCode::UnknownMemberId => self.reset_generation(true),
            ErrorCode::IllegalGeneration => self.reset_generation(false),
            error if coordinator_error(error) => self.coordinator_unknown(ctx),
            ErrorCode::RebalanceInProgress => {}
            fatal => self.fail_fatally(ctx, fatal),
        }
    }

    /// The leader runs the group's assignor over every member's subscription.
    fn assign(
        &mut self,
        protocol: Option<&str>,
        members: &[MemberSubscription],
    ) -> Vec<(String, Vec<TopicPartition>)> {
        let assignor = protocol
            .and_then(super::assignor_from_name)
            .unwrap_or(Assignor::Range);
        let topics: BTreeSet<&String> = members.iter().flat_map(|m| &m.topics).collect_set();
        let counts: BTreeMap<String, u32> = topics
            .into_iter()
            .map(|t| {
                (
                    t.clone(),
                    self.metadata.partition_count(&Rc::from(t.as_str())),
                )
            })
            .collect_map();
        self.assigned_counts = counts.clone();
        let available = counts.into_iter().filter(|(_, n)| *n > 0).collect_map();
        assign(assignor, members, &available).into_iter().collect()
    }

    pub(super) fn on_sync_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        error: ErrorCode,
        assignment: Vec<TopicPartition>,
    ) {
        // Left while the SyncGroup waited (see `on_join_response`); Java's
        // SyncGroupResponseHandler drops it when no longer COMPLETING_REBALANCE.
        if self.member != MemberState::Syncing {
            return;
        }
        self.member = MemberState::Unjoined;
        self.rejoin = true;
        match error {
            ErrorCode::None => {
                let assigned: BTreeSet<TopicPartition> = assignment.iter().cloned().collect_set();
                let revoked: Vec<TopicPartition> = self
                    .owned
                    .keys()
                    .filter(|tp| !assigned.contains(*tp))
                    .cloned()
                    .collect();
                for tp in &revoked {
                    self.owned.remove(tp);
                    self.buffer.remove(tp);
                }
                for tp in assignment.iter() {
                    self.owned.entry(tp.clone()).or_default();
                }
                self.last_assignment = assignment;
                self.group_metadata = (self.generation, self.member_id.clone());
                self.member = MemberState::Stable;
                self.next_heartbeat = ctx.now() + self.config.heartbeat_interval;
                // KIP-429: partitions given up in a cooperative rebalance go to their new owner
                // in a follow-up rebalance.
                self.rejoin = self.config.cooperative() && !revoked.is_empty();
                self.emit_assignment(ctx, revoked);
            }
            ErrorCode::UnknownMemberId => self.reset_generation(true),
            ErrorCode::IllegalGeneration => self.reset_generation(false),
            error if coordinator_error(error) => self.coordinator_unknown(ctx),
            ErrorCode::RebalanceInProgress => {}
            fatal => self.fail_fatally(ctx, fatal),
        }
    }

    /// `sent_in`: the generation the heartbeat was sent in.
    pub(super) fn on_heartbeat_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        error: ErrorCode,
        sent_in: i32,
    ) {
        match error {
            ErrorCode::None => {}
            ErrorCode::RebalanceInProgress => self.rejoin = true,
            // About a generation this member has already left (Java's `generationUnchanged`
            // check): its new membership is not the one refused.
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration
                if sent_in != self.generation => {}
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => {
                // The group moved on without this member: its partitions are lost (not
                // revoked: nothing is committed for them).
                self.lose_partitions(ctx);
                self.reset_generation(error == ErrorCode::UnknownMemberId);
            }
            error if coordinator_error(error) => self.coordinator_unknown(ctx),
            fatal => self.fail_fatally(ctx, fatal),
        }
    }

    /// The member is out of the group: it rejoins on the next `poll()`.
    fn reset_generation(&mut self, reset_member_id: bool) {
        if reset_member_id {
            self.member_id.clear();
        }
        self.generation = -1;
        self.member = MemberState::Unjoined;
        self.is_leader = false;
        self.rejoin = true;
    }

    /// `onJoinPrepare` of a member whose generation or member id was reset (by a heartbeat, a
    /// failed join or sync, or a fenced commit): what it owned is lost, before `poll()` returns
    /// anything or the member joins again. Without it a member the group has moved on from
    /// goes on processing partitions their new owner processes too.
    pub(super) fn give_up_partitions_if_out_of_group(&mut self, ctx: &mut Ctx<'_>) {
        if self.uses_group_management() && (self.generation < 0 || self.member_id.is_empty()) {
            self.lose_partitions(ctx);
        }
    }

    pub(super) fn lose_partitions(&mut self, ctx: &mut Ctx<'_>) {
        if !self.owned.is_empty() {
            let lost: Vec<TopicPartition> = self.owned.keys().cloned().collect();
            self.owned.clear();
            self.buffer.clear();
            self.emit_assignment(ctx, lost);
        }
    }

    /// `markCoordinatorUnknown`: look for it again after the backoff, which doubles with each
    /// failed discovery in a row within one `poll()` (`AbstractCoordinator.ensureCoordinatorReady`
    /// counts its attempts in a local, KIP-580); a join in progress starts over.
    pub(super) fn coordinator_unknown(&mut self, ctx: &mut Ctx<'_>) {
        self.forget_coordinator(ctx, false);
    }

    /// A FindCoordinator that failed (an error or no answer): the next one waits longer.
    pub(super) fn coordinator_lookup_failed(&mut self, ctx: &mut Ctx<'_>) {
        self.forget_coordinator(ctx, true);
    }

    fn forget_coordinator(&mut self, ctx: &mut Ctx<'_>, lookup_failed: bool) {
        self.coordinator = None;
        self.coordinator_not_before = ctx.now()
            + crate::backoff::backoff(
                self.config.retry_backoff,
                self.config.retry_backoff_max,
                self.coordinator_attempts,
                ctx.rng(),
            );
        if lookup_failed {
            self.coordinator_attempts = self.coordinator_attempts.saturating_add(1);
        }
        self.in_flight.retain(|f| {
            !matches!(
                f,
                InFlight::Join
                    | InFlight::Sync
                    | InFlight::Heartbeat { .. }
                    | InFlight::OffsetFetch
                    | InFlight::Committed { .. }
            )
        });
        if self.consumer_protocol() {
            // The heartbeat goes again to the coordinator found next (Java's heartbeat
            // request manager retries it; the membership is unchanged).
            self.heartbeat_owed();
        } else if matches!(self.member, MemberState::Joining | MemberState::Syncing) {
            self.member = MemberState::Unjoined;
            self.rejoin = true;
        }
    }

    /// `maybeLeaveGroup`: a dynamic member sends LeaveGroup; a static one only forgets its
    /// member id (the coordinator notices after `session.timeout.ms`).
    pub(super) fn leave_group(&mut self, ctx: &mut Ctx<'_>, why: &str) {
        let Some(group_id) = self.config.group_id.clone() else {
            return;
        };
        if self.member == MemberState::Unjoined && self.member_id.is_empty() {
            return;
        }
        if self.consumer_protocol() {
            self.send_leave_heartbeat(ctx, group_id.clone());
        } else if self.config.group_instance_id.is_none()
            && !self.member_id.is_empty()
            && let Some(coordinator) = self.coordinator
        {
            let request = LeaveGroupRequest {
                group_id: group_id.clone(),
                member_id: self.member_id.clone(),
            };
            self.group_request(
                ctx,
                coordinator,
                InFlight::Leave,
                GroupRequest::LeaveGroup(request),
            );
        }
        ctx.emit(EventKind::ConsumerLeftGroup {
            consumer: self.name.to_string(),
            group: group_id,
            why: why.to_owned(),
        });
        self.lose_partitions(ctx);
        // A consumer-protocol member keeps the member id it chose (KIP-1082).
        self.reset_generation(!self.consumer_protocol());
    }

    /// The leader notices a subscribed topic's partition count changed: rebalance.
    pub(super) fn check_partition_counts(&mut self) {
        if !self.is_leader || self.member != MemberState::Stable {
            return;
        }
        let changed = self.assigned_counts.iter().any(|(topic, count)| {
            self.metadata.partition_count(&Rc::from(topic.as_str())) != *count
        });
        if changed {
            self.rejoin = true;
        }
    }

    /// An error the application sees as an exception from `poll()`: the consumer stops.
    pub(super) fn fail_fatally(&mut self, ctx: &mut Ctx<'_>, error: ErrorCode) {
        let exception = match error {
            ErrorCode::FencedInstanceId => self.fenced_instance(),
            other => format!(
                "KafkaException: {} from the group coordinator",
                other.name()
            ),
        };
        let request = self.poll_request();
        let mut operation = Operation::pending(Rc::clone(&self.name), request, ctx.now());
        operation.completed_at = Some(ctx.now());
        operation.outcome = Outcome::Exception { message: exception };
        self.history.push(operation);
        self.lose_partitions(ctx);
        self.closed = true;
    }
}

impl Consumer {
    /// What Java's FencedInstanceIdException says.
    pub(super) fn fenced_instance(&self) -> String {
        format!(
            "FencedInstanceIdException: The broker rejected this static consumer since \
             another consumer with the same group.instance.id {} has registered with a \
             different member.id.",
            self.config.group_instance_id.as_deref().unwrap_or("")
        )
    }
}

/// Errors after which the consumer looks for the coordinator again.
pub(super) fn coordinator_error(error: ErrorCode) -> bool {
    crate::client::find_another_coordinator(error)
}
