//! The event queue. Events come out ordered by (time, sequence): two events at the same instant
//! always leave in the order they were scheduled, which is what makes runs reproducible.
//!
//! Most of what a busy cluster has queued are timers far ahead (a producer's delivery
//! timeout 120 s on, request and fetch timeouts 30 s on: about 49,000 entries, 6 MiB, at any
//! moment of the busy cluster), and a rewind checkpoint is a copy of the world. So only the
//! events before a horizon sit in a heap of their own; later ones wait in buckets of one
//! second of virtual time behind an `Rc`, which copies of the queue share until one of them
//! schedules into that bucket (the bucket is copied then, `Rc::make_mut`). When the heap
//! runs dry the next bucket moves into it. Which structure holds an event changes nothing
//! of the order: (time, sequence) is a total order.

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
    later: BTreeMap<u64, Rc<Bucket<E>>>,
    next_seq: u64,
}

/// The virtual time one shared bucket of later events covers, in microseconds: a second
/// holds a few hundred timers of the busy cluster, so moving one into the heap is cheap, and
/// a run of an hour has a few hundred buckets ahead at most.
const BUCKET: u64 = 1_000_000;

/// One second's later events, (time, sequence, event), unordered.
type Bucket<E> = Vec<(SimTime, u64, E)>;

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
                    Rc::make_mut(later).push((at, seq, event));
                }
                self.horizon = SimTime::from_micros((bucket + 1) * BUCKET);
            }
            self.front.insert(at, seq, event);
        } else {
            let bucket = self.later.entry(at.as_micros() / BUCKET).or_default();
            Rc::make_mut(bucket).push((at, seq, event));
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
                let mut kept = Vec::new();
                for (at, seq, event) in Rc::make_mut(bucket).drain(..) {
                    if pick(at, &event) {
                        taken.push(Entry { at, seq, event });
                    } else {
                        kept.push((at, seq, event));
                    }
                }
                *Rc::make_mut(bucket) = kept;
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

    /// What a copy of the queue holds of its own, in bytes: the heap and its slab (the later
    /// buckets are shared, a pointer each).
    pub(crate) fn unshared_bytes(&self) -> usize {
        self.front.heap.capacity().min(self.front.slab.len()) * size_of::<Key>()
            + self.front.slab.len() * size_of::<Option<E>>()
            + self.later.len() * 2 * size_of::<(u64, usize)>()
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
        let events = Rc::try_unwrap(events).unwrap_or_else(|shared| (*shared).clone());
        assert!(!events.is_empty(), "bucket {bucket} is queued empty");
        for (at, seq, event) in events {
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
    fn a_copy_shares_later_buckets_and_a_push_to_one_does_not_show_in_the_other() {
        let mut queue = EventQueue::default();
        for i in 0..10u64 {
            queue.push(SimTime::from_micros(i * 700_000), i);
        }
        let mut copy = queue.clone();
        let shared = |a: &EventQueue<u64>, b: &EventQueue<u64>| {
            a.later
                .iter()
                .filter(|(bucket, events)| Rc::ptr_eq(events, &b.later[*bucket]))
                .count()
        };
        assert_eq!(
            queue.later.len(),
            6,
            "events after the first second wait in buckets"
        );
        assert_eq!(shared(&queue, &copy), 6, "a copy shares every bucket");
        // A push into a shared bucket copies that one bucket only.
        copy.push(SimTime::from_micros(3_500_000), 99);
        assert_eq!(shared(&queue, &copy), 5);
        let drain = |queue: &mut EventQueue<u64>| {
            std::iter::from_fn(|| queue.pop().map(|e| e.event)).collect::<Vec<_>>()
        };
        assert_eq!(drain(&mut queue), (0..10).collect::<Vec<_>>());
        assert_eq!(drain(&mut copy), [0, 1, 2, 3, 4, 5, 99, 6, 7, 8, 9]);
    }
}
