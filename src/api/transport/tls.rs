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
/// on first use. `None` when the platform verifier cannot be made (no usable root
/// store); the caller reports it.
pub(super) fn platform_config() -> Option<ClientConfig> {
    static PLATFORM: OnceLock<Option<ClientConfig>> = OnceLock::new();
    PLATFORM
        .get_or_init(|| {
            let provider = provider();
            let verifier = Verifier::new(provider.clone()).ok()?;
            config_with(provider, verifier)
        })
        .clone()
}

/// The platform's roots and `extra` ones besides: a test's own CA.
#[cfg(test)]
pub(super) fn config_trusting(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Option<ClientConfig> {
    let provider = provider();
    let verifier = Verifier::new_with_extra_roots(extra, provider.clone()).ok()?;
    config_with(provider, verifier)
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
