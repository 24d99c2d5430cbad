//! Runs from the template screen: copying with its confirmation and progress, the
//! retry of exactly what a fresh read lacks, and re-creation marked, run and followed.

use super::*;

#[test]
fn copying_needs_the_confirmation_and_reports_progress_of_its_own_run_only() {
    let mut state = opened(50);
    assert!(
        key(&mut state, KeyCode::Char('y')).is_empty(),
        "no question, no copy"
    );
    assert!(key(&mut state, KeyCode::Char('x')).is_empty());
    let Some(Confirm::Migrate {
        expected,
        total,
        pages,
    }) = view(&state).confirm.clone()
    else {
        panic!("x asks first");
    };
    assert_eq!((total, pages), (40, 1));
    assert!(expected > 0);
    assert!(key(&mut state, KeyCode::Char('n')).is_empty());
    assert!(view(&state).confirm.is_none() && view(&state).run.is_none());
    key(&mut state, KeyCode::Char('x'));
    let effects = key(&mut state, KeyCode::Char('y'));
    let [
        Effect::TemplateRun(RunCommand::Start {
            run,
            source_waba_id,
            destination_waba_id,
        }),
    ] = &effects[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (source_waba_id.as_str(), destination_waba_id.as_str()),
        (SOURCE_WABA, DESTINATION_WABA)
    );
    let run = *run;
    assert!(state.is_busy());
    let progress = Progress {
        calls_done: 1,
        calls_total: 1,
    };
    run_event(&mut state, run + 100, RunUpdate::Progress(progress.clone()));
    assert!(!state.dirty, "another run's news is dropped");
    run_event(&mut state, run, RunUpdate::Progress(progress.clone()));
    assert!(matches!(
        &view(&state).run.as_ref().unwrap().phase,
        RunPhase::Running { progress: Some(p), stopping: false } if *p == progress
    ));
    assert!(
        key(&mut state, KeyCode::Char('q')).is_empty(),
        "q during a run asks before quitting"
    );
    assert!(matches!(state.popup, Some(Popup::ConfirmQuit { .. })));
    key(&mut state, KeyCode::Char('n'));
    assert!(state.popup.is_none(), "any other key stays");
    assert!(
        key(&mut state, KeyCode::Esc)
            .iter()
            .any(|e| matches!(e, Effect::TemplateRun(RunCommand::Stop { .. }))),
        "leaving during a run stops it instead"
    );
    assert!(state.templates.is_some());
    assert!(
        key(&mut state, KeyCode::Esc).is_empty(),
        "stop is sent once"
    );
    assert!(matches!(
        view(&state).run.as_ref().unwrap().phase,
        RunPhase::Running { stopping: true, .. }
    ));
}

fn missing_template(id: &str, name: &str, language: &str, reason: &str) -> FailedTemplate {
    FailedTemplate {
        name: name.into(),
        language: language.into(),
        source_id: id.into(),
        reason: reason.into(),
    }
}

#[test]
fn after_the_pages_only_what_a_fresh_read_lacks_is_offered_for_retry_then_the_tally_shows() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('x'));
    let Effect::TemplateRun(RunCommand::Start { run, .. }) =
        key(&mut state, KeyCode::Char('y')).remove(0)
    else {
        panic!("started");
    };
    let mut record = TemplateRun::new(SOURCE_WABA, DESTINATION_WABA);
    // What the fresh read lacks, with Meta's reason where an answer gave one; the ids
    // the answers named play no part.
    let missing = vec![
        missing_template("s2", "template_00002", "pt_BR", "Incorrect category"),
        missing_template("s5", "template_00005", "de", "Formatting error"),
    ];
    run_event(
        &mut state,
        run,
        RunUpdate::AwaitingDecision {
            record: record.clone(),
            missing: missing.clone(),
            saved: Ok("/tmp/run.json".into()),
        },
    );
    let RunPhase::AwaitingDecision { failures, .. } = &view(&state).run.as_ref().unwrap().phase
    else {
        panic!("waits for a decision");
    };
    assert_eq!(
        failures
            .iter()
            .map(|f| (f.label.as_str(), f.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            ("template_00002 (pt_BR)", "Incorrect category"),
            ("template_00005 (de)", "Formatting error")
        ]
    );
    assert!(
        key(&mut state, KeyCode::Char('R')).is_empty(),
        "R asks first"
    );
    assert_eq!(
        view(&state).confirm,
        Some(Confirm::Retry {
            ids: vec!["s2".into(), "s5".into()]
        })
    );
    let effects = key(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        [Effect::TemplateRun(RunCommand::Retry {
            run,
            ids: vec!["s2".into(), "s5".into()]
        })]
    );
    run_event(&mut state, run, RunUpdate::Rechecking);
    record
        .rejected_on_recheck
        .push(crate::ops::template_migration::RejectedCopy {
            id: "c1".into(),
            name: "template_00001".into(),
            language: "de".into(),
            rejected_reason: Some("INCORRECT_CATEGORY".into()),
        });
    record.tally = Some(crate::ops::template_tally::Tally {
        expected: 2,
        migrated: 1,
        failed: missing[1..].to_vec(),
        ..Default::default()
    });
    let effects = run_event(
        &mut state,
        run,
        RunUpdate::Finished {
            record,
            saved: Ok("/tmp/run.json".into()),
            recheck: Ok(()),
        },
    );
    let reread: Vec<String> = template_requests(&effects)
        .into_iter()
        .map(|(_, w)| w)
        .collect();
    assert_eq!(
        reread,
        [SOURCE_WABA, DESTINATION_WABA],
        "the diff is re-read after the copies"
    );
    let RunPhase::Done {
        record, failures, ..
    } = &view(&state).run.as_ref().unwrap().phase
    else {
        panic!("done");
    };
    assert_eq!(record.rejected_on_recheck.len(), 1);
    assert_eq!(
        failures
            .iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>(),
        ["template_00005 (de)"],
        "the failures are the tally's"
    );
    key(&mut state, KeyCode::Esc);
    assert!(view(&state).run.is_none(), "Esc closes a finished run");
}

