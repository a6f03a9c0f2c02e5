//! The page's state in one place: the run shown, the clock's controls, the forms' refusals and
//! the dialogs, changed only by [`SimAction`]s (as yew's `function_todomvc` example does) and
//! handed to every panel by [`SimProvider`] through [`use_sim`] (as its `contexts` example does).
//!
//! What a frame costs: every tick gives a new state, so every panel reading the context runs
//! once per tick, but only to pick its part of the one [`WorldView`] the provider took for the
//! frame; the markup is drawn by an inner component whose props compare equal while that part is
//! unchanged, and the callbacks it gets ([`Actions`]) are made once, so an idle panel is not
//! redrawn. Playing, the clock moves in timer tasks and the page draws in animation frames
//! ([`crate::playing`]); the partition table draws records only for the rows on screen.

use crate::boot::Boot;
use crate::components::timeline::SPEEDS;
use crate::embed_params::EmbedParams;
use crate::persistence;
use crate::playing::{Pace, Playing};
use crate::session::{Session, Shape};
use crate::sim_handle::{Moment, SimHandle};
use crate::theme::{self, Theme};
use crate::url::{self, page_embed, page_embed_params, page_seed};
use kafka_sim::check::Mark;
use kafka_sim::console::ConsoleResult;
use kafka_sim::{Command, Event, SimDuration, SimTime, TopicPartition, WorldView};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ops::Deref;
use std::rc::Rc;
use yew::prelude::*;

/// A long jump advances in slices of this much virtual time...
const SEEK_SLICE: SimDuration = SimDuration::from_millis(50);
/// ...for up to this long per tick, so the page answers input and draws its progress.
const SEEK_BUDGET_MS: f64 = 20.0;
/// The index of 1× in [`SPEEDS`].
const DEFAULT_SPEED: usize = 3;

/// The saved-run key of the run the page shows, shared by every callback that saves it.
pub(crate) type RunId = Rc<RefCell<Option<u32>>>;

/// Where a refusal is shown: each form has its own line, the rest of the page one above the panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Buttons outside the forms (and the embed API, lessons, "Show me").
    Page,
    /// The cluster's shape and reassignment form.
    Shape,
    /// The topic form.
    Topic,
    /// The producer panel.
    Producer,
    /// The consumer panel.
    Consumer,
}

const FORMS: usize = 5;

impl Form {
    /// Every form, in the order of their refusals' slots.
    const ALL: [Form; FORMS] = [
        Form::Page,
        Form::Shape,
        Form::Topic,
        Form::Producer,
        Form::Consumer,
    ];
}

/// Everything that changes the page's state.
pub enum SimAction {
    /// One animation tick while playing: time moves by the speed's share.
    Tick,
    /// Play or pause.
    Play(bool),
    /// One event.
    Step,
    /// A speed by its index in [`SPEEDS`].
    Speed(usize),
    /// Jumps the timeline to a point of the run (in slices if long).
    Seek(Moment),
    /// A long jump carried on in slices (by [`SeekProgress`]) has arrived.
    Arrived,
    /// Shows another run: a saved one, a new cluster (not saved until used), an imported file.
    Show(SimHandle, Option<u32>),
    /// A command was applied from `Form`: its answer (Kafka's refusal or none).
    Applied(Form, Result<(), String>),
    /// The reader edited a form's input: its refusal answered the input as it was.
    Edited(Form),
    /// The run changed outside a command (the console): draw it again.
    Redraw,
    /// The event log's filter.
    Filter(String),
    /// A notice above the panes (a run that could not be opened), or none.
    Notice(Option<String>),
    /// A new cluster of this shape; asks first if the run has commands.
    AskNew(Shape),
    /// Starts the new cluster asked for.
    NewCluster(Shape),
    /// Cancels the question.
    CancelNew,
    /// Opens the share dialog on the run as it stands, or closes it.
    Share(bool),
    /// Opens or closes the list of recent runs.
    ListRuns(bool),
    /// Opens a saved run from the list.
    OpenRun(u32),
    /// Deletes a saved run from the list.
    DeleteRun(u32),
    /// Opens an imported scenario file as a new run, saved at once.
    Import(Session),
    /// The next colour theme.
    NextTheme,
    /// The lesson an embed's host loaded (each load starts it afresh), or none.
    EmbedLesson(Option<String>),
    /// How many records fit on a line of a replica's log, as the table measured its width.
    RecordsFit(usize),
    /// A partition's logs opened to their newest [`RECORDS_OPENED`] records, or closed again.
    OpenLog(TopicPartition, bool),
    /// Partitions whose rows came on screen (true) or left it (false).
    OnScreen(Vec<(TopicPartition, bool)>),
}

