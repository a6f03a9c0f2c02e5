//! Time series for charts, derived from what the world already records (client operations,
//! events, logs), so they cost nothing while the simulation runs and replay with it.
//! Each series has one value per bucket of `bucket` virtual time, ending at the current bucket.

use crate::client::{Outcome, Request};
use crate::event::EventKind;
use crate::protocol::TopicPartition;
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use crate::topic::is_internal;
use crate::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One chart's values, oldest bucket first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Series {
    /// What is counted.
    pub title: String,
    /// The start of the first bucket.
    pub start: SimTime,
    /// The width of a bucket.
    pub bucket: SimDuration,
    /// One value per bucket.
    pub values: Vec<u64>,
}

impl Series {
    fn new(title: String, now: SimTime, bucket: SimDuration, buckets: usize) -> Self {
        let width = bucket.as_micros().max(1);
        let last_start = now.as_micros() / width * width;
        let first = last_start.saturating_sub(width * (buckets.max(1) as u64 - 1));
        let count = ((last_start - first) / width + 1) as usize;
        Series {
            title,
            start: SimTime::from_micros(first),
            bucket,
            values: vec![0; count],
        }
    }

    fn index(&self, at: SimTime) -> Option<usize> {
        let offset = at.as_micros().checked_sub(self.start.as_micros())?;
        let index = (offset / self.bucket.as_micros().max(1)) as usize;
        (index < self.values.len()).then_some(index)
    }

    /// The end of bucket `index` (the moment its value describes, for step series).
    fn bucket_end(&self, index: usize) -> SimTime {
        SimTime::from_micros(self.start.as_micros() + self.bucket.as_micros() * (index as u64 + 1))
    }

    /// The largest value.
    pub fn peak(&self) -> u64 {
        self.values.iter().copied().max().unwrap_or(0)
    }
}

/// Records acknowledged per bucket (by the moment the acknowledgement arrived).
pub fn acknowledged(world: &World, bucket: SimDuration, buckets: usize) -> Series {
    let mut series = Series::new(
        "records acknowledged".to_owned(),
        world.now(),
        bucket,
        buckets,
    );
    let invoked_since = series
        .start
        .as_micros()
        .saturating_sub(longest_send(world).as_micros());
    for op in world.operations_since(SimTime::from_micros(invoked_since)) {
        if let (Outcome::Acked { .. }, Some(at)) = (&op.outcome, op.completed_at)
            && let Some(index) = series.index(at)
        {
            series.values[index] += 1;
        }
    }
    series
}

/// Acknowledgements counted per second as the run goes, so the page's chart of them costs
/// what happened since its last frame rather than a reading of every send of the last
/// minutes (at 1,000 records a second, the minute shown and the three a send may wait are
/// 240,000 sends per frame). [`acknowledged_counted`] draws the same series as
/// [`acknowledged`] with one-second buckets.
///
/// The walk over the run's operations resumes at the oldest send still pending (only a
/// pending send can still be acknowledged); the sends after it already counted are
/// remembered, so none counts twice. A world earlier than the last update (a rewind) is
/// counted afresh, from the first bucket a chart of it shows.
#[derive(Clone, Debug, Default)]
pub struct AckCounts {
    /// The clock at the last update, if any.
    seen: Option<SimTime>,
    /// Where the walk resumes: operations invoked at `time`, after the first `lead` of them,
    /// which is the walk's `position`-th operation.
    time: SimTime,
    lead: usize,
    position: usize,
    /// Positions from `position` on already counted.
    counted: BTreeSet<usize>,
    /// Acknowledgements by the start of their second (microseconds).
    per_second: BTreeMap<u64, u64>,
}

