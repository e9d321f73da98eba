//! What each kind of observation says about a sample: its log-likelihood,
//! how far the sample is from being possible at all (which guides tempering
//! towards statements the prior makes unlikely), and where the reported
//! figure falls in what the sample predicts (for conflict checks).

use super::sightings::{check_total, Sightings};
use crate::dist::{
    binomial_log_pmf, binomial_log_pmf_from, ln_factorial, ln_factorial_table, Binomial, CountLaw,
    Poisson, Quantile,
};
use crate::error::{Error, Result};
use crate::expr::Node;
use std::f64::consts::PI;

/// Largest count taken: integers above 2^53 are not all representable.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// How a reported figure scatters around the true value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorModel {
    /// log(reported / true) ~ Normal(0, sigma): errors in proportion.
    LogNormal { sigma: f64 },
    /// reported - true ~ Normal(0, sd).
    Normal { sd: f64 },
}

impl ErrorModel {
    /// The error model of a report: errors "lognormal" (in proportion) or
    /// "normal", given as `sd` or as `rel_error` at `level` ("within 15%
    /// nine times in ten": rel_error 0.15, level 0.9). For lognormal errors
    /// that is a log-scale sd of ln(1 + rel_error) / z, with z the two-sided
    /// normal quantile of the level (1.645 for 0.9); for normal errors an sd
    /// of rel_error × |value| / z.
    ///
    /// ```
    /// use munflow::evidence::ErrorModel;
    /// let e = ErrorModel::from_report("lognormal", 7000.0, Some(0.15), None, 0.9).unwrap();
    /// let ErrorModel::LogNormal { sigma } = e else { panic!() };
    /// assert!((sigma - 1.15f64.ln() / 1.6448536269514722).abs() < 1e-12);
    /// ```
    pub fn from_report(
        error: &str,
        value: f64,
        rel_error: Option<f64>,
        sd: Option<f64>,
        level: f64,
    ) -> Result<ErrorModel> {
        let bad = |msg: String| Err(Error::InvalidArgument(msg));
        if !(level > 0.0 && level < 1.0) {
            return bad(format!(
                "level must be in (0, 1), got {}",
                crate::error::fmt_value(level)
            ));
        }
        if let Some(r) = rel_error {
            if !(r.is_finite() && r > 0.0) {
                return bad(format!(
                    "rel_error must be a finite number > 0 (0.15 for 15%), got {}",
                    crate::error::fmt_value(r)
                ));
            }
        }
        let z = crate::dist::std_normal_quantile(0.5 + level / 2.0);
        match (error, sd, rel_error) {
            ("lognormal" | "normal", Some(_), Some(_)) => {
                bad("give rel_error or sd, not both".into())
            }
            ("lognormal" | "normal", None, None) => {
                bad("give rel_error (0.15 for 'within 15%') or sd".into())
            }
            ("lognormal", Some(sd), None) => Ok(ErrorModel::LogNormal { sigma: sd }),
            ("lognormal", None, Some(r)) => Ok(ErrorModel::LogNormal {
                sigma: r.ln_1p() / z,
            }),
            ("normal", Some(sd), None) => Ok(ErrorModel::Normal { sd }),
            ("normal", None, Some(r)) => Ok(ErrorModel::Normal {
                sd: r * value.abs() / z,
            }),
            (other, _, _) => bad(format!(
                "error must be 'lognormal' or 'normal', got '{other}'"
            )),
        }
    }
}

/// One conversion of a paired statement: the `converted` figure stated
/// (3 million shells) for the model's figure per unit `per_unit` (its
/// rounds per container of that calibre), with log-scale error `sigma`.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub per_unit: Node,
    pub converted: f64,
    pub sigma: f64,
}

/// The kinds of observation, each with the nodes it reads.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `k` successes in `trials` trials of probability `p`.
    Count { k: f64, trials: Node, p: Node },
    /// `k` events of a Poisson process with mean `rate`.
    Poisson { k: f64, rate: Node },
    /// A reported figure with an error model.
    Measured {
        quantity: Node,
        value: f64,
        error: ErrorModel,
    },
    /// The quantity lies in [lower, upper] (either may be infinite): the
    /// statements `at_least`, `at_most` and `between` (see [`Kind::name`]).
    Bounds {
        quantity: Node,
        lower: f64,
        upper: f64,
    },
    /// A log-likelihood computed by the model itself.
    LogLikelihood { log_lik: Node },
    /// `seen` distinct serial numbers, the largest `largest`, read on items
    /// sampled without replacement from the series `first ..` of `total`
    /// items (see [`super::serials`]).
    SerialNumbers {
        total: Node,
        seen: f64,
        largest: f64,
        first: f64,
    },
    /// A count read off images: `k` = units counted once or twice (of
    /// `trials`, each counted with `p`, twice with `p_double`) plus a Poisson
    /// number of false positives of mean `false_positives` (see [`super::image_count`]).
    ImageCount {
        k: f64,
        trials: Node,
        p: Node,
        false_positives: Node,
        p_double: Node,
    },
    /// A stated count of `quantity` with what it would hold under one or
    /// more cargo hypotheses, one statement with a shared error (see [`super::paired`]).
    Paired {
        quantity: Node,
        value: f64,
        sigma: f64,
        conversions: Vec<Conversion>,
    },
    /// Units seen by several lists with overlaps, of `total` in all
    /// (capture-recapture; see [`super::sightings`]).
    Sightings {
        total: Node,
        sightings: Box<Sightings>,
    },
    /// A drawn count observed in [lower, upper] (bounds on a Poisson,
    /// binomial or negative binomial node, or on a sum of independent
    /// Poisson draws; see [`super::exact`]): the draw is integrated out, and
    /// the term is its law's probability of the range given the law's
    /// parameters `params`, read per sample.
    DrawnCount {
        quantity: Node,
        family: &'static str,
        params: Vec<Node>,
        lower: f64,
        upper: f64,
    },
}

