"""Side-by-side timing and accuracy of venoflow and its peers on equal linear 0D trees.

The networks, equations and parameters are in bench/peers/tree.py and bench/peers/README.md.
Every runner integrates the same tree over `--cycles` cycles from the same initial state and
returns the pressures at the inlet and every outlet over the last cycle (100 samples); they are
compared with a reference (CVODE through scikit-sundae at rtol 1e-10) and timed `--repeat`
times, the runners taking turns so that the ratios are formed pair by pair (run k of a peer over
run k of venoflow in memory) and their median reported. Run it pinned to one core:

    nice -n 10 taskset -c 1 .venv/bin/python bench/peers/run_peers.py --sizes 15,127

Peers: venoflow command line (whole process, with its HDF5 file), venoflow in memory (Python
API), scipy solve_ivp BDF with the analytic sparse Jacobian, CVODE (scikit-sundae) with a
Python right-hand side and the analytic sparse Jacobian (SuperLU_MT), svZeroDSolver when an
executable is found ($SVZERODSOLVER or `svzerodsolver` on PATH). A peer that is not installed
is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import warnings

warnings.filterwarnings("ignore", message="Custom sparse Jacobian approximation")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "python"))
import tree as tr  # noqa: E402

SAMPLES = 100  # per cycle


def sample_times(cycles: int) -> np.ndarray:
    return (cycles - 1) * tr.PERIOD + np.arange(SAMPLES + 1) * tr.PERIOD / SAMPLES


def peer_atol(t: tr.Tree, rtol: float) -> np.ndarray:
    """Absolute tolerances a careful user gives a peer: rtol times each state's typical size
    (pressures: the mean arterial pressure; flows: the vessel's share of the mean inflow)."""
    n = t.n
    gen = np.floor(np.log2(np.arange(1, n + 1)))
    a = np.empty(t.n_states)
    a[: n + 1] = t.p0
    a[n + 1: 2 * n + 1] = tr.Q_MEAN / 2.0 ** gen
    a[2 * n + 1:] = t.p0
    return rtol * a


# ---------------------------------------------------------------- runners
# Each returns (seconds, pressures (SAMPLES + 1, 1 + outlets) at the sample times).

class VenoflowCLI:
    name = "venoflow CLI (process, HDF5)"

    def __init__(self, cli, t, cycles, solver, tmp):
        self.cmd_base = [cli, "run"]
        self.t, self.cycles = t, cycles
        self.path = Path(tmp) / f"tree_{t.n}_{abs(hash(str(solver)))}.yaml"
        self.path.write_text(t.venoflow_yaml(cycles, SAMPLES, solver))
        self.out = Path(tmp) / f"tree_{t.n}.h5"

    def __call__(self):
        import venoflow as vf  # its reader: either results layout (docs/results-format.md)
        t0 = time.perf_counter()
        subprocess.run(self.cmd_base + [str(self.path), "-o", str(self.out), "-q"], check=True,
                       stdout=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        res = vf.open_results(self.out)
        p = np.stack([res.node_pressure[f"n{j}"] for j in tr.sample_nodes(self.t)], 1)
        return dt, pick(res.time, p, sample_times(self.cycles))


class VenoflowAPI:
    name = "venoflow in memory (Python API)"

    def __init__(self, t, cycles, solver, tmp):
        import venoflow as vf
        self.vf, self.t, self.cycles = vf, t, cycles
        path = Path(tmp) / f"tree_api_{t.n}_{abs(hash(str(solver)))}.yaml"
        path.write_text(t.venoflow_yaml(cycles, SAMPLES, solver))
        self.model = vf.load_model(str(path))
        self.last_stats = {}

    def __call__(self):
        t0 = time.perf_counter()
        r = self.vf.simulate(self.model)
        dt = time.perf_counter() - t0
        if not r.complete:
            raise RuntimeError(f"venoflow run failed: {r.error}")
        self.last_stats = r.stats
        p = np.stack([r.node_pressure[f"n{j}"] for j in tr.sample_nodes(self.t)], 1)
        return dt, pick(r.time, p, sample_times(self.cycles))


class ScipyBDF:
    name = "scipy solve_ivp BDF, sparse Jacobian"

    def __init__(self, t, cycles, rtol):
        self.t, self.cycles, self.rtol = t, cycles, rtol
        self.J = t.jacobian()
        self.atol = peer_atol(t, rtol)

    def __call__(self):
        from scipy.integrate import solve_ivp
        t0 = time.perf_counter()
        f = self.t.make_rhs()
        ns = self.t.n_states

        def fun(tt, y):
            yp = np.empty(ns)
            f(tt, y, yp)
            return yp

        s = solve_ivp(fun, (0.0, self.cycles * tr.PERIOD), self.t.y0(), method="BDF",
                      t_eval=sample_times(self.cycles), jac=self.J, rtol=self.rtol,
                      atol=self.atol)
        dt = time.perf_counter() - t0
        if not s.success:
            raise RuntimeError(s.message)
        return dt, s.y[tr.sample_nodes(self.t)].T


class SundaeCVODE:
    name = "CVODE (scikit-sundae), Python RHS, sparse Jacobian"

    def __init__(self, t, cycles, rtol, atol=None, max_order=5):
        self.t, self.cycles, self.rtol = t, cycles, rtol
        self.J = t.jacobian()
        self.atol = peer_atol(t, rtol) if atol is None else atol
        self.max_order = max_order

    def __call__(self):
        from sksundae.cvode import CVODE
        t0 = time.perf_counter()
        data = self.J.data

        def jacfn(tt, y, yp, JJ):
            JJ[:] = data

        solver = CVODE(self.t.make_rhs(), rtol=self.rtol, atol=self.atol, linsolver="sparse",
                       sparsity=self.J, jacfn=jacfn, max_num_steps=10 ** 7,
                       max_order=self.max_order)
        tspan = np.concatenate([[0.0], sample_times(self.cycles)])
        s = solver.solve(tspan, self.t.y0())
        dt = time.perf_counter() - t0
        if not s.success:
            raise RuntimeError(s.message)
        self.last_stats = {"rhs_evaluations": s.nfev, "jacobian_evaluations": s.njev}
        return dt, s.y[1:, tr.sample_nodes(self.t)]


class SvZeroD:
    name = "svZeroDSolver (1000 steps/cycle, process)"

    def __init__(self, exe, t, cycles, tmp):
        self.exe, self.t, self.cycles = exe, t, cycles
        self.inp = Path(tmp) / f"sv0d_{t.n}.json"
        self.inp.write_text(t.svzerod_json(cycles, 1000))
        self.out = Path(tmp) / f"sv0d_{t.n}.csv"

    def __call__(self):
        t0 = time.perf_counter()
        subprocess.run([self.exe, str(self.inp), str(self.out)], check=True,
                       stdout=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        # svZeroDSolver's CSV: name,time,flow_in,flow_out,pressure_in,pressure_out per block.
        import csv
        cols = {}
        with open(self.out) as fh:
            for row in csv.DictReader(fh):
                cols.setdefault(row["name"], []).append(
                    (float(row["time"]), float(row["pressure_in"])))
        want = sample_times(self.cycles)
        series = []
        for j in tr.sample_nodes(self.t):
            tt, pp = np.array(cols[f"c{j}"]).T
            series.append(np.interp(want, tt + (self.cycles - 1) * tr.PERIOD
                                    if tt.max() <= tr.PERIOD + 1e-9 else tt, pp))
        return dt, np.stack(series, 1)


def pick(tt, p, want):
    idx = np.searchsorted(tt, want - 1e-9)
    idx = np.minimum(idx, len(tt) - 1)
    if np.abs(tt[idx] - want).max() > 1e-9:
        raise RuntimeError("venoflow's output times are not the sample times")
    return p[idx]


def error(p, ref):
    """Largest deviation from the reference at the inlet and outlets over the last cycle, as
    a fraction of the reference's largest pressure."""
    return float(np.abs(p - ref).max() / np.abs(ref).max())


def find_svzerod():
    exe = os.environ.get("SVZERODSOLVER") or shutil.which("svzerodsolver")
    return exe if exe and os.access(exe, os.X_OK) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--sizes", default="15,127,1023", help="vessel counts, 2^k - 1")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--rtol", type=float, default=1e-6, help="peers' relative tolerance")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="venoflow solver setting, e.g. --set rtol=1e-7 (repeatable)")
    ap.add_argument("--skip", default="", help="comma-separated: cli,api,scipy,cvode,sv0d")
    ap.add_argument("--out", default=str(ROOT / "bench" / "output" / "peers.md"))
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    solver = dict(s.split("=", 1) for s in args.set)
    cli = str(Path(args.build) / "venoflow")
    sv0d = find_svzerod()
    notes = []
    if not sv0d:
        notes.append("svZeroDSolver: skipped (no executable: set $SVZERODSOLVER or put "
                     "`svzerodsolver` on PATH)")
    try:
        import sksundae  # noqa: F401
    except ImportError:
        skip.add("cvode")
        notes.append("CVODE via scikit-sundae: skipped (not installed)")
    for n in notes:
        print(n, flush=True)

    rows = []
    steps = {}  # N -> (venoflow steps, RHS, seconds per step, states[, CVODE-Python RHS])
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            depth = int(round(np.log2(n + 1)))
            if 2 ** depth - 1 != n:
                sys.exit(f"--sizes: {n} is not 2^k - 1")
            t = tr.Tree(depth)
            t0 = time.perf_counter()
            _, ref = SundaeCVODE(t, args.cycles, 1e-10, atol=peer_atol(t, 1e-10))()
            print(f"N = {n}: {t.n_states} states; reference in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            runners = {"api": VenoflowAPI(t, args.cycles, solver, tmp)}
            if "cli" not in skip:
                runners["cli"] = VenoflowCLI(cli, t, args.cycles, solver, tmp)
            if "scipy" not in skip:
                runners["scipy"] = ScipyBDF(t, args.cycles, args.rtol)
            if "cvode" not in skip:
                runners["cvode"] = SundaeCVODE(t, args.cycles, args.rtol)
            if sv0d and "sv0d" not in skip:
                runners["sv0d"] = SvZeroD(sv0d, t, args.cycles, tmp)
            runners["api"]()  # warm-up (imports, first-touch)
            times = {k: [] for k in runners}
            errs = {}
            for _ in range(args.repeat):
                for k, r in runners.items():
                    dt, p = r()
                    times[k].append(dt)
                    errs[k] = error(p, ref)
            base = times["api"]
            for k, r in runners.items():
                ratio = statistics.median(a / b for a, b in zip(times[k], base))
                rows.append((n, r.name, statistics.median(times[k]), ratio, errs[k]))
                print(f"  {r.name:55s} {statistics.median(times[k]) * 1e3:9.1f} ms  "
                      f"x{ratio:6.2f} of venoflow in memory  error {errs[k]:.1e}", flush=True)
            st = runners["api"].last_stats
            per_step = statistics.median(base) / st["steps"]
            print(f"  venoflow: {st.get('steps')} steps, {st.get('rhs_evaluations')} RHS, "
                  f"{st.get('jacobian_evaluations')} Jacobians, {per_step * 1e6:.1f} us per step",
                  flush=True)
            steps[n] = (st["steps"], st["rhs_evaluations"], per_step, st.get("unknowns", t.n_states))
            if "cvode" in runners:
                cs = runners["cvode"].last_stats
                print(f"  CVODE (scikit-sundae): {cs['rhs_evaluations']} RHS, "
                      f"{cs['jacobian_evaluations']} Jacobians", flush=True)
                steps[n] += (cs["rhs_evaluations"],)

    settings = ", ".join(f"{k}={v}" for k, v in solver.items()) or "defaults"
    lines = [f"Binary trees of N R-L vessels with distal compliances and an RCR at every outlet, "
             f"{args.cycles} cycles; medians of {args.repeat}, ratios pair by pair; venoflow at "
             f"{settings}, scipy and CVODE at rtol {args.rtol:g} with per-state atol "
             f"(bench/peers/README.md). Error: largest deviation of the inlet and outlet "
             f"pressures over the last cycle from the reference, relative to its peak.", ""]
    lines += [f"* {x}" for x in notes] + ([""] if notes else [])
    lines += ["| N | runner | time [ms] | time / venoflow in memory | error |",
              "|---|---|---|---|---|"]
    for n, name, dt, ratio, err in rows:
        lines.append(f"| {n} | {name} | {dt * 1e3:.1f} | {ratio:.2f} | {err:.1e} |")
    # Growth with N (goal 4): the exponent k of time ~ N^k between consecutive sizes, for every
    # runner, and venoflow's split of it into step count and cost per step.
    sizes = sorted(steps)
    if len(sizes) > 1:
        lines += ["", "Growth between consecutive sizes, as exponents k of N^k:", "",
                  "| N | " + " | ".join(sorted({r[1] for r in rows})) +
                  " | venoflow steps | venoflow time per step | CVODE-Python RHS evaluations |",
                  "|---|" + "---|" * (len({r[1] for r in rows}) + 3)]
        by = {(r[0], r[1]): r[2] for r in rows}
        for a, b in zip(sizes, sizes[1:]):
            k = lambda x, y: math.log(y / x) / math.log(b / a)  # noqa: E731
            cells = [f"{k(by[a, name], by[b, name]):.2f}" if (a, name) in by and (b, name) in by
                     else "" for name in sorted({r[1] for r in rows})]
            cv = (f"{k(steps[a][4], steps[b][4]):.2f}" if len(steps[a]) > 4 and len(steps[b]) > 4
                  else "")
            lines.append(f"| {a} to {b} | " + " | ".join(cells) +
                         f" | {k(steps[a][0], steps[b][0]):.2f} | "
                         f"{k(steps[a][2], steps[b][2]):.2f} | {cv} |")
        lines += ["", "| N | venoflow steps | RHS | time per step [us] | unknowns |",
                  "|---|---|---|---|---|"]
        for n in sizes:
            st = steps[n]
            lines.append(f"| {n} | {st[0]} | {st[1]} | {st[2] * 1e6:.1f} | {st[3]} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    json_out = out.with_suffix(".json")
    json_out.write_text(json.dumps([dict(zip(("n", "runner", "seconds", "ratio", "error"), r))
                                    for r in rows], indent=1))


if __name__ == "__main__":
    sys.exit(main())
