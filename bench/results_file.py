#!/usr/bin/env python3
"""Cost of the results file (issue 15, goals 3 and 5): the default cerebral model, 10 cycles, at 0D
(`discretisation.lumped`) and as shipped (1D).

* **time ratio**: the command-line run with its HDF5 file, the whole process (`venoflow run ...
  -o OUT.h5`: start-up, YAML, model build, run, file), over the same run in memory from Python
  (`venoflow.simulate(model, cycles=10)` on a loaded model: model build and run). The runs are
  timed in turn and the ratio is taken pair by pair; the median of the ratios is reported,
  with the medians of both times. At 0D once per layout (solver.results_layout groups and
  compact); as shipped (1D: 336 unknowns instead of 76, 202 positions along the vessels
  instead of 72, a 4.4 MB file instead of 1.8 MB) in the default compact layout. Both stop
  after 10 cycles (solver.stop_at_steady_state false).
  The command line twice: writing a new file (the previous one removed before, untimed), and
  replacing the file of its previous run. Replacing also deletes the old file, in the rename:
  on a file system mounted with online discard (ext4 `-o discard`, as on the machines where
  this was written) that deletion waits for the device to discard the old file's blocks,
  about 2 ms per MB, which is the file system's price of `rm`, not the run's.
* **peak memory**: the peak resident set of the command-line process at 10 and at 100 cycles,
  per layout: a writer that streams has the same peak at both lengths. The same for a Python
  process running `simulate(model, cycles=N)` with every sample kept, and with
  `keep_last_cycles=1`. With `--tree DEPTH`, also the command line on a generated binary tree of
  2^DEPTH - 1 vessels (bench/tree_model.py) at 2 and 8 cycles (DEPTH 13: N = 8191, about a
  minute per run in the compact layout, several in groups).

Writes bench/output/results_file.md.

    .venv/bin/python bench/results_file.py [--repeat 9] [--build build/release]
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as bench/cerebral_speed.py

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/tree_model.py
MODEL = ROOT / "models" / "cerebral_venous.yaml"
SETTINGS = ["discretisation.lumped=true", "solver.stop_at_steady_state=false"]
LAYOUTS = ["groups", "compact"]
# (name, settings, layouts): the 0D reduction, and the model as shipped (1D).
CASES = [("0D", SETTINGS, LAYOUTS), ("1D", ["solver.stop_at_steady_state=false"], ["compact"])]


def cli_command(cli, out, cycles, layout, settings=SETTINGS):
    cmd = [cli, "run", str(MODEL), "-q", "-o", str(out), "--cycles", str(cycles)]
    for s in settings + [f"solver.results_layout={layout}"]:
        cmd += ["--set", s]
    return cmd


def run_cli(cmd, rss=False):
    """Wall time [s] of one command-line run, or with `rss` its peak resident memory [bytes],
    measured by GNU time (/usr/bin/time): its own small process forks the program, whereas the
    ru_maxrss of a child forked from Python would count Python's pages before the exec."""
    with tempfile.NamedTemporaryFile("r") as peak:
        wrap = ["/usr/bin/time", "-f", "%M", "-o", peak.name] if rss else []
        t0 = time.perf_counter()
        done = subprocess.run(wrap + cmd, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}")
        return int(peak.read().split()[-1]) * 1024 if rss else wall


PYTHON_RUN = """
import sys
sys.path.insert(0, {python!r})
import venoflow as vf
m = vf.load_model({model!r}).update({{"discretisation.lumped": True,
                                      "solver.stop_at_steady_state": False}})
keep = {keep!r}
r = vf.simulate(m, cycles={cycles}, **({{}} if keep is None else {{"keep_last_cycles": keep}}))
"""


