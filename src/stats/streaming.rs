//! Summaries formed chunk by chunk, mergeable in any order.
//!
//! A column is summarised from partials that each cover some chunks of it:
//! exact sums of its values and of their squared deviations from a centre,
//! its extremes, and a histogram whose buckets know their counts and their
//! own extremes. Partials merge by exact addition, integer counts and
//! min/max, so the summary is bit-identical however the chunks were split
//! between threads, tasks or machines, and the same whether the column was
//! stored or streamed.
//!
//! The centre and the histogram's range come from the column's first rows
//! (the pilot, [`PILOT_ROWS`]): a fixed part of the column, so every split
//! agrees on them, and known before the first full pass, so one pass gives
//! the moments and the histogram together. Values outside the pilot's range
//! fall into two overflow buckets.
//!
//! Quantiles stay exact. The histogram locates the bucket of every order
//! statistic needed; a bucket whose values are all equal gives it at once;
//! otherwise the bucket's values are gathered and selected, or, when there
//! are too many of them to gather, the bucket is refined by a finer
//! histogram over its own extremes, and so on ([`Window`]).

use super::exact::ExactSum;
use serde::{Deserialize, Serialize};

/// Rows of a column that fix its centre and its histogram's range (its
/// first chunks).
pub const PILOT_ROWS: usize = 16 * crate::stream::CHUNK;
/// Interior buckets of a histogram.
pub const BUCKETS: usize = 1 << 14;
/// At most this many values are gathered for one order statistic; a fuller
/// bucket is refined instead.
pub const GATHER_LIMIT: u64 = 1 << 20;

/// Buckets over [lo, hi] (interior buckets 1..=count, at most [`BUCKETS`])
/// with one bucket for values below (0) and one for values above (count + 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Buckets {
    lo: f64,
    hi: f64,
    scale: f64,
    count: usize,
}

impl Buckets {
    /// [`BUCKETS`] buckets over [lo, hi]; a point or an unusable range puts
    /// every value in [lo, hi] in bucket 1.
    pub fn over(lo: f64, hi: f64) -> Buckets {
        Buckets::over_in(lo, hi, BUCKETS)
    }

    /// `count` (1..=[`BUCKETS`]) buckets over [lo, hi].
    pub fn over_in(lo: f64, hi: f64, count: usize) -> Buckets {
        let count = count.clamp(1, BUCKETS);
        let width = hi - lo;
        let scale = if width > 0.0 && width.is_finite() {
            count as f64 / width
        } else {
            0.0
        };
        Buckets {
            lo,
            hi,
            scale,
            count,
        }
    }

    /// How many slots a histogram over these buckets has (interior ones and
    /// the two outside).
    pub fn slots(&self) -> usize {
        self.count + 2
    }

    #[inline(always)]
    pub fn of(&self, x: f64) -> usize {
        if x < self.lo {
            0
        } else if x > self.hi {
            self.count + 1
        } else {
            1 + (((x - self.lo) * self.scale) as usize).min(self.count - 1)
        }
    }
}

/// Interior buckets for the histograms of a summary-only run of `n` rows:
/// about 256 rows a bucket, between 256 and [`BUCKETS`] buckets. A run of
/// many outputs keeps one histogram per output in every task, so small
/// histograms stay in cache and merge quickly; the buckets holding the
/// quantiles stay small enough to gather (a fuller one is refined).
pub fn buckets_for(n: usize) -> usize {
    (n / 256).next_power_of_two().clamp(256, BUCKETS)
}

/// What a column's pilot rows fix: the centre of its squared deviations
/// and the range of its histogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub centre: f64,
    pub buckets: Buckets,
}

impl Frame {
    /// The frame of a column whose first rows are `pilot` (at most
    /// [`PILOT_ROWS`] of them; fewer when the column is shorter).
    pub fn of_pilot(pilot: &[f64]) -> Frame {
        Frame::of_pilot_in(pilot, BUCKETS)
    }

