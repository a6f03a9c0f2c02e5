//! Leader-side request handling: Produce (acks 0, 1 and all, with `min.insync.replicas`) and
//! Fetch for followers and consumers, including Kafka's long poll: a fetch with nothing to
//! return waits up to its `max_wait_ms` for new records.

use super::{Broker, DelayedProduce};
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    BrokerId, FetchPartition, FetchedPartition, Message, RecordData, TopicPartition,
};
use crate::time::SimDuration;
use std::rc::Rc;

/// Records a fetch may return per partition (a stand-in for `replica.fetch.max.bytes`).
const MAX_FETCH_RECORDS: usize = 1_000;

/// A fetch waiting for data (Kafka's `DelayedFetch`).
#[derive(Clone, Debug)]
pub struct ParkedFetch {
    from: NodeId,
    correlation_id: u64,
    replica_id: Option<BrokerId>,
    partitions: Vec<FetchPartition>,
}

impl Broker {
    #[allow(clippy::too_many_arguments)] // The fields of one Produce request.
    pub(super) fn handle_produce(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        acks: i16,
        timeout_ms: u64,
        tp: TopicPartition,
        records: Vec<Rc<RecordData>>,
    ) {
        let reply = |ctx: &mut Ctx<'_>, error, base_offset, error_message| {
            if acks != 0 {
                let tp = tp.clone();
                ctx.send(
                    from,
                    Message::ProduceResponse {
                        correlation_id,
                        tp,
                        error,
                        base_offset,
                        error_message,
                    },
                );
            }
        };
        if let Some(error) = self.take_scripted_error("Produce") {
            return reply(ctx, error, None, Some("scripted error".to_owned()));
        }
        if !matches!(acks, -1..=1) {
            return reply(ctx, ErrorCode::InvalidRequiredAcks, None, None);
        }
        let Some(replica) = self.replicas.get_mut(&tp) else {
            let known = self.image.partition(&tp).is_some();
            let error = if known {
                ErrorCode::NotLeaderOrFollower
            } else {
                ErrorCode::UnknownTopicOrPartition
            };
            return reply(ctx, error, None, None);
        };
        let min_isr = replica.effective_min_isr();
        let Some(leadership) = &replica.leadership else {
            return reply(ctx, ErrorCode::NotLeaderOrFollower, None, None);
        };
        if acks == -1 && leadership.isr.len() < min_isr {
            let message = format!(
                "The size of the current ISR {:?} is insufficient to satisfy the min.isr requirement of {min_isr} for partition {tp}",
                leadership.isr
            );
            return reply(ctx, ErrorCode::NotEnoughReplicas, None, Some(message));
        }
        let epoch = leadership.leader_epoch;
        let base_offset = replica.log.append_as_leader(epoch, &records);
        let required_offset = replica.log.log_end_offset();
        match acks {
            0 => {}
            1 => reply(ctx, ErrorCode::None, Some(base_offset), None),
            _ => {
                let delayed = DelayedProduce {
                    from,
                    correlation_id,
                    base_offset,
                    required_offset,
                };
                if let Some(leadership) = &mut replica.leadership {
                    leadership.purgatory.push(delayed);
                }
                let timeout = SimDuration::from_millis(timeout_ms);
                ctx.set_timer(
                    timeout,
                    Timer::ProduceTimeout {
                        tp: tp.clone(),
                        correlation_id,
                    },
                );
            }
        }
        self.after_leader_progress(ctx, &tp);
    }

    pub(super) fn answer_produce(
        &self,
        ctx: &mut Ctx<'_>,
        delayed: &DelayedProduce,
        tp: &TopicPartition,
        error: ErrorCode,
    ) {
        let base_offset = (error == ErrorCode::None).then_some(delayed.base_offset);
        let response = Message::ProduceResponse {
            correlation_id: delayed.correlation_id,
            tp: tp.clone(),
            error,
            base_offset,
            error_message: None,
        };
        ctx.send(delayed.from, response);
    }

    /// `request.timeout.ms` ran out before the ISR had the records.
    pub(super) fn expire_produce(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        correlation_id: u64,
    ) {
        let Some(leadership) = self
            .replicas
            .get_mut(tp)
            .and_then(|r| r.leadership.as_mut())
        else {
            return;
        };
        let Some(index) = leadership
            .purgatory
            .iter()
            .position(|d| d.correlation_id == correlation_id)
        else {
            return;
        };
        let delayed = leadership.purgatory.remove(index);
        self.answer_produce(ctx, &delayed, tp, ErrorCode::RequestTimedOut);
    }

    /// A follower's fetch arrived: as Kafka's `maybeExpandIsr`, propose adding it to the ISR
    /// when it has caught up, then account for its progress.
    fn after_follower_fetch(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition, follower: BrokerId) {
        let joins = self
            .replicas
            .get(tp)
            .is_some_and(|r| !self.image.fenced.contains(&follower) && r.may_join_isr(follower));
        if let Some(leadership) = self.replicas.get(tp).and_then(|r| r.leadership.as_ref())
            && joins
        {
            let mut isr = leadership.isr.clone();
            isr.push(follower);
            self.propose_isr(ctx, tp, isr);
        }
        self.after_leader_progress(ctx, tp);
    }

    /// After the leader's log, a follower's progress or the ISR changed: advance the HW,
    /// complete waiting produces, wake waiting fetches.
    pub(super) fn after_leader_progress(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        let Some(replica) = self.replicas.get_mut(tp) else {
            return;
        };
        replica.maybe_increment_high_watermark();
        let hw = replica.log.high_watermark();
        let enough = replica.effective_min_isr();
        let mut done = Vec::new();
        if let Some(leadership) = &mut replica.leadership {
            let isr_size = leadership.maximal_isr().len();
            leadership.purgatory.retain(|d| {
                let complete = d.required_offset <= hw;
                if complete {
                    let error = if isr_size >= enough {
                        ErrorCode::None
                    } else {
                        ErrorCode::NotEnoughReplicasAfterAppend
                    };
                    done.push((d.clone(), error));
                }
                !complete
            });
        }
        for (delayed, error) in done {
            self.answer_produce(ctx, &delayed, tp, error);
        }
        self.wake_parked(ctx, tp);
    }

    #[allow(clippy::too_many_arguments)] // The fields of one Fetch request.
    pub(super) fn handle_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        replica_id: Option<BrokerId>,
        max_wait_ms: u64,
        partitions: Vec<FetchPartition>,
    ) {
        if let Some(error) = self.take_scripted_error("Fetch") {
            let partitions = partitions.iter().map(|p| empty(&p.tp, error)).collect();
            return ctx.send(
                from,
                Message::FetchResponse {
                    correlation_id,
                    partitions,
                },
            );
        }
        if let Some(follower) = replica_id {
            for request in &partitions {
                let Some(replica) = self.replicas.get_mut(&request.tp) else {
                    continue;
                };
                let epoch_ok = replica.leadership.as_ref().is_some_and(|l| {
                    request
                        .current_leader_epoch
                        .is_none_or(|e| e == l.leader_epoch)
                });
                if epoch_ok && diverging(replica, request).is_none() {
                    replica.record_follower_fetch(follower, request.fetch_offset, ctx.now());
                    let tp = request.tp.clone();
                    self.after_follower_fetch(ctx, &tp, follower);
                }
            }
        }
        let response: Vec<FetchedPartition> = partitions
            .iter()
            .map(|p| self.read(p, replica_id))
            .collect();
        let nothing = response.iter().all(|p| {
            p.error == ErrorCode::None && p.records.is_empty() && p.diverging_epoch.is_none()
        });
        if nothing && max_wait_ms > 0 {
            self.parked.push(ParkedFetch {
                from,
                correlation_id,
                replica_id,
                partitions,
            });
            let wait = SimDuration::from_millis(max_wait_ms);
            ctx.set_timer(
                wait,
                Timer::ParkedFetchExpiry {
                    from,
                    correlation_id,
                },
            );
        } else {
            ctx.send(
                from,
                Message::FetchResponse {
                    correlation_id,
                    partitions: response,
                },
            );
        }
    }

    /// What a fetch of one partition returns now: records up to the LEO for a follower, up to
    /// the high watermark for a consumer (an empty answer, not an error, when there is none).
    fn read(&self, request: &FetchPartition, replica_id: Option<BrokerId>) -> FetchedPartition {
        let Some(replica) = self.replicas.get(&request.tp) else {
            let known = self.image.partition(&request.tp).is_some();
            return empty(
                &request.tp,
                if known {
                    ErrorCode::NotLeaderOrFollower
                } else {
                    ErrorCode::UnknownTopicOrPartition
                },
            );
        };
        let Some(leadership) = &replica.leadership else {
            return empty(&request.tp, ErrorCode::NotLeaderOrFollower);
        };
        match request.current_leader_epoch {
            Some(e) if e < leadership.leader_epoch => {
                return empty(&request.tp, ErrorCode::FencedLeaderEpoch);
            }
            Some(e) if e > leadership.leader_epoch => {
                return empty(&request.tp, ErrorCode::UnknownLeaderEpoch);
            }
            _ => {}
        }
        let log = &replica.log;
        let mut answer = empty(&request.tp, ErrorCode::None);
        answer.high_watermark = log.high_watermark();
        answer.log_end_offset = log.log_end_offset();
        if replica_id.is_some()
            && let Some(diverging) = diverging(replica, request)
        {
            answer.diverging_epoch = Some(diverging);
            return answer;
        }
        if request.fetch_offset > log.log_end_offset() {
            answer.error = ErrorCode::OffsetOutOfRange;
            return answer;
        }
        let limit = if replica_id.is_some() {
            log.log_end_offset()
        } else {
            log.high_watermark()
        };
        answer.records = log
            .read(request.fetch_offset, limit, MAX_FETCH_RECORDS)
            .to_vec();
        answer
    }

    /// Answers parked fetches on `tp` that now have something to return.
    fn wake_parked(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        if !self
            .parked
            .iter()
            .any(|p| p.partitions.iter().any(|q| q.tp == *tp))
        {
            return;
        }
        let parked = std::mem::take(&mut self.parked);
        for fetch in parked {
            let response: Vec<FetchedPartition> = fetch
                .partitions
                .iter()
                .map(|p| self.read(p, fetch.replica_id))
                .collect();
            if response.iter().any(|p| {
                !p.records.is_empty() || p.error != ErrorCode::None || p.diverging_epoch.is_some()
            }) {
                ctx.send(
                    fetch.from,
                    Message::FetchResponse {
                        correlation_id: fetch.correlation_id,
                        partitions: response,
                    },
                );
            } else {
                self.parked.push(fetch);
            }
        }
    }

    pub(super) fn expire_parked_fetch(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
    ) {
        let Some(index) = self
            .parked
            .iter()
            .position(|p| p.from == from && p.correlation_id == correlation_id)
        else {
            return;
        };
        let fetch = self.parked.remove(index);
        let partitions = fetch
            .partitions
            .iter()
            .map(|p| self.read(p, fetch.replica_id))
            .collect();
        ctx.send(
            from,
            Message::FetchResponse {
                correlation_id,
                partitions,
            },
        );
    }
}

/// KIP-595-style divergence check: if the follower's last epoch ended earlier in the leader's
/// log than the follower's LEO (or the leader does not know it), say where to truncate.
fn diverging(replica: &super::Replica, request: &FetchPartition) -> Option<(u32, u64)> {
    let last_epoch = request.last_fetched_epoch?;
    match replica.log.end_offset_for_epoch(last_epoch) {
        Some((epoch, end)) if epoch == last_epoch && end >= request.fetch_offset => None,
        Some((epoch, end)) => Some((epoch, end.min(request.fetch_offset))),
        None => Some((0, 0)),
    }
}

fn empty(tp: &TopicPartition, error: ErrorCode) -> FetchedPartition {
    FetchedPartition {
        tp: tp.clone(),
        error,
        high_watermark: 0,
        log_end_offset: 0,
        records: Vec::new(),
        diverging_epoch: None,
    }
}
