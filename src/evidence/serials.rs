//! Serial numbers read on recovered items: how many items the series
//! numbered, from the serials seen (the German tank problem: Ruggles and
//! Brodie 1947; Höhle and Held 2006 for the Bayesian treatment).
//!
//! The items recovered are taken to be a random sample, without
//! replacement, of the series `first ..= first + N - 1`: every set of `k`
//! distinct serials is equally likely, so
//!
//! P(seen | N) = 1 / C(N, k) when N >= largest - first + 1, else 0.
//!
//! Only `k` and the largest serial enter (they are sufficient), so an
//! observation keeps those two and `first`; the order in which the serials
//! were read does not matter. The term is the probability of the largest
//! serial given k, P(M = m | N) = C(m - 1, k - 1) / C(N, k) with m =
//! largest - first + 1: proportional to 1 / C(N, k) in N, so the posterior
//! is the same, but near 0 where N is about m rather than hundreds of nats
//! below it for large k and N. Tempering weighs a sample's log-likelihood
//! against its distance from being possible, and a term far below 0 would
//! favour impossible samples; the checks of conflict judge the same figure.
//!
//! ```
//! use munflow::evidence::Observation;
//! use munflow::expr::Node;
//! // 4 serials, the largest 60: N = 100 has likelihood C(59, 3) / C(100, 4).
//! let obs = Observation::serial_numbers("tanks", Node::constant(100.0), 4.0, 60.0, 1.0).unwrap();
//! let (ll, _) = obs.term(&[100.0]).unwrap();
//! assert!((ll - (32_509f64 / 3_921_225.0).ln()).abs() < 1e-9);
//! // Fewer than 60 numbered cannot show serial 60.
//! assert_eq!(obs.term(&[59.0]).unwrap().0, f64::NEG_INFINITY);
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, not_whole, short, Likelihood};
use super::Observation;
use crate::dist::{ln_factorial, ln_factorial_table};
use crate::error::{fmt_value, Error, Result};
use crate::expr::Node;

/// Largest serial taken: integers above 2^53 are not all representable.
const MAX_SERIAL: f64 = 9_007_199_254_740_992.0;

fn is_whole(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && x.abs() <= MAX_SERIAL
}

/// Checks the figures of a `serial_numbers` observation named `name`: `seen`
/// serials (k >= 1), the `largest` of them, the series numbered from
/// `first`. An error names the figure it is about.
pub(crate) fn check(
    name: &str,
    seen: f64,
    largest: f64,
    first: f64,
) -> std::result::Result<(), (&'static str, Error)> {
    let bad = |field: &'static str, msg: String| {
        Err((
            field,
            Error::InvalidArgument(format!("serial_numbers '{name}': {msg}")),
        ))
    };
    if !(is_whole(first) && first >= 0.0) {
        return bad(
            "first",
            format!(
                "first (the series' first serial) must be a whole number >= 0, got {}",
                fmt_value(first)
            ),
        );
    }
    if !(is_whole(seen) && seen >= 1.0) {
        return bad(
            "seen",
            format!(
                "seen (how many distinct serials) must be a whole number >= 1, got {}",
                fmt_value(seen)
            ),
        );
    }
    if !is_whole(largest) || largest < first + seen - 1.0 {
        return bad(
            "largest",
            format!(
                "{} distinct serials from {} need a largest serial of at least {}, got {}",
                fmt_value(seen),
                fmt_value(first),
                fmt_value(first + seen - 1.0),
                fmt_value(largest)
            ),
        );
    }
    Ok(())
}

/// The count and largest of a list of serials `seen` in a series numbered
/// from `first` (a scenario file's `seen = [...]`), after checking that the
/// list is non-empty, of distinct whole numbers, none below `first`.
///
/// ```
/// use munflow::evidence::serials::summarise;
/// assert_eq!(summarise(&[14.0, 3.0, 29.0], 1.0), Ok((3.0, 29.0)));
/// assert!(summarise(&[14.0, 14.0], 1.0).unwrap_err().1.contains("twice"));
/// ```
pub fn summarise(
    seen: &[f64],
    first: f64,
) -> std::result::Result<(f64, f64), (&'static str, String)> {
    if seen.is_empty() {
        return Err(("seen", "seen must list at least one serial".into()));
    }
    if let Some(&x) = seen.iter().find(|&&x| !is_whole(x)) {
        return Err((
            "seen",
            format!("serials must be whole numbers, got {}", fmt_value(x)),
        ));
    }
    if let Some(&x) = seen.iter().find(|&&x| x < first) {
        return Err((
            "seen",
            format!(
                "serial {} is below first = {} (the series' first serial)",
                fmt_value(x),
                fmt_value(first)
            ),
        ));
    }
    let mut sorted = seen.to_vec();
    sorted.sort_by(f64::total_cmp);
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err((
            "seen",
            format!(
                "serials must be distinct (each item read once), {} appears twice",
                fmt_value(w[0])
            ),
        ));
    }
    Ok((sorted.len() as f64, sorted[sorted.len() - 1]))
}

