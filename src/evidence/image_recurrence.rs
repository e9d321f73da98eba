//! An image count's law by the recurrence of its generating function,
//! [`LANES`] rows at a time: the path for chunks whose chances all vary by row (an
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
//! false positives) would subtract, so those rows take the split of
//! [`super::image_beyond_units`]. Rows whose values leave [1e-200, 1e200]
//! of the start (a likelihood too far in a tail for the scaled values) and
//! rows with p = 1 sum their own terms.
//!
//! The rows of a batch share k, so they take the same steps; their
//! independent chains keep the multipliers busy where one would wait
//! on each step in turn.

use super::widest_vectors::{in_widest_vectors, lanes};
use super::{image_beyond_units, lane_ln};

/// Rows are taken this many at a time: independent chains hide each
/// step's latency. At k = 34 with every chance uncertain, 8 lanes cost 53
/// ns a row in SSE2's pairs; in AVX-512 (one register of 8) 45 ns, 16
/// lanes (two registers) 39 ns, and 32 lanes 71 ns (more values than
/// registers: they spill to memory). With the lanes' logarithms, 34 ns.
pub(crate) const LANES: usize = 16;

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
pub(super) fn reciprocal(j: usize) -> f64 {
    RECIPROCALS[j]
}

/// Scaled values are kept between these, 2^±664 (about 1e±200; powers of
/// two rescale exactly). Below LOWEST the row sums its own terms.
pub(super) const HIGHEST: f64 = f64::from_bits((1023 + 664) << 52);
const LOWEST: f64 = f64::from_bits((1023 - 664) << 52);

/// The range is looked at every this many steps, so a step may multiply a
/// value by at most [`MOST_GROWTH`] (8 steps: 1e96, below f64's 1e308 from 1e200).
const STEPS_BETWEEN_LOOKS: f64 = 8.0;
const MOST_GROWTH: f64 = 1e12;

/// Counts up to this always take the recurrence where it [`suits`]: k
/// steps of a few multiply-adds cost less than the row's own sum.
pub(crate) const FEW_STEPS: f64 = 64.0;

/// Whether the recurrence is cheaper than the row's own sum, whose terms
/// run over a few spreads of the double counts and of the false positives
/// (an estimate; both are exact), given whether k is at most
/// [`FEW_STEPS`]. Without branches (`&` and `|` for `&&` and `||`), as in
/// [`suits`].
#[inline(always)]
fn pays(few_steps: bool, k: f64, n: f64, p: f64, lambda: f64, d: f64) -> bool {
    let terms = (1.0 + 8.0 * (n * p * d).sqrt()) * (1.0 + 8.0 * lambda.sqrt());
    few_steps | ((k <= FEW_STEPS + 8.0 * terms) & (k <= MOST_STEPS))
}

/// Whether [`ln_pmfs`] gives this row's ln P(k) exactly and without
/// cancellation (p < 1; for k > n + 1 by the split of
/// [`super::image_beyond_units`]), for a row with false positives or double
/// counts (without either, the row is `count`'s binomial, to the bit), when
/// that is cheaper than the row's own sum. The figures are valid
/// ([`super::image_count::check_row`]).
///
/// Written without branches, so that a chunk's rows are sorted in vectors.
#[inline(always)]
pub(crate) fn suits(k: f64, n: f64, p: f64, lambda: f64, d: f64) -> bool {
    suits_given(k <= FEW_STEPS, k, n, p, lambda, d)
}

/// [`suits`], told whether k is at most [`FEW_STEPS`]: a chunk's rows
/// share k, so a loop over them told `true` takes no square root (they
/// were a tenth of an uncertain row's cost).
#[inline(always)]
pub(crate) fn suits_given(few_steps: bool, k: f64, n: f64, p: f64, lambda: f64, d: f64) -> bool {
    let plain = (lambda == 0.0) & (p * d == 0.0);
    let within = within_units(k, n);
    let within_fits = 2.0 * n * p + p + lambda <= MOST_GROWTH * (1.0 - p);
    let beyond_fits = image_beyond_units::suits(k, n, p, lambda, d);
    let steps_fit = (within & within_fits) | (!within & beyond_fits);
    !plain & (p < 1.0) & pays(few_steps, k, n, p, lambda, d) & steps_fit
}

