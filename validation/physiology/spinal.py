"""Spinal CSF space of the cerebral venous model against docs/physiology.md F (F1, F2, F6).

The intracranial element `brain` of models/cerebral_venous.yaml reports, besides `icp` (at the ICP
reference level, 30 cm above the right atrium upright: sinus port 40 cm, icp_reference_depth
10 cm), `foramen_magnum_flow` [m^3/s, cranial -> spinal], `spinal_volume_change` [m^3] and
`spinal_csf_pressure` [Pa, at the centroid of the spinal compliance]. This module grades:

1. CSF stroke volume per cardiac cycle at the foramen magnum, supine (healthy_supine), against
   the cervical subarachnoid space (Enzmann & Pelc 1993, 0.65 +- 0.08 ml) and C2/C3 (Freiburg
   study, 2.1 +- 0.7 ml) (F2). The model's spinal compliance is one lump below the cervical canal,
   so its foramen-magnum flow passes every cervical level unchanged; in vivo part of the spinal
   compliance lies in the cervical canal itself (the Freiburg C5/C6 stroke volume is 0.4 ml below
   C2/C3), so a measurement further down sees less.
2. Its reduction upright (healthy_upright vs healthy_supine) against Alperin et al. 2005 (48 % or
   58 % smaller sitting: the JMRI and the Acta Neurochir Suppl abstracts disagree; graded as the
   range between them) and Muccio et al. 2021 (supine 57.6 % larger than upright).
3. The spinal volume shift at 30 deg head-up (healthy_tilt30 - healthy_supine) against the
   lumbosacral CSF volume rise of 3.7 ml [DERIVED] (Strbacko et al. 2024, F2). The model's
   `spinal_volume_change` is the whole dural sac, i.e. the CSF that left the cranium; the
   measurement is the lumbosacral sac alone, with no significant intracranial CSF change, so part
   of it came from the cervical and thoracic sac, which a single spinal compliance cannot show.
4. The hydrostatic indifferent point (HIP) and the level of zero CSF pressure sitting (ZPS)
   (Magnaes 1976 Part 2, F1), from the ICP at the reference level supine and upright with
   Pascal's law in the CSF column (rho_CSF g = 0.736 mmHg/cm, F opening paragraph):
       HIP = z_ref + (ICP_upright - ICP_supine) / (rho_CSF g)
       ZPS = z_ref + ICP_upright / (rho_CSF g)
   Supine (0 deg) the CSF pressure is the same at every level, ICP_supine; upright it is
   ICP_upright + rho_CSF g (z_ref - z) at height z. The HIP is where the two are equal, the ZPS
   where the upright one is zero. Magnaes compared lateral (horizontal) with sitting; the model
   compares supine (horizontal too) with 90 deg. Both for the steady upright state
   (healthy_upright: CSF formation = absorption) and for the held state of the tilt run
   (tilt_supine_to_upright, last cycle, about 20 s after the end of the tilt).

Stroke volume: over the last complete cycle, with the cycle-mean flow q_mean removed,
    caudal volume = integral of max(q - q_mean, 0) dt
(the volume that moves cranial -> spinal in systole; it equals the cranial volume of diastole
because q - q_mean has zero integral). PC-MRI stroke volumes are the volume moved in one direction
per cycle (Enzmann & Pelc give 39.0 ml/min = 0.65 ml per cycle x the heart rate). The
peak-to-peak of the running integral of q - q_mean is the same number when the flow reverses
twice per cycle and smaller when it reverses more often (it counts the net excursion of the CSF
column, not every pulse); it is reported as a cross-check, with the number of reversals. Half
the peak-to-peak is the amplitude of the volume oscillation, half the stroke volume: it is not
what the studies report. q_mean is removed because a state that is still settling (the held tilt)
carries a slow net exchange that is not part of the oscillation.

The pure functions (stroke_volume, hip_zps, vertebral_level) work on plain arrays / numbers and
are tested on hand-made series (tests/python/test_physiology_tilt.py).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

MMHG = 133.322387415  # Pa per mmHg
ML = 1e-6             # m^3 per ml

#: rho_CSF g in mmHg per cm: CSF density 1000 kg/m^3 (Sincomb et al. 2022 [READ]) and
#: g = 9.81 m/s^2 (models/cerebral_venous.yaml), 0.736 mmHg/cm (docs/physiology.md F) [DERIVED].
RHO_G_CSF = 1000.0 * 9.81 * 0.01 / MMHG

#: Height of the ICP reference level above the right atrium upright [cm]: sinus port `sinus_in`
#: at 40 cm minus the element's icp_reference_depth 10 cm (models/cerebral_venous.yaml; checked
#: against the model file by tests/python/test_physiology_tilt.py).
ICP_REFERENCE_HEIGHT = 30.0

#: Vertebral levels of the model, height above the right atrium upright [cm], from the node
#: comments of models/cerebral_venous.yaml ([UNVERIFIED] anatomy): foramen magnum (suboccipital
#: node) 27, C2-C3 (J3/J2 boundary) 23, C5-C6 (J2/J1) 16, C7-T1 (cervical plexus) 13, T4
#: (azygos arch) 5.
LEVELS = [(27.0, "foramen magnum"), (23.0, "C2-C3"), (16.0, "C5-C6"), (13.0, "C7-T1"), (5.0, "T4")]


# ------------------------------------------------------------------------------------------
# pure functions
# ------------------------------------------------------------------------------------------
def last_cycle(t, y, period: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Samples of the last complete cycle (t_end - period, t_end] of uniform output instants
    (the window of summary.py; a series already cut to that window is its own last cycle), and
    their spacing dt; ValueError unless the samples are uniform and tile the whole period."""
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    if not period > 0 or t.size < 2 or t.shape != y.shape:
        raise ValueError("last_cycle needs a positive period and matching series of >= 2 samples")
    tol = 1e-9 * max(1.0, period)
    m = t >= t[-1] - period + tol
    tt = t[m]
    if tt.size < 2:
        raise ValueError("last_cycle: fewer than two samples in the last cycle")
    dt = float(np.median(np.diff(tt)))
    if not (np.allclose(np.diff(tt), dt, rtol=1e-6, atol=0) and abs(tt.size * dt - period) <= 1e-6 * period):
        raise ValueError(f"last_cycle: the samples (spacing {dt:g} s, {tt.size} in the cycle) are not "
                         f"uniform or do not tile the period {period:g} s")
    return tt, y[m], dt


