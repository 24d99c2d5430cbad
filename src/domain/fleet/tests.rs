use super::*;
use crate::domain::partner::{ChannelSetupInfo, ChannelStatus, ChannelWaba};

fn row(id: &str, number: &str, status: &str, quality: &str) -> FleetRow {
    FleetRow {
        id: id.into(),
        waba_id: "w1".into(),
        waba_name: Some("Lucky Shrub".into()),
        business: Some("Lucky Shrub Inc".into()),
        display_phone_number: Some(number.into()),
        verified_name: Some(format!("Shop {id}")),
        status: Some(status.into()),
        quality_rating: Some(quality.into()),
        is_pin_enabled: Some(false),
        last_checked: "2026-11-25T16:00:00Z".into(),
        ..FleetRow::default()
    }
}

fn channel(id: &str, number: &str, waba: Option<&str>, status: &str) -> Channel {
    Channel {
        id: id.into(),
        status: Some(ChannelStatus::parse(status)),
        setup_info: Some(ChannelSetupInfo {
            phone_number: Some(number.into()),
            phone_name: Some("Hub name".into()),
        }),
        waba_account: waba.map(|w| ChannelWaba {
            external_id: Some(w.into()),
            ..ChannelWaba::default()
        }),
        ..Channel::default()
    }
}

fn fleet() -> Vec<FleetRow> {
    vec![
        row("1", "+1 631-555-0101", "CONNECTED", "GREEN"),
        row("2", "+1 631-555-0102", "FLAGGED", "RED"),
        row("3", "+49 30 1234567", "RESTRICTED", "YELLOW"),
        row("4", "+1 631-555-0104", "CONNECTED", "RED"),
    ]
}

fn ids(rows: &[FleetRow], indices: &[usize]) -> Vec<String> {
    indices.iter().map(|&i| rows[i].id.clone()).collect()
}

fn matching(expr: &str) -> Vec<String> {
    let snapshot = FleetSnapshot::new(fleet());
    let filter = FilterExpr::parse(expr).unwrap();
    let indices = snapshot.matching(&filter);
    let by_matches: Vec<String> = fleet()
        .into_iter()
        .filter(|r| filter.matches(r))
        .map(|r| r.id)
        .collect();
    assert_eq!(ids(snapshot.rows(), &indices), by_matches);
    by_matches
}

#[test]
fn field_terms_or_within_and_across_and_text_is_a_substring_anywhere() {
    assert_eq!(matching(""), ["1", "2", "3", "4"]);
    assert_eq!(matching("status:flagged,RESTRICTED"), ["2", "3"]);
    assert_eq!(matching("status:CONNECTED quality:RED"), ["4"]);
    assert_eq!(matching("631-555 red"), ["2", "4"]);
    assert_eq!(matching("\"shop 3\""), ["3"]);
    assert_eq!(matching("name:\"Shop 2\",\"Shop 4\""), ["2", "4"]);
    assert_eq!(
        matching("waba:w1 business:\"lucky shrub inc\" 2fa:off"),
        ["1", "2", "3", "4"]
    );
    assert_eq!(matching("number:+493012345-67"), ["3"]);
    assert_eq!(matching("migration:none"), ["1", "2", "3", "4"]);
    assert_eq!(matching("migration:in_progress"), Vec::<String>::new());
    assert_eq!(
        matching("status:FLAG"),
        Vec::<String>::new(),
        "values match exactly"
    );
}

#[test]
fn invalid_expressions_give_the_operator_sentence() {
    let error = |expr: &str| FilterExpr::parse(expr).unwrap_err().to_string();
    assert_eq!(
        error("stat:FLAGGED"),
        "'stat' is not a filter field: use one of number, name, waba, business, name_status, \
quality, limit, platform, status, 2fa, throughput, channel, migration, checked \
(e.g. status:FLAGGED quality:RED), or quote the text to search for it."
    );
    assert_eq!(
        error("quality:RED status:"),
        "'status:' needs a value: write status:VALUE, or several separated by commas (e.g. status:FLAGGED,RESTRICTED)."
    );
    assert_eq!(error("status:FLAGGED,,RED"), error("status:"));
    assert_eq!(
        error("2fa:yes"),
        "'yes' is not a value of 2fa: use on or off."
    );
    assert_eq!(
        error("name:\"Lucky Shrub"),
        "The filter has a quote (\") that is not closed: close it, e.g. name:\"Lucky Shrub\"."
    );
    assert!(
        FilterExpr::parse("\"16:01\"").is_ok(),
        "quoted text is free text"
    );
}

#[test]
fn sort_is_stable_in_both_directions_with_empty_cells_last() {
    let mut rows = fleet();
    rows.push(FleetRow {
        status: None,
        ..row("5", "+1 631-555-0105", "", "GREEN")
    });
    sort(&mut rows, Column::Status, false);
    let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(order, ["1", "4", "2", "3", "5"], "ties keep their order");
    sort(&mut rows, Column::Status, true);
    let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        order,
        ["3", "2", "1", "4", "5"],
        "ties keep their order descending too"
    );

    let rows = fleet();
    let mut view: Vec<usize> = vec![3, 2, 1, 0];
    sort_indices(&rows, &mut view, Column::Quality, false);
    assert_eq!(
        ids(&rows, &view),
        ["1", "3", "4", "2"],
        "GREEN, YELLOW, then RED in view order"
    );
}

