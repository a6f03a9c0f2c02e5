//! The world: owns every node, the network, the clock, the event queue and the random streams,
//! applies commands, and runs the simulation forward. Each step pops the earliest entry, hands
//! it to one node, then routes what that node sent and schedules the timers it set.

use crate::broker::{Broker, BrokerConfig};
use crate::chunked::Chunked;
use crate::command::{Command, CommandError};
use crate::controller::{Controller, ControllerConfig};
use crate::endpoint::Endpoint;
use crate::event::{CrashKind, Event, EventKind};
use crate::net::{DropReason, LinkConfig, Network, NodeId, Verdict};
use crate::node::{Connection, Ctx, Outbox, Timer};
use crate::protocol::{BrokerId, Message, ProduceRequest, TxnMessage, TxnRequest};
use crate::queue::EventQueue;
use crate::rng::SimRng;
use crate::sorted::Collect;
use crate::time::{SimDuration, SimTime};
use crate::trace::Trace;
use nodes::Node;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

mod admin;
mod clients;
mod faults;
mod group_admin;
mod inspect;
mod nodes;
mod parts;
mod retention;
mod shape;

/// The shape of a new cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// How many brokers, numbered from 1.
    pub brokers: u32,
    /// How every link behaves until changed.
    pub link: LinkConfig,
    /// Broker configs shared by all brokers.
    pub broker: BrokerConfig,
    /// Controller configs.
    pub controller: ControllerConfig,
    /// `broker.rack` of each broker that has one.
    #[serde(default)]
    pub racks: BTreeMap<BrokerId, String>,
    /// KRaft controllers (voters of the metadata quorum): 1, or 3 so that one can fail.
    #[serde(default = "one")]
    pub controllers: u32,
}

fn one() -> u32 {
    1
}

impl Default for ClusterConfig {
    /// Three brokers, the smallest cluster that can keep RF=3 with min.insync.replicas=2.
    fn default() -> Self {
        ClusterConfig {
            brokers: 3,
            link: LinkConfig::default(),
            broker: BrokerConfig::default(),
            controller: ControllerConfig::default(),
            racks: BTreeMap::new(),
            controllers: 1,
        }
    }
}

/// What sits in the event queue.
#[derive(Clone, Debug)]
enum Pending {
    /// A message arriving at `to`.
    Deliver {
        from: NodeId,
        to: NodeId,
        sent_at: SimTime,
        message: Message,
        /// The incarnation of `to` whose connection carries it: a process that restarted has
        /// new connections, so it never reads what was sent to the one before it.
        incarnation: u32,
        /// The incarnation of `from` that sent it, whose connection an answer goes back on.
        sender: u32,
        /// The client connection it travels on: the asking client's for a client request and
        /// its answer (which client of the receiving process reads an answer), `Main` else.
        connection: Connection,
    },
    /// A node's timer, valid only for the incarnation that set it.
    Timer {
        node: NodeId,
        incarnation: u32,
        /// The client of the process that set it (or whose request's connection was reset).
        connection: Connection,
        timer: Timer,
    },
}

impl Pending {
    /// The node it is for: the receiver of a message, the owner of a timer.
    fn node(&self) -> NodeId {
        match self {
            Pending::Deliver { to, .. } => *to,
            Pending::Timer { node, .. } => *node,
        }
    }
}

/// A node and whether its process is running.
#[derive(Clone, Debug)]
struct Slot {
    node: Node,
    up: bool,
    /// Bumped at every crash, so the timers of a dead process never fire in the new one.
    incarnation: u32,
    /// Down with its host up (the process died or stopped): the host's TCP stack resets
    /// connections, so clients learn at once. A powered-off host answers nothing.
    refuses: bool,
    /// Frozen (`kill -STOP`): alive to the kernel, so connections stay open, but nothing runs.
    paused: bool,
    /// What came due while paused, in the order it came: messages (the kernel keeps a frozen
    /// process's TCP bytes in its socket buffers, so they are read on resume, not lost) and
    /// timers (they fire at once when the process wakes, as overdue timers do).
    held: Vec<Pending>,
}

