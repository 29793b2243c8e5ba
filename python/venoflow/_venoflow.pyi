"""
venoflow compiled core: model documents, simulation runs and HDF5 results files.
Use the `venoflow` package; this module is its thin C++ layer. All values are SI.
"""
from __future__ import annotations
import typing
__all__: list[str] = ['Diagnostic', 'ModelDocument', 'ModelError', 'SolverError', 'StopFlag', 'read_model_file', 'read_results', 'run', 'virtual_exam', 'write_results']
class ModelError(ValueError):
    """
    The model is invalid (a ValueError). `diagnostics` lists every problem (Diagnostic: file, line, column, key, message); str() is the text the command line prints.
    """
class SolverError(RuntimeError):
    """
    The integrator failed (a RuntimeError). Attributes: `time` [s], `component` (vessel/element), `quantity`, and `results` (computed before the failure).
    """
class Diagnostic:
    """
    One problem found in a model.
    """
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    @property
    def column(self) -> int:
        """
        1-based, 0 = unknown.
        """
    @property
    def file(self) -> str:
        """
        Model file path, or '--set' for an override.
        """
    @property
    def key(self) -> str:
        """
        Dotted path of the offending key.
        """
    @property
    def line(self) -> int:
        """
        1-based, 0 = unknown.
        """
    @property
    def message(self) -> str:
        """
        What is wrong.
        """
class StopFlag:
    """
    A stop token: set() makes every run that was given it stop at its next output sample (results so far are kept, complete = False).
    """
    def __init__(self) -> None:
        ...
    def clear(self) -> None:
        ...
    def set(self) -> None:
        ...
    @property
    def is_set(self) -> bool:
        ...
class ModelDocument:
    """
    A model file held as an editable YAML document (same path syntax as `venoflow run --set`).
    """
    @staticmethod
    def from_file(path: str) -> ModelDocument:
        """
        Read a YAML model file. Raises ModelError on I/O or YAML syntax errors.
        """
    @staticmethod
    def from_string(text: str, name: str = '<string>', base_dir: str = '.') -> ModelDocument:
        """
        Parse YAML text; `name` appears in messages, `base_dir` resolves table files.
        """
    def copy(self) -> ModelDocument:
        ...
    def describe(self) -> tuple[str, int]:
        """
        (text, unknowns): the graph and unknowns as `venoflow check` prints them, and the estimate of the run the model asks for with its results in memory (ValueError above solver.max_memory or max_output_size).
        """
    def get(self, path: str) -> str:
        """
        The value at `path` as YAML text (KeyError if absent).
        """
    def graph(self) -> dict:
        """
        The built model's graph as plain data (SI): vessels (name, from, to, length, radius_in, radius_out, cells, tube_law), nodes (name, height, anterior), elements, boundary_conditions, period.
        """
    def set(self, path: str, value: str) -> None:
        """
        Set a value given as YAML text with units, e.g. set('vessels.cca.radius', '3 mm'). KeyError for a path the format does not have, ValueError for unparsable YAML.
        """
    def validate(self) -> None:
        """
        Build the SI model and discard it; raises ModelError listing every problem.
        """
    def yaml(self) -> str:
        """
        The document after overrides, as YAML text.
        """
    @property
    def file(self) -> str:
        ...
def read_model_file(path: str) -> str:
    """
    The text of a model file, checked as the command line reads it: a regular file of at most 64 MiB in UTF-8. Raises ModelError (file, line, column) otherwise.
    """
def read_results(path: str) -> dict:
    """
    Read an HDF5 results file (written by `venoflow run` or write_results) as a raw dict.
    """
def run(document: ModelDocument, cycles: typing.SupportsInt | typing.SupportsIndex | None = None, t_end: typing.SupportsFloat | typing.SupportsIndex | None = None, output: str = '', stop: StopFlag = None, progress: typing.Any = None, with_text: bool = True, keep_last_cycles: typing.SupportsInt | typing.SupportsIndex | None = None, decimate: typing.SupportsInt | typing.SupportsIndex = 1) -> dict:
    """
    Build and simulate a model with the GIL released. `t_end` [s]. Returns the raw results dict (numpy arrays in SI units); `output` also writes an HDF5 file. A solver failure is returned in 'failure'; Ctrl-C (or an exception in `progress(t, t_end)`) stops the run at its next output sample and is returned in 'pending_exception'. `with_text=False` skips writing the resolved model text (unless `output` is given): 'model_yaml' is then None and the caller takes it from the document. `keep_last_cycles` overrides solver.keep_last_cycles; `decimate` keeps every k-th output sample (the metrics and the periodic-state check see every sample).
    """
def virtual_exam(document: ModelDocument, output: str = '', stop: StopFlag = None) -> dict:
    """
    Run the virtual Doppler exam (docs/virtual-doppler.md) with the GIL released; returns a dict (criteria rows, count, ccsvi, verdict, perfusion, traces, recordings as raw results dicts). `output` also writes the exam HDF5 file.
    """
def write_results(path: str, raw: dict, layout: str = 'compact') -> str:
    """
    Write a raw results dict to an HDF5 results file in `layout` (groups or compact, docs/results-format.md); returns the final path.
    """
__version__: str = '0.1.0'
