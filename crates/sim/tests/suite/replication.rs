//! Goal: replication behaves as Kafka's does, with every outcome emerging from requests,
//! responses and timers. Method: drive a three-broker cluster through produce, fetch and
//! faults, and check what a Kafka engineer would check: offsets, high watermarks, ISRs,
//! leaders, and which acknowledged records survive.

use crate::common;

use common::*;
use kafka_sim::{
    Command, CrashKind, ElectionKind, Endpoint, ErrorCode, EventKind, Outcome, SimDuration,
    SimTime, TopicPartition,
};

fn acked(outcome: &Outcome) -> Option<u64> {
    match outcome {
        Outcome::Acked { offset, .. } => Some(*offset),
        _ => None,
    }
}

fn failed_with(outcome: &Outcome) -> Option<ErrorCode> {
    match outcome {
        Outcome::Failed { error, .. } => Some(*error),
        _ => None,
    }
}

#[test]
fn a_topic_is_spread_over_the_brokers_and_every_broker_learns_it() {
    let mut world = cluster(1);
    create_topic(&mut world, "orders", 3, 3, &[]);
    let leaders: Vec<u32> = (0..3)
        .map(|p| leader(&world, "orders", p).expect("led"))
        .collect();
    let mut distinct = leaders.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "one leader per broker: {leaders:?}");
    for p in 0..3 {
        assert_eq!(isr(&world, "orders", p).len(), 3);
        for broker in 1..=3 {
            assert!(
                world
                    .replica_log(broker, &TopicPartition::new("orders", p))
                    .is_some()
            );
        }
    }
}

#[test]
fn acks_all_is_acknowledged_once_every_isr_member_has_the_record() {
    let mut world = cluster(2);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "orders", 0, "order-1", -1);
    run_ms(&mut world, 100);
    assert_eq!(acked(&outcome(&world, 0)), Some(0));
    for broker in 1..=3 {
        assert_eq!(
            log_values(&world, broker, "orders", 0),
            vec![(0, "order-1".to_owned())]
        );
    }
    let leader = leader(&world, "orders", 0).expect("led");
    assert_eq!(high_watermark(&world, leader, "orders", 0), 1);
    run_ms(&mut world, 1_000);
    for broker in 1..=3 {
        assert_eq!(
            high_watermark(&world, broker, "orders", 0),
            1,
            "followers learn the HW"
        );
    }
}

#[test]
fn acks_1_loses_an_acknowledged_record_when_the_leader_dies_before_followers_fetch() {
    let mut world = cluster(3);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let old_leader = leader(&world, "orders", 0).expect("led");
    let followers = followers(&world, "orders", 0);
    add_client(&mut world, "producer");
    // The followers cannot reach the leader: they stay in the ISR for replica.lag.time.max.ms,
    // but they do not have what the leader appends.
    for &f in &followers {
        world
            .apply(Command::CutLink {
                a: Endpoint::Broker(old_leader),
                b: Endpoint::Broker(f),
            })
            .expect("valid");
    }
    produce(&mut world, "producer", "orders", 0, "lost-order", 1);
    run_ms(&mut world, 50);
    assert_eq!(
        acked(&outcome(&world, 0)),
        Some(0),
        "acks=1: the leader alone acknowledged"
    );
    crash_broker(&mut world, old_leader);
    run_ms(&mut world, 12_000);
    let new_leader = leader(&world, "orders", 0).expect("a follower from the ISR takes over");
    assert!(followers.contains(&new_leader));
    // A new client (fresh metadata) writes to the new leader: the offset is reused.
    add_client(&mut world, "late");
    produce(&mut world, "late", "orders", 0, "new-order", 1);
    run_ms(&mut world, 100);
    assert_eq!(
        acked(&last_outcome(&world)),
        Some(0),
        "offset 0 now holds another record"
    );
    world.apply(Command::HealNetwork).expect("valid");
    world
        .apply(Command::RestartBroker { broker: old_leader })
        .expect("valid");
    run_ms(&mut world, 5_000);
    for broker in 1..=3 {
        assert_eq!(
            log_values(&world, broker, "orders", 0),
            vec![(0, "new-order".to_owned())],
            "broker {broker}: the acknowledged record is gone everywhere"
        );
    }
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::FollowerTruncated { broker, removed: 1, .. } if *broker == old_leader
    )));
}

