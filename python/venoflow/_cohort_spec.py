"""Cohort specification: distributions of model parameters over a base model (docs/cohort.md).

A cohort file is YAML with units, like a model file. It is read here (PyYAML, with the line and
column of every key kept for error messages), checked completely, and turned into

* a sampler: reproducible quasi-random (scrambled Sobol, Latin hypercube) or pseudo-random
  points in the unit cube, a Gaussian copula for the documented correlations, and the inverse
  CDF of each (truncated) marginal;
* a mapping from one subject's parameter values to model overrides (``Model.update`` paths).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

#: Cohort format version (``venoflow_cohort:`` key).
FORMAT_VERSION = 1

#: Where the default cohort ships inside the package.
DEFAULT_SPEC = os.path.join(os.path.dirname(__file__), "data", "default_cohort.yaml")


class CohortSpecError(ValueError):
    """An invalid cohort specification. ``diagnostics`` lists every problem as
    ``file:line:column: key: message`` (the format of model-file diagnostics)."""

    def __init__(self, diagnostics: list[str]):
        self.diagnostics = list(diagnostics)
        super().__init__("invalid cohort specification:\n" + "\n".join(self.diagnostics))


# ---- units --------------------------------------------------------------------------------------
# The units a cohort file may use: symbol -> (SI factor, dimension). A small fixed table (the
# C++ unit parser of model files is not exposed to Python); the dimensions are the quantities a
# cohort varies. Documented in docs/cohort.md#units. mmHg and cmH2O as in docs/model-format.md.
_UNITS: dict[str, tuple[float, str]] = {
    "m": (1.0, "length"), "cm": (1e-2, "length"), "mm": (1e-3, "length"),
    "m^2": (1.0, "area"), "cm^2": (1e-4, "area"), "mm^2": (1e-6, "area"),
    "Pa": (1.0, "pressure"), "kPa": (1e3, "pressure"), "mmHg": (133.322387415, "pressure"),
    "cmH2O": (98.0665, "pressure"),
    "s": (1.0, "time"), "ms": (1e-3, "time"),
    "1/s": (1.0, "frequency"), "Hz": (1.0, "frequency"), "1/min": (1.0 / 60.0, "frequency"),
    "m^3/s": (1.0, "flow"), "ml/s": (1e-6, "flow"), "ml/min": (1e-6 / 60.0, "flow"),
    "l/min": (1e-3 / 60.0, "flow"), "L/min": (1e-3 / 60.0, "flow"),
    "%": (0.01, "ratio"),
}
#: SI unit written into model overrides for each dimension.
SI_UNIT = {"length": "m", "area": "m^2", "pressure": "Pa", "time": "s", "frequency": "Hz",
           "flow": "m^3/s", "ratio": ""}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_quantity(value: Any) -> tuple[float, str]:
    """``"4 mmHg"`` -> (533.29, "pressure"); a bare number -> (value, "ratio").
    ValueError saying what was expected for anything else."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a quantity with a unit, got {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return float(value), "ratio"
    if not isinstance(value, str):
        raise ValueError(f"expected a number or a quantity with a unit, got {value!r}")
    m = _QUANTITY.match(value)
    if not m:
        raise ValueError(f"expected a number with a unit (e.g. '4 mmHg'), got {value!r}")
    number, unit = float(m.group(1)), m.group(2)
    if unit == "":
        return number, "ratio"
    if unit not in _UNITS:
        raise ValueError(f"unknown unit {unit!r} in {value!r}; known: {', '.join(_UNITS)}")
    factor, dim = _UNITS[unit]
    return number * factor, dim


# ---- YAML with positions ------------------------------------------------------------------------
class _Located:
    """Positions of every key of a YAML document: dotted key -> (line, column), 1-based."""

    def __init__(self, file: str):
        self.file = file
        self.marks: dict[str, tuple[int, int]] = {}

    def at(self, key: str) -> str:
        k = key
        while k and k not in self.marks:
            k = k.rpartition(".")[0]
        line, col = self.marks.get(k, (0, 0))
        return f"{self.file}:{line}:{col}: {key}"