def stroke_volume(t, q, period: float) -> dict:
    """Oscillatory volume of a flow q (volume/time) over the last complete cycle.

    caudal / cranial: integral of the positive / negative part of q - q_mean (equal, both
    returned positive); net: integral of q (q_mean x period); running_p2p: peak-to-peak of the
    running integral of q - q_mean (starting from 0 at the start of the cycle); amplitude: half
    of it; reversals: sign changes of q - q_mean over the cycle (periodic). Sample sums (the
    rectangle rule, exact for the trapezoid rule on a periodic series)."""
    _, y, dt = last_cycle(t, q, period)
    qm = float(np.mean(y))
    d = y - qm
    V = np.concatenate([[0.0], np.cumsum(d) * dt])
    s = np.sign(d[d != 0])
    rev = int(np.count_nonzero(s != np.roll(s, 1))) if s.size > 1 else 0
    return {"caudal": float(np.sum(np.clip(d, 0, None)) * dt),
            "cranial": float(-np.sum(np.clip(d, None, 0)) * dt),
            "net": qm * period,
            "running_p2p": float(V.max() - V.min()),
            "amplitude": 0.5 * float(V.max() - V.min()),
            "reversals": rev}


def hip_zps(icp_supine: float, icp_upright: float, z_ref: float = ICP_REFERENCE_HEIGHT,
            rho_g: float = RHO_G_CSF) -> tuple[float, float]:
    """(HIP, ZPS) heights [cm above the right atrium] from the ICP [mmHg] at the reference level
    z_ref [cm] supine and upright, by Pascal's law in the CSF column (rho_g in mmHg/cm)."""
    return z_ref + (icp_upright - icp_supine) / rho_g, z_ref + icp_upright / rho_g


