//! Numerical helpers for moments and quantiles that have no closed form
//! (truncated laws, mixtures): tanh-sinh quadrature and bracketed root finding.

/// The tanh-sinh (double-exponential) nodes and weights of ∫_0^1 f(u) du, which
/// cope with the integrable endpoint singularities of a quantile function.
/// Each node is formed from its distance to the nearer end, so nodes near 0
/// keep their relative precision (1 - (1 - u) would round them to 0 or 1e-16).
fn unit_nodes() -> impl Iterator<Item = (f64, f64)> {
    // u = (1 + tanh(pi/2 sinh t)) / 2 on t in [-T, T] with step h.
    const H: f64 = 1.0 / 64.0;
    const T: f64 = 3.2;
    let half_pi = std::f64::consts::FRAC_PI_2;
    let steps = (T / H) as i64;
    (-steps..=steps).filter_map(move |k| {
        let t = k as f64 * H;
        let s = half_pi * t.sinh();
        // The distance to the nearer end, 1/(1 + e^{2|s|}).
        let near = 1.0 / (1.0 + (2.0 * s.abs()).exp());
        let u = if t < 0.0 { near } else { 1.0 - near };
        if u <= 0.0 || u >= 1.0 {
            return None;
        }
        let cosh_s = s.cosh();
        Some((u, H * half_pi * t.cosh() / (cosh_s * cosh_s) / 2.0))
    })
}

/// ∫_0^1 f(u) du by tanh-sinh quadrature.
#[cfg(test)]
pub(crate) fn integrate_unit(f: impl Fn(f64) -> f64) -> f64 {
    unit_nodes().map(|(u, w)| w * f(u)).sum()
}

/// The mean and sd of the law with quantile function `ppf`: ∫ ppf and
/// sqrt(∫ (ppf - mean)²) over (0, 1), from one evaluation of `ppf` per node.
/// The spread is summed in units of a power of two above every |ppf|, so it
/// does not overflow for quantiles near the float range's end. A quantile
/// that overflowed (inf) makes the moments inf or NaN: they are then not
/// representable, and the callers report it.
pub(crate) fn quantile_moments(ppf: impl Fn(f64) -> f64) -> (f64, f64) {
    let nodes: Vec<(f64, f64)> = unit_nodes().map(|(u, w)| (w, ppf(u))).collect();
    let total: f64 = nodes.iter().map(|(w, _)| w).sum();
    // The weights sum to 1 but for the far tails' share, which is ignored.
    let parts = nodes.iter().map(|&(w, x)| (w / total, x, 0.0));
    super::mixture_moments(parts)
}

/// The smallest x in [lo, hi] with `cdf(x) >= q`, by bisection; `cdf` must be
/// non-decreasing (pass `|x| -sf(x)` and `-q` to invert a survival function).
/// `integer` restricts the search to whole numbers. Infinite ends are searched
/// to the largest float, and the answer is that end when `cdf` stays below `q`.
/// At most 64 steps, whatever the bracket: this runs with the GIL held.
pub(crate) fn invert_cdf(cdf: impl Fn(f64) -> f64, q: f64, lo: f64, hi: f64, integer: bool) -> f64 {
    if cdf(lo) >= q {
        return lo;
    }
    let (a, b) = (lo.max(-f64::MAX), hi.min(f64::MAX));
    // An infinite end is replaced by the largest float, which may reach q already.
    if a > lo && cdf(a) >= q {
        return a;
    }
    if cdf(b) < q {
        return hi;
    }
    // Whole numbers are bisected only where each is a float (|x| <= 2^53):
    // beyond, a + (b - a)/2 can round back onto a or b and never progress.
    if integer && a.abs().max(b.abs()) <= 9_007_199_254_740_992.0 {
        let (mut a, mut b) = (a.floor(), b.ceil());
        if cdf(a) >= q {
            return a;
        }
        while b - a > 1.0 {
            let m = (a + (b - a) / 2.0).floor();
            if cdf(m) >= q {
                b = m;
            } else {
                a = m;
            }
        }
        return b;
    }
    let x = bisect_floats(cdf, q, a, b);
    // An integer law's cdf is flat between whole numbers, so the smallest
    // float reaching q is a whole number already; ceil only guards rounding.
    if integer {
        x.ceil()
    } else {
        x
    }
}

