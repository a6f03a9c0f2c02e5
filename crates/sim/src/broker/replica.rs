//! One partition replica on a broker. As leader it appends produced records, tracks each
//! follower's progress, advances the high watermark to what the whole ISR has, parks acks=all
//! produces until then, and proposes ISR changes; as follower it only holds the log that the
//! fetcher fills.

use super::producer_state::ProducerStates;
use crate::log::PartitionLog;
use crate::metadata::PartitionState;
use crate::protocol::BrokerId;
use crate::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the leader knows of one follower (Kafka's `Replica` state).
#[derive(Clone, Debug, Default, Serialize)]
pub struct FollowerProgress {
    /// The follower's LEO, from its last fetch offset; unknown until it fetches.
    pub log_end_offset: Option<u64>,
    /// The last time it was caught up with the leader's LEO.
    pub last_caught_up: SimTime,
    /// The leader's LEO when the follower last fetched.
    pub last_fetch_leader_leo: u64,
    /// When it last fetched.
    pub last_fetch: SimTime,
}

/// Each follower's progress, in broker id order: a replica has a few followers, looked up at
/// every partition of every follower's fetch, where a `BTreeMap`'s search cost more than a
/// look along a short vector.
#[derive(Clone, Debug, Default)]
pub struct Followers(Vec<(BrokerId, FollowerProgress)>);

impl Followers {
    /// The progress of `follower`, if it is one.
    pub fn get(&self, follower: &BrokerId) -> Option<&FollowerProgress> {
        let found = self.0.iter().find(|(b, _)| b == follower);
        found.map(|(_, progress)| progress)
    }

    /// The progress of `follower`, if it is one, to change.
    pub fn get_mut(&mut self, follower: &BrokerId) -> Option<&mut FollowerProgress> {
        let found = self.0.iter_mut().find(|(b, _)| b == follower);
        found.map(|(_, progress)| progress)
    }

    /// The progress of `follower`, which starts unknown if it was not a follower.
    pub fn get_or_default(&mut self, follower: BrokerId) -> &mut FollowerProgress {
        let at = match self.0.binary_search_by_key(&follower, |(b, _)| *b) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (follower, FollowerProgress::default()));
                at
            }
        };
        &mut self.0[at].1
    }

    /// Keeps the followers `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&BrokerId) -> bool) {
        self.0.retain(|(b, _)| keep(b));
    }

    /// Followers and their progress, in broker id order.
    pub fn iter(&self) -> impl Iterator<Item = (&BrokerId, &FollowerProgress)> {
        self.0.iter().map(|(b, progress)| (b, progress))
    }
}

/// Leader-only state.
#[derive(Clone, Debug)]
pub struct Leadership {
    /// The epoch this broker leads in.
    pub leader_epoch: u32,
    /// The LEO when leadership began (KIP-320: a follower rejoins the ISR only past it).
    pub epoch_start_offset: u64,
    /// The ISR as last agreed with the controller.
    pub isr: Vec<BrokerId>,
    /// The partition epoch of that ISR.
    pub partition_epoch: u32,
    /// An AlterPartition in flight: the proposed ISR and when it was sent.
    pub pending_isr: Option<(Vec<BrokerId>, SimTime)>,
    /// The maximal ISR shrank without the leader trying its HW since (an AlterPartition that
    /// would have added a follower was given up): the next follower's fetch tries it.
    pub progress_owed: bool,
    /// Followers' progress.
    pub followers: Followers,
    /// Each share group's share partition (KIP-932), by group: leader-only state that ends
    /// with the leadership.
    pub share: BTreeMap<String, super::share_partition::SharePartition>,
}

impl Leadership {
    /// The ISR plus members being added: what the HW must wait for (Kafka's "maximal ISR").
    pub fn maximal_isr(&self) -> Vec<BrokerId> {
        let mut isr = self.isr.clone();
        if let Some((pending, _)) = &self.pending_isr {
            for b in pending {
                if !isr.contains(b) {
                    isr.push(*b);
                }
            }
        }
        isr
    }

    /// Whether `broker` is in the maximal ISR, without building it (the HW is checked after
    /// every append and every follower fetch).
    pub(crate) fn in_maximal_isr(&self, broker: BrokerId) -> bool {
        self.isr.contains(&broker)
            || self
                .pending_isr
                .as_ref()
                .is_some_and(|(pending, _)| pending.contains(&broker))
    }

