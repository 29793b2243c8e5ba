"""The spectrum-bias study of a cohort table (docs/cohort.md#the-study-report).

``study_report(df, ...)`` reads a table of :func:`venoflow.cohort` and returns the prevalence of
each criterion and of CCSVI, the 2x2 table of the test against a user-defined hemodynamically
relevant effect (sensitivity, specificity, predictive values, Wilson intervals), the ROC of the
criteria count, and the same statistics in a case-control design (extreme cases against clean
controls) next to the whole population.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from . import stats

MMHG = 133.322387415  # Pa (docs/model-format.md#units)

#: CCSVI criterion 3 as operationalised by Mayer et al. 2011 (JNNP 82:436, Table 2, citing
#: Zamboni et al. 2009): IJV CSA <= 0.3 cm^2 [READ-3P, docs/ccsvi-criteria.md].
C3_CSA = 0.3e-4  # m^2


def metric_criteria(df) -> Any:
    """The two Zamboni criteria that the runs' mean metrics decide, for a table without the
    virtual exam's columns (docs/ccsvi-criteria.md): ``C3m`` (supine mean CSA <= 0.3 cm^2 at
    any IJV cross-section the model reports, J2/J3 in the default model: B-mode sees the J1
    stenosis itself, which this proxy does not) and ``C5m`` (CSA_supine - CSA_upright < 0 at J2 on
    either side), and ``count_m`` = C3m + C5m. A DataFrame aligned with ``df``. Not the virtual
    exam: reflux (C1, C2) and undetectable flow (C4) need the waveforms."""
    import pandas as pd

    sup = [c for c in df.columns if c.startswith("supine_csa_IJV_")]
    c3 = (df[sup] <= C3_CSA).any(axis=1) if sup else pd.Series(np.nan, index=df.index)
    c5 = pd.Series(False, index=df.index)
    for side in ("R", "L"):
        s, u = f"supine_csa_IJV_{side}_J2", f"upright_csa_IJV_{side}_J2"
        if s in df and u in df:
            c5 |= (df[s] - df[u]) < 0
    ok = df["complete"].astype(bool)
    out = pd.DataFrame({"C3m": c3.astype(object).where(ok, None),
                        "C5m": c5.astype(object).where(ok, None)})
    out["count_m"] = (c3.astype(float) + c5.astype(float)).where(ok, np.nan)
    return out


def relevant_effect(df, sinus_mmHg: float | None = 1.0, icp_mmHg: float | None = 1.0,
                    cbf_fall: float | None = 0.05,
                    postures: Sequence[str] = ("supine", "upright")):
    """A hemodynamically relevant effect, against the same subject without its venous anomalies:
    in any of ``postures``, a rise of sinus pressure of at least ``sinus_mmHg``, or of ICP of at
    least ``icp_mmHg``, or a fall of CBF of at least ``cbf_fall`` (fraction). None leaves a
    component out. Boolean Series (None for failed subjects)."""
    import pandas as pd

    hit = pd.Series(False, index=df.index)
    for p in postures:
        if sinus_mmHg is not None:
            hit |= df[f"effect_{p}_sinus_pressure"] >= sinus_mmHg * MMHG
        if icp_mmHg is not None:
            hit |= df[f"effect_{p}_icp_mean"] >= icp_mmHg * MMHG
        if cbf_fall is not None:
            hit |= df[f"effect_{p}_cbf_rel"] <= -cbf_fall
    hit = hit.astype(object)
    hit[~df["complete"].astype(bool)] = None
    return hit


def clean_subjects(df, spec=None):
    """Subjects without any venous anomaly: every parameter of the cohort's specification that
    has a ``reference:`` value (stenoses, valves) takes it. ``spec``: a :class:`CohortSpec`;
    default: the one stored in ``df.attrs`` by :func:`venoflow.cohort`."""
    import pandas as pd

    from ._cohort_spec import parse_cohort_spec

    if spec is None:
        if "spec_yaml" not in df.attrs:
            raise ValueError("the table has no cohort specification in df.attrs (pandas drops "
                             "attrs in some operations, e.g. join): give spec=")
        spec = parse_cohort_spec(df.attrs["spec_yaml"], df.attrs.get("spec_file", "<cohort>"))
    sp = spec
    clean = pd.Series(True, index=df.index)
    for p in sp.parameters:
        if p.reference is not None:
            clean &= df[p.name] == p.reference
    return clean


@dataclass
class StudyReport:
    """Result of :func:`study_report`; ``str()`` prints it. Tables are pandas objects."""

    test: str
    score: str | None
    n: int
    failed: int
    prevalence: Any
    table: stats.TwoByTwo
    roc: stats.ROC | None
    spectrum: Any
    cases: int
    controls: int
    definition: str
    notes: list = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"cohort: {self.n} subjects, {self.failed} failed",
                 f"relevant effect: {self.definition}",
                 "", "prevalence (Wilson 95 % CI):", self.prevalence.to_string(),
                 "", f"{self.test} against the relevant effect (whole population):",
                 str(self.table)]
        if self.roc is not None:
            lines += ["", f"ROC of {self.score}: AUC {self.roc.auc:.3f}"]
        lines += ["", f"case-control ({self.cases} extreme cases, {self.controls} clean "
                  "controls) vs population:",
                  self.spectrum[["n", "sensitivity", "specificity", "ppv", "npv"]].to_string()]
        lines += self.notes
        return "\n".join(lines)

    def plot(self, axes=None):
        """Two panels: the ROC of the score (with the population and case-control operating
        points of the test) and the accuracy figures in both designs with their intervals."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 4))
        ax = axes[0]
        if self.roc is not None:
            ax.plot(self.roc.fpr, self.roc.tpr, "o-", label=f"{self.score} (AUC "
                    f"{self.roc.auc:.2f})")
        for design, marker in (("population", "s"), ("case_control", "^")):
            r = self.spectrum.loc[design]
            ax.plot(1 - r["specificity"], r["sensitivity"], marker, ms=9,
                    label=f"{self.test}, {design.replace('_', '-')}")
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        ax.set_xlabel("1 - specificity")
        ax.set_ylabel("sensitivity")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=8)
        ax = axes[1]
        names = ["sensitivity", "specificity", "ppv", "npv"]
        x = np.arange(len(names))
        for k, design in enumerate(("population", "case_control")):
            r = self.spectrum.loc[design]
            est = np.array([r[m] for m in names], dtype=float)
            lo = np.array([r[f"{m}_low"] for m in names], dtype=float)
            hi = np.array([r[f"{m}_high"] for m in names], dtype=float)
            ax.errorbar(x + (k - 0.5) * 0.25, est, yerr=[est - lo, hi - est], fmt="o",
                        capsize=3, label=design.replace("_", "-"))
        ax.set_xticks(x)
        ax.set_xticklabels(names)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{self.test}: apparent accuracy by design")
        ax.legend(fontsize=8)
        return axes


