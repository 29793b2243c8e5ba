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
