//! Summaries of sample columns: quantiles, moments, histograms.

mod quantile;
mod summary;

pub use quantile::{quantiles, quantiles_sorted};
pub use summary::{describe, Summary};
