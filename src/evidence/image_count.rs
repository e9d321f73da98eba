//! Counts read off images: each of `n` units is missed (probability 1 - p),
//! counted once (p(1 - p_double)) or counted twice (p·p_double, the same
//! container on two overlapping images), and other objects taken for units
//! add a Poisson number of false positives with mean `false_positives`.
//!
//! With `b` units counted twice, the units counted once are binomial among
//! the other `n - b`, so for a count `k` with `f` false positives
//!
//! ```text
//! P(k) = Σ_b Σ_f Bin(b; n, p·d) · Bin(k - 2b - f; n - b, q) · Pois(f; λ),
//! q = p(1 - d) / (1 - p·d)
//! ```
//!
//! (d = p_double, λ = false_positives). The sums are exact but only taken
//! where the mass is, and in a few multiplications a term: the ratio of two
//! neighbouring terms (one false positive more and one unit counted once
//! fewer, or one unit counted twice more, one missed more and two counted
//! once fewer) is a ratio of small whole numbers times a constant of the
//! sample. So only one term is evaluated in logs, at the start; the others
//! are multiples of it. For each number of double counts b the sum over
//! false positives climbs to its largest term, then runs outward until a
//! geometric bound on the rest is below 1e-17 of the sum (the terms are
//! log-concave in f). The sum over b runs outward from near its largest
//! term, each b starting from the previous one's largest term, until either
//! of two bounds on the rest is below 1e-17 of the total: the binomial of
//! the double counts past its mode (a bound, since the rest of a term is a
//! probability), or a geometric series from the last ratio of the sums per
//! b (those sums are log-concave in b, as the continuous law they discretise
//! is; the enumeration tests check it). With no false positives and no
//! double counting it is `count`'s binomial, to the bit.
//!
//! When only the false positives vary across a chunk's rows (an uncertain
//! rate), [`log_pmfs_sharing_units`] sums the same terms in another order:
//! the units' law once per number of units, then a polynomial in the rate
//! per row (k + 1 multiply-adds, about `count`'s cost). When only `p`
//! varies (an uncertain chance of seeing a unit),
//! [`log_pmfs_sharing_seen_units`] does the same with the units seen, m ~
//! Binomial(n, p): the chance h_m that m seen units and the false positives
//! give k is tabulated once per chunk, then a polynomial in p/(1 - p) per
//! row. When only `p_double` varies, [`image_double_odds`] does the same in
//! the odds of a double count, with what m seen units give tabulated once
//! per chunk and raised to one degree. When two or three of the chances
//! vary, rows go sixteen at a time through the recurrence of the count's
//! generating function ([`image_recurrence`]: k steps, about 25-28 ns a row
//! at k = 34), or, where the count is above n + 1, through its split into
//! units and false positives, sixteen rows of one number of units at a time
//! ([`super::image_beyond_units`]: about 2n steps, 42-44 ns a row at n =
//! 20-32); the rows neither suits sum their own terms (about 1 µs a row).
//! One row alone ([`image_count_log_pmf`], `term`) takes the same path as
//! in a chunk, in a lane of its own, so both give the same bits.
//!
//! ```
//! use munflow::evidence::image_count_log_pmf;
//! // 3 units, certain detection, no duplicates, no false positives: k = 3.
//! assert!(image_count_log_pmf(3.0, 3.0, 1.0, 0.0, 0.0).abs() < 1e-12);
//! // Only false positives: a Poisson count.
//! let ll = image_count_log_pmf(2.0, 0.0, 0.5, 1.5, 0.1);
//! assert!((ll.exp() - 1.5f64.powi(2) / 2.0 * (-1.5f64).exp()).abs() < 1e-15);
//! ```

use super::kinds::{at, Figure, Given};
use super::likelihood::{check_name, short, whole_count, Likelihood};
use super::widest_vectors::{in_widest_vectors, lanes};
use super::Observation;
use super::{image_double_odds, image_recurrence, lane_ln};
use crate::dist::{
    binomial_log_pmf_from, ln_factorial_from, ln_factorial_table, Binomial, Quantile,
};
use crate::error::Error;
use crate::expr::Node;

/// What is left out of a sum: below this fraction of it.
const NEGLIGIBLE: f64 = 1e-17;

/// Terms are kept as multiples of one evaluated in logs; past this they are
/// rescaled (a poor start can climb far before it reaches the mass).
const RESCALE_ABOVE: f64 = 1e100;

/// ln f!, from the table when it holds it.
fn ln_factorial_in(table: &[f64], f: f64) -> f64 {
    match table.get(f as usize) {
        Some(&x) if f < table.len() as f64 => x,
        _ => crate::dist::ln_factorial(f),
    }
}

/// ln P(f false positives) for a Poisson mean `rate`.
fn poisson_log_pmf(table: &[f64], f: f64, rate: f64) -> f64 {
    if rate == 0.0 {
        return if f == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    f * rate.ln() - rate - ln_factorial_in(table, f)
}

/// `count` times `ln_p`, 0 for none (so that a probability 0 of nothing is 1).
pub(super) fn times(count: f64, ln_p: f64) -> f64 {
    if count == 0.0 {
        0.0
    } else {
        count * ln_p
    }
}

/// One sample's figures as the sums use them: the chances that a unit is
/// missed, counted once or counted twice, the mean number of false
/// positives, their logarithms and the constants of the neighbour ratios.
/// A column of samples that share p, false_positives and p_double builds it
/// once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Chances {
    p: f64,
    false_positives: f64,
    p_double: f64,
    missed: f64,
    once: f64,
    twice: f64,
    /// A unit counted once given that it is not counted twice.
    once_if_not_twice: f64,
    ln_twice: f64,
    ln_not_twice: f64,
    ln_once_if_not_twice: f64,
    ln_missed_if_not_twice: f64,
    ln_false_positives: f64,
    /// One false positive more for one unit counted once fewer (missed instead).
    fp_for_once: f64,
    /// One unit counted twice and one missed for two counted once.
    twice_for_two_once: f64,
}

impl Chances {
    /// The chances of valid figures (see [`check_row`]).
    pub(crate) fn new(p: f64, false_positives: f64, p_double: f64) -> Chances {
        let twice = p * p_double;
        // Given b counted twice, each other unit is counted once with this.
        let once_if_not_twice = if twice < 1.0 {
            (p * (1.0 - p_double) / (1.0 - twice)).min(1.0)
        } else {
            0.0
        };
        let (missed, once) = (1.0 - p, p * (1.0 - p_double));
        Chances {
            p,
            false_positives,
            p_double,
            missed,
            once,
            twice,
            once_if_not_twice,
            ln_twice: twice.ln(),
            ln_not_twice: (-twice).ln_1p(),
            ln_once_if_not_twice: once_if_not_twice.ln(),
            ln_missed_if_not_twice: (-once_if_not_twice).ln_1p(),
            ln_false_positives: false_positives.ln(),
            fp_for_once: false_positives * missed / once,
            twice_for_two_once: twice * missed / (once * once),
        }
    }

    /// The figures it was built from: p, false_positives, p_double.
    pub(crate) fn figures(&self) -> [f64; 3] {
        [self.p, self.false_positives, self.p_double]
    }

    /// ln P(b counted twice, a = k - 2b - f once, f false positives).
    fn ln_term(&self, table: &[f64], k: f64, n: f64, b: f64, f: f64) -> f64 {
        let a = k - 2.0 * b - f;
        let missed = n - a - b;
        let lf = |x: f64| ln_factorial_from(table, x);
        let rate = self.false_positives;
        let poisson = match rate {
            0.0 => 0.0,
            _ => f * self.ln_false_positives - rate - lf(f),
        };
        lf(n) - lf(b) - lf(a) - lf(missed)
            + times(b, self.ln_twice)
            + times(n - b, self.ln_not_twice)
            + times(a, self.ln_once_if_not_twice)
            + times(missed, self.ln_missed_if_not_twice)
            + poisson
    }
}

/// The double sum of the module docs for one count `k` of `n` units.
struct Splits<'a> {
    table: &'a [f64],
    k: f64,
    n: f64,
    c: &'a Chances,
}

