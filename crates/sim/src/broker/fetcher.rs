//! The replica fetcher: a follower keeps one Fetch in flight per leader broker, for every
//! partition it follows there, and sends the next as soon as the answer arrives (the leader
//! holds a fetch with nothing to return for `replica.fetch.wait.max.ms`). A diverging epoch in
//! the answer makes it truncate its log first (KIP-595 style, building on KIP-101/KIP-279).
//! Its fetches to one leader form a fetch session (KIP-227, `broker::fetch_session`): after
//! the first, each lists only the partitions whose fetch offset or epochs changed.

use super::Broker;
use super::fetch_session::next_epoch;
use crate::alarm::Alarm;
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::partition_map::PartitionMap;
use crate::protocol::{
    ApiKey, BrokerId, Extension, FetchMaxBytes, FetchMetadata, FetchPartition, FetchRequest,
    FetchResponse, FetchedPartition, Message, RequestHeader, TopicId, TopicPartition,
};
use crate::time::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One leader's fetch session, as the follower keeps it (Kafka's `FetchSessionHandler`,
/// KIP-227): what the leader's session holds of each partition, and what to send next.
#[derive(Clone, Debug, Default)]
struct Session {
    /// The fetch in flight, and when it times out (`replica.socket.timeout.ms`).
    in_flight: Option<(u64, SimTime)>,
    /// The session the next fetch names (0: none, so a new one) and its epoch in it (0: a
    /// full fetch).
    next: (u32, i32),
    /// The fetch in flight is a full one.
    full_in_flight: bool,
    /// Every partition of the session as the leader holds it once the fetch in flight
    /// arrives, in partition order: their fetch offsets are where the answer's records start.
    sent: Vec<FetchPartition>,
    /// The indexes in `sent` of the partitions whose fetch state may have moved since `sent`
    /// was last brought up to date: those the answers since held. `None` when any may have:
    /// a new session, the followed partitions found again after a metadata change, an answer
    /// with a partition `sent` does not list. Only an answer moves a followed replica's log end
    /// or last epoch (retention and the cleaner keep both; a crash starts the fetchers
    /// afresh), so the next fetch compares only these.
    moved: Option<Vec<usize>>,
    backing_off: bool,
    /// A slow follower has waited its extra delay since its last fetch.
    delay_served: bool,
    /// The backoff under way is that extra delay (not `replica.fetch.backoff.ms`).
    delaying: bool,
    /// The delay was lifted before its timer fired: that timer has nothing left to end.
    delay_lifted: bool,
}

