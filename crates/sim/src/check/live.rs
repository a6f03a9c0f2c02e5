//! The checker, live: the findings about the records a page draws, kept up to date as the run
//! grows. The whole-run [`check`](super::check) reads every send and every log, so running it
//! per frame would make a frame cost the run's length. [`LiveMarks`] instead follows each
//! partition's leader log and the clients' histories from where it last stopped, so an update
//! costs what happened since, and a question about one record is a few map lookups.
//!
//! It indexes the current leader's log of each partition as one sequence of (send and value,
//! leader epoch) per offset. When the leader changes or truncates, the index rolls back to the
//! longest prefix the new log shares (Kafka's log matching: the same offset in the same epoch
//! holds the same record) and re-reads from there, so it always describes the log the checker
//! would read now. The rules are the checker's, asked of one record at a time.

use super::{
    Anomaly, Deletion, Fate, Violation, compacted_topic, fate, gone_with_topic, note_deletion,
    write_of,
};
use crate::client::{OperationId, Outcome, Request};
use crate::event::EventKind;
use crate::log::PartitionLog;
use crate::partition_map::PartitionMap;
use crate::protocol::{Record, TopicPartition};
use crate::time::SimTime;
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// A finding that marks one record (or, for a truncation, a range of offsets) where the page
/// shows it, with what the "why?" beside it needs to find its cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The checker's finding, worded as the whole-run checker words it.
    pub violation: Violation,
    /// The partition concerned.
    pub tp: TopicPartition,
    /// The record's offset (the first, for a range).
    pub offset: u64,
    /// The last offset of a range (the record's own offset otherwise).
    pub last: u64,
    /// When its record was sent (CreateTime): the cause is looked for around it.
    pub at: SimTime,
}

/// The hash a send's record is indexed under: the send that wrote it, so two sends of one
/// value are two records and a retry's copy is the same one (a send writes one value); a
/// record written by no send (as in hand-built test logs) by its value, a null value counting
/// as `null`, as the checker reads it. SipHash with fixed keys: the same on every machine. Not
/// the trace's faster word hasher: inputs that differ in a few bytes collide there
/// (`record-19` and `record-92`), and a truncation is judged by the hash alone. The id alone
/// is a fifth of the hashing a hundred-byte value costs, twice per acknowledged record.
fn send_hash(send: Option<OperationId>, value: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    match send {
        // One write of the three fields, packed without overlap: a third of the cost of three.
        Some(OperationId {
            node,
            connection,
            index,
        }) => hasher.write_u128(
            u128::from(node.0) << 40 | u128::from(connection as u8) << 32 | u128::from(index),
        ),
        None => value.hash(&mut hasher),
    }
    hasher.finish()
}

/// A map keyed by [`send_hash`]es and [`copy_hash`]es, which are SipHash outputs already:
/// hashing them again would only cost time (a `BTreeMap` of them cost 400 instructions an
/// insert, its keys in no useful order). The project forbids `HashMap` for its random
/// iteration order; this one has none (the hasher has no random state), and it is only looked
/// up, never walked.
#[allow(clippy::disallowed_types)]
type ByHash<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<HashIsKey>>;

