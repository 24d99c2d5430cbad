//! Wizard transitions (pure `update`), and one full run against the in-process sandbox
//! through the real runner, bridge and pages.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;

use super::runner::{RunBridge, RunJob, RunnerMessage};
use super::*;
use crate::app::action::{Action, Effect};
use crate::app::state::State;
use crate::app::update::update;
use crate::testkit::demo::{self, DESTINATION_WABA, Portfolio, SOURCE_WABA};

pub(super) fn loaded() -> State {
    demo::loaded_state(&Portfolio::new(40), 120, 40, Instant::now())
}

pub(super) fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(super) fn chars(state: &mut State, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(state, KeyCode::Char(c)))
        .collect()
}

pub(super) fn wizard(state: &State) -> &Wizard {
    state.wizard.as_ref().expect("the wizard is open")
}

pub(super) fn run(state: &State) -> &RunPage {
    wizard(state).run.as_ref().expect("a run page")
}

/// A loaded state with the wizard on the run page of a to-new-waba migration.
pub(super) fn running() -> State {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('m'));
    chars(&mut state, "to-new-waba");
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Enter);
    assert_eq!(wizard(&state).page, Page::Run);
    state
}

fn ask(state: &mut State, id: QuestionId, kind: QuestionKind) {
    update(
        state,
        Action::Wizard(WizardEvent::Asked(Question {
            id,
            kind,
            prompt: "question".into(),
            sends: false,
        })),
    );
}

pub(super) fn answered(question: QuestionId, answer: WizardAnswer) -> Vec<Effect> {
    vec![Effect::AnswerMigration { question, answer }]
}

pub(super) fn error(state: &State) -> Option<String> {
    run(state).question.as_ref().and_then(|q| q.error.clone())
}

#[test]
fn m_opens_the_scenario_picker_and_the_choice_drives_the_main_checklist() {
    let mut state = loaded();
    assert_eq!(state.scenario, Scenario::ToNewWaba);
    key(&mut state, KeyCode::Char('m'));
    assert_eq!(wizard(&state).page, Page::Scenarios);
    assert_eq!(
        wizard(&state).highlighted_scenario(),
        Some(Scenario::ToNewWaba),
        "the picker starts on the scenario in use"
    );
    assert_eq!(wizard(&state).scenario_candidates().len(), 7);
    chars(&mut state, "hosting");
    assert_eq!(
        wizard(&state).highlighted_scenario(),
        Some(Scenario::HostingTypeChange)
    );
    key(&mut state, KeyCode::Enter);
    assert_eq!(wizard(&state).page, Page::Plan);
    assert_eq!(state.scenario, Scenario::HostingTypeChange);
    key(&mut state, KeyCode::Esc);
    assert_eq!(wizard(&state).page, Page::Scenarios);
    key(&mut state, KeyCode::Esc);
    assert!(state.wizard.is_none());
    assert_eq!(
        state.scenario,
        Scenario::HostingTypeChange,
        "the main screen keeps judging by the chosen scenario"
    );
}

#[test]
fn enter_on_the_plan_starts_the_runner_with_the_number_and_both_wabas() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('m'));
    chars(&mut state, "to-new-waba");
    key(&mut state, KeyCode::Enter);
    key(&mut state, KeyCode::Char('c'));
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::StartMigration(RunOrder {
            start: RunStart::New(MigrationRequest {
                scenario: Scenario::ToNewWaba,
                variant: crate::domain::plan::PlanVariant::Standard,
                number: "+16315550001".into(),
                source_waba_id: Some(SOURCE_WABA.into()),
                destination_waba_id: Some(DESTINATION_WABA.into()),
            }),
            code_method: CodeMethod::Voice,
            language: CODE_LANGUAGE.into(),
        })]
    );
    let run = run(&state);
    assert_eq!(run.steps.len(), plan(Scenario::ToNewWaba).len());
    assert!(run.steps.iter().all(|(_, m)| *m == StepMark::Pending));
}

#[test]
fn the_plan_refuses_to_start_without_a_destination() {
    let mut state = loaded();
    state.destination = None;
    key(&mut state, KeyCode::Char('m'));
    chars(&mut state, "to-new-waba");
    key(&mut state, KeyCode::Enter);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(
        wizard(&state).plan_problem.as_deref(),
        Some(text::NO_DESTINATION)
    );
    assert_eq!(wizard(&state).page, Page::Plan);
}