def _load_yaml(text: str, file: str) -> tuple[Any, _Located]:
    import yaml

    loc = _Located(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else f"{file}:0:0"
        raise CohortSpecError([f"{where}: not valid YAML: {getattr(e, 'problem', e)}"]) from None
    constructor = yaml.constructor.SafeConstructor()

    def build(node, path: str):
        loc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            out = {}
            for k, v in node.value:
                key = str(constructor.construct_object(k, deep=True))
                sub = f"{path}.{key}" if path else key
                loc.marks[sub] = (k.start_mark.line + 1, k.start_mark.column + 1)
                out[key] = build(v, sub)
            return out
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, v in enumerate(node.value):
                name = None
                if isinstance(v, yaml.MappingNode):
                    for k, vv in v.value:
                        if k.value == "name" and isinstance(vv, yaml.ScalarNode):
                            name = vv.value
                out.append(build(v, f"{path}.{name}" if name else f"{path}[{i}]"))
            return out
        return constructor.construct_object(node, deep=True)

    return (build(root, "") if root is not None else None), loc


# ---- distributions ------------------------------------------------------------------------------
@dataclass
class Marginal:
    """One marginal distribution: inverse CDF on (0, 1), SI values."""

    kind: str
    args: dict
    truncate: tuple[float, float] | None = None
    components: list = field(default_factory=list)  # mixture: [(weight, value|Marginal)]
    # categorical: the category labels in the order written; components [(weight, index)]
    labels: list[str] | None = None

    def frozen(self):
        from scipy import stats

        a = self.args
        if self.kind == "normal":
            return stats.norm(loc=a["mean"], scale=a["sd"])
        if self.kind == "lognormal":
            return stats.lognorm(s=a["sigma"], scale=a["median"])
        if self.kind == "uniform":
            return stats.uniform(loc=a["low"], scale=a["high"] - a["low"])
        if self.kind == "beta":
            return stats.beta(a["a"], a["b"], loc=a["low"], scale=a["high"] - a["low"])
        raise AssertionError(self.kind)

    def cdf(self, x):
        """CDF of the (truncated) continuous marginal (for tests and checks)."""
        d = self.frozen()
        x = np.asarray(x, dtype=float)
        if self.truncate is None:
            return d.cdf(x)
        lo, hi = d.cdf(self.truncate[0]), d.cdf(self.truncate[1])
        return np.clip((d.cdf(x) - lo) / (hi - lo), 0.0, 1.0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.kind == "constant":
            return np.full_like(u, self.args["value"])
        if self.kind in ("mixture", "categorical"):
            # Components in the order given: u in [c_{k-1}, c_k) falls in component k, and is
            # rescaled to (0, 1) inside it, so a continuous component gets its own inverse CDF
            # (the result is exactly the mixture distribution, and monotone within components).
            out = np.empty_like(u)
            edges = np.cumsum([w for w, _ in self.components])
            edges[-1] = 1.0
            lo = 0.0
            for (w, comp), hi in zip(self.components, edges):
                sel = (u >= lo) & (u < hi) if hi < 1.0 else (u >= lo)
                if isinstance(comp, Marginal):
                    inner = np.clip((u[sel] - lo) / max(hi - lo, 1e-300), 1e-12, 1 - 1e-12)
                    out[sel] = comp.ppf(inner)
                else:
                    out[sel] = comp
                lo = hi
            return out
        d = self.frozen()
        if self.truncate is not None:
            lo, hi = d.cdf(self.truncate[0]), d.cdf(self.truncate[1])
            u = lo + u * (hi - lo)
        x = d.ppf(u)
        if self.truncate is not None:  # round-off at the ends
            x = np.clip(x, self.truncate[0], self.truncate[1])
        return x


_DIST_KEYS = {
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "uniform": ("low", "high"),
    "beta": ("a", "b", "low", "high"),
    "constant": ("value",),
    "mixture": ("components",),
    "categorical": ("categories",),
}
#: keys whose values are dimensionless whatever the parameter's dimension
_SHAPE_KEYS = {"sigma", "a", "b"}


@dataclass
class Parameter:
    name: str
    dimension: str
    marginal: Marginal
    targets: list[dict]
    reference: float | None  # value of the "same subject without venous anomalies"; None: own
    group_marginals: dict = field(default_factory=dict)
    source: str = ""
    tag: str = ""
    description: str = ""
    #: categorical parameter: its category labels; the table holds the index (0 = first)
    categories: list[str] | None = None
    target_keys: list[str] = field(default_factory=list)  # dotted keys, for messages

    def label(self, value: float) -> str:
        """The category label of a value of a categorical parameter (its index)."""
        if self.categories is None:
            raise ValueError(f"parameter {self.name!r} is not categorical")
        i = int(round(float(value)))
        if i != float(value) or not 0 <= i < len(self.categories):
            raise ValueError(f"{value!r} is not a category index of {self.name!r} "
                             f"(0..{len(self.categories) - 1})")
        return self.categories[i]


@dataclass
class CohortSpec:
    """A checked cohort specification (see :func:`load_cohort_spec`)."""

    name: str
    description: str
    file: str
    text: str
    parameters: list[Parameter]
    groups: dict[str, float]  # name -> fraction (empty: one population)
    correlation: np.ndarray  # over parameters (identity if none documented)
    model: str | None  # model file (absolute) or None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"cohort has no parameter {name!r}; it has: {', '.join(self.names)}")

    # ---- sampling ---------------------------------------------------------------------------
    def unit_points(self, n: int, seed: int, method: str = "sobol", start: int = 0) -> np.ndarray:
        """Points in [0, 1)^d (d = parameters, plus one for the group if there are groups) for
        subjects ``start .. start + n - 1``. Sobol (scrambled, Owen) and random points of
        subject i do not depend on n, so a cohort can be extended or resumed; a Latin hypercube
        is drawn for all ``start + n`` subjects at once."""
        from scipy.stats import qmc

        check_count(n, "n")
        check_count(start, "start", minimum=0)
        d = len(self.parameters) + (1 if self.groups else 0)
        if method == "sobol":
            eng = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed))
            if start:
                eng.fast_forward(start)
            import warnings

            with warnings.catch_warnings():  # balance properties need 2^m points; fine here
                warnings.simplefilter("ignore", UserWarning)
                pts = eng.random(n)
        elif method == "lhs":
            pts = qmc.LatinHypercube(d, seed=np.random.default_rng(seed)).random(start + n)[start:]
        elif method == "random":
            rng = np.random.default_rng(seed)
            pts = rng.random((start + n, d))[start:]
        else:
            raise ValueError(f"method must be 'sobol', 'lhs' or 'random', got {method!r}")
        return np.clip(pts, 1e-12, 1.0 - 1e-12)

    def values(self, points: np.ndarray, correlate: bool = True):
        """Map unit points to parameter values (SI). Returns (groups list, {name: array})."""
        from scipy import stats

        pts = np.array(points, dtype=float, copy=True)
        k = len(self.parameters)
        if correlate and not np.allclose(self.correlation, np.eye(k)):
            # Gaussian copula: correlated normals from independent ones, back to uniforms
            L = np.linalg.cholesky(self.correlation)
            z = stats.norm.ppf(pts[:, :k]) @ L.T
            pts[:, :k] = np.clip(stats.norm.cdf(z), 1e-12, 1 - 1e-12)
        groups: list[str | None] = [None] * len(pts)
        if self.groups:
            names = list(self.groups)
            edges = np.cumsum([self.groups[g] for g in names])
            idx = np.minimum(np.searchsorted(edges, pts[:, k], side="right"), len(names) - 1)
            groups = [names[i] for i in idx]
        out = {}
        for j, p in enumerate(self.parameters):
            col = p.marginal.ppf(pts[:, j])
            for g, marg in p.group_marginals.items():
                sel = np.array([gg == g for gg in groups], dtype=bool)
                if sel.any():
                    col[sel] = marg.ppf(pts[sel, j])
            out[p.name] = col
        return groups, out

    def sample(self, n: int, seed: int, method: str = "sobol", start: int = 0):
        """A ``pandas.DataFrame`` of subjects ``start .. start+n-1``: ``subject``, ``group``
        (if the cohort has groups) and one column per parameter (SI)."""
        import pandas as pd

        groups, vals = self.values(self.unit_points(n, seed, method, start))
        data = {"subject": np.arange(start, start + n)}
        if self.groups:
            data["group"] = groups
        data.update(vals)
        return pd.DataFrame(data)

    # ---- mapping onto the model -------------------------------------------------------------
    def overrides(self, model, values: Mapping[str, float], reference: bool = False) -> dict:
        """Model overrides (path -> YAML text) for one subject. ``reference=True``: the same
        subject without its venous anomalies (every parameter with a ``reference`` value takes
        it: no stenosis, competent valves).

        Several ``scale`` targets on one model value compose: their factors multiply (e.g. the
        sex- and level-specific IJV reference area times the subject's own calibre factor).
        A value that is both set and scaled, or set twice, is ambiguous: ValueError naming the
        path and the parameters."""
        sets: dict[str, tuple[str, str]] = {}  # path -> (text, parameter)
        scales: dict[str, tuple[float, list[str]]] = {}  # path -> (factor, parameters)
        stenoses: list[str] = []
        for p in self.parameters:
            v = float(values[p.name])
            if reference and p.reference is not None:
                v = p.reference
            for t in p.targets:
                self._apply(model, t, v, p, sets, scales, stenoses)
        out: dict[str, str] = {}
        for path, (text, _) in sets.items():
            out[path] = text
        for path, (factor, _) in scales.items():
            try:
                base, dim = _memo(model, ("value", path),
                                  lambda: parse_quantity(model.get(path)))
            except ValueError as e:
                raise ValueError(f"cannot scale {path}: {e}") from None
            out[path] = _si_text(base * factor, dim)
        # the base model's own stenoses are kept; the cohort's are added to them
        base = _memo(model, ("stenoses",), lambda: _existing_stenoses(model))
        if stenoses or base:
            out["stenoses"] = "[" + ", ".join(base + stenoses) + "]"
        return out

    @staticmethod
    def _apply(model, t: dict, v: float, p: Parameter, sets: dict, scales: dict,
               stenoses: list) -> None:
        kind = next(iter(t))

        def put(path: str, text: str) -> None:
            other = sets.get(path, (None, None))[1] or \
                (", ".join(scales[path][1]) if path in scales else None)
            if other is not None:
                raise ValueError(f"{path} is set by parameter {p.name!r} and also set or scaled "
                                 f"by {other!r}: a model value can be set once, or scaled")
            sets[path] = (text, p.name)

        if kind == "set":
            for path in _expand(model, t["set"]):
                put(path, _si_text(v, p.dimension))
        elif kind == "scale":
            if "factors" in t:  # categorical parameter: the factor of its category
                factor = float(t["factors"][p.label(v)])
            else:
                factor = v
            if t.get("as", "linear") == "radius_from_area":
                factor = math.sqrt(factor)
            for path in _expand(model, t["scale"]):
                if path in sets:
                    raise ValueError(f"{path} is scaled by parameter {p.name!r} and set by "
                                     f"{sets[path][1]!r}: a model value can be set once, or "
                                     "scaled")
                f0, who = scales.get(path, (1.0, []))
                scales[path] = (f0 * factor, who + [p.name])
        elif kind == "period_from_rate":
            for path in t["period_from_rate"]:
                put(path, _si_text(1.0 / v, "time"))
        elif kind == "stenosis":
            s = t["stenosis"]
            if v > 0.0:
                stenoses.append(
                    f"{{name: {s['name']}, vessel: {s['vessel']}, position: {s['position']}, "
                    f"length: {s['length']}, {s.get('reduction', 'area')}_reduction: "
                    f"{v!r}, mode: {s.get('mode', 'lumped')}}}")


