//! The only bridge between the UI and the core: commands go in, views and events come out.
//! The world lives behind `Rc<RefCell<_>>` because it is large and mutated in place on every
//! tick; cloning it per render (as a reducer would) would cost more than simulating.
//!
//! The handle also keeps the run's timeline, the commands with their times. Because a run is a
//! pure function of seed and commands, rewinding is a replay up to the chosen moment (from the
//! nearest checkpoint before it), playing on re-applies later commands at their times, and
//! acting in the past drops the old future (a branch).

use crate::session::{Session, Shape};
use kafka_sim::Checkpoints;
use kafka_sim::charts::{AckCounts, LagSamples};
use kafka_sim::check::{LiveMarks, Mark};
use kafka_sim::client::Operation;
use kafka_sim::sorted::Collect;
use kafka_sim::{Command, CommandError, Event, SimDuration, SimTime, World, WorldView};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

struct Run {
    seed: u64,
    shape: Shape,
    world: World,
    /// Every command of this branch, in time order, including those ahead of `world.now()`
    /// after a rewind.
    log: Vec<(SimTime, Command)>,
    /// How many of them the world has applied.
    applied: usize,
    /// Where a long jump in slices is headed: a moment, and how many of the log's commands
    /// it stops after (all those given then, unless it goes to a point between two commands
    /// given at that moment).
    target: Option<Moment>,
    /// The furthest the clock has been on this branch: after a rewind the slider still reaches
    /// it (a run is a function of its commands, so that future comes again); acting starts a
    /// new branch from the clock.
    furthest: SimTime,
    /// Copies of this branch's world to rewind (or jump forward) from.
    checkpoints: Checkpoints,
    /// The groups' lag at each second this branch has passed, for the lag chart.
    lags: LagSamples,
    /// The checker's findings on this branch, brought up to date as frames ask for them.
    marks: LiveMarks,
    /// The acknowledgements chart's counts, brought up to date the same way.
    acks: AckCounts,
    /// Whether a panel drew the marks while they were behind since the page last asked
    /// ([`SimHandle::marks_drawn_partly`]): it must be drawn again once they have caught up.
    partly_drawn: bool,
    /// Whether the marks are being caught up after a jump ([`SimHandle::check_marks`], a budget
    /// per slice): the panels' draws leave them alone meanwhile (and note that they drew them
    /// partly), so a jump's arrival does not read a budget of marks per panel in its one draw.
    /// Playing ends it: then each draw carries them on again.
    catching_up: bool,
    /// What a rewind let go of (the world it left, the checker's index of a future that may
    /// not happen again), freed a piece per advance: freed at once, a ten-minute run's held
    /// the page for over a tenth of a second.
    litter: std::collections::VecDeque<Box<dyn std::any::Any>>,
}

/// The checker's marks on one partition as the page draws it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartitionMarks {
    /// Per replica (in the view's order), per record shown: what marks it.
    pub records: Vec<Vec<Vec<Mark>>>,
    /// Acknowledged offsets its leader's log does not hold, in runs.
    pub truncated: Vec<Mark>,
}

/// The first checkpoints are this far apart in virtual time; the gap doubles each time
/// [`CHECKPOINTS`] are kept, so an hour-long run keeps copies 20 s apart.
const CHECKPOINT_EVERY: SimDuration = SimDuration::from_millis(10_000);
/// The largest world copied (estimated bytes copied when taken): a copy is made in one step,
/// and one of 8 MiB takes a few tens of milliseconds in the page, where a quarter of the budget
/// froze it for a third of a second. The clients' histories, the replicas' logs and the event
/// queue's later events are shared between copies, so a copy copies only what it holds of its
/// own, which no longer grows with the run: the busy cluster's is about 1 MiB at any length
/// (BENCHMARKS.md). Kept for worlds with many more logs, each with its own unshared tail.
const CHECKPOINT_LARGEST: usize = 8 << 20;
/// The charts show this many seconds, the newest last.
const CHART_BUCKETS: usize = 60;
/// How many copies of the world a run keeps at most: 256 keep the busy cluster's copies
/// 10 s apart for 42 minutes and 20 s apart at one hour (a rewind replays at most that).
/// A copy of the busy cluster kept while the run goes on holds about 1.2 MiB alone (3.2 MiB
/// before logs and histories were shared in runs of 32), so 180 copies at one hour hold about
/// 220 MiB: less than the 90 copies 40 s apart held before (BENCHMARKS.md).
const CHECKPOINTS: usize = 256;
/// How far the checker's marks catch up per update (records of the logs, sends and polls,
/// each): a rewind indexes the run afresh, which at ten minutes of the busy cluster held the
/// page for over a second in one task. Each panel's draw asks once, and after a jump the page
/// asks until they have caught up ([`SimHandle::check_marks`]), then draws them whole.
/// Caught up, an update costs what happened since the last one.
const MARKS_CATCH_UP: usize = 10_000;
/// How much of what rewinds let go of may wait to be freed (a piece per advance): a rewind
/// leaves its world and about two pieces per partition, so this is about two rewinds of the
/// busy cluster (each world may hold tens of MiB of its own).
const LITTER_WAITING: usize = 160;
/// What the copies may hold together (estimated bytes; the estimate counts what a copy comes
/// to hold of its own once the run has gone on, measured natively by
/// `benches/checkpoint_memory.rs`): a tab's memory is not the machine's. Above
/// [`CHECKPOINTS`] copies of the busy cluster, so that thinning, which keeps copies spread
/// over the whole run, comes first: over budget, the oldest copies after time zero go.
const CHECKPOINT_BUDGET: usize = 320 << 20;