def study_report(df, *, test: str = "ccsvi", score: str | None = "count",
                 relevant: Callable | Any | None = None, case_fraction: float = 0.25,
                 level: float = 0.95, spec=None, definition: str | None = None) -> StudyReport:
    """The spectrum-bias study of a cohort table.

    ``test``: boolean column (default ``ccsvi``; :func:`metric_criteria` gives ``C3m``/``C5m``
    for tables without the virtual exam). ``score``: ordinal column for the ROC (default
    ``count``; None: no ROC). ``relevant``: boolean Series, or a function of the table, or None
    for :func:`relevant_effect` with its defaults (>= 1 mmHg sinus pressure or ICP rise, or >= 5
    % CBF fall, in either posture). Case-control design: cases are the subjects with a relevant
    effect whose largest effect (sinus or ICP rise, in mmHg, either posture) is in the top
    ``case_fraction`` of those with the effect; controls are the clean subjects (no anomaly,
    :func:`clean_subjects`; ``spec`` as there). ``definition``: words for the relevant effect
    in the printed report."""
    import pandas as pd

    ok = df["complete"].astype(bool)
    if relevant is None:
        truth = relevant_effect(df)
        auto = ">= 1 mmHg rise of sinus pressure or ICP, or >= 5 % fall of CBF, " \
                     "supine or upright, against the same subject without its anomalies"
    elif callable(relevant):
        truth = relevant(df)
        auto = getattr(relevant, "__doc__", None) or getattr(relevant, "__name__", "user")
    else:
        truth = pd.Series(relevant, index=df.index)
        auto = "user-given"
    definition = auto if definition is None else definition
    if test not in df:
        raise KeyError(f"no column {test!r} in the cohort table (the virtual exam's 'ccsvi', or "
                       "the metric criteria of venoflow.study.metric_criteria)")
    t = df[test].where(ok, None)

    prev = {}
    crits = [c for c in ("C1", "C2", "C3", "C4", "C5", "C3m", "C5m") if c in df]
    for c in crits + ([test] if test not in crits else []) + ["__relevant__"]:
        col = truth if c == "__relevant__" else df[c].where(ok, None)
        est, (lo, hi), used = stats.prevalence(col, level)
        prev["relevant effect" if c == "__relevant__" else c] = {
            "prevalence": est, "low": lo, "high": hi, "n": used}
    if "group" in df:
        for g in sorted(df["group"].dropna().unique()):
            sel = (df["group"] == g).to_numpy()
            est, (lo, hi), used = stats.prevalence(t[sel], level)
            prev[f"{test} | {g}"] = {"prevalence": est, "low": lo, "high": hi, "n": used}
    prevalence = pd.DataFrame(prev).T

    table = stats.two_by_two(t, truth, level)
    roc = None
    if score is not None and score in df:
        roc = stats.roc(df[score].where(ok, np.nan).astype(float), truth, level)

    # severity of the effect (mmHg), for picking the extreme cases
    eff = []
    for p in ("supine", "upright"):
        for m in ("sinus_pressure", "icp_mean"):
            k = f"effect_{p}_{m}"
            if k in df:
                eff.append(df[k] / MMHG)
    severity = pd.concat(eff, axis=1).max(axis=1) if eff else pd.Series(0.0, index=df.index)
    has = truth.map(lambda v: v is True).astype(bool) & ok
    cut = severity[has].quantile(1 - case_fraction) if has.any() else np.inf
    case = has & (severity >= cut)
    control = clean_subjects(df, spec) & ok & ~case
    spec_df = stats.spectrum(t, truth, case, control, level)
    notes = []
    if table.tp + table.fn == 0 or table.tn + table.fp == 0:
        notes.append("note: one class of the relevant effect is empty: sensitivity or "
                     "specificity undefined")
    return StudyReport(test=test, score=score if roc is not None else None, n=len(df),
                       failed=int((~ok).sum()), prevalence=prevalence, table=table, roc=roc,
                       spectrum=spec_df, cases=int(case.sum()), controls=int(control.sum()),
                       definition=str(definition).strip(), notes=notes)
