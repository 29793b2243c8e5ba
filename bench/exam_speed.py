#!/usr/bin/env python3
"""Speed of one virtual Doppler exam (docs/virtual-doppler.md) of the default cerebral model at
0D on one core (issue 13, item 7: under 1 s, median). One exam = four runs (supine/upright x
quiet/deep breathing), each from the steady initialisation to its periodic state or
exam.max_breaths breaths, then the scoring. Timed in memory through the Python API
(`venoflow.virtual_exam` on a loaded model: build, runs, scoring, the answer as pandas) and as
the whole command-line process (`venoflow exam`, start-up and YAML included).

Medians of REPEAT exams. Prints a small table (Markdown) and writes bench/output/exam_speed.md.

    .venv/bin/python bench/exam_speed.py [--repeat 5] [--build build/release]
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: no BLAS thread pool spinning

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "cerebral_venous.yaml"


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    args = ap.parse_args()

    import venoflow as vf

    m = vf.load_model(MODEL)
    m.set("discretisation.lumped", True)
    exam = vf.virtual_exam(m)  # warm-up, and the figures the exam reports
    breaths = {k: r.stats["cycles_completed"] for k, r in exam.results.items()}
    py, py_all = median_time(lambda: vf.virtual_exam(m), args.repeat)
    cli = Path(args.build) / "venoflow"
    cmd = [str(cli), "exam", str(MODEL), "--set", "discretisation.lumped=true"]
    proc, proc_all = median_time(lambda: subprocess.run(cmd, check=True, capture_output=True),
                                 args.repeat)
    lines = [
        "| exam of the default model, 0D, one core | median [s] | runs [s] |",
        "|---|---|---|",
        f"| Python `virtual_exam` (in memory) | {py:.3f} | "
        + ", ".join(f"{t:.3f}" for t in py_all) + " |",
        f"| `venoflow exam` (whole process) | {proc:.3f} | "
        + ", ".join(f"{t:.3f}" for t in proc_all) + " |",
        "",
        "Breaths run per recording: "
        + ", ".join(f"{p} {b}: {n}" for (p, b), n in breaths.items()) + ".",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "output"
    out.mkdir(exist_ok=True)
    (out / "exam_speed.md").write_text(text)


if __name__ == "__main__":
    main()
