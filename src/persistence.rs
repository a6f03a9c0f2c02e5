//! Autosave: the reader's recent runs in the browser's localStorage. The list (`runs`) and each
//! run's session live under separate keys, so saving the current run rewrites only itself and
//! the small list. Which run a tab is on is kept in sessionStorage, per tab, so two tabs (or a
//! reload after opening a link) never write over each other's run.
//!
//! A stored value that cannot be read is reported and left as it is, never silently replaced:
//! a new run gets a new key instead. The single save of earlier versions (`kafka-playground/v1`)
//! is moved into the list on first load, and removed only once the copy is written.

use crate::runs::RunList;
use crate::session::{Session, from_json};

const LIST_KEY: &str = "kafka-playground/runs";
const RUN_KEY_PREFIX: &str = "kafka-playground/run/";
/// The one saved run of versions before the list.
const OLD_KEY: &str = "kafka-playground/v1";
/// In sessionStorage: the id of the run this tab shows.
const CURRENT_KEY: &str = "kafka-playground/current-run";
/// The tab's speed (session storage, as the run it is on).
const SPEED_KEY: &str = "kafka-playground/speed";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn per_tab() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn run_key(id: u32) -> String {
    format!("{RUN_KEY_PREFIX}{id}")
}

fn read(key: &str) -> Option<String> {
    local()?.get_item(key).ok().flatten()
}

/// Writes `value`; false where storage is unavailable or full.
fn write(key: &str, value: &str) -> bool {
    local().is_some_and(|storage| storage.set_item(key, value).is_ok())
}

/// A stored session, or why it cannot be read.
pub fn parse_session(text: &str) -> Result<Session, String> {
    from_json(text.as_bytes()).map_err(|e| match e.path.as_str() {
        "." => e.problem,
        path => format!("field {path}: {}", e.problem),
    })
}

/// The list of runs; an unreadable list reads as empty (its runs stay stored).
fn list() -> RunList {
    read(LIST_KEY)
        .and_then(|text| from_json(text.as_bytes()).ok())
        .unwrap_or_default()
}

/// The recent runs, most recently saved first.
pub fn runs() -> RunList {
    list()
}

/// Saves `session` as run `id` (or as a new run), returns its id. A run without commands is
/// not worth a place in the list until it has one. Quietly does nothing where storage is
/// unavailable (private windows).
pub fn save(id: Option<u32>, session: &Session) -> Option<u32> {
    if id.is_none() && session.log.is_empty() {
        return None;
    }
    let body = serde_json::to_string(session).ok()?;
    // Nothing new (a run just reopened): its place and time in the list stay as they were.
    if let Some(id) = id
        && read(&run_key(id)).as_deref() == Some(body.as_str())
    {
        return Some(id);
    }
    let mut list = list();
    let recorded = list.record(id, session, js_sys::Date::now());
    let index = serde_json::to_string(&list).ok()?;
    if !write(&run_key(recorded.id), &body) || !write(LIST_KEY, &index) {
        return None;
    }
    if let Some(storage) = local() {
        for gone in recorded.evicted {
            let _ = storage.remove_item(&run_key(gone));
        }
    }
    set_current(recorded.id);
    Some(recorded.id)
}

/// Run `id`'s session, or why it cannot be read.
pub fn load(id: u32) -> Result<Session, String> {
    let text = read(&run_key(id)).ok_or_else(|| "it is no longer stored".to_owned())?;
    parse_session(&text)
}

/// Forgets run `id`.
pub fn delete(id: u32) {
    let mut list = list();
    list.remove(id);
    if let (Ok(index), Some(storage)) = (serde_json::to_string(&list), local()) {
        let _ = storage.set_item(LIST_KEY, &index);
        let _ = storage.remove_item(&run_key(id));
    }
}

/// The run this tab was on before a reload.
pub fn current() -> Option<u32> {
    per_tab()?
        .get_item(CURRENT_KEY)
        .ok()
        .flatten()?
        .parse()
        .ok()
}

/// Remembers the run this tab is on.
pub fn set_current(id: u32) {
    if let Some(storage) = per_tab() {
        let _ = storage.set_item(CURRENT_KEY, &id.to_string());
    }
}

/// The speed this tab played at before a reload, as the timeline labels it (`10×`).
pub fn speed() -> Option<String> {
    per_tab()?.get_item(SPEED_KEY).ok().flatten()
}

/// Remembers the speed this tab plays at: a reload of a run watched at 10× goes on at 10×.
pub fn set_speed(label: &str) {
    if let Some(storage) = per_tab() {
        let _ = storage.set_item(SPEED_KEY, label);
    }
}

/// Forgets which run this tab is on (a new cluster, not yet saved).
pub fn clear_current() {
    if let Some(storage) = per_tab() {
        let _ = storage.remove_item(CURRENT_KEY);
    }
}

/// Forgets every saved run and which one this tab shows (tests start from nothing with it).
pub fn clear_all() {
    for run in list().runs {
        delete(run.id);
    }
    if let Some(storage) = local() {
        let _ = storage.remove_item(LIST_KEY);
    }
    clear_current();
}

/// Moves the single save of earlier versions into the list. An error says why it could not be
/// read; it is then left where it is.
pub fn migrate() -> Result<(), String> {
    let Some(text) = read(OLD_KEY) else {
        return Ok(());
    };
    let session = parse_session(&text)
        .map_err(|e| format!("your run saved by an earlier version could not be read: {e}"))?;
    let saved = save(None, &session).is_some_and(|id| load(id).as_ref() == Ok(&session));
    if saved && let Some(storage) = local() {
        let _ = storage.remove_item(OLD_KEY);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_sim::{Command, SimTime};

    /// Written by the version before the list (serde-wasm-bindgen, JSON-compatible).
    const OLD_SAVE: &str = r#"{"seed":"5","now":4200000,"log":[[1200317,{"command":"create_topic","name":"orders","partitions":3,"replication_factor":3,"configs":{"min.insync.replicas":"2"},"replica_assignment":null}],[2100000,{"command":"crash_broker","broker":1,"kind":"process"}]],"controllers":1}"#;

    #[test]
    fn a_save_of_the_earlier_version_still_reads() {
        let session = parse_session(OLD_SAVE).expect("readable");
        assert_eq!(session.seed, 5);
        assert_eq!(session.now, SimTime::from_micros(4_200_000));
        assert_eq!(session.log.len(), 2);
        assert!(matches!(
            session.log[1].1,
            Command::CrashBroker { broker: 1, .. }
        ));
        let without_controllers = r#"{"seed":"5","now":0,"log":[]}"#;
        assert_eq!(
            parse_session(without_controllers).map(|s| s.controllers),
            Ok(1)
        );
    }
}
