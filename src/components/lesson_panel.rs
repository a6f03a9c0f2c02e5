//! The open lesson: the step's text, progress, Next/Back, "Show me", what the step waits for,
//! and an outline on the part of the page to look at, brought into sight. Only the lesson texts change language;
//! the rest of the page stays English.

use crate::components::elements;
use crate::focus;
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

/// Brings the first highlighted element into sight unless some of it is already between the
/// panel's foot and the window's: what the step (or "Show me") points at may be far down the
/// page. `scroll-padding-top` (set from the panel's height) keeps it from landing under the
/// sticky panel.
///
/// In a frame (an embed) it scrolls its own document only. `scrollIntoView` scrolls every
/// scrollable ancestor, and from a same-origin iframe that includes the documentation page
/// around it: each embedded lesson's first step pulled the reader down to its embed (the
/// newcomer's walk of the forty-second session found the demo page opening 3,500 px down).
/// An embed as tall as its content (`height="auto"`) has nothing of its own to scroll.
fn bring_into_sight(selector: Option<&str>, panel: &NodeRef) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(element) = selector.and_then(focus::first_match) else {
        return;
    };
    let top = panel
        .cast::<web_sys::Element>()
        .map_or(0.0, |p| p.get_bounding_client_rect().bottom().max(0.0));
    let bottom = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    let rect = element.get_bounding_client_rect();
    if rect.bottom() <= top || rect.top() >= bottom {
        if crate::embed_api::framed() {
            window.scroll_by_with_x_and_y(0.0, rect.top() - top);
        } else {
            element.scroll_into_view();
        }
    }
}

/// Moves the keyboard focus to the step's outlined part itself (made focusable for it): the
/// part a step names may be dozens of Tab stops away from the panel (the 480 px walk counted
/// 23 to the topic form), the next Tab reaches its first control, and `L` works at once
/// (in a text field it would type).
fn go_there(selector: &str) {
    let Some(part) = focus::first_match(selector) else {
        return;
    };
    if !part.has_attribute("tabindex") {
        let _ = part.set_attribute("tabindex", "-1");
    }
    focus::to(part);
}

/// Gives the open lesson's text the keyboard focus (the `L` key). False, leaving the key to
/// the page, when there is no lesson, its text is folded away, or a dialog is open (the page
/// behind it is inert).
pub fn focus_lesson_text() -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    if document
        .query_selector("dialog[open]")
        .ok()
        .flatten()
        .is_some()
    {
        return false;
    }
    let text = (document
        .query_selector(".lesson-panel:not(.folded) .lesson-text")
        .ok())
    .flatten()
    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    let Some(text) = text else {
        return false;
    };
    let _ = text.focus();
    document.active_element().as_ref() == Some(std::ops::Deref::deref(&text))
}

/// Keeps what the keyboard focuses and what [`bring_into_sight`] scrolls to below the sticky
/// panel, however tall its step's text makes it (a fixed padding let a long Korean step cover
/// the table it pointed at). A panel that is not sticky (a narrow screen, unfolded) needs none.
fn pad_scrolling_below(panel: &NodeRef) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let Some(panel) = panel.cast::<web_sys::HtmlElement>() else {
        return;
    };
    let sticky = web_sys::window()
        .and_then(|w| w.get_computed_style(&panel).ok().flatten())
        .and_then(|style| style.get_property_value("position").ok())
        .is_some_and(|position| position == "sticky");
    let padding = match sticky {
        // Room for the outline drawn around the highlighted part, too.
        true => format!("{}px", panel.offset_height() + 20),
        false => "0px".to_owned(),
    };
    if let Some(root) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&root) {
        let _ = root.style().set_property("scroll-padding-top", &padding);
    }
}

fn unpad_scrolling() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root
        .as_ref()
        .and_then(wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>)
    {
        let _ = root.style().remove_property("scroll-padding-top");
    }
}

