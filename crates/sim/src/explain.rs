//! Why did this happen? Each event points back to the earlier event that caused it: a leader
//! change to the fencing (or crash, or shutdown) of the old leader, a fencing to the crash or
//! the cut link that silenced the broker's heartbeats, an ISR shrink to what cut the follower
//! off, a group member's removal to its client's crash, a member's learning it was fenced to
//! that removal, a poll timeout to the stall. Following the links gives the chain the event
//! log shows on demand. The links are found in the event history, not stored by the nodes, so
//! the protocol code stays free of bookkeeping.

use crate::endpoint::Endpoint;
use crate::event::{Event, EventKind, TxnPrepareCause};
use crate::protocol::{BrokerId, TopicPartition};

/// The chain of causes of event `index`, nearest first (indices into `events`).
pub fn cause_chain(events: &[Event], index: usize) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut current = index;
    while let Some(cause) = cause_of(events, current) {
        if chain.contains(&cause) || chain.len() >= 8 {
            break;
        }
        chain.push(cause);
        current = cause;
    }
    chain
}

/// The latest event before `index` matching `wanted`.
fn latest_before(
    events: &[Event],
    index: usize,
    wanted: impl Fn(&EventKind) -> bool,
) -> Option<usize> {
    events[..index].iter().rposition(|e| wanted(&e.kind))
}

/// Something that silences a broker or cuts it off.
fn broker_trouble(kind: &EventKind, broker: BrokerId) -> bool {
    let me = Endpoint::Broker(broker);
    match kind {
        EventKind::BrokerCrashed { broker: b, .. }
        | EventKind::BrokerFenced { broker: b, .. }
        | EventKind::ControlledShutdownStarted { broker: b } => *b == broker,
        EventKind::LinkCut { a, b } => *a == me || *b == me,
        EventKind::LinkCutOneWay { from, to } => *from == me || *to == me,
        _ => false,
    }
}

/// What keeps a follower from catching up: anything that silences or cuts off its broker, a
/// frozen process, or fetches slowed on purpose.
fn follower_trouble(kind: &EventKind, broker: BrokerId) -> bool {
    match kind {
        EventKind::FollowerSlowed {
            broker: b,
            delay_ms,
        } => *b == broker && *delay_ms > 0,
        EventKind::ProcessPaused { endpoint } => *endpoint == Endpoint::Broker(broker),
        other => broker_trouble(other, broker),
    }
}

/// What made a broker unreachable for the controller.
fn fencing_cause(kind: &EventKind, broker: BrokerId) -> bool {
    let me = Endpoint::Broker(broker);
    match kind {
        EventKind::BrokerCrashed { broker: b, .. } => *b == broker,
        EventKind::LinkCut { a, b } => {
            (*a == me && *b == Endpoint::Controller) || (*b == me && *a == Endpoint::Controller)
        }
        EventKind::LinkCutOneWay { from, to } => *from == me && *to == Endpoint::Controller,
        EventKind::ProcessPaused { endpoint } => *endpoint == me,
        _ => false,
    }
}

fn leader_change_of(kind: &EventKind, partition: &TopicPartition) -> bool {
    matches!(kind, EventKind::LeaderChanged { tp, .. } if tp == partition)
}

