//! Events worth telling a person, in plain words. Each carries its cause, so the event log can
//! say why something happened and not only that it did.

use crate::endpoint::Endpoint;
use crate::error::ErrorCode;
use crate::protocol::{BrokerId, ConsumerMemberState, GroupProtocol, TopicPartition};
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a broker went down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashKind {
    /// `kill -9`: the process dies, the OS page cache (and so the whole log) survives.
    #[default]
    Process,
    /// Power loss: the unflushed tail of the log is gone too (KIP-966's premise).
    PowerLoss,
}

/// One thing that happened, at a moment of virtual time. Output only: events are derived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When it happened.
    pub at: SimTime,
    /// What happened.
    pub kind: EventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[allow(missing_docs)] // Fields are named for what they are; the Display text explains them.
pub enum EventKind {
    /// The controller accepted a broker's registration.
    BrokerRegistered { broker: BrokerId, broker_epoch: u64 },
    /// The controller refused a registration: a restarted broker whose previous process's
    /// session has not yet expired.
    BrokerRegistrationRefused { broker: BrokerId, error: ErrorCode },
    /// The controller let a broker serve.
    BrokerUnfenced { broker: BrokerId },
    /// The controller fenced a broker whose heartbeats stopped.
    BrokerFenced {
        broker: BrokerId,
        silent_for: SimDuration,
        session_timeout: SimDuration,
    },
    /// A broker's process went down.
    BrokerCrashed { broker: BrokerId, kind: CrashKind },
    /// A crashed broker's process started again.
    BrokerRestarted { broker: BrokerId },
    /// Both directions between two endpoints stopped delivering.
    LinkCut { a: Endpoint, b: Endpoint },
    /// One direction stopped delivering.
    LinkCutOneWay { from: Endpoint, to: Endpoint },
    /// A cut link delivers again.
    LinkHealed { a: Endpoint, b: Endpoint },
    /// Every link is back to normal.
    NetworkHealed,
    /// The controller elected a new leader, or none could be elected.
    LeaderChanged {
        tp: TopicPartition,
        from: Option<BrokerId>,
        to: Option<BrokerId>,
        leader_epoch: u32,
        unclean: bool,
        why: &'static str,
    },
    /// The ISR of a partition changed.
    IsrChanged {
        tp: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        why: &'static str,
    },
    /// A follower removed records the new leader does not have.
    FollowerTruncated {
        broker: BrokerId,
        tp: TopicPartition,
        from: u64,
        to: u64,
        removed: usize,
        /// The leader epoch of the first record removed, when the logs diverged: the leader
        /// change to a later epoch is what left them behind. None when the follower fell
        /// below the leader's log start (the leader's retention) and started over empty.
        removed_epoch: Option<u32>,
    },
    /// Retention deleted a replica's oldest segments (`retention.ms` or `retention.bytes`),
    /// or a follower dropped what lies below the leader's new log start offset.
    SegmentsDeleted {
        broker: BrokerId,
        tp: TopicPartition,
        segments: usize,
        records: usize,
        log_start_offset: u64,
        why: &'static str,
    },
    /// The log cleaner compacted a replica's log (`cleanup.policy=compact`): superseded
    /// values and expired tombstones below `to` are gone; offsets stay.
    LogCleaned {
        broker: BrokerId,
        tp: TopicPartition,
        records: usize,
        tombstones: usize,
        bytes: u64,
        from: u64,
        to: u64,
    },
    /// A broker found that its log of a partition belongs to a deleted topic of the same name
    /// (by topic id) and removed it: the new topic's replica starts empty.
    StrayLogRemoved {
        broker: BrokerId,
        tp: TopicPartition,
        topic_id: String,
        records: usize,
    },
    /// A power loss destroyed records that had not reached disk.
    UnflushedRecordsLost {
        broker: BrokerId,
        tp: TopicPartition,
        count: usize,
    },
    /// A broker asked for controlled shutdown.
    ControlledShutdownStarted { broker: BrokerId },
    /// A broker finished controlled shutdown and stopped.
    BrokerShutDown { broker: BrokerId },
    /// A topic was created.
    TopicCreated {
        topic: String,
        partitions: u32,
        replication_factor: u32,
    },
    /// A topic was deleted.
    TopicDeleted { topic: String },
    /// An idempotent producer bumped its epoch after a failed batch (KIP-360).
    ProducerEpochBumped {
        producer: String,
        producer_id: u64,
        epoch: u16,
    },
    /// A broker's automatic creation of an internal topic failed.
    InternalTopicNotCreated { topic: String, error: String },
    /// A controller won a quorum election and became the active controller.
    ControllerElected { controller: u32, epoch: u32 },
    /// A controller's process went down.
    ControllerCrashed { controller: u32 },
    /// A crashed controller started again.
    ControllerRestarted { controller: u32 },
    /// A transaction coordinator decided a transaction (EndTxn, a new instance's
    /// InitProducerId, or a timeout) and starts writing its markers.
    TxnPrepared {
        broker: BrokerId,
        transactional_id: String,
        committed: bool,
        epoch: u16,
        partitions: Vec<TopicPartition>,
        cause: TxnPrepareCause,
    },
    /// Every marker of a transaction is written: read_committed consumers see its records
    /// (commit) or skip them for good (abort).
    TxnCompleted {
        broker: BrokerId,
        transactional_id: String,
        committed: bool,
    },
    /// A transactional producer learnt it was fenced (a newer instance, or its transaction
    /// timed out): it can only be closed.
    ProducerFenced { producer: String, message: String },
    /// A group coordinator started a rebalance: the generation ends, members must rejoin.
    GroupRebalancing {
        group: String,
        generation: i32,
        reason: String,
    },
    /// A generation completed: every member has its partitions.
    GroupStable {
        group: String,
        generation: i32,
        protocol: String,
        leader: String,
        assignment: Vec<(String, Vec<TopicPartition>)>,
    },
    /// The coordinator removed a member from a group.
    GroupMemberRemoved {
        group: String,
        member: String,
        /// The member's `client.id`: which consumer it was (a consumer-protocol member id
        /// does not contain it).
        client: String,
        /// Which kind of group it was removed from: a classic one, or a KIP-848 one.
        protocol: GroupProtocol,
        /// Which of the coordinator's rules removed it.
        cause: RemovalCause,
        /// The rule's details, in words.
        why: String,
    },
    /// A broker became coordinator for the groups of an offsets partition and loaded them.
    CoordinatorLoaded {
        broker: BrokerId,
        tp: TopicPartition,
        groups: usize,
    },
    /// A consumer's assignment changed.
    ConsumerAssigned {
        consumer: String,
        group: String,
        /// The generation, or under the consumer protocol the member epoch.
        generation: i32,
        /// Whether `generation` is a KIP-848 member epoch.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        member_epoch: bool,
        assigned: Vec<TopicPartition>,
        revoked: Vec<TopicPartition>,
    },
    /// A client's, producer's or consumer's process died (no goodbye to anyone).
    ClientCrashed { name: String },
    /// A crashed client started again.
    ClientRestarted { name: String },
    /// A consumer's application stopped calling `poll()`.
    ConsumerStalled { consumer: String },
    /// A stalled consumer's application carries on.
    ConsumerResumed { consumer: String },
    /// A consumer call that answers (`position()`, `committed()`, `offsetsForTimes()`)
    /// returned, or threw.
    ConsumerAnswered {
        consumer: String,
        /// The call, as Java code would write it.
        call: String,
        /// What it returned, printed as Java prints it, or the exception.
        answer: String,
    },
    /// A consumer left its group on its own.
    ConsumerLeftGroup {
        consumer: String,
        group: String,
        why: String,
    },
    /// A consumer-protocol member learnt from its heartbeat's answer that the coordinator
    /// fenced it (`transitionToFenced`): its partitions are lost and it rejoins at epoch 0.
    ConsumerFenced {
        consumer: String,
        group: String,
        member: String,
        /// The member epoch its heartbeat carried.
        epoch: i32,
        /// FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID.
        error: ErrorCode,
    },
    /// A broker's follower fetches were slowed (a slow disk, a starved fetcher thread), or
    /// back to normal at 0: the fault a later ISR shrink leads back to.
    FollowerSlowed { broker: BrokerId, delay_ms: u64 },
    /// A whole process was frozen (`kill -STOP`, a long GC pause): no timer fires and no
    /// message is handled until it resumes.
    ProcessPaused { endpoint: Endpoint },
    /// A frozen process runs again with the state it had, handling what the kernel held for it.
    ProcessResumed {
        endpoint: Endpoint,
        /// Messages and timers that came due while it was frozen.
        held: usize,
    },
    /// A safety invariant failed (see `invariant.rs`).
    InvariantViolated {
        invariant: &'static str,
        tp: TopicPartition,
        detail: String,
    },
    /// A broker joined the running cluster (it registers like any starting broker).
    BrokerAdded {
        broker: BrokerId,
        rack: Option<String>,
    },
    /// A reassignment (KIP-455) changed a partition's replicas.
    ReplicasChanged {
        tp: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        why: &'static str,
    },
    /// A consumer-protocol group's epoch went up (KIP-848): a member joined, left or changed
    /// its subscription, or a subscribed topic changed; a new target assignment follows.
    GroupEpochBumped {
        group: String,
        epoch: i32,
        reason: String,
    },
    /// A consumer-protocol group's coordinator computed the target assignment of an epoch.
    GroupTargetAssignment {
        group: String,
        epoch: i32,
        assignor: String,
        /// Each member's target, by its `client.id` (clearer than its member id).
        target: Vec<(String, Vec<TopicPartition>)>,
    },
    /// A consumer-protocol member took a step towards its target: it was asked to revoke,
    /// got partitions, or waits for partitions others still own.
    GroupMemberReconciled {
        group: String,
        member: String,
        /// The member's `client.id`.
        client: String,
        from_epoch: i32,
        epoch: i32,
        state: ConsumerMemberState,
        assigned: Vec<TopicPartition>,
        revoking: Vec<TopicPartition>,
    },
    /// A share consumer got its assignment from its share group's coordinator: the
    /// partitions it fetches from, shared with other members (no owner, unlike a consumer
    /// group's partitions).
    ShareAssigned {
        consumer: String,
        group: String,
        epoch: i32,
        assigned: Vec<TopicPartition>,
    },
    /// A partition's leader started a share group's share partition (KIP-932) at its
    /// start offset, as `share.auto.offset.reset` says.
    SharePartitionInitialized {
        group: String,
        tp: TopicPartition,
        start_offset: u64,
        reset: String,
    },
    /// A share partition's leader handed records back: available again, or archived when
    /// they had their `group.share.delivery.count.limit` deliveries.
    ShareRecordsReleased {
        group: String,
        tp: TopicPartition,
        /// The `client.id` of the member that held them (empty when a lock expired: the
        /// records may have had several holders).
        client: String,
        cause: ShareReleaseCause,
        available: Vec<u64>,
        archived: Vec<u64>,
    },
    /// A share partition's leader refused a member's acknowledgement (INVALID_RECORD_STATE):
    /// the member no longer held those records (its lock expired).
    ShareAcknowledgeRefused {
        group: String,
        tp: TopicPartition,
        client: String,
        /// The acknowledged ranges, inclusive.
        offsets: Vec<(u64, u64)>,
    },
}

