"""The virtual Doppler exam (docs/virtual-doppler.md): Zamboni's venous criteria and the
perfusion of both postures, for one virtual subject. The protocol and the scoring are in C++
(``venoflow/exam.hpp``); this module shapes the answer for pandas and matplotlib."""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

from . import _venoflow
from ._model import Model, load_model
from ._results import Results

#: ``virtual_exam`` keyword arguments that set ``exam.criteria.<name>`` (docs/model-format.md#exam).
CRITERIA_KEYS = ("c1_reflux", "c1_reading", "c2_reflux", "c3_area", "c3_reduction", "c4_floor",
                 "c4_reading", "c5_delta_csa", "required")

_MANOEUVRES = ("quiet breathing", "deep inspirations")
_POSTURES = ("supine", "upright")


class Exam:
    """The result of :func:`virtual_exam`.

    ``table``: pandas DataFrame of the criteria rows (criterion, value, threshold, unit,
    comparison, positive, counted, evaluable, landmark, posture, manoeuvre, variant, note; values
    in SI). ``count``: positive counted criteria; ``ccsvi``: ``count >= required``; ``verdict``:
    one line (names a criterion that could not be evaluated). ``perfusion``: DataFrame, rows
    cbf, cpp, icp_mean, sinus_pressure, cerebral_venous_pressure, columns supine / upright
    (SI) and unit. ``results``: ``{(posture, manoeuvre): Results}`` of the last breath of each
    run. ``traces``: the landmark waveforms (dicts with numpy arrays). ``warnings``: runs not
    periodic within ``exam.max_breaths``."""

    def __init__(self, raw: dict, doc: Any = None):
        self._raw = raw
        self._doc = doc
        self.count: int = int(raw["count"])
        self.evaluable: int = int(raw["evaluable"])
        self.required: int = int(raw["required"])
        self.ccsvi: bool = bool(raw["ccsvi"])
        self.verdict: str = raw["verdict"]
        self.warnings: list[str] = list(raw["warnings"])
        self.traces: list[dict] = list(raw["traces"])

    # The tables and the recordings' Results are made when first read: a cohort reads only the
    # criteria (venoflow._cohort.exam_columns), and building them costs as much as scoring.
    @functools.cached_property
    def table(self):
        import pandas as pd

        table = pd.DataFrame(self._raw["criteria"])
        if len(table):
            table["criterion"] = ["C%d" % c for c in table["criterion"]]
        return table

    @functools.cached_property
    def perfusion(self):
        import pandas as pd

        perf = self._raw["perfusion"]
        names = sorted({k for p in perf.values() for k in p})
        table = pd.DataFrame(
            {p: [perf.get(p, {}).get(k, (np.nan, ""))[0] for k in names] for p in _POSTURES},
            index=names)
        table["unit"] = [next((perf[p][k][1] for p in perf if k in perf[p]), "") for k in names]
        return table

    @functools.cached_property
    def results(self) -> dict[tuple[str, str], Results]:
        return {(r["posture"], r["manoeuvre"]): Results(r["raw"], self._doc)
                for r in self._raw["recordings"]}

    def __getstate__(self) -> dict:
        self.results  # made while the document is here: each resolves its model_yaml to pickle
        return {**self.__dict__, "_doc": None}

    def __str__(self) -> str:
        return self._raw["text"]

    def __repr__(self) -> str:
        return f"<venoflow.Exam: {self.verdict}>"

    def trace(self, landmark: str, posture: str, manoeuvre: str) -> dict:
        """The waveform at ``landmark`` in one recording (KeyError if there is none)."""
        for t in self.traces:
            if (t["landmark"], t["posture"], t["manoeuvre"]) == (landmark, posture, manoeuvre):
                return t
        raise KeyError(f"no trace at {landmark} ({posture}, {manoeuvre})")

    def plot(self, landmarks=None, fig=None):
        """The sonographer's view: mean velocity [cm/s] against time at each landmark (rows)
        in each recording (columns: supine/upright x quiet/deep breathing). Positive = towards
        the heart (drawn above the axis, as a venous Doppler display shows drainage); reflux is
        shaded red and its longest interval compared with the C1 threshold (C2 for the deep
        cerebral vein); the dotted band is the C4 detection floor. Returns the figure."""
        import matplotlib.pyplot as plt

        names = landmarks or list(dict.fromkeys(t["landmark"] for t in self.traces))
        cols = [(p, m) for p in _POSTURES for m in _MANOEUVRES]
        crit = self.table.set_index("criterion")
        c1 = float(np.atleast_1d(crit.loc["C1", "threshold"])[0]) if "C1" in crit.index else 0.88
        c2 = float(np.atleast_1d(crit.loc["C2", "threshold"])[0]) if "C2" in crit.index else 0.5
        floor = (float(np.atleast_1d(crit.loc["C4", "threshold"])[0]) if "C4" in crit.index
                 else 0.01)
        if fig is None:
            fig = plt.figure(figsize=(3.2 * len(cols), 1.6 * len(names) + 0.8))
        axes = fig.subplots(len(names), len(cols), squeeze=False, sharex="col")
        for i, lm in enumerate(names):
            for j, (p, m) in enumerate(cols):
                ax = axes[i][j]
                try:
                    tr = self.trace(lm, p, m)
                except KeyError:
                    ax.set_visible(False)
                    continue
                t, v = tr["time"], tr["velocity"] * 100.0
                ax.plot(t, v, color="k", lw=0.8)
                ax.fill_between(t, v, 0.0, where=v < 0, color="tab:red", alpha=0.5,
                                interpolate=True)
                ax.axhline(0.0, color="0.5", lw=0.5)
                ax.axhspan(-floor * 100, floor * 100, color="tab:blue", alpha=0.15, lw=0)
                limit = c2 if lm == "deep_cerebral" else c1
                ax.text(0.98, 0.95, f"reflux {tr['longest_reflux']:.2f} s / {limit:g} s",
                        transform=ax.transAxes, ha="right", va="top", fontsize=7,
                        color="tab:red" if tr["longest_reflux"] > limit else "0.3")
                if i == 0:
                    ax.set_title(f"{p}, {m}", fontsize=9)
                if j == 0:
                    ax.set_ylabel(f"{lm}\n[cm/s]", fontsize=8)
                if i == len(names) - 1:
                    ax.set_xlabel("time in breath [s]")
        fig.suptitle(self.verdict, fontsize=9)
        return fig


