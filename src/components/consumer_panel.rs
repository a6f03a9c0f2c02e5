//! Consumers and their groups. A consumer is Kafka's client plus the application's poll loop
//! (`app.*` settings: processing time per record, when the application commits), so crashing
//! or stalling one shows what the group does: who owns what, in which generation, where each
//! partition's committed offset is, and how far behind the log end it lags.

use super::client_name::{chosen, name_input, next_default};
use super::pause_button::{PauseButton, Process, paused_badge};
use super::share_panel::{share_consumer_card, share_partitions};
use crate::components::countdown::Countdown;
use crate::hooks::use_choice::{ChoiceSelect, labelled, plain, use_choice};
use crate::hooks::use_field::{Field, use_field};
use crate::sim_context::{Form, use_sim};
use kafka_sim::consumer::{AppCommit, ConsumerConfig, MemberState};
use kafka_sim::group::GroupDescription;
use kafka_sim::sorted::Collect;
use kafka_sim::{Command, ConsumerView, ForwardView, ShareConsumerView, SharePartitionView};
use std::collections::BTreeMap;
use yew::prelude::*;

/// What [`ConsumerPanel`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct ConsumerPanelProps {
    /// Existing consumers.
    pub consumers: Vec<ConsumerView>,
    /// Groups as their coordinators describe them.
    pub groups: Vec<GroupDescription>,
    /// Share consumers (KIP-932).
    pub share_consumers: Vec<ShareConsumerView>,
    /// Share partitions (KIP-932).
    pub share_partitions: Vec<SharePartitionView>,
    /// Dynamic group configs, by group.
    pub group_configs: BTreeMap<String, BTreeMap<String, String>>,
    /// Topics to subscribe to.
    pub topics: Vec<String>,
    /// Applies a command; the answer is Kafka's refusal, if any.
    pub on_command: Callback<Command>,
    /// The last refusal, shown inline.
    pub error: Option<String>,
}

/// `isolation.level` as the consumer's config names it.
fn isolation_level(read_committed: bool) -> &'static str {
    if read_committed {
        "read_committed"
    } else {
        "read_uncommitted"
    }
}

/// The share group config the form sets (`GroupConfig.SHARE_AUTO_OFFSET_RESET_CONFIG`).
const SHARE_AUTO_OFFSET_RESET: &str = "share.auto.offset.reset";