impl Session {
    /// The fetch to send for `wanted` (every partition followed from this leader, in order):
    /// all of them in a full fetch, else those whose fetch state changed and those dropped.
    ///
    /// What was sent is updated into what is wanted where it is: a follower fetches several
    /// times a second, each time for dozens of partitions, nearly all of them as they were,
    /// and a partition that has not moved is compared but not copied. Only when partitions
    /// came or went are both lists merged into a new one.
    fn next_fetch(
        &mut self,
        wanted: &[Wanted<'_>],
    ) -> (FetchMetadata, Vec<FetchPartition>, Vec<TopicPartition>) {
        let (changed, forgotten) = if self.sent.len() == wanted.len()
            && self
                .sent
                .iter()
                .zip(wanted)
                .all(|(sent, w)| sent.tp == *w.tp)
        {
            // The same partitions as last time, as nearly always: updated where they are.
            let mut changed = Vec::new();
            for (sent, wanted) in self.sent.iter_mut().zip(wanted) {
                wanted.update_into(sent, &mut changed);
            }
            (changed, Vec::new())
        } else {
            self.merge(wanted)
        };
        self.fetch(changed, forgotten)
    }

    /// [`next_fetch`](Self::next_fetch) when only the partitions at `moved` (indexes into
    /// `sent`, which lists `followed` as it is) may have changed: the others are not looked
    /// at. `want` tells a followed partition's fetch state now.
    fn next_fetch_of_moved<'a>(
        &mut self,
        moved: &mut Vec<usize>,
        followed: &'a [TopicPartition],
        want: impl Fn(&'a TopicPartition) -> Wanted<'a>,
    ) -> (FetchMetadata, Vec<FetchPartition>, Vec<TopicPartition>) {
        debug_assert!(
            self.sent.len() == followed.len()
                && self
                    .sent
                    .iter()
                    .zip(followed)
                    .all(|(sent, tp)| sent.tp == *tp),
            "the followed partitions changed without the moved ones forgotten: {followed:?}, \
             sent {:?}",
            self.sent
        );
        // In `sent`'s order, as a look at every partition would list them.
        moved.sort_unstable();
        moved.dedup();
        let mut changed = Vec::new();
        for &at in moved.iter() {
            // Cheap (the same `Rc` names), and kept in release builds: a slip here would ask
            // for one partition with another's offsets.
            assert_eq!(self.sent[at].tp, followed[at], "sent {:?}", self.sent);
            want(&followed[at]).update_into(&mut self.sent[at], &mut changed);
        }
        moved.clear();
        #[cfg(debug_assertions)]
        if let Some((tp, sent)) = followed
            .iter()
            .zip(&self.sent)
            .find(|(tp, sent)| !want(tp).is(sent))
        {
            panic!(
                "{tp}'s fetch state moved outside an answer: now {:?}, sent {sent:?}",
                want(tp)
            );
        }
        self.fetch(changed, Vec::new())
    }

    /// The fetch that carries `changed` and `forgotten` in this session: all of `sent` when
    /// it is a full one.
    fn fetch(
        &mut self,
        changed: Vec<FetchPartition>,
        forgotten: Vec<TopicPartition>,
    ) -> (FetchMetadata, Vec<FetchPartition>, Vec<TopicPartition>) {
        let (session_id, epoch) = self.next;
        let metadata = FetchMetadata { session_id, epoch };
        self.full_in_flight = metadata.is_full();
        if metadata.is_full() {
            (metadata, self.sent.clone(), Vec::new())
        } else {
            (metadata, changed, forgotten)
        }
    }

    /// Makes `sent` what is `wanted` when partitions came or went since the last fetch:
    /// the partitions new or changed, and those no longer wanted.
    fn merge(&mut self, wanted: &[Wanted<'_>]) -> (Vec<FetchPartition>, Vec<TopicPartition>) {
        let before = std::mem::take(&mut self.sent);
        let (mut changed, mut forgotten) = (Vec::new(), Vec::new());
        let mut before = before.into_iter().peekable();
        for partition in wanted {
            debug_assert!(
                self.sent
                    .last()
                    .is_none_or(|last: &FetchPartition| last.tp < *partition.tp),
                "a fetch lists its partitions in order: {} after {:?}",
                partition.tp,
                self.sent
            );
            let mut was = None;
            while let Some(sent) = before.peek() {
                match sent.tp.cmp(partition.tp) {
                    Ordering::Less => forgotten.extend(before.next().map(|p| p.tp)),
                    Ordering::Equal => {
                        was = before.next();
                        break;
                    }
                    Ordering::Greater => break,
                }
            }
            let mut now = was.unwrap_or_else(|| FetchPartition {
                tp: partition.tp.clone(),
                fetch_offset: 0,
                last_fetched_epoch: None,
                current_leader_epoch: None,
                topic_id: None,
            });
            partition.update_into(&mut now, &mut changed);
            self.sent.push(now);
        }
        forgotten.extend(before.map(|p| p.tp));
        (changed, forgotten)
    }

    /// The fetch in flight failed or got no answer: the next one closes the session and
    /// starts a new one (`FetchSessionHandler.handleError`).
    fn close(&mut self) {
        self.next.1 = 0;
    }
}

/// A followed partition's fetch state as its replica has it now, borrowed from the replica:
/// what its next fetch would ask, made into a `FetchPartition` only when that has changed.
#[derive(Clone, Copy, Debug)]
struct Wanted<'a> {
    tp: &'a TopicPartition,
    fetch_offset: u64,
    last_fetched_epoch: Option<u32>,
    current_leader_epoch: u32,
    topic_id: &'a TopicId,
}

impl Wanted<'_> {
    /// Whether `sent`, what was last sent for this partition, asks for exactly this.
    fn is(&self, sent: &FetchPartition) -> bool {
        debug_assert_eq!(sent.tp, *self.tp, "compared with another partition");
        sent.fetch_offset == self.fetch_offset
            && sent.last_fetched_epoch == self.last_fetched_epoch
            && sent.current_leader_epoch == Some(self.current_leader_epoch)
            && sent.topic_id.as_ref() == Some(self.topic_id)
    }

