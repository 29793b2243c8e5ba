"""Run-level range checks and resource limits (numerics/run_plan.cpp), through the command line
and the Python API. Sample counts and values per sample are worked out here by hand (the
values from what a short run actually writes), not taken from the code under test.

Uses the CLI given by VENOFLOW_CLI (ctest sets it)."""
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import pytest

import venoflow as vf

CLI = os.environ.get("VENOFLOW_CLI")
ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
CAROTID = ROOT / "validation/benchmarks/common_carotid.yaml"  # T = 1.1 s, keep_last_cycles 2
PIPE = ROOT / "validation/benchmarks/single_pipe.yaml"  # no period, 1 vessel, 1 resistor
needs_cli = pytest.mark.skipif(not CLI, reason="VENOFLOW_CLI not set (ctest sets it)")


def cli(*args, **kw):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, **kw)


def values_per_sample(path):
    """(numbers per output instant in a results file: the row width of every time series,
    number of time axes: the root's and one per vessel, node and element group)."""
    total = times = 0

    def visit(name, obj):
        nonlocal total, times
        if isinstance(obj, h5py.Dataset) and obj.ndim >= 1 and obj.maxshape[0] is None:
            total += 1 if obj.ndim == 1 else obj.shape[1]
            times += name.split("/")[-1] == "time"

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return total, times


@pytest.fixture(scope="module")
def carotid_counts(tmp_path_factory):
    out = tmp_path_factory.mktemp("v") / "short.h5"
    vf.simulate(vf.load_model(CAROTID), t_end=0.003, output=out)
    return values_per_sample(out)


@pytest.fixture(scope="module")
def carotid_values(carotid_counts):
    """Values per sample of the carotid benchmark, counted in a 3 ms run's file."""
    return carotid_counts[0]


def fig(n):
    return f"{n:,}"


# ---- range checks of the run length ----

@needs_cli
@pytest.mark.parametrize("option,value", [
    ("--cycles", "4294967297"), ("--cycles", "0"), ("--cycles", "-3"), ("--cycles", "2.5"),
    ("--t-end", "inf"), ("--t-end", "nan"), ("--t-end", "-1"), ("--t-end", "0 s")])
def test_cli_run_length_out_of_range(tmp_path, option, value):
    out = tmp_path / "r.h5"
    r = cli("run", CAROTID, "-q", "-o", out, option, value)
    assert r.returncode == 1, r.stderr
    assert f"error: {option}:" in r.stderr
    assert not list(tmp_path.iterdir())  # nothing left behind


@pytest.mark.parametrize("kw,text", [
    (dict(t_end=float("inf")), "t_end must be a finite time > 0"),
    (dict(t_end=float("nan")), "t_end must be a finite time > 0"),
    (dict(t_end=-1.0), "t_end must be a finite time > 0"),
    (dict(cycles=2**32 + 1), "cycles must be a whole number from 1 to 2147483647"),
    (dict(cycles=0), "cycles must be a whole number"),
    (dict(cycles=True), "cycles must be a whole number"),
    (dict(cycles=2.5), "cycles must be a whole number")])
def test_python_run_length_out_of_range(kw, text):
    model = vf.load_model(CAROTID)
    with pytest.raises(ValueError, match=re.escape(text)):
        vf.simulate(model, **kw)
    study = None
    with pytest.raises(ValueError, match=re.escape(text)):
        study = vf.sweep(model, {"solver.rtol": [1e-6]}, progress=False, **kw)
    assert study is None


def test_python_huge_t_end_is_counted_not_wrapped():
    # 1e300 s every 1 ms: 1e303 output steps, more than 2^53 (the old code ran 0.001 s)
    with pytest.raises(ValueError, match=re.escape("1.00e+303 output samples")):
        vf.simulate(vf.load_model(CAROTID), t_end=1e300)


# ---- results size ----

@needs_cli
def test_cli_tiny_output_interval_refused_with_figures(tmp_path, carotid_values):
    # 1e-12 s in a period of 1.1 s: 1.1e12 samples per period (int(lround) wrapped to one per
    # cycle); keep_last_cycles 2 keeps 2 periods + 1 sample.
    samples = 2 * round(1.1 / 1e-12) + 1
    size_pb = samples * carotid_values * 8 / 1e15
    out = tmp_path / "r.h5"
    out.write_bytes(b"an earlier results file")
    t0 = time.perf_counter()
    r = cli("run", CAROTID, "-q", "-o", out, "--set", "solver.output_interval=1e-12 s")
    assert time.perf_counter() - t0 < 2.0  # refused before anything is allocated
    assert r.returncode == 1
    assert f"{fig(samples)} samples x {fig(carotid_values)} values" in r.stderr, r.stderr
    assert f"{size_pb:.3g} PB of results" in r.stderr, r.stderr
    assert "solver.max_output_size = 4 GB" in r.stderr
    # the existing file is untouched and nothing else is left behind
    assert list(tmp_path.iterdir()) == [out] and out.read_bytes() == b"an earlier results file"


