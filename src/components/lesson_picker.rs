//! The lesson picker: the first thing a new visitor sees, and what the toolbar's Lessons button
//! opens. A dialog, so Esc closes it and focus stays inside while it is open.

use crate::components::modal::Modal;
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
    /// Close without choosing (also Esc).
    pub on_close: Callback<()>,
}

/// Lists the lessons; choosing one starts it as a new run.
#[function_component(LessonPicker)]
pub fn lesson_picker(props: &LessonPickerProps) -> Html {
    let lang = props.lang;
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <Modal title="Lessons: Kafka, shown by the simulation" on_close={props.on_close.clone()} testid="lesson-picker">
            <p>{ "Each lesson starts a new run, tells you what to do or watch, and waits for the simulation to show it. Your current run stays under Runs." }</p>
            <ol class="lesson-list" lang={lang.code()}>
                { for props.lessons.iter().map(|lesson| {
                    let id = lesson.id.clone();
                    let done = props.finished.contains(&lesson.id);
                    let open = props.on_open.reform(move |_: MouseEvent| id.clone());
                    html! {
                        <li>
                            <button class="lesson-choice" onclick={open} data-testid="lesson-choice" data-lesson={lesson.id.clone()}>
                                <strong>{ lang.pick(&lesson.title) }</strong>
                                if done { <span class="lesson-finished">{ " ✓ finished" }</span> }
                                <span class="lesson-summary">{ lang.pick(&lesson.summary) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ol>
            <div class="modal-actions">
                <button onclick={close} data-testid="lesson-picker-close" autofocus=true>{ "Close, explore freely" }</button>
            </div>
        </Modal>
    }
}
