//! A client's requests waiting for their answers, as Kafka's `NetworkClient` keeps them in
//! `InFlightRequests`: each request numbered with a correlation id its answer carries back,
//! and a `request.timeout.ms` timer that fails it when no answer comes. One helper for every
//! client kind (the admin client, producer, consumer and share consumer), so they number,
//! time out and forget requests alike.

use crate::client::Bootstrap;
use crate::node::{Connection, Ctx, Timer};
use crate::protocol::{BrokerId, Message};
use crate::time::SimDuration;
use std::collections::BTreeMap;

/// What a client is waiting for, by correlation id; `K` says what each request was for.
#[derive(Clone, Debug)]
pub(crate) struct InFlightRequests<K> {
    /// The last correlation id used.
    last_correlation_id: u64,
    waiting: BTreeMap<u64, K>,
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
        self.insert(correlation_id, kind);
        ctx.send(node, build(correlation_id));
        ctx.set_timer(timeout, Timer::ClientRequestTimeout { correlation_id });
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

    /// Waits for the answer to `correlation_id`, sent by the caller.
    pub(crate) fn insert(&mut self, correlation_id: u64, kind: K) {
        let earlier = self.waiting.insert(correlation_id, kind);
        assert!(
            earlier.is_none(),
            "correlation id {correlation_id} numbered twice"
        );
    }

    /// What the request `correlation_id` was for, if it still waits: its answer came or its
    /// timer fired, so it waits no more. `None` for an answer already given up on.
    pub(crate) fn complete(&mut self, correlation_id: u64) -> Option<K> {
        self.waiting.remove(&correlation_id)
    }

    /// The requests waiting, oldest first.
    pub(crate) fn values(&self) -> impl Iterator<Item = &K> {
        self.waiting.values()
    }

    /// The requests waiting, oldest first, to change what they wait for.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut K> {
        self.waiting.values_mut()
    }

    /// Gives up on the requests `keep` says no to (a client that lost its coordinator stops
    /// waiting for the coordinator's answers; they are ignored if they come).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.waiting.retain(|_, kind| keep(kind));
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
    pub(crate) fn abandon(&mut self) -> Vec<K> {
        std::mem::take(&mut self.waiting).into_values().collect()
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
