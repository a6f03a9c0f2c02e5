//! The group coordinator a broker runs (Kafka's `GroupCoordinatorService` with its
//! `GroupMetadataManager`): the groups of the `__consumer_offsets` partitions its broker leads,
//! the group requests and admin operations on them, and loading them from the log when the
//! broker becomes a partition's leader. The group state machine itself is `coordinator.rs`.
//!
//! It reaches its broker only through what each call is given, as Kafka's coordinator reaches
//! `ReplicaManager` only through its runtime: the metadata image (read only), the `Ctx` (the
//! time, responses, its group timers, events), the records of a partition it is elected for,
//! and the [`GroupWrite`]s it returns. The broker appends each write to the partition as its
//! leader and calls [`GroupCoordinator::on_written`] once the high watermark covers it (or it
//! failed); that is when an OffsetCommit is answered.

use super::{
    ConsumerGroup, CoordinatorRecord, Group, GroupSettings, GroupState, JoinRequest, answer,
};
use super::{OFFSETS_TOPIC, coordinator_partition, offsets_partition_for};
use crate::error::{ErrorCode, KafkaError};
use crate::event::EventKind;
use crate::metadata::MetadataImage;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    BatchHeader, BrokerId, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse,
    ControlType, Extension, GroupMessage, GroupRequest, GroupResponse, HeartbeatResponse,
    LeaveGroupResponse, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, Record,
    RecordData, TopicPartition, TxnOffsetCommitRequest, TxnOffsetCommitResponse,
};
use crate::sorted::Collect;
use std::collections::BTreeMap;
use std::rc::Rc;

/// `offset.metadata.max.bytes` (4096): the longest metadata a committed offset may carry.
const OFFSET_METADATA_MAX_BYTES: usize = 4096;

/// Records the coordinator asks its broker to append to `tp`, as that partition's leader.
#[derive(Clone, Debug)]
pub(crate) struct GroupWrite {
    /// The group's `__consumer_offsets` partition.
    pub(crate) tp: TopicPartition,
    /// The batch's producer fields (a transaction's offsets); default otherwise.
    pub(crate) header: BatchHeader,
    /// The records, stamped with the time of the request. Empty: a wait for the high
    /// watermark to cover what is already written (see [`AfterWrite::Fetch`]).
    pub(crate) records: Vec<Rc<RecordData>>,
    /// Handed back to [`GroupCoordinator::on_written`].
    pub(crate) then: AfterWrite,
}

/// What to do once a write is replicated (or failed).
#[derive(Clone, Debug)]
pub(crate) enum AfterWrite {
    /// Answer an OffsetCommit and update the offsets cache.
    Commit {
        group: String,
        to: (NodeId, u64),
        offsets: Vec<(TopicPartition, u64)>,
        /// The metadata committed with them, where there is some.
        metadata: Vec<(TopicPartition, String)>,
        /// Partitions of the request that were not stored (a topic the metadata does not
        /// have, metadata too long): the answer carries this error.
        refused: Option<ErrorCode>,
    },
    /// Answer a TxnOffsetCommit; the offsets wait for the transaction's marker.
    TxnCommit {
        group: String,
        to: (NodeId, u64),
        producer_id: u64,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// Complete a generation: answer the waiting SyncGroups.
    Sync { group: String, generation: i32 },
    /// Answer a ConsumerGroupHeartbeat once the group's change it made is replicated, so a
    /// member never acts on an assignment a new coordinator would not know.
    Heartbeat {
        to: (NodeId, u64),
        response: ConsumerGroupHeartbeatResponse,
    },
    /// Answer an OffsetFetch with `require_stable` once the writes before it are replicated:
    /// Kafka 4's coordinator runs it as a write of no records, which reads every offset
    /// written, replicated or not, and answers when the high watermark covers them. Without
    /// the wait, a member given a partition whose last owner's commit is still replicating
    /// would start from the older offset, and commit it over the newer one.
    Fetch {
        group: String,
        to: (NodeId, u64),
        request: OffsetFetchRequest,
    },
    /// Nothing waits (an emptied group's generation, an admin reset).
    Nothing,
}

impl AfterWrite {
    /// Takes the offsets of `deleted` partitions out of a commit still replicating, returning
    /// them by group: Kafka's coordinator replays a write into its state when it appends it,
    /// so `onPartitionsDeleted`, run after the append, tombstones these offsets too, and the
    /// commit's completion must not store them back. (The commit is still answered NONE: its
    /// records were written.)
    pub(crate) fn take_offsets_of(
        &mut self,
        deleted: &[TopicPartition],
    ) -> Vec<(String, TopicPartition)> {
        let (group, offsets) = match self {
            AfterWrite::Commit {
                group,
                offsets,
                metadata,
                ..
            } => {
                metadata.retain(|(tp, _)| !deleted.contains(tp));
                (group, offsets)
            }
            AfterWrite::TxnCommit { group, offsets, .. } => (group, offsets),
            _ => return Vec::new(),
        };
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(offsets)
            .into_iter()
            .partition(|(tp, _)| deleted.contains(tp));
        *offsets = kept;
        gone.into_iter()
            .map(|(tp, _)| (group.clone(), tp))
            .collect()
    }
}

/// The group coordinator's state on one broker.
#[derive(Clone, Debug)]
pub(crate) struct GroupCoordinator {
    /// The broker it runs on, for its events.
    broker: BrokerId,
    settings: GroupSettings,
    /// Loaded groups, by id.
    groups: BTreeMap<String, Group>,
    /// Offsets partitions its broker leads and it has loaded.
    loaded: Vec<TopicPartition>,
}

impl GroupCoordinator {
    /// A coordinator with no partition loaded yet.
    pub(crate) fn new(broker: BrokerId, settings: GroupSettings) -> Self {
        GroupCoordinator {
            broker,
            settings,
            groups: BTreeMap::new(),
            loaded: Vec::new(),
        }
    }