def vertebral_level(z: float, levels=LEVELS) -> str:
    """Where the height z [cm] lies among the model's vertebral levels (LEVELS, descending)."""
    if z is None or not math.isfinite(z):
        return "—"
    if z > levels[0][0]:
        return f"above the {levels[0][1]} ({levels[0][0]:g} cm): inside the skull"
    for (z0, n0), (z1, n1) in zip(levels, levels[1:]):
        if z == z0:
            return f"at {n0}"
        if z1 < z < z0:
            return f"between {n0} ({z0:g} cm) and {n1} ({z1:g} cm)"
    if z == levels[-1][0]:
        return f"at {levels[-1][1]}"
    return f"below {levels[-1][1]} ({levels[-1][0]:g} cm)"


# ------------------------------------------------------------------------------------------
# the model's numbers
# ------------------------------------------------------------------------------------------
def _sv(s: dict | None) -> dict | None:
    """Stroke volume [ml] of a scenario summary (summary.py keeps the last cycle's
    foramen-magnum flow), or None."""
    fm = (s or {}).get("foramen_magnum_flow")
    if not fm:
        return None
    x = stroke_volume(fm["t"], fm["q"], s["period"])
    return {k: (v / ML if k != "reversals" else v) for k, v in x.items()}


def _spinal_volume(s: dict | None) -> float | None:
    b = (s or {}).get("elements", {}).get("brain", {})
    v = b.get("spinal_volume_change")
    return None if v is None else v / ML


def analyse(R: dict, A: dict | None = None) -> dict:
    """The numbers of this section from the scenario summaries R (run.py) and the tilt analysis
    A (tilt.py, or None)."""
    sup, up, t30 = R.get("healthy_supine"), R.get("healthy_upright"), R.get("healthy_tilt30")
    out = {"sv": {k: _sv(R.get(k)) for k in ("healthy_supine", "healthy_upright", "healthy_tilt30",
                                             "healthy_tilt45", "tilt_supine_to_upright")},
           "spinal_volume": {k: _spinal_volume(R.get(k)) for k in
                             ("healthy_supine", "healthy_tilt30", "healthy_tilt45", "healthy_upright")}}
    sv_s, sv_u = out["sv"]["healthy_supine"], out["sv"]["healthy_upright"]
    out["sv_reduction"] = (1.0 - sv_u["caudal"] / sv_s["caudal"]) if sv_s and sv_u else None
    out["sv_supine_over_upright"] = (sv_s["caudal"] / sv_u["caudal"] - 1.0) if sv_s and sv_u else None
    v0, v30 = out["spinal_volume"]["healthy_supine"], out["spinal_volume"]["healthy_tilt30"]
    out["shift30"] = (v30 - v0) if (v0 is not None and v30 is not None) else None
    out["hydrostatics"] = {}
    if sup and up:
        out["hydrostatics"]["steady"] = (sup["icp"], up["icp"], *hip_zps(sup["icp"], up["icp"]))
    T = (A or {}).get("transitions", {})
    if "icp" in T:
        out["hydrostatics"]["held"] = (T["icp"]["initial"], T["icp"]["final"],
                                       *hip_zps(T["icp"]["initial"], T["icp"]["final"]))
    return out