/// The hasher of [`ByHash`]: the key is its own hash.
#[derive(Default)]
struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn write(&mut self, _: &[u8]) {
        unreachable!("ByHash is keyed by u64 hashes only");
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn record_hash(record: &Record) -> u64 {
    send_hash(
        record.data.send,
        record.data.value.as_deref().unwrap_or(b"null"),
    )
}

/// The hash of the write a record is a copy of (the checker's duplicate rule, `write_of`) and
/// its value: the send's hash (`sent`, its `record_hash`), except for an application's output,
/// which is named by its input.
fn copy_hash(record: &Record, sent: u64) -> u64 {
    let mut hasher = DefaultHasher::new();
    match write_of(&record.data) {
        super::Write::Send(_) => return sent,
        super::Write::Processed(input) => input.hash(&mut hasher),
    }
    record
        .data
        .value
        .as_deref()
        .unwrap_or(b"null")
        .hash(&mut hasher);
    hasher.finish()
}

/// One partition's leader log as indexed, and its acknowledged sends.
#[derive(Clone, Debug, Default)]
struct LogIndex {
    /// The id of the topic followed: one created again under its name is followed afresh.
    topic_id: crate::protocol::TopicId,
    /// The offset of `entries[0]`.
    start: u64,
    /// Per offset: the send's hash, the write's (both 0 for a transaction marker) and the
    /// leader epoch.
    entries: Vec<(u64, u64, u32)>,
    /// Each write's first offset...
    first: ByHash<u64>,
    /// ...and its later ones, for the few writes the log holds more than once.
    more: BTreeMap<u64, Vec<u64>>,
    /// Acknowledged sends, sorted by offset and place in the run's order of operations, each
    /// with its hash and client (an index into `clients`). An offset has more than one once a
    /// truncation lost the first and a new leader acknowledged another record there.
    acked: Vec<((u64, usize), (u64, u32))>,
    /// Acknowledged sends (offset, place in the run's order) the leader's log does not hold
    /// with their value (a truncation or an election removed them from the partition: the
    /// old leader may still hold them). By send, not by offset: a new record acknowledged at
    /// a lost one's offset does not bring the lost one back.
    truncated: BTreeSet<(u64, usize)>,
    /// Each client's (an index into `clients`) acknowledged sends: (place in the run's order,
    /// offset), in the run's order. Here rather than in a map by client and partition: a
    /// send's partition is looked up anyway, and the name is not compared again.
    sends: BTreeMap<u32, Vec<(usize, u64)>>,
}

impl LogIndex {
    fn end(&self) -> u64 {
        self.start + self.entries.len() as u64
    }

    /// Follows `log`, the partition's current leader log, indexing at most `left` new records
    /// (and counting them off). Returns the first offset whose acknowledged sends must be
    /// judged again (records removed, replaced or newly indexed), if any.
    fn follow(&mut self, log: &PartitionLog, left: &mut usize) -> Option<u64> {
        let (records, log_start) = (log.records(), log.log_start_offset());
        if log_start > self.start {
            // Retention deleted everything below the log start: that is no truncation, and
            // acknowledged sends there are not lost (the checker's rule too).
            let cut = (log_start - self.start).min(self.entries.len() as u64) as usize;
            self.entries.drain(..cut);
            self.start = log_start;
            // A loss already found stays found: retention deleting the offsets later does not
            // undo the truncation that lost them.
            let cut = self
                .acked
                .partition_point(|&((offset, _), _)| offset < log_start);
            self.acked.drain(..cut);
        }
        if self.entries.is_empty()
            && let Some(first) = records.first()
        {
            self.start = first.offset;
        }
        let log_end = records.last().map_or(self.start, |r| r.offset + 1);
        let mut keep = self.end().min(log_end);
        while keep > self.start {
            let (hash, _, epoch) = self.entries[(keep - 1 - self.start) as usize];
            let same = log.record_at(keep - 1).is_some_and(|r| {
                r.leader_epoch == epoch
                    && hash
                        == if r.batch.control.is_some() {
                            0
                        } else {
                            record_hash(r)
                        }
            });
            if same {
                break;
            }
            keep -= 1;
        }
        let rolled_back = keep < self.end();
        self.roll_back(keep);
        let from = records.partition_point(|r| r.offset < keep);
        let taken = (records.len() - from).min(*left);
        *left -= taken;
        for record in records.iter_from(from).take(taken) {
            let offset = self.end();
            if record.offset != offset {
                // A gap (the log's start moved past what was indexed): start over from it.
                *self = LogIndex {
                    acked: std::mem::take(&mut self.acked),
                    truncated: std::mem::take(&mut self.truncated),
                    sends: std::mem::take(&mut self.sends),
                    start: record.offset,
                    ..LogIndex::default()
                };
            }
            let (hash, copy) = if record.batch.control.is_some() {
                (0, 0)
            } else {
                let hash = record_hash(record);
                let copy = copy_hash(record, hash);
                match self.first.get(&copy) {
                    Some(_) => self.more.entry(copy).or_default().push(record.offset),
                    None => {
                        self.first.insert(copy, record.offset);
                    }
                }
                (hash, copy)
            };
            self.entries.push((hash, copy, record.leader_epoch));
        }
        // Acknowledged offsets just indexed are judged again too: a send is registered
        // before its offset is indexed when its partition had no leader to follow then (or
        // the index was built afresh at such a moment), and judged truncated against nothing.
        (rolled_back || taken > 0).then_some(keep)
    }

    /// Forgets the entries from `offset` on.
    fn roll_back(&mut self, offset: u64) {
        while self.end() > offset {
            let Some((hash, copy, _)) = self.entries.pop() else {
                break;
            };
            let removed = self.end();
            if hash == 0 {
                continue;
            }
            // Newest first: a later copy goes before the first one does.
            if let Some(later) = self.more.get_mut(&copy) {
                later.retain(|&o| o != removed);
                if later.is_empty() {
                    self.more.remove(&copy);
                }
            }
            if self.first.get(&copy) == Some(&removed) {
                self.first.remove(&copy);
            }
        }
    }

    /// Where the log holds copies of this write, by the index (to be confirmed in the log).
    fn offsets_of(&self, copy: u64) -> impl Iterator<Item = u64> + '_ {
        self.first
            .get(&copy)
            .copied()
            .into_iter()
            .chain(self.more.get(&copy).into_iter().flatten().copied())
    }

    fn holds(&self, offset: u64, hash: u64) -> bool {
        offset
            .checked_sub(self.start)
            .and_then(|i| self.entries.get(i as usize))
            .is_some_and(|&(h, ..)| h == hash)
    }

    /// Re-reads whether each send acknowledged from `from` on is still in place.
    fn recheck_acked(&mut self, from: u64) {
        let first = self
            .acked
            .partition_point(|&((offset, _), _)| offset < from);
        let acked: Vec<(u64, u64, usize)> = self.acked[first..]
            .iter()
            .map(|&((offset, position), (hash, _))| (offset, hash, position))
            .collect();
        for (offset, hash, position) in acked {
            self.recheck_send(offset, hash, position);
        }
    }

    /// Registers the send at `position` in the run's order, acknowledged at `offset`, and
    /// judges it (a walk over the sends may read one again: it is registered once).
    fn acknowledge(&mut self, offset: u64, (hash, client, position): (u64, u32, usize)) {
        insert_sorted(&mut self.acked, (offset, position), (hash, client));
        self.recheck_send(offset, hash, position);
    }

    /// Adds the send at `position` in the run's order, acknowledged at `offset`, to its
    /// client's (once, as `acknowledge`).
    fn register(&mut self, client: u32, position: usize, offset: u64) {
        insert_sorted(self.sends.entry(client).or_default(), position, offset);
    }

    fn recheck_send(&mut self, offset: u64, hash: u64, position: usize) {
        if self.holds(offset, hash) {
            self.truncated.remove(&(offset, position));
        } else {
            self.truncated.insert((offset, position));
        }
    }
}

