"""Virtual cohorts: draw subjects from a cohort specification, run each one, keep a table.

``venoflow.cohort(spec, n, seed, model=...)`` samples n subjects (docs/cohort.md), evaluates
every subject and its anomaly-free reference (same subject, no stenosis, competent valves) on
local threads or a Dask cluster, and writes one Parquet table with the specification, the
seed and the venoflow version in its metadata. A cohort with an ``output`` file is resumable:
finished subjects are appended to ``<output>.partial.jsonl`` as they finish, and a new call
with the same specification, seed and n continues from there.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Callable, Mapping

import numpy as np

from . import _venoflow
from ._cohort_spec import CohortSpec, check_count, load_cohort_spec
from ._model import Model, load_model

_META_KEY = b"venoflow_cohort"

#: Postures of the default evaluation: name -> posture.tilt (the two of the Doppler exam).
POSTURES = {"supine": "0 deg", "upright": "90 deg"}

#: Metrics whose subject-minus-reference difference is an effect column
#: ``effect_<posture>_<metric>`` (Pa); CBF gets a relative change ``effect_<posture>_cbf_rel``.
EFFECT_METRICS = ("sinus_pressure", "icp_mean", "cpp")


def derived(model: Model, overrides: Mapping[str, str], validate: bool = True) -> Model:
    """A copy of ``model`` with ``overrides`` applied (one document copy; ``Model.copy`` then
    ``Model.update`` would make two). ``validate``: build it once, raising ModelError."""
    m = model.copy()
    for path, text in overrides.items():
        m._doc.set(path, text)
        m._overrides.append((path, text))
    m._graph = None
    if validate:
        m.validate()
    return m


def _metrics_of(model: Model, cycles: int | None) -> tuple[dict, list[str]]:
    """Run one model; (metrics, validity-domain warnings). Raises what simulate raises."""
    from ._results import simulate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warnings are returned, not printed per subject
        # keep_last_cycles=1: the metrics are computed from every sample all the same
        # (simulate), and the run does not store the samples of 40 cycles nobody reads
        res = simulate(model, cycles=cycles, keep_last_cycles=1)
    if not res.complete:
        raise RuntimeError(f"run incomplete: {res.outcome.get('error')}")
    return dict(res.metrics), list(res.warnings)


def default_evaluate(model: Model, cycles: int | None = None, reference: bool = False) -> dict:
    """The default per-subject evaluation: the perfusion metrics of the model supine (tilt 0
    deg) and upright (90 deg) at 0D (``discretisation.lumped = true``), as flat columns
    ``supine_<metric>`` / ``upright_<metric>`` (SI), plus ``warnings`` (validity-domain
    violations, one per line, or None). When ``venoflow.virtual_exam`` exists (the virtual
    Doppler exam) and the model has an ``exam:`` section, the exam (at 0D) adds its criteria for
    the subject (not for its anomaly-free ``reference``): ``C1`` .. ``C5`` (True/False, None if not
    evaluable), ``count``, ``ccsvi``. ``model`` is not changed."""
    return _evaluate_own(model.copy(), cycles, reference)


def _evaluate_own(m: Model, cycles: int | None, reference: bool) -> dict:
    """:func:`default_evaluate` on a model of its own, which it changes: each run's keys are
    set on that one document in turn instead of on a fresh copy per run (a copy re-parses the
    YAML and replays every override: about as long as a 0D build). Each run sees the same
    values as on a copy of the model with only its keys set: the perfusion runs set the tilt
    and lumped; the exam sets lumped and the breaths, and the tilt left by the upright run is
    replaced by each recording's own (analysis/virtual_exam.cpp, recording_model)."""
    out: dict[str, Any] = {}
    warns: list[str] = []
    for posture, tilt in POSTURES.items():
        _set(m, {"posture.tilt": tilt, "discretisation.lumped": "true"})
        metrics, w = _metrics_of(m, cycles)
        out.update({f"{posture}_{k}": v for k, v in metrics.items()})
        warns += [f"{posture}: {x}" for x in w]
    import venoflow

    if not reference and hasattr(venoflow, "virtual_exam") and _has_exam(m):
        # at 0D like the perfusion runs, breaths fitted to the subject's heartbeat
        _set(m, {"discretisation.lumped": "true", **breath_overrides(m)})
        out.update(exam_columns(venoflow.virtual_exam(m)))
    out["warnings"] = "\n".join(warns) or None
    return out