    /// Makes `sent` ask for this if it does not (its names are kept rather than copied
    /// again), and lists it in `changed` then.
    fn update_into(&self, sent: &mut FetchPartition, changed: &mut Vec<FetchPartition>) {
        if self.is(sent) {
            return;
        }
        sent.fetch_offset = self.fetch_offset;
        sent.last_fetched_epoch = self.last_fetched_epoch;
        sent.current_leader_epoch = Some(self.current_leader_epoch);
        if sent.topic_id.as_ref() != Some(self.topic_id) {
            sent.topic_id = Some(self.topic_id.clone());
        }
        changed.push(sent.clone());
    }
}

/// The partitions followed from each leader, in leader and partition order.
type Followed = Rc<[(BrokerId, Vec<TopicPartition>)]>;

/// Fetch sessions by leader broker.
#[derive(Clone, Debug)]
pub(crate) struct Fetchers {
    sessions: BTreeMap<BrokerId, Session>,
    /// The `ReplicaFetchTimeouts` timers for the fetches' deadlines (a fetch is mostly
    /// answered within `replica.fetch.wait.max.ms`, and a timer each would wait 30 s for
    /// nothing).
    timeouts: Alarm,
    /// The client id of the fetches, as Kafka's `ReplicaFetcherThread` names its client.
    client_id: Rc<str>,
    /// The partitions followed from each leader, in leader and partition order, as the
    /// replicas' states say; `None` once they may have changed. Found by walking every
    /// hosted replica, which after every fetch answer cost more than the fetch itself.
    followed: Option<Followed>,
}

impl Fetchers {
    /// Broker `broker`'s fetchers, with no session yet.
    pub(crate) fn new(broker: BrokerId) -> Self {
        Fetchers {
            sessions: BTreeMap::new(),
            timeouts: Alarm::default(),
            client_id: Rc::from(format!("broker-{broker}-fetcher-0")),
            followed: None,
        }
    }

    /// Replicas may have come or gone, or their leaders changed: the partitions followed
    /// are found again at the next fetch.
    pub(crate) fn forget_followed(&mut self) {
        self.followed = None;
        for session in self.sessions.values_mut() {
            session.moved = None;
        }
    }

    /// The leader whose session has the fetch `correlation_id` in flight.
    fn leader_of(&self, correlation_id: u64) -> Option<BrokerId> {
        let mut sessions = self.sessions.iter();
        let found = sessions.find(|(_, s)| s.in_flight.is_some_and(|(id, _)| id == correlation_id));
        found.map(|(&leader, _)| leader)
    }
}

/// The partitions `me` follows from each leader, in leader and partition order.
fn followed_by_leader(replicas: &PartitionMap<super::Replica>, me: BrokerId) -> Followed {
    let mut followed: Vec<(BrokerId, Vec<TopicPartition>)> = Vec::new();
    replicas.for_each(|tp, replica| {
        let leader = replica.state.as_ref().and_then(|s| s.leader);
        let Some(leader) = leader.filter(|&leader| leader != me) else {
            return;
        };
        match followed.iter_mut().find(|(l, _)| *l == leader) {
            Some((_, partitions)) => partitions.push(tp.clone()),
            None => followed.push((leader, vec![tp.clone()])),
        }
    });
    followed.sort_unstable_by_key(|&(leader, _)| leader);
    followed.into()
}

