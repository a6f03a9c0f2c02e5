//! Positions, fetching and commits (Java's `Fetcher`, `OffsetFetcher` and the commit half of
//! `ConsumerCoordinator`): a new partition starts at the group's committed offset, or where
//! `auto.offset.reset` says; fetches go to each partition's leader and return records only
//! below the high watermark; a commit stores the positions, the offsets of the next records
//! the application will get.

use super::membership::coordinator_error;
use super::{AppState, Consumer, InFlight, MemberState, OffsetReset, Subscription};
use crate::client::{Operation, Outcome, Request, invalidates_metadata};
use crate::error::ErrorCode;
use crate::node::Ctx;
use crate::protocol::{
    ApiKey, BrokerId, Extension, FetchPartition, FetchRequest, FetchedPartition, GroupRequest,
    Message, OffsetCommitRequest, OffsetFetchRequest, RequestHeader, TopicPartition,
};
use crate::protocol::{ControlType, Record};
use crate::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

const COMMIT_FAILED: &str = "CommitFailedException: Commit cannot be completed since the group \
    has already rebalanced and assigned the partitions to another member. This means that the \
    time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, \
    which typically implies that the poll loop is spending too much time message processing. You \
    can address this either by increasing max.poll.interval.ms or by reducing the maximum size of \
    batches returned in poll() with max.poll.records.";

pub(super) const INVALID_GROUP_ID: &str = "InvalidGroupIdException: To use the group management \
    or offset commit APIs, you must provide a valid group.id in the consumer configuration.";

const REBALANCING: &str = "RebalanceInProgressException: Offset commit cannot be completed since \
    the consumer is undergoing a rebalance for auto partition assignment. You can try completing \
    the rebalance by calling poll() and then retry the operation.";

