//! The consumer's side of the KIP-848 consumer group protocol (`group.protocol=consumer`;
//! Java's `AsyncKafkaConsumer` with its `ConsumerMembershipManager` and heartbeat request
//! manager). A background heartbeat joins with epoch 0, reports what the member owns, and
//! brings back its assignment; the member reconciles on its own: it commits (with auto
//! commit) and gives up the partitions it lost, takes the new ones, and acknowledges with its
//! next heartbeat. Nothing waits for `poll()` or for the other members, so a slow
//! application does not hold up everyone else's rebalance.
//!
//! Without a `ConsumerRebalanceListener` a revocation happens here at once. With one
//! (`app.rebalance.listener`) it waits for the application's next `poll()`, where Java runs
//! the listener's callbacks: the batch in hand is processed and committed first.

use super::membership::coordinator_error;
use super::{Consumer, InFlight, MemberState};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::node::Ctx;
use crate::protocol::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, GroupRequest, TopicPartition,
};
use crate::sorted::Collect;
use crate::time::SimDuration;
use std::collections::BTreeSet;

/// A consumer-protocol member's own state, beside what both protocols share (member id,
/// epoch as `generation`, owned partitions).
#[derive(Clone, Debug, Default)]
pub(super) struct ConsumerMembership {
    /// `heartbeatIntervalMs` of the last answer (`group.consumer.heartbeat.interval.ms`).
    interval: SimDuration,
    /// The assignment the coordinator last sent, until the member has reconciled it.
    target: Option<Vec<TopicPartition>>,
    /// The auto commit reconciliation waits for before it gives partitions up.
    revocation_commit: Option<usize>,
    /// A heartbeat is owed now: a join, or the acknowledgement of a reconciled assignment.
    send_now: bool,
}

impl Consumer {
    /// Whether this consumer uses the consumer protocol.
    pub(super) fn consumer_protocol(&self) -> bool {
        self.config.group_protocol == super::GroupProtocol::Consumer
    }

    /// The heartbeat loop once the coordinator is known: join when asked to, heartbeat when
    /// due or owed, and carry on a reconciliation that waited for its commit.
    pub(super) fn pump_consumer_membership(
        &mut self,
        ctx: &mut Ctx<'_>,
        coordinator: u32,
        group_id: String,
    ) {
        if self.rejoins_in_this_poll() {
            self.start_joining(ctx);
        }
        self.continue_reconciling(ctx);
        let due = ctx.now() >= self.next_heartbeat || self.heartbeat.send_now;
        let in_flight = self.has_in_flight(|f| matches!(f, InFlight::Heartbeat { .. }));
        if self.member == MemberState::Unjoined || !due || in_flight {
            return;
        }
        let joining = self.member == MemberState::Joining;
        let epoch = if joining { 0 } else { self.generation };
        let request = ConsumerGroupHeartbeatRequest {
            group_id,
            member_id: self.member_id.clone(),
            member_epoch: epoch,
            rebalance_timeout_ms: joining.then(|| self.config.max_poll_interval.as_millis()),
            subscribed_topic_names: joining.then(|| self.topics().to_vec()),
            server_assignor: self.config.remote_assignor.clone().filter(|_| joining),
            topic_partitions: Some(self.owned.keys().cloned().collect()),
        };
        let kind = InFlight::Heartbeat { generation: epoch };
        let request = GroupRequest::ConsumerGroupHeartbeat(request);
        if self.group_request(ctx, coordinator, kind, request) {
            self.heartbeat.send_now = false;
            self.next_heartbeat = ctx.now() + self.heartbeat.interval;
        }
    }

    /// A member out of the group that joins again once the application is in `poll()`
    /// (after the poll timer expired, or after a fence whose onPartitionsLost runs there).
    pub(super) fn rejoins_in_this_poll(&self) -> bool {
        self.member == MemberState::Unjoined
            && self.rejoin
            && matches!(self.app, super::AppState::Polling { .. })
    }

    /// A heartbeat must go as soon as a coordinator takes it.
    pub(super) fn heartbeat_owed(&mut self) {
        self.heartbeat.send_now = true;
    }

    /// `transitionToJoining`: the next heartbeat joins with epoch 0. The member id is the
    /// consumer's own (KIP-1082), chosen once and kept across rejoins.
    fn start_joining(&mut self, ctx: &mut Ctx<'_>) {
        if self.member_id.is_empty() {
            self.member_id = kafka_uuid(ctx);
        }
        self.member = MemberState::Joining;
        self.generation = -1;
        self.rejoin = false;
        self.heartbeat = ConsumerMembership {
            send_now: true,
            ..ConsumerMembership::default()
        };
    }

