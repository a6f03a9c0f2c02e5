//! Fetch for followers and consumers, including Kafka's long poll: a fetch with less than its
//! `min_bytes` to return waits up to its `max_wait_ms` for new records; and what follows any
//! progress of a leader (HW, waiting produces, waiting fetches). Consumers fetch from the
//! leader, or (KIP-392) from a follower in their rack, which serves up to its own high
//! watermark.

use super::Broker;
use super::fetch_session::Context;
use crate::chunked::Iter;
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    BrokerId, Extension, FetchPartition, FetchRequest, FetchResponse, FetchedPartition, Message,
    Record, RequestHeader, ResponseHeader, TopicPartition,
};
use crate::time::SimDuration;

/// Records a fetch may return per partition: a cap kept from before the byte limits (which
/// bind only with large records: a thousand small records are far below 1 MiB), so runs of
/// small records replicate and are read as they were.
const MAX_FETCH_RECORDS: usize = 1_000;

/// A Fetch request waiting for data (Kafka's `DelayedFetch`), parked as it arrived.
#[derive(Clone, Debug)]
pub(crate) struct ParkedFetch {
    from: NodeId,
    correlation_id: u64,
    request: Box<FetchRequest>,
    /// Its fetch session, as it arrived.
    context: Context,
    /// Which of its partitions a wake looks at (to judge and to read), if not all.
    stirred: Option<Stirred>,
}

/// The partitions of a parked incremental fetch that may have news for its session: those
/// that were not quiet when it parked, and those that changed since. Every change that can
/// give a partition news wakes the fetches waiting on it (as Kafka's purgatory keys them) or,
/// where it wakes none or wakes them later, stirs it (`stir_parked`), so the others are still
/// quiet: a wake looks only at these, where reading a follower's every partition at each wake
/// was a tenth of a busy cluster's time (callgrind, BENCHMARKS.md).
///
/// Only while the session is as the fetch left it, which its epoch tells: another fetch in
/// the session (its follower gave up on this one) or the session's end (the follower's new
/// session; a full fetch naming its id) may change what it remembers, and then every
/// partition is read.
#[derive(Clone, Debug)]
struct Stirred {
    /// The session's epoch when the fetch arrived.
    epoch: i32,
    /// Indexes into the fetch's partitions, ascending.
    partitions: Vec<u32>,
}

impl Stirred {
    /// Notes that the partition at `index` changed.
    fn stir(&mut self, index: usize) {
        let index = u32::try_from(index).expect("a fetch's partitions fit in u32");
        if let Err(at) = self.partitions.binary_search(&index) {
            self.partitions.insert(at, index);
        }
    }
}

/// The answer to the fetch `correlation_id`.
fn fetch_response(
    correlation_id: u64,
    partitions: Vec<FetchedPartition>,
    session_id: u32,
    error: ErrorCode,
) -> Message {
    Message::FetchResponse(
        ResponseHeader { correlation_id },
        FetchResponse {
            partitions,
            error: Extension(error),
            session_id: Extension(session_id),
        },
    )
}

/// What a fetch of one partition returns, with its records borrowed from the log: a parked
/// fetch is checked again after every append to a partition it waits on, and copying its
/// records at each check would cost more than serving them once.
struct Read<'a> {
    answer: FetchedPartition,
    records: Iter<'a, Record>,
    /// The records' sizes, summed (`record_size` of each), counted once when the read is
    /// cut to whole batches.
    bytes: usize,
    /// The replica whose aborted transactions a read_committed answer lists, from the
    /// fetch offset.
    aborted_from: Option<(&'a super::Replica, u64)>,
}

