//! The timers a node keeps for one purpose, as few as its deadlines need.
//!
//! A node cannot take back a timer it set, so one timer per deadline (per request's
//! `request.timeout.ms`, per batch's `delivery.timeout.ms`, per parked produce) left the queue
//! a timer for every deadline met long ago: tens of thousands in a busy cluster, each popped
//! for nothing 30 s later, and held alone by every rewind copy taken in between. Kafka does not
//! keep them either: a client's `NetworkClient.poll` sleeps until its earliest deadline and then
//! looks for requests that timed out, and the broker's purgatory cancels an operation's timer
//! when it completes. Here a timer already set at or before a deadline serves it: when it goes
//! off, the node handles whatever is due by then and arms the next deadline it still has.

use crate::node::{Ctx, Timer};
use crate::time::SimTime;

/// The times of the timers set for one purpose that have not gone off yet.
///
/// Timers die with the process that set them: an `Alarm` lives in state a crash resets, or the
/// owner resets it on a crash, or it would wait for a timer that never comes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Alarm {
    set: Vec<SimTime>,
}

impl Alarm {
    /// Sets `timer` to go off at `at`, unless a timer set before goes off at or before it
    /// (whatever that one wakes arms the next deadline).
    pub(crate) fn arm(&mut self, ctx: &mut Ctx<'_>, at: SimTime, timer: Timer) {
        let now = ctx.now();
        assert!(at >= now, "an alarm armed for {at:?}, before now ({now:?})");
        if !self.set.iter().any(|&set| set <= at) {
            self.set.push(at);
            ctx.set_timer(at - now, timer);
        }
    }

    /// Arms `timer` for the earliest of `deadlines` after now, if any.
    pub(crate) fn arm_earliest(
        &mut self,
        ctx: &mut Ctx<'_>,
        deadlines: impl IntoIterator<Item = SimTime>,
        timer: Timer,
    ) {
        let now = ctx.now();
        if let Some(at) = deadlines.into_iter().filter(|&at| at > now).min() {
            self.arm(ctx, at, timer);
        }
    }

    /// One of its timers went off: every timer due by `now` has gone off (or goes off now, or
    /// when a paused process resumes), and the handler that runs now is the one each was set
    /// for.
    pub(crate) fn went_off(&mut self, now: SimTime) {
        self.set.retain(|&at| at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NodeId;
    use crate::node::Outbox;
    use crate::rng::SimRng;
    use crate::time::SimDuration;

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    /// Arms the alarm at `now` for each deadline and says which timers it set, as delays.
    fn armed(alarm: &mut Alarm, now: SimTime, deadlines: &[u64]) -> Vec<SimDuration> {
        let mut rng = SimRng::new(1);
        let mut out = Outbox::default();
        let mut ctx = Ctx::new(now, NodeId(0), &mut rng, &mut out);
        for &deadline in deadlines {
            alarm.arm(&mut ctx, at(deadline), Timer::ProducerWakeup);
        }
        out.timers.iter().map(|(after, _, _)| *after).collect()
    }

    #[test]
    fn a_timer_set_at_or_before_a_deadline_serves_it_and_an_earlier_deadline_gets_its_own() {
        let mut alarm = Alarm::default();
        let set = armed(
            &mut alarm,
            at(0),
            &[30_000, 30_001, 40_000, 30_000, 5_000, 6_000],
        );
        let millis: Vec<u64> = set.iter().map(|d| d.as_millis()).collect();
        assert_eq!(millis, [30_000, 5_000]);
        alarm.went_off(at(5_000));
        assert_eq!(
            armed(&mut alarm, at(5_000), &[31_000]),
            [],
            "30 s serves it"
        );
        alarm.went_off(at(30_000));
        let set = armed(&mut alarm, at(30_000), &[31_000]);
        assert_eq!(
            set,
            [SimDuration::from_millis(1_000)],
            "nothing left serves it"
        );
    }

    #[test]
    fn a_timer_held_past_its_time_by_a_paused_process_counts_as_gone_off() {
        let mut alarm = Alarm::default();
        armed(&mut alarm, at(0), &[1_000, 500]);
        alarm.went_off(at(2_000));
        assert_eq!(armed(&mut alarm, at(2_000), &[2_500]).len(), 1);
    }
}
