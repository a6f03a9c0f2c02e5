//! Share links: a whole session packed into the page URL, so a colleague opens the identical
//! run. The session is written as a small versioned JSON value, deflated (zlib, whose checksum
//! catches a damaged link) and base64url-encoded into the `#s=` fragment: a fragment is never
//! sent to a server, and browsers keep long ones.
//!
//! Decoding is strict and bounded, because a link is untrusted input: its length is checked
//! before anything is unpacked, the unpacked size is capped (no zip bombs), and so are the
//! number of commands and the simulated time to replay. Every failure is an error that names
//! what is wrong. Old formats stay readable: each version keeps its decoder and a checked-in
//! link in the tests.

use crate::session::{Session, from_json, seed_text};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kafka_sim::{Command, SimTime};
use miniz_oxide::inflate::TINFLStatus;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The newest format this page writes and reads (a cluster of the page's first shape, three
/// brokers without racks, is still written in format 1, so such links stay as they were).
pub const FORMAT: u32 = 2;
/// Longer links are refused before decoding (sessions the page makes are far shorter).
pub const MAX_LINK_CHARS: usize = 200_000;
/// The most bytes a link may unpack to.
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;
/// The most commands a session may carry.
pub const MAX_COMMANDS: usize = 20_000;
/// The furthest clock a link may ask the page to replay to: a day of virtual time.
pub const MAX_NOW: SimTime = SimTime::from_millis(24 * 3_600 * 1_000);
/// The fragment's key: `#s=<encoded session>`.
const FRAGMENT_KEY: &str = "s=";

/// Why a link could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// More text than any session could need.
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// Not base64url, not deflate, a failed checksum or not JSON: cut short or altered.
    Damaged,
    /// Unpacks to more than [`MAX_JSON_BYTES`].
    TooLarge,
    /// Written by a later format than this page knows.
    Newer {
        /// The link's format.
        format: u64,
    },
    /// Well formed, but a field is missing, of the wrong kind or out of range.
    Field {
        /// Where, as a path (`log[3]`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::TooLong { chars } => write!(
                f,
                "the link is too long to be a playground session ({chars} characters, at most \
                 {MAX_LINK_CHARS})"
            ),
            ShareError::Damaged => write!(f, "the link is truncated or damaged"),
            ShareError::TooLarge => write!(
                f,
                "the link unpacks to more than {MAX_JSON_BYTES} bytes, more than any session \
                 the playground makes"
            ),
            ShareError::Newer { format } => write!(
                f,
                "the link was made by a newer version of the playground (format {format}, this \
                 page reads up to {FORMAT})"
            ),
            ShareError::Field { field, problem } => write!(f, "field {field}: {problem}"),
        }
    }
}

fn field(field: impl Into<String>, problem: impl Into<String>) -> ShareError {
    ShareError::Field {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Format 1, as written: field order and names are part of the format; never change them, add
/// a format 2 instead.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkV1 {
    v: u32,
    #[serde(with = "seed_text")]
    seed: u64,
    controllers: u32,
    now: SimTime,
    log: Vec<(SimTime, Command)>,
}

/// Format 2: format 1 plus the brokers the cluster starts with and their racks.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkV2 {
    v: u32,
    #[serde(with = "seed_text")]
    seed: u64,
    controllers: u32,
    brokers: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    racks: Vec<String>,
    now: SimTime,
    log: Vec<(SimTime, Command)>,
}

/// Just the version, read first so a newer link is named as such rather than as bad fields.
#[derive(Deserialize)]
struct Probe {
    v: Option<u64>,
}

/// The session as the text after `#s=`.
pub fn encode(session: &Session) -> String {
    // Serializing plain data with string keys cannot fail.
    let json = if session.brokers == 3 && session.racks.is_empty() {
        serde_json::to_vec(&LinkV1 {
            v: 1,
            seed: session.seed,
            controllers: session.controllers,
            now: session.now,
            log: session.log.clone(),
        })
    } else {
        serde_json::to_vec(&LinkV2 {
            v: 2,
            seed: session.seed,
            controllers: session.controllers,
            brokers: session.brokers,
            racks: session.racks.clone(),
            now: session.now,
            log: session.log.clone(),
        })
    }
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec_zlib(&json, 9))
}

