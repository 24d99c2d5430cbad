//! Snapshots of the wizard's pages at 120x40 (and the scenarios, plan and code pages at 80x24), plus the
//! cells that carry meaning: step marks with words, the PIN masked.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

use crate::app::action::Action;
use crate::app::state::State;
use crate::app::theme::Role;
use crate::app::ui::tests::{default_theme, render, text};
use crate::app::update::update;
use crate::app::wizard::{
    Question, QuestionKind, RunOutcome, RunSummary, SavedReport, WizardEvent,
};
use crate::domain::plan::{StepId, plan};
use crate::domain::scenario::Scenario;
use crate::testkit::demo::{self, Portfolio};

fn press(state: &mut State, code: KeyCode) {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

fn event(state: &mut State, event: WizardEvent) {
    update(state, Action::Wizard(event));
}

/// The wizard on the plan page of to-new-waba for the demo's first number.
fn plan_page(width: u16, height: u16) -> State {
    let mut state = demo::loaded_state(&Portfolio::new(40), width, height, Instant::now());
    press(&mut state, KeyCode::Char('m'));
    type_text(&mut state, "to-new-waba");
    press(&mut state, KeyCode::Enter);
    state
}

/// A run that reached the code question, with the runner's lines so far.
fn at_code_question(width: u16, height: u16) -> State {
    let mut state = plan_page(width, height);
    press(&mut state, KeyCode::Enter);
    event(
        &mut state,
        WizardEvent::Started {
            migration_id: "m-20261125T100000-0042".into(),
            journal: "/data/journals/m-20261125T100000-0042.jsonl".into(),
            scenario: Some(Scenario::ToNewWaba),
            number: "+16315550001".into(),
            plan: plan(Scenario::ToNewWaba).iter().map(|s| s.id).collect(),
            done: Vec::new(),
        },
    );
    let said = [
        (
            StepId::Preflight,
            vec![
                "  ✔ display_name_approved          APPROVED",
                "  ✔ two_step_off_at_source         is_pin_enabled = false",
            ],
            "✔ Preflight checklist: 14 checks, 0 warning(s) accepted",
        ),
        (
            StepId::TwoStepOff,
            vec![],
            "✔ Two-step verification off at the source: is_pin_enabled = false",
        ),
        (
            StepId::AddNumber,
            vec![],
            "✔ Add the number to the destination: phone number id 200000000009001",
        ),
        (
            StepId::RequestCode,
            vec![
                "Meta is sending a 6-digit code by SMS to the number; it may take a few minutes. A new request has a cooldown of about a minute.",
            ],
            "✔ Request the verification code: code requested by SMS",
        ),
    ];
    for (step, lines, done) in said {
        event(&mut state, WizardEvent::StepStarted(step));
        for line in lines {
            event(&mut state, WizardEvent::Said(line.into()));
        }
        event(&mut state, WizardEvent::Said(done.into()));
        event(&mut state, WizardEvent::StepDone(step));
    }
    event(&mut state, WizardEvent::StepStarted(StepId::VerifyCode));
    event(
        &mut state,
        WizardEvent::Asked(Question {
            sends: false,
            id: 1,
            kind: QuestionKind::Code,
            prompt: "Enter the 6-digit code sent to +1 631-555-0001 (phone number id 200000000009001), or 'resend' for a new code:".into(),
        }),
    );
    type_text(&mut state, "123");
    state
}

#[test]
fn scenario_picker_120x40() {
    let mut state = demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now());
    press(&mut state, KeyCode::Char('m'));
    let screen = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("wizard_scenarios_120x40", screen);
    for scenario in Scenario::ALL {
        assert!(screen.contains(scenario.id()), "{} missing", scenario.id());
    }
    assert!(screen.contains("✘ not carried"));
}

#[test]
fn plan_page_120x40() {
    let state = plan_page(120, 40);
    let screen = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("wizard_plan_120x40", screen);
    assert!(screen.contains("POST /{dest_waba_id}/phone_numbers"));
    assert!(screen.contains("⚠ non-idempotent"));
}

#[test]
fn scenario_picker_and_plan_80x24_keep_the_footer_keys() {
    let mut state = demo::loaded_state(&Portfolio::new(40), 80, 24, Instant::now());
    press(&mut state, KeyCode::Char('m'));
    let scenarios = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("wizard_scenarios_80x24", scenarios);
    assert!(
        scenarios.contains("more lines"),
        "the scenario's text that does not fit is said, not hidden"
    );
    let plan = text(&render(&plan_page(80, 24), &default_theme()));
    insta::assert_snapshot!("wizard_plan_80x24", plan);
    for screen in [scenarios, plan] {
        let footer = screen.lines().last().unwrap_or_default().to_string();
        assert!(
            footer.contains("help") && footer.contains("quit"),
            "{footer}"
        );
    }
}

