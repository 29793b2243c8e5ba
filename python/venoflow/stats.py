"""Diagnostic-accuracy statistics for cohort studies: 2x2 tables with Wilson intervals, the
ROC of an ordinal score (the criteria count), and the spectrum comparison of a case-control
design against the whole population (docs/cohort.md#statistics).

Plain numpy/scipy; no model runs. All functions take boolean / numeric arrays (or pandas
columns); missing values (None / NaN) are left out and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (Wilson 1927, JASA 22:209): centre
    (k + z^2/2)/(n + z^2), half-width z sqrt(k(n-k)/n + z^2/4)/(n + z^2). (nan, nan) if n = 0."""
    from scipy.stats import norm

    if n == 0:
        return (float("nan"), float("nan"))
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    z = float(norm.ppf(0.5 + level / 2.0))
    centre = (k + z * z / 2.0) / (n + z * z)
    half = z * math.sqrt(k * (n - k) / n + z * z / 4.0) / (n + z * z)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class TwoByTwo:
    """A 2x2 table of a test against a reference ("truth"), with the usual accuracy figures.

    ``tp`` test+ truth+, ``fp`` test+ truth-, ``fn`` test- truth+, ``tn`` test- truth-.
    Each figure is (estimate, (low, high)) with a Wilson interval at ``level``."""

    tp: int
    fp: int
    fn: int
    tn: int
    level: float = 0.95
    missing: int = 0

    def _p(self, k: int, n: int) -> tuple[float, tuple[float, float]]:
        return (k / n if n else float("nan"), wilson(k, n, self.level))

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def sensitivity(self):
        return self._p(self.tp, self.tp + self.fn)

    @property
    def specificity(self):
        return self._p(self.tn, self.tn + self.fp)

    @property
    def ppv(self):
        return self._p(self.tp, self.tp + self.fp)

    @property
    def npv(self):
        return self._p(self.tn, self.tn + self.fn)

    @property
    def prevalence(self):
        return self._p(self.tp + self.fn, self.n)

    @property
    def test_positive(self):
        return self._p(self.tp + self.fp, self.n)

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                               "n": self.n, "missing": self.missing}
        for name in ("prevalence", "test_positive", "sensitivity", "specificity", "ppv", "npv"):
            est, (lo, hi) = getattr(self, name)
            out[name], out[f"{name}_low"], out[f"{name}_high"] = est, lo, hi
        return out

    def __str__(self) -> str:
        pct = int(round(self.level * 100))
        lines = [f"            truth+  truth-",
                 f"  test+   {self.tp:8d} {self.fp:7d}",
                 f"  test-   {self.fn:8d} {self.tn:7d}"]
        for name in ("sensitivity", "specificity", "ppv", "npv"):
            est, (lo, hi) = getattr(self, name)
            lines.append(f"  {name:12s} {est:6.3f}  ({pct} % CI {lo:.3f}-{hi:.3f})")
        return "\n".join(lines)


def _bools(x) -> np.ndarray:
    """Values as an object array of True/False/None (None for missing)."""
    out = []
    for v in np.asarray(x, dtype=object).ravel():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        else:
            out.append(bool(v))
    return np.array(out, dtype=object)


def two_by_two(test, truth, level: float = 0.95) -> TwoByTwo:
    """The 2x2 table of ``test`` (boolean: e.g. CCSVI) against ``truth`` (boolean: e.g. a
    hemodynamically relevant effect). Subjects missing either value are left out (``missing``)."""
    t, r = _bools(test), _bools(truth)
    if len(t) != len(r):
        raise ValueError(f"test and truth differ in length ({len(t)} vs {len(r)})")
    ok = np.array([a is not None and b is not None for a, b in zip(t, r)], dtype=bool)
    a = t[ok].astype(bool)
    b = r[ok].astype(bool)
    return TwoByTwo(tp=int((a & b).sum()), fp=int((a & ~b).sum()), fn=int((~a & b).sum()),
                    tn=int((~a & ~b).sum()), level=level, missing=int((~ok).sum()))


@dataclass
class ROC:
    """ROC of an ordinal score: ``thresholds`` (test positive if score >= threshold, from the
    highest down), ``fpr``, ``tpr`` (starting at (0, 0), ending at (1, 1)) and ``auc`` (the
    trapezoidal area = the Mann-Whitney probability P(score+ > score-) + P(tie)/2)."""

    thresholds: np.ndarray
    fpr: np.ndarray
    tpr: np.ndarray
    auc: float
    n_pos: int
    n_neg: int
    tables: list = field(default_factory=list)


def roc(score, truth, level: float = 0.95) -> ROC:
    """ROC of ``score`` (e.g. the criteria count 0..5) against boolean ``truth``."""
    s = np.asarray(score, dtype=float).ravel()
    r = _bools(truth)
    ok = np.isfinite(s) & np.array([v is not None for v in r], dtype=bool)
    s, y = s[ok], r[ok].astype(bool)
    npos, nneg = int(y.sum()), int((~y).sum())
    thr = np.unique(s)[::-1]
    tpr, fpr, tables = [0.0], [0.0], []
    for t in thr:
        tab = two_by_two(s >= t, y, level)
        tables.append(tab)
        tpr.append(tab.tp / npos if npos else float("nan"))
        fpr.append(tab.fp / nneg if nneg else float("nan"))
    tpr.append(1.0)
    fpr.append(1.0)
    fpr_a, tpr_a = np.array(fpr), np.array(tpr)
    auc = float(np.sum(np.diff(fpr_a) * (tpr_a[1:] + tpr_a[:-1]) / 2.0)) if npos and nneg \
        else float("nan")
    return ROC(thresholds=thr, fpr=fpr_a, tpr=tpr_a, auc=auc, n_pos=npos, n_neg=nneg,
               tables=tables)


def case_control(test, truth, case, control, level: float = 0.95) -> TwoByTwo:
    """The 2x2 table of a case-control design: only subjects that are ``case`` (e.g. the most
    severe anomalies) or ``control`` (e.g. no anomaly at all) enter; the rest of the spectrum is
    left out. ``case`` and ``control`` are boolean arrays (disjoint)."""
    c, k = np.asarray(case, dtype=bool), np.asarray(control, dtype=bool)
    if (c & k).any():
        raise ValueError("a subject is both a case and a control")
    keep = c | k
    return two_by_two(np.asarray(test, dtype=object)[keep], np.asarray(truth, dtype=object)[keep],
                      level)


def spectrum(test, truth, case, control, level: float = 0.95):
    """Accuracy of ``test`` against ``truth`` in the whole population and in the case-control
    subset (cases vs clean controls), side by side: a ``pandas.DataFrame`` indexed by
    ``population`` / ``case_control`` with the columns of :meth:`TwoByTwo.as_dict`."""
    import pandas as pd

    pop = two_by_two(test, truth, level)
    cc = case_control(test, truth, case, control, level)
    return pd.DataFrame([pop.as_dict(), cc.as_dict()], index=["population", "case_control"])


def prevalence(flags, level: float = 0.95) -> tuple[float, tuple[float, float], int]:
    """Share of True among the non-missing values, its Wilson interval, and the count used."""
    b = _bools(flags)
    ok = [v for v in b if v is not None]
    k = int(sum(ok))
    return (k / len(ok) if ok else float("nan"), wilson(k, len(ok), level), len(ok))
