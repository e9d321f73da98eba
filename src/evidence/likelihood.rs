//! What an observation says about a sample, whatever its kind: the
//! [`Likelihood`] every kind implements (its log-likelihood, how far the
//! sample is from being possible at all, which guides tempering towards
//! statements the prior makes unlikely, and where the reported figure falls
//! in what the sample predicts, for conflict checks), and the
//! [`Observation`] that holds one kind with its name.
//!
//! Each kind is one struct in its own file (`count.rs`, `measured.rs`, ...,
//! `sightings.rs`), with its constructor (`Observation::count`, ...) and
//! its builder from figures; [`super::kinds`] declares them.

use super::kinds::Figure;
use crate::dist::Quantile;
use crate::error::{Error, Result};
use crate::expr::Node;
use std::any::Any;

/// Largest count taken: integers above 2^53 are not all representable.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// What one kind of observation says about a sample. A sample is given as
/// the values `v` of the nodes it reads ([`Likelihood::nodes`], in order),
/// or a chunk of samples as their columns; `name` is the observation's,
/// for messages.
///
/// ```
/// use munflow::evidence::Observation;
/// use munflow::expr::Node;
/// let obs = Observation::poisson("strikes", 3.0, Node::constant(2.0)).unwrap();
/// assert_eq!(obs.kind.name(), "poisson");
/// let (ll, distance) = obs.kind.term("strikes", &[2.0]).unwrap();
/// assert!((ll - (3.0 * 2f64.ln() - 2.0 - 6f64.ln())).abs() < 1e-12);
/// assert_eq!(distance, 0.0);
/// ```
pub trait Likelihood: Boxed + std::fmt::Debug + Send + Sync {
    /// The kind as analysts spell it, in Python (`obs.kind`, the functions
    /// of `munflow.evidence`), scenario files (`kind = "at_least"`) and
    /// saved results.
    fn name(&self) -> &'static str;

    /// The nodes it reads, in the order its values are given.
    fn nodes(&self) -> Vec<&Node>;

    /// The log-likelihood of one sample and its distance from being
    /// possible: 0 when the likelihood is positive, else a relative
    /// distance (how far a count exceeds its trials, a value lies outside a
    /// bound), so that tempering can lead samples towards it. A value no
    /// observation of this kind can take (a fractional number of trials, a
    /// probability above 1) is an error naming the observation.
    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String>;

    /// The log-likelihood of every row of a chunk, given the columns of its
    /// nodes: [`term`](Self::term)'s first value row by row (the same
    /// bits); the first row that fails and why. Kinds whose terms share
    /// work across rows (a table fetched once, figures reused) override it.
    fn log_likelihoods(
        &self,
        name: &str,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        let mut v = [0.0f64; 4];
        let arity = cols.len();
        for (i, o) in out.iter_mut().enumerate() {
            for (x, col) in v.iter_mut().zip(cols) {
                *x = col[i];
            }
            *o = self.term(name, &v[..arity]).map_err(|e| (i, e))?.0;
        }
        Ok(())
    }

    /// Where the reported figure falls in what one sample predicts:
    /// P(Y < y) + P(Y = y)/2 for a reported count or measurement y (a mid
    /// p-value, fair to counts), P(statement holds) for bounds, NaN where
    /// the kind predicts nothing it can compute cheaply.
    fn predictive_tail(&self, v: &[f64]) -> f64;

    /// [`term`](Self::term) of every row of a chunk: its log-likelihood in
    /// `log_lik` and, when asked, its distance and
    /// [`predictive_tail`](Self::predictive_tail); the first row that
    /// fails and why. One call a chunk, so that the calls a row are not
    /// dynamic (tempering evaluates every row of every stage this way).
    fn terms(
        &self,
        name: &str,
        cols: &[&[f64]],
        log_lik: &mut [f64],
        mut distance: Option<&mut [f64]>,
        mut tails: Option<&mut [f64]>,
    ) -> std::result::Result<(), (usize, String)> {
        let mut v = [0.0f64; 4];
        let arity = cols.len();
        for (i, ll) in log_lik.iter_mut().enumerate() {
            for (x, col) in v.iter_mut().zip(cols) {
                *x = col[i];
            }
            let (term, d) = self.term(name, &v[..arity]).map_err(|e| (i, e))?;
            *ll = term;
            if let Some(distance) = distance.as_deref_mut() {
                distance[i] = d;
            }
            if let Some(tails) = tails.as_deref_mut() {
                tails[i] = self.predictive_tail(&v[..arity]);
            }
        }
        Ok(())
    }

