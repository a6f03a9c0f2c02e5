//! What `kafka-consumer-groups.sh --describe` shows: per partition the committed offset, the
//! log end (the leader's high watermark, which is what ListOffsets "latest" returns to a
//! read_uncommitted admin client), the lag between them, and the owning member; and the
//! group's state, coordinator and assignor.
//!
//! Lag has one definition here ([`log_end`], [`lag`]), which every view uses: this table, the
//! group's total in the page and the lag chart. A group whose consumers read with
//! `isolation.level=read_committed` is measured there to the last stable offset, as those
//! consumers' own `records-lag` is: records of an open transaction are not lag they could catch
//! up on (the page says so beside the total). The console's `--describe` prints what the real
//! tool does: its admin client always asks for read_uncommitted ends, so it shows the high
//! watermark for such a group too ([`describe_group`]).

use super::{ConsumerGroup, Group, GroupState, coordinator_partition};
use crate::error::{ErrorCode, KafkaError};
use crate::protocol::{BrokerId, TopicPartition};
use crate::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

/// One partition row of the offsets view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OffsetRow {
    /// The partition.
    pub tp: TopicPartition,
    /// The committed offset, if any.
    pub current_offset: Option<u64>,
    /// The high watermark of the partition's leader, if it has one.
    pub log_end_offset: Option<u64>,
    /// `log_end_offset - current_offset`, when both are known.
    pub lag: Option<u64>,
    /// The owning member's id, if a member owns it.
    pub consumer_id: Option<String>,
    /// The owning member's `client.id`.
    pub client_id: Option<String>,
}

/// One member of the `--members` view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberRow {
    /// The member id.
    pub consumer_id: String,
    /// `group.instance.id`, for static members.
    pub instance_id: Option<String>,
    /// `client.id`.
    pub client_id: String,
    /// Its partitions.
    pub assignment: Vec<TopicPartition>,
    /// Its member epoch (consumer protocol only).
    pub member_epoch: Option<i32>,
    /// Its part of the target assignment (consumer protocol only).
    pub target: Option<Vec<TopicPartition>>,
}

/// A group as the admin tool sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupDescription {
    /// `group.id`.
    pub group: String,
    /// Measured to the last stable offset (its consumers read committed).
    pub read_committed: bool,
    /// The coordinator broker.
    pub coordinator: BrokerId,
    /// Its state.
    pub state: GroupState,
    /// The generation (a consumer-protocol group's epoch).
    pub generation: i32,
    /// The group epoch (consumer protocol only).
    pub group_epoch: Option<i32>,
    /// The epoch of the target assignment (consumer protocol only).
    pub target_assignment_epoch: Option<i32>,
    /// The assignor in use.
    pub assignor: Option<String>,
    /// Its members.
    pub members: Vec<MemberRow>,
    /// Rows sorted by topic and partition.
    pub rows: Vec<OffsetRow>,
}

/// Describes `group` through its coordinator; when it does not exist or the coordinator is
/// unavailable, the message `ConsumerGroupCommand` prints after `Error: ` (the admin client's
/// exception, as its `toString`).
pub fn describe_group(world: &World, group: &str) -> Result<GroupDescription, String> {
    let failed = |code: ErrorCode, message: String| {
        format!(
            "Executing consumer group command failed due to {}",
            KafkaError::new(code, message).as_exception()
        )
    };
    let not_found = || {
        failed(
            ErrorCode::GroupIdNotFound,
            format!("Group {group} not found."),
        )
    };
    let Some((_, state)) = coordinator_partition(world.metadata(), group) else {
        return Err(not_found());
    };
    let Some((coordinator, found)) = world.groups().into_iter().find(|(_, g)| g.id == group) else {
        return Err(match state.leader {
            None => failed(
                ErrorCode::CoordinatorNotAvailable,
                ErrorCode::CoordinatorNotAvailable
                    .default_message()
                    .to_owned(),
            ),
            Some(_) => not_found(),
        });
    };
    Ok(describe(world, coordinator, found).read_as_the_tool_does(world))
}

