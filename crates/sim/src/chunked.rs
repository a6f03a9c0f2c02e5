//! A list that grows at its end and whose copies share what they have in common: the run's
//! histories (every client operation, every command) and every replica's log live in one, so a
//! rewind checkpoint, a copy of the world, costs what changed since the last copy rather than
//! the whole run.
//!
//! Elements are kept in sealed runs of [`RUN`] behind an `Rc`, grouped by [`CHUNK`] elements
//! in full chunks behind an `Rc` of their own, and an open run. A copy clones the full chunks'
//! pointers, the runs' of the chunk being filled and the open run: at most [`RUN`] elements of
//! its own, however long the list. A write to an element that another copy also holds copies
//! the pointers of its chunk and its run first (`Rc::make_mut`). Histories are written near
//! their end (an acknowledgement, a poll's outcome), so a copy rarely pays for that.
//!
//! Runs and chunks are the two sizes of sharing: a copy of a log that held its whole newest
//! chunk (up to 1,023 records, as this list did) held two thirds of a copy of the busy
//! cluster, and a list of runs alone would copy a pointer per 32 elements (an hour-long log
//! of 100,000 records, 3,000 of them).
//!
//! A log also loses elements at either end: truncation cuts the end (the runs before the one
//! holding the new end stay shared; that one is copied if shared), and retention drops from
//! the front. Dropping from the front moves no element of a sealed run: whole chunks and runs
//! go, and the first one left is read from an offset into it (so it stays shared; the dropped
//! elements it still holds are freed with it). The cleaner removes elements anywhere
//! ([`Chunked::retain`]): everything after the first removed element is rebuilt, as
//! `Vec::retain` moves it.
//!
//! Why not a persistent vector from a crate (`imbl`, `rpds`): their trees index in several
//! hops and support inserting and splitting anywhere; these lists only change at their ends
//! (but for the cleaner's rare passes), so three levels index in two divisions and iteration
//! walks plain slices.

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::{Bound, Index, IndexMut, RangeBounds};
use std::rc::Rc;

/// Elements per full chunk: large enough that a copy of an hour-long run clones few pointers.
pub(crate) const CHUNK: usize = 1024;
/// Elements per sealed run: small enough that a copy holds few elements of its own, and that
/// writing to a shared run copies little.
pub(crate) const RUN: usize = 32;
/// Runs per full chunk.
const RUNS: usize = CHUNK / RUN;

/// A sealed run, exactly [`RUN`] long.
type Run<T> = Rc<Vec<T>>;
/// A full chunk, exactly [`RUNS`] sealed runs.
type Chunk<T> = Rc<Vec<Run<T>>>;

/// A list whose clones share their full chunks and sealed runs.
#[derive(Clone)]
pub struct Chunked<T> {
    /// Full chunks, oldest first.
    full: Vec<Chunk<T>>,
    /// How many elements at the start were dropped from the front and are still held: of
    /// the first full chunk (less than [`CHUNK`]), or without full chunks of the first sealed
    /// run (less than [`RUN`]; zero without sealed runs).
    head: usize,
    /// The sealed runs after the full chunks, fewer than [`RUNS`].
    runs: Vec<Run<T>>,
    /// The newest elements, fewer than [`RUN`].
    open: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked::new()
    }
}

/// Where the elements of a [`Chunked`] are, for reading: positions count from the start of
/// the first full chunk (or sealed run), `head` included.
struct Parts<'a, T> {
    full: &'a [Chunk<T>],
    head: usize,
    runs: &'a [Run<T>],
    open: &'a [T],
}

impl<T> Clone for Parts<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Parts<'_, T> {}

impl<'a, T> Parts<'a, T> {
    /// The elements from position `at` to the end of the run holding it (empty at the end;
    /// none past it). Chunks and runs start at multiples of [`RUN`], so `at % RUN` is where
    /// in its run an element is.
    #[inline]
    fn run_from(self, at: usize) -> Option<&'a [T]> {
        let run: &'a [T] = match self.full.get(at / CHUNK) {
            Some(chunk) => &chunk[(at % CHUNK) / RUN],
            None => {
                let at = at - self.full.len() * CHUNK;
                match self.runs.get(at / RUN) {
                    Some(run) => run,
                    None => return self.open.get(at - self.runs.len() * RUN..),
                }
            }
        };
        Some(&run[at % RUN..])
    }

    /// The element at `index`.
    #[inline]
    fn element(self, index: usize) -> Option<&'a T> {
        self.run_from(index.checked_add(self.head)?)?.first()
    }
}

