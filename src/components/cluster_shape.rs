//! Changing a running cluster's shape: add a broker (the next id; it registers and is
//! unfenced, and hosts nothing until a reassignment moves partitions onto it, as in Kafka) and
//! reassign one partition's replicas, as `kafka-reassign-partitions.sh --execute` does with a
//! one-partition plan. The console runs the tool itself for larger plans, `--verify`,
//! `--cancel` and `--list`.

use crate::session::{MAX_PAGE_BROKERS, RackLayout};
use crate::sim_context::{Form, use_sim};
use kafka_sim::Reassignment;
use kafka_sim::{BrokerView, Command};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What [`ClusterShape`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct ClusterShapeProps {
    /// The brokers (the next one's id and rack follow from them).
    pub brokers: Vec<BrokerView>,
    /// The topics, with their partition counts.
    pub topics: Vec<(String, usize)>,
    /// Sends AddBroker or AlterPartitionReassignments to the core.
    pub on_command: Callback<Command>,
    /// Kafka's refusal of the last request, if any.
    #[prop_or_default]
    pub error: Option<String>,
    /// The console is on the page (an embed may leave it out): the hint points to it.
    pub console: bool,
}

/// Reads `4,2,3` (spaces allowed) as broker ids; the controller judges whether they exist.
fn broker_list(text: &str) -> Result<Vec<u32>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<u32>()
                .map_err(|_| format!("{part:?} is not a broker id"))
        })
        .collect()
}

/// Adding a broker and reassigning a partition, on the run shown.
#[function_component(ClusterShape)]
pub fn cluster_shape() -> Html {
    let sim = use_sim();
    let topics: Vec<(String, usize)> = (sim.view.topics.iter())
        .map(|t| (t.name.clone(), t.partitions.len()))
        .collect();
    html! {
        <Drawn brokers={sim.view.brokers.clone()} {topics}
            console={sim.params.panels.shows(crate::embed_params::Panel::Console)}
            on_command={sim.actions.command(Form::Shape)} error={sim.error(Form::Shape)} />
    }
}

/// The "Add broker" action and the one-partition reassignment form.
#[function_component(Drawn)]
fn drawn(props: &ClusterShapeProps) -> Html {
    let view = props;
    let next_id = view.brokers.iter().map(|b| b.id).max().unwrap_or(0) + 1;
    let full = view.brokers.len() as u32 >= MAX_PAGE_BROKERS;
    let on_add = {
        let racks: Vec<Option<String>> = view.brokers.iter().map(|b| b.rack.clone()).collect();
        let on_command = props.on_command.clone();
        Callback::from(move |_: MouseEvent| {
            let rack = RackLayout::rack_for_new(&racks, next_id);
            on_command.emit(Command::AddBroker { rack });
        })
    };
    let topics = props.topics.clone();
    let topic_ref = use_node_ref();
    let partition_ref = use_node_ref();
    let replicas_ref = use_node_ref();
    let form_error = use_state(|| None::<String>);
    let on_submit = {
        let (topic_ref, partition_ref, replicas_ref) = (
            topic_ref.clone(),
            partition_ref.clone(),
            replicas_ref.clone(),
        );
        let (on_command, form_error) = (props.on_command.clone(), form_error.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .or_else(|| {
                        node.cast::<web_sys::HtmlSelectElement>()
                            .map(|select| select.value())
                    })
                    .unwrap_or_default()
            };
            let topic = value(&topic_ref);
            let partition = value(&partition_ref).trim().parse::<u32>();
            let replicas = broker_list(&value(&replicas_ref));
            match (partition, replicas) {
                (Err(_), _) => form_error.set(Some("partition: a number from 0".to_owned())),
                (_, Err(problem)) => form_error.set(Some(format!("replicas: {problem}"))),
                (Ok(partition), Ok(replicas)) => {
                    form_error.set(None);
                    on_command.emit(Command::AlterPartitionReassignments {
                        reassignments: vec![Reassignment {
                            topic,
                            partition,
                            replicas: Some(replicas),
                        }],
                    });
                }
            }
        })
    };
    let error = (*form_error).clone().or_else(|| props.error.clone());
    html! {
        <section class="cluster-shape" aria-label="Cluster shape" data-testid="cluster-shape">
            <button onclick={on_add} disabled={full} data-testid="add-broker"
                title={if full {
                    format!("The page draws at most {MAX_PAGE_BROKERS} brokers")
                } else {
                    format!("Start broker {next_id}: it registers with the controller; partitions move to it only by reassignment")
                }}>
                { format!("Add broker {next_id}") }
            </button>
            if topics.is_empty() {
                <p class="meta">{ "Create a topic to reassign its partitions." }</p>
            } else {
                <form class="reassign" onsubmit={on_submit} data-testid="reassign-form"
                    title="kafka-reassign-partitions.sh --execute for one partition: added replicas catch up and join the ISR, then removed ones leave">
                    <label>{ "reassign " }
                        <select ref={topic_ref} data-testid="reassign-topic">
                            { for topics.iter().map(|(name, _)| html! { <option value={name.clone()}>{ name }</option> }) }
                        </select>
                    </label>
                    <label>{ " partition " }
                        <input ref={partition_ref} type="number" min="0" value="0" size="3"
                            data-testid="reassign-partition" />
                    </label>
                    <label>{ " to replicas " }
                        <input ref={replicas_ref} type="text" placeholder={format!("e.g. {next_id},2,3")} size="9"
                            inputmode="numeric" data-testid="reassign-replicas" />
                    </label>
                    <button type="submit" data-testid="reassign-submit">{ "Reassign" }</button>
                </form>
                if props.console {
                    <p class="meta">{ "The console runs kafka-reassign-partitions.sh for larger plans, --verify, --list and --cancel." }</p>
                }
            }
            if let Some(message) = error {
                <p class="error" role="alert" data-testid="reassign-error">{ message }</p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_list_is_read_as_broker_ids() {
        assert_eq!(broker_list("4, 2,3"), Ok(vec![4, 2, 3]));
        assert_eq!(
            broker_list("4,x"),
            Err("\"x\" is not a broker id".to_owned())
        );
    }
}
