//! Enums written as one object whose tag field names the variant (`{"command": "crash_broker",
//! "broker": 2}`), as scenario files, lessons, saves and links write commands and conditions.
//!
//! Why not serde's `#[serde(tag = "...")]`: its derived reader buffers the object and then
//! reads each variant through a decoder that accepts every shape (a list as well as an
//! object), instantiated once per variant; across `Command`, `Condition` and `client::Request`
//! that was the largest single part of the page's wasm. Here the enum derives serde's
//! externally tagged code with `#[serde(remote = "Self")]` (so a new variant needs nothing
//! written by hand), and `tagged!` implements the traits around it: the object is read into
//! JSON values once, the tag picks the variant, and the variant's fields are read from the
//! rest. The text is the same as serde's internally tagged form, both ways, and so are the
//! errors (`unknown variant`, `missing field`, a field's type).

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, VariantAccess, Visitor,
};
use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Implements `Serialize` and `Deserialize` for an enum with `#[serde(remote = "Self")]`
/// derives, writing the variant's name in the field `$tag`.
macro_rules! tagged {
    ($enum:ident, $tag:literal) => {
        impl serde::Serialize for $enum {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $enum::serialize(self, $crate::tagged::TagSerializer::new($tag, serializer))
            }
        }

        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::tagged::deserialize(deserializer, $tag, stringify!($enum), |tagged| {
                    $enum::deserialize(tagged)
                })
            }
        }
    };
}
pub(crate) use tagged;

/// Reads the object, takes out the tag and hands both to the enum's externally tagged reader.
pub(crate) fn deserialize<'de, D, T>(
    deserializer: D,
    tag: &'static str,
    name: &'static str,
    external: fn(Tagged) -> Result<T, TaggedError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let variants = match external(Tagged::Variants) {
        Err(TaggedError::Variants(variants)) => variants,
        _ => unreachable!("{name}'s externally tagged reader did not ask for its variants"),
    };
    let mut fields = deserializer.deserialize_map(Fields {
        name,
        tag,
        variants,
    })?;
    let Some(variant) = fields.remove(tag) else {
        return Err(de::Error::missing_field(tag));
    };
    external(Tagged::Object { variant, fields }).map_err(de::Error::custom)
}

/// The object's entries, in a map that refuses a key given twice (as a derived struct does).
/// The tag is checked as it is read, so a wrong one is named with its own field
/// (`log[0][1].command: unknown variant ...`).
struct Fields {
    name: &'static str,
    tag: &'static str,
    variants: &'static [&'static str],
}

impl<'de> Visitor<'de> for Fields {
    type Value = Map<String, Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "internally tagged enum {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let value = if key == self.tag {
                access.next_value_seed(VariantName(self.variants))?
            } else {
                access.next_value::<Value>()?
            };
            fields.insert(key, value);
        }
        Ok(fields)
    }
}

/// The tag's value: one of the variants' names.
struct VariantName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for VariantName {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for VariantName {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Value, E> {
        match self.0.contains(&name) {
            true => Ok(Value::String(name.to_owned())),
            false => Err(de::Error::unknown_variant(name, self.0)),
        }
    }
}

/// What the externally tagged reader reads: an object whose tag has been taken out, as
/// `{variant: fields}`; or nothing, to learn the variants' names.
pub(crate) enum Tagged {
    /// Asks for the variants' names (the derive gives them to `deserialize_enum`).
    Variants,
    /// The tag's value and the other fields.
    Object {
        /// The tag's value.
        variant: Value,
        /// The other fields.
        fields: Map<String, Value>,
    },
}

/// An error reading a variant, or the variants' names when [`Tagged::Variants`] asked.
#[derive(Debug)]
pub(crate) enum TaggedError {
    /// The names.
    Variants(&'static [&'static str]),
    /// What is wrong.
    Message(String),
}

impl fmt::Display for TaggedError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaggedError::Variants(variants) => write!(formatter, "variants {variants:?}"),
            TaggedError::Message(message) => formatter.write_str(message),
        }
    }
}

