//! A share partition (KIP-932, Kafka's `SharePartition`): what a partition's leader knows of
//! one share group's progress through the partition. Records from the share-partition start
//! offset (SPSO) to the end offset (SPEO) are in flight, each in one state:
//!
//! - `Available`: to be handed to the next member that fetches;
//! - `Acquired`: held by one member under a lock until `group.share.record.lock.duration.ms`
//!   passes, with a delivery count;
//! - `Acknowledged` (accepted) or `Archived` (rejected, or delivered
//!   `group.share.delivery.count.limit` times): done.
//!
//! The SPSO moves past records that are done; records past the SPEO were never handed out.
//! A member's acknowledgement of a record it no longer holds (its lock expired, someone else
//! has it now) is refused with INVALID_RECORD_STATE.
//!
//! Not modelled: Kafka's leader writes this state through the share coordinator to
//! `__share_group_state` and a new leader reads it back; here it lives on the leader only,
//! so a new leader starts the share partition afresh where `share.auto.offset.reset` says, as
//! for a new group: from the log start (`earliest`) it delivers again, with fresh delivery
//! counts, what the old leader had handed out; from the high watermark (`latest`, the
//! default) it skips what the old leader had not finished. The checker allows the first
//! always and the second only under `latest`.

use crate::protocol::{AcknowledgeType, AcknowledgementBatch, AcquiredRecords, Record};
use crate::time::SimTime;
use serde::Serialize;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A record's state in a share partition (`RecordState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    /// To be acquired.
    Available,
    /// Held under a member's lock.
    Acquired,
    /// Accepted by the member that held it.
    Acknowledged,
    /// Rejected, or out of deliveries: never delivered again.
    Archived,
}

/// One in-flight record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InFlight {
    /// Its state.
    pub state: RecordState,
    /// How many times it was acquired.
    pub delivery_count: u16,
    /// The member holding it (while acquired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<Rc<str>>,
    /// When the lock expires (while acquired).
    #[serde(skip)]
    pub lock_until: SimTime,
}

/// What happened to an acknowledgement or a lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The record's offset.
    pub offset: u64,
    /// Its state after.
    pub state: RecordState,
    /// Its delivery count.
    pub delivery_count: u16,
}

/// One share group's state of one partition, on the partition's leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharePartition {
    /// SPSO: every record before it is done.
    pub start_offset: u64,
    /// SPEO: the next offset never handed out.
    pub end_offset: u64,
    /// The records in flight between them, by offset (an offset the log does not hold, a
    /// control record or one compacted away, has no entry).
    pub in_flight: BTreeMap<u64, InFlight>,
}

impl SharePartition {
    /// A share partition that starts at `offset` (`share.auto.offset.reset`: the high
    /// watermark for `latest`, the log start for `earliest`).
    pub fn starting_at(offset: u64) -> Self {
        SharePartition {
            start_offset: offset,
            end_offset: offset,
            in_flight: BTreeMap::new(),
        }
    }

    /// Whether any record is available to acquire now, or the log has records past the SPEO
    /// below `high_watermark` and room for more locks.
    pub fn has_work(&self, high_watermark: u64, max_locks: u32) -> bool {
        self.in_flight
            .values()
            .any(|r| r.state == RecordState::Available)
            || (self.end_offset < high_watermark && self.in_flight.len() < max_locks as usize)
    }

    /// The log's start moved past the SPSO (retention, DeleteRecords): those records are
    /// gone, for the share group too.
    pub fn on_log_start(&mut self, log_start: u64) {
        if log_start <= self.start_offset {
            return;
        }
        self.in_flight.retain(|&offset, _| offset >= log_start);
        self.start_offset = log_start;
        self.end_offset = self.end_offset.max(log_start);
        self.advance();
    }