def test_python_output_interval_1e7_refused_with_figures(carotid_values):
    # Python keeps every sample in memory; without keep_last_cycles, 2 cycles of 1.1 s at 0.1 us
    model = vf.load_model(CAROTID).update({"solver.output_interval": "1e-7 s",
                                          "solver.keep_last_cycles": 0})
    samples = 2 * round(1.1 / 1e-7) + 1
    with pytest.raises(ValueError) as e:
        vf.simulate(model, cycles=2)
    msg = str(e.value)
    assert f"{fig(samples)} samples x {fig(carotid_values)} values" in msg, msg
    assert f"{samples * carotid_values * 8 / 1e9:.3g} GB of results" in msg, msg


# ---- memory ----

@needs_cli
def test_cli_hundred_million_cells_refused_fast(tmp_path):
    # The loader's per-vessel cap (10^6 cells) refuses it at its key, before anything is built.
    t0 = time.perf_counter()
    r = cli("run", PIPE, "-q", "-o", tmp_path / "r.h5", "--set", "vessels.pipe.cells=100000000")
    assert time.perf_counter() - t0 < 2.0
    assert r.returncode == 1
    assert "vessels.pipe.cells" in r.stderr and "1000000" in r.stderr, r.stderr


@needs_cli
def test_cli_million_cells_over_a_memory_limit_refused_fast(tmp_path):
    # Within the cap, the memory limit refuses the run before the system is built.
    t0 = time.perf_counter()
    sets = ["--set", "vessels.pipe.cells=1000000", "--set", "solver.max_memory=100 MB"]
    r = cli("run", PIPE, "-q", "-o", tmp_path / "r.h5", *sets)
    assert time.perf_counter() - t0 < 2.0
    assert r.returncode == 1
    # 2 x 1e6 - 1 vessel unknowns, 8 allowed for the resistor, 2 per node (3 nodes)
    assert f"{fig(2 * 10**6 - 1 + 8 + 6)} unknowns" in r.stderr, r.stderr
    assert "solver.max_memory = 100 MB" in r.stderr
    c = cli("check", PIPE, *sets)
    assert c.returncode == 1 and "solver.max_memory" in c.stderr


def test_python_memory_limit_counts_in_memory_results(carotid_counts):
    # 3 cycles, every sample kept by the Python results (keep_last_cycles 0)
    model = vf.load_model(CAROTID).update({"solver.keep_last_cycles": 0,
                                          "solver.max_memory": "4 MB"})
    samples = 3 * round(1.1 / 1e-3) + 1
    with pytest.raises(ValueError) as e:
        vf.simulate(model, cycles=3)
    msg = str(e.value)
    # the Python arrays: every value of the file but the per-group time axes (one time axis)
    values, times = carotid_counts
    assert f"results in memory {samples * (values - times + 1) * 8 / 1e6:.3g} MB" in msg, msg
    assert f"({fig(samples)} samples x" in msg
    assert "limit solver.max_memory = 4 MB" in msg


def _estimate(msg):
    m = re.search(r"need(?:s)? about ([0-9.]+) (B|kB|MB|GB|TB)", msg)
    assert m, msg
    return float(m.group(1)) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}[m.group(2)]


def test_python_run_near_but_below_the_limit_proceeds():
    """Raise solver.max_memory to 1 % above the estimate the refusal states: the run proceeds;
    1 % below it, it is refused (the figure has 3 significant digits: +-0.5 %)."""
    model = vf.load_model(CAROTID).update({"solver.max_memory": 1})
    estimate = None
    for _ in range(3):  # the state check, then the whole run's estimate
        try:
            res = vf.simulate(model, cycles=1)
            break
        except ValueError as e:
            estimate = _estimate(str(e))
            model.set("solver.max_memory", f"{1.01 * estimate:.0f}")
    else:
        pytest.fail("still refused")
    assert res.time.size == round(1.1 / 1e-3) + 1
    model.set("solver.max_memory", f"{0.99 * estimate:.0f}")
    with pytest.raises(ValueError, match="solver.max_memory"):
        vf.simulate(model, cycles=1)


@needs_cli
def test_cli_check_prints_the_estimate(carotid_values):
    r = cli("check", CAROTID)
    assert r.returncode == 0
    samples = 2 * round(1.1 / 1e-3) + 1  # keep_last_cycles 2
    assert f"results" in r.stdout and f"{fig(samples)} samples x {fig(carotid_values)} values" in r.stdout
    assert "limit solver.max_memory = 8 GB" in r.stdout