impl Broker {
    /// Sends a Fetch to every leader that has none in flight.
    pub(super) fn maybe_fetch(&mut self, ctx: &mut Ctx<'_>) {
        let me = self.id;
        let replicas = &self.replicas;
        let followed = self
            .fetchers
            .followed
            .get_or_insert_with(|| followed_by_leader(replicas, me));
        debug_assert!(
            **followed == *followed_by_leader(replicas, me),
            "broker {me} follows partitions it did not find again: {followed:?}"
        );
        let followed = Rc::clone(followed);
        for (leader, partitions) in followed.iter() {
            let leader = *leader;
            let session = self.fetchers.sessions.entry(leader).or_default();
            if session.in_flight.is_some() || session.backing_off {
                continue;
            }
            let Some(&node) = self.directory.get(&leader) else {
                continue;
            };
            if self.fetch_delay > SimDuration::ZERO && !session.delay_served {
                session.backing_off = true;
                session.delaying = true;
                ctx.set_timer(self.fetch_delay, Timer::ReplicaFetchBackoff { leader });
                continue;
            }
            let want = |tp| {
                let replica = self.replicas.get(tp);
                let replica = replica.expect("a followed partition is hosted");
                let state = replica
                    .state
                    .as_ref()
                    .expect("a followed partition's state");
                Wanted {
                    tp,
                    fetch_offset: replica.log.log_end_offset(),
                    last_fetched_epoch: replica.log.last_epoch(),
                    current_leader_epoch: state.leader_epoch,
                    topic_id: &replica.topic_id,
                }
            };
            let (fetch, moved) = match session.moved.take() {
                Some(mut moved) => {
                    let fetch = session.next_fetch_of_moved(&mut moved, partitions, want);
                    (fetch, moved)
                }
                None => {
                    let wanted: Vec<Wanted<'_>> = partitions.iter().map(want).collect();
                    (session.next_fetch(&wanted), Vec::new())
                }
            };
            session.moved = Some(moved);
            let (metadata, partitions, forgotten) = fetch;
            self.next_correlation_id += 1;
            let correlation_id = self.next_correlation_id;
            let deadline = ctx.now() + self.config.replica_socket_timeout;
            session.in_flight = Some((correlation_id, deadline));
            session.delay_served = false;
            let max_wait_ms =
                u32::try_from(self.config.replica_fetch_wait_max.as_millis()).unwrap_or(u32::MAX);
            let request = FetchRequest {
                replica_id: Some(me),
                max_wait_ms,
                min_bytes: 1,
                read_committed: false,
                rack_id: None,
                partitions,
                max_bytes: FetchMaxBytes {
                    partition: self.config.replica_fetch_max_bytes,
                    ..FetchMaxBytes::REPLICA
                }
                .unless_default(FetchMaxBytes::REPLICA),
                metadata: Extension(metadata),
                forgotten: Extension(forgotten),
            };
            let client_id = Rc::clone(&self.fetchers.client_id);
            let header = RequestHeader::new(ApiKey::Fetch, correlation_id, client_id);
            ctx.send(node, Message::Fetch(header, Box::new(request)));
            self.fetchers
                .timeouts
                .arm(ctx, deadline, Timer::ReplicaFetchTimeouts);
        }
    }

