//! An image count above its units plus one (k > n + 1: only double counts
//! and false positives explain it), sixteen rows of one number of units
//! at a time: the path of [`super::image_recurrence`] for those rows, where
//! its forward recurrence would subtract.
//!
//! The count is split as K = Y + F (the units' count Y <= 2n and the false
//! positives F), so
//!
//! ```text
//! P(K = k) = Σ_y P(Y = y) Pois(k - y; λ),
//! ```
//!
//! with P(Y = y) for y <= n by the recurrence of (a + bz + cz²)^n from
//! y = 0, and for y > n by that of its reverse (c + bz + az²)^n from y = 2n:
//! both have only positive coefficients there. Each pass steps the terms
//! of the sum themselves (a Poisson weight's neighbour is a ratio of it),
//! so a row costs about 2n steps and a few logarithms.
//!
//! The rows of a batch share k and n, so every step's index arithmetic
//! (the units and false positives left, the reciprocals) is the batch's,
//! and a row's own figures only scale it. Every row takes every step, with
//! no test of whether its sum is done (for these rows the terms mostly
//! climb to the last step, and the tests cost more than the steps they
//! saved), so a row alone gets the same bits as in company. A row whose
//! terms are not log-concave and fell to 1e-280 of the first is lost: it
//! sums its own terms.

use super::image_recurrence::{reciprocal, HIGHEST};
use super::lane_ln;
use super::widest_vectors::lanes;

/// A step may multiply a term by at most this (the terms are looked at
/// after every step, and kept below HIGHEST, 1e200).
const MOST_GROWTH: f64 = 1e100;

/// Whether the split's steps for this row stay within f64 (a chance or
/// rate so small that one step multiplies by more than 1e100 does not), for
/// a row with k > n + 1 and p < 1.
#[inline(always)]
pub(crate) fn suits(k: f64, n: f64, p: f64, lambda: f64, d: f64) -> bool {
    // The steps' factors b/(aλ), c/(aλ²), b/c and a/c, compared multiplied
    // out (divisions were a tenth of these rows' cost); without branches
    // (`&`, `|`), as in image_recurrence::suits.
    let (a, b, c) = (1.0 - p, p * (1.0 - d), p * d);
    let (lambda2, at_least_1) = (lambda * lambda, lambda.max(1.0));
    let upward = (lambda == 0.0)
        | ((lambda2 > 0.0)
            & (b * n * k <= MOST_GROWTH * a * lambda)
            & (c * (2.0 * n + 1.0) * k * (k + 1.0) <= MOST_GROWTH * a * lambda2));
    let downward = (c == 0.0)
        | (n < 1.0)
        | ((b * n + a * (2.0 * n + 1.0)) * (at_least_1 * at_least_1) <= MOST_GROWTH * c);
    upward & downward
}

/// ln P(K = k) for [`L`] rows given by figure, `[n, p, false_positives,
/// p_double]` with one value a lane, with one n (k > n + 1), each
/// [`suits`]; NaN for a row whose terms were lost (sum its own terms).
#[inline(always)]
pub(super) fn ln_pmfs_in_lanes<const L: usize>(
    table: &[f64],
    k: f64,
    rows: &[[f64; L]; 4],
) -> [f64; L] {
    let [units, p, lambda, d] = *rows;
    let n = units[0];
    debug_assert!(units.iter().all(|&x| x == n) && k > n + 1.0);
    let chances = Chances {
        p,
        a: lanes(|l| 1.0 - p[l]),
        b: lanes(|l| p[l] * (1.0 - d[l])),
        c: lanes(|l| p[l] * d[l]),
        lambda,
        ln_lambda: lane_ln::ln(lambda),
    };
    let lf = |x: f64| crate::dist::ln_factorial_from(table, x);
    let up = chances.upward(k, n, lf(k));
    let down = match chances.c.iter().any(|&c| c > 0.0) && n >= 1.0 {
        true => chances.downward(k, n, lf),
        false => Part::none(),
    };
    // One logarithm a row: the smaller part scaled to the larger's scale.
    let (mut ln_scale, mut sum) = ([0.0; L], [1.0; L]);
    for l in 0..L {
        let (high, low) = match up.ln_scale[l] >= down.ln_scale[l] {
            true => (up.at(l), down.at(l)),
            false => (down.at(l), up.at(l)),
        };
        (ln_scale[l], sum[l]) = match (high.0, low.0) {
            _ if up.lost[l] || down.lost[l] => (f64::NAN, 1.0),
            (f64::NEG_INFINITY, _) => (f64::NEG_INFINITY, 1.0),
            (_, f64::NEG_INFINITY) => high,
            _ => (high.0, high.1 + low.1 * (low.0 - high.0).exp()),
        };
    }
    let ln_sum = lane_ln::ln(sum);
    lanes(|l| ln_scale[l] + ln_sum[l])
}

