//! Offsets given by hand, as the Java `KafkaConsumer` takes them: `seek`, `seekToBeginning`,
//! `seekToEnd` (lazy: the position is resolved by ListOffsets at the next poll), `commitSync` /
//! `commitAsync` of explicit offsets with metadata, `pause` / `resume` of partitions, and the
//! calls that answer: `position`, `committed` and `offsetsForTimes`. Java's answering calls
//! block the application thread up to `default.api.timeout.ms`; here the application goes on
//! and the answer (or the TimeoutException) arrives as an event when it is known.

use super::{Consumer, InFlight};
use crate::event::EventKind;
use crate::node::Ctx;
use crate::protocol::{
    Extension, GroupRequest, Message, OffsetFetchRequest, OffsetFetchResponse, TopicPartition,
};
use crate::time::SimTime;
use std::rc::Rc;

/// ListOffsets' EARLIEST_TIMESTAMP: the log start.
pub(super) const EARLIEST: i64 = -2;
/// ListOffsets' LATEST_TIMESTAMP: the high watermark for a read_uncommitted consumer, the last
/// stable offset for a read_committed one (the request carries the consumer's isolation level,
/// as `OffsetFetcher` builds it with `ListOffsetsRequest.Builder.forConsumer`).
pub(super) const LATEST: i64 = -1;

/// Answers a consumer keeps for its card.
const RECENT_ANSWERS: usize = 4;

/// An offset the application commits explicitly: `OffsetAndMetadata(offset, metadata)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplicitOffset {
    /// The partition.
    pub tp: TopicPartition,
    /// The next offset to read, as given (negative is refused).
    pub offset: i64,
    /// Free text stored with it by the group coordinator.
    pub metadata: String,
}

/// A call that answers, waiting for what it needs.
#[derive(Clone, Debug)]
pub(super) struct Query {
    id: u64,
    call: Call,
    /// `default.api.timeout.ms` after the call.
    deadline: SimTime,
    /// No request before this: `retry.backoff.ms` after an error.
    not_before: SimTime,
}

#[derive(Clone, Debug)]
enum Call {
    Position(TopicPartition),
    Committed(Vec<TopicPartition>),
    OffsetsForTimes(TopicPartition, i64),
}

impl Call {
    /// The call as Java code writes it.
    fn text(&self) -> String {
        match self {
            Call::Position(tp) => format!("position({tp})"),
            Call::Committed(tps) => format!("committed([{}])", names(tps)),
            Call::OffsetsForTimes(tp, timestamp) => {
                format!("offsetsForTimes({{{tp}={timestamp}}})")
            }
        }
    }

    /// What Java's TimeoutException says for it.
    fn timeout(&self, ms: u64) -> String {
        match self {
            Call::Position(tp) => format!(
                "TimeoutException: Timeout of {ms}ms expired before the position for partition {tp} could be determined"
            ),
            Call::Committed(tps) => format!(
                "TimeoutException: Timeout of {ms}ms expired before the last committed offset for partitions [{}] could be determined. Try tuning default.api.timeout.ms larger to relax the threshold.",
                names(tps)
            ),
            Call::OffsetsForTimes(..) => {
                format!("TimeoutException: Failed to get offsets by times in {ms}ms")
            }
        }
    }
}