/// ln x! for a whole x >= 0, from `table` (ln 0! .. ln (len-1)!) when it holds x.
#[inline(always)]
fn ln_fact(table: &[f64], x: f64) -> f64 {
    if x < table.len() as f64 {
        table[x as usize]
    } else {
        ln_factorial(x)
    }
}

/// The part of the log-likelihood that does not depend on the total:
/// ln C(span - 1, seen - 1) + ln seen!, with span = largest - first + 1.
pub(crate) fn offset(seen: f64, span: f64) -> f64 {
    ln_factorial(span - 1.0) - ln_factorial(span - seen) + seen.ln()
}

/// ln P(M = span | total) = ln C(span - 1, seen - 1) - ln C(total, seen)
/// for a whole `total` (`offset` from [`offset`]), or -inf when fewer than
/// `span` (largest - first + 1) were numbered.
#[inline(always)]
pub(crate) fn log_likelihood(table: &[f64], seen: f64, span: f64, offset: f64, total: f64) -> f64 {
    if total < span {
        return f64::NEG_INFINITY;
    }
    offset + ln_fact(table, total - seen) - ln_fact(table, total)
}

/// ln C(n, k), 0 <= k <= n whole.
fn ln_choose(n: f64, k: f64) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// Where the largest serial falls in what `total` numbered predict for the
/// largest of `seen` serials: the mid p-value P(M < m) + P(M = m) / 2 with
/// m = largest - first + 1 and P(M <= m) = C(m, k) / C(N, k); 1 when the
/// series is too short to hold it.
pub(crate) fn predictive_tail(seen: f64, span: f64, total: f64) -> f64 {
    if !(total.is_finite() && total >= 0.0 && total.fract() == 0.0) {
        return f64::NAN;
    }
    if total < span {
        return 1.0;
    }
    let all = ln_choose(total, seen);
    let at_most = (ln_choose(span, seen) - all).exp();
    let below = if span - 1.0 >= seen {
        (ln_choose(span - 1.0, seen) - all).exp()
    } else {
        0.0
    };
    0.5 * (below + at_most)
}

/// `seen` distinct serial numbers, the largest `largest`, read on items
/// sampled without replacement from the series `first ..` of `total` items.
#[derive(Debug, Clone)]
pub struct SerialNumbers {
    pub total: Node,
    pub seen: f64,
    pub largest: f64,
    pub first: f64,
}

impl Observation {
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
        check(name, seen, largest, first).map_err(|(_, e)| e)?;
        let kind = SerialNumbers {
            total,
            seen,
            largest,
            first,
        };
        Ok(Observation::new(name, kind))
    }
}

/// A `serial_numbers` from its declared figures.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let (seen, largest) = (given.need("seen")?, given.need("largest")?);
    let first = given.number("first").unwrap_or(1.0);
    check(given.name, seen, largest, first)?;
    Observation::serial_numbers(given.name, given.read(), seen, largest, first).map_err(at("seen"))
}

