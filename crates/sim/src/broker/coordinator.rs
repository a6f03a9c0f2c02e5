//! The broker's side of the coordinators it hosts (Kafka's `KafkaApis` and `ReplicaManager`
//! around `GroupCoordinator` and `TransactionCoordinator`): it routes group requests and admin
//! operations to the group coordinator (`group/service.rs`) and carries out the writes they
//! return, appending the records to `__consumer_offsets` or `__transaction_state` as the
//! partition's leader and telling the coordinator once the high watermark covers them (or after
//! `offsets.commit.timeout.ms`, or when it stops leading); it tells the group coordinator which
//! offsets partitions it now leads. Also FindCoordinator, which any broker answers.

use super::Broker;
use crate::error::{ErrorCode, KafkaError};
use crate::group::{
    AfterWrite, Group, GroupSettings, GroupWrite, OFFSETS_TOPIC, coordinator_partition,
};
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    BatchHeader, CoordinatorType, FindCoordinatorResponse, GroupMessage, Message, RecordData,
    ResponseHeader, TopicPartition,
};
use std::collections::BTreeMap;
use std::rc::Rc;

/// What to do once a coordinator's write is replicated (or failed).
#[derive(Clone, Debug)]
pub(super) enum AfterAppend {
    /// The group coordinator's: handed back to it.
    Group(AfterWrite),
    /// A transaction's new state is persisted (`txn_coordinator.rs`).
    Txn(Box<crate::txn::TxnPersisted>),
}

/// A coordinator write waiting for the high watermark.
#[derive(Clone, Debug)]
struct PendingAppend {
    id: u64,
    tp: TopicPartition,
    required: u64,
    then: AfterAppend,
}

/// The coordinators' writes waiting for the high watermark, as Kafka's delayed produces of
/// `ReplicaManager.appendRecords` with their callbacks.
#[derive(Clone, Debug, Default)]
pub(crate) struct CoordinatorAppends {
    appends: Vec<PendingAppend>,
    next_id: u64,
}

/// The `group.*` broker configs the group coordinator runs with.
pub(super) fn group_settings(config: &super::BrokerConfig) -> GroupSettings {
    GroupSettings {
        initial_rebalance_delay: config.group_initial_rebalance_delay,
        min_session_timeout: config.group_min_session_timeout,
        max_session_timeout: config.group_max_session_timeout,
        consumer: crate::group::ConsumerGroupSettings {
            session_timeout: config.group_consumer_session_timeout,
            heartbeat_interval: config.group_consumer_heartbeat_interval,
        },
        share: config.share,
    }
}

impl Broker {
    /// The groups this broker coordinates now.
    pub(crate) fn groups(&self) -> &BTreeMap<String, Group> {
        self.coordinator.groups()
    }

    pub(super) fn handle_find_coordinator(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        key_type: CoordinatorType,
        key: &str,
    ) {
        let (topic, found, partitions) = if key_type == CoordinatorType::Transaction {
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
            Message::FindCoordinatorResponse(
                ResponseHeader { correlation_id },
                FindCoordinatorResponse { error, coordinator },
            ),
        );
    }

    /// Group requests go to the group coordinator; the broker writes what it asks.
    pub(super) fn handle_group_request(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        message: GroupMessage,
    ) {
        let write = self.coordinator.handle(ctx, &self.image, from, message);
        self.write_group_records(ctx, write);
    }

