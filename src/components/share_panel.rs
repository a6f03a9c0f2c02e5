//! Share groups (KIP-932) on the page: share consumers, which borrow records under a lock
//! instead of owning partitions, and the share partitions their leaders keep: the window from
//! the SPSO to the SPEO and each in-flight record's state, holder and delivery count.

use super::pause_button::{PauseButton, Process, paused_badge};
use kafka_sim::share_consumer::AcknowledgementMode;
use kafka_sim::{Command, RecordState, ShareConsumerView, SharePartitionView, ShareRecordView};
use yew::prelude::*;

/// A share consumer: its membership, its application, and what it got with which delivery
/// count; a refused acknowledgement (the lock had expired) shows the leader's error.
pub fn share_consumer_card(consumer: &ShareConsumerView, on_command: &Callback<Command>) -> Html {
    let name = consumer.name.clone();
    let emit = |command: Command| {
        let on_command = on_command.clone();
        Callback::from(move |_: MouseEvent| on_command.emit(command.clone()))
    };
    let crash_or_restart = if consumer.up {
        html! { <button onclick={emit(Command::CrashClient { name: name.clone() })} data-testid="share-consumer-crash" aria-label={format!("Crash {name}")}
        title="kill -9: the records it holds stay locked until group.share.record.lock.duration.ms passes">{ "Crash" }</button> }
    } else {
        html! { <button onclick={emit(Command::RestartClient { name: name.clone() })} data-testid="share-consumer-restart" aria-label={format!("Restart {name}")}>{ "Restart" }</button> }
    };
    let stall_or_resume = if consumer.app == "stalled" {
        html! { <button onclick={emit(Command::ResumeConsumer { consumer: name.clone() })} data-testid="share-consumer-resume" aria-label={format!("Resume {name}")}>{ "Resume" }</button> }
    } else {
        html! { <button onclick={emit(Command::StallConsumer { consumer: name.clone() })} data-testid="share-consumer-stall" aria-label={format!("Stall {name}")}
        disabled={!consumer.up || consumer.closed}
        title="The application stops processing; heartbeats go on, and its locks expire">{ "Stall" }</button> }
    };
    let mode = match (consumer.acknowledgement_mode, consumer.app_acknowledge) {
        (AcknowledgementMode::Implicit, _) => "implicit acknowledgement".to_owned(),
        (AcknowledgementMode::Explicit, Some(kind)) => {
            format!("explicit acknowledgement: {}", kind.name())
        }
        (AcknowledgementMode::Explicit, None) => "explicit acknowledgement".to_owned(),
    };
    let assignment = if consumer.assignment.is_empty() {
        "no partitions".to_owned()
    } else {
        consumer.assignment.join(", ")
    };
    html! {
        <article class={classes!("consumer", "share-consumer", (!consumer.up).then_some("down"), consumer.paused.then_some("paused"))}
            data-testid="share-consumer" key={name.clone()}>
            <header>
                <strong>{ &consumer.name }</strong>
                { paused_badge(consumer.paused) }
                <span class="meta" data-testid="share-consumer-state">
                    { match consumer.up {
                        true => format!(" share group {} · epoch {} · {}", consumer.group, consumer.member_epoch, consumer.app),
                        // The process holds no epoch; the coordinator keeps its member until
                        // the session times out, the leaders its locks until they expire.
                        false => format!(" share group {} · process down", consumer.group),
                    } }
                </span>
            </header>
            <p class="meta">{ format!("fetches from {assignment} (shared) · {mode} · max.poll.records {} · {} buffered",
                consumer.max_poll_records, consumer.buffered) }</p>
            if consumer.deliveries.is_empty() {
                <p class="meta empty" data-testid="share-consumer-idle">{ "no records yet" }</p>
            } else {
                <table class="messages" aria-label={format!("Records delivered to {}", consumer.name)}>
                    <thead><tr><th>{ "partition" }</th><th>{ "offset" }</th>
                        <th title="How many times the record was acquired, this time included">{ "delivery" }</th>
                        <th>{ "ack" }</th><th>{ "leader's answer" }</th></tr></thead>
                    <tbody>
                        { for consumer.deliveries.iter().map(|d| {
                            let refused = d.result.as_deref().is_some_and(|r| r != "NONE");
                            html! {
                                <tr data-testid="share-delivery" class={classes!(refused.then_some("refused"), (d.delivery_count > 1).then_some("redelivered"))}>
                                    <td>{ &d.partition }</td><td>{ d.offset }</td>
                                    <td data-testid="share-delivery-count">{ d.delivery_count }</td>
                                    <td>{ d.acknowledged.map_or("-", |a| a.name()) }</td>
                                    <td data-testid="share-delivery-result">{ d.result.clone().unwrap_or_else(|| "-".to_owned()) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if consumer.deliveries_total > consumer.deliveries.len() {
                    <p class="meta">{ format!("newest {} of {} deliveries", consumer.deliveries.len(), consumer.deliveries_total) }</p>
                }
            }
            <div class="actions">
                <PauseButton process={Process::Client(name.clone())} paused={consumer.paused}
                    disabled={!consumer.up || consumer.closed} on_command={on_command.clone()} />
                { crash_or_restart }
                { stall_or_resume }
                <button onclick={emit(Command::CloseConsumer { consumer: name.clone() })} disabled={!consumer.up || consumer.closed}
                    data-testid="share-consumer-close" aria-label={format!("Close {name}")}
                    title="close(): acknowledges what it processed, hands back what it holds, leaves the group">{ "Close" }</button>
            </div>
        </article>
    }
}

fn state_name(state: RecordState) -> &'static str {
    match state {
        RecordState::Available => "available",
        RecordState::Acquired => "acquired",
        RecordState::Acknowledged => "acknowledged",
        RecordState::Archived => "archived",
    }
}

/// Whole seconds left on a lock, rounded up: "0 s" would read as expired.
fn seconds_left(ms: u64) -> u64 {
    ms.div_ceil(1_000)
}

fn record_cell(record: &ShareRecordView) -> Html {
    let state = state_name(record.state);
    let holder = match (&record.holder, record.lock_ms_left) {
        (Some(holder), Some(ms)) => format!(" by {holder}, lock {} s", seconds_left(ms)),
        _ => String::new(),
    };
    let label = format!(
        "offset {}: {state}{holder}, delivery count {}",
        record.offset, record.delivery_count
    );
    html! {
        <li class={classes!("share-cell", state)} data-testid="share-record" data-state={state}
            aria-label={label.clone()} title={label}>
            <span class="offset">{ record.offset }</span>
            <span class="count" aria-hidden="true">{ format!("×{}", record.delivery_count) }</span>
            if let (Some(holder), Some(ms)) = (&record.holder, record.lock_ms_left) {
                <span class="holder" aria-hidden="true">{ format!("{holder} {}s", seconds_left(ms)) }</span>
            }
        </li>
    }
}

fn share_partition(partition: &SharePartitionView) -> Html {
    html! {
        <div class="share-partition" data-testid="share-partition" key={format!("{}/{}", partition.group, partition.partition)}>
            <h4>
                { format!("{} · {} ", partition.group, partition.partition) }
                <span class="meta" data-testid="share-partition-window">
                    { format!("leader broker {} · SPSO {} · SPEO {}", partition.leader, partition.start_offset, partition.end_offset) }
                </span>
            </h4>
            if partition.records.is_empty() {
                <p class="meta" data-testid="share-partition-empty">{ "nothing in flight: every record before the SPEO is done" }</p>
            } else {
                <ol class="share-strip" aria-label={format!("In-flight records of {} for share group {}", partition.partition, partition.group)}>
                    { for partition.records.iter().map(record_cell) }
                </ol>
            }
            if partition.more_records > 0 {
                <p class="meta">{ format!("and {} more in-flight record(s)", partition.more_records) }</p>
            }
        </div>
    }
}

/// Every share partition, with a legend and what the playground leaves out.
pub fn share_partitions(partitions: &[SharePartitionView]) -> Html {
    if partitions.is_empty() {
        return html! {};
    }
    html! {
        <div class="share-partitions" data-testid="share-partitions" role="region" aria-label="Share partitions">
            <h3>{ "Share partitions" }</h3>
            <p class="meta">{ "From the SPSO (share-partition start offset: everything before is done) to the SPEO (the next offset never handed out). Each cell is one record: its offset and ×delivery count." }</p>
            <ul class="share-legend" aria-label="Record states">
                <li class="share-cell available">{ "available" }</li>
                <li class="share-cell acquired">{ "acquired (holder, lock left)" }</li>
                <li class="share-cell acknowledged">{ "acknowledged" }</li>
                <li class="share-cell archived">{ "archived" }</li>
            </ul>
            { for partitions.iter().map(share_partition) }
            <p class="meta note" data-testid="share-simplified">
                { "Simplified: a share partition's state lives on its leader only. Kafka persists it through the share coordinator to __share_group_state; here a leader change starts the share partition afresh. Share sessions are not modelled." }
            </p>
        </div>
    }
}
