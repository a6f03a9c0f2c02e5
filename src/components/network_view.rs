//! The network: every endpoint, the links that carry traffic or are cut, and each request and
//! response on the wire drawn where it is between sender and receiver. Positions come from
//! the virtual clock, so slow motion (0.001×) shows messages travel; a cut link is dashed.

use kafka_sim::{Endpoint, WorldView};
use std::collections::BTreeSet;
use yew::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;

/// Properties of [`NetworkView`].
#[derive(Properties, PartialEq)]
pub struct NetworkViewProps {
    /// The snapshot to draw.
    pub view: WorldView,
}

/// Evenly spread `count` points on a row at height `y`.
fn row(count: usize, index: usize, y: f64) -> (f64, f64) {
    let step = WIDTH / (count as f64 + 1.0);
    (step * (index as f64 + 1.0), y)
}

fn label(endpoint: &Endpoint, quorum: bool) -> String {
    match endpoint {
        Endpoint::Controller if quorum => "C1".to_owned(),
        Endpoint::Controller => "controller".to_owned(),
        Endpoint::ControllerNode(id) => format!("C{id}"),
        Endpoint::Broker(id) => format!("B{id}"),
        Endpoint::Client(name) => name.clone(),
    }
}

/// The controller, the brokers and the clients on three rows, with traffic between them.
#[function_component(NetworkView)]
pub fn network_view(props: &NetworkViewProps) -> Html {
    let view = &props.view;
    let quorum = view.controllers.len() > 1;
    let brokers: Vec<Endpoint> = view
        .brokers
        .iter()
        .map(|b| Endpoint::Broker(b.id))
        .collect();
    let mut clients: BTreeSet<String> = view
        .producers
        .iter()
        .map(|p| p.name.clone())
        .chain(view.consumers.iter().map(|c| c.name.clone()))
        .collect();
    for message in &view.in_flight {
        for end in [&message.from, &message.to] {
            if let Endpoint::Client(name) = end {
                clients.insert(name.clone());
            }
        }
    }
    let clients: Vec<Endpoint> = clients.into_iter().map(Endpoint::Client).collect();
    // One controller, or a quorum: controller 1 is `Endpoint::Controller` either way.
    let controllers: Vec<Endpoint> = view
        .controllers
        .iter()
        .map(|c| match c.id {
            1 => Endpoint::Controller,
            id => Endpoint::ControllerNode(id),
        })
        .collect();
    let active = view
        .controllers
        .iter()
        .position(|c| c.active)
        .map(|i| controllers[i].clone());
    let position = |endpoint: &Endpoint| -> (f64, f64) {
        match endpoint {
            Endpoint::Controller | Endpoint::ControllerNode(_) => {
                let index = controllers.iter().position(|c| c == endpoint).unwrap_or(0);
                row(controllers.len(), index, 24.0)
            }
            Endpoint::Broker(_) => {
                let index = brokers.iter().position(|b| b == endpoint).unwrap_or(0);
                row(brokers.len(), index, HEIGHT / 2.0)
            }
            Endpoint::Client(_) => {
                let index = clients.iter().position(|c| c == endpoint).unwrap_or(0);
                row(clients.len(), index, HEIGHT - 24.0)
            }
        }
    };
    let mut links: BTreeSet<(String, String)> = BTreeSet::new();
    let mut lines = Vec::new();
    let mut add_line = |a: &Endpoint, b: &Endpoint, cut: bool| {
        let key = if label(a, quorum) < label(b, quorum) {
            (label(a, quorum), label(b, quorum))
        } else {
            (label(b, quorum), label(a, quorum))
        };
        if links.insert(key) {
            let ((x1, y1), (x2, y2)) = (position(a), position(b));
            lines.push(html! {
                <line x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}
                    class={classes!("link", cut.then_some("cut"))} />
            });
        }
    };
    for (a, b) in &view.cut_links {
        add_line(a, b, true);
    }
    if let Some(active) = &active {
        for broker in &brokers {
            add_line(broker, active, false);
        }
    }
    for message in &view.in_flight {
        add_line(&message.from, &message.to, false);
    }
    let now = view.now.as_micros() as f64;
    let dots = view.in_flight.iter().map(|message| {
        let ((x1, y1), (x2, y2)) = (position(&message.from), position(&message.to));
        let span = (message.arrives_at.as_micros() as f64 - message.sent_at.as_micros() as f64).max(1.0);
        let progress = ((now - message.sent_at.as_micros() as f64) / span).clamp(0.0, 1.0);
        let (x, y) = (x1 + (x2 - x1) * progress, y1 + (y2 - y1) * progress);
        let kind = if message.is_response { "response" } else { "request" };
        html! {
            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="4" class={classes!("message", kind)}>
                <title>{ format!("{} {kind}: {} → {}", message.api, message.from, message.to) }</title>
            </circle>
        }
    });
    let nodes = controllers
        .iter()
        .cloned()
        .chain(brokers.iter().cloned())
        .chain(clients.iter().cloned())
        .map(|endpoint| {
            let (x, y) = position(&endpoint);
            html! {
                <g class="node">
                    <circle cx={x.to_string()} cy={y.to_string()} r="14" />
                    <text x={x.to_string()} y={(y + 4.0).to_string()} text-anchor="middle">{ label(&endpoint, quorum) }</text>
                </g>
            }
        });
    let summary = format!(
        "{} message(s) on the wire, {} cut link(s)",
        view.in_flight.len(),
        view.cut_links.len()
    );
    html! {
        <section class="network" aria-label="Network" data-testid="network">
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label={summary.clone()}>
                { for lines }
                { for nodes }
                { for dots }
            </svg>
            <p class="meta" data-testid="network-summary">{ summary }{ " · requests ● blue, responses ● orange; slow motion (0.001×) shows them travel" }</p>
        </section>
    }
}
