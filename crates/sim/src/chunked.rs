//! A list that grows at its end and whose copies share what they have in common: the run's
//! histories (every client operation, every command) live in one, so a rewind checkpoint, a
//! copy of the world, costs what changed since the last copy rather than the whole run.
//!
//! Elements are kept in full chunks of [`CHUNK`] behind an `Rc`, and a tail. A copy clones
//! the chunks' pointers and the tail; a write to an element of a chunk that another copy
//! also holds copies that one chunk first (`Rc::make_mut`). Histories are written near their
//! end (an acknowledgement, a poll's outcome), so a copy rarely pays for that.
//!
//! Why not a persistent vector from a crate (`imbl`, `rpds`): their trees index in several
//! hops and support inserting and splitting anywhere; these lists only grow at the end, so two
//! levels index in one division and iteration walks plain slices.

use serde::{Serialize, Serializer};
use std::ops::{Index, IndexMut};
use std::rc::Rc;

/// Elements per shared chunk: large enough that a copy of an hour-long run clones few
/// pointers, small enough that writing to a shared chunk copies little.
pub(crate) const CHUNK: usize = 1024;

/// An append-only list whose clones share their full chunks.
#[derive(Clone, Debug)]
pub struct Chunked<T> {
    /// Full chunks, oldest first, each exactly [`CHUNK`] long.
    full: Vec<Rc<Vec<T>>>,
    /// The newest elements, fewer than [`CHUNK`].
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked::new()
    }
}

impl<T> Chunked<T> {
    /// An empty list.
    pub const fn new() -> Self {
        Chunked {
            full: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// How many elements it holds.
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.tail.is_empty()
    }

    /// Appends `value`.
    pub fn push(&mut self, value: T) {
        // Room for a whole chunk at once (a copy's tail has only what it holds), so a sealed
        // chunk holds no spare capacity.
        if self.tail.capacity() < CHUNK {
            self.tail.reserve_exact(CHUNK - self.tail.len());
        }
        self.tail.push(value);
        if self.tail.len() == CHUNK {
            let full = std::mem::replace(&mut self.tail, Vec::with_capacity(CHUNK));
            self.full.push(Rc::new(full));
        }
    }

    /// The element at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        match self.full.get(index / CHUNK) {
            Some(chunk) => Some(&chunk[index % CHUNK]),
            None => self.tail.get(index - self.full.len() * CHUNK),
        }
    }

    /// The newest element.
    pub fn last(&self) -> Option<&T> {
        match self.tail.last() {
            Some(last) => Some(last),
            None => self.full.last().and_then(|chunk| chunk.last()),
        }
    }

    /// The elements in order.
    pub fn iter(&self) -> Iter<'_, T> {
        self.iter_from(0)
    }

    /// The elements from `start` on (none if `start` is past the end).
    pub fn iter_from(&self, start: usize) -> Iter<'_, T> {
        Iter {
            list: self,
            front: start.min(self.len()),
            back: self.len(),
        }
    }

    /// The elements as slices, in order: each full chunk, then the tail.
    pub fn slices(&self) -> impl DoubleEndedIterator<Item = &[T]> {
        self.full
            .iter()
            .map(|chunk| chunk.as_slice())
            .chain(std::iter::once(self.tail.as_slice()))
    }

    /// The index of the first element for which `pred` is false, where every element for
    /// which it is true comes first (as `slice::partition_point`).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if pred(&self[middle]) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }
}

impl<T: Clone> Chunked<T> {
    /// The element at `index`, to change: a chunk another copy shares is copied first.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let full = self.full.len() * CHUNK;
        match self.full.get_mut(index / CHUNK) {
            Some(chunk) => Some(&mut Rc::make_mut(chunk)[index % CHUNK]),
            None => self.tail.get_mut(index - full),
        }
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        let len = self.len();
        self.get(index)
            .unwrap_or_else(|| panic!("index {index} out of a list of {len}"))
    }
}

impl<T: Clone> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        let len = self.len();
        self.get_mut(index)
            .unwrap_or_else(|| panic!("index {index} out of a list of {len}"))
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut list = Chunked::new();
        list.extend(items);
        list
    }
}

