//! The safety checker, in the spirit of Jepsen's Kafka workload: given a run's history of client
//! operations and its final logs, report every anomaly with the operations involved. Each
//! record carries the send that wrote it (`RecordData::send`), so each record in a log maps
//! back to that one send, as unique values do in Jepsen's workload: values here need not be
//! unique (a learner may send "hello" twice).

use crate::client::{ConsumedRecord, OperationId, Outcome, Request};
use crate::command::Command;
use crate::event::EventKind;
use crate::protocol::TopicPartition;
use crate::sorted::Collect;
use crate::time::SimTime;
use crate::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod live;
mod share;
pub use live::{LiveMarks, Mark, why};

/// The kinds of anomaly, as Jepsen and the reliability reference name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Anomaly {
    /// A send the client was told succeeded (acked, or "sent" with acks=0) is not in the final
    /// log at its offset, below the high watermark.
    LostWrite,
    /// One send's record appears at more than one offset.
    Duplicate,
    /// A producer's later send to a partition landed at a lower offset than an earlier one.
    Reordered,
    /// One offset was acknowledged for two different records.
    OffsetReused,
    /// A consumer fetch returned a record at or above the high watermark it was told.
    ReadAboveHighWatermark,
    /// Two in-sync replicas disagree below the high watermark.
    ReplicasDiverge,
    /// After healing, a partition still has no leader.
    Offline,
    /// A run-time invariant failed (`invariant.rs`).
    Invariant,
    /// Two consumers owned one partition in the same generation of a group.
    SplitOwnership,
    /// A group's committed offset for a partition went backwards.
    CommitRegressed,
    /// A consumer processed a record that the final log does not have at that offset (it read
    /// something that was later lost: only possible above the high watermark or after an
    /// unclean election).
    PhantomRead,
    /// A record below the group's committed offset was never processed (at-most-once loss).
    ConsumerLoss,
    /// A group processed one record more than once (at-least-once redelivery).
    Redelivered,
    /// A consumer returned a record whose transaction aborted or never committed (Jepsen's
    /// G1a; legal only under read_uncommitted).
    AbortedRead,
    /// A transaction the producer was told committed is not whole in the final logs: one of
    /// its sends failed, or a record of it is aborted or still open.
    TornTransaction,
    /// A consume-transform-produce group committed past a record whose output is not in the
    /// output topic: an exactly-once transaction that lost the output but kept the offsets, or
    /// an at-least-once application that committed before its output was acknowledged (or
    /// after it failed).
    LostOutput,
    /// A transactional producer's `commitTransaction()` succeeded although a newer instance
    /// had initialised its `transactional.id` before it was called: a zombie (a paused
    /// process, say) that was not fenced.
    ZombieCommitted,
    /// A consumer's offset commit was accepted although its generation had ended (a newer
    /// generation of its group was Stable before the call): a zombie member, paused or left
    /// behind by a rebalance, that was not fenced with ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID.
    ZombieOffsetCommit,
    /// An application's commit of explicit offsets was accepted for a partition beyond the
    /// last record that consumer had processed there + 1: the records between would never be
    /// processed by the group (at-least-once broken).
    CommitBeyondProcessed,
    /// A share partition's start offset moved past a record that no member of the share
    /// group accepted or rejected and that was not archived: the group lost it.
    ShareLoss,
    /// An exactly-once forwarders' group started a topic created again under a deleted
    /// topic's name at an offset it had committed for the deleted topic, so the new topic's
    /// records below it have no output. Kafka does this when the deletion reached no running
    /// coordinator of the group (its broker frozen, cut off or down): `onPartitionsDeleted`
    /// tombstones offsets only in the coordinators loaded then, the next one replays the
    /// deleted topic's offsets from `__consumer_offsets`, and offsets are kept by topic name.
    DeletedTopicOffset,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Anomaly::LostWrite => "lost-write",
            Anomaly::Duplicate => "duplicate",
            Anomaly::Reordered => "reordered",
            Anomaly::OffsetReused => "offset-reused",
            Anomaly::ReadAboveHighWatermark => "read-above-high-watermark",
            Anomaly::ReplicasDiverge => "replicas-diverge",
            Anomaly::Offline => "offline",
            Anomaly::Invariant => "invariant",
            Anomaly::SplitOwnership => "split-ownership",
            Anomaly::CommitRegressed => "commit-regressed",
            Anomaly::PhantomRead => "phantom-read",
            Anomaly::ConsumerLoss => "consumer-loss",
            Anomaly::Redelivered => "redelivered",
            Anomaly::AbortedRead => "aborted-read",
            Anomaly::TornTransaction => "torn-transaction",
            Anomaly::LostOutput => "lost-output",
            Anomaly::ZombieCommitted => "zombie-committed",
            Anomaly::ZombieOffsetCommit => "zombie-offset-commit",
            Anomaly::CommitBeyondProcessed => "commit-beyond-processed",
            Anomaly::ShareLoss => "share-loss",
            Anomaly::DeletedTopicOffset => "deleted-topic-offset",
        })
    }
}

/// What makes records copies of one write, for the duplicate rule: one send at two offsets (a
/// retry without idempotence), or one input processed twice by a consume-transform-produce
/// application (at-least-once after a crash: two sends, one input), named by the `source`
/// header its output carries. Two sends of one value, or an output equal to its input, are
/// different writes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Write {
    /// Written by this send (none for a record built without one, as in hand-built test logs).
    Send(Option<OperationId>),
    /// An application's output for the input at this position.
    Processed(crate::protocol::Bytes),
}

/// The write a record is a copy of.
pub(crate) fn write_of(data: &crate::protocol::RecordData) -> Write {
    match data.send {
        Some(id) if id.connection == crate::node::Connection::AppProducer => data
            .headers
            .iter()
            .find(|(name, _)| name == crate::consumer::SOURCE_HEADER)
            .map_or(Write::Send(Some(id)), |(_, input)| {
                Write::Processed(input.clone())
            }),
        send => Write::Send(send),
    }
}

/// One anomaly with the operations involved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// What kind.
    pub anomaly: Anomaly,
    /// The partition, offsets, values and clients involved, in words.
    pub detail: String,
}

/// A send that was reported successful: where it said the record went.
pub(crate) struct Claim<'a> {
    pub(crate) client: &'a str,
    order: usize,
    pub(crate) tp: TopicPartition,
    /// The send, as its records name it (`RecordData::send`).
    pub(crate) id: Option<OperationId>,
    /// None for acks=0, which learns no offset.
    pub(crate) offset: Option<u64>,
    pub(crate) value: String,
    /// The key, if any: on a compacted topic a later send with the same key supersedes it.
    pub(crate) key: Option<String>,
    /// A null value (a tombstone), which the cleaner removes in time.
    pub(crate) tombstone: bool,
    /// When it was sent: an acks=0 record missing from the log is retention's doing only if
    /// retention ran after it was sent.
    pub(crate) sent_at: SimTime,
}

pub(crate) fn claims(world: &World) -> Vec<Claim<'_>> {
    let deleted = topic_deletions(world);
    world
        .identified_operations_since(SimTime::ZERO)
        .enumerate()
        .filter_map(|(order, (id, op))| {
            let (topic, value, key, tombstone) = match &op.request {
                Request::Produce {
                    topic, value, key, ..
                } => (topic.as_str(), value.clone(), key.clone(), false),
                Request::Send {
                    topic, value, key, ..
                } => (
                    &**topic,
                    value.as_deref().unwrap_or("null").to_owned(),
                    key.as_deref().map(str::to_owned),
                    value.is_none(),
                ),
                Request::Fetch { .. }
                | Request::Poll { .. }
                | Request::Commit { .. }
                | Request::SendOffsets { .. }
                | Request::Transaction { .. } => {
                    return None;
                }
            };
            let (partition, offset) = match op.outcome {
                Outcome::Acked {
                    partition, offset, ..
                } => (partition, Some(offset)),
                Outcome::Sent { partition } => (partition, None),
                _ => return None,
            };
            if gone_with_topic(&deleted, topic, op) {
                return None;
            }
            Some(Claim {
                client: &op.client,
                order,
                tp: TopicPartition::new(topic, partition),
                id: Some(id),
                offset,
                sent_at: op.invoked_at,
                value,
                key,
                tombstone,
            })
        })
        .collect()
}