/// The smallest whole number x in [lo, hi] with `cdf(x) >= q`, as
/// [`invert_cdf`] with `integer` finds it, but searched outward from `guess`
/// (a normal approximation of the quantile): a bracket grows from the guess
/// in doubling steps, then is bisected, so a guess off by d costs about
/// 2 log2(d) + 3 cdf calls instead of the ~60 a search of [0, 2^53] takes.
/// Count laws invert this way millions of times in evidence runs.
pub(crate) fn invert_count_cdf(
    cdf: impl Fn(f64) -> f64,
    q: f64,
    guess: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    const EXACT: f64 = 4_503_599_627_370_496.0; // 2^52: whole numbers and their halves are floats
    if !guess.is_finite() || lo.abs() > EXACT || cdf(lo) >= q {
        return invert_cdf(cdf, q, lo, hi, true);
    }
    let top = hi.min(EXACT);
    let g = guess.round().clamp(lo, top);
    // Invariant once found: cdf(a) < q <= cdf(b), a < b whole numbers.
    let (mut a, mut b);
    if cdf(g) >= q {
        b = g;
        let mut step = 1.0;
        loop {
            let x = (g - step).max(lo);
            if cdf(x) < q {
                a = x;
                break;
            }
            b = x;
            step *= 2.0;
        }
    } else {
        a = g;
        let mut step = 1.0;
        loop {
            let x = g + step;
            if x >= top {
                // Beyond the exact range (or hi): the general search takes over.
                return invert_cdf(cdf, q, a, hi, true);
            }
            if cdf(x) >= q {
                b = x;
                break;
            }
            a = x;
            step *= 2.0;
        }
    }
    while b - a > 1.0 {
        let m = (a + (b - a) / 2.0).floor();
        if cdf(m) >= q {
            b = m;
        } else {
            a = m;
        }
    }
    b
}

/// Maps an f64 to an integer key with the same order (-0 just below +0).
fn float_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    if bits < 0 {
        bits ^ i64::MAX
    } else {
        bits
    }
}

fn key_float(k: i64) -> f64 {
    f64::from_bits((if k < 0 { k ^ i64::MAX } else { k }) as u64)
}