impl AckCounts {
    /// Counts the acknowledgements since the last update, for charts whose first bucket is
    /// no earlier than `first` (older counts are dropped).
    pub fn update(&mut self, world: &World, first: SimTime) {
        let now = world.now();
        // Only a send that long before the first bucket can be acknowledged inside it.
        let since = SimTime::from_micros(
            first
                .as_micros()
                .saturating_sub(longest_send(world).as_micros()),
        );
        // Back in time, or so far ahead that nothing counted so far is shown: afresh.
        if self.seen.is_some_and(|seen| now < seen) || self.time < since {
            *self = AckCounts::default();
        }
        if self.seen.is_none() {
            self.time = since;
        }
        self.seen = Some(now);
        let second = LAG_SAMPLE_EVERY.as_micros();
        let (mut run_time, mut run_start) = (self.time, self.position - self.lead);
        let mut position = self.position;
        let mut resume: Option<(SimTime, usize, usize)> = None;
        let mut last_time = self.time;
        for op in world.operations_since(self.time).skip(self.lead) {
            if op.invoked_at != run_time {
                (run_time, run_start) = (op.invoked_at, position);
            }
            last_time = op.invoked_at;
            let send = matches!(op.request, Request::Send { .. } | Request::Produce { .. });
            match (&op.outcome, op.completed_at) {
                (Outcome::Pending, _) if send && resume.is_none() => {
                    resume = Some((op.invoked_at, position - run_start, position));
                }
                (Outcome::Acked { .. }, Some(at)) if !self.counted.contains(&position) => {
                    // Only what the next walk goes over again needs remembering: from the
                    // oldest send still pending on. Remembering every acknowledgement made a
                    // walk afresh (after a rewind: 240,000 sends of the busy cluster) cost
                    // 40 ms in the page, most of it in this set.
                    if resume.is_some() {
                        self.counted.insert(position);
                    }
                    *self
                        .per_second
                        .entry(at.as_micros() / second * second)
                        .or_default() += 1;
                }
                _ => {}
            }
            position += 1;
        }
        let (time, lead, at) = resume.unwrap_or((
            last_time,
            position
                - if last_time == run_time {
                    run_start
                } else {
                    position
                },
            position,
        ));
        (self.time, self.lead, self.position) = (time, lead, at);
        self.counted = self.counted.split_off(&at);
        self.per_second = self.per_second.split_off(&first.as_micros());
    }
}

/// Records acknowledged per second (by the moment the acknowledgement arrived), from `counts`
/// brought up to date with `world`: [`acknowledged`] with one-second buckets, at the cost of
/// what happened since the last update.
pub fn acknowledged_counted(world: &World, counts: &mut AckCounts, buckets: usize) -> Series {
    let mut series = Series::new(
        "records acknowledged".to_owned(),
        world.now(),
        LAG_SAMPLE_EVERY,
        buckets,
    );
    counts.update(world, series.start);
    let second = LAG_SAMPLE_EVERY.as_micros();
    for (index, value) in series.values.iter_mut().enumerate() {
        let start = series.start.as_micros() + second * index as u64;
        *value = counts.per_second.get(&start).copied().unwrap_or(0);
    }
    series
}

/// The longest a send can wait for its acknowledgement: a producer's `max.block.ms` for
/// metadata and room, then `delivery.timeout.ms` (KIP-91) for the rest, with `linger.ms` and
/// `request.timeout.ms` inside it; a plain client's request waits `request.timeout.ms`. Only
/// sends made that long before a chart's first bucket can be acknowledged inside it.
fn longest_send(world: &World) -> SimDuration {
    let forwarders = world
        .consumers()
        .filter_map(|(c, _)| Some(&c.forwarder()?.producer));
    world
        .producers()
        .chain(forwarders)
        .map(|p| p.config().max_block + p.config().delivery_timeout)
        // Plain clients are made with the default configuration.
        .chain([crate::client::ClientConfig::default().request_timeout])
        .max()
        .unwrap_or(SimDuration::ZERO)
}

/// Partitions with fewer in-sync replicas than replicas, at the end of each bucket.
pub fn under_replicated(world: &World, bucket: SimDuration, buckets: usize) -> Series {
    let mut series = Series::new(
        "under-replicated partitions".to_owned(),
        world.now(),
        bucket,
        buckets,
    );
    let replicas = replication_factors(world);
    let changes = isr_changes(world, &replicas);
    replay_per_partition(&mut series, &changes, |isr, _| {
        isr.iter()
            .filter(|(tp, size)| replicas.get(**tp).is_some_and(|r| **size < *r))
            .count() as u64
    });
    series
}

/// The smallest ISR of any partition at the end of each bucket: 1 means some partition is one
/// failure from going offline, and below `min.insync.replicas` acks=all stops.
pub fn smallest_isr(world: &World, bucket: SimDuration, buckets: usize) -> Series {
    let mut series = Series::new("smallest ISR".to_owned(), world.now(), bucket, buckets);
    let replicas = replication_factors(world);
    let changes = isr_changes(world, &replicas);
    replay_per_partition(&mut series, &changes, |isr, _| {
        // A partition whose ISR never changed still has all its replicas.
        replicas
            .iter()
            .map(|(tp, &rf)| isr.get(tp).copied().unwrap_or(rf))
            .min()
            .unwrap_or(0) as u64
    });
    series
}

/// Each user topic partition's replication factor.
fn replication_factors(world: &World) -> BTreeMap<TopicPartition, usize> {
    world
        .metadata()
        .partitions()
        .filter(|(tp, _)| !is_internal(&tp.topic))
        .map(|(tp, state)| (tp, state.replicas.len()))
        .collect_map()
}

