//! The event log: what happened, in plain words, newest first. "Why?" on an event walks back
//! through the earlier events that caused it (a leader change to the fencing to the crash).

use kafka_sim::Event;
use yew::prelude::*;

/// Properties of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Events to show, newest first, with their index in the run's history.
    pub events: Vec<(usize, Event)>,
    /// The chain of causes of the event at an index, nearest first.
    pub explain: Callback<usize, Vec<Event>>,
}

/// A list of events with their virtual time.
#[function_component(EventLog)]
pub fn event_log(props: &EventLogProps) -> Html {
    let open = use_state(|| None::<usize>);
    html! {
        <section class="event-log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            if props.events.is_empty() {
                <p class="empty">{ "Nothing has happened yet. Press Play." }</p>
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
                    html! {
                        <li data-testid="event" key={index}>
                            <time>{ event.at.to_string() }</time>
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

fn chain(causes: &[Event]) -> Html {
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
