//! The keyboard's focus, where the page moves it itself: after a dialog or a lesson closes,
//! and to the part of the page a lesson's step names.

/// Whether no control has the keyboard's focus (it is on the page's body, or nowhere): a
/// dialog that had it has just closed.
pub fn is_nowhere() -> bool {
    let document = web_sys::window().and_then(|w| w.document());
    let active = document.as_ref().and_then(|d| d.active_element());
    let body = document.as_ref().and_then(|d| d.body());
    match (active, body) {
        (None, _) => true,
        (Some(active), Some(body)) => &active == std::ops::Deref::deref(&body),
        (Some(_), None) => false,
    }
}

/// The first element `selector` matches; none for a selector a lesson got wrong.
pub fn first_match(selector: &str) -> Option<web_sys::Element> {
    let document = web_sys::window().and_then(|w| w.document())?;
    document.query_selector(selector).ok().flatten()
}

/// Gives the keyboard's focus to `element`, if it can take it.
pub fn to(element: web_sys::Element) {
    if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
        let _ = element.focus();
    }
}

/// Gives the keyboard's focus to the first element `selector` matches, if any.
pub fn to_first(selector: &str) {
    if let Some(element) = first_match(selector) {
        to(element);
    }
}
