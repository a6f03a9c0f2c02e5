//! A topic's partitions in the vocabulary of Kafka UIs (leader, replicas, ISR, LEO, HW), with
//! each replica's log drawn record by record: the high watermark as a line, records above it
//! (not yet committed, invisible to consumers) hatched, and leader epochs as colours.

use crate::components::elements;
use crate::components::finding_mark::{FindingMark, glyph, label};
use crate::components::on_screen::OnScreen;
use crate::sim_context::{Form, RECORDS_OPENED, SimAction, use_sim};
use crate::sim_handle::PartitionMarks;
use gloo_events::EventListener;
use kafka_sim::ControlType;
use kafka_sim::RECORDS_IN_VIEW;
use kafka_sim::check::Mark;
use kafka_sim::{
    Command, ElectionKind, Event, PartitionView, ReplicaView, TopicPartition, TopicView,
};
use std::collections::BTreeSet;
use yew::prelude::*;

/// Every topic of the run shown, each table drawn again only when its topic or its marks
/// changed (the callbacks are made once, so its props compare equal otherwise).
///
/// A log draws only its newest records that fit on a line (the view carries no more), so a
/// frame costs what is on screen however long the run; after each draw the table measures how
/// many fit and tells the page when that changed (a resize, a narrow screen).
#[function_component(Topics)]
pub fn topics() -> Html {
    let sim = use_sim();
    let actions = &sim.actions;
    let section = use_node_ref();
    let on_open = {
        let actions = actions.clone();
        use_memo((), move |_| {
            actions.send(|(partition, open)| SimAction::OpenLog(partition, open))
        })
    };
    // Made once: it reports rows scrolling on or off screen for as long as the section lives.
    let on_screen = {
        let dispatch = actions.dispatch.clone();
        use_memo((), move |_| {
            OnScreen::new(move |seen| dispatch.dispatch(SimAction::OnScreen(seen)))
        })
    };
    let measured = use_mut_ref(|| f64::NEG_INFINITY);
    {
        let (section, dispatch, fit) = (section.clone(), actions.dispatch.clone(), sim.records_fit);
        let playing = sim.playing;
        let on_screen = on_screen.clone();
        use_effect(move || {
            let section = section.cast::<web_sys::Element>();
            // Measuring forces the browser to lay the page out in the middle of the frame:
            // while playing, once a second is enough (keys only widen cells so far, and a
            // resize measures at once).
            let now = js_sys::Date::now();
            let due = !playing || now - *measured.borrow() >= MEASURE_PLAYING_MS;
            if due {
                *measured.borrow_mut() = now;
                if let Some(fits) = section.as_ref().and_then(records_fit)
                    && fits != fit
                {
                    dispatch.dispatch(SimAction::RecordsFit(fits));
                }
            }
            if let Some(section) = section {
                scroll_newly_opened_to_newest(&section);
                if let Some(on_screen) = &*on_screen {
                    on_screen.observe_new_rows(&section);
                }
            }
        });
    }
    {
        // A resize does not draw the page (a paused run draws nothing), so it measures again
        // itself: a window widened after a narrow draw kept the narrow count, or the wider.
        let (section, dispatch) = (section.clone(), actions.dispatch.clone());
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "resize", move |_| {
                    if let Some(now) = section
                        .cast::<web_sys::Element>()
                        .as_ref()
                        .and_then(records_fit)
                    {
                        dispatch.dispatch(SimAction::RecordsFit(now));
                    }
                })
            });
            move || drop(listener)
        });
    }
    html! {
        <section class="topics" aria-label="Topics" ref={section}>
            { for sim.view.topics.iter().map(|topic| html! {
                <PartitionTable key={topic.name.clone()} topic={topic.clone()}
                    on_command={actions.command(Form::Page)}
                    marks={sim.sim.marks(topic)} explain={actions.explain_mark.clone()}
                    opened={opened(&sim.opened_logs, &topic.name)} on_open={(*on_open).clone()} />
            }) }
        </section>
    }
}

