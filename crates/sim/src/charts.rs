//! Time series for charts, derived from what the world already records (client operations,
//! events, logs), so they cost nothing while the simulation runs and replay with it.
//! Each series has one value per bucket of `bucket` virtual time, ending at the current bucket.

use crate::client::Outcome;
use crate::event::EventKind;
use crate::protocol::TopicPartition;
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use crate::topic::is_internal;
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

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

/// Each group's total lag now, by `group.id` (partitions whose lag is "-" add nothing).
pub fn group_lags(world: &World) -> BTreeMap<String, u64> {
    world
        .groups()
        .into_iter()
        .map(|(coordinator, g)| {
            let total = crate::group::describe(world, coordinator, g).total_lag();
            (g.id.clone(), total.records)
        })
        .collect_map()
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
}
