//! Topic names and topic configs, validated exactly as Kafka does: the name rules of
//! `org.apache.kafka.common.internals.Topic` and the config definitions of `LogConfig`, with
//! Kafka's error names and messages.

use crate::error::{ErrorCode, KafkaError};
use crate::log::{Compaction, Retention, Roll};
use crate::protocol::Extension;
pub use crate::protocol::{CleanupPolicy, DirtyRatio, TopicConfig};
use std::collections::BTreeMap;

/// The longest legal topic name.
pub const MAX_NAME_LENGTH: usize = 249;
/// The KRaft metadata log, which no client may create.
pub const CLUSTER_METADATA_TOPIC: &str = "__cluster_metadata";
/// Topics Kafka manages itself.
pub const INTERNAL_TOPICS: &[&str] = &[
    "__consumer_offsets",
    "__transaction_state",
    "__share_group_state",
];

/// Checks a name against Kafka's rules, in Kafka's order, returning Kafka's reason.
pub fn validate_name(name: &str) -> Result<(), KafkaError> {
    let reason = if name.is_empty() {
        "the empty string is not allowed".to_owned()
    } else if name == "." {
        "'.' is not allowed".to_owned()
    } else if name == ".." {
        "'..' is not allowed".to_owned()
    } else if name.chars().count() > MAX_NAME_LENGTH {
        format!("the length of '{name}' is longer than the max allowed length {MAX_NAME_LENGTH}")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        format!(
            "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
        )
    } else {
        return Ok(());
    };
    Err(KafkaError::new(
        ErrorCode::InvalidTopicException,
        format!("Topic name is invalid: {reason}"),
    ))
}

/// Whether the name contains `.` or `_`, which metric names cannot tell apart.
pub fn has_collision_chars(name: &str) -> bool {
    name.contains(['.', '_'])
}

/// The name with every `.` replaced by `_`: two topics collide when these are equal.
pub fn unify_collision_chars(name: &str) -> String {
    name.replace('.', "_")
}

/// Whether Kafka manages this topic itself.
pub fn is_internal(name: &str) -> bool {
    INTERNAL_TOPICS.contains(&name) || name == CLUSTER_METADATA_TOPIC
}

impl CleanupPolicy {
    fn as_kafka(self) -> &'static str {
        match self {
            CleanupPolicy::Delete => "delete",
            CleanupPolicy::Compact => "compact",
            CleanupPolicy::CompactDelete => "compact,delete",
        }
    }
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            retention_ms: 604_800_000,
            retention_bytes: -1,
            cleanup_policy: CleanupPolicy::Delete,
            max_message_bytes: None,
            segment_bytes: Extension(None),
            segment_ms: Extension(None),
            delete_retention_ms: Extension(None),
            min_cleanable_dirty_ratio: Extension(None),
            min_compaction_lag_ms: Extension(None),
            max_compaction_lag_ms: Extension(None),
        }
    }
}

fn invalid(name: &str, value: &str, why: &str) -> KafkaError {
    KafkaError::new(
        ErrorCode::InvalidConfig,
        format!("Invalid value {value} for configuration {name}: {why}"),
    )
}

fn parse_long(name: &str, value: &str, at_least: Option<i64>) -> Result<i64, KafkaError> {
    let number: i64 = value
        .trim()
        .parse()
        .map_err(|_| invalid(name, value, "Not a number of type LONG"))?;
    match at_least {
        Some(min) if number < min => Err(invalid(
            name,
            value,
            &format!("Value must be at least {min}"),
        )),
        _ => Ok(number),
    }
}

/// A DOUBLE config in `[0, 1]` (`ConfigDef.Range.between(0, 1)`).
fn parse_ratio(name: &str, value: &str) -> Result<DirtyRatio, KafkaError> {
    let number: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| invalid(name, value, "Not a number of type DOUBLE"))?;
    let shown = java_double(number);
    if number < 0.0 {
        return Err(invalid(name, &shown, "Value must be at least 0"));
    }
    DirtyRatio::new(number).ok_or_else(|| invalid(name, &shown, "Value must be no more than 1"))
}

/// A double as Java's `Double.toString` prints the common cases (`1.0`, `0.25`).
fn java_double(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e7 {
        format!("{number:.1}")
    } else {
        number.to_string()
    }
}

fn parse_int(name: &str, value: &str, at_least: i32) -> Result<i32, KafkaError> {
    let number: i32 = value
        .trim()
        .parse()
        .map_err(|_| invalid(name, value, "Not a number of type INT"))?;
    if number < at_least {
        return Err(invalid(
            name,
            value,
            &format!("Value must be at least {at_least}"),
        ));
    }
    Ok(number)
}

