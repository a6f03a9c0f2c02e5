//! The time controls: the virtual clock, play/pause, single step and speed.

use crate::sim_context::{SimAction, use_sim};
use kafka_sim::{SimDuration, SimTime};
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

/// What the clock really achieves at a speed it cannot keep (`"running at 12×"`), or nothing
/// when it keeps at least nine tenths of the speed asked for. Speeds are virtual microseconds
/// per real millisecond, as in [`SPEEDS`].
pub fn achieved_text(asked: u64, achieved: u64) -> Option<String> {
    if achieved * 10 >= asked * 9 {
        return None;
    }
    let times = achieved as f64 / 1_000.0;
    let shown = if times >= 10.0 {
        format!("{times:.0}")
    } else if times >= 0.1 {
        format!("{times:.1}")
    } else {
        format!("{times:.3}")
    };
    Some(format!("running at {shown}×"))
}

/// The clock and its controls. The run's trace fingerprint is shown to nobody: it is the
/// `data-trace-hash` attribute, so end-to-end tests can prove that a shared link rebuilt the
/// identical run. The range reaches the horizon: the clock, or the last command ahead of it
/// after a rewind.
#[function_component(Timeline)]
pub fn timeline() -> Html {
    let sim = use_sim();
    let (playing, speed_index) = (sim.playing, sim.speed_index);
    // Said only while playing: a busy cluster at 100× is more than one core simulates.
    let behind = sim
        .achieved
        .filter(|_| playing)
        .and_then(|achieved| achieved_text(SPEEDS[speed_index].1, achieved));
    let now = sim.view.now;
    // The range's end is the horizon's millisecond rounded up, and stands for the horizon
    // itself: rounded down, a command in its last millisecond (the clock moves by fractions of
    // one) was out of reach after a rewind.
    let end = sim.sim.horizon().max(now);
    let end_ms = end.as_micros().div_ceil(1_000);
    // At the end, the slider stands at its end: a change event from it again moves nothing.
    let now_ms = match now == end {
        true => end_ms,
        false => now.as_millis(),
    };
    let toggle = sim
        .actions
        .send(move |_: MouseEvent| SimAction::Play(!playing));
    let step = sim.actions.send(|_: MouseEvent| SimAction::Step);
    let on_speed = sim.actions.send(SimAction::Speed);
    let change_speed = Callback::from(move |event: Event| {
        let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
        if let Ok(index) = select.value().parse() {
            on_speed.emit(index);
        }
    });
    let seek = {
        let on_seek = sim.actions.seek.clone();
        Callback::from(move |event: Event| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            if let Ok(ms) = input.value().parse::<u64>() {
                on_seek.emit(match ms >= end_ms {
                    true => end,
                    false => SimTime::from_millis(ms),
                });
            }
        })
    };
    // Forward past the horizon, into a future not run yet: the jump's slices keep the page
    // usable, as a rewind's do (its bar shows how far it is).
    let ahead = |minutes: u64| {
        let (on_seek, handle) = (sim.actions.seek.clone(), sim.sim.clone());
        Callback::from(move |_: MouseEvent| {
            // From the clock as it is (a tick ahead of the last draw while playing), or from
            // where a jump under way is going (asked of the run: the timeline is not drawn
            // again when a jump starts).
            let from = handle.seeking().unwrap_or_else(|| handle.now());
            on_seek.emit(from + SimDuration::from_millis(minutes * 60_000));
        })
    };
    html! {
        <div class="timeline" role="group" aria-label="Time controls"
            data-trace-hash={sim.sim.trace_hash().to_string()}>
            <button data-testid="play" class="primary" onclick={toggle}
                aria-pressed={playing.to_string()}>
                { if playing { "Pause" } else { "Play" } }
            </button>
            <button data-testid="step" onclick={step} disabled={playing}
                title="Process the next event only">{ "Step" }</button>
            <label>
                { "Speed " }
                <select data-testid="speed" onchange={change_speed}>
                    { for SPEEDS.iter().enumerate().map(|(index, (label, _))| html! {
                        <option value={index.to_string()} selected={index == speed_index}>
                            { *label }
                        </option>
                    }) }
                </select>
            </label>
            if let Some(text) = behind {
                <span class="achieved-speed" data-testid="achieved-speed" role="status"
                    title="The simulation cannot keep up with the speed chosen: this is how fast the clock really runs">
                    { text }
                </span>
            }
            <input type="range" class="scrubber" data-testid="timeline" aria-label="Timeline: drag back to rewind"
                min="0" max={end_ms.to_string()}
                value={now_ms.to_string()} onchange={seek} />
            <button data-testid="ahead-1" onclick={ahead(1)}
                title="Run one simulated minute ahead">{ "+1 min" }</button>
            <button data-testid="ahead-10" onclick={ahead(10)}
                title="Run ten simulated minutes ahead (a bar shows the progress; the page stays usable)">{ "+10 min" }</button>
            // The clock's microseconds, which the text rounds away: a file or link must keep
            // them, and the end-to-end tests check that it does.
            <output data-testid="clock" class="clock" aria-label="Virtual time"
                data-micros={now.as_micros().to_string()}>
                { format!("t = {}", now) }
            </output>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::achieved_text;

    #[test]
    fn the_speed_reached_is_said_only_when_well_below_the_one_asked() {
        assert_eq!(
            achieved_text(100_000, 95_000),
            None,
            "nine tenths is keeping up"
        );
        assert_eq!(achieved_text(100_000, 90_000), None);
        assert_eq!(
            achieved_text(100_000, 12_400).as_deref(),
            Some("running at 12×")
        );
        assert_eq!(
            achieved_text(10_000, 3_460).as_deref(),
            Some("running at 3.5×")
        );
        assert_eq!(
            achieved_text(1_000, 20).as_deref(),
            Some("running at 0.020×")
        );
    }
}