    /// Group timers go to the group coordinator; a write's timeout is the broker's.
    pub(super) fn on_group_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::CoordinatorAppendTimeout { id } => self.expire_coordinator_append(ctx, id),
            timer => {
                let write = self.coordinator.on_timer(ctx, &self.image, timer);
                self.write_group_records(ctx, write);
            }
        }
    }

    /// `kafka-consumer-groups.sh --reset-offsets --execute`, run at the coordinator.
    pub(crate) fn reset_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        offsets: Vec<(TopicPartition, u64)>,
    ) -> Result<(), KafkaError> {
        let write = self
            .coordinator
            .reset_offsets(ctx, &self.image, group, offsets)?;
        self.write_group_records(ctx, write);
        Ok(())
    }

    /// DeleteGroups (`kafka-consumer-groups.sh --delete`).
    pub(crate) fn delete_group(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
    ) -> Result<(), KafkaError> {
        let write = self.coordinator.delete_group(ctx, &self.image, group)?;
        self.write_group_records(ctx, write);
        Ok(())
    }

    /// The metadata deleted topics whose partitions were `partitions`: the groups this broker
    /// coordinates forget their offsets (Kafka's `BrokerMetadataPublisher` calls
    /// `groupCoordinator.onPartitionsDeleted` with the deleted topics' partitions), those of
    /// commits still waiting for the high watermark included.
    pub(super) fn on_partitions_deleted(
        &mut self,
        ctx: &mut Ctx<'_>,
        partitions: &[TopicPartition],
    ) {
        let mut in_flight = Vec::new();
        for append in &mut self.coordinator_appends.appends {
            if let AfterAppend::Group(then) = &mut append.then {
                in_flight.extend(then.take_offsets_of(partitions));
            }
        }
        let writes =
            self.coordinator
                .on_partitions_deleted(ctx, &self.image, partitions, &in_flight);
        for write in writes {
            self.write_group_records(ctx, Some(write));
        }
    }

    /// OffsetDelete (`kafka-consumer-groups.sh --delete-offsets`).
    pub(crate) fn delete_offsets(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<(), KafkaError> {
        let write = self
            .coordinator
            .delete_offsets(ctx, &self.image, group, partitions)?;
        self.write_group_records(ctx, write);
        Ok(())
    }

    /// Carries out a write the group coordinator asked for. A write of no records appends
    /// nothing and waits for the high watermark to cover what is already written.
    fn write_group_records(&mut self, ctx: &mut Ctx<'_>, write: Option<GroupWrite>) {
        let Some(write) = write else { return };
        let then = AfterAppend::Group(write.then);
        if write.records.is_empty() {
            self.wait_for_coordinator_appends(ctx, write.tp, then);
        } else {
            self.append_coordinator_batch(ctx, write.tp, write.header, write.records, then);
        }
    }

    /// `then` once the high watermark of `tp` reaches its log end now: at once when nothing
    /// is waiting for replication, NOT_COORDINATOR when this broker does not lead `tp`.
    fn wait_for_coordinator_appends(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        then: AfterAppend,
    ) {
        let Some(log) = self
            .replicas
            .get(&tp)
            .filter(|r| r.leadership.is_some())
            .map(|r| &r.log)
        else {
            return self.finish_append(ctx, then, ErrorCode::NotCoordinator);
        };
        let required = log.log_end_offset();
        if log.high_watermark() >= required {
            return self.finish_append(ctx, then, ErrorCode::None);
        }
        self.wait_for_high_watermark(ctx, tp, required, then);
    }

    /// Appends one batch with `header`'s producer fields, then advances the leader.
    fn append_coordinator_batch(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        header: BatchHeader,
        data: Vec<Rc<RecordData>>,
        then: AfterAppend,
    ) {
        match self.append_for_coordinator(ctx, &tp, header, data, then) {
            Ok(()) => self.after_leader_progress(ctx, &tp),
            Err((then, error)) => self.finish_append(ctx, then, error),
        }
    }

    /// Appends one batch with `header`'s producer fields and waits for the high watermark to
    /// cover it (or `offsets.commit.timeout.ms`); the error, with `then`, when it cannot be
    /// appended. A transactional batch is refused with INVALID_PRODUCER_EPOCH when a newer
    /// epoch of its producer wrote here (a zombie's offsets), and opens the producer's
    /// transaction on the partition.
    pub(super) fn append_for_coordinator(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        header: BatchHeader,
        data: Vec<Rc<RecordData>>,
        then: AfterAppend,
    ) -> Result<(), (AfterAppend, ErrorCode)> {
        let Some((replica, epoch)) = self.replicas.get_mut(tp).and_then(|r| {
            let epoch = r.leadership.as_ref()?.leader_epoch;
            Some((r, epoch))
        }) else {
            return Err((then, ErrorCode::NotCoordinator));
        };
        if let Some(producer_id) = header.producer_id
            && replica
                .producers
                .is_fenced(producer_id, header.producer_epoch)
        {
            return Err((then, ErrorCode::InvalidProducerEpoch));
        }
        let header = Rc::new(BatchHeader {
            record_count: data.len() as u32,
            ..header
        });
        let base = replica
            .log
            .append_as_leader(epoch, &header, &data, replica.roll);
        replica.producers.record(&header, base);
        // News to the followers' sessions from now, though its wake may come after others
        // (the coordinator first finishes what the write completes).
        self.stir_parked(tp);
        self.wait_for_high_watermark(ctx, tp.clone(), base + data.len() as u64, then);
        Ok(())
    }

    /// `then` when the high watermark of `tp` reaches `required`, or after
    /// `offsets.commit.timeout.ms`.
    fn wait_for_high_watermark(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        required: u64,
        then: AfterAppend,
    ) {
        self.coordinator_appends.next_id += 1;
        let id = self.coordinator_appends.next_id;
        self.coordinator_appends.appends.push(PendingAppend {
            id,
            tp,
            required,
            then,
        });
        ctx.set_timer(
            self.config.offsets_commit_timeout,
            Timer::CoordinatorAppendTimeout { id },
        );
    }

    /// Completes coordinator writes on `tp` that the high watermark now covers, or fails them
    /// if this broker stopped leading it.
    pub(super) fn complete_coordinator_appends(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        for (then, error) in self.take_completed_appends(tp) {
            self.finish_append(ctx, then, error);
        }
    }

    /// The coordinator writes on `tp` that the high watermark covers (NONE), or all of them
    /// with NOT_COORDINATOR if this broker stopped leading it.
    pub(super) fn take_completed_appends(
        &mut self,
        tp: &TopicPartition,
    ) -> Vec<(AfterAppend, ErrorCode)> {
        if !self.coordinator_appends.appends.iter().any(|a| a.tp == *tp) {
            return Vec::new();
        }
        let replica = self.replicas.get(tp);
        let leading = replica.is_some_and(|r| r.leadership.is_some());
        let hw = replica.map_or(0, |r| r.log.high_watermark());
        let (done, waiting): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.coordinator_appends.appends)
                .into_iter()
                .partition(|a| a.tp == *tp && (!leading || hw >= a.required));
        self.coordinator_appends.appends = waiting;
        let error = if leading {
            ErrorCode::None
        } else {
            ErrorCode::NotCoordinator
        };
        done.into_iter()
            .map(|append| (append.then, error))
            .collect()
    }

    fn expire_coordinator_append(&mut self, ctx: &mut Ctx<'_>, id: u64) {
        let appends = &mut self.coordinator_appends.appends;
        if let Some(index) = appends.iter().position(|a| a.id == id) {
            let append = appends.remove(index);
            self.finish_append(ctx, append.then, ErrorCode::RequestTimedOut);
        }
    }

    fn finish_append(&mut self, ctx: &mut Ctx<'_>, then: AfterAppend, error: ErrorCode) {
        match then {
            AfterAppend::Group(then) => self.coordinator.on_written(ctx, then, error),
            AfterAppend::Txn(persisted) => self.on_txn_persisted(ctx, *persisted, error),
        }
    }

    /// After metadata changes: tell the group coordinator which offsets partitions this broker
    /// no longer leads (their waiting writes fail) and which it now leads (it loads them).
    pub(super) fn update_coordinated_partitions(&mut self, ctx: &mut Ctx<'_>) {
        let leading: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(tp, r)| &*tp.topic == OFFSETS_TOPIC && r.leadership.is_some())
            .map(|(tp, _)| tp.clone())
            .collect();
        let lost: Vec<TopicPartition> = self
            .coordinator
            .loaded()
            .iter()
            .filter(|tp| !leading.contains(tp))
            .cloned()
            .collect();
        let partitions = self.offsets_partitions();
        for tp in lost {
            self.coordinator.on_resignation(&tp, partitions);
            self.complete_coordinator_appends(ctx, &tp);
        }
        for tp in leading {
            if !self.coordinator.loaded().contains(&tp)
                && let Some(replica) = self.replicas.get(&tp)
            {
                let records = replica.log.records();
                self.coordinator.on_election(ctx, &tp, records, partitions);
            }
        }
    }

    /// How many partitions `__consumer_offsets` has (0 before it exists).
    fn offsets_partitions(&self) -> u32 {
        self.image
            .topics
            .get(OFFSETS_TOPIC)
            .map_or(0, |t| t.partitions.len() as u32)
    }

    /// A transaction's marker reached partition `tp` (this broker leads it): if it is an
    /// offsets partition, the offsets its producer sent take effect, or vanish.
    pub(super) fn complete_txn_offsets(
        &mut self,
        tp: &TopicPartition,
        producer_id: u64,
        committed: bool,
    ) {
        let partitions = self.offsets_partitions();
        self.coordinator
            .on_txn_marker(tp, partitions, producer_id, committed);
    }
}
