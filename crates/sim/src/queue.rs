//! The event queue. Events come out ordered by (time, sequence): two events at the same instant
//! always leave in the order they were scheduled, which is what makes runs reproducible.
//!
//! Most of what a busy cluster has queued are timers far ahead (request, produce and fetch
//! timeouts 30 s on: about 25,000 entries, 2.6 MiB, at any moment of the busy cluster), and a
//! rewind checkpoint is a copy of the world. So only the
//! events before a horizon sit in a heap of their own; later ones wait in buckets of one
//! second of virtual time, each a few sealed runs of events behind an `Rc` that copies of the
//! queue share for good, and an open run of the newest few that each copy holds of its own.
//! The run keeps scheduling into the buckets ahead of a copy (every second adds timers 30 s
//! on), so a bucket copied whole on its first write after a copy (as it was, with
//! `Rc::make_mut`) left each kept copy alone with the old version of every bucket it had. When
//! the heap runs dry the next bucket moves into it. Which structure holds an event changes
//! nothing of the order: (time, sequence) is a total order.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A min-queue of events keyed by (time, insertion sequence). The heap holds only small keys;
/// payloads sit in a slab whose slots are reused, so sifting moves 24 bytes, not messages.
#[derive(Clone, Debug)]
pub(crate) struct EventQueue<E> {
    /// The events before `horizon`.
    front: Front<E>,
    /// The start of the first bucket not moved into `front` (a multiple of [`BUCKET`]).
    horizon: SimTime,
    /// The events at or after `horizon`, by bucket (time / [`BUCKET`]), each unordered.
    later: BTreeMap<u64, Bucket<E>>,
    next_seq: u64,
}

/// The virtual time one shared bucket of later events covers, in microseconds: a second
/// holds a few hundred timers of the busy cluster, so moving one into the heap is cheap, and
/// a run of an hour has a few hundred buckets ahead at most.
const BUCKET: u64 = 1_000_000;

/// How many events a bucket's open run holds before it is sealed: what a copy holds of its
/// own per bucket, at most (the busy cluster has about 30 buckets ahead, 800 events each).
const SEALED: usize = 32;

/// One second's later events, (time, sequence, event), unordered: sealed runs of [`SEALED`],
/// never written again and shared by every copy, then the open run.
#[derive(Clone, Debug)]
struct Bucket<E> {
    sealed: Vec<Rc<Vec<(SimTime, u64, E)>>>,
    open: Vec<(SimTime, u64, E)>,
}

impl<E> Default for Bucket<E> {
    fn default() -> Self {
        Bucket {
            sealed: Vec::new(),
            open: Vec::new(),
        }
    }
}

impl<E: Clone> Bucket<E> {
    fn push(&mut self, entry: (SimTime, u64, E)) {
        if self.open.capacity() == 0 {
            self.open.reserve_exact(SEALED);
        }
        self.open.push(entry);
        if self.open.len() == SEALED {
            let run = std::mem::replace(&mut self.open, Vec::with_capacity(SEALED));
            self.sealed.push(Rc::new(run));
        }
    }