impl Splits<'_> {
    /// The false positives f that b double counts leave possible: 0..=n - b
    /// units counted once, and none where their chance is 0.
    fn false_positives_with(&self, b: f64) -> (f64, f64) {
        let (k, n, c) = (self.k, self.n, self.c);
        let mut lo = (k - n - b).max(0.0);
        let mut hi = k - 2.0 * b;
        if c.false_positives == 0.0 {
            hi = hi.min(0.0);
        }
        if c.once == 0.0 {
            lo = lo.max(k - 2.0 * b);
        }
        if c.missed == 0.0 {
            hi = hi.min(k - n - b);
        }
        (lo, hi)
    }

    /// The double counts b with some false positives possible (a range, as
    /// each bound of [`Self::false_positives_with`] is linear in b).
    fn double_counts(&self) -> (f64, f64) {
        let (k, n, c) = (self.k, self.n, self.c);
        if c.twice == 0.0 {
            return (
                0.0,
                if c.missed == 0.0 {
                    (k - n).min(0.0)
                } else {
                    0.0
                },
            );
        }
        let (mut lo, mut hi) = (0.0f64, n.min((k / 2.0).floor()));
        if c.missed == 0.0 {
            hi = hi.min(k - n);
        }
        if c.false_positives == 0.0 {
            lo = lo.max(k - n);
            if c.once == 0.0 {
                lo = lo.max((k / 2.0).ceil());
            }
        }
        if c.once == 0.0 && c.missed == 0.0 {
            lo = lo.max(n);
        }
        (lo, hi)
    }

    /// Term(b, f + 1) / term(b, f).
    fn one_more_false_positive(&self, b: f64, f: f64) -> f64 {
        let a = self.k - 2.0 * b - f;
        a / (self.n - a - b + 1.0) * self.c.fp_for_once / (f + 1.0)
    }

    /// Term(b, f - 1) / term(b, f).
    fn one_fewer_false_positive(&self, b: f64, f: f64) -> f64 {
        let a = self.k - 2.0 * b - f;
        (self.n - a - b) / (a + 1.0) * f / self.c.fp_for_once
    }

    /// Term(b + 1, f) / term(b, f).
    fn one_more_double_count(&self, b: f64, f: f64) -> f64 {
        let a = self.k - 2.0 * b - f;
        a * (a - 1.0) / ((b + 1.0) * (self.n - a - b + 1.0)) * self.c.twice_for_two_once
    }

    /// Term(b - 1, f) / term(b, f).
    fn one_fewer_double_count(&self, b: f64, f: f64) -> f64 {
        let a = self.k - 2.0 * b - f;
        b * (self.n - a - b) / ((a + 1.0) * (a + 2.0)) / self.c.twice_for_two_once
    }

    /// Σ_f term(b, f) given one term (f, t) of it: the sum, and its largest
    /// term (f, t) as a start for the next b.
    fn over_false_positives(&self, b: f64, f: f64, t: f64) -> (f64, f64, f64) {
        let (lo, hi) = self.false_positives_with(b);
        let (mut peak, mut top) = (f, t);
        while peak < hi {
            let r = self.one_more_false_positive(b, peak);
            if r <= 1.0 {
                break;
            }
            (peak, top) = (peak + 1.0, top * r);
        }
        while peak > lo {
            let r = self.one_fewer_false_positive(b, peak);
            if r <= 1.0 {
                break;
            }
            (peak, top) = (peak - 1.0, top * r);
        }
        let mut sum = top;
        // Ratios only fall away from the peak: the rest is below t r / (1 - r).
        let (mut f, mut t) = (peak, top);
        while f < hi {
            let r = self.one_more_false_positive(b, f);
            (f, t) = (f + 1.0, t * r);
            sum += t;
            if t * r < NEGLIGIBLE * sum * (1.0 - r) {
                break;
            }
        }
        let (mut f, mut t) = (peak, top);
        while f > lo {
            let r = self.one_fewer_false_positive(b, f);
            (f, t) = (f - 1.0, t * r);
            sum += t;
            if t * r < NEGLIGIBLE * sum * (1.0 - r) {
                break;
            }
        }
        (sum, peak, top)
    }

    /// ln Σ_b Σ_f term(b, f).
    fn ln_total(&self) -> f64 {
        let (k, n, c) = (self.k, self.n, self.c);
        let (b_lo, b_hi) = self.double_counts();
        if b_lo > b_hi {
            return f64::NEG_INFINITY;
        }
        // Start near the mass: each source's share of the expected count.
        let expected = n * (c.once + 2.0 * c.twice) + c.false_positives;
        let b0 = match expected > 0.0 {
            true => (n * c.twice * k / expected).round().clamp(b_lo, b_hi),
            false => b_lo,
        };
        let (f_lo, f_hi) = self.false_positives_with(b0);
        let rest = k - 2.0 * b0;
        let f0 = match c.false_positives {
            0.0 => f_lo,
            rate => (rest * rate / (rate + (n - b0) * c.once_if_not_twice)).round(),
        }
        .clamp(f_lo, f_hi);
        // Every term is kept as a multiple of e^scale.
        let mut scale = c.ln_term(self.table, k, n, b0, f0);
        // (f, term, P(b0 counted twice)) at the start, as multiples of e^scale.
        let ln_twice = binomial_log_pmf_from(self.table, b0, n, c.twice);
        let mut start = (f0, 1.0, (ln_twice - scale).exp());
        let mut total = 0.0;
        for up in [true, false] {
            let (mut b, (mut f, mut t, mut twice)) = (b0, start);
            let mut last = f64::NAN;
            if !up {
                // b0 is summed: start one below it.
                if b <= b_lo {
                    break;
                }
                (f, t, twice) = self.step(b, f, t, twice, false);
                b -= 1.0;
            }
            loop {
                let (sum, peak, top) = self.over_false_positives(b, f, t);
                total += sum;
                if b == b0 {
                    (start.0, start.1) = (peak, top);
                }
                let ratio = sum / last;
                (last, f, t) = (sum, peak, top);
                let next = if up { b + 1.0 } else { b - 1.0 };
                if !(b_lo..=b_hi).contains(&next) {
                    break;
                }
                // Past the binomial's mode, P(b counted twice) bounds each
                // further term: the rest is below twice r / (1 - r).
                let r = self.twice_ratio(b, up);
                let binomial_rest = r < 1.0 && twice * r < NEGLIGIBLE * total * (1.0 - r);
                let sums_rest = ratio < 1.0 && sum * ratio < NEGLIGIBLE * total * (1.0 - ratio);
                if binomial_rest || sums_rest {
                    break;
                }
                if top > RESCALE_ABOVE {
                    scale += top.ln();
                    (t, total, last, twice) = (t / top, total / top, last / top, twice / top);
                    (start.1, start.2) = (start.1 / top, start.2 / top);
                }
                (f, t, twice) = self.step(b, f, t, twice, up);
                b = next;
            }
        }
        scale + total.ln()
    }

    /// P(b ± 1 counted twice) / P(b counted twice).
    fn twice_ratio(&self, b: f64, up: bool) -> f64 {
        let (n, twice) = (self.n, self.c.twice);
        match up {
            true => (n - b) / (b + 1.0) * twice / (1.0 - twice),
            false => b / (n - b + 1.0) * (1.0 - twice) / twice,
        }
    }

    /// From the term t at (b, f), with P(b counted twice) as `twice`, to a
    /// term of b ± 1 and P(b ± 1 counted twice): at the same f by their
    /// ratio where that f is possible, else evaluated afresh at the nearest
    /// possible f.
    fn step(&self, b: f64, f: f64, t: f64, twice: f64, up: bool) -> (f64, f64, f64) {
        let next = if up { b + 1.0 } else { b - 1.0 };
        let twice_next = twice * self.twice_ratio(b, up);
        let (lo, hi) = self.false_positives_with(next);
        if (lo..=hi).contains(&f) {
            let r = match up {
                true => self.one_more_double_count(b, f),
                false => self.one_fewer_double_count(b, f),
            };
            return (f, t * r, twice_next);
        }
        let (table, k, n) = (self.table, self.k, self.n);
        let there = f.clamp(lo, hi);
        let ratio = self.c.ln_term(table, k, n, next, there) - self.c.ln_term(table, k, n, b, f);
        (there, t * ratio.exp(), twice_next)
    }
}

/// ln P(K = k) for the count of an image survey (see the module docs):
/// `n` units, detection probability `p`, mean false positives
/// `false_positives`, probability `p_double` that a detected unit is
/// counted twice. The arguments must be valid (whole k and n >= 0, p and
/// p_double in [0, 1], false_positives finite and >= 0).
pub fn image_count_log_pmf(k: f64, n: f64, p: f64, false_positives: f64, p_double: f64) -> f64 {
    let chances = Chances::new(p, false_positives, p_double);
    row_log_pmf(ln_factorial_table(), k, n, &chances)
}

/// ln P(k) for one row of valid figures by the path a chunk of rows takes
/// for it, to the bit: the generating function's recurrence where it suits
/// ([`image_recurrence`]), else the row's own sum.
pub(super) fn row_log_pmf(table: &[f64], k: f64, n: f64, c: &Chances) -> f64 {
    let [p, lambda, d] = c.figures();
    if !image_recurrence::suits(k, n, p, lambda, d) {
        return image_count_log_pmf_from(table, k, n, c);
    }
    // Lanes are independent: a row in one lane of its own gets its bits.
    let [got] = image_recurrence::ln_pmfs(table, k, &[[n], [p], [lambda], [d]]);
    match got.is_nan() {
        true => image_count_log_pmf_from(table, k, n, c),
        false => got,
    }
}

/// [`image_count_log_pmf`] with the table of ln factorials and one
/// sample's [`Chances`] at hand.
pub(crate) fn image_count_log_pmf_from(table: &[f64], k: f64, n: f64, c: &Chances) -> f64 {
    if c.twice == 0.0 && c.false_positives == 0.0 {
        // `count`'s binomial, the same bits.
        return match k > n {
            true => f64::NEG_INFINITY,
            false => binomial_log_pmf_from(table, k, n, c.p),
        };
    }
    Splits { table, k, n, c }.ln_total()
}

/// Counts up to this share their units' law across a chunk's rows (see
/// [`log_pmfs_sharing_units`]); above it each row sums its own terms.
const MAX_K_SHARED: f64 = 1024.0;

/// A chunk's rows share a units' law per number of units when the table of
/// them holds at most this many entries a row (its building costs a few
/// nanoseconds an entry).
pub(super) const SHARED_ENTRIES_PER_ROW: usize = 16;

/// Above this largest mean of false positives in a chunk, each row sums its
/// own terms (the polynomial's coefficients would grow like e^mean).
const MAX_SHARED_FALSE_POSITIVES: f64 = 500.0;

/// ln P(k) for every row of a chunk whose `p` and `p_double` are the same
/// in every row but whose false positives vary (an uncertain rate), or
/// None where that does not hold (or a row's figures are not valid: the
/// row-by-row loop reports them). `cols` are n, p, false_positives,
/// p_double; `out` one log-likelihood a row.
///
/// The count is the units' count Y (a law of n, p and p_double alone) plus
/// Poisson false positives of mean λ, so
///
/// ```text
/// P(k) = e^-λ Σ_j P(Y = k - j) λ^j / j! = e^-λ Σ_j c_j(n) (λ/s)^j,
/// c_j(n) = P(Y = k - j) s^j / j!
/// ```
///
/// a polynomial in λ/s (s: the chunk's largest λ, so that λ/s <= 1) whose
/// coefficients depend on the number of units only. Each number of units
/// in the chunk's range gets its coefficients once (Y's law for n + 1 units
/// is that for n convolved with one unit's (missed, once, twice)), and a
/// row costs k + 1 multiply-adds and a logarithm: exact, not approximated,
/// all terms positive (so rounding stays near k·1e-16 of the result). A
/// coefficient too small for f64 (below about 1e-300) is lost; with λ/s <=
/// 1 the loss is below (k + 1)·1e-300, so a row whose sum is not far above
/// that (a likelihood below about e^-λ·1e-277), or whose false positives
/// are none (`count`'s bits when p_double is 0), is summed term by term.
pub(crate) fn log_pmfs_sharing_units(
    table: &[f64],
    k: f64,
    cols: &[&[f64]],
    out: &mut [f64],
) -> Option<()> {
    let rows = out.len();
    let [p, d] = shared_figures(k, cols, rows, [1, 3])?;
    if !(a_chance(p) && a_chance(d)) {
        return None;
    }
    let (fewest, most) = units_range(&cols[0][..rows])?;
    let largest_rate = largest_within(&cols[2][..rows], MAX_SHARED_FALSE_POSITIVES)?;
    let len = k as usize + 1;
    // Coefficients padded to whole groups of four for the sum's four lanes.
    let width = len.div_ceil(4) * 4;
    let numbers = (most - fewest) as usize + 1;
    if largest_rate == 0.0 || numbers * width > SHARED_ENTRIES_PER_ROW * rows {
        return None;
    }
    let s = largest_rate;
    let mut poisson = vec![1.0; len];
    for j in 1..len {
        poisson[j] = poisson[j - 1] * s / j as f64;
    }
    let mut coefficients = vec![0.0; numbers * width];
    let mut units = units_pmf_upto(table, len, fewest, p, d);
    let (missed, once, twice) = (1.0 - p, p * (1.0 - d), p * d);
    for row in coefficients.chunks_exact_mut(width) {
        for (j, c) in row[..len].iter_mut().enumerate() {
            *c = units[len - 1 - j] * poisson[j];
        }
        // One unit more: Y(n + 1) = Y(n) + (0, 1 or 2).
        for y in (0..len).rev() {
            let mut next = missed * units[y];
            if y >= 1 {
                next += once * units[y - 1];
            }
            if y >= 2 {
                next += twice * units[y - 2];
            }
            units[y] = next;
        }
    }
    let ln_floor = ((k + 1.0) * 1e-280).ln();
    let per_s = 1.0 / s;
    // No false positives: summed term by term (NaN here).
    let u: Vec<f64> = (cols[2][..rows].iter())
        .map(|&rate| if rate > 0.0 { rate * per_s } else { f64::NAN })
        .collect();
    SharedTable::new(&coefficients, width, fewest).ln_polynomials(&cols[0][..rows], &u, out);
    for ((o, &n), &rate) in out.iter_mut().zip(cols[0]).zip(cols[2]) {
        let ln_sum = *o;
        *o = if ln_sum >= ln_floor {
            ln_sum - rate
        } else {
            row_log_pmf(table, k, n, &Chances::new(p, rate, d))
        };
    }
    Some(())
}

