//! Goal: the KRaft control plane behaves as an operator expects. Method: drive a default
//! three-broker cluster through crashes and network cuts and check what the controller
//! concludes, and when.

use crate::common::crash_broker;
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
fn brokers_register_and_are_unfenced_once_caught_up_with_the_metadata_log() {
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
    // Its last heartbeat was at most one interval (2 s) before the crash. The controller
    // looks for expired sessions every 9 s / 8 and fences one silent for more than 9 s: so
    // 9-10.125 s after that heartbeat.
    assert!(
        (7_000..=10_125).contains(&silence.as_millis()),
        "fenced {silence} after the crash"
    );
    let silent_for = world
        .events()
        .iter()
        .find_map(|e| match e.kind {
            EventKind::BrokerFenced { silent_for, .. } => Some(silent_for.as_micros()),
            _ => None,
        })
        .expect("the fencing says how long it was silent");
    assert!(
        (9_000_001..=10_125_000).contains(&silent_for),
        "silent for {silent_for} µs"
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

/// Kafka's controller refuses a new incarnation of a broker while the previous one's session
/// is valid (DUPLICATE_BROKER_REGISTRATION): a broker restarted a second after a crash waits
/// until the controller has fenced its old process, then registers with a new epoch.
#[test]
fn a_broker_restarted_after_a_crash_registers_once_its_old_session_has_expired() {
    let mut world = started(4);
    let before = world.view().brokers[1].broker_epoch.expect("registered");
    crash_broker(&mut world, 2);
    world.run_for(kafka_sim::SimDuration::from_millis(1_000));
    let restarted_at = world.now();
    world
        .apply(Command::RestartBroker { broker: 2 })
        .expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(15_000));
    let refused = (world.events().iter())
        .filter(|e| {
            matches!(e.kind, EventKind::BrokerRegistrationRefused { broker: 2, error }
                if error.name() == "DUPLICATE_BROKER_REGISTRATION")
        })
        .count();
    assert!(
        refused > 0,
        "the restarted broker was refused while its old session lived"
    );
    let fenced = fenced_at(&world, 2).expect("the old session expired");
    let registered = (world.events().iter())
        .find_map(|e| match e.kind {
            EventKind::BrokerRegistered { broker: 2, .. } if e.at > restarted_at => Some(e.at),
            _ => None,
        })
        .expect("registered again");
    assert!(
        registered > fenced,
        "registered at {registered}, before the old session was fenced at {fenced}"
    );
    // Kafka 4.0 caps the backoff between attempts at half the session timeout (apache/kafka
    // #19061), so no two answers are more than 4.5 s (and 2 % jitter) apart, and the broker
    // is back within one capped backoff of the fencing.
    let answers: Vec<_> = (world.events().iter())
        .filter(|e| {
            e.at > restarted_at
                && matches!(
                    e.kind,
                    EventKind::BrokerRegistrationRefused { broker: 2, .. }
                        | EventKind::BrokerRegistered { broker: 2, .. }
                )
        })
        .map(|e| e.at)
        .collect();
    for pair in answers.windows(2) {
        let gap = pair[1].since(pair[0]).as_millis();
        assert!(gap <= 4_700, "{gap} ms between two answers: {answers:?}");
    }
    let late = registered.since(fenced).as_millis();
    assert!(late <= 4_700, "registered {late} ms after the fencing");
    let view = world.view();
    let after = view.brokers[1].broker_epoch.expect("registered again");
    assert!(
        after > before,
        "epoch {after} after restart, {before} before"
    );
    assert!(!view.brokers[1].fenced);
    assert_eq!(view.brokers[1].state.kafka_name(), "RUNNING");
}

/// Kafka 4's session is the time since the last heartbeat, fenced or not: a broker stopped
/// by controlled shutdown heartbeated until it stopped, so a restart right away is refused
/// (DUPLICATE_BROKER_REGISTRATION) until more than 9 s have passed since; a restart after
/// that registers at once.
#[test]
fn a_broker_restarted_after_a_controlled_shutdown_waits_out_its_last_session() {
    let shut_down = |seed| {
        let mut world = started(seed);
        world
            .apply(Command::ShutdownBroker { broker: 2 })
            .expect("valid");
        world.run_for(kafka_sim::SimDuration::from_millis(3_000));
        assert!(!world.view().brokers[1].up, "shut down");
        world
    };
    let refused = |world: &World| {
        (world.events().iter())
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::BrokerRegistrationRefused { broker: 2, .. }
                )
            })
            .count()
    };
    let mut world = shut_down(4);
    let restarted_at = world.now();
    world
        .apply(Command::RestartBroker { broker: 2 })
        .expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(15_000));
    assert!(refused(&world) > 0, "refused while its session lived");
    let registered = (world.events().iter())
        .find_map(|e| match e.kind {
            EventKind::BrokerRegistered { broker: 2, .. } if e.at > restarted_at => Some(e.at),
            _ => None,
        })
        .expect("registered again");
    // Its last heartbeat was at most 3 s before the restart.
    let waited = registered.since(restarted_at).as_millis();
    assert!(
        (6_000..=12_000).contains(&waited),
        "registered {waited} ms after the restart"
    );
    assert_eq!(world.view().brokers[1].state.kafka_name(), "RUNNING");

    let mut world = shut_down(4);
    world.run_for(kafka_sim::SimDuration::from_millis(7_000));
    world
        .apply(Command::RestartBroker { broker: 2 })
        .expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(500));
    assert_eq!(
        refused(&world),
        0,
        "10 s after the shutdown the session is over"
    );
    let view = world.view();
    assert_eq!(view.brokers[1].state.kafka_name(), "RUNNING");
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

