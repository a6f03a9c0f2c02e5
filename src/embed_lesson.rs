//! The lesson an embed opened (`lesson=`), walked inside the frame alone: its step and language
//! live in the component, never in the reader's stored lesson progress, so several embeds of
//! one lesson and the reader's own lesson in the full page never move each other. A read-only
//! embed shows the lesson's opening as a caption, since its steps act on the cluster.

use crate::components::lesson_panel::LessonPanel;
use crate::embed_view::lesson_caption;
use crate::lessons::{self, Lang};
use crate::sim_handle::SimHandle;
use kafka_sim::{Command, SimTime};
use yew::prelude::*;

/// Properties of [`EmbedLesson`].
#[derive(Properties, PartialEq)]
pub struct EmbedLessonProps {
    /// The lesson's id.
    pub id: AttrValue,
    /// The run the lesson's conditions are checked on.
    pub sim: SimHandle,
    /// The clock, so the panel re-checks its condition as time moves.
    pub now: SimTime,
    /// Applies a step's commands (and "Show me").
    pub on_command: Callback<Command>,
    /// A run being rebuilt holds the buttons.
    pub busy: bool,
    /// Only the caption, no steps.
    pub readonly: bool,
}

/// The embed's own lesson panel.
#[function_component(EmbedLesson)]
pub fn embed_lesson(props: &EmbedLessonProps) -> Html {
    let lesson = use_memo(props.id.clone(), |id| lessons::find(id));
    let step = use_state(|| 0_usize);
    let reached = use_mut_ref(|| 0_usize);
    let met = use_mut_ref(|| None::<usize>);
    let lang = use_state(Lang::from_browser);
    let closed = use_state(|| false);
    let Some(lesson) = (*lesson).clone() else {
        return Html::default();
    };
    if props.readonly {
        return lesson_caption(Some(&props.id));
    }
    if *closed {
        return Html::default();
    }
    let on_step = {
        let (step, reached, on_command, lesson) = (
            step.clone(),
            reached.clone(),
            props.on_command.clone(),
            lesson.clone(),
        );
        Callback::from(move |to: usize| {
            // A step's commands apply once, the first time it is reached (the first step's
            // are in the lesson's run already).
            if to > *reached.borrow() {
                *reached.borrow_mut() = to;
                let commands = lesson.steps.get(to).map_or(&[][..], |s| &s.commands[..]);
                commands.iter().for_each(|c| on_command.emit(c.clone()));
            }
            step.set(to);
        })
    };
    let current = lesson.steps.get(*step);
    let on_show_me = {
        let (on_command, solution) = (
            props.on_command.clone(),
            current.map(|s| s.solution.clone()).unwrap_or_default(),
        );
        Callback::from(move |()| solution.iter().for_each(|c| on_command.emit(c.clone())))
    };
    // Once met, a step stays done: what it showed may pass quickly at high speed.
    let condition = current.and_then(|s| s.done.as_ref());
    let done = *met.borrow() == Some(*step) || condition.is_none_or(|c| props.sim.holds(c));
    if done {
        *met.borrow_mut() = Some(*step);
    }
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |chosen| lang.set(chosen))
    };
    let on_close = {
        let closed = closed.clone();
        Callback::from(move |_finished: bool| closed.set(true))
    };
    html! {
        <LessonPanel {lesson} step={*step} {done} lang={*lang} busy={props.busy}
            {on_step} {on_show_me} {on_lang} {on_close} />
    }
}
