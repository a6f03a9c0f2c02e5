//! Goal: `group.protocol=consumer` groups behave as KIP-848's protocol does. Method: run
//! groups of consumers over a three-broker cluster through joins, crashes and stalls, and
//! check epochs, who owns what and when, what the admin tool prints, and how long the group
//! stops consuming compared with the classic protocol.

use crate::common;

use common::*;
use kafka_sim::check::split_ownership;
use kafka_sim::group::{ConsumerMemberState, GroupState, describe_group};
use kafka_sim::{EventKind, RemovalCause, SimTime, TopicPartition, World};

const CONSUMER: (&str, &str) = ("group.protocol", "consumer");

fn join(world: &mut World, names: &[&str], configs: &[(&str, &str)]) {
    let mut all = vec![("auto.offset.reset", "earliest")];
    all.extend_from_slice(configs);
    for name in names {
        add_consumer(world, name, "g", &["t"], &all);
    }
}

#[test]
fn a_group_of_the_consumer_protocol_splits_partitions_and_reads_every_record_once() {
    let mut world = loaded(1, 6, 5);
    join(&mut world, &["c1", "c2", "c3"], &[CONSUMER]);
    run_ms(&mut world, 20_000);
    assert_split_evenly(&world, &["c1", "c2", "c3"], 2);
    assert_eq!(processed_once(&world, &["c1", "c2", "c3"]).len(), 30);
    let described = describe_group(&world, "g").expect("the group exists");
    assert_eq!(described.state, GroupState::Stable);
    assert_eq!(described.assignor.as_deref(), Some("uniform"));
    // Three joins, three bumps; every member reached the last one.
    assert_eq!(described.group_epoch, Some(3));
    for member in &described.members {
        assert_eq!(member.member_epoch, Some(3), "{member:?}");
        assert_eq!(
            member.consumer_id.len(),
            22,
            "a KIP-1082 member id: {member:?}"
        );
    }
    assert!(split_ownership(&world).is_empty());
    assert_one_owner_at_a_time(&world);
    // No JoinGroup or SyncGroup ever: no GroupStable event, only epochs.
    assert!(
        !world
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::GroupStable { .. }))
    );
}