    /// The maximal ISR's size, without building it.
    pub(crate) fn maximal_isr_len(&self) -> usize {
        let added = self.pending_isr.as_ref().map_or(0, |(pending, _)| {
            pending
                .iter()
                .enumerate()
                .filter(|&(i, b)| !self.isr.contains(b) && !pending[..i].contains(b))
                .count()
        });
        self.isr.len() + added
    }
}

/// A partition replica hosted by a broker.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    /// The id of the topic the log belongs to (Kafka's `partition.metadata` file): a topic
    /// deleted and created again under its name is another topic, whose replicas start empty.
    pub topic_id: crate::protocol::TopicId,
    /// The log, which survives process crashes.
    pub log: PartitionLog,
    /// The partition state from the broker's metadata.
    pub state: Option<PartitionState>,
    /// The topic's `min.insync.replicas`.
    pub min_insync_replicas: u32,
    /// Set while this broker leads the partition.
    pub leadership: Option<Leadership>,
    /// Idempotent producers' last batches, derived from the log.
    pub producers: ProducerStates,
    /// The topic's `segment.bytes` and `segment.ms`.
    pub roll: crate::log::Roll,
    /// The topic's `retention.ms` and `retention.bytes`, if its cleanup policy deletes.
    pub retention: Option<crate::log::Retention>,
    /// The topic's cleaner settings, if its cleanup policy compacts.
    pub compaction: Option<crate::log::Compaction>,
}

impl Replica {
    /// The last stable offset: the high watermark, or the first offset of the earliest
    /// transaction still open below it. read_committed consumers read up to here.
    pub fn last_stable_offset(&self) -> u64 {
        let hw = self.log.high_watermark();
        self.producers
            .first_unstable_offset()
            .map_or(hw, |first| first.min(hw))
    }

    /// `min(min.insync.replicas, replication factor)`: what acks=all and the HW need.
    pub fn effective_min_isr(&self) -> usize {
        let rf = self.state.as_ref().map_or(1, |s| s.replicas.len());
        (self.min_insync_replicas as usize).min(rf)
    }

    /// Starts leading in `state.leader_epoch`.
    pub fn become_leader(&mut self, me: BrokerId, state: &PartitionState, now: SimTime) {
        self.log.assign_epoch_start(state.leader_epoch);
        let mut followers = Followers::default();
        for &b in state.replicas.iter().filter(|&&b| b != me) {
            // ISR members get a fresh caught-up time so they are not dropped at once.
            if state.isr.contains(&b) {
                followers.get_or_default(b).last_caught_up = now;
            } else {
                followers.get_or_default(b);
            }
        }
        self.leadership = Some(Leadership {
            leader_epoch: state.leader_epoch,
            epoch_start_offset: self.log.log_end_offset(),
            isr: state.isr.clone(),
            partition_epoch: state.partition_epoch,
            pending_isr: None,
            progress_owed: false,
            followers,
            share: BTreeMap::new(),
        });
    }

    /// Follows a replica set changed in the same leader epoch (a reassignment adding
    /// replicas): added followers start unknown and out of sync, removed ones are forgotten.
    pub fn sync_followers(&mut self, me: BrokerId, replicas: &[BrokerId]) {
        let Some(leadership) = &mut self.leadership else {
            return;
        };
        leadership
            .followers
            .retain(|b| replicas.contains(b) && *b != me);
        for &b in replicas {
            if b != me {
                leadership.followers.get_or_default(b);
            }
        }
    }

    /// Records a follower's fetch (Kafka's `Replica.updateFetchStateOrThrow`).
    /// Returns whether the follower's log end offset moved, as Kafka's
    /// `Partition.updateFollowerFetchState` asks before it tries to move the HW.
    pub fn record_follower_fetch(
        &mut self,
        follower: BrokerId,
        fetch_offset: u64,
        now: SimTime,
    ) -> bool {
        let leader_leo = self.log.log_end_offset();
        let Some(progress) = self
            .leadership
            .as_mut()
            .and_then(|l| l.followers.get_mut(&follower))
        else {
            return false;
        };
        if fetch_offset >= leader_leo {
            progress.last_caught_up = progress.last_caught_up.max(now);
        } else if fetch_offset >= progress.last_fetch_leader_leo {
            progress.last_caught_up = progress.last_caught_up.max(progress.last_fetch);
        }
        progress.last_fetch_leader_leo = leader_leo;
        progress.last_fetch = now;
        progress.log_end_offset.replace(fetch_offset) != Some(fetch_offset)
    }

