"""Checks of validation/benchmarks/metrics.py: the metric definitions on hand-computed arrays,
and the FV-vs-3D yardstick tables of the shared benchmark READMEs / validation/benchmarks/METRICS.md recomputed from
the copied data files (validation/benchmarks/data/) to the printed precision."""
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(ROOT / "validation" / "benchmarks"))
import metrics as m  # noqa: E402


# ----------------------------------------------------------------------------- definitions
def test_pressure_errors_hand_computed():
    r = np.array([10.0, 20.0, 10.0, 5.0])
    x = np.array([11.0, 18.0, 10.0, 5.5])
    e = m.pressure_errors(x, r)
    # relative errors 0.1, -0.1, 0, 0.1
    assert e["RMS"] == pytest.approx(math.sqrt((0.01 + 0.01 + 0 + 0.01) / 4))
    assert e["MAX"] == pytest.approx(0.1)
    assert e["SYS"] == pytest.approx(abs(18.0 - 20.0) / 20.0)   # 0.1
    assert e["DIAS"] == pytest.approx(abs(5.5 - 5.0) / 5.0)     # 0.1


def test_pressure_errors_need_positive_reference():
    with pytest.raises(ValueError):
        m.pressure_errors([1.0, 2.0], [0.0, 1.0])


def test_flow_errors_hand_computed():
    r = np.array([-2.0, 0.0, 4.0, 1.0])
    x = np.array([-1.0, 0.5, 3.0, 1.0])
    e = m.flow_errors(x, r)
    # differences 1, 0.5, -1, 0, scale max|r| = 4
    assert e["RMS"] == pytest.approx(math.sqrt((1 + 0.25 + 1 + 0) / 4) / 4)
    assert e["MAX"] == pytest.approx(1.0 / 4)
    assert e["SYS"] == pytest.approx(abs(3.0 - 4.0) / 4)
    assert e["DIAS"] == pytest.approx(abs(-1.0 - -2.0) / 4)


def test_flow_scale_is_peak_magnitude_even_if_negative():
    r = np.array([-8.0, 2.0])
    x = np.array([-6.0, 2.0])
    e = m.flow_errors(x, r)
    assert e["MAX"] == pytest.approx(2.0 / 8.0)
    assert e["DIAS"] == pytest.approx(2.0 / 8.0)
    assert e["SYS"] == pytest.approx(0.0)


def test_radius_change_relative_to_cycle_minimum():
    r = np.array([1.0, 1.5, 3.0, 1.0])       # dr = 0, .5, 2, 0 ; peak 2
    x = np.array([10.0, 10.5, 11.5, 10.0])   # dr = 0, .5, 1.5, 0
    e = m.radius_change_errors(x, r)
    assert e["RMS"] == pytest.approx(math.sqrt(0.25 / 4) / 2)
    assert e["MAX"] == pytest.approx(0.5 / 2)
    assert e["SYS"] == pytest.approx(0.5 / 2)
    assert e["DIAS"] == 0.0


def test_identical_series_give_zero():
    r = 10 + np.sin(np.linspace(0, 2 * np.pi, 50))
    for f in (m.pressure_errors, m.flow_errors, m.radius_change_errors):
        assert all(v == 0.0 for v in f(r, r).values())


def test_last_cycle_extraction():
    # 1 ms samples from 0 to 9.999 s, T = 1.1 s -> last complete cycle [8.8, 9.9)
    t = np.arange(10000) * 1e-3
    phase, y, t0 = m.last_cycle(t, t, 1.1)
    assert t0 == pytest.approx(8.8)
    assert phase.size == 1100
    assert y[0] == pytest.approx(8.8) and y[-1] == pytest.approx(9.899)
    # samples ending exactly on a cycle boundary (t_end = 2 T included)
    t = np.linspace(0.0, 2.0, 2001)
    phase, _, t0 = m.last_cycle(t, None, 1.0)
    assert t0 == pytest.approx(1.0) and phase.size == 1000
    with pytest.raises(ValueError):
        m.last_cycle(np.linspace(0, 0.5, 501), None, 1.0)


def test_resample_periodic_wraps():
    ph = np.array([0.0, 0.25, 0.5, 0.75])
    y = np.array([0.0, 1.0, 0.0, -1.0])
    out = m.resample_periodic(ph, y, 1.0, np.array([0.125, 0.875, 1.25, -0.25]))
    np.testing.assert_allclose(out, [0.5, -0.5, 1.0, -1.0])


def test_best_circular_shift_sign():
    n, dt = 200, 0.005
    t = np.arange(n) * dt
    x = np.sin(2 * np.pi * t)             # period 1 s
    r = np.sin(2 * np.pi * (t - 0.05))    # reference lags x by 50 ms -> x(t - 0.05) = r(t)
    assert m.best_circular_shift(x, r, dt) == pytest.approx(-0.05)
    assert m.best_circular_shift(r, x, dt) == pytest.approx(0.05)
    assert m.best_circular_shift(x, x, dt) == 0.0


