use serde_json::json;

use super::*;

fn template(name: &str, status: &str, quality: Option<&str>) -> Template {
    serde_json::from_value(json!({
        "id": name, "name": name, "language": "en_US", "category": "MARKETING",
        "status": status, "quality_score": quality.map(|q| json!({"score": q})),
        "components": [{"type": "BODY", "text": "Spring is here"}]
    }))
    .unwrap()
}

fn inventory(
    templates: Vec<Template>,
    count: Option<u64>,
    limit: Option<u64>,
) -> TemplateInventory {
    TemplateInventory {
        templates,
        count,
        limit,
    }
}

fn options(only: Only, business: Business) -> PlanOptions {
    PlanOptions {
        only,
        include_rejected: false,
        business,
    }
}

fn actions(plan: &RecreatePlan) -> Vec<Action> {
    plan.candidates.iter().map(|c| c.action).collect()
}

/// The plan of `source` into a destination with room for two more templates.
fn room_for_two(source: &TemplateInventory) -> RecreatePlan {
    plan(
        source,
        &inventory(vec![], Some(8), Some(10)),
        options(Only::All, Business::Same),
    )
}

fn names(plan: &RecreatePlan) -> Vec<(&str, Reason)> {
    plan.candidates
        .iter()
        .map(|c| (c.name.as_str(), c.reason))
        .collect()
}

#[test]
fn only_what_a_migration_leaves_behind_and_never_rejected_or_deleted() {
    let source = inventory(
        vec![
            template("green", "APPROVED", Some("GREEN")),
            template("yellow", "APPROVED", Some("YELLOW")),
            template("unknown_quality", "APPROVED", Some("UNKNOWN")),
            template("paused", "PAUSED", Some("RED")),
            template("pending", "PENDING", None),
            template("rejected", "REJECTED", None),
            template("disabled", "DISABLED", None),
            template("deleted", "DELETED", None),
            template("queued", "QUEUED_FOR_REVIEW", None),
        ],
        None,
        None,
    );
    let dest = inventory(vec![], Some(0), Some(250));
    let plan = plan(&source, &dest, options(Only::All, Business::Same));
    assert_eq!(
        names(&plan),
        vec![
            ("yellow", Reason::Quality),
            ("unknown_quality", Reason::Quality),
            ("paused", Reason::NotApproved),
            ("pending", Reason::NotApproved),
        ]
    );
    assert_eq!(
        plan.room,
        Some(249),
        "the GREEN one a migration carries takes a slot"
    );
    let asked = super::plan(
        &source,
        &dest,
        PlanOptions {
            include_rejected: true,
            ..options(Only::NotApproved, Business::Same)
        },
    );
    assert_eq!(
        names(&asked),
        vec![
            ("paused", Reason::NotApproved),
            ("pending", Reason::NotApproved),
            ("rejected", Reason::NotApproved),
            ("disabled", Reason::NotApproved),
        ]
    );
}

#[test]
fn over_limit_rows_have_no_room_and_present_ones_are_left_out() {
    let source = inventory(
        vec![
            template("a", "APPROVED", Some("GREEN")),
            template("b", "APPROVED", Some("GREEN")),
            template("c", "APPROVED", Some("YELLOW")),
        ],
        None,
        None,
    );
    let dest = inventory(
        vec![template("c", "APPROVED", Some("GREEN"))],
        Some(9),
        Some(10),
    );
    let plan = plan(&source, &dest, options(Only::All, Business::Same));
    assert_eq!(names(&plan), vec![("b", Reason::OverLimit)]);
    assert!(!plan.candidates[0].room);
    assert_eq!(plan.candidates[0].action, Action::Skip);
    assert!(
        plan.candidates[0]
            .skip_reason
            .as_deref()
            .unwrap()
            .contains("no room")
    );
}

