//! The brokers' log-retention task, run beside the event queue. Kafka's `LogManager` schedules
//! "kafka-log-retention" on its own scheduler thread, `log.initial.task.delay.ms` (30000)
//! after start and every `log.retention.check.interval.ms` (300000) after that. Here the world
//! runs it at those instants, before any queued entry due later, without queueing anything:
//! a check that deletes nothing leaves no mark on the trace, so runs whose logs never reach
//! their retention limits keep their fingerprint.

use super::World;
use super::nodes::Node;
use crate::broker::Broker;
use crate::net::NodeId;
use crate::time::{SimDuration, SimTime};

/// `log.initial.task.delay.ms`'s default.
const INITIAL_TASK_DELAY: SimDuration = SimDuration::from_millis(30_000);

impl World {
    /// A broker process started: its retention task's first run is due after the initial
    /// delay.
    pub(super) fn schedule_retention(&mut self, node: NodeId) {
        if matches!(self.slots[node.0 as usize].node, Node::Broker(_)) {
            self.retention_checks
                .insert(node, self.now + INITIAL_TASK_DELAY);
            self.retention_due = self.retention_due.min(self.now + INITIAL_TASK_DELAY);
        }
    }

    /// A broker process stopped: its scheduler stops with it.
    pub(super) fn unschedule_retention(&mut self, node: NodeId) {
        if self.retention_checks.remove(&node).is_some() {
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

    /// Runs every retention check due at or before `until`, in time order (brokers in id
    /// order at one instant). A paused broker's task is frozen with it: its runs are skipped.
    pub(super) fn run_retention_checks(&mut self, until: SimTime) {
        while self.retention_due <= until {
            let at = self.retention_due;
            let due: Vec<NodeId> = self
                .retention_checks
                .iter()
                .filter(|&(_, &when)| when == at)
                .map(|(&node, _)| node)
                .collect();
            self.now = self.now.max(at);
            for node in due {
                let interval = match &self.slots[node.0 as usize].node {
                    Node::Broker(broker) => broker.log_retention_check_interval(),
                    _ => unreachable!("a retention check for {node:?}, which is not a broker"),
                };
                self.retention_checks.insert(node, at + interval);
                if !self.slots[node.0 as usize].paused {
                    self.run_broker(node, Broker::check_retention);
                }
            }
            self.retention_due = self.earliest_retention_check();
        }
    }
}