impl Consumer {
    /// Partitions without a position get one: committed offsets first (with a group id), then
    /// the reset policy.
    pub(super) fn pump_positions(&mut self, ctx: &mut Ctx<'_>) {
        let resetting: Vec<TopicPartition> = self
            .in_flight
            .values()
            .filter_map(|f| match f {
                InFlight::ListOffsets { partitions, .. } => Some(partitions.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        // seekToBeginning / seekToEnd: resolved by ListOffsets when the application polls.
        if !self.is_stalled() {
            for timestamp in [super::offsets::EARLIEST, super::offsets::LATEST] {
                let asked: Vec<TopicPartition> = self
                    .owned
                    .iter()
                    .filter(|(tp, o)| {
                        o.position.is_none()
                            && o.pending_reset == Some(timestamp)
                            && !resetting.contains(tp)
                    })
                    .map(|(tp, _)| tp.clone())
                    .collect();
                self.list_offsets(ctx, asked, timestamp);
            }
        }
        let missing: Vec<TopicPartition> = self
            .owned
            .iter()
            .filter(|(tp, o)| {
                o.position.is_none()
                    && o.pending_reset.is_none()
                    && !o.reset_failed
                    && !resetting.contains(tp)
            })
            .map(|(tp, _)| tp.clone())
            .collect();
        if missing.is_empty()
            || self.has_in_flight(|f| matches!(f, InFlight::OffsetFetch))
            || ctx.now() < self.offset_fetch_not_before
        {
            return;
        }
        match (self.config.group_id.clone(), self.coordinator) {
            (Some(group_id), Some(coordinator)) => {
                let request = OffsetFetchRequest::stable(group_id, missing);
                let request = GroupRequest::OffsetFetch(request);
                self.group_request(ctx, coordinator, InFlight::OffsetFetch, request);
            }
            (Some(_), None) => {}
            (None, _) => self.reset_positions(ctx, missing),
        }
    }

    /// `auto.offset.reset` for partitions with no committed offset (or an out-of-range one).
    fn reset_positions(&mut self, ctx: &mut Ctx<'_>, partitions: Vec<TopicPartition>) {
        if partitions.is_empty() {
            return;
        }
        // Both ends come from the leader's ListOffsets answer (EARLIEST_TIMESTAMP -2 or
        // LATEST_TIMESTAMP -1), never assumed: a partition the cluster does not have gets no
        // position, so nothing is fetched or committed for it.
        match self.config.auto_offset_reset {
            reset @ (OffsetReset::Earliest | OffsetReset::Latest) => {
                let timestamp = if reset == OffsetReset::Earliest {
                    super::offsets::EARLIEST
                } else {
                    super::offsets::LATEST
                };
                self.list_offsets(ctx, partitions, timestamp);
            }
            OffsetReset::None => {
                for tp in &partitions {
                    if let Some(owned) = self.owned.get_mut(tp) {
                        owned.reset_failed = true;
                    }
                }
                self.throw_no_offset(ctx);
            }
        }
    }

    /// `poll()` throws NoOffsetForPartitionException for the partitions that have neither a
    /// position nor a committed offset under `auto.offset.reset=none`: once in each call
    /// that finds them (`updateFetchPositions` runs at the start of every `poll()`, and
    /// throws before it returns), and again in the next call while they still have none. The
    /// application here catches it and goes on polling for the rest of its poll timeout, so
    /// one is thrown per `app.poll.timeout.ms` (Java's `poll()` returns at once instead, and
    /// a loop that swallows it calls again at once).
    pub(super) fn throw_no_offset(&mut self, ctx: &mut Ctx<'_>) {
        if self.no_offset_thrown || !matches!(self.app, AppState::Polling { .. }) {
            return;
        }
        let missing: Vec<TopicPartition> = self
            .owned
            .iter()
            .filter(|(_, o)| o.reset_failed && o.position.is_none())
            .map(|(tp, _)| tp.clone())
            .collect();
        if !missing.is_empty() {
            self.no_offset_thrown = true;
            self.record_exception(ctx, no_offset(&missing));
        }
    }

    /// ListOffsets of `partitions` at `timestamp`, one request per leader.
    fn list_offsets(&mut self, ctx: &mut Ctx<'_>, partitions: Vec<TopicPartition>, timestamp: i64) {
        let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
        for tp in partitions {
            match self.metadata.leader(&tp) {
                Some(leader) => by_leader.entry(leader).or_default().push(tp),
                None => self.metadata.invalidate(),
            }
        }
        for (leader, partitions) in by_leader {
            let request: Vec<(TopicPartition, i64)> = partitions
                .iter()
                .map(|tp| (tp.clone(), timestamp))
                .collect();
            let read_committed = self.config.read_committed;
            let client_id = Rc::clone(&self.name);
            self.request(
                ctx,
                leader,
                InFlight::ListOffsets {
                    partitions,
                    timestamp,
                },
                |correlation_id| {
                    Message::list_offsets(correlation_id, client_id, request, read_committed)
                },
            );
        }
    }

    fn record_exception(&mut self, ctx: &mut Ctx<'_>, message: String) {
        let request = self.poll_request();
        let mut operation = Operation::pending(Rc::clone(&self.name), request, ctx.now());
        operation.completed_at = Some(ctx.now());
        operation.outcome = Outcome::Exception { message };
        self.history.push(operation);
    }

    pub(super) fn on_offset_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        error: ErrorCode,
        offsets: Vec<(TopicPartition, Option<u64>)>,
    ) {
        if error != ErrorCode::None {
            if coordinator_error(error) {
                self.coordinator_unknown(ctx);
            }
            // UNSTABLE_OFFSET_COMMIT: a transaction's offsets are pending; ask again after
            // retry.backoff.ms rather than start from the older committed offset.
            self.offset_fetch_not_before = ctx.now() + self.config.retry_backoff;
            return;
        }
        let mut reset = Vec::new();
        for (tp, committed) in offsets {
            let Some(owned) = self.owned.get_mut(&tp) else {
                continue;
            };
            if owned.position.is_some() || owned.pending_reset.is_some() {
                continue;
            }
            match committed {
                Some(offset) => {
                    owned.position = Some(offset);
                    owned.committed = Some(offset);
                }
                None => reset.push(tp),
            }
        }
        self.reset_positions(ctx, reset);
    }

    /// A reset's ListOffsets answered; a seek to the other end asked since then waits for its
    /// own answer.
    pub(super) fn on_list_offsets_response(
        &mut self,
        timestamp: i64,
        partitions: Vec<(TopicPartition, ErrorCode, u64)>,
    ) {
        for (tp, error, offset) in partitions {
            match (error, self.owned.get_mut(&tp)) {
                (ErrorCode::None, Some(owned))
                    if owned.position.is_none()
                        && owned.pending_reset.is_none_or(|asked| asked == timestamp) =>
                {
                    owned.position = Some(offset);
                    owned.pending_reset = None;
                }
                (ErrorCode::None, _) => {}
                _ => self.metadata.invalidate(),
            }
        }
    }

    /// One Fetch per leader for owned partitions with a position and nothing buffered, at most
    /// one in flight per broker. A stalled application fetches nothing (fetching happens inside
    /// `poll()`).
    pub(super) fn pump_fetches(&mut self, ctx: &mut Ctx<'_>) {
        if self.is_stalled() {
            return;
        }
        let busy: Vec<BrokerId> = self
            .in_flight
            .values()
            .filter_map(|f| match f {
                InFlight::Fetch { broker, .. } => Some(*broker),
                _ => None,
            })
            .collect();
        let mut by_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        for (tp, owned) in &self.owned {
            let Some(position) = owned.position else {
                continue;
            };
            if owned.paused
                || owned.pending_revocation
                || owned.reset_failed
                || self.buffer.get(tp).is_some_and(|q| !q.is_empty())
                || ctx.now() < owned.fetch_not_before
            {
                continue;
            }
            // No leader known (the partition was offline when metadata was fetched): ask again
            // (Java: "Requesting metadata update for partition ... since the position ... is
            // missing the current leader node"), after retry.backoff.ms.
            let Some(state) = self.metadata.get(tp).filter(|s| s.leader.is_some()) else {
                self.metadata.invalidate();
                continue;
            };
            // KIP-392: the replica the leader pointed at, else the leader.
            let Some(target) = owned
                .preferred_replica
                .or(state.leader)
                .filter(|b| !busy.contains(b))
            else {
                continue;
            };
            by_leader.entry(target).or_default().push(FetchPartition {
                tp: tp.clone(),
                fetch_offset: position,
                last_fetched_epoch: None,
                current_leader_epoch: Some(state.leader_epoch),
                topic_id: self.metadata.topic_id(&tp.topic),
            });
        }
        let max_wait_ms = u32::try_from(self.config.fetch_max_wait.as_millis()).unwrap_or(u32::MAX);
        let min_bytes = self.config.fetch_min_bytes;
        let read_committed = self.config.read_committed;
        let rack_id: Option<std::rc::Rc<str>> = self.config.client_rack.as_deref().map(Into::into);
        let max_bytes = crate::protocol::FetchMaxBytes {
            response: self.config.fetch_max_bytes,
            partition: self.config.max_partition_fetch_bytes,
        }
        .unless_default(crate::protocol::FetchMaxBytes::CONSUMER);
        for (leader, partitions) in by_leader {
            let rack_id = rack_id.clone();
            let client_id = Rc::clone(&self.name);
            let offsets = partitions
                .iter()
                .map(|p| (p.tp.clone(), p.fetch_offset))
                .collect();
            self.request(
                ctx,
                leader,
                InFlight::Fetch {
                    broker: leader,
                    offsets,
                },
                |correlation_id| {
                    let request = FetchRequest {
                        replica_id: None,
                        max_wait_ms,
                        min_bytes,
                        read_committed,
                        rack_id,
                        partitions,
                        max_bytes,
                        // Outside fetch sessions (see `broker::fetch_session`).
                        metadata: Default::default(),
                        forgotten: Default::default(),
                    };
                    let header = RequestHeader::new(ApiKey::Fetch, correlation_id, client_id);
                    Message::Fetch(header, Box::new(request))
                },
            );
        }
    }

    /// `asked`: the fetch offset of each partition in the request.
    pub(super) fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        partitions: Vec<FetchedPartition>,
        asked: &[(TopicPartition, u64)],
    ) {
        let mut out_of_range = Vec::new();
        for fetched in partitions {
            let Some(owned) = self.owned.get_mut(&fetched.tp) else {
                continue;
            };
            match fetched.error {
                ErrorCode::None if fetched.preferred_read_replica.is_some() => {
                    owned.preferred_replica = fetched.preferred_read_replica;
                }
                ErrorCode::None => {
                    // A read_committed consumer's lag is measured to the last stable offset.
                    owned.high_watermark = Some(if self.config.read_committed {
                        fetched.last_stable_offset
                    } else {
                        fetched.high_watermark
                    });
                    // Fetched at the position, not before a seek since; the first record may
                    // lie past it where the cleaner left a gap.
                    let fetched_at = asked
                        .iter()
                        .find(|(tp, _)| *tp == fetched.tp)
                        .map(|&(_, offset)| offset);
                    let fresh = fetched_at.is_some()
                        && fetched_at == owned.position
                        && fetched.records.first().is_some_and(|r| {
                            owned.position.is_some_and(|position| r.offset >= position)
                        });
                    if fresh {
                        let marked = returned_records(
                            fetched.records,
                            &fetched.aborted_transactions,
                            self.config.read_committed,
                        );
                        self.buffer.entry(fetched.tp).or_default().extend(marked);
                    }
                }
                // A follower that is behind the position: back to the leader, no reset.
                ErrorCode::OffsetOutOfRange if owned.preferred_replica.is_some() => {
                    owned.preferred_replica = None;
                }
                // Stale: the position is no longer the one fetched (a seek since the request
                // was sent), so the error says nothing about it (FetchCollector's "Discarding
                // stale fetch response").
                ErrorCode::OffsetOutOfRange
                    if asked
                        .iter()
                        .find(|(tp, _)| *tp == fetched.tp)
                        .map(|&(_, offset)| offset)
                        != owned.position => {}
                // With no reset policy Java keeps the position (position() still answers it)
                // and throws; here the partition is not fetched again until a seek.
                ErrorCode::OffsetOutOfRange => {
                    let position = if self.config.auto_offset_reset == OffsetReset::None {
                        owned.position
                    } else {
                        owned.position.take()
                    };
                    out_of_range.push((fetched.tp, position));
                }
                error if invalidates_metadata(error) => {
                    // A follower that cannot serve sends the consumer back to the leader.
                    owned.preferred_replica = None;
                    owned.fetch_not_before = ctx.now() + self.config.retry_backoff;
                    self.metadata.invalidate();
                }
                _ => owned.preferred_replica = None,
            }
        }
        if self.config.auto_offset_reset == OffsetReset::None && !out_of_range.is_empty() {
            // Java's fetcher throws OffsetOutOfRangeException here; NoOffsetForPartition is
            // for a partition with no committed offset at all.
            let mut named = Vec::new();
            for (tp, position) in &out_of_range {
                if let Some(owned) = self.owned.get_mut(tp) {
                    owned.reset_failed = true;
                }
                let offset = position.map_or_else(|| "unknown".to_owned(), |p| p.to_string());
                named.push(format!(
                    "Fetch position FetchPosition{{offset={offset}}} is out of range for partition {tp}"
                ));
            }
            self.record_exception(
                ctx,
                format!("OffsetOutOfRangeException: {}", named.join("; ")),
            );
            return;
        }
        let partitions = out_of_range.into_iter().map(|(tp, _)| tp).collect();
        self.reset_positions(ctx, partitions);
    }

    /// Commits every owned position (`allConsumed()`). Returns the commit's operation, or none
    /// when there was nothing to commit.
    pub(super) fn commit(&mut self, ctx: &mut Ctx<'_>, kind: &str, sync: bool) -> Option<usize> {
        let offsets: Vec<(TopicPartition, u64)> = self
            .owned
            .iter()
            .filter_map(|(tp, o)| o.position.map(|p| (tp.clone(), p)))
            .collect();
        self.commit_given(ctx, kind, sync, offsets, None)
    }

    /// Commits `offsets`: the consumer's positions (`metadata` None), or offsets the
    /// application gave (`metadata` Some, its text where not empty).
    pub(super) fn commit_given(
        &mut self,
        ctx: &mut Ctx<'_>,
        kind: &str,
        sync: bool,
        offsets: Vec<(TopicPartition, u64)>,
        metadata: Option<Vec<(TopicPartition, String)>>,
    ) -> Option<usize> {
        let Some(group) = self.config.group_id.clone() else {
            if sync {
                self.record_exception(ctx, INVALID_GROUP_ID.to_owned());
                return Some(self.history.len() - 1);
            }
            return None;
        };
        if offsets.is_empty() {
            // Nothing consumed yet: Kafka sends no OffsetCommit.
            return None;
        }
        let request = Request::Commit {
            group,
            offsets,
            kind: kind.to_owned(),
            explicit: metadata.is_some(),
            metadata: metadata.unwrap_or_default(),
        };
        self.history.push(Operation::pending(
            Rc::clone(&self.name),
            request,
            ctx.now(),
        ));
        let operation = self.history.len() - 1;
        if matches!(self.subscription, Subscription::Topics(_))
            && self.member != MemberState::Stable
        {
            let rebalancing =
                self.rejoin || matches!(self.member, MemberState::Joining | MemberState::Syncing);
            let message = if rebalancing {
                REBALANCING.to_owned()
            } else {
                "CommitFailedException: Offset commit cannot be completed since the consumer is \
                 not part of an active group for auto partition assignment; it is likely that \
                 the consumer was kicked out of the group."
                    .to_owned()
            };
            self.finish(ctx, operation, Outcome::Exception { message });
            return Some(operation);
        }
        self.send_commit(ctx, operation, sync);
        Some(operation)
    }

    /// Sends (or, with no coordinator known, queues) the OffsetCommit of an operation.
    pub(super) fn send_commit(&mut self, ctx: &mut Ctx<'_>, operation: usize, sync: bool) {
        let Request::Commit {
            group,
            offsets,
            metadata,
            ..
        } = self.history[operation].request.clone()
        else {
            return;
        };
        let Some(coordinator) = self.coordinator else {
            return self.retry_or_fail_commit(
                ctx,
                operation,
                sync,
                ErrorCode::CoordinatorNotAvailable,
            );
        };
        // ConsumerCoordinator.sendOffsetCommitRequest: a static member's instance id only
        // with group management.
        let (generation_id, member_id, instance) = match self.subscription {
            Subscription::Topics(_) => (
                self.generation,
                self.member_id.clone(),
                self.config.group_instance_id.clone(),
            ),
            Subscription::Partitions(_) => (-1, String::new(), None),
        };
        let kind = InFlight::Commit {
            operation,
            sync,
            offsets: offsets.clone(),
        };
        let request = OffsetCommitRequest {
            group_id: group,
            generation_id,
            member_id,
            offsets,
            metadata: Extension(metadata),
            group_instance_id: Extension(instance),
        };
        self.group_request(ctx, coordinator, kind, GroupRequest::OffsetCommit(request));
    }

    /// A `commitSync()` that threw TimeoutException before its answer came (`late`) is not
    /// retried and its result goes nowhere; what the answer says about the coordinator and
    /// the membership still applies, as `OffsetCommitResponseHandler` runs whoever waits.
    pub(super) fn on_commit_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        operation: usize,
        sync: bool,
        offsets: Vec<(TopicPartition, u64)>,
        error: ErrorCode,
    ) {
        let late = self.history[operation].completed_at.is_some();
        match error {
            ErrorCode::None => {
                for (tp, offset) in offsets {
                    if let Some(owned) = self.owned.get_mut(&tp) {
                        owned.committed = Some(offset);
                    }
                }
                self.finish(ctx, operation, Outcome::Committed);
            }
            error if coordinator_error(error) => {
                self.coordinator_unknown(ctx);
                if !late {
                    self.retry_or_fail_commit(ctx, operation, sync, error);
                }
            }
            ErrorCode::RebalanceInProgress => {
                self.rejoin = true;
                let message = REBALANCING.to_owned();
                self.finish(ctx, operation, Outcome::Exception { message });
            }
            // Another instance took this static member's place: fatal, as the heartbeat's
            // answer would be (ConsumerCoordinator's OffsetCommitResponseHandler raises it).
            ErrorCode::FencedInstanceId => {
                let message = self.fenced_instance();
                self.finish(ctx, operation, Outcome::Exception { message });
                self.fail_fatally(ctx, error);
            }
            ErrorCode::IllegalGeneration | ErrorCode::UnknownMemberId => {
                let message = COMMIT_FAILED.to_owned();
                self.finish(ctx, operation, Outcome::Exception { message });
                self.lose_partitions_after_fencing(ctx, error);
            }
            // STALE_MEMBER_EPOCH (KIP-848) fails the application's `commitSync()`: the
            // consumer's epoch is behind the coordinator's, so the partitions it processed may
            // be another member's by now (CommitRequestManager.commitSyncExceptionForError).
            // Sending it again with a later epoch would commit, over what the new owner
            // committed, offsets this member read before it lost them (fuzz seed 1099 of
            // consumer-protocol). The commit before a revocation retries (below).
            ErrorCode::StaleMemberEpoch if sync && !late && !self.is_auto_commit(operation) => {
                let message = format!(
                    "CommitFailedException: OffsetCommit failed with stale member epoch.{}",
                    error.default_message()
                );
                self.finish(ctx, operation, Outcome::Exception { message });
            }
            // Retriable: `commitSync()` tries again after retry.backoff.ms until
            // default.api.timeout.ms has passed since the call, then throws TimeoutException
            // (ConsumerCoordinator.commitOffsetsSync); `commitAsync()` reports it.
            // STALE_MEMBER_EPOCH of the commit before a revocation
            // (`maybeAutoCommitSyncBeforeRevocation`): the member's epoch moved on while the
            // commit was on its way; it is sent again with the epoch the heartbeat brought.
            ErrorCode::UnknownTopicOrPartition
            | ErrorCode::CoordinatorLoadInProgress
            | ErrorCode::StaleMemberEpoch
                if sync && !late =>
            {
                let retry_at = ctx.now() + self.config.retry_backoff;
                if retry_at < self.commit_deadline(operation) {
                    self.commit_backoff.push((operation, retry_at));
                } else {
                    self.time_out_commit(ctx, operation);
                }
            }
            error => self.finish(
                ctx,
                operation,
                Outcome::Failed {
                    error,
                    message: None,
                },
            ),
        }
    }

