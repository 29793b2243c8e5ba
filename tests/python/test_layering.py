"""The dependency rule between the source folders (docs/architecture.md#the-dependency-rule),
checked on the project's own #include lines: a layer includes only itself, the public API
(include/venoflow/) and the layers below it. The one crossing of the format layer into
numerics/ is the element specifications, which are plain data: format/ may include
numerics/elements/element_list.hpp alone, and the specification headers it pulls in include
nothing of the numerics."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# Folder -> the folders its #include "..." lines may name (besides itself).
ALLOWED = {
    "include/venoflow": {"venoflow"},
    "format": {"format", "venoflow"},
    "io": {"io", "venoflow"},
    "analysis": {"analysis", "venoflow"},
    "numerics": {"numerics", "analysis", "venoflow"},
}
# The element specifications the format layer reads (plain data).
SPEC_LIST = "numerics/elements/element_list.hpp"
SPEC_HELPERS = "numerics/elements/spec_helpers.hpp"


def includes(path: Path) -> list[str]:
    return INCLUDE.findall(path.read_text(encoding="utf-8"))


def sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in (".cpp", ".hpp"))


def test_folders_exist():
    for folder in ALLOWED:
        assert sources(folder), f"{folder}/ holds no sources"


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_layer_includes_only_itself_and_below(folder):
    bad = []
    for src in sources(folder):
        for inc in includes(src):
            top = inc.split("/")[0]
            if top in ALLOWED[folder]:
                continue
            if folder == "format" and inc == SPEC_LIST:
                continue
            bad.append(f"{src.relative_to(ROOT)}: #include \"{inc}\"")
    assert not bad, "includes across the dependency rule:\n" + "\n".join(bad)


def test_element_specifications_are_plain_data():
    """What format/ reaches through element_list.hpp: the specification headers, which include
    only spec_helpers.hpp (itself only the public API), never a block or the system."""
    specs = [inc for inc in includes(ROOT / SPEC_LIST)]
    assert specs, "element_list.hpp includes no specification"
    bad = []
    for inc in specs:
        for sub in includes(ROOT / inc):
            if sub != SPEC_HELPERS:
                bad.append(f"{inc}: #include \"{sub}\"")
    for sub in includes(ROOT / SPEC_HELPERS):
        if not sub.startswith("venoflow/"):
            bad.append(f"{SPEC_HELPERS}: #include \"{sub}\"")
    assert not bad, "element specifications reach the numerics:\n" + "\n".join(bad)