    /// [`Frame::of_pilot`] with `count` interior buckets.
    pub fn of_pilot_in(pilot: &[f64], buckets: usize) -> Frame {
        let finite = || pilot.iter().copied().filter(|x| x.is_finite());
        let mut sum = ExactSum::default();
        let mut count = 0usize;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in finite() {
            sum.add(x);
            count += 1;
            lo = lo.min(x);
            hi = hi.max(x);
        }
        if count == 0 {
            return Frame {
                centre: 0.0,
                buckets: Buckets::over_in(0.0, 0.0, buckets),
            };
        }
        Frame {
            centre: sum.value() / count as f64,
            buckets: Buckets::over_in(lo, hi, buckets),
        }
    }
}

/// The partial summary of some chunks of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    pub rows: u64,
    pub sum: ExactSum,
    /// Σ (x - centre)².
    pub squares: ExactSum,
    pub nans: u64,
    /// Over the frame's buckets.
    pub hist: Histogram,
}

impl Partial {
    pub fn new() -> Partial {
        Partial {
            rows: 0,
            sum: ExactSum::default(),
            squares: ExactSum::default(),
            nans: 0,
            hist: Histogram::empty(),
        }
    }

    /// Adds one chunk of values (at most a chunk: its sums are formed in
    /// row order, four lanes wide, the same in every split).
    pub fn add_chunk(&mut self, values: &[f64], frame: &Frame) {
        let c = frame.centre;
        const LANES: usize = 4;
        let (mut sum, mut squares) = ([0.0; LANES], [0.0; LANES]);
        let mut lanes = values.chunks_exact(LANES);
        for four in &mut lanes {
            for j in 0..LANES {
                sum[j] += four[j];
                squares[j] += (four[j] - c) * (four[j] - c);
            }
        }
        let mut chunk_sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
        let mut chunk_squares = (squares[0] + squares[1]) + (squares[2] + squares[3]);
        for &x in lanes.remainder() {
            chunk_sum += x;
            chunk_squares += (x - c) * (x - c);
        }
        self.hist.size_for(&frame.buckets);
        for &x in values {
            if x.is_nan() {
                self.nans += 1;
                continue;
            }
            self.hist.add(frame.buckets.of(x), x);
        }
        self.rows += values.len() as u64;
        self.sum.add(chunk_sum);
        self.squares.add(chunk_squares);
    }

    /// Adds another partial of the same column.
    pub fn merge(&mut self, other: &Partial) {
        self.rows += other.rows;
        self.sum.merge(&other.sum);
        self.squares.merge(&other.squares);
        self.nans += other.nans;
        self.hist.merge(&other.hist);
    }

    /// The smallest and largest value (NaN aside).
    pub fn range(&self) -> (f64, f64) {
        let h = &self.hist;
        let filled = |b: &usize| h.counts[*b] > 0;
        let lo = (0..h.counts.len()).find(filled);
        let hi = (0..h.counts.len()).rev().find(filled);
        match (lo, hi) {
            (Some(lo), Some(hi)) => (h.min[lo], h.max[hi]),
            _ => (f64::NAN, f64::NAN),
        }
    }

    /// Mean and sd (ddof = 1) from the exact sums: Σ(x - mean)² is
    /// Σ(x - c)² - n (mean - c)², which loses nothing worth having while the
    /// centre c (the pilot's mean) is near the mean.
    pub fn moments(&self, frame: &Frame) -> (f64, f64) {
        if self.nans > 0 || self.rows == 0 {
            return (f64::NAN, f64::NAN);
        }
        let n = self.rows as f64;
        let mean = self.sum.value() / n;
        if self.rows < 2 {
            return (mean, f64::NAN);
        }
        let shift = mean - frame.centre;
        let spread = (self.squares.value() - n * shift * shift).max(0.0);
        (mean, (spread / (n - 1.0)).sqrt())
    }
}

impl Default for Partial {
    fn default() -> Self {
        Partial::new()
    }
}

