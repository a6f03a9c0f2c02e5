//! A client's requests waiting for their answers, as Kafka's `NetworkClient` keeps them in
//! `InFlightRequests`: each request numbered with a correlation id its answer carries back,
//! and a `request.timeout.ms` deadline that fails it when no answer comes. One helper for
//! every client kind (the admin client, producer, consumer and share consumer), so they
//! number, time out and forget requests alike.

use crate::alarm::Alarm;
use crate::client::Bootstrap;
use crate::node::{Connection, Ctx, Timer};
use crate::protocol::{BrokerId, Message};
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// What a client is waiting for, by correlation id; `K` says what each request was for.
#[derive(Clone, Debug)]
pub(crate) struct InFlightRequests<K> {
    /// The last correlation id used.
    last_correlation_id: u64,
    /// Each request waiting, with its deadline when this table times it out (`None`: its
    /// sender set a timer of its own).
    waiting: BTreeMap<u64, (K, Option<SimTime>)>,
    /// The `ClientRequestTimeouts` timers that go off at the deadlines, as
    /// `NetworkClient.poll` sleeps until the earliest and then fails what timed out: most
    /// requests are answered in milliseconds, and a timer each would wait 30 s for nothing.
    timeouts: Alarm,
}

impl<K> Default for InFlightRequests<K> {
    /// The requests of a process's own client.
    fn default() -> Self {
        InFlightRequests::on(Connection::Main)
    }
}

impl<K> InFlightRequests<K> {
    /// Requests of the client on `connection` of its process, numbered apart from the other
    /// client's ([`Connection::first_correlation_id`]).
    pub(crate) fn on(connection: Connection) -> Self {
        InFlightRequests {
            last_correlation_id: connection.first_correlation_id(),
            waiting: BTreeMap::new(),
            timeouts: Alarm::default(),
        }
    }

    /// The next correlation id, for a request this table does not track (one nothing answers,
    /// or one its caller keeps apart, as the producer keeps its transaction's).
    pub(crate) fn next_correlation_id(&mut self) -> u64 {
        self.last_correlation_id += 1;
        self.last_correlation_id
    }

    /// Numbers a request for `kind`, sends `build(correlation id)` to broker `broker`, and
    /// times it out after `timeout` (the client's `request.timeout.ms`). False, and nothing
    /// sent, when the client does not know where the broker is.
    pub(crate) fn send_to<M: Into<Message>>(
        &mut self,
        ctx: &mut Ctx<'_>,
        bootstrap: &Bootstrap,
        broker: BrokerId,
        timeout: SimDuration,
        kind: K,
        build: impl FnOnce(u64) -> M,
    ) -> bool {
        let Some(node) = bootstrap.node(broker) else {
            return false;
        };
        let correlation_id = self.next_correlation_id();
        ctx.send(node, build(correlation_id));
        self.insert_until(ctx, correlation_id, kind, timeout);
        true
    }

    /// Numbers a request any broker can answer (Metadata, FindCoordinator) and sends it to
    /// the next bootstrap broker in turn, timed out after `timeout`.
    pub(crate) fn send_any<M: Into<Message>>(
        &mut self,
        ctx: &mut Ctx<'_>,
        bootstrap: &mut Bootstrap,
        timeout: SimDuration,
        kind: K,
        build: impl FnOnce(u64) -> M,
    ) {
        let correlation_id = self.next_correlation_id();
        self.insert(correlation_id, kind);
        bootstrap.send(ctx, build(correlation_id).into(), correlation_id, timeout);
    }

    /// Waits for the answer to `correlation_id`, sent by the caller, which times it out
    /// itself.
    pub(crate) fn insert(&mut self, correlation_id: u64, kind: K) {
        self.wait(correlation_id, kind, None);
    }

    /// Waits for the answer to `correlation_id`, sent by the caller just now, and times it
    /// out after `timeout`: [`Self::take_timed_out`] gives it back once a
    /// `ClientRequestTimeouts` timer goes off at or after then.
    pub(crate) fn insert_until(
        &mut self,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
        kind: K,
        timeout: SimDuration,
    ) {
        let deadline = ctx.now() + timeout;
        self.wait(correlation_id, kind, Some(deadline));
        self.timeouts
            .arm(ctx, deadline, Timer::ClientRequestTimeouts);
    }

    fn wait(&mut self, correlation_id: u64, kind: K, deadline: Option<SimTime>) {
        let earlier = self.waiting.insert(correlation_id, (kind, deadline));
        assert!(
            earlier.is_none(),
            "correlation id {correlation_id} numbered twice"
        );
    }

    /// What the request `correlation_id` was for, if it still waits: its answer came or its
    /// timer fired, so it waits no more. `None` for an answer already given up on.
    pub(crate) fn complete(&mut self, correlation_id: u64) -> Option<K> {
        self.waiting.remove(&correlation_id).map(|(kind, _)| kind)
    }

