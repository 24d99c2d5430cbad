//! Configuration: a TOML file with profiles, environment variables and command-line
//! flags, resolved in that order of increasing precedence into [`Settings`].
//!
//! With no credentials anywhere the backend is the embedded sandbox, so a fresh machine
//! gets a working app with no setup.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::api::graph::{
    DEFAULT_GRAPH_URL, DEFAULT_GRAPH_VERSION, is_loopback_url, parse_base_url,
};
use crate::api::hub::DEFAULT_HUB_URL;
use crate::api::transport::TransportConfig;

mod secrets;

pub use secrets::KEYRING_SERVICE;

/// Environment variables wamigrate reads (also listed in README.md).
pub mod env {
    pub const GRAPH_TOKEN: &str = "WAMIGRATE_GRAPH_TOKEN";
    pub const GRAPH_URL: &str = "WAMIGRATE_GRAPH_URL";
    pub const GRAPH_VERSION: &str = "WAMIGRATE_GRAPH_VERSION";
    pub const HUB_URL: &str = "WAMIGRATE_HUB_URL";
    pub const HUB_API_KEY: &str = "WAMIGRATE_HUB_API_KEY";
    pub const PARTNER_ID: &str = "WAMIGRATE_PARTNER_ID";
    pub const CONFIG: &str = "WAMIGRATE_CONFIG";
    pub const DATA_DIR: &str = "WAMIGRATE_DATA_DIR";
    pub const PROFILE: &str = "WAMIGRATE_PROFILE";
}

/// The token the embedded sandbox accepts; used when a loopback Graph URL is given
/// without a token, so `status --graph-url http://127.0.0.1:PORT` just works.
pub const SANDBOX_TOKEN: &str = "sandbox-token";
/// The partner API key the embedded sandbox accepts.
pub const SANDBOX_HUB_KEY: &str = "sandbox-hub-key";

/// The config file as written by the operator.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: std::collections::BTreeMap<String, Profile>,
    /// Key overrides (`app::keymap`): per screen, `[keys.board] refresh = ["r", "F5"]`,
    /// or for every screen with the action, `refresh = ["r", "F5"]` under `[keys]`.
    #[serde(default)]
    pub keys: toml::Table,
    /// Theme overrides: style name → colour/modifier table.
    #[serde(default)]
    pub theme: toml::Table,
}

/// One named set of endpoints and credentials (e.g. `live`, `staging`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub graph_url: Option<String>,
    pub graph_version: Option<String>,
    pub graph_token: Option<SecretString>,
    pub graph_token_file: Option<PathBuf>,
    /// Read the Graph token from the OS keyring (service `wamigrate`, user
    /// `<profile>/graph_token`); needs a build with the `keyring` feature.
    #[serde(default)]
    pub graph_token_keyring: bool,
    pub hub_url: Option<String>,
    pub hub_api_key: Option<SecretString>,
    pub hub_api_key_file: Option<PathBuf>,
    /// Read the 360dialog key from the OS keyring (user `<profile>/hub_api_key`).
    #[serde(default)]
    pub hub_api_key_keyring: bool,
    pub partner_id: Option<String>,
    /// WABAs to show and check (status, fleet board).
    #[serde(default)]
    pub wabas: Vec<String>,
    /// Businesses whose owned and client WABAs are discovered.
    #[serde(default)]
    pub businesses: Vec<String>,
    /// Auto-refresh interval of the checklist and fleet board, in seconds; 0 = off.
    pub auto_refresh_secs: Option<u64>,
    /// `default` or `high-contrast`.
    pub theme: Option<String>,
    /// Longest one API call may take, body included, in seconds [default 60].
    pub request_timeout_secs: Option<f64>,
    /// Longest the API may send nothing before a call is given up, in seconds [default 20].
    pub stall_timeout_secs: Option<f64>,
    /// Largest answer accepted, in MB [default 32].
    pub max_response_mb: Option<f64>,
    /// Most pages one list read follows [default 200].
    pub max_pages: Option<usize>,
    /// How much the heap may grow while one answer is read before no more of it is
    /// read, in MB [default 120].
    pub max_memory_mb: Option<f64>,
    /// First wait after a rate-limit error that names no wait, in seconds [default 5];
    /// doubled at each retry.
    pub rate_limit_backoff_secs: Option<f64>,
}