#[test]
fn another_business_takes_the_whole_set_that_fits_and_only_filters() {
    let source = inventory(
        vec![
            template("a", "APPROVED", Some("GREEN")),
            template("b", "APPROVED", Some("RED")),
            template("c", "APPROVED", Some("GREEN")),
        ],
        None,
        None,
    );
    let dest = inventory(vec![], Some(0), Some(2));
    let plan = plan(&source, &dest, options(Only::All, Business::Different));
    assert_eq!(
        names(&plan),
        vec![
            ("a", Reason::OtherBusiness),
            ("b", Reason::OtherBusiness),
            ("c", Reason::OtherBusiness)
        ]
    );
    let room: Vec<bool> = plan.candidates.iter().map(|c| c.room).collect();
    assert_eq!(room, vec![true, true, false]);
    let quality_only = super::plan(&source, &dest, options(Only::Quality, Business::Same));
    assert_eq!(names(&quality_only), vec![("b", Reason::Quality)]);
}

#[test]
fn rows_without_examples_are_asked_for_and_risks_are_named() {
    let mut t = template("promo", "APPROVED", Some("YELLOW"));
    t.category = Some(TemplateCategory::Utility);
    t.components = serde_json::from_value(json!([
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Hi {{1}}, 20% off today"}
    ]))
    .unwrap();
    let plan = plan(
        &inventory(vec![t], None, None),
        &inventory(vec![], None, None),
        options(Only::All, Business::Same),
    );
    let row = &plan.candidates[0];
    assert_eq!(row.action, Action::Skip);
    assert!(
        row.skip_reason.as_deref().unwrap().contains("sample value"),
        "{:?}",
        row.skip_reason
    );
    assert_eq!(row.media.len(), 1);
    for risk in [
        "promotional wording",
        "media header",
        "UTILITY copy may come back MARKETING",
        "low quality",
    ] {
        assert!(
            row.risks.iter().any(|r| r.contains(risk)),
            "{risk}: {:?}",
            row.risks
        );
    }
}

#[test]
fn rows_skipped_later_give_their_room_back() {
    let source = inventory(
        vec![
            template("a", "APPROVED", Some("RED")),
            template("b", "APPROVED", Some("RED")),
            template("c", "APPROVED", Some("RED")),
        ],
        None,
        None,
    );
    let mut plan = room_for_two(&source);
    assert_eq!(
        actions(&plan),
        vec![Action::Submit, Action::Submit, Action::Skip]
    );
    plan.skip(0, "media header needs a sample");
    plan.refit_room();
    assert_eq!(
        actions(&plan),
        vec![Action::Skip, Action::Submit, Action::Submit]
    );
    assert_eq!(
        plan.candidates[0].skip_reason.as_deref(),
        Some("media header needs a sample")
    );
}

#[test]
fn a_row_without_its_media_sample_never_takes_the_room_given_back() {
    let with_image = |name: &str| -> Template {
        serde_json::from_value(json!({
            "id": name, "name": name, "language": "en_US", "category": "MARKETING",
            "status": "APPROVED", "quality_score": {"score": "RED"},
            "components": [
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::src"]}},
                {"type": "BODY", "text": "Spring is here"}
            ]
        }))
        .unwrap()
    };
    let source = inventory(
        vec![
            with_image("banner_a"),
            template("b", "APPROVED", Some("RED")),
            with_image("banner_c"),
            template("d", "APPROVED", Some("RED")),
        ],
        None,
        None,
    );
    let mut plan = room_for_two(&source);
    assert_eq!(
        actions(&plan),
        vec![Action::Submit, Action::Submit, Action::Skip, Action::Skip]
    );
    plan.skip_missing_media(&BTreeMap::<String, String>::new());
    assert_eq!(
        actions(&plan),
        vec![Action::Skip, Action::Submit, Action::Skip, Action::Submit],
        "the room banner_a leaves goes to d, not to banner_c, which has no sample either"
    );
    for at in [0, 2] {
        assert!(
            plan.candidates[at]
                .skip_reason
                .as_deref()
                .unwrap()
                .starts_with("media header needs a sample: give --media banner_"),
            "{:?}",
            plan.candidates[at].skip_reason
        );
    }
    let mut given = BTreeMap::new();
    given.insert("banner_a".to_string(), "./a.png".to_string());
    let mut with_sample = room_for_two(&source);
    with_sample.skip_missing_media(&given);
    assert_eq!(
        actions(&with_sample),
        vec![Action::Submit, Action::Submit, Action::Skip, Action::Skip]
    );
}