    /// The groups it coordinates now.
    pub(crate) fn groups(&self) -> &BTreeMap<String, Group> {
        &self.groups
    }

    /// The offsets partitions it has loaded.
    pub(crate) fn loaded(&self) -> &[TopicPartition] {
        &self.loaded
    }

    /// The offsets partition of `group`, if it has loaded it (and so coordinates the group).
    fn coordinated_partition(&self, image: &MetadataImage, group: &str) -> Option<TopicPartition> {
        let (tp, _) = coordinator_partition(image, group)?;
        self.loaded.contains(&tp).then_some(tp)
    }

    fn check_coordinator(&self, image: &MetadataImage, group: &str) -> Result<(), KafkaError> {
        match self.coordinated_partition(image, group) {
            Some(_) => Ok(()),
            None => Err(KafkaError::of(ErrorCode::NotCoordinator)),
        }
    }

    /// Group requests: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
    /// TxnOffsetCommit, OffsetFetch. Returns the write the request needs, if any.
    pub(crate) fn handle(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        from: NodeId,
        message: GroupMessage,
    ) -> Option<GroupWrite> {
        let GroupMessage::Request(header, request) = message else {
            unreachable!(
                "broker {}: received {message:?}, which only consumers and producers are sent",
                self.broker
            )
        };
        let group_id = request.group_id().to_owned();
        let to = (from, header.correlation_id);
        if self.coordinated_partition(image, &group_id).is_none() {
            answer(ctx, to, request.error_response(ErrorCode::NotCoordinator));
            return None;
        }
        self.groups
            .entry(group_id.clone())
            .or_insert_with(|| Group::new(&group_id));
        let group = group_id.as_str();
        if let Some(refused) = self.switch_protocol(group, &request) {
            answer(ctx, to, refused);
            return None;
        }
        match request {
            GroupRequest::ConsumerGroupHeartbeat(request) => {
                self.consumer_heartbeat(ctx, image, group, (to, &header.client_id), request)
            }
            GroupRequest::ShareGroupHeartbeat(request) => {
                self.share_heartbeat(ctx, image, group, (to, &header.client_id), request);
                None
            }
            GroupRequest::JoinGroup(body) => {
                let settings = self.settings;
                let request = JoinRequest { from, header, body };
                self.group_mut(group).join(ctx, &settings, request);
                None
            }
            GroupRequest::SyncGroup(request) => {
                let generation = request.generation_id;
                let member = (
                    request.member_id.as_str(),
                    request.group_instance_id.0.as_deref(),
                );
                let record =
                    self.group_mut(group)
                        .sync(ctx, to, generation, member, request.assignments)?;
                let then = AfterWrite::Sync {
                    group: group_id.clone(),
                    generation,
                };
                self.write(ctx, image, group, vec![record], then)
            }
            GroupRequest::Heartbeat(request) => {
                let member = (
                    request.member_id.as_str(),
                    request.group_instance_id.0.as_deref(),
                );
                let now = ctx.now();
                let generation = request.generation_id;
                let error = self.group_mut(group).heartbeat(member, generation, now);
                answer(
                    ctx,
                    to,
                    GroupResponse::Heartbeat(HeartbeatResponse { error }),
                );
                None
            }
            GroupRequest::LeaveGroup(request) => {
                self.leave_group(ctx, image, group, to, &request.member_id)
            }
            GroupRequest::OffsetCommit(request) => {
                let member = (
                    request.member_id.as_str(),
                    request.group_instance_id.0.as_deref(),
                );
                let generation = request.generation_id;
                if let Err(error) = self.group_mut(group).check_commit(member, generation) {
                    answer(
                        ctx,
                        to,
                        GroupResponse::OffsetCommit(OffsetCommitResponse { error }),
                    );
                    return None;
                }
                self.offset_commit(ctx, image, group, to, request.offsets, request.metadata.0)
            }
            GroupRequest::TxnOffsetCommit(request) => {
                let checked = self
                    .group_mut(group)
                    .check_txn_commit(&request.member_id, request.generation_id);
                if let Err(error) = checked {
                    let response = TxnOffsetCommitResponse { error };
                    answer(ctx, to, GroupResponse::TxnOffsetCommit(response));
                    return None;
                }
                self.txn_offset_commit(ctx, image, group, to, request)
            }
            GroupRequest::OffsetFetch(request) if request.require_stable => {
                let then = AfterWrite::Fetch {
                    group: group_id.clone(),
                    to,
                    request,
                };
                self.write(ctx, image, group, Vec::new(), then)
            }
            GroupRequest::OffsetFetch(request) => {
                let response = offset_fetch(self.group_mut(group), request);
                answer(ctx, to, GroupResponse::OffsetFetch(response));
                None
            }
        }
    }