def python_peak(cycles, keep):
    """Peak resident memory [bytes] of a Python process that runs the model in memory."""
    code = PYTHON_RUN.format(python=str(ROOT / "python"), model=str(MODEL), keep=keep,
                             cycles=cycles)
    return run_cli([sys.executable, "-c", code], rss=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--tree", type=int, default=0, metavar="DEPTH",
                    help="also the peak memory on a binary tree of 2^DEPTH - 1 vessels")
    args = ap.parse_args()
    cli = str(Path(args.build) / "venoflow")
    sys.path.insert(0, str(ROOT / "python"))
    import venoflow as vf

    rows = [f"Default cerebral model, 10 cycles; medians of {args.repeat} rounds.", "",
            "| model | layout | in memory (Python) [ms] | CLI, new file [ms] | ratio | "
            "CLI, replacing its file [ms] | ratio | CLI peak RSS, 10 cycles [MB] | "
            "100 cycles [MB] |",
            "|---|---|---|---|---|---|---|---|---|"]
    for case, settings, layouts in CASES:
        model = vf.load_model(str(MODEL))
        for s in settings:
            k, v = s.split("=", 1)
            model.set(k, v)
        vf.simulate(model, cycles=10)  # warm-up
        with tempfile.TemporaryDirectory() as tmp:
            new_out, old_out = Path(tmp) / "new.h5", Path(tmp) / "run.h5"
            for layout in layouts:
                new_cmd = cli_command(cli, new_out, 10, layout, settings)
                old_cmd = cli_command(cli, old_out, 10, layout, settings)
                run_cli(old_cmd)  # warm-up (page cache), and the file the next run replaces
                mem, new, old, new_ratio, old_ratio = [], [], [], [], []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    vf.simulate(model, cycles=10)
                    mem.append(time.perf_counter() - t0)
                    new_out.unlink(missing_ok=True)
                    new.append(run_cli(new_cmd))
                    old.append(run_cli(old_cmd))
                    new_ratio.append(new[-1] / mem[-1])
                    old_ratio.append(old[-1] / mem[-1])
                rss10 = run_cli(new_cmd, rss=True)
                rss100 = run_cli(cli_command(cli, new_out, 100, layout, settings), rss=True)
                med = statistics.median
                rows.append(f"| {case} | {layout} | {med(mem) * 1e3:.1f} | {med(new) * 1e3:.1f} | "
                            f"{med(new_ratio):.2f} | {med(old) * 1e3:.1f} | "
                            f"{med(old_ratio):.2f} | {rss10 / 1e6:.1f} | {rss100 / 1e6:.1f} |")
                print(rows[-1], flush=True)
    rows += ["", "| Python `simulate` | 10 cycles: peak RSS [MB] | 100 cycles [MB] |", "|---|---|---|"]
    for keep in (None, 1):
        peaks = [python_peak(c, keep) for c in (10, 100)]
        rows.append(f"| {'every sample' if keep is None else 'keep_last_cycles=1'} | "
                    f"{peaks[0] / 1e6:.1f} | {peaks[1] / 1e6:.1f} |")
        print(rows[-1], flush=True)
    if args.tree:
        rows += ["", f"| binary tree, {2 ** args.tree - 1} vessels, 0D | 2 cycles: CLI peak RSS [MB] "
                 "| 8 cycles [MB] |", "|---|---|---|"]
        with tempfile.TemporaryDirectory() as tmp:
            model_file = Path(tmp) / "tree.yaml"
            from tree_model import tree_yaml
            model_file.write_text(tree_yaml(args.tree))
            for layout in LAYOUTS:
                peaks = []
                for cycles in (2, 8):
                    cmd = [cli, "run", str(model_file), "-q", "-o", str(Path(tmp) / "t.h5"),
                           "--cycles", str(cycles), "--set", f"solver.results_layout={layout}"]
                    peaks.append(run_cli(cmd, rss=True))
                rows.append(f"| {layout} | {peaks[0] / 1e6:.0f} | {peaks[1] / 1e6:.0f} |")
                print(rows[-1], flush=True)
    text = "\n".join(rows)
    print(text)
    outdir = ROOT / "bench" / "output"
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "results_file.md").write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