impl GroupDescription {
    /// The rows as `ConsumerGroupCommand` prints them: its admin client asks ListOffsets for
    /// read_uncommitted ends, so a read_committed group's LOG-END-OFFSET is the high watermark
    /// there too, and an open transaction shows as lag.
    fn read_as_the_tool_does(mut self, world: &World) -> Self {
        if self.read_committed {
            for row in &mut self.rows {
                row.log_end_offset = log_end(world, &row.tp, false);
                row.lag = lag(row.log_end_offset, row.current_offset);
            }
        }
        self
    }
}

/// Where a partition's log ends for lag: the leader's high watermark, or its last stable
/// offset for a read_committed group; `None` without a leader (the tool prints "-").
pub fn log_end(world: &World, tp: &TopicPartition, read_committed: bool) -> Option<u64> {
    let leader = world.metadata().partition(tp)?.leader?;
    let replica = world.replica(leader, tp)?;
    Some(match read_committed {
        true => replica.last_stable_offset(),
        false => replica.log.high_watermark(),
    })
}

/// Kafka's lag: the log end minus the committed offset; "-" (`None`) when nothing is
/// committed or the end is unknown, as `ConsumerGroupCommand` prints it. A committed offset
/// past the end (the end went back after an unclean election) is lag 0.
pub fn lag(log_end: Option<u64>, committed: Option<u64>) -> Option<u64> {
    let (end, committed) = (log_end?, committed?);
    Some(end.saturating_sub(committed))
}

/// Whether `group` is measured to the last stable offset: its consumers (the running ones,
/// or any configured with it when none runs) all read committed.
pub fn reads_committed(world: &World, group: &str) -> bool {
    let of_group: Vec<_> = world
        .consumers()
        .filter(|(c, _)| c.config().group_id.as_deref() == Some(group))
        .collect();
    let running: Vec<_> = of_group.iter().filter(|(_, up)| *up).collect();
    let judged: Vec<bool> = match running.is_empty() {
        true => of_group
            .iter()
            .map(|(c, _)| c.config().read_committed)
            .collect(),
        false => running
            .iter()
            .map(|(c, _)| c.config().read_committed)
            .collect(),
    };
    !judged.is_empty() && judged.iter().all(|&committed| committed)
}

/// Describes a group its coordinator holds.
pub fn describe(world: &World, coordinator: BrokerId, found: &Group) -> GroupDescription {
    if let Some(consumer) = &found.consumer {
        return describe_consumer_group(world, coordinator, found, consumer);
    }
    let members: Vec<MemberRow> = found
        .members
        .values()
        .map(|m| MemberRow {
            consumer_id: m.member_id.clone(),
            instance_id: m.instance_id.clone(),
            client_id: m.client_id.clone(),
            assignment: m.assignment.clone(),
            member_epoch: None,
            target: None,
        })
        .collect();
    // A classic group's members own their partitions only in a Stable generation.
    let owning: &[MemberRow] = if found.state == GroupState::Stable {
        &members
    } else {
        &[]
    };
    let rows = offset_rows(world, found, owning);
    GroupDescription {
        group: found.id.clone(),
        read_committed: reads_committed(world, &found.id),
        coordinator,
        state: found.state,
        generation: found.generation,
        assignor: found.protocol.clone(),
        members,
        rows,
        group_epoch: None,
        target_assignment_epoch: None,
    }
}