/// The page URL `base` (without a fragment) carrying `session`.
pub fn link(base: &str, session: &Session) -> String {
    format!("{base}#{FRAGMENT_KEY}{}", encode(session))
}

/// The encoded session in a URL fragment (`#s=...`), if it carries one.
pub fn from_fragment(fragment: &str) -> Option<&str> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix(FRAGMENT_KEY))
}

/// The session in the text after `#s=`, checked.
pub fn decode(text: &str) -> Result<Session, ShareError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(ShareError::TooLong { chars });
    }
    let packed = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| ShareError::Damaged)?;
    let json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&packed, MAX_JSON_BYTES)
        .map_err(|e| match e.status {
            TINFLStatus::HasMoreOutput => ShareError::TooLarge,
            _ => ShareError::Damaged,
        })?;
    let probe: Probe = serde_json::from_slice(&json).map_err(|_| ShareError::Damaged)?;
    let session = match probe.v {
        None => return Err(field("v", "missing: which format the link is in")),
        Some(1) => from_v1(&json)?,
        Some(2) => from_v2(&json)?,
        Some(format) if format > u64::from(FORMAT) => return Err(ShareError::Newer { format }),
        Some(format) => return Err(field("v", format!("no format {format} was ever written"))),
    };
    check(&session)?;
    Ok(session)
}

fn from_v1(json: &[u8]) -> Result<Session, ShareError> {
    let link: LinkV1 = from_json(json).map_err(|e| field(e.path, e.problem))?;
    Ok(Session {
        seed: link.seed,
        now: link.now,
        log: link.log,
        controllers: link.controllers,
        brokers: 3,
        racks: Vec::new(),
        furthest: SimTime::ZERO,
        applied: None,
    })
}

fn from_v2(json: &[u8]) -> Result<Session, ShareError> {
    let link: LinkV2 = from_json(json).map_err(|e| field(e.path, e.problem))?;
    Ok(Session {
        seed: link.seed,
        now: link.now,
        log: link.log,
        controllers: link.controllers,
        brokers: link.brokers,
        racks: link.racks,
        furthest: SimTime::ZERO,
        applied: None,
    })
}

/// The ranges the page can replay without freezing or failing.
fn check(session: &Session) -> Result<(), ShareError> {
    if !matches!(session.controllers, 1 | 3) {
        return Err(field(
            "controllers",
            format!("1 or 3 KRaft controllers, not {}", session.controllers),
        ));
    }
    let max = crate::session::MAX_PAGE_BROKERS;
    if !(1..=max).contains(&session.brokers) {
        return Err(field(
            "brokers",
            format!("1 to {max} brokers, not {}", session.brokers),
        ));
    }
    if !session.racks.is_empty() && session.racks.len() != session.brokers as usize {
        return Err(field(
            "racks",
            format!(
                "one rack per broker ({}) or none, not {}",
                session.brokers,
                session.racks.len()
            ),
        ));
    }
    if session.now > MAX_NOW {
        return Err(field(
            "now",
            format!(
                "{} is past the longest run a link may replay ({MAX_NOW})",
                session.now
            ),
        ));
    }
    if session.log.len() > MAX_COMMANDS {
        return Err(field(
            "log",
            format!("{} commands, at most {MAX_COMMANDS}", session.log.len()),
        ));
    }
    let mut previous = SimTime::ZERO;
    for (index, (at, _)) in session.log.iter().enumerate() {
        if *at < previous || *at > MAX_NOW {
            return Err(field(
                format!("log[{index}]"),
                format!("applied at {at}, out of time order"),
            ));
        }
        previous = *at;
    }
    Ok(())
}

#[cfg(test)]
#[path = "share_tests.rs"]
mod tests;