/// A log opened to read further back first shows its newest records, where the reader was
/// (the box lists oldest first); later renders leave the reader's scrolling alone.
fn scroll_newly_opened_to_newest(section: &web_sys::Element) {
    const MARK: &str = "data-scrolled";
    // A closed log forgets it was scrolled, so opening it again starts at the newest.
    for records in
        elements(section.query_selector_all(&format!(".replica:not(.opened) .records[{MARK}]")))
    {
        let _ = records.remove_attribute(MARK);
    }
    for records in
        elements(section.query_selector_all(&format!(".replica.opened .records:not([{MARK}])")))
    {
        records.set_scroll_top(records.scroll_height());
        let _ = records.set_attribute(MARK, "");
    }
}

/// How often (real milliseconds) a playing table measures how many records fit.
const MEASURE_PLAYING_MS: f64 = 1_000.0;

/// The widest a record cell with a key gets: `.record .key`'s max-width (3.2rem).
const KEYED_CELL_PX: f64 = 51.2;

/// The logs' share of the table's width (`.partitions th:last-child` in style.css).
const LOGS_SHARE: f64 = 0.6;

/// A topic card's padding left and right (`.topic`'s 1rem).
const CARD_PADDING_PX: f64 = 32.0;

/// The fewest records a closed log shows, however narrow the screen (they wrap).
const MIN_RECORDS_FIT: usize = 4;

/// How many records fit on a line under a replica's name and labels, from the first closed
/// log drawn with records: the width the logs' column has in its card (not what it holds has
/// widened it to), less the "…" count, over the widest record cell drawn (keys widen them).
/// None while no such log is drawn.
fn records_fit(section: &web_sys::Element) -> Option<usize> {
    let width = |within: &web_sys::Element, selector: &str| -> f64 {
        within
            .query_selector(selector)
            .ok()
            .flatten()
            .map_or(0.0, |e| e.get_bounding_client_rect().width())
    };
    let (row, cell) =
        elements(section.query_selector_all(".replica:not(.opened)")).find_map(|row| {
            let widest = elements(row.query_selector_all(".record"))
                .map(|c| c.get_bounding_client_rect().width())
                .fold(0.0, f64::max);
            // A cell with a key is as wide as the widest key allowed (`.record .key`), so the
            // count does not depend on which keys are drawn (and cannot swing with them).
            let keyed = row.query_selector(".record .key").ok().flatten().is_some();
            let widest = if keyed {
                widest.max(KEYED_CELL_PX)
            } else {
                widest
            };
            (widest > 0.0).then_some((row, widest))
        })?;
    let logs = row.parent_element()?;
    // The records have a line of their own under the name and labels: the cell's width less
    // its padding, the "…" count and a gap. An auto table widens the column, and the table
    // past its card, for what the column holds, so the count would depend on itself: the
    // column gets at most its share of the card and what the card leaves it beside the other
    // columns (all of the card on a narrow page, where the logs have a line of their own).
    let card = f64::from(logs.closest(".topic").ok()??.client_width()) - CARD_PADDING_PX;
    let table = logs.closest("table").ok()??.get_bounding_client_rect();
    let beside = logs.get_bounding_client_rect().left() - table.left();
    let share = if beside < 1.0 {
        card
    } else {
        card * LOGS_SHARE
    };
    let column = f64::from(logs.client_width()).min(share).min(card - beside);
    let free = column - 13.0 - width(&row, ".more") - 6.4;
    Some(((free / (cell + 1.0)) as usize).clamp(MIN_RECORDS_FIT, RECORDS_IN_VIEW))
}

