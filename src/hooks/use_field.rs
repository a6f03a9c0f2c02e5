//! A text field whose value lives in component state. The page re-renders many times a second
//! while time runs; an input whose value came only from markup would be reset to it on every
//! render and lose what the user typed.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The field's current text and the handler that keeps it in sync with the input.
#[derive(Clone, PartialEq)]
pub struct Field {
    /// What the input shows.
    pub value: String,
    /// Attach as `oninput`.
    pub oninput: Callback<InputEvent>,
    /// Sets the value from code (after a submit, say).
    pub set: Callback<String>,
}

/// A field starting at `initial`.
#[hook]
pub fn use_field(initial: &str) -> Field {
    let state = use_state(|| initial.to_owned());
    let oninput = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            state.set(input.value());
        })
    };
    let set = {
        let state = state.clone();
        Callback::from(move |value: String| state.set(value))
    };
    Field {
        value: (*state).clone(),
        oninput,
        set,
    }
}