    fn is_empty(&self) -> bool {
        self.sealed.is_empty() && self.open.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = &(SimTime, u64, E)> {
        self.sealed
            .iter()
            .flat_map(|run| run.iter())
            .chain(&self.open)
    }

    /// Its events, owned: a sealed run another copy still shares is cloned.
    fn into_events(self) -> impl Iterator<Item = (SimTime, u64, E)> {
        self.sealed
            .into_iter()
            .flat_map(|run| Rc::try_unwrap(run).unwrap_or_else(|shared| (*shared).clone()))
            .chain(self.open)
    }
}

/// The events before the horizon: a heap of small keys, payloads in a slab whose slots are
/// reused, so sifting moves 24 bytes, not messages.
#[derive(Clone, Debug)]
struct Front<E> {
    heap: BinaryHeap<Key>,
    slab: Vec<Option<E>>,
    free: Vec<u32>,
}

/// One scheduled event with its ordering key.
#[derive(Clone, Debug)]
pub(crate) struct Entry<E> {
    /// When it fires.
    pub at: SimTime,
    /// Tie-breaker: the order in which it was scheduled.
    pub seq: u64,
    /// What fires.
    pub event: E,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    /// Reversed, so that std's max-heap pops the earliest key; seq is unique, so the slot
    /// never decides.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            front: Front {
                heap: BinaryHeap::new(),
                slab: Vec::new(),
                free: Vec::new(),
            },
            horizon: SimTime::from_micros(BUCKET),
            later: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl<E: Clone> EventQueue<E> {
    /// Schedules `event` at `at`, returning its sequence number.
    pub(crate) fn push(&mut self, at: SimTime, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if at < self.horizon {
            let bucket = at.as_micros() / BUCKET;
            if (bucket + 1) * BUCKET < self.horizon.as_micros() {
                // The heap was refilled from a bucket far ahead (nothing came due before
                // it): it goes back, so the heap keeps to one second and the rest stays
                // shared.
                for (at, seq, event) in self.front.drain() {
                    let later = self.later.entry(at.as_micros() / BUCKET).or_default();
                    later.push((at, seq, event));
                }
                self.horizon = SimTime::from_micros((bucket + 1) * BUCKET);
            }
            self.front.insert(at, seq, event);
        } else {
            let bucket = self.later.entry(at.as_micros() / BUCKET).or_default();
            bucket.push((at, seq, event));
            self.refill();
        }
        seq
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<Entry<E>> {
        let entry = self.front.pop()?;
        self.refill();
        Some(entry)
    }

    /// The time of the earliest event.
    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        self.front.heap.peek().map(|key| key.at)
    }

    /// Removes every event `pick` selects, returning them in firing order.
    pub(crate) fn take_where(
        &mut self,
        mut pick: impl FnMut(SimTime, &E) -> bool,
    ) -> Vec<Entry<E>> {
        let mut taken = self.front.take_where(&mut pick);
        for bucket in self.later.values_mut() {
            if bucket.iter().any(|(at, _, event)| pick(*at, event)) {
                for (at, seq, event) in std::mem::take(bucket).into_events() {
                    if pick(at, &event) {
                        taken.push(Entry { at, seq, event });
                    } else {
                        bucket.push((at, seq, event));
                    }
                }
            }
        }
        self.later.retain(|_, bucket| !bucket.is_empty());
        crate::sorted::sort_by_key(&mut taken, |entry| (entry.at, entry.seq));
        self.refill();
        taken
    }

    /// Every event with its time and sequence, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SimTime, u64, &E)> {
        self.front.iter().chain(
            self.later
                .values()
                .flat_map(|bucket| bucket.iter().map(|(at, seq, event)| (*at, *seq, event))),
        )
    }

    /// What a copy of the queue holds of its own, in bytes: the heap and its slab, and each
    /// later bucket's open run and pointers to its sealed ones.
    pub(crate) fn unshared_bytes(&self) -> usize {
        let later: usize = self
            .later
            .values()
            .map(|bucket| {
                bucket.open.len() * size_of::<(SimTime, u64, E)>()
                    + bucket.sealed.len() * size_of::<usize>()
                    + size_of::<(u64, Bucket<E>)>() * 2
            })
            .sum();
        self.front.heap.capacity().min(self.front.slab.len()) * size_of::<Key>()
            + self.front.slab.len() * size_of::<Option<E>>()
            + later
    }

    /// What a copy of the queue comes to hold alone, in bytes: every event it has. The run
    /// goes on to take each event out, while a copy kept for a rewind keeps them all.
    pub(crate) fn held_bytes(&self) -> usize {
        // The open runs are in what a copy holds when taken already.
        let sealed: usize = self
            .later
            .values()
            .map(|bucket| bucket.sealed.len() * SEALED)
            .sum();
        self.unshared_bytes() + sealed * size_of::<(SimTime, u64, E)>()
    }

    /// Keeps the heap holding the earliest event: when it runs dry, the next bucket moves in
    /// (copied if a copy of the queue shares it).
    fn refill(&mut self) {
        if !self.front.heap.is_empty() {
            return;
        }
        let Some((bucket, events)) = self.later.pop_first() else {
            return;
        };
        self.horizon = SimTime::from_micros((bucket + 1) * BUCKET);
        assert!(!events.is_empty(), "bucket {bucket} is queued empty");
        for (at, seq, event) in events.into_events() {
            self.front.insert(at, seq, event);
        }
    }
}