/// Puts `key`'s entry in `entries`, kept sorted by key, or replaces it: nearly always at the
/// end, where a plain `push` does. The sends are read in the run's order; a walk that starts
/// again at an older pending send reads some again, and adds the ones acknowledged since
/// among them; acknowledgements come in nearly in offset order.
fn insert_sorted<K: Ord + Copy, V>(entries: &mut Vec<(K, V)>, key: K, value: V) {
    match entries.last() {
        Some(&(last, _)) if last >= key => match entries.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => entries[i].1 = value,
            Err(i) => entries.insert(i, (key, value)),
        },
        _ => entries.push((key, value)),
    }
}

/// A send's topic as its request names it: a producer's send shares its name, so its
/// partition is named without a copy of the text.
enum Topic<'a> {
    Name(&'a str),
    Shared(&'a std::rc::Rc<str>),
}

impl Topic<'_> {
    fn partition(&self, partition: u32) -> TopicPartition {
        match self {
            Topic::Name(name) => TopicPartition::new(name, partition),
            Topic::Shared(name) => TopicPartition {
                topic: std::rc::Rc::clone(name),
                partition,
            },
        }
    }
}

/// Where the walk over the run's operations stands: operations invoked at `time`, after the
/// first `lead` of them, starting at the run's `order`-th operation. Everything before it is
/// final (a send's outcome changes only while it is pending).
#[derive(Clone, Debug, Default)]
struct Cursor {
    time: SimTime,
    lead: usize,
    order: usize,
}

