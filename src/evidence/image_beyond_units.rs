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
//! so a row costs about 2n steps and one logarithm: each part's first term
//! (a^n Pois(k) and c^n Pois(f0)) is a product of powers with the batch's
//! exponents, where it stays in f64's normal range (most rows), and a
//! logarithm a factor elsewhere.
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
use std::ops::Range;

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
    let (chances, up, down, scales) = parts(table, k, rows);
    // One logarithm a row where both parts are in f64's range as they are
    // (most rows); else one for each factor of their scales.
    let (total, in_range) = scales.in_range(&chances, &up, &down);
    let ln_total = lane_ln::ln(total);
    let mut out = lanes(|l| ln_total[l] - chances.lambda[l]);
    if in_range.iter().any(|&x| !x) {
        let by_logs = scales.by_logs(&chances, &up, &down);
        for l in 0..L {
            if !in_range[l] {
                out[l] = by_logs[l];
            }
        }
    }
    out
}

/// The rows' chances, the parts of their sums as scaled terms, and what
/// turns those into chances.
#[inline(always)]
fn parts<const L: usize>(
    table: &[f64],
    k: f64,
    rows: &[[f64; L]; 4],
) -> (Chances<L>, Part<L>, Part<L>, Scales) {
    let [units, p, lambda, d] = *rows;
    let n = units[0];
    debug_assert!(units.iter().all(|&x| x == n) && k > n + 1.0);
    let chances = Chances {
        p,
        a: lanes(|l| 1.0 - p[l]),
        b: lanes(|l| p[l] * (1.0 - d[l])),
        c: lanes(|l| p[l] * d[l]),
        lambda,
    };
    let up = chances.upward(k, n);
    let down = match chances.c.iter().any(|&c| c > 0.0) && n >= 1.0 {
        true => chances.downward(k, n),
        false => Part::none(),
    };
    let lf = |x: f64| crate::dist::ln_factorial_from(table, x);
    let f0 = first_false_positives(k, n);
    let scales = Scales {
        n,
        k,
        first_false_positives: f0,
        ln_k: lf(k),
        ln_first: lf(f0),
    };
    (chances, up, down, scales)
}

/// The false positives the downward part's first term leaves: k - 2n,
/// or none where the count is at most twice the units.
fn first_false_positives(k: f64, n: f64) -> f64 {
    (k - 2.0 * n).max(0.0)
}

/// What turns the parts' scaled sums into chances: the upward part's
/// u_0 = a^n Pois(k; λ) e^λ (its first term), the downward part's
/// c^n Pois(f0; λ) e^λ (f0 = [`first_false_positives`]), each times
/// HIGHEST^rescaled; e^-λ multiplies both.
struct Scales {
    n: f64,
    k: f64,
    first_false_positives: f64,
    /// ln k! and ln f0!.
    ln_k: f64,
    ln_first: f64,
}

impl Scales {
    /// Each lane's e^λ P(K = k) = u_0·(upward sum) + d_0·(downward sum)
    /// in plain multiplications (powers with the batch's whole exponents,
    /// no logarithm), and whether every factor and product stayed normal
    /// (neither part rescaled nor lost; a value below 2^-1022 would have
    /// lost digits, one above f64's range is infinite).
    #[inline(always)]
    fn in_range<const L: usize>(
        &self,
        chances: &Chances<L>,
        up: &Part<L>,
        down: &Part<L>,
    ) -> ([f64; L], [bool; L]) {
        let (n, k, f0) = (
            self.n as u64,
            self.k as u64,
            self.first_false_positives as u64,
        );
        let (a_n, c_n) = (powers(chances.a, n), powers(chances.c, n));
        let (lambda_k, lambda_f0) = (powers(chances.lambda, k), powers(chances.lambda, f0));
        let (per_k, per_f0) = ((-self.ln_k).exp(), (-self.ln_first).exp());
        let (mut total, mut in_range) = ([0.0; L], [true; L]);
        for l in 0..L {
            let first_up = a_n[l] * (lambda_k[l] * per_k);
            let first_down = c_n[l] * (lambda_f0[l] * per_f0);
            let (u, d) = (up.sum[l] * first_up, down.sum[l] * first_down);
            let up_normal = a_n[l].is_normal() & first_up.is_normal() & u.is_normal();
            let down_normal = c_n[l].is_normal() & first_down.is_normal() & d.is_normal();
            let as_they_are = (up.rescaled[l] == 0.0) & (down.rescaled[l] == 0.0);
            in_range[l] = as_they_are
                & !(up.lost[l] | down.lost[l])
                & (up.live[l] | down.live[l])
                & (!up.live[l] | up_normal)
                & (!down.live[l] | down_normal);
            let u = if up.live[l] { u } else { 0.0 };
            let d = if down.live[l] { d } else { 0.0 };
            total[l] = u + d;
        }
        (total, in_range)
    }

