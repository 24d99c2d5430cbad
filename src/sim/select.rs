//! `fields` applied while a node is written out: the node's own `Serialize` (a domain
//! struct, or a `Value`) goes through a serializer that keeps only the members asked for
//! and leaves out nulls, so a page of numbers is written straight from the world, with
//! no `Value` tree built, shaped and dropped per number.
//!
//! The rules are Graph's, as `sim::fields` states them: `id` always comes back; a member
//! not asked for, or null, is left out; a member asked for with braces
//! (`owner_business_info{name}`) is an object shaped the same way; nulls inside what is
//! kept are left out at every depth (Meta omits absent fields), except as array items.

use serde::ser::{
    self, Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct,
    SerializeStructVariant, SerializeTuple, SerializeTupleStruct, SerializeTupleVariant,
    Serializer,
};

use crate::sim::fields::split_fields;

/// A `fields` list split once: `[(name, nested fields)]` (`sim::fields::split_fields`).
pub(crate) type Selection<'a> = [(&'a str, Option<&'a str>)];

/// `value` with only the members of `selection`, nulls left out.
pub(crate) struct Selected<'a, T: ?Sized> {
    value: &'a T,
    selection: &'a Selection<'a>,
}

impl<'a, T: ?Sized + Serialize> Selected<'a, T> {
    pub fn new(value: &'a T, selection: &'a Selection<'a>) -> Self {
        Selected { value, selection }
    }
}

impl<T: ?Sized + Serialize> Serialize for Selected<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Shaper {
            inner: serializer,
            mode: Mode::Select(self.selection),
        })
    }
}

/// How the members of the next object are kept.
#[derive(Clone, Copy)]
enum Mode<'a> {
    /// Those of a split `fields` list, and `id`.
    Select(&'a Selection<'a>),
    /// Those of a `fields` list not split yet (the braces of a member).
    Nested(&'a str),
    /// All of them (nulls are left out whatever the mode).
    All,
}

/// The members kept of one object.
enum Keep<'a> {
    Select(&'a Selection<'a>),
    Split(Vec<(&'a str, Option<&'a str>)>),
    All,
}

impl<'a> Keep<'a> {
    fn of(mode: Mode<'a>) -> Self {
        match mode {
            Mode::Select(selection) => Keep::Select(selection),
            Mode::Nested(fields) => Keep::Split(split_fields(fields)),
            Mode::All => Keep::All,
        }
    }

    /// How member `name` is written, or `None` when it is left out. The first mention of
    /// a member says its fields.
    fn member(&self, name: &str) -> Option<Mode<'a>> {
        let selection: &[(&'a str, Option<&'a str>)] = match self {
            Keep::All => return Some(Mode::All),
            Keep::Select(selection) => selection,
            Keep::Split(selection) => selection,
        };
        if name == "id" {
            return Some(Mode::All);
        }
        let (_, nested) = selection.iter().find(|(asked, _)| *asked == name)?;
        Some(nested.map_or(Mode::All, Mode::Nested))
    }
}

/// A value written in a mode.
struct Shaped<'a, 'v, T: ?Sized> {
    value: &'v T,
    mode: Mode<'a>,
}

impl<T: ?Sized + Serialize> Serialize for Shaped<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Shaper {
            inner: serializer,
            mode: self.mode,
        })
    }
}

/// The serializer that shapes objects on their way to `inner`; everything else passes.
struct Shaper<'a, S> {
    inner: S,
    mode: Mode<'a>,
}

macro_rules! pass {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<S::Ok, S::Error> {
            self.inner.$method(v)
        })*
    };
}

impl<'a, S: Serializer> Serializer for Shaper<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Items<S::SerializeSeq>;
    type SerializeTuple = Items<S::SerializeTuple>;
    type SerializeTupleStruct = Items<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Items<S::SerializeTupleVariant>;
    type SerializeMap = Members<'a, S::SerializeMap>;
    type SerializeStruct = Members<'a, S::SerializeStruct>;
    type SerializeStructVariant = Members<'a, S::SerializeStructVariant>;

    pass!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let mode = self.mode;
        self.inner
            .serialize_newtype_struct(name, &Shaped { value, mode })
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let shaped = Shaped {
            value,
            mode: Mode::All,
        };
        self.inner
            .serialize_newtype_variant(name, index, variant, &shaped)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Items(self.inner.serialize_seq(len)?))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Items(self.inner.serialize_tuple(len)?))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Items(self.inner.serialize_tuple_struct(name, len)?))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Items(
            self.inner
                .serialize_tuple_variant(name, index, variant, len)?,
        ))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        // Members are left out: the count is not known in advance.
        Ok(Members::new(self.inner.serialize_map(None)?, self.mode))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Members::new(
            self.inner.serialize_struct(name, len)?,
            self.mode,
        ))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Members::new(
            self.inner
                .serialize_struct_variant(name, index, variant, len)?,
            Mode::All,
        ))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The items of an array: kept, null or not, their objects without nulls.
