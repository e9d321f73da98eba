//! `image_count` against `count`, per row and as a ratio, on a machine that
//! other work shares: `cargo bench --bench image_count_ratio [-- REPEATS
//! [REGIME]]` (one regime, by the start of its name: for `perf record`).
//!
//! Each repeat evaluates one chunk of `count` and then one of each regime of
//! `image_count` in turn (the chunks of `likelihood/image_*` in the engine
//! bench: 34 counted of 20-80 units), and each keeps its fastest time. Work
//! that shares the processor only ever adds time, and it comes and goes:
//! interleaved, every kind meets the same quiet moments, so the fastest
//! times and their ratios hold from run to run where criterion's medians
//! (taken one bench after another) can move by half.

use munflow::engine::CHUNK;
use std::hint::black_box;
use std::time::Instant;

#[path = "shared/image_chunks.rs"]
mod image_chunks;

/// `seconds` for one chunk, in nanoseconds a row.
fn per_row(seconds: f64) -> f64 {
    seconds * 1e9 / CHUNK as f64
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let repeats: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
    let only = args.iter().find(|a| a.parse::<usize>().is_err());
    let (image, count) = image_chunks::observations();
    let ([units, p], mut regimes) = image_chunks::regimes();
    // A regime by its name, or those its name begins (`all_uncertain`).
    let exact = only.is_some_and(|o| regimes.iter().any(|(name, _)| name == o));
    regimes.retain(|(name, _)| match only {
        Some(o) if exact => name == o,
        Some(o) => name.starts_with(o.as_str()),
        None => true,
    });
    let mut out = vec![0.0; CHUNK];
    let mut timed = |f: &mut dyn FnMut(&mut [f64])| {
        let start = Instant::now();
        f(&mut out);
        black_box(&out);
        start.elapsed().as_secs_f64()
    };
    let (mut plain, mut fastest) = (f64::INFINITY, vec![f64::INFINITY; regimes.len()]);
    for _ in 0..repeats {
        plain = plain.min(timed(&mut |out| {
            count.log_likelihoods(&[&units, &p], out).unwrap()
        }));
        for ((_, cols), best) in regimes.iter().zip(&mut fastest) {
            let cols = cols.each_ref().map(|c| &c[..]);
            *best = best.min(timed(&mut |out| image.log_likelihoods(&cols, out).unwrap()));
        }
    }
    println!("fastest of {repeats}, one chunk of {CHUNK} rows, one thread");
    println!("{:26} {:6.1} ns a row", "count", per_row(plain));
    for ((name, _), best) in regimes.iter().zip(fastest) {
        let ratio = best / plain;
        println!(
            "{name:26} {:6.1} ns a row  {ratio:.2}x count",
            per_row(best)
        );
    }
}
