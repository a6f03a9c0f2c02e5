//! A share group (KIP-932), as Kafka's `GroupMetadataManager.shareGroupHeartbeat` keeps it.
//! Membership works as in the consumer protocol (one heartbeat API, a group epoch bumped when
//! membership, a subscription or a subscribed topic's partition count changes, member ids
//! chosen by the members), but nothing is reconciled: a share group promises no exclusive
//! owner per partition, so a member takes its new assignment at once, at the group's epoch.
//! Records are handed out by each partition's leader (`broker/share_partition.rs`), not by
//! the coordinator.
//!
//! Not modelled: the coordinator keeps the group in memory only (Kafka writes the members and
//! the target assignment to `__consumer_offsets`), so a new coordinator does not know the
//! members, and each rejoins after UNKNOWN_MEMBER_ID, as after a long partition.

use super::GroupState;
use super::share_assignor;
use crate::error::ErrorCode;
use crate::event::{EventKind, RemovalCause};
use crate::metadata::MetadataImage;
use crate::node::{Ctx, Timer};
use crate::protocol::{ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse, TopicPartition};
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The broker's share group configs (Kafka's `ShareGroupConfig`, `group.share.*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShareGroupSettings {
    /// `group.share.session.timeout.ms` (45000): a member silent this long is removed.
    pub session_timeout: SimDuration,
    /// `group.share.heartbeat.interval.ms` (5000), which every answer tells the member.
    pub heartbeat_interval: SimDuration,
    /// `group.share.record.lock.duration.ms` (30000): how long a member holds the records
    /// it acquired before they are handed out again.
    pub record_lock_duration: SimDuration,
    /// `group.share.delivery.count.limit` (5): a record delivered this many times and not
    /// accepted is archived instead of delivered again.
    pub delivery_count_limit: u16,
    /// `group.share.partition.max.record.locks` (2000): records in flight per share
    /// partition; past it nothing more is acquired until some are acknowledged.
    pub partition_max_record_locks: u32,
}

impl Default for ShareGroupSettings {
    fn default() -> Self {
        ShareGroupSettings {
            session_timeout: SimDuration::from_millis(45_000),
            heartbeat_interval: SimDuration::from_millis(5_000),
            record_lock_duration: SimDuration::from_millis(30_000),
            delivery_count_limit: 5,
            partition_max_record_locks: 2_000,
        }
    }
}

/// One member of a share group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShareMember {
    /// Its `client.id`.
    pub client_id: String,
    /// The group epoch of its assignment.
    pub member_epoch: i32,
    /// The topics it subscribes to, sorted.
    pub subscribed_topics: Vec<String>,
    /// The partitions it fetches from.
    pub assigned: BTreeSet<TopicPartition>,
}

/// A share group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ShareGroup {
    /// Bumped on every change of membership, subscriptions or partition counts.
    pub group_epoch: i32,
    /// The partition count of each subscribed topic at the last epoch bump.
    pub subscription_metadata: BTreeMap<String, u32>,
    /// The members, by id.
    pub members: BTreeMap<String, ShareMember>,
    /// When each member last heartbeated.
    #[serde(skip)]
    pub last_heartbeat: BTreeMap<String, SimTime>,
}

/// A refused heartbeat: the error and Kafka's message for it.
type Refusal = (ErrorCode, String);

impl ShareGroup {
    /// Empty without members, else Stable (`ShareGroup.maybeUpdateGroupState`: a share
    /// group has nothing to reconcile).
    pub fn state(&self) -> GroupState {
        if self.members.is_empty() {
            GroupState::Empty
        } else {
            GroupState::Stable
        }
    }

    /// One ShareGroupHeartbeat.
    pub fn heartbeat(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &ShareGroupSettings,
        image: &MetadataImage,
        (group, client_id): (&str, &str),
        request: &ShareGroupHeartbeatRequest,
    ) -> Result<ShareGroupHeartbeatResponse, Refusal> {
        let member_id = request.member_id.as_str();
        if member_id.is_empty() {
            return Err((
                ErrorCode::InvalidRequest,
                "MemberId can't be empty.".to_owned(),
            ));
        }
        if request.member_epoch == -1 {
            if !self.remove(
                ctx,
                group,
                member_id,
                (RemovalCause::Left, "the member left the group".to_owned()),
            ) {
                return Err(unknown_member(group, member_id));
            }
            return Ok(ShareGroupHeartbeatResponse::error(
                ErrorCode::None,
                member_id,
                -1,
            ));
        }
        let joining = request.member_epoch == 0;
        let mut reasons = Vec::new();
        let mut member = match self.members.get(member_id).cloned() {
            Some(member) if joining => {
                // A member that lost its epoch rejoins with 0 and keeps its id.
                reasons.push(format!("member {member_id} ({client_id}) rejoined"));
                member
            }
            Some(member) if request.member_epoch != member.member_epoch => {
                let relation = if request.member_epoch > member.member_epoch {
                    "greater"
                } else {
                    "smaller"
                };
                return Err((
                    ErrorCode::FencedMemberEpoch,
                    format!(
                        "The share group member has a {relation} member epoch ({}) than the one known by the group coordinator ({}). The member must abandon all its partitions and rejoin.",
                        request.member_epoch, member.member_epoch
                    ),
                ));
            }
            Some(member) => member,
            None if joining => {
                if request
                    .subscribed_topic_names
                    .as_ref()
                    .is_none_or(Vec::is_empty)
                {
                    return Err((
                        ErrorCode::InvalidRequest,
                        "SubscribedTopicNames must be set in first request.".to_owned(),
                    ));
                }
                reasons.push(format!("member {member_id} ({client_id}) joined"));
                ShareMember {
                    client_id: client_id.to_owned(),
                    member_epoch: 0,
                    subscribed_topics: Vec::new(),
                    assigned: BTreeSet::new(),
                }
            }
            None => return Err(unknown_member(group, member_id)),
        };
        if let Some(topics) = &request.subscribed_topic_names {
            let mut topics = topics.clone();
            topics.sort();
            topics.dedup();
            if topics != member.subscribed_topics && reasons.is_empty() {
                reasons.push(format!(
                    "member {member_id} ({client_id}) changed its subscription"
                ));
            }
            member.subscribed_topics = topics;
        }
        self.members.insert(member_id.to_owned(), member);
        let metadata = self.subscribed_metadata(image);
        if metadata != self.subscription_metadata {
            if reasons.is_empty() {
                reasons.push("the partitions of a subscribed topic changed".to_owned());
            }
            self.subscription_metadata = metadata;
        }
        if !reasons.is_empty() {
            self.bump(ctx, group, reasons.join(", "));
        }
        // Nothing to reconcile: the member takes the current target at once.
        let member = &mut self.members.get_mut(member_id).expect("inserted above");
        // The assignment goes out when the member's epoch moves (another member's change
        // bumped the group and gave everyone a new target) or it joins.
        let changed = joining || member.member_epoch != self.group_epoch;
        member.member_epoch = self.group_epoch;
        let after = member.assigned.clone();
        self.last_heartbeat.insert(member_id.to_owned(), ctx.now());
        ctx.set_timer(
            settings.session_timeout,
            Timer::GroupSessionCheck {
                group: group.to_owned(),
                member_id: member_id.to_owned(),
            },
        );
        Ok(ShareGroupHeartbeatResponse {
            error: ErrorCode::None,
            error_message: None,
            member_id: member_id.to_owned(),
            member_epoch: self.group_epoch,
            heartbeat_interval_ms: settings.heartbeat_interval.as_millis(),
            assignment: changed.then(|| after.into_iter().collect()),
        })
    }

    /// The partition count of every topic a member subscribes to that exists.
    fn subscribed_metadata(&self, image: &MetadataImage) -> BTreeMap<String, u32> {
        self.members
            .values()
            .flat_map(|m| &m.subscribed_topics)
            .filter_map(|topic| {
                let found = image.topics.get(topic.as_str())?;
                Some((topic.clone(), found.partitions.len() as u32))
            })
            .collect()
    }

    /// A new group epoch and its target assignment, which every member takes on its next
    /// heartbeat.
    fn bump(&mut self, ctx: &mut Ctx<'_>, group: &str, reason: String) {
        self.group_epoch += 1;
        ctx.emit(EventKind::GroupEpochBumped {
            group: group.to_owned(),
            epoch: self.group_epoch,
            reason,
        });
        let current = self
            .members
            .iter()
            .map(|(id, m)| {
                (
                    id.clone(),
                    (m.subscribed_topics.clone(), m.assigned.clone()),
                )
            })
            .collect();
        let targets = share_assignor::assign(&current, &self.subscription_metadata);
        for (id, target) in targets {
            if let Some(member) = self.members.get_mut(&id) {
                member.assigned = target;
            }
        }
        ctx.emit(EventKind::GroupTargetAssignment {
            group: group.to_owned(),
            epoch: self.group_epoch,
            assignor: "simple".to_owned(),
            target: self
                .members
                .values()
                .map(|m| (m.client_id.clone(), m.assigned.iter().cloned().collect()))
                .collect(),
        });
    }

    /// Removes a member and bumps the group epoch. False when it was not a member.
    pub fn remove(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        member_id: &str,
        (cause, why): (RemovalCause, String),
    ) -> bool {
        let Some(member) = self.members.remove(member_id) else {
            return false;
        };
        self.last_heartbeat.remove(member_id);
        let reason = format!("member {member_id} ({}) removed: {why}", member.client_id);
        ctx.emit(EventKind::GroupMemberRemoved {
            group: group.to_owned(),
            member: member_id.to_owned(),
            client: member.client_id,
            cause,
            why,
            protocol: crate::protocol::GroupProtocol::Share,
        });
        self.bump(ctx, group, reason);
        true
    }

    /// A member's session check fired: remove it if it stayed silent for
    /// `group.share.session.timeout.ms` (every heartbeat sets the timer again).
    pub fn on_session_check(
        &mut self,
        ctx: &mut Ctx<'_>,
        settings: &ShareGroupSettings,
        group: &str,
        member_id: &str,
    ) {
        let Some(&last) = self.last_heartbeat.get(member_id) else {
            return;
        };
        let silent = ctx.now().since(last);
        if silent < settings.session_timeout {
            return;
        }
        let why = format!(
            "the member session expired: no heartbeat for {silent} (group.share.session.timeout.ms={})",
            settings.session_timeout.as_millis()
        );
        self.remove(ctx, group, member_id, (RemovalCause::SessionExpired, why));
    }
}

fn unknown_member(group: &str, member_id: &str) -> Refusal {
    (
        ErrorCode::UnknownMemberId,
        format!("Member {member_id} is not a member of group {group}."),
    )
}

/// The group configs of share groups the playground models, with the values Kafka accepts:
/// `Err` holds Kafka's message for a config it refuses.
pub fn validate_group_config(name: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    match name {
        "share.auto.offset.reset" => {
            if ["latest", "earliest"].contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "Invalid value {value} for configuration share.auto.offset.reset: String must be one of: latest, earliest"
                ))
            }
        }
        _ => Err(format!("Unknown group config name: {name}")),
    }
}
