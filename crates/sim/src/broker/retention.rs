//! Log retention and compaction on a broker: the periodic task that deletes old segments of every hosted
//! log, leader or follower (Kafka's `LogManager.cleanupLogs` calling
//! `UnifiedLog.deleteOldSegments`), and a follower moving its log start offset up to the
//! leader's (`ReplicaFetcherThread.processPartitionData` calling
//! `UnifiedLog.maybeIncrementLogStartOffset` with reason `LeaderOffsetIncremented`).

use super::{Broker, Replica};
use crate::event::EventKind;
use crate::log::Deleted;
use crate::node::Ctx;
use crate::protocol::TopicPartition;

impl Broker {
    /// One run of the retention task at `ctx.now()`. The world runs it every
    /// `log.retention.check.interval.ms`; it sends nothing and sets no timer.
    pub(crate) fn check_retention(&mut self, ctx: &mut Ctx<'_>) {
        let now_ms = ctx.now().as_millis();
        let deleted = self.on_every_log(|replica| {
            let retention = replica.retention?;
            replica.log.delete_old_segments(now_ms, retention)
        });
        for (tp, gone) in deleted {
            self.stir_parked(&tp);
            self.emit_deleted(ctx, tp, gone, "retention");
        }
    }

    /// One pass of the log cleaner at `ctx.now()` over every hosted compacted log, leader or
    /// follower: each replica compacts its own log, as in Kafka. The world runs it every
    /// `log.cleaner.backoff.ms` (Kafka's cleaner thread cleans the dirtiest log and sleeps
    /// only when none is dirty enough; here one pass cleans every log that is).
    pub(crate) fn clean_logs(&mut self, ctx: &mut Ctx<'_>) {
        let now_ms = ctx.now().as_millis();
        let cleaned = self.on_every_log(|replica| {
            let compaction = replica.compaction?;
            replica.log.clean(now_ms, compaction)
        });
        for (tp, gone) in cleaned {
            self.stir_parked(&tp);
            ctx.emit(EventKind::LogCleaned {
                broker: self.id,
                tp,
                records: gone.records,
                tombstones: gone.tombstones,
                bytes: gone.bytes,
                from: gone.from,
                to: gone.to,
            });
        }
    }

    /// Runs a log task on every hosted replica, leader or follower, in partition order; what
    /// it did to each, for the events (emitted once the replicas are no longer borrowed).
    fn on_every_log<T>(
        &mut self,
        mut task: impl FnMut(&mut Replica) -> Option<T>,
    ) -> Vec<(TopicPartition, T)> {
        self.replicas
            .iter_mut()
            .filter_map(|(tp, replica)| Some((tp.clone(), task(replica)?)))
            .collect()
    }

    /// Whether any hosted log is compacted, so the cleaner has something to look at.
    pub(crate) fn hosts_compacted_log(&self) -> bool {
        self.replicas.values().any(|r| r.compaction.is_some())
    }

    /// A fetch answer said the leader's log starts at `leader_start`: records below it are no
    /// longer the follower's either.
    pub(super) fn follow_log_start(
        &mut self,
        ctx: &mut Ctx<'_>,
        tp: &TopicPartition,
        leader_start: u64,
    ) {
        let Some(replica) = self.replicas.get_mut(tp) else {
            return;
        };
        if let Some(gone) = replica.log.increment_log_start_offset(leader_start) {
            self.stir_parked(tp);
            self.emit_deleted(ctx, tp.clone(), gone, "below the leader's log start offset");
        }
    }

    fn emit_deleted(
        &self,
        ctx: &mut Ctx<'_>,
        tp: TopicPartition,
        gone: Deleted,
        why: &'static str,
    ) {
        ctx.emit(EventKind::SegmentsDeleted {
            broker: self.id,
            tp,
            segments: gone.segments,
            records: gone.records,
            log_start_offset: gone.to,
            why,
        });
    }
}