/// Each lane's part of the sum, sum·e^ln_scale (sum within 1e-280..1e203,
/// none: 0·e^-inf), and whether its terms were lost.
struct Part<const L: usize> {
    ln_scale: [f64; L],
    sum: [f64; L],
    lost: [bool; L],
}

impl<const L: usize> Part<L> {
    fn none() -> Part<L> {
        Part {
            ln_scale: [f64::NEG_INFINITY; L],
            sum: [0.0; L],
            lost: [false; L],
        }
    }

    /// Lane l's (ln_scale, sum).
    fn at(&self, l: usize) -> (f64, f64) {
        (self.ln_scale[l], self.sum[l])
    }
}

/// Each lane's chances: a unit seen; missed, counted once, counted twice;
/// the mean false positives and its log.
struct Chances<const L: usize> {
    p: [f64; L],
    a: [f64; L],
    b: [f64; L],
    c: [f64; L],
    lambda: [f64; L],
    ln_lambda: [f64; L],
}

/// `x` in the lanes that are `on`, else 0.
fn only<const L: usize>(on: &[bool; L], x: [f64; L]) -> [f64; L] {
    lanes(|l| if on[l] { x[l] } else { 0.0 })
}

impl<const L: usize> Chances<L> {
    /// Log-concave terms (the units' law is when b² >= ac).
    fn log_concave(&self) -> [bool; L] {
        lanes(|l| self.b[l] * self.b[l] >= self.a[l] * self.c[l])
    }

    /// Σ_{y <= n} P(Y = y) Pois(k - y) for each lane (none without false
    /// positives). `ln_k` is ln k!.
    #[inline(always)]
    fn upward(&self, k: f64, n: f64, ln_k: f64) -> Part<L> {
        let Chances {
            a, b, c, lambda, ..
        } = self;
        // u_y = P(Y = y) Pois(k - y) / (a^n Pois(k)), from u_0 = 1.
        let rated = lambda.map(|x| x > 0.0);
        let b_a = only(&rated, lanes(|l| b[l] / a[l] / lambda[l]));
        let c_a = only(&rated, lanes(|l| c[l] / a[l] / (lambda[l] * lambda[l])));
        let mut terms = Terms::starting([1.0; L], rated, self.log_concave());
        // Whole numbers below MOST_STEPS + 2 here (k <= MOST_STEPS, n < k).
        let (units, count) = (n as usize, k as usize);
        for at in 0..units {
            let (y, f) = (at as f64, (count - at) as f64);
            let per = reciprocal(at + 1);
            let (one, two) = ((n - y) * f * per, (2.0 * n - y + 1.0) * f * (f + 1.0) * per);
            terms.step(lanes(|l| b_a[l] * one), lanes(|l| c_a[l] * two));
        }
        let ln_a = lane_ln::ln_missed(self.p);
        let ln_scale = lanes(|l| match rated[l] {
            true => terms.ln_rescaled(l) + n * ln_a[l] + k * self.ln_lambda[l] - lambda[l] - ln_k,
            false => f64::NEG_INFINITY,
        });
        let lost = terms.lost();
        Part {
            ln_scale,
            sum: terms.sum,
            lost,
        }
    }

