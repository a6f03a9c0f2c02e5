//! A session: the seed, the cluster's shape and the timed command log, which together are the
//! whole state of a run (a run is a pure function of them), plus where the clock was. The same
//! value is saved in the browser, carried by a share link and rebuilt by replay.

use kafka_sim::{Command, SimTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A run as saved or shared: enough to rebuild it exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The seed, as a string: a JSON number read by JavaScript would lose a u64's low bits.
    #[serde(with = "seed_text")]
    pub seed: u64,
    /// Where the clock was.
    pub now: SimTime,
    /// Every command with the moment it was applied (microseconds, so a replay applies it at
    /// the same instant and gives the same trace).
    pub log: Vec<(SimTime, Command)>,
    /// KRaft controllers in the cluster (saves from before quorums had one).
    #[serde(default = "one")]
    pub controllers: u32,
}

fn one() -> u32 {
    1
}

impl Session {
    /// A run that has not started: nothing to replay.
    pub fn fresh(seed: u64, controllers: u32) -> Session {
        Session {
            seed,
            now: SimTime::ZERO,
            log: Vec::new(),
            controllers,
        }
    }
}

/// JSON that could not be read: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// The field, as a path (`log[3][1].command`), or `.` for the whole value.
    pub path: String,
    /// What is wrong, without serde_json's line and column (a link or a save has one line).
    pub problem: String,
}

/// Reads JSON. Saves and links both come through here, with one deserializer type, so the
/// large code that decodes every kind of command is in the wasm bundle once, not per caller.
pub fn from_json<T: DeserializeOwned>(json: &[u8]) -> Result<T, JsonError> {
    let mut reader = serde_json::Deserializer::from_slice(json);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let problem = message
            .rfind(" at line ")
            .map_or(message.as_str(), |cut| &message[..cut]);
        JsonError {
            path,
            problem: problem.to_owned(),
        }
    })
}

/// The seed written as decimal text (the saved format since the first version).
pub(crate) mod seed_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seed: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&seed.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(|_| serde::de::Error::custom("a seed is a whole number from 0 to 2^64-1"))
    }
}