#[test]
fn steps_follow_the_runner_and_a_question_is_answered_with_its_id() {
    let mut state = running();
    update(
        &mut state,
        Action::Wizard(WizardEvent::StepStarted(StepId::Preflight)),
    );
    assert_eq!(run(&state).steps[0], (StepId::Preflight, StepMark::Current));
    update(
        &mut state,
        Action::Wizard(WizardEvent::StepDone(StepId::Preflight)),
    );
    assert_eq!(run(&state).steps[0].1, StepMark::Done);
    update(
        &mut state,
        Action::Wizard(WizardEvent::Said("Register attempts left: 10".into())),
    );
    assert_eq!(
        run(&state).log.back().unwrap(),
        "Register attempts left: 10"
    );

    ask(&mut state, 7, QuestionKind::YesNo);
    assert_eq!(
        key(&mut state, KeyCode::Char('y')),
        answered(7, WizardAnswer::Confirm(true))
    );
    assert!(run(&state).question.is_none(), "answered: back to waiting");
    assert!(
        key(&mut state, KeyCode::Char('y')).is_empty(),
        "no second answer"
    );
}

#[test]
fn warnings_need_the_word_yes_typed_out() {
    let mut state = running();
    ask(&mut state, 8, QuestionKind::TypedYes);
    chars(&mut state, "y");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(error(&state).as_deref(), Some(text::TYPE_YES));
    assert_eq!(
        chars(&mut state, "es")
            .into_iter()
            .chain(key(&mut state, KeyCode::Enter))
            .collect::<Vec<_>>(),
        answered(8, WizardAnswer::Confirm(true))
    );
    ask(&mut state, 9, QuestionKind::TypedYes);
    assert_eq!(
        key(&mut state, KeyCode::Char('n')),
        answered(9, WizardAnswer::Confirm(false))
    );
}

#[test]
fn the_code_takes_six_digits_only_and_says_why_otherwise() {
    let mut state = running();
    ask(&mut state, 9, QuestionKind::Code);
    chars(&mut state, "a");
    assert_eq!(error(&state).as_deref(), Some(text::CODE_DIGITS_ONLY));
    chars(&mut state, "123");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(error(&state), Some(text::digits_needed(3)));
    chars(&mut state, "4567");
    assert_eq!(
        error(&state),
        Some(text::digits_needed(6)),
        "a seventh digit is refused"
    );
    key(&mut state, KeyCode::Backspace);
    chars(&mut state, "9");
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        answered(9, WizardAnswer::Code(SecretString::from("123459")))
    );
}

#[test]
fn a_rejected_code_asks_again_with_the_attempts_and_their_consequence() {
    let mut state = running();
    ask(&mut state, 1, QuestionKind::Code);
    assert_eq!(error(&state), None);
    chars(&mut state, "000000");
    key(&mut state, KeyCode::Enter);
    let verdict = "The code is wrong or expired. (wrong code 1 of 3 this run; repeated wrong codes can block verification for hours.)";
    update(
        &mut state,
        Action::Wizard(WizardEvent::Said(verdict.into())),
    );
    ask(&mut state, 2, QuestionKind::Code);
    assert_eq!(error(&state).as_deref(), Some(verdict));
}

#[test]
fn resend_waits_out_the_cooldown_with_a_countdown() {
    let mut state = running();
    let requested = state.now;
    update(
        &mut state,
        Action::Wizard(WizardEvent::StepDone(StepId::RequestCode)),
    );
    ask(&mut state, 3, QuestionKind::Code);
    assert_eq!(run(&state).resend_wait(state.now), 60);
    update(
        &mut state,
        Action::Tick(requested + Duration::from_secs(20)),
    );
    assert!(key(&mut state, KeyCode::Char('r')).is_empty());
    assert_eq!(error(&state), Some(text::resend_wait(40)));
    update(
        &mut state,
        Action::Tick(requested + Duration::from_secs(61)),
    );
    assert_eq!(
        key(&mut state, KeyCode::Char('r')),
        answered(3, WizardAnswer::ResendCode)
    );
    ask(&mut state, 4, QuestionKind::Code);
    assert_eq!(
        run(&state).resend_wait(state.now),
        60,
        "the resend restarts the cooldown"
    );
}