/// How many of a log's newest records a partition opened by the reader shows (in a box that
/// scrolls): enough to read back a while, bounded so a frame stays cheap.
pub const RECORDS_OPENED: usize = 256;

/// The page's state. The world itself lives in the [`SimHandle`], mutated in place.
#[derive(Clone)]
pub struct PageState {
    /// The run shown.
    pub sim: SimHandle,
    /// The same run, for callbacks made once: [`SimAction::Show`] replaces it.
    current: Rc<RefCell<SimHandle>>,
    run_id: RunId,
    /// Opened with `?embed=1`.
    pub embed: bool,
    /// Opened a share link (`#s=...`), which the address bar no longer shows once it is open.
    pub opened_link: bool,
    /// What the embed's URL asks for (defaults on the full page).
    pub params: Rc<EmbedParams>,
    /// Controls that change the cluster are disabled (a read-only embed).
    pub readonly: bool,
    /// Whether time is running.
    pub playing: bool,
    /// An index into [`SPEEDS`].
    pub speed_index: usize,
    /// The speed the clock really ran at over the last second of playing (virtual
    /// microseconds per real millisecond, as in [`SPEEDS`]), once measured.
    pub achieved: Option<u64>,
    pace: Rc<RefCell<Pace>>,
    /// Where a jump under way goes. While it lasts the panels are not drawn again (they are
    /// inert): the page and [`SeekProgress`] follow it through [`use_jump`], since a panel's
    /// copy of the state does not change when a jump starts (see `frame`).
    seeking: Option<SimTime>,
    errors: [Option<String>; FORMS],
    /// A notice above the panes.
    pub notice: Option<String>,
    /// The event log's filter.
    pub event_filter: String,
    /// The shape a new cluster is asked for, while the page asks.
    pub asking_new: Option<Shape>,
    /// The run as it stood when Share was pressed, while the dialog is open.
    pub sharing: Option<Session>,
    /// Whether the list of recent runs is open.
    pub listing_runs: bool,
    /// The colour theme.
    pub theme: Theme,
    /// The embed's lesson: how many loads there were (a key) and the lesson.
    pub embed_lesson: (u32, Option<String>),
    /// How many of each log's newest records fit on a line: what a closed log shows.
    pub records_fit: usize,
    /// The partitions whose logs the reader opened (see [`RECORDS_OPENED`]).
    pub opened_logs: Rc<BTreeSet<TopicPartition>>,
    /// The partitions whose rows are on screen (or nearly): while the run plays, only their
    /// logs carry records, so a frame draws what a reader can see. Paused, every log does
    /// (no frames follow, and a paused page is what tests and readers inspect whole).
    pub on_screen: Rc<BTreeSet<TopicPartition>>,
    /// Counts the changes the panels draw: the world changes in place, so two states are told
    /// apart by this. Starting a jump that goes on in slices is not one of them (the panels
    /// keep the moment it left), so it runs no panel again: drawing every panel's view anew,
    /// though nothing in it changed, was a tenth of a rewind (BENCHMARKS.md, issue 17).
    frame: u64,
    /// Counts the runs shown: the panels' own state (a form's acks or transactional.id, the
    /// console's output) belongs to the run it was made for, so each run gets panels afresh.
    pub runs_shown: u32,
}