    /// Whether a commit is the consumer's own (auto-commit), not the application's.
    fn is_auto_commit(&self, operation: usize) -> bool {
        matches!(&self.history[operation].request, Request::Commit { kind, .. } if kind == "auto")
    }

    /// No coordinator to take the commit: `commitSync()` waits for one and tries again,
    /// `commitAsync()` reports the retriable error to its callback.
    fn retry_or_fail_commit(
        &mut self,
        ctx: &mut Ctx<'_>,
        operation: usize,
        sync: bool,
        error: ErrorCode,
    ) {
        if sync && ctx.now() >= self.commit_deadline(operation) {
            self.time_out_commit(ctx, operation);
        } else if sync {
            self.retry_commit = Some(operation);
        } else {
            let outcome = Outcome::Failed {
                error,
                message: None,
            };
            self.finish(ctx, operation, outcome);
        }
    }

    /// When a `commitSync()` gives up: `default.api.timeout.ms` after the call, the timer
    /// `ConsumerCoordinator.commitOffsetsSync` retries within (finding the coordinator again
    /// included).
    pub(super) fn commit_deadline(&self, operation: usize) -> SimTime {
        self.history[operation].invoked_at + self.config.default_api_timeout
    }

    /// A `commitSync()` waiting for a coordinator, or for the answer to its request, past its
    /// deadline throws: `ConsumerCoordinator.commitOffsetsSync` polls the request's future
    /// only until its timer expires, and `KafkaConsumer.commitSync` then throws
    /// TimeoutException although the request is still out (the coordinator may yet store it).
    pub(super) fn expire_waiting_commit(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(operation) = self.retry_commit
            && ctx.now() >= self.commit_deadline(operation)
        {
            self.retry_commit = None;
            self.time_out_commit(ctx, operation);
        }
        for operation in self.sync_commits_in_flight() {
            if ctx.now() >= self.commit_deadline(operation) {
                self.time_out_commit(ctx, operation);
            }
        }
    }