impl<T> Chunked<T> {
    /// An empty list.
    pub const fn new() -> Self {
        Chunked {
            full: Vec::new(),
            head: 0,
            runs: Vec::new(),
            open: Vec::new(),
        }
    }

    fn parts(&self) -> Parts<'_, T> {
        Parts {
            full: &self.full,
            head: self.head,
            runs: &self.runs,
            open: &self.open,
        }
    }

    /// How many elements it holds.
    #[inline]
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.runs.len() * RUN + self.open.len() - self.head
    }

    /// Whether it holds none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        // A full chunk or a sealed run holds elements past `head`, which is less than it.
        self.full.is_empty() && self.runs.is_empty() && self.open.is_empty()
    }

    /// How many of its elements a copy holds of its own: the open run's (it shares the rest
    /// until one is written to).
    pub fn unshared_len(&self) -> usize {
        self.open.len()
    }

    /// How many pointers a copy holds: one per full chunk and per sealed run after them.
    pub fn pointers(&self) -> usize {
        self.full.len() + self.runs.len()
    }

    /// Appends `value`.
    pub fn push(&mut self, value: T) {
        // Room for a whole run (and a chunk's runs) at once: a copy's open run has only what
        // it holds, and a sealed one keeps no spare capacity.
        if self.open.capacity() < RUN {
            self.open.reserve_exact(RUN - self.open.len());
        }
        self.open.push(value);
        if self.open.len() == RUN {
            let run = std::mem::replace(&mut self.open, Vec::with_capacity(RUN));
            if self.runs.capacity() < RUNS {
                self.runs.reserve_exact(RUNS - self.runs.len());
            }
            self.runs.push(Rc::new(run));
            if self.runs.len() == RUNS {
                let chunk = std::mem::replace(&mut self.runs, Vec::with_capacity(RUNS));
                self.full.push(Rc::new(chunk));
            }
        }
    }

    /// The element at `index`, if there is one.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        self.parts().element(index)
    }

    /// The oldest element.
    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    /// The newest element (read where it is: a log's end is asked for at every fetch).
    #[inline]
    pub fn last(&self) -> Option<&T> {
        // The newest element held is never one dropped from the front (`head` is less than
        // what its chunk or run holds).
        match self.open.last() {
            Some(last) => Some(last),
            None => match self.runs.last() {
                Some(run) => run.last(),
                None => self.full.last()?.last()?.last(),
            },
        }
    }

    /// The elements in order.
    pub fn iter(&self) -> Iter<'_, T> {
        self.range(..)
    }

    /// The elements from `start` on (none if `start` is past the end).
    pub fn iter_from(&self, start: usize) -> Iter<'_, T> {
        self.range(start..)
    }

    /// The elements in `range` of positions, cut to the list (as a slice's `get(range)`
    /// would, but empty rather than none where it is out of bounds).
    pub fn range(&self, range: impl RangeBounds<usize>) -> Iter<'_, T> {
        let len = self.len();
        let end = match range.end_bound() {
            Bound::Included(&end) => end.saturating_add(1),
            Bound::Excluded(&end) => end,
            Bound::Unbounded => len,
        }
        .min(len);
        let start = match range.start_bound() {
            Bound::Included(&start) => start,
            Bound::Excluded(&start) => start.saturating_add(1),
            Bound::Unbounded => 0,
        }
        .min(end);
        Iter {
            parts: Some(self.parts()),
            front: start,
            back: end,
            run: &[],
        }
    }

    /// The elements as slices, in order: each sealed run, then the open one.
    pub fn slices(&self) -> impl DoubleEndedIterator<Item = &[T]> {
        let head = self.head;
        let skip = move |first: bool, index: usize| match first {
            true => head.saturating_sub(index * RUN).min(RUN),
            false => 0,
        };
        let chunks = self.full.iter().enumerate().flat_map(move |(c, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(move |(r, run)| &run[skip(c == 0, r)..])
        });
        let runs = self
            .runs
            .iter()
            .enumerate()
            .map(move |(r, run)| &run[skip(self.full.is_empty(), r)..]);
        chunks
            .chain(runs)
            .chain(std::iter::once(self.open.as_slice()))
            .filter(|slice| !slice.is_empty())
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

    /// Drops the first `count` elements (all of them if fewer), moving none of the rest but
    /// the open run's.
    pub fn drop_front(&mut self, count: usize) {
        let at = self.head + count.min(self.len());
        let whole = (at / CHUNK).min(self.full.len());
        self.full.drain(..whole);
        self.head = at - whole * CHUNK;
        self.settle_head();
    }

    /// Without full chunks, `head` counts into the sealed runs: whole runs it covers go, and
    /// without runs the open run's first elements.
    fn settle_head(&mut self) {
        if !self.full.is_empty() {
            return;
        }
        let whole = (self.head / RUN).min(self.runs.len());
        self.runs.drain(..whole);
        self.head -= whole * RUN;
        if self.runs.is_empty() {
            self.open.drain(..self.head);
            self.head = 0;
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.full.clear();
        self.head = 0;
        self.runs.clear();
        self.open.clear();
    }
}

/// The first `len` elements of `run`, as an open run: taken as they are if no copy shares
/// the run, copied if one does.
fn opened<T: Clone>(run: Run<T>, len: usize) -> Vec<T> {
    let mut open = match Rc::try_unwrap(run) {
        Ok(mut own) => {
            own.truncate(len);
            own
        }
        Err(shared) => shared[..len].to_vec(),
    };
    open.reserve_exact(RUN - open.len());
    open
}

impl<T: Clone> Chunked<T> {
    /// The element at `index`, to change: a chunk or run another copy shares is copied first
    /// (a chunk's pointers, a run's elements).
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let at = index.checked_add(self.head)?;
        let (full, runs) = (self.full.len() * CHUNK, self.runs.len() * RUN);
        if let Some(chunk) = self.full.get_mut(at / CHUNK) {
            let run = &mut Rc::make_mut(chunk)[(at % CHUNK) / RUN];
            return Some(&mut Rc::make_mut(run)[at % RUN]);
        }
        match self.runs.get_mut((at - full) / RUN) {
            Some(run) => Some(&mut Rc::make_mut(run)[at % RUN]),
            None => self.open.get_mut(at - full - runs),
        }
    }

    /// Keeps the first `len` elements (all if fewer). The runs before the new end stay
    /// shared; the run holding it becomes the open run, copied if another copy shares it.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let at = self.head + len;
        let chunk = at / CHUNK;
        if chunk < self.full.len() {
            let sealed = self
                .full
                .drain(chunk..)
                .next()
                .expect("the chunk holding the end");
            let kept = (at % CHUNK) / RUN;
            self.runs = match Rc::try_unwrap(sealed) {
                Ok(mut own) => {
                    own.truncate(kept + 1);
                    own
                }
                Err(shared) => shared[..=kept].to_vec(),
            };
        } else {
            self.runs.truncate((at - chunk * CHUNK) / RUN + 1);
        }
        // The run holding the end, if the end is in a sealed run: it becomes the open one.
        let sealed = at - self.full.len() * CHUNK < self.runs.len() * RUN;
        if sealed {
            let run = self.runs.pop().expect("the run holding the end");
            self.open = opened(run, at % RUN);
        } else {
            self.open.truncate(at % RUN);
        }
        self.runs.reserve_exact(RUNS - self.runs.len());
        self.settle_head();
    }

    /// Keeps only the elements `keep` says to, in order; `keep` sees each element once, oldest
    /// first (as `Vec::retain`). The runs before the first removed element stay shared; the
    /// rest is rebuilt.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let Some(first) = self.iter().position(|x| !keep(x)) else {
            return;
        };
        let kept: Vec<T> = self
            .iter_from(first + 1)
            .filter(|x| keep(x))
            .cloned()
            .collect();
        self.truncate(first);
        self.extend(kept);
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

