"""Validity domain (docs/cerebral-model.md, "Validity domain"): no run reports `complete` from a
state outside where the model's equations hold, and extreme but valid scenarios of the default
cerebral model either finish inside the domain with physically sane results or fail loudly
(SolverError naming time, component and quantity). Never silently wrong.

The sanity checks use numbers the solver did not compute: the total-CBF reference range of
Zarrinkoob et al. 2015 (717 +- 123 ml/min, validation/physiology/targets.yaml
cbf_total_zarrinkoob2015), the element's P-V law evaluated here (ICP from the stored volume
change), and mass conservation (stored volume change against boundary inflow).
"""
import math
import os
import subprocess
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import venoflow as vf

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "cerebral_venous.yaml"
MMHG = 133.322387415
ML = 1e-6
# Zarrinkoob et al. 2015 total CBF 717 +- 123 ml/min: mean +- 3 SD = 348 .. 1086 ml/min.
CBF_RANGE = ((717 - 3 * 123) / 60 * ML, (717 + 3 * 123) / 60 * ML)
# Gadda 2015 Table 1 as in the default model: P_icn 9.5 mmHg, k_E 0.077 /ml; the default model's
# spinal CSF space: P_0 = -10 mmHg, spinal_fraction 0.35 (models/cerebral_venous.yaml). The
# cranial P-V law worked out by hand (numerics/elements/intracranial.hpp): ICP = P_0 + (P_icn -
# P_0) exp(k dV) with k = k_E P_icn / ((1 - f_s)(P_icn - P_0)) (basal compliance split), domain
# ICP in [P_0 + (P_icn - P_0)/10, ...] and |dV| <= ln(10)/k.
P_ICN, K_E = 9.5 * MMHG, 0.077 / ML
P_0, F_S = -10 * MMHG, 0.35
K_CR = K_E * P_ICN / ((1 - F_S) * (P_ICN - P_0))
ICP_FLOOR = P_0 + (P_ICN - P_0) / 10  # -8.05 mmHg
DV_BOUND = math.log(10) / K_CR
# Without the spinal space and with P_0 = 0 (Ursino-Lodi's element as published) the floor is
# P_icn/10 = 0.95 mmHg: upright with a high sinus port no valid CSF state exists.
URSINO_LODI = {"elements.brain.spinal_fraction": 0, "elements.brain.P_0": "0 mmHg",
               "elements.brain.icp_reference_depth": "0 cm"}


def cerebral(**overrides):
    m = vf.load_model(MODEL)
    m.update({"discretisation.lumped": True, **overrides})
    return m


def with_stenoses(tmp_path, name, stenoses):
    """A scenario file on top of the default model (like models/scenarios/*.yaml)."""
    lines = ["venoflow: 1", f"extends: {MODEL}", f"name: {name}", "add:", "  stenoses:"]
    lines += [f"    - {{{s}}}" for s in stenoses]
    p = tmp_path / f"{name}.yaml"
    p.write_text("\n".join(lines) + "\n")
    m = vf.load_model(p)
    m.set("discretisation.lumped", True)
    return m


def last_cycle(res, a):
    n = int(round(res.period / (res.time[1] - res.time[0])))
    return a[-n - 1:]


