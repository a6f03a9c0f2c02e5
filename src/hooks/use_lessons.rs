//! The lessons' part of the page: the picker that greets a new visitor (never in an embed), the
//! toolbar's Lessons button, the confirmation before a lesson replaces the shown run, and the
//! panel of the open lesson with its condition judged against the world as time passes
//! (hooks/judge.rs says how often).

use crate::components::lesson_panel::LessonPanel;
use crate::components::lesson_picker::LessonPicker;
use crate::components::modal::Confirm;
use crate::hooks::judge::Judge;
use crate::hooks::use_challenges::use_challenges;
use crate::lesson_walk::{self, Met, StepMove};
use crate::lessons::{self, Lang, Progress, challenges};
use crate::sim_handle::Moment;
use crate::sim_handle::SimHandle;
use kafka_sim::Command;
use yew::prelude::*;

/// What the page places: the toolbar button, and the dialogs and panel below the toolbar.
pub struct LessonsUi {
    /// The Lessons button.
    pub button: Html,
    /// The picker, the confirmation and the open lesson's panel.
    pub overlay: Html,
}

/// The page's clock, as the lessons see it: whether it runs or jumps, and how to start or
/// stop it.
pub struct Clock {
    /// Whether time is running.
    pub playing: bool,
    /// A jump is rebuilding the run: the panel's buttons wait.
    pub jumping: bool,
    /// Plays (true) or pauses.
    pub on_play: Callback<bool>,
    /// Jumps to a point of the run (Back goes to where its step began).
    pub on_seek: Callback<Moment>,
}

