//! Offsets by hand, inside a consumer's card: the `KafkaConsumer` calls that move or commit
//! positions (`seek`, `seekToBeginning`, `seekToEnd`, `commitSync` / `commitAsync` of explicit
//! offsets with metadata), `pause` / `resume` of a partition, and the calls that answer
//! (`position`, `committed`, `offsetsForTimes`), whose answers are listed under the controls.
//! Every control sends a command, so a share link replays it; what Kafka refuses (a negative
//! offset, a partition not assigned) comes back as its exception in the panel's error line.

use crate::hooks::use_choice::{ChoiceSelect, plain, use_choice};
use crate::hooks::use_field::use_field;
use kafka_sim::{Command, CommitOffset, ConsumerView, TopicPartition};
use yew::prelude::*;

/// Properties of [`ConsumerOffsets`].
#[derive(Properties, PartialEq)]
pub struct ConsumerOffsetsProps {
    /// The consumer.
    pub consumer: ConsumerView,
    /// Applies a command.
    pub on_command: Callback<Command>,
}

/// Builds a command for the chosen partition from the fields, or names the field that is not
/// a number.
type Build = Box<dyn Fn(&TopicPartition) -> Result<Command, String>>;

/// A number as Java's `long` takes it: negative ones are left for Kafka to refuse.
fn long(text: &str, what: &str) -> Result<i64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what}: {:?} is not a number", text.trim()))
}