#[test]
fn a_joining_member_gets_a_partition_only_after_its_owner_revoked_it() {
    let mut world = loaded(2, 4, 3);
    join(&mut world, &["c1"], &[CONSUMER]);
    run_ms(&mut world, 10_000);
    assert_eq!(owned(&world, "c1").len(), 4);
    join(&mut world, &["c2"], &[CONSUMER]);
    run_ms(&mut world, 15_000);
    assert_eq!(owned(&world, "c1").len(), 2);
    assert_eq!(owned(&world, "c2").len(), 2);
    // c1 never gave up more than it had to, and never stopped owning the two it keeps.
    let revoked: Vec<TopicPartition> = world
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ConsumerAssigned {
                consumer, revoked, ..
            } if consumer == "c1" => Some(revoked.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(revoked.len(), 2, "c1 revoked {revoked:?}");
    assert_one_owner_at_a_time(&world);
    // The coordinator asked c1 to revoke (UNREVOKED_PARTITIONS) before it gave c2 anything.
    let asked = world
        .events()
        .iter()
        .position(|e| {
            matches!(&e.kind, EventKind::GroupMemberReconciled { state, revoking, .. }
                if *state == ConsumerMemberState::UnrevokedPartitions && !revoking.is_empty())
        })
        .expect("c1 was asked to revoke");
    let given = world
        .events()
        .iter()
        .position(|e| {
            matches!(&e.kind, EventKind::ConsumerAssigned { consumer, assigned, .. }
                if consumer == "c2" && !assigned.is_empty())
        })
        .expect("c2 got partitions");
    assert!(asked < given);
}

/// How long the survivors of a crash went without owning a partition they owned before it:
/// the longest gap, over the partitions they kept.
fn survivor_pause(world: &World, survivors: &[&str], from: SimTime) -> u64 {
    let mut longest = 0;
    for name in survivors {
        let mut since: Option<SimTime> = None;
        for event in world.events().iter().filter(|e| e.at >= from) {
            if let EventKind::ConsumerAssigned {
                consumer,
                assigned,
                revoked,
                ..
            } = &event.kind
                && consumer == name
            {
                if !revoked.is_empty() && since.is_none() {
                    since = Some(event.at);
                }
                if !assigned.is_empty()
                    && let Some(start) = since.take()
                {
                    longest = longest.max(event.at.since(start).as_millis());
                }
            }
        }
    }
    longest
}

fn crash_one_of_three(protocol: &[(&str, &str)]) -> (World, SimTime) {
    let mut world = loaded(3, 6, 2);
    join(&mut world, &["c1", "c2", "c3"], protocol);
    run_ms(&mut world, 20_000);
    crash_client(&mut world, "c1");
    let crashed = world.now();
    run_ms(&mut world, 70_000);
    (world, crashed)
}

#[test]
fn a_crash_moves_only_the_dead_members_partitions_and_the_others_never_stop() {
    let (world, crashed) = crash_one_of_three(&[CONSUMER]);
    // group.consumer.session.timeout.ms (45 s) after the last heartbeat, c1 is fenced.
    let removed = world
        .events()
        .iter()
        .find(|e| {
            matches!(
                &e.kind,
                EventKind::GroupMemberRemoved {
                    cause: RemovalCause::SessionExpired,
                    ..
                }
            )
        })
        .expect("the coordinator fenced c1");
    let waited = removed.at.since(crashed).as_millis();
    assert!(
        (40_000..=45_100).contains(&waited),
        "fenced after {waited} ms"
    );
    assert_eq!(owned(&world, "c2").len() + owned(&world, "c3").len(), 6);
    // c2 and c3 kept what they had from the crash on: no revocation at all (while the three
    // joined, the first to join gave up what the later ones took, as KIP-848 does).
    for name in ["c2", "c3"] {
        let revoked = world.events().iter().find(|e| {
            matches!(&e.kind, EventKind::ConsumerAssigned { consumer, revoked, .. }
                if consumer == name && !revoked.is_empty())
                && e.at >= crashed
        });
        assert!(
            revoked.is_none(),
            "{name} revoked partitions: {revoked:?} (crash at {crashed})"
        );
    }
    assert_eq!(survivor_pause(&world, &["c2", "c3"], crashed), 0);
    assert_one_owner_at_a_time(&world);
}

#[test]
fn the_classic_protocols_eager_assignor_stops_every_member_for_the_same_crash() {
    let (world, crashed) = crash_one_of_three(&[("partition.assignment.strategy", "range")]);
    // The survivors revoked everything and waited for the new generation.
    let paused = survivor_pause(&world, &["c2", "c3"], crashed);
    assert!(paused > 0, "the classic survivors paused for {paused} ms");
    let (modern, _) = crash_one_of_three(&[CONSUMER]);
    assert!(survivor_pause(&modern, &["c2", "c3"], crashed) < paused);
}

/// c1 of a group over four partitions stalls (its application stops polling); c2 joins and
/// 15 s pass.
fn stall_one_and_join_another(configs: &[(&str, &str)]) -> World {
    let mut world = loaded(4, 4, 3);
    join(&mut world, &["c1"], configs);
    run_ms(&mut world, 10_000);
    world
        .apply(kafka_sim::Command::StallConsumer {
            consumer: "c1".into(),
        })
        .expect("c1 exists");
    join(&mut world, &["c2"], configs);
    run_ms(&mut world, 15_000);
    world
}

#[test]
fn a_stalled_application_does_not_hold_up_the_rebalance_of_the_others() {
    // Within a few heartbeats c2 has its share, though c1's application never polled.
    let world = stall_one_and_join_another(&[CONSUMER]);
    assert_eq!(owned(&world, "c2").len(), 2);
    assert_eq!(owned(&world, "c1").len(), 2);
    assert_one_owner_at_a_time(&world);
}

/// With a `ConsumerRebalanceListener` the revocation runs on the application thread, in
/// `poll()`: a stalled application holds its partitions until it polls again (here it never
/// does, so it leaves the group when `max.poll.interval.ms` runs out), and the new member
/// waits for them.
#[test]
fn with_a_rebalance_listener_a_revocation_waits_for_the_applications_poll() {
    let mut world = stall_one_and_join_another(&[
        CONSUMER,
        ("app.rebalance.listener", "true"),
        ("max.poll.interval.ms", "20000"),
    ]);
    // Without the listener c2 had its share by now (the test above).
    assert_eq!(owned(&world, "c1").len(), 4);
    assert_eq!(owned(&world, "c2").len(), 0);
    run_ms(&mut world, 20_000);
    assert_eq!(owned(&world, "c1").len(), 0);
    assert_eq!(owned(&world, "c2").len(), 4);
    assert_one_owner_at_a_time(&world);
}

/// The words of line `n` of a table the admin tool printed.
fn words(table: &str, n: usize) -> Vec<&str> {
    let line = table
        .lines()
        .nth(n)
        .unwrap_or_else(|| panic!("no line {n} in {table}"));
    line.split_whitespace().collect()
}

#[test]
fn the_admin_tool_prints_the_consumer_protocols_columns() {
    let mut world = loaded(5, 2, 1);
    join(&mut world, &["c1"], &[CONSUMER]);
    run_ms(&mut world, 10_000);
    let described = describe_group(&world, "g").expect("the group exists");
    let state = described.state_table(true);
    let header = words(&state, 1);
    assert_eq!(
        header,
        [
            "GROUP",
            "COORDINATOR",
            "(ID)",
            "ASSIGNMENT-STRATEGY",
            "STATE",
            "GROUP-EPOCH",
            "TARGET-ASSIGNMENT-EPOCH",
            "#MEMBERS"
        ]
    );
    let row = words(&state, 2);
    assert_eq!(row[0], "g");
    assert_eq!(&row[3..], ["uniform", "Stable", "1", "1", "1"]);
    let members = described.members_table(true);
    let header = words(&members, 1);
    assert_eq!(
        header,
        [
            "GROUP",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID",
            "#PARTITIONS",
            "CURRENT-EPOCH",
            "CURRENT-ASSIGNMENT",
            "TARGET-EPOCH",
            "TARGET-ASSIGNMENT"
        ]
    );
    let row = words(&members, 2);
    assert_eq!(&row[3..], ["c1", "2", "1", "t:0,1", "1", "t:0,1"]);
}

#[test]
fn a_consumer_refuses_the_classic_settings_under_the_consumer_protocol() {
    let mut world = loaded(6, 1, 0);
    let refused = world.apply(kafka_sim::Command::AddConsumer {
        name: "c1".into(),
        topics: vec!["t".into()],
        partitions: Vec::new(),
        config: [
            ("group.id".to_owned(), "g".to_owned()),
            ("group.protocol".to_owned(), "consumer".to_owned()),
            ("session.timeout.ms".to_owned(), "10000".to_owned()),
        ]
        .into_iter()
        .collect(),
    });
    let message = refused.expect_err("refused").to_string();
    assert!(
        message.contains("session.timeout.ms cannot be set when group.protocol=CONSUMER"),
        "{message}"
    );
}

#[test]
fn ab_the_same_crash_stops_every_classic_member_and_no_consumer_protocol_member() {
    // Consumers added as the page adds them: with the classic settings the consumer protocol
    // refuses, which the comparison drops on its consumer side.
    let mut world = loaded(7, 6, 2);
    join(
        &mut world,
        &["c1", "c2", "c3"],
        &[
            ("session.timeout.ms", "45000"),
            ("heartbeat.interval.ms", "3000"),
        ],
    );
    run_ms(&mut world, 20_000);
    crash_client(&mut world, "c1");
    run_ms(&mut world, 70_000);
    let (classic, consumer) = ab_preset("KIP-848");
    let comparison = ab_compare(&world, &classic, &consumer);
    let (a, b) = (&comparison.a, &comparison.b);
    // Range is eager: the survivors gave up everything they owned when c1 died, and got most
    // of it back a rebalance later. Under KIP-848 a member gives up only what moves.
    assert!(a.given_back >= 3, "{comparison:?}");
    assert_eq!(b.given_back, 0, "{comparison:?}");
    // Both wait out the 45 s session timeout for c1's two partitions. Their totals are not
    // compared: the classic group also leaves the survivors' partitions unowned while it
    // rebalances, but a KIP-848 survivor takes c1's partitions only at its next heartbeat
    // (up to 5 s later), and the members' first joins moved partitions too.
    assert!(a.unowned_ms >= 2 * 40_000, "{comparison:?}");
    assert!(b.unowned_ms >= 2 * 40_000, "{comparison:?}");
    assert!(
        comparison
            .difference
            .starts_with("group.protocol=classic: "),
        "{}",
        comparison.difference
    );
}

#[test]
fn why_a_survivor_got_a_partition_leads_back_to_the_crash() {
    let (world, _) = crash_one_of_three(&[CONSUMER]);
    let events = world.events();
    let index = events
        .iter()
        .rposition(
            |e| matches!(&e.kind, EventKind::ConsumerAssigned { consumer, .. } if consumer != "c1"),
        )
        .expect("a survivor took c1's partitions");
    let chain = cause_texts(&world, index);
    assert!(chain[0].contains("bumped its group epoch"), "{chain:?}");
    assert!(chain[1].contains("(c1) removed"), "{chain:?}");
    assert!(chain[2].contains("client c1 crashed"), "{chain:?}");
}

#[test]
fn a_coordinator_failover_fences_nobody_and_moves_no_partition() {
    let mut world = loaded(8, 4, 3);
    join(&mut world, &["c1", "c2"], &[CONSUMER]);
    run_ms(&mut world, 20_000);
    let before: Vec<_> = ["c1", "c2"].iter().map(|c| owned(&world, c)).collect();
    let epoch = describe_group(&world, "g").expect("exists").group_epoch;
    let coordinator = group_coordinator(&world, "g");
    crash_broker(&mut world, coordinator);
    run_ms(&mut world, 30_000);
    // The new coordinator loaded the group from its replica of __consumer_offsets: same
    // members, same epoch, and the heartbeats carried on.
    let after = describe_group(&world, "g").expect("a new coordinator");
    assert_eq!(after.group_epoch, epoch);
    assert_eq!(after.state, GroupState::Stable);
    let now: Vec<_> = ["c1", "c2"].iter().map(|c| owned(&world, c)).collect();
    assert_eq!(before, now);
    assert!(
        !world
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::GroupMemberRemoved { .. })),
        "nobody fenced"
    );
}

