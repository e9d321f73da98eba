//! Scenario files through the public API: hand-computed results, the bundled
//! scenario, round trips and located errors.

use munflow::dist::{Beta, Moments};
use munflow::engine::{run, RunOptions, RunResult};
use munflow::scenario::{compile, Scenario};

const BUNDLED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/python/munflow/scenarios/dprk_russia_2023_2024.toml"
);

fn scenario(toml: &str) -> Scenario {
    Scenario::from_toml_str(toml, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn run_scenario(s: &Scenario, n: usize, seed: u64) -> RunResult {
    let outputs = compile(s).unwrap().named_outputs();
    run(&outputs, &RunOptions::new(n, seed)).unwrap()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

const ALL_152: &str = r#"
[munitions.shell_152]
category = "shell"
per_container = 430
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.reported.minister]
containers = 7000
"#;

#[test]
fn seven_thousand_containers_of_152mm_is_exactly_3_010_000_shells() {
    let res = run_scenario(&scenario(ALL_152), 10_000, 1);
    for name in [
        "shell_152.delivered",
        "shell_152.functioning",
        "total.delivered",
    ] {
        let col = res.column(name).unwrap();
        assert!(col.iter().all(|&x| x == 3_010_000.0), "{name}");
    }
    assert!(res
        .column("total.containers")
        .unwrap()
        .iter()
        .all(|&x| x == 7000.0));
}

#[test]
fn a_fixed_dud_rate_thins_to_the_binomial_mean() {
    let s = scenario(&format!("{ALL_152}\n"));
    let mut s = s;
    s.munitions.get_mut("shell_152").unwrap().dud_rate = Some(0.2.into());
    let n = 20_000;
    let res = run_scenario(&s, n, 2);
    let working = res.column("shell_152.functioning").unwrap();
    // Binomial(3,010,000, 0.8): sd of one draw sqrt(n p q) ~ 694, of the mean ~ 4.9.
    let sd_of_mean = (3_010_000.0_f64 * 0.8 * 0.2).sqrt() / (n as f64).sqrt();
    assert!((mean(working) - 2_408_000.0).abs() < 5.0 * sd_of_mean);
    assert!(working
        .iter()
        .all(|x| x.fract() == 0.0 && *x <= 3_010_000.0));
}

#[test]
fn fixed_voyages_give_the_product() {
    let s = scenario(
        r#"
[munitions.shell_152]
category = "shell"
per_container = 430
[mix]
fixed = { shell_152 = 0.5, other = 0.5 }
[channels.voyages.rajin]
tracked = 25
containers_per_voyage = 160
"#,
    );
    let res = run_scenario(&s, 1000, 3);
    assert!(res
        .column("total.containers")
        .unwrap()
        .iter()
        .all(|&x| x == 4000.0));
    let shells = res.column("shell_152.delivered").unwrap();
    assert!(shells.iter().all(|&x| x == 25.0 * 160.0 * 0.5 * 430.0));
}

#[test]
fn dark_voyages_match_the_negative_binomial_mean() {
    let s = scenario(
        r#"
[munitions.shell_152]
category = "shell"
per_container = 1
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.voyages.rajin]
tracked = 25
dark_seen = 19
p_detect = 0.4
containers_per_voyage = 1
"#,
    );
    let n = 200_000;
    let res = run_scenario(&s, n, 4);
    let unseen = res.column("rajin.dark_unseen").unwrap();
    // NegativeBinomial(19, 0.4): mean r(1-p)/p = 28.5, variance r(1-p)/p^2 = 71.25.
    let sd_of_mean = (71.25_f64 / n as f64).sqrt();
    assert!(
        (mean(unseen) - 28.5).abs() < 5.0 * sd_of_mean,
        "{}",
        mean(unseen)
    );
    let voyages = res.column("total.containers").unwrap();
    assert!((mean(voyages) - (25.0 + 19.0 + 28.5)).abs() < 5.0 * sd_of_mean);
}

#[test]
fn an_uncertain_detection_probability_mixes_negative_binomials() {
    let s = scenario(
        r#"
[munitions.shell_152]
category = "shell"
per_container = 1
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.voyages.rajin]
dark_seen = 19
p_detect = { beta = [6, 3] }
containers_per_voyage = 1
"#,
    );
    let res = run_scenario(&s, 200_000, 5);
    // E[U] = r E[(1-p)/p] = r (E[1/p] - 1), and for Beta(a, b) E[1/p] = (a+b-1)/(a-1).
    let want = 19.0 * ((6.0 + 3.0 - 1.0) / (6.0 - 1.0) - 1.0);
    let got = mean(res.column("rajin.dark_unseen").unwrap());
    assert!((got - want).abs() < 0.1, "{got} vs {want}");
    assert!(Beta::new(6.0, 3.0).unwrap().mean() > 0.6);
}

