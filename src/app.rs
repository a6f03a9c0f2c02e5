//! The page: time controls, the cluster, topics, producers and the event log around one run.
//! The run is saved after every action among the reader's recent runs and restored on reload;
//! the timeline rewinds it by deterministic replay; Share puts it in a link. Embedded in a
//! documentation page (`?embed=1`), it saves nothing, shows the panels its URL asks for, and
//! answers its host page's API (embed_api.rs).

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
use crate::components::timeline::Timeline;
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
use crate::sim_context::{Form, SimAction, SimProvider, use_sim};
use crate::url;
use kafka_sim::Command;
use yew::prelude::*;

/// How many events the log shows.
const EVENTS_SHOWN: usize = 50;
/// How many client operations the producer panel shows.
const OPERATIONS_SHOWN: usize = 10;

/// The whole playground page: its state around its layout.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <SimProvider>
            <Page />
        </SimProvider>
    }
}

/// The page's layout.
#[function_component(Page)]
fn page() -> Html {
    let sim = use_sim();
    let actions = sim.actions.clone();
    let (embed, readonly) = (sim.embed, sim.readonly);
    let on_toggle = {
        let playing = sim.playing;
        actions.send(move |()| SimAction::Play(!playing))
    };
    let on_step = actions.send(|()| SimAction::Step);
    let on_speed = actions.send(SimAction::Speed);
    let on_seek = actions.send(SimAction::Seek);
    let show = actions.send(|(next, id)| SimAction::Show(next, id));
    use_shortcuts(
        sim.playing,
        sim.speed_index,
        &on_toggle,
        &on_step,
        &on_speed,
    );
    let on_theme = actions.send(|_: MouseEvent| SimAction::NextTheme);
    let new_cluster = actions.send(SimAction::NewCluster);
    let ask_new = actions.send(SimAction::AskNew);
    let shape = sim.sim.shape();
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
    let cancel_new = actions.send(|()| SimAction::CancelNew);
    let on_share = actions.send(|_: MouseEvent| SimAction::Share(true));
    let close_share = actions.send(|()| SimAction::Share(false));
    let on_runs = actions.send(|_: MouseEvent| SimAction::ListRuns(true));
    let close_runs = actions.send(|()| SimAction::ListRuns(false));
    let open_run = actions.send(SimAction::OpenRun);
    let delete_run = actions.send(SimAction::DeleteRun);
    let on_import = actions.send(|(_, session): (String, Session)| SimAction::Import(session));
    let on_import_error = actions.send(|message: String| SimAction::Notice(Some(message)));
    let dismiss_notice = actions.send(|_: MouseEvent| SimAction::Notice(None));
    let on_console = actions.console.clone();
    let on_command = actions.command(Form::Page);
    let on_shape_command = actions.command(Form::Shape);
    let on_create = actions.command(Form::Topic).reform(Command::CreateTopic);
    let on_producer_command = actions.command(Form::Producer);
    let on_consumer_command = actions.command(Form::Consumer);
    // Editing a form's input clears its error: it answered the input as it was.
    let edited = |form: Form| actions.send(move |_: Event| SimAction::Edited(form));
    let on_filter = actions.send(SimAction::Filter);
    let on_compare = actions.compare.clone();
    let explain = actions.explain.clone();
    let seeking = sim.seeking;
    let lessons = use_lessons(embed, &sim.sim, &show, &on_command, seeking.is_some());
    let main = use_node_ref();
    let on_lesson = actions.send(SimAction::EmbedLesson);
    let controls = Controls {
        sim: sim.sim.clone(),
        playing: sim.playing,
        on_play: actions.send(SimAction::Play),
        seeking: seeking.is_some(),
        on_seek: on_seek.clone(),
        show: show.clone(),
        apply: actions.apply.clone(),
        on_lesson,
    };
    use_embed_api(embed, main.clone(), controls);
    let shows = |panel: Panel| sim.params.panels.shows(panel);
    let operations = sim.sim.recent_operations(OPERATIONS_SHOWN);
    let explain_mark = actions.explain_mark.clone();
    let view = (*sim.view).clone();
    let (shape_error, topic_error, producer_error, consumer_error) = (
        sim.error(Form::Shape),
        sim.error(Form::Topic),
        sim.error(Form::Producer),
        sim.error(Form::Consumer),
    );
    let error = sim.error(Form::Page);
    html! {
        <main ref={main} class={classes!("playground", embed.then_some("embed"), readonly.then_some("readonly"))}>
            <header class="top">
                <h1>{ "Kafka Playground" }</h1>
                <Timeline now={view.now} horizon={sim.sim.horizon()} playing={sim.playing} speed_index={sim.speed_index}
                    trace_hash={sim.sim.trace_hash()}
                    {on_toggle} {on_step} {on_speed} on_seek={on_seek.clone()} />
                <span class="seed" title="Open ?seed=N to reproduce this run">
                    { format!("seed {}", view.seed) }
                </span>
                <button onclick={on_share} data-testid="share" title="A link that opens this exact run">{ "Share" }</button>
                if !embed {
                    <button onclick={on_runs} data-testid="runs" title="Your recent runs in this browser">{ "Runs" }</button>
                    <ScenarioFiles sim={sim.sim.clone()} on_import={on_import} on_error={on_import_error} />
                    { lessons.button }
                }
                if !readonly {
                    <span class="new-cluster" role="group" aria-label="New cluster">
                    <button onclick={on_new} data-testid="new-cluster" title="Start over with a fresh cluster of the shape chosen beside">{ "New cluster" }</button>
                    // Each choice starts a new cluster of that shape. Keyed by the question, so a
                    // cancelled change shows the run's shape again.
                    <label class="controllers-choice" title="A new cluster of this many brokers (more can join while it runs: Add broker)">
                        { "brokers " }
                        <select key={format!("brokers-{}", sim.asking_new.is_some())}
                            onchange={on_brokers} data-testid="new-cluster-brokers">
                            { for (1..=MAX_PAGE_BROKERS).map(|n| html! {
                                <option value={n.to_string()} selected={shape.brokers == n}>{ n }</option>
                            }) }
                        </select>
                    </label>
                    <label class="controllers-choice" title="A new cluster with one KRaft controller, or a quorum of three that survives losing one">
                        { "controllers " }
                        <select key={format!("controllers-{}", sim.asking_new.is_some())}
                            onchange={on_controllers} data-testid="new-cluster-controllers">
                            <option value="1" selected={shape.controllers == 1}>{ "1" }</option>
                            <option value="3" selected={shape.controllers == 3}>{ "3 (quorum)" }</option>
                        </select>
                    </label>
                    <label class="controllers-choice" title="broker.rack of a new cluster's brokers: none, each its own rack, or dealt over 2 or 3 racks (replicas are then spread over racks)">
                        { "racks " }
                        <select key={format!("racks-{}", sim.asking_new.is_some())}
                            onchange={on_racks} data-testid="new-cluster-racks">
                            <option value="none" selected={rack_choice == "none"}>{ "none" }</option>
                            <option value="per-broker" selected={rack_choice == "per-broker"}>{ "one per broker" }</option>
                            <option value="2" selected={rack_choice == "2"}>{ "2" }</option>
                            <option value="3" selected={rack_choice == "3"}>{ "3" }</option>
                        </select>
                    </label>
                    </span>
                }
                <button onclick={on_theme} data-testid="theme" title="Colour theme: system, light or dark">{ sim.theme.label() }</button>
                <span class="keys" aria-hidden="true"><kbd>{ "Space" }</kbd>{ " play/pause · " }<kbd>{ "." }</kbd>{ " step · " }<kbd>{ "[" }</kbd><kbd>{ "]" }</kbd>{ " speed" }</span>
            </header>
            if let Some((now, target)) = seeking {
                <div class="seek-progress" role="status" data-testid="seek-progress">
                    { "Replaying the run to the chosen moment… " }
                    <progress max={target.as_millis().to_string()} value={now.as_millis().to_string()} />
                    { format!(" {} of {}", now, target) }
                </div>
            }
            if let Some(message) = &sim.notice {
                <div class="error notice" role="alert" data-testid="notice">
                    <span>{ message }</span>
                    <button onclick={dismiss_notice} data-testid="notice-dismiss">{ "Dismiss" }</button>
                </div>
            }
            if let Some(shape) = sim.asking_new.clone() {
                <Confirm title="Start a new cluster?"
                    message="This run stays under Runs, which keeps your 8 most recently saved runs."
                    confirm_label="Start over" on_confirm={new_cluster.reform(move |()| shape.clone())}
                    on_cancel={cancel_new} />
            }
            // The lessons' panel follows the reader's own progress, which an embed leaves alone.
            if embed {
                if let (load, Some(id)) = sim.embed_lesson.clone() {
                    <EmbedLesson key={load} {id} sim={sim.sim.clone()} now={sim.sim.now()} on_command={on_command.clone()}
                        busy={seeking.is_some()} {readonly} />
                }
            } else {
                { lessons.overlay }
            }
            if let Some(session) = &sim.sharing {
                <ShareDialog link={share::link(&url::page_base(), session)} now={session.now}
                    commands={session.log.len()} on_close={close_share} />
            }
            if sim.listing_runs {
                <RunsDialog runs={persistence::runs().runs} current={sim.run_id()}
                    on_open={open_run} on_delete={delete_run} on_close={close_runs} />
            }
            if !view.invariant_violations.is_empty() {
                <div class="violations" role="alert" data-testid="invariant-violations">
                    <strong>{ "Safety invariant violated" }</strong>
                    <ul>{ for view.invariant_violations.iter().map(|v| html! { <li>{ v }</li> }) }</ul>
                </div>
            }
            if let Some(message) = &error {
                <p class="error" role="alert" data-testid="command-error">{ message }</p>
            }
            // While a run is rebuilt, acting on it would branch it at a moment half-way there.
            <div class="panes" inert={seeking.is_some()}>
                <div class="main-column">
                    if shows(Panel::Cluster) {
                        { guard(readonly, html! { <ClusterView view={view.clone()} on_command={on_command.clone()} /> }) }
                        if !readonly {
                            <ClusterShape view={view.clone()} on_command={on_shape_command.clone()}
                                error={shape_error} />
                        }
                    }
                    if shows(Panel::Network) {
                        { guard(readonly, html! { <NetworkView view={view.clone()} on_command={on_command.clone()} /> }) }
                    }
                    if shows(Panel::Charts) {
                        <Charts series={sim.sim.charts()} />
                    }
                    if shows(Panel::Topics) {
                        { guard(readonly, html! {
                            <section class="topics" aria-label="Topics">
                                { for view.topics.iter().map(|topic| html! {
                                    <PartitionTable key={topic.name.clone()} topic={topic.clone()} on_command={on_command.clone()}
                                        marks={sim.sim.marks(topic)} explain={explain_mark.clone()} />
                                }) }
                            </section>
                        }) }
                    }
                    if shows(Panel::Consumers) {
                        { guard(readonly, html! {
                            <div class="form-slot" onchange={edited(Form::Consumer)} oninput={edited(Form::Consumer).reform(Event::from)}>
                            <ConsumerPanel consumers={view.consumers.clone()} groups={view.groups.clone()}
                                topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
                                on_command={on_consumer_command} error={consumer_error} />
                            </div>
                        }) }
                    }
                    if shows(Panel::Console) && !readonly {
                        <Console on_run={on_console} />
                    }
                </div>
                <div class="side-column">
                    if shows(Panel::Topics) && !readonly {
                        <div class="form-slot topic-slot" onchange={edited(Form::Topic)} oninput={edited(Form::Topic).reform(Event::from)}>
                            <TopicForm {on_create} error={topic_error} />
                        </div>
                    }
                    if shows(Panel::Producers) {
                        { guard(readonly, html! {
                            <div class="form-slot" onchange={edited(Form::Producer)} oninput={edited(Form::Producer).reform(Event::from)}>
                            <ProducerPanel producers={view.producers.clone()}
                                topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
                                marks={sim.sim.operation_marks(&operations)} explain={explain_mark}
                                {operations}
                                on_command={on_producer_command} error={producer_error} />
                            </div>
                        }) }
                    }
                    if shows(Panel::Compare) {
                        <AbPanel {on_compare} />
                    }
                    if shows(Panel::Events) {
                        <EventLog events={sim.sim.recent_events(EVENTS_SHOWN, &sim.event_filter)} {explain}
                            filter={sim.event_filter.clone()} {on_filter} {on_seek} />
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
