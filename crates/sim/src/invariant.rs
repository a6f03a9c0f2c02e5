//! Invariants checked while a run goes on (white-box, from the reliability reference): each
//! holds in Kafka whatever the faults, so a violation is reported as an event the UI can show
//! and tests treat as fatal.
//!
//! - leader-in-isr: a partition's leader is in its ISR.
//! - high-watermark-within-log: the leader's HW is never past its LEO.
//! - committed-prefix-immutable: once a record is below a leader's HW, every later leader has
//!   it at the same offset (with unclean election disabled). A power loss of the last in-sync
//!   replica breaks this in Kafka too (KIP-966's "last replica standing"), and the check says so
//!   under a name of its own, committed-prefix-lost-in-power-loss, when the record committed
//!   there is one a power loss took from the leader's log: the checker counts that as a lost
//!   write (which only the configuration or the faults can allow), not as a simulator's mistake.
//!
//! - one-active-controller-per-epoch: two controllers never both lead the quorum in one epoch.
//! - leader-has-committed-metadata: the active controller of the highest epoch holds every
//!   committed metadata record (Raft's leader completeness), checked at the last committed
//!   offset. A deposed leader that has not noticed yet (cut off, it resigns after 1.5 × the
//!   fetch timeout) may lack what the new majority committed since, as in Raft.
//!
//! The committed prefix is checked incrementally: only records newly below the HW are compared,
//! and the whole prefix only when the leader or its epoch changes. leader-in-isr and the
//! quorum's invariants are checked on a controller's steps only (`Scope::All`): they read the
//! metadata, which no broker step changes.

use crate::broker::Replica;
use crate::chunked::Chunked;
use crate::event::EventKind;
use crate::metadata::{PartitionState, TopicImage};
use crate::protocol::{RecordData, TopicPartition};
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

#[derive(Clone, Debug, Default)]
struct Committed {
    /// By offset; none where retention deleted the record before it was seen committed. In
    /// chunks shared by every copy of the world, as the logs are: a page keeps the checker on,
    /// and a rewind copy would otherwise copy a pointer to every record of the run.
    records: Chunked<Option<Rc<RecordData>>>,
    leader: Option<(u32, u32)>,
    /// What the last check saw; the same again means nothing to check.
    seen: Option<Seen>,
}

/// Everything a leader's check reads, as of a check: the leader and its epoch, the topic's
/// settings and how many writes its log had. The checker runs after every step of a broker
/// and mostly finds its logs as it left them; comparing this skips them. The log's offsets
/// are compared too, so a write method that forgot to count itself would still have what it
/// moved checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    leader: u32,
    leader_epoch: u32,
    unclean: bool,
    compacted: bool,
    writes: u64,
    /// High watermark, log end offset, log start offset.
    offsets: (u64, u64, u64),
}

/// Which partitions a step can have changed (see `World::run_invariants`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope {
    /// A controller's step: every partition, and the quorum.
    All,
    /// A broker's step: the partitions it leads.
    LedBy(u32),
}

