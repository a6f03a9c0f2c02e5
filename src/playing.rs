//! The clock while playing: it moves in timer tasks and the page draws in animation frames.
//!
//! At a speed the simulation keeps up with, a tick every [`TICK_MS`] moves the clock by the
//! real time since the last one times the speed, and each tick is drawn. At one it cannot keep
//! up with (a tick spent its whole budget), waiting for the next 50 ms tick left the main thread
//! idle a quarter of the time (a CPU profile of the busy cluster at 100×): then each tick is
//! followed by the next animation frame, which draws every other time, and the next tick starts
//! right after that frame and simulates until shortly before the second vsync after it. The
//! browser paints every two vsyncs, answers input between tasks, and the simulation has the
//! rest.

use crate::sim_context::{RunId, autosave};
use crate::sim_handle::SimHandle;
use gloo_timers::callback::Interval;
use kafka_sim::SimDuration;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Real milliseconds between two ticks while the simulation keeps up.
pub const TICK_MS: u32 = 50;
/// Playing advances in slices of this much virtual time...
const PLAY_SLICE: SimDuration = SimDuration::from_millis(20);
/// ...for up to this long per tick of the interval (a tick while behind runs to its vsync
/// instead, about 28 ms): a speed the simulation cannot keep up with runs as fast as this
/// allows (the timeline says how fast), and the page still answers input between ticks.
const PLAY_BUDGET_MS: f64 = 25.0;
/// While behind, a tick ends this long before the second vsync after the frame before it
/// (frames 33 ms apart at 60 Hz, as issue 17 asks), for the browser's own work (style, paint,
/// the frame's start), so the frame after it comes on time...
const FRAME_MARGIN_MS: f64 = 5.0;
/// ...or before a later vsync when that leaves it less than this (the frame's draw took most
/// of the cycle).
const MIN_BUDGET_MS: f64 = 4.0;
/// The display's refresh period the catch-up aims at. Not learned: while behind, frames come
/// two periods apart or more, so their gaps do not show it. On a display of another rate the
/// frames are still about 33 ms apart, give or take one of its periods.
const VSYNC_MS: f64 = 1_000.0 / 60.0;
/// While behind, the page draws every this many ticks only: a draw of the busy cluster and the
/// browser's painting after it cost about a third of a tick's simulation (BENCHMARKS.md,
/// issue 17). A speed the simulation keeps up with draws every tick.
const DRAW_EVERY_BEHIND: u32 = 2;
/// A catch-up with no tick for this long has stalled (no animation frames: a hidden tab),
/// and the interval ticks instead.
const STALLED_MS: f64 = 1.5 * TICK_MS as f64;
/// A tick late by more than this (the tab was hidden, the machine busy) moves the clock by
/// this much only, rather than by all the time missed.
const MAX_TICK_MS: f64 = 4.0 * TICK_MS as f64;

/// How fast the clock really runs while playing: ticks measure the real time since the last
/// one (the clock moves by that times the speed, as far as a tick's budget allows), and every
/// second or so the virtual time achieved over the real time gives the speed reached.
#[derive(Default)]
pub struct Pace {
    /// When the last tick ran (`performance.now()` milliseconds).
    last: Option<f64>,
    /// Real milliseconds and virtual time over the current measuring window.
    real_ms: f64,
    advanced: SimDuration,
    /// The speed reached over the last whole window, once one has passed.
    pub reached: Option<u64>,
}

impl Pace {
    /// The real milliseconds this tick stands for (a tick's worth for the first, and at most
    /// [`MAX_TICK_MS`]).
    fn tick(&mut self, now_ms: f64) -> f64 {
        let real = self.last.map_or(f64::from(TICK_MS), |last| {
            (now_ms - last).clamp(0.0, MAX_TICK_MS)
        });
        self.last = Some(now_ms);
        real
    }

    /// Adds a tick's real time and the virtual time it achieved; after a second, returns the
    /// speed reached (virtual microseconds per real millisecond) and starts a new window.
    fn record(&mut self, real_ms: f64, advanced: SimDuration) -> Option<u64> {
        self.real_ms += real_ms;
        self.advanced = self.advanced + advanced;
        if self.real_ms < 1_000.0 {
            return None;
        }
        let achieved = (self.advanced.as_micros() as f64 / self.real_ms).round() as u64;
        (self.real_ms, self.advanced) = (0.0, SimDuration::ZERO);
        self.reached = Some(achieved);
        Some(achieved)
    }
}

