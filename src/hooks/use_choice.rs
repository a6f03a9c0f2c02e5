//! A `<select>` whose choice lives in component state. The page re-renders many times a second
//! while time runs; a select left to the DOM was seen showing its first option again after a
//! re-render while the form still held another, so what the user saw and what was sent differed.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The chosen value and the handler that keeps it in sync with the select.
#[derive(Clone, PartialEq)]
pub struct Choice {
    /// The last option chosen (or the initial one); see [`Choice::among`] for lists that change.
    pub value: String,
    /// Attach as `onchange`.
    pub onchange: Callback<Event>,
}

impl Choice {
    /// The value the select shows among `options`: the chosen one while it is still offered,
    /// else the first (a list of topics or producers may change under a choice).
    pub fn among<'a>(&self, mut options: impl Iterator<Item = &'a str>) -> String {
        let mut first = None;
        for option in options.by_ref() {
            if option == self.value {
                return self.value.clone();
            }
            first.get_or_insert(option);
        }
        first.unwrap_or_default().to_owned()
    }
}

/// A choice starting at `initial`.
#[hook]
pub fn use_choice(initial: &str) -> Choice {
    let state = use_state(|| initial.to_owned());
    let onchange = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            state.set(select.value());
        })
    };
    Choice {
        value: (*state).clone(),
        onchange,
    }
}

/// Properties of [`ChoiceSelect`].
#[derive(Properties, PartialEq)]
pub struct ChoiceSelectProps {
    /// The state behind the select.
    pub choice: Choice,
    /// `(value, label)` pairs, in order.
    pub options: Vec<(String, String)>,
    /// `data-testid` of the select.
    #[prop_or_default]
    pub testid: AttrValue,
    /// Tooltip.
    #[prop_or_default]
    pub title: Option<AttrValue>,
}

/// A select that always shows its [`Choice`].
#[function_component(ChoiceSelect)]
pub fn choice_select(props: &ChoiceSelectProps) -> Html {
    let current = props
        .choice
        .among(props.options.iter().map(|(value, _)| value.as_str()));
    html! {
        <select onchange={props.choice.onchange.clone()} data-testid={props.testid.clone()} title={props.title.clone()}>
            { for props.options.iter().map(|(value, label)| html! {
                <option value={value.clone()} selected={*value == current}>{ label }</option>
            }) }
        </select>
    }
}

/// Options whose labels are their values.
pub fn plain<S: AsRef<str>>(values: &[S]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| (v.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect()
}

/// Options from `(value, label)` string pairs.
pub fn labelled(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}