#[test]
fn a_consumer_never_reads_above_the_high_watermark() {
    let mut world = cluster(4);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let leader_id = leader(&world, "orders", 0).expect("led");
    for f in followers(&world, "orders", 0) {
        world
            .apply(Command::CutLink {
                a: Endpoint::Broker(leader_id),
                b: Endpoint::Broker(f),
            })
            .expect("valid");
    }
    add_client(&mut world, "producer");
    add_client(&mut world, "consumer");
    produce(&mut world, "producer", "orders", 0, "not-yet-committed", 1);
    run_ms(&mut world, 50);
    fetch(&mut world, "consumer", "orders", 0, 0);
    run_ms(&mut world, 50);
    assert_eq!(
        last_outcome(&world),
        Outcome::Fetched {
            records: vec![],
            high_watermark: 0
        },
        "an empty answer, not an error"
    );
    // The followers' fetches were lost in the cut; each gives up after
    // replica.socket.timeout.ms (30 s) and fetches again.
    world.apply(Command::HealNetwork).expect("valid");
    run_ms(&mut world, 31_000);
    fetch(&mut world, "consumer", "orders", 0, 0);
    run_ms(&mut world, 50);
    assert_eq!(
        last_outcome(&world),
        Outcome::Fetched {
            records: vec![(0, "null".to_owned(), "not-yet-committed".to_owned())],
            high_watermark: 1
        }
    );
}

#[test]
fn acks_all_fails_with_not_enough_replicas_when_the_isr_is_below_min_insync_replicas() {
    let mut world = cluster(5);
    create_topic(
        &mut world,
        "payments",
        1,
        3,
        &[("min.insync.replicas", "2")],
    );
    let leader_id = leader(&world, "payments", 0).expect("led");
    for f in followers(&world, "payments", 0) {
        crash_broker(&mut world, f);
    }
    run_ms(&mut world, 12_000);
    assert_eq!(
        isr(&world, "payments", 0),
        vec![leader_id],
        "fenced followers left the ISR"
    );
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "payments", 0, "p1", -1);
    run_ms(&mut world, 50);
    assert_eq!(
        failed_with(&last_outcome(&world)),
        Some(ErrorCode::NotEnoughReplicas)
    );
    let Outcome::Failed {
        message: Some(message),
        ..
    } = last_outcome(&world)
    else {
        panic!()
    };
    assert!(message.contains("min.isr requirement of 2"), "{message}");
    produce(&mut world, "producer", "payments", 0, "p2", 1);
    run_ms(&mut world, 50);
    assert_eq!(
        acked(&last_outcome(&world)),
        Some(0),
        "acks=1 is still accepted"
    );
    assert_eq!(
        high_watermark(&world, leader_id, "payments", 0),
        0,
        "strict min ISR: the HW is frozen"
    );
}

/// "why?" on the ISR shrink a slow follower causes leads back to the slowing, which the event
/// log shows (it said nothing before: the slowing was no event).
#[test]
fn why_a_slow_follower_left_the_isr_goes_back_to_its_slowing() {
    let mut world = cluster(6);
    create_topic(&mut world, "clicks", 1, 3, &[]);
    let follower = followers(&world, "clicks", 0)[0];
    run_ms(&mut world, 1_000);
    slow_follower(&mut world, follower, 120_000);
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "clicks", 0, "click", 1);
    run_ms(&mut world, 46_000);
    assert!(!isr(&world, "clicks", 0).contains(&follower), "it fell out");
    let shrink = (world.events().iter())
        .rposition(|e| matches!(&e.kind, EventKind::IsrChanged { from, to, .. } if from.contains(&follower) && !to.contains(&follower)))
        .expect("an ISR shrink");
    assert_eq!(
        cause_texts(&world, shrink),
        [format!(
            "broker {follower}'s follower fetches slowed: each waits 120000 ms (a follower not \
             caught up for replica.lag.time.max.ms leaves the ISR)"
        )]
    );
}

