//! A topic's partitions in the vocabulary of Kafka UIs (leader, replicas, ISR, LEO, HW), with
//! each replica's log drawn record by record: the high watermark as a line, records above it
//! (not yet committed, invisible to consumers) hatched, and leader epochs as colours.

use crate::components::finding_mark::{FindingMark, glyph, label};
use crate::sim_context::{Form, use_sim};
use crate::sim_handle::PartitionMarks;
use kafka_sim::ControlType;
use kafka_sim::check::Mark;
use kafka_sim::{
    Command, ElectionKind, Event, PartitionView, ReplicaView, TopicPartition, TopicView,
};
use yew::prelude::*;

/// Every topic of the run shown, each table drawn again only when its topic or its marks
/// changed (the callbacks are made once, so its props compare equal otherwise).
#[function_component(Topics)]
pub fn topics() -> Html {
    let sim = use_sim();
    let actions = &sim.actions;
    html! {
        <section class="topics" aria-label="Topics">
            { for sim.view.topics.iter().map(|topic| html! {
                <PartitionTable key={topic.name.clone()} topic={topic.clone()}
                    on_command={actions.command(Form::Page)}
                    marks={sim.sim.marks(topic)} explain={actions.explain_mark.clone()} />
            }) }
        </section>
    }
}

/// Properties of [`PartitionTable`].
#[derive(Properties, PartialEq)]
pub struct PartitionTableProps {
    /// The topic to draw.
    pub topic: TopicView,
    /// Sends an election to the core.
    pub on_command: Callback<Command>,
    /// The checker's marks, per partition in the view's order.
    #[prop_or_default]
    pub marks: Vec<PartitionMarks>,
    /// The events that caused a mark, nearest first.
    #[prop_or(Callback::from(|_| Vec::new()))]
    pub explain: Callback<Mark, Vec<Event>>,
}

/// Bytes as Kafka UIs show them: B, KB, MB (powers of 1024).
fn bytes(n: u64) -> String {
    match n {
        0..1_024 => format!("{n} B"),
        1_024..1_048_576 => format!("{:.1} KB", n as f64 / 1_024.0),
        _ => format!("{:.1} MB", n as f64 / 1_048_576.0),
    }
}

