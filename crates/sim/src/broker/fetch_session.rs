//! KIP-227's incremental fetch sessions on the leader (Kafka's `FetchManager` and
//! `FetchSessionCache`). A follower's first fetch lists every partition it follows from this
//! broker and gets a session; each later fetch lists only the partitions whose fetch state
//! changed (and those it drops), and its answer only the partitions with news. The leader
//! still serves every partition of the session at each fetch, from the fetch offsets it
//! keeps: a follower's quiet partitions stay caught up (and in the ISR) without being sent.
//!
//! Consumers fetch outside sessions here (Kafka's consumers use them too; what they would save
//! is a few partitions per fetch). Simplified: the cache holds one session per follower (a
//! follower's new session replaces its old one) instead of Kafka's
//! `max.incremental.fetch.session.cache.slots` (1000) with eviction; the ids come from a
//! counter that each run of the broker starts elsewhere (Kafka draws them at random; see
//! [`FetchSessions::started`]).

use crate::error::ErrorCode;
use crate::partition_map::PartitionMap;
use crate::protocol::{
    BrokerId, FetchMetadata, FetchPartition, FetchRequest, FetchedPartition, TopicPartition,
};
use std::collections::BTreeMap;

/// What a fetch's session made of it on arrival, until it is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// Outside any session: answered in full.
    Sessionless,
    /// A full fetch: answered in full, with a new session made from the answer.
    Full,
    /// An incremental fetch in this session: answered with the partitions that have news.
    Incremental(u32),
}

/// What a session remembers of one partition (Kafka's `CachedPartition`).
#[derive(Clone, Debug)]
struct Cached {
    /// The follower's fetch state as last sent.
    request: FetchPartition,
    /// The high watermark last answered; none after an error, so the partition is answered
    /// again once the error is gone.
    high_watermark: Option<u64>,
    /// The log start offset last answered.
    log_start_offset: u64,
}

impl Cached {
    fn new(request: FetchPartition) -> Self {
        Cached {
            request,
            high_watermark: None,
            log_start_offset: 0,
        }
    }

    /// Whether `answer` has news for the follower, remembering what it tells (Kafka's
    /// `CachedPartition.maybeUpdateResponseData`).
    fn has_news(&mut self, answer: &FetchedPartition) -> bool {
        let mut news = !answer.records.is_empty()
            || answer.preferred_read_replica.is_some()
            || answer.diverging_epoch.is_some();
        if self.high_watermark != Some(answer.high_watermark) {
            news = true;
            self.high_watermark = Some(answer.high_watermark);
        }
        if self.log_start_offset != answer.log_start_offset.0 {
            news = true;
            self.log_start_offset = answer.log_start_offset.0;
        }
        if answer.error != ErrorCode::None {
            news = true;
            self.high_watermark = None;
        }
        news
    }
}

/// One follower's session.
#[derive(Clone, Debug)]
struct Session {
    replica: Option<BrokerId>,
    /// The epoch its next fetch must carry.
    epoch: i32,
    partitions: PartitionMap<Cached>,
}

/// The sessions a broker keeps for the followers fetching from it.
#[derive(Clone, Debug, Default)]
pub(crate) struct FetchSessions {
    last_id: u32,
    sessions: BTreeMap<u32, Session>,
}

impl FetchSessions {
    /// The sessions of a broker's run `incarnation` (1 for its first). A follower keeps its
    /// session id across the leader's restart and names it in its next fetch: an incremental
    /// one if it had no fetch in flight, a full one that closes the session if its fetch in
    /// flight was cut off or timed out (Kafka's `FetchSessionHandler`; only after
    /// `FETCH_SESSION_ID_NOT_FOUND` does it start over without an id). Were the new run's ids
    /// the old run's again, that fetch would land in, or close, another follower's new session.
    /// Kafka draws each id at random, which makes that unlikely; here each later run starts its
    /// counter at a point of its own, spread over the ids by Fibonacci hashing (so no draw of
    /// the seeded stream moves). The first run starts at 1: no follower holds an id from
    /// before it.
    pub(crate) fn started(incarnation: u32) -> Self {
        let last_id = match incarnation {
            0 | 1 => 0,
            later => later.wrapping_mul(0x9E37_79B9),
        };
        FetchSessions {
            last_id,
            sessions: BTreeMap::new(),
        }
    }

