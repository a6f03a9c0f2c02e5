//! Share groups' promises (KIP-932), checked against what their members got and what the
//! leaders did: every record the share-partition start offset (SPSO) moved past was accepted
//! or rejected by a member, or archived after its last delivery; and a record is accepted
//! once (the leader never lends one record to two members at once, which its own `assert!`s
//! hold, so only a new leader that starts afresh can deliver an accepted record again).

use super::{Anomaly, Violation};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::protocol::{AcknowledgeType, TopicPartition};
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// A record of a share group: (group, partition, offset).
type ShareRecord<'a> = (&'a str, &'a TopicPartition, u64);

pub(super) fn check_share_groups(world: &World) -> Vec<Violation> {
    let mut found = Vec::new();
    // What each group's members acknowledged successfully, by partition and offset.
    let mut done: BTreeMap<ShareRecord<'_>, Vec<(&str, AcknowledgeType, bool)>> = BTreeMap::new();
    for (consumer, _) in world.share_consumers() {
        let group = consumer.config().group_id.as_str();
        for delivery in consumer.history().iter() {
            // A release hands the record back: it is not done. An acknowledgement whose answer
            // never came (a timeout, a crash) may have been applied, as Jepsen counts an
            // indeterminate write: only a refusal or an error from the leader says it was not.
            let applied = match delivery.result {
                None | Some(ErrorCode::None | ErrorCode::RequestTimedOut) => true,
                Some(_) => false,
            };
            if let Some(how @ (AcknowledgeType::Accept | AcknowledgeType::Reject)) =
                delivery.acknowledged
                && applied
            {
                let definite = delivery.result == Some(ErrorCode::None);
                done.entry((group, &delivery.record.tp, delivery.record.offset))
                    .or_default()
                    .push((consumer.name(), how, definite));
            }
        }
    }
    let mut archived: BTreeSet<ShareRecord<'_>> = BTreeSet::new();
    let mut starts: BTreeMap<(&str, &TopicPartition), u64> = BTreeMap::new();
    for event in world.events() {
        match &event.kind {
            EventKind::ShareRecordsReleased {
                group,
                tp,
                archived: offsets,
                ..
            } => {
                archived.extend(offsets.iter().map(|&o| (group.as_str(), tp, o)));
            }
            EventKind::SharePartitionInitialized {
                group,
                tp,
                start_offset,
                ..
            } => {
                // Where the group first started reading: a new leader that starts afresh
                // further on skipped what lies between.
                starts.entry((group.as_str(), tp)).or_insert(*start_offset);
            }
            _ => {}
        }
    }
    for (group, tp, leader, share) in world.share_partitions() {
        let Some(&start) = starts.get(&(group, tp)) else {
            continue;
        };
        let Some(log) = world.replica_log(leader, tp) else {
            continue;
        };
        for record in log
            .read(start, share.start_offset, usize::MAX)
            .filter(|r| r.batch.control.is_none())
        {
            let key = (group, tp, record.offset);
            if !done.contains_key(&key) && !archived.contains(&key) {
                found.push(Violation {
                    anomaly: Anomaly::ShareLoss,
                    detail: format!(
                        "share group {group}: {tp} offset {} is below the share-partition start offset {} but no member accepted or rejected it and it was not archived",
                        record.offset, share.start_offset
                    ),
                });
            }
        }
    }
    for ((group, tp, offset), acks) in &done {
        let accepted: Vec<&str> = acks
            .iter()
            .filter(|(_, how, definite)| *how == AcknowledgeType::Accept && *definite)
            .map(|(who, ..)| *who)
            .collect();
        if accepted.len() > 1 {
            found.push(Violation {
                anomaly: Anomaly::Redelivered,
                detail: format!(
                    "share group {group}: {tp} offset {offset} accepted {} times (by {})",
                    accepted.len(),
                    accepted.join(", ")
                ),
            });
        }
    }
    found
}