    /// Each lane's ln P(K = k) with the scales in logarithms (any range):
    /// the smaller part scaled to the larger's scale; NaN where terms were
    /// lost.
    #[inline(always)]
    fn by_logs<const L: usize>(
        &self,
        chances: &Chances<L>,
        up: &Part<L>,
        down: &Part<L>,
    ) -> [f64; L] {
        let (n, k, f0) = (self.n, self.k, self.first_false_positives);
        let lambda = chances.lambda;
        let ln_lambda = lane_ln::ln(lambda);
        let ln_a = lane_ln::ln_missed(chances.p);
        let ln_c = lane_ln::ln(chances.c);
        let ln_highest = HIGHEST.ln();
        let up_scale: [f64; L] = lanes(|l| match up.live[l] {
            true => up.rescaled[l] * ln_highest + n * ln_a[l] + k * ln_lambda[l] - self.ln_k,
            false => f64::NEG_INFINITY,
        });
        let down_scale: [f64; L] = lanes(|l| {
            let ln_first = match (lambda[l], f0) {
                (0.0, 0.0) => 0.0,
                (0.0, _) => f64::NEG_INFINITY,
                _ => f0 * ln_lambda[l] - self.ln_first,
            };
            match down.live[l] {
                true => down.rescaled[l] * ln_highest + n * ln_c[l] + ln_first,
                false => f64::NEG_INFINITY,
            }
        });
        let (mut ln_scale, mut sum) = ([0.0; L], [1.0; L]);
        for l in 0..L {
            let (high, low) = match up_scale[l] >= down_scale[l] {
                true => ((up_scale[l], up.sum[l]), (down_scale[l], down.sum[l])),
                false => ((down_scale[l], down.sum[l]), (up_scale[l], up.sum[l])),
            };
            (ln_scale[l], sum[l]) = match (high.0, low.0) {
                _ if up.lost[l] || down.lost[l] => (f64::NAN, 1.0),
                (f64::NEG_INFINITY, _) => (f64::NEG_INFINITY, 1.0),
                (_, f64::NEG_INFINITY) => high,
                _ => (high.0, high.1 + low.1 * (low.0 - high.0).exp()),
            };
        }
        let ln_sum = lane_ln::ln(sum);
        lanes(|l| ln_scale[l] + ln_sum[l] - lambda[l])
    }
}

/// x^e for each lane, by squaring: the same multiplications in every lane
/// (the exponent is the batch's). A value that leaves the normal range on
/// the way ends outside it (the checks above see it).
#[inline(always)]
fn powers<const L: usize>(x: [f64; L], e: u64) -> [f64; L] {
    let (mut base, mut power, mut e) = (x, [1.0; L], e);
    while e > 0 {
        if e & 1 == 1 {
            power = lanes(|l| power[l] * base[l]);
        }
        e >>= 1;
        if e > 0 {
            base = lanes(|l| base[l] * base[l]);
        }
    }
    power
}

/// Each lane's part of the sum as scaled terms: their sum (within
/// 1e-280..1e203), how many times they were divided by HIGHEST, whether
/// they were lost, and whether the lane has this part at all.
struct Part<const L: usize> {
    sum: [f64; L],
    rescaled: [f64; L],
    lost: [bool; L],
    live: [bool; L],
}

impl<const L: usize> Part<L> {
    fn none() -> Part<L> {
        Part {
            sum: [0.0; L],
            rescaled: [0.0; L],
            lost: [false; L],
            live: [false; L],
        }
    }
}