/// The checker's memory between steps.
#[derive(Clone, Debug, Default)]
pub(crate) struct Invariants {
    /// By topic name, then partition index: a broker's step looks its topics up once each,
    /// not each of its partitions (this check runs after every broker step). With the topic id
    /// they were seen under: a topic deleted and created again under its name starts afresh.
    committed: BTreeMap<Rc<str>, (crate::protocol::TopicId, Vec<Committed>)>,
    /// Committed metadata records, as first seen committed.
    metadata: Vec<Rc<crate::metadata::MetadataRecord>>,
    reported: BTreeSet<(&'static str, TopicPartition)>,
    /// The newest epoch an active controller has been seen leading.
    newest_leader_epoch: u32,
}

type Found = Vec<(&'static str, TopicPartition, String)>;

/// committed-prefix-immutable broken by a power loss of the leader's log (see the module's
/// doc): a lost write, not a simulator's mistake.
pub(crate) const LOST_IN_POWER_LOSS: &str = "committed-prefix-lost-in-power-loss";

fn partition_of(partitions: &mut Vec<Committed>, partition: u32) -> &mut Committed {
    let index = partition as usize;
    if partitions.len() <= index {
        partitions.resize_with(index + 1, Committed::default);
    }
    &mut partitions[index]
}

/// A leader's log against what the checker saw committed: high-watermark-within-log and
/// committed-prefix-immutable (see the module's doc).
fn check_leader(
    tp: &TopicPartition,
    state: &PartitionState,
    topic: &TopicImage,
    replica: &Replica,
    committed: &mut Committed,
    found: &mut Found,
) {
    let Some(leader) = state.leader else { return };
    if replica.leadership.as_ref().map(|l| l.leader_epoch) != Some(state.leader_epoch) {
        return; // The leader has not taken over yet.
    }
    if replica.topic_id != topic.topic_id {
        // The leader has not heard of this topic yet (paused or cut off while it was deleted
        // and created again): its log is the earlier topic's, whose epochs start over too.
        return;
    }
    let log = &replica.log;
    let unclean = topic.config.unclean_leader_election_enable;
    // On a compacted topic a committed record may be gone (each replica's cleaner removes
    // superseded values); one in its place would still be wrong.
    let compacted = replica.compaction.is_some();
    let seen = Seen {
        leader,
        leader_epoch: state.leader_epoch,
        unclean,
        compacted,
        writes: log.writes(),
        offsets: (
            log.high_watermark(),
            log.log_end_offset(),
            log.log_start_offset(),
        ),
    };
    // Unchanged since the last check, which left `committed` agreeing with the log and
    // reported what it found: checking again would find nothing new. (Compared before it is
    // stored: `Option::replace` copied the whole of it at every check, 28 instructions.)
    if committed.seen == Some(seen) {
        return;
    }
    committed.seen = Some(seen);
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
    let hw = log.high_watermark() as usize;
    // Below the log start offset retention deleted the records: nothing to compare.
    let start = log.log_start_offset() as usize;
    let now_leading = Some((leader, state.leader_epoch));
    let from = if committed.leader == now_leading {
        committed.records.len().min(hw)
    } else {
        0
    };
    committed.leader = now_leading;
    let differs = (from.max(start)..committed.records.len()).find(|&i| {
        committed
            .records
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|seen| {
                log.record_at(i as u64)
                    .map_or(!compacted, |r| !Rc::ptr_eq(&r.data, seen))
            })
    });
    if let Some(offset) = differs.filter(|_| !unclean) {
        let committed_record = committed.records.get(offset).and_then(Option::as_ref);
        let power_loss = committed_record.is_some_and(|r| log.lost_in_power_loss(r));
        let (invariant, why) = if power_loss {
            (
                LOST_IN_POWER_LOSS,
                " (its log lost it in a power loss: KIP-966's last replica standing)",
            )
        } else {
            ("committed-prefix-immutable", "")
        };
        found.push((
            invariant,
            tp.clone(),
            format!(
                "offset {offset} was committed as {:?}; leader {leader} (epoch {}) has {:?}{why}",
                committed_record.map(|r| r.value_text()),
                state.leader_epoch,
                log.record_at(offset as u64).map(|r| r.data.value_text())
            ),
        ));
    }
    if differs.is_some() || hw > committed.records.len() {
        committed
            .records
            .truncate(differs.unwrap_or(committed.records.len()));
        let from = committed.records.len();
        committed.records.extend(
            (from..hw.max(from)).map(|i| log.record_at(i as u64).map(|r| Rc::clone(&r.data))),
        );
    }
}

impl Invariants {
    /// Checks the world now; returns the violations not reported before.
    pub(crate) fn check(&mut self, world: &World, scope: Scope) -> Vec<EventKind> {
        let metadata = world.metadata();
        let mut found = Vec::new();
        match scope {
            Scope::All => {
                found = self.check_quorum(world);
                // Topic by topic, in the order of `metadata.partitions()`, with one look-up of
                // what was seen committed of each topic rather than one per partition.
                for (name, topic) in &metadata.topics {
                    let mut committed: Option<&mut Vec<Committed>> = None;
                    for (index, state) in topic.partitions.iter().enumerate() {
                        let Some(leader) = state.leader else { continue };
                        let tp = TopicPartition {
                            topic: Rc::clone(name),
                            partition: index as u32,
                        };
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
                        if committed.is_none() {
                            committed = Some(self.committed_of_topic(&tp, topic));
                        }
                        let committed = committed.as_mut().expect("looked up above");
                        let committed = partition_of(committed, tp.partition);
                        check_leader(&tp, state, topic, replica, committed, &mut found);
                    }
                }
            }
            // A broker's step leaves the metadata as it was (leader-in-isr waits for the
            // controller's next step); it can change only the logs it leads. Walked from its
            // own replicas topic by topic, in the same order as the metadata's partitions,
            // with one lookup per topic that has a partition it leads.
            Scope::LedBy(broker) => {
                let Some(replicas) = world.broker_replicas(broker) else {
                    return Vec::new();
                };
                for (name, partitions) in replicas.by_topic() {
                    let mut topic: Option<(&TopicImage, &mut Vec<Committed>)> = None;
                    for (tp, replica) in partitions {
                        if replica.leadership.is_none() {
                            continue;
                        }
                        if topic.is_none() {
                            let Some(image) = metadata.topics.get(name) else {
                                break;
                            };
                            topic = Some((image, self.committed_of_topic(tp, image)));
                        }
                        let (image, committed) = topic.as_mut().expect("looked up above");
                        let Some(state) = image.partitions.get(tp.partition as usize) else {
                            continue;
                        };
                        if state.leader == Some(broker) {
                            let committed = partition_of(committed, tp.partition);
                            check_leader(tp, state, image, replica, committed, &mut found);
                        }
                    }
                }
            }
        }
        self.report(found)
    }