def _set(m: Model, overrides: Mapping[str, str]) -> None:
    """Set ``overrides`` on ``m``'s own document, unvalidated (as :func:`derived` does)."""
    for path, text in overrides.items():
        m._doc.set(path, text)
        m._overrides.append((path, text))
    m._graph = None


#: The exam's breaths when the model does not set them (docs/model-format.md#exam): period,
#: inspiration time.
EXAM_BREATHS = {"quiet_breathing": (4.0, 1.6), "deep_inspiration": (8.0, 3.2)}


def breath_overrides(model) -> dict:
    """The exam needs each breath to last a whole number of cardiac periods. A subject's heart
    rate is drawn from a continuous distribution, so each breath is stretched to the nearest
    whole number of its heartbeats (at least one), the inspiration keeping its share of the
    breath [CHOSEN: breathing is not paced by the heart; this changes a 4 s breath by at most
    half a heartbeat]. Returns the overrides (empty if the breaths already fit)."""
    from ._cohort_spec import parse_quantity

    period, _ = parse_quantity(model.get("solver.period"))
    out = {}
    for breath, (p_default, i_default) in EXAM_BREATHS.items():
        values = []
        for key, default in (("period", p_default), ("inspiration_time", i_default)):
            try:
                values.append(parse_quantity(model.get(f"exam.{breath}.{key}"))[0])
            except KeyError:
                values.append(default)
        p, insp = values
        beats = max(1, round(p / period))
        fitted = beats * period
        if abs(fitted - p) > 1e-9 * p:
            out[f"exam.{breath}.period"] = f"{fitted!r} s"
            out[f"exam.{breath}.inspiration_time"] = f"{insp * fitted / p!r} s"
    return out


def _has_exam(model: Model) -> bool:
    try:
        model.get("exam")
    except KeyError:
        return False
    return True


def exam_columns(exam: Any) -> dict:
    """``C1`` .. ``C5``, ``count`` and ``ccsvi`` from a virtual-exam result: an object with
    ``table`` (rows with ``criterion`` "C1".., ``positive``, and optionally ``counted`` and
    ``evaluable``; a criterion is positive if any counted, evaluable reading is), ``count`` and
    ``ccsvi``, or a mapping with those keys or ``C1``.. directly."""
    from ._exam import Exam

    get = exam.get if isinstance(exam, Mapping) else (lambda k, d=None: getattr(exam, k, d))
    cols: dict[str, Any] = {f"C{i}": get(f"C{i}") for i in range(1, 6)}
    # an Exam's rows as they came from C++ (criterion 1..5): no DataFrame to build
    table = exam._raw["criteria"] if isinstance(exam, Exam) else get("table")
    if isinstance(table, list) and table:
        for i in range(1, 6):
            rows = [r for r in table if str(r["criterion"]) in (f"C{i}", str(i))
                    and r.get("counted", True) and r.get("evaluable", True)]
            cols[f"C{i}"] = any(bool(r["positive"]) for r in rows) if rows else None
    elif table is not None and len(table):
        import pandas as pd

        tab = pd.DataFrame(table)
        for i in range(1, 6):
            rows = tab[tab["criterion"].astype(str).isin([f"C{i}", str(i)])]
            if "counted" in rows:
                rows = rows[rows["counted"].astype(bool)]
            if "evaluable" in rows:
                rows = rows[rows["evaluable"].astype(bool)]
            cols[f"C{i}"] = bool(rows["positive"].astype(bool).any()) if len(rows) else None
    cols = {k: (None if v is None else bool(v)) for k, v in cols.items()}
    count = get("count")
    cols["count"] = int(count) if count is not None else sum(bool(v) for v in cols.values())
    ccsvi = get("ccsvi")
    cols["ccsvi"] = bool(ccsvi) if ccsvi is not None else cols["count"] >= 2
    return cols