fn cause_of(events: &[Event], index: usize) -> Option<usize> {
    match &events[index].kind {
        EventKind::LeaderChanged {
            from: Some(old), ..
        } => latest_before(events, index, |k| broker_trouble(k, *old)),
        EventKind::IsrChanged { from, to, .. } if to.len() < from.len() => {
            let removed: Vec<BrokerId> = from.iter().copied().filter(|b| !to.contains(b)).collect();
            latest_before(events, index, |k| {
                removed.iter().any(|b| follower_trouble(k, *b))
            })
        }
        EventKind::BrokerFenced { broker, .. } => {
            latest_before(events, index, |k| fencing_cause(k, *broker))
        }
        // The records removed were written in `epoch`; the first leader change past it left
        // them behind (a later one, back to a preferred leader say, did not).
        EventKind::FollowerTruncated {
            tp,
            removed_epoch: Some(epoch),
            ..
        } => first_leader_change_past(events, index, tp, *epoch),
        // Fell below the leader's log start: the leader's retention deleted what it needed.
        EventKind::FollowerTruncated {
            tp,
            broker,
            removed_epoch: None,
            ..
        } => latest_before(
            events,
            index,
            |k| matches!(k, EventKind::SegmentsDeleted { tp: t, broker: b, .. } if t == tp && b != broker),
        ),
        EventKind::CoordinatorLoaded { tp, .. } => {
            latest_before(events, index, |k| leader_change_of(k, tp))
        }
        EventKind::StrayLogRemoved { tp, .. } => latest_before(
            events,
            index,
            |k| matches!(k, EventKind::TopicDeleted { topic } if **topic == *tp.topic),
        ),
        EventKind::GroupMemberRemoved { client, .. } => {
            let client = client.as_str();
            latest_before(events, index, |k| match k {
                EventKind::ClientCrashed { name } => name == client,
                EventKind::ConsumerStalled { consumer } => consumer == client,
                EventKind::ProcessPaused {
                    endpoint: Endpoint::Client(name),
                } => name == client,
                EventKind::LinkCut { a, b } => {
                    let me = Endpoint::Client(client.to_owned());
                    *a == me || *b == me
                }
                _ => false,
            })
        }
        // A consumer-protocol member learns of its fence from the coordinator's removal.
        EventKind::ConsumerFenced {
            consumer, group, ..
        } => latest_before(events, index, |k| {
            matches!(k, EventKind::GroupMemberRemoved { group: g, client, .. }
                if g == group && client == consumer)
        }),
        EventKind::ConsumerLeftGroup { consumer, .. } => latest_before(
            events,
            index,
            |k| matches!(k, EventKind::ConsumerStalled { consumer: c } if c == consumer),
        ),
        // A member's removal starts a rebalance (classic) or bumps the epoch (KIP-848) at the
        // same instant; one at another time was not this one's cause.
        EventKind::GroupRebalancing { group, reason, .. }
        | EventKind::GroupEpochBumped { group, reason, .. } => {
            let at = events[index].at;
            latest_before(
                events,
                index,
                |k| matches!(k, EventKind::GroupMemberRemoved { group: g, .. } if g == group),
            )
            .filter(|&found| events[found].at == at)
            .or_else(|| comeback_of_joiner(events, index, group, reason))
        }
        // A new active controller: the old one crashed or was cut off.
        EventKind::ControllerElected { epoch, .. } if *epoch > 1 => {
            latest_before(events, index, |k| match k {
                EventKind::ControllerCrashed { .. } => true,
                EventKind::LinkCut { a, b } => [a, b]
                    .iter()
                    .any(|e| matches!(e, Endpoint::Controller | Endpoint::ControllerNode(_))),
                _ => false,
            })
        }
        // A transaction ends when its coordinator decided it.
        EventKind::TxnCompleted {
            transactional_id, ..
        } => latest_before(
            events,
            index,
            |k| matches!(k, EventKind::TxnPrepared { transactional_id: t, .. } if t == transactional_id),
        ),
        // A producer is fenced by a coordinator's decision it did not ask for.
        EventKind::ProducerFenced { .. } => latest_before(
            events,
            index,
            |k| matches!(k, EventKind::TxnPrepared { cause, .. } if *cause != TxnPrepareCause::EndTxn),
        ),
        EventKind::GroupStable { group, .. } | EventKind::ConsumerAssigned { group, .. } => {
            latest_before(events, index, |k| match k {
                EventKind::GroupRebalancing { group: g, .. }
                | EventKind::GroupEpochBumped { group: g, .. } => g == group,
                _ => false,
            })
        }
        _ => None,
    }
}