impl std::error::Error for TaggedError {}

impl de::Error for TaggedError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        TaggedError::Message(message.to_string())
    }
}

impl<'de> Deserializer<'de> for Tagged {
    type Error = TaggedError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Map, &visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            Tagged::Variants => Err(TaggedError::Variants(variants)),
            Tagged::Object { variant, fields } => visitor.visit_enum(Object { variant, fields }),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// A variant's name and fields.
pub(crate) struct Object {
    variant: Value,
    fields: Map<String, Value>,
}

impl<'de> EnumAccess<'de> for Object {
    type Error = TaggedError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        mut self,
        seed: V,
    ) -> Result<(V::Value, Self), Self::Error> {
        let variant = seed
            .deserialize(std::mem::take(&mut self.variant))
            .map_err(de::Error::custom)?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for Object {
    type Error = TaggedError;

    /// Other fields are ignored, as serde's internally tagged unit variants ignore them.
    fn unit_variant(self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        seed.deserialize(Value::Object(self.fields))
            .map_err(de::Error::custom)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Map, &visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // An object only: no second decoder per variant for the list form.
        de::Deserializer::deserialize_map(Value::Object(self.fields), visitor)
            .map_err(de::Error::custom)
    }
}

/// Writes what the externally tagged derive writes as serde's internally tagged form: the tag
/// first, then the variant's fields, in one object.
pub(crate) struct TagSerializer<S> {
    tag: &'static str,
    delegate: S,
}

impl<S> TagSerializer<S> {
    /// Writes to `delegate`, naming the variant in the field `tag`.
    pub(crate) fn new(tag: &'static str, delegate: S) -> Self {
        TagSerializer { tag, delegate }
    }
}

/// What the derive never asks of these serializers (an enum's variants are objects).
fn unsupported<E: ser::Error>(what: &str) -> E {
    E::custom(format_args!(
        "an internally tagged enum cannot be written from {what}"
    ))
}

/// The `Serializer` methods these serializers refuse.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
            Err(unsupported(stringify!($method)))
        })*
    };
}

/// The compound `Serializer` types and methods these serializers refuse.
macro_rules! refuse_compound {
    () => {
        type SerializeSeq = Impossible<S::Ok, S::Error>;
        type SerializeTuple = Impossible<S::Ok, S::Error>;
        type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
        type SerializeTupleVariant = Impossible<S::Ok, S::Error>;

        refuse! {
            serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
            serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
            serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
            serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
            serialize_unit_struct(&'static str);
        }

        fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
            Err(unsupported("an option"))
        }

        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<S::Ok, S::Error> {
            Err(unsupported("a newtype struct"))
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
            Err(unsupported("a list"))
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
            Err(unsupported("a tuple"))
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, S::Error> {
            Err(unsupported("a tuple struct"))
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, S::Error> {
            Err(unsupported("a tuple variant"))
        }
    };
}

impl<S: Serializer> Serializer for TagSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Impossible<S::Ok, S::Error>;
    type SerializeStructVariant = StructVariant<S::SerializeStruct>;

    refuse_compound!();

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        let mut object = self.delegate.serialize_struct(name, 1)?;
        object.serialize_field(self.tag, variant)?;
        object.end()
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(Content {
            tag: self.tag,
            variant,
            delegate: self.delegate,
        })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(unsupported("a map"))
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Err(unsupported("a struct"))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let mut object = self.delegate.serialize_struct(name, len + 1)?;
        object.serialize_field(self.tag, variant)?;
        Ok(StructVariant(object))
    }
}

/// A struct variant's fields, after its tag.
pub(crate) struct StructVariant<M>(M);

impl<M: SerializeStruct> ser::SerializeStructVariant for StructVariant<M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        self.0.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), M::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.0.end()
    }
}