    /// A group takes the protocol of the first member to join it: an empty group changes to
    /// the protocol of a request that joins it; a group with members refuses the other
    /// protocol's join (Kafka 4 converts a group with members online, which the playground
    /// does not model: GROUP_ID_NOT_FOUND is what Kafka answers with
    /// `group.consumer.migration.policy=disabled`).
    fn switch_protocol(&mut self, group: &str, request: &GroupRequest) -> Option<GroupResponse> {
        let found = self.group_mut(group);
        // A share group is a group type of its own (`GroupMetadataManager.shareGroup`): no
        // other protocol joins it and it joins no group of another type.
        let is_share = matches!(request, GroupRequest::ShareGroupHeartbeat(_));
        if let GroupRequest::ShareGroupHeartbeat(r) = request
            && found.share.is_none()
        {
            {
                if found.member_count() == 0 && found.offsets.is_empty() {
                    found.consumer = None;
                    found.share = Some(super::ShareGroup::default());
                    found.refresh_state();
                    return None;
                }
                let mut response = crate::protocol::ShareGroupHeartbeatResponse::error(
                    ErrorCode::GroupIdNotFound,
                    &r.member_id,
                    r.member_epoch,
                );
                response.error_message = Some(format!("Group {group} is not a share group."));
                return Some(GroupResponse::ShareGroupHeartbeat(response));
            }
        }
        if found.share.is_some() && !is_share {
            return Some(match request {
                GroupRequest::ConsumerGroupHeartbeat(r) => {
                    let mut response = ConsumerGroupHeartbeatResponse::error(
                        ErrorCode::GroupIdNotFound,
                        &r.member_id,
                        r.member_epoch,
                    );
                    response.error_message =
                        Some(format!("Group {group} is not a consumer group."));
                    GroupResponse::ConsumerGroupHeartbeat(response)
                }
                _ => request.error_response(ErrorCode::InconsistentGroupProtocol),
            });
        }
        match request {
            GroupRequest::ConsumerGroupHeartbeat(r) if found.consumer.is_none() => {
                if found.members.is_empty() {
                    found.consumer = Some(ConsumerGroup::default());
                    found.refresh_state();
                    return None;
                }
                let mut response = ConsumerGroupHeartbeatResponse::error(
                    ErrorCode::GroupIdNotFound,
                    &r.member_id,
                    r.member_epoch,
                );
                response.error_message = Some(format!("Group {group} is not a consumer group."));
                Some(GroupResponse::ConsumerGroupHeartbeat(response))
            }
            GroupRequest::JoinGroup(_) => {
                let consumer = found.consumer.as_ref()?;
                if consumer.members.is_empty() {
                    found.consumer = None;
                    found.state = GroupState::Empty;
                    return None;
                }
                Some(request.error_response(ErrorCode::InconsistentGroupProtocol))
            }
            _ => None,
        }
    }

