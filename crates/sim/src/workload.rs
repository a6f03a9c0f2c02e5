//! The benchmark workload of issue 17, as one piece of code that the native bench
//! (`benches/workload.rs`), the wasm build (`crates/bench-wasm`) and the command line
//! (`kafka-sim workload`) all run, so their figures are of the same run: keyed 100-byte
//! records produced with acks=all, idempotence, linger.ms=5 and the default batch.size to a
//! topic with RF=3 and min.insync.replicas=2, then read by one consumer group. The run keeps
//! its whole history, as any run does, so [`crate::check::check`] can still judge it.
//!
//! It is built from commands only (the World's public API), so it measures what a scenario
//! or the page would pay, and it follows the engine's representation as that changes.
//!
//! Produce and consume are two phases, as the peer comparison (librdkafka's mock cluster)
//! measures them: the producer sends every record and sees it acknowledged, then the group
//! reads them all. End to end is the two together.

use crate::chunked::Chunked;
use crate::client::{Operation, Outcome};
use crate::{ClusterConfig, Command, CommandError, CreateTopic, SimDuration, SimTime, World};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The topic the records go to.
pub const TOPIC: &str = "workload";
/// The consumer group (`group.id`) that reads them.
pub const GROUP: &str = "workload";
/// The producer's `client.id`.
pub const PRODUCER: &str = "workload-producer";
/// The consumer's `client.id`.
pub const CONSUMER: &str = "workload-consumer";
/// Bytes of each record's value (the key is the record's number as text).
pub const VALUE_BYTES: usize = 100;
/// Records the application sends per millisecond of virtual time: 100,000 a second, enough
/// that linger.ms=5 fills batches near batch.size on the 3-broker topic without the
/// producer's `buffer.memory` ever blocking a send.
pub const RECORDS_PER_MS: u32 = 100;
/// The seed every run of the workload uses, so every run is the same run.
pub const SEED: u64 = 7;
/// Virtual time allowed for the last sends to be acknowledged or the last records read; a
/// healthy cluster needs milliseconds, so running out of it means the run went wrong.
const SETTLE_LIMIT: SimDuration = SimDuration::from_millis(60_000);

/// The workload's size: the cluster, the topic, how many records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Brokers in the cluster (at least 3, for RF=3).
    pub brokers: u32,
    /// Partitions of the topic.
    pub partitions: u32,
    /// Records produced and read.
    pub records: u32,
}

impl Workload {
    /// Three brokers and a topic of 4 partitions: the shape the peer's mock cluster was
    /// measured with in issue 17.
    pub fn three_brokers(records: u32) -> Self {
        Workload {
            brokers: 3,
            partitions: 4,
            records,
        }
    }

    /// Twelve brokers and a topic of 100 partitions.
    pub fn twelve_brokers(records: u32) -> Self {
        Workload {
            brokers: 12,
            partitions: 100,
            records,
        }
    }

    /// The whole run: produce, then read.
    pub fn run(&self) -> Result<World, CommandError> {
        self.consume(self.produce()?)
    }

    /// A cluster of [`Workload::brokers`] with the topic, and every record produced and
    /// acknowledged. A bad shape (fewer than 3 brokers, no partitions) is refused as Kafka
    /// refuses the topic.
    pub fn produce(&self) -> Result<World, CommandError> {
        let config = ClusterConfig {
            brokers: self.brokers,
            ..ClusterConfig::default()
        };
        let mut world = World::new(&config, SEED);
        // The brokers register and the controller unfences them.
        world.run_for(SimDuration::from_millis(500));
        world.apply(Command::CreateTopic(CreateTopic {
            name: TOPIC.to_owned(),
            partitions: i32::try_from(self.partitions).unwrap_or(i32::MAX),
            replication_factor: 3,
            configs: properties(&[("min.insync.replicas", "2")]),
            replica_assignment: None,
        }))?;
        world.apply(Command::AddProducer {
            name: PRODUCER.to_owned(),
            // Kafka 4.x's defaults, said out loud so a change of default cannot change the
            // workload: acks=all and idempotence; batch.size stays the default 16384.
            config: properties(&[
                ("acks", "all"),
                ("enable.idempotence", "true"),
                ("linger.ms", "5"),
            ]),
        })?;
        world.run_for(SimDuration::from_millis(200));
        let topic: Rc<str> = Rc::from(TOPIC);
        let producer: Rc<str> = Rc::from(PRODUCER);
        let mut sent = 0;
        while sent < self.records {
            let burst = RECORDS_PER_MS.min(self.records - sent);
            for number in sent..sent + burst {
                world.apply(Command::Send {
                    producer: Rc::clone(&producer),
                    record: crate::producer::ProducerRecord {
                        topic: Rc::clone(&topic),
                        key: Some(key(number)),
                        value: Some(value(number)),
                        ..Default::default()
                    },
                })?;
            }
            sent += burst;
            world.run_for(SimDuration::from_millis(1));
        }
        let deadline = world.now() + SETTLE_LIMIT;
        while !all_completed(&world) {
            assert!(
                world.now() < deadline,
                "{self:?}: sends still unacknowledged at {}, {} of {} acknowledged",
                world.now(),
                records_acked(&world),
                self.records
            );
            world.run_for(SimDuration::from_millis(5));
        }
        Ok(world)
    }

