//! An image count's law for a chunk whose chance of a double count varies
//! by row while `p` and the rate of false positives are the same in every
//! row (an uncertain `p_double`): a polynomial per row in the odds of a
//! double count, whose coefficients the chunk tabulates once for each
//! number of units.
//!
//! Of n units, m are seen (Binomial(n, p), the chances w_m(n)); each seen
//! unit is counted twice with d = p_double; false positives add f with
//! Poisson(λ) chances π_f. So
//!
//! ```text
//! P(k) = Σ_m w_m(n) Σ_B C(m, B) d^B (1 - d)^(m - B) π_(k - m - B).
//! ```
//!
//! Multiplying each m's inner sum by ((1 - d) + d)^(K - m) = 1, for one
//! degree K at least every m with mass (K = min(k, most units)), puts every
//! term over (1 - d)^K:
//!
//! ```text
//! P(k) = (1 - d)^K Σ_i e_i(n) y^i,          y = d / (1 - d),
//! e_i(n) = Σ_m w_m(n) g_(m, i),
//! g_(m, i) = Σ_B C(m, B) C(K - m, i - B) π_(k - m - B),
//! ```
//!
//! every term positive: no cancellation, so rounding stays near K·1e-16 of
//! the result. g depends on neither n nor d; the chunk builds it once
//! (about K³/6 multiply-adds), then each number of units' e(n) from it and
//! the seen units' law (w for n + 1 units is w for n convolved with one
//! unit's (missed, seen)). With s the chunk's largest odds, a row is
//! [`SharedTable`]'s polynomial in y/s <= 1 (K + 1 multiply-adds) and two
//! logarithms, where the recurrence of [`super::image_recurrence`] takes k
//! steps of a dozen operations: exact either way. As in the other shared
//! tables, a row whose sum is not far above what underflow could have lost
//! sums its own terms, and rows with p_double = 1, or with neither double
//! counts nor false positives (`count`'s binomial, to the bit), too.
//!
//! ```text
//! 34 counted of 20-80 units, p = 0.8, 2 false positives, p_double 0.01-0.1:
//! 39-43.5 ns a row by the recurrence, 24-25 ns by this table (count: 14 ns)
//! ```

use super::image_count::{
    a_chance, a_rate, binomial_pmf_upto, largest_odds, ln_missed_each, poisson_pmf_upto,
    row_log_pmf, shared_figures, times, units_range, Chances, SharedTable, SHARED_ENTRIES_PER_ROW,
};
use super::widest_vectors::in_widest_vectors;

/// A chunk takes this path when its table (about K³/6 + K² multiply-adds a
/// number of units) costs at most this many a row and step of the
/// recurrence (which takes k steps of a dozen operations a row).
const TABLE_STEPS_PER_STEP: usize = 4;

/// Coefficients are sums of up to 2^K terms times s^i: K and s are kept
/// where these stay far inside f64's range (e^709).
const MOST_LN_GROWTH: f64 = 650.0;