    /// ConsumerGroupHeartbeat (KIP-848): answered at once when nothing changed, else once the
    /// group's new state is written.
    fn consumer_heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        (to, client_id): ((NodeId, u64), &str),
        request: ConsumerGroupHeartbeatRequest,
    ) -> Option<GroupWrite> {
        let settings = self.settings.consumer;
        let broker = self.broker;
        let found = self.group_mut(group);
        let consumer = found.consumer.as_mut().unwrap_or_else(|| {
            unreachable!(
                "broker {broker}: group {group} takes a heartbeat without being a consumer group"
            )
        });
        let result = consumer.heartbeat(ctx, &settings, image, (group, client_id), &request);
        // Only a change is written: a steady heartbeat copies nothing.
        let record = matches!(result, Ok((_, true))).then(|| consumer.record(group));
        found.refresh_state();
        match result {
            Err((error, message)) => {
                let mut response = ConsumerGroupHeartbeatResponse::error(
                    error,
                    &request.member_id,
                    request.member_epoch,
                );
                response.error_message = Some(message);
                answer(ctx, to, GroupResponse::ConsumerGroupHeartbeat(response));
                None
            }
            Ok((response, false)) => {
                answer(ctx, to, GroupResponse::ConsumerGroupHeartbeat(response));
                None
            }
            Ok((response, true)) => {
                let then = AfterWrite::Heartbeat { to, response };
                self.write(ctx, image, group, record.into_iter().collect(), then)
            }
        }
    }

