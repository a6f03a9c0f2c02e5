//! Goal: a paused process (`kill -STOP`, a long GC pause) is a zombie when it wakes, and Kafka's
//! fencing keeps it from doing harm: a paused broker is fenced and loses its leaderships, and
//! once resumed the writes it still takes as a stale leader are never acknowledged under
//! acks=all; a paused transactional producer is fenced by its successor; a paused consumer
//! past `session.timeout.ms` has its commits refused and rejoins. Method: pause at the moment
//! that matters, resume, then read the outcomes, the logs and the checker.

use crate::common;

use common::*;
use kafka_sim::check::{Anomaly, check};
use kafka_sim::client::TxnAction;
use kafka_sim::{Command, Endpoint, EventKind, Outcome, World};

/// What a read_committed consumer of `topic` reads from its start, in order.
fn read_committed(world: &mut World, topic: &str) -> Vec<String> {
    add_consumer(
        world,
        "rc",
        "rc",
        &[topic],
        &[
            ("auto.offset.reset", "earliest"),
            ("isolation.level", "read_committed"),
        ],
    );
    run_ms(world, 10_000);
    processed(world, "rc")
        .into_iter()
        .map(|(_, _, v)| v)
        .collect()
}

/// Transactional producer `p` (`transactional.id` tx) with a record for topic t in its
/// accumulator (`linger.ms` 50): the zombie once it is paused now.
fn zombie_to_be(world: &mut World) {
    add_producer(
        world,
        "p",
        &[("transactional.id", "tx"), ("linger.ms", "50")],
    );
    txn(world, "p", TxnAction::Init);
    run_ms(world, 3_000);
    txn(world, "p", TxnAction::Begin);
    send(world, "p", "t", Some("k"), "zombie");
}

fn pause_broker(world: &mut World, broker: u32) {
    world
        .apply(Command::PauseBroker { broker })
        .expect("running broker");
}

fn resume_broker(world: &mut World, broker: u32) {
    world
        .apply(Command::ResumeBroker { broker })
        .expect("paused broker");
}

fn pause_client(world: &mut World, name: &str) {
    let name = name.to_owned();
    world
        .apply(Command::PauseClient { name })
        .expect("running client");
}

fn resume_client(world: &mut World, name: &str) {
    let name = name.to_owned();
    world
        .apply(Command::ResumeClient { name })
        .expect("paused client");
}

/// A consumer's (member id, generation, state, leader).
fn membership(
    world: &World,
    consumer: &str,
) -> (String, i32, kafka_sim::consumer::MemberState, bool) {
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == consumer)
        .expect("consumer");
    let (member, generation, state, leader) = c.membership();
    (member.to_owned(), generation, state, leader)
}

/// Whether any trace line shows `text` (the run must record trace lines).
fn traced(world: &World, text: &str) -> bool {
    let lines = world.trace().lines().expect("trace lines recorded");
    lines.iter().any(|line| line.contains(text))
}

/// The outcome of a client's operation whose description contains `what`.
fn outcome_of(world: &World, what: &str) -> Outcome {
    let ops = world.operations();
    let op = ops
        .iter()
        .find(|op| op.to_string().contains(what))
        .unwrap_or_else(|| panic!("no operation {what} in {ops:#?}"));
    op.outcome.clone()
}