def _existing_stenoses(model) -> list[str]:
    try:
        text = model.get("stenoses").strip()
    except KeyError:
        return []
    if text in ("", "[]", "null", "~"):
        return []
    import yaml

    items = yaml.safe_load(text) or []
    return ["{" + ", ".join(f"{k}: {v}" for k, v in item.items()) + "}" for item in items]


def _si_text(v: float, dim: str) -> str:
    unit = SI_UNIT[dim]
    return f"{v!r} {unit}" if unit else repr(float(v))


#: Values of a base model that every subject's overrides read (a scaled value, the expansion of
#: ``nodes.*.height``, the model's own stenoses), kept per model and its document: reading one
#: from the document costs about half a millisecond, and a subject reads dozens (a cohort of
#: 10^5 subjects would spend most of an hour on them before the first run). A model whose
#: document was replaced (``Model.update``) is read again.
_BASE_VALUES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _memo(model, key: tuple, compute):
    try:
        doc, values = _BASE_VALUES[model]
    except (KeyError, TypeError):  # TypeError: an object without weak references (not cached)
        doc, values = None, None
    if values is None or doc is not getattr(model, "_doc", None):
        values = {}
        try:
            _BASE_VALUES[model] = (getattr(model, "_doc", None), values)
        except TypeError:
            return compute()
    if key not in values:
        values[key] = compute()
    return values[key]