/// ISR sizes as they changed, in time order, for the partitions in `replicas`.
fn isr_changes<'a>(
    world: &'a World,
    replicas: &BTreeMap<TopicPartition, usize>,
) -> Vec<(SimTime, &'a TopicPartition, usize)> {
    world
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::IsrChanged { tp, to, .. } if replicas.contains_key(tp) => {
                Some((e.at, tp, to.len()))
            }
            _ => None,
        })
        .collect()
}

/// Every group's total lag (see `group::describe`: the one definition every view uses) at
/// moments the run has passed. Lag depends on high watermarks and last stable offsets, which
/// no history keeps, so it is sampled as the run goes, at each multiple of [`LAG_SAMPLE_EVERY`]
/// (the chart's bucket ends). Sampling reads the world and changes nothing in it, so a run
/// sampled or not has the same trace; a replay samples again and finds the same values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LagSamples {
    taken: BTreeMap<SimTime, BTreeMap<String, u64>>,
}

/// How often lag is sampled: one chart bucket.
pub const LAG_SAMPLE_EVERY: SimDuration = SimDuration::from_millis(1_000);

impl LagSamples {
    /// The first sampling moment after `now`.
    pub fn next_after(now: SimTime) -> SimTime {
        let every = LAG_SAMPLE_EVERY.as_micros();
        SimTime::from_micros((now.as_micros() / every + 1) * every)
    }

    /// Records every group's lag as it is now.
    pub fn take(&mut self, world: &World) {
        self.taken.insert(world.now(), group_lags(world));
    }

    /// Drops the samples after `moment` (the run branched there: its old future is gone).
    pub fn forget_after(&mut self, moment: SimTime) {
        self.taken
            .split_off(&SimTime::from_micros(moment.as_micros() + 1));
    }

    /// How many moments are sampled.
    pub fn len(&self) -> usize {
        self.taken.len()
    }

    /// Whether nothing is sampled yet.
    pub fn is_empty(&self) -> bool {
        self.taken.is_empty()
    }
}

/// Each group's total lag now, by `group.id` (partitions whose lag is "-" add nothing). A
/// share group has no committed offsets: its lag is what is not yet done, the records below
/// each share partition's high watermark that no member accepted or rejected and that were
/// not archived (Kafka 4.2's share-partition lag).
pub fn group_lags(world: &World) -> BTreeMap<String, u64> {
    let mut lags: BTreeMap<String, u64> = world
        .groups()
        .into_iter()
        .filter(|(_, g)| g.share.is_none())
        .map(|(coordinator, g)| {
            let total = crate::group::describe(world, coordinator, g).total_lag();
            (g.id.clone(), total.records)
        })
        .collect_map();
    for (group, tp, leader, share) in world.share_partitions() {
        let high_watermark = world
            .replica_log(leader, tp)
            .map_or(0, |log| log.high_watermark());
        let done = share
            .in_flight
            .values()
            .filter(|r| {
                matches!(
                    r.state,
                    crate::RecordState::Acknowledged | crate::RecordState::Archived
                )
            })
            .count() as u64;
        let behind = high_watermark
            .saturating_sub(share.start_offset)
            .saturating_sub(done);
        *lags.entry(group.to_owned()).or_default() += behind;
    }
    lags
}

/// A group's total lag at the end of each bucket, from `samples`; the current bucket shows
/// the lag now, so the chart's last value is the group table's total at the same moment.
pub fn group_lag(
    world: &World,
    samples: &LagSamples,
    group: &str,
    bucket: SimDuration,
    buckets: usize,
) -> Series {
    let mut series = Series::new(
        format!("lag of group {group}"),
        world.now(),
        bucket,
        buckets,
    );
    let last = series.values.len() - 1;
    for index in 0..last {
        let end = series.bucket_end(index);
        series.values[index] = samples
            .taken
            .range(..=end)
            .next_back()
            .and_then(|(_, lags)| lags.get(group).copied())
            .unwrap_or(0);
    }
    series.values[last] = group_lags(world).get(group).copied().unwrap_or(0);
    series
}

