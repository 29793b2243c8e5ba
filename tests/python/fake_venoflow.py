#!/usr/bin/env python3
"""Stand-in for `venoflow run MODEL.yaml -o OUT.h5 [--set K=V]... [--cycles N | --t-end T]` used
to test validation/benchmarks/run.py before the real CLI exists. It writes the documented results
layout (/time, /vessels/<name>/{x,pressure,flow,area} (nt,nx) SI, /nodes/<name>/pressure, root
attributes complete/period/steps/...) filled with *reference* data instead of a simulation:
case 1 the analytic travelling pulse, case 2 and 4 the FV 1D waveforms (same at every x, except the
aorta end = FV junction file), anything else a synthetic periodic waveform. Stores `complete` as
an int on purpose. Env FAKE_VENOFLOW_FAIL=1 makes it exit 3.
"""
import math
import os
import sys
from pathlib import Path

import h5py
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "validation" / "benchmarks" / "data"


def qty(s):
    """'126 mm' -> 0.126 (only the units the benchmark models use)."""
    if isinstance(s, (int, float)):
        return float(s)
    num, _, unit = str(s).partition(" ")
    f = {"": 1, "m": 1, "mm": 1e-3, "s": 1, "ms": 1e-3, "kPa": 1e3, "Pa": 1}[unit.strip()]
    return float(num) * f


def main(argv):
    assert argv[0] == "run", argv
    model_path = Path(argv[1])
    out = Path(argv[argv.index("-o") + 1])
    sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
    cycles = int(argv[argv.index("--cycles") + 1]) if "--cycles" in argv else None
    if os.environ.get("FAKE_VENOFLOW_FAIL"):
        print("fake failure", file=sys.stderr)
        return 3
    m = yaml.safe_load(model_path.read_text())
    s = m["solver"]
    period = qty(s["period"]) if "period" in s else 0.0
    cells = {}
    for kv in sets:
        k, v = kv.split("=", 1)
        parts = k.split(".")
        if parts[0] == "vessels" and parts[2] == "cells":
            cells[parts[1]] = int(v)
    if cycles is None:
        cycles = s.get("cycles")
    t_end = cycles * period if cycles else qty(s["t_end"])
    t = np.arange(int(round(t_end / 1e-3)) + 1) * 1e-3
    name = m["name"]
    with h5py.File(out, "w") as f:
        f["time"] = t
        for v in m["vessels"]:
            L = qty(v["length"])
            n = cells.get(v["name"], v.get("cells", max(1, round(L / 0.002))))
            x = np.linspace(0, L, n + 1)
            rad = v["radius"]
            r_ref = qty(rad["in"]) if isinstance(rad, dict) else qty(rad)
            if name == "single_pipe":
                c0 = math.sqrt(2 * 400e3 * 1.5e-3 / (3 * 1050 * 0.01))
                Z0 = 1050 * c0 / (math.pi * 1e-4)
                tau = t[:, None] - x[None, :] / c0
                Q = 1e-6 * np.exp(-1e4 * (tau - 0.05) ** 2)
                P = Z0 * Q
                A = np.pi * 1e-4 * (1 + P / (1050 * c0 ** 2))
            else:
                if name == "common_carotid":
                    ref = np.loadtxt(DATA / "common_carotid/FV_carotid.dat")
                elif name.startswith("aortic_bifurcation"):
                    fn = "FV_aorta-bif.dat" if v["name"] == "aorta" else "FV_iliac-bif.dat"
                    ref = np.loadtxt(DATA / "aortic_bifurcation" / fn)
                else:
                    ph = 2 * np.pi * t / period
                    ref = np.column_stack([t, 11.7 + 3 * np.sin(ph), 50 + 40 * np.sin(ph),
                                           0.1 * (1 + np.sin(ph)), 0 * t])
                # periodic extension of the reference's last cycle when the run is longer
                tr = ref[:, 0]
                k = int(np.floor((tr[-1] + 1e-3 + 1e-9) / period)) - 1
                sel = (tr >= k * period - 1e-9) & (tr < (k + 1) * period - 1e-9)
                cols = [np.interp(np.mod(t, period), tr[sel] - k * period, ref[sel, j], period=period)
                        for j in (1, 2, 3)]
                Pm, Qm, drm = cols[0] * 1e3, cols[1] * 1e-6, cols[2] * 1e-3
                P = np.repeat(Pm[:, None], x.size, 1)
                Q = np.repeat(Qm[:, None], x.size, 1)
                A = np.repeat((np.pi * (r_ref + drm) ** 2)[:, None], x.size, 1)
                if v["name"] == "aorta":
                    j = np.loadtxt(DATA / "aortic_bifurcation/FV_aorta_bif-bif.dat")
                    sel = (j[:, 0] >= k * period - 1e-9) & (j[:, 0] < (k + 1) * period - 1e-9)
                    jj = [np.interp(np.mod(t, period), j[sel, 0] - k * period, j[sel, c], period=period)
                          for c in (1, 2, 3)]
                    P[:, -1], Q[:, -1] = jj[0] * 1e3, jj[1] * 1e-6
                    A[:, -1] = np.pi * (r_ref + jj[2] * 1e-3) ** 2
            g = f.create_group(f"vessels/{v['name']}")
            g["x"] = x
            g["pressure"], g["flow"], g["area"] = P, Q, A
        nodes = {v["from"] for v in m["vessels"]} | {v["to"] for v in m["vessels"]}
        for nd in sorted(nodes):
            f[f"nodes/{nd}/pressure"] = np.zeros_like(t)
        f.attrs["complete"] = np.int32(1)
        f.attrs["period"] = period
        f.attrs["steps"] = 123
        f.attrs["rhs_evaluations"] = 456
        f.attrs["wall_time"] = 0.01
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
