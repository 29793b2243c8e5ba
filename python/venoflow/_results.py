"""Running a model and holding its results (in memory, from and to HDF5 results files)."""

from __future__ import annotations

import os
import warnings
from typing import Any, Callable, Iterable

import numpy as np

from . import _venoflow
from ._model import Model, load_model

#: Units of the per-vessel arrays.
UNITS = {"time": "s", "x": "m", "pressure": "Pa", "flow": "m^3/s", "area": "m^2"}
_LONG_NAMES = {"pressure": "blood pressure", "flow": "volume flow rate",
               "area": "lumen cross-sectional area", "x": "position along the vessel",
               "time": "time"}


class Results:
    """The output of one run (SI units throughout).

    Attributes
    ----------
    time : ndarray (nt,)            output instants [s]
    pressure, flow, area : dict     vessel name -> ndarray (nt, nx) [Pa], [m^3/s], [m^2]
    x : dict                        vessel name -> ndarray (nx,) sample positions [m]
    node_pressure : dict            node name -> ndarray (nt,) [Pa]
    elements : dict                 element name -> {quantity: ndarray (nt,)}
    element_units : dict            element name -> {quantity: unit}
    metrics : dict                  metric name -> float (unit in ``metric_units``, meaning in
                                    ``metric_docs``), e.g. ``boundary_inlet_mean_pressure`` [Pa]
    stats : dict                    integrator statistics (steps, rhs_evaluations, wall_time [s], ...)
    complete : bool                 the run reached its end
    warnings : list[str]            validity-domain violations (``solver.on_domain_violation:
                                    warn``), one per component and quantity; empty otherwise
    outcome : dict                  complete, interrupted, error, steady_state, warnings, ...
    output : str | None             HDF5 file written by the run (or read), if any
    model_yaml : str                the resolved model the run used

    The arrays are C-contiguous float64, handed over from C++ without copying.
    """

    def __init__(self, raw: dict, doc: Any = None):
        self._raw = raw
        self.cpp_time: float = float(raw.get("cpp_time", float("nan")))
        self.time: np.ndarray = raw["time"]
        v = raw["vessels"]
        self.vessels: list[str] = list(v)
        self.x = {k: d["x"] for k, d in v.items()}
        self.pressure = {k: d["pressure"] for k, d in v.items()}
        self.flow = {k: d["flow"] for k, d in v.items()}
        self.area = {k: d["area"] for k, d in v.items()}
        self.node_pressure: dict[str, np.ndarray] = dict(raw["nodes"])
        # (arranged by the extension: a network's thousands of elements cost nothing here)
        self.elements: dict[str, dict[str, np.ndarray]] = dict(raw["elements"])
        self.element_units: dict[str, dict[str, str]] = dict(raw["element_units"])
        self.element_types: dict[str, str] = dict(raw["element_types"])
        self.metrics: dict[str, float] = {k: float(m[0]) for k, m in raw["metrics"].items()}
        self.metric_units: dict[str, str] = {k: m[1] for k, m in raw["metrics"].items()}
        self.metric_docs: dict[str, str] = {k: m[2] for k, m in raw["metrics"].items()}
        self.stats: dict = dict(raw["stats"])
        self.outcome: dict = dict(raw["outcome"])
        self.complete: bool = bool(self.outcome["complete"])
        self.error: str = self.outcome["error"]
        self.warnings: list[str] = list(self.outcome.get("warnings", []))
        self.period: float = float(raw["period"])
        self.output: str | None = raw.get("output")
        self._doc = doc  # source of model_yaml when the run did not write it (see simulate)
        self.model_name: str = raw["model_name"]  # Model::name, from the run or the file

    @property
    def model_yaml(self) -> str:
        """The resolved model the run used, as YAML text."""
        if self._raw["model_yaml"] is None:
            # Written on first use from the run's document (documents are not changed after a
            # run: Model.set works on a copy), so in-memory runs do not pay for it.
            self._raw["model_yaml"] = self._doc.yaml()
            self._doc = None
        return self._raw["model_yaml"]

    def __getstate__(self) -> dict:
        self.model_yaml  # resolve: the document does not pickle
        # (a run that carried its own text, e.g. an exam recording's, never reads the document)
        return {**self.__dict__, "_doc": None}

    # ---- convenience -------------------------------------------------------------------------
    def series(self, vessel: str, quantity: str = "pressure", x: float | str = "mid") -> np.ndarray:
        """Time series of ``quantity`` in ``vessel`` at position ``x`` [m] (nearest sample), or
        at ``"inlet"``, ``"mid"``, ``"outlet"``."""
        arr = getattr(self, quantity)[vessel]
        xs = self.x[vessel]
        if x == "inlet":
            j = 0
        elif x == "outlet":
            j = len(xs) - 1
        elif x == "mid":
            j = int(np.argmin(np.abs(xs - xs[-1] / 2)))
        else:
            j = int(np.argmin(np.abs(xs - float(x))))
        return arr[:, j]

    def mean_flow(self, vessel: str, last_cycle: bool = True) -> float:
        """Time-mean flow [m^3/s] at the vessel's mid-point.

        ``last_cycle=True``: over the last complete cycle (the whole run without a period), the
        run's metric ``mean_flow_<vessel>`` computed in C++ (analysis/metrics.hpp); KeyError for a
        results file written before that metric existed. ``last_cycle=False``: over the whole
        run (trapezoidal rule on the output instants)."""
        if vessel not in self.x:
            raise KeyError(f"no vessel {vessel!r} in the results")
        if last_cycle:
            key = f"mean_flow_{vessel}"
            if key not in self.metrics:
                raise KeyError(f"these results have no metric {key!r} (written by an older "
                               "venoflow); use mean_flow(vessel, last_cycle=False)")
            return self.metrics[key]
        q = self.series(vessel, "flow", "mid")
        t = self.time
        if t.size < 2:
            return float(q.mean()) if q.size else float("nan")
        return float(np.sum(0.5 * (q[1:] + q[:-1]) * np.diff(t)) / (t[-1] - t[0]))

    # ---- conversion --------------------------------------------------------------------------
    def to_xarray(self, vessel: str | None = None):
        """The results as an ``xarray.Dataset``.

        * ``to_xarray("cca")``: one vessel, variables ``pressure``, ``flow``, ``area`` with dims
          ``("time", "x")`` - the same as ``xr.open_dataset(file, group="vessels/cca")``.
        * ``to_xarray()``: one Dataset for the whole run, with per-vessel variables
          ``pressure_<vessel>``, ``flow_<vessel>``, ``area_<vessel>`` (dims ``("time",
          "x_<vessel>")``), ``pressure_node_<node>`` (dim ``time``) and
          ``<quantity>_<element>`` for lumped elements; every variable has ``units`` and, for
          vessels, a ``vessel`` attribute. Metrics are attributes ``metric_<name>`` (SI, units in
          ``metric_units``); ``complete`` and the statistics are attributes too.
        The arrays are shared with this object, not copied.
        """
        import xarray as xr

        time = xr.Variable("time", self.time, {"units": "s", "long_name": "time"})
        if vessel is not None:
            data = {q: (("time", "x"), getattr(self, q)[vessel],
                        {"units": UNITS[q], "long_name": _LONG_NAMES[q]})
                    for q in ("pressure", "flow", "area")}
            return xr.Dataset(data, coords={"time": time, "x": ("x", self.x[vessel],
                                                                {"units": "m"})},
                              attrs={"vessel": vessel})
        data, coords = {}, {"time": time}
        for v in self.vessels:
            xdim = f"x_{v}"
            coords[xdim] = (xdim, self.x[v], {"units": "m", "long_name": f"position along {v}"})
            for q in ("pressure", "flow", "area"):
                data[f"{q}_{v}"] = (("time", xdim), getattr(self, q)[v],
                                    {"units": UNITS[q], "long_name": _LONG_NAMES[q], "vessel": v})
        for n, p in self.node_pressure.items():
            data[f"pressure_node_{n}"] = ("time", p, {"units": "Pa", "node": n})
        for e, qs in self.elements.items():
            for q, a in qs.items():
                data[f"{q}_{e}"] = ("time", a, {"units": self.element_units[e][q], "element": e})
        attrs = {"model_name": self.model_name, "complete": int(self.complete),
                 "warnings": "\n".join(self.warnings),
                 "metric_units": repr(self.metric_units)}
        attrs.update({f"metric_{k}": v for k, v in self.metrics.items()})
        attrs.update({k: v for k, v in self.stats.items()})
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def to_hdf5(self, path: str | os.PathLike, layout: str = "compact") -> str:
        """Write a results file (docs/results-format.md) by replaying these results through the
        C++ Hdf5Writer; returns where it ended up (``<stem>.incomplete.h5`` if not complete).
        ``layout``: ``"compact"`` (the default: a few tables over all vessels, nodes and
        elements, much faster to write for large networks) or ``"groups"`` (a group per vessel,
        node and element, which xarray opens one at a time).

        Raises ``RuntimeError`` naming the path and the reason when the file cannot be written
        (unusable path, disk full, file size limit); nothing is then left behind and an
        existing file at ``path`` is untouched."""
        self.model_yaml  # resolve before writing
        if layout not in ("groups", "compact"):
            raise ValueError(f"layout must be 'groups' or 'compact', got {layout!r}")
        return _venoflow.write_results(os.fspath(path), self._raw, layout)

    def __repr__(self) -> str:
        nt = self.time.size
        span = f"t = {self.time[0]:.4g}..{self.time[-1]:.4g} s" if nt else "no samples"
        state = "complete" if self.complete else (
            "interrupted" if self.outcome["interrupted"] else f"incomplete ({self.error})")
        head = (f"<venoflow.Results {self.model_name!r}: {nt} samples, {span}, "
                f"{len(self.vessels)} vessels, {len(self.node_pressure)} nodes, "
                f"{len(self.elements)} elements, {state}>")
        lines = [head] + [f"  {k} = {v:.6g} {self.metric_units[k]}"
                          for k, v in self.metrics.items()]
        return "\n".join(lines)


