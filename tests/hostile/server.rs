//! A small hostile HTTP server for the suite: it answers each request with whatever the
//! test's handler says (redirects, escapes, huge or trickling bodies, endless cursors,
//! throttling without headers, items without ids) and records every request on each of
//! its listeners, so a test can assert what the other host received (nothing).
//!
//! Listeners: `main` on 127.0.0.1, `other_host` on 127.0.0.2 and `other_port` on
//! 127.0.0.1 at another port. All loopback: nothing here leaves the machine.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// One request as a listener received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub listener: &'static str,
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    /// Everything received, as text, for "no secret here" checks.
    pub fn as_text(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
            .collect();
        format!(
            "{} {}\n{}\n{}",
            self.method,
            self.target,
            headers.join("\n"),
            String::from_utf8_lossy(&self.body)
        )
    }

    /// The path without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// What the handler answers.
pub enum Reply {
    /// A status, extra headers and a JSON body.
    Json(u16, Vec<(&'static str, String)>, String),
    /// A redirect with `Location`.
    Redirect(u16, String),
    /// `size` bytes of `fill` (streamed, never held whole), status 200, JSON type.
    Huge { size: usize, fill: u8 },
    /// `body` one byte at a time, every `every`.
    Trickle { body: String, every: Duration },
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Vec<Recorded>>>,
    handler: Arc<Handler>,
    listener: &'static str,
}

/// The running server; its tasks end with the test's runtime.
pub struct Hostile {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// `http://127.0.0.2:PORT`
    pub other_host: String,
    /// `http://127.0.0.1:OTHER_PORT`
    pub other_port: String,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Hostile {
    /// Starts the three listeners; `handler` answers requests to `main`, the others
    /// answer 200 `{}` (and record what they got).
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Hostile {
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let quiet: Arc<Handler> =
            Arc::new(|_: &Recorded| Reply::Json(200, Vec::new(), "{}".into()));
        let url = listen("127.0.0.1:0", "main", handler, log.clone()).await;
        let other_host = listen("127.0.0.2:0", "other_host", quiet.clone(), log.clone()).await;
        let other_port = listen("127.0.0.1:0", "other_port", quiet, log.clone()).await;
        Hostile {
            url,
            other_host,
            other_port,
            log,
        }
    }

    /// Every request received so far, on any listener.
    pub fn received(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// Requests received by the listeners that are not `main`.
    pub fn elsewhere(&self) -> Vec<Recorded> {
        self.received()
            .into_iter()
            .filter(|r| r.listener != "main")
            .collect()
    }
}

async fn listen(
    addr: &str,
    name: &'static str,
    handler: Arc<Handler>,
    log: Arc<Mutex<Vec<Recorded>>>,
) -> String {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind loopback");
    let local = listener.local_addr().unwrap();
    let shared = Shared {
        log,
        handler,
        listener: name,
    };
    let app = axum::Router::new().fallback(answer).with_state(shared);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{local}")
}

async fn answer(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let recorded = Recorded {
        listener: shared.listener,
        method: parts.method.to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        headers: parts.headers,
        body: body.to_vec(),
    };
    shared.log.lock().unwrap().push(recorded.clone());
    let builder = |status: u16| Response::builder().status(StatusCode::from_u16(status).unwrap());
    match (shared.handler)(&recorded) {
        Reply::Json(status, headers, body) => {
            let mut response = builder(status).header("content-type", "application/json");
            for (name, value) in headers {
                response = response.header(name, value);
            }
            response.body(Body::from(body)).unwrap()
        }
        Reply::Redirect(status, location) => builder(status)
            .header("location", location)
            .body(Body::empty())
            .unwrap(),
        Reply::Huge { size, fill } => {
            const CHUNK: usize = 64 << 10;
            let chunks = futures_util::stream::iter((0..size.div_ceil(CHUNK)).map(move |i| {
                let len = CHUNK.min(size - i * CHUNK);
                Ok::<_, Infallible>(Bytes::from(vec![fill; len]))
            }));
            builder(200)
                .header("content-type", "application/json")
                .body(Body::from_stream(chunks))
                .unwrap()
        }
        Reply::Trickle { body, every } => {
            let bytes: Vec<u8> = body.into_bytes();
            let chunks = futures_util::stream::unfold(0usize, move |i| {
                let byte = bytes.get(i).copied();
                async move {
                    let byte = byte?;
                    tokio::time::sleep(every).await;
                    Some((Ok::<_, Infallible>(Bytes::from(vec![byte])), i + 1))
                }
            });
            builder(200)
                .header("content-type", "application/json")
                .body(Body::from_stream(chunks))
                .unwrap()
        }
    }
}
