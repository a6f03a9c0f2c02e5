//! The group coordinator a broker runs for the groups whose `__consumer_offsets` partition it
//! leads: it routes group requests to the group's state machine (`group/coordinator.rs`),
//! writes offsets and generations to the partition as records and answers only once the
//! high watermark covers them (`offsets.commit.timeout.ms`), and rebuilds its groups from the
//! log when it becomes leader. Also FindCoordinator and ListOffsets, which any broker answers.

use super::Broker;
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::group::{
    CoordinatorRecord, Group, OFFSETS_TOPIC, coordinator_partition, offsets_partition_for,
};
use crate::group::{GroupSettings, JoinRequest};
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{BatchHeader, Extension, GroupMessage, Message, RecordData, TopicPartition};
use crate::sorted::Collect;
use crate::time::SimDuration;
use std::collections::BTreeMap;

/// `offset.metadata.max.bytes` (4096): the longest metadata a committed offset may carry.
const OFFSET_METADATA_MAX_BYTES: usize = 4096;
use std::rc::Rc;

/// What to do once a coordinator's write is replicated (or failed).
#[derive(Clone, Debug)]
pub(super) enum AfterAppend {
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
    /// Nothing waits (an emptied group's generation, an admin reset).
    Nothing,
    /// A transaction's new state is persisted (`txn_coordinator.rs`).
    Txn(Box<super::txn_coordinator::TxnPersisted>),
}

/// A coordinator write waiting for the high watermark.
#[derive(Clone, Debug)]
pub(crate) struct PendingAppend {
    id: u64,
    tp: TopicPartition,
    required: u64,
    then: AfterAppend,
}

/// The coordinator's state on one broker.
#[derive(Clone, Debug, Default)]
pub(crate) struct GroupCoordinator {
    /// Loaded groups, by id.
    pub(crate) groups: BTreeMap<String, Group>,
    /// Offsets partitions this broker leads and has loaded.
    loaded: Vec<TopicPartition>,
    appends: Vec<PendingAppend>,
    next_append_id: u64,
}

impl Broker {
    /// The groups this broker coordinates now.
    pub(crate) fn groups(&self) -> &BTreeMap<String, Group> {
        &self.coordinator.groups
    }

    fn group_settings(&self) -> GroupSettings {
        GroupSettings {
            initial_rebalance_delay: self.config.group_initial_rebalance_delay,
            min_session_timeout: self.config.group_min_session_timeout,
            max_session_timeout: self.config.group_max_session_timeout,
        }
    }

    /// The offsets partition of `group`, if this broker leads it (and so coordinates it).
    fn coordinated_partition(&self, group: &str) -> Option<TopicPartition> {
        let (tp, _) = coordinator_partition(&self.image, group)?;
        self.coordinator.loaded.contains(&tp).then_some(tp)
    }

    pub(super) fn handle_find_coordinator(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        key_type: u8,
        key: &str,
    ) {
        let (topic, found, partitions) = if key_type == 1 {
            (
                crate::txn::TRANSACTION_TOPIC,
                crate::txn::coordinator_partition(&self.image, key),
                self.config.transaction_state_num_partitions,
            )
        } else {
            (
                OFFSETS_TOPIC,
                coordinator_partition(&self.image, key),
                self.config.offsets_topic_num_partitions,
            )
        };
        let (error, coordinator) = match found {
            None if !self.image.topics.contains_key(topic) => {
                // The first FindCoordinator creates the coordinator's topic, as Kafka's
                // AutoTopicCreationManager does; the client asks again after its backoff.
                // (`transaction.state.log.replication.factor` is 3 as well.)
                let brokers = self.directory.len() as u32;
                let replication = self.config.offsets_topic_replication_factor.min(brokers);
                ctx.send(
                    self.controller(),
                    Message::CreateInternalTopic {
                        name: topic.to_owned(),
                        partitions: partitions as i32,
                        replication_factor: replication as i32,
                    },
                );
                (ErrorCode::CoordinatorNotAvailable, None)
            }
            found => match found.and_then(|(_, state)| state.leader) {
                Some(leader) => (ErrorCode::None, Some(leader)),
                None => (ErrorCode::CoordinatorNotAvailable, None),
            },
        };
        ctx.send(
            from,
            Message::FindCoordinatorResponse {
                correlation_id,
                error,
                coordinator,
            },
        );
    }