impl<T: fmt::Debug> fmt::Debug for Chunked<T> {
    /// As the list it stands for.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
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

/// The elements of a [`Chunked`] between two positions: from either end, skipping ahead in
/// one step, and cut short with [`Iter::prefix`]; a read of a range of a log.
pub struct Iter<'a, T> {
    /// The list's parts (none for an iterator over nothing).
    parts: Option<Parts<'a, T>>,
    /// The position of the next element from the front...
    front: usize,
    /// ... and one past the next from the back.
    back: usize,
    /// The next elements from the front that one run holds (none at or past `back`), so
    /// that walking forward looks up a run once rather than each element.
    run: &'a [T],
}

impl<'a, T> Iter<'a, T> {
    /// The first `count` of the elements left (all if fewer).
    pub fn prefix(mut self, count: usize) -> Self {
        self.back = self.back.min(self.front.saturating_add(count));
        self.trim_run();
        self
    }

    /// Keeps `run` before `back`.
    fn trim_run(&mut self) {
        let left = self.back - self.front;
        if self.run.len() > left {
            self.run = &self.run[..left];
        }
    }

    /// The elements from `index` to the end of the run holding it, at most `count`.
    fn run_at(&self, index: usize, count: usize) -> &'a [T] {
        let parts = self.parts.expect("an iterator with elements has parts");
        let run = parts
            .run_from(parts.head + index)
            .expect("an index within the list");
        &run[..count.min(run.len())]
    }
}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Iter { ..*self }
    }
}

