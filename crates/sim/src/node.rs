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
    /// A broker registers again after a failed attempt, once its backoff has passed.
    BrokerRegistrationRetry,
    /// A broker gives up on a registration attempt that got no answer.
    BrokerRegistrationTimeout { correlation_id: u64 },
    /// The controller's periodic look for a broker session past `broker.session.timeout.ms`
    /// (Kafka's `maybeFenceStaleBroker` task).
    FenceStaleBroker,
    /// The controller answers a parked metadata fetch with nothing new.
    MetadataFetchExpiry { node: NodeId },
    /// `auto.leader.rebalance.enable`: the controller's periodic imbalance check.
    LeaderImbalanceCheck,
    /// A broker's metadata fetch got no answer in time.
    MetadataFetchTimeout { correlation_id: u64 },
    /// A follower looks for fetches that got no answer within `replica.socket.timeout.ms`
    /// (one timer at the earliest deadline serves them all).
    ReplicaFetchTimeouts,
    /// A follower waits before fetching again (after an error, or when slowed).
    ReplicaFetchBackoff { leader: BrokerId },
    /// A leader answers a parked fetch that found nothing within its max wait.
    ParkedFetchExpiry { from: NodeId, correlation_id: u64 },
    /// A leader looks for acks=all produces that ran out of their timeout in purgatory (one
    /// timer at the earliest deadline serves them all, as Kafka's purgatory cancels the timer
    /// of a produce that completes).
    ProduceTimeouts,
    /// A leader's periodic ISR check (every `replica.lag.time.max.ms` / 2).
    IsrExpiration,
    /// The OS writes dirty pages to disk.
    OsWriteback,
    /// A producer has something due (linger, retry backoff, a deadline).
    ProducerWakeup,
    /// The application behind a producer sends its next record of a steady stream.
    ProducerStream { generation: u64 },
    /// A client request got no answer within `request.timeout.ms` (a request its sender
    /// times out alone), or its connection was reset.
    ClientRequestTimeout { correlation_id: u64 },
    /// A client looks for requests past `request.timeout.ms` (those an `InFlightRequests`
    /// times out, all served by one timer at the earliest deadline).
    ClientRequestTimeouts,
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
    /// A partition leader looks for transaction verifications past their deadline.
    TxnVerificationTimeouts,
}

/// Which of a process's clients a message, a timer or an operation belongs to. Each Kafka
/// client opens connections of its own, so a broker's answer reaches the client that asked;
/// here a node is one process with one address, so the world keeps the connection each
/// client request came on and hands its answer (and the timers the client set) back with it.
/// A consume-transform-produce application is the one process with two clients: its
/// consumer and the producer it forwards with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Connection {
    /// The process's own client (the only one, for every process but a forwarding consumer).
    #[default]
    Main,
    /// A consume-transform-produce application's producer.
    AppProducer,
}

impl Connection {
    /// The correlation id a connection's requests are numbered after. A broker answers the
    /// process's one address, and the world matches an answer to its request by (client
    /// node, correlation id), so a process's two clients never use the same id: the
    /// producer's requests are numbered from 2^40, far above any count of the consumer's.
    pub(crate) fn first_correlation_id(self) -> u64 {
        match self {
            Connection::Main => 0,
            Connection::AppProducer => 1 << 40,
        }
    }
}

/// Intent recorded by one handler call. The world owns one and reuses it, so handling an event
/// allocates nothing once the vectors have grown.
#[derive(Debug, Default, Clone)]
pub struct Outbox {
    pub(crate) sends: Vec<(NodeId, Connection, Message)>,
    pub(crate) timers: Vec<(SimDuration, Connection, Timer)>,
    pub(crate) events: Vec<EventKind>,
    /// Client operations invoked in this handler (indices into the history of the client on
    /// that connection), so the world keeps one invocation order across clients.
    pub(crate) operations: Vec<(Connection, usize)>,
    pub(crate) stop: bool,
    /// The handler wrote no log its node leads (see [`Ctx::led_logs_untouched`]).
    pub(crate) led_logs_untouched: bool,
}

impl Outbox {
    pub(crate) fn clear(&mut self) {
        self.sends.clear();
        self.timers.clear();
        self.events.clear();
        self.operations.clear();
        self.stop = false;
        self.led_logs_untouched = false;
    }
}

/// The handle a node's handler gets: the only way it touches time, randomness or the network.
pub struct Ctx<'a> {
    now: SimTime,
    me: NodeId,
    /// The client of the process the message or timer being handled is for.
    arrived_on: Connection,
    /// The client of the process acting now: what it sends, sets and invokes is on its
    /// connection. The process's own client, unless a handler acts as another one.
    acting: Connection,
    rng: &'a mut SimRng,
    out: &'a mut Outbox,
}

impl<'a> Ctx<'a> {
    /// A context for one handler call of the process's own client.
    pub fn new(now: SimTime, me: NodeId, rng: &'a mut SimRng, out: &'a mut Outbox) -> Self {
        Ctx::on(now, me, Connection::Main, rng, out)
    }

    /// A context for one handler call about what came on `arrived_on`.
    pub(crate) fn on(
        now: SimTime,
        me: NodeId,
        arrived_on: Connection,
        rng: &'a mut SimRng,
        out: &'a mut Outbox,
    ) -> Self {
        Ctx {
            now,
            me,
            arrived_on,
            acting: Connection::Main,
            rng,
            out,
        }
    }

    /// Tells the world this handler wrote no log its node leads, so the invariant check after
    /// the step, which reads only the logs a broker leads, has nothing new to see. Most of a
    /// busy broker's steps are answers to its own fetches as a follower and timeouts of
    /// requests long answered, and the check of every log it leads cost more than the step.
    pub(crate) fn led_logs_untouched(&mut self) {
        self.out.led_logs_untouched = true;
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The node being run.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The client of the process the message or timer being handled is for.
    pub fn arrived_on(&self) -> Connection {
        self.arrived_on
    }

    /// Runs `call` as the process's client on `connection`: its sends, timers and operations
    /// are that client's.
    pub(crate) fn as_client<T>(
        &mut self,
        connection: Connection,
        call: impl FnOnce(&mut Ctx<'_>) -> T,
    ) -> T {
        let previous = std::mem::replace(&mut self.acting, connection);
        let result = call(self);
        self.acting = previous;
        result
    }

    /// The nodes' random stream.
    pub fn rng(&mut self) -> &mut SimRng {
        self.rng
    }

    /// Sends `message` to `to` over the network.
    pub fn send(&mut self, to: NodeId, message: impl Into<Message>) {
        self.out.sends.push((to, self.acting, message.into()));
    }

    /// Fires `timer` on this node after `after`, unless the node crashes first.
    pub fn set_timer(&mut self, after: SimDuration, timer: Timer) {
        self.out.timers.push((after, self.acting, timer));
    }

    /// Reports something worth showing in the event log.
    pub fn emit(&mut self, event: EventKind) {
        self.out.events.push(event);
    }

    /// Records that the client invoked operation `index` of its history now.
    pub fn invoked(&mut self, index: usize) {
        self.out.operations.push((self.acting, index));
    }

    /// The run-wide name of the acting client's operation `index` (as `invoked` records it):
    /// what a record carries to say which send wrote it.
    pub(crate) fn operation_id(&self, index: usize) -> crate::client::OperationId {
        crate::client::OperationId::new(self.me, self.acting, index)
    }

    /// Stops this node's process after the handler returns (a clean shutdown).
    pub fn stop_self(&mut self) {
        self.out.stop = true;
    }
}
