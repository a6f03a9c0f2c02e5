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
    /// Adds `offset`; returns false when it was already there.
    fn insert(&mut self, offset: u64) -> bool {
        let before = self.0.range(..=offset).next_back().map(|(&s, &e)| (s, e));
        if before.is_some_and(|(_, end)| offset < end) {
            return false;
        }
        let mut start = offset;
        let mut end = offset + 1;
        if let Some((s, e)) = before.filter(|&(_, e)| e == offset) {
            self.0.remove(&s);
            start = s;
            debug_assert_eq!(e, offset);
        }
        if let Some(after_end) = self.0.remove(&end) {
            end = after_end;
        }
        self.0.insert(start, end);
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
        for r in records {
            if !self.once.entry(r.tp.clone()).or_default().insert(r.offset)
                && self.twice.entry(r.tp.clone()).or_default().insert(r.offset)
            {
                self.count += 1;
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