#[test]
fn unclean_election_loses_records_and_reuses_offsets() {
    let mut world = cluster(6);
    create_topic(
        &mut world,
        "clicks",
        1,
        2,
        &[("unclean.leader.election.enable", "true")],
    );
    let old_leader = leader(&world, "clicks", 0).expect("led");
    let follower = followers(&world, "clicks", 0)[0];
    slow_follower(&mut world, follower, 120_000);
    add_client(&mut world, "producer");
    for i in 0..3 {
        produce(
            &mut world,
            "producer",
            "clicks",
            0,
            &format!("click-{i}"),
            1,
        );
    }
    // The leader checks every replica.lag.time.max.ms / 2 = 15 s; the follower is out after
    // 30 s without catching up, so the check at 45 s removes it.
    run_ms(&mut world, 46_000);
    assert_eq!(
        isr(&world, "clicks", 0),
        vec![old_leader],
        "the slow follower fell out of the ISR"
    );
    assert_eq!(
        high_watermark(&world, old_leader, "clicks", 0),
        3,
        "committed with the ISR of one"
    );
    crash_broker(&mut world, old_leader);
    run_ms(&mut world, 12_000);
    assert_eq!(
        leader(&world, "clicks", 0),
        Some(follower),
        "elected from outside the ISR"
    );
    assert!(
        world
            .events()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::LeaderChanged { unclean: true, .. }))
    );
    add_client(&mut world, "late");
    produce(&mut world, "late", "clicks", 0, "after", 1);
    run_ms(&mut world, 100);
    let reused = acked(&last_outcome(&world)).expect("the new leader accepts writes");
    let acknowledged: Vec<(u64, String)> = (0..3)
        .map(|i| {
            (
                acked(&outcome(&world, i)).expect("acked"),
                format!("click-{i}"),
            )
        })
        .collect();
    assert!(
        acknowledged.iter().any(|(offset, _)| *offset == reused),
        "offset {reused} was acknowledged for another record: {acknowledged:?}"
    );
    world
        .apply(Command::RestartBroker { broker: old_leader })
        .expect("valid");
    slow_follower(&mut world, follower, 0);
    run_ms(&mut world, 5_000);
    let final_log = log_values(&world, old_leader, "clicks", 0);
    assert_eq!(
        final_log,
        log_values(&world, follower, "clicks", 0),
        "replicas agree again"
    );
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|r| !final_log.contains(r))
        .collect();
    assert!(
        !lost.is_empty(),
        "acknowledged records were lost: {final_log:?}"
    );
    assert!(final_log.contains(&(reused, "after".to_owned())));
}

#[test]
fn without_unclean_election_the_partition_waits_offline_for_its_last_isr_member() {
    let mut world = cluster(7);
    create_topic(&mut world, "clicks", 1, 2, &[]);
    let old_leader = leader(&world, "clicks", 0).expect("led");
    let follower = followers(&world, "clicks", 0)[0];
    slow_follower(&mut world, follower, 120_000);
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "clicks", 0, "kept", 1);
    run_ms(&mut world, 46_000);
    assert_eq!(isr(&world, "clicks", 0), vec![old_leader]);
    crash_broker(&mut world, old_leader);
    run_ms(&mut world, 12_000);
    assert_eq!(
        leader(&world, "clicks", 0),
        None,
        "offline rather than lose data"
    );
    assert_eq!(
        isr(&world, "clicks", 0),
        vec![old_leader],
        "KRaft keeps the last ISR member"
    );
    world
        .apply(Command::RestartBroker { broker: old_leader })
        .expect("valid");
    run_ms(&mut world, 2_000);
    assert_eq!(leader(&world, "clicks", 0), Some(old_leader));
    assert_eq!(
        log_values(&world, old_leader, "clicks", 0),
        vec![(0, "kept".to_owned())]
    );
}

#[test]
fn controlled_shutdown_moves_leadership_before_the_broker_stops() {
    let mut world = cluster(8);
    create_topic(&mut world, "orders", 3, 3, &[("min.insync.replicas", "2")]);
    let victim = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::ShutdownBroker { broker: victim })
        .expect("valid");
    run_ms(&mut world, 1_000);
    assert!(!world.view().brokers[victim as usize - 1].up, "stopped");
    for p in 0..3 {
        assert_ne!(leader(&world, "orders", p), Some(victim));
        assert!(!isr(&world, "orders", p).contains(&victim));
    }
    let shut_down_at = world
        .events()
        .iter()
        .position(|e| matches!(e.kind, EventKind::BrokerShutDown { .. }));
    let moved_at = world.events().iter().position(|e| matches!(&e.kind, EventKind::LeaderChanged { why, .. } if why.contains("shutting down")));
    assert!(moved_at < shut_down_at, "leadership moved first");
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "orders", 0, "still-available", -1);
    run_ms(&mut world, 100);
    assert!(
        acked(&last_outcome(&world)).is_some(),
        "{:?}",
        last_outcome(&world)
    );
}