#[test]
fn a_pin_is_entered_twice_and_a_mismatch_starts_over() {
    let mut state = running();
    ask(&mut state, 10, QuestionKind::Pin);
    chars(&mut state, "111111");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    chars(&mut state, "222222");
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(error(&state).as_deref(), Some(text::PIN_MISMATCH));
    let Some(QuestionPage {
        entry: Entry::Pin {
            first,
            second,
            repeating,
        },
        ..
    }) = &run(&state).question
    else {
        panic!("the PIN page stays");
    };
    assert!(first.is_empty() && second.is_empty() && !repeating);
    chars(&mut state, "135790");
    key(&mut state, KeyCode::Enter);
    chars(&mut state, "135790");
    assert_eq!(
        key(&mut state, KeyCode::Enter),
        answered(10, WizardAnswer::Pin(SecretString::from("135790")))
    );
}

#[test]
fn esc_at_a_question_asks_then_stops_the_run() {
    let mut state = running();
    ask(&mut state, 11, QuestionKind::Code);
    assert!(key(&mut state, KeyCode::Esc).is_empty());
    assert!(run(&state).confirming_stop);
    key(&mut state, KeyCode::Char('n'));
    assert!(!run(&state).confirming_stop);
    assert!(run(&state).question.is_some(), "the question is still open");
    key(&mut state, KeyCode::Esc);
    assert_eq!(
        key(&mut state, KeyCode::Char('y')),
        answered(11, WizardAnswer::Stop)
    );
    update(
        &mut state,
        Action::Wizard(WizardEvent::Ended(RunSummary {
            outcome: RunOutcome::Paused {
                step: StepId::VerifyCode,
                reason: "stopped".into(),
            },
            report: None,
        })),
    );
    let marks: Vec<StepMark> = run(&state).steps.iter().map(|(_, m)| *m).collect();
    assert!(marks.contains(&StepMark::Paused));
}

#[test]
fn the_finished_page_opens_the_report_and_esc_returns_to_fresh_panes() {
    let mut state = running();
    let saved = SavedReport {
        markdown_path: "/data/reports/m-1.md".into(),
        json_path: "/data/reports/m-1.json".into(),
        markdown: format!(
            "# Migration m-1\n\n| | |\n|---|---|\n| status | completed |\n\n## Steps\n\n{}",
            (1..=60)
                .map(|i| format!("- [x] step {i}\n"))
                .collect::<String>()
        ),
    };
    update(
        &mut state,
        Action::Wizard(WizardEvent::Ended(RunSummary {
            outcome: RunOutcome::Completed,
            report: Some(Ok(saved)),
        })),
    );
    key(&mut state, KeyCode::Enter);
    assert_eq!(wizard(&state).page, Page::Report);
    let report = &wizard(&state).report;
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.text().contains("│ status │ completed │")),
        "the report is rendered, not shown as raw Markdown"
    );
    key(&mut state, KeyCode::Down);
    assert_eq!(wizard(&state).report.scroll, 1);
    for _ in 0..200 {
        key(&mut state, KeyCode::Down);
    }
    let report = &wizard(&state).report;
    assert_eq!(
        report.scroll + report.viewport,
        report.lines.len(),
        "scrolling stops with the last line at the bottom"
    );
    key(&mut state, KeyCode::Esc);
    assert_eq!(wizard(&state).page, Page::Run);
    let effects = key(&mut state, KeyCode::Esc);
    assert!(state.wizard.is_none());
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Api { .. })),
        "the panes are read again: the number may have moved"
    );
}

