//! The "Runs" dialog: the reader's recent runs, to switch to one or delete one (after asking).

use crate::components::modal::Modal;
use crate::runs::RunEntry;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// Properties of [`RunsDialog`].
#[derive(Properties, PartialEq)]
pub struct RunsDialogProps {
    /// The saved runs, most recent first.
    pub runs: Vec<RunEntry>,
    /// The run this tab shows, if it is saved.
    pub current: Option<u32>,
    /// Switch to a run.
    pub on_open: Callback<u32>,
    /// Delete a run (already confirmed).
    pub on_delete: Callback<u32>,
    /// Close the dialog.
    pub on_close: Callback<()>,
}

/// When a run was saved, in the reader's local time (display only).
fn saved_at(ms: f64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// The list, with Open and Delete on each run but the one shown.
#[function_component(RunsDialog)]
pub fn runs_dialog(props: &RunsDialogProps) -> Html {
    let deleting = use_state(|| None::<u32>);
    let row = |run: &RunEntry| {
        let id = run.id;
        let current = props.current == Some(id);
        let open = props.on_open.reform(move |_: MouseEvent| id);
        let ask = {
            let deleting = deleting.clone();
            Callback::from(move |_: MouseEvent| deleting.set(Some(id)))
        };
        let keep = {
            let deleting = deleting.clone();
            Callback::from(move |_: MouseEvent| deleting.set(None))
        };
        let delete = {
            let (deleting, on_delete) = (deleting.clone(), props.on_delete.clone());
            Callback::from(move |_: MouseEvent| {
                deleting.set(None);
                on_delete.emit(id);
            })
        };
        let meta = format!(
            "t = {} · {} command{} · saved {}",
            run.now,
            run.commands,
            if run.commands == 1 { "" } else { "s" },
            saved_at(run.saved_at_ms)
        );
        html! {
            <li class={classes!("run", current.then_some("current"))} data-testid="run"
                data-run-id={id.to_string()}>
                <div class="run-text">
                    <strong class="run-name">{ &run.name }</strong>
                    if current { <span class="badge">{ "shown" }</span> }
                    <span class="run-meta">{ meta }</span>
                </div>
                if *deleting == Some(id) {
                    <div class="run-actions" role="group" aria-label={format!("Delete {}?", run.name)}>
                        <span>{ "Delete it for good?" }</span>
                        <button onclick={keep} data-testid="run-keep">{ "Keep" }</button>
                        <button class="danger" onclick={delete} data-testid="run-delete-confirm">{ "Delete" }</button>
                    </div>
                } else if !current {
                    <div class="run-actions">
                        <button class="primary" onclick={open} data-testid="run-open"
                            aria-label={format!("Open {}", run.name)}>{ "Open" }</button>
                        <button onclick={ask} data-testid="run-delete"
                            aria-label={format!("Delete {}", run.name)}>{ "Delete" }</button>
                    </div>
                }
            </li>
        }
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <Modal title="Runs" on_close={props.on_close.clone()} testid="runs-dialog">
            <p>{ "Your recent runs in this browser (the 8 most recently saved). A run is saved \
                  once you do something to its cluster." }</p>
            if props.runs.is_empty() {
                <p data-testid="runs-empty">{ "No saved runs yet." }</p>
            } else {
                <ul class="runs">{ for props.runs.iter().map(row) }</ul>
            }
            <div class="modal-actions">
                <button onclick={close} data-testid="runs-close">{ "Close" }</button>
            </div>
        </Modal>
    }
}