/// What playing one run at one speed needs; shared by the interval, the animation frames and
/// the ticks that follow them.
struct Player {
    sim: SimHandle,
    pace: Rc<RefCell<Pace>>,
    /// The speed: virtual microseconds per real millisecond.
    per_real_ms: u64,
    run_id: RunId,
    saving: bool,
    /// Draws the clock where it stands (in an animation frame).
    draw: Box<dyn Fn()>,
    /// A draw is asked for the next animation frame (the simulation keeps up).
    draw_asked: Cell<bool>,
    /// Ticks since the last draw.
    undrawn: Cell<u32>,
    /// The next animation frame is asked to carry on catching up (the simulation is behind).
    catch_up_asked: Cell<bool>,
    /// When the last tick ran: the interval takes over from a catch-up that stalled (a
    /// hidden tab has no animation frames).
    last_tick: Cell<f64>,
    stopped: Cell<bool>,
}

/// Plays while it lives; dropping it stops the clock.
pub struct Playing {
    player: Rc<Player>,
    _interval: Interval,
}

impl Drop for Playing {
    fn drop(&mut self) {
        // A frame or tick already asked for finds it stopped and does nothing.
        self.player.stopped.set(true);
    }
}

impl Playing {
    /// Starts the clock of `sim` at `per_real_ms` virtual microseconds per real millisecond;
    /// `draw` draws it (in an animation frame).
    pub fn start(
        sim: SimHandle,
        pace: Rc<RefCell<Pace>>,
        per_real_ms: u64,
        run_id: RunId,
        saving: bool,
        draw: impl Fn() + 'static,
    ) -> Self {
        let player = Rc::new(Player {
            sim,
            pace,
            per_real_ms,
            run_id,
            saving,
            draw: Box::new(draw),
            draw_asked: Cell::new(false),
            undrawn: Cell::new(0),
            catch_up_asked: Cell::new(false),
            last_tick: Cell::new(now()),
            stopped: Cell::new(false),
        });
        let interval = Interval::new(TICK_MS, {
            let player = player.clone();
            move || {
                // A catch-up ticks every 33 ms or so; one silent for longer has stalled.
                let catching_up =
                    player.catch_up_asked.get() && now() - player.last_tick.get() < STALLED_MS;
                if !catching_up {
                    Player::tick(&player, PLAY_BUDGET_MS);
                }
            }
        });
        Playing {
            player,
            _interval: interval,
        }
    }
}

impl Player {
    /// Moves the clock for at most `budget_ms`, then asks for a draw when one is due; while
    /// behind, the next animation frame draws (every other time) and starts the next tick.
    fn tick(this: &Rc<Self>, budget_ms: f64) {
        // A jump under way moves the clock itself.
        if this.stopped.get() || this.sim.seeking().is_some() {
            return;
        }
        let started = now();
        this.last_tick.set(started);
        let kept_up = this.play(started, budget_ms);
        let undrawn = this.undrawn.get() + 1;
        let draw = kept_up || undrawn >= DRAW_EVERY_BEHIND;
        this.undrawn.set(if draw { 0 } else { undrawn });
        if kept_up {
            if draw && !this.draw_asked.replace(true) {
                let player = this.clone();
                let asked = in_next_frame(move |_| {
                    player.draw_asked.set(false);
                    player.draw_unless_stopped();
                });
                this.draw_asked.set(asked);
            }
        } else if !this.catch_up_asked.replace(true) {
            // One frame does both, in this order: the draw's render runs in a microtask right
            // after this callback, before the browser paints, and the next tick after both.
            let player = this.clone();
            let asked = in_next_frame(move |frame| {
                if player.stopped.get() {
                    return;
                }
                if draw {
                    (player.draw)();
                }
                soon(move || {
                    player.catch_up_asked.set(false);
                    Player::tick(&player, budget_to_vsync(frame, now()));
                });
            });
            // Without animation frames the interval carries on.
            this.catch_up_asked.set(asked);
        }
    }

    fn draw_unless_stopped(&self) {
        if !self.stopped.get() {
            (self.draw)();
        }
    }

    /// One tick of playing: moves the clock by the real time since the last tick times the
    /// speed, simulating for at most `budget_ms`, and saves the run at each new second.
    /// Returns whether the clock moved as far as the speed asked (false: the budget ran out).
    fn play(&self, started: f64, budget_ms: f64) -> bool {
        let real_ms = self.pace.borrow_mut().tick(started);
        let wanted = SimDuration::from_micros((real_ms * self.per_real_ms as f64) as u64);
        let before = self.sim.now().as_millis() / 1_000;
        let done = self
            .sim
            .advance_while(wanted, PLAY_SLICE, || now() - started < budget_ms);
        self.pace.borrow_mut().record(real_ms, done);
        if self.sim.now().as_millis() / 1_000 != before {
            autosave(&self.sim, &self.run_id, self.saving);
        }
        done >= wanted
    }
}