#[test]
fn preferred_leader_election_moves_leadership_back() {
    let mut world = cluster(9);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let preferred = leader(&world, "orders", 0).expect("led");
    crash_broker(&mut world, preferred);
    run_ms(&mut world, 12_000);
    assert_ne!(leader(&world, "orders", 0), Some(preferred));
    world
        .apply(Command::RestartBroker { broker: preferred })
        .expect("valid");
    run_ms(&mut world, 3_000);
    assert!(
        isr(&world, "orders", 0).contains(&preferred),
        "caught up and back in the ISR"
    );
    world
        .apply(Command::ElectLeaders {
            election: ElectionKind::Preferred,
            partitions: Some(vec![TopicPartition::new("orders", 0)]),
        })
        .expect("elected");
    run_ms(&mut world, 100);
    assert_eq!(leader(&world, "orders", 0), Some(preferred));
    let again = world.apply(Command::ElectLeaders {
        election: ElectionKind::Preferred,
        partitions: Some(vec![TopicPartition::new("orders", 0)]),
    });
    assert!(
        again
            .expect_err("not needed")
            .to_string()
            .starts_with("ELECTION_NOT_NEEDED")
    );
}

#[test]
fn scripted_errors_answer_the_next_requests() {
    let mut world = cluster(10);
    create_topic(&mut world, "orders", 1, 3, &[]);
    let leader_id = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::PushErrors {
            broker: leader_id,
            api: "Produce".to_owned(),
            errors: vec![
                ErrorCode::NotLeaderOrFollower,
                ErrorCode::NotLeaderOrFollower,
            ],
        })
        .expect("valid");
    add_client(&mut world, "producer");
    for i in 0..3 {
        produce(&mut world, "producer", "orders", 0, &format!("v{i}"), -1);
        run_ms(&mut world, 100);
    }
    assert_eq!(
        failed_with(&outcome(&world, 0)),
        Some(ErrorCode::NotLeaderOrFollower)
    );
    assert_eq!(
        failed_with(&outcome(&world, 1)),
        Some(ErrorCode::NotLeaderOrFollower)
    );
    assert_eq!(acked(&outcome(&world, 2)), Some(0));
}

#[test]
fn a_client_with_stale_metadata_gets_not_leader_or_follower_then_recovers() {
    let mut world = cluster(11);
    create_topic(&mut world, "orders", 1, 3, &[]);
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "orders", 0, "first", -1);
    run_ms(&mut world, 100);
    let old_leader = leader(&world, "orders", 0).expect("led");
    world
        .apply(Command::ShutdownBroker { broker: old_leader })
        .expect("valid");
    // Restarted once its last session is over (over 9 s after its last heartbeat), so it
    // registers at once and serves as a follower.
    run_ms(&mut world, 10_000);
    world
        .apply(Command::RestartBroker { broker: old_leader })
        .expect("valid");
    run_ms(&mut world, 1_000);
    produce(&mut world, "producer", "orders", 0, "second", -1);
    run_ms(&mut world, 100);
    assert_eq!(
        failed_with(&last_outcome(&world)),
        Some(ErrorCode::NotLeaderOrFollower)
    );
    produce(&mut world, "producer", "orders", 0, "third", -1);
    run_ms(&mut world, 100);
    assert_eq!(
        acked(&last_outcome(&world)),
        Some(1),
        "metadata refreshed after the error"
    );
}

#[test]
fn leadership_returns_to_the_preferred_replica_automatically() {
    let mut world = cluster(12);
    create_topic(&mut world, "orders", 3, 3, &[]);
    let preferred = leader(&world, "orders", 0).expect("led");
    crash_broker(&mut world, preferred);
    run_ms(&mut world, 12_000);
    world
        .apply(Command::RestartBroker { broker: preferred })
        .expect("valid");
    run_ms(&mut world, 5_000);
    assert_ne!(
        leader(&world, "orders", 0),
        Some(preferred),
        "no election without a trigger"
    );
    // auto.leader.rebalance.enable checks every leader.imbalance.check.interval.seconds (300 s).
    run_ms(&mut world, 300_000);
    assert_eq!(leader(&world, "orders", 0), Some(preferred));
    assert!(world.events().iter().any(|e| matches!(&e.kind, EventKind::LeaderChanged { why, .. } if *why == "preferred leader election")));
}

