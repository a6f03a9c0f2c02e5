//! Dialogs: a modal `<dialog>` (the browser traps focus in it, Esc closes it, and screen readers
//! announce it by its heading), and the confirmation asked before anything that could lose work.

use crate::focus;
use gloo_timers::callback::Timeout;
use web_sys::HtmlDialogElement;
use yew::prelude::*;

/// Properties of [`Modal`].
#[derive(Properties, PartialEq)]
pub struct ModalProps {
    /// The heading, which also names the dialog.
    pub title: AttrValue,
    /// Closed by Esc (the buttons inside close it through their own callbacks).
    pub on_close: Callback<()>,
    /// For tests.
    pub testid: AttrValue,
    /// Whether closing it gives the focus to the page's first control when it opened with
    /// nothing focused: for the dialog that greets a first visit (see [`Modal`]'s effect).
    /// Not for the rest, which also open with nothing focused after a file is dropped or a
    /// click that does not focus (Safari's): moved to the toolbar, the focus would scroll the
    /// page back to its top.
    #[prop_or_default]
    pub greets: bool,
    /// The content.
    pub children: Html,
}

/// A modal dialog, open while it is rendered.
#[function_component(Modal)]
pub fn modal(props: &ModalProps) -> Html {
    let node = use_node_ref();
    {
        let (node, greets) = (node.clone(), props.greets);
        use_effect_with((), move |_| {
            // A dialog that opened with the page (the lesson picker of a first visit) has no
            // control to give the focus back to, and once it is gone the browser starts the
            // next Tab from where it was, past the toolbar: a newcomer's first Tab after
            // "Close" landed on "Pause broker 1". Its focus goes to the page's first control
            // instead, where Tab starts after a reload.
            let from_nowhere = greets && focus::is_nowhere();
            if let Some(dialog) = node.cast::<HtmlDialogElement>() {
                let _ = dialog.show_modal();
            }
            move || {
                if from_nowhere {
                    // Once the dialog has left the page (until then the rest is inert), and
                    // only if nothing took the focus meanwhile (a lesson chosen in the picker
                    // focuses its own text).
                    Timeout::new(0, || {
                        if focus::is_nowhere() {
                            // The page's first control (Play, in the toolbar).
                            focus::to_first(
                                "main.playground :is(button, select, input, [href]):not([disabled])",
                            );
                        }
                    })
                    .forget();
                }
            }
        });
    }
    let onclose = props.on_close.reform(|_: Event| ());
    let title_id = format!("{}-title", props.testid);
    html! {
        <dialog ref={node} class="modal" aria-labelledby={title_id.clone()} {onclose}
            data-testid={props.testid.clone()}>
            <h2 id={title_id}>{ props.title.clone() }</h2>
            { props.children.clone() }
        </dialog>
    }
}

/// Properties of [`Confirm`].
#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    /// The question.
    pub title: AttrValue,
    /// What happens to the reader's work.
    pub message: AttrValue,
    /// The button that goes ahead ("Start over").
    pub confirm_label: AttrValue,
    /// Go ahead.
    pub on_confirm: Callback<()>,
    /// Keep things as they are (also Esc).
    pub on_cancel: Callback<()>,
}

/// Asks before going ahead; Cancel comes first and has the focus, so Enter is the safe answer.
#[function_component(Confirm)]
pub fn confirm(props: &ConfirmProps) -> Html {
    let cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let confirm = props.on_confirm.reform(|_: MouseEvent| ());
    html! {
        <Modal title={props.title.clone()} on_close={props.on_cancel.clone()} testid="confirm">
            <p>{ props.message.clone() }</p>
            <div class="modal-actions">
                <button onclick={cancel} data-testid="confirm-cancel" autofocus=true>{ "Cancel" }</button>
                <button class="primary" onclick={confirm} data-testid="confirm-ok">
                    { props.confirm_label.clone() }
                </button>
            </div>
        </Modal>
    }
}
