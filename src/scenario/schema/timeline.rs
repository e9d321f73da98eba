//! Timeline files (checked in `scenario/timeline.rs`).

use super::correlations::CorrelationSpec;
use super::evidence::EvidenceSpec;
use super::{DetectionPrior, Mix};
use crate::scenario::dates::{Date, Period};
use crate::scenario::dist_spec::DistSpec;
use crate::scenario::named::Named;
use serde::{Deserialize, Serialize};

/// A timeline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineScenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The periods: what makes a scenario file a timeline file.
    pub timeline: Periods,
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub munitions: Named<TimelineMunition>,
    /// The cargo mix of ordinary files (`dirichlet`, `fixed` or
    /// `alternatives`), in place of each munition's `share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mix: Option<Mix>,
    #[serde(default)]
    pub channels: Named<TimelineChannel>,
    /// Dated statements: `[evidence.NAME]` tables of every scenario file,
    /// with the `date` (the period) they speak of.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub evidence: Named<EvidenceSpec>,
    /// Inputs drawn jointly with a target rank correlation, as in ordinary
    /// files; only inputs drawn once for the whole timeline take part.
    #[serde(default, skip_serializing_if = "Named::is_empty")]
    pub correlations: Named<CorrelationSpec>,
}

/// The `[timeline]` table: periods from the one holding `start` to the one
/// holding `end`, both included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Periods {
    pub start: Date,
    pub end: Date,
    #[serde(default)]
    pub period: Period,
}

/// A munition of a timeline file: how much of the containers it is, and
/// optionally how fast it is fired (for stocks and days of fire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineMunition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields that are the analyst's assumptions rather than reported figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// The share of the containers holding this munition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<DistSpec>,
    /// Rounds per container (1 when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_container: Option<DistSpec>,
    /// Share of delivered rounds that do not function (0 when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dud_rate: Option<DistSpec>,
    /// Rounds fired per day, for the stock and the days of fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fired_per_day: Option<DistSpec>,
    /// The share of that fire using this source's rounds (1 when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplied_share: Option<DistSpec>,
}

/// How a channel's rate is shared across periods: the names of the rate
/// processes of [`crate::timeline::RateProcess`], where each is defined
/// and its parameters checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    /// One draw for the whole timeline.
    #[default]
    Shared,
    /// A fresh draw each period.
    Independent,
    /// An AR(1) process with correlation `rho` between consecutive periods.
    Persistent,
    /// A random walk on the log of the rate, steps of sd `step_sd`.
    Walk,
    /// A local linear trend on the log (`level_sd`, `slope_sd`, `damping`).
    Trend,
    /// A new draw from the law at uncertain dates (`hazard` a period).
    Changepoint,
}

impl Sharing {
    pub fn name(self) -> &'static str {
        match self {
            Sharing::Shared => "shared",
            Sharing::Independent => "independent",
            Sharing::Persistent => "persistent",
            Sharing::Walk => "walk",
            Sharing::Trend => "trend",
            Sharing::Changepoint => "changepoint",
        }
    }
}

/// A channel: containers by voyage (`voyages_per_period` and
/// `containers_per_voyage`) or rounds of one munition (`munition` and
/// `rounds_per_period`), Poisson in each active period. Or, with the fields
/// of ordinary files, a total over its active periods, spread evenly over
/// them: counted voyages (`tracked`, `dark_seen`, `p_detect`, `prior`) times
/// `containers_per_voyage`, or a direct `count` of one `munition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineChannel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// (start, end) ranges in which the channel runs (the whole timeline
    /// when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Vec<[Date; 2]>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voyages_per_period: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers_per_voyage: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub munition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds_per_period: Option<DistSpec>,
    /// Counted voyages: those followed openly over the active periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked: Option<DistSpec>,
    /// Counted voyages: dark voyages that were nevertheless seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dark_seen: Option<u64>,
    /// Counted voyages: the probability that a dark voyage is seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_detect: Option<DistSpec>,
    /// Counted voyages: the prior on the number of dark ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<DetectionPrior>,
    /// A direct count of `munition` over the active periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<DistSpec>,
    /// How the rate is shared across periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<Sharing>,
    /// Persistent sharing: the correlation of consecutive periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    /// Walk: the sd of each period's step on the log of the rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_sd: Option<DistSpec>,
    /// Trend: the sd of each period's change in the log level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_sd: Option<DistSpec>,
    /// Trend: the sd of each period's change in the slope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slope_sd: Option<DistSpec>,
    /// Trend: the share of the slope kept each period, in (0, 1] (0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damping: Option<f64>,
    /// Changepoint: the probability of a change in each period, in (0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hazard: Option<f64>,
}