/// Kafka's broker opens its listeners only once it has caught up with the metadata log and
/// the controller has unfenced it, so no client is answered from the empty image a restarted
/// broker starts with (a producer once read "topic not present" from one and waited out
/// max.block.ms). Producers bootstrapping at the moment broker 1 restarts find it refusing
/// connections, move on, and have every send acknowledged; broker 1 goes STARTING, RECOVERY,
/// RUNNING and answers nothing before RUNNING.
#[test]
fn a_restarted_broker_answers_no_request_until_it_has_caught_up_and_is_unfenced() {
    use crate::common::{add_producer, create_topic, send};
    let seed = 5;
    println!("seed {seed}");
    let mut world = started(seed);
    create_topic(&mut world, "orders", 3, 3, &[]);
    world.run_for(kafka_sim::SimDuration::from_millis(1_000));
    crash_broker(&mut world, 1);
    world.run_for(kafka_sim::SimDuration::from_millis(12_000));
    world.record_trace_lines();
    world
        .apply(Command::RestartBroker { broker: 1 })
        .expect("valid");
    let restarted = world.now();
    let producers: Vec<String> = (0..6).map(|i| format!("p{i}")).collect();
    for name in &producers {
        add_producer(&mut world, name, &[]);
        send(&mut world, name, "orders", Some(name), "v");
    }
    // Broker 1's states, as often as a message takes to cross.
    let mut states = Vec::new();
    let mut running_at = None;
    while running_at.is_none()
        && world.now() < restarted + kafka_sim::SimDuration::from_millis(5_000)
    {
        world.run_for(kafka_sim::SimDuration::from_micros(100));
        let view = world.view();
        let broker = &view.brokers[0];
        let state = broker.state.kafka_name();
        if states.last() != Some(&state) {
            states.push(state);
        }
        if state == "RUNNING" {
            assert!(!broker.fenced, "RUNNING only once unfenced");
            running_at = Some(world.now());
        }
    }
    assert_eq!(states, ["STARTING", "RECOVERY", "RUNNING"], "seed {seed}");
    let running_at = running_at.expect("broker 1 runs again");
    world.run_for(kafka_sim::SimDuration::from_millis(5_000));
    let node = world.node_of(&Endpoint::Broker(1)).expect("broker 1");
    let lines = world.trace().lines().expect("recording");
    // A line is `seq at_us to recv from message`.
    let parse = |line: &str| {
        let mut parts = line.splitn(6, ' ');
        let _seq = parts.next();
        let at: u64 = parts.next()?.parse().ok()?;
        let to: u32 = parts.next()?.parse().ok()?;
        (parts.next()? == "recv").then_some(())?;
        let from = format!("{} {}", parts.next()?, parts.next()?.split(' ').next()?);
        let message = line.split_once(&format!("recv {from} ")).map(|(_, m)| m)?;
        Some((at, to, from, message.to_owned()))
    };
    let broker_1 = format!("{node}");
    let mut refused = 0;
    for (at, to, from, message) in lines.iter().filter_map(|l| parse(l)) {
        let early = at < running_at.as_micros();
        let is_response = message.contains("Response(");
        if early && from == broker_1 {
            assert!(
                !is_response,
                "seed {seed}: broker 1 answered before it ran, at {at} µs: {message}"
            );
        }
        if early && to == node.0 && !is_response && message.contains("client_id: \"p") {
            refused += 1;
        }
    }
    assert!(
        refused > 0,
        "seed {seed}: no producer tried broker 1 while it started; the test saw nothing"
    );
    for name in &producers {
        let producer = world.producers().find(|p| p.name() == name).expect("added");
        assert!(
            producer
                .history()
                .iter()
                .all(|op| matches!(op.outcome, kafka_sim::Outcome::Acked { .. })),
            "seed {seed}: {name}'s send was not acknowledged: {:?}",
            producer.history().iter().collect::<Vec<_>>()
        );
    }
}