impl Kind {
    /// The kind as analysts spell it, in Python (`obs.kind`, the functions
    /// of `munflow.evidence`), scenario files (`kind = "at_least"`) and
    /// saved results: bounds with one infinite end are `at_least` or
    /// `at_most`, others `between`; a drawn count keeps the statement it
    /// was made from.
    ///
    /// ```
    /// use munflow::evidence::Observation;
    /// use munflow::expr::Node;
    /// let q = Node::constant(30.0);
    /// let obs = Observation::bounds("b", q.clone(), 25.0, f64::INFINITY).unwrap();
    /// assert_eq!(obs.kind.name(), "at_least");
    /// let obs = Observation::bounds("b", q, 25.0, 40.0).unwrap();
    /// assert_eq!(obs.kind.name(), "between");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Count { .. } => "count",
            Kind::Poisson { .. } => "poisson",
            Kind::Measured { .. } => "measured",
            Kind::Bounds { lower, upper, .. } | Kind::DrawnCount { lower, upper, .. } => {
                match (*lower == f64::NEG_INFINITY, *upper == f64::INFINITY) {
                    (false, true) => "at_least",
                    (true, false) => "at_most",
                    _ => "between",
                }
            }
            Kind::LogLikelihood { .. } => "log_likelihood",
            Kind::SerialNumbers { .. } => "serial_numbers",
            Kind::ImageCount { .. } => "image_count",
            Kind::Paired { .. } => "paired",
            Kind::Sightings { .. } => "sightings",
        }
    }
}

/// One observation: a name for reports and what was observed.
#[derive(Debug, Clone)]
pub struct Observation {
    pub name: String,
    pub kind: Kind,
    /// How reports call the nodes it reads (a scenario's output paths);
    /// empty: their own labels.
    pub labels: Vec<String>,
}

fn whole_count(what: &str, name: &str, k: f64) -> Result<f64> {
    if k.is_finite() && k >= 0.0 && k.fract() == 0.0 && k <= MAX_COUNT {
        Ok(k)
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} '{name}': k must be a whole number from 0 to 2^53, got {}",
            crate::error::fmt_value(k)
        )))
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::InvalidArgument(
            "an observation needs a name, got an empty one".into(),
        ));
    }
    Ok(())
}

