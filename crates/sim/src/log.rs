//! A replica's partition log: records with offsets and leader epochs, the log start offset,
//! the log end offset (LEO), the high watermark (HW), the leader-epoch cache used for
//! truncation (KIP-101/KIP-279), how much of it has reached disk, and its segments, which
//! retention deletes whole (as Kafka's `UnifiedLog.deleteOldSegments`) and the cleaner
//! compacts (`cleaner`).
//!
//! Segments here are bookkeeping over one record list: each has a base offset, a size (the
//! records' sizes as the producer estimates them) and its records' largest timestamp; there
//! are no files and no indexes.
//!
//! Record payloads are reference-counted: a record is built once by the leader and shared by
//! every follower's log and every fetch response, so replication copies pointers, not bytes.
//! The records themselves are [`Chunked`]: a copy of the log (a rewind checkpoint) shares all
//! but its newest records with the log it was copied from.

use crate::chunked::{Chunked, Iter};
use crate::protocol::{BatchHeader, Record, RecordData};
use serde::Serialize;
use std::collections::BTreeMap;
use std::rc::Rc;

mod cleaner;
pub(crate) use cleaner::Compaction;

/// One replica's log.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PartitionLog {
    records: Chunked<Record>,
    high_watermark: u64,
    /// `(leader_epoch, start_offset)`, ascending: the first offset written in each epoch.
    epochs: Vec<(u32, u64)>,
    /// Records below this offset are on disk; a power loss keeps only those.
    flushed: u64,
    /// The records' sizes as the producer counts them, kept as records come and go so a view
    /// does not sum a long log.
    size_bytes: u64,
    /// The first offset a reader may fetch; retention moves it forward.
    #[serde(skip_serializing_if = "is_zero")]
    log_start_offset: u64,
    /// The segments, oldest first; the last is the active one. Empty until the first append
    /// (then one segment at the log start offset).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    segments: Vec<Segment>,
    /// How many segments retention has deleted, for the page.
    #[serde(skip_serializing_if = "is_zero")]
    deleted_segments: u64,
    /// The cleaner's checkpoint (Kafka's `cleaner-offset-checkpoint`): below it the log was
    /// cleaned.
    #[serde(skip_serializing_if = "is_zero")]
    first_dirty_offset: u64,
    /// Tombstones the cleaner has seen, by offset: when they may go (KIP-534's
    /// `deleteHorizonMs`, which Kafka writes into the cleaned batch).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    delete_horizons: BTreeMap<u64, u64>,
    /// How many records the cleaner has removed, for the page.
    #[serde(skip_serializing_if = "is_zero")]
    cleaned_records: u64,
    /// How many of the records are transaction markers, kept as records come and go: a
    /// topic's message count leaves them out (a consumer never sees one) and a view must not
    /// scan a long log to learn it.
    #[serde(skip)]
    control_records: u64,
    /// How many times a method taking `&mut self` was called: the invariant checker skips a
    /// leader's log no write touched since it last looked (it looks after every broker step).
    /// Every such method counts itself first, so no change can slip past the count.
    #[serde(skip)]
    writes: u64,
    /// The records power losses took from this log: a committed record a later leader lacks
    /// went with the power only if it is one of these (KIP-966's "last replica standing"),
    /// which the invariant checker tells apart from a simulator's mistake. Empty but after a
    /// power loss; each loss adds the few seconds of records the OS had not written back.
    #[serde(skip)]
    lost_in_power_loss: Vec<Rc<RecordData>>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How many of `records` are transaction markers.
fn controls<'a>(records: impl Iterator<Item = &'a Record>) -> u64 {
    records.filter(|r| r.batch.control.is_some()).count() as u64
}

/// One segment: where it starts, how big it is and how new its newest record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The offset of its first record.
    pub base_offset: u64,
    /// Its records' sizes, summed.
    pub size_bytes: u64,
    /// The timestamp of its first batch, which `segment.ms` counts from (Kafka's
    /// `rollingBasedTimestamp`); none while empty.
    pub first_timestamp_ms: Option<u64>,
    /// Its records' largest timestamp, which `retention.ms` counts from.
    pub largest_timestamp_ms: u64,
}

