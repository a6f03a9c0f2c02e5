//! A replica's partition log: records with offsets and leader epochs, the log end offset (LEO),
//! the high watermark (HW), the leader-epoch cache used for truncation (KIP-101/KIP-279), and
//! how much of it has reached disk.
//!
//! Record payloads are reference-counted: a record is built once by the leader and shared by
//! every follower's log and every fetch response, so replication copies pointers, not bytes.

use crate::protocol::{BatchHeader, Record, RecordData};
use serde::Serialize;
use std::rc::Rc;

/// One replica's log.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PartitionLog {
    records: Vec<Record>,
    high_watermark: u64,
    /// `(leader_epoch, start_offset)`, ascending: the first offset written in each epoch.
    epochs: Vec<(u32, u64)>,
    /// Records below this offset are on disk; a power loss keeps only those.
    flushed: u64,
    /// The records' sizes as the producer counts them, kept as records come and go so a view
    /// does not sum a long log.
    size_bytes: u64,
}

impl PartitionLog {
    /// The log end offset: the offset the next record will get.
    pub fn log_end_offset(&self) -> u64 {
        self.records.last().map_or(0, |r| r.offset + 1)
    }

    /// The high watermark: records below it are committed and visible to consumers.
    pub fn high_watermark(&self) -> u64 {
        self.high_watermark
    }

    /// All records, oldest first.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records' total size in bytes (`producer::record_size` of each).
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// The leader-epoch cache, `(epoch, start offset)` ascending.
    pub fn epochs(&self) -> &[(u32, u64)] {
        &self.epochs
    }

    /// The epoch of the last record, which a follower quotes as `lastFetchedEpoch`.
    pub fn last_epoch(&self) -> Option<u32> {
        self.epochs.last().map(|&(epoch, _)| epoch)
    }

    /// Appends a batch written by a leader in `leader_epoch`; returns its first offset.
    pub fn append_as_leader(
        &mut self,
        leader_epoch: u32,
        header: &Rc<BatchHeader>,
        batch: &[Rc<RecordData>],
    ) -> u64 {
        let base = self.log_end_offset();
        for (i, data) in batch.iter().enumerate() {
            self.push(Record {
                offset: base + i as u64,
                leader_epoch,
                data: Rc::clone(data),
                batch: Rc::clone(header),
            });
        }
        base
    }

    /// Appends records fetched from the leader; they keep the leader's offsets and epochs.
    pub fn append_as_follower(&mut self, records: &[Record]) {
        for record in records {
            assert_eq!(
                record.offset,
                self.log_end_offset(),
                "a follower appends contiguously"
            );
            self.push(record.clone());
        }
    }

    fn push(&mut self, record: Record) {
        if self.last_epoch() != Some(record.leader_epoch) {
            self.epochs.push((record.leader_epoch, record.offset));
        }
        self.size_bytes += crate::producer::record_size(&record.data) as u64;
        self.records.push(record);
    }

    /// Records the start of a leader epoch even before any record is written in it (a new
    /// leader does this, so followers can learn where the previous epoch ended).
    pub fn assign_epoch_start(&mut self, leader_epoch: u32) {
        if self.last_epoch().is_none_or(|last| last < leader_epoch) {
            self.epochs.push((leader_epoch, self.log_end_offset()));
        }
    }

    /// Answers OffsetsForLeaderEpoch: the largest epoch at or below `epoch` this log knows, and
    /// the offset where it ended (the next epoch's start, or the LEO).
    pub fn end_offset_for_epoch(&self, epoch: u32) -> Option<(u32, u64)> {
        let index = self.epochs.iter().rposition(|&(e, _)| e <= epoch)?;
        let end = self
            .epochs
            .get(index + 1)
            .map_or(self.log_end_offset(), |&(_, start)| start);
        Some((self.epochs[index].0, end))
    }

    /// Removes every record at or above `offset`; returns how many were removed.
    pub fn truncate_to(&mut self, offset: u64) -> usize {
        let keep = self.records.partition_point(|r| r.offset < offset);
        let removed = self.records.len() - keep;
        self.size_bytes -= self.records[keep..]
            .iter()
            .map(|r| crate::producer::record_size(&r.data) as u64)
            .sum::<u64>();
        self.records.truncate(keep);
        let leo = self.log_end_offset();
        // As Kafka's LeaderEpochFileCache.truncateFromEnd: epochs starting at or past the new
        // end are gone.
        self.epochs.retain(|&(_, start)| start < leo);
        self.high_watermark = self.high_watermark.min(leo);
        self.flushed = self.flushed.min(leo);
        removed
    }

    /// Moves the high watermark (never past the LEO). Returns whether it changed.
    pub fn set_high_watermark(&mut self, offset: u64) -> bool {
        let offset = offset.min(self.log_end_offset());
        let changed = offset != self.high_watermark;
        self.high_watermark = offset;
        changed
    }

    /// Everything written so far reaches disk (the OS writing back dirty pages).
    pub fn flush(&mut self) {
        self.flushed = self.log_end_offset();
    }

    /// A power loss: the unflushed tail is gone. Returns how many records were lost.
    pub fn lose_unflushed(&mut self) -> usize {
        self.truncate_to(self.flushed)
    }

    /// Records from `offset` up to `limit` (exclusive), at most `max` of them.
    pub fn read(&self, offset: u64, limit: u64, max: usize) -> &[Record] {
        let start = self.records.partition_point(|r| r.offset < offset);
        let end = self.records.partition_point(|r| r.offset < limit);
        &self.records[start..end.max(start).min(start + max)]
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
        log.append_as_leader(0, &plain(), &[data("a"), data("b")]);
        log.append_as_leader(2, &plain(), &[data("c")]);
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
    fn truncation_drops_records_and_epochs_above_the_offset() {
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")]);
        log.append_as_leader(1, &plain(), &[data("x"), data("y")]);
        log.set_high_watermark(4);
        assert_eq!(log.truncate_to(2), 2);
        assert_eq!(values(&log), ["a", "b"]);
        assert_eq!(log.epochs(), &[(0, 0)]);
        assert_eq!(log.high_watermark(), 2, "HW never exceeds the LEO");
        log.append_as_leader(3, &plain(), &[data("z")]);
        assert_eq!(log.epochs(), &[(0, 0), (3, 2)]);
        assert_eq!(log.truncate_to(0), 3);
        assert!(log.epochs().is_empty());
    }

    #[test]
    fn power_loss_keeps_only_what_was_flushed() {
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b")]);
        log.flush();
        log.append_as_leader(0, &plain(), &[data("c")]);
        assert_eq!(log.lose_unflushed(), 1);
        assert_eq!(values(&log), ["a", "b"]);
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let mut log = PartitionLog::default();
        log.append_as_leader(0, &plain(), &[data("a"), data("b"), data("c")]);
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