#[test]
fn acks_all_times_out_when_followers_never_confirm() {
    let mut world = cluster(13);
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    let leader_id = leader(&world, "orders", 0).expect("led");
    for f in followers(&world, "orders", 0) {
        world
            .apply(Command::CutLink {
                a: Endpoint::Broker(leader_id),
                b: Endpoint::Broker(f),
            })
            .expect("valid");
    }
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "orders", 0, "waits", -1);
    run_ms(&mut world, 29_000);
    assert_eq!(
        outcome(&world, 0),
        Outcome::Pending,
        "in purgatory until request.timeout.ms"
    );
    run_ms(&mut world, 2_000);
    assert_eq!(
        failed_with(&outcome(&world, 0)),
        Some(ErrorCode::RequestTimedOut)
    );
    assert_eq!(
        log_values(&world, leader_id, "orders", 0),
        vec![(0, "waits".to_owned())],
        "appended, never committed"
    );
    assert_eq!(high_watermark(&world, leader_id, "orders", 0), 0);
}

#[test]
fn a_power_loss_destroys_what_the_os_had_not_written_back() {
    let mut world = cluster(14);
    create_topic(&mut world, "orders", 1, 1, &[]);
    let only = leader(&world, "orders", 0).expect("led");
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "orders", 0, "flushed", 1);
    run_ms(&mut world, 6_000);
    produce(&mut world, "producer", "orders", 0, "in-page-cache", 1);
    run_ms(&mut world, 100);
    assert_eq!(acked(&outcome(&world, 1)), Some(1));
    world
        .apply(Command::CrashBroker {
            broker: only,
            kind: CrashKind::PowerLoss,
        })
        .expect("valid");
    world
        .apply(Command::RestartBroker { broker: only })
        .expect("valid");
    run_ms(&mut world, 1_000);
    assert_eq!(
        log_values(&world, only, "orders", 0),
        vec![(0, "flushed".to_owned())]
    );
    assert!(
        world
            .events()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::UnflushedRecordsLost { count: 1, .. }))
    );
}

#[test]
fn invariants_hold_through_clean_failovers_and_flag_a_lost_committed_record() {
    let mut world = cluster(15);
    world.check_invariants();
    create_topic(&mut world, "orders", 1, 3, &[("min.insync.replicas", "2")]);
    add_client(&mut world, "producer");
    for i in 0..5 {
        produce(&mut world, "producer", "orders", 0, &format!("v{i}"), -1);
    }
    run_ms(&mut world, 100);
    let first = leader(&world, "orders", 0).expect("led");
    crash_broker(&mut world, first);
    run_ms(&mut world, 12_000);
    world
        .apply(Command::RestartBroker { broker: first })
        .expect("down");
    run_ms(&mut world, 5_000);
    assert!(
        world.invariant_violations().is_empty(),
        "{:?}",
        world.invariant_violations()
    );

    // KIP-966's "last replica standing": the ISR shrinks to one broker, which then loses
    // power and its unflushed tail, and is elected again: committed records are gone.
    let mut world = cluster(16);
    world.check_invariants();
    create_topic(&mut world, "orders", 1, 3, &[]);
    let only = leader(&world, "orders", 0).expect("led");
    for f in followers(&world, "orders", 0) {
        crash_broker(&mut world, f);
    }
    run_ms(&mut world, 12_000);
    add_client(&mut world, "producer");
    produce(
        &mut world,
        "producer",
        "orders",
        0,
        "committed-then-lost",
        -1,
    );
    run_ms(&mut world, 100);
    assert_eq!(
        high_watermark(&world, only, "orders", 0),
        1,
        "committed with an ISR of one"
    );
    world
        .apply(Command::CrashBroker {
            broker: only,
            kind: CrashKind::PowerLoss,
        })
        .expect("up");
    world
        .apply(Command::RestartBroker { broker: only })
        .expect("down");
    // It registers once its old process's session has expired (up to 9 s), at its next
    // attempt: the backoff between refused attempts doubles from 100 ms, so up to 12.7 s.
    run_ms(&mut world, 20_000);
    let violations = world.invariant_violations();
    assert!(
        violations.iter().any(|e| {
            let text = e.kind.to_string();
            text.contains("committed-prefix-lost-in-power-loss on orders-0")
                && text.contains("lost it in a power loss")
        }),
        "{violations:?}"
    );

    // The same record lost another way: its only holder is killed (its log survives) and an
    // admin's unclean election makes a replica that never had it leader, though the topic
    // keeps unclean election off. No power loss took it: the invariant keeps its own name.
    let mut world = cluster(17);
    world.check_invariants();
    create_topic(&mut world, "orders", 1, 3, &[]);
    let only = leader(&world, "orders", 0).expect("led");
    let behind = followers(&world, "orders", 0);
    for &f in &behind {
        crash_broker(&mut world, f);
    }
    run_ms(&mut world, 12_000);
    add_client(&mut world, "producer");
    produce(&mut world, "producer", "orders", 0, "committed-once", -1);
    run_ms(&mut world, 100);
    assert_eq!(high_watermark(&world, only, "orders", 0), 1);
    crash_broker(&mut world, only);
    world
        .apply(Command::RestartBroker { broker: behind[0] })
        .expect("down");
    run_ms(&mut world, 12_000);
    world
        .apply(Command::ElectLeaders {
            election: ElectionKind::Unclean,
            partitions: Some(vec![TopicPartition::new("orders", 0)]),
        })
        .expect("elected");
    run_ms(&mut world, 2_000);
    assert_eq!(leader(&world, "orders", 0), Some(behind[0]));
    let violations = world.invariant_violations();
    assert!(
        violations.iter().any(|e| e
            .kind
            .to_string()
            .contains("committed-prefix-immutable on orders-0")),
        "{violations:?}"
    );
}