/// Why a share partition's leader handed acquired records back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShareReleaseCause {
    /// `group.share.record.lock.duration.ms` passed without an acknowledgement.
    LockExpired,
    /// The member acknowledged them with RELEASE.
    Released,
    /// The member closed its share session still holding them.
    MemberLeft,
}

impl EventKind {
    /// Whether it is about an internal topic's replication (the 50 partitions of
    /// `__consumer_offsets` elect leaders and shrink ISRs like any other): views hide these
    /// unless asked, as Kafka UIs hide internal topics.
    pub fn concerns_internal_topic(&self) -> bool {
        match self {
            EventKind::LeaderChanged { tp, .. }
            | EventKind::IsrChanged { tp, .. }
            | EventKind::ReplicasChanged { tp, .. }
            | EventKind::FollowerTruncated { tp, .. }
            | EventKind::SegmentsDeleted { tp, .. }
            | EventKind::LogCleaned { tp, .. }
            | EventKind::StrayLogRemoved { tp, .. }
            | EventKind::UnflushedRecordsLost { tp, .. } => crate::topic::is_internal(&tp.topic),
            _ => false,
        }
    }
}

/// Why a group coordinator removed a member (its `GroupMemberRemoved` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemovalCause {
    /// No heartbeat within the session timeout.
    SessionExpired,
    /// The member left: LeaveGroup, or a heartbeat with epoch -1.
    Left,
    /// It did not rejoin (classic) or revoke (consumer protocol) within its rebalance
    /// timeout (`max.poll.interval.ms`).
    RebalanceTimeout,
}