/// What the command line may override (filled by clap in `cli`).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_path: Option<PathBuf>,
    pub profile: Option<String>,
    pub graph_url: Option<String>,
    pub graph_version: Option<String>,
    pub token_file: Option<PathBuf>,
    pub hub_url: Option<String>,
    pub partner_id: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// `--allow-insecure-http`: accept plain http to a host that is not loopback.
    pub allow_insecure_http: bool,
    /// `--timeout SECS`.
    pub request_timeout_secs: Option<f64>,
    /// `--stall-timeout SECS`.
    pub stall_timeout_secs: Option<f64>,
    /// `--max-response-mb MB`.
    pub max_response_mb: Option<f64>,
}

/// Where the Graph API calls go.
#[derive(Debug, Clone)]
pub enum Backend {
    /// Start the embedded sandbox in-process and talk to it.
    Sandbox,
    /// Talk to a real (or external sandbox) API.
    Live(LiveBackend),
}

/// Endpoints and credentials of a live backend.
#[derive(Debug, Clone)]
pub struct LiveBackend {
    pub graph_url: String,
    pub graph_version: String,
    pub graph_token: SecretString,
    pub hub: Option<HubSettings>,
}

/// 360dialog Partner API settings, present when a key and a partner id are configured.
#[derive(Debug, Clone)]
pub struct HubSettings {
    pub url: String,
    pub api_key: SecretString,
    pub partner_id: String,
}

/// Everything resolved: what the app and the commands run with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    pub backend: Backend,
    pub graph_version: String,
    pub wabas: Vec<String>,
    pub businesses: Vec<String>,
    pub auto_refresh: Option<Duration>,
    pub theme: String,
    pub keys: toml::Table,
    pub theme_overrides: toml::Table,
    /// Journals, reports and exports live here.
    pub data_dir: PathBuf,
    /// The config file that was read, if any.
    pub config_path: Option<PathBuf>,
    /// Bounds of every API call (timeouts, answer size, pages, backoff).
    pub transport: TransportConfig,
    /// What every command prints (and the app shows) at start-up: unencrypted http
    /// allowed, a token in a file others can read.
    pub warnings: Vec<String>,
}

/// A configuration problem; its text is the operator sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The default config file path (`$XDG_CONFIG_HOME/wamigrate/config.toml` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "wamigrate").map(|d| d.config_dir().join("config.toml"))
}

/// The default data directory (`$XDG_DATA_HOME/wamigrate` on Linux).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "wamigrate")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".wamigrate"))
}

impl Settings {
    /// Resolves settings from the config file, the process environment and `overrides`.
    pub fn resolve(overrides: &Overrides) -> Result<Settings, ConfigError> {
        Self::resolve_with(overrides, &|name| std::env::var(name).ok())
    }