    /// The next id no session holds; never 0, which names no session.
    fn next_id(&mut self) -> u32 {
        loop {
            self.last_id = self.last_id.wrapping_add(1);
            if self.last_id != 0 && !self.sessions.contains_key(&self.last_id) {
                return self.last_id;
            }
        }
    }

    /// A fetch arrived (Kafka's `FetchManager.newContext`). An incremental fetch updates its
    /// session and, from here on, lists the session's every partition, as a full fetch
    /// would; a full fetch closes the session it names. A session error is the answer.
    /// With an incremental fetch come what its session last answered of each partition, in
    /// the same order: the leader asks after every one while it holds each replica, when it
    /// cannot look the session up.
    pub(crate) fn arrived(
        &mut self,
        request: &mut FetchRequest,
    ) -> Result<(Context, Option<Answered>), ErrorCode> {
        let metadata = request.metadata.0;
        if metadata == FetchMetadata::SESSIONLESS {
            return Ok((Context::Sessionless, None));
        }
        if metadata.is_full() {
            self.sessions.remove(&metadata.session_id);
            return Ok((Context::Full, None));
        }
        let id = metadata.session_id;
        let session = self
            .sessions
            .get_mut(&id)
            .ok_or(ErrorCode::FetchSessionIdNotFound)?;
        if session.epoch != metadata.epoch {
            return Err(ErrorCode::InvalidFetchSessionEpoch);
        }
        session.epoch = next_epoch(session.epoch);
        for tp in std::mem::take(&mut request.forgotten.0) {
            session.partitions.remove(&tp);
        }
        for partition in std::mem::take(&mut request.partitions) {
            let tp = partition.tp.clone();
            match session.partitions.get_mut(&tp) {
                Some(cached) => cached.request = partition,
                None => {
                    session.partitions.insert(tp, Cached::new(partition));
                }
            }
        }
        // Sized first: the map's iterator cannot say its length, and collected it grew by
        // reallocation on every incremental fetch.
        let mut partitions = Vec::with_capacity(session.partitions.len());
        let mut answered = Vec::with_capacity(session.partitions.len());
        session.partitions.for_each(|_, cached| {
            partitions.push(cached.request.clone());
            answered.push((cached.high_watermark, cached.log_start_offset));
        });
        request.partitions = partitions;
        Ok((Context::Incremental(id), Some(Answered(answered))))
    }

    /// The answer to a fetch of `context` (Kafka's `updateAndGenerateResponseData`): the
    /// partitions to send and the session's id. A full fetch's answer makes its session; an
    /// incremental one's keeps only the partitions with news.
    pub(crate) fn answer(
        &mut self,
        context: Context,
        request: &FetchRequest,
        partitions: Vec<FetchedPartition>,
    ) -> (Vec<FetchedPartition>, u32) {
        match context {
            Context::Sessionless => (partitions, 0),
            Context::Full => {
                let mut cached: PartitionMap<Cached> = request
                    .partitions
                    .iter()
                    .map(|p| (p.tp.clone(), Cached::new(p.clone())))
                    .collect();
                for answer in &partitions {
                    if let Some(cached) = cached.get_mut(&answer.tp) {
                        cached.has_news(answer);
                    }
                }
                // One session per follower: its new session replaces the old (see the
                // module's note).
                let replica = request.replica_id;
                self.sessions.retain(|_, s| s.replica != replica);
                let id = self.next_id();
                let session = Session {
                    replica,
                    epoch: next_epoch(0),
                    partitions: cached,
                };
                self.sessions.insert(id, session);
                (partitions, id)
            }
            Context::Incremental(id) => {
                // Gone since the fetch arrived (replaced by the follower's new one): its
                // answer is whole, as Kafka's context answers from the session it holds.
                let Some(session) = self.sessions.get_mut(&id) else {
                    return (partitions, id);
                };
                let news = partitions
                    .into_iter()
                    .filter(|answer| {
                        session
                            .partitions
                            .get_mut(&answer.tp)
                            .is_none_or(|cached| cached.has_news(answer))
                    })
                    .collect();
                (news, id)
            }
        }
    }
}