/// Regression: a broker used to register again every 2 s while an answer was pending. With
/// a slow link to the controller (1.2 s each way) each attempt reached the controller and got
/// a new epoch; the broker kept the first, the controller held the last and refused every
/// heartbeat with STALE_BROKER_EPOCH, and the broker stayed STARTING, fenced and deaf for
/// good. Now one attempt is in flight at a time, as in Kafka's `BrokerLifecycleManager`.
#[test]
fn a_broker_with_a_slow_link_to_the_controller_registers_once_and_starts() {
    let seed = 1;
    println!("seed {seed}");
    let (mut world, restarted_at) = restart_broker_1_behind_a_slow_link(seed, 1_200);
    world.run_for(kafka_sim::SimDuration::from_millis(20_000));
    assert_running_after_one_registration(&world, restarted_at, seed);
}

/// An attempt given up on (no answer within 4.5 s) reaches the controller after all, and the
/// next attempt too: the controller amends the registration of the same incarnation and keeps
/// its epoch, as Kafka's `ClusterControlManager` does, and the broker acts only on the answer
/// to its latest attempt. It starts, with one epoch.
#[test]
fn a_registration_attempt_given_up_on_that_arrives_after_all_keeps_the_epoch() {
    let seed = 1;
    println!("seed {seed}");
    let (mut world, restarted_at) = restart_broker_1_behind_a_slow_link(seed, 2_500);
    world.run_for(kafka_sim::SimDuration::from_millis(3_000));
    world.apply(slow_controller_link(1)).expect("valid");
    world.run_for(kafka_sim::SimDuration::from_millis(10_000));
    let lines = world.trace().lines().expect("recording");
    let attempts = (lines.iter())
        .filter(|line| line.contains("BrokerRegistration {") && line.contains("broker_id: 1,"))
        .count();
    assert!(
        attempts >= 2,
        "seed {seed}: the first attempt timed out and a second was sent ({attempts} received)"
    );
    assert_running_after_one_registration(&world, restarted_at, seed);
}

/// Broker 1 crashed, fenced, and restarted behind a link to the controller of `latency_ms`
/// each way; the trace's lines are recorded from the restart on.
fn restart_broker_1_behind_a_slow_link(seed: u64, latency_ms: u64) -> (World, SimTime) {
    let mut world = started(seed);
    crash_broker(&mut world, 1);
    world.run_for(kafka_sim::SimDuration::from_millis(12_000));
    let restarted_at = world.now();
    world.record_trace_lines();
    world
        .apply(slow_controller_link(latency_ms))
        .expect("valid");
    world
        .apply(Command::RestartBroker { broker: 1 })
        .expect("valid");
    (world, restarted_at)
}

/// One registration since `since` (a second attempt amends it), and broker 1 runs unfenced.
fn assert_running_after_one_registration(world: &World, since: SimTime, seed: u64) {
    let registrations = (world.events().iter())
        .filter(|e| e.at > since && matches!(e.kind, EventKind::BrokerRegistered { broker: 1, .. }))
        .count();
    assert_eq!(registrations, 1, "seed {seed}: one epoch since the restart");
    let view = world.view();
    assert_eq!(view.brokers[0].state.kafka_name(), "RUNNING", "seed {seed}");
    assert!(!view.brokers[0].fenced, "seed {seed}: broker 1 is unfenced");
}

fn slow_controller_link(latency_ms: u64) -> Command {
    Command::SetLink {
        a: Endpoint::Broker(1),
        b: Endpoint::Controller,
        latency_ms,
        jitter_ms: 0,
        drop_per_million: 0,
    }
}