    /// As [`Settings::resolve`], with the environment given as a lookup (for tests).
    pub fn resolve_with(
        overrides: &Overrides,
        env_var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let explicit_path = overrides
            .config_path
            .clone()
            .or_else(|| env_var(env::CONFIG).map(PathBuf::from));
        let (file, config_path) = match &explicit_path {
            Some(path) => (read_config(path)?, Some(path.clone())),
            None => match default_config_path().filter(|p| p.exists()) {
                Some(path) => (read_config(&path)?, Some(path)),
                None => (ConfigFile::default(), None),
            },
        };
        let profile_name = overrides
            .profile
            .clone()
            .or_else(|| env_var(env::PROFILE))
            .or(file.default_profile.clone());
        let empty = Profile::default();
        let profile = match &profile_name {
            Some(name) => file.profiles.get(name).ok_or_else(|| {
                let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                ConfigError(format!(
                    "There is no profile '{name}' in {}: known profiles are {}.",
                    config_path
                        .as_deref()
                        .map_or("the config".into(), |p| p.display().to_string()),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?,
            None => &empty,
        };

        let graph_url = overrides
            .graph_url
            .clone()
            .or_else(|| env_var(env::GRAPH_URL))
            .or(profile.graph_url.clone());
        let graph_version = overrides
            .graph_version
            .clone()
            .or_else(|| env_var(env::GRAPH_VERSION))
            .or(profile.graph_version.clone())
            .unwrap_or_else(|| DEFAULT_GRAPH_VERSION.to_string());
        let token_file = overrides
            .token_file
            .clone()
            .or(profile.graph_token_file.clone());
        let mut warnings = Vec::new();
        let keyring_user =
            |what: &str| format!("{}/{what}", profile_name.as_deref().unwrap_or("default"));
        let token = match token_file {
            Some(path) => Some(secrets::read_token_file(&path, &mut warnings)?),
            None => match env_var(env::GRAPH_TOKEN).filter(|t| !t.trim().is_empty()) {
                Some(token) => Some(SecretString::from(token)),
                None if profile.graph_token_keyring => {
                    Some(secrets::from_keyring(&keyring_user("graph_token"))?)
                }
                None => profile.graph_token.clone(),
            },
        };
        let hub = hub_settings(
            overrides,
            profile,
            env_var,
            &keyring_user("hub_api_key"),
            &mut warnings,
        )?;
        let wants_live = profile_name.as_deref().is_some_and(|p| p != "sandbox");

        let backend = match (graph_url, token) {
            (None, None) if !wants_live => Backend::Sandbox,
            (url, Some(token)) => Backend::Live(LiveBackend {
                graph_url: url.unwrap_or_else(|| DEFAULT_GRAPH_URL.to_string()),
                graph_version: graph_version.clone(),
                graph_token: token,
                hub,
            }),
            (Some(url), None) if is_loopback(&url) => Backend::Live(LiveBackend {
                graph_url: url,
                graph_version: graph_version.clone(),
                graph_token: SecretString::from(SANDBOX_TOKEN),
                hub,
            }),
            (_, None) => {
                return Err(ConfigError(format!(
                    "No Graph API token for the {} profile: set {}, pass --token-file PATH, or add graph_token to the profile (run without a profile for the sandbox).",
                    profile_name.as_deref().unwrap_or("live"),
                    env::GRAPH_TOKEN
                )));
            }
        };
        let allow_insecure_http = overrides.allow_insecure_http;
        if let Backend::Live(live) = &backend {
            let hub_url = live.hub.as_ref().map(|h| h.url.as_str());
            for (api, url) in [
                ("Graph API", Some(live.graph_url.as_str())),
                ("360dialog Hub", hub_url),
            ] {
                let Some(url) = url else { continue };
                let parsed = parse_base_url(url, allow_insecure_http)
                    .map_err(|e| ConfigError(e.sentence))?;
                if parsed.scheme() == "http" && !is_loopback_url(&parsed) {
                    warnings.push(format!(
                        "--allow-insecure-http: the {api} URL {url} is plain http to another host; the token, PIN and backup password travel unencrypted."
                    ));
                }
            }
        }
        if let Some(path) = &config_path
            && file.holds_a_secret()
        {
            secrets::warn_if_readable_by_others(path, "holds a token", &mut warnings);
        }
        let transport = transport_config(overrides, profile, allow_insecure_http)?;
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env_var(env::DATA_DIR).map(PathBuf::from))
            .unwrap_or_else(default_data_dir);
        Ok(Settings {
            profile: profile_name.unwrap_or_else(|| match backend {
                Backend::Sandbox => "sandbox".to_string(),
                Backend::Live(_) => "live".to_string(),
            }),
            backend,
            graph_version,
            wabas: profile.wabas.clone(),
            businesses: profile.businesses.clone(),
            auto_refresh: profile
                .auto_refresh_secs
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            theme: profile
                .theme
                .clone()
                .unwrap_or_else(|| "default".to_string()),
            keys: file.keys,
            theme_overrides: file.theme,
            data_dir,
            config_path,
            transport,
            warnings,
        })
    }
}

impl ConfigFile {
    /// Whether any profile holds a token or API key in clear.
    fn holds_a_secret(&self) -> bool {
        self.profiles
            .values()
            .any(|p| p.graph_token.is_some() || p.hub_api_key.is_some())
    }
}

/// The limits of API calls: flags, then the profile, then the defaults.
fn transport_config(
    overrides: &Overrides,
    profile: &Profile,
    allow_insecure_http: bool,
) -> Result<TransportConfig, ConfigError> {
    let defaults = TransportConfig::default();
    let seconds = |name: &str, value: Option<f64>, default: Duration| match value {
        None => Ok(default),
        Some(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(ConfigError(format!(
            "{name} = {s} is not a usable number of seconds: give a number above 0 (e.g. 30)."
        ))),
    };
    let request_timeout = seconds(
        "request_timeout_secs",
        overrides
            .request_timeout_secs
            .or(profile.request_timeout_secs),
        defaults.request_timeout,
    )?;
    let stall_timeout = seconds(
        "stall_timeout_secs",
        overrides.stall_timeout_secs.or(profile.stall_timeout_secs),
        defaults.stall_timeout,
    )?;
    let max_response_bytes = match overrides.max_response_mb.or(profile.max_response_mb) {
        None => defaults.max_response_bytes,
        Some(mb) if mb.is_finite() && mb > 0.0 && mb <= 4096.0 => {
            (mb * f64::from(1 << 20)) as usize
        }
        Some(mb) => {
            return Err(ConfigError(format!(
                "max_response_mb = {mb} is not usable: give a number of megabytes above 0 (e.g. 32)."
            )));
        }
    };
    let max_pages = match profile.max_pages {
        Some(0) => {
            return Err(ConfigError(
                "max_pages = 0 would read no list: give at least 1 (e.g. 200).".to_string(),
            ));
        }
        Some(pages) => pages,
        None => defaults.max_pages,
    };
    let memory_budget_bytes = match profile.max_memory_mb {
        None => defaults.memory_budget_bytes,
        Some(mb) if mb.is_finite() && mb >= 16.0 => (mb * f64::from(1 << 20)) as usize,
        Some(mb) => {
            return Err(ConfigError(format!(
                "max_memory_mb = {mb} is too small: give at least 16 (e.g. 120)."
            )));
        }
    };
    let mut retry = defaults.retry.clone();
    retry.rate_limit_floor = seconds(
        "rate_limit_backoff_secs",
        profile.rate_limit_backoff_secs,
        retry.rate_limit_floor,
    )?;
    Ok(TransportConfig {
        request_timeout,
        stall_timeout,
        max_response_bytes,
        max_pages,
        memory_budget_bytes,
        retry,
        allow_insecure_http,
        ..defaults
    })
}

fn hub_settings(
    overrides: &Overrides,
    profile: &Profile,
    env_var: &dyn Fn(&str) -> Option<String>,
    keyring_user: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<HubSettings>, ConfigError> {
    let key = match env_var(env::HUB_API_KEY).filter(|k| !k.trim().is_empty()) {
        Some(key) => Some(SecretString::from(key)),
        None => match (&profile.hub_api_key_file, profile.hub_api_key_keyring) {
            (Some(path), _) => Some(secrets::read_token_file(path, warnings)?),
            (None, true) => Some(secrets::from_keyring(keyring_user)?),
            (None, false) => profile.hub_api_key.clone(),
        },
    };
    let partner_id = overrides
        .partner_id
        .clone()
        .or_else(|| env_var(env::PARTNER_ID))
        .or(profile.partner_id.clone());
    let url = overrides
        .hub_url
        .clone()
        .or_else(|| env_var(env::HUB_URL))
        .or(profile.hub_url.clone())
        .unwrap_or_else(|| DEFAULT_HUB_URL.to_string());
    match (key, partner_id) {
        (Some(api_key), Some(partner_id)) => Ok(Some(HubSettings {
            url,
            api_key,
            partner_id,
        })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError(format!(
            "A 360dialog API key is set but no partner id: pass --partner-id, set {}, or add partner_id to the profile.",
            env::PARTNER_ID
        ))),
        (None, Some(_)) => Err(ConfigError(format!(
            "A 360dialog partner id is set but no API key: set {} or add hub_api_key to the profile.",
            env::HUB_API_KEY
        ))),
    }
}

fn read_config(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "Could not read the config file {}: {e}.",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e| {
        // toml's message names the key and line; it never echoes a whole value.
        ConfigError(format!(
            "The config file {} is not valid: {}",
            path.display(),
            e.message().trim_end_matches('.')
        ))
    })
}

/// Whether a URL points at this machine (the sandbox lives there): `localhost`,
/// 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| is_loopback_url(&u))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn resolve(overrides: Overrides, vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.toml");
        std::fs::write(&empty, "").unwrap();
        let overrides = Overrides {
            config_path: overrides.config_path.or(Some(empty)),
            ..overrides
        };
        let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Settings::resolve_with(&overrides, &lookup)
    }

    #[test]
    fn no_credentials_means_sandbox_and_a_token_means_live() {
        let base = Overrides::default();
        assert!(matches!(
            resolve(base.clone(), &[]).unwrap().backend,
            Backend::Sandbox
        ));
        let live = resolve(base.clone(), &[(env::GRAPH_TOKEN, "EAAG")]).unwrap();
        let Backend::Live(live) = live.backend else {
            panic!("expected live")
        };
        assert_eq!(live.graph_url, DEFAULT_GRAPH_URL);
        assert_eq!(live.graph_version, DEFAULT_GRAPH_VERSION);
        let loopback = resolve(
            Overrides {
                graph_url: Some("http://127.0.0.1:9".into()),
                ..base.clone()
            },
            &[],
        )
        .unwrap();
        let Backend::Live(loopback) = loopback.backend else {
            panic!("expected live")
        };
        assert_eq!(loopback.graph_token.expose_secret(), SANDBOX_TOKEN);
        let remote = resolve(
            Overrides {
                graph_url: Some("https://graph.example.com".into()),
                ..base
            },
            &[],
        );
        assert!(remote.unwrap_err().0.contains("No Graph API token"));
    }

    #[test]
    fn profiles_flags_and_env_combine_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            r#"default_profile = "live"
[profiles.live]
graph_url = "https://graph.facebook.com"
graph_version = "v24.0"
graph_token = "from-file"
wabas = ["1", "2"]
auto_refresh_secs = 30
"#,
        )
        .unwrap();
        let base = Overrides {
            config_path: Some(path),
            ..Overrides::default()
        };
        let s = resolve(base.clone(), &[(env::GRAPH_VERSION, "v25.0")]).unwrap();
        let Backend::Live(live) = &s.backend else {
            panic!("expected live")
        };
        assert_eq!(live.graph_version, "v25.0");
        assert_eq!(live.graph_token.expose_secret(), "from-file");
        assert_eq!(s.wabas, vec!["1", "2"]);
        assert_eq!(s.auto_refresh, Some(Duration::from_secs(30)));
        let missing = resolve(
            Overrides {
                profile: Some("staging".into()),
                ..base
            },
            &[],
        )
        .unwrap_err();
        assert!(missing.0.contains("no profile 'staging'") && missing.0.contains("live"));
    }

    #[test]
    fn a_hub_key_without_partner_id_is_a_clear_error_and_secrets_stay_out_of_debug() {
        let err = resolve(
            Overrides::default(),
            &[(env::GRAPH_TOKEN, "t"), (env::HUB_API_KEY, "k")],
        )
        .unwrap_err();
        assert!(err.0.contains("no partner id"));
        let s = resolve(
            Overrides::default(),
            &[(env::GRAPH_TOKEN, "EAAGsecretvalue")],
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("EAAGsecretvalue"));
    }
}
