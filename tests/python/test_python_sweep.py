"""Parameter studies: threads, Dask, failing variants, Parquet round trip, plots."""

import os
from pathlib import Path

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")
pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[2]
CAROTID = ROOT / "validation/benchmarks/common_carotid.yaml"
GRID = {"vessels.cca.radius": ["2.8 mm", "3 mm"], "solver.rtol": [1e-6, 1e-7]}


@pytest.fixture(scope="module")
def model():
    return vf.load_model(CAROTID).set("solver.stop_at_steady_state", False)


@pytest.fixture(scope="module")
def study(model):
    return vf.sweep(model, GRID, workers=2, t_end=0.3, progress=False)


def test_variants_full_factorial():
    v = vf.variants(GRID)
    assert len(v) == 4 and v[0] == {"vessels.cca.radius": "2.8 mm", "solver.rtol": 1e-6}
    assert v[1]["solver.rtol"] == 1e-7
    assert vf.variants([{"a": 1}]) == [{"a": 1}]


def test_sweep_table(study, model):
    df = study
    assert len(df) == 4
    assert list(df.columns[:2]) == ["vessels.cca.radius", "solver.rtol"]
    assert {"boundary_inlet_mean_pressure", "stored_volume", "complete", "error",
            "run_time", "wall_time"} <= set(df.columns)
    assert df["error"].isna().all() and df["complete"].all()
    assert df.attrs["metric_units"]["boundary_inlet_mean_pressure"] == "Pa"
    assert df.attrs["venoflow_version"] == vf.__version__
    assert "cca" in df.attrs["model_yaml"]
    # same numbers as a single run of that variant
    one = vf.simulate(model.copy().set("vessels.cca.radius", "3 mm").set("solver.rtol", 1e-7),
                      t_end=0.3)
    row = df[(df["vessels.cca.radius"] == "3 mm") & (df["solver.rtol"] == 1e-7)].iloc[0]
    assert row["stored_volume"] == one.metrics["stored_volume"]
    # a wider vessel stores more blood
    a = df[(df["vessels.cca.radius"] == "2.8 mm") & (df["solver.rtol"] == 1e-6)].iloc[0]
    b = df[(df["vessels.cca.radius"] == "3 mm") & (df["solver.rtol"] == 1e-6)].iloc[0]
    assert b["stored_volume"] > a["stored_volume"]


def test_failing_variant_is_recorded(model):
    df = vf.sweep(model, [{"vessels.cca.radius": "3 mm"},
                          {"vessels.cca.radius": "3 kg"},
                          {"boundary_conditions.inlet.flow": "-200 ml/s"},
                          {"vessels.cca.radiuz": "3 mm"}],
                  workers=2, t_end=0.2, progress=False)
    assert len(df) == 4
    assert pd.isna(df["error"].iloc[0]) and df["complete"].iloc[0]
    assert df["error"].iloc[1].startswith("ModelError: ") and "vessels.cca.radius" in df["error"].iloc[1]
    assert df["error"].iloc[2].startswith("SolverError: solver failed at t = ")
    assert df["error"].iloc[3].startswith("KeyError: ")
    assert np.isnan(df["stored_volume"].iloc[1])


def test_parquet_round_trip(study, tmp_path):
    pytest.importorskip("pyarrow")
    vf.save_study(study, tmp_path / "study.parquet")
    back = vf.load_study(tmp_path / "study.parquet")
    pd.testing.assert_frame_equal(back, study, check_dtype=False)
    assert back.attrs["model_yaml"] == study.attrs["model_yaml"]
    assert back.attrs["venoflow_version"] == vf.__version__
    assert back.attrs["metric_units"] == study.attrs["metric_units"]


def test_dask_cluster_gives_identical_results(study, model):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        df = vf.sweep(model, GRID, client=client, t_end=0.3, progress=False)
    metrics = study.attrs["metrics"]
    pd.testing.assert_frame_equal(df[list(GRID) + metrics], study[list(GRID) + metrics])
    assert df["error"].isna().all()


def test_plots(study, model):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    from matplotlib.axes import Axes

    res = vf.simulate(model, t_end=0.3)
    ax = vf.plot.waveforms(res, ["cca"], "pressure")
    assert isinstance(ax, Axes) and len(ax.lines) == 1
    ax = vf.plot.network(model, res)
    assert isinstance(ax, Axes) and "ml/s" in " ".join(t.get_text() for t in ax.texts)
    ax = vf.plot.metric(study, "vessels.cca.radius", "stored_volume", by="solver.rtol")
    assert isinstance(ax, Axes) and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [2.8, 3.0])
    assert ax.get_xlabel() == "vessels.cca.radius [mm]"


CEREBRAL = ROOT / "models/cerebral_venous.yaml"


def _long_model():
    """A model whose variants run for minutes unless stopped (0D cerebral model, many cycles)."""
    return vf.load_model(CEREBRAL).update({"discretisation.lumped": True,
                                           "solver.stop_at_steady_state": False})


def test_ctrl_c_stops_running_variants_promptly():
    import _thread
    import threading
    import time

    grid = {"posture.tilt": ["0 deg", "1 deg", "2 deg", "3 deg"]}
    timer = threading.Timer(0.5, _thread.interrupt_main)   # Ctrl-C during the sweep
    t0 = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            vf.sweep(_long_model(), grid, workers=2, cycles=5000, progress=False)
    finally:
        timer.cancel()
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.5, f"sweep took {elapsed:.1f} s to stop"
    # the partial study is attached to the exception
    df = info.value.study
    assert len(df) == 4 and list(df["posture.tilt"]) == grid["posture.tilt"]
    assert not df["complete"].any()
    assert list(df["error"]).count("Interrupted: stopped while running") == 2
    assert list(df["error"]).count("Interrupted: not started") == 2
    running = df[df["error"] == "Interrupted: stopped while running"]
    assert np.isfinite(running["cbf"]).all() and (running["run_time"] < 2.5).all()
    assert df[df["error"] == "Interrupted: not started"]["cbf"].isna().all()
    assert df.attrs["metric_units"]["cbf"] == "m^3/s"
    # the threads are gone: nothing keeps computing in the background
    time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t.name.startswith("venoflow-sweep")]


def test_stop_flag_returns_partial_study():
    import threading
    import time

    stop = vf.StopFlag()
    timer = threading.Timer(0.5, stop.set)
    t0 = time.perf_counter()
    timer.start()
    try:
        df = vf.sweep(_long_model(), {"posture.tilt": ["0 deg", "1 deg", "2 deg"]}, workers=2,
                      cycles=5000, progress=False, stop=stop)
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 2.5
    assert len(df) == 3 and not df["complete"].any()
    assert sorted(df["error"]) == ["Interrupted: not started",
                                   "Interrupted: stopped while running",
                                   "Interrupted: stopped while running"]
