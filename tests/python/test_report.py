"""The report page: self-contained, with every section, and readable in a
real browser (headless Chromium) offline at a phone's and a desktop's width.

Without Chromium the browser tests skip, except under CI (CI=true), where a
missing browser fails: the Makefile's test target installs it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_check import check_page, chromium  # noqa: E402  (tests/python is on sys.path)

import munflow as mf
from munflow import cli, scenarios
from munflow.timeline import TimelineScenario

#: Where screenshots are kept for a person to look at.
ARTIFACTS = Path(__file__).resolve().parents[2] / "target" / "test-artifacts"


@pytest.fixture(scope="module")
def scenario_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "scenario.html"
    file = scenarios.path("dprk_russia_2023_2024_combined")
    assert cli.main(["report", str(file), "-o", str(path), "-n", "4000", "--seed", "7"]) == 0
    return path


@pytest.fixture(scope="module")
def timeline_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "timeline.html"
    sc = TimelineScenario.from_file(scenarios.path("dprk_russia_timeline"))
    res = sc.run(3000, seed=5, progress=False, store_inputs=False)
    return res.report(path)


def test_the_page_is_self_contained_and_has_every_section(scenario_page: Path) -> None:
    text = scenario_page.read_text(encoding="utf-8")
    # Nothing fetched from elsewhere, no script: it works offline and is safe to hand on.
    assert not re.search(r"""(src|href)=["'](https?:|//)""", text)
    assert "<script" not in text and "@import" not in text
    headings = (
        "In brief",
        "Ranges",
        "Charts",
        "What it rests on",
        "Evidence",
        "Sources and assumptions",
    )
    for heading in headings:
        assert f"<h2>{heading}</h2>" in text, heading
    assert text.count("data:image/png;base64,") >= 4
    source = scenarios.path("dprk_russia_2023_2024_combined").read_bytes()
    import hashlib

    assert hashlib.sha256(source).hexdigest()[:16] in text
    assert f"munflow {mf.__version__}" in text and "seed 7" in text and "n = 4,000" in text
    assert "June 2024 analysis of Russia" in text  # the sources, cited


def test_a_timeline_page_has_fan_charts_by_period(timeline_page: Path) -> None:
    text = timeline_page.read_text(encoding="utf-8")
    assert "<h2>Ranges by period</h2>" in text
    assert "cumulative.containers: median, 50% and 90% ranges by period" in text
    assert "by 2025-06: about" in text


def _browser_or_skip() -> None:
    if chromium() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                "no Chromium on PATH under CI: make test installs it (apt-get install chromium)"
            )
        pytest.skip("no Chromium on PATH (make test installs it)")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("page", ["scenario_page", "timeline_page"])
def test_the_page_reads_in_a_browser_offline(
    page: str, width: int, request: pytest.FixtureRequest
) -> None:
    _browser_or_skip()
    path = request.getfixturevalue(page)
    seen = check_page(path, width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{page.removesuffix('_page')}-{width}.png"
    shot.write_bytes(seen.screenshot)
    assert seen.errors == []
    assert seen.image_widths and all(w > 0 for w in seen.image_widths), seen.image_widths
    # The page reflows: nothing wider than the screen (wide tables scroll inside their box).
    assert seen.page_width <= seen.viewport_width
    assert shot.stat().st_size > 10_000


# --- the footer's scenario hash is of the scenario that ran ---------------------


def sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def with_origin(saved: Path, origin: str, out: Path) -> Path:
    """A copy of a saved results file whose scenario claims to come from ``origin``."""
    import io
    import json
    import zipfile

    import numpy as np

    with zipfile.ZipFile(saved) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(str(np.load(io.BytesIO(parts["meta.npy"]))))
    meta["scenario"]["origin"] = origin
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps(meta)))
    parts["meta.npy"] = buffer.getvalue()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out


def test_the_footer_hashes_the_scenario_that_ran_not_the_file_now_there(tmp_path):
    file = tmp_path / "scenario.toml"
    ran = scenarios.path("dprk_russia_2023_2024").read_text(encoding="utf-8")
    file.write_text(ran, encoding="utf-8")
    res = mf.Scenario.from_file(file).run(n=500, seed=1)
    file.write_text(ran.replace("North Korean", "Edited"), encoding="utf-8")
    text = res.report(tmp_path / "page.html").read_text(encoding="utf-8")
    assert f"scenario sha-256 {sha(ran)}" in text
    # Saved and loaded, the scenario's text goes with the results.
    back = mf.load(res.save(tmp_path / "res.npz"))
    assert back.scenario.source_text == ran
    assert f"scenario sha-256 {sha(ran)}" in back.report(tmp_path / "back.html").read_text()


def test_a_path_named_in_a_results_file_is_never_read(tmp_path):
    res = scenarios.load().run(n=500, seed=2)
    saved = res.save(tmp_path / "res.npz")
    system_file = tmp_path / "system-file"
    system_file.write_text("secret", encoding="utf-8")
    for i, origin in enumerate([str(system_file), "/etc/passwd", "\0\x01\xff binary"]):
        crafted = mf.load(with_origin(saved, origin, tmp_path / f"crafted{i}.npz"))
        text = crafted.report(tmp_path / f"page{i}.html").read_text(encoding="utf-8")
        assert f"scenario sha-256 {sha(res.scenario.source_text)}" in text
        assert sha("secret") not in text


def test_a_report_of_model_results_and_of_a_model_posterior(tmp_path):
    # Both raised AttributeError ('output_info'), though any results report.
    plain = mf.run({"x": mf.normal(0, 1, name="x"), "y": mf.lognormal_ci(10, 100)}, n=2_000, seed=1)
    page = plain.report(tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "<h2>Charts</h2>" in page and "x: median (dot)" in page and "y: median (dot)" in page
    rate = mf.beta(2, 8, name="fail_rate")
    model = mf.Model({"fail_rate": rate}).observe(
        mf.evidence.count(25, n=50, p=rate, name="failures")
    )
    page = model.run(2_000, seed=1).report(tmp_path / "post.html").read_text(encoding="utf-8")
    assert "<h2>Evidence</h2>" in page and "conditioned on 1 observation (" in page
