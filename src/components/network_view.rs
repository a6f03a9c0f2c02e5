//! The network: every endpoint, the links that carry traffic or are cut, and each request and
//! response on the wire drawn where it is between sender and receiver. Positions come from
//! the virtual clock, so slow motion (0.001×) shows messages travel; a cut link is dashed.
//!
//! Faults by direct manipulation: drag across links to cut them (a knife stroke), click a link
//! to cut it or heal it. The broker cards' buttons do the same from the keyboard.

use super::network_labels::{GAP, label_width, level_height, levels, node_radius, step};
use crate::sim_context::{Form, use_sim};
use kafka_sim::sorted::Collect;
use kafka_sim::{Command, Endpoint};
use std::collections::BTreeSet;
use yew::prelude::*;

/// A stroke shorter than this (in drawing units) is a click, not a knife.
const CLICK: f64 = 4.0;
/// How far from a link a click still picks it.
const PICK: f64 = 6.0;

type Point = (f64, f64);

const WIDTH: f64 = super::network_labels::DRAWING_WIDTH;
const HEIGHT: f64 = 200.0;
/// The outer rows' distance from the drawing's edge on a wide page.
const EDGE_ROW: f64 = 24.0;

/// A link drawn between two endpoints.
#[derive(Clone)]
struct Link {
    a: Endpoint,
    b: Endpoint,
    cut: bool,
    busy: bool,
    /// The drawn path: a straight segment, or an arc between endpoints on one row (which
    /// would otherwise lie on top of each other).
    path: Vec<Point>,
}

/// The path of a link from `from` to `to`.
fn path(from: Point, to: Point) -> Vec<Point> {
    if (from.1 - to.1).abs() > f64::EPSILON {
        return vec![from, to];
    }
    // A quadratic curve bending downwards, deeper for endpoints further apart.
    let control = ((from.0 + to.0) / 2.0, from.1 + 0.3 * (to.0 - from.0).abs());
    (0..=12)
        .map(|i| {
            let t = f64::from(i) / 12.0;
            let u = 1.0 - t;
            (
                u * u * from.0 + 2.0 * u * t * control.0 + t * t * to.0,
                u * u * from.1 + 2.0 * u * t * control.1 + t * t * to.1,
            )
        })
        .collect()
}

/// The segments of a path.
fn segments(path: &[Point]) -> impl Iterator<Item = (Point, Point)> + '_ {
    path.windows(2).map(|w| (w[0], w[1]))
}

/// Whether segments `p1p2` and `q1q2` cross (touching counts).
fn crosses(p1: Point, p2: Point, q1: Point, q2: Point) -> bool {
    let side = |a: Point, b: Point, c: Point| (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    let (d1, d2) = (side(q1, q2, p1), side(q1, q2, p2));
    let (d3, d4) = (side(p1, p2, q1), side(p1, p2, q2));
    d1 * d2 <= 0.0 && d3 * d4 <= 0.0 && (d1, d2, d3, d4) != (0.0, 0.0, 0.0, 0.0)
}

/// The distance from `p` to the segment `ab`.
fn distance(p: Point, a: Point, b: Point) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = dx * dx + dy * dy;
    let t = if length == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length).clamp(0.0, 1.0)
    };
    ((a.0 + t * dx - p.0).powi(2) + (a.1 + t * dy - p.1).powi(2)).sqrt()
}

/// A pointer event's position in drawing units. (Not through the event's current target: yew
/// delegates events to its root element.)
fn drawing_point(svg: &NodeRef, event: &PointerEvent, height: f64) -> Option<Point> {
    let svg: web_sys::Element = svg.cast()?;
    let rect = svg.get_bounding_client_rect();
    (rect.width() > 0.0).then(|| {
        (
            (f64::from(event.client_x()) - rect.left()) * WIDTH / rect.width(),
            (f64::from(event.client_y()) - rect.top()) * height / rect.height(),
        )
    })
}