    /// Group requests: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch.
    pub(super) fn handle_group_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        message: GroupMessage,
    ) {
        let settings = self.group_settings();
        let (group_id, correlation_id) = match &message {
            GroupMessage::JoinGroup {
                group_id,
                correlation_id,
                ..
            }
            | GroupMessage::SyncGroup {
                group_id,
                correlation_id,
                ..
            }
            | GroupMessage::Heartbeat {
                group_id,
                correlation_id,
                ..
            }
            | GroupMessage::LeaveGroup {
                group_id,
                correlation_id,
                ..
            }
            | GroupMessage::OffsetCommit {
                group_id,
                correlation_id,
                ..
            }
            | GroupMessage::OffsetFetch {
                group_id,
                correlation_id,
                ..
            }
            | GroupMessage::TxnOffsetCommit {
                group_id,
                correlation_id,
                ..
            } => (group_id.clone(), *correlation_id),
            other => unreachable!(
                "broker {}: received {other:?}, which only consumers and producers are sent",
                self.id()
            ),
        };
        if self.coordinated_partition(&group_id).is_none() {
            return ctx.send(from, not_coordinator(&message, correlation_id));
        }
        let group = self
            .coordinator
            .groups
            .entry(group_id.clone())
            .or_insert_with(|| Group::new(&group_id));
        let to = (from, correlation_id);
        match message {
            GroupMessage::JoinGroup {
                member_id,
                client_id,
                group_instance_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocols,
                ..
            } => {
                let request = JoinRequest {
                    from,
                    correlation_id,
                    member_id,
                    client_id,
                    instance_id: group_instance_id,
                    session_timeout: SimDuration::from_millis(session_timeout_ms),
                    rebalance_timeout: SimDuration::from_millis(rebalance_timeout_ms),
                    protocols,
                };
                group.join(ctx, &settings, request);
            }
            GroupMessage::SyncGroup {
                generation_id,
                member_id,
                assignments,
                group_instance_id,
                ..
            } => {
                let member = (member_id.as_str(), group_instance_id.0.as_deref());
                if let Some(record) = group.sync(ctx, to, generation_id, member, assignments) {
                    let then = AfterAppend::Sync {
                        group: group_id.clone(),
                        generation: generation_id,
                    };
                    self.append_for_group(ctx, &group_id, vec![record], then);
                }
            }
            GroupMessage::Heartbeat {
                generation_id,
                member_id,
                group_instance_id,
                ..
            } => {
                let member = (member_id.as_str(), group_instance_id.0.as_deref());
                let error = group.heartbeat(member, generation_id, ctx.now());
                ctx.send(
                    from,
                    GroupMessage::HeartbeatResponse {
                        correlation_id,
                        error,
                    },
                );
            }
            GroupMessage::LeaveGroup { member_id, .. } => {
                let (error, record) = match group.leave(ctx, &settings, &member_id) {
                    Ok(record) => (ErrorCode::None, record),
                    Err(error) => (error, None),
                };
                ctx.send(
                    from,
                    GroupMessage::LeaveGroupResponse {
                        correlation_id,
                        error,
                    },
                );
                self.persist(ctx, &group_id, record);
            }
            GroupMessage::OffsetCommit {
                generation_id,
                member_id,
                offsets,
                metadata,
                group_instance_id,
                ..
            } => match group
                .check_commit((&member_id, group_instance_id.0.as_deref()), generation_id)
            {
                Err(error) => ctx.send(
                    from,
                    GroupMessage::OffsetCommitResponse {
                        correlation_id,
                        error,
                    },
                ),
                Ok(()) => {
                    // KafkaApis answers UNKNOWN_TOPIC_OR_PARTITION for a partition the
                    // metadata does not have and stores the others. The answer here is one
                    // error for the request, so the consumer sees the commit fail as Java's
                    // does when any of its partitions fails.
                    let (offsets, unknown): (Vec<_>, Vec<_>) = offsets
                        .into_iter()
                        .partition(|(tp, _)| self.image.partition(tp).is_some());
                    // GroupMetadataManager.validateOffsetMetadataLength: a partition whose
                    // metadata is longer than offset.metadata.max.bytes is refused with
                    // OFFSET_METADATA_TOO_LARGE; the others are stored.
                    let metadata = metadata.0;
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
                        let response = GroupMessage::OffsetCommitResponse {
                            correlation_id,
                            error,
                        };
                        return ctx.send(from, response);
                    }
                    let records = offset_records(&group_id, &offsets, &metadata);
                    let then = AfterAppend::Commit {
                        group: group_id.clone(),
                        to,
                        offsets,
                        metadata,
                        refused,
                    };
                    self.append_for_group(ctx, &group_id, records, then);
                }
            },
            GroupMessage::TxnOffsetCommit {
                producer_id,
                producer_epoch,
                generation_id,
                member_id,
                offsets,
                ..
            } => match group.check_txn_commit(&member_id, generation_id) {
                Err(error) => ctx.send(
                    from,
                    GroupMessage::TxnOffsetCommitResponse {
                        correlation_id,
                        error,
                    },
                ),
                Ok(()) => {
                    let records = offset_records(&group_id, &offsets, &[]);
                    let then = AfterAppend::TxnCommit {
                        group: group_id.clone(),
                        to,
                        producer_id,
                        offsets,
                    };
                    // Written as the producer's transactional batch: its marker decides.
                    let header = BatchHeader {
                        producer_id: Some(producer_id),
                        producer_epoch,
                        transactional: true,
                        ..BatchHeader::default()
                    };
                    self.append_group_batch(ctx, &group_id, header, records, then);
                }
            },
            GroupMessage::OffsetFetch {
                partitions,
                require_stable,
                ..
            } => {
                let unstable =
                    require_stable && partitions.iter().any(|tp| group.has_pending_txn_offset(tp));
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
                ctx.send(
                    from,
                    GroupMessage::OffsetFetchResponse {
                        correlation_id,
                        error,
                        offsets,
                        metadata: Extension(metadata),
                    },
                );
            }
            _ => {}
        }
    }

    fn persist(&mut self, ctx: &mut Ctx<'_>, group: &str, record: Option<CoordinatorRecord>) {
        if let Some(record) = record {
            self.append_for_group(ctx, group, vec![record], AfterAppend::Nothing);
        }
    }

    /// Appends coordinator records to the group's offsets partition as its leader; `then`
    /// runs when the high watermark covers them, or fails after `offsets.commit.timeout.ms`.
    fn append_for_group(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        records: Vec<CoordinatorRecord>,
        then: AfterAppend,
    ) {
        self.append_group_batch(ctx, group, BatchHeader::default(), records, then);
    }

    /// [`Self::append_for_group`] with the batch's producer fields (a transaction's offsets).
    fn append_group_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        header: BatchHeader,
        records: Vec<CoordinatorRecord>,
        then: AfterAppend,
    ) {
        let Some(tp) = self.coordinated_partition(group) else {
            return self.finish_append(ctx, then, ErrorCode::NotCoordinator);
        };
        let now_ms = ctx.now().as_millis();
        let data: Vec<Rc<RecordData>> = records.iter().map(|r| r.to_record(now_ms)).collect();
        self.append_coordinator_batch(ctx, tp, header, data, then);
    }

    /// Appends a coordinator's records (group or transaction state) to `tp` as its leader;
    /// `then` runs when the high watermark covers them, or fails after
    /// `offsets.commit.timeout.ms`.
    pub(super) fn append_coordinator_records(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        data: Vec<Rc<RecordData>>,
        then: AfterAppend,
    ) {
        self.append_coordinator_batch(ctx, tp, BatchHeader::default(), data, then);
    }

    /// Appends one batch with `header`'s producer fields. A transactional batch is refused
    /// with INVALID_PRODUCER_EPOCH when a newer epoch of its producer wrote here (a zombie's
    /// offsets), and opens the producer's transaction on the partition.
    fn append_coordinator_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        header: BatchHeader,
        data: Vec<Rc<RecordData>>,
        then: AfterAppend,
    ) {
        let Some((replica, epoch)) = self.replicas.get_mut(&tp).and_then(|r| {
            let epoch = r.leadership.as_ref()?.leader_epoch;
            Some((r, epoch))
        }) else {
            return self.finish_append(ctx, then, ErrorCode::NotCoordinator);
        };
        if let Some(producer_id) = header.producer_id
            && replica
                .producers
                .is_fenced(producer_id, header.producer_epoch)
        {
            return self.finish_append(ctx, then, ErrorCode::InvalidProducerEpoch);
        }
        let header = Rc::new(BatchHeader {
            record_count: data.len() as u32,
            ..header
        });
        let base = replica
            .log
            .append_as_leader(epoch, &header, &data, replica.roll);
        replica.producers.record(&header, base);
        self.coordinator.next_append_id += 1;
        let id = self.coordinator.next_append_id;
        self.coordinator.appends.push(PendingAppend {
            id,
            tp: tp.clone(),
            required: base + data.len() as u64,
            then,
        });
        ctx.set_timer(
            self.config.offsets_commit_timeout,
            Timer::CoordinatorAppendTimeout { id },
        );
        self.after_leader_progress(ctx, &tp);
    }

    /// Completes coordinator writes on `tp` that the high watermark now covers, or fails them
    /// if this broker stopped leading it.
    pub(super) fn complete_coordinator_appends(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        if !self.coordinator.appends.iter().any(|a| a.tp == *tp) {
            return;
        }
        let replica = self.replicas.get(tp);
        let leading = replica.is_some_and(|r| r.leadership.is_some());
        let hw = replica.map_or(0, |r| r.log.high_watermark());
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.coordinator.appends)
            .into_iter()
            .partition(|a| a.tp == *tp && (!leading || hw >= a.required));
        self.coordinator.appends = waiting;
        for append in done {
            let error = if leading {
                ErrorCode::None
            } else {
                ErrorCode::NotCoordinator
            };
            self.finish_append(ctx, append.then, error);
        }
    }

    pub(super) fn expire_coordinator_append(&mut self, ctx: &mut Ctx<'_>, id: u64) {
        if let Some(index) = self.coordinator.appends.iter().position(|a| a.id == id) {
            let append = self.coordinator.appends.remove(index);
            self.finish_append(ctx, append.then, ErrorCode::RequestTimedOut);
        }
    }

    fn finish_append(&mut self, ctx: &mut Ctx<'_>, then: AfterAppend, error: ErrorCode) {
        let settings = self.group_settings();
        match then {
            AfterAppend::Commit {
                group,
                to,
                offsets,
                metadata,
                refused,
            } => {
                if error == ErrorCode::None
                    && let Some(group) = self.coordinator.groups.get_mut(&group)
                {
                    group.store_offsets(offsets, &metadata);
                }
                let error = match error {
                    ErrorCode::None => refused.unwrap_or(ErrorCode::None),
                    error => error,
                };
                ctx.send(
                    to.0,
                    GroupMessage::OffsetCommitResponse {
                        correlation_id: to.1,
                        error,
                    },
                );
            }
            AfterAppend::TxnCommit {
                group,
                to,
                producer_id,
                offsets,
            } => {
                if error == ErrorCode::None
                    && let Some(group) = self.coordinator.groups.get_mut(&group)
                {
                    group
                        .pending_txn
                        .entry(producer_id)
                        .or_default()
                        .extend(offsets);
                }
                ctx.send(
                    to.0,
                    GroupMessage::TxnOffsetCommitResponse {
                        correlation_id: to.1,
                        error,
                    },
                );
            }
            AfterAppend::Sync { group, generation } => {
                if let Some(group) = self.coordinator.groups.get_mut(&group) {
                    group.on_persisted(ctx, &settings, generation, error);
                }
            }
            AfterAppend::Nothing => {}
            AfterAppend::Txn(persisted) => self.on_txn_persisted(ctx, *persisted, error),
        }
    }

    /// Group timers: the end of a join phase, a member's session check, a write's timeout.
    pub(super) fn on_group_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        let settings = self.group_settings();
        match timer {
            Timer::GroupJoinDeadline { group } => {
                let record = self
                    .coordinator
                    .groups
                    .get_mut(&group)
                    .and_then(|g| g.on_join_deadline(ctx));
                self.persist(ctx, &group, record);
            }
            Timer::GroupSessionCheck { group, member_id } => {
                let record = self
                    .coordinator
                    .groups
                    .get_mut(&group)
                    .and_then(|g| g.on_session_check(ctx, &settings, &member_id));
                self.persist(ctx, &group, record);
            }
            Timer::CoordinatorAppendTimeout { id } => self.expire_coordinator_append(ctx, id),
            other => unreachable!(
                "broker {}: {other:?} routed to the group coordinator",
                self.id()
            ),
        }
    }

    /// After metadata changes: load the groups of offsets partitions this broker now leads,
    /// drop those of partitions it no longer leads (their members get NOT_COORDINATOR and
    /// look for the new coordinator).
    pub(super) fn update_coordinated_partitions(&mut self, ctx: &mut Ctx<'_>) {
        let leading: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(tp, r)| &*tp.topic == OFFSETS_TOPIC && r.leadership.is_some())
            .map(|(tp, _)| tp.clone())
            .collect();
        let lost: Vec<TopicPartition> = self
            .coordinator
            .loaded
            .iter()
            .filter(|tp| !leading.contains(tp))
            .cloned()
            .collect();
        let partitions = self
            .image
            .topics
            .get(OFFSETS_TOPIC)
            .map_or(0, |t| t.partitions.len() as u32);
        for tp in lost {
            self.coordinator.loaded.retain(|t| *t != tp);
            self.coordinator
                .groups
                .retain(|id, _| offsets_partition_for(id, partitions) != tp.partition);
            self.complete_coordinator_appends(ctx, &tp);
        }
        for tp in leading {
            if !self.coordinator.loaded.contains(&tp) {
                self.load_groups(ctx, &tp, partitions);
            }
        }
    }

    /// A transaction's marker reached offsets partition `tp` (this broker leads it): the
    /// offsets its producer sent take effect, or vanish.
    pub(super) fn complete_txn_offsets(
        &mut self,
        tp: &TopicPartition,
        producer_id: u64,
        committed: bool,
    ) {
        if &*tp.topic != OFFSETS_TOPIC || !self.coordinator.loaded.contains(tp) {
            return;
        }
        let partitions = self
            .image
            .topics
            .get(OFFSETS_TOPIC)
            .map_or(0, |t| t.partitions.len() as u32);
        for (id, group) in &mut self.coordinator.groups {
            if offsets_partition_for(id, partitions) == tp.partition {
                group.complete_txn(producer_id, committed);
            }
        }
    }

    fn load_groups(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition, partitions: u32) {
        let Some(replica) = self.replicas.get(tp) else {
            return;
        };
        let mut by_group: BTreeMap<&str, Vec<&CoordinatorRecord>> = BTreeMap::new();
        // A transaction's offsets count from its COMMIT marker on; those still open at the
        // end are pending again (an ABORT drops them).
        let mut open: BTreeMap<u64, Vec<&CoordinatorRecord>> = BTreeMap::new();
        for record in replica.log.records() {
            let batch = &record.batch;
            if let (Some(control), Some(producer_id)) = (batch.control, batch.producer_id) {
                let ended = open.remove(&producer_id).unwrap_or_default();
                if control == crate::protocol::ControlType::Commit {
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
                None => by_group.entry(payload.group()).or_default().push(payload),
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
            group.arm_session_checks(ctx);
            self.coordinator.groups.insert(group.id.clone(), group);
        }
        self.coordinator.loaded.push(tp.clone());
        if count > 0 {
            ctx.emit(EventKind::CoordinatorLoaded {
                broker: self.id,
                tp: tp.clone(),
                groups: count,
            });
        }
    }

    /// ListOffsets as a partition's leader: earliest (-2) is the log start, latest (-1) the last
    /// offset the asker may read (the last stable offset for READ_COMMITTED, the high watermark
    /// for READ_UNCOMMITTED), and a timestamp (0 or more) the first record below that offset
    /// whose timestamp is at least it (none when there is no such record). As Kafka's
    /// `Partition.fetchOffsetForTimestamp` (its `lastFetchableOffset`).
    pub(super) fn handle_list_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        partitions: Vec<(TopicPartition, i64)>,
        read_committed: bool,
    ) {
        let mut found = Vec::new();
        let partitions = partitions
            .into_iter()
            .map(|(tp, timestamp)| {
                let leader = self.replicas.get(&tp).filter(|r| r.leadership.is_some());
                match leader {
                    None if self.image.partition(&tp).is_none() => {
                        (tp, ErrorCode::UnknownTopicOrPartition, 0)
                    }
                    None => (tp, ErrorCode::NotLeaderOrFollower, 0),
                    Some(r) if timestamp == -2 => (tp, ErrorCode::None, r.log.log_start_offset()),
                    Some(r) => {
                        let last_fetchable = if read_committed {
                            r.last_stable_offset()
                        } else {
                            r.log.high_watermark()
                        };
                        if timestamp < 0 {
                            return (tp, ErrorCode::None, last_fetchable);
                        }
                        let record = r
                            .log
                            .records()
                            .iter()
                            .take_while(|r| r.offset < last_fetchable)
                            .find(|record| {
                                i64::try_from(record.data.timestamp_ms).unwrap_or(i64::MAX)
                                    >= timestamp
                            });
                        match record {
                            Some(record) => {
                                found.push((tp.clone(), record.offset, record.data.timestamp_ms));
                                (tp, ErrorCode::None, record.offset)
                            }
                            None => (tp, ErrorCode::None, 0),
                        }
                    }
                }
            })
            .collect();
        ctx.send(
            from,
            Message::ListOffsetsResponse {
                correlation_id,
                partitions,
                found: Extension(found),
            },
        );
    }

    /// `kafka-consumer-groups.sh --reset-offsets --execute`, run at the coordinator: only an
    /// inactive group's offsets may be reset.
    pub(crate) fn reset_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        offsets: Vec<(TopicPartition, u64)>,
    ) -> Result<(), crate::error::KafkaError> {
        self.check_coordinator(group)?;
        let state = self
            .coordinator
            .groups
            .entry(group.to_owned())
            .or_insert_with(|| Group::new(group))
            .state;
        if state != crate::group::GroupState::Empty {
            return Err(crate::error::KafkaError::new(
                ErrorCode::NonEmptyGroup,
                format!(
                    "Assignments can only be reset if the group '{group}' is inactive, but the current state is {}.",
                    state.kafka_name()
                ),
            ));
        }
        let records = offset_records(group, &offsets, &[]);
        if let Some(g) = self.coordinator.groups.get_mut(group) {
            g.store_offsets(offsets, &[]);
        }
        self.append_for_group(ctx, group, records, AfterAppend::Nothing);
        Ok(())
    }
}

