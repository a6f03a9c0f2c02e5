//! Consumer configs as Kafka properties with Kafka 4.x defaults (`ConsumerConfig`), plus the
//! playground's `app.*` settings describing the application around the consumer: how long it
//! processes each record and when it commits. Those are not Kafka configs; they stand for the
//! code a user would write in the poll loop.

use crate::group::Assignor;
use crate::properties::{ConfigException, boolean, invalid, millis, number};
use crate::protocol::GroupProtocol;
use crate::time::SimDuration;
use serde::Serialize;
use std::collections::BTreeMap;

/// `auto.offset.reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    /// Start from the log start.
    Earliest,
    /// Start from the end (the high watermark).
    Latest,
    /// Fail with NoOffsetForPartitionException.
    None,
}

/// When the application commits, besides auto commit (`app.commit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppCommit {
    /// Never calls `commitSync()` itself.
    None,
    /// `commitSync()` after processing each batch: at-least-once.
    AfterProcessing,
    /// `commitSync()` right after `poll()`, before processing: at-most-once.
    BeforeProcessing,
    /// After processing each batch, `commitSync(Map<TopicPartition, OffsetAndMetadata>)` of
    /// each partition's last processed offset + 1, with metadata, as a careful application
    /// commits what it has done rather than where the consumer's position is: at-least-once.
    Explicit,
    /// The same map given to `commitAsync(offsets, callback)`: the application polls again
    /// without waiting, and a failed commit is only reported (Java does not retry it).
    ExplicitAsync,
    /// Exactly-once consume-transform-produce: each poll's output and offsets go in one
    /// transaction (`sendOffsetsToTransaction`); needs `app.forward.topic`.
    Transactional,
}

impl AppCommit {
    /// Whether the application commits a batch only once it has processed it, its output
    /// acknowledged (at-least-once): so a forwarded send that fails must stop it before the
    /// commit. Not `before-processing` (at-most-once: the batch is committed already) nor
    /// `none` (it commits nothing itself).
    pub fn after_processing(self) -> bool {
        matches!(
            self,
            AppCommit::AfterProcessing | AppCommit::Explicit | AppCommit::ExplicitAsync
        )
    }
}

