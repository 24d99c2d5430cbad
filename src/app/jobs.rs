//! One way to run background work for the TUI (in the spirit of gitui's
//! `AsyncSingleJob`, written for tokio): a job runs on its own task in a *slot*; the
//! newest job of a slot wins (starting one aborts the job still running there);
//! results go to one bounded channel, tagged by the job with the id it was given, so
//! `update` drops the answers of a replaced job; a slot can be cancelled; and a running
//! job can be told things (stop, an operator's answer) through its own small inbox.
//!
//! The runner knows nothing of the API or the screen: `worker` defines the slots, the
//! instructions and the jobs.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Identifies one job (the request id of the effect that started it).
pub type JobId = u64;

/// Instructions buffered for a running job before `tell` refuses more.
const INBOX_CAPACITY: usize = 16;

/// The jobs running, one per slot `K`; `I` is what a job can be told, `R` what jobs
/// report.
pub struct Jobs<K, I, R> {
    results: mpsc::Sender<R>,
    running: HashMap<K, Running<I>>,
}

/// A job as the runner sees it: its id, how to abort it, and its inbox.
struct Running<I> {
    id: JobId,
    abort: AbortHandle,
    inbox: mpsc::Sender<I>,
}

/// What a job is given: where its results go (tagged with its id), and what it is told.
pub struct JobContext<I, R> {
    pub reporter: JobReporter<R>,
    /// Instructions from [`Jobs::tell`]; closed when the job is replaced or cancelled.
    pub inbox: mpsc::Receiver<I>,
}

/// A job's way to report: its id and the bounded results channel.
#[derive(Clone)]
pub struct JobReporter<R> {
    pub id: JobId,
    results: mpsc::Sender<R>,
}

impl<R> JobReporter<R> {
    /// Sends a result, waiting while the event loop is behind (the channel is bounded).
    /// False when the event loop is gone: the job may stop.
    pub async fn report(&self, result: R) -> bool {
        self.results.send(result).await.is_ok()
    }

    /// Sends a result from a callback that cannot wait. Meant for cumulative progress:
    /// when the channel is full the result is dropped, and the next one supersedes it.
    pub fn report_progress(&self, result: R) {
        let _ = self.results.try_send(result);
    }
}

impl<K: Eq + Hash, I: Send + 'static, R: Send + 'static> Jobs<K, I, R> {
    /// A runner whose jobs report to `results`.
    pub fn new(results: mpsc::Sender<R>) -> Self {
        Jobs {
            results,
            running: HashMap::new(),
        }
    }

    /// Starts `job` in `slot` as job `id`. A job still running in that slot is aborted
    /// first: the newest job wins.
    pub fn start<F, Fut>(&mut self, slot: K, id: JobId, job: F)
    where
        F: FnOnce(JobContext<I, R>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.cancel(&slot);
        self.running
            .retain(|_, running| !running.abort.is_finished());
        let (inbox, receiver) = mpsc::channel(INBOX_CAPACITY);
        let context = JobContext {
            reporter: JobReporter {
                id,
                results: self.results.clone(),
            },
            inbox: receiver,
        };
        let handle = tokio::spawn(job(context));
        let abort = handle.abort_handle();
        self.running.insert(slot, Running { id, abort, inbox });
    }

    /// Aborts the job in `slot`, if one runs; results it already sent stay queued
    /// (their ids tell `update` they are stale).
    pub fn cancel(&mut self, slot: &K) {
        if let Some(running) = self.running.remove(slot) {
            running.abort.abort();
        }
    }

    /// Whether a job still runs in `slot`.
    pub fn is_running(&self, slot: &K) -> bool {
        self.running
            .get(slot)
            .is_some_and(|running| !running.abort.is_finished())
    }

    /// Tells the job in `slot` something, if it is still job `id`; false otherwise (the
    /// job ended or was replaced, or its inbox is full).
    pub fn tell(&self, slot: &K, id: JobId, instruction: I) -> bool {
        self.running
            .get(slot)
            .filter(|running| running.id == id)
            .is_some_and(|running| running.inbox.try_send(instruction).is_ok())
    }
}

impl<K, I, R> Drop for Jobs<K, I, R> {
    /// Jobs do not outlive their runner (the TUI is leaving).
    fn drop(&mut self) {
        for running in self.running.values() {
            running.abort.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq, Hash)]
    enum Slot {
        Refresh,
        Export,
    }

    /// A job that reports its id, then waits for instructions and echoes them.
    async fn echo(mut context: JobContext<String, (JobId, String)>) {
        let reporter = &context.reporter;
        reporter.report((reporter.id, "started".into())).await;
        while let Some(text) = context.inbox.recv().await {
            reporter.report((reporter.id, text)).await;
        }
    }

    #[tokio::test]
    async fn the_newest_job_of_a_slot_wins_and_results_are_tagged() {
        let (results, mut inbox) = mpsc::channel(8);
        let mut jobs: Jobs<Slot, String, (JobId, String)> = Jobs::new(results);
        jobs.start(Slot::Refresh, 1, echo);
        assert_eq!(inbox.recv().await, Some((1, "started".into())));
        assert!(jobs.tell(&Slot::Refresh, 1, "hello".into()));
        assert_eq!(inbox.recv().await, Some((1, "hello".into())));

        jobs.start(Slot::Refresh, 2, echo);
        assert_eq!(inbox.recv().await, Some((2, "started".into())));
        assert!(
            !jobs.tell(&Slot::Refresh, 1, "late".into()),
            "the replaced job is no longer told anything"
        );
        assert!(jobs.tell(&Slot::Refresh, 2, "again".into()));
        assert_eq!(inbox.recv().await, Some((2, "again".into())));
    }

    #[tokio::test]
    async fn cancel_aborts_only_its_slot() {
        let (results, mut inbox) = mpsc::channel(8);
        let mut jobs: Jobs<Slot, String, (JobId, String)> = Jobs::new(results);
        jobs.start(Slot::Refresh, 1, echo);
        jobs.start(Slot::Export, 2, echo);
        let mut started = vec![inbox.recv().await, inbox.recv().await];
        started.sort();
        assert_eq!(
            started,
            [Some((1, "started".into())), Some((2, "started".into()))]
        );
        jobs.cancel(&Slot::Refresh);
        assert!(!jobs.is_running(&Slot::Refresh));
        assert!(!jobs.tell(&Slot::Refresh, 1, "gone".into()));
        assert!(jobs.is_running(&Slot::Export));
        assert!(jobs.tell(&Slot::Export, 2, "still here".into()));
        assert_eq!(inbox.recv().await, Some((2, "still here".into())));
    }

    #[tokio::test]
    async fn a_full_channel_holds_a_job_back_instead_of_growing() {
        let (results, mut inbox) = mpsc::channel(1);
        let mut jobs: Jobs<Slot, (), u32> = Jobs::new(results);
        let (done, mut finished) = tokio::sync::oneshot::channel();
        jobs.start(
            Slot::Refresh,
            1,
            |context: JobContext<(), u32>| async move {
                for n in 0..3 {
                    context.reporter.report(n).await;
                }
                let _ = done.send(());
            },
        );
        // The test runtime has one thread: yielding lets the job run until it waits.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(
            finished.try_recv().is_err(),
            "the job waits while nobody reads"
        );
        assert_eq!(inbox.recv().await, Some(0));
        assert_eq!(inbox.recv().await, Some(1));
        assert_eq!(inbox.recv().await, Some(2));
        assert!(finished.await.is_ok());
    }
}
