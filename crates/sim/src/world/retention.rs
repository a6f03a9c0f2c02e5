//! The brokers' log-retention task and log cleaner, run beside the event queue. Kafka's
//! `LogManager` schedules "kafka-log-retention" on its own scheduler thread,
//! `log.initial.task.delay.ms` (30000) after start and every `log.retention.check.interval.ms`
//! (300000) after that; its `LogCleaner` thread looks for a log to compact and, finding none,
//! sleeps `log.cleaner.backoff.ms` (15000). Here the world runs both at those instants,
//! before any queued entry due later, without queueing anything: a run that deletes or cleans
//! nothing leaves no mark on the trace, so runs whose logs never reach their retention limits
//! and host no compacted log keep their fingerprint.

use super::World;
use super::nodes::Node;
use crate::broker::Broker;
use crate::net::NodeId;
use crate::time::{SimDuration, SimTime};

/// `log.initial.task.delay.ms`'s default.
const INITIAL_TASK_DELAY: SimDuration = SimDuration::from_millis(30_000);

/// A broker's periodic log task; at one instant retention runs first, as the tasks of one
/// broker run in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum LogTask {
    /// `UnifiedLog.deleteOldSegments` on every log whose policy deletes.
    Retention,
    /// The log cleaner on every log whose policy compacts.
    Cleaner,
}

impl World {
    /// A broker process started: its retention task's first run is due after the initial
    /// delay, its cleaner's after one backoff.
    pub(super) fn schedule_retention(&mut self, node: NodeId) {
        let Node::Broker(broker) = &self.slots[node.0 as usize].node else {
            return;
        };
        let cleaner = self.now + broker.log_cleaner_backoff();
        self.retention_checks
            .insert((node, LogTask::Retention), self.now + INITIAL_TASK_DELAY);
        self.retention_checks
            .insert((node, LogTask::Cleaner), cleaner);
        self.retention_due = self.earliest_retention_check();
    }

    /// A broker process stopped: its scheduler stops with it.
    pub(super) fn unschedule_retention(&mut self, node: NodeId) {
        let before = self.retention_checks.len();
        self.retention_checks.retain(|&(n, _), _| n != node);
        if self.retention_checks.len() != before {
            self.retention_due = self.earliest_retention_check();
        }
    }

    fn earliest_retention_check(&self) -> SimTime {
        self.retention_checks
            .values()
            .copied()
            .min()
            .unwrap_or(SimTime::from_micros(u64::MAX))
    }

    /// Runs every retention check and cleaner pass due at or before `until`, in time order
    /// (brokers in id order at one instant). A paused broker's tasks are frozen with it: their
    /// runs are skipped.
    pub(super) fn run_retention_checks(&mut self, until: SimTime) {
        while self.retention_due <= until {
            let at = self.retention_due;
            let due: Vec<(NodeId, LogTask)> = self
                .retention_checks
                .iter()
                .filter(|&(_, &when)| when == at)
                .map(|(&task, _)| task)
                .collect();
            self.now = self.now.max(at);
            for (node, task) in due {
                let Node::Broker(broker) = &self.slots[node.0 as usize].node else {
                    unreachable!("a {task:?} run for {node:?}, which is not a broker")
                };
                let (interval, work) = match task {
                    LogTask::Retention => (broker.log_retention_check_interval(), true),
                    // A broker with no compacted log has nothing for its cleaner to look at.
                    LogTask::Cleaner => {
                        (broker.log_cleaner_backoff(), broker.hosts_compacted_log())
                    }
                };
                self.retention_checks.insert((node, task), at + interval);
                if work && !self.slots[node.0 as usize].paused {
                    match task {
                        LogTask::Retention => self.run_broker(node, Broker::check_retention),
                        LogTask::Cleaner => self.run_broker(node, Broker::clean_logs),
                    }
                }
            }
            self.retention_due = self.earliest_retention_check();
        }
    }
}
