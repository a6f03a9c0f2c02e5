//! Producer configs, given as Kafka properties (`acks`, `linger.ms`, ...) and validated as
//! `ProducerConfig` does, with Kafka 4.x defaults. Idempotence (default on) is switched off
//! silently when `acks` or `retries` conflicts with it, but an explicit
//! `enable.idempotence=true` that conflicts is a `ConfigException` with Kafka's message; more
//! than 5 requests in flight is refused unless idempotence is explicitly off (Kafka 4.0).

use super::serializer::Serializer;
use crate::time::SimDuration;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::properties::ConfigException;
use crate::properties::{boolean, invalid, millis, number};

/// A producer's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProducerConfig {
    /// `acks`: 0, 1 or -1 (all). Default all.
    pub acks: i16,
    /// `enable.idempotence`, after the rules above. Default true.
    pub enable_idempotence: bool,
    /// `retries`. Default 2147483647.
    pub retries: u32,
    /// `max.in.flight.requests.per.connection`. Default 5.
    pub max_in_flight: u32,
    /// `linger.ms`. Default 5 (Kafka 4.0, KIP-1030).
    pub linger: SimDuration,
    /// `batch.size` in bytes. Default 16384.
    pub batch_size: usize,
    /// `buffer.memory` in bytes. Default 33554432.
    pub buffer_memory: usize,
    /// `max.block.ms`. Default 60000.
    pub max_block: SimDuration,
    /// `max.request.size` in bytes. Default 1048576.
    pub max_request_size: usize,
    /// `request.timeout.ms`. Default 30000.
    pub request_timeout: SimDuration,
    /// `retry.backoff.ms`: the first wait before a retry. Default 100.
    pub retry_backoff: SimDuration,
    /// `retry.backoff.max.ms`: retries wait exponentially longer, up to this. Default 1000.
    pub retry_backoff_max: SimDuration,
    /// `metadata.max.age.ms`. Default 300000. Accepted; the simulated producer refreshes its
    /// metadata when a response says it is stale, which comes long before.
    pub metadata_max_age: SimDuration,
    /// `delivery.timeout.ms`. Default 120000.
    pub delivery_timeout: SimDuration,
    /// `key.serializer`. Default StringSerializer.
    pub key_serializer: Serializer,
    /// `value.serializer`. Default StringSerializer.
    pub value_serializer: Serializer,
    /// `partitioner.ignore.keys`. Default false.
    pub partitioner_ignore_keys: bool,
    /// `partitioner.adaptive.partitioning.enable`. Default true.
    pub partitioner_adaptive: bool,
    /// `transactional.id`. Default null (no transactions).
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`. Default 60000.
    pub transaction_timeout: SimDuration,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: -1,
            enable_idempotence: true,
            retries: i32::MAX as u32,
            max_in_flight: 5,
            linger: SimDuration::from_millis(5),
            batch_size: 16_384,
            buffer_memory: 33_554_432,
            max_block: SimDuration::from_millis(60_000),
            max_request_size: 1_048_576,
            request_timeout: SimDuration::from_millis(30_000),
            retry_backoff: SimDuration::from_millis(100),
            retry_backoff_max: SimDuration::from_millis(1_000),
            metadata_max_age: SimDuration::from_millis(300_000),
            delivery_timeout: SimDuration::from_millis(120_000),
            key_serializer: Serializer::String,
            value_serializer: Serializer::String,
            partitioner_ignore_keys: false,
            partitioner_adaptive: true,
            transactional_id: None,
            transaction_timeout: SimDuration::from_millis(60_000),
        }
    }
}

impl ProducerConfig {
    /// Builds a config from Kafka properties.
    pub fn from_properties(properties: &BTreeMap<String, String>) -> Result<Self, ConfigException> {
        let mut config = ProducerConfig::default();
        let mut idempotence_set = None;
        for (name, value) in properties {
            let v = value.as_str();
            match name.as_str() {
                "acks" => {
                    config.acks = match v.trim() {
                        "all" | "-1" => -1,
                        "1" => 1,
                        "0" => 0,
                        _ => return Err(invalid(name, v, "String must be one of: all, -1, 0, 1")),
                    }
                }
                "enable.idempotence" => idempotence_set = Some(boolean(name, v)?),
                "retries" => config.retries = number::<i32>(name, v, "INT", 0)? as u32,
                "max.in.flight.requests.per.connection" => {
                    config.max_in_flight = number::<i32>(name, v, "INT", 1)? as u32;
                }
                "linger.ms" => config.linger = millis(name, v)?,
                "batch.size" => config.batch_size = number::<i32>(name, v, "INT", 0)? as usize,
                "buffer.memory" => {
                    config.buffer_memory = number::<i64>(name, v, "LONG", 0)? as usize
                }
                "max.block.ms" => config.max_block = millis(name, v)?,
                "max.request.size" => {
                    config.max_request_size = number::<i32>(name, v, "INT", 0)? as usize
                }
                "request.timeout.ms" => config.request_timeout = millis(name, v)?,
                "retry.backoff.ms" => config.retry_backoff = millis(name, v)?,
                "retry.backoff.max.ms" => config.retry_backoff_max = millis(name, v)?,
                "metadata.max.age.ms" => config.metadata_max_age = millis(name, v)?,
                "delivery.timeout.ms" => config.delivery_timeout = millis(name, v)?,
                "key.serializer" => config.key_serializer = Serializer::from_class(name, v)?,
                "value.serializer" => config.value_serializer = Serializer::from_class(name, v)?,
                "partitioner.ignore.keys" => config.partitioner_ignore_keys = boolean(name, v)?,
                "partitioner.adaptive.partitioning.enable" => {
                    config.partitioner_adaptive = boolean(name, v)?
                }
                "transactional.id" => {
                    config.transactional_id = Some(v.to_owned()).filter(|id| !id.is_empty());
                }
                "transaction.timeout.ms" => config.transaction_timeout = millis(name, v)?,
                // Kafka only logs "The configuration '...' was supplied but isn't a known
                // config."; the playground refuses, so a typo cannot pass unnoticed.
                _ => {
                    return Err(ConfigException(format!(
                        "Unknown producer config '{name}' (Kafka would log: The configuration '{name}' was supplied but isn't a known config.)"
                    )));
                }
            }
        }
        config.apply_idempotence_rules(idempotence_set)?;
        if config.transactional_id.is_some() && !config.enable_idempotence {
            return Err(ConfigException(
                "Cannot set a transactional.id without also enabling idempotence.".to_owned(),
            ));
        }
        let floor = config.linger + config.request_timeout;
        if config.delivery_timeout < floor {
            if properties.contains_key("delivery.timeout.ms") {
                return Err(ConfigException(
                    "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms".to_owned(),
                ));
            }
            config.delivery_timeout = floor;
        }
        Ok(config)
    }

    /// `postProcessAndValidateIdempotenceConfigs`, in its order: retries, acks, then requests
    /// in flight, which Kafka 4 refuses even when idempotence was only the default.
    fn apply_idempotence_rules(&mut self, explicit: Option<bool>) -> Result<(), ConfigException> {
        let mut enabled = explicit.unwrap_or(true);
        if enabled {
            let mut disable = false;
            if self.retries == 0 {
                if explicit.is_some() {
                    return Err(ConfigException(
                        "Must set retries to non-zero when using the idempotent producer."
                            .to_owned(),
                    ));
                }
                disable = true;
            }
            if self.acks != -1 {
                if explicit.is_some() {
                    return Err(ConfigException(
                        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".to_owned(),
                    ));
                }
                disable = true;
            }
            if self.max_in_flight > 5 {
                return Err(ConfigException(format!(
                    "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is {}.",
                    self.max_in_flight
                )));
            }
            enabled = !disable;
        }
        self.enable_idempotence = enabled;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_kafka_4() {
        let config = ProducerConfig::from_properties(&props(&[])).expect("valid");
        assert_eq!(config.acks, -1);
        assert!(config.enable_idempotence);
        assert_eq!(config.linger, SimDuration::from_millis(5));
        assert_eq!((config.batch_size, config.max_in_flight), (16_384, 5));
        assert_eq!(config.retry_backoff_max, SimDuration::from_millis(1_000));
        assert_eq!(config.metadata_max_age, SimDuration::from_millis(300_000));
        let set = ProducerConfig::from_properties(&props(&[
            ("retry.backoff.max.ms", "5000"),
            ("metadata.max.age.ms", "60000"),
        ]))
        .expect("known configs");
        assert_eq!(set.retry_backoff_max, SimDuration::from_millis(5_000));
        assert_eq!(set.metadata_max_age, SimDuration::from_millis(60_000));
    }

    #[test]
    fn default_idempotence_yields_silently_but_explicit_idempotence_refuses() {
        let config = ProducerConfig::from_properties(&props(&[("acks", "1")])).expect("valid");
        assert!(!config.enable_idempotence, "silently disabled");
        assert_eq!(
            ProducerConfig::from_properties(&props(&[("acks", "1"), ("enable.idempotence", "true")])),
            Err(ConfigException("Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".to_owned()))
        );
        assert_eq!(
            ProducerConfig::from_properties(&props(&[
                ("retries", "0"),
                ("enable.idempotence", "true")
            ]))
            .expect_err("retries")
            .0,
            "Must set retries to non-zero when using the idempotent producer."
        );
    }

    #[test]
    fn more_than_five_in_flight_needs_idempotence_explicitly_off() {
        // clients/src/main/java/org/apache/kafka/clients/producer/ProducerConfig.java (4.0):
        // refused even when idempotence is only the default, and even with acks=1.
        let refused = "To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. Current value is 6.";
        for extra in [
            None,
            Some(("acks", "1")),
            Some(("enable.idempotence", "true")),
        ] {
            let mut pairs = vec![("max.in.flight.requests.per.connection", "6")];
            pairs.extend(extra);
            assert_eq!(
                ProducerConfig::from_properties(&props(&pairs)),
                Err(ConfigException(refused.to_owned())),
                "{pairs:?}"
            );
        }
        let config = ProducerConfig::from_properties(&props(&[
            ("max.in.flight.requests.per.connection", "6"),
            ("enable.idempotence", "false"),
        ]))
        .expect("valid");
        assert_eq!(
            (config.max_in_flight, config.enable_idempotence),
            (6, false)
        );
    }

    #[test]
    fn a_transactional_id_needs_idempotence() {
        let config =
            ProducerConfig::from_properties(&props(&[("transactional.id", "t1")])).expect("valid");
        assert_eq!(config.transactional_id.as_deref(), Some("t1"));
        for conflict in [("enable.idempotence", "false"), ("acks", "1")] {
            assert_eq!(
                ProducerConfig::from_properties(&props(&[("transactional.id", "t1"), conflict]))
                    .expect_err("conflict")
                    .0,
                "Cannot set a transactional.id without also enabling idempotence."
            );
        }
    }

    #[test]
    fn bad_values_are_config_exceptions() {
        assert_eq!(
            ProducerConfig::from_properties(&props(&[("acks", "2")]))
                .expect_err("acks")
                .to_string(),
            "ConfigException: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
        );
        assert!(ProducerConfig::from_properties(&props(&[("linger.ms", "soon")])).is_err());
        assert!(ProducerConfig::from_properties(&props(&[("lingr.ms", "5")])).is_err());
        assert!(
            ProducerConfig::from_properties(&props(&[("delivery.timeout.ms", "1000")])).is_err()
        );
    }
}