#[test]
fn the_under_replicated_chart_counts_a_slow_followers_partitions_until_it_catches_up() {
    use kafka_sim::charts::under_replicated;
    let mut world = cluster(15);
    create_topic(&mut world, "t", 3, 3, &[]);
    slow_follower(&mut world, 2, 60_000);
    // A follower whose log end equals the leader's is in sync however long it waits (Kafka's
    // isCaughtUp): records must arrive for it to fall behind.
    add_client(&mut world, "writer");
    for partition in 0..3 {
        produce(&mut world, "writer", "t", partition, "v", 1);
    }
    run_ms(&mut world, 50_000);
    slow_follower(&mut world, 2, 0);
    run_ms(&mut world, 70_000);
    let series = under_replicated(&world, kafka_sim::SimDuration::from_millis(5_000), 30);
    // Broker 2 follows the two partitions it does not lead; it drops out of their ISRs after
    // replica.lag.time.max.ms and rejoins once its delayed fetch arrives.
    assert_eq!(series.peak(), 2, "{series:?}");
    assert_eq!(series.values.last(), Some(&0), "{series:?}");
    let smallest =
        kafka_sim::charts::smallest_isr(&world, kafka_sim::SimDuration::from_millis(5_000), 30);
    assert_eq!(smallest.values.first(), Some(&3), "{smallest:?}");
    assert!(
        smallest.values.contains(&2),
        "the ISR shrank to 2: {smallest:?}"
    );
    assert_eq!(
        smallest.values.last(),
        Some(&3),
        "and grew back: {smallest:?}"
    );
}

#[test]
fn a_leader_change_is_explained_by_the_fencing_and_the_crash_before_it() {
    let mut world = cluster(20);
    create_topic(&mut world, "t", 1, 3, &[]);
    let old = leader(&world, "t", 0).expect("led");
    crash_broker(&mut world, old);
    run_ms(&mut world, 15_000);
    let chain = causes_of_leader_change_from(&world, old);
    assert!(
        matches!(&chain[0], EventKind::BrokerFenced { broker, .. } if *broker == old),
        "{chain:?}"
    );
    assert!(
        matches!(&chain[1], EventKind::BrokerCrashed { broker, .. } if *broker == old),
        "{chain:?}"
    );
}

#[test]
fn the_topic_view_counts_messages_and_bytes_as_kafka_uis_do() {
    let mut world = cluster(23);
    create_topic(&mut world, "t", 2, 3, &[]);
    add_client(&mut world, "writer");
    for (partition, value) in [(0, "a"), (0, "bb"), (1, "ccc")] {
        produce(&mut world, "writer", "t", partition, value, -1);
    }
    run_ms(&mut world, 1_000);
    let view = world.view();
    let topic = view.topics.iter().find(|t| t.name == "t").expect("created");
    assert_eq!(topic.messages, 3);
    // Each record: the v2 record overhead plus its value; the three differ by their lengths.
    assert!(topic.size_bytes > 6, "{}", topic.size_bytes);
}