/// A point of a run: a moment, and how many of its commands had been applied by then. Several
/// commands may be given at one moment (a lesson step's, then the reader's, with the clock
/// paused), so the moment alone does not say whether the later ones had happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Moment {
    /// The virtual time.
    pub at: SimTime,
    /// How many of the run's commands had been applied.
    pub commands: usize,
}

impl Moment {
    /// The moment `at`, after every command given then.
    pub fn end_of(at: SimTime) -> Moment {
        Moment {
            at,
            commands: usize::MAX,
        }
    }
}

impl Run {
    fn moment(&self) -> Moment {
        Moment {
            at: self.world.now(),
            commands: self.applied,
        }
    }

    fn replayed(seed: u64, shape: Shape, log: Vec<(SimTime, Command)>, until: SimTime) -> Run {
        let mut world = World::new(&shape.config(), seed);
        // Cheap enough to keep on: a violation is a simulator bug or a lesson (power loss).
        world.check_invariants();
        let checkpoints =
            Checkpoints::new(&world, CHECKPOINT_EVERY, CHECKPOINTS, CHECKPOINT_BUDGET)
                .largest(CHECKPOINT_LARGEST);
        let mut run = Run {
            seed,
            shape,
            world,
            log,
            applied: 0,
            target: None,
            furthest: SimTime::ZERO,
            checkpoints,
            lags: LagSamples::default(),
            marks: LiveMarks::default(),
            acks: AckCounts::default(),
            partly_drawn: false,
            catching_up: false,
            litter: Default::default(),
        };
        run.advance_to(until);
        run
    }

    /// Runs to `until`, applying logged commands when their time comes, and samples the
    /// groups' lag at each whole second on the way (stopping the clock there changes nothing:
    /// events run in (time, sequence) order however the span is cut).
    fn advance_to(&mut self, until: SimTime) {
        loop {
            let sample = LagSamples::next_after(self.world.now());
            if sample > until {
                break;
            }
            self.run_commands_to(sample);
            self.lags.take(&self.world);
        }
        self.run_commands_to(until);
        self.furthest = self.furthest.max(self.world.now());
        self.free_litter();
        self.checkpoints.maybe_take(&self.world, self.applied);
    }

    /// Frees one piece of what rewinds let go of, oldest first (a rewind's world before the
    /// pieces of its marks), unless a jump is under way: its slices are what the reader waits
    /// for, and freeing there spent a sixth of a rewind's arrival. Whether one was freed.
    fn free_litter(&mut self) -> bool {
        self.target.is_none() && self.litter.pop_front().is_some()
    }

    /// Carries the checker's marks on by one budget; whether they have caught up.
    fn update_marks(&mut self) -> bool {
        self.marks.update_within(&self.world, MARKS_CATCH_UP)
    }

    /// A panel's draw of the marks: one budget, unless they are being caught up after a jump;
    /// drawn short of the run, the page draws again once they are whole.
    fn update_marks_for_a_draw(&mut self) {
        self.partly_drawn |= self.catching_up || !self.update_marks();
    }

    fn run_commands_to(&mut self, until: SimTime) {
        while let Some((at, command)) = self
            .log
            .get(self.applied)
            .filter(|(at, _)| *at <= until && self.target.is_none_or(|t| self.applied < t.commands))
        {
            self.world.run_until(*at);
            // It applied when it was first given; replayed at the same moment, it applies again.
            let _ = self.world.apply(command.clone());
            self.applied += 1;
        }
        self.world.run_until(until);
    }
}

/// A shared handle on the running world.
#[derive(Clone)]
pub struct SimHandle(Rc<RefCell<Run>>);

impl PartialEq for SimHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl SimHandle {
    /// A three-broker cluster with `controllers` KRaft controllers (1 or 3) from `seed`.
    pub fn new(seed: u64, controllers: u32) -> Self {
        let shape = Shape {
            controllers,
            ..Shape::default()
        };
        Self::shaped(seed, shape)
    }

    /// A new cluster of `shape` from `seed`.
    pub fn shaped(seed: u64, shape: Shape) -> Self {
        SimHandle(Rc::new(RefCell::new(Run::replayed(
            seed,
            shape,
            Vec::new(),
            SimTime::ZERO,
        ))))
    }

