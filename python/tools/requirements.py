"""Print the Python requirements of pyproject.toml, one per line, for `pip install -r /dev/stdin`.

    python python/tools/requirements.py [build] [EXTRA ...]

Always the runtime dependencies; `build` adds [build-system] requires; each EXTRA adds that
optional-dependency group. Used by the Makefile so pyproject.toml is the one list of packages.
"""
import sys
import tomllib
from pathlib import Path

meta = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
reqs = list(meta["project"]["dependencies"])
for group in sys.argv[1:]:
    if group == "build":
        reqs += meta["build-system"]["requires"]
    else:
        reqs += meta["project"]["optional-dependencies"][group]
print("\n".join(dict.fromkeys(reqs)))
