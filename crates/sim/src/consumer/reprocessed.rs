//! Which records the application has finished processing, kept as ranges of offsets per
//! partition as processing ends, so "processed N records a second time" costs a lookup, not a
//! pass over every poll of the run.

use crate::client::ConsumedRecord;
use crate::protocol::TopicPartition;
use std::collections::BTreeMap;

/// Offsets as disjoint half-open ranges `start -> end`; consumption is mostly sequential, so a
/// partition read once end to end is one range.
#[derive(Clone, Debug, Default)]
struct Offsets(BTreeMap<u64, u64>);

impl Offsets {
    /// Adds `offset`; returns false when it was already there. One search finds the last
    /// range starting at or below `offset + 1`: a record next in a range read in order
    /// extends it in place; only one that closes a gap up to the next range searches again.
    fn insert(&mut self, offset: u64) -> bool {
        let next = offset + 1;
        match self.0.range_mut(..=next).next_back() {
            Some((&start, end)) if start <= offset => {
                if offset < *end {
                    return false;
                }
                if *end == offset {
                    // No range starts at `next`: this one is the last starting up to there.
                    *end = next;
                    return true;
                }
            }
            Some(_) => {
                // A range starts at `next`: `offset` joins it, and the one before if that
                // ends at `offset`.
                let end = self.0.remove(&next).expect("found above");
                if let Some((_, before)) = self.0.range_mut(..offset).next_back()
                    && *before == offset
                {
                    *before = end;
                } else {
                    self.0.insert(offset, end);
                }
                return true;
            }
            None => {}
        }
        self.0.insert(offset, next);
        true
    }
}

/// Records (partition and offset) processed at least once, and how many of them more than once.
#[derive(Clone, Debug, Default)]
pub(super) struct Reprocessed {
    once: BTreeMap<TopicPartition, Offsets>,
    twice: BTreeMap<TopicPartition, Offsets>,
    count: usize,
}

impl Reprocessed {
    /// The application finished processing `records`.
    pub(super) fn processed(&mut self, records: &[ConsumedRecord]) {
        // A poll returns each partition's records together: one lookup per partition.
        for run in records.chunk_by(|a, b| a.tp == b.tp) {
            let tp = &run[0].tp;
            let once = self.once.entry(tp.clone()).or_default();
            let mut again = Vec::new();
            for r in run {
                if !once.insert(r.offset) {
                    again.push(r.offset);
                }
            }
            if again.is_empty() {
                continue;
            }
            let twice = self.twice.entry(tp.clone()).or_default();
            for offset in again {
                if twice.insert(offset) {
                    self.count += 1;
                }
            }
        }
    }

    /// Records processed more than once.
    pub(super) fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(offsets: &[u64]) -> Vec<ConsumedRecord> {
        offsets
            .iter()
            .map(|&offset| ConsumedRecord {
                tp: TopicPartition::new("t", 0),
                offset,
                timestamp_ms: 0,
                key: None,
                value: Some(std::rc::Rc::from(&b"v"[..])),
                headers: Vec::new(),
                transactional: false,
            })
            .collect()
    }

    /// Every order of inserting 0..6 leaves the ranges a set of those offsets would make, and
    /// reports a second insert.
    #[test]
    fn ranges_hold_exactly_the_offsets_inserted_in_any_order() {
        fn permutations(items: Vec<u64>) -> Vec<Vec<u64>> {
            if items.len() <= 1 {
                return vec![items];
            }
            (0..items.len())
                .flat_map(|i| {
                    let mut rest = items.clone();
                    let first = rest.remove(i);
                    permutations(rest).into_iter().map(move |mut p| {
                        p.insert(0, first);
                        p
                    })
                })
                .collect()
        }
        for order in permutations(vec![0, 1, 2, 3, 4, 5]) {
            let mut offsets = Offsets::default();
            let mut seen = std::collections::BTreeSet::new();
            for &o in order.iter().chain(&[3, 0, 5]) {
                assert_eq!(offsets.insert(o), seen.insert(o), "{order:?}: {o}");
                let held: Vec<u64> = offsets.0.iter().flat_map(|(&s, &e)| s..e).collect();
                assert_eq!(held, seen.iter().copied().collect::<Vec<_>>(), "{order:?}");
                assert!(
                    offsets
                        .0
                        .iter()
                        .zip(offsets.0.iter().skip(1))
                        .all(|(a, b)| a.1 < b.0),
                    "{order:?}: ranges disjoint and not touching: {:?}",
                    offsets.0
                );
            }
        }
    }

    #[test]
    fn counts_each_record_processed_again_once() {
        let mut tally = Reprocessed::default();
        tally.processed(&records(&[0, 1, 2, 5, 6]));
        assert_eq!(tally.count(), 0);
        // 3 and 4 fill the gap; 2 and 5 come again (a rewind after a crash).
        tally.processed(&records(&[2, 3, 4, 5]));
        assert_eq!(tally.count(), 2);
        // A third time counts nothing new.
        tally.processed(&records(&[2, 5, 7]));
        assert_eq!(tally.count(), 2);
        tally.processed(&records(&[0, 1, 2, 3, 4, 5, 6, 7]));
        assert_eq!(tally.count(), 8);
        assert_eq!(
            tally.once[&TopicPartition::new("t", 0)].0.len(),
            1,
            "one range"
        );
    }
}