/// How many of one number of units' coefficients (a whole number of
/// groups of four) a polynomial in u <= 1 needs: past the largest, c_M, the
/// last ones go while their sum stays below 1e-17 of c_M. For u <= 1 each
/// u^j, j > M, is at most u^M, so what goes is below 1e-17 of c_M u^M, a
/// term of the sum: the sum is unchanged to 1e-17 of itself, for every u.
fn needed(coefficients: &[f64]) -> usize {
    let (mut top, mut largest) = (0, 0.0);
    for (j, &c) in coefficients.iter().enumerate() {
        if c > largest {
            (top, largest) = (j, c);
        }
    }
    let (mut end, mut rest) = (coefficients.len(), 0.0);
    while end > top + 1 && rest + coefficients[end - 1] <= NEGLIGIBLE * largest {
        rest += coefficients[end - 1];
        end -= 1;
    }
    end.div_ceil(4) * 4
}

/// Σ_j c_j u^j for coefficients padded to groups of four: four Horner
/// chains in u^4 (one would wait on each multiply-add in turn).
#[cfg(test)]
fn polynomial(coefficients: &[f64], u: f64) -> f64 {
    polynomials(coefficients, [(0, u); 4], coefficients.len() / 4)[0]
}

/// [`polynomial`] for four rows at once, each of `groups` groups of four
/// coefficients from its start in `table` and its own u: their sixteen
/// chains keep the multipliers busy (one row's four would wait on each
/// multiply-add in turn).
#[inline(always)]
fn polynomials(table: &[f64], rows: [(usize, f64); 4], groups: usize) -> [f64; 4] {
    let (mut u, mut u2, mut u4) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    let mut t: [&[f64]; 4] = [&[]; 4];
    for (r, &(start, x)) in rows.iter().enumerate() {
        (u[r], u2[r]) = (x, x * x);
        u4[r] = u2[r] * u2[r];
        t[r] = &table[start..start + 4 * groups];
    }
    // Zipped groups of exactly four: no index to check between the lanes.
    let together = (t[0].chunks_exact(4).rev())
        .zip(t[1].chunks_exact(4).rev())
        .zip(t[2].chunks_exact(4).rev())
        .zip(t[3].chunks_exact(4).rev());
    let mut lanes = [[0.0; 4]; 4];
    for (((c0, c1), c2), c3) in together {
        for (r, c) in [c0, c1, c2, c3].into_iter().enumerate() {
            for i in 0..4 {
                lanes[r][i] = lanes[r][i] * u4[r] + c[i];
            }
        }
    }
    let mut sums = [0.0; 4];
    for (r, [a, b, c, d]) in lanes.into_iter().enumerate() {
        sums[r] = (a + u[r] * b) + u2[r] * (c + u[r] * d);
    }
    sums
}

/// Rows a chunk's shared tables take at a time: sixteen lanes reading one
/// table row, or four polynomials in step, four times over; then one lane
/// of logarithms.
const BLOCK: usize = 16;

/// One row's polynomial in a chunk's table: where its coefficients start,
/// how many it needs (none: an empty sum), and its u. Each row of the
/// table holds at least as many as any row needs.
type TableRow = (usize, usize, f64);

/// A chunk's table of polynomial coefficients, `width` (a whole number of
/// groups of four) for each number of units from `fewest` on.
pub(super) struct SharedTable<'a> {
    coefficients: &'a [f64],
    width: usize,
    fewest: f64,
    /// How many of each number of units' coefficients a sum needs.
    used: Vec<usize>,
}

impl SharedTable<'_> {
    pub(super) fn new(coefficients: &[f64], width: usize, fewest: f64) -> SharedTable<'_> {
        let used = coefficients.chunks_exact(width).map(needed).collect();
        SharedTable {
            coefficients,
            width,
            fewest,
            used,
        }
    }

    /// ln Σ_j c_j(n) u^j for each row's units n (in the table's range) and
    /// its u (NaN: not summed here, NaN out).
    ///
    /// Rows with the same units go [`BLOCK`] at a time through
    /// [`ln_one_polynomial`]: every lane reads the same coefficient, so the
    /// lanes are one vector. The rest (fewer than a block per number of
    /// units) go through [`ln_mixed_polynomials`], each lane reading its own.
    pub(super) fn ln_polynomials(&self, units: &[f64], u: &[f64], out: &mut [f64]) {
        let mut waiting = vec![([0u32; BLOCK], 0usize); self.used.len()];
        for (r, (&n, &x)) in units.iter().zip(u).enumerate() {
            if x.is_nan() {
                out[r] = f64::NAN;
                continue;
            }
            let i = (n - self.fewest) as usize;
            let (block, filled) = &mut waiting[i];
            block[*filled] = r as u32;
            *filled += 1;
            if *filled == BLOCK {
                *filled = 0;
                let start = i * self.width;
                let coefficients = &self.coefficients[start..start + self.used[i]];
                let ln = ln_one_polynomial(coefficients, &block.map(|r| u[r as usize]));
                for (&r, ln) in block.iter().zip(ln) {
                    out[r as usize] = ln;
                }
            }
        }
        let (mut rows, mut at) = (vec![], vec![]);
        for (i, (block, filled)) in waiting.iter().enumerate() {
            for &r in &block[..*filled] {
                rows.push((i * self.width, self.used[i], u[r as usize]));
                at.push(r as usize);
            }
        }
        let mut ln = vec![0.0; rows.len()];
        ln_mixed_polynomials(self.coefficients, &rows, &mut ln);
        for (r, ln) in at.into_iter().zip(ln) {
            out[r] = ln;
        }
    }
}

in_widest_vectors! {
    /// ln Σ_j c_j u^j for [`BLOCK`] values of u and one polynomial (a
    /// whole number of groups of four coefficients, at least one).
    fn ln_one_polynomial / ln_one_polynomial_avx512 / ln_one_polynomial_avx2
        (coefficients: &[f64], u: &[f64; BLOCK]) -> [f64; BLOCK]
        => ln_one_polynomial_in_lanes
}

/// [`polynomials`]' arithmetic, lane by lane (the same bits for the same
/// coefficients), with every lane reading the same ones.
#[inline(always)]
fn ln_one_polynomial_in_lanes(coefficients: &[f64], u: &[f64; BLOCK]) -> [f64; BLOCK] {
    let u2: [f64; BLOCK] = lanes(|l| u[l] * u[l]);
    let u4: [f64; BLOCK] = lanes(|l| u2[l] * u2[l]);
    let mut chains = [[0.0; BLOCK]; 4];
    for c in coefficients.chunks_exact(4).rev() {
        for (chain, &c) in chains.iter_mut().zip(c) {
            *chain = lanes(|l| chain[l] * u4[l] + c);
        }
    }
    let [a, b, c, d] = chains;
    lane_ln::ln(lanes(|l| {
        (a[l] + u[l] * b[l]) + u2[l] * (c[l] + u[l] * d[l])
    }))
}

in_widest_vectors! {
    /// ln Σ_j c_j u^j for each row of a chunk, [`BLOCK`] rows at a time
    /// (an empty sum's ln is -inf).
    fn ln_mixed_polynomials / ln_mixed_polynomials_avx512 / ln_mixed_polynomials_avx2
        (table: &[f64], rows: &[TableRow], out: &mut [f64]) -> ()
        => ln_polynomials_in_blocks
}

#[inline(always)]
fn ln_polynomials_in_blocks(table: &[f64], rows: &[TableRow], out: &mut [f64]) {
    for (block, rows) in out.chunks_mut(BLOCK).zip(rows.chunks(BLOCK)) {
        // The block's rows take as many groups as the longest needs (a
        // shorter row's next coefficients are its own, smaller still).
        let mut groups = 0;
        for &(_, len, _) in rows {
            groups = groups.max(len / 4);
        }
        let mut sums = [0.0; BLOCK];
        for (g, group) in rows.chunks(4).enumerate() {
            let mut four = [(0, 0.0); 4];
            for (row, &(start, _, u)) in four.iter_mut().zip(group) {
                *row = (start, u);
            }
            let values = polynomials(table, four, groups);
            for (r, &(_, len, _)) in group.iter().enumerate() {
                sums[4 * g + r] = if len == 0 { 0.0 } else { values[r] };
            }
        }
        let ln = lane_ln::ln(sums);
        block.copy_from_slice(&ln[..block.len()]);
    }
}

in_widest_vectors! {
    /// ln(1 - p) for each p of a chunk, [`BLOCK`] at a time.
    pub(super) fn ln_missed_each / ln_missed_each_avx512 / ln_missed_each_avx2
        (p: &[f64], out: &mut [f64]) -> ()
        => ln_missed_in_blocks
}

#[inline(always)]
fn ln_missed_in_blocks(p: &[f64], out: &mut [f64]) {
    for (block, p) in out.chunks_mut(BLOCK).zip(p.chunks(BLOCK)) {
        let mut ps = [0.0; BLOCK];
        ps[..p.len()].copy_from_slice(p);
        let ln = lane_ln::ln_missed(ps);
        block.copy_from_slice(&ln[..block.len()]);
    }
}

/// A chunk whose `p` varies shares the chances of what m seen units give
/// when the table of them (about len² steps at most, len = k + 1) is at most
/// this many steps a row.
const SEEN_STEPS_PER_ROW: usize = 512;