impl Segment {
    fn empty(base_offset: u64) -> Segment {
        Segment {
            base_offset,
            size_bytes: 0,
            first_timestamp_ms: None,
            largest_timestamp_ms: 0,
        }
    }
}

/// When a segment rolls: the topic's `segment.bytes` and `segment.ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roll {
    /// `segment.bytes`.
    pub segment_bytes: u64,
    /// `segment.ms`.
    pub segment_ms: u64,
}

impl Default for Roll {
    fn default() -> Self {
        Roll {
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
        }
    }
}

/// What a retention check may delete: the topic's `retention.ms` and `retention.bytes`
/// (negative: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// `retention.ms`.
    pub ms: i64,
    /// `retention.bytes`.
    pub bytes: i64,
}

/// What one retention check deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// Whole segments removed.
    pub segments: usize,
    /// Records removed with them.
    pub records: usize,
    /// The log start offset before.
    pub from: u64,
    /// The log start offset now.
    pub to: u64,
}

impl PartitionLog {
    /// The log end offset: the offset the next record will get.
    pub fn log_end_offset(&self) -> u64 {
        self.records
            .last()
            .map_or(self.log_start_offset, |r| r.offset + 1)
    }

    /// The log start offset: the first offset a fetch may ask for (ListOffsets "earliest").
    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    /// The segments, oldest first (the last is the active one).
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// How many segments retention has deleted from this replica.
    pub fn deleted_segments(&self) -> u64 {
        self.deleted_segments
    }

    /// The record at `offset`, if the log holds it.
    pub fn record_at(&self, offset: u64) -> Option<&Record> {
        self.records
            .get(self.index_of(offset))
            .filter(|r| r.offset == offset)
    }

    /// How many records lie below `offset`: the index where `offset` is or would be. Until the
    /// cleaner leaves gaps, offsets are contiguous (records only leave from either end), so
    /// this is arithmetic, not a search; fetches ask it on every read. A compacted log is
    /// searched.
    fn index_of(&self, offset: u64) -> usize {
        let (Some(first), Some(last)) = (self.records.first(), self.records.last()) else {
            return 0;
        };
        if last.offset - first.offset + 1 != self.records.len() as u64 {
            return self.records.partition_point(|r| r.offset < offset);
        }
        offset
            .saturating_sub(first.offset)
            .min(self.records.len() as u64) as usize
    }

    /// How many writes the log has had (see the field): equal counts, no change between.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// Whether a power loss took `record` from this log.
    pub(crate) fn lost_in_power_loss(&self, record: &Rc<RecordData>) -> bool {
        self.lost_in_power_loss
            .iter()
            .any(|lost| Rc::ptr_eq(lost, record))
    }

    /// The high watermark: records below it are committed and visible to consumers.
    pub fn high_watermark(&self) -> u64 {
        self.high_watermark
    }

    /// All records, oldest first.
    pub fn records(&self) -> &Chunked<Record> {
        &self.records
    }

    /// The records' total size in bytes (`producer::record_size` of each).
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// How many of its records are transaction markers (COMMIT or ABORT).
    pub fn control_records(&self) -> u64 {
        self.control_records
    }

    /// The leader-epoch cache, `(epoch, start offset)` ascending.
    pub fn epochs(&self) -> &[(u32, u64)] {
        &self.epochs
    }

    /// The epoch of the last record, which a follower quotes as `lastFetchedEpoch`.
    pub fn last_epoch(&self) -> Option<u32> {
        self.epochs.last().map(|&(epoch, _)| epoch)
    }

