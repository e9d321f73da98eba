//! The regularised incomplete beta I_x(a, b) where the continued fraction fails:
//! large shapes. Both functions return the pair (I_x(a, b), 1 - I_x(a, b)), each
//! to full relative precision in its own tail, for a <= b.
//!
//! The continued fraction of I_x(a, b) needs ~s^(1/3) terms near the mean (s = a + b)
//! and loses about eps·sqrt(min(a, b)) to cancellation at every term: at a = b = 1e14
//! it put I_{1/2} 1.5e-9 from 1/2. With one shape small and the other huge it is
//! worse, as both its forms cancel (I_x(10, 1e15) was 0.2% off one sd above the mean,
//! nbinom(0.5, 1e-12).ppf(0.99) 5e-5 off). Hence two expansions, each exact in the
//! limit it is used in and checked against mpmath quadrature in the tests:
//!
//! - [`large_shapes`], both shapes large: Temme's uniform expansion about the mean,
//!   with the density's Taylor series integrated term by term against the Gaussian;
//! - [`gamma_mixture`], one shape small against the other: -ln(1 - X) is nearly a
//!   gamma variable, and the exact law is a short, fast-converging mixture of gammas.

use super::special::{erfc, gamma_pq, log1pmx, stirling_tail};

/// From this smaller shape on, [`large_shapes`] is used.
pub(crate) const LARGE_SHAPES_FROM: f64 = 1e4;

/// Terms of the Taylor series in [`large_shapes`]. Its radius is sqrt(4π) in the
/// variable ζ (the other-sheet images of the mode at ζ² = ±4πi), and only
/// |ζ| <= sqrt(2·750 / a) <= 0.39 matters (beyond, e^(-aζ²/2) underflows): with
/// a >= 1e4 the terms fall by 9x each, and 24 reach 1e-23.
const TAYLOR_TERMS: usize = 24;

/// e^(-Λ) underflows from here on, and so does the tail it multiplies.
const UNDERFLOW: f64 = 750.0;

/// (I_x(a, b), 1 - I_x(a, b)) for LARGE_SHAPES_FROM <= a <= b, y = 1 - x.
///
/// With x0 = a/s the mean and ω = x/x0 - 1, the exponent of t^a (1 - t)^b about
/// its peak is Λ(ω) = a (ω - ln(1 + ω)) + b (-r²ω - ln(1 - r²ω)) >= 0, r² = a/b,
/// and a ζ²/2 = Λ defines ζ (the sign of ω). Then exactly
/// I_x = K ∫_{-∞}^{ζ_x} e^{-aζ²/2} g(ζ) dζ with g = ζ/ω(ζ) and
/// K = x0^a y0^b / B(a, b) = sqrt(a y0 / 2π) e^{Δμ} (Stirling, y0 = b/s).
/// g's Taylor coefficients are integrated term by term: the Gaussian moments
/// ∫ e^{-u²/2} u^n over a tail follow from erfc by a two-term recurrence.
pub(crate) fn large_shapes(a: f64, b: f64, x: f64, y: f64) -> (f64, f64) {
    debug_assert!(LARGE_SHAPES_FROM <= a && a <= b);
    let t = deviation(a, b, x, y);
    let lambda = -(a * log1pmx(t / a) + b * log1pmx(-t / b));
    if lambda >= UNDERFLOW {
        return if t < 0.0 { (0.0, 1.0) } else { (1.0, 0.0) };
    }
    // ξ = sqrt(a) ζ_x, the standardised end of the integral.
    let root = lambda.max(0.0).sqrt();
    let xi = std::f64::consts::SQRT_2 * root.copysign(t);
    let g = taylor_of_g(a / b, a);
    let moments = gaussian_tail_moments(xi, root, lambda);
    let series: f64 = g.iter().zip(&moments).map(|(g, j)| g * j).sum();
    let y0 = b / (a + b);
    let delta_mu = stirling_tail(a + b) - stirling_tail(a) - stirling_tail(b);
    let tail =
        ((y0 / (2.0 * std::f64::consts::PI)).sqrt() * delta_mu.exp() * series).clamp(0.0, 1.0);
    if t < 0.0 {
        (tail, 1.0 - tail)
    } else {
        (1.0 - tail, tail)
    }
}

