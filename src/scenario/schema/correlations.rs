//! `[correlations.NAME]` tables (compiled in `scenario/correlations.rs`).

use serde::{Deserialize, Serialize};

/// One `[correlations.NAME]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The correlated inputs, by name or field path.
    pub inputs: Vec<String>,
    /// The target Spearman matrix, or one number for two inputs.
    pub rank_corr: RankCorr,
    /// `"iman-conover"` (the default) or `"gaussian-copula"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A target: one correlation (two inputs) or a full matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RankCorr {
    Pair(f64),
    Matrix(Vec<Vec<f64>>),
}