/// Every anomaly of a run: the checker's findings and the invariant violations the world
/// recorded as it ran.
pub fn check_all(world: &World) -> Vec<Violation> {
    let mut violations = check(world);
    violations.extend(
        world
            .invariant_violations()
            .into_iter()
            .map(|event| Violation {
                anomaly: match &event.kind {
                    EventKind::InvariantViolated { invariant, .. }
                        if *invariant == crate::invariant::LOST_IN_POWER_LOSS =>
                    {
                        Anomaly::LostWrite
                    }
                    _ => Anomaly::Invariant,
                },
                detail: format!("at {}: {}", event.at, event.kind),
            }),
    );
    violations
}

/// Checks a finished run (after faults were healed and the cluster settled).
pub fn check(world: &World) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut violation = |anomaly, detail: String| found.push(Violation { anomaly, detail });
    let claims = claims(world);

    let mut by_offset: BTreeMap<(&TopicPartition, u64), &Claim<'_>> = BTreeMap::new();
    // Offsets acknowledged to more than one send: all but one of them were lost.
    let mut reused: BTreeSet<(&TopicPartition, u64)> = BTreeSet::new();
    for claim in &claims {
        if let Some(offset) = claim.offset
            && let Some(other) = by_offset.insert((&claim.tp, offset), claim)
            && other.id != claim.id
        {
            reused.insert((&claim.tp, offset));
            violation(
                Anomaly::OffsetReused,
                format!(
                    "{} offset {offset} acknowledged to {} for {:?} and to {} for {:?}",
                    claim.tp, other.client, other.value, claim.client, claim.value
                ),
            );
        }
    }

    // Sends whose records the partition lost: they are found lost, and where they landed
    // says nothing about order any more (the offsets a new leader gave other records).
    let mut lost_sends: BTreeSet<usize> = BTreeSet::new();
    let last_deletion = last_deletions(world);
    let tombstones = tombstoned(&claims);
    // Each partition's claims, in order: one pass over a run's sends instead of one per
    // partition (a busy run has hundreds of thousands of sends and dozens of partitions).
    let mut claims_of: BTreeMap<&TopicPartition, Vec<&Claim<'_>>> = BTreeMap::new();
    for claim in &claims {
        claims_of.entry(&claim.tp).or_default().push(claim);
    }
    // Internal topics hold the coordinators' records, not a workload's unique values.
    for (tp, state) in world
        .metadata()
        .partitions()
        .filter(|(tp, _)| !crate::topic::is_internal(&tp.topic))
    {
        let Some(leader) = state.leader else {
            violation(
                Anomaly::Offline,
                format!("{tp} has no leader (ISR {:?})", state.isr),
            );
            continue;
        };
        let Some(log) = world.replica_log(leader, &tp) else {
            continue;
        };
        let hw = log.high_watermark();
        let records = log.records();
        // Each send's offsets (where its claim looks), and each write's (the duplicate rule):
        // two sends of one value are two records.
        let mut positions: BTreeMap<(Option<OperationId>, String), Vec<u64>> = BTreeMap::new();
        let mut copies: BTreeMap<(Write, String), Vec<u64>> = BTreeMap::new();
        // Transaction markers hold no workload value, and tombstones no value to tell them
        // apart by (two deletes of one key are not a duplicate one can see).
        for record in records
            .iter()
            .filter(|r| r.batch.control.is_none() && r.data.value.is_some())
        {
            positions
                .entry((record.data.send, record.data.value_text()))
                .or_default()
                .push(record.offset);
            copies
                .entry((write_of(&record.data), record.data.value_text()))
                .or_default()
                .push(record.offset);
        }
        let tp_claims = claims_of.get(&tp).map_or(&[][..], Vec::as_slice);
        let compacted = compacted_topic(world, &tp);
        let latest = compacted.then(|| latest_per_key(tp_claims.iter().copied()));
        let last_in_log = compacted.then(|| last_offset_per_key(log));
        for &claim in tp_claims {
            let tombstone_at: Vec<u64>;
            let at = if claim.tombstone {
                // Not found by value: at its own offset, a tombstone of its key.
                let key = claim.key.as_deref().map(str::as_bytes);
                tombstone_at = claim
                    .offset
                    .filter(|&o| {
                        log.record_at(o)
                            .is_some_and(|r| r.data.value.is_none() && r.data.key.as_deref() == key)
                    })
                    .into_iter()
                    .collect();
                &tombstone_at[..]
            } else {
                positions
                    .get(&(claim.id, claim.value.clone()))
                    .map_or(&[][..], Vec::as_slice)
            };
            let deleted_since = last_deletion.get(&tp).is_some_and(|&t| t >= claim.sent_at);
            if deleted_by_retention(claim.offset, log.log_start_offset(), at, deleted_since) {
                continue;
            }
            if let Some(latest) = &latest
                && superseded_by_compaction(claim, latest)
            {
                continue;
            }
            if let (Some(last), Some(offset)) = (&last_in_log, claim.offset)
                && cleaned_as_superseded(
                    log,
                    last,
                    (&tp, claim.key.as_deref().map(str::as_bytes)),
                    offset,
                    &tombstones,
                )
            {
                continue;
            }
            if let Some(lost) = lost_write(
                &tp,
                (claim.client, claim.offset),
                &claim.value,
                hw,
                Looked::Final(at),
            ) {
                lost_sends.insert(claim.order);
                violation(lost.anomaly, lost.detail);
            }
        }
        for ((_, value), offsets) in &copies {
            // An aborted copy is not in the log as far as any reader of committed data goes
            // (an exactly-once processor retrying a transaction writes one).
            let offsets: Vec<u64> = if offsets.len() > 1 {
                offsets
                    .iter()
                    .copied()
                    .filter(|&o| fate(world, &tp, o) != Some(Fate::Aborted))
                    .collect()
            } else {
                Vec::new()
            };
            if offsets.len() > 1 {
                violation(
                    Anomaly::Duplicate,
                    format!("{tp}: {value:?} is at offsets {offsets:?}"),
                );
            }
        }
        if let Some(latest) = &latest {
            for seen in compacted_reader_sees_latest(&tp, log, latest) {
                violation(seen.anomaly, seen.detail);
            }
        }
        for member in state.isr.iter().filter(|&&m| m != leader) {
            let Some(other) = world.replica_log(*member, &tp) else {
                continue;
            };
            // An ISR member has at least everything below the HW; missing a record counts too.
            // Below either log start offset retention deleted the records. On a compacted
            // topic each replica's cleaner runs on its own schedule: a record only one holds
            // is fine where the other's cleaner has passed.
            let differs = |i: u64| match (other.record_at(i), log.record_at(i)) {
                (Some(r), Some(l)) => r.data != l.data,
                (None, Some(_)) => !compacted || i >= other.first_dirty_offset(),
                (Some(_), None) => !compacted || i >= log.first_dirty_offset(),
                (None, None) => !compacted,
            };
            let start = log.log_start_offset().max(other.log_start_offset());
            if let Some(offset) = (start..hw).find(|&i| differs(i)) {
                violation(
                    Anomaly::ReplicasDiverge,
                    format!(
                        "{tp}: ISR member {member} differs from leader {leader} at offset {offset}, below the HW {hw}"
                    ),
                );
            }
        }
    }

    let mut last: BTreeMap<(&str, &TopicPartition), (usize, u64, &str)> = BTreeMap::new();
    // Reordering is judged among the records the partition kept: after a loss a later send
    // may land at a lost one's offset, which is the loss (and the offset reused), not
    // reordering. At a reused offset only the send the log holds there counts, even once
    // retention or the cleaner has removed what a lost send's verdict was read from.
    let held_at = |c: &Claim<'_>, offset: u64| {
        world
            .leader_log(&c.tp)
            .and_then(|log| log.record_at(offset))
            .is_some_and(|r| r.data.send == c.id)
    };
    let mut ordered: Vec<&Claim<'_>> = claims
        .iter()
        .filter(|c| {
            c.offset.is_some_and(|offset| {
                !lost_sends.contains(&c.order)
                    && (!reused.contains(&(&c.tp, offset)) || held_at(c, offset))
            })
        })
        .collect();
    crate::sorted::sort_by_key(&mut ordered, |c| c.order);
    for claim in ordered {
        let offset = claim.offset.unwrap_or_default();
        if let Some(&(_, previous, value)) = last.get(&(claim.client, &claim.tp))
            && offset < previous
        {
            violation(
                Anomaly::Reordered,
                format!(
                    "{}: {} sent {value:?} before {:?}, but they landed at offsets {previous} and {offset}",
                    claim.tp, claim.client, claim.value
                ),
            );
        }
        last.insert(
            (claim.client, &claim.tp),
            (claim.order, offset, claim.value.as_str()),
        );
    }

    for op in world.operations() {
        if let (
            Outcome::Fetched {
                records,
                high_watermark,
            },
            Request::Fetch {
                topic, partition, ..
            },
        ) = (&op.outcome, &op.request)
            && let Some((offset, _, value)) = records.iter().find(|(o, _, _)| o >= high_watermark)
        {
            violation(
                Anomaly::ReadAboveHighWatermark,
                format!(
                    "{topic}-{partition}: {} read {value:?} at offset {offset}, HW {high_watermark}",
                    op.client
                ),
            );
        }
    }
    found.extend(check_consumers(world, &claims, &tombstones));
    found.extend(check_transactions(world));
    found.extend(check_forwarding(world));
    found.extend(check_zombies(world));
    found.extend(share::check_share_groups(world));
    found
}

