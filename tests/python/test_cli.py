"""The command-line program: exit codes, diagnostics, results-file safety, interruption.

Uses the CLI given by VENOFLOW_CLI (ctest sets it)."""
import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import pytest

CLI = os.environ.get("VENOFLOW_CLI")
ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
pytestmark = pytest.mark.skipif(not CLI, reason="VENOFLOW_CLI not set (ctest sets it)")

TUBE = """venoflow: 1
name: tube
vessels:
  - {name: tube, from: in, to: out, length: 10 cm, radius: 3 mm, cells: 4,
     tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}}
boundary_conditions:
  - {node: in, pressure: 1000 Pa}
  - node: out
    pressure: {table: {time: s, value: Pa, points: [[0, 1000], [0.3, 1000], [0.31, %s]]}}
initial_conditions: {pressure: 1000 Pa}
solver: {t_end: 1 s}
"""


def run(*args, **kw):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, **kw)


def digest(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def test_help_and_usage_errors():
    assert run("--help").returncode == 0
    assert "run" in run("--help").stdout
    r = run("run")
    assert r.returncode == 2 and "model" in (r.stderr + r.stdout).lower()


def test_invalid_model_lists_every_problem_with_file_line_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""venoflow: 1
vessels:
  - {name: v, from: a, to: b, length: -1 cm, radius: 3 mmm,
     tube_law: {type: elastic, youngs_modulus: 400 kPa, wall_thickness: 0.3 mm}}
boundary_conditions:
  - {node: a, presure: 1 kPa}
""")
    r = run("check", bad)
    assert r.returncode == 1
    err = r.stderr
    assert f"{bad}:3:" in err and "vessels.v.length" in err
    assert "vessels.v.radius" in err and "mmm" in err
    assert f"{bad}:6:" in err and "presure" in err and "did you mean 'pressure'" in err


def test_bad_override_names_the_path(tmp_path):
    model = tmp_path / "tube.yaml"
    model.write_text(TUBE % 1000)
    r = run("check", model, "--set", "vessels.tubb.radius=2mm")
    assert r.returncode == 1 and "vessels.tubb.radius" in r.stderr and "tube" in r.stderr
    r = run("check", model, "--set", "vessels.tube.radius=2 kg")
    assert r.returncode == 1 and "vessels.tube.radius" in r.stderr and "--set" in r.stderr


def test_check_prints_graph_and_unknowns(tmp_path):
    model = tmp_path / "tube.yaml"
    model.write_text(TUBE % 1000)
    r = run("check", model)
    assert r.returncode == 0
    assert "tube: in -> out" in r.stdout and "unknowns:" in r.stdout


def test_check_touches_no_file(tmp_path):
    """check plans the run's results file (its estimate) without creating a writer: nothing is
    created in the working directory, and a temporary file left there by a dead writer of the
    same output (tube.h5) is not removed (that is for the next run writing it)."""
    model = tmp_path / "tube.yaml"
    model.write_text(TUBE % 1000)
    work = tmp_path / "work"
    work.mkdir()
    stale = work / "tube.h5.tmp-999999-0"
    stale.write_bytes(b"left by a killed run")
    r = run("check", model, cwd=work)
    assert r.returncode == 0, r.stderr
    assert "results" in r.stdout and "limit solver.max_memory" in r.stdout
    assert sorted(p.name for p in work.iterdir()) == [stale.name]


def test_failed_run_never_replaces_an_existing_results_file(tmp_path):
    good = tmp_path / "tube.yaml"
    good.write_text(TUBE % 1000)
    out = tmp_path / "out.h5"
    r = run("run", good, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        assert int(f.attrs["complete"]) == 1
    before = digest(out)
    bad = tmp_path / "collapse.yaml"
    bad.write_text(TUBE % -1e6)  # outlet pressure far below collapse: no positive area
    r = run("run", bad, "-o", out, "-q")
    assert r.returncode == 3
    assert "t = 0.3" in r.stderr and "tube" in r.stderr
    assert digest(out) == before
    inc = tmp_path / "out.incomplete.h5"
    with h5py.File(inc) as f:
        assert int(f.attrs["complete"]) == 0
        assert f.attrs["error"]
        t = f["time"][:]
        assert 0.2 < t[-1] < 0.31


def test_ctrl_c_keeps_what_was_computed(tmp_path):
    out = tmp_path / "long.h5"
    out.write_bytes(b"an older results file")
    model = ROOT / "validation" / "benchmarks" / "common_carotid.yaml"
    p = subprocess.Popen([CLI, "run", str(model), "-o", str(out), "--cycles", "2000",
                          "--set", "solver.stop_at_steady_state=false"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert out.read_bytes() == b"an older results file"
    with h5py.File(tmp_path / "long.incomplete.h5") as f:
        assert int(f.attrs["complete"]) == 0 and int(f.attrs["interrupted"]) == 1
        assert f["time"].shape[0] > 10


def test_compare_prints_both_runs_and_the_change(tmp_path):
    model = tmp_path / "tube.yaml"
    model.write_text(TUBE % 1000)
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    assert run("run", model, "-o", a, "-q").returncode == 0
    assert run("run", model, "-o", b, "-q", "--set", "boundary_conditions.in.pressure=1100 Pa").returncode == 0
    r = run("compare", a, b)
    assert r.returncode == 0
    line = next(l for l in r.stdout.splitlines() if l.startswith("boundary_in_mean_pressure"))
    assert "%" in line and "+10.00 %" in line