/// ln P(k) for every row of a chunk whose `p` and false positives are the
/// same in every row but whose `p_double` varies, or None where that does
/// not hold, the table would cost more than the recurrence (see the module
/// docs), or a figure is not valid (the row-by-row loop reports it).
/// `cols` are n, p, false_positives, p_double; `out` one log-likelihood a
/// row.
pub(super) fn log_pmfs_in_double_odds(
    table: &[f64],
    k: f64,
    cols: &[&[f64]],
    out: &mut [f64],
) -> Option<()> {
    let rows = out.len();
    let [p, lambda] = shared_figures(k, cols, rows, [1, 2])?;
    if !(a_chance(p) && a_rate(lambda) && p > 0.0) {
        return None;
    }
    let (fewest, most) = units_range(&cols[0][..rows])?;
    let d = &cols[3][..rows];
    let s = largest_odds(d)?;
    let degree = (k as usize).min(most as usize);
    let (len, numbers) = (degree + 1, (most - fewest) as usize + 1);
    // Whole groups of eight, for the vectors that build the coefficients.
    let width = len.div_ceil(8) * 8;
    let steps = len * len * len / 6 + numbers * len * width;
    let pays = numbers * width <= SHARED_ENTRIES_PER_ROW * rows
        && steps <= TABLE_STEPS_PER_STEP * (k as usize).max(1) * rows;
    let growth = degree as f64 * (std::f64::consts::LN_2 + s.ln().abs());
    // (NaN or infinite growth fails too.)
    let fits = growth <= MOST_LN_GROWTH;
    if s == 0.0 || !pays || !fits {
        return None;
    }
    let given_seen = given_seen_units(table, k, degree, width, lambda);
    let (coefficients, ln_scales) = coefficients(table, &given_seen, width, fewest, numbers, p, s);
    let per_s = 1.0 / s;
    // p_double of 1, or no double counts nor false positives: summed term
    // by term (NaN here). Without branches: the loop is vectors.
    let mut u = vec![0.0; rows];
    for (u, &d) in u.iter_mut().zip(d) {
        let odds = d / (1.0 - d) * per_s;
        let here = (d < 1.0) & ((d > 0.0) | (lambda > 0.0));
        *u = if here { odds } else { f64::NAN };
    }
    let units = &cols[0][..rows];
    SharedTable::new(&coefficients, width, fewest).ln_polynomials(units, &u, out);
    let mut ln_not_double = vec![0.0; rows];
    ln_missed_each(d, &mut ln_not_double);
    // What underflow could lose: below 1e-300 an operation, times at most
    // 2^K (binomial coefficients) and s^K, over about len^4 operations; and
    // the coefficients below 1e-300 of their largest, flushed to 0. A sum
    // must stand 1e13 above both.
    let lost = (len as f64).powi(4) * 1e-287;
    let ln_floor = lost.ln() + degree as f64 * (std::f64::consts::LN_2 + s.ln().max(0.0));
    let ln_floor_scaled = (len as f64 * 1e-287).ln();
    let mut own_terms = vec![];
    let each = out.iter_mut().zip(units).zip(&ln_not_double).enumerate();
    for (r, ((o, &n), &ln_not_double)) in each {
        let ln_sum = *o;
        let ln_total = ln_sum + ln_scales[(n - fewest) as usize];
        // (ln(1 - d) is finite wherever the sum stands above its floors.)
        *o = times(degree as f64, ln_not_double) + ln_total;
        let above_floors = (ln_sum >= ln_floor_scaled) & (ln_total >= ln_floor);
        if !above_floors {
            own_terms.push(r);
        }
    }
    for r in own_terms {
        out[r] = row_log_pmf(table, k, units[r], &Chances::new(p, lambda, d[r]));
    }
    Some(())
}

/// g_(m, i) of the module docs for m, i in 0..=K, a row of `width` a
/// number of units seen: the chance that m seen units and the false
/// positives give the count k with B double counts, C(m, B) π_(k - m - B),
/// spread over i = B + j by the C(K - m, j) that raise each m to degree K.
fn given_seen_units(table: &[f64], k: f64, degree: usize, width: usize, lambda: f64) -> Vec<f64> {
    let k = k as usize;
    let false_positives = poisson_pmf_upto(table, k + 1, lambda);
    let mut g = vec![0.0; (degree + 1) * width];
    let (mut doubles, mut spread) = (vec![0.0; degree + 1], vec![0.0; degree + 1]);
    for (m, row) in g.chunks_exact_mut(width).enumerate() {
        // B double counts among m seen units leave k - m - B false positives.
        let most_doubles = m.min(k - m);
        let mut choose = 1.0;
        for (b, x) in doubles[..=most_doubles].iter_mut().enumerate() {
            *x = choose * false_positives[k - m - b];
            choose *= (m - b) as f64 / (b + 1) as f64;
        }
        binomial_coefficients(&mut spread[..=degree - m]);
        for (b, &x) in doubles[..=most_doubles].iter().enumerate() {
            for (g, &c) in row[b..].iter_mut().zip(&spread[..=degree - m]) {
                *g += x * c;
            }
        }
    }
    g
}

/// C(r, j) for j = 0..=r, r = out.len() - 1.
fn binomial_coefficients(out: &mut [f64]) {
    let r = out.len() - 1;
    let mut choose = 1.0;
    for (j, c) in out.iter_mut().enumerate() {
        *c = choose;
        choose *= (r - j) as f64 / (j + 1) as f64;
    }
}