fn names(tps: &[TopicPartition]) -> String {
    tps.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn no_assignment(tp: &TopicPartition) -> String {
    format!("IllegalStateException: No current assignment for partition {tp}")
}

impl Consumer {
    /// The newest answers of its answering calls, oldest first.
    pub fn answers(&self) -> &std::collections::VecDeque<String> {
        &self.answers
    }

    /// `seek(partition, offset)`: the next poll returns records from `offset`.
    pub fn seek(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        offset: i64,
    ) -> Result<(), String> {
        let Ok(offset) = u64::try_from(offset) else {
            return Err(
                "IllegalArgumentException: seek offset must not be a negative number".to_owned(),
            );
        };
        let owned = self.owned.get_mut(tp).ok_or_else(|| no_assignment(tp))?;
        owned.position = Some(offset);
        owned.pending_reset = None;
        owned.reset_failed = false;
        self.buffer.remove(tp);
        self.pump(ctx);
        Ok(())
    }

    /// `seekToBeginning` (`timestamp` EARLIEST) or `seekToEnd` (LATEST) of these partitions,
    /// or of every assigned one when none are named. Lazy, as in Java: the position is unknown
    /// until the next poll's ListOffsets answers.
    pub fn seek_to(
        &mut self,
        ctx: &mut Ctx<'_>,
        partitions: &[TopicPartition],
        timestamp: i64,
    ) -> Result<(), String> {
        let partitions: Vec<TopicPartition> = if partitions.is_empty() {
            self.owned.keys().cloned().collect()
        } else {
            partitions.to_vec()
        };
        if let Some(tp) = partitions.iter().find(|tp| !self.owned.contains_key(tp)) {
            return Err(no_assignment(tp));
        }
        for tp in &partitions {
            if let Some(owned) = self.owned.get_mut(tp) {
                owned.position = None;
                owned.pending_reset = Some(timestamp);
                owned.reset_failed = false;
            }
            self.buffer.remove(tp);
        }
        self.pump(ctx);
        Ok(())
    }

    /// `pause(partitions)` (or `resume`): a paused partition is not fetched and `poll()`
    /// returns none of its records, but it stays assigned and no rebalance happens.
    pub fn set_paused(
        &mut self,
        ctx: &mut Ctx<'_>,
        partitions: &[TopicPartition],
        paused: bool,
    ) -> Result<(), String> {
        if let Some(tp) = partitions.iter().find(|tp| !self.owned.contains_key(tp)) {
            return Err(no_assignment(tp));
        }
        for tp in partitions {
            if let Some(owned) = self.owned.get_mut(tp) {
                owned.paused = paused;
            }
        }
        self.pump(ctx);
        Ok(())
    }

    /// `commitSync(offsets)` or `commitAsync(offsets, callback)`. A negative offset is refused
    /// before anything is sent, as `OffsetAndMetadata`'s constructor refuses it.
    pub fn commit_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        offsets: &[ExplicitOffset],
        sync: bool,
    ) -> Result<Option<usize>, String> {
        let mut checked = Vec::new();
        let mut metadata = Vec::new();
        for explicit in offsets {
            let Ok(offset) = u64::try_from(explicit.offset) else {
                return Err("IllegalArgumentException: Invalid negative offset".to_owned());
            };
            checked.push((explicit.tp.clone(), offset));
            if !explicit.metadata.is_empty() {
                metadata.push((explicit.tp.clone(), explicit.metadata.clone()));
            }
        }
        let kind = if sync { "sync" } else { "async" };
        if sync {
            // A call of its own: its coordinator lookups start from the first backoff.
            self.coordinator_attempts = 0;
        }
        let operation = self.commit_given(ctx, kind, sync, checked, Some(metadata));
        self.pump(ctx);
        Ok(operation)
    }

    /// The application's own commit of a batch it processed (`app.commit=explicit`): each
    /// partition's last processed offset + 1, with a note of who processed it, as a careful
    /// Java application builds its `Map<TopicPartition, OffsetAndMetadata>` from the records
    /// it handled, never from `position()` (which may be ahead of what was processed).
    pub(super) fn commit_processed(
        &mut self,
        ctx: &mut Ctx<'_>,
        poll: usize,
        sync: bool,
    ) -> Option<usize> {
        let mut next: std::collections::BTreeMap<TopicPartition, u64> = Default::default();
        for record in self.history[poll].outcome.processed_records() {
            let offset = next.entry(record.tp.clone()).or_default();
            *offset = (*offset).max(record.offset + 1);
        }
        let note = format!("processed by {}", self.name);
        let metadata = next.keys().map(|tp| (tp.clone(), note.clone())).collect();
        let kind = if sync { "sync" } else { "async" };
        self.commit_given(ctx, kind, sync, next.into_iter().collect(), Some(metadata))
    }

    /// `position(partition)`: answered at once when known, else when the committed offset or
    /// the reset policy gives one.
    pub fn ask_position(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) -> Result<(), String> {
        if !self.owned.contains_key(tp) {
            return Err(
                "IllegalStateException: You can only check the position for \
                partitions assigned to this consumer."
                    .to_owned(),
            );
        }
        self.add_query(ctx, Call::Position(tp.clone()));
        Ok(())
    }

    /// `committed(partitions)`: an OffsetFetch to the group coordinator.
    pub fn ask_committed(
        &mut self,
        ctx: &mut Ctx<'_>,
        partitions: &[TopicPartition],
    ) -> Result<(), String> {
        if self.config.group_id.is_none() {
            return Err(super::fetcher::INVALID_GROUP_ID.to_owned());
        }
        self.add_query(ctx, Call::Committed(partitions.to_vec()));
        Ok(())
    }

    /// `offsetsForTimes({partition=timestamp})`: a ListOffsets by timestamp to the leader.
    pub fn ask_offsets_for_times(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        timestamp: i64,
    ) -> Result<(), String> {
        if timestamp < 0 {
            return Err(format!(
                "IllegalArgumentException: The target time for partition {tp} is {timestamp}. The target time cannot be negative."
            ));
        }
        self.add_query(ctx, Call::OffsetsForTimes(tp.clone(), timestamp));
        Ok(())
    }

    fn add_query(&mut self, ctx: &mut Ctx<'_>, call: Call) {
        self.next_query_id += 1;
        let deadline = ctx.now() + self.config.default_api_timeout;
        self.queries.push(Query {
            id: self.next_query_id,
            call,
            deadline,
            not_before: ctx.now(),
        });
        self.pump(ctx);
    }

    fn answer(&mut self, ctx: &mut Ctx<'_>, call: &Call, answer: String) {
        if self.answers.len() == RECENT_ANSWERS {
            self.answers.pop_front();
        }
        self.answers
            .push_back(format!("{} → {answer}", call.text()));
        ctx.emit(EventKind::ConsumerAnswered {
            consumer: self.name.to_string(),
            call: call.text(),
            answer,
        });
    }

    /// Answers what can be answered, sends what needs a request, times out the rest; and
    /// resends a `commitSync()` backing off after a retriable error.
    pub(super) fn pump_queries(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let (due, waiting) = std::mem::take(&mut self.commit_backoff)
            .into_iter()
            .partition(|&(_, at)| now >= at);
        self.commit_backoff = waiting;
        for (operation, _) in due {
            self.send_commit(ctx, operation, true);
        }
        for query in std::mem::take(&mut self.queries) {
            let in_flight = self.has_in_flight(|f| {
                matches!(f, InFlight::Committed { query: q } | InFlight::OffsetsForTimes { query: q, .. } if *q == query.id)
            });
            if let Call::Position(tp) = &query.call {
                match self.owned.get(tp) {
                    Some(owned) if owned.position.is_some() => {
                        let position = owned.position.unwrap_or_default();
                        self.answer(ctx, &query.call, position.to_string());
                        continue;
                    }
                    // No committed offset and auto.offset.reset=none: Java's position() throws
                    // at once (`SubscriptionState.resetInitializingPositions`), it does not
                    // wait out default.api.timeout.ms.
                    Some(owned) if owned.reset_failed => {
                        self.answer(
                            ctx,
                            &query.call,
                            super::fetcher::no_offset(std::slice::from_ref(tp)),
                        );
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        self.answer(ctx, &query.call, no_assignment(tp));
                        continue;
                    }
                }
            }
            if now >= query.deadline {
                let ms = self.config.default_api_timeout.as_millis();
                self.answer(ctx, &query.call, query.call.timeout(ms));
                continue;
            }
            if !in_flight && now >= query.not_before {
                self.send_query(ctx, &query);
            }
            self.queries.push(query);
        }
    }

    fn send_query(&mut self, ctx: &mut Ctx<'_>, query: &Query) {
        match &query.call {
            Call::Position(_) => {}
            Call::Committed(partitions) => {
                let (Some(group_id), Some(coordinator)) =
                    (self.config.group_id.clone(), self.coordinator)
                else {
                    return;
                };
                let kind = InFlight::Committed { query: query.id };
                let request = OffsetFetchRequest::stable(group_id, partitions.clone());
                self.group_request(ctx, coordinator, kind, GroupRequest::OffsetFetch(request));
            }
            Call::OffsetsForTimes(tp, timestamp) => {
                let Some(leader) = self.metadata.leader(tp) else {
                    self.metadata.invalidate();
                    return;
                };
                let partitions = vec![(tp.clone(), *timestamp)];
                let kind = InFlight::OffsetsForTimes { query: query.id };
                let (read_committed, client_id) =
                    (self.config.read_committed, Rc::clone(&self.name));
                self.request(ctx, leader, kind, |correlation_id| {
                    Message::list_offsets(correlation_id, client_id, partitions, read_committed)
                });
            }
        }
    }

    /// The next moment after `now` a waiting call times out or is asked again, or a commit is
    /// resent or gives up waiting for a coordinator. Moments already past are left out here, not by the caller: a call that cannot
    /// be sent (no leader, or `position()` waiting on nothing) keeps a `not_before` in the
    /// past, which would otherwise hide its deadline and let the TimeoutException come late.
    pub(super) fn next_query_deadline(&self, now: SimTime) -> Option<SimTime> {
        let backoff = self.commit_backoff.iter().map(|&(_, at)| at);
        let waiting_commit = self
            .retry_commit
            .into_iter()
            .chain(self.sync_commits_in_flight())
            .map(|op| self.commit_deadline(op));
        let queries = self.queries.iter().flat_map(|q| [q.deadline, q.not_before]);
        queries
            .chain(backoff)
            .chain(waiting_commit)
            .filter(|&at| at > now)
            .min()
    }

    /// A call's request failed: ask again after `retry.backoff.ms`, within its timeout.
    fn back_off(&mut self, ctx: &mut Ctx<'_>, id: u64) {
        let at = ctx.now() + self.config.retry_backoff;
        if let Some(query) = self.queries.iter_mut().find(|q| q.id == id) {
            query.not_before = at;
        }
    }

    fn take_query(&mut self, id: u64) -> Option<Query> {
        let index = self.queries.iter().position(|q| q.id == id)?;
        Some(self.queries.remove(index))
    }

    /// OffsetFetch answered a `committed()` call.
    pub(super) fn on_committed_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        query: u64,
        response: OffsetFetchResponse,
    ) {
        let OffsetFetchResponse {
            error,
            offsets,
            metadata: Extension(metadata),
        } = response;
        if error != crate::error::ErrorCode::None {
            // Retriable (a coordinator moving, offsets pending in a transaction): asked again
            // after retry.backoff.ms, within the call's timeout.
            if super::membership::coordinator_error(error) {
                self.coordinator_unknown(ctx);
            }
            return self.back_off(ctx, query);
        }
        let Some(query) = self.take_query(query) else {
            return;
        };
        let entries: Vec<String> = offsets
            .iter()
            .map(|(tp, offset)| match offset {
                Some(offset) => {
                    let text = metadata
                        .iter()
                        .find(|(m, _)| m == tp)
                        .map_or("", |(_, text)| text.as_str());
                    format!("{tp}=OffsetAndMetadata{{offset={offset}, leaderEpoch=null, metadata='{text}'}}")
                }
                None => format!("{tp}=null"),
            })
            .collect();
        self.answer(ctx, &query.call, format!("{{{}}}", entries.join(", ")));
    }

    /// ListOffsets answered an `offsetsForTimes()` call.
    pub(super) fn on_offsets_for_times_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        query: u64,
        partitions: Vec<(TopicPartition, crate::error::ErrorCode, u64)>,
        found: Vec<(TopicPartition, u64, u64)>,
    ) {
        if partitions
            .iter()
            .any(|(_, e, _)| *e != crate::error::ErrorCode::None)
        {
            // NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION: metadata again, then retry
            // within the timeout (Java's OffsetFetcher does the same).
            self.metadata.invalidate();
            return self.back_off(ctx, query);
        }
        let Some(query) = self.take_query(query) else {
            return;
        };
        let Call::OffsetsForTimes(tp, _) = &query.call else {
            unreachable!("an offsetsForTimes answer for {:?}", query.call);
        };
        let answer = match found.iter().find(|(f, ..)| f == tp) {
            Some((_, offset, timestamp)) => {
                format!("{{{tp}=(timestamp={timestamp}, leaderEpoch=null, offset={offset})}}")
            }
            None => format!("{{{tp}=null}}"),
        };
        self.answer(ctx, &query.call, answer);
    }
}
