//! What `kafka-consumer-groups.sh --describe` shows: per partition the committed offset, the
//! log end (the leader's high watermark, which is what ListOffsets "latest" returns to a
//! read_uncommitted admin client), the lag between them, and the owning member; and the
//! group's state, coordinator and assignor.
//!
//! Lag has one definition here ([`log_end`], [`lag`]), which every view uses: this table, the
//! console's `--describe`, the group's total in the page and the lag chart. A group whose
//! consumers read with `isolation.level=read_committed` is measured to the last stable offset,
//! as those consumers' own `records-lag` is: records of an open transaction are not lag they
//! could catch up on. (The real tool's admin client always asks for read_uncommitted ends, so
//! for such a group during an open transaction it would print the high watermark instead.)

use super::{Group, GroupState, coordinator_partition};
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
    /// The generation.
    pub generation: i32,
    /// The assignor in use.
    pub assignor: Option<String>,
    /// Its members.
    pub members: Vec<MemberRow>,
    /// Rows sorted by topic and partition.
    pub rows: Vec<OffsetRow>,
}

/// Describes `group` through its coordinator; Kafka's message when it does not exist or the
/// coordinator is unavailable.
pub fn describe_group(world: &World, group: &str) -> Result<GroupDescription, String> {
    let Some((_, state)) = coordinator_partition(world.metadata(), group) else {
        return Err(format!("Consumer group '{group}' does not exist."));
    };
    let Some((coordinator, found)) = world.groups().into_iter().find(|(_, g)| g.id == group) else {
        return Err(match state.leader {
            None => "Error: Executing consumer group command failed due to \
                     org.apache.kafka.common.errors.CoordinatorNotAvailableException: The \
                     coordinator is not available."
                .to_owned(),
            Some(_) => format!("Consumer group '{group}' does not exist."),
        });
    };
    Ok(describe(world, coordinator, found))
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
    let read_committed = reads_committed(world, &found.id);
    let mut owners: BTreeMap<&TopicPartition, (&str, &str)> = BTreeMap::new();
    if found.state == GroupState::Stable {
        for member in found.members.values() {
            for tp in &member.assignment {
                owners.insert(tp, (&member.member_id, &member.client_id));
            }
        }
    }
    let mut tps: Vec<&TopicPartition> =
        found.offsets.keys().chain(owners.keys().copied()).collect();
    tps.sort();
    tps.dedup();
    let rows = tps
        .into_iter()
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
        .collect();
    GroupDescription {
        group: found.id.clone(),
        read_committed,
        coordinator,
        state: found.state,
        generation: found.generation,
        assignor: found.protocol.clone(),
        members: found
            .members
            .values()
            .map(|m| MemberRow {
                consumer_id: m.member_id.clone(),
                instance_id: m.instance_id.clone(),
                client_id: m.client_id.clone(),
                assignment: m.assignment.clone(),
            })
            .collect(),
        rows,
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

    /// The offsets view, in `ConsumerGroupCommand`'s columns and widths, followed by the
    /// notes it prints for a rebalancing or empty group.
    pub fn offsets_table(&self) -> String {
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
                "{:<group_len$} {:<topic_len$} {:<10} {:<15} {:<15} {:<15} {:<consumer_len$} {:<host_len$} {}",
                cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8]
            )
            .trim_end()
            .to_owned()
        };
        let mut out = String::new();
        match self.state {
            GroupState::PreparingRebalance | GroupState::CompletingRebalance => {
                out.push_str(&format!(
                    "\nWarning: Consumer group '{}' is rebalancing.\n",
                    self.group
                ));
            }
            _ => {}
        }
        out.push('\n');
        out.push_str(&line([
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID",
        ]));
        for row in &self.rows {
            out.push('\n');
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
        if self.state == GroupState::Empty {
            out.push_str(&format!(
                "\n\nConsumer group '{}' has no active members.",
                self.group
            ));
        }
        out
    }

    /// The `--state` view.
    pub fn state_table(&self) -> String {
        let coordinator = format!("broker-{}:9092  ({})", self.coordinator, self.coordinator);
        let group_len = self.group.len().max(15);
        let coordinator_len = coordinator.len().max(25);
        format!(
            "\n{:<group_len$} {:<coordinator_len$} {:<20} {:<20} {}\n{:<group_len$} {:<coordinator_len$} {:<20} {:<20} {}",
            "GROUP",
            "COORDINATOR (ID)",
            "ASSIGNMENT-STRATEGY",
            "STATE",
            "#MEMBERS",
            self.group,
            coordinator,
            self.assignor.as_deref().unwrap_or(""),
            self.state.kafka_name(),
            self.members.len()
        )
    }

    /// The `--members` view (`--verbose` adds each member's partitions).
    pub fn members_table(&self, verbose: bool) -> String {
        let group_len = self.group.len().max(15);
        let id_len = self
            .members
            .iter()
            .map(|m| m.consumer_id.len())
            .max()
            .unwrap_or(0)
            .max(15);
        let statics = self.members.iter().any(|m| m.instance_id.is_some());
        let mut out = format!("\n{:<group_len$} {:<id_len$} ", "GROUP", "CONSUMER-ID");
        if statics {
            out.push_str(&format!("{:<17} ", "GROUP-INSTANCE-ID"));
        }
        out.push_str(&format!(
            "{:<15} {:<15} {:<12}",
            "HOST", "CLIENT-ID", "#PARTITIONS"
        ));
        if verbose {
            out.push_str(" ASSIGNMENT");
        }
        for m in &self.members {
            out.push_str(&format!(
                "\n{:<group_len$} {:<id_len$} ",
                self.group, m.consumer_id
            ));
            if statics {
                out.push_str(&format!("{:<17} ", m.instance_id.as_deref().unwrap_or("-")));
            }
            out.push_str(&format!(
                "{:<15} {:<15} {:<12}",
                "/127.0.0.1",
                m.client_id,
                m.assignment.len()
            ));
            if verbose {
                let mut by_topic: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
                for tp in &m.assignment {
                    by_topic.entry(&tp.topic).or_default().push(tp.partition);
                }
                let parts: Vec<String> = by_topic
                    .iter()
                    .map(|(t, ps)| {
                        let list: Vec<String> = ps.iter().map(ToString::to_string).collect();
                        format!("{t}({})", list.join(","))
                    })
                    .collect();
                out.push_str(&format!(
                    " {}",
                    if parts.is_empty() {
                        "-".to_owned()
                    } else {
                        parts.join(",")
                    }
                ));
            }
        }
        out
    }
}
