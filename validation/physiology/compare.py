#!/usr/bin/env python
"""Before/after comparison of two physiology validation runs.

    .venv/bin/python validation/physiology/compare.py BEFORE AFTER [--markdown]

BEFORE and AFTER are the targets.json dumps that validation/physiology/run.py writes into its
output directory (or those directories). For every graded row (target table, tilt run, Gadda
2015 regression) it prints the value before and after, the band and whether each value lies
inside it, and a status:

* LEFT BAND: a published measurement was inside its band (mean +- 2 SD as published, or its
  reference range) before and is outside after. Flagged; exit status 1.
* Mueller 2016 stenosis results (ids ending in muller2016; model predictions without a spread):
  "kept" when the after value is no further from the published value than the before value,
  with a slack of MULLER_SLACK of the published value [CHOSEN: 10 %; these are single model
  predictions without a spread, so a band cannot be used], otherwise NOT KEPT, flagged; exit
  status 1.
* left tolerance: a model-to-model row (Gadda 2015) passed its stated tolerance before and not
  after; reported, not flagged (the Gadda comparison is orientation, docs/cerebral-model.md).
* entered band, inside, outside (both), no band, not run, new, removed: reported.

Exit status: 0, 1 when anything is flagged, 2 on unreadable input.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

MULLER_SLACK = 0.10


def load(path: str | Path) -> dict:
    p = Path(path)
    if p.is_dir():
        p = p / "targets.json"
    try:
        d = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise SystemExit(f"compare.py: cannot read {p}: {e}")
    if not isinstance(d, dict) or "targets" not in d:
        raise SystemExit(f"compare.py: {p}: not a targets.json of validation/physiology/run.py (no 'targets')")
    return d


def _num(x):
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) else None


def _inside(v, band):
    if v is None or not band:
        return None
    return band[0] <= v <= band[1]


def status(b: dict | None, a: dict | None) -> tuple[str, bool]:
    """(status, flagged) of one row, b/a the before/after rows (None when absent)."""
    if b is None:
        return "new", False
    if a is None:
        return "removed", False
    vb, va = _num(b.get("simulated")), _num(a.get("simulated"))
    if va is None:
        return ("not run", False) if vb is None else ("not run after", True)
    if vb is None:
        return "not run before", False
    if b.get("muller2016") or a.get("muller2016"):
        v = _num(a.get("value"))
        if v is None:
            return "no published value", False
        kept = abs(va - v) <= abs(vb - v) + MULLER_SLACK * abs(v)
        return ("kept" if kept else "NOT KEPT"), not kept
    band = a.get("band") or b.get("band")
    ib, ia = _inside(vb, band), _inside(va, band)
    if ib is None:
        return "no band", False
    model = a.get("kind") == "model"
    if ib and not ia:
        return ("left tolerance", False) if model else ("LEFT BAND", True)
    if not ib and ia:
        return "entered band", False
    return ("inside" if ia else "outside (both)"), False


def compare(before: dict, after: dict) -> list[dict]:
    B = {r["id"]: r for r in before["targets"]}
    A = {r["id"]: r for r in after["targets"]}
    ids = list(B) + [i for i in A if i not in B]
    out = []
    for i in ids:
        b, a = B.get(i), A.get(i)
        st, flag = status(b, a)
        r = a or b
        out.append({"id": i, "before": _num((b or {}).get("simulated")), "after": _num((a or {}).get("simulated")),
                    "band": r.get("band"), "units": r.get("units") or r.get("sim_units") or "",
                    "value": r.get("value"), "status": st, "flagged": flag})
    return out


def _f(x):
    return "—" if x is None else f"{x:.4g}"


def _band(r):
    if r["band"]:
        return f"{r['band'][0]:.4g} .. {r['band'][1]:.4g}"
    return "—" if r["value"] is None else f"({r['value']:.4g})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    a = ap.parse_args(argv)
    b, af = load(a.before), load(a.after)
    rows = compare(b, af)
    head = ["target", "before", "after", "band (or value)", "units", "status"]
    cells = [[r["id"], _f(r["before"]), _f(r["after"]), _band(r), r["units"], r["status"]] for r in rows]
    print(f"before: {b.get('mode')} run, commit {b.get('git_commit')}, {b.get('date_utc')}")
    print(f"after:  {af.get('mode')} run, commit {af.get('git_commit')}, {af.get('date_utc')}")
    for lab, d in (("before", b), ("after", af)):
        if d.get("overrides"):
            print(f"{lab} overrides: {', '.join(d['overrides'])}")
    if b.get("mode") != af.get("mode"):
        print("warning: the two runs are of different modes (quick 0D vs full 1D)")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for c in cells:
            print("| " + " | ".join(c) + " |")
    else:
        w = [max(len(h), *(len(c[k]) for c in cells)) for k, h in enumerate(head)]
        print("  ".join(h.ljust(w[k]) for k, h in enumerate(head)))
        for c in cells:
            print("  ".join(x.ljust(w[k]) for k, x in enumerate(c)))
    flagged = [r for r in rows if r["flagged"]]
    mull = [r for r in rows if r["status"] in ("kept", "NOT KEPT")]
    print(f"{len(rows)} rows; {len(flagged)} flagged; Mueller 2016: "
          + (", ".join(f"{r['id']} {r['status']}" for r in mull) or "none compared"))
    for r in flagged:
        print(f"FLAGGED {r['id']}: {r['status']} ({_f(r['before'])} -> {_f(r['after'])}, band {_band(r)})")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
