//! Criterion benches of the pure-Rust core: `cargo bench --bench engine`.
//!
//! * `sampler/*`: one chunk (`CHUNK` draws) of each main family filled into a
//!   buffer, as the engine does for a fixed draw; criterion's throughput line
//!   gives the cost per draw. `sampler/binomial_rebuilt_*` rebuilds the
//!   distribution for every draw from varying parameters;
//!   `sampler/binomial_thinning_batched_*` is what the engine does for a
//!   compound draw such as `binomial(floor(shells), 1 - dud_rate)`: one
//!   batched fill per chunk. Fixed betas, PERTs and moderate Poisson and
//!   binomial laws fill from tables built on their first fill.
//! * `model/*`: the reference model of issue 2 end to end at n = 1e5 (all
//!   cores, and one thread), and fragments of it on one thread, so the cost of
//!   each kind of node can be read off by difference.
//! * `likelihood/*`: one chunk of a likelihood's terms, as weighting
//!   evaluates them (`cargo bench --bench engine -- likelihood`): `count`
//!   against `sightings` with 2 and 3 lists, independent or with an
//!   interaction, on the same totals (within and beyond the table of
//!   factorials); and `image_count` (34 counted of 20-80 units) against
//!   `count` with each of its figures uncertain in turn and all at once
//!   (`likelihood/image_*`), rows with more units than the count and fewer
//!   apart. On a machine shared with other work, `cargo bench --bench
//!   image_count_ratio` gives the same comparison steadier.
//!
//! Sample counts and times are kept low so the whole bench takes about a minute.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use munflow::dist::{Beta, Binomial, Dist, Gamma, LogNormal, Pert, Poisson, Sample};
use munflow::engine::{run, stream_rng, RunOptions, CHUNK};
use munflow::expr::{Family, Node};
use std::hint::black_box;
use std::time::Duration;

#[path = "shared/image_chunks.rs"]
mod image_chunks;

const MODEL_N: usize = 100_000;

fn draw(dist: impl Into<Dist>) -> Node {
    Node::draw(dist.into())
}

fn one_minus(x: &Node) -> Node {
    Node::constant(1.0).sub(x)
}

fn binomial(n: &Node, p: &Node) -> Node {
    Node::compound(Family::Binomial, vec![n.clone(), p.clone()]).expect("binomial has 2 params")
}

/// The reference model of issue 2 (the same as `benches/compare_numpy.py`).
fn reference_model() -> Vec<(String, Node)> {
    let containers = draw(LogNormal::from_interval(6000.0, 8000.0, 0.9).unwrap());
    let share_152 = draw(Beta::new(6.0, 4.0).unwrap());
    let share_122r = one_minus(&share_152).mul(&draw(Beta::new(3.0, 5.0).unwrap()));
    let per_152 = draw(Pert::new(300.0, 430.0, 500.0, 4.0).unwrap());
    let per_122r = draw(Pert::new(50.0, 75.0, 110.0, 4.0).unwrap());
    let dud_152 = draw(Beta::new(2.0, 8.0).unwrap());
    let dud_122r = draw(Beta::new(2.0, 10.0).unwrap());
    let shells = containers.mul(&share_152).mul(&per_152);
    let rockets = containers.mul(&share_122r).mul(&per_122r);
    let good_shells = binomial(&shells.floor(), &one_minus(&dud_152));
    let good_rockets = binomial(&rockets.floor(), &one_minus(&dud_122r));
    let missiles = draw(Poisson::new(50.0).unwrap());
    let good_missiles = binomial(&missiles, &one_minus(&draw(Beta::new(26.0, 26.0).unwrap())));
    vec![
        ("shells".into(), shells),
        ("good_shells".into(), good_shells),
        ("rockets".into(), rockets),
        ("good_rockets".into(), good_rockets),
        ("good_missiles".into(), good_missiles),
    ]
}

fn samplers(c: &mut Criterion) {
    let mut group = c.benchmark_group("sampler");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(CHUNK as u64));
    let families: Vec<(&str, Dist)> = vec![
        ("beta(6,4)", Beta::new(6.0, 4.0).unwrap().into()),
        ("beta(2,8)", Beta::new(2.0, 8.0).unwrap().into()),
        ("beta(0.5,0.5)", Beta::new(0.5, 0.5).unwrap().into()),
        ("gamma(3,1)", Gamma::new(3.0, 1.0).unwrap().into()),
        ("gamma(0.5,1)", Gamma::new(0.5, 1.0).unwrap().into()),
        (
            "lognormal_ci(6000,8000)",
            LogNormal::from_interval(6000.0, 8000.0, 0.9)
                .unwrap()
                .into(),
        ),
        (
            "pert(300,430,500)",
            Pert::new(300.0, 430.0, 500.0, 4.0).unwrap().into(),
        ),
        ("poisson(50)", Poisson::new(50.0).unwrap().into()),
        (
            "binomial(1.4e6,0.8)",
            Binomial::new(1.4e6, 0.8).unwrap().into(),
        ),
        (
            "binomial(7e4,0.83)",
            Binomial::new(7e4, 0.83).unwrap().into(),
        ),
        ("binomial(50,0.5)", Binomial::new(50.0, 0.5).unwrap().into()),
    ];
    let mut buf = vec![0.0; CHUNK];
    for (name, dist) in &families {
        group.bench_function(*name, |b| {
            let mut rng = stream_rng(1, 2, 0);
            b.iter(|| {
                dist.fill(&mut rng, &mut buf);
                black_box(&buf);
            })
        });
    }

    // A compound draw validates and builds one distribution per sample.
    let dud_rate = Beta::new(2.0, 8.0).unwrap();
    let mut p_rng = stream_rng(3, 4, 0);
    let working_p: Vec<f64> = (0..CHUNK)
        .map(|_| 1.0 - dud_rate.sample(&mut p_rng))
        .collect();
    for n in [1.4e6, 7e4, 50.0] {
        group.bench_with_input(
            BenchmarkId::new("binomial_rebuilt_per_draw", n),
            &n,
            |b, &n| {
                let mut rng = stream_rng(1, 2, 0);
                b.iter(|| {
                    for (out, &p) in buf.iter_mut().zip(&working_p) {
                        let dist = Family::Binomial.build(&[n, p]).unwrap();
                        *out = dist.sample(&mut rng);
                    }
                    black_box(&buf);
                })
            },
        );
    }
    // What the engine does for a compound binomial: one batched fill per
    // chunk (square roots vectorised, one sampler per row, no tables).
    for n in [1.4e6, 7e4, 50.0] {
        let trials = vec![n; CHUNK];
        group.bench_with_input(
            BenchmarkId::new("binomial_thinning_batched", n),
            &n,
            |b, _| {
                let mut rng = stream_rng(1, 2, 0);
                b.iter(|| {
                    Family::Binomial
                        .fill(&[&trials, &working_p], &mut rng, &mut buf)
                        .unwrap();
                    black_box(&buf);
                })
            },
        );
    }
    group.finish();
}