    /// ShareGroupHeartbeat (KIP-932): answered at once (the share group lives in the
    /// coordinator's memory; see `share_group.rs`).
    fn share_heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        (to, client_id): ((NodeId, u64), &str),
        request: crate::protocol::ShareGroupHeartbeatRequest,
    ) {
        let settings = self.settings.share;
        let broker = self.broker;
        let found = self.group_mut(group);
        let share = found.share.as_mut().unwrap_or_else(|| {
            unreachable!(
                "broker {broker}: group {group} takes a share heartbeat without being a share group"
            )
        });
        let response = share
            .heartbeat(ctx, &settings, image, (group, client_id), &request)
            .unwrap_or_else(|(error, message)| {
                let mut response = crate::protocol::ShareGroupHeartbeatResponse::error(
                    error,
                    &request.member_id,
                    request.member_epoch,
                );
                response.error_message = Some(message);
                response
            });
        found.refresh_state();
        answer(ctx, to, GroupResponse::ShareGroupHeartbeat(response));
    }

    /// A group known to be loaded (the request path inserted it).
    fn group_mut(&mut self, group: &str) -> &mut Group {
        let broker = self.broker;
        self.groups
            .get_mut(group)
            .unwrap_or_else(|| unreachable!("broker {broker}: group {group} vanished mid-request"))
    }

    /// LeaveGroup: answered at once; the emptied generation is written after.
    fn leave_group(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        to: (NodeId, u64),
        member_id: &str,
    ) -> Option<GroupWrite> {
        let settings = self.settings;
        let (error, record) = match self.group_mut(group).leave(ctx, &settings, member_id) {
            Ok(record) => (ErrorCode::None, record),
            Err(error) => (error, None),
        };
        answer(
            ctx,
            to,
            GroupResponse::LeaveGroup(LeaveGroupResponse { error }),
        );
        self.persist(ctx, image, group, record)
    }

    /// TxnOffsetCommit from a member the group accepts: the offsets are written as the
    /// producer's transactional batch, so its marker decides whether they count.
    fn txn_offset_commit(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        to: (NodeId, u64),
        request: TxnOffsetCommitRequest,
    ) -> Option<GroupWrite> {
        let TxnOffsetCommitRequest {
            producer_id,
            producer_epoch,
            offsets,
            ..
        } = request;
        // KafkaApis answers UNKNOWN_TOPIC_OR_PARTITION for a partition the metadata does not
        // have (a topic deleted since the records were read): kept, those offsets would wait in
        // the group for a topic created again under the name and skip its first records. The
        // answer here is one error for the request, so nothing of it is stored (the producer
        // retries, as Java's TxnOffsetCommitHandler does, until the topic exists or the
        // transaction ends).
        if offsets.iter().any(|(tp, _)| image.partition(tp).is_none()) {
            let error = ErrorCode::UnknownTopicOrPartition;
            answer(
                ctx,
                to,
                GroupResponse::TxnOffsetCommit(TxnOffsetCommitResponse { error }),
            );
            return None;
        }
        let records = offset_records(group, &offsets, &[]);
        let then = AfterWrite::TxnCommit {
            group: group.to_owned(),
            to,
            producer_id,
            offsets,
        };
        let header = BatchHeader {
            producer_id: Some(producer_id),
            producer_epoch,
            transactional: true,
            ..BatchHeader::default()
        };
        self.write_batch(ctx, image, group, header, records, then)
    }

    /// OffsetCommit from a member the group accepts.
    fn offset_commit(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group_id: &str,
        to: (NodeId, u64),
        offsets: Vec<(TopicPartition, u64)>,
        metadata: Vec<(TopicPartition, String)>,
    ) -> Option<GroupWrite> {
        // KafkaApis answers UNKNOWN_TOPIC_OR_PARTITION for a partition the metadata does not
        // have and stores the others. The answer here is one error for the request, so the
        // consumer sees the commit fail as Java's does when any of its partitions fails.
        let (offsets, unknown): (Vec<_>, Vec<_>) = offsets
            .into_iter()
            .partition(|(tp, _)| image.partition(tp).is_some());
        // GroupMetadataManager.validateOffsetMetadataLength: a partition whose metadata is
        // longer than offset.metadata.max.bytes is refused with OFFSET_METADATA_TOO_LARGE; the
        // others are stored.
        let fits = |tp: &TopicPartition| {
            metadata
                .iter()
                .find(|(t, _)| t == tp)
                .is_none_or(|(_, m)| m.len() <= OFFSET_METADATA_MAX_BYTES)
        };
        let (offsets, too_large): (Vec<_>, Vec<_>) =
            offsets.into_iter().partition(|(tp, _)| fits(tp));
        let refused = if !unknown.is_empty() {
            Some(ErrorCode::UnknownTopicOrPartition)
        } else if !too_large.is_empty() {
            Some(ErrorCode::OffsetMetadataTooLarge)
        } else {
            None
        };
        if offsets.is_empty() {
            let error = refused.unwrap_or(ErrorCode::UnknownTopicOrPartition);
            answer(
                ctx,
                to,
                GroupResponse::OffsetCommit(OffsetCommitResponse { error }),
            );
            return None;
        }
        let records = offset_records(group_id, &offsets, &metadata);
        let then = AfterWrite::Commit {
            group: group_id.to_owned(),
            to,
            offsets,
            metadata,
            refused,
        };
        self.write(ctx, image, group_id, records, then)
    }

    fn persist(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        record: Option<CoordinatorRecord>,
    ) -> Option<GroupWrite> {
        let record = record?;
        self.write(ctx, image, group, vec![record], AfterWrite::Nothing)
    }

    /// The write of `records` to the group's offsets partition; `then` runs when the high
    /// watermark covers them, or fails after `offsets.commit.timeout.ms`.
    fn write(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        records: Vec<CoordinatorRecord>,
        then: AfterWrite,
    ) -> Option<GroupWrite> {
        self.write_batch(ctx, image, group, BatchHeader::default(), records, then)
    }

    /// [`Self::write`] with the batch's producer fields (a transaction's offsets).
    fn write_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        header: BatchHeader,
        records: Vec<CoordinatorRecord>,
        then: AfterWrite,
    ) -> Option<GroupWrite> {
        let Some(tp) = self.coordinated_partition(image, group) else {
            self.on_written(ctx, then, ErrorCode::NotCoordinator);
            return None;
        };
        let now_ms = ctx.now().as_millis();
        let records = records.iter().map(|r| r.to_record(now_ms)).collect();
        Some(GroupWrite {
            tp,
            header,
            records,
            then,
        })
    }

    /// A write is replicated (`error` NONE) or failed: answer whoever waits for it.
    pub(crate) fn on_written(&mut self, ctx: &mut Ctx<'_>, then: AfterWrite, error: ErrorCode) {
        match then {
            AfterWrite::Commit {
                group,
                to,
                offsets,
                metadata,
                refused,
            } => {
                if error == ErrorCode::None
                    && let Some(group) = self.groups.get_mut(&group)
                {
                    group.store_offsets(offsets, &metadata);
                }
                let error = match error {
                    ErrorCode::None => refused.unwrap_or(ErrorCode::None),
                    error => error,
                };
                answer(
                    ctx,
                    to,
                    GroupResponse::OffsetCommit(OffsetCommitResponse { error }),
                );
            }
            AfterWrite::TxnCommit {
                group,
                to,
                producer_id,
                offsets,
            } => {
                if error == ErrorCode::None
                    && let Some(group) = self.groups.get_mut(&group)
                {
                    group
                        .pending_txn
                        .entry(producer_id)
                        .or_default()
                        .extend(offsets);
                }
                let response = TxnOffsetCommitResponse { error };
                answer(ctx, to, GroupResponse::TxnOffsetCommit(response));
            }
            AfterWrite::Sync { group, generation } => {
                if let Some(group) = self.groups.get_mut(&group) {
                    group.on_persisted(ctx, &self.settings, generation, error);
                }
            }
            AfterWrite::Heartbeat { to, mut response } => {
                // CoordinatorRuntime's normalizeException: a write that failed because the
                // broker stopped leading is NOT_COORDINATOR, any other COORDINATOR_NOT_AVAILABLE.
                if error != ErrorCode::None {
                    let error = match error {
                        ErrorCode::NotCoordinator | ErrorCode::NotLeaderOrFollower => {
                            ErrorCode::NotCoordinator
                        }
                        _ => ErrorCode::CoordinatorNotAvailable,
                    };
                    response = ConsumerGroupHeartbeatResponse::error(
                        error,
                        &response.member_id,
                        response.member_epoch,
                    );
                }
                answer(ctx, to, GroupResponse::ConsumerGroupHeartbeat(response));
            }
            AfterWrite::Fetch { group, to, request } => {
                // GroupCoordinatorService.handleOffsetFetchException: a fetch that could not
                // wait (the broker stopped leading, the wait timed out) is NOT_COORDINATOR, so
                // the consumer finds the coordinator again and asks anew.
                let response = match self.groups.get(&group) {
                    Some(group) if error == ErrorCode::None => offset_fetch(group, request),
                    _ => OffsetFetchResponse::error(ErrorCode::NotCoordinator),
                };
                answer(ctx, to, GroupResponse::OffsetFetch(response));
            }
            AfterWrite::Nothing => {}
        }
    }

    /// Group timers: the end of a join phase, a member's session check.
    pub(crate) fn on_timer(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        timer: Timer,
    ) -> Option<GroupWrite> {
        let (group, record) = match timer {
            Timer::GroupJoinDeadline { group } => {
                let record = self
                    .groups
                    .get_mut(&group)
                    .and_then(|g| g.on_join_deadline(ctx));
                (group, record)
            }
            Timer::GroupSessionCheck { group, member_id } => {
                let settings = self.settings;
                let record = self
                    .groups
                    .get_mut(&group)
                    .and_then(|g| match &mut g.consumer {
                        None if g.share.is_some() => {
                            let share = g.share.as_mut()?;
                            share.on_session_check(ctx, &settings.share, &group, &member_id);
                            g.refresh_state();
                            None
                        }
                        Some(consumer) => {
                            let changed = consumer.on_session_check(
                                ctx,
                                &settings.consumer,
                                &group,
                                &member_id,
                            );
                            let record = changed.then(|| consumer.record(&group));
                            g.refresh_state();
                            record
                        }
                        None => g.on_session_check(ctx, &settings, &member_id),
                    });
                (group, record)
            }
            Timer::GroupRebalanceTimeout { group, member_id } => {
                let record = self.groups.get_mut(&group).and_then(|g| {
                    let consumer = g.consumer.as_mut()?;
                    let changed = consumer.on_rebalance_timeout(ctx, &group, &member_id);
                    let record = changed.then(|| consumer.record(&group));
                    g.refresh_state();
                    record
                });
                (group, record)
            }
            other => unreachable!(
                "broker {}: {other:?} routed to the group coordinator",
                self.broker
            ),
        };
        self.persist(ctx, image, &group, record)
    }

    /// Its broker no longer leads offsets partition `tp` (of `partitions`): its groups go;
    /// their members get NOT_COORDINATOR and look for the new coordinator.
    pub(crate) fn on_resignation(&mut self, tp: &TopicPartition, partitions: u32) {
        self.loaded.retain(|t| t != tp);
        self.groups
            .retain(|id, _| offsets_partition_for(id, partitions) != tp.partition);
    }

    /// Its broker now leads offsets partition `tp` (of `partitions`), whose log holds
    /// `records`: rebuild the partition's groups from it.
    pub(crate) fn on_election(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        records: &crate::chunked::Chunked<Record>,
        partitions: u32,
    ) {
        let mut by_group: BTreeMap<&str, Vec<&CoordinatorRecord>> = BTreeMap::new();
        // A transaction's offsets count from its COMMIT marker on; those still open at the
        // end are pending again (an ABORT drops them).
        let mut open: BTreeMap<u64, Vec<&CoordinatorRecord>> = BTreeMap::new();
        for record in records {
            let batch = &record.batch;
            if let (Some(control), Some(producer_id)) = (batch.control, batch.producer_id) {
                let ended = open.remove(&producer_id).unwrap_or_default();
                if control == ControlType::Commit {
                    for payload in ended {
                        by_group.entry(payload.group()).or_default().push(payload);
                    }
                }
                continue;
            }
            let Some(payload) = &record.data.coordinator else {
                continue;
            };
            if offsets_partition_for(payload.group(), partitions) != tp.partition {
                continue;
            }
            match batch.producer_id.filter(|_| batch.transactional) {
                Some(producer_id) => open.entry(producer_id).or_default().push(payload),
                None => {
                    // An offset's tombstone drops the open transactions' offsets of its
                    // partition too (Kafka's `OffsetMetadataManager.replay`).
                    if let CoordinatorRecord::OffsetDeleted { group, tp } = &**payload {
                        for pending in open.values_mut() {
                            pending.retain(|r| {
                                !matches!(r, CoordinatorRecord::Offset { group: g, tp: t, .. }
                                    if g == group && t == tp)
                            });
                        }
                    }
                    by_group.entry(payload.group()).or_default().push(payload);
                }
            }
        }
        let mut loaded: BTreeMap<String, Group> = by_group
            .into_iter()
            .filter_map(|(id, records)| Group::load(id, records.into_iter(), ctx.now()))
            .map(|group| (group.id.clone(), group))
            .collect_map();
        for (producer_id, records) in open {
            for record in records {
                if let CoordinatorRecord::Offset {
                    group, tp, offset, ..
                } = record
                {
                    loaded
                        .entry(group.clone())
                        .or_insert_with(|| Group::new(group))
                        .pending_txn
                        .entry(producer_id)
                        .or_default()
                        .insert(tp.clone(), *offset);
                }
            }
        }
        let count = loaded.len();
        for (_, group) in loaded {
            group.arm_session_checks(ctx, &self.settings);
            self.groups.insert(group.id.clone(), group);
        }
        self.loaded.push(tp.clone());
        if count > 0 {
            ctx.emit(EventKind::CoordinatorLoaded {
                broker: self.broker,
                tp: tp.clone(),
                groups: count,
            });
        }
    }

    /// A transaction's marker reached offsets partition `tp` (of `partitions`): the offsets
    /// its producer sent take effect, or vanish.
    pub(crate) fn on_txn_marker(
        &mut self,
        tp: &TopicPartition,
        partitions: u32,
        producer_id: u64,
        committed: bool,
    ) {
        if &*tp.topic != OFFSETS_TOPIC || !self.loaded.contains(tp) {
            return;
        }
        for (id, group) in &mut self.groups {
            if offsets_partition_for(id, partitions) == tp.partition {
                group.complete_txn(producer_id, committed);
            }
        }
    }

    /// `kafka-consumer-groups.sh --reset-offsets --execute`, run at the coordinator: only an
    /// inactive group's offsets may be reset.
    pub(crate) fn reset_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        offsets: Vec<(TopicPartition, u64)>,
    ) -> Result<Option<GroupWrite>, KafkaError> {
        self.check_coordinator(image, group)?;
        let state = self
            .groups
            .entry(group.to_owned())
            .or_insert_with(|| Group::new(group))
            .state;
        if state != GroupState::Empty {
            return Err(KafkaError::new(
                ErrorCode::NonEmptyGroup,
                format!(
                    "Assignments can only be reset if the group '{group}' is inactive, but the current state is {}.",
                    state.kafka_name()
                ),
            ));
        }
        let records = offset_records(group, &offsets, &[]);
        if let Some(g) = self.groups.get_mut(group) {
            g.store_offsets(offsets, &[]);
        }
        Ok(self.write(ctx, image, group, records, AfterWrite::Nothing))
    }

    /// DeleteGroups (`kafka-consumer-groups.sh --delete`): only an Empty group goes; its
    /// metadata and offsets are tombstoned in `__consumer_offsets`.
    pub(crate) fn delete_group(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
    ) -> Result<Option<GroupWrite>, KafkaError> {
        self.check_coordinator(image, group)?;
        let Some(found) = self.groups.get(group) else {
            return Err(KafkaError::of(ErrorCode::GroupIdNotFound));
        };
        if found.state != GroupState::Empty {
            return Err(KafkaError::of(ErrorCode::NonEmptyGroup));
        }
        let record = CoordinatorRecord::Deleted {
            group: group.to_owned(),
        };
        let write = self.write(ctx, image, group, vec![record], AfterWrite::Nothing);
        self.groups.remove(group);
        Ok(write)
    }

    /// Topics were deleted (`partitions` were theirs): every group this coordinator holds
    /// forgets its offsets of them, committed or pending in a transaction, and tombstones them
    /// in `__consumer_offsets`, as Kafka's `GroupCoordinatorService.onPartitionsDeleted` does
    /// when `BrokerMetadataPublisher` sees topics deleted (`OffsetMetadataManager
    /// .onPartitionsDeleted`; replaying the tombstone drops the pending offsets too). Kept, a
    /// group reading a topic created again under the name would start from the deleted
    /// topic's offsets and skip the new topic's records (the deleted-topic fuzz profile).
    /// `in_flight` are the offsets of commits appended but not yet replicated (taken out of
    /// them by [`AfterWrite::take_offsets_of`]): Kafka's state already holds those, so they
    /// are tombstoned as well.
    pub(crate) fn on_partitions_deleted(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        partitions: &[TopicPartition],
        in_flight: &[(String, TopicPartition)],
    ) -> Vec<GroupWrite> {
        let mut writes = Vec::new();
        let ids: Vec<String> = self.groups.keys().cloned().collect();
        for id in ids {
            let Some(group) = self.groups.get_mut(&id) else {
                continue;
            };
            let mut records = Vec::new();
            for tp in partitions {
                let mut had = group.offsets.remove(tp).is_some()
                    || in_flight.iter().any(|(g, t)| *g == id && t == tp);
                for pending in group.pending_txn.values_mut() {
                    had |= pending.remove(tp).is_some();
                }
                if had {
                    group.set_metadata(tp, "");
                    records.push(CoordinatorRecord::OffsetDeleted {
                        group: id.clone(),
                        tp: tp.clone(),
                    });
                }
            }
            if !records.is_empty() {
                writes.extend(self.write(ctx, image, &id, records, AfterWrite::Nothing));
            }
        }
        writes
    }

    /// OffsetDelete (`kafka-consumer-groups.sh --delete-offsets`): the group must exist; the
    /// committed offsets go as tombstones. Refused whole, changing nothing, when a partition's
    /// topic is one the group subscribes to (Kafka answers that partition
    /// GROUP_SUBSCRIBED_TO_TOPIC and deletes the others; the console asks only for those).
    pub(crate) fn delete_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        image: &MetadataImage,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<Option<GroupWrite>, KafkaError> {
        self.check_coordinator(image, group)?;
        let Some(found) = self.groups.get_mut(group) else {
            return Err(KafkaError::of(ErrorCode::GroupIdNotFound));
        };
        if let Some(refused) = found
            .offset_delete_errors(partitions)
            .into_iter()
            .find(|e| *e != ErrorCode::None)
        {
            return Err(KafkaError::of(refused));
        }
        let mut records = Vec::new();
        for tp in partitions {
            if found.offsets.remove(tp).is_some() {
                found.set_metadata(tp, "");
                records.push(CoordinatorRecord::OffsetDeleted {
                    group: group.to_owned(),
                    tp: tp.clone(),
                });
            }
        }
        if records.is_empty() {
            return Ok(None);
        }
        Ok(self.write(ctx, image, group, records, AfterWrite::Nothing))
    }
}