    /// A new cluster as a Kafka user finds one: started, every broker registered with the
    /// controller, unfenced and RUNNING, so the first Create is not refused for want of
    /// brokers. (The controller unfences a broker on a heartbeat, and the broker goes RUNNING
    /// when the answer arrives, a network delay later: a start that stopped at the unfencing
    /// showed every broker "online" but in RECOVERY.) The
    /// start is virtual time run before the first draw, not a command: the clock shows it, a
    /// saved or shared run carries it in `now`, and runs saved before replay as they were.
    pub fn started(seed: u64, shape: Shape) -> Self {
        /// Steps in which the start runs; the clock stops within one of the last broker going
        /// RUNNING.
        const STEP: SimDuration = SimDuration::from_millis(10);
        /// A start that takes longer is shown as it is (the brokers then say they are fenced).
        const AT_MOST: SimTime = SimTime::from_millis(60_000);
        let sim = Self::shaped(seed, shape);
        while !sim.brokers_registered() && sim.now() < AT_MOST {
            sim.advance(STEP);
        }
        sim
    }

    /// Whether every broker is registered, unfenced and knows it (RUNNING).
    pub fn brokers_registered(&self) -> bool {
        self.view()
            .brokers
            .iter()
            .all(|b| !b.fenced && b.state == kafka_sim::BrokerState::Running)
    }

    /// A saved or shared run, to be rebuilt by replay: the replay is only begun, so the page
    /// can draw first and carry it on in slices with [`continue_seek`](Self::continue_seek).
    pub fn restore(session: Session) -> Self {
        let mut run = Run::replayed(session.seed, session.shape(), session.log, SimTime::ZERO);
        run.furthest = session.furthest;
        let sim = SimHandle(Rc::new(RefCell::new(run)));
        sim.begin_seek_to(Moment {
            at: session.now,
            commands: session.applied.unwrap_or(usize::MAX),
        });
        sim
    }

    /// How many KRaft controllers the cluster has.
    pub fn controllers(&self) -> u32 {
        self.0.borrow().shape.controllers
    }

    /// The shape the cluster started with (brokers added since are in the view).
    pub fn shape(&self) -> Shape {
        self.0.borrow().shape.clone()
    }

    /// What to save to rebuild this run (during a jump, the moment it is headed for).
    pub fn saved(&self) -> Session {
        let run = self.0.borrow();
        let now = run
            .world
            .now()
            .max(run.target.map_or(SimTime::ZERO, |t| t.at));
        let given = run.log.partition_point(|(at, _)| *at <= now);
        let applied = run.target.map_or(run.applied, |t| t.commands.min(given));
        Session {
            seed: run.seed,
            now,
            applied: (applied < given).then_some(applied),
            log: run.log.clone(),
            controllers: run.shape.controllers,
            brokers: run.shape.brokers,
            racks: run.shape.racks.clone(),
            furthest: match run.furthest > run.world.now() {
                true => run.furthest,
                false => SimTime::ZERO,
            },
        }
    }

    /// Whether the run's history (ahead of the clock too, after a rewind) holds `commands` as
    /// the last given by the point `at`: a lesson step's, say, which a branch made since
    /// would have dropped.
    pub fn logged(&self, at: Moment, commands: &[Command]) -> bool {
        let run = self.0.borrow();
        let Some(start) = at.commands.checked_sub(commands.len()) else {
            return false;
        };
        !commands.is_empty()
            && run.log.get(start..at.commands).is_some_and(|given| {
                given
                    .iter()
                    .zip(commands)
                    .all(|((when, given), command)| *when == at.at && given == command)
            })
    }

    /// Where the run stands: the clock, and how many commands it has applied.
    pub fn moment(&self) -> Moment {
        self.0.borrow().moment()
    }

    /// Jumps to a point of the run at once (see [`seek`](Self::seek)).
    pub fn seek_to(&self, to: Moment) {
        self.begin_seek_to(to);
        self.finish_seek();
    }

    /// Whether anything was done to the cluster (so starting over would lose work).
    pub fn has_commands(&self) -> bool {
        !self.0.borrow().log.is_empty()
    }

    /// The fingerprint of the run's trace so far: equal fingerprints mean identical runs.
    pub fn trace_hash(&self) -> u64 {
        self.0.borrow().world.trace().hash()
    }

    /// Advances virtual time, replaying logged commands that come due.
    pub fn advance(&self, span: SimDuration) {
        let mut run = self.0.borrow_mut();
        let until = run.world.now() + span;
        run.advance_to(until);
    }

    /// Advances up to `span` of virtual time in slices of at most `slice`, asking `more()`
    /// before each slice after the first: a frame that has spent its budget stops there, and
    /// the clock shows what was achieved (cutting a span into slices changes nothing in the
    /// run). Returns the virtual time advanced.
    pub fn advance_while(
        &self,
        span: SimDuration,
        slice: SimDuration,
        mut more: impl FnMut() -> bool,
    ) -> SimDuration {
        let mut run = self.0.borrow_mut();
        // Playing: each draw carries the marks on again.
        run.catching_up = false;
        let start = run.world.now();
        let end = start + span;
        let slice = SimDuration::from_micros(slice.as_micros().max(1));
        loop {
            let until = (run.world.now() + slice).min(end);
            run.advance_to(until);
            if run.world.now() >= end || !more() {
                break;
            }
        }
        run.world.now().since(start)
    }

    /// Processes exactly the next scheduled event (single-step).
    pub fn step(&self) -> bool {
        let mut run = self.0.borrow_mut();
        let stepped = run.world.step();
        run.furthest = run.furthest.max(run.world.now());
        stepped
    }