impl Observation {
    /// `k` successes in `trials` trials, each with probability `p`.
    ///
    /// ```
    /// use munflow::evidence::Observation;
    /// use munflow::expr::Node;
    /// let fails = Observation::count("failures", 25.0, Node::constant(50.0), Node::constant(0.4));
    /// assert!(fails.is_ok());
    /// assert!(Observation::count("x", 2.5, Node::constant(5.0), Node::constant(0.5)).is_err());
    /// ```
    pub fn count(name: &str, k: f64, trials: Node, p: Node) -> Result<Self> {
        check_name(name)?;
        let k = whole_count("count", name, k)?;
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::Count { k, trials, p },
        })
    }

    /// `k` events of a Poisson process with mean `rate`.
    pub fn poisson(name: &str, k: f64, rate: Node) -> Result<Self> {
        check_name(name)?;
        let k = whole_count("poisson", name, k)?;
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::Poisson { k, rate },
        })
    }

    /// A reported `value` of `quantity` with the given error model.
    pub fn measured(name: &str, quantity: Node, value: f64, error: ErrorModel) -> Result<Self> {
        check_name(name)?;
        let bad = |param: &str, requirement: &str, v: f64| {
            Err(Error::InvalidArgument(format!(
                "measured '{name}': {param} must be {requirement}, got {}",
                crate::error::fmt_value(v)
            )))
        };
        match error {
            ErrorModel::LogNormal { sigma } => {
                if !(value.is_finite() && value > 0.0) {
                    return bad("value", "a finite number > 0 (errors in proportion need a positive figure; use error='normal' otherwise)", value);
                }
                if !(sigma.is_finite() && sigma > 0.0) {
                    return bad("the log-scale error", "finite and > 0", sigma);
                }
            }
            ErrorModel::Normal { sd } => {
                if !value.is_finite() {
                    return bad("value", "a finite number", value);
                }
                if !(sd.is_finite() && sd > 0.0) {
                    return bad("sd", "finite and > 0", sd);
                }
            }
        }
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::Measured {
                quantity,
                value,
                error,
            },
        })
    }

    /// The quantity lies in [lower, upper]; pass an infinity for a one-sided
    /// statement ("at least 25 vessels").
    pub fn bounds(name: &str, quantity: Node, lower: f64, upper: f64) -> Result<Self> {
        check_name(name)?;
        if lower.is_nan()
            || upper.is_nan()
            || lower > upper
            || lower == f64::INFINITY
            || upper == f64::NEG_INFINITY
        {
            return Err(Error::InvalidArgument(format!(
                "bounds '{name}': need lower <= upper, with at least one finite, got [{}, {}]",
                crate::error::fmt_value(lower),
                crate::error::fmt_value(upper)
            )));
        }
        if lower == upper && !super::exact::has_atoms(&quantity) {
            return Err(Error::InvalidArgument(format!(
                "bounds '{name}': {} = {} exactly is a statement no sample can meet: {} is a continuous quantity, which never equals a figure. State the figure with its error instead, such as measured({}, {}, sd=..., error='normal'); exact statements are for counts (a Poisson, binomial or negative binomial draw, or a sum of Poisson draws)",
                quantity.label(),
                short(lower),
                quantity.label(),
                quantity.label(),
                short(lower),
            )));
        }
        if lower == f64::NEG_INFINITY && upper == f64::INFINITY {
            return Err(Error::InvalidArgument(format!(
                "bounds '{name}': at least one bound must be finite, got [-inf, inf]"
            )));
        }
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::Bounds {
                quantity,
                lower,
                upper,
            },
        })
    }

    /// A log-likelihood term computed by the model (`log_lik` per sample).
    pub fn log_likelihood(name: &str, log_lik: Node) -> Result<Self> {
        check_name(name)?;
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::LogLikelihood { log_lik },
        })
    }

    /// `seen` distinct serials, the largest `largest`, read on items sampled
    /// without replacement from the `total` items numbered `first`,
    /// `first + 1`, ... (see [`super::serials`]).
    pub fn serial_numbers(
        name: &str,
        total: Node,
        seen: f64,
        largest: f64,
        first: f64,
    ) -> Result<Self> {
        check_name(name)?;
        super::serials::check(name, seen, largest, first).map_err(|(_, e)| e)?;
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::SerialNumbers {
                total,
                seen,
                largest,
                first,
            },
        })
    }

    /// `k` units counted on images of `trials` units, each counted with
    /// probability `p`, counted twice with `p_double` once counted, plus a
    /// Poisson number of false positives of mean `false_positives`. Figures
    /// given as constants are checked here.
    ///
    /// ```
    /// use munflow::evidence::Observation;
    /// use munflow::expr::Node;
    /// let c = Node::constant;
    /// let seen = Observation::image_count("port", 12.0, c(20.0), c(0.5), c(1.5), c(0.1));
    /// assert_eq!(seen.unwrap().kind.name(), "image_count");
    /// let bad = Observation::image_count("port", 12.0, c(20.0), c(0.5), c(1.5), c(1.1));
    /// assert!(bad.unwrap_err().to_string().contains("p_double"));
    /// ```
    pub fn image_count(
        name: &str,
        k: f64,
        trials: Node,
        p: Node,
        false_positives: Node,
        p_double: Node,
    ) -> Result<Self> {
        check_name(name)?;
        let k = whole_count("image_count", name, k)?;
        let fixed = [&trials, &p, &false_positives, &p_double].map(|x| x.as_constant());
        super::image_count::check_constants(name, fixed)
            .map_err(|(_, msg)| Error::InvalidArgument(msg))?;
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::ImageCount {
                k,
                trials,
                p,
                false_positives,
                p_double,
            },
        })
    }

    /// A stated count `value` of `quantity` with log-scale error `sigma`,
    /// and the `conversions` stated with it (at least one).
    pub fn paired(
        name: &str,
        quantity: Node,
        value: f64,
        sigma: f64,
        conversions: Vec<Conversion>,
    ) -> Result<Self> {
        check_name(name)?;
        let bad = |what: &str, x: f64| {
            Err(Error::InvalidArgument(format!(
                "paired '{name}': {what}, got {}",
                crate::error::fmt_value(x)
            )))
        };
        if !(value.is_finite() && value > 0.0) {
            return bad(
                "value (the stated count) must be a finite number > 0",
                value,
            );
        }
        if !(sigma.is_finite() && sigma > 0.0) {
            return bad("the count's log-scale error must be finite and > 0", sigma);
        }
        if conversions.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "paired '{name}': give at least one conversion (converted and per_unit); a count alone is measured(...)"
            )));
        }
        for c in &conversions {
            if !(c.converted.is_finite() && c.converted > 0.0) {
                return bad(
                    "converted (the figure stated for a hypothesis) must be a finite number > 0",
                    c.converted,
                );
            }
            if !(c.sigma.is_finite() && c.sigma > 0.0) {
                return bad(
                    "a conversion's log-scale error must be finite and > 0",
                    c.sigma,
                );
            }
        }
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::Paired {
                quantity,
                value,
                sigma,
                conversions,
            },
        })
    }

    /// Units seen by several lists with overlaps (see [`Sightings`]), of
    /// `total` in all (a whole number per sample).
    pub fn sightings(name: &str, total: Node, sightings: Sightings) -> Result<Self> {
        check_name(name)?;
        Ok(Observation {
            name: name.into(),
            labels: Vec::new(),
            kind: Kind::Sightings {
                total,
                sightings: Box::new(sightings),
            },
        })
    }

    /// The observation with the nodes it reads called `labels` in reports.
    pub fn with_labels(mut self, labels: Vec<String>) -> Self {
        self.labels = labels;
        self
    }

    /// The nodes this observation reads, in the order [`Observation::term`]
    /// takes their values.
    pub fn nodes(&self) -> Vec<&Node> {
        match &self.kind {
            Kind::Count { trials, p, .. } => vec![trials, p],
            Kind::Poisson { rate, .. } => vec![rate],
            Kind::Measured { quantity, .. } | Kind::Bounds { quantity, .. } => vec![quantity],
            Kind::LogLikelihood { log_lik } => vec![log_lik],
            Kind::Sightings { total, .. } => vec![total],
            Kind::DrawnCount { params, .. } => params.iter().collect(),
            Kind::SerialNumbers { total, .. } => vec![total],
            Kind::ImageCount {
                trials,
                p,
                false_positives,
                p_double,
                ..
            } => vec![trials, p, false_positives, p_double],
            Kind::Paired {
                quantity,
                conversions,
                ..
            } => std::iter::once(quantity)
                .chain(conversions.iter().map(|c| &c.per_unit))
                .collect(),
        }
    }

    /// The log-likelihood of one sample (`v`: the values of [`Observation::nodes`])
    /// and its distance from being possible: 0 when the likelihood is positive,
    /// else a relative distance (how far a count exceeds its trials, a value
    /// lies outside a bound), so that tempering can lead samples towards it.
    /// A value no observation of this kind can take (a fractional number of
    /// trials, a probability above 1) is an error naming the observation.
    pub fn term(&self, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let name = &self.name;
        match &self.kind {
            Kind::Count { k, .. } => {
                let (n, p) = (v[0], v[1]);
                if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0) {
                    return Err(format!(
                        "count '{name}': the number of trials must be a whole number >= 0, got {}; round it (mf.round) or draw it from a count distribution",
                        crate::error::fmt_value(n)
                    ));
                }
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!(
                        "count '{name}': the probability must be in [0, 1], got {}",
                        crate::error::fmt_value(p)
                    ));
                }
                if *k > n {
                    return Ok((f64::NEG_INFINITY, (k - n) / k.max(1.0)));
                }
                let ll = binomial_log_pmf(*k, n, p);
                Ok((ll, if ll == f64::NEG_INFINITY { 1.0 } else { 0.0 }))
            }
            Kind::Poisson { k, .. } => {
                let rate = v[0];
                if !(rate.is_finite() && rate >= 0.0) {
                    return Err(format!(
                        "poisson '{name}': the rate must be finite and >= 0, got {}",
                        crate::error::fmt_value(rate)
                    ));
                }
                if rate == 0.0 {
                    return Ok(if *k == 0.0 {
                        (0.0, 0.0)
                    } else {
                        (f64::NEG_INFINITY, 1.0)
                    });
                }
                Ok((k * rate.ln() - rate - ln_factorial(*k), 0.0))
            }
            Kind::Measured { value, error, .. } => {
                let x = v[0];
                match *error {
                    ErrorModel::LogNormal { sigma } => {
                        if x <= 0.0 {
                            // Errors in proportion: a true value <= 0 cannot
                            // give a positive report.
                            return Ok((f64::NEG_INFINITY, 1.0 + (-x) / value.abs().max(1.0)));
                        }
                        let r = (value.ln() - x.ln()) / sigma;
                        Ok((
                            -0.5 * r * r - sigma.ln() - value.ln() - 0.5 * (2.0 * PI).ln(),
                            0.0,
                        ))
                    }
                    ErrorModel::Normal { sd } => {
                        let r = (value - x) / sd;
                        Ok((-0.5 * r * r - sd.ln() - 0.5 * (2.0 * PI).ln(), 0.0))
                    }
                }
            }
            Kind::Bounds { lower, upper, .. } => {
                let x = v[0];
                let scale = |b: f64| b.abs().max(1.0);
                if x < *lower {
                    Ok((f64::NEG_INFINITY, (lower - x) / scale(*lower)))
                } else if x > *upper {
                    Ok((f64::NEG_INFINITY, (x - upper) / scale(*upper)))
                } else {
                    Ok((0.0, 0.0))
                }
            }
            Kind::DrawnCount {
                family,
                lower,
                upper,
                ..
            } => {
                let law = CountLaw::new(family, v).map_err(|e| format!("count '{name}': {e}"))?;
                let ll = match lower == upper {
                    true => law.log_pmf(*lower),
                    false => law.log_prob_between(*lower, *upper),
                };
                if ll > f64::NEG_INFINITY {
                    return Ok((ll, 0.0));
                }
                // More than a binomial's trials, or a range the law cannot reach.
                let distance = match law {
                    CountLaw::Binomial { n, .. } if n < *lower => (lower - n) / lower.max(1.0),
                    _ => 1.0,
                };
                Ok((ll, distance))
            }
            Kind::ImageCount { k, .. } => super::image_count::term(name, *k, v),
            Kind::Paired {
                value,
                sigma,
                conversions,
                ..
            } => {
                let count = v[0];
                if count.is_nan() {
                    return Err(format!("paired '{name}': the count is NaN"));
                }
                if count <= 0.0 {
                    // A stated positive count cannot come from none.
                    return Ok((f64::NEG_INFINITY, 1.0 + (-count) / value.max(1.0)));
                }
                if let Some(r) = v[1..].iter().find(|r| !(**r > 0.0 && r.is_finite())) {
                    return Err(format!(
                        "paired '{name}': a figure per unit must be finite and > 0, got {}",
                        crate::error::fmt_value(*r)
                    ));
                }
                let pairs: Vec<(f64, f64)> =
                    conversions.iter().map(|c| (c.converted, c.sigma)).collect();
                let ll = super::paired::paired_log_density(*value, *sigma, &pairs, count, &v[1..]);
                Ok((ll, 0.0))
            }
            Kind::LogLikelihood { .. } => {
                let ll = v[0];
                if ll.is_nan() || ll == f64::INFINITY {
                    return Err(format!(
                        "log_likelihood '{name}': the term must be a number below +inf, got {}",
                        crate::error::fmt_value(ll)
                    ));
                }
                Ok((ll, if ll == f64::NEG_INFINITY { 1.0 } else { 0.0 }))
            }
            Kind::SerialNumbers {
                seen,
                largest,
                first,
                ..
            } => {
                let total = v[0];
                if !(total.is_finite() && total >= 0.0 && total.fract() == 0.0) {
                    return Err(format!(
                        "serial_numbers '{name}': the total numbered must be a whole number >= 0, got {}; round it (mf.round) or draw it from a count distribution",
                        crate::error::fmt_value(total)
                    ));
                }
                let span = largest - first + 1.0;
                let table = ln_factorial_table();
                let offset = super::serials::offset(*seen, span);
                let ll = super::serials::log_likelihood(table, *seen, span, offset, total);
                // An impossible sample pays at least PULL nats as tempering
                // ends: one just below the span would otherwise weigh as much
                // as one at it until the last step, which would then drop
                // about half the samples at once.
                let distance = match total < span {
                    true => 1.0 + (span - total) / span,
                    false => 0.0,
                };
                Ok((ll, distance))
            }
            Kind::Sightings { sightings, .. } => {
                let total = v[0];
                check_total(name, total).map_err(|e| e.to_string())?;
                let seen = sightings.seen();
                if total < seen {
                    // At least PULL nats, as for serials: a total just
                    // below the units seen must not weigh as much as one
                    // at it until tempering's last step drops them all.
                    return Ok((f64::NEG_INFINITY, 1.0 + (seen - total) / seen));
                }
                Ok((sightings.log_likelihood(total), 0.0))
            }
        }
    }

    /// The log-likelihood of every row, given the columns of this
    /// observation's nodes: [`term`](Self::term)'s first value row by row
    /// (the same bits), in a tight loop for measurements; the first row that
    /// fails and why.
    pub fn log_likelihoods(
        &self,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        let half_ln_2pi = 0.5 * (2.0 * PI).ln();
        match &self.kind {
            Kind::Measured { value, error, .. } => {
                let (value, lv) = (*value, value.ln());
                match *error {
                    ErrorModel::LogNormal { sigma } => {
                        let ls = sigma.ln();
                        for (o, &x) in out.iter_mut().zip(cols[0]) {
                            let r = (lv - x.ln()) / sigma;
                            *o = if x > 0.0 {
                                -0.5 * r * r - ls - lv - half_ln_2pi
                            } else {
                                f64::NEG_INFINITY
                            };
                        }
                    }
                    ErrorModel::Normal { sd } => {
                        let ls = sd.ln();
                        for (o, &x) in out.iter_mut().zip(cols[0]) {
                            let r = (value - x) / sd;
                            *o = -0.5 * r * r - ls - half_ln_2pi;
                        }
                    }
                }
                Ok(())
            }
            Kind::Count { k, .. } => {
                // term()'s arithmetic, with the table fetched once per chunk.
                let (k, table) = (*k, ln_factorial_table());
                for (i, ((o, &n), &p)) in out.iter_mut().zip(cols[0]).zip(cols[1]).enumerate() {
                    let valid =
                        n.is_finite() && n >= 0.0 && n.fract() == 0.0 && (0.0..=1.0).contains(&p);
                    *o = if !valid {
                        // The error message, from term().
                        self.term(&[n, p]).map_err(|e| (i, e))?.0
                    } else if k > n {
                        f64::NEG_INFINITY
                    } else {
                        binomial_log_pmf_from(table, k, n, p)
                    };
                }
                Ok(())
            }
            Kind::SerialNumbers {
                seen,
                largest,
                first,
                ..
            } => {
                // term()'s arithmetic, with its offset and the table fetched once.
                let (seen, span) = (*seen, largest - first + 1.0);
                let (table, offset) = (ln_factorial_table(), super::serials::offset(seen, span));
                for (i, (o, &total)) in out.iter_mut().zip(cols[0]).enumerate() {
                    *o = if total.is_finite() && total >= 0.0 && total.fract() == 0.0 {
                        super::serials::log_likelihood(table, seen, span, offset, total)
                    } else {
                        self.term(&[total]).map_err(|e| (i, e))?.0
                    };
                }
                Ok(())
            }
            Kind::ImageCount { k, .. } => {
                // term()'s arithmetic, with the table fetched once and each
                // sample's chances built only when its figures change. When
                // the chances are the same for the whole chunk (constants,
                // the common case) and the units few, each number of units
                // is evaluated once: the same bits, at about `count`'s cost.
                let (k, table) = (*k, ln_factorial_table());
                if let Some(memo) = image_count_memo(cols, out.len()) {
                    let first = [cols[0][0], cols[1][0], cols[2][0], cols[3][0]];
                    // Invalid chances fall through, for the row-by-row error.
                    if super::image_count::check_row(&self.name, &first).is_ok() {
                        let c = super::image_count::Chances::new(first[1], first[2], first[3]);
                        let mut known = vec![f64::NAN; memo];
                        for (o, &n) in out.iter_mut().zip(cols[0]) {
                            let slot = &mut known[n as usize];
                            if slot.is_nan() {
                                *slot =
                                    super::image_count::image_count_log_pmf_from(table, k, n, &c);
                            }
                            *o = *slot;
                        }
                        return Ok(());
                    }
                }
                // An uncertain rate of false positives: the units' law shared.
                if super::image_count::log_pmfs_sharing_units(table, k, cols, out).is_some() {
                    return Ok(());
                }
                let mut chances: Option<super::image_count::Chances> = None;
                for (i, o) in out.iter_mut().enumerate() {
                    let v = [cols[0][i], cols[1][i], cols[2][i], cols[3][i]];
                    super::image_count::check_row(&self.name, &v).map_err(|(_, e)| (i, e))?;
                    let c = match chances {
                        Some(c) if c.figures() == [v[1], v[2], v[3]] => c,
                        _ => *chances.insert(super::image_count::Chances::new(v[1], v[2], v[3])),
                    };
                    *o = super::image_count::image_count_log_pmf_from(table, k, v[0], &c);
                }
                Ok(())
            }
            Kind::Sightings { sightings, .. } => {
                let table = ln_factorial_table();
                for (i, (o, &total)) in out.iter_mut().zip(cols[0]).enumerate() {
                    *o = if total.is_finite() && total >= 0.0 && total.fract() == 0.0 {
                        sightings.log_likelihood_from(table, total)
                    } else {
                        self.term(&[total]).map_err(|e| (i, e))?.0
                    };
                }
                Ok(())
            }
            _ => {
                let mut v = [0.0f64; 4];
                let arity = cols.len();
                for (i, o) in out.iter_mut().enumerate() {
                    for (x, col) in v.iter_mut().zip(cols) {
                        *x = col[i];
                    }
                    *o = self.term(&v[..arity]).map_err(|e| (i, e))?.0;
                }
                Ok(())
            }
        }
    }

    /// Where the reported figure falls in what one sample predicts:
    /// P(Y < y) + P(Y = y)/2 for a reported count or measurement y (a mid
    /// p-value, fair to counts), P(statement holds) for bounds, NaN for a
    /// custom term (it predicts nothing) and for sightings (given the total
    /// alone, with the lists' capture probabilities integrated out, the
    /// table's law is a mixture with no tail to compute cheaply).
    pub fn predictive_tail(&self, v: &[f64]) -> f64 {
        match &self.kind {
            Kind::Count { k, .. } => {
                let (n, p) = (v[0], v[1]);
                match Binomial::new(n, p) {
                    Ok(law) => mid_cdf(&law, *k),
                    Err(_) => f64::NAN,
                }
            }
            Kind::Poisson { k, .. } => match Poisson::new(v[0]) {
                Ok(law) => mid_cdf(&law, *k),
                Err(_) => f64::NAN,
            },
            Kind::Measured { value, error, .. } => {
                let x = v[0];
                let z = match *error {
                    ErrorModel::LogNormal { sigma } if x > 0.0 => (value.ln() - x.ln()) / sigma,
                    ErrorModel::LogNormal { .. } => f64::INFINITY,
                    ErrorModel::Normal { sd } => (value - x) / sd,
                };
                crate::dist::std_normal_cdf(z)
            }
            Kind::Bounds { lower, upper, .. } => {
                let x = v[0];
                if x >= *lower && x <= *upper {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::DrawnCount {
                family,
                lower,
                upper,
                ..
            } => match CountLaw::new(family, v) {
                Ok(law) if lower == upper => law.dist().map_or(f64::NAN, |d| mid_cdf(&d, *lower)),
                Ok(law) => law.log_prob_between(*lower, *upper).exp(),
                Err(_) => f64::NAN,
            },
            Kind::ImageCount { k, .. } => super::image_count::mid_tail(*k, v),
            // Where the stated count falls: the conversions say nothing of
            // the count (see super::paired).
            Kind::Paired { value, sigma, .. } if v[0] > 0.0 => {
                crate::dist::std_normal_cdf((value.ln() - v[0].ln()) / sigma)
            }
            Kind::Paired { .. } => 1.0,
            Kind::LogLikelihood { .. } | Kind::Sightings { .. } => f64::NAN,
            // The figure predicted is the largest serial, given how many were seen.
            Kind::SerialNumbers {
                seen,
                largest,
                first,
                ..
            } => super::serials::predictive_tail(*seen, largest - first + 1.0, v[0]),
        }
    }

    /// One line for reports, such as `measured: 7,000 (lognormal error, sigma 0.085)`.
    pub fn describe(&self) -> String {
        let fmt_num = short;
        let label =
            |i: usize, node: &Node| self.labels.get(i).cloned().unwrap_or_else(|| node.label());
        match &self.kind {
            Kind::Count { k, trials, p } => format!(
                "count: {} of {} trials with probability {}",
                fmt_num(*k),
                label(0, trials),
                label(1, p)
            ),
            Kind::Poisson { k, rate } => {
                format!("poisson: {} events at rate {}", fmt_num(*k), label(0, rate))
            }
            Kind::Measured {
                quantity,
                value,
                error,
            } => match error {
                ErrorModel::LogNormal { sigma } => format!(
                    "measured: {} = {} (errors in proportion, log-scale sd {})",
                    label(0, quantity),
                    fmt_num(*value),
                    fmt_num(*sigma)
                ),
                ErrorModel::Normal { sd } => format!(
                    "measured: {} = {} (normal error, sd {})",
                    label(0, quantity),
                    fmt_num(*value),
                    fmt_num(*sd)
                ),
            },
            Kind::Bounds {
                quantity,
                lower,
                upper,
            } => format!(
                "bounds: {} in [{}, {}]",
                label(0, quantity),
                fmt_num(*lower),
                fmt_num(*upper)
            ),
            Kind::LogLikelihood { log_lik } => format!("log_likelihood: {}", label(0, log_lik)),
            Kind::ImageCount {
                k,
                trials,
                p,
                false_positives,
                p_double,
            } => format!(
                "image count: {} of {} units counted with probability {}, twice with {}, plus false positives of mean {}",
                fmt_num(*k),
                label(0, trials),
                label(1, p),
                label(3, p_double),
                label(2, false_positives)
            ),
            Kind::Paired {
                quantity,
                value,
                sigma,
                conversions,
            } => {
                let each: Vec<String> = conversions
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        format!(
                            "{} at {} per unit (log-scale sd {})",
                            fmt_num(c.converted),
                            label(i + 1, &c.per_unit),
                            fmt_num(c.sigma)
                        )
                    })
                    .collect();
                format!(
                    "paired: {} = {} (log-scale sd {}): {}",
                    label(0, quantity),
                    fmt_num(*value),
                    fmt_num(*sigma),
                    each.join(" or ")
                )
            }
            Kind::Sightings { total, sightings } => sightings.describe(&label(0, total)),
            Kind::DrawnCount {
                quantity,
                lower,
                upper,
                ..
            } if lower == upper => format!(
                "exact count: {} = {} (its draw integrated out)",
                label(0, quantity),
                fmt_num(*lower)
            ),
            Kind::DrawnCount {
                quantity,
                lower,
                upper,
                ..
            } => format!(
                "count: {} in [{}, {}] (its draw integrated out)",
                label(0, quantity),
                fmt_num(*lower),
                fmt_num(*upper)
            ),
            Kind::SerialNumbers {
                total,
                seen,
                largest,
                first,
            } => format!(
                "serial_numbers: {} {} of {} numbered from {}, largest {}",
                fmt_num(*seen),
                if *seen == 1.0 { "serial" } else { "serials" },
                label(0, total),
                fmt_num(*first),
                fmt_num(*largest)
            ),
        }
    }
}

