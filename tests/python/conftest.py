"""Set-up shared by tests/python.

ctest sets VENOFLOW_PYTHON_MODULE=absent when its build has no Python extension module: the
`debug` preset (AddressSanitizer + UBSan, `make test-asan`) sets VENOFLOW_BUILD_PYTHON=OFF. The
tests of the Python API then skip, giving this reason, instead of importing whichever venoflow
the venv finds (the release build's module through the developer install), which is neither
instrumented nor built from this build's sources. The command-line tests still run, with the
instrumented program.
"""

import importlib.abc
import os
import sys

REASON = (
    "this build has no venoflow Python module (VENOFLOW_BUILD_PYTHON=OFF, e.g. the sanitizer "
    "preset `debug`); the Python API is tested by the release build"
)


class _NoVenoflowModule(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "venoflow" or name.startswith("venoflow."):
            raise ModuleNotFoundError(REASON, name=name)
        return None


if os.environ.get("VENOFLOW_PYTHON_MODULE") == "absent":
    sys.meta_path.insert(0, _NoVenoflowModule())