/// Each key's latest acknowledged send among one partition's `claims` (the largest offset),
/// with whether it was a tombstone.
fn latest_per_key<'a>(
    claims: impl IntoIterator<Item = &'a Claim<'a>>,
) -> BTreeMap<&'a str, &'a Claim<'a>> {
    let mut latest: BTreeMap<&str, &Claim<'_>> = BTreeMap::new();
    for claim in claims.into_iter().filter(|c| c.offset.is_some()) {
        let Some(key) = claim.key.as_deref() else {
            continue;
        };
        if latest.get(key).is_none_or(|l| l.offset < claim.offset) {
            latest.insert(key, claim);
        }
    }
    latest
}

/// Whether the cleaner may have removed a send's record on purpose: a later acknowledged
/// send with the same key superseded it, or it is the key's latest and a tombstone (removed
/// `delete.retention.ms` after its first cleaning). Not a lost write.
fn superseded_by_compaction(claim: &Claim<'_>, latest: &BTreeMap<&str, &Claim<'_>>) -> bool {
    let Some(key) = claim.key.as_deref() else {
        return false;
    };
    latest
        .get(key)
        .is_some_and(|l| l.offset > claim.offset || (l.offset == claim.offset && l.tombstone))
}

/// Whether the partition's topic is compacted: its logs have gaps where the cleaner removed
/// superseded values (the page's live marks, which index the log offset by offset, skip it;
/// this whole-run checker judges it).
pub(crate) fn compacted_topic(world: &World, tp: &TopicPartition) -> bool {
    world
        .metadata()
        .topics
        .get(&tp.topic)
        .is_some_and(|t| t.config.compaction().is_some())
}

/// The offset of each key's last record in a log. The cleaner keeps what the log holds last
/// for a key, acknowledged or not: a send whose answer was lost, or that its producer gave up
/// on after it was written, supersedes the key's earlier records as much as an acknowledged one.
fn last_offset_per_key(log: &crate::log::PartitionLog) -> BTreeMap<&[u8], u64> {
    let mut last = BTreeMap::new();
    for record in log.records().iter().filter(|r| r.batch.control.is_none()) {
        if let Some(key) = &record.data.key {
            last.insert(&key[..], record.offset);
        }
    }
    last
}

/// Whether the cleaner removed the record at `offset` because a later record of its key is in
/// the log: it is gone from the part of the log the cleaner has passed. A key with no record
/// left at all, to which a tombstone was sent (`tombstones`), was deleted: the cleaner keeps a
/// key's last record unless it is a tombstone older than `delete.retention.ms`, so the
/// tombstone superseded the record, and went itself.
fn cleaned_as_superseded(
    log: &crate::log::PartitionLog,
    last: &BTreeMap<&[u8], u64>,
    (tp, key): (&TopicPartition, Option<&[u8]>),
    offset: u64,
    tombstones: &Tombstones<'_>,
) -> bool {
    offset < log.first_dirty_offset()
        && log.record_at(offset).is_none()
        && key.is_some_and(|k| {
            last.get(k)
                .map_or_else(|| tombstones.contains(&(tp, k)), |&l| l > offset)
        })
}

/// The keys each partition was sent a tombstone of (acknowledged or not: one that timed out
/// may have been written).
type Tombstones<'a> = BTreeSet<(&'a TopicPartition, &'a [u8])>;

fn tombstoned<'a>(claims: &'a [Claim<'a>]) -> Tombstones<'a> {
    claims
        .iter()
        .filter(|c| c.tombstone)
        .filter_map(|c| Some((&c.tp, c.key.as_deref()?.as_bytes())))
        .collect_set()
}

/// The compacted reader's rule: a consumer reading the partition from its start (below the
/// HW) sees, as each key's last value, the key's latest acknowledged value; a deleted key
/// (latest a tombstone) shows null or nothing.
fn compacted_reader_sees_latest(
    tp: &TopicPartition,
    log: &crate::log::PartitionLog,
    latest: &BTreeMap<&str, &Claim<'_>>,
) -> Vec<Violation> {
    let hw = log.high_watermark();
    let mut seen: BTreeMap<&[u8], &crate::protocol::Record> = BTreeMap::new();
    for record in log.read(log.log_start_offset(), hw, log.records().len()) {
        if let (Some(key), None) = (&record.data.key, record.batch.control) {
            seen.insert(key, record);
        }
    }
    let mut found = Vec::new();
    for (key, claim) in latest {
        let Some(offset) = claim
            .offset
            .filter(|&o| o < hw && o >= log.log_start_offset())
        else {
            continue;
        };
        let last = seen.get(key.as_bytes());
        let fine = match last {
            Some(record) => record.offset >= offset,
            None => claim.tombstone,
        };
        if !fine {
            found.push(Violation {
                anomaly: Anomaly::LostWrite,
                detail: format!(
                    "{tp}: key {key:?}'s latest acknowledged value {:?} (offset {offset}) is not \
                     what a reader from the start sees last: {}",
                    claim.value,
                    last.map_or_else(
                        || "nothing".to_owned(),
                        |r| format!("{:?} at offset {}", r.data.value_text(), r.offset)
                    )
                ),
            });
        }
    }
    found
}

/// Whether retention may have deleted a send's record: acknowledged below the leader's log
/// start offset, or (acks=0, no offset known) not in the log though retention deleted
/// segments of the partition after it was sent (`deleted_since`). Such a record is not a lost
/// write: Kafka deleted it on purpose.
fn deleted_by_retention(
    offset: Option<u64>,
    log_start: u64,
    at: &[u64],
    deleted_since: bool,
) -> bool {
    match offset {
        Some(offset) => offset < log_start,
        None => deleted_since && log_start > 0 && at.is_empty(),
    }
}

/// A topic's last deletion, and when it was created again after it, if it was.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deletion {
    at: SimTime,
    recreated: Option<SimTime>,
}

/// Each topic's last deletion.
fn topic_deletions(world: &World) -> BTreeMap<String, Deletion> {
    let mut deleted = BTreeMap::new();
    for event in world.events() {
        note_deletion(&mut deleted, event);
    }
    deleted
}

/// Notes in `deleted` (each topic's last deletion) what `event` did to a topic, if anything.
pub(crate) fn note_deletion(deleted: &mut BTreeMap<String, Deletion>, event: &crate::event::Event) {
    match &event.kind {
        EventKind::TopicDeleted { topic } => {
            let deletion = Deletion {
                at: event.at,
                recreated: None,
            };
            deleted.insert(topic.clone(), deletion);
        }
        EventKind::TopicCreated { topic, .. } => {
            if let Some(deletion) = deleted.get_mut(topic) {
                deletion.recreated = Some(event.at);
            }
        }
        _ => {}
    }
}

/// Whether `op` wrote to or read from an incarnation of `topic` that was deleted since
/// (`deleted`: each topic's last deletion): done by then, or before the topic was created
/// again (a consumer hands out what it fetched until the group takes the partitions away, as
/// Kafka's fetch buffer does; a producer's ack may be on its way), it was written to or read
/// from a log that went with the topic, on the user's request. A topic created again under the
/// name starts at offset 0 and is judged on its own.
pub(crate) fn gone_with_topic(
    deleted: &BTreeMap<String, Deletion>,
    topic: &str,
    op: &crate::client::Operation,
) -> bool {
    let done = op.completed_at.unwrap_or(op.invoked_at);
    deleted
        .get(topic)
        .is_some_and(|d| done <= d.at || d.recreated.is_none_or(|created| done < created))
}

