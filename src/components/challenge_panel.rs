//! The open challenge: what to cause, a hint, and whether the shown run has met it; once met,
//! how (the events and operations the core found) and the configuration that made it possible.

use crate::lessons::Lang;
use crate::lessons::challenges::{Challenge, Met};
use yew::prelude::*;

/// Properties of [`ChallengePanel`].
#[derive(Properties, PartialEq)]
pub struct ChallengePanelProps {
    /// The challenge.
    pub challenge: Challenge,
    /// How it was met, once it is.
    pub met: Option<Met>,
    /// The language of the challenge's texts.
    pub lang: Lang,
    /// Leave the challenge (it stays met if it was).
    pub on_close: Callback<()>,
}

/// The challenge in progress.
#[function_component(ChallengePanel)]
pub fn challenge_panel(props: &ChallengePanelProps) -> Html {
    let lang = props.lang;
    let challenge = &props.challenge;
    let close = props.on_close.reform(|_: MouseEvent| ());
    let list = |lines: &[String], testid: &str| {
        html! {
            <ul class="challenge-lines" data-testid={testid.to_owned()}>
                { for lines.iter().map(|line| html! { <li>{ line.clone() }</li> }) }
            </ul>
        }
    };
    html! {
        <aside class="lesson-panel challenge-panel" aria-label="Challenge" data-testid="challenge-panel"
            data-challenge={challenge.id.clone()}>
            <div class="lesson-head">
                <h2 lang={lang.code()}>{ "Challenge: " }{ lang.pick(&challenge.title) }</h2>
                <button onclick={close} data-testid="challenge-close" aria-label="Leave the challenge">{ "✕" }</button>
            </div>
            <p class="lesson-text" lang={lang.code()} data-testid="challenge-summary">{ lang.pick(&challenge.summary) }</p>
            <p class="lesson-task" lang={lang.code()}>
                <strong>{ match lang { Lang::En => "Hint: ", Lang::Ko => "힌트: " } }</strong>
                { lang.pick(&challenge.hint) }
            </p>
            <p class={classes!("lesson-status", props.met.is_some().then_some("met"))} role="status" data-testid="challenge-status">
                if props.met.is_some() {
                    { format!("✓ met: {}", challenge.goal.describe()) }
                } else {
                    { format!("not met yet: {} (Play lets time run; the run is judged from its history)", challenge.goal.describe()) }
                }
            </p>
            if let Some(met) = &props.met {
                <details class="challenge-verdict" open=true>
                    <summary>{ "How the run met it" }</summary>
                    { list(&met.how, "challenge-how") }
                    <p class="challenge-config-title">{ "The configuration that made it possible" }</p>
                    { list(&met.configuration, "challenge-config") }
                </details>
            }
        </aside>
    }
}