/// Each number of units' coefficients e_i(n) s^i, from `fewest` on, in rows
/// of g's width, divided by their largest (whose ln is returned, -inf for a
/// number of units whose coefficients are all below 1e-300 or left f64's
/// range: its rows sum their own terms). Coefficients below 1e-300 of the
/// largest are flushed to 0.
fn coefficients(
    table: &[f64],
    given_seen: &[f64],
    width: usize,
    fewest: f64,
    numbers: usize,
    p: f64,
    s: f64,
) -> (Vec<f64>, Vec<f64>) {
    let len = given_seen.len() / width;
    let mut powers = vec![1.0; width];
    for i in 1..len {
        powers[i] = powers[i - 1] * s;
    }
    let mut seen = binomial_pmf_upto(table, len, fewest, p);
    let mut coefficients = vec![0.0; numbers * width];
    let mut ln_scales = vec![f64::NEG_INFINITY; numbers];
    for (i, (row, ln_scale)) in coefficients
        .chunks_exact_mut(width)
        .zip(&mut ln_scales)
        .enumerate()
    {
        // Seen units past n have no chance.
        let upto = len.min(fewest as usize + i + 1);
        let largest = seen_units_give(row, &seen[..upto], given_seen, &powers);
        // A largest of 1e-300 or less (its reciprocal would overflow) is
        // a likelihood far below the floor: its rows sum their own terms.
        if largest > 1e-300 && largest.is_finite() {
            *ln_scale = largest.ln();
            let per_largest = 1.0 / largest;
            for c in row.iter_mut() {
                let x = *c * per_largest;
                *c = if x >= 1e-300 { x } else { 0.0 };
            }
        } else {
            row.fill(0.0);
        }
        // One unit more: missed with 1 - p, seen with p.
        for m in (0..len).rev() {
            let before = if m >= 1 { seen[m - 1] } else { 0.0 };
            seen[m] = (1.0 - p) * seen[m] + p * before;
        }
    }
    (coefficients, ln_scales)
}

in_widest_vectors! {
    /// Writes one number of units' coefficients, e_i s^i = Σ_m w_m g_(m, i)
    /// s^i, to `row` (zeros in), from its chances `seen` of m seen units and
    /// g's rows (each `row.len()` wide); returns the largest.
    fn seen_units_give / seen_units_give_avx512 / seen_units_give_avx2
        (row: &mut [f64], seen: &[f64], given_seen: &[f64], powers: &[f64]) -> f64
        => seen_units_give_in_lanes
}

