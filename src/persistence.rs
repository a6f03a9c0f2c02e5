//! Autosave: the seed and the timed command log are the whole state of a run, so they are what
//! is saved (in the browser's localStorage) and replayed on reload. A saved state that cannot be
//! read is reported and left untouched, never silently replaced.

use kafka_sim::{Command, SimTime};
use serde::{Deserialize, Serialize};

const KEY: &str = "kafka-playground/v1";

/// A run as saved: enough to rebuild it exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Saved {
    /// The seed, as a string: a JSON number would lose a u64's low bits.
    #[serde(with = "seed_text")]
    pub seed: u64,
    /// Where the clock was.
    pub now: SimTime,
    /// Every command with the moment it was applied.
    pub log: Vec<(SimTime, Command)>,
    /// KRaft controllers in the cluster (saves from before quorums had one).
    #[serde(default = "one")]
    pub controllers: u32,
}

fn one() -> u32 {
    1
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Stores the run; quietly does nothing where storage is unavailable (private windows).
pub fn save(saved: &Saved) {
    let Some(storage) = storage() else { return };
    // JSON-compatible: plain objects for maps (a JS Map would stringify to `{}` and drop a
    // topic's configs).
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let Ok(value) = saved.serialize(&serializer) else {
        return;
    };
    if let Ok(text) = js_sys::JSON::stringify(&value) {
        let _ = storage.set_item(KEY, &String::from(text));
    }
}

/// The saved run, if any; an error says why a saved run could not be read.
pub fn load() -> Result<Option<Saved>, String> {
    let Some(text) = storage().and_then(|s| s.get_item(KEY).ok().flatten()) else {
        return Ok(None);
    };
    let value =
        js_sys::JSON::parse(&text).map_err(|_| "the saved run is not valid JSON".to_owned())?;
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(|e| format!("the saved run could not be read: {e}"))
}

/// Forgets the saved run (for "new cluster").
pub fn clear() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(KEY);
    }
}

mod seed_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seed: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&seed.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}
