//! Goal: consume-transform-produce shows what exactly-once means in Kafka and where it ends.
//! An application reads `in`, sends every record on to `out` and commits; it crashes after its
//! output reached `out` but before its offsets were committed, and restarts. At-least-once
//! (`commitSync()` after the sends) leaves the batch twice in `out`; exactly-once (transactions
//! with `sendOffsetsToTransaction`, KIP-98/447) leaves the first attempt aborted, so a
//! read_committed reader of `out` sees every input once, while a read_uncommitted one and the
//! application itself (which processed the batch twice) do not. Method: the crash happens at
//! the step that matters, found by running a millisecond at a time; then two readers of `out`,
//! the group's offsets and the checker.

use crate::common;

use common::*;
use kafka_sim::check::{Anomaly, check};
use kafka_sim::consumer::{AppCommit, AppState, ForwardStep};
use kafka_sim::{Command, EventKind, World};

const INPUTS: usize = 30;

/// Values a reader's application processed, sorted.
fn read_values(world: &World, consumer: &str) -> Vec<String> {
    let mut values: Vec<String> = processed(world, consumer)
        .into_iter()
        .map(|(_, _, v)| v)
        .collect();
    values.sort();
    values
}

fn inputs() -> Vec<String> {
    let mut values: Vec<String> = (0..INPUTS).map(|i| format!("v{i:02}")).collect();
    values.sort();
    values
}

/// The application's state, and how many of its producer's sends are answered and in flight.
fn app_state(world: &World) -> (AppState, usize, usize) {
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == "app")
        .expect("consumer");
    let producer = &c.forwarder().expect("forwards").producer;
    let sends = producer
        .history()
        .iter()
        .filter(|op| matches!(op.request, kafka_sim::Request::Send { .. }));
    let answered = sends
        .filter(|op| op.outcome != kafka_sim::Outcome::Pending)
        .count();
    (c.app().clone(), answered, producer.pipeline().1)
}

/// Topics `in` and `out`, thirty records in `in`.
fn inputs_written(seed: u64) -> World {
    inputs_written_with(seed, "2")
}

/// [`inputs_written`] with `out`'s min.insync.replicas.
fn inputs_written_with(seed: u64, out_min_insync: &str) -> World {
    let mut world = cluster(seed);
    create_topic(&mut world, "in", 2, 3, &[("min.insync.replicas", "2")]);
    create_topic(
        &mut world,
        "out",
        2,
        3,
        &[("min.insync.replicas", out_min_insync)],
    );
    add_producer(&mut world, "p", &[("acks", "all")]);
    for i in 0..INPUTS {
        send(
            &mut world,
            "p",
            "in",
            Some(&format!("k{i}")),
            &format!("v{i:02}"),
        );
    }
    run_ms(&mut world, 1_000);
    world
}

/// An application reading `in` from the start and forwarding to `out` with `commit`.
fn forwarder(commit: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("auto.offset.reset", "earliest"),
        ("enable.auto.commit", "false"),
        ("isolation.level", "read_committed"),
        ("app.commit", commit),
        ("app.forward.topic", "out"),
        ("max.poll.records", "10"),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "1000"),
    ]
}

/// [`inputs_written`] and the application `app` (group `g`) forwarding `in` to `out` with
/// `commit`.
fn start(seed: u64, commit: &'static str) -> World {
    let mut world = inputs_written(seed);
    add_consumer(&mut world, "app", "g", &["in"], &forwarder(commit));
    world
}

/// Runs a millisecond at a time until the application is at a moment `at` accepts.
fn run_until(world: &mut World, seed: u64, at: impl Fn(&(AppState, usize, usize)) -> bool) {
    for _ in 0..60_000 {
        run_ms(world, 1);
        if at(&app_state(world)) {
            return;
        }
    }
    panic!("seed {seed}: the application never reached the moment");
}

