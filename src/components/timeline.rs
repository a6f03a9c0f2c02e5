//! The time controls: the virtual clock, play/pause, single step and speed.

use kafka_sim::SimTime;
use yew::prelude::*;

/// Playback speeds: virtual microseconds per real millisecond (1000 = real time).
pub const SPEEDS: &[(&str, u64)] = &[
    ("0.001×", 1),
    ("0.01×", 10),
    ("0.1×", 100),
    ("1×", 1_000),
    ("10×", 10_000),
    ("100×", 100_000),
];

/// Properties of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// The virtual clock.
    pub now: SimTime,
    /// The furthest moment the timeline can reach (the clock, or the last command ahead of it
    /// after a rewind).
    pub horizon: SimTime,
    /// Jump to a moment: back by replay, forward by running on.
    pub on_seek: Callback<SimTime>,
    /// Whether time is running.
    pub playing: bool,
    /// The selected entry of [`SPEEDS`].
    pub speed_index: usize,
    /// Play or pause.
    pub on_toggle: Callback<()>,
    /// Process the next event only.
    pub on_step: Callback<()>,
    /// Pick a speed by index into [`SPEEDS`].
    pub on_speed: Callback<usize>,
    /// The run's trace fingerprint, shown to nobody: it is the `data-trace-hash` attribute, so
    /// end-to-end tests can prove that a shared link rebuilt the identical run.
    pub trace_hash: u64,
}

/// The clock and its controls.
#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let toggle = props.on_toggle.reform(|_: MouseEvent| ());
    let step = props.on_step.reform(|_: MouseEvent| ());
    let on_speed = props.on_speed.clone();
    let change_speed = Callback::from(move |event: Event| {
        let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
        if let Ok(index) = select.value().parse() {
            on_speed.emit(index);
        }
    });
    let seek = {
        let on_seek = props.on_seek.clone();
        Callback::from(move |event: Event| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            if let Ok(ms) = input.value().parse::<u64>() {
                on_seek.emit(SimTime::from_millis(ms));
            }
        })
    };
    html! {
        <div class="timeline" role="group" aria-label="Time controls"
            data-trace-hash={props.trace_hash.to_string()}>
            <button data-testid="play" class="primary" onclick={toggle}
                aria-pressed={props.playing.to_string()}>
                { if props.playing { "Pause" } else { "Play" } }
            </button>
            <button data-testid="step" onclick={step} disabled={props.playing}
                title="Process the next event only">{ "Step" }</button>
            <label>
                { "Speed " }
                <select data-testid="speed" onchange={change_speed}>
                    { for SPEEDS.iter().enumerate().map(|(index, (label, _))| html! {
                        <option value={index.to_string()} selected={index == props.speed_index}>
                            { *label }
                        </option>
                    }) }
                </select>
            </label>
            <input type="range" class="scrubber" data-testid="timeline" aria-label="Timeline: drag back to rewind"
                min="0" max={props.horizon.as_millis().max(props.now.as_millis()).to_string()}
                value={props.now.as_millis().to_string()} onchange={seek} />
            <output data-testid="clock" class="clock" aria-label="Virtual time">
                { format!("t = {}", props.now) }
            </output>
        </div>
    }
}