def outcome(model, cycles=3):
    """'valid' after checking the run independently, or 'loud: <message>'. Any run that
    completes outside the domain or with insane physics fails the test (silent)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", vf.DomainWarning)
            res = vf.simulate(model, cycles=cycles)
    except vf.SolverError as e:
        # Loud: time, component and quantity named; partial results kept and marked incomplete.
        assert e.component and e.quantity and e.time >= 0, str(e)
        assert e.results is not None and not e.results.complete
        return f"loud: {e}"
    assert res.complete and not res.warnings
    # Finite everywhere.
    for d in (res.pressure, res.flow, res.area, res.node_pressure):
        for a in d.values():
            assert np.all(np.isfinite(a))
    for qs in res.elements.values():
        for a in qs.values():
            assert np.all(np.isfinite(a))
    # Mass balance: stored volume change minus boundary inflow, against the stored volume.
    assert abs(res.metrics["volume_balance_error"]) < 1e-8 * res.metrics["stored_volume"]
    assert res.metrics["stored_volume"] > 0
    # CBF over the last cycle within the physiological range.
    cbf = last_cycle(res, res.elements["brain"]["cbf"]).mean()
    assert CBF_RANGE[0] < cbf < CBF_RANGE[1], cbf / ML
    # ICP is what the P-V law gives for the stored volume change, and inside the domain.
    dv = res.elements["brain"]["intracranial_volume_change"]
    f_s = float(model.get("elements.brain.spinal_fraction"))  # the variant's split
    k_cr = K_E * P_ICN / ((1 - f_s) * (P_ICN - P_0))
    np.testing.assert_allclose(res.elements["brain"]["icp"], P_0 + (P_ICN - P_0) * np.exp(k_cr * dv),
                               rtol=1e-9)
    assert np.all(np.abs(dv) <= DV_BOUND) and np.all(res.elements["brain"]["icp"] >= ICP_FLOOR)
    return "valid"


# ---- the defect: tilt set alone on the default model --------------------------------------


def test_tilt_alone_gives_a_valid_upright_state():
    """`--set posture.tilt="90 deg"` on the default model used to give ICP exactly 0 and an
    intracranial volume change of -1e9 ml, marked complete. Now the upright state is valid:
    ICP between the floor and the supine value, CSF formation equal to absorption."""
    res = vf.simulate(cerebral(**{"posture.tilt": "90 deg"}), cycles=3)
    assert res.complete and not res.warnings
    b = res.elements["brain"]
    icp = last_cycle(res, b["icp"]).mean()
    assert ICP_FLOOR < icp < P_ICN
    # Upright ICP reference interval (90 %) of Norager et al. 2021, -5.9 .. 8.3 mmHg
    # (validation/physiology/targets.yaml icp_upright).
    assert -5.9 * MMHG < icp < 8.3 * MMHG, icp / MMHG
    assert abs(b["intracranial_volume_change"][-1]) < DV_BOUND
    # Pascal's law in the resting craniospinal CSF: the spinal pressure at the centroid of its
    # compliance (43 cm below the sinus port) exceeds the ICP at the reference level (10 cm below)
    # by rho_CSF g 33 cm = 1000 * 9.81 * 0.33 Pa, the foramen-magnum flow averaging 0.
    column = last_cycle(res, b["spinal_csf_pressure"] - b["icp"]).mean()
    assert column == pytest.approx(1000 * 9.81 * 0.33, rel=1e-3)
    # CSF balance at the steady upright state (the element starts there: steady initialisation).
    np.testing.assert_allclose(last_cycle(res, b["csf_formation"]).mean(),
                               last_cycle(res, b["csf_absorption"]).mean(), rtol=0.05)


@pytest.mark.parametrize("tilt", [0, 90])
def test_cpp_puts_arterial_pressure_and_icp_at_one_level(tilt):
    """CPP = mean arterial pressure at the ICP reference level minus ICP. The arterial boundary
    holds 93 mmHg (mean) at heart level; the reference level is 30 cm above it upright
    (models/cerebral_venous.yaml), so upright the blood column takes 1060 * 9.81 * 0.30 Pa
    (23.4 mmHg) off it. The metric once used the heart-level pressure: 23 mmHg too high upright."""
    res = vf.simulate(cerebral(**{"posture.tilt": f"{tilt} deg"}), cycles=3)
    arterial_at_reference = 93 * MMHG - 1060 * 9.81 * 0.30 * math.sin(math.radians(tilt))
    expected = arterial_at_reference - res.metrics["icp_mean"]
    assert res.metrics["cpp"] == pytest.approx(expected, abs=0.01 * MMHG)


def high_sinus_port(**extra):
    # Ursino-Lodi's element (ICP > 0, no spinal space) with the sinus port at 45 cm upright: the
    # sinus at about -13 mmHg, CSF absorption at ICP -> 0, |P_vs|/R_0, exceeds any formation
    # (docs/cerebral-model.md): no valid CSF state exists. The SSS, 12 cm from the torcula at
    # 30 cm, is lengthened to the 15 cm it then falls (a vessel falls at most its length).
    return cerebral(**{"posture.tilt": "90 deg", "nodes.sinus_in.height": "45 cm",
                       "vessels.SSS.length": "15 cm", **URSINO_LODI, **extra})


def test_state_outside_the_domain_fails_loudly(tmp_path):
    with pytest.raises(vf.SolverError) as ei:
        vf.simulate(high_sinus_port(), cycles=2, output=tmp_path / "up.h5")
    e = ei.value
    assert e.component == "element brain" and e.quantity == "icp"
    assert "outside the validity domain" in str(e) and "0.95 mmHg" in str(e)
    assert not e.results.complete
    assert (tmp_path / "up.incomplete.h5").exists() and not (tmp_path / "up.h5").exists()
    with h5py.File(tmp_path / "up.incomplete.h5") as f:
        assert f.attrs["complete"] == 0 and "validity domain" in f.attrs["error"]


def test_warn_mode_completes_with_warnings(tmp_path):
    m = high_sinus_port(**{"solver.on_domain_violation": "warn"})
    with pytest.warns(vf.DomainWarning, match="element brain"):
        res = vf.simulate(m, cycles=2, output=tmp_path / "w.h5")
    assert res.complete
    assert any(w.startswith("element brain (icp)") for w in res.warnings)
    assert any(w.startswith("element brain (intracranial_volume_change)") for w in res.warnings)
    back = vf.open_results(tmp_path / "w.h5")
    assert back.complete and back.warnings == res.warnings
    assert "element brain (icp)" in res.to_xarray().attrs["warnings"]


def test_cli_exit_codes_and_summary(tmp_path):
    cli = os.environ.get("VENOFLOW_CLI")
    if not cli:
        pytest.skip("VENOFLOW_CLI not set")
    base = [cli, "run", str(MODEL), "--cycles", "2", "--set", "discretisation.lumped=true",
            "--set", "posture.tilt=90 deg", "--set", "nodes.sinus_in.height=45 cm",
            "--set", "vessels.SSS.length=15 cm"]  # as high_sinus_port
    base += [a for k, v in URSINO_LODI.items() for a in ("--set", f"{k}={v}")]
    p = subprocess.run(base + ["-o", str(tmp_path / "e.h5")], capture_output=True, text=True)
    assert p.returncode == 3, p.stdout + p.stderr
    assert "element brain (icp)" in p.stderr and "validity domain" in p.stderr
    p = subprocess.run(base + ["-o", str(tmp_path / "w.h5"), "--set",
                               "solver.on_domain_violation=warn"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "WARNING: 2 validity-domain violations" in p.stdout
    with h5py.File(tmp_path / "w.h5") as f:
        assert f.attrs["complete"] == 1 and "element brain (icp)" in f.attrs["warnings"]


# ---- extreme valid scenarios: valid or loud, never silent ----------------------------------
# Outcomes measured when written (docs/cerebral-model.md, "Validity domain"): all valid.


@pytest.mark.parametrize("severity", ["99 %", "99.9 %"])
def test_extreme_ijv_stenosis(tmp_path, severity):
    m = with_stenoses(tmp_path, "sten", [f"name: s, vessel: IJV_R_J2, position: 50 %, "
                                         f"length: 10 mm, area_reduction: {severity}, mode: lumped"])
    r = outcome(m)
    assert r == "valid" or r.startswith("loud")


def test_bilateral_ijv_occlusion_with_azygos_stenosis(tmp_path):
    m = with_stenoses(tmp_path, "occl", [
        "name: oR, vessel: IJV_R_J2, position: 50 %, length: 2 cm, area_reduction: 99.9 %, "
        "mode: lumped",
        "name: oL, vessel: IJV_L_J2, position: 50 %, length: 2 cm, area_reduction: 99.9 %, "
        "mode: lumped",
        "name: az, vessel: azygos, position: 50 %, length: 10 mm, area_reduction: 90 %, "
        "mode: lumped"])
    r = outcome(m)
    assert r == "valid" or r.startswith("loud")


@pytest.mark.parametrize("tilt", [-90, -45, 0, 25, 45, 90])
def test_tilt_range(tilt):
    # Valid, not merely loud: setting the tilt alone is the README's own example (the defect).
    assert outcome(cerebral(**{"posture.tilt": f"{tilt} deg"})) == "valid"


@pytest.mark.parametrize("tilt,spinal_fraction", [(35, 0.5), (30, 0.5), (35, 0.35)])
def test_valve_opening_stays_in_its_travel_at_the_steady_start(tilt, spinal_fraction):
    """The steady initialisation once found a jugular valve 'at rest' with an opening of 20-22
    (an area 20 x its annulus): between its closing and opening pressure differences the opening
    has no restoring force, and an implicit pseudo-time step landed far outside [0, 1]. The run
    then failed at t = 0 (valve_L opening 22.5). The search now projects onto the states'
    bounds (System::state_bounds)."""
    m = cerebral(**{"posture.tilt": f"{tilt} deg",
                    "elements.brain.spinal_fraction": spinal_fraction})
    assert outcome(m) == "valid"


def test_valve_opening_stays_in_its_travel_after_the_time_relaxation():
    """A cohort subject (small right IJV, 86 % diameter stenosis at J1): the pseudo-transient
    search does not converge, the fallback relaxes in time at 100 x looser tolerances, and the
    right valve's opening drifted to 2.0 in its neutral band; the run failed at t = 0. The relaxed
    state is now projected onto the states' bounds too."""
    m = cerebral(**{f"vessels.IJV_R_J{k}.radius": "4.4332 mm" for k in (1, 2, 3)})
    m.update({"elements.valve_R.annulus_area": "61.7524 mm^2",
              "boundary_conditions.right_atrium.pressure": "3.7298 mmHg",
              "stenoses": "[{name: ijv_R, vessel: IJV_R_J1, position: 50 %, length: 10 mm, "
                          "diameter_reduction: 0.86264}]"})
    assert outcome(m) == "valid"


