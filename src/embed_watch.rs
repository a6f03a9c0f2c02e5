//! What an embedded playground tells its host about the run as it goes: leaders elected (from
//! the simulation's events), records acknowledged (from the producers' history) and anomalies
//! (from the safety checker). Each poll reports only what is new since the last one; a new run
//! (a load, a rewind) starts afresh without replaying its past, so a host hears what happens
//! after it connected and never the same thing twice.

use crate::embed_protocol::Detail;
use crate::sim_handle::SimHandle;
use kafka_sim::EventKind;
use kafka_sim::check::Anomaly;
use kafka_sim::{Outcome, Request, SimTime};
use std::collections::BTreeSet;

/// At most this many events and acknowledgements are read per poll: a poll at 100× can see
/// thousands, and a host that wants every record should read the run, not the event stream.
const NEWS_MAX: usize = 200;
/// The checker runs on every this many polls with a moving clock (it reads the whole run).
const CHECK_EVERY: u32 = 4;

/// Where the reports stand for the run being watched.
#[derive(Default)]
pub struct Watch {
    run: Option<SimHandle>,
    /// The index of the newest event already seen.
    event_seen: Option<usize>,
    /// Acknowledgements up to this moment are reported.
    acked_until: SimTime,
    /// Anomalies already reported (by kind and detail).
    anomalies_seen: BTreeSet<String>,
    polls: u32,
    checked_at: SimTime,
}

impl Watch {
    /// The named events (`leader-elected`, `record-acknowledged`, `anomaly`) since the last
    /// poll, oldest first.
    pub fn news(&mut self, sim: &SimHandle) -> Vec<(&'static str, Detail)> {
        let now = sim.now();
        if self.run.as_ref() != Some(sim) || now < self.acked_until {
            self.start(sim);
            return Vec::new();
        }
        let mut news = self.events(sim);
        news.extend(self.acknowledgements(sim, now));
        self.polls += 1;
        if self.polls.is_multiple_of(CHECK_EVERY) && now != self.checked_at {
            self.checked_at = now;
            news.extend(
                self.new_anomalies(sim)
                    .into_iter()
                    .map(|(anomaly, detail)| ("anomaly", Detail::Anomaly { anomaly, detail })),
            );
        }
        news
    }

    /// Starts watching `sim` from where it stands.
    fn start(&mut self, sim: &SimHandle) {
        self.run = Some(sim.clone());
        self.event_seen = sim.recent_events(1, "").first().map(|(index, _)| *index);
        self.acked_until = sim.now();
        self.checked_at = sim.now();
        self.anomalies_seen.clear();
        // What the checker finds already is the past too.
        self.new_anomalies(sim);
    }

    fn events(&mut self, sim: &SimHandle) -> Vec<(&'static str, Detail)> {
        let seen = self.event_seen;
        let fresh: Vec<_> = sim
            .recent_events(NEWS_MAX, "")
            .into_iter()
            .take_while(|(index, _)| seen.is_none_or(|seen| *index > seen))
            .collect();
        if let Some((newest, _)) = fresh.first() {
            self.event_seen = Some(*newest);
        }
        fresh
            .into_iter()
            .rev()
            .filter_map(|(_, event)| match &event.kind {
                EventKind::LeaderChanged {
                    tp,
                    from,
                    to: Some(leader),
                    leader_epoch,
                    unclean,
                    why,
                } => Some((
                    "leader-elected",
                    Detail::Leader {
                        at_ms: event.at.as_millis(),
                        leader: *leader,
                        leader_epoch: *leader_epoch,
                        partition: tp.partition,
                        previous: *from,
                        text: event.kind.to_string(),
                        topic: tp.topic.to_string(),
                        unclean: *unclean,
                        why,
                    },
                )),
                _ => None,
            })
            .collect()
    }

    fn acknowledgements(&mut self, sim: &SimHandle, now: SimTime) -> Vec<(&'static str, Detail)> {
        let since = self.acked_until;
        self.acked_until = now;
        let mut acked: Vec<_> = sim
            .recent_operations(NEWS_MAX)
            .into_iter()
            .filter_map(|op| {
                let at = op.completed_at.filter(|at| *at > since && *at <= now)?;
                let Outcome::Acked {
                    partition, offset, ..
                } = op.outcome
                else {
                    return None;
                };
                let (topic, key, value) = match op.request {
                    Request::Produce {
                        topic, key, value, ..
                    } => (topic, key, Some(value)),
                    Request::Send {
                        topic, key, value, ..
                    } => (
                        topic.to_string(),
                        key.as_deref().map(str::to_owned),
                        value.as_deref().map(str::to_owned),
                    ),
                    _ => return None,
                };
                Some((
                    at,
                    Detail::Acked {
                        at_ms: at.as_millis(),
                        key,
                        offset,
                        partition,
                        producer: op.client.to_string(),
                        topic,
                        value,
                    },
                ))
            })
            .collect();
        kafka_sim::sorted::sort_by_key(&mut acked, |(at, _)| *at);
        acked
            .into_iter()
            .map(|(_, detail)| ("record-acknowledged", detail))
            .collect()
    }