    /// The `commitSync()` calls whose request is out and unanswered.
    pub(super) fn sync_commits_in_flight(&self) -> Vec<usize> {
        self.in_flight
            .values()
            .filter_map(|f| match f {
                InFlight::Commit {
                    operation,
                    sync: true,
                    ..
                } if self.history[*operation].completed_at.is_none() => Some(*operation),
                _ => None,
            })
            .collect()
    }

    /// The TimeoutException `KafkaConsumer.commitSync` throws when the retries run out.
    fn time_out_commit(&mut self, ctx: &mut Ctx<'_>, operation: usize) {
        let Request::Commit { offsets, .. } = &self.history[operation].request else {
            unreachable!(
                "a commit timed out for {:?}",
                self.history[operation].request
            );
        };
        let message = format!(
            "TimeoutException: Timeout of {}ms expired before successfully committing offsets {}",
            self.config.default_api_timeout.as_millis(),
            java_offsets(offsets)
        );
        self.finish(ctx, operation, Outcome::Exception { message });
    }

    fn lose_partitions_after_fencing(&mut self, ctx: &mut Ctx<'_>, error: ErrorCode) {
        if self.member == MemberState::Stable {
            self.on_heartbeat_response(ctx, error, self.generation);
        }
    }

    /// Ends an operation; a `commitSync()` the application waits for lets it go on. One that
    /// has ended (timed out) stays as it ended.
    fn finish(&mut self, ctx: &mut Ctx<'_>, operation: usize, outcome: Outcome) {
        let op = &mut self.history[operation];
        if op.completed_at.is_some() {
            return;
        }
        op.outcome = outcome;
        op.completed_at = Some(ctx.now());
        if let AppState::Committing {
            operation: waited,
            then_process,
        } = self.app
            && waited == operation
        {
            self.after_commit(ctx, then_process);
        }
    }
}

