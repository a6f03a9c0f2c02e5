//! A checker's finding shown where the user looks (a send in the producer's log, a record or
//! a run of lost offsets in the partition's log), with "why?" opening its cause chain. One
//! component for every kind, so each mark explains itself the same way.

use crate::components::event_log::chain;
use kafka_sim::Event;
use kafka_sim::check::{Anomaly, Mark};
use yew::prelude::*;

/// The mark's words and what the mechanism was, by kind.
pub fn label(anomaly: Anomaly) -> (&'static str, &'static str) {
    match anomaly {
        Anomaly::LostWrite => (
            "lost after ack",
            "The producer was told the record is stored; the leader's log no longer has it.",
        ),
        Anomaly::Duplicate => (
            "duplicate",
            "The producer retried a batch the broker had already appended (its answer was lost or late); without idempotence the broker cannot tell a retry from a new send.",
        ),
        Anomaly::Reordered => (
            "reordered",
            "A failed batch was retried after a later one had landed: with max.in.flight above 1 and no idempotence, retries reorder.",
        ),
        Anomaly::AbortedRead => (
            "read, then aborted",
            "A read_uncommitted consumer returned this record; its transaction then aborted, so the application acted on data that never happened.",
        ),
        _ => ("finding", ""),
    }
}

/// The glyph a marked record carries in the partition's log, where a label would not fit.
pub fn glyph(anomaly: Anomaly) -> &'static str {
    match anomaly {
        Anomaly::Duplicate => "2×",
        Anomaly::Reordered => "⇅",
        Anomaly::AbortedRead => "✗",
        _ => "!",
    }
}

/// Properties of [`FindingMark`].
#[derive(Properties, PartialEq)]
pub struct FindingMarkProps {
    /// The finding and where it is.
    pub mark: Mark,
    /// The events that caused a mark, nearest first.
    pub explain: Callback<Mark, Vec<Event>>,
    /// Words instead of the label ("offset 3 · duplicate"), where the mark is not beside
    /// its record.
    #[prop_or_default]
    pub text: Option<String>,
}

/// The label, and "why?" showing the checker's words, the mechanism and the cause chain.
#[function_component(FindingMark)]
pub fn finding_mark(props: &FindingMarkProps) -> Html {
    let open = use_state(|| false);
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let anomaly = props.mark.violation.anomaly;
    let (words, how) = label(anomaly);
    html! {
        <span class="finding-wrap">
            <strong class={classes!("finding-mark", anomaly.to_string())} data-testid="finding-mark"
                data-kind={anomaly.to_string()} title={props.mark.violation.detail.clone()}>
                { props.text.clone().unwrap_or_else(|| format!(" — {words}")) }</strong>
            <button class="why" onclick={toggle} aria-expanded={open.to_string()} data-testid="finding-why">
                { if *open { "hide" } else { "why?" } }</button>
            if *open {
                <span class="finding" data-testid="finding-detail">
                    <span class="finding-words">{ &props.mark.violation.detail }</span>
                    if !how.is_empty() { <span class="finding-how">{ how }</span> }
                    { chain(&props.explain.emit(props.mark.clone())) }
                </span>
            }
        </span>
    }
}
