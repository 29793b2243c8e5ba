"""venoflow.cohort end to end (docs/cohort.md): a small cohort of the default specification on
threads and on a Dask LocalCluster gives identical tables; the Parquet file carries the spec,
seed and version; an interrupted cohort resumes where it stopped; failed subjects are recorded
with their error and counted; the effect columns are subject minus its anomaly-free reference."""

import os
from pathlib import Path

import numpy as np
import pytest

vf = pytest.importorskip("venoflow")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("scipy")

from venoflow._cohort import default_evaluate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models/cerebral_venous.yaml"
MMHG = 133.322387415


@pytest.fixture(scope="module")
def model():
    return vf.load_model(MODEL)


@pytest.fixture(scope="module")
def threads_cohort(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "c.parquet"
    df = vf.cohort(None, n=6, seed=3, model=model, cycles=2, workers=2, output=out,
                   progress=False)
    return df, out


def numeric(df):
    return df.drop(columns=["wall_time"])


def test_table_and_metadata(threads_cohort, model):
    df, out = threads_cohort
    sp = vf.load_cohort_spec()
    assert list(df["subject"]) == list(range(6))
    assert df["complete"].all(), df["error"].tolist()
    assert df.attrs["failed"] == 0
    # the parameters are the sample of the spec, as drawn from the seed
    pd.testing.assert_frame_equal(df[["subject", "group"] + sp.names],
                                  sp.sample(6, 3)[["subject", "group"] + sp.names])
    back = vf.load_cohort(out)
    assert back.attrs["seed"] == 3 and back.attrs["n"] == 6
    assert back.attrs["spec_yaml"] == sp.text
    assert back.attrs["venoflow_version"] == vf.__version__
    pd.testing.assert_frame_equal(back, df)
    assert not os.path.exists(str(out) + ".partial.jsonl")
    # both postures, the reference and the effects
    for posture in ("supine", "upright"):
        for col in (f"{posture}_sinus_pressure", f"{posture}_icp_mean", f"{posture}_cbf",
                    f"ref_{posture}_sinus_pressure", f"effect_{posture}_sinus_pressure",
                    f"effect_{posture}_cbf_rel"):
            assert df[col].notna().all(), col
    # effect = subject - reference, recomputed here from the columns
    np.testing.assert_allclose(df["effect_supine_icp_mean"],
                               df["supine_icp_mean"] - df["ref_supine_icp_mean"])
    # upright ICP below supine ICP in every subject (the spinal CSF space: docs/cerebral-model.md)
    assert (df["upright_icp_mean"] < df["supine_icp_mean"]).all()


def test_reference_subject_has_no_anomaly(threads_cohort, model):
    """A subject whose draw has no stenosis and competent valves is its own reference: its
    effects are zero (the same runs)."""
    df, _ = threads_cohort
    sp = vf.load_cohort_spec()
    clean = sp.sample(64, 3)
    clean = clean[(clean.ijv_R_stenosis == 0) & (clean.ijv_L_stenosis == 0) &
                  (clean.azygos_stenosis == 0) & (clean.valve_R_M_rg == 0) &
                  (clean.valve_L_M_rg == 0)]
    assert len(clean)  # there are such subjects in 64
    v = clean.iloc[0][sp.names].to_dict()
    o, r = sp.overrides(model, v), sp.overrides(model, v, reference=True)
    assert o == r


def test_dask_gives_the_same_table(threads_cohort, model, tmp_path):
    distributed = pytest.importorskip("distributed")
    df, _ = threads_cohort
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dd = vf.cohort(None, n=6, seed=3, model=model, cycles=2, client=client, progress=False)
        spec = tmp_path / "two.yaml"
        spec.write_text(TWO_PARAMETERS)
        kw = dict(n=2, seed=0, model=model, cycles=1, outputs=["upright_sinus_pressure"],
                  progress=False)
        sd = vf.sensitivity(spec, client=client, **kw)
    pd.testing.assert_frame_equal(numeric(dd), numeric(df))
    st = vf.sensitivity(spec, workers=2, **kw)
    pd.testing.assert_frame_equal(sd.indices, st.indices)


class Interrupting:
    """The default evaluation, with a KeyboardInterrupt at the k-th call (Ctrl-C)."""

    calls = 0
    interrupt_at = None

    def __call__(self, model, cycles):
        type(self).calls += 1
        if type(self).calls == type(self).interrupt_at:
            raise KeyboardInterrupt
        return default_evaluate(model, cycles)


interrupting = Interrupting()


def test_rows_finished_with_an_interrupted_subject_are_kept(monkeypatch):
    """Several subjects can finish between two polls of the thread pool; when one of them was
    stopped by Ctrl-C, the rows of the others are still kept. (They were lost when the stopped
    one came first in the batch: test_interrupted_cohort_resumes failed that way on a loaded
    machine.) The batch is made deterministic here: every subject finished, the stopped first."""
    from concurrent.futures import ALL_COMPLETED
    from concurrent.futures import wait as real_wait

    import venoflow._cohort as c

    def run(base, overrides, reference, evaluate, cycles):
        if overrides == "stop":
            raise KeyboardInterrupt
        return {"who": overrides}

    def wait_all(fs, timeout=None, return_when=None):
        finished, _ = real_wait(fs, return_when=ALL_COMPLETED)
        return sorted(finished, key=lambda f: f.exception() is None), set()

    monkeypatch.setattr(c, "run_subject", run)
    monkeypatch.setattr(c, "wait", wait_all)
    rows = {}
    tasks = [("a", None), ("stop", None), ("b", None)]
    with pytest.raises(KeyboardInterrupt):
        c._threads(None, tasks, [0, 1, 2], None, None, 1, rows.__setitem__)
    assert rows == {0: {"who": "a"}, 2: {"who": "b"}}


def test_interrupted_cohort_resumes(threads_cohort, model, tmp_path):
    df, _ = threads_cohort
    out = tmp_path / "r.parquet"
    Interrupting.calls, Interrupting.interrupt_at = 0, 7  # subject 3's own evaluation
    with pytest.raises(KeyboardInterrupt):
        vf.cohort(None, n=6, seed=3, model=model, cycles=2, workers=1, output=out,
                  evaluate=interrupting, progress=False)
    partial = Path(str(out) + ".partial.jsonl")
    assert partial.exists() and not out.exists()
    import json

    kept = {json.loads(line)["subject"] for line in partial.read_text().splitlines()[1:]}
    # 0, 1, 2 finished before the interrupt, 3 was interrupted; 4 may have started meanwhile on
    # the worker thread (running subjects finish and are kept)
    assert {0, 1, 2} <= kept and 3 not in kept and 5 not in kept
    # a different seed does not resume someone else's subjects
    with pytest.raises(FileExistsError, match="different cohort"):
        vf.cohort(None, n=6, seed=4, model=model, cycles=2, workers=1, output=out,
                  evaluate=interrupting, progress=False)
    Interrupting.calls, Interrupting.interrupt_at = 0, None
    res = vf.cohort(None, n=6, seed=3, model=model, cycles=2, workers=1, output=out,
                    evaluate=interrupting, progress=False)
    assert Interrupting.calls == 2 * (6 - len(kept))  # only the missing subjects (+ reference)
    assert not partial.exists() and out.exists()
    cols = [c for c in df.columns if c != "wall_time"]
    pd.testing.assert_frame_equal(res[cols], df[cols])
    # the finished file is returned as is for the same cohort, refused for another
    again = vf.cohort(None, n=6, seed=3, model=model, cycles=2, workers=1, output=out,
                      evaluate=interrupting, progress=False)
    assert Interrupting.calls == 2 * (6 - len(kept))
    pd.testing.assert_frame_equal(again, res)
    with pytest.raises(FileExistsError):
        vf.cohort(None, n=5, seed=3, model=model, cycles=2, output=out, progress=False)



def test_interrupted_sensitivity_resumes_and_reuses_its_file(model, tmp_path):
    """A sensitivity study with output= keeps its finished evaluations when interrupted,
    continues from them, gives the indices of an uninterrupted study, and a finished file is
    read instead of run again (other outputs cost nothing)."""
    import json

    spec = tmp_path / "two.yaml"
    spec.write_text(TWO_PARAMETERS)
    out = tmp_path / "s.parquet"
    kw = dict(n=2, seed=0, model=model, cycles=1, workers=1, evaluate=interrupting,
              outputs=["supine_sinus_pressure"], progress=False)
    total = 2 * 2 * (2 + 2)  # 2N (d + 2) subjects, each with its reference
    Interrupting.calls, Interrupting.interrupt_at = 0, 9  # subject 4's own evaluation
    with pytest.raises(KeyboardInterrupt):
        vf.sensitivity(spec, output=out, **kw)
    partial = Path(str(out) + ".partial.jsonl")
    assert partial.exists() and not out.exists()
    kept = {json.loads(line)["subject"] for line in partial.read_text().splitlines()[1:]}
    assert {0, 1, 2, 3} <= kept and 4 not in kept
    with pytest.raises(FileExistsError, match="different cohort"):
        vf.sensitivity(spec, output=out, **{**kw, "seed": 1})
    Interrupting.calls, Interrupting.interrupt_at = 0, None
    res = vf.sensitivity(spec, output=out, **kw)
    assert Interrupting.calls == 2 * (total - len(kept))
    assert not partial.exists() and out.exists()
    Interrupting.calls = 0
    fresh = vf.sensitivity(spec, **kw)
    assert Interrupting.calls == 2 * total
    pd.testing.assert_frame_equal(res.indices, fresh.indices)
    table = vf.load_cohort(out)
    assert len(table) == total and table["complete"].all()
    assert table.attrs["sensitivity"]["n"] == 2
    # read, not run: other outputs from the same evaluations
    Interrupting.calls = 0
    other = vf.sensitivity(spec, output=out, **{**kw, "outputs": ["upright_sinus_pressure"]})
    assert Interrupting.calls == 0 and list(other.outputs) == ["upright_sinus_pressure"]
    with pytest.raises(FileExistsError, match="different sensitivity study"):
        vf.sensitivity(spec, output=out, **{**kw, "n": 4})
    with pytest.raises(KeyError, match="not a column"):
        vf.sensitivity(spec, output=out, **{**kw, "outputs": ["no_such_metric"]})

FAILING_SPEC = """\
venoflow_cohort: 1
name: failing
parameters:
  - name: m_rg
    distribution: {type: uniform, low: 0, high: 2}
    target: {set: elements.valve_R.M_rg}
    source: "test: M_rg above M_st = 1 is outside the element allowed range"
    tag: CHOSEN
"""


def test_failed_subjects_are_recorded_and_counted(model, tmp_path):
    spec = tmp_path / "failing.yaml"
    spec.write_text(FAILING_SPEC)
    df = vf.cohort(spec, n=8, seed=0, model=model, cycles=1, workers=2, progress=False)
    bad = df["m_rg"] > 1.0
    assert bad.any() and (~bad).any()
    assert (~df.loc[bad, "complete"]).all()
    assert df.loc[bad, "error"].str.contains("M_rg").all()
    assert df.loc[~bad, "complete"].all() and df.loc[~bad, "error"].isna().all()
    assert df.attrs["failed"] == int(bad.sum())
    assert len(df) == 8


def test_bad_arguments(model):
    with pytest.raises(ValueError, match="n must be"):
        vf.cohort(None, n=0, model=model)
    with pytest.raises(ValueError, match="seed must be"):
        vf.cohort(None, n=2, seed=-1, model=model)
    with pytest.raises(ValueError, match="names no model"):
        vf.cohort(None, n=2)


def test_command_line(model, tmp_path):
    """python -m venoflow cohort / report: exit 0 and the table; a bad file is exit 1 with the
    message; subjects that fail give exit 3 with the table written."""
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(vf.__file__).resolve().parents[1]))
    out = tmp_path / "cli.parquet"
    run = lambda *a: subprocess.run([sys.executable, "-m", "venoflow", *a], env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=600)
    p = run("cohort", "--model", str(MODEL), "-n", "3", "--cycles", "1", "-o", str(out), "-q")
    assert p.returncode == 0, p.stderr
    assert "3 subjects, 0 failed" in p.stdout
    assert len(vf.load_cohort(out)) == 3
    p = run("report", str(out), "--sinus-mmHg", "0.5")
    assert p.returncode == 0, p.stderr
    assert ">= 0.5 mmHg sinus pressure rise" in p.stdout and "case-control" in p.stdout
    p = run("cohort", str(tmp_path / "missing.yaml"), "-n", "2", "-o", str(out))
    assert p.returncode == 1 and "cohort file not found" in p.stderr
    spec = tmp_path / "failing.yaml"
    spec.write_text(FAILING_SPEC)
    out2 = tmp_path / "fail.parquet"
    p = run("cohort", str(spec), "--model", str(MODEL), "-n", "8", "--cycles", "1", "-o",
            str(out2), "-q")
    assert p.returncode == 3, p.stderr
    assert vf.load_cohort(out2).attrs["failed"] > 0
    # sensitivity: the indices printed and in the CSV, from the evaluations written to -o
    two = tmp_path / "two.yaml"
    two.write_text(TWO_PARAMETERS)
    out3, csv = tmp_path / "sobol.parquet", tmp_path / "sobol.csv"
    p = run("sensitivity", str(two), "--model", str(MODEL), "-n", "2", "--cycles", "1",
            "--workers", "2", "--outputs", "supine_sinus_pressure", "-o", str(out3),
            "--csv", str(csv), "-q")
    assert p.returncode == 0, p.stderr
    assert "16 evaluations (N = 2), 0 failed" in p.stdout  # 2N (d + 2)
    table = pd.read_csv(csv)
    assert list(table["parameter"]) == ["cvp", "arm_flow"]
    assert len(vf.load_cohort(out3)) == 16
    p = run("sensitivity", str(two), "--model", str(MODEL), "-n", "2", "--cycles", "1",
            "--outputs", "nope", "-o", str(out3), "-q")
    assert p.returncode == 1 and "not a column" in p.stderr


