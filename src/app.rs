//! The page: time controls, the cluster, topics, producers and the event log around one run.
//! The run is saved after every action among the reader's recent runs and restored on reload;
//! the timeline rewinds it by deterministic replay; Share puts it in a link. Embedded in a
//! documentation page (`?embed=1`), it saves nothing, shows the panels its URL asks for, and
//! answers its host page's API (embed_api.rs).

use crate::boot::Boot;
use crate::components::ab_panel::AbPanel;
use crate::components::charts::Charts;
use crate::components::cluster_shape::ClusterShape;
use crate::components::cluster_view::ClusterView;
use crate::components::console::Console;
use crate::components::consumer_panel::ConsumerPanel;
use crate::components::event_log::EventLog;
use crate::components::modal::Confirm;
use crate::components::network_view::NetworkView;
use crate::components::partition_table::PartitionTable;
use crate::components::producer_panel::ProducerPanel;
use crate::components::runs_dialog::RunsDialog;
use crate::components::scenario_files::ScenarioFiles;
use crate::components::share_dialog::ShareDialog;
use crate::components::timeline::{SPEEDS, Timeline};
use crate::components::topic_form::TopicForm;
use crate::embed_api::{Controls, use_embed_api};
use crate::embed_lesson::EmbedLesson;
use crate::embed_params::Panel;
use crate::embed_view::guard;
use crate::hooks::use_lessons::use_lessons;
use crate::hooks::use_shortcuts::use_shortcuts;
use crate::persistence;
use crate::session::{MAX_PAGE_BROKERS, RackLayout, Session, Shape};
use crate::share;
use crate::sim_handle::SimHandle;
use crate::theme;
use crate::url::{self, page_embed, page_embed_params, page_seed};
use gloo_timers::callback::Interval;
use kafka_sim::{Command, SimDuration, SimTime};
use yew::prelude::*;

/// Real milliseconds between two animation ticks.
const TICK_MS: u32 = 50;
/// A long jump advances in slices of this much virtual time...
const SEEK_SLICE: SimDuration = SimDuration::from_millis(1_000);
/// ...for up to this long per tick, so the page stays responsive and draws its progress.
const SEEK_BUDGET_MS: f64 = 40.0;
/// The index of 1× in [`SPEEDS`].
const DEFAULT_SPEED: usize = 3;
/// How many events the log shows.
const EVENTS_SHOWN: usize = 50;
/// How many client operations the producer panel shows.
const OPERATIONS_SHOWN: usize = 10;

/// The saved-run key of the run the page shows, shared by every callback that saves it.
type RunId = std::rc::Rc<std::cell::RefCell<Option<u32>>>;

/// Saves the run (an embedded page, `saving` false, never writes the reader's runs). A new run
/// gets its key on its first save.
fn autosave(sim: &SimHandle, run_id: &RunId, saving: bool) {
    if saving {
        let saved = persistence::save(*run_id.borrow(), &sim.saved());
        if saved.is_some() {
            *run_id.borrow_mut() = saved;
        }
    }
}

/// Carries a jump on for up to `SEEK_BUDGET_MS` of wall time; saves once it has arrived.
/// Returns where it is and where it goes while unfinished.
fn seek_for_a_while(sim: &SimHandle, run_id: &RunId, saving: bool) -> Option<(SimTime, SimTime)> {
    let started = js_sys::Date::now();
    let mut progress = sim.continue_seek(SEEK_SLICE);
    while progress.is_some() && js_sys::Date::now() - started < SEEK_BUDGET_MS {
        progress = sim.continue_seek(SEEK_SLICE);
    }
    if progress.is_none() {
        autosave(sim, run_id, saving);
    }
    progress
}

/// A callback that applies a command, saves the run, and reports Kafka's refusal in `error`
/// and to the caller (the embed API answers its host with it). A success clears every form's
/// error (`stale`): what they said was about a cluster that has moved on.
fn applier(
    sim: &UseStateHandle<SimHandle>,
    (error, stale): (
        &UseStateHandle<Option<String>>,
        &[UseStateHandle<Option<String>>],
    ),
    (run_id, saving): (&RunId, bool),
    redraw: &UseForceUpdateHandle,
) -> Callback<Command, Result<(), String>> {
    let (sim, error, redraw, run_id) = (sim.clone(), error.clone(), redraw.clone(), run_id.clone());
    let stale = stale.to_vec();
    Callback::from(move |command: Command| {
        let result = sim.apply(command).map_err(|e| e.to_string());
        if result.is_ok() {
            autosave(&sim, &run_id, saving);
            for shown in stale.iter().filter(|shown| shown.is_some()) {
                shown.set(None);
            }
        }
        error.set(result.clone().err());
        redraw.force_update();
        result
    })
}

