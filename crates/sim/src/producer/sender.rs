//! The sender: which batches are ready, one Produce request per leader broker with at most one
//! batch per partition, and what each partition's answer means: success, a retry after
//! `retry.backoff.ms`, or a final error.

use super::accumulator::Head;
use super::{InFlight, Producer, ProducerBatch};
use crate::client::Outcome;
use crate::error::ErrorCode;
use crate::node::Ctx;
use crate::protocol::{
    ApiKey, BatchHeader, BrokerId, Extension, Message, ProduceBatch, ProducePartitionResponse,
    ProduceRequest, RequestHeader, TopicPartition,
};
use std::collections::BTreeMap;
use std::rc::Rc;

impl Producer {
    /// Batches whose `delivery.timeout.ms` ran out fail with TimeoutException, queued or in a
    /// request still waiting for its answer (KIP-91: the user's bound holds whatever the
    /// network does). An expired in-flight batch leaves its request, which stays in flight and
    /// counts against `max.in.flight.requests.per.connection` until answered or timed out;
    /// its late answer finds nothing to complete.
    pub(super) fn expire_batches(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let Some(created_before) = now
            .as_micros()
            .checked_sub(self.config.delivery_timeout.as_micros())
        else {
            return;
        };
        let created_before = crate::time::SimTime::from_micros(created_before);
        let mut expired = Vec::new();
        for request in self.in_flight.values_mut() {
            let (gone, kept) = std::mem::take(&mut request.batches)
                .into_iter()
                .partition(|b| b.created <= created_before);
            request.batches = kept;
            expired.extend::<Vec<ProducerBatch>>(gone);
        }
        expired.extend(self.accumulator.expire(created_before));
        for batch in expired {
            let outcome = expiry_message(&batch, self.config.delivery_timeout.as_millis());
            self.fail_batch(ctx, &batch, outcome);
        }
    }

    fn fail_batch(&mut self, ctx: &mut Ctx<'_>, batch: &ProducerBatch, outcome: Outcome) {
        let now = ctx.now();
        self.accumulator.release(batch);
        // A batch that went out with a sequence and failed for good may or may not be in the
        // log: later sequences of its partition can no longer be trusted (KIP-360). In a
        // transaction, the transaction must abort instead (the abort bumps the epoch).
        let sequenced = batch
            .header
            .as_ref()
            .is_some_and(|h| h.producer_id.is_some());
        if self.txn.is_some() {
            let (error, text) = match &outcome {
                Outcome::Failed { error, message } => {
                    (*error, message.clone().unwrap_or_else(|| error.to_string()))
                }
                Outcome::Exception { message } => (ErrorCode::None, message.clone()),
                _ => (ErrorCode::None, String::new()),
            };
            self.transaction_failed(ctx, error, &text);
        } else if sequenced && !matches!(outcome, Outcome::Sent { .. }) {
            self.epoch_bump = true;
        }
        for &operation in &batch.operations {
            self.finish(now, operation, outcome.clone());
        }
    }

    /// What `drain` does with a partition's next batch now: send it to its leader, leave it,
    /// or leave it and ask for metadata (no leader known). One rule for `drain` and for a
    /// quiet send, which asks it of the one partition it appended to.
    pub(super) fn head_decision(
        &self,
        tp: &TopicPartition,
        head: Head,
        queued: usize,
        now: crate::time::SimTime,
    ) -> HeadDecision {
        let ready = queued > 1
            || head.size + 1 > self.config.batch_size
            || now >= head.created + self.config.linger
            || self.flushing
            || !self.blocked.is_empty()
            || head.attempts > 0;
        // KIP-951 (RecordAccumulator.shouldBackoff): a retry whose partition has a newer
        // leader than the one it was sent to goes at once; only a retry to the same leader
        // waits out its backoff.
        let state = self.metadata.get(tp);
        let leader_changed = match (head.sent_leader_epoch, state) {
            (Some(sent), Some(state)) => state.leader_epoch > sent,
            _ => false,
        };
        let backing_off = !leader_changed && head.retry_at.is_some_and(|at| at > now);
        let waiting_for_epoch = self.epoch_bump && (!head.sequenced || head.resequence);
        // max.in.flight=1 without idempotence: one batch per partition at a time, so
        // retries cannot reorder (Kafka's guaranteeMessageOrder).
        let muted = self.config.max_in_flight == 1
            && self
                .in_flight
                .values()
                .any(|r| r.batches.iter().any(|b| b.tp == *tp));
        // A transactional batch waits until its partition is in the transaction.
        if self.txn.as_ref().is_some_and(|t| !t.may_send(tp)) {
            return HeadDecision::Wait;
        }
        match state.and_then(|s| s.leader) {
            Some(leader) if ready && !backing_off && !muted && !waiting_for_epoch => {
                HeadDecision::Send(leader)
            }
            None => HeadDecision::NoLeader,
            _ => HeadDecision::Wait,
        }
    }

