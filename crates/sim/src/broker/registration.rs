//! Registration with the controller, as Kafka's `BrokerLifecycleManager` does it: one
//! BrokerRegistration in flight at a time; an attempt with no answer within half the broker
//! session timeout is given up (its connection closed, so its answer, should it come, is
//! dropped), and the next one follows an exponential backoff.
//!
//! Each attempt that reaches the controller gets a new broker epoch, and heartbeats must quote
//! the last one. So a broker must never act on the answer to an attempt it has given up: an
//! earlier version retried on a timer with attempts still in flight, kept the first epoch it
//! was answered while the controller held a later one, and stayed fenced for good.

use super::Broker;
use crate::error::ErrorCode;
use crate::node::{Ctx, Timer};
use crate::time::SimDuration;

/// How long an attempt may wait for its answer: `broker.session.timeout.ms` (9 s) / 2, the
/// retry timeout Kafka's `BrokerServer` gives the lifecycle manager's controller channel
/// (KAFKA-14392), which also caps that channel's request timeout.
const ATTEMPT_TIMEOUT: SimDuration = SimDuration::from_millis(4_500);

/// The backoff between failed attempts: `ExponentialBackoff(100, 2, broker.session.timeout.ms
/// / 2, 0.02)` in Kafka 4.0's `BrokerLifecycleManager`. The cap was the whole session timeout
/// until apache/kafka #19061: a broker that waited that long between heartbeats was fenced.
const BACKOFF_INITIAL: SimDuration = SimDuration::from_millis(100);
const BACKOFF_MAX: SimDuration = SimDuration::from_millis(4_500);
const BACKOFF_JITTER_MILLIONTHS: u64 = 20_000;

/// Where this incarnation's registration stands.
#[derive(Clone, Debug, Default)]
pub(super) struct Registration {
    /// The correlation id of the attempt in flight.
    in_flight: Option<u64>,
    /// Failed attempts since the last success (`failedAttempts`), for the backoff.
    failures: u32,
}

impl Broker {
    pub(super) fn register(&mut self, ctx: &mut Ctx<'_>) {
        let correlation_id = self.next_correlation_id();
        self.registration.in_flight = Some(correlation_id);
        ctx.send(
            self.controller(),
            crate::protocol::Message::BrokerRegistration {
                correlation_id,
                broker_id: self.id,
                incarnation: self.incarnation,
                rack: self.rack.clone(),
            },
        );
        ctx.set_timer(
            ATTEMPT_TIMEOUT,
            Timer::BrokerRegistrationTimeout { correlation_id },
        );
    }

    pub(super) fn on_registration_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        correlation_id: u64,
        error: ErrorCode,
        broker_epoch: u64,
        controller_hint: Option<u32>,
    ) {
        if self.registration.in_flight != Some(correlation_id) {
            // An attempt given up on: Kafka closed its connection, so it never sees this.
            return;
        }
        self.registration.in_flight = None;
        match error {
            ErrorCode::None => {
                assert!(
                    self.broker_epoch.is_none(),
                    "broker {}: registered twice in one incarnation ({:?}, then {broker_epoch})",
                    self.id,
                    self.broker_epoch
                );
                self.registration.failures = 0;
                // Registered, still STARTING: it catches up with the metadata log first.
                self.broker_epoch = Some(broker_epoch);
                self.fetch_metadata(ctx);
                self.heartbeat(ctx);
            }
            // Kafka's controller channel sends the same request again to the active controller
            // as soon as it knows which one that is.
            ErrorCode::NotController if controller_hint.is_some() => {
                self.follow_controller_hint(controller_hint);
                self.register(ctx);
            }
            // No hint: perhaps the next controller is active.
            ErrorCode::NotController => {
                self.next_controller();
                self.retry_registration(ctx);
            }
            // DUPLICATE_BROKER_REGISTRATION: the active controller answered; the broker asks it
            // again after the backoff, as Kafka's lifecycle manager does.
            _ => self.retry_registration(ctx),
        }
    }

    pub(super) fn on_registration_timeout(&mut self, ctx: &mut Ctx<'_>, correlation_id: u64) {
        if self.registration.in_flight == Some(correlation_id) {
            self.registration.in_flight = None;
            // Perhaps that controller is down or no longer active.
            self.next_controller();
            self.retry_registration(ctx);
        }
    }

    /// The backoff's timer. It is set only once an attempt has failed, and nothing else
    /// registers while it runs (a crash takes it along), so no attempt is in flight or
    /// answered now.
    pub(super) fn on_registration_retry(&mut self, ctx: &mut Ctx<'_>) {
        assert!(
            self.broker_epoch.is_none() && self.registration.in_flight.is_none(),
            "broker {}: a registration backoff ran out with epoch {:?} and attempt {:?} in flight",
            self.id,
            self.broker_epoch,
            self.registration.in_flight
        );
        self.register(ctx);
    }

    fn retry_registration(&mut self, ctx: &mut Ctx<'_>) {
        let wait = crate::backoff::exponential(
            (BACKOFF_INITIAL, BACKOFF_MAX),
            self.registration.failures,
            BACKOFF_JITTER_MILLIONTHS,
            ctx.rng(),
        );
        self.registration.failures += 1;
        ctx.set_timer(wait, Timer::BrokerRegistrationRetry);
    }
}
