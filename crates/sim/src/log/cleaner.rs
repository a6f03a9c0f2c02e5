//! Log compaction (`cleanup.policy=compact`): one pass of Kafka's log cleaner over a
//! replica's log, as `LogCleanerManager.cleanableOffsets` and `grabFilthiestCompactedLog`
//! choose what to clean and `Cleaner.doClean` cleans it.
//!
//! The log is cut in three: the clean part (below the cleaner's checkpoint, cleaned before),
//! the dirty part up to the first uncleanable segment (the active segment, the one holding the
//! high watermark, or the first newer than `min.compaction.lag.ms`), and the rest, untouched.
//! A pass runs when the dirty part is more than `min.cleanable.dirty.ratio` of the bytes from
//! the log start to the uncleanable point, or when `max.compaction.lag.ms` says a dirty
//! segment waited too long. It keeps, per key, only the record with the largest offset in
//! the clean and dirty parts; offsets stay as they were, so the log gets gaps and the log end
//! offset does not move. A tombstone (null value) stays until `delete.retention.ms` after the
//! pass that first cleaned it (KIP-534's `deleteHorizonMs`), and goes at a later pass.
//!
//! Simplified: records written in transactions and the COMMIT/ABORT markers are never
//! removed and never count as a newer value of their key (Kafka drops aborted records and,
//! later, the markers); segments are not merged after cleaning; a follower sets its own
//! delete horizons when it cleans (Kafka's followers copy them with the batches). Like Kafka,
//! the last batch of each idempotent producer is kept, so its sequence survives; and the
//! log's last record is never removed, so the log end offset still follows from the records.

use super::{PartitionLog, Segment};
use std::collections::BTreeMap;

/// The topic's cleaner settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Compaction {
    /// `delete.retention.ms`.
    pub delete_retention_ms: u64,
    /// `min.cleanable.dirty.ratio`.
    pub min_cleanable_dirty_ratio: f64,
    /// `min.compaction.lag.ms`.
    pub min_lag_ms: u64,
    /// `max.compaction.lag.ms`.
    pub max_lag_ms: u64,
}

impl Default for Compaction {
    /// Kafka's defaults (`LogConfig`).
    fn default() -> Self {
        Compaction {
            delete_retention_ms: 86_400_000,
            min_cleanable_dirty_ratio: 0.5,
            min_lag_ms: 0,
            max_lag_ms: i64::MAX as u64,
        }
    }
}

/// What one cleaner pass removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cleaned {
    /// Records removed (superseded values and expired tombstones).
    pub records: usize,
    /// Of those, tombstones past their delete horizon.
    pub tombstones: usize,
    /// Their sizes, summed.
    pub bytes: u64,
    /// The cleaned range: from the log start offset ...
    pub from: u64,
    /// ... to the first uncleanable offset (exclusive), the cleaner's new checkpoint.
    pub to: u64,
}

/// Why a log is not cleaned now, or the range a pass cleans.
#[derive(Debug, PartialEq)]
struct ToClean {
    /// Index of the first uncleanable segment: segments before it are cleaned.
    end_segment: usize,
    /// Its base offset.
    end_offset: u64,
}

impl PartitionLog {
    /// How many records the cleaner has removed from this replica, for the page.
    pub fn cleaned_records(&self) -> u64 {
        self.cleaned_records
    }

    /// The cleaner's checkpoint: offsets below it were cleaned.
    pub fn first_dirty_offset(&self) -> u64 {
        self.first_dirty_offset.max(self.log_start_offset)
    }

    /// One cleaner pass at `now_ms`, if the log is dirty enough. Returns what was removed, if
    /// anything.
    pub fn clean(&mut self, now_ms: u64, config: Compaction) -> Option<Cleaned> {
        self.writes += 1;
        let range = self.to_clean(now_ms, config)?;
        Some(self.clean_below(now_ms, config, range)).filter(|c| c.records > 0)
    }

