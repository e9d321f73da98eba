//! Sample quantiles by numpy's default rule ("linear", Hyndman & Fan type 7).

/// Quantiles at levels `qs` (each in [0, 1]) of `values`, in the order given.
///
/// Works on a copy with repeated selection rather than a full sort: each
/// selection only searches the part of the array left between the ranks
/// already placed, so k quantiles cost about n log k comparisons.
///
/// ```
/// let q = munflow::stats::quantiles(&[4.0, 1.0, 3.0, 2.0], &[0.0, 0.5, 1.0]);
/// assert_eq!(q, vec![1.0, 2.5, 4.0]);
/// ```
pub fn quantiles(values: &[f64], qs: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return vec![f64::NAN; qs.len()];
    }
    let mut work = values.to_vec();
    // Every rank whose value some quantile needs, ascending and distinct.
    let mut ranks: Vec<usize> = Vec::new();
    for &q in qs {
        let h = (n - 1) as f64 * q;
        let lo = h.floor() as usize;
        ranks.push(lo.min(n - 1));
        ranks.push((lo + 1).min(n - 1));
    }
    ranks.sort_unstable();
    ranks.dedup();
    select_ranks(&mut work, 0, &ranks);
    interpolate(&work, qs)
}

/// Quantiles of already sorted values.
pub fn quantiles_sorted(sorted: &[f64], qs: &[f64]) -> Vec<f64> {
    if sorted.is_empty() {
        return vec![f64::NAN; qs.len()];
    }
    interpolate(sorted, qs)
}

fn interpolate(placed: &[f64], qs: &[f64]) -> Vec<f64> {
    let n = placed.len();
    qs.iter()
        .map(|&q| {
            let h = (n - 1) as f64 * q;
            let lo = (h.floor() as usize).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            let (a, b) = (placed[lo], placed[hi]);
            // numpy's _lerp: exact at both ends.
            let t = h - lo as f64;
            if t >= 0.5 {
                b - (b - a) * (1.0 - t)
            } else {
                a + (b - a) * t
            }
        })
        .collect()
}

/// Puts the element of each rank in `ranks` (relative to the whole array,
/// `offset` being where `slice` starts) in its sorted position.
fn select_ranks(slice: &mut [f64], offset: usize, ranks: &[usize]) {
    if ranks.is_empty() || slice.is_empty() {
        return;
    }
    let mid = ranks.len() / 2;
    let k = ranks[mid] - offset;
    slice.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    let (left, rest) = slice.split_at_mut(k);
    select_ranks(left, offset, &ranks[..mid]);
    select_ranks(&mut rest[1..], offset + k + 1, &ranks[mid + 1..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_linear_rule() {
        // numpy.quantile([1..10], [0.05, 0.5, 0.95]) = [1.45, 5.5, 9.55]
        let v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let q = quantiles(&v, &[0.05, 0.5, 0.95]);
        for (a, b) in q.iter().zip([1.45, 5.5, 9.55]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn many_levels_agree_with_a_full_sort() {
        let v: Vec<f64> = (0..1001).map(|i| ((i * 7919) % 1001) as f64).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let qs: Vec<f64> = (0..=20).map(|i| i as f64 / 20.0).collect();
        assert_eq!(quantiles(&v, &qs), quantiles_sorted(&sorted, &qs));
    }
}
