//! The export to real Kafka, in the page: the files `kafka-sim export --to real-kafka` writes
//! for this run (the core's `export` module makes them), each readable here, and all of them
//! as one shell script that writes them.

use crate::components::modal::Modal;
use crate::components::scenario_files::data_url;
use crate::scenario_file;
use crate::session::Session;
use std::collections::BTreeMap;
use yew::prelude::*;

/// Properties of [`ExportDialog`].
#[derive(Properties, PartialEq)]
pub struct ExportDialogProps {
    /// The run to export.
    pub session: Session,
    /// Close the dialog.
    pub on_close: Callback<()>,
}

/// The file shown first: the script is what a reader runs, so it is what they read first.
const FIRST: &str = "run.sh";

/// The generated files, a list to pick one, the picked one's text, and the downloads.
#[function_component(ExportDialog)]
pub fn export_dialog(props: &ExportDialogProps) -> Html {
    // The export runs the scenario once (for the replica placement and the refused steps):
    // once per dialog, not per render.
    let files = use_memo(props.session.clone(), |session| {
        kafka_sim::export::files(&scenario_file::scenario_of(session)).map_err(|e| e.to_string())
    });
    let shown = use_state(|| FIRST.to_owned());
    let close = props.on_close.reform(|_: MouseEvent| ());
    let body = match &*files {
        Err(why) => html! {
            <p class="error" role="alert" data-testid="export-error">
                { format!("This run cannot be exported: {why}") }
            </p>
        },
        Ok(files) => view_files(files, &shown, &props.session),
    };
    html! {
        <Modal title="Export to real Kafka" on_close={props.on_close.clone()} testid="export-dialog">
            <p>{ "What to run against a real Apache Kafka 4.x cluster to try this run: a KRaft \
                  cluster of the same shape (Docker Compose, the official apache/kafka image), \
                  the topics with their configs, the clients' properties, the records, and the \
                  faults as the commands that cause them (or comments saying how). Timing and \
                  randomness will differ: see README.md." }</p>
            { body }
            <div class="modal-actions">
                <button onclick={close} data-testid="export-close">{ "Close" }</button>
            </div>
        </Modal>
    }
}

fn view_files(
    files: &BTreeMap<String, String>,
    shown: &UseStateHandle<String>,
    session: &Session,
) -> Html {
    let dir = format!("kafka-playground-seed{}", session.seed);
    let script = kafka_sim::export::bundle::script(files, &dir);
    let name = shown.as_str();
    let text = files.get(name).or_else(|| files.values().next());
    let tab = |file: &String| {
        let selected = file == name;
        let pick = {
            let (shown, file) = (shown.clone(), file.clone());
            Callback::from(move |_: MouseEvent| shown.set(file.clone()))
        };
        html! {
            <li>
                <button role="tab" aria-selected={selected.to_string()} onclick={pick}
                    class={classes!(selected.then_some("selected"))}
                    data-testid="export-file" data-file={file.clone()}>{ file }</button>
            </li>
        }
    };
    html! {
        <>
            <div class="files-actions">
                <a class="button primary" href={data_url(&script, "text/x-shellscript")}
                    download={format!("{dir}.sh")} data-testid="export-download">
                    { format!("Download all ({} files) as one script", files.len()) }
                </a>
                <span class="muted">{ format!("sh {dir}.sh writes them into {dir}/") }</span>
            </div>
            <ul class="export-files" role="tablist" aria-label="Generated files">
                { for files.keys().map(tab) }
            </ul>
            <pre class="export-text" role="tabpanel" tabindex="0" aria-label={name.to_owned()}
                data-testid="export-text">{ text.cloned().unwrap_or_default() }</pre>
        </>
    }
}