def _expand(model, paths: list[str]) -> list[str]:
    """Expand ``nodes.*.height`` style paths against the model's named lists."""
    return list(_memo(model, ("expand", tuple(paths)), lambda: _expand_paths(model, paths)))


def _expand_paths(model, paths: list[str]) -> list[str]:
    out = []
    for path in paths:
        if ".*." not in path:
            out.append(path)
            continue
        head, _, tail = path.partition(".*.")
        names = {"nodes": model.nodes, "vessels": model.vessels,
                 "elements": model.elements}.get(head)
        if names is None:
            raise ValueError(f"cannot expand '*' in {path!r}: only nodes, vessels, elements")
        out += [f"{head}.{n}.{tail}" for n in names]
    return out


def check_count(n: Any, name: str, minimum: int = 1) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {n!r}")
    return int(n)


# ---- reading and checking -----------------------------------------------------------------------
_TOP_KEYS = {"venoflow_cohort", "name", "description", "model", "groups", "parameters",
             "correlations"}
_PARAM_KEYS = {"name", "description", "distribution", "truncate", "target", "reference",
               "groups", "source", "tag"}
_TARGETS = {"set", "scale", "period_from_rate", "stenosis"}
_TAGS = {"READ", "READ-3P", "DERIVED", "UNVERIFIED", "CHOSEN"}


