//! The lesson an embed opened (`lesson=`), walked inside the frame alone: its step and language
//! live in the component, never in the reader's stored lesson progress, so several embeds of
//! one lesson and the reader's own lesson in the full page never move each other. A read-only
//! embed shows the lesson's opening as a caption, since its steps act on the cluster.

use crate::components::lesson_panel::LessonPanel;
use crate::embed_view::lesson_caption;
use crate::lesson_walk::{self, Met};
use crate::lessons::{self, Lang};
use crate::sim_handle::{Moment, SimHandle};
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
    /// Jumps the run (Back goes to where its step began).
    pub on_seek: Callback<Moment>,
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
    let entered = use_mut_ref(Vec::<Moment>::new);
    let met = use_mut_ref(Met::<usize>::default);
    let lang = use_state(Lang::from_browser);
    let closed = use_state(|| false);
    // Where the run stood at the last draw not in a jump (see `lesson_walk::Seen`).
    let seen = use_mut_ref(lesson_walk::Seen::default);
    let follow_to = (*lesson).as_ref().and_then(|lesson| {
        let walked = (&lesson.steps[..], &entered.borrow()[..]);
        seen.borrow_mut()
            .follow(&props.sim, props.busy, walked, *step)
    });
    {
        let step = step.clone();
        use_effect_with(follow_to, move |&to| {
            if let Some(to) = to {
                step.set(to);
            }
        });
    }
    let Some(lesson) = (*lesson).clone() else {
        return Html::default();
    };
    if props.readonly {
        return lesson_caption(Some(&props.id));
    }
    if *closed {
        return Html::default();
    }
    if entered.borrow().is_empty() {
        // The first step's commands are in the lesson's run already.
        entered.borrow_mut().push(lessons::opening(&lesson));
    }
    let on_step = {
        let (step, entered, lesson) = (step.clone(), entered.clone(), lesson.clone());
        let (sim, on_command, on_seek) = (
            props.sim.clone(),
            props.on_command.clone(),
            props.on_seek.clone(),
        );
        Callback::from(move |to: usize| {
            let moves = (*step, to);
            let walked = lesson_walk::go(
                &sim,
                &lesson.steps,
                &entered.borrow(),
                moves,
                &on_command,
                &on_seek,
            );
            *entered.borrow_mut() = walked.1;
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
    let condition = current.and_then(|s| s.done.as_ref());
    // Not judged mid-jump: a world half replayed is at no moment the reader asked for.
    let (done, _) = met.borrow_mut().judge(*step, props.sim.moment(), || {
        condition.is_none_or(|c| !props.busy && props.sim.holds(c))
    });
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