    /// The group reads every record `produce` wrote, from the beginning (one consumer,
    /// auto commit, no processing time).
    pub fn consume(&self, mut world: World) -> Result<World, CommandError> {
        world.apply(Command::AddConsumer {
            name: CONSUMER.to_owned(),
            config: properties(&[
                ("group.id", GROUP),
                ("auto.offset.reset", "earliest"),
                ("app.processing.ms", "0"),
            ]),
            topics: vec![TOPIC.to_owned()],
            partitions: Vec::new(),
        })?;
        let deadline = world.now() + SETTLE_LIMIT;
        let (mut read, mut scanned) = (0, 0);
        while read < self.records as usize {
            assert!(
                world.now() < deadline,
                "{self:?}: {read} of {} records read at {}",
                self.records,
                world.now()
            );
            world.run_for(SimDuration::from_millis(5));
            // A poll's records are in its outcome from the moment it returns, so only the
            // polls since the last look need counting.
            if let Some(history) = consumer_history(&world) {
                read += history.iter_from(scanned).map(polled).sum::<usize>();
                scanned = history.len();
            }
        }
        Ok(world)
    }
}

/// The value of record `number`: its number, zero-padded to [`VALUE_BYTES`], so every value
/// is distinct (the checker tells records apart by value) and exactly 100 bytes.
///
/// Written on the stack and copied once into its `Rc`, as a streamed record's value is (the
/// bench times this for every record it sends): through a `String` it took three allocations
/// and frees, a tenth of the workload's instructions with the key's two.
pub fn value(number: u32) -> Rc<str> {
    let mut bytes = [b'0'; VALUE_BYTES];
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(number).as_bytes();
    bytes[VALUE_BYTES - digits.len()..].copy_from_slice(digits);
    Rc::from(std::str::from_utf8(&bytes).expect("ASCII digits are UTF-8"))
}

/// The key of record `number`: its number in decimal, in one allocation.
fn key(number: u32) -> Rc<str> {
    Rc::from(itoa::Buffer::new().format(number))
}

/// Records the group's polls returned.
pub fn records_read(world: &World) -> usize {
    consumer_history(world).map_or(0, |history| history.iter().map(polled).sum())
}

/// Sends the broker acknowledged.
pub fn records_acked(world: &World) -> usize {
    producer_history(world).map_or(0, |history| {
        history
            .iter()
            .filter(|op| matches!(op.outcome, Outcome::Acked { .. }))
            .count()
    })
}

fn polled(op: &Operation) -> usize {
    match &op.outcome {
        Outcome::Polled { records, .. } => records.len(),
        _ => 0,
    }
}

fn properties(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn producer_history(world: &World) -> Option<&Chunked<Operation>> {
    world
        .producers()
        .find(|p| p.name() == PRODUCER)
        .map(|p| p.history())
}

fn consumer_history(world: &World) -> Option<&Chunked<Operation>> {
    world
        .consumers()
        .find(|(c, _)| c.name() == CONSUMER)
        .map(|(c, _)| c.history())
}

/// Whether every send has its outcome: nothing left in the producer's pipeline, and no send
/// pending (one still blocked on metadata is in neither).
fn all_completed(world: &World) -> bool {
    let Some(producer) = world.producers().find(|p| p.name() == PRODUCER) else {
        return true;
    };
    let (batches, in_flight) = producer.pipeline();
    batches.is_empty()
        && in_flight == 0
        && producer
            .history()
            .iter()
            .rev()
            .all(|op| op.completed_at.is_some())
}

/// How long the run lasted in virtual time (what the cluster would have taken).
pub fn virtual_duration(world: &World) -> SimDuration {
    world.now() - SimTime::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run is clean by the checker's rules, every record is acknowledged once and read
    /// once, and the producer batched (linger.ms=5 at 100 records a millisecond).
    #[test]
    fn a_small_run_checks_clean_and_every_record_is_read() {
        for workload in [
            Workload::three_brokers(2_000),
            Workload::twelve_brokers(500),
        ] {
            let world = workload.run().expect("a valid workload");
            let violations = crate::check::check(&world);
            assert!(violations.is_empty(), "{workload:?}: {violations:?}");
            assert_eq!(records_acked(&world), workload.records as usize);
            assert_eq!(records_read(&world), workload.records as usize);
            // Unbatched, each record would take at least four messages (Produce, the
            // followers' fetches, the response); batched, the whole run takes fewer
            // messages than it has records.
            let messages = world.stats().messages_sent;
            assert!(
                workload.brokers > 3 || messages < u64::from(workload.records),
                "{workload:?}: {messages} messages for {} records: not batched",
                workload.records
            );
        }
    }

    #[test]
    fn values_are_distinct_and_100_bytes() {
        for number in [0, 1, 9, 10, 4_294, 99_999, u32::MAX] {
            assert_eq!(&*key(number), number.to_string(), "the key is the number");
        }
        assert_eq!(value(0).len(), VALUE_BYTES);
        assert_eq!(value(u32::MAX).len(), VALUE_BYTES);
        assert_ne!(value(1), value(10));
        for number in [0, 7, 10, 99_999, u32::MAX] {
            assert_eq!(
                &*value(number),
                format!("{number:0>width$}", width = VALUE_BYTES),
                "the value of record {number} is its number, zero-padded"
            );
        }
    }

    /// Kafka refuses a replication factor above the brokers there are.
    #[test]
    fn two_brokers_cannot_hold_rf3() {
        let error = Workload {
            brokers: 2,
            partitions: 1,
            records: 1,
        }
        .produce()
        .expect_err("RF=3 on 2 brokers");
        assert!(
            error.to_string().contains("INVALID_REPLICATION_FACTOR")
                || error.to_string().contains("replication factor"),
            "{error}"
        );
    }
}