    /// [`predictive_tail`](Self::predictive_tail) of every row of a chunk.
    fn predictive_tails(&self, cols: &[&[f64]], out: &mut [f64]) {
        let mut v = [0.0f64; 4];
        let arity = cols.len();
        for (i, t) in out.iter_mut().enumerate() {
            for (x, col) in v.iter_mut().zip(cols) {
                *x = col[i];
            }
            *t = self.predictive_tail(&v[..arity]);
        }
    }

    /// One line for reports, such as `measured: 7,000 (lognormal error,
    /// sigma 0.085)`, calling the `i`-th node it reads `label(i, node)`.
    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String;

    /// The figures that rebuild it with [`super::kinds::build`], named as
    /// its declaration names them.
    fn figures(&self) -> Vec<(&'static str, Figure)>;
}

/// What every kind gets without writing it: a boxed copy, and itself as
/// [`Any`] (to reach the fields of a known kind, as [`Observation::of`]).
pub trait Boxed {
    fn boxed(&self) -> Box<dyn Likelihood>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Likelihood + Clone + 'static> Boxed for T {
    fn boxed(&self) -> Box<dyn Likelihood> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Clone for Box<dyn Likelihood> {
    fn clone(&self) -> Self {
        self.boxed()
    }
}

/// One observation: a name for reports and what was observed.
#[derive(Debug, Clone)]
pub struct Observation {
    pub name: String,
    pub kind: Box<dyn Likelihood>,
    /// How reports call the nodes it reads (a scenario's output paths);
    /// empty: their own labels.
    pub labels: Vec<String>,
}

/// `k` checked as a count: a whole number from 0 to 2^53.
pub(super) fn whole_count(what: &str, name: &str, k: f64) -> Result<f64> {
    if k.is_finite() && k >= 0.0 && k.fract() == 0.0 && k <= MAX_COUNT {
        Ok(k)
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} '{name}': k must be a whole number from 0 to 2^53, got {}",
            crate::error::fmt_value(k)
        )))
    }
}

/// The message for a sample's figure that must be a whole number >= 0 and
/// is not (`what`: the figure as the kind names it), or None when it is.
///
/// ```text
/// count 'seen': the number of trials must be a whole number >= 0, got 2.5; round it ...
/// ```
pub(super) fn not_whole(kind: &str, name: &str, what: &str, x: f64) -> Option<String> {
    let whole = x.is_finite() && x >= 0.0 && x.fract() == 0.0;
    (!whole).then(|| {
        format!(
            "{kind} '{name}': {what} must be a whole number >= 0, got {}; round it (mf.round) or draw it from a count distribution",
            crate::error::fmt_value(x)
        )
    })
}

/// An observation's name checked: not empty (the first check of every kind).
pub(super) fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::InvalidArgument(
            "an observation needs a name, got an empty one".into(),
        ));
    }
    Ok(())
}

impl Observation {
    /// The observation `name` of `kind`, its figures checked by the kind's
    /// constructor (`Observation::count`, ...), its name by [`check_name`].
    pub(super) fn new(name: &str, kind: impl Likelihood + 'static) -> Self {
        Observation {
            name: name.into(),
            kind: Box::new(kind),
            labels: Vec::new(),
        }
    }