    /// Appends a batch written by a leader in `leader_epoch`; returns its first offset. The
    /// active segment rolls first if the batch would overflow it or is `segment.ms` newer than
    /// its first batch (Kafka's `LogSegment.shouldRoll`, with no jitter).
    pub fn append_as_leader(
        &mut self,
        leader_epoch: u32,
        header: &Rc<BatchHeader>,
        batch: &[Rc<RecordData>],
        roll: Roll,
    ) -> u64 {
        self.writes += 1;
        let base = self.log_end_offset();
        let records = batch.iter().enumerate().map(|(i, data)| {
            Record::new(
                base + i as u64,
                leader_epoch,
                Rc::clone(data),
                Rc::clone(header),
            )
        });
        self.append_batch(records.collect(), roll);
        base
    }

    /// Appends records fetched from the leader; they keep the leader's offsets and epochs
    /// (and its gaps, where its cleaner removed records). Each batch may roll the active
    /// segment as on the leader.
    pub fn append_as_follower(&mut self, records: &[Record], roll: Roll) {
        self.writes += 1;
        for batch in records.chunk_by(|a, b| Rc::ptr_eq(&a.batch, &b.batch)) {
            assert!(
                batch[0].offset >= self.log_end_offset(),
                "a follower appends at or past its log end offset {}, not at {}",
                self.log_end_offset(),
                batch[0].offset
            );
            self.append_batch(batch.to_vec(), roll);
        }
    }

    /// Appends one batch: rolls first if it should not go in the active segment, then adds its
    /// records, counting their sizes and timestamps once for the log and the segment.
    fn append_batch(&mut self, records: Vec<Record>, roll: Roll) {
        let (size, first_timestamp, max_timestamp) =
            records
                .iter()
                .fold((0u64, None, 0u64), |(size, first, ts), record| {
                    let timestamp = record.data.timestamp_ms;
                    (
                        size + record.size() as u64,
                        first.or(Some(timestamp)),
                        ts.max(timestamp),
                    )
                });
        self.maybe_roll(roll, size, max_timestamp);
        let Some(first_timestamp) = first_timestamp else {
            return;
        };
        for record in records {
            assert!(
                record.offset >= self.log_end_offset(),
                "a log's offsets only grow: {} appended at log end offset {}",
                record.offset,
                self.log_end_offset()
            );
            if self.last_epoch() != Some(record.leader_epoch) {
                self.epochs.push((record.leader_epoch, record.offset));
            }
            self.control_records += u64::from(record.batch.control.is_some());
            self.records.push(record);
        }
        self.size_bytes += size;
        if self.segments.is_empty() {
            self.segments.push(Segment::empty(self.log_start_offset));
        }
        let active = self
            .segments
            .last_mut()
            .expect("a segment was just ensured");
        active.size_bytes += size;
        active.first_timestamp_ms.get_or_insert(first_timestamp);
        active.largest_timestamp_ms = active.largest_timestamp_ms.max(max_timestamp);
    }

    /// Starts a new active segment at the LEO when the next batch (`size` bytes, newest
    /// timestamp `max_timestamp`) should not go in this one.
    fn maybe_roll(&mut self, roll: Roll, size: u64, max_timestamp: u64) {
        let Some(active) = self.segments.last() else {
            return;
        };
        let full = active.size_bytes > roll.segment_bytes.saturating_sub(size);
        let old = active.first_timestamp_ms.is_some_and(|first| {
            active.size_bytes > 0 && max_timestamp.saturating_sub(first) > roll.segment_ms
        });
        if full || old {
            self.segments.push(Segment::empty(self.log_end_offset()));
        }
    }

    /// Records the start of a leader epoch even before any record is written in it (a new
    /// leader does this, so followers can learn where the previous epoch ended).
    pub fn assign_epoch_start(&mut self, leader_epoch: u32) {
        self.writes += 1;
        if self.last_epoch().is_none_or(|last| last < leader_epoch) {
            self.epochs.push((leader_epoch, self.log_end_offset()));
        }
    }

