//! The messages an embedded playground and its host page exchange with `postMessage`
//! (www/kafka-playground.js is the other side). Every message is an envelope
//! `{source: "kafka-playground", version: 1, ...}`; a host's request adds `id` and `type`.
//!
//! A frame's `message` listener hears everything posted to it, including other scripts'
//! chatter, so reading is in three outcomes: not ours (no `source` of ours: ignored quietly,
//! since warning about a stranger's messages would flood the console), ours but malformed
//! (ignored with a warning naming the field), and a request to act on. Reading is strict:
//! unknown fields, a missing field, a wrong version or type are all refused, field by field,
//! by serde, before anything touches the run.

use crate::session::{self, Session};
use kafka_sim::BrokerId;
use kafka_sim::{Command, Scenario, SimTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every message of this protocol says it is ours...
pub const SOURCE: &str = "kafka-playground";
/// ...and which version of the protocol it speaks.
pub const VERSION: u64 = 1;
/// The largest message read: a scenario of a few thousand steps fits; a flood does not.
pub const MESSAGE_BYTES_MAX: usize = 1 << 20;
/// A loaded scenario's bounds, so no message can make the frame replay for minutes.
pub const SCENARIO_STEPS_MAX: usize = 5_000;
/// ...and its end, an hour of virtual time.
pub const SCENARIO_MS_MAX: u64 = 3_600_000;

/// What a host asks.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// The element's greeting: from now on, replies and events go to its origin.
    Hello,
    /// Replace the run with a session (from a scenario, a share fragment or a lesson).
    Load(Load),
    /// Start the clock.
    Play,
    /// Stop the clock.
    Pause,
    /// Run (or rewind) to a moment of virtual time.
    RunTo(SimTime),
    /// Apply one command, as the page's buttons do.
    Command(Command),
    /// Describe the run now: clock, brokers, leaders.
    State,
}

/// What to load.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// A scenario as `kafka-sim run` reads it.
    Scenario(Box<Scenario>),
    /// A share link's fragment (`#s=...`), or a whole link ending in one.
    Share(String),
    /// A lesson's run, by id.
    Lesson(String),
}

/// What reading one posted message found.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// Not a message of this protocol.
    NotOurs,
    /// Ours, but not acted on: why.
    Malformed(String),
    /// A request with the id its reply carries.
    Request(u64, Request),
}

/// The envelope and every field any request may carry; which are required depends on `type`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    source: String,
    version: u64,
    id: u64,
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default)]
    command: Option<Command>,
    #[serde(default)]
    scenario: Option<Box<Scenario>>,
    #[serde(default)]
    share: Option<String>,
    #[serde(default)]
    lesson: Option<String>,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
enum Kind {
    Hello,
    Load,
    Play,
    Pause,
    RunTo,
    Command,
    State,
}

/// Reads one message, given as JSON text (the frame stringifies `event.data`).
pub fn read(text: &str) -> Incoming {
    if text.len() > MESSAGE_BYTES_MAX {
        return Incoming::Malformed(format!("larger than {MESSAGE_BYTES_MAX} bytes"));
    }
    // A first look only for our `source`, so strangers' messages are not reported.
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Incoming::NotOurs;
    };
    if value.get("source").and_then(Value::as_str) != Some(SOURCE) {
        return Incoming::NotOurs;
    }
    if value.get("version").and_then(Value::as_u64) != Some(VERSION) {
        return Incoming::Malformed(format!(
            "version: this playground speaks version {VERSION}, the message says {}",
            value.get("version").unwrap_or(&Value::Null)
        ));
    }
    let envelope: Envelope = match session::from_json(text.as_bytes()) {
        Ok(envelope) => envelope,
        Err(error) => return Incoming::Malformed(format!("{}: {}", error.path, error.problem)),
    };
    match request(envelope) {
        Ok((id, request)) => Incoming::Request(id, request),
        Err(problem) => Incoming::Malformed(problem),
    }
}

