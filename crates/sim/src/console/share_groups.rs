//! `kafka-share-groups.sh` (KIP-932): --list and --describe (start offsets, --members,
//! --state, each with --verbose), printed as Kafka 4's
//! `tools/src/main/java/org/apache/kafka/tools/consumer/group/ShareGroupCommand.java` prints
//! them. The start offset of a share partition is its SPSO as the partition's leader holds it.

use super::{ConsoleResult, Options};
use crate::group::Group;
use crate::protocol::TopicPartition;
use crate::world::World;
use std::collections::BTreeMap;
use std::fmt::Write;

pub(super) fn share_groups(world: &World, options: &Options<'_>) -> ConsoleResult {
    let actions = ["list", "describe"];
    if actions.iter().filter(|a| options.has(a)).count() != 1 {
        return Err(
            "Command must include exactly one action: --list, --describe (--delete and --reset-offsets are not simulated)"
                .to_owned(),
        );
    }
    let groups: Vec<(u32, &Group)> = world
        .groups()
        .into_iter()
        .filter(|(_, g)| g.share.is_some())
        .collect();
    if options.has("list") {
        return Ok(groups.iter().map(|(_, g)| format!("{}\n", g.id)).collect());
    }
    let wanted: Vec<&str> = if options.has("all-groups") {
        groups.iter().map(|(_, g)| g.id.as_str()).collect()
    } else {
        options.values("group").collect()
    };
    if wanted.is_empty() {
        return Err(
            "Option [describe] takes one of these options: [group], [all-groups]".to_owned(),
        );
    }
    let verbose = options.has("verbose");
    let mut out = String::new();
    for id in wanted {
        let Some((coordinator, group)) = groups.iter().find(|(_, g)| g.id == id) else {
            let _ = writeln!(
                out,
                "Error: Executing share group command failed due to org.apache.kafka.common.errors.GroupIdNotFoundException: Group {id} not found."
            );
            continue;
        };
        let share = group.share.as_ref().expect("filtered on share groups");
        if options.has("members") {
            members(&mut out, id, share, verbose);
        } else if options.has("state") {
            state(&mut out, id, *coordinator, group, verbose);
        } else {
            offsets(&mut out, world, id, verbose);
        }
    }
    Ok(out)
}

/// One line as the tool's `printf` writes it: a newline first, each column but the last
/// left-aligned in its width, the last as it is.
fn row(out: &mut String, widths: &[usize], cols: &[String]) {
    out.push('\n');
    for (col, width) in cols.iter().zip(widths) {
        let _ = write!(out, "{col:<width$} ");
    }
    out.push_str(cols.last().map_or("", String::as_str));
}

/// Drops the columns only `--verbose` shows.
fn pick<T: Clone>(all: &[T], verbose_only: &[usize], verbose: bool) -> Vec<T> {
    all.iter()
        .enumerate()
        .filter(|(i, _)| verbose || !verbose_only.contains(i))
        .map(|(_, c)| c.clone())
        .collect()
}

fn texts(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| (*c).to_owned()).collect()
}

/// `printOffsets`: each partition's start offset (SPSO), with the leader epoch when verbose.
fn offsets(out: &mut String, world: &World, id: &str, verbose: bool) {
    let rows: Vec<Vec<String>> = world
        .share_partitions()
        .into_iter()
        .filter(|(g, ..)| *g == id)
        .map(|(_, tp, leader, share)| {
            let epoch = world
                .metadata()
                .partition(tp)
                .filter(|s| s.leader == Some(leader))
                .map_or(0, |s| s.leader_epoch);
            let cols = [
                id.to_owned(),
                tp.topic.to_string(),
                tp.partition.to_string(),
                epoch.to_string(),
                share.start_offset.to_string(),
            ];
            pick(&cols, &[3], verbose)
        })
        .collect();
    let topic_len = rows.iter().map(|r| r[1].len()).max().unwrap_or(0).max(15);
    let widths = pick(&[id.len().max(15), topic_len, 10, 13], &[3], verbose);
    let header = [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "LEADER-EPOCH",
        "START-OFFSET",
    ];
    row(out, &widths, &pick(&texts(&header), &[3], verbose));
    for cols in &rows {
        row(out, &widths, cols);
    }
    out.push('\n');
}

/// `printStates`.
fn state(out: &mut String, id: &str, coordinator: u32, group: &Group, verbose: bool) {
    let share = group.share.as_ref().expect("a share group");
    let coordinator = format!("broker-{coordinator}:9092  ({coordinator})");
    let widths = pick(
        &[id.len().max(15), coordinator.len().max(25), 15, 12, 17],
        &[3, 4],
        verbose,
    );
    let header = [
        "GROUP",
        "COORDINATOR (ID)",
        "STATE",
        "GROUP-EPOCH",
        "ASSIGNMENT-EPOCH",
        "#MEMBERS",
    ];
    row(out, &widths, &pick(&texts(&header), &[3, 4], verbose));
    let epoch = share.group_epoch.to_string();
    let cols = [
        id.to_owned(),
        coordinator,
        group.state.kafka_name().to_owned(),
        epoch.clone(),
        epoch,
        share.members.len().to_string(),
    ];
    row(out, &widths, &pick(&cols, &[3, 4], verbose));
    out.push('\n');
}

/// `printMembers`: sorted by member id; the assignment as `topic:0,1;other:2`.
fn members(out: &mut String, id: &str, share: &crate::group::ShareGroup, verbose: bool) {
    let host = "/127.0.0.1";
    let assignment = |parts: &std::collections::BTreeSet<TopicPartition>| {
        let mut by_topic: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for tp in parts {
            by_topic
                .entry(&tp.topic)
                .or_default()
                .push(tp.partition.to_string());
        }
        by_topic
            .into_iter()
            .map(|(t, ps)| format!("{t}:{}", ps.join(",")))
            .collect::<Vec<_>>()
            .join(";")
    };
    let id_len = share
        .members
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(15);
    let client_len = share
        .members
        .values()
        .map(|m| m.client_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let widths = pick(
        &[
            id.len().max(15),
            id_len,
            host.len().max(15),
            client_len,
            12,
            13,
        ],
        &[5],
        verbose,
    );
    let header = [
        "GROUP",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
        "#PARTITIONS",
        "MEMBER-EPOCH",
        "ASSIGNMENT",
    ];
    row(out, &widths, &pick(&texts(&header), &[5], verbose));
    for (member_id, member) in &share.members {
        let cols = [
            id.to_owned(),
            member_id.clone(),
            host.to_owned(),
            member.client_id.clone(),
            member.assigned.len().to_string(),
            member.member_epoch.to_string(),
            assignment(&member.assigned),
        ];
        row(out, &widths, &pick(&cols, &[5], verbose));
    }
    out.push('\n');
}
