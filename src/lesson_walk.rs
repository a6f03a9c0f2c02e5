//! Moving between a lesson's steps. Back returns the run to the moment the step began, so its
//! task can be done again (a step that says "stop broker 2" cannot be redone on a cluster where
//! broker 2 stayed stopped). The later steps' moments stay on the timeline, as after any
//! rewind, until the reader acts: then the run branches and they are gone. Next after a Back
//! therefore goes forward to where the next step began if that history is still there, and
//! applies the step's commands anew if it is not. The page's own lessons and an embed's lesson
//! walk the same way.

use crate::lesson_format::LessonStep;
use crate::sim_handle::{Moment, SimHandle};
use kafka_sim::Command;
use yew::Callback;

/// What moving to another step does to the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMove {
    /// Apply the step's commands now: this is when the step begins.
    Apply,
    /// Jump to the point where the step began: the run still holds what came after it.
    Seek(Moment),
    /// Leave the run as it is.
    Stay,
}

/// Where the run goes when the reader moves from step `from` to step `to`. `entered` holds
/// the point where each step began (its commands applied), as far as the reader has gone;
/// `now` is where the run stands; `logged(at)` says whether the run's history still holds the
/// step's commands as the last given by `at` (false for a step without commands: nothing
/// there tells that the history survived).
pub fn step_move(
    entered: &[Moment],
    from: usize,
    to: usize,
    now: Moment,
    logged: impl Fn(Moment) -> bool,
) -> StepMove {
    let began = entered.get(to).copied();
    if to < from {
        // Progress stored before steps kept their points goes back to the text only.
        return match began {
            Some(at) if at != now => StepMove::Seek(at),
            _ => StepMove::Stay,
        };
    }
    match began {
        // Forward through a history the reader rewound: to where the step began, or on from
        // a later point of it the reader has played to.
        Some(at) if logged(at) => match at > now {
            true => StepMove::Seek(at),
            false => StepMove::Stay,
        },
        _ => StepMove::Apply,
    }
}

/// Moves the run of `sim` as the reader goes from step `from` to step `to` of a lesson with
/// `steps`: applies the step's commands through `on_command`, or jumps with `on_seek`. Returns
/// what it did and the steps' points after it.
pub fn go(
    sim: &SimHandle,
    steps: &[LessonStep],
    entered: &[Moment],
    (from, to): (usize, usize),
    on_command: &Callback<Command>,
    on_seek: &Callback<Moment>,
) -> (StepMove, Vec<Moment>) {
    let commands = steps.get(to).map_or(&[][..], |s| &s.commands[..]);
    let change = step_move(entered, from, to, sim.moment(), |at| {
        sim.logged(at, commands)
    });
    let mut entered = entered.to_vec();
    match change {
        StepMove::Apply => {
            commands.iter().for_each(|c| on_command.emit(c.clone()));
            entered_at(&mut entered, to, sim.moment());
        }
        StepMove::Seek(at) => on_seek.emit(at),
        StepMove::Stay => {}
    }
    (change, entered)
}

/// The furthest later step whose beginning the run has passed going forward from `before` to
/// `now`: after a Back the later steps' history stays ahead of the clock, and playing on (or
/// jumping forward) through it gives their commands again, so the panel follows to that step
/// rather than show an earlier one while a later one's commands act. `logged` is
/// [`SimHandle::logged`] with the step's commands: once the reader has acted, the run branched
/// and nothing is replayed.
pub fn replayed(
    entered: &[Moment],
    step: usize,
    (before, now): (Moment, Moment),
    logged: impl Fn(usize, Moment) -> bool,
) -> Option<usize> {
    (step + 1..entered.len()).rev().find(|&later| {
        before < entered[later] && entered[later] <= now && logged(later, entered[later])
    })
}

/// [`replayed`] for a lesson's `steps` on the run of `sim`.
pub fn replayed_on(
    sim: &SimHandle,
    steps: &[LessonStep],
    entered: &[Moment],
    step: usize,
    before: Moment,
) -> Option<usize> {
    replayed(entered, step, (before, sim.moment()), |later, at| {
        steps
            .get(later)
            .is_some_and(|s| sim.logged(at, &s.commands))
    })
}

