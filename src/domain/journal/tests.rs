use super::*;

fn at(text: &str) -> Stamp {
    serde_json::from_value(serde_json::Value::String(text.to_string())).unwrap()
}

fn started() -> Record {
    Record::Started {
        migration_id: "m-20261125T100000-0001".into(),
        scenario: Scenario::ToNewWaba,
        number: "+16315550101".into(),
        source_waba_id: Some("1".into()),
        destination_waba_id: Some("2".into()),
        plan: crate::domain::plan::plan(Scenario::ToNewWaba)
            .iter()
            .map(|s| s.id)
            .collect(),
        operator: "ops".into(),
        backend: None,
        at: at("2026-11-25T10:00:00Z"),
    }
}

fn done(step: StepId) -> Record {
    Record::StepDone {
        step,
        detail: "ok".into(),
        reference: None,
        at: at("2026-11-25T10:00:01Z"),
    }
}

fn intent(step: StepId, when: &str) -> Record {
    Record::Intent {
        step,
        call: "POST".into(),
        in_flight_secs: Some(40),
        at: at(when),
    }
}

fn outcome(step: StepId, outcome: CallOutcome) -> Record {
    Record::Outcome {
        step,
        outcome,
        at: at("2026-11-25T10:00:02Z"),
    }
}

fn failed(class: &str) -> CallOutcome {
    CallOutcome::Failed {
        class: class.into(),
        sentence: "no".into(),
        reference: "code 1".into(),
    }
}

#[test]
fn every_state_of_a_step_follows_from_its_records() {
    let step = StepId::AddNumber;
    let mut records = vec![started(), done(StepId::Preflight), done(StepId::TwoStepOff)];
    let state_after = |records: &[Record]| replay(records).unwrap().step_state(step);
    assert_eq!(state_after(&records), StepState::Open);
    records.push(Record::Confirmed {
        step,
        call: "POST /2/phone_numbers".into(),
        by: ConfirmedBy::YesFlag,
        at: at("2026-11-25T10:00:01Z"),
    });
    assert_eq!(state_after(&records), StepState::Intended);
    records.push(intent(step, "2026-11-25T10:00:01Z"));
    assert_eq!(state_after(&records), StepState::Sent);
    let state = replay(&records).unwrap();
    assert_eq!(state.pending_intent(), Some(step));
    assert_eq!(state.next_step(), Some(step), "the step is not skipped");
    records.push(outcome(
        step,
        CallOutcome::Unknown {
            class: "network".into(),
            sentence: "dropped".into(),
            reference: String::new(),
        },
    ));
    assert_eq!(state_after(&records), StepState::OutcomeUnknown);
    let state = replay(&records).unwrap();
    let now = at("2026-11-25T10:00:05Z").time().unwrap();
    assert_eq!(
        state.in_flight_until(now, std::time::Duration::from_secs(1)),
        at("2026-11-25T10:00:41Z").time(),
        "the intent's time plus its timeout"
    );
    records.push(outcome(
        step,
        CallOutcome::Reconciled {
            detail: "found".into(),
            phone_number_id: Some("999".into()),
        },
    ));
    assert_eq!(state_after(&records), StepState::OutcomeKnown);
    assert_eq!(replay(&records).unwrap().pending_intent(), None);
    assert_eq!(
        replay(&records).unwrap().phone_number_id.as_deref(),
        Some("999")
    );
    records.push(done(step));
    assert_eq!(state_after(&records), StepState::Done);
    assert_eq!(replay(&records).unwrap().call, None);
}

#[test]
fn register_intents_count_and_wrong_codes_add_up_across_runs() {
    let records = vec![
        started(),
        intent(StepId::VerifyCode, "2026-11-25T10:01:00Z"),
        outcome(StepId::VerifyCode, failed("registration")),
        Record::Note {
            step: None,
            text: "paused".into(),
            at: at("2026-11-25T10:02:00Z"),
        },
        intent(StepId::VerifyCode, "2026-11-25T10:03:00Z"),
        outcome(StepId::VerifyCode, failed("registration")),
        intent(StepId::VerifyCode, "2026-11-25T10:04:00Z"),
        outcome(StepId::VerifyCode, failed("transient")),
        intent(StepId::Register, "2026-11-25T10:05:00Z"),
        outcome(StepId::Register, failed("registration")),
        intent(StepId::Register, "not a time"),
    ];
    let state = replay(&records).unwrap();
    assert_eq!(state.wrong_codes, 2, "only refused codes count");
    assert_eq!(state.register_attempts.len(), 2);
    assert_eq!(state.pending_intent(), Some(StepId::Register));
    assert_eq!(state.registered_at, None);
}

#[test]
fn statuses_tell_blocked_from_in_progress_and_abandoned_from_failed() {
    let mut records = vec![
        started(),
        Record::Blocked {
            blockers: vec!["two_step_disabled".into()],
            at: at("2026-11-25T10:00:01Z"),
        },
    ];
    assert_eq!(replay(&records).unwrap().status(), RunStatus::Blocked);
    records.push(done(StepId::Preflight));
    assert_eq!(replay(&records).unwrap().status(), RunStatus::InProgress);
    records.push(Record::Finished {
        completed: false,
        detail: "abandoned: wrong number".into(),
        abandoned: true,
        at: at("2026-11-25T10:00:03Z"),
    });
    assert_eq!(replay(&records).unwrap().status(), RunStatus::Abandoned);
}

