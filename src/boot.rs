//! What the page opens on load. In order: a shared session in the fragment (a new run beside
//! the saved ones), else the run this tab was on, else the most recently saved run, unless the
//! URL asks for another seed, which starts a new run. An embed opens its link, its lesson or its
//! seed, and saves nothing. Nothing here overwrites a saved run: a
//! link that cannot be opened, or a run that cannot be read, leaves storage as it was and says
//! why.

use crate::embed_params::EmbedParams;
use crate::lessons;
use crate::persistence;
use crate::session::Session;
use crate::share;
use crate::sim_handle::SimHandle;
use crate::url::{page_fragment, page_seed_asked, page_shape, show_run};
use kafka_sim::SimTime;

/// The run the page starts with.
pub struct Boot {
    /// The cluster.
    pub sim: SimHandle,
    /// Its key among the saved runs (`None` until a new run is first saved).
    pub run_id: Option<u32>,
    /// Something the reader should know: a link or saved run that could not be opened.
    pub notice: Option<String>,
}

impl Boot {
    /// An embedded playground (`embed` given) never reads or writes the reader's runs.
    pub fn load(embed: Option<&EmbedParams>) -> Boot {
        let shared = share::from_fragment(&page_fragment()).map(share::decode);
        if let Some(params) = embed {
            return embedded(shared, params);
        }
        let migrated = persistence::migrate().err();
        let mut boot = match shared {
            Some(Ok(session)) => opened(session),
            Some(Err(error)) => {
                let boot = saved_or_fresh();
                // The address bar drops the bad link, so a reload opens the run shown.
                let shown = boot.sim.saved();
                show_run(shown.seed, &shown.shape());
                Boot {
                    notice: Some(format!(
                        "This link could not be opened: {error}. Nothing was replaced: your \
                         saved runs are as they were."
                    )),
                    ..boot
                }
            }
            None => saved_or_fresh(),
        };
        if boot.notice.is_none() {
            boot.notice = migrated;
        }
        boot
    }
}

/// An embed opens, in order: its link's session, its lesson, or a new cluster from its URL; then
/// runs to its start time. What cannot be opened is said in the frame, over a working cluster.
fn embedded(shared: Option<Result<Session, share::ShareError>>, params: &EmbedParams) -> Boot {
    let lesson = params
        .lesson
        .as_deref()
        .map(|id| lessons::find(id).ok_or(id));
    let (sim, notice) = match (shared, lesson) {
        (Some(Ok(session)), _) => (SimHandle::restore(session), None),
        (Some(Err(error)), _) => (
            fresh(),
            Some(format!("This link could not be opened: {error}.")),
        ),
        (None, Some(Ok(lesson))) => (SimHandle::restore(lessons::session(&lesson)), None),
        (None, Some(Err(id))) => (fresh(), Some(format!("There is no lesson \"{id}\"."))),
        (None, None) => (fresh(), None),
    };
    if let Some(ms) = params.start_ms {
        sim.begin_seek(SimTime::from_millis(ms));
    }
    Boot {
        sim,
        run_id: None,
        notice,
    }
}

fn fresh() -> SimHandle {
    SimHandle::started(page_seed_asked().unwrap_or(1), page_shape())
}

/// A shared session, saved at once as a new run so a reload finds it.
fn opened(session: Session) -> Boot {
    show_run(session.seed, &session.shape());
    let run_id = persistence::save(None, &session);
    Boot {
        sim: SimHandle::restore(session),
        run_id,
        notice: None,
    }
}

/// The tab's run or the latest one, if it matches the seed the URL asks for.
fn saved_or_fresh() -> Boot {
    let runs = persistence::runs();
    let asked = page_seed_asked();
    let candidate = persistence::current()
        .and_then(|id| runs.get(id))
        .or_else(|| runs.latest().filter(|_| asked.is_none()))
        .filter(|run| asked.is_none_or(|seed| seed == run.seed));
    let Some(run) = candidate else {
        persistence::clear_current();
        return Boot {
            sim: fresh(),
            run_id: None,
            notice: None,
        };
    };
    match persistence::load(run.id) {
        Ok(session) => {
            persistence::set_current(run.id);
            Boot {
                sim: SimHandle::restore(session),
                run_id: Some(run.id),
                notice: None,
            }
        }
        Err(error) => {
            persistence::clear_current();
            Boot {
                sim: fresh(),
                run_id: None,
                notice: Some(format!(
                    "Your saved run \"{}\" could not be restored: {error}. It is kept as it is; \
                     this is a new run beside it.",
                    run.name
                )),
            }
        }
    }
}
