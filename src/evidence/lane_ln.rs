//! Natural logarithms of a batch of lanes at once: the rows of
//! [`super::image_recurrence`] end in a few logarithms each, and libm's
//! `log`, one value a call, was a quarter of their cost.
//!
//! [`ln`] is fdlibm's `__ieee754_log` (Sun Microsystems, 1993; also in
//! musl and FreeBSD), written without its branches so that the compiler
//! can take a vector of lanes through it: x = 2^k (1 + f) with 1 + f in
//! [√2/2, √2), s = f / (2 + f), and a polynomial in s² of degree 7 for
//! ln((1 + s)/(1 - s)). Its error is below one unit in the last place (the
//! tests hold it to one unit of libm's). Each lane's arithmetic is the
//! same at every vector width, so a lane gives the same bits alone or in
//! company.

/// ln 2 in two parts: the high one has 32 trailing zero bits, so k·LN2_HI
/// is exact for every exponent k.
const LN2_HI: f64 = f64::from_bits(0x3fe62e42fee00000);
const LN2_LO: f64 = f64::from_bits(0x3dea39ef35793c76);

/// The minimax coefficients of fdlibm's polynomial, by their bits.
const LG: [f64; 7] = [
    f64::from_bits(0x3fe5555555555593),
    f64::from_bits(0x3fd999999997fa04),
    f64::from_bits(0x3fd2492494229359),
    f64::from_bits(0x3fcc71c51d8e78af),
    f64::from_bits(0x3fc7466496cb03de),
    f64::from_bits(0x3fc39a09d078c69f),
    f64::from_bits(0x3fc2f112df3e5244),
];