TWO_PARAMETERS = """\
venoflow_cohort: 1
name: two
parameters:
  - name: cvp
    distribution: {type: uniform, low: 2 mmHg, high: 8 mmHg}
    target: {set: boundary_conditions.right_atrium.pressure}
    source: s
    tag: CHOSEN
  - name: arm_flow
    distribution: {type: uniform, low: 0.9, high: 1.1}
    target: {scale: boundary_conditions.arm_L.flow}
    source: s
    tag: CHOSEN
"""


def test_sensitivity_of_a_cohort(model, tmp_path):
    """Sobol indices through the model: 2N (d + 2) runs of subject + reference (the N estimate
    is the head of the 2N sample). Supine sinus pressure follows the central venous pressure (the veins of the
    neck are open supine, so a rise of CVP reaches the sinuses): CVP dominates the left arm's
    inflow (+-10 % of 100 ml/min into the subclavian) by far."""
    spec = tmp_path / "two.yaml"
    spec.write_text(TWO_PARAMETERS)
    res = vf.sensitivity(spec, n=4, seed=0, model=model, cycles=1, workers=2,
                         outputs=["supine_sinus_pressure"], progress=False)
    assert res.evaluations == 2 * 4 * (2 + 2) and res.failed == 0
    d = res.indices.loc["supine_sinus_pressure"]
    assert list(d.index) == ["cvp", "arm_flow"]
    assert d.loc["cvp", "ST"] > 0.9 and d.loc["arm_flow", "ST"] < 0.1
    ax = res.plot("supine_sinus_pressure")
    assert ax.get_title() == "supine_sinus_pressure"