impl PartialEq for PageState {
    fn eq(&self, other: &Self) -> bool {
        self.frame == other.frame && self.sim == other.sim
    }
}

impl PageState {
    fn load() -> PageState {
        let embed = page_embed();
        let params = Rc::new(embed.then(page_embed_params).unwrap_or_default());
        // Read before the boot opens the link and drops it from the address bar.
        let opened_link = crate::share::from_fragment(&crate::url::page_fragment()).is_some();
        let boot = Boot::load(embed.then_some(&*params));
        let run_id = Rc::new(RefCell::new(boot.run_id));
        let saving = !embed;
        PageState {
            current: Rc::new(RefCell::new(boot.sim.clone())),
            // Rebuilding a saved or shared run on load goes behind the progress bar too; a short
            // run finishes before the first draw.
            seeking: seek_for_a_while(&boot.sim, &run_id, saving, js_sys::Date::now())
                .map(|(_, target)| target),
            sim: boot.sim,
            run_id,
            embed,
            opened_link,
            readonly: params.readonly,
            playing: params.autoplay,
            // A link's speed, else the one this tab played at before a reload, else 1×: one
            // simulated second per real second.
            speed_index: params
                .speed_index
                .or_else(|| {
                    saving
                        .then(persistence::speed)
                        .flatten()
                        .and_then(|label| SPEEDS.iter().position(|(l, _)| *l == label))
                })
                .unwrap_or(DEFAULT_SPEED),
            achieved: None,
            pace: Rc::default(),
            errors: Default::default(),
            notice: boot.notice,
            event_filter: String::new(),
            asking_new: None,
            sharing: None,
            listing_runs: false,
            // An embed's theme is its host's choice (or the system's), never saved as the reader's.
            theme: match embed {
                true => params.theme.unwrap_or(Theme::System),
                false => theme::load(),
            },
            embed_lesson: (0, params.lesson.clone()),
            params,
            records_fit: kafka_sim::RECORDS_IN_VIEW,
            opened_logs: Rc::default(),
            on_screen: Rc::default(),
            frame: 0,
            runs_shown: 0,
        }
    }

    /// An embedded playground (several may share a documentation page) saves nothing.
    pub fn saving(&self) -> bool {
        !self.embed
    }

    /// The refusal shown on `form`'s line.
    pub fn error(&self, form: Form) -> Option<String> {
        self.errors[form as usize].clone()
    }

    /// The saved-run key of the run shown.
    pub fn run_id(&self) -> Option<u32> {
        *self.run_id.borrow()
    }

    fn autosave(&self) {
        autosave(&self.sim, &self.run_id, self.saving());
    }

    /// What carries the jump under way on, slice by slice, outside the page's state (see
    /// [`SeekProgress`](crate::components::seek_progress::SeekProgress)).
    pub fn seek_driver(&self) -> SeekDriver {
        SeekDriver {
            sim: self.sim.clone(),
            run_id: self.run_id.clone(),
            saving: self.saving(),
        }
    }

    fn show(&mut self, next: SimHandle, id: Option<u32>) {
        self.playing = false;
        *self.run_id.borrow_mut() = id;
        // An embed's address is its host's: it keeps its parameters, and no saved run.
        if self.saving() {
            match id {
                Some(id) => persistence::set_current(id),
                None => persistence::clear_current(),
            }
            let shown = next.saved();
            url::show_run(shown.seed, &shown.shape());
        }
        self.seeking = seek_for_a_while(&next, &self.run_id, self.saving(), js_sys::Date::now())
            .map(|(_, to)| to);
        *self.current.borrow_mut() = next.clone();
        self.sim = next;
        // Another run: its partitions are not the ones the reader opened or saw.
        self.opened_logs = Rc::default();
        self.on_screen = Rc::default();
        // Refusals were about the run left behind ("a client named c1 already exists").
        self.errors = Default::default();
        self.runs_shown += 1;
    }
}

