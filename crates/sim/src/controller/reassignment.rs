//! Partition reassignment (KIP-455): AlterPartitionReassignments and
//! ListPartitionReassignments, as KRaft's `ReplicationControlManager` runs them.
//!
//! A reassignment to `target` first grows the replicas to `target` followed by the replicas
//! being removed, and records `adding`/`removing`; the added replicas become followers and
//! fetch. When an AlterPartition puts every target replica in the ISR, the same change
//! completes it: the replicas become `target`, the removed ones leave the ISR, a leader that is
//! being removed hands over to the first target replica in the ISR, and the leader epoch is
//! bumped when a replica goes. A broker that no longer hosts the partition deletes its log.
//! Cancelling puts back the replicas from before (minus those being added). Throttles
//! (`--throttle`) and moves between log directories are not simulated.

use super::{Controller, Election, reelect};
use crate::error::{ErrorCode, KafkaError};
use crate::metadata::PartitionState;
use crate::node::Ctx;
use crate::protocol::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// One partition of an AlterPartitionReassignments request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassignment {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: u32,
    /// The target replicas, the first being the preferred leader; none cancels the
    /// partition's reassignment in progress.
    #[serde(default)]
    pub replicas: Option<Vec<BrokerId>>,
}

/// A partition being reassigned, as ListPartitionReassignments answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OngoingReassignment {
    /// The partition.
    pub tp: TopicPartition,
    /// Its replicas now: the target followed by those being removed.
    pub replicas: Vec<BrokerId>,
    /// Replicas being added.
    pub adding: Vec<BrokerId>,
    /// Replicas being removed.
    pub removing: Vec<BrokerId>,
}

