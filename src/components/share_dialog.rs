//! The share dialog: the link that reopens this exact run, ready to copy.

use crate::components::modal::Modal;
use kafka_sim::SimTime;
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Properties of [`ShareDialog`].
#[derive(Properties, PartialEq)]
pub struct ShareDialogProps {
    /// The link.
    pub link: AttrValue,
    /// Where the shared run's clock is.
    pub now: SimTime,
    /// How many commands it carries.
    pub commands: usize,
    /// Close the dialog.
    pub on_close: Callback<()>,
}

/// Whether a copy worked, once tried.
#[derive(Clone, Copy, PartialEq)]
enum Copied {
    Yes,
    No,
}

/// Writes `text` to the clipboard where the page may (a secure context, a permission).
async fn copy(text: String) -> Copied {
    let Some(window) = web_sys::window() else {
        return Copied::No;
    };
    let navigator = window.navigator();
    // Outside a secure context `navigator.clipboard` is undefined; calling it would throw.
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|clipboard| !clipboard.is_undefined());
    if !has_clipboard {
        return Copied::No;
    }
    let written = navigator.clipboard().write_text(&text);
    match wasm_bindgen_futures::JsFuture::from(written).await {
        Ok(_) => Copied::Yes,
        Err(_) => Copied::No,
    }
}

/// The link in a read-only field with Copy and Close.
#[function_component(ShareDialog)]
pub fn share_dialog(props: &ShareDialogProps) -> Html {
    let copied = use_state(|| None::<Copied>);
    let on_copy = {
        let (copied, link) = (copied.clone(), props.link.to_string());
        Callback::from(move |_: MouseEvent| {
            let (copied, link) = (copied.clone(), link.clone());
            wasm_bindgen_futures::spawn_local(async move { copied.set(Some(copy(link).await)) });
        })
    };
    // Focus selects the whole link, for copying by hand where the clipboard is not allowed.
    let select_all = Callback::from(|event: FocusEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.select();
    });
    let close = props.on_close.reform(|_: MouseEvent| ());
    let status = match *copied {
        Some(Copied::Yes) => "Copied to the clipboard.",
        Some(Copied::No) => "This page may not use the clipboard: select the link and copy it.",
        None => "",
    };
    html! {
        <Modal title="Share this run" on_close={props.on_close.clone()} testid="share-dialog">
            <p>
                { format!("Anyone who opens this link gets this exact run: the same seed and \
                    cluster, the same {} commands at the same moments, and the clock at {}. \
                    It opens as a new run beside their own.", props.commands, props.now) }
            </p>
            <label class="share-link">
                { format!("Link ({} characters)", props.link.len()) }
                <input type="text" readonly=true value={props.link.clone()} onfocus={select_all}
                    data-testid="share-link" />
            </label>
            <p class="share-status" role="status" data-testid="share-status">{ status }</p>
            <div class="modal-actions">
                <button class="primary" onclick={on_copy} data-testid="share-copy">{ "Copy" }</button>
                <button onclick={close} data-testid="share-close">{ "Close" }</button>
            </div>
        </Modal>
    }
}
