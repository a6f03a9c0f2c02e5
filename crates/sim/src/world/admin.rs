//! What the Admin API and the tools ask of the cluster: topics and partitions, leader
//! elections, reassignments, a new broker, and a group's offsets. Each runs at the node that
//! owns it in Kafka (the active controller, or the group's coordinator) as if its request
//! arrived now, and is refused as that node refuses it.

use super::World;
use super::nodes::Node;
use crate::broker::Broker;
use crate::command::{Command, CommandError};
use crate::controller::{Controller, ElectionKind};
use crate::group::coordinator_partition;
use crate::node::Ctx;
use crate::protocol::{BrokerId, TopicPartition};

impl World {
    pub(super) fn apply_admin(&mut self, command: &Command) -> Result<(), CommandError> {
        match command {
            Command::CreateTopic(request) => {
                self.with_controller(|c, ctx| c.create_topic(ctx, request))??;
            }
            Command::DeleteTopic { name } => {
                self.with_controller(|c, ctx| c.delete_topic(ctx, name))??;
            }
            Command::CreatePartitions { topic, total } => {
                self.with_controller(|c, ctx| c.create_partitions(ctx, topic, *total))??;
            }
            Command::ElectLeaders {
                election,
                partitions,
            } => {
                self.elect_leaders(*election, partitions.as_deref())?;
            }
            Command::ResetOffsets {
                group,
                topic,
                partitions,
                to,
            } => self.reset_offsets(group, topic, partitions, *to)?,
            Command::DeleteOffsets { group, partitions } => {
                self.with_coordinator(group, |b, ctx| b.delete_offsets(ctx, group, partitions))?;
            }
            Command::DeleteGroup { group } => {
                self.with_coordinator(group, |b, ctx| b.delete_group(ctx, group))?;
            }
            Command::AlterGroupConfigs { group, configs } => {
                self.with_controller(|c, ctx| c.alter_group_configs(ctx, group, configs))??;
            }
            Command::AddBroker { rack } => self.add_broker(rack.clone())?,
            Command::AlterPartitionReassignments { reassignments } => {
                self.with_controller(|c, ctx| {
                    c.alter_partition_reassignments(ctx, reassignments)
                })??;
            }
            other => unreachable!(
                "World::apply sent {other:?} here, which is not a topic, partition, broker or group admin command"
            ),
        }
        Ok(())
    }

    pub(super) fn elect_leaders(
        &mut self,
        election: ElectionKind,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<(), CommandError> {
        let outcomes =
            self.with_controller(|c, ctx| c.elect_leaders(ctx, election, partitions, None))?;
        // Like kafka-leader-election.sh: listed partitions must all succeed; for "all
        // partitions", only an unknown partition is an error.
        let failure = outcomes.into_iter().find_map(|(_, outcome)| outcome.err());
        match failure {
            Some(error) if partitions.is_some() => Err(error.into()),
            _ => Ok(()),
        }
    }

    /// Runs an admin request at the active controller, as if it arrived now; while the quorum
    /// has none (an election), the request fails as Kafka's admin client would see it.
    pub(super) fn with_controller<R>(
        &mut self,
        f: impl FnOnce(&mut Controller, &mut Ctx<'_>) -> R,
    ) -> Result<R, CommandError> {
        let Some(active) = self.active_controller() else {
            return Err(
                crate::error::KafkaError::of(crate::error::ErrorCode::NotController).into(),
            );
        };
        let mut result = None;
        self.run_node(active, |node, ctx| {
            if let Node::Controller(c) = node {
                result = Some(f(c, ctx));
            }
        });
        Ok(result.expect("controllers are controller nodes"))
    }

    /// The broker coordinating `group`: the leader of its `__consumer_offsets` partition.
    pub(super) fn coordinator_of(&self, group: &str) -> Result<BrokerId, CommandError> {
        coordinator_partition(self.metadata(), group)
            .and_then(|(_, state)| state.leader)
            .ok_or_else(|| {
                crate::error::KafkaError::new(
                    crate::error::ErrorCode::CoordinatorNotAvailable,
                    "The coordinator is not available.",
                )
                .into()
            })
    }

    /// Runs an admin request at `group`'s coordinator, as if it arrived now.
    pub(super) fn with_coordinator(
        &mut self,
        group: &str,
        request: impl FnOnce(&mut Broker, &mut Ctx<'_>) -> Result<(), crate::error::KafkaError>,
    ) -> Result<(), CommandError> {
        let node = self.running_broker(self.coordinator_of(group)?)?;
        let mut result = Ok(());
        self.run_broker(node, |b, ctx| result = request(b, ctx));
        Ok(result?)
    }
}