/// Checks that a request carries exactly the fields its type needs.
fn request(envelope: Envelope) -> Result<(u64, Request), String> {
    let Envelope {
        source,
        version,
        id,
        kind,
        ms,
        command,
        scenario,
        share,
        lesson,
    } = envelope;
    if source != SOURCE || version != VERSION {
        return Err(format!("source, version: {SOURCE:?}, {VERSION}"));
    }
    let given = [
        ("ms", ms.is_some()),
        ("command", command.is_some()),
        ("scenario", scenario.is_some()),
        ("share", share.is_some()),
        ("lesson", lesson.is_some()),
    ];
    let allowed: &[&str] = match kind {
        Kind::RunTo => &["ms"],
        Kind::Command => &["command"],
        Kind::Load => &["scenario", "share", "lesson"],
        _ => &[],
    };
    if let Some((field, _)) = given.iter().find(|(f, set)| *set && !allowed.contains(f)) {
        return Err(format!("{field}: not a field of this request type"));
    }
    let request = match kind {
        Kind::Hello => Request::Hello,
        Kind::Play => Request::Play,
        Kind::Pause => Request::Pause,
        Kind::State => Request::State,
        Kind::RunTo => match ms {
            Some(ms) if ms <= SCENARIO_MS_MAX => Request::RunTo(SimTime::from_millis(ms)),
            Some(_) => return Err(format!("ms: from 0 to {SCENARIO_MS_MAX}")),
            None => return Err("ms: missing".to_owned()),
        },
        Kind::Command => Request::Command(command.ok_or("command: missing")?),
        Kind::Load => Request::Load(match (scenario, share, lesson) {
            (Some(scenario), None, None) => Load::Scenario(scenario),
            (None, Some(share), None) => Load::Share(share),
            (None, None, Some(lesson)) => Load::Lesson(lesson),
            _ => return Err("load: exactly one of scenario, share or lesson".to_owned()),
        }),
    };
    Ok((id, request))
}

/// The run a scenario starts, within a message's bounds (see `scenario_file::session_of`).
pub fn scenario_session(scenario: &Scenario) -> Result<Session, String> {
    crate::scenario_file::session_of(
        scenario,
        "scenario",
        SCENARIO_STEPS_MAX,
        SimTime::from_millis(SCENARIO_MS_MAX),
    )
}

/// The run a `load` asks for. A share text may be a whole link: what follows its last `#` is
/// read, so a host can pass the address the Share dialog gave it.
pub fn session_of(load: &Load) -> Result<Session, String> {
    match load {
        Load::Scenario(scenario) => scenario_session(scenario),
        Load::Share(text) => {
            let fragment = text
                .rsplit_once('#')
                .map_or(text.as_str(), |(_, after)| after);
            let encoded = crate::share::from_fragment(fragment)
                .ok_or("share: not a share link's fragment (#s=...)")?;
            crate::share::decode(encoded).map_err(|error| format!("share: {error}"))
        }
        Load::Lesson(id) => crate::lessons::find(id)
            .map(|lesson| crate::lessons::session(&lesson))
            .ok_or_else(|| format!("lesson: there is no lesson {id:?}")),
    }
}

/// A message to the host. Its fields are declared in alphabetical order and the absent ones
/// left out, so the JSON is what a sorted map would print (as `json!` did, at a fraction of the
/// bundle's bytes): the envelope, then what the `type` carries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outgoing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Answer>,
    pub source: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub version: u64,
}

impl Outgoing {
    fn of(kind: &'static str) -> Outgoing {
        Outgoing {
            detail: None,
            error: None,
            height: None,
            id: None,
            name: None,
            ok: None,
            result: None,
            source: SOURCE,
            kind,
            version: VERSION,
        }
    }
}

/// What a reply answers (fields alphabetical, as in [`Outgoing`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// Where the clock is.
    Now {
        #[serde(rename = "nowMs")]
        now_ms: u64,
    },
    /// The run in brief.
    State {
        brokers: Vec<BrokerState>,
        #[serde(rename = "nowMs")]
        now_ms: u64,
        partitions: Vec<PartitionState>,
        playing: bool,
        seed: String,
    },
}

/// A broker in a `state` answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerState {
    pub fenced: bool,
    pub id: BrokerId,
    pub up: bool,
}

/// A partition in a `state` answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionState {
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    #[serde(rename = "leaderEpoch")]
    pub leader_epoch: u32,
    pub partition: u32,
    pub replicas: Vec<BrokerId>,
    pub topic: String,
}

