#!/usr/bin/env python3
"""Run the published 1D benchmark cases (Boileau et al. 2015, doi:10.1002/cnm.2732) with the
venoflow CLI and compare against the reference data in data/ (see README.md beside this file).

    run.py --cli build/release/venoflow [--python .venv/bin/python] [--cases 1,2,4,5,6]
           [--quick] [--out validation/benchmarks/output] [--set KEY=VALUE]... [--cycles N]

For each case: `venoflow run MODEL.yaml -o OUT.h5 [--set ...] [--cycles N | --t-end T]`, read the
results with h5py, extract the comparison points, compute the validation/benchmarks/METRICS.md tables against the FV 1D
and the 3D data, print Markdown, write OUT/report.md and PNG plots, check the acceptance levels.
Exit status: 0 if every check passes, 1 if any check fails, 2 on a usage/run error.

--quick: case 2 only, 20 cells, at most 6 cycles (for `make test`).
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import metrics as M  # noqa: E402

DATA = HERE / "data"

# ------------------------------------------------------------------ constants of the cases
# case 1 (data/single_pipe/SOURCE.md): c0 = sqrt(2 E h / (3 rho r0)), Z0 = rho c0 / A0
C1_E, C1_H, C1_RHO, C1_R0, C1_L = 400e3, 1.5e-3, 1050.0, 10e-3, 10.0
C1_C0 = math.sqrt(2 * C1_E * C1_H / (3 * C1_RHO * C1_R0))      # 6.172 m/s
C1_A0 = math.pi * C1_R0 ** 2
C1_Z0 = C1_RHO * C1_C0 / C1_A0                                  # 2.063e7 Pa s m^-3
C1_QPEAK, C1_TPEAK = 1e-6, 0.05
C1_PROBES = (2.5, 5.0, 7.5)

# acceptance levels (validation/benchmarks/METRICS.md "Suggested acceptance levels"; tune after the first runs)
ACC_FV_P_RMS = 0.005
ACC_FV_Q_RMS = 0.015
ACC_3D_FACTOR = 1.5
ACC_ARRIVAL = 0.005
ACC_REFLECTION = 0.02      # max |P| in the tube for t >= 1.8 s, relative to Z0 Q_peak
ACC_PERIODIC = 1e-3        # cycle-to-cycle change relative to the cycle range
C5_P_ESTIMATE = 11.7e3     # 52 ml/s x 2.25e8 Pa s m^-3 (data/network_37_arteries/SOURCE.md)
C5_BAND = 0.15
C6_RANGE = (70 * 133.322, 120 * 133.322)   # mean aortic pressure, physiological 70-120 mmHg


# ------------------------------------------------------------------ results file
def _truthy(v) -> bool:
    if isinstance(v, (bytes, np.bytes_)):
        v = v.decode()
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "y")
    if isinstance(v, np.ndarray):
        v = v.reshape(-1)[0] if v.size else 0
    return bool(v)


def _scalar(v):
    if isinstance(v, np.ndarray) and v.size == 1:
        v = v.reshape(-1)[0]
    if isinstance(v, (bytes, np.bytes_)):
        v = v.decode()
    if isinstance(v, np.generic):
        v = v.item()
    return v


@dataclass
class Results:
    path: Path
    time: np.ndarray
    attrs: dict
    vessels: dict = field(default_factory=dict)   # name -> dict(x, pressure, flow, area)
    nodes: dict = field(default_factory=dict)     # name -> dict(pressure)

    @property
    def complete(self) -> bool:
        return _truthy(self.attrs.get("complete", False))

    def period(self, fallback: float | None = None) -> float | None:
        p = self.attrs.get("period")
        try:
            p = float(p)
        except (TypeError, ValueError):
            p = None
        return p if p and p > 0 else fallback

    def sample(self, vessel: str, x: float, quantity: str) -> np.ndarray:
        """Time series of `quantity` at position x along `vessel`, linear in x between the two
        bracketing samples (equals the sample if one lies at x)."""
        v = self.vessels[vessel]
        xs = v["x"]
        data = v[quantity]
        if x <= xs[0]:
            return data[:, 0]
        if x >= xs[-1]:
            return data[:, -1]
        j = int(np.searchsorted(xs, x))
        x0, x1 = xs[j - 1], xs[j]
        if abs(x1 - x) < 1e-12:
            return data[:, j]
        w = (x - x0) / (x1 - x0)
        return (1 - w) * data[:, j - 1] + w * data[:, j]

    def mid_offset(self, vessel: str) -> float:
        """Distance from L/2 to the nearest x sample (0 when a vertex lies at the mid-point)."""
        xs = self.vessels[vessel]["x"]
        L = xs[-1] - xs[0]
        return float(np.min(np.abs(xs - (xs[0] + L / 2))))

    def waveform(self, vessel: str, where: str | float) -> M.Waveform:
        xs = self.vessels[vessel]["x"]
        if where == "mid":
            x = xs[0] + (xs[-1] - xs[0]) / 2
        elif where == "end":
            x = xs[-1]
        elif where == "start":
            x = xs[0]
        else:
            x = float(where)
        P = self.sample(vessel, x, "pressure")
        Q = self.sample(vessel, x, "flow")
        A = self.sample(vessel, x, "area")
        return M.Waveform(self.time.copy(), P, Q, np.sqrt(np.maximum(A, 0) / np.pi))


def _load_compact(f, res: Results) -> None:
    """Vessels and nodes of a compact results file (format 2): columns start..start+count of
    the (time, x) tables are one vessel."""
    v = f["vessels"]
    x = np.asarray(v["x"][...], dtype=float)
    tables = {q: np.asarray(v[q][...], dtype=float) for q in ("pressure", "flow", "area")}
    for name, s, n in zip(v["vessel"].asstr()[()], v["start"][()], v["count"][()]):
        res.vessels[name] = {"x": x[s:s + n], **{q: t[:, s:s + n] for q, t in tables.items()}}
    p = np.asarray(f["nodes/pressure"][...], dtype=float)
    for j, name in enumerate(f["nodes/node"].asstr()[()]):
        res.nodes[name] = {"pressure": p[:, j]}


def load_results(path: Path) -> Results:
    import h5py
    with h5py.File(path, "r") as f:
        attrs = {k: _scalar(v) for k, v in f.attrs.items()}
        res = Results(Path(path), np.asarray(f["time"][...], dtype=float), attrs)
        if int(attrs.get("format_version", 1)) == 2:  # compact layout (docs/results-format.md)
            _load_compact(f, res)
            return res
        for name, g in f.get("vessels", {}).items():
            res.vessels[name] = {k: np.asarray(g[k][...], dtype=float)
                                 for k in ("x", "pressure", "flow", "area") if k in g}
            for k in ("pressure", "flow", "area"):
                a = res.vessels[name].get(k)
                if a is not None and a.ndim == 1:
                    res.vessels[name][k] = a[:, None]
        for name, g in f.get("nodes", {}).items():
            if "pressure" in g:
                res.nodes[name] = {"pressure": np.asarray(g["pressure"][...], dtype=float)}
    return res


# ------------------------------------------------------------------ checks and report
@dataclass
class Check:
    case: str
    name: str
    ok: bool
    value: str

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  case {self.case}: {self.name}: {self.value}"


class Report:
    def __init__(self, out: Path):
        self.out = out
        self.md: list[str] = []
        self.checks: list[Check] = []

    def section(self, text: str):
        print(text)
        self.md.append(text)

    def check(self, case: str, name: str, ok: bool, value: str):
        c = Check(case, name, bool(ok), value)
        self.checks.append(c)
        print(c.line())

    def write(self):
        lines = ["# venoflow: published 1D benchmarks (Boileau et al. 2015)", ""]
        lines += self.md
        lines += ["", "## Acceptance checks", "", "| result | case | check | measured |",
                  "|---|---|---|---|"]
        lines += [f"| {'PASS' if c.ok else '**FAIL**'} | {c.case} | {c.name} | {c.value} |"
                  for c in self.checks]
        (self.out / "report.md").write_text("\n".join(lines) + "\n")


# ------------------------------------------------------------------ running the CLI
@dataclass
class RunSpec:
    case: str
    model: Path
    out_h5: Path
    sets: list[str]
    cycles: int | None = None
    t_end: str | None = None


def run_cli(cli: str, spec: RunSpec, log_dir: Path) -> tuple[bool, float, str]:
    cmd = [cli, "run", str(spec.model), "-o", str(spec.out_h5)]
    for s in spec.sets:
        cmd += ["--set", s]
    if spec.cycles is not None:
        cmd += ["--cycles", str(spec.cycles)]
    elif spec.t_end is not None:
        cmd += ["--t-end", spec.t_end]
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    log = log_dir / (spec.out_h5.stem + ".log")
    log.write_text("$ " + " ".join(cmd) + "\n--- stdout\n" + p.stdout + "\n--- stderr\n" + p.stderr)
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-15:]
        return False, dt, f"exit status {p.returncode}; see {log}\n" + "\n".join(tail)
    if not spec.out_h5.exists():
        return False, dt, f"no results file {spec.out_h5}"
    return True, dt, ""


def stats_line(res: Results, wall: float) -> str:
    keys = ("steps", "rhs_evaluations", "jacobian_evaluations", "cycles_completed", "wall_time")
    parts = [f"{k} = {res.attrs[k]}" for k in keys if k in res.attrs]
    parts.append(f"wall clock incl. start-up = {wall:.1f} s")
    return "Run statistics: " + ", ".join(parts) + "."


# ------------------------------------------------------------------ plotting
def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_locations(path: Path, title: str, period: float, sim: dict, fv: dict, b3d: dict,
                   shifts: dict):
    """sim/fv: {loc: Waveform over one cycle (phase)}, b3d: {loc: Waveform (3D time)}."""
    plt = _plt()
    locs = list(sim)
    fig, axes = plt.subplots(3, len(locs), figsize=(4.2 * len(locs), 8.5), squeeze=False)
    for j, loc in enumerate(locs):
        for i, (q, scale, unit) in enumerate((("P", 1e-3, "kPa"), ("Q", 1e6, "ml/s"),
                                              ("dr", 1e3, "mm"))):
            ax = axes[i][j]
            for w, lab, sty in ((sim[loc], "venoflow", "-"), (fv.get(loc), "FV 1D", "--")):
                if w is None:
                    continue
                y = getattr(w, q)
                if q == "dr":
                    y = y - y.min()
                o = np.argsort(w.t)
                ax.plot(w.t[o], y[o] * scale, sty, label=lab, lw=1.2)
            w = b3d.get(loc)
            if w is not None:
                ph = np.mod(w.t + shifts.get(loc, 0.0), period)
                o = np.argsort(ph)
                y = getattr(w, q)
                if q == "dr":
                    y = y - y.min()
                ax.plot(ph[o], y[o] * scale, ":", label="3D (Xiao 2014)", lw=1.5)
            ax.set_xlabel("cycle phase [s]")
            ax.set_ylabel(f"{q if q != 'dr' else 'Δr'} [{unit}]")
            if i == 0:
                ax.set_title(loc)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ case 1
def analyse_case1(res: Results, rep: Report, out: Path):
    rep.section("\n## Case 1: single pipe (analytic reference)\n")
    rep.section(f"c0 = {C1_C0:.4f} m/s, Z0 = {C1_Z0:.4e} Pa s m^-3, expected peak Z0 x 1e-6 m^3/s = "
                f"{C1_Z0 * C1_QPEAK:.2f} Pa.\n")
    v = next(iter(res.vessels)) if "pipe" not in res.vessels else "pipe"
    t = res.time
    rows = ["| x [m] | t_peak [s] | expected [s] | travel-time error | P peak [Pa] | P peak / (Z0 Q_peak) | Q peak / Q_peak |",
            "|---|---|---|---|---|---|---|"]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4))
    for x in (0.0,) + C1_PROBES + (C1_L,):
        P = res.sample(v, x, "pressure")
        Q = res.sample(v, x, "flow")
        k = int(np.argmax(P))
        tp = t[k]
        if 0 < k < len(t) - 1:   # parabolic refinement of the peak time
            y0, y1, y2 = P[k - 1], P[k], P[k + 1]
            den = y0 - 2 * y1 + y2
            if den != 0:
                tp = t[k] + 0.5 * (y0 - y2) / den * (t[k + 1] - t[k])
        expect = C1_TPEAK + x / C1_C0
        err = ((tp - C1_TPEAK) - x / C1_C0) / (x / C1_C0) if x > 0 else float("nan")
        rows.append(f"| {x:g} | {tp:.4f} | {expect:.4f} | "
                    f"{'—' if x == 0 else f'{100 * err:+.2f} %'} | {P.max():.3f} | "
                    f"{P.max() / (C1_Z0 * C1_QPEAK):.4f} | {Q.max() / C1_QPEAK:.4f} |")
        if x in C1_PROBES:
            rep.check("1", f"arrival time of the peak at x = {x:g} m within 0.5 % of x/c0",
                      abs(err) <= ACC_ARRIVAL, f"{100 * err:+.3f} % (t_peak {tp:.4f} s, expected {expect:.4f} s)")
        ax.plot(t, P, label=f"x = {x:g} m")
        ax.plot(t, C1_Z0 * C1_QPEAK * np.exp(-1e4 * (t - expect) ** 2), "k:", lw=0.8)
    ax.set_xlabel("t [s]")
    ax.set_ylabel("P [Pa]")
    ax.set_title("Case 1: pressure pulse (dotted: analytic Z0 Q_in(t - x/c0))")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "case1_single_pipe.png", dpi=110)
    plt.close(fig)
    rep.section("\n".join(rows) + "\n")
    late = t >= 1.8 - 1e-9
    if np.any(late):
        p_in = float(np.max(np.abs(res.sample(v, 0.0, "pressure")[late])))
        p_all = float(np.max(np.abs(res.vessels[v]["pressure"][late, :])))
        ref = C1_Z0 * C1_QPEAK
        rep.check("1", "no reflection: max |P| at the inlet for t >= 1.8 s (<= 2 % of Z0 Q_peak)",
                  p_in <= ACC_REFLECTION * ref, f"{p_in:.4f} Pa ({100 * p_in / ref:.2f} %)")
        rep.check("1", "no reflection: max |P| anywhere for t >= 1.8 s (<= 2 % of Z0 Q_peak)",
                  p_all <= ACC_REFLECTION * ref, f"{p_all:.4f} Pa ({100 * p_all / ref:.2f} %)")
    else:
        rep.check("1", "no reflection (needs t >= 1.8 s)", False, f"run ended at {t[-1]:.3f} s")


# ------------------------------------------------------------------ cases 2 and 4
CASE2_LOCS = [("CCA mid", "cca", "mid", "common_carotid/FV_carotid.dat",
               "common_carotid/B3D_commoncarotid.txt", M.CCA_3D_PHASE_SHIFT)]
CASE4_LOCS = [("aorta mid", "aorta", "mid", "aortic_bifurcation/FV_aorta-bif.dat",
               "aortic_bifurcation/B3D_AortaMid.txt", 0.0),
              ("junction", "aorta", "end", "aortic_bifurcation/FV_aorta_bif-bif.dat",
               "aortic_bifurcation/B3D_Junction.txt", 0.0),
              ("iliac mid", "iliac_1", "mid", "aortic_bifurcation/FV_iliac-bif.dat",
               "aortic_bifurcation/B3D_IliacMid.txt", 0.0)]


def analyse_fv3d_case(case: str, title: str, res: Results, locs, rep: Report, out: Path,
                      period_default: float = 1.1):
    rep.section(f"\n## Case {case}: {title}\n")
    period = res.period(period_default)
    sim_c, fv_c, b3d_w, shifts = {}, {}, {}, {}
    vs_fv, vs_3d, info3d = {}, {}, {}
    for label, vessel, where, fv_file, b3d_file, shift in locs:
        if where == "mid" and res.mid_offset(vessel) > 1e-9:
            rep.section(f"Note: no sample at the mid-point of {vessel} (nearest is "
                        f"{1e3 * res.mid_offset(vessel):.3f} mm away); linear interpolation in x.")
        w = M.waveform_last_cycle(res.waveform(vessel, where), period)
        sim_c[label] = w
        fv = M.waveform_last_cycle(M.load_reference(DATA / fv_file), period)
        fv_c[label] = fv
        b3d = M.load_reference(DATA / b3d_file)
        b3d_w[label] = b3d
        shifts[label] = shift
        vs_fv[label], _ = M.compare_cycle_to_reference(w, fv, period, 0.0)
        vs_3d[label], info3d[label] = M.compare_cycle_to_reference(w, b3d, period, shift)
        change = M.cycle_to_cycle_change(res.time, res.waveform(vessel, where).P, period)
        rep.section(f"{label}: cycle-to-cycle change of P {change:.2e} (relative to the cycle range); "
                    f"mean P {w.P.mean() / 1e3:.3f} kPa (FV {fv.P.mean() / 1e3:.3f} kPa); best-fit "
                    f"residual shift against 3D: P {1e3 * info3d[label]['best_shift_P']:+.0f} ms, "
                    f"Q {1e3 * info3d[label]['best_shift_Q']:+.0f} ms")
    rep.section("\n### Against the FV 1D reference (Boileau et al. 2015 supporting information)\n")
    rep.section(M.markdown_table(vs_fv))
    rep.section("### Against the 3D FSI reference (Xiao et al. 2014)" +
                (" (3D time t = cycle phase t + 0.058 s)" if case == "2" else "") + "\n")
    rep.section(M.markdown_table(vs_3d))
    rep.section("Yardstick: published FV scheme against 3D (validation/benchmarks/METRICS.md):\n")
    rep.section(M.markdown_table({k: {q: dict(zip(M.METRIC_NAMES[q], [v / 100 for v in vals]))
                                      for q, vals in M.PUBLISHED_YARDSTICK[k].items()}
                                  for k in vs_3d}))
    for label in vs_fv:
        e = vs_fv[label]
        rep.check(case, f"{label}: P RMS vs FV <= 0.5 %", e["P"]["RMS"] <= ACC_FV_P_RMS,
                  f"{M.pct(e['P']['RMS'])} %")
        rep.check(case, f"{label}: Q RMS vs FV <= 1.5 %", e["Q"]["RMS"] <= ACC_FV_Q_RMS,
                  f"{M.pct(e['Q']['RMS'])} %")
        for q in M.QUANTITIES:
            yard = M.PUBLISHED_YARDSTICK[label][q][0] / 100
            got = vs_3d[label][q]["RMS"]
            rep.check(case, f"{label}: {q} RMS vs 3D <= 1.5 x yardstick {100 * yard:.2f} %",
                      got <= ACC_3D_FACTOR * yard + 1e-12,
                      f"{M.pct(got)} % (limit {M.pct(ACC_3D_FACTOR * yard)} %)")
    plot_locations(out / f"case{case}_{'common_carotid' if case == '2' else 'aortic_bifurcation'}.png",
                   f"Case {case}: {title}", period, sim_c, fv_c, b3d_w, shifts)
    return sim_c, period


def analyse_case2(res: Results, rep: Report, out: Path):
    sim, period = analyse_fv3d_case("2", "common carotid artery", res, CASE2_LOCS, rep, out)
    # extras: P(inlet) - P(outlet) against the FV 5th column; mean pressure vs Q_mean (R1 + R2)
    v = res.vessels["cca"]
    dP = v["pressure"][:, 0] - v["pressure"][:, -1]
    ph, dPc, _ = M.last_cycle(res.time, dP, period)
    fvraw = M.load_reference(DATA / "common_carotid/FV_carotid.dat")
    fph, fdP, _ = M.last_cycle(fvraw.t, fvraw.dP, period)
    e = M.flow_errors(M.resample_periodic(ph, dPc, period, fph), fdP)
    rep.section(f"P(inlet) - P(outlet) against FV (normalised by its peak |dP|): RMS {M.pct(e['RMS'])} %, "
                f"MAX {M.pct(e['MAX'])} %.")
    p_est = 6.5e-6 * (2.4875e8 + 1.8697e9)
    rep.section(f"Mean mid-point pressure {sim['CCA mid'].P.mean() / 1e3:.3f} kPa; "
                f"Q_mean (R1 + R2) = {p_est / 1e3:.3f} kPa.")


def analyse_case4(res: Results, rep: Report, out: Path, res_zero: Results | None):
    sim, period = analyse_fv3d_case("4", "aortic bifurcation", res, CASE4_LOCS, rep, out)
    a, i1, i2 = (res.vessels[n]["flow"] for n in ("aorta", "iliac_1", "iliac_2"))
    scale = np.max(np.abs(a[:, -1]))
    mass = float(np.max(np.abs(a[:, -1] - i1[:, 0] - i2[:, 0])) / scale)
    rep.section(f"Junction mass balance from the output samples: max |Q_aorta(L) - Q_iliac1(0) - "
                f"Q_iliac2(0)| / max |Q_aorta(L)| = {mass:.2e} (informative: exact only if the "
                f"samples are the junction states).")
    if res_zero is not None:
        diffs = []
        for n in ("aorta", "iliac_1", "iliac_2"):
            d = res.vessels[n]
            z = res_zero.vessels.get(n)
            if z is None or z["pressure"].shape != d["pressure"].shape:
                diffs.append(float("inf"))
                continue
            diffs.append(float(np.max(np.abs(z["pressure"] - d["pressure"])) / np.max(d["pressure"])))
        dmax = max(diffs)
        rep.check("4", "diastolic and zero-pressure forms give identical results (max |dP|/max P <= 1e-4)",
                  dmax <= 1e-4, f"{dmax:.2e}")


# ------------------------------------------------------------------ cases 5 and 6
def _periodic_and_complete(case: str, res: Results, rep: Report, period: float, probes):
    rep.check(case, "run complete (root attribute `complete`)", res.complete,
              f"complete = {res.attrs.get('complete')!r}, t_end = {res.time[-1]:.3f} s")
    worst, where = 0.0, ""
    for vessel, pos in probes:
        c = M.cycle_to_cycle_change(res.time, res.waveform(vessel, pos).P, period)
        if not (c <= worst):
            worst, where = c, f"{vessel} {pos}"
    rep.check(case, f"periodic state: cycle-to-cycle change of P <= {ACC_PERIODIC:g} at every probe",
              worst <= ACC_PERIODIC, f"worst {worst:.2e} at {where}")


def analyse_case5(res: Results, rep: Report, out: Path, model: dict):
    rep.section("\n## Case 5: 37-artery network (no reference waveforms yet)\n")
    period = res.period(0.821)
    terms = [e["nodes"][0] for e in model.get("elements", []) if e.get("type") == "resistor"]
    term_vessels = [v["name"] for v in model["vessels"] if v["to"] in terms]
    probes = [("v1", "start")] + [(n, "end") for n in term_vessels]
    _periodic_and_complete("5", res, rep, period, probes)
    w = M.waveform_last_cycle(res.waveform("v1", "start"), period)
    pm = float(w.P.mean())
    rep.section(f"Inlet (v1, x = 0) last cycle: mean P {pm / 1e3:.3f} kPa, min {w.P.min() / 1e3:.3f}, "
                f"max {w.P.max() / 1e3:.3f} kPa; mean Q {w.Q.mean() * 1e6:.2f} ml/s. Estimate "
                f"Q_mean x R_total = {C5_P_ESTIMATE / 1e3:.1f} kPa (terminal resistances only; vessel "
                f"friction adds a few %).")
    rep.check("5", "mean inlet pressure within 15 % of 11.7 kPa", abs(pm / C5_P_ESTIMATE - 1) <= C5_BAND,
              f"{pm / 1e3:.3f} kPa ({100 * (pm / C5_P_ESTIMATE - 1):+.1f} %)")
    _plot_sites(out / "case5_network_37_arteries.png", "Case 5: 37-artery network, last cycle",
                res, period, probes[:6])


def analyse_case6(res: Results, rep: Report, out: Path, model: dict):
    rep.section("\n## Case 6: ADAN56 (no reference waveforms yet)\n")
    period = res.period(1.0)
    sites = ["aortic_arch_I", "thoracic_aorta_III", "abdominal_aorta_V", "common_carotid_R",
             "renal_R", "common_iliac_R", "internal_carotid_R", "radial_R", "internal_iliac_R",
             "posterior_interosseous_R", "femoral_R_I", "anterior_tibial_R"]
    present = [s for s in sites if s in res.vessels]
    missing = [s for s in sites if s not in res.vessels]
    if missing:
        rep.section(f"Sites of the benchmark's FVM files not found by name: {', '.join(missing)}.")
    probes = [(s, "mid") for s in present] + [("aortic_arch_I", "start")]
    _periodic_and_complete("6", res, rep, period, probes)
    w = M.waveform_last_cycle(res.waveform("aortic_arch_I", "start"), period)
    pm = float(w.P.mean())
    rt = 1.0 / sum(1.0 / (float(str(e["R1"]).split()[0]) + float(str(e["R2"]).split()[0]))
                   for e in model.get("elements", []) if e.get("type") == "windkessel3")
    rep.section(f"Aortic root (aortic_arch_I, x = 0) last cycle: mean P {pm / 1e3:.3f} kPa "
                f"({pm / 133.322:.1f} mmHg), {w.P.min() / 1e3:.2f}-{w.P.max() / 1e3:.2f} kPa; mean Q "
                f"{w.Q.mean() * 1e6:.1f} ml/s. Q_mean x (sum of terminal R1+R2 in parallel "
                f"{rt:.3e} Pa s m^-3) = {w.Q.mean() * rt / 1e3:.2f} kPa.")
    rows = ["| site (mid-point) | mean P [kPa] | P min-max [kPa] | mean Q [ml/s] |", "|---|---|---|---|"]
    for s in present:
        ws = M.waveform_last_cycle(res.waveform(s, "mid"), period)
        rows.append(f"| {s} | {ws.P.mean() / 1e3:.2f} | {ws.P.min() / 1e3:.2f}-{ws.P.max() / 1e3:.2f} | "
                    f"{ws.Q.mean() * 1e6:.2f} |")
    rep.section("\n".join(rows) + "\n")
    rep.check("6", "mean aortic pressure in 70-120 mmHg", C6_RANGE[0] <= pm <= C6_RANGE[1],
              f"{pm / 1e3:.3f} kPa = {pm / 133.322:.1f} mmHg")
    _plot_sites(out / "case6_adan56.png", "Case 6: ADAN56, last cycle, mid-points", res, period,
                [(s, "mid") for s in present])


def _plot_sites(path: Path, title: str, res: Results, period: float, probes):
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for vessel, pos in probes:
        w = M.waveform_last_cycle(res.waveform(vessel, pos), period)
        axes[0].plot(w.t, w.P / 1e3, label=f"{vessel} ({pos})", lw=1)
        axes[1].plot(w.t, w.Q * 1e6, lw=1)
    axes[0].set_ylabel("P [kPa]")
    axes[1].set_ylabel("Q [ml/s]")
    for ax in axes:
        ax.set_xlabel("cycle phase [s]")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ driver
CASES = {
    "1": ("single_pipe.yaml", "single_pipe"),
    "2": ("common_carotid.yaml", "common_carotid"),
    "4": ("aortic_bifurcation.yaml", "aortic_bifurcation"),
    "5": ("network_37_arteries.yaml", "network_37_arteries"),
    "6": ("adan56.yaml", "adan56"),
}

QUICK_SETS = ["vessels.cca.cells=20", "solver.max_cycles=6"]
QUICK_CYCLES = 6


def _load_model(path: Path) -> dict:
    import yaml
    return yaml.safe_load(path.read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True, help="path to the venoflow command-line program")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter for the helper scripts (consistency check of generated inputs)")
    ap.add_argument("--cases", default="1,2,4,5,6", help="comma-separated case numbers")
    ap.add_argument("--quick", action="store_true", help="case 2 only, coarse mesh, few cycles")
    ap.add_argument("--out", type=Path, default=HERE / "output")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="passed to every run (venoflow run --set)")
    ap.add_argument("--cycles", type=int, help="passed to every periodic run (venoflow run --cycles)")
    ap.add_argument("--reuse", action="store_true", help="analyse existing results files, do not run")
    a = ap.parse_args(argv)

    cases = ["2"] if a.quick else [c.strip() for c in a.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in CASES]
    if bad:
        print(f"unknown case(s) {bad}; available: {', '.join(CASES)}", file=sys.stderr)
        return 2
    if not a.reuse and not (Path(a.cli).exists() and os.access(a.cli, os.X_OK)):
        print(f"venoflow CLI not found or not executable: {a.cli}", file=sys.stderr)
        return 2
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    rep = Report(out)
    rep.section(f"Cases: {', '.join(cases)}{' (quick)' if a.quick else ''}. CLI: `{a.cli}`.")

    # generated inputs must match their generators
    for script, args in (("make_single_pipe_inflow.py", ["--check"]), ("convert_openbf.py", ["all", "--check"])):
        p = subprocess.run([a.python, str(HERE / script), *args], capture_output=True, text=True)
        rep.check("-", f"{script} {' '.join(args)}: committed inputs up to date", p.returncode == 0,
                  (p.stdout.strip().replace("\n", "; ") or p.stderr.strip()[-200:]) or "ok")

    for c in cases:
        model_file, stem = CASES[c]
        model = HERE / model_file
        sets = list(a.set) + (QUICK_SETS if a.quick else [])
        cycles = QUICK_CYCLES if a.quick else a.cycles
        spec = RunSpec(c, model, out / f"{stem}.h5", sets, None if c == "1" else cycles)
        try:
            ok, wall, msg = (True, float("nan"), "") if a.reuse else run_cli(a.cli, spec, out)
            if not ok:
                rep.check(c, f"venoflow run {model_file}", False, msg)
                continue
            res = load_results(spec.out_h5)
            if c == "1":
                analyse_case1(res, rep, out)
            elif c == "2":
                analyse_case2(res, rep, out)
            elif c == "4":
                res_zero = None
                spec0 = RunSpec(c, HERE / "aortic_bifurcation_zero_pressure.yaml",
                                out / "aortic_bifurcation_zero_pressure.h5", sets, cycles)
                ok0, _, msg0 = (True, 0, "") if a.reuse else run_cli(a.cli, spec0, out)
                if ok0:
                    res_zero = load_results(spec0.out_h5)
                else:
                    rep.check(c, "venoflow run aortic_bifurcation_zero_pressure.yaml", False, msg0)
                analyse_case4(res, rep, out, res_zero)
            elif c == "5":
                analyse_case5(res, rep, out, _load_model(model))
            elif c == "6":
                analyse_case6(res, rep, out, _load_model(model))
            if c in ("2", "4"):
                rep.check(c, "run complete (root attribute `complete`)", res.complete,
                          f"complete = {res.attrs.get('complete')!r}")
            rep.section(stats_line(res, wall))
        except Exception as exc:  # report and continue with the other cases
            import traceback
            traceback.print_exc()
            rep.check(c, "analysis", False, f"{type(exc).__name__}: {exc}")

    rep.write()
    n_fail = sum(not ch.ok for ch in rep.checks)
    print(f"\n{len(rep.checks) - n_fail} passed, {n_fail} failed; report: {out / 'report.md'}")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