impl<T> Default for Iter<'_, T> {
    /// No elements.
    fn default() -> Self {
        Iter {
            parts: None,
            front: 0,
            back: 0,
            run: &[],
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        if self.run.is_empty() {
            if self.front == self.back {
                return None;
            }
            self.run = self.run_at(self.front, self.back - self.front);
        }
        let (first, rest) = self.run.split_first()?;
        self.run = rest;
        self.front += 1;
        Some(first)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }

    fn nth(&mut self, n: usize) -> Option<&'a T> {
        if n < self.run.len() {
            self.run = &self.run[n..];
            self.front += n;
        } else {
            self.front = self.front.saturating_add(n).min(self.back);
            self.run = &[];
        }
        self.next()
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front == self.back {
            return None;
        }
        self.back -= 1;
        self.trim_run();
        self.parts.and_then(|parts| parts.element(self.back))
    }

    fn nth_back(&mut self, n: usize) -> Option<Self::Item> {
        self.back = self.back.saturating_sub(n).max(self.front);
        self.trim_run();
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
            same_each(&list.full, &copy.full).iter().all(|&s| s),
            "the copy shares every full chunk"
        );
        list[CHUNK + 3] = Rc::new(0);
        list[3 * CHUNK + 1] = Rc::new(0);
        assert_eq!(*copy[CHUNK + 3], CHUNK + 3, "the copy keeps what it had");
        assert_eq!(*copy[3 * CHUNK + 1], 3 * CHUNK + 1);
        assert_eq!(*list[CHUNK + 3], 0);
        assert_eq!(
            same_each(&list.full, &copy.full),
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
        // A copy's open run and runs hold only what they had: growing it seals a run and a
        // chunk without spare room.
        let mut copy = copy;
        copy.push(0);
        copy.push(0);
        assert_eq!(copy.full.len(), 1);
        assert_eq!(copy.full[0].capacity(), RUNS);
        assert!(copy.full[0].iter().all(|run| run.capacity() == RUN));
    }

    #[test]
    fn a_copy_holds_at_most_a_run_of_its_own() {
        let mut list = numbers(3 * CHUNK + 5 * RUN + 7);
        let copy = list.clone();
        assert_eq!(copy.unshared_len(), 7);
        assert_eq!(copy.pointers(), 3 + 5);
        assert!(
            same_each(&list.runs, &copy.runs).iter().all(|&s| s),
            "the copy shares the sealed runs of the chunk being filled"
        );
        // The run grows on: the copy keeps its runs, shared with the chunk they end up in.
        list.extend(0..CHUNK);
        assert!(same_each(&copy.runs, &list.full[3]).iter().all(|&s| s));
        // A write near the end copies one run (and its chunk's pointers), not the chunk.
        list[3 * CHUNK + 2] = 0;
        let copied = same_each(&copy.runs, &list.full[3]);
        assert_eq!(copied.iter().filter(|&&same| !same).count(), 1);
        assert_eq!(copy[3 * CHUNK + 2], 3 * CHUNK + 2);
    }

    /// Whether `a` and `b` hold the same chunk at each position.
    fn shared(a: &Chunked<usize>, b: &Chunked<usize>) -> Vec<bool> {
        same_each(&a.full, &b.full)
    }

    /// Whether `a` and `b` point at the same allocation at each position (chunks or runs).
    fn same_each<T>(a: &[Rc<T>], b: &[Rc<T>]) -> Vec<bool> {
        a.iter().zip(b).map(|(a, b)| Rc::ptr_eq(a, b)).collect()
    }

    /// Every way of reading `list` agrees with `model`.
    fn assert_reads_as(list: &Chunked<usize>, model: &[usize], what: &str) {
        assert_eq!(list.len(), model.len(), "{what}");
        assert_eq!(list.is_empty(), model.is_empty(), "{what}");
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), model, "{what}");
        assert_eq!(
            list.iter().rev().copied().collect::<Vec<_>>(),
            model.iter().rev().copied().collect::<Vec<_>>(),
            "{what}"
        );
        assert_eq!(list.slices().flatten().copied().collect::<Vec<_>>(), model);
        assert_eq!(list.first(), model.first(), "{what}");
        assert_eq!(list.last(), model.last(), "{what}");
        for index in [0, 1, CHUNK - 1, CHUNK, model.len() / 2, model.len()] {
            assert_eq!(list.get(index), model.get(index), "{what}: get({index})");
        }
        if let Some(&probe) = model.get(model.len() / 3)
            && model.is_sorted()
        {
            assert_eq!(
                list.partition_point(|&x| x < probe),
                model.partition_point(|&x| x < probe),
                "{what}"
            );
        }
        assert!(list.runs.len() < RUNS && list.open.len() < RUN, "{what}");
        assert!(
            list.full
                .iter()
                .all(|c| c.len() == RUNS && c.iter().all(|r| r.len() == RUN)),
            "{what}"
        );
        assert!(list.runs.iter().all(|r| r.len() == RUN), "{what}");
        match list.full.is_empty() {
            false => assert!(list.head < CHUNK, "{what}"),
            true => assert!(
                list.head < RUN && (list.head == 0 || !list.runs.is_empty()),
                "{what}: head {} without full chunks",
                list.head
            ),
        }
    }

    /// Positions around run and chunk boundaries and the ends of a list of `len`.
    fn edges(len: usize) -> [usize; 12] {
        [
            0,
            1,
            RUN - 1,
            RUN,
            2 * RUN + 3,
            CHUNK - 1,
            CHUNK,
            CHUNK + 7,
            3 * CHUNK,
            len - 1,
            len,
            len + 3,
        ]
    }

    #[test]
    fn truncation_keeps_the_start_and_leaves_a_copy_as_it_was() {
        let len = 3 * CHUNK + 5;
        for keep in edges(len) {
            let mut list = numbers(len);
            let copy = list.clone();
            list.truncate(keep);
            let model: Vec<usize> = (0..keep.min(len)).collect();
            assert_reads_as(&list, &model, &format!("truncate({keep})"));
            assert_reads_as(&copy, &(0..len).collect::<Vec<_>>(), "the copy");
            // It grows again from its new end, the copy still untouched.
            list.extend(1_000_000..1_000_000 + CHUNK + 1);
            let mut grown = model.clone();
            grown.extend(1_000_000..1_000_000 + CHUNK + 1);
            assert_reads_as(&list, &grown, &format!("grown after truncate({keep})"));
            assert_reads_as(&copy, &(0..len).collect::<Vec<_>>(), "the copy");
            let whole = keep.min(len) / CHUNK;
            assert!(
                shared(&list, &copy)[..whole].iter().all(|&s| s),
                "the chunks below the cut stay shared: truncate({keep})"
            );
        }
    }

    #[test]
    fn dropping_from_the_front_moves_nothing_and_leaves_a_copy_as_it_was() {
        let len = 3 * CHUNK + 5;
        for count in edges(len) {
            let mut list = numbers(len);
            let copy = list.clone();
            list.drop_front(count);
            let mut model: Vec<usize> = (count.min(len)..len).collect();
            assert_reads_as(&list, &model, &format!("drop_front({count})"));
            assert_reads_as(&copy, &(0..len).collect::<Vec<_>>(), "the copy");
            if count < 3 * CHUNK {
                assert!(
                    Rc::ptr_eq(&list.full[0], &copy.full[count / CHUNK]),
                    "the chunk holding the new start is still shared: drop_front({count})"
                );
            }
            // Then the rest of what a log does: grow, read from an offset, cut the end.
            list.extend(len..len + 2 * CHUNK);
            model.extend(len..len + 2 * CHUNK);
            assert_reads_as(&list, &model, &format!("grown after drop_front({count})"));
            for start in [0, 1, CHUNK - count % CHUNK, model.len() / 2] {
                assert_eq!(
                    list.iter_from(start).copied().collect::<Vec<_>>(),
                    model.get(start..).unwrap_or(&[]).to_vec(),
                    "drop_front({count}) then iter_from({start})"
                );
            }
            let keep = model.len() / 2 + 1;
            list.truncate(keep);
            model.truncate(keep);
            assert_reads_as(
                &list,
                &model,
                &format!("truncated after drop_front({count})"),
            );
            list.drop_front(keep - 1);
            model.drain(..keep - 1);
            assert_reads_as(
                &list,
                &model,
                &format!("one left after drop_front({count})"),
            );
        }
    }

    #[test]
    fn retain_leaves_gaps_sees_each_element_once_and_shares_what_it_did_not_touch() {
        let len = 4 * CHUNK + 3;
        let mut list = numbers(len);
        list.drop_front(10);
        let copy = list.clone();
        let mut seen = Vec::new();
        // As the cleaner: decide by position below a point, keep everything after it.
        let end = 3 * CHUNK;
        let mut index = 0;
        list.retain(|&x| {
            seen.push(x);
            index += 1;
            index > end || index <= CHUNK + 100 || x % 3 == 0
        });
        assert_eq!(seen, (10..len).collect::<Vec<_>>(), "each once, in order");
        let model: Vec<usize> = (10..len)
            .enumerate()
            .filter(|&(i, x)| i + 1 > end || i < CHUNK + 100 || x % 3 == 0)
            .map(|(_, x)| x)
            .collect();
        assert_reads_as(&list, &model, "retained");
        assert_reads_as(&copy, &(10..len).collect::<Vec<_>>(), "the copy");
        assert_eq!(
            shared(&list, &copy)[..1],
            [true],
            "the chunk before the first removal is still shared"
        );
        let mut all = list.clone();
        all.retain(|_| true);
        assert!(
            shared(&all, &list).iter().all(|&s| s),
            "nothing removed, nothing copied"
        );
        all.retain(|_| false);
        assert_reads_as(&all, &[], "none kept");
    }

    #[test]
    fn a_range_reads_as_the_slice_and_can_be_cut_short() {
        let mut list = numbers(3 * CHUNK + 5);
        list.drop_front(CHUNK / 2);
        let model: Vec<usize> = list.iter().copied().collect();
        for (start, end) in [
            (0, 0),
            (0, 5),
            (3, CHUNK + 2),
            (CHUNK, model.len()),
            (7, 99_999),
        ] {
            let range = list.range(start..end);
            let want = &model[start.min(model.len())..end.min(model.len())];
            assert_eq!(range.len(), want.len());
            assert_eq!(range.clone().copied().collect::<Vec<_>>(), want);
            assert_eq!(range.clone().next_back(), want.last());
            for count in [0, 1, CHUNK, 99_999] {
                assert_eq!(
                    range.clone().prefix(count).copied().collect::<Vec<_>>(),
                    &want[..count.min(want.len())],
                    "range({start}..{end}).prefix({count})"
                );
            }
            let mut walk = range.clone();
            walk.next();
            assert_eq!(
                walk.clone().prefix(2).len(),
                want.len().saturating_sub(1).min(2)
            );
            assert_eq!(walk.nth(1), want.get(2));
            assert_eq!(walk.next_back(), want.get(3..).and_then(|w| w.last()));
        }
        assert_eq!(list.range(..=2).len(), 3);
        assert_eq!(Iter::<usize>::default().next(), None);
    }

    #[test]
    fn random_edits_read_as_a_vector_and_never_touch_a_copy() {
        for seed in 1..=20 {
            let mut rng = crate::rng::SimRng::new(seed);
            let mut list = Chunked::new();
            let mut model: Vec<usize> = Vec::new();
            let mut copies: Vec<(Chunked<usize>, Vec<usize>)> = Vec::new();
            for step in 0..300 {
                let what = format!("seed {seed} step {step}");
                let len = model.len() as u64;
                match rng.below(6) {
                    0 | 1 => {
                        let more = rng.below(2 * CHUNK as u64) as usize;
                        let from = model.last().map_or(0, |x| x + 1);
                        list.extend(from..from + more);
                        model.extend(from..from + more);
                    }
                    2 => {
                        let keep = rng.below(len + 1) as usize;
                        list.truncate(keep);
                        model.truncate(keep);
                    }
                    3 => {
                        let count = rng.below(len / 2 + 1) as usize;
                        list.drop_front(count);
                        model.drain(..count);
                    }
                    4 => {
                        let modulus = rng.below(4) as usize + 2;
                        list.retain(|x| x % modulus != 0);
                        model.retain(|x| x % modulus != 0);
                    }
                    _ => {
                        let index = rng.below(len.max(1)) as usize;
                        if index < model.len() {
                            list[index] += 1;
                            model[index] += 1;
                        }
                        copies.push((list.clone(), model.clone()));
                    }
                }
                assert_reads_as(&list, &model, &what);
            }
            for (copy, model) in &copies {
                assert_reads_as(copy, model, &format!("seed {seed}: a copy"));
            }
        }
    }
}
