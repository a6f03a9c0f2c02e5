//! The event log: what happened, in plain words, newest first, filtered by what it mentions.
//! "Why?" on an event walks back through the earlier events that caused it (a leader change to
//! the fencing to the crash); its time rewinds the run to that moment.

use crate::sim_context::use_sim;
use kafka_sim::{Event, SimTime};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What [`EventLog`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Events to show, newest first, with their index in the run's history.
    pub events: Vec<(usize, Event)>,
    /// The chain of causes of the event at an index, nearest first.
    pub explain: Callback<usize, Vec<Event>>,
    /// Only events whose text contains this are shown.
    pub filter: String,
    /// A new filter was typed.
    pub on_filter: Callback<String>,
    /// Rewinds the run to a moment.
    pub on_seek: Callback<SimTime>,
}

/// How many events the log shows.
const EVENTS_SHOWN: usize = 50;

/// The newest events of the run shown, through the reader's filter.
#[function_component(EventLog)]
pub fn event_log() -> Html {
    let sim = use_sim();
    let actions = &sim.actions;
    html! {
        <Drawn events={sim.sim.recent_events(EVENTS_SHOWN, &sim.event_filter)}
            explain={actions.explain.clone()} filter={sim.event_filter.clone()}
            on_filter={actions.filter.clone()} on_seek={actions.seek.clone()} />
    }
}

/// A list of events with their virtual time.
#[function_component(Drawn)]
fn drawn(props: &EventLogProps) -> Html {
    let open = use_state(|| None::<usize>);
    html! {
        <section class="event-log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            <input type="search" class="filter" placeholder="filter: broker 2, orders-0, ISR, group…"
                aria-label="Filter events" data-testid="event-filter" value={props.filter.clone()}
                oninput={props.on_filter.reform(|e: InputEvent| e.target_unchecked_into::<HtmlInputElement>().value())} />
            if props.events.is_empty() && props.filter.is_empty() {
                <p class="empty">{ "Nothing has happened yet. Press Play." }</p>
            } else if props.events.is_empty() {
                <p class="empty">{ "No event mentions that." }</p>
            }
            <ol aria-live="polite">
                { for props.events.iter().map(|(index, event)| {
                    let index = *index;
                    let expanded = *open == Some(index);
                    let toggle = {
                        let open = open.clone();
                        Callback::from(move |_: MouseEvent| {
                            open.set(if expanded { None } else { Some(index) })
                        })
                    };
                    let at = event.at;
                    html! {
                        <li data-testid="event" key={index}>
                            <button class="at" onclick={props.on_seek.reform(move |_: MouseEvent| at)}
                                title="Rewind the run to this moment" data-testid="event-time">
                                <time>{ event.at.to_string() }</time>
                            </button>
                            <span>{ event.kind.to_string() }</span>
                            <button class="why" onclick={toggle} aria-expanded={expanded.to_string()}
                                data-testid="why">{ if expanded { "hide" } else { "why?" } }</button>
                            if expanded {
                                { chain(&props.explain.emit(index)) }
                            }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}

/// A cause chain as a list: "because at 31.200 s broker 2 fenced by the controller", ...
pub fn chain(causes: &[Event]) -> Html {
    if causes.is_empty() {
        return html! {
            <p class="cause" data-testid="cause">{ "No earlier event caused this: an action, or time passing." }</p>
        };
    }
    html! {
        <ol class="causes" aria-label="Caused by">
            { for causes.iter().map(|cause| html! {
                <li class="cause" data-testid="cause">
                    { "because at " }<time>{ cause.at.to_string() }</time>{ " " }{ cause.kind.to_string() }
                </li>
            }) }
        </ol>
    }
}
