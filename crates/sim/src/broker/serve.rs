//! Leader-side Fetch for followers and consumers, including Kafka's long poll: a fetch with
//! nothing to return waits up to its `max_wait_ms` for new records; and what follows any
//! progress of a leader (HW, waiting produces, waiting fetches).

use super::Broker;
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{BrokerId, FetchPartition, FetchedPartition, Message, TopicPartition};
use crate::time::SimDuration;

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
        self.complete_delayed_produces(ctx, tp);
        self.complete_coordinator_appends(ctx, tp);
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
