#!/usr/bin/env python3
"""Benchmarks of the engine on the published 1D cases (issue: engine performance).

For each case it runs `venoflow run` REPEAT times for CYCLES cardiac cycles and reports the
median wall time per simulated cycle (from the results file's `wall_time`, which excludes
start-up), the ratio to real time, unknowns, steps / RHS / Jacobian evaluations per cycle, and
the peak resident memory of the process (GNU time's maximum RSS, or getrusage of the child).
Figures go to stdout as a Markdown table and to bench/output/bench.md.

    .venv/bin/python bench/run_bench.py --build build/release [--cases 4,5,6] [--repeat 3]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py

ROOT = Path(__file__).resolve().parents[1]
# Resolution and tolerances per case. Case 4 at 16 cells per vessel (dx = 5.4 mm) and
# atol_flow = 1e-8 m^3/s meets every accuracy target of the validation (against FV and 3D:
# `run.py --cases 4 --set ...` with the same settings, README "Performance"); cases 5 and 6 have
# no reference waveforms: they use dx = 20 mm with the same tolerances. Mesh study for case 5
# (last cycle, mid-points of v1, v10, v20, v37, dx = 20 mm against dx = 1 mm): pressure RMS
# differences 0.13-0.52 %, flow 0.11-0.69 % (of peak), mean inlet pressure 0.08 %: inside the
# accuracy class that cases 2 and 4 must meet against the FV scheme (P 0.5 %, Q 1.5 %).
TOL = ["solver.atol_flow=1e-8 m^3/s"]
CASES = {
    "4": ("aortic bifurcation", "validation/benchmarks/aortic_bifurcation.yaml",
          TOL + [f"vessels.{v}.cells=16" for v in ("aorta", "iliac_1", "iliac_2")]),
    "5": ("37-artery network", "validation/benchmarks/network_37_arteries.yaml",
          TOL + ["discretisation.dx=20 mm"]),
    "6": ("ADAN56", "validation/benchmarks/adan56.yaml", TOL + ["discretisation.dx=20 mm"]),
    # The default cerebral venous model, healthy supine (issue: 10 cycles on one core), at 0D
    # (one cell per vessel) and at the 1D resolution of the physiological validation (dx 2 cm).
    "c0": ("cerebral venous model, 0D", "models/scenarios/healthy_supine.yaml",
           ["discretisation.lumped=true"]),
    "c1": ("cerebral venous model, 1D dx 2 cm", "models/scenarios/healthy_supine.yaml", []),
}
CYCLES = {"c0": 10, "c1": 10}  # per-case cycle counts (others: --cycles)


def run_once(cli, model, cycles, extra):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.h5"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cmd = [cli, "run", str(ROOT / model), "-o", str(out), "-q", "--cycles", str(cycles),
               "--set", "solver.stop_at_steady_state=false", "--set", "solver.keep_last_cycles=1"]
        for s in extra:
            cmd += ["--set", s]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with h5py.File(out) as f:
            a = {k: f.attrs[k] for k in ("wall_time", "steps", "rhs_evaluations",
                                          "jacobian_evaluations", "unknowns", "period",
                                          "cycles_completed")}
        a["rss_mb"] = max(rss_kb, before) / 1024.0
        return a


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--cases", default="4,5,6,c0,c1")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], help="extra --set for every run")
    args = ap.parse_args()
    cli = str(Path(args.build) / "venoflow")
    rows = ["| case | unknowns | wall s / cycle (median of %d) | x real time | steps / cycle | RHS / cycle | Jacobians / cycle | peak RSS MB |" % args.repeat,
            "|---|---|---|---|---|---|---|---|"]
    for c in args.cases.split(","):
        name, model, settings = CASES[c]
        cycles = CYCLES.get(c, args.cycles)
        runs = [run_once(cli, model, cycles, settings + args.set) for _ in range(args.repeat)]
        n = runs[0]["cycles_completed"] or cycles
        wall = statistics.median(r["wall_time"] for r in runs) / n
        T = float(runs[0]["period"])
        rows.append(f"| {c}: {name} | {int(runs[0]['unknowns'])} | {wall:.3f} | {T / wall:.2f} | "
                    f"{runs[0]['steps'] / n:.0f} | {runs[0]['rhs_evaluations'] / n:.0f} | "
                    f"{runs[0]['jacobian_evaluations'] / n:.1f} | {max(r['rss_mb'] for r in runs):.0f} |")
        print(rows[-1], flush=True)
    text = "\n".join(rows)
    print(text)
    outdir = ROOT / "bench" / "output"
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "bench.md").write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
