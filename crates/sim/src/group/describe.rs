//! What `kafka-consumer-groups.sh --describe` shows: per partition the committed offset, the
//! log end (the leader's high watermark, which is what ListOffsets "latest" returns to a
//! read_uncommitted admin client), the lag between them, and the owning member; and the
//! group's state, coordinator and assignor.

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

/// Describes a group its coordinator holds.
pub fn describe(world: &World, coordinator: BrokerId, found: &Group) -> GroupDescription {
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
            let log_end_offset = world.leader_log(tp).map(|log| log.high_watermark());
            let owner = owners.get(tp);
            OffsetRow {
                tp: tp.clone(),
                current_offset,
                log_end_offset,
                lag: current_offset
                    .zip(log_end_offset)
                    .map(|(c, e)| e.saturating_sub(c)),
                consumer_id: owner.map(|(id, _)| (*id).to_owned()),
                client_id: owner.map(|(_, client)| (*client).to_owned()),
            }
        })
        .collect();
    GroupDescription {
        group: found.id.clone(),
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

impl GroupDescription {
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