    /// `LogCleanerManager.cleanableOffsets` and the dirty-ratio test of
    /// `grabFilthiestCompactedLog`.
    fn to_clean(&self, now_ms: u64, config: Compaction) -> Option<ToClean> {
        if self.records.is_empty() {
            return None;
        }
        let first_dirty = if self.first_dirty_offset > self.log_end_offset() {
            self.log_start_offset
        } else {
            self.first_dirty_offset()
        };
        let containing = |offset: u64| {
            self.segments
                .partition_point(|s| s.base_offset <= offset)
                .saturating_sub(1)
        };
        let active = self.segments.len() - 1;
        let dirty_from = containing(first_dirty);
        // Never past the high watermark (nor the last stable offset: transactional records
        // are left alone) nor into the active segment.
        let mut uncleanable = self.high_watermark.min(self.segments[active].base_offset);
        if config.min_lag_ms > 0 {
            let horizon = now_ms.saturating_sub(config.min_lag_ms);
            if let Some(young) = self.segments[dirty_from..active]
                .iter()
                .find(|s| s.largest_timestamp_ms > horizon)
            {
                uncleanable = uncleanable.min(young.base_offset);
            }
        }
        let uncleanable = uncleanable.max(first_dirty);
        let end_segment = containing(uncleanable);
        let size = |segments: &[Segment]| segments.iter().map(|s| s.size_bytes).sum::<u64>();
        let clean_bytes = size(&self.segments[..dirty_from]);
        let cleanable_bytes = size(&self.segments[dirty_from.min(end_segment)..end_segment]);
        let total = clean_bytes + cleanable_bytes;
        if total == 0 {
            return None;
        }
        let ratio = cleanable_bytes as f64 / total as f64;
        let overdue = self.segments[dirty_from..active]
            .iter()
            .filter_map(|s| s.first_timestamp_ms.filter(|&ts| ts > 0))
            .min()
            .is_some_and(|earliest| earliest < now_ms.saturating_sub(config.max_lag_ms));
        ((overdue && cleanable_bytes > 0) || ratio > config.min_cleanable_dirty_ratio).then(|| {
            ToClean {
                end_segment,
                end_offset: self.segments[end_segment].base_offset,
            }
        })
    }

    /// `Cleaner.doClean`: builds the offset map of the dirty part, then keeps, in every
    /// segment below the end, the records `shouldRetainRecord` keeps.
    fn clean_below(&mut self, now_ms: u64, config: Compaction, range: ToClean) -> Cleaned {
        let end = self
            .records
            .partition_point(|r| r.offset < range.end_offset);
        let first_dirty = self.first_dirty_offset();
        let dirty = self.records.partition_point(|r| r.offset < first_dirty);
        let mut latest: BTreeMap<&[u8], u64> = BTreeMap::new();
        for record in self.records.range(dirty.min(end)..end) {
            if let (Some(key), false) = (&record.data.key, in_transaction(record)) {
                latest.insert(key, record.offset);
            }
        }
        let mut last_of_producer: BTreeMap<u64, u64> = BTreeMap::new();
        for record in &self.records {
            if let Some(id) = record.batch.producer_id {
                last_of_producer.insert(id, record.offset);
            }
        }
        let last_offset = self.records.last().map(|r| r.offset);
        let mut keep = Vec::with_capacity(end);
        let mut cleaned = Cleaned {
            records: 0,
            tombstones: 0,
            bytes: 0,
            from: self.log_start_offset,
            to: range.end_offset,
        };
        let mut new_horizons = Vec::new();
        // Markers are pinned today (`in_transaction`); counted anyway, so the log's count of
        // them stays right should the cleaner ever remove one (Kafka's does, past the horizon).
        let mut removed_controls = 0;
        for record in self.records.range(..end) {
            let pinned = in_transaction(record)
                || Some(record.offset) == last_offset
                || record
                    .batch
                    .producer_id
                    .is_some_and(|id| last_of_producer.get(&id) == Some(&record.offset));
            let latest_for_key = record
                .data
                .key
                .as_deref()
                .is_some_and(|key| latest.get(key).is_none_or(|&at| record.offset >= at));
            let tombstone = record.data.value.is_none();
            let expired = tombstone
                && self
                    .delete_horizons
                    .get(&record.offset)
                    .is_some_and(|&horizon| now_ms >= horizon);
            let retain = pinned || (latest_for_key && !expired);
            keep.push(retain);
            if retain {
                if tombstone && !self.delete_horizons.contains_key(&record.offset) {
                    new_horizons.push(record.offset);
                }
            } else {
                cleaned.records += 1;
                cleaned.tombstones += usize::from(tombstone && latest_for_key);
                cleaned.bytes += record.size() as u64;
                removed_controls += u64::from(record.batch.control.is_some());
            }
        }
        let horizon = now_ms.saturating_add(config.delete_retention_ms);
        for offset in new_horizons {
            self.delete_horizons.insert(offset, horizon);
        }
        let mut index = 0;
        self.records.retain(|_| {
            index += 1;
            index > end || keep[index - 1]
        });
        self.delete_horizons = std::mem::take(&mut self.delete_horizons)
            .into_iter()
            .filter(|&(offset, _)| self.record_at(offset).is_some())
            .collect();
        self.size_bytes -= cleaned.bytes;
        self.control_records -= removed_controls;
        self.cleaned_records += cleaned.records as u64;
        self.first_dirty_offset = range.end_offset;
        for index in 0..range.end_segment {
            self.recount_segment(index);
        }
        cleaned
    }