/// Where the run stood at the last draw not in a jump, so that each draw can tell which later
/// step's beginning the run has passed since ([`replayed`]): the page's lesson and an embed's
/// keep one each.
#[derive(Debug, Default)]
pub struct Seen(Option<Moment>);

impl Seen {
    /// Notes where the run of `sim` stands now (unless `busy`: a world half replayed is at no
    /// moment the reader asked for) and returns the step the panel is to follow to, if any.
    pub fn follow(
        &mut self,
        sim: &SimHandle,
        busy: bool,
        (steps, entered): (&[LessonStep], &[Moment]),
        step: usize,
    ) -> Option<usize> {
        if busy {
            return None;
        }
        let before = self.0.replace(sim.moment())?;
        replayed_on(sim, steps, entered, step, before)
    }
}

/// Which step was seen done, and where in the run. Once met, a step stays done (what it
/// showed may pass in a moment at 100x) until the run goes back before that point: then it is
/// to be met again. The page may draw the new step once before a Back's rewind has happened;
/// what it judges there is forgotten when the rewind lands.
#[derive(Debug)]
pub struct Met<K>(Option<(K, Moment)>);

impl<K> Default for Met<K> {
    fn default() -> Self {
        Met(None)
    }
}

impl<K: PartialEq> Met<K> {
    /// Whether step `key` was met at or before `now`.
    pub fn holds(&self, key: &K, now: Moment) -> bool {
        matches!(&self.0, Some((met, at)) if met == key && *at <= now)
    }

    /// Whether step `key` is done at `now` (met before and not rewound past, or `holds()`
    /// now, judged only when it is not), and whether it was met just now.
    pub fn judge(&mut self, key: K, now: Moment, holds: impl FnOnce() -> bool) -> (bool, bool) {
        if self.holds(&key, now) {
            return (true, false);
        }
        let met = holds();
        if met {
            self.0 = Some((key, now));
        }
        (met, met)
    }
}