impl Read<'_> {
    /// An answer without records.
    fn of(answer: FetchedPartition) -> Self {
        Read {
            answer,
            records: Iter::default(),
            bytes: 0,
            aborted_from: None,
        }
    }

    /// Whether this partition alone makes the response worth sending: an error, a divergence
    /// or a redirection.
    fn decisive(&self) -> bool {
        let answer = &self.answer;
        answer.error != ErrorCode::None
            || answer.diverging_epoch.is_some()
            || answer.preferred_read_replica.is_some()
    }

    /// The partition's part of the FetchResponse.
    fn into_answer(self) -> FetchedPartition {
        let mut answer = self.answer;
        if let (Some((replica, from)), Some(last)) =
            (self.aborted_from, self.records.clone().next_back())
        {
            answer.aborted_transactions = replica.producers.aborted_between(from, last.offset + 1);
        }
        answer.records = self.records.cloned().collect();
        answer
    }
}

/// Consecutive records that share a batch header: the batches of a log's read, each as how
/// many records it holds and their sizes summed.
fn batches(records: Iter<'_, Record>) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut records = records.peekable();
    std::iter::from_fn(move || {
        let first = records.next()?;
        let (mut count, mut size) = (1, first.size());
        while let Some(record) = records.next_if(|r| std::rc::Rc::ptr_eq(&r.batch, &first.batch)) {
            count += 1;
            size += record.size();
        }
        Some((count, size))
    })
}

/// The longest prefix of whole batches within `budget` bytes; the first batch even beyond it
/// when `first` (nothing is in the response yet), so a consumer or follower makes progress.
/// Returns the prefix, its size on the wire (each batch's header, `RecordBatch.sizeInBytes`,
/// and its records) and its records' sizes alone.
fn whole_batches(
    records: Iter<'_, Record>,
    budget: usize,
    first: bool,
) -> (Iter<'_, Record>, usize, usize) {
    let mut used = 0;
    let mut bytes = 0;
    let mut end = 0;
    for (count, records) in batches(records.clone()) {
        let size = crate::producer::BATCH_OVERHEAD + records;
        if used + size > budget && !(first && end == 0) {
            break;
        }
        used += size;
        bytes += records;
        end += count;
    }
    (records.prefix(end), used, bytes)
}