struct Items<C>(C);

macro_rules! items {
    ($($trait:ident :: $method:ident),*) => {
        $(impl<C: $trait> $trait for Items<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
                self.0.$method(&Shaped { value, mode: Mode::All })
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        })*
    };
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The members of an object, those kept and not null.
struct Members<'a, C> {
    inner: C,
    keep: Keep<'a>,
    /// A map's member whose key came and is kept: its name, and how its value is written.
    pending: Option<(String, Mode<'a>)>,
}

impl<'a, C> Members<'a, C> {
    fn new(inner: C, mode: Mode<'a>) -> Self {
        Members {
            inner,
            keep: Keep::of(mode),
            pending: None,
        }
    }
}

macro_rules! fields {
    ($($trait:ident),*) => {
        $(impl<C: $trait> $trait for Members<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                match self.keep.member(key) {
                    Some(mode) if !is_null(value) => {
                        self.inner.serialize_field(key, &Shaped { value, mode })
                    }
                    _ => Ok(()),
                }
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
}

fields!(SerializeStruct, SerializeStructVariant);

impl<C: SerializeMap> SerializeMap for Members<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    /// The key decides whether the member is kept, the value whether it is null: the key
    /// is held until the value is seen.
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), C::Error> {
        let name = key.serialize(KeyText).map_err(ser::Error::custom)?;
        self.pending = self.keep.member(&name).map(|mode| (name, mode));
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), C::Error> {
        match self.pending.take() {
            Some((name, mode)) if !is_null(value) => {
                self.inner.serialize_entry(&name, &Shaped { value, mode })
            }
            _ => Ok(()),
        }
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

/// Whether a value is written as `null` (`None`, `()`, `Value::Null`), found out without
/// writing it: anything else stops at its first call.
fn is_null<T: ?Sized + Serialize>(value: &T) -> bool {
    value.serialize(NullProbe).is_ok()
}

/// The error of [`NullProbe`] and [`KeyText`]: the value is not what they look for.
#[derive(Debug)]
struct Other(String);

impl std::fmt::Display for Other {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Other {}

impl ser::Error for Other {
    fn custom<M: std::fmt::Display>(message: M) -> Self {
        Other(message.to_string())
    }
}

/// Succeeds for a null, fails for anything else.
struct NullProbe;

/// Succeeds with the text of a string (a map key), fails for anything else.
struct KeyText;

macro_rules! refuse {
    ($ok:ty; $($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, Other> {
            Err(Other(String::new()))
        })*
    };
}

macro_rules! refuse_compounds {
    ($ok:ty) => {
        type SerializeSeq = Impossible<$ok, Other>;
        type SerializeTuple = Impossible<$ok, Other>;
        type SerializeTupleStruct = Impossible<$ok, Other>;
        type SerializeTupleVariant = Impossible<$ok, Other>;
        type SerializeMap = Impossible<$ok, Other>;
        type SerializeStruct = Impossible<$ok, Other>;
        type SerializeStructVariant = Impossible<$ok, Other>;

        refuse!($ok;
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_char(char),
            serialize_bytes(&[u8]),
            serialize_unit_variant(&'static str, u32, &'static str),
        );

        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<$ok, Other> {
            Err(Other(String::new()))
        }

        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Other> {
            Err(Other(String::new()))
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Other> {
            Err(Other(String::new()))
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Other> {
            Err(Other(String::new()))
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Other> {
            Err(Other(String::new()))
        }

        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Other> {
            Err(Other(String::new()))
        }

        fn serialize_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStruct, Other> {
            Err(Other(String::new()))
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Other> {
            Err(Other(String::new()))
        }
    };
}

impl Serializer for NullProbe {
    type Ok = ();
    type Error = Other;
    refuse_compounds!(());
    refuse!((); serialize_str(&str));

    fn serialize_none(self) -> Result<(), Other> {
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Other> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Other> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Other> {
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Other> {
        value.serialize(self)
    }
}

impl Serializer for KeyText {
    type Ok = String;
    type Error = Other;
    refuse_compounds!(String);
    refuse!(String; serialize_unit(), serialize_none(), serialize_unit_struct(&'static str));

    fn serialize_str(self, text: &str) -> Result<String, Other> {
        Ok(text.to_string())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<String, Other> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Other> {
        value.serialize(self)
    }
}

#[cfg(test)]
mod tests;
