//! The event queue. Events come out ordered by (time, sequence): two events at the same instant
//! always leave in the order they were scheduled, which is what makes runs reproducible.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A min-queue of events keyed by (time, insertion sequence).
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

/// One scheduled event with its ordering key.
#[derive(Clone, Debug)]
pub struct Entry<E> {
    /// When it fires.
    pub at: SimTime,
    /// Tie-breaker: the order in which it was scheduled.
    pub seq: u64,
    /// What fires.
    pub event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that std's max-heap pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at` and returns its sequence number.
    pub fn push(&mut self, at: SimTime, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { at, seq, event });
        seq
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<Entry<E>> {
        self.heap.pop()
    }

    /// When the earliest event fires, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|entry| entry.at)
    }

    /// How many events are waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Every waiting event, in no particular order (for views, not for processing).
    pub fn iter(&self) -> impl Iterator<Item = &Entry<E>> {
        self.heap.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the insertion order, events leave sorted by time and, at equal times, in
        /// insertion order.
        #[test]
        fn pops_in_time_then_sequence_order(times in proptest::collection::vec(0u64..50, 0..200)) {
            let mut queue = EventQueue::default();
            for (index, &t) in times.iter().enumerate() {
                queue.push(SimTime::from_micros(t), index);
            }
            let mut expected: Vec<(u64, usize)> =
                times.iter().enumerate().map(|(i, &t)| (t, i)).collect();
            expected.sort();
            let mut popped = Vec::new();
            while let Some(entry) = queue.pop() {
                popped.push((entry.at.as_micros(), entry.event));
            }
            prop_assert_eq!(popped, expected);
        }
    }
}