    /// Σ_{y > n} P(Y = y) Pois(k - y) for each lane (none where no unit is
    /// counted twice); n >= 1.
    #[inline(always)]
    fn downward(&self, k: f64, n: f64, lf: impl Fn(f64) -> f64) -> Part<L> {
        let Chances {
            a, b, c, lambda, ..
        } = self;
        // y = 2n down to n + 1, stepped by i = 2n - y.
        let twice = c.map(|c| c > 0.0);
        let b_c = only(&twice, lanes(|l| b[l] / c[l]));
        let a_c = only(&twice, lanes(|l| a[l] / c[l]));
        // R_{i+1} from R_i and R_{i-1} (a function: a closure would be
        // compiled apart, for the narrowest vectors).
        #[inline(always)]
        fn below<const L: usize>(
            n: f64,
            b_c: &[f64; L],
            a_c: &[f64; L],
            r: [[f64; L]; 2],
            i: usize,
        ) -> [f64; L] {
            let (x, per) = (i as f64, reciprocal(i + 1));
            let (one, two) = ((n - x) * per, (2.0 * n - x + 1.0) * per);
            step(b_c, one, r[0], a_c, two, r[1])
        }
        // R_i = P(Y = 2n - i) / c^n, first above k, where no false positive is left.
        let (units, count) = (n as usize, k as usize);
        let first = (2 * units).saturating_sub(count);
        let (mut r0, mut r1, mut rescaled) = ([1.0; L], [0.0; L], [0.0; L]);
        for i in 0..first {
            (r0, r1) = (below(n, &b_c, &a_c, [r0, r1], i), r0);
            if r0.iter().any(|&x| x > HIGHEST) {
                rescale_pairs(&mut r0, &mut r1, &mut rescaled);
            }
        }
        // i = first..n - 1: the terms t = R_i Pois(k - 2n + i).
        let lost: [bool; L] = lanes(|l| twice[l] && r0[l].max(r1[l]) < 1e-280);
        let f0 = k - (2 * units - first) as f64;
        let ln_f0 = lf(f0);
        let stepping = lanes(|l| twice[l] && lambda[l] > 0.0 && !lost[l]);
        let mut terms = Terms::starting(r0, stepping, self.log_concave());
        terms.rescaled = rescaled;
        if first + 1 < units {
            // The first step needs R_{i-1} itself: its Poisson weight is 0 when y = k.
            let next = below(n, &b_c, &a_c, [r0, r1], first);
            terms.push(lanes(|l| next[l] * lambda[l] / (f0 + 1.0)));
            // t_{i+1} from t_i and t_{i-1}: the weights' ratios are λ/f and λ²/(f(f - 1)).
            let lambda_b_c: [f64; L] = lanes(|l| b_c[l] * lambda[l]);
            let lambda2_a_c: [f64; L] = lanes(|l| a_c[l] * lambda[l] * lambda[l]);
            for i in first + 1..units - 1 {
                let f = count + i + 1 - 2 * units;
                let (x, per) = (i as f64, reciprocal(f) * reciprocal(i + 1));
                let (one, two) = ((n - x) * per, (2.0 * n - x + 1.0) * per * reciprocal(f - 1));
                terms.step(
                    lanes(|l| lambda_b_c[l] * one),
                    lanes(|l| lambda2_a_c[l] * two),
                );
            }
        }
        let ln_c = lane_ln::ln(*c);
        let ln_scale = lanes(|l| {
            let ln_first = match (lambda[l], f0) {
                (0.0, 0.0) => 0.0,
                (0.0, _) => f64::NEG_INFINITY,
                _ => f0 * self.ln_lambda[l] - lambda[l] - ln_f0,
            };
            match twice[l] {
                true => terms.ln_rescaled(l) + n * ln_c[l] + ln_first,
                false => f64::NEG_INFINITY,
            }
        });
        let terms_lost = terms.lost();
        let lost = lanes(|l| lost[l] || terms_lost[l]);
        Part {
            ln_scale,
            sum: terms.sum,
            lost,
        }
    }
}