/// Lets the application finish, then reads `out` with a read_committed reader `rc` and a
/// read_uncommitted one `ru`.
fn read_output(mut world: World) -> World {
    run_ms(&mut world, 40_000);
    for (name, isolation) in [("rc", "read_committed"), ("ru", "read_uncommitted")] {
        add_consumer(
            &mut world,
            name,
            name,
            &["out"],
            &[
                ("auto.offset.reset", "earliest"),
                ("isolation.level", isolation),
                ("app.processing.ms", "0"),
            ],
        );
    }
    run_ms(&mut world, 15_000);
    world
}

/// The first batch's output is in `out` (all ten sends answered) and its offsets are on their
/// way into the transaction; `commitTransaction()` is not called yet.
fn offsets_on_their_way((app, answered, _): &(AppState, usize, usize)) -> bool {
    *answered == 10
        && matches!(
            app,
            AppState::Forwarding {
                step: ForwardStep::Offsets(_),
                ..
            }
        )
}

/// The application's process dies and is started again a second later.
fn crash_and_restart(world: &mut World) {
    crash_client(world, "app");
    run_ms(world, 1_000);
    world
        .apply(Command::RestartClient {
            name: "app".to_owned(),
        })
        .expect("restart");
}

/// [`start`], then the application crashes at the moment `at` accepts and restarts a second
/// later.
fn run(seed: u64, commit: &'static str, at: impl Fn(&(AppState, usize, usize)) -> bool) -> World {
    let mut world = start(seed, commit);
    run_until(&mut world, seed, at);
    crash_and_restart(&mut world);
    read_output(world)
}

/// What exactly-once promises: a read_committed reader of `out` sees every input once, the
/// group committed past every input, and the checker finds no duplicate, lost output or torn
/// transaction. Returns the checker's anomalies.
fn assert_exactly_once(world: &World, seed: u64) -> Vec<Anomaly> {
    assert_eq!(
        read_values(world, "rc"),
        inputs(),
        "seed {seed}: read_committed sees every input exactly once"
    );
    assert_eq!(committed_offsets(world), INPUTS as u64, "seed {seed}");
    let anomalies: Vec<Anomaly> = check(world).into_iter().map(|v| v.anomaly).collect();
    for broken in [
        Anomaly::Duplicate,
        Anomaly::LostOutput,
        Anomaly::TornTransaction,
    ] {
        assert!(!anomalies.contains(&broken), "seed {seed}: {anomalies:?}");
    }
    anomalies
}

fn committed_offsets(world: &World) -> u64 {
    world
        .groups()
        .into_iter()
        .filter(|(_, g)| g.id == "g")
        .flat_map(|(_, g)| g.offsets.values().copied().collect::<Vec<_>>())
        .sum()
}

#[test]
fn at_least_once_forwarding_duplicates_the_batch_a_crash_interrupts() {
    let seed = 41;
    println!("seed {seed}");
    // The first batch's records are on their way to out; commitSync() is not sent yet.
    let world = run(seed, "after-processing", |(app, _, in_flight)| {
        matches!(app, AppState::Forwarding { .. }) && *in_flight > 0
    });
    let committed = read_values(&world, "rc");
    let mut unique = committed.clone();
    unique.dedup();
    assert_eq!(unique, inputs(), "seed {seed}: every input reached out");
    assert!(
        committed.len() > INPUTS,
        "seed {seed}: the interrupted batch is in out twice: {committed:?}"
    );
    assert_eq!(committed_offsets(&world), INPUTS as u64, "seed {seed}");
    let anomalies: Vec<Anomaly> = check(&world).into_iter().map(|v| v.anomaly).collect();
    assert!(anomalies.contains(&Anomaly::Duplicate), "{anomalies:?}");
    assert!(anomalies.contains(&Anomaly::Redelivered), "{anomalies:?}");
}

