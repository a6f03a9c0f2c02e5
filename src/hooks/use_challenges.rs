//! The challenges' part of the page: starting one (its setup as a new run, after asking when
//! the shown run would be replaced), judging the shown run against the open one as time passes,
//! and remembering which were met and how.

use crate::components::challenge_panel::ChallengePanel;
use crate::components::modal::Confirm;
use crate::hooks::judge::Judge;
use crate::lessons::Lang;
use crate::lessons::challenges::{self, ChallengeProgress, Met};
use crate::sim_handle::SimHandle;
use kafka_sim::Condition;
use yew::prelude::*;

/// What the lesson picker and the page need from the challenges.
pub struct ChallengesUi {
    /// Ids of the challenges met.
    pub met: Vec<String>,
    /// Start a challenge, by id (asks first when the shown run has work in it).
    pub open: Callback<String>,
    /// Leave the open challenge (a lesson starting replaces it).
    pub close: Callback<()>,
    /// The confirmation and the open challenge's panel.
    pub overlay: Html,
}

/// The challenges, wired to the page's run as the lessons are: `show` opens a challenge's setup
/// as a new run, and `on_start` tells the lessons to step aside.
#[hook]
pub fn use_challenges(
    embed: bool,
    sim: &SimHandle,
    show: &Callback<(SimHandle, Option<u32>)>,
    on_start: &Callback<()>,
    lang: Lang,
) -> ChallengesUi {
    let progress = use_state(ChallengeProgress::load);
    let asking = use_state(|| None::<String>);
    let judge = use_mut_ref(Judge::<String>::default);
    let update = {
        let progress = progress.clone();
        Callback::from(move |change: Box<dyn Fn(&mut ChallengeProgress)>| {
            let mut next = (*progress).clone();
            change(&mut next);
            next.save();
            progress.set(next);
        })
    };
    let start = {
        let (show, asking, update, on_start) = (
            show.clone(),
            asking.clone(),
            update.clone(),
            on_start.clone(),
        );
        Callback::from(move |id: String| {
            asking.set(None);
            if let Some(challenge) = challenges::find(&id) {
                let session = challenges::session(&challenge);
                let run = crate::persistence::save(None, &session);
                show.emit((SimHandle::restore(session), run));
                on_start.emit(());
                update.emit(Box::new(move |p| p.open = Some(id.clone())));
            }
        })
    };
    let open = {
        let (sim, start, asking) = (sim.clone(), start.clone(), asking.clone());
        Callback::from(move |id: String| {
            if sim.has_commands() {
                asking.set(Some(id))
            } else {
                start.emit(id)
            }
        })
    };
    let close = {
        let update = update.clone();
        Callback::from(move |()| update.emit(Box::new(|p| p.open = None)))
    };
    // An embed's run is its host page's, not the reader's: it judges no challenge of theirs
    // (and so never writes their progress).
    let challenge = progress
        .open
        .as_deref()
        .filter(|_| !embed)
        .and_then(challenges::find);
    let mut met = challenge
        .as_ref()
        .and_then(|c| progress.met.iter().find(|m| m.id == c.id).cloned());
    if let (Some(challenge), None) = (&challenge, &met)
        && judge
            .borrow_mut()
            .due(challenge.id.clone(), sim, js_sys::Date::now())
    {
        let goal = challenge.goal;
        if sim.holds(&Condition::ChallengeMet { goal }) {
            let verdict = challenges::verdict(&sim.saved(), goal);
            let found = Met {
                id: challenge.id.clone(),
                how: verdict.how,
                configuration: verdict.configuration,
            };
            met = Some(found.clone());
            update.emit(Box::new(move |p| {
                p.met.retain(|m| m.id != found.id);
                p.met.push(found.clone());
            }));
        }
    }
    let cancel = {
        let asking = asking.clone();
        Callback::from(move |()| asking.set(None))
    };
    let overlay = html! {
        <>
            if let Some(id) = (*asking).clone() {
                <Confirm title="Start this challenge?" message="A challenge starts a new run from its setup. This run stays under Runs, which keeps your 8 most recently saved runs."
                    confirm_label="Start the challenge" on_confirm={start.reform(move |()| id.clone())} on_cancel={cancel} />
            }
            if let Some(challenge) = challenge {
                <ChallengePanel {challenge} {met} {lang} on_close={close.clone()} />
            }
        </>
    };
    ChallengesUi {
        met: progress.met.iter().map(|m| m.id.clone()).collect(),
        open,
        close,
        overlay,
    }
}