/// The checker's per-record findings for a page, updated incrementally.
#[derive(Clone, Debug, Default)]
pub struct LiveMarks {
    /// The run's events and time when last updated: nothing changes without them changing.
    seen: (usize, SimTime),
    /// Whether the last update stopped at its budget, short of `seen`'s world.
    behind: bool,
    /// A walk over the sends cut short by a budget: where it goes on, the oldest send it
    /// found pending (where the walk after it must start again: it may be acknowledged since),
    /// and the run (`seen`) it began on.
    walk: Option<(Cursor, Option<Cursor>, (usize, SimTime))>,
    /// By partition: one is looked up for every acknowledged send.
    partitions: PartitionMap<LogIndex>,
    clients: Vec<String>,
    cursor: Cursor,
    /// How much of each consumer's history (in the order added) has been read.
    consumers_read: Vec<usize>,
    /// Transactional records consumers returned: (consumer, read_committed) per record.
    reads: BTreeMap<(TopicPartition, u64), Vec<(u32, bool)>>,
    /// Each topic's last deletion, from the run's first `events_read` events: what was written
    /// to or read from the incarnation it deleted went with it (the checker's rule too).
    deleted: BTreeMap<String, Deletion>,
    events_read: usize,
}

impl LiveMarks {
    /// Brings the index up to the world's present. Cheap when nothing happened; otherwise it
    /// costs what happened since the last update. A world that went back in time (a rewind)
    /// is indexed afresh.
    pub fn update(&mut self, world: &World) {
        let caught_up = self.update_within(world, usize::MAX);
        assert!(caught_up, "an unlimited update stopped short of the world");
    }

    /// The index in pieces small enough to free one at a time (one per partition, one per
    /// partition's sends, and the reads): a rewind lets go of the index, and
    /// freeing a ten-minute run's in one step held a page for a tenth of a second.
    pub fn into_pieces(self) -> Vec<Box<dyn std::any::Any>> {
        let mut pieces: Vec<Box<dyn std::any::Any>> = Vec::new();
        for mut index in self.partitions.into_values() {
            pieces.push(Box::new(std::mem::take(&mut index.sends)));
            pieces.push(Box::new(index));
        }
        pieces.push(Box::new(self.reads));
        pieces
    }

    /// Whether the marks describe `world` as it is, without reading anything: a page's draw
    /// asks this, and leaves the reading to a task of its own.
    pub fn caught_up(&self, world: &World) -> bool {
        (world.events().len(), world.now()) == self.seen && !self.behind
    }

    /// [`update`](Self::update) in pieces: it reads at most `budget` records of the logs,
    /// `budget` operations and `budget` polls, and says whether it caught up with `world`.
    /// After a rewind the index is built afresh from the whole run, which for a long run is
    /// more than a frame can wait for; a page asks every frame, and the marks fill in as it
    /// catches up (a record's mark may come a few frames late: the sends are read only once
    /// every log being followed is indexed, and offsets indexed later are judged again).
    pub fn update_within(&mut self, world: &World, budget: usize) -> bool {
        assert!(budget > 0, "a budget of 0 never catches up");
        if self.caught_up(world) {
            return true;
        }
        let now = (world.events().len(), world.now());
        if now.0 < self.seen.0 || now.1 < self.seen.1 {
            // Freed here in one step: a page that rewinds lets go of the old index itself, in
            // pieces (`into_pieces`).
            *self = LiveMarks::default();
        }
        self.seen = now;
        self.read_deletions(world);
        self.behind = !(self.follow_logs(world, budget)
            && self.read_sends(world, budget)
            && self.read_polls(world, budget));
        !self.behind
    }

    /// Whether `op` wrote to or read from an incarnation of `topic` deleted since, as read so
    /// far: the record went with the topic, and one created again under its name is judged on
    /// its own.
    pub fn went_with_topic(&self, topic: &str, op: &crate::client::Operation) -> bool {
        gone_with_topic(&self.deleted, topic, op)
    }

    fn read_deletions(&mut self, world: &World) {
        let events = world.events();
        for event in &events[self.events_read.min(events.len())..] {
            note_deletion(&mut self.deleted, event);
        }
        self.events_read = events.len();
    }