/// [`inputs_written`] with `out` needing all three replicas in sync, one broker down, and the
/// application `app` forwarding with `commit`: every send to `out` is refused with
/// NOT_ENOUGH_REPLICAS until it expires (`delivery.timeout.ms`, 120 s).
fn output_refused(seed: u64, commit: &'static str) -> World {
    let mut world = inputs_written_with(seed, "3");
    crash_broker(&mut world, 3);
    add_consumer(&mut world, "app", "g", &["in"], &forwarder(commit));
    world
}

/// The checker finds no committed input without its output.
fn assert_no_lost_output(world: &World, seed: u64) {
    let anomalies: Vec<Anomaly> = check(world).into_iter().map(|v| v.anomaly).collect();
    assert!(
        !anomalies.contains(&Anomaly::LostOutput),
        "seed {seed}: {anomalies:?}"
    );
}

/// At-least-once promises that the group commits only what reached the output. With every
/// forwarded send expiring ([`output_refused`]), the application stops without committing, as
/// Kafka Streams does by default; restarted once the broker is back, it reads from the
/// committed offsets again and every input reaches `out`. (It committed past the failed sends
/// before.)
#[test]
fn at_least_once_forwarding_does_not_commit_past_a_failed_send() {
    let seed = 44;
    println!("seed {seed}");
    let mut world = output_refused(seed, "after-processing");
    run_ms(&mut world, 150_000);
    let (app, answered, _) = app_state(&world);
    let AppState::Failed { reason } = &app else {
        panic!("seed {seed}: the application stopped on its failed sends: {app:?}");
    };
    // The sends waited out delivery.timeout.ms on NOT_ENOUGH_REPLICAS.
    assert!(
        reason.contains("TimeoutException: Expiring"),
        "seed {seed}: {reason}"
    );
    assert!(answered > 0, "seed {seed}: the sends were answered");
    assert_eq!(
        committed_offsets(&world),
        0,
        "seed {seed}: nothing is committed past a record whose output failed"
    );
    assert_no_lost_output(&world, seed);

    world
        .apply(Command::RestartBroker { broker: 3 })
        .expect("restart");
    run_ms(&mut world, 20_000);
    crash_and_restart(&mut world);
    let world = read_output(world);
    let mut unique = read_values(&world, "rc");
    unique.dedup();
    assert_eq!(unique, inputs(), "seed {seed}: every input reached out");
    assert_eq!(committed_offsets(&world), INPUTS as u64, "seed {seed}");
    assert_no_lost_output(&world, seed);
}

/// At-most-once forwarding accepts losing output: an application that commits each batch
/// before processing it carries on past sends that failed as above, and the checker does not
/// hold it to its output.
#[test]
fn at_most_once_forwarding_carries_on_past_a_failed_send() {
    let seed = 44;
    println!("seed {seed}");
    let mut world = output_refused(seed, "before-processing");
    // Three batches of ten, each one's sends expiring after 120 s.
    run_ms(&mut world, 400_000);
    let (app, answered, _) = app_state(&world);
    assert!(
        !matches!(app, AppState::Failed { .. }),
        "seed {seed}: {app:?}"
    );
    assert_eq!(
        answered, INPUTS,
        "seed {seed}: every send failed and was answered"
    );
    assert_eq!(committed_offsets(&world), INPUTS as u64, "seed {seed}");
    assert_no_lost_output(&world, seed);
}

#[test]
fn exactly_once_forwarding_hides_the_aborted_attempt_from_read_committed_readers() {
    let seed = 41;
    println!("seed {seed}");
    // Crash with part of the output written and nothing committed.
    let world = run(seed, "transactional", offsets_on_their_way);
    let anomalies = assert_exactly_once(&world, seed);
    let uncommitted = read_values(&world, "ru");
    assert!(
        uncommitted.len() > INPUTS,
        "seed {seed}: the aborted first attempt is in the log: {uncommitted:?}"
    );
    // The limit: the application itself processed the interrupted batch twice; only what it
    // wrote to Kafka (and its offsets) is exactly once.
    assert!(anomalies.contains(&Anomaly::Redelivered), "{anomalies:?}");
    let app = world.view().consumers.into_iter().find(|c| c.name == "app");
    assert_eq!(
        app.map(|c| c.reprocessed),
        Some(10),
        "seed {seed}: the page says which records were processed twice"
    );
    // The read_uncommitted reader returned the aborted attempt: the checker reports such reads
    // at any isolation level (the fuzz profiles say where they are allowed).
    assert!(anomalies.contains(&Anomaly::AbortedRead), "{anomalies:?}");
}

