//! The clients against a TLS server on loopback whose certificate a test CA signed
//! (`fixtures/`): trusted with that CA, refused without it.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::*;
use crate::api::transport::{Transport, TransportConfig, install_crypto_provider};

const TEST_CA: &[u8] = include_bytes!("fixtures/test-ca.pem");
const LOOPBACK_CERT: &[u8] = include_bytes!("fixtures/loopback-cert.pem");
const LOOPBACK_KEY: &[u8] = include_bytes!("fixtures/loopback-key.pem");

/// Serves `https://127.0.0.1:<port>/`: each request is answered with the ALPN protocol
/// the handshake agreed on, as JSON. Handshakes that fail are dropped.
async fn tls_server() -> String {
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
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let alpn = String::from_utf8_lossy(&alpn.unwrap_or_default()).into_owned();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = format!(r#"{{"alpn":"{alpn}"}}"#);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://{address}/")
}

fn transport_trusting_test_ca() -> Transport {
    install_crypto_provider();
    let ca = CertificateDer::from_pem_slice(TEST_CA).unwrap();
    Transport::with_tls(TransportConfig::default(), config_trusting(vec![ca])).unwrap()
}

#[tokio::test]
async fn both_clients_speak_tls_to_a_server_they_trust_and_offer_http_1_1() {
    let url = tls_server().await;
    let transport = transport_trusting_test_ca();
    for client in [&transport.reads, &transport.writes] {
        let answer = client.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        // The server offers h2 first: the client must have offered HTTP/1.1 alone.
        assert_eq!(answer.text().await.unwrap(), r#"{"alpn":"http/1.1"}"#);
    }
}

#[tokio::test]
async fn a_certificate_no_trusted_root_signed_is_refused() {
    let url = tls_server().await;
    let transport = Transport::configured(TransportConfig::default()).unwrap();
    for client in [&transport.reads, &transport.writes] {
        let refused = client.get(&url).send().await.unwrap_err();
        assert!(refused.is_connect(), "{refused:?}");
        let cause = format!("{refused:?}");
        assert!(cause.contains("UnknownIssuer"), "{cause}");
    }
}
