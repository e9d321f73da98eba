//! An image count's law by the recurrence of its generating function, eight
//! rows at a time: the path for chunks whose chances all vary by row (an
//! uncertain `p`, rate of false positives and `p_double` at once), where
//! neither shared table of [`super::image_count`] applies.
//!
//! The count K is the units' count (each of n units missed with a = 1 - p,
//! counted once with b = p(1 - p_double), twice with c = p·p_double) plus
//! Poisson(λ) false positives, so its generating function is
//! G(z) = (a + bz + cz²)^n e^{λ(z - 1)}. From (a + bz + cz²) G' =
//! (n(b + 2cz) + λ(a + bz + cz²)) G, the chances P_j = P(K = j) satisfy
//!
//! ```text
//! a (j + 1) P_{j+1} = (b (n - j) + λa) P_j + (c (2n - j + 1) + λb) P_{j-1} + λc P_{j-2}
//! ```
//!
//! from P_0 = a^n e^{-λ}: k steps of a few multiply-adds, exact (no term is
//! left out). While j <= n every coefficient is positive, so the sum has no
//! cancellation and rounding stays near k·1e-16 of the result; a count
//! above n + 1 (more than the units, explained only by double counts and
//! false positives) would subtract, so those rows sum their own terms, as
//! do rows whose values leave [1e-200, 1e200] of the start (a likelihood
//! too far in a tail for the scaled values) and rows with p = 1.
//!
//! The rows of a batch share k, so they take the same steps; their
//! independent chains keep the multipliers busy where one would wait
//! on each step in turn.

/// Rows are taken this many at a time: eight chains hide each step's
/// latency (measured: 4 lanes 65 ns a row at k = 34, 8 lanes 53 ns).
pub(crate) const LANES: usize = 8;

/// Counts above this sum their own terms: k steps would cost more than the
/// terms near the mass (an image count is rarely more than a few hundred).
const MOST_STEPS: f64 = 1024.0;

/// 1/j for j = 0..=MOST_STEPS + 1 (1/0 unused): a step's divisions, read.
const RECIPROCALS: [f64; MOST_STEPS as usize + 2] = {
    let mut table = [0.0; MOST_STEPS as usize + 2];
    let mut j = 1;
    while j < table.len() {
        table[j] = 1.0 / j as f64;
        j += 1;
    }
    table
};

/// 1/j for j in 1..=MOST_STEPS + 1.
fn reciprocal(j: usize) -> f64 {
    RECIPROCALS[j]
}

/// Scaled values are kept between these, 2^±664 (about 1e±200; powers of
/// two rescale exactly). Below LOWEST the row sums its own terms.
const HIGHEST: f64 = f64::from_bits((1023 + 664) << 52);
const LOWEST: f64 = f64::from_bits((1023 - 664) << 52);

/// What is left out of a sum: below this fraction of it.
const NEGLIGIBLE: f64 = 1e-17;

/// The range is looked at every this many steps, so a step may multiply a
/// value by at most [`MOST_GROWTH`] (8 steps: 1e96, below f64's 1e308 from 1e200).
const STEPS_BETWEEN_LOOKS: f64 = 8.0;
const MOST_GROWTH: f64 = 1e12;

/// ln(1 - p): by `ln` where 1 - p is exact (p >= 1/2, Sterbenz), else by
/// `ln_1p`, which is slower (rows whose chances vary were 4-9% faster).
pub(crate) fn ln_missed(p: f64) -> f64 {
    if p >= 0.5 {
        (1.0 - p).ln()
    } else {
        (-p).ln_1p()
    }
}

/// Whether the recurrence is cheaper than the row's own sum, whose terms
/// run over a few spreads of the double counts and of the false positives
/// (an estimate; both are exact).
fn pays(k: f64, n: f64, p: f64, lambda: f64, d: f64) -> bool {
    k <= 64.0 || {
        let terms = (1.0 + 8.0 * (n * p * d).sqrt()) * (1.0 + 8.0 * lambda.sqrt());
        k <= 64.0 + 8.0 * terms && k <= MOST_STEPS
    }
}

/// Whether [`ln_pmfs`] gives this row's ln P(k) exactly and without
/// cancellation (k <= n + 1, p < 1), for a row with false positives or
/// double counts (without either, the row is `count`'s binomial, to the
/// bit), when that is cheaper than the row's own sum. The figures are
/// valid ([`super::image_count::check_row`]).
pub(crate) fn suits(k: f64, n: f64, p: f64, lambda: f64, d: f64) -> bool {
    let plain = lambda == 0.0 && p * d == 0.0;
    let growth = (2.0 * n * p + p + lambda) / (1.0 - p);
    !plain && k <= n + 1.0 && p < 1.0 && growth <= MOST_GROWTH && pays(k, n, p, lambda, d)
}

