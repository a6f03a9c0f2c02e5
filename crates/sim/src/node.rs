//! What a node may do: read the time, draw randomness, send messages, set timers and report
//! events, all through [`Ctx`]. Handlers only record intent; the world applies it afterwards,
//! so every node can be driven alone in a unit test.

use crate::event::EventKind;
use crate::net::NodeId;
use crate::protocol::{BrokerId, Message};
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// A timer a node set for itself.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // Fields identify the request or peer the timer is about.
pub enum Timer {
    /// A broker's next BrokerHeartbeat (`broker.heartbeat.interval.ms`).
    BrokerHeartbeat,
    /// A broker retries registration that got no answer.
    BrokerRegistrationRetry,
    /// The controller checks whether a broker's session (`broker.session.timeout.ms`) expired.
    BrokerSessionExpiry {
        /// The broker whose session may have expired.
        broker: BrokerId,
    },
    /// The controller answers a parked metadata fetch with nothing new.
    MetadataFetchExpiry { node: NodeId },
    /// `auto.leader.rebalance.enable`: the controller's periodic imbalance check.
    LeaderImbalanceCheck,
    /// A broker's metadata fetch got no answer in time.
    MetadataFetchTimeout { correlation_id: u64 },
    /// A follower's fetch got no answer within `replica.socket.timeout.ms`.
    ReplicaFetchTimeout {
        leader: BrokerId,
        correlation_id: u64,
    },
    /// A follower waits before fetching again (after an error, or when slowed).
    ReplicaFetchBackoff { leader: BrokerId },
    /// A leader answers a parked fetch that found nothing within its max wait.
    ParkedFetchExpiry { from: NodeId, correlation_id: u64 },
    /// An acks=all produce ran out of `request.timeout.ms` in purgatory.
    ProduceTimeout { from: NodeId, correlation_id: u64 },
    /// A leader's periodic ISR check (every `replica.lag.time.max.ms` / 2).
    IsrExpiration,
    /// The OS writes dirty pages to disk.
    OsWriteback,
    /// A producer has something due (linger, retry backoff, a deadline).
    ProducerWakeup,
    /// The application behind a producer sends its next record of a steady stream.
    ProducerStream { generation: u64 },
    /// A client request got no answer within `request.timeout.ms`.
    ClientRequestTimeout { correlation_id: u64 },
    /// A rebalance's join phase ends (initial delay or rebalance timeout) for a group.
    GroupJoinDeadline { group: String },
    /// The coordinator checks whether a member's session expired.
    GroupSessionCheck { group: String, member_id: String },
    /// A coordinator's write to `__consumer_offsets` ran out of `offsets.commit.timeout.ms`.
    CoordinatorAppendTimeout { id: u64 },
    /// A consumer has something due (poll, processing, heartbeat, auto commit, a retry).
    ConsumerWakeup,
    /// A transaction coordinator sends the markers still owed (after an error's backoff).
    TxnMarkerRetry { transactional_id: String },
    /// A WriteTxnMarkers request got no answer in time.
    TxnMarkerTimeout { correlation_id: u64 },
    /// A quorum voter that heard nothing from a leader in time starts an election (or a
    /// candidate tries again).
    QuorumElection { generation: u64 },
    /// A quorum follower fetches the metadata log from the leader again (after its poll
    /// interval, or when a fetch got no answer); only the latest generation counts.
    QuorumFetch { generation: u64 },
    /// The coordinator's periodic search for timed-out transactions
    /// (`transaction.abort.timed.out.transaction.cleanup.interval.ms`).
    TxnTimeoutCheck,
    /// A consumer-protocol member asked to revoke partitions must have done so by now
    /// (its `max.poll.interval.ms`), or the coordinator fences it (KIP-848).
    GroupRebalanceTimeout { group: String, member_id: String },
    /// A share partition's leader checks whether locks it handed out expired.
    ShareLockExpiry {
        group: String,
        tp: crate::protocol::TopicPartition,
    },
}

/// Intent recorded by one handler call. The world owns one and reuses it, so handling an event
/// allocates nothing once the vectors have grown.
#[derive(Debug, Default, Clone)]
pub struct Outbox {
    pub(crate) sends: Vec<(NodeId, Message)>,
    pub(crate) timers: Vec<(SimDuration, Timer)>,
    pub(crate) events: Vec<EventKind>,
    /// Client operations invoked in this handler (indices into the node's history), so the
    /// world keeps one invocation order across clients.
    pub(crate) operations: Vec<usize>,
    pub(crate) stop: bool,
}

impl Outbox {
    pub(crate) fn clear(&mut self) {
        self.sends.clear();
        self.timers.clear();
        self.events.clear();
        self.operations.clear();
        self.stop = false;
    }
}

/// The handle a node's handler gets: the only way it touches time, randomness or the network.
pub struct Ctx<'a> {
    now: SimTime,
    me: NodeId,
    rng: &'a mut SimRng,
    out: &'a mut Outbox,
}

impl<'a> Ctx<'a> {
    /// A context for one handler call.
    pub fn new(now: SimTime, me: NodeId, rng: &'a mut SimRng, out: &'a mut Outbox) -> Self {
        Ctx { now, me, rng, out }
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The node being run.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The nodes' random stream.
    pub fn rng(&mut self) -> &mut SimRng {
        self.rng
    }

    /// Sends `message` to `to` over the network.
    pub fn send(&mut self, to: NodeId, message: impl Into<Message>) {
        self.out.sends.push((to, message.into()));
    }

    /// Fires `timer` on this node after `after`, unless the node crashes first.
    pub fn set_timer(&mut self, after: SimDuration, timer: Timer) {
        self.out.timers.push((after, timer));
    }

    /// Reports something worth showing in the event log.
    pub fn emit(&mut self, event: EventKind) {
        self.out.events.push(event);
    }

    /// Records that the client invoked operation `index` of its history now.
    pub fn invoked(&mut self, index: usize) {
        self.out.operations.push(index);
    }

    /// How many operations were recorded so far in this handler call.
    pub(crate) fn invoked_count(&self) -> usize {
        self.out.operations.len()
    }

    /// Adds `by` to the operations recorded since `since`: a second history in one process
    /// (an application's producer) gets indices of its own.
    pub(crate) fn shift_invoked(&mut self, since: usize, by: usize) {
        for index in &mut self.out.operations[since..] {
            *index += by;
        }
    }

    /// Stops this node's process after the handler returns (a clean shutdown).
    pub fn stop_self(&mut self) {
        self.out.stop = true;
    }
}
