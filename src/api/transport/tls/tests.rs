//! The clients against a TLS server on loopback whose certificate a test CA signed
//! (`fixtures/`): trusted with that CA, refused without it, and refused with a sentence
//! that says why when the machine has no root certificate at all.

use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::*;
use crate::api::transport::{Transport, TransportConfig, install_crypto_provider};

const TEST_CA: &[u8] = include_bytes!("fixtures/test-ca.pem");
const LOOPBACK_CERT: &[u8] = include_bytes!("fixtures/loopback-cert.pem");
const LOOPBACK_KEY: &[u8] = include_bytes!("fixtures/loopback-key.pem");

/// Serves `https://127.0.0.1:<port>/` (or plain `http` without `tls`): each request is
/// answered with the ALPN protocol the handshake agreed on, as JSON. Handshakes that
/// fail are dropped.
async fn server(tls: bool) -> String {
    let certs = vec![CertificateDer::from_pem_slice(LOOPBACK_CERT).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(LOOPBACK_KEY).unwrap();
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if !tls {
                    return answer(stream, "none").await;
                }
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let alpn = stream.get_ref().1.alpn_protocol().unwrap_or_default();
                let alpn = String::from_utf8_lossy(alpn).into_owned();
                answer(stream, &alpn).await;
            });
        }
    });
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{address}/")
}

async fn answer(mut stream: impl AsyncRead + AsyncWrite + Unpin, alpn: &str) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.ends_with(b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let body = format!(r#"{{"alpn":"{alpn}"}}"#);
    let answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn transport_with(tls: Result<ClientConfig, String>) -> Transport {
    install_crypto_provider();
    Transport::with_tls(TransportConfig::default(), tls).unwrap()
}

fn trusting_test_ca() -> Result<ClientConfig, String> {
    install_crypto_provider();
    config_trusting(vec![CertificateDer::from_pem_slice(TEST_CA).unwrap()])
}

/// The sentence an operator would read for a GET of `url` that failed.
async fn refusal_sentence(transport: &Transport, client: &reqwest::Client, url: &str) -> String {
    let refused = client.get(url).send().await.unwrap_err();
    assert!(refused.is_connect(), "{refused:?}");
    transport
        .network_error("GET /", &refused, Duration::ZERO)
        .sentence
}

#[tokio::test]
async fn both_clients_speak_tls_to_a_server_they_trust_and_offer_http_1_1() {
    let url = server(true).await;
    let transport = transport_with(trusting_test_ca());
    for client in [&transport.reads, &transport.writes] {
        let answer = client.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        // The server offers h2 first: the client must have offered HTTP/1.1 alone.
        assert_eq!(answer.text().await.unwrap(), r#"{"alpn":"http/1.1"}"#);
    }
}

#[tokio::test]
async fn a_certificate_no_trusted_root_signed_is_refused_in_one_sentence() {
    let url = server(true).await;
    let transport = Transport::configured(TransportConfig::default()).unwrap();
    for client in [&transport.reads, &transport.writes] {
        let sentence = refusal_sentence(&transport, client, &url).await;
        assert!(
            sentence.starts_with("The API's TLS certificate was refused (")
                && sentence.contains("UnknownIssuer"),
            "{sentence}"
        );
    }
}

#[tokio::test]
async fn without_root_certificates_loopback_http_works_and_https_says_why_not() {
    let why = "no root certificates found in /nonexistent/bundle.pem";
    let transport = transport_with(Err(why.to_string()));
    let plain = server(false).await;
    let answer = transport.reads.get(&plain).send().await.unwrap();
    assert_eq!(answer.text().await.unwrap(), r#"{"alpn":"none"}"#);
    let sentence = refusal_sentence(&transport, &transport.reads, &server(true).await).await;
    assert!(
        sentence.starts_with(&format!(
            "No trusted root certificate could be loaded on this machine ({why})"
        )) && sentence.contains("SSL_CERT_FILE"),
        "{sentence}"
    );
}