/// What a finished stroke does: a knife cuts every uncut link it crosses; a click toggles the
/// nearest link.
fn stroke_commands(links: &[Link], start: Point, end: Point) -> Vec<Command> {
    let command = |link: &Link| {
        let (a, b) = (link.a.clone(), link.b.clone());
        if link.cut {
            Command::HealLink { a, b }
        } else {
            Command::CutLink { a, b }
        }
    };
    if distance(end, start, start) < CLICK {
        return links
            .iter()
            .map(|link| {
                let d = segments(&link.path)
                    .map(|(a, b)| distance(end, a, b))
                    .fold(f64::INFINITY, f64::min);
                (d, link)
            })
            .filter(|(d, _)| *d <= PICK)
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, link)| command(link))
            .into_iter()
            .collect();
    }
    links
        .iter()
        .filter(|link| !link.cut && segments(&link.path).any(|(a, b)| crosses(start, end, a, b)))
        .map(command)
        .collect()
}

/// Evenly spread `count` points on a row at height `y`.
fn row(count: usize, index: usize, y: f64) -> (f64, f64) {
    (step(WIDTH, count) * (index as f64 + 1.0), y)
}

/// How far from the drawing's top (or bottom) edge an outer row's circles of `radius` sit:
/// where they always did, or lower if larger circles would cross the edge.
fn edge_row(radius: f64) -> f64 {
    EDGE_ROW.max(radius + GAP)
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

/// A link's key, the same whichever end comes first.
fn ordered(a: String, b: String) -> (String, String) {
    if a < b { (a, b) } else { (b, a) }
}

/// Every pair of one endpoint from `xs` and one from `ys`.
fn pairs_of(xs: &[Endpoint], ys: &[Endpoint]) -> Vec<(Endpoint, Endpoint)> {
    xs.iter()
        .flat_map(|x| ys.iter().map(move |y| (x.clone(), y.clone())))
        .collect()
}

/// The controller, the brokers and the clients on three rows, with traffic between them.
#[function_component(NetworkView)]
pub fn network_view() -> Html {
    let sim = use_sim();
    let knife = use_state(|| None::<(Point, Point)>);
    let svg = use_node_ref();
    let label_units = super::network_labels::use_label_units(&svg);
    // Cuts and heals links; what moves on the wire changes every tick, so this draws each one.
    let (view, on_command) = (&*sim.view, sim.actions.command(Form::Page));
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
        .collect_set();
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
    // Each row's circles, as large as its labels need and its spacing allows; the outer rows
    // keep clear of the drawing's edge.
    let radius = |count: usize| node_radius(label_units, step(WIDTH, count));
    let (controller_radius, broker_radius, client_radius) = (
        radius(controllers.len()),
        radius(brokers.len()),
        radius(clients.len()),
    );
    // Clients' names are long: where they would run into each other, the clients are spread
    // over levels below their row, and the drawing grows by as much.
    let widest = clients
        .iter()
        .map(|c| label_width(&label(c, quorum), label_units))
        .fold(0.0, f64::max);
    let client_levels = levels(widest, step(WIDTH, clients.len()), label_units);
    let height = HEIGHT + (client_levels - 1) as f64 * level_height(label_units);
    let position = |endpoint: &Endpoint| -> (f64, f64) {
        match endpoint {
            Endpoint::Controller | Endpoint::ControllerNode(_) => {
                let index = controllers.iter().position(|c| c == endpoint).unwrap_or(0);
                row(controllers.len(), index, edge_row(controller_radius))
            }
            Endpoint::Broker(_) => {
                let index = brokers.iter().position(|b| b == endpoint).unwrap_or(0);
                row(brokers.len(), index, HEIGHT / 2.0)
            }
            Endpoint::Client(_) => {
                let index = clients.iter().position(|c| c == endpoint).unwrap_or(0);
                let level = (index % client_levels) as f64 * level_height(label_units);
                row(
                    clients.len(),
                    index,
                    HEIGHT - edge_row(client_radius) + level,
                )
            }
        }
    };
    let radius_of = |endpoint: &Endpoint| match endpoint {
        Endpoint::Controller | Endpoint::ControllerNode(_) => controller_radius,
        Endpoint::Broker(_) => broker_radius,
        Endpoint::Client(_) => client_radius,
    };
    // Every link a request can take: each broker to the controllers and to the other brokers,
    // each client to every broker, the controllers to each other; plus cut ones.
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut links = Vec::new();
    let busy: BTreeSet<(String, String)> = view
        .in_flight
        .iter()
        .map(|m| ordered(label(&m.from, quorum), label(&m.to, quorum)))
        .collect();
    let cut: BTreeSet<(String, String)> = view
        .cut_links
        .iter()
        .map(|(a, b)| ordered(label(a, quorum), label(b, quorum)))
        .collect();
    let pairs = view
        .cut_links
        .iter()
        .cloned()
        .chain(
            view.in_flight
                .iter()
                .map(|m| (m.from.clone(), m.to.clone())),
        )
        .chain(pairs_of(&controllers, &controllers))
        .chain(pairs_of(&brokers, &controllers))
        .chain(pairs_of(&brokers, &brokers))
        .chain(pairs_of(&clients, &brokers));
    for (a, b) in pairs {
        let key = ordered(label(&a, quorum), label(&b, quorum));
        if a != b && seen.insert(key.clone()) {
            links.push(Link {
                path: path(position(&a), position(&b)),
                cut: cut.contains(&key),
                busy: busy.contains(&key),
                a,
                b,
            });
        }
    }
    let lines = links.iter().map(|link| {
        let verb = if link.cut { "heal" } else { "cut" };
        let points: Vec<String> = link.path.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        html! {
            <polyline points={points.join(" ")}
                class={classes!("link", link.cut.then_some("cut"), link.busy.then_some("busy"))}
                data-link={format!("{}-{}", label(&link.a, quorum), label(&link.b, quorum))}>
                <title>{ format!("{} – {}: click to {verb}", label(&link.a, quorum), label(&link.b, quorum)) }</title>
            </polyline>
        }
    });
    let on_down = {
        let (knife, svg) = (knife.clone(), svg.clone());
        Callback::from(move |event: PointerEvent| {
            if let Some(p) = drawing_point(&svg, &event, height) {
                knife.set(Some((p, p)));
            }
        })
    };
    let on_move = {
        let (knife, svg) = (knife.clone(), svg.clone());
        Callback::from(move |event: PointerEvent| {
            if let (Some((start, _)), Some(p)) = (*knife, drawing_point(&svg, &event, height)) {
                knife.set(Some((start, p)));
            }
        })
    };
    let on_up = {
        let (knife, svg) = (knife.clone(), svg.clone());
        let on_command = on_command.clone();
        let links = links.clone();
        Callback::from(move |event: PointerEvent| {
            let Some((start, _)) = *knife else {
                return;
            };
            knife.set(None);
            if let Some(end) = drawing_point(&svg, &event, height) {
                for command in stroke_commands(&links, start, end) {
                    on_command.emit(command);
                }
            }
        })
    };
    let on_leave = {
        let knife = knife.clone();
        Callback::from(move |_: PointerEvent| knife.set(None))
    };
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
                    <circle cx={x.to_string()} cy={y.to_string()} r={format!("{:.1}", radius_of(&endpoint))} />
                    <text x={x.to_string()} y={y.to_string()} text-anchor="middle" dominant-baseline="central">{ label(&endpoint, quorum) }</text>
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
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img" aria-label={summary.clone()}
                style={format!("--label-size: {label_units:.1}px")}
                ref={svg} onpointerdown={on_down} onpointermove={on_move} onpointerup={on_up} onpointerleave={on_leave}
                data-testid="network-drawing">
                { for lines }
                // Dots under the nodes: a message just sent or arriving does not hide a label.
                { for dots }
                { for nodes }
                if let Some(((x1, y1), (x2, y2))) = *knife {
                    <line class="knife" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} />
                }
            </svg>
            <p class="meta" data-testid="network-summary">{ summary }{ " · drag across links to cut them, click one to cut or heal it · requests " }
                <span class="dot request" aria-hidden="true">{ "●" }</span>{ " blue, responses " }
                <span class="dot response" aria-hidden="true">{ "●" }</span>
                { " orange; slow motion (0.001×) shows them travel" }
                <span class="reduced-motion-note">{ " (with reduced motion, links carrying messages are drawn thick instead)" }</span></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(a: u32, b: u32, from: Point, to: Point, cut: bool) -> Link {
        Link {
            a: Endpoint::Broker(a),
            b: Endpoint::Broker(b),
            cut,
            busy: false,
            path: vec![from, to],
        }
    }

    #[test]
    fn links_on_one_row_are_arcs_that_a_knife_can_tell_apart() {
        // B1, B2, B3 on a row: at x = 150 the B1–B2 arc is at y = 115 and the wider B1–B3 one
        // at 122.5, so a stroke down to 118 cuts B1–B2 only and a deeper one both.
        let (b1, b2, b3) = ((100.0, 100.0), (200.0, 100.0), (300.0, 100.0));
        let links = [
            Link {
                path: path(b1, b2),
                ..link(1, 2, b1, b2, false)
            },
            Link {
                path: path(b1, b3),
                ..link(1, 3, b1, b3, false)
            },
        ];
        let cut = |y: f64| stroke_commands(&links, (130.0, y), (170.0, y)).len();
        assert_eq!(cut(95.0), 0);
        let shallow = stroke_commands(&links, (150.0, 95.0), (150.0, 118.0));
        assert_eq!(
            shallow,
            [Command::CutLink {
                a: Endpoint::Broker(1),
                b: Endpoint::Broker(2)
            }]
        );
        assert_eq!(
            stroke_commands(&links, (150.0, 95.0), (150.0, 150.0)).len(),
            2
        );
        assert_eq!(
            cut(105.0),
            0,
            "a horizontal stroke inside both arcs crosses neither"
        );
    }

    #[test]
    fn a_knife_cuts_the_links_it_crosses_and_nothing_else() {
        let links = [
            link(1, 2, (0.0, 0.0), (100.0, 0.0), false),
            link(2, 3, (0.0, 50.0), (100.0, 50.0), false),
            link(1, 3, (0.0, 100.0), (100.0, 100.0), true),
        ];
        // A vertical stroke across the first two links and the (already cut) third.
        let commands = stroke_commands(&links, (50.0, -10.0), (50.0, 110.0));
        assert_eq!(
            commands,
            [
                Command::CutLink {
                    a: Endpoint::Broker(1),
                    b: Endpoint::Broker(2)
                },
                Command::CutLink {
                    a: Endpoint::Broker(2),
                    b: Endpoint::Broker(3)
                },
            ]
        );
        // A stroke that stops short crosses nothing.
        assert!(stroke_commands(&links, (50.0, 10.0), (50.0, 40.0)).is_empty());
    }

    #[test]
    fn a_click_toggles_the_nearest_link_within_reach() {
        let links = [
            link(1, 2, (0.0, 0.0), (100.0, 0.0), false),
            link(1, 3, (0.0, 10.0), (100.0, 10.0), true),
        ];
        assert_eq!(
            stroke_commands(&links, (40.0, 8.0), (41.0, 8.0)),
            [Command::HealLink {
                a: Endpoint::Broker(1),
                b: Endpoint::Broker(3)
            }]
        );
        assert!(stroke_commands(&links, (40.0, 40.0), (40.0, 40.0)).is_empty());
    }
}