    /// Anomalies the checker finds that were not reported yet. A partition without a leader
    /// is left out: mid-run it is a moment of an election, not a finding (the checker means it
    /// for a run that was healed and settled).
    fn new_anomalies(&mut self, sim: &SimHandle) -> Vec<(String, String)> {
        sim.check()
            .into_iter()
            .filter(|v| v.anomaly != Anomaly::Offline)
            .filter(|v| {
                self.anomalies_seen
                    .insert(format!("{}: {}", v.anomaly, v.detail))
            })
            .map(|v| (v.anomaly.to_string(), v.detail))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn json(detail: &Detail) -> Value {
        serde_json::to_value(detail).expect("json")
    }
    use kafka_sim::{Command, SimDuration};

    fn lesson_run(id: &str) -> SimHandle {
        let lesson = crate::lessons::find(id).expect("the lesson parses");
        let sim = SimHandle::restore(crate::lessons::session(&lesson));
        sim.finish_seek();
        sim
    }

    fn names(news: &[(&str, Detail)]) -> Vec<String> {
        news.iter().map(|(name, _)| (*name).to_owned()).collect()
    }

    #[test]
    fn a_crash_reports_the_new_leader_once() {
        let sim = lesson_run("unclean-leader-election");
        let mut watch = Watch::default();
        assert!(watch.news(&sim).is_empty(), "the past is not news");
        sim.apply(Command::CrashBroker {
            broker: 1,
            kind: Default::default(),
        })
        .expect("crashed");
        let mut news = Vec::new();
        for _ in 0..40 {
            sim.advance(SimDuration::from_millis(500));
            news.extend(watch.news(&sim));
        }
        let elected: Vec<_> = news
            .iter()
            .filter(|(n, _)| *n == "leader-elected")
            .collect();
        assert_eq!(elected.len(), 1, "{:?}", names(&news));
        assert_eq!(json(&elected[0].1)["topic"], "clicks");
        assert_eq!(json(&elected[0].1)["leader"], 2);
        assert_eq!(json(&elected[0].1)["previous"], 1);
    }

    #[test]
    fn acknowledgements_and_a_lost_write_are_reported() {
        let sim = lesson_run("acks");
        let lesson = crate::lessons::find("acks").expect("acks");
        let mut watch = Watch::default();
        watch.news(&sim);
        let mut news = Vec::new();
        // Step 2 (acks=1, leader cut off, a send), then crash the leader, then heal.
        for step in &lesson.steps[2..=4] {
            for command in step.commands.iter().chain(&step.solution) {
                let _ = sim.apply(command.clone());
            }
            for _ in 0..40 {
                sim.advance(SimDuration::from_millis(500));
                news.extend(watch.news(&sim));
            }
        }
        let acked: Vec<_> = news
            .iter()
            .filter(|(n, _)| *n == "record-acknowledged")
            .collect();
        assert!(
            acked
                .iter()
                .any(|(_, d)| json(d)["value"] == "one-1" && json(d)["producer"] == "leader-only"),
            "{news:?}"
        );
        assert!(
            news.iter()
                .any(|(n, d)| *n == "anomaly" && json(d)["anomaly"] == "lost-write"),
            "{:?}",
            names(&news)
        );
        let anomalies = news.iter().filter(|(n, _)| *n == "anomaly").count();
        for _ in 0..10 {
            sim.advance(SimDuration::from_millis(500));
            let again = watch.news(&sim);
            assert!(
                again.iter().all(|(n, _)| *n != "anomaly"),
                "reported once ({anomalies})"
            );
        }
    }

    #[test]
    fn a_rewind_starts_afresh() {
        let sim = lesson_run("acks");
        let mut watch = Watch::default();
        watch.news(&sim);
        let crashed_at = sim.now();
        let crash = Command::CrashBroker {
            broker: 1,
            kind: Default::default(),
        };
        sim.apply(crash).expect("crashed");
        sim.advance(SimDuration::from_millis(20_000));
        assert_eq!(names(&watch.news(&sim)), ["leader-elected"]);
        sim.seek(crashed_at);
        assert!(watch.news(&sim).is_empty(), "a rewind reports nothing");
        sim.advance(SimDuration::from_millis(20_000));
        assert_eq!(
            names(&watch.news(&sim)),
            ["leader-elected"],
            "the replay elects again, and that is reported once"
        );
    }
}