/// A leader paused past `broker.session.timeout.ms` is fenced and replaced; resumed, it
/// still believes it leads and takes the produce requests its kernel held. Under acks=1 it
/// acknowledges one, which the real leader never had: truncated away when the zombie learns
/// the new leader epoch (a loss acks=1 allows). Under acks=all the zombie cannot advance its
/// high watermark (its followers now fetch from the new leader, and its ISR cannot shrink
/// without the controller), so the write is refused and no acknowledged write is lost.
#[test]
fn a_paused_leader_wakes_as_a_zombie_that_cannot_lose_acks_all_writes() {
    for (acks, seed) in [(1i16, 11), (-1, 11), (-1, 12)] {
        let mut world = cluster(seed);
        create_topic(&mut world, "t", 1, 3, &[("min.insync.replicas", "2")]);
        add_client(&mut world, "c");
        produce(&mut world, "c", "t", 0, "before", acks);
        run_ms(&mut world, 1_000);
        let old = leader(&world, "t", 0).expect("a leader");
        pause_broker(&mut world, old);
        assert!(world.is_paused(&Endpoint::Broker(old)));
        run_ms(&mut world, 3_000);
        // The client's metadata still names the paused broker: the request waits in its
        // socket, unread.
        produce(&mut world, "c", "t", 0, "to-the-zombie", acks);
        run_ms(&mut world, 12_000);
        assert_eq!(
            outcome_of(&world, "to-the-zombie"),
            Outcome::Pending,
            "nothing answers while paused"
        );
        let new = leader(&world, "t", 0).expect("a new leader");
        assert_ne!(
            new, old,
            "the paused broker was fenced and lost its leadership"
        );
        assert!(!isr(&world, "t", 0).contains(&old));
        assert!(
            world.events().iter().any(
                |e| matches!(&e.kind, EventKind::BrokerFenced { broker, .. } if *broker == old)
            )
        );
        resume_broker(&mut world, old);
        run_ms(&mut world, 40_000);
        let zombie_write = outcome_of(&world, "to-the-zombie");
        let lost: Vec<_> = check(&world)
            .into_iter()
            .filter(|v| v.anomaly == Anomaly::LostWrite)
            .collect();
        if acks == 1 {
            assert!(
                matches!(zombie_write, Outcome::Acked { .. }),
                "{zombie_write:?}"
            );
            assert_eq!(lost.len(), 1, "the zombie's acks=1 write is lost: {lost:?}");
        } else {
            assert!(
                matches!(zombie_write, Outcome::Failed { .. }),
                "seed {seed}: {zombie_write:?}"
            );
            assert!(lost.is_empty(), "seed {seed}: {lost:?}");
        }
        assert!(
            log_values(&world, old, "t", 0)
                .iter()
                .all(|(_, v)| v != "to-the-zombie"),
            "the zombie truncated what only it had"
        );
        assert_eq!(isr(&world, "t", 0).len(), 3, "it rejoins as a follower");
    }
}

/// A transactional producer frozen mid-transaction is replaced by a new instance with its
/// `transactional.id`: InitProducerId bumps the epoch and aborts the open transaction. When the
/// zombie wakes, what it still sends and its commit are fenced (PRODUCER_FENCED); nothing it
/// wrote is ever committed, and only the successor's transaction is read.
#[test]
fn a_paused_transactional_producer_is_fenced_by_its_successor() {
    let mut world = cluster(21);
    world.record_trace_lines();
    create_topic(&mut world, "t", 1, 3, &[("min.insync.replicas", "2")]);
    zombie_to_be(&mut world);
    // Frozen within linger.ms: the batch is still in its accumulator.
    pause_client(&mut world, "p");
    assert_eq!(
        world.apply(Command::Transaction {
            producer: "p".to_owned(),
            action: TxnAction::Commit,
        }),
        Err(kafka_sim::CommandError::Paused(
            Endpoint::Client("p".to_owned()),
            "paused (kill -STOP): resume it first"
        )),
        "a frozen application calls nothing"
    );
    run_ms(&mut world, 1_000);
    add_producer(&mut world, "p2", &[("transactional.id", "tx")]);
    txn(&mut world, "p2", TxnAction::Init);
    run_ms(&mut world, 3_000);
    txn(&mut world, "p2", TxnAction::Begin);
    send(&mut world, "p2", "t", Some("k"), "successor");
    txn(&mut world, "p2", TxnAction::Commit);
    run_ms(&mut world, 3_000);
    resume_client(&mut world, "p");
    run_ms(&mut world, 2_000);
    // Its held batch goes out with the old epoch: the leader refuses it (KIP-890's implicit
    // AddPartitions makes it a produce error, INVALID_PRODUCER_EPOCH), an abortable error
    // (KIP-588), so Java's commitTransaction() rethrows InvalidProducerEpochException and only
    // an abort is allowed; the abort's EndTxn meets the new epoch at the coordinator:
    // PRODUCER_FENCED, fatal.
    assert!(
        traced(&world, "InvalidProducerEpoch"),
        "the leader refused the zombie's epoch"
    );
    txn(&mut world, "p", TxnAction::Commit);
    run_ms(&mut world, 2_000);
    let Outcome::Exception { message } = last_call(&world, "p", TxnAction::Commit) else {
        panic!("the zombie's commit must fail");
    };
    assert!(
        message.starts_with("InvalidProducerEpochException: Producer with transactionalId 'tx' and ProducerIdAndEpoch(producerId=")
            && message.ends_with(") attempted to produce with an old epoch"),
        "{message}"
    );
    txn(&mut world, "p", TxnAction::Abort);
    run_ms(&mut world, 5_000);
    let Outcome::Exception { message } = last_call(&world, "p", TxnAction::Abort) else {
        panic!("the zombie's abort must fail");
    };
    assert!(message.contains("ProducerFencedException"), "{message}");
    let read = read_committed(&mut world, "t");
    assert_eq!(read, ["successor"]);
    let anomalies = check(&world);
    assert!(anomalies.is_empty(), "{anomalies:?}");
}