impl Reducible for PageState {
    type Action = SimAction;

    fn reduce(self: Rc<Self>, action: SimAction) -> Rc<Self> {
        // A tick left over from before a pause or a jump moves nothing (and draws nothing).
        if matches!(action, SimAction::Tick) && (!self.playing || self.seeking.is_some()) {
            return self;
        }
        let mut next = (*self).clone();
        next.frame += 1;
        match action {
            // The clock has already moved (see `crate::playing`): this draws where it stands.
            SimAction::Tick => {
                if let Some(achieved) = next.pace.borrow().reached {
                    next.achieved = Some(achieved);
                }
            }
            SimAction::Play(playing) => {
                next.playing = playing;
                next.pace.replace(Pace::default());
                next.achieved = None;
            }
            SimAction::Step => {
                next.sim.step();
            }
            SimAction::Speed(index) => {
                next.speed_index = index.min(SPEEDS.len() - 1);
                if next.saving() {
                    persistence::set_speed(SPEEDS[next.speed_index].0);
                }
                next.pace.replace(Pace::default());
                next.achieved = None;
            }
            SimAction::Seek(moment) => {
                next.playing = false;
                let started = js_sys::Date::now();
                next.sim.begin_seek_to(moment);
                crate::components::seek_progress::tidy_after_jumps(&next.sim);
                // Short jumps finish at once (unless starting took the tick's budget); a
                // long one continues in slices.
                next.seeking = seek_for_a_while(&next.sim, &next.run_id, next.saving(), started)
                    .map(|(_, target)| target);
                // Going on in slices, the panels keep what they show (unless the clock
                // stopped): only the jump's context changes.
                if next.seeking.is_some() && !self.playing {
                    next.frame = self.frame;
                }
            }
            SimAction::Arrived => {
                // From a jump another has replaced, or a run no longer shown: nothing arrived.
                if next.sim.seeking().is_some() || next.seeking.is_none() {
                    return self;
                }
                next.seeking = None;
            }
            SimAction::Show(sim, id) => next.show(sim, id),
            SimAction::Applied(form, result) => {
                // A success clears every form's refusal: it was about a cluster that has moved on.
                if result.is_ok() {
                    next.autosave();
                    next.errors = Default::default();
                }
                next.errors[form as usize] = result.err();
            }
            SimAction::Edited(form) => {
                if next.errors[form as usize].is_none() {
                    return self;
                }
                next.errors[form as usize] = None;
            }
            SimAction::Redraw => {}
            SimAction::Filter(text) => next.event_filter = text,
            SimAction::RecordsFit(fit) if fit == next.records_fit => return self,
            SimAction::RecordsFit(fit) => next.records_fit = fit,
            SimAction::OpenLog(partition, open) => {
                let opened = Rc::make_mut(&mut next.opened_logs);
                match open {
                    true => opened.insert(partition),
                    false => opened.remove(&partition),
                };
            }
            SimAction::OnScreen(seen) => {
                let on_screen = Rc::make_mut(&mut next.on_screen);
                for (partition, shown) in seen {
                    match shown {
                        true => on_screen.insert(partition),
                        false => on_screen.remove(&partition),
                    };
                }
            }
            SimAction::Notice(notice) => next.notice = notice,
            SimAction::AskNew(shape) => {
                // A run with commands stays in the list, but the page asks first, since the list
                // keeps only the most recent runs.
                if next.sim.has_commands() {
                    next.asking_new = Some(shape);
                } else {
                    next.show(SimHandle::started(page_seed(), shape), None);
                }
            }
            SimAction::NewCluster(shape) => {
                next.asking_new = None;
                next.show(SimHandle::started(page_seed(), shape), None);
            }
            SimAction::CancelNew => next.asking_new = None,
            SimAction::Share(open) => next.sharing = open.then(|| next.sim.saved()),
            SimAction::ListRuns(open) => next.listing_runs = open,
            SimAction::OpenRun(id) => {
                next.listing_runs = false;
                match persistence::load(id) {
                    Ok(session) => next.show(SimHandle::restore(session), Some(id)),
                    Err(error) => {
                        next.notice = Some(format!("That run could not be opened: {error}."))
                    }
                }
            }
            SimAction::DeleteRun(id) => persistence::delete(id),
            // Saved at once (as a shared link is) and replayed behind the progress bar.
            SimAction::Import(session) => {
                next.notice = None;
                let id = persistence::save(None, &session);
                next.show(SimHandle::restore(session), id);
            }
            SimAction::NextTheme => next.theme = next.theme.next(),
            SimAction::EmbedLesson(id) => next.embed_lesson = (next.embed_lesson.0 + 1, id),
        }
        Rc::new(next)
    }
}