/// A bucket (of a bucket of ...) where order statistics of a column lie:
/// the values x with `buckets.of(x) == index` at every level of `path`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub path: Vec<(Buckets, usize)>,
    /// Values of the column before the window (in order of value).
    pub below: u64,
    /// Values in the window.
    pub count: u64,
    /// The ranks (0-based, in the whole column) sought here.
    pub ranks: Vec<u64>,
    /// Some: too many values to gather; the next pass histograms the
    /// window's values over these buckets (its own extremes).
    pub refine: Option<Buckets>,
}

impl Window {
    #[inline]
    pub fn contains(&self, x: f64) -> bool {
        self.path.iter().all(|(b, i)| b.of(x) == *i)
    }
}

/// What a histogram of (part of) a column says about the ranks sought in
/// it: ranks settled at once (their bucket holds one value, repeated), and
/// windows for the others.
///
/// `path` and `below` place the histogram: the window it covers and the
/// values before that window. `limit` caps the values a window may gather
/// (u64::MAX: gather whatever the size, for a column in memory).
pub fn locate(
    ranks: &[u64],
    hist: &Histogram,
    path: &[(Buckets, usize)],
    buckets: Buckets,
    below: u64,
    limit: u64,
) -> (Vec<(u64, f64)>, Vec<Window>) {
    let mut settled = Vec::new();
    let mut windows: Vec<Window> = Vec::new();
    let mut before = below;
    let mut r = ranks.iter().copied().peekable();
    for (b, &count) in hist.counts.iter().enumerate() {
        while let Some(rank) = r.peek().copied() {
            if rank >= before + count {
                break;
            }
            r.next();
            let (lo, hi) = (hist.min[b], hist.max[b]);
            if lo == hi {
                settled.push((rank, lo));
            } else if let Some(w) = windows
                .last_mut()
                .filter(|w| w.path.last() == Some(&(buckets, b)))
            {
                w.ranks.push(rank);
            } else {
                let mut window_path = path.to_vec();
                window_path.push((buckets, b));
                windows.push(Window {
                    path: window_path,
                    below: before,
                    count,
                    ranks: vec![rank],
                    refine: (count > limit).then(|| Buckets::over(lo, hi)),
                });
            }
        }
        before += count;
    }
    (settled, windows)
}

/// Counts and extremes per bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub counts: Vec<u64>,
    pub min: Vec<f64>,
    pub max: Vec<f64>,
}

impl Histogram {
    /// A histogram over [`BUCKETS`] buckets.
    pub fn new() -> Histogram {
        Histogram::with_slots(BUCKETS + 2)
    }

    fn with_slots(slots: usize) -> Histogram {
        Histogram {
            counts: vec![0; slots],
            min: vec![f64::INFINITY; slots],
            max: vec![f64::NEG_INFINITY; slots],
        }
    }

    /// A histogram with no slots yet: sized by its first chunk's buckets
    /// ([`Histogram::size_for`]), so that a task that sees no chunk
    /// allocates nothing.
    pub fn empty() -> Histogram {
        Histogram::with_slots(0)
    }

    /// Gives an empty histogram the slots of `buckets`.
    pub fn size_for(&mut self, buckets: &Buckets) {
        if self.counts.is_empty() {
            *self = Histogram::with_slots(buckets.slots());
        }
    }

    #[inline]
    pub fn add(&mut self, b: usize, x: f64) {
        self.counts[b] += 1;
        // Comparisons rather than f64::min: no NaN reaches a histogram.
        if x < self.min[b] {
            self.min[b] = x;
        }
        if x > self.max[b] {
            self.max[b] = x;
        }
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            *self = other.clone();
            return;
        }
        for b in 0..self.counts.len() {
            self.counts[b] += other.counts[b];
            self.min[b] = self.min[b].min(other.min[b]);
            self.max[b] = self.max[b].max(other.max[b]);
        }
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// The value of each rank sought in a window, from the window's values
/// (in any order).
pub fn select(window: &Window, mut values: Vec<f64>) -> Vec<(u64, f64)> {
    window
        .ranks
        .iter()
        .filter_map(|&rank| {
            let k = (rank - window.below) as usize;
            (k < values.len()).then(|| (rank, *values.select_nth_unstable_by(k, f64::total_cmp).1))
        })
        .collect()
}

/// An answer to a window: its values (to select from) or its histogram
/// over the window's refining buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    Values(Vec<f64>),
    Histogram(Histogram),
}