/// KIP-890's verification. The zombie's held batch was for a topic deleted and created again
/// while it slept, so the new partition's leader has no state for its producer id and no
/// newer epoch to fence it with. The leader asks the transaction coordinator first, which
/// answers PRODUCER_FENCED (INVALID_PRODUCER_EPOCH to the producer). Without the question the
/// batch opened a transaction there that no marker of its own closed, and the successor's next
/// COMMIT on that partition made the zombie's record visible to read_committed readers.
#[test]
fn a_zombies_batch_to_a_partition_with_no_state_of_it_is_refused_by_verification() {
    let mut world = cluster(21);
    world.record_trace_lines();
    create_topic(&mut world, "t", 1, 3, &[("min.insync.replicas", "2")]);
    create_topic(&mut world, "u", 1, 3, &[("min.insync.replicas", "2")]);
    zombie_to_be(&mut world);
    pause_client(&mut world, "p");
    let name = "t".to_owned();
    world.apply(Command::DeleteTopic { name }).expect("topic t");
    run_ms(&mut world, 3_000);
    // The successor's InitProducerId aborts the zombie's transaction, whose partition is gone.
    add_producer(&mut world, "p2", &[("transactional.id", "tx")]);
    txn(&mut world, "p2", TxnAction::Init);
    run_ms(&mut world, 3_000);
    create_topic(&mut world, "t", 1, 3, &[("min.insync.replicas", "2")]);
    run_ms(&mut world, 3_000);
    resume_client(&mut world, "p");
    run_ms(&mut world, 5_000);
    assert!(
        traced(&world, "InvalidProducerEpoch"),
        "the leader refused the zombie's batch"
    );
    txn(&mut world, "p2", TxnAction::Begin);
    send(&mut world, "p2", "t", Some("k"), "successor");
    txn(&mut world, "p2", TxnAction::Commit);
    run_ms(&mut world, 3_000);
    let read = read_committed(&mut world, "t");
    assert_eq!(
        read,
        ["successor"],
        "only the successor's record is committed"
    );
}

