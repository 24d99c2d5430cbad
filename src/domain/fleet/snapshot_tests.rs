//! Tests of the fleet snapshot: replacing a WABA in place, cached sort ranks, edits
//! and their change detection.

use super::*;
use crate::domain::fleet::MigrationState;

fn row(waba: &str, id: &str, status: &str) -> FleetRow {
    FleetRow {
        id: id.into(),
        waba_id: waba.into(),
        display_phone_number: Some(format!("+1 555-000-{id}")),
        status: Some(status.into()),
        ..FleetRow::default()
    }
}

fn ids(snapshot: &FleetSnapshot) -> Vec<&str> {
    snapshot.rows().iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn a_waba_replaced_in_place_reports_cells_added_and_removed_rows() {
    let mut fleet = FleetSnapshot::new(vec![
        row("w1", "1", "CONNECTED"),
        row("w1", "2", "CONNECTED"),
        row("w2", "3", "CONNECTED"),
    ]);
    let mut channel_row = fleet.rows()[0].clone();
    channel_row.channel_status = Some("running".into());
    fleet.edit(&[Column::Channel], |rows| rows[0] = channel_row);
    let changes = fleet.replace_waba(
        "w1",
        vec![row("w1", "1", "FLAGGED"), row("w1", "4", "CONNECTED")],
    );
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "+1 555-000-1 status CONNECTED → FLAGGED",
            "+1 555-000-4 added",
            "+1 555-000-2 removed"
        ]
    );
    assert_eq!(ids(&fleet), ["1", "3", "4"]);
    assert_eq!(
        fleet.rows()[0].channel_status.as_deref(),
        Some("running"),
        "the channel is carried until the end of the refresh joins it again"
    );
    let flagged = FilterExpr::parse("flagged").unwrap();
    assert_eq!(
        fleet.matching(&flagged),
        [0],
        "search texts follow the rows"
    );
    let mut wabas: Vec<&str> = fleet.wabas().collect();
    wabas.sort();
    assert_eq!(wabas, ["w1", "w2"]);
    assert!(
        fleet
            .replace_waba("w2", vec![row("w2", "3", "CONNECTED")])
            .is_empty(),
        "the same rows again: no change"
    );
}

#[test]
fn sorting_by_cached_ranks_orders_as_the_domain_sort_in_both_directions() {
    let rows = crate::testkit::fleet::fleet_rows(600);
    let mut fleet = FleetSnapshot::new(rows.clone());
    assert_sorts_as_the_domain(&fleet, &rows, &Column::ALL);
    // The ranks follow a change of the rows.
    let mut moved = rows[0].clone();
    moved.status = Some("AAA_FIRST".into());
    fleet.replace_waba(&moved.waba_id.clone(), vec![moved.clone()]);
    let mut all: Vec<usize> = (0..fleet.rows().len()).collect();
    fleet.sort(&mut all, Column::Status, false);
    assert_eq!(fleet.rows()[all[0]].id, moved.id);
}

#[test]
fn mostly_distinct_columns_rank_as_the_domain_sort_with_ties_case_and_empty_cells() {
    let named = |id: &str, name: Option<&str>, display: Option<&str>| FleetRow {
        id: id.into(),
        verified_name: name.map(str::to_string),
        display_phone_number: display.map(str::to_string),
        ..FleetRow::default()
    };
    let rows = vec![
        named("1", Some("Émile Shop"), Some("+1 555-0101")),
        named("2", Some("émile shop"), Some("+1 555 0101")),
        named("3", None, None),
        named("4", Some("Alpha"), Some("no digits")),
        named("5", Some("alpha"), Some("+44 20 7946 0000")),
        named(
            "6",
            Some("a long name that shares sixteen bytes 2"),
            Some("+1 555-0100"),
        ),
        named("7", Some("A long name that shares sixteen bytes 1"), None),
        named("8", Some(""), Some("+1 555-01")),
    ];
    let fleet = FleetSnapshot::new(rows.clone());
    assert_sorts_as_the_domain(&fleet, &rows, &[Column::Number, Column::VerifiedName]);
}

/// The snapshot's cached sort orders `rows` as the domain's sort does, by each of
/// `columns`, both ways.
fn assert_sorts_as_the_domain(fleet: &FleetSnapshot, rows: &[FleetRow], columns: &[Column]) {
    for &column in columns {
        for descending in [false, true] {
            let mut expected: Vec<usize> = (0..rows.len()).collect();
            super::super::sort_indices(rows, &mut expected, column, descending);
            let mut got: Vec<usize> = (0..rows.len()).collect();
            fleet.sort(&mut got, column, descending);
            assert_eq!(got, expected, "{column:?} descending {descending}");
        }
    }
}

#[test]
fn an_unsearched_snapshot_filters_and_replaces_as_a_searched_one() {
    let rows = vec![row("w1", "1", "CONNECTED"), row("w1", "2", "FLAGGED")];
    let mut searched = FleetSnapshot::new(rows.clone());
    let mut unsearched = FleetSnapshot::unsearched(rows);
    let flagged = FilterExpr::parse("flagged 555").unwrap();
    assert_eq!(unsearched.matching(&flagged), searched.matching(&flagged));
    let again = vec![row("w1", "2", "CONNECTED"), row("w1", "3", "FLAGGED")];
    assert_eq!(
        unsearched.replace_waba("w1", again.clone()),
        searched.replace_waba("w1", again)
    );
    assert_eq!(unsearched.matching(&flagged), searched.matching(&flagged));
    assert_eq!(unsearched.rows(), searched.rows());
}

#[test]
fn an_edit_reports_its_columns_and_its_rows_and_retain_removes() {
    let mut fleet = FleetSnapshot::new(vec![row("w1", "1", "CONNECTED"), row("w1", "2", "BANNED")]);
    let changes = fleet.edit(&[Column::Migration], |rows| {
        rows[1].migration = MigrationState::Done;
        rows.push(FleetRow {
            origin: RowOrigin::PartnerOnly,
            ..row("", "c9CH", "")
        });
    });
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "+1 555-000-2 migration none → done",
            "+1 555-000-c9CH added"
        ]
    );
    assert_eq!(
        fleet.matching(&FilterExpr::parse("migration:done").unwrap()),
        [1]
    );
    let removed = fleet.retain(|r| r.origin == RowOrigin::Graph);
    assert_eq!(removed.len(), 1);
    assert_eq!(ids(&fleet), ["1", "2"]);
}

#[test]
fn an_edit_that_drops_rows_names_each_once_and_the_rest_stay_searchable() {
    let mut fleet = FleetSnapshot::new(vec![
        row("w1", "1", "CONNECTED"),
        row("w1", "2", "BANNED"),
        row("w1", "1", "CONNECTED"),
        row("w1", "3", "FLAGGED"),
    ]);
    let changes = fleet.edit(&[Column::Channel], |rows| rows.retain(|r| r.id != "1"));
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["+1 555-000-1 removed"]);
    assert_eq!(ids(&fleet), ["2", "3"]);
    assert_eq!(fleet.matching(&FilterExpr::parse("flagged").unwrap()), [1]);
    assert_eq!(fleet.matching(&FilterExpr::parse("banned").unwrap()), [0]);
}