#[test]
fn the_uniform_prior_allows_unseen_voyages_when_none_were_seen() {
    let s = scenario(
        r#"
[munitions.shell_152]
category = "shell"
per_container = 1
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.voyages.quiet]
prior = "uniform"
p_detect = 0.5
containers_per_voyage = 1
"#,
    );
    let res = run_scenario(&s, 100_000, 6);
    // Geometric: NegativeBinomial(1, 0.5) has mean 1.
    let got = mean(res.column("quiet.dark_unseen").unwrap());
    assert!((got - 1.0).abs() < 0.03, "{got}");
}

#[test]
fn rail_flows_and_direct_counts_add_up() {
    let s = scenario(
        r#"
[munitions.shell_152]
category = "shell"
per_container = 400
[munitions.missile]
category = "missile"
failure_rate = 0.5
interception_rate = 0
[mix]
fixed = { shell_152 = 1, other = 0 }
[channels.reported.sea]
containers = 1000
[channels.flows.rail]
periods = 4
wagons_per_period = 10
containers_per_wagon = 2
[channels.direct.missiles]
munition = "missile"
count = 50
"#,
    );
    let res = run_scenario(&s, 50_000, 7);
    let shells = res.column("shell_152.delivered").unwrap();
    assert!(shells.iter().all(|&x| x == (1000.0 + 80.0) * 400.0));
    let flying = res.column("missile.functioning").unwrap();
    assert!((mean(flying) - 25.0).abs() < 0.1);
    let reaching = res.column("missile.reaching_target").unwrap();
    assert_eq!(flying, reaching);
    let total = res.column("total.delivered").unwrap();
    assert!(total.iter().all(|&x| x == 432_050.0));
}

#[test]
fn alternatives_are_reported_side_by_side() {
    let s = Scenario::from_file(BUNDLED).unwrap();
    let compiled = compile(&s).unwrap();
    assert_eq!(compiled.estimates, ["defence_minister", "voyages"]);
    let names: Vec<&str> = compiled.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names[0], "total.containers[defence_minister]");
    assert_eq!(names[1], "total.containers[voyages]");
    assert!(names.contains(&"shell_152.days_of_fire_functioning[voyages]"));
    assert!(names.contains(&"ballistic_missile.reaching_target[defence_minister]"));
    let res = run(&compiled.named_outputs(), &RunOptions::new(20_000, 8)).unwrap();
    let minister = res.column("total.containers[defence_minister]").unwrap();
    assert!((mean(minister) - 7000.0).abs() < 100.0);
    // Stored inputs carry the assumptions by their readable names.
    for input in [
        "shell_152.per_container",
        "rajin_aug_dec_2023.p_detect",
        "shell_152.share",
        "rocket_122.share_of_rest",
    ] {
        assert!(
            res.inputs.iter().any(|i| i == input),
            "{input} in {:?}",
            res.inputs
        );
    }
}