    /// Answers OffsetsForLeaderEpoch: the largest epoch at or below `epoch` this log knows, and
    /// the offset where it ended (the next epoch's start, or the LEO).
    pub fn end_offset_for_epoch(&self, epoch: u32) -> Option<(u32, u64)> {
        let first = self.epochs.first()?;
        if epoch < first.0 {
            // LeaderEpochFileCache.endOffsetFor: an epoch older than any known (retention
            // trimmed the cache from the start) ends where the first known one begins, so a
            // follower keeps what it has up to there instead of truncating to 0.
            return Some((epoch, first.1));
        }
        let index = self.epochs.iter().rposition(|&(e, _)| e <= epoch)?;
        let end = self
            .epochs
            .get(index + 1)
            .map_or(self.log_end_offset(), |&(_, start)| start);
        Some((self.epochs[index].0, end))
    }

    /// Removes every record at or above `offset`; returns how many were removed. Below the
    /// log start offset the log starts over at `offset` (`UnifiedLog.truncateTo`).
    pub fn truncate_to(&mut self, offset: u64) -> usize {
        self.writes += 1;
        if offset < self.log_start_offset {
            return self.truncate_fully_and_start_at(offset);
        }
        let keep = self.records.partition_point(|r| r.offset < offset);
        let removed = self.records.len() - keep;
        self.size_bytes -= self
            .records
            .iter_from(keep)
            .map(|r| r.size() as u64)
            .sum::<u64>();
        self.control_records -= controls(self.records.iter_from(keep));
        self.records.truncate(keep);
        let leo = self.log_end_offset();
        // As Kafka's LeaderEpochFileCache.truncateFromEnd: epochs starting at or past the new
        // end are gone.
        self.epochs.retain(|&(_, start)| start < leo);
        self.high_watermark = self.high_watermark.min(leo);
        self.flushed = self.flushed.min(leo);
        // As `LogCleanerManager.maybeTruncateCheckpoint`.
        self.first_dirty_offset = self.first_dirty_offset.min(leo);
        self.delete_horizons.retain(|&at, _| at < leo);
        // As `LocalLog.truncateTo`: segments starting past the new end go, the one holding it
        // shrinks (its sizes and timestamps are counted again from what is left).
        self.segments.retain(|s| s.base_offset <= leo);
        if let Some(last) = self.segments.last_mut() {
            let base = last.base_offset;
            let from = self.records.partition_point(|r| r.offset < base);
            let mut segment = Segment::empty(base);
            for record in self.records.iter_from(from) {
                segment.size_bytes += record.size() as u64;
                segment
                    .first_timestamp_ms
                    .get_or_insert(record.data.timestamp_ms);
                segment.largest_timestamp_ms =
                    segment.largest_timestamp_ms.max(record.data.timestamp_ms);
            }
            *last = segment;
        }
        removed
    }

    /// A follower whose fetch offset fell below the leader's log start offset starts over
    /// there, with nothing (Kafka's `truncateFullyAndStartAt`).
    pub fn truncate_fully_and_start_at(&mut self, offset: u64) -> usize {
        self.writes += 1;
        let removed = self.records.len();
        self.records.clear();
        self.epochs.clear();
        self.size_bytes = 0;
        self.control_records = 0;
        self.segments = vec![Segment::empty(offset)];
        self.log_start_offset = offset;
        self.high_watermark = offset;
        self.flushed = offset;
        self.first_dirty_offset = offset;
        self.delete_horizons.clear();
        removed
    }

    /// Moves the log start offset forward to `offset` (never past the high watermark), as a
    /// follower does when the leader's fetch answer says its log starts later
    /// (`UnifiedLog.maybeIncrementLogStartOffset`). Records below it go at once, with every
    /// segment wholly below it. Returns what was deleted, if the start moved.
    pub fn increment_log_start_offset(&mut self, offset: u64) -> Option<Deleted> {
        self.writes += 1;
        let offset = offset.min(self.high_watermark);
        if offset <= self.log_start_offset {
            return None;
        }
        let whole = self
            .segments
            .windows(2)
            .take_while(|pair| pair[1].base_offset <= offset)
            .count();
        Some(self.delete_below(offset, whole))
    }