/// Saves the run (an embedded page, `saving` false, never writes the reader's runs). A new run
/// gets its key on its first save.
pub(crate) fn autosave(sim: &SimHandle, run_id: &RunId, saving: bool) {
    if saving {
        let saved = persistence::save(*run_id.borrow(), &sim.saved());
        if saved.is_some() {
            *run_id.borrow_mut() = saved;
        }
    }
}

/// Carries one run's jump on: see [`PageState::seek_driver`].
pub struct SeekDriver {
    sim: SimHandle,
    run_id: RunId,
    saving: bool,
}

impl SeekDriver {
    /// A tick's slices of the jump (saving the run once it has arrived); where it is and
    /// where it goes while unfinished.
    pub fn carry_on(&self) -> Option<(SimTime, SimTime)> {
        // A tick due before the arrival the last one sent: arrived and saved already.
        self.sim.seeking()?;
        seek_for_a_while(&self.sim, &self.run_id, self.saving, js_sys::Date::now())
    }
}

/// Carries a jump on until `SEEK_BUDGET_MS` of wall time have passed since `started` (its
/// start may have spent them copying the world it starts from); saves once it has arrived.
/// Returns where it is and where it goes while unfinished.
fn seek_for_a_while(
    sim: &SimHandle,
    run_id: &RunId,
    saving: bool,
    started: f64,
) -> Option<(SimTime, SimTime)> {
    let mut progress = sim.seeking().map(|target| (sim.now(), target));
    while progress.is_some() && js_sys::Date::now() - started < SEEK_BUDGET_MS {
        progress = sim.continue_seek(SEEK_SLICE);
    }
    if progress.is_none() {
        autosave(sim, run_id, saving);
    }
    progress
}

/// The page's callbacks, made once: a panel's props holding them stay equal from frame to frame.
pub struct Actions {
    /// Sends an action.
    pub dispatch: UseReducerDispatcher<PageState>,
    commands: [Callback<Command>; FORMS],
    /// Applies a command as the page's buttons do and answers with Kafka's refusal; the embed
    /// API and lessons act through it (a read-only embed's host may still act).
    pub apply: Callback<Command, Result<(), String>>,
    /// The cause chain of an event, by its index in the run.
    pub explain: Callback<usize, Vec<Event>>,
    /// What led to a checker's mark.
    pub explain_mark: Callback<Mark, Vec<Event>>,
    /// A console line, run against the cluster.
    pub console: Callback<String, ConsoleResult>,
    /// The A/B comparison of a preset.
    pub compare: Callback<usize, kafka_sim::ab::Comparison>,
    /// Jumps the timeline to a moment.
    pub seek: Callback<SimTime>,
    /// Jumps to a point between commands given at one moment (a lesson step's beginning).
    pub seek_to: Callback<Moment>,
    /// The event log's filter.
    pub filter: Callback<String>,
    /// A scenario file read and checked: it opens as a new run.
    pub import: Callback<(String, Session)>,
    /// A file refused, with why.
    pub import_error: Callback<String>,
    edited: [Callback<web_sys::Event>; FORMS],
}

