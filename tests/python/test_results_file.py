"""Results files written by the C++ Hdf5Writer are readable by h5py and xarray.

Runs the test-only program `venoflow_write_sample` (path in $VENOFLOW_WRITE_SAMPLE, set by
ctest) and checks the file against the exact values it writes (see
tests/tools/write_sample.cpp for the formulas).
"""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
xr = pytest.importorskip("xarray")

WRITER = os.environ.get("VENOFLOW_WRITE_SAMPLE")
pytestmark = pytest.mark.skipif(
    not WRITER, reason="VENOFLOW_WRITE_SAMPLE (venoflow_write_sample program) not set"
)

N_VESSELS, NX, N_SAMPLES, FLUSH = 3, 7, 300, 64


def expected_vessel(v, nt=N_SAMPLES, nx=NX):
    k = np.arange(nt, dtype=float)[:, None]
    j = np.arange(nx, dtype=float)[None, :]
    pressure = 10000.0 + 100.0 * v + j + k / 4.0
    flow = (v + 1.0) * (j - k / 8.0) / 1048576.0
    area = np.broadcast_to((v + 1.0 + j / 16.0) / 4096.0, (nt, nx))
    return pressure, flow, area


def write_sample(path, *extra):
    # the groups layout (format 1, solver.results_layout: groups), the one this file checks;
    # the compact layout, the default, is checked in test_results_streaming.py
    args = [WRITER, str(path), "--vessels", str(N_VESSELS), "--nx", str(NX),
            "--samples", str(N_SAMPLES), "--flush", str(FLUSH), "--layout", "groups", *extra]
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def results_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "sample.h5"
    write_sample(path)
    assert path.exists()
    assert not list(path.parent.glob("*.tmp-*"))
    return path


