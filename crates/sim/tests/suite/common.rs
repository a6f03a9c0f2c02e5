//! Helpers shared by the scenario tests: a started cluster, topic creation, clients, and
//! reading outcomes back from the world.
#![allow(dead_code)] // Each test binary uses a different subset.

use kafka_sim::{
    ClusterConfig, Command, CreateTopic, Outcome, Request, SimDuration, TopicPartition, World,
};
use std::collections::BTreeMap;

/// A three-broker cluster that has registered and unfenced every broker.
pub fn cluster(seed: u64) -> World {
    let mut world = World::new(&ClusterConfig::default(), seed);
    world.run_for(SimDuration::from_millis(500));
    world
}

/// Sends CreateTopics; Kafka's refusal comes back as its printed form.
pub fn try_create_topic(
    world: &mut World,
    name: &str,
    partitions: i32,
    rf: i32,
    configs: &[(&str, &str)],
) -> Result<(), String> {
    let configs: BTreeMap<String, String> = configs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let request = CreateTopic {
        name: name.to_owned(),
        partitions,
        replication_factor: rf,
        configs,
        replica_assignment: None,
    };
    world
        .apply(Command::CreateTopic(request))
        .map_err(|e| e.to_string())
}

/// Creates a topic and waits until every broker has learned it.
pub fn create_topic(
    world: &mut World,
    name: &str,
    partitions: i32,
    rf: i32,
    configs: &[(&str, &str)],
) {
    try_create_topic(world, name, partitions, rf, configs).expect("valid topic");
    world.run_for(SimDuration::from_millis(200));
}

pub fn run_ms(world: &mut World, ms: u64) {
    world.run_for(SimDuration::from_millis(ms));
}

pub fn add_client(world: &mut World, name: &str) {
    world
        .apply(Command::AddClient {
            name: name.to_owned(),
        })
        .expect("new client");
}

pub fn produce(
    world: &mut World,
    client: &str,
    topic: &str,
    partition: u32,
    value: &str,
    acks: i16,
) {
    let request = Request::Produce {
        topic: topic.to_owned(),
        partition: Some(partition),
        key: None,
        value: value.to_owned(),
        acks,
    };
    world
        .apply(Command::Client {
            client: client.to_owned(),
            request,
        })
        .expect("client exists");
}

pub fn fetch(world: &mut World, client: &str, topic: &str, partition: u32, offset: u64) {
    let request = Request::Fetch {
        topic: topic.to_owned(),
        partition,
        offset,
    };
    world
        .apply(Command::Client {
            client: client.to_owned(),
            request,
        })
        .expect("client exists");
}

/// The outcome of the `n`th operation overall.
pub fn outcome(world: &World, n: usize) -> Outcome {
    world.operations()[n].outcome.clone()
}

/// The last operation's outcome.
pub fn last_outcome(world: &World) -> Outcome {
    world
        .operations()
        .last()
        .expect("an operation")
        .outcome
        .clone()
}

/// The partition's leader according to the controller.
pub fn leader(world: &World, topic: &str, partition: u32) -> Option<u32> {
    world
        .metadata()
        .partition(&TopicPartition::new(topic, partition))
        .and_then(|s| s.leader)
}

/// The event log's text of each cause ("why?") of event `index`, nearest first.
pub fn cause_texts(world: &World, index: usize) -> Vec<String> {
    let events = world.events();
    kafka_sim::cause_chain(events, index)
        .into_iter()
        .map(|i| events[i].kind.to_string())
        .collect()
}

/// The cause chain ("why?") of the last leader change away from `old`, newest cause first.
pub fn causes_of_leader_change_from(world: &World, old: u32) -> Vec<kafka_sim::EventKind> {
    let events = world.events();
    let election = events
        .iter()
        .rposition(|e| {
            matches!(&e.kind, kafka_sim::EventKind::LeaderChanged { from: Some(b), .. } if *b == old)
        })
        .expect("a new leader");
    kafka_sim::cause_chain(events, election)
        .into_iter()
        .map(|i| events[i].kind.clone())
        .collect()
}

pub fn isr(world: &World, topic: &str, partition: u32) -> Vec<u32> {
    world
        .metadata()
        .partition(&TopicPartition::new(topic, partition))
        .map(|s| s.isr.clone())
        .unwrap_or_default()
}