/// Sorted, as Kafka's `TreeSet` difference gives them.
fn difference(a: &[BrokerId], b: &[BrokerId]) -> Vec<BrokerId> {
    let mut out: Vec<BrokerId> = a.iter().copied().filter(|x| !b.contains(x)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn invalid(message: String) -> KafkaError {
    KafkaError::new(ErrorCode::InvalidReplicaAssignment, message)
}

/// `PartitionReassignmentReplicas.maybeCompleteReassignment`: once the ISR holds every target
/// replica, the replicas become the target and those removed leave the ISR.
pub(crate) fn complete_if_ready(state: &mut PartitionState) {
    if !state.is_reassigning() {
        return;
    }
    let removing = &state.removing_replicas;
    let isr: Vec<BrokerId> = state
        .isr
        .iter()
        .copied()
        .filter(|b| !removing.contains(b))
        .collect();
    let replicas: Vec<BrokerId> = state
        .replicas
        .iter()
        .copied()
        .filter(|b| !removing.contains(b))
        .collect();
    if isr.is_empty() || replicas.is_empty() || !replicas.iter().all(|b| isr.contains(b)) {
        return;
    }
    state.isr = isr;
    state.replicas = replicas;
    state.adding_replicas.clear();
    state.removing_replicas.clear();
}

/// The rest of `PartitionChangeBuilder.build` after the targets are set: a leader outside the
/// ISR or not usable is replaced (an unclean choice only if the topic allows it), the leader
/// epoch is bumped when the leader changes or a replica is dropped, and the partition epoch on
/// any change. `None` if nothing changed.
pub(crate) fn finish_change(
    before: &PartitionState,
    mut next: PartitionState,
    usable: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
) -> Option<(PartitionState, Option<Election>)> {
    let mut election = None;
    let leader_valid = next
        .leader
        .is_some_and(|l| next.isr.contains(&l) && next.replicas.contains(&l) && usable(l));
    if !leader_valid {
        election = reelect(&mut next, &usable, unclean_allowed);
    }
    if next == *before {
        return None;
    }
    let dropped = before.replicas.iter().any(|b| !next.replicas.contains(b));
    if next.leader != before.leader || dropped {
        next.leader_epoch += 1;
    }
    next.partition_epoch += 1;
    Some((next, election))
}

impl Controller {
    /// AlterPartitionReassignments. Every partition is checked before any changes, so a
    /// refused request changes nothing.
    pub(crate) fn alter_partition_reassignments(
        &mut self,
        ctx: &mut Ctx<'_>,
        requests: &[Reassignment],
    ) -> Result<(), KafkaError> {
        let mut changes = Vec::new();
        for (index, request) in requests.iter().enumerate() {
            if requests[..index]
                .iter()
                .any(|r| r.topic == request.topic && r.partition == request.partition)
            {
                return Err(KafkaError::new(
                    ErrorCode::InvalidRequest,
                    format!(
                        "Partition reassignment contains duplicate topic partitions: {}-{}",
                        request.topic, request.partition
                    ),
                ));
            }
            let tp = self.reassignable(request)?;
            let before = self.image.partition(&tp).cloned().expect("checked above");
            let planned = match &request.replicas {
                Some(target) => self.planned_change(&before, target)?,
                None => self.planned_revert(&tp, &before)?,
            };
            if let Some((next, how)) = planned {
                let why = match (&request.replicas, next.is_reassigning()) {
                    (None, _) => "the reassignment was cancelled",
                    (Some(_), true) => "a reassignment started (adding replicas catch up first)",
                    (Some(_), false) => "a reassignment completed",
                };
                changes.push((tp, before, next, how, why));
            }
        }
        for (tp, before, next, how, why) in changes {
            self.record_change(ctx, tp, &before, next, how, why);
        }
        Ok(())
    }

    /// ListPartitionReassignments: every partition with a reassignment in progress.
    pub fn list_partition_reassignments(&self) -> Vec<OngoingReassignment> {
        self.image
            .partitions()
            .filter(|(_, state)| state.is_reassigning())
            .map(|(tp, state)| OngoingReassignment {
                tp,
                replicas: state.replicas.clone(),
                adding: state.adding_replicas.clone(),
                removing: state.removing_replicas.clone(),
            })
            .collect()
    }

    /// The partition named, or UNKNOWN_TOPIC_OR_PARTITION with the controller's words.
    fn reassignable(&self, request: &Reassignment) -> Result<TopicPartition, KafkaError> {
        let unknown =
            |message: String| KafkaError::new(ErrorCode::UnknownTopicOrPartition, message);
        let Some((name, topic)) = self.image.topics.get_key_value(request.topic.as_str()) else {
            return Err(unknown(format!(
                "Unable to find a topic named {}.",
                request.topic
            )));
        };
        if request.partition as usize >= topic.partitions.len() {
            return Err(unknown(format!(
                "Unable to find partition {}:{}.",
                request.topic, request.partition
            )));
        }
        Ok(TopicPartition {
            topic: Rc::clone(name),
            partition: request.partition,
        })
    }

    /// `changePartitionReassignment`: validates the target as a manual assignment, then grows
    /// the replicas (completing at once when the ISR already allows it).
    fn planned_change(
        &self,
        before: &PartitionState,
        target: &[BrokerId],
    ) -> Result<Option<(PartitionState, Option<Election>)>, KafkaError> {
        if target.is_empty() {
            return Err(invalid(
                "The manual partition assignment includes an empty replica list.".to_owned(),
            ));
        }
        let mut sorted = target.to_vec();
        sorted.sort_unstable();
        for (index, broker) in sorted.iter().enumerate() {
            if !self.registrations.contains_key(broker) {
                return Err(invalid(format!(
                    "The manual partition assignment includes broker {broker}, but no such broker is registered."
                )));
            }
            if index > 0 && sorted[index - 1] == *broker {
                return Err(invalid(format!(
                    "The manual partition assignment includes the broker {broker} more than once."
                )));
            }
        }
        let current = &before.replicas;
        let removing = difference(current, target);
        let adding = difference(target, current);
        let mut next = before.clone();
        next.replicas = target.iter().chain(&removing).copied().collect();
        next.adding_replicas = adding;
        next.removing_replicas = removing;
        complete_if_ready(&mut next);
        Ok(finish_change(before, next, |b| self.usable(b), false))
    }

    /// `cancelPartitionReassignment` with `PartitionReassignmentRevert`: the replicas and ISR
    /// lose the replicas being added; an ISR left empty would need an unclean election.
    fn planned_revert(
        &self,
        tp: &TopicPartition,
        before: &PartitionState,
    ) -> Result<Option<(PartitionState, Option<Election>)>, KafkaError> {
        if !before.is_reassigning() {
            return Err(KafkaError::new(
                ErrorCode::NoReassignmentInProgress,
                "No partition reassignment is in progress.",
            ));
        }
        let adding = &before.adding_replicas;
        let mut next = before.clone();
        next.replicas.retain(|b| !adding.contains(b));
        next.isr.retain(|b| !adding.contains(b));
        next.adding_replicas.clear();
        next.removing_replicas.clear();
        let unclean = self.unclean_allowed(tp);
        if next.isr.is_empty() {
            if !unclean {
                return Err(invalid(format!(
                    "Unable to revert partition assignment for {}:{} because it would require an unclean leader election.",
                    tp.topic, tp.partition
                )));
            }
            next.isr = next.replicas.first().copied().into_iter().collect();
        }
        Ok(finish_change(before, next, |b| self.usable(b), unclean))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(replicas: &[u32], isr: &[u32], leader: u32) -> PartitionState {
        PartitionState::new(replicas.to_vec(), isr.to_vec(), Some(leader), 3, 7)
    }

    #[test]
    fn completion_waits_for_every_target_replica_in_the_isr() {
        let mut moving = state(&[4, 2, 3, 1], &[1, 2, 3], 1);
        moving.adding_replicas = vec![4];
        moving.removing_replicas = vec![1];
        let mut waiting = moving.clone();
        complete_if_ready(&mut waiting);
        assert_eq!(waiting, moving, "4 is not in the ISR yet");
        moving.isr.push(4);
        complete_if_ready(&mut moving);
        assert_eq!(moving.replicas, vec![4, 2, 3]);
        assert_eq!(moving.isr, vec![2, 3, 4]);
        assert!(!moving.is_reassigning());
    }

    #[test]
    fn a_removed_leader_hands_over_to_the_first_target_replica_in_the_isr_with_a_new_epoch() {
        let before = state(&[4, 2, 3, 1], &[1, 2, 3, 4], 1);
        let mut next = before.clone();
        next.replicas = vec![4, 2, 3];
        next.isr = vec![2, 3, 4];
        let (after, how) = finish_change(&before, next, |_| true, false).expect("a change");
        assert_eq!(after.leader, Some(4));
        assert_eq!(how, Some(Election::Clean));
        assert_eq!((after.leader_epoch, after.partition_epoch), (4, 8));
    }

    #[test]
    fn dropping_a_follower_bumps_the_leader_epoch_and_adding_one_does_not() {
        let before = state(&[1, 2, 3], &[1, 2, 3], 1);
        let mut shrunk = before.clone();
        shrunk.replicas = vec![1, 2];
        shrunk.isr = vec![1, 2];
        let (after, _) = finish_change(&before, shrunk, |_| true, false).expect("a change");
        assert_eq!((after.leader, after.leader_epoch), (Some(1), 4));
        let mut grown = before.clone();
        grown.replicas = vec![1, 2, 3, 4];
        grown.adding_replicas = vec![4];
        let (after, _) = finish_change(&before, grown, |_| true, false).expect("a change");
        assert_eq!((after.leader_epoch, after.partition_epoch), (3, 8));
    }
}