#[test]
fn the_dirichlet_shares_sum_to_one_in_every_sample() {
    let s = Scenario::from_file(BUNDLED).unwrap();
    let n = 40_000;
    let res = run_scenario(&s, n, 9);
    let a = res.column("shell_152.share").unwrap();
    let b = res.column("rocket_122.share").unwrap();
    let of_rest = res.column("rocket_122.share_of_rest").unwrap();
    for i in 0..a.len() {
        // Stick breaking: the rest of the cargo after 152 mm and rockets is `other`.
        let other = (1.0 - a[i]) * (1.0 - of_rest[i]);
        assert!((a[i] + b[i] + other - 1.0).abs() < 1e-12);
        assert!(a[i] > 0.0 && b[i] >= 0.0 && other >= 0.0);
    }
    // Dirichlet(15, 3, 2): E = (0.75, 0.15), Var_i = a_i (S - a_i) / (S^2 (S + 1)).
    let var = |x: &[f64]| {
        let m = mean(x);
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
    };
    for (x, alpha) in [(a, 15.0), (b, 3.0)] {
        let (s, e) = (20.0, alpha / 20.0);
        let v = alpha * (s - alpha) / (s * s * (s + 1.0));
        assert!(
            (mean(x) - e).abs() < 5.0 * (v / n as f64).sqrt(),
            "mean {alpha}"
        );
        assert!(
            (var(x) / v - 1.0).abs() < 0.05,
            "variance {alpha}: {} vs {v}",
            var(x)
        );
    }
}

#[test]
fn changing_one_assumption_keeps_every_other_draw() {
    let s = Scenario::from_file(BUNDLED).unwrap();
    let mut changed = s.clone();
    changed.munitions.get_mut("shell_152").unwrap().dud_rate = Some(0.1.into());
    let (a, b) = (run_scenario(&s, 5000, 10), run_scenario(&changed, 5000, 10));
    for name in [
        "shell_152.delivered[voyages]",
        "rocket_122.functioning[voyages]",
        "rajin_aug_dec_2023.p_detect",
    ] {
        assert_eq!(a.column(name), b.column(name), "{name}");
    }
    assert_ne!(
        a.column("shell_152.functioning[voyages]"),
        b.column("shell_152.functioning[voyages]")
    );
}