def _as_model(model: Model | str | os.PathLike) -> Model:
    return model if isinstance(model, Model) else load_model(model)


#: Largest ``cycles`` (the C++ run control holds a 32-bit int).
MAX_CYCLES = 2**31 - 1


def run_length(cycles: Any, t_end: Any) -> tuple[int | None, float | None]:
    """Check ``cycles`` / ``t_end`` of :func:`simulate` and :func:`sweep` and return them as
    (int or None, float or None). ValueError names the argument and what it must be: at most
    one of the two; ``cycles`` a whole number from 1 to 2**31 - 1 (not a bool, not 2.5);
    ``t_end`` a finite time > 0 [s]. Sample counts and sizes are checked by the run itself
    (solver.max_output_size, solver.max_memory)."""
    if cycles is not None and t_end is not None:
        raise ValueError("give cycles or t_end, not both")
    if cycles is not None:
        if isinstance(cycles, (bool, np.bool_)) or not isinstance(cycles, (int, np.integer)):
            raise ValueError(f"cycles must be a whole number from 1 to {MAX_CYCLES}, "
                             f"got {cycles!r}")
        if not 1 <= int(cycles) <= MAX_CYCLES:
            raise ValueError(f"cycles must be a whole number from 1 to {MAX_CYCLES}, "
                             f"got {int(cycles)}")
        cycles = int(cycles)
    if t_end is not None:
        try:
            value = float(t_end)
        except (TypeError, ValueError):
            raise ValueError(f"t_end must be a finite time > 0 [s], got {t_end!r}") from None
        if not (np.isfinite(value) and value > 0.0):
            raise ValueError(f"t_end must be a finite time > 0 [s], got {value!r}")
        t_end = value
    return cycles, t_end