#: ``error`` of a subject stopped by Ctrl-C while it ran (not written to the partial file, so
#: a resumed cohort runs it again).
STOPPED = "Interrupted: stopped while running"


def run_subject(model: Model, overrides: Mapping[str, str], reference: Mapping[str, str],
                evaluate: Callable[..., dict], cycles: int | None) -> dict:
    """Evaluate one subject and its anomaly-free reference; never raises. (Module level so that
    Dask pickles it by reference.) Returns the flat row: the evaluation's columns, the
    reference's as ``ref_<column>``, the effect columns, ``complete``, ``error``, ``wall_time``."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {}
    try:
        m = derived(model, overrides)  # validated: an invalid subject is a ModelError row
        row.update(_call(evaluate, m, cycles, False))
        ref = _call(evaluate, derived(model, reference), cycles, True)
        row.update({f"ref_{k}": v for k, v in ref.items() if k != "warnings"})
        if ref.get("warnings"):
            row["warnings"] = "\n".join(x for x in (row.get("warnings"), "reference: " +
                                                    ref["warnings"].replace("\n", "\nreference: "))
                                        if x)
        row.update(effects(row))
        row["complete"] = True
        row["error"] = None
    except KeyboardInterrupt:
        raise
    except Exception as e:  # noqa: BLE001 - a failed subject is recorded and counted
        row = {"complete": False, "error": f"{type(e).__name__}: {e}"}
    row["wall_time"] = time.perf_counter() - t0
    return row


def _call(evaluate: Callable, model: Model, cycles: int | None, reference: bool) -> dict:
    """``evaluate(model, cycles)``, with ``reference=`` if its signature takes it. ``model``
    is made for this call (:func:`run_subject`), so the default evaluation works on it
    directly instead of on a copy."""
    import inspect

    if evaluate is default_evaluate:
        return _evaluate_own(model, cycles, reference)
    try:
        takes = "reference" in inspect.signature(evaluate).parameters
    except (TypeError, ValueError):
        takes = False
    out = evaluate(model, cycles, reference=reference) if takes else evaluate(model, cycles)
    if not isinstance(out, Mapping):
        raise TypeError(f"evaluate must return a dict of columns, got {type(out).__name__}")
    return dict(out)


def effects(row: Mapping[str, Any]) -> dict:
    """Effect columns from a row holding ``<posture>_<metric>`` and ``ref_<posture>_<metric>``:
    ``effect_<posture>_<metric>`` = subject - reference (Pa) for the metrics of
    :data:`EFFECT_METRICS`, and ``effect_<posture>_cbf_rel`` = cbf / ref cbf - 1."""
    out = {}
    for posture in POSTURES:
        for metric in EFFECT_METRICS:
            k = f"{posture}_{metric}"
            if k in row and f"ref_{k}" in row:
                out[f"effect_{k}"] = float(row[k]) - float(row[f"ref_{k}"])
        k = f"{posture}_cbf"
        if k in row and f"ref_{k}" in row and row[f"ref_{k}"]:
            out[f"effect_{k}_rel"] = float(row[k]) / float(row[f"ref_{k}"]) - 1.0
    return out


# ---- the cohort ---------------------------------------------------------------------------------
def cohort(spec: CohortSpec | str | os.PathLike | None = None, n: int = 100, seed: int = 0, *,
           model: Model | str | os.PathLike | None = None, method: str = "sobol",
           cycles: int | None = None, evaluate: Callable[..., dict] | None = None,
           workers: int | None = None, client=None, output: str | os.PathLike | None = None,
           resume: bool = True, overwrite: bool = False, progress: bool = True):
    """Draw ``n`` virtual subjects from ``spec`` (a cohort file, a :class:`CohortSpec`, or None
    for the default cohort shipped with the package) and evaluate each one.

    ``model``: the model the specification varies (a :class:`Model` or a file; default: the
    spec's ``model:`` key). ``seed`` and ``method`` (``"sobol"`` scrambled Sobol, ``"lhs"``
    Latin hypercube, ``"random"``) make the sample reproducible. ``evaluate(model, cycles) ->
    dict`` is run on each subject and on its anomaly-free reference (parameters with a
    ``reference:`` value set to it: no stenosis, competent valves); the default
    :func:`default_evaluate` runs both postures at 0D. ``cycles`` overrides the model's.

    Runs on ``workers`` local threads (default: CPU count) or, with ``client=`` a
    ``dask.distributed.Client``, on that cluster; ``progress`` shows a tqdm bar.

    Returns a ``pandas.DataFrame``, one row per subject in subject order: ``subject``,
    ``group``, one column per parameter (SI), the evaluation's columns, ``ref_*`` (the
    reference), ``effect_*`` (subject - reference), ``complete``, ``error`` (None, or the
    exception of a failed subject: recorded and counted in ``df.attrs["failed"]``, never
    dropped), ``warnings`` (validity-domain violations) and ``wall_time``. ``df.attrs``: spec
    text, spec file and hash, seed, n, method, cycles, model file and YAML, venoflow version.

    ``output`` (``.parquet``): the table is written there (atomically) with ``df.attrs`` in the
    file's metadata. While the cohort runs, finished subjects are appended to
    ``<output>.partial.jsonl``; if the run is interrupted, calling again with the same
    specification, seed, n, method and cycles continues where it stopped (``resume=True``). An
    existing complete ``output`` of the same cohort is returned as is; a different one raises
    ``FileExistsError`` unless ``overwrite=True``.
    """

    from ._results import run_length

    sp = spec if isinstance(spec, CohortSpec) else load_cohort_spec(spec)
    n = check_count(n, "n")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    cycles, _ = run_length(cycles, None)
    if model is None:
        if sp.model is None:
            raise ValueError(f"the cohort file {sp.file} names no model: give model=")
        model = sp.model
    base = model if isinstance(model, Model) else load_model(model)
    evaluate = evaluate or default_evaluate

    meta = {
        "spec_name": sp.name, "spec_file": os.path.abspath(sp.file) if os.path.exists(sp.file)
        else sp.file, "spec_yaml": sp.text, "spec_sha256": sp.sha256, "seed": int(seed),
        "n": n, "method": method, "cycles": cycles, "model_file": base.file,
        "model_yaml": base.yaml, "venoflow_version": _venoflow.__version__,
        "evaluate": f"{getattr(evaluate, '__module__', '?')}.{getattr(evaluate, '__qualname__', '?')}",
        "parameters": sp.names,
    }
    identity = {k: meta[k] for k in ("spec_sha256", "seed", "n", "method", "cycles",
                                     "model_yaml", "evaluate")}
    out_path = os.fspath(output) if output is not None else None
    if out_path is not None and os.path.exists(out_path) and not overwrite:
        old = load_cohort(out_path)
        if all(old.attrs.get(k) == v for k, v in identity.items()):
            return old
        raise FileExistsError(f"{out_path} holds a different cohort (spec, seed, n, method, "
                              "cycles, model or evaluation differ): give overwrite=True or "
                              "another output")

    sample = sp.sample(n, seed, method)
    values = sample[sp.names].to_dict("records")
    tasks = [(sp.overrides(base, v), sp.overrides(base, v, reference=True)) for v in values]
    _check_paths(sp, base, tasks)

    rows: list[dict | None] = [None] * n
    partial = None
    if out_path is not None:
        partial = _Partial(out_path + ".partial.jsonl", identity, resume)
        partial.restore(rows)
    run_recorded(base, tasks, rows, partial, evaluate, cycles, workers, client,
                 progress, "subject", f"cohort {sp.name}")

    df = _table(sample, rows)
    df.attrs.update(meta)
    df.attrs["failed"] = int((~df["complete"]).sum())
    if out_path is not None:
        save_cohort(df, out_path)
        os.remove(partial.path)
    return df


def _check_paths(sp: CohortSpec, base: Model, tasks) -> None:
    """A target path the model does not have is a mismatch of specification and model, not a
    failure of some subjects: KeyError before anything runs, naming the path."""
    paths = {}
    for o, r in tasks:
        paths.update(o)
        paths.update(r)
    doc = base._doc.copy()
    for path, text in paths.items():
        if path == "stenoses":
            continue
        try:
            doc.set(path, text)
        except KeyError as e:
            raise KeyError(f"cohort {sp.file}: a target of the specification is not a key of "
                           f"the model {base.file}: {e.args[0] if e.args else path}") from None


def run_recorded(base, tasks, rows, partial, evaluate, cycles, workers, client, progress,
                 unit, desc) -> None:
    """Run every task whose row is still None (run_subjects), each finished row into ``rows``
    and, unless the run was stopped, into ``partial`` (resume file, or None), with a progress bar
    if asked; the bar and the resume file are closed however the run ends. Shared by
    :func:`cohort` and ``venoflow.sensitivity``."""
    todo = [i for i in range(len(tasks)) if rows[i] is None]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), unit=unit, desc=desc)

    def done(i: int, row: dict) -> None:
        rows[i] = row
        if partial is not None and row.get("error") != STOPPED:
            partial.append(i, row)
        if bar is not None:
            bar.update()

    try:
        run_subjects(base, tasks, todo, evaluate, cycles, workers, client, done)
    finally:
        if bar is not None:
            bar.close()
        if partial is not None:
            partial.close()


def run_subjects(base, tasks, todo, evaluate, cycles, workers, client, done) -> None:
    """Run subjects ``todo`` (indices into ``tasks``, pairs of subject and reference overrides)
    on local threads or, with ``client``, on a Dask cluster; ``done(i, row)`` as each finishes.
    Shared by :func:`cohort` and ``venoflow.sensitivity``."""
    if client is None:
        _threads(base, tasks, todo, evaluate, cycles, workers, done)
        return
    from distributed import as_completed as dask_completed

    # The model goes to each worker once (a task would otherwise carry its YAML and parse it
    # again: about 6 ms and 26 kB per subject for the default model).
    shared = client.scatter(base, broadcast=True, hash=False)
    futs = [client.submit(run_subject, shared, tasks[i][0], tasks[i][1], evaluate, cycles,
                          pure=False) for i in todo]
    index = {f.key: i for f, i in zip(futs, todo)}
    try:
        for fut in dask_completed(futs):
            done(index[fut.key], _dask_row(fut))
    except BaseException:
        client.cancel(futs)
        raise


def _dask_row(fut) -> dict:
    """The row of a finished Dask task; a task that could not run (its worker died, its
    arguments did not unpickle) is a failed subject with that error, not the end of the
    cohort."""
    try:
        return fut.result()
    except Exception as e:  # noqa: BLE001
        return {"complete": False, "error": f"{type(e).__name__}: {e}", "wall_time": float("nan")}


def _threads(base, tasks, todo, evaluate, cycles, workers, done) -> None:
    n = workers or os.cpu_count() or 1
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="venoflow-cohort")
    futs = {pool.submit(run_subject, base, tasks[i][0], tasks[i][1], evaluate, cycles): i
            for i in todo}
    pending = set(futs)

    def record(finished) -> None:
        """The rows of finished subjects; a subject stopped by Ctrl-C re-raises its interrupt,
        but only after every other finished subject's row is kept (several can finish between
        two polls, in any order)."""
        stop = None
        for f in finished:
            try:
                row = f.result()
            except BaseException as e:  # noqa: BLE001 - KeyboardInterrupt from run_subject
                stop = stop or e
                continue
            done(futs[f], row)
        if stop is not None:
            raise stop

    try:
        while pending:
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            record(finished)
    except BaseException:
        # Ctrl-C: subjects not started are cancelled; running ones finish (their rows are
        # kept in the partial file), then the interrupt propagates.
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True)
        try:
            record([f for f in pending if f.done() and not f.cancelled()])
        except BaseException:  # noqa: BLE001 - a second interrupt: the first one propagates
            pass
        raise
    pool.shutdown(wait=True)


def _table(sample, rows: list[dict]):
    import pandas as pd

    cols: dict[str, list] = {}
    order: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols[k] = []
                order.append(k)
    data = {k: sample[k].to_list() for k in sample.columns}
    tail = ("complete", "error", "warnings", "wall_time")
    for k in [k for k in order if k not in tail] + list(tail):
        vals = [r.get(k) for r in rows]
        given = [v for v in vals if v is not None]
        if given and all(isinstance(v, (int, float, np.integer, np.floating))
                         and not isinstance(v, (bool, np.bool_)) for v in given):
            vals = [float("nan") if v is None else float(v) for v in vals]
        data[k] = vals
    df = pd.DataFrame(data)
    df["complete"] = df["complete"].astype(bool)
    return df


class _Partial:
    """``<output>.partial.jsonl``: a header line (the cohort's identity) then one line per
    finished subject, flushed as it finishes. A torn last line (crash while writing) is
    ignored on resume."""

    def __init__(self, path: str, identity: dict, resume: bool):
        self.path = path
        self.rows: dict[int, dict] = {}
        if os.path.exists(path) and resume:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            try:
                header = json.loads(lines[0])
            except (json.JSONDecodeError, IndexError):
                header = None
            if header != {"identity": identity}:
                raise FileExistsError(
                    f"{path} belongs to a different cohort (spec, seed, n, method, cycles, "
                    "model or evaluation differ): remove it or give resume=False")
            for line in lines[1:]:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # torn last line
                self.rows[int(rec["subject"])] = rec["row"]
            self.f = open(path, "a", encoding="utf-8")
            if lines[-1] != "":  # torn line without its newline: start a fresh line
                self.f.write("\n")
        else:
            self.f = open(path, "w", encoding="utf-8")
            self.f.write(json.dumps({"identity": identity}) + "\n")

    def restore(self, rows: list) -> None:
        """Put the rows of a resumed run in their places of ``rows``."""
        for i, r in self.rows.items():
            if 0 <= i < len(rows):
                rows[i] = r
        self.f.flush()

    def append(self, i: int, row: dict) -> None:
        self.f.write(json.dumps({"subject": i, "row": row}, default=_json_default,
                                allow_nan=True) + "\n")
        self.f.flush()

    def close(self) -> None:
        self.f.close()


def _json_default(v):
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, np.bool_):
        return bool(v)
    raise TypeError(f"cannot store {v!r} in the partial cohort file")


def save_cohort(df, path: str | os.PathLike) -> None:
    """Write a cohort table as Parquet with ``df.attrs`` (spec, seed, version ...) in the
    file's key-value metadata under ``b"venoflow_cohort"``. Atomic: written to a temporary file
    next to it and renamed, so an existing file is never left half-written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = os.fspath(path)
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps(dict(df.attrs)).encode()
    tmp = path + ".tmp"
    try:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_cohort(path: str | os.PathLike):
    """Read a cohort table written by :func:`cohort` (``df.attrs`` restored)."""
    import pyarrow.parquet as pq

    table = pq.read_table(os.fspath(path))
    meta = table.schema.metadata or {}
    if _META_KEY not in meta:
        raise ValueError(f"{os.fspath(path)} is not a venoflow cohort table (no metadata)")
    df = table.to_pandas()
    df.attrs.update(json.loads(meta[_META_KEY].decode()))
    return df