    pub(super) fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        response: FetchResponse,
    ) {
        let Some(leader) = self.fetchers.leader_of(correlation_id) else {
            return;
        };
        if self.directory.get(&leader) != Some(&from) {
            return;
        }
        let session = self.fetchers.sessions.entry(leader).or_default();
        session.in_flight = None;
        // As `FetchSessionHandler.handleResponse`: a session the leader does not know (it
        // restarted) is started afresh, one out of step is closed and started afresh; the
        // fetch goes again at once, in full.
        match response.error.0 {
            ErrorCode::None => {}
            ErrorCode::FetchSessionIdNotFound => {
                session.next = (0, 0);
                return self.maybe_fetch(ctx);
            }
            _ => {
                session.close();
                return self.maybe_fetch(ctx);
            }
        }
        session.next = match (session.full_in_flight, response.session_id.0) {
            (true, 0) => (0, 0),
            (true, id) => (id, next_epoch(0)),
            (false, _) => (session.next.0, next_epoch(session.next.1)),
        };
        let sent = std::mem::take(&mut session.sent);
        let mut moved = session.moved.take();
        let mut failed = false;
        for fetched in response.partitions {
            failed |= fetched.error != ErrorCode::None;
            let at = sent.binary_search_by(|p| p.tp.cmp(&fetched.tp)).ok();
            match (at, &mut moved) {
                (Some(at), Some(moved)) => moved.push(at),
                // Not a partition of the session: whatever it moved is found by looking at
                // them all.
                (None, _) => moved = None,
                (Some(_), None) => {}
            }
            self.apply_fetched(ctx, leader, fetched, at.map(|at| &sent[at]));
        }
        let session = self.fetchers.sessions.entry(leader).or_default();
        session.sent = sent;
        // All looked at by the next fetch if the followed partitions were forgotten during
        // this answer (nothing above forgets them now; this keeps it so if something does).
        session.moved = moved.filter(|_| self.fetchers.followed.is_some());
        if failed {
            session.backing_off = true;
            ctx.set_timer(
                self.config.replica_fetch_backoff,
                Timer::ReplicaFetchBackoff { leader },
            );
        }
        self.maybe_fetch(ctx);
    }

    /// Applies one partition of a fetch answer, if this broker still follows `leader` there.
    /// `asked`: the partition as the request asked for it.
    fn apply_fetched(
        &mut self,
        ctx: &mut Ctx<'_>,
        leader: BrokerId,
        fetched: FetchedPartition,
        asked: Option<&FetchPartition>,
    ) {
        let me = self.id;
        let Some(replica) = self.replicas.get_mut(&fetched.tp) else {
            return;
        };
        if replica.state.as_ref().and_then(|s| s.leader) != Some(leader) {
            return;
        }
        // Asked for a topic since deleted and created again under its name: the answer is of
        // the old topic's log, not of this replica's.
        if asked.is_some_and(|p| p.topic_id.as_ref() != Some(&replica.topic_id)) {
            return;
        }
        let fetched_at = asked.map(|p| p.fetch_offset);
        let leader_start = fetched.log_start_offset.0;
        if fetched.error == ErrorCode::OffsetOutOfRange
            && leader_start > replica.log.log_end_offset()
        {
            // Behind the leader's log start (retention deleted what it needs next): start over
            // there with an empty log (`ReplicaFetcherThread`'s `truncateFullyAndStartAt`).
            let from = replica.log.log_end_offset();
            let removed = replica.log.truncate_fully_and_start_at(leader_start);
            replica.producers = super::ProducerStates::rebuild(replica.log.records());
            ctx.emit(EventKind::FollowerTruncated {
                broker: me,
                tp: fetched.tp.clone(),
                from,
                to: leader_start,
                removed,
                removed_epoch: None,
            });
            return;
        }
        if fetched.error != ErrorCode::None {
            return;
        }
        let log = &mut replica.log;
        if let Some((epoch, leader_end)) = fetched.diverging_epoch {
            let own_end = log.end_offset_for_epoch(epoch).map_or(0, |(_, end)| end);
            let to = leader_end.min(own_end).min(log.log_end_offset());
            let from_offset = log.log_end_offset();
            let removed_epoch = log.read(to, u64::MAX, 1).next().map(|r| r.leader_epoch);
            let removed = log.truncate_to(to);
            replica.producers = super::ProducerStates::rebuild(replica.log.records());
            // Only a truncation that removed records is news (an epoch boundary that the
            // follower's log already ends at is not).
            if removed > 0 {
                ctx.emit(EventKind::FollowerTruncated {
                    broker: me,
                    tp: fetched.tp.clone(),
                    from: from_offset,
                    to,
                    removed,
                    removed_epoch,
                });
                self.wake_parked(ctx, &fetched.tp);
            }
            return;
        }
        // Fetched at the log end offset, which has not moved since; the first record may lie
        // past it where the leader's cleaner left a gap.
        if fetched_at == Some(log.log_end_offset())
            && fetched
                .records
                .first()
                .is_some_and(|r| r.offset >= log.log_end_offset())
        {
            log.append_as_follower(&fetched.records, replica.roll);
            // Followers keep the idempotence state too, so a new leader still recognises a
            // retried batch.
            replica.producers.record_log(&fetched.records);
        }
        let hw = fetched.high_watermark.min(log.log_end_offset());
        if hw > log.high_watermark() {
            log.set_high_watermark(hw);
            // Consumers fetching from this follower (KIP-392) read up to its high watermark;
            // as Kafka's `ReplicaFetcherThread.completeDelayedFetchRequests`.
            self.wake_parked(ctx, &fetched.tp);
        }
        if leader_start > 0 {
            self.follow_log_start(ctx, &fetched.tp, leader_start);
        }
    }

    /// A `ReplicaFetchTimeouts` timer went off: the sessions whose fetch got no answer in time
    /// are closed and fetch again in full; the timer for the next deadline is armed.
    pub(super) fn on_replica_fetch_timeouts(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        self.fetchers.timeouts.went_off(now);
        let mut timed_out = false;
        for session in self.fetchers.sessions.values_mut() {
            if session
                .in_flight
                .is_some_and(|(_, deadline)| deadline <= now)
            {
                session.in_flight = None;
                session.close();
                timed_out = true;
            }
        }
        if timed_out {
            self.maybe_fetch(ctx);
        }
        let fetchers = &mut self.fetchers;
        let next = fetchers.sessions.values().filter_map(|s| s.in_flight);
        let next = next.map(|(_, deadline)| deadline);
        fetchers
            .timeouts
            .arm_earliest(ctx, next, Timer::ReplicaFetchTimeouts);
    }

    /// The leader a fetch went to died before answering (its connection was reset): the
    /// session is closed and this leader is fetched from again after `replica.fetch.backoff.ms`,
    /// as `AbstractFetcherThread` delays the partitions of a fetch that failed. False when
    /// `correlation_id` is no fetch in flight.
    pub(super) fn on_fetch_connection_reset(
        &mut self,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
    ) -> bool {
        let Some(leader) = self.fetchers.leader_of(correlation_id) else {
            return false;
        };
        let session = self.fetchers.sessions.entry(leader).or_default();
        session.in_flight = None;
        session.close();
        session.backing_off = true;
        ctx.set_timer(
            self.config.replica_fetch_backoff,
            Timer::ReplicaFetchBackoff { leader },
        );
        true
    }

    pub(super) fn on_replica_fetch_backoff(&mut self, ctx: &mut Ctx<'_>, leader: BrokerId) {
        let session = self.fetchers.sessions.entry(leader).or_default();
        if std::mem::take(&mut session.delay_lifted) {
            return;
        }
        session.backing_off = false;
        session.delay_served = true;
        session.delaying = false;
        self.maybe_fetch(ctx);
    }

    /// The slow-follower delay was lifted: fetches waiting it out go now.
    pub(super) fn end_delay_waits(&mut self, ctx: &mut Ctx<'_>) {
        for session in self.fetchers.sessions.values_mut() {
            if session.delaying {
                session.backing_off = false;
                session.delaying = false;
                session.delay_lifted = true;
            }
        }
        self.maybe_fetch(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::super::fetch_session::tests::wants;
    use super::*;

    fn listed(partitions: &[FetchPartition]) -> Vec<u32> {
        partitions.iter().map(|p| p.tp.partition).collect()
    }

    /// `partitions`, each as a replica's fetch state would be borrowed.
    fn wanted(partitions: &[FetchPartition]) -> Vec<Wanted<'_>> {
        let wanted = partitions.iter().map(|p| Wanted {
            tp: &p.tp,
            fetch_offset: p.fetch_offset,
            last_fetched_epoch: p.last_fetched_epoch,
            current_leader_epoch: p.current_leader_epoch.expect("a follower names its epoch"),
            topic_id: p
                .topic_id
                .as_ref()
                .expect("a follower names the topic's id"),
        });
        wanted.collect()
    }

    #[test]
    fn after_the_full_fetch_a_follower_sends_what_changed_and_what_it_dropped() {
        let mut session = Session::default();
        let (metadata, partitions, forgotten) =
            session.next_fetch(&wanted(&[wants(0, 5), wants(1, 5), wants(2, 5)]));
        assert_eq!(
            metadata,
            FetchMetadata::full(0),
            "the first fetch asks for a session"
        );
        assert_eq!((listed(&partitions), forgotten.len()), (vec![0, 1, 2], 0));
        // The answer gave session 7; the next fetch is its epoch 1.
        session.next = (7, next_epoch(0));
        let (metadata, partitions, forgotten) =
            session.next_fetch(&wanted(&[wants(0, 5), wants(1, 6), wants(3, 0)]));
        let incremental = FetchMetadata {
            session_id: 7,
            epoch: 1,
        };
        assert_eq!(metadata, incremental);
        assert_eq!(listed(&partitions), [1, 3], "moved and added");
        assert_eq!(forgotten, [TopicPartition::new("orders", 2)]);
        assert_eq!(
            listed(&session.sent),
            [0, 1, 3],
            "the session as the leader holds it"
        );
        // A fetch that failed closes the session: the next lists everything again.
        session.close();
        let (metadata, partitions, _) = session.next_fetch(&wanted(&[wants(0, 5), wants(1, 6)]));
        assert_eq!(metadata, FetchMetadata::full(7));
        assert_eq!(listed(&partitions), [0, 1]);
    }

    proptest::proptest! {
        /// The session's update says what the plain definition says: a full fetch lists every
        /// wanted partition; an incremental one lists the wanted partitions not sent as they
        /// are now and forgets the sent partitions no longer wanted; the session then holds
        /// what is wanted. Offsets, epochs and topic ids each vary.
        #[test]
        fn changes_are_what_differs_from_the_last_fetch(
            sent in proptest::collection::btree_map(0u32..24, (0u64..3, 0u32..2, 0u32..2), 0..16),
            wanted_now in proptest::collection::btree_map(0u32..24, (0u64..3, 0u32..2, 0u32..2), 0..16),
            full in proptest::bool::ANY,
        ) {
            let list = |m: &BTreeMap<u32, (u64, u32, u32)>| -> Vec<FetchPartition> {
                let state = |(&p, &(offset, epoch, id)): (&u32, &(u64, u32, u32))| FetchPartition {
                    last_fetched_epoch: Some(epoch),
                    current_leader_epoch: Some(epoch),
                    topic_id: Some(TopicId(Rc::from(format!("orders-id-{id}")))),
                    ..wants(p, offset)
                };
                m.iter().map(state).collect()
            };
            let (sent, wanted_now) = (list(&sent), list(&wanted_now));
            let mut session = Session {
                next: (7, if full { 0 } else { 3 }),
                sent: sent.clone(),
                ..Session::default()
            };
            let (metadata, changed, forgotten) = session.next_fetch(&wanted(&wanted_now));
            let (expected, dropped): (Vec<FetchPartition>, Vec<TopicPartition>) = if full {
                (wanted_now.clone(), Vec::new())
            } else {
                let changed = wanted_now.iter().filter(|p| !sent.contains(p)).cloned();
                let dropped = sent
                    .iter()
                    .filter(|p| !wanted_now.iter().any(|w| w.tp == p.tp))
                    .map(|p| p.tp.clone());
                (changed.collect(), dropped.collect())
            };
            proptest::prop_assert_eq!(metadata.is_full(), full);
            proptest::prop_assert_eq!(session.full_in_flight, full);
            proptest::prop_assert_eq!(changed, expected);
            proptest::prop_assert_eq!(forgotten, dropped);
            proptest::prop_assert_eq!(session.sent, wanted_now);
        }
    }
}
