//! A console that speaks the Kafka CLI: type `kafka-topics.sh --bootstrap-server localhost:9092
//! --describe` and read what the tool would print. The tools themselves live in the core
//! (`kafka_sim::console`); this only keeps the transcript.

use crate::hooks::use_field::use_field;
use crate::sim_context::use_sim;
use kafka_sim::console::ConsoleResult;
use yew::prelude::*;

/// What [`Console`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// Runs a line and returns the tool's output or error.
    pub on_run: Callback<String, ConsoleResult>,
}

const EXAMPLE: &str = "kafka-topics.sh --bootstrap-server localhost:9092 --describe";

/// The console, running its lines against the run shown.
#[function_component(Console)]
pub fn console() -> Html {
    let sim = use_sim();
    html! { <Drawn on_run={sim.actions.console.clone()} /> }
}

/// An input line and the transcript above it.
#[function_component(Drawn)]
fn drawn(props: &ConsoleProps) -> Html {
    let line = use_field(EXAMPLE);
    let transcript = use_state(Vec::<(String, ConsoleResult)>::new);
    let onsubmit = {
        let (on_run, transcript, text, set) = (
            props.on_run.clone(),
            transcript.clone(),
            line.value.clone(),
            line.set.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let result = on_run.emit(text.clone());
            let mut entries = (*transcript).clone();
            entries.push((text.clone(), result));
            transcript.set(entries);
            set.emit(String::new());
        })
    };
    html! {
        <section class="console" aria-label="Kafka CLI console" data-testid="console">
            <h2>{ "Console" }</h2>
            <pre class="transcript" aria-live="polite" data-testid="console-output">
                { for transcript.iter().map(|(command, result)| html! {
                    <>
                        <span class="prompt">{ format!("$ {command}\n") }</span>
                        { match result {
                            Ok(text) => html! { <span>{ text }</span> },
                            Err(text) => html! { <span class="failed">{ format!("{text}\n") }</span> },
                        } }
                    </>
                }) }
            </pre>
            <form {onsubmit}>
                <input class="command" value={line.value.clone()} oninput={line.oninput.clone()}
                    aria-label="Command" spellcheck="false" data-testid="console-input"
                    placeholder="kafka-topics.sh --bootstrap-server localhost:9092 --list" />
            </form>
        </section>
    }
}