/// A consumer frozen past `session.timeout.ms` (heartbeat thread included, unlike
/// `stall_consumer`) is removed from its group; its partitions go to the other member. When it
/// wakes, its commit carries the old member id and generation: refused (UNKNOWN_MEMBER_ID or
/// ILLEGAL_GENERATION, a CommitFailedException to the application), and it rejoins.
#[test]
fn a_paused_consumer_past_its_session_is_refused_and_rejoins() {
    let mut world = cluster(31);
    world.record_trace_lines();
    create_topic(&mut world, "t", 2, 3, &[]);
    let configs = [
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
    ];
    add_consumer(&mut world, "a", "g", &["t"], &configs);
    add_consumer(&mut world, "b", "g", &["t"], &configs);
    run_ms(&mut world, 10_000);
    assert_eq!(owned(&world, "a").len(), 1);
    let (_, generation_before, _, _) = membership(&world, "a");
    pause_client(&mut world, "a");
    run_ms(&mut world, 60_000);
    assert_eq!(owned(&world, "b").len(), 2, "b took over a's partition");
    assert_eq!(
        owned(&world, "a").len(),
        1,
        "a, frozen, still believes it owns one"
    );
    resume_client(&mut world, "a");
    world
        .apply(Command::CommitSync {
            consumer: "a".to_owned(),
        })
        .expect("running consumer");
    run_ms(&mut world, 30_000);
    let commits: Vec<Outcome> = world
        .consumers()
        .find(|(c, _)| c.name() == "a")
        .map(|(c, _)| c.history().iter().map(|op| op.outcome.clone()).collect())
        .unwrap_or_default();
    assert!(
        commits.iter().any(|o| matches!(o, Outcome::Exception { message } if message.starts_with("CommitFailedException"))),
        "{commits:?}"
    );
    assert!(traced(&world, "UnknownMemberId") || traced(&world, "IllegalGeneration"));
    let (_, generation_after, state, _) = membership(&world, "a");
    assert!(
        generation_after > generation_before,
        "a rejoined in a later generation"
    );
    assert_eq!(state, kafka_sim::consumer::MemberState::Stable);
    assert_eq!(owned(&world, "a").len() + owned(&world, "b").len(), 2);
    let anomalies: Vec<_> = check(&world)
        .into_iter()
        .filter(|v| v.anomaly == Anomaly::SplitOwnership)
        .collect();
    assert!(anomalies.is_empty(), "{anomalies:?}");
}

/// A static member (`group.instance.id`) frozen while a new instance with its id joins: the
/// coordinator gives the id to the newcomer, and the zombie's next request is refused with
/// FENCED_INSTANCE_ID, which is fatal to it, as in Java.
#[test]
fn a_paused_static_member_replaced_by_a_new_instance_is_fenced() {
    let mut world = cluster(41);
    world.record_trace_lines();
    create_topic(&mut world, "t", 2, 3, &[]);
    add_consumer(&mut world, "a", "g", &["t"], &[("group.instance.id", "i1")]);
    run_ms(&mut world, 10_000);
    pause_client(&mut world, "a");
    add_consumer(
        &mut world,
        "a2",
        "g",
        &["t"],
        &[("group.instance.id", "i1")],
    );
    run_ms(&mut world, 10_000);
    assert_eq!(owned(&world, "a2").len(), 2);
    resume_client(&mut world, "a");
    run_ms(&mut world, 10_000);
    assert!(traced(&world, "FencedInstanceId"));
    let fatal = world
        .consumers()
        .find(|(c, _)| c.name() == "a")
        .is_some_and(|(c, _)| {
            c.history().iter().any(|op| {
                matches!(&op.outcome, Outcome::Exception { message } if message.starts_with("FencedInstanceIdException"))
            })
        });
    assert!(
        fatal,
        "the zombie's poll() throws FencedInstanceIdException"
    );
    assert_eq!(
        owned(&world, "a2").len(),
        2,
        "the new instance keeps its partitions"
    );
}

/// The replaced static member's commit, sent the moment it wakes (before any heartbeat could
/// tell it), is refused FENCED_INSTANCE_ID: OffsetCommit carries `group.instance.id`, the
/// coordinator sees another member id holding it, and `commitSync()` throws
/// FencedInstanceIdException (not CommitFailedException); nothing of it is stored.
#[test]
fn a_replaced_static_members_commit_is_fenced() {
    let mut world = cluster(42);
    create_topic(&mut world, "t", 2, 3, &[]);
    add_client(&mut world, "loader");
    for i in 0..4 {
        produce(&mut world, "loader", "t", i % 2, &format!("r{i}"), -1);
    }
    let configs = [
        ("group.instance.id", "i1"),
        ("enable.auto.commit", "false"),
        ("auto.offset.reset", "earliest"),
        ("app.processing.ms", "0"),
    ];
    add_consumer(&mut world, "a", "g", &["t"], &configs);
    run_ms(&mut world, 10_000);
    assert_eq!(processed(&world, "a").len(), 4);
    pause_client(&mut world, "a");
    add_consumer(&mut world, "a2", "g", &["t"], &configs);
    run_ms(&mut world, 10_000);
    assert_eq!(owned(&world, "a2").len(), 2);
    resume_client(&mut world, "a");
    world
        .apply(Command::CommitSync {
            consumer: "a".to_owned(),
        })
        .expect("a commit");
    run_ms(&mut world, 5_000);
    let (a, _) = world.consumers().find(|(c, _)| c.name() == "a").expect("a");
    let commit = a
        .history()
        .iter()
        .find(|op| matches!(&op.request, kafka_sim::Request::Commit { .. }))
        .expect("the commit");
    assert!(
        matches!(&commit.outcome, Outcome::Exception { message } if message.starts_with("FencedInstanceIdException")),
        "{:?}",
        commit.outcome
    );
    assert!(a.is_closed(), "fatal: the zombie stops");
    let stored = world
        .groups()
        .into_iter()
        .find(|(_, g)| g.id == "g")
        .map(|(_, g)| g.offsets.clone())
        .unwrap_or_default();
    assert!(
        stored.is_empty(),
        "nothing of the zombie's stored: {stored:?}"
    );
    assert_eq!(
        owned(&world, "a2").len(),
        2,
        "the new instance keeps its partitions"
    );
}