    /// The node of `leader` if a request may go to it now: fewer than
    /// `max.in.flight.requests.per.connection` requests in flight to it, and its address known.
    pub(super) fn open_leader(&self, leader: BrokerId) -> Option<crate::net::NodeId> {
        let requests_to_leader = self
            .in_flight
            .values()
            .filter(|r| r.broker == leader)
            .count();
        if requests_to_leader >= self.config.max_in_flight as usize {
            return None;
        }
        self.bootstrap.node(leader)
    }

    /// Sends every ready batch it may: per leader, while fewer than
    /// `max.in.flight.requests.per.connection` requests are in flight. Returns whether it
    /// sent anything.
    pub(super) fn drain(&mut self, ctx: &mut Ctx<'_>) -> bool {
        // Nothing goes out without a producer id. While an epoch bump is pending only batches
        // already stamped with the old epoch go out (their retries resolve whether they were
        // written); new batches, and those to be stamped again, wait for the new epoch.
        if self.config.enable_idempotence && self.producer_id.is_none() {
            return false;
        }
        let now = ctx.now();
        let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
        let mut no_leader = false;
        for (tp, head, queued) in self.accumulator.heads() {
            match self.head_decision(tp, head, queued, now) {
                HeadDecision::Send(leader) => by_leader.entry(leader).or_default().push(tp.clone()),
                HeadDecision::NoLeader => no_leader = true,
                HeadDecision::Wait => {}
            }
        }
        if no_leader {
            self.metadata.invalidate();
        }
        let mut sent = false;
        for (leader, partitions) in by_leader {
            let Some(node) = self.open_leader(leader) else {
                continue;
            };
            sent = true;
            let mut batches = Vec::with_capacity(partitions.len());
            let mut wire = Vec::with_capacity(partitions.len());
            for tp in partitions {
                let Some(mut batch) = self.accumulator.take(&tp) else {
                    continue;
                };
                let header = match &batch.header {
                    Some(header) => Rc::clone(header),
                    None => Rc::new(self.sequence(&tp, batch.records.len() as u32)),
                };
                batch.header = Some(Rc::clone(&header));
                batch.attempts += 1;
                batch.sent_leader_epoch = self.metadata.get(&tp).map(|s| s.leader_epoch);
                wire.push(ProduceBatch {
                    tp: tp.clone(),
                    header,
                    records: batch.records.clone(),
                });
                batches.push(batch);
            }
            let correlation_id = self.correlation_id();
            let request = ProduceRequest {
                acks: self.config.acks,
                timeout_ms: self.config.request_timeout.as_millis(),
                batches: wire,
                transactional_id: Extension(self.config.transactional_id.clone()),
            };
            let header = RequestHeader::new(ApiKey::Produce, correlation_id, Rc::clone(&self.name));
            ctx.send(node, Message::Produce(header, request));
            if self.config.acks == 0 {
                // Nothing will ever answer: the send "succeeds" once it is on the wire.
                for batch in batches {
                    let outcome = Outcome::Sent {
                        partition: batch.tp.partition,
                    };
                    self.fail_batch(ctx, &batch, outcome);
                }
            } else {
                let request = InFlight {
                    broker: leader,
                    batches,
                };
                let timeout = self.config.request_timeout;
                self.in_flight
                    .insert_until(ctx, correlation_id, request, timeout);
            }
        }
        sent
    }

    /// The header of a batch's first send: the producer id, epoch and next sequence numbers of
    /// its partition (idempotent producers only).
    fn sequence(&mut self, tp: &TopicPartition, count: u32) -> BatchHeader {
        let Some((producer_id, producer_epoch)) =
            self.producer_id.filter(|_| self.config.enable_idempotence)
        else {
            return BatchHeader {
                record_count: count,
                ..BatchHeader::default()
            };
        };
        let next = self.next_sequence.entry(tp.clone()).or_default();
        let base_sequence = *next;
        *next += count;
        BatchHeader {
            producer_id: Some(producer_id),
            producer_epoch,
            base_sequence,
            record_count: count,
            transactional: self.txn.is_some(),
            control: None,
        }
    }