def test_exam_columns_from_an_exam_result():
    """The criteria of an exam result (rows per reading: a criterion is positive if any
    counted, evaluable reading is; not evaluable -> None)."""
    from types import SimpleNamespace

    from venoflow._cohort import exam_columns

    table = pd.DataFrame({
        "criterion": ["C1", "C1", "C2", "C3", "C3", "C4", "C5"],
        "positive": [False, True, False, True, True, False, True],
        "counted": [True, True, True, False, True, True, True],
        "evaluable": [True, True, False, True, True, True, True],
    })
    cols = exam_columns(SimpleNamespace(table=table, count=3, ccsvi=True))
    assert cols == {"C1": True, "C2": None, "C3": True, "C4": False, "C5": True, "count": 3,
                    "ccsvi": True}
    # a mapping without count/ccsvi: counted here, CCSVI = at least 2
    assert exam_columns({"C1": True, "C2": False, "C3": None, "C4": None, "C5": False}) == {
        "C1": True, "C2": False, "C3": None, "C4": None, "C5": False, "count": 1,
        "ccsvi": False}


def test_default_evaluation_uses_the_exam_when_there_is_one(model, monkeypatch):
    """With venoflow.virtual_exam present and an exam section in the model, the subject gets
    the criteria columns; its anomaly-free reference does not run the exam."""
    import venoflow._cohort as vc

    calls = []

    def fake_exam(m):
        calls.append(m)
        return {"C1": False, "C2": False, "C3": True, "C4": False, "C5": True}

    monkeypatch.setattr(vf, "virtual_exam", fake_exam, raising=False)
    monkeypatch.setattr(vc, "_has_exam", lambda m: True)
    # the exam: keys do not exist in a model format without the exam (breath_overrides is
    # tested on its own below)
    fitted = []
    monkeypatch.setattr(vc, "breath_overrides", lambda m: fitted.append(m) or {})
    df = vf.cohort(None, n=2, seed=0, model=model, cycles=1, workers=1, progress=False)
    assert len(calls) == 2  # one per subject, none for the references
    assert len(fitted) == 2
    assert df["ccsvi"].all() and (df["count"] == 2).all() and df["C3"].all()
    assert "ref_ccsvi" not in df
    # without an exam section the default evaluation skips the exam (no failure)
    monkeypatch.setattr(vc, "_has_exam", lambda m: False)
    df = vf.cohort(None, n=2, seed=0, model=model, cycles=1, workers=1, progress=False)
    assert "ccsvi" not in df and df["complete"].all() and len(calls) == 2