/// Divides the pairs that climbed past HIGHEST by it, once more: a real
/// branch, taken rarely (see [`rescaled`]).
#[cold]
#[inline(never)]
fn rescale_pairs<const L: usize>(r0: &mut [f64; L], r1: &mut [f64; L], rescaled: &mut [f64; L]) {
    for l in 0..L {
        if r0[l] > HIGHEST {
            (r0[l], r1[l], rescaled[l]) = (r0[l] / HIGHEST, r1[l] / HIGHEST, rescaled[l] + 1.0);
        }
    }
}

/// Each lane's terms of a sum stepped by a two-term recurrence, kept below
/// HIGHEST by rescaling (the sum with them). Every lane takes every step:
/// a lane that should not step has factors of 0 (its sum stays), and past
/// its largest terms a lane adds terms below 1e-17 of its sum.
#[derive(Clone, Copy)]
struct Terms<const L: usize> {
    last: [f64; L],
    before: [f64; L],
    sum: [f64; L],
    /// The least term yet, in the terms' current scale.
    least: [f64; L],
    /// 1e-280 of the first term, in the terms' current scale, in lanes
    /// whose terms are not log-concave (b² < ac): a term below it might
    /// climb again with too little precision left. 0 in the others.
    floor: [f64; L],
    rescaled: [f64; L],
}

impl<const L: usize> Terms<L> {
    fn starting(first: [f64; L], stepping: [bool; L], log_concave: [bool; L]) -> Terms<L> {
        Terms {
            last: first,
            before: [0.0; L],
            sum: first,
            least: first,
            floor: lanes(|l| match stepping[l] && !log_concave[l] {
                true => 1e-280 * first[l],
                false => 0.0,
            }),
            rescaled: [0.0; L],
        }
    }

    /// Lanes whose terms fell below their floor. (The least term is kept
    /// at each step, one operation, and compared once: fewer values to
    /// keep in registers than a mask updated at each step.)
    fn lost(&self) -> [bool; L] {
        lanes(|l| self.least[l] < self.floor[l])
    }

    /// The next terms: `up_one` times the last plus `up_two` times the one
    /// before.
    #[inline(always)]
    fn step(&mut self, up_one: [f64; L], up_two: [f64; L]) {
        self.push(lanes(|l| {
            up_one[l].mul_add(self.last[l], up_two[l] * self.before[l])
        }));
    }

    #[inline(always)]
    fn push(&mut self, next: [f64; L]) {
        let mut climbed = false;
        for (l, &x) in next.iter().enumerate() {
            self.least[l] = if x < self.least[l] { x } else { self.least[l] };
            (self.before[l], self.last[l]) = (self.last[l], x);
            self.sum[l] += x;
            climbed |= x > HIGHEST;
        }
        if climbed {
            *self = rescaled(*self);
        }
    }

    /// ln of the factor the terms were divided by.
    fn ln_rescaled(&self, l: usize) -> f64 {
        self.rescaled[l] * HIGHEST.ln()
    }
}

/// The terms with those past HIGHEST divided by it. A real branch, taken
/// rarely: inlined, the compiler would compute the rescaled values at every
/// step. It takes and gives values (no `&mut`), so that the terms can stay
/// in registers.
#[cold]
#[inline(never)]
fn rescaled<const L: usize>(mut terms: Terms<L>) -> Terms<L> {
    for l in 0..L {
        if terms.last[l] > HIGHEST {
            terms.last[l] /= HIGHEST;
            terms.before[l] /= HIGHEST;
            terms.sum[l] /= HIGHEST;
            terms.floor[l] /= HIGHEST;
            terms.least[l] /= HIGHEST;
            terms.rescaled[l] += 1.0;
        }
    }
    terms
}

/// Each lane's `x·one·last + y·two·before`.
#[inline(always)]
fn step<const L: usize>(
    x: &[f64; L],
    one: f64,
    last: [f64; L],
    y: &[f64; L],
    two: f64,
    before: [f64; L],
) -> [f64; L] {
    lanes(|l| (x[l] * one).mul_add(last[l], y[l] * two * before[l]))
}