@needs_cli
@pytest.mark.parametrize("layout,values", [
    # a time axis per vessel, node and element group: 1 + (1 + 3 x 2001) + 3 nodes x 2
    # + (1 + 2 outputs) of the resistor
    ("groups", "6,014"),
    # /time and its copies in vessels, nodes, elements: 4 + 3 x 2001 + 3 nodes + 2 outputs
    ("compact", "6,012"),
])
def test_results_size_estimate_matches_the_file(tmp_path, layout, values):
    """The stated results size against the file a run writes (single_pipe, 0.2 s: 201
    samples of 6,014 values in the groups layout, 6,012 in the compact one)."""
    c = cli("check", PIPE, "--set", "solver.t_end=0.2 s", "--set", f"solver.results_layout={layout}")
    m = re.search(rf"results ([0-9.]+) MB \(201 samples x {values} values", c.stdout)
    assert m, c.stdout
    out = tmp_path / "p.h5"
    r = cli("run", PIPE, "-q", "-o", out, "--t-end", "0.2", "--set",
            f"solver.results_layout={layout}")
    assert r.returncode == 0, r.stderr
    size = out.stat().st_size
    assert 0.9 * size <= float(m.group(1)) * 1e6 <= 1.2 * size, (m.group(1), size)


_RSS_SCRIPT = textwrap.dedent("""
    import re, sys, venoflow as vf
    def hwm():
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024
    model = vf.load_model(sys.argv[1]).update({"vessels.pipe.cells": 20000,
                                               "solver.output_interval": "0.1 ms"})
    vf.simulate(model, t_end=0.0002)   # warm-up: libraries and first allocations
    base = hwm()
    limit, message = 1, ""
    while "results in memory" not in message:  # the state check first, then the run's estimate
        try:
            vf.simulate(model.copy().set("solver.max_memory", limit), t_end=0.02)
            sys.exit("not refused")
        except ValueError as e:
            message = str(e)
            m = re.search(r"about ([0-9.]+) (kB|MB|GB)", message)
            limit = f"{1.01 * float(m.group(1))} {m.group(2)}"
    res = vf.simulate(model, t_end=0.02)
    print(base, hwm(), res.time.size)
    print(message)
""")


def test_memory_estimate_against_peak_rss():
    """Estimate vs measured peak RSS (VmHWM) of a moderate in-memory run in a fresh process:
    single_pipe at 20,000 cells (40,003 unknowns), 0.02 s at 0.1 ms = 201 samples of 60,005
    values kept (96 MB). Stated factor: measured growth within [0.5, 2] x the estimate."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(vf.__file__).parents[1]),
                                         env.get("PYTHONPATH", "")])
    r = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(PIPE)], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.strip().split("\n", 1)
    base, peak, nt = map(int, first.split())
    assert nt == 201
    estimate = _estimate(second)
    grown = peak - base
    print(f"estimate {estimate / 1e6:.1f} MB, measured peak RSS growth {grown / 1e6:.1f} MB")
    assert 0.5 * estimate <= grown <= 2.0 * estimate, (estimate, grown)


def test_python_describe_has_the_in_memory_estimate(carotid_counts):
    model = vf.load_model(CAROTID)
    text = model.describe()
    samples = 2 * round(1.1 / 1e-3) + 1  # keep_last_cycles 2
    values, times = carotid_counts
    assert f"results in memory {samples * (values - times + 1) * 8 / 1e6:.3g} MB" in text, text
    assert f"{fig(samples)} samples x {fig(values)} values" in text
    with pytest.raises(ValueError, match="solver.max_output_size = 1 MB"):
        model.copy().set("solver.max_output_size", "1 MB").describe()


# ---- run lengths below what a run can resolve (1 us) ----

@needs_cli
@pytest.mark.parametrize("args, source", [
    (["--t-end", "1e-300"], "(t_end)"),
    (["--t-end", "0.5 us"], "(t_end)"),
    (["--set", "solver.period=1e-300 s", "--cycles", "1"], "(1 cycles of solver.period 1e-300 s)"),
])
def test_cli_run_shorter_than_a_microsecond_is_refused(tmp_path, args, source):
    # Before: exit 3 with CVODE's "tstop = 1e-300 is behind current t = 0" and a partial file.
    r = cli("run", PIPE, "-q", "-o", tmp_path / "r.h5", *args)
    assert r.returncode == 1, r.stderr
    assert source in r.stderr and "shorter than 1 us" in r.stderr, r.stderr
    assert not list(tmp_path.iterdir())  # refused before any file


def test_python_run_shorter_than_a_microsecond_is_refused():
    with pytest.raises(ValueError, match="shorter than 1 us"):
        vf.simulate(vf.load_model(PIPE), t_end=1e-9)


@needs_cli
def test_cli_run_of_a_microsecond_proceeds(tmp_path):
    r = cli("run", PIPE, "-q", "-o", tmp_path / "r.h5", "--t-end", "1 us")
    assert r.returncode == 0, r.stderr