/// What an event tells (fields alphabetical, as in [`Outgoing`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Detail {
    /// `leader-elected`.
    Leader {
        #[serde(rename = "atMs")]
        at_ms: u64,
        leader: BrokerId,
        #[serde(rename = "leaderEpoch")]
        leader_epoch: u32,
        partition: u32,
        previous: Option<BrokerId>,
        text: String,
        topic: String,
        unclean: bool,
        why: &'static str,
    },
    /// `record-acknowledged`.
    Acked {
        #[serde(rename = "atMs")]
        at_ms: u64,
        key: Option<String>,
        offset: u64,
        partition: u32,
        producer: String,
        topic: String,
        value: Option<String>,
    },
    /// `anomaly`.
    Anomaly { anomaly: String, detail: String },
}

/// The frame's announcement that it is listening. It carries nothing, so it alone may go to
/// any origin: the host is not known until it says hello.
pub fn ready() -> Outgoing {
    Outgoing::of("ready")
}

/// The answer to request `id`.
pub fn reply(id: u64, outcome: Result<Answer, String>) -> Outgoing {
    let mut message = Outgoing::of("reply");
    message.id = Some(id);
    message.ok = Some(outcome.is_ok());
    match outcome {
        Ok(result) => message.result = Some(result),
        Err(error) => message.error = Some(error),
    }
    message
}

/// Something that happened in the run (`leader-elected`, `record-acknowledged`, `anomaly`).
pub fn event(name: &'static str, detail: Detail) -> Outgoing {
    let mut message = Outgoing::of("event");
    message.name = Some(name);
    message.detail = Some(detail);
    message
}