    /// A `ClientRequestTimeouts` timer went off: the requests whose deadline has passed wait
    /// no more and are returned, oldest first, to fail with `REQUEST_TIMED_OUT`; the timer for
    /// the next deadline is armed.
    pub(crate) fn take_timed_out(&mut self, ctx: &mut Ctx<'_>) -> Vec<K> {
        let now = ctx.now();
        self.timeouts.went_off(now);
        let due: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(_, (_, deadline))| deadline.is_some_and(|at| at <= now))
            .map(|(&id, _)| id)
            .collect();
        let timed_out = due.iter().filter_map(|id| self.complete(*id)).collect();
        let next = self.waiting.values().filter_map(|(_, deadline)| *deadline);
        self.timeouts
            .arm_earliest(ctx, next, Timer::ClientRequestTimeouts);
        timed_out
    }

    /// The requests waiting, oldest first.
    pub(crate) fn values(&self) -> impl Iterator<Item = &K> {
        self.waiting.values().map(|(kind, _)| kind)
    }

    /// The requests waiting, oldest first, to change what they wait for.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut K> {
        self.waiting.values_mut().map(|(kind, _)| kind)
    }

    /// Gives up on the requests `keep` says no to (a client that lost its coordinator stops
    /// waiting for the coordinator's answers; they are ignored if they come).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.waiting.retain(|_, (kind, _)| keep(kind));
    }

    /// How many requests wait.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether no request waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The process died: every request is given up on (returned, oldest first), and the next
    /// process numbers on from here. A new Java process numbers from 0 again, but on new
    /// connections, so a late answer to the dead process never reaches it; with no
    /// connections per process here, the ids go on instead, so an answer to the dead
    /// process's request is never taken for the answer to one of the new process's.
    /// Its timers die with the process too.
    pub(crate) fn abandon(&mut self) -> Vec<K> {
        self.timeouts = Alarm::default();
        let waiting = std::mem::take(&mut self.waiting).into_values();
        waiting.map(|(kind, _)| kind).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_s_two_clients_never_share_a_correlation_id() {
        let mut consumer = InFlightRequests::<()>::on(Connection::Main);
        let mut producer = InFlightRequests::<()>::on(Connection::AppProducer);
        let consumer_ids: Vec<u64> = (0..1000).map(|_| consumer.next_correlation_id()).collect();
        let producer_ids: Vec<u64> = (0..1000).map(|_| producer.next_correlation_id()).collect();
        assert_eq!((consumer_ids[0], producer_ids[0]), (1, (1 << 40) + 1));
        assert!(consumer_ids.iter().all(|id| !producer_ids.contains(id)));
    }

    #[test]
    fn one_timer_at_the_earliest_deadline_times_out_what_is_due_and_arms_the_next() {
        use crate::net::NodeId;
        use crate::node::Outbox;
        use crate::rng::SimRng;
        use crate::time::SimTime;
        let mut rng = SimRng::new(1);
        let mut requests = InFlightRequests::on(Connection::Main);
        let timeout = SimDuration::from_millis(30_000);
        // Sends "a", "b" and "c" 10 ms apart at 0 s; "b" is answered at once.
        let mut timers = Vec::new();
        for (ms, kind) in [(0, "a"), (10, "b"), (20, "c")] {
            let mut out = Outbox::default();
            let mut ctx = Ctx::new(SimTime::from_millis(ms), NodeId(0), &mut rng, &mut out);
            let id = requests.next_correlation_id();
            requests.insert_until(&mut ctx, id, kind, timeout);
            timers.extend(
                out.timers
                    .iter()
                    .map(|(after, _, t)| (ms + after.as_millis(), t.clone())),
            );
        }
        assert_eq!(
            timers,
            [(30_000, Timer::ClientRequestTimeouts)],
            "one timer serves all three"
        );
        assert_eq!(requests.complete(2), Some("b"));
        let mut out = Outbox::default();
        let mut ctx = Ctx::new(SimTime::from_millis(30_000), NodeId(0), &mut rng, &mut out);
        assert_eq!(requests.take_timed_out(&mut ctx), ["a"]);
        let next: Vec<u64> = out
            .timers
            .iter()
            .map(|(after, _, _)| after.as_millis())
            .collect();
        assert_eq!(next, [20], "armed for c's deadline, 30.020 s");
        assert_eq!(requests.values().collect::<Vec<_>>(), [&"c"]);
        // After a crash, the timers died with the process: a new request arms its own.
        requests.abandon();
        let mut out = Outbox::default();
        let mut ctx = Ctx::new(SimTime::from_millis(30_005), NodeId(0), &mut rng, &mut out);
        let id = requests.next_correlation_id();
        requests.insert_until(&mut ctx, id, "d", timeout);
        assert_eq!(out.timers.len(), 1);
    }

    #[test]
    fn an_answer_completes_its_request_once_and_a_crash_keeps_the_numbering() {
        let mut requests = InFlightRequests::on(Connection::Main);
        let first = requests.next_correlation_id();
        requests.insert(first, "metadata");
        let second = requests.next_correlation_id();
        requests.insert(second, "fetch");
        assert_eq!(requests.complete(first), Some("metadata"));
        assert_eq!(
            requests.complete(first),
            None,
            "a late second answer is ignored"
        );
        assert_eq!(requests.abandon(), vec!["fetch"]);
        assert!(requests.is_empty());
        assert_eq!(requests.next_correlation_id(), second + 1);
    }
}
