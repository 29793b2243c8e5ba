"""The checked-in type stubs python/venoflow/_venoflow.pyi match the compiled module.

Regenerate after changing python/bindings.cpp:
    PYTHONPATH=python .venv/bin/python -m pybind11_stubgen venoflow._venoflow -o /tmp/stubs
    cp /tmp/stubs/venoflow/_venoflow.pyi python/venoflow/_venoflow.pyi
"""

import subprocess
import sys
from pathlib import Path

import pytest

vf = pytest.importorskip("venoflow")
pytest.importorskip("pybind11_stubgen")

CHECKED_IN = Path(__file__).resolve().parents[2] / "python/venoflow/_venoflow.pyi"


def test_stubs_are_up_to_date(tmp_path):
    pkg_dir = Path(vf.__file__).parent
    subprocess.run([sys.executable, "-m", "pybind11_stubgen", "venoflow._venoflow",
                    "-o", str(tmp_path)], check=True, capture_output=True, text=True,
                   cwd=tmp_path, env={"PYTHONPATH": str(pkg_dir.parent), "PATH": "/usr/bin:/bin"})
    fresh = (tmp_path / "venoflow/_venoflow.pyi").read_text()
    assert fresh == CHECKED_IN.read_text(), "stubs out of date: regenerate (see module docstring)"


def test_functions_have_docstrings():
    import venoflow._venoflow as m

    for name in ("run", "read_results", "write_results"):
        assert getattr(m, name).__doc__
    assert "[s]" in m.run.__doc__
    for name in ("simulate", "sweep", "load_model", "open_results"):
        assert getattr(vf, name).__doc__