/// s (x - a/s) = x b - y a, s = a + b, to full relative precision (the sd of x is
/// ~sqrt(a)/s, so its rounding error would otherwise cost eps·sqrt(a) relative:
/// 1e-6 at a = 1e20). Computed from the smaller of x and y alone, which is the
/// exact one (the other may be 1 minus it, rounded), as x a + x b - a or
/// b - y a - y b, with the products split exactly by fma and summed without
/// losing their low parts.
fn deviation(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= y {
        exact_sum_of_products(x, a, b, -a)
    } else {
        -exact_sum_of_products(y, a, b, -b)
    }
}

/// u c + u d + e with u c + u d close to -e (so the result is small).
fn exact_sum_of_products(u: f64, c: f64, d: f64, e: f64) -> f64 {
    let (p, p_err) = (u * c, u.mul_add(c, -(u * c)));
    let (q, q_err) = (u * d, u.mul_add(d, -(u * d)));
    // Knuth's two-sum: h + l = p + q exactly.
    let h = p + q;
    let v = h - p;
    let l = (p - (h - v)) + (q - v);
    (h + e) + (l + p_err + q_err)
}

/// The Taylor coefficients of g(ζ) = ζ/ω(ζ), the n-th scaled by a^(-n/2) (so
/// they multiply the moments of the standardised variable sqrt(a) ζ).
///
/// From dΛ/dω = aω(1 + r²)/((1 + ω)(1 - r²ω)) and dΛ/dζ = aζ, ω(ζ) solves
/// (1 + r²)/2 (ω²)' = ζ (1 + (1 - r²)ω - r²ω²): matching powers of ζ gives the
/// coefficients S_n of ω² and W_n of ω = Σ W_n ζ^n in turn (W_1 = 1/sqrt(1 + r²)).
fn taylor_of_g(r2: f64, a: f64) -> [f64; TAYLOR_TERMS] {
    const N: usize = TAYLOR_TERMS;
    // w[k] = W_k and sq[k] = S_k, the coefficients of ω and ω², k <= N.
    let mut w = [0.0f64; N + 1];
    let mut sq = [0.0f64; N + 2];
    let half = 0.5 * (1.0 + r2);
    sq[2] = 1.0 / (1.0 + r2);
    w[1] = sq[2].sqrt();
    for n in 3..=N + 1 {
        let rhs = (1.0 - r2) * w[n - 2] - r2 * sq[n - 2];
        sq[n] = rhs / (half * n as f64);
        // S_n = 2 W_1 W_{n-1} + Σ_{i=2}^{n-2} W_i W_{n-i}.
        let inner: f64 = (2..=n - 2).map(|i| w[i] * w[n - i]).sum();
        w[n - 1] = (sq[n] - inner) / (2.0 * w[1]);
    }
    // g = 1 / (W_1 + W_2 ζ + ...), by the reciprocal of a power series.
    let mut g = [0.0f64; N];
    g[0] = 1.0 / w[1];
    for n in 1..N {
        let acc: f64 = (1..=n).map(|k| w[k + 1] * g[n - k]).sum();
        g[n] = -acc / w[1];
    }
    let step = 1.0 / a.sqrt();
    let mut scale = 1.0;
    for gn in &mut g {
        *gn *= scale;
        scale *= step;
    }
    g
}

/// ∫ e^{-u²/2} u^n du over the tail beyond ξ: (-∞, ξ] for ξ < 0, else [ξ, ∞);
/// n < TAYLOR_TERMS, `root` = |ξ|/sqrt(2), `lambda` = ξ²/2. In either tail the two
/// terms of the recurrence J_n = (n - 1) J_{n-2} ∓ ξ^(n-1) e^{-ξ²/2} have the same
/// sign: no cancellation.
fn gaussian_tail_moments(xi: f64, root: f64, lambda: f64) -> [f64; TAYLOR_TERMS] {
    let mut j = [0.0f64; TAYLOR_TERMS];
    j[0] = (0.5 * std::f64::consts::PI).sqrt() * erfc(root);
    let e = (-lambda).exp();
    let sign = if xi < 0.0 { -1.0 } else { 1.0 };
    j[1] = sign * e;
    let mut power = e; // ξ^(n-1) e^{-ξ²/2}
    for n in 2..TAYLOR_TERMS {
        power *= xi;
        j[n] = (n - 1) as f64 * j[n - 2] + sign * power;
    }
    j
}