/// ln P(K = k) for [`LANES`] rows of figures [n, p, false_positives,
/// p_double], each [`suits`]; NaN for a row whose scaled values left their
/// range (sum its own terms).
pub(crate) fn ln_pmfs(k: f64, rows: &[[f64; 4]; LANES]) -> [f64; LANES] {
    // The coefficients over a: b/a, c/a, λb/a and λc/a; 2n + 1.
    let mut per_a = [[0.0; LANES]; 4];
    let mut ln_start = [0.0; LANES];
    for (l, &[n, p, lambda, d]) in rows.iter().enumerate() {
        let per_missed = 1.0 / (1.0 - p);
        let (b, c) = (p * (1.0 - d) * per_missed, p * d * per_missed);
        [per_a[0][l], per_a[1][l], per_a[2][l], per_a[3][l]] = [b, c, lambda * b, lambda * c];
        ln_start[l] = if n == 0.0 { 0.0 } else { n * ln_missed(p) } - lambda;
    }
    let [b, c, lambda_b, lambda_c] = per_a;
    let (n, lambda) = (rows.map(|r| r[0]), rows.map(|r| r[2]));
    let top = n.map(|n| 2.0 * n + 1.0);
    let mut scaled = Scaled::default();
    let mut j = 0.0;
    while j < k {
        // A block of steps on local copies (kept in registers), then a look.
        let end = (j + STEPS_BETWEEN_LOOKS).min(k);
        let [mut p0, mut p1, mut p2] = scaled.p;
        while j < end {
            let after = reciprocal(j as usize + 1);
            let next: [f64; LANES] = std::array::from_fn(|l| {
                let once = b[l] * (n[l] - j) + lambda[l];
                let twice = c[l] * (top[l] - j) + lambda_b[l];
                (once * p0[l] + twice * p1[l] + lambda_c[l] * p2[l]) * after
            });
            (p2, p1, p0) = (p1, p0, next);
            j += 1.0;
        }
        scaled.p = [p0, p1, p2];
        if p0.iter().any(|&x| !(LOWEST..=HIGHEST).contains(&x)) {
            scaled.keep_in_range();
        }
    }
    let ln_highest = HIGHEST.ln();
    std::array::from_fn(|l| match scaled.lost[l] {
        true => f64::NAN,
        false => scaled.p[0][l].ln() + ln_start[l] + scaled.rescaled[l] * ln_highest,
    })
}

/// The last three values of each lane, as multiples of the start times
/// HIGHEST^rescaled.
struct Scaled {
    p: [[f64; LANES]; 3],
    rescaled: [f64; LANES],
    lost: [bool; LANES],
}

impl Default for Scaled {
    fn default() -> Scaled {
        Scaled {
            p: [[1.0; LANES], [0.0; LANES], [0.0; LANES]],
            rescaled: [0.0; LANES],
            lost: [false; LANES],
        }
    }
}

impl Scaled {
    /// Rescales lanes that climbed past HIGHEST; drops lanes below LOWEST
    /// (far in a tail: too little precision left) and restarts them so
    /// they cannot overflow.
    #[cold]
    #[inline(never)]
    fn keep_in_range(&mut self) {
        let [p0, p1, p2] = &mut self.p;
        for l in 0..LANES {
            if p0[l] > HIGHEST {
                (p0[l], p1[l], p2[l]) = (p0[l] / HIGHEST, p1[l] / HIGHEST, p2[l] / HIGHEST);
                self.rescaled[l] += 1.0;
            } else if !(LOWEST..).contains(&p0[l]) {
                (p0[l], p1[l], p2[l], self.lost[l]) = (1.0, 0.0, 0.0, true);
            }
        }
    }
}