/// Values in a broker's replica log, in offset order.
pub fn log_values(world: &World, broker: u32, topic: &str, partition: u32) -> Vec<(u64, String)> {
    world
        .replica_log(broker, &TopicPartition::new(topic, partition))
        .map(|log| {
            log.records()
                .iter()
                .map(|r| (r.offset, r.data.value_text()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn high_watermark(world: &World, broker: u32, topic: &str, partition: u32) -> u64 {
    world
        .replica_log(broker, &TopicPartition::new(topic, partition))
        .map_or(0, |log| log.high_watermark())
}

pub fn followers(world: &World, topic: &str, partition: u32) -> Vec<u32> {
    let leader = leader(world, topic, partition);
    world
        .metadata()
        .partition(&TopicPartition::new(topic, partition))
        .map(|s| {
            s.replicas
                .iter()
                .copied()
                .filter(|&b| Some(b) != leader)
                .collect()
        })
        .unwrap_or_default()
}

/// Adds a consumer subscribed to `topics` in `group`, with extra Kafka or `app.*` configs.
pub fn add_consumer(
    world: &mut World,
    name: &str,
    group: &str,
    topics: &[&str],
    configs: &[(&str, &str)],
) {
    let mut config: BTreeMap<String, String> = configs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    config.insert("group.id".to_owned(), group.to_owned());
    world
        .apply(Command::AddConsumer {
            name: name.to_owned(),
            config,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            partitions: Vec::new(),
        })
        .expect("new consumer");
}

/// The partitions a consumer owns now.
pub fn owned(world: &World, consumer: &str) -> Vec<TopicPartition> {
    world
        .consumers()
        .find(|(c, _)| c.name() == consumer)
        .map(|(c, _)| c.owned().keys().cloned().collect())
        .unwrap_or_default()
}

/// Every (partition, offset, value) a consumer's application finished processing.
pub fn processed(world: &World, consumer: &str) -> Vec<(TopicPartition, u64, String)> {
    let Some((c, _)) = world.consumers().find(|(c, _)| c.name() == consumer) else {
        return Vec::new();
    };
    c.history()
        .iter()
        .flat_map(|op| op.outcome.processed_records())
        .map(|r| (r.tp.clone(), r.offset, r.value_text()))
        .collect()
}

/// Asserts that each of `members` owns `each` partitions and no partition has two of them as
/// owners: the group split its topics evenly.
pub fn assert_split_evenly(world: &World, members: &[&str], each: usize) {
    let mut owners: BTreeMap<TopicPartition, &str> = BTreeMap::new();
    for name in members {
        let mine = owned(world, name);
        assert_eq!(mine.len(), each, "{name} owns {mine:?}");
        for tp in mine {
            if let Some(other) = owners.insert(tp.clone(), name) {
                panic!("{tp} is owned by both {other} and {name}");
            }
        }
    }
}

/// Every (partition, offset, value) the applications of `consumers` finished processing,
/// sorted; fails if one of them was processed twice.
pub fn processed_once(world: &World, consumers: &[&str]) -> Vec<(TopicPartition, u64, String)> {
    let mut read: Vec<_> = consumers.iter().flat_map(|c| processed(world, c)).collect();
    read.sort();
    if let Some(twice) = read.windows(2).find(|pair| pair[0] == pair[1]) {
        panic!("{:?} processed twice", twice[0]);
    }
    read
}

/// Replays every ConsumerAssigned event and fails if a partition ever had two owners at once
/// (the guarantee revoke-before-assign gives, stronger than one owner per generation). A
/// crashed process owns nothing; a frozen one still believes it owns what it had, so runs
/// that pause a consumer past its session cannot use this.
pub fn assert_one_owner_at_a_time(world: &World) {
    let mut owner: BTreeMap<TopicPartition, String> = BTreeMap::new();
    for event in world.events() {
        match &event.kind {
            // A dead process owns nothing, though nobody has told the coordinator yet.
            kafka_sim::EventKind::ClientCrashed { name } => owner.retain(|_, o| o != name),
            kafka_sim::EventKind::ConsumerAssigned {
                consumer, assigned, ..
            } => {
                owner.retain(|_, o| o != consumer);
                for tp in assigned {
                    if let Some(other) = owner.insert(tp.clone(), consumer.clone()) {
                        panic!(
                            "{tp} given to {consumer} at {} while {other} still owned it",
                            event.at
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

/// Adds a producer with Kafka configs.
pub fn add_producer(world: &mut World, name: &str, config: &[(&str, &str)]) {
    let config: BTreeMap<String, String> = config
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    world
        .apply(Command::AddProducer {
            name: name.to_owned(),
            config,
        })
        .expect("valid config");
}

/// A producer's `send()` of one record.
pub fn send(world: &mut World, producer: &str, topic: &str, key: Option<&str>, value: &str) {
    send_record(world, producer, topic, value, |record| {
        record.key = key.map(Into::into)
    });
}

/// A producer's `send()` of one record to an explicit partition.
pub fn send_to_partition(
    world: &mut World,
    producer: &str,
    topic: &str,
    partition: u32,
    value: &str,
) {
    send_record(world, producer, topic, value, |record| {
        record.partition = Some(partition)
    });
}

fn send_record(
    world: &mut World,
    producer: &str,
    topic: &str,
    value: &str,
    shape: impl FnOnce(&mut kafka_sim::producer::ProducerRecord),
) {
    let mut record = kafka_sim::producer::ProducerRecord {
        topic: topic.into(),
        value: Some(value.into()),
        ..kafka_sim::producer::ProducerRecord::default()
    };
    shape(&mut record);
    world
        .apply(Command::Send {
            producer: producer.into(),
            record,
        })
        .expect("producer exists");
}

/// A broker's process dies (its log survives).
pub fn crash_broker(world: &mut World, broker: u32) {
    world
        .apply(Command::CrashBroker {
            broker,
            kind: kafka_sim::CrashKind::Process,
        })
        .expect("a running broker");
}

/// A client's, producer's or consumer's process dies.
pub fn crash_client(world: &mut World, name: &str) {
    world
        .apply(Command::CrashClient {
            name: name.to_owned(),
        })
        .expect("a running client");
}

/// A follower's fetches are delayed by `delay_ms` (0 makes it fast again).
pub fn slow_follower(world: &mut World, broker: u32, delay_ms: u64) {
    world
        .apply(Command::SlowFollower { broker, delay_ms })
        .expect("a broker");
}

/// The broker coordinating `group` now.
pub fn group_coordinator(world: &World, group: &str) -> u32 {
    world
        .groups()
        .into_iter()
        .find(|(_, g)| g.id == group)
        .map(|(broker, _)| broker)
        .expect("a coordinator")
}

/// Cuts (`cut`) or heals the link between a client and a broker.
pub fn client_link(world: &mut World, client: &str, broker: u32, cut: bool) {
    let (a, b) = (
        kafka_sim::Endpoint::Client(client.to_owned()),
        kafka_sim::Endpoint::Broker(broker),
    );
    let command = if cut {
        Command::CutLink { a, b }
    } else {
        Command::HealLink { a, b }
    };
    world.apply(command).expect("a client and a broker");
}

/// A transactional producer's call.
pub fn txn(world: &mut World, producer: &str, action: kafka_sim::client::TxnAction) {
    world
        .apply(Command::Transaction {
            producer: producer.to_owned(),
            action,
        })
        .expect("producer exists");
}

/// The outcome of the producer's last call of `action`.
pub fn last_call(world: &World, producer: &str, action: kafka_sim::client::TxnAction) -> Outcome {
    let p = world
        .producers()
        .find(|p| p.name() == producer)
        .expect("producer");
    p.history()
        .iter()
        .rev()
        .find(|op| matches!(&op.request, kafka_sim::Request::Transaction { action: a, .. } if *a == action))
        .map(|op| op.outcome.clone())
        .expect("called")
}

/// The last `commitSync()` (of the consumer's positions or of explicit offsets) a consumer made.
pub fn last_sync_commit(world: &World, consumer: &str) -> kafka_sim::client::Operation {
    let (c, _) = world
        .consumers()
        .find(|(c, _)| c.name() == consumer)
        .expect("the consumer");
    c.history()
        .iter()
        .rev()
        .find(|op| matches!(&op.request, kafka_sim::Request::Commit { kind, .. } if kind == "sync"))
        .expect("a commitSync")
        .clone()
}

/// A topic `t` of `partitions` partitions (RF 3) with `per_partition` records (`p<P>-<i>`) in
/// each, written and replicated before anyone reads.
pub fn loaded(seed: u64, partitions: u32, per_partition: u32) -> World {
    let mut world = cluster(seed);
    create_topic(&mut world, "t", partitions as i32, 3, &[]);
    add_client(&mut world, "loader");
    for p in 0..partitions {
        for i in 0..per_partition {
            produce(&mut world, "loader", "t", p, &format!("p{p}-{i}"), -1);
        }
    }
    run_ms(&mut world, 2_000);
    world
}

/// The two sides of the page's A/B preset whose name contains `name`.
pub fn ab_preset(name: &str) -> (kafka_sim::ab::Variant, kafka_sim::ab::Variant) {
    let (_, a, b) = kafka_sim::ab::presets()
        .into_iter()
        .find(|(preset, _, _)| preset.contains(name))
        .unwrap_or_else(|| panic!("no A/B preset named like {name:?}"));
    (a, b)
}

/// The page's A/B comparison of the run so far: replayed with `a`'s settings, then `b`'s.
pub fn ab_compare(
    world: &World,
    a: &kafka_sim::ab::Variant,
    b: &kafka_sim::ab::Variant,
) -> kafka_sim::ab::Comparison {
    kafka_sim::ab::compare(
        &ClusterConfig::default(),
        world.seed(),
        world.commands(),
        world.now(),
        a,
        b,
    )
}