def target_rows(X: dict) -> list[tuple[str, str, str, float | None, str, str]]:
    """(row id, target id, compared, scenario, simulated, unit, note) of the graded rows. The
    held-state (tilt) rows carry the prefix tilt: (one target, two states)."""
    sv_s = (X["sv"].get("healthy_supine") or {}).get("caudal")
    H = X["hydrostatics"]
    st, hd = H.get("steady"), H.get("held")
    mag = "Magnaes: patients, lateral <-> sitting; model supine <-> 90 deg"
    return [
        ("csf_stroke_volume_cervical_enzmann1993", "csf_stroke_volume_cervical_enzmann1993",
         "foramen-magnum caudal volume per cycle", "healthy_supine", sv_s, "ml",
         "target: cervical SAS; model: one spinal lump, so the same flow at every cervical level"),
        ("csf_stroke_volume_c2c3_freiburg", "csf_stroke_volume_c2c3_freiburg",
         "foramen-magnum caudal volume per cycle", "healthy_supine", sv_s, "ml",
         "target at C2/C3 (C5/C6 0.4 ml lower)"),
        ("csf_oscillation_reduction_sitting_alperin2005", "csf_oscillation_reduction_sitting_alperin2005",
         "1 - SV upright / SV supine", "healthy_upright", X["sv_reduction"], "fraction",
         "48 % (JMRI) or 58 % (Acta Neurochir Suppl): the abstracts disagree"),
        ("csf_stroke_volume_supine_vs_upright_muccio2021", "csf_stroke_volume_supine_vs_upright_muccio2021",
         "SV supine / SV upright - 1", "healthy_upright", X["sv_supine_over_upright"], "fraction",
         "target at C2"),
        ("lumbosacral_csf_volume_rise_30deg_strbacko2024", "lumbosacral_csf_volume_rise_30deg_strbacko2024",
         "spinal volume change, 30 deg - supine", "healthy_tilt30", X["shift30"], "ml",
         "model: whole spinal sac (= CSF leaving the cranium); target: lumbosacral sac only"),
        ("hip_height_sitting_magnaes1976", "hip_height_sitting_magnaes1976",
         "HIP = 30 cm + (ICP_up - ICP_sup)/0.736", "healthy_upright", st[2] if st else None, "cm",
         f"steady upright; {mag}"),
        ("zps_height_sitting_magnaes1976", "zps_height_sitting_magnaes1976",
         "ZPS = 30 cm + ICP_up/0.736", "healthy_upright", st[3] if st else None, "cm",
         f"steady upright; {mag}"),
        ("tilt:hip_height_sitting_magnaes1976", "hip_height_sitting_magnaes1976",
         "HIP from the tilt run (supine, held)", "tilt_supine_to_upright", hd[2] if hd else None, "cm",
         f"held state, ~20 s after the tilt; {mag}"),
        ("tilt:zps_height_sitting_magnaes1976", "zps_height_sitting_magnaes1976",
         "ZPS from the tilt run (held)", "tilt_supine_to_upright", hd[3] if hd else None, "cm",
         f"held state, ~20 s after the tilt; {mag}"),
    ]


def plot(R: dict, X: dict, targets: dict, out: Path, name: str = "spinal.png") -> str | None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scen = [k for k in ("healthy_supine", "healthy_tilt30", "healthy_upright")
            if (R.get(k) or {}).get("foramen_magnum_flow")]
    H = X["hydrostatics"]
    if not scen and not H:
        return None
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    a = ax[0]
    for k in scen:
        fm = R[k]["foramen_magnum_flow"]
        tt, q, dt = last_cycle(fm["t"], fm["q"], R[k]["period"])
        x = tt - tt[0] + dt
        ln, = a.plot(x, q / ML, label=f"{k}: SV {X['sv'][k]['caudal']:.2f} ml")
        d = q - q.mean()
        a.plot(x, np.cumsum(d) * dt / ML, ls=":", color=ln.get_color())
    a.axhline(0, color="k", lw=0.5)
    a.set_xlabel("time in the last cycle [s]")
    a.set_ylabel("flow [ml/s]; dotted: running volume [ml]")
    a.set_title("CSF flow cranial -> spinal; Enzmann 1993 0.65, Freiburg 2.1 ml/cycle", fontsize=9)
    a.legend(fontsize=7)

    a = ax[1]
    z = np.linspace(-5, 45, 101)
    for key, col, lab in (("steady", "tab:blue", "steady upright"), ("held", "tab:orange", "tilt run, held")):
        if key not in H:
            continue
        p_sup, p_up, hip, zps = H[key]
        a.plot(p_up + RHO_G_CSF * (ICP_REFERENCE_HEIGHT - z), z, color=col,
               label=f"{lab}: HIP {hip:.1f}, ZPS {zps:.1f} cm")
        a.axvline(p_sup, color=col, ls="--", lw=0.8)
        a.plot([p_sup], [hip], "o", color=col)
        a.plot([0], [zps], "s", color=col)
    for tid, col, lab in (("hip_height_sitting_magnaes1976", "tab:green", "HIP C6-T5 (Magnaes 1976)"),
                          ("zps_height_sitting_magnaes1976", "tab:red", "ZPS upper cervical (Magnaes 1976)")):
        tg = targets.get(tid)
        if tg and tg.get("range"):
            a.axhspan(tg["range"][0], tg["range"][1], color=col, alpha=0.12, label=lab)
    a.set_xlim(-20, 40)
    for h, n in LEVELS:
        a.axhline(h, color="0.7", lw=0.5)
        a.text(-19.5, h + 0.3, n, fontsize=6, color="0.4")
    a.axhline(ICP_REFERENCE_HEIGHT, color="k", lw=0.5, ls=":")
    a.axvline(0, color="k", lw=0.5)
    a.set_xlabel("CSF pressure [mmHg] (dashed: supine, same at every level)")
    a.set_ylabel("height above the right atrium upright [cm]")
    a.set_title("Pascal's law in the CSF column: HIP (o) and ZPS (s)", fontsize=9)
    a.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(out / name, dpi=100)
    plt.close(fig)
    return name