/// From this larger shape on (and with the smaller one below LARGE_SHAPES_FROM),
/// [`gamma_mixture`] may be used: e^(-2π c) underflows, which makes the
/// expansion's neglected tail (y > 2π below) nothing.
pub(crate) const GAMMA_MIXTURE_FROM: f64 = 1e3;

/// Whether [`gamma_mixture`] converges within its terms for shapes a <= b: the
/// mixing weights fall like (ε/24)^k / k! with ε = a³/c², c = b + (a - 1)/2, so
/// ε <= 0.1 brings the 7th below 1e-17 of the first.
pub(crate) fn gamma_mixture_applies(a: f64, b: f64) -> bool {
    let c = b + 0.5 * (a - 1.0);
    b >= GAMMA_MIXTURE_FROM && 10.0 * a * a * a <= c * c
}

/// Bernoulli-number coefficients l_j of ln(sinh(y/2)/(y/2)) = Σ l_j y^(2j),
/// l_j = B_2j / (2j (2j)!).
const LN_SINHC: [f64; 8] = [
    1.0 / 24.0,
    -1.0 / 2880.0,
    1.0 / 181_440.0,
    -1.0 / 9_676_800.0,
    1.0 / 479_001_600.0,
    -691.0 / 15_692_092_416_000.0,
    1.0 / 1_046_139_494_400.0,
    -3617.0 / 170_729_965_486_080_000.0,
];

/// (I_x(a, b), 1 - I_x(a, b)) for a <= b with [`gamma_mixture_applies`].
///
/// Y = -ln(1 - X) has density ∝ (1 - e^{-y})^(a-1) e^{-by}
/// = y^(a-1) e^{-cy} S(y)^(a-1), c = b + (a - 1)/2, S(y) = sinh(y/2)/(y/2).
/// Expanding S^(a-1) = Σ e_k y^(2k) makes the law of Y a mixture of
/// gamma(a + 2k, 1/c) laws with weights w_k ∝ e_k (a)_2k / c^(2k), so
/// I_x(a, b) = Σ w_k P(a + 2k, cξ) / Σ w_k at ξ = -ln(1 - x), and the same with Q
/// for the upper tail. y is O(a/c), so the weights fall like (a³/24c²)^k / k!.
pub(crate) fn gamma_mixture(a: f64, b: f64, x: f64, y: f64) -> (f64, f64) {
    const MAX_TERMS: usize = LN_SINHC.len();
    let c = b + 0.5 * (a - 1.0);
    // ξ = -ln(1 - x), from whichever of x, y keeps its digits.
    let xi = if y < 0.5 { -y.ln() } else { -(-x).ln_1p() };
    let z = c * xi;
    // e_k: exp of (a - 1) Σ l_j Y^j as a power series in Y = y², by k e_k =
    // Σ_j j f_j e_{k-j} with f_j = (a - 1) l_j.
    let mut e = [0.0f64; MAX_TERMS];
    e[0] = 1.0;
    let (mut lower, mut upper, mut total) = (0.0f64, 0.0f64, 0.0f64);
    let mut rising = 1.0; // (a)_2k / c^(2k)
    for k in 0..MAX_TERMS {
        if k > 0 {
            let acc: f64 = (1..=k)
                .map(|j| j as f64 * (a - 1.0) * LN_SINHC[j - 1] * e[k - j])
                .sum();
            e[k] = acc / k as f64;
            let m = a + (2 * k - 2) as f64;
            rising *= m / c * ((m + 1.0) / c);
        }
        let weight = e[k] * rising;
        if k > 0 && weight.abs() <= 1e-17 * total.abs() {
            break;
        }
        let (p, q) = gamma_pq(a + (2 * k) as f64, z);
        lower += weight * p;
        upper += weight * q;
        total += weight;
    }
    (
        (lower / total).clamp(0.0, 1.0),
        (upper / total).clamp(0.0, 1.0),
    )
}

#[cfg(test)]
mod tests {
    use crate::dist::special::beta_reg;