/// The smallest float x in (lo, hi] with `cdf(x) >= q`, given cdf(lo) < q <=
/// cdf(hi), searching over the floats themselves rather than the real line, so
/// the answer is exact to the last ulp even for quantiles such as 1e-100 of a
/// beta(0.01, 1), where halving [0, 1] would need thousands of steps.
///
/// Two of every three steps interpolate (regula falsi, Illinois variant:
/// superlinear on smooth cdfs, so a quantile costs ~10 cdf calls rather than
/// 64); the third bisects the bracket's float keys, which bounds the whole
/// search by 3 x 64 steps whatever the cdf does.
fn bisect_floats(cdf: impl Fn(f64) -> f64, q: f64, lo: f64, hi: f64) -> f64 {
    // In i128: from -MAX to MAX the keys span more than i64 holds.
    let (mut a, mut b) = (float_key(lo) as i128, float_key(hi) as i128);
    let (mut fa, mut fb) = (cdf(lo) - q, cdf(hi) - q);
    let mut last_moved = 0i8;
    let mut step = 0u32;
    while b - a > 1 {
        let (xa, xb) = (key_float(a as i64), key_float(b as i64));
        let t = -fa / (fb - fa);
        let m = if step % 3 != 2 && t.is_finite() && (xb - xa).is_finite() {
            let x = xa + t.clamp(0.0, 1.0) * (xb - xa);
            (float_key(x) as i128).clamp(a + 1, b - 1)
        } else {
            a + (b - a) / 2
        };
        step += 1;
        let fm = cdf(key_float(m as i64)) - q;
        if fm >= 0.0 {
            b = m;
            fb = fm;
            if last_moved == 1 {
                fa /= 2.0;
            }
            last_moved = 1;
        } else {
            a = m;
            fa = fm;
            if last_moved == -1 {
                fb /= 2.0;
            }
            last_moved = -1;
        }
    }
    key_float(b as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_polynomials_and_singular_ends() {
        assert!((integrate_unit(|u| u * u) - 1.0 / 3.0).abs() < 1e-12);
        // ∫ ln(u) du = -1, singular at 0.
        assert!((integrate_unit(|u| u.ln()) + 1.0).abs() < 1e-9);
    }

    #[test]
    fn quantile_moments_of_a_uniform_near_the_float_range_end() {
        // uniform(-1e308, 1.7e308): mean 3.5e307, sd 2.7e308/sqrt(12) =
        // 1.35e308/sqrt(3) (its variance and the range itself overflow).
        let (mean, sd) = quantile_moments(|u| -1e308 + u * 1.7e308 + u * 1e308);
        assert!((mean / 3.5e307 - 1.0).abs() < 1e-9, "{mean}");
        assert!((sd / (1.35e308 / 3f64.sqrt()) - 1.0).abs() < 1e-9, "{sd}");
        // A quantile that overflowed makes the moments non-finite, not wrong.
        let (mean, _) = quantile_moments(|u| if u > 0.99 { f64::INFINITY } else { u });
        assert!(!mean.is_finite());
    }

    #[test]
    fn count_inversion_from_a_guess_agrees_with_the_full_search() {
        // A Poisson(30)-like cdf by summation, inverted from good and bad guesses.
        let pmf =
            |k: f64| (k * 30f64.ln() - 30.0 - statrs::function::gamma::ln_gamma(k + 1.0)).exp();
        let cdf = |x: f64| {
            (0..=(x.max(-1.0) as i64))
                .map(|k| pmf(k as f64))
                .sum::<f64>()
        };
        for q in [1e-9, 0.01, 0.3, 0.5, 0.9, 0.999_999] {
            let want = invert_cdf(cdf, q, 0.0, 200.0, true);
            for guess in [0.0, 12.0, 30.0, 31.0, 55.0, 199.0, f64::NAN] {
                assert_eq!(
                    invert_count_cdf(cdf, q, guess, 0.0, 200.0),
                    want,
                    "q {q} guess {guess}"
                );
            }
        }
    }

    #[test]
    fn inverts_continuous_and_integer_cdfs() {
        let x = invert_cdf(|x| x.clamp(0.0, 1.0), 0.3, 0.0, 1.0, false);
        assert!((x - 0.3).abs() < 1e-12);
        // A fair die's cdf: floor(x)/6.
        let die = |x: f64| (x.floor() / 6.0).clamp(0.0, 1.0);
        assert_eq!(invert_cdf(die, 0.5, 1.0, 6.0, true), 3.0);
        assert_eq!(invert_cdf(die, 0.51, 1.0, 6.0, true), 4.0);
        // Across zero and down to tiny quantiles, to the last ulp.
        let x = invert_cdf(|x| (x + 1.0) / 2.0, 0.25, -1.0, 1.0, false);
        assert_eq!(x, -0.5);
        let x = invert_cdf(|x| x.powf(0.01), 0.1, 0.0, 1.0, false);
        assert!((x / 1e-100 - 1.0).abs() < 1e-12, "{x}");
        // Unbounded brackets reach the far end of the floats in 64 steps.
        let x = invert_cdf(|x| (x / 1e300).min(1.0), 0.5, 0.0, f64::INFINITY, false);
        assert!((x / 5e299 - 1.0).abs() < 1e-12, "{x}");
        assert_eq!(
            invert_cdf(|_| 0.0, 0.5, 0.0, f64::INFINITY, false),
            f64::INFINITY
        );
        // Whole numbers beyond 2^53, 16 apart: bisected as floats (halving
        // their distance rounded back onto an end and never finished).
        let atoms = |x: f64| {
            if x >= 1e17 + 16.0 {
                1.0
            } else if x >= 1e17 {
                0.5
            } else {
                0.0
            }
        };
        assert_eq!(
            invert_cdf(atoms, 0.75, 1e17, 1e17 + 16.0, true),
            1e17 + 16.0
        );
        // An infinite end replaced by the largest float, which reaches q.
        let x = invert_cdf(
            |x| if x > -1e308 { 1.0 } else { 0.0 },
            0.5,
            f64::NEG_INFINITY,
            0.0,
            false,
        );
        assert_eq!(x, (-1e308_f64).next_up());
        let tiny_everywhere = |x: f64| if x.is_finite() { 1e-300 } else { 0.0 };
        let x = invert_cdf(tiny_everywhere, 1e-310, f64::NEG_INFINITY, 0.0, false);
        assert_eq!(x, -f64::MAX);
        // A survival function, inverted through its negation.
        let sf = |x: f64| (-x).exp();
        let x = invert_cdf(|x| -sf(x), -1e-300, 0.0, f64::INFINITY, false);
        assert!((x - 1e-300f64.ln().abs()).abs() < 1e-12, "{x}");
    }
}