/// ln h_m for m = 0..len, h_m = P(m + Binomial(m, d) + Poisson(λ) = k): the
/// chance that m seen units (each adding 1, or 2 with `d`) and the false
/// positives give the count k. Each is a sum over the double counts b of
/// terms log-concave in b (a binomial times a Poisson read backwards), so
/// it is summed from its largest term outward, by ratios, in one log.
fn ln_seen_units_give(table: &[f64], k: f64, len: usize, lambda: f64, d: f64) -> Vec<f64> {
    let lf = |x: f64| ln_factorial_from(table, x);
    let (ln_d, ln_not_d) = (d.ln(), (-d).ln_1p());
    let ln_term = |m: f64, b: f64| {
        let f = k - m - b;
        let poisson = match lambda {
            0.0 => 0.0,
            _ => f * lambda.ln() - lambda - lf(f),
        };
        lf(m) - lf(b) - lf(m - b) + times(b, ln_d) + times(m - b, ln_not_d) + poisson
    };
    // Term(b + 1) / term(b) = (m - b)(k - m - b) / (b + 1) · c.
    let c = d / ((1.0 - d) * lambda);
    (0..len)
        .map(|m| {
            let m = m as f64;
            let (mut lo, mut hi) = (0.0f64, m.min(k - m));
            if lambda == 0.0 {
                (lo, hi) = (lo.max(k - m), hi.min(k - m));
            }
            if d == 0.0 {
                hi = hi.min(0.0);
            }
            if d == 1.0 {
                lo = lo.max(m);
            }
            if lo > hi {
                return f64::NEG_INFINITY;
            }
            if lo == hi {
                return ln_term(m, lo);
            }
            // Here 0 < d < 1 and λ > 0. Start at the root of ratio = 1 (a
            // quadratic in b), then step to the largest term.
            let up = |b: f64| (m - b) * (k - m - b) / (b + 1.0) * c;
            let (half_b, tail) = (k + 1.0 / c, m * (k - m) - 1.0 / c);
            let root = 2.0 * tail / (half_b + (half_b * half_b - 4.0 * tail).max(0.0).sqrt());
            let mut mode = root.floor().clamp(lo, hi);
            while mode < hi && up(mode) > 1.0 {
                mode += 1.0;
            }
            while mode > lo && up(mode - 1.0) < 1.0 {
                mode -= 1.0;
            }
            // Ratios only fall away from the largest term: the rest is below t r / (1 - r).
            let mut sum = 1.0;
            let (mut b, mut t) = (mode, 1.0);
            while b < hi {
                let r = up(b);
                (b, t) = (b + 1.0, t * r);
                sum += t;
                if t * r < NEGLIGIBLE * sum * (1.0 - r) {
                    break;
                }
            }
            let (mut b, mut t) = (mode, 1.0);
            while b > lo {
                let r = 1.0 / up(b - 1.0);
                (b, t) = (b - 1.0, t * r);
                sum += t;
                if t * r < NEGLIGIBLE * sum * (1.0 - r) {
                    break;
                }
            }
            ln_term(m, mode) + sum.ln()
        })
        .collect()
}

/// ln P(k) for every row of a chunk whose `p_double` and false positives
/// are the same in every row but whose `p` varies (an uncertain chance of
/// seeing a unit), or None where that does not hold (or a figure is not
/// valid: the row-by-row loop reports it). `cols` are n, p,
/// false_positives, p_double; `out` one log-likelihood a row.
///
/// The units seen M are Binomial(n, p), and the count given M = m is m plus
/// the m seen units' double counts plus the false positives, whose chance
/// h_m of giving k depends on neither n nor p. So with r = p / (1 - p) and
/// s the chunk's largest r,
///
/// ```text
/// P(k) = (1 - p)^n Σ_m C(n, m) r^m h_m = (1 - p)^n Σ_m a_m(n) (r/s)^m,
/// a_m(n) = C(n, m) s^m h_m
/// ```
///
/// a polynomial in r/s <= 1 whose coefficients depend on the number of
/// units only. The chunk tabulates h_0..h_k once (see
/// [`ln_seen_units_give`]) and each number of units' coefficients in logs,
/// scaled by their largest; a row costs k + 1 multiply-adds and two
/// logarithms: exact, all terms positive. As in [`log_pmfs_sharing_units`],
/// coefficients below 1e-300 of the largest are lost, so a row whose sum is
/// not far above (k + 1)·1e-300, or whose p is 0 or 1, is summed term by
/// term. Chunks with neither false positives nor double counts are
/// `count`'s binomial and stay so, to the bit.
pub(crate) fn log_pmfs_sharing_seen_units(
    table: &[f64],
    k: f64,
    cols: &[&[f64]],
    out: &mut [f64],
) -> Option<()> {
    let rows = out.len();
    let [lambda, d] = shared_figures(k, cols, rows, [2, 3])?;
    if !(a_rate(lambda) && a_chance(d)) || (lambda == 0.0 && d == 0.0) {
        return None;
    }
    let (fewest, most) = units_range(&cols[0][..rows])?;
    let largest_odds = largest_odds(&cols[1][..rows])?;
    let len = (k as usize).min(most as usize) + 1;
    let width = len.div_ceil(4) * 4;
    let numbers = (most - fewest) as usize + 1;
    let pays =
        numbers * width <= SHARED_ENTRIES_PER_ROW * rows && len * len <= SEEN_STEPS_PER_ROW * rows;
    if largest_odds == 0.0 || !pays {
        return None;
    }
    let s = largest_odds;
    let ln_s = s.ln();
    // ln h_m s^m, then each number of units' ln C(n, m) h_m s^m, scaled.
    let mut ln_seen = ln_seen_units_give(table, k, len, lambda, d);
    for (m, x) in ln_seen.iter_mut().enumerate() {
        *x += m as f64 * ln_s;
    }
    let lf = |x: f64| ln_factorial_from(table, x);
    let mut coefficients = vec![0.0; numbers * width];
    let mut scales = vec![f64::NEG_INFINITY; numbers];
    for ((i, row), scale) in coefficients
        .chunks_exact_mut(width)
        .enumerate()
        .zip(&mut scales)
    {
        let n = fewest + i as f64;
        let upto = len.min(n as usize + 1);
        for (m, c) in row[..upto].iter_mut().enumerate() {
            let m = m as f64;
            *c = lf(n) - lf(m) - lf(n - m) + ln_seen[m as usize];
        }
        *scale = row[..upto]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        for c in &mut row[..upto] {
            let x = (*c - *scale).exp();
            // Below 1e-300 of the largest: lost, as the floor below allows.
            *c = if x >= 1e-300 { x } else { 0.0 };
        }
    }
    let ln_floor = ((k + 1.0) * 1e-280).ln();
    let per_s = 1.0 / s;
    // p of 0 or 1: summed term by term (NaN here). Without branches: the
    // loop is vectors.
    let (units, p) = (&cols[0][..rows], &cols[1][..rows]);
    let mut u = vec![0.0; rows];
    for (u, &p) in u.iter_mut().zip(p) {
        let odds = p / (1.0 - p) * per_s;
        *u = if (p > 0.0) & (p < 1.0) {
            odds
        } else {
            f64::NAN
        };
    }
    SharedTable::new(&coefficients, width, fewest).ln_polynomials(units, &u, out);
    let mut ln_missed = vec![0.0; rows];
    ln_missed_each(p, &mut ln_missed);
    let mut own_terms = vec![];
    for (r, ((o, &n), &ln_missed)) in out.iter_mut().zip(units).zip(&ln_missed).enumerate() {
        let ln_sum = *o;
        *o = times(n, ln_missed) + scales[(n - fewest) as usize] + ln_sum;
        let above_floor = ln_sum >= ln_floor;
        if !above_floor {
            own_terms.push(r);
        }
    }
    for r in own_terms {
        out[r] = row_log_pmf(table, k, units[r], &Chances::new(p[r], lambda, d));
    }
    Some(())
}

/// P(K <= k) for the count of [`image_count_log_pmf`], to about 1e-12: the
/// sums over false positives and double counts run over their laws' mass
/// (a probability, so its tails can be cut in absolute terms).
pub fn image_count_cdf(k: f64, n: f64, p: f64, false_positives: f64, p_double: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    if k <= MAX_K_BY_VECTORS {
        return cdf_by_vectors(k as usize, n, p, false_positives, p_double);
    }
    cdf_by_terms(k, n, p, false_positives, p_double)
}

/// [`image_count_cdf`] term by term: each (double counts, false positives)
/// pair within 12 sds of its law's mean, with the binomial CDF of the rest.
fn cdf_by_terms(k: f64, n: f64, p: f64, false_positives: f64, p_double: f64) -> f64 {
    let table = ln_factorial_table();
    let lambda = false_positives;
    let p_twice = p * p_double;
    let q = if p_twice < 1.0 {
        (p * (1.0 - p_double) / (1.0 - p_twice)).min(1.0)
    } else {
        0.0
    };
    let spread = |mean: f64, var: f64| (mean + 12.0 * var.sqrt() + 12.0).ceil();
    let b_hi = n
        .min(spread(n * p_twice, n * p_twice))
        .min((k / 2.0).floor());
    let b_lo = (n * p_twice - 12.0 * (n * p_twice).sqrt() - 12.0)
        .floor()
        .max(0.0);
    let f_hi = spread(lambda, lambda).min(k);
    let mut total = 0.0;
    let mut b = b_lo;
    while b <= b_hi {
        let weight_b = binomial_log_pmf_from(table, b, n, p_twice).exp();
        if let Ok(once) = Binomial::new(n - b, q) {
            let mut f = 0.0;
            while f <= f_hi {
                let rest = k - 2.0 * b - f;
                let weight = weight_b * poisson_log_pmf(table, f, lambda).exp();
                if rest >= 0.0 && weight > 0.0 {
                    total += weight * once.cdf(rest);
                }
                f += 1.0;
            }
        }
        b += 1.0;
    }
    total.min(1.0)
}

/// Counts up to this are summed as whole laws (vectors of their pmf); above
/// it, term by term over their mass.
const MAX_K_BY_VECTORS: f64 = 4096.0;

/// The pmf of a law over 0..len, from its log-pmf at `start` and the ratios
/// `next(j)` = pmf(j + 1) / pmf(j): no logs but the one. Terms below the
/// start divide by the ratio, which is positive there.
fn pmf_by_ratios(
    len: usize,
    start: usize,
    ln_at_start: f64,
    next: impl Fn(f64) -> f64,
) -> Vec<f64> {
    let mut v = vec![0.0; len];
    if start >= len {
        return v;
    }
    v[start] = ln_at_start.exp();
    for j in start + 1..len {
        v[j] = v[j - 1] * next((j - 1) as f64);
    }
    for j in (0..start).rev() {
        v[j] = v[j + 1] / next(j as f64);
    }
    v
}

/// Poisson(λ) pmf over 0..len, from its mode (all its mass at 0 for λ = 0).
pub(super) fn poisson_pmf_upto(table: &[f64], len: usize, lambda: f64) -> Vec<f64> {
    if lambda == 0.0 {
        let mut v = vec![0.0; len];
        v[0] = 1.0;
        return v;
    }
    let mode = lambda.floor().min(len as f64 - 1.0);
    let ln_at = poisson_log_pmf(table, mode, lambda);
    pmf_by_ratios(len, mode as usize, ln_at, |j| lambda / (j + 1.0))
}

/// Binomial(n, p) pmf over 0..len (0 past n), from its mode.
pub(super) fn binomial_pmf_upto(table: &[f64], len: usize, n: f64, p: f64) -> Vec<f64> {
    let mut v = vec![0.0; len];
    if p <= 0.0 || p >= 1.0 {
        let at = if p <= 0.0 { 0.0 } else { n };
        if at < len as f64 {
            v[at as usize] = 1.0;
        }
        return v;
    }
    let top = n.min(len as f64 - 1.0);
    let mode = ((n + 1.0) * p).floor().min(top);
    let odds = p / (1.0 - p);
    let head = pmf_by_ratios(
        top as usize + 1,
        mode as usize,
        binomial_log_pmf_from(table, mode, n, p),
        |j| (n - j) / (j + 1.0) * odds,
    );
    v[..head.len()].copy_from_slice(&head);
    v
}