def test_cycle_to_cycle_change():
    t = np.arange(3000) * 1e-3
    y = np.sin(2 * np.pi * t) * (1 + 0.01 * np.exp(-t))
    assert m.cycle_to_cycle_change(t, np.sin(2 * np.pi * t), 1.0) < 1e-9
    assert 0 < m.cycle_to_cycle_change(t, y, 1.0) < 1e-2


# ----------------------------------------------------------------------------- yardsticks
@pytest.fixture(scope="module")
def yardstick():
    return m.fv_vs_3d(ROOT / "validation" / "benchmarks" / "data")


@pytest.mark.parametrize("loc", list(m.PUBLISHED_YARDSTICK))
def test_fv_vs_3d_reproduces_published_yardstick(yardstick, loc):
    metrics, info = yardstick[loc]
    for q, published in m.PUBLISHED_YARDSTICK[loc].items():
        for name, value in zip(m.METRIC_NAMES[q], published):
            got = round(100 * metrics[q][name], 2)
            assert got == pytest.approx(value, abs=1e-9), f"{loc} {q} {name}: {got} vs {value}"
    # after the documented alignment the best-fit residual shift is a few ms at most
    assert abs(info["best_shift_P"]) <= 0.005 and abs(info["best_shift_Q"]) <= 0.005


def test_dr_dias_is_zero_after_minimum_subtraction(yardstick):
    for metrics, _ in yardstick.values():
        assert metrics["dr"]["DIAS"] == 0.0


def test_cca_without_phase_shift_matches_readme():
    """Case 2 README: without the 0.058 s shift P RMS 5.4 % and Q RMS 12 %; best shift 58 ms."""
    d = ROOT / "validation" / "benchmarks" / "data" / "common_carotid"
    fv = m.waveform_last_cycle(m.load_reference(d / "FV_carotid.dat"), 1.1)
    ref = m.load_reference(d / "B3D_commoncarotid.txt")
    res, info = m.compare_cycle_to_reference(fv, ref, 1.1, 0.0)
    assert round(100 * res["P"]["RMS"], 1) == 5.4
    assert round(100 * res["Q"]["RMS"]) == 12
    assert info["best_shift_P"] == pytest.approx(m.CCA_3D_PHASE_SHIFT, abs=1.5e-3)


@pytest.mark.parametrize("fname,period,expect", [
    # README last-cycle ranges: P kPa min/max/mean, Q ml/s min/max/mean
    ("common_carotid/FV_carotid.dat", 1.1, (10.939, 16.563, 13.814, 3.987, 12.186, 6.500)),
    ("aortic_bifurcation/FV_aorta-bif.dat", 1.1, (9.362, 16.904, 12.659, -18.82, 75.53, 7.986)),
    ("aortic_bifurcation/FV_iliac-bif.dat", 1.1, (9.275, 17.040, 12.657, -4.69, 27.18, 3.993)),
])
def test_fv_last_cycle_ranges(fname, period, expect):
    w = m.waveform_last_cycle(m.load_reference(ROOT / "validation/benchmarks/data" / fname), period)
    P, Q = w.P / 1e3, w.Q / 1e-6
    got = (P.min(), P.max(), P.mean(), Q.min(), Q.max(), Q.mean())
    for g, e in zip(got, expect):
        decimals = len(str(e).split(".")[1])
        assert round(g, decimals) == pytest.approx(e, abs=1e-9)


@pytest.mark.parametrize("fname,max_pa", [("common_carotid/FV_carotid.dat", 0.35),  # 0.304 Pa measured
                                          ("aortic_bifurcation/FV_aorta-bif.dat", 1.0)])
def test_fv_reference_is_periodic(fname, max_pa):
    """READMEs: the FV last cycle repeats the previous one to within 0.3 Pa (CCA) / 1 Pa."""
    w = m.load_reference(ROOT / "validation/benchmarks/data" / fname)
    rel = m.cycle_to_cycle_change(w.t, w.P, 1.1)
    _, p_last, _ = m.last_cycle(w.t, w.P, 1.1)
    assert rel * np.ptp(p_last) < max_pa


def test_markdown_table_formatting():
    e = {"P": dict(RMS=0.0019, MAX=0.0046, SYS=0.0028, DIAS=0.0029),
         "Q": dict(RMS=0.0059, MAX=0.0209, SYS=0.0058, DIAS=0.0025),
         "dr": dict(RMS=0.0103, MAX=0.0184, SYS=0.0179, DIAS=0.0)}
    s = m.markdown_table({"CCA mid": e})
    assert "| CCA mid | 0.19 / 0.46 / 0.28 / 0.29 | 0.59 / 2.09 / 0.58 / 0.25 | 1.03 / 1.84 / 1.79 |" in s