#[test]
fn torn_last_lines_are_cut_with_or_without_a_newline_and_corrupt_ones_refused() {
    let good = serde_json::to_string(&started()).unwrap() + "\n";
    for tail in [
        "{\"record\":\"intent\",\"st",
        "{\"record\":\"intent\",\"st\n",
        "{\"record\":\"outc\0\0\0\n",
    ] {
        let parsed = parse_journal(format!("{good}{tail}").as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 1, "{tail:?}");
        assert!(parsed.torn);
        assert_eq!(parsed.complete_len, good.len());
    }
    let whole = parse_journal(good.as_bytes()).unwrap();
    assert!(!whole.torn && whole.complete_len == good.len());
    let corrupt_last = format!("{good}{{\"record\":\"nonsense\"}}\n");
    assert_eq!(parse_journal(corrupt_last.as_bytes()).unwrap_err().line, 2);
    let bad_middle = format!("{good}not json\n{good}");
    assert_eq!(parse_journal(bad_middle.as_bytes()).unwrap_err().line, 2);
    assert!(replay(&[]).is_err());
}

#[test]
fn records_round_trip_through_json_lines_with_typed_times() {
    let record = Record::Outcome {
        step: StepId::VerifyCode,
        outcome: CallOutcome::Reconciled {
            detail: "VERIFIED".into(),
            phone_number_id: None,
        },
        at: at("2026-11-25T10:00:00Z"),
    };
    let line = serde_json::to_string(&record).unwrap();
    assert!(line.contains(r#""record":"outcome""#) && line.contains(r#""step":"verify_code""#));
    assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), record);
    let confirmed = Record::Confirmed {
        step: StepId::Register,
        call: "POST /1/register".into(),
        by: ConfirmedBy::YesFlag,
        at: at("2026-11-25T10:00:00Z"),
    };
    assert!(
        serde_json::to_string(&confirmed)
            .unwrap()
            .contains(r#""by":"--yes""#)
    );
}

#[test]
fn backends_match_a_sandbox_by_instance_and_a_live_one_by_profile_and_urls() {
    let live = Backend {
        profile: "live".into(),
        graph_url: "https://graph.facebook.com".into(),
        graph_version: "v25.0".into(),
        hub_url: None,
        sandbox_instance: None,
    };
    let sandbox = |instance: &str, port: u16| Backend {
        profile: "sandbox".into(),
        graph_url: format!("http://127.0.0.1:{port}"),
        graph_version: "v25.0".into(),
        hub_url: Some(format!("http://127.0.0.1:{port}")),
        sandbox_instance: Some(instance.into()),
    };
    assert!(sandbox("a", 1).same_as(&sandbox("a", 2)), "ports change");
    assert!(!sandbox("a", 1).same_as(&sandbox("b", 1)));
    assert!(!live.same_as(&sandbox("a", 1)));
    let newer = Backend {
        graph_version: "v26.0".into(),
        graph_url: "https://graph.facebook.com/".into(),
        ..live.clone()
    };
    assert!(live.same_as(&newer));
    let staging = Backend {
        profile: "staging".into(),
        ..live.clone()
    };
    assert!(!live.same_as(&staging));
}

mod properties {
    //! The journal reader against any bytes and against a crash at any byte.
    use proptest::prelude::*;

    use super::*;

    /// Records whose text fields hold anything (quotes, newlines, control characters).
    fn record() -> impl Strategy<Value = Record> {
        prop_oneof![
            Just(started()),
            any::<String>().prop_map(|call| Record::Intent {
                step: StepId::Register,
                call,
                in_flight_secs: Some(40),
                at: at("2026-11-25T10:00:01Z"),
            }),
            any::<String>().prop_map(|sentence| outcome(
                StepId::RequestCode,
                CallOutcome::Unknown {
                    class: "network".into(),
                    sentence,
                    reference: String::new(),
                }
            )),
            any::<String>().prop_map(|text| Record::Note {
                step: None,
                text,
                at: at("2026-11-25T10:00:03Z"),
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_records_a_torn_tail_or_damage_never_a_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..400),
        ) {
            if let Ok(parsed) = parse_journal(&bytes) {
                prop_assert!(parsed.complete_len <= bytes.len());
                prop_assert!(parsed.torn || parsed.complete_len == bytes.len());
            }
        }

        /// A crash can stop a write at any byte: what is read is a prefix of what was
        /// written, and only the line the crash cut can be missing.
        #[test]
        fn a_journal_cut_at_any_byte_reads_as_a_prefix_of_its_records(
            records in prop::collection::vec(record(), 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let lines: Vec<String> = records
                .iter()
                .map(|r| serde_json::to_string(r).unwrap() + "\n")
                .collect();
            let bytes = lines.concat().into_bytes();
            let cut = cut.index(bytes.len() + 1);
            let parsed = parse_journal(&bytes[..cut]);
            prop_assert!(parsed.is_ok(), "cut at {cut}: {:?}", parsed);
            let parsed = parsed.unwrap();
            let whole_lines = lines
                .iter()
                .scan(0, |end, line| { *end += line.len(); Some(*end) })
                .take_while(|end| *end <= cut)
                .count();
            prop_assert!(parsed.records.len() == whole_lines || parsed.records.len() == whole_lines + 1);
            prop_assert_eq!(&parsed.records[..], &records[..parsed.records.len()]);
        }
    }
}