/// Replays per-partition changes `(time, partition, value)`, in time order, and sets each
/// bucket to `measure` of the partitions' values as they stood at the bucket's end.
fn replay_per_partition<'a, V: Copy>(
    series: &mut Series,
    changes: &[(SimTime, &'a TopicPartition, V)],
    measure: impl Fn(&BTreeMap<&'a TopicPartition, V>, SimTime) -> u64,
) {
    let mut state: BTreeMap<&TopicPartition, V> = BTreeMap::new();
    let mut next = 0;
    for index in 0..series.values.len() {
        let end = series.bucket_end(index);
        while let Some(&(_, tp, value)) = changes.get(next).filter(|c| c.0 < end) {
            state.insert(tp, value);
            next += 1;
        }
        series.values[index] = measure(&state, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_end_at_the_current_one() {
        let series = Series::new(
            "x".to_owned(),
            SimTime::from_millis(5_500),
            SimDuration::from_millis(1_000),
            3,
        );
        assert_eq!(series.start, SimTime::from_millis(3_000));
        assert_eq!(series.values.len(), 3);
        assert_eq!(series.index(SimTime::from_millis(5_999)), Some(2));
        assert_eq!(series.index(SimTime::from_millis(2_999)), None);
        let early = Series::new(
            "x".to_owned(),
            SimTime::from_millis(500),
            SimDuration::from_millis(1_000),
            60,
        );
        assert_eq!(early.values.len(), 1, "no buckets before time zero");
    }

    /// Sends waiting for a partition with no leader, older than sends acknowledged around
    /// them: each update resumes at the oldest waiting send and walks again over the
    /// acknowledged ones after it, which must not count twice. Counted at uneven steps, the
    /// same series as read afresh; and again afresh after going back.
    #[test]
    fn acknowledgements_behind_a_send_still_waiting_count_once() {
        let mut world = crate::test_worlds::waiting_and_flowing(11);
        crate::test_worlds::crash(&mut world, 1);
        let bucket = SimDuration::from_millis(1_000);
        let mut counts = AckCounts::default();
        let mut earlier = None;
        for step in 1..=40u64 {
            world.run_for(SimDuration::from_micros(311_007 * step));
            if step == 10 {
                earlier = Some(world.clone());
            }
            let counted = acknowledged_counted(&world, &mut counts, 60);
            assert_eq!(
                counted,
                acknowledged(&world, bucket, 60),
                "at {}",
                world.now()
            );
        }
        let waiting = world
            .operations_since(SimTime::ZERO)
            .filter(|op| matches!(op.outcome, Outcome::Pending))
            .count();
        assert!(
            waiting > 100,
            "sends wait for the leaderless partition: {waiting}"
        );
        assert!(
            acknowledged(&world, bucket, 60).peak() > 50,
            "the other topic's sends were acknowledged"
        );
        let mut back = earlier.expect("kept");
        back.run_for(SimDuration::from_millis(1_300));
        let counted = acknowledged_counted(&back, &mut counts, 60);
        assert_eq!(counted, acknowledged(&back, bucket, 60), "after going back");
    }

    /// A cluster streaming records, a broker crashed a while (sends wait and retry), counted
    /// at uneven steps and once more after going back: the same series as read afresh.
    #[test]
    fn acknowledgements_counted_as_the_run_goes_match_a_fresh_reading() {
        use crate::{ClusterConfig, Command, CreateTopic};
        let mut world = World::new(&ClusterConfig::default(), 9);
        world.run_until(SimTime::from_millis(5_000));
        let commands = [
            Command::CreateTopic(CreateTopic {
                name: "orders".to_owned(),
                partitions: 3,
                replication_factor: 3,
                configs: Default::default(),
                replica_assignment: None,
            }),
            Command::AddProducer {
                name: "p".to_owned(),
                config: Default::default(),
            },
            Command::StreamRecords {
                producer: "p".to_owned(),
                topic: "orders".to_owned(),
                per_second: 200,
            },
        ];
        for command in commands {
            world.apply(command).expect("applies");
        }
        let bucket = SimDuration::from_millis(1_000);
        let mut counts = AckCounts::default();
        let mut earlier = None;
        for step in 1..=60u64 {
            world.run_for(SimDuration::from_micros(137_001 * step));
            if step == 20 {
                crate::test_worlds::crash(&mut world, 1);
                earlier = Some(world.clone());
            }
            if step == 35 {
                let restart = Command::RestartBroker { broker: 1 };
                world.apply(restart).expect("restarted");
            }
            let counted = acknowledged_counted(&world, &mut counts, 60);
            assert_eq!(
                counted,
                acknowledged(&world, bucket, 60),
                "at {}",
                world.now()
            );
        }
        assert!(
            acknowledged(&world, bucket, 60).peak() > 100,
            "the stream was acknowledged"
        );
        // Far ahead without an update (a long jump): nothing counted before is shown.
        world.run_for(SimDuration::from_millis(300_000));
        let counted = acknowledged_counted(&world, &mut counts, 60);
        assert_eq!(counted, acknowledged(&world, bucket, 60), "after a jump");
        let mut back = earlier.expect("kept");
        back.run_for(SimDuration::from_millis(2_500));
        let counted = acknowledged_counted(&back, &mut counts, 60);
        assert_eq!(counted, acknowledged(&back, bucket, 60), "after going back");
    }
}
