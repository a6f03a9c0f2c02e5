//! The cluster: the KRaft controller above its brokers, with the link between each broker and
//! the controller drawn as healthy or cut.

use crate::components::broker_card::BrokerCard;
use kafka_sim::{Command, Endpoint, WorldView};
use yew::prelude::*;

/// Properties of [`ClusterView`].
#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    /// The snapshot to draw.
    pub view: WorldView,
    /// Sends a fault or repair to the core.
    pub on_command: Callback<Command>,
}

/// The controller and the brokers.
#[function_component(ClusterView)]
pub fn cluster_view(props: &ClusterViewProps) -> Html {
    let view = &props.view;
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
            <div class="controller" data-testid="controller">
                <h3>{ "KRaft controller" }</h3>
                <p>{ "registers brokers, fences those whose heartbeats stop (broker.session.timeout.ms = 9000)" }</p>
            </div>
            <div class="brokers">
                { for view.brokers.iter().map(|broker| {
                    let (cut, in_flight) = with_controller(broker.id);
                    let peers: Vec<u32> = ids.iter().copied().filter(|&p| p != broker.id).collect();
                    let isolated = cut && peers.iter().all(|&p| is_cut(Endpoint::Broker(broker.id), Endpoint::Broker(p)));
                    html! {
                        <BrokerCard key={broker.id} broker={broker.clone()}
                            cut_from_controller={cut} {in_flight} {peers} {isolated}
                            on_command={props.on_command.clone()} />
                    }
                }) }
            </div>
        </section>
    }
}
