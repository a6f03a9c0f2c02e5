//! The parts of the page only an embed draws: a read-only wrapper around controls that change
//! the cluster, and the caption of the lesson it opened.

use crate::lessons::{self, Lang};
use yew::prelude::*;

/// In a read-only embed, `content`'s controls sit in a disabled fieldset: every button, input
/// and select in it is disabled by the browser, without each panel knowing about embeds. The
/// fieldset adds no box (style.css), so the layout stays as it is.
pub fn guard(readonly: bool, content: Html) -> Html {
    if readonly {
        html! { <fieldset class="readonly-controls" disabled=true>{ content }</fieldset> }
    } else {
        content
    }
}

/// The title and opening text of the lesson an embed opened (`lesson=`). The lesson's steps
/// and progress belong to the full page, which keeps them in the reader's browser.
pub fn lesson_caption(id: Option<&str>) -> Html {
    let Some(lesson) = id.and_then(lessons::find) else {
        return Html::default();
    };
    let lang = Lang::from_browser();
    let opening = lesson
        .steps
        .first()
        .map(|step| lang.pick(&step.text).to_owned());
    html! {
        <aside class="embed-lesson" lang={lang.code()} data-testid="embed-lesson">
            <strong>{ lang.pick(&lesson.title) }</strong>
            { for opening.map(|text| html! { <p>{ text }</p> }) }
        </aside>
    }
}