def test_fully_incompetent_jugular_valves():
    r = outcome(cerebral(**{"elements.valve_R.M_rg": 1, "elements.valve_L.M_rg": 1}))
    assert r == "valid" or r.startswith("loud")


@pytest.mark.parametrize("rap", [0, 10, 25])
def test_right_atrial_pressure(rap):
    r = outcome(cerebral(**{"boundary_conditions.right_atrium.pressure": f"{rap} mmHg"}))
    assert r == "valid" or r.startswith("loud")


@pytest.mark.parametrize("itp", [-20, 0, 20, 40])
def test_intrathoracic_pressure(itp):
    r = outcome(cerebral(**{"external_pressures.intrathoracic.pressure": f"{itp} mmHg"}))
    assert r == "valid" or r.startswith("loud")


def test_long_run_200_cycles():
    assert outcome(cerebral(), cycles=200) == "valid"


def test_fine_1d_grid():
    m = vf.load_model(MODEL)
    m.set("discretisation.dx", "2 mm")
    assert outcome(m, cycles=2) == "valid"


def test_sweep_records_failures_and_warnings():
    """A sweep variant outside the domain is a failed row (error), or with `warn` a complete row
    whose `warnings` column names the violation; a valid variant has neither."""
    m = cerebral(**{"posture.tilt": "90 deg", **URSINO_LODI})
    high = {"nodes.sinus_in.height": "45 cm", "vessels.SSS.length": "15 cm"}  # as high_sinus_port
    df = vf.sweep(m, [{"nodes.sinus_in.height": "30 cm"}, high,
                      {**high, "solver.on_domain_violation": "warn"}],
                  cycles=1, workers=1)
    assert df["complete"].tolist() == [True, False, True]
    err, warn = df["error"].tolist(), df["warnings"].tolist()
    assert not isinstance(err[0], str) and "validity domain" in err[1] and not isinstance(err[2], str)
    assert not isinstance(warn[0], str) and "element brain (icp)" in warn[2]