impl FetchSessions {
    /// The epoch the next fetch in an incremental fetch's session must carry: it changes
    /// when another fetch in the session arrives, and is gone with the session.
    pub(crate) fn epoch(&self, context: Context) -> Option<i32> {
        let Context::Incremental(id) = context else {
            return None;
        };
        self.sessions.get(&id).map(|s| s.epoch)
    }

    /// What the session of an incremental fetch last answered, looked up once per fetch:
    /// its partitions are asked about one by one.
    pub(crate) fn remembered(&self, context: Context) -> Option<Remembered<'_>> {
        let Context::Incremental(id) = context else {
            return None;
        };
        self.sessions.get(&id).map(|s| Remembered(&s.partitions))
    }
}

/// A session's partitions as last answered.
#[derive(Clone, Copy)]
pub(crate) struct Remembered<'a>(&'a PartitionMap<Cached>);

impl Remembered<'_> {
    /// Whether `tp` was last answered with this high watermark and log start offset
    /// (`offsets`), so a read of it with no records and no error or divergence would be left
    /// out of the answer.
    pub(crate) fn answered(&self, tp: &TopicPartition, offsets: (u64, u64)) -> bool {
        let (high_watermark, log_start_offset) = offsets;
        self.0.get(tp).is_some_and(|cached| {
            cached.high_watermark == Some(high_watermark)
                && cached.log_start_offset == log_start_offset
        })
    }
}

/// What an incremental fetch's session last answered of each of the fetch's partitions
/// ([`FetchSessions::arrived`]): the high watermark (none after an error) and the log start
/// offset.
pub(crate) struct Answered(Vec<(Option<u64>, u64)>);

impl Answered {
    /// Whether the fetch's partition at `index` was last answered with these offsets (high
    /// watermark, log start offset), as [`Remembered::answered`] says of it by name.
    pub(crate) fn at(&self, index: usize, offsets: (u64, u64)) -> bool {
        let (high_watermark, log_start_offset) = offsets;
        self.0.get(index) == Some(&(Some(high_watermark), log_start_offset))
    }
}

