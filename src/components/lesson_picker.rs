//! The lesson picker: the first thing a new visitor sees, and what the toolbar's Lessons button
//! opens. A dialog, so Esc closes it and focus stays inside while it is open. A second tab lists
//! the challenges: goals without steps, judged from the run's history.

use crate::components::modal::Modal;
use crate::lessons::challenges::Challenge;
use crate::lessons::{Lang, Lesson};
use std::rc::Rc;
use yew::prelude::*;

/// Properties of [`LessonPicker`].
#[derive(Properties, PartialEq)]
pub struct LessonPickerProps {
    /// The lessons, in order.
    pub lessons: Rc<Vec<Lesson>>,
    /// Ids of the lessons the reader finished.
    pub finished: Vec<String>,
    /// The language of titles and summaries.
    pub lang: Lang,
    /// Start a lesson, by id.
    pub on_open: Callback<String>,
    /// The challenges, in order.
    pub challenges: Rc<Vec<Challenge>>,
    /// Ids of the challenges the reader met.
    pub met: Vec<String>,
    /// Start a challenge, by id.
    pub on_challenge: Callback<String>,
    /// Close without choosing (also Esc).
    pub on_close: Callback<()>,
}

/// Lists the lessons (or the challenges); choosing one starts it as a new run.
#[function_component(LessonPicker)]
pub fn lesson_picker(props: &LessonPickerProps) -> Html {
    let lang = props.lang;
    let challenges_tab = use_state(|| false);
    let close = props.on_close.reform(|_: MouseEvent| ());
    // ARIA's tabs pattern: one Tab stop (the selected tab); the arrow keys, Home and End
    // select and focus the other.
    let tab_refs = [use_node_ref(), use_node_ref()];
    let tab = |challenges: bool, label: &str, testid: &str| {
        let state = challenges_tab.clone();
        let select = state.clone();
        let refs = tab_refs.clone();
        let onkeydown = Callback::from(move |event: KeyboardEvent| {
            let to = match event.key().as_str() {
                "ArrowLeft" | "ArrowRight" => !challenges,
                "Home" => false,
                "End" => true,
                _ => return,
            };
            event.prevent_default();
            select.set(to);
            if let Some(button) = refs[usize::from(to)].cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
        let selected = *challenges_tab == challenges;
        html! {
            <button role="tab" class="picker-tab" aria-selected={selected.to_string()}
                tabindex={if selected { "0" } else { "-1" }} ref={tab_refs[usize::from(challenges)].clone()}
                data-testid={testid.to_owned()} {onkeydown} onclick={Callback::from(move |_: MouseEvent| state.set(challenges))}>
                { label.to_owned() }
            </button>
        }
    };
    let finished = props
        .lessons
        .iter()
        .filter(|lesson| props.finished.contains(&lesson.id))
        .count();
    let lessons = html! {
        <>
            <p>{ "Each lesson starts a new run, tells you what to do or watch, and waits for the simulation to show it. Your current run stays under Runs." }</p>
            if finished > 0 {
                <p class="lesson-tally" data-testid="lesson-tally">
                    { format!("✓ {finished} of {} finished", props.lessons.len()) }
                </p>
            }
            <ol class="lesson-list" lang={lang.code()}>
                { for props.lessons.iter().map(|lesson| {
                    let id = lesson.id.clone();
                    let done = props.finished.contains(&lesson.id);
                    let open = props.on_open.reform(move |_: MouseEvent| id.clone());
                    html! {
                        <li>
                            <button class={classes!("lesson-choice", done.then_some("finished"))} onclick={open}
                                data-testid="lesson-choice" data-lesson={lesson.id.clone()}>
                                <strong>
                                    { lang.pick(&lesson.title) }
                                    if done { <span class="lesson-finished">{ " ✓ finished" }</span> }
                                </strong>
                                <span class="lesson-summary">{ lang.pick(&lesson.summary) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
        </>
    };
    let challenges = html! {
        <>
            <p>{ "A challenge sets up a cluster and leaves the rest to you. The simulation judges your run from its history (the checker, the operations, the events) and shows how you met the goal." }</p>
            <ul class="lesson-list" lang={lang.code()}>
                { for props.challenges.iter().map(|challenge| {
                    let id = challenge.id.clone();
                    let met = props.met.contains(&challenge.id);
                    let open = props.on_challenge.reform(move |_: MouseEvent| id.clone());
                    html! {
                        <li>
                            <button class="lesson-choice" onclick={open} data-testid="challenge-choice" data-challenge={challenge.id.clone()}>
                                <strong>{ lang.pick(&challenge.title) }</strong>
                                if met { <span class="lesson-finished">{ " ✓ met" }</span> }
                                <span class="lesson-summary">{ lang.pick(&challenge.summary) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </>
    };
    html! {
        <Modal title="Lessons: Kafka, shown by the simulation" on_close={props.on_close.clone()} testid="lesson-picker" greets=true>
            <div class="picker-tabs" role="tablist">
                { tab(false, "Lessons", "picker-lessons") }
                { tab(true, "Challenges", "picker-challenges") }
            </div>
            { if *challenges_tab { challenges } else { lessons } }
            <div class="modal-actions">
                <button onclick={close} data-testid="lesson-picker-close" autofocus=true>{ "Close, explore freely" }</button>
            </div>
        </Modal>
    }
}