#[test]
fn exactly_once_survives_the_group_coordinator_failing_over_mid_transaction() {
    let seed = 42;
    println!("seed {seed}");
    // The offsets are on their way to the group coordinator: its broker dies. The new one
    // loads the group from __consumer_offsets, with the transaction's offsets pending until
    // the transaction's marker arrives.
    let mut world = start(seed, "transactional");
    run_until(&mut world, seed, offsets_on_their_way);
    let (coordinator, _) = world
        .groups()
        .into_iter()
        .find(|(_, g)| g.id == "g")
        .expect("a coordinator");
    crash_broker(&mut world, coordinator);
    // The application's requests there fail at once (the connection is reset) and it
    // retries until the controller fences the broker (9 s) and another leads the offsets
    // partition; that coordinator loaded the transaction's offsets as pending from the log.
    // Either the retried offsets join them and the transaction commits, or (a rebalance moved
    // the member on) KIP-447 refuses them and the batch is aborted and processed again.
    run_ms(&mut world, 45_000);
    let moved = world.groups().into_iter().find(|(_, g)| g.id == "g");
    assert!(
        moved.is_some_and(|(b, _)| b != coordinator),
        "seed {seed}: another broker coordinates g"
    );
    assert!(world.events().iter().any(|e| matches!(
        &e.kind,
        EventKind::CoordinatorLoaded { broker, .. } if *broker != coordinator
    )));
    // The dead broker stays dead: the application must finish without it. (It once retried
    // the dead broker for ever: a failed TxnOffsetCommit forgot the transaction coordinator
    // instead of the group's.)
    let world = read_output(world);
    assert_exactly_once(&world, seed);
    assert!(
        world.groups().iter().all(|(_, g)| g.pending_txn.is_empty()),
        "seed {seed}: no transaction's offsets left pending"
    );
}

#[test]
fn ab_the_same_crash_duplicates_output_at_least_once_and_not_exactly_once() {
    let seed = 43;
    println!("seed {seed}");
    // The user's run: an at-least-once forwarder crashed mid-batch at a fixed moment.
    let mut world = start(seed, "after-processing");
    run_until(&mut world, seed, |(app, answered, _)| {
        *answered >= 3 && matches!(app, AppState::Processing { .. })
    });
    crash_and_restart(&mut world);
    run_ms(&mut world, 30_000);
    // The crash interrupted a batch: the records finished before it were processed, and
    // processed again after the restart.
    let app = world.view().consumers.into_iter().find(|c| c.name == "app");
    assert!(
        app.is_some_and(|c| c.reprocessed >= 3),
        "seed {seed}: the records done before the crash count as processed twice"
    );
    let (at_least_once, exactly_once) = ab_preset("exactly-once");
    let comparison = ab_compare(&world, &at_least_once, &exactly_once);
    assert!(comparison.a.duplicated > 0, "{comparison:?}");
    assert_eq!(comparison.b.duplicated, 0, "{comparison:?}");
    assert_eq!(comparison.a.lost + comparison.b.lost, 0, "{comparison:?}");
}