#[test]
fn toml_round_trip_gives_identical_results() {
    let s = Scenario::from_file(BUNDLED).unwrap();
    let text = s.to_toml().unwrap();
    let back =
        Scenario::from_toml_str(&text, "written.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, s);
    let (a, b) = (run_scenario(&s, 3000, 11), run_scenario(&back, 3000, 11));
    assert_eq!(a.columns, b.columns);
    let json = s.to_json().unwrap();
    assert_eq!(Scenario::from_json_str(&json, "written.json").unwrap(), s);
}

/// Each malformed file, the field path its error must name, and its line.
const MALFORMED: &[(&str, &str, &str)] = &[
    (
        "unknown key",
        "[munitions.shell_152]\ncategory = \"shell\"\nper_container = 430\ndud_rte = 0.1\n",
        "test.toml:4: munitions.shell_152",
    ),
    (
        "wrong type",
        "[munitions.shell_152]\ncategory = \"shell\"\nper_container = \"many\"\n",
        "test.toml:3: munitions.shell_152.per_container",
    ),
    (
        "invalid parameter",
        "[munitions.shell_152]\ncategory = \"shell\"\nper_container = 430\ndud_rate = { beta = [-1, 8] }\n",
        "test.toml:4: munitions.shell_152.dud_rate",
    ),
    (
        "unknown category",
        "[munitions.shell_152]\ncategory = \"grenade\"\n",
        "test.toml:2: munitions.shell_152.category",
    ),
    (
        "shares that do not sum to 1",
        "[munitions.shell_152]\ncategory = \"shell\"\nper_container = 430\n[mix]\nfixed = { shell_152 = 0.7, other = 0.2 }\n[channels.reported.m]\ncontainers = 7000\n",
        "test.toml:5: mix.fixed: the shares sum to 0.9",
    ),
    (
        "a channel naming an unknown munition",
        "[munitions.shell_152]\ncategory = \"shell\"\nper_container = 430\n[mix]\nfixed = { shell_152 = 1, other = 0 }\n[channels.reported.m]\ncontainers = 7000\n[channels.direct.missiles]\nmunition = \"kn23\"\ncount = 50\n",
        "test.toml:9: channels.direct.missiles.munition: unknown munition 'kn23'",
    ),
    (
        "a rate outside [0, 1]",
        "[munitions.shell_152]\ncategory = \"shell\"\nper_container = 430\ndud_rate = { normal = [0.2, 0.1] }\n",
        "test.toml:4: munitions.shell_152.dud_rate: a rate must lie in [0, 1]",
    ),
    (
        "a negative dark voyage count",
        "[channels.voyages.v]\ndark_seen = -3\n",
        "test.toml:2: channels.voyages.v.dark_seen",
    ),
    (
        "an estimate naming an unknown channel",
        "[munitions.s]\ncategory = \"shell\"\nper_container = 1\n[mix]\nfixed = { s = 1, other = 0 }\n[channels.reported.m]\ncontainers = 7\n[estimates]\na = [\"m\"]\nb = [\"ship\"]\n",
        "test.toml:10: estimates.b: unknown channel 'ship'",
    ),
    (
        "a mix without other",
        "[munitions.s]\ncategory = \"shell\"\nper_container = 1\n[mix]\ndirichlet = { s = 1 }\n[channels.reported.m]\ncontainers = 7\n",
        "test.toml:5: mix.dirichlet: missing share `other`",
    ),
    (
        "a syntax error",
        "[munitions.s]\ncategory = \"shell\n",
        "test.toml:2: invalid TOML",
    ),
];

#[test]
fn malformed_files_name_the_field_path_and_line() {
    for (what, text, want) in MALFORMED {
        let err = Scenario::from_toml_str(text, "test.toml")
            .expect_err(what)
            .to_string();
        // One line per problem found, the one expected first.
        assert!(err.starts_with(want), "{what}: got {err:?}, want {want:?}");
        let first = err.lines().next().unwrap_or_default();
        assert!(first.starts_with(want), "{what}: first line {first:?}");
    }
}

#[test]
fn json_errors_are_located_too() {
    let text = "{\n  \"munitions\": {\n    \"s\": {\n      \"category\": \"shell\",\n      \"dud_rate\": {\"beta\": [0, 1]}\n    }\n  }\n}\n";
    let err = Scenario::from_json_str(text, "bad.json")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("bad.json:5: munitions.s.dud_rate: beta: alpha must be > 0"),
        "{err}"
    );
}

#[test]
fn a_channel_common_to_every_estimate_is_one_draw_under_each() {
    let s = Scenario::from_file(BUNDLED).unwrap();
    let compiled = compile(&s).unwrap();
    let node = |name: &str| {
        compiled
            .outputs
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.node.clone())
            .unwrap()
    };
    for q in ["delivered", "functioning", "reaching_target"] {
        assert_eq!(
            node(&format!("ballistic_missile.{q}[defence_minister]")),
            node(&format!("ballistic_missile.{q}[voyages]")),
            "{q}"
        );
    }
    assert_ne!(
        node("shell_152.functioning[defence_minister]"),
        node("shell_152.functioning[voyages]")
    );
    // Every input named after a field knows it.
    assert_eq!(
        compiled.fields["rajin_aug_dec_2023.p_detect"],
        "channels.voyages.rajin_aug_dec_2023.p_detect"
    );
    assert_eq!(
        compiled.fields["rocket_122.share_of_rest"],
        "mix.dirichlet.rocket_122"
    );
}

#[test]
fn problems_found_while_building_are_located_at_their_field() {
    let text = std::fs::read_to_string(BUNDLED)
        .unwrap()
        .replace("p_detect = { beta = [4, 2] }", "p_detect = 1e-300");
    let err = Scenario::from_toml_str(&text, "bad.toml").unwrap_err();
    match err {
        munflow::Error::Scenario(p) => {
            assert_eq!(p.path, "channels.voyages.rajin_aug_dec_2023.p_detect");
            let line = p.line.unwrap();
            assert!(text.lines().nth(line - 1).unwrap().starts_with("p_detect"));
        }
        other => panic!("expected a scenario error, got {other:?}"),
    }
}