impl Actions {
    fn new(state: &PageState, dispatch: UseReducerDispatcher<PageState>) -> Actions {
        let current = state.current.clone();
        let (saving, readonly) = (state.saving(), state.readonly);
        let applier = |form: Form| {
            let (current, dispatch) = (current.clone(), dispatch.clone());
            Callback::from(move |command: Command| {
                let sim = current.borrow().clone();
                let result = sim.apply(command).map_err(|e| e.to_string());
                dispatch.dispatch(SimAction::Applied(form, result.clone()));
                result
            })
        };
        // The page's controls' view of `apply`: in a read-only embed they change nothing (their
        // controls are disabled too; this holds if a script enables one).
        let control = |form: Form| {
            let apply = applier(form);
            Callback::from(move |command: Command| {
                if !readonly {
                    let _ = apply.emit(command);
                }
            })
        };
        Actions {
            commands: Form::ALL.map(control),
            apply: applier(Form::Page),
            explain: {
                let current = current.clone();
                Callback::from(move |index: usize| current.borrow().explain(index))
            },
            explain_mark: {
                let current = current.clone();
                Callback::from(move |mark: Mark| current.borrow().explain_mark(&mark))
            },
            console: {
                let (current, dispatch, run_id) =
                    (current.clone(), dispatch.clone(), state.run_id.clone());
                Callback::from(move |line: String| {
                    let sim = current.borrow().clone();
                    let result = sim.console(&line);
                    autosave(&sim, &run_id, saving);
                    dispatch.dispatch(SimAction::Redraw);
                    result
                })
            },
            compare: {
                let current = current.clone();
                Callback::from(move |index: usize| current.borrow().compare(index))
            },
            seek: dispatch
                .to_callback()
                .reform(|at| SimAction::Seek(Moment::end_of(at))),
            seek_to: dispatch.to_callback().reform(SimAction::Seek),
            filter: dispatch.to_callback().reform(SimAction::Filter),
            import: dispatch
                .to_callback()
                .reform(|(_, session): (String, Session)| SimAction::Import(session)),
            import_error: dispatch
                .to_callback()
                .reform(|message| SimAction::Notice(Some(message))),
            edited: Form::ALL.map(|form| {
                dispatch
                    .to_callback()
                    .reform(move |_| SimAction::Edited(form))
            }),
            dispatch,
        }
    }

    /// Applies a command from `form`'s controls; its refusal shows on that form's line.
    pub fn command(&self, form: Form) -> Callback<Command> {
        self.commands[form as usize].clone()
    }

    /// Clears `form`'s refusal: the reader edited its input, which the refusal answered as it was.
    pub fn edited(&self, form: Form) -> Callback<web_sys::Event> {
        self.edited[form as usize].clone()
    }

    /// A callback that sends the action `action` makes of what it is given.
    pub fn send<T: 'static>(&self, action: impl Fn(T) -> SimAction + 'static) -> Callback<T> {
        self.dispatch.to_callback().reform(action)
    }
}

/// What [`use_sim`] gives a panel: the state, the frame's view of the world, the callbacks.
#[derive(Clone)]
pub struct SimContext {
    state: UseReducerHandle<PageState>,
    /// The world as this frame draws it, taken once per frame for every panel.
    pub view: Rc<WorldView>,
    /// The page's callbacks, made once.
    pub actions: Rc<Actions>,
}

impl PartialEq for SimContext {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && Rc::ptr_eq(&self.view, &other.view)
            && Rc::ptr_eq(&self.actions, &other.actions)
    }
}

impl Deref for SimContext {
    type Target = PageState;

    fn deref(&self) -> &PageState {
        &self.state
    }
}

/// The page's state and callbacks, from the [`SimProvider`] around the page.
#[hook]
pub fn use_sim() -> SimContext {
    use_context::<SimContext>().expect("use_sim is called under a SimProvider")
}