/// Kafka's `FetchMetadata.nextEpoch`: after the largest epoch comes 1 (0 starts a session).
pub(crate) fn next_epoch(epoch: i32) -> i32 {
    match epoch {
        e if e < 0 => -1,
        i32::MAX => 1,
        e => e + 1,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::serve::empty;
    use super::*;
    use crate::protocol::{BatchHeader, Extension, FetchMaxBytes, Record, RecordData};
    use std::rc::Rc;

    /// What `arrived` made of a fetch, without the session's offsets.
    fn context(
        arrived: Result<(Context, Option<Answered>), ErrorCode>,
    ) -> Result<Context, ErrorCode> {
        arrived.map(|(context, _)| context)
    }

    /// A follower's fetch state of `orders-{partition}`.
    pub(in crate::broker) fn wants(partition: u32, fetch_offset: u64) -> FetchPartition {
        FetchPartition {
            tp: TopicPartition::new("orders", partition),
            fetch_offset,
            last_fetched_epoch: Some(0),
            current_leader_epoch: Some(0),
            topic_id: Some(crate::protocol::TopicId(Rc::from("orders-id"))),
        }
    }

    fn fetch(metadata: FetchMetadata, partitions: Vec<FetchPartition>) -> FetchRequest {
        FetchRequest {
            replica_id: Some(2),
            max_wait_ms: 500,
            min_bytes: 1,
            read_committed: false,
            rack_id: None,
            partitions,
            max_bytes: Extension(None::<FetchMaxBytes>),
            metadata: Extension(metadata),
            forgotten: Extension(Vec::new()),
        }
    }

    fn answered(partition: u32, high_watermark: u64, records: usize) -> FetchedPartition {
        let mut answer = empty(&TopicPartition::new("orders", partition), ErrorCode::None);
        answer.high_watermark = high_watermark;
        answer.records = (0..records as u64)
            .map(|offset| {
                Record::new(
                    offset,
                    0,
                    Rc::new(RecordData::value(&offset.to_string())),
                    Rc::new(BatchHeader::default()),
                )
            })
            .collect();
        answer
    }

    fn incremental(session_id: u32, epoch: i32) -> FetchMetadata {
        FetchMetadata { session_id, epoch }
    }

    /// A session made by a full fetch of partitions 0..3, every one answered at HW 5.
    fn session() -> (FetchSessions, u32) {
        let mut sessions = FetchSessions::default();
        let mut full = fetch(
            FetchMetadata::full(0),
            (0..3).map(|p| wants(p, 5)).collect(),
        );
        assert_eq!(context(sessions.arrived(&mut full)), Ok(Context::Full));
        let answers = (0..3).map(|p| answered(p, 5, 0)).collect();
        let (answers, id) = sessions.answer(Context::Full, &full, answers);
        assert_eq!(answers.len(), 3, "a full fetch is answered in full");
        assert_ne!(id, 0, "a full fetch of a follower gets a session");
        (sessions, id)
    }

    #[test]
    fn an_incremental_fetch_is_served_every_partition_and_answered_only_news() {
        let (mut sessions, id) = session();
        // Partition 1's fetch offset moved; the others are as the session holds them.
        let mut next = fetch(incremental(id, 1), vec![wants(1, 7)]);
        assert_eq!(
            context(sessions.arrived(&mut next)),
            Ok(Context::Incremental(id))
        );
        let offsets: Vec<(u32, u64)> = next
            .partitions
            .iter()
            .map(|p| (p.tp.partition, p.fetch_offset))
            .collect();
        assert_eq!(offsets, [(0, 5), (1, 7), (2, 5)], "served as a full fetch");
        // Partition 0 has records, 1 a new HW, 2 nothing new.
        let answers = vec![answered(0, 5, 2), answered(1, 7, 0), answered(2, 5, 0)];
        let (answers, answered_id) = sessions.answer(Context::Incremental(id), &next, answers);
        let kept: Vec<u32> = answers.iter().map(|a| a.tp.partition).collect();
        assert_eq!((kept, answered_id), (vec![0, 1], id));
        // The HW just answered is remembered: the same HW is no news the next time.
        let quiet = (7, 0);
        let remembered = sessions.remembered(Context::Incremental(id));
        let remembered = remembered.expect("a session");
        assert!(remembered.answered(&TopicPartition::new("orders", 1), quiet));
    }

    #[test]
    fn an_error_is_answered_and_answered_again_once_gone() {
        let (mut sessions, id) = session();
        let mut next = fetch(incremental(id, 1), Vec::new());
        context(sessions.arrived(&mut next)).expect("in session");
        let mut failed = answered(0, 5, 0);
        failed.error = ErrorCode::NotLeaderOrFollower;
        let (answers, _) = sessions.answer(Context::Incremental(id), &next, vec![failed]);
        assert_eq!(answers.len(), 1, "an error is news");
        let mut next = fetch(incremental(id, 2), Vec::new());
        context(sessions.arrived(&mut next)).expect("in session");
        let (answers, _) =
            sessions.answer(Context::Incremental(id), &next, vec![answered(0, 5, 0)]);
        assert_eq!(
            answers.len(),
            1,
            "after an error the partition is answered again"
        );
    }

    #[test]
    fn unknown_sessions_and_stale_epochs_are_refused_by_name() {
        let (mut sessions, id) = session();
        let mut unknown = fetch(incremental(id + 1, 1), Vec::new());
        assert_eq!(
            context(sessions.arrived(&mut unknown)),
            Err(ErrorCode::FetchSessionIdNotFound)
        );
        let mut stale = fetch(incremental(id, 2), Vec::new());
        assert_eq!(
            context(sessions.arrived(&mut stale)),
            Err(ErrorCode::InvalidFetchSessionEpoch)
        );
        let mut next = fetch(incremental(id, 1), Vec::new());
        assert_eq!(
            context(sessions.arrived(&mut next)),
            Ok(Context::Incremental(id))
        );
        let mut again = fetch(incremental(id, 1), Vec::new());
        assert_eq!(
            context(sessions.arrived(&mut again)),
            Err(ErrorCode::InvalidFetchSessionEpoch),
            "an epoch is used once"
        );
    }

    #[test]
    fn forgotten_partitions_leave_and_a_full_fetch_closes_the_old_session() {
        let (mut sessions, id) = session();
        let mut next = fetch(incremental(id, 1), Vec::new());
        next.forgotten.0 = vec![TopicPartition::new("orders", 1)];
        context(sessions.arrived(&mut next)).expect("in session");
        let left: Vec<u32> = next.partitions.iter().map(|p| p.tp.partition).collect();
        assert_eq!(left, [0, 2]);
        let mut full = fetch(FetchMetadata::full(id), vec![wants(0, 5)]);
        assert_eq!(context(sessions.arrived(&mut full)), Ok(Context::Full));
        let mut old = fetch(incremental(id, 2), Vec::new());
        assert_eq!(
            context(sessions.arrived(&mut old)),
            Err(ErrorCode::FetchSessionIdNotFound)
        );
    }

    /// A follower's full fetch of partitions 0..3 (naming `closing`, the session it ends),
    /// answered: the new session's id.
    fn full_session(sessions: &mut FetchSessions, replica: BrokerId, closing: u32) -> u32 {
        let mut full = fetch(
            FetchMetadata::full(closing),
            (0..3).map(|p| wants(p, 5)).collect(),
        );
        full.replica_id = Some(replica);
        assert_eq!(context(sessions.arrived(&mut full)), Ok(Context::Full));
        let answers = (0..3).map(|p| answered(p, 5, 0)).collect();
        sessions.answer(Context::Full, &full, answers).1
    }

    #[test]
    fn a_restarted_leader_gives_no_follower_an_id_another_still_holds() {
        // The leader's first run: followers 2 and 3 get sessions.
        let mut first = FetchSessions::started(1);
        let old_2 = full_session(&mut first, 2, 0);
        let old_3 = full_session(&mut first, 3, 0);
        for incarnation in 2..6 {
            // The leader restarts. Follower 3 had no fetch in flight: its next, incremental in
            // its old session, finds none, and it starts a new session without naming one.
            let mut sessions = FetchSessions::started(incarnation);
            let mut stale_3 = fetch(incremental(old_3, 1), Vec::new());
            stale_3.replica_id = Some(3);
            assert_eq!(
                context(sessions.arrived(&mut stale_3)),
                Err(ErrorCode::FetchSessionIdNotFound)
            );
            let new_3 = full_session(&mut sessions, 3, 0);
            assert!(
                new_3 != old_2 && new_3 != old_3,
                "run {incarnation} gave follower 3 id {new_3}, held from run 1"
            );
            // Had follower 2 no fetch in flight either, its incremental fetch in its old
            // session, at the epoch follower 3's new session expects, is refused rather than
            // taken into follower 3's session.
            let mut stale_2 = fetch(incremental(old_2, 1), Vec::new());
            assert_eq!(
                context(sessions.arrived(&mut stale_2)),
                Err(ErrorCode::FetchSessionIdNotFound)
            );
            // Had the restart cut its fetch in flight off, its next is a full one that closes
            // its old session: follower 3's is left alone.
            let new_2 = full_session(&mut sessions, 2, old_2);
            assert_ne!(new_2, new_3);
            let mut next_3 = fetch(incremental(new_3, 1), Vec::new());
            next_3.replica_id = Some(3);
            assert_eq!(
                context(sessions.arrived(&mut next_3)),
                Ok(Context::Incremental(new_3)),
                "follower 3's session outlives follower 2's return (run {incarnation})"
            );
        }
    }

    /// What a parked incremental fetch's stirred partitions rest on (`Broker::stirred`): its
    /// session's epoch changes, or the session goes, whenever the session may have changed
    /// without a fetch from it, as a review found two ways to.
    #[test]
    fn a_session_changed_behind_a_parked_fetch_shows_in_its_epoch() {
        // A follower's old full fetch, parked (not answered yet) when it restarted...
        let mut sessions = FetchSessions::started(1);
        let mut old_full = fetch(
            FetchMetadata::full(0),
            (0..3).map(|p| wants(p, 5)).collect(),
        );
        assert_eq!(context(sessions.arrived(&mut old_full)), Ok(Context::Full));
        // ...its new session, and a fetch in it parked with the epoch it saw.
        let new_id = full_session(&mut sessions, 2, 0);
        let mut parked = fetch(incremental(new_id, 1), Vec::new());
        let parked = context(sessions.arrived(&mut parked)).expect("in session");
        let seen = sessions.epoch(parked);
        assert_eq!(seen, Some(2));
        // The old full fetch is answered at last: its session replaces the follower's new one.
        let answers = (0..3).map(|p| answered(p, 5, 0)).collect();
        sessions.answer(Context::Full, &old_full, answers);
        assert_eq!(
            sessions.epoch(parked),
            None,
            "the parked fetch's session is gone"
        );

        // Another follower's full fetch naming the session (an id reused), or another fetch
        // in it, changes the epoch or ends the session too.
        let (mut sessions, id) = session();
        let mut parked = fetch(incremental(id, 1), Vec::new());
        let parked = context(sessions.arrived(&mut parked)).expect("in session");
        let seen = sessions.epoch(parked);
        let mut next = fetch(incremental(id, 2), Vec::new());
        context(sessions.arrived(&mut next)).expect("in session");
        assert_ne!(
            sessions.epoch(parked),
            seen,
            "another fetch in the session moves its epoch"
        );
        let mut named = fetch(FetchMetadata::full(id), vec![wants(0, 5)]);
        named.replica_id = Some(3);
        assert_eq!(context(sessions.arrived(&mut named)), Ok(Context::Full));
        assert_eq!(
            sessions.epoch(parked),
            None,
            "a full fetch naming it ends it"
        );
    }

    #[test]
    fn consumers_fetch_outside_sessions() {
        let mut sessions = FetchSessions::default();
        let mut request = fetch(FetchMetadata::SESSIONLESS, vec![wants(0, 0)]);
        request.replica_id = None;
        assert_eq!(
            context(sessions.arrived(&mut request)),
            Ok(Context::Sessionless)
        );
        let (answers, id) =
            sessions.answer(Context::Sessionless, &request, vec![answered(0, 0, 0)]);
        assert_eq!((answers.len(), id), (1, 0));
    }

    #[test]
    fn epochs_wrap_to_one() {
        assert_eq!(next_epoch(0), 1);
        assert_eq!(next_epoch(41), 42);
        assert_eq!(next_epoch(i32::MAX), 1);
        assert_eq!(next_epoch(-1), -1);
    }
}
