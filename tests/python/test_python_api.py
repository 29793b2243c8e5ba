"""venoflow Python package: models, runs, results, errors (tests/python/test_python_*.py).

Uses validation/benchmarks/common_carotid.yaml (one 126-cell vessel + RCR, ~0.1 s per cycle)
with steady-state stopping off and 1-2 cycles to stay fast.
"""

import os
import pickle
import subprocess
import threading
import time
import _thread
from pathlib import Path

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")

ROOT = Path(__file__).resolve().parents[2]
CAROTID = ROOT / "validation/benchmarks/common_carotid.yaml"
BROKEN = ROOT / "tests/data/broken.yaml"


@pytest.fixture
def model():
    return vf.load_model(CAROTID).set("solver.stop_at_steady_state", False)


@pytest.fixture(scope="module")
def result():
    m = vf.load_model(CAROTID).set("solver.stop_at_steady_state", False)
    return vf.simulate(m, cycles=1)


def test_load_set_get_copy_repr(model):
    assert model.get("vessels.cca.radius") == "3.0 mm"
    other = model.copy()
    other.set("vessels.cca.radius", "3.5 mm")
    assert other.get("vessels.cca.radius") == "3.5 mm"
    assert model.get("vessels.cca.radius") == "3.0 mm"
    assert other.graph["vessels"][0]["radius_in"] == pytest.approx(3.5e-3)
    assert other.overrides[-1] == ("vessels.cca.radius", "3.5 mm")
    model.set("solver.rtol", 1e-7)
    assert float(model.get("solver.rtol")) == 1e-7
    text = repr(model)
    assert "1 vessels, 2 nodes, 1 elements, 256 unknowns" in text
    assert "vessel cca: inlet -> outlet" in text and "windkessel3" in text
    assert model.vessels == ["cca"] and model.nodes == ["inlet", "outlet"]
    assert "cca" in model.describe()


def test_pickle_keeps_overrides_and_tables(model, tmp_path):
    model.set("vessels.cca.radius", "2.8 mm")
    clone = pickle.loads(pickle.dumps(model))
    assert clone.get("vessels.cca.radius") == "2.8 mm"
    assert clone.yaml == model.yaml
    # the inflow table (relative path) still resolves: the base directory travels along
    r1 = vf.simulate(model, t_end=0.05)
    r2 = vf.simulate(clone, t_end=0.05)
    np.testing.assert_array_equal(r1.pressure["cca"], r2.pressure["cca"])


def test_model_error_has_diagnostics_like_cli():
    with pytest.raises(vf.ModelError) as ei:
        vf.load_model(BROKEN)
    err = ei.value
    assert isinstance(err, ValueError)
    assert str(err).startswith("invalid model (")
    assert err.diagnostics and all(d.message for d in err.diagnostics)
    d = err.diagnostics[0]
    assert d.file.endswith("broken.yaml") and d.line > 0
    cli = os.environ.get("VENOFLOW_CLI")
    if cli:
        out = subprocess.run([cli, "check", str(BROKEN)], capture_output=True, text=True)
        assert out.returncode == 1
        for diag in err.diagnostics:
            assert str(diag) in out.stderr


def test_bad_path_is_key_error_bad_value_is_value_error(model):
    with pytest.raises(KeyError, match="vessels.cca.radiuz"):
        model.set("vessels.cca.radiuz", "3 mm")
    with pytest.raises(KeyError, match="vessels.nope"):
        model.get("vessels.nope.radius")
    with pytest.raises(ValueError, match="vessels.cca.radius") as ei:
        model.set("vessels.cca.radius", "3 kg")          # wrong unit: checked eagerly
    assert isinstance(ei.value, vf.ModelError)
    assert ei.value.diagnostics[0].key == "vessels.cca.radius"
    with pytest.raises(ValueError, match="vessels.cca.radius"):
        model.set("vessels.cca.radius", "[3 mm")          # not YAML
    assert model.get("vessels.cca.radius") == "3.0 mm"     # unchanged after errors
    # several values that only make sense together: validate once
    model.update({"vessels.cca.radius": "3.1 mm", "vessels.cca.tube_law.wall_thickness": "0.31 mm"})
    assert model.get("vessels.cca.tube_law.wall_thickness") == "0.31 mm"


