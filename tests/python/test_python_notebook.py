"""python/examples/parameter_study.ipynb runs headless in the venv's "venoflow" kernel and
produces the expected outputs (a table of 6 variants, figures, the final check)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

vf = pytest.importorskip("venoflow")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[2] / "python/examples/parameter_study.ipynb"


def ensure_kernel():
    """The kernel "venoflow" must be this interpreter (the venv's), not /usr/bin/python3."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("venoflow")
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return
    except NoSuchKernel:
        pass
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix",
                    "--name", "venoflow", "--display-name", "Python (venoflow)"], check=True)


def test_parameter_study_notebook(tmp_path):
    ensure_kernel()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # the kernel imports the same venoflow as this test (e.g. the source tree under ctest)
    pkg_parent = str(Path(vf.__file__).resolve().parents[1])
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [pkg_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="venoflow", timeout=300,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    cells = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]

    def text(cell):
        parts = []
        for o in cell.outputs:
            if o.output_type == "stream":
                parts.append(o.text)
            elif "data" in o:
                parts.append(o.data.get("text/plain", ""))
        return "\n".join(parts)

    def images(cell):
        return [o for o in cell.outputs if "data" in o and "image/png" in o.data]

    assert "<venoflow.Model 'common_carotid'" in text(cells[0])
    assert "complete" in text(cells[1]) and images(cells[1])
    table = text(cells[2])
    assert "6 variants, 0 failed" in table
    assert "mean_pressure_mmHg" in table and "3.3 mm" in table
    assert images(cells[3])
    assert "wider vessel stores more blood: True" in text(cells[4])
