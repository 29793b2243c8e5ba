"""venoflow: pressure and flow in the veins that drain the brain (1D/0D vessel networks).

A thin layer over the C++ library (compiled module ``venoflow._venoflow``); all physics is in
C++. Everything is in SI units (Pa, m^3/s, m^2, m, s) unless a string with a unit is given.

>>> import venoflow
>>> model = venoflow.load_model("validation/benchmarks/common_carotid.yaml")
>>> model.set("vessels.cca.radius", "3.2 mm")
>>> res = venoflow.simulate(model, cycles=2)
>>> res.pressure["cca"].shape          # (nt, nx) [Pa]
>>> study = venoflow.sweep(model, {"vessels.cca.radius": ["2.5 mm", "3 mm"]}, workers=2)
"""

from . import _venoflow, plot, stats
from ._exam import Exam, virtual_exam
from ._model import Model, load_model
from ._results import DomainWarning, Results, open_results, simulate
from ._sweep import load_study, save_study, sweep, variants
from ._cohort import cohort, load_cohort, save_cohort
from ._cohort_spec import CohortSpec, CohortSpecError, load_cohort_spec
from ._sensitivity import SensitivityResult, sensitivity
from ._study import StudyReport, clean_subjects, metric_criteria, relevant_effect, study_report
from ._venoflow import Diagnostic, ModelError, SolverError, StopFlag

__version__ = _venoflow.__version__

__all__ = [
    "CohortSpec",
    "CohortSpecError",
    "SensitivityResult",
    "cohort",
    "load_cohort",
    "load_cohort_spec",
    "save_cohort",
    "sensitivity",
    "stats",
    "StudyReport",
    "clean_subjects",
    "metric_criteria",
    "relevant_effect",
    "study_report",
    "Diagnostic",
    "DomainWarning",
    "Exam",
    "Model",
    "ModelError",
    "Results",
    "SolverError",
    "StopFlag",
    "load_model",
    "load_study",
    "open_results",
    "save_study",
    "simulate",
    "sweep",
    "variants",
    "virtual_exam",
    "__version__",
]