    /// Applies a user's command now; commands logged after now are dropped (a new branch).
    pub fn apply(&self, command: Command) -> Result<(), CommandError> {
        self.recording(|world| world.apply(command))
    }

    /// Runs a Kafka CLI line (`kafka-topics.sh ...`) and returns what the tool prints.
    pub fn console(&self, line: &str) -> kafka_sim::console::ConsoleResult {
        self.recording(|world| kafka_sim::console::run(world, line))
    }

    /// Runs `act` on the world and logs the commands it applied, at their times, as the new
    /// future of this branch.
    fn recording<R>(&self, act: impl FnOnce(&mut World) -> R) -> R {
        let mut run = self.0.borrow_mut();
        let before = run.world.commands().len();
        let result = act(&mut run.world);
        let applied: Vec<(SimTime, Command)> = run.world.commands()[before..].to_vec();
        if !applied.is_empty() {
            let kept = run.applied;
            let now = run.world.now();
            run.checkpoints.branch(now, kept);
            run.furthest = now;
            run.lags.forget_after(now);
            run.log.truncate(kept);
            run.applied += applied.len();
            run.log.extend(applied);
        }
        result
    }

    /// Moves to `moment`: back by replaying from the start, forward by running on.
    pub fn seek(&self, moment: SimTime) {
        self.begin_seek(moment);
        self.finish_seek();
    }

    /// Carries the jump under way (a reload's replay, say) to its end in one go, the
    /// checker's marks too: for tests and headless use, where nothing is drawn meanwhile.
    pub fn finish_seek(&self) {
        while self
            .continue_seek(SimDuration::from_millis(3_600_000))
            .is_some()
        {}
        while !self.check_marks() {}
    }

    /// Starts a jump to `moment` that [`continue_seek`](Self::continue_seek) carries out in
    /// slices, so a long replay can show its progress instead of freezing the page. It starts
    /// from the nearest checkpoint before the moment.
    pub fn begin_seek(&self, moment: SimTime) {
        self.begin_seek_to(Moment::end_of(moment));
    }

    /// Starts a jump to a point of the run (see [`begin_seek`](Self::begin_seek)): to a
    /// moment, after as many of the log's commands as `to` says.
    pub fn begin_seek_to(&self, to: Moment) {
        let mut run = self.0.borrow_mut();
        let (now, here) = (run.world.now(), run.moment());
        let moment = to.at;
        let back = to < here;
        // Back to the nearest copy before the point; forward too, when the old future still
        // has one ahead of the clock.
        if let Some(nearest) = run
            .checkpoints
            .nearest(moment, to.commands)
            .filter(|c| back || c.at > now)
        {
            let (world, applied) = (nearest.world.clone(), nearest.applied);
            let left = std::mem::replace(&mut run.world, world);
            if run.litter.len() > LITTER_WAITING {
                // Rewinds faster than the advances that free their litter: freed now, so
                // memory stays bounded (the one case a rewind still holds the page).
                run.litter.clear();
            }
            run.litter.push_back(Box::new(left));
            run.applied = applied;
            if back {
                // Ahead is the same history (a run is a function of its commands); behind,
                // the marks are of a future that may not happen again.
                let marks = std::mem::take(&mut run.marks);
                run.litter.extend(marks.into_pieces());
            }
        }
        run.target = Some(to);
        run.catching_up = true;
    }

    /// Advances a jump by up to `slice` of virtual time; returns where it is and where it is
    /// headed while unfinished, `None` once it has arrived (or when none is under way).
    ///
    /// It arrives with the world: the checker's marks follow after ([`check_marks`]
    /// (Self::check_marks)). After a rewind they read the run again from its start, which in
    /// an hour-long run of the busy cluster is millions of records, sends and polls: waiting
    /// for them held every rewind for seconds, however near its copy of the world was.
    pub fn continue_seek(&self, slice: SimDuration) -> Option<(SimTime, SimTime)> {
        let mut run = self.0.borrow_mut();
        let target = run.target?.at;
        let until = (run.world.now() + slice).min(target);
        run.advance_to(until);
        let Run { world, acks, .. } = &mut *run;
        kafka_sim::charts::acknowledged_counted(world, acks, CHART_BUCKETS);
        if run.world.now() >= target {
            run.target = None;
            return None;
        }
        Some((run.world.now(), target))
    }

    /// Frees a piece of what rewinds let go of, unless a jump is under way (its slices are
    /// what the reader waits for); whether more is left to free. The page frees it all, a
    /// few milliseconds a tick, once a jump has arrived ([`tidy_after_jumps`]
    /// (crate::components::seek_progress::tidy_after_jumps)).
    pub fn free_litter(&self) -> bool {
        let mut run = self.0.borrow_mut();
        run.free_litter() && !run.litter.is_empty()
    }

    /// Whether what rewinds let go of is waiting to be freed.
    pub fn has_litter(&self) -> bool {
        !self.0.borrow().litter.is_empty()
    }