/// The law of the units' count A + 2B (B double counts, A single ones
/// given B) over 0..len: a vector per double count with mass.
fn units_pmf_upto(table: &[f64], len: usize, n: f64, p: f64, d: f64) -> Vec<f64> {
    let p_twice = p * d;
    let q = if p_twice < 1.0 {
        (p * (1.0 - d) / (1.0 - p_twice)).min(1.0)
    } else {
        0.0
    };
    let doubles = binomial_pmf_upto(table, (len - 1) / 2 + 1, n, p_twice);
    let mut units = vec![0.0; len];
    for (b, &weight) in doubles.iter().enumerate() {
        // Terms below 1e-300 cannot move a probability.
        if weight < 1e-300 {
            continue;
        }
        let once = binomial_pmf_upto(table, len - 2 * b, n - b as f64, q);
        for (a, &pa) in once.iter().enumerate() {
            units[a + 2 * b] += weight * pa;
        }
    }
    units
}

/// [`image_count_cdf`] for counts up to [`MAX_K_BY_VECTORS`]: the law of
/// the units' count A + 2B (B double counts, A single ones given B) as a
/// vector over 0..=k, then its convolution with the false positives' CDF.
/// O(k) per double count with mass, one exp per law: a check of conflict
/// evaluates it for every row.
fn cdf_by_vectors(k: usize, n: f64, p: f64, lambda: f64, d: f64) -> f64 {
    let table = ln_factorial_table();
    let len = k + 1;
    let units = units_pmf_upto(table, len, n, p, d);
    let mut fp_cdf = poisson_pmf_upto(table, len, lambda);
    for j in 1..len {
        fp_cdf[j] += fp_cdf[j - 1];
    }
    let total: f64 = units
        .iter()
        .enumerate()
        .map(|(y, &py)| py * fp_cdf[k - y])
        .sum();
    total.min(1.0)
}

/// Whether `n` is a number of units: whole and >= 0 (n - trunc(n) is NaN
/// for an infinite n, and fails). Without branches, like the two below, so
/// that a chunk's column is checked in vectors.
#[inline(always)]
fn whole_units(n: f64) -> bool {
    (n >= 0.0) & (n - n.trunc() == 0.0)
}

/// Whether `x` is a chance: in [0, 1].
#[inline(always)]
pub(super) fn a_chance(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

/// Whether `x` is a mean number of false positives: finite and >= 0.
#[inline(always)]
pub(super) fn a_rate(x: f64) -> bool {
    (0.0..f64::INFINITY).contains(&x)
}

/// What is wrong with one sample's figures (n, p, false_positives,
/// p_double): the figure and a message naming it and its value.
pub(crate) fn check_row(name: &str, v: &[f64]) -> std::result::Result<(), (&'static str, String)> {
    let (n, p, lambda, d) = (v[0], v[1], v[2], v[3]);
    let bad = |field: &'static str, rule: &str, x: f64| {
        let x = crate::error::fmt_value(x);
        Err((
            field,
            format!("image_count '{name}': {field} {rule}, got {x}"),
        ))
    };
    if !whole_units(n) {
        return bad("n", "(the units that could be counted) must be a whole number >= 0; round it (mf.round) or draw it from a count distribution", n);
    }
    if !a_chance(p) {
        return bad("p", "(the chance a unit is counted) must be in [0, 1]", p);
    }
    if !a_rate(lambda) {
        return bad(
            "false_positives",
            "(their mean number) must be finite and >= 0",
            lambda,
        );
    }
    if !a_chance(d) {
        return bad(
            "p_double",
            "(the chance a counted unit is counted twice) must be in [0, 1]",
            d,
        );
    }
    Ok(())
}

/// How a row with chances that vary by row is summed ([`way_to_sum`]): by
/// the recurrence within its units, beyond them (batched by their
/// number), or term by term.
const OWN_TERMS: u8 = 0;
const WITHIN_UNITS: u8 = 1;
const BEYOND_UNITS: u8 = 2;

/// The way a valid row [n, p, false_positives, p_double] is summed, by
/// arithmetic (no branch: a chunk's rows are sorted in vectors), given
/// whether k is at most [`image_recurrence::FEW_STEPS`].
#[inline(always)]
fn way_to_sum(few_steps: bool, k: f64, [n, p, lambda, d]: [f64; 4]) -> u8 {
    let suits = u8::from(image_recurrence::suits_given(few_steps, k, n, p, lambda, d));
    let within = u8::from(image_recurrence::within_units(k, n));
    suits * (BEYOND_UNITS - within)
}

in_widest_vectors! {
    /// [`way_to_sum`] for each row of a chunk of valid figures, by column.
    fn ways_to_sum / ways_to_sum_avx512 / ways_to_sum_avx2
        (k: f64, n: &[f64], p: &[f64], lambda: &[f64], d: &[f64], ways: &mut [u8]) -> ()
        => ways_in_lanes
}

#[inline(always)]
fn ways_in_lanes(k: f64, n: &[f64], p: &[f64], lambda: &[f64], d: &[f64], ways: &mut [u8]) {
    let figures = n.iter().zip(p).zip(lambda).zip(d);
    let rows = ways.iter_mut().zip(figures);
    // k is the chunk's: a loop for few steps, told so, and one for more.
    match k <= image_recurrence::FEW_STEPS {
        true => rows.for_each(|(way, (((&n, &p), &lambda), &d))| {
            *way = way_to_sum(true, k, [n, p, lambda, d]);
        }),
        false => rows.for_each(|(way, (((&n, &p), &lambda), &d))| {
            *way = way_to_sum(false, k, [n, p, lambda, d]);
        }),
    }
}

/// Whether each of a chunk's `rows` passes [`check_row`], without a branch
/// a row (the loop is vectors).
fn all_valid(cols: &[&[f64]], rows: usize) -> bool {
    let [n, p, lambda, d] = [0, 1, 2, 3].map(|c| &cols[c][..rows]);
    let mut invalid = 0u64;
    for (((&n, &p), &lambda), &d) in n.iter().zip(p).zip(lambda).zip(d) {
        let valid = whole_units(n) & a_chance(p) & a_rate(lambda) & a_chance(d);
        invalid += u64::from(!valid);
    }
    invalid == 0
}

/// [`check_row`] of the figures given as constants (None: varies by sample).
pub(crate) fn check_constants(
    name: &str,
    fixed: [Option<f64>; 4],
) -> std::result::Result<(), (&'static str, String)> {
    // Valid stand-ins for the figures that vary by sample.
    let stand_in = [1.0, 0.5, 0.0, 0.0];
    let v: Vec<f64> = fixed
        .iter()
        .zip(stand_in)
        .map(|(x, s)| x.unwrap_or(s))
        .collect();
    check_row(name, &v)
}

/// The log-likelihood of a count `k` and its distance from being possible
/// (how far `k` exceeds the most the sample can count, relative to `k`).
pub(crate) fn term(name: &str, k: f64, v: &[f64]) -> std::result::Result<(f64, f64), String> {
    check_row(name, v).map_err(|(_, msg)| msg)?;
    let (n, p, lambda, d) = (v[0], v[1], v[2], v[3]);
    let ll = image_count_log_pmf(k, n, p, lambda, d);
    if ll > f64::NEG_INFINITY {
        return Ok((ll, 0.0));
    }
    let most = match (lambda > 0.0, d > 0.0 && p > 0.0, p > 0.0) {
        (true, _, _) => f64::INFINITY,
        (false, true, _) => 2.0 * n,
        (false, false, true) => n,
        _ => 0.0,
    };
    Ok((ll, ((k - most) / k.max(1.0)).clamp(f64::MIN_POSITIVE, 1.0)))
}

/// P(K < k) + P(K = k)/2 for one sample's figures, NaN if they are invalid.
pub(crate) fn mid_tail(k: f64, v: &[f64]) -> f64 {
    if check_row("", v).is_err() {
        return f64::NAN;
    }
    let (n, p, lambda, d) = (v[0], v[1], v[2], v[3]);
    let at = image_count_log_pmf(k, n, p, lambda, d).exp();
    let below = image_count_cdf(k - 1.0, n, p, lambda, d);
    (below + 0.5 * at).min(1.0)
}

/// The `image_count` kind: `k` = units counted once or twice (of `trials`,
/// each counted with `p`, twice with `p_double`) plus a Poisson number of
/// false positives of mean `false_positives` (see the module docs).
#[derive(Debug, Clone)]
pub struct ImageCount {
    pub k: f64,
    pub trials: Node,
    pub p: Node,
    pub false_positives: Node,
    pub p_double: Node,
}

impl Observation {
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
    ) -> crate::error::Result<Self> {
        check_name(name)?;
        let k = whole_count("image_count", name, k)?;
        let fixed = [&trials, &p, &false_positives, &p_double].map(|x| x.as_constant());
        check_constants(name, fixed).map_err(|(_, msg)| Error::InvalidArgument(msg))?;
        let kind = ImageCount {
            k,
            trials,
            p,
            false_positives,
            p_double,
        };
        Ok(Observation::new(name, kind))
    }
}

/// An `image_count` from its declared figures, naming the figure given as
/// a constant that is out of range.
pub(super) fn build(given: &mut Given) -> super::kinds::Built {
    let k = given.need("k")?;
    let (n, p, fp, twice) = (given.read(), given.read(), given.read(), given.read());
    let fixed = [&n, &p, &fp, &twice].map(|x| x.as_constant());
    if let Err((field, msg)) = check_constants(given.name, fixed) {
        return Err((field, Error::InvalidArgument(msg)));
    }
    Observation::image_count(given.name, k, n, p, fp, twice).map_err(at("k"))
}