    /// Sums a segment's records' sizes again (its timestamps stay: Kafka's cleaned segment
    /// keeps its modification time, which time-based retention of an emptied segment uses).
    pub(super) fn recount_segment(&mut self, index: usize) {
        let base = self.segments[index].base_offset;
        let next = self.segments_next_base(index);
        let from = self.records.partition_point(|r| r.offset < base);
        let to = self
            .records
            .partition_point(|r| next.is_none_or(|next| r.offset < next));
        self.segments[index].size_bytes =
            self.records.range(from..to).map(|r| r.size() as u64).sum();
    }
}

/// Written in a transaction, or a transaction marker: the cleaner leaves it alone.
fn in_transaction(record: &crate::protocol::Record) -> bool {
    record.batch.transactional || record.batch.control.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Roll;
    use crate::protocol::{BatchHeader, RecordData};
    use std::rc::Rc;

    /// Every batch rolls a new segment (10 ms apart, `segment.ms` 5), so each append is a
    /// segment of its own and all but the last can be cleaned.
    const ROLL: Roll = Roll {
        segment_bytes: 1_048_576,
        segment_ms: 5,
    };

    fn put(log: &mut PartitionLog, at: u64, key: &str, value: Option<&str>) -> u64 {
        let data = Rc::new(RecordData {
            timestamp_ms: at,
            key: Some(Rc::from(key.as_bytes())),
            value: value.map(|v| Rc::from(v.as_bytes())),
            ..RecordData::default()
        });
        let offset = log.append_as_leader(0, &Rc::new(BatchHeader::default()), &[data], ROLL);
        log.set_high_watermark(log.log_end_offset());
        offset
    }

    fn contents(log: &PartitionLog) -> Vec<(u64, String, String)> {
        log.records()
            .iter()
            .map(|r| {
                let key = String::from_utf8_lossy(r.data.key.as_deref().unwrap_or(b"")).into();
                (r.offset, key, r.data.value_text())
            })
            .collect()
    }

    fn eager() -> Compaction {
        Compaction {
            min_cleanable_dirty_ratio: 0.0,
            ..Compaction::default()
        }
    }

    #[test]
    fn the_latest_value_per_key_stays_at_its_offset() {
        // LogCleanerTest.testCleanSegments: keys rewritten, only the last of each survives;
        // offsets are not renumbered and the log end offset does not move.
        let mut log = PartitionLog::default();
        for (i, (key, value)) in [
            ("k1", "a"),
            ("k2", "b"),
            ("k1", "c"),
            ("k3", "d"),
            ("k2", "e"),
        ]
        .iter()
        .enumerate()
        {
            put(&mut log, 10 * i as u64, key, Some(value));
        }
        put(&mut log, 100, "k1", Some("f"));
        let cleaned = log.clean(1_000, eager()).expect("dirty");
        assert_eq!(
            cleaned,
            Cleaned {
                records: 2,
                tombstones: 0,
                bytes: cleaned.bytes,
                from: 0,
                to: 5
            }
        );
        assert_eq!(
            contents(&log),
            [
                (2, "k1".into(), "c".into()),
                (3, "k3".into(), "d".into()),
                (4, "k2".into(), "e".into()),
                (5, "k1".into(), "f".into()),
            ],
            "the active segment (offset 5) is never cleaned, so k1's older value at 2 stays"
        );
        assert_eq!(log.log_end_offset(), 6);
        assert_eq!(log.cleaned_records(), 2);
        assert_eq!(log.first_dirty_offset(), 5);
        assert_eq!(log.read(0, 6, 10).next().map(|r| r.offset), Some(2));
        assert_eq!(
            log.read(1, 6, 10).map(|r| r.offset).collect::<Vec<_>>(),
            [2, 3, 4, 5],
            "a read from inside a gap starts at the next record"
        );
        assert_eq!(log.record_at(1), None);
        assert_eq!(log.record_at(4).map(|r| r.offset), Some(4));
        let bytes: u64 = log.segments().iter().map(|s| s.size_bytes).sum();
        assert_eq!(bytes, log.size_bytes(), "segment sizes follow the records");
    }

    #[test]
    fn nothing_above_the_high_watermark_is_cleaned() {
        let mut log = PartitionLog::default();
        put(&mut log, 0, "k", Some("a"));
        put(&mut log, 10, "k", Some("b"));
        put(&mut log, 20, "k", Some("c"));
        put(&mut log, 30, "x", Some("d"));
        log.set_high_watermark(1);
        assert_eq!(
            log.clean(1_000, eager()),
            None,
            "only offset 0 is below the HW"
        );
        log.set_high_watermark(2);
        assert_eq!(log.clean(1_000, eager()).map(|c| c.to), Some(2));
        assert_eq!(contents(&log)[0].0, 1, "a was superseded by b below the HW");
    }

    #[test]
    fn a_tombstone_stays_for_delete_retention_ms_after_its_first_cleaning() {
        let config = Compaction {
            delete_retention_ms: 1_000,
            ..eager()
        };
        let mut log = PartitionLog::default();
        put(&mut log, 0, "k", Some("a"));
        put(&mut log, 10, "k", None);
        put(&mut log, 20, "x", Some("b"));
        let first = log.clean(100, config).expect("a is superseded");
        assert_eq!((first.records, first.tombstones), (1, 0));
        assert_eq!(contents(&log)[0], (1, "k".into(), "null".into()));
        put(&mut log, 30, "y", Some("c"));
        assert_eq!(
            log.clean(1_099, config).map(|c| c.records),
            None,
            "the horizon is 100 + 1000"
        );
        put(&mut log, 40, "z", Some("d"));
        let gone = log.clean(1_100, config).expect("past the horizon");
        assert_eq!((gone.records, gone.tombstones), (1, 1));
        assert!(contents(&log).iter().all(|(_, key, _)| key != "k"));
    }

    #[test]
    fn a_log_below_the_dirty_ratio_is_left_alone() {
        // grabFilthiestCompactedLog: cleanable / (clean + cleanable) must exceed the ratio.
        // Every record here has the same size.
        let mut log = PartitionLog::default();
        for (i, key) in ["k", "j", "k", "j", "x"].iter().enumerate() {
            put(&mut log, 10 * i as u64, key, Some("v"));
        }
        assert_eq!(log.clean(1_000, eager()).map(|c| c.to), Some(4));
        // Clean: offsets 2 and 3; dirty: 4 and 5 (6 is the active segment).
        put(&mut log, 50, "k", Some("v"));
        put(&mut log, 60, "j", Some("v"));
        let half = Compaction::default();
        assert_eq!(log.clean(1_000, half), None, "0.5 is not above 0.5");
        let cleaned = log.clean(
            1_000,
            Compaction {
                min_cleanable_dirty_ratio: 0.49,
                ..half
            },
        );
        assert_eq!(
            cleaned.map(|c| c.records),
            Some(1),
            "k at 2 is superseded by 5"
        );
    }

    #[test]
    fn segments_newer_than_min_compaction_lag_wait() {
        let config = Compaction {
            min_lag_ms: 100,
            ..eager()
        };
        let mut log = PartitionLog::default();
        put(&mut log, 0, "k", Some("a"));
        put(&mut log, 10, "k", Some("b"));
        put(&mut log, 20, "x", Some("c"));
        assert_eq!(
            log.clean(105, config),
            None,
            "offset 1 (ts 10) is too young"
        );
        assert_eq!(log.clean(111, config).map(|c| c.records), Some(1));
    }

    #[test]
    fn max_compaction_lag_forces_a_clean_below_the_ratio() {
        let mut log = PartitionLog::default();
        for i in 0..4 {
            put(&mut log, 10 * i, "k", Some("v"));
        }
        let never = Compaction {
            min_cleanable_dirty_ratio: 1.0,
            ..Compaction::default()
        };
        assert_eq!(log.clean(1_000, never), None);
        let overdue = Compaction {
            max_lag_ms: 500,
            ..never
        };
        assert_eq!(log.clean(1_000, overdue).map(|c| c.records), Some(2));
    }

    #[test]
    fn a_follower_appends_across_the_leaders_gaps() {
        let mut leader = PartitionLog::default();
        for (i, key) in ["a", "a", "b", "a"].iter().enumerate() {
            put(&mut leader, 10 * i as u64, key, Some("v"));
        }
        leader.clean(1_000, eager()).expect("dirty");
        let mut follower = PartitionLog::default();
        let fetched: Vec<_> = leader.read(0, 4, 100).cloned().collect();
        follower.append_as_follower(&fetched, ROLL);
        assert_eq!(contents(&follower), contents(&leader));
        assert_eq!(follower.log_end_offset(), 4);
    }
}
