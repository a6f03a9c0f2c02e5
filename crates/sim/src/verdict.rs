//! The checker's verdict on a scenario's run, for people: which anomalies the scenario's own
//! configuration allows (acks=1 may lose an acknowledged record; a broken simulator may not),
//! and, for each anomaly, the events that led to it. The fuzzer knows what each of its profiles
//! allows; a hand-written scenario says it through its configs, so they are read from its steps.

use crate::check::{Anomaly, Violation, check_all};
use crate::client::Request;
use crate::command::Command;
use crate::controller::ElectionKind;
use crate::event::{Event, EventKind};
use crate::producer::ProducerConfig;
use crate::scenario::Scenario;
use crate::world::World;
use std::collections::BTreeMap;

/// One anomaly the checker found, judged against the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What the checker found.
    pub violation: Violation,
    /// The setting that allows it, as a reader would look for it (`acks=1 (producer p)`);
    /// `None` when the configuration promises it cannot happen.
    pub allowed_by: Option<String>,
    /// The event that shows the anomaly happening, then its causes, nearest first (indices
    /// into `World::events`). Empty when no recorded event explains it.
    pub causes: Vec<usize>,
}

/// Every anomaly of a finished run, judged.
pub fn judge(scenario: &Scenario, world: &World) -> Vec<Finding> {
    let allowed = settings(scenario);
    check_all(world)
        .into_iter()
        .map(|violation| {
            let causes = causes(world.events(), &violation);
            Finding {
                allowed_by: allowed
                    .get(&violation.anomaly)
                    .map(|settings| words(settings, Some(&violation.detail))),
                violation,
                causes,
            }
        })
        .collect()
}

/// What anomalies the scenario's configs allow, each with the settings that allow it and who
/// has them (`acks=1 (producer p, client c)`).
pub fn allowances(scenario: &Scenario) -> BTreeMap<Anomaly, String> {
    settings(scenario)
        .into_iter()
        .map(|(anomaly, settings)| (anomaly, words(&settings, None)))
        .collect()
}

/// Settings with who has each (`("acks=1", ["producer p"])`).
type Settings = Vec<(String, Vec<String>)>;

/// The settings in words; with a finding's detail, only those of the producers, consumers or
/// topics it names, when it names any (a redelivery by one consumer is not another's doing).
fn words(settings: &Settings, detail: Option<&str>) -> String {
    let named = |who: &String| {
        detail.is_some_and(|detail| match who.split_once(' ') {
            Some(("topic", topic)) => names_partition_of(detail, topic),
            Some((_, name)) => mentions(detail, name),
            None => false,
        })
    };
    let any_named = settings.iter().any(|(_, who)| who.iter().any(named));
    let parts: Vec<String> = settings
        .iter()
        .filter_map(|(setting, who)| {
            let who: Vec<&str> = who
                .iter()
                .filter(|w| !any_named || named(w))
                .map(String::as_str)
                .collect();
            (!who.is_empty()).then(|| format!("{setting} ({})", who.join(", ")))
        })
        .collect();
    parts.join(", ")
}

