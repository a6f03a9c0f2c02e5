//! Leader election rules, as pure functions of a partition's state and which brokers may lead.
//! KRaft's `PartitionChangeBuilder` applies the same rules: a clean leader is the first replica
//! in assignment order that is in the ISR and usable; an unclean one, only when the topic allows
//! it and no ISR member is usable, is the first usable replica, and the ISR restarts as just it.

use crate::metadata::PartitionState;
use crate::protocol::BrokerId;

/// How a leader was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Election {
    /// From the ISR: no committed record is lost.
    Clean,
    /// From outside the ISR: records the new leader lacks are lost.
    Unclean,
}

/// The leader the rules pick, if any.
pub(crate) fn choose_leader(
    state: &PartitionState,
    usable: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
) -> Option<(BrokerId, Election)> {
    let clean = state
        .replicas
        .iter()
        .copied()
        .find(|b| state.isr.contains(b) && usable(*b));
    if let Some(leader) = clean {
        return Some((leader, Election::Clean));
    }
    if unclean_allowed {
        let any = state.replicas.iter().copied().find(|b| usable(*b))?;
        return Some((any, Election::Unclean));
    }
    None
}

/// The state after `broker` becomes unusable (fenced or shutting down): it leaves the ISR
/// unless it is the last member (KRaft never empties an ISR), and if it led, a new leader is
/// elected. Returns the new state and how its leader was chosen, or `None` if nothing changes.
pub(crate) fn without_broker(
    state: &PartitionState,
    broker: BrokerId,
    usable: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
) -> Option<(PartitionState, Option<Election>)> {
    let mut next = state.clone();
    if next.isr.len() > 1 {
        next.isr.retain(|&b| b != broker);
    }
    let mut election = None;
    if state.leader == Some(broker) {
        election = reelect(&mut next, &usable, unclean_allowed);
    }
    finish(state, next, election)
}

/// Replaces the leader of `next` by the one the rules pick (none if none may lead); an unclean
/// choice restarts the ISR as just it.
pub(crate) fn reelect(
    next: &mut PartitionState,
    usable: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
) -> Option<Election> {
    next.leader = None;
    let (leader, how) = choose_leader(next, usable, unclean_allowed)?;
    next.leader = Some(leader);
    if how == Election::Unclean {
        next.isr = vec![leader];
    }
    Some(how)
}

/// Elects a leader for a partition that has none, if the rules allow one now.
pub(crate) fn elect_offline(
    state: &PartitionState,
    usable: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
) -> Option<(PartitionState, Option<Election>)> {
    if state.leader.is_some() {
        return None;
    }
    let (leader, how) = choose_leader(state, usable, unclean_allowed)?;
    let mut next = state.clone();
    next.leader = Some(leader);
    if how == Election::Unclean {
        next.isr = vec![leader];
    }
    finish(state, next, Some(how))
}

/// Moves leadership to the preferred replica (the first in the assignment) when it is in the
/// ISR and usable.
pub(crate) fn elect_preferred(
    state: &PartitionState,
    usable: impl Fn(BrokerId) -> bool,
) -> Option<PartitionState> {
    let preferred = *state.replicas.first()?;
    if state.leader == Some(preferred) || !state.isr.contains(&preferred) || !usable(preferred) {
        return None;
    }
    let mut next = state.clone();
    next.leader = Some(preferred);
    finish(state, next, Some(Election::Clean)).map(|(s, _)| s)
}

/// Bumps the epochs of a changed state: the leader epoch on a leader change, the partition
/// epoch on any change.
fn finish(
    before: &PartitionState,
    mut next: PartitionState,
    election: Option<Election>,
) -> Option<(PartitionState, Option<Election>)> {
    if next == *before {
        return None;
    }
    if next.leader != before.leader {
        next.leader_epoch += 1;
    }
    next.partition_epoch += 1;
    Some((next, election))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(replicas: &[u32], isr: &[u32], leader: Option<u32>) -> PartitionState {
        PartitionState::new(replicas.to_vec(), isr.to_vec(), leader, 4, 9)
    }

    #[test]
    fn a_fenced_leader_is_replaced_by_the_first_live_isr_member_in_replica_order() {
        let before = state(&[1, 2, 3], &[3, 1, 2], Some(1));
        let (after, how) = without_broker(&before, 1, |b| b != 1, false).expect("changes");
        assert_eq!(after.leader, Some(2));
        assert_eq!(after.isr, vec![3, 2]);
        assert_eq!((after.leader_epoch, after.partition_epoch), (5, 10));
        assert_eq!(how, Some(Election::Clean));
    }

    #[test]
    fn the_last_isr_member_stays_and_the_partition_goes_offline() {
        let before = state(&[1, 2, 3], &[1], Some(1));
        let (after, how) = without_broker(&before, 1, |b| b != 1, false).expect("changes");
        assert_eq!(after.leader, None);
        assert_eq!(after.isr, vec![1], "KRaft keeps the last ISR member");
        assert_eq!(how, None);
    }

    #[test]
    fn unclean_election_picks_a_live_out_of_sync_replica_only_when_allowed() {
        let offline = state(&[1, 2, 3], &[1], None);
        assert!(elect_offline(&offline, |b| b != 1, false).is_none());
        let (after, how) = elect_offline(&offline, |b| b != 1, true).expect("unclean");
        assert_eq!((after.leader, after.isr.clone()), (Some(2), vec![2]));
        assert_eq!(how, Some(Election::Unclean));
    }

    #[test]
    fn a_returning_isr_member_is_elected_cleanly() {
        let offline = state(&[1, 2, 3], &[1], None);
        let (after, how) = elect_offline(&offline, |_| true, false).expect("clean");
        assert_eq!(after.leader, Some(1));
        assert_eq!(how, Some(Election::Clean));
    }

    #[test]
    fn preferred_election_needs_the_preferred_replica_in_sync() {
        assert_eq!(
            elect_preferred(&state(&[1, 2], &[2], Some(2)), |_| true),
            None
        );
        let moved = elect_preferred(&state(&[1, 2], &[2, 1], Some(2)), |_| true).expect("moves");
        assert_eq!(moved.leader, Some(1));
        assert_eq!(
            elect_preferred(&state(&[1, 2], &[1, 2], Some(1)), |_| true),
            None
        );
    }
}
