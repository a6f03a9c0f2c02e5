//! The page: time controls, the cluster and the event log around one running world.

use crate::components::cluster_view::ClusterView;
use crate::components::event_log::EventLog;
use crate::components::partition_table::PartitionTable;
use crate::components::producer_panel::ProducerPanel;
use crate::components::timeline::{SPEEDS, Timeline};
use crate::components::topic_form::TopicForm;
use crate::sim_handle::SimHandle;
use crate::url::page_seed;
use gloo_timers::callback::Interval;
use kafka_sim::{Command, CreateTopic, SimDuration};
use yew::prelude::*;

/// Real milliseconds between two animation ticks.
const TICK_MS: u32 = 50;
/// How many events the log shows.
const EVENTS_SHOWN: usize = 50;
/// How many client operations the produce panel shows.
const OPERATIONS_SHOWN: usize = 10;

/// The whole playground page.
#[function_component(App)]
pub fn app() -> Html {
    let sim = use_memo((), |_| SimHandle::new(page_seed()));
    let playing = use_state(|| false);
    let speed_index = use_state(|| 1_usize);
    let error = use_state(|| None::<String>);
    let topic_error = use_state(|| None::<String>);
    let producer_error = use_state(|| None::<String>);
    let redraw = use_force_update();

    {
        let sim = sim.clone();
        let redraw = redraw.clone();
        use_effect_with((*playing, *speed_index), move |&(playing, speed_index)| {
            let per_real_ms = SPEEDS[speed_index].1;
            let ticker = playing.then(|| {
                Interval::new(TICK_MS, move || {
                    sim.advance(SimDuration::from_micros(u64::from(TICK_MS) * per_real_ms));
                    redraw.force_update();
                })
            });
            move || drop(ticker)
        });
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
    let on_command = {
        let (sim, error, redraw) = (sim.clone(), error.clone(), redraw.clone());
        Callback::from(move |command: Command| {
            error.set(sim.apply(command).err().map(|e| e.to_string()));
            redraw.force_update();
        })
    };
    let on_create = {
        let (sim, topic_error, redraw) = (sim.clone(), topic_error.clone(), redraw.clone());
        Callback::from(move |request: CreateTopic| {
            topic_error.set(
                sim.apply(Command::CreateTopic(request))
                    .err()
                    .map(|e| e.to_string()),
            );
            redraw.force_update();
        })
    };
    let on_producer_command = {
        let (sim, producer_error) = (sim.clone(), producer_error.clone());
        Callback::from(move |command: Command| {
            producer_error.set(sim.apply(command).err().map(|e| e.to_string()));
            redraw.force_update();
        })
    };

    let view = sim.view();
    html! {
        <main class="playground">
            <header class="top">
                <h1>{ "Kafka Playground" }</h1>
                <Timeline now={view.now} playing={*playing} speed_index={*speed_index}
                    {on_toggle} {on_step} {on_speed} />
                <span class="seed" title="Open ?seed=N to reproduce this run">
                    { format!("seed {}", view.seed) }
                </span>
            </header>
            if !view.invariant_violations.is_empty() {
                <div class="violations" role="alert" data-testid="invariant-violations">
                    <strong>{ "Safety invariant violated" }</strong>
                    <ul>{ for view.invariant_violations.iter().map(|v| html! { <li>{ v }</li> }) }</ul>
                </div>
            }
            if let Some(message) = &*error {
                <p class="error" role="alert" data-testid="command-error">{ message }</p>
            }
            <div class="panes">
                <div class="main-column">
                    <ClusterView view={view.clone()} {on_command} />
                    <section class="topics" aria-label="Topics">
                        { for view.topics.iter().map(|topic| html! {
                            <PartitionTable key={topic.name.clone()} topic={topic.clone()} />
                        }) }
                    </section>
                </div>
                <div class="side-column">
                    <TopicForm {on_create} error={(*topic_error).clone()} />
                    <ProducerPanel producers={view.producers.clone()}
                        topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
                        operations={sim.recent_operations(OPERATIONS_SHOWN)}
                        on_command={on_producer_command} error={(*producer_error).clone()} />
                    <EventLog events={sim.recent_events(EVENTS_SHOWN)} />
                </div>
            </div>
            <footer class="note">
                { "Simplified: a single KRaft controller (no quorum); no racks; a cut link drops messages (senders time out) \
                   rather than retransmitting; no transactions or consumer groups yet. \
                   Time is virtual: 1× plays one simulated second per real second." }
            </footer>
        </main>
    }
}
