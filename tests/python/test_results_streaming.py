"""Bounded results for long runs: `simulate(keep_last_cycles=K, decimate=k)` (issue 15, goal 5)
and the compact results file (solver.results_layout: compact, docs/results-format.md).

Each thinned run is compared with the full run of the same model: the solver does the same
steps, so the kept samples are the full run's samples, bit for bit.
"""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")

ROOT = Path(__file__).resolve().parents[2]
CEREBRAL = ROOT / "models/cerebral_venous.yaml"
CYCLES = 6


def model():
    return vf.load_model(CEREBRAL).set("discretisation.lumped", True)


@pytest.fixture(scope="module")
def full():
    return vf.simulate(model(), cycles=CYCLES)


def arrays(res):
    """Every series of a run, by name."""
    out = {"time": res.time}
    for v in res.vessels:
        for q in ("pressure", "flow", "area"):
            out[f"{v}/{q}"] = getattr(res, q)[v]
    out.update({f"node {n}": p for n, p in res.node_pressure.items()})
    for e, qs in res.elements.items():
        out.update({f"{e}/{q}": a for q, a in qs.items()})
    return out


def test_full_run_has_every_sample(full):
    per_cycle = round(full.period / 0.01)  # output_interval 10 ms
    assert full.time.size == CYCLES * per_cycle + 1


@pytest.mark.parametrize("k", [2, 7])
def test_decimated_samples_are_every_kth_sample_of_the_full_run(full, k):
    res = vf.simulate(model(), cycles=CYCLES, decimate=k)
    a, b = arrays(res), arrays(full)
    assert a.keys() == b.keys()
    assert res.time.size == (full.time.size - 1) // k + 1
    for name in a:
        np.testing.assert_array_equal(a[name], b[name][::k], err_msg=name)
    # The metrics are computed from every sample, so they are the full run's.
    assert res.metrics == full.metrics


