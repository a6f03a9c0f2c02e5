//! The broker's side of the transaction coordinator it hosts (`txn/service.rs`): it routes the
//! transaction requests and timers to it, tells it which `__transaction_state` partitions it
//! now leads, and is its [`TxnHost`]: the metadata image, the brokers' addresses, correlation
//! and producer ids, and appends as the partition's leader.

use super::Broker;
use super::coordinator::AfterAppend;
use crate::error::ErrorCode;
use crate::metadata::MetadataImage;
use crate::net::NodeId;
use crate::node::{Ctx, Timer};
use crate::protocol::{
    BatchHeader, BrokerId, Record, RecordData, TopicPartition, TxnRequest, TxnResponse,
};
use crate::txn::{
    Appended, TRANSACTION_TOPIC, TxnCoordinator, TxnHost, TxnMessage, TxnPersisted, TxnSettings,
};
use std::rc::Rc;

/// The configs the transaction coordinator runs with.
pub(super) fn txn_settings(config: &super::BrokerConfig) -> TxnSettings {
    TxnSettings {
        max_timeout: config.transaction_max_timeout,
        offsets_partitions: config.offsets_topic_num_partitions,
    }
}

impl Broker {
    /// Runs `f` on the transaction coordinator with this broker as its host. The coordinator
    /// is out of the broker meanwhile: what it asks of its host never reaches it again, as
    /// the host hands appends done at once back to it instead of finishing them itself.
    fn with_transactions(&mut self, f: impl FnOnce(&mut TxnCoordinator, &mut Broker)) {
        let Some(mut transactions) = self.transactions.take() else {
            unreachable!("broker {}: the transaction coordinator re-entered", self.id)
        };
        f(&mut transactions, self);
        self.transactions = Some(transactions);
    }

    pub(super) fn handle_txn_message(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: NodeId,
        message: TxnMessage,
    ) {
        match message {
            // A partition leader's API, not the coordinator's.
            TxnMessage::Request(header, TxnRequest::WriteTxnMarkers(request)) => {
                self.handle_write_txn_markers(ctx, (from, header.correlation_id), request);
            }
            // The answer to this broker's verification, as a partition leader.
            TxnMessage::Response(header, TxnResponse::AddPartitionsToTxn(response)) => {
                self.on_verified(ctx, header.correlation_id, response);
            }
            message => self.with_transactions(|txn, host| txn.handle(host, ctx, from, message)),
        }
    }

    pub(super) fn on_txn_timer(&mut self, ctx: &mut Ctx<'_>, timer: Timer) {
        self.with_transactions(|txn, host| txn.on_timer(host, ctx, timer));
    }

    /// The leader a WriteTxnMarkers request went to died before answering.
    pub(super) fn on_txn_marker_connection_reset(
        &mut self,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
    ) {
        self.with_transactions(|txn, _| txn.on_marker_connection_reset(ctx, correlation_id));
    }

    /// A transaction's state write is replicated (or failed).
    pub(super) fn on_txn_persisted(
        &mut self,
        ctx: &mut Ctx<'_>,
        persisted: TxnPersisted,
        error: ErrorCode,
    ) {
        self.with_transactions(|txn, host| txn.on_persisted(host, ctx, persisted, error));
    }

    /// After metadata changes: tell the transaction coordinator which `__transaction_state`
    /// partitions this broker no longer leads and which it now leads (it loads them).
    pub(super) fn update_transaction_partitions(&mut self, ctx: &mut Ctx<'_>) {
        let leading: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(tp, r)| &*tp.topic == TRANSACTION_TOPIC && r.leadership.is_some())
            .map(|(tp, _)| tp.clone())
            .collect();
        let partitions = self
            .image
            .topics
            .get(TRANSACTION_TOPIC)
            .map_or(0, |t| t.partitions.len() as u32);
        self.with_transactions(|txn, host| {
            let lost: Vec<TopicPartition> = txn
                .loaded()
                .iter()
                .filter(|tp| !leading.contains(tp))
                .cloned()
                .collect();
            for tp in lost {
                txn.on_resignation(&tp, partitions);
            }
            for tp in leading {
                if !txn.loaded().contains(&tp) {
                    txn.on_election(host, ctx, &tp, partitions);
                }
            }
        });
    }

    /// A producer id no other broker hands out: Kafka brokers take blocks of ids from the
    /// controller; here they derive them from their broker epoch, unique per registration.
    pub(super) fn allocate_producer_id(&mut self) -> u64 {
        self.next_producer_id += 1;
        (self.broker_epoch.unwrap_or_default() << 20) | self.next_producer_id
    }
}

impl TxnHost for Broker {
    fn image(&self) -> &MetadataImage {
        &self.image
    }

    fn node(&self, id: BrokerId) -> Option<NodeId> {
        self.directory.get(&id).copied()
    }

    fn records(&self, tp: &TopicPartition) -> Option<&crate::chunked::Chunked<Record>> {
        Some(self.replicas.get(tp)?.log.records())
    }

    fn next_correlation_id(&mut self) -> u64 {
        Broker::next_correlation_id(self)
    }

    fn allocate_producer_id(&mut self) -> u64 {
        Broker::allocate_producer_id(self)
    }

    fn append(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        record: Rc<RecordData>,
        then: TxnPersisted,
    ) -> Appended {
        let then = AfterAppend::Txn(Box::new(then));
        let header = BatchHeader::default();
        if let Err(failed) = self.append_for_coordinator(ctx, &tp, header, vec![record], then) {
            return Appended {
                done: txn_writes(self.id, vec![failed]),
                progressed: None,
            };
        }
        // The leader's progress up to its coordinator writes, which the coordinator finishes
        // before `appended` wakes the fetches waiting on `tp` (as `leader_progress` orders it).
        self.advance_leader(ctx, &tp);
        let done = self.take_completed_appends(&tp);
        Appended {
            done: txn_writes(self.id, done),
            progressed: Some(tp),
        }
    }

    fn appended(&mut self, ctx: &mut Ctx<'_>, tp: &TopicPartition) {
        self.wake_parked(ctx, tp);
    }
}

/// The transaction coordinator's writes among `done` (a `__transaction_state` partition holds
/// no other).
fn txn_writes(
    broker: BrokerId,
    done: Vec<(AfterAppend, ErrorCode)>,
) -> Vec<(TxnPersisted, ErrorCode)> {
    done.into_iter()
        .map(|(then, error)| match then {
            AfterAppend::Txn(persisted) => (*persisted, error),
            other => unreachable!(
                "broker {broker}: {other:?} was written to a __transaction_state partition"
            ),
        })
        .collect()
}
