//! Goal: the KRaft control plane behaves as an operator expects. Method: drive a default
//! three-broker cluster through crashes and network cuts and check what the controller
//! concludes, and when.

use kafka_sim::{ClusterConfig, Command, CommandError, Endpoint, EventKind, SimTime, World};

fn started(seed: u64) -> World {
    let mut world = World::new(&ClusterConfig::default(), seed);
    world.run_until(SimTime::from_millis(500));
    world
}

fn fenced_at(world: &World, broker: u32) -> Option<SimTime> {
    world.events().iter().find_map(|event| match event.kind {
        EventKind::BrokerFenced { broker: b, .. } if b == broker => Some(event.at),
        _ => None,
    })
}

#[test]
fn brokers_register_and_are_unfenced_after_their_first_heartbeat() {
    let world = started(1);
    let view = world.view();
    assert_eq!(view.brokers.len(), 3);
    for broker in &view.brokers {
        assert!(
            broker.up && !broker.fenced,
            "broker {} should be online",
            broker.id
        );
        assert_eq!(broker.state.kafka_name(), "RUNNING");
    }
    let epochs: Vec<_> = view.brokers.iter().map(|b| b.broker_epoch).collect();
    assert!(epochs.iter().all(Option::is_some));
}

#[test]
fn a_crashed_broker_is_fenced_after_the_session_timeout_not_before() {
    let mut world = started(2);
    let crash_at = world.now();
    world
        .apply(Command::CrashBroker {
            broker: 3,
            kind: Default::default(),
        })
        .expect("valid");
    world.run_until(crash_at + kafka_sim::SimDuration::from_millis(30_000));
    let fenced = fenced_at(&world, 3).expect("broker 3 is fenced");
    let silence = fenced - crash_at;
    // Its last heartbeat was at most one interval (2 s) before the crash; fencing comes 9 s
    // after that heartbeat.
    assert!(
        (7_000..=9_000).contains(&silence.as_millis()),
        "fenced {silence} after the crash"
    );
    let view = world.view();
    assert!(view.brokers[2].fenced && !view.brokers[2].up);
    assert!(
        view.brokers[..2].iter().all(|b| !b.fenced),
        "the others keep heartbeating"
    );
}

#[test]
fn a_partitioned_broker_is_fenced_and_unfenced_when_the_network_heals() {
    let mut world = started(3);
    world
        .apply(Command::CutLink {
            a: Endpoint::Broker(1),
            b: Endpoint::Controller,
        })
        .expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(12_000));
    let view = world.view();
    assert!(view.brokers[0].up, "the process still runs");
    assert!(view.brokers[0].fenced, "the controller no longer hears it");
    assert_eq!(
        view.cut_links,
        vec![(Endpoint::Controller, Endpoint::Broker(1))]
    );
    world.apply(Command::HealNetwork).expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(3_000));
    assert!(
        !world.view().brokers[0].fenced,
        "its next heartbeat unfences it"
    );
}

#[test]
fn a_restarted_broker_registers_with_a_new_epoch() {
    let mut world = started(4);
    let before = world.view().brokers[1].broker_epoch.expect("registered");
    world
        .apply(Command::CrashBroker {
            broker: 2,
            kind: Default::default(),
        })
        .expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(1_000));
    world
        .apply(Command::RestartBroker { broker: 2 })
        .expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(1_000));
    let view = world.view();
    let after = view.brokers[1].broker_epoch.expect("registered again");
    assert!(
        after > before,
        "epoch {after} after restart, {before} before"
    );
    assert!(!view.brokers[1].fenced);
}

#[test]
fn bad_commands_are_rejected_and_change_nothing() {
    let mut world = started(5);
    let before = world.view();
    assert_eq!(
        world.apply(Command::CrashBroker {
            broker: 9,
            kind: Default::default()
        }),
        Err(CommandError::UnknownEndpoint(Endpoint::Broker(9)))
    );
    assert_eq!(
        world.apply(Command::RestartBroker { broker: 1 }),
        Err(CommandError::AlreadyUp(1))
    );
    assert_eq!(
        world.apply(Command::CutLink {
            a: Endpoint::Broker(2),
            b: Endpoint::Broker(2)
        }),
        Err(CommandError::SameEndpoint(Endpoint::Broker(2)))
    );
    assert_eq!(world.view(), before);
    assert!(world.commands().is_empty());
}