#[test]
fn code_page_120x40() {
    let state = at_code_question(120, 40);
    let buffer = render(&state, &default_theme());
    let screen = text(&buffer);
    insta::assert_snapshot!("wizard_code_120x40", screen);
    assert!(screen.contains("123___"));
    assert!(screen.contains("resend in 60 s"));
    let (y, row) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("✔ done") && l.contains("Preflight checklist"))
        .expect("a done step reads ✔ done");
    let tick = (0..buffer.area.width)
        .map(|x| &buffer[(x, y as u16)])
        .find(|c| c.symbol() == "✔")
        .unwrap();
    assert_eq!(tick.fg, Color::Green, "{row}");
    assert!(screen.contains("▶ now  Verify the code"));
    assert!(screen.contains("· next Register with a new PIN"));
}

#[test]
fn code_page_80x24() {
    let state = at_code_question(80, 24);
    insta::assert_snapshot!("wizard_code_80x24", text(&render(&state, &default_theme())));
}

#[test]
fn the_pin_is_masked_on_screen() {
    let mut state = at_code_question(120, 40);
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "456");
    press(&mut state, KeyCode::Enter);
    event(
        &mut state,
        WizardEvent::Asked(Question {
            sends: false,
            id: 2,
            kind: QuestionKind::Pin,
            prompt: "The new two-step PIN of the number".into(),
        }),
    );
    type_text(&mut state, "917364");
    press(&mut state, KeyCode::Enter);
    type_text(&mut state, "91");
    let screen = text(&render(&state, &default_theme()));
    assert!(screen.contains("••••••"), "{screen}");
    assert!(
        !screen.contains("917364") && !screen.contains("91 "),
        "{screen}"
    );
}

#[test]
fn finished_page_120x40() {
    let mut state = at_code_question(120, 40);
    for step in plan(Scenario::ToNewWaba).iter().map(|s| s.id).skip(4) {
        event(&mut state, WizardEvent::StepStarted(step));
        event(&mut state, WizardEvent::StepDone(step));
    }
    event(
        &mut state,
        WizardEvent::Said(
            "Register attempts left for this number: at most 10 of 10 in the 72-hour window (counted from wamigrate's journals; attempts made elsewhere are invisible).".into(),
        ),
    );
    event(
        &mut state,
        WizardEvent::Ended(RunSummary {
            outcome: RunOutcome::Completed,
            report: Some(Ok(SavedReport {
                markdown_path: "/data/reports/m-20261125T100000-0042.md".into(),
                json_path: "/data/reports/m-20261125T100000-0042.json".into(),
                markdown:
                    "# Migration m-20261125T100000-0042\n\n| | |\n|---|---|\n| status | completed |"
                        .into(),
            })),
        }),
    );
    let screen = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("wizard_finished_120x40", screen);
    assert!(screen.contains("✔ Completed"));
    assert!(screen.contains("/data/reports/m-20261125T100000-0042.md"));
    press(&mut state, KeyCode::Enter);
    let report = text(&render(&state, &default_theme()));
    insta::assert_snapshot!("wizard_report_120x40", report);
    assert!(report.contains("│ status │ completed │"), "{report}");
    assert!(
        !report.contains("|---|") && !report.contains("# Migration"),
        "rendered, not raw"
    );
}

#[test]
fn the_report_page_draws_headings_tables_and_verdict_colours_at_80x24() {
    let mut state = at_code_question(80, 24);
    let markdown = "# Migration m-1\n\n| | |\n|---|---|\n| status | completed |\n\n## Preflight checklist\n\n| rule | status | evidence |\n|---|---|---|\n| two_step_off | fail | two-step verification is still on at the source, read just now |\n\n## Steps\n\n- [x] Preflight\n- [ ] Register\n";
    event(
        &mut state,
        WizardEvent::Ended(RunSummary {
            outcome: RunOutcome::Completed,
            report: Some(Ok(SavedReport {
                markdown_path: "/data/reports/m-1.md".into(),
                json_path: "/data/reports/m-1.json".into(),
                markdown: markdown.into(),
            })),
        }),
    );
    press(&mut state, KeyCode::Enter);
    let buffer = render(&state, &default_theme());
    let screen = text(&buffer);
    insta::assert_snapshot!("wizard_report_80x24", screen);
    let theme = default_theme();
    let (y, row) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("two_step_off"))
        .expect("the checklist row");
    let before_cell = &row[..row.find("│ fail").expect("the status cell")];
    let fail_x = before_cell.chars().count() as u16 + 2;
    assert_eq!(
        buffer[(fail_x, y as u16)].fg,
        theme.style(Role::Fail).fg.unwrap_or_default(),
        "a failing rule reads red: {row}"
    );
}
