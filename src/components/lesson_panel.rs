//! The open lesson: the step's text, progress, Next/Back, "Show me", what the step waits for,
//! and an outline on the part of the page to look at. Only the lesson texts change language;
//! the rest of the page stays English.

use crate::components::elements;
use crate::lessons::{Lang, Lesson};
use yew::prelude::*;

/// The attribute that outlines the highlighted part of the page (see www/style.css): an
/// attribute rather than a class, so the page's own class updates never remove it.
const HIGHLIGHT: &str = "data-lesson-highlight";

/// Properties of [`LessonPanel`].
#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    /// The lesson.
    pub lesson: Lesson,
    /// The step shown (0-based).
    pub step: usize,
    /// Whether the step's condition holds (true for a step without one).
    pub done: bool,
    /// The page paused the clock when the step was done (Next plays on).
    #[prop_or_default]
    pub paused: bool,
    /// The language of the lesson texts.
    pub lang: Lang,
    /// Acting is paused while a run is being rebuilt.
    pub busy: bool,
    /// Go to a step (Back and Next).
    pub on_step: Callback<usize>,
    /// Apply the step's solution.
    pub on_show_me: Callback<()>,
    /// Switch the language.
    pub on_lang: Callback<Lang>,
    /// Finish or leave the lesson (`true` when finished).
    pub on_close: Callback<bool>,
}

fn set_highlight(selector: Option<&str>, on: bool) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(selector) = selector else {
        return;
    };
    // A selector a lesson got wrong highlights nothing rather than failing.
    for element in elements(document.query_selector_all(selector)) {
        let _ = if on {
            element.set_attribute(HIGHLIGHT, "")
        } else {
            element.remove_attribute(HIGHLIGHT)
        };
    }
}

/// The lesson in progress.
#[function_component(LessonPanel)]
pub fn lesson_panel(props: &LessonPanelProps) -> Html {
    let lang = props.lang;
    let lesson = &props.lesson;
    let index = props.step.min(lesson.steps.len().saturating_sub(1));
    let step = &lesson.steps[index];
    let last = index + 1 == lesson.steps.len();
    {
        // Re-applied after every render: the page redraws parts of itself while time runs.
        let selector = step.highlight.clone();
        use_effect(move || {
            set_highlight(selector.as_deref(), true);
            move || set_highlight(selector.as_deref(), false)
        });
    }
    let text = use_node_ref();
    {
        // Back or Next: the new step's text takes the focus. Next is disabled until the new
        // step is done, and a focused button that becomes disabled drops the focus to the
        // page's start, where a keyboard or screen reader user loses their place. Not on
        // opening: the lesson may open with the page, which keeps its own focus then.
        let (text, shown) = (text.clone(), use_mut_ref(|| index));
        use_effect_with(index, move |&index| {
            if std::mem::replace(&mut *shown.borrow_mut(), index) != index
                && let Some(text) = text.cast::<web_sys::HtmlElement>()
            {
                let _ = text.focus();
            }
        });
    }
    let back = props
        .on_step
        .reform(move |_: MouseEvent| index.saturating_sub(1));
    let next = {
        let (on_step, on_close) = (props.on_step.clone(), props.on_close.clone());
        Callback::from(move |_: MouseEvent| {
            if last {
                on_close.emit(true)
            } else {
                on_step.emit(index + 1)
            }
        })
    };
    let show_me = props.on_show_me.reform(|_: MouseEvent| ());
    let close = props.on_close.reform(|_: MouseEvent| false);
    let other = match lang {
        Lang::En => Lang::Ko,
        Lang::Ko => Lang::En,
    };
    let switch = props.on_lang.reform(move |_: MouseEvent| other);
    html! {
        <aside class="lesson-panel" aria-label="Lesson" data-testid="lesson-panel" data-lesson={lesson.id.clone()}>
            <div class="lesson-head">
                <h2 lang={lang.code()}>{ lang.pick(&lesson.title) }</h2>
                <span class="lesson-progress" data-testid="lesson-progress">
                    { format!("step {} of {}", index + 1, lesson.steps.len()) }
                </span>
                <button onclick={switch} data-testid="lesson-lang"
                    aria-label={match other { Lang::Ko => "Show the lesson in Korean", Lang::En => "Show the lesson in English" }}>
                    { match other { Lang::Ko => "한국어", Lang::En => "English" } }
                </button>
                <button onclick={close} data-testid="lesson-close" aria-label="Leave the lesson">{ "✕" }</button>
            </div>
            <p class="lesson-text" lang={lang.code()} data-testid="lesson-text" tabindex="-1" ref={text}>{ lang.pick(&step.text) }</p>
            if let Some(task) = &step.task {
                <p class="lesson-task" lang={lang.code()} data-testid="lesson-task">
                    <strong>{ match lang { Lang::En => "Your turn: ", Lang::Ko => "해 보세요: " } }</strong>
                    { lang.pick(task) }
                </p>
            }
            if let Some(condition) = &step.done {
                <p class={classes!("lesson-status", props.done.then_some("met"))} role="status" data-testid="lesson-status">
                    if props.done && props.paused {
                        { format!("✓ done: {}. Paused here so you can look; Next plays on.", condition.describe()) }
                    } else if props.done {
                        { format!("✓ done: {}", condition.describe()) }
                    } else {
                        { format!("waiting for: {} (Play lets time run)", condition.describe()) }
                    }
                </p>
            }
            <div class="lesson-actions">
                <button onclick={back} disabled={index == 0} data-testid="lesson-back">{ "Back" }</button>
                if !step.solution.is_empty() {
                    <button onclick={show_me} disabled={props.busy || props.done} data-testid="lesson-show-me"
                        title="Do this step's task for me">{ "Show me" }</button>
                }
                <button class="primary" onclick={next} disabled={props.busy || !props.done} data-testid="lesson-next">
                    { if last { "Finish" } else { "Next" } }
                </button>
            </div>
        </aside>
    }
}
