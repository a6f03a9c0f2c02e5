//! Transaction verification (KIP-890 part 1, `transaction.partition.verification.enable`, on by
//! default since Kafka 3.6): before a partition leader appends the first batch of a
//! producer's transaction on a partition, it asks the transaction coordinator whether that
//! partition is in the producer's open transaction at that epoch (AddPartitionsToTxn with
//! `VerifyOnly`, Kafka's `AddPartitionsToTxnManager`). The produce request waits for the
//! answer; a batch the coordinator does not vouch for is refused instead of appended.
//!
//! Without it, a batch delayed past the end of its transaction (its producer's buffer, a
//! retry) could land on a partition that has no state for its producer (a topic deleted and
//! created again, a partition the producer never wrote to) and open a transaction there that
//! no marker of its own would close: the next transaction's COMMIT would make it visible, an
//! aborted write read by read_committed consumers.

use super::Broker;
use super::produce::answer;
use crate::alarm::Alarm;
use crate::error::ErrorCode;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, Extension, ProducePartitionResponse,
    ProduceRequest, TopicPartition, TxnRequest,
};
use crate::time::{SimDuration, SimTime};
use crate::txn::TxnMessage;
use std::rc::Rc;

/// The broker's `request.timeout.ms` for its AddPartitionsToTxn requests (30000).
const VERIFICATION_TIMEOUT: SimDuration = SimDuration::from_millis(30_000);

/// A produce request held until the coordinator answers.
#[derive(Clone, Debug)]
struct Verifying {
    /// The AddPartitionsToTxn request's correlation id.
    correlation_id: u64,
    /// The producer and its produce request's correlation id.
    to: (NodeId, u64),
    request: ProduceRequest,
    /// The partitions asked about.
    partitions: Vec<TopicPartition>,
    /// When the broker stops waiting (Kafka's NetworkClient times the request out).
    deadline: SimTime,
}

/// The produce requests a broker holds for verification.
#[derive(Clone, Debug, Default)]
pub(crate) struct Verifications {
    waiting: Vec<Verifying>,
    /// The `TxnVerificationTimeouts` timers for their deadlines.
    timeouts: Alarm,
}

/// The answer for a partition the coordinator did not vouch for, as Kafka's
/// `AddPartitionsToTxnManager` and `ReplicaManager` translate it for a producer that adds its
/// partitions itself: errors it would not retry or not expect become ones it handles.
fn refused(tp: &TopicPartition, error: ErrorCode) -> ProducePartitionResponse {
    let (error, message) = match error {
        // Producers expect INVALID_PRODUCER_EPOCH from a produce, not PRODUCER_FENCED.
        ErrorCode::ProducerFenced => (ErrorCode::InvalidProducerEpoch, None),
        ErrorCode::TransactionAbortable | ErrorCode::InvalidTxnState => (
            ErrorCode::InvalidTxnState,
            Some("Partition was not added to the transaction".to_owned()),
        ),
        // Retriable at the coordinator but unknown to a produce: NOT_ENOUGH_REPLICAS makes
        // the producer retry without a metadata refresh.
        ErrorCode::NetworkException
        | ErrorCode::CoordinatorLoadInProgress
        | ErrorCode::CoordinatorNotAvailable
        | ErrorCode::NotCoordinator
        | ErrorCode::ConcurrentTransactions => (
            ErrorCode::NotEnoughReplicas,
            Some(format!(
                "Unable to verify the partition has been added to the transaction. Underlying error: {error}"
            )),
        ),
        other => (other, None),
    };
    answer(tp, error, None, message)
}

impl Broker {
    /// The partitions of `request` whose batch would start its producer's transaction on a
    /// partition this broker leads: those Kafka verifies. A partition it does not lead is
    /// refused at the append anyway.
    pub(super) fn unverified_partitions(&self, request: &ProduceRequest) -> Vec<TopicPartition> {
        if request.transactional_id.0.is_none() {
            return Vec::new();
        }
        let opens_a_transaction = |batch: &&crate::protocol::ProduceBatch| {
            let header = &batch.header;
            let Some(producer_id) = header.producer_id.filter(|_| header.transactional) else {
                return false;
            };
            self.replicas.get(&batch.tp).is_some_and(|replica| {
                replica.leadership.is_some()
                    && !(replica.producers).in_transaction(producer_id, header.producer_epoch)
            })
        };
        let batches = request.batches.iter().filter(opens_a_transaction);
        batches.map(|batch| batch.tp.clone()).collect()
    }