impl Answer {
    /// The empty answer a window's pass starts from.
    pub fn for_window(window: &Window) -> Answer {
        match window.refine {
            Some(_) => Answer::Histogram(Histogram::new()),
            None => Answer::Values(Vec::new()),
        }
    }

    /// Takes in one value of the window.
    #[inline]
    fn add(&mut self, window: &Window, x: f64) {
        match (self, window.refine) {
            (Answer::Values(v), _) => v.push(x),
            (Answer::Histogram(h), Some(buckets)) => h.add(buckets.of(x), x),
            (Answer::Histogram(_), None) => {}
        }
    }

    pub fn merge(&mut self, other: Answer) {
        match (self, other) {
            (Answer::Values(a), Answer::Values(b)) => a.extend(b),
            (Answer::Histogram(a), Answer::Histogram(b)) => a.merge(&b),
            _ => {}
        }
    }
}

/// The open windows of a column by their first-level bucket, so that one
/// pass answers them all at the cost of one bucket lookup per value.
#[derive(Debug, Clone)]
pub struct WindowIndex {
    first: Option<Buckets>,
    by_bucket: Vec<Vec<usize>>,
}

impl WindowIndex {
    pub fn new(windows: &[Window]) -> WindowIndex {
        let mut by_bucket = vec![Vec::new(); BUCKETS + 2];
        let first = windows.first().and_then(|w| w.path.first()).map(|p| p.0);
        for (i, w) in windows.iter().enumerate() {
            if let Some(&(_, b)) = w.path.first() {
                by_bucket[b].push(i);
            }
        }
        WindowIndex { first, by_bucket }
    }

    /// Empty answers, one per window.
    pub fn answers(windows: &[Window]) -> Vec<Answer> {
        windows.iter().map(Answer::for_window).collect()
    }

    /// Takes in the values of `chunk` that lie in the windows.
    pub fn add_chunk(&self, windows: &[Window], answers: &mut [Answer], chunk: &[f64]) {
        let Some(first) = self.first else { return };
        for &x in chunk {
            for &w in &self.by_bucket[first.of(x)] {
                let window = &windows[w];
                if window.path[1..].iter().all(|(b, i)| b.of(x) == *i) {
                    answers[w].add(window, x);
                }
            }
        }
    }
}

/// The search for the order statistics of one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub found: Vec<(u64, f64)>,
    pub open: Vec<Window>,
    limit: u64,
}

impl Search {
    /// Starts from the column's partial over all its rows.
    pub fn start(partial: &Partial, frame: &Frame, ranks: &[u64], limit: u64) -> Search {
        let (found, open) = locate(ranks, &partial.hist, &[], frame.buckets, 0, limit);
        Search { found, open, limit }
    }

    pub fn done(&self) -> bool {
        self.open.is_empty()
    }

    /// Takes the answers (one per open window, in order) of a pass.
    pub fn absorb(&mut self, answers: Vec<Answer>) {
        let mut open = Vec::new();
        for (window, answer) in std::mem::take(&mut self.open).into_iter().zip(answers) {
            match (answer, window.refine) {
                (Answer::Values(values), _) => self.found.extend(select(&window, values)),
                (Answer::Histogram(h), Some(buckets)) => {
                    let (found, windows) = locate(
                        &window.ranks,
                        &h,
                        &window.path,
                        buckets,
                        window.below,
                        self.limit,
                    );
                    self.found.extend(found);
                    open.extend(windows);
                }
                (Answer::Histogram(_), None) => {}
            }
        }
        self.open = open;
    }

    /// The value of a rank found.
    pub fn value(&self, rank: u64) -> f64 {
        self.found
            .iter()
            .find(|(r, _)| *r == rank)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}
