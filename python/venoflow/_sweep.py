"""Parameter studies: many variants of one model, run in threads or on a Dask cluster."""

from __future__ import annotations

import itertools
import json
import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from . import _venoflow
from ._model import Model, _yaml_value, load_model
from ._results import run_length

_META_KEY = b"venoflow"


def variants(parameters: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]]) -> list[dict]:
    """The variants of a study: the full factorial of a ``{path: [values]}`` mapping (first
    path varies slowest), or an explicit list of ``{path: value}`` dicts, returned as is."""
    if isinstance(parameters, Mapping):
        keys = list(parameters)
        for k in keys:
            if isinstance(parameters[k], (str, bytes)) or not hasattr(parameters[k], "__iter__"):
                raise TypeError(f"sweep values for {k!r} must be a list, got {parameters[k]!r}")
        return [dict(zip(keys, combo))
                for combo in itertools.product(*(list(parameters[k]) for k in keys))]
    return [dict(v) for v in parameters]


#: ``error`` of a variant stopped by Ctrl-C (or ``stop``) while it ran / before it started.
STOPPED = "Interrupted: stopped while running"
NOT_STARTED = "Interrupted: not started"


def run_variant(model: Model, overrides: Mapping[str, Any], cycles: int | None,
                t_end: float | None, stop: _venoflow.StopFlag | None = None,
                exam: bool = False) -> dict:
    """Run one variant; never raises. Returns metrics, status and timings as a flat dict.
    ``stop`` (shared by the variants of a sweep) makes the run end at its next output sample.
    (Module-level so that Dask can pickle it by reference.)"""
    row: dict[str, Any] = {}
    t0 = time.perf_counter()
    if stop is not None and stop.is_set:
        return {"complete": False, "error": NOT_STARTED, "run_time": float("nan"),
                "wall_time": 0.0}
    try:
        m = model.copy()
        if overrides:
            # validated when the run builds the model (an invalid value -> ModelError row)
            m.update({k: _yaml_value(v) for k, v in overrides.items()}, validate=False)
        raw = _venoflow.run(m._doc, cycles=cycles, t_end=t_end, stop=stop, with_text=False)
        failure = raw.get("failure")
        row.update({k: float(v[0]) for k, v in raw["metrics"].items()})
        row["complete"] = bool(raw["outcome"]["complete"])
        if failure is not None:
            row["error"] = f"SolverError: {failure['message']}"
        elif raw["outcome"].get("interrupted"):
            row["error"] = STOPPED
        else:
            row["error"] = None
        # validity-domain violations of a completed run (solver.on_domain_violation: warn)
        row["warnings"] = "\n".join(raw["outcome"].get("warnings", [])) or None
        row["run_time"] = float(raw["cpp_time"])
        row["_metric_units"] = {k: v[1] for k, v in raw["metrics"].items()}
        if exam and row["error"] is None:
            row.update(_exam_columns(m, stop, row["_metric_units"]))
    except Exception as e:  # noqa: BLE001 - a failing variant is recorded, the study goes on
        row["complete"] = False
        row["error"] = f"{type(e).__name__}: {e}"
        row["run_time"] = float("nan")
    row["wall_time"] = time.perf_counter() - t0
    return row


def _exam_columns(m: Model, stop, units: dict) -> dict:
    """The virtual Doppler exam of a variant as columns: ``exam_count``, ``exam_ccsvi`` and, per
    counted criterion, ``exam_C<n>`` (positive, any of its readings) and ``exam_C<n>_value``
    (its first counted reading's value, SI; NaN when not evaluable)."""
    raw = _venoflow.virtual_exam(m._doc, stop=stop)
    out: dict[str, Any] = {"exam_count": raw["count"], "exam_ccsvi": raw["ccsvi"]}
    units.update({"exam_count": "1", "exam_ccsvi": "1"})
    for r in raw["criteria"]:
        if not r["counted"]:
            continue
        k = f"exam_C{r['criterion']}"
        if k not in out:
            out[k], out[k + "_value"] = bool(r["positive"]), float(r["value"])
            units[k], units[k + "_value"] = "1", r["unit"]
        else:
            out[k] = out[k] or bool(r["positive"])
    return out