#[test]
fn limits_sort_by_capacity_not_by_spelling() {
    let mut rows: Vec<FleetRow> = ["TIER_10K", "TIER_2K", "TIER_UNLIMITED", "TIER_250"]
        .iter()
        .enumerate()
        .map(|(i, limit)| FleetRow {
            messaging_limit: Some((*limit).into()),
            ..row(&i.to_string(), "+1 555", "CONNECTED", "GREEN")
        })
        .collect();
    sort(&mut rows, Column::Limit, false);
    let limits: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.messaging_limit.as_deref())
        .collect();
    assert_eq!(
        limits,
        ["TIER_250", "TIER_2K", "TIER_10K", "TIER_UNLIMITED"]
    );
}

#[test]
fn changes_list_cells_then_added_then_removed() {
    let previous = fleet();
    let mut current = fleet();
    current[1].status = Some("CONNECTED".into());
    current[1].last_checked = "2026-11-25T16:01:02Z".into();
    current[0].migration = MigrationState::InProgress {
        step: "verify_code".into(),
    };
    current.remove(2);
    current.push(row("9", "+1 631-555-0109", "PENDING", "UNKNOWN"));
    let lines: Vec<String> = changes(&previous, &current)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "+1 631-555-0101 migration none → in progress at step verify_code",
            "+1 631-555-0102 status FLAGGED → CONNECTED",
            "+1 631-555-0109 added",
            "+49 30 1234567 removed",
        ]
    );
    assert!(changes(&current, &current).is_empty());
}

#[test]
fn channels_join_by_digits_prefer_the_hub_waba_and_orphans_get_rows() {
    let mut rows = fleet();
    let mut migrated = row("1-old", "+1 631-555-0101", "MIGRATED", "GREEN");
    migrated.waba_id = "w0".into();
    rows.push(migrated);
    let mut channels = vec![
        channel("oldCH", "16315550101", Some("w1"), "terminated"),
        channel("aCH", "+1 (631) 555-0101", Some("w1"), "ready"),
        channel("bCH", "+1 631 555 0102", None, "running"),
        channel(
            "zCH",
            "+44 20 7946 0000",
            Some("w7"),
            "pending_approval_by_meta",
        ),
    ];
    channels[0].terminated_at = Some("2026-01-01".into());
    join_channels(&mut rows, &channels, "2026-11-25T16:00:00Z");

    let by_id = |id: &str| rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        by_id("1").channel_id.as_deref(),
        Some("aCH"),
        "live channel wins"
    );
    assert_eq!(by_id("1").channel_status.as_deref(), Some("ready"));
    assert_eq!(
        by_id("1-old").channel_id,
        None,
        "the copy in another WABA is left alone"
    );
    assert_eq!(by_id("2").channel_status.as_deref(), Some("running"));
    assert_eq!(by_id("3").channel_id, None);

    let orphan = by_id("zCH");
    assert_eq!(orphan.origin, RowOrigin::PartnerOnly);
    assert_eq!(orphan.waba_id, "w7");
    assert_eq!(orphan.label(), "+44 20 7946 0000");
    assert_eq!(Column::Channel.value(orphan), "pending_approval_by_meta");
    assert_eq!(Column::Waba.value(orphan), "360dialog only: w7");
    assert_eq!(rows.len(), 6);
}

#[test]
fn the_join_key_keeps_leading_zeros_apart_and_refuses_what_is_no_number() {
    assert_eq!(digits_key("+1 (631) 555-0101"), digits_key("16315550101"));
    assert_ne!(digits_key("0049301234"), digits_key("49301234"));
    assert_eq!(digits_key("no digits"), None);
    assert!(digits_key(&"9".repeat(38)).is_some());
    assert_eq!(digits_key(&"9".repeat(39)), None);
}

#[test]
fn summary_and_groups() {
    let mut rows = fleet();
    rows[2].business = None;
    rows[2].waba_name = Some("Alpha".into());
    let summary = Summary::of(&rows);
    assert_eq!(summary.total, 4);
    assert_eq!(summary.by_status["CONNECTED"], 2);
    assert_eq!(summary.by_quality["RED"], 2);

    let groups = group(&rows, &[3, 2, 1, 0], Grouping::Waba);
    let shape: Vec<(&str, Vec<usize>)> = groups
        .iter()
        .map(|g| (g.label.as_str(), g.rows.clone()))
        .collect();
    assert_eq!(shape, [("Alpha", vec![2]), ("Lucky Shrub", vec![3, 1, 0])]);
    let groups = group(&rows, &[0, 1, 2, 3], Grouping::Business);
    assert_eq!(groups[0].label, "(no business)");
}