    /// Follows every partition's leader log (at most `budget` records in all); whether each
    /// is indexed to its end.
    fn follow_logs(&mut self, world: &World, budget: usize) -> bool {
        let mut left = budget;
        let metadata = world.metadata();
        for (tp, state) in metadata
            .partitions()
            .filter(|(tp, _)| !crate::topic::is_internal(&tp.topic) && !compacted_topic(world, tp))
        {
            let Some(log) = state
                .leader
                .and_then(|leader| world.replica_log(leader, &tp))
            else {
                continue;
            };
            let Some(topic_id) = metadata.topics.get(&tp.topic).map(|t| &t.topic_id) else {
                continue;
            };
            let index = self.partitions.get_or_default(&tp);
            if index.topic_id != *topic_id {
                if !index.topic_id.is_empty() {
                    // Created again under its name: a new log, judged on its own.
                    *index = LogIndex::default();
                    self.reads.retain(|(read_from, _), _| *read_from != tp);
                }
                index.topic_id = topic_id.clone();
            }
            if let Some(changed) = index.follow(log, &mut left) {
                index.recheck_acked(changed);
            }
            if left == 0
                && log
                    .records()
                    .last()
                    .is_some_and(|r| r.offset >= index.end())
            {
                return false;
            }
        }
        true
    }

    fn client(&mut self, name: &str) -> u32 {
        let found = self.clients.iter().position(|c| c == name);
        found.unwrap_or_else(|| {
            self.clients.push(name.to_owned());
            self.clients.len() - 1
        }) as u32
    }

    /// Registers the sends acknowledged since the cursor (at most `budget` operations), and
    /// moves it to the oldest send still pending; whether it read to the run's last operation
    /// in one walk over the run as it is now. A walk cut short goes on over a later run, and a
    /// send it passed while pending may be acknowledged by the time it ends: such a walk
    /// ends with the cursor at the oldest of them, not caught up, so the next walk (over one
    /// run, if the run stays still) reads them.
    fn read_sends(&mut self, world: &World, budget: usize) -> bool {
        let (Cursor { time, lead, order }, mut next, began) = self
            .walk
            .take()
            .unwrap_or_else(|| (self.cursor.clone(), None, self.seen));
        // The operations invoked at the same moment as the current one, and where they began.
        let (mut run_time, mut run_start) = (time, order - lead);
        let mut position = order;
        let mut last_time = time;
        let mut stopped = false;
        for (walked, (id, op)) in world
            .identified_operations_since(time)
            .skip(lead)
            .enumerate()
        {
            if walked == budget {
                stopped = true;
                break;
            }
            if op.invoked_at != run_time {
                (run_time, run_start) = (op.invoked_at, position);
            }
            last_time = op.invoked_at;
            let topic = match &op.request {
                Request::Produce { topic, .. } => Topic::Name(topic),
                Request::Send { topic, .. } => Topic::Shared(topic),
                _ => {
                    position += 1;
                    continue;
                }
            };
            match op.outcome {
                Outcome::Pending if next.is_none() => {
                    next = Some(Cursor {
                        time: op.invoked_at,
                        lead: position - run_start,
                        order: position,
                    });
                }
                Outcome::Acked {
                    partition, offset, ..
                } => {
                    let tp = topic.partition(partition);
                    if compacted_topic(world, &tp) || self.went_with_topic(&tp.topic, op) {
                        position += 1;
                        continue;
                    }
                    let client = self.client(&op.client);
                    // The send's value is its record's: its id names it (see `send_hash`).
                    let hash = send_hash(Some(id), &[]);
                    let index = self.partitions.get_or_default(&tp);
                    index.register(client, position, offset);
                    // Below the indexed start once retention moved it: deleted, not lost.
                    if offset >= index.start {
                        index.acknowledge(offset, (hash, client, position));
                    }
                }
                _ => {}
            }
            position += 1;
        }
        let here = Cursor {
            time: last_time,
            lead: position
                - if last_time == run_time {
                    run_start
                } else {
                    position
                },
            order: position,
        };
        if stopped {
            self.walk = Some((here, next, began));
            return false;
        }
        let pending_passed = next.is_some();
        self.cursor = next.unwrap_or(here);
        began == self.seen || !pending_passed
    }

    /// Records the transactional records each consumer returned since the last update (from
    /// at most `budget` of their operations); whether it read every consumer's history.
    fn read_polls(&mut self, world: &World, budget: usize) -> bool {
        let mut left = budget;
        for (number, (consumer, _)) in world.consumers().enumerate() {
            if self.consumers_read.len() <= number {
                self.consumers_read.push(0);
            }
            let history = consumer.history();
            let from = self.consumers_read[number].min(history.len());
            let to = history.len().min(from.saturating_add(left));
            left -= to - from;
            self.consumers_read[number] = to;
            for op in history.iter_from(from).take(to - from) {
                let (Request::Poll { read_committed, .. }, Outcome::Polled { records, .. }) =
                    (&op.request, &op.outcome)
                else {
                    continue;
                };
                let deleted = &self.deleted;
                for record in records
                    .iter()
                    .filter(|r| r.transactional && !gone_with_topic(deleted, &r.tp.topic, op))
                {
                    self.reads
                        .entry((record.tp.clone(), record.offset))
                        .or_default()
                        .push((number as u32, *read_committed));
                }
            }
            if to < history.len() {
                return false;
            }
        }
        true
    }

