#!/usr/bin/env python
"""Cohort bench: wall time of a virtual cohort of the default specification over the default
cerebral model at 0D, both postures, each subject and its anomaly-free reference.

    .venv/bin/python bench/cohort_speed.py [-n 1000] [--workers 2] [--cycles N] [--dask]

Target (issue 14, 2-core machine): 1000 subjects x 2 postures at 0D in at most 10 minutes.
Each subject is 4 runs (2 postures, subject and reference); ``--cycles`` overrides the model's
run length (default: the model's, solver.cycles with its steady start). ``--dask`` runs on a
LocalCluster of ``--workers`` single-threaded processes instead of threads. Prints the wall
time, subjects per second, the median per-subject time, the failures (counted and their errors
grouped) and the projected time for 1000 subjects.
"""
import argparse
import os
import sys
import tempfile
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
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cycles", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args()

    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    client = cluster = None
    if args.dask:
        import distributed

        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        client = distributed.Client(cluster)
    out = Path(tempfile.mkdtemp()) / "bench_cohort.parquet"
    try:
        t0 = time.perf_counter()
        df = vf.cohort(None, n=args.n, seed=args.seed, model=model, cycles=args.cycles,
                       workers=args.workers, client=client, output=out, progress=False)
        wall = time.perf_counter() - t0
    finally:
        if client is not None:
            client.close()
            cluster.close()
    size = out.stat().st_size
    out.unlink()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{args.n} subjects x 2 postures (+ reference), 0D, cycles "
          f"{args.cycles or 'of the model'}, {'Dask' if args.dask else 'threads'} x "
          f"{args.workers}")
    print(f"  wall time:               {wall:8.1f} s   ({args.n / wall:.2f} subjects/s)")
    print(f"  per subject (median):    {df['wall_time'].median():8.3f} s (4 runs)")
    print(f"  projected 1000 subjects: {1000 * wall / args.n / 60:8.1f} min   (target <= 10)")
    print(f"  failed subjects:         {df.attrs['failed']}")
    for err, k in df["error"].dropna().str.slice(0, 120).value_counts().items():
        print(f"    {k} x {err}")
    print(f"  Parquet table:           {size / 1e6:.2f} MB, {df.shape[1]} columns")


if __name__ == "__main__":
    main()
