"""Opening results files: files saved by earlier versions still load; what a
load costs is bounded by what the metadata declares (refused by declared
sizes, never by allocating); any malformed file raises ResultsFileError."""

from __future__ import annotations

import io
import json
import random
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import munflow as mf

FIXTURES = Path(__file__).parent / "fixtures"


def as_lists(table):
    return {k: [float(x) for x in v] for k, v in table.items()}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.npz")))
def test_files_saved_by_earlier_versions_load_the_same(name):
    res = mf.load(FIXTURES / name)
    expected = json.loads((FIXTURES / "summaries.json").read_text())[name]
    assert as_lists(res.summary()) == expected
    kinds = {
        "plain.npz": mf.Results,
        "posterior_weighting.npz": mf.PosteriorResults,
        "posterior_tempering.npz": mf.PosteriorResults,
        "scenario.npz": mf.ScenarioResults,
        "timeline.npz": mf.PosteriorResults,  # version 1 kept no time axis
        "v2_summary.npz": mf.SummaryResults,
        "v2_summary_posterior.npz": mf.PosteriorSummaryResults,
        "v2_scenario_summary.npz": mf.results.ScenarioSummaryResults,
        "v2_timeline_posterior.npz": mf.TimelineResults,
        "v2_timeline_file.npz": mf.TimelineResults,
    }
    # One results type; the kinds are facets of it (by the parts it holds).
    assert type(res) is mf.Results and isinstance(res, kinds[name])
    if name.startswith("v2_timeline"):
        assert isinstance(res.results, mf.PosteriorResults)
        assert res.series(res.model.series[0]).shape == (res.n, len(res.timeline))


# --- crafted files -------------------------------------------------------------


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def header_only(shape: tuple[int, ...], data: bytes = b"") -> bytes:
    """An .npy member declaring ``shape`` float64, holding only ``data``."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    return out.getvalue() + data


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    rate = mf.beta(2, 8, name="fail_rate")
    model = mf.Model({"fail_rate": rate}).observe(mf.evidence.count(3, n=10, p=rate, name="seen"))
    res = model.run(200, seed=1, method="weighting")
    return res.save(tmp_path_factory.mktemp("saved") / "post.npz")


def peak_while(f) -> int:
    tracemalloc.start()
    try:
        f()
    except mf.ResultsFileError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_an_unreferenced_member_is_never_read(saved, tmp_path):
    parts = members(saved)
    parts["junk.npy"] = header_only((2**28,))  # declares 2 GB, holds nothing
    path = write(tmp_path / "junk.npz", parts)
    assert peak_while(lambda: mf.load(path)) < 20 * 2**20
    assert mf.load(path).summary().equals(mf.load(saved).summary())


def test_an_oversized_column_is_refused_by_its_declared_shape(saved, tmp_path):
    parts = members(saved)
    parts["column_0.npy"] = header_only((2**28,), np.zeros(200).tobytes())
    path = write(tmp_path / "big.npz", parts)
    with pytest.raises(mf.ResultsFileError, match="column_0"):
        mf.load(path)
    assert peak_while(lambda: mf.load(path)) < 20 * 2**20


def test_a_member_whose_zip_entry_declares_more_is_refused_unread(saved, tmp_path):
    """The central directory says column_0 holds 4 GB: refused by that
    number before a byte of it is decompressed."""
    data = bytearray(saved.read_bytes())
    entry = data.index(b"PK\x01\x02" + data[data.index(b"PK\x01\x02") + 4 :][:0])
    while True:  # find column_0's central directory entry
        name_len = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_len] == b"column_0.npy":
            break
        entry = data.index(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 0xFFFF_FFF0)
    path = tmp_path / "declares.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(mf.ResultsFileError, match="column_0"):
        mf.load(path)


def test_a_missing_member_is_named(saved, tmp_path):
    parts = members(saved)
    del parts["weights.npy"]
    with pytest.raises(mf.ResultsFileError, match="'weights' is missing"):
        mf.load(write(tmp_path / "missing.npz", parts))


def test_oversized_metadata_is_refused_unread(saved, tmp_path):
    parts = members(saved)
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": "<U100000000", "fortran_order": False, "shape": ()}
    )
    parts["meta.npy"] = out.getvalue()
    with pytest.raises(mf.ResultsFileError, match="metadata"):
        mf.load(write(tmp_path / "meta.npz", parts))


WRONG = [None, "7", -1, 0, 1.5, True, [], {}, [1, 2], {"a": 1}, 2**70, "x" * 10]


def test_metadata_of_the_wrong_types_raises_one_exception_type(saved, tmp_path):
    parts = members(saved)
    meta = json.loads(str(np.load(io.BytesIO(parts["meta.npy"]))))
    fields = [(k,) for k in meta] + [("posterior", k) for k in meta["posterior"]]
    fields += [("posterior", "prior", k) for k in meta["posterior"]["prior"]]
    fields += [("model", k) for k in meta["model"]]
    rng = random.Random(3)
    for field in fields:
        for wrong in rng.sample(WRONG, 4):
            changed = json.loads(json.dumps(meta))
            where = changed
            for key in field[:-1]:
                where = where[key]
            where[field[-1]] = wrong
            path = write(
                tmp_path / "typed.npz", {**parts, "meta.npy": npy(np.array(json.dumps(changed)))}
            )
            try:
                mf.load(path).summary()
            except mf.ResultsFileError:
                pass


def test_a_fuzzed_file_loads_or_raises_results_file_error(saved, tmp_path):
    original = saved.read_bytes()
    parts = members(saved)
    rng = random.Random(7)
    path = tmp_path / "fuzzed.npz"
    for case in range(300):
        data = bytearray(original)
        how = case % 5
        if how == 0:
            data = data[: rng.randrange(len(data))]
        elif how in (1, 2):
            for _ in range(1 + how * rng.randrange(4)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif how == 3:
            cut = dict(parts)
            del cut[rng.choice(sorted(cut))]
            data = bytearray(write(path, cut).read_bytes())
        else:
            more = {**parts, f"extra_{case}.npy": npy(np.arange(float(rng.randrange(1, 50))))}
            data = bytearray(write(path, more).read_bytes())
        path.write_bytes(bytes(data))
        try:
            mf.load(path).summary()
        except mf.ResultsFileError:
            pass


def test_a_member_marked_encrypted_is_a_results_file_error(saved, tmp_path):
    # One flipped bit in the central directory marks a member encrypted: the
    # zip reader then asks for a password (a RuntimeError), which the fuzzed
    # files above met only on the days their zip timestamps put it in reach.
    data = bytearray(saved.read_bytes())
    entry = data.find(b"PK\x01\x02")
    assert entry > 0
    data[entry + 8] |= 1  # general purpose flags: bit 0, encrypted
    path = tmp_path / "encrypted.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(mf.ResultsFileError, match="not a readable munflow results file"):
        mf.load(path)


def test_a_file_that_is_not_there_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        mf.load(tmp_path / "absent.npz")
    assert issubclass(mf.ResultsFileError, ValueError)