/// A transaction's COMMIT marker takes an offset, but no consumer returns it: the topic's
/// message count leaves it out (it counted the marker as a message).
#[test]
fn the_topic_views_message_count_leaves_out_transaction_markers() {
    use kafka_sim::client::TxnAction;
    let mut world = cluster(23);
    create_topic(&mut world, "t", 1, 3, &[]);
    add_producer(&mut world, "p", &[("transactional.id", "tx")]);
    txn(&mut world, "p", TxnAction::Init);
    run_ms(&mut world, 3_000);
    txn(&mut world, "p", TxnAction::Begin);
    send(&mut world, "p", "t", Some("k"), "one");
    send(&mut world, "p", "t", Some("k"), "two");
    run_ms(&mut world, 1_000);
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 3_000);
    let tp = TopicPartition::new("t", 0);
    let log = world.leader_log(&tp).expect("a leader");
    assert_eq!(log.log_end_offset(), 3, "two records and the COMMIT marker");
    assert_eq!(log.control_records(), 1);
    let view = world.view();
    let topic = view.topics.iter().find(|t| t.name == "t").expect("created");
    assert_eq!(topic.messages, 2);
}

/// Lifting a slow follower's delay (`slow_follower` with 0) takes effect at once: the fetch it
/// was holding back goes now, so the follower catches up within a round trip, not when the
/// old delay would have ended.
#[test]
fn a_lifted_follower_delay_ends_the_wait_already_under_way() {
    let mut world = cluster(71);
    create_topic(&mut world, "t", 1, 3, &[]);
    let leader = leader(&world, "t", 0).expect("led");
    let follower = followers(&world, "t", 0)[0];
    slow_follower(&mut world, follower, 120_000);
    add_client(&mut world, "producer");
    run_ms(&mut world, 1_000);
    for i in 0..3 {
        produce(&mut world, "producer", "t", 0, &format!("v{i}"), 1);
    }
    run_ms(&mut world, 2_000);
    assert_eq!(
        log_values(&world, follower, "t", 0).len(),
        0,
        "still held back"
    );
    slow_follower(&mut world, follower, 0);
    run_ms(&mut world, 100);
    assert_eq!(
        log_values(&world, follower, "t", 0),
        log_values(&world, leader, "t", 0),
        "caught up at once"
    );
}

/// KIP-227: after its first fetch a follower lists only the partitions whose fetch offset
/// changed, and the leader answers only those with news; yet the leader serves every partition
/// of the session at each fetch, so partitions nobody writes to stay in sync far longer than
/// `replica.lag.time.max.ms` (30 s), and the one written to replicates to the last record.
#[test]
fn quiet_partitions_stay_in_sync_in_a_fetch_session() {
    let mut world = cluster(11);
    create_topic(&mut world, "orders", 12, 3, &[("min.insync.replicas", "2")]);
    add_client(&mut world, "producer");
    for i in 0..90 {
        produce(&mut world, "producer", "orders", 0, &format!("v{i}"), -1);
        run_ms(&mut world, 1_000);
    }
    for p in 0..12 {
        assert_eq!(
            isr(&world, "orders", p).len(),
            3,
            "orders-{p}: every replica in sync"
        );
    }
    for broker in 1..=3 {
        assert_eq!(log_values(&world, broker, "orders", 0).len(), 90);
        assert_eq!(
            high_watermark(&world, broker, "orders", 0),
            90,
            "broker {broker} learns the high watermark"
        );
    }
}

/// A restarted leader has forgotten its fetch sessions (they live in memory): its followers
/// start new ones, and replication goes on where it was.
#[test]
fn replication_goes_on_after_a_leader_forgets_its_fetch_sessions() {
    let mut world = cluster(12);
    create_topic(&mut world, "orders", 6, 3, &[("min.insync.replicas", "2")]);
    add_client(&mut world, "producer");
    for i in 0..6 {
        produce(&mut world, "producer", "orders", i, "before", -1);
    }
    run_ms(&mut world, 2_000);
    let old_leader = leader(&world, "orders", 0).expect("led");
    crash_broker(&mut world, old_leader);
    world
        .apply(Command::RestartBroker { broker: old_leader })
        .expect("valid");
    run_ms(&mut world, 20_000);
    // A new client, whose metadata names the leaders after the restart.
    add_client(&mut world, "late");
    for i in 0..6 {
        produce(&mut world, "late", "orders", i, "after", -1);
    }
    run_ms(&mut world, 20_000);
    for p in 0..6 {
        assert_eq!(
            isr(&world, "orders", p).len(),
            3,
            "orders-{p}: every replica in sync"
        );
        for broker in 1..=3 {
            let values: Vec<String> = log_values(&world, broker, "orders", p)
                .into_iter()
                .map(|(_, value)| value)
                .collect();
            assert_eq!(values, ["before", "after"], "broker {broker}, orders-{p}");
            assert_eq!(high_watermark(&world, broker, "orders", p), 2);
        }
    }
}

