//! `[evidence.NAME]` tables (turned into observations in `scenario/evidence.rs`).

use crate::scenario::dates::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of statement an evidence table records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A reported figure with an error model (`quantity`, `value`,
    /// `rel_error` or `sd`, `level`, `error`).
    Measured,
    /// `k` successes of `n` trials of probability `p`.
    Count,
    /// `k` events of a Poisson process of mean `rate`.
    Poisson,
    /// `quantity` is at least `value`.
    AtLeast,
    /// `quantity` is at most `value`.
    AtMost,
    /// `quantity` lies between `lower` and `upper`.
    Between,
    /// The distinct serials `seen` on items recovered from the `total`
    /// numbered `first`, `first + 1`, ...
    SerialNumbers,
    /// `k` counted on images: units of `n` counted with `p`, twice with
    /// `p_double`, plus false positives of mean `false_positives`.
    ImageCount,
    /// A stated count (`quantity`, `value`, `rel_error` or `sd`) with what
    /// it would hold: `converted` at `per_unit` (and `converted_2` at
    /// `per_unit_2`, ...), each within `conversion_rel_error`.
    Paired,
    /// Units seen by several `lists` with overlaps (`counts` by pattern),
    /// of `total` in all (capture-recapture).
    Sightings,
}

/// A quantity a count or rate refers to: a number, or an output or input path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Reference {
    Number(f64),
    Path(String),
}

/// One `[evidence.NAME]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    pub kind: EvidenceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The output or input observed (measured and the bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// Timeline files: when the statement was made ("2024-03"); it counts
    /// to the end of that period unless `about` or `as_of` says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Timeline files: the period a figure published later speaks of ("a
    /// figure published in March about February": `about = "2024-02"`); it
    /// counts to the end of that period. Not after `date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<Date>,
    /// Timeline files: the day the figure counts to ("2024-03-15"), in the
    /// period of `about` (or of `date`); that period's flow is split in
    /// proportion to its days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// Timeline files: the first period of a window the figure counts
    /// (a production lot of 2023-10 .. 2024-03: `since = "2023-10"`): what
    /// a running total added from the start of `since` to where the
    /// statement counts to. Not after that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// The reported figure (measured), or the bound (at_least, at_most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Measured: the report is within this share of the truth ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_error: Option<f64>,
    /// ... this often (default 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// Measured: the error's sd instead (on the log scale for lognormal errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    /// Measured: "lognormal" (errors in proportion, the default) or "normal".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Count and poisson: the number observed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<f64>,
    /// Count: the number of trials, and the probability of each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<Reference>,
    /// Poisson: the mean number of events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Reference>,
    /// Image count: the mean number of false positives, and the chance
    /// that a counted unit is counted twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_positives: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_double: Option<Reference>,
    /// Paired: the figure stated under a cargo hypothesis ("3 million
    /// shells") and the model's figure per unit for it (its rounds per
    /// container of that calibre); up to two more hypotheses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_2: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_3: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_3: Option<Reference>,
    /// Paired: each conversion is within this share of what the stated
    /// count times the figure per unit gives (at `level`), or its log-scale sd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_rel_error: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_sd: Option<f64>,
    /// Between: the bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// Serial numbers: how many the series numbered; sightings: all the
    /// units, those no list saw included (a path or a number) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Reference>,
    /// ... the distinct serials read on the items recovered ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Vec<f64>>,
    /// ... and the series' first serial (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<f64>,
    /// Sightings: the lists (sources), 2 to 5 names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<String>>,
    /// Sightings: the units seen by each pattern of lists, by the pattern
    /// ("AIS" alone, "AIS+imagery" both and no other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<BTreeMap<String, f64>>,
    /// Sightings: groups of lists that depend on each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactions: Option<Vec<Vec<String>>>,
    /// Sightings: "vessels" or "voyages".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}