fn dash(value: Option<u64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// The consumers and groups of the run shown; editing an input clears the refusal, which
/// answered the input as it was.
#[function_component(ConsumerPanel)]
pub fn consumer_panel() -> Html {
    let sim = use_sim();
    let (view, edited) = (&sim.view, sim.actions.edited(Form::Consumer));
    html! {
        <div class="form-slot" onchange={edited.clone()} oninput={edited.reform(Event::from)}>
        <Drawn consumers={view.consumers.clone()} groups={view.groups.clone()}
            share_consumers={view.share_consumers.clone()} share_partitions={view.share_partitions.clone()}
            group_configs={view.group_configs.clone()}
            topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
            on_command={sim.actions.command(Form::Consumer)} error={sim.error(Form::Consumer)} />
        </div>
    }
}

/// The form's group id for a consumer group, and for a share group.
const DEFAULT_GROUP: &str = "group-1";
const DEFAULT_SHARE_GROUP: &str = "share-group-1";

/// Add consumers to groups, break them, and read the groups' offsets and lag.
#[function_component(Drawn)]
fn drawn(props: &ConsumerPanelProps) -> Html {
    let group = use_field(DEFAULT_GROUP);
    let topic_choice = use_choice("");
    let topic = topic_choice.among(props.topics.iter().map(String::as_str));
    let protocol = use_choice("classic");
    let consumer_protocol = protocol.value == "consumer";
    let assignor = use_choice("default");
    let commit = use_choice("auto");
    // Kafka's auto.offset.reset is latest; the form starts at earliest, so a consumer added
    // after the producer reads what was sent. isolation.level starts at the core's default.
    let reset = use_choice("earliest");
    let isolation = use_choice(isolation_level(ConsumerConfig::default().read_committed));
    let auto_commit = format!(
        "auto (every {} s)",
        ConsumerConfig::default().auto_commit_interval.as_millis() / 1_000
    );
    let forward = use_choice("");
    let processing = use_field("10");
    let timeouts = use_timeouts();
    let group_type = use_choice("consumer");
    let share = group_type.value == "share";
    let name = use_field("");
    let default_name = match share {
        true => next_default(
            "share-consumer",
            props.share_consumers.iter().map(|c| c.name.as_str()),
        ),
        false => next_default("consumer", props.consumers.iter().map(|c| c.name.as_str())),
    };
    // A group id is of one type: the default follows the choice (a share consumer in the
    // consumer group group-1 would be refused with GROUP_ID_NOT_FOUND); a typed one stays.
    {
        let (group_value, set_group) = (group.value.clone(), group.set.clone());
        use_effect_with(share, move |&share| {
            let (from, to) = match share {
                true => (DEFAULT_GROUP, DEFAULT_SHARE_GROUP),
                false => (DEFAULT_SHARE_GROUP, DEFAULT_GROUP),
            };
            if group_value == from {
                set_group.emit(to.to_owned());
            }
        });
    }
    let ack_mode = use_choice("implicit");
    let explicit = ack_mode.value == "explicit";
    let app_acknowledge = use_choice("accept");
    let max_poll_records = use_field("500");
    // Kafka's share.auto.offset.reset is latest; the form starts at earliest for the same
    // reason as auto.offset.reset above.
    let share_reset = use_choice("earliest");

    let on_add_share = {
        let (topic, on_command) = (topic.clone(), props.on_command.clone());
        let (group, processing) = (group.value.clone(), processing.value.clone());
        let (ack_mode, app_acknowledge, max_poll_records, share_reset) = (
            ack_mode.value.clone(),
            app_acknowledge.value.clone(),
            max_poll_records.value.clone(),
            share_reset.value.clone(),
        );
        let current_reset = props
            .group_configs
            .get(group.trim())
            .and_then(|c| c.get(SHARE_AUTO_OFFSET_RESET))
            .cloned()
            .unwrap_or_else(|| "latest".to_owned());
        let name = chosen(&name, &default_name);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let group = group.trim().to_owned();
            if share_reset != current_reset {
                on_command.emit(Command::AlterGroupConfigs {
                    group: group.clone(),
                    configs: [(SHARE_AUTO_OFFSET_RESET.to_owned(), share_reset.clone())]
                        .into_iter()
                        .collect_map(),
                });
            }
            let mut config: BTreeMap<String, String> = [
                ("group.type".to_owned(), "share".to_owned()),
                ("group.id".to_owned(), group),
                ("share.acknowledgement.mode".to_owned(), ack_mode.clone()),
                (
                    "max.poll.records".to_owned(),
                    max_poll_records.trim().to_owned(),
                ),
                ("app.processing.ms".to_owned(), processing.trim().to_owned()),
            ]
            .into_iter()
            .collect_map();
            if ack_mode == "explicit" {
                config.insert("app.acknowledge".to_owned(), app_acknowledge.clone());
            }
            on_command.emit(Command::AddConsumer {
                name: name.clone(),
                config,
                topics: vec![topic.clone()],
                partitions: Vec::new(),
            });
        })
    };

    let on_add = {
        let (topic, assignor, commit, reset, isolation, on_command) = (
            topic.clone(),
            // The classic protocol's client-side assignors and KIP-848's server-side ones
            // are different choices; a value left from the other protocol is not sent.
            assignor.among(assignor_options(consumer_protocol).iter().map(|(v, _)| *v)),
            commit.value.clone(),
            reset.value.clone(),
            isolation.value.clone(),
            props.on_command.clone(),
        );
        let forward =
            forward.among(std::iter::once("").chain(props.topics.iter().map(String::as_str)));
        let (group, processing) = (group.value.clone(), processing.value.clone());
        let timeouts = timeouts.configs(consumer_protocol);
        let name = chosen(&name, &default_name);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let mut config: BTreeMap<String, String> = [
                ("group.id".to_owned(), group.trim().to_owned()),
                ("auto.offset.reset".to_owned(), reset.clone()),
                ("app.processing.ms".to_owned(), processing.trim().to_owned()),
                ("isolation.level".to_owned(), isolation.clone()),
            ]
            .into_iter()
            .collect_map();
            config.extend(timeouts.iter().cloned());
            let assignor_config = if consumer_protocol {
                config.insert("group.protocol".to_owned(), "consumer".to_owned());
                "group.remote.assignor"
            } else {
                "partition.assignment.strategy"
            };
            if assignor != "default" {
                config.insert(assignor_config.to_owned(), assignor.clone());
            }
            if !forward.is_empty() {
                config.insert("app.forward.topic".to_owned(), forward.clone());
            }
            match commit.as_str() {
                "auto" => {}
                manual => {
                    config.insert("enable.auto.commit".to_owned(), "false".to_owned());
                    config.insert("app.commit".to_owned(), manual.to_owned());
                }
            }
            on_command.emit(Command::AddConsumer {
                name: name.clone(),
                config,
                topics: vec![topic.clone()],
                partitions: Vec::new(),
            });
        })
    };

    let share_groups: std::collections::BTreeSet<&str> = props
        .share_consumers
        .iter()
        .map(|c| c.group.as_str())
        .chain(props.share_partitions.iter().map(|p| p.group.as_str()))
        .collect();
    html! {
        <section class="consumer-panel" aria-label="Consumers" data-testid="consumer-panel">
            <h2>{ "Consumers" }</h2>
            if props.topics.is_empty() {
                <p class="empty">{ "Create a topic to consume from." }</p>
            } else {
                <form class="inline-form" onsubmit={if share { on_add_share } else { on_add }} aria-label="Add consumer">
                    <label title="A consumer group gives each partition to one member; a share group (KIP-932) lends records to any member under a lock, like a queue">{ "group type" }
                        <ChoiceSelect choice={group_type.clone()} testid="consumer-group-type"
                            options={labelled(&[("consumer", "consumer group"), ("share", "share group")])} />
                    </label>
                    { name_input(&name, &default_name, "consumer-name") }
                    <label>{ "group.id" }<input value={group.value.clone()} oninput={group.oninput.clone()} data-testid="consumer-group" /></label>
                    <label>{ "topic" }
                        <ChoiceSelect choice={topic_choice.clone()} options={plain(&props.topics)} testid="consumer-topic" />
                    </label>
                    if share {
                    <label title="implicit: the next poll() accepts the previous batch; explicit: the application acknowledges each record">{ "share.acknowledgement.mode" }
                        <ChoiceSelect choice={ack_mode.clone()} testid="share-ack-mode" options={plain(&["implicit", "explicit"])} />
                    </label>
                    if explicit {
                        <label title="Playground setting: how the application acknowledges each record: accept (done), release (deliver it again, to anyone) or reject (never again)">{ "app.acknowledge" }
                            <ChoiceSelect choice={app_acknowledge.clone()} testid="share-app-acknowledge" options={plain(&["accept", "release", "reject"])} />
                        </label>
                    }
                    <label title="At most this many records per poll(), and per ShareFetch acquisition">{ "max.poll.records" }
                        <input type="number" min="1" value={max_poll_records.value.clone()} oninput={max_poll_records.oninput.clone()} data-testid="share-max-poll-records" />
                    </label>
                    <label title="Playground setting: how long the application works on each record">{ "processing ms/record" }
                        <input type="number" value={processing.value.clone()} oninput={processing.oninput.clone()} data-testid="consumer-processing" />
                    </label>
                    <label title="A group config, not a consumer config: set for the whole group as kafka-configs.sh --alter --entity-type groups --entity-name <group> --add-config share.auto.offset.reset=... would, before the consumer is added (Kafka's default: latest)">{ "share.auto.offset.reset (group config)" }
                        <ChoiceSelect choice={share_reset.clone()} testid="share-auto-offset-reset" options={plain(&["earliest", "latest"])} />
                    </label>
                    <p class="meta form-note" data-testid="share-reset-note">{ "share.auto.offset.reset is the group's config: if it differs, the form sets it as kafka-configs.sh --entity-type groups would, then adds the consumer." }</p>
                    <button class="primary" type="submit" data-testid="consumer-add">{ "Add share consumer" }</button>
                    } else {
                    <label title="group.protocol: classic (JoinGroup and SyncGroup, a leader member assigns) or consumer (KIP-848: the coordinator assigns, each member reconciles on its own heartbeats)">{ "group.protocol" }
                        <ChoiceSelect choice={protocol.clone()} testid="consumer-protocol"
                            options={labelled(&[("classic", "classic"), ("consumer", "consumer (KIP-848)")])} />
                    </label>
                    <label>{ "assignor" }
                        <ChoiceSelect choice={assignor.clone()} testid="consumer-assignor"
                            options={labelled(assignor_options(consumer_protocol))}
                            title={if consumer_protocol {
                                "group.remote.assignor: the coordinator's server-side assignor (group.consumer.assignors: uniform, range)"
                            } else {
                                "partition.assignment.strategy: Kafka's default [RangeAssignor, CooperativeStickyAssignor] rebalances eagerly with range"
                            }} />
                    </label>
                    <label>{ "commits" }
                        <ChoiceSelect choice={commit.clone()} testid="consumer-commit"
                            options={labelled(&[("auto", &auto_commit), ("after-processing", "after processing (at-least-once)"), ("explicit", "commitSync(processed + 1) (at-least-once)"), ("before-processing", "before processing (at-most-once)"), ("transactional", "in a transaction (exactly-once)")])}
                            title="When offsets are committed: Kafka's auto commit, or the application's commitSync()" />
                    </label>
                    <label>{ "auto.offset.reset" }
                        <ChoiceSelect choice={reset.clone()} options={plain(&["earliest", "latest", "none"])} testid="consumer-reset" />
                    </label>
                    <label>{ "isolation.level" }
                        <ChoiceSelect choice={isolation.clone()} options={plain(&["read_uncommitted", "read_committed"])} testid="consumer-isolation"
                            title="read_committed: only committed transactions, up to the last stable offset" />
                    </label>
                    <label title="Playground setting: the application sends each record it processes on to this topic (consume-transform-produce); with commits 'in a transaction' the output and the offsets commit atomically">{ "forward to" }
                        <ChoiceSelect choice={forward.clone()} testid="consumer-forward"
                            options={std::iter::once((String::new(), "none".to_owned())).chain(plain(&props.topics)).collect::<Vec<_>>()} />
                    </label>
                    <label title="Playground setting: how long the application works on each record">{ "processing ms/record" }
                        <input type="number" value={processing.value.clone()} oninput={processing.oninput.clone()} data-testid="consumer-processing" />
                    </label>
                    { timeouts.inputs(consumer_protocol) }
                    <button class="primary" type="submit" data-testid="consumer-add">{ "Add consumer" }</button>
                    }
                </form>
            }
            if let Some(error) = &props.error {
                <p class="error" role="alert" data-testid="consumer-error">{ error }</p>
            }
            // A share group has no committed offsets or owners to tabulate: its consumers'
            // cards and the share partitions section show it.
            { for props.groups.iter().filter(|g| !share_groups.contains(g.group.as_str())).map(group_table) }
            <div class="consumers">
                { for props.consumers.iter().map(|c| consumer_card(c, &props.on_command)) }
                { for props.share_consumers.iter().map(|c| share_consumer_card(c, &props.on_command)) }
            </div>
            { share_partitions(&props.share_partitions) }
        </section>
    }
}