/// The status line under a step with a condition.
fn status(condition: &str, done: bool, paused: bool, shown: bool, last: bool) -> String {
    match (done, paused, last) {
        (true, true, false) => {
            format!("✓ done: {condition}. Paused here so you can look; Next plays on.")
        }
        (true, true, true) => format!(
            "✓ done: {condition}. Paused here so you can look; Play runs on, Finish ends the lesson."
        ),
        (true, false, _) => format!("✓ done: {condition}"),
        (false, ..) if shown => {
            format!(
                "Done for you (see the outlined part). Waiting for: {condition} (Play lets time run)"
            )
        }
        (false, ..) => format!("waiting for: {condition} (Play lets time run)"),
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
    let panel = use_node_ref();
    // "Show me" was used on this step: once is enough (twice would do the task twice).
    let shown = use_state(|| None::<usize>);
    let folded = use_state(|| false);
    {
        // After the highlight above is on: the step's part of the page, brought into sight.
        let (selector, panel) = (step.highlight.clone(), panel.clone());
        use_effect_with((index, *folded, lang), move |_| {
            pad_scrolling_below(&panel);
            bring_into_sight(selector.as_deref(), &panel);
            // Gone with the panel: the page without a lesson scrolls as it always did.
            || unpad_scrolling()
        });
    }
    {
        // Back or Next: the new step's text takes the focus. Next is disabled until the new
        // step is done, and a focused button that becomes disabled drops the focus to the
        // page's start, where a keyboard or screen reader user loses their place. On opening
        // only when nothing has the focus (the picker that started the lesson is gone): the
        // lesson may open with the page, which keeps its own focus then. Never on opening in
        // a frame (an embed): the documentation page around it keeps the reader's focus (and a
        // focused element is scrolled into sight, the documentation page with it).
        let (text, shown) = (text.clone(), use_mut_ref(|| None::<usize>));
        use_effect_with(index, move |&index| {
            let moved = match shown.borrow_mut().replace(index) {
                Some(before) => before != index,
                None => focus::is_nowhere() && !crate::embed_api::framed(),
            };
            if moved && let Some(text) = text.cast::<web_sys::HtmlElement>() {
                let _ = text.focus();
            }
        });
    }
    // A new step's text is what to read first (and where the focus goes): unfolded. A step
    // come back to (Back rewinds the run to its beginning) has not been shown yet.
    let leave = {
        let (folded, shown) = (folded.clone(), shown.clone());
        move || {
            folded.set(false);
            shown.set(None);
        }
    };
    // The step Back went to: its panel says that the run went back too, which a newcomer
    // does not expect (their later work is gone from the cluster, though not from the run).
    let went_back = use_state(|| None::<usize>);
    let back = {
        let (on_step, leave, went_back) = (props.on_step.clone(), leave.clone(), went_back.clone());
        Callback::from(move |_: MouseEvent| {
            leave();
            went_back.set(Some(index.saturating_sub(1)));
            on_step.emit(index.saturating_sub(1))
        })
    };
    let next = {
        let (on_step, on_close) = (props.on_step.clone(), props.on_close.clone());
        Callback::from(move |_: MouseEvent| {
            leave();
            if last {
                on_close.emit(true)
            } else {
                on_step.emit(index + 1)
            }
        })
    };
    let show_me = {
        let (on_show_me, shown, panel) = (props.on_show_me.clone(), shown.clone(), panel.clone());
        let selector = step.highlight.clone();
        Callback::from(move |_: MouseEvent| {
            on_show_me.emit(());
            shown.set(Some(index));
            bring_into_sight(selector.as_deref(), &panel);
        })
    };
    let shown = *shown == Some(index);
    // Only for a part the page shows (an embed may leave the step's panel out).
    let go = (step.highlight.clone())
        .filter(|selector| focus::first_match(selector).is_some())
        .map(|selector| {
            let panel = panel.clone();
            Callback::from(move |_: MouseEvent| {
                bring_into_sight(Some(&selector), &panel);
                go_there(&selector);
            })
        });
    let fold = {
        let folded = folded.clone();
        Callback::from(move |_: MouseEvent| folded.set(!*folded))
    };
    let close = props.on_close.reform(|_: MouseEvent| false);
    let other = match lang {
        Lang::En => Lang::Ko,
        Lang::Ko => Lang::En,
    };
    let switch = props.on_lang.reform(move |_: MouseEvent| other);
    html! {
        <aside class={classes!("lesson-panel", folded.then_some("folded"))} aria-label="Lesson"
            data-testid="lesson-panel" data-lesson={lesson.id.clone()} ref={panel}>
            <div class="lesson-head">
                <h2 lang={lang.code()}>{ lang.pick(&lesson.title) }</h2>
                <span class="lesson-progress" data-testid="lesson-progress">
                    { format!("step {} of {}", index + 1, lesson.steps.len()) }
                </span>
                <button onclick={switch} data-testid="lesson-lang"
                    aria-label={match other { Lang::Ko => "Show the lesson in Korean", Lang::En => "Show the lesson in English" }}>
                    { match other { Lang::Ko => "한국어", Lang::En => "English" } }
                </button>
                <button onclick={fold} data-testid="lesson-fold" aria-expanded={(!*folded).to_string()}
                    aria-label={if *folded { "Show the step's text" } else { "Fold the step's text away" }}
                    title={if *folded { "Show the step's text" } else { "Fold the step's text away (the panel takes less room)" }}>
                    { if *folded { "▸" } else { "▾" } }
                </button>
                <button onclick={close} data-testid="lesson-close" aria-label="Leave the lesson">{ "✕" }</button>
            </div>
            <p class="lesson-text" lang={lang.code()} data-testid="lesson-text" tabindex="-1" aria-keyshortcuts="L" ref={text}>{ lang.pick(&step.text) }</p>
            if *went_back == Some(index) {
                <p class="lesson-note" lang={lang.code()} data-testid="lesson-back-note">{ match lang {
                    Lang::En => "Back: the cluster is as it was when this step began. What came after stays ahead on the timeline: Play replays it, and anything you do now replaces it.",
                    Lang::Ko => "뒤로: 클러스터가 이 단계를 시작했을 때로 돌아갔습니다. 그 뒤에 일어난 일은 타임라인 앞쪽에 남아 있어, 재생하면 다시 일어나고 지금 무언가를 하면 그것으로 바뀝니다.",
                } }</p>
            }
            if let Some(task) = &step.task {
                <p class="lesson-task" lang={lang.code()} data-testid="lesson-task">
                    <strong>{ match lang { Lang::En => "Your turn: ", Lang::Ko => "해 보세요: " } }</strong>
                    { lang.pick(task) }
                </p>
            }
            if let Some(condition) = &step.done {
                <p class={classes!("lesson-status", props.done.then_some("met"))} role="status" data-testid="lesson-status">
                    { status(&condition.describe(), props.done, props.paused, shown, last) }
                </p>
            }
            <div class="lesson-actions">
                if let Some(go) = go {
                    <button onclick={go} data-testid="lesson-go-there"
                        title="Move the keyboard focus to the outlined part of the page (Tab goes on into it); the L key, outside a text field, brings it back to the step's text">{ "Go there" }</button>
                }
                <button onclick={back} disabled={props.busy || index == 0} data-testid="lesson-back"
                    title="Back to the previous step, and the cluster to where that step began">{ "Back" }</button>
                if !step.solution.is_empty() {
                    <button onclick={show_me} disabled={props.busy || props.done || shown} data-testid="lesson-show-me"
                        title="Do this step's task for me">{ "Show me" }</button>
                }
                <button class="primary" onclick={next} disabled={props.busy || !props.done} data-testid="lesson-next">
                    { if last { "Finish" } else { "Next" } }
                </button>
            </div>
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::status;

    #[test]
    fn the_status_says_what_the_button_under_it_does() {
        let said = |done, paused, shown, last| status("topic t exists", done, paused, shown, last);
        assert!(said(true, true, false, false).ends_with("Next plays on."));
        // The last step's button is Finish, which ends the lesson and leaves the clock alone.
        let last = said(true, true, false, true);
        assert!(!last.contains("Next"), "{last}");
        assert!(last.contains("Finish ends the lesson"), "{last}");
        assert_eq!(said(true, false, true, true), "✓ done: topic t exists");
        assert!(said(false, false, true, false).starts_with("Done for you"));
        assert!(said(false, true, false, false).starts_with("waiting for: topic t exists"));
    }
}