/// Where a jump under way goes, in a context of its own (see [`PageState::seeking`]).
#[derive(Clone, Copy, PartialEq)]
struct Jump(Option<SimTime>);

/// Where the jump under way goes, if one is: for what follows a jump (its bar, the panes made
/// inert while it lasts), which the panels' [`SimContext`] does not tell when it starts.
#[hook]
pub fn use_jump() -> Option<SimTime> {
    use_context::<Jump>()
        .expect("use_jump is called under a SimProvider")
        .0
}

/// Properties of [`SimProvider`].
#[derive(Properties, PartialEq)]
pub struct SimProviderProps {
    /// The page.
    pub children: Html,
}

/// Holds the page's state, runs its clock, and gives both to everything inside.
#[function_component(SimProvider)]
pub fn sim_provider(props: &SimProviderProps) -> Html {
    let state = use_reducer(PageState::load);
    let actions = {
        let (state, dispatch) = (state.clone(), state.dispatcher());
        use_memo((), move |_| Actions::new(&state, dispatch))
    };
    let (embed, saving) = (state.embed, state.saving());
    use_effect_with(state.theme, move |&chosen| match embed {
        true => theme::show(chosen),
        false => theme::apply(chosen),
    });
    {
        let (dispatch, run_id) = (actions.dispatch.clone(), state.run_id.clone());
        let (current, pace) = (state.current.clone(), state.pace.clone());
        use_effect_with(
            (state.playing, state.speed_index, saving, state.sim.clone()),
            move |(playing, speed_index, saving, sim)| {
                let (sim, saving) = (sim.clone(), *saving);
                let per_real_ms = SPEEDS[*speed_index].1;
                let ticker = playing.then(|| {
                    let dispatch = dispatch.clone();
                    Playing::start(
                        sim.clone(),
                        pace,
                        per_real_ms,
                        run_id.clone(),
                        saving,
                        move || dispatch.dispatch(SimAction::Tick),
                    )
                });
                // Stopping (pause, a new speed, leaving) saves where the clock stands, so the
                // saved run is the one on screen, not the last whole second. Not when another
                // run replaced it (a new cluster, an import, a run opened): by then the run id
                // is the new run's, and saving the old one under it would put the old run back
                // on the next reload.
                move || {
                    if ticker.is_some() {
                        drop(ticker);
                        if *current.borrow() == sim {
                            autosave(&sim, &run_id, saving);
                        }
                    }
                }
            },
        );
    }
    // The view carries the records the table draws: a closed log's newest that fit on a
    // line, an opened one's newest RECORDS_OPENED; while playing, none for a log off screen.
    let playing = state.playing;
    let records = |partition: &TopicPartition| {
        if playing && !state.on_screen.contains(partition) {
            0
        } else if state.opened_logs.contains(partition) {
            RECORDS_OPENED
        } else {
            state.records_fit
        }
    };
    // While a jump is under way the panels are inert and show the moment it left: a view of
    // the world half replayed would be of no moment anyone asked for, and drawing it (a whole
    // page of changes, laid out and painted again) spent a quarter of a rewind.
    let last_view = use_mut_ref(|| None::<(SimHandle, Rc<WorldView>)>);
    let kept = match (state.seeking, &*last_view.borrow()) {
        (Some(_), Some((sim, view))) if *sim == state.sim => Some(Rc::clone(view)),
        _ => None,
    };
    let view = kept.unwrap_or_else(|| Rc::new(state.sim.view_with(&records)));
    *last_view.borrow_mut() = Some((state.sim.clone(), Rc::clone(&view)));
    let jump = Jump(state.seeking);
    let context = SimContext {
        view,
        state,
        actions,
    };
    html! {
        <ContextProvider<SimContext> {context}>
            <ContextProvider<Jump> context={jump}>
                { props.children.clone() }
            </ContextProvider<Jump>>
        </ContextProvider<SimContext>>
    }
}