def test_results_arrays_metrics(result):
    r = result
    assert r.complete and r.error == ""
    nt = r.time.size
    assert nt == 1101 and r.time[-1] == pytest.approx(1.1)
    for q in (r.pressure, r.flow, r.area):
        a = q["cca"]
        assert a.shape == (nt, 127) and a.dtype == np.float64 and a.flags.c_contiguous
        assert not a.flags.owndata          # handed over from C++ without a copy
    assert r.x["cca"][-1] == pytest.approx(0.126)
    assert set(r.metrics) >= {"boundary_inlet_mean_flow", "boundary_inlet_mean_pressure",
                              "volume_balance_error", "stored_volume"}
    assert r.metric_units["boundary_inlet_mean_pressure"] == "Pa"
    assert r.metric_units["boundary_inlet_mean_flow"] == "m^3/s"
    assert all(isinstance(v, float) for v in r.metrics.values())
    assert r.stats["steps"] > 0 and r.stats["unknowns"] == 256
    assert 10e3 < r.pressure["cca"].mean() < 20e3
    assert "outlet_wk" in r.elements and r.node_pressure["inlet"].shape == (nt,)
    assert "boundary_inlet_mean_pressure" in repr(r)


def test_to_xarray(result):
    ds = result.to_xarray()
    assert ds["pressure_cca"].dims == ("time", "x_cca")
    assert ds["pressure_cca"].attrs["units"] == "Pa"
    assert ds.attrs["metric_boundary_inlet_mean_pressure"] == result.metrics[
        "boundary_inlet_mean_pressure"]
    one = result.to_xarray("cca")
    assert one["flow"].dims == ("time", "x")
    np.testing.assert_array_equal(one["flow"].values, result.flow["cca"])


def test_to_hdf5_and_open_results_roundtrip(result, tmp_path):
    path = result.to_hdf5(tmp_path / "r.h5")
    assert path == str(tmp_path / "r.h5")
    back = vf.open_results(path)
    assert back.complete and back.model_name == "common_carotid"
    np.testing.assert_array_equal(back.time, result.time)
    for q in ("pressure", "flow", "area"):
        np.testing.assert_array_equal(getattr(back, q)["cca"], getattr(result, q)["cca"])
    assert back.metrics == result.metrics and back.metric_units == result.metric_units
    assert back.model_yaml == result.model_yaml
    for k in ("steps", "rhs_evaluations", "unknowns"):
        assert back.stats[k] == result.stats[k]


def test_model_name_comes_from_the_run_and_the_file(model, tmp_path):
    # The name is Model::name, kept by the run and the file's model_name attribute, not read
    # back out of the YAML text: a name with spaces and a colon survives both ways.
    model.set("name", "'carotid: left side'")
    res = vf.simulate(model, t_end=0.02, output=tmp_path / "named.h5")
    assert res.model_name == "carotid: left side"
    assert vf.open_results(tmp_path / "named.h5").model_name == "carotid: left side"
    assert vf.open_results(res.to_hdf5(tmp_path / "copy.h5")).model_name == "carotid: left side"


def test_mean_flow_is_the_runs_metric_and_conserves_mass(model):
    # Results.mean_flow is the C++ metric mean_flow_<vessel>; over a periodic cycle the mean
    # mid-point flow of the only vessel equals the mean inflow, which the run integrates
    # exactly at the boundary (conservation of mass, storage returning to its start).
    res = vf.simulate(model, cycles=2)
    assert res.mean_flow("cca") == res.metrics["mean_flow_cca"]
    assert res.metric_units["mean_flow_cca"] == "m^3/s"
    inflow = res.metrics["boundary_inlet_mean_flow"]
    assert res.mean_flow("cca") == pytest.approx(inflow, rel=0.02)
    # Over the whole run (not a metric): the trapezoidal mean of the mid-point series.
    q, t = res.series("cca", "flow", "mid"), res.time
    assert res.mean_flow("cca", last_cycle=False) == pytest.approx(
        np.sum(0.5 * (q[1:] + q[:-1]) * np.diff(t)) / (t[-1] - t[0]))
    with pytest.raises(KeyError, match="nope"):
        res.mean_flow("nope")


def test_model_text_of_an_in_memory_run_is_the_runs_model(model):
    # An in-memory run does not write the model text; it comes from the run's document when
    # asked, so changing the model afterwards must not change it, and results still pickle.
    res = vf.simulate(model, cycles=1)
    text = model.yaml
    model.set("vessels.cca.radius", "3.5 mm")
    assert res.model_yaml == text and "3.5 mm" not in res.model_yaml
    back = pickle.loads(pickle.dumps(vf.simulate(model, cycles=1)))
    assert "3.5 mm" in back.model_yaml
    assert back.metrics.keys() == res.metrics.keys()


