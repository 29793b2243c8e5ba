"""Global sensitivity: Sobol first-order and total indices (SALib, Saltelli's scheme).

``venoflow.sensitivity`` estimates, for each output, the share of its variance due to each
input alone (S1) and with all its interactions (ST) - Saltelli 2002 / Saltelli et al. 2010 as
implemented in SALib (``SALib.sample.sobol``, ``SALib.analyze.sobol``), with bootstrap
confidence intervals, and checks convergence by estimating everything again with twice the base
sample (N against 2N). Inputs are a cohort specification's parameters (sampled through their
marginals' inverse CDFs, so the indices refer to the cohort's distributions; correlations are
left out, as Sobol indices assume independent inputs) or, for a plain function, a SALib problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ._cohort import default_evaluate
from ._cohort_spec import CohortSpec, check_count, load_cohort_spec
from ._model import Model, load_model

#: Default outputs of a cohort sensitivity study (those present in the rows are used).
DEFAULT_OUTPUTS = ("supine_sinus_pressure", "upright_sinus_pressure", "supine_icp_mean",
                   "upright_icp_mean", "supine_cbf", "upright_cbf",
                   "effect_supine_sinus_pressure", "effect_upright_sinus_pressure",
                   "effect_supine_icp_mean", "effect_upright_icp_mean",
                   "effect_supine_cbf_rel", "effect_upright_cbf_rel", "count", "ccsvi")


@dataclass
class SensitivityResult:
    """``indices``: DataFrame indexed by (output, parameter) with S1, S1_conf, ST, ST_conf at
    the larger sample (2N when ``convergence``), and S1_N, ST_N (at N) with ``converged``: both
    indices moved by at most their 2N confidence half-width (or 0.02) between N and 2N, and
    both half-widths are at most ``precision``.
    ``failed``: model evaluations that failed (their outputs are NaN), ``failures`` their
    inputs and errors. With ``on_failure="nan"`` an output with any NaN gets NaN indices
    (Saltelli's estimators need every point of a base point's block); with ``"drop"`` the blocks
    holding a NaN are left out and ``dropped`` counts them per output (at 2N). ``n``: base sample size N; ``evaluations``: total model runs."""

    indices: Any
    n: int
    evaluations: int
    failed: int
    parameters: list
    outputs: list
    failures: Any = None  # DataFrame: inputs (SI) and error of each failed evaluation
    dropped: Any = None  # {output: base-point blocks left out} with on_failure="drop"

    def plot(self, output: str, ax=None):
        """Bar chart of S1 and ST (with their confidence intervals) for one output."""
        import matplotlib.pyplot as plt

        d = self.indices.loc[output]
        if ax is None:
            _, ax = plt.subplots(figsize=(max(4, 0.6 * len(d)), 3))
        x = np.arange(len(d))
        ax.bar(x - 0.2, d["S1"], 0.4, yerr=d["S1_conf"], label="first order S1", capsize=2)
        ax.bar(x + 0.2, d["ST"], 0.4, yerr=d["ST_conf"], label="total ST", capsize=2)
        ax.set_xticks(x)
        ax.set_xticklabels(d.index, rotation=45, ha="right")
        ax.set_ylabel("Sobol index")
        ax.set_title(output)
        ax.axhline(0, color="k", lw=0.5)
        ax.legend()
        return ax


def sensitivity(problem: CohortSpec | Mapping | str | os.PathLike | None, n: int = 64,
                seed: int = 0, *, function: Callable[[np.ndarray], Any] | None = None,
                model: Model | str | os.PathLike | None = None,
                outputs: Sequence[str] | None = None, evaluate: Callable | None = None,
                cycles: int | None = None, workers: int | None = None, client=None,
                num_resamples: int = 200, conf_level: float = 0.95,
                convergence: bool = True, progress: bool = True,
                atol: float | Mapping[str, float] = 0.0,
                output: str | os.PathLike | None = None, resume: bool = True,
                overwrite: bool = False, on_failure: str = "nan",
                precision: float = 0.1) -> SensitivityResult:
    """Sobol indices of outputs to inputs (Saltelli sampling, SALib).

    Two kinds of study:

    * ``function`` given: ``problem`` is a SALib problem (``{"names": [...], "bounds":
      [[lo, hi], ...]}``, uniform inputs) and ``function(X)`` maps an (m, d) array to (m,)
      outputs, an (m, k) array or a dict of arrays (named outputs).
    * otherwise ``problem`` is a cohort specification (file, :class:`CohortSpec` or None for
      the default) and each sample point is a virtual subject of ``model`` evaluated as in
      :func:`venoflow.cohort` (``evaluate``, ``cycles``; threads ``workers`` or a Dask
      ``client``); ``outputs`` picks the columns (default: the perfusion metrics, their effects
      and the criteria outcomes present). A cohort with groups gets one more input, ``group``.

    ``n`` is the base sample N (a power of 2 keeps Sobol's balance): N (d + 2) evaluations.
    With ``convergence`` the sample is 2N (d + 2) points, and the indices are estimated twice:
    on its first N (d + 2) points (which are exactly the N sample: the scrambled Sobol sequence
    of 2N points begins with the sequence of N points, and Saltelli's matrices are laid out
    base point by base point) and on all of it. So the check costs N (d + 2) more evaluations,
    not 2N (d + 2).

    ``output`` (cohort studies; ``.parquet``): every evaluation (unit inputs, parameter values,
    all the evaluation's columns, ``complete``, ``error``) is written there with the study's
    identity (spec, model, n, seed, convergence, evaluation) in the file's metadata; while it
    runs, finished evaluations go to ``<output>.partial.jsonl`` and an interrupted study
    continues where it stopped (``resume=True``). An existing complete ``output`` of the same
    study is read instead of run again (so the indices of other ``outputs`` cost nothing); a
    different one raises ``FileExistsError`` unless ``overwrite=True``.

    ``atol`` (a number, or ``{output: number}``, in the output's SI unit): an output whose
    range over the sample is at most this is constant (round-off, e.g. an effect of 1e-9 Pa):
    all its indices are 0 instead of ratios of round-off variances.

    ``precision`` (default 0.1): the largest confidence half-width of S1 and ST at 2N for an
    index to count as ``converged`` (besides moving by at most that half-width, or 0.02, from
    N to 2N).

    ``on_failure``: what a failed evaluation (a subject outside the model's validity domain, a
    solver failure; its outputs are NaN) does to the indices. ``"nan"`` (default): every index
    of an output with a NaN is NaN. ``"drop"``: Saltelli's estimators work base point by base
    point (the d + 2 evaluations A_i, AB_i^1..AB_i^d, B_i), so the blocks holding a NaN are
    left out and the indices are estimated on the others: they then describe the part of the
    input space where the model gives an answer (conditional on success), and
    ``SensitivityResult.dropped`` says how many blocks each output lost. Nothing is dropped
    silently: the failures stay in ``failures``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    import pandas as pd

    n = check_count(n, "n", minimum=2)
    if on_failure not in ("nan", "drop"):
        raise ValueError(f'on_failure must be "nan" or "drop", got {on_failure!r}')
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if function is not None:
        if not isinstance(problem, Mapping):
            raise TypeError("with function=, problem is a SALib problem dict (names, bounds)")
        if output is not None:
            raise ValueError("output= stores the model evaluations of a cohort study; with "
                             "function= there are none to store")
        prob = {"num_vars": len(problem["names"]), "names": list(problem["names"]),
                "bounds": [list(b) for b in problem["bounds"]]}
        run = lambda X: _function_outputs(function, X)  # noqa: E731
    else:
        sp = problem if isinstance(problem, CohortSpec) else load_cohort_spec(problem)
        if model is None:
            if sp.model is None:
                raise ValueError(f"the cohort file {sp.file} names no model: give model=")
            model = sp.model
        base = model if isinstance(model, Model) else load_model(model)
        names = sp.names + (["group"] if sp.groups else [])
        prob = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
        evaluate = evaluate or default_evaluate
        identity = {"spec_sha256": sp.sha256, "model_yaml": base.yaml, "n": n,
                    "seed": int(seed), "convergence": bool(convergence), "cycles": cycles,
                    "evaluate": f"{getattr(evaluate, '__module__', '?')}."
                                f"{getattr(evaluate, '__qualname__', '?')}",
                    "parameters": names}
        run = lambda U: _cohort_outputs(sp, base, U, outputs, evaluate, cycles,  # noqa: E731
                                        workers, client, progress, output, identity, resume,
                                        overwrite)

    d = prob["num_vars"]
    X = sobol_sample.sample(prob, 2 * n if convergence else n, calc_second_order=False,
                            seed=seed)
    Y, failures = run(X)
    blocks = [n * (d + 2), len(X)] if convergence else [len(X)]
    results = []
    dropped = {}
    for k, m in enumerate(blocks):
        per = {}
        for name, y in Y.items():
            y = np.asarray(y, dtype=float)[:m]
            if on_failure == "drop" and not np.all(np.isfinite(y)):
                ok = np.isfinite(y.reshape(-1, d + 2)).all(axis=1)
                dropped[name] = int((~ok).sum())  # the last (2N) estimate's count is kept
                y = y.reshape(-1, d + 2)[ok].ravel()
                if ok.sum() < 2:
                    y = np.full(2 * (d + 2), np.nan)
            elif on_failure == "drop":
                dropped[name] = 0
            if not np.all(np.isfinite(y)):
                nan = np.full(d, np.nan)
                per[name] = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
                continue
            tol = atol.get(name, 0.0) if isinstance(atol, Mapping) else atol
            if np.ptp(y) <= tol:  # constant output: no variance to share out
                z = np.zeros(d)
                per[name] = {"S1": z, "S1_conf": z, "ST": z, "ST_conf": z}
                continue
            r = sobol_analyze.analyze(prob, y, calc_second_order=False,
                                      num_resamples=num_resamples, conf_level=conf_level,
                                      seed=seed + 100 + k)
            per[name] = {key: np.asarray(r[key]) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        results.append(per)

    rows = []
    final = results[-1]
    for name, idx in final.items():
        for j, p in enumerate(prob["names"]):
            row = {"output": name, "parameter": p,
                   **{key: float(idx[key][j]) for key in ("S1", "S1_conf", "ST", "ST_conf")}}
            if convergence:
                first = results[0][name]
                row["S1_N"] = float(first["S1"][j])
                row["ST_N"] = float(first["ST"][j])
                tol_s1 = max(row["S1_conf"], 0.02)
                tol_st = max(row["ST_conf"], 0.02)
                # stable between N and 2N, and precise: an interval as wide as the index
                # would let any two estimates "agree"
                row["converged"] = bool(abs(row["S1"] - row["S1_N"]) <= tol_s1 and
                                        abs(row["ST"] - row["ST_N"]) <= tol_st and
                                        row["S1_conf"] <= precision and
                                        row["ST_conf"] <= precision)
            rows.append(row)
    df = pd.DataFrame(rows).set_index(["output", "parameter"])
    return SensitivityResult(indices=df, n=n, evaluations=len(X), failed=len(failures),
                             parameters=list(prob["names"]), outputs=list(final),
                             failures=pd.DataFrame(failures),
                             dropped=dropped if on_failure == "drop" else None)


def _function_outputs(function, X) -> tuple[dict, list]:
    Y = function(X)
    if isinstance(Y, Mapping):
        return {k: np.asarray(v, dtype=float) for k, v in Y.items()}, []
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        return {"y": Y}, []
    return {f"y{i}": Y[:, i] for i in range(Y.shape[1])}, []


def _cohort_outputs(sp: CohortSpec, base: Model, U: np.ndarray, outputs, evaluate, cycles,
                    workers, client, progress, output, identity, resume,
                    overwrite) -> tuple[dict, list]:
    import pandas as pd

    from ._cohort import _Partial, _table, load_cohort, run_recorded, save_cohort

    U = np.clip(U, 1e-12, 1 - 1e-12)
    groups, vals = sp.values(U, correlate=False)
    df = pd.DataFrame(vals)
    inputs = pd.DataFrame(U, columns=[f"u_{p}" for p in identity["parameters"]])
    sample = pd.concat([pd.DataFrame({"evaluation": np.arange(len(U))}), inputs, df], axis=1)
    if sp.groups:
        sample["group"] = groups
    out_path = os.fspath(output) if output is not None else None
    rows: list[dict | None] = [None] * len(U)
    table = None
    if out_path is not None and os.path.exists(out_path) and not overwrite:
        old = load_cohort(out_path)
        if old.attrs.get("sensitivity") != identity:
            raise FileExistsError(f"{out_path} holds a different sensitivity study (spec, "
                                  "model, n, seed, convergence, cycles or evaluation differ): "
                                  "give overwrite=True or another output")
        table = old
    partial = None
    if table is None:
        tasks = [(sp.overrides(base, v), sp.overrides(base, v, reference=True))
                 for v in df.to_dict("records")]
        if out_path is not None:
            partial = _Partial(out_path + ".partial.jsonl", identity, resume)
            partial.restore(rows)
        run_recorded(base, tasks, rows, partial, evaluate, cycles, workers, client, progress,
                     "run", "sensitivity")
        table = _table(sample, rows)
        table.attrs["sensitivity"] = identity
        table.attrs["venoflow_version"] = _venoflow_version()
        if out_path is not None:
            save_cohort(table, out_path)
            os.remove(partial.path)
    rows = table.to_dict("records")
    cols = list(outputs) if outputs is not None else [
        c for c in DEFAULT_OUTPUTS if c in table.columns]
    fails = [{**df.iloc[i].to_dict(), **({"group": groups[i]} if sp.groups else {}),
              "error": r.get("error")} for i, r in enumerate(rows) if not r.get("complete")]
    out = {}
    for c in cols:
        if c not in table.columns:
            raise KeyError(f"output {c!r} is not a column of the evaluations (columns: "
                           f"{', '.join(map(str, table.columns))})")
        out[c] = np.array([_number(r.get(c)) for r in rows])
    return out, fails


def _number(v) -> float:
    if v is None:
        return np.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def _venoflow_version() -> str:
    from . import _venoflow

    return _venoflow.__version__
