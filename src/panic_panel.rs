//! A bug in the simulation must not leave a frozen or blank page: the panic hook logs to the
//! console as usual and puts a panel on the page saying what happened. The saved run is not
//! touched, so a reload continues from the last save.

use wasm_bindgen::JsCast;

/// Installs the hook.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let (Ok(panel), Some(body)) = (document.create_element("div"), document.body()) else {
        return;
    };
    let _ = panel.set_attribute("role", "alert");
    let _ = panel.set_attribute("class", "panic");
    let _ = panel.set_attribute("data-testid", "panic");
    panel.set_text_content(Some(&format!(
        "The simulation stopped on a bug, which is ours, not yours:\n{message}\n\n\
         Your run is still saved: reload the page to continue from the last save, or use \
         \"New cluster\" to start over."
    )));
    if let Ok(element) = panel.dyn_into::<web_sys::HtmlElement>() {
        let _ = body.append_child(&element);
    }
}
