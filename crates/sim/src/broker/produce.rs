//! Leader-side Produce: each partition's batch is checked (leadership, `acks`,
//! `min.insync.replicas`, the idempotent producer's sequence) and appended; acks=all waits in
//! the purgatory until the high watermark covers every batch of the request, or until its
//! timeout (Kafka's `DelayedProduce`). Also InitProducerId for idempotent producers, and
//! WriteTxnMarkers: a transaction coordinator's COMMIT/ABORT markers, appended as control
//! batches and answered once replicated, like an acks=all produce.

use super::Broker;
use super::producer_state::SequenceCheck;
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    BatchHeader, ControlType, Message, ProduceBatch, ProducePartitionResponse, ProduceRequest,
    ProduceResponse, RecordData, ResponseHeader, TopicPartition, TxnResponse,
    WriteTxnMarkersRequest, WriteTxnMarkersResponse,
};
use crate::time::{SimDuration, SimTime};
use crate::txn::{MARKER_TIMEOUT_MS, TxnMessage};
use std::rc::Rc;

/// Which API a waiting request answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    Produce,
    TxnMarkers,
}

/// An acks=all request waiting for the high watermark of its partitions.
#[derive(Clone, Debug)]
pub(crate) struct DelayedProduce {
    from: NodeId,
    correlation_id: u64,
    reply: Reply,
    /// Each partition's answer, and the HW it still waits for (none once decided).
    partitions: Vec<(ProducePartitionResponse, Option<u64>)>,
    /// When the request's timeout runs out, if it is still waiting then.
    deadline: SimTime,
}

fn reply_message(
    reply: Reply,
    correlation_id: u64,
    partitions: Vec<ProducePartitionResponse>,
) -> Message {
    match reply {
        Reply::Produce => Message::ProduceResponse(
            ResponseHeader { correlation_id },
            ProduceResponse { partitions },
        ),
        Reply::TxnMarkers => {
            let partitions = partitions.into_iter().map(|p| (p.tp, p.error)).collect();
            let response = TxnResponse::WriteTxnMarkers(WriteTxnMarkersResponse { partitions });
            TxnMessage::response(correlation_id, response).into()
        }
    }
}

pub(super) fn answer(
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

/// `LogValidator.validateKey` on a compacted topic: every record needs a key. The answer's
/// message is the `InvalidRecordException` that `processRecordErrors` throws, listing the
/// first three record errors as `RecordError.toString` prints them.
fn keyless_records(tp: &TopicPartition, records: &[Rc<RecordData>]) -> Option<String> {
    let errors: Vec<String> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.key.is_none())
        .map(|(index, _)| {
            format!(
                "RecordError(batchIndex={index}, message='Compacted topic cannot accept message \
                 without key in topic partition {tp}')"
            )
        })
        .collect();
    (!errors.is_empty()).then(|| {
        format!(
            "One or more records have been rejected due to {} record errors in total, and only \
             showing the first three errors at most: [{}]",
            errors.len(),
            errors[..errors.len().min(3)].join(", ")
        )
    })
}

impl Broker {
    pub(super) fn handle_produce(
        &mut self,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        request: ProduceRequest,
    ) {
        if let Some(error) = self.take_scripted_error("Produce") {
            let message = || Some("scripted error".to_owned());
            let batches = request.batches.iter();
            let failed = batches
                .map(|b| answer(&b.tp, error, None, message()))
                .collect();
            return self.append_produce(ctx, to, request, failed);
        }
        let unverified = self.unverified_partitions(&request);
        if unverified.is_empty() {
            self.append_produce(ctx, to, request, Vec::new());
        } else {
            self.verify_partitions(ctx, to, request, unverified);
        }
    }

