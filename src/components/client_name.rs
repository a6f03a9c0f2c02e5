//! The name a form gives the client it adds. Lessons and challenges name their clients (`c1`,
//! `careful`, `bank-2`) and wait on them by name, so a reader who follows a step by hand types
//! the name the step says; left empty, the form takes the next default (`consumer-3`), which
//! the field shows as its placeholder.

use crate::hooks::use_field::Field;
use yew::prelude::*;

/// The first of `prefix-1`, `prefix-2`, ... that no client in `taken` is called: a reader may
/// have given one of them to an earlier client.
pub fn next_default<'a>(prefix: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    (1..)
        .map(|n| format!("{prefix}-{n}"))
        .find(|name| !taken.clone().any(|t| t == name))
        .expect("a free number")
}

/// What the reader typed, else `default`.
pub fn chosen(field: &Field, default: &str) -> String {
    match field.value.trim() {
        "" => default.to_owned(),
        typed => typed.to_owned(),
    }
}

/// The form's name field: empty shows `default`, which an empty field gives the client.
pub fn name_input(field: &Field, default: &str, testid: &'static str) -> Html {
    html! {
        <label title="The client's name in the playground (its client.id): how lessons, the console and the checker call it">{ "name" }
            <input value={field.value.clone()} oninput={field.oninput.clone()}
                placeholder={default.to_owned()} data-testid={testid} />
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(value: &str) -> Field {
        Field {
            value: value.to_owned(),
            oninput: Callback::noop(),
            set: Callback::noop(),
        }
    }

    #[test]
    fn the_default_is_the_first_number_no_client_has() {
        assert_eq!(next_default("consumer", [].into_iter()), "consumer-1");
        let taken = ["consumer-2", "c1", "consumer-1"];
        assert_eq!(next_default("consumer", taken.into_iter()), "consumer-3");
        assert_eq!(
            next_default("consumer", ["consumer-2"].into_iter()),
            "consumer-1"
        );
    }

    #[test]
    fn an_empty_field_takes_the_default_and_a_typed_name_wins() {
        assert_eq!(chosen(&field(""), "consumer-2"), "consumer-2");
        assert_eq!(chosen(&field("  "), "consumer-2"), "consumer-2");
        assert_eq!(chosen(&field(" c1 "), "consumer-2"), "c1");
    }
}