/// Counters for benchmarks and views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Queue entries processed (deliveries and timers).
    pub steps: u64,
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages the network or a down receiver lost.
    pub messages_dropped: u64,
}

/// A message on the wire, for the network view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InFlight {
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// When it left.
    pub sent_at: SimTime,
    /// When it arrives.
    pub arrives_at: SimTime,
    /// The Kafka API it belongs to.
    pub api: &'static str,
    /// Whether it is a response.
    pub is_response: bool,
}

/// The whole simulated world. `Clone` is a full checkpoint.
#[derive(Clone, Debug)]
pub struct World {
    seed: u64,
    now: SimTime,
    queue: EventQueue<Pending>,
    network: Network,
    network_rng: SimRng,
    node_rng: SimRng,
    slots: Vec<Slot>,
    /// The controllers' nodes, by controller id - 1.
    controllers: Rc<Vec<NodeId>>,
    brokers: Rc<BTreeMap<BrokerId, NodeId>>,
    clients: BTreeMap<String, NodeId>,
    consumers: Vec<NodeId>,
    /// Every client operation in the order it was invoked: (client node, index in its history).
    operation_order: Chunked<(NodeId, Connection, usize)>,
    events: Vec<Event>,
    commands: Vec<(SimTime, Command)>,
    trace: Trace,
    invariants: Option<crate::invariant::Invariants>,
    stats: Stats,
    outbox: Outbox,
    /// Client requests each node received and has not answered. A process crash resets them.
    unanswered: BTreeMap<NodeId, Vec<Unanswered>>,
    /// Steps processed at the current instant, to catch a livelock.
    steps_at_instant: u64,
    /// When each running broker's retention task and log cleaner run next
    /// (`world/retention.rs`).
    retention_checks: BTreeMap<(NodeId, retention::LogTask), SimTime>,
    /// The earliest of them (the far future when none), checked before every step.
    retention_due: SimTime,
}

/// A client request a node received and has not answered yet: its answer goes back on the
/// asking client's connection, to the process incarnation that asked.
#[derive(Clone, Debug)]
struct Unanswered {
    client: NodeId,
    connection: Connection,
    correlation_id: u64,
    incarnation: u32,
}

/// More steps than any real burst at one instant (a broadcast to every node of a large
/// cluster is a few hundred).
const LIVELOCK_STEPS: u64 = 1_000_000;

/// How long a client takes to see its connection reset by a dead process's host (a round
/// trip on a LAN).
const CONNECTION_RESET: SimDuration = SimDuration::from_millis(1);

impl World {
    /// A cluster of `config.brokers` brokers and a controller, all starting at time zero.
    pub fn new(config: &ClusterConfig, seed: u64) -> Self {
        // Controller 1 is node 0 and brokers are nodes 1..=n (broker N is node N); further
        // controllers come after the brokers.
        let voters: Vec<NodeId> = std::iter::once(NodeId(0))
            .chain((1..config.controllers.max(1)).map(|i| NodeId(config.brokers + i)))
            .collect();
        let voters = Rc::new(voters);
        let mut world = World {
            seed,
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            network: Network::new(config.link),
            network_rng: SimRng::stream(seed, "network"),
            node_rng: SimRng::stream(seed, "nodes"),
            slots: Vec::new(),
            controllers: Rc::clone(&voters),
            brokers: Rc::default(),
            clients: BTreeMap::new(),
            consumers: Vec::new(),
            operation_order: Chunked::new(),
            events: Vec::new(),
            commands: Vec::new(),
            trace: Trace::default(),
            invariants: None,
            stats: Stats::default(),
            unanswered: BTreeMap::new(),
            outbox: Outbox::default(),
            steps_at_instant: 0,
            retention_checks: BTreeMap::new(),
            retention_due: SimTime::from_micros(u64::MAX),
        };
        let controller =
            |id: u32| Node::Controller(Controller::new(config.controller, id, Rc::clone(&voters)));
        world.add_node(controller(1));
        // Brokers take node ids 1..=n, so broker N is node N.
        let directory: BTreeMap<BrokerId, NodeId> = (1..=config.brokers)
            .map(|id| (id, NodeId(id)))
            .collect_map();
        world.brokers = Rc::new(directory);
        let racks = Rc::new(config.racks.clone());
        for broker_id in 1..=config.brokers {
            let broker = Broker::new(
                broker_id,
                Rc::clone(&voters),
                Rc::clone(&world.brokers),
                config.broker,
                Rc::clone(&racks),
            );
            world.add_node(Node::Broker(broker));
        }
        for id in 2..=voters.len() as u32 {
            world.add_node(controller(id));
        }
        for index in 0..world.slots.len() {
            world.start(NodeId(index as u32));
        }
        world
    }

    fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.slots.len() as u32);
        self.slots.push(Slot {
            node,
            up: false,
            incarnation: 0,
            refuses: false,
            paused: false,
            held: Vec::new(),
        });
        id
    }

    /// The seed this world was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Every event so far, oldest first.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The commands applied so far, with the time each was applied.
    pub fn commands(&self) -> &[(SimTime, Command)] {
        &self.commands
    }

    /// The trace of everything processed.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Starts recording a rendered line per processed entry.
    pub fn record_trace_lines(&mut self) {
        self.trace.record_lines();
    }

    /// Checks the safety invariants after every step from now on, reporting violations as
    /// events (cheap: the committed prefix is compared incrementally).
    pub fn check_invariants(&mut self) {
        self.invariants.get_or_insert_with(Default::default);
    }

    /// Invariant violations reported so far.
    pub fn invariant_violations(&self) -> Vec<&Event> {
        self.events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::InvariantViolated { .. }))
            .collect()
    }

    /// Checks the invariants after a step of `node`. Only what that step can have changed is
    /// checked: a broker's step changes only its own replicas, so only the logs it leads are
    /// checked (high watermark, committed prefix); a client's changes no replica and no
    /// metadata; a controller's (or the world's) may change any partition's leader or ISR and
    /// the quorum, so everything, leader-in-isr included. Checking every partition after every
    /// step more than doubled what the busy cluster costs to simulate (natively, 60 simulated
    /// s: 0.63 s without checks, 1.38 s with), which the page, checking always, paid at every
    /// speed. A change made between steps by a command is checked at the next step of its
    /// broker (a power loss truncating a log) or of a controller (an admin command changing
    /// the metadata, a controller crashed or restarted; a message to a down controller counts).
    /// A step whose handler wrote no log its broker leads (a follower's fetch answered, a
    /// consumer's fetch, a timeout of a request long answered) is not checked: the checker's
    /// memory (`Seen`) makes the next check see whatever it skipped.
    fn run_invariants(&mut self, node: NodeId) {
        let scope = match &self.slots[node.0 as usize].node {
            Node::Broker(broker) => crate::invariant::Scope::LedBy(broker.id()),
            Node::Controller(_) => crate::invariant::Scope::All,
            Node::Client(_) | Node::Producer(_) | Node::Consumer(_) | Node::ShareConsumer(_) => {
                return;
            }
        };
        if let Some(mut invariants) = self.invariants.take() {
            for kind in invariants.check(self, scope) {
                self.push_event(kind);
            }
            self.invariants = Some(invariants);
        }
    }

    /// Counters since the start.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// When the next entry fires, if anything is scheduled.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Processes the earliest entry. Returns false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        if let Some(at) = self.queue.peek_time()
            && at >= self.retention_due
        {
            self.run_retention_checks(at);
        }
        let Some(entry) = self.queue.pop() else {
            return false;
        };
        if entry.at == self.now {
            self.steps_at_instant += 1;
            // Nodes that keep rescheduling each other without letting time pass would hang the
            // page (or a test) forever; a livelock is a simulator bug, so stop loudly.
            assert!(
                self.steps_at_instant < LIVELOCK_STEPS,
                "livelock: {LIVELOCK_STEPS} steps at {} without time passing (last: {:?})",
                self.now,
                entry.event
            );
        } else {
            self.steps_at_instant = 0;
        }
        self.now = entry.at;
        self.stats.steps += 1;
        if let Some(slot) = self.paused_target(&entry.event) {
            slot.held.push(entry.event);
            return true;
        }
        let stepped = match &entry.event {
            Pending::Deliver { to, .. } => *to,
            Pending::Timer { node, .. } => *node,
        };
        // Whether the step may have written a log its node leads (all the invariants read).
        let mut check = true;
        match entry.event {
            Pending::Deliver {
                from,
                to,
                sent_at: _,
                message,
                incarnation,
                sender,
                connection,
            } => {
                self.trace.add(entry.seq, entry.at, to, &message, || {
                    format!("recv {from} {message:?}")
                });
                let slot = &self.slots[to.0 as usize];
                if slot.up && slot.incarnation != incarnation {
                    // The process it was sent to died and another runs now: its connection
                    // is gone (an answer to a dead client's request goes nowhere; a request
                    // sent to the old process sees its connection reset).
                    self.stats.messages_dropped += 1;
                    if let Some(request) =
                        self.client_request_of(from, sender, connection, &message)
                    {
                        self.reset_connection(request);
                    }
                } else if slot.up && slot.node.accepts(&message) {
                    if let Some(request) =
                        self.client_request_of(from, sender, connection, &message)
                    {
                        self.unanswered.entry(to).or_default().push(request);
                    }
                    check = self.run_node_on(to, connection, |node, ctx| {
                        node.on_message(ctx, from, message)
                    });
                } else {
                    self.stats.messages_dropped += 1;
                    // Refused, not lost, when the host is up: its process is gone, or it has
                    // not opened its listeners yet.
                    if (slot.up || slot.refuses)
                        && let Some(request) =
                            self.client_request_of(from, sender, connection, &message)
                    {
                        self.reset_connection(request);
                    }
                }
            }
            Pending::Timer {
                node,
                incarnation,
                connection,
                timer,
            } => {
                let slot = &self.slots[node.0 as usize];
                if slot.up && slot.incarnation == incarnation {
                    self.trace.add(entry.seq, entry.at, node, &timer, || {
                        format!("timer {timer:?}")
                    });
                    check = self.run_node_on(node, connection, |n, ctx| n.on_timer(ctx, timer));
                }
            }
        }
        if check {
            self.run_invariants(stepped);
        }
        true
    }

    /// The slot of a paused, running process an entry is for: it waits there until resume. A
    /// timer of an earlier incarnation is not held (it would never fire anyway), nor a request
    /// to a broker that has not opened its listeners: with no socket listening, the host's
    /// kernel refuses the connection whether or not the process is frozen.
    fn paused_target(&mut self, event: &Pending) -> Option<&mut Slot> {
        let slot = &mut self.slots[event.node().0 as usize];
        let held = match event {
            Pending::Deliver { message, .. } => slot.node.accepts(message),
            Pending::Timer { incarnation, .. } => *incarnation == slot.incarnation,
        };
        (slot.paused && slot.up && held).then_some(slot)
    }

    /// Freezes a running process.
    fn pause(&mut self, endpoint: &Endpoint) -> Result<(), CommandError> {
        let node = self.node_of(endpoint)?;
        let slot = &mut self.slots[node.0 as usize];
        match (slot.up, slot.paused) {
            (false, _) => return Err(CommandError::Paused(endpoint.clone(), "down")),
            (true, true) => return Err(CommandError::Paused(endpoint.clone(), "already paused")),
            (true, false) => slot.paused = true,
        }
        self.push_event(EventKind::ProcessPaused {
            endpoint: endpoint.clone(),
        });
        Ok(())
    }

    /// Wakes a paused process: what it missed comes due now, in the order it arrived, and
    /// the process handles it with the state it had when frozen.
    fn resume(&mut self, endpoint: &Endpoint) -> Result<(), CommandError> {
        let node = self.node_of(endpoint)?;
        let slot = &mut self.slots[node.0 as usize];
        if !slot.paused {
            return Err(CommandError::Paused(endpoint.clone(), "not paused"));
        }
        slot.paused = false;
        let held = std::mem::take(&mut slot.held);
        self.push_event(EventKind::ProcessResumed {
            endpoint: endpoint.clone(),
            held: held.len(),
        });
        // What reached it at this very instant but is still queued came after everything it
        // held (one TCP connection delivers in order): it goes behind the held items, not
        // ahead of them as its lower sequence numbers would put it.
        let now = self.now;
        let arrived_now = self
            .queue
            .take_where(|at, pending| at == now && pending.node() == node);
        for pending in held {
            self.queue.push(now, pending);
        }
        for entry in arrived_now {
            self.queue.push(now, entry.event);
        }
        Ok(())
    }

    /// Refuses a command that needs `node` to act while it is frozen: a paused process calls
    /// no API (its application is frozen too) and answers no admin request.
    fn refuse_paused(&self, node: NodeId) -> Result<NodeId, CommandError> {
        if self.slots[node.0 as usize].paused {
            return Err(CommandError::Paused(
                self.endpoint_of(node),
                "paused (kill -STOP): resume it first",
            ));
        }
        Ok(node)
    }

    /// Whether a participant's process is frozen.
    pub fn is_paused(&self, endpoint: &Endpoint) -> bool {
        self.node_of(endpoint)
            .is_ok_and(|node| self.slots[node.0 as usize].paused)
    }

    /// Processes every entry due at or before `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: SimTime) {
        while self.queue.peek_time().is_some_and(|at| at <= until) {
            self.step();
        }
        self.run_retention_checks(until);
        self.now = self.now.max(until);
    }

    /// Runs for `span` of virtual time.
    pub fn run_for(&mut self, span: SimDuration) {
        self.run_until(self.now + span);
    }

    /// Applies a command now. On error nothing changes and nothing is logged.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        match &command {
            Command::CreateTopic(_)
            | Command::DeleteTopic { .. }
            | Command::CreatePartitions { .. }
            | Command::ElectLeaders { .. }
            | Command::ResetOffsets { .. }
            | Command::DeleteOffsets { .. }
            | Command::DeleteGroup { .. }
            | Command::AlterGroupConfigs { .. }
            | Command::AddBroker { .. }
            | Command::AlterPartitionReassignments { .. } => self.apply_admin(&command)?,
            Command::CrashBroker { .. }
            | Command::RestartBroker { .. }
            | Command::CrashController { .. }
            | Command::RestartController { .. }
            | Command::ShutdownBroker { .. }
            | Command::CutLink { .. }
            | Command::HealLink { .. }
            | Command::CutOneWay { .. }
            | Command::HealNetwork
            | Command::SetLink { .. }
            | Command::SlowFollower { .. }
            | Command::PushErrors { .. }
            | Command::CrashClient { .. }
            | Command::RestartClient { .. }
            | Command::PauseClient { .. }
            | Command::ResumeClient { .. }
            | Command::PauseBroker { .. }
            | Command::ResumeBroker { .. } => self.apply_fault(&command)?,
            Command::AddClient { .. }
            | Command::AddProducer { .. }
            | Command::Send { .. }
            | Command::AddConsumer { .. }
            | Command::StallConsumer { .. }
            | Command::ResumeConsumer { .. }
            | Command::CloseConsumer { .. }
            | Command::CommitSync { .. }
            | Command::CommitAsync { .. }
            | Command::Seek { .. }
            | Command::SeekToBeginning { .. }
            | Command::SeekToEnd { .. }
            | Command::CommitSyncOffsets { .. }
            | Command::CommitAsyncOffsets { .. }
            | Command::Position { .. }
            | Command::Committed { .. }
            | Command::OffsetsForTimes { .. }
            | Command::PausePartitions { .. }
            | Command::ResumePartitions { .. }
            | Command::StreamRecords { .. }
            | Command::Flush { .. }
            | Command::Transaction { .. }
            | Command::Client { .. } => self.apply_client(&command)?,
            Command::WaitUntil { .. } => {
                return Err(CommandError::Config(
                    "wait_until is a step for the scenario runner, which waits for its condition; there is nothing for the cluster to apply".to_owned(),
                ));
            }
        }
        self.commands.push((self.now, command));
        Ok(())
    }

    /// The active controller's node: a running controller that leads the quorum (the one
    /// with the highest epoch, should an old leader not know yet that it was replaced).
    fn active_controller(&self) -> Option<NodeId> {
        self.controllers
            .iter()
            .copied()
            .filter(|n| self.slots[n.0 as usize].up)
            .filter_map(|n| match &self.slots[n.0 as usize].node {
                Node::Controller(c) if c.is_active() => Some((c.quorum().epoch, n)),
                _ => None,
            })
            .max()
            .map(|(_, n)| n)
    }

    /// The active controller's id, if the quorum has one.
    pub fn active_controller_id(&self) -> Option<u32> {
        let node = self.active_controller()?;
        match &self.slots[node.0 as usize].node {
            Node::Controller(c) => Some(c.quorum().id),
            _ => None,
        }
    }

    /// Every controller with whether its process runs, by id.
    pub fn controllers(&self) -> impl Iterator<Item = (&Controller, bool)> + '_ {
        self.controllers
            .iter()
            .filter_map(|n| match &self.slots[n.0 as usize] {
                Slot {
                    node: Node::Controller(c),
                    up,
                    ..
                } => Some((c, *up)),
                _ => None,
            })
    }

    fn controller_node(&self, id: u32) -> Result<NodeId, CommandError> {
        id.checked_sub(1)
            .and_then(|i| self.controllers.get(i as usize).copied())
            .ok_or(CommandError::UnknownEndpoint(Endpoint::ControllerNode(id)))
    }

    /// A broker that runs and is not paused, so it can handle a request now.
    fn running_broker(&self, broker: BrokerId) -> Result<NodeId, CommandError> {
        let node = self.broker_node(broker)?;
        if self.slots[node.0 as usize].up {
            self.refuse_paused(node)
        } else {
            Err(CommandError::AlreadyDown(broker))
        }
    }

    /// Stops a node's process; its pending timers die with this incarnation.
    fn stop_node(&mut self, node: NodeId, kind: CrashKind) {
        let mut waiting = self.unanswered.remove(&node).unwrap_or_default();
        // A paused process killed: the requests its kernel held were never read; their
        // connections are reset like those of requests it was working on.
        let held = std::mem::take(&mut self.slots[node.0 as usize].held);
        for pending in held {
            if let Pending::Deliver {
                from,
                message,
                sender,
                connection,
                ..
            } = pending
            {
                self.stats.messages_dropped += 1;
                waiting.extend(self.client_request_of(from, sender, connection, &message));
            }
        }
        self.unschedule_retention(node);
        let slot = &mut self.slots[node.0 as usize];
        slot.paused = false;
        slot.up = false;
        slot.incarnation += 1;
        slot.refuses = kind == CrashKind::Process;
        if kind == CrashKind::Process {
            for request in waiting {
                self.reset_connection(request);
            }
        }
        let slot = &mut self.slots[node.0 as usize];
        let lost = slot.node.on_crash(kind, self.now);
        if let Node::Broker(b) = &slot.node {
            let broker = b.id();
            for (tp, count) in lost {
                self.push_event(EventKind::UnflushedRecordsLost { broker, tp, count });
            }
        }
    }

    fn broker_node(&self, broker: BrokerId) -> Result<NodeId, CommandError> {
        self.node_of(&Endpoint::Broker(broker))
    }

    /// The node behind an endpoint name.
    pub fn node_of(&self, endpoint: &Endpoint) -> Result<NodeId, CommandError> {
        match endpoint {
            Endpoint::Controller => self.controllers.first().copied(),
            Endpoint::ControllerNode(id) => return self.controller_node(*id),
            Endpoint::Client(name) => self.clients.get(name).copied(),
            Endpoint::Broker(id) => self.brokers.get(id).copied(),
        }
        .ok_or_else(|| CommandError::UnknownEndpoint(endpoint.clone()))
    }

    /// The endpoint name of a node.
    pub fn endpoint_of(&self, node: NodeId) -> Endpoint {
        match &self.slots[node.0 as usize].node {
            Node::Controller(c) if c.quorum().id == 1 => Endpoint::Controller,
            Node::Controller(c) => Endpoint::ControllerNode(c.quorum().id),
            Node::Broker(broker) => Endpoint::Broker(broker.id()),
            Node::Client(client) => Endpoint::Client(client.name().to_owned()),
            Node::Producer(producer) => Endpoint::Client(producer.name().to_owned()),
            Node::Consumer(consumer) => Endpoint::Client(consumer.name().to_owned()),
            Node::ShareConsumer(consumer) => Endpoint::Client(consumer.name().to_owned()),
        }
    }

    fn start(&mut self, node: NodeId) {
        self.slots[node.0 as usize].up = true;
        self.schedule_retention(node);
        self.run_node(node, |n, ctx| n.on_start(ctx));
    }

    /// Runs a handler on broker `id` (a node the caller looked up as a broker).
    fn run_broker(&mut self, id: NodeId, handle: impl FnOnce(&mut Broker, &mut Ctx<'_>)) {
        self.run_node(id, |n, ctx| {
            if let Node::Broker(b) = n {
                handle(b, ctx);
            }
        });
    }

    /// Runs one handler of the process's own client (a command, a start).
    fn run_node(&mut self, id: NodeId, handle: impl FnOnce(&mut Node, &mut Ctx<'_>)) {
        self.run_node_on(id, Connection::Main, handle);
    }

    /// Runs one handler about what came on `connection`, then turns its recorded intent into
    /// queue entries and events. Whether the handler may have written a log its node leads
    /// (false when it said it wrote none, `Ctx::led_logs_untouched`).
    fn run_node_on(
        &mut self,
        id: NodeId,
        connection: Connection,
        handle: impl FnOnce(&mut Node, &mut Ctx<'_>),
    ) -> bool {
        let mut outbox = std::mem::take(&mut self.outbox);
        outbox.clear();
        let slot = &mut self.slots[id.0 as usize];
        let incarnation = slot.incarnation;
        {
            let mut ctx = Ctx::on(self.now, id, connection, &mut self.node_rng, &mut outbox);
            handle(&mut slot.node, &mut ctx);
        }
        for (to, connection, message) in outbox.sends.drain(..) {
            self.send(id, connection, to, message);
        }
        for (after, connection, timer) in outbox.timers.drain(..) {
            let pending = Pending::Timer {
                node: id,
                incarnation,
                connection,
                timer,
            };
            self.queue.push(self.now + after, pending);
        }
        for kind in outbox.events.drain(..) {
            self.push_event(kind);
        }
        self.operation_order.extend(
            outbox
                .operations
                .drain(..)
                .map(|(connection, index)| (id, connection, index)),
        );
        let (stop, wrote) = (outbox.stop, !outbox.led_logs_untouched);
        self.outbox = outbox;
        if stop {
            // A clean stop: everything written reaches disk, so nothing is lost.
            self.stop_node(id, CrashKind::Process);
        }
        wrote || stop
    }

    /// The request `message` waiting for an answer, if it is a client's that waits for one
    /// (acks=0 produce requests are never answered, so nothing waits): sent by incarnation
    /// `sender` of `from` on `connection`. A broker is a client of the brokers it fetches
    /// from and sends transaction markers to: a follower whose leader's process died sees its
    /// fetch fail at once, as Kafka's `ReplicaFetcherThread` does on a disconnect, instead of
    /// waiting out `replica.socket.timeout.ms` and fetching nothing from that leader after it
    /// came back.
    fn client_request_of(
        &self,
        from: NodeId,
        sender: u32,
        connection: Connection,
        message: &Message,
    ) -> Option<Unanswered> {
        let client = match self.slots[from.0 as usize].node {
            Node::Client(_) | Node::Producer(_) | Node::Consumer(_) | Node::ShareConsumer(_) => {
                true
            }
            Node::Broker(_) => match message {
                Message::Fetch(..) => true,
                Message::Txn(txn) => matches!(
                    **txn,
                    TxnMessage::Request(
                        _,
                        TxnRequest::WriteTxnMarkers(_) | TxnRequest::AddPartitionsToTxn(_)
                    )
                ),
                _ => false,
            },
            Node::Controller(_) => false,
        };
        if !client
            || message.is_response()
            || matches!(message, Message::Produce(_, ProduceRequest { acks: 0, .. }))
        {
            return None;
        }
        Some(Unanswered {
            client: from,
            connection,
            correlation_id: message.client_correlation_id()?,
            incarnation: sender,
        })
    }

    /// The connection of a client's request was reset (the process at the other end is gone):
    /// the client sees the request fail a moment later, as Java's NetworkClient fails every
    /// request in flight on a disconnect, instead of waiting out `request.timeout.ms`.
    fn reset_connection(&mut self, request: Unanswered) {
        let pending = Pending::Timer {
            node: request.client,
            incarnation: request.incarnation,
            connection: request.connection,
            timer: Timer::ClientRequestTimeout {
                correlation_id: request.correlation_id,
            },
        };
        self.queue.push(self.now + CONNECTION_RESET, pending);
    }

    /// Puts `message` on the wire; `connection` is the sending client's (a node that is not a
    /// client sends on `Main`, and an answer to a client goes back on the request's).
    fn send(&mut self, from: NodeId, mut connection: Connection, to: NodeId, message: Message) {
        self.stats.messages_sent += 1;
        // A client's answer goes back on the connection of the process that asked, which may
        // have died since; other messages go to the process running now (brokers and
        // controllers number their requests across restarts, so a late answer to one is
        // never taken for another).
        let mut incarnation = self.slots[to.0 as usize].incarnation;
        if message.is_response()
            && let Some(correlation_id) = message.client_correlation_id()
            && let Some(waiting) = self.unanswered.get_mut(&from)
        {
            // Clients number requests across restarts, and a process's clients number apart
            // (`Connection::first_correlation_id`), so one entry at most is answered.
            if let Some(at) = waiting
                .iter()
                .position(|w| (w.client, w.correlation_id) == (to, correlation_id))
            {
                let request = waiting.remove(at);
                incarnation = request.incarnation;
                connection = request.connection;
            }
        }
        match self
            .network
            .route(from, to, self.now, &mut self.network_rng)
        {
            Verdict::Deliver(at) => {
                let pending = Pending::Deliver {
                    from,
                    to,
                    sent_at: self.now,
                    message,
                    incarnation,
                    sender: self.slots[from.0 as usize].incarnation,
                    connection,
                };
                self.queue.push(at, pending);
            }
            Verdict::Drop(reason) => {
                debug_assert_ne!(reason, DropReason::NodeDown);
                self.stats.messages_dropped += 1;
            }
        }
    }

    fn push_event(&mut self, kind: EventKind) {
        self.events.push(Event { at: self.now, kind });
    }
}