/// The page's controls' view of `apply`: in a read-only embed they change nothing (their
/// controls are disabled too; this holds if a script enables one).
fn control(apply: &Callback<Command, Result<(), String>>, readonly: bool) -> Callback<Command> {
    let apply = apply.clone();
    Callback::from(move |command: Command| {
        if !readonly {
            let _ = apply.emit(command);
        }
    })
}

/// The whole playground page.
#[function_component(App)]
pub fn app() -> Html {
    let embed = *use_memo((), |_| page_embed());
    let params = use_memo((), move |_| {
        embed.then(page_embed_params).unwrap_or_default()
    });
    let readonly = params.readonly;
    let boot = use_memo((), |_| Boot::load(embed.then_some(&*params)));
    let sim = use_state(|| boot.sim.clone());
    let run_id: RunId = use_mut_ref(|| boot.run_id);
    let notice = use_state(|| boot.notice.clone());
    // An embedded playground (several may share a documentation page) saves nothing.
    let saving = !embed;
    // An embed's theme is its host's choice (or the system's), never saved as the reader's.
    let theme = use_state(|| match embed {
        true => params.theme.unwrap_or(theme::Theme::System),
        false => theme::load(),
    });
    use_effect_with(*theme, move |&chosen| match embed {
        true => theme::show(chosen),
        false => theme::apply(chosen),
    });
    let playing = use_state(|| params.autoplay);
    // 1×: one simulated second per real second.
    let speed_index = use_state(|| params.speed_index.unwrap_or(DEFAULT_SPEED));
    let error = use_state(|| None::<String>);
    let topic_error = use_state(|| None::<String>);
    let shape_error = use_state(|| None::<String>);
    let producer_error = use_state(|| None::<String>);
    let consumer_error = use_state(|| None::<String>);
    let redraw = use_force_update();

    {
        let (sim, redraw, run_id) = (sim.clone(), redraw.clone(), run_id.clone());
        use_effect_with(
            (*playing, *speed_index, saving, (*sim).clone()),
            move |&(playing, speed_index, saving, _)| {
                let per_real_ms = SPEEDS[speed_index].1;
                let (paused_sim, paused_run) = (sim.clone(), run_id.clone());
                let ticker = playing.then(|| {
                    Interval::new(TICK_MS, move || {
                        let before = sim.now().as_millis() / 1_000;
                        sim.advance(SimDuration::from_micros(u64::from(TICK_MS) * per_real_ms));
                        if sim.now().as_millis() / 1_000 != before {
                            autosave(&sim, &run_id, saving);
                        }
                        redraw.force_update();
                    })
                });
                // Stopping (pause, a new speed, leaving) saves where the clock stands, so the
                // saved run is the one on screen, not the last whole second.
                move || {
                    if ticker.is_some() {
                        drop(ticker);
                        autosave(&paused_sim, &paused_run, saving);
                    }
                }
            },
        );
    }

    let on_toggle = {
        let playing = playing.clone();
        Callback::from(move |()| playing.set(!*playing))
    };
    let on_step = {
        let (sim, redraw) = (sim.clone(), redraw.clone());
        Callback::from(move |()| {
            sim.step();
            redraw.force_update();
        })
    };
    let on_speed = {
        let speed_index = speed_index.clone();
        Callback::from(move |index: usize| speed_index.set(index.min(SPEEDS.len() - 1)))
    };
    // A jump the page cannot replay at once goes in slices, with a progress bar; so does
    // rebuilding a saved or shared run on load, which a short run finishes before the first
    // draw.
    let seeking = use_state(|| seek_for_a_while(&boot.sim, &run_id, saving));
    {
        let (seeking_now, redraw, run_id) = (seeking.clone(), redraw.clone(), run_id.clone());
        use_effect_with((seeking.is_some(), (*sim).clone()), move |(active, sim)| {
            let sim = sim.clone();
            let ticker = active.then(|| {
                Interval::new(TICK_MS, move || {
                    seeking_now.set(seek_for_a_while(&sim, &run_id, saving));
                    redraw.force_update();
                })
            });
            move || drop(ticker)
        });
    }
    let on_seek = {
        let (sim, playing, redraw, seeking, run_id) = (
            sim.clone(),
            playing.clone(),
            redraw.clone(),
            seeking.clone(),
            run_id.clone(),
        );
        Callback::from(move |moment: SimTime| {
            playing.set(false);
            sim.begin_seek(moment);
            // Short jumps finish at once; a long one continues tick by tick.
            seeking.set(seek_for_a_while(&sim, &run_id, saving));
            redraw.force_update();
        })
    };
    // Shows another run: a saved one from the menu, or a new cluster (not saved until used).
    let show = {
        let (sim, playing, seeking, run_id) = (
            sim.clone(),
            playing.clone(),
            seeking.clone(),
            run_id.clone(),
        );
        Callback::from(move |(next, id): (SimHandle, Option<u32>)| {
            playing.set(false);
            *run_id.borrow_mut() = id;
            // An embed's address is its host's: it keeps its parameters, and no saved run.
            if saving {
                match id {
                    Some(id) => persistence::set_current(id),
                    None => persistence::clear_current(),
                }
                let shown = next.saved();
                url::show_run(shown.seed, &shown.shape());
            }
            seeking.set(seek_for_a_while(&next, &run_id, saving));
            sim.set(next);
        })
    };
    use_shortcuts(*playing, *speed_index, &on_toggle, &on_step, &on_speed);
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| theme.set(theme.next()))
    };
    // A new cluster (of this shape) is a new run; a run with commands stays in the list, but
    // the page asks first, since the list keeps only the most recent runs.
    let asking_new = use_state(|| None::<Shape>);
    let new_cluster = {
        let (show, asking_new) = (show.clone(), asking_new.clone());
        Callback::from(move |shape: Shape| {
            asking_new.set(None);
            show.emit((SimHandle::started(page_seed(), shape), None));
        })
    };
    let ask_new = {
        let (sim, new_cluster, asking_new) = (sim.clone(), new_cluster.clone(), asking_new.clone());
        Callback::from(move |shape: Shape| {
            if sim.has_commands() {
                asking_new.set(Some(shape));
            } else {
                new_cluster.emit(shape);
            }
        })
    };
    let shape = sim.shape();
    let on_new = ask_new.reform({
        let shape = shape.clone();
        move |_: MouseEvent| shape.clone()
    });
    let chosen = |event: &Event| {
        let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
        select.value()
    };
    let on_controllers = ask_new.reform({
        let shape = shape.clone();
        move |event: Event| Shape {
            controllers: chosen(&event).parse().unwrap_or(1),
            ..shape.clone()
        }
    });
    let on_brokers = ask_new.reform({
        let shape = shape.clone();
        move |event: Event| {
            let brokers = chosen(&event).parse().unwrap_or(3);
            Shape {
                brokers,
                racks: RackLayout::of(&shape.racks).racks(brokers),
                ..shape.clone()
            }
        }
    });
    let on_racks = ask_new.reform({
        let shape = shape.clone();
        move |event: Event| {
            let layout = match chosen(&event).as_str() {
                "per-broker" => RackLayout::PerBroker,
                "none" => RackLayout::None,
                n => RackLayout::Spread(n.parse().unwrap_or(2)),
            };
            Shape {
                racks: layout.racks(shape.brokers),
                ..shape.clone()
            }
        }
    });
    let rack_choice = match RackLayout::of(&shape.racks) {
        RackLayout::None => "none".to_owned(),
        RackLayout::PerBroker => "per-broker".to_owned(),
        RackLayout::Spread(n) => n.to_string(),
    };
    // Cancelling leaves the run, so the controllers select shows its count again.
    let cancel_new = {
        let asking_new = asking_new.clone();
        Callback::from(move |()| asking_new.set(None))
    };
    let sharing = use_state(|| None::<Session>);
    let on_share = {
        let (sim, sharing) = (sim.clone(), sharing.clone());
        Callback::from(move |_: MouseEvent| sharing.set(Some(sim.saved())))
    };
    let close_share = {
        let sharing = sharing.clone();
        Callback::from(move |()| sharing.set(None))
    };
    let listing_runs = use_state(|| false);
    let on_runs = {
        let listing_runs = listing_runs.clone();
        Callback::from(move |_: MouseEvent| listing_runs.set(true))
    };
    let close_runs = {
        let listing_runs = listing_runs.clone();
        Callback::from(move |()| listing_runs.set(false))
    };
    let open_run = {
        let (show, listing_runs, notice) = (show.clone(), listing_runs.clone(), notice.clone());
        Callback::from(move |id: u32| {
            listing_runs.set(false);
            match persistence::load(id) {
                Ok(session) => show.emit((SimHandle::restore(session), Some(id))),
                Err(error) => notice.set(Some(format!("That run could not be opened: {error}."))),
            }
        })
    };
    let delete_run = {
        let redraw = redraw.clone();
        Callback::from(move |id: u32| {
            persistence::delete(id);
            redraw.force_update();
        })
    };
    // An imported scenario file opens as a new run beside the saved ones, saved at once (as a
    // shared link is) and replayed behind the progress bar.
    let on_import = {
        let (show, notice) = (show.clone(), notice.clone());
        Callback::from(move |(_, session): (String, Session)| {
            notice.set(None);
            let id = persistence::save(None, &session);
            show.emit((SimHandle::restore(session), id));
        })
    };
    let on_import_error = {
        let notice = notice.clone();
        Callback::from(move |message: String| notice.set(Some(message)))
    };
    let dismiss_notice = {
        let notice = notice.clone();
        Callback::from(move |_: MouseEvent| notice.set(None))
    };
    let on_console = {
        let (sim, redraw, run_id) = (sim.clone(), redraw.clone(), run_id.clone());
        Callback::from(move |line: String| {
            let result = sim.console(&line);
            autosave(&sim, &run_id, saving);
            redraw.force_update();
            result
        })
    };
    let saves = (&run_id, saving);
    let errors = [
        error.clone(),
        shape_error.clone(),
        topic_error.clone(),
        producer_error.clone(),
        consumer_error.clone(),
    ];
    let apply = applier(&sim, (&error, &errors), saves, &redraw);
    let on_command = control(&apply, readonly);
    let on_shape_command = control(
        &applier(&sim, (&shape_error, &errors), saves, &redraw),
        readonly,
    );
    let on_create = control(
        &applier(&sim, (&topic_error, &errors), saves, &redraw),
        readonly,
    )
    .reform(Command::CreateTopic);
    let on_producer_command = control(
        &applier(&sim, (&producer_error, &errors), saves, &redraw),
        readonly,
    );
    let on_consumer_command = control(
        &applier(&sim, (&consumer_error, &errors), saves, &redraw),
        readonly,
    );
    // Editing a form's input clears its error: it answered the input as it was.
    let edited = |error: &UseStateHandle<Option<String>>| {
        let error = error.clone();
        Callback::from(move |_: Event| {
            if error.is_some() {
                error.set(None);
            }
        })
    };

    let event_filter = use_state(String::new);
    let on_filter = {
        let event_filter = event_filter.clone();
        Callback::from(move |text: String| event_filter.set(text))
    };
    let on_compare = {
        let sim = sim.clone();
        Callback::from(move |index: usize| sim.compare(index))
    };
    let explain = {
        let sim = sim.clone();
        Callback::from(move |index: usize| sim.explain(index))
    };
    let lessons = use_lessons(embed, &sim, &show, &on_command, seeking.is_some());
    let main = use_node_ref();
    // The embed's lesson panel follows what the host loaded; each load starts it afresh.
    let embed_lesson = use_state(|| (0_u32, params.lesson.clone()));
    let loads = use_mut_ref(|| 0_u32);
    let on_lesson = {
        let embed_lesson = embed_lesson.clone();
        Callback::from(move |id: Option<String>| {
            *loads.borrow_mut() += 1;
            embed_lesson.set((*loads.borrow(), id));
        })
    };
    let controls = Controls {
        sim: (*sim).clone(),
        playing: playing.clone(),
        seeking: seeking.is_some(),
        on_seek: on_seek.clone(),
        show: show.clone(),
        apply,
        on_lesson,
    };
    use_embed_api(embed, main.clone(), controls);
    let shows = |panel: Panel| params.panels.shows(panel);
    let operations = sim.recent_operations(OPERATIONS_SHOWN);
    let explain_mark = {
        let sim = sim.clone();
        Callback::from(move |mark: kafka_sim::check::Mark| sim.explain_mark(&mark))
    };
    let view = sim.view();
    html! {
        <main ref={main} class={classes!("playground", embed.then_some("embed"), readonly.then_some("readonly"))}>
            <header class="top">
                <h1>{ "Kafka Playground" }</h1>
                <Timeline now={view.now} horizon={sim.horizon()} playing={*playing} speed_index={*speed_index}
                    trace_hash={sim.trace_hash()}
                    {on_toggle} {on_step} {on_speed} on_seek={on_seek.clone()} />
                <span class="seed" title="Open ?seed=N to reproduce this run">
                    { format!("seed {}", view.seed) }
                </span>
                <button onclick={on_share} data-testid="share" title="A link that opens this exact run">{ "Share" }</button>
                if !embed {
                    <button onclick={on_runs} data-testid="runs" title="Your recent runs in this browser">{ "Runs" }</button>
                    <ScenarioFiles sim={(*sim).clone()} on_import={on_import} on_error={on_import_error} />
                    { lessons.button }
                }
                if !readonly {
                    <span class="new-cluster" role="group" aria-label="New cluster">
                    <button onclick={on_new} data-testid="new-cluster" title="Start over with a fresh cluster of the shape chosen beside">{ "New cluster" }</button>
                    // Each choice starts a new cluster of that shape. Keyed by the question, so a
                    // cancelled change shows the run's shape again.
                    <label class="controllers-choice" title="A new cluster of this many brokers (more can join while it runs: Add broker)">
                        { "brokers " }
                        <select key={format!("brokers-{}", asking_new.is_some())}
                            onchange={on_brokers} data-testid="new-cluster-brokers">
                            { for (1..=MAX_PAGE_BROKERS).map(|n| html! {
                                <option value={n.to_string()} selected={shape.brokers == n}>{ n }</option>
                            }) }
                        </select>
                    </label>
                    <label class="controllers-choice" title="A new cluster with one KRaft controller, or a quorum of three that survives losing one">
                        { "controllers " }
                        <select key={format!("controllers-{}", asking_new.is_some())}
                            onchange={on_controllers} data-testid="new-cluster-controllers">
                            <option value="1" selected={shape.controllers == 1}>{ "1" }</option>
                            <option value="3" selected={shape.controllers == 3}>{ "3 (quorum)" }</option>
                        </select>
                    </label>
                    <label class="controllers-choice" title="broker.rack of a new cluster's brokers: none, each its own rack, or dealt over 2 or 3 racks (replicas are then spread over racks)">
                        { "racks " }
                        <select key={format!("racks-{}", asking_new.is_some())}
                            onchange={on_racks} data-testid="new-cluster-racks">
                            <option value="none" selected={rack_choice == "none"}>{ "none" }</option>
                            <option value="per-broker" selected={rack_choice == "per-broker"}>{ "one per broker" }</option>
                            <option value="2" selected={rack_choice == "2"}>{ "2" }</option>
                            <option value="3" selected={rack_choice == "3"}>{ "3" }</option>
                        </select>
                    </label>
                    </span>
                }
                <button onclick={on_theme} data-testid="theme" title="Colour theme: system, light or dark">{ theme.label() }</button>
                <span class="keys" aria-hidden="true"><kbd>{ "Space" }</kbd>{ " play/pause · " }<kbd>{ "." }</kbd>{ " step · " }<kbd>{ "[" }</kbd><kbd>{ "]" }</kbd>{ " speed" }</span>
            </header>
            if let Some((now, target)) = *seeking {
                <div class="seek-progress" role="status" data-testid="seek-progress">
                    { "Replaying the run to the chosen moment… " }
                    <progress max={target.as_millis().to_string()} value={now.as_millis().to_string()} />
                    { format!(" {} of {}", now, target) }
                </div>
            }
            if let Some(message) = &*notice {
                <div class="error notice" role="alert" data-testid="notice">
                    <span>{ message }</span>
                    <button onclick={dismiss_notice} data-testid="notice-dismiss">{ "Dismiss" }</button>
                </div>
            }
            if let Some(shape) = (*asking_new).clone() {
                <Confirm title="Start a new cluster?"
                    message="This run stays under Runs, which keeps your 8 most recently saved runs."
                    confirm_label="Start over" on_confirm={new_cluster.reform(move |()| shape.clone())}
                    on_cancel={cancel_new} />
            }
            // The lessons' panel follows the reader's own progress, which an embed leaves alone.
            if embed {
                if let (load, Some(id)) = (*embed_lesson).clone() {
                    <EmbedLesson key={load} {id} sim={(*sim).clone()} now={sim.now()} on_command={on_command.clone()}
                        busy={seeking.is_some()} {readonly} />
                }
            } else {
                { lessons.overlay }
            }
            if let Some(session) = &*sharing {
                <ShareDialog link={share::link(&url::page_base(), session)} now={session.now}
                    commands={session.log.len()} on_close={close_share} />
            }
            if *listing_runs {
                <RunsDialog runs={persistence::runs().runs} current={*run_id.borrow()}
                    on_open={open_run} on_delete={delete_run} on_close={close_runs} />
            }
            if !view.invariant_violations.is_empty() {
                <div class="violations" role="alert" data-testid="invariant-violations">
                    <strong>{ "Safety invariant violated" }</strong>
                    <ul>{ for view.invariant_violations.iter().map(|v| html! { <li>{ v }</li> }) }</ul>
                </div>
            }
            if let Some(message) = &*error {
                <p class="error" role="alert" data-testid="command-error">{ message }</p>
            }
            // While a run is rebuilt, acting on it would branch it at a moment half-way there.
            <div class="panes" inert={seeking.is_some()}>
                <div class="main-column">
                    if shows(Panel::Cluster) {
                        { guard(readonly, html! { <ClusterView view={view.clone()} on_command={on_command.clone()} /> }) }
                        if !readonly {
                            <ClusterShape view={view.clone()} on_command={on_shape_command.clone()}
                                error={(*shape_error).clone()} />
                        }
                    }
                    if shows(Panel::Network) {
                        { guard(readonly, html! { <NetworkView view={view.clone()} on_command={on_command.clone()} /> }) }
                    }
                    if shows(Panel::Charts) {
                        <Charts series={sim.charts()} />
                    }
                    if shows(Panel::Topics) {
                        { guard(readonly, html! {
                            <section class="topics" aria-label="Topics">
                                { for view.topics.iter().map(|topic| html! {
                                    <PartitionTable key={topic.name.clone()} topic={topic.clone()} on_command={on_command.clone()}
                                        marks={sim.marks(topic)} explain={explain_mark.clone()} />
                                }) }
                            </section>
                        }) }
                    }
                    if shows(Panel::Consumers) {
                        { guard(readonly, html! {
                            <div class="form-slot" onchange={edited(&consumer_error)} oninput={edited(&consumer_error).reform(Event::from)}>
                            <ConsumerPanel consumers={view.consumers.clone()} groups={view.groups.clone()}
                                topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
                                on_command={on_consumer_command} error={(*consumer_error).clone()} />
                            </div>
                        }) }
                    }
                    if shows(Panel::Console) && !readonly {
                        <Console on_run={on_console} />
                    }
                </div>
                <div class="side-column">
                    if shows(Panel::Topics) && !readonly {
                        <div class="form-slot topic-slot" onchange={edited(&topic_error)} oninput={edited(&topic_error).reform(Event::from)}>
                            <TopicForm {on_create} error={(*topic_error).clone()} />
                        </div>
                    }
                    if shows(Panel::Producers) {
                        { guard(readonly, html! {
                            <div class="form-slot" onchange={edited(&producer_error)} oninput={edited(&producer_error).reform(Event::from)}>
                            <ProducerPanel producers={view.producers.clone()}
                                topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
                                marks={sim.operation_marks(&operations)} explain={explain_mark}
                                {operations}
                                on_command={on_producer_command} error={(*producer_error).clone()} />
                            </div>
                        }) }
                    }
                    if shows(Panel::Compare) {
                        <AbPanel {on_compare} />
                    }
                    if shows(Panel::Events) {
                        <EventLog events={sim.recent_events(EVENTS_SHOWN, &event_filter)} {explain}
                            filter={(*event_filter).clone()} {on_filter} {on_seek} />
                    }
                </div>
            </div>
            <footer class="note">
                { "Simplified: one KRaft controller or a quorum of three (KIP-595 elections with pre-vote, \
                   no snapshots, controllers separate from brokers); a cut link drops messages (senders time out) \
                   rather than retransmitting; a killed process's connections are reset at once, a powered-off \
                   host's only time out (and brokers' own requests always wait for their timeouts); \
                   transactions follow transaction.version 2 (an epoch bump per transaction) but the producer \
                   adds partitions with AddPartitionsToTxn; a consumer's application (forward to, \
                   processing ms) stands for a consume-transform-produce app, whose side effects outside Kafka \
                   no transaction covers; \
                   consumer groups use the classic protocol (KIP-848's is opt-in in Kafka 4.0); \
                   the console consumer runs on a copy of the cluster. \
                   Time is virtual: 1× plays one simulated second per real second. Your run is saved in this browser; \
                   drag the timeline back to replay it from any moment." }
            </footer>
        </main>
    }
}