    /// What was seen committed of `tp`'s topic, forgotten if the topic is not the one it was
    /// seen in (deleted and created again).
    fn committed_of_topic(
        &mut self,
        tp: &TopicPartition,
        image: &TopicImage,
    ) -> &mut Vec<Committed> {
        let (id, partitions) = self.committed.entry(Rc::clone(&tp.topic)).or_default();
        if *id != image.topic_id {
            *id = image.topic_id.clone();
            partitions.clear();
        }
        partitions
    }

    fn report(&mut self, found: Found) -> Vec<EventKind> {
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

    /// The quorum's invariants, reported against `__cluster_metadata-0`.
    fn check_quorum(&mut self, world: &World) -> Found {
        let mut found = Vec::new();
        let metadata = TopicPartition::new("__cluster_metadata", 0);
        let leaders: Vec<(u32, u32)> = world
            .controllers()
            .filter(|(c, up)| *up && c.is_active())
            .map(|(c, _)| (c.quorum().epoch, c.quorum().id))
            .collect();
        for (i, (epoch, id)) in leaders.iter().enumerate() {
            if let Some((_, other)) = leaders[i + 1..].iter().find(|(e, _)| e == epoch) {
                found.push((
                    "one-active-controller-per-epoch",
                    metadata.clone(),
                    format!("controllers {id} and {other} both lead epoch {epoch}"),
                ));
            }
        }
        // Leader completeness holds for the leader of the newest epoch a controller has led:
        // a leader cut off from the quorum stays active in its old epoch (until it resigns
        // for want of fetches) while the others elect a leader that commits more, which it
        // cannot have (fuzz seed 1175 of read-uncommitted: the new leader then crashed, and
        // the old one was the only active controller up). An epoch only a candidate reached
        // does not count: it would leave the real leader unchecked.
        if let Some(&(epoch, _)) = leaders.iter().max() {
            self.newest_leader_epoch = self.newest_leader_epoch.max(epoch);
        }
        let newest = self.newest_leader_epoch;
        for (controller, up) in world.controllers() {
            let log = controller.log();
            let committed = controller.quorum().committed as usize;
            if committed > self.metadata.len() && committed <= log.len() {
                let start = self.metadata.len();
                self.metadata.extend(log[start..committed].iter().cloned());
            }
            let known = self.metadata.len();
            let leads = up && controller.is_active() && controller.quorum().epoch == newest;
            if !leads || known == 0 {
                continue;
            }
            let holds = log
                .get(known - 1)
                .is_some_and(|r| Rc::ptr_eq(r, &self.metadata[known - 1]));
            if !holds {
                found.push((
                    "leader-has-committed-metadata",
                    metadata.clone(),
                    format!(
                        "active controller {} (epoch {}) lacks committed metadata offset {}",
                        controller.quorum().id,
                        controller.quorum().epoch,
                        known - 1
                    ),
                ));
            }
        }
        found
    }
}
