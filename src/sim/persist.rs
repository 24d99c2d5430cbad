//! The sandbox's world on disk, so a run paused against the sandbox resumes after a
//! restart as it would against the live services: the embedded sandbox keeps it in the
//! data dir, `wamigrate sim --state FILE` wherever asked. The file holds the whole world
//! (portfolio, migrations, register attempts, template re-checks, the clock and the
//! instance id) and the knobs that built it; it is rewritten after every call that may
//! change the world (write to a temporary file, fsync, rename, fsync the directory), so a
//! crash leaves either the old world or the new one. A reset is explicit
//! (`wamigrate sim --reset`, `POST /_sandbox/reset`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::sim::state::World;

/// Bumped when the file's layout changes; an older file is refused with a sentence.
const FORMAT: u32 = 1;

/// What built the world: a file made with other knobs is refused rather than mixed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Knobs {
    pub seed: u64,
    pub fleet: Option<usize>,
    pub templates: Option<usize>,
}

#[derive(Serialize)]
struct SavedRef<'a> {
    format: u32,
    knobs: &'a Knobs,
    world: &'a World,
}

#[derive(Deserialize)]
struct Saved {
    format: u32,
    knobs: Knobs,
    world: World,
}

/// The serialized world, ready to be written.
pub(crate) fn encode(knobs: &Knobs, world: &World) -> io::Result<Vec<u8>> {
    serde_json::to_vec(&SavedRef {
        format: FORMAT,
        knobs,
        world,
    })
    .map_err(io::Error::other)
}

/// The world kept at `path`, `None` when there is no file yet. A file that cannot be read
/// back, or was made by other knobs, is an `InvalidData` error whose text says what to do.
pub(crate) fn load(path: &Path, knobs: &Knobs) -> io::Result<Option<World>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let refuse = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the sandbox state file {} {why}: start with --reset (or delete the file) for a fresh world",
                path.display()
            ),
        )
    };
    let saved: Saved =
        serde_json::from_slice(&bytes).map_err(|e| refuse(format!("cannot be read back ({e})")))?;
    if saved.format != FORMAT {
        return Err(refuse(format!(
            "has format {}, this build writes {FORMAT}",
            saved.format
        )));
    }
    if saved.knobs != *knobs {
        return Err(refuse(format!(
            "was made with seed {}, fleet {:?}, templates {:?}; this sandbox has seed {}, fleet {:?}, templates {:?}",
            saved.knobs.seed,
            saved.knobs.fleet,
            saved.knobs.templates,
            knobs.seed,
            knobs.fleet,
            knobs.templates
        )));
    }
    Ok(Some(saved.world))
}

/// Replaces `path` atomically: temporary file beside it (mode 0600 in a 0700 directory it
/// creates), fsync, rename, fsync of the directory.
pub(crate) fn save(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "sandbox-world.json".to_string());
    let temp = dir.join(format!(".{name}.tmp"));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp, path)?;
    // The rename is durable once the directory entry is.
    if let Ok(dir) = File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Serde for an `Instant` ahead: kept as the milliseconds still to wait, so a re-check or
/// an approval under way when the sandbox stopped runs out after a restart.
pub(crate) mod remaining {
    use std::time::{Duration, Instant};

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(due: &Instant, s: S) -> Result<S::Ok, S::Error> {
        let left = due.saturating_duration_since(Instant::now());
        s.serialize_u64(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let millis = u64::deserialize(d)?;
        Ok(Instant::now() + Duration::from_millis(millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::test_support::world;

    fn knobs() -> Knobs {
        Knobs {
            seed: crate::sim::DEFAULT_SEED,
            fleet: None,
            templates: None,
        }
    }

    #[test]
    fn a_saved_world_comes_back_whole_and_other_knobs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/world.json");
        assert!(load(&path, &knobs()).unwrap().is_none());
        let mut w = world();
        w.clock_secs = 77;
        w.portfolio.numbers[0].node.verified_name = Some("Changed".into());
        save(&path, &encode(&knobs(), &w).unwrap()).unwrap();
        let back = load(&path, &knobs()).unwrap().unwrap();
        assert_eq!(
            (back.instance_id.as_str(), back.clock_secs),
            (w.instance_id.as_str(), 77)
        );
        assert_eq!(
            back.portfolio.numbers[0].node.verified_name.as_deref(),
            Some("Changed")
        );
        assert_eq!(back.portfolio.templates, w.portfolio.templates);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = Knobs { seed: 8, ..knobs() };
        let refused = load(&path, &other).err().unwrap();
        assert_eq!(refused.kind(), io::ErrorKind::InvalidData);
        assert!(refused.to_string().contains("--reset"));
        fs::write(&path, b"{\"format\":1,").unwrap();
        assert_eq!(
            load(&path, &knobs()).err().unwrap().kind(),
            io::ErrorKind::InvalidData
        );
    }
}
