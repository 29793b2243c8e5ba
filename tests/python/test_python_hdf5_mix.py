"""Two HDF5 libraries in one process: the extension links Debian's HDF5 1.10 while the PyPI
h5py wheel bundles its own copy. Each must keep working, in both directions, in one process."""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")
h5py = pytest.importorskip("h5py")
xr = pytest.importorskip("xarray")

ROOT = Path(__file__).resolve().parents[2]
CAROTID = ROOT / "validation/benchmarks/common_carotid.yaml"


def loaded_hdf5_libraries():
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f if "libhdf5" in line and "/" in line})


def test_venoflow_writes_h5py_and_xarray_read(tmp_path):
    # use h5py first (its library initialised), then venoflow, then h5py/xarray again
    with h5py.File(tmp_path / "scratch.h5", "w") as f:
        f["a"] = np.arange(3.0)
    # the groups layout: xarray opens one vessel's group (the compact layout is read by h5py
    # in test_results_streaming.py)
    m = vf.load_model(CAROTID).set("solver.stop_at_steady_state", False)
    m = m.set("solver.results_layout", "groups")
    res = vf.simulate(m, t_end=0.2, output=tmp_path / "run.h5")
    with h5py.File(res.output, "r") as f:
        assert bool(f.attrs["complete"])
        np.testing.assert_array_equal(f["vessels/cca/pressure"][:], res.pressure["cca"])
        assert f["model"].asstr()[()] == res.model_yaml
    for engine in ("h5netcdf", "netcdf4"):
        ds = xr.open_dataset(res.output, group="vessels/cca", engine=engine)
        np.testing.assert_array_equal(ds["flow"].values, res.flow["cca"])
        ds.close()
    # written by to_hdf5 (replay), read again by h5py
    copy = res.to_hdf5(tmp_path / "copy.h5")
    with h5py.File(copy, "r") as f:
        np.testing.assert_array_equal(f["time"][:], res.time)
    libs = loaded_hdf5_libraries()
    print("HDF5 libraries in this process:", libs, "h5py built with", h5py.version.hdf5_version)
    assert any("hdf5_serial" in p or "x86_64-linux-gnu" in p for p in libs)


def test_h5py_modifies_then_venoflow_reads(tmp_path):
    cli = os.environ.get("VENOFLOW_CLI")
    path = tmp_path / "cli.h5"
    if cli:  # the groups layout, whose per-vessel datasets h5py edits below
        subprocess.run([cli, "run", str(CAROTID), "-q", "-o", str(path), "--t-end", "0.2",
                        "--set", "solver.stop_at_steady_state=false",
                        "--set", "solver.results_layout=groups"], check=True)
    else:
        m = vf.load_model(CAROTID).set("solver.stop_at_steady_state", False)
        vf.simulate(m.set("solver.results_layout", "groups"), t_end=0.2, output=path)
    before = vf.open_results(path)
    # h5py (its own HDF5) rewrites data and attributes in place ...
    with h5py.File(path, "r+") as f:
        f["vessels/cca/pressure"][...] = f["vessels/cca/pressure"][...] * 2.0
        del f["metrics/stored_volume"]
        f["metrics/stored_volume"] = 1.25
        f["metrics/stored_volume"].attrs["units"] = "m^3"
        f["metrics/stored_volume"].attrs["doc"] = "edited by h5py"
    # ... and venoflow (Debian's HDF5) reads the result in the same process
    after = vf.open_results(path)
    np.testing.assert_array_equal(after.pressure["cca"], 2.0 * before.pressure["cca"])
    assert after.metrics["stored_volume"] == 1.25
    assert after.metric_docs["stored_volume"] == "edited by h5py"
    # and a file created from scratch by h5py with venoflow's layout is refused cleanly, or read
    with h5py.File(tmp_path / "junk.h5", "w") as f:
        f["time"] = np.arange(3.0)
    with pytest.raises(Exception) as ei:
        vf.open_results(tmp_path / "junk.h5")
    assert not isinstance(ei.value, SystemError)
