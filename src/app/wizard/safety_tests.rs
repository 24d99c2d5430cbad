//! The wizard's safety rails: Enter alone never confirms a write, and a resume picked
//! with `J` is refused at once, with the holder's pid and start time, while another
//! process holds the number.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;

use super::runner::{self, RunBridge, RunJob};
use super::tests::{answered, chars, error, key, loaded, run, running, wizard};
use super::*;
use crate::app::action::{Action, Effect};
use crate::app::state::State;
use crate::app::update::update;
use crate::testkit::demo::{self, SOURCE_WABA};

/// The wizard page of a runner confirmation, as the run bridge shows it.
fn ask_runner(state: &mut State, id: QuestionId, question: &crate::ops::migration::Question) {
    let (kind, sends) = runner::confirmation_page(question);
    update(
        state,
        Action::Wizard(WizardEvent::Asked(Question {
            id,
            kind,
            prompt: question.text.clone(),
            sends,
        })),
    );
}

#[test]
fn enter_alone_never_confirms_a_register_an_approval_or_a_cancellation() {
    use crate::ops::migration::{Question as RunnerQuestion, Weight, WriteCall};
    let write = |call: &str| WriteCall {
        call: call.to_string(),
        number: "+1 631-555-0101".to_string(),
        waba: Some(SOURCE_WABA.to_string()),
        cost: "one of 10 register attempts".to_string(),
    };
    let weighty = [
        RunnerQuestion::write(Weight::TypedYes, write("POST /1/register"), false),
        RunnerQuestion::write(
            Weight::TypedYes,
            write("POST /partners/nB7x2LPA/selective_partner_change_requests/pcr01Kst/approve"),
            true,
        ),
        // The cancellation is the client's act in the Hub: its confirmation is typed too.
        RunnerQuestion::typed_yes(
            "Has the client cancelled the subscription in the 360dialog Client Hub?",
        ),
    ];
    let mut state = running();
    for (id, question) in (20..).zip(&weighty) {
        ask_runner(&mut state, id, question);
        assert_eq!(
            run(&state).question.as_ref().unwrap().question.kind,
            QuestionKind::TypedYes
        );
        assert!(
            key(&mut state, KeyCode::Enter).is_empty(),
            "{}",
            question.text
        );
        assert_eq!(error(&state).as_deref(), Some(text::TYPE_YES));
        chars(&mut state, "y");
        assert!(
            key(&mut state, KeyCode::Enter).is_empty(),
            "y alone is not yes"
        );
        assert_eq!(
            chars(&mut state, "es")
                .into_iter()
                .chain(key(&mut state, KeyCode::Enter))
                .collect::<Vec<_>>(),
            answered(id, WizardAnswer::Confirm(true))
        );
    }
    // A lighter write (adding the number) still wants `y`, never Enter alone.
    let add = RunnerQuestion::write(Weight::YesNo, write("POST /2/phone_numbers"), false);
    ask_runner(&mut state, 30, &add);
    assert!(key(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(error(&state).as_deref(), Some(text::Y_TO_SEND));
    assert_eq!(
        key(&mut state, KeyCode::Char('y')),
        answered(30, WizardAnswer::Confirm(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn j_on_a_number_another_process_holds_is_refused_with_its_pid_and_start_time() {
    use crate::domain::journal::{MigrationId, Record, Stamp};
    use crate::ops::run_lock::{LockKey, lock};
    let connection = crate::connect::connect(&demo::settings(), None)
        .await
        .expect("the sandbox starts");
    let data_dir = tempfile::tempdir().unwrap();
    // A migration paused before any write, on this backend.
    let id = MigrationId::new(time::OffsetDateTime::now_utc());
    let started = Record::Started {
        migration_id: id.to_string(),
        scenario: Scenario::ToNewWaba,
        number: "+16315550101".into(),
        source_waba_id: Some(SOURCE_WABA.into()),
        destination_waba_id: Some(demo::DESTINATION_WABA.into()),
        plan: plan(Scenario::ToNewWaba).iter().map(|s| s.id).collect(),
        operator: "ops".into(),
        backend: Some(connection.backend.clone()),
        at: Stamp::now(),
    };
    drop(crate::ops::journal_store::JournalFile::create(data_dir.path(), &id, &started).unwrap());
    // Another run holds the number (a flock is per open file: as another process would).
    let _held = lock(data_dir.path(), &LockKey::Number("16315550101".into())).unwrap();

    let mut state = loaded();
    assert_eq!(
        key(&mut state, KeyCode::Char('J')),
        vec![Effect::ListJournals]
    );
    let journals = runner::unfinished_journals(data_dir.path(), &connection.backend);
    update(&mut state, Action::Wizard(WizardEvent::Journals(journals)));
    assert_eq!(wizard(&state).page, Page::Resume);
    let effects = key(&mut state, KeyCode::Enter);
    let [Effect::StartMigration(order)] = effects.as_slice() else {
        panic!("Enter on the resume list resumes it: {effects:?}");
    };
    assert_eq!(order.start, RunStart::Resume(id.to_string()));
    let (messages, mut inbox) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(runner::execute(
        connection.graph.clone(),
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
    let started_at = Instant::now();
    while run(&state).end.is_none() {
        let message = tokio::time::timeout(Duration::from_secs(30), inbox.recv())
            .await
            .expect("the runner answers")
            .expect("the runner reports its end");
        update(&mut state, bridge.receive(message));
        assert!(started_at.elapsed() < Duration::from_secs(60));
    }
    let RunOutcome::JournalError(sentence) = &run(&state).end.as_ref().unwrap().outcome else {
        panic!("refused: {:?}", run(&state).end);
    };
    let holder = format!("pid {}, started ", std::process::id());
    assert!(
        sentence.contains("number 16315550101 is being worked on by another wamigrate process")
            && sentence.contains(&holder),
        "{sentence}"
    );
    let theme = crate::app::ui::tests::default_theme();
    let screen = crate::app::ui::tests::text(&crate::app::ui::tests::render(&state, &theme));
    assert!(
        screen.contains(&holder),
        "the refusal is on screen:\n{screen}"
    );
    let journal = std::fs::read_to_string(
        crate::ops::journal_store::journals_dir(data_dir.path()).join(format!("{id}.jsonl")),
    )
    .unwrap();
    assert_eq!(journal.lines().count(), 1, "nothing was journaled or sent");
}