#[test]
fn journals_give_the_migration_state_newest_first() {
    use crate::domain::plan::StepId;
    let journal = |number: &str, done: Vec<StepId>, finished: Option<bool>| JournalState {
        number: number.into(),
        plan: vec![StepId::Preflight, StepId::AddNumber, StepId::VerifyCode],
        done,
        finished: finished.map(|completed| crate::domain::journal::Ending {
            completed,
            abandoned: false,
            detail: String::new(),
            at: crate::domain::journal::Stamp::now(),
        }),
        ..JournalState::default()
    };
    let mut by_destination_id = journal("2", vec![], Some(true));
    by_destination_id.phone_number_id = Some("4".into());
    let journals = [
        journal("+1 (631) 555-0101", vec![StepId::Preflight], None),
        journal("+16315550101", vec![], Some(false)),
        journal("3", vec![], Some(false)),
        by_destination_id,
    ];
    let mut rows = fleet();
    apply_journals(&mut rows, &journals);
    let states: Vec<String> = rows.iter().map(|r| r.migration.to_string()).collect();
    assert_eq!(
        states,
        ["in progress at step add_number", "done", "failed", "done"],
        "the newest journal of a number wins"
    );
}

#[test]
fn migration_state_round_trips_through_its_text() {
    for state in [
        MigrationState::None,
        MigrationState::InProgress {
            step: "register".into(),
        },
        MigrationState::Done,
        MigrationState::Failed,
    ] {
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            serde_json::from_str::<MigrationState>(&json).unwrap(),
            state
        );
    }
    assert!(serde_json::from_str::<MigrationState>("\"maybe\"").is_err());
}

#[test]
fn a_lenient_parse_keeps_the_terms_and_values_that_parse_and_names_the_first_error() {
    let (expr, error) = FilterExpr::parse_lenient("status:FLAGGED, 2fa:maybe nosuch:x");
    assert!(
        matches!(error, Some(FilterError::EmptyValue(_))),
        "{error:?}"
    );
    assert_eq!(
        expr.columns(),
        vec![Column::Status],
        "the broken terms are left out"
    );
    let flagged = row("1", "+1 555-000-0001", "FLAGGED", "GREEN");
    let connected = row("2", "+1 555-000-0002", "CONNECTED", "GREEN");
    assert!(expr.matches(&flagged) && !expr.matches(&connected));
    let (quoted, error) = FilterExpr::parse_lenient("quality:RED \"Lucky");
    assert_eq!(error, Some(FilterError::UnclosedQuote));
    assert_eq!(
        quoted.columns(),
        vec![Column::Quality],
        "the text before the quote stays"
    );
    assert!(
        FilterExpr::parse("status:FLAGGED,").is_err(),
        "strict parsing still refuses"
    );
}

#[test]
fn a_row_needs_no_number_field_beyond_those_the_fleet_sweep_asks_for() {
    let all: Vec<&str> = PhoneNumber::FIELDS.split(',').collect();
    for field in PhoneNumber::FLEET_FIELDS.split(',') {
        assert!(
            all.contains(&field),
            "{field} is one of PhoneNumber::FIELDS"
        );
    }
    let full: PhoneNumber = serde_json::from_value(serde_json::json!({
        "id": "106540352242922",
        "display_phone_number": "+1 631-555-0101",
        "verified_name": "Lucky Shrub",
        "name_status": "APPROVED",
        "new_name_status": "PENDING_REVIEW",
        "code_verification_status": "VERIFIED",
        "quality_rating": "YELLOW",
        "status": "FLAGGED",
        "platform_type": "CLOUD_API",
        "account_mode": "LIVE",
        "throughput": {"level": "HIGH"},
        "is_official_business_account": true,
        "is_pin_enabled": true,
        "is_on_biz_app": false,
        "messaging_limit_tier": "TIER_1K",
        "whatsapp_business_manager_messaging_limit": "TIER_10K",
        "last_onboarded_time": "2025-02-02T10:00:00+0000",
        "health_status": {"can_send_message": "LIMITED", "entities": []}
    }))
    .unwrap();
    // The same number as a fleet read gets it: only the fleet fields, the rest marked
    // not read.
    let mut sent = serde_json::to_value(&full).unwrap();
    for field in PhoneNumber::fields_beyond_fleet() {
        sent.as_object_mut().unwrap().remove(field);
    }
    let mut fleet_read: PhoneNumber = serde_json::from_value(sent).unwrap();
    fleet_read.fields_not_read = PhoneNumber::fields_beyond_fleet()
        .map(String::from)
        .collect();
    assert_ne!(fleet_read, full, "the fleet read leaves fields out");
    let waba = Waba {
        id: "104996122399160".into(),
        name: Some("Lucky Shrub Retail".into()),
        ..Waba::default()
    };
    let row = |number: &PhoneNumber| {
        let mut cells = ReadCells::new(&waba, "2026-12-01T10:00:00Z");
        FleetRow::read(&waba, number, None, &mut cells)
    };
    assert_eq!(row(&fleet_read), row(&full));
}