/// A newtype variant's content (a struct, or a map when the variant has flattened fields),
/// written after the tag.
pub(crate) struct Content<S> {
    tag: &'static str,
    variant: &'static str,
    delegate: S,
}

impl<S: Serializer> Serializer for Content<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = S::SerializeStruct;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    refuse_compound!();

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<S::Ok, S::Error> {
        Err(unsupported("a unit variant"))
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(unsupported("a newtype variant"))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<S::SerializeMap, S::Error> {
        let mut map = self.delegate.serialize_map(len.map(|len| len + 1))?;
        map.serialize_entry(self.tag, self.variant)?;
        Ok(map)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<S::SerializeStruct, S::Error> {
        let mut object = self.delegate.serialize_struct(name, len + 1)?;
        object.serialize_field(self.tag, self.variant)?;
        Ok(object)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(unsupported("a struct variant"))
    }
}

#[cfg(test)]
mod tests {
    use crate::command::Command;
    use crate::condition::Condition;

    /// The same text serde's `#[serde(tag = "...")]` wrote, for each shape of variant: a
    /// struct, a unit, a newtype around a struct, flattened fields, and an enum inside.
    #[test]
    fn commands_are_written_and_read_as_internally_tagged_objects() {
        for text in [
            r#"{"command":"crash_broker","broker":2,"kind":"process"}"#,
            r#"{"command":"heal_network"}"#,
            r#"{"command":"create_topic","name":"t","partitions":3,"replication_factor":3,"configs":{"min.insync.replicas":"2"},"replica_assignment":null}"#,
            r#"{"command":"client","client":"c","op":"produce","topic":"t","partition":null,"key":"k","value":"v","acks":-1}"#,
            r#"{"command":"wait_until","condition":{"when":"group_stable","group":"g","members":3},"timeout_ms":5}"#,
        ] {
            let command: Command = serde_json::from_str(text).expect(text);
            assert_eq!(serde_json::to_string(&command).expect("writes"), text);
        }
    }

    fn refused(text: &str) -> String {
        let mut reader = serde_json::Deserializer::from_str(text);
        let error =
            serde_path_to_error::deserialize::<_, Vec<Command>>(&mut reader).expect_err("refused");
        format!("{}: {}", error.path(), error.inner())
    }

    /// Errors say what serde's derive said, at the same field and place (checked against it;
    /// only a missing tag is placed one column later, after the object rather than at its end).
    #[test]
    fn a_bad_command_is_named_as_serde_names_it() {
        let unknown = refused(r#"[{"command":"explode"}]"#);
        assert!(
            unknown.starts_with(
                "[0].command: unknown variant `explode`, expected one of `create_topic`"
            ),
            "{unknown}"
        );
        assert_eq!(
            refused(r#"[{"broker":2}]"#),
            "[0]: missing field `command` at line 1 column 14"
        );
        assert_eq!(
            refused(r#"[{"command":"crash_broker"}]"#),
            "[0]: missing field `broker` at line 1 column 28"
        );
        assert_eq!(
            refused(r#"[{"command":"crash_broker","broker":"one"}]"#),
            "[0]: invalid type: string \"one\", expected u32 at line 1 column 43"
        );
        assert_eq!(
            refused(r#"[{"command":"heal_network","command":"heal_network"}]"#),
            "[0]: duplicate field `command` at line 1 column 36"
        );
        assert_eq!(
            refused(r#"["heal_network"]"#),
            "[0]: invalid type: string \"heal_network\", expected internally tagged enum Command at line 1 column 15"
        );
        assert_eq!(
            refused(r#"[{"command":5}]"#),
            "[0].command: invalid type: integer `5`, expected variant identifier at line 1 column 13"
        );
        let condition: Result<Condition, _> =
            serde_json::from_str(r#"{"when":"group_stable","group":"g","members":3,"extra":1}"#);
        let error = condition.expect_err("deny_unknown_fields").to_string();
        assert!(
            error.starts_with("unknown field `extra`, expected"),
            "{error}"
        );
    }
}