    /// Whether the checker's marks have caught up with the run, as a draw asks: after a jump
    /// without reading (a budget of catching up took a tenth of a rewind's arrival, whose draw
    /// is what the reader waits for: the ticks after it read), otherwise after one budget (a
    /// step's few events, read at once rather than a draw later).
    pub fn marks_caught_up_for_a_draw(&self) -> bool {
        let run = self.0.borrow();
        if run.catching_up {
            return run.marks.caught_up(&run.world);
        }
        drop(run);
        self.check_marks()
    }

    /// Carries the checker's marks on by one budget (records of the logs, sends and polls, at
    /// most [`MARKS_CATCH_UP`] each); whether they have caught up with the run. A page that
    /// is neither playing nor jumping asks until they have, then draws them.
    pub fn check_marks(&self) -> bool {
        let mut run = self.0.borrow_mut();
        // A piece of what rewinds let go of a call too: the catch-up's ticks after a rewind
        // free the old run's index as they build the new one (tidying alone, 5 ms a tick, fell
        // behind a reader rewinding again and again, until a hundred and sixty pieces were
        // freed in one step).
        run.free_litter();
        let caught_up = run.update_marks();
        run.catching_up &= !caught_up;
        caught_up
    }

    /// Whether a panel drew the checker's marks while they were behind since the last time
    /// this was asked: the page draws again once they have caught up.
    pub fn marks_drawn_partly(&self) -> bool {
        std::mem::take(&mut self.0.borrow_mut().partly_drawn)
    }

    /// Where the jump under way goes, if one is.
    pub fn seeking(&self) -> Option<SimTime> {
        self.0.borrow().target.map(|t| t.at)
    }

    /// The furthest this branch has run or has commands for, or the clock if later.
    pub fn horizon(&self) -> SimTime {
        let run = self.0.borrow();
        // A jump under way keeps its destination within reach of the slider.
        let reach =
            (run.world.now().max(run.furthest)).max(run.target.map_or(SimTime::ZERO, |t| t.at));
        run.log.last().map_or(reach, |(at, _)| (*at).max(reach))
    }

    /// The virtual clock (without building a whole view).
    pub fn now(&self) -> SimTime {
        self.0.borrow().world.now()
    }

    /// A snapshot to render.
    pub fn view(&self) -> WorldView {
        self.0.borrow().world.view()
    }

    /// A snapshot carrying of each partition's logs the newest `records(partition)` records:
    /// what the page draws.
    pub fn view_with(&self, records: &dyn Fn(&kafka_sim::TopicPartition) -> usize) -> WorldView {
        self.0.borrow().world.view_with(records)
    }

    /// Whether a lesson step's condition holds in the world as it is now.
    pub fn holds(&self, condition: &kafka_sim::Condition) -> bool {
        condition.holds(&self.0.borrow().world)
    }

    /// This run (same seed, same commands, up to now) under the two sides of A/B preset
    /// `index`.
    pub fn compare(&self, index: usize) -> kafka_sim::ab::Comparison {
        let run = self.0.borrow();
        let presets = kafka_sim::ab::presets();
        let (_, a, b) = &presets[index.min(presets.len() - 1)];
        let applied = &run.log[..run.applied];
        let config = run.shape.config();
        kafka_sim::ab::compare(&config, run.seed, applied, run.world.now(), a, b)
    }

    /// The charts' series: the last minute of virtual time, by second.
    pub fn charts(&self) -> Vec<kafka_sim::charts::Series> {
        use kafka_sim::charts::{acknowledged_counted, group_lag, smallest_isr, under_replicated};
        const BUCKET: SimDuration = SimDuration::from_millis(1_000);
        let mut run = self.0.borrow_mut();
        let Run {
            world, lags, acks, ..
        } = &mut *run;
        let mut series = vec![
            acknowledged_counted(world, acks, CHART_BUCKETS),
            under_replicated(world, BUCKET, CHART_BUCKETS),
            smallest_isr(world, BUCKET, CHART_BUCKETS),
        ];
        series.extend(
            world
                .groups()
                .iter()
                .map(|(_, g)| group_lag(world, lags, &g.id, BUCKET, CHART_BUCKETS)),
        );
        series
    }

    /// The newest `count` operations of the producers and plain clients, newest first
    /// (consumers list their own).
    pub fn recent_operations(&self, count: usize) -> Vec<Operation> {
        use kafka_sim::client::Request;
        let run = self.0.borrow();
        let producers: std::collections::BTreeSet<&str> =
            run.world.producers().map(|p| p.name()).collect_set();
        run.world
            .operations_since(SimTime::ZERO)
            .rev()
            // A plain client's requests are its own kinds: Produce and Fetch.
            .filter(|op| {
                producers.contains(&*op.client)
                    || matches!(op.request, Request::Produce { .. } | Request::Fetch { .. })
            })
            .take(count)
            .cloned()
            .collect()
    }

