//! Leader-side Produce: each partition's batch is checked (leadership, `acks`,
//! `min.insync.replicas`, the idempotent producer's sequence) and appended; acks=all waits in
//! the purgatory until the high watermark covers every batch of the request, or until its
//! timeout (Kafka's `DelayedProduce`). Also InitProducerId for idempotent producers.

use super::Broker;
use super::producer_state::SequenceCheck;
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{Message, ProduceBatch, ProducePartitionResponse, TopicPartition};
use crate::time::SimDuration;

/// An acks=all request waiting for the high watermark of its partitions.
#[derive(Clone, Debug)]
pub struct DelayedProduce {
    from: NodeId,
    correlation_id: u64,
    /// Each partition's answer, and the HW it still waits for (none once decided).
    partitions: Vec<(ProducePartitionResponse, Option<u64>)>,
}

fn answer(
    tp: &TopicPartition,
    error: ErrorCode,
    base_offset: Option<u64>,
    message: Option<String>,
) -> ProducePartitionResponse {
    ProducePartitionResponse {
        tp: tp.clone(),
        error,
        base_offset,
        error_message: message,
    }
}

impl Broker {
    pub(super) fn handle_produce(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        acks: i16,
        timeout_ms: u64,
        batches: Vec<ProduceBatch>,
    ) {
        let scripted = self.take_scripted_error("Produce");
        let mut partitions = Vec::with_capacity(batches.len());
        for batch in &batches {
            let decided = match scripted {
                Some(error) => Err(answer(
                    &batch.tp,
                    error,
                    None,
                    Some("scripted error".to_owned()),
                )),
                None => self.append(acks, batch),
            };
            partitions.push(match decided {
                Ok((response, required)) => (response, required),
                Err(response) => (response, None),
            });
        }
        let touched: Vec<TopicPartition> = batches.into_iter().map(|b| b.tp).collect();
        if acks == 0 {
            // No response, whatever happened: the producer will never know.
        } else if partitions.iter().all(|(_, required)| required.is_none()) {
            let partitions = partitions.into_iter().map(|(r, _)| r).collect();
            ctx.send(
                from,
                Message::ProduceResponse {
                    correlation_id,
                    partitions,
                },
            );
        } else {
            self.purgatory.push(DelayedProduce {
                from,
                correlation_id,
                partitions,
            });
            let timeout = SimDuration::from_millis(timeout_ms);
            ctx.set_timer(
                timeout,
                Timer::ProduceTimeout {
                    from,
                    correlation_id,
                },
            );
        }
        for tp in touched {
            self.after_leader_progress(ctx, &tp);
        }
    }

    /// Validates and appends one batch. `Ok` carries the answer so far and, for acks=all, the
    /// HW to wait for; `Err` is a final answer.
    fn append(
        &mut self,
        acks: i16,
        batch: &ProduceBatch,
    ) -> Result<(ProducePartitionResponse, Option<u64>), ProducePartitionResponse> {
        let tp = &batch.tp;
        if !matches!(acks, -1..=1) {
            return Err(answer(tp, ErrorCode::InvalidRequiredAcks, None, None));
        }
        let Some(replica) = self.replicas.get_mut(tp) else {
            let known = self.image.partition(tp).is_some();
            let error = if known {
                ErrorCode::NotLeaderOrFollower
            } else {
                ErrorCode::UnknownTopicOrPartition
            };
            return Err(answer(tp, error, None, None));
        };
        let min_isr = replica.effective_min_isr();
        let Some(leadership) = &replica.leadership else {
            return Err(answer(tp, ErrorCode::NotLeaderOrFollower, None, None));
        };
        if acks == -1 && leadership.isr.len() < min_isr {
            let message = format!(
                "The size of the current ISR {:?} is insufficient to satisfy the min.isr requirement of {min_isr} for partition {tp}",
                leadership.isr
            );
            return Err(answer(
                tp,
                ErrorCode::NotEnoughReplicas,
                None,
                Some(message),
            ));
        }
        let base_offset = match replica.producers.check(&batch.header) {
            SequenceCheck::Reject(error, message) => {
                return Err(answer(tp, error, None, Some(message)));
            }
            // A retry of a batch already written: its original offsets, nothing new.
            SequenceCheck::Duplicate { base_offset } => base_offset,
            SequenceCheck::Append => {
                let epoch = leadership.leader_epoch;
                let base = replica
                    .log
                    .append_as_leader(epoch, &batch.header, &batch.records);
                replica.producers.record(&batch.header, base);
                base
            }
        };
        let required = base_offset + batch.records.len() as u64;
        let wait = (acks == -1 && replica.log.high_watermark() < required).then_some(required);
        Ok((answer(tp, ErrorCode::None, Some(base_offset), None), wait))
    }