/// ln P(K = k) for one row whose count is above its units plus one
/// (k > n + 1: only double counts and false positives explain it), or None
/// where a step could overflow (p = 1, or a chance or rate so small that
/// one step multiplies by more than 1e100) or a term fell to 1e-280 of the
/// first: the row then sums its own terms.
///
/// Here the forward recurrence would subtract, so the count is split as
/// K = Y + F (the units' count Y <= 2n and the false positives F) and
///
/// ```text
/// P(K = k) = Σ_y P(Y = y) Pois(k - y; λ),
/// ```
///
/// with P(Y = y) for y <= n by the recurrence of (a + bz + cz²)^n from
/// y = 0, and for y > n by that of its reverse (c + bz + az²)^n from y = 2n:
/// both have only positive coefficients there. Each pass steps the terms
/// of the sum themselves (a Poisson weight's neighbour is a ratio of it),
/// so a row costs about 2n steps and three logarithms.
pub(crate) fn ln_pmf_beyond_units(
    table: &[f64],
    k: f64,
    n: f64,
    p: f64,
    lambda: f64,
    d: f64,
) -> Option<f64> {
    if !(k > n + 1.0 && p < 1.0 && pays(k, n, p, lambda, d)) {
        return None;
    }
    let lf = |x: f64| crate::dist::ln_factorial_from(table, x);
    let (a, b, c) = (1.0 - p, p * (1.0 - d), p * d);
    let ln_a = ln_missed(p);
    let log_concave = b * b >= a * c;
    let ln_lambda = lambda.ln();
    // Whole numbers below MOST_STEPS + 2 here (k <= MOST_STEPS, n < k).
    let (units, count) = (n as usize, k as usize);
    let mut parts = [f64::NEG_INFINITY; 2];
    // y = 0..=n: u_y = P(Y = y) Pois(k - y) / (a^n Pois(k)), from u_0 = 1.
    if lambda > 0.0 {
        let (b_a, c_a) = (b / a / lambda, c / a / (lambda * lambda));
        if b_a * n * k > 1e100 || c_a * (2.0 * n + 1.0) * k * (k + 1.0) > 1e100 {
            return None;
        }
        let mut terms = Terms::starting(1.0, log_concave);
        for at in 0..units {
            let (y, f) = (at as f64, (count - at) as f64);
            let up_one = b_a * (n - y) * f * reciprocal(at + 1);
            let up_two = c_a * (2.0 * n - y + 1.0) * f * (f + 1.0) * reciprocal(at + 1);
            match terms.step(up_one, up_two) {
                Next::More => {}
                Next::Done => break,
                Next::Lost => return None,
            }
        }
        parts[0] = terms.ln_sum() + n * ln_a + k * ln_lambda - lambda - lf(k);
    }
    // y = 2n down to n + 1 (when units can be counted twice and 2n > n),
    // stepped by i = 2n - y.
    if c > 0.0 && n >= 1.0 {
        let (b_c, a_c) = (b / c, a / c);
        if (b_c * n + a_c * (2.0 * n + 1.0)) * lambda.max(1.0).powi(2) > 1e100 {
            return None;
        }
        let ln_c = c.ln();
        // R_i = P(Y = 2n - i) / c^n, first above k, where no false positive is left.
        let below = |r0: f64, r1: f64, i: usize| {
            let x = i as f64;
            (b_c * (n - x) * r0 + a_c * (2.0 * n - x + 1.0) * r1) * reciprocal(i + 1)
        };
        let (mut r0, mut r1, mut rescaled) = (1.0, 0.0, 0.0);
        let first = (2 * units).saturating_sub(count);
        for i in 0..first {
            (r0, r1) = (below(r0, r1, i), r0);
            if r0 > HIGHEST {
                (r0, r1, rescaled) = rescaled_pair(r0, r1, rescaled);
            }
        }
        // i = first..n - 1: the terms t = R_i Pois(k - 2n + i).
        if r0.max(r1) < 1e-280 {
            return None;
        }
        let f0 = k - (2 * units - first) as f64;
        let ln_first = match (lambda, f0) {
            (0.0, 0.0) => 0.0,
            (0.0, _) => f64::NEG_INFINITY,
            _ => f0 * ln_lambda - lambda - lf(f0),
        };
        let mut terms = Terms::starting(r0, log_concave);
        terms.rescaled = rescaled;
        if first + 1 < units && lambda > 0.0 {
            // The first step needs R_{i-1} itself: its Poisson weight is 0 when y = k.
            let mut next = terms.push(below(r0, r1, first) * lambda / (f0 + 1.0));
            for i in first + 1..units - 1 {
                if next != Next::More {
                    break;
                }
                // t_{i+1} from t_i and t_{i-1}: the weights' ratios are λ/f and λ²/(f(f - 1)).
                let f = count + i + 1 - 2 * units;
                let per_f = lambda * reciprocal(f);
                let x = i as f64;
                let up_one = b_c * (n - x) * per_f * reciprocal(i + 1);
                let up_two = a_c
                    * (2.0 * n - x + 1.0)
                    * per_f
                    * lambda
                    * reciprocal(f - 1)
                    * reciprocal(i + 1);
                next = terms.step(up_one, up_two);
            }
            if next == Next::Lost {
                return None;
            }
        }
        parts[1] = terms.ln_sum() + n * ln_c + ln_first;
    }
    let (high, low) = (parts[0].max(parts[1]), parts[0].min(parts[1]));
    // The smaller part is lost in rounding 40 below the larger.
    Some(match low - high {
        // ln(1 + x) by ln: its rounding, 1e-16, is absolute in the result.
        gap if gap > -40.0 => high + (1.0 + gap.exp()).ln(),
        _ => high,
    })
}

