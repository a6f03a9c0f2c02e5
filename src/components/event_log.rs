//! The event log: what happened, in plain words, newest first.

use kafka_sim::Event;
use yew::prelude::*;

/// Properties of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Events to show, newest first.
    pub events: Vec<Event>,
}

/// A list of events with their virtual time.
#[function_component(EventLog)]
pub fn event_log(props: &EventLogProps) -> Html {
    html! {
        <section class="event-log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            if props.events.is_empty() {
                <p class="empty">{ "Nothing has happened yet. Press Play." }</p>
            }
            <ol aria-live="polite">
                { for props.events.iter().map(|event| html! {
                    <li data-testid="event">
                        <time>{ event.at.to_string() }</time>
                        <span>{ event.kind.to_string() }</span>
                    </li>
                }) }
            </ol>
        </section>
    }
}