impl<E> Front<E> {
    /// Schedules `event` at `at` with sequence number `seq`.
    fn insert(&mut self, at: SimTime, seq: u64, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Key { at, seq, slot });
    }

    /// Takes out every event, in no particular order, and frees the slab.
    fn drain(&mut self) -> Vec<(SimTime, u64, E)> {
        let mut slab = std::mem::take(&mut self.slab);
        self.free.clear();
        std::mem::take(&mut self.heap)
            .into_iter()
            .map(|key| {
                let event = slab[key.slot as usize]
                    .take()
                    .expect("a queued slot is full");
                (key.at, key.seq, event)
            })
            .collect()
    }

    /// Removes and returns the earliest event.
    fn pop(&mut self) -> Option<Entry<E>> {
        let key = self.heap.pop()?;
        let event = self.slab[key.slot as usize]
            .take()
            .expect("a queued slot is full");
        self.free.push(key.slot);
        Some(Entry {
            at: key.at,
            seq: key.seq,
            event,
        })
    }

    /// Takes out the entries `pick` selects, in the order they would have fired. O(n): for
    /// rare operations (a paused process waking), never the hot path. The heap is rebuilt from
    /// the rest; since (time, sequence) is a total order, what fires next is unchanged.
    fn take_where(&mut self, mut pick: impl FnMut(SimTime, &E) -> bool) -> Vec<Entry<E>> {
        let mut keys = std::mem::take(&mut self.heap).into_vec();
        let mut taken = Vec::new();
        keys.retain(|key| {
            let event = self.slab[key.slot as usize]
                .as_ref()
                .expect("a queued slot is full");
            let take = pick(key.at, event);
            if take {
                taken.push(*key);
            }
            !take
        });
        self.heap = BinaryHeap::from(keys);
        crate::sorted::sort_by_key(&mut taken, |key| (key.at, key.seq));
        taken
            .into_iter()
            .map(|key| {
                let event = self.slab[key.slot as usize]
                    .take()
                    .expect("a queued slot is full");
                self.free.push(key.slot);
                Entry {
                    at: key.at,
                    seq: key.seq,
                    event,
                }
            })
            .collect()
    }

    /// Every waiting event with its time and sequence, in no particular order (for views).
    fn iter(&self) -> impl Iterator<Item = (SimTime, u64, &E)> {
        self.heap.iter().filter_map(|key| {
            self.slab[key.slot as usize]
                .as_ref()
                .map(|event| (key.at, key.seq, event))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A queue with event `i` at `times[i]`, and the (time, event) order it must fire in.
    fn filled(times: &[u64]) -> (EventQueue<usize>, Vec<(u64, usize)>) {
        let mut queue = EventQueue::default();
        for (index, &t) in times.iter().enumerate() {
            queue.push(SimTime::from_micros(t), index);
        }
        let mut expected: Vec<(u64, usize)> =
            times.iter().enumerate().map(|(i, &t)| (t, i)).collect();
        expected.sort();
        (queue, expected)
    }

    proptest! {
        /// Whatever the insertion order, events leave sorted by time and, at equal times, in
        /// insertion order.
        #[test]
        fn pops_in_time_then_sequence_order(times in proptest::collection::vec(0u64..50, 0..200)) {
            let (mut queue, expected) = filled(&times);
            let mut popped = Vec::new();
            while let Some(entry) = queue.pop() {
                popped.push((entry.at.as_micros(), entry.event));
            }
            prop_assert_eq!(popped, expected);
        }

        /// Taking some entries out leaves the rest to fire in their order, and gives the taken
        /// ones in theirs.
        #[test]
        fn take_where_splits_without_reordering(times in proptest::collection::vec(0u64..50, 0..200)) {
            let (mut queue, expected) = filled(&times);
            let (odd, even): (Vec<_>, Vec<_>) = expected.iter().partition(|(_, i)| i % 2 == 1);
            let taken: Vec<(u64, usize)> = queue
                .take_where(|_, &index| index % 2 == 1)
                .into_iter()
                .map(|entry| (entry.at.as_micros(), entry.event))
                .collect();
            prop_assert_eq!(taken, odd);
            let mut rest = Vec::new();
            while let Some(entry) = queue.pop() {
                rest.push((entry.at.as_micros(), entry.event));
            }
            prop_assert_eq!(rest, even);
        }

        /// The same across buckets and their sealed runs, with a copy made halfway that
        /// shares them: taking from one leaves the other whole.
        #[test]
        fn take_where_across_buckets_leaves_a_copy_whole(
            times in proptest::collection::vec(0u64..4_000_000, 0..300),
        ) {
            let mut queue = EventQueue::default();
            queue.push(SimTime::ZERO, usize::MAX);
            let mut copy = None;
            for (index, &t) in times.iter().enumerate() {
                queue.push(SimTime::from_micros(t), index);
                if index == times.len() / 2 {
                    copy = Some(queue.clone());
                }
            }
            let drain = |queue: &mut EventQueue<usize>| {
                std::iter::from_fn(|| queue.pop().map(|e| (e.at.as_micros(), e.event)))
                    .collect::<Vec<_>>()
            };
            let taken: Vec<usize> = queue
                .take_where(|_, &index| index % 2 == 1 && index != usize::MAX)
                .into_iter()
                .map(|entry| entry.event)
                .collect();
            let mut expected: Vec<(u64, usize)> =
                times.iter().enumerate().map(|(i, &t)| (t, i)).collect();
            expected.sort();
            let odd: Vec<usize> = expected.iter().map(|&(_, i)| i).filter(|i| i % 2 == 1).collect();
            prop_assert_eq!(taken, odd);
            let even: Vec<(u64, usize)> =
                [(0, usize::MAX)].into_iter().chain(expected.iter().copied().filter(|(_, i)| i % 2 == 0)).collect();
            prop_assert_eq!(drain(&mut queue), even);
            if let Some(copy) = copy.as_mut() {
                let half: Vec<(u64, usize)> = [(0, usize::MAX)]
                    .into_iter()
                    .chain(expected.iter().copied().filter(|&(_, i)| i <= times.len() / 2))
                    .collect();
                prop_assert_eq!(drain(copy), half);
            }
        }

        /// Pushes and pops interleaved, times spread over several buckets (some before the
        /// present, as a zero delay at a bucket's end is): the queue pops what a sorted list
        /// of (time, sequence) would.
        #[test]
        fn pops_in_order_across_buckets(
            steps in proptest::collection::vec((0u64..4_000_000, proptest::bool::ANY), 0..300),
        ) {
            let mut queue = EventQueue::default();
            let mut model = std::collections::BTreeSet::new();
            let mut now = 0;
            for (index, (delay, pop)) in steps.into_iter().enumerate() {
                if pop {
                    let popped = queue.pop().map(|e| (e.at.as_micros(), e.seq, e.event));
                    let expected = model.pop_first();
                    prop_assert_eq!(popped, expected);
                    if let Some((at, _, _)) = popped {
                        now = at;
                    }
                } else {
                    let at = now + delay;
                    let seq = queue.push(SimTime::from_micros(at), index);
                    model.insert((at, seq, index));
                }
                let first = model.first().map(|&(at, _, _)| SimTime::from_micros(at));
                prop_assert_eq!(queue.peek_time(), first);
            }
        }
    }

    #[test]
    fn a_copy_shares_sealed_runs_for_good_and_a_push_to_one_does_not_show_in_the_other() {
        let mut queue = EventQueue::default();
        // One event now keeps the heap from taking in the next bucket; then three sealed
        // runs and an open one in the bucket of 2 s, and one event in that of 3 s.
        queue.push(SimTime::ZERO, 5_000);
        let in_bucket = 3 * SEALED as u64 + 5;
        for i in 0..in_bucket {
            queue.push(SimTime::from_micros(2_000_000 + i), i);
        }
        queue.push(SimTime::from_micros(3_000_000), 1_000);
        let mut copy = queue.clone();
        let sealed_shared = |a: &EventQueue<u64>, b: &EventQueue<u64>| {
            let (a, b) = (&a.later[&2].sealed, &b.later[&2].sealed);
            a.iter().zip(b).filter(|(x, y)| Rc::ptr_eq(x, y)).count()
        };
        assert_eq!(
            sealed_shared(&queue, &copy),
            3,
            "a copy shares the sealed runs"
        );
        // Pushes into a bucket the copy shares seal new runs of their own and leave the
        // shared ones shared: the copy comes to hold nothing more of its own.
        for i in 0..2 * SEALED as u64 {
            queue.push(SimTime::from_micros(2_500_000 + i), 2_000 + i);
        }
        copy.push(SimTime::from_micros(2_000_000 + 50), 99);
        assert_eq!(sealed_shared(&queue, &copy), 3);
        assert_eq!(queue.later[&2].sealed.len(), 5);
        let drain = |queue: &mut EventQueue<u64>| {
            std::iter::from_fn(|| queue.pop().map(|e| e.event)).collect::<Vec<_>>()
        };
        let mut expected: Vec<u64> = [5_000].into_iter().chain(0..in_bucket).collect();
        expected.extend((0..2 * SEALED as u64).map(|i| 2_000 + i));
        expected.push(1_000);
        assert_eq!(drain(&mut queue), expected);
        let mut expected: Vec<u64> = [5_000].into_iter().chain(0..in_bucket).collect();
        expected.insert(52, 99);
        expected.push(1_000);
        assert_eq!(drain(&mut copy), expected);
    }
}