/// Whether a response is worth sending before the wait is over: an error, a divergence, a
/// redirection, or at least `min_bytes` of records.
fn enough(reads: &[Read<'_>], min_bytes: u32) -> bool {
    let mut bytes = 0;
    for read in reads {
        if read.decisive() {
            return true;
        }
        bytes += read.bytes;
    }
    bytes > 0 && bytes >= min_bytes as usize
}

impl Broker {
    /// After the leader's log or the ISR changed: advance the HW, complete waiting produces,
    /// wake waiting fetches.
    pub(super) fn after_leader_progress(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        self.leader_progress(ctx, tp, true);
    }

    fn leader_progress(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition, wake_always: bool) {
        let Some(high_watermark_moved) = self.advance_leader(ctx, tp) else {
            return;
        };
        self.complete_coordinator_appends(ctx, tp);
        if wake_always || high_watermark_moved {
            self.wake_parked(ctx, tp);
        }
    }

    /// The start of a leader's progress on `tp`: advance the HW and complete the produces
    /// waiting for it. Whether the HW moved; `None` when this broker does not host `tp`.
    pub(super) fn advance_leader(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
    ) -> Option<bool> {
        let replica = self.replicas.get_mut(tp)?;
        if let Some(leadership) = &mut replica.leadership {
            leadership.progress_owed = false;
        }
        let high_watermark_moved = replica.maybe_increment_high_watermark();
        self.complete_delayed_produces(ctx, tp);
        Some(high_watermark_moved)
    }

    pub(super) fn handle_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        header: &RequestHeader,
        mut request: Box<FetchRequest>,
    ) {
        let (correlation_id, replica_id) = (header.correlation_id, request.replica_id);
        let (context, answered) = match self.fetch_sessions.arrived(&mut request) {
            Ok(arrived) => arrived,
            Err(error) => {
                let answer = fetch_response(correlation_id, Vec::new(), 0, error);
                return ctx.send(from, answer);
            }
        };
        let partitions = &request.partitions;
        if let Some(error) = self.take_scripted_error("Fetch") {
            let partitions = partitions.iter().map(|p| empty(&p.tp, error)).collect();
            return self.answer_fetch(ctx, from, correlation_id, &request, context, partitions);
        }
        // Whether a follower's fetch has a partition that may return something (what
        // `may_answer` asks), judged while the loop holds each replica rather than in a second
        // look-up of every partition. A partition's own turn changes it (the follower's
        // progress; a coordinator hosted here appending to its partition when the high
        // watermark moves), and what it may return when the loop leaves it is what it may
        // return after the loop; in tests, `checked_may_answer` holds the judgement to a read.
        // A coordinator acting on the move may write to another partition, which the loop
        // hears of through `stirring`.
        let mut returnable = false;
        // Which partitions may have news for an incremental fetch's session, noted while the
        // loop holds each replica: what a wake reads if the fetch parks.
        let epoch = self.fetch_sessions.epoch(context);
        let mut stirred = epoch.map(|epoch| Stirred {
            epoch,
            partitions: Vec::new(),
        });
        if stirred.is_some() {
            self.stirring = Some(Vec::new());
        }
        if let Some(follower) = replica_id {
            for (index, request) in partitions.iter().enumerate() {
                let Some(replica) = self.replicas.get_mut(&request.tp) else {
                    returnable = true;
                    if let Some(stirred) = &mut stirred {
                        stirred.stir(index);
                    }
                    continue;
                };
                let epoch_ok = replica.leadership.as_ref().is_some_and(|l| {
                    request
                        .current_leader_epoch
                        .is_none_or(|e| e == l.leader_epoch)
                });
                // A follower of another topic of that name (this broker has not heard of it)
                // says nothing of this log: Kafka's leader does not resolve its topic id.
                if !epoch_ok
                    || !same_topic(replica, request)
                    || diverging(replica, request).is_some()
                {
                    returnable = true;
                    if let Some(stirred) = &mut stirred {
                        stirred.stir(index);
                    }
                    continue;
                }
                let moved =
                    replica.record_follower_fetch(follower, request.fetch_offset, ctx.now());
                // What `may_return_from` asks, less what was checked just above (the leader's
                // epoch, the topic, a divergence).
                debug_assert_eq!(
                    not_at_end(replica, request),
                    may_return_from(replica, request),
                    "{request:?}"
                );
                let at_end = !not_at_end(replica, request);
                returnable = returnable || !at_end;
                // As Kafka's `maybeExpandIsr`: propose adding a follower that has caught up.
                let joins =
                    replica.may_join_isr(follower) && !self.image.fenced.contains(&follower);
                let leadership = replica.leadership.as_ref();
                let owed = leadership.is_some_and(|l| l.progress_owed);
                // Quiet if at its end with the offsets its session last answered, unless the
                // progress below moves them: then it is read, to be judged then.
                if let Some(stirred) = &mut stirred {
                    let log = &replica.log;
                    let offsets = (log.high_watermark(), log.log_start_offset());
                    let answered = answered.as_ref().is_some_and(|a| a.at(index, offsets));
                    debug_assert_eq!(
                        answered,
                        (self.fetch_sessions.remembered(context))
                            .is_some_and(|remembered| remembered.answered(&request.tp, offsets)),
                        "the session's partitions in the fetch's order: {request:?}"
                    );
                    if !at_end || !answered || moved || joins || owed {
                        stirred.stir(index);
                    }
                }
                let expanded = leadership.filter(|_| joins).map(|l| {
                    let mut isr = l.isr.clone();
                    isr.push(follower);
                    isr
                });
                if let Some(isr) = expanded {
                    self.propose_isr(ctx, &request.tp, isr);
                }
                // As Kafka's `Partition.updateFollowerFetchState`: only a follower whose log
                // end offset moved can move the high watermark, and its progress changes
                // nothing a parked fetch reads unless it moves the high watermark. Most
                // partitions of a follower's fetch have not moved: it asks for every
                // partition it follows from this leader, `__consumer_offsets`' too. The
                // leader's appends and the ISR's changes try it themselves, but for two that
                // this broker tried at every follower's fetch before: a follower joining (it
                // counts in the maximal ISR at once, which can let the HW past a
                // min.insync.replicas it was held at) and a given-up expansion
                // (`progress_owed`).
                if moved || joins || owed {
                    self.leader_progress(ctx, &request.tp, false);
                    // A coordinator hosted here may have appended to its partition on the
                    // high watermark's move.
                    returnable = returnable || self.may_return(request);
                }
            }
        }
        if let (Some(stirred), Some(changed)) = (&mut stirred, self.stirring.take()) {
            for tp in changed {
                if let Some(index) = partitions.iter().position(|p| p.tp == tp) {
                    stirred.stir(index);
                }
            }
        }
        // A consumer's fetch is read in full, as `may_answer` says.
        let may = request.max_wait_ms == 0
            || replica_id.is_none()
            || self.checked_may_answer(&request, returnable);
        // A consumer's fetch, outside sessions, is read whole at each wake.
        let stirred = stirred.filter(|_| replica_id.is_some());
        let reads: Vec<Read<'_>> = match may {
            true => self.reads(&request, context, stirred.as_ref()).collect(),
            // Nothing to return: it waits, unread.
            false => Vec::new(),
        };
        if !enough(&reads, request.min_bytes) && request.max_wait_ms > 0 {
            drop(reads);
            let wait = SimDuration::from_millis(u64::from(request.max_wait_ms));
            self.parked.push(ParkedFetch {
                from,
                correlation_id,
                request,
                context,
                stirred,
            });
            ctx.set_timer(
                wait,
                Timer::ParkedFetchExpiry {
                    from,
                    correlation_id,
                },
            );
        } else {
            let partitions = reads.into_iter().map(Read::into_answer).collect();
            self.answer_fetch(ctx, from, correlation_id, &request, context, partitions);
        }
    }

    /// Sends a fetch its answer: in full, or of its session's partitions only those with news.
    fn answer_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        to: NodeId,
        correlation_id: u64,
        request: &FetchRequest,
        context: Context,
        partitions: Vec<FetchedPartition>,
    ) {
        let (partitions, session_id) = self.fetch_sessions.answer(context, request, partitions);
        let answer = fetch_response(correlation_id, partitions, session_id, ErrorCode::None);
        ctx.send(to, answer);
    }

    /// False only when reading `fetch` now would find no records and nothing decisive in any
    /// of its partitions, so it would wait: a check of offsets that spares the reads (each
    /// builds a partition's answer) for what a follower's fetch mostly is, dozens of
    /// partitions at its leader's log end offset. As Kafka's `DelayedFetch.tryComplete`, which
    /// compares each partition's fetch offset with the log end offset before reading.
    /// Consumers' fetches are read in full. `changed`, the partition of the fetch that has
    /// just changed, is looked at first: it is what most often lets a parked follower's fetch
    /// answer (the leader appended to it), and it spares the look at each partition ahead of
    /// it.
    fn may_answer(&self, fetch: &ParkedFetch, changed: &FetchPartition) -> bool {
        let request = &fetch.request;
        debug_assert!(
            request.partitions.iter().any(|p| std::ptr::eq(p, changed)),
            "the changed partition {changed:?} is one of the fetch's: {fetch:?}"
        );
        // Of the stirred partitions only: the rest were quiet when it parked and have not
        // changed since.
        let only = self.stirred(fetch.stirred.as_ref(), fetch.context);
        let may = request.replica_id.is_none()
            || self.may_return(changed)
            || looked_at(request, only)
                .filter(|p| !std::ptr::eq(*p, changed))
                .any(|p| self.may_return(p));
        self.checked_may_answer(request, may)
    }

    /// The stirred partitions of a parked fetch of `context`, while its session is as the
    /// fetch left it (see [`Stirred`]); otherwise any partition may have news.
    fn stirred<'a>(&self, stirred: Option<&'a Stirred>, context: Context) -> Option<&'a [u32]> {
        stirred
            .filter(|stirred| self.fetch_sessions.epoch(context) == Some(stirred.epoch))
            .map(|stirred| stirred.partitions.as_slice())
    }

    /// `may`, whether `fetch` may answer as [`may_answer`](Self::may_answer) or
    /// `handle_fetch`'s pass over a follower's partitions judged it. The judgement repeats
    /// what `read` decides; in tests, a read proves it never misses.
    fn checked_may_answer(&self, fetch: &FetchRequest, may: bool) -> bool {
        debug_assert!(
            may || self
                .reads(fetch, Context::Sessionless, None)
                .all(|read| !read.decisive() && read.records.len() == 0),
            "a follower's fetch was judged to have nothing to return, but a read finds something: {fetch:?}"
        );
        may
    }

    /// Whether a follower's fetch of `p` may return records or something decisive: unless the
    /// replica leads `p` in the epoch the follower knows, and the follower is at its log end
    /// offset without diverging, which [`read`](Self::read) answers with nothing.
    fn may_return(&self, p: &FetchPartition) -> bool {
        self.replicas
            .get(&p.tp)
            .is_none_or(|replica| may_return_from(replica, p))
    }

    /// The response's partitions, records copied.
    fn read_all(&self, fetch: &ParkedFetch) -> Vec<FetchedPartition> {
        let reads = self.reads(&fetch.request, fetch.context, fetch.stirred.as_ref());
        reads.map(Read::into_answer).collect()
    }

    /// Each partition's read within the fetch's byte limits: the response's budget is used in
    /// partition order, and until some records are in the response the first batch is taken
    /// whatever its size (KIP-74, `ReplicaManager.readFromLog`'s `minOneMessage`).
    ///
    /// An incremental fetch's quiet partitions are not read: those whose read would find
    /// nothing its session has not answered already (no records, the same high watermark and
    /// log start offset), which its answer would leave out. Most of a follower's are. Of a
    /// parked one, only those `stirred` are looked at: the others are quiet.
    fn reads<'a>(
        &'a self,
        fetch: &'a FetchRequest,
        context: Context,
        stirred: Option<&'a Stirred>,
    ) -> impl Iterator<Item = Read<'a>> {
        let limits = fetch.max_bytes();
        let mut left = limits.response as usize;
        let mut first = true;
        // Looked up once: an incremental fetch asks after each of its partitions.
        let remembered = self.fetch_sessions.remembered(context);
        let quiet = move |p: &FetchPartition| {
            let quiet = remembered.is_some_and(|remembered| {
                self.replicas.get(&p.tp).is_some_and(|replica| {
                    let log = &replica.log;
                    let offsets = (log.high_watermark(), log.log_start_offset());
                    !may_return_from(replica, p) && remembered.answered(&p.tp, offsets)
                })
            });
            // In tests, a read proves a quiet partition would be left out of the answer.
            debug_assert!(
                !quiet || {
                    let read = self.read(p, fetch);
                    !read.decisive() && read.records.len() == 0
                },
                "a quiet partition of a fetch has news: {p:?}"
            );
            quiet
        };
        let only = self.stirred(stirred, context);
        // In tests, every partition left unstirred is quiet: a change that can give one news
        // and neither wakes nor stirs the fetches waiting on it fails here.
        debug_assert!(
            only.is_none_or(|only| {
                (fetch.partitions.iter().enumerate())
                    .all(|(index, p)| only.contains(&(index as u32)) || quiet(p))
            }),
            "a partition of a parked fetch has news but was not stirred: {fetch:?}, {stirred:?}"
        );
        looked_at(fetch, only)
            .filter(move |p| !quiet(p))
            .map(move |p| {
                let mut read = self.read(p, fetch);
                let budget = left.min(limits.partition as usize);
                let (records, wire, bytes) = whole_batches(read.records, budget, first);
                let some = records.len() > 0;
                read.records = records;
                read.bytes = bytes;
                if some {
                    first = false;
                    left = left.saturating_sub(wire);
                }
                read
            })
    }

    /// KIP-392's `RackAwareReplicaSelector`: an in-sync replica in the consumer's rack, if the
    /// leader is not in it.
    fn preferred_read_replica(&self, isr: &[BrokerId], rack: Option<&str>) -> Option<BrokerId> {
        let rack = rack.filter(|_| self.config.rack_aware_replica_selector)?;
        if self.rack.as_deref() == Some(rack) {
            return None;
        }
        isr.iter()
            .copied()
            .find(|b| *b != self.id && self.racks.get(b).map(String::as_str) == Some(rack))
    }

    /// What a fetch of one partition returns now: records up to the LEO for a follower, up to
    /// the high watermark for a consumer (an empty answer, not an error, when there is none).
    /// A follower replica answers consumers too (KIP-392), up to its own high watermark.
    /// A read_committed consumer is served up to the last stable offset instead, with the
    /// aborted transactions among the records.
    fn read<'a>(&'a self, request: &FetchPartition, fetch: &FetchRequest) -> Read<'a> {
        let (replica_id, rack) = (fetch.replica_id, fetch.rack_id.as_deref());
        let Some(replica) = self.replicas.get(&request.tp) else {
            let known = self.image.partition(&request.tp).is_some();
            return Read::of(empty(
                &request.tp,
                if known {
                    ErrorCode::NotLeaderOrFollower
                } else {
                    ErrorCode::UnknownTopicOrPartition
                },
            ));
        };
        let leader_epoch = match (&replica.leadership, &replica.state) {
            (Some(leadership), _) => leadership.leader_epoch,
            (None, Some(state))
                if replica_id.is_none() && !self.image.fenced.contains(&self.id) =>
            {
                state.leader_epoch
            }
            _ => return Read::of(empty(&request.tp, ErrorCode::NotLeaderOrFollower)),
        };
        if !same_topic(replica, request) {
            // Its log is an earlier topic's of that name, and this broker has not heard of
            // the fetcher's: as Kafka's metadata cache, which does not know the id.
            return Read::of(empty(&request.tp, ErrorCode::UnknownTopicId));
        }
        match request.current_leader_epoch {
            Some(e) if e < leader_epoch => {
                return Read::of(empty(&request.tp, ErrorCode::FencedLeaderEpoch));
            }
            Some(e) if e > leader_epoch => {
                return Read::of(empty(&request.tp, ErrorCode::UnknownLeaderEpoch));
            }
            _ => {}
        }
        let log = &replica.log;
        let mut answer = empty(&request.tp, ErrorCode::None);
        answer.high_watermark = log.high_watermark();
        answer.log_end_offset = log.log_end_offset();
        answer.last_stable_offset = replica.last_stable_offset();
        if replica_id.is_none()
            && let Some(leadership) = &replica.leadership
            && let Some(preferred) = self.preferred_read_replica(&leadership.isr, rack)
        {
            answer.preferred_read_replica = Some(preferred);
            return Read::of(answer);
        }
        if replica_id.is_some()
            && let Some(diverging) = diverging(replica, request)
        {
            answer.diverging_epoch = Some(diverging);
            return Read::of(answer);
        }
        answer.log_start_offset = crate::protocol::Extension(log.log_start_offset());
        // Below the log start (retention deleted it) or past the end: Kafka's
        // `LocalLog.read` throws OffsetOutOfRangeException either way.
        if request.fetch_offset > log.log_end_offset()
            || request.fetch_offset < log.log_start_offset()
        {
            answer.error = ErrorCode::OffsetOutOfRange;
            return Read::of(answer);
        }
        let limit = if replica_id.is_some() {
            log.log_end_offset()
        } else if fetch.read_committed {
            answer.last_stable_offset
        } else {
            log.high_watermark()
        };
        Read {
            answer,
            records: log.read(request.fetch_offset, limit, MAX_FETCH_RECORDS),
            // Counted in `reads`, once the records are cut to whole batches.
            bytes: 0,
            aborted_from: fetch
                .read_committed
                .then_some((replica, request.fetch_offset)),
        }
    }

    /// Answers parked fetches on `tp` that now have something to return. As Kafka's
    /// purgatory (`checkAndComplete` with the partition as the key), only the fetches waiting
    /// on `tp` are checked: a busy leader appends thousands of times a second, and checking
    /// every parked fetch on each append is what made a busy cluster slow to simulate.
    pub(super) fn wake_parked(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        if let Some(stirring) = &mut self.stirring {
            stirring.push(tp.clone());
        }
        if !self
            .parked
            .iter()
            .any(|fetch| waits_on(fetch, tp).is_some())
        {
            return;
        }
        let parked = std::mem::take(&mut self.parked);
        for mut fetch in parked {
            let Some(index) = waits_on(&fetch, tp) else {
                self.parked.push(fetch);
                continue;
            };
            if let Some(stirred) = &mut fetch.stirred {
                stirred.stir(index);
            }
            if self.may_answer(&fetch, &fetch.request.partitions[index]) {
                // Read once: the check and the answer see the same logs.
                let reads = self.reads(&fetch.request, fetch.context, fetch.stirred.as_ref());
                let reads: Vec<Read<'_>> = reads.collect();
                if enough(&reads, fetch.request.min_bytes) {
                    let partitions = reads.into_iter().map(Read::into_answer).collect();
                    let ParkedFetch {
                        from,
                        correlation_id,
                        request,
                        context,
                        ..
                    } = fetch;
                    self.answer_fetch(ctx, from, correlation_id, &request, context, partitions);
                    continue;
                }
            }
            self.parked.push(fetch);
        }
    }

    /// [`after_leader_progress`](Self::after_leader_progress) on each of `touched`, all
    /// changed before the first wakes: a parked fetch woken by one reads the others too.
    pub(super) fn after_leaders_progress(&mut self, ctx: &mut Ctx<'_>, touched: &[TopicPartition]) {
        // One partition's wake stirs it.
        if touched.len() > 1 {
            for tp in touched {
                self.stir_parked(tp);
            }
        }
        for tp in touched {
            self.after_leader_progress(ctx, tp);
        }
    }

    /// Notes a change to `tp` that may be news to a follower's session, so a parked fetch on
    /// it looks at it when anything wakes it: one that wakes no fetch (retention or the
    /// cleaner changing a log), or whose wake may come after another's (a coordinator's
    /// write; each partition a produce or a metadata update changed).
    pub(super) fn stir_parked(&mut self, tp: &TopicPartition) {
        if let Some(stirring) = &mut self.stirring {
            stirring.push(tp.clone());
        }
        for fetch in &mut self.parked {
            if let (Some(index), Some(stirred)) = (waits_on(fetch, tp), &mut fetch.stirred) {
                stirred.stir(index);
            }
        }
    }

    pub(super) fn expire_parked_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
    ) {
        let Some(index) = self
            .parked
            .iter()
            .position(|p| p.from == from && p.correlation_id == correlation_id)
        else {
            return;
        };
        let fetch = self.parked.remove(index);
        let partitions = self.read_all(&fetch);
        self.answer_fetch(
            ctx,
            from,
            correlation_id,
            &fetch.request,
            fetch.context,
            partitions,
        );
    }
}

