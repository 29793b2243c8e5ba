"""Quick benchmark run with the real CLI (case 2 on a coarse mesh, as `run.py --quick`), the
two-forms identity of case 4, and run.py's driver logic exercised end-to-end with a stand-in CLI
(tests/python/fake_venoflow.py) that needs no solver.

The real-CLI tests need env VENOFLOW_CLI (path of the `venoflow` program; ctest sets it) and are
skipped without it. VENOFLOW_SOURCE_DIR is the repository root if set."""
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BENCH = ROOT / "validation" / "benchmarks"
sys.path.insert(0, str(BENCH))
import metrics as M  # noqa: E402
import run as R  # noqa: E402

CLI = os.environ.get("VENOFLOW_CLI")
needs_cli = pytest.mark.skipif(not CLI, reason="VENOFLOW_CLI is not set (path of the venoflow "
                               "program, e.g. build/release/venoflow; ctest sets it)")


# ----------------------------------------------------------------------------- real CLI
@needs_cli
def test_quick_case2_meets_fv_acceptance(tmp_path):
    spec = R.RunSpec("2", BENCH / "common_carotid.yaml", tmp_path / "cca.h5", list(R.QUICK_SETS),
                     R.QUICK_CYCLES)
    ok, _, msg = R.run_cli(CLI, spec, tmp_path)
    assert ok, msg
    res = R.load_results(spec.out_h5)
    assert res.complete
    period = res.period(1.1)
    assert period == pytest.approx(1.1)
    sim = M.waveform_last_cycle(res.waveform("cca", "mid"), period)
    fv = M.waveform_last_cycle(M.load_reference(BENCH / "data/common_carotid/FV_carotid.dat"), period)
    e, _ = M.compare_cycle_to_reference(sim, fv, period, 0.0)
    print(M.markdown_table({"CCA mid (quick) vs FV": e}))
    assert e["P"]["RMS"] <= R.ACC_FV_P_RMS
    assert e["Q"]["RMS"] <= R.ACC_FV_Q_RMS


@needs_cli
def test_quick_run_py_exit_status(tmp_path):
    """run.py --quick as `make test` would call it: FV acceptance must pass. The 3D checks of the
    quick run are reported but not asserted here (coarse mesh)."""
    rc = R.main(["--cli", CLI, "--python", sys.executable, "--quick", "--out", str(tmp_path)])
    report = (tmp_path / "report.md").read_text()
    assert "| PASS | 2 | CCA mid: P RMS vs FV <= 0.5 %" in report
    assert "| PASS | 2 | CCA mid: Q RMS vs FV <= 1.5 %" in report
    assert (tmp_path / "case2_common_carotid.png").exists()
    assert rc in (0, 1)


@needs_cli
def test_case4_diastolic_and_zero_pressure_forms_agree(tmp_path):
    sets = [f"vessels.{v}.cells=10" for v in ("aorta", "iliac_1", "iliac_2")]
    out = {}
    for stem in ("aortic_bifurcation", "aortic_bifurcation_zero_pressure"):
        spec = R.RunSpec("4", BENCH / f"{stem}.yaml", tmp_path / f"{stem}.h5", sets, 1)
        ok, _, msg = R.run_cli(CLI, spec, tmp_path)
        assert ok, msg
        out[stem] = R.load_results(spec.out_h5)
    a, b = out.values()
    for v in ("aorta", "iliac_1", "iliac_2"):
        for q in ("pressure", "flow", "area"):
            x, y = a.vessels[v][q], b.vessels[v][q]
            assert x.shape == y.shape
            assert np.max(np.abs(x - y)) <= 1e-4 * np.max(np.abs(x)), (v, q)


# ----------------------------------------------------------------------------- stand-in CLI
@pytest.fixture
def fake_cli(tmp_path):
    p = tmp_path / "venoflow"
    p.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).parent / "fake_venoflow.py"}" "$@"\n')
    p.chmod(p.stat().st_mode | stat.S_IXUSR)
    return str(p)


def test_run_py_all_cases_with_reference_data_pass(fake_cli, tmp_path):
    out = tmp_path / "out"
    rc = R.main(["--cli", fake_cli, "--python", sys.executable, "--cases", "1,2,4,5,6",
                 "--out", str(out), "--cycles", "3"])
    report = (out / "report.md").read_text()
    assert rc == 0, report
    assert "FAIL" not in report
    for png in ("case1_single_pipe", "case2_common_carotid", "case4_aortic_bifurcation",
                "case5_network_37_arteries", "case6_adan56"):
        assert (out / f"{png}.png").exists()
    # the stand-in returns FV data, so the 3D table equals the published yardstick
    assert "| CCA mid | 0.19 / 0.46 / 0.28 / 0.29 | 0.59 / 2.09 / 0.58 / 0.25 | 1.03 / 1.84 / 1.79 |" in report
    assert "| aorta mid | 0.47 / 0.83 / 0.55 / 0.53 | 0.91 / 2.71 / 2.44 / 1.16 | 1.40 / 2.95 / 2.65 |" in report


def test_run_py_quick_with_fake_cli(fake_cli, tmp_path):
    rc = R.main(["--cli", fake_cli, "--quick", "--out", str(tmp_path)])
    assert rc == 0
    log = (tmp_path / "common_carotid.log").read_text()
    assert "--set vessels.cca.cells=20" in log and "--cycles 6" in log


def test_run_py_reports_cli_failure(fake_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VENOFLOW_FAIL", "1")
    rc = R.main(["--cli", fake_cli, "--cases", "2", "--out", str(tmp_path)])
    assert rc == 1
    assert "| **FAIL** | 2 | venoflow run common_carotid.yaml |" in (tmp_path / "report.md").read_text()


def test_run_py_detects_wrong_results(fake_cli, tmp_path):
    """A solver whose pressure is 1 % high must fail the FV pressure acceptance."""
    rc = R.main(["--cli", fake_cli, "--cases", "2", "--out", str(tmp_path)])
    assert rc == 0
    import h5py
    with h5py.File(tmp_path / "common_carotid.h5", "r+") as f:
        f["vessels/cca/pressure"][...] *= 1.01
        f.attrs["complete"] = np.int8(0)
    rc = R.main(["--cli", fake_cli, "--cases", "2", "--out", str(tmp_path), "--reuse"])
    report = (tmp_path / "report.md").read_text()
    assert rc == 1
    assert "| **FAIL** | 2 | CCA mid: P RMS vs FV <= 0.5 % | 1.00 % |" in report
    assert "| **FAIL** | 2 | run complete" in report


def test_load_results_tolerates_attribute_types(tmp_path):
    import h5py
    p = tmp_path / "r.h5"
    with h5py.File(p, "w") as f:
        f["time"] = np.arange(3.0)
        f["vessels/a/x"] = np.array([0.0, 1.0])
        for q in ("pressure", "flow", "area"):
            f[f"vessels/a/{q}"] = np.ones((3, 2))
        f.attrs["complete"] = "true"
        f.attrs["period"] = np.array([1.1])
    r = R.load_results(p)
    assert r.complete and r.period() == pytest.approx(1.1)
    assert np.allclose(r.sample("a", 0.5, "pressure"), 1.0)
    assert r.mid_offset("a") == pytest.approx(0.5)
