"""``python -m venoflow cohort|report|sensitivity ...``: the Python-side commands of venoflow.

The ``venoflow`` command itself is the C++ executable (run, check, schema ...); a virtual cohort
needs the Python layer (sampling, threads or Dask, Parquet), so it is a command of the Python
package instead of a subcommand of the C++ program (which would then depend on a Python
installation). Exit status: 0 success, 1 bad input (message on stderr), 2 usage error, 3 some
subjects (or sensitivity evaluations) failed (the table is written, failures recorded in it),
130 interrupted (finished subjects kept for resuming).
"""

from __future__ import annotations

import argparse
import sys


def _cohort(args) -> int:
    import venoflow as vf

    client = None
    if args.scheduler:
        from distributed import Client

        client = Client(args.scheduler)
    try:
        df = vf.cohort(args.spec, n=args.n, seed=args.seed, model=args.model,
                       method=args.method, cycles=args.cycles, workers=args.workers,
                       client=client, output=args.output, resume=not args.restart,
                       overwrite=args.overwrite, progress=not args.quiet)
    finally:
        if client is not None:
            client.close()
    failed = int(df.attrs.get("failed", 0))
    print(f"{args.output}: {len(df)} subjects, {failed} failed, seed {args.seed} "
          f"({df.attrs['spec_name']}, venoflow {df.attrs['venoflow_version']})")
    return 3 if failed else 0


def _report(args) -> int:
    import venoflow as vf

    df = vf.load_cohort(args.table)
    test, score = args.test, args.score
    if test not in df:
        crit = vf.metric_criteria(df)
        for c in crit:
            df[c] = crit[c]
        print(f"note: no {test!r} column (no virtual exam in this table): using C5m, the "
              "criterion the mean metrics decide (docs/cohort.md)")
        test, score = "C5m", "count_m"
    rel = vf.relevant_effect(df, sinus_mmHg=args.sinus_mmHg, icp_mmHg=args.icp_mmHg,
                             cbf_fall=args.cbf_fall)
    words = " or ".join(w for w, v in (
        (f">= {args.sinus_mmHg:g} mmHg sinus pressure rise", args.sinus_mmHg),
        (f">= {args.icp_mmHg:g} mmHg ICP rise", args.icp_mmHg),
        (f">= {100 * args.cbf_fall:g} % CBF fall", args.cbf_fall)) if v is not None)
    print(vf.study_report(df, test=test, score=score, relevant=rel,
                          case_fraction=args.case_fraction,
                          definition=words + ", supine or upright, against the same subject "
                          "without its anomalies"))
    return 0


def _sensitivity(args) -> int:
    import venoflow as vf

    client = None
    if args.scheduler:
        from distributed import Client

        client = Client(args.scheduler)
    outputs = [o.strip() for o in args.outputs.split(",") if o.strip()] if args.outputs else None
    try:
        res = vf.sensitivity(args.spec, n=args.n, seed=args.seed, model=args.model,
                             outputs=outputs, cycles=args.cycles, workers=args.workers,
                             client=client, convergence=not args.no_convergence,
                             output=args.output, resume=not args.restart,
                             overwrite=args.overwrite, progress=not args.quiet,
                             on_failure=args.on_failure)
    finally:
        if client is not None:
            client.close()
    if args.csv:
        res.indices.to_csv(args.csv)
    import pandas as pd

    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(res.indices.round(3).to_string())
    print(f"{args.output}: {res.evaluations} evaluations (N = {res.n}), {res.failed} failed")
    if res.dropped:
        print("blocks left out (of 2N or N): " + ", ".join(f"{k} {v}" for k, v in
                                                          res.dropped.items() if v))
    return 3 if res.failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m venoflow",
                                description="venoflow commands of the Python package")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cohort", help="draw and run a virtual cohort (docs/cohort.md)")
    c.add_argument("spec", nargs="?", default=None,
                   help="cohort file (default: the cohort shipped with the package)")
    c.add_argument("--model", help="model file (default: the cohort file's `model:`)")
    c.add_argument("-n", type=int, required=True, help="number of subjects")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--method", choices=["sobol", "lhs", "random"], default="sobol")
    c.add_argument("--cycles", type=int, default=None, help="cardiac cycles per run")
    c.add_argument("--workers", type=int, default=None, help="threads (default: CPU count)")
    c.add_argument("--scheduler", help="Dask scheduler address (run on that cluster)")
    c.add_argument("-o", "--output", required=True, help="Parquet table to write")
    c.add_argument("--restart", action="store_true",
                   help="ignore a partial file of an interrupted run (default: resume)")
    c.add_argument("--overwrite", action="store_true", help="replace a different cohort")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r = sub.add_parser("report", help="the spectrum-bias study of a cohort table")
    r.add_argument("table")
    r.add_argument("--test", default="ccsvi")
    r.add_argument("--score", default="count")
    r.add_argument("--sinus-mmHg", type=float, default=1.0)
    r.add_argument("--icp-mmHg", type=float, default=1.0)
    r.add_argument("--cbf-fall", type=float, default=0.05)
    r.add_argument("--case-fraction", type=float, default=0.25)
    g = sub.add_parser("sensitivity",
                       help="Sobol indices of a cohort's outputs to its parameters")
    g.add_argument("spec", nargs="?", default=None,
                   help="cohort file (default: the cohort shipped with the package)")
    g.add_argument("--model", help="model file (default: the cohort file's `model:`)")
    g.add_argument("-n", type=int, required=True, help="base sample N (a power of 2)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--outputs", help="comma-separated output columns (default: perfusion, "
                   "effects and criteria)")
    g.add_argument("--cycles", type=int, default=None, help="cardiac cycles per run")
    g.add_argument("--workers", type=int, default=None, help="threads (default: CPU count)")
    g.add_argument("--scheduler", help="Dask scheduler address (run on that cluster)")
    g.add_argument("--no-convergence", action="store_true",
                   help="N only, without the N-against-2N check")
    g.add_argument("-o", "--output", required=True,
                   help="Parquet table of the evaluations (resumable)")
    g.add_argument("--csv", help="also write the indices table to this CSV file")
    g.add_argument("--on-failure", choices=["nan", "drop"], default="nan",
                   help="failed evaluations make the indices NaN (default) or their base "
                   "point's block is left out")
    g.add_argument("--restart", action="store_true",
                   help="ignore a partial file of an interrupted run (default: resume)")
    g.add_argument("--overwrite", action="store_true", help="replace a different study")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    commands = {"cohort": _cohort, "report": _report, "sensitivity": _sensitivity}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("interrupted: finished subjects are kept; run the same command again to resume",
              file=sys.stderr)
        return 130
    except (ValueError, KeyError, FileNotFoundError, FileExistsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
