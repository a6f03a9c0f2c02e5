//! Keyboard shortcuts for the time controls: Space plays or pauses, "." steps one event, "["
//! and "]" change the speed; and "L" takes the focus back to the open lesson's text, from
//! wherever its "Go there" sent it. Keys typed into a field or a select are left alone, and so
//! is Space on a focused button (it presses the button); the other keys work wherever focus
//! is, since a keyboard user nearly always has a button focused.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Listens on the window while the component lives. The callbacks read the page's state as
/// of the render they came from, so the listener is renewed whenever `playing` or `speed`
/// (the current speed index) change.
#[hook]
pub fn use_shortcuts(
    playing: bool,
    speed: usize,
    on_toggle: &Callback<()>,
    on_step: &Callback<()>,
    on_speed: &Callback<usize>,
) {
    let (on_toggle, on_step, on_speed) = (on_toggle.clone(), on_step.clone(), on_speed.clone());
    use_effect_with((playing, speed), move |&(_, speed)| {
        let listener = web_sys::window().map(|window| {
            // Not passive: a handled key must be able to cancel the browser's own action
            // (Space would also scroll the page, and a passive listener's preventDefault is
            // ignored with a console warning).
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&window, "keydown", options, move |event| {
                let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                let focused = event
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .map(|e| e.tag_name());
                let typing = focused
                    .as_deref()
                    .is_some_and(|tag| matches!(tag, "INPUT" | "SELECT" | "TEXTAREA"));
                let pressing = focused.as_deref() == Some("BUTTON") && key.key() == " ";
                if typing || pressing || key.ctrl_key() || key.meta_key() || key.alt_key() {
                    return;
                }
                // A Korean input method reports L as "ㅣ" (or "Process"): the key's place
                // decides.
                let lesson = key.code() == "KeyL";
                match key.key().as_str() {
                    " " => on_toggle.emit(()),
                    "." => on_step.emit(()),
                    "[" => on_speed.emit(speed.saturating_sub(1)),
                    "]" => on_speed.emit(speed + 1),
                    _ if lesson && crate::components::lesson_panel::focus_lesson_text() => {}
                    _ => return,
                }
                event.prevent_default();
            })
        });
        move || drop(listener)
    });
}