    /// Appends each batch of `request` but those `failed` answers, and answers the request
    /// (acks=all: once the HW covers every append).
    pub(super) fn append_produce(
        &mut self,
        ctx: &mut Ctx<'_>,
        (from, correlation_id): (NodeId, u64),
        request: ProduceRequest,
        failed: Vec<ProducePartitionResponse>,
    ) {
        let ProduceRequest {
            acks,
            timeout_ms,
            batches,
            ..
        } = request;
        let mut partitions = Vec::with_capacity(batches.len());
        for batch in &batches {
            let decided = match failed.iter().find(|f| f.tp == batch.tp) {
                Some(response) => Err(response.clone()),
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
            self.after_leaders_progress(ctx, &touched);
            return;
        }
        let delayed = DelayedProduce {
            from,
            correlation_id,
            reply: Reply::Produce,
            partitions,
            deadline: ctx.now() + SimDuration::from_millis(timeout_ms),
        };
        self.answer_or_wait(ctx, delayed, touched);
    }

    /// Answers at once when every partition is decided, else waits in the purgatory until the
    /// HW covers the appends or its deadline passes.
    fn answer_or_wait(
        &mut self,
        ctx: &mut Ctx<'_>,
        delayed: DelayedProduce,
        touched: Vec<TopicPartition>,
    ) {
        if delayed
            .partitions
            .iter()
            .all(|(_, required)| required.is_none())
        {
            let partitions = delayed.partitions.into_iter().map(|(r, _)| r).collect();
            ctx.send(
                delayed.from,
                reply_message(delayed.reply, delayed.correlation_id, partitions),
            );
        } else {
            self.produce_timeouts
                .arm(ctx, delayed.deadline, Timer::ProduceTimeouts);
            self.purgatory.push(delayed);
        }
        self.after_leaders_progress(ctx, &touched);
    }

    /// WriteTxnMarkers as the partitions' leader: a control batch of one record per partition,
    /// written with acks=all's checks (so an ISR below min.insync.replicas holds the
    /// transaction open) unless the same marker is already there.
    pub(super) fn handle_write_txn_markers(
        &mut self,
        ctx: &mut Ctx<'_>,
        (from, correlation_id): (NodeId, u64),
        request: WriteTxnMarkersRequest,
    ) {
        let WriteTxnMarkersRequest {
            producer_id,
            producer_epoch,
            control,
            partitions: touched,
        } = request;
        let header = Rc::new(BatchHeader {
            producer_id: Some(producer_id),
            producer_epoch,
            record_count: 1,
            control: Some(control),
            ..BatchHeader::default()
        });
        let data = Rc::new(RecordData {
            timestamp_ms: ctx.now().as_millis(),
            value: Some(Rc::from(control.name().as_bytes())),
            ..RecordData::default()
        });
        let partitions: Vec<(ProducePartitionResponse, Option<u64>)> = touched
            .iter()
            .map(|tp| match self.append_marker(tp, &header, &data) {
                Ok(decided) => decided,
                Err(response) => (response, None),
            })
            .collect();
        for (tp, (response, _)) in touched.iter().zip(&partitions) {
            if response.error == ErrorCode::None {
                self.complete_txn_offsets(tp, producer_id, control == ControlType::Commit);
            }
        }
        let delayed = DelayedProduce {
            from,
            correlation_id,
            reply: Reply::TxnMarkers,
            partitions,
            deadline: ctx.now() + SimDuration::from_millis(MARKER_TIMEOUT_MS),
        };
        self.answer_or_wait(ctx, delayed, touched);
    }

    fn append_marker(
        &mut self,
        tp: &TopicPartition,
        header: &Rc<BatchHeader>,
        data: &Rc<RecordData>,
    ) -> Result<(ProducePartitionResponse, Option<u64>), ProducePartitionResponse> {
        let (replica, epoch) = self.leader_for_append(tp, -1)?;
        let producer_id = header.producer_id.unwrap_or_default();
        let required = match replica
            .producers
            .check_marker(producer_id, header.producer_epoch)
        {
            Err(error) => return Err(answer(tp, error, None, None)),
            Ok(true) => {
                let base = replica.log.append_as_leader(
                    epoch,
                    header,
                    std::slice::from_ref(data),
                    replica.roll,
                );
                replica.producers.record(header, base);
                base + 1
            }
            // Written by an earlier attempt: answer once everything up to here is replicated.
            Ok(false) => replica.log.log_end_offset(),
        };
        let wait = (replica.log.high_watermark() < required).then_some(required);
        Ok((answer(tp, ErrorCode::None, None, None), wait))
    }

    /// This broker's replica of `tp` if it leads it, with its leader epoch, after the checks
    /// every append makes (`acks` valid, leadership, acks=all's ISR size).
    fn leader_for_append(
        &mut self,
        tp: &TopicPartition,
        acks: i16,
    ) -> Result<(&mut super::Replica, u32), ProducePartitionResponse> {
        if !matches!(acks, -1..=1) {
            return Err(answer(tp, ErrorCode::InvalidRequiredAcks, None, None));
        }
        let known = self.image.partition(tp).is_some();
        let Some(replica) = self.replicas.get_mut(tp) else {
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
        let epoch = leadership.leader_epoch;
        Ok((replica, epoch))
    }

    /// Validates and appends one batch. `Ok` carries the answer so far and, for acks=all, the
    /// HW to wait for; `Err` is a final answer.
    fn append(
        &mut self,
        acks: i16,
        batch: &ProduceBatch,
    ) -> Result<(ProducePartitionResponse, Option<u64>), ProducePartitionResponse> {
        let tp = &batch.tp;
        // The whole batch as it travels (Kafka checks `batch.sizeInBytes()`): nothing of it is
        // appended, and the next batch takes the next offset.
        let limit = self
            .image
            .topics
            .get(&tp.topic)
            .and_then(|t| t.config.max_message_bytes)
            .unwrap_or(self.config.message_max_bytes) as usize;
        let size = crate::producer::batch_size(&batch.records);
        if size > limit {
            let message = format!(
                "The record batch size in the append to {tp} is {size} bytes which exceeds the maximum configured value of {limit}."
            );
            return Err(answer(tp, ErrorCode::MessageTooLarge, None, Some(message)));
        }
        let compacted = self
            .image
            .topics
            .get(&tp.topic)
            .is_some_and(|t| t.config.compaction().is_some());
        let (replica, epoch) = self.leader_for_append(tp, acks)?;
        if compacted && let Some(message) = keyless_records(tp, &batch.records) {
            return Err(answer(tp, ErrorCode::InvalidRecord, None, Some(message)));
        }
        let base_offset = match replica.producers.check(&batch.header) {
            SequenceCheck::Reject(error, message) => {
                return Err(answer(tp, error, None, Some(message)));
            }
            // A retry of a batch already written: its original offsets, nothing new.
            SequenceCheck::Duplicate { base_offset } => base_offset,
            SequenceCheck::Append => {
                let base = replica.log.append_as_leader(
                    epoch,
                    &batch.header,
                    &batch.records,
                    replica.roll,
                );
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
                .is_some_and(|l| l.maximal_isr_len() >= r.effective_min_isr())
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
                reply_message(delayed.reply, delayed.correlation_id, partitions),
            );
        }
    }

    /// A `ProduceTimeouts` timer went off: in the requests whose timeout ran out, what the ISR
    /// has not confirmed is REQUEST_TIMED_OUT; the timer for the next deadline is armed.
    pub(super) fn expire_produces(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        self.produce_timeouts.went_off(now);
        for delayed in &mut self.purgatory {
            if delayed.deadline <= now {
                for (response, waiting) in &mut delayed.partitions {
                    if waiting.take().is_some() {
                        *response = answer(&response.tp, ErrorCode::RequestTimedOut, None, None);
                    }
                }
            }
        }
        self.answer_decided(ctx);
        let next = self.purgatory.iter().map(|d| d.deadline);
        self.produce_timeouts
            .arm_earliest(ctx, next, Timer::ProduceTimeouts);
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
                Message::init_producer_id_response(
                    correlation_id,
                    ErrorCode::None,
                    producer_id,
                    epoch + 1,
                )
            }
            (Some(_), _) if running => {
                let producer_id = self.allocate_producer_id();
                Message::init_producer_id_response(correlation_id, ErrorCode::None, producer_id, 0)
            }
            _ => Message::init_producer_id_response(
                correlation_id,
                ErrorCode::CoordinatorNotAvailable,
                0,
                0,
            ),
        };
        ctx.send(from, response);
    }
}
