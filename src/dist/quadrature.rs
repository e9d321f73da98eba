//! Numerical helpers for moments and quantiles that have no closed form
//! (truncated laws, mixtures): tanh-sinh quadrature and bracketed root finding.

/// ∫_0^1 f(u) du by tanh-sinh (double-exponential) quadrature, which copes with
/// the integrable endpoint singularities of a quantile function.
pub(crate) fn integrate_unit(f: impl Fn(f64) -> f64) -> f64 {
    // Nodes u = (1 + tanh(pi/2 sinh t)) / 2 on t in [-T, T] with step h.
    const H: f64 = 1.0 / 64.0;
    const T: f64 = 3.2;
    let half_pi = std::f64::consts::FRAC_PI_2;
    let mut total = 0.0;
    let steps = (T / H) as i64;
    for k in -steps..=steps {
        let t = k as f64 * H;
        let s = half_pi * t.sinh();
        let cosh_s = s.cosh();
        // 1 - tanh(s) computed stably as 2 / (1 + e^{2s}).
        let one_minus = 2.0 / (1.0 + (2.0 * s).exp());
        let u = 1.0 - one_minus / 2.0;
        if u <= 0.0 || u >= 1.0 {
            continue;
        }
        let w = H * half_pi * t.cosh() / (cosh_s * cosh_s) / 2.0;
        let v = f(u);
        if v.is_finite() {
            total += w * v;
        }
    }
    total
}

/// The smallest x in [lo, hi] with `cdf(x) >= q`, by bisection on a bracket.
/// `integer` restricts the search to whole numbers.
pub(crate) fn invert_cdf(
    cdf: impl Fn(f64) -> f64,
    q: f64,
    mut lo: f64,
    mut hi: f64,
    integer: bool,
) -> f64 {
    // Widen an infinite bracket until it holds the quantile.
    if !lo.is_finite() {
        lo = -1.0;
        while cdf(lo) >= q && lo > -1e300 {
            lo *= 2.0;
        }
    }
    if !hi.is_finite() {
        hi = 1.0;
        while cdf(hi) < q && hi < 1e300 {
            hi *= 2.0;
        }
    }
    if integer {
        let (mut a, mut b) = (lo.floor(), hi.ceil());
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
    bisect_floats(cdf, q, lo, hi)
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

/// The smallest float x in [lo, hi] with `cdf(x) >= q`, bisecting over the
/// floats themselves rather than the real line: at most 64 steps reach the
/// last ulp, even for quantiles such as 1e-100 of a beta(0.01, 1), where
/// halving [0, 1] would need thousands.
fn bisect_floats(cdf: impl Fn(f64) -> f64, q: f64, lo: f64, hi: f64) -> f64 {
    let (mut a, mut b) = (float_key(lo), float_key(hi));
    if cdf(lo) >= q {
        return lo;
    }
    while b - a > 1 {
        let m = a + (b - a) / 2;
        if cdf(key_float(m)) >= q {
            b = m;
        } else {
            a = m;
        }
    }
    key_float(b)
}

/// Accepts `guess` (an approximate inverse, such as statrs') when its cdf
/// matches q to 1e-12 relative to the nearer tail, and otherwise bisects over
/// [lo, hi] from scratch: approximate inverses lose their way in far tails and
/// with tiny shapes (statrs put gamma(0.05)'s 10% quantile at 9e-10, not 6e-21).
pub(crate) fn polish_quantile(
    cdf: impl Fn(f64) -> f64,
    q: f64,
    guess: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    if q <= 0.0 {
        return lo;
    }
    if q >= 1.0 {
        return hi;
    }
    if guess.is_finite() && (cdf(guess) - q).abs() <= 1e-12 * q.min(1.0 - q) {
        return guess;
    }
    invert_cdf(cdf, q, lo, hi, false)
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
    }
}
