#!/usr/bin/env python3
"""Speed of the default cerebral venous model, healthy supine, 10 cardiac cycles on one core
(issue: cerebral venous outflow, performance), split into what a user pays for:

* **in memory** (Python API, the path of parameter studies): `venoflow.simulate(model, cycles=N)`
  on an already loaded model; includes building the numerical system from the model, the steady
  initialisation and the N cycles with their metrics. "Of which the run" is the run alone
  (`Simulation::run`: steady initialisation, cycles, metrics; the results' `wall_time`). The
  cost of one settled cycle is the difference quotient (t(10) - t(2)) / 8; the fixed cost is
  t(10) - 10 x that.
* **command line with a results file**: `venoflow run ... -o OUT.h5`, the whole process (start-up,
  YAML, HDF5 file with its ~400 objects), and the part of it inside the run (`wall_time`).

Medians of REPEAT runs (these machines are noisy). Writes bench/output/cerebral_speed.md.

    .venv/bin/python bench/cerebral_speed.py [--repeat 9] [--build build/release]
"""
import os

# numpy's OpenBLAS keeps a thread pool that spins on the other core after use; the runs here
# are single-threaded C++, so one BLAS thread keeps the measurement to one core.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "scenarios" / "healthy_supine.yaml"
RESOLUTIONS = {"0D (one cell per vessel)": ["discretisation.lumped=true"],
               "1D (dx 2 cm, validation resolution)": []}
FIXED = ["solver.stop_at_steady_state=false", "solver.keep_last_cycles=1"]


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def in_memory(settings, repeat):
    import venoflow as vf
    m = vf.load_model(str(MODEL))
    for s in FIXED + settings:
        k, v = s.split("=", 1)
        m.set(k, v)
    period = vf.simulate(m, cycles=1).period  # also warms up
    runs = []
    t10 = median_time(lambda: runs.append(vf.simulate(m, cycles=10).stats["wall_time"]), repeat)
    solve = statistics.median(runs)  # Simulation::run only: steady initialisation + cycles
    t2 = median_time(lambda: vf.simulate(m, cycles=2), repeat)
    cycle = (t10 - t2) / 8.0
    return period, t10, solve, cycle, t10 - 10 * cycle


def command_line(cli, settings, repeat):
    walls, procs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.h5"
        cmd = [cli, "run", str(MODEL), "-o", str(out), "-q", "--cycles", "10"]
        for s in FIXED + settings:
            cmd += ["--set", s]
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            procs.append(time.perf_counter() - t0)
            with h5py.File(out) as f:
                walls.append(float(f.attrs["wall_time"]))
    return statistics.median(walls), statistics.median(procs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    cli = str(Path(args.build) / "venoflow")
    rows = [f"Cerebral venous model, healthy supine, 10 cycles, one core; medians of {args.repeat}.",
            "",
            "| resolution | in memory: 10 cycles [ms] | x real time | of which the run [ms] | "
            "x real time | one settled cycle [ms] | x real time | fixed cost [ms] | "
            "CLI run incl. HDF5 [ms] | x real time | CLI process [ms] |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, settings in RESOLUTIONS.items():
        T, t10, solve, cyc, fixed = in_memory(settings, args.repeat)
        wall, proc = command_line(cli, settings, args.repeat)
        rows.append(f"| {name} | {t10 * 1e3:.1f} | {10 * T / t10:.0f} | {solve * 1e3:.1f} | "
                    f"{10 * T / solve:.0f} | {cyc * 1e3:.2f} | {T / cyc:.0f} | "
                    f"{fixed * 1e3:.1f} | {wall * 1e3:.1f} | {10 * T / wall:.0f} | "
                    f"{proc * 1e3:.0f} |")
        print(rows[-1], flush=True)
    text = "\n".join(rows)
    print(text)
    outdir = ROOT / "bench" / "output"
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "cerebral_speed.md").write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