/// The content's height in CSS pixels, so the host sizes the iframe to it.
pub fn resize(height: u32) -> Outgoing {
    let mut message = Outgoing::of("resize");
    message.height = Some(height);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(rest: &str) -> String {
        format!(r#"{{"source":"kafka-playground","version":1,"id":7,{rest}}}"#)
    }

    #[test]
    fn reads_each_request() {
        let read_ok = |rest: &str| match read(&message(rest)) {
            Incoming::Request(7, request) => request,
            other => panic!("{rest}: {other:?}"),
        };
        assert_eq!(read_ok(r#""type":"hello""#), Request::Hello);
        assert_eq!(read_ok(r#""type":"play""#), Request::Play);
        assert_eq!(read_ok(r#""type":"pause""#), Request::Pause);
        assert_eq!(read_ok(r#""type":"state""#), Request::State);
        assert_eq!(
            read_ok(r#""type":"runTo","ms":4000"#),
            Request::RunTo(SimTime::from_millis(4000))
        );
        let crash = read_ok(r#""type":"command","command":{"command":"crash_broker","broker":1}"#);
        assert!(matches!(
            crash,
            Request::Command(Command::CrashBroker { broker: 1, .. })
        ));
        assert_eq!(
            read_ok(r#""type":"load","lesson":"acks""#),
            Request::Load(Load::Lesson("acks".to_owned()))
        );
        let scenario = read_ok(
            r#""type":"load","scenario":{"seed":5,"steps":[{"at_ms":500,"command":"create_topic","name":"t","partitions":1,"replication_factor":3}]}"#,
        );
        let Request::Load(Load::Scenario(scenario)) = scenario else {
            panic!("{scenario:?}")
        };
        let session = scenario_session(&scenario).expect("a page-shaped scenario");
        assert_eq!((session.seed, session.log.len()), (5, 1));
        assert_eq!(session.now, SimTime::from_millis(500));
    }

    #[test]
    fn strangers_messages_are_not_ours() {
        for text in [
            "\"hello\"",
            "42",
            "not json",
            r#"{"type":"play"}"#,
            r#"{"source":"react-devtools","type":"play"}"#,
        ] {
            assert_eq!(read(text), Incoming::NotOurs, "{text}");
        }
    }

    #[test]
    fn malformed_messages_name_what_is_wrong() {
        let malformed = |text: &str| match read(text) {
            Incoming::Malformed(why) => why,
            other => panic!("{text}: {other:?}"),
        };
        let v2 = r#"{"source":"kafka-playground","version":2,"id":1,"type":"play"}"#;
        assert!(malformed(v2).starts_with("version:"));
        let no_id = r#"{"source":"kafka-playground","version":1,"type":"play"}"#;
        assert!(malformed(no_id).contains("id"), "{}", malformed(no_id));
        assert!(malformed(&message(r#""type":"explode""#)).starts_with("type:"));
        assert!(malformed(&message(r#""type":"play","extra":1"#)).contains("extra"));
        assert_eq!(
            malformed(&message(r#""type":"play","ms":1"#)),
            "ms: not a field of this request type"
        );
        assert_eq!(malformed(&message(r#""type":"runTo""#)), "ms: missing");
        let bad_broker =
            message(r#""type":"command","command":{"command":"crash_broker","broker":"x"}"#);
        assert!(
            malformed(&bad_broker).starts_with("command"),
            "{}",
            malformed(&bad_broker)
        );
        let two = message(r#""type":"load","lesson":"acks","share":"s=x""#);
        assert!(malformed(&two).starts_with("load: exactly one"));
        let id = r#"{"source":"kafka-playground","version":1,"id":-1,"type":"play"}"#;
        assert!(malformed(id).starts_with("id:"), "{}", malformed(id));
        let huge = message(&format!(
            r#""type":"play","pad":"{}""#,
            "x".repeat(MESSAGE_BYTES_MAX)
        ));
        assert!(malformed(&huge).starts_with("larger than"));
    }

    #[test]
    fn a_scenario_of_another_shape_is_refused() {
        let scenario: Scenario =
            serde_json::from_str(r#"{"cluster":{"brokers":12}}"#).expect("a scenario");
        assert_eq!(
            scenario_session(&scenario).expect_err("too many to draw"),
            "scenario.cluster.brokers: 1 to 9"
        );
        let tuned: Scenario =
            serde_json::from_str(r#"{"cluster":{"message_max_bytes":1000}}"#).expect("a scenario");
        assert!(
            scenario_session(&tuned)
                .expect_err("not the page's brokers")
                .starts_with("scenario.cluster")
        );
        let six: Scenario =
            serde_json::from_str(r#"{"cluster":{"brokers":6,"racks":["a","b","c","a","b","c"]}}"#)
                .expect("a scenario");
        let session = scenario_session(&six).expect("six brokers on racks");
        assert_eq!((session.brokers, session.racks.len()), (6, 6));
        let late: Scenario = serde_json::from_str(r#"{"run_until_ms":99999999}"#).expect("late");
        assert!(
            scenario_session(&late)
                .unwrap_err()
                .starts_with("scenario.run_until_ms")
        );
    }

    #[test]
    fn a_share_link_or_its_fragment_loads_the_same_session() {
        let session = Session {
            seed: 9,
            now: SimTime::from_millis(2_000),
            log: Vec::new(),
            controllers: 3,
            brokers: 3,
            racks: Vec::new(),
            furthest: SimTime::ZERO,
            applied: None,
        };
        let link = crate::share::link("https://docs.example/kafka/", &session);
        let fragment = link
            .rsplit_once('#')
            .map(|(_, f)| format!("#{f}"))
            .expect("#");
        for text in [link.clone(), fragment] {
            assert_eq!(session_of(&Load::Share(text)), Ok(session.clone()));
        }
        let damaged = Load::Share(link[..link.len() - 5].to_owned());
        assert!(session_of(&damaged).unwrap_err().starts_with("share: "));
        assert!(session_of(&Load::Share("#x=1".to_owned())).is_err());
        assert!(session_of(&Load::Lesson("acks".to_owned())).is_ok());
        assert!(
            session_of(&Load::Lesson("nope".to_owned()))
                .unwrap_err()
                .contains("nope")
        );
    }

    #[test]
    fn outgoing_messages_carry_the_envelope() {
        let json = |message: Outgoing| serde_json::to_value(message).expect("json");
        let sent = json(reply(3, Err("no".to_owned())));
        assert_eq!(sent["source"], SOURCE);
        assert_eq!(
            (sent["id"].as_u64(), sent["ok"].as_bool()),
            (Some(3), Some(false))
        );
        assert_eq!(
            json(ready()).as_object().map(|o| o.len()),
            Some(3),
            "ready carries no data"
        );
        assert_eq!(json(resize(640))["height"], 640);
        let anomaly = Detail::Anomaly {
            anomaly: "lost-write".to_owned(),
            detail: String::new(),
        };
        assert_eq!(json(event("anomaly", anomaly))["name"], "anomaly");
        // The text is what a sorted map prints: the bytes the host received before.
        assert_eq!(
            serde_json::to_string(&reply(4, Ok(Answer::Now { now_ms: 5 }))).expect("json"),
            r#"{"id":4,"ok":true,"result":{"nowMs":5},"source":"kafka-playground","type":"reply","version":1}"#
        );
    }
}