    /// Its kind as `K`, if it is one (exact counts and bounds are
    /// rewritten by [`super::exact`]).
    ///
    /// ```
    /// use munflow::evidence::{Bounds, Observation};
    /// use munflow::expr::Node;
    /// let obs = Observation::bounds("b", Node::constant(30.0), 25.0, f64::INFINITY).unwrap();
    /// assert_eq!(obs.of::<Bounds>().unwrap().lower, 25.0);
    /// ```
    pub fn of<K: Likelihood + 'static>(&self) -> Option<&K> {
        self.kind.as_any().downcast_ref()
    }

    /// The observation with the nodes it reads called `labels` in reports.
    pub fn with_labels(mut self, labels: Vec<String>) -> Self {
        self.labels = labels;
        self
    }

    /// The nodes this observation reads, in the order [`Observation::term`]
    /// takes their values.
    pub fn nodes(&self) -> Vec<&Node> {
        self.kind.nodes()
    }

    /// The log-likelihood of one sample (`v`: the values of
    /// [`Observation::nodes`]) and its distance from being possible (see
    /// [`Likelihood::term`]).
    pub fn term(&self, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        self.kind.term(&self.name, v)
    }

    /// The log-likelihood of every row, given the columns of this
    /// observation's nodes: [`term`](Self::term)'s first value row by row
    /// (the same bits); the first row that fails and why.
    pub fn log_likelihoods(
        &self,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        self.kind.log_likelihoods(&self.name, cols, out)
    }

    /// Where the reported figure falls in what one sample predicts (see
    /// [`Likelihood::predictive_tail`]).
    pub fn predictive_tail(&self, v: &[f64]) -> f64 {
        self.kind.predictive_tail(v)
    }

    /// Per row of a chunk, given its columns: the log-likelihood and, when
    /// asked, the distance and predictive tail (see [`Likelihood::terms`]).
    pub fn terms(
        &self,
        cols: &[&[f64]],
        log_lik: &mut [f64],
        distance: Option<&mut [f64]>,
        tails: Option<&mut [f64]>,
    ) -> std::result::Result<(), (usize, String)> {
        self.kind.terms(&self.name, cols, log_lik, distance, tails)
    }

    /// The predictive tail of every row of a chunk, given its columns.
    pub fn predictive_tails(&self, cols: &[&[f64]], out: &mut [f64]) {
        self.kind.predictive_tails(cols, out)
    }

    /// One line for reports, such as `measured: 7,000 (lognormal error, sigma 0.085)`.
    pub fn describe(&self) -> String {
        let label =
            |i: usize, node: &Node| self.labels.get(i).cloned().unwrap_or_else(|| node.label());
        self.kind.describe(&label)
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
pub(super) fn mid_cdf(law: &impl Quantile, k: f64) -> f64 {
    let below = law.cdf_below(k);
    let at_most = law.cdf(k);
    0.5 * (below + at_most)
}

#[cfg(test)]
mod tests {
    use super::super::image_count::image_count_memo;
    use super::*;
    use crate::evidence::ErrorModel;
    use std::f64::consts::PI;

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
    fn chunks_of_terms_and_tails_are_the_rows_bit_for_bit() {
        let made = [
            Observation::count("a", 3.0, c(1.0), c(0.5)).unwrap(),
            Observation::poisson("b", 3.0, c(1.0)).unwrap(),
            Observation::measured("c", c(1.0), 7.0, ErrorModel::Normal { sd: 1.0 }).unwrap(),
            Observation::bounds("d", c(1.0), 2.0, 4.0).unwrap(),
            Observation::serial_numbers("e", c(1.0), 2.0, 3.0, 1.0).unwrap(),
        ];
        let x = [0.0, 1.0, 3.0, 4.0, 9.0];
        let p = [0.5, 0.2, 1.0, 0.0, 0.7];
        for obs in &made {
            let cols: Vec<&[f64]> = [&x[..], &p[..]][..obs.nodes().len()].to_vec();
            let (mut ll, mut d, mut t, mut tails) = ([0.0; 5], [0.0; 5], [0.0; 5], [0.0; 5]);
            obs.terms(&cols, &mut ll, Some(&mut d), Some(&mut t))
                .unwrap();
            obs.predictive_tails(&cols, &mut tails);
            for i in 0..5 {
                let v: Vec<f64> = cols.iter().map(|col| col[i]).collect();
                let (term, distance) = obs.term(&v).unwrap();
                let tail = obs.predictive_tail(&v);
                assert_eq!(ll[i].to_bits(), term.to_bits(), "{} {i}", obs.name);
                assert_eq!(d[i].to_bits(), distance.to_bits(), "{} {i}", obs.name);
                assert_eq!(t[i].to_bits(), tail.to_bits(), "{} {i}", obs.name);
                assert_eq!(tails[i].to_bits(), tail.to_bits(), "{} {i}", obs.name);
            }
        }
        // The first row that fails, as term() says it.
        let count = &made[0];
        let bad = count.terms(&[&[4.0, 2.5], &[0.5, 0.5]], &mut [0.0; 2], None, None);
        assert_eq!(bad.map_err(|(row, _)| row), Err(1));
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