/// Two values divided by HIGHEST, once more: a real branch (see [`Terms::rescale`]).
#[cold]
#[inline(never)]
fn rescaled_pair(r0: f64, r1: f64, rescaled: f64) -> (f64, f64, f64) {
    (r0 / HIGHEST, r1 / HIGHEST, rescaled + 1.0)
}

/// The terms of a sum stepped by a two-term recurrence, kept below
/// HIGHEST by rescaling (the sum with them).
struct Terms {
    last: f64,
    before: f64,
    sum: f64,
    /// 1e-280 of the first term, in the terms' current scale.
    floor: f64,
    rescaled: f64,
    /// Log-concave terms (the units' law is when b² >= ac) only fall after
    /// they start to: the sum may stop where a geometric bound on the rest
    /// is negligible.
    log_concave: bool,
}

/// What the next term says.
#[derive(PartialEq)]
enum Next {
    More,
    /// The rest of the sum is below 1e-17 of it.
    Done,
    /// A term fell to 1e-280 of the first, with too little precision left
    /// should the terms climb again (terms that are not log-concave).
    Lost,
}

impl Terms {
    fn starting(first: f64, log_concave: bool) -> Terms {
        Terms {
            last: first,
            before: 0.0,
            sum: first,
            floor: 1e-280 * first,
            rescaled: 0.0,
            log_concave,
        }
    }

    /// The next term: `up_one` times the last plus `up_two` times the one
    /// before.
    fn step(&mut self, up_one: f64, up_two: f64) -> Next {
        self.push(up_one * self.last + up_two * self.before)
    }

    fn push(&mut self, next: f64) -> Next {
        // Falling log-concave terms: the rest is below next·r/(1 - r),
        // r = next/last, that is next²/(last - next).
        let falls = next < self.last;
        let negligible = next * next < NEGLIGIBLE * (self.sum + next) * (self.last - next);
        (self.before, self.last) = (self.last, next);
        self.sum += next;
        if next > HIGHEST {
            self.rescale();
        }
        match self.log_concave {
            true if falls && negligible => Next::Done,
            true => Next::More,
            false if self.last >= self.floor => Next::More,
            false => Next::Lost,
        }
    }

    /// A real branch, taken rarely: inlined, the compiler would compute
    /// the rescaled values at every step.
    #[cold]
    #[inline(never)]
    fn rescale(&mut self) {
        self.last /= HIGHEST;
        self.before /= HIGHEST;
        self.sum /= HIGHEST;
        self.floor /= HIGHEST;
        self.rescaled += 1.0;
    }