/// Whether a count of k is at most n units plus one: the forward
/// recurrence's rows. Above, a batch's rows share their number of units.
#[inline(always)]
pub(crate) fn within_units(k: f64, n: f64) -> bool {
    k <= n + 1.0
}

in_widest_vectors! {
    /// ln P(K = k) for `L` rows given by figure, `[n, p, false_positives,
    /// p_double]` with one value a lane, each row [`suits`], either all
    /// [`within_units`] or all beyond them with one number of units; NaN for a row whose scaled values
    /// left their range (sum its own terms). Chunks take [`LANES`] rows at
    /// a time, a row alone one lane: the same bits.
    pub(crate) fn ln_pmfs / ln_pmfs_avx512 / ln_pmfs_avx2
        <const L: usize>(table: &[f64], k: f64, rows: &[[f64; L]; 4]) -> [f64; L]
        => ln_pmfs_in_lanes
}

/// [`ln_pmfs`]' steps, compiled into each caller for its vector width.
#[inline(always)]
fn ln_pmfs_in_lanes<const L: usize>(table: &[f64], k: f64, rows: &[[f64; L]; 4]) -> [f64; L] {
    match within_units(k, rows[0][0]) {
        true => ln_pmfs_within_units(k, rows),
        false => image_beyond_units::ln_pmfs_in_lanes(table, k, rows),
    }
}

/// [`ln_pmfs`] for rows within their units, by the forward recurrence.
#[inline(always)]
fn ln_pmfs_within_units<const L: usize>(k: f64, rows: &[[f64; L]; 4]) -> [f64; L] {
    // The coefficients over a: b/a, c/a, λb/a and λc/a; 2n + 1.
    let [n, p, lambda, d] = *rows;
    let per_missed: [f64; L] = lanes(|l| 1.0 / (1.0 - p[l]));
    let ln_missed = lane_ln::ln_missed_given(p, per_missed);
    let b: [f64; L] = lanes(|l| p[l] * (1.0 - d[l]) * per_missed[l]);
    let c: [f64; L] = lanes(|l| p[l] * d[l] * per_missed[l]);
    let lambda_b: [f64; L] = lanes(|l| lambda[l] * b[l]);
    let lambda_c: [f64; L] = lanes(|l| lambda[l] * c[l]);
    let ln_start: [f64; L] = lanes(|l| match n[l] {
        0.0 => 0.0 - lambda[l],
        _ => n[l] * ln_missed[l] - lambda[l],
    });
    // c(2n + 1 - j) + λb as c(n - j) + (c(n + 1) + λb): positive terms,
    // one rounding more, one operation a step fewer.
    let twice_rest: [f64; L] = lanes(|l| c[l].mul_add(n[l] + 1.0, lambda_b[l]));
    let mut scaled = Scaled::<L>::default();
    let mut j = 0.0;
    while j < k {
        // A block of steps on local copies (kept in registers), then a look.
        let end = (j + STEPS_BETWEEN_LOOKS).min(k);
        let [mut p0, mut p1, mut p2] = scaled.p;
        while j < end {
            let after = reciprocal(j as usize + 1);
            // Seven operations a lane, four of them fused multiply-adds (one
            // rounding each, in every copy): the steps' arithmetic, not
            // their latency, sets the pace of sixteen lanes.
            let next: [f64; L] = lanes(|l| {
                let left = n[l] - j;
                let once = b[l].mul_add(left, lambda[l]);
                let twice = c[l].mul_add(left, twice_rest[l]);
                let older = twice.mul_add(p1[l], lambda_c[l] * p2[l]);
                once.mul_add(p0[l], older) * after
            });
            (p2, p1, p0) = (p1, p0, next);
            j += 1.0;
        }
        scaled.p = [p0, p1, p2];
        // Every lane looked at without a branch (vectors), then one branch:
        // `contains` would branch at each lane (measured: 1.5 ns a row).
        let mut outside = false;
        for &x in &p0 {
            #[allow(clippy::manual_range_contains)]
            let out = (x < LOWEST) | (x > HIGHEST) | x.is_nan();
            outside |= out;
        }
        if outside {
            scaled = scaled.kept_in_range();
        }
    }
    let (ln_highest, ln_p) = (HIGHEST.ln(), lane_ln::ln(scaled.p[0]));
    let mut out = [0.0; L];
    for (l, o) in out.iter_mut().enumerate() {
        *o = match scaled.lost[l] {
            true => f64::NAN,
            false => ln_p[l] + ln_start[l] + scaled.rescaled[l] * ln_highest,
        };
    }
    out
}