    pub(super) fn on_produce_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
        partitions: Vec<ProducePartitionResponse>,
    ) {
        let Some(request) = self.in_flight.complete(correlation_id) else {
            // A response after its request timed out: the producer stopped listening.
            return;
        };
        for batch in request.batches {
            let Some(response) = partitions.iter().find(|p| p.tp == batch.tp) else {
                continue;
            };
            match (response.error, response.base_offset) {
                (ErrorCode::None, Some(base)) => {
                    self.accumulator.release(&batch);
                    if let Some(header) = batch.header.as_ref().filter(|h| h.producer_id.is_some())
                    {
                        let last = self.last_acked.entry(batch.tp.clone()).or_default();
                        *last = (*last).max(header.last_sequence());
                    }
                    for (i, &operation) in batch.operations.iter().enumerate() {
                        let outcome = Outcome::Acked {
                            partition: batch.tp.partition,
                            offset: base + i as u64,
                            timestamp_ms: batch.records[i].timestamp_ms,
                        };
                        self.finish(ctx.now(), operation, outcome);
                    }
                }
                (error, _) => self.retry_or_fail(ctx, batch, error, response.error_message.clone()),
            }
        }
    }

    /// No answer within `request.timeout.ms`: the request's batches are treated as failed with
    /// a retriable error, though the broker may well have written them.
    pub(super) fn on_request_timeout(&mut self, ctx: &mut Ctx<'_>, correlation_id: u64) {
        if self.on_txn_timeout(ctx, correlation_id) || self.metadata.take_request(correlation_id) {
            // The transaction's request is retried by its own state; metadata is asked for
            // again by the next pump.
        } else if self.init_in_flight == Some(correlation_id) {
            self.init_in_flight = None;
        } else if let Some(request) = self.in_flight.complete(correlation_id) {
            self.produce_timed_out(ctx, request);
        } else {
            return;
        }
        self.pump(ctx);
    }

    /// A `ClientRequestTimeouts` timer went off: the produce requests past their deadline
    /// fail, all before the one pump that follows.
    pub(super) fn on_request_timeouts(&mut self, ctx: &mut Ctx<'_>) {
        let timed_out = self.in_flight.take_timed_out(ctx);
        if !timed_out.is_empty() {
            for request in timed_out {
                self.produce_timed_out(ctx, request);
            }
            self.pump(ctx);
        }
    }

    fn produce_timed_out(&mut self, ctx: &mut Ctx<'_>, request: InFlight) {
        for batch in request.batches {
            self.retry_or_fail(ctx, batch, ErrorCode::RequestTimedOut, None);
        }
    }

    fn retry_or_fail(
        &mut self,
        ctx: &mut Ctx<'_>,
        mut batch: ProducerBatch,
        error: ErrorCode,
        message: Option<String>,
    ) {
        let now = ctx.now();
        self.metadata.note_error(error);
        let in_time = now < batch.created + self.config.delivery_timeout;
        let attempts_left = batch.attempts <= self.config.retries;
        // An idempotent batch refused as out of order behind an earlier batch that is itself
        // being retried will be in order once that one lands; behind a batch that failed for
        // good, it goes out again with the bumped epoch and a new sequence: retry it either way.
        let out_of_order = error == ErrorCode::OutOfOrderSequenceNumber;
        // Refused as out of order though a later sequence was acknowledged: an earlier attempt
        // of it was written (the broker only remembers the last 5 batches). Sending it again
        // would duplicate it.
        let already_written = out_of_order
            && batch.header.as_ref().is_some_and(|h| {
                self.last_acked
                    .get(&batch.tp)
                    .is_some_and(|&acked| h.last_sequence() <= acked)
            });
        let behind_a_retry = out_of_order
            && !already_written
            && (self.epoch_bump || self.earlier_unacknowledged(&batch));
        if (error.is_retriable() || behind_a_retry) && in_time && attempts_left {
            // RecordAccumulator: the n-th retry waits backoff(n - 1), exponential with jitter.
            let wait = crate::backoff::backoff(
                self.config.retry_backoff,
                self.config.retry_backoff_max,
                batch.attempts.saturating_sub(1),
                ctx.rng(),
            );
            batch.retry_at = Some(now + wait);
            batch.last_error = Some(error);
            // Out of order means not written: safe to stamp again under the new epoch.
            batch.resequence |= self.epoch_bump && error == ErrorCode::OutOfOrderSequenceNumber;
            self.accumulator.reenqueue(batch);
        } else if !in_time {
            let timeout = self.config.delivery_timeout.as_millis();
            self.fail_batch(ctx, &batch, expiry_message(&batch, timeout));
        } else {
            self.fail_batch(ctx, &batch, Outcome::Failed { error, message });
        }
    }

    fn earlier_unacknowledged(&self, batch: &ProducerBatch) -> bool {
        let Some(sequence) = batch.header.as_ref().map(|h| h.base_sequence) else {
            return false;
        };
        let in_flight = self
            .in_flight
            .values()
            .flat_map(|r| r.batches.iter())
            .filter(|b| b.tp == batch.tp)
            .filter_map(|b| b.header.as_ref().map(|h| h.base_sequence));
        let queued = self.accumulator.queued_sequences(&batch.tp);
        in_flight.chain(queued).any(|s| s < sequence)
    }
}

/// What `drain` does with a partition's next batch.
pub(super) enum HeadDecision {
    /// Ready, and nothing holds it back: it goes in the next request to this leader, if the
    /// leader takes one.
    Send(BrokerId),
    /// It stays queued for now.
    Wait,
    /// It stays queued, and the producer asks for metadata: the partition has no leader.
    NoLeader,
}

fn expiry_message(batch: &ProducerBatch, timeout_ms: u64) -> Outcome {
    Outcome::Exception {
        message: format!(
            "TimeoutException: Expiring {} record(s) for {}:{timeout_ms} ms has passed since batch creation",
            batch.records.len(),
            batch.tp
        ),
    }
}
