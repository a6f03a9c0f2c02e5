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
use crate::components::network_view::NetworkView;
use crate::components::new_cluster::{NewCluster, NewClusterConfirm};
use crate::components::partition_table::Topics;
use crate::components::producer_panel::ProducerPanel;
use crate::components::runs_dialog::RunsDialog;
use crate::components::scenario_files::ScenarioFiles;
use crate::components::seek_progress::SeekProgress;
use crate::components::share_dialog::ShareDialog;
use crate::components::timeline::Timeline;
use crate::components::topic_form::TopicForm;
use crate::embed_api::{Controls, use_embed_api};
use crate::embed_lesson::EmbedLesson;
use crate::embed_params::Panel;
use crate::embed_view::guard;
use crate::hooks::use_lessons::{Clock, use_lessons};
use crate::hooks::use_shortcuts::use_shortcuts;
use crate::persistence;
use crate::share;
use crate::sim_context::{Form, SimAction, SimProvider, use_jump, use_sim};
use crate::url;
use yew::prelude::*;

/// The whole playground page: its state around its layout.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <SimProvider>
            <Page />
        </SimProvider>
    }
}

/// The page's layout: the top bar, what the run says (a jump's progress, a notice, a refusal,
/// a broken invariant), the dialogs, and the panels the page (or an embed's URL) shows. Each
/// panel takes what it shows from the context.
#[function_component(Page)]
fn page() -> Html {
    let sim = use_sim();
    let actions = &sim.actions;
    let (embed, readonly, seeking) = (sim.embed, sim.readonly, use_jump());
    let on_toggle = {
        let playing = sim.playing;
        actions.send(move |()| SimAction::Play(!playing))
    };
    let on_step = actions.send(|()| SimAction::Step);
    let on_speed = actions.send(SimAction::Speed);
    use_shortcuts(
        sim.playing,
        sim.speed_index,
        &on_toggle,
        &on_step,
        &on_speed,
    );
    let show = actions.send(|(next, id)| SimAction::Show(next, id));
    let on_command = actions.command(Form::Page);
    let on_play = actions.send(SimAction::Play);
    let lessons = use_lessons(
        embed,
        sim.opened_link,
        &sim.sim,
        &show,
        &on_command,
        &Clock {
            playing: sim.playing,
            jumping: seeking.is_some(),
            on_play: on_play.clone(),
            on_seek: actions.seek_to.clone(),
        },
    );
    let main = use_node_ref();
    let controls = Controls {
        sim: sim.sim.clone(),
        playing: sim.playing,
        on_play,
        seeking: seeking.is_some(),
        on_seek: actions.seek.clone(),
        show,
        apply: actions.apply.clone(),
        on_lesson: actions.send(SimAction::EmbedLesson),
    };
    use_embed_api(embed, main.clone(), controls);
    let shows = |panel: Panel| sim.params.panels.shows(panel);
    let view = &sim.view;
    let error = sim.error(Form::Page);
    html! {
        <main ref={main} class={classes!("playground", embed.then_some("embed"), readonly.then_some("readonly"))}>
            <header class="top">
                <h1>{ "Kafka Playground" }</h1>
                <Timeline />
                <span class="seed" title="Open ?seed=N to reproduce this run">
                    { format!("seed {}", view.seed) }
                </span>
                <button onclick={actions.send(|_: MouseEvent| SimAction::Share(true))} data-testid="share" title="A link that opens this exact run">{ "Share" }</button>
                if !embed {
                    <button onclick={actions.send(|_: MouseEvent| SimAction::ListRuns(true))} data-testid="runs" title="Your recent runs in this browser">{ "Runs" }</button>
                    <ScenarioFiles />
                    { lessons.button }
                }
                if !readonly {
                    <NewCluster />
                }
                <button onclick={actions.send(|_: MouseEvent| SimAction::NextTheme)} data-testid="theme" title="Colour theme: system, light or dark">{ sim.theme.label() }</button>
                <span class="keys" aria-hidden="true"><kbd>{ "Space" }</kbd>{ " play/pause · " }<kbd>{ "." }</kbd>{ " step · " }<kbd>{ "[" }</kbd><kbd>{ "]" }</kbd>{ " speed" }</span>
            </header>
            <SeekProgress />
            if let Some(message) = &sim.notice {
                <div class="error notice" role="alert" data-testid="notice">
                    <span>{ message }</span>
                    <button onclick={actions.send(|_: MouseEvent| SimAction::Notice(None))} data-testid="notice-dismiss">{ "Dismiss" }</button>
                </div>
            }
            <NewClusterConfirm />
            // The lessons' panel follows the reader's own progress, which an embed leaves alone.
            if embed {
                if let (load, Some(id)) = sim.embed_lesson.clone() {
                    <EmbedLesson key={load} {id} sim={sim.sim.clone()} now={sim.sim.now()} {on_command}
                        on_seek={actions.seek_to.clone()} busy={seeking.is_some()} {readonly} />
                }
            } else {
                { lessons.overlay }
            }
            if let Some(session) = &sim.sharing {
                <ShareDialog link={share::link(&url::page_base(), session)} now={session.now}
                    commands={session.log.len()} on_close={actions.send(|()| SimAction::Share(false))} />
            }
            if sim.listing_runs {
                <RunsDialog runs={persistence::runs().runs} current={sim.run_id()}
                    on_open={actions.send(SimAction::OpenRun)} on_delete={actions.send(SimAction::DeleteRun)}
                    on_close={actions.send(|()| SimAction::ListRuns(false))} />
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
            // Keyed on the run: another run's panels start afresh, so what the reader typed
            // for the last one (acks=1, a transactional.id) does not fail the next one's sends.
            <div class="panes" key={sim.runs_shown} inert={seeking.is_some()}>
                <div class="main-column">
                    if shows(Panel::Cluster) {
                        { guard(readonly, html! { <ClusterView /> }) }
                        if !readonly {
                            <ClusterShape />
                        }
                    }
                    // Under the cluster at every width, since a new cluster's first step is a
                    // topic: in the document's order, so Tab reaches it there too.
                    if shows(Panel::Topics) && !readonly {
                        <TopicForm />
                    }
                    if shows(Panel::Network) {
                        { guard(readonly, html! { <NetworkView /> }) }
                    }
                    if shows(Panel::Charts) {
                        <Charts />
                    }
                    if shows(Panel::Topics) {
                        { guard(readonly, html! { <Topics /> }) }
                    }
                    if shows(Panel::Consumers) {
                        { guard(readonly, html! { <ConsumerPanel /> }) }
                    }
                    if shows(Panel::Console) && !readonly {
                        <Console />
                    }
                </div>
                <div class="side-column">
                    if shows(Panel::Producers) {
                        { guard(readonly, html! { <ProducerPanel /> }) }
                    }
                    if shows(Panel::Compare) {
                        <AbPanel />
                    }
                    if shows(Panel::Events) {
                        <EventLog />
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
                   a consumer joins with the classic group protocol unless it sets group.protocol=consumer \
                   (KIP-848, opt-in for consumers in Kafka 4.0, as here); \
                   the console consumer runs on a copy of the cluster. \
                   Time is virtual: 1× plays one simulated second per real second. Your run is saved in this browser; \
                   drag the timeline back to replay it from any moment." }
            </footer>
        </main>
    }
}
