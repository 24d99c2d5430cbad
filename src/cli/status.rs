//! `wamigrate status`: every number of the selected WABAs, for people and scripts.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::api::{ApiError, GraphClient};
use crate::cli::output::{Format, write_csv, write_json, write_table};
use crate::cli::{EXIT_ERROR, EXIT_USAGE};
use crate::config::Settings;
use crate::connect::connect;
use crate::domain::number::PhoneNumber;

/// Arguments of `wamigrate status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// A WABA to read (repeatable).
    #[arg(long = "waba", value_name = "ID")]
    pub wabas: Vec<String>,
    /// A business whose owned and client WABAs are read (repeatable).
    #[arg(long = "business", value_name = "ID")]
    pub businesses: Vec<String>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = crate::api::transport::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

/// One number, as `status` prints it: values as the API spells them, `null` if absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StatusRow {
    pub waba_id: String,
    pub id: String,
    pub display_phone_number: Option<String>,
    pub verified_name: Option<String>,
    pub name_status: Option<String>,
    pub new_name_status: Option<String>,
    pub code_verification_status: Option<String>,
    pub quality_rating: Option<String>,
    pub messaging_limit: Option<String>,
    pub platform_type: Option<String>,
    pub status: Option<String>,
    pub account_mode: Option<String>,
    pub is_pin_enabled: Option<bool>,
    pub is_on_biz_app: Option<bool>,
    pub is_official_business_account: Option<bool>,
    pub throughput_level: Option<String>,
}

impl StatusRow {
    /// Flattens a phone number of a WABA into a row.
    pub fn new(waba_id: &str, n: &PhoneNumber) -> Self {
        fn text<T: std::fmt::Display>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(ToString::to_string)
        }
        StatusRow {
            waba_id: waba_id.to_string(),
            id: n.id.clone(),
            display_phone_number: n.display_phone_number.clone(),
            verified_name: n.verified_name.clone(),
            name_status: text(&n.name_status),
            new_name_status: text(&n.new_name_status),
            code_verification_status: text(&n.code_verification_status),
            quality_rating: text(&n.quality_rating),
            messaging_limit: n.messaging_limit().map(str::to_string),
            platform_type: text(&n.platform_type),
            status: text(&n.status),
            account_mode: text(&n.account_mode),
            is_pin_enabled: n.is_pin_enabled,
            is_on_biz_app: n.is_on_biz_app,
            is_official_business_account: n.is_official_business_account,
            throughput_level: n.throughput_level().map(ToString::to_string),
        }
    }
}

/// The numbers read and the WABAs that could not be read.
pub struct StatusReport {
    pub rows: Vec<StatusRow>,
    pub failures: Vec<(String, ApiError)>,
}

/// Which WABAs to read: explicit ids, businesses, the profile's lists, else every WABA
/// the token may manage (`debug_token`).
pub async fn select_wabas(
    graph: &GraphClient,
    wabas: &[String],
    businesses: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = wabas.to_vec();
    let discovered =
        futures_util::future::join_all(businesses.iter().map(|b| graph.business_wabas(b))).await;
    for result in discovered {
        ids.extend(result?.into_iter().map(|w| w.id));
    }
    if wabas.is_empty() && businesses.is_empty() {
        ids = graph.token_waba_ids().await?;
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Reads the numbers of every WABA concurrently (the transport bounds requests in
/// flight); rows sorted by WABA id, then display number.
pub async fn collect(graph: &GraphClient, waba_ids: &[String]) -> StatusReport {
    let results = futures_util::future::join_all(
        waba_ids
            .iter()
            .map(|id| async move { (id, graph.phone_numbers(id).await) }),
    )
    .await;
    let mut report = StatusReport {
        rows: Vec::new(),
        failures: Vec::new(),
    };
    for (waba_id, result) in results {
        match result {
            Ok(numbers) => report
                .rows
                .extend(numbers.iter().map(|n| StatusRow::new(waba_id, n))),
            Err(e) => report.failures.push((waba_id.clone(), e)),
        }
    }
    report.rows.sort_by(|a, b| {
        (&a.waba_id, &a.display_phone_number).cmp(&(&b.waba_id, &b.display_phone_number))
    });
    report
}

/// Runs `wamigrate status`. Exit 0 when every WABA was read, 1 when some failed (the
/// others are still printed), 2 on usage or configuration errors.
pub async fn run(settings: &Settings, args: StatusArgs) -> ExitCode {
    if args.concurrency == 0 {
        eprintln!("wamigrate: --concurrency must be at least 1.");
        return ExitCode::from(EXIT_USAGE);
    }
    let connection = match connect(settings, None).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wamigrate: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let crate::connect::BackendLabel::Sandbox { base_url } = &connection.label {
        eprintln!(
            "wamigrate: no credentials configured; reading the embedded sandbox at {base_url}."
        );
    }
    let graph = connection.graph.clone().with_concurrency(args.concurrency);
    let (wabas, businesses) = if args.wabas.is_empty() && args.businesses.is_empty() {
        (settings.wabas.clone(), settings.businesses.clone())
    } else {
        (args.wabas.clone(), args.businesses.clone())
    };
    let waba_ids = match select_wabas(&graph, &wabas, &businesses).await {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("wamigrate: could not find the WABAs to read: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let report = collect(&graph, &waba_ids).await;
    let mut stdout = std::io::stdout().lock();
    let written = match Format::or_default(args.format) {
        Format::Json => write_json(&mut stdout, &report.rows),
        Format::Csv => write_csv(&mut stdout, &report.rows),
        Format::Table => write_status_table(&mut stdout, &report.rows),
    };
    if let Err(e) = written.and_then(|_| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("wamigrate: could not write the output: {e}.");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    for (waba_id, err) in &report.failures {
        eprintln!("wamigrate: WABA {waba_id} could not be read: {err}");
    }
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_ERROR)
    }
}

fn write_status_table(out: &mut impl Write, rows: &[StatusRow]) -> std::io::Result<()> {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let flag = |v: Option<bool>| match v {
        Some(true) => "on".to_string(),
        Some(false) => "off".to_string(),
        None => "-".to_string(),
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.waba_id.clone(),
                dash(&r.display_phone_number),
                dash(&r.verified_name),
                dash(&r.name_status),
                dash(&r.quality_rating),
                dash(&r.messaging_limit),
                dash(&r.platform_type),
                dash(&r.status),
                flag(r.is_pin_enabled),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "WABA",
            "NUMBER",
            "NAME",
            "NAME STATUS",
            "QUALITY",
            "LIMIT",
            "PLATFORM",
            "STATUS",
            "2FA",
        ],
        &cells,
        28,
    )?;
    writeln!(out, "{} numbers", rows.len())
}
