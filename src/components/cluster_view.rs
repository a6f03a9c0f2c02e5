//! The cluster: the KRaft controller (or the quorum of three, the active one marked) above its
//! brokers, with the link between each broker and the controller drawn as healthy or cut.

use crate::components::broker_card::BrokerCard;
use crate::sim_context::{Form, use_sim};
use kafka_sim::{Command, ControllerView, Endpoint};
use yew::prelude::*;

/// The controller and the brokers. Each broker's card is drawn again only when what it shows
/// changed (its props compare equal otherwise; the command callback is made once).
#[function_component(ClusterView)]
pub fn cluster_view() -> Html {
    let sim = use_sim();
    let (view, on_command) = (&*sim.view, sim.actions.command(Form::Page));
    let with_controller = |id: u32| {
        let broker = Endpoint::Broker(id);
        let on_link = |a: &Endpoint, b: &Endpoint| {
            (*a == broker && *b == Endpoint::Controller)
                || (*b == broker && *a == Endpoint::Controller)
        };
        let cut = view.cut_links.iter().any(|(a, b)| on_link(a, b));
        let in_flight = view
            .in_flight
            .iter()
            .filter(|m| on_link(&m.from, &m.to))
            .count();
        (cut, in_flight)
    };
    let is_cut = |a: Endpoint, b: Endpoint| {
        view.cut_links
            .iter()
            .any(|(x, y)| (*x == a && *y == b) || (*x == b && *y == a))
    };
    let ids: Vec<u32> = view.brokers.iter().map(|b| b.id).collect();
    html! {
        <section class="cluster" aria-label="Cluster">
            <h2 class="visually-hidden">{ "Cluster" }</h2>
            if view.controllers.len() > 1 {
                <div class="quorum" aria-label="KRaft controller quorum">
                    { for view.controllers.iter().map(|c| controller_card(c, &on_command)) }
                    <p class="meta">{ quorum_summary(&view.controllers) }</p>
                </div>
            } else {
                <div class="controller" data-testid="controller">
                    <h3>{ "KRaft controller" }</h3>
                    <p>{ format!("registers brokers, fences those whose heartbeats stop (broker.session.timeout.ms = {})",
                        kafka_sim::ClusterConfig::default().controller.broker_session_timeout.as_millis()) }</p>
                </div>
            }
            <div class="brokers">
                { for view.brokers.iter().map(|broker| {
                    let (cut, in_flight) = with_controller(broker.id);
                    let peers: Vec<u32> = ids.iter().copied().filter(|&p| p != broker.id).collect();
                    let isolated = cut && peers.iter().all(|&p| is_cut(Endpoint::Broker(broker.id), Endpoint::Broker(p)));
                    html! {
                        <BrokerCard key={broker.id} broker={broker.clone()}
                            cut_from_controller={cut} {in_flight} {peers} {isolated}
                            on_command={on_command.clone()} />
                    }
                }) }
            </div>
            <p class="meta started" data-testid="cluster-started">
                { "A new cluster opens once it has started: its clock has run until every broker registered with the controller, was unfenced and went RUNNING, so topics can be created at once. Rewind to t = 0 to watch the start." }
            </p>
        </section>
    }
}

/// What the quorum can do now, in words.
fn quorum_summary(controllers: &[ControllerView]) -> String {
    let up = controllers.iter().filter(|c| c.up).count();
    let majority = controllers.len() / 2 + 1;
    match controllers.iter().find(|c| c.active) {
        Some(active) => format!(
            "controller {} is active (epoch {}); {up} of {} voters up, {majority} needed to commit metadata",
            active.id,
            active.epoch,
            controllers.len()
        ),
        None if up >= majority => "no active controller: the voters are electing one".to_owned(),
        None => format!(
            "no active controller: {up} of {} voters up, {majority} needed; no topic, ISR or leader change can be decided",
            controllers.len()
        ),
    }
}

/// One voter: its role, epoch and log, and a crash or restart button.
fn controller_card(controller: &ControllerView, on_command: &Callback<Command>) -> Html {
    let id = controller.id;
    let command = if controller.up {
        Command::CrashController { controller: id }
    } else {
        Command::RestartController { controller: id }
    };
    let onclick = {
        let on_command = on_command.clone();
        Callback::from(move |_: MouseEvent| on_command.emit(command.clone()))
    };
    html! {
        <div class={classes!("controller", controller.active.then_some("active"), (!controller.up).then_some("down"))}
            data-testid="controller" key={id} role="group"
            aria-label={format!("Controller {id}: {}, epoch {}", controller.role, controller.epoch)}>
            <h3>{ format!("Controller {id}") }
                <span class={classes!("badge", controller.active.then_some("online"))} data-testid="controller-role">
                    { &controller.role }</span>
            </h3>
            <p>{ format!("epoch {} · log {} · committed {}", controller.epoch, controller.log_end_offset, controller.committed) }</p>
            <button {onclick} data-testid={if controller.up { "controller-crash" } else { "controller-restart" }}
                aria-label={format!("{} controller {id}", if controller.up { "Crash" } else { "Restart" })}
                title={if controller.active { "Crash the active controller: the others elect a new one" } else { "" }}>
                { if controller.up { "Crash" } else { "Restart" } }
            </button>
        </div>
    }
}