/// Broker 1's process dies while it leads orders-1, comes back, and a preferred leader election
/// gives orders-1 back to it (`testdata/leader-back-after-crash.toml`).
const LEADER_BACK_AFTER_CRASH: &str = include_str!("../testdata/leader-back-after-crash.toml");

/// When the send to orders-1 after the preferred leader election was acknowledged, running the
/// scenario with broker 1's crash of `kind`.
fn acked_back_on_broker_1(kind: &str, run_until_ms: u64) -> SimTime {
    let text = LEADER_BACK_AFTER_CRASH
        .replace(r#"kind = "process""#, &format!(r#"kind = "{kind}""#))
        .replace(
            "run_until_ms = 30000",
            &format!("run_until_ms = {run_until_ms}"),
        );
    let scenario: kafka_sim::scenario::Scenario = toml::from_str(&text).expect("parses");
    let (world, _) = scenario.run().expect("runs");
    assert_eq!(
        leader(&world, "orders", 1),
        Some(1),
        "the election gave orders-1 back"
    );
    let producer = world.producers().next().expect("producer-1");
    let send = producer
        .history()
        .iter()
        .find(|op| {
            matches!(&op.request, kafka_sim::Request::Send { value: Some(v), .. } if &**v == "back-on-broker-1")
        })
        .expect("sent");
    assert!(
        matches!(send.outcome, Outcome::Acked { partition: 1, .. }),
        "{kind}: {:?}",
        send.outcome
    );
    send.completed_at.expect("acknowledged")
}

#[test]
fn followers_of_a_leader_whose_process_died_fetch_from_it_at_once_when_it_leads_again() {
    // A killed process's connections are reset (its kernel lives on): the followers' fetches
    // to it fail at once and back off `replica.fetch.backoff.ms`, so when it leads again they
    // fetch from it within a second and an acks=all send completes.
    let acked = acked_back_on_broker_1("process", 30_000);
    let sent = SimTime::from_millis(23_600);
    assert!(
        acked < sent + SimDuration::from_millis(1_000),
        "acknowledged {} ms after the send",
        (acked - sent).as_millis()
    );
}

#[test]
fn followers_of_a_leader_that_lost_power_wait_out_their_fetch_to_it() {
    // A powered-off host resets nothing: each follower waits `replica.socket.timeout.ms`
    // (30 s) for the answer to the fetch it sent before the crash, and only then fetches from
    // broker 1 again, though broker 1 leads orders-1 again from 22 s on.
    let acked = acked_back_on_broker_1("power_loss", 45_000);
    // The fetch in flight at the crash was sent at most `replica.fetch.wait.max.ms` before it.
    let crash = SimTime::from_millis(6_000);
    assert!(
        acked > crash + SimDuration::from_millis(30_000 - 500)
            && acked < crash + SimDuration::from_millis(30_000 + 1_000),
        "acknowledged at {} ms",
        acked.as_millis()
    );
}

#[test]
fn a_batch_retrying_under_min_isr_names_the_error_it_waits_out() {
    // With the ISR below min.insync.replicas the leader refuses acks=all produces with
    // NOT_ENOUGH_REPLICAS, a retriable error: the producer retries until delivery.timeout.ms
    // and the application hears nothing meanwhile, so the batch is what names the error.
    let seed = 13;
    println!("seed {seed}");
    let mut world = cluster(seed);
    create_topic(&mut world, "t", 1, 3, &[("min.insync.replicas", "2")]);
    for follower in followers(&world, "t", 0) {
        crash_broker(&mut world, follower);
    }
    run_ms(&mut world, 12_000);
    assert_eq!(isr(&world, "t", 0).len(), 1, "both followers fenced");
    add_producer(&mut world, "p", &[]);
    send(&mut world, "p", "t", None, "waits");
    run_ms(&mut world, 3_000);
    let view = world.view();
    let producer = view.producers.iter().find(|p| p.name == "p").expect("p");
    let batch = producer.batches.first().expect("the send's batch");
    assert!(batch.attempts > 1, "{batch:?}");
    assert_eq!(batch.last_error, Some("NOT_ENOUGH_REPLICAS"), "{batch:?}");
    assert!(
        matches!(last_outcome(&world), Outcome::Pending),
        "{:?}",
        last_outcome(&world)
    );
}