#[test]
fn unfinished_journals_at_start_up_open_the_resume_picker() {
    let mut state = loaded();
    update(
        &mut state,
        Action::Wizard(WizardEvent::Journals(Ok(Vec::new()))),
    );
    assert!(state.wizard.is_none(), "nothing to resume: no picker");
    let journal = UnfinishedJournal {
        id: "m-20261125T100000-0001".into(),
        scenario: Some(Scenario::ToNewWaba),
        number: "+16315550101".into(),
        next_step: Some(StepId::Register),
        started_at: "2026-11-25T10:00:00Z".into(),
    };
    update(
        &mut state,
        Action::Wizard(WizardEvent::Journals(Ok(vec![journal.clone()]))),
    );
    assert_eq!(wizard(&state).page, Page::Resume);
    let effects = key(&mut state, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::StartMigration(RunOrder {
            start: RunStart::Resume(journal.id),
            code_method: CodeMethod::Sms,
            language: CODE_LANGUAGE.into(),
        })]
    );
    assert_eq!(wizard(&state).page, Page::Run);
}

#[test]
fn the_bridge_answers_only_the_pending_question() {
    let mut bridge = RunBridge::default();
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    let question = Question {
        sends: false,
        id: 5,
        kind: QuestionKind::YesNo,
        prompt: "go?".into(),
    };
    let action = bridge.receive(RunnerMessage::Ask(question.clone(), reply));
    assert!(matches!(
        action,
        Action::Wizard(WizardEvent::Asked(q)) if q == question
    ));
    bridge.answer(4, WizardAnswer::Confirm(true));
    assert!(answer.try_recv().is_err(), "a stale answer is dropped");
    bridge.answer(5, WizardAnswer::Confirm(true));
    assert_eq!(answer.try_recv().unwrap(), WizardAnswer::Confirm(true));
}

/// Sandbox ids (assets/sandbox/README.md): the ready-to-migrate number and the healthy
/// destination in the same business.
const SANDBOX_SOURCE: &str = "104996122399160";
const SANDBOX_DESTINATION: &str = "104996122399161";
const SANDBOX_NUMBER: &str = "106540352240001";
const NEW_PIN: &str = "917364";

/// Picks `query` in the picker `opener` opens, answering reads from the sandbox.
async fn pick(state: &mut State, graph: &crate::api::GraphClient, opener: char, query: &str) {
    let now = state.now;
    let mut effects = key(state, KeyCode::Char(opener));
    effects.extend(chars(state, query));
    effects.extend(key(state, KeyCode::Enter));
    demo::answer_from(graph, state, effects, now).await;
}

