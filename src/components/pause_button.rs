//! Pause and resume of a whole process (`kill -STOP` / `kill -CONT`, or a long GC pause), one
//! button for the broker card and the client cards so that every card says it the same way.

use kafka_sim::Command;
use yew::prelude::*;

/// The process a [`PauseButton`] freezes.
#[derive(Clone, Debug, PartialEq)]
pub enum Process {
    /// A broker, by `node.id`.
    Broker(u32),
    /// A producer, consumer or client, by name.
    Client(String),
}

/// Properties of [`PauseButton`].
#[derive(Properties, PartialEq)]
pub struct PauseButtonProps {
    /// What it pauses.
    pub process: Process,
    /// Whether that process is paused now.
    pub paused: bool,
    /// A process that is down cannot be paused.
    #[prop_or_default]
    pub disabled: bool,
    /// Sends the command to the core.
    pub on_command: Callback<Command>,
}

/// "Pause" on a running process, "Resume" on a paused one.
#[function_component(PauseButton)]
pub fn pause_button(props: &PauseButtonProps) -> Html {
    let (process, paused) = (props.process.clone(), props.paused);
    let who = match &process {
        Process::Broker(id) => format!("broker {id}"),
        Process::Client(name) => name.clone(),
    };
    let onclick = props
        .on_command
        .reform(move |_: MouseEvent| match (process.clone(), paused) {
            (Process::Broker(broker), false) => Command::PauseBroker { broker },
            (Process::Broker(broker), true) => Command::ResumeBroker { broker },
            (Process::Client(name), false) => Command::PauseClient { name },
            (Process::Client(name), true) => Command::ResumeClient { name },
        });
    let (label, title) = if paused {
        (
            "Resume",
            "kill -CONT: it wakes with the state it had and acts on it until someone tells it otherwise",
        )
    } else {
        (
            "Pause",
            "kill -STOP, or a long GC pause: the whole process freezes, heartbeats included; what reaches it waits in its sockets",
        )
    };
    html! {
        <button {onclick} disabled={props.disabled} title={title}
            class={classes!("pause", paused.then_some("paused"))}
            data-testid={if paused { "resume-process" } else { "pause-process" }}
            aria-label={format!("{label} {who}")}>{ label }</button>
    }
}

/// The mark a paused process's card carries.
pub fn paused_badge(paused: bool) -> Html {
    if paused {
        html! { <span class="badge paused" data-testid="paused" title="Its process is frozen (kill -STOP)">{ "paused" }</span> }
    } else {
        Html::default()
    }
}
