//! Summaries of sample columns: quantiles, moments, histograms.

mod quantile;
mod summary;
mod weighted;

pub use quantile::{quantiles, quantiles_sorted};
pub use summary::{describe, Summary};
pub use weighted::describe_weighted;
