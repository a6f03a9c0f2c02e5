//! A long jump's progress bar, which also carries the jump on. The replay runs here, slice by
//! slice on a timer, and only this bar is drawn again as it goes: the page's state (and so every
//! panel) stays as it was until the jump arrives, so a frame of a replay costs its slices and
//! this bar, not a whole page drawn at each step of a moment nobody stops at.

use crate::playing::TICK_MS;
use crate::sim_context::{SimAction, use_sim};
use gloo_timers::callback::Interval;
use yew::prelude::*;

/// The bar, while a jump is under way (nothing otherwise).
#[function_component(SeekProgress)]
pub fn seek_progress() -> Html {
    let sim = use_sim();
    let position = use_state(|| sim.sim.now());
    {
        let (driver, dispatch) = (sim.seek_driver(), sim.actions.dispatch.clone());
        let position = position.setter();
        use_effect_with((sim.sim.clone(), sim.seeking), move |(_, target)| {
            let ticker = target.is_some().then(|| {
                Interval::new(TICK_MS, move || match driver.carry_on() {
                    Some((now, _)) => position.set(now),
                    None => dispatch.dispatch(SimAction::Arrived),
                })
            });
            move || drop(ticker)
        });
    }
    let Some(target) = sim.seeking else {
        return Html::default();
    };
    // `position` only makes the bar draw again; the clock is the run's own.
    let now = sim.sim.now().min(target);
    html! {
        <div class="seek-progress" role="status" data-testid="seek-progress">
            if now >= target {
                // The replay is there; the jump arrives once the checker's marks have caught
                // up with what it replayed (a few frames, or seconds after a rewind in a long
                // run). A full bar standing still would read as stuck: this one says what is
                // left, without a measure.
                { format!("Replayed to {target}; checking the replayed records… ") }
                <progress aria-label="Checking the replayed records" />
            } else {
                { "Replaying the run to the chosen moment… " }
                <progress max={target.as_millis().to_string()} value={now.as_millis().to_string()} />
                { format!(" {} of {}", now, target) }
            }
        </div>
    }
}