    /// The findings about each of `records` (offset and value, as a replica's log holds them,
    /// the newest a page draws): duplicated, reordered, read then aborted. A record the
    /// leader's log does not hold at its offset (a follower's copy that will be truncated) is
    /// not the checker's to judge, and gets none.
    pub fn marks(
        &self,
        world: &World,
        tp: &TopicPartition,
        records: &[(u64, &str)],
    ) -> Vec<Vec<Mark>> {
        let (Some(index), Some(log)) = (self.partitions.get(tp), world.leader_log(tp)) else {
            return vec![Vec::new(); records.len()];
        };
        records
            .iter()
            .map(|&(offset, value)| {
                let Some(record) = log
                    .record_at(offset)
                    .filter(|r| r.batch.control.is_none() && r.data.value_text() == value)
                else {
                    return Vec::new();
                };
                let mark = |anomaly, detail: String| Mark {
                    violation: Violation { anomaly, detail },
                    tp: tp.clone(),
                    offset,
                    last: offset,
                    at: SimTime::from_millis(record.data.timestamp_ms),
                };
                let mut found = Vec::new();
                // The checker's duplicate rule: the write at more than one offset, not
                // counting aborted copies.
                let write = write_of(&record.data);
                let hash = record_hash(record);
                let mut offsets: Vec<u64> = index
                    .offsets_of(copy_hash(record, hash))
                    .filter(|&o| {
                        log.record_at(o).is_some_and(|r| {
                            r.batch.control.is_none()
                                && r.data.value_text() == value
                                && write_of(&r.data) == write
                        })
                    })
                    .collect();
                offsets.sort_unstable();
                if offsets.len() > 1 {
                    offsets.retain(|&o| fate(world, tp, o) != Some(Fate::Aborted));
                }
                if offsets.len() > 1 && offsets.contains(&offset) {
                    found.push(mark(
                        Anomaly::Duplicate,
                        format!("{tp}: {value:?} is at offsets {offsets:?}"),
                    ));
                }
                if let Some(detail) = self.reordered(world, tp, offset, hash, value) {
                    found.push(mark(Anomaly::Reordered, detail));
                }
                if let Some(detail) = self.read_then_aborted(world, tp, offset, value) {
                    found.push(mark(Anomaly::AbortedRead, detail));
                }
                found
            })
            .collect()
    }

    /// The checker's reorder rule for the send acknowledged at `offset`: the same client's
    /// previous acknowledged send to the partition that the partition kept landed at a
    /// higher offset. (A lost send's offset may hold a later record: that is the loss.)
    fn reordered(
        &self,
        world: &World,
        tp: &TopicPartition,
        offset: u64,
        hash: u64,
        value: &str,
    ) -> Option<String> {
        let index = self.partitions.get(tp)?;
        let first = index.acked.partition_point(|&((o, _), _)| o < offset);
        let &((_, order), (_, client)) = index.acked[first..]
            .iter()
            .take_while(|&&((o, _), _)| o == offset)
            .find(|(_, send)| send.0 == hash)?;
        let sends = index.sends.get(&client)?;
        let before = sends.partition_point(|&(earlier, _)| earlier < order);
        let &(_, previous) = sends[..before]
            .iter()
            .rev()
            .find(|&&(earlier, at)| !index.truncated.contains(&(at, earlier)))?;
        let earlier = world
            .leader_log(tp)
            .and_then(|log| log.record_at(previous))
            .map_or_else(
                || "a record".to_owned(),
                |r| format!("{:?}", r.data.value_text()),
            );
        (offset < previous).then(|| {
            format!(
                "{tp}: {} sent {earlier} before {value:?}, but they landed at offsets {previous} and {offset}",
                self.clients[client as usize]
            )
        })
    }