/// Answers the pending question by typing, as an operator would; the first code typed
/// is wrong on purpose (one digit off), the second is the one the sandbox sent.
async fn answer_question(
    state: &mut State,
    http: &reqwest::Client,
    base_url: &str,
    otps: &mut Vec<String>,
) -> Vec<Effect> {
    let Some(page) = run(state).question.clone() else {
        return Vec::new();
    };
    match page.question.kind {
        QuestionKind::YesNo => key(state, KeyCode::Char('y')),
        QuestionKind::TypedYes => {
            chars(state, "yes");
            key(state, KeyCode::Enter)
        }
        QuestionKind::Code => {
            let new_id = page
                .question
                .prompt
                .split("phone number id ")
                .nth(1)
                .and_then(|rest| rest.split(')').next())
                .expect("the prompt names the new phone number id");
            let otp: serde_json::Value = http
                .get(format!("{base_url}/_sandbox/otp/{new_id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let sent = otp["code"].as_str().expect("a code was sent").to_string();
            let code = if otps.is_empty() {
                let first = sent.chars().next().and_then(|c| c.to_digit(10)).unwrap();
                format!("{}{}", (first + 1) % 10, &sent[1..])
            } else {
                let verdict = page.error.expect("the wrong code's verdict is shown");
                assert!(verdict.contains("wrong code 1 of 3"), "{verdict}");
                sent
            };
            chars(state, &code);
            otps.push(code);
            key(state, KeyCode::Enter)
        }
        QuestionKind::Pin => {
            chars(state, NEW_PIN);
            key(state, KeyCode::Enter);
            chars(state, NEW_PIN);
            key(state, KeyCode::Enter)
        }
        QuestionKind::Backup => panic!("to-new-waba asks for no backup"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wizard_run_moves_the_number_in_the_sandbox_and_records_no_secret() {
    let connection = crate::connect::connect(&demo::settings(), None)
        .await
        .expect("the sandbox starts");
    let crate::connect::BackendLabel::Sandbox { base_url } = connection.label.clone() else {
        panic!("sandbox expected");
    };
    let graph = &connection.graph;
    let http = graph.transport().http().clone();
    let data_dir = tempfile::tempdir().unwrap();
    let now = Instant::now();
    let mut state = demo::first_frame_state(120, 40, now);
    let effects = update(&mut state, Action::Connected(connection.label.clone()));
    demo::answer_from(graph, &mut state, effects, now).await;
    pick(&mut state, graph, 's', SANDBOX_SOURCE).await;
    pick(&mut state, graph, 'd', SANDBOX_DESTINATION).await;
    pick(&mut state, graph, 'n', "631-555-0101").await;
    assert_eq!(state.selected_number.as_deref(), Some(SANDBOX_NUMBER));

    key(&mut state, KeyCode::Char('m'));
    chars(&mut state, "to-new-waba");
    key(&mut state, KeyCode::Enter);
    let effects = key(&mut state, KeyCode::Enter);
    let [Effect::StartMigration(order)] = effects.as_slice() else {
        panic!("Enter on the plan starts the run: {effects:?}");
    };
    let (messages, mut inbox) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(runner::execute(
        graph.clone(),
        connection.hub.clone(),
        RunJob {
            order: order.clone(),
            data_dir: data_dir.path().to_path_buf(),
            backend: connection.backend.clone(),
            in_flight: connection.call_timeout,
            messages,
        },
    ));
    let mut bridge = RunBridge::default();
    let mut otps = Vec::new();
    let mut screens = String::new();
    let theme = crate::app::ui::tests::default_theme();
    while run(&state).end.is_none() {
        let message = tokio::time::timeout(Duration::from_secs(60), inbox.recv())
            .await
            .expect("the runner goes on")
            .expect("the runner reports its end");
        let action = bridge.receive(message);
        update(&mut state, action);
        let buffer = crate::app::ui::tests::render(&state, &theme);
        screens.push_str(&crate::app::ui::tests::text(&buffer));
        for effect in answer_question(&mut state, &http, &base_url, &mut otps).await {
            if let Effect::AnswerMigration { question, answer } = effect {
                bridge.answer(question, answer);
            }
        }
    }
    let end = run(&state).end.clone().unwrap();
    assert_eq!(end.outcome, RunOutcome::Completed, "{:?}", run(&state).log);
    assert!(
        run(&state).steps.iter().all(|(_, m)| *m == StepMark::Done),
        "{:?}",
        run(&state).steps
    );
    assert_eq!(otps.len(), 2, "a wrong code, then the right one");

    let moved = graph.phone_numbers(SANDBOX_DESTINATION).await.unwrap();
    let number = moved
        .iter()
        .find(|n| n.e164_digits().as_deref() == Some("16315550101"))
        .expect("the number is in the destination");
    assert_eq!(
        number.status,
        Some(crate::domain::number::NumberStatus::Connected)
    );
    let stats: serde_json::Value = http
        .get(format!("{base_url}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["by_route"]["POST /{id}/register"], 1, "{stats}");

    let report = end.report.expect("a report").expect("saved");
    let mut on_record = vec![
        std::fs::read_to_string(&report.markdown_path).unwrap(),
        std::fs::read_to_string(&report.json_path).unwrap(),
        run(&state)
            .log
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        screens,
    ];
    let journals = crate::ops::journal_store::journals_dir(data_dir.path());
    for entry in std::fs::read_dir(journals).unwrap() {
        on_record.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(on_record[0].contains("completed"));
    // The rule no token can read (register attempts made elsewhere) was asked on its
    // page, typed yes, and journaled with who confirmed it, before the first write.
    assert!(
        on_record[3].contains("could not be judged"),
        "the question's page"
    );
    let journal = on_record.last().unwrap();
    let confirmed = journal
        .find("register_budget confirmed by the operator")
        .expect("the confirmation is journaled");
    assert!(confirmed < journal.find("\"record\":\"intent\"").unwrap());
    for secret in otps
        .iter()
        .map(String::as_str)
        .chain([NEW_PIN, "sandbox-token"])
    {
        for (i, text) in on_record.iter().enumerate() {
            assert!(
                !text.contains(secret),
                "a secret is on record (#{i}: report md, json, log, screens, journal)"
            );
        }
    }
}
