//! A share consumer's configs: Kafka's `KafkaShareConsumer` takes the consumer's config names,
//! refuses those that belong to consumer groups (a share group has no offsets to reset or
//! commit, no assignor and no client-side session), and adds `share.acknowledgement.mode`.

use crate::properties::{ConfigException, invalid, millis, number};
use crate::protocol::AcknowledgeType;
use crate::time::SimDuration;
use serde::Serialize;
use std::collections::BTreeMap;

/// How the application acknowledges (`share.acknowledgement.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AcknowledgementMode {
    /// The next `poll()` accepts every record of the previous one.
    Implicit,
    /// The application calls `acknowledge(record, type)` for each record.
    Explicit,
}

/// A share consumer's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShareConsumerConfig {
    /// `group.id` (required).
    pub group_id: String,
    /// `share.acknowledgement.mode` (implicit).
    pub acknowledgement_mode: AcknowledgementMode,
    /// `max.poll.records` (500): also what one ShareFetch acquires at most.
    pub max_poll_records: usize,
    /// `fetch.max.wait.ms` (500): how long the leader holds a ShareFetch with nothing to
    /// acquire (here: how long the consumer waits before asking that leader again).
    pub fetch_max_wait: SimDuration,
    /// `request.timeout.ms` (30000).
    pub request_timeout: SimDuration,
    /// `retry.backoff.ms` (100).
    pub retry_backoff: SimDuration,
    /// `app.processing.ms` (playground): the application's time per record.
    pub processing_per_record: SimDuration,
    /// `app.acknowledge` (playground, explicit mode): how the application acknowledges each
    /// record it processed: `accept`, `release` (it cannot process it now) or `reject`.
    pub app_acknowledge: AcknowledgeType,
}

impl Default for ShareConsumerConfig {
    fn default() -> Self {
        ShareConsumerConfig {
            group_id: String::new(),
            acknowledgement_mode: AcknowledgementMode::Implicit,
            max_poll_records: 500,
            fetch_max_wait: SimDuration::from_millis(500),
            request_timeout: SimDuration::from_millis(30_000),
            retry_backoff: SimDuration::from_millis(100),
            processing_per_record: SimDuration::from_millis(10),
            app_acknowledge: AcknowledgeType::Accept,
        }
    }
}

/// Consumer configs that mean nothing to a share consumer: Kafka's `ShareConsumerConfig`
/// refuses them.
const UNSUPPORTED: [&str; 10] = [
    "auto.offset.reset",
    "enable.auto.commit",
    "group.instance.id",
    "isolation.level",
    "partition.assignment.strategy",
    "interceptor.classes",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "group.protocol",
    "group.remote.assignor",
];

impl ShareConsumerConfig {
    /// Parses Kafka properties (and the playground's `app.*`); `group.type=share` is how a
    /// playground command asks for a share consumer rather than a `KafkaConsumer`.
    pub fn from_properties(properties: &BTreeMap<String, String>) -> Result<Self, ConfigException> {
        let mut config = ShareConsumerConfig::default();
        let mut acknowledge_set = false;
        for (name, value) in properties {
            let v = value.trim();
            match name.as_str() {
                "group.type" | "client.id" | "key.deserializer" | "value.deserializer" => {}
                "group.id" => config.group_id = v.to_owned(),
                "share.acknowledgement.mode" => {
                    config.acknowledgement_mode = match v {
                        "implicit" => AcknowledgementMode::Implicit,
                        "explicit" => AcknowledgementMode::Explicit,
                        _ => {
                            return Err(invalid(
                                name,
                                v,
                                "String must be one of: implicit, explicit",
                            ));
                        }
                    }
                }
                "max.poll.records" => {
                    config.max_poll_records = number::<i32>(name, v, "INT", 1)? as usize
                }
                "fetch.max.wait.ms" => config.fetch_max_wait = millis(name, v)?,
                "request.timeout.ms" => config.request_timeout = millis(name, v)?,
                "retry.backoff.ms" => config.retry_backoff = millis(name, v)?,
                "app.processing.ms" => config.processing_per_record = millis(name, v)?,
                "app.acknowledge" => {
                    acknowledge_set = true;
                    config.app_acknowledge = match v {
                        "accept" => AcknowledgeType::Accept,
                        "release" => AcknowledgeType::Release,
                        "reject" => AcknowledgeType::Reject,
                        _ => {
                            return Err(invalid(
                                name,
                                v,
                                "String must be one of: accept, release, reject",
                            ));
                        }
                    }
                }
                other if UNSUPPORTED.contains(&other) => {
                    return Err(ConfigException(format!(
                        "{other} is not supported by KafkaShareConsumer: a share group has no offsets, assignor or client-side session"
                    )));
                }
                other => {
                    return Err(ConfigException(format!(
                        "{other} is not a share consumer config the playground simulates"
                    )));
                }
            }
        }
        if config.group_id.is_empty() {
            return Err(ConfigException(
                "InvalidGroupIdException: You must provide a valid group.id in the share consumer configuration."
                    .to_owned(),
            ));
        }
        if acknowledge_set
            && config.acknowledgement_mode == AcknowledgementMode::Implicit
            && config.app_acknowledge != AcknowledgeType::Accept
        {
            return Err(ConfigException(
                "app.acknowledge needs share.acknowledgement.mode=explicit: in implicit mode the next poll() accepts every record"
                    .to_owned(),
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ShareConsumerConfig, ConfigException> {
        let map = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ShareConsumerConfig::from_properties(&map)
    }

    #[test]
    fn defaults_are_kafkas() {
        let config = parse(&[("group.id", "g")]).expect("parsed");
        assert_eq!(config.acknowledgement_mode, AcknowledgementMode::Implicit);
        assert_eq!(config.max_poll_records, 500);
        assert_eq!(config.fetch_max_wait, SimDuration::from_millis(500));
    }

    #[test]
    fn consumer_group_configs_are_refused() {
        let error =
            parse(&[("group.id", "g"), ("enable.auto.commit", "true")]).expect_err("refused");
        assert!(
            error.0.contains("enable.auto.commit is not supported"),
            "{error:?}"
        );
        assert!(
            parse(&[])
                .expect_err("refused")
                .0
                .contains("InvalidGroupIdException")
        );
    }

    #[test]
    fn explicit_acknowledgement_takes_the_application_s_choice() {
        let config = parse(&[
            ("group.id", "g"),
            ("share.acknowledgement.mode", "explicit"),
            ("app.acknowledge", "release"),
        ])
        .expect("parsed");
        assert_eq!(config.app_acknowledge, AcknowledgeType::Release);
        let error =
            parse(&[("group.id", "g"), ("app.acknowledge", "reject")]).expect_err("refused");
        assert!(
            error
                .0
                .contains("needs share.acknowledgement.mode=explicit")
        );
        let error = parse(&[("group.id", "g"), ("share.acknowledgement.mode", "auto")])
            .expect_err("refused");
        assert!(
            error
                .0
                .contains("String must be one of: implicit, explicit")
        );
    }
}