impl Likelihood for SerialNumbers {
    fn name(&self) -> &'static str {
        "serial_numbers"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.total]
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        let total = v[0];
        if let Some(e) = not_whole("serial_numbers", name, "the total numbered", total) {
            return Err(e);
        }
        let span = self.largest - self.first + 1.0;
        let table = ln_factorial_table();
        let offset = offset(self.seen, span);
        let ll = log_likelihood(table, self.seen, span, offset, total);
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

    fn log_likelihoods(
        &self,
        name: &str,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        // term()'s arithmetic, with its offset and the table fetched once.
        let (seen, span) = (self.seen, self.largest - self.first + 1.0);
        let (table, offset) = (ln_factorial_table(), offset(seen, span));
        for (i, (o, &total)) in out.iter_mut().zip(cols[0]).enumerate() {
            *o = if total.is_finite() && total >= 0.0 && total.fract() == 0.0 {
                log_likelihood(table, seen, span, offset, total)
            } else {
                self.term(name, &[total]).map_err(|e| (i, e))?.0
            };
        }
        Ok(())
    }

    /// The figure predicted is the largest serial, given how many were seen.
    fn predictive_tail(&self, v: &[f64]) -> f64 {
        predictive_tail(self.seen, self.largest - self.first + 1.0, v[0])
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        format!(
            "serial_numbers: {} {} of {} numbered from {}, largest {}",
            short(self.seen),
            if self.seen == 1.0 {
                "serial"
            } else {
                "serials"
            },
            label(0, &self.total),
            short(self.first),
            short(self.largest)
        )
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        vec![
            ("seen", Figure::Number(self.seen)),
            ("largest", Figure::Number(self.largest)),
            ("first", Figure::Number(self.first)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_likelihood_is_the_chance_of_the_largest() {
        let table = crate::dist::ln_factorial_table();
        // Largest 7 of 3: C(6, 2) = 15 sets; of N = 10, C(10, 3) = 120 in all.
        let ll = log_likelihood(table, 3.0, 7.0, offset(3.0, 7.0), 10.0);
        assert!((ll.exp() - 15.0 / 120.0).abs() < 1e-12);
        // Beyond the table too: C(5000, 2) = 12,497,500.
        let ll = log_likelihood(table, 2.0, 7.0, offset(2.0, 7.0), 5000.0);
        assert!((ll - (6.0 / 12_497_500f64).ln()).abs() < 1e-9, "{ll}");
        let ll = log_likelihood(table, 3.0, 7.0, offset(3.0, 7.0), 6.0);
        assert_eq!(ll, f64::NEG_INFINITY);
        // The largest's probabilities sum to 1 over its possible values.
        let sum: f64 = (3..=10)
            .map(|m| log_likelihood(table, 3.0, m as f64, offset(3.0, m as f64), 10.0).exp())
            .sum();
        assert!((sum - 1.0).abs() < 1e-12, "{sum}");
    }

    #[test]
    fn the_tail_is_the_mid_p_value_of_the_largest() {
        // k = 2 of N = 5: P(M <= 3) = C(3,2)/C(5,2) = 3/10, P(M <= 2) = 1/10.
        assert!((predictive_tail(2.0, 3.0, 5.0) - 0.2).abs() < 1e-12);
        // The smallest possible largest: P(M < k) = 0, P(M = k) = 1/C(N, k).
        assert!((predictive_tail(2.0, 2.0, 5.0) - 0.05).abs() < 1e-12);
        // Largest = N: P(M < N) = 1 - k/N, P(M = N) = k/N.
        assert!((predictive_tail(2.0, 5.0, 5.0) - 0.8).abs() < 1e-12);
        assert_eq!(predictive_tail(2.0, 6.0, 5.0), 1.0);
        assert!(predictive_tail(2.0, 3.0, 5.5).is_nan());
    }

    #[test]
    fn figures_and_lists_are_checked_naming_the_field() {
        assert!(check("s", 3.0, 29.0, 1.0).is_ok());
        assert_eq!(check("s", 0.0, 29.0, 1.0).unwrap_err().0, "seen");
        assert_eq!(check("s", 2.5, 29.0, 1.0).unwrap_err().0, "seen");
        assert_eq!(check("s", 3.0, 2.0, 1.0).unwrap_err().0, "largest");
        assert_eq!(check("s", 3.0, 29.0, -1.0).unwrap_err().0, "first");
        assert_eq!(check("s", 3.0, 29.0, 0.5).unwrap_err().0, "first");
        assert!(summarise(&[], 1.0).unwrap_err().1.contains("at least one"));
        assert!(summarise(&[1.5], 1.0).unwrap_err().1.contains("1.5"));
        assert!(summarise(&[0.0, 4.0], 1.0)
            .unwrap_err()
            .1
            .contains("below first"));
        assert_eq!(summarise(&[100.0, 101.0], 100.0), Ok((2.0, 101.0)));
    }
}