def test_simulate_output_matches_cli_file(model, tmp_path):
    cli = os.environ.get("VENOFLOW_CLI")
    if not cli:
        pytest.skip("VENOFLOW_CLI not set")
    out = tmp_path / "cli.h5"
    subprocess.run([cli, "run", str(CAROTID), "-q", "-o", str(out), "--cycles", "1",
                    "--set", "solver.stop_at_steady_state=false"], check=True)
    cli_res = vf.open_results(out)
    py_res = vf.simulate(model, cycles=1, output=tmp_path / "py.h5")
    assert py_res.output == str(tmp_path / "py.h5") and os.path.exists(py_res.output)
    np.testing.assert_array_equal(cli_res.pressure["cca"], py_res.pressure["cca"])
    assert cli_res.metrics == py_res.metrics


def test_solver_error_keeps_partial_results(model, tmp_path):
    model.set("boundary_conditions.inlet.flow", "-200 ml/s")
    # The integrator's own failure (the node runs dry); with the default `error` the validity
    # domain stops the run earlier, when the vessel leaves the elastic law's strain bound
    # (tests/python/test_validity_domain.py).
    model.set("solver.on_domain_violation", "warn")
    with pytest.raises(vf.SolverError) as ei:
        vf.simulate(model, cycles=1, output=tmp_path / "bad.h5")
    e = ei.value
    assert isinstance(e, RuntimeError)
    assert str(e).startswith("solver failed at t = ")
    assert e.component == "node inlet" and e.quantity and 0 < e.time < 1.1
    assert e.results is not None and not e.results.complete and e.results.time.size > 0
    assert (tmp_path / "bad.incomplete.h5").exists() and not (tmp_path / "bad.h5").exists()


def test_gil_released_during_solve(model):
    """The solve runs without the GIL: while a run goes on in a worker thread, the main thread
    keeps executing Python (no gap as long as the solve). Independent of the machine's load,
    unlike a wall-clock speed-up (measured by bench/python_sweep.py)."""
    done = threading.Event()
    res = []

    def work():
        res.append(vf.simulate(model.copy(), cycles=30))
        done.set()

    th = threading.Thread(target=work)
    last = time.perf_counter()
    gaps, iterations = [], 0
    th.start()
    while not done.is_set():
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        iterations += 1
    th.join()
    solve = res[0].cpp_time
    assert solve > 0.1
    assert iterations > 1000 and max(gaps) < solve / 3, (max(gaps), solve)


def test_threads_give_identical_results(model):
    out = []
    threads = [threading.Thread(target=lambda: out.append(vf.simulate(model.copy(), cycles=1)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 3
    for r in out[1:]:
        np.testing.assert_array_equal(r.pressure["cca"], out[0].pressure["cca"])


def test_ctrl_c_raises_keyboard_interrupt_and_keeps_results(model, tmp_path):
    timer = threading.Timer(0.5, _thread.interrupt_main)  # like SIGINT in the main thread
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt) as ei:
        vf.simulate(model, cycles=200, output=tmp_path / "long.h5")
    elapsed = time.perf_counter() - t0
    timer.cancel()
    assert elapsed < 1.5, elapsed                  # prompt: within ~0.1 s of the signal
    res = ei.value.results
    assert res.outcome["interrupted"] and not res.complete
    assert 0 < res.time[-1] < 200 * 1.1
    assert res.pressure["cca"].shape[0] == res.time.size
    kept = vf.open_results(tmp_path / "long.incomplete.h5")
    assert not kept.complete and kept.time.size == res.time.size


def test_stop_flag_and_progress_callback(model):
    stop = vf.StopFlag()
    seen = []

    def progress(t, t_end):
        seen.append((t, t_end))
        if t > 0.5:
            stop.set()

    res = vf.simulate(model, cycles=300, stop=stop, progress=progress)
    # Progress is reported about every 0.1 s of wall time: the run stops soon after the first.
    assert seen and res.outcome["interrupted"] and res.time[-1] < 300 * 1.1 / 2


def test_progress_callback_exception_propagates(model):
    def boom(t, t_end):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here") as ei:
        vf.simulate(model, cycles=50, progress=boom)
    assert ei.value.results.outcome["interrupted"]
