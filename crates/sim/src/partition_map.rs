//! A map keyed by partition, in the order a `BTreeMap<TopicPartition, _>` keeps (topic name,
//! then partition index), found by topic and then by index.
//!
//! A broker looks its replicas up dozens of times per follower fetch (every partition it
//! follows from a leader, `__consumer_offsets`' fifty included), and in a `BTreeMap` each
//! look-up compares names along the tree's path: a third of the busy cluster's instructions
//! went to those searches (callgrind, BENCHMARKS.md). Here a look-up compares against a
//! handful of topic names (most often the same `Rc`, settled without reading it) and indexes
//! the partition. Iteration order is the `BTreeMap`'s, so the traces do not change.

use crate::protocol::{TopicPartition, topic_order};
use std::rc::Rc;

/// How many topics a look-up scans for the same `Rc` before it searches by name.
const SCANNED: usize = 8;

/// One topic's partitions, by index.
#[derive(Clone, Debug)]
struct Topic<V> {
    name: Rc<str>,
    partitions: Vec<Option<(TopicPartition, V)>>,
}

/// Values by partition, ordered as `BTreeMap<TopicPartition, V>` orders them.
#[derive(Clone, Debug)]
pub struct PartitionMap<V> {
    /// Sorted by name; a topic with no partition left is removed.
    topics: Vec<Topic<V>>,
    len: usize,
}

impl<V> Default for PartitionMap<V> {
    fn default() -> Self {
        PartitionMap {
            topics: Vec::new(),
            len: 0,
        }
    }
}

