//! Serializers, named as Kafka's classes. The playground types text; a serializer that cannot
//! turn it into its type fails before anything is sent, as a mismatched serializer does in Java.

use super::config::ConfigException;
use crate::protocol::Bytes;
use serde::Serialize;
use std::rc::Rc;

/// `key.serializer` / `value.serializer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Serializer {
    /// `StringSerializer`: UTF-8.
    String,
    /// `IntegerSerializer`: 4 bytes, big-endian.
    Integer,
    /// `LongSerializer`: 8 bytes, big-endian.
    Long,
    /// `ByteArraySerializer`: the text is hex.
    ByteArray,
}

impl Serializer {
    const PACKAGE: &'static str = "org.apache.kafka.common.serialization.";

    /// From a class name, full or simple.
    pub fn from_class(config: &str, class: &str) -> Result<Self, ConfigException> {
        let simple = class.trim().trim_start_matches(Self::PACKAGE);
        match simple {
            "StringSerializer" => Ok(Serializer::String),
            "IntegerSerializer" => Ok(Serializer::Integer),
            "LongSerializer" => Ok(Serializer::Long),
            "ByteArraySerializer" => Ok(Serializer::ByteArray),
            _ => Err(ConfigException(format!(
                "Invalid value {class} for configuration {config}: Class {class} could not be found."
            ))),
        }
    }

    fn class(self) -> &'static str {
        match self {
            Serializer::String => "StringSerializer",
            Serializer::Integer => "IntegerSerializer",
            Serializer::Long => "LongSerializer",
            Serializer::ByteArray => "ByteArraySerializer",
        }
    }

    /// Serializes `text`, or says why not, as Kafka's `SerializationException` would.
    /// `StringSerializer`'s bytes are the text's own: the record shares them with the
    /// `ProducerRecord` (and so the command log and the history) instead of copying.
    pub fn serialize(self, config: &str, text: &Rc<str>) -> Result<Bytes, String> {
        let mismatch = || {
            format!(
                "SerializationException: Can't convert value of class java.lang.String to class {}{} specified in {config}",
                Self::PACKAGE,
                self.class()
            )
        };
        let bytes = match self {
            Serializer::String => return Ok(Bytes::from(Rc::clone(text))),
            Serializer::Integer => text
                .trim()
                .parse::<i32>()
                .map_err(|_| mismatch())?
                .to_be_bytes()
                .to_vec(),
            Serializer::Long => text
                .trim()
                .parse::<i64>()
                .map_err(|_| mismatch())?
                .to_be_bytes()
                .to_vec(),
            Serializer::ByteArray => {
                let clean = text.trim();
                if !clean.len().is_multiple_of(2) {
                    return Err(mismatch());
                }
                (0..clean.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&clean[i..i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|_| mismatch())?
            }
        };
        Ok(Rc::from(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializers_produce_kafkas_bytes_or_fail() {
        assert_eq!(
            &*Serializer::Integer
                .serialize("value.serializer", &"1".into())
                .expect("int"),
            &[0, 0, 0, 1]
        );
        assert_eq!(
            &*Serializer::ByteArray
                .serialize("key.serializer", &"0aff".into())
                .expect("hex"),
            &[10, 255]
        );
        let error = Serializer::Integer
            .serialize("value.serializer", &"one".into())
            .expect_err("not an int");
        assert_eq!(
            error,
            "SerializationException: Can't convert value of class java.lang.String to class org.apache.kafka.common.serialization.IntegerSerializer specified in value.serializer"
        );
        assert!(
            Serializer::from_class(
                "key.serializer",
                "org.apache.kafka.common.serialization.LongSerializer"
            )
            .is_ok()
        );
        assert!(Serializer::from_class("key.serializer", "MySerializer").is_err());
    }
}
