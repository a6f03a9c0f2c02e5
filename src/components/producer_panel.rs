//! Producers as Kafka configures them: `acks`, `enable.idempotence`, `linger.ms` and
//! `max.in.flight.requests.per.connection` are producer configs, fixed when it is created, with
//! Kafka's `ConfigException` when they contradict each other. Each producer shows its pipeline
//! (batches waiting, requests in flight); each send shows its outcome as the producer saw it.

use super::client_name::{chosen, name_input, next_default};
use super::pause_button::{PauseButton, Process, paused_badge};
use crate::components::finding_mark::FindingMark;
use crate::hooks::use_choice::{ChoiceSelect, plain, use_choice};
use crate::hooks::use_field::use_field;
use crate::sim_context::{Form, use_sim};
use kafka_sim::check::{Anomaly, Mark};
use kafka_sim::client::{Operation, TxnAction};
use kafka_sim::producer::{ProducerConfig, ProducerRecord};
use kafka_sim::sorted::Collect;
use kafka_sim::{BatchStage, BatchView, Command, Event, EventKind, Outcome, ProducerView};
use std::collections::BTreeMap;
use yew::prelude::*;

/// What [`ProducerPanel`] draws: the drawing is redone only when this changes.
#[derive(Properties, PartialEq)]
pub struct ProducerPanelProps {
    /// Existing producers.
    pub producers: Vec<ProducerView>,
    /// Topics to send to.
    pub topics: Vec<String>,
    /// The newest operations, newest first.
    pub operations: Vec<Operation>,
    /// Applies a command; the answer is Kafka's refusal, if any.
    pub on_command: Callback<Command>,
    /// The last refusal, shown inline.
    pub error: Option<String>,
    /// For each operation, what the checker finds about its acknowledged record (lost since,
    /// duplicated, reordered), each with the words it is shown with, if not its label (a
    /// loss says what removed the record).
    #[prop_or_default]
    pub marks: Vec<Vec<(Mark, Option<String>)>>,
    /// The events that caused a finding, nearest first.
    pub explain: Callback<Mark, Vec<Event>>,
}

/// How many client operations the panel shows.
const OPERATIONS_SHOWN: usize = 10;

/// The producers of the run shown and their newest operations, marked by the checker; editing
/// an input clears the refusal, which answered the input as it was.
#[function_component(ProducerPanel)]
pub fn producer_panel() -> Html {
    let sim = use_sim();
    let (view, edited) = (&sim.view, sim.actions.edited(Form::Producer));
    let operations = sim.sim.recent_operations(OPERATIONS_SHOWN);
    // A loss is worded from its cause chain (the events "why?" lists), read each draw: the
    // loss is noted at the election, and the truncation that removes the record comes later.
    let marks = sim
        .sim
        .operation_marks(&operations)
        .into_iter()
        .map(|marks| {
            marks
                .into_iter()
                .map(|mark| {
                    let words = (mark.violation.anomaly == Anomaly::LostWrite)
                        .then(|| lost_words(&mark, &sim.sim.explain_mark(&mark)));
                    (mark, words)
                })
                .collect()
        })
        .collect::<Vec<Vec<_>>>();
    html! {
        <div class="form-slot" onchange={edited.clone()} oninput={edited.reform(web_sys::Event::from)}>
        <Drawn producers={view.producers.clone()}
            topics={view.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>()}
            {marks} explain={sim.actions.explain_mark.clone()}
            {operations}
            on_command={sim.actions.command(Form::Producer)} error={sim.error(Form::Producer)} />
        </div>
    }
}