    /// Acquires up to `max` records for `member` until `lock_until`: first records handed
    /// back (released, or whose lock expired), then new ones from `log` (the partition's
    /// records from the SPEO on) below `high_watermark`, while fewer than `max_locks` are in
    /// flight. Returns the acquired offsets in order, each with its delivery count.
    pub fn acquire<'a>(
        &mut self,
        member: &Rc<str>,
        (max, max_locks): (usize, u32),
        lock_until: SimTime,
        high_watermark: u64,
        log: impl Iterator<Item = &'a Record>,
    ) -> Vec<(u64, u16)> {
        let mut offsets: Vec<(u64, u16)> = Vec::new();
        for (&offset, record) in self.in_flight.iter_mut() {
            if offsets.len() >= max {
                break;
            }
            if record.state == RecordState::Available {
                record.state = RecordState::Acquired;
                record.delivery_count += 1;
                record.member = Some(Rc::clone(member));
                record.lock_until = lock_until;
                offsets.push((offset, record.delivery_count));
            }
        }
        let mut next = self.end_offset;
        for record in log.skip_while(|r| r.offset < self.end_offset) {
            if record.offset >= high_watermark
                || offsets.len() >= max
                || self.in_flight.len() >= max_locks as usize
            {
                break;
            }
            next = record.offset + 1;
            if record.batch.control.is_some() {
                // Markers are never delivered; their offsets are simply passed.
                continue;
            }
            let fresh = InFlight {
                state: RecordState::Acquired,
                delivery_count: 1,
                member: Some(Rc::clone(member)),
                lock_until,
            };
            let previous = self.in_flight.insert(record.offset, fresh);
            assert!(
                previous.is_none(),
                "offset {} past the SPEO {} was already in flight: {previous:?}",
                record.offset,
                self.end_offset
            );
            offsets.push((record.offset, 1));
        }
        self.end_offset = next;
        self.advance();
        offsets
    }

    /// Applies `member`'s acknowledgements. Each batch whose records the member does not all
    /// hold is refused as a whole, with INVALID_RECORD_STATE, and changes nothing. Returns
    /// whether all were applied, and what the released records became.
    pub fn acknowledge(
        &mut self,
        member: &str,
        batches: &[AcknowledgementBatch],
        delivery_count_limit: u16,
    ) -> (bool, Vec<Transition>) {
        let mut ok = true;
        let mut changed = Vec::new();
        for batch in batches {
            let held = (batch.first_offset..=batch.last_offset).all(|offset| {
                // Offsets without records (markers, compacted) may be acknowledged freely.
                self.in_flight.get(&offset).is_none_or(|r| {
                    r.state == RecordState::Acquired && r.member.as_deref() == Some(member)
                }) && offset < self.end_offset
                    && offset >= self.start_offset
            });
            if !held {
                ok = false;
                continue;
            }
            for offset in batch.first_offset..=batch.last_offset {
                let Some(record) = self.in_flight.get_mut(&offset) else {
                    continue;
                };
                record.member = None;
                record.state = match batch.acknowledge_type {
                    AcknowledgeType::Accept => RecordState::Acknowledged,
                    AcknowledgeType::Reject => RecordState::Archived,
                    AcknowledgeType::Release => {
                        after_delivery(record.delivery_count, delivery_count_limit)
                    }
                };
                if batch.acknowledge_type == AcknowledgeType::Release {
                    changed.push(Transition {
                        offset,
                        state: record.state,
                        delivery_count: record.delivery_count,
                    });
                }
            }
        }
        self.advance();
        (ok, changed)
    }

    /// Locks that expired by `now` hand their records back (or archive them, out of
    /// deliveries). Returns what changed.
    pub fn expire_locks(&mut self, now: SimTime, delivery_count_limit: u16) -> Vec<Transition> {
        self.hand_back(|record| record.lock_until <= now, delivery_count_limit)
    }

    /// A member closed its share session: what it still holds is handed back at once
    /// (`SharePartition.releaseAcquiredRecords`).
    pub fn release_member(&mut self, member: &str, delivery_count_limit: u16) -> Vec<Transition> {
        self.hand_back(
            |record| record.member.as_deref() == Some(member),
            delivery_count_limit,
        )
    }

    /// Hands back the acquired records `which` picks: available again, or archived when
    /// they had their deliveries.
    fn hand_back(
        &mut self,
        which: impl Fn(&InFlight) -> bool,
        delivery_count_limit: u16,
    ) -> Vec<Transition> {
        let mut changed = Vec::new();
        for (&offset, record) in self.in_flight.iter_mut() {
            if record.state == RecordState::Acquired && which(record) {
                record.member = None;
                record.state = after_delivery(record.delivery_count, delivery_count_limit);
                changed.push(Transition {
                    offset,
                    state: record.state,
                    delivery_count: record.delivery_count,
                });
            }
        }
        self.advance();
        changed
    }

    /// The earliest lock still held, for the expiry timer.
    pub fn next_expiry(&self) -> Option<SimTime> {
        self.in_flight
            .values()
            .filter(|r| r.state == RecordState::Acquired)
            .map(|r| r.lock_until)
            .min()
    }

    /// Moves the SPSO past the records that are done.
    fn advance(&mut self) {
        while let Some(entry) = self.in_flight.first_entry() {
            if matches!(
                entry.get().state,
                RecordState::Acknowledged | RecordState::Archived
            ) {
                entry.remove();
            } else {
                break;
            }
        }
        self.start_offset = self
            .in_flight
            .keys()
            .next()
            .copied()
            .unwrap_or(self.end_offset)
            .max(self.start_offset);
    }
}

/// A record given back: available again, or archived when it has had its deliveries.
fn after_delivery(delivery_count: u16, limit: u16) -> RecordState {
    if delivery_count >= limit {
        RecordState::Archived
    } else {
        RecordState::Available
    }
}

/// Consecutive offsets with the same delivery count, as ranges.
pub(crate) fn ranges(offsets: &[(u64, u16)]) -> Vec<AcquiredRecords> {
    let mut sorted = offsets.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<AcquiredRecords> = Vec::new();
    for (offset, count) in sorted {
        match out.last_mut() {
            Some(last) if last.last_offset + 1 == offset && last.delivery_count == count => {
                last.last_offset = offset;
            }
            _ => out.push(AcquiredRecords {
                first_offset: offset,
                last_offset: offset,
                delivery_count: count,
            }),
        }
    }
    out
}
