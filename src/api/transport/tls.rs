//! TLS for the HTTP clients: rustls with ring and the platform's certificate verifier,
//! set up as reqwest sets it up itself (TLS 1.2 and 1.3, SNI, ALPN `http/1.1`), but
//! once per process. reqwest builds a verifier per client, and the platform verifier
//! reads every system root certificate when it is made: a transport's two clients read
//! them twice, before a command's first call (a one-WABA `status` took 7.6 ms of CPU,
//! 6.7 with one read), and every transport a process makes (a TUI profile switch, each
//! test) read them again.

use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls::crypto::CryptoProvider;
use rustls_platform_verifier::Verifier;

/// The configuration every client of this process uses: the platform's roots, loaded
/// on first use. `Err` says why no root could be loaded (a machine without CA
/// certificates, `SSL_CERT_FILE` naming a missing file).
pub(super) fn platform_config() -> Result<ClientConfig, String> {
    static PLATFORM: OnceLock<Result<ClientConfig, String>> = OnceLock::new();
    PLATFORM
        .get_or_init(|| {
            let provider = provider();
            let verifier = Verifier::new(provider.clone()).map_err(|e| e.to_string())?;
            config_with(provider, verifier).ok_or_else(|| "no TLS version to offer".to_string())
        })
        .clone()
}

/// A configuration that trusts no certificate: without roots, wamigrate still speaks
/// plain HTTP to the sandbox on loopback, and every https call is refused with
/// [`refusal`]'s sentence instead of the whole program failing to start.
pub(super) fn trusting_nothing() -> Option<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}

/// The sentence for a call whose TLS handshake refused the server's certificate, `None`
/// when `err` is not that. `roots_missing` is why no root could be loaded, if so.
pub(super) fn refusal(err: &reqwest::Error, roots_missing: Option<&str>) -> Option<String> {
    let refused = certificate_error(err)?;
    Some(match roots_missing {
        Some(why) => format!(
            "No trusted root certificate could be loaded on this machine ({why}), so the API's certificate cannot be checked: install the system's CA certificates (the ca-certificates package on Debian and Ubuntu) or set SSL_CERT_FILE to a PEM bundle."
        ),
        None => format!(
            "The API's TLS certificate was refused ({refused}): check the base URL; behind a proxy that inspects TLS, its CA must be among the system's root certificates."
        ),
    })
}

/// The rustls certificate error behind a reqwest error. tokio-rustls wraps it in an
/// `io::Error` (itself wrapped in another), whose `source()` skips the error it holds,
/// so an `io::Error` is looked into with `get_ref`.
fn certificate_error(err: &reqwest::Error) -> Option<rustls::Error> {
    let mut level: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = level {
        if let Some(tls @ rustls::Error::InvalidCertificate(_)) = e.downcast_ref::<rustls::Error>()
        {
            return Some(tls.clone());
        }
        level = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// The platform's roots and `extra` ones besides: a test's own CA.
#[cfg(test)]
pub(super) fn config_trusting(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<ClientConfig, String> {
    let provider = provider();
    let verifier =
        Verifier::new_with_extra_roots(extra, provider.clone()).map_err(|e| e.to_string())?;
    config_with(provider, verifier).ok_or_else(|| "no TLS version to offer".to_string())
}

/// ring, the provider the process installed (`install_crypto_provider`).
fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

fn config_with(provider: Arc<CryptoProvider>, verifier: Verifier) -> Option<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        // Not a danger: the platform's verifier is the one reqwest itself installs (it
        // checks the chain to a trusted root and the host name); rustls files every
        // verifier other than its built-in one under `dangerous`.
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // reqwest is built without HTTP/2, so it offers HTTP/1.1 alone, as here.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(config)
}

#[cfg(test)]
mod tests;