def test_breaths_fit_the_subjects_heart_period():
    """The exam needs whole heartbeats per breath: at 72 /min (0.8333 s) a 4 s breath becomes
    5 beats = 4.1667 s, its 1.6 s inspiration 1.6667 s; the 8 s deep breath 10 beats = 8.333 s,
    inspiration 3.333 s. At 75 /min (0.8 s) both already fit: no override."""
    from venoflow._cohort import breath_overrides

    class Stub:
        def __init__(self, values):
            self.values = values

        def get(self, path):
            return self.values[path]

    o = breath_overrides(Stub({"solver.period": "0.8333333333333334 s"}))
    got = {k: float(v.split()[0]) for k, v in o.items()}
    assert got == pytest.approx({
        "exam.quiet_breathing.period": 25 / 6, "exam.quiet_breathing.inspiration_time": 5 / 3,
        "exam.deep_inspiration.period": 25 / 3, "exam.deep_inspiration.inspiration_time": 10 / 3})
    assert breath_overrides(Stub({"solver.period": "0.8 s"})) == {}
    # a model's own breath: 6 s at 1.1 s per beat -> 5 beats = 5.5 s, inspiration 2 s -> 1.8333
    o = breath_overrides(Stub({"solver.period": "1.1 s", "exam.quiet_breathing.period": "6 s",
                               "exam.quiet_breathing.inspiration_time": "2 s"}))
    assert float(o["exam.quiet_breathing.period"].split()[0]) == pytest.approx(5.5)
    assert float(o["exam.quiet_breathing.inspiration_time"].split()[0]) == pytest.approx(2 * 5.5 / 6)