/// Refusals: pausing what is paused or down, resuming what runs; killing a paused process
/// works (`kill -9` ends a stopped process), and it restarts fresh.
#[test]
fn pause_and_resume_refuse_what_makes_no_sense() {
    let mut world = cluster(51);
    add_client(&mut world, "c");
    pause_broker(&mut world, 2);
    let again = world.apply(Command::PauseBroker { broker: 2 });
    assert_eq!(
        again.expect_err("paused").to_string(),
        "broker 2 is already paused"
    );
    let shutdown = world.apply(Command::ShutdownBroker { broker: 2 });
    assert!(
        shutdown.is_err(),
        "a frozen broker cannot shut down cleanly"
    );
    world
        .apply(Command::CrashBroker {
            broker: 2,
            kind: Default::default(),
        })
        .expect("kill -9 ends a paused process");
    assert!(!world.is_paused(&Endpoint::Broker(2)));
    let down = world.apply(Command::PauseBroker { broker: 2 });
    assert_eq!(down.expect_err("down").to_string(), "broker 2 is down");
    let running = world.apply(Command::ResumeClient {
        name: "c".to_owned(),
    });
    assert_eq!(
        running.expect_err("running").to_string(),
        "client c is not paused"
    );
    let unknown = world.apply(Command::PauseClient {
        name: "nobody".to_owned(),
    });
    assert!(unknown.is_err());
    world
        .apply(Command::RestartBroker { broker: 2 })
        .expect("down");
    run_ms(&mut world, 2_000);
    assert!(world.view().brokers.iter().all(|b| b.status() == "online"));
}

/// Nothing paused, nothing changed: a pause and an immediate resume with nothing due in
/// between leave the run as it was.
#[test]
fn an_instant_pause_changes_nothing() {
    let run = |pause: bool| {
        let mut world = cluster(61);
        create_topic(&mut world, "t", 1, 3, &[]);
        add_client(&mut world, "c");
        if pause {
            pause_client(&mut world, "c");
            resume_client(&mut world, "c");
        }
        produce(&mut world, "c", "t", 0, "v", -1);
        run_ms(&mut world, 5_000);
        world.trace().hash()
    };
    assert_eq!(run(false), run(true));
}

/// "Why?" on the new leader leads back through the fencing to the pause.
#[test]
fn a_leader_change_after_a_pause_is_explained_by_the_pause() {
    let mut world = cluster(71);
    create_topic(&mut world, "t", 1, 3, &[]);
    let old = leader(&world, "t", 0).expect("led");
    pause_broker(&mut world, old);
    run_ms(&mut world, 15_000);
    let chain = causes_of_leader_change_from(&world, old);
    assert!(
        matches!(&chain[0], EventKind::BrokerFenced { broker, .. } if *broker == old),
        "{chain:?}"
    );
    assert!(
        matches!(&chain[1], EventKind::ProcessPaused { endpoint } if *endpoint == Endpoint::Broker(old)),
        "{chain:?}"
    );
}