def virtual_exam(model: Model | str | os.PathLike, *, output: str | os.PathLike | None = None,
                 stop: _venoflow.StopFlag | None = None, **criteria: Any) -> Exam:
    """Run the virtual Doppler exam on ``model`` (a :class:`Model` or a model file with an
    ``exam:`` section; docs/model-format.md#exam): supine and upright, quiet breathing and deep
    inspirations, each to its periodic state, then Zamboni's five criteria at the landmarks.

    ``criteria`` keywords set ``exam.criteria.<name>`` on a copy of the model (values as in
    :meth:`Model.set`, e.g. ``c4_floor="0.5 cm/s"``, ``c1_reading="either"``). ``output`` also
    writes the exam HDF5 file (as ``venoflow exam -o``). Raises :class:`venoflow.ModelError`
    for an invalid model or threshold, ``ValueError`` for a model without ``exam:``,
    :class:`venoflow.SolverError` when a run fails, ``KeyError`` for an unknown keyword."""
    if not isinstance(model, Model):
        m = load_model(model)
    elif criteria:
        m = model.copy()  # the criteria are set on a copy; the run itself does not change m
    else:
        m = model
    for k, v in criteria.items():
        if k not in CRITERIA_KEYS:
            raise KeyError(f"unknown exam criterion setting '{k}'; expected one of "
                           + ", ".join(CRITERIA_KEYS))
        m.set(f"exam.criteria.{k}", v)
    raw = _venoflow.virtual_exam(m._doc, output="" if output is None else os.fspath(output),
                                 stop=stop)
    return Exam(raw, m._doc)