    /// Removes the records below `offset` and the first `segments` segments; the first
    /// segment left is recounted if it began below `offset`.
    fn delete_below(&mut self, offset: u64, segments: usize) -> Deleted {
        let from = self.log_start_offset;
        let cut = self.records.partition_point(|r| r.offset < offset);
        let removed: u64 = self.records.range(..cut).map(|r| r.size() as u64).sum();
        self.control_records -= controls(self.records.range(..cut));
        self.records.drop_front(cut);
        self.size_bytes -= removed;
        self.segments.drain(..segments);
        self.deleted_segments += segments as u64;
        if self.segments.is_empty() {
            self.segments.push(Segment::empty(offset));
        }
        if self.segments[0].base_offset < offset {
            self.recount_segment(0);
        }
        self.delete_horizons = self.delete_horizons.split_off(&offset);
        self.log_start_offset = offset;
        self.flushed = self.flushed.max(offset);
        // As `LeaderEpochFileCache.truncateFromStart`: the epoch holding the new start now
        // begins there; earlier ones are gone.
        let keep = self.epochs.partition_point(|&(_, start)| start <= offset);
        if keep > 0 {
            self.epochs.drain(..keep - 1);
            self.epochs[0].1 = offset;
        }
        Deleted {
            segments,
            records: cut,
            from,
            to: offset,
        }
    }

    fn segments_next_base(&self, index: usize) -> Option<u64> {
        self.segments.get(index + 1).map(|s| s.base_offset)
    }

    /// One retention check at `now_ms` (`UnifiedLog.deleteOldSegments` under
    /// `cleanup.policy=delete`): first the oldest segments while the log is over
    /// `retention.bytes`, then the oldest whose newest record is older than `retention.ms`.
    /// Returns what was deleted, if anything.
    pub fn delete_old_segments(&mut self, now_ms: u64, retention: Retention) -> Option<Deleted> {
        self.writes += 1;
        let from = self.log_start_offset;
        let mut deleted: Option<Deleted> = None;
        let mut merge = |more: Option<Deleted>| {
            if let Some(more) = more {
                let sum = deleted.get_or_insert(Deleted {
                    segments: 0,
                    records: 0,
                    from,
                    to: from,
                });
                sum.segments += more.segments;
                sum.records += more.records;
                sum.to = more.to;
            }
        };
        if let Ok(limit) = u64::try_from(retention.bytes)
            && self.size_bytes >= limit
        {
            let mut over = self.size_bytes - limit;
            merge(self.delete_oldest_while(|segment| {
                let fits = over >= segment.size_bytes;
                if fits {
                    over -= segment.size_bytes;
                }
                fits
            }));
        }
        if let Ok(limit) = u64::try_from(retention.ms) {
            merge(self.delete_oldest_while(|segment| {
                now_ms.saturating_sub(segment.largest_timestamp_ms) > limit
            }));
        }
        deleted
    }

    /// Deletes the oldest segments while `deletable` says so (`UnifiedLog.deletableSegments`):
    /// only segments wholly below the high watermark, never an empty active segment; when
    /// every segment goes, a new empty one is rolled first, as Kafka always keeps one.
    fn delete_oldest_while(
        &mut self,
        mut deletable: impl FnMut(&Segment) -> bool,
    ) -> Option<Deleted> {
        let mut count = 0;
        for (index, segment) in self.segments.iter().enumerate() {
            let upper = self
                .segments_next_base(index)
                .unwrap_or(self.log_end_offset());
            let last_and_empty = index + 1 == self.segments.len() && segment.size_bytes == 0;
            if self.high_watermark < upper || last_and_empty || !deletable(segment) {
                break;
            }
            count += 1;
        }
        if count == 0 {
            return None;
        }
        if count == self.segments.len() {
            self.segments.push(Segment::empty(self.log_end_offset()));
        }
        let offset = self.segments[count].base_offset;
        Some(self.delete_below(offset, count))
    }