#[test]
fn a_member_that_stops_polling_leaves_and_rejoins_when_it_polls_again() {
    let mut world = loaded(9, 2, 3);
    join(
        &mut world,
        &["c1", "c2"],
        &[CONSUMER, ("max.poll.interval.ms", "20000")],
    );
    run_ms(&mut world, 10_000);
    world
        .apply(kafka_sim::Command::StallConsumer {
            consumer: "c1".into(),
        })
        .expect("c1 exists");
    run_ms(&mut world, 25_000);
    // It left with a heartbeat of epoch -1: the coordinator removed it at once, and c2 took
    // both partitions.
    let left = world.events().iter().any(|e| {
        matches!(&e.kind, EventKind::GroupMemberRemoved { client, cause: RemovalCause::Left, .. }
            if client == "c1")
    });
    assert!(left);
    assert_eq!(owned(&world, "c2").len(), 2);
    world
        .apply(kafka_sim::Command::ResumeConsumer {
            consumer: "c1".into(),
        })
        .expect("c1 exists");
    run_ms(&mut world, 15_000);
    assert_eq!(owned(&world, "c1").len(), 1, "rejoined");
    assert_eq!(owned(&world, "c2").len(), 1);
    assert_one_owner_at_a_time(&world);
}

#[test]
fn a_member_frozen_past_its_session_learns_it_was_fenced_and_rejoins() {
    let mut world = loaded(10, 2, 3);
    join(&mut world, &["c1", "c2"], &[CONSUMER]);
    run_ms(&mut world, 10_000);
    world
        .apply(kafka_sim::Command::PauseClient { name: "c1".into() })
        .expect("c1 exists");
    run_ms(&mut world, 50_000);
    assert_eq!(owned(&world, "c2").len(), 2, "c2 took c1's partition");
    world
        .apply(kafka_sim::Command::ResumeClient { name: "c1".into() })
        .expect("c1 is paused");
    run_ms(&mut world, 15_000);
    // Its first heartbeat after the freeze carries an epoch of a membership the coordinator
    // ended: the answer fences it, it drops what it owned and rejoins with epoch 0.
    let events = world.events();
    let fenced = events
        .iter()
        .position(
            |e| matches!(&e.kind, EventKind::ConsumerFenced { consumer, .. } if consumer == "c1"),
        )
        .expect("c1 learnt it was fenced");
    let EventKind::ConsumerFenced { error, epoch, .. } = &events[fenced].kind else {
        unreachable!()
    };
    assert_eq!(*error, kafka_sim::ErrorCode::UnknownMemberId);
    assert!(*epoch > 0, "fenced at epoch {epoch}");
    let chain = cause_texts(&world, fenced);
    assert!(chain[0].contains("(c1) removed"), "{chain:?}");
    assert!(chain[1].contains("c1 paused"), "{chain:?}");
    // (While frozen, c1 still believed it owned its partition after c2 got it: a zombie,
    // whose commits the fence refuses, so one owner at a time does not hold here.)
    assert_eq!(owned(&world, "c1").len(), 1, "rejoined");
    assert_eq!(owned(&world, "c2").len(), 1);
}
