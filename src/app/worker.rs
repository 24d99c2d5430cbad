//! The API worker: a tokio task that owns the clients, runs requests concurrently (the
//! transport bounds how many are in flight) and sends owned answers back tagged with
//! their request id. It never touches the state.

use std::time::Instant;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::api::{CallRecord, GraphClient};
use crate::cli::status::select_wabas;
use crate::config::Settings;
use crate::connect::connect;

use super::action::{Action, ApiEvent, ApiRequest, ApiResponse, RequestId};
use super::board::refresh::{self as board_refresh, BoardSender};
use super::templates::run::{self as template_run, RunCommand, RunSender as TemplateRunSender};
use super::wizard::runner::{self, RunJob};

/// Where the event loop sends requests to the worker.
pub type RequestSender = UnboundedSender<(RequestId, ApiRequest)>;
/// Where the event loop sends migration runs to the worker (they need its clients).
pub type RunSender = UnboundedSender<RunJob>;

/// Starts the worker on the current runtime. It connects first (starting the embedded
/// sandbox if needed), so the first frame never waits for it; requests sent meanwhile
/// queue in the channel. The fleet board's refreshes and template migration runs get
/// their own channels: they report many times, not one answer.
pub fn spawn(
    settings: Settings,
    calls: UnboundedSender<CallRecord>,
    answers: UnboundedSender<Action>,
) -> (RequestSender, RunSender, BoardSender, TemplateRunSender) {
    let (requests, inbox) = unbounded_channel();
    let (runs, run_inbox) = unbounded_channel();
    let (board_commands, board_inbox) = unbounded_channel();
    let (template_runs, template_run_inbox) = unbounded_channel();
    tokio::spawn(run(
        settings,
        calls,
        answers,
        inbox,
        run_inbox,
        board_inbox,
        template_run_inbox,
    ));
    (requests, runs, board_commands, template_runs)
}

async fn run(
    settings: Settings,
    calls: UnboundedSender<CallRecord>,
    answers: UnboundedSender<Action>,
    mut inbox: UnboundedReceiver<(RequestId, ApiRequest)>,
    mut run_inbox: UnboundedReceiver<RunJob>,
    board_inbox: UnboundedReceiver<super::board::BoardCommand>,
    template_run_inbox: UnboundedReceiver<RunCommand>,
) {
    let connection = match connect(&settings, Some(calls)).await {
        Ok(connection) => connection,
        Err(e) => {
            tracing::warn!(error = %e, "connect failed");
            let _ = answers.send(Action::ConnectFailed(e.to_string()));
            return;
        }
    };
    tracing::info!(backend = connection.label.badge(), "connected");
    let _ = answers.send(Action::Connected(connection.label.clone()));
    tokio::spawn(template_run::serve(
        connection.graph.clone(),
        settings.data_dir.clone(),
        template_run_inbox,
        answers.clone(),
    ));
    tokio::spawn(board_refresh::serve(
        connection.graph.clone(),
        connection.hub.clone(),
        settings.data_dir.clone(),
        board_inbox,
        answers.clone(),
    ));
    loop {
        tokio::select! {
            Some((request_id, request)) = inbox.recv() => {
                let graph = connection.graph.clone();
                let answers = answers.clone();
                tokio::spawn(async move {
                    let result = perform(&graph, request).await;
                    let _ = answers.send(Action::Api(Box::new(ApiEvent {
                        request_id,
                        result,
                        received_at: Instant::now(),
                    })));
                });
            }
            Some(job) = run_inbox.recv() => {
                tokio::spawn(runner::execute(
                    connection.graph.clone(),
                    connection.hub.clone(),
                    job,
                ));
            }
            else => break,
        }
    }
    // The inbox closed: the TUI is gone; dropping `connection` stops the sandbox.
}

/// Runs one request against the Graph API (also used by tests against the sandbox).
pub async fn perform(
    graph: &GraphClient,
    request: ApiRequest,
) -> Result<ApiResponse, crate::api::ApiError> {
    Ok(match request {
        ApiRequest::DiscoverWabas { wabas, businesses } => {
            ApiResponse::WabaIds(select_wabas(graph, &wabas, &businesses).await?)
        }
        ApiRequest::Waba(id) => ApiResponse::Waba(graph.waba(&id).await?),
        ApiRequest::Numbers(id) => ApiResponse::Numbers(graph.phone_numbers(&id).await?),
        ApiRequest::Number(id) => ApiResponse::Number(graph.phone_number(&id).await?),
        ApiRequest::SubscribedApps(id) => {
            ApiResponse::SubscribedApps(graph.subscribed_apps(&id).await?)
        }
        ApiRequest::Templates(id) => ApiResponse::Templates(graph.templates(&id).await?),
    })
}