    /// Moves the high watermark (never past the LEO). Returns whether it changed.
    pub fn set_high_watermark(&mut self, offset: u64) -> bool {
        self.writes += 1;
        let offset = offset.min(self.log_end_offset());
        let changed = offset != self.high_watermark;
        self.high_watermark = offset;
        changed
    }

    /// Everything written so far reaches disk (the OS writing back dirty pages).
    pub fn flush(&mut self) {
        self.writes += 1;
        self.flushed = self.log_end_offset();
    }

    /// A power loss: the unflushed tail is gone. Returns how many records were lost.
    pub fn lose_unflushed(&mut self) -> usize {
        self.writes += 1;
        let keep = self.records.partition_point(|r| r.offset < self.flushed);
        let lost = self.records.iter_from(keep).map(|r| Rc::clone(&r.data));
        self.lost_in_power_loss.extend(lost);
        self.truncate_to(self.flushed)
    }

    /// Records from `offset` up to `limit` (exclusive), at most `max` of them (nothing below
    /// the log start offset: the server answers OFFSET_OUT_OF_RANGE there).
    pub fn read(&self, offset: u64, limit: u64, max: usize) -> Iter<'_, Record> {
        let start = self.index_of(offset);
        let end = self.index_of(limit);
        self.records.range(start..end.max(start).min(start + max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(value: &str) -> Rc<RecordData> {
        Rc::new(RecordData::value(value))
    }

    fn plain() -> Rc<BatchHeader> {
        Rc::new(BatchHeader::default())
    }

    fn values(log: &PartitionLog) -> Vec<String> {
        log.records().iter().map(|r| r.data.value_text()).collect()
    }

    #[test]
    fn epoch_cache_answers_end_offsets() {
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")], Roll::default());
        log.append_as_leader(2, &plain(), &[data("c")], Roll::default());
        log.assign_epoch_start(5);
        assert_eq!(log.epochs(), &[(0, 0), (2, 2), (5, 3)]);
        assert_eq!(log.end_offset_for_epoch(0), Some((0, 2)));
        assert_eq!(
            log.end_offset_for_epoch(1),
            Some((0, 2)),
            "KIP-279: largest epoch <= 1"
        );
        assert_eq!(log.end_offset_for_epoch(2), Some((2, 3)));
        assert_eq!(log.end_offset_for_epoch(9), Some((5, 3)));
    }

    #[test]
    fn an_epoch_older_than_the_trimmed_cache_ends_where_the_first_known_begins() {
        // LeaderEpochFileCache.endOffsetFor: a follower still on epoch 0 after retention
        // trimmed it from the leader's cache keeps its records (it was truncated to 0 before).
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")], Roll::default());
        log.append_as_leader(1, &plain(), &[data("c")], Roll::default());
        log.set_high_watermark(3);
        log.increment_log_start_offset(2);
        assert_eq!(log.epochs(), &[(1, 2)]);
        assert_eq!(log.end_offset_for_epoch(0), Some((0, 2)));
        assert_eq!(log.end_offset_for_epoch(1), Some((1, 3)));
    }

    #[test]
    fn truncation_drops_records_and_epochs_above_the_offset() {
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")], Roll::default());
        log.append_as_leader(1, &plain(), &[data("x"), data("y")], Roll::default());
        log.set_high_watermark(4);
        assert_eq!(log.truncate_to(2), 2);
        assert_eq!(values(&log), ["a", "b"]);
        assert_eq!(log.epochs(), &[(0, 0)]);
        assert_eq!(log.high_watermark(), 2, "HW never exceeds the LEO");
        log.append_as_leader(3, &plain(), &[data("z")], Roll::default());
        assert_eq!(log.epochs(), &[(0, 0), (3, 2)]);
        assert_eq!(log.truncate_to(0), 3);
        assert!(log.epochs().is_empty());
    }

    /// The marker count a topic's message count subtracts follows the records through every
    /// way they leave the log, as a scan would count them.
    #[test]
    fn the_marker_count_follows_appends_truncation_and_deletion() {
        let marker = Rc::new(BatchHeader {
            control: Some(crate::protocol::ControlType::Commit),
            ..BatchHeader::default()
        });
        let scanned = |log: &PartitionLog| controls(log.records().iter());
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")], Roll::default());
        log.append_as_leader(0, &marker, &[data("")], Roll::default());
        log.append_as_leader(0, &plain(), &[data("c")], Roll::default());
        log.append_as_leader(0, &marker, &[data("")], Roll::default());
        assert_eq!((log.control_records(), scanned(&log)), (2, 2));
        assert_eq!(log.truncate_to(4), 1);
        assert_eq!((log.control_records(), scanned(&log)), (1, 1));
        log.set_high_watermark(4);
        log.increment_log_start_offset(3);
        assert_eq!((log.control_records(), scanned(&log)), (0, 0));
        log.append_as_leader(0, &marker, &[data("")], Roll::default());
        assert_eq!(log.control_records(), 1);
        log.truncate_fully_and_start_at(9);
        assert_eq!(log.control_records(), 0);
    }

    #[test]
    fn power_loss_keeps_only_what_was_flushed() {
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")], Roll::default());
        log.flush();
        log.append_as_leader(0, &plain(), &[data("c")], Roll::default());
        assert_eq!(log.lose_unflushed(), 1);
        assert_eq!(values(&log), ["a", "b"]);
    }

    #[test]
    fn retention_deletes_whole_segments_below_the_high_watermark() {
        // As UnifiedLog.deleteRetentionMsBreachedSegments with LogSegment.shouldRoll's
        // segment.ms rule: every batch 20 ms after the segment's first one rolls.
        let roll = Roll {
            segment_bytes: 1_048_576,
            segment_ms: 10,
        };
        let at = |ms: u64, value: &str| {
            Rc::new(RecordData {
                timestamp_ms: ms,
                ..RecordData::value(value)
            })
        };
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[at(0, "a"), at(1, "b")], roll);
        log.append_as_leader(1, &plain(), &[at(20, "c")], roll);
        log.append_as_leader(1, &plain(), &[at(40, "d")], roll);
        let bases: Vec<u64> = log.segments().iter().map(|s| s.base_offset).collect();
        assert_eq!(bases, [0, 2, 3]);
        log.set_high_watermark(3);
        let retention = Retention { ms: 50, bytes: -1 };
        assert_eq!(
            log.delete_old_segments(100, retention),
            Some(Deleted {
                segments: 2,
                records: 3,
                from: 0,
                to: 3
            }),
            "the active segment is old too, but not below the high watermark"
        );
        assert_eq!(log.log_start_offset(), 3);
        assert_eq!(values(&log), ["d"]);
        assert_eq!(
            log.epochs(),
            &[(1, 3)],
            "the epoch cache is truncated from the start"
        );
        assert_eq!(log.deleted_segments(), 2);
        log.set_high_watermark(4);
        assert_eq!(
            log.delete_old_segments(100, retention).map(|d| d.to),
            Some(4),
            "a qualifying active segment is rolled and deleted"
        );
        assert_eq!(
            log.log_end_offset(),
            4,
            "the next record still gets offset 4"
        );
        assert_eq!(log.delete_old_segments(1_000, retention), None);
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let mut log = PartitionLog::default();
        log.append_as_leader(
            0,
            &plain(),
            &[data("a"), data("b"), data("c")],
            Roll::default(),
        );
        assert_eq!(log.read(1, 3, 10).len(), 2);
        assert_eq!(
            log.read(1, 2, 10).len(),
            1,
            "a consumer reads below the HW only"
        );
        assert_eq!(log.read(3, 3, 10).len(), 0);
        assert_eq!(log.read(0, 3, 2).len(), 2);
    }
}