/// The A/B comparison's at-least-once side commits only after the output, whatever the
/// application was made with: one made with auto commit has it turned off there, as the
/// exactly-once side does, so Java's commit of its positions on revocation cannot pass a
/// batch whose output is not out, and the checker holds that side to its output.
#[test]
fn the_ab_at_least_once_side_turns_auto_commit_off() {
    let seed = 45;
    println!("seed {seed}");
    let mut world = inputs_written(seed);
    let mut config = forwarder("none");
    config.retain(|(key, _)| !key.ends_with(".commit"));
    add_consumer(&mut world, "app", "g", &["in"], &config);
    run_ms(&mut world, 5_000);
    let (at_least_once, _) = ab_preset("exactly-once");
    let replayed = kafka_sim::ab::replay(
        &kafka_sim::ClusterConfig::default(),
        world.seed(),
        world.commands(),
        world.now(),
        &at_least_once,
    );
    let config = |world: &World| {
        let (app, _) = world
            .consumers()
            .find(|(c, _)| c.name() == "app")
            .expect("app");
        (app.config().app_commit, app.config().enable_auto_commit)
    };
    assert_eq!(
        config(&world),
        (AppCommit::None, true),
        "seed {seed}: as made"
    );
    assert_eq!(
        config(&replayed),
        (AppCommit::AfterProcessing, false),
        "seed {seed}: the at-least-once side"
    );
}

/// A forwarder the group removed while it processed a batch (its heartbeats could not reach
/// the coordinator for longer than `session.timeout.ms`) is a zombie: another member owns its
/// partitions and processes the same records. Java's consumer protects exactly-once twice,
/// and both are checked here: the offsets the zombie sends into its transaction carry the
/// generation and member id of its last join (`groupMetadata()` changes only in
/// `onJoinComplete`), so the coordinator fences them and the zombie aborts; and once its
/// generation is reset it gives its partitions up as lost (`onJoinPrepare`) before `poll()`
/// returns anything. Before either, it committed its batch with generation -1, which the
/// coordinator accepts from any transactional producer, and the output was written twice
/// (fuzz seed 600848 of the safe profile).
#[test]
fn a_forwarder_the_group_removed_is_fenced_and_gives_up_its_partitions() {
    let seed = 43;
    println!("seed {seed}");
    let mut world = inputs_written(seed);
    let with = |processing_ms: &'static str| {
        let mut config = forwarder("transactional");
        config.push(("app.processing.ms", processing_ms));
        // A heartbeat lost to the cut link is given up after 3 s, so the next one, once the
        // link heals, learns the member was removed.
        config.push(("request.timeout.ms", "3000"));
        config
    };
    // `app` takes 1.5 s a record, so a batch of ten outlasts the session timeout.
    add_consumer(&mut world, "app", "g", &["in"], &with("1500"));
    add_consumer(&mut world, "app2", "g", &["in"], &with("5"));
    run_until(&mut world, seed, |(app, _, _)| {
        matches!(app, AppState::Processing { .. })
    });
    let coordinator = group_coordinator(&world, "g");
    client_link(&mut world, "app", coordinator, true);
    run_ms(&mut world, 8_000);
    assert_eq!(
        owned(&world, "app2").len(),
        2,
        "seed {seed}: the group moved app's partition to app2"
    );
    client_link(&mut world, "app", coordinator, false);
    // When the group's coordinator also coordinates app's transactions, a request that app's
    // producer sent across the cut waits out its request.timeout.ms (30 s) before it goes
    // again, as Kafka's NetworkClient does without a disconnect.
    run_ms(&mut world, 40_000);
    // The zombie's offsets were refused and its transaction aborted.
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == "app")
        .expect("app");
    let producer = &c.forwarder().expect("forwards").producer;
    let refused = producer.history().iter().find(|op| {
        matches!(op.request, kafka_sim::Request::SendOffsets { .. })
            && op.outcome != kafka_sim::Outcome::Done
    });
    assert!(
        matches!(
            refused.map(|op| &op.outcome),
            Some(kafka_sim::Outcome::Exception { message }) if message.starts_with("CommitFailedException")
        ),
        "seed {seed}: the zombie's offsets are fenced: {refused:?}"
    );
    // It polled nothing more of those partitions under generation -1.
    for op in c.history() {
        if let kafka_sim::Outcome::Polled {
            records,
            generation,
            ..
        } = &op.outcome
        {
            assert!(
                *generation >= 0 || records.is_empty(),
                "seed {seed}: app returned records outside any generation at {:?}",
                op.invoked_at
            );
        }
    }
    let world = read_output(world);
    assert_exactly_once(&world, seed);
}

