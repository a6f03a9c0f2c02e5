//! The "Files" dialog: the run downloaded as a scenario file (JSON or TOML, as `kafka-sim run`
//! reads it), a scenario file imported (by the file picker, or dropped anywhere on the page) as
//! a new run, and the way to the export to real Kafka. Reading and checking is
//! `scenario_file`'s; this is only the browser's side: files, drops and downloads.

use crate::components::export_dialog::ExportDialog;
use crate::components::modal::{Confirm, Modal};
use crate::persistence;
use crate::runs::MAX_RUNS;
use crate::scenario_file;
use crate::session::Session;
use crate::sim_context::use_sim;
use crate::sim_handle::SimHandle;
use gloo_events::{EventListener, EventListenerOptions};
use kafka_sim::scenario::file::Format;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement};
use yew::prelude::*;

/// What [`ScenarioFiles`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct ScenarioFilesProps {
    /// The run shown, exported when the dialog opens.
    pub sim: SimHandle,
    /// A file read and checked: open it as a new run (its name, its session).
    pub on_import: Callback<(String, Session)>,
    /// A file refused, with why: nothing was replaced.
    pub on_error: Callback<String>,
}

/// A `data:` URL of `text`, for a download link (no object URL to revoke afterwards).
pub fn data_url(text: &str, media_type: &str) -> String {
    format!(
        "data:{media_type};charset=utf-8,{}",
        js_sys::encode_uri_component(text)
    )
}

/// Reads a picked or dropped file: refused by its size before a byte is read, then checked
/// whole by `scenario_file::import`.
fn read(file: File, on_import: Callback<(String, Session)>, on_error: Callback<String>) {
    let name = file.name();
    let refuse = move |name: &str, why: String| {
        on_error.emit(format!(
            "\"{name}\" could not be imported: {why}. Nothing was replaced: your saved runs are as they were."
        ));
    };
    if let Some(why) = scenario_file::too_large(file.size() as u64) {
        refuse(&name, why);
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => {
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                match scenario_file::import(&name, &bytes) {
                    Ok(session) => on_import.emit((name, session)),
                    Err(why) => refuse(&name, why),
                }
            }
            Err(_) => refuse(&name, "the browser could not read it".to_owned()),
        }
    });
}

/// Whether a drag carries files (text dragged into a field is the browser's business).
fn carries_files(event: &Event) -> bool {
    event
        .dyn_ref::<DragEvent>()
        .and_then(DragEvent::data_transfer)
        .is_some_and(|transfer| transfer.types().includes(&"Files".into(), 0))
}

/// Which dialog is open.
#[derive(Clone, PartialEq)]
enum Open {
    /// The scenario files, with the run as it was when opened.
    Files(Session),
    /// The export to real Kafka.
    Export(Session),
}

/// The Files button and dialog for the run shown.
#[function_component(ScenarioFiles)]
pub fn scenario_files() -> Html {
    let sim = use_sim();
    let actions = &sim.actions;
    html! {
        <Drawn sim={sim.sim.clone()} on_import={actions.import.clone()}
            on_error={actions.import_error.clone()} />
    }
}

