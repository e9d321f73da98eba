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
    for _ in 0..200 {
        let m = lo + (hi - lo) / 2.0;
        if m <= lo || m >= hi {
            break;
        }
        if cdf(m) >= q {
            hi = m;
        } else {
            lo = m;
        }
    }
    hi
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
    }
}
