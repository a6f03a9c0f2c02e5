//! The event queue. Events come out ordered by (time, sequence): two events at the same instant
//! always leave in the order they were scheduled, which is what makes runs reproducible.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A min-queue of events keyed by (time, insertion sequence). The heap holds only small keys;
/// payloads sit in a slab whose slots are reused, so sifting moves 24 bytes, not messages.
#[derive(Clone, Debug)]
pub(crate) struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    slab: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
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
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at` and returns its sequence number.
    pub(crate) fn push(&mut self, at: SimTime, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
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
        seq
    }

    /// Removes and returns the earliest event.
    pub(crate) fn pop(&mut self) -> Option<Entry<E>> {
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

    /// When the earliest event fires, if any.
    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|key| key.at)
    }

    /// Takes out the entries `pick` selects, in the order they would have fired. O(n): for
    /// rare operations (a paused process waking), never the hot path. The heap is rebuilt from
    /// the rest; since (time, sequence) is a total order, what fires next is unchanged.
    pub(crate) fn take_where(
        &mut self,
        mut pick: impl FnMut(SimTime, &E) -> bool,
    ) -> Vec<Entry<E>> {
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
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SimTime, u64, &E)> {
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
    }
}
