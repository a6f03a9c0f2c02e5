//! Invariants checked while a run goes on (white-box, from the reliability reference): each
//! holds in Kafka whatever the faults, so a violation is reported as an event the UI can show
//! and tests treat as fatal.
//!
//! - leader-in-isr: a partition's leader is in its ISR.
//! - high-watermark-within-log: the leader's HW is never past its LEO.
//! - committed-prefix-immutable: once a record is below a leader's HW, every later leader has
//!   it at the same offset (with unclean election disabled). A power loss of the last in-sync
//!   replica breaks this in Kafka too (KIP-966's "last replica standing"), and the check says so.
//!
//! The committed prefix is checked incrementally: only records newly below the HW are compared,
//! and the whole prefix only when the leader or its epoch changes.

use crate::event::EventKind;
use crate::protocol::{RecordData, TopicPartition};
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

#[derive(Clone, Debug, Default)]
struct Committed {
    records: Vec<Rc<RecordData>>,
    leader: Option<(u32, u32)>,
}

/// The checker's memory between steps.
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    committed: BTreeMap<TopicPartition, Committed>,
    reported: BTreeSet<(&'static str, TopicPartition)>,
}

impl Invariants {
    /// Checks the world now; returns the violations not reported before.
    pub fn check(&mut self, world: &World) -> Vec<EventKind> {
        let mut found = Vec::new();
        for (tp, state) in world.metadata().partitions() {
            let Some(leader) = state.leader else { continue };
            if !state.isr.contains(&leader) {
                found.push((
                    "leader-in-isr",
                    tp.clone(),
                    format!("leader {leader} is not in the ISR {:?}", state.isr),
                ));
            }
            let Some(replica) = world.replica(leader, &tp) else {
                continue;
            };
            if replica.leadership.as_ref().map(|l| l.leader_epoch) != Some(state.leader_epoch) {
                continue; // The leader has not taken over yet.
            }
            let log = &replica.log;
            if log.high_watermark() > log.log_end_offset() {
                found.push((
                    "high-watermark-within-log",
                    tp.clone(),
                    format!(
                        "HW {} past LEO {}",
                        log.high_watermark(),
                        log.log_end_offset()
                    ),
                ));
            }
            let unclean = world
                .metadata()
                .topics
                .get(&tp.topic)
                .is_some_and(|t| t.config.unclean_leader_election_enable);
            let committed = self.committed.entry(tp.clone()).or_default();
            let records = log.records();
            let hw = log.high_watermark() as usize;
            let now_leading = Some((leader, state.leader_epoch));
            let from = if committed.leader == now_leading {
                committed.records.len().min(hw)
            } else {
                0
            };
            committed.leader = now_leading;
            let differs = (from..committed.records.len()).find(|&i| {
                records
                    .get(i)
                    .is_none_or(|r| !Rc::ptr_eq(&r.data, &committed.records[i]))
            });
            if let Some(offset) = differs.filter(|_| !unclean) {
                found.push((
                    "committed-prefix-immutable",
                    tp.clone(),
                    format!("offset {offset} was committed as {:?}; leader {leader} (epoch {}) has {:?}", committed.records[offset].value_text(), state.leader_epoch, records.get(offset).map(|r| r.data.value_text())),
                ));
            }
            if differs.is_some() || hw > committed.records.len() {
                committed
                    .records
                    .truncate(differs.unwrap_or(committed.records.len()));
                let start = committed.records.len();
                committed.records.extend(
                    records[start..hw.max(start)]
                        .iter()
                        .map(|r| Rc::clone(&r.data)),
                );
            }
        }
        found
            .into_iter()
            .filter(|(name, tp, _)| self.reported.insert((name, tp.clone())))
            .map(|(invariant, tp, detail)| EventKind::InvariantViolated {
                invariant,
                tp,
                detail,
            })
            .collect()
    }
}