def load_cohort_spec(spec: str | os.PathLike | None = None) -> CohortSpec:
    """Read and check a cohort file (default: the one shipped with the package). Every problem
    is reported at once in a :class:`CohortSpecError` (file:line:column: key: message)."""
    path = DEFAULT_SPEC if spec is None else os.fspath(spec)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"cohort file not found: {path}")
    with open(path, "rb") as f:
        raw = f.read(16 * 2**20 + 1)
    if len(raw) > 16 * 2**20:
        raise CohortSpecError([f"{path}:0:0: file larger than 16 MiB"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise CohortSpecError([f"{path}:{line}:0: not UTF-8 (byte {raw[e.start]:#x})"]) from None
    return parse_cohort_spec(text, path)


def parse_cohort_spec(text: str, file: str = "<string>") -> CohortSpec:
    """Check a cohort document given as text (``file`` names it in messages)."""
    doc, loc = _load_yaml(text, file)
    errs: list[str] = []

    def err(key: str, msg: str) -> None:
        errs.append(f"{loc.at(key)}: {msg}")

    if not isinstance(doc, dict):
        raise CohortSpecError([f"{file}:1:1: expected a mapping with 'venoflow_cohort: 1'"])
    for k in doc:
        if k not in _TOP_KEYS:
            err(k, f"unknown key {k!r}; allowed here: {', '.join(sorted(_TOP_KEYS))}")
    if doc.get("venoflow_cohort") != FORMAT_VERSION:
        err("venoflow_cohort", f"expected 'venoflow_cohort: {FORMAT_VERSION}', "
            f"got {doc.get('venoflow_cohort')!r}")
    groups: dict[str, float] = {}
    graw = doc.get("groups") or {}
    if not isinstance(graw, dict):
        err("groups", "expected a mapping: group name -> {fraction: ...}")
        graw = {}
    for g, gv in graw.items():
        key = f"groups.{g}"
        if not isinstance(gv, dict) or "fraction" not in gv:
            err(key, "expected {fraction: <0..1>, source: ..., tag: ...}")
            continue
        for k in gv:
            if k not in ("fraction", "source", "tag", "description"):
                err(f"{key}.{k}", f"unknown key {k!r}; allowed here: description, fraction, "
                    "source, tag")
        f = gv["fraction"]
        try:
            fv, dim = parse_quantity(f)
            if dim != "ratio" or not 0.0 < fv <= 1.0:
                raise ValueError
            groups[g] = fv
        except ValueError:
            err(f"{key}.fraction", f"expected a fraction in (0, 1] (bare or %), got {f!r}")
    if groups and abs(sum(groups.values()) - 1.0) > 1e-9:
        err("groups", f"fractions must add up to 1, got {sum(groups.values()):.6g}")

    params: list[Parameter] = []
    praw = doc.get("parameters")
    if not isinstance(praw, list) or not praw:
        err("parameters", "expected a non-empty list of parameters")
        praw = []
    seen = set()
    for i, p in enumerate(praw):
        key = f"parameters.{p.get('name')}" if isinstance(p, dict) and p.get("name") else \
            f"parameters[{i}]"
        if not isinstance(p, dict):
            err(key, "expected a mapping (name, distribution, target, source, tag)")
            continue
        par = _parse_parameter(p, key, groups, err)
        if par is None:
            continue
        if par.name in seen:
            err(f"{key}.name", f"duplicate parameter name {par.name!r}")
        seen.add(par.name)
        params.append(par)

    _check_target_paths(params, err)
    names = [p.name for p in params]
    corr = np.eye(len(params))
    for i, c in enumerate(doc.get("correlations") or []):
        key = f"correlations[{i}]"
        if not isinstance(c, dict) or "between" not in c or "rho" not in c:
            err(key, "expected {between: [a, b], rho: <-1..1>, source: ..., tag: ...}")
            continue
        pair = c["between"]
        if not (isinstance(pair, list) and len(pair) == 2 and all(x in names for x in pair)
                and pair[0] != pair[1]):
            err(f"{key}.between", f"expected two different parameter names, got {pair!r}")
            continue
        rho = c["rho"]
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not -1 < rho < 1:
            err(f"{key}.rho", f"expected a number in (-1, 1), got {rho!r}")
            continue
        if c.get("tag") not in _TAGS:
            err(f"{key}.tag", f"expected one of {', '.join(sorted(_TAGS))}")
        a, b = names.index(pair[0]), names.index(pair[1])
        corr[a, b] = corr[b, a] = float(rho)
    if len(params) and not errs:
        try:
            np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            err("correlations", "the correlation matrix is not positive definite")

    model = doc.get("model")
    if model is not None:
        if not isinstance(model, str):
            err("model", f"expected a model file path, got {model!r}")
            model = None
        else:
            model = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(file)), model))
    if errs:
        raise CohortSpecError(errs)
    return CohortSpec(name=str(doc.get("name") or os.path.splitext(os.path.basename(file))[0]),
                      description=str(doc.get("description") or ""), file=file, text=text,
                      parameters=params, groups=groups, correlation=corr, model=model)