impl TopicConfig {
    /// Builds configs from `key=value` pairs as `kafka-topics.sh --config` passes them,
    /// rejecting unknown keys and bad values with `INVALID_CONFIG` and Kafka's message.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<TopicConfig, KafkaError> {
        let mut config = TopicConfig::default();
        for (name, value) in pairs {
            config.set(name, value)?;
        }
        config.validate_values()?;
        Ok(config)
    }

    /// Sets one config by its Kafka name.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), KafkaError> {
        match name {
            "min.insync.replicas" => {
                self.min_insync_replicas = parse_int(name, value, 1)? as u32;
            }
            "unclean.leader.election.enable" => {
                self.unclean_leader_election_enable =
                    match value.trim().to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(invalid(
                                name,
                                value,
                                "Expected value to be either true or false",
                            ));
                        }
                    };
            }
            "retention.ms" => self.retention_ms = parse_long(name, value, Some(-1))?,
            "max.message.bytes" => {
                self.max_message_bytes = Some(parse_int(name, value, 0)? as u32);
            }
            "retention.bytes" => self.retention_bytes = parse_long(name, value, None)?,
            "segment.bytes" => {
                self.segment_bytes = Extension(Some(parse_int(name, value, 1024 * 1024)? as u32));
            }
            "segment.ms" => {
                self.segment_ms = Extension(Some(parse_long(name, value, Some(1))? as u64))
            }
            "delete.retention.ms" => {
                self.delete_retention_ms = Extension(Some(parse_long(name, value, Some(0))? as u64))
            }
            "min.cleanable.dirty.ratio" => {
                self.min_cleanable_dirty_ratio = Extension(Some(parse_ratio(name, value)?))
            }
            "min.compaction.lag.ms" => {
                self.min_compaction_lag_ms =
                    Extension(Some(parse_long(name, value, Some(0))? as u64))
            }
            "max.compaction.lag.ms" => {
                self.max_compaction_lag_ms =
                    Extension(Some(parse_long(name, value, Some(1))? as u64))
            }
            "cleanup.policy" => {
                let mut parts: Vec<&str> = value.split(',').map(str::trim).collect();
                parts.sort_unstable();
                parts.dedup();
                self.cleanup_policy = match parts.as_slice() {
                    ["delete"] => CleanupPolicy::Delete,
                    ["compact"] => CleanupPolicy::Compact,
                    ["compact", "delete"] => CleanupPolicy::CompactDelete,
                    _ => {
                        return Err(invalid(
                            name,
                            value,
                            "String must be one of: compact, delete",
                        ));
                    }
                };
            }
            _ => {
                return Err(KafkaError::new(
                    ErrorCode::InvalidConfig,
                    format!("Unknown topic config name: {name}"),
                ));
            }
        }
        Ok(())
    }

    /// `LogConfig.validateValues`: the settings that must agree with each other.
    fn validate_values(&self) -> Result<(), KafkaError> {
        let compaction = self.compaction_settings();
        if compaction.min_lag_ms > compaction.max_lag_ms {
            return Err(KafkaError::new(
                ErrorCode::InvalidConfig,
                format!(
                    "conflict topic config setting min.compaction.lag.ms ({}) > \
                     max.compaction.lag.ms ({})",
                    compaction.min_lag_ms, compaction.max_lag_ms
                ),
            ));
        }
        Ok(())
    }

    /// What the log cleaner does, if the policy compacts at all (`compact` or
    /// `compact,delete`).
    pub fn compaction(&self) -> Option<Compaction> {
        matches!(
            self.cleanup_policy,
            CleanupPolicy::Compact | CleanupPolicy::CompactDelete
        )
        .then(|| self.compaction_settings())
    }

    fn compaction_settings(&self) -> Compaction {
        let default = Compaction::default();
        Compaction {
            delete_retention_ms: self
                .delete_retention_ms
                .0
                .unwrap_or(default.delete_retention_ms),
            min_cleanable_dirty_ratio: self
                .min_cleanable_dirty_ratio
                .0
                .map_or(default.min_cleanable_dirty_ratio, DirtyRatio::get),
            min_lag_ms: self.min_compaction_lag_ms.0.unwrap_or(default.min_lag_ms),
            max_lag_ms: self.max_compaction_lag_ms.0.unwrap_or(default.max_lag_ms),
        }
    }

    /// When the topic's active segments roll.
    pub fn roll(&self) -> Roll {
        let default = Roll::default();
        Roll {
            segment_bytes: self
                .segment_bytes
                .0
                .map_or(default.segment_bytes, u64::from),
            segment_ms: self.segment_ms.0.unwrap_or(default.segment_ms),
        }
    }

    /// What retention deletes, if the policy deletes at all (`delete` or `compact,delete`).
    pub fn retention(&self) -> Option<Retention> {
        matches!(
            self.cleanup_policy,
            CleanupPolicy::Delete | CleanupPolicy::CompactDelete
        )
        .then_some(Retention {
            ms: self.retention_ms,
            bytes: self.retention_bytes,
        })
    }

    /// The configs that differ from the defaults, in the order `kafka-topics.sh --describe`
    /// lists them: `TopicCommand.TopicDescription.printDescription` walks the admin client's
    /// `Config.entries()`, a `HashMap<String, ConfigEntry>` holding every topic config of the
    /// DescribeConfigs answer (the 36 of `LogConfig`'s definition: 64 buckets), so the order
    /// is that of the names' buckets (`compression.type=producer,cleanup.policy=compact,
    /// segment.bytes=104857600`, as `__consumer_offsets` is described).
    pub fn non_default(&self) -> Vec<(&'static str, String)> {
        let mut out = self.non_default_by_name().into_iter().collect::<Vec<_>>();
        crate::sorted::sort_by_key(&mut out, |(name, _)| {
            (describe_configs_bucket(name), definition_order(name))
        });
        out
    }

    fn non_default_by_name(&self) -> BTreeMap<&'static str, String> {
        let default = TopicConfig::default();
        let mut out = BTreeMap::new();
        if self.min_insync_replicas != default.min_insync_replicas {
            out.insert("min.insync.replicas", self.min_insync_replicas.to_string());
        }
        if self.unclean_leader_election_enable != default.unclean_leader_election_enable {
            out.insert(
                "unclean.leader.election.enable",
                self.unclean_leader_election_enable.to_string(),
            );
        }
        if self.retention_ms != default.retention_ms {
            out.insert("retention.ms", self.retention_ms.to_string());
        }
        if self.retention_bytes != default.retention_bytes {
            out.insert("retention.bytes", self.retention_bytes.to_string());
        }
        if self.cleanup_policy != default.cleanup_policy {
            out.insert("cleanup.policy", self.cleanup_policy.as_kafka().to_owned());
        }
        if let Some(bytes) = self.max_message_bytes {
            out.insert("max.message.bytes", bytes.to_string());
        }
        if let Some(bytes) = self.segment_bytes.0 {
            out.insert("segment.bytes", bytes.to_string());
        }
        if let Some(ms) = self.segment_ms.0 {
            out.insert("segment.ms", ms.to_string());
        }
        if let Some(ms) = self.delete_retention_ms.0 {
            out.insert("delete.retention.ms", ms.to_string());
        }
        if let Some(ratio) = self.min_cleanable_dirty_ratio.0 {
            out.insert("min.cleanable.dirty.ratio", java_double(ratio.get()));
        }
        if let Some(ms) = self.min_compaction_lag_ms.0 {
            out.insert("min.compaction.lag.ms", ms.to_string());
        }
        if let Some(ms) = self.max_compaction_lag_ms.0 {
            out.insert("max.compaction.lag.ms", ms.to_string());
        }
        out
    }
}