    fn ln_sum(&self) -> f64 {
        self.sum.ln() + self.rescaled * HIGHEST.ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::ln_factorial_table;
    use crate::evidence::image_count::{image_count_log_pmf_from, Chances};

    /// The row's own sum, term by term: the reference.
    fn image_count_log_pmf(k: f64, n: f64, p: f64, lambda: f64, d: f64) -> f64 {
        let chances = Chances::new(p, lambda, d);
        image_count_log_pmf_from(ln_factorial_table(), k, n, &chances)
    }

    /// Rows [k, n, p, λ, p_double] across the regimes: few and many units,
    /// rare and common double counts and false positives, counts within the
    /// units and beyond them (all but `count`'s plain binomial).
    fn rows() -> Vec<[f64; 5]> {
        let mut rows = vec![];
        for &n in &[0.0, 1.0, 5.0, 20.0, 33.0, 60.0, 120.0, 300.0] {
            for &p in &[0.0, 1e-3, 0.3, 0.8, 0.999] {
                for &lambda in &[0.0, 0.01, 2.0, 40.0] {
                    for &d in &[0.0, 0.05, 0.5, 0.9, 1.0] {
                        for &k in &[0.0, 1.0, 3.0, 7.0, 34.0, 41.0, 250.0] {
                            if lambda > 0.0 || p * d > 0.0 {
                                rows.push([k, n, p, lambda, d]);
                            }
                        }
                    }
                }
            }
        }
        rows
    }

    /// A log-likelihood within 1e-12 (relative, at least 1e-12 absolute)
    /// of the row's own sum, or both -inf.
    fn assert_agrees(row: [f64; 5], got: f64, want: f64) {
        if want == f64::NEG_INFINITY {
            assert_eq!(got, want, "{row:?}");
        } else {
            let tol = 1e-12 * want.abs().max(1.0);
            assert!((got - want).abs() <= tol, "{row:?}: {got} against {want}");
        }
    }

    #[test]
    fn the_recurrence_is_each_rows_own_sum() {
        let (mut checked, mut dropped) = (0, 0);
        for row in rows().into_iter().filter(|r| r[0] <= r[1] + 1.0) {
            let [k, n, p, lambda, d] = row;
            let lanes = [[n, p, lambda, d]; LANES];
            let got = ln_pmfs(k, &lanes)[0];
            let want = image_count_log_pmf(k, n, p, lambda, d);
            if got.is_nan() {
                dropped += 1;
                continue;
            }
            checked += 1;
            assert_agrees(row, got, want);
        }
        // The range guard drops only rows far in a tail.
        assert!(
            checked > 10 * dropped,
            "{checked} checked, {dropped} dropped"
        );
    }

    #[test]
    fn beyond_the_units_the_split_is_each_rows_own_sum() {
        let table = ln_factorial_table();
        let (mut checked, mut dropped) = (0, 0);
        for row in rows().into_iter().filter(|r| r[0] > r[1] + 1.0) {
            let [k, n, p, lambda, d] = row;
            let want = image_count_log_pmf(k, n, p, lambda, d);
            let Some(got) = ln_pmf_beyond_units(table, k, n, p, lambda, d) else {
                // Summed term by term: where the row's own sum is cheaper,
                // and where terms that are not log-concave fell far below
                // the first (as every odd count does when every seen unit
                // is counted twice).
                let log_concave = (1.0 - d) * (1.0 - d) * p >= (1.0 - p) * d;
                assert!(!pays(k, n, p, lambda, d) || !log_concave, "{row:?}");
                dropped += 1;
                continue;
            };
            checked += 1;
            assert_agrees(row, got, want);
        }
        // Each dropped row said why above; most rows take the split.
        assert!(
            checked > 2 * dropped,
            "{checked} checked, {dropped} dropped"
        );
    }

    #[test]
    fn lanes_are_independent() {
        let rows = [
            [60.0, 0.8, 2.0, 0.05],
            [34.0, 0.3, 0.01, 0.5],
            [300.0, 0.999, 40.0, 0.0],
            [40.0, 0.5, 0.0, 1.0],
            [33.0, 0.9, 5.0, 0.2],
            [35.0, 1e-3, 30.0, 0.05],
            [80.0, 0.6, 0.5, 0.9],
            [50.0, 0.7, 1e-6, 1e-6],
        ];
        let together = ln_pmfs(34.0, &rows);
        for (l, row) in rows.iter().enumerate() {
            let alone = ln_pmfs(34.0, &[*row; LANES])[0];
            assert_eq!(together[l].to_bits(), alone.to_bits(), "lane {l}");
        }
    }

    #[test]
    fn rows_the_recurrence_does_not_suit() {
        // More counted than units, p = 1, and too many steps.
        assert!(!suits(35.0, 33.0, 0.8, 2.0, 0.05));
        assert!(suits(34.0, 33.0, 0.8, 2.0, 0.05));
        assert!(!suits(34.0, 60.0, 1.0, 2.0, 0.05));
        assert!(!suits(2000.0, 5000.0, 0.8, 2.0, 0.05));
        // A step that could climb past f64's range between two looks.
        assert!(!suits(34.0, 60.0, 1.0 - 1e-13, 2.0, 0.05));
        // Neither false positives nor double counts: count's binomial.
        assert!(!suits(34.0, 60.0, 0.8, 0.0, 0.0));
        assert!(!suits(34.0, 60.0, 0.0, 0.0, 0.5));
        // Few terms near the mass: the row's own sum is cheaper.
        assert!(!suits(900.0, 5000.0, 0.2, 0.0, 1e-6));
    }
}
