//! A console producer: one record at a time with a chosen acks, and the outcome of each send
//! (offset, or Kafka's error) as the client saw it.

use crate::hooks::use_field::use_field;
use kafka_sim::client::Operation;
use kafka_sim::{Outcome, Request};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Properties of [`ProduceForm`].
#[derive(Properties, PartialEq)]
pub struct ProduceFormProps {
    /// Topics to choose from.
    pub topics: Vec<String>,
    /// Sends a Produce request.
    pub on_send: Callback<Request>,
    /// The newest operations, newest first.
    pub operations: Vec<Operation>,
}

/// A produce form and its results.
#[function_component(ProduceForm)]
pub fn produce_form(props: &ProduceFormProps) -> Html {
    let topic = use_node_ref();
    let acks = use_node_ref();
    let key = use_field("");
    let value = use_field("");
    let counter = use_state(|| 1_u32);
    let onsubmit = {
        let (topic, acks, on_send, counter) = (
            topic.clone(),
            acks.clone(),
            props.on_send.clone(),
            counter.clone(),
        );
        let (key, value, clear_value) = (key.value.clone(), value.value.clone(), value.set.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let select = |r: &NodeRef| {
                r.cast::<HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default()
            };
            on_send.emit(Request::Produce {
                topic: select(&topic),
                partition: None,
                key: (!key.is_empty()).then(|| key.clone()),
                value: if value.is_empty() {
                    format!("record-{}", *counter)
                } else {
                    value.clone()
                },
                acks: select(&acks).parse().unwrap_or(-1),
            });
            counter.set(*counter + 1);
            clear_value.emit(String::new());
        })
    };
    html! {
        <form class="produce-form" {onsubmit} aria-label="Produce" data-testid="produce-form">
            <h2>{ "Produce" }</h2>
            if props.topics.is_empty() {
                <p class="empty">{ "Create a topic first." }</p>
            } else {
                <label>{ "topic" }
                    <select ref={topic} data-testid="produce-topic">
                        { for props.topics.iter().map(|t| html! { <option value={t.clone()}>{ t }</option> }) }
                    </select>
                </label>
                <label>{ "key" }<input value={key.value.clone()} oninput={key.oninput.clone()} placeholder="null (partition 0)" data-testid="produce-key" /></label>
                <label>{ "value" }<input value={value.value.clone()} oninput={value.oninput.clone()} placeholder={format!("record-{}", *counter)} data-testid="produce-value" /></label>
                <label>{ "acks" }
                    <select ref={acks} data-testid="produce-acks">
                        <option value="-1" selected=true>{ "all" }</option>
                        <option value="1">{ "1" }</option>
                        <option value="0">{ "0" }</option>
                    </select>
                </label>
                <button class="primary" type="submit" data-testid="produce-send">{ "Send" }</button>
            }
            <ol class="operations" aria-live="polite">
                { for props.operations.iter().map(|op| html! {
                    <li data-testid="operation" class={outcome_class(&op.outcome)}>{ describe(op) }</li>
                }) }
            </ol>
        </form>
    }
}

fn outcome_class(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pending => "pending",
        Outcome::Failed { .. } | Outcome::Exception { .. } => "failed",
        _ => "ok",
    }
}

fn describe(op: &Operation) -> String {
    let what = match &op.request {
        Request::Produce {
            topic, value, acks, ..
        } => format!(
            "{value} → {topic} (acks={})",
            if *acks == -1 {
                "all".to_owned()
            } else {
                acks.to_string()
            }
        ),
        Request::Fetch {
            topic,
            partition,
            offset,
        } => format!("fetch {topic}-{partition} from {offset}"),
        Request::Send { topic, value, .. } => {
            format!("{} → {topic}", value.as_deref().unwrap_or("null"))
        }
    };
    let result = match &op.outcome {
        Outcome::Pending => "waiting…".to_owned(),
        Outcome::Sent { partition } => {
            format!("sent to partition {partition}, no acknowledgement (acks=0)")
        }
        Outcome::Acked { partition, offset } => {
            format!("acknowledged at partition {partition}, offset {offset}")
        }
        Outcome::Fetched {
            records,
            high_watermark,
        } => format!("{} record(s), HW {high_watermark}", records.len()),
        Outcome::Exception { message } => message.clone(),
        Outcome::Failed { error, message } => match message {
            Some(m) => format!("{error}: {m}"),
            None => error.to_string(),
        },
    };
    format!("{} {what}: {result}", op.invoked_at)
}