/// The last three values of each lane, as multiples of the start times
/// HIGHEST^rescaled.
struct Scaled<const L: usize> {
    p: [[f64; L]; 3],
    rescaled: [f64; L],
    lost: [bool; L],
}

impl<const L: usize> Default for Scaled<L> {
    fn default() -> Scaled<L> {
        Scaled {
            p: [[1.0; L], [0.0; L], [0.0; L]],
            rescaled: [0.0; L],
            lost: [false; L],
        }
    }
}

impl<const L: usize> Scaled<L> {
    /// Rescales lanes that climbed past HIGHEST; drops lanes below LOWEST
    /// (far in a tail: too little precision left) and restarts them so
    /// they cannot overflow. It takes and gives values (no `&mut`), so that
    /// the scaled values can stay in registers.
    #[cold]
    #[inline(never)]
    fn kept_in_range(mut self) -> Scaled<L> {
        let [p0, p1, p2] = &mut self.p;
        for l in 0..L {
            if p0[l] > HIGHEST {
                (p0[l], p1[l], p2[l]) = (p0[l] / HIGHEST, p1[l] / HIGHEST, p2[l] / HIGHEST);
                self.rescaled[l] += 1.0;
            } else if !(LOWEST..).contains(&p0[l]) {
                (p0[l], p1[l], p2[l], self.lost[l]) = (1.0, 0.0, 0.0, true);
            }
        }
        self
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

    /// Each row with its ln P(k) from lanes shared with the other rows of
    /// its count (beyond the units, of its count and units), as a chunk
    /// batches them; asserts that lanes of its own give the same bits.
    fn in_company(rows: &[[f64; 5]]) -> Vec<([f64; 5], f64)> {
        let table = ln_factorial_table();
        let mut groups = std::collections::BTreeMap::<_, Vec<[f64; 5]>>::new();
        for &row in rows {
            let [k, n, ..] = row;
            let units = if within_units(k, n) { 0 } else { n as u64 + 1 };
            groups.entry((k as u64, units)).or_default().push(row);
        }
        let mut got = vec![];
        for batch in groups.values().flat_map(|group| group.chunks(LANES)) {
            let k = batch[0][0];
            let lanes: [[f64; LANES]; 4] = std::array::from_fn(|figure| {
                std::array::from_fn(|l| batch[l % batch.len()][figure + 1])
            });
            let together = ln_pmfs(table, k, &lanes);
            // Half a batch, as a chunk's part batches take.
            let half: [[f64; LANES / 2]; 4] = lanes.map(|x| x[..LANES / 2].try_into().unwrap());
            let bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&ln_pmfs(table, k, &half)),
                bits(&together[..LANES / 2])
            );
            for (l, &row) in batch.iter().enumerate() {
                let [alone] = ln_pmfs(table, k, &lanes.map(|x| [x[l]]));
                assert_eq!(together[l].to_bits(), alone.to_bits(), "{row:?}");
                got.push((row, together[l]));
            }
        }
        got
    }

    #[test]
    fn the_recurrence_is_each_rows_own_sum() {
        let within: Vec<_> = rows().into_iter().filter(|r| r[0] <= r[1] + 1.0).collect();
        let (mut checked, mut dropped) = (0, 0);
        for (row, got) in in_company(&within) {
            let [k, n, p, lambda, d] = row;
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
        // Summed term by term: where the row's own sum is cheaper, and where
        // terms that are not log-concave fell far below the first (as every
        // odd count does when every seen unit is counted twice).
        let assert_has_reason = |[k, n, p, lambda, d]: [f64; 5]| {
            let log_concave = (1.0 - d) * (1.0 - d) * p >= (1.0 - p) * d;
            let reason = !pays(k <= FEW_STEPS, k, n, p, lambda, d) || !log_concave || p == 1.0;
            assert!(reason, "{:?}", [k, n, p, lambda, d]);
        };
        let (suited, unsuited): (Vec<_>, Vec<_>) = rows()
            .into_iter()
            .filter(|r| r[0] > r[1] + 1.0)
            .partition(|&[k, n, p, lambda, d]| suits(k, n, p, lambda, d));
        unsuited.iter().for_each(|&row| assert_has_reason(row));
        let (mut checked, mut dropped) = (0, unsuited.len());
        for (row, got) in in_company(&suited) {
            let [k, n, p, lambda, d] = row;
            if got.is_nan() {
                assert_has_reason(row);
                dropped += 1;
                continue;
            }
            checked += 1;
            assert_agrees(row, got, image_count_log_pmf(k, n, p, lambda, d));
        }
        // Each dropped row said why above; most rows take the split.
        assert!(
            checked > 2 * dropped,
            "{checked} checked, {dropped} dropped"
        );
    }

    #[test]
    fn every_vector_width_gives_the_same_bits() {
        let table = ln_factorial_table();
        let rows = rows();
        for batch in rows.chunks(LANES) {
            let rows: [[f64; 4]; LANES] = std::array::from_fn(|l| {
                let [k, n, p, lambda, d] = batch[l % batch.len()];
                // One count and, beyond the units, one number of units a batch.
                let n = if within_units(batch[0][0], batch[0][1]) {
                    n.max(k - 1.0)
                } else {
                    batch[0][1]
                };
                [n, p, lambda, d]
            });
            let lanes: [[f64; LANES]; 4] = std::array::from_fn(|f| rows.map(|r| r[f]));
            let k = batch[0][0];
            let plain = ln_pmfs_in_lanes(table, k, &lanes).map(f64::to_bits);
            #[cfg(target_arch = "x86_64")]
            {
                if crate::evidence::widest_vectors::has_avx2_and_fma() {
                    // SAFETY: the processor has AVX2 and FMA, checked just above.
                    let wide = unsafe { ln_pmfs_avx2(table, k, &lanes) };
                    assert_eq!(plain, wide.map(f64::to_bits), "AVX2, {batch:?}");
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the processor has AVX-512F, checked just above.
                    let wide = unsafe { ln_pmfs_avx512(table, k, &lanes) };
                    assert_eq!(plain, wide.map(f64::to_bits), "AVX-512, {batch:?}");
                }
            }
        }
    }

    #[test]
    fn rows_the_recurrence_does_not_suit() {
        // More counted than units: by the split, unless a step could
        // multiply by more than 1e100 (false positives or double counts
        // far too rare to explain the surplus).
        assert!(suits(35.0, 33.0, 0.8, 2.0, 0.05));
        assert!(suits(34.0, 33.0, 0.8, 2.0, 0.05));
        assert!(!suits(35.0, 33.0, 0.8, 1e-60, 0.05));
        assert!(!suits(35.0, 33.0, 0.8, 2.0, 1e-110));
        // p = 1, and too many steps.
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
