//! What every long computation shares: the number of samples, the seed, the
//! threads, whether non-finite values are allowed, and the hooks that stop it
//! (Ctrl-C) or follow it (progress bars). Runs, Sobol designs and tornadoes
//! each carry one, so the thread pool and the cancel check are written once.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The context of a run or an analysis.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// Number of samples (of each run of an analysis).
    pub n: usize,
    pub seed: u64,
    /// Worker threads; `None` uses rayon's global pool (RAYON_NUM_THREADS).
    pub threads: Option<usize>,
    /// Keep NaN and infinities instead of failing on the first one.
    pub allow_nan: bool,
    /// Set from another thread to stop the work ([`Error::Interrupted`]).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Incremented by one per finished chunk, for progress bars.
    pub progress: Option<Arc<AtomicUsize>>,
}

impl RunContext {
    pub fn new(n: usize, seed: u64) -> Self {
        RunContext {
            n,
            seed,
            threads: None,
            allow_nan: false,
            cancel: None,
            progress: None,
        }
    }

    /// Runs `work` on `threads` worker threads (rayon's global pool when
    /// `None`). Results never depend on the thread count: work is cut into
    /// fixed chunks whose streams are keyed by chunk.
    ///
    /// ```
    /// use munflow::engine::RunContext;
    /// let mut ctx = RunContext::new(10, 1);
    /// ctx.threads = Some(2);
    /// assert_eq!(ctx.install(|| Ok(rayon::current_num_threads())).unwrap(), 2);
    /// ctx.threads = Some(0);
    /// assert!(ctx.install(|| Ok(())).is_err());
    /// ```
    pub fn install<T: Send>(&self, work: impl FnOnce() -> Result<T> + Send) -> Result<T> {
        match self.threads {
            None => work(),
            Some(0) => Err(Error::InvalidArgument("threads must be >= 1, got 0".into())),
            Some(t) => rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| Error::InvalidArgument(format!("cannot start {t} threads: {e}")))?
                .install(work),
        }
    }

    /// [`Error::Interrupted`] once the work has been asked to stop.
    pub fn check_cancelled(&self) -> Result<()> {
        match &self.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(Error::Interrupted),
            _ => Ok(()),
        }
    }

    /// Counts one finished chunk for the progress bar.
    pub fn chunk_done(&self) {
        if let Some(p) = &self.progress {
            p.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Lets an options type that holds a `ctx: RunContext` read and set the
/// shared fields directly (`opts.n`, `opts.threads = Some(2)`).
macro_rules! extends_run_context {
    ($options:ty) => {
        impl std::ops::Deref for $options {
            type Target = $crate::engine::RunContext;
            fn deref(&self) -> &$crate::engine::RunContext {
                &self.ctx
            }
        }

        impl std::ops::DerefMut for $options {
            fn deref_mut(&mut self) -> &mut $crate::engine::RunContext {
                &mut self.ctx
            }
        }
    };
}
pub(crate) use extends_run_context;
