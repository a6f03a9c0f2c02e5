//! Starting over: a new cluster of a chosen shape (brokers, controllers, racks) is a new run.
//! A run with commands stays in the list of recent runs, but the page asks first, since the
//! list keeps only the most recent runs.

use crate::components::modal::Confirm;
use crate::session::{MAX_PAGE_BROKERS, RackLayout, Shape};
use crate::sim_context::{SimAction, use_sim};
use yew::prelude::*;

/// The New cluster button and the shape choices beside it; each choice starts a new cluster of
/// that shape.
#[function_component(NewCluster)]
pub fn new_cluster() -> Html {
    let sim = use_sim();
    let actions = &sim.actions;
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
    html! {
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
}

/// The question before a run with commands is left for a new cluster.
#[function_component(NewClusterConfirm)]
pub fn new_cluster_confirm() -> Html {
    let sim = use_sim();
    // Cancelling leaves the run, so the shape's selects show its shape again.
    let cancel_new = sim.actions.send(|()| SimAction::CancelNew);
    let new_cluster = sim.actions.send(SimAction::NewCluster);
    html! {
    if let Some(shape) = sim.asking_new.clone() {
        <Confirm title="Start a new cluster?"
            message="This run stays under Runs, which keeps your 8 most recently saved runs."
            confirm_label="Start over" on_confirm={new_cluster.reform(move |()| shape.clone())}
            on_cancel={cancel_new} />
    }
    }
}