/// The records a consumer received, newest first, whether processed next to each (what the
/// delivery lessons turn on). The txn and headers columns show only when a record came in a
/// transaction or has headers: beside two cards at 1280 px, seven columns broke keys and values
/// mid-word.
fn received(consumer: &ConsumerView) -> Html {
    let records = &consumer.recent_records;
    if records.is_empty() {
        return Html::default();
    }
    let headers = records.iter().any(|(r, _)| !r.headers.is_empty());
    let txn = records.iter().any(|(r, _)| r.transactional);
    html! {
        <table class="messages" aria-label={format!("Records received by {}", consumer.name)}>
            <thead><tr>
                <th>{ "partition" }</th><th>{ "offset" }</th><th>{ "key" }</th><th>{ "value" }</th>
                <th>{ "processed" }</th>
                if txn { <th>{ "txn" }</th> }
                if headers { <th>{ "headers" }</th> }
            </tr></thead>
            <tbody>
                { for records.iter().map(|(r, processed)| html! {
                    <tr data-testid="consumed-record">
                        <td>{ r.tp.partition }</td><td>{ r.offset }</td>
                        <td class="text">{ r.key_text() }</td><td class="text">{ r.value_text() }</td>
                        <td>{ if *processed { "yes" } else { "not yet" } }</td>
                        if txn {
                            <td title="written in a transaction">{ if r.transactional { "yes" } else { "" } }</td>
                        }
                        if headers {
                            <td class="text">{ r.headers.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(",") }</td>
                        }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// `kafka-consumer-groups.sh --describe`, as a table.
fn group_table(group: &GroupDescription) -> Html {
    // The core's one definition of lag, added up as the rows show it.
    let total = group.total_lag();
    let total_lag = match (total.unknown, group.read_committed) {
        // No row to add up (a first rebalance: nothing assigned, nothing committed): the
        // describe prints no table then, and a lag of 0 would say the group is caught up.
        _ if group.rows.is_empty() => "unknown: no partition assigned or committed yet".to_owned(),
        (0, false) => total.records.to_string(),
        (0, true) => format!("{} (to the LSO: read_committed)", total.records),
        // As the table's LAG "-": a partition the group has not committed has no lag yet.
        (unknown, _) if unknown == group.rows.len() => {
            "unknown: no partition committed yet".to_owned()
        }
        (unknown, _) => format!(
            "{}{} where committed, unknown on {unknown} partition(s) with no commit yet",
            total.records,
            if group.read_committed {
                " to the LSO"
            } else {
                ""
            }
        ),
    };
    html! {
        <div class="group" data-testid="group" key={group.group.clone()}>
            <h3>
                { format!("group {} ", group.group) }
                <span class={classes!("state", group.state.kafka_name())} data-testid="group-state">{ group.state.kafka_name() }</span>
                <span class="meta" data-testid="group-total-lag">{ " " }
                    // Kept on one line: a narrow page would break "group epoch" from its number.
                    <span class="epochs">{ epochs(group) }</span>
                    { format!(" · {} · coordinator broker {} · {} member(s) · lag {total_lag}",
                    group.assignor.as_deref().unwrap_or("no assignor"), group.coordinator, group.members.len()) }</span>
            </h3>
            <table class="group-offsets">
                <thead><tr>
                    <th>{ "partition" }</th><th>{ "current-offset" }</th><th>{ "log-end-offset" }</th>
                    <th>{ "lag" }</th><th>{ "owner" }</th>
                </tr></thead>
                <tbody>
                    { for group.rows.iter().map(|row| html! {
                        <tr data-testid="group-row">
                            <td>{ row.tp.to_string() }</td>
                            <td>{ dash(row.current_offset) }</td>
                            <td>{ dash(row.log_end_offset) }</td>
                            <td class={classes!(row.lag.filter(|l| *l > 0).map(|_| "lagging"))} data-testid="group-lag">{ dash(row.lag) }</td>
                            <td>{ row.client_id.clone().unwrap_or_else(|| "-".to_owned()) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// A classic group's generation, or a consumer-protocol group's epochs: while the target
/// epoch is ahead of a member's, that member is still reconciling.
fn epochs(group: &GroupDescription) -> String {
    match (group.group_epoch, group.target_assignment_epoch) {
        (Some(epoch), Some(target)) if epoch == target => {
            format!("consumer protocol · group epoch {epoch}")
        }
        (Some(epoch), Some(target)) => {
            format!("consumer protocol · group epoch {epoch} (target epoch {target})")
        }
        _ => format!("generation {}", group.generation),
    }
}

/// A consume-transform-produce application's output: where, how, and its producer's state.
fn forward_line(forward: &ForwardView) -> Html {
    let producer = &forward.producer;
    let guarantee = if forward.exactly_once {
        "exactly-once: output and offsets in one transaction"
    } else {
        "at-least-once: commitSync() once the output is acknowledged"
    };
    let transaction = producer.transactions.as_ref().map(|t| {
        let epoch = t
            .producer
            .map(|(id, epoch)| format!(" · pid {id} epoch {epoch}"))
            .unwrap_or_default();
        format!(" · {} {} #{}{epoch}", t.transactional_id, t.state, t.number)
    });
    let waiting: usize = producer.batches.iter().map(|b| b.records).sum();
    html! {
        <p class="meta forward" data-testid="consumer-forward-line"
            title="The application's own producer: acks=all, idempotent; a crash takes it down with the consumer">
            { format!("→ {} ({guarantee}){} · {waiting} record(s) in its producer", forward.topic, transaction.unwrap_or_default()) }
        </p>
    }
}

/// The consumer's timeouts, starting at Kafka's defaults as the core's `ConsumerConfig` has
/// them: a crashed member is removed after `session.timeout.ms`, a stalled one leaves after
/// `max.poll.interval.ms`.
struct Timeouts {
    fields: [(&'static str, &'static str, Field); 3],
}

#[hook]
fn use_timeouts() -> Timeouts {
    let defaults = ConsumerConfig::default();
    let session = use_field(&defaults.session_timeout.as_millis().to_string());
    let heartbeat = use_field(&defaults.heartbeat_interval.as_millis().to_string());
    let poll = use_field(&defaults.max_poll_interval.as_millis().to_string());
    Timeouts {
        fields: [
            (
                "session.timeout.ms",
                "The coordinator removes a member it has not heard from for this long",
                session,
            ),
            (
                "heartbeat.interval.ms",
                "How often the consumer heartbeats; below session.timeout.ms",
                heartbeat,
            ),
            (
                "max.poll.interval.ms",
                "A consumer whose application does not call poll() for this long leaves its group",
                poll,
            ),
        ],
    }
}

/// The assignors a consumer may name: `partition.assignment.strategy` takes class names in
/// Kafka 4 (`ConsumerPartitionAssignor.getAssignorInstances` loads them); KIP-848's
/// `group.remote.assignor` names one of the coordinator's `group.consumer.assignors`.
fn assignor_options(consumer_protocol: bool) -> &'static [(&'static str, &'static str)] {
    if consumer_protocol {
        &[
            ("default", "default (the coordinator's: uniform)"),
            ("uniform", "uniform"),
            ("range", "range"),
        ]
    } else {
        &[
            ("default", "default (RangeAssignor)"),
            (
                "org.apache.kafka.clients.consumer.RoundRobinAssignor",
                "RoundRobinAssignor",
            ),
            (
                "org.apache.kafka.clients.consumer.StickyAssignor",
                "StickyAssignor",
            ),
            (
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
                "CooperativeStickyAssignor",
            ),
        ]
    }
}

/// The settings the consumer protocol takes from the broker (`group.consumer.*`) instead:
/// a consumer that sets them is refused.
const BROKER_SIDE_UNDER_KIP_848: [&str; 2] = ["session.timeout.ms", "heartbeat.interval.ms"];

impl Timeouts {
    fn fields(
        &self,
        consumer_protocol: bool,
    ) -> impl Iterator<Item = &(&'static str, &'static str, Field)> {
        self.fields.iter().filter(move |(name, _, _)| {
            !consumer_protocol || !BROKER_SIDE_UNDER_KIP_848.contains(name)
        })
    }

    fn configs(&self, consumer_protocol: bool) -> Vec<(String, String)> {
        self.fields(consumer_protocol)
            .map(|(name, _, field)| ((*name).to_owned(), field.value.trim().to_owned()))
            .collect()
    }

    fn inputs(&self, consumer_protocol: bool) -> Html {
        html! { <>{ for self.fields(consumer_protocol).map(|(name, title, field)| html! {
            <label title={*title}>{ *name }
                <input type="number" min="1" value={field.value.clone()} oninput={field.oninput.clone()}
                    data-testid={format!("consumer-{}", name.replace('.', "-"))} />
            </label>
        }) }</>}
    }
}

/// What assigns this consumer's partitions.
fn assignors(consumer: &ConsumerView) -> String {
    match (consumer.consumer_protocol, consumer.assignors.first()) {
        (true, Some(assignor)) => format!("group.protocol=consumer · {assignor} (server-side)"),
        (true, None) => "group.protocol=consumer · the coordinator's assignor".to_owned(),
        (false, _) => consumer.assignors.join(", "),
    }
}

fn member_state(state: MemberState) -> &'static str {
    match state {
        MemberState::Unjoined => "not in a generation",
        MemberState::Joining => "joining",
        MemberState::Syncing => "syncing",
        MemberState::Stable => "member",
    }
}

fn consumer_card(consumer: &ConsumerView, on_command: &Callback<Command>) -> Html {
    let name = consumer.name.clone();
    let emit = |command: Command| {
        let on_command = on_command.clone();
        Callback::from(move |_: MouseEvent| on_command.emit(command.clone()))
    };
    let crash_or_restart = if consumer.up {
        html! { <button onclick={emit(Command::CrashClient { name: name.clone() })} data-testid="consumer-crash" aria-label={format!("Crash {name}")}
        title={if consumer.consumer_protocol {
            "kill -9: no leave heartbeat; the coordinator waits the broker's group.consumer.session.timeout.ms"
        } else {
            "kill -9: no LeaveGroup; the coordinator waits session.timeout.ms"
        }}>{ "Crash" }</button> }
    } else {
        html! { <button onclick={emit(Command::RestartClient { name: name.clone() })} data-testid="consumer-restart" aria-label={format!("Restart {name}")}>{ "Restart" }</button> }
    };
    let stall_or_resume = if consumer.app == "stalled" {
        html! { <button onclick={emit(Command::ResumeConsumer { consumer: name.clone() })} data-testid="consumer-resume" aria-label={format!("Resume {name}")}>{ "Resume" }</button> }
    } else {
        html! { <button onclick={emit(Command::StallConsumer { consumer: name.clone() })} data-testid="consumer-stall" aria-label={format!("Stall {name}")}
        disabled={!consumer.up || consumer.closed}
        title="The application stops calling poll(); heartbeats go on until max.poll.interval.ms">{ "Stall" }</button> }
    };
    let commit = match (consumer.auto_commit, consumer.app_commit) {
        (true, _) => "auto commit",
        (false, AppCommit::AfterProcessing) => "commitSync after processing",
        (false, AppCommit::BeforeProcessing) => "commitSync before processing",
        (false, AppCommit::None) => "no commits",
        (false, AppCommit::Transactional) => "offsets in transactions",
        (false, AppCommit::Explicit) => "commitSync(offsets) after processing",
        (false, AppCommit::ExplicitAsync) => "commitAsync(offsets) after processing",
    };
    html! {
        <article class={classes!("consumer", (!consumer.up).then_some("down"), consumer.paused.then_some("paused"))} data-testid="consumer" key={name.clone()}>
            <header>
                <strong>{ &consumer.name }</strong>
                { paused_badge(consumer.paused) }
                <span class="meta">
                    { format!(" {} · {} · {} {} · {}{}", consumer.group.as_deref().unwrap_or("no group"),
                        member_state(consumer.member_state),
                        if consumer.consumer_protocol { "epoch" } else { "gen" },
                        consumer.generation, consumer.app,
                        if consumer.leader { " · group leader" } else { "" }) }
                </span>
            </header>
            <p class="meta">{ format!("{} · {} · {}", assignors(consumer), commit,
                isolation_level(consumer.read_committed)) }</p>
            { for consumer.timers.iter().map(|timer| html! { <Countdown timer={timer.clone()} /> }) }
            if let Some(forward) = &consumer.forward {
                { forward_line(forward) }
            }
            if consumer.reprocessed > 0 {
                <p class="meta reprocessed" data-testid="consumer-reprocessed"
                    title="Offsets, transactions and idempotence decide what Kafka stores and returns; the application's own work on a record it gets again is done again">
                    { format!("↻ processed {} record(s) a second time: whatever the application did outside Kafka for them (a database write, an e-mail) happened twice", consumer.reprocessed) }
                </p>
            }
            <table class="owned">
                <thead><tr><th>{ "owns" }</th><th>{ "position" }</th>
                    <th title="What the group has committed, as the group table shows it (an exactly-once application commits through its producer's transaction)">{ "committed" }</th>
                    <th title={if consumer.read_committed { "read_committed reads up to the last stable offset" } else { "high watermark" }}>
                        { if consumer.read_committed { "LSO" } else { "HW" } }</th></tr></thead>
                <tbody>
                    if consumer.partitions.is_empty() {
                        <tr><td colspan="4" class="empty" data-testid="consumer-idle">{ "no partitions" }</td></tr>
                    }
                    { for consumer.partitions.iter().map(|p| html! {
                        <tr data-testid="owned-partition">
                            <td title={p.fetching_from_follower.map(|b| format!("fetching from follower broker {b} in this consumer's rack (KIP-392)"))}>
                                { p.tp.to_string() }
                                { p.fetching_from_follower.map(|b| format!(" ← B{b}")).unwrap_or_default() }
                            </td>
                            <td>{ dash(p.position) }</td>
                            <td>{ dash(p.committed) }</td><td>{ dash(p.high_watermark) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            { received(consumer) }
            <ol class="operations">
                { for consumer.recent_operations.iter().map(|op| html! { <li>{ op }</li> }) }
            </ol>
            <crate::components::consumer_offsets::ConsumerOffsets consumer={consumer.clone()} on_command={on_command.clone()} />
            <div class="actions">
                <PauseButton process={Process::Client(name.clone())} paused={consumer.paused}
                    disabled={!consumer.up || consumer.closed} on_command={on_command.clone()} />
                { crash_or_restart }
                { stall_or_resume }
                <button onclick={emit(Command::CommitSync { consumer: name.clone() })} disabled={!consumer.up || consumer.closed}>{ "commitSync()" }</button>
                <button onclick={emit(Command::CommitAsync { consumer: name.clone() })} disabled={!consumer.up || consumer.closed}>{ "commitAsync()" }</button>
                <button onclick={emit(Command::CloseConsumer { consumer: name.clone() })} disabled={!consumer.up || consumer.closed}
                    aria-label={format!("Close {name}")} title="close(): commit, LeaveGroup, stop">{ "Close" }</button>
            </div>
        </article>
    }
}