/// A figure for a one-line description: `7,000`, `25`, `0.085`.
pub(super) fn short(x: f64) -> String {
    if !x.is_finite() {
        return crate::error::fmt_value(x);
    }
    if x.abs() >= 999.5 {
        let digits = format!("{:.0}", x.abs());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if x < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    if x.fract() == 0.0 {
        return format!("{x:.0}");
    }
    let decimals = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.decimals$}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// P(X < k) + P(X = k)/2 for a count law.
fn mid_cdf(law: &impl Quantile, k: f64) -> f64 {
    let below = law.cdf_below(k);
    let at_most = law.cdf(k);
    0.5 * (below + at_most)
}

/// The size of a table of `image_count` terms by number of units for a
/// chunk, when its chances (p, false positives, p_double) are the same in
/// every row and its numbers of units are whole and below 2^16; else None.
fn image_count_memo(cols: &[&[f64]], rows: usize) -> Option<usize> {
    const MOST_UNITS: f64 = 65_536.0;
    if rows < 2 {
        return None;
    }
    let same = |col: &[f64]| col.iter().all(|x| x.to_bits() == col[0].to_bits());
    if !(same(cols[1]) && same(cols[2]) && same(cols[3])) {
        return None;
    }
    let mut most = 0.0f64;
    for &n in cols[0] {
        if !(n >= 0.0 && n.fract() == 0.0 && n < MOST_UNITS) {
            return None;
        }
        most = most.max(n);
    }
    Some(most as usize + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64) -> Node {
        Node::constant(x)
    }

    #[test]
    fn column_loops_give_the_terms_bit_for_bit() {
        let x = [7000.0, 6500.5, 1e-300, 0.0, -3.0, 1e12];
        for error in [
            ErrorModel::LogNormal { sigma: 0.09 },
            ErrorModel::Normal { sd: 450.0 },
        ] {
            let obs = Observation::measured("m", c(1.0), 7000.0, error).unwrap();
            let mut out = [0.0; 6];
            obs.log_likelihoods(&[&x], &mut out).unwrap();
            for (o, &xi) in out.iter().zip(&x) {
                assert_eq!(o.to_bits(), obs.term(&[xi]).unwrap().0.to_bits(), "{xi}");
            }
        }
        let count = Observation::count("k", 25.0, c(50.0), c(0.5)).unwrap();
        let mut out = [0.0; 2];
        count
            .log_likelihoods(&[&[50.0, 20.0], &[0.5, 0.4]], &mut out)
            .unwrap();
        assert_eq!(out[0], count.term(&[50.0, 0.5]).unwrap().0);
        assert_eq!(out[1], f64::NEG_INFINITY);
        let bad = count.log_likelihoods(&[&[50.0, 2.5], &[0.5, 0.4]], &mut out);
        assert_eq!(bad.map_err(|(row, _)| row), Err(1));
        // Trials in and beyond the table of factorials, p at its ends.
        let n = [25.0, 50.0, 4095.0, 4096.0, 1e6, 25.0, 60.0];
        let p = [0.0, 1.0, 0.3, 0.3, 1e-9, 0.5, 1.0];
        let mut out = [0.0; 7];
        count.log_likelihoods(&[&n, &p], &mut out).unwrap();
        for ((o, &n), &p) in out.iter().zip(&n).zip(&p) {
            assert_eq!(
                o.to_bits(),
                count.term(&[n, p]).unwrap().0.to_bits(),
                "{n} {p}"
            );
        }
    }

    #[test]
    fn image_count_terms_are_the_same_bits_in_the_column_loop() {
        let obs = Observation::image_count("i", 34.0, c(1.0), c(0.5), c(0.0), c(0.0)).unwrap();
        // Figures repeated (chances reused), changed, at their ends, impossible.
        let n = [40.0, 41.0, 41.0, 20.0, 5000.0, 10.0, 16.0, 0.0];
        let p = [0.8, 0.8, 0.8, 0.8, 0.3, 1.0, 0.0, 0.5];
        let fp = [2.0, 2.0, 0.0, 2.0, 40.0, 0.0, 3.0, 0.0];
        let d = [0.05, 0.05, 0.05, 0.0, 0.1, 1.0, 0.5, 0.0];
        let mut out = [0.0; 8];
        obs.log_likelihoods(&[&n, &p, &fp, &d], &mut out).unwrap();
        for i in 0..8 {
            let row = [n[i], p[i], fp[i], d[i]];
            assert_eq!(
                out[i].to_bits(),
                obs.term(&row).unwrap().0.to_bits(),
                "{row:?}"
            );
        }
        assert_eq!(out[7], f64::NEG_INFINITY);
        let bad = obs.log_likelihoods(&[&n[..2], &[0.8, 1.5], &fp[..2], &d[..2]], &mut out[..2]);
        let (row, msg) = bad.unwrap_err();
        assert!(
            row == 1 && msg.contains("p ") && msg.contains("1.5"),
            "{msg}"
        );
    }

    #[test]
    fn image_counts_with_the_same_chances_in_a_chunk_are_evaluated_once_per_count_of_units() {
        let obs = Observation::image_count("i", 34.0, c(1.0), c(0.5), c(0.0), c(0.0)).unwrap();
        let n: Vec<f64> = (0..500).map(|i| f64::from(20 + (i * 7) % 61)).collect();
        let same = |x: f64| vec![x; n.len()];
        let (p, fp, d) = (same(0.8), same(2.0), same(0.05));
        assert_eq!(image_count_memo(&[&n, &p, &fp, &d], n.len()), Some(81));
        let mut out = vec![0.0; n.len()];
        obs.log_likelihoods(&[&n, &p, &fp, &d], &mut out).unwrap();
        for (o, &units) in out.iter().zip(&n) {
            let want = obs.term(&[units, 0.8, 2.0, 0.05]).unwrap().0;
            assert_eq!(o.to_bits(), want.to_bits(), "{units}");
        }
        // Chances that vary, or a fractional count, take the row-by-row loop.
        let mut varied = fp.clone();
        varied[3] = 2.5;
        assert_eq!(image_count_memo(&[&n, &p, &varied, &d], n.len()), None);
        let mut fractional = n.clone();
        fractional[9] = 30.5;
        assert_eq!(image_count_memo(&[&fractional, &p, &fp, &d], n.len()), None);
        // Invalid constant chances are reported at their first row.
        let bad = obs.log_likelihoods(&[&n, &same(1.5), &fp, &d], &mut out);
        assert_eq!(bad.unwrap_err().0, 0);
    }

    #[test]
    fn serial_terms_are_the_same_bits_in_the_column_loop() {
        let obs = Observation::serial_numbers("s", c(1.0), 3.0, 1372.0, 1.0).unwrap();
        let totals = [1371.0, 1372.0, 4095.0, 4096.0, 1e6, 0.0];
        let mut out = [0.0; 6];
        obs.log_likelihoods(&[&totals], &mut out).unwrap();
        for (o, &t) in out.iter().zip(&totals) {
            assert_eq!(o.to_bits(), obs.term(&[t]).unwrap().0.to_bits(), "{t}");
        }
        assert_eq!(out[0], f64::NEG_INFINITY);
        // P(M = 1372 | N = 1372) = C(1371, 2) / C(1372, 3) = 3 / 1372
        assert!((out[1] - (3.0f64 / 1372.0).ln()).abs() < 1e-9, "{}", out[1]);
        let (_, near) = obs.term(&[1300.0]).unwrap();
        let (_, far) = obs.term(&[10.0]).unwrap();
        assert!(0.0 < near && near < far);
        let bad = obs.log_likelihoods(&[&[1400.0, 1400.5]], &mut out[..2]);
        let (row, msg) = bad.unwrap_err();
        assert_eq!(row, 1);
        assert!(
            msg.contains("whole number") && msg.contains("1400.5"),
            "{msg}"
        );
        assert_eq!(
            obs.describe(),
            "serial_numbers: 3 serials of 1 numbered from 1, largest 1,372"
        );
    }

    #[test]
    fn figures_are_described_briefly() {
        assert_eq!(short(7000.0), "7,000");
        assert_eq!(short(-1234567.8), "-1,234,568");
        assert_eq!(short(25.0), "25");
        assert_eq!(short(0.084969), "0.085");
        assert_eq!(short(12.34), "12.3");
    }

    #[test]
    fn binomial_term_matches_the_pmf() {
        let obs = Observation::count("f", 3.0, c(10.0), c(0.3)).unwrap();
        let (ll, d) = obs.term(&[10.0, 0.3]).unwrap();
        // C(10,3) 0.3^3 0.7^7 = 0.266827932
        assert!((ll.exp() - 0.266_827_932).abs() < 1e-9, "{}", ll.exp());
        assert_eq!(d, 0.0);
        let (ll, d) = obs.term(&[2.0, 0.3]).unwrap();
        assert_eq!(ll, f64::NEG_INFINITY);
        assert!(d > 0.0);
        assert!(obs.term(&[10.5, 0.3]).unwrap_err().contains("whole"));
        assert!(obs.term(&[10.0, 1.3]).unwrap_err().contains("probability"));
    }

    #[test]
    fn measurement_terms_are_normal_densities() {
        let obs = Observation::measured("m", c(1.0), 10.0, ErrorModel::Normal { sd: 2.0 }).unwrap();
        let (ll, _) = obs.term(&[12.0]).unwrap();
        let want = -0.5 - 2f64.ln() - 0.5 * (2.0 * PI).ln();
        assert!((ll - want).abs() < 1e-12);
        assert!((obs.predictive_tail(&[10.0]) - 0.5).abs() < 1e-15);
        let obs = Observation::measured("m", c(1.0), 7000.0, ErrorModel::LogNormal { sigma: 0.1 })
            .unwrap();
        assert_eq!(obs.term(&[-1.0]).unwrap().0, f64::NEG_INFINITY);
        assert!(
            Observation::measured("m", c(1.0), -5.0, ErrorModel::LogNormal { sigma: 0.1 }).is_err()
        );
    }

    #[test]
    fn bounds_measure_how_far_outside_a_sample_is() {
        let obs = Observation::bounds("b", c(1.0), 25.0, f64::INFINITY).unwrap();
        assert_eq!(obs.term(&[30.0]).unwrap(), (0.0, 0.0));
        let (_, near) = obs.term(&[24.0]).unwrap();
        let (_, far) = obs.term(&[5.0]).unwrap();
        assert!(0.0 < near && near < far);
        assert!(Observation::bounds("b", c(1.0), 3.0, 2.0).is_err());
        assert!(Observation::bounds("b", c(1.0), f64::NEG_INFINITY, f64::INFINITY).is_err());
    }
}