    /// Asks the transaction coordinator about `partitions` and holds `request` until it
    /// answers; with no coordinator known, those partitions are refused at once.
    pub(super) fn verify_partitions(
        &mut self,
        ctx: &mut Ctx<'_>,
        to: (NodeId, u64),
        request: ProduceRequest,
        partitions: Vec<TopicPartition>,
    ) {
        let Some(transactional_id) = request.transactional_id.0.clone() else {
            unreachable!(
                "broker {}: verifying a produce without a transactional id",
                self.id
            )
        };
        let Some(header) = (request.batches.iter())
            .find(|b| b.tp == partitions[0])
            .map(|b| &b.header)
        else {
            unreachable!(
                "broker {}: verifying {partitions:?}, not in the request",
                self.id
            )
        };
        let (producer_id, producer_epoch) = (
            header.producer_id.unwrap_or_default(),
            header.producer_epoch,
        );
        let coordinator = crate::txn::coordinator_partition(&self.image, &transactional_id)
            .and_then(|(_, state)| state.leader)
            .and_then(|leader| self.directory.get(&leader).copied());
        let Some(coordinator) = coordinator else {
            let failed = (partitions.iter())
                .map(|tp| refused(tp, ErrorCode::CoordinatorNotAvailable))
                .collect();
            return self.append_produce(ctx, to, request, failed);
        };
        let correlation_id = self.next_correlation_id();
        let verify = AddPartitionsToTxnRequest {
            transactional_id,
            producer_id,
            producer_epoch,
            partitions: partitions.clone(),
            verify_only: Extension(true),
        };
        let body = TxnRequest::AddPartitionsToTxn(verify);
        // `NetworkUtils.buildNetworkClient("AddPartitionsManager", ..)` names its client so.
        let client_id = Rc::from(format!("AddPartitionsManager-client-{}", self.id));
        ctx.send(
            coordinator,
            TxnMessage::request(correlation_id, client_id, body),
        );
        let deadline = ctx.now() + VERIFICATION_TIMEOUT;
        let verifications = &mut self.verifications;
        (verifications.timeouts).arm(ctx, deadline, Timer::TxnVerificationTimeouts);
        verifications.waiting.push(Verifying {
            correlation_id,
            to,
            request,
            partitions,
            deadline,
        });
    }

    /// The coordinator answered: append what it vouched for, refuse the rest. An answer to a
    /// request the broker stopped waiting for is dropped, as Kafka's NetworkClient drops it.
    pub(super) fn on_verified(
        &mut self,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
        response: AddPartitionsToTxnResponse,
    ) {
        let Some(verifying) = self.take_verifying(correlation_id) else {
            return;
        };
        let answered = |tp: &TopicPartition| {
            let found = response.partitions.0.iter().find(|(p, _)| p == tp);
            found.map_or(response.error, |(_, error)| *error)
        };
        let failed = (verifying.partitions.iter())
            .map(|tp| (tp, answered(tp)))
            .filter(|(_, error)| *error != ErrorCode::None)
            .map(|(tp, error)| refused(tp, error))
            .collect();
        self.append_produce(ctx, verifying.to, verifying.request, failed);
    }

    /// The coordinator's process died with the request unanswered (the world resets the
    /// connection): NETWORK_EXCEPTION for the partitions asked about. `false` when
    /// `correlation_id` is not a verification's.
    pub(super) fn on_verification_reset(&mut self, ctx: &mut Ctx<'_>, correlation_id: u64) -> bool {
        let Some(verifying) = self.take_verifying(correlation_id) else {
            return false;
        };
        self.give_up(ctx, verifying);
        true
    }

    /// `TxnVerificationTimeouts`: the requests past their deadline are answered as a
    /// disconnect is (Kafka's handler treats a timeout and a disconnect alike).
    pub(super) fn expire_verifications(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        self.verifications.timeouts.went_off(now);
        let (expired, waiting) = std::mem::take(&mut self.verifications.waiting)
            .into_iter()
            .partition(|v| v.deadline <= now);
        self.verifications.waiting = waiting;
        let deadlines = self.verifications.waiting.iter().map(|v| v.deadline);
        let timer = Timer::TxnVerificationTimeouts;
        self.verifications
            .timeouts
            .arm_earliest(ctx, deadlines, timer);
        for verifying in expired {
            self.give_up(ctx, verifying);
        }
    }

    fn give_up(&mut self, ctx: &mut Ctx<'_>, verifying: Verifying) {
        let failed = (verifying.partitions.iter())
            .map(|tp| refused(tp, ErrorCode::NetworkException))
            .collect();
        self.append_produce(ctx, verifying.to, verifying.request, failed);
    }

    fn take_verifying(&mut self, correlation_id: u64) -> Option<Verifying> {
        let waiting = &mut self.verifications.waiting;
        let at = waiting
            .iter()
            .position(|v| v.correlation_id == correlation_id)?;
        Some(waiting.remove(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinator_errors_become_the_ones_a_producer_handles() {
        let tp = TopicPartition::new("orders", 0);
        let cases = [
            (
                ErrorCode::ProducerFenced,
                ErrorCode::InvalidProducerEpoch,
                None,
            ),
            (
                ErrorCode::TransactionAbortable,
                ErrorCode::InvalidTxnState,
                Some("Partition was not added to the transaction"),
            ),
            (
                ErrorCode::CoordinatorNotAvailable,
                ErrorCode::NotEnoughReplicas,
                Some(
                    "Unable to verify the partition has been added to the transaction. Underlying error: COORDINATOR_NOT_AVAILABLE",
                ),
            ),
            (
                ErrorCode::InvalidProducerIdMapping,
                ErrorCode::InvalidProducerIdMapping,
                None,
            ),
        ];
        for (from, to, message) in cases {
            let response = refused(&tp, from);
            assert_eq!(
                (response.error, response.error_message.as_deref()),
                (to, message),
                "{from}"
            );
        }
    }
}
