//! ShareFetch and ShareAcknowledge on a partition's leader (KIP-932, Kafka's
//! `SharePartitionManager`): apply a member's acknowledgements, then acquire records for it
//! under a lock of `group.share.record.lock.duration.ms`. The share partitions live in the
//! leadership (`Leadership::share`), so a leader that loses its partition forgets them (see
//! `share_partition.rs` for what that means).

use super::Broker;
use super::share_partition::{RecordState, SharePartition, Transition, ranges};
use crate::error::ErrorCode;
use crate::event::{EventKind, ShareReleaseCause};
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    Message, RequestHeader, ResponseHeader, ShareAcknowledgeResponse, ShareFetchRequest,
    ShareFetchResponse, ShareFetchedPartition, TopicPartition,
};
use std::rc::Rc;

impl Broker {
    /// ShareFetch (`acquire`) or ShareAcknowledge (not `acquire`; epoch -1 also closes the
    /// member's share session, handing back what it still holds).
    pub(super) fn handle_share_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        header: &RequestHeader,
        request: &ShareFetchRequest,
        acquire: bool,
    ) {
        let settings = self.config.share;
        let member: Rc<str> = Rc::from(request.member_id.as_str());
        let group = request.group_id.as_str();
        let closing = request.share_session_epoch == -1;
        let mut budget = request.max_records as usize;
        let mut answers = Vec::new();
        let reset = self
            .image
            .group_configs
            .get(group)
            .and_then(|c| c.get("share.auto.offset.reset"))
            .cloned()
            .unwrap_or_else(|| "latest".to_owned());
        for part in &request.partitions {
            let tp = &part.tp;
            let mut answer = ShareFetchedPartition {
                tp: tp.clone(),
                error: ErrorCode::None,
                acknowledge_error: ErrorCode::None,
                records: Vec::new(),
                acquired: Vec::new(),
            };
            let leading = self.replicas.get_mut(tp).filter(|r| r.leadership.is_some());
            let Some(replica) = leading else {
                answer.error = if self.image.partition(tp).is_none() {
                    ErrorCode::UnknownTopicOrPartition
                } else {
                    ErrorCode::NotLeaderOrFollower
                };
                answer.acknowledge_error = answer.error;
                answers.push(answer);
                continue;
            };
            let high_watermark = replica.log.high_watermark();
            let log_start = replica.log.log_start_offset();
            let leadership = replica.leadership.as_mut().expect("filtered on leadership");
            let share = leadership.share.entry(group.to_owned()).or_insert_with(|| {
                let start = if reset == "earliest" {
                    log_start
                } else {
                    high_watermark
                };
                ctx.emit(EventKind::SharePartitionInitialized {
                    group: group.to_owned(),
                    tp: tp.clone(),
                    start_offset: start,
                    reset: reset.clone(),
                });
                SharePartition::starting_at(start)
            });
            share.on_log_start(log_start);
            let limit = settings.delivery_count_limit;
            let client = header.client_id.to_string();
            let (applied, changed) = share.acknowledge(&member, &part.acknowledgements, limit);
            if !applied {
                answer.acknowledge_error = ErrorCode::InvalidRecordState;
                ctx.emit(EventKind::ShareAcknowledgeRefused {
                    group: group.to_owned(),
                    tp: tp.clone(),
                    client: client.clone(),
                    offsets: part
                        .acknowledgements
                        .iter()
                        .map(|b| (b.first_offset, b.last_offset))
                        .collect(),
                });
            }
            emit_released(
                ctx,
                (group, tp, &client),
                ShareReleaseCause::Released,
                &changed,
            );
            if closing {
                let changed = share.release_member(&member, limit);
                emit_released(
                    ctx,
                    (group, tp, &client),
                    ShareReleaseCause::MemberLeft,
                    &changed,
                );
            }
            if acquire && budget > 0 && !closing {
                let lock = settings.record_lock_duration;
                let max_locks = settings.partition_max_record_locks;
                let end = share.end_offset;
                let log = replica.log.read(end, high_watermark, max_locks as usize);
                let offsets = share.acquire(
                    &member,
                    (budget, max_locks),
                    ctx.now() + lock,
                    high_watermark,
                    log,
                );
                if !offsets.is_empty() {
                    budget -= offsets.len();
                    answer.records = offsets
                        .iter()
                        .filter_map(|&(offset, _)| replica.log.record_at(offset).cloned())
                        .collect();
                    answer.acquired = ranges(&offsets);
                    ctx.set_timer(
                        lock,
                        Timer::ShareLockExpiry {
                            group: group.to_owned(),
                            tp: tp.clone(),
                        },
                    );
                }
            }
            answers.push(answer);
        }
        let correlation_id = header.correlation_id;
        let response = if acquire {
            let body = ShareFetchResponse {
                error: ErrorCode::None,
                partitions: answers,
            };
            Message::ShareFetchResponse(ResponseHeader { correlation_id }, body)
        } else {
            let partitions = answers
                .into_iter()
                .map(|a| (a.tp, a.acknowledge_error))
                .collect();
            let body = ShareAcknowledgeResponse { partitions };
            Message::ShareAcknowledgeResponse(ResponseHeader { correlation_id }, body)
        };
        ctx.send(from, response);
    }

    /// A lock of `group`'s records of `tp` may have expired: what expired becomes available
    /// again, or is archived when out of deliveries.
    pub(super) fn on_share_lock_expiry(
        &mut self,
        ctx: &mut Ctx<'_>,
        group: &str,
        tp: &TopicPartition,
    ) {
        let limit = self.config.share.delivery_count_limit;
        let now = ctx.now();
        let Some(share) = self
            .replicas
            .get_mut(tp)
            .and_then(|r| r.leadership.as_mut())
            .and_then(|l| l.share.get_mut(group))
        else {
            // The leadership ended since: its share partitions went with it.
            return;
        };
        let changed = share.expire_locks(now, limit);
        emit_released(
            ctx,
            (group, tp, ""),
            ShareReleaseCause::LockExpired,
            &changed,
        );
    }

    /// The share partitions this broker leads, by group and partition.
    pub(crate) fn share_partitions(
        &self,
    ) -> impl Iterator<Item = (&str, &TopicPartition, &SharePartition)> {
        self.replicas.iter().flat_map(|(tp, replica)| {
            replica
                .leadership
                .iter()
                .flat_map(move |l| l.share.iter().map(move |(g, s)| (g.as_str(), tp, s)))
        })
    }
}

/// Tells of records handed back, archived or not.
fn emit_released(
    ctx: &mut Ctx<'_>,
    (group, tp, client): (&str, &TopicPartition, &str),
    cause: ShareReleaseCause,
    changed: &[Transition],
) {
    let available: Vec<u64> = changed
        .iter()
        .filter(|t| t.state == RecordState::Available)
        .map(|t| t.offset)
        .collect();
    let archived: Vec<u64> = changed
        .iter()
        .filter(|t| t.state == RecordState::Archived)
        .map(|t| t.offset)
        .collect();
    if available.is_empty() && archived.is_empty() {
        return;
    }
    ctx.emit(EventKind::ShareRecordsReleased {
        group: group.to_owned(),
        tp: tp.clone(),
        client: client.to_owned(),
        cause,
        available,
        archived,
    });
}