/// One row per partition with a committed offset or an owner among `owning`.
fn offset_rows(world: &World, found: &Group, owning: &[MemberRow]) -> Vec<OffsetRow> {
    let read_committed = reads_committed(world, &found.id);
    let mut owners: BTreeMap<&TopicPartition, (&str, &str)> = BTreeMap::new();
    for member in owning {
        for tp in &member.assignment {
            owners.insert(tp, (&member.consumer_id, &member.client_id));
        }
    }
    let mut tps: Vec<&TopicPartition> =
        found.offsets.keys().chain(owners.keys().copied()).collect();
    crate::sorted::sort(&mut tps);
    tps.dedup();
    tps.into_iter()
        .map(|tp| {
            let current_offset = found.offsets.get(tp).copied();
            let log_end_offset = log_end(world, tp, read_committed);
            let owner = owners.get(tp);
            OffsetRow {
                tp: tp.clone(),
                current_offset,
                log_end_offset,
                lag: lag(log_end_offset, current_offset),
                consumer_id: owner.map(|(id, _)| (*id).to_owned()),
                client_id: owner.map(|(_, client)| (*client).to_owned()),
            }
        })
        .collect()
}

/// A consumer-protocol group: every member's partitions are its own whatever the group's
/// state (there is no generation in which nobody owns anything).
fn describe_consumer_group(
    world: &World,
    coordinator: BrokerId,
    found: &Group,
    consumer: &ConsumerGroup,
) -> GroupDescription {
    let members: Vec<MemberRow> = consumer
        .members
        .values()
        .map(|m| MemberRow {
            consumer_id: m.member_id.clone(),
            instance_id: None,
            client_id: m.client_id.clone(),
            assignment: m.assigned.iter().cloned().collect(),
            member_epoch: Some(m.member_epoch),
            target: Some(m.target.iter().cloned().collect()),
        })
        .collect();
    GroupDescription {
        group: found.id.clone(),
        read_committed: reads_committed(world, &found.id),
        coordinator,
        state: found.state,
        generation: consumer.group_epoch,
        group_epoch: Some(consumer.group_epoch),
        target_assignment_epoch: Some(consumer.assignment_epoch),
        assignor: Some(consumer.assignor().name().to_owned()),
        rows: offset_rows(world, found, &members),
        members,
    }
}

fn dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// A group's lag summed over its partitions, as its header and the lag chart show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TotalLag {
    /// The sum of the partitions' lags that are known.
    pub records: u64,
    /// Partitions whose lag is "-" (nothing committed, or no leader): not in the sum.
    pub unknown: usize,
}

impl GroupDescription {
    /// The group's total lag: what its rows show, added up.
    pub fn total_lag(&self) -> TotalLag {
        TotalLag {
            records: self.rows.iter().filter_map(|r| r.lag).sum(),
            unknown: self.rows.iter().filter(|r| r.lag.is_none()).count(),
        }
    }

    /// What `ConsumerGroupCommand.shouldPrintMemberState` writes to stderr before any view: that
    /// the group is empty or rebalancing; nothing for a stable group.
    pub fn note(&self) -> String {
        match self.state {
            GroupState::Empty => {
                format!("\nConsumer group '{}' has no active members.\n", self.group)
            }
            GroupState::PreparingRebalance
            | GroupState::CompletingRebalance
            | GroupState::Assigning
            | GroupState::Reconciling => {
                format!(
                    "\nWarning: Consumer group '{}' is rebalancing.\n",
                    self.group
                )
            }
            _ => String::new(),
        }
    }