/// When retention last deleted segments of each partition (on any replica).
fn last_deletions(world: &World) -> BTreeMap<&TopicPartition, SimTime> {
    world
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SegmentsDeleted { tp, .. } => Some((tp, e.at)),
            _ => None,
        })
        .collect_map()
}

/// What a lost-write finding was judged against: the whole-run check searches the final log
/// for every offset the send's record landed at; the page's per-record question looks at the
/// leader's log at the acknowledged offset only, so it cannot say the record is nowhere.
#[derive(Clone, Copy)]
enum Looked<'a> {
    /// The final log holds the send's record at these offsets.
    Final(&'a [u64]),
    /// The leader's log, now, at the acknowledged offset.
    LeaderAtItsOffset,
}

/// The lost-write rule for one send reported successful: acknowledged at an offset, it is
/// lost unless the log holds it there below the high watermark; sent with acks=0, unless the
/// log holds it somewhere below the high watermark.
fn lost_write(
    tp: &TopicPartition,
    (client, offset): (&str, Option<u64>),
    value: &str,
    hw: u64,
    looked: Looked<'_>,
) -> Option<Violation> {
    let lost = match (looked, offset) {
        (Looked::LeaderAtItsOffset, _) => true,
        (Looked::Final(at), Some(offset)) => offset >= hw || !at.contains(&offset),
        (Looked::Final(at), None) => at.iter().all(|&o| o >= hw),
    };
    let said = offset.map_or_else(
        || "sent with acks=0".to_owned(),
        |o| format!("acknowledged at offset {o}"),
    );
    let found = match looked {
        Looked::Final(at) => format!("the final log (HW {hw}) {}", held_at(at, hw)),
        Looked::LeaderAtItsOffset => format!(
            "the leader's log (HW {hw}) does not have it{}",
            offset
                .map(|o| format!(" at offset {o}"))
                .unwrap_or_default()
        ),
    };
    lost.then(|| Violation {
        anomaly: Anomaly::LostWrite,
        detail: format!("{tp}: {value:?} from {client} was {said}; {found}"),
    })
}

/// Where a log holds a record, in the words an operator would use: a reader of the finding
/// should not have to decode a list, least of all an empty one. An offset at or above the
/// high watermark is marked uncommitted, which is why a record there still counts as lost.
fn held_at(at: &[u64], hw: u64) -> String {
    let offsets: Vec<String> = at
        .iter()
        .map(|&o| match o >= hw {
            true => format!("{o} (uncommitted)"),
            false => o.to_string(),
        })
        .collect();
    match offsets.as_slice() {
        [] => "does not have it".to_owned(),
        [one] => format!("has it at offset {one}"),
        [rest @ .., last] => format!("has it at offsets {} and {last}", rest.join(", ")),
    }
}

/// The checker's lost-write rule for one acknowledged send, as the page asks it of the sends
/// it shows: one lookup in the leader's log, whatever the run's length. `None` while the
/// record is in place, or while the partition has no leader to say. (The whole-run check
/// also lists other offsets the value landed at; this looks at its own offset only.)
pub fn acked_send_lost(
    world: &World,
    client: &str,
    tp: &TopicPartition,
    offset: u64,
    value: &str,
) -> Option<Violation> {
    let log = world.leader_log(tp)?;
    if deleted_by_retention(Some(offset), log.log_start_offset(), &[], false) {
        return None;
    }
    // The cleaner removes superseded values: one send alone cannot tell (the whole-run check
    // compares it with the key's later sends).
    let compacted = compacted_topic(world, tp);
    if compacted && log.record_at(offset).is_none() {
        return None;
    }
    let here = log
        .record_at(offset)
        .filter(|r| r.batch.control.is_none() && r.data.value_text() == value);
    if here.is_some() {
        // In the leader's log, committed or not yet: an acks=1 record waits above the HW until
        // the followers copy it, and is lost only if a truncation or an election removes it.
        // (The whole-run check counts a record still above the HW at the end as lost: by then
        // the run has healed and the HW has had its chance to pass it.)
        return None;
    }
    lost_write(
        tp,
        (client, Some(offset)),
        value,
        log.high_watermark(),
        Looked::LeaderAtItsOffset,
    )
}

/// Each record's fate in one pass from the end (a transactional record's fate is its
/// producer's first marker after it).
pub(crate) fn log_fates(records: &crate::chunked::Chunked<crate::protocol::Record>) -> Vec<Fate> {
    let mut next_marker: BTreeMap<u64, crate::protocol::ControlType> = BTreeMap::new();
    let mut fates: Vec<Fate> = records
        .iter()
        .rev()
        .map(|record| {
            let batch = &record.batch;
            if let Some(control) = batch.control {
                if let Some(producer_id) = batch.producer_id {
                    next_marker.insert(producer_id, control);
                }
                return Fate::Marker;
            }
            if !batch.transactional {
                return Fate::Committed;
            }
            match batch.producer_id.and_then(|id| next_marker.get(&id)) {
                Some(crate::protocol::ControlType::Commit) => Fate::Committed,
                Some(crate::protocol::ControlType::Abort) => Fate::Aborted,
                None => Fate::Open,
            }
        })
        .collect();
    fates.reverse();
    fates
}

