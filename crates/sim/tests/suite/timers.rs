//! Goal: the timers the page counts down are the ones the simulation runs. Method: silence a
//! broker and a consumer, read the countdown from the view, run exactly that long and check
//! that the fencing, the member's removal and the poll timeout happen then, not before.

use crate::common;

use common::*;
use kafka_sim::{Command, EventKind, RemovalCause, SimDuration, TimerView, World};

fn broker_timer(world: &World, broker: u32) -> Option<TimerView> {
    let view = world.view();
    let found = view
        .brokers
        .iter()
        .find(|b| b.id == broker)
        .expect("a broker");
    found.fencing.clone()
}

fn consumer_timer(world: &World, consumer: &str, config: &str) -> Option<TimerView> {
    let view = world.view();
    let found = view
        .consumers
        .iter()
        .find(|c| c.name == consumer)
        .expect("a consumer");
    found.timers.iter().find(|t| t.config == config).cloned()
}

/// Runs to just before `fires_in` has passed, then to just after it.
fn around(fires_in: SimDuration) -> (SimDuration, SimDuration) {
    let before = SimDuration::from_micros(fires_in.as_micros().saturating_sub(50_000));
    (
        before,
        SimDuration::from_micros(fires_in.as_micros() + 50_000 - before.as_micros()),
    )
}

fn fenced(world: &World, broker: u32) -> bool {
    world
        .events()
        .iter()
        .any(|e| matches!(e.kind, EventKind::BrokerFenced { broker: b, .. } if b == broker))
}

#[test]
fn a_crashed_broker_shows_the_controllers_session_timer_and_is_fenced_when_it_runs_out() {
    let mut world = cluster(3);
    run_ms(&mut world, 5_000);
    assert_eq!(
        broker_timer(&world, 2),
        None,
        "a heartbeating broker has no countdown"
    );
    crash_broker(&mut world, 2);
    run_ms(&mut world, 3_000);
    let timer = broker_timer(&world, 2).expect("a countdown after a missed heartbeat");
    assert_eq!(timer.config, "broker.session.timeout.ms");
    assert_eq!(
        timer.timeout,
        SimDuration::from_millis(9_000),
        "Kafka's default"
    );
    assert!(
        timer.fires_in < SimDuration::from_millis(6_001),
        "{timer:?}"
    );
    assert_eq!(
        timer.checked_every,
        Some(SimDuration::from_micros(1_125_000))
    );
    let (before, after) = around(timer.fires_in);
    run_ms(&mut world, before.as_millis());
    assert!(!fenced(&world, 2), "not before the countdown ends");
    run_ms(&mut world, after.as_millis());
    // Ended, the session waits for the controller's next look at the sessions.
    let ended = broker_timer(&world, 2);
    let look = ended.as_ref().and_then(|t| t.checked_every);
    if !fenced(&world, 2) {
        assert_eq!(ended.map(|t| t.fires_in), Some(SimDuration::ZERO));
        run_ms(&mut world, look.expect("checked periodically").as_millis());
    }
    assert!(fenced(&world, 2), "fenced at the first look after it ends");
    assert_eq!(broker_timer(&world, 2), None, "no countdown once fenced");
}

#[test]
fn a_crashed_consumer_shows_the_coordinators_session_and_a_stalled_one_its_poll_timer() {
    let mut world = cluster(5);
    create_topic(&mut world, "t", 2, 3, &[]);
    let timeouts = [
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "1000"),
        ("max.poll.interval.ms", "20000"),
    ];
    add_consumer(&mut world, "c1", "g", &["t"], &timeouts);
    add_consumer(&mut world, "c2", "g", &["t"], &timeouts);
    run_ms(&mut world, 15_000);
    assert_eq!(consumer_timer(&world, "c1", "session.timeout.ms"), None);
    assert_eq!(consumer_timer(&world, "c1", "max.poll.interval.ms"), None);

    crash_client(&mut world, "c1");
    run_ms(&mut world, 2_500);
    let session = consumer_timer(&world, "c1", "session.timeout.ms").expect("a session countdown");
    assert_eq!(
        session.timeout,
        SimDuration::from_millis(10_000),
        "the consumer's own value"
    );
    let removed = |world: &World| {
        world.events().iter().any(
            |e| matches!(&e.kind, EventKind::GroupMemberRemoved { client, .. } if client == "c1"),
        )
    };
    let (before, after) = around(session.fires_in);
    run_ms(&mut world, before.as_millis());
    assert!(!removed(&world), "not removed before the countdown ends");
    run_ms(&mut world, after.as_millis() + 1);
    assert!(removed(&world), "removed when it ends");

    world
        .apply(Command::StallConsumer {
            consumer: "c2".to_owned(),
        })
        .expect("stalls");
    run_ms(&mut world, 5_000);
    let poll = consumer_timer(&world, "c2", "max.poll.interval.ms").expect("a poll countdown");
    assert_eq!(poll.timeout, SimDuration::from_millis(20_000));
    assert!(
        consumer_timer(&world, "c2", "session.timeout.ms").is_none(),
        "a stalled application's heartbeats go on"
    );
    let left = |world: &World| {
        world.events().iter().any(|e| {
            matches!(&e.kind, EventKind::ConsumerLeftGroup { consumer, .. } if consumer == "c2")
        })
    };
    let (before, after) = around(poll.fires_in);
    run_ms(&mut world, before.as_millis());
    assert!(!left(&world), "still a member before the poll timer ends");
    run_ms(&mut world, after.as_millis() + 1);
    assert!(left(&world), "leaves the group when it ends");
}

#[test]
fn a_crashed_consumer_protocol_member_shows_the_brokers_session_countdown() {
    let mut world = cluster(6);
    create_topic(&mut world, "t", 2, 3, &[]);
    add_consumer(
        &mut world,
        "c1",
        "g",
        &["t"],
        &[("group.protocol", "consumer")],
    );
    add_consumer(
        &mut world,
        "c2",
        "g",
        &["t"],
        &[("group.protocol", "consumer")],
    );
    run_ms(&mut world, 15_000);
    let setting = "group.consumer.session.timeout.ms";
    assert_eq!(consumer_timer(&world, "c1", setting), None);
    crash_client(&mut world, "c1");
    // Past the heartbeat interval (group.consumer.heartbeat.interval.ms, 5 s) the silence
    // shows.
    run_ms(&mut world, 6_000);
    let session = consumer_timer(&world, "c1", setting).expect("a session countdown");
    assert_eq!(
        session.timeout,
        SimDuration::from_millis(45_000),
        "the broker's"
    );
    let fenced = |world: &World| {
        world.events().iter().any(|e| {
            matches!(
                &e.kind,
                EventKind::GroupMemberRemoved {
                    cause: RemovalCause::SessionExpired,
                    ..
                }
            )
        })
    };
    let (before, after) = around(session.fires_in);
    run_ms(&mut world, before.as_millis());
    assert!(!fenced(&world), "not fenced before the countdown ends");
    run_ms(&mut world, after.as_millis() + 1);
    assert!(fenced(&world), "fenced when it ends");
}