/// The lessons, wired to the page's run: `show` opens a lesson's run as a new run (as New
/// cluster does), `on_command` applies a step's commands like any other action, and the
/// `clock` is paused when a step's condition is met while it runs (Next plays on); a jump
/// holds the panel's buttons. The picker greets a first visit unless the
/// page opened a share link (`opened_link`).
#[hook]
pub fn use_lessons(
    embed: bool,
    opened_link: bool,
    sim: &SimHandle,
    show: &Callback<(SimHandle, Option<u32>)>,
    on_command: &Callback<Command>,
    clock: &Clock,
) -> LessonsUi {
    let (playing, on_play, busy) = (clock.playing, &clock.on_play, clock.jumping);
    let progress = use_state(Progress::load);
    // Not over a shared run: whoever opens a link came to see what it holds (the picker says
    // each lesson starts a new run).
    let picking =
        use_state(|| !embed && !opened_link && !progress.dismissed && progress.active.is_none());
    let asking_lesson = use_state(|| None::<String>);
    let met = use_mut_ref(Met::<(String, usize)>::default);
    let judge = use_mut_ref(Judge::<(String, usize)>::default);
    // Whether the clock was paused because a step was done: Next plays on.
    let paused_for_step = use_mut_ref(|| false);
    // Where the run stood at the last draw not in a jump: a later step's beginning passed
    // since, going forward through the history a Back kept, moves the panel there.
    let seen = use_mut_ref(lesson_walk::Seen::default);
    let set_progress = {
        let progress = progress.clone();
        Callback::from(move |change: Box<dyn Fn(&mut Progress)>| {
            let mut next = (*progress).clone();
            change(&mut next);
            next.save();
            progress.set(next);
        })
    };
    // A challenge and a lesson each judge the run they started, so one replaces the other.
    let challenge_started = {
        let set = set_progress.clone();
        Callback::from(move |()| {
            set.emit(Box::new(|p| {
                p.active = None;
                p.dismissed = true;
            }))
        })
    };
    // The browser's language is asked once, not at every frame the page draws.
    let lang = *use_memo(progress.lang, |lang| {
        lang.unwrap_or_else(Lang::from_browser)
    });
    let challenges_ui = use_challenges(embed, sim, show, &challenge_started, lang);
    let start_lesson = {
        let (show, picking, asking, set, close_challenge) = (
            show.clone(),
            picking.clone(),
            asking_lesson.clone(),
            set_progress.clone(),
            challenges_ui.close.clone(),
        );
        Callback::from(move |id: String| {
            asking.set(None);
            picking.set(false);
            close_challenge.emit(());
            if let Some(lesson) = lessons::find(&id) {
                // Saved at once, so a reload reopens the lesson's run, not the one before it.
                let session = lessons::session(&lesson);
                let run = crate::persistence::save(None, &session);
                show.emit((SimHandle::restore(session), run));
                let opening = lessons::opening(&lesson);
                set.emit(Box::new(move |p| {
                    (p.dismissed, p.active, p.entered) =
                        (true, Some((id.clone(), 0)), vec![opening])
                }));
            }
        })
    };
    let open_lesson = {
        let (sim, start, asking) = (sim.clone(), start_lesson.clone(), asking_lesson.clone());
        Callback::from(move |id: String| {
            if sim.has_commands() {
                asking.set(Some(id))
            } else {
                start.emit(id)
            }
        })
    };
    let close_picker = {
        let (picking, set) = (picking.clone(), set_progress.clone());
        Callback::from(move |()| {
            picking.set(false);
            set.emit(Box::new(|p| p.dismissed = true));
        })
    };
    let on_lessons = {
        let picking = picking.clone();
        Callback::from(move |_: MouseEvent| picking.set(true))
    };
    let cancel_lesson = {
        let asking = asking_lesson.clone();
        Callback::from(move |()| asking.set(None))
    };
    // An embed shows the lesson its URL asks for (embed_lesson.rs), never the reader's own.
    let lesson = progress
        .active
        .as_ref()
        .filter(|_| !embed)
        .and_then(|(id, step)| Some((lessons::find(id)?, *step)));
    let mut pause_now = false;
    let mut follow_to = None;
    let lesson_panel = lesson.map(|(lesson, step)| {
        let walked = (&lesson.steps[..], &progress.entered[..]);
        follow_to = seen.borrow_mut().follow(sim, busy, walked, step);
        let on_step = {
            let (set, on_command, entered) = (
                set_progress.clone(),
                on_command.clone(),
                progress.entered.clone(),
            );
            let (lesson, paused, on_play, on_seek, sim) = (
                lesson.clone(),
                paused_for_step.clone(),
                on_play.clone(),
                clock.on_seek.clone(),
                sim.clone(),
            );
            Callback::from(move |to: usize| {
                let moves = (step, to);
                let (change, entered) =
                    lesson_walk::go(&sim, &lesson.steps, &entered, moves, &on_command, &on_seek);
                // Not "and the clock is paused": this callback may be the one drawn while the
                // clock still played, in the render whose effect then paused it. A jump
                // arrives paused, at the moment the step began.
                if std::mem::take(&mut *paused.borrow_mut())
                    && to > step
                    && !matches!(change, StepMove::Seek(_))
                {
                    on_play.emit(true);
                }
                set.emit(Box::new(move |p| {
                    if let Some(active) = p.active.as_mut() {
                        active.1 = to;
                    }
                    p.entered = entered.clone();
                }));
            })
        };
        let solution = lesson
            .steps
            .get(step)
            .map(|s| s.solution.clone())
            .unwrap_or_default();
        let on_show_me = {
            let on_command = on_command.clone();
            Callback::from(move |()| solution.iter().for_each(|c| on_command.emit(c.clone())))
        };
        // Once met, a step stays done (see `Met`): what it showed may pass quickly at 100x.
        let key = (lesson.id.clone(), step);
        let condition = lesson.steps.get(step).and_then(|s| s.done.as_ref());
        // Not judged mid-jump: a world half replayed is at no moment the reader asked for.
        let (done, just_met) = met.borrow_mut().judge(key.clone(), sim.moment(), || {
            condition.is_none_or(|c| {
                !busy
                    && judge
                        .borrow_mut()
                        .due(key.clone(), sim, js_sys::Date::now())
                    && sim.holds(c)
            })
        });
        let newly_met = just_met && condition.is_some();
        // What a step waited for may pass in a moment at 10x or 100x: the clock stops where
        // it happened, so the reader sees it.
        if newly_met && playing {
            *paused_for_step.borrow_mut() = true;
            pause_now = true;
        }
        let paused = done && !playing && *paused_for_step.borrow();
        let on_lang = {
            let set = set_progress.clone();
            Callback::from(move |lang| set.emit(Box::new(move |p| p.lang = Some(lang))))
        };
        let on_close = {
            let set = set_progress.clone();
            Callback::from(move |finished: bool| {
                set.emit(Box::new(move |p| {
                    if let (true, Some((id, _))) = (finished, &p.active)
                        && !p.finished.contains(id)
                    {
                        p.finished.push(id.clone());
                    }
                    p.active = None;
                }));
                // The panel and its ✕ are gone: the keyboard's focus goes back to where
                // lessons are opened, as when the picker closes.
                crate::focus::to_first("[data-testid=lessons]");
            })
        };
        html! { <LessonPanel {lesson} {step} {done} {paused} lang={lang} {busy}
        {on_step} {on_show_me} {on_lang} {on_close} /> }
    });
    {
        let on_play = on_play.clone();
        use_effect_with(pause_now, move |&pause| {
            if pause {
                on_play.emit(false);
            }
        });
    }
    {
        let set = set_progress.clone();
        use_effect_with(follow_to, move |&to| {
            if let Some(to) = to {
                set.emit(Box::new(move |p| {
                    if let Some(active) = p.active.as_mut() {
                        active.1 = to;
                    }
                }));
            }
        });
    }
    let button = if embed {
        Html::default()
    } else {
        html! {
            <button onclick={on_lessons} data-testid="lessons" title="Lessons that teach Kafka with this simulation">{ "Lessons" }</button>
        }
    };
    let open_challenge = {
        let (picking, open) = (picking.clone(), challenges_ui.open.clone());
        Callback::from(move |id: String| {
            picking.set(false);
            open.emit(id);
        })
    };
    let overlay = html! {
        <>
            if *picking {
                <LessonPicker lessons={lessons::all()} finished={progress.finished.clone()}
                    lang={lang} on_open={open_lesson} on_close={close_picker}
                    challenges={challenges::all()} met={challenges_ui.met.clone()} on_challenge={open_challenge} />
            }
            { challenges_ui.overlay }
            if let Some(id) = (*asking_lesson).clone() {
                <Confirm title="Start this lesson?" message="A lesson is a new run. This run stays under Runs, which keeps your 8 most recently saved runs."
                    confirm_label="Start the lesson" on_confirm={start_lesson.reform(move |()| id.clone())} on_cancel={cancel_lesson} />
            }
            { lesson_panel.unwrap_or_default() }
        </>
    };
    LessonsUi { button, overlay }
}
