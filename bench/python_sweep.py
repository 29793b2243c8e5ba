#!/usr/bin/env python
"""Python-layer bench: sweep throughput with 2 workers vs 1, and the per-variant overhead of the
Python layer over the C++ run, both measured in one run. Prints medians.

    .venv/bin/python bench/python_sweep.py [--variants 8] [--repeats 3] [--cycles 3]

Targets (2-core machine): speed-up >= 1.8x with 2 workers; Python overhead < 5 % per variant.
Overhead = (variant wall time in Python - C++ time) / C++ time, where the C++ time covers what
`venoflow run` does (build the model, discretise, integrate) and the Python time adds copying
the model, applying the overrides, handing over the arrays and collecting the metrics.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import venoflow as vf
except ImportError:  # source tree with the in-place module of `make build`
    sys.path.insert(0, str(ROOT / "python"))
    import venoflow as vf


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cycles", type=int, default=3)
    args = ap.parse_args()

    model = vf.load_model(ROOT / "validation/benchmarks/common_carotid.yaml")
    model.set("solver.stop_at_steady_state", False)
    radii = [f"{2.6 + 0.1 * i:.1f} mm" for i in range(args.variants)]
    grid = {"vessels.cca.radius": radii}
    vf.sweep(model, {"vessels.cca.radius": radii[:2]}, workers=2, cycles=1, progress=False)

    walls = {1: [], 2: []}
    overhead = []
    for _ in range(args.repeats):
        for workers in (1, 2):
            t0 = time.perf_counter()
            df = vf.sweep(model, grid, workers=workers, cycles=args.cycles, progress=False)
            walls[workers].append(time.perf_counter() - t0)
            assert df["error"].isna().all(), df["error"].dropna().tolist()
            if workers == 1:  # per-variant overhead without contention between threads
                overhead += ((df["wall_time"] - df["run_time"]) / df["run_time"]).tolist()
    t1, t2 = statistics.median(walls[1]), statistics.median(walls[2])
    cpp = statistics.median(df["run_time"])
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{args.variants} variants x {args.cycles} cycles, common_carotid, "
          f"median of {args.repeats} repeats")
    print(f"  C++ time per variant (median):      {cpp * 1e3:8.1f} ms")
    print(f"  1 worker:  {t1:6.2f} s  {args.variants / t1:6.2f} variants/s")
    print(f"  2 workers: {t2:6.2f} s  {args.variants / t2:6.2f} variants/s")
    print(f"  speed-up 2 vs 1 workers (median):   {t1 / t2:8.2f} x   (target >= 1.8)")
    print(f"  Python overhead per variant (median): {100 * statistics.median(overhead):6.2f} %"
          f"   (target < 5 %)")


if __name__ == "__main__":
    main()
