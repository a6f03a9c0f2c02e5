//! A long jump's progress bar, which also carries the jump on. The replay runs here, slice by
//! slice on a timer, and only this bar is drawn again as it goes: the page's state (and so every
//! panel) stays as it was until the jump arrives, so a frame of a replay costs its slices and
//! this bar, not a whole page drawn at each step of a moment nobody stops at. Once it has
//! arrived, the checker's marks catch up behind a note of their own.

use crate::embed_params::Panel;
use crate::sim_context::{PageState, SimAction, use_jump, use_sim};
use crate::sim_handle::SimHandle;
use gloo_timers::callback::{Interval, Timeout};
use yew::prelude::*;

/// The bar, while a jump is under way; after it, [`MarksCatchUp`].
#[function_component(SeekProgress)]
pub fn seek_progress() -> Html {
    let (sim, seeking) = (use_sim(), use_jump());
    let position = use_state(|| sim.sim.now());
    {
        let (driver, dispatch) = (sim.seek_driver(), sim.actions.dispatch.clone());
        let position = position.setter();
        use_effect_with((sim.sim.clone(), seeking), move |(_, target)| {
            let ticker = target.is_some().then(|| {
                let tick = std::rc::Rc::new(move || match driver.carry_on() {
                    Some((now, _)) => position.set(now),
                    None => in_a_task_of_its_own(&dispatch, SimAction::Arrived),
                });
                // The first slice at once, once the bar is drawn: waiting a whole interval for
                // it left the page idle for a tenth of a rewind.
                let first = Timeout::new(0, {
                    let tick = std::rc::Rc::clone(&tick);
                    move || tick()
                });
                (first, Interval::new(SLICE_EVERY_MS, move || tick()))
            });
            move || drop(ticker)
        });
    }
    let Some(target) = seeking else {
        return html! { <MarksCatchUp /> };
    };
    // `position` only makes the bar draw again; the clock is the run's own.
    let now = sim.sim.now().min(target);
    html! {
        <div class="seek-progress" role="status" data-testid="seek-progress">
            { "Replaying the run to the chosen moment… " }
            <progress max={target.as_millis().to_string()} value={now.as_millis().to_string()} />
            { format!(" {} of {}", now, target) }
        </div>
    }
}

/// After a jump, while the checker's marks read the run again (after a rewind, from its
/// start: seconds in an hour-long run): says so and carries them on, a budget per tick, then
/// draws the page once with them. The cluster is drawn and usable meanwhile; a jump no longer
/// waits for the marks to arrive. While playing, each frame's draw carries them on instead.
#[function_component(MarksCatchUp)]
fn marks_catch_up() -> Html {
    let (sim, seeking) = (use_sim(), use_jump());
    // Whether a panel drew the marks partly since this last asked (in this draw, when the
    // panels draw first, as after a jump, which makes this anew; else in the one before),
    // then whether they have caught up (after a jump reading nothing: the ticker below reads,
    // so the arrival draws without a budget of it). Partly drawn marks are drawn again once
    // whole. Drawn before a panel, this finds them either behind (and draws again later) or
    // caught up (and the panel draws them whole).
    let partly = sim.sim.marks_drawn_partly();
    // Only the topics' tables and the producers' log show marks: an embed without them has
    // none to catch up.
    let shown = [Panel::Topics, Panel::Producers]
        .into_iter()
        .any(|panel| sim.params.panels.shows(panel));
    let behind = shown
        && !sim.playing
        && seeking.is_none()
        && (!sim.sim.marks_caught_up_for_a_draw() | partly);
    {
        let (handle, dispatch) = (sim.sim.clone(), sim.actions.dispatch.clone());
        use_effect_with((sim.sim.clone(), behind), move |(_, behind)| {
            let ticker = behind.then(|| {
                let caught_up = std::cell::Cell::new(false);
                Interval::new(SLICE_EVERY_MS, move || {
                    // Caught up, it asks for a draw each tick until one finds the marks whole
                    // (that draw ends this ticker). One is not always enough: the panels that
                    // draw before this note in the order yew runs them (which depends on when
                    // each was mounted) may have drawn the marks partly just before the last.
                    if caught_up.get() {
                        in_a_task_of_its_own(&dispatch, SimAction::Redraw);
                        return;
                    }
                    let started = js_sys::Date::now();
                    while !caught_up.get() && js_sys::Date::now() - started < CHECK_BUDGET_MS {
                        if handle.check_marks() {
                            caught_up.set(true);
                            in_a_task_of_its_own(&dispatch, SimAction::Redraw);
                        }
                    }
                })
            });
            move || drop(ticker)
        });
    }
    if !behind {
        return Html::default();
    }
    html! {
        <div class="seek-progress" role="status" data-testid="marks-catch-up">
            { "Checking the replayed records: the checker's marks appear when it is done… " }
            <progress aria-label="Checking the replayed records" />
        </div>
    }
}

/// Frees what rewinds let go of (the worlds they left, tens of MiB each, and the old marks'
/// index) after the jump under way, if any, has arrived: a few milliseconds every tick until
/// none is left, whether the page plays, waits or catches its marks up.
pub fn tidy_after_jumps(sim: &SimHandle) {
    if !sim.has_litter() {
        return;
    }
    let sim = sim.clone();
    Timeout::new(SLICE_EVERY_MS, move || {
        let started = js_sys::Date::now();
        while sim.free_litter() && js_sys::Date::now() - started < TIDY_BUDGET_MS {}
        tidy_after_jumps(&sim);
    })
    .forget();
}

/// Wall time a tick of [`tidy_after_jumps`] spends freeing.
const TIDY_BUDGET_MS: f64 = 5.0;

/// Sends `action` from a task of its own: the whole page it draws (tens of milliseconds) would
/// otherwise come on top of the slice that ended the jump or the catch-up, one task over 50 ms.
fn in_a_task_of_its_own(dispatch: &UseReducerDispatcher<PageState>, action: SimAction) {
    let dispatch = dispatch.clone();
    Timeout::new(0, move || dispatch.dispatch(action)).forget();
}

/// Wall time a tick of [`MarksCatchUp`] spends on the marks, of [`SLICE_EVERY_MS`]: the page
/// stays responsive while they catch up.
const CHECK_BUDGET_MS: f64 = 20.0;

/// How often a jump's replay (20 ms a time) and the marks' catch-up after it run. Every 25 ms,
/// they have four fifths of the main thread, and input waits at most one slice: a jump draws
/// only its bar, so there is little else to do. Every 50 ms (the playing clock's tick), as
/// before, a rewind in a long run spent three fifths of its time waiting.
const SLICE_EVERY_MS: u32 = 25;