/// Records that step `to` began at `now`: the points of the steps after it belonged to a
/// history that has just been replaced.
pub fn entered_at(entered: &mut Vec<Moment>, to: usize, now: Moment) {
    entered.truncate(to);
    // Steps skipped over (none in the page, which moves one at a time) began at the same point.
    let last = entered.last().copied().unwrap_or(now);
    entered.resize(to, last);
    entered.push(now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sim::{SimDuration, SimTime};

    /// A point `ms` into a run that gives a command a second.
    fn t(ms: u64) -> Moment {
        Moment {
            at: SimTime::from_millis(ms),
            commands: (ms / 1_000) as usize,
        }
    }

    #[test]
    fn back_rewinds_to_where_the_step_began() {
        let entered = [t(2_000), t(5_000), t(9_000)];
        assert_eq!(
            step_move(&entered, 2, 1, t(12_000), |_| true),
            StepMove::Seek(t(5_000))
        );
        // Already there (Back twice in a paused clock, say): nothing to rebuild.
        assert_eq!(
            step_move(&entered, 2, 1, t(5_000), |_| true),
            StepMove::Stay
        );
        // The same moment, but the reader acted there since: back before it.
        let acted = Moment {
            commands: 6,
            ..t(5_000)
        };
        assert_eq!(
            step_move(&entered, 2, 1, acted, |_| true),
            StepMove::Seek(t(5_000))
        );
        // Stored before the points were kept: the text goes back, the run stays.
        assert_eq!(step_move(&[], 2, 1, t(12_000), |_| true), StepMove::Stay);
    }

    #[test]
    fn next_after_back_returns_to_the_history_that_is_still_there() {
        let entered = [t(2_000), t(5_000), t(9_000)];
        // Rewound to 5 s and nothing done since: forward to where step 2 began.
        assert_eq!(
            step_move(&entered, 1, 2, t(5_000), |at| at == t(9_000)),
            StepMove::Seek(t(9_000))
        );
        // Played past it: its commands have been replayed already.
        assert_eq!(
            step_move(&entered, 1, 2, t(10_000), |_| true),
            StepMove::Stay
        );
        // The reader acted after the rewind: the history with step 2 in it is gone.
        assert_eq!(
            step_move(&entered, 1, 2, t(5_000), |_| false),
            StepMove::Apply
        );
        // A step never reached.
        assert_eq!(
            step_move(&entered, 2, 3, t(12_000), |_| true),
            StepMove::Apply
        );
    }

    #[test]
    fn a_step_stays_met_until_the_run_goes_back_before_it() {
        let mut met = Met::default();
        assert_eq!(met.judge(3, t(5_000), || true), (true, true));
        assert!(met.holds(&3, t(9_000)), "what it showed may have passed");
        assert!(!met.holds(&4, t(9_000)), "another step");
        assert_eq!(
            met.judge(3, t(9_000), || false),
            (true, false),
            "not judged again"
        );
        assert!(met.holds(&3, t(6_000)), "met from its first point on");
        assert!(!met.holds(&3, t(4_000)), "rewound before it");
        let same_moment = Moment {
            commands: 4,
            ..t(5_000)
        };
        assert!(
            !met.holds(&3, same_moment),
            "before the command that met it"
        );
    }

    #[test]
    fn a_new_beginning_forgets_the_later_steps_points() {
        let mut entered = vec![t(2_000), t(5_000), t(9_000)];
        entered_at(&mut entered, 2, t(7_000));
        assert_eq!(entered, [t(2_000), t(5_000), t(7_000)]);
        entered_at(&mut entered, 1, t(6_000));
        assert_eq!(entered, [t(2_000), t(6_000)]);
        entered_at(&mut entered, 4, t(8_000));
        assert_eq!(entered, [t(2_000), t(6_000), t(6_000), t(6_000), t(8_000)]);
    }

    fn topics(sim: &SimHandle) -> Vec<String> {
        sim.view().topics.iter().map(|t| t.name.clone()).collect()
    }

    fn create(name: &str) -> Command {
        serde_json::from_value(serde_json::json!({
            "command": "create_topic", "name": name, "partitions": 1, "replication_factor": 1
        }))
        .expect("a create_topic command")
    }

    /// A lesson whose steps 1 and 2 each create a topic: which topics exist says which
    /// steps' beginnings the run has been through.
    fn steps() -> Vec<LessonStep> {
        let step = |commands: Vec<Command>| LessonStep {
            text: crate::lesson_format::Text {
                en: String::new(),
                ko: String::new(),
            },
            commands,
            task: None,
            solution: Vec::new(),
            done: None,
            highlight: None,
            within_ms: None,
        };
        vec![
            step(vec![]),
            step(vec![create("a")]),
            step(vec![create("b")]),
        ]
    }

    /// The page's walk on a real run, its callbacks applying and jumping at once.
    fn walker(sim: &SimHandle) -> impl Fn(&[Moment], usize, usize) -> (StepMove, Vec<Moment>) {
        let on_command = {
            let sim = sim.clone();
            Callback::from(move |c| sim.apply(c).expect("the step's command applies"))
        };
        let on_seek = {
            let sim = sim.clone();
            Callback::from(move |at| sim.seek_to(at))
        };
        let (sim, steps) = (sim.clone(), steps());
        move |entered: &[Moment], from, to| {
            go(&sim, &steps, entered, (from, to), &on_command, &on_seek)
        }
    }

    #[test]
    fn the_run_goes_back_to_a_steps_beginning_and_forward_again_until_the_reader_acts() {
        let sim = SimHandle::new(7, 1);
        sim.advance(SimDuration::from_millis(5_000));
        let walk = walker(&sim);
        // The reader reads each step for 3 s.
        let read = || sim.advance(SimDuration::from_millis(3_000));
        let entered = vec![sim.moment()];
        read();
        let (_, entered) = walk(&entered, 0, 1);
        read();
        let (_, entered) = walk(&entered, 1, 2);
        read();
        assert_eq!(topics(&sim), ["a", "b"]);
        let (back, entered) = walk(&entered, 2, 1);
        assert_eq!(back, StepMove::Seek(entered[1]));
        assert_eq!(sim.moment(), entered[1]);
        assert_eq!(topics(&sim), ["a"], "step 1 began with a, before b");
        // Nothing done since: Next goes to where step 2 began, b replayed, not created twice.
        let (next, entered) = walk(&entered, 1, 2);
        assert_eq!(next, StepMove::Seek(entered[2]));
        assert_eq!(topics(&sim), ["a", "b"]);
        // Back, then the reader acts: the run branches, and Next begins step 2 anew.
        let (_, entered) = walk(&entered, 2, 1);
        // (3 s would replay b: the old future is the run's until the reader acts.)
        sim.advance(SimDuration::from_millis(1_000));
        sim.apply(create("mine")).unwrap();
        let before = entered[2];
        let (next, entered) = walk(&entered, 1, 2);
        assert_eq!(next, StepMove::Apply);
        assert_eq!(entered[2], sim.moment(), "step 2 began again, now");
        assert!(entered[2] != before);
        assert_eq!(topics(&sim), ["a", "b", "mine"], "b once, after mine");
    }

    /// With the clock paused, the reader's task is given at the very moment the step began:
    /// Back must undo it though no time passed, and so must a reload of the run saved there.
    #[test]
    fn back_undoes_what_was_done_at_the_moment_the_step_began() {
        let sim = SimHandle::new(7, 1);
        sim.advance(SimDuration::from_millis(5_000));
        let walk = walker(&sim);
        let (_, entered) = walk(&[sim.moment()], 0, 1);
        sim.apply(create("task")).unwrap();
        sim.advance(SimDuration::from_millis(3_000));
        let (_, entered) = walk(&entered, 1, 2);
        let (back, entered) = walk(&entered, 2, 1);
        assert_eq!(back, StepMove::Seek(entered[1]));
        assert_eq!(
            topics(&sim),
            ["a"],
            "the task is undone, step 1's own topic kept"
        );
        let reloaded = SimHandle::restore(sim.saved());
        reloaded.finish_seek();
        assert_eq!(reloaded.moment(), entered[1]);
        assert_eq!(topics(&reloaded), ["a"]);
        assert_eq!(reloaded.trace_hash(), sim.trace_hash());
        // Played on from there without acting, the old future comes again, task and all.
        sim.advance(SimDuration::from_millis(1));
        assert_eq!(topics(&sim), ["a", "task"]);
    }

    /// After Back, playing on through the kept history gives the later step's commands again:
    /// the panel follows to that step. Not before the run gets there, not when the Back's jump
    /// lands, and not once the reader has acted (the run branched).
    #[test]
    fn playing_on_after_back_through_the_kept_history_follows_to_the_later_step() {
        let sim = SimHandle::new(7, 1);
        sim.advance(SimDuration::from_millis(5_000));
        let walk = walker(&sim);
        let steps = steps();
        let entered = vec![sim.moment()];
        sim.advance(SimDuration::from_millis(3_000));
        let (_, entered) = walk(&entered, 0, 1);
        sim.advance(SimDuration::from_millis(3_000));
        let (_, entered) = walk(&entered, 1, 2);
        sim.advance(SimDuration::from_millis(3_000));
        let before_back = sim.moment();
        let (_, entered) = walk(&entered, 2, 1);
        // The jump back crossed nothing going forward.
        assert_eq!(replayed_on(&sim, &steps, &entered, 1, before_back), None);
        let landed = sim.moment();
        sim.advance(SimDuration::from_millis(1_000));
        assert_eq!(
            replayed_on(&sim, &steps, &entered, 1, landed),
            None,
            "step 2 began 3 s after step 1"
        );
        let played = sim.moment();
        sim.advance(SimDuration::from_millis(2_500));
        assert_eq!(topics(&sim), ["a", "b"], "step 2's command given again");
        assert_eq!(replayed_on(&sim, &steps, &entered, 1, played), Some(2));
        // Back again, and the reader acts: the run branches, so b is not replayed.
        let (_, entered) = walk(&entered, 2, 1);
        sim.apply(create("mine")).unwrap();
        let acted = sim.moment();
        sim.advance(SimDuration::from_millis(5_000));
        assert_eq!(topics(&sim), ["a", "mine"]);
        assert_eq!(replayed_on(&sim, &steps, &entered, 1, acted), None);
        // From step 0, a jump over both later beginnings follows to the furthest.
        let history = [entered[0], entered[1], entered[2]];
        let logged = |_: usize, _: Moment| true;
        let span = (entered[0], entered[2]);
        assert_eq!(replayed(&history, 0, span, logged), Some(2));
    }
}
