"""Posture validation tools (validation/physiology/): the tilt-run analysis (tilt.py) and the
spinal CSF computations (spinal.py: stroke volume, hydrostatic indifferent point, zero-pressure
level) on synthetic series with hand-computed answers, the Gadda 2015 route mapping (gadda.py),
and the before/after comparison (compare.py) on hand-made dumps."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PHYS = ROOT / "validation" / "physiology"
sys.path.insert(0, str(PHYS))
import compare  # noqa: E402
import gadda  # noqa: E402
import spinal  # noqa: E402
import tilt  # noqa: E402

CLI = os.environ.get("VENOFLOW_CLI")


# ---------------------------------------------------------------- tilt.py, pure functions
def test_cycle_means_remove_the_pulsation():
    # cycle c (period 0.8 s, 80 samples) holds c^2 + 5 sin(2 pi t / T): mean c^2 exactly
    T, dt = 0.8, 0.01
    t = np.arange(0, 4 * T + dt / 2, dt)
    c = np.floor(t / T + 1e-9)
    y = c**2 + 5 * np.sin(2 * np.pi * t / T)
    tc, yc = tilt.cycle_means(t, y, T)
    assert np.allclose(tc, [0.4, 1.2, 2.0, 2.8])
    assert np.allclose(yc, [0, 1, 4, 9], atol=1e-12)


def test_transition_of_a_ramp():
    # cycle means (T = 1 s) at 10 until the start at 2 s, then falling 1 per second to 0 at 12 s:
    # supine 10, held 0; 50 % (y = 5) at t = 7 s, 90 % (y = 1) at t = 11 s -> 5 s and 9 s
    T = 1.0
    tc = np.arange(0.5, 20, T)
    yc = np.clip(10 - (tc - 2), 0, 10)
    x = tilt.transition(tc, yc, 2.0, T)
    assert x["initial"] == 10 and x["final"] == 0 and x["change"] == -10
    assert x["relative_change"] == -1
    assert x["t50"] == pytest.approx(5.0, abs=1e-12)
    assert x["t90"] == pytest.approx(9.0, abs=1e-12)
    assert x["drift"] == 0 and not x["no_change"]


def test_transition_first_crossing_after_an_overshoot_the_wrong_way():
    # the jugular flow first rises (the IJV empties), then falls to its upright value: the time
    # to 50 % counts from the start to the first time the fall passes half of the change
    T = 1.0
    tc = np.arange(0.5, 10, T)          # centres 0.5 .. 9.5, start 1 s
    yc = np.array([600, 900, 1200, 500, 300, 200, 200, 200, 200, 200], float)
    x = tilt.transition(tc, yc, 1.0, T)
    assert x["initial"] == 600 and x["final"] == 200
    # fraction of the change (-400): 2.5 -> -1.5, 3.5 -> 0.25, 4.5 -> 0.75: 0.5 at 4.0 s
    assert x["t50"] == pytest.approx(3.0)
    # 0.9 between 4.5 (0.75) and 5.5 (1.0): 4.5 + 0.15 / 0.25 = 5.1 s -> 4.1 s after the start
    assert x["t90"] == pytest.approx(4.1)


def test_transition_no_change_gives_no_times():
    x = tilt.transition(np.arange(0.5, 10), np.full(10, 7.0), 2.0, 1.0)
    assert x["no_change"] and math.isnan(x["t50"]) and math.isnan(x["t90"])


def test_first_order_response_through_the_whole_chain():
    # raw samples (1 ms) of y = 8 - 6 (1 - exp(-(t - 2)/3)) after a start at 2 s, plus a
    # pulsation; per-cycle means (0.1 s) -> t50 = 3 ln 2, t90 = 3 ln 10 (to the cycle resolution)
    T, tau, t0 = 0.1, 3.0, 2.0
    t = np.arange(0, 60 + 5e-4, 1e-3)
    y = 8 - 6 * (1 - np.exp(-np.clip(t - t0, 0, None) / tau)) + 2 * np.sin(2 * np.pi * t / T)
    A = tilt.analyse_series(t, {"icp": y}, T, t0, 12.0)
    x = A["transitions"]["icp"]
    assert x["initial"] == pytest.approx(8, abs=1e-9)
    assert x["final"] == pytest.approx(2, abs=1e-6)
    assert x["t50"] == pytest.approx(tau * math.log(2), abs=0.01)
    assert x["t90"] == pytest.approx(tau * math.log(10), abs=0.01)


def test_shares_are_ratios_of_cycle_means():
    # IJV R 300, L 200, VV 100, CBF 700 ml/min on average, with pulsations in phase: the share
    # is 500/700 and 500/600, not the mean of the pulsating ratio
    T = 1.0
    t = np.arange(0, 5 + 1e-9, 0.01)
    s = np.sin(2 * np.pi * t / T)
    S = {"cbf": 700 + 300 * s, "pathway_ijv_R": 300 + 200 * s, "pathway_ijv_L": 200 + 0 * s,
         "pathway_vertebral": 100 + 50 * s}
    A = tilt.analyse_series(t, S, T, 2.0, 3.0)
    C = A["cycle_means"]
    assert np.allclose(C["ijv_total"], 500)
    assert np.allclose(C["ijv_share_cbf"], 500 / 700)
    assert np.allclose(C["ijv_share_ijv_vv"], 500 / 600)
    a, b = tilt.shares([300], [200], [100], [700])
    assert a[0] == pytest.approx(5 / 7) and b[0] == pytest.approx(5 / 6)


def test_tilt_window_of_the_shipped_scenario():
    doc = yaml.safe_load((ROOT / "models/scenarios/tilt_supine_to_upright.yaml").read_text())
    tab = doc["set"]["posture.tilt"]
    assert tilt.tilt_window({"posture": {"tilt": tab}}) == (2.0, 12.0)
    with pytest.raises(ValueError, match="not a time table"):
        tilt.tilt_window({"posture": {"tilt": "90 deg"}})


def test_every_compared_target_is_in_targets_yaml():
    # validation/physiology/run.py by path: another test's "run" module may be imported already
    import importlib.util
    spec = importlib.util.spec_from_file_location("physiology_run", PHYS / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    ids = {t["id"] for t in yaml.safe_load((PHYS / "targets.yaml").read_text())["targets"]}
    assert set(run.comparisons({})) <= ids
    t = np.arange(0, 4 + 1e-9, 0.01)
    S = {k: np.ones_like(t) for k in ["icp", "cbf", "csa_ijv_mean", "ijv_pressure_R_J2",
                                      "pathway_ijv_R", "pathway_ijv_L", "pathway_vertebral"]}
    A = tilt.analyse_series(t, S, 1.0, 1.0, 2.0)
    assert {r[0] for r in tilt.target_rows(A)} <= ids


# ---------------------------------------------------------------- spinal.py
def _square_cycles(values, period, cycles=3):
    """Uniform output instants from 0 (start included, as the results files) holding the same
    per-sample values every cycle."""
    n = len(values)
    dt = period / n
    t = np.arange(0, cycles * n + 1) * dt
    return t, np.asarray([values[(k - 1) % n] for k in range(t.size)], float)


def test_stroke_volume_of_a_one_pulse_cycle():
    # T = 1 s, 8 samples of 0.125 s per cycle: 3 of +3, 5 of -1 ml/s. Mean (9 - 5)/8 = 0.5 ml/s,
    # so q - mean = +2.5 (3 samples), -1.5 (5 samples): caudal 3 x 2.5 x 0.125 = 0.9375 ml,
    # cranial 5 x 1.5 x 0.125 = 0.9375 ml, net 0.5 ml; the running integral rises to 0.9375
    # and returns to 0: peak-to-peak 0.9375 = the stroke volume, amplitude half of it
    t, q = _square_cycles([3, 3, 3, -1, -1, -1, -1, -1], 1.0)
    x = spinal.stroke_volume(t, q, 1.0)
    assert x["caudal"] == pytest.approx(0.9375, abs=1e-12)
    assert x["cranial"] == pytest.approx(0.9375, abs=1e-12)
    assert x["net"] == pytest.approx(0.5, abs=1e-12)
    assert x["running_p2p"] == pytest.approx(0.9375, abs=1e-12)
    assert x["amplitude"] == pytest.approx(0.46875, abs=1e-12)
    assert x["reversals"] == 2
    # the same cycle cut to its own window (as summary.py keeps it) gives the same numbers
    m = t > t[-1] - 1.0 + 1e-9
    assert spinal.stroke_volume(t[m], q[m], 1.0) == x


def test_stroke_volume_of_two_pulses_per_cycle():
    # two pulses per cycle (T = 1 s, 4 samples of 0.25 s: +1, -1, +1, -1): 0.5 ml moves caudally
    # per cycle, but the running integral only swings 0 -> 0.25 -> 0 -> 0.25 -> 0 (p2p 0.25)
    t, q = _square_cycles([1, -1, 1, -1], 1.0)
    x = spinal.stroke_volume(t, q, 1.0)
    assert x["caudal"] == pytest.approx(0.5) and x["cranial"] == pytest.approx(0.5)
    assert x["running_p2p"] == pytest.approx(0.25)
    assert x["reversals"] == 4 and x["net"] == pytest.approx(0.0)


def test_stroke_volume_of_a_sampled_sine():
    # q = 2 sin(2 pi t / T) ml/s, T = 0.8 s, N = 80 samples of dt = 0.01 s: the sample sum over
    # the positive half is dt 2 sum_{k=1}^{39} sin(2 pi k/N) = 2 dt cot(pi/N) = 0.509034 ml
    # (closed form), within (pi/N)^2/3 = 5.1e-4 of the volume per half cycle 2 T/pi = 0.509296
    T, N = 0.8, 80
    t = np.arange(0, 5 * N + 1) * (T / N)
    q = 2 * np.sin(2 * np.pi * t / T)
    x = spinal.stroke_volume(t, q, T)
    assert x["caudal"] == pytest.approx(2 * (T / N) / np.tan(np.pi / N), rel=1e-9)
    assert x["caudal"] == pytest.approx(2 * T / np.pi, rel=5.2e-4)
    assert x["running_p2p"] == pytest.approx(x["caudal"], rel=1e-9)
    assert x["reversals"] == 2


def test_stroke_volume_refuses_a_series_shorter_than_a_cycle():
    t = np.arange(0, 0.5, 0.01)
    with pytest.raises(ValueError, match="tile the period"):
        spinal.stroke_volume(t, np.sin(t), 0.8)
    t = np.array([0.0, 0.1, 0.15, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    with pytest.raises(ValueError, match="uniform"):
        spinal.stroke_volume(t, np.sin(t), 0.8)


def test_hip_and_zps_by_pascals_law():
    # rho g = 1000 kg/m^3 x 9.81 m/s^2 = 98.1 Pa/cm = 98.1/133.322 = 0.73581 mmHg/cm
    assert spinal.RHO_G_CSF == pytest.approx(0.73581, abs=1e-5)
    # ICP 10 mmHg supine, -5 mmHg upright at the reference level 30 cm:
    # HIP = 30 - 15/0.73581 = 30 - 20.386 = 9.614 cm; ZPS = 30 - 5/0.73581 = 30 - 6.795 = 23.205 cm
    hip, zps = spinal.hip_zps(10.0, -5.0)
    assert hip == pytest.approx(9.614, abs=2e-3)
    assert zps == pytest.approx(23.205, abs=2e-3)
    # with the brief's rounded 0.736 mmHg/cm: 30 - 15/0.736 = 9.620; 30 - 5/0.736 = 23.207
    hip, zps = spinal.hip_zps(10.0, -5.0, 30.0, 0.736)
    assert (hip, zps) == (pytest.approx(9.620, abs=1e-3), pytest.approx(23.207, abs=1e-3))
    # upright ICP above the supine one (no fall): HIP above the reference level; ICP 0 upright:
    # ZPS at the reference level
    assert spinal.hip_zps(5.0, 5.0 + 0.736, 30.0, 0.736) == (pytest.approx(31.0), pytest.approx(31.0 + 5 / 0.736))
    assert spinal.hip_zps(8.0, 0.0)[1] == 30.0


def test_vertebral_levels_of_heights():
    assert spinal.vertebral_level(19.4) == "between C2-C3 (23 cm) and C5-C6 (16 cm)"
    assert spinal.vertebral_level(31.6).startswith("above the foramen magnum")
    assert spinal.vertebral_level(16.0) == "at C5-C6"
    assert spinal.vertebral_level(2.0) == "below T4 (5 cm)"
    assert spinal.vertebral_level(float("nan")) == "—"


def _height_cm(s):
    v, u = str(s).split()
    assert u == "cm"
    return float(v)


def test_spinal_constants_match_the_model():
    # the ICP reference level (sinus port height - icp_reference_depth) and the vertebral levels
    # that spinal.py uses are those of models/cerebral_venous.yaml
    model = yaml.safe_load((ROOT / "models/cerebral_venous.yaml").read_text())
    h = {n["name"]: _height_cm(n["height"]) for n in model["nodes"]}
    brain = next(e for e in model["elements"] if e["name"] == "brain")
    assert h["sinus_in"] - _height_cm(brain["icp_reference_depth"]) == spinal.ICP_REFERENCE_HEIGHT
    assert model["gravity"]["g"] == "9.81 m/s^2"
    assert dict((n, z) for z, n in spinal.LEVELS) == {
        "foramen magnum": h["suboccipital"], "C2-C3": h["ij32_R"], "C5-C6": h["ij21_R"],
        "C7-T1": h["plexus_cerv"], "T4": h["azy_arch"]}


def test_spinal_rows_from_hand_made_summaries():
    # supine SV 0.9375 ml (the one-pulse cycle above), upright half of it: reduction 0.5, supine
    # larger by 100 %; spinal volume -0.25 supine, 3.45 ml at 30 deg: shift 3.7 ml; ICP 10 / -5:
    # HIP 9.614, ZPS 23.205 cm (steady) and 8 -> 0 mmHg held: HIP 30 - 8/0.73581 = 19.128, ZPS 30
    t, q = _square_cycles([3, 3, 3, -1, -1, -1, -1, -1], 1.0)

    def summ(scale, icp, dv):
        return {"period": 1.0, "icp": icp, "foramen_magnum_flow": {"t": t, "q": q * scale * 1e-6},
                "elements": {"brain": {"spinal_volume_change": dv * 1e-6}}}
    R = {"healthy_supine": summ(1.0, 10.0, -0.25), "healthy_upright": summ(0.5, -5.0, 5.0),
         "healthy_tilt30": summ(0.7, 4.0, 3.45)}
    A = {"transitions": {"icp": {"initial": 8.0, "final": 0.0}}}
    X = spinal.analyse(R, A)
    rows = {r[0]: r for r in spinal.target_rows(X)}
    assert rows["csf_stroke_volume_cervical_enzmann1993"][4] == pytest.approx(0.9375)
    assert rows["csf_oscillation_reduction_sitting_alperin2005"][4] == pytest.approx(0.5)
    assert rows["csf_stroke_volume_supine_vs_upright_muccio2021"][4] == pytest.approx(1.0)
    assert rows["lumbosacral_csf_volume_rise_30deg_strbacko2024"][4] == pytest.approx(3.7)
    assert rows["hip_height_sitting_magnaes1976"][4] == pytest.approx(9.614, abs=2e-3)
    assert rows["zps_height_sitting_magnaes1976"][4] == pytest.approx(23.205, abs=2e-3)
    assert rows["tilt:hip_height_sitting_magnaes1976"][4] == pytest.approx(19.128, abs=2e-3)
    assert rows["tilt:zps_height_sitting_magnaes1976"][4] == pytest.approx(30.0)
    ids = {t["id"] for t in yaml.safe_load((PHYS / "targets.yaml").read_text())["targets"]}
    assert {r[1] for r in rows.values()} <= ids
    # nothing ran: every row is None (reported as "not run"), no exception
    assert all(r[4] is None for r in spinal.target_rows(spinal.analyse({}, None)))


def test_run_passes_overrides_to_every_scenario(tmp_path):
    # a stand-in CLI that records its arguments and fails: run.run() hands the --set overrides
    # of a sensitivity run to venoflow run, after the quick-mode ones, and reports the failure
    import importlib.util
    spec = importlib.util.spec_from_file_location("physiology_run", PHYS / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    log = tmp_path / "argv.txt"
    cli = tmp_path / "venoflow"
    cli.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\necho "error: stand-in" >&2\nexit 3\n')
    cli.chmod(0o755)
    s, err, _ = run.run(str(cli), "healthy_tilt30", tmp_path, True, ["elements.brain.spinal_fraction=0.7"])
    assert s is None and err == "error: stand-in"
    argv = log.read_text().split()
    assert argv[:2] == ["run", str(PHYS.parents[1] / "models/scenarios/healthy_tilt30.yaml")]
    assert argv[argv.index("--set", 4) + 1] == "elements.brain.spinal_fraction=0.7"
    assert "discretisation.lumped=true" in argv and argv[argv.index("--cycles") + 1] == "25"
    assert not (tmp_path / "healthy_tilt30.h5").exists()


# ---------------------------------------------------------------- gadda.py
def test_gadda_routes_and_verdicts():
    s = {"pathways": {"ijv_R": 360.0, "ijv_L": 300.0, "vertebral": 60.0,
                      "plexus_and_collaterals": 45.0, "azygos": 15.0},
         "cbf": 750.0, "sinus_pressure": 8.0, "icp": 10.2}
    rows = {r["id"]: r for r in gadda.rows({"gadda2015_supine": s})}
    j = rows["gadda2015:supine:jugular"]
    assert j["simulated"] == pytest.approx(11.0)            # (360 + 300) / 60 ml/s
    assert j["verdict"] == "pass"                           # |11 - 11.74| <= 1.25
    assert rows["gadda2015:supine:vertebral"]["simulated"] == pytest.approx(1.0)
    assert rows["gadda2015:supine:other"]["simulated"] == pytest.approx(1.0)   # (45 + 15) / 60
    assert rows["gadda2015:supine:cbf"]["simulated"] == pytest.approx(12.5)
    assert rows["gadda2015:supine:sinus_pressure"]["verdict"] == "deviation"  # 8 vs 6 +- 1.5
    assert rows["gadda2015:upright:jugular"]["verdict"] == "not run"


def test_gadda_routes_cover_the_model_pathways():
    model = yaml.safe_load((ROOT / "models/cerebral_venous.yaml").read_text())
    names = {p["name"] for p in model["metrics"]["pathways"]}
    assert names == {"ijv_R", "ijv_L", "vertebral", "plexus_and_collaterals", "azygos"}


# ---------------------------------------------------------------- compare.py
def _row(tid, sim, band=None, value=None, kind="measurement", muller=False):
    return {"id": tid, "simulated": sim, "band": band, "value": value, "kind": kind,
            "muller2016": muller, "units": "u"}


def _dumps(tmp_path, before, after):
    pb, pa = tmp_path / "before.json", tmp_path / "after.json"
    pb.write_text(json.dumps({"mode": "quick", "targets": before}))
    pa.write_text(json.dumps({"mode": "quick", "targets": after}))
    return pb, pa


def test_compare_flags_a_target_leaving_its_band(tmp_path, capsys):
    before = [_row("a", 10.0, [5, 15]), _row("b", 20.0, [5, 15]), _row("c", 7.0, [5, 15]),
              _row("g", 1.0, [0, 2], kind="model"), _row("m", 0.0775, value=0.1, muller=True)]
    after = [_row("a", 16.0, [5, 15]), _row("b", 14.0, [5, 15]), _row("c", 8.0, [5, 15]),
             _row("g", 3.0, [0, 2], kind="model"), _row("m", 0.09, value=0.1, muller=True),
             _row("n", 1.0, [0, 2])]
    pb, pa = _dumps(tmp_path, before, after)
    st = {r["id"]: (r["status"], r["flagged"]) for r in compare.compare(compare.load(pb), compare.load(pa))}
    assert st["a"] == ("LEFT BAND", True)
    assert st["b"] == ("entered band", False)
    assert st["c"] == ("inside", False)
    assert st["g"] == ("left tolerance", False)   # model-to-model: reported, not flagged
    assert st["m"] == ("kept", False)             # closer to 0.1 than before
    assert st["n"] == ("new", False)
    assert compare.main([str(pb), str(pa)]) == 1
    out = capsys.readouterr().out
    assert "FLAGGED a: LEFT BAND" in out and "FLAGGED b" not in out


def test_compare_flags_a_mueller_result_not_kept(tmp_path):
    # published 0.1; before 0.0775 (0.0225 away); after 0.05 is 0.05 away > 0.0225 + 0.01
    pb, pa = _dumps(tmp_path, [_row("m", 0.0775, value=0.1, muller=True)],
                    [_row("m", 0.05, value=0.1, muller=True)])
    (r,) = compare.compare(compare.load(pb), compare.load(pa))
    assert (r["status"], r["flagged"]) == ("NOT KEPT", True)
    assert compare.main([str(pb), str(pa)]) == 1
    # 0.068 is 0.032 away: within 0.0225 + 0.01 -> kept, exit 0
    pb, pa = _dumps(tmp_path, [_row("m", 0.0775, value=0.1, muller=True)],
                    [_row("m", 0.068, value=0.1, muller=True)])
    assert compare.main([str(pb), str(pa)]) == 0


def test_compare_flags_a_target_no_longer_computed(tmp_path):
    pb, pa = _dumps(tmp_path, [_row("a", 10.0, [5, 15])], [_row("a", None, [5, 15])])
    (r,) = compare.compare(compare.load(pb), compare.load(pa))
    assert r["flagged"]


def test_compare_refuses_a_file_that_is_not_a_dump(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("[1, 2]")
    with pytest.raises(SystemExit, match="not a targets.json"):
        compare.load(p)


# ---------------------------------------------------------------- run.py end to end (0D)
@pytest.mark.skipif(not CLI, reason="VENOFLOW_CLI (path of the venoflow command) is not set")
def test_quick_run_writes_the_tilt_and_gadda_sections(tmp_path):
    p = subprocess.run([sys.executable, str(PHYS / "run.py"), "--cli", CLI, "--quick", "--out",
                        str(tmp_path)], capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    report = (tmp_path / "report.md").read_text()
    assert "## Posture dynamics: tilt-table run" in report and "(tilt.png)" in report
    assert "## Model-to-model regression: Gadda et al. 2015" in report
    assert "## Spinal CSF space" in report and "(spinal.png)" in report
    assert (tmp_path / "tilt.png").stat().st_size > 0
    d = json.loads((tmp_path / "targets.json").read_text())
    ids = {r["id"]: r for r in d["targets"]}
    assert ids["tilt:ijv_csa_sitting_holmlund2017"]["simulated"] is not None
    assert ids["gadda2015:supine:cbf"]["simulated"] is not None
    for rid in ("csf_stroke_volume_cervical_enzmann1993", "csf_oscillation_reduction_sitting_alperin2005",
                "lumbosacral_csf_volume_rise_30deg_strbacko2024", "hip_height_sitting_magnaes1976",
                "tilt:zps_height_sitting_magnaes1976"):
        assert ids[rid]["simulated"] is not None and ids[rid]["section"] == "spinal"
    # Pascal's law upright: the ZPS lies above the HIP whenever the supine ICP is positive
    assert ids["zps_height_sitting_magnaes1976"]["simulated"] > ids["hip_height_sitting_magnaes1976"]["simulated"]
    # head-up moves CSF into the spinal sac (F2: lumbosacral volume rises at 30 deg)
    assert ids["lumbosacral_csf_volume_rise_30deg_strbacko2024"]["simulated"] > 0
    # the held IJV area follows the collapse (Holmlund 2017: 94.5 -> 6.5 mm^2) and the tilt
    # moves outflow from the IJVs to the vertebral route (F4)
    tr = d["tilt_transitions"]
    assert tr["csa_ijv_mean"]["final"] < 0.5 * tr["csa_ijv_mean"]["initial"]
    assert tr["pathway_vertebral"]["final"] > tr["pathway_vertebral"]["initial"]
    # a run compared with itself flags nothing
    assert compare.main([str(tmp_path), str(tmp_path)]) == 0
