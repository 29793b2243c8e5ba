"""Quick physiological checks of the default cerebral venous model (0D, < 60 s).

Runs validation/physiology/run.py --quick with the CLI named by VENOFLOW_CLI; it fails only on
hard failures (a run failed, non-finite output) and on the robust qualitative checks it
asserts (upright IJV collapse, bilateral compression raises vertebral flow, monotonic response
to stenosis severity, CBF within +-10 % for single stenoses). Published-number comparisons are
reported in its report.md, not asserted here.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ.get("VENOFLOW_CLI")


@pytest.mark.skipif(not CLI, reason="VENOFLOW_CLI (path of the venoflow command) is not set")
def test_physiology_quick(tmp_path):
    p = subprocess.run([sys.executable, str(ROOT / "validation/physiology/run.py"), "--cli", CLI,
                        "--quick", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    report = (tmp_path / "report.md").read_text()
    assert "| healthy_supine | ok |" in report
    assert "FAIL" not in report