/// ln x for each lane, within one unit in the last place: libm's own `ln`
/// for lanes that are not positive, normal and finite (0, subnormals,
/// infinities, NaN), so `ln([1.0, 0.0])` is `[0.0, -inf]`.
#[inline(always)]
pub(crate) fn ln<const L: usize>(x: [f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for (o, &x) in out.iter_mut().zip(&x) {
        *o = ln_normal(x);
    }
    if x.iter().any(|&x| !(x.is_normal() && x > 0.0)) {
        by_libm(&x, &mut out);
    }
    out
}

/// ln(1 - p) for each lane, p in [0, 1], within a few units in the last
/// place: [`ln_missed_given`] its 1/(1 - p).
#[inline(always)]
pub(crate) fn ln_missed<const L: usize>(p: [f64; L]) -> [f64; L] {
    let mut per_missed = [0.0; L];
    for (per, &p) in per_missed.iter_mut().zip(&p) {
        *per = 1.0 / (1.0 - p);
    }
    ln_missed_given(p, per_missed)
}

/// ln(1 - p) for each lane, p in [0, 1], given 1/(1 - p) (a caller that
/// has it saves a lane's division): u = 1 - p rounded and its rounding
/// e = (1 - p) - u, exact (Dekker's Fast2Sum: (1 - u) - p), so ln(1 - p)
/// = ln u + e/u to well below a unit of ln u. Where 1 - p is exact (p >= 1/2,
/// and p = 1: -inf) e is 0 and the result is ln u itself.
#[inline(always)]
pub(crate) fn ln_missed_given<const L: usize>(p: [f64; L], per_missed: [f64; L]) -> [f64; L] {
    let mut missed = [0.0; L];
    for (u, &p) in missed.iter_mut().zip(&p) {
        *u = 1.0 - p;
    }
    let ln_u = ln(missed);
    let mut out = [0.0; L];
    for l in 0..L {
        let rounding = (1.0 - missed[l]) - p[l];
        out[l] = match rounding == 0.0 {
            true => ln_u[l],
            false => ln_u[l] + rounding * per_missed[l],
        };
    }
    out
}

/// fdlibm's logarithm for a positive, normal, finite x (other x give
/// values the caller replaces).
#[inline(always)]
fn ln_normal(x: f64) -> f64 {
    let bits = x.to_bits();
    let high = (bits >> 32) as u32;
    let mantissa = high & 0x000f_ffff;
    // Normalize 1 + f to [√2/2, √2): i is 2^20 where the mantissa is at
    // least √2 - 1 (0x6a09e, before the rounding offset), else 0.
    let i = (mantissa + 0x95f64) & 0x0010_0000;
    let k = ((high >> 20) as i32 - 1023) + (i >> 20) as i32;
    let normal =
        f64::from_bits((u64::from(mantissa | (i ^ 0x3ff0_0000)) << 32) | (bits & 0xffff_ffff));
    let f = normal - 1.0;
    let s = f / (2.0 + f);
    let dk = f64::from(k);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    // fdlibm's branch: where f is far from 0 (the mantissa's high bits
    // between 0x6147a and 0x6b851), the square term is kept apart.
    let apart = (mantissa as i32 - 0x6147a) | (0x6b851 - mantissa as i32) > 0;
    let hfsq = 0.5 * f * f;
    let near = dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
    let far = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
    if apart {
        far
    } else {
        near
    }
}

/// The lanes `ln_normal` does not cover, by libm: a real branch, rare.
#[cold]
#[inline(never)]
fn by_libm<const L: usize>(x: &[f64; L], out: &mut [f64; L]) {
    for (o, &x) in out.iter_mut().zip(x) {
        if !(x.is_normal() && x > 0.0) {
            *o = x.ln();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units in the last place between two finite values of one sign.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    /// A fixed spread of values over every exponent of f64, and the
    /// neighbourhoods of 1 and of the normalization's edge (√2).
    fn values() -> Vec<f64> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![];
        for _ in 0..200_000 {
            // Positive, normal and finite: exponent 1..=2046.
            let exponent = 1 + next() % 2046;
            values.push(f64::from_bits(exponent << 52 | next() >> 12));
        }
        for around in [
            1.0,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
        ] {
            for step in -2000i64..=2000 {
                values.push(f64::from_bits((f64::to_bits(around) as i64 + step) as u64));
                values.push(around * (1.0 + step as f64 * 1e-6));
            }
        }
        values
    }

    #[test]
    fn ln_is_libms_within_one_unit_in_the_last_place() {
        let values = values();
        let mut worst = 0;
        for chunk in values.chunks_exact(16) {
            let got = ln::<16>(chunk.try_into().unwrap());
            for (&x, &got) in chunk.iter().zip(&got) {
                let want = x.ln();
                let apart = ulps(got, want);
                assert!(
                    apart <= 1 || (want == 0.0 && got == 0.0),
                    "ln {x:e}: {got:e} against {want:e}"
                );
                worst = worst.max(apart);
            }
        }
        assert!(worst <= 1);
    }

    #[test]
    fn ln_takes_libms_value_where_it_is_not_defined_by_fdlibms_path() {
        let specials = [
            0.0,
            -0.0,
            5e-324,
            2.2e-308,
            f64::INFINITY,
            -1.0,
            f64::NAN,
            1.0,
        ];
        let got = ln(specials);
        for (&x, &got) in specials.iter().zip(&got) {
            let want = x.ln();
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{x}"
            );
        }
    }

    #[test]
    fn ln_missed_is_ln_1p_of_minus_p_within_a_few_units() {
        for &p in values().iter().filter(|&&p| p <= 1.0).take(50_000).chain(&[
            0.0,
            0.5,
            1.0,
            1e-300,
            0.4999999999,
        ]) {
            let got = ln_missed([p])[0];
            let want = (-p).ln_1p();
            if want.is_infinite() || want == 0.0 {
                assert_eq!(got, want, "p = {p:e}");
                continue;
            }
            let apart = ulps(got, want);
            assert!(apart <= 4, "p = {p:e}: {got:e} against {want:e}");
        }
    }
}
