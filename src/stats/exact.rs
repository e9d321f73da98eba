//! Sums that do not depend on the order of their terms.
//!
//! A floating-point sum changes in its last bits with the order of addition,
//! so a run split into threads, tasks or workers would give a different mean
//! for each split. [`ExactSum`] keeps the sum exactly, as a short list of
//! non-overlapping partials (Shewchuk, "Adaptive precision floating-point
//! arithmetic", 1997; the algorithm of Python's `math.fsum`), and rounds only
//! when asked. Every sum over samples is formed per chunk of rows (in a fixed
//! order) and the chunk sums are added here, so any split of the chunks gives
//! the same, correctly rounded, total.

use serde::{Deserialize, Serialize};

/// An exactly kept sum of f64 terms.
///
/// ```
/// use munflow::stats::ExactSum;
/// let mut a = ExactSum::default();
/// for x in [1e16, 1.0, -1e16, 1.0] {
///     a.add(x);
/// }
/// assert_eq!(a.value(), 2.0); // a plain sum gives 0 or 2 by order
/// let mut b = ExactSum::default();
/// b.add(0.1);
/// a.merge(&b);
/// assert_eq!(a.value(), 2.1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactSum {
    /// Non-overlapping partials, increasing in magnitude.
    partials: Vec<f64>,
    /// The sum of the non-finite terms (and of overflowed partials).
    special: f64,
}

impl ExactSum {
    /// Adds one term.
    pub fn add(&mut self, term: f64) {
        if !term.is_finite() {
            self.special += term;
            return;
        }
        let mut x = term;
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        if x.is_finite() {
            self.partials.push(x);
        } else {
            // Overflow of finite terms: the sum is that infinity.
            self.special += x;
        }
    }

    /// Adds everything another sum holds.
    pub fn merge(&mut self, other: &ExactSum) {
        for &p in &other.partials {
            self.add(p);
        }
        self.special += other.special;
    }

    /// The sum, correctly rounded to the nearest f64 (ties to even); NaN or
    /// an infinity when a term was one.
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let p = &self.partials;
        let mut n = p.len();
        if n == 0 {
            return 0.0;
        }
        n -= 1;
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let y_rounded = hi - x;
            lo = y - y_rounded;
            if lo != 0.0 {
                break;
            }
        }
        // Round half to even where the rest of the partials break a tie.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }

    /// The partials (for sending a sum between processes).
    pub fn parts(&self) -> Vec<f64> {
        let mut parts = self.partials.clone();
        if self.special != 0.0 || self.special.is_nan() {
            parts.push(self.special);
        }
        parts
    }

    /// A sum of the given parts (the inverse of [`parts`](Self::parts)).
    pub fn of_parts(parts: &[f64]) -> ExactSum {
        let mut s = ExactSum::default();
        parts.iter().for_each(|&p| s.add(p));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_order_and_any_split_give_the_same_bits() {
        let terms: Vec<f64> = (0..10_000)
            .map(|i| {
                let u = ((i as u64 * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0;
                (u - 0.3) * 10f64.powi((i % 17) - 8)
            })
            .collect();
        let total = |order: &mut dyn Iterator<Item = f64>| {
            let mut s = ExactSum::default();
            order.for_each(|x| s.add(x));
            s
        };
        let forward = total(&mut terms.iter().copied()).value();
        let backward = total(&mut terms.iter().rev().copied()).value();
        let mut split = total(&mut terms[..3_333].iter().copied());
        split.merge(&total(&mut terms[3_333..].iter().rev().copied()));
        assert_eq!(forward.to_bits(), backward.to_bits());
        assert_eq!(forward.to_bits(), split.value().to_bits());
        assert_eq!(
            ExactSum::of_parts(&split.parts()).value().to_bits(),
            forward.to_bits()
        );
    }

    #[test]
    fn rounds_correctly_where_plain_sums_do_not() {
        let mut s = ExactSum::default();
        // 0.1 * 10 is 1 - 2^-54 in exact arithmetic: its nearest f64 is 1.
        (0..10).for_each(|_| s.add(0.1));
        assert_eq!(s.value(), 1.0);
        let mut t = ExactSum::default();
        [1.0, 1e100, 1.0, -1e100].iter().for_each(|&x| t.add(x));
        assert_eq!(t.value(), 2.0);
        // Ties to even across partials (from Python's fsum tests).
        let mut u = ExactSum::default();
        [1.0, 2f64.powi(-53), 2f64.powi(-106)]
            .iter()
            .for_each(|&x| u.add(x));
        assert_eq!(u.value(), 1.0 + f64::EPSILON);
    }

    #[test]
    fn non_finite_terms_and_overflow() {
        let mut s = ExactSum::default();
        s.add(1.0);
        s.add(f64::INFINITY);
        assert_eq!(s.value(), f64::INFINITY);
        s.add(f64::NEG_INFINITY);
        assert!(s.value().is_nan());
        let mut big = ExactSum::default();
        big.add(f64::MAX);
        big.add(f64::MAX);
        assert_eq!(big.value(), f64::INFINITY);
    }
}
