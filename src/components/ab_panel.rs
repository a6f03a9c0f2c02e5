//! A/B: replays this run (same seed, same actions) under two client configurations and sets
//! the checker's verdicts side by side, with the difference spelled out.

use crate::sim_context::use_sim;
use kafka_sim::ab::{Comparison, presets};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// What [`AbPanel`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct AbPanelProps {
    /// Runs the preset at an index and returns the comparison.
    pub on_compare: Callback<usize, Comparison>,
}

/// A/B on the run shown.
#[function_component(AbPanel)]
pub fn ab_panel() -> Html {
    let sim = use_sim();
    html! { <Drawn on_compare={sim.actions.compare.clone()} /> }
}

/// The preset picker, the button, and the two columns.
#[function_component(Drawn)]
fn drawn(props: &AbPanelProps) -> Html {
    // The choice lives in state: the page re-renders many times a second, and a select left
    // to itself was seen holding another option than the one it showed first.
    let preset = use_state(|| 0_usize);
    let result = use_state(|| None::<Comparison>);
    let on_change = {
        let preset = preset.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            preset.set(select.value().parse().unwrap_or(0));
        })
    };
    let on_click = {
        let (preset, result, on_compare) =
            (preset.clone(), result.clone(), props.on_compare.clone());
        Callback::from(move |_: MouseEvent| result.set(Some(on_compare.emit(*preset))))
    };
    let row = |label: &str, a: String, b: String| {
        html! {
            <tr class={classes!((a != b).then_some("differs"))}>
                <th>{ label.to_owned() }</th><td>{ a }</td><td>{ b }</td>
            </tr>
        }
    };
    let count = |label: &str, a: usize, b: usize| row(label, a.to_string(), b.to_string());
    let seconds = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
    html! {
        <section class="ab-panel" aria-label="A/B comparison" data-testid="ab-panel">
            <h2>{ "A/B: this run under two configurations" }</h2>
            <div class="inline-form">
                <select onchange={on_change} data-testid="ab-preset" aria-label="Comparison">
                    { for presets().iter().enumerate().map(|(i, (name, _, _))| html! {
                        <option value={i.to_string()} selected={i == *preset}>{ *name }</option>
                    }) }
                </select>
                <button class="primary" onclick={on_click} data-testid="ab-compare"
                    title="Replays your actions from the start with every producer or consumer so configured">{ "Compare" }</button>
            </div>
            if let Some(c) = &*result {
                <table class="ab">
                    <thead><tr><th></th><th>{ breakable(&c.a.label) }</th><th>{ breakable(&c.b.label) }</th></tr></thead>
                    <tbody>
                        { count("sends", c.a.sends, c.b.sends) }
                        { count("acknowledged", c.a.acknowledged, c.b.acknowledged) }
                        { count("failed", c.a.failed, c.b.failed) }
                        { count("still waiting", c.a.waiting, c.b.waiting) }
                        { row("slowest acknowledgement", seconds(c.a.slowest_ack.as_millis()), seconds(c.b.slowest_ack.as_millis())) }
                        { count("lost after ack", c.a.lost, c.b.lost) }
                        { count("written twice", c.a.duplicated, c.b.duplicated) }
                        { count("out of order", c.a.reordered, c.b.reordered) }
                        { count("aborted records read", c.a.aborted_read, c.b.aborted_read) }
                        { count("partitions given up and given back", c.a.given_back, c.b.given_back) }
                        { row("partitions without an owner", seconds(c.a.unowned_ms), seconds(c.b.unowned_ms)) }
                    </tbody>
                </table>
                <p data-testid="ab-difference">{ &c.difference }</p>
            } else {
                <p class="empty">{ "Produce, break something, then compare: the same seed and actions run twice." }</p>
            }
        </section>
    }
}

/// A side's label (`group.protocol=consumer`) with a line break allowed after its `=`, so a
/// narrow column breaks it there rather than inside a word.
fn breakable(label: &str) -> Html {
    match label.split_once('=') {
        Some((name, value)) => html! { <>{ format!("{name}=") }<wbr />{ value.to_owned() }</> },
        None => html! { { label.to_owned() } },
    }
}