/// Forwarding that commits after its output is out (at-least-once) or with it (exactly-once):
/// every input record the forwarders' group committed past (and that read_committed returns)
/// has its output in the output topic, committed if it was written in a transaction. Output
/// twice is the duplicate check's. Output sent to an output topic deleted since went with it,
/// on the user's request. A forwarder that commits otherwise promises nothing about its
/// output: before processing, or nothing itself, or with auto commit on as well (Java's
/// consumer commits its positions when partitions are revoked and on `close()`, past a batch
/// whose output failed).
fn check_forwarding(world: &World) -> Vec<Violation> {
    let mut found = Vec::new();
    let deleted = topic_deletions(world);
    let mut checked: Vec<(String, String)> = Vec::new();
    for (consumer, _) in world.consumers() {
        let (Some(forward), Some(group)) = (consumer.forwarder(), &consumer.config().group_id)
        else {
            continue;
        };
        let key = (group.clone(), forward.topic.clone());
        let config = consumer.config();
        let commits_after_output = forward.exactly_once
            || (config.app_commit.after_processing() && !config.enable_auto_commit);
        if !commits_after_output || checked.contains(&key) {
            continue;
        }
        checked.push(key);
        let committed_values = |topic: &str| -> std::collections::BTreeSet<String> {
            world
                .metadata()
                .partitions()
                .filter(|(tp, _)| &*tp.topic == topic)
                .filter_map(|(tp, state)| world.replica_log(state.leader?, &tp))
                .flat_map(|log| {
                    let fates = log_fates(log.records());
                    log.records()
                        .iter()
                        .zip(fates)
                        .filter(|(_, fate)| *fate == Fate::Committed)
                        .map(|(r, _)| r.data.value_text())
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let mut output = committed_values(&forward.topic);
        output.extend(
            world
                .operations()
                .into_iter()
                .filter_map(|op| match &op.request {
                    Request::Send { topic, value, .. }
                        if **topic == *forward.topic && gone_with_topic(&deleted, topic, op) =>
                    {
                        Some(value.as_deref().unwrap_or("null").to_owned())
                    }
                    _ => None,
                }),
        );
        let offsets = world
            .groups()
            .into_iter()
            .find(|(_, g)| &g.id == group)
            .map(|(_, g)| g.offsets.clone())
            .unwrap_or_default();
        for (tp, committed) in offsets {
            let Some(log) = world.leader_log(&tp) else {
                continue;
            };
            let carried = start_at_deleted_topic_offset(world, &deleted, group, (&tp, committed));
            let fates = log_fates(log.records());
            for (record, fate) in log.records().iter().zip(fates) {
                let value = record.data.value_text();
                if record.offset < committed && fate == Fate::Committed && !output.contains(&value)
                {
                    let violation = match carried {
                        Some(start) if record.offset < start => Violation {
                            anomaly: Anomaly::DeletedTopicOffset,
                            detail: format!(
                                "group {group} started {tp}, created again, at {start}, its offset of the deleted topic {}: {value:?} at offset {} has no output in {}",
                                tp.topic, record.offset, forward.topic
                            ),
                        },
                        _ => Violation {
                            anomaly: Anomaly::LostOutput,
                            detail: format!(
                                "group {group} committed {tp} up to {committed}, but {value:?} at offset {} has no committed output in {}",
                                record.offset, forward.topic
                            ),
                        },
                    };
                    found.push(violation);
                }
            }
        }
    }
    found
}

/// Where `group` started reading `tp` of a topic created again under a deleted topic's name
/// (where it `committed`, if it read none of it), when that is above 0 and an offset the
/// group committed for `tp` of the deleted topic (a transaction's offsets, or a commit, done
/// before the new topic existed): the deleted topic's offset survived in the group (see
/// [`Anomaly::DeletedTopicOffset`]).
fn start_at_deleted_topic_offset(
    world: &World,
    deleted: &BTreeMap<String, Deletion>,
    group: &str,
    (tp, committed): (&TopicPartition, u64),
) -> Option<u64> {
    deleted.get(&*tp.topic)?.recreated?;
    let in_group = |c: &crate::consumer::Consumer| c.config().group_id.as_deref() == Some(group);
    let reads = world.consumers().filter(|(c, _)| in_group(c));
    let start = reads
        .flat_map(|(c, _)| c.history().iter())
        .filter(|op| !gone_with_topic(deleted, &tp.topic, op))
        .filter_map(|op| match &op.outcome {
            Outcome::Polled { records, .. } => records
                .iter()
                .filter(|r| r.tp == *tp)
                .map(|r| r.offset)
                .min(),
            _ => None,
        })
        .min()
        .unwrap_or(committed);
    let commits = world
        .consumers()
        .filter(|(c, _)| in_group(c))
        .flat_map(|(c, _)| c.history().iter())
        .chain(world.operations());
    let committed_for_deleted = commits
        .filter(|op| gone_with_topic(deleted, &tp.topic, op))
        .any(|op| match (&op.request, &op.outcome) {
            (
                Request::SendOffsets {
                    group: g, offsets, ..
                },
                Outcome::Done,
            )
            | (
                Request::Commit {
                    group: g, offsets, ..
                },
                Outcome::Committed,
            ) => g == group && offsets.contains(&(tp.clone(), start)),
            _ => false,
        });
    (start > 0 && committed_for_deleted).then_some(start)
}

/// What the final log says of the record at an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// A plain record, or one whose transaction committed.
    Committed,
    /// Its transaction aborted.
    Aborted,
    /// Its transaction has no marker yet.
    Open,
    /// A transaction marker.
    Marker,
}

impl Fate {
    /// Whether a consumer of this isolation level returns it.
    fn visible(self, read_committed: bool) -> bool {
        match self {
            Fate::Committed => true,
            Fate::Aborted | Fate::Open => !read_committed,
            Fate::Marker => false,
        }
    }
}

/// The fate of the record at `offset` of `tp` in the leader's final log: a transactional
/// record's fate is the first marker of its producer after it.
fn fate(world: &World, tp: &TopicPartition, offset: u64) -> Option<Fate> {
    let records = world.leader_log(tp)?.records();
    let index = records.partition_point(|r| r.offset < offset);
    let record = records.get(index).filter(|r| r.offset == offset)?;
    if record.batch.control.is_some() {
        return Some(Fate::Marker);
    }
    if !record.batch.transactional {
        return Some(Fate::Committed);
    }
    let marker = records
        .iter_from(index)
        .find(|r| r.batch.control.is_some() && r.batch.producer_id == record.batch.producer_id);
    Some(match marker.and_then(|m| m.batch.control) {
        Some(crate::protocol::ControlType::Commit) => Fate::Committed,
        Some(crate::protocol::ControlType::Abort) => Fate::Aborted,
        None => Fate::Open,
    })
}

/// Aborted reads by any consumer, and committed transactions that are not whole. What was read
/// from or written to a topic deleted since went with it: the final log, if the topic was
/// created again, is the new topic's, whose offsets hold other records.
fn check_transactions(world: &World) -> Vec<Violation> {
    let mut found = Vec::new();
    let deleted = topic_deletions(world);
    for (consumer, _) in world.consumers() {
        for op in consumer.history() {
            let (Request::Poll { read_committed, .. }, Outcome::Polled { records, .. }) =
                (&op.request, &op.outcome)
            else {
                continue;
            };
            let kept = records
                .iter()
                .filter(|r| r.transactional && !gone_with_topic(&deleted, &r.tp.topic, op));
            for record in kept {
                let fate = fate(world, &record.tp, record.offset);
                if let Some(fate @ (Fate::Aborted | Fate::Open)) = fate {
                    let isolation = if *read_committed {
                        "read_committed"
                    } else {
                        "read_uncommitted"
                    };
                    found.push(Violation {
                        anomaly: Anomaly::AbortedRead,
                        detail: format!(
                            "{} ({isolation}) read {:?} at {} offset {}, whose transaction {}",
                            op.client,
                            record.value_text(),
                            record.tp,
                            record.offset,
                            if fate == Fate::Aborted {
                                "aborted"
                            } else {
                                "never committed"
                            }
                        ),
                    });
                }
            }
        }
    }
    // Sends per (producer, transaction), and the transactions whose commit returned.
    let mut sends: BTreeMap<(&str, u64), Vec<&crate::client::Operation>> = BTreeMap::new();
    let mut committed: Vec<(&str, u64)> = Vec::new();
    for op in world.operations() {
        match (&op.request, &op.outcome) {
            (
                Request::Send {
                    transaction: Some(number),
                    ..
                },
                _,
            ) => sends.entry((&op.client, *number)).or_default().push(op),
            (
                Request::Transaction {
                    action: crate::client::TxnAction::Commit,
                    transaction,
                },
                Outcome::Done,
            ) => committed.push((&op.client, *transaction)),
            _ => {}
        }
    }
    for key @ (client, number) in committed {
        for op in sends.get(&key).into_iter().flatten() {
            let (Request::Send { topic, value, .. }, outcome) = (&op.request, &op.outcome) else {
                continue;
            };
            // Written to a topic deleted since: the record went with it (a send that failed
            // is still judged: no commit may follow it).
            if matches!(outcome, Outcome::Acked { .. }) && gone_with_topic(&deleted, topic, op) {
                continue;
            }
            let broken = match outcome {
                Outcome::Acked {
                    partition, offset, ..
                } => fate(world, &TopicPartition::new(topic, *partition), *offset)
                    .is_some_and(|f| f != Fate::Committed)
                    .then(|| format!("is not committed at {topic}-{partition} offset {offset}")),
                other => Some(format!("did not succeed ({other:?})")),
            };
            if let Some(what) = broken {
                found.push(Violation {
                    anomaly: Anomaly::TornTransaction,
                    detail: format!(
                        "{client} committed transaction {number}, but its send of {value:?} {what}"
                    ),
                });
            }
        }
    }
    found
}

/// A transactional call that succeeded, as the zombie rule reads it.
#[derive(Clone, Debug)]
struct TxnCall<'a> {
    transactional_id: String,
    client: &'a str,
    action: crate::client::TxnAction,
    transaction: u64,
    invoked_at: SimTime,
    completed_at: SimTime,
}

/// Zombie producers: once `initTransactions()` of a new instance returned, Kafka's epoch bump
/// fences every older instance of the `transactional.id`, so no commit the older one asks for
/// afterwards may succeed. (A process restarted under the same name is the same application
/// starting over, not a zombie.)
fn check_zombies(world: &World) -> Vec<Violation> {
    let transactional_id = |client: &str| {
        world
            .producers()
            .find(|p| p.name() == client)
            .and_then(|p| p.config().transactional_id.clone())
    };
    let calls: Vec<TxnCall<'_>> = world
        .operations()
        .into_iter()
        .filter_map(|op| {
            let (
                Request::Transaction {
                    action,
                    transaction,
                },
                Outcome::Done,
            ) = (&op.request, &op.outcome)
            else {
                return None;
            };
            Some(TxnCall {
                transactional_id: transactional_id(&op.client)?,
                client: &op.client,
                action: *action,
                transaction: *transaction,
                invoked_at: op.invoked_at,
                completed_at: op.completed_at.unwrap_or(op.invoked_at),
            })
        })
        .collect();
    zombie_commits(&calls)
}

/// The successful commits a newer instance's `initTransactions()` should have fenced.
fn zombie_commits(calls: &[TxnCall<'_>]) -> Vec<Violation> {
    use crate::client::TxnAction;
    let inits: Vec<&TxnCall<'_>> = calls
        .iter()
        .filter(|c| c.action == TxnAction::Init)
        .collect();
    let mut found = Vec::new();
    for commit in calls.iter().filter(|c| c.action == TxnAction::Commit) {
        let (id, client, called) = (&commit.transactional_id, commit.client, commit.invoked_at);
        let same_id = || inits.iter().filter(|i| &i.transactional_id == id);
        // The instance that committed: its latest initTransactions() before the call.
        let Some(own) = same_id()
            .filter(|i| i.client == client && i.completed_at <= called)
            .map(|i| i.completed_at)
            .max()
        else {
            continue;
        };
        if let Some(successor) = same_id()
            .find(|i| i.client != client && own < i.completed_at && i.completed_at <= called)
        {
            found.push(Violation {
                anomaly: Anomaly::ZombieCommitted,
                detail: format!(
                    "{client} committed transaction {} of {id:?} (called at {called}), but {} had initialised {id:?} at {}",
                    commit.transaction, successor.client, successor.completed_at
                ),
            });
        }
    }
    found
}

/// Every (group, generation, partition) claimed by two consumers in ConsumerAssigned events.
pub fn split_ownership(world: &World) -> Vec<Violation> {
    let mut owners: BTreeMap<(&str, i32, &TopicPartition), &str> = BTreeMap::new();
    let mut found = Vec::new();
    for event in world.events() {
        let EventKind::ConsumerAssigned {
            consumer,
            group,
            generation,
            assigned,
            ..
        } = &event.kind
        else {
            continue;
        };
        for tp in assigned {
            if let Some(other) = owners.insert((group, *generation, tp), consumer)
                && other != consumer
            {
                found.push(Violation {
                    anomaly: Anomaly::SplitOwnership,
                    detail: format!(
                        "{tp} owned by {other} and {consumer} in generation {generation} of {group} (at {})",
                        event.at
                    ),
                });
            }
        }
    }
    found
}

/// Records a group skipped because retention deleted them before it read them: its consumer's
/// fetch position fell below the log start offset, the leader answered OFFSET_OUT_OF_RANGE and
/// `auto.offset.reset` moved it on. Kafka does this by design, so it is no anomaly; these
/// notes say it happened (`"g: orders-0 offsets 3-7 ..."`).
pub fn deleted_before_read(world: &World) -> Vec<String> {
    // Offsets moved by hand (a seek, a reset) skip records too: the note would blame
    // retention for what the user did, so it says nothing then.
    if rewound(world) {
        return Vec::new();
    }
    let mut read: BTreeMap<(&str, &TopicPartition), std::collections::BTreeSet<u64>> =
        BTreeMap::new();
    for (consumer, _) in world.consumers() {
        for op in consumer.history() {
            if let (
                Request::Poll {
                    group: Some(group), ..
                },
                Outcome::Polled { records, .. },
            ) = (&op.request, &op.outcome)
            {
                for record in records.iter() {
                    read.entry((group.as_str(), &record.tp))
                        .or_default()
                        .insert(record.offset);
                }
            }
        }
    }
    let mut notes = Vec::new();
    for ((group, tp), offsets) in read {
        let Some(log) = world.leader_log(tp) else {
            continue;
        };
        let (Some(&first), start) = (offsets.first(), log.log_start_offset()) else {
            continue;
        };
        let skipped: Vec<u64> = (first..start).filter(|o| !offsets.contains(o)).collect();
        if let (Some(low), Some(high)) = (skipped.first(), skipped.last()) {
            notes.push(format!(
                "{group}: {tp} offsets {low}-{high} ({} record(s)) were deleted by retention \
                 before the group read them; it went on from the log start offset {start}",
                skipped.len()
            ));
        }
    }
    notes
}

/// Consumer-side checks over every group's processing and commits.
/// A group's processed records of one partition by offset: how many times, and the record.
type ProcessedAt<'a> = BTreeMap<u64, (usize, &'a ConsumedRecord)>;

fn check_consumers(
    world: &World,
    claims: &[Claim<'_>],
    tombstones: &Tombstones<'_>,
) -> Vec<Violation> {
    let mut found = split_ownership(world);
    found.extend(zombie_offset_commits(world));
    // What a group read or committed of a topic deleted since went with it: one created again
    // under its name starts at offset 0 and is judged on its own.
    let deleted = topic_deletions(world);
    found.extend(commits_beyond_processed(world, &deleted));
    let gone = |tp: &TopicPartition, op| gone_with_topic(&deleted, &tp.topic, op);
    let mut violation = |anomaly, detail: String| found.push(Violation { anomaly, detail });
    let rewound = rewound(world);
    // A scenario's own commitSync/commitAsync of a map may put its partitions' offsets
    // anywhere: those partitions, and only those, are excused.
    let by_hand = committed_by_hand(world);
    let mut commits: Vec<(SimTime, &str, &TopicPartition, u64)> = Vec::new();
    // By group and partition, then offset: one lookup of a group's partition per poll's
    // record compares names once, not at every level of one map keyed by all three.
    let mut processed: BTreeMap<(&str, &TopicPartition), ProcessedAt<'_>> = BTreeMap::new();
    // Where each group started reading each partition (auto.offset.reset may skip the past).
    let mut first_delivered: BTreeMap<(&str, &TopicPartition), u64> = BTreeMap::new();
    let mut read_committed_groups: Vec<&str> = Vec::new();
    for (consumer, _) in world.consumers() {
        for op in consumer.history() {
            match (&op.request, &op.outcome) {
                (Request::Commit { group, offsets, .. }, Outcome::Committed) => {
                    let at = op.completed_at.unwrap_or(op.invoked_at);
                    let kept = offsets.iter().filter(|(tp, _)| !gone(tp, op));
                    commits.extend(kept.map(|(tp, o)| (at, group.as_str(), tp, *o)));
                }
                (
                    Request::Poll {
                        group: Some(group),
                        read_committed,
                    },
                    outcome @ Outcome::Polled { records, .. },
                ) => {
                    if *read_committed {
                        read_committed_groups.push(group.as_str());
                    }
                    for record in records.iter().filter(|r| !gone(&r.tp, op)) {
                        let first = first_delivered
                            .entry((group.as_str(), &record.tp))
                            .or_insert(record.offset);
                        *first = (*first).min(record.offset);
                    }
                    for record in outcome
                        .processed_records()
                        .iter()
                        .filter(|r| !gone(&r.tp, op))
                    {
                        let entry = processed
                            .entry((group.as_str(), &record.tp))
                            .or_default()
                            .entry(record.offset)
                            .or_insert((0, record));
                        entry.0 += 1;
                    }
                }
                _ => {}
            }
        }
    }
    crate::sorted::sort_by_key(&mut commits, |(at, ..)| *at);
    let mut last: BTreeMap<(&str, &TopicPartition), u64> = BTreeMap::new();
    for (at, group, tp, offset) in commits {
        if let Some(previous) = last.insert((group, tp), offset)
            && offset < previous
            && !rewound
            && !by_hand.contains(&(group, tp))
        {
            violation(
                Anomaly::CommitRegressed,
                format!("{group} committed {tp} at {offset} at {at}, after {previous}"),
            );
        }
    }
    let log_value = |tp: &TopicPartition, offset: u64| {
        let log = world.leader_log(tp)?;
        let record = log.record_at(offset)?;
        (offset < log.high_watermark()).then(|| record.data.value.clone())
    };
    let log_start = |tp: &TopicPartition| world.leader_log(tp).map_or(0, |l| l.log_start_offset());
    // On a compacted topic the cleaner removes what was read: a record acknowledged there
    // with that value, now gone, was real.
    let compacted_acks: BTreeSet<(&TopicPartition, u64, &str)> = claims
        .iter()
        .filter(|c| compacted_topic(world, &c.tp))
        .filter_map(|c| Some((&c.tp, c.offset?, c.value.as_str())))
        .collect();
    // Or a later record of its key, acknowledged or not, superseded it (or a tombstone sent to
    // it, which the cleaner removed in turn).
    let mut last_in_log: BTreeMap<TopicPartition, BTreeMap<&[u8], u64>> = BTreeMap::new();
    let mut cleaned = |tp: &TopicPartition, offset: u64, record: &ConsumedRecord| {
        let Some(log) = world.leader_log(tp) else {
            return false;
        };
        if log.record_at(offset).is_some() {
            return false;
        }
        compacted_acks.contains(&(tp, offset, record.value_text().as_str()))
            || compacted_topic(world, tp) && {
                let last = last_in_log
                    .entry(tp.clone())
                    .or_insert_with(|| last_offset_per_key(log));
                cleaned_as_superseded(log, last, (tp, record.key.as_deref()), offset, tombstones)
            }
    };
    let processed_records = processed.iter().flat_map(|(&(group, tp), by_offset)| {
        by_offset
            .iter()
            .map(move |(&offset, &(times, record))| (group, tp, offset, times, record))
    });
    for (group, tp, offset, times, record) in processed_records {
        // Retention deleted it since: the final log cannot say what was there.
        if offset >= log_start(tp)
            && log_value(tp, offset).as_ref() != Some(&record.value)
            && !cleaned(tp, offset, record)
        {
            let value = record.value_text();
            violation(
                Anomaly::PhantomRead,
                format!(
                    "{group} processed {value:?} at {tp} offset {offset}, which the final log does not have"
                ),
            );
        }
        if times > 1 {
            let value = record.value_text();
            violation(
                Anomaly::Redelivered,
                format!("{group} processed {tp} offset {offset} ({value:?}) {times} times"),
            );
        }
    }
    for (_, group) in world.groups() {
        for (tp, &committed) in &group.offsets {
            if rewound {
                break;
            }
            let Some(&start) = first_delivered.get(&(group.id.as_str(), tp)) else {
                continue;
            };
            if by_hand.contains(&(group.id.as_str(), tp)) {
                continue;
            }
            let read_committed = read_committed_groups.contains(&group.id.as_str());
            let group_processed = processed.get(&(group.id.as_str(), tp));
            if let Some(offset) = (start..committed).find(|o| {
                !group_processed.is_some_and(|by_offset| by_offset.contains_key(o))
                    && log_value(tp, *o).is_some()
                    && fate(world, tp, *o).is_some_and(|f| f.visible(read_committed))
            }) {
                violation(
                    Anomaly::ConsumerLoss,
                    format!(
                        "{}: {tp} offset {offset} is below the committed offset {committed} but was never processed",
                        group.id
                    ),
                );
            }
        }
    }
    found
}

/// Seeks, resets and deleted offsets (the next reader starts at auto.offset.reset) move
/// positions and offsets back, or past records, on purpose.
fn rewound(world: &World) -> bool {
    world.commands().iter().any(|(_, c)| {
        matches!(
            c,
            Command::Seek { .. }
                | Command::SeekToBeginning { .. }
                | Command::SeekToEnd { .. }
                | Command::ResetOffsets { .. }
                | Command::DeleteOffsets { .. }
        )
    })
}

/// The (group, partition) pairs a scenario step committed by hand.
fn committed_by_hand(world: &World) -> BTreeSet<(&str, &TopicPartition)> {
    let group_of = |name: &str| {
        world
            .consumers()
            .find(|(c, _)| c.name() == name)
            .and_then(|(c, _)| c.config().group_id.as_deref())
    };
    let mut pairs = BTreeSet::new();
    for (_, command) in world.commands() {
        let (Command::CommitSyncOffsets { consumer, offsets }
        | Command::CommitAsyncOffsets { consumer, offsets }) = command
        else {
            continue;
        };
        if let Some(group) = group_of(consumer) {
            pairs.extend(offsets.iter().map(|o| (group, &o.tp)));
        }
    }
    pairs
}

/// Zombie consumers: a commit carries the member's generation, and the coordinator refuses
/// one whose generation is not the group's (`ClassicGroup.validateOffsetCommit`:
/// ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID for a member it removed, REBALANCE_IN_PROGRESS
/// while the next generation syncs). So once a newer generation was Stable, no commit the
/// older member asks for may be accepted. The member's generation at a call is the one of
/// its last assignment before it; a consumer that assigns partitions itself has none.
fn zombie_offset_commits(world: &World) -> Vec<Violation> {
    let mut stable: BTreeMap<&str, Vec<(SimTime, i32)>> = BTreeMap::new();
    let mut assigned: BTreeMap<&str, Vec<(SimTime, i32)>> = BTreeMap::new();
    for event in world.events() {
        match &event.kind {
            EventKind::GroupStable {
                group, generation, ..
            } => stable
                .entry(group)
                .or_default()
                .push((event.at, *generation)),
            EventKind::ConsumerAssigned {
                consumer,
                generation,
                ..
            } => assigned
                .entry(consumer)
                .or_default()
                .push((event.at, *generation)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for (consumer, _) in world.consumers() {
        let own = assigned.get(consumer.name()).map_or(&[][..], Vec::as_slice);
        for op in consumer.history() {
            let (Request::Commit { group, offsets, .. }, Outcome::Committed) =
                (&op.request, &op.outcome)
            else {
                continue;
            };
            let stable = stable.get(group.as_str()).map_or(&[][..], Vec::as_slice);
            let call = (consumer.name(), group.as_str(), op.invoked_at);
            found.extend(zombie_offset_commit(call, offsets, own, stable));
        }
    }
    found
}

/// The zombie rule for one accepted commit (`call`: consumer, group, when called), given the
/// consumer's assignments and the group's Stable generations, each `(when, generation)`.
fn zombie_offset_commit(
    (consumer, group, called): (&str, &str, SimTime),
    offsets: &[(TopicPartition, u64)],
    own: &[(SimTime, i32)],
    stable: &[(SimTime, i32)],
) -> Option<Violation> {
    let &(_, generation) = own.iter().rev().find(|(at, _)| *at <= called)?;
    let &(at, newer) = stable
        .iter()
        .find(|&&(at, g)| g > generation && at <= called)?;
    (generation >= 0).then(|| Violation {
        anomaly: Anomaly::ZombieOffsetCommit,
        detail: format!(
            "{consumer} of generation {generation} committed {} (called at {called}, accepted), but {group} was Stable at generation {newer} at {at}",
            crate::client::offset_list(offsets)
        ),
    })
}

/// At-least-once for an application that commits what it processed: each offset it names is
/// at most the last offset that consumer had processed in the partition + 1. Offsets a
/// scenario committed by hand are the user's to choose; seeks and resets make "processed"
/// ambiguous, so the rule stands down with them.
/// What was done with a topic before its last deletion (`deleted`) went with it.
fn commits_beyond_processed(world: &World, deleted: &BTreeMap<String, Deletion>) -> Vec<Violation> {
    if rewound(world) {
        return Vec::new();
    }
    let by_hand = committed_by_hand(world);
    let mut found = Vec::new();
    for (consumer, _) in world.consumers() {
        // (when, partition, next offset): processed records, and accepted explicit commits.
        let mut processed: Vec<(SimTime, &TopicPartition, u64)> = Vec::new();
        let mut commits: Vec<(SimTime, &str, &TopicPartition, u64)> = Vec::new();
        for op in consumer.history() {
            match (&op.request, &op.outcome) {
                (Request::Poll { .. }, outcome @ Outcome::Polled { .. }) => {
                    let at = op.completed_at.unwrap_or(op.invoked_at);
                    processed.extend(
                        (outcome.processed_records().iter())
                            .filter(|r| !gone_with_topic(deleted, &r.tp.topic, op))
                            .map(|r| (at, &r.tp, r.offset + 1)),
                    );
                }
                (
                    Request::Commit {
                        group,
                        offsets,
                        explicit: true,
                        ..
                    },
                    Outcome::Committed,
                ) => commits.extend(
                    (offsets.iter())
                        .filter(|(tp, _)| !gone_with_topic(deleted, &tp.topic, op))
                        .map(|(tp, o)| (op.invoked_at, group.as_str(), tp, *o)),
                ),
                _ => {}
            }
        }
        found.extend(beyond_processed(
            consumer.name(),
            processed,
            commits,
            &by_hand,
        ));
    }
    found
}

/// The rule for one consumer: `processed` holds (when, partition, offset + 1) of each
/// record it finished, `commits` (when called, group, partition, offset) of its accepted
/// explicit commits.
fn beyond_processed(
    consumer: &str,
    mut processed: Vec<(SimTime, &TopicPartition, u64)>,
    mut commits: Vec<(SimTime, &str, &TopicPartition, u64)>,
    by_hand: &BTreeSet<(&str, &TopicPartition)>,
) -> Vec<Violation> {
    crate::sorted::sort_by_key(&mut processed, |(at, ..)| *at);
    crate::sorted::sort_by_key(&mut commits, |(at, ..)| *at);
    let mut found = Vec::new();
    let mut done: BTreeMap<&TopicPartition, u64> = BTreeMap::new();
    let mut next = processed.into_iter().peekable();
    for (called, group, tp, offset) in commits {
        while let Some((_, tp, upto)) = next.next_if(|(at, ..)| *at <= called) {
            let entry = done.entry(tp).or_default();
            *entry = (*entry).max(upto);
        }
        let upto = done.get(tp).copied().unwrap_or_default();
        if offset > upto && !by_hand.contains(&(group, tp)) {
            found.push(Violation {
                anomaly: Anomaly::CommitBeyondProcessed,
                detail: format!(
                    "{consumer} committed {tp} at {offset} (called at {called}, accepted), but had processed it only up to offset {}",
                    upto.checked_sub(1)
                        .map_or("none".to_owned(), |o| o.to_string())
                ),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::TxnAction;

    fn keyed_claim(key: &str, value: Option<&str>, offset: u64) -> Claim<'static> {
        Claim {
            client: "p",
            order: offset as usize,
            tp: TopicPartition::new("state", 0),
            id: None,
            offset: Some(offset),
            value: value.unwrap_or("null").to_owned(),
            key: Some(key.to_owned()),
            tombstone: value.is_none(),
            sent_at: SimTime::ZERO,
        }
    }

    #[test]
    fn a_compacted_reader_must_see_each_keys_latest_acknowledged_value_last() {
        use crate::protocol::{BatchHeader, RecordData};
        use std::rc::Rc;
        let record = |key: &str, value: Option<&str>| {
            Rc::new(RecordData {
                key: Some(Rc::from(key.as_bytes())),
                value: value.map(|v| Rc::from(v.as_bytes())),
                ..RecordData::default()
            })
        };
        let mut log = crate::log::PartitionLog::default();
        let header = Rc::new(BatchHeader::default());
        // The log lost b's latest value (offset 2 holds another key) but kept the old one.
        log.append_as_leader(
            0,
            &header,
            &[
                record("a", Some("1")),
                record("b", Some("1")),
                record("x", Some("1")),
            ],
            crate::log::Roll::default(),
        );
        log.set_high_watermark(3);
        let claims = [
            keyed_claim("a", Some("1"), 0),
            keyed_claim("b", Some("1"), 1),
            keyed_claim("b", Some("2"), 2),
            keyed_claim("c", None, 3),
        ];
        let tp = TopicPartition::new("state", 0);
        let latest = latest_per_key(claims.iter().filter(|c| c.tp == tp));
        assert!(superseded_by_compaction(&claims[1], &latest));
        assert!(!superseded_by_compaction(&claims[2], &latest));
        let found = compacted_reader_sees_latest(&tp, &log, &latest);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].detail.contains("key \"b\""), "{}", found[0].detail);
    }

    fn call(client: &str, action: TxnAction, invoked_ms: u64, completed_ms: u64) -> TxnCall<'_> {
        TxnCall {
            transactional_id: "tx".to_owned(),
            client,
            action,
            transaction: 1,
            invoked_at: SimTime::from_millis(invoked_ms),
            completed_at: SimTime::from_millis(completed_ms),
        }
    }

    #[test]
    fn a_commit_called_after_a_successor_initialised_is_a_zombie_commit() {
        let calls = [
            call("p", TxnAction::Init, 0, 100),
            call("p2", TxnAction::Init, 1_000, 1_200),
            call("p", TxnAction::Commit, 2_000, 2_100),
        ];
        let found = zombie_commits(&calls);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].anomaly, Anomaly::ZombieCommitted);
        assert!(found[0].detail.contains("p2 had initialised"), "{found:?}");
    }

    fn ms(at: u64) -> SimTime {
        SimTime::from_millis(at)
    }

    #[test]
    fn a_commit_accepted_from_a_generation_the_group_moved_past_is_a_zombie_offset_commit() {
        let offsets = [(TopicPartition::new("t", 0), 7)];
        // c0 was assigned in generation 1; the group was Stable at generation 2 (without it:
        // it was paused past its session) before it called commitSync.
        let own = [(ms(1_000), 1)];
        let stable = [(ms(900), 1), (ms(20_000), 2)];
        let found = zombie_offset_commit(("c0", "g", ms(25_000)), &offsets, &own, &stable);
        let found = found.expect("a zombie's accepted commit");
        assert_eq!(found.anomaly, Anomaly::ZombieOffsetCommit);
        assert!(found.detail.contains("generation 1"), "{found:?}");
        // Called before the new generation was Stable, it may be accepted (the coordinator
        // takes commits of the current generation while it prepares a rebalance).
        let early = zombie_offset_commit(("c0", "g", ms(19_000)), &offsets, &own, &stable);
        assert_eq!(early, None);
        // A member of the new generation commits legitimately.
        let own = [(ms(1_000), 1), (ms(20_100), 2)];
        let member = zombie_offset_commit(("c0", "g", ms(25_000)), &offsets, &own, &stable);
        assert_eq!(member, None);
    }

    #[test]
    fn an_explicit_commit_beyond_the_processed_offset_plus_one_breaks_at_least_once() {
        let tp = TopicPartition::new("t", 0);
        let other = TopicPartition::new("t", 1);
        // Records 0..=9 of t-0 processed by 1 s, 10..=19 by 2 s.
        let processed: Vec<(SimTime, &TopicPartition, u64)> = (0..20)
            .map(|o| (ms(if o < 10 { 1_000 } else { 2_000 }), &tp, o + 1))
            .collect();
        let commits = vec![
            (ms(1_000), "g", &tp, 10),
            (ms(1_500), "g", &tp, 11),
            (ms(2_000), "g", &tp, 20),
            (ms(2_000), "g", &other, 3),
        ];
        let found = beyond_processed("c0", processed.clone(), commits, &BTreeSet::new());
        let details: Vec<&str> = found.iter().map(|v| v.detail.as_str()).collect();
        assert_eq!(found.len(), 2, "{details:?}");
        assert!(details[0].contains("t-0 at 11") && details[0].contains("up to offset 9"));
        assert!(details[1].contains("t-1 at 3") && details[1].contains("up to offset none"));
        assert!(
            found
                .iter()
                .all(|v| v.anomaly == Anomaly::CommitBeyondProcessed)
        );
        // A partition a scenario step committed by hand is the user's choice.
        let by_hand = BTreeSet::from([("g", &other)]);
        let commits = vec![(ms(2_000), "g", &other, 3)];
        assert!(beyond_processed("c0", processed, commits, &by_hand).is_empty());
    }

    #[test]
    fn commits_before_the_successor_and_restarts_under_one_name_are_no_zombies() {
        let calls = [
            call("p", TxnAction::Init, 0, 100),
            // Called before the successor's init returned: the coordinator orders them.
            call("p", TxnAction::Commit, 900, 1_300),
            call("p2", TxnAction::Init, 1_000, 1_200),
            call("p2", TxnAction::Commit, 2_000, 2_100),
            // p restarted and initialised again: the newest instance again.
            call("p", TxnAction::Init, 3_000, 3_100),
            call("p", TxnAction::Commit, 4_000, 4_100),
        ];
        assert!(zombie_commits(&calls).is_empty());
    }

    /// The finding names where the final log holds the record in words: "[]" told a reader
    /// nothing.
    #[test]
    fn a_lost_write_says_where_the_final_log_has_the_record_in_words() {
        let tp = TopicPartition::new("clicks", 0);
        let detail = |offset, hw, at: &[u64]| {
            lost_write(&tp, ("producer", offset), "click-2", hw, Looked::Final(at))
                .expect("lost")
                .detail
        };
        assert_eq!(
            detail(Some(1), 1, &[]),
            "clicks-0: \"click-2\" from producer was acknowledged at offset 1; \
             the final log (HW 1) does not have it"
        );
        assert_eq!(
            detail(Some(1), 9, &[3, 7]),
            "clicks-0: \"click-2\" from producer was acknowledged at offset 1; \
             the final log (HW 9) has it at offsets 3 and 7"
        );
        assert_eq!(
            detail(Some(4), 4, &[4]),
            "clicks-0: \"click-2\" from producer was acknowledged at offset 4; \
             the final log (HW 4) has it at offset 4 (uncommitted)"
        );
        assert_eq!(
            detail(None, 2, &[2, 5, 6]),
            "clicks-0: \"click-2\" from producer was sent with acks=0; \
             the final log (HW 2) has it at offsets 2 (uncommitted), 5 (uncommitted) and 6 (uncommitted)"
        );
        // The page's question looks at the acknowledged offset only, and says so.
        let live = lost_write(
            &tp,
            ("producer", Some(1)),
            "click-2",
            1,
            Looked::LeaderAtItsOffset,
        )
        .expect("lost")
        .detail;
        assert_eq!(
            live,
            "clicks-0: \"click-2\" from producer was acknowledged at offset 1; \
             the leader's log (HW 1) does not have it at offset 1"
        );
    }
}