/// A producer's process dies while the leader it sent to is paused, and a new process of it
/// starts and sends to the same leader. Its correlation ids start again from 1, so when the
/// leader wakes and answers the old process's request, the answer carries an id the new
/// process is waiting on. In Kafka that answer goes nowhere (the connection it was asked on
/// died with the old process); a new process must never take it as the answer to its own
/// send, which would acknowledge its record at the old record's offset.
#[test]
fn a_restarted_producer_never_takes_an_answer_meant_for_its_predecessor() {
    let send_to = |world: &mut World, partition: u32, value: &str| {
        let record = kafka_sim::producer::ProducerRecord {
            topic: "t".into(),
            partition: Some(partition),
            value: Some(value.into()),
            ..kafka_sim::producer::ProducerRecord::default()
        };
        let producer = "p".into();
        world
            .apply(Command::Send { producer, record })
            .expect("producer exists");
    };
    for seed in 1..=10 {
        let mut world = cluster(seed);
        create_topic(&mut world, "t", 3, 1, &[]);
        // A partition led by another broker than the one the producer asks for metadata
        // (its first bootstrap broker), so the new process learns where to send while the
        // leader sleeps.
        let (partition, leader) = (0..3)
            .map(|p| (p, leader(&world, "t", p).expect("a leader")))
            .find(|&(_, broker)| broker != 1)
            .expect("three partitions on three brokers");
        let config = [("enable.idempotence", "false"), ("acks", "1")];
        add_producer(&mut world, "p", &config);
        send_to(&mut world, partition, "warm-up");
        run_ms(&mut world, 1_000);
        pause_broker(&mut world, leader);
        send_to(&mut world, partition, "from the dead process");
        run_ms(&mut world, 50);
        crash_client(&mut world, "p");
        world
            .apply(Command::RestartClient { name: "p".into() })
            .expect("crashed producer");
        send_to(&mut world, partition, "first of the new process");
        run_ms(&mut world, 50);
        send_to(&mut world, partition, "second of the new process");
        run_ms(&mut world, 500);
        resume_broker(&mut world, leader);
        run_ms(&mut world, 5_000);
        let log = log_values(&world, leader, "t", partition);
        for value in ["first of the new process", "second of the new process"] {
            let Outcome::Acked { offset, .. } = outcome_of(&world, value) else {
                panic!(
                    "seed {seed}: {value} not acknowledged: {:?}",
                    outcome_of(&world, value)
                );
            };
            assert!(
                log.contains(&(offset, value.to_owned())),
                "seed {seed}: {value} acknowledged at offset {offset}, but the log is {log:?}"
            );
        }
        let found = check(&world);
        assert!(found.is_empty(), "seed {seed}: {found:#?}");
    }
}

/// A broker frozen while it starts has no socket listening yet, so the host refuses
/// connections at once, as for a dead process: clients move on to the other brokers instead of
/// waiting for the frozen one. (They used to wait until it resumed, for requests the world
/// held as if a running broker's kernel had accepted them.)
#[test]
fn a_broker_paused_before_it_listens_is_refused_not_waited_for() {
    let seed = 5;
    println!("seed {seed}");
    let mut world = cluster(seed);
    create_topic(&mut world, "orders", 3, 3, &[]);
    run_ms(&mut world, 1_000);
    crash_broker(&mut world, 1);
    run_ms(&mut world, 12_000);
    world
        .apply(Command::RestartBroker { broker: 1 })
        .expect("down");
    world
        .apply(Command::PauseBroker { broker: 1 })
        .expect("starting");
    assert_eq!(
        world.view().brokers[0].state.kafka_name(),
        "STARTING",
        "seed {seed}: frozen before it opened its listeners"
    );
    let producers: Vec<String> = (0..6).map(|i| format!("p{i}")).collect();
    for name in &producers {
        add_producer(&mut world, name, &[]);
        send(&mut world, name, "orders", Some(name), "v");
    }
    run_ms(&mut world, 3_000);
    for name in &producers {
        let producer = world.producers().find(|p| p.name() == name).expect("added");
        let outcomes: Vec<_> = producer
            .history()
            .iter()
            .map(|op| op.outcome.clone())
            .collect();
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Acked { .. })),
            "seed {seed}: {name}'s send waited for the frozen broker: {outcomes:?}"
        );
    }
}
