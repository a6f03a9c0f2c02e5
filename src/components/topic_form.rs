//! The create-topic form: the fields of `kafka-topics.sh --create`, with Kafka's own error shown
//! inline when the controller refuses.

use super::client_name::chosen;
use crate::hooks::use_choice::{ChoiceSelect, plain, use_choice};
use crate::hooks::use_field::use_field;
use crate::sim_context::{Form, use_sim};
use kafka_sim::sorted::Collect;
use kafka_sim::topic::TopicConfig;
use kafka_sim::{Command, CreateTopic};
use yew::prelude::*;

/// What [`TopicForm`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct TopicFormProps {
    /// Sends the CreateTopics request.
    pub on_command: Callback<Command>,
    /// The controller's refusal of the last request, as Kafka words it.
    pub error: Option<String>,
    /// The name an empty name field creates (see [`free_name`]).
    pub default_name: String,
}

/// Names a first topic of a shop might have, in the order the form offers them.
const SUGGESTED: [&str; 4] = ["orders", "payments", "clicks", "shipments"];

/// The first suggested name no topic has, else `topic-N`: a lesson's scenario may already have
/// made `orders`, and a form that offers it again only earns TOPIC_ALREADY_EXISTS.
fn free_name<'a>(taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let free = |name: &str| !taken.clone().any(|t| t == name);
    match SUGGESTED.into_iter().find(|name| free(name)) {
        Some(name) => name.to_owned(),
        None => super::client_name::next_default("topic", taken),
    }
}

/// The topic form; editing an input clears the controller's refusal, which answered the input
/// as it was.
#[function_component(TopicForm)]
pub fn topic_form() -> Html {
    let sim = use_sim();
    let (actions, edited) = (&sim.actions, sim.actions.edited(Form::Topic));
    html! {
        <div class="form-slot" onchange={edited.clone()} oninput={edited.reform(Event::from)}>
            <Drawn on_command={actions.command(Form::Topic)} error={sim.error(Form::Topic)}
                default_name={free_name(sim.view.topics.iter().map(|t| t.name.as_str()))} />
        </div>
    }
}

/// Name, partitions, replication factor, min.insync.replicas, unclean election and the
/// cleanup policy.
#[function_component(Drawn)]
fn drawn(props: &TopicFormProps) -> Html {
    // A durable topic to start from (Kafka's own defaults, one partition on one replica, would
    // show nothing of replication); unclean election starts at the topic config's default.
    let name = use_field("");
    let partitions = use_field("3");
    let replication = use_field("3");
    let min_isr = use_field("2");
    let unclean = use_choice(
        &TopicConfig::default()
            .unclean_leader_election_enable
            .to_string(),
    );
    // Kafka's default, `delete`, is not sent: a topic made as before asks the same thing.
    let cleanup = use_choice("delete");
    let onsubmit = {
        let values = (
            chosen(&name, &props.default_name),
            partitions.value.clone(),
            replication.value.clone(),
            min_isr.value.clone(),
        );
        let (unclean, cleanup, on_create) = (
            unclean.value.clone(),
            cleanup.value.clone(),
            props.on_command.reform(Command::CreateTopic),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (name, partitions, replication, min_isr) = &values;
            // Kafka's CLI refuses what is not a number before sending; 0 lets the controller
            // answer with its own error for a non-positive value.
            let number = |text: &str| text.trim().parse::<i32>().unwrap_or(0);
            let policy =
                (cleanup != "delete").then(|| ("cleanup.policy".to_owned(), cleanup.clone()));
            let configs = [
                ("min.insync.replicas".to_owned(), min_isr.trim().to_owned()),
                ("unclean.leader.election.enable".to_owned(), unclean.clone()),
            ]
            .into_iter()
            .chain(policy)
            .collect_map();
            on_create.emit(CreateTopic {
                name: name.trim().to_owned(),
                partitions: number(partitions),
                replication_factor: number(replication),
                configs,
                replica_assignment: None,
            });
        })
    };
    html! {
        <form class="topic-form" {onsubmit} aria-label="Create topic" data-testid="topic-form">
            <h2>{ "Create topic" }</h2>
            <label title="Empty, the form creates the name it shows">{ "name" }<input value={name.value.clone()} oninput={name.oninput.clone()}
                placeholder={props.default_name.clone()} data-testid="topic-name" /></label>
            <label>{ "partitions" }<input type="number" value={partitions.value.clone()} oninput={partitions.oninput.clone()} data-testid="topic-partitions" /></label>
            <label>{ "replication factor" }<input type="number" value={replication.value.clone()} oninput={replication.oninput.clone()} data-testid="topic-rf" /></label>
            <label>{ "min.insync.replicas" }<input type="number" value={min_isr.value.clone()} oninput={min_isr.oninput.clone()} data-testid="topic-min-isr" /></label>
            <label>{ "unclean.leader.election.enable" }
                <ChoiceSelect choice={unclean} options={plain(&["false", "true"])} testid="topic-unclean" />
            </label>
            <label title="compact: the log cleaner keeps the latest record per key (records need keys)">{ "cleanup.policy" }
                <ChoiceSelect choice={cleanup} options={plain(&["delete", "compact", "compact,delete"])} testid="topic-cleanup" />
            </label>
            <button class="primary" type="submit" data-testid="topic-create">{ "Create" }</button>
            if let Some(error) = &props.error {
                <p class="error" role="alert" data-testid="topic-error">{ error }</p>
            }
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_name_is_one_no_topic_has() {
        assert_eq!(free_name([].into_iter()), "orders");
        assert_eq!(free_name(["orders", "clicks"].into_iter()), "payments");
        let taken = ["orders", "payments", "clicks", "shipments", "topic-1"];
        assert_eq!(free_name(taken.into_iter()), "topic-2");
    }
}