/// [`seen_units_give`]'s loops: eight coefficients at a time, each summed
/// over m in order in a register (the same bits at every width).
#[inline(always)]
fn seen_units_give_in_lanes(
    row: &mut [f64],
    seen: &[f64],
    given_seen: &[f64],
    powers: &[f64],
) -> f64 {
    let width = row.len();
    let mut largest = 0.0;
    for (at, (block, powers)) in row
        .chunks_exact_mut(8)
        .zip(powers.chunks_exact(8))
        .enumerate()
    {
        let mut sums = [0.0; 8];
        for (&w, g) in seen.iter().zip(given_seen.chunks_exact(width)) {
            let g: &[f64; 8] = g[8 * at..8 * at + 8].try_into().unwrap();
            for l in 0..8 {
                sums[l] += w * g[l];
            }
        }
        for l in 0..8 {
            block[l] = sums[l] * powers[l];
            largest = if block[l] > largest {
                block[l]
            } else {
                largest
            };
        }
    }
    largest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::ln_factorial_table;
    use crate::evidence::image_count::tests::{agrees_with_its_own_sum, cycling};

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
            (vec![900.0, 901.0, 903.0], vec![5.0, 40.0]),
        ]
    }

    #[test]
    fn a_polynomial_in_the_odds_of_a_double_count_is_each_rows_sum() {
        // Against enumeration where it is feasible and each row's own sum
        // elsewhere: p_double at its ends and between (near 1 the odds
        // reach 999), counts at 0, in the tails and at the mode.
        let table = ln_factorial_table();
        let near_one = [0.0, 1e-9, 0.001, 0.05, 0.3, 0.5, 0.9, 0.999, 1.0];
        let below_half = [0.0, 1e-9, 0.001, 0.01, 0.05, 0.2, 0.5];
        let (mut worst, mut taken, mut not_taken) = (0.0f64, 0, 0);
        for &p in &[0.05, 0.5, 0.8, 0.97, 1.0] {
            for &rate in &[0.0, 1e-9, 0.5, 5.0, 60.0] {
                for ds in [&near_one[..], &below_half] {
                    for (units, ks) in units_and_counts() {
                        for &k in &ks {
                            let cols = cycling(&units, 3, ds, [0.0, p, rate, 0.0], 4_096);
                            let mut out = vec![0.0; 4_096];
                            let refs = cols.each_ref().map(|c| &c[..]);
                            if log_pmfs_in_double_odds(table, k, &refs, &mut out).is_none() {
                                // Only where the coefficients would grow too
                                // large for f64 (odds of 999 to a high power)
                                // or the table would cost more than the steps.
                                assert!(k > 60.0, "k {k} p {p} fp {rate}");
                                not_taken += 1;
                                continue;
                            }
                            taken += 1;
                            for (i, &got) in out.iter().enumerate().take(units.len() * ds.len()) {
                                let n = units[i % units.len()];
                                let d = ds[(i / units.len()) % ds.len()];
                                let tolerance = 1e-12 + 5e-15 * (n + k);
                                let row = [n, p, rate, d];
                                let gap = agrees_with_its_own_sum(k, row, got, tolerance);
                                worst = worst.max(gap);
                            }
                        }
                    }
                }
            }
        }
        assert!(taken > 10 * not_taken, "{taken} taken, {not_taken} not");
        eprintln!("largest |difference| of the log-likelihoods: {worst:e}");
    }

    #[test]
    fn chunks_that_cannot_take_the_odds_of_a_double_count_say_so() {
        let table = ln_factorial_table();
        let rows = 64;
        let n: Vec<f64> = (0..rows).map(|i| f64::from(20 + i % 3)).collect();
        let d: Vec<f64> = (0..rows).map(|i| f64::from(i % 7) / 20.0).collect();
        let (p, fp) = (vec![0.8; rows as usize], vec![2.0; rows as usize]);
        let mut out = vec![0.0; rows as usize];
        let mut try_with =
            |k: f64, cols: [&[f64]; 4]| log_pmfs_in_double_odds(table, k, &cols, &mut out);
        assert!(try_with(34.0, [&n, &p, &fp, &d]).is_some());
        // p or the false positives vary; a figure is invalid.
        let with = |col: &[f64], at: usize, x: f64| {
            let mut col = col.to_vec();
            col[at] = x;
            col
        };
        assert!(try_with(34.0, [&n, &with(&p, 9, 0.7), &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &with(&fp, 9, 2.5), &d]).is_none());
        assert!(try_with(34.0, [&with(&n, 9, 30.5), &p, &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &fp, &with(&d, 9, 1.5)]).is_none());
        assert!(try_with(34.0, [&n, &p, &fp, &with(&d, 9, f64::NAN)]).is_none());
        assert!(try_with(34.0, [&n, &vec![1.5; 64], &fp, &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &vec![-1.0; 64], &d]).is_none());
        assert!(try_with(34.0, [&n, &p, &vec![f64::INFINITY; 64], &d]).is_none());
        // Never seen (p = 0), or no double count below p_double = 1.
        assert!(try_with(34.0, [&n, &vec![0.0; 64], &fp, &d]).is_none());
        let ends: Vec<f64> = (0..rows).map(|i| f64::from(i % 2)).collect();
        assert!(try_with(34.0, [&n, &p, &fp, &ends]).is_none());
        // The count too large; a table too large for the chunk's rows, in
        // numbers of units or in the cube of its degree.
        assert!(try_with(2000.0, [&n, &p, &fp, &d]).is_none());
        assert!(try_with(34.0, [&with(&n, 9, 10_000.0), &p, &fp, &d]).is_none());
        assert!(try_with(600.0, [&vec![900.0; 64], &p, &fp, &d]).is_none());
        // Odds of a double count too large for f64 at this degree.
        let nearly_always = with(&d, 9, 1.0 - 1e-14);
        assert!(try_with(40.0, [&n, &p, &fp, &nearly_always]).is_none());
        // One row is not a chunk to share.
        let one = |c: &[f64]| c[..1].to_vec();
        let mut single = vec![0.0];
        let cols = [&one(&n)[..], &one(&p), &one(&fp), &one(&d)];
        assert!(log_pmfs_in_double_odds(table, 34.0, &cols, &mut single).is_none());
    }
}