/// Where `LogConfig` defines a config: the order two configs sharing a bucket
/// (`segment.bytes` and `retention.ms` do) are assumed to be put into the map in.
fn definition_order(name: &str) -> usize {
    const DEFINED: [&str; 12] = [
        "segment.bytes",
        "segment.ms",
        "retention.bytes",
        "retention.ms",
        "max.message.bytes",
        "delete.retention.ms",
        "min.compaction.lag.ms",
        "max.compaction.lag.ms",
        "min.cleanable.dirty.ratio",
        "cleanup.policy",
        "unclean.leader.election.enable",
        "min.insync.replicas",
    ];
    DEFINED
        .iter()
        .position(|n| *n == name)
        .unwrap_or(DEFINED.len())
}

/// The bucket of a topic config's name in a 64-bucket Java `HashMap` (`HashMap.hash`: the
/// hash code's high half folded into its low half).
fn describe_configs_bucket(name: &str) -> u32 {
    let h = crate::group::java_hash_code(name) as u32;
    (h ^ (h >> 16)) & 63
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_follow_kafka() {
        let error = validate_name("foo bar").expect_err("space");
        assert_eq!(
            error.to_string(),
            "INVALID_TOPIC_EXCEPTION: Topic name is invalid: 'foo bar' contains one or more \
             characters other than ASCII alphanumerics, '.', '_' and '-'"
        );
        assert_eq!(
            validate_name("").expect_err("empty").message,
            "Topic name is invalid: the empty string is not allowed"
        );
        let long = "a".repeat(250);
        assert!(
            validate_name(&long)
                .expect_err("long")
                .message
                .contains("max allowed length 249")
        );
    }

    #[test]
    fn configs_are_validated_like_log_config() {
        assert_eq!(
            TopicConfig::from_pairs([("min.insync.replicas", "0")])
                .expect_err("0")
                .to_string(),
            "INVALID_CONFIG: Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"
        );
        assert_eq!(
            TopicConfig::from_pairs([("colour", "blue")])
                .expect_err("unknown")
                .message,
            "Unknown topic config name: colour"
        );
        assert!(TopicConfig::from_pairs([("unclean.leader.election.enable", "yes")]).is_err());
        assert!(TopicConfig::from_pairs([("retention.ms", "-2")]).is_err());
        assert!(TopicConfig::from_pairs([("cleanup.policy", "shred")]).is_err());
        assert_eq!(
            TopicConfig::from_pairs([("min.cleanable.dirty.ratio", "1.5")])
                .expect_err("over 1")
                .message,
            "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"
        );
        assert_eq!(
            TopicConfig::from_pairs([("min.cleanable.dirty.ratio", "half")])
                .expect_err("text")
                .message,
            "Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"
        );
        assert_eq!(
            TopicConfig::from_pairs([("max.compaction.lag.ms", "0")])
                .expect_err("0")
                .message,
            "Invalid value 0 for configuration max.compaction.lag.ms: Value must be at least 1"
        );
        assert!(TopicConfig::from_pairs([("delete.retention.ms", "-1")]).is_err());
        assert_eq!(
            TopicConfig::from_pairs([
                ("min.compaction.lag.ms", "60000"),
                ("max.compaction.lag.ms", "1000")
            ])
            .expect_err("min above max")
            .message,
            "conflict topic config setting min.compaction.lag.ms (60000) > max.compaction.lag.ms (1000)"
        );
        let compact = TopicConfig::from_pairs([
            ("cleanup.policy", "compact"),
            ("min.cleanable.dirty.ratio", "0.1"),
            ("delete.retention.ms", "1000"),
        ])
        .expect("valid");
        let cleaner = compact.compaction().expect("compacted");
        assert_eq!(cleaner.min_cleanable_dirty_ratio, 0.1);
        assert_eq!(cleaner.delete_retention_ms, 1000);
        assert_eq!(cleaner.min_lag_ms, 0, "Kafka's default");
        assert_eq!(cleaner.max_lag_ms, i64::MAX as u64, "Kafka's default");
        assert!(
            compact.retention().is_none(),
            "compact alone deletes nothing"
        );
        assert!(TopicConfig::default().compaction().is_none());
        let config = TopicConfig::from_pairs([
            ("min.insync.replicas", "2"),
            ("cleanup.policy", "delete,compact"),
        ])
        .expect("valid");
        assert_eq!(config.min_insync_replicas, 2);
        assert_eq!(config.cleanup_policy, CleanupPolicy::CompactDelete);
        // Kafka's order, not the alphabet's (TopicCommand prints a HashMap's entries).
        assert_eq!(
            config.non_default(),
            vec![
                ("min.insync.replicas", "2".to_owned()),
                ("cleanup.policy", "compact,delete".to_owned()),
            ]
        );
    }

    #[test]
    fn configs_come_in_the_order_kafka_topics_prints_them() {
        // kafka-topics.sh --describe of __consumer_offsets and __transaction_state on a real
        // cluster: the buckets reproduce both lines.
        let order = |names: &[&'static str]| -> Vec<&'static str> {
            let mut sorted = names.to_vec();
            crate::sorted::sort_by_key(&mut sorted, |n| describe_configs_bucket(n));
            sorted
        };
        let offsets = ["segment.bytes", "cleanup.policy", "compression.type"];
        assert_eq!(
            order(&offsets),
            ["compression.type", "cleanup.policy", "segment.bytes"]
        );
        let txn = [
            "unclean.leader.election.enable",
            "segment.bytes",
            "cleanup.policy",
            "min.insync.replicas",
            "compression.type",
        ];
        assert_eq!(
            order(&txn),
            [
                "compression.type",
                "min.insync.replicas",
                "cleanup.policy",
                "segment.bytes",
                "unclean.leader.election.enable"
            ]
        );
        let all = TopicConfig::from_pairs([
            ("retention.bytes", "1000"),
            ("max.message.bytes", "2000"),
            ("unclean.leader.election.enable", "true"),
            ("retention.ms", "60000"),
            ("cleanup.policy", "compact"),
            ("min.insync.replicas", "2"),
            ("segment.ms", "10000"),
            ("segment.bytes", "2000000"),
        ])
        .expect("valid");
        let names: Vec<&str> = all.non_default().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "min.insync.replicas",
                "cleanup.policy",
                "segment.bytes",
                "retention.ms",
                "max.message.bytes",
                "unclean.leader.election.enable",
                "retention.bytes",
                "segment.ms"
            ]
        );
    }
}