    /// The checker's aborted-read rule for one record: a consumer returned it, and its
    /// transaction aborted. (An open transaction's record read by read_uncommitted is not a
    /// finding yet: it may still commit.)
    fn read_then_aborted(
        &self,
        world: &World,
        tp: &TopicPartition,
        offset: u64,
        value: &str,
    ) -> Option<String> {
        let readers = self.reads.get(&(tp.clone(), offset))?;
        if fate(world, tp, offset) != Some(Fate::Aborted) {
            return None;
        }
        let &(consumer, read_committed) = readers.first()?;
        let name = world
            .consumers()
            .nth(consumer as usize)?
            .0
            .name()
            .to_owned();
        let isolation = if read_committed {
            "read_committed"
        } else {
            "read_uncommitted"
        };
        Some(format!(
            "{name} ({isolation}) read {value:?} at {tp} offset {offset}, whose transaction aborted"
        ))
    }

    /// Acknowledged offsets of `tp` its leader's log does not hold, as runs of consecutive
    /// offsets, each a finding ("offsets 17-19 acknowledged, not in the leader's log"). Worded
    /// as the leader's log stands, not as a truncation: the loss starts when a replica without
    /// the records is elected, while the old leader (down, or cut off) still holds them and
    /// truncates only when it comes back to follow; a power loss removes them with no
    /// truncation at all. One offset per lost send: an offset that lost two sends (two
    /// truncations, each after a new leader acknowledged a record there) is in two runs, so
    /// the runs' offsets count the records lost.
    pub fn truncated_after_ack(&self, tp: &TopicPartition) -> Vec<Mark> {
        let Some(index) = self.partitions.get(tp) else {
            return Vec::new();
        };
        let mut runs = lost_runs(index.truncated.iter().map(|&(offset, _)| offset));
        runs.sort_unstable();
        runs.into_iter()
            .map(|(first, last)| {
                let (offsets, them) = if first == last {
                    (format!("offset {first}"), "it")
                } else {
                    (format!("offsets {first}-{last}"), "them")
                };
                Mark {
                    violation: Violation {
                        anomaly: Anomaly::LostWrite,
                        detail: format!(
                            "{tp}: {offsets} acknowledged, not in the leader's log: a consumer can no longer read {them}"
                        ),
                    },
                    tp: tp.clone(),
                    offset: first,
                    last,
                    at: SimTime::ZERO,
                }
            })
            .collect()
    }
}

/// Offsets in ascending order, an offset as many times as it lost a send, as runs of
/// consecutive offsets: the first time an offset comes goes into the first layer of runs, the
/// second into the second, so every run is consecutive and each lost send is in one run.
fn lost_runs(offsets: impl Iterator<Item = u64>) -> Vec<(u64, u64)> {
    // Per layer: its runs, the last one open.
    let mut layers: Vec<Vec<(u64, u64)>> = Vec::new();
    let (mut previous, mut layer) = (None, 0);
    for offset in offsets {
        layer = if previous == Some(offset) {
            layer + 1
        } else {
            0
        };
        previous = Some(offset);
        if layers.len() <= layer {
            layers.push(Vec::new());
        }
        let runs = &mut layers[layer];
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == offset => *last = offset,
            _ => runs.push((offset, offset)),
        }
    }
    layers.into_iter().flatten().collect()
}

