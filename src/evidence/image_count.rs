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
//! where the mass is. The inner sum's terms are log-concave in f: it starts
//! at the largest and runs outward by the ratio of neighbours (a few
//! multiplications a term) until a geometric bound on the rest is below
//! 1e-17 of the sum. The outer sum runs outward from the double counts'
//! mode and stops once their binomial, past its mode, is below e^-37 of the
//! sum (what it leaves out is below n·e^-37 of the total). With no false
//! positives and no double counting it is `count`'s binomial, to the bit.
//!
//! ```
//! use munflow::evidence::image_count_log_pmf;
//! // 3 units, certain detection, no duplicates, no false positives: k = 3.
//! assert!(image_count_log_pmf(3.0, 3.0, 1.0, 0.0, 0.0).abs() < 1e-12);
//! // Only false positives: a Poisson count.
//! let ll = image_count_log_pmf(2.0, 0.0, 0.5, 1.5, 0.1);
//! assert!((ll.exp() - 1.5f64.powi(2) / 2.0 * (-1.5f64).exp()).abs() < 1e-15);
//! ```

use crate::dist::{binomial_log_pmf_from, ln_factorial_table, Binomial, Quantile};

/// Terms below e^-PRUNE of the sum so far are left out (see the module docs).
const PRUNE: f64 = 37.0;

/// ln(e^a + e^b).
fn log_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

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

/// ln Σ term(i) over whole i in [lo, hi], summed outward from `start`.
/// `bound(i)` is a log-concave upper bound of term(i) with mode `mode`
/// (or two, whichever is lower): past a bound's mode and below the sum by
/// e^-PRUNE, every further term in that direction is negligible.
fn sum_outward(
    lo: f64,
    hi: f64,
    start: f64,
    term: &mut dyn FnMut(f64) -> f64,
    negligible: &dyn Fn(f64, f64, bool) -> bool,
) -> f64 {
    if lo > hi {
        return f64::NEG_INFINITY;
    }
    let start = start.clamp(lo, hi);
    let mut total = f64::NEG_INFINITY;
    let mut i = start;
    while i <= hi {
        total = log_add(total, term(i));
        if negligible(i, total - PRUNE, true) {
            break;
        }
        i += 1.0;
    }
    let mut i = start - 1.0;
    while i >= lo {
        total = log_add(total, term(i));
        if negligible(i, total - PRUNE, false) {
            break;
        }
        i -= 1.0;
    }
    total
}

/// ln Σ_f Bin(rest - f; units, q) · Pois(f; λ) over the false positives f
/// that leave 0..=units counted once: the count `rest` shared between units
/// counted once and false positives. The terms are log-concave in f, so the
/// sum climbs to the largest term by the ratio of neighbours, then runs
/// outward by those ratios (a multiplication a term) until what is left,
/// bounded by a geometric series, is below 1e-17 of the sum.
fn shared_out(table: &[f64], rest: f64, units: f64, q: f64, lambda: f64) -> f64 {
    let f_lo = (rest - units).max(0.0);
    let f_hi = rest;
    if f_lo > f_hi {
        return f64::NEG_INFINITY;
    }
    let term = |f: f64| {
        binomial_log_pmf_from(table, rest - f, units, q) + poisson_log_pmf(table, f, lambda)
    };
    // One false positive more (f -> f + 1, a -> a - 1), or one fewer.
    let (odds_once, odds_missed) = (q / (1.0 - q), (1.0 - q) / q);
    let up = |f: f64| {
        let a = rest - f;
        lambda / (f + 1.0) * a / (units - a + 1.0) * odds_missed
    };
    let down = |f: f64| {
        let a = rest - f;
        f / lambda * (units - a) / (a + 1.0) * odds_once
    };
    // Without false positives, or with units always or never counted, one term can be.
    if lambda == 0.0 || q == 0.0 || q == 1.0 {
        let f = if lambda == 0.0 {
            0.0
        } else if q == 0.0 {
            rest
        } else {
            f_lo
        };
        return if (f_lo..=f_hi).contains(&f) {
            term(f)
        } else {
            f64::NEG_INFINITY
        };
    }
    let expected = lambda + units * q;
    let mut peak = (rest * lambda / expected).round().clamp(f_lo, f_hi);
    while peak < f_hi && up(peak) > 1.0 {
        peak += 1.0;
    }
    while peak > f_lo && down(peak) > 1.0 {
        peak -= 1.0;
    }
    let mut sum = 1.0;
    for (step, ratio) in [(1.0, &up as &dyn Fn(f64) -> f64), (-1.0, &down)] {
        let (mut f, mut t) = (peak, 1.0);
        while (f_lo..=f_hi).contains(&(f + step)) {
            let r = ratio(f);
            t *= r;
            sum += t;
            f += step;
            // Later ratios are at most r: the rest is below t r / (1 - r).
            if r < 1.0 && t * r < 1e-17 * sum * (1.0 - r) {
                break;
            }
        }
    }
    term(peak) + sum.ln()
}

/// ln P(K = k) for the count of an image survey (see the module docs):
/// `n` units, detection probability `p`, mean false positives
/// `false_positives`, probability `p_double` that a detected unit is
/// counted twice. The arguments must be valid (whole k and n >= 0, p and
/// p_double in [0, 1], false_positives finite and >= 0).
pub fn image_count_log_pmf(k: f64, n: f64, p: f64, false_positives: f64, p_double: f64) -> f64 {
    let table = ln_factorial_table();
    let lambda = false_positives;
    let p_twice = p * p_double;
    // Given b counted twice, each other unit is counted once with q.
    let q = if p_twice < 1.0 {
        (p * (1.0 - p_double) / (1.0 - p_twice)).min(1.0)
    } else {
        0.0
    };
    // Exactly 0 with no double counting, so that the count's binomial is
    // then the same to the bit as `count`'s.
    let twice = |b: f64| match p_twice {
        0.0 if b == 0.0 => 0.0,
        0.0 => f64::NEG_INFINITY,
        _ => binomial_log_pmf_from(table, b, n, p_twice),
    };
    let twice_mode = ((n + 1.0) * p_twice).floor().min(n);
    let b_max = n.min((k / 2.0).floor());
    let b_max = if p_twice == 0.0 { 0.0 } else { b_max };
    let mut inner = |b: f64| twice(b) + shared_out(table, k - 2.0 * b, n - b, q, lambda);
    let negligible = |b: f64, floor: f64, up: bool| {
        (if up { b >= twice_mode } else { b <= twice_mode }) && twice(b) < floor
    };
    sum_outward(0.0, b_max, twice_mode, &mut inner, &negligible)
}

/// P(K <= k) for the count of [`image_count_log_pmf`], to about 1e-12: the
/// sums over false positives and double counts run over their laws' mass
/// (a probability, so its tails can be cut in absolute terms).
pub fn image_count_cdf(k: f64, n: f64, p: f64, false_positives: f64, p_double: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
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
    if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0) {
        return bad("n", "(the units that could be counted) must be a whole number >= 0; round it (mf.round) or draw it from a count distribution", n);
    }
    if !(0.0..=1.0).contains(&p) {
        return bad("p", "(the chance a unit is counted) must be in [0, 1]", p);
    }
    if !(lambda.is_finite() && lambda >= 0.0) {
        return bad(
            "false_positives",
            "(their mean number) must be finite and >= 0",
            lambda,
        );
    }
    if !(0.0..=1.0).contains(&d) {
        return bad(
            "p_double",
            "(the chance a counted unit is counted twice) must be in [0, 1]",
            d,
        );
    }
    Ok(())
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

#[cfg(test)]
mod tests {
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
}
