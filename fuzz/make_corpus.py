#!/usr/bin/env python3
"""Regenerate the seeds of fuzz/corpus/ that come from the repository's model files.

    .venv/bin/python fuzz/make_corpus.py

Input format of the harness: fuzz/model_loader_fuzzer.cpp (header) and fuzz/README.md.
 - model_cerebral_venous.yaml: models/cerebral_venous.yaml as it is;
 - scenario_*.yaml: models/scenarios/*.yaml, extending the copy of the shipped model that the
   harness keeps in its temporary directory (`extends: cerebral_venous.yaml`);
 - benchmark_*.yaml: validation/benchmarks/*.yaml with their inflow table appended as a file of
   the input (`file: NAME` + a `#=== NAME` section).
The hand-made edge cases (edge_*.yaml) are kept in the repository and not touched here.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fuzz" / "corpus"


def main() -> int:
    CORPUS.mkdir(exist_ok=True)
    for old in list(CORPUS.glob("model_*.yaml")) + list(CORPUS.glob("scenario_*.yaml")) + list(
        CORPUS.glob("benchmark_*.yaml")
    ):
        old.unlink()
    base = ROOT / "models" / "cerebral_venous.yaml"
    (CORPUS / "model_cerebral_venous.yaml").write_bytes(base.read_bytes())
    for s in sorted((ROOT / "models" / "scenarios").glob("*.yaml")):
        text, n = re.subn(r"(?m)^extends: .*$", "extends: cerebral_venous.yaml", s.read_text())
        if n != 1:
            sys.exit(f"{s}: expected one `extends:` line")
        (CORPUS / f"scenario_{s.name}").write_text(text)
    for b in sorted((ROOT / "validation" / "benchmarks").glob("*.yaml")):
        text = b.read_text()
        tables = []

        def local(m):
            path = b.parent / m.group(1)
            tables.append(path)
            return f"file: {path.name}"

        text = re.sub(r"(?<=[{\s])file: ([^,}\s#]+/[^,}\s#]+)", local, text)
        for t in dict.fromkeys(tables):
            if not text.endswith("\n"):
                text += "\n"
            text += f"#=== {t.name}\n" + t.read_text()
        (CORPUS / f"benchmark_{b.name}").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
