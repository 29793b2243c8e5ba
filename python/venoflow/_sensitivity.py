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

from ._cohort import default_evaluate, run_subject
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
    indices moved by at most their 2N confidence half-width (or 0.02) between N and 2N.
    ``failed``: model evaluations that failed (their outputs are NaN; an output with any NaN
    gets NaN indices: Saltelli's estimators need every point), ``failures`` their inputs and
    errors. ``n``: base sample size N; ``evaluations``: total model runs."""

    indices: Any
    n: int
    evaluations: int
    failed: int
    parameters: list
    outputs: list
    failures: Any = None  # DataFrame: inputs (SI) and error of each failed evaluation

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
                atol: float | Mapping[str, float] = 0.0) -> SensitivityResult:
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

    ``n`` is the base sample N (a power of 2 keeps Sobol's balance): N (d + 2) evaluations, and
    as many again twice over for the 2N check when ``convergence`` (3 N (d + 2) in all).

    ``atol`` (a number, or ``{output: number}``, in the output's SI unit): an output whose
    range over the sample is at most this is constant (round-off, e.g. an effect of 1e-9 Pa):
    all its indices are 0 instead of ratios of round-off variances.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    import pandas as pd

    n = check_count(n, "n", minimum=2)
    if function is not None:
        if not isinstance(problem, Mapping):
            raise TypeError("with function=, problem is a SALib problem dict (names, bounds)")
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
        run = lambda U: _cohort_outputs(sp, base, U, outputs, evaluate or default_evaluate,  # noqa: E731
                                        cycles, workers, client, progress)

    sizes = [n, 2 * n] if convergence else [n]
    results = []
    failures = []
    failed = 0
    evaluations = 0
    for k, size in enumerate(sizes):
        X = sobol_sample.sample(prob, size, calc_second_order=False, seed=seed + k)
        Y, fails = run(X)
        failed += len(fails)
        failures += fails
        evaluations += len(X)
        per = {}
        for name, y in Y.items():
            y = np.asarray(y, dtype=float)
            if not np.all(np.isfinite(y)):
                nan = np.full(prob["num_vars"], np.nan)
                per[name] = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
                continue
            tol = atol.get(name, 0.0) if isinstance(atol, Mapping) else atol
            if np.ptp(y) <= tol:  # constant output: no variance to share out
                z = np.zeros(prob["num_vars"])
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
                row["converged"] = bool(abs(row["S1"] - row["S1_N"]) <= tol_s1 and
                                        abs(row["ST"] - row["ST_N"]) <= tol_st)
            rows.append(row)
    df = pd.DataFrame(rows).set_index(["output", "parameter"])
    return SensitivityResult(indices=df, n=n, evaluations=evaluations, failed=failed,
                             parameters=list(prob["names"]), outputs=list(final),
                             failures=pd.DataFrame(failures))


def _function_outputs(function, X) -> tuple[dict, list]:
    Y = function(X)
    if isinstance(Y, Mapping):
        return {k: np.asarray(v, dtype=float) for k, v in Y.items()}, []
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        return {"y": Y}, []
    return {f"y{i}": Y[:, i] for i in range(Y.shape[1])}, []


def _cohort_outputs(sp: CohortSpec, base: Model, U: np.ndarray, outputs, evaluate, cycles,
                    workers, client, progress) -> tuple[dict, list]:
    import pandas as pd

    from ._cohort import _dask_row, _threads

    U = np.clip(U, 1e-12, 1 - 1e-12)
    groups, vals = sp.values(U, correlate=False)
    df = pd.DataFrame(vals)
    tasks = [(sp.overrides(base, v), sp.overrides(base, v, reference=True))
             for v in df.to_dict("records")]
    rows: list[dict | None] = [None] * len(tasks)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), unit="run", desc="sensitivity")

    def done(i, row):
        rows[i] = row
        if bar is not None:
            bar.update()

    try:
        if client is not None:
            from distributed import as_completed as dask_completed

            futs = [client.submit(run_subject, base, a, b, evaluate, cycles, pure=False)
                    for a, b in tasks]
            index = {f.key: i for i, f in enumerate(futs)}
            for fut in dask_completed(futs):
                done(index[fut.key], _dask_row(fut))
        else:
            _threads(base, tasks, list(range(len(tasks))), evaluate, cycles, workers, done)
    finally:
        if bar is not None:
            bar.close()
    cols = list(outputs) if outputs is not None else [
        c for c in DEFAULT_OUTPUTS if any(c in r for r in rows)]
    fails = [{**df.iloc[i].to_dict(), **({"group": groups[i]} if sp.groups else {}),
              "error": r.get("error")} for i, r in enumerate(rows) if not r.get("complete")]
    out = {}
    for c in cols:
        out[c] = np.array([float(r[c]) if r.get(c) is not None else np.nan for r in rows])
    return out, fails