def _parse_parameter(p: dict, key: str, groups: dict, err) -> Parameter | None:
    ok = True

    def bad(k, msg):
        nonlocal ok
        ok = False
        err(k, msg)

    for k in p:
        if k not in _PARAM_KEYS:
            bad(f"{key}.{k}", f"unknown key {k!r}; allowed here: {', '.join(sorted(_PARAM_KEYS))}")
    name = p.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        bad(f"{key}.name", f"expected an identifier (letters, digits, _), got {name!r}")
    for k in ("source", "tag"):
        if k not in p:
            bad(f"{key}.{k}", f"missing: every distribution names its {k}")
    if "tag" in p and p["tag"] not in _TAGS:
        bad(f"{key}.tag", f"expected one of {', '.join(sorted(_TAGS))}, got {p['tag']!r}")
    dims: set[str] = set()
    marg = _parse_marginal(p.get("distribution"), p.get("truncate"), f"{key}", bad, dims)
    gm = {}
    for g, gv in (p.get("groups") or {}).items():
        if g not in groups:
            bad(f"{key}.groups.{g}", f"unknown group {g!r}; groups: {', '.join(groups) or '-'}")
            continue
        if not isinstance(gv, dict) or "distribution" not in gv:
            bad(f"{key}.groups.{g}", "expected {distribution: ..., truncate: ..., source, tag}")
            continue
        m = _parse_marginal(gv.get("distribution"), gv.get("truncate"), f"{key}.groups.{g}",
                            bad, dims)
        if m is not None:
            gm[g] = m
    dims.discard("any")
    if len(dims) > 1:
        bad(f"{key}.distribution", f"values of different kinds: {', '.join(sorted(dims))}")
    dim = dims.pop() if dims else "ratio"
    categories = marg.labels if marg is not None and marg.kind == "categorical" else None
    if categories is not None:
        for g, m in gm.items():
            if m.labels != categories:
                bad(f"{key}.groups.{g}.distribution.categories",
                    f"expected the categories of the parameter, in its order: "
                    f"{', '.join(categories)}; got {', '.join(m.labels or []) or 'none'}")
    ref = None
    if "reference" in p and categories is not None:
        if p["reference"] not in categories:
            bad(f"{key}.reference", f"expected one of the categories {', '.join(categories)}, "
                f"got {p['reference']!r}")
        else:
            ref = float(categories.index(p["reference"]))
    elif "reference" in p:
        try:
            ref, rdim = parse_quantity(p["reference"])
            if rdim != dim and not (rdim == "ratio" and ref == 0.0):
                bad(f"{key}.reference", f"expected a {dim}, got {p['reference']!r}")
        except ValueError as e:
            bad(f"{key}.reference", str(e))
    if categories is None and isinstance(p.get("distribution"), dict) and \
            p["distribution"].get("type") == "categorical":
        return None  # its distribution was reported: no follow-on errors from its targets
    raw_targets = p.get("target")
    if isinstance(raw_targets, dict):
        raw_targets = [raw_targets]
    targets, target_keys = [], []
    if not (isinstance(raw_targets, list) and raw_targets):
        bad(f"{key}.target", f"expected a target mapping (one of: {', '.join(sorted(_TARGETS))})"
            " or a list of them")
        raw_targets = []
    for i, target in enumerate(raw_targets):
        tkey = f"{key}.target" if len(raw_targets) == 1 else f"{key}.target[{i}]"
        t = _parse_target(target, tkey, dim, bad, categories)
        if t is not None:
            targets.append(t)
            target_keys.append(tkey)
    if not ok or marg is None:
        return None
    return Parameter(name=name, dimension=dim, marginal=marg, targets=targets, reference=ref,
                     group_marginals=gm, source=str(p.get("source", "")),
                     tag=str(p.get("tag", "")), description=str(p.get("description", "")),
                     categories=categories, target_keys=target_keys)


def _parse_target(target: Any, tkey: str, dim: str, bad,
                  categories: list[str] | None = None) -> dict | None:
    if not (isinstance(target, dict) and len(set(target) & _TARGETS) == 1):
        bad(tkey, f"expected exactly one of: {', '.join(sorted(_TARGETS))}")
        return None
    kind = next(k for k in target if k in _TARGETS)
    target = {kind: target[kind], **{k: v for k, v in target.items() if k != kind}}
    for k in target:
        if k not in _TARGETS and not (kind == "scale" and k in ("as", "factors")):
            bad(f"{tkey}.{k}", f"unknown key {k!r} in a {kind} target")
    if categories is not None:
        # a categorical parameter acts through the factor of its category
        if kind != "scale" or "factors" not in target:
            bad(tkey, "a categorical parameter acts through {scale: [paths], factors: "
                "{<category>: <factor>, ...}}")
            return None
        return _parse_factors(target, tkey, categories, bad)
    if "factors" in target:
        bad(f"{tkey}.factors", "factors (one per category) need a categorical parameter")
        return None
    if kind in ("set", "scale", "period_from_rate"):
        paths = target[kind]
        if isinstance(paths, str):
            target[kind] = paths = [paths]
        if not (isinstance(paths, list) and paths and all(isinstance(x, str) for x in paths)):
            bad(f"{tkey}.{kind}", "expected a model path or a list of model paths")
        if kind == "scale" and target.get("as", "linear") not in ("linear", "radius_from_area"):
            bad(f"{tkey}.as", "expected 'linear' or 'radius_from_area'")
        if kind == "period_from_rate" and dim != "frequency":
            bad(tkey, "period_from_rate needs a rate (e.g. '72 1/min')")
        if kind == "scale" and dim != "ratio":
            bad(tkey, "a scale factor is a bare number")
    else:
        s = target["stenosis"]
        need = ("name", "vessel", "position", "length")
        if not (isinstance(s, dict) and all(k in s for k in need)):
            bad(f"{tkey}.stenosis", f"expected a mapping with {', '.join(need)}")
        elif s.get("reduction", "area") not in ("area", "diameter"):
            bad(f"{tkey}.stenosis.reduction", "expected 'area' or 'diameter'")
        if dim != "ratio":
            bad(tkey, "a stenosis severity is a fraction (bare or %)")
    return target