/// The earliest of the partition's leader changes before `index` to an epoch after `epoch`,
/// back to the last change at or before `epoch` (or the topic's deletion: a topic created
/// again under the name counts its epochs from 0 again).
fn first_leader_change_past(
    events: &[Event],
    index: usize,
    tp: &TopicPartition,
    epoch: u32,
) -> Option<usize> {
    let mut found = None;
    for (i, event) in events[..index].iter().enumerate().rev() {
        match &event.kind {
            EventKind::LeaderChanged {
                tp: t,
                leader_epoch,
                ..
            } if t == tp => {
                if *leader_epoch <= epoch {
                    break;
                }
                found = Some(i);
            }
            EventKind::TopicDeleted { topic } if **topic == *tp.topic => break,
            _ => {}
        }
    }
    found
}

/// The client a rebalance's reason says joined, as the coordinators word it: "member
/// c1-<uuid> joined" (classic: the member id is the client id and a UUID) or "member <id> (c1)
/// joined" (the consumer and share protocols, whose reasons may list several changes).
fn joined_client(reason: &str) -> Option<&str> {
    reason.split(", ").find_map(joined_in)
}

fn joined_in(change: &str) -> Option<&str> {
    let member = change.strip_prefix("member ")?.strip_suffix(" joined")?;
    if let Some((_, client)) = member.split_once(" (") {
        return client.strip_suffix(')');
    }
    // A UUID is 36 characters, after the dash that ends the client id.
    let cut = member.len().checked_sub(37)?;
    (member.as_bytes().get(cut) == Some(&b'-')).then(|| &member[..cut])
}

