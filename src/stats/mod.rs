//! Summaries of sample columns: quantiles, moments, histograms.

mod exact;
mod quantile;
pub mod streaming;
mod summary;
mod weighted;
pub mod weighted_streaming;

pub use exact::ExactSum;
pub(crate) use quantile::needed_ranks;
pub use quantile::{quantiles, quantiles_sorted};
pub use summary::{describe, Summary};
pub use weighted::describe_weighted;