/// The partitions of `topic` whose logs the reader opened.
fn opened(logs: &BTreeSet<TopicPartition>, topic: &str) -> Vec<u32> {
    logs.iter()
        .filter(|tp| &*tp.topic == topic)
        .map(|tp| tp.partition)
        .collect()
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
    /// The partitions whose logs the reader opened to read further back.
    #[prop_or_default]
    pub opened: Vec<u32>,
    /// Opens (true) or closes a partition's logs.
    #[prop_or_default]
    pub on_open: Callback<(TopicPartition, bool)>,
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

/// `min(min.insync.replicas, replication factor)`: the ISR size acks=all and the high
/// watermark need (`Replica::effective_min_isr` in the core; Kafka 4.0's effective min ISR).
fn min_isr_needed(p: &PartitionView, min_insync_replicas: u32) -> usize {
    (min_insync_replicas as usize).min(p.replicas.len())
}

fn status(p: &PartitionView, min_insync_replicas: u32) -> (&'static str, &'static str) {
    if p.offline {
        ("offline", "offline: no leader")
    } else if p.isr.len() < min_isr_needed(p, min_insync_replicas) {
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
    // Deleting asks first: the records go with the topic (the timeline can still rewind to
    // before it), and kafka-topics asks nothing.
    let deleting = use_state(|| false);
    // The question takes the keyboard's focus to its safe answer, and Keep gives it back to
    // the button that asked: the element focused before went with the branch it was in.
    let (keep, ask, drawn) = (use_node_ref(), use_node_ref(), use_mut_ref(|| false));
    {
        let (keep, ask) = (keep.clone(), ask.clone());
        use_effect_with(*deleting, move |&deleting| {
            // Not on the table's first draw: only an answer moves the focus.
            if drawn.replace(true) {
                let target = if deleting { keep } else { ask };
                let focused = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element());
                // Only if the focus went with the branch: a reader gone elsewhere stays there.
                let lost = focused.is_none_or(|f| f.tag_name() == "BODY");
                if lost && let Some(button) = target.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let asking = |ask: bool| {
        let deleting = deleting.setter();
        Callback::from(move |_: MouseEvent| deleting.set(ask))
    };
    let delete = {
        let (deleting, name) = (deleting.setter(), topic.name.clone());
        props.on_command.reform(move |_: MouseEvent| {
            deleting.set(false);
            Command::DeleteTopic { name: name.clone() }
        })
    };
    html! {
        <section class="topic" data-testid="topic" data-topic={topic.name.clone()} aria-label={format!("Topic {}", topic.name)}>
            <h3>
                { &topic.name }
                <small>{ format!(" · {} partition(s) · replication factor {rf} · min.insync.replicas={}", topic.partitions.len(), topic.min_insync_replicas) }</small>
                <small data-testid="topic-stats">{ format!(" · {} message(s) · {} · {} under-replicated", topic.messages, bytes(topic.size_bytes),
                    topic.partitions.iter().filter(|p| p.under_replicated).count()) }</small>
            </h3>
            <div class="topic-actions">
                <button class="elect" data-testid="preferred-election" onclick={preferred}
                    title="kafka-leader-election --election-type PREFERRED: move each partition's leadership back to its first replica, if in sync">
                    { "Preferred leader election" }</button>
                if *deleting {
                    <span class="topic-delete" role="group" aria-label={format!("Delete topic {}?", topic.name)}>
                        { format!("Delete {} and its records?", topic.name) }
                        <button ref={keep} onclick={asking(false)} data-testid="topic-keep">{ "Keep" }</button>
                        <button class="danger" onclick={delete} data-testid="topic-delete-confirm">{ "Delete" }</button>
                    </span>
                } else {
                    <button ref={ask} data-testid="topic-delete" onclick={asking(true)}
                        title={format!("kafka-topics --delete --topic {}: the controller removes the topic and its partitions' logs; the timeline can still rewind to before", topic.name)}>
                        { "Delete topic" }</button>
                }
            </div>
            <table class="partitions">
                <thead><tr>
                    <th>{ "Partition" }</th><th>{ "Leader" }</th><th>{ "Epoch" }</th><th>{ "Replicas" }</th>
                    <th>{ "ISR" }</th><th>{ "Status" }</th><th>{ "Replica logs (newest records; line = high watermark)" }</th>
                </tr></thead>
                <tbody>
                    { for topic.partitions.iter().enumerate().map(|(index, p)| {
                        let (class, label) = status(p, topic.min_insync_replicas);
                        let marks = props.marks.get(index);
                        let of_replica = |r: usize| marks.and_then(|m| m.records.get(r)).map_or(&[][..], Vec::as_slice);
                        let opened = props.opened.contains(&p.partition);
                        html! {
                            <tr data-testid="partition" data-partition={p.partition.to_string()} class={class}>
                                <td>{ p.partition }</td>
                                <td data-testid="partition-leader">{ p.leader.map_or_else(|| "none".to_owned(), |l| l.to_string()) }</td>
                                <td>{ p.leader_epoch }</td>
                                <td>{ ids(&p.replicas) }</td>
                                <td data-testid="partition-isr">{ ids(&p.isr) }</td>
                                <td><span class={classes!("status", class)}>{ label }</span></td>
                                <td class="logs">
                                    { for p.replica_logs.iter().enumerate().map(|(i, r)| replica_row(r, p, of_replica(i), opened)) }
                                    { earlier(&topic.name, p, opened, &props.on_open) }
                                    if let Some(held) = hw_held(p, topic.min_insync_replicas) {
                                        <p class="hw-held" data-testid="hw-held">{ held }</p>
                                    }
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

/// Why the leader's high watermark stands still, while the ISR is smaller than the effective
/// min ISR: the simulation follows Kafka 4.0's strict min ISR (the core's
/// `Replica::maybe_increment_high_watermark`, KIP-966's first part; eligible leader replicas
/// are not modelled). The leader does not advance the HW however far the ISR's logs reach,
/// and refuses acks=all produces before appending them (NOT_ENOUGH_REPLICAS); acks=0 and
/// acks=1 records are appended above it, which consumers do not read until the ISR grows back.
fn hw_held(p: &PartitionView, min_insync_replicas: u32) -> Option<String> {
    let leader = p.leader?;
    let needed = min_isr_needed(p, min_insync_replicas);
    if p.isr.len() >= needed {
        return None;
    }
    let hw = p
        .replica_logs
        .iter()
        .find(|r| r.broker == leader)?
        .high_watermark;
    let rule = if needed < min_insync_replicas as usize {
        format!(
            "min(min.insync.replicas={min_insync_replicas}, replication factor {})",
            p.replicas.len()
        )
    } else {
        format!("min.insync.replicas={min_insync_replicas}")
    };
    Some(format!(
        "HW held at {hw}: ISR size {} < {rule}. The leader does not advance the HW \
         (strict min ISR, Kafka 4.0) and refuses acks=all produces (NOT_ENOUGH_REPLICAS); \
         acks=1 and acks=0 records wait above the HW, unread by consumers.",
        p.isr.len()
    ))
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
    html! {
        <ul class="findings" data-testid="partition-findings" aria-label="What the checker finds here">
            { for marks.truncated.iter().map(|mark| html! {
                <li><FindingMark mark={mark.clone()} explain={explain.clone()} text={not_in_leader_log(mark)} /></li>
            }) }
            { for on_records.into_iter().map(|mark| html! {
                <li><FindingMark mark={mark.clone()} explain={explain.clone()}
                    text={format!("offset {} · {}", mark.offset, label(mark.violation.anomaly).0)} /></li>
            }) }
        </ul>
    }
}

/// Acknowledged offsets the partition's leader does not hold, in words true while the note
/// shows: the note comes as soon as a replica without them is elected, while the old leader
/// still holds them (it truncates only when it comes back), so "truncated" would be early.
fn not_in_leader_log(mark: &Mark) -> String {
    if mark.offset == mark.last {
        format!(
            "offset {} acknowledged, not in the leader's log",
            mark.offset
        )
    } else {
        format!(
            "offsets {}-{} acknowledged, not in the leader's log",
            mark.offset, mark.last
        )
    }
}

/// The records a log does not draw, as offsets `(first, last)` and how many records lie
/// there: the view carries only the newest; the rest of a log starts at the log start offset
/// (with gaps where the log cleaner removed records).
fn not_drawn(replica: &ReplicaView) -> Option<(u64, u64, u64)> {
    let first_drawn = replica
        .records
        .first()
        .map_or(replica.log_end_offset, |r| r.offset);
    let count = replica
        .record_count
        .saturating_sub(replica.records.len() as u64);
    (first_drawn > replica.log_start_offset && count > 0)
        .then(|| (replica.log_start_offset, first_drawn - 1, count))
}

/// Under the logs, the records they do not draw, as a button that opens the partition's logs
/// to their newest [`RECORDS_OPENED`] (in a box that scrolls) or closes them again. Counted
/// on the leader's log (or, without a leader, the first replica's).
fn earlier(
    topic: &str,
    partition: &PartitionView,
    opened: bool,
    on_open: &Callback<(TopicPartition, bool)>,
) -> Html {
    let shown = partition
        .leader
        .and_then(|l| partition.replica_logs.iter().find(|r| r.broker == l))
        .or(partition.replica_logs.first());
    let hidden = shown.and_then(not_drawn);
    if hidden.is_none() && !opened {
        return Html::default();
    }
    let tp = TopicPartition::new(topic, partition.partition);
    let onclick = on_open.reform(move |_: MouseEvent| (tp.clone(), !opened));
    let held = shown.map_or(0, |r| r.record_count);
    html! {
        <button class="earlier" data-testid="earlier-records" aria-expanded={opened.to_string()} {onclick}
            title="The table draws each log's newest records; open it to read further back">
            { earlier_text(hidden, held, opened) }
        </button>
    }
}

/// The words of the button under a partition's logs: the records not drawn (`hidden`, as
/// [`not_drawn`] gives them) of the `held` the log holds, and what a click does. Opening
/// shows the newest [`RECORDS_OPENED`], so a log holding no more than that is shown whole:
/// "show all 30", not "show the newest 256" of a log of 30.
fn earlier_text(hidden: Option<(u64, u64, u64)>, held: u64, opened: bool) -> String {
    let text = match hidden {
        Some((first, last, count)) => {
            let offsets = match first == last {
                true => format!("offset {first}"),
                false => format!("offsets {first}–{last}"),
            };
            format!(
                "… {} not drawn ({offsets})",
                records(count, "earlier record")
            )
        }
        None => format!("all {} shown", records(held, "record")),
    };
    let action = match (opened, held <= RECORDS_OPENED as u64) {
        (true, _) => "show fewer".to_owned(),
        (false, true) => format!("show all {held}"),
        (false, false) => format!("show the newest {RECORDS_OPENED} of {held}"),
    };
    format!("{text} · {action}")
}

/// `count` of `what`, in the singular for one.
fn records(count: u64, what: &str) -> String {
    match count {
        1 => format!("1 {what}"),
        _ => format!("{count} {what}s"),
    }
}

fn replica_row(
    replica: &ReplicaView,
    partition: &PartitionView,
    marks: &[Vec<Mark>],
    opened: bool,
) -> Html {
    let is_leader = partition.leader == Some(replica.broker);
    let in_isr = partition.isr.contains(&replica.broker);
    let skip = not_drawn(replica).map_or(0, |(.., count)| count);
    let role = if is_leader {
        "leader"
    } else if in_isr {
        "in sync"
    } else {
        "out of sync"
    };
    html! {
        <div class={classes!("replica", is_leader.then_some("leader"), (!in_isr).then_some("out-of-sync"), opened.then_some("opened"))}
            data-testid="replica" data-broker={replica.broker.to_string()}
            aria-label={format!("broker {} ({role}): log start offset {}, log end offset {}, high watermark {}", replica.broker, replica.log_start_offset, replica.log_end_offset, replica.high_watermark)}>
            <span class="who" title={role}>{ format!("B{}{}", replica.broker, if is_leader { "★" } else { "" }) }</span>
            // An opened log scrolls: focusable, so a keyboard scrolls it too.
            <span class="records" tabindex={opened.then_some("0")}
                aria-label={opened.then(|| format!("broker {}'s newest records", replica.broker))}>
                if skip > 0 { <span class="more" title={format!("{} not drawn", records(skip, "earlier record"))}>{ format!("…{skip}") }</span> }
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
                if replica.cleaned_records > 0 {
                    <span class="cleaned" data-testid="cleaned"
                        title={format!("log cleaner (cleanup.policy=compact): removed {} superseded value(s) and expired tombstone(s) from this replica; their offsets stay as gaps", replica.cleaned_records)}>
                        { format!("cleaned {} · ", replica.cleaned_records) }
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

#[cfg(test)]
mod tests {
    use super::{earlier_text, hw_held, not_in_leader_log, status};
    use kafka_sim::SimTime;
    use kafka_sim::check::Mark;
    use kafka_sim::{PartitionView, ReplicaView};

    fn lost(offset: u64, last: u64) -> Mark {
        crate::components::lost_write(offset, last, SimTime::ZERO)
    }

    /// The note shows from the election on, while the old leader still holds the records:
    /// it says what is true then, not that a truncation happened.
    #[test]
    fn acknowledged_offsets_the_leader_lacks_are_not_called_truncated() {
        assert_eq!(
            not_in_leader_log(&lost(1, 1)),
            "offset 1 acknowledged, not in the leader's log"
        );
        assert_eq!(
            not_in_leader_log(&lost(17, 19)),
            "offsets 17-19 acknowledged, not in the leader's log"
        );
    }

    /// A log of 30 records drawing its newest 13 opens to all 30, not to "the newest 256";
    /// one of 1,000 opens to its newest 256 of the 1,000; one record hidden is one record.
    #[test]
    fn the_earlier_records_button_says_what_opening_shows_for_every_count() {
        assert_eq!(
            earlier_text(Some((0, 16, 17)), 30, false),
            "… 17 earlier records not drawn (offsets 0–16) · show all 30"
        );
        assert_eq!(
            earlier_text(None, 30, true),
            "all 30 records shown · show fewer"
        );
        assert_eq!(
            earlier_text(Some((0, 0, 1)), 14, false),
            "… 1 earlier record not drawn (offset 0) · show all 14"
        );
        assert_eq!(
            earlier_text(Some((0, 243, 244)), 256, false),
            "… 244 earlier records not drawn (offsets 0–243) · show all 256"
        );
        assert_eq!(
            earlier_text(Some((0, 986, 987)), 1_000, false),
            "… 987 earlier records not drawn (offsets 0–986) · show the newest 256 of 1000"
        );
        assert_eq!(
            earlier_text(Some((0, 743, 744)), 1_000, true),
            "… 744 earlier records not drawn (offsets 0–743) · show fewer"
        );
    }

    /// Partition 0 of a topic with replication factor 3: broker 1 leads at HW 12, and the
    /// ISR is `isr`.
    fn partition(isr: &[u32]) -> PartitionView {
        let replica = |broker| ReplicaView {
            broker,
            log_end_offset: 15,
            high_watermark: 12,
            last_stable_offset: 12,
            log_start_offset: 0,
            deleted_segments: 0,
            cleaned_records: 0,
            record_count: 15,
            records: Vec::new(),
        };
        PartitionView {
            partition: 0,
            leader: Some(1),
            leader_epoch: 2,
            replicas: vec![1, 2, 3],
            isr: isr.to_vec(),
            offline: false,
            under_replicated: isr.len() < 3,
            under_min_isr: false,
            replica_logs: vec![replica(1), replica(2), replica(3)],
        }
    }

    /// With the ISR below min.insync.replicas the row says why its HW stands still, naming
    /// the numbers and what the simulation does (strict min ISR); at min ISR it says nothing.
    #[test]
    fn an_isr_below_min_insync_replicas_says_why_the_hw_is_held() {
        assert_eq!(
            hw_held(&partition(&[1]), 2).as_deref(),
            Some(
                "HW held at 12: ISR size 1 < min.insync.replicas=2. The leader does not \
                 advance the HW (strict min ISR, Kafka 4.0) and refuses acks=all produces \
                 (NOT_ENOUGH_REPLICAS); acks=1 and acks=0 records wait above the HW, unread \
                 by consumers."
            )
        );
        assert_eq!(hw_held(&partition(&[1, 2]), 2), None);
        assert_eq!(hw_held(&partition(&[1]), 1), None);
        let offline = PartitionView {
            leader: None,
            ..partition(&[1])
        };
        assert_eq!(hw_held(&offline, 2), None, "no leader, no HW to hold");
        // min.insync.replicas above the replication factor: the core needs the whole ISR.
        assert!(hw_held(&partition(&[1, 2]), 4).is_some_and(|held| {
            held.contains("ISR size 2 < min(min.insync.replicas=4, replication factor 3)")
        }));
        assert_eq!(hw_held(&partition(&[1, 2, 3]), 4), None);
        assert_eq!(status(&partition(&[1, 2, 3]), 4).0, "healthy");
    }
}
