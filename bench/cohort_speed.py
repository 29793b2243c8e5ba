#!/usr/bin/env python
"""Cohort bench: throughput of a virtual cohort of the default specification over the default
cerebral model at 0D, both postures, each subject and its anomaly-free reference, on local
threads and on a Dask LocalCluster, for each worker count asked.

    .venv/bin/python bench/cohort_speed.py [-n 1000] [--workers 1 2] [--mode threads dask]
                                           [--cycles N] [--keep TABLE.parquet]

Target (issue 14, 2-core machine): 1000 subjects x 2 postures at 0D in at most 10 minutes,
throughput linear in the workers. Each subject is 4 perfusion runs (2 postures, subject and
reference) and the subject's virtual Doppler exam (4 runs); ``--cycles`` overrides the
perfusion runs' length (default: the model's, solver.cycles with its steady start). ``--mode
dask`` runs on a LocalCluster of single-threaded worker processes. For each mode and worker
count it prints the wall time, subjects per second, the CPU time per subject (this process and,
for Dask, its worker processes: on a shared machine the wall time follows the load, the CPU
time much less), the median per-subject wall time, the failures (counted and their
errors grouped) and the projected time for 1000 subjects; then the speed-up of each worker
count over the first.

``--mode serial`` runs the subjects one after the other on this thread, after one warm-up
subject, and prints the CPU time per subject: the cost of a subject alone. Under callgrind,
the difference of ``-n 2`` and ``-n 0`` over 2 is the instructions of a subject:

    valgrind --tool=callgrind .venv/bin/python bench/cohort_speed.py --mode serial -n 2
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


def _cpu() -> float:
    return time.process_time()


def one(model, n, seed, cycles, workers, mode, keep=None):
    """One cohort: (wall [s], CPU [s], table). ``keep``: write the table there (Parquet) instead
    of a temporary file (an existing table there is replaced: the bench times a full run)."""
    client = cluster = None
    if mode == "dask":
        import distributed

        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        client = distributed.Client(cluster)
        client.run(lambda: __import__("venoflow"))  # imports are not the cohort's time
    out = Path(keep) if keep else Path(tempfile.mkdtemp()) / "bench_cohort.parquet"
    if keep and out.exists():
        out.unlink()
    try:
        # this process (threads; the client, scheduler and table for Dask) and the workers
        cpu0 = _cpu() + (sum(client.run(_cpu).values()) if client else 0.0)
        t0 = time.perf_counter()
        df = vf.cohort(None, n=n, seed=seed, model=model, cycles=cycles, workers=workers,
                       client=client, output=out, progress=False)
        wall = time.perf_counter() - t0
        cpu = _cpu() + (sum(client.run(_cpu).values()) if client else 0.0) - cpu0
    finally:
        if client is not None:
            client.close()
            cluster.close()
    df.attrs["parquet_bytes"] = out.stat().st_size
    if not keep:
        out.unlink()
    return wall, cpu, df


def serial(model, n, seed, cycles):
    """n subjects on this thread after a warm-up one: CPU time [s]."""
    from venoflow._cohort import default_evaluate, run_subject

    sp = vf.load_cohort_spec()
    values = sp.sample(n + 1, seed)[sp.names].to_dict("records")
    tasks = [(sp.overrides(model, v), sp.overrides(model, v, reference=True)) for v in values]
    run_subject(model, *tasks[0], default_evaluate, cycles)
    cpu0 = _cpu()
    for o, r in tasks[1:]:
        row = run_subject(model, o, r, default_evaluate, cycles)
        if not row["complete"]:
            print(f"  failed: {row['error']}")
    return _cpu() - cpu0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--workers", type=int, nargs="+", default=[2])
    ap.add_argument("--mode", nargs="+", choices=["threads", "dask", "serial"],
                    default=["threads"])
    ap.add_argument("--dask", action="store_true", help="same as --mode dask")
    ap.add_argument("--cycles", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="TABLE.parquet",
                    help="keep the cohort table (one mode and worker count), e.g. for "
                    "`python -m venoflow report`")
    args = ap.parse_args()
    if args.keep and len(args.workers) * len([m for m in args.mode if m != "serial"]) > 1:
        ap.error("--keep takes one mode and one worker count")
    modes = ["dask"] if args.dask else args.mode

    model = vf.load_model(ROOT / "models/cerebral_venous.yaml")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"{args.n} subjects x 2 postures (+ reference, + exam), 0D, cycles "
          f"{args.cycles or 'of the model'}")
    for mode in modes:
        if mode == "serial":
            cpu = serial(model, args.n, args.seed, args.cycles)
            print(f"serial: CPU per subject {cpu / max(args.n, 1):.3f} s ({args.n} subjects)")
            continue
        rate = {}
        for w in args.workers:
            wall, cpu, df = one(model, args.n, args.seed, args.cycles, w, mode, args.keep)
            rate[w] = args.n / wall
            print(f"{mode} x {w}:")
            print(f"  wall time:               {wall:8.1f} s   ({rate[w]:.2f} subjects/s, "
                  f"{rate[w] / w:.2f} per worker)")
            print(f"  CPU per subject:         {cpu / args.n:8.3f} s   (load average "
                  f"{os.getloadavg()[0]:.2f})")
            print(f"  per subject (median):    {df['wall_time'].median():8.3f} s wall")
            print(f"  projected 1000 subjects: {1000 / rate[w] / 60:8.1f} min   (target <= 10)")
            print(f"  failed subjects:         {df.attrs['failed']}")
            for err, k in df["error"].dropna().str.slice(0, 120).value_counts().items():
                print(f"    {k} x {err}")
            print(f"  Parquet table:           {df.attrs['parquet_bytes'] / 1e6:.2f} MB, "
                  f"{df.shape[1]} columns")
        w0 = args.workers[0]
        for w in args.workers[1:]:
            print(f"  {mode}: {w} workers / {w0}: {rate[w] / rate[w0]:.2f}x "
                  f"(linear: {w / w0:.2f}x)")


if __name__ == "__main__":
    main()
