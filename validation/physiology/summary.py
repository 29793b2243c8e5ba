"""Read a venoflow results file of the cerebral venous model and summarise the last cycle.

Independent of the metrics the C++ side computes (so the validation works before and after the
lead's metrics are merged): mean flows at vessel mid-points, element outputs, node pressures,
mean areas, over the last `period` of the run. Reads the file with the package's reader
(venoflow.open_results), so either results layout (docs/results-format.md) works.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

MMHG = 133.322387415
ML = 1e-6

# Outflow pathways (cerebral blood only). Must match `metrics.pathways` of the model.
PATHWAYS = {
    "ijv_R": ["IJV_R_J1"],
    "ijv_L": ["IJV_L_J1"],
    "vertebral": ["VV_L", "VV_R"],
    "plexus_and_collaterals": ["deep_cervical_L", "deep_cervical_R", "EJV_L", "EJV_R"],
    "azygos": ["epidural_azygos"],
}


def _last(t, period):
    if period <= 0:
        period = t[-1] - t[0]
    return t >= t[-1] - period + 1e-9


def _open_results():
    """venoflow.open_results of this source tree (python/venoflow, built in place)."""
    root = Path(__file__).resolve().parents[2]
    if str(root / "python") not in sys.path:
        sys.path.insert(0, str(root / "python"))
    import venoflow
    return venoflow.open_results


def summarise(path: str) -> dict:
    out: dict = {}
    res = _open_results()(path)
    out["complete"] = res.complete
    out["error"] = res.error
    out["wall_time"] = float(res.stats["wall_time"])
    out["simulated_time"] = float(res.stats["simulated_time"])
    out["period"] = period = res.period
    out["cycles"] = int(res.stats["cycles_completed"])
    out["steady_state_change"] = float(res.outcome["steady_state_change"])
    out["steady_state_location"] = str(res.outcome["steady_state_location"])
    t = np.asarray(res.time)
    m = _last(t, period)
    tt = t[m]

    def tmean(y):
        y = np.asarray(y)[m]
        return float(np.mean(y))  # uniform samples over exactly one period (start excluded)

    vq, va, vp, vqmin = {}, {}, {}, {}
    finite = True
    for name in res.vessels:
        q, a, p = res.flow[name], res.area[name], res.pressure[name]
        finite &= bool(np.isfinite(q).all() and np.isfinite(a).all() and np.isfinite(p).all())
        j = q.shape[1] // 2
        vq[name] = tmean(q[:, j]) / ML * 60.0          # ml/min
        vqmin[name] = float(q[m, j].min()) / ML * 60.0
        va[name] = tmean(a[:, j]) * 1e6                # mm^2
        vp[name] = (tmean(p[:, 0]) / MMHG, tmean(p[:, j]) / MMHG, tmean(p[:, -1]) / MMHG)
    out["flow"], out["area"], out["pressure"], out["flow_min"] = vq, va, vp, vqmin
    out["node_pressure"] = {n: tmean(y) / MMHG for n, y in res.node_pressure.items()}
    el = {}
    for name, qs in res.elements.items():
        el[name] = {k: tmean(y) for k, y in qs.items()}
        for y in qs.values():
            finite &= bool(np.isfinite(y).all())
    out["elements"] = el
    b = res.elements.get("brain", {})
    if b:
        icp = np.asarray(b["icp"])[m]
        out["icp_pulse"] = float(icp.max() - icp.min()) / MMHG
        if "foramen_magnum_flow" in b:
            # the last cycle of the CSF flow cranial -> spinal [m^3/s]: its stroke volume
            # (validation/physiology/spinal.py) needs the series, not the mean
            out["foramen_magnum_flow"] = {"t": tt, "q": np.asarray(b["foramen_magnum_flow"])[m]}
    out["finite"] = finite
    out["metrics"] = dict(res.metrics)
    b = out["elements"].get("brain", {})
    cbf = b.get("cbf", float("nan")) / ML * 60.0
    out["cbf"] = cbf
    out["icp"] = b.get("icp", float("nan")) / MMHG
    out["cerebral_venous_pressure"] = b.get("cerebral_venous_pressure", float("nan")) / MMHG
    out["sinus_pressure"] = out["node_pressure"].get("sinus_in", float("nan"))
    pw = {}
    for k, vs in PATHWAYS.items():
        pw[k] = sum(out["flow"][v] for v in vs if v in out["flow"])
    out["pathways"] = pw
    out["pathway_fraction"] = {k: v / cbf for k, v in pw.items()}
    return out


def brief(s: dict) -> str:
    pw = s["pathways"]
    a = s["area"]
    return (f"CBF {s['cbf']:.0f} ml/min ICP {s['icp']:.2f} Pvs {s['sinus_pressure']:.2f} "
            f"Pv {s['cerebral_venous_pressure']:.2f} mmHg | IJV R {pw['ijv_R']:.0f} L {pw['ijv_L']:.0f} "
            f"VV {pw['vertebral']:.0f} coll {pw['plexus_and_collaterals']:.0f} azy {pw['azygos']:.0f} "
            f"(IJV {100*(pw['ijv_R']+pw['ijv_L'])/s['cbf']:.0f}%) | CSA R J2 {a['IJV_R_J2']:.1f} J3 {a['IJV_R_J3']:.1f} "
            f"L J2 {a['IJV_L_J2']:.1f} J3 {a['IJV_L_J3']:.1f} mm2 | Pjug R J2 {s['pressure']['IJV_R_J2'][1]:.2f} "
            f"| change {s['steady_state_change']:.3g} @ {s['steady_state_location']}")


if __name__ == "__main__":
    import sys
    for p in sys.argv[1:]:
        print(p, brief(summarise(p)))
