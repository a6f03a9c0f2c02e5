//! Client configs given as Kafka properties (`"linger.ms" = "5"`), parsed and refused with the
//! messages of Kafka's `ConfigDef`, shared by the producer and the consumer.

use crate::time::SimDuration;

/// Kafka's `ConfigException`, with its message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("ConfigException: {0}")]
pub struct ConfigException(pub String);

pub(crate) fn invalid(name: &str, value: &str, why: &str) -> ConfigException {
    ConfigException(format!(
        "Invalid value {value} for configuration {name}: {why}"
    ))
}

pub(crate) fn number<T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display>(
    name: &str,
    value: &str,
    kind: &str,
    at_least: T,
) -> Result<T, ConfigException> {
    let parsed: T = value
        .trim()
        .parse()
        .map_err(|_| invalid(name, value, &format!("Not a number of type {kind}")))?;
    if parsed < at_least {
        return Err(invalid(
            name,
            value,
            &format!("Value must be at least {at_least}"),
        ));
    }
    Ok(parsed)
}

pub(crate) fn millis(name: &str, value: &str) -> Result<SimDuration, ConfigException> {
    Ok(SimDuration::from_millis(number::<u64>(
        name, value, "LONG", 0,
    )?))
}

pub(crate) fn boolean(name: &str, value: &str) -> Result<bool, ConfigException> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(
            name,
            value,
            "Expected value to be either true or false",
        )),
    }
}