    /// The coordinator's answer to a heartbeat sent at epoch `sent`.
    pub(super) fn on_consumer_heartbeat_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        response: ConsumerGroupHeartbeatResponse,
        sent: i32,
    ) {
        if self.member == MemberState::Unjoined {
            // It left while the heartbeat was on its way.
            return;
        }
        match response.error {
            ErrorCode::None => {
                self.generation = response.member_epoch;
                self.member = MemberState::Stable;
                self.group_metadata = (self.generation, self.member_id.clone());
                self.heartbeat.interval = SimDuration::from_millis(response.heartbeat_interval_ms);
                self.next_heartbeat = ctx.now() + self.heartbeat.interval;
                if let Some(assignment) = response.assignment {
                    // A newer assignment replaces one still being reconciled; a commit
                    // already under way for it still counts.
                    self.heartbeat.target = Some(assignment);
                    self.continue_reconciling(ctx);
                }
            }
            // About a membership it has since left (fenced and rejoined meanwhile).
            ErrorCode::FencedMemberEpoch | ErrorCode::UnknownMemberId
                if sent != 0 && sent != self.generation => {}
            ErrorCode::FencedMemberEpoch | ErrorCode::UnknownMemberId => {
                // `transitionToFenced`: the partitions are lost (nothing is committed for
                // them), and the member rejoins with its member id and epoch 0 once the
                // listener's onPartitionsLost has run. That callback runs on the application's
                // thread, in its next poll(): while the application still processes what an
                // earlier poll returned, the member stays out of the group, so a transaction's
                // offsets for those records go with the epoch it was fenced at and are fenced
                // too. Rejoining at once let them in under the new epoch, after the partitions'
                // new owner had read the same records (consumer-protocol seed 13155).
                ctx.emit(EventKind::ConsumerFenced {
                    consumer: self.name.to_string(),
                    group: self.group().unwrap_or_default().to_owned(),
                    member: self.member_id.clone(),
                    epoch: sent,
                    error: response.error,
                });
                let lost = !self.owned.is_empty();
                self.lose_partitions(ctx);
                let in_poll = matches!(self.app, super::AppState::Polling { .. });
                if lost && self.config.rebalance_listener && !in_poll {
                    self.member = MemberState::Unjoined;
                    self.rejoin = true;
                } else {
                    self.start_joining(ctx);
                }
            }
            error if coordinator_error(error) => self.coordinator_unknown(ctx),
            fatal => self.fail_fatally(ctx, fatal),
        }
    }

    /// Moves the owned partitions to the latest assignment: revoked ones go (after the auto
    /// commit of what was consumed, which it waits for), new ones come, and the next
    /// heartbeat says so.
    pub(super) fn continue_reconciling(&mut self, ctx: &mut Ctx<'_>) {
        let Some(target) = self.heartbeat.target.clone() else {
            return;
        };
        if self.member != MemberState::Stable {
            // It left the group (`close()`, the poll timer) while the assignment waited for a
            // commit or for poll(): the assignment is no longer its to take.
            self.heartbeat.target = None;
            self.heartbeat.revocation_commit = None;
            return;
        }
        let target: BTreeSet<TopicPartition> = target.into_iter().collect_set();
        for (tp, owned) in &mut self.owned {
            // A newer assignment may give back a partition that waited to be revoked.
            owned.pending_revocation &= !target.contains(tp);
        }
        let revoked: Vec<TopicPartition> = self
            .owned
            .keys()
            .filter(|tp| !target.contains(*tp))
            .cloned()
            .collect();
        if !revoked.is_empty() && self.config.rebalance_listener {
            // `markPendingRevocation`, then onPartitionsRevoked on the application thread:
            // nothing more of them is fetched or returned, and the revocation waits for the
            // application's next poll().
            for tp in &revoked {
                if let Some(owned) = self.owned.get_mut(tp) {
                    owned.pending_revocation = true;
                }
            }
            if !matches!(self.app, super::AppState::Polling { .. }) {
                return;
            }
        }
        if !revoked.is_empty() && self.config.enable_auto_commit {
            // `maybeAutoCommitSyncBeforeRevocation`: the consumed positions are committed
            // before the partitions go, so their next owner starts where this one stopped.
            // Whatever the commit's outcome, the revocation goes on once it has one.
            let commit = match self.heartbeat.revocation_commit {
                Some(commit) => Some(commit),
                None => self.commit(ctx, "auto", true),
            };
            self.heartbeat.revocation_commit = commit;
            if commit.is_some_and(|c| self.history[c].completed_at.is_none()) {
                return;
            }
        }
        self.heartbeat.target = None;
        self.heartbeat.revocation_commit = None;
        let added = target.iter().any(|tp| !self.owned.contains_key(tp));
        if revoked.is_empty() && !added {
            return;
        }
        for tp in &revoked {
            self.owned.remove(tp);
            self.buffer.remove(tp);
        }
        for tp in target {
            self.owned.entry(tp).or_default();
        }
        self.emit_assignment(ctx, revoked);
        self.heartbeat.send_now = true;
    }

    /// Leaving (`close()`, or the poll timer ran out): a heartbeat with epoch -1, whose answer
    /// nobody waits for.
    pub(super) fn send_leave_heartbeat(&mut self, ctx: &mut Ctx<'_>, group_id: String) {
        let Some(coordinator) = self.coordinator else {
            return;
        };
        if self.member != MemberState::Stable {
            return;
        }
        let request = ConsumerGroupHeartbeatRequest {
            group_id,
            member_id: self.member_id.clone(),
            member_epoch: crate::group::LEAVE_GROUP_MEMBER_EPOCH,
            rebalance_timeout_ms: None,
            subscribed_topic_names: None,
            server_assignor: None,
            topic_partitions: None,
        };
        let request = GroupRequest::ConsumerGroupHeartbeat(request);
        self.group_request(ctx, coordinator, InFlight::Leave, request);
    }
}

/// `org.apache.kafka.common.Uuid.randomUuid().toString()`: 16 random bytes in URL-safe
/// base64 without padding (22 characters), as a KIP-1082 member id looks.
pub(crate) fn kafka_uuid(ctx: &mut Ctx<'_>) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes: Vec<u8> = (0..4)
        .flat_map(|_| ctx.rng().next_u32().to_be_bytes())
        .collect();
    let mut text = String::with_capacity(22);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |word, (i, b)| word | u32::from(*b) << (16 - 8 * i));
        let digits = chunk.len() + 1;
        for i in 0..digits {
            text.push(char::from(ALPHABET[(word >> (18 - 6 * i) & 63) as usize]));
        }
    }
    text
}