def simulate(model: Model | str | os.PathLike, cycles: int | None = None,
             t_end: float | None = None, output: str | os.PathLike | None = None, *,
             progress: bool | Callable[[float, float], None] = False,
             stop: _venoflow.StopFlag | None = None, keep_last_cycles: int | None = None,
             decimate: int = 1) -> Results:
    """Simulate ``model`` (a :class:`Model` or a model file path).

    ``cycles`` (cardiac periods) or ``t_end`` [s] override the model's ``solver`` settings.
    ``output``: also write an HDF5 results file (as ``venoflow run -o``). The solve runs in C++
    with the GIL released, so several runs in threads proceed in parallel.

    ``progress=True`` shows a tqdm bar; a callable gets ``(t, t_end)`` [s] about every 0.1 s.
    Ctrl-C stops the run within about 0.1 s and raises ``KeyboardInterrupt``; the results so far
    are attached as ``exc.results`` (complete = False) and an ``output`` file is kept as
    ``<stem>.incomplete.h5``. ``stop`` (a :class:`StopFlag`) stops the run from another thread.
    An unusable ``output`` path raises ``RuntimeError`` before the run; a file that cannot be
    written (disk full) raises ``RuntimeError`` and leaves nothing behind.

    Raises :class:`venoflow.ModelError` for an invalid model, :class:`venoflow.SolverError`
    (``time``, ``component``, ``quantity``, ``results``) when the integrator fails or a state
    leaves the validity domain of the model's equations, and ``ValueError`` for ``cycles`` /
    ``t_end`` out of range or a run whose estimate exceeds ``solver.max_memory`` or
    ``solver.max_output_size`` (the message has the figures; the in-memory results count: every
    sample is kept). With ``solver.on_domain_violation: warn`` the run completes instead, each
    violation is in ``Results.warnings`` and is issued as a :class:`venoflow.DomainWarning`.

    Long runs: the results hold every output sample, so their memory grows with the simulated
    time. ``keep_last_cycles=K`` keeps only the last K cardiac cycles (overrides
    ``solver.keep_last_cycles``; 0 keeps all), ``decimate=k`` keeps every k-th sample (t = 0
    first): memory then stays bounded by K cycles, or shrinks k-fold. Both thin only what is
    kept (and written to ``output``): the metrics and the periodic-state check are computed from
    every sample, so ``Results.metrics`` are those of the full run.
    """
    cycles, t_end = run_length(cycles, t_end)
    keep_last_cycles, decimate = _thinning(keep_last_cycles, decimate)
    m = _as_model(model)
    bar = None
    callback = progress if callable(progress) else None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=1.0, unit="run", desc=m.name or "venoflow",
                   bar_format="{l_bar}{bar}| t = {postfix} [{elapsed}<{remaining}]", postfix="0")

        def callback(t, te, _bar=bar):
            _bar.n = min(1.0, t / te) if te > 0 else 0.0
            _bar.set_postfix_str(f"{t:.3f} s", refresh=False)
            _bar.refresh()
    try:
        raw = _venoflow.run(m._doc, cycles=cycles, t_end=t_end,
                            output="" if output is None else os.fspath(output), stop=stop,
                            progress=callback, with_text=False,
                            keep_last_cycles=keep_last_cycles, decimate=decimate)
    finally:
        if bar is not None:
            bar.close()
    pending = raw.pop("pending_exception", None)
    failure = raw.pop("failure", None)
    res = Results(raw, m._doc)
    if pending is not None:
        pending.results = res
        raise pending
    if failure is not None:
        err = SolverErrorType(failure["message"])
        err.time, err.component, err.quantity = (failure["time"], failure["component"],
                                                 failure["quantity"])
        err.results = res
        raise err
    for w in res.warnings:
        warnings.warn(f"validity domain: {w}", DomainWarning, stacklevel=2)
    return res