fn ids(brokers: &[u32]) -> String {
    brokers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn status(p: &PartitionView) -> (&'static str, &'static str) {
    if p.offline {
        ("offline", "offline: no leader")
    } else if p.under_min_isr {
        ("under-min-isr", "under min ISR: acks=all fails")
    } else if p.under_replicated {
        ("under-replicated", "under-replicated")
    } else {
        ("healthy", "in sync")
    }
}

/// One topic: a header, a row per partition, and the replica logs beneath each row.
#[function_component(PartitionTable)]
pub fn partition_table(props: &PartitionTableProps) -> Html {
    let topic = &props.topic;
    let rf = topic.partitions.first().map_or(0, |p| p.replicas.len());
    // Only partitions not already led by their preferred replica: Kafka refuses the others
    // with ELECTION_NOT_NEEDED.
    let preferred = {
        let partitions: Vec<TopicPartition> = topic
            .partitions
            .iter()
            .filter(|p| p.leader != p.replicas.first().copied())
            .map(|p| TopicPartition::new(&topic.name, p.partition))
            .collect();
        props
            .on_command
            .reform(move |_: MouseEvent| Command::ElectLeaders {
                election: ElectionKind::Preferred,
                partitions: Some(partitions.clone()),
            })
    };
    html! {
        <section class="topic" data-testid="topic" data-topic={topic.name.clone()} aria-label={format!("Topic {}", topic.name)}>
            <h3>
                { &topic.name }
                <small>{ format!(" · {} partition(s) · replication factor {rf} · min.insync.replicas={}", topic.partitions.len(), topic.min_insync_replicas) }</small>
                <small data-testid="topic-stats">{ format!(" · {} message(s) · {} · {} under-replicated", topic.messages, bytes(topic.size_bytes),
                    topic.partitions.iter().filter(|p| p.under_replicated).count()) }</small>
                <button class="elect" data-testid="preferred-election" onclick={preferred}
                    title="kafka-leader-election --election-type PREFERRED: move each partition's leadership back to its first replica, if in sync">
                    { "Preferred leader election" }</button>
            </h3>
            <table class="partitions">
                <thead><tr>
                    <th>{ "Partition" }</th><th>{ "Leader" }</th><th>{ "Epoch" }</th><th>{ "Replicas" }</th>
                    <th>{ "ISR" }</th><th>{ "Status" }</th><th>{ "Replica logs (newest records; line = high watermark)" }</th>
                </tr></thead>
                <tbody>
                    { for topic.partitions.iter().enumerate().map(|(index, p)| {
                        let (class, label) = status(p);
                        let marks = props.marks.get(index);
                        let of_replica = |r: usize| marks.and_then(|m| m.records.get(r)).map_or(&[][..], Vec::as_slice);
                        html! {
                            <tr data-testid="partition" data-partition={p.partition.to_string()} class={class}>
                                <td>{ p.partition }</td>
                                <td data-testid="partition-leader">{ p.leader.map_or_else(|| "none".to_owned(), |l| l.to_string()) }</td>
                                <td>{ p.leader_epoch }</td>
                                <td>{ ids(&p.replicas) }</td>
                                <td data-testid="partition-isr">{ ids(&p.isr) }</td>
                                <td><span class={classes!("status", class)}>{ label }</span></td>
                                <td class="logs">
                                    { for p.replica_logs.iter().enumerate().map(|(i, r)| replica_row(r, p, of_replica(i))) }
                                    { findings(p, marks, &props.explain) }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// The partition's marks in words, each with its "why?": those on the leader's records shown
/// (or, without a leader, the first replica's), and the acknowledged offsets it lost.
fn findings(
    partition: &PartitionView,
    marks: Option<&PartitionMarks>,
    explain: &Callback<Mark, Vec<Event>>,
) -> Html {
    let Some(marks) = marks else {
        return Html::default();
    };
    let shown = partition
        .leader
        .and_then(|l| partition.replica_logs.iter().position(|r| r.broker == l))
        .unwrap_or(0);
    let on_records: Vec<&Mark> = marks
        .records
        .get(shown)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    if on_records.is_empty() && marks.truncated.is_empty() {
        return Html::default();
    }
    let truncated = |mark: &Mark| {
        if mark.offset == mark.last {
            format!("offset {} truncated after ack", mark.offset)
        } else {
            format!("offsets {}-{} truncated after ack", mark.offset, mark.last)
        }
    };
    html! {
        <ul class="findings" data-testid="partition-findings" aria-label="What the checker finds here">
            { for marks.truncated.iter().map(|mark| html! {
                <li><FindingMark mark={mark.clone()} explain={explain.clone()} text={truncated(mark)} /></li>
            }) }
            { for on_records.into_iter().map(|mark| html! {
                <li><FindingMark mark={mark.clone()} explain={explain.clone()}
                    text={format!("offset {} · {}", mark.offset, label(mark.violation.anomaly).0)} /></li>
            }) }
        </ul>
    }
}

fn replica_row(replica: &ReplicaView, partition: &PartitionView, marks: &[Vec<Mark>]) -> Html {
    let is_leader = partition.leader == Some(replica.broker);
    let in_isr = partition.isr.contains(&replica.broker);
    // The view carries only the newest records (kafka_sim::RECORDS_IN_VIEW); the rest
    // of a log, which starts at the log start offset and has no gaps, is counted.
    let skip = replica.log_end_offset - replica.log_start_offset - replica.records.len() as u64;
    let role = if is_leader {
        "leader"
    } else if in_isr {
        "in sync"
    } else {
        "out of sync"
    };
    html! {
        <div class={classes!("replica", is_leader.then_some("leader"), (!in_isr).then_some("out-of-sync"))}
            data-testid="replica" data-broker={replica.broker.to_string()}
            aria-label={format!("broker {} ({role}): log start offset {}, log end offset {}, high watermark {}", replica.broker, replica.log_start_offset, replica.log_end_offset, replica.high_watermark)}>
            <span class="who" title={role}>{ format!("B{}{}", replica.broker, if is_leader { "★" } else { "" }) }</span>
            <span class="records">
                if skip > 0 { <span class="more">{ format!("…{skip}") }</span> }
                { for replica.records.iter().enumerate().map(|(i, record)| {
                    let marked = marks.get(i).map_or(&[][..], Vec::as_slice);
                    let committed = record.offset < replica.high_watermark;
                    let hw_edge = record.offset + 1 == replica.high_watermark;
                    // Transaction markers show as C/A; records of a transaction get a dashed
                    // outline until the log says how it ended.
                    let (marker, shown) = match record.control {
                        Some(ControlType::Commit) => (Some("marker commit"), "C".to_owned()),
                        Some(ControlType::Abort) => (Some("marker abort"), "A".to_owned()),
                        None => (None, record.offset.to_string()),
                    };
                    let fate = match (record.transactional, record.ended_by) {
                        (false, _) => None,
                        (true, Some(ControlType::Commit)) => Some(("committed", "transaction committed")),
                        (true, Some(ControlType::Abort)) => Some(("aborted", "transaction aborted: read_committed skips it")),
                        (true, None) => Some(("open", "transaction open: read_committed waits at the LSO")),
                    };
                    let mut what = match (record.control, fate) {
                        (Some(control), _) => format!("{} marker", control.name()),
                        (None, Some((_, fate))) => format!("{fate} · key {} · value {}", record.key, record.value),
                        (None, None) => format!("key {} · value {}", record.key, record.value),
                    };
                    for mark in marked {
                        what.push_str(&format!(" · {}: {}", label(mark.violation.anomaly).0, mark.violation.detail));
                    }
                    html! {
                        <span class={classes!("record", format!("epoch-{}", record.leader_epoch % 6), (!committed).then_some("uncommitted"), hw_edge.then_some("hw"),
                            marker, record.transactional.then_some("transactional"), fate.map(|(class, _)| class),
                            (!marked.is_empty()).then_some("marked"))}
                            title={format!("offset {} · leader epoch {} · {what}", record.offset, record.leader_epoch)}>
                            { shown }
                            { for marked.iter().map(|mark| html! {
                                <b class={classes!("record-mark", mark.violation.anomaly.to_string())} data-testid="record-mark"
                                    data-kind={mark.violation.anomaly.to_string()}>{ glyph(mark.violation.anomaly) }</b>
                            }) }
                            // The key under the offset: keys decide partitions, so they are
                            // shown, not only in the tooltip.
                            if record.control.is_none() && record.key != "null" {
                                <small class="key" data-testid="record-key">{ &record.key }</small>
                            }
                        </span>
                    }
                }) }
            </span>
            <span class="marks">
                if replica.log_start_offset > 0 {
                    <span class="log-start" data-testid="log-start"
                        title={format!("log start offset: retention deleted {} old segment(s) below it; a fetch below it is OFFSET_OUT_OF_RANGE", replica.deleted_segments)}>
                        { format!("start {} · {} seg. deleted · ", replica.log_start_offset, replica.deleted_segments) }
                    </span>
                }
                { format!("LEO {} · HW {}", replica.log_end_offset, replica.high_watermark) }
                if replica.last_stable_offset < replica.high_watermark {
                    <span class="lso" title="last stable offset: an open transaction holds read_committed consumers here" data-testid="lso">
                        { format!(" · LSO {}", replica.last_stable_offset) }
                    </span>
                }
            </span>
        </div>
    }
}
