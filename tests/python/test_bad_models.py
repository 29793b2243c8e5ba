"""The catalogue of malformed models (tests/bad_models, README there): every file is refused by
`venoflow check` (exit 1, no crash) and by `venoflow.load_model` (ModelError), each with the
diagnostics its `# expect:` lines state: file, line, column, key and words of the message."""
import os
import re
import subprocess
from pathlib import Path

import pytest

import venoflow

ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BAD = ROOT / "tests" / "bad_models"
CLI = os.environ.get("VENOFLOW_CLI")
EXPECT = re.compile(r"^# expect: (?P<file>\S+?):(?P<line>\d+):(?P<col>\d+) (?P<key>.*?) \| "
                    r"(?P<words>.*)$")
CASES = sorted(BAD.glob("*.yaml"))


def expectations(case: Path) -> list[dict]:
    """The `# expect:` lines of a case (or of NAME.expect when the file cannot hold ASCII
    comments, e.g. UTF-16). Key '-' means a diagnostic without key (a YAML syntax error)."""
    side = case.with_suffix(".expect")
    raw = (side if side.exists() else case).read_bytes().decode("utf-8", "replace")
    out = []
    for line in raw.splitlines():
        m = EXPECT.match(line.lstrip("\ufeff"))
        if m:
            out.append({"file": m["file"], "line": int(m["line"]), "column": int(m["col"]),
                        "key": "" if m["key"] == "-" else m["key"],
                        "words": [w.strip() for w in m["words"].split(";") if w.strip()]})
    return out


def test_catalogue_is_complete():
    assert len(CASES) >= 110, len(CASES)
    for case in CASES:
        assert expectations(case), f"{case.name} states no expected diagnostic"


@pytest.mark.skipif(not CLI, reason="VENOFLOW_CLI not set (ctest sets it)")
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_cli_refuses_with_located_diagnostics(case):
    r = subprocess.run([CLI, "check", case.name], cwd=BAD, capture_output=True, timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 1, (r.returncode, err)  # not a signal (negative), not success
    for word in ("terminate called", "Segmentation", "Aborted", "what():"):
        assert word not in err, err
    lines = [x.strip() for x in err.splitlines() if x.startswith("  ")]
    for ex in expectations(case):
        prefix = f"{ex['file']}:{ex['line']}:{ex['column']}: " + (f"{ex['key']}: " if ex["key"] else "")
        assert any(x.startswith(prefix) and all(w in x[len(prefix):] for w in ex["words"])
                   for x in lines), (prefix, ex["words"], err)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_python_raises_model_error_with_the_same_diagnostics(case, monkeypatch):
    monkeypatch.chdir(BAD)
    with pytest.raises(venoflow.ModelError) as info:
        venoflow.load_model(case.name)
    diags = info.value.diagnostics
    # Python resolves files against the absolute directory: compare paths resolved, and
    # messages (which name files, e.g. an extends chain) without that directory.
    prefix = os.path.abspath(BAD) + os.sep
    for ex in expectations(case):
        want = (BAD / ex["file"]).resolve()
        assert any(Path(d.file).resolve() == want and d.line == ex["line"]
                   and d.column == ex["column"] and d.key == ex["key"]
                   and all(w in d.message.replace(prefix, "") for w in ex["words"])
                   for d in diags), (ex, [str(d) for d in diags])


def _valid_tube(tmp_path):
    model = tmp_path / "tube.yaml"
    model.write_text((BAD / "bases" / "tube.yaml").read_text())
    return venoflow.load_model(model)


def test_model_set_rejects_out_of_range_values_eagerly(tmp_path):
    """Model.set builds the model: what the loader refuses is refused at once, at '--set'."""
    m = _valid_tube(tmp_path)
    for path, value, key, words in [
            ("solver.cycles", 4294967297, "solver.cycles", "from 1 to 2147483647"),
            ("vessels.v.cells", 2**31, "vessels.v.cells", "from 1 to 1000000"),
            ("vessels.v.radius", "1e-300 m", "vessels.v.radius", "reference area"),
            ("solver.max_order", 7, "solver.max_order", "from 1 to 5"),
            ("vessels.v.length", "1 m^99999999999", "vessels.v.length", "out of range")]:
        with pytest.raises(venoflow.ModelError) as info:
            m.set(path, value)
        assert any(d.key == key and d.file == "--set" and words in d.message
                   for d in info.value.diagnostics), (path, [str(d) for d in info.value.diagnostics])
    assert m.overrides == []  # unchanged by the refused values


def test_model_set_huge_list_index_is_a_key_error(tmp_path):
    """A list index beyond 64 bits used to raise IndexError (std::out_of_range from stoul)."""
    m = _valid_tube(tmp_path)
    with pytest.raises(KeyError, match="no item with name"):
        m.set("vessels.99999999999999999999999.radius", "3 mm")


def test_large_and_special_files_are_model_errors(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:  # sparse: 64 MiB + 1 byte without writing them
        f.truncate(64 * 2**20 + 1)
    for path, words in [(big, "64 MiB limit"), (tmp_path, "is a directory"),
                        (Path("/dev/zero"), "not a regular file")]:
        with pytest.raises(venoflow.ModelError) as info:
            venoflow.load_model(path)
        assert words in str(info.value)