    /// Advances the HW to the smallest LEO in the maximal ISR, unless the ISR is smaller than
    /// `min.insync.replicas` (strict min ISR, Kafka 4.x). Returns whether it moved.
    pub fn maybe_increment_high_watermark(&mut self) -> bool {
        let Some(leadership) = &self.leadership else {
            return false;
        };
        if leadership.maximal_isr_len() < self.effective_min_isr() {
            return false;
        }
        let mut candidate = self.log.log_end_offset();
        for (broker, progress) in leadership.followers.iter() {
            if leadership.in_maximal_isr(*broker) {
                candidate = candidate.min(progress.log_end_offset.unwrap_or(0));
            }
        }
        candidate > self.log.high_watermark() && self.log.set_high_watermark(candidate)
    }

    /// ISR members that are neither at the leader's LEO nor caught up within `max_lag`.
    pub fn out_of_sync_followers(&self, now: SimTime, max_lag: SimDuration) -> Vec<BrokerId> {
        let Some(leadership) = &self.leadership else {
            return Vec::new();
        };
        let leo = self.log.log_end_offset();
        leadership
            .followers
            .iter()
            .filter(|(b, _)| leadership.isr.contains(b))
            .filter(|(_, p)| p.log_end_offset != Some(leo) && now.since(p.last_caught_up) > max_lag)
            .map(|(&b, _)| b)
            .collect()
    }

    /// Whether `follower` may join the ISR: caught up to the HW and past this epoch's start.
    pub fn may_join_isr(&self, follower: BrokerId) -> bool {
        let Some(leadership) = &self.leadership else {
            return false;
        };
        // The ISR first: asked at every partition of every follower's fetch, the answer is
        // nearly always that the follower is in it, known without searching the followers.
        if leadership.isr.contains(&follower) || leadership.pending_isr.is_some() {
            return false;
        }
        let progress = leadership.followers.get(&follower);
        progress.and_then(|p| p.log_end_offset).is_some_and(|leo| {
            leo >= self.log.high_watermark() && leo >= leadership.epoch_start_offset
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RecordData;
    use std::rc::Rc;

    fn leader_of_three(min_isr: u32) -> Replica {
        let state = PartitionState::new(vec![1, 2, 3], vec![1, 2, 3], Some(1), 0, 0);
        let mut replica = Replica {
            state: Some(state.clone()),
            min_insync_replicas: min_isr,
            ..Replica::default()
        };
        replica.become_leader(1, &state, SimTime::ZERO);
        let header = Rc::new(crate::protocol::BatchHeader::default());
        let records = [
            Rc::new(RecordData::value("a")),
            Rc::new(RecordData::value("b")),
        ];
        replica
            .log
            .append_as_leader(0, &header, &records, Default::default());
        replica
    }

    #[test]
    fn the_high_watermark_waits_for_every_isr_member() {
        let mut replica = leader_of_three(1);
        let now = SimTime::from_millis(1);
        replica.record_follower_fetch(2, 2, now);
        assert!(
            !replica.maybe_increment_high_watermark(),
            "follower 3 has nothing yet"
        );
        replica.record_follower_fetch(3, 1, now);
        assert!(replica.maybe_increment_high_watermark());
        assert_eq!(replica.log.high_watermark(), 1);
        replica.record_follower_fetch(3, 2, now);
        assert!(replica.maybe_increment_high_watermark());
        assert_eq!(replica.log.high_watermark(), 2);
    }

    #[test]
    fn strict_min_isr_freezes_the_high_watermark() {
        let mut replica = leader_of_three(2);
        replica.leadership.as_mut().expect("leader").isr = vec![1];
        assert!(!replica.maybe_increment_high_watermark());
        assert_eq!(replica.log.high_watermark(), 0);
    }

    #[test]
    fn a_follower_that_stops_fetching_falls_out_of_sync_after_the_lag_time() {
        let mut replica = leader_of_three(1);
        let lag = SimDuration::from_millis(30_000);
        replica.record_follower_fetch(2, 2, SimTime::from_millis(10));
        replica.record_follower_fetch(3, 0, SimTime::from_millis(10));
        assert!(
            replica
                .out_of_sync_followers(SimTime::from_millis(30_000), lag)
                .is_empty()
        );
        assert_eq!(
            replica.out_of_sync_followers(SimTime::from_millis(30_001), lag),
            vec![3]
        );
    }
}