def test_h5py_layout_units_and_flags(results_file):
    with h5py.File(results_file, "r") as f:
        assert f.attrs["complete"] == 1 and bool(f.attrs["complete"]) is True
        assert f.attrs["complete"].dtype == np.int8
        assert bool(f.attrs["interrupted"]) is False
        assert f.attrs["error"] == ""
        assert isinstance(f.attrs["venoflow_version"], str)
        assert f.attrs["created"].endswith("Z")
        assert f.attrs["model_name"] == "sample"
        assert f.attrs["steps"] == N_SAMPLES
        for name in ["rhs_evaluations", "jacobian_evaluations", "linear_solver_setups",
                     "error_test_failures", "nonlinear_convergence_failures", "colours",
                     "unknowns", "wall_time", "simulated_time", "cycles_completed", "period",
                     "steady_state"]:
            assert name in f.attrs, name

        t = f["time"][()]
        np.testing.assert_array_equal(t, np.arange(N_SAMPLES) / 1024.0)
        assert f["time"].attrs["units"] == "s"
        assert f["time"].maxshape == (None,)

        for v in range(N_VESSELS):
            g = f[f"vessels/v{v}"]
            np.testing.assert_array_equal(g["time"][()], t)
            np.testing.assert_array_equal(g["x"][()], np.arange(NX) / 64.0)
            assert g["x"].attrs["units"] == "m"
            expected = dict(zip(["pressure", "flow", "area"], expected_vessel(v)))
            units = {"pressure": "Pa", "flow": "m^3/s", "area": "m^2"}
            for q, values in expected.items():
                ds = g[q]
                assert ds.shape == (N_SAMPLES, NX)
                assert ds.attrs["units"] == units[q]
                assert isinstance(ds.attrs["units"], str)
                assert isinstance(ds.attrs["long_name"], str)
                assert ds.dims[0][0].name.endswith("/time")
                assert ds.dims[1][0].name.endswith("/x")
                np.testing.assert_array_equal(ds[()], values)

        k = np.arange(N_SAMPLES, dtype=float)
        for n in range(2):
            ds = f[f"nodes/n{n}/pressure"]
            assert ds.attrs["units"] == "Pa"
            np.testing.assert_array_equal(ds[()], 9000.0 + n + k / 2.0)
        e = f["elements/e0"]
        assert e.attrs["type"] == "windkessel"
        assert e["flow"].attrs["units"] == "m^3/s" and e["p_c"].attrs["units"] == "Pa"
        np.testing.assert_array_equal(e["flow"][()], k / 1048576.0)
        np.testing.assert_array_equal(e["p_c"][()], 8000.0 - k / 4.0)

        m = f["metrics/mean_pressure"]
        assert m.shape == () and m[()] == 10000.5
        assert m.attrs["units"] == "Pa" and m.attrs["doc"] == "synthetic mean pressure"

        text = f["model"].asstr()[()]
        assert text.startswith("name: sample\n")

        # Every numeric dataset carries a units attribute.
        missing = []
        f.visititems(lambda name, obj: missing.append(name)
                     if isinstance(obj, h5py.Dataset) and "units" not in obj.attrs else None)
        assert missing == []


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_opens_vessel_groups(results_file, engine):
    pytest.importorskip(engine if engine != "netcdf4" else "netCDF4")
    for v in range(N_VESSELS):
        with xr.open_dataset(results_file, group=f"vessels/v{v}", engine=engine) as ds:
            assert dict(ds.sizes) == {"time": N_SAMPLES, "x": NX}
            assert ds["pressure"].dims == ("time", "x")
            assert set(ds.coords) >= {"time", "x"}
            np.testing.assert_array_equal(ds["time"].values, np.arange(N_SAMPLES) / 1024.0)
            np.testing.assert_array_equal(ds["x"].values, np.arange(NX) / 64.0)
            p, q, a = expected_vessel(v)
            np.testing.assert_array_equal(ds["pressure"].values, p)
            np.testing.assert_array_equal(ds["flow"].values, q)
            np.testing.assert_array_equal(ds["area"].values, a)
            assert ds["pressure"].attrs["units"] == "Pa"
            # Label-based selection works through the named coordinates.
            assert float(ds["pressure"].sel(x=2 / 64.0).isel(time=4)) == 10000.0 + 100 * v + 2 + 1


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_opens_nodes_elements_metrics_root(results_file, engine):
    pytest.importorskip(engine if engine != "netcdf4" else "netCDF4")
    k = np.arange(N_SAMPLES, dtype=float)
    with xr.open_dataset(results_file, group="nodes/n1", engine=engine) as ds:
        assert ds["pressure"].dims == ("time",)
        np.testing.assert_array_equal(ds["pressure"].values, 9001.0 + k / 2.0)
    with xr.open_dataset(results_file, group="elements/e0", engine=engine) as ds:
        assert ds["p_c"].dims == ("time",)
        np.testing.assert_array_equal(ds["p_c"].values, 8000.0 - k / 4.0)
    with xr.open_dataset(results_file, group="metrics", engine=engine) as ds:
        assert float(ds["cardiac_output"]) == 8.5e-5
        assert ds["cardiac_output"].attrs["units"] == "m^3/s"
    with xr.open_dataset(results_file, engine=engine) as ds:
        assert ds.sizes["time"] == N_SAMPLES
        assert int(ds.attrs["complete"]) == 1
        assert str(ds["model"].values).startswith("name: sample")


def test_incomplete_run_goes_to_incomplete_file(tmp_path):
    target = tmp_path / "run.h5"
    target.write_bytes(b"earlier results")
    write_sample(target, "--incomplete")
    assert target.read_bytes() == b"earlier results"
    incomplete = tmp_path / "run.incomplete.h5"
    with h5py.File(incomplete, "r") as f:
        assert bool(f.attrs["complete"]) is False
        assert f.attrs["error"] == "synthetic failure"
        assert f["vessels/v0/pressure"].shape == (N_SAMPLES, NX)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.h5", "run.incomplete.h5"]