/// OffsetFetch's answer from the group's offsets cache: UNSTABLE_OFFSET_COMMIT when
/// `require_stable` and a transaction's offsets for an asked partition are pending.
fn offset_fetch(group: &Group, request: OffsetFetchRequest) -> OffsetFetchResponse {
    let OffsetFetchRequest {
        partitions,
        require_stable,
        ..
    } = request;
    let unstable = require_stable && partitions.iter().any(|tp| group.has_pending_txn_offset(tp));
    let (error, offsets) = if unstable {
        (ErrorCode::UnstableOffsetCommit, Vec::new())
    } else {
        let offsets = partitions
            .into_iter()
            .map(|tp| {
                let offset = group.offsets.get(&tp).copied();
                (tp, offset)
            })
            .collect();
        (ErrorCode::None, offsets)
    };
    let metadata = offsets
        .iter()
        .filter_map(|(tp, _)| Some((tp.clone(), group.metadata.get(tp)?.clone())))
        .collect();
    OffsetFetchResponse {
        error,
        offsets,
        metadata: Extension(metadata),
    }
}

/// The records of an offset commit.
fn offset_records(
    group: &str,
    offsets: &[(TopicPartition, u64)],
    metadata: &[(TopicPartition, String)],
) -> Vec<CoordinatorRecord> {
    offsets
        .iter()
        .map(|(tp, offset)| CoordinatorRecord::Offset {
            group: group.to_owned(),
            tp: tp.clone(),
            offset: *offset,
            metadata: Extension(
                metadata
                    .iter()
                    .find(|(m, _)| m == tp)
                    .map(|(_, text)| text.clone())
                    .unwrap_or_default(),
            ),
        })
        .collect()
}
