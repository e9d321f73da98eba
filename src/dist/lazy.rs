//! Tables built on a distribution's first fill, not at construction: a law
//! built for one draw (a parameter drawn per sample) never pays for one.

use std::sync::OnceLock;

/// A sampling table built on first use. It is a cache, so it plays no part
/// in comparisons; None records that the law is better sampled without one.
#[derive(Debug, Clone)]
pub(crate) struct LazyTable<T>(OnceLock<Option<Box<T>>>);

impl<T> LazyTable<T> {
    pub(crate) fn new() -> Self {
        LazyTable(OnceLock::new())
    }

    /// The table, built by `build` the first time.
    #[inline]
    pub(crate) fn get(&self, build: impl FnOnce() -> Option<T>) -> Option<&T> {
        self.0.get_or_init(|| build().map(Box::new)).as_deref()
    }
}

impl<T> PartialEq for LazyTable<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