/// Milliseconds on the clock animation frames are timed by (`performance.now()`).
fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now())
}

/// How long a tick starting at `start` may run so that it ends [`FRAME_MARGIN_MS`] before the
/// second vsync after the animation frame at `frame` (vsyncs fall a whole number of periods
/// after it), or before a later one when that leaves less than [`MIN_BUDGET_MS`].
fn budget_to_vsync(frame: f64, start: f64) -> f64 {
    let deadline = frame + 2.0 * VSYNC_MS - FRAME_MARGIN_MS;
    let late = ((start + MIN_BUDGET_MS - deadline) / VSYNC_MS)
        .ceil()
        .max(0.0);
    deadline + late * VSYNC_MS - start
}

/// Runs `then` in the browser's next animation frame with the frame's time (a hidden tab has
/// none until shown). Whether the frame was asked for: not without a window.
fn in_next_frame(then: impl FnOnce(f64) + 'static) -> bool {
    // Freed by JavaScript once called, so a frame asked for every tick leaks nothing.
    let frame = wasm_bindgen::closure::Closure::once_into_js(then);
    web_sys::window().is_some_and(|window| {
        window
            .request_animation_frame(wasm_bindgen::JsCast::unchecked_ref(&frame))
            .is_ok()
    })
}

/// Runs `then` in a task of its own as soon as the browser has done what is waiting (the
/// frame's paint, input). gloo's `Timeout::forget` would keep every closure for good.
fn soon(then: impl FnOnce() + 'static) {
    let task = wasm_bindgen::closure::Closure::once_into_js(then);
    if let Some(window) = web_sys::window() {
        // Refused only without a window, where nothing plays.
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            wasm_bindgen::JsCast::unchecked_ref(&task),
            0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_TICK_MS, Pace, TICK_MS, VSYNC_MS, budget_to_vsync};
    use kafka_sim::SimDuration;

    #[test]
    fn a_tick_behind_ends_before_the_second_vsync_after_its_frame_or_a_later_one() {
        let frame = 1_000.0;
        let second_vsync = frame + 2.0 * VSYNC_MS;
        // Started at once after a frame without a draw: most of two vsyncs, 5 ms to spare.
        let budget = budget_to_vsync(frame, frame + 1.0);
        assert!(
            (frame + 1.0 + budget - (second_vsync - 5.0)).abs() < 1e-9,
            "{budget}"
        );
        // After a draw of 20 ms: what is left to the same vsync.
        let budget = budget_to_vsync(frame, frame + 20.0);
        assert!(
            (budget - (second_vsync - 5.0 - frame - 20.0)).abs() < 1e-9,
            "{budget}"
        );
        // After a draw of 27 ms, less than 4 ms would be left: the vsync after, not a sliver.
        let budget = budget_to_vsync(frame, frame + 27.0);
        assert!((frame + 27.0 + budget - (second_vsync + VSYNC_MS - 5.0)).abs() < 1e-9);
        // A frame whose tick starts very late still gets a budget within one period.
        let budget = budget_to_vsync(frame, frame + 1e6);
        assert!((4.0..4.0 + VSYNC_MS).contains(&budget), "{budget}");
    }

    #[test]
    fn the_pace_is_the_virtual_time_achieved_over_a_second_of_real_time() {
        let mut pace = Pace::default();
        assert_eq!(pace.tick(1_000.0), f64::from(TICK_MS), "the first tick");
        assert_eq!(pace.tick(1_040.0), 40.0);
        assert_eq!(
            pace.tick(5_000.0),
            MAX_TICK_MS,
            "a late tick stands for a few only"
        );
        // 100x asked, 12x reached: 50 ms ticks that each advanced 600 ms.
        let mut reached = None;
        for _ in 0..20 {
            assert_eq!(reached, None, "not before a second");
            reached = pace.record(50.0, SimDuration::from_millis(600));
        }
        assert_eq!(reached, Some(12_000), "12x: 12,000 virtual µs per real ms");
        assert_eq!(
            pace.record(50.0, SimDuration::from_millis(600)),
            None,
            "a new window"
        );
    }
}
