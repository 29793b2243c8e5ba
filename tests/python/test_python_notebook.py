"""The example notebooks run headless in the venv's "venoflow" kernel and produce the expected
outputs: python/examples/parameter_study.ipynb (a table of 6 variants, figures, the final check)
and python/examples/stenosis_study.ipynb (right IJV stenosis 0/50/75/90 %, supine and upright:
tables, figures, the physiological checks of its last cell)."""

import os
import re
import subprocess
import time
import sys
from pathlib import Path

import pytest

vf = pytest.importorskip("venoflow")
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

EXAMPLES = Path(__file__).resolve().parents[2] / "python/examples"
NOTEBOOK = EXAMPLES / "parameter_study.ipynb"
STENOSIS_NOTEBOOK = EXAMPLES / "stenosis_study.ipynb"


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


def execute(path: Path):
    """Run a notebook in the "venoflow" kernel (cwd = its folder); returns (notebook, seconds)."""
    ensure_kernel()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # the kernel imports the same venoflow as this test (e.g. the source tree under ctest)
    pkg_parent = str(Path(vf.__file__).resolve().parents[1])
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [pkg_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="venoflow", timeout=300,
                                     resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t0
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, "\n".join(f"{o.ename}: {o.evalue}" for o in errors)
    return nb, elapsed


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


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


def test_parameter_study_notebook():
    nb, _ = execute(NOTEBOOK)
    cells = code_cells(nb)
    assert "<venoflow.Model 'common_carotid'" in text(cells[0])
    assert "complete" in text(cells[1]) and images(cells[1])
    table = text(cells[2])
    assert "6 variants, 0 failed" in table
    assert "mean_pressure_mmHg" in table and "3.3 mm" in table
    assert images(cells[3])
    assert "wider vessel stores more blood: True" in text(cells[4])


def test_stenosis_study_notebook():
    nb, elapsed = execute(STENOSIS_NOTEBOOK)
    print(f"stenosis_study.ipynb executed in {elapsed:.1f} s")
    setup, sweep, table, changes, severity_plot, waveforms, network, summary = code_cells(nb)
    # the stenosis name and the upright overrides are read from the scenario files
    assert "stenosis 'ijv_R' in IJV_R_J2" in text(setup)
    # upright is the tilt alone: no start pressures (the steady initialisation finds the state)
    assert "{'posture.tilt': '90 deg'}" in text(setup)
    assert "8 variants, 0 failed, 8 complete" in text(sweep)
    # both tables: one row per posture x severity, the requested quantities as columns
    for cell, columns in [(table, ["CBF [ml/min]", "CPP [mmHg]", "ICP [mmHg]", "sinus [mmHg]",
                                   "ijv_R [%]", "vertebral [%]", "CSA IJV_R_J2 [mm²]"]),
                          (changes, ["ΔCBF [%]", "ΔCPP [mmHg]", "ΔICP [mmHg]", "Δsinus [mmHg]",
                                     "Δijv_R [pp]", "Δvertebral [pp]", "ΔCSA IJV_R_J2 [%]"])]:
        html = next(o.data["text/html"] for o in cell.outputs
                    if "data" in o and "text/html" in o.data)
        body = html.split("<tbody>")[1]
        assert body.count("<tr") == 8                 # posture x severity
        assert '<th rowspan="4" valign="top">supine</th>' in body
        assert '<th rowspan="4" valign="top">upright</th>' in body
        for c in columns:
            assert c in html, c
    summary_text = text(summary)
    assert ("rows: supine 0 %, supine 50 %, supine 75 %, supine 90 %, "
            "upright 0 %, upright 50 %, upright 75 %, upright 90 %") in summary_text
    # single stenoses do not change CBF by 10 % (here: by far less than 1 %)
    dcbf = float(re.search(r"max \|dCBF\| over single stenoses: ([-\d.e]+) %", summary_text)[1])
    assert 0 <= dcbf < 10
    # supine, the sinus pressure rises monotonically with the severity
    sinus = [float(v) for v in
             re.search(r"sinus pressure supine \[mmHg\]: (.*)", summary_text)[1].split(",")]
    assert len(sinus) == 4 and all(b > a for a, b in zip(sinus, sinus[1:]))
    assert "increases monotonically with severity (supine): True" in summary_text
    share = re.search(r"healthy -> 90 %: ([\d.]+) % -> ([\d.]+) %", summary_text)
    assert float(share[2]) < float(share[1])       # the stenosed vein carries less
    assert images(severity_plot) and images(waveforms) and images(network)
    assert "pressure drop at the stenosis" in text(waveforms)


COHORT_NOTEBOOK = EXAMPLES / "cohort_study.ipynb"


def test_cohort_study_notebook():
    """python/examples/cohort_study.ipynb: the default cohort (64 subjects), the study report
    (prevalence, 2x2, ROC, case-control vs population), the figures and a small Sobol study."""
    nb, elapsed = execute(COHORT_NOTEBOOK)
    print(f"cohort_study.ipynb executed in {elapsed:.1f} s")
    setup, run, report, figure, histograms, sens, checks = code_cells(nb)
    assert "default_cohort: 14 parameters" in text(setup)  # 13 + sex (IJV level pattern)
    # failures (a model that cannot start a subject) are counted, not dropped
    assert re.search(r"64 subjects, \d+ failed; seed 2026", text(run))
    out = text(report)
    for words in ("prevalence (Wilson 95 % CI)", "sensitivity", "specificity", "ppv", "npv",
                  "ROC of", "case-control"):
        assert words in out, words
    assert images(figure) and images(histograms) and images(sens)
    assert re.search(r"48 subjects, \d+ failed", text(sens))
    c = text(checks)
    assert re.search(r"subjects: 64, failed: \d+", c)
    assert "every failed subject has its error: True" in c
    # a subject without anomalies is its own reference: its effects are exactly zero
    assert "clean subjects have zero effect: True" in c
    assert "finite unless a subject failed: True" in c
