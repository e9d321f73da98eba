//! Long work off the GIL: a worker thread computes while the calling thread
//! checks for Ctrl-C and feeds a progress callback.

use super::errors::to_py;
use crate::engine::RunContext;
use crate::error::Result;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the waiting thread checks for Ctrl-C and reports progress.
const POLL: Duration = Duration::from_millis(50);

/// What steers work run by [`detached`]: setting `cancel` asks it to stop;
/// it counts its finished steps in `done`.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkFlags {
    pub cancel: Arc<AtomicBool>,
    pub done: Arc<AtomicUsize>,
}

impl WorkFlags {
    /// New flags, wired into the context of the work they steer: with
    /// [`detached`], every binding of long work is these two calls.
    pub(crate) fn attach(ctx: &mut RunContext) -> WorkFlags {
        let flags = WorkFlags::default();
        ctx.cancel = Some(flags.cancel.clone());
        ctx.progress = Some(flags.done.clone());
        flags
    }
}

/// Runs `work` on a worker thread with the GIL released. The calling thread
/// wakes every [`POLL`] to check signals (a KeyboardInterrupt sets `cancel`,
/// which the work must honour) and to call `progress(done, total)`. A panic
/// in the work becomes a RuntimeError, never a PanicException.
pub(crate) fn detached<T: Send>(
    py: Python<'_>,
    flags: &WorkFlags,
    total: usize,
    progress: Option<Py<PyAny>>,
    work: impl FnOnce() -> Result<T> + Send,
) -> PyResult<T> {
    let WorkFlags { cancel, done } = flags;
    let (outcome, interrupt) = py.detach(|| {
        std::thread::scope(|scope| {
            // The worker wakes this thread when it finishes, so short work
            // does not wait out a whole poll interval.
            let waiter = std::thread::current();
            let worker = scope.spawn(move || {
                let result = work();
                waiter.unpark();
                result
            });
            let mut interrupt: Option<PyErr> = None;
            while !worker.is_finished() {
                std::thread::park_timeout(POLL);
                if interrupt.is_some() || worker.is_finished() {
                    continue;
                }
                Python::attach(|py| {
                    let step = py.check_signals().and_then(|_| match &progress {
                        Some(cb) => cb
                            .call1(py, (done.load(Ordering::Relaxed).min(total), total))
                            .map(|_| ()),
                        None => Ok(()),
                    });
                    if let Err(e) = step {
                        cancel.store(true, Ordering::Relaxed);
                        interrupt = Some(e);
                    }
                });
            }
            (worker.join(), interrupt)
        })
    });
    if let Some(err) = interrupt {
        return Err(err);
    }
    match outcome {
        Ok(result) => {
            if let Some(cb) = &progress {
                cb.call1(py, (total, total))?;
            }
            result.map_err(to_py)
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            Err(PyRuntimeError::new_err(format!(
                "munflow internal error (please report it): {what}"
            )))
        }
    }
}