def test_a_dask_task_that_cannot_run_is_a_failed_subject():
    from venoflow._cohort import _dask_row

    class Lost:
        def result(self):
            raise RuntimeError("worker died")

    class Done:
        def result(self):
            return {"complete": True, "error": None}

    assert _dask_row(Lost()) == {"complete": False, "error": "RuntimeError: worker died",
                                 "wall_time": pytest.approx(float("nan"), nan_ok=True)}
    assert _dask_row(Done())["complete"]


def test_a_target_the_model_does_not_have_is_an_error_before_any_run(model, tmp_path):
    spec = tmp_path / "typo.yaml"
    spec.write_text(FAILING_SPEC.replace("elements.valve_R.M_rg", "elements.valve_X.M_rg"))
    with pytest.raises(KeyError, match="valve_X"):
        vf.cohort(spec, n=4, seed=0, model=model, cycles=1, progress=False)


def test_a_subject_row_is_that_of_separate_runs(model):
    """run_subject sets each run's keys on one document per model (no copy per run) and keeps
    only the last cycle of each perfusion run: the row must be what separate runs of freshly
    made models give (simulate keeping every sample, the exam read from its pandas table),
    for the subject and for its reference, and the base model must stay as it was."""
    from types import SimpleNamespace

    from venoflow._cohort import breath_overrides, exam_columns, run_subject

    sp = vf.load_cohort_spec()
    v = sp.sample(8, 5).iloc[1][sp.names].to_dict()
    o, r = sp.overrides(model, v), sp.overrides(model, v, reference=True)
    assert o != r  # a subject with an anomaly: subject and reference differ
    before = model.yaml
    row = run_subject(model, o, r, default_evaluate, 1)
    assert row["complete"], row["error"]
    assert model.yaml == before
    for prefix, overrides in (("", o), ("ref_", r)):
        m = model.copy().update(overrides)
        for posture, tilt in (("supine", "0 deg"), ("upright", "90 deg")):
            res = vf.simulate(m.copy().update({"posture.tilt": tilt,
                                               "discretisation.lumped": "true"}), cycles=1)
            for k, x in res.metrics.items():
                got = row[f"{prefix}{posture}_{k}"]
                assert got == x or (np.isnan(got) and np.isnan(x)), (prefix, posture, k)
    m = model.copy().update(o)
    ex = vf.virtual_exam(m.copy().update({"discretisation.lumped": "true",
                                          **breath_overrides(m)}))
    want = exam_columns(SimpleNamespace(table=ex.table, count=ex.count, ccsvi=ex.ccsvi))
    assert {k: row[k] for k in want} == want
    assert "ref_ccsvi" not in row