/// Every consumer commits apart from its processing or may be rebalanced mid-batch, so
/// redelivery is at-least-once's price and always allowed once a consumer runs.
fn settings(scenario: &Scenario) -> BTreeMap<Anomaly, Settings> {
    // Per anomaly, each setting with who has it, in the order the scenario names them.
    let mut allowed: BTreeMap<Anomaly, Settings> = BTreeMap::new();
    let mut allow = |anomalies: &[Anomaly], setting: &str, who: String| {
        for anomaly in anomalies {
            let settings = allowed.entry(*anomaly).or_default();
            let at = match settings.iter().position(|(s, _)| s == setting) {
                Some(at) => at,
                None => {
                    settings.push((setting.to_owned(), Vec::new()));
                    settings.len() - 1
                }
            };
            if !settings[at].1.contains(&who) {
                settings[at].1.push(who.clone());
            }
        }
    };
    // What a leader that dies before its followers fetch takes with it.
    const WEAK_ACKS: &[Anomaly] = &[
        Anomaly::LostWrite,
        Anomaly::OffsetReused,
        Anomaly::Duplicate,
        Anomaly::Reordered,
    ];
    const NO_IDEMPOTENCE: &[Anomaly] = &[Anomaly::Duplicate, Anomaly::Reordered];
    // An out-of-sync leader forgets what the others had, including what consumers read.
    const UNCLEAN: &[Anomaly] = &[
        Anomaly::LostWrite,
        Anomaly::OffsetReused,
        Anomaly::Duplicate,
        Anomaly::Reordered,
        Anomaly::ReplicasDiverge,
        Anomaly::PhantomRead,
        Anomaly::CommitRegressed,
    ];
    // Share groups told to start at the log start: a new leader that starts a share partition
    // afresh delivers again and skips nothing.
    let earliest: Vec<&str> = scenario
        .steps
        .iter()
        .filter_map(|step| match &step.command {
            Command::AlterGroupConfigs { group, configs }
                if configs
                    .get("share.auto.offset.reset")
                    .is_some_and(|v| v == "earliest") =>
            {
                Some(group.as_str())
            }
            _ => None,
        })
        .collect();
    for step in &scenario.steps {
        match &step.command {
            Command::AddProducer { name, config } => {
                // Read as the producer reads them: Kafka turns idempotence off by itself when
                // a setting conflicts with it (retries=0, acks other than all) unless it was
                // asked for explicitly; more than 5 requests in flight it refuses unless
                // idempotence is off explicitly. A config the producer refuses makes no
                // producer, so it allows nothing.
                let Ok(parsed) = ProducerConfig::from_properties(config) else {
                    continue;
                };
                let who = format!("producer {name}");
                if parsed.acks != -1 {
                    allow(WEAK_ACKS, &format!("acks={}", parsed.acks), who.clone());
                }
                let setting = |key: &str| config.get(key).map(|v| format!("{key}={v}"));
                // Turned off by acks, it is already allowed as acks'.
                let off = setting("enable.idempotence")
                    .or_else(|| (parsed.acks == -1).then(|| setting("retries")).flatten());
                if let (false, Some(off)) = (parsed.enable_idempotence, off) {
                    allow(NO_IDEMPOTENCE, &off, who);
                }
            }
            Command::Client {
                client,
                request: Request::Produce { acks, .. },
            } if *acks == 0 || *acks == 1 => {
                allow(
                    WEAK_ACKS,
                    &format!("acks={acks}"),
                    format!("client {client}"),
                );
            }
            Command::CreateTopic(topic)
                if topic
                    .configs
                    .get("unclean.leader.election.enable")
                    .is_some_and(|v| v == "true") =>
            {
                let who = format!("topic {}", topic.name);
                allow(UNCLEAN, "unclean.leader.election.enable=true", who);
            }
            Command::ElectLeaders {
                election: ElectionKind::Unclean,
                ..
            } => allow(
                UNCLEAN,
                "an unclean election",
                format!("at {} ms", step.at_ms),
            ),
            Command::DeleteTopic { name } => allow(
                &[Anomaly::DeletedTopicOffset],
                "a topic deleted while a group's coordinator could not apply it: the coordinator that loads the group next replays the deleted topic's offsets (Kafka's onPartitionsDeleted tombstones them only in the coordinators loaded then)",
                format!("topic {name}"),
            ),
            Command::AddConsumer { name, config, .. }
                if config.get("group.type").is_some_and(|t| t == "share") =>
            {
                allow(
                    &[Anomaly::Redelivered],
                    "a share partition's new leader starts afresh (share-partition state is not persisted in the playground)",
                    format!("share consumer {name}"),
                );
                let group = config.get("group.id").map_or("", String::as_str);
                if !earliest.contains(&group) {
                    allow(
                        &[Anomaly::ShareLoss],
                        "share.auto.offset.reset=latest: a share partition's new leader starts afresh at the high watermark (share-partition state is not persisted in the playground)",
                        format!("share group {group}"),
                    );
                }
            }
            Command::AddConsumer { name, config, .. } => {
                let setting = |key: &str| config.get(key).map(String::as_str);
                let who = format!("consumer {name}");
                let redelivery = if setting("app.commit") == Some("transactional") {
                    "aborted transactions, whose records are processed again"
                } else {
                    "offsets committed apart from processing (at-least-once)"
                };
                allow(&[Anomaly::Redelivered], redelivery, who.clone());
                if setting("app.commit") == Some("before-processing") {
                    allow(
                        &[Anomaly::ConsumerLoss],
                        "app.commit=before-processing",
                        who.clone(),
                    );
                }
                if setting("isolation.level") != Some("read_committed") {
                    allow(
                        &[Anomaly::AbortedRead],
                        "isolation.level=read_uncommitted",
                        who,
                    );
                }
            }
            _ => {}
        }
    }
    allowed
}

/// The event that shows `violation` happening, then its cause chain (indices into `events`):
/// what the page's "why?" beside a marked record shows too. The checker words its findings
/// for people, so the partition or client involved is found in its text.
pub fn causes(events: &[Event], violation: &Violation) -> Vec<usize> {
    let detail = &violation.detail;
    let names = |text: &str| mentions(detail, text);
    let found = events.iter().rposition(|event| match &event.kind {
        EventKind::FollowerTruncated { tp, .. }
        | EventKind::UnflushedRecordsLost { tp, .. }
        | EventKind::StrayLogRemoved { tp, .. }
        | EventKind::InvariantViolated { tp, .. } => names(&tp.to_string()),
        EventKind::LeaderChanged { tp, unclean, .. } => *unclean && names(&tp.to_string()),
        EventKind::GroupMemberRemoved { group, client, .. } => names(group) || names(client),
        EventKind::ConsumerLeftGroup {
            consumer, group, ..
        }
        | EventKind::ConsumerFenced {
            consumer, group, ..
        } => names(consumer) || names(group),
        EventKind::ClientCrashed { name } | EventKind::ConsumerStalled { consumer: name } => {
            names(name)
        }
        EventKind::ProducerFenced { producer, .. } => names(producer),
        _ => false,
    });
    let Some(index) = found else {
        return Vec::new();
    };
    let mut chain = vec![index];
    // Records lost in a power loss: the cause is the broker's crash (logged just after the
    // loss), which explain.rs does not link.
    if let EventKind::UnflushedRecordsLost { broker, .. } = &events[index].kind
        && let Some(crash) = events.iter().rposition(|e| {
            e.at <= events[index].at
                && matches!(&e.kind, EventKind::BrokerCrashed { broker: b, .. } if b == broker)
        })
    {
        chain.push(crash);
    }
    chain.extend(crate::explain::cause_chain(events, index));
    chain
}