impl<T> Extend<T> for Chunked<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<T: PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for Chunked<T> {}

impl<T: Serialize> Serialize for Chunked<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The elements of a [`Chunked`] between two positions; from either end, and skipping ahead
/// in one step.
#[derive(Clone, Debug)]
pub struct Iter<'a, T> {
    list: &'a Chunked<T>,
    front: usize,
    back: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        if self.front == self.back {
            return None;
        }
        self.front += 1;
        self.list.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }

    fn nth(&mut self, n: usize) -> Option<&'a T> {
        self.front = self.front.saturating_add(n).min(self.back);
        self.next()
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        self.list.get(self.back)
    }

    fn nth_back(&mut self, n: usize) -> Option<Self::Item> {
        self.back = self.back.saturating_sub(n).max(self.front);
        self.next_back()
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<T> std::iter::FusedIterator for Iter<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Chunked<usize> {
        (0..n).collect()
    }

    #[test]
    fn it_reads_as_the_vector_it_was_built_from() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
            let list = numbers(n);
            let plain: Vec<usize> = (0..n).collect();
            assert_eq!(list.len(), n);
            assert_eq!(list.is_empty(), n == 0);
            assert_eq!(list.iter().copied().collect::<Vec<_>>(), plain, "n={n}");
            assert_eq!(
                list.iter().rev().copied().collect::<Vec<_>>(),
                plain.iter().rev().copied().collect::<Vec<_>>()
            );
            assert_eq!(list.last(), plain.last());
            assert_eq!(list.get(n), None);
            assert_eq!(list.iter().len(), n);
            assert_eq!(list.slices().flatten().copied().collect::<Vec<_>>(), plain);
            for start in [0, 1, CHUNK, n / 2, n, n + 5] {
                assert_eq!(
                    list.iter_from(start).copied().collect::<Vec<_>>(),
                    plain.get(start..).unwrap_or(&[]).to_vec(),
                    "n={n} start={start}"
                );
                assert_eq!(list.partition_point(|&x| x < start), start.min(n));
            }
            let mut skipping = list.iter();
            assert_eq!(skipping.nth(CHUNK + 2), plain.get(CHUNK + 2));
            let second_last = if n >= CHUNK + 5 {
                plain.get(n - 2)
            } else {
                None
            };
            assert_eq!(skipping.nth_back(1), second_last);
        }
    }

    #[test]
    fn a_copy_shares_full_chunks_and_a_write_to_one_copies_only_that_chunk() {
        let mut list: Chunked<Rc<usize>> = (0..3 * CHUNK + 5).map(Rc::new).collect();
        let copy = list.clone();
        assert!(
            list.full
                .iter()
                .zip(&copy.full)
                .all(|(a, b)| Rc::ptr_eq(a, b)),
            "the copy shares every full chunk"
        );
        list[CHUNK + 3] = Rc::new(0);
        list[3 * CHUNK + 1] = Rc::new(0);
        assert_eq!(*copy[CHUNK + 3], CHUNK + 3, "the copy keeps what it had");
        assert_eq!(*copy[3 * CHUNK + 1], 3 * CHUNK + 1);
        assert_eq!(*list[CHUNK + 3], 0);
        let shared: Vec<bool> = list
            .full
            .iter()
            .zip(&copy.full)
            .map(|(a, b)| Rc::ptr_eq(a, b))
            .collect();
        assert_eq!(
            shared,
            [true, false, true],
            "only the written chunk was copied"
        );
    }

    #[test]
    fn a_copy_grows_on_its_own() {
        let mut list = numbers(CHUNK - 1);
        let copy = list.clone();
        list.push(CHUNK - 1);
        list.push(CHUNK);
        assert_eq!(copy.len(), CHUNK - 1);
        assert_eq!(list.len(), CHUNK + 1);
        assert_eq!(list[CHUNK], CHUNK);
        assert_ne!(list, copy);
        assert_eq!(list, numbers(CHUNK + 1));
        // A copy's tail holds only what it had: growing it seals a chunk without spare room.
        let mut copy = copy;
        copy.push(0);
        copy.push(0);
        assert_eq!(copy.full.len(), 1);
        assert_eq!(copy.full[0].capacity(), CHUNK);
    }
}
