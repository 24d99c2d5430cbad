//! Migration ids: `m-YYYYMMDDTHHMMSS-NNNN`. An id becomes a file name, so whatever
//! arrives as one (an argument, a journal line, a key in the TUI) is checked against
//! this shape first: nothing else can name a path under the data directory.

use std::fmt;

use time::OffsetDateTime;

/// A checked migration id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MigrationId(String);

/// Why a text is not a migration id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a migration id (they look like m-20261125T100000-0042); `wamigrate journal list` shows the known ones"
)]
pub struct NotAMigrationId(pub String);

impl MigrationId {
    /// A new id for a migration starting at `now`, with a random suffix.
    pub fn new(now: OffsetDateTime) -> MigrationId {
        MigrationId(format!(
            "m-{:04}{:02}{:02}T{:02}{:02}{:02}-{:04}",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second(),
            fastrand::u16(..10_000)
        ))
    }

    /// Checks the shape: `m-`, 8 digits, `T`, 6 digits, `-`, 4 digits.
    pub fn parse(raw: &str) -> Result<MigrationId, NotAMigrationId> {
        let bytes = raw.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            bytes
                .get(range)
                .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
        };
        let shaped = bytes.len() == 22
            && raw.starts_with("m-")
            && digits(2..10)
            && bytes[10] == b'T'
            && digits(11..17)
            && bytes[17] == b'-'
            && digits(18..22);
        if shaped {
            Ok(MigrationId(raw.to_string()))
        } else {
            Err(NotAMigrationId(raw.chars().take(60).collect()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MigrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_parse_and_anything_that_could_name_another_path_does_not() {
        let id = MigrationId::new(OffsetDateTime::now_utc());
        assert_eq!(MigrationId::parse(id.as_str()), Ok(id));
        assert!(MigrationId::parse("m-20261125T100000-0042").is_ok());
        for bad in [
            "../m-20261125T100000-0042",
            "m-20261125T100000-0042/../../x",
            "m-20261125T100000-004",
            "m-2026112XT100000-0042",
            "",
            "m-1",
        ] {
            assert!(MigrationId::parse(bad).is_err(), "{bad}");
        }
    }
}