    /// Decides the waiting produces on `tp` whose records the HW now covers, or fails them
    /// when this broker no longer leads `tp`; answers every request fully decided.
    pub(super) fn complete_delayed_produces(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        if !self
            .purgatory
            .iter()
            .any(|d| d.partitions.iter().any(|(r, w)| w.is_some() && r.tp == *tp))
        {
            return;
        }
        let replica = self.replicas.get(tp);
        let leading = replica.is_some_and(|r| r.leadership.is_some());
        let hw = replica.map_or(0, |r| r.log.high_watermark());
        let enough = replica.is_some_and(|r| {
            r.leadership
                .as_ref()
                .is_some_and(|l| l.maximal_isr().len() >= r.effective_min_isr())
        });
        for delayed in &mut self.purgatory {
            for (response, waiting) in &mut delayed.partitions {
                let Some(required) = *waiting else { continue };
                if response.tp != *tp {
                    continue;
                }
                if !leading {
                    *response = answer(tp, ErrorCode::NotLeaderOrFollower, None, None);
                    *waiting = None;
                } else if hw >= required {
                    if !enough {
                        response.error = ErrorCode::NotEnoughReplicasAfterAppend;
                    }
                    *waiting = None;
                }
            }
        }
        self.answer_decided(ctx);
    }

    fn answer_decided(&mut self, ctx: &mut Ctx<'_>) {
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.purgatory)
            .into_iter()
            .partition(|d| d.partitions.iter().all(|(_, w)| w.is_none()));
        self.purgatory = waiting;
        for delayed in done {
            let partitions = delayed.partitions.into_iter().map(|(r, _)| r).collect();
            ctx.send(
                delayed.from,
                Message::ProduceResponse {
                    correlation_id: delayed.correlation_id,
                    partitions,
                },
            );
        }
    }

    /// The request's timeout ran out: what the ISR has not confirmed is REQUEST_TIMED_OUT.
    pub(super) fn expire_produce(&mut self, ctx: &mut Ctx<'_>, from: NodeId, correlation_id: u64) {
        for delayed in &mut self.purgatory {
            if delayed.from == from && delayed.correlation_id == correlation_id {
                for (response, waiting) in &mut delayed.partitions {
                    if waiting.take().is_some() {
                        *response = answer(&response.tp, ErrorCode::RequestTimedOut, None, None);
                    }
                }
            }
        }
        self.answer_decided(ctx);
    }

    /// InitProducerId for an idempotent producer. Kafka brokers take producer ids in blocks from
    /// the controller; here a broker derives them from its broker epoch, which is unique per
    /// registration, so ids never repeat. A producer that names its current id and epoch gets
    /// the same id with the next epoch (KIP-360), which lets it restart its sequences at 0.
    pub(super) fn handle_init_producer_id(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        correlation_id: u64,
        current: Option<(u64, u16)>,
    ) {
        let running = self.state == super::BrokerState::Running;
        let response = match (self.broker_epoch, current) {
            (Some(_), Some((producer_id, epoch))) if running && epoch < u16::MAX - 1 => {
                Message::InitProducerIdResponse {
                    correlation_id,
                    error: ErrorCode::None,
                    producer_id,
                    producer_epoch: epoch + 1,
                }
            }
            (Some(epoch), _) if running => {
                self.next_producer_id += 1;
                Message::InitProducerIdResponse {
                    correlation_id,
                    error: ErrorCode::None,
                    producer_id: (epoch << 20) | self.next_producer_id,
                    producer_epoch: 0,
                }
            }
            _ => Message::InitProducerIdResponse {
                correlation_id,
                error: ErrorCode::CoordinatorNotAvailable,
                producer_id: 0,
                producer_epoch: 0,
            },
        };
        ctx.send(from, response);
    }
}