/// The partitions of `fetch` at the indexes `only` gives (ascending), or all of them, in the
/// fetch's order.
fn looked_at<'a>(
    fetch: &'a FetchRequest,
    only: Option<&'a [u32]>,
) -> impl Iterator<Item = &'a FetchPartition> {
    let mut only = only.map(<[u32]>::iter);
    let mut all = fetch.partitions.iter();
    std::iter::from_fn(move || match &mut only {
        Some(only) => only.next().map(|&index| &fetch.partitions[index as usize]),
        None => all.next(),
    })
}

/// Where the partition `tp` is among a parked fetch's, if it asks for it.
fn waits_on(fetch: &ParkedFetch, tp: &TopicPartition) -> Option<usize> {
    fetch.request.partitions.iter().position(|q| q.tp == *tp)
}

/// Whether `replica`'s log is of the topic `p` names, as far as the fetcher says which.
fn same_topic(replica: &super::Replica, p: &FetchPartition) -> bool {
    p.topic_id.as_ref().is_none_or(|id| *id == replica.topic_id)
}

/// [`Broker::may_return`] of a partition this broker hosts, `replica`.
fn may_return_from(replica: &super::Replica, p: &FetchPartition) -> bool {
    let Some(leadership) = &replica.leadership else {
        return true;
    };
    !same_topic(replica, p)
        || p.current_leader_epoch
            .is_some_and(|e| e != leadership.leader_epoch)
        || not_at_end(replica, p)
        || diverging(replica, p).is_some()
}