def _weight(x: Any) -> float | None:
    """A mixture or category weight: a ratio in [0, 1] (bare or %), else None."""
    try:
        w, dim = parse_quantity(x)
    except ValueError:
        return None
    return w if dim == "ratio" and 0 <= w <= 1 else None


def _parse_marginal(d: Any, trunc: Any, key: str, bad, dims: set) -> Marginal | None:
    dkey = f"{key}.distribution"
    if not isinstance(d, dict) or d.get("type") not in _DIST_KEYS:
        bad(dkey, f"expected {{type: {' | '.join(_DIST_KEYS)}, ...}}")
        return None
    kind = d["type"]
    need = _DIST_KEYS[kind]
    for k in d:
        if k != "type" and k not in need:
            bad(f"{dkey}.{k}", f"unknown key {k!r} for a {kind} distribution; "
                f"expected: {', '.join(need)}")
    args: dict[str, float] = {}
    for k in need:
        if k not in d:
            bad(f"{dkey}", f"missing {k!r} (a {kind} distribution needs {', '.join(need)})")
            return None
    if kind == "categorical":
        return _parse_categorical(d["categories"], trunc, key, dkey, bad, dims)
    if kind == "mixture":
        comps = []
        total = 0.0
        if not isinstance(d["components"], list) or not d["components"]:
            bad(f"{dkey}.components", "expected a list of {weight, value | distribution}")
            return None
        for i, c in enumerate(d["components"]):
            ck = f"{dkey}.components[{i}]"
            if not isinstance(c, dict) or "weight" not in c or \
                    len({"value", "distribution"} & set(c)) != 1:
                bad(ck, "expected {weight: <0..1>, value: ...} or {weight, distribution, "
                    "truncate}")
                return None
            w = _weight(c["weight"])
            if w is None:
                bad(f"{ck}.weight", f"expected a weight in [0, 1], got {c['weight']!r}")
                return None
            total += w
            if "value" in c:
                try:
                    v, vd = parse_quantity(c["value"])
                except ValueError as e:
                    bad(f"{ck}.value", str(e))
                    return None
                dims.add("any" if vd == "ratio" and v == 0.0 else vd)
                comps.append((w, v))
            else:
                if isinstance(c["distribution"], dict) and \
                        c["distribution"].get("type") == "categorical":
                    bad(f"{ck}.distribution", "a categorical distribution cannot be a mixture "
                        "component")
                    return None
                m = _parse_marginal(c["distribution"], c.get("truncate"), ck, bad, dims)
                if m is None:
                    return None
                comps.append((w, m))
        if abs(total - 1.0) > 1e-9:
            bad(f"{dkey}.components", f"weights must add up to 1, got {total:.6g}")
            return None
        return Marginal("mixture", {}, None, comps)
    for k in need:
        try:
            v, vd = parse_quantity(d[k])
        except ValueError as e:
            bad(f"{dkey}.{k}", str(e))
            return None
        if k in _SHAPE_KEYS:
            if vd != "ratio" or v <= 0:
                bad(f"{dkey}.{k}", f"expected a positive bare number, got {d[k]!r}")
                return None
        else:
            dims.add(vd)
        args[k] = v
    if kind == "normal" and args["sd"] <= 0:
        bad(f"{dkey}.sd", f"expected > 0, got {d['sd']!r}")
        return None
    if kind == "lognormal" and args["median"] <= 0:
        bad(f"{dkey}.median", f"expected > 0, got {d['median']!r}")
        return None
    if kind in ("uniform", "beta") and not args["low"] < args["high"]:
        bad(f"{dkey}.high", "expected low < high")
        return None
    t = None
    if trunc is not None:
        if kind in ("constant", "mixture"):
            bad(f"{key}.truncate", f"a {kind} distribution cannot be truncated")
            return None
        try:
            if not (isinstance(trunc, list) and len(trunc) == 2):
                raise ValueError(f"expected [low, high], got {trunc!r}")
            (lo, dlo), (hi, dhi) = parse_quantity(trunc[0]), parse_quantity(trunc[1])
            dims.update({dlo, dhi})
            if not lo < hi:
                raise ValueError(f"expected low < high, got {trunc!r}")
            t = (lo, hi)
        except ValueError as e:
            bad(f"{key}.truncate", str(e))
            return None
    m = Marginal(kind, args, t)
    if t is not None:
        fr = m.frozen()
        if fr.cdf(t[1]) - fr.cdf(t[0]) < 1e-9:
            bad(f"{key}.truncate", "the interval holds (almost) no probability")
            return None
    return m