    /// The offsets view, in `ConsumerGroupCommand`'s columns and widths (no table without rows).
    pub fn offsets_table(&self) -> String {
        if self.rows.is_empty() {
            return String::new();
        }
        let host = "/127.0.0.1";
        let width = |values: &mut dyn Iterator<Item = usize>| values.max().unwrap_or(0).max(15);
        let group_len = width(&mut std::iter::once(self.group.len()));
        let topic_len = width(&mut self.rows.iter().map(|r| r.tp.topic.len()));
        let consumer_len = width(
            &mut self
                .rows
                .iter()
                .map(|r| r.consumer_id.as_ref().map_or(1, String::len)),
        );
        let host_len = 15;
        let line = |cols: [&str; 9]| {
            format!(
                "\n{:<group_len$} {:<topic_len$} {:<10} {:<15} {:<15} {:<15} {:<consumer_len$} {:<host_len$} {}",
                cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8]
            )
        };
        let mut out = line([
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID",
        ]);
        // ConsumerGroupCommand.collectGroupsOffsets: each member's partitions (by partition
        // number), members with the most partitions first, then the partitions no member owns.
        let member = |id: &str| {
            let index = self.members.iter().position(|m| m.consumer_id == id);
            let count = index.map_or(0, |i| self.members[i].assignment.len());
            (std::cmp::Reverse(count), index)
        };
        let mut rows: Vec<&OffsetRow> = self.rows.iter().collect();
        crate::sorted::sort_by_key(&mut rows, |r| {
            let owner = r.consumer_id.as_deref().map(member);
            (owner.is_none(), owner, r.tp.partition, &r.tp.topic)
        });
        for row in rows {
            out.push_str(&line([
                &self.group,
                &row.tp.topic,
                &row.tp.partition.to_string(),
                &dash(row.current_offset),
                &dash(row.log_end_offset),
                &dash(row.lag),
                &dash(row.consumer_id.as_ref()),
                if row.consumer_id.is_some() { host } else { "-" },
                &dash(row.client_id.as_ref()),
            ]));
        }
        out.push('\n');
        out
    }

    /// The `--state` view; `--verbose` adds the group epoch and the target assignment's
    /// epoch (`-` for a classic group, which has neither).
    pub fn state_table(&self, verbose: bool) -> String {
        let coordinator = format!("broker-{}:9092  ({})", self.coordinator, self.coordinator);
        let group_len = self.group.len().max(15);
        let coordinator_len = coordinator.len().max(25);
        let line = |cols: [&str; 7]| {
            let mut out = format!(
                "\n{:<group_len$} {:<coordinator_len$} {:<20} {:<20} ",
                cols[0], cols[1], cols[2], cols[3]
            );
            if verbose {
                out.push_str(&format!("{:<15} {:<25} ", cols[4], cols[5]));
            }
            out.push_str(cols[6]);
            out
        };
        let strategy = self
            .assignor
            .as_deref()
            .filter(|a| !a.is_empty())
            .unwrap_or("-");
        let members = self.members.len().to_string();
        let mut out = line([
            "GROUP",
            "COORDINATOR (ID)",
            "ASSIGNMENT-STRATEGY",
            "STATE",
            "GROUP-EPOCH",
            "TARGET-ASSIGNMENT-EPOCH",
            "#MEMBERS",
        ]);
        out.push_str(&line([
            &self.group,
            &coordinator,
            strategy,
            self.state.kafka_name(),
            &dash(self.group_epoch),
            &dash(self.target_assignment_epoch),
            &members,
        ]));
        out.push('\n');
        out
    }

    /// The `--members` view; `--verbose` adds each member's epoch and assignment and its
    /// target (a classic group's members have no epoch and no target: `-`). No table without
    /// members.
    pub fn members_table(&self, verbose: bool) -> String {
        if self.members.is_empty() {
            return String::new();
        }
        let host = "/127.0.0.1";
        let widest =
            |min: usize, values: &mut dyn Iterator<Item = usize>| values.fold(min, usize::max);
        let group_len = self.group.len().max(15);
        let id_len = widest(15, &mut self.members.iter().map(|m| m.consumer_id.len()));
        let instance_len = widest(
            17,
            &mut self
                .members
                .iter()
                .map(|m| m.instance_id.as_ref().map_or(0, String::len)),
        );
        let client_len = widest(15, &mut self.members.iter().map(|m| m.client_id.len()));
        let host_len = host.len().max(15);
        let statics = self.members.iter().any(|m| m.instance_id.is_some());
        let assignments: Vec<String> = self
            .members
            .iter()
            .map(|m| assignment_text(&m.assignment))
            .collect();
        let current_len = widest(20, &mut assignments.iter().map(String::len));
        let target_len = 20;
        let line = |cols: [&str; 6]| {
            let mut out = format!("{:<group_len$} {:<id_len$} ", cols[0], cols[1]);
            if statics {
                out.push_str(&format!("{:<instance_len$} ", cols[2]));
            }
            out.push_str(&format!(
                "{:<host_len$} {:<client_len$} {:<15} ",
                cols[3], cols[4], cols[5]
            ));
            out
        };
        let verbose_line = |cols: [&str; 4]| {
            format!(
                "{:<15} {:<current_len$} {:<15} {:<target_len$}",
                cols[0], cols[1], cols[2], cols[3]
            )
        };
        let mut out = format!(
            "\n{}",
            line([
                "GROUP",
                "CONSUMER-ID",
                "GROUP-INSTANCE-ID",
                "HOST",
                "CLIENT-ID",
                "#PARTITIONS"
            ])
        );
        if verbose {
            out.push_str(&verbose_line([
                "CURRENT-EPOCH",
                "CURRENT-ASSIGNMENT",
                "TARGET-EPOCH",
                "TARGET-ASSIGNMENT",
            ]));
        }
        out.push('\n');
        for (m, assignment) in self.members.iter().zip(&assignments) {
            let partitions = m.assignment.len().to_string();
            out.push_str(&line([
                &self.group,
                &m.consumer_id,
                m.instance_id.as_deref().unwrap_or(""),
                host,
                &m.client_id,
                &partitions,
            ]));
            if verbose {
                let target = m.target.as_deref().map(assignment_text);
                out.push_str(&verbose_line([
                    &dash(m.member_epoch),
                    assignment,
                    &dash(m.target.as_ref().and(self.target_assignment_epoch)),
                    target.as_deref().unwrap_or("-"),
                ]));
            }
            out.push('\n');
        }
        out
    }
}