/// Why a transaction coordinator ended a transaction (its `TxnPrepared` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxnPrepareCause {
    /// The producer's `commitTransaction()` or `abortTransaction()`.
    EndTxn,
    /// A new instance of the `transactional.id` called `initTransactions()` while its
    /// predecessor's transaction was open: the coordinator aborts it (fencing the zombie).
    NewInstance,
    /// The transaction stayed open past its `transaction.timeout.ms`.
    Timeout {
        /// The producer's `transaction.timeout.ms`.
        timeout_ms: u64,
    },
}

impl fmt::Display for TxnPrepareCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxnPrepareCause::EndTxn => f.write_str("EndTxn from the producer"),
            TxnPrepareCause::NewInstance => f.write_str("a new instance called initTransactions"),
            TxnPrepareCause::Timeout { timeout_ms } => {
                write!(f, "open longer than transaction.timeout.ms={timeout_ms}")
            }
        }
    }
}

fn ids(brokers: &[BrokerId]) -> String {
    let list: Vec<String> = brokers.iter().map(ToString::to_string).collect();
    format!("[{}]", list.join(","))
}

fn tps_text(tps: &[TopicPartition]) -> String {
    let list: Vec<String> = tps.iter().map(ToString::to_string).collect();
    format!("[{}]", list.join(", "))
}