/// Whether `text` names a partition of `topic` (`orders-3`).
fn names_partition_of(text: &str, topic: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .filter_map(|word| word.strip_prefix(topic)?.strip_prefix('-'))
        .any(|number| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
}

/// Whether `text` names `name` as a whole word (`orders-1` is not in `orders-10`).
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
    !name.is_empty()
        && text.match_indices(name).any(|(at, _)| {
            !word(text[..at].chars().next_back()) && !word(text[at + name.len()..].chars().next())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_is_named_only_as_a_whole_word() {
        assert!(mentions("orders-1 offset 3 acknowledged", "orders-1"));
        assert!(!mentions("orders-10 offset 3", "orders-1"));
        assert!(mentions("lost at (orders-1)", "orders-1"));
    }

    #[test]
    fn a_finding_keeps_the_settings_of_whom_it_names() {
        let settings: Settings = vec![
            (
                "unclean.leader.election.enable=true".into(),
                vec!["topic t".into()],
            ),
            (
                "acks=1".into(),
                vec!["producer p".into(), "producer q".into()],
            ),
        ];
        assert_eq!(
            words(&settings, Some("t-0: \"v\" from q was acknowledged")),
            "unclean.leader.election.enable=true (topic t), acks=1 (producer q)"
        );
        assert_eq!(
            words(&settings, Some("other-0: lost")),
            "unclean.leader.election.enable=true (topic t), acks=1 (producer p, producer q)",
            "naming nobody keeps everything"
        );
        assert!(names_partition_of("orders-12: x", "orders"));
        assert!(!names_partition_of("orders-x: y", "orders"));
    }

    #[test]
    fn acks_one_and_unclean_election_are_read_from_the_steps() {
        let scenario = scenario();
        let allowed = allowances(&scenario);
        assert!(allowed[&Anomaly::LostWrite].starts_with("acks=1"));
        assert!(allowed[&Anomaly::PhantomRead].starts_with("unclean"));
        assert!(!allowed.contains_key(&Anomaly::ReadAboveHighWatermark));
    }

    #[test]
    fn idempotence_turned_off_by_a_conflicting_setting_allows_duplicates() {
        let producer = |config: &[(&str, &str)]| {
            let mut scenario = scenario();
            scenario.steps[0].command = Command::AddProducer {
                name: "p".to_owned(),
                config: config
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            };
            scenario.steps.truncate(1);
            allowances(&scenario)
        };
        let allowed = producer(&[("retries", "0")]);
        assert_eq!(allowed[&Anomaly::Duplicate], "retries=0 (producer p)");
        assert!(!allowed.contains_key(&Anomaly::LostWrite));
        assert!(
            producer(&[("max.in.flight.requests.per.connection", "10")]).is_empty(),
            "Kafka 4 refuses this producer: it makes no writes to allow anything"
        );
        assert!(
            !producer(&[]).contains_key(&Anomaly::Duplicate),
            "idempotent by default"
        );
        let allowed = producer(&[("acks", "1"), ("enable.idempotence", "false")]);
        assert_eq!(
            allowed[&Anomaly::Duplicate],
            "acks=1 (producer p), enable.idempotence=false (producer p)"
        );
    }

    fn scenario() -> Scenario {
        use crate::controller::CreateTopic;
        use crate::scenario::Step;
        let topic = CreateTopic {
            name: "t".to_owned(),
            partitions: 1,
            replication_factor: 2,
            configs: [(
                "unclean.leader.election.enable".to_owned(),
                "true".to_owned(),
            )]
            .into(),
            replica_assignment: None,
        };
        let producer = Command::AddProducer {
            name: "p".to_owned(),
            config: [("acks".to_owned(), "1".to_owned())].into(),
        };
        Scenario {
            seed: 1,
            cluster: Default::default(),
            steps: vec![
                Step::at_ms(400, producer),
                Step::at_ms(500, Command::CreateTopic(topic)),
            ],
            run_until_ms: 1_000,
            run_until_us: None,
            check_invariants: false,
        }
    }
}