def _column(values: list) -> list:
    """Parquet needs one type per column: keep all-numeric (or all-bool) columns, else text.
    None marks a parameter that a variant (of an explicit list) does not set."""
    given = [v for v in values if v is not None]
    if all(isinstance(v, (bool, np.bool_)) for v in given):
        return values
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
           for v in given):
        return [float("nan") if v is None else v for v in values]
    return [None if v is None else _yaml_value(v) for v in values]


def sweep(model: Model | str | os.PathLike,
          parameters: Mapping[str, Sequence[Any]] | Iterable[Mapping[str, Any]], *,
          workers: int | None = None, cycles: int | None = None, t_end: float | None = None,
          client=None, progress: bool = True, stop: _venoflow.StopFlag | None = None,
          exam: bool = False):
    """Run a parameter study and return a ``pandas.DataFrame``, one row per variant.

    ``parameters`` is ``{path: [values]}`` (full factorial; paths and values as in
    :meth:`Model.set`, e.g. ``{"vessels.cca.radius": ["2.5 mm", "3 mm"], "solver.rtol": [1e-6,
    1e-7]}``) or an explicit list of ``{path: value}`` dicts.

    Columns: one per parameter (values as given), one per metric (SI; units in
    ``df.attrs["metric_units"]``), ``complete``, ``error`` (None, or the exception of a failed
    variant - the study goes on), ``warnings`` (None, or the validity-domain violations of a
    variant run with ``solver.on_domain_violation: warn``, one per line), ``run_time`` (C++ wall
    time [s]: build the model, discretise,
    integrate - what ``venoflow run`` does) and ``wall_time`` (the whole variant including the
    Python layer [s]). ``df.attrs`` also holds ``model_yaml``, ``model_file``,
    ``venoflow_version`` and ``parameters`` (see :func:`save_study`).

    Runs on local threads (``workers``, default: CPU count; each variant its own Simulation,
    run with the GIL released), or, with ``client=`` a ``dask.distributed.Client``, on that
    cluster (the model is pickled to the workers; table files must be visible there at the
    same path). ``progress`` shows a tqdm bar.

    ``exam=True`` also runs the virtual Doppler exam of each variant (:func:`virtual_exam`; the
    model needs an ``exam:`` section) and adds its columns: ``exam_count``, ``exam_ccsvi``,
    ``exam_C1`` ... ``exam_C5`` (positive) and ``exam_C<n>_value`` (SI, unit in
    ``metric_units``).

    Ctrl-C (``KeyboardInterrupt``) stops the study promptly: with threads, the running variants
    get a shared :class:`StopFlag` and stop at their next output sample (the study returns within
    about 0.1 s), variants not yet started are cancelled. The ``KeyboardInterrupt`` is then
    re-raised with the partial study attached as ``exc.study`` (same columns; finished variants
    as usual, the stopped ones with ``complete = False``, ``error =
    "Interrupted: stopped while running"`` and the metrics of the part they ran, the others
    ``error = "Interrupted: not started"`` and NaN metrics). On a Dask cluster the
    pending tasks are cancelled (running ones finish on their worker) and the study holds the
    variants finished so far. ``stop`` (a :class:`StopFlag`) stops a thread sweep the same way
    from another thread, without an exception: the partial study is returned (Ctrl-C sets that
    flag too; ``clear()`` it before reusing it).
    """
    import pandas as pd

    cycles, t_end = run_length(cycles, t_end)
    base = model if isinstance(model, Model) else load_model(model)
    var = variants(parameters)
    rows: list[dict | None] = [None] * len(var)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(var), unit="variant", desc="sweep")
    interrupt: BaseException | None = None
    try:
        if client is not None:
            from distributed import as_completed as dask_completed

            futures = client.map(run_variant, [base] * len(var), var, [cycles] * len(var),
                                 [t_end] * len(var), [None] * len(var), [exam] * len(var),
                                 pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            try:
                for fut in dask_completed(futures):
                    rows[index[fut.key]] = fut.result()
                    if bar is not None:
                        bar.update()
            except KeyboardInterrupt as e:
                client.cancel(futures)
                interrupt = e
        else:
            interrupt = _run_threads(base, var, cycles, t_end, workers, stop, rows, bar, exam)
    finally:
        if bar is not None:
            bar.close()

    for i, r in enumerate(rows):
        if r is None:  # cancelled before it ran (Ctrl-C)
            rows[i] = {"complete": False, "error": NOT_STARTED, "run_time": float("nan"),
                       "wall_time": 0.0}
    units: dict[str, str] = {}
    for r in rows:
        units.update(r.pop("_metric_units", {}))
    keys = list(dict.fromkeys(k for v in var for k in v))
    metric_cols = list(units)
    data: dict[str, list] = {}
    for k in keys:
        data[k] = _column([v.get(k) for v in var])
    for k in metric_cols:
        data[k] = [r.get(k, float("nan")) for r in rows]
    for k in ("complete", "error", "warnings", "run_time", "wall_time"):
        data[k] = [r.get(k) for r in rows]
    df = pd.DataFrame(data)
    df.attrs.update({
        "parameters": keys,
        "metrics": metric_cols,
        "metric_units": units,
        "model_yaml": base.yaml,
        "model_file": base.file,
        "venoflow_version": _venoflow.__version__,
        "cycles": cycles,
        "t_end": t_end,
    })
    if interrupt is not None:
        interrupt.study = df
        raise interrupt
    return df


def _run_threads(base: Model, var: list[dict], cycles: int | None, t_end: float | None,
                 workers: int | None, stop: _venoflow.StopFlag | None, rows: list, bar,
                 exam: bool = False):
    """Run the variants on a thread pool, filling ``rows``. Returns the KeyboardInterrupt that
    stopped the study (running variants stopped through the shared flag, the others cancelled),
    or None."""
    flag = stop if stop is not None else _venoflow.StopFlag()
    n = workers or os.cpu_count() or 1
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="venoflow-sweep")
    futs = {pool.submit(run_variant, base, v, cycles, t_end, flag, exam): i
            for i, v in enumerate(var)}
    pending = set(futs)
    interrupt = None
    try:
        while pending:
            # Wait in short slices: a signal (Ctrl-C, _thread.interrupt_main) is handled between
            # them even if it did not wake this thread up.
            done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in done:
                rows[futs[fut]] = fut.result()
                if bar is not None:
                    bar.update()
    except BaseException as e:
        flag.set()
        for f in pending:
            f.cancel()
        if not isinstance(e, KeyboardInterrupt):
            pool.shutdown(wait=True)
            raise
        interrupt = e
    # After Ctrl-C the running variants stop at their next output sample; collect them (a
    # second Ctrl-C while waiting abandons them).
    pool.shutdown(wait=True)
    for fut, i in futs.items():
        if rows[i] is None and fut.done() and not fut.cancelled():
            rows[i] = fut.result()
            if bar is not None:
                bar.update()
    return interrupt


def save_study(df, path: str | os.PathLike) -> None:
    """Save a study table as Parquet (pyarrow). ``df.attrs`` (model YAML text, venoflow version,
    parameters, metric units) go into the file's key-value metadata under ``b"venoflow"``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps(dict(df.attrs)).encode()
    pq.write_table(table.replace_schema_metadata(meta), os.fspath(path))


def load_study(path: str | os.PathLike):
    """Load a study saved by :func:`save_study`, with ``df.attrs`` restored."""
    import pyarrow.parquet as pq

    table = pq.read_table(os.fspath(path))
    meta = table.schema.metadata or {}
    df = table.to_pandas()
    if _META_KEY in meta:
        df.attrs.update(json.loads(meta[_META_KEY].decode()))
    return df
