//! One broker: its health as the process and the controller see it, and the faults a user can
//! inject into it.

use super::pause_button::{PauseButton, Process};
use crate::components::countdown::Countdown;
use kafka_sim::{BrokerView, Command, CrashKind, Endpoint};
use yew::prelude::*;

/// Properties of [`BrokerCard`].
#[derive(Properties, PartialEq)]
pub struct BrokerCardProps {
    /// The broker to draw.
    pub broker: BrokerView,
    /// Whether its link to the controller is cut.
    pub cut_from_controller: bool,
    /// Messages on the wire between it and the controller.
    pub in_flight: usize,
    /// The other brokers, for isolating this one from all of them.
    pub peers: Vec<u32>,
    /// Cut off from the controller and every other broker (clients still reach it).
    pub isolated: bool,
    /// Sends a fault or repair to the core.
    pub on_command: Callback<Command>,
}

/// A broker card with its fault buttons.
#[function_component(BrokerCard)]
pub fn broker_card(props: &BrokerCardProps) -> Html {
    let broker = &props.broker;
    let id = broker.id;
    let send = |command: Command| {
        props
            .on_command
            .reform(move |_: MouseEvent| command.clone())
    };
    let link_command = if props.cut_from_controller {
        Command::HealLink {
            a: Endpoint::Broker(id),
            b: Endpoint::Controller,
        }
    } else {
        Command::CutLink {
            a: Endpoint::Broker(id),
            b: Endpoint::Controller,
        }
    };
    let isolate = {
        let on_command = props.on_command.clone();
        let (peers, isolated) = (props.peers.clone(), props.isolated);
        Callback::from(move |_: MouseEvent| {
            let others = peers
                .iter()
                .map(|&p| Endpoint::Broker(p))
                .chain([Endpoint::Controller]);
            for other in others {
                let (a, b) = (Endpoint::Broker(id), other);
                on_command.emit(if isolated {
                    Command::HealLink { a, b }
                } else {
                    Command::CutLink { a, b }
                });
            }
        })
    };
    let epoch = broker
        .broker_epoch
        .map_or("–".to_owned(), |e| e.to_string());
    html! {
        <article class={classes!("broker", broker.status())} data-testid="broker"
            data-broker-id={id.to_string()} aria-label={format!("Broker {id}: {}", broker.status())}>
            <div class={classes!("link", props.cut_from_controller.then_some("cut"))}
                title="Link to the controller">
                { if props.cut_from_controller { "✂ link cut".to_owned() }
                  else { format!("{} in flight", props.in_flight) } }
            </div>
            <header>
                <h3>{ format!("Broker {id}") }</h3>
                <span class="badge" data-testid="broker-status">{ broker.status() }</span>
            </header>
            <dl>
                <dt>{ "state" }</dt><dd>{ broker.state.kafka_name() }</dd>
                <dt>{ "broker epoch" }</dt><dd>{ epoch }</dd>
                if let Some(rack) = &broker.rack {
                    <dt>{ "rack" }</dt><dd>{ rack }</dd>
                }
            </dl>
            if let Some(timer) = &broker.fencing {
                <Countdown timer={timer.clone()} />
            }
            <div class="actions">
                <PauseButton process={Process::Broker(id)} paused={broker.paused} disabled={!broker.up}
                    on_command={props.on_command.clone()} />
                if broker.up {
                    <button onclick={send(Command::CrashBroker { broker: id, kind: CrashKind::Process })} data-testid="crash" aria-label={format!("Crash broker {id}")}
                        title="kill -9: the process dies, its log survives">{ "Crash" }</button>
                    <button onclick={send(Command::CrashBroker { broker: id, kind: CrashKind::PowerLoss })} aria-label={format!("Power off broker {id}")}
                        title="Power loss: the unflushed tail of the log is lost too">{ "Power off" }</button>
                    <button onclick={send(Command::ShutdownBroker { broker: id })} data-testid="shutdown" aria-label={format!("Shut down broker {id}")}
                        title="Controlled shutdown: leadership moves away first, then it stops">{ "Shut down" }</button>
                    <button onclick={send(Command::SlowFollower { broker: id, delay_ms: if broker.slow_follower_ms > 0 { 0 } else { 40_000 } })}
                        data-testid="slow-follower"
                        title="Delay each of its follower fetches by 40 s, longer than replica.lag.time.max.ms (30 s): the leaders drop it from their ISRs">
                        { if broker.slow_follower_ms > 0 { "Speed up follower" } else { "Slow follower" } }</button>
                } else {
                    <button onclick={send(Command::RestartBroker { broker: id })} aria-label={format!("Restart broker {id}")}
                        title="Start the process again. Until more than 9 s have passed since the old process's last heartbeat (after a crash or a controlled shutdown), the active controller refuses its registration (DUPLICATE_BROKER_REGISTRATION) and it retries">{ "Restart" }</button>
                }
                <button onclick={isolate} data-testid="isolate"
                    title="Cut it off from the controller and every other broker; clients still reach it">
                    { if props.isolated { "Rejoin" } else { "Isolate" } }
                </button>
                <button onclick={send(link_command)}
                    title="Its link to the controller; drag across a line in the network view to cut any other link, click it to heal it">
                    { if props.cut_from_controller { "Heal link" } else { "Cut link" } }
                </button>
            </div>
        </article>
    }
}