#[test]
fn finishing_without_retry_sends_finish() {
    let mut state = opened(50);
    key(&mut state, KeyCode::Char('x'));
    let Effect::TemplateRun(RunCommand::Start { run, .. }) =
        key(&mut state, KeyCode::Char('y')).remove(0)
    else {
        panic!("started");
    };
    let record = TemplateRun::new(SOURCE_WABA, DESTINATION_WABA);
    run_event(
        &mut state,
        run,
        RunUpdate::AwaitingDecision {
            record,
            missing: vec![missing_template("s2", "template_00002", "pt_BR", "x")],
            saved: Err(crate::ops::file_error::FileError::write(
                std::path::Path::new("/data"),
                "disk full",
            )),
        },
    );
    assert_eq!(
        key(&mut state, KeyCode::Esc),
        [Effect::TemplateRun(RunCommand::Finish { run })]
    );
    assert!(matches!(
        view(&state).run.as_ref().unwrap().phase,
        RunPhase::Rechecking
    ));
}

/// Marks the first row (a PAUSED template), confirms the run, and ends it with one
/// submission: the key, the run's command, and the effects of its end.
fn recreate_first_row(
    state: &mut State,
) -> (
    recreate::TemplateKey,
    recreate::RecreateCommand,
    Vec<Effect>,
) {
    key(state, KeyCode::Home);
    let first = shown(state)[0].0.clone();
    assert_eq!(first.status, Some(TemplateStatus::Paused));
    key(state, KeyCode::Char('m'));
    let marked = (first.name.clone(), first.language.clone());
    assert_eq!(view(state).recreate.marked(), vec![marked.clone()]);
    key(state, KeyCode::Char('X'));
    assert_eq!(view(state).confirm, Some(Confirm::Recreate { count: 1 }));
    let effects = key(state, KeyCode::Char('y'));
    let Some(Effect::Recreate(command)) = effects.first().cloned() else {
        panic!("y starts the run: {effects:?}");
    };
    assert_eq!(command.marked, vec![marked.clone()]);
    assert_eq!(command.source_waba_id, SOURCE_WABA);
    let event = recreate::RecreateEvent {
        run: command.run,
        states: vec![(marked.clone(), recreate::Submission::Submitted)],
        news: recreate::RecreateNews::Ended(Ok("recreate-1".to_string())),
    };
    let effects = update(state, Action::Recreate(Box::new(event)));
    (marked, command, effects)
}

#[test]
fn closing_the_screen_stops_following_the_review_not_the_run() {
    let mut state = opened(50);
    let (_, command, _) = recreate_first_row(&mut state);
    assert_eq!(view(&state).recreate.following, Some(command.run));
    let effects = key(&mut state, KeyCode::Esc);
    assert!(state.templates.is_none(), "Esc closes the screen");
    assert_eq!(
        effects,
        vec![Effect::StopFollowingRecreation(command.run)],
        "the job is told to stop following"
    );
}

#[test]
fn rows_are_marked_for_recreation_submitted_after_y_and_their_state_shown() {
    let mut state = opened(50);
    for _ in 0..3 {
        key(&mut state, KeyCode::Down);
    }
    key(&mut state, KeyCode::Char('m'));
    assert!(
        view(&state).recreate.marked().is_empty(),
        "a GREEN template travels"
    );
    assert!(
        view(&state)
            .recreate
            .message
            .as_deref()
            .unwrap()
            .contains("travels")
    );
    let (marked, command, effects) = recreate_first_row(&mut state);
    assert!(
        template_requests(&effects)
            .iter()
            .any(|(_, w)| w == DESTINATION_WABA),
        "the destination is read again for Meta's review state"
    );
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("submitted")
    );
    assert!(
        view(&state)
            .recreate
            .message
            .as_deref()
            .unwrap()
            .contains("templates track recreate-1")
    );
    // The same job follows the run: each read updates the column.
    let reviewed = |state: &mut State, run, text: &str, in_review| {
        let event = recreate::RecreateEvent {
            run,
            states: vec![(
                marked.clone(),
                recreate::Submission::Reviewed(text.to_string()),
            )],
            news: recreate::RecreateNews::Reviewed {
                run_id: "recreate-1".to_string(),
                in_review,
            },
        };
        update(state, Action::Recreate(Box::new(event)));
    };
    reviewed(&mut state, command.run + 1000, "approved", 0);
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("submitted"),
        "news of a run this screen does not follow is dropped"
    );
    reviewed(&mut state, command.run, "pending", 1);
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("pending")
    );
    reviewed(&mut state, command.run, "rejected: INVALID_FORMAT", 0);
    assert_eq!(
        view(&state).recreate.cell(&marked, None).as_deref(),
        Some("rejected: INVALID_FORMAT")
    );
    assert_eq!(view(&state).recreate.following, None, "every verdict is in");
    assert!(
        view(&state)
            .recreate
            .message
            .as_deref()
            .unwrap()
            .contains("every submission has Meta's verdict")
    );
}