/// A consumer's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumerConfig {
    /// `group.protocol` (classic).
    pub group_protocol: GroupProtocol,
    /// `group.remote.assignor`: the server-side assignor a consumer-protocol member asks for
    /// (none: the coordinator's default, `uniform`).
    pub remote_assignor: Option<String>,
    /// `group.id`; none for a consumer that assigns partitions itself.
    pub group_id: Option<String>,
    /// `group.instance.id` (static membership, KIP-345).
    pub group_instance_id: Option<String>,
    /// `session.timeout.ms` (45000).
    pub session_timeout: SimDuration,
    /// `heartbeat.interval.ms` (3000).
    pub heartbeat_interval: SimDuration,
    /// `max.poll.interval.ms` (300000), also the rebalance timeout.
    pub max_poll_interval: SimDuration,
    /// `max.poll.records` (500).
    pub max_poll_records: usize,
    /// `auto.offset.reset` (latest).
    pub auto_offset_reset: OffsetReset,
    /// `enable.auto.commit` (true with a group id).
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms` (5000).
    pub auto_commit_interval: SimDuration,
    /// `isolation.level`: true for read_committed. Without transactions both read up to the
    /// high watermark.
    pub read_committed: bool,
    /// `partition.assignment.strategy` ([range, cooperative-sticky]).
    pub assignors: Vec<Assignor>,
    /// `fetch.max.wait.ms` (500).
    pub fetch_max_wait: SimDuration,
    /// `fetch.min.bytes` (1).
    pub fetch_min_bytes: u32,
    /// `client.rack` (KIP-392): fetch from a replica in this rack when the brokers allow it.
    pub client_rack: Option<String>,
    /// `request.timeout.ms` (30000).
    pub request_timeout: SimDuration,
    /// `retry.backoff.ms` (100).
    pub retry_backoff: SimDuration,
    /// `retry.backoff.max.ms` (1000). Accepted; the simulated consumer waits
    /// `retry.backoff.ms` between its retries.
    pub retry_backoff_max: SimDuration,
    /// `default.api.timeout.ms` (60000): how long a blocking call (`commitSync()`,
    /// `position()`, `committed()`, `offsetsForTimes()`) waits before a TimeoutException.
    pub default_api_timeout: SimDuration,
    /// `fetch.max.bytes` (52428800): the most a fetch response holds, across partitions.
    pub fetch_max_bytes: u32,
    /// `max.partition.fetch.bytes` (1048576): the most a fetch response holds per partition.
    pub max_partition_fetch_bytes: u32,
    /// `metadata.max.age.ms` (300000).
    pub metadata_max_age: SimDuration,
    /// `app.processing.ms`: processing time per record.
    pub processing_per_record: SimDuration,
    /// `app.poll.timeout.ms`: the argument of `poll(Duration)`.
    pub poll_timeout: SimDuration,
    /// `app.commit`.
    pub app_commit: AppCommit,
    /// `app.forward.topic`: the application sends every record it processes to this topic
    /// (same key and value) with a producer of its own, before it commits.
    pub forward_topic: Option<String>,
    /// `app.transactional.id` of that producer with `app.commit=transactional` (default: the
    /// consumer's name with `-eos`, stable across restarts so a restart fences its zombie).
    pub transactional_id: Option<String>,
    /// `app.rebalance.listener`: the application registers a `ConsumerRebalanceListener`
    /// (callbacks that return at once). Java runs its callbacks inside `poll()`, so with
    /// `group.protocol=consumer` a revocation waits for the application's next `poll()`, after
    /// the batch in hand is processed and committed; without one the background thread revokes
    /// at once, and an application still processing a revoked partition's records then commits
    /// them at its new member epoch, which the coordinator accepts. No effect on the classic
    /// protocol, which revokes inside `poll()` anyway.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rebalance_listener: bool,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            group_protocol: GroupProtocol::Classic,
            remote_assignor: None,
            group_id: None,
            group_instance_id: None,
            session_timeout: SimDuration::from_millis(45_000),
            heartbeat_interval: SimDuration::from_millis(3_000),
            max_poll_interval: SimDuration::from_millis(300_000),
            max_poll_records: 500,
            auto_offset_reset: OffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval: SimDuration::from_millis(5_000),
            read_committed: false,
            assignors: vec![Assignor::Range, Assignor::CooperativeSticky],
            fetch_max_wait: SimDuration::from_millis(500),
            fetch_min_bytes: 1,
            client_rack: None,
            request_timeout: SimDuration::from_millis(30_000),
            retry_backoff: SimDuration::from_millis(100),
            retry_backoff_max: SimDuration::from_millis(1_000),
            default_api_timeout: SimDuration::from_millis(60_000),
            fetch_max_bytes: 52_428_800,
            max_partition_fetch_bytes: 1_048_576,
            metadata_max_age: SimDuration::from_millis(300_000),
            processing_per_record: SimDuration::from_millis(10),
            poll_timeout: SimDuration::from_millis(1_000),
            app_commit: AppCommit::None,
            forward_topic: None,
            transactional_id: None,
            rebalance_listener: false,
        }
    }
}

/// `ConsumerConfig.checkUnsupportedConfigsPostProcess`: each protocol refuses the other's
/// client-side settings.
fn check_protocol_configs(
    config: &ConsumerConfig,
    properties: &BTreeMap<String, String>,
) -> Result<(), ConfigException> {
    let (unsupported, protocol): (&[&str], &str) = match config.group_protocol {
        GroupProtocol::Classic => (&["group.remote.assignor"], "CLASSIC"),
        GroupProtocol::Consumer => (
            &[
                "partition.assignment.strategy",
                "heartbeat.interval.ms",
                "session.timeout.ms",
            ],
            "CONSUMER",
        ),
        GroupProtocol::Share => unreachable!(
            "group.protocol parses to classic or consumer; a share consumer is a KafkaShareConsumer"
        ),
    };
    let set: Vec<&str> = unsupported
        .iter()
        .copied()
        .filter(|name| properties.get(*name).is_some_and(|v| !v.trim().is_empty()))
        .collect();
    if !set.is_empty() {
        return Err(ConfigException(format!(
            "{} cannot be set when group.protocol={protocol}",
            set.join(", ")
        )));
    }
    if config.group_protocol == GroupProtocol::Consumer && config.group_instance_id.is_some() {
        return Err(ConfigException(
            "group.instance.id with group.protocol=consumer is valid in Kafka 4 but not simulated: static members use the classic protocol here".to_owned(),
        ));
    }
    Ok(())
}

/// An assignor by Kafka's short name or class name.
pub fn assignor_from_name(name: &str) -> Option<Assignor> {
    let short = name
        .trim()
        .strip_prefix("org.apache.kafka.clients.consumer.")
        .unwrap_or(name.trim());
    Some(match short {
        "range" | "RangeAssignor" => Assignor::Range,
        "roundrobin" | "RoundRobinAssignor" => Assignor::RoundRobin,
        "sticky" | "StickyAssignor" => Assignor::Sticky,
        "cooperative-sticky" | "CooperativeStickyAssignor" => Assignor::CooperativeSticky,
        _ => return None,
    })
}

/// The protocol name an assignor registers under (`ConsumerPartitionAssignor.name()`).
pub fn assignor_name(assignor: Assignor) -> &'static str {
    match assignor {
        Assignor::Range => "range",
        Assignor::RoundRobin => "roundrobin",
        Assignor::Sticky => "sticky",
        Assignor::CooperativeSticky => "cooperative-sticky",
    }
}

/// Whether `text` is an ISO-8601 duration as Java's `Duration.parse` reads it
/// (`PnDTnHnMn.nS`, optionally signed; at least one part, `T` followed by one).
fn is_iso_duration(text: &str) -> bool {
    let text = text.strip_prefix(['-', '+']).unwrap_or(text);
    let Some(rest) = text.strip_prefix(['P', 'p']) else {
        return false;
    };
    let (days, time) = match rest.split_once(['T', 't']) {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let parts = |text: &str, units: &[char], fraction_last: bool| -> Option<usize> {
        let mut count = 0;
        let mut rest = text;
        let mut allowed = units;
        while !rest.is_empty() {
            let end = rest.find(|c: char| c.is_ascii_alphabetic())?;
            let (number, unit) = (&rest[..end], rest[end..].chars().next()?);
            let at = allowed.iter().position(|u| u.eq_ignore_ascii_case(&unit))?;
            let number = number.strip_prefix(['-', '+']).unwrap_or(number);
            let fraction_ok = fraction_last && at == allowed.len() - 1;
            let valid = match number.split_once('.') {
                Some((whole, frac)) => {
                    fraction_ok
                        && !whole.is_empty()
                        && frac.chars().all(|c| c.is_ascii_digit())
                        && whole.chars().all(|c| c.is_ascii_digit())
                }
                None => !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
            };
            if !valid {
                return None;
            }
            allowed = &allowed[at + 1..];
            rest = &rest[end + 1..];
            count += 1;
        }
        Some(count)
    };
    let Some(day_parts) = parts(days, &['D'], false) else {
        return false;
    };
    match time {
        Some(time) => parts(time, &['H', 'M', 'S'], true).is_some_and(|n| n > 0),
        None => day_parts > 0,
    }
}

impl ConsumerConfig {
    /// Builds a config from properties, refusing what Kafka refuses.
    pub fn from_properties(properties: &BTreeMap<String, String>) -> Result<Self, ConfigException> {
        let mut config = ConsumerConfig::default();
        let mut auto_commit_set = None;
        for (name, value) in properties {
            let v = value.as_str();
            match name.as_str() {
                "group.protocol" => {
                    // ConfigDef.CaseInsensitiveValidString.
                    config.group_protocol = match v.trim().to_ascii_lowercase().as_str() {
                        "classic" => GroupProtocol::Classic,
                        "consumer" => GroupProtocol::Consumer,
                        _ => {
                            return Err(invalid(
                                name,
                                v,
                                "String must be one of (case insensitive): classic, consumer",
                            ));
                        }
                    }
                }
                "group.remote.assignor" => {
                    config.remote_assignor = Some(v.trim().to_owned()).filter(|a| !a.is_empty())
                }
                "group.id" => config.group_id = Some(v.to_owned()).filter(|g| !g.is_empty()),
                "group.instance.id" => {
                    config.group_instance_id = Some(v.to_owned()).filter(|g| !g.is_empty())
                }
                "session.timeout.ms" => config.session_timeout = millis(name, v)?,
                "heartbeat.interval.ms" => config.heartbeat_interval = millis(name, v)?,
                "max.poll.interval.ms" => config.max_poll_interval = millis(name, v)?,
                "max.poll.records" => {
                    config.max_poll_records = number::<i32>(name, v, "INT", 1)? as usize
                }
                "auto.offset.reset" => {
                    // ConfigDef.parseType trims a STRING before its validator sees it.
                    let v = v.trim();
                    config.auto_offset_reset = match v {
                        "earliest" => OffsetReset::Earliest,
                        "latest" => OffsetReset::Latest,
                        "none" => OffsetReset::None,
                        _ if v.strip_prefix("by_duration:").is_some_and(is_iso_duration) => {
                            return Err(ConfigException(format!(
                                "auto.offset.reset={v} is valid in Kafka 4 (KIP-1106) but not simulated: use earliest, latest or none"
                            )));
                        }
                        // AutoOffsetResetStrategy.Validator.
                        _ => {
                            return Err(invalid(
                                name,
                                v,
                                &format!(
                                    "Invalid value `{v}` for configuration {name}. The value must be either 'earliest', 'latest', 'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'."
                                ),
                            ));
                        }
                    }
                }
                "enable.auto.commit" => auto_commit_set = Some(boolean(name, v)?),
                "auto.commit.interval.ms" => config.auto_commit_interval = millis(name, v)?,
                "isolation.level" => {
                    // ConfigDef.ValidString.in(read_committed, read_uncommitted).
                    let v = v.trim();
                    config.read_committed = match v {
                        "read_committed" => true,
                        "read_uncommitted" => false,
                        _ => {
                            return Err(invalid(
                                name,
                                v,
                                "String must be one of: read_committed, read_uncommitted",
                            ));
                        }
                    }
                }
                "partition.assignment.strategy" => {
                    config.assignors = v
                        .split(',')
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| {
                            // ConsumerPartitionAssignor.getAssignorInstances.
                            assignor_from_name(s).ok_or_else(|| {
                                ConfigException(format!(
                                    "KafkaException: {} ClassNotFoundException exception occurred",
                                    s.trim()
                                ))
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    if config.assignors.is_empty() {
                        // ClassicKafkaConsumer.throwIfNoAssignorsConfigured.
                        return Err(ConfigException(
                            "IllegalStateException: Must configure at least one partition assigner class name to partition.assignment.strategy configuration property"
                                .to_owned(),
                        ));
                    }
                }
                "fetch.max.wait.ms" => config.fetch_max_wait = millis(name, v)?,
                "fetch.min.bytes" => {
                    config.fetch_min_bytes = number::<i32>(name, v, "INT", 0)? as u32
                }
                "client.rack" => config.client_rack = Some(v.to_owned()).filter(|r| !r.is_empty()),
                "request.timeout.ms" => config.request_timeout = millis(name, v)?,
                "retry.backoff.ms" => config.retry_backoff = millis(name, v)?,
                "retry.backoff.max.ms" => config.retry_backoff_max = millis(name, v)?,
                "default.api.timeout.ms" => config.default_api_timeout = millis(name, v)?,
                "fetch.max.bytes" => {
                    config.fetch_max_bytes = number::<i32>(name, v, "INT", 0)? as u32
                }
                "max.partition.fetch.bytes" => {
                    config.max_partition_fetch_bytes = number::<i32>(name, v, "INT", 0)? as u32
                }
                "metadata.max.age.ms" => config.metadata_max_age = millis(name, v)?,
                "key.deserializer" | "value.deserializer" => {
                    // Values are shown as text whichever deserializer is named.
                    if !v.contains("Deserializer") {
                        // ConfigDef.parseType of a CLASS.
                        return Err(invalid(name, v, &format!("Class {v} could not be found.")));
                    }
                }
                "app.processing.ms" => config.processing_per_record = millis(name, v)?,
                "app.poll.timeout.ms" => config.poll_timeout = millis(name, v)?,
                "app.commit" => {
                    config.app_commit = match v.trim() {
                        "none" => AppCommit::None,
                        "after-processing" => AppCommit::AfterProcessing,
                        "before-processing" => AppCommit::BeforeProcessing,
                        "transactional" => AppCommit::Transactional,
                        "explicit" => AppCommit::Explicit,
                        "explicit-async" => AppCommit::ExplicitAsync,
                        _ => {
                            return Err(invalid(
                                name,
                                v,
                                "String must be one of: none, after-processing, before-processing, transactional, explicit, explicit-async",
                            ));
                        }
                    }
                }
                "app.forward.topic" => {
                    config.forward_topic = Some(v.trim().to_owned()).filter(|t| !t.is_empty())
                }
                "app.rebalance.listener" => config.rebalance_listener = boolean(name, v)?,
                "app.transactional.id" => {
                    config.transactional_id = Some(v.trim().to_owned()).filter(|t| !t.is_empty())
                }
                _ => {
                    return Err(ConfigException(format!(
                        "Unknown consumer config '{name}' (Kafka would log: The configuration '{name}' was supplied but isn't a known config.)"
                    )));
                }
            }
        }
        check_protocol_configs(&config, properties)?;
        if config.heartbeat_interval >= config.session_timeout {
            return Err(ConfigException(
                "IllegalArgumentException: Heartbeat must be set lower than the session timeout"
                    .to_owned(),
            ));
        }
        config.enable_auto_commit = match (auto_commit_set, &config.group_id) {
            (Some(true), None) => {
                return Err(ConfigException(
                    "InvalidConfigurationException: enable.auto.commit cannot be set to true when default group id (null) is used.".to_owned(),
                ));
            }
            (Some(explicit), _) => explicit,
            (None, group) => group.is_some(),
        };
        if config.app_commit == AppCommit::Transactional {
            if config.forward_topic.is_none() || config.group_id.is_none() {
                return Err(ConfigException(
                    "app.commit=transactional needs app.forward.topic and group.id: the offsets are committed with the records the application produces".to_owned(),
                ));
            }
            if config.enable_auto_commit {
                return Err(ConfigException(
                    "app.commit=transactional needs enable.auto.commit=false: auto commit would commit offsets outside the transactions".to_owned(),
                ));
            }
        }
        if config.poll_timeout == SimDuration::ZERO {
            // A zero-timeout poll loop would spin without virtual time passing.
            config.poll_timeout = SimDuration::from_millis(1);
        }
        Ok(config)
    }

    /// Whether every configured assignor supports the cooperative protocol (KIP-429); the
    /// consumer then keeps its partitions through rebalances.
    pub fn cooperative(&self) -> bool {
        self.assignors
            .iter()
            .all(|a| *a == Assignor::CooperativeSticky)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_kafka_4_and_the_default_strategy_is_eager_range() {
        let config = ConsumerConfig::from_properties(&props(&[("group.id", "g")])).expect("valid");
        assert_eq!(config.session_timeout, SimDuration::from_millis(45_000));
        assert_eq!(config.auto_offset_reset, OffsetReset::Latest);
        assert!(config.enable_auto_commit);
        assert_eq!(
            config.assignors,
            [Assignor::Range, Assignor::CooperativeSticky]
        );
        assert!(
            !config.cooperative(),
            "range only speaks the eager protocol"
        );
    }

    #[test]
    fn kafkas_refusals() {
        let error = |pairs: &[(&str, &str)]| {
            ConsumerConfig::from_properties(&props(pairs))
                .expect_err("refused")
                .to_string()
        };
        assert!(error(&[("enable.auto.commit", "true")]).contains("default group id (null)"));
        assert!(error(&[("session.timeout.ms", "3000")]).contains("Heartbeat must be set lower"));
        // clients/src/main/java/org/apache/kafka/clients/consumer/internals/AutoOffsetResetStrategy.java
        // (Validator) inside ConfigException(name, value, message).
        assert_eq!(
            error(&[("auto.offset.reset", "smallest")]),
            "ConfigException: Invalid value smallest for configuration auto.offset.reset: Invalid value `smallest` for configuration auto.offset.reset. The value must be either 'earliest', 'latest', 'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'."
        );
        assert!(
            error(&[("auto.offset.reset", "by_duration:1h")]).contains("The value must be either")
        );
        assert!(
            error(&[("auto.offset.reset", "by_duration")]).contains("The value must be either")
        );
        assert!(error(&[("auto.offset.reset", "by_duration:PT1H")]).contains("not simulated"));
        assert!(error(&[("auto.offset.reset", "by_duration:P1DT2.5S")]).contains("not simulated"));
        // ConfigDef.ValidString.
        assert_eq!(
            error(&[("isolation.level", "READ_COMMITTED")]),
            "ConfigException: Invalid value READ_COMMITTED for configuration isolation.level: String must be one of: read_committed, read_uncommitted"
        );
        // ConsumerPartitionAssignor.getAssignorInstances; ClassicKafkaConsumer.
        assert_eq!(
            error(&[("partition.assignment.strategy", "fair")]),
            "ConfigException: KafkaException: fair ClassNotFoundException exception occurred"
        );
        assert!(
            error(&[("partition.assignment.strategy", " ")])
                .contains("Must configure at least one partition assigner class name")
        );
        assert!(error(&[("fetch.min.byte", "1")]).contains("Unknown consumer config"));
        assert_eq!(
            error(&[
                ("group.protocol", "consumer"),
                ("session.timeout.ms", "10000"),
                ("partition.assignment.strategy", "range"),
            ]),
            "ConfigException: partition.assignment.strategy, session.timeout.ms cannot be set when group.protocol=CONSUMER"
        );
        assert_eq!(
            error(&[("group.remote.assignor", "uniform")]),
            "ConfigException: group.remote.assignor cannot be set when group.protocol=CLASSIC"
        );
        assert!(
            error(&[("group.protocol", "kip848")])
                .contains("(case insensitive): classic, consumer")
        );
        assert!(
            error(&[("group.id", "g"), ("app.commit", "transactional")])
                .contains("needs app.forward.topic")
        );
        assert!(
            error(&[
                ("group.id", "g"),
                ("app.commit", "transactional"),
                ("app.forward.topic", "out")
            ])
            .contains("needs enable.auto.commit=false")
        );
        let no_group = ConsumerConfig::from_properties(&props(&[])).expect("valid");
        assert!(!no_group.enable_auto_commit, "no group id: auto commit off");
    }
}