impl<V> PartitionMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `name`'s topic in `topics`, or where it would go.
    ///
    /// Inlined into each look-up, with the search by name out of line: as one function,
    /// saving and restoring the registers the search needs cost more than comparing the
    /// pointers (callgrind: a broker's look-ups of its replicas at every follower's fetch).
    #[inline]
    fn topic(&self, name: &Rc<str>) -> Result<usize, usize> {
        // Most names looked up are the very `Rc` kept here (the metadata's): a few pointers
        // compared find them before any name is read.
        let mut first = self.topics.iter().take(SCANNED);
        if let Some(at) = first.position(|t| Rc::ptr_eq(&t.name, name)) {
            return Ok(at);
        }
        self.topic_by_name(name)
    }

    /// [`topic`](Self::topic) for a name that is not the very `Rc` kept here.
    #[inline(never)]
    fn topic_by_name(&self, name: &Rc<str>) -> Result<usize, usize> {
        self.topics.binary_search_by(|t| topic_order(&t.name, name))
    }

    /// How many partitions have a value.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no partition has a value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `tp`, if it has one.
    pub fn get(&self, tp: &TopicPartition) -> Option<&V> {
        let topic = &self.topics[self.topic(&tp.topic).ok()?];
        let (_, value) = topic.partitions.get(tp.partition as usize)?.as_ref()?;
        Some(value)
    }

    /// The value of `tp`, if it has one, to change.
    pub fn get_mut(&mut self, tp: &TopicPartition) -> Option<&mut V> {
        let index = self.topic(&tp.topic).ok()?;
        let slot = self.topics[index]
            .partitions
            .get_mut(tp.partition as usize)?;
        slot.as_mut().map(|(_, value)| value)
    }

    /// Whether `tp` has a value.
    pub fn contains_key(&self, tp: &TopicPartition) -> bool {
        self.get(tp).is_some()
    }

    /// The value of `tp`, made with `make` if it has none.
    pub fn get_or_insert_with(&mut self, tp: &TopicPartition, make: impl FnOnce() -> V) -> &mut V {
        let index = self.topic(&tp.topic).unwrap_or_else(|at| {
            let name = Rc::clone(&tp.topic);
            let partitions = Vec::new();
            self.topics.insert(at, Topic { name, partitions });
            at
        });
        let partitions = &mut self.topics[index].partitions;
        let at = tp.partition as usize;
        if partitions.len() <= at {
            partitions.resize_with(at + 1, || None);
        }
        let slot = &mut partitions[at];
        if slot.is_none() {
            self.len += 1;
        }
        let (_, value) = slot.get_or_insert_with(|| (tp.clone(), make()));
        value
    }

    /// Sets the value of `tp`, returning the one it replaces.
    pub fn insert(&mut self, tp: TopicPartition, value: V) -> Option<V> {
        let mut value = Some(value);
        let slot = self.get_or_insert_with(&tp, || value.take().expect("taken once"));
        value.map(|v| std::mem::replace(slot, v))
    }

    /// Removes `tp`'s value, returning it.
    pub fn remove(&mut self, tp: &TopicPartition) -> Option<V> {
        let index = self.topic(&tp.topic).ok()?;
        let partitions = &mut self.topics[index].partitions;
        let (_, value) = partitions.get_mut(tp.partition as usize)?.take()?;
        self.len -= 1;
        while partitions.last().is_some_and(Option::is_none) {
            partitions.pop();
        }
        if partitions.is_empty() {
            self.topics.remove(index);
        }
        Some(value)
    }

    /// Keeps only the partitions `keep` says yes to, visiting them in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&TopicPartition, &mut V) -> bool) {
        for topic in &mut self.topics {
            for slot in &mut topic.partitions {
                if slot.as_mut().is_some_and(|(tp, value)| !keep(tp, value)) {
                    *slot = None;
                    self.len -= 1;
                }
            }
            while topic.partitions.last().is_some_and(Option::is_none) {
                topic.partitions.pop();
            }
        }
        self.topics.retain(|t| !t.partitions.is_empty());
    }

    /// Partitions and values, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&TopicPartition, &V)> {
        self.topics
            .iter()
            .flat_map(|t| t.partitions.iter().flatten())
            .map(|(tp, value)| (tp, value))
    }

    /// Calls `f` with each partition and value, in order: a walk of every value in plain
    /// loops, which costs a fraction of stepping [`iter`](Self::iter)'s nested iterator
    /// (callgrind: a broker's walk of its replicas after every fetch answer).
    pub fn for_each<'a>(&'a self, mut f: impl FnMut(&'a TopicPartition, &'a V)) {
        for topic in &self.topics {
            for (tp, value) in topic.partitions.iter().flatten() {
                f(tp, value);
            }
        }
    }

    /// Each topic's name with its partitions and values, in order: a walk that needs
    /// something per topic looks it up once, without comparing every partition's name.
    pub fn by_topic(
        &self,
    ) -> impl Iterator<Item = (&Rc<str>, impl Iterator<Item = (&TopicPartition, &V)>)> {
        self.topics.iter().map(|t| {
            // One level of iterator, not `flatten`'s two: its caller steps it from outside.
            let partitions = t.partitions.iter().filter_map(|slot| {
                let (tp, value) = slot.as_ref()?;
                Some((tp, value))
            });
            (&t.name, partitions)
        })
    }

    /// Partitions and values to change, in order.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&TopicPartition, &mut V)> {
        self.topics
            .iter_mut()
            .flat_map(|t| t.partitions.iter_mut().flatten())
            .map(|(tp, value)| (&*tp, value))
    }

    /// The partitions, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &TopicPartition> {
        self.iter().map(|(tp, _)| tp)
    }

    /// The values, in their partitions' order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.iter().map(|(_, value)| value)
    }

    /// The values, in their partitions' order, owned.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.topics
            .into_iter()
            .flat_map(|t| t.partitions.into_iter().flatten())
            .map(|(_, value)| value)
    }

    /// The values to change, in their partitions' order.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.iter_mut().map(|(_, value)| value)
    }
}