impl Likelihood for ImageCount {
    fn name(&self) -> &'static str {
        "image_count"
    }

    fn nodes(&self) -> Vec<&Node> {
        vec![&self.trials, &self.p, &self.false_positives, &self.p_double]
    }

    fn term(&self, name: &str, v: &[f64]) -> std::result::Result<(f64, f64), String> {
        term(name, self.k, v)
    }

    fn log_likelihoods(
        &self,
        name: &str,
        cols: &[&[f64]],
        out: &mut [f64],
    ) -> std::result::Result<(), (usize, String)> {
        // term()'s arithmetic, with the table fetched once and each
        // sample's chances built only when its figures change. When
        // the chances are the same for the whole chunk (constants,
        // the common case) and the units few, each number of units
        // is evaluated once: the same bits, at about `count`'s cost.
        let (k, table) = (self.k, ln_factorial_table());
        if let Some(memo) = image_count_memo(cols, out.len()) {
            let first = [cols[0][0], cols[1][0], cols[2][0], cols[3][0]];
            // Invalid chances fall through, for the row-by-row error.
            if check_row(name, &first).is_ok() {
                let c = Chances::new(first[1], first[2], first[3]);
                let mut known = vec![f64::NAN; memo];
                for (o, &n) in out.iter_mut().zip(cols[0]) {
                    let slot = &mut known[n as usize];
                    if slot.is_nan() {
                        *slot = row_log_pmf(table, k, n, &c);
                    }
                    *o = *slot;
                }
                return Ok(());
            }
        }
        // An uncertain rate of false positives: the units' law shared.
        if log_pmfs_sharing_units(table, k, cols, out).is_some() {
            return Ok(());
        }
        // An uncertain chance of seeing a unit: what seen units give shared.
        if log_pmfs_sharing_seen_units(table, k, cols, out).is_some() {
            return Ok(());
        }
        // An uncertain chance of a double count: a polynomial in its odds.
        if image_double_odds::log_pmfs_in_double_odds(table, k, cols, out).is_some() {
            return Ok(());
        }
        // Chances that vary by row: checked and sorted a chunk at a time
        // (vectors; an invalid row's message row by row), then a batch of
        // rows at a time by the generating function's recurrence where it
        // suits (rows counting more than their units batched by their
        // number of units), else each row's own sum.
        let rows = out.len();
        let [n, p, lambda, d] = [0, 1, 2, 3].map(|c| &cols[c][..rows]);
        if !all_valid(cols, rows) {
            for i in 0..rows {
                let v = [n[i], p[i], lambda[i], d[i]];
                check_row(name, &v).map_err(|(_, e)| (i, e))?;
            }
        }
        let mut ways = vec![OWN_TERMS; rows];
        ways_to_sum(k, n, p, lambda, d, &mut ways);
        // The rows within their units (most, often all) and the others,
        // gathered without branches; the others by their bucket of a
        // counting sort: rows beyond their units by their number of units
        // (bucket n + 1; here n < k - 1 <= 1023), rows that sum their own
        // terms first (bucket 0).
        let buckets: Vec<u16> = ways
            .iter()
            .zip(n)
            .map(|(&way, &n)| match way == BEYOND_UNITS {
                true => (n + 1.0) as u16,
                false => 0,
            })
            .collect();
        let (mut within, mut others) = (vec![0u32; rows], vec![(0u32, 0u16); rows]);
        let (mut taken, mut left) = (0, 0);
        for (i, (&way, &bucket)) in ways.iter().zip(&buckets).enumerate() {
            (within[taken], others[left]) = (i as u32, (i as u32, bucket));
            taken += usize::from(way == WITHIN_UNITS);
            left += usize::from(way != WITHIN_UNITS);
        }
        in_batches(&within[..taken], [n, p, lambda, d], k, table, out);
        if left == 0 {
            return Ok(());
        }
        let others = &others[..left];
        let mut ends = vec![0; k as usize + 1];
        for &(_, bucket) in others {
            ends[usize::from(bucket)] += 1;
        }
        for units in 1..ends.len() {
            ends[units] += ends[units - 1];
        }
        let mut starts: Vec<usize> = std::iter::once(0).chain(ends.iter().copied()).collect();
        let mut order = vec![0u32; left];
        for &(i, bucket) in others {
            let at = &mut starts[usize::from(bucket)];
            order[*at] = i;
            *at += 1;
        }
        // Each bucket's start has moved to its end: bucket b is
        // ends[b - 1]..ends[b] (0.. for the first).
        let mut chances: Option<Chances> = None;
        for &i in &order[..ends[0]] {
            let i = i as usize;
            let figures = [p[i], lambda[i], d[i]];
            let c = match chances {
                Some(c) if c.figures() == figures => c,
                _ => *chances.insert(Chances::new(figures[0], figures[1], figures[2])),
            };
            out[i] = image_count_log_pmf_from(table, k, n[i], &c);
        }
        for units in ends.windows(2) {
            let rows = &order[units[0]..units[1]];
            in_batches(rows, [n, p, lambda, d], k, table, out);
        }
        Ok(())
    }

    fn predictive_tail(&self, v: &[f64]) -> f64 {
        mid_tail(self.k, v)
    }

    fn describe(&self, label: &dyn Fn(usize, &Node) -> String) -> String {
        format!(
            "image count: {} of {} units counted with probability {}, twice with {}, plus false positives of mean {}",
            short(self.k),
            label(0, &self.trials),
            label(1, &self.p),
            label(3, &self.p_double),
            label(2, &self.false_positives)
        )
    }

    fn figures(&self) -> Vec<(&'static str, Figure)> {
        vec![("k", Figure::Number(self.k))]
    }
}

/// The size of a table of `image_count` terms by number of units for a
/// chunk, when its chances (p, false positives, p_double) are the same in
/// every row and its numbers of units are whole and below 2^16; else None.
pub(super) fn image_count_memo(cols: &[&[f64]], rows: usize) -> Option<usize> {
    if rows < 2 || !cols[1..].iter().all(|col| same_in_every_row(col, rows)) {
        return None;
    }
    let (_, most) = units_range(&cols[0][..rows])?;
    Some(most as usize + 1)
}

/// The figures of the columns `which` (of n, p, false_positives,
/// p_double) when every row of a chunk has the same, the chunk has rows
/// enough to share a table (two) and its count is one a table takes; else
/// None.
pub(super) fn shared_figures(
    k: f64,
    cols: &[&[f64]],
    rows: usize,
    which: [usize; 2],
) -> Option<[f64; 2]> {
    let fits = rows >= 2 && (0.0..=MAX_K_SHARED).contains(&k);
    let shared = fits && which.iter().all(|&c| same_in_every_row(cols[c], rows));
    shared.then(|| which.map(|c| cols[c][0]))
}

/// Whether `col` holds its first row's figure, bit for bit, in each of a
/// chunk's `rows` (a number, or an input drawn once).
fn same_in_every_row(col: &[f64], rows: usize) -> bool {
    // A block of rows at a time without branches (vectors), stopping at
    // the first block that differs: the shared paths scan whole columns.
    let first = col[0].to_bits();
    col[..rows].chunks(64).all(|block| {
        let differ = block.iter().fold(0, |any, x| any | (x.to_bits() ^ first));
        differ == 0
    })
}

/// The fewest and most units over a chunk's rows, when each is a whole
/// number below 65,536 that a table by number of units can index.
pub(super) fn units_range(units: &[f64]) -> Option<(f64, f64)> {
    // Eight running ranges over whole groups of eight, without branches:
    // the loop is vectors.
    let (mut fewest, mut most, mut whole) = ([f64::INFINITY; 8], [0.0f64; 8], [true; 8]);
    let eights = units.chunks_exact(8);
    let rest = eights.remainder();
    for eight in eights {
        for l in 0..8 {
            let n = eight[l];
            whole[l] &= whole_units(n) & (n < 65_536.0);
            fewest[l] = if n < fewest[l] { n } else { fewest[l] };
            most[l] = if n > most[l] { n } else { most[l] };
        }
    }
    for &n in rest {
        whole[0] &= whole_units(n) & (n < 65_536.0);
        (fewest[0], most[0]) = (fewest[0].min(n), most[0].max(n));
    }
    let fewest = fewest.into_iter().fold(f64::INFINITY, f64::min);
    let most = most.into_iter().fold(0.0, f64::max);
    whole.iter().all(|&w| w).then_some((fewest, most))
}

/// The largest odds x / (1 - x) of a column of chances' figures below 1
/// (0 if none), when every figure is a chance; else None.
pub(super) fn largest_odds(col: &[f64]) -> Option<f64> {
    let largest = largest_within(col, 1.0)?;
    let below_one = match largest < 1.0 {
        true => largest,
        false => col.iter().fold(
            0.0f64,
            |largest, &x| if x < 1.0 { largest.max(x) } else { largest },
        ),
    };
    Some(below_one / (1.0 - below_one))
}

/// The largest figure of a column, when every one is in [0, `most`].
fn largest_within(col: &[f64], most: f64) -> Option<f64> {
    // As units_range: eight running figures, without branches.
    let (mut largest, mut within) = ([0.0f64; 8], [true; 8]);
    let eights = col.chunks_exact(8);
    let rest = eights.remainder();
    for eight in eights {
        for l in 0..8 {
            within[l] &= (0.0..=most).contains(&eight[l]);
            largest[l] = if eight[l] > largest[l] {
                eight[l]
            } else {
                largest[l]
            };
        }
    }
    for &x in rest {
        within[0] &= (0.0..=most).contains(&x);
        largest[0] = largest[0].max(x);
    }
    let largest = largest.into_iter().fold(0.0, f64::max);
    within.iter().all(|&w| w).then_some(largest)
}

/// ln P(k) for the given rows of a chunk's columns (n, p, false_positives,
/// p_double) by [`image_recurrence::ln_pmfs`], a batch of lanes at a time,
/// gathered by row: all within their units, or all beyond one number of
/// units.
fn in_batches(rows: &[u32], cols: [&[f64]; 4], k: f64, table: &[f64], out: &mut [f64]) {
    let mut batch = RecurrenceBatch::default();
    for chunk in rows.chunks(image_recurrence::LANES) {
        for (l, &r) in chunk.iter().enumerate() {
            let r = r as usize;
            batch.rows[l] = r;
            for (figure, col) in batch.figures.iter_mut().zip(cols) {
                figure[l] = col[r];
            }
        }
        batch.len = chunk.len();
        batch.finish(k, table, out);
    }
}

/// Rows waiting for [`image_recurrence::ln_pmfs`], a batch of lanes at a
/// time (all within their units, or all beyond one number of units).
#[derive(Default)]
struct RecurrenceBatch {
    rows: [usize; image_recurrence::LANES],
    /// n, p, false_positives and p_double, one value a lane.
    figures: [[f64; image_recurrence::LANES]; 4],
    len: usize,
}