SolverErrorType = _venoflow.SolverError


def _thinning(keep_last_cycles: Any, decimate: Any) -> tuple[int | None, int]:
    """Check ``keep_last_cycles`` (None or a whole number >= 0) and ``decimate`` (a whole
    number >= 1) of :func:`simulate`; ValueError names the argument."""
    def whole(value, name, low):
        if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
                or not low <= int(value) <= MAX_CYCLES):
            raise ValueError(f"{name} must be a whole number from {low} to {MAX_CYCLES}, "
                             f"got {value!r}")
        return int(value)
    keep = None if keep_last_cycles is None else whole(keep_last_cycles, "keep_last_cycles", 0)
    return keep, whole(decimate, "decimate", 1)


class DomainWarning(UserWarning):
    """A run with ``solver.on_domain_violation: warn`` left the validity domain of a tube law
    or element (docs/cerebral-model.md, "Validity domain"); its results are outside where the
    model's equations hold."""


def open_results(path: str | os.PathLike) -> Results:
    """Read a results file written by ``venoflow run`` or :meth:`Results.to_hdf5`.

    Raises ``FileNotFoundError`` if there is no such file and ``RuntimeError`` naming it if it
    is not HDF5, not a venoflow results file, truncated or damaged."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"results file not found: {path}")
    return Results(_venoflow.read_results(path))


def _names(items: Iterable[str] | str | None, default: list[str]) -> list[str]:
    if items is None:
        return default
    return [items] if isinstance(items, str) else list(items)
