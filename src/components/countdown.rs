//! A timer the simulation is running against a node, counted down where the node is drawn:
//! "the controller fences it in 6.2 s unless a heartbeat arrives". The values come from the
//! view (the owner of the timer's last heartbeat or poll and its timeout), not from the page.

use kafka_sim::TimerView;
use yew::prelude::*;

/// The countdown in words, tenths of a second.
pub fn countdown_text(timer: &TimerView) -> String {
    let tenths = timer.fires_in.as_micros().div_ceil(100_000);
    let when = match (tenths, timer.checked_every) {
        (0, Some(every)) => format!("at its next check (every {every})"),
        (0, None) => "now".to_owned(),
        (n, _) => format!("in {}.{} s", n / 10, n % 10),
    };
    format!(
        "{} {when} unless {} ({} = {})",
        timer.then, timer.renewed_by, timer.config, timer.timeout
    )
}

/// Properties of [`Countdown`].
#[derive(Properties, PartialEq)]
pub struct CountdownProps {
    /// The timer.
    pub timer: TimerView,
}

/// One running timer: its words and a bar that empties as it runs out.
#[function_component(Countdown)]
pub fn countdown(props: &CountdownProps) -> Html {
    let timer = &props.timer;
    let left = timer.fires_in.as_micros() as f64 / timer.timeout.as_micros().max(1) as f64;
    html! {
        <p class="countdown" data-testid="countdown" data-config={timer.config.clone()} role="timer">
            <span class="countdown-bar" aria-hidden="true">
                <span style={format!("width: {:.0}%", left.clamp(0.0, 1.0) * 100.0)}></span>
            </span>
            { countdown_text(timer) }
        </p>
    }
}