/// What `poll()` and `position()` throw for partitions with no committed offset under
/// `auto.offset.reset=none` (Java's `NoOffsetForPartitionException`).
pub(super) fn no_offset(partitions: &[TopicPartition]) -> String {
    let names: Vec<String> = partitions.iter().map(ToString::to_string).collect();
    format!(
        "NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [{}]",
        names.join(", ")
    )
}

/// `{t-0=OffsetAndMetadata{offset=5, leaderEpoch=null, metadata=''}}`, as Java prints a map of
/// offsets.
fn java_offsets(offsets: &[(TopicPartition, u64)]) -> String {
    let entries: Vec<String> = offsets
        .iter()
        .map(|(tp, offset)| {
            format!("{tp}=OffsetAndMetadata{{offset={offset}, leaderEpoch=null, metadata=''}}")
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// Which fetched records `poll()` returns, as Java's `CompletedFetch.nextFetchedRecord`
/// decides: never a transaction marker; under read_committed, not the records of a producer
/// from the first offset of one of its aborted transactions up to that transaction's ABORT
/// marker.
fn returned_records(
    records: Vec<Record>,
    aborted: &[(u64, u64)],
    read_committed: bool,
) -> Vec<(Record, bool)> {
    let mut pending: Vec<(u64, u64)> = aborted.to_vec();
    crate::sorted::sort_by_key(&mut pending, |&(_, first)| std::cmp::Reverse(first));
    let mut aborting: BTreeSet<u64> = BTreeSet::new();
    records
        .into_iter()
        .map(|record| {
            while read_committed
                && pending
                    .last()
                    .is_some_and(|&(_, first)| first <= record.offset)
            {
                if let Some((producer_id, _)) = pending.pop() {
                    aborting.insert(producer_id);
                }
            }
            let batch = &record.batch;
            let returned = match (batch.control, batch.producer_id) {
                (Some(control), Some(producer_id)) => {
                    if control == ControlType::Abort {
                        aborting.remove(&producer_id);
                    }
                    false
                }
                (Some(_), None) => false,
                (None, Some(producer_id)) if read_committed && batch.transactional => {
                    !aborting.contains(&producer_id)
                }
                _ => true,
            };
            (record, returned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BatchHeader, RecordData};
    use std::rc::Rc;

    fn record(offset: u64, producer_id: u64, control: Option<ControlType>) -> Record {
        Record::new(
            offset,
            0,
            Rc::new(RecordData::value(&offset.to_string())),
            Rc::new(BatchHeader {
                producer_id: Some(producer_id),
                transactional: control.is_none(),
                control,
                record_count: 1,
                ..BatchHeader::default()
            }),
        )
    }

    #[test]
    fn read_committed_drops_aborted_records_and_every_marker() {
        // Producer 1 aborts (0, 2 → marker 3); producer 2 commits (1 → marker 4); producer 1
        // writes again (5), which is not part of the aborted transaction.
        let records = vec![
            record(0, 1, None),
            record(1, 2, None),
            record(2, 1, None),
            record(3, 1, Some(ControlType::Abort)),
            record(4, 2, Some(ControlType::Commit)),
            record(5, 1, None),
        ];
        let returned = |read_committed| -> Vec<u64> {
            returned_records(records.clone(), &[(1, 0)], read_committed)
                .into_iter()
                .filter(|(_, r)| *r)
                .map(|(r, _)| r.offset)
                .collect()
        };
        assert_eq!(returned(true), [1, 5]);
        assert_eq!(returned(false), [0, 1, 2, 5], "markers are never returned");
    }
}