/// The header's "Files" button, its dialogs, and the page-wide drop target.
#[function_component(Drawn)]
fn drawn(props: &ScenarioFilesProps) -> Html {
    let open = use_state(|| None::<Open>);
    // A file read while the list of runs is full waits for the reader's yes: opening it pushes
    // out the least recently saved run.
    let waiting = use_state(|| None::<(String, Session)>);
    let on_read = {
        let (waiting, on_import) = (waiting.clone(), props.on_import.clone());
        Callback::from(move |(name, session): (String, Session)| {
            if persistence::runs().runs.len() >= MAX_RUNS {
                waiting.set(Some((name, session)));
            } else {
                on_import.emit((name, session));
            }
        })
    };
    {
        // Anywhere on the page: a dropped file is imported, not opened by the browser in place
        // of the page (which would leave the run).
        let (on_import, on_error, open) = (on_read.clone(), props.on_error.clone(), open.clone());
        use_effect_with((), move |_| {
            let listeners = web_sys::window().map(|window| {
                let options = EventListenerOptions::enable_prevent_default();
                let over = EventListener::new_with_options(&window, "dragover", options, |event| {
                    if carries_files(event) {
                        event.prevent_default();
                    }
                });
                let drop =
                    EventListener::new_with_options(&window, "drop", options, move |event| {
                        if !carries_files(event) {
                            return;
                        }
                        event.prevent_default();
                        let file = event
                            .dyn_ref::<DragEvent>()
                            .and_then(DragEvent::data_transfer)
                            .and_then(|transfer| transfer.files())
                            .and_then(|files| files.get(0));
                        if let Some(file) = file {
                            open.set(None);
                            read(file, on_import.clone(), on_error.clone());
                        }
                    });
                (over, drop)
            });
            move || drop(listeners)
        });
    }
    let on_files = {
        let (open, sim) = (open.clone(), props.sim.clone());
        Callback::from(move |_: MouseEvent| open.set(Some(Open::Files(sim.saved()))))
    };
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(None))
    };
    let on_pick = {
        let (open, on_import, on_error) = (open.clone(), on_read.clone(), props.on_error.clone());
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                open.set(None);
                read(file, on_import.clone(), on_error.clone());
            }
        })
    };
    let dialog = match &*open {
        None => html! {},
        Some(Open::Export(session)) => html! {
            <ExportDialog session={session.clone()} on_close={close} />
        },
        Some(Open::Files(session)) => {
            let to_export = {
                let (open, session) = (open.clone(), session.clone());
                Callback::from(move |_: MouseEvent| open.set(Some(Open::Export(session.clone()))))
            };
            let download = |format: Format| {
                let label = format.extension().to_uppercase();
                let testid = format!("download-{}", format.extension());
                match scenario_file::export(session, format) {
                    Ok(text) => html! {
                        <a class="button" href={data_url(&text, "text/plain")}
                            download={scenario_file::file_name(session, format)}
                            data-testid={testid}>{ format!("Download {label}") }</a>
                    },
                    Err(why) => html! {
                        <span class="muted" data-testid={testid}>{ format!("No {label}: {why}") }</span>
                    },
                }
            };
            let close_click = close.reform(|_: MouseEvent| ());
            let commands = session
                .log
                .iter()
                .filter(|(at, _)| *at <= session.now)
                .count();
            html! {
                <Modal title="Scenario files" on_close={close.clone()} testid="files-dialog">
                    <p>{ format!("This run as a scenario file: seed {}, {} command{} at their exact \
                        moments, ending at {}. `kafka-sim run` replays it to the same trace.",
                        session.seed, commands, if commands == 1 { "" } else { "s" }, session.now) }</p>
                    <div class="files-actions">
                        { download(Format::Json) }
                        { download(Format::Toml) }
                    </div>
                    <label class="file-pick">
                        { "Open a scenario file (.json or .toml, up to 1 MiB) as a new run" }
                        <input type="file" accept=".json,.toml,application/json,application/toml"
                            onchange={on_pick} data-testid="import-file" />
                    </label>
                    <p class="muted">{ "You can also drop a file anywhere on the page. Your saved runs \
                        stay as they are: an import opens beside them." }</p>
                    <div class="modal-actions">
                        <button onclick={to_export} data-testid="export-real-kafka">
                            { "Export to real Kafka…" }
                        </button>
                        <button onclick={close_click} data-testid="files-close">{ "Close" }</button>
                    </div>
                </Modal>
            }
        }
    };
    let confirm = match &*waiting {
        None => html! {},
        Some((name, session)) => {
            let oldest = persistence::runs()
                .runs
                .last()
                .map_or_else(String::new, |run| format!(" (\"{}\")", run.name));
            let go = {
                let (waiting, on_import, read) = (
                    waiting.clone(),
                    props.on_import.clone(),
                    (name.clone(), session.clone()),
                );
                Callback::from(move |()| {
                    waiting.set(None);
                    on_import.emit(read.clone());
                })
            };
            let keep = {
                let waiting = waiting.clone();
                Callback::from(move |()| waiting.set(None))
            };
            html! {
                <Confirm title={format!("Open \"{name}\" as a new run?")}
                    message={format!("Runs keeps your {MAX_RUNS} most recently saved runs: opening \
                        this file pushes out the oldest{oldest}.")}
                    confirm_label="Open it" on_confirm={go} on_cancel={keep} />
            }
        }
    };
    html! {
        <>
            { confirm }
            <button onclick={on_files} data-testid="files"
                title="Download this run as a scenario file, open one, or export it to real Kafka">
                { "Files" }
            </button>
            { dialog }
        </>
    }
}
