//! Secrets at rest: token files, the OS keyring, and the warning (as ssh gives for a
//! private key) when a file holding a token can be read by other users.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use super::ConfigError;

/// The keyring service under which wamigrate's tokens are stored; the user is
/// `<profile>/graph_token` or `<profile>/hub_api_key`.
pub const KEYRING_SERVICE: &str = "wamigrate";

/// Reads a token from the first line of a file, warning when others can read it.
pub(super) fn read_token_file(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<SecretString, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "Could not read the token file {}: {e}.",
            path.display()
        ))
    })?;
    let token = SecretString::from(text.trim().to_string());
    if token.expose_secret().is_empty() {
        return Err(ConfigError(format!(
            "The token file {} is empty: put the access token on its first line.",
            path.display()
        )));
    }
    warn_if_readable_by_others(path, "holds a token", warnings);
    Ok(token)
}

/// Adds a warning when `path` can be read (or written) by its group or by others.
pub(super) fn warn_if_readable_by_others(path: &Path, what: &str, warnings: &mut Vec<String>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(metadata) = std::fs::metadata(path) else {
            return;
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            warnings.push(format!(
                "{} {what} and other users can read it (mode {mode:04o}): run chmod 600 {}.",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what, warnings);
}

/// The secret stored in the OS keyring under [`KEYRING_SERVICE`] and `user`.
#[cfg(feature = "keyring")]
pub(super) fn from_keyring(user: &str) -> Result<SecretString, ConfigError> {
    let unreadable = |e: keyring::Error| {
        ConfigError(format!(
            "Could not read '{user}' (service {KEYRING_SERVICE}) from the OS keyring ({e}): store it there first, or use a token file."
        ))
    };
    let secret = keyring::Entry::new(KEYRING_SERVICE, user)
        .and_then(|entry| entry.get_password())
        .map_err(unreadable)?;
    Ok(SecretString::from(secret))
}

/// Without the `keyring` feature the keyring cannot be read: say how to get it.
#[cfg(not(feature = "keyring"))]
pub(super) fn from_keyring(user: &str) -> Result<SecretString, ConfigError> {
    Err(ConfigError(format!(
        "The profile reads '{user}' from the OS keyring, but this build of wamigrate has no keyring support: rebuild with `cargo build --features keyring`, or use a token file or the environment."
    )))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_token_file_others_can_read_gets_a_warning_and_a_private_one_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "EAAGsecret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut warnings = Vec::new();
        let token = read_token_file(&path, &mut warnings).unwrap();
        assert_eq!(token.expose_secret(), "EAAGsecret");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("mode 0644") && warnings[0].contains("chmod 600"));
        assert!(!warnings[0].contains("EAAGsecret"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        warnings.clear();
        read_token_file(&path, &mut warnings).unwrap();
        assert!(warnings.is_empty());
    }

    /// Runs only in a build with the keyring (`cargo test --features keyring --lib
    /// keyring`): on Linux the kernel's keyring, so it needs no desktop service.
    #[cfg(feature = "keyring")]
    #[test]
    fn a_token_stored_in_the_keyring_is_read_back_and_a_missing_one_says_how_to_store_it() {
        let user = format!("test-{}/graph_token", std::process::id());
        let entry = keyring::Entry::new(KEYRING_SERVICE, &user).unwrap();
        // A keyring that refuses the store cannot test the read (seen in a container whose
        // kernel keyring answers NoEntry to keyring-rs's store): say so, test nothing.
        if let Err(e) = entry.set_password("EAAGkeyring") {
            eprintln!("skipped: this machine's keyring refused the store ({e})");
            return;
        }
        let read = from_keyring(&user).map(|t| t.expose_secret().to_string());
        // Best effort: the kernel keyring of a container may refuse the delete.
        let _ = entry.delete_credential();
        assert_eq!(read.unwrap(), "EAAGkeyring");
        let missing = from_keyring(&format!("{user}-absent")).unwrap_err().0;
        assert!(missing.contains("store it there first"), "{missing}");
    }
}