/// A record's key and value bytes, each maybe null.
type KeyAndValue = (Option<Vec<u8>>, Option<Vec<u8>>);

/// A consumed record's key and value are bytes or null, not text: a record whose key is the
/// text `null` keeps it when the application forwards it, a record without a key stays
/// without one, and a tombstone stays a tombstone (they were all read as the text "null"
/// once, so the first lost its key and the last became the value "null").
#[test]
fn forwarding_keeps_a_key_that_reads_null_apart_from_a_null_key() {
    let seed = 44;
    println!("seed {seed}");
    let mut world = cluster(seed);
    create_topic(&mut world, "in", 1, 3, &[("min.insync.replicas", "2")]);
    create_topic(&mut world, "out", 1, 3, &[("min.insync.replicas", "2")]);
    add_producer(&mut world, "p", &[("acks", "all")]);
    send(
        &mut world,
        "p",
        "in",
        Some("null"),
        "keyed by the text null",
    );
    send(&mut world, "p", "in", None, "without a key");
    let tombstone = kafka_sim::producer::ProducerRecord {
        topic: "in".into(),
        key: Some("k".into()),
        value: None,
        ..kafka_sim::producer::ProducerRecord::default()
    };
    world
        .apply(Command::Send {
            producer: "p".into(),
            record: tombstone,
        })
        .expect("producer exists");
    run_ms(&mut world, 1_000);
    add_consumer(&mut world, "app", "g", &["in"], &forwarder("transactional"));
    run_ms(&mut world, 20_000);
    let broker = leader(&world, "out", 0).expect("out has a leader");
    let log = world
        .replica_log(broker, &kafka_sim::TopicPartition::new("out", 0))
        .expect("the leader's log");
    let forwarded: Vec<KeyAndValue> = log
        .records()
        .iter()
        .filter(|r| r.batch.control.is_none())
        .map(|r| {
            (
                r.data.key.as_deref().map(<[u8]>::to_vec),
                r.data.value.as_deref().map(<[u8]>::to_vec),
            )
        })
        .collect();
    let bytes = |s: &str| Some(s.as_bytes().to_vec());
    assert_eq!(
        forwarded,
        vec![
            (bytes("null"), bytes("keyed by the text null")),
            (None, bytes("without a key")),
            (bytes("k"), None),
        ],
        "seed {seed}: out holds the inputs' keys and values as they were"
    );
}

/// An exactly-once application commits its offsets through its producer's transaction, never
/// through the consumer: its card's committed column must still show what the group committed,
/// as the group table beside it does (it showed "-" while the table showed the offsets).
#[test]
fn an_exactly_once_consumers_view_shows_what_its_group_committed() {
    let mut world = start(61, "transactional");
    run_ms(&mut world, 20_000);
    assert_eq!(committed_offsets(&world), INPUTS as u64, "all committed");
    let view = world.view();
    let app = view
        .consumers
        .iter()
        .find(|c| c.name == "app")
        .expect("the application");
    let group = view
        .groups
        .iter()
        .find(|g| g.group == "g")
        .expect("its group");
    assert_eq!(app.partitions.len(), 2, "it owns both partitions");
    for owned in &app.partitions {
        let row = group
            .rows
            .iter()
            .find(|r| r.tp == owned.tp)
            .expect("a row per partition");
        assert!(row.current_offset.is_some(), "{}: committed", owned.tp);
        assert_eq!(owned.committed, row.current_offset, "{}", owned.tp);
    }
}
