//! The simulated network: per-link latency with jitter, a drop probability, and cut links.
//!
//! A link is directed, like one half of a TCP connection, and keeps its messages in order:
//! Kafka relies on in-order delivery per connection (the reason `max.in.flight` can reorder only
//! through retries), so jitter may delay a message but never lets it overtake an earlier one.

use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A node's address in the world: brokers, the controller and clients alike.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node {}", self.0)
    }
}

/// How one direction of a link behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkConfig {
    /// One-way delay before any jitter.
    pub latency: SimDuration,
    /// Up to this much extra delay, drawn uniformly per message.
    pub jitter: SimDuration,
    /// Probability that a message is lost, in parts per million.
    pub drop_per_million: u32,
    /// A cut link delivers nothing (a network partition).
    pub cut: bool,
}

impl Default for LinkConfig {
    /// A healthy data-centre link: 1 ms one way, up to 0.5 ms jitter, no loss.
    fn default() -> Self {
        LinkConfig {
            latency: SimDuration::from_micros(1_000),
            jitter: SimDuration::from_micros(500),
            drop_per_million: 0,
            cut: false,
        }
    }
}

/// What the network does with one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The message arrives at this time.
    Deliver(SimTime),
    /// The message is lost.
    Drop(DropReason),
}

/// Why a message was lost, for the event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum DropReason {
    /// The link is cut.
    LinkCut,
    /// The link's drop probability struck.
    RandomLoss,
    /// The receiving node is down.
    NodeDown,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::LinkCut => "the link is cut",
            DropReason::RandomLoss => "random packet loss",
            DropReason::NodeDown => "the receiver is down",
        })
    }
}

/// All links of the world. Links not configured explicitly behave like `default`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Network {
    default: LinkConfig,
    links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    /// Latest arrival time handed out per link, to keep each link first-in first-out.
    last_arrival: BTreeMap<(NodeId, NodeId), SimTime>,
}

impl Network {
    /// A network whose links all behave like `default` until changed.
    pub(crate) fn new(default: LinkConfig) -> Self {
        Network {
            default,
            ..Network::default()
        }
    }

    /// The current behaviour of the link `from -> to`.
    pub(crate) fn link(&self, from: NodeId, to: NodeId) -> LinkConfig {
        self.links.get(&(from, to)).copied().unwrap_or(self.default)
    }

    /// Decides the fate of one message sent now.
    pub(crate) fn route(
        &mut self,
        from: NodeId,
        to: NodeId,
        now: SimTime,
        rng: &mut SimRng,
    ) -> Verdict {
        let link = self.link(from, to);
        if link.cut {
            return Verdict::Drop(DropReason::LinkCut);
        }
        if rng.chance_per_million(link.drop_per_million) {
            return Verdict::Drop(DropReason::RandomLoss);
        }
        let jitter = SimDuration::from_micros(rng.below(link.jitter.as_micros() + 1));
        let mut arrival = now + link.latency + jitter;
        let last = self.last_arrival.entry((from, to)).or_insert(SimTime::ZERO);
        if arrival < *last {
            arrival = *last;
        }
        *last = arrival;
        Verdict::Deliver(arrival)
    }

    /// Changes one direction of a link.
    pub(crate) fn update(
        &mut self,
        from: NodeId,
        to: NodeId,
        change: impl FnOnce(&mut LinkConfig),
    ) {
        let default = self.default;
        let link = self.links.entry((from, to)).or_insert(default);
        change(link);
        if *link == default {
            self.links.remove(&(from, to));
        }
    }

    /// Cuts or heals both directions between `a` and `b`.
    pub(crate) fn set_cut(&mut self, a: NodeId, b: NodeId, cut: bool) {
        self.update(a, b, |link| link.cut = cut);
        self.update(b, a, |link| link.cut = cut);
    }

    /// Restores every link to the default behaviour.
    pub(crate) fn heal_all(&mut self) {
        self.links.clear();
    }

    /// The links that are cut, each direction listed once as (from, to).
    pub(crate) fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.links
            .iter()
            .filter(|(_, link)| link.cut)
            .map(|(&pair, _)| pair)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = NodeId(1);
    const B: NodeId = NodeId(2);

    #[test]
    fn a_cut_link_drops_both_ways_until_healed() {
        let mut net = Network::default();
        let mut rng = SimRng::new(1);
        net.set_cut(A, B, true);
        let now = SimTime::ZERO;
        assert_eq!(
            net.route(A, B, now, &mut rng),
            Verdict::Drop(DropReason::LinkCut)
        );
        assert_eq!(
            net.route(B, A, now, &mut rng),
            Verdict::Drop(DropReason::LinkCut)
        );
        net.set_cut(A, B, false);
        assert!(matches!(
            net.route(A, B, now, &mut rng),
            Verdict::Deliver(_)
        ));
        assert!(net.links.is_empty(), "a healed link is default again");
    }

    #[test]
    fn a_link_never_reorders() {
        let mut net = Network::new(LinkConfig {
            latency: SimDuration::from_millis(1),
            jitter: SimDuration::from_millis(50),
            ..LinkConfig::default()
        });
        let mut rng = SimRng::new(3);
        let mut last = SimTime::ZERO;
        for step in 0..500 {
            let Verdict::Deliver(at) = net.route(A, B, SimTime::from_micros(step * 100), &mut rng)
            else {
                panic!("no loss configured");
            };
            assert!(at >= last, "message {step} overtook an earlier one");
            last = at;
        }
    }

    #[test]
    fn drop_rate_is_roughly_honoured() {
        let mut net = Network::new(LinkConfig {
            drop_per_million: 250_000,
            ..LinkConfig::default()
        });
        let mut rng = SimRng::new(9);
        let dropped = (0..10_000)
            .filter(|_| matches!(net.route(A, B, SimTime::ZERO, &mut rng), Verdict::Drop(_)))
            .count();
        assert!(
            (2_000..3_000).contains(&dropped),
            "dropped {dropped} of 10000 at 25%"
        );
    }
}
