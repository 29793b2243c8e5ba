#!/usr/bin/env python3
"""Behaviour snapshot for refactoring: every metric of every shipped scenario (0D and 1D) and of
the small benchmark cases, written to a JSON file, and a comparison of two such files.

A refactoring that must not change behaviour (the architecture issue: "every benchmark and
physiology figure identical to 1e-10 relative, or the difference explained") takes a snapshot
before and after and compares them:

    .venv/bin/python tests/tools/metrics_snapshot.py write before.json
    ... change the code, rebuild ...
    .venv/bin/python tests/tools/metrics_snapshot.py write after.json
    .venv/bin/python tests/tools/metrics_snapshot.py compare before.json after.json [--rtol 1e-10]

The comparison prints every metric whose relative difference exceeds rtol (with an absolute
floor for values that are zero up to round-off) and exits 1 if there is any.
"""
import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

# Runs: (label, model file, overrides, cycles; None = the model's own run length)
RUNS = []
for f in sorted((ROOT / "models" / "scenarios").glob("*.yaml")):
    RUNS.append((f"{f.stem}/0D", f, {"discretisation.lumped": "true"}, 5))
    RUNS.append((f"{f.stem}/1D", f, {}, 3))
for name in ("common_carotid", "aortic_bifurcation", "single_pipe"):
    f = ROOT / "validation" / "benchmarks" / f"{name}.yaml"
    if f.exists():
        # single_pipe has no period: its own t_end (cycles None)
        RUNS.append((f"bench/{name}", f, {"solver.stop_at_steady_state": "false"},
                     None if name == "single_pipe" else 1))


def write(path: str) -> None:
    import venoflow as vf

    out = {}
    for label, f, sets, cycles in RUNS:
        m = vf.load_model(f)
        if sets:
            m.update(sets)
        try:
            r = vf.simulate(m, cycles=cycles)
            out[label] = {k: float(v) for k, v in r.metrics.items()}
            out[label]["__steps"] = float(r.stats["steps"]) if "steps" in r.stats else math.nan
        except Exception as e:  # a failure is part of the behaviour too
            out[label] = {"__error": f"{type(e).__name__}: {e}"}
        print(f"{label}: {len(out[label])} values", file=sys.stderr)
    Path(path).write_text(json.dumps(out, indent=1, sort_keys=True))


def compare(a_path: str, b_path: str, rtol: float, atol: float) -> int:
    a = json.loads(Path(a_path).read_text())
    b = json.loads(Path(b_path).read_text())
    bad = 0
    for label in sorted(set(a) | set(b)):
        ma, mb = a.get(label, {}), b.get(label, {})
        for k in sorted(set(ma) | set(mb)):
            if k not in ma or k not in mb:
                print(f"{label}: {k} only in {'before' if k in ma else 'after'}")
                bad += 1
                continue
            x, y = ma[k], mb[k]
            if isinstance(x, str) or isinstance(y, str):
                if x != y:
                    print(f"{label}: {k}: {x!r} -> {y!r}")
                    bad += 1
                continue
            if math.isnan(x) and math.isnan(y):
                continue
            if abs(x - y) > rtol * max(abs(x), abs(y)) + atol:
                rel = abs(x - y) / max(abs(x), abs(y), 1e-300)
                print(f"{label}: {k}: {x!r} -> {y!r} (relative {rel:.2e})")
                bad += 1
    print(f"{bad} differences beyond rtol {rtol:g} (atol {atol:g})")
    return 1 if bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("path")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--rtol", type=float, default=1e-10)
    c.add_argument("--atol", type=float, default=1e-15)
    args = p.parse_args()
    if args.cmd == "write":
        write(args.path)
        return 0
    return compare(args.before, args.after, args.rtol, args.atol)


if __name__ == "__main__":
    sys.exit(main())