/// Seek, commit, pause and ask, for one of the consumer's partitions.
#[function_component(ConsumerOffsets)]
pub fn consumer_offsets(props: &ConsumerOffsetsProps) -> Html {
    let consumer = &props.consumer;
    let partition = use_choice("");
    let offset = use_field("0");
    let metadata = use_field("");
    let timestamp = use_field("0");
    let problem = use_state(|| None::<String>);
    let owned: Vec<String> = consumer
        .partitions
        .iter()
        .map(|p| p.tp.to_string())
        .collect();
    let chosen = partition.among(owned.iter().map(String::as_str));
    let Some(tp) = consumer
        .partitions
        .iter()
        .find(|p| p.tp.to_string() == chosen)
        .map(|p| p.tp.clone())
    else {
        return Html::default();
    };
    let paused = consumer.partitions.iter().any(|p| p.tp == tp && p.paused);
    let live = consumer.up && !consumer.closed;
    let name = consumer.name.clone();
    // Builds the command from the fields when clicked; a field that is not a number is named
    // here and nothing is sent.
    let send = |build: Build| {
        let (on_command, problem, tp) = (props.on_command.clone(), problem.clone(), tp.clone());
        Callback::from(move |_: MouseEvent| match build(&tp) {
            Ok(command) => {
                problem.set(None);
                on_command.emit(command);
            }
            Err(error) => problem.set(Some(error)),
        })
    };
    let seek = {
        let (name, offset) = (name.clone(), offset.value.clone());
        send(Box::new(move |tp| {
            Ok(Command::Seek {
                consumer: name.clone(),
                tp: tp.clone(),
                offset: long(&offset, "offset")?,
            })
        }))
    };
    let to_end = |end: bool| {
        let name = name.clone();
        send(Box::new(move |tp| {
            let (consumer, partitions) = (name.clone(), vec![tp.clone()]);
            Ok(if end {
                Command::SeekToEnd {
                    consumer,
                    partitions,
                }
            } else {
                Command::SeekToBeginning {
                    consumer,
                    partitions,
                }
            })
        }))
    };
    let commit = |sync: bool| {
        let (name, offset, metadata) = (name.clone(), offset.value.clone(), metadata.value.clone());
        send(Box::new(move |tp| {
            let offsets = vec![CommitOffset {
                tp: tp.clone(),
                offset: long(&offset, "offset")?,
                metadata: metadata.clone(),
            }];
            let consumer = name.clone();
            Ok(if sync {
                Command::CommitSyncOffsets { consumer, offsets }
            } else {
                Command::CommitAsyncOffsets { consumer, offsets }
            })
        }))
    };
    let by_time = {
        let (name, timestamp) = (name.clone(), timestamp.value.clone());
        send(Box::new(move |tp| {
            Ok(Command::OffsetsForTimes {
                consumer: name.clone(),
                tp: tp.clone(),
                timestamp_ms: long(&timestamp, "timestamp")?,
            })
        }))
    };
    let ask = |committed: bool| {
        let name = name.clone();
        send(Box::new(move |tp| {
            let consumer = name.clone();
            Ok(if committed {
                Command::Committed {
                    consumer,
                    partitions: vec![tp.clone()],
                }
            } else {
                Command::Position {
                    consumer,
                    tp: tp.clone(),
                }
            })
        }))
    };
    let pause = {
        let name = name.clone();
        send(Box::new(move |tp| {
            let (consumer, partitions) = (name.clone(), vec![tp.clone()]);
            Ok(if paused {
                Command::ResumePartitions {
                    consumer,
                    partitions,
                }
            } else {
                Command::PausePartitions {
                    consumer,
                    partitions,
                }
            })
        }))
    };
    html! {
        <details class="consumer-offsets" data-testid="consumer-offsets">
            <summary>{ "Offsets by hand" }</summary>
            <div class="offsets-row">
                <label>{ "partition" }
                    <ChoiceSelect choice={partition.clone()} options={plain(&owned)} testid="offsets-partition" />
                </label>
                <label>{ "offset" }
                    <input type="number" value={offset.value.clone()} oninput={offset.oninput.clone()} data-testid="offsets-offset" />
                </label>
                <button onclick={seek} disabled={!live} data-testid="offsets-seek"
                    title="seek(partition, offset): the next poll starts there">{ "seek()" }</button>
                <button onclick={to_end(false)} disabled={!live} data-testid="offsets-beginning"
                    title="seekToBeginning: resolved by ListOffsets at the next poll">{ "seekToBeginning()" }</button>
                <button onclick={to_end(true)} disabled={!live} data-testid="offsets-end"
                    title="seekToEnd: resolved by ListOffsets at the next poll">{ "seekToEnd()" }</button>
            </div>
            <div class="offsets-row">
                <label>{ "metadata" }
                    <input value={metadata.value.clone()} oninput={metadata.oninput.clone()} data-testid="offsets-metadata"
                        placeholder="stored with the offset" />
                </label>
                <button onclick={commit(true)} disabled={!live} data-testid="offsets-commit-sync"
                    title="commitSync(Map<TopicPartition, OffsetAndMetadata>) of this partition at the offset above">{ "commitSync(offset)" }</button>
                <button onclick={commit(false)} disabled={!live} data-testid="offsets-commit-async">{ "commitAsync(offset)" }</button>
            </div>
            <div class="offsets-row">
                <label>{ "timestamp ms" }
                    <input type="number" value={timestamp.value.clone()} oninput={timestamp.oninput.clone()} data-testid="offsets-timestamp" />
                </label>
                <button onclick={by_time} disabled={!live} data-testid="offsets-for-times"
                    title="offsetsForTimes: the first offset whose timestamp is at least this">{ "offsetsForTimes()" }</button>
                <button onclick={ask(false)} disabled={!live} data-testid="offsets-position">{ "position()" }</button>
                <button onclick={ask(true)} disabled={!live} data-testid="offsets-committed">{ "committed()" }</button>
                <button onclick={pause} disabled={!live} data-testid="offsets-pause" aria-pressed={paused.to_string()}
                    title="A paused partition is not fetched; it stays assigned and no rebalance happens">
                    { if paused { "resume()" } else { "pause()" } }</button>
            </div>
            if consumer.partitions.iter().any(|p| p.paused) {
                <p class="meta" data-testid="offsets-paused">{ format!("paused: {}",
                    consumer.partitions.iter().filter(|p| p.paused).map(|p| p.tp.to_string()).collect::<Vec<_>>().join(", ")) }</p>
            }
            if let Some(problem) = &*problem {
                <p class="error" role="alert" data-testid="offsets-problem">{ problem }</p>
            }
            if !consumer.answers.is_empty() {
                <ul class="answers" aria-label={format!("Answers of {}", consumer.name)}>
                    { for consumer.answers.iter().map(|a| html! { <li data-testid="offsets-answer">{ a }</li> }) }
                </ul>
            }
        </details>
    }
}