/// What caused a mark, as indices into the run's events, nearest first: the "why?" of every
/// mark the page shows. A loss starts at what removed the record (a truncation, a power loss,
/// an unclean election), or else at the leader change to a replica without it; a duplicate or
/// a reorder at the trouble that made the producer retry (a cut link, a crash, a pause, a
/// leader change around the send); a read then aborted at the coordinator's abort.
pub fn why(world: &World, mark: &Mark) -> Vec<usize> {
    let events = world.events();
    let tp = &mark.tp;
    let chain = |index: usize| {
        let mut chain = vec![index];
        chain.extend(crate::explain::cause_chain(events, index));
        chain
    };
    match mark.violation.anomaly {
        Anomaly::LostWrite => {
            let causes = crate::verdict::causes(events, &mark.violation);
            if !causes.is_empty() {
                return causes;
            }
            events
                .iter()
                .rposition(|e| matches!(&e.kind, EventKind::LeaderChanged { tp: t, .. } if t == tp))
                .map(chain)
                .unwrap_or_default()
        }
        Anomaly::Duplicate | Anomaly::Reordered => {
            let brokers = world
                .metadata()
                .partition(tp)
                .map(|p| p.replicas.clone())
                .unwrap_or_default();
            let trouble = |kind: &EventKind| {
                let broker_endpoint = |e: &crate::endpoint::Endpoint| matches!(e, crate::endpoint::Endpoint::Broker(b) if brokers.contains(b));
                match kind {
                    EventKind::LinkCut { a, b } => broker_endpoint(a) || broker_endpoint(b),
                    EventKind::LinkCutOneWay { from, to } => {
                        broker_endpoint(from) || broker_endpoint(to)
                    }
                    EventKind::BrokerCrashed { broker, .. } => brokers.contains(broker),
                    EventKind::ProcessPaused { endpoint } => broker_endpoint(endpoint),
                    EventKind::LeaderChanged { tp: t, .. } => t == tp,
                    _ => false,
                }
            };
            // The trouble in force when the record was sent, or else the first after it.
            let sent = events.partition_point(|e| e.at <= mark.at);
            events[..sent]
                .iter()
                .rposition(|e| trouble(&e.kind))
                .or_else(|| {
                    events[sent..]
                        .iter()
                        .position(|e| trouble(&e.kind))
                        .map(|i| sent + i)
                })
                .map(chain)
                .unwrap_or_default()
        }
        Anomaly::AbortedRead => {
            let sent = events.partition_point(|e| e.at < mark.at);
            events[sent..]
                .iter()
                .position(|e| {
                    matches!(&e.kind, EventKind::TxnPrepared { committed: false, partitions, .. }
                        if partitions.contains(tp))
                })
                .map(|i| chain(sent + i))
                .unwrap_or_default()
        }
        _ => crate::verdict::causes(events, &mark.violation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::time::SimDuration;

    /// Sends waiting while their partition's only replica is down, acknowledged once it is
    /// back, among sends acknowledged all along. Caught up a few operations at a time while
    /// the run grows, a walk over the sends is cut with those waiting sends behind it: the
    /// walk after must start at the oldest of them again, or their acknowledgements are never
    /// read. The sends registered end as an index built in one go has them. (The restarted
    /// broker registers only once its crashed process's session has expired, about 11 s in.)
    #[test]
    fn a_send_waiting_behind_a_walk_cut_short_is_read_once_acknowledged() {
        let mut world = crate::test_worlds::waiting_and_flowing(5);
        let mut pieces = LiveMarks::default();
        let mut carried = 0;
        for step in 0..160 {
            if step == 20 {
                crate::test_worlds::crash(&mut world, 1);
            }
            if step == 60 {
                let restart = Command::RestartBroker { broker: 1 };
                world.apply(restart).expect("restarted");
            }
            world.run_for(SimDuration::from_millis(100));
            pieces.update_within(&world, 25);
            if pieces
                .walk
                .as_ref()
                .is_some_and(|(_, pending, _)| pending.is_some())
            {
                carried += 1;
            }
        }
        while !pieces.update_within(&world, 25) {}
        assert!(carried > 0, "no walk was cut with a send waiting behind it");
        let mut fresh = LiveMarks::default();
        fresh.update(&world);
        let stuck = TopicPartition::new("stuck", 0);
        let sends = |marks: &LiveMarks| {
            let partitions = marks.partitions.iter();
            partitions
                .map(|(tp, index)| (tp.clone(), index.sends.clone()))
                .collect::<Vec<_>>()
        };
        let registered = |marks: &LiveMarks| {
            let index = marks.partitions.get(&stuck);
            index.map_or(0, |i| i.sends.values().map(Vec::len).sum::<usize>())
        };
        assert!(
            registered(&fresh) > 500,
            "the waiting sends were acknowledged after the restart: {}",
            registered(&fresh)
        );
        assert!(
            sends(&pieces) == sends(&fresh),
            "registered {} of the waiting partition's {} acknowledged sends",
            registered(&pieces),
            registered(&fresh)
        );
        assert_eq!(pieces.cursor.order, fresh.cursor.order);
    }

    /// An offset that lost two sends is in two runs: the runs' offsets count the sends.
    #[test]
    fn an_offset_lost_twice_is_in_two_runs() {
        let lost = [3, 4, 4, 5, 5, 9];
        assert_eq!(super::lost_runs(lost.into_iter()), [(3, 5), (9, 9), (4, 5)]);
        assert_eq!(super::lost_runs(std::iter::empty()), []);
    }
}