/// Each lane's chances: a unit seen; missed, counted once, counted twice;
/// the mean false positives.
struct Chances<const L: usize> {
    p: [f64; L],
    a: [f64; L],
    b: [f64; L],
    c: [f64; L],
    lambda: [f64; L],
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
    /// positives), as multiples of its first term.
    #[inline(always)]
    fn upward(&self, k: f64, n: f64) -> Part<L> {
        let Chances {
            a, b, c, lambda, ..
        } = self;
        // u_y = P(Y = y) Pois(k - y) / (a^n Pois(k)), from u_0 = 1.
        let rated = lambda.map(|x| x > 0.0);
        // b/(aλ) and c/(aλ²) by one division (a lane's divisions cost more
        // than its steps' multiplications).
        let per: [f64; L] = lanes(|l| 1.0 / (a[l] * lambda[l] * lambda[l]));
        let b_a = only(&rated, lanes(|l| b[l] * lambda[l] * per[l]));
        let c_a = only(&rated, lanes(|l| c[l] * per[l]));
        let mut terms = Terms::starting([1.0; L], rated, self.log_concave());
        // Whole numbers below MOST_STEPS + 2 here (k <= MOST_STEPS, n < k).
        let (units, count) = (n as usize, k as usize);
        let mut start = 0;
        while start < units {
            let (one, two, steps) = upward_factors(start..units, n, count);
            for s in 0..steps {
                terms.step(lanes(|l| b_a[l] * one[s]), lanes(|l| c_a[l] * two[s]));
            }
            start += steps;
        }
        Part {
            sum: terms.sum,
            rescaled: terms.rescaled,
            lost: terms.lost(),
            live: rated,
        }
    }

    /// Σ_{y > n} P(Y = y) Pois(k - y) for each lane (none where no unit is
    /// counted twice), as multiples of c^n Pois(f0) (f0 =
    /// [`first_false_positives`]); n >= 1.
    #[inline(always)]
    fn downward(&self, k: f64, n: f64) -> Part<L> {
        let Chances {
            a, b, c, lambda, ..
        } = self;
        // y = 2n down to n + 1, stepped by i = 2n - y.
        let twice = c.map(|c| c > 0.0);
        let per: [f64; L] = lanes(|l| 1.0 / c[l]);
        let b_c = only(&twice, lanes(|l| b[l] * per[l]));
        let a_c = only(&twice, lanes(|l| a[l] * per[l]));
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
            // Every lane looked at without a branch, then one branch.
            let climbed = r0.iter().fold(false, |climbed, &x| climbed | (x > HIGHEST));
            if climbed {
                rescale_pairs(&mut r0, &mut r1, &mut rescaled);
            }
        }
        // i = first..n - 1: the terms t = R_i Pois(k - 2n + i).
        let lost: [bool; L] = lanes(|l| twice[l] && r0[l].max(r1[l]) < 1e-280);
        let f0 = first_false_positives(k, n);
        let stepping = lanes(|l| twice[l] && lambda[l] > 0.0 && !lost[l]);
        let mut terms = Terms::starting(r0, stepping, self.log_concave());
        terms.rescaled = rescaled;
        if first + 1 < units {
            // The first step needs R_{i-1} itself: its Poisson weight is 0 when y = k.
            let next = below(n, &b_c, &a_c, [r0, r1], first);
            let per_next = reciprocal(f0 as usize + 1);
            terms.push(lanes(|l| next[l] * lambda[l] * per_next));
            // t_{i+1} from t_i and t_{i-1}: the weights' ratios are λ/f and λ²/(f(f - 1)).
            let lambda_b_c: [f64; L] = lanes(|l| b_c[l] * lambda[l]);
            let lambda2_a_c: [f64; L] = lanes(|l| a_c[l] * lambda[l] * lambda[l]);
            let mut start = first + 1;
            while start < units - 1 {
                let (one, two, steps) = downward_factors(start..units - 1, n, count);
                for s in 0..steps {
                    terms.step(
                        lanes(|l| lambda_b_c[l] * one[s]),
                        lanes(|l| lambda2_a_c[l] * two[s]),
                    );
                }
                start += steps;
            }
        }
        let terms_lost = terms.lost();
        Part {
            sum: terms.sum,
            rescaled: terms.rescaled,
            lost: lanes(|l| lost[l] || terms_lost[l]),
            live: twice,
        }
    }
}

/// Steps' factors shared by the lanes are worked out this many at a time,
/// before the lanes take those steps: apart, they are worked out in
/// vectors; within each step, their scalar arithmetic took the ports of the
/// lanes' own (measured: two fifths of a step's operations).
const STEPS_AT_ONCE: usize = 32;

