//! Stable sorts, and sorted maps and sets built from iterators, that cost the page's wasm one
//! copy of the standard library's sort.
//!
//! `slice::sort_by_key` is monomorphised for every element type and key: the core and the page
//! had 47 copies of it (quicksort, drift sort, small sorts and pivots, about 4.4 KB each before
//! wasm-opt, 208 KB in all; BENCHMARKS.md, issue 17). In wasm these functions sort the
//! elements' positions (`u32`s) with one comparator that calls back through `dyn`, then move
//! the elements into that order: one sort instance for every caller. A stable sort's result is
//! fixed by its comparator, so the order, and every trace hash, is the one `slice::sort_by`
//! gives; natively, where speed matters and size does not, they are `slice::sort_by`.
//!
//! `collect()` into a `BTreeMap` or `BTreeSet` sorts the items first (a sort instance per entry
//! type and iterator); [`Collect`] builds the same map by inserting them.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `collect()` into sorted collections without `FromIterator`'s sort: the same map or set
/// (for a key given twice the last value wins, as it does in `collect()`).
pub trait Collect: Iterator + Sized {
    /// The entries as a map.
    fn collect_map<K: Ord, V>(self) -> BTreeMap<K, V>
    where
        Self: Iterator<Item = (K, V)>,
    {
        let mut map = BTreeMap::new();
        map.extend(self);
        map
    }

    /// The items as a set.
    fn collect_set(self) -> BTreeSet<Self::Item>
    where
        Self::Item: Ord,
    {
        let mut set = BTreeSet::new();
        set.extend(self);
        set
    }
}

impl<I: Iterator> Collect for I {}

/// Sorts `items` by `key`, keeping the order of equal keys (as `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items`, keeping the order of equal ones (as `slice::sort`).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Sorts `items` by `compare`, keeping the order of equal ones (as `slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], compare: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    by_positions(items, compare);
    #[cfg(not(target_arch = "wasm32"))]
    items.sort_by(compare);
}

/// The wasm path (tested natively): sorts positions, then applies the permutation in place.
#[cfg(any(target_arch = "wasm32", test))]
fn by_positions<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let Ok(len) = u32::try_from(items.len()) else {
        unreachable!("sorting {} items: more than u32 positions", items.len())
    };
    let mut order: Vec<u32> = (0..len).collect();
    sort_positions(&mut order, &mut |a, b| {
        compare(&items[a as usize], &items[b as usize])
    });
    // `order[i]` is where the item that belongs at `i` is now: follow each cycle once.
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        let mut at = start;
        while !placed[at] {
            placed[at] = true;
            let from = order[at] as usize;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// The one instance of the standard library's stable sort.
#[cfg(any(target_arch = "wasm32", test))]
fn sort_positions(order: &mut [u32], compare: &mut dyn FnMut(u32, u32) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

#[cfg(test)]
mod tests {
    use super::{Collect, by_positions};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// The same map and set as `collect()`, a repeated key's last value included.
    #[test]
    fn collected_maps_and_sets_are_what_collect_builds() {
        let entries = [(3, "c"), (1, "a"), (3, "z"), (2, "b"), (1, "y")];
        let expected: BTreeMap<u32, &str> = entries.iter().copied().collect();
        assert_eq!(entries.iter().copied().collect_map(), expected);
        let expected: BTreeSet<u32> = entries.iter().map(|e| e.0).collect();
        assert_eq!(entries.iter().map(|e| e.0).collect_set(), expected);
    }

    proptest! {
        /// The positions path gives what `slice::sort_by_key` gives, ties included: keys are
        /// drawn from a small range so most inputs have equal keys in several places.
        #[test]
        fn sorting_positions_is_the_standard_stable_sort(
            keys in proptest::collection::vec(0u8..6, 0..200),
        ) {
            let items: Vec<(u8, usize)> = keys.into_iter().zip(0..).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(key, _)| key);
            let mut sorted = items;
            by_positions(&mut sorted, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(sorted, expected);
        }
    }
}