impl RecurrenceBatch {
    /// Writes the waiting rows' ln P(k) (a partial batch fills its other
    /// lanes with its first row; a row alone takes one lane, up to half a
    /// batch half the lanes); a row the recurrence dropped sums its own
    /// terms.
    fn finish(&mut self, k: f64, table: &[f64], out: &mut [f64]) {
        const HALF: usize = image_recurrence::LANES / 2;
        if self.len == 0 {
            return;
        }
        let mut got = [0.0; image_recurrence::LANES];
        for figure in &mut self.figures {
            for l in self.len..image_recurrence::LANES {
                figure[l] = figure[0];
            }
        }
        // A part batch takes as few lanes as hold it: the same bits a lane.
        match self.len {
            1 => got[0] = image_recurrence::ln_pmfs(table, k, &self.figures.map(|x| [x[0]]))[0],
            2..=HALF => {
                let half: [[f64; HALF]; 4] = self.figures.map(|x| x[..HALF].try_into().unwrap());
                got[..HALF].copy_from_slice(&image_recurrence::ln_pmfs(table, k, &half));
            }
            _ => got = image_recurrence::ln_pmfs(table, k, &self.figures),
        }
        for l in 0..self.len {
            let [n, p, lambda, d] = &self.figures;
            let (n, p, lambda, d) = (n[l], p[l], lambda[l], d[l]);
            out[self.rows[l]] = match got[l].is_nan() {
                true => image_count_log_pmf_from(table, k, n, &Chances::new(p, lambda, d)),
                false => got[l],
            };
        }
        self.len = 0;
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The pmf by brute force: every split of k into once, twice and false
    /// positives, with the multinomial of the units.
    fn brute(k: u32, n: u32, p: f64, lambda: f64, d: f64) -> f64 {
        let lf = |x: u32| ln_factorial_table()[x as usize];
        let mut total = 0.0;
        for b in 0..=n {
            for a in 0..=(n - b) {
                if a + 2 * b > k {
                    continue;
                }
                let f = k - a - 2 * b;
                let units = lf(n) - lf(a) - lf(b) - lf(n - a - b);
                let probs = [(p * (1.0 - d), a), (p * d, b), (1.0 - p, n - a - b)];
                let mut lp = units;
                for (pr, c) in probs {
                    if c > 0 {
                        lp += c as f64 * pr.ln();
                    }
                }
                let pois = if lambda == 0.0 {
                    if f == 0 {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    (f as f64 * lambda.ln() - lambda - lf(f)).exp()
                };
                total += lp.exp() * pois;
            }
        }
        total
    }

    #[test]
    fn matches_brute_force_enumeration() {
        for &(n, p, lambda, d) in &[
            (12u32, 0.6, 1.3, 0.2),
            (30, 0.3, 0.0, 0.15),
            (30, 0.9, 4.0, 0.0),
            (8, 1.0, 0.5, 1.0),
            (0, 0.5, 2.0, 0.3),
            (25, 0.5, 20.0, 0.5),
            (40, 0.05, 0.2, 0.9),
        ] {
            let mut cdf = 0.0;
            for k in 0..(2 * n + 30) {
                let want = brute(k, n, p, lambda, d);
                let got = image_count_log_pmf(k as f64, n as f64, p, lambda, d).exp();
                assert!(
                    (got - want).abs() <= 1e-12 * want.max(1e-300) + 1e-300,
                    "k {k} n {n} p {p} lambda {lambda} d {d}: {got} vs {want}"
                );
                cdf += want;
                let c = image_count_cdf(k as f64, n as f64, p, lambda, d);
                assert!((c - cdf).abs() < 1e-10, "cdf k {k}: {c} vs {cdf}");
            }
        }
    }

    #[test]
    fn matches_enumeration_at_the_edges_of_every_figure() {
        // Each figure at 0, 1 and between, every k a sample can count and beyond.
        for n in [0u32, 1, 2, 7, 19] {
            for p in [0.0, 0.3, 0.97, 1.0] {
                for lambda in [0.0, 0.01, 2.5, 30.0] {
                    for d in [0.0, 0.02, 0.6, 1.0] {
                        for k in 0..(2 * n + 12) {
                            let want = brute(k, n, p, lambda, d);
                            let got = image_count_log_pmf(k as f64, n as f64, p, lambda, d).exp();
                            assert!(
                                (got - want).abs() <= 1e-12 * want + 1e-300,
                                "k {k} n {n} p {p} lambda {lambda} d {d}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn matches_every_term_summed_at_thousands_of_units() {
        // All (b, f) in logs, far in the tails too, where the start is a
        // poor guess and the terms climb by many orders of magnitude.
        let table = ln_factorial_table();
        for (k, n, p, lambda, d) in [
            (1900.0, 2000.0, 0.8, 15.0, 0.1),
            (400.0, 2000.0, 0.8, 15.0, 0.1),
            (3300.0, 2000.0, 0.8, 15.0, 0.4),
            (2100.0, 2000.0, 0.99, 60.0, 0.02),
            (700.0, 2000.0, 0.3, 0.0, 0.3),
        ] {
            let c = Chances::new(p, lambda, d);
            let terms: Vec<f64> = (0..=(k / 2.0) as u32)
                .flat_map(|b| (0..=k as u32 - 2 * b).map(move |f| (b as f64, f as f64)))
                .filter(|&(b, f)| k - 2.0 * b - f <= n - b && (lambda > 0.0 || f == 0.0))
                .map(|(b, f)| c.ln_term(table, k, n, b, f))
                .collect();
            let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let want = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
            let got = image_count_log_pmf(k, n, p, lambda, d);
            assert!(
                (got - want).abs() < 1e-10,
                "k {k} n {n} p {p} lambda {lambda} d {d}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn without_false_positives_or_doubles_it_is_the_binomial() {
        let table = ln_factorial_table();
        for (k, n, p) in [(3.0, 10.0, 0.3), (4000.0, 7000.0, 0.55), (0.0, 5.0, 0.0)] {
            let want = binomial_log_pmf_from(table, k, n, p);
            assert_eq!(image_count_log_pmf(k, n, p, 0.0, 0.0), want);
        }
    }

    #[test]
    fn large_counts_keep_their_mass() {
        // Mass sums to 1 around the mean at thousands of units.
        let (n, p, lambda, d) = (3000.0, 0.6, 40.0, 0.05);
        let mean = n * p * (1.0 + d) + lambda;
        let total: f64 = (0..400)
            .map(|i| image_count_log_pmf((mean - 200.0 + i as f64).round(), n, p, lambda, d).exp())
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }

    /// A chunk of `rows` rows cycling through `units` and, once per cycle
    /// of them, through the `values` of figure `column` (1: p, 2: the false
    /// positives, 3: p_double); the other figures are those of `fixed` [_, p, fp, d].
    pub(in crate::evidence) fn cycling(
        units: &[f64],
        column: usize,
        values: &[f64],
        fixed: [f64; 4],
        rows: usize,
    ) -> [Vec<f64>; 4] {
        std::array::from_fn(|c| {
            (0..rows)
                .map(|i| match c {
                    0 => units[i % units.len()],
                    c if c == column => values[(i / units.len()) % values.len()],
                    c => fixed[c],
                })
                .collect()
        })
    }

    /// A shared path's log-likelihoods for a chunk it must take.
    type SharedPath = fn(&[f64], f64, &[&[f64]], &mut [f64]) -> Option<()>;
    fn shared(path: SharedPath, k: f64, cols: &[Vec<f64>; 4]) -> Vec<f64> {
        let mut out = vec![0.0; cols[0].len()];
        let cols = cols.each_ref().map(|c| &c[..]);
        let done = path(ln_factorial_table(), k, &cols, &mut out);
        assert!(done.is_some(), "k {k} {:?}: not shared", cols.map(|c| c[0]));
        out
    }

    /// Asserts a shared path's ln P(k) for one row of figures [n, p,
    /// false_positives, p_double]: against enumeration (to 1e-11) where the
    /// units are few and the chance not far in a tail, and against the
    /// row's own sum (to `tolerance`, or both -inf). Returns the gap to the
    /// own sum.
    pub(in crate::evidence) fn agrees_with_its_own_sum(
        k: f64,
        row: [f64; 4],
        got: f64,
        tolerance: f64,
    ) -> f64 {
        let [n, p, rate, d] = row;
        if n < 20.0 {
            let brute = brute(k as u32, n as u32, p, rate, d);
            if brute > 1e-290 {
                let brute = brute.ln();
                assert!((got - brute).abs() < 1e-11, "k {k} {row:?}: {got} {brute}");
            }
        }
        let (want, _) = term("x", k, &row).unwrap();
        if want == f64::NEG_INFINITY {
            assert_eq!(got, want, "k {k} {row:?}");
            return 0.0;
        }
        let gap = (got - want).abs();
        assert!(gap < tolerance, "k {k} {row:?}: {got} vs {want}");
        gap
    }

    /// Few, some and many units, each with the counts tried on them.
    fn units_and_counts() -> [(Vec<f64>, Vec<f64>); 3] {
        [
            (
                (0..=19).map(f64::from).collect(),
                vec![0.0, 3.0, 11.0, 34.0, 60.0],
            ),
            (
                (20..=80).map(f64::from).collect(),
                vec![0.0, 34.0, 90.0, 170.0],
            ),
            (vec![900.0, 901.0, 903.0], vec![5.0, 400.0, 860.0, 1024.0]),
        ]
    }

    #[test]
    fn sharing_the_units_law_across_a_chunk_is_each_rows_sum() {
        // Against enumeration where it is feasible, and each row's own sum
        // elsewhere: every figure at its ends and between, counts in the
        // tails (where rows fall back on their own sums) and at the mode.
        let rates = [0.0, 1e-9, 0.01, 0.4, 1.0, 2.5, 7.0, 30.0, 120.0];
        let mut worst: f64 = 0.0;
        for &p in &[0.0, 0.05, 0.5, 0.8, 0.97, 1.0] {
            for &d in &[0.0, 0.01, 0.05, 0.3, 1.0] {
                for (units, ks) in units_and_counts() {
                    for &k in &ks {
                        // Rows enough to pay for the table of each number of units.
                        let cols = cycling(&units, 2, &rates, [0.0, p, 0.0, d], 1_000);
                        let out = shared(log_pmfs_sharing_units, k, &cols);
                        for (i, &got) in out.iter().enumerate().take(units.len() * rates.len()) {
                            let n = units[i % units.len()];
                            let rate = rates[(i / units.len()) % rates.len()];
                            let want = image_count_log_pmf(k, n, p, rate, d);
                            if rate == 0.0 {
                                assert_eq!(
                                    got.to_bits(),
                                    want.to_bits(),
                                    "k {k} n {n} p {p} d {d}"
                                );
                                continue;
                            }
                            // Each side starts from ln n! and the like in logs: a few 1e-16 of those.
                            let tolerance = 1e-12 + 5e-15 * (n + k);
                            let row = [n, p, rate, d];
                            worst = worst.max(agrees_with_its_own_sum(k, row, got, tolerance));
                        }
                    }
                }
            }
        }
        eprintln!("largest |difference| of the log-likelihoods: {worst:e}");
    }

    #[test]
    fn the_shared_tables_rows_give_the_same_bits_at_every_vector_width() {
        // A table of 5 rows of 12 coefficients, and 37 rows (two blocks and
        // a part) reading them with lengths 0-12 and u in (0, 1].
        let table: Vec<f64> = (0..60).map(|i| 1.0 / (1.0 + (i * 7 % 13) as f64)).collect();
        let rows: Vec<TableRow> = (0..37)
            .map(|r| (12 * (r % 5), 4 * (r % 4), (r + 1) as f64 / 37.0))
            .collect();
        let ps: Vec<f64> = (0..37)
            .map(|r| [0.0, 1e-9, 0.3, 0.5, 0.99, 1.0][r % 6])
            .collect();
        let (mut plain, mut wide) = (vec![0.0; 37], vec![0.0; 37]);
        ln_polynomials_in_blocks(&table, &rows, &mut plain);
        for (r, &(start, len, u)) in rows.iter().enumerate() {
            // A row takes as many coefficients as the longest of its block.
            let block = &rows[r / BLOCK * BLOCK..(r / BLOCK * BLOCK + BLOCK).min(rows.len())];
            let longest = block.iter().map(|row| row.1).max().unwrap();
            let alone = match len {
                0 => f64::NEG_INFINITY,
                _ => polynomial(&table[start..start + longest], u).ln(),
            };
            let tol = 1e-15 * alone.abs().max(1.0);
            assert!(plain[r] == alone || (plain[r] - alone).abs() <= tol, "{r}");
        }
        let (mut missed, mut missed_wide) = (vec![0.0; 37], vec![0.0; 37]);
        ln_missed_in_blocks(&ps, &mut missed);
        #[cfg(target_arch = "x86_64")]
        for width in ["avx2", "avx512f"] {
            // SAFETY: each runs only where the processor has its vectors.
            unsafe {
                match width {
                    "avx2" if crate::evidence::widest_vectors::has_avx2_and_fma() => {
                        ln_mixed_polynomials_avx2(&table, &rows, &mut wide);
                        ln_missed_each_avx2(&ps, &mut missed_wide);
                    }
                    "avx512f" if std::arch::is_x86_feature_detected!("avx512f") => {
                        ln_mixed_polynomials_avx512(&table, &rows, &mut wide);
                        ln_missed_each_avx512(&ps, &mut missed_wide);
                    }
                    _ => continue,
                }
            }
            let bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&plain), bits(&wide), "{width}");
            assert_eq!(bits(&missed), bits(&missed_wide), "{width}");
        }
    }

    #[test]
    fn rows_sharing_a_table_row_read_it_a_block_at_a_time() {
        // Units 0-4 with 12 coefficients each; 41 rows on 0 units (two
        // blocks and a part), 3 on each other, and rows not summed (NaN).
        let table: Vec<f64> = (0..60).map(|i| 1.0 / (1.0 + (i * 7 % 13) as f64)).collect();
        let mut units: Vec<f64> = vec![0.0; 41];
        units.extend((1..5).flat_map(|n| [n as f64; 3]));
        units.extend([2.0, 0.0]);
        let rows = units.len();
        let u: Vec<f64> = (0..rows)
            .map(|r| {
                if r + 2 < rows {
                    (r + 1) as f64 / rows as f64
                } else {
                    f64::NAN
                }
            })
            .collect();
        let mut out = vec![0.0; units.len()];
        SharedTable::new(&table, 12, 0.0).ln_polynomials(&units, &u, &mut out);
        for (r, (&n, &u)) in units.iter().zip(&u).enumerate() {
            if u.is_nan() {
                assert!(out[r].is_nan(), "{r}");
                continue;
            }
            let start = 12 * n as usize;
            let alone = polynomial(&table[start..start + 12], u).ln();
            let tol = 1e-15 * alone.abs().max(1.0);
            assert!((out[r] - alone).abs() <= tol, "{r}: {} {alone}", out[r]);
        }
        // Every vector width: the same bits.
        let lanes: [f64; BLOCK] = std::array::from_fn(|l| (l + 1) as f64 / 17.0);
        let plain = ln_one_polynomial_in_lanes(&table[12..24], &lanes).map(f64::to_bits);
        #[cfg(target_arch = "x86_64")]
        for width in ["avx2", "avx512f"] {
            // SAFETY: each runs only where the processor has its vectors.
            let wide = unsafe {
                match width {
                    "avx2" if crate::evidence::widest_vectors::has_avx2_and_fma() => {
                        ln_one_polynomial_avx2(&table[12..24], &lanes)
                    }
                    "avx512f" if std::arch::is_x86_feature_detected!("avx512f") => {
                        ln_one_polynomial_avx512(&table[12..24], &lanes)
                    }
                    _ => continue,
                }
            };
            assert_eq!(plain, wide.map(f64::to_bits), "{width}");
        }
    }

    #[test]
    fn polynomials_keep_the_coefficients_that_matter_for_every_u_up_to_1() {
        let tail = [1e-30, 1.0, 0.5, 1e-20, 1e-20, 1e-19, 0.0, 0.0];
        assert_eq!(needed(&tail), 4);
        // A tail summing past 1e-17 of the largest is kept.
        let kept = [1e-30, 1.0, 0.5, 1e-20, 2e-17, 0.0, 0.0, 0.0];
        assert_eq!(needed(&kept), 8);
        // Nothing before the largest goes, whatever its size.
        assert_eq!(needed(&[1e-30, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]), 8);
        for u in [1e-6, 0.01, 0.3, 1.0] {
            let (all, some) = (polynomial(&tail, u), polynomial(&tail[..4], u));
            assert!((all - some).abs() <= 1e-17 * all, "{u}");
        }
    }

    #[test]
    fn chunks_that_cannot_share_the_units_law_say_so() {
        let table = ln_factorial_table();
        let rows = 64;
        let n: Vec<f64> = (0..rows).map(|i| f64::from(20 + i % 3)).collect();
        let fp: Vec<f64> = (0..rows).map(|i| f64::from(i % 5)).collect();
        let (p, d) = (vec![0.8; rows as usize], vec![0.05; rows as usize]);
        let mut out = vec![0.0; rows as usize];
        let mut try_with =
            |k: f64, cols: [&[f64]; 4]| log_pmfs_sharing_units(table, k, &cols, &mut out);
        assert!(try_with(34.0, [&n, &p, &fp, &d]).is_some());
        // p or p_double varies; a figure is invalid; the count or the rate is too large.
        let with = |col: &[f64], at: usize, x: f64| {
            let mut col = col.to_vec();
            col[at] = x;
            col
        };
        assert!(try_with(34.0, [&n, &with(&p, 9, 0.7), &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &fp, &with(&d, 9, 0.06)]).is_none());
        assert!(try_with(34.0, [&with(&n, 9, 30.5), &p, &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &with(&fp, 9, -1.0), &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &with(&fp, 9, f64::NAN), &d]).is_none());
        assert!(try_with(34.0, [&n, &vec![1.5; 64], &fp, &d]).is_none());
        assert!(try_with(2000.0, [&n, &p, &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &with(&fp, 9, 600.0), &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &vec![0.0; 64], &d]).is_none());
        // Numbers of units too spread for the rows to pay for their table.
        assert!(try_with(34.0, [&with(&n, 9, 10_000.0), &p, &fp, &d]).is_none());
    }

    #[test]
    fn sharing_what_seen_units_give_across_a_chunk_is_each_rows_sum() {
        // Each row's own sum (term()) for every chance of seeing a unit at
        // its ends and between, every rate and chance of a double count,
        // counts at 0, in the tails and at the mode; enumeration where
        // feasible.
        let ps = [0.0, 0.001, 0.01, 0.2, 0.5, 0.8, 0.97, 0.999, 1.0];
        let mut worst: f64 = 0.0;
        for &rate in &[0.0, 1e-9, 0.5, 5.0, 60.0] {
            for &d in &[0.0, 0.01, 0.05, 0.3, 1.0] {
                if rate == 0.0 && d == 0.0 {
                    continue; // count's binomial: not shared (see the next test)
                }
                for (units, ks) in units_and_counts() {
                    for &k in &ks {
                        let cols = cycling(&units, 1, &ps, [0.0, 0.0, rate, d], 4_096);
                        let out = shared(log_pmfs_sharing_seen_units, k, &cols);
                        for (i, &got) in out.iter().enumerate().take(units.len() * ps.len()) {
                            let n = units[i % units.len()];
                            let p = ps[(i / units.len()) % ps.len()];
                            // As above, and the row's own sum takes ln(1 - q) of
                            // q = p(1 - d)/(1 - pd): near p = 1, about 1e-16/(1 - p)
                            // a missed unit (the shared path's n·ln(1 - p) is exact).
                            let missed = if p < 1.0 { n * 2e-16 / (1.0 - p) } else { 0.0 };
                            let tolerance = 1e-12 + 5e-15 * (n + k) + missed;
                            let row = [n, p, rate, d];
                            worst = worst.max(agrees_with_its_own_sum(k, row, got, tolerance));
                        }
                    }
                }
            }
        }
        eprintln!("largest |difference| of the log-likelihoods: {worst:e}");
    }

    #[test]
    fn chunks_that_cannot_share_what_seen_units_give_say_so() {
        let table = ln_factorial_table();
        let rows = 64;
        let n: Vec<f64> = (0..rows).map(|i| f64::from(20 + i % 3)).collect();
        let p: Vec<f64> = (0..rows).map(|i| 0.5 + f64::from(i % 7) / 20.0).collect();
        let (fp, d) = (vec![2.0; rows as usize], vec![0.05; rows as usize]);
        let mut out = vec![0.0; rows as usize];
        let mut try_with =
            |k: f64, cols: [&[f64]; 4]| log_pmfs_sharing_seen_units(table, k, &cols, &mut out);
        assert!(try_with(34.0, [&n, &p, &fp, &d]).is_some());
        // The false positives or p_double vary; a figure is invalid.
        let with = |col: &[f64], at: usize, x: f64| {
            let mut col = col.to_vec();
            col[at] = x;
            col
        };
        assert!(try_with(34.0, [&n, &p, &with(&fp, 9, 2.5), &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &fp, &with(&d, 9, 0.06)]).is_none());
        assert!(try_with(34.0, [&with(&n, 9, 30.5), &p, &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &with(&p, 9, 1.5), &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &with(&p, 9, f64::NAN), &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &vec![-1.0; 64], &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &vec![f64::INFINITY; 64], &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &fp, &vec![1.5; 64]]).is_none());
        // The count too large, or too large for the chunk's rows to pay for h.
        assert!(try_with(2000.0, [&n, &p, &fp, &d]).is_none());
        let many = vec![300.0; 64];
        assert!(try_with(200.0, [&many, &p, &fp, &d]).is_none());
        // No chance of seeing a unit strictly between 0 and 1 in any row.
        let ends: Vec<f64> = (0..rows).map(|i| f64::from(i % 2)).collect();
        assert!(try_with(34.0, [&n, &ends, &fp, &d]).is_none());
        // Neither false positives nor double counts: count's binomial.
        let none = vec![0.0; 64];
        assert!(try_with(34.0, [&n, &p, &none, &none]).is_none());
        // Numbers of units too spread for the rows to pay for their table.
        assert!(try_with(34.0, [&with(&n, 9, 10_000.0), &p, &fp, &d]).is_none());
        // One row is not a chunk to share.
        let one = |c: &[f64]| c[..1].to_vec();
        let mut single = vec![0.0];
        let cols = [&one(&n)[..], &one(&p), &one(&fp), &one(&d)];
        assert!(log_pmfs_sharing_seen_units(table, 34.0, &cols, &mut single).is_none());
    }

    #[test]
    fn the_cdf_by_whole_laws_agrees_with_the_cdf_term_by_term() {
        for (n, p, lambda, d) in [
            (60.0, 0.8, 2.0, 0.05),
            (20.0, 0.3, 0.0, 0.5),
            (500.0, 0.9, 30.0, 0.2),
            (5_000.0, 0.5, 0.5, 0.01),
            (40.0, 1.0, 3.0, 1.0),
        ] {
            for k in [0.0, 1.0, 7.0, 33.0, 60.0, 400.0, 2_600.0] {
                let (fast, slow) = (
                    cdf_by_vectors(k as usize, n, p, lambda, d),
                    cdf_by_terms(k, n, p, lambda, d),
                );
                assert!(
                    (fast - slow).abs() < 1e-10,
                    "n {n} p {p} fp {lambda} d {d} k {k}: {fast} vs {slow}"
                );
            }
        }
    }
}
