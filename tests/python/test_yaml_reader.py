"""The model files' YAML reader (format/yaml_tree.cpp, on libyaml) against an independent one:
PyYAML's pure-Python reader (yaml.SafeLoader, not the libyaml-based CSafeLoader), on every YAML
file of the repository (the shipped models and scenarios, the benchmarks, the catalogue of bad
models, the fuzzing corpus). Both must accept and refuse the same texts; for accepted texts, the
same nodes in the same order, with the same kinds, texts, explicit tags and positions (line and
column); and the text the writer makes of the tree must read back, in PyYAML, as the same data."""
import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(os.environ.get("VENOFLOW_SOURCE_DIR", Path(__file__).resolve().parents[2]))
DUMP = os.environ.get("VENOFLOW_YAML_TREE_DUMP")
FILES = sorted({p for pattern in ("models/**/*.yaml", "validation/**/*.yaml",
                                  "tests/bad_models/**/*.yaml", "fuzz/corpus/*", "bench/**/*.yaml")
                for p in ROOT.glob(pattern) if p.is_file()})
NULL = "tag:yaml.org,2002:null"
pytestmark = pytest.mark.skipif(not DUMP, reason="VENOFLOW_YAML_TREE_DUMP not set (ctest sets it)")


def ours(path: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([DUMP, *extra, str(path)], capture_output=True, timeout=60)


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            nxt = text[i + 1]
            if nxt == "x":
                out.append(chr(int(text[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append({"\\": "\\", "n": "\n", "t": "\t", "r": "\r"}[nxt])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def pyyaml_nodes(node, out):
    """PyYAML's composed nodes in the dump's order and format: (kind, line, column, tag, text)."""
    if isinstance(node, yaml.ScalarNode):
        null = node.tag == NULL and node.style is None
        out.append(("null" if null else "scalar", node.start_mark.line, node.start_mark.column,
                    node.tag, "" if null else node.value))
    elif isinstance(node, yaml.SequenceNode):
        out.append(("seq", node.start_mark.line, node.start_mark.column, node.tag, ""))
        for item in node.value:
            pyyaml_nodes(item, out)
    else:
        out.append(("map", node.start_mark.line, node.start_mark.column, node.tag, ""))
        for k, v in node.value:
            pyyaml_nodes(k, out)
            pyyaml_nodes(v, out)
    return out


def our_nodes(stdout: bytes):
    nodes = []
    for line in stdout.decode("utf-8").split("\n")[:-1]:
        kind, row, col, tag, text = line.split("\t", 4)
        # tags: "?" (plain) and "!" (quoted) are implicit; others are explicit and compared
        nodes.append((kind, int(row), int(col), None if tag in ("?", "!") else tag,
                      unescape(text)))
    return nodes


def without_tags(nodes):
    return [n[:3] + n[4:] for n in nodes]


def bom_inside(raw: bytes) -> bool:
    # refused before the reader by the model loader (tests/bad_models/encoding_bom_in_key.yaml)
    return b"\xef\xbb\xbf" in raw[3:] if raw.startswith(b"\xef\xbb\xbf") else b"\xef\xbb\xbf" in raw


def test_files_are_found():
    assert len(FILES) >= 150, len(FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_reader_agrees_with_pyyaml(path):
    raw = path.read_bytes()
    if bom_inside(raw):
        pytest.skip("a byte-order mark inside the text: refused by the loader before reading")
    r = ours(path)
    try:
        theirs = yaml.compose(raw, Loader=yaml.SafeLoader)
    except RecursionError:
        # PyYAML's composer recurses per level; ours refuses past 64 levels at the first one
        assert r.returncode == 2 and b"nesting deeper than" in r.stdout, r.stdout
        return
    except yaml.MarkedYAMLError as e:
        assert r.returncode == 2, (str(e), r.stdout[:300])
        _, line, col, msg = r.stdout.decode().rstrip("\n").split("\t", 3)
        marks = {(m.line, m.column) for m in (e.problem_mark, e.context_mark) if m is not None}
        if "unknown escape" in msg:  # libyaml marks the backslash, PyYAML the letter after it
            marks.add((e.problem_mark.line, e.problem_mark.column - 1))
        assert (int(line), int(col)) in marks, (msg, str(e))
        return
    except yaml.YAMLError as e:  # the reader's errors (encoding, control characters)
        assert r.returncode == 2, (str(e), r.stdout[:300])
        return
    if r.returncode == 2:
        # refused by ours only: the nesting limit, which PyYAML does not have
        assert b"nesting deeper than 64 levels" in r.stdout, r.stdout
        return
    assert r.returncode == 0, r.stderr
    mine = our_nodes(r.stdout)
    if theirs is None:  # an empty document
        assert [n[0] for n in mine] == ["null"], mine
        return
    expected = pyyaml_nodes(theirs, [])
    assert without_tags(mine) == without_tags(expected)
    for m, t in zip(mine, expected):
        if m[3] is not None:  # an explicit tag, resolved to its full form by both
            assert m[3] == t[3], (m, t)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_written_text_reads_back_as_the_same_data(path):
    if bom_inside(path.read_bytes()) or ours(path).returncode != 0:
        pytest.skip("refused by the reader")
    try:
        original = yaml.load(path.read_bytes(), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        pytest.skip("PyYAML cannot construct it (e.g. a tag it does not know)")
    w = ours(path, "--write")
    assert w.returncode == 0, w.stdout
    assert yaml.load(w.stdout, Loader=yaml.SafeLoader) == original, w.stdout.decode()[:2000]
