use super::*;
use std::io::Write;

use crate::domain::journal::Stamp;
use crate::domain::plan::StepId;
use crate::domain::scenario::Scenario;
use crate::ops::private_files::private_dir;

fn at(text: &str) -> Stamp {
    serde_json::from_value(serde_json::Value::String(text.into())).unwrap()
}

fn id(n: u16) -> MigrationId {
    MigrationId::parse(&format!("m-20261125T100000-{n:04}")).unwrap()
}

fn backend(instance: &str) -> Backend {
    Backend::test_sandbox(instance)
}

fn started(id: &MigrationId, backend: Option<Backend>) -> Record {
    Record::Started {
        migration_id: id.to_string(),
        scenario: Scenario::ToNewWaba,
        number: "+16315550101".into(),
        source_waba_id: None,
        destination_waba_id: None,
        plan: vec![StepId::Register],
        operator: "ops".into(),
        backend,
        at: at("2026-11-25T10:00:00Z"),
    }
}

fn register_intent(when: &str) -> Record {
    Record::Intent {
        step: StepId::Register,
        call: "register".into(),
        in_flight_secs: Some(40),
        at: at(when),
    }
}

#[test]
fn records_survive_reopen_and_a_torn_line_is_cut_only_by_the_appender() {
    let dir = tempfile::tempdir().unwrap();
    let m = id(1);
    let mut journal = JournalFile::create(dir.path(), &m, &started(&m, None)).unwrap();
    journal
        .append(&register_intent("2026-11-25T10:01:00Z"))
        .unwrap();
    let path = journal.path().to_path_buf();
    drop(journal);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"record\":\"outc\n")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    assert_eq!(read(dir.path(), &m).unwrap().len(), 2);
    assert_eq!(list(dir.path()).unwrap().len(), 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "reading never writes"
    );

    let (mut reopened, records) = JournalFile::open_for_append(dir.path(), &m).unwrap();
    assert_eq!(records.len(), 2);
    reopened
        .append(&Record::Note {
            step: None,
            text: "resumed".into(),
            at: Stamp::now(),
        })
        .unwrap();
    assert_eq!(
        read(dir.path(), &m).unwrap().len(),
        3,
        "the record after the torn line is readable"
    );
    assert!(
        JournalFile::create(dir.path(), &m, &started(&m, None)).is_err(),
        "an id is never reused"
    );
    assert_eq!(
        std::fs::read_dir(journals_dir(dir.path())).unwrap().count(),
        1,
        "nothing left aside"
    );
}

#[test]
fn a_complete_corrupt_last_line_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let m = id(2);
    let journal = JournalFile::create(dir.path(), &m, &started(&m, None)).unwrap();
    let path = journal.path().to_path_buf();
    drop(journal);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"record\":\"nonsense\"}\n")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let refused = JournalFile::open_for_append(dir.path(), &m).err().unwrap();
    assert!(refused.to_string().contains("line 2"), "{refused}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn journals_are_private_files_in_a_private_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let journal = JournalFile::create(dir.path(), &id(3), &started(&id(3), None)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(journal.path()), 0o600);
    assert_eq!(mode(&journals_dir(dir.path())), 0o700);
}

#[test]
fn register_attempts_count_the_last_72_hours_of_that_number_on_this_backend() {
    let dir = tempfile::tempdir().unwrap();
    let write = |m: MigrationId, backend: Option<Backend>, stamps: &[&str]| {
        let mut journal = JournalFile::create(dir.path(), &m, &started(&m, backend)).unwrap();
        for when in stamps {
            journal.append(&register_intent(when)).unwrap();
        }
    };
    write(
        id(4),
        Some(backend("a")),
        &[
            "2026-11-20T10:00:00Z",
            "2026-11-24T10:00:00Z",
            "2026-11-25T09:00:00Z",
        ],
    );
    write(id(5), Some(backend("b")), &["2026-11-25T09:00:00Z"]);
    write(id(6), None, &["garbled time"]);
    let now = at("2026-11-25T10:00:00Z").time().unwrap();
    assert_eq!(
        register_attempts_within_window(dir.path(), &backend("a"), "16315550101", now).unwrap(),
        3,
        "two of this backend in the window, one unreadable one of no backend"
    );
    assert_eq!(
        register_attempts_within_window(dir.path(), &backend("b"), "16315550101", now).unwrap(),
        2
    );
    assert_eq!(
        register_attempts_within_window(dir.path(), &backend("a"), "4930000000", now).unwrap(),
        0
    );
    assert_eq!(list_of(dir.path(), &backend("a")).unwrap().len(), 1);
}

#[test]
fn journals_that_cannot_be_listed_are_an_error_never_zero_register_attempts() {
    let dir = tempfile::tempdir().unwrap();
    // Not a folder: listing fails as it would without permission (the tests may run as
    // root, whom permissions do not stop).
    std::fs::write(journals_dir(dir.path()), "not a folder").unwrap();
    let now = at("2026-11-25T10:00:00Z").time().unwrap();
    let counted = register_attempts_within_window(dir.path(), &backend("a"), "16315550101", now);
    let error = counted.unwrap_err().to_string();
    assert!(error.starts_with("could not read"), "{error}");
    assert!(error.contains("journals"), "{error}");
    assert!(list(dir.path()).is_err());
}

#[test]
fn files_not_named_like_a_migration_are_not_journals() {
    let dir = tempfile::tempdir().unwrap();
    private_dir(&journals_dir(dir.path())).unwrap();
    std::fs::write(journals_dir(dir.path()).join("..evil.jsonl"), "x").unwrap();
    assert!(list(dir.path()).unwrap().is_empty());
}

mod properties {
    //! A crash can stop a journal write at any byte; the next run must append to what
    //! is left and read back everything it wrote.
    use proptest::prelude::*;

    use super::*;

    fn note(text: &str) -> Record {
        Record::Note {
            step: None,
            text: text.into(),
            at: at("2026-11-25T10:00:05Z"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn a_run_appends_after_a_crash_at_any_byte_and_reads_everything_back(
            texts in prop::collection::vec(any::<String>(), 0..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let m = id(7);
            let mut records = vec![started(&m, None)];
            records.extend(texts.iter().map(|t| note(t)));
            let bytes: Vec<u8> = records
                .iter()
                .flat_map(|r| serde_json::to_vec(r).unwrap().into_iter().chain([b'\n']))
                .collect();
            // The `started` line is whole: a journal exists only with it.
            let first_line = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
            let cut = first_line + cut.index(bytes.len() - first_line + 1);
            private_dir(&journals_dir(dir.path())).unwrap();
            std::fs::write(journal_path(dir.path(), &m), &bytes[..cut]).unwrap();

            let (mut journal, kept) = JournalFile::open_for_append(dir.path(), &m).unwrap();
            prop_assert_eq!(&kept[..], &records[..kept.len()]);
            journal.append(&note("after the crash")).unwrap();
            let read_back = read(dir.path(), &m);
            prop_assert!(read_back.is_ok(), "cut at {cut}: {:?}", read_back);
            let mut expected = kept;
            expected.push(note("after the crash"));
            prop_assert_eq!(read_back.unwrap(), expected);
        }
    }
}