/// Create producers, send with them, see what happened.
#[function_component(Drawn)]
fn drawn(props: &ProducerPanelProps) -> Html {
    // The fields start at Kafka's defaults as the core's `ProducerConfig` has them.
    let defaults = ProducerConfig::default();
    let acks = use_choice(&acks_label(defaults.acks));
    let idempotence = use_choice("default");
    let linger = use_field(&defaults.linger.as_millis().to_string());
    let in_flight = use_field(&defaults.max_in_flight.to_string());
    let batch_size = use_field(&defaults.batch_size.to_string());
    let retries = use_field(&defaults.retries.to_string());
    let request_timeout = use_field(&defaults.request_timeout.as_millis().to_string());
    let delivery_timeout = use_field(&defaults.delivery_timeout.as_millis().to_string());
    let transactional_id = use_field("");
    let name = use_field("");
    let default_name = next_default("producer", props.producers.iter().map(|p| p.name.as_str()));
    let producer_choice = use_choice("");
    let topic_choice = use_choice("");
    let producer = producer_choice.among(props.producers.iter().map(|p| p.name.as_str()));
    let topic = topic_choice.among(props.topics.iter().map(String::as_str));
    let key = use_field("");
    let value = use_field("");
    let partition = use_field("");
    let headers = use_field("");
    let counter = use_state(|| 1_u32);
    let rate = use_field("10");

    let on_add = {
        let (acks, idempotence, on_command) = (
            acks.value.clone(),
            idempotence.value.clone(),
            props.on_command.clone(),
        );
        let (linger, in_flight) = (linger.value.clone(), in_flight.value.clone());
        let (batch_size, retries) = (batch_size.value.clone(), retries.value.clone());
        let timeouts = [
            (
                "request.timeout.ms",
                request_timeout.value.trim().to_owned(),
            ),
            (
                "delivery.timeout.ms",
                delivery_timeout.value.trim().to_owned(),
            ),
        ];
        let transactional_id = transactional_id.value.trim().to_owned();
        let name = chosen(&name, &default_name);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let mut config: BTreeMap<String, String> = [
                ("acks".to_owned(), acks.clone()),
                ("linger.ms".to_owned(), linger.trim().to_owned()),
                (
                    "max.in.flight.requests.per.connection".to_owned(),
                    in_flight.trim().to_owned(),
                ),
                ("batch.size".to_owned(), batch_size.trim().to_owned()),
                ("retries".to_owned(), retries.trim().to_owned()),
            ]
            .into_iter()
            .collect_map();
            config.extend(timeouts.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
            if idempotence != "default" {
                config.insert("enable.idempotence".to_owned(), idempotence.clone());
            }
            if !transactional_id.is_empty() {
                config.insert("transactional.id".to_owned(), transactional_id.clone());
            }
            on_command.emit(Command::AddProducer {
                name: name.clone(),
                config,
            });
        })
    };
    let send = |times: u32| {
        let (producer, topic, on_command, counter) = (
            producer.clone(),
            topic.clone(),
            props.on_command.clone(),
            counter.clone(),
        );
        let (key, value) = (key.value.clone(), value.value.clone());
        let partition = partition.value.trim().parse::<u32>().ok();
        let headers = parse_headers(&headers.value);
        Callback::from(move |_: MouseEvent| {
            for i in 0..times {
                let value = if value.is_empty() {
                    format!("record-{}", *counter + i)
                } else {
                    value.clone()
                };
                let record = ProducerRecord {
                    topic: topic.as_str().into(),
                    key: key_of(&key, times, i).map(Into::into),
                    value: Some(value.into()),
                    partition,
                    headers: headers.clone(),
                    ..ProducerRecord::default()
                };
                on_command.emit(Command::Send {
                    producer: producer.as_str().into(),
                    record,
                });
            }
            counter.set(*counter + times);
        })
    };
    let on_stream = |on: bool| {
        let (producer, topic, on_command) =
            (producer.clone(), topic.clone(), props.on_command.clone());
        let rate = rate.value.clone();
        Callback::from(move |_: MouseEvent| {
            let per_second = if on {
                rate.trim().parse().unwrap_or(0)
            } else {
                0
            };
            on_command.emit(Command::StreamRecords {
                producer: producer.clone(),
                topic: topic.clone(),
                per_second,
            });
        })
    };
    // The form's Stop stream has nothing to stop unless the chosen producer streams.
    let streaming = props
        .producers
        .iter()
        .any(|p| p.name == producer.as_str() && p.stream.is_some());
    let stop_stream = |producer: &str, topic: &str| {
        let (producer, topic) = (producer.to_owned(), topic.to_owned());
        props
            .on_command
            .reform(move |_: MouseEvent| Command::StreamRecords {
                producer: producer.clone(),
                topic: topic.clone(),
                per_second: 0,
            })
    };
    html! {
        <section class="producer-panel" aria-label="Producers" data-testid="producer-panel">
            <h2>{ "Producers" }</h2>
            <form class="inline-form" onsubmit={on_add} aria-label="Add producer">
                { name_input(&name, &default_name, "producer-name") }
                <label>{ "acks" }
                    <ChoiceSelect choice={acks.clone()} options={plain(&["all", "1", "0"])} testid="producer-acks" />
                </label>
                <label>{ "enable.idempotence" }
                    <ChoiceSelect choice={idempotence.clone()} options={plain(&["default", "true", "false"])} testid="producer-idempotence"
                        title="Kafka's default: true, unless acks or retries contradict it; max.in.flight above 5 needs it false" />
                </label>
                <label>{ "linger.ms" }<input type="number" value={linger.value.clone()} oninput={linger.oninput.clone()} data-testid="producer-linger" /></label>
                <label>{ "max.in.flight" }<input type="number" value={in_flight.value.clone()} oninput={in_flight.oninput.clone()} /></label>
                <label>{ "batch.size" }<input type="number" value={batch_size.value.clone()} oninput={batch_size.oninput.clone()} data-testid="producer-batch-size" /></label>
                <label title="0 turns idempotence off by default (Kafka's rule), and makes a refused batch fail at once">{ "retries" }
                    <input type="number" value={retries.value.clone()} oninput={retries.oninput.clone()} data-testid="producer-retries" /></label>
                <label title="How long the producer waits for a produce response before it retries">{ "request.timeout.ms" }
                    <input type="number" value={request_timeout.value.clone()} oninput={request_timeout.oninput.clone()} data-testid="producer-request-timeout" /></label>
                <label title="An upper bound on the time to report success or failure after send(): a record not acknowledged by then fails (KIP-91)">{ "delivery.timeout.ms" }
                    <input type="number" value={delivery_timeout.value.clone()} oninput={delivery_timeout.oninput.clone()} data-testid="producer-delivery-timeout" /></label>
                <label title="Set one to use transactions: initTransactions(), then begin, send, commit or abort">{ "transactional.id" }
                    <input value={transactional_id.value.clone()} oninput={transactional_id.oninput.clone()} placeholder="none" data-testid="producer-transactional-id" />
                </label>
                <button class="primary" type="submit" data-testid="producer-add">{ "Add producer" }</button>
            </form>
            if let Some(error) = &props.error {
                <p class="error" role="alert" data-testid="producer-error">{ error }</p>
            }
            if !props.producers.is_empty() {
                <table class="producers">
                    <thead><tr><th>{ "producer" }</th><th>{ "settings" }</th><th>{ "accumulator" }</th><th>{ "in flight" }</th><th>{ "stream" }</th></tr></thead>
                    <tbody>
                        { for props.producers.iter().map(|p| html! {
                            <>
                            <tr data-testid="producer">
                                <td class={classes!(p.paused.then_some("paused"))}><span class="name">{ &p.name }</span>{ paused_badge(p.paused) }
                                    <PauseButton process={Process::Client(p.name.clone())} paused={p.paused}
                                        on_command={props.on_command.clone()} /></td>
                                // One column of Kafka's own names, a line each: three columns
                                // of their own overflowed the side column at 1280 px.
                                <td class="settings">
                                    <span>{ format!("acks={}", acks_label(p.acks)) }</span>
                                    <span>{ if p.idempotent { "idempotent" } else { "not idempotent" } }</span>
                                    <span>{ format!("linger.ms={}", p.linger_ms) }</span>
                                </td>
                                <td>{ accumulator_summary(p) }</td>
                                <td>{ format!("{} of {}", p.requests_in_flight, p.max_in_flight) }</td>
                                <td><span data-testid="producer-stream">{ p.stream.as_ref().map_or_else(|| "-".to_owned(), |(t, r)| format!("{r}/s → {t}")) }</span>
                                    // Stopped from its own row too: the send form goes with the
                                    // last topic, and a stream to a deleted one goes on waiting.
                                    if let Some((topic, _)) = &p.stream {
                                        <button class="stop-stream" data-testid="producer-stream-stop"
                                            aria-label={format!("Stop {}'s stream", p.name)}
                                            onclick={stop_stream(&p.name, topic)}>{ "Stop" }</button>
                                    }
                                </td>
                            </tr>
                            if !p.batches.is_empty() {
                                <tr class="pipeline-row"><td colspan="5">{ pipeline(p) }</td></tr>
                            }
                            if p.transactions.is_some() {
                                <tr class="txn-row"><td colspan="5" data-testid="producer-transaction">{ transaction_cell(p, &props.on_command) }</td></tr>
                            }
                            </>
                        }) }
                    </tbody>
                </table>
            }
            if props.producers.is_empty() || props.topics.is_empty() {
                <p class="empty">{ match props.producers.is_empty() {
                    true => "Create a topic and a producer to send records.",
                    false => "Create a topic to send records to.",
                } }</p>
            } else {
                <div class="inline-form">
                    <label>{ "producer" }
                        <ChoiceSelect choice={producer_choice.clone()} options={plain(&props.producers.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())} testid="send-producer" />
                    </label>
                    <label>{ "topic" }
                        <ChoiceSelect choice={topic_choice.clone()} options={plain(&props.topics)} testid="send-topic" />
                    </label>
                    <label>{ "key" }<input value={key.value.clone()} oninput={key.oninput.clone()} placeholder="null: sticky partitioner" data-testid="send-key" /></label>
                    <label>{ "value" }<input value={value.value.clone()} oninput={value.oninput.clone()} placeholder={format!("record-{}", *counter)} data-testid="send-value" /></label>
                    <label>{ "partition" }<input type="number" min="0" value={partition.value.clone()} oninput={partition.oninput.clone()} placeholder="by key" data-testid="send-partition" /></label>
                    <label>{ "headers" }<input value={headers.value.clone()} oninput={headers.oninput.clone()} placeholder="k1:v1,k2:v2" data-testid="send-headers" /></label>
                    <button class="primary" onclick={send(1)} data-testid="send">{ "Send" }</button>
                    <button onclick={send(10)} data-testid="send-10" title="Ten sends at once: watch them share a batch. With a key k, their keys are k-0 … k-9">{ "Send ×10" }</button>
                    <label>{ "records/s" }<input type="number" min="0" value={rate.value.clone()} oninput={rate.oninput.clone()} data-testid="stream-rate" /></label>
                    <button onclick={on_stream(true)} data-testid="stream-start" title="The application sends keyless records at this rate">{ "Stream" }</button>
                    <button onclick={on_stream(false)} data-testid="stream-stop" disabled={!streaming}>{ "Stop stream" }</button>
                </div>
            }
            <ol class="operations" aria-live="polite">
                { for props.operations.iter().enumerate().map(|(i, op)| {
                    let marks = props.marks.get(i).cloned().unwrap_or_default();
                    let lost = marks.iter().any(|(m, _)| m.violation.anomaly == Anomaly::LostWrite);
                    html! {
                        <li data-testid="operation" class={classes!(outcome_class(&op.outcome), lost.then_some("lost"))}>
                            { op.to_string() }
                            { for marks.into_iter().map(|(mark, text)| html! {
                                <FindingMark {mark} {text} explain={props.explain.clone()} />
                            }) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}

/// A transactional producer's state and its four calls; a call its state does not allow
/// still goes through, so Java's exception shows in the operations.
/// `acks` as the producer's config names it: -1 is `all`.
fn acks_label(acks: i16) -> String {
    if acks == -1 {
        "all".to_owned()
    } else {
        acks.to_string()
    }
}

fn transaction_cell(producer: &ProducerView, on_command: &Callback<Command>) -> Html {
    let Some(txn) = &producer.transactions else {
        return html! { "-" };
    };
    let call = |action: TxnAction| {
        let (on_command, producer) = (on_command.clone(), producer.name.clone());
        Callback::from(move |_: MouseEvent| {
            on_command.emit(Command::Transaction {
                producer: producer.clone(),
                action,
            })
        })
    };
    let epoch = txn
        .producer
        .map(|(id, epoch)| format!(" · pid {id} epoch {epoch}"))
        .unwrap_or_default();
    let partitions = if txn.partitions.is_empty() {
        String::new()
    } else {
        format!(" · {}", txn.partitions.join(", "))
    };
    html! {
        <div class="transaction">
            <span class={classes!("txn-state", txn.error.is_some().then_some("failed"))} title={txn.error.clone()}
                data-testid="txn-state">
                { format!("{} #{}{epoch}{partitions}", txn.state, txn.number) }
            </span>
            <span class="actions">
                <button onclick={call(TxnAction::Init)} data-testid="txn-init" title="initTransactions(): fences older instances of this transactional.id"
                    aria-label={format!("init transactions of {}", producer.name)}>{ "init" }</button>
                <button onclick={call(TxnAction::Begin)} data-testid="txn-begin"
                    aria-label={format!("begin transaction of {}", producer.name)}>{ "begin" }</button>
                <button onclick={call(TxnAction::Commit)} data-testid="txn-commit"
                    aria-label={format!("commit transaction of {}", producer.name)}>{ "commit" }</button>
                <button onclick={call(TxnAction::Abort)} data-testid="txn-abort"
                    aria-label={format!("abort transaction of {}", producer.name)}>{ "abort" }</button>
            </span>
        </div>
    }
}

/// Batches and records waiting in the accumulator.
fn accumulator_summary(producer: &ProducerView) -> String {
    let waiting = producer
        .batches
        .iter()
        .filter(|b| !matches!(b.stage, BatchStage::InFlight(_)));
    let (batches, records) = waiting.fold((0, 0), |(n, r), b| (n + 1, r + b.records));
    format!("{batches} batch(es), {records} record(s)")
}

/// The producer's pipeline drawn: each batch a box filling up to `batch.size`, with its age
/// against `linger.ms` underneath while it waits; then the batches in produce requests, by
/// broker. Retries show their attempt number.
fn pipeline(producer: &ProducerView) -> Html {
    let (waiting, sent): (Vec<&BatchView>, Vec<&BatchView>) = producer
        .batches
        .iter()
        .partition(|b| !matches!(b.stage, BatchStage::InFlight(_)));
    let batch = |b: &BatchView| {
        let fill = (b.bytes as f64 / producer.batch_size.max(1) as f64).min(1.0) * 100.0;
        let linger = if producer.linger_ms == 0 {
            100.0
        } else {
            (b.age_ms as f64 / producer.linger_ms as f64).min(1.0) * 100.0
        };
        let (stage, where_) = match b.stage {
            BatchStage::Accumulating => ("accumulating", String::new()),
            BatchStage::Retrying => ("retrying", " · backing off to retry".to_owned()),
            BatchStage::InFlight(broker) => ("in-flight", format!(" · sent to broker {broker}")),
        };
        let sequence = b
            .base_sequence
            .filter(|_| producer.idempotent)
            .map(|s| format!(" · base sequence {s}"))
            .unwrap_or_default();
        let title = format!(
            "{}: {} record(s), {} of {} bytes (batch.size), {} ms old (linger.ms {}){}{}{}",
            b.partition,
            b.records,
            b.bytes,
            producer.batch_size,
            b.age_ms,
            producer.linger_ms,
            if b.attempts > 1 || b.stage == BatchStage::Retrying {
                // A retriable error reaches the application only at delivery.timeout.ms: the
                // batch is where its name shows meanwhile.
                format!(
                    " · attempt {}{}",
                    b.attempts + u32::from(b.stage == BatchStage::Retrying),
                    b.last_error
                        .map(|e| format!(" (the last failed: {e})"))
                        .unwrap_or_default()
                )
            } else {
                String::new()
            },
            sequence,
            where_,
        );
        html! {
            <span class={classes!("batch", stage)} title={title.clone()} aria-label={title} data-testid="batch">
                <span class="fill" style={format!("width: {fill:.0}%")}></span>
                <span class="label">{ format!("{} · {}", b.partition, b.records) }
                    if b.attempts > 1 || b.stage == BatchStage::Retrying { <b>{ " ↻" }</b> }
                </span>
                if !matches!(b.stage, BatchStage::InFlight(_)) {
                    <span class="linger" style={format!("width: {linger:.0}%")}></span>
                }
            </span>
        }
    };
    html! {
        <div class="pipeline" data-testid="pipeline">
            <span class="stage-name">{ "accumulator" }</span>
            { for waiting.iter().map(|b| batch(b)) }
            if waiting.is_empty() { <span class="meta">{ "empty" }</span> }
            <span class="stage-name">{ "→ in flight" }</span>
            { for sent.iter().map(|b| batch(b)) }
            if sent.is_empty() { <span class="meta">{ "none" }</span> }
        </div>
    }
}

/// What became of an acknowledged record lost since, in the simulation's own terms, from the
/// cause chain of its mark (nearest first, as "why?" lists it): the truncation after the send
/// that removed its offset, the power loss after it that took the partition's unflushed
/// records, an unclean election after it, or else the partition's leader, whose log lacks it
/// (the chain's last leader change: an acks=1 leader cut off from the others may acknowledge
/// records after another was elected). Otherwise the checker's own words, with nothing guessed.
fn lost_words(mark: &Mark, chain: &[Event]) -> String {
    let (tp, offset) = (&mark.tp, mark.offset);
    let Some(Event { at, kind }) = chain.first() else {
        return LOST.to_owned();
    };
    let after = *at >= mark.at;
    match kind {
        EventKind::FollowerTruncated {
            broker,
            tp: t,
            from,
            to,
            ..
        } if after && t == tp && (*to..*from).contains(&offset) => format!(
            " — later lost: broker {broker} truncated {tp} from offset {from} to {to} at {at} \
             (records the leader does not have)"
        ),
        EventKind::UnflushedRecordsLost { broker, tp: t, .. } if after && t == tp => format!(
            " — later lost: broker {broker} lost {tp}'s unflushed records in a power loss at {at}"
        ),
        EventKind::LeaderChanged {
            tp: t,
            to: Some(leader),
            unclean: true,
            ..
        } if after && t == tp => format!(
            " — later lost: broker {leader} was elected leader of {tp} at {at} without it \
             (unclean election)"
        ),
        EventKind::LeaderChanged {
            tp: t,
            to: Some(leader),
            unclean: false,
            ..
        } if t == tp => {
            format!(" — later lost: not in the log of broker {leader}, leader of {tp} since {at}")
        }
        _ => LOST.to_owned(),
    }
}

/// A loss's words when no event ties it to what removed the record.
const LOST: &str = " — lost after ack: the leader's log no longer has it";

fn outcome_class(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pending => "pending",
        Outcome::Failed { .. } | Outcome::Exception { .. } => "failed",
        _ => "ok",
    }
}

/// The key of send `i` of `times`: the typed key for one send, and `key-0`, `key-1`, ... for
/// several, so ten sends spread over partitions by key as ten different keys would (one key
/// would put all ten in one partition); no key stays null (the sticky partitioner's choice).
fn key_of(typed: &str, times: u32, i: u32) -> Option<String> {
    match (typed.is_empty(), times) {
        (true, _) => None,
        (false, 1) => Some(typed.to_owned()),
        (false, _) => Some(format!("{typed}-{i}")),
    }
}

/// Headers typed as `k1:v1,k2:v2` (a header without `:` has an empty value).
fn parse_headers(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once(':').unwrap_or((pair, ""));
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{key_of, lost_words, parse_headers};
    use kafka_sim::check::Mark;
    use kafka_sim::{Event, EventKind, SimTime, TopicPartition};

    /// producer-1's send at 28.980 s, acknowledged at offset 29 of orders-0 by broker 1, cut
    /// off from the other brokers; broker 2 elected at 13.003 s; broker 1 truncated on
    /// rejoining.
    fn lost_at(offset: u64) -> Mark {
        crate::components::lost_write(offset, offset, SimTime::from_millis(28_980))
    }

    fn event(at_ms: u64, kind: EventKind) -> Event {
        Event {
            at: SimTime::from_millis(at_ms),
            kind,
        }
    }

    fn truncated(at_ms: u64, from: u64, to: u64) -> Event {
        event(
            at_ms,
            EventKind::FollowerTruncated {
                broker: 1,
                tp: TopicPartition::new("orders", 0),
                from,
                to,
                removed: (from - to) as usize,
                removed_epoch: Some(0),
            },
        )
    }

    fn elected(at_ms: u64) -> Event {
        event(
            at_ms,
            EventKind::LeaderChanged {
                tp: TopicPartition::new("orders", 0),
                from: Some(1),
                to: Some(2),
                leader_epoch: 1,
                unclean: false,
                why: "was fenced",
            },
        )
    }

    /// The acknowledged line says what the simulation did to the record: the truncation that
    /// removed its offset, or (before the old leader comes back) the election without it.
    #[test]
    fn an_acknowledged_record_lost_since_says_what_removed_it() {
        let chain = [truncated(46_533, 30, 10), elected(13_003)];
        assert_eq!(
            lost_words(&lost_at(29), &chain),
            " — later lost: broker 1 truncated orders-0 from offset 30 to 10 at 46.533 s \
             (records the leader does not have)"
        );
        // Acknowledged by broker 1 after broker 2 was elected, before broker 1 came back.
        assert_eq!(
            lost_words(&lost_at(29), &[elected(13_003)]),
            " — later lost: not in the log of broker 2, leader of orders-0 since 13.003 s"
        );
    }

    /// Nothing is named that the events do not tie to the record: a truncation of other
    /// offsets, or one before the send, leaves the checker's own words.
    #[test]
    fn a_loss_not_tied_to_an_event_keeps_the_checkers_words() {
        let plain = " — lost after ack: the leader's log no longer has it";
        assert_eq!(
            lost_words(&lost_at(29), &[truncated(46_533, 60, 40)]),
            plain
        );
        assert_eq!(
            lost_words(&lost_at(29), &[truncated(20_000, 30, 10)]),
            plain
        );
        assert_eq!(lost_words(&lost_at(29), &[]), plain);
    }

    #[test]
    fn ten_sends_with_a_key_get_ten_distinct_keys() {
        let keys: Vec<_> = (0..10).filter_map(|i| key_of("key", 10, i)).collect();
        assert_eq!(keys.first().map(String::as_str), Some("key-0"));
        assert_eq!(keys.last().map(String::as_str), Some("key-9"));
        assert_eq!(
            keys.iter().collect::<std::collections::BTreeSet<_>>().len(),
            10
        );
        assert_eq!(
            key_of("key", 1, 0).as_deref(),
            Some("key"),
            "one send keeps its key"
        );
        assert_eq!(key_of("", 10, 3), None, "no key stays null");
    }

    #[test]
    fn headers_are_comma_separated_key_colon_value_pairs() {
        assert_eq!(
            parse_headers("trace:abc, source:web ,flag"),
            [
                ("trace".to_owned(), "abc".to_owned()),
                ("source".to_owned(), "web".to_owned()),
                ("flag".to_owned(), String::new())
            ]
        );
        assert!(parse_headers("  ").is_empty());
    }
}