/// The shared factors of the first steps of `steps` (at most
/// [`STEPS_AT_ONCE`]: how many is the third value): `one` and `two` of the
/// upward part's step from y = at units counted (k - y false positives).
/// (Functions, not closures: a closure is compiled apart, for the
/// narrowest vectors.)
#[inline(always)]
fn upward_factors(steps: Range<usize>, n: f64, count: usize) -> Factors {
    let (mut one, mut two) = ([0.0; STEPS_AT_ONCE], [0.0; STEPS_AT_ONCE]);
    let len = steps.len().min(STEPS_AT_ONCE);
    for (s, at) in (steps.start..steps.start + len).enumerate() {
        let (y, f) = (at as f64, (count - at) as f64);
        let per = reciprocal(at + 1);
        (one[s], two[s]) = ((n - y) * f * per, (2.0 * n - y + 1.0) * f * (f + 1.0) * per);
    }
    (one, two, len)
}

/// [`upward_factors`] for the downward part's terms, from i = at (y = 2n - i
/// units counted, f = k - y false positives).
#[inline(always)]
fn downward_factors(steps: Range<usize>, n: f64, count: usize) -> Factors {
    let (mut one, mut two) = ([0.0; STEPS_AT_ONCE], [0.0; STEPS_AT_ONCE]);
    let (len, units) = (steps.len().min(STEPS_AT_ONCE), n as usize);
    for (s, i) in (steps.start..steps.start + len).enumerate() {
        let f = count + i + 1 - 2 * units;
        let (x, per) = (i as f64, reciprocal(f) * reciprocal(i + 1));
        (one[s], two[s]) = ((n - x) * per, (2.0 * n - x + 1.0) * per * reciprocal(f - 1));
    }
    (one, two, len)
}

/// Shared factors `one` and `two` of a block of steps, and how many.
type Factors = ([f64; STEPS_AT_ONCE], [f64; STEPS_AT_ONCE], usize);

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
            // Rescaled in a copy: the result written in place would keep
            // the terms in memory at every step, not in registers.
            let mut copy = *self;
            rescale(&mut copy);
            *self = copy;
        }
    }
}

/// Divides the terms past HIGHEST by it. A real branch, taken rarely:
/// inlined, the compiler would compute the rescaled values at every step.
#[cold]
#[inline(never)]
fn rescale<const L: usize>(terms: &mut Terms<L>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::ln_factorial_table;

    #[test]
    fn the_scales_in_plain_multiplications_are_the_scales_in_logarithms() {
        // Where every factor stays normal, a row's ln P(k) from products
        // and one logarithm is the one from a logarithm a factor; where one
        // does not (rescaled terms, powers out of f64's range), the rows
        // take the logarithms.
        let table = ln_factorial_table();
        let (mut in_range, mut out_of_range, mut worst) = (0, 0, 0.0f64);
        for n in [1.0, 5.0, 20.0, 32.0, 120.0, 400.0] {
            for k in [n + 2.0, n + 9.0, 2.0 * n + 3.0, 3.0 * n] {
                for p in [1e-3, 0.3, 0.8, 0.999] {
                    for lambda in [0.0, 0.01, 2.0, 40.0, 300.0] {
                        for d in [0.0, 0.05, 0.5, 0.9, 1.0] {
                            if !suits(k, n, p, lambda, d) || (lambda == 0.0 && d == 0.0) {
                                continue;
                            }
                            let rows = [[n], [p], [lambda], [d]];
                            let (chances, up, down, scales) = parts(table, k, &rows);
                            let (total, fits) = scales.in_range(&chances, &up, &down);
                            let [by_logs] = scales.by_logs(&chances, &up, &down);
                            // Rows in the bulk of an analysis take products.
                            let some_units = n <= 32.0 && k <= 2.0 * n + 3.0;
                            let usual = lambda > 0.0 && lambda <= 40.0 && d < 1.0 && p < 0.999;
                            assert!(fits[0] || !(some_units && usual), "k {k} n {n} p {p}");
                            if !fits[0] {
                                out_of_range += 1;
                                continue;
                            }
                            in_range += 1;
                            let plain = total[0].ln() - lambda;
                            let gap = (plain - by_logs).abs();
                            worst = worst.max(gap / by_logs.abs().max(1.0));
                            assert!(
                                gap <= 1e-13 * by_logs.abs().max(1.0),
                                "k {k} n {n} p {p} fp {lambda} d {d}: {plain} vs {by_logs}"
                            );
                        }
                    }
                }
            }
        }
        // Both ways taken, over a grid that reaches every edge.
        assert!(
            in_range > 1000 && out_of_range > 1000,
            "{in_range} {out_of_range}"
        );
        eprintln!("{in_range} in range, {out_of_range} not; largest gap {worst:e}");
    }
}