impl<V: Default> PartitionMap<V> {
    /// The value of `tp`, a default one if it has none (`entry(tp).or_default()`).
    pub fn get_or_default(&mut self, tp: &TopicPartition) -> &mut V {
        self.get_or_insert_with(tp, V::default)
    }
}

impl<V> FromIterator<(TopicPartition, V)> for PartitionMap<V> {
    fn from_iter<I: IntoIterator<Item = (TopicPartition, V)>>(items: I) -> Self {
        let mut map = PartitionMap::new();
        for (tp, value) in items {
            map.insert(tp, value);
        }
        map
    }
}

impl<V: PartialEq> PartialEq for PartitionMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn tp(topic: &str, partition: u32) -> TopicPartition {
        TopicPartition::new(topic, partition)
    }

    #[test]
    fn looks_up_by_name_whatever_rc_holds_it() {
        let mut map = PartitionMap::new();
        map.insert(tp("orders", 3), 'a');
        map.insert(tp("__consumer_offsets", 0), 'b');
        assert_eq!(map.get(&tp("orders", 3)), Some(&'a'));
        assert_eq!(map.get(&tp("orders", 2)), None);
        assert_eq!(map.get(&tp("orders", 4)), None);
        assert_eq!(map.get(&tp("payments", 3)), None);
        assert_eq!(map.len(), 2);
        let keys: Vec<String> = map.keys().map(ToString::to_string).collect();
        assert_eq!(keys, ["__consumer_offsets-0", "orders-3"]);
    }

    /// What the map is for: the same answers and order as the `BTreeMap` it replaces.
    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8, u32, u16),
        Default(u8, u32),
        Mutate(u8, u32),
        Remove(u8, u32),
        Retain(u16),
    }

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        let topic = 0u8..4;
        let partition = 0u32..6;
        let op = prop_oneof![
            (topic.clone(), partition.clone(), any::<u16>())
                .prop_map(|(t, p, v)| Op::Insert(t, p, v)),
            (topic.clone(), partition.clone()).prop_map(|(t, p)| Op::Default(t, p)),
            (topic.clone(), partition.clone()).prop_map(|(t, p)| Op::Mutate(t, p)),
            (topic, partition).prop_map(|(t, p)| Op::Remove(t, p)),
            any::<u16>().prop_map(Op::Retain),
        ];
        proptest::collection::vec(op, 0..40)
    }

    proptest! {
        #[test]
        fn behaves_as_a_btree_map(ops in ops()) {
            let names = ["b", "a", "__consumer_offsets", "ab"];
            let mut map = PartitionMap::new();
            let mut model: BTreeMap<TopicPartition, u16> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(t, p, v) => {
                        let key = tp(names[t as usize], p);
                        prop_assert_eq!(map.insert(key.clone(), v), model.insert(key, v));
                    }
                    Op::Default(t, p) => {
                        let key = tp(names[t as usize], p);
                        *map.get_or_default(&key) += 1;
                        *model.entry(key).or_default() += 1;
                    }
                    Op::Mutate(t, p) => {
                        let key = tp(names[t as usize], p);
                        if let Some(v) = map.get_mut(&key) {
                            *v = v.wrapping_mul(3);
                        }
                        if let Some(v) = model.get_mut(&key) {
                            *v = v.wrapping_mul(3);
                        }
                    }
                    Op::Remove(t, p) => {
                        let key = tp(names[t as usize], p);
                        prop_assert_eq!(map.remove(&key), model.remove(&key));
                    }
                    Op::Retain(bar) => {
                        map.retain(|_, v| *v < bar);
                        model.retain(|_, v| *v < bar);
                    }
                }
                prop_assert_eq!(map.len(), model.len());
                prop_assert!(map.iter().eq(model.iter()));
                prop_assert!(map.iter().rev().eq(model.iter().rev()));
                for t in names {
                    for p in 0..7 {
                        prop_assert_eq!(map.get(&tp(t, p)), model.get(&tp(t, p)));
                    }
                }
            }
        }
    }
}