/// Whether a follower's fetch of `p` from `replica` is anywhere but at its log end offset,
/// so its read returns records or is out of range.
fn not_at_end(replica: &super::Replica, p: &FetchPartition) -> bool {
    p.fetch_offset != replica.log.log_end_offset()
        || p.fetch_offset < replica.log.log_start_offset()
}

/// KIP-595-style divergence check: if the follower's last epoch ended earlier in the leader's
/// log than the follower's LEO (or the leader does not know it), say where to truncate.
fn diverging(replica: &super::Replica, request: &FetchPartition) -> Option<(u32, u64)> {
    let last_epoch = request.last_fetched_epoch?;
    // The follower's last epoch is the leader's last, which ends at the log end offset: as
    // the search below would find, the follower diverges only if it is past that end. Nearly
    // every partition of a follower's fetch is so, each asked at every fetch. (The log keeps
    // its epochs in ascending order, a leader never writing below its last; debug builds
    // check the answer against the search.)
    if replica.log.last_epoch() == Some(last_epoch) {
        let end = replica.log.log_end_offset();
        let found = (end < request.fetch_offset).then_some((last_epoch, end));
        debug_assert_eq!(found, searched(replica, request, last_epoch), "{request:?}");
        return found;
    }
    searched(replica, request, last_epoch)
}

/// [`diverging`] from the leader's epochs: where `last_epoch` ends in its log.
fn searched(
    replica: &super::Replica,
    request: &FetchPartition,
    last_epoch: u32,
) -> Option<(u32, u64)> {
    match replica.log.end_offset_for_epoch(last_epoch) {
        Some((epoch, end)) if epoch == last_epoch && end >= request.fetch_offset => None,
        Some((epoch, end)) => Some((epoch, end.min(request.fetch_offset))),
        None => Some((0, 0)),
    }
}

pub(super) fn empty(tp: &TopicPartition, error: ErrorCode) -> FetchedPartition {
    FetchedPartition {
        tp: tp.clone(),
        error,
        high_watermark: 0,
        log_end_offset: 0,
        records: Vec::new(),
        diverging_epoch: None,
        preferred_read_replica: None,
        log_start_offset: crate::protocol::Extension(0),
        last_stable_offset: 0,
        aborted_transactions: Vec::new(),
    }
}