def test_last_cycles_are_the_tail_of_the_full_run(full):
    per_cycle = round(full.period / 0.01)
    res = vf.simulate(model(), cycles=CYCLES, keep_last_cycles=2)
    n = 2 * per_cycle + 1
    assert res.time.size == n
    a, b = arrays(res), arrays(full)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name][-n:], err_msg=name)
    assert res.metrics == full.metrics
    # Both together: every k-th sample, then the last ones of those.
    both = vf.simulate(model(), cycles=CYCLES, keep_last_cycles=2, decimate=4)
    kept = full.time[::4]
    np.testing.assert_array_equal(both.time, kept[-(2 * per_cycle // 4 + 1):])


def test_kept_samples_do_not_grow_with_the_simulated_time():
    """The memory of the results: the arrays' sizes, at 4 and 12 cycles."""
    def nbytes(res):
        return sum(a.nbytes for a in arrays(res).values())
    short = vf.simulate(model(), cycles=4, keep_last_cycles=2)
    long = vf.simulate(model(), cycles=12, keep_last_cycles=2)
    assert nbytes(long) == nbytes(short)
    full_short = vf.simulate(model(), cycles=4)
    full_long = vf.simulate(model(), cycles=12)
    assert nbytes(full_long) > 2.9 * nbytes(full_short)  # every sample: grows with the time
    # decimate=k: k times fewer samples (up to the one at t = 0).
    dec = vf.simulate(model(), cycles=12, decimate=8)
    assert dec.time.size == (full_long.time.size - 1) // 8 + 1


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "3"])
def test_decimate_out_of_range_is_a_clear_error(value):
    with pytest.raises(ValueError, match="decimate must be a whole number"):
        vf.simulate(model(), cycles=1, decimate=value)


@pytest.mark.parametrize("value", [-1, 1.5, False])
def test_keep_last_cycles_out_of_range_is_a_clear_error(value):
    with pytest.raises(ValueError, match="keep_last_cycles must be a whole number"):
        vf.simulate(model(), cycles=1, keep_last_cycles=value)


def test_compact_file_holds_the_same_results_as_the_groups_file(tmp_path, full):
    """Written by simulate(output=...) in both layouts, read back by open_results: the same
    arrays, metrics, units and names; the compact file is a few HDF5 objects."""
    h5py = pytest.importorskip("h5py")
    groups = vf.simulate(model().set("solver.results_layout", "groups"), cycles=CYCLES,
                         output=tmp_path / "g.h5")
    compact = vf.simulate(model().set("solver.results_layout", "compact"), cycles=CYCLES,
                          output=tmp_path / "c.h5")
    g, c = vf.open_results(groups.output), vf.open_results(compact.output)
    a, b = arrays(c), arrays(g)
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        np.testing.assert_array_equal(a[name], arrays(full)[name], err_msg=name)
    assert c.metrics == g.metrics == full.metrics
    assert c.metric_units == g.metric_units and c.metric_docs == g.metric_docs
    assert c.element_units == g.element_units and c.element_types == g.element_types
    assert c.x.keys() == g.x.keys()
    with h5py.File(compact.output, "r") as f:
        assert int(f.attrs["format_version"]) == 2 and f.attrs["layout"] == "compact"
        objects = []
        f.visit(objects.append)
        assert len(objects) < 30
        names = f["vessels/vessel"].asstr()[()]
        start, count = f["vessels/start"][()], f["vessels/count"][()]
        j = list(names).index("IJV_R_J1")
        np.testing.assert_array_equal(
            f["vessels/pressure"][:, start[j]:start[j] + count[j]], g.pressure["IJV_R_J1"])
        m = list(f["metrics/metric"].asstr()[()]).index("cbf")
        assert f["metrics/value"][m] == g.metrics["cbf"]
        assert f["metrics/units"].asstr()[m] == "m^3/s"
    with h5py.File(groups.output, "r") as f:
        objects = []
        f.visit(objects.append)
        assert len(objects) > 300


def text(values):
    """Names as str (h5netcdf gives fixed-length strings as bytes, netCDF4 as str)."""
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_opens_the_compact_groups(tmp_path, engine):
    xr = pytest.importorskip("xarray")
    pytest.importorskip(engine if engine != "netcdf4" else "netCDF4")
    res = vf.simulate(model().set("solver.results_layout", "compact"), cycles=1,
                      output=tmp_path / "c.h5")
    with xr.open_dataset(res.output, group="vessels", engine=engine) as ds:
        assert ds["pressure"].dims == ("time", "x")
        np.testing.assert_array_equal(ds["time"].values, res.time)
        assert text(ds["vessel"].values) == res.vessels
    with xr.open_dataset(res.output, group="metrics", engine=engine) as ds:
        cbf = ds["value"].values[text(ds["metric"].values).index("cbf")]
        assert cbf == res.metrics["cbf"]


def test_cli_writes_the_compact_layout(tmp_path):
    cli = os.environ.get("VENOFLOW_CLI")
    if not cli:
        pytest.skip("VENOFLOW_CLI not set")
    out = tmp_path / "r.h5"
    subprocess.run([cli, "run", str(CEREBRAL), "-q", "-o", str(out), "--cycles", "2", "--set",
                    "discretisation.lumped=true", "--set", "solver.results_layout=compact"],
                   check=True)
    res = vf.open_results(out)
    ref = vf.simulate(model(), cycles=2)
    a, b = arrays(res), arrays(ref)
    for name in b:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert res.metrics == ref.metrics


def test_benchmark_loader_reads_both_layouts(tmp_path):
    """validation/benchmarks/run.py reads results files with h5py: the same arrays from a
    compact file as from a groups file."""
    pytest.importorskip("h5py")
    import sys
    sys.path.insert(0, str(ROOT / "validation/benchmarks"))
    import run as R
    g = vf.simulate(model().set("solver.results_layout", "groups"), cycles=1,
                    output=tmp_path / "g.h5")
    c = vf.simulate(model().set("solver.results_layout", "compact"), cycles=1,
                    output=tmp_path / "c.h5")
    a, b = R.load_results(Path(c.output)), R.load_results(Path(g.output))
    np.testing.assert_array_equal(a.time, b.time)
    assert list(a.vessels) == list(b.vessels) and list(a.nodes) == list(b.nodes)
    for name, d in b.vessels.items():
        for q, arr in d.items():
            np.testing.assert_array_equal(a.vessels[name][q], arr, err_msg=f"{name} {q}")
    for name, d in b.nodes.items():
        np.testing.assert_array_equal(a.nodes[name]["pressure"], d["pressure"])


def test_to_hdf5_in_both_layouts(tmp_path, full):
    """Results.to_hdf5(layout=...) replays the same arrays into either layout."""
    for layout in ("groups", "compact"):
        back = vf.open_results(full.to_hdf5(tmp_path / f"{layout}.h5", layout=layout))
        a, b = arrays(back), arrays(full)
        assert list(a) == list(b)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{layout} {name}")
        assert back.metrics == full.metrics
        # each element's type and its quantities' units, as the run gave them
        assert back.element_types == full.element_types and "brain" in full.element_types
        assert back.element_units == full.element_units
    with pytest.raises(ValueError, match="layout must be"):
        full.to_hdf5(tmp_path / "x.h5", layout="rows")


def test_the_default_layout_is_compact(tmp_path, full):
    """A model that does not name solver.results_layout, and to_hdf5 without a layout, write
    the compact layout (format 2); a groups file of an earlier version (no format_version, no
    layout attribute) is still read, the same arrays."""
    h5py = pytest.importorskip("h5py")
    res = vf.simulate(model(), cycles=1, output=tmp_path / "d.h5")
    copy = full.to_hdf5(tmp_path / "copy.h5")
    for path in (res.output, copy):
        with h5py.File(path, "r") as f:
            assert int(f.attrs["format_version"]) == 2 and f.attrs["layout"] == "compact"
    old = full.to_hdf5(tmp_path / "old.h5", layout="groups")
    with h5py.File(old, "r+") as f:
        assert int(f.attrs["format_version"]) == 1
        del f.attrs["format_version"], f.attrs["layout"]
    back = vf.open_results(old)
    a, b = arrays(back), arrays(full)
    assert list(a) == list(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert back.metrics == full.metrics


def test_cli_default_is_the_compact_layout(tmp_path):
    cli = os.environ.get("VENOFLOW_CLI")
    if not cli:
        pytest.skip("VENOFLOW_CLI not set")
    h5py = pytest.importorskip("h5py")
    out = tmp_path / "r.h5"
    subprocess.run([cli, "run", str(CEREBRAL), "-q", "-o", str(out), "--cycles", "1", "--set",
                    "discretisation.lumped=true"], check=True)
    with h5py.File(out, "r") as f:
        assert int(f.attrs["format_version"]) == 2 and f.attrs["layout"] == "compact"


def test_physiology_summary_reads_both_layouts(tmp_path):
    """validation/physiology/summary.py reads through open_results: the same summary from a
    compact and a groups file, and its means are the arrays' own over the last cycle."""
    import sys
    sys.path.insert(0, str(ROOT / "validation/physiology"))
    import summary as S
    g = vf.simulate(model().set("solver.results_layout", "groups"), cycles=2,
                    output=tmp_path / "g.h5")
    c = vf.simulate(model(), cycles=2, output=tmp_path / "c.h5")
    sg, sc = S.summarise(g.output), S.summarise(c.output)
    for key in ("flow", "area", "pressure", "node_pressure", "elements", "metrics", "cbf", "icp"):
        assert sg[key] == sc[key], key
    assert sc["complete"] and sc["finite"] and sc["cycles"] == 2
    t = c.time
    last = t >= t[-1] - c.period + 1e-9
    q = c.flow["IJV_R_J1"]
    assert sc["flow"]["IJV_R_J1"] == pytest.approx(
        np.mean(q[last, q.shape[1] // 2]) / 1e-6 * 60.0, rel=1e-12)
    assert sc["icp"] == pytest.approx(np.mean(c.elements["brain"]["icp"][last]) / 133.322387415,
                                      rel=1e-12)
