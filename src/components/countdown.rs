//! A timer the simulation is running against a node, counted down where the node is drawn:
//! "the controller fences it in 6.2 s unless a heartbeat arrives". The values come from the
//! view (the owner of the timer's last heartbeat or poll and its timeout), not from the page.

use kafka_sim::TimerView;
use yew::prelude::*;

/// The countdown in words, tenths of a second.
pub fn countdown_text(timer: &TimerView) -> String {
    let tenths = timer.fires_in.as_micros().div_ceil(100_000);
    let left = format!("{}.{} s", tenths / 10, tenths % 10);
    // What a periodic look fires happens at the first look after the time is up.
    let when = match (tenths, timer.checked_every) {
        (0, Some(every)) => format!("at its next check (every {every})"),
        (_, Some(every)) => format!("at its first check (every {every}) after {left}"),
        (0, None) => "now".to_owned(),
        (_, None) => format!("in {left}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sim::SimDuration;

    fn session(fires_in_ms: u64, checked_every: Option<SimDuration>) -> TimerView {
        TimerView {
            config: "broker.session.timeout.ms".to_owned(),
            timeout: SimDuration::from_millis(9_000),
            fires_in: SimDuration::from_millis(fires_in_ms),
            renewed_by: "a heartbeat arrives".to_owned(),
            then: "fenced by the controller".to_owned(),
            checked_every,
        }
    }

    #[test]
    fn a_timer_fired_by_a_periodic_look_says_so_before_and_after_its_time() {
        let every = Some(SimDuration::from_millis(1_125));
        assert_eq!(
            countdown_text(&session(3_210, every)),
            "fenced by the controller at its first check (every 1125 ms) after 3.3 s unless a \
             heartbeat arrives (broker.session.timeout.ms = 9000 ms)"
        );
        assert_eq!(
            countdown_text(&session(0, every)),
            "fenced by the controller at its next check (every 1125 ms) unless a heartbeat \
             arrives (broker.session.timeout.ms = 9000 ms)"
        );
        assert_eq!(
            countdown_text(&session(3_210, None)),
            "fenced by the controller in 3.3 s unless a heartbeat arrives \
             (broker.session.timeout.ms = 9000 ms)"
        );
        assert_eq!(
            countdown_text(&session(0, None)),
            "fenced by the controller now unless a heartbeat arrives \
             (broker.session.timeout.ms = 9000 ms)"
        );
    }
}