impl Broker {
    fn check_coordinator(&self, group: &str) -> Result<(), crate::error::KafkaError> {
        match self.coordinated_partition(group) {
            Some(_) => Ok(()),
            None => Err(crate::error::KafkaError::of(ErrorCode::NotCoordinator)),
        }
    }

    /// DeleteGroups (`kafka-consumer-groups.sh --delete`): only an Empty group goes; its
    /// metadata and offsets are tombstoned in `__consumer_offsets`.
    pub(crate) fn delete_group(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
    ) -> Result<(), crate::error::KafkaError> {
        self.check_coordinator(group)?;
        let Some(found) = self.coordinator.groups.get(group) else {
            return Err(crate::error::KafkaError::of(ErrorCode::GroupIdNotFound));
        };
        if found.state != crate::group::GroupState::Empty {
            return Err(crate::error::KafkaError::of(ErrorCode::NonEmptyGroup));
        }
        let record = CoordinatorRecord::Deleted {
            group: group.to_owned(),
        };
        self.append_for_group(ctx, group, vec![record], AfterAppend::Nothing);
        self.coordinator.groups.remove(group);
        Ok(())
    }
}

impl Broker {
    /// OffsetDelete (`kafka-consumer-groups.sh --delete-offsets`): the group must exist; the
    /// committed offsets go as tombstones. Refused whole, changing nothing, when a partition's
    /// topic is one the group subscribes to (Kafka answers that partition
    /// GROUP_SUBSCRIBED_TO_TOPIC and deletes the others; the console asks only for those).
    pub(crate) fn delete_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<(), crate::error::KafkaError> {
        self.check_coordinator(group)?;
        let Some(found) = self.coordinator.groups.get_mut(group) else {
            return Err(crate::error::KafkaError::of(ErrorCode::GroupIdNotFound));
        };
        if let Some(refused) = found
            .offset_delete_errors(partitions)
            .into_iter()
            .find(|e| *e != ErrorCode::None)
        {
            return Err(crate::error::KafkaError::of(refused));
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
        if !records.is_empty() {
            self.append_for_group(ctx, group, records, AfterAppend::Nothing);
        }
        Ok(())
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

/// NOT_COORDINATOR in the response shape of the request.
fn not_coordinator(request: &GroupMessage, correlation_id: u64) -> GroupMessage {
    let error = ErrorCode::NotCoordinator;
    match request {
        GroupMessage::JoinGroup { .. } => crate::group::join_error(correlation_id, error),
        GroupMessage::SyncGroup { .. } => GroupMessage::SyncGroupResponse {
            correlation_id,
            error,
            assignment: Vec::new(),
        },
        GroupMessage::Heartbeat { .. } => GroupMessage::HeartbeatResponse {
            correlation_id,
            error,
        },
        GroupMessage::LeaveGroup { .. } => GroupMessage::LeaveGroupResponse {
            correlation_id,
            error,
        },
        GroupMessage::OffsetCommit { .. } => GroupMessage::OffsetCommitResponse {
            correlation_id,
            error,
        },
        GroupMessage::TxnOffsetCommit { .. } => GroupMessage::TxnOffsetCommitResponse {
            correlation_id,
            error,
        },
        _ => GroupMessage::OffsetFetchResponse {
            correlation_id,
            error,
            offsets: Vec::new(),
            metadata: Extension::default(),
        },
    }
}