/// What brought back the client whose new member joined at `index`: its restart, its
/// process's or poll loop's resumption, or a healed link, since its last join (a join after
/// its own earlier comeback had another cause). A client's first join is the reader's action.
fn comeback_of_joiner(events: &[Event], index: usize, group: &str, reason: &str) -> Option<usize> {
    let client = joined_client(reason)?;
    let me = Endpoint::Client(client.to_owned());
    let comeback = latest_before(events, index, |k| match k {
        EventKind::ClientRestarted { name } => name == client,
        EventKind::ConsumerResumed { consumer } => consumer == client,
        EventKind::ProcessResumed { endpoint, .. } => *endpoint == me,
        EventKind::LinkHealed { a, b } => *a == me || *b == me,
        EventKind::NetworkHealed => true,
        _ => false,
    })?;
    let joined_since = events[comeback + 1..index].iter().any(|e| match &e.kind {
        EventKind::GroupRebalancing {
            group: g, reason, ..
        }
        | EventKind::GroupEpochBumped {
            group: g, reason, ..
        } => g == group && joined_client(reason) == Some(client),
        _ => false,
    });
    (!joined_since).then_some(comeback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CrashKind;
    use crate::time::{SimDuration, SimTime};

    fn at(ms: u64, kind: EventKind) -> Event {
        Event {
            at: SimTime::from_millis(ms),
            kind,
        }
    }

    #[test]
    fn a_leader_change_goes_back_through_the_fencing_to_the_crash() {
        let tp = TopicPartition::new("orders", 0);
        let events = vec![
            at(
                1_000,
                EventKind::BrokerCrashed {
                    broker: 1,
                    kind: CrashKind::Process,
                },
            ),
            at(
                2_000,
                EventKind::BrokerCrashed {
                    broker: 2,
                    kind: CrashKind::Process,
                },
            ),
            at(
                10_000,
                EventKind::BrokerFenced {
                    broker: 1,
                    silent_for: SimDuration::from_millis(9_000),
                    session_timeout: SimDuration::from_millis(9_000),
                },
            ),
            at(
                10_000,
                EventKind::LeaderChanged {
                    tp,
                    from: Some(1),
                    to: Some(3),
                    leader_epoch: 1,
                    unclean: false,
                    why: "was fenced",
                },
            ),
        ];
        assert_eq!(cause_chain(&events, 3), [2, 0]);
    }

    fn leader_change(ms: u64, tp: &TopicPartition, from: u32, to: u32, epoch: u32) -> Event {
        at(
            ms,
            EventKind::LeaderChanged {
                tp: tp.clone(),
                from: (from > 0).then_some(from),
                to: Some(to),
                leader_epoch: epoch,
                unclean: false,
                why: "test",
            },
        )
    }

    /// Broker 1 led in epoch 0 and crashed with records only it had; broker 2 took over
    /// (epoch 1), then broker 3 (epoch 2), before broker 1 came back. Its truncation of
    /// epoch 0's records goes back to the change to epoch 1 and on to the crash, not to the
    /// latest change; records of epoch 1 go back to the change to epoch 2.
    #[test]
    fn a_truncation_goes_back_to_the_leader_change_that_left_its_records_behind() {
        let tp = TopicPartition::new("orders", 0);
        let truncated = |removed_epoch| {
            at(
                30_000,
                EventKind::FollowerTruncated {
                    broker: 1,
                    tp: tp.clone(),
                    from: 5,
                    to: 3,
                    removed: 2,
                    removed_epoch,
                },
            )
        };
        let events = vec![
            leader_change(500, &tp, 0, 1, 0),
            at(
                1_000,
                EventKind::BrokerCrashed {
                    broker: 1,
                    kind: CrashKind::Process,
                },
            ),
            leader_change(10_000, &tp, 1, 2, 1),
            leader_change(20_000, &tp, 2, 3, 2),
            truncated(Some(0)),
            truncated(Some(1)),
        ];
        assert_eq!(cause_chain(&events, 4), [2, 1], "epoch 0's records");
        assert_eq!(cause_chain(&events, 5)[0], 3, "epoch 1's records");
    }

    /// A follower below the leader's log start starts over empty: the leader's retention
    /// caused it, not a leader change.
    #[test]
    fn a_truncation_below_the_leaders_log_start_goes_back_to_its_retention() {
        let tp = TopicPartition::new("orders", 0);
        let deleted = |broker| {
            at(
                5_000,
                EventKind::SegmentsDeleted {
                    broker,
                    tp: tp.clone(),
                    segments: 1,
                    records: 10,
                    log_start_offset: 10,
                    why: "retention.ms",
                },
            )
        };
        let events = vec![
            leader_change(500, &tp, 0, 2, 0),
            deleted(2),
            deleted(1),
            at(
                9_000,
                EventKind::FollowerTruncated {
                    broker: 1,
                    tp: tp.clone(),
                    from: 4,
                    to: 10,
                    removed: 4,
                    removed_epoch: None,
                },
            ),
        ];
        assert_eq!(cause_chain(&events, 3), [1]);
    }

    #[test]
    fn a_new_active_controller_goes_back_to_the_crash_of_the_old_one() {
        let events = vec![
            at(
                500,
                EventKind::ControllerElected {
                    controller: 2,
                    epoch: 1,
                },
            ),
            at(3_000, EventKind::ControllerCrashed { controller: 2 }),
            at(
                6_000,
                EventKind::ControllerElected {
                    controller: 3,
                    epoch: 2,
                },
            ),
        ];
        assert_eq!(cause_chain(&events, 2), [1]);
        assert!(
            cause_chain(&events, 0).is_empty(),
            "the first election has no cause"
        );
    }

    #[test]
    fn the_client_a_joining_member_belongs_to_is_read_from_each_protocols_wording() {
        let uuid = "0a1b2c3d-0000-1111-2222-333344445555";
        assert_eq!(
            joined_client(&format!("member c-1-{uuid} joined")),
            Some("c-1")
        );
        assert_eq!(joined_client("member Xy9_q (c1) joined"), Some("c1"));
        assert_eq!(
            joined_client(&format!("member c1-{uuid} removed: left")),
            None
        );
        assert_eq!(joined_client("member short joined"), None);
        assert_eq!(
            joined_client("member Ab (c2) left, member Cd (c3) joined"),
            Some("c3")
        );
    }
}