/// `ConsumerGroupCommand.getAssignmentString`: `topic:0,1;other:2`, topics sorted, `-` for none.
fn assignment_text(assignment: &[TopicPartition]) -> String {
    if assignment.is_empty() {
        return "-".to_owned();
    }
    let mut by_topic: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for tp in assignment {
        by_topic.entry(&tp.topic).or_default().push(tp.partition);
    }
    by_topic
        .into_iter()
        .map(|(topic, mut partitions)| {
            partitions.sort_unstable();
            let list: Vec<String> = partitions.iter().map(u32::to_string).collect();
            format!("{topic}:{}", list.join(","))
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(partition: u32, owner: &str) -> OffsetRow {
        OffsetRow {
            tp: TopicPartition::new("t", partition),
            current_offset: Some(0),
            log_end_offset: Some(0),
            lag: Some(0),
            consumer_id: Some(owner.to_owned()),
            client_id: Some(owner.to_owned()),
        }
    }

    fn member(id: &str, partitions: &[u32]) -> MemberRow {
        MemberRow {
            consumer_id: id.to_owned(),
            instance_id: None,
            client_id: id.to_owned(),
            assignment: partitions
                .iter()
                .map(|&p| TopicPartition::new("t", p))
                .collect(),
            member_epoch: None,
            target: None,
        }
    }

    #[test]
    fn offsets_rows_go_by_member_with_the_most_partitions_first() {
        // tools/.../consumer/group/ConsumerGroupCommand.java, collectGroupsOffsets.
        let described = GroupDescription {
            group: "g".to_owned(),
            read_committed: false,
            coordinator: 1,
            state: GroupState::Stable,
            generation: 1,
            assignor: Some("range".to_owned()),
            members: vec![member("a", &[0]), member("b", &[1, 2])],
            rows: vec![row(0, "a"), row(1, "b"), row(2, "b")],
            group_epoch: None,
            target_assignment_epoch: None,
        };
        let table = described.offsets_table();
        let partitions: Vec<&str> = table
            .lines()
            .skip(2)
            .map(|l| l.split_whitespace().nth(2).expect("partition column"))
            .collect();
        assert_eq!(partitions, ["1", "2", "0"]);
    }
}