def _parse_categorical(cats: Any, trunc: Any, key: str, dkey: str, bad, dims: set
                       ) -> Marginal | None:
    """``categories: {label: weight, ...}``: the labels in the order written are the values
    0, 1, ... (the table holds the index); weights in [0, 1] adding up to 1."""
    ck = f"{dkey}.categories"
    if not isinstance(cats, dict) or not cats:
        bad(ck, "expected a mapping of category labels to weights, e.g. "
            "{male: 0.5, female: 0.5}")
        return None
    comps, labels, total = [], [], 0.0
    for i, (label, w) in enumerate(cats.items()):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", label):
            bad(f"{ck}.{label}", f"expected an identifier as a category label, got {label!r}")
            return None
        wv = _weight(w)
        if wv is None:
            bad(f"{ck}.{label}", f"expected a weight in [0, 1] (bare or %), got {w!r}")
            return None
        total += wv
        labels.append(label)
        comps.append((wv, float(i)))
    if abs(total - 1.0) > 1e-9:
        bad(ck, f"weights must add up to 1, got {total:.6g}")
        return None
    if trunc is not None:
        bad(f"{key}.truncate", "a categorical distribution cannot be truncated")
        return None
    dims.add("category")
    return Marginal("categorical", {}, None, comps, labels)


def _parse_factors(target: dict, tkey: str, categories: list[str], bad) -> dict | None:
    """``{scale: [paths], as: ..., factors: {category: factor}}`` of a categorical parameter:
    one positive bare factor for each category, no other key."""
    paths = target["scale"]
    if isinstance(paths, str):
        target["scale"] = paths = [paths]
    ok = True
    if not (isinstance(paths, list) and paths and all(isinstance(x, str) for x in paths)):
        bad(f"{tkey}.scale", "expected a model path or a list of model paths")
        ok = False
    if target.get("as", "linear") not in ("linear", "radius_from_area"):
        bad(f"{tkey}.as", "expected 'linear' or 'radius_from_area'")
        ok = False
    f = target["factors"]
    if not isinstance(f, dict):
        bad(f"{tkey}.factors", f"expected a mapping {{{', '.join(c + ': <factor>' for c in categories)}}}")
        return None
    factors = {}
    for c in f:
        if c not in categories:
            bad(f"{tkey}.factors.{c}", f"unknown category {c!r}; categories: "
                f"{', '.join(categories)}")
            ok = False
            continue
        try:
            v, vd = parse_quantity(f[c])
            if vd != "ratio" or not v > 0:
                raise ValueError
            factors[c] = v
        except ValueError:
            bad(f"{tkey}.factors.{c}", f"expected a positive bare factor, got {f[c]!r}")
            ok = False
    missing = [c for c in categories if c not in f]
    if missing:
        bad(f"{tkey}.factors", f"missing a factor for {', '.join(missing)} (every category "
            "needs one)")
        ok = False
    if not ok:
        return None
    target["factors"] = factors
    return target


def _check_target_paths(params: list[Parameter], err) -> None:
    """A model value may be set by one target, or scaled by any number of them (the factors
    multiply); setting it twice, or setting and scaling it, is ambiguous. Checked here for
    the paths written out (a ``*`` path is checked when it is expanded against the model)."""
    seen: dict[str, tuple[str, str, str]] = {}  # path -> (set|scale, parameter, key)
    for p in params:
        own: set[str] = set()
        for t, key in zip(p.targets, p.target_keys):
            kind = next(iter(t))
            if kind == "stenosis":
                continue
            how = "scaled" if kind == "scale" else "set"
            for path in t[kind]:
                if ".*." in path:
                    continue
                if path in own:  # the same factor twice is a slip, not a composition
                    err(key, f"{path} appears twice in the targets of parameter {p.name!r}")
                    continue
                own.add(path)
                if path in seen and "set" in (how, seen[path][0]):
                    other = seen[path]
                    err(key, f"{path} is {how} here and {other[0]} by parameter {other[1]!r} "
                        f"({other[2]}): a model value can be set once, or scaled (factors "
                        "multiply)")
                seen.setdefault(path, (how, p.name, key))
