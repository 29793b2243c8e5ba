"""Model: a model file as an editable document (the ``--set`` path syntax of the command line)."""

from __future__ import annotations

import os
from typing import Any, Mapping

from . import _venoflow


def _yaml_value(value: Any) -> str:
    """A Python value as the YAML text ModelDocument.set expects ("3 mm", 1e-07, true, [1, 2])."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    if hasattr(value, "item"):  # numpy scalar
        return _yaml_value(value.item())
    raise TypeError(f"cannot express {value!r} ({type(value).__name__}) as a model value")


class Model:
    """A venoflow model: the YAML document plus the overrides applied to it.

    Create with :func:`load_model`. ``set``/``get`` use the paths of ``venoflow run --set``:
    ``vessels.<name>.<key>``, ``elements.<name>.<param>``, ``boundary_conditions.<node>.<key>``,
    ``posture.tilt``, ``solver.rtol`` ... and values are YAML text with units (``"3 mm"``,
    ``"90 deg"``, ``"12 mmHg"``) or plain numbers (SI or the key's default unit, see
    docs/model-format.md).

    The model is always valid: ``set`` checks the new value by building the model
    (``validate=False`` defers that, e.g. while changing several keys that belong together; then
    call :meth:`validate`). Models pickle (YAML text, base directory for table files, and the
    overrides), so they can be sent to Dask workers on machines that see the same files.
    """

    def __init__(self, doc: _venoflow.ModelDocument, source_text: str, name: str, base_dir: str,
                 overrides: list[tuple[str, str]] | None = None):
        self._doc = doc
        self._source_text = source_text
        self._name = name
        self._base_dir = base_dir
        self._overrides: list[tuple[str, str]] = list(overrides or [])
        self._graph: dict | None = None

    # ---- construction and pickling -------------------------------------------------------
    @classmethod
    def _from_text(cls, text: str, name: str, base_dir: str,
                   overrides: list[tuple[str, str]] = ()) -> "Model":
        doc = _venoflow.ModelDocument.from_string(text, name, base_dir)
        for path, value in overrides:
            doc.set(path, value)
        return cls(doc, text, name, base_dir, list(overrides))

    def __getstate__(self) -> dict:
        return {"text": self._source_text, "name": self._name, "base_dir": self._base_dir,
                "overrides": list(self._overrides)}

    def __setstate__(self, state: dict) -> None:
        m = Model._from_text(state["text"], state["name"], state["base_dir"], state["overrides"])
        self.__dict__.update(m.__dict__)

    def copy(self) -> "Model":
        """An independent copy (changes to one do not affect the other)."""
        return Model(self._doc.copy(), self._source_text, self._name, self._base_dir,
                     self._overrides)

    __copy__ = copy

    def __deepcopy__(self, memo) -> "Model":
        return self.copy()

    # ---- values ------------------------------------------------------------------------------
    def set(self, path: str, value: Any, *, validate: bool = True) -> "Model":
        """Set the value at ``path`` (e.g. ``"vessels.cca.radius"``, ``"3 mm"``); returns self.

        Raises ``KeyError`` naming the path if the model format has no such key there, and
        ``ValueError`` naming the path for a value that is not valid YAML or that makes the
        model invalid (wrong unit, out of range: a :class:`venoflow.ModelError`, which is a
        ``ValueError``, with the diagnostics). On error the model is unchanged.
        """
        text = _yaml_value(value)
        trial = self._doc.copy()
        trial.set(path, text)
        if validate:
            try:
                trial.validate()
            except _venoflow.ModelError as e:
                err = _venoflow.ModelError(f"--set {path}={text}: {e}")
                err.diagnostics = e.diagnostics
                err.path = path
                raise err from None
        self._doc = trial
        self._overrides.append((path, text))
        self._graph = None
        return self

    def update(self, values: Mapping[str, Any], *, validate: bool = True) -> "Model":
        """Set several values, then validate once (all or nothing); returns self."""
        trial = self.copy()
        for path, value in values.items():
            # on the trial's own document: Model.set would copy the document once per key
            text = _yaml_value(value)
            trial._doc.set(path, text)
            trial._overrides.append((path, text))
        trial._graph = None
        if validate:
            try:
                trial.validate()
            except _venoflow.ModelError as e:
                keys = ", ".join(values)
                err = _venoflow.ModelError(f"--set {keys}: {e}")
                err.diagnostics = e.diagnostics
                raise err from None
        self.__dict__.update(trial.__dict__)
        return self

    def get(self, path: str) -> str:
        """The value at ``path`` as YAML text, as written (e.g. ``"3.0 mm"``). KeyError if absent."""
        return self._doc.get(path)

    def validate(self) -> None:
        """Build the model; raises :class:`venoflow.ModelError` listing every problem."""
        self._doc.validate()

    # ---- information -------------------------------------------------------------------------
    @property
    def yaml(self) -> str:
        """The model after overrides, as YAML text."""
        return self._doc.yaml()

    @property
    def file(self) -> str:
        """The file the model was loaded from."""
        return self._name

    @property
    def base_dir(self) -> str:
        """Directory against which table files in the model are resolved."""
        return self._base_dir

    @property
    def overrides(self) -> list[tuple[str, str]]:
        """The ``(path, value)`` changes applied since loading, in order."""
        return list(self._overrides)

    @property
    def graph(self) -> dict:
        """The network as plain data (SI): vessels (name, from, to, length [m], radius_in/out
        [m], cells, tube_law), nodes (name, height [m], anterior [m]), elements (name, type,
        nodes), boundary_conditions (node, kind), period [s]."""
        if self._graph is None:
            self._graph = self._doc.graph()
        return self._graph

    @property
    def name(self) -> str:
        return self.graph["name"]

    @property
    def vessels(self) -> list[str]:
        return [v["name"] for v in self.graph["vessels"]]

    @property
    def nodes(self) -> list[str]:
        return [n["name"] for n in self.graph["nodes"]]

    @property
    def elements(self) -> list[str]:
        return [e["name"] for e in self.graph["elements"]]

    def describe(self) -> str:
        """The graph, the unknowns and the estimate of the run the model asks for (with its
        results in memory), as ``venoflow check`` prints them."""
        return self._doc.describe()[0]

    @property
    def unknowns(self) -> int:
        """Number of ODE unknowns of the discretised model."""
        return self._doc.describe()[1]

    def __repr__(self) -> str:
        g = self.graph
        lines = [f"<venoflow.Model {g['name']!r} from {self._name!r}: "
                 f"{len(g['vessels'])} vessels, {len(g['nodes'])} nodes, "
                 f"{len(g['elements'])} elements, {self.unknowns} unknowns>"]
        for v in g["vessels"]:
            lines.append(f"  vessel {v['name']}: {v['from']} -> {v['to']}, "
                         f"L = {v['length'] * 1e3:.4g} mm, r = {v['radius_in'] * 1e3:.4g} mm, "
                         f"{v['cells']} cells, {v['tube_law']}")
        for e in g["elements"]:
            lines.append(f"  element {e['name']} ({e['type']}): {', '.join(e['nodes'])}")
        if self._overrides:
            lines.append("  overrides: " + ", ".join(f"{p}={v}" for p, v in self._overrides))
        return "\n".join(lines)


def load_model(path: str | os.PathLike) -> Model:
    """Load and validate a YAML model file.

    Raises :class:`venoflow.ModelError` (``.diagnostics``: file, line, column, key, message) if
    the file is invalid (whatever its encoding: model files are UTF-8, other bytes are reported
    at their line and column; not a regular file; over 64 MiB), ``FileNotFoundError`` if it does
    not exist.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file not found: {path}")
    # Read by the C++ core, as the command line does: a regular file of at most 64 MiB in UTF-8,
    # else a ModelError naming the file (and the line and column of an invalid byte).
    text = _venoflow.read_model_file(path)
    base_dir = os.path.dirname(os.path.abspath(path))
    model = Model._from_text(text, path, base_dir)
    model.validate()
    return model