    /// (a, b, x, I_x(a, b), 1 - I_x(a, b)) from mpmath: the continued fraction at
    /// 120 digits where x is 3 sd or more from the mean, quadrature of the exact
    /// log-density near it. (Double-precision references fail here: scipy 1.17
    /// puts I_x(1e12, 1e12) 1e-4 off one sd below the mean, and mpmath's own
    /// quadrature, or the fraction at 60 digits, drifts by 1e-11 in far tails.)
    const MPMATH: [(f64, f64, f64, f64, f64); 13] = [
        (
            10000.0,
            10000.0,
            0.39393663437301457,
            1.4698804898536684e-202,
            1.0,
        ),
        (
            10000.0,
            10000.0,
            0.48939366343730145,
            0.0013489009447163727,
            0.9986510990552836,
        ),
        (
            10000.0,
            10000.0,
            0.5003535445520899,
            0.5398263537189074,
            0.46017364628109253,
        ),
        (
            10000.0,
            30000.0,
            0.26732029157339726,
            0.9999999999999984,
            1.5746629918518982e-15,
        ),
        (
            20000.0,
            1000000000.0,
            2.4242113416959204e-05,
            1.0,
            3.6784104258855603e-174,
        ),
        (
            20000.0,
            1000000000.0,
            1.9858182894367862e-05,
            0.15865322755915803,
            0.841346772440842,
        ),
        (
            100000.0,
            1000000000000000.0,
            1.003162277559694e-10,
            0.8413451484483294,
            0.1586548515516706,
        ),
        (
            100000.0,
            1000000000000000.0,
            9.747017786224477e-11,
            3.589990441662522e-16,
            0.9999999999999997,
        ),
        (
            1000000.0,
            2000000.0,
            0.33115600948041335,
            5.799634778238855e-16,
            0.9999999999999994,
        ),
        (
            1000000.0,
            2000000.0,
            0.3333605498814948,
            0.5398813050738916,
            0.46011869492610835,
        ),
        (
            100000000.0,
            100000000.0,
            0.4999646446610291,
            0.15865525453650328,
            0.8413447454634967,
        ),
        (
            100000000000.0,
            100000000000000.0,
            0.0009990104716214971,
            0.9986500646515142,
            0.0013499353484858064,
        ),
        (
            100000000000.0,
            100000000000000.0,
            0.000998997841460833,
            0.158655253936723,
            0.841344746063277,
        ),
    ];

    fn relative_error(got: f64, want: f64) -> f64 {
        if want == 0.0 {
            got.abs()
        } else {
            (got - want).abs() / want
        }
    }

    #[test]
    fn both_tails_match_mpmath_to_full_precision() {
        for (a, b, x, lower, upper) in MPMATH {
            // Each tail computed directly, as the cdf and the sf ask for them.
            let (got_lower, got_upper) = (beta_reg(a, b, x, 1.0 - x), beta_reg(b, a, 1.0 - x, x));
            assert!(
                relative_error(got_lower, lower) < 2e-13,
                "I_{x}({a}, {b}) = {got_lower}, not {lower}"
            );
            assert!(
                relative_error(got_upper, upper) < 2e-13,
                "1 - I_{x}({a}, {b}) = {got_upper}, not {upper}"
            );
        }
    }

    #[test]
    fn closed_forms_hold_for_huge_shapes() {
        // I_{1/2}(a, a) = 1/2: at a = 1e14 the continued fraction gave 1/2 - 1.4e-9.
        for a in [1e4, 1e8, 1e12, 1e14, 1e16, 1e100, 1e300] {
            assert!((beta_reg(a, a, 0.5, 0.5) - 0.5).abs() <= 4e-16, "a = {a}");
        }
        // I_x(a, 1) = x^a and I_x(1, b) = 1 - (1 - x)^b, one shape huge.
        for (a, t) in [(1e6f64, 1.0f64), (1e15, 0.3), (1e300, 5.0)] {
            let x = (-t / a).exp();
            let want = (a * x.ln()).exp();
            let got = beta_reg(a, 1.0, x, 1.0 - x);
            assert!(
                relative_error(got, want) < 1e-14,
                "I_{x}({a}, 1) = {got}, not {want}"
            );
            let want = -(a * x.ln()).exp_m1();
            let got = beta_reg(1.0, a, 1.0 - x, x);
            assert!(
                relative_error(got, want) < 1e-14,
                "I_(1-x)(1, {a}) = {got}, not {want}"
            );
        }
        for (b, x) in [(1e12f64, 3e-13f64), (1e219, 2e-219), (1e300, 1e-301)] {
            let want = -(b * (-x).ln_1p()).exp_m1();
            let got = beta_reg(1.0, b, x, 1.0 - x);
            assert!(
                relative_error(got, want) < 1e-14,
                "I_{x}(1, {b}) = {got}, not {want}"
            );
        }
    }
}