fn leader(broker: &Option<BrokerId>) -> String {
    broker.map_or_else(|| "none".to_owned(), |b| b.to_string())
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::BrokerRegistered {
                broker,
                broker_epoch,
            } => write!(
                f,
                "broker {broker} registered with the controller (broker epoch {broker_epoch}); \
                 fenced until it has caught up with the metadata log"
            ),
            EventKind::BrokerRegistrationRefused { broker, error } => write!(
                f,
                "the controller refused broker {broker}'s registration with {}: its previous \
                 process's session is still valid; it retries until the session has expired \
                 (broker.session.timeout.ms)",
                error.name()
            ),
            EventKind::BrokerUnfenced { broker } => {
                write!(
                    f,
                    "broker {broker} unfenced: caught up with the metadata log and heartbeating, may \
                     lead partitions"
                )
            }
            EventKind::BrokerFenced {
                broker,
                silent_for,
                session_timeout,
            } => write!(
                f,
                "broker {broker} fenced by the controller: no heartbeat for {silent_for} \
                 (broker.session.timeout.ms={})",
                session_timeout.as_millis()
            ),
            EventKind::BrokerCrashed {
                broker,
                kind: CrashKind::Process,
            } => write!(
                f,
                "broker {broker} crashed (process killed; its log survives)"
            ),
            EventKind::BrokerCrashed {
                broker,
                kind: CrashKind::PowerLoss,
            } => write!(
                f,
                "broker {broker} lost power (the unflushed tail of its log is gone)"
            ),
            EventKind::BrokerRestarted { broker } => {
                write!(f, "broker {broker} restarted and registers again")
            }
            EventKind::LinkCut { a, b } => write!(f, "network cut between {a} and {b}"),
            EventKind::LinkCutOneWay { from, to } => {
                write!(f, "network cut one way: {from} can no longer reach {to}")
            }
            EventKind::LinkHealed { a, b } => write!(f, "network healed between {a} and {b}"),
            EventKind::NetworkHealed => f.write_str("every network link healed"),
            EventKind::LeaderChanged {
                tp,
                from,
                to: None,
                why,
                ..
            } => write!(
                f,
                "{tp} is offline: no eligible leader after broker {} left ({why}); \
                 unclean.leader.election.enable=false keeps it waiting for an ISR member",
                leader(from)
            ),
            EventKind::LeaderChanged {
                tp,
                from,
                to: Some(to),
                leader_epoch,
                unclean: true,
                why,
            } => write!(
                f,
                "UNCLEAN election: broker {to} leads {tp} (epoch {leader_epoch}) though it was \
                 not in the ISR; records it lacks are lost (previous leader {}; {why})",
                leader(from)
            ),
            EventKind::LeaderChanged {
                tp,
                from,
                to: Some(to),
                leader_epoch,
                why,
                ..
            } => write!(
                f,
                "broker {to} elected leader of {tp} (leader epoch {leader_epoch}), was {}: {why}",
                leader(from)
            ),
            EventKind::IsrChanged { tp, from, to, why } => {
                write!(f, "ISR of {tp} changed {} -> {}: {why}", ids(from), ids(to))
            }
            EventKind::FollowerTruncated {
                broker,
                tp,
                from,
                to,
                removed,
                ..
            } => write!(
                f,
                "broker {broker} truncated {tp} from offset {from} to {to} ({removed} record(s) \
                 the leader does not have)"
            ),
            EventKind::SegmentsDeleted {
                broker,
                tp,
                segments,
                records,
                log_start_offset,
                why,
            } => write!(
                f,
                "broker {broker} deleted {segments} segment(s) of {tp} ({records} record(s), \
                 {why}); log start offset now {log_start_offset}"
            ),
            EventKind::StrayLogRemoved {
                broker,
                tp,
                topic_id,
                records,
            } => write!(
                f,
                "broker {broker} removed its log of {tp} ({records} record(s)): it belongs to an \
                 earlier topic {topic} (topic id {topic_id}), deleted while the broker did not \
                 hear of it; its replica of the new {topic} starts empty",
                topic = tp.topic
            ),
            EventKind::LogCleaned {
                broker,
                tp,
                records,
                tombstones,
                bytes,
                from,
                to,
            } => write!(
                f,
                "broker {broker}'s log cleaner removed {records} record(s) of {tp} ({tombstones} \
                 expired tombstone(s), {bytes} bytes) from offsets {from}-{}; offsets stay",
                to.saturating_sub(1)
            ),
            EventKind::UnflushedRecordsLost { broker, tp, count } => write!(
                f,
                "broker {broker} lost {count} unflushed record(s) of {tp} in the power loss"
            ),
            EventKind::ControlledShutdownStarted { broker } => write!(
                f,
                "broker {broker} began controlled shutdown: the controller moves its leaderships"
            ),
            EventKind::BrokerShutDown { broker } => {
                write!(f, "broker {broker} shut down cleanly (leads no partition)")
            }
            EventKind::TopicCreated {
                topic,
                partitions,
                replication_factor,
            } => write!(
                f,
                "topic {topic} created: {partitions} partition(s), replication factor {replication_factor}"
            ),
            EventKind::TopicDeleted { topic } => write!(f, "topic {topic} deleted"),
            EventKind::ProducerEpochBumped {
                producer,
                producer_id,
                epoch,
            } => write!(
                f,
                "producer {producer} bumped its epoch to {epoch} (producer id {producer_id}) after a \
                 batch failed: sequence numbers restart at 0 (KIP-360)"
            ),
            EventKind::InternalTopicNotCreated { topic, error } => {
                write!(f, "internal topic {topic} could not be created: {error}")
            }
            EventKind::TxnPrepared {
                broker,
                transactional_id,
                committed,
                epoch,
                partitions,
                cause,
            } => write!(
                f,
                "transaction coordinator on broker {broker}: {transactional_id} {} ({cause}); \
                 epoch bumped to {epoch}, writing {} markers to {}",
                if *committed {
                    "prepares to commit"
                } else {
                    "prepares to abort"
                },
                if *committed { "COMMIT" } else { "ABORT" },
                tps_text(partitions)
            ),
            EventKind::TxnCompleted {
                broker,
                transactional_id,
                committed: true,
            } => write!(
                f,
                "transaction of {transactional_id} committed: every COMMIT marker is written \
                 (coordinator on broker {broker}); read_committed consumers now see its records"
            ),
            EventKind::TxnCompleted {
                broker,
                transactional_id,
                committed: false,
            } => write!(
                f,
                "transaction of {transactional_id} aborted: every ABORT marker is written \
                 (coordinator on broker {broker}); read_committed consumers skip its records"
            ),
            EventKind::ControllerElected { controller, epoch } => write!(
                f,
                "controller {controller} won the quorum election for epoch {epoch} and is now the \
                 active controller"
            ),
            EventKind::ControllerCrashed { controller } => write!(
                f,
                "controller {controller} crashed (its metadata log survives)"
            ),
            EventKind::ControllerRestarted { controller } => {
                write!(
                    f,
                    "controller {controller} restarted and rejoins the quorum"
                )
            }
            EventKind::ProducerFenced { producer, message } => {
                write!(f, "producer {producer} is fenced: {message}")
            }
            EventKind::GroupRebalancing {
                group,
                generation,
                reason,
            } => write!(
                f,
                "group {group} is rebalancing (generation {generation} ends): {reason}"
            ),
            EventKind::GroupStable {
                group,
                generation,
                protocol,
                leader,
                assignment,
            } => {
                let members: Vec<String> = assignment
                    .iter()
                    .map(|(member, tps)| format!("{member} {}", tps_text(tps)))
                    .collect();
                write!(
                    f,
                    "group {group} is Stable at generation {generation} (assignor {protocol}, \
                     leader {leader}): {}",
                    members.join("; ")
                )
            }
            // A classic member id starts with its client id; a KIP-848 one is the consumer's
            // own uuid, which says nothing of who it is.
            EventKind::GroupMemberRemoved {
                group,
                member,
                protocol: GroupProtocol::Classic,
                why,
                ..
            } => write!(f, "group {group}: member {member} removed ({why})"),
            EventKind::GroupMemberRemoved {
                group,
                member,
                client,
                protocol: GroupProtocol::Consumer | GroupProtocol::Share,
                why,
                ..
            } => write!(
                f,
                "group {group}: member {member} ({client}) removed ({why})"
            ),
            EventKind::CoordinatorLoaded { broker, tp, groups } => write!(
                f,
                "broker {broker} leads {tp} and is now coordinator of its groups (loaded \
                 {groups} group(s) from the log)"
            ),
            EventKind::ConsumerAssigned {
                consumer,
                group,
                generation,
                member_epoch,
                assigned,
                revoked,
            } => write!(
                f,
                "consumer {consumer} (group {group}, {} {generation}): owns {}; revoked {}",
                if *member_epoch { "epoch" } else { "generation" },
                tps_text(assigned),
                tps_text(revoked)
            ),
            EventKind::ConsumerLeftGroup {
                consumer,
                group,
                why,
            } => write!(f, "consumer {consumer} left group {group}: {why}"),
            EventKind::ConsumerFenced {
                consumer,
                group,
                member,
                epoch,
                error,
            } => write!(
                f,
                "consumer {consumer} was fenced from group {group} (member {member}, epoch \
                 {epoch}): the coordinator answered {error}; its partitions are lost and it \
                 rejoins with epoch 0"
            ),
            EventKind::ClientCrashed { name } => {
                write!(
                    f,
                    "client {name} crashed (its process died; it said goodbye to no one)"
                )
            }
            EventKind::ClientRestarted { name } => write!(f, "client {name} restarted"),
            EventKind::ConsumerStalled { consumer } => write!(
                f,
                "consumer {consumer}'s application stalled: no poll() (heartbeats go on)"
            ),
            EventKind::ConsumerResumed { consumer } => {
                write!(f, "consumer {consumer}'s application resumed")
            }
            EventKind::ConsumerAnswered {
                consumer,
                call,
                answer,
            } => write!(f, "consumer {consumer}: {call} returned {answer}"),
            EventKind::FollowerSlowed {
                broker,
                delay_ms: 0,
            } => write!(
                f,
                "broker {broker}'s follower fetches are back to normal speed"
            ),
            EventKind::FollowerSlowed { broker, delay_ms } => write!(
                f,
                "broker {broker}'s follower fetches slowed: each waits {delay_ms} ms (a follower \
                 not caught up for replica.lag.time.max.ms leaves the ISR)"
            ),
            EventKind::ProcessPaused { endpoint } => write!(
                f,
                "{endpoint} paused (its whole process is frozen: no heartbeats, no timers, no handling)"
            ),
            EventKind::ProcessResumed { endpoint, held } => write!(
                f,
                "{endpoint} resumed with its stale state ({held} messages and timers were held while it was frozen)"
            ),
            EventKind::InvariantViolated {
                invariant,
                tp,
                detail,
            } => {
                write!(f, "INVARIANT VIOLATED {invariant} on {tp}: {detail}")
            }
            EventKind::BrokerAdded { broker, rack } => match rack {
                Some(rack) => write!(f, "broker {broker} (rack {rack}) was added and registers"),
                None => write!(f, "broker {broker} was added and registers"),
            },
            EventKind::ReplicasChanged { tp, from, to, why } => {
                write!(
                    f,
                    "replicas of {tp} changed {} -> {}: {why}",
                    ids(from),
                    ids(to)
                )
            }
            EventKind::GroupEpochBumped {
                group,
                epoch,
                reason,
            } => write!(
                f,
                "group {group} bumped its group epoch to {epoch}: {reason}"
            ),
            EventKind::GroupTargetAssignment {
                group,
                epoch,
                assignor,
                target,
            } => {
                let members: Vec<String> = target
                    .iter()
                    .map(|(member, tps)| format!("{member} {}", tps_text(tps)))
                    .collect();
                write!(
                    f,
                    "group {group} target assignment for epoch {epoch} (assignor {assignor}): {}",
                    members.join("; ")
                )
            }
            EventKind::GroupMemberReconciled {
                group,
                member,
                client,
                from_epoch,
                epoch,
                state,
                assigned,
                revoking,
            } => {
                write!(
                    f,
                    "group {group}: member {member} ({client}) epoch {from_epoch} -> {epoch} {}, owns {}",
                    state.kafka_name(),
                    tps_text(assigned)
                )?;
                if !revoking.is_empty() {
                    write!(f, ", must revoke {} first", tps_text(revoking))?;
                }
                Ok(())
            }
            EventKind::ShareAssigned {
                consumer,
                group,
                epoch,
                assigned,
            } => write!(
                f,
                "share consumer {consumer} of share group {group} fetches from {} (epoch {epoch})",
                tps_text(assigned)
            ),
            EventKind::SharePartitionInitialized {
                group,
                tp,
                start_offset,
                reset,
            } => write!(
                f,
                "share group {group}: {tp} starts at offset {start_offset} (share.auto.offset.reset={reset})"
            ),
            EventKind::ShareRecordsReleased {
                group,
                tp,
                client,
                cause,
                available,
                archived,
            } => {
                let why = match cause {
                    ShareReleaseCause::LockExpired => {
                        "lock expired (group.share.record.lock.duration.ms)".to_owned()
                    }
                    ShareReleaseCause::Released => format!("{client} released them"),
                    ShareReleaseCause::MemberLeft => format!("{client} closed its share session"),
                };
                write!(f, "share group {group}: {tp} {why}")?;
                if !available.is_empty() {
                    write!(f, "; {} available again", offsets_text(available))?;
                }
                if !archived.is_empty() {
                    write!(
                        f,
                        "; {} archived after their last delivery (group.share.delivery.count.limit)",
                        offsets_text(archived)
                    )?;
                }
                Ok(())
            }
            EventKind::ShareAcknowledgeRefused {
                group,
                tp,
                client,
                offsets,
            } => {
                let ranges: Vec<String> = offsets
                    .iter()
                    .map(|(a, b)| {
                        if a == b {
                            a.to_string()
                        } else {
                            format!("{a}-{b}")
                        }
                    })
                    .collect();
                write!(
                    f,
                    "share group {group}: {tp} refused {client}'s acknowledgement of offsets {} with INVALID_RECORD_STATE: it no longer holds them",
                    ranges.join(", ")
                )
            }
        }
    }
}

/// Offsets as a short text: `offset 4`, `offsets 4, 5, 6` or `12 offsets 4..31`.
fn offsets_text(offsets: &[u64]) -> String {
    match offsets {
        [one] => format!("offset {one}"),
        [first, .., last] if offsets.len() > 6 => {
            format!("{} offsets {first}..{last}", offsets.len())
        }
        _ => {
            let list: Vec<String> = offsets.iter().map(ToString::to_string).collect();
            format!("offsets {}", list.join(", "))
        }
    }
}