def _f(x, nd=3):
    return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}g}"


def report_lines(X: dict, rows: list, fig: str | None) -> list[str]:
    """Markdown section: stroke volumes, volume shift, HIP/ZPS, graded rows, plot."""
    L = ["## Spinal CSF space (docs/physiology.md F1, F2, F6)", "",
         "CSF stroke volume at the foramen magnum: over the last cycle, the integral of the positive "
         "(cranial -> spinal) part of `foramen_magnum_flow` minus its cycle mean, i.e. the volume moved "
         "in one direction per cycle, which is what the PC-MRI studies report (Enzmann & Pelc 1993: "
         "39.0 ml/min = 0.65 ml per cycle x heart rate). The peak-to-peak of the running integral is the "
         "same number when the flow reverses twice per cycle (cross-check below); half of it is the "
         "amplitude of the volume oscillation, half the stroke volume.", "",
         "| scenario | SV caudal [ml] | cranial [ml] | running-integral p2p [ml] | reversals | net [ml] |",
         "|---|---|---|---|---|---|"]
    for k, x in X["sv"].items():
        if x:
            L.append(f"| {k} | {x['caudal']:.3f} | {x['cranial']:.3f} | {x['running_p2p']:.3f} | "
                     f"{x['reversals']} | {x['net']:.2g} |")
    L += ["", "Spinal volume change (whole sac, relative to the basal state of the P-V law; the shift is "
          "the difference from supine):", "",
          "| scenario | spinal_volume_change [ml] | shift from supine [ml] |", "|---|---|---|"]
    v0 = X["spinal_volume"].get("healthy_supine")
    for k, v in X["spinal_volume"].items():
        if v is not None:
            L.append(f"| {k} | {v:.2f} | {_f(None if v0 is None else v - v0)} |")
    L += ["", f"Hydrostatics (Magnaes 1976 Part 2, F1): ICP at the reference level {ICP_REFERENCE_HEIGHT:g} cm "
          f"above the right atrium, rho_CSF g = {RHO_G_CSF:.4f} mmHg/cm; HIP = 30 cm + (ICP_up - ICP_sup)/"
          "rho_CSF g, ZPS = 30 cm + ICP_up/rho_CSF g; levels from the node heights of "
          "models/cerebral_venous.yaml. Magnaes: HIP between C6 and T5, ZPS in the upper cervical region.", "",
          "| state | ICP supine [mmHg] | ICP upright [mmHg] | HIP [cm] | HIP level | ZPS [cm] | ZPS level |",
          "|---|---|---|---|---|---|---|"]
    for key, lab in (("steady", "steady upright (healthy_upright)"), ("held", "tilt run, held (last cycle)")):
        if key in X["hydrostatics"]:
            s, u, hip, zps = X["hydrostatics"][key]
            L.append(f"| {lab} | {s:.2f} | {u:.2f} | {hip:.1f} | {vertebral_level(hip)} | {zps:.1f} | "
                     f"{vertebral_level(zps)} |")
    L += ["", "| target | compared | published | scenario | simulated | verdict | note |",
          "|---|---|---|---|---|---|---|"]
    L += [f"| {r['id']} | {r['what']} | {r['published']} | {r['scenario']} | {r['simulated']} | "
          f"{r['verdict']} | {r['note']} |" for r in rows]
    L += ["", "The two stroke-volume studies differ threefold (cervical SAS 0.65 ml, Enzmann & Pelc 1993; "
          "C2/C3 2.1 ml, Freiburg study): the model's single spinal compliance lies below the cervical "
          "canal, so its foramen-magnum flow is its flow at every cervical level. The Strbacko 2024 "
          "value is the lumbosacral sac with no significant intracranial change; the model's value is "
          "the whole sac, i.e. the CSF that left the cranium.", ""]
    if fig:
        L.append(f"![{fig}]({fig})")
    return L