fn models(c: &mut Criterion) {
    let mut group = c.benchmark_group("model");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(MODEL_N as u64));
    let outputs = reference_model();
    let mut opts = RunOptions::new(MODEL_N, 7);
    opts.store_inputs = false;
    group.bench_function("reference_1e5_all_threads", |b| {
        b.iter(|| black_box(run(&outputs, &opts).unwrap()))
    });

    // One thread from here on: per-core cost, without scheduling noise. (A
    // fixed thread count builds its own pool per run; ~0.1 ms, negligible here.)
    let mut one = opts.clone();
    one.threads = Some(1);
    group.bench_function("reference_1e5_one_thread", |b| {
        b.iter(|| black_box(run(&outputs, &one).unwrap()))
    });
    for (name, node) in &outputs {
        let single = vec![(name.clone(), node.clone())];
        group.bench_function(format!("only_{name}_1e5_one_thread"), |b| {
            b.iter(|| black_box(run(&single, &one).unwrap()))
        });
    }
    group.finish();
}

fn likelihoods(c: &mut Criterion) {
    use munflow::evidence::{Observation, Sightings};
    let mut group = c.benchmark_group("likelihood");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(CHUNK as u64));
    let names = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let counts = |xs: &[(&str, f64)]| {
        xs.iter()
            .map(|(p, c)| (p.to_string(), *c))
            .collect::<Vec<_>>()
    };
    let three = counts(&[
        ("A", 14.0),
        ("B", 9.0),
        ("C", 4.0),
        ("A+B", 21.0),
        ("B+C", 3.0),
        ("A+C", 2.0),
        ("A+B+C", 5.0),
    ]);
    let any = Node::constant(1.0);
    let observations = [
        (
            "count",
            Observation::count("c", 30.0, any.clone(), any.clone()).unwrap(),
        ),
        (
            "sightings_2_lists",
            Sightings::new(
                names(&["A", "B"]),
                &counts(&[("A", 14.0), ("B", 9.0), ("A+B", 21.0)]),
                &[],
                "vessels",
            )
            .map(|s| Observation::sightings("s", any.clone(), s).unwrap())
            .unwrap(),
        ),
        (
            "sightings_3_lists",
            Sightings::new(names(&["A", "B", "C"]), &three, &[], "vessels")
                .map(|s| Observation::sightings("s", any.clone(), s).unwrap())
                .unwrap(),
        ),
        (
            "sightings_3_lists_interaction",
            Sightings::new(
                names(&["A", "B", "C"]),
                &three,
                &[names(&["A", "B"])],
                "vessels",
            )
            .map(|s| Observation::sightings("s", any.clone(), s).unwrap())
            .unwrap(),
        ),
    ];
    for (range, lo, hi) in [("small", 60.0, 4_000.0), ("large", 5_000.0, 1e6)] {
        let totals: Vec<f64> = (0..CHUNK)
            .map(|i| (lo + (hi - lo) * (i as f64 / CHUNK as f64)).round())
            .collect();
        let p = vec![0.3; CHUNK];
        let mut out = vec![0.0; CHUNK];
        for (name, obs) in &observations {
            let cols: Vec<&[f64]> = match obs.nodes().len() {
                2 => vec![&totals, &p],
                _ => vec![&totals],
            };
            group.bench_function(format!("{name}_{range}_totals"), |b| {
                b.iter(|| {
                    obs.log_likelihoods(&cols, &mut out).unwrap();
                    black_box(out[0])
                })
            });
        }
    }
    image_counts(&mut group);
    group.finish();
}

/// `image_count` of 34 on a chunk of rows cycling through 20-80 units, with
/// its chances fixed or varying by row, against `count` on the same rows.
fn image_counts(group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>) {
    let (image, count) = image_chunks::observations();
    let ([units, p], regimes) = image_chunks::regimes();
    let mut out = vec![0.0; CHUNK];
    group.bench_function("image_count_of_34_plain_count", |b| {
        b.iter(|| {
            count.log_likelihoods(&[&units, &p], &mut out).unwrap();
            black_box(out[0])
        })
    });
    for (name, cols) in &regimes {
        let cols = cols.each_ref().map(|c| &c[..]);
        group.bench_function(format!("image_{name}"), |b| {
            b.iter(|| {
                image.log_likelihoods(&cols, &mut out).unwrap();
                black_box(out[0])
            })
        });
    }
}

criterion_group!(benches, samplers, models, likelihoods);
criterion_main!(benches);