    /// The newest `count` events whose text contains `filter` (any case), newest first, with
    /// their index in the run, without the replication chatter of internal topics.
    pub fn recent_events(&self, count: usize, filter: &str) -> Vec<(usize, Event)> {
        let run = self.0.borrow();
        let filter = filter.trim().to_lowercase();
        run.world
            .events()
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, e)| !e.kind.concerns_internal_topic())
            .filter(|(_, e)| {
                filter.is_empty() || e.kind.to_string().to_lowercase().contains(&filter)
            })
            .take(count)
            .map(|(i, e)| (i, e.clone()))
            .collect()
    }

    /// For each operation shown (the producer panel's newest), what the checker finds
    /// about its acknowledged record: lost since (a truncation removed it: one lookup in the
    /// leader's log), duplicated or reordered (the partition's marks, kept up to date
    /// incrementally). A frame costs what is on screen, not the run.
    pub fn operation_marks(&self, operations: &[Operation]) -> Vec<Vec<Mark>> {
        use kafka_sim::client::Request;
        let mut run = self.0.borrow_mut();
        run.update_marks_for_a_draw();
        let Run { world, marks, .. } = &mut *run;
        operations
            .iter()
            .map(|op| {
                let (topic, value) = match &op.request {
                    Request::Send { topic, value, .. } => {
                        (&**topic, value.as_deref().unwrap_or("null"))
                    }
                    Request::Produce { topic, value, .. } => (topic.as_str(), value.as_str()),
                    _ => return Vec::new(),
                };
                let kafka_sim::Outcome::Acked {
                    partition, offset, ..
                } = op.outcome
                else {
                    return Vec::new();
                };
                if marks.went_with_topic(topic, op) {
                    return Vec::new();
                }
                let tp = kafka_sim::TopicPartition::new(topic, partition);
                let lost = kafka_sim::check::acked_send_lost(world, &op.client, &tp, offset, value)
                    .map(|violation| Mark {
                        violation,
                        tp: tp.clone(),
                        offset,
                        last: offset,
                        at: op.invoked_at,
                    });
                let mut found: Vec<Mark> = lost.into_iter().collect();
                found.extend(
                    marks
                        .marks(world, &tp, &[(offset, value)])
                        .into_iter()
                        .flatten(),
                );
                found
            })
            .collect()
    }

    /// The checker's marks on the records of `topic` the view carries (each replica's
    /// newest), and the acknowledged offsets its partitions lost. The marks are kept up to
    /// date incrementally: a frame pays for what happened since the last one and for the
    /// records on screen, not for the run.
    pub fn marks(&self, topic: &kafka_sim::TopicView) -> Vec<PartitionMarks> {
        let mut run = self.0.borrow_mut();
        run.update_marks_for_a_draw();
        let Run { world, marks, .. } = &mut *run;
        topic
            .partitions
            .iter()
            .map(|p| {
                let tp = kafka_sim::TopicPartition::new(&topic.name, p.partition);
                let records = p
                    .replica_logs
                    .iter()
                    .map(|replica| {
                        let shown: Vec<(u64, &str)> = replica
                            .records
                            .iter()
                            .filter(|r| r.control.is_none())
                            .map(|r| (r.offset, r.value.as_str()))
                            .collect();
                        let mut found = marks.marks(world, &tp, &shown).into_iter();
                        // One entry per record drawn, markers included (they get none).
                        replica
                            .records
                            .iter()
                            .map(|r| {
                                if r.control.is_none() {
                                    found.next().unwrap_or_default()
                                } else {
                                    Vec::new()
                                }
                            })
                            .collect()
                    })
                    .collect();
                PartitionMarks {
                    records,
                    truncated: marks.truncated_after_ack(&tp),
                }
            })
            .collect()
    }

    /// What caused a mark: the event that shows it, then its causes.
    pub fn explain_mark(&self, mark: &Mark) -> Vec<Event> {
        let run = self.0.borrow();
        let events = run.world.events();
        kafka_sim::check::why(&run.world, mark)
            .into_iter()
            .map(|i| events[i].clone())
            .collect()
    }

    /// The safety checker's findings on the run so far (an embed reports them to its host).
    pub fn check(&self) -> Vec<kafka_sim::check::Violation> {
        kafka_sim::check::check(&self.0.borrow().world)
    }

    /// What caused the event at `index`, nearest cause first.
    pub fn explain(&self, index: usize) -> Vec<Event> {
        let run = self.0.borrow();
        let events = run.world.events();
        if index >= events.len() {
            return Vec::new();
        }
        kafka_sim::cause_chain(events, index)
            .into_iter()
            .map(|i| events[i].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sim::CreateTopic;

    /// Creates topic `orders` (RF=3) now, as the page's topic form does.
    fn create_orders(sim: &SimHandle, partitions: i32) {
        create_topic(sim, "orders", partitions);
    }

    /// A run of `seed` that created `orders` at 1 s and played on to 30 s.
    fn thirty_seconds_of_orders(seed: u64, partitions: i32) -> SimHandle {
        let sim = SimHandle::new(seed, 1);
        sim.advance(SimDuration::from_millis(1_000));
        create_orders(&sim, partitions);
        sim.advance(SimDuration::from_millis(29_000));
        sim
    }

    fn create_topic(sim: &SimHandle, name: &str, partitions: i32) {
        let topic = CreateTopic {
            name: name.to_owned(),
            partitions,
            replication_factor: 3,
            configs: Default::default(),
            replica_assignment: None,
        };
        sim.apply(Command::CreateTopic(topic)).expect("created");
    }

    #[test]
    fn a_started_cluster_has_every_broker_registered_and_takes_a_topic() {
        let sim = SimHandle::started(1, Shape::default());
        let view = sim.view();
        assert_eq!(view.brokers.len(), 3);
        assert!(
            view.brokers.iter().all(|b| b.up
                && !b.fenced
                && b.broker_epoch.is_some()
                && b.state == kafka_sim::BrokerState::Running),
            "{:?}",
            view.brokers
        );
        assert!(sim.now() > SimTime::ZERO && sim.now() < SimTime::from_millis(10_000));
        assert!(!sim.has_commands(), "the start is time, not commands");
        create_orders(&sim, 3);

        // A share link of it reopens the same run.
        let opened = SimHandle::restore(
            crate::share::decode(&crate::share::encode(&sim.saved())).expect("decodes"),
        );
        opened.finish_seek();
        assert_eq!(opened.trace_hash(), sim.trace_hash());
        assert_eq!(opened.view(), sim.view());

        let quorum = SimHandle::started(
            2,
            Shape {
                controllers: 3,
                ..Shape::default()
            },
        );
        assert!(quorum.brokers_registered(), "with three controllers too");
    }

    #[test]
    fn the_slider_reaches_the_furthest_moment_played_until_the_reader_acts() {
        let sim = thirty_seconds_of_orders(4, 1);
        let furthest = sim.now();
        sim.seek(SimTime::from_millis(15_000));
        assert_eq!(
            sim.horizon(),
            furthest,
            "rewound: the old future is in reach"
        );
        sim.seek(SimTime::from_millis(4_000));
        sim.seek(SimTime::from_millis(27_000));
        assert_eq!(
            sim.horizon(),
            furthest,
            "forward and back again: still in reach"
        );
        let played = sim.view();
        sim.seek(furthest);
        assert_eq!(sim.now(), furthest);
        sim.seek(SimTime::from_millis(27_000));
        assert_eq!(
            sim.view(),
            played,
            "the same run wherever it was reached from"
        );
        // Saved and opened again (a reload), the old future is still in reach.
        let reloaded = SimHandle::restore(sim.saved());
        while reloaded
            .continue_seek(SimDuration::from_millis(60_000))
            .is_some()
        {}
        assert_eq!(reloaded.now(), SimTime::from_millis(27_000));
        assert_eq!(reloaded.horizon(), furthest, "reloaded: still in reach");
        // Acting starts another future: the old one is gone from the slider.
        create_topic(&sim, "payments", 1);
        assert_eq!(sim.horizon(), SimTime::from_millis(27_000));
        assert_eq!(sim.saved().furthest, SimTime::ZERO, "nothing ahead to keep");
    }

    #[test]
    fn a_send_to_a_topic_deleted_since_is_not_marked_lost_after_ack() {
        let sim = SimHandle::started(2, Shape::default());
        create_orders(&sim, 1);
        sim.advance(SimDuration::from_millis(500));
        let producer = Command::AddProducer {
            name: "p".to_owned(),
            config: Default::default(),
        };
        sim.apply(producer).expect("added");
        let send = |value: &str| Command::Send {
            producer: "p".into(),
            record: kafka_sim::producer::ProducerRecord {
                topic: "orders".into(),
                value: Some(value.into()),
                ..Default::default()
            },
        };
        sim.apply(send("before")).expect("sent");
        sim.advance(SimDuration::from_millis(1_000));
        // The first send's marks (the list is newest first).
        let acked = |sim: &SimHandle| {
            let ops = sim.recent_operations(10);
            let first = ops.last().cloned().expect("sent");
            assert!(
                matches!(first.outcome, kafka_sim::Outcome::Acked { .. }),
                "{first:?}"
            );
            sim.operation_marks(&[first]).remove(0)
        };
        assert!(acked(&sim).is_empty(), "acknowledged and in the log");
        let delete = Command::DeleteTopic {
            name: "orders".to_owned(),
        };
        sim.apply(delete).expect("deleted");
        sim.advance(SimDuration::from_millis(500));
        create_orders(&sim, 1);
        // The new topic's offset 0 holds another record.
        sim.apply(send("after")).expect("sent again");
        sim.advance(SimDuration::from_millis(1_000));
        assert!(
            acked(&sim).is_empty(),
            "its log went with the topic: not lost after ack"
        );
    }

    #[test]
    fn playing_in_budgeted_slices_stops_when_told_and_is_the_same_run() {
        let (sliced, whole) = (SimHandle::new(3, 1), SimHandle::new(3, 1));
        for sim in [&sliced, &whole] {
            sim.advance(SimDuration::from_millis(1_000));
            create_orders(sim, 2);
        }
        let mut asked = 0;
        let done = sliced.advance_while(
            SimDuration::from_millis(5_000),
            SimDuration::from_millis(20),
            || {
                asked += 1;
                asked < 10
            },
        );
        assert_eq!(
            done,
            SimDuration::from_millis(200),
            "ten slices, then told to stop"
        );
        let rest = sliced.advance_while(
            SimDuration::from_millis(4_800),
            SimDuration::from_millis(20),
            || true,
        );
        assert_eq!(rest, SimDuration::from_millis(4_800));
        whole.advance(SimDuration::from_millis(5_000));
        assert_eq!(sliced.now(), whole.now());
        assert_eq!(sliced.trace_hash(), whole.trace_hash());
    }

    #[test]
    fn a_long_jump_goes_in_slices_and_lands_where_the_run_was() {
        let sim = thirty_seconds_of_orders(3, 2);
        let before = sim.view();

        sim.begin_seek(SimTime::ZERO);
        assert_eq!(sim.continue_seek(SimDuration::from_millis(1_000)), None);
        assert!(sim.view().topics.is_empty(), "back before the topic");

        // Forward past the checkpoints (there is none ahead: the copy at 30 s was taken by
        // the first run and is the nearest only at 30 s itself).
        let target = SimTime::from_millis(29_500);
        sim.begin_seek(target);
        let mut slices = 0;
        while let Some((now, to)) = sim.continue_seek(SimDuration::from_millis(1_000)) {
            assert_eq!(to, target);
            assert_eq!(now, SimTime::from_millis(1_000 * (slices + 1)));
            slices += 1;
        }
        assert_eq!(slices, 29, "one slice per second but the last");

        sim.begin_seek(SimTime::from_millis(30_000));
        assert_eq!(
            sim.continue_seek(SimDuration::from_millis(1_000)),
            None,
            "the old future's checkpoint is one step away"
        );
        assert_eq!(sim.view(), before, "the replay lands on the same state");
        let trace = sim.trace_hash();
        sim.seek(SimTime::from_millis(12_345));
        sim.seek(SimTime::from_millis(30_000));
        assert_eq!(
            sim.trace_hash(),
            trace,
            "rewinding and coming back changes nothing"
        );
    }

    #[test]
    fn a_rewind_replays_from_the_nearest_checkpoint_to_the_same_state() {
        // A run with a command after the first checkpoints, rewound to between them.
        let sim = SimHandle::new(5, 1);
        sim.advance(SimDuration::from_millis(25_000));
        create_orders(&sim, 3);
        for _ in 0..40 {
            sim.advance(SimDuration::from_millis(1_000));
        }
        let moment = SimTime::from_millis(37_250);
        let fresh = SimHandle::restore(Session {
            now: moment,
            ..sim.saved()
        });
        while fresh
            .continue_seek(SimDuration::from_millis(60_000))
            .is_some()
        {}

        sim.begin_seek(moment);
        assert_eq!(
            sim.continue_seek(SimDuration::from_millis(9_000)),
            None,
            "a checkpoint at most 10 s before the moment"
        );
        assert_eq!(sim.now(), moment);
        assert_eq!(sim.trace_hash(), fresh.trace_hash());
        assert_eq!(sim.view(), fresh.view());

        // Acting there branches: the old future's checkpoints are gone, the run goes on.
        sim.apply(Command::CrashBroker {
            broker: 1,
            kind: Default::default(),
        })
        .expect("crashed");
        sim.seek(SimTime::from_millis(60_000));
        assert_eq!(sim.now(), SimTime::from_millis(60_000));
        assert!(
            sim.view().brokers.iter().any(|b| !b.up),
            "the new branch has the crash"
        );
    }

    #[test]
    fn what_a_rewind_lets_go_of_is_freed_after_it_arrives_not_during_it() {
        let sim = thirty_seconds_of_orders(8, 3);
        while !sim.check_marks() {}
        sim.begin_seek(SimTime::from_millis(12_000));
        assert!(
            sim.has_litter(),
            "the world it left and the old marks wait to be freed"
        );
        let waiting = sim.0.borrow().litter.len();
        assert!(
            !sim.free_litter(),
            "nothing is freed while the jump is under way"
        );
        assert_eq!(sim.0.borrow().litter.len(), waiting);
        while sim.continue_seek(SimDuration::from_millis(1_000)).is_some() {}
        assert_eq!(sim.0.borrow().litter.len(), waiting, "nor by its slices");
        let mut freed = 0;
        while sim.has_litter() {
            sim.free_litter();
            freed += 1;
        }
        assert_eq!(freed, waiting, "one piece at a time, then none left");
    }

    #[test]
    fn a_shared_session_replays_to_the_same_trace_and_view() {
        let sim = SimHandle::new(11, 3);
        sim.advance(SimDuration::from_micros(6_234_567));
        create_orders(&sim, 3);
        sim.advance(SimDuration::from_micros(4_000_001));
        let crash = Command::CrashBroker {
            broker: 2,
            kind: Default::default(),
        };
        sim.apply(crash).expect("crashed");
        sim.advance(SimDuration::from_micros(2_500_003));

        let link = crate::share::encode(&sim.saved());
        let opened = SimHandle::restore(crate::share::decode(&link).expect("decodes"));
        opened.finish_seek();
        assert_eq!(opened.now(), sim.now());
        assert_eq!(opened.trace_hash(), sim.trace_hash());
        assert_eq!(opened.view(), sim.view());
        assert_eq!(opened.saved(), sim.saved());
    }
}

#[cfg(test)]
#[path = "sim_handle_marks_tests.rs"]
mod marks_tests;
